/* SPDX-License-Identifier: BSD-3-Clause */
/* fuzz_capture.c - libFuzzer target: the whole `stampkit decode` path (libpcap reading of
 * pcap/pcapng, link layers, IP/UDP/TCP, TCP reassembly, control following with a secret,
 * test-packet decoding, text and JSON output) on an arbitrary capture file. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "decode.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static FILE *devnull;
	if (!devnull)
		devnull = fopen("/dev/null", "w");
	int fd = memfd_create("capture", 0);
	if (fd < 0 || !devnull)
		return 0;
	if (write(fd, data, size) != (ssize_t)size) {
		close(fd);
		return 0;
	}
	char path[64];
	snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
	for (int json = 0; json < 2; json++) {
		struct sk_decode_opts o;
		memset(&o, 0, sizeof o);
		o.json = json;
		o.heuristic = json;
		o.ports[0] = 18620;
		o.ports[1] = 40000;
		o.nports = 2;
		snprintf(o.secrets[0].keyid, sizeof o.secrets[0].keyid, "alice");
		snprintf(o.secrets[0].pass, sizeof o.secrets[0].pass, "twamp-test-secret");
		o.secrets[0].pass_len = strlen("twamp-test-secret");
		o.nsecrets = 1;
		o.file = path;
		(void)sk_decode_run(&o, devnull, devnull);
	}
	close(fd);
	return 0;
}
