/* SPDX-License-Identifier: BSD-3-Clause */
/* log.c - log lines (twampy's format) and diagnostics, to standard error or -l FILE,
 * line-buffered always; never to standard output, which carries results only. */
#include "log.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

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
