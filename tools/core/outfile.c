/* SPDX-License-Identifier: BSD-3-Clause */
/* outfile.c - output files written beside their final name and renamed into place when
 * complete (rename(2) replaces a name atomically within one file system), and the check that
 * an output is not one of the inputs. */
#include "outfile.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The folder part of path ("." when there is none) and where the name begins. */
static void split(const char *path, char *dir, size_t n, const char **base)
{
	const char *slash = strrchr(path, '/');
	if (!slash) {
		snprintf(dir, n, ".");
		*base = path;
	} else if (slash == path) {
		snprintf(dir, n, "/");
		*base = slash + 1;
	} else {
		snprintf(dir, n, "%.*s", (int)(slash - path), path);
		*base = slash + 1;
	}
}

/* ---- temporary files removed when a signal ends the process ----
 * A command that does not handle SIGINT/SIGTERM/SIGHUP itself (analyze) would leave its
 * temporary files behind; while one is open, such a signal removes them first and then ends
 * the process as it would have. A command with its own handler (sender, replay) ends its run
 * normally and commits. */

#define LIVE_MAX 8
static char live_tmp[LIVE_MAX][PATH_MAX];
static volatile sig_atomic_t live_used[LIVE_MAX];

static void on_signal(int sig)
{
	for (int i = 0; i < LIVE_MAX; i++)
		if (live_used[i])
			(void)unlink(live_tmp[i]); /* async-signal-safe */
	signal(sig, SIG_DFL);
	raise(sig);
}

static void live_add(const char *tmp)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP };
	for (size_t k = 0; k < sizeof sigs / sizeof sigs[0]; k++) {
		struct sigaction old;
		if (sigaction(sigs[k], NULL, &old) == 0 && old.sa_handler == SIG_DFL) {
			struct sigaction sa;
			memset(&sa, 0, sizeof sa);
			sa.sa_handler = on_signal;
			sigemptyset(&sa.sa_mask);
			(void)sigaction(sigs[k], &sa, NULL);
		}
	}
	for (int i = 0; i < LIVE_MAX; i++)
		if (!live_used[i]) {
			snprintf(live_tmp[i], sizeof live_tmp[i], "%s", tmp);
			live_used[i] = 1;
			return;
		}
}

static void live_remove(const char *tmp)
{
	for (int i = 0; i < LIVE_MAX; i++)
		if (live_used[i] && !strcmp(live_tmp[i], tmp))
			live_used[i] = 0;
}

static int fail(char *err, size_t errlen, const char *what, const char *path)
{
	snprintf(err, errlen, "cannot %s %s: %s", what, path, strerror(errno));
	return -1;
}

int sk_outfile_open(struct sk_outfile *o, const char *path, char *err, size_t errlen)
{
	memset(o, 0, sizeof *o);
	struct stat st;
	int exists = lstat(path, &st) == 0;
	if (exists && S_ISLNK(st.st_mode)) {
		/* Replace the link's target, not the link (as writing through it would). */
		char *real = realpath(path, NULL);
		snprintf(o->path, sizeof o->path, "%s", real ? real : path);
		free(real);
		exists = stat(o->path, &st) == 0;
	} else {
		snprintf(o->path, sizeof o->path, "%s", path);
	}
	if (exists && !S_ISREG(st.st_mode)) {
		/* /dev/null, a FIFO, a terminal: nothing to rename over; written as it is. */
		o->fp = fopen(o->path, "wb");
		return o->fp ? 0 : fail(err, errlen, "write", path);
	}
	char dir[PATH_MAX];
	const char *base;
	split(o->path, dir, sizeof dir, &base);
	if (!*base) {
		snprintf(err, errlen, "%s: a file name is needed, not a folder", path);
		return -1;
	}
	if ((size_t)snprintf(o->tmp, sizeof o->tmp, "%s/.%s.XXXXXX", dir, base) >= sizeof o->tmp) {
		snprintf(err, errlen, "%s: name too long", path);
		o->tmp[0] = '\0';
		return -1;
	}
	int fd = mkstemp(o->tmp);
	if (fd < 0) {
		int e = errno;
		o->tmp[0] = '\0';
		errno = e;
		return fail(err, errlen, "write", path);
	}
	mode_t mode;
	if (exists) {
		mode = st.st_mode & 07777;
	} else {
		mode_t um = umask(0);
		umask(um);
		mode = 0666 & ~um;
	}
	(void)fchmod(fd, mode); /* mkstemp made it 0600 */
	live_add(o->tmp);
	o->fp = fdopen(fd, "wb");
	if (!o->fp) {
		int e = errno;
		close(fd);
		live_remove(o->tmp);
		(void)unlink(o->tmp);
		o->tmp[0] = '\0';
		errno = e;
		return fail(err, errlen, "write", path);
	}
	return 0;
}

const char *sk_outfile_name(const struct sk_outfile *o)
{
	return o->tmp[0] ? o->tmp : o->path;
}

int sk_outfile_sync(struct sk_outfile *o)
{
	if (!o->fp)
		return 0;
	if (fflush(o->fp) != 0 || ferror(o->fp))
		return -1;
	/* EINVAL: a FIFO or device cannot be synced, which is no failure of the content. */
	if (fsync(fileno(o->fp)) != 0 && errno != EINVAL && errno != EROFS)
		return -1;
	return 0;
}

/* The data of a file closed by its writer reaches the disk: fsync through a new descriptor. */
static int sync_by_name(const char *name)
{
	int fd = open(name, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	int r = fsync(fd) != 0 && errno != EINVAL && errno != EROFS ? -1 : 0;
	close(fd);
	return r;
}

int sk_outfile_commit(struct sk_outfile *o, char *err, size_t errlen)
{
	int r = 0;
	if (o->fp) {
		r = sk_outfile_sync(o);
		if (fclose(o->fp) != 0)
			r = -1;
		o->fp = NULL;
	} else if (o->tmp[0]) {
		r = sync_by_name(o->tmp);
	}
	if (r != 0) {
		fail(err, errlen, "write", o->path);
		sk_outfile_abort(o);
		return -1;
	}
	if (!o->tmp[0])
		return 0;
	if (rename(o->tmp, o->path) != 0) {
		fail(err, errlen, "replace", o->path);
		sk_outfile_abort(o);
		return -1;
	}
	live_remove(o->tmp);
	o->tmp[0] = '\0';
	/* The new name survives a crash only once the folder is on disk too. */
	char dir[PATH_MAX];
	const char *base;
	split(o->path, dir, sizeof dir, &base);
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		(void)fsync(fd);
		close(fd);
	}
	return 0;
}

void sk_outfile_abort(struct sk_outfile *o)
{
	if (o->fp)
		fclose(o->fp);
	o->fp = NULL;
	if (o->tmp[0]) {
		live_remove(o->tmp);
		(void)unlink(o->tmp);
	}
	o->tmp[0] = '\0';
}

/* ---- outputs against inputs ---- */

struct fileid {
	int kind; /* 0 never in conflict, 1 an existing file (dev, ino), 2 not yet (folder + name) */
	dev_t dev;
	ino_t ino;
	const char *base;
};

static void identify(const char *path, struct fileid *id)
{
	memset(id, 0, sizeof *id);
	if (!path || !*path || !strcmp(path, "-"))
		return;
	struct stat st;
	if (stat(path, &st) == 0) {
		if (S_ISREG(st.st_mode)) {
			id->kind = 1;
			id->dev = st.st_dev;
			id->ino = st.st_ino;
		}
		return;
	}
	char dir[PATH_MAX];
	split(path, dir, sizeof dir, &id->base);
	if (*id->base && stat(dir, &st) == 0) {
		id->kind = 2;
		id->dev = st.st_dev;
		id->ino = st.st_ino;
	}
}

static bool same(const struct fileid *a, const struct fileid *b)
{
	return a->kind && a->kind == b->kind && a->dev == b->dev && a->ino == b->ino &&
	       (a->kind == 1 || !strcmp(a->base, b->base));
}

int sk_files_check(const struct sk_fileuse *u, int n, char *err, size_t errlen)
{
	for (int i = 0; i < n; i++) {
		if (!u[i].output)
			continue;
		struct fileid oi;
		identify(u[i].path, &oi);
		for (int j = 0; j < n; j++) {
			if (j == i || (u[j].output && j < i))
				continue;
			struct fileid x;
			identify(u[j].path, &x);
			if (!same(&oi, &x))
				continue;
			if (u[j].output)
				snprintf(err, errlen, "%s %s and %s %s are the same file: give each output "
					 "a file of its own", u[i].opt, u[i].path, u[j].opt, u[j].path);
			else
				snprintf(err, errlen, "%s %s is the same file as the input %s%s%s: "
					 "it would be overwritten", u[i].opt, u[i].path,
					 u[j].opt ? u[j].opt : "", u[j].opt ? " " : "", u[j].path);
			return -1;
		}
	}
	return 0;
}
