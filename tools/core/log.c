/* SPDX-License-Identifier: BSD-3-Clause */
/* log.c - log lines (twampy's format) and diagnostics, to standard error or -l FILE,
 * line-buffered always; never to standard output, which carries results only. */
#include "log.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include "sys.h"

static FILE *log_fp;
static int log_level = SK_LOG_WARNING;
static const char *cmdname = "";

void sk_log_command(const char *cmd)
{
	cmdname = cmd ? cmd : "";
}

const char *sk_log_cmdname(void)
{
	return cmdname;
}

int sk_log_open(int level, const char *path)
{
	setvbuf(stderr, NULL, _IOLBF, 0);
	log_level = level;
	if (log_fp && log_fp != stderr)
		fclose(log_fp);
	log_fp = stderr;
	if (path && strcmp(path, "-")) {
		FILE *f = fopen(path, "w");
		if (!f)
			return -1;
		setvbuf(f, NULL, _IOLBF, 0);
		log_fp = f;
	}
	return 0;
}

void sk_log_close(void)
{
	if (log_fp && log_fp != stderr)
		fclose(log_fp);
	log_fp = NULL;
}

FILE *sk_log_file(void)
{
	return log_fp ? log_fp : stderr;
}

bool sk_log_enabled(int level)
{
	return level <= log_level && log_level != SK_LOG_QUIET;
}


void sk_log(int level, const char *fmt, ...)
{
	if (!sk_log_enabled(level))
		return;
	static const char *const lv[] = { "", "WARNING", "INFO", "DEBUG" };
	struct timeval tv;
	gettimeofday(&tv, NULL);
	struct tm tm;
	localtime_r(&tv.tv_sec, &tm);
	/* twampy's two-digit year, written by hand (strftime's %y draws -Wformat-y2k). */
	char ts[40];
	snprintf(ts, sizeof ts, "%02d/%02d/%02d %02d:%02d:%02d", tm.tm_year % 100, tm.tm_mon + 1,
		 tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
	FILE *f = sk_log_file();
	fprintf(f, "%s,%-3d %-8s ", ts, (int)(tv.tv_usec / 1000), lv[level]);
	va_list ap;
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	fputc('\n', f);
}

void sk_log_hex(const char *what, const uint8_t *p, size_t n)
{
	if (!sk_log_enabled(SK_LOG_DEBUG))
		return;
	char buf[2 * 512 + 1];
	size_t m = n > 512 ? 512 : n;
	for (size_t i = 0; i < m; i++)
		snprintf(buf + 2 * i, 3, "%02x", p[i]);
	buf[2 * m] = 0;
	sk_log(SK_LOG_DEBUG, "%s: %s%s", what, buf, n > m ? "..." : "");
}


#if defined(__GNUC__)
__attribute__((format(printf, 2, 0)))
#endif
static void vdiag(const char *what, const char *fmt, va_list ap)
{
	fprintf(stderr, "stampkit%s%s: %s", cmdname[0] ? " " : "", cmdname, what);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void sk_diag(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vdiag("", fmt, ap);
	va_end(ap);
}

void sk_warn(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vdiag("warning: ", fmt, ap);
	va_end(ap);
}

/* ---- rate-limited lines ---- */

#define RL_SLOTS 256
#define RL_KEY 96

struct rl_slot {
	char key[RL_KEY];
	int64_t window_start;
	unsigned in_window;
	uint64_t suppressed;
	int level;
};
static struct rl_slot rl[RL_SLOTS];
static int64_t (*rl_clock)(void) = sk_now_mono_ns;
static int64_t rl_sec_start;
static unsigned rl_sec_lines;
static uint64_t rl_written, rl_suppressed_total, rl_global_suppressed;

void sk_log_limited_clock(int64_t (*now_ns)(void))
{
	rl_clock = now_ns ? now_ns : sk_now_mono_ns;
	memset(rl, 0, sizeof rl);
	rl_sec_start = 0;
	rl_sec_lines = 0;
	rl_written = rl_suppressed_total = rl_global_suppressed = 0;
}

void sk_log_limited_counts(uint64_t *written, uint64_t *suppressed)
{
	*written = rl_written;
	*suppressed = rl_suppressed_total;
}

static uint32_t rl_hash(const char *k)
{
	uint32_t h = 2166136261u; /* FNV-1a */
	for (; *k; k++)
		h = (h ^ (uint8_t)*k) * 16777619u;
	return h;
}

/* The global cap: at most SK_LOG_GLOBAL_PER_S lines in any one second, whatever the key;
 * what it holds back is said in one line when the next second begins. */
static bool rl_global_ok(int64_t now)
{
	if (now - rl_sec_start >= 1000000000LL) {
		rl_sec_start = now;
		rl_sec_lines = 0;
		if (rl_global_suppressed) {
			sk_log(SK_LOG_WARNING, "log: %llu more lines suppressed (more than %d a second)",
			       (unsigned long long)rl_global_suppressed, SK_LOG_GLOBAL_PER_S);
			rl_written++;
			rl_sec_lines++;
			rl_global_suppressed = 0;
		}
	}
	return rl_sec_lines < SK_LOG_GLOBAL_PER_S;
}

static void rl_report(struct rl_slot *s, int64_t now)
{
	if (!s->suppressed)
		return;
	if (rl_global_ok(now)) {
		sk_log(s->level, "%s: %llu more suppressed in %.0f s", s->key,
		       (unsigned long long)s->suppressed, (double)(now - s->window_start) / 1e9);
		rl_written++;
		rl_sec_lines++;
	} else {
		rl_global_suppressed += s->suppressed;
	}
	s->suppressed = 0;
}

void sk_log_limited(int level, const char *key, const char *fmt, ...)
{
	if (!sk_log_enabled(level))
		return;
	int64_t now = rl_clock();
	struct rl_slot *s = &rl[rl_hash(key) % RL_SLOTS];
	if (strncmp(s->key, key, RL_KEY - 1)) {
		/* another key had this slot: report what it held back, then take it over */
		rl_report(s, now);
		snprintf(s->key, sizeof s->key, "%s", key);
		s->window_start = now;
		s->in_window = 0;
	}
	s->level = level;
	if (now - s->window_start >= (int64_t)SK_LOG_PERIOD_S * 1000000000LL) {
		rl_report(s, now);
		s->window_start = now;
		s->in_window = 0;
	}
	if (s->in_window >= SK_LOG_BURST) {
		s->suppressed++;
		rl_suppressed_total++;
		return;
	}
	if (!rl_global_ok(now)) {
		rl_global_suppressed++;
		rl_suppressed_total++;
		return;
	}
	s->in_window++;
	rl_sec_lines++;
	rl_written++;
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	sk_log(level, "%s", msg);
}

void sk_log_limited_flush(void)
{
	int64_t now = rl_clock();
	for (size_t i = 0; i < RL_SLOTS; i++)
		rl_report(&rl[i], now);
	if (rl_global_suppressed) {
		sk_log(SK_LOG_WARNING, "log: %llu more lines suppressed (more than %d a second)",
		       (unsigned long long)rl_global_suppressed, SK_LOG_GLOBAL_PER_S);
		rl_written++;
		rl_global_suppressed = 0;
	}
}
