/* xmem.c - the xmalloc family: the only place in mcpdb that aborts (on OOM). */
#include "config.h"

#include "xmem.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void	(*xmem_fail_hook)(void);

void
xmem_set_fail_hook(void (*hook)(void))
{
	xmem_fail_hook = hook;
}

/* Restore the terminal, say what failed, abort. */
static void __attribute__((noreturn))
xmem_fail(size_t n)
{
	if (xmem_fail_hook != NULL)
		xmem_fail_hook();
	fprintf(stderr, "mcpdb: out of memory allocating %zu bytes\n", n);
	abort();
}

void *
xmalloc(size_t n)
{
	void	*p = malloc(n ? n : 1);

	if (p == NULL)
		xmem_fail(n);
	return (p);
}

void *
xcalloc(size_t n, size_t size)
{
	void	*p = calloc(n ? n : 1, size ? size : 1);

	if (p == NULL)
		xmem_fail(n * size);
	return (p);
}

void *
xrealloc(void *old, size_t n)
{
	void	*p = realloc(old, n ? n : 1);

	if (p == NULL)
		xmem_fail(n);
	return (p);
}

void *
xreallocarray(void *old, size_t n, size_t size)
{
	if (size != 0 && n > SIZE_MAX / size)
		xmem_fail(SIZE_MAX);
	return (xrealloc(old, n * size));
}

char *
xstrdup(const char *s)
{
	return (s == NULL ? NULL : xstrndup(s, strlen(s)));
}

char *
xstrndup(const char *s, size_t n)
{
	char	*p;
	size_t	len = strnlen(s, n);

	p = xmalloc(len + 1);
	memcpy(p, s, len);
	p[len] = '\0';
	return (p);
}

char *
xasprintf(const char *fmt, ...)
{
	va_list	ap;
	char	*p;
	int	n;

	va_start(ap, fmt);
	n = vasprintf(&p, fmt, ap);
	va_end(ap);
	if (n < 0)
		xmem_fail(0);
	return (p);
}
