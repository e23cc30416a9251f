/* pool-common.h - shared set-up for the pool's integration tests. */
#ifndef MCPDB_POOL_COMMON_H
#define MCPDB_POOL_COMMON_H

#include <stdbool.h>
#include <stdint.h>

#include <libpq-fe.h>

#include "conf.h"
#include "pool.h"

/* One test program's private database and names. */
struct tp_env {
	const char	*url;		/* MCPDB_TEST_PGURL */
	char		 db[64];	/* mcpdb_t_pool_<pid> */
	char		*dburl;		/* url with dbname = db (keyword form) */
	PGconn		*ctl;		/* a control session (superuser) */
	char		 comp[48];	/* pool component, unique per program */
	char		 app[64];	/* "mcpdb/<comp>" */
};

/*
 * Skip the program unless MCPDB_TEST_PGURL is set, then open a control
 * session and create a private database. name makes the component unique.
 */
void	tp_setup(struct tp_env *, const char *name);
/* Drop the database and close the control session. */
void	tp_teardown(struct tp_env *);
/* A target with conf_target_defaults() pointing at the private database. */
void	tp_target(const struct tp_env *, struct conf_target *);
/* Run sql on the control session; bail out on failure. */
void	tp_exec(struct tp_env *, const char *sql);
/* One integer from a query on the control session with one text parameter. */
long long	tp_int(struct tp_env *, const char *sql, const char *param);
/* Backends whose application_name is app (via the control session). */
int	tp_backends(struct tp_env *, const char *app);
/* Terminate backend pid and wait (<= 5 s) until it is gone. */
bool	tp_terminate(struct tp_env *, int pid);
/* Monotonic clock in microseconds. */
int64_t	tp_now(void);
/* Sleep ms milliseconds. */
void	tp_sleep(int ms);
/* Run a one-row, one-column query on conn; -1 on error. */
long long	tp_scalar(PGconn *, const char *sql);
/* Wait up to ms for pred(stats) to hold; returns whether it did. */
bool	tp_wait(struct pool *, bool (*pred)(const struct pool_stats *, int),
	    int arg, int ms);

#endif
