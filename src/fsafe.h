/*
 * fsafe.h - the files mcpdb replaces (schema exports, the config file) and
 * the seed files it reads, opened without ever following a
 * symbolic link: a link planted where mcpdb writes (or among a seed set's
 * files) must not redirect a write to, or a read from, a file nobody meant.
 */
#ifndef MCPDB_FSAFE_H
#define MCPDB_FSAFE_H

#include <stddef.h>

#include "err.h"

/* fsafe_write mode: an existing file's mode, else 0666 & ~umask. */
#define FSAFE_MODE_DEFAULT	(-1)

/*
 * Replace path with len bytes of data atomically: a mkstemp file (O_EXCL,
 * 0600) in path's directory, written, fsynced, fchmod'ed to mode (or
 * FSAFE_MODE_DEFAULT), then renamed over path. A path that is a symbolic
 * link or not a regular file is refused (MC_E_REFUSED) and nothing is
 * written; on any error the temporary file is removed. Returns 0 or -1.
 */
int	fsafe_write(const char *path, const char *data, size_t len, int mode,
	    struct mc_err *);

/*
 * Open file name (a plain name, no '/') of directory dir for reading, for
 * a set of files that dir owns: a symbolic link, anything but a regular
 * file, or a file owned by someone other than dir's owner and the invoking
 * user is refused (MC_E_INPUT) without reading a byte of it. shown is the
 * path used in messages. Returns the descriptor (close-on-exec) or -1 with
 * err (MC_E_NOTFOUND when it does not exist).
 */
int	fsafe_open_in(const char *dir, const char *name, const char *shown,
	    struct mc_err *);

#endif
