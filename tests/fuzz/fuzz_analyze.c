/* SPDX-License-Identifier: BSD-3-Clause */
/* fuzz_analyze.c - libFuzzer target: the whole `stampkit analyze` path (libpcap reading,
 * link layers, TCP reassembly and control following with a secret, test-packet discovery and
 * decoding, per-session metrics, table, JSON and CSV output) on an arbitrary capture file,
 * alone and merged with itself as a second capture (sender and reflector side). */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "analyze_int.h"

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
	static struct sk_analyze_opts o;
	for (int run = 0; run < 3; run++) {
		memset(&o, 0, sizeof o);
		o.json = run == 1;
		o.heuristic = run != 0;
		o.csv = "/dev/null";
		o.ports[0] = 18620;
		o.ports[1] = 40000;
		o.nports = 2;
		snprintf(o.secrets[0].keyid, sizeof o.secrets[0].keyid, "alice");
		snprintf(o.secrets[0].pass, sizeof o.secrets[0].pass, "twamp-test-secret");
		o.secrets[0].pass_len = strlen("twamp-test-secret");
		o.nsecrets = 1;
		o.files[0] = path;
		o.nfiles = 1;
		if (run == 2) {
			/* The same file twice: every packet seen at both capture points. */
			o.files[1] = path;
			o.nfiles = 2;
			o.cp[0] = SK_AN_CP_SENDER;
			o.cp[1] = SK_AN_CP_REFLECTOR;
		}
		(void)sk_analyze_run(&o, devnull, devnull);
	}
	close(fd);
	return 0;
}
