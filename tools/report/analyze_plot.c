/* SPDX-License-Identifier: BSD-3-Clause */
/* analyze_plot.c - `stampkit analyze --plot`: the delay series of each session go to a
 * temporary file as the capture is read (memory does not grow with packets); at the end a
 * gnuplot script draws delay over time per direction and a delay histogram per session. */
#include <errno.h>
#include <inttypes.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

static void series_path(const struct sk_an_plot *p, unsigned index, char *buf, size_t n)
{
	snprintf(buf, n, "%s/session%u.csv", p->dir, index);
}

void sk_an_plot_point(struct sk_an_plot *p, unsigned index, int64_t t_ns, const struct sk_delays *d,
		      int have_back)
{
	if (index == 0 || index > SK_AN_PLOT_MAX || !p->dir[0])
		return;
	FILE **fp = &p->fp[index - 1];
	if (!*fp) {
		char path[300];
		series_path(p, index, path, sizeof path);
		*fp = fopen(path, "w");
		if (!*fp) {
			p->failed = 1;
			return;
		}
	}
	if (!p->have_t0)
		p->t0 = t_ns, p->have_t0 = 1;
	double t = (double)(t_ns - p->t0) / 1e9;
	if (have_back)
		fprintf(*fp, "%.9f,%.6f,%.6f,%.6f\n", t, (double)d->outbound_ns / 1e6,
			(double)d->inbound_ns / 1e6, (double)d->rtt_ns / 1e6);
	else
		fprintf(*fp, "%.9f,%.6f,NaN,NaN\n", t, (double)d->outbound_ns / 1e6);
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

void sk_an_plot_lost(struct sk_an_plot *p, unsigned index, int64_t t_ns)
{
	(void)p, (void)index, (void)t_ns;
}

int sk_an_plot_draw(struct sk_an_plot *p, const char *out, const char *const *title,
		    const double *binw_ms, unsigned n, unsigned total, FILE *diag)
{
	if (total > n)
		fprintf(diag, "stampkit analyze: note: --plot draws the first %u of %u sessions\n", n,
			total);
	for (unsigned i = 0; i < SK_AN_PLOT_MAX; i++)
		if (p->fp[i]) {
			if (fclose(p->fp[i]) != 0)
				p->failed = 1;
			p->fp[i] = NULL;
		}
	if (p->failed || !p->dir[0]) {
		fprintf(diag, "stampkit analyze: --plot: cannot write the delay series in %s\n", p->dir);
		return -1;
	}
	char script[300];
	snprintf(script, sizeof script, "%s/plot.gp", p->dir);
	FILE *g = fopen(script, "w");
	if (!g) {
		fprintf(diag, "stampkit analyze: --plot: cannot write %s\n", script);
		return -1;
	}
	unsigned rows = n ? n : 1;
	size_t len = strlen(out);
	int png = len > 4 && !strcmp(out + len - 4, ".png");
	fprintf(g, "set terminal %s size 1400,%u %s\n", png ? "pngcairo" : "svg", 380 * rows,
		png ? "font 'sans,9'" : "dynamic font 'sans,10' background rgb 'white'");
	fputs("set output ", g);
	gp_str(g, out);
	fputs("\nset datafile separator ','\nset datafile missing 'NaN'\nset grid\nset key top right\n"
	      "set style fill transparent solid 0.45 noborder\n",
	      g);
	fprintf(g, "set multiplot layout %u,2 title 'stampkit analyze: delays per session'\n", rows);
	if (n == 0)
		fputs("set title 'no session with replies'\nunset border\nunset tics\nplot NaN notitle\n"
		      "set title ''\nplot NaN notitle\n",
		      g);
	for (unsigned i = 0; i < n; i++) {
		char data[300];
		series_path(p, i + 1, data, sizeof data);
		FILE *probe = fopen(data, "r");
		int have = probe != NULL;
		if (probe)
			fclose(probe);
		char t[400];
		snprintf(t, sizeof t, "%s: delay over time", title[i]);
		fputs("set title ", g);
		gp_str(g, t);
		fputs("\nset xlabel 'time since the first reply (s)'\nset ylabel 'delay (ms)'\n", g);
		if (!have) {
			fputs("plot NaN title 'no replies'\n", g);
		} else {
			fputs("plot ", g);
			gp_str(g, data);
			fputs(" using 1:2 with points pt 7 ps 0.5 title 'outbound (T2-T1)', '' using 1:3 "
			      "with points pt 7 ps 0.5 title 'inbound (T4-T3)', '' using 1:4 with points "
			      "pt 7 ps 0.5 title 'round trip'\n",
			      g);
		}
		snprintf(t, sizeof t, "%s: delay histogram", title[i]);
		fputs("set title ", g);
		gp_str(g, t);
		double bw = binw_ms[i] > 0 ? binw_ms[i] : 0.001;
		fprintf(g, "\nset xlabel 'delay (ms, bins of %.4g ms)'\nset ylabel 'packets'\n"
			   "bw = %.9g\nbin(x) = bw * floor(x / bw) + bw / 2\nset boxwidth bw absolute\n",
			bw, bw);
		if (!have) {
			fputs("plot NaN title 'no replies'\n", g);
		} else {
			fputs("plot ", g);
			gp_str(g, data);
			fputs(" using (bin($2)):(1.0) smooth frequency with boxes title 'outbound', '' "
			      "using (bin($3)):(1.0) smooth frequency with boxes title 'inbound', '' using "
			      "(bin($4)):(1.0) smooth frequency with boxes title 'round trip'\n",
			      g);
		}
	}
	fputs("unset multiplot\nset output\n", g);
	if (fclose(g) != 0) {
		fprintf(diag, "stampkit analyze: --plot: cannot write %s\n", script);
		return -1;
	}
	/* gnuplot runs as a program (no shell); its messages go to our standard error. */
	char *argv[] = { "gnuplot", script, NULL };
	pid_t pid;
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", 0, 0);
	posix_spawn_file_actions_adddup2(&fa, fileno(diag), 1);
	posix_spawn_file_actions_adddup2(&fa, fileno(diag), 2);
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
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		fprintf(diag, "stampkit analyze: --plot: gnuplot failed; %s not written\n", out);
		return -1;
	}
	return 0;
}

void sk_an_plot_close(struct sk_an_plot *p)
{
	if (!p->dir[0])
		return;
	char path[300];
	for (unsigned i = 0; i < SK_AN_PLOT_MAX; i++) {
		if (p->fp[i])
			fclose(p->fp[i]), p->fp[i] = NULL;
		series_path(p, i + 1, path, sizeof path);
		(void)unlink(path);
	}
	snprintf(path, sizeof path, "%s/plot.gp", p->dir);
	(void)unlink(path);
	(void)rmdir(p->dir);
	p->dir[0] = '\0';
}
