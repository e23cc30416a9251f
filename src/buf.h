/* buf.h - a growable byte buffer, always NUL-terminated. */
#ifndef MCPDB_BUF_H
#define MCPDB_BUF_H

#include <stdarg.h>
#include <stddef.h>

/* A value type: embed it, buf_init it, buf_done it. */
struct buf {
	char	*data;		/* NUL-terminated; NULL only after buf_detach */
	size_t	 len;
	size_t	 cap;
};

void	buf_init(struct buf *);
/* Free the storage; the buf may be buf_init'ed again. */
void	buf_done(struct buf *);
void	buf_reset(struct buf *);
void	buf_append(struct buf *, const void *, size_t);
void	buf_puts(struct buf *, const char *);
void	buf_putc(struct buf *, int);
void	buf_printf(struct buf *, const char *, ...) __attribute__((format(printf, 2, 3)));
void	buf_vprintf(struct buf *, const char *, va_list);
/*
 * Make room for n more bytes and return where they go (data + len). The
 * caller writes them, then adds n to len and writes the NUL at data[len]
 * (room for it is included). Valid until the next call on the buf.
 */
char	*buf_reserve(struct buf *, size_t n);
/*
 * Take the string out. Caller frees. The buf holds no storage afterwards:
 * buf_done is optional, and appending again starts a new string.
 */
char	*buf_detach(struct buf *);

#endif
