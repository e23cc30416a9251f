/* tap.h - a tiny TAP producer for mcpdb's tests. */
#ifndef MCPDB_TAP_H
#define MCPDB_TAP_H

#include <stdbool.h>

/* Announce n tests. */
void	plan(int n);
/* Skip the whole program: prints "1..0 # SKIP why" and exits 0. */
void	skip_all(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
/* Record one result; returns cond. */
bool	ok(bool cond, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Compare integers; prints both on failure. */
bool	is_int(long long got, long long want, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));
/* Compare strings (NULL-safe); prints both on failure. */
bool	is_str(const char *got, const char *want, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));
/* Pass when needle occurs in hay (NULL-safe). */
bool	like(const char *hay, const char *needle, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));
/* Pass when needle does not occur in hay. */
bool	unlike(const char *hay, const char *needle, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));
/* Record n skipped tests. */
void	skip(int n, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A diagnostic line ("# ..."), to stderr-free stdout. */
void	diag(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Print the plan if none was given; returns the exit status (0 when all passed). */
int	done_testing(void);
/* Abort the test program with a "Bail out!" line. */
void	bail_out(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

#endif
