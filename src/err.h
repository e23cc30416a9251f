/* err.h - mcpdb's error value: a code, an errno, a SQLSTATE and a message. */
#ifndef MCPDB_ERR_H
#define MCPDB_ERR_H

#include <stdarg.h>

enum mc_code {
	MC_OK = 0,
	MC_E_SYS,		/* an OS call failed; sys_errno is set */
	MC_E_USAGE,		/* bad command line */
	MC_E_CONFIG,		/* bad configuration */
	MC_E_INPUT,		/* a bad file: migration, seed, ... */
	MC_E_CONNECT,		/* cannot reach a server */
	MC_E_QUERY,		/* the server reported an error; sqlstate set */
	MC_E_TIMEOUT,		/* a deadline passed */
	MC_E_BREAKER,		/* circuit breaker open: failing fast */
	MC_E_REDIS,		/* Redis replied with an error */
	MC_E_NOTFOUND,		/* a named object does not exist */
	MC_E_REFUSED,		/* refused by policy: read-only, protected, declined */
	MC_E_STATE,		/* wrong state: failed migration, drift, ... */
	MC_E_LOCKED,		/* someone else holds a lock */
	MC_E_CANCELLED,		/* the operator interrupted */
	MC_E_INTERNAL,		/* a bug */
};

/*
 * The message is fixed-size so reporting never allocates (hiredis errstr);
 * 512 bytes leave room for "file:line:col: message (detail; hint)".
 */
struct mc_err {
	enum mc_code	code;
	int		sys_errno;
	char		sqlstate[6];
	char		msg[512];
};

/* Set err (may be NULL) to code and a formatted message; always returns -1. */
int	mc_err_set(struct mc_err *, enum mc_code, const char *, ...)
	    __attribute__((format(printf, 3, 4)));
/* Like mc_err_set with vararg list. Always returns -1. */
int	mc_err_vset(struct mc_err *, enum mc_code, const char *, va_list);
/* Set MC_E_SYS from errno with the message "<fmt>: <strerror>". Returns -1. */
int	mc_err_sys(struct mc_err *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
/* Prepend context to err->msg ("migration 0003: " + msg). Returns -1. */
int	mc_err_prefix(struct mc_err *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
/* Reset err to MC_OK with an empty message. */
void	mc_err_clear(struct mc_err *);
/* Copy src into dst (either may be NULL). Returns -1. */
int	mc_err_copy(struct mc_err *dst, const struct mc_err *src);
/* Stable lower-case name of a code ("timeout"), for JSON output. */
const char *mc_code_name(enum mc_code);
/* Process exit status for an error: 2 for usage/config, 1 otherwise. */
int	mc_err_exit_status(const struct mc_err *);

#endif
