/* SPDX-License-Identifier: BSD-3-Clause */
/* monitor.h - `stampkit monitor CONFIG`: many STAMP / TWAMP targets in one process, one
 * epoll loop and no thread per target; results on --metrics, interval reports, and the
 * report model's summary at SIGINT/SIGTERM; SIGHUP reloads CONFIG (docs/monitoring.md). */
#ifndef STAMPKIT_TOOLS_MONITOR_H
#define STAMPKIT_TOOLS_MONITOR_H

#include <stdbool.h>

struct monitor_opts {
	const char *config;
	const char *metrics;     /* --metrics: wins over the file's metrics = */
	double report_interval;  /* --report-interval: wins over the file's; 0: the file's */
	bool json;               /* intervals as JSON Lines, the summary as the last line */
};

/* Runs until SIGINT/SIGTERM. Returns 0 after the summary, 1 when the endpoint or the event
 * loop fails, 2 when CONFIG is refused (its file:line and the reason on standard error). */
int monitor_run(const struct monitor_opts *o);

#endif
