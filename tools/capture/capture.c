/* SPDX-License-Identifier: BSD-3-Clause */
/* capture.c - pcap/pcapng reading at nanosecond precision: libpcap for everything, and for
 * classic pcap files (the usual input of analyze) the records read straight from a memory
 * mapping, with libpcap's rules and messages, so nothing is copied through stdio; a file
 * that another process truncates meanwhile is reported as damaged, as libpcap does. */
#include <pcap/pcap.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "capture.h"

#define MMAP_MAX_CAPLEN 262144u /* libpcap's MAXIMUM_SNAPLEN: larger records are damage */
/* Pages read are handed back in steps of this much, keeping the last MMAP_KEEP: the file
 * stays in the page cache, but not in the process's resident set (the memory a capture of
 * any size costs stays flat). Touching them again would simply read them in again. */
#define MMAP_STEP ((size_t)8 << 20)
#define MMAP_KEEP ((size_t)1 << 20)

struct sk_capture {
	pcap_t *p;
	uint64_t n;
	int damaged;
	/* The mapped file (map non-NULL): records from off on. */
	const uint8_t *map;
	size_t size, off;
	int fd;                 /* libpcap's descriptor of the file, for fstat */
	struct map_slot *slot;  /* the mapping's entry for the SIGBUS handler */
	size_t dropped; /* pages below this were handed back (MADV_DONTNEED) */
	bool swapped, micro;
	uint32_t snap;
	char err[PCAP_ERRBUF_SIZE + 32];
};

/* ---- A file that shrinks while it is mapped ----
 * Reading a page of a mapping beyond the end of its file raises SIGBUS, and the part of the
 * file's last page beyond its end reads as zeros. Another process may truncate the file
 * while we read it (a capture being rotated or rewritten); libpcap then reports a truncated
 * dump file, and so must we, never dying. Hence:
 * - SIGBUS at an address inside a mapping of ours puts zero pages there, from that page to
 *   the mapping's end (the faulting read then goes on, reading zeros), and marks the
 *   mapping; any other SIGBUS goes to the handler there was before, or kills as before.
 * - A record is handed out only when its lengths and the next record's are not both zero
 *   (what a zeroed page reads as) and its mapping is not marked; otherwise, and at the last
 *   record, fstat decides whether the file still holds it. On the fast path that costs two
 *   compares and a load, no system call.
 * What stays open is the race with a truncation while a frame already handed out is being
 * read: its removed octets read as zeros (no crash), and the next call reports the damage. */
#define MAP_SLOTS 16

struct map_slot {
	_Atomic uintptr_t start; /* 0: free */
	_Atomic size_t len;
	atomic_int faulted;
};

static struct map_slot map_slots[MAP_SLOTS];
static pthread_mutex_t map_lock = PTHREAD_MUTEX_INITIALIZER;
static struct sigaction bus_prev;
static _Atomic uintptr_t page_mask;

static void on_sigbus(int sig, siginfo_t *si, void *uc)
{
	uintptr_t a = (uintptr_t)si->si_addr;
	for (unsigned i = 0; i < MAP_SLOTS; i++) {
		uintptr_t s = atomic_load(&map_slots[i].start);
		size_t l = atomic_load(&map_slots[i].len);
		if (!s || a < s || a - s >= l)
			continue;
		uintptr_t pg = a & ~atomic_load(&page_mask);
		/* mmap is a bare system call in glibc (no lock taken): safe in a handler. */
		if (mmap((void *)pg, s + l - pg, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED,
			 -1, 0) == MAP_FAILED)
			break;
		atomic_store(&map_slots[i].faulted, 1);
		return;
	}
	if (bus_prev.sa_flags & SA_SIGINFO) {
		bus_prev.sa_sigaction(sig, si, uc);
		return;
	}
	if (bus_prev.sa_handler != SIG_DFL && bus_prev.sa_handler != SIG_IGN) {
		bus_prev.sa_handler(sig);
		return;
	}
	/* Not a mapping of ours: the default action, as without this handler (the faulting
	 * instruction runs again and raises SIGBUS again). */
	struct sigaction dfl;
	memset(&dfl, 0, sizeof dfl);
	dfl.sa_handler = SIG_DFL;
	sigemptyset(&dfl.sa_mask);
	sigaction(sig, &dfl, NULL);
}

/* The handler, unless it is there already (under map_lock). Checked at every mapping, not
 * once: whoever set another SIGBUS handler since (a test framework) keeps it for the faults
 * that are not ours. 0, or -1 when it cannot be set. */
static int bus_install(void)
{
	struct sigaction cur, sa;
	if (sigaction(SIGBUS, NULL, &cur) != 0)
		return -1;
	if ((cur.sa_flags & SA_SIGINFO) && cur.sa_sigaction == on_sigbus)
		return 0;
	atomic_store(&page_mask, (uintptr_t)sysconf(_SC_PAGESIZE) - 1);
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = on_sigbus;
	sa.sa_flags = SA_SIGINFO | SA_RESTART;
	sigemptyset(&sa.sa_mask);
	bus_prev = cur;
	return sigaction(SIGBUS, &sa, NULL);
}

/* A slot for the mapping [m, m + len), or NULL (then the file is read through libpcap). */
static struct map_slot *slot_take(const void *m, size_t len)
{
	struct map_slot *r = NULL;
	pthread_mutex_lock(&map_lock);
	if (bus_install() == 0) {
		for (unsigned i = 0; i < MAP_SLOTS && !r; i++)
			if (!atomic_load(&map_slots[i].start))
				r = &map_slots[i];
		if (r) { /* start last: the handler looks at a slot only once it is set */
			atomic_store(&r->faulted, 0);
			atomic_store(&r->len, len);
			atomic_store(&r->start, (uintptr_t)m);
		}
	}
	pthread_mutex_unlock(&map_lock);
	return r;
}

static void slot_give(struct map_slot *sl)
{
	pthread_mutex_lock(&map_lock);
	atomic_store(&sl->start, 0);
	pthread_mutex_unlock(&map_lock);
}

static uint32_t rd32(const struct sk_capture *c, const uint8_t *p)
{
	uint32_t v;
	memcpy(&v, p, 4);
	return c->swapped ? __builtin_bswap32(v) : v;
}

/* Maps a classic pcap (version 2.4, micro- or nanosecond magic, either byte order) that
 * libpcap has opened already: it checked the header and gives the link type and snapshot
 * length. Anything else (pcapng, a pipe, other versions) stays with libpcap. */
static void try_map(struct sk_capture *cap, FILE *fp)
{
	struct stat st;
	if (!fp || fstat(fileno(fp), &st) != 0 || !S_ISREG(st.st_mode) || st.st_size < 24 ||
	    pcap_major_version(cap->p) != 2 || pcap_minor_version(cap->p) != 4)
		return;
	/* Link types for which libpcap allows records above MMAP_MAX_CAPLEN (D-Bus, USBPcap,
	 * EBHSCR) stay with it. */
	int dlt = pcap_datalink(cap->p);
	if (dlt == 231 || dlt == 249 || dlt == 279)
		return;
	void *m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fileno(fp), 0);
	if (m == MAP_FAILED)
		return;
	const uint8_t *b = m;
	uint32_t magic;
	memcpy(&magic, b, 4);
	bool ok = true;
	if (magic == 0xa1b2c3d4u || magic == 0xa1b23c4du)
		cap->swapped = false;
	else if (magic == 0xd4c3b2a1u || magic == 0x4d3cb2a1u)
		cap->swapped = true;
	else
		ok = false;
	int snap = pcap_snapshot(cap->p);
	if (!ok || snap <= 0 || !(cap->slot = slot_take(m, (size_t)st.st_size))) {
		munmap(m, (size_t)st.st_size);
		return;
	}
	cap->fd = fileno(fp);
	(void)madvise(m, (size_t)st.st_size, MADV_SEQUENTIAL);
	cap->micro = magic == 0xa1b2c3d4u || magic == 0xd4c3b2a1u;
	cap->snap = (uint32_t)snap;
	cap->map = b;
	cap->size = (size_t)st.st_size;
	cap->off = 24;
}

struct sk_capture *sk_capture_open_mode(const char *path, int mode, char *errbuf, size_t errlen)
{
	char pe[PCAP_ERRBUF_SIZE] = "";
	pcap_t *p;
	bool in = !strcmp(path, "-");
	if (in)
		p = pcap_fopen_offline_with_tstamp_precision(stdin, PCAP_TSTAMP_PRECISION_NANO, pe);
	else
		p = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_NANO, pe);
	if (!p) {
		snprintf(errbuf, errlen, "%s", pe[0] ? pe : "cannot open capture");
		return NULL;
	}
	struct sk_capture *cap = calloc(1, sizeof *cap);
	if (!cap) {
		pcap_close(p);
		snprintf(errbuf, errlen, "out of memory");
		return NULL;
	}
	cap->p = p;
	if (!in && mode != SK_CAPTURE_LIBPCAP)
		try_map(cap, pcap_file(p));
	return cap;
}

struct sk_capture *sk_capture_open(const char *path, char *errbuf, size_t errlen)
{
	return sk_capture_open_mode(path, SK_CAPTURE_AUTO, errbuf, errlen);
}

void sk_capture_close(struct sk_capture *cap)
{
	if (!cap)
		return;
	if (cap->map) {
		slot_give(cap->slot);
		munmap((void *)(uintptr_t)cap->map, cap->size);
	}
	pcap_close(cap->p);
	free(cap);
}

int sk_capture_linktype(const struct sk_capture *cap) { return pcap_datalink(cap->p); }

bool sk_capture_mapped(const struct sk_capture *cap) { return cap->map != NULL; }

static int damage(struct sk_capture *cap, const char *msg)
{
	cap->damaged = 1;
	snprintf(cap->err, sizeof cap->err, "after frame %llu: %s", (unsigned long long)cap->n, msg);
	return -1;
}

static void set_time(struct sk_frame *f, int64_t sec, int64_t frac)
{
	/* pcapng timestamps are 64-bit, so a crafted file can name a second beyond what int64
	 * ns can hold: saturate rather than overflow. */
	const int64_t max_s = INT64_MAX / 1000000000LL - 1;
	if (sec > max_s)
		sec = max_s;
	else if (sec < -max_s)
		sec = -max_s;
	f->ts_ns = sec * 1000000000LL + frac;
}

/* The slow path of next_mapped: does the file still hold the record at cap->off that ends
 * at end (16 + caplen octets; caplen 0 when even the header is in doubt)? 0 yes, else -1
 * after libpcap's message. */
static int still_there(struct sk_capture *cap, size_t end, uint32_t caplen)
{
	struct stat st;
	bool faulted = atomic_load(&cap->slot->faulted);
	if (fstat(cap->fd, &st) != 0)
		st.st_size = 0;
	if (!faulted && st.st_size >= 0 && (size_t)st.st_size >= end)
		return 0;
	char msg[PCAP_ERRBUF_SIZE];
	long long got = (long long)st.st_size - (long long)cap->off;
	if (got < 0)
		got = 0;
	if (faulted && st.st_size >= 0 && (size_t)st.st_size >= end)
		snprintf(msg, sizeof msg, "the file was truncated while being read (it now has %lld "
			 "octets)", (long long)st.st_size);
	else if (got < 16)
		snprintf(msg, sizeof msg, "truncated dump file; tried to read 16 header bytes, only "
			 "got %lld (the file shrank to %lld octets while being read)", got,
			 (long long)st.st_size);
	else
		snprintf(msg, sizeof msg, "truncated dump file; tried to read %u captured bytes, "
			 "only got %lld (the file shrank to %lld octets while being read)", caplen,
			 got - 16, (long long)st.st_size);
	return damage(cap, msg);
}

/* One record of the mapping, as libpcap's savefile reader gives it (its messages too). */
static int next_mapped(struct sk_capture *cap, struct sk_frame *f)
{
	size_t left = cap->size - cap->off;
	if (left == 0)
		return 0;
	char msg[PCAP_ERRBUF_SIZE];
	if (left < 16) {
		snprintf(msg, sizeof msg, "truncated dump file; tried to read 16 header bytes, only got %zu",
			 left);
		return damage(cap, msg);
	}
	const uint8_t *h = cap->map + cap->off;
	/* libpcap's on-disk header has signed 32-bit seconds and fraction; a microsecond file is
	 * scaled to nanoseconds in 32-bit arithmetic, as it does. */
	int32_t sec = (int32_t)rd32(cap, h), frac = (int32_t)rd32(cap, h + 4);
	uint32_t caplen = rd32(cap, h + 8), len = rd32(cap, h + 12);
	if (cap->micro)
		frac = (int32_t)((uint32_t)frac * 1000u);
	/* Zero lengths: most likely a zeroed page of a file truncated meanwhile. */
	if (!(caplen | len) && still_there(cap, cap->off + 16, 0))
		return -1;
	if (caplen > MMAP_MAX_CAPLEN) {
		if (caplen > cap->snap)
			snprintf(msg, sizeof msg,
				 "invalid packet capture length %u, bigger than snaplen of %d", caplen,
				 (int)cap->snap);
		else
			snprintf(msg, sizeof msg,
				 "invalid packet capture length %u, bigger than maximum of %u", caplen,
				 MMAP_MAX_CAPLEN);
		return damage(cap, msg);
	}
	left -= 16;
	uint32_t keep = caplen > cap->snap ? cap->snap : caplen;
	if (left < caplen) {
		if (caplen > cap->snap && left < cap->snap)
			snprintf(msg, sizeof msg,
				 "truncated dump file; tried to read %d captured bytes, only got %zu",
				 (int)cap->snap, left);
		else
			snprintf(msg, sizeof msg,
				 "truncated dump file; tried to read %u captured bytes, only got %zu",
				 caplen, left);
		return damage(cap, msg);
	}
	/* The next record's lengths not zero and no fault: the file still reached past this
	 * record when they were read. At the end of the mapping fstat says so. */
	size_t next = cap->off + 16u + (size_t)caplen;
	uint64_t nl = 0;
	if (next + 16 <= cap->size)
		memcpy(&nl, cap->map + next + 8, 8);
	if ((!nl || atomic_load_explicit(&cap->slot->faulted, memory_order_relaxed)) &&
	    still_there(cap, next, caplen))
		return -1;
	if (cap->off - cap->dropped >= MMAP_STEP + MMAP_KEEP) {
		size_t upto = (cap->off - MMAP_KEEP) & ~(size_t)0xfffff; /* 1 MiB steps: page-aligned */
		(void)madvise((void *)(uintptr_t)(cap->map + cap->dropped), upto - cap->dropped,
			      MADV_DONTNEED);
		cap->dropped = upto;
	}
	f->index = ++cap->n;
	set_time(f, sec, frac);
	f->data = h + 16;
	f->caplen = keep;
	f->wirelen = len;
	cap->off += 16u + (size_t)caplen;
	return 1;
}

int sk_capture_next(struct sk_capture *cap, struct sk_frame *f)
{
	if (cap->damaged)
		return -1;
	if (cap->map)
		return next_mapped(cap, f);
	struct pcap_pkthdr *h;
	const u_char *d;
	int r = pcap_next_ex(cap->p, &h, &d);
	if (r == 1) {
		f->index = ++cap->n;
		/* Opened at nanosecond precision: tv_usec holds nanoseconds. */
		set_time(f, (int64_t)h->ts.tv_sec, (int64_t)h->ts.tv_usec);
		f->data = d;
		f->caplen = h->caplen;
		f->wirelen = h->len;
		return 1;
	}
	if (r == PCAP_ERROR_BREAK)
		return 0;
	return damage(cap, pcap_geterr(cap->p));
}

const char *sk_capture_error(const struct sk_capture *cap) { return cap->damaged ? cap->err : NULL; }

void sk_capture_progress(const struct sk_capture *cap, long long *pos, long long *size)
{
	*pos = *size = -1;
	if (cap->map) {
		*size = (long long)cap->size;
		*pos = (long long)cap->off;
		return;
	}
	FILE *fp = pcap_file(cap->p);
	struct stat st;
	if (!fp || fstat(fileno(fp), &st) != 0 || !S_ISREG(st.st_mode))
		return;
	*size = (long long)st.st_size;
	*pos = (long long)ftello(fp);
}
