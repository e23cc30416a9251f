/*
 * fsafe.c - opening and replacing files without following symbolic links
 * (see fsafe.h). Writes go through a mkstemp file beside the target and a
 * rename, so a reader never sees half a file and a planted "F.tmp" link is
 * never written through; reads of a set's files use openat(O_NOFOLLOW)
 * below the set's directory and check the owner before reading.
 */
#include "config.h"

#include "fsafe.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include "xmem.h"

/* The directory part of path ("." when there is none). Caller frees. */
static char *
fsafe_dirname(const char *path)
{
	const char	*slash = strrchr(path, '/');

	if (slash == NULL)
		return (xstrdup("."));
	if (slash == path)
		return (xstrdup("/"));
	return (xstrndup(path, (size_t)(slash - path)));
}

/* The process umask, read without leaving it changed. */
static mode_t
fsafe_umask(void)
{
	mode_t	m = umask(077);

	umask(m);
	return (m);
}

/* Write all of data to fd. Returns 0 or -1 with errno. */
static int
fsafe_write_all(int fd, const char *data, size_t len)
{
	size_t	off = 0;
	ssize_t	n;

	while (off < len) {
		n = write(fd, data + off, len - off);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			return (-1);
		off += (size_t)n;
	}
	return (0);
}

int
fsafe_write(const char *path, const char *data, size_t len, int mode,
    struct mc_err *err)
{
	struct stat	 st;
	char		*dir = fsafe_dirname(path), *tmp;
	mode_t		 m;
	int		 fd, dfd;

	if (lstat(path, &st) == 0) {
		if (S_ISLNK(st.st_mode)) {
			free(dir);
			return (mc_err_set(err, MC_E_REFUSED, "%s is a "
			    "symbolic link; mcpdb does not write through "
			    "links (give the real path)", path));
		}
		if (!S_ISREG(st.st_mode)) {
			free(dir);
			return (mc_err_set(err, MC_E_REFUSED, "%s exists and "
			    "is not a regular file; nothing written", path));
		}
		m = mode >= 0 ? (mode_t)mode : st.st_mode & 07777;
	} else if (errno == ENOENT)
		m = mode >= 0 ? (mode_t)mode : 0666 & ~fsafe_umask();
	else {
		mc_err_sys(err, "cannot write %s", path);
		free(dir);
		return (-1);
	}
	tmp = xasprintf("%s/.mcpdb-tmp.XXXXXX", dir);
	if ((fd = mkostemp(tmp, O_CLOEXEC)) == -1) {
		mc_err_sys(err, "cannot write %s: cannot create a temporary "
		    "file in %s", path, dir);
		goto fail;
	}
	if (fsafe_write_all(fd, data, len) == -1 || fchmod(fd, m) == -1 ||
	    fsync(fd) == -1) {
		mc_err_sys(err, "cannot write %s", tmp);
		close(fd);
		unlink(tmp);
		goto fail;
	}
	if (close(fd) == -1) {
		mc_err_sys(err, "cannot write %s", tmp);
		unlink(tmp);
		goto fail;
	}
	if (rename(tmp, path) == -1) {
		mc_err_sys(err, "cannot replace %s", path);
		unlink(tmp);
		goto fail;
	}
	if ((dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) != -1) {
		(void)fsync(dfd);
		close(dfd);
	}
	free(tmp);
	free(dir);
	return (0);
fail:
	free(tmp);
	free(dir);
	return (-1);
}

int
fsafe_open_in(const char *dir, const char *name, const char *shown,
    struct mc_err *err)
{
	struct stat	 dst, st;
	int		 dfd, fd;

	if ((dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1 ||
	    fstat(dfd, &dst) == -1) {
		mc_err_sys(err, "%s: cannot open", shown);
		if (errno == ENOENT)
			err->code = MC_E_NOTFOUND;
		if (dfd != -1)
			close(dfd);
		return (-1);
	}
	/* O_NONBLOCK: a FIFO planted here must not hang the open */
	fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK |
	    O_NOCTTY);
	close(dfd);
	if (fd == -1 && errno == ELOOP)
		return (mc_err_set(err, MC_E_INPUT, "%s: is a symbolic link; "
		    "seed files must be regular files inside the set directory "
		    "(copy the file in)", shown));
	if (fd == -1) {
		mc_err_sys(err, "%s: cannot open", shown);
		if (errno == ENOENT)
			err->code = MC_E_NOTFOUND;
		return (-1);
	}
	if (fstat(fd, &st) == -1) {
		mc_err_sys(err, "%s: cannot open", shown);
		close(fd);
		return (-1);
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return (mc_err_set(err, MC_E_INPUT, "%s: not a regular file; "
		    "seed files must be regular files inside the set directory",
		    shown));
	}
	if (st.st_uid != dst.st_uid && st.st_uid != getuid()) {
		close(fd);
		return (mc_err_set(err, MC_E_INPUT, "%s: owned by uid %ld, "
		    "not by the set directory's owner (uid %ld) or you; not "
		    "read (a hard link to someone else's file?)", shown,
		    (long)st.st_uid, (long)dst.st_uid));
	}
	/* back to blocking reads */
	if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK) == -1) {
		mc_err_sys(err, "%s: cannot open", shown);
		close(fd);
		return (-1);
	}
	return (fd);
}
