/* SPDX-License-Identifier: BSD-3-Clause */
/* log.h - where a command's words go. Standard output carries results only (tables, JSON,
 * decoded packets); everything else goes to standard error or the -l FILE, line-buffered
 * always, so `stampkit server -v > log` shows each line as it happens and `--json` output
 * is never interleaved with log lines.
 *
 * Two kinds of lines:
 *  - log lines in twampy's format "yy/mm/dd HH:MM:SS,ms LEVEL    message" (sk_log), shown
 *    by level (-q, default WARNING, -v INFO, -d DEBUG);
 *  - diagnostics "stampkit CMD: message" (sk_diag / sk_warn): errors and notes about the
 *    run that the user must see whatever the level. */
#ifndef STAMPKIT_TOOLS_LOG_H
#define STAMPKIT_TOOLS_LOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum sk_loglevel { SK_LOG_QUIET = 0, SK_LOG_WARNING = 1, SK_LOG_INFO = 2, SK_LOG_DEBUG = 3 };

/* The command name used in diagnostics ("sender"); set by main before the command runs. */
void sk_log_command(const char *cmd);
const char *sk_log_cmdname(void);
/* Level and destination of log lines: path NULL or "-" = standard error. Also makes
 * standard error line-buffered. 0, or -1 with errno when the file cannot be opened. */
int sk_log_open(int level, const char *path);
void sk_log_close(void);

bool sk_log_enabled(int level);
void sk_log(int level, const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 2, 3)))
#endif
	;
/* Where log lines go (multi-line dumps such as -d's decoded packets): never stdout. */
FILE *sk_log_file(void);
void sk_log_hex(const char *what, const uint8_t *p, size_t n);

/* Rate-limited log lines for what a peer can make us say again and again (refused requests,
 * malformed datagrams): per key (e.g. "short 192.0.2.7"), the first SK_LOG_BURST lines of a
 * SK_LOG_PERIOD_S-second window are written, the rest counted; the next line of that key
 * after the window, or sk_log_limited_flush(), writes "... (N more suppressed in Ts)". A
 * global cap (SK_LOG_GLOBAL_PER_S lines a second over all keys) holds when the keys vary
 * (spoofed sources). So 100,000 refused requests write a few hundred lines at most. */
#define SK_LOG_BURST 3
#define SK_LOG_PERIOD_S 10
#define SK_LOG_GLOBAL_PER_S 20
void sk_log_limited(int level, const char *key, const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 3, 4)))
#endif
	;
/* Writes the pending "N more suppressed" lines (at exit, or when counters are dumped). */
void sk_log_limited_flush(void);
/* Lines written and suppressed so far by sk_log_limited (for tests and counters). */
void sk_log_limited_counts(uint64_t *written, uint64_t *suppressed);
/* Test hook: the clock used by sk_log_limited (monotonic ns); NULL restores the real one. */
void sk_log_limited_clock(int64_t (*now_ns)(void));

/* "stampkit CMD: message" on standard error (always shown, whatever the level). */
void sk_diag(const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 1, 2)))
#endif
	;
/* "stampkit CMD: warning: message" on standard error. */
void sk_warn(const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 1, 2)))
#endif
	;

#endif
