/* SPDX-License-Identifier: BSD-3-Clause */
/* analyze_plot.c - `stampkit analyze --plot`: the delay series of each session, and the send
 * times of its lost packets, go to temporary files as the capture is read (memory does not
 * grow with packets); at the end a gnuplot script draws delay over time per direction with
 * the losses marked, and a delay histogram per session. */
#include <errno.h>
#include <inttypes.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "analyze_plot.h"

extern char **environ;

int sk_an_plot_open(struct sk_an_plot *p, FILE *diag)
{
	memset(p, 0, sizeof *p);
	const char *tmp = getenv("TMPDIR");
	snprintf(p->dir, sizeof p->dir, "%s/stampkit-plot-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(p->dir)) {
		fprintf(diag, "stampkit analyze: --plot: cannot make a temporary directory in %s: %s\n",
			tmp && *tmp ? tmp : "/tmp", strerror(errno));
		p->dir[0] = '\0';
		return -1;
	}
	return 0;
}

static void series_path(const struct sk_an_plot *p, const char *kind, unsigned index, char *buf,
			size_t n)
{
	snprintf(buf, n, "%s/%s%u.csv", p->dir, kind, index);
}

/* The series file of one session, opened at its first point; NULL when not drawn. */
static FILE *series_file(struct sk_an_plot *p, unsigned index, int lost)
{
	if (index == 0 || index > SK_AN_PLOT_MAX || !p->dir[0])
		return NULL;
	struct sk_an_plot_series *s = &p->s[index - 1];
	FILE **fp = lost ? &s->lost : &s->fp;
	if (!*fp) {
		char path[300];
		series_path(p, lost ? "lost" : "session", index, path, sizeof path);
		*fp = fopen(path, "w");
		if (!*fp)
			p->failed = 1;
	}
	return *fp;
}

/* Seconds after the first time written by any session (a loss is written when its number
 * leaves the pairing ring, after later replies: the script shifts each session's axis to
 * its earliest time). */
static double rel_s(struct sk_an_plot *p, struct sk_an_plot_series *s, int64_t t_ns)
{
	if (!p->have_t0)
		p->t0 = t_ns, p->have_t0 = 1;
	double t = (double)(t_ns - p->t0) / 1e9;
	if (!s->have_t)
		s->tmin = s->tmax = t, s->have_t = 1;
	if (t < s->tmin)
		s->tmin = t;
	if (t > s->tmax)
		s->tmax = t;
	return t;
}

static void range(struct sk_an_plot_series *s, int64_t v)
{
	if (!s->have_range)
		s->min_ns = s->max_ns = v, s->have_range = 1;
	if (v < s->min_ns)
		s->min_ns = v;
	if (v > s->max_ns)
		s->max_ns = v;
}

void sk_an_plot_point(struct sk_an_plot *p, unsigned index, int64_t t_ns, const struct sk_delays *d,
		      int have_back)
{
	FILE *fp = series_file(p, index, 0);
	if (!fp)
		return;
	struct sk_an_plot_series *s = &p->s[index - 1];
	double t = rel_s(p, s, t_ns);
	/* Microseconds with ns resolution; the script scales to ms when the data is larger. */
	range(s, d->outbound_ns);
	if (have_back) {
		range(s, d->inbound_ns);
		range(s, d->rtt_ns);
		s->n_back++;
		fprintf(fp, "%.9f,%.3f,%.3f,%.3f\n", t, (double)d->outbound_ns / 1e3,
			(double)d->inbound_ns / 1e3, (double)d->rtt_ns / 1e3);
	} else {
		fprintf(fp, "%.9f,%.3f,NaN,NaN\n", t, (double)d->outbound_ns / 1e3);
	}
	s->n_out++;
}

void sk_an_plot_lost(struct sk_an_plot *p, unsigned index, int64_t t_ns)
{
	FILE *fp = series_file(p, index, 1);
	if (!fp)
		return;
	struct sk_an_plot_series *s = &p->s[index - 1];
	s->n_lost++;
	fprintf(fp, "%.9f\n", rel_s(p, s, t_ns));
}

/* A gnuplot single-quoted string: a quote is written twice. */
static void gp_str(FILE *f, const char *s)
{
	fputc('\'', f);
	for (; *s; s++) {
		if (*s == '\'')
			fputc('\'', f);
		if (*s != '\n' && *s != '\r')
			fputc(*s, f);
	}
	fputc('\'', f);
}

/* A panel with only a line of text (no data to draw: gnuplot refuses a plot of nothing). */
static void gp_empty(FILE *g, const char *title, const char *text)
{
	fputs("set title ", g);
	gp_str(g, title);
	fputs("\nset label 1 ", g);
	gp_str(g, text);
	fputs(" at graph 0.5,0.5 center\nset xrange [0:1]\nset yrange [0:1]\nunset xtics\n"
	      "unset ytics\nunset xlabel\nunset ylabel\nplot 2 notitle\nunset label 1\n"
	      "set autoscale xy\nset xtics\nset ytics\n",
	      g);
}

/* One plot element: "'file' using X:Y with ... title 'T'", comma-separated. */
static void gp_elem(FILE *g, int *first, const char *file, const char *using, const char *with,
		    const char *title)
{
	fputs(*first ? "plot " : ", ", g);
	*first = 0;
	gp_str(g, file);
	fprintf(g, " using %s with %s title ", using, with);
	gp_str(g, title);
}

struct gp_unit {
	double k;         /* divisor from the µs in the files */
	const char *name; /* "µs" or "ms" */
};

/* µs while every delay stays below 1 ms, else ms. */
static struct gp_unit unit_of(const struct sk_an_plot_series *s)
{
	int64_t a = s->max_ns > -s->min_ns ? s->max_ns : -s->min_ns;
	struct gp_unit u = { 1.0, "µs" };
	if (a >= 1000000)
		u.k = 1000.0, u.name = "ms";
	return u;
}

static void gp_time_panel(FILE *g, const struct sk_an_plot *p, unsigned i, const char *title)
{
	const struct sk_an_plot_series *s = &p->s[i];
	char t[400], data[300], lost[300], use[96], lt[64];
	snprintf(t, sizeof t, "%s: delay over time", title);
	if (!s->n_out && !s->n_lost) {
		gp_empty(g, t, "nothing to draw");
		return;
	}
	struct gp_unit u = unit_of(s);
	series_path(p, "session", i + 1, data, sizeof data);
	series_path(p, "lost", i + 1, lost, sizeof lost);
	fputs("set title ", g);
	gp_str(g, t);
	fprintf(g, "\nset xlabel 'time since the session''s first packet (s)'\n"
		   "set ylabel 'delay (%s)'\n", u.name);
	/* An explicit range: a session whose only point is one loss has a span of 0. */
	double span = s->tmax - s->tmin;
	double pad = span > 0 ? span * 0.03 : 0.5;
	fprintf(g, "set xrange [%.9f:%.9f]\n", -pad, span + pad);
	if (!s->n_out)
		fputs("set yrange [-1:1]\nunset ytics\nset ylabel 'no replies'\n", g);
	int first = 1;
	static const char *const names[] = { "outbound (T2-T1)", "inbound (T4-T3)", "round trip" };
	for (int c = 0; c < 3; c++) {
		if ((c == 0 && !s->n_out) || (c > 0 && !s->n_back))
			continue;
		snprintf(use, sizeof use, "($1 - %.9f):($%d / %g)", s->tmin, c + 2, u.k);
		gp_elem(g, &first, data, use, "points pt 7 ps 0.5", names[c]);
	}
	if (s->n_lost) {
		/* Lost packets on the time axis, at the time they were sent. */
		snprintf(use, sizeof use, "($1 - %.9f):(0)", s->tmin);
		snprintf(lt, sizeof lt, "lost (%" PRIu64 ")", s->n_lost);
		gp_elem(g, &first, lost, use, "points pt 2 ps 0.8 lc rgb 'red'", lt);
	}
	fputs("\nset autoscale xy\nset ytics\n", g);
}

static void gp_hist_panel(FILE *g, const struct sk_an_plot *p, unsigned i, const char *title)
{
	const struct sk_an_plot_series *s = &p->s[i];
	char t[400], data[300], use[96], txt[96];
	snprintf(t, sizeof t, "%s: delay histogram", title);
	if (!s->n_out) {
		snprintf(txt, sizeof txt, "no replies (%" PRIu64 " lost)", s->n_lost);
		gp_empty(g, t, txt);
		return;
	}
	struct gp_unit u = unit_of(s);
	/* About 40 bins over the range, at least 1 µs wide. */
	double bw = (double)(s->max_ns - s->min_ns) / 1e3 / u.k / 40.0;
	if (bw < 1.0 / u.k)
		bw = 1.0 / u.k;
	series_path(p, "session", i + 1, data, sizeof data);
	fputs("set title ", g);
	gp_str(g, t);
	fprintf(g, "\nset xlabel 'delay (%s, bins of %.4g %s)'\nset ylabel 'packets'\n"
		   "bw = %.9g\nbin(x) = bw * floor(x / bw) + bw / 2\nset boxwidth bw absolute\n"
		   "set xrange [%.9g:%.9g]\n",
		u.name, bw, u.name, bw, (double)s->min_ns / 1e3 / u.k - 2 * bw,
		(double)s->max_ns / 1e3 / u.k + 2 * bw);
	int first = 1;
	static const char *const names[] = { "outbound", "inbound", "round trip" };
	for (int c = 0; c < 3; c++) {
		if ((c == 0 && !s->n_out) || (c > 0 && !s->n_back))
			continue;
		snprintf(use, sizeof use, "(bin($%d / %g)):(1.0)", c + 2, u.k);
		gp_elem(g, &first, data, use, "boxes", names[c]);
		fputs(" smooth frequency", g);
	}
	fputs("\nset autoscale x\n", g);
}

/* Writes the gnuplot script drawing sessions 1..n into `into`; 0 or -1. */
static int write_script(struct sk_an_plot *p, const char *script, const char *into, int png,
			const char *const *title, unsigned n)
{
	FILE *g = fopen(script, "w");
	if (!g)
		return -1;
	unsigned rows = n ? n : 1;
	fprintf(g, "set encoding utf8\nset terminal %s size 1400,%u %s\n", png ? "pngcairo" : "svg",
		380 * rows, png ? "font 'sans,9'" : "dynamic font 'sans,10' background rgb 'white'");
	fputs("set output ", g);
	gp_str(g, into);
	/* The legend goes right of the plot area, never over the points. */
	fputs("\nset datafile separator ','\nset datafile missing 'NaN'\nset grid\n"
	      "set key outside right top vertical\nset offsets 0, 0, graph 0.05, graph 0.05\n"
	      "set style fill transparent solid 0.45 noborder\n",
	      g);
	fprintf(g, "set multiplot layout %u,2 title 'stampkit analyze: delays per session'\n", rows);
	if (n == 0) {
		gp_empty(g, "", "no test session");
		gp_empty(g, "", "");
	}
	for (unsigned i = 0; i < n; i++) {
		gp_time_panel(g, p, i, title[i]);
		gp_hist_panel(g, p, i, title[i]);
	}
	fputs("unset multiplot\nset output\n", g);
	return fclose(g) != 0 ? -1 : 0;
}

/* Runs gnuplot on the script as a program (no shell); its messages go to diag. 0 or -1. */
static int run_gnuplot(const char *script, FILE *diag)
{
	char *argv[] = { "gnuplot", (char *)script, NULL };
	pid_t pid;
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", 0, 0);
	posix_spawn_file_actions_adddup2(&fa, fileno(diag), 1);
	posix_spawn_file_actions_adddup2(&fa, fileno(diag), 2);
	fflush(diag);
	int e = posix_spawnp(&pid, "gnuplot", &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (e != 0) {
		fprintf(diag, "stampkit analyze: --plot: cannot run gnuplot (%s): install gnuplot-nox\n",
			strerror(e));
		return -1;
	}
	int st;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR) {
			fprintf(diag, "stampkit analyze: --plot: waiting for gnuplot: %s\n", strerror(errno));
			return -1;
		}
	return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -1;
}

int sk_an_plot_draw(struct sk_an_plot *p, const char *into, const char *out,
		    const char *const *title, unsigned n, unsigned total, FILE *diag)
{
	(void)total;
	for (unsigned i = 0; i < SK_AN_PLOT_MAX; i++) {
		FILE **f[2] = { &p->s[i].fp, &p->s[i].lost };
		for (int k = 0; k < 2; k++)
			if (*f[k]) {
				if (fclose(*f[k]) != 0)
					p->failed = 1;
				*f[k] = NULL;
			}
	}
	if (p->failed || !p->dir[0]) {
		fprintf(diag, "stampkit analyze: --plot: cannot write the delay series in %s\n", p->dir);
		return -1;
	}
	char script[300];
	snprintf(script, sizeof script, "%s/plot.gp", p->dir);
	size_t len = strlen(out);
	int png = len > 4 && !strcmp(out + len - 4, ".png");
	if (write_script(p, script, into, png, title, n) != 0) {
		fprintf(diag, "stampkit analyze: --plot: cannot write %s\n", script);
		return -1;
	}
	if (run_gnuplot(script, diag) != 0) {
		fprintf(diag, "stampkit analyze: --plot: gnuplot failed; %s not written\n", out);
		return -1;
	}
	struct stat sb;
	if (stat(into, &sb) != 0 || sb.st_size == 0) {
		fprintf(diag, "stampkit analyze: --plot: gnuplot wrote nothing; %s not written\n", out);
		return -1;
	}
	return 0;
}

void sk_an_plot_drawn(const char *out, unsigned n, unsigned total, FILE *diag)
{
	fprintf(diag, "stampkit analyze: --plot: drew %u of %u session%s into %s%s\n", n, total,
		total == 1 ? "" : "s", out, total > n ? " (the first ones)" : "");
}

void sk_an_plot_close(struct sk_an_plot *p)
{
	if (!p->dir[0])
		return;
	char path[300];
	for (unsigned i = 0; i < SK_AN_PLOT_MAX; i++) {
		if (p->s[i].fp)
			fclose(p->s[i].fp), p->s[i].fp = NULL;
		if (p->s[i].lost)
			fclose(p->s[i].lost), p->s[i].lost = NULL;
		series_path(p, "session", i + 1, path, sizeof path);
		(void)unlink(path);
		series_path(p, "lost", i + 1, path, sizeof path);
		(void)unlink(path);
	}
	snprintf(path, sizeof path, "%s/plot.gp", p->dir);
	(void)unlink(path);
	(void)rmdir(p->dir);
	p->dir[0] = '\0';
}
