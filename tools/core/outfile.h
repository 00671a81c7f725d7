/* SPDX-License-Identifier: BSD-3-Clause */
/* outfile.h - the files a command writes (pcaps, CSV, plots): written under a temporary name
 * beside the final one and renamed over it only when complete, so an interrupted or failed
 * run never leaves half a file under the user's name; and the check that no output is one of
 * the command's inputs (or another output), by device and inode, whatever name reaches it. */
#ifndef STAMPKIT_TOOLS_OUTFILE_H
#define STAMPKIT_TOOLS_OUTFILE_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct sk_outfile {
	char path[PATH_MAX]; /* final name (a symbolic link's target: the link stays) */
	char tmp[PATH_MAX];  /* temporary name in the same folder; "" when written in place */
	FILE *fp;            /* open for writing (binary); NULL once a writer closed it itself */
};

/* Creates the temporary file ".NAME.XXXXXX" beside path, mode as a fresh file would get
 * (0666 & ~umask) or that of the file it will replace. A path that exists and is not a
 * regular file (/dev/null, a FIFO) is opened and written in place. 0, or -1 with a reason. */
int sk_outfile_open(struct sk_outfile *o, const char *path, char *err, size_t errlen);
/* The name the content is written under (for a program that writes by name, e.g. gnuplot). */
const char *sk_outfile_name(const struct sk_outfile *o);
/* Flushes and fsyncs what was written so far (before a library closes the stream). 0 or -1. */
int sk_outfile_sync(struct sk_outfile *o);
/* The file is complete: flush, fsync, close, rename over path (then fsync the folder). On a
 * failure the temporary file is removed and path left as it was. 0, or -1 with a reason. */
int sk_outfile_commit(struct sk_outfile *o, char *err, size_t errlen);
/* The run failed or was cut short: close and remove the temporary file; path untouched. */
void sk_outfile_abort(struct sk_outfile *o);

/* One file a command reads or writes, named by the option that gave it ("--csv", "FILE"). */
struct sk_fileuse {
	const char *opt;
	const char *path;
	bool output;
};

/* Refuses an output that is the same file as an input or as another output: same device and
 * inode (another name, a hard link, a symbolic link), or for a file that does not exist yet
 * the same folder and name. "-" (standard input/error) and existing files that are not
 * regular (/dev/null, FIFOs) are never in conflict. 0, or -1 with one line in err. */
int sk_files_check(const struct sk_fileuse *u, int n, char *err, size_t errlen);

#endif
