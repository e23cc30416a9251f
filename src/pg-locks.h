/*
 * pg-locks.h - PostgreSQL blocking chains as a tree: who waits on whom
 * (pg_blocking_pids()), with the lock each waiter wants (pg_locks), its
 * relation and how long it has waited, and each session's user,
 * application and the start of its query (pg_stat_activity). One bounded
 * statement reads it all; the CLI (`mcpdb pg locks`) and the Dashboard's
 * lock tree (the poller) share it. Works as a pg_monitor non-superuser.
 */
#ifndef MCPDB_PG_LOCKS_H
#define MCPDB_PG_LOCKS_H

#include <stdbool.h>
#include <stddef.h>

#include <libpq-fe.h>
#include <cjson/cJSON.h>

#include "err.h"

/* Sessions a tree holds at most (the statement's LIMIT). */
#define PG_LOCKS_MAX	200

/* One session in the tree (a value type). */
struct pg_lock_node {
	int		 pid;
	int		 depth;		/* 0: a root (blocks, does not wait) */
	int		 parent;	/* pid of the blocker it is shown under; 0 */
	int		 nblocked;	/* sessions shown directly under it */
	bool		 waiting;	/* waits on a lock */
	long long	 backend_start_us;	/* 0 when hidden */
	char		 user[64];
	char		 app[64];
	char		 state[32];
	char		 mode[40];	/* the lock it waits for; "" */
	char		 locktype[24];	/* relation, tuple, transactionid... */
	char		 relation[128];	/* schema-qualified when known; "" */
	double		 wait_s;	/* waiting for the lock; -1 */
	double		 xact_s;	/* transaction age; -1 */
	char		 query[160];	/* the start of its query */
};

struct pg_locks;

/*
 * The statement for a server of version_num (PQserverVersion): 14 and later
 * have pg_locks.waitstart; older ones fall back to the state's age. Static.
 */
const char *pg_locks_sql(int version_num);
/*
 * Build the tree from the result of pg_locks_sql (borrowed). Sessions
 * appear under every blocker (a chain A <- B <- C is A, B at depth 1, C at
 * depth 2); a cycle is cut where it comes back. Caller frees.
 */
struct pg_locks *pg_locks_from_result(const PGresult *);
/* Run pg_locks_sql on conn (one statement) and build. NULL with err. */
struct pg_locks *pg_locks_read(PGconn *, struct mc_err *);
void	pg_locks_free(struct pg_locks *);
/* Rows in display order (depth first). */
size_t	pg_locks_count(const struct pg_locks *);
/* Row i. Borrowed, valid as long as the tree. */
const struct pg_lock_node *pg_locks_at(const struct pg_locks *, size_t);
/* Sessions waiting on a lock. */
int	pg_locks_waiters(const struct pg_locks *);
/* The tree as JSON: { "waiters": N, "roots": [ {..., "blocked": [...]} ] }. Caller frees. */
cJSON	*pg_locks_json(const struct pg_locks *);
/* "1.2s", "14m05s", "2h03m", "-" for a negative duration. */
char	*pg_locks_fmt_dur(double s, char *buf, size_t len);

#endif
