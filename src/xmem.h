/* xmem.h - allocation that cannot fail: out of memory restores the terminal and aborts. */
#ifndef MCPDB_XMEM_H
#define MCPDB_XMEM_H

#include <stddef.h>

/* Called before aborting on OOM (the TUI installs endwin here). */
void	xmem_set_fail_hook(void (*)(void));

void	*xmalloc(size_t);
void	*xcalloc(size_t, size_t);
void	*xrealloc(void *, size_t);
void	*xreallocarray(void *, size_t, size_t);
/* Caller frees. xstrdup(NULL) returns NULL. */
char	*xstrdup(const char *);
char	*xstrndup(const char *, size_t);
/* Caller frees. */
char	*xasprintf(const char *, ...) __attribute__((format(printf, 1, 2)));

#endif
