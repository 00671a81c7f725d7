/* SPDX-License-Identifier: BSD-3-Clause */
/* test_outfile.c - output files written under a temporary name and renamed into place
 * (core/outfile.h): nothing under the final name before the commit, an abort leaves a
 * previous file as it was, a replaced file keeps its mode, a symbolic link keeps pointing at
 * the new content, /dev/null is written in place; and sk_files_check: an output that is an
 * input by another name, a hard link or a symbolic link, or another output, is refused. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "outfile.h"

static char dir[64];

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof dir, "/tmp/sk-outfile-XXXXXX");
	assert_non_null(mkdtemp(dir));
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	DIR *d = opendir(dir);
	struct dirent *e;
	char p[PATH_MAX];
	while (d && (e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
			snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
			unlink(p);
		}
	if (d)
		closedir(d);
	rmdir(dir);
	return 0;
}

static const char *in_dir(const char *name)
{
	static char p[16][PATH_MAX]; /* distinct for the names of one test */
	static int k;
	k = (k + 1) % 16;
	snprintf(p[k], sizeof p[k], "%s/%s", dir, name);
	return p[k];
}

static void put(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static const char *get(const char *path)
{
	static char buf[256];
	FILE *f = fopen(path, "r");
	if (!f)
		return NULL;
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	buf[n] = 0;
	fclose(f);
	return buf;
}

/* Files in dir whose name begins with a dot: temporary files left behind. */
static int hidden(void)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;
	while ((e = readdir(d)))
		n += e->d_name[0] == '.' && strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
	closedir(d);
	return n;
}

static void commit_replaces(void **state)
{
	(void)state;
	const char *out = in_dir("out.csv");
	put(out, "old\n");
	chmod(out, 0640);
	struct sk_outfile o;
	char err[PATH_MAX + 100];
	assert_int_equal(sk_outfile_open(&o, out, err, sizeof err), 0);
	assert_string_not_equal(sk_outfile_name(&o), out);
	fputs("new\n", o.fp);
	fflush(o.fp);
	/* Not under the user's name before the commit. */
	assert_string_equal(get(out), "old\n");
	assert_int_equal(hidden(), 1);
	assert_int_equal(sk_outfile_commit(&o, err, sizeof err), 0);
	assert_string_equal(get(out), "new\n");
	struct stat st;
	assert_int_equal(stat(out, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0640);
	assert_int_equal(hidden(), 0);
}

static void abort_keeps(void **state)
{
	(void)state;
	const char *out = in_dir("keep.pcap");
	put(out, "previous");
	struct sk_outfile o;
	char err[PATH_MAX + 100];
	assert_int_equal(sk_outfile_open(&o, out, err, sizeof err), 0);
	fputs("half", o.fp);
	sk_outfile_abort(&o);
	assert_string_equal(get(out), "previous");
	assert_int_equal(hidden(), 0);
	/* A new file that is aborted never appears. */
	const char *fresh = in_dir("fresh.pcap");
	assert_int_equal(sk_outfile_open(&o, fresh, err, sizeof err), 0);
	sk_outfile_abort(&o);
	assert_int_equal(access(fresh, F_OK), -1);
}

static void closed_by_writer(void **state)
{
	(void)state;
	/* A library that closes the stream itself (pcap_dump_close): commit by name. */
	const char *out = in_dir("byname.svg");
	struct sk_outfile o;
	char err[PATH_MAX + 100];
	assert_int_equal(sk_outfile_open(&o, out, err, sizeof err), 0);
	fclose(o.fp);
	o.fp = NULL;
	put(sk_outfile_name(&o), "<svg/>");
	assert_int_equal(sk_outfile_commit(&o, err, sizeof err), 0);
	assert_string_equal(get(out), "<svg/>");
}

static void symlink_target(void **state)
{
	(void)state;
	const char *target = in_dir("target.csv"), *link = in_dir("link.csv");
	put(target, "old");
	assert_int_equal(symlink("target.csv", link), 0);
	struct sk_outfile o;
	char err[PATH_MAX + 100];
	assert_int_equal(sk_outfile_open(&o, link, err, sizeof err), 0);
	fputs("new", o.fp);
	assert_int_equal(sk_outfile_commit(&o, err, sizeof err), 0);
	struct stat st;
	assert_int_equal(lstat(link, &st), 0);
	assert_true(S_ISLNK(st.st_mode));
	assert_string_equal(get(target), "new");
}

static void device_in_place(void **state)
{
	(void)state;
	struct sk_outfile o;
	char err[PATH_MAX + 100];
	assert_int_equal(sk_outfile_open(&o, "/dev/null", err, sizeof err), 0);
	assert_string_equal(sk_outfile_name(&o), "/dev/null");
	fputs("x", o.fp);
	assert_int_equal(sk_outfile_commit(&o, err, sizeof err), 0);
	struct stat st;
	assert_int_equal(stat("/dev/null", &st), 0);
	assert_true(S_ISCHR(st.st_mode));
	/* A folder that does not exist: an error naming the file. */
	assert_int_equal(sk_outfile_open(&o, in_dir("no/such.csv"), err, sizeof err), -1);
	assert_non_null(strstr(err, "such.csv"));
}

static void same_file(void **state)
{
	(void)state;
	const char *in = in_dir("in.pcap"), *hard = in_dir("hard.pcap"), *sym = in_dir("sym.pcap");
	put(in, "capture");
	assert_int_equal(link(in, hard), 0);
	assert_int_equal(symlink("in.pcap", sym), 0);
	char dotted[PATH_MAX];
	snprintf(dotted, sizeof dotted, "%s/./in.pcap", dir);
	char err[PATH_MAX + 200];
	const char *outs[] = { in, hard, sym, dotted };
	for (size_t i = 0; i < sizeof outs / sizeof outs[0]; i++) {
		struct sk_fileuse u[] = { { NULL, in, false }, { "--csv", outs[i], true } };
		assert_int_equal(sk_files_check(u, 2, err, sizeof err), -1);
		assert_non_null(strstr(err, "--csv"));
		assert_non_null(strstr(err, "overwritten"));
	}
	/* Two outputs to one file that does not exist yet, by two spellings. */
	char dotted_new[PATH_MAX];
	snprintf(dotted_new, sizeof dotted_new, "%s/./new.svg", dir);
	struct sk_fileuse two[] = { { NULL, in, false }, { "--csv", in_dir("new.svg"), true },
				    { "--plot", dotted_new, true } };
	assert_int_equal(sk_files_check(two, 3, err, sizeof err), -1);
	assert_non_null(strstr(err, "--plot"));
	/* Different files, standard input/error, a device twice: no conflict. */
	struct sk_fileuse fine[] = { { NULL, in, false }, { NULL, "-", false },
				     { "--csv", in_dir("a.csv"), true }, { "-l", "-", true },
				     { "--pcap-out", "/dev/null", true }, { "--plot", "/dev/null", true } };
	assert_int_equal(sk_files_check(fine, 6, err, sizeof err), 0);
	/* Two inputs may be the same file (analyze a.pcap a.pcap is the user's business). */
	struct sk_fileuse ins[] = { { NULL, in, false }, { NULL, hard, false } };
	assert_int_equal(sk_files_check(ins, 2, err, sizeof err), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(commit_replaces, setup, teardown),
		cmocka_unit_test_setup_teardown(abort_keeps, setup, teardown),
		cmocka_unit_test_setup_teardown(closed_by_writer, setup, teardown),
		cmocka_unit_test_setup_teardown(symlink_target, setup, teardown),
		cmocka_unit_test_setup_teardown(device_in_place, setup, teardown),
		cmocka_unit_test_setup_teardown(same_file, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
