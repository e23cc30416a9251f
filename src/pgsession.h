/*
 * pgsession.h - one PostgreSQL session in detail, for `mcpdb pg session PID`
 * and the Dashboard's session detail (Enter): its whole query, state and
 * wait, the sessions blocking it, the locks it holds and waits for
 * (pg_locks) in one statement; and EXPLAIN of its query.
 *
 * EXPLAIN never runs the query unless ANALYZE is asked for, and ANALYZE is
 * refused for anything that writes or locks rows (INSERT, UPDATE, DELETE,
 * MERGE, a data-modifying WITH, SELECT ... FOR UPDATE/SHARE, SELECT INTO).
 * Either way it runs inside BEGIN READ ONLY with SET LOCAL
 * statement_timeout and a 1 s lock_timeout (a plan must never queue behind
 * the lock pile-up the operator is looking at), then ROLLBACK. The text goes
 * through PQexecParams, which refuses a second statement. Queries with $N
 * parameters are planned generically on PostgreSQL 16+ (GENERIC_PLAN) and
 * refused before 16, saying so.
 */
#ifndef MCPDB_PGSESSION_H
#define MCPDB_PGSESSION_H

#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>
#include <libpq-fe.h>

#include "err.h"
#include "pool.h"

#define PGSESSION_MAX_LOCKS	100	/* locks read per session at most */
#define PGSESSION_MAX_BLOCKERS	16

/* One row of pg_locks for the session. */
struct pgsession_lock {
	char	locktype[24];		/* relation, tuple, transactionid, ... */
	char	mode[40];		/* AccessShareLock ... */
	bool	granted;
	char	object[160];		/* schema.table, "xid 1234", ... */
	double	wait_s;			/* waiting since (PG 14+); -1 */
};

struct pgsession {
	int		 pid;
	long long	 backend_start_us;	/* 0 when hidden */
	char		 datname[64];
	char		 user[64];
	char		 app[64];
	char		 state[32];		/* "" when hidden */
	char		 wait_type[24];
	char		 wait_event[48];
	double		 xact_s, query_s, backend_s;	/* -1 unknown */
	char		*query;			/* whole text ("" hidden) */
	int		 blockers[PGSESSION_MAX_BLOCKERS];
	int		 nblockers;
	struct pgsession_lock *locks;
	size_t		 nlocks;
};

/* What EXPLAIN would do with a query (pure; see pgsession_classify). */
enum pgsession_kind {
	PGS_READ,		/* SELECT/VALUES/TABLE/WITH without writes */
	PGS_WRITE,		/* writes or row locks: never ANALYZE */
	PGS_NOT_EXPLAINABLE,	/* utility statements, EXECUTE, DECLARE, ... */
	PGS_EMPTY,
};

/*
 * Classify sql: its kind; *params gets whether it holds $N parameters
 * outside strings and comments, *several whether a second statement
 * follows the first. first (may be NULL) gets the first keyword,
 * upper-cased (at most flen bytes).
 */
enum pgsession_kind pgsession_classify(const char *sql, bool *params,
	    bool *several, char *first, size_t flen);

/*
 * Read session pid (and backend start start_us, 0: any) on conn, borrowed
 * from p, in one statement within timeout_ms. MC_E_NOTFOUND when it is
 * gone. Caller frees with pgsession_free.
 */
struct pgsession *pgsession_read(struct pool *p, PGconn *conn, int pid,
	    long long start_us, int timeout_ms, struct mc_err *);
void	pgsession_free(struct pgsession *);

/*
 * EXPLAIN the session's query on conn (borrowed from p): plan text into
 * *plan (caller frees). analyze runs it (refused for writes). MC_E_REFUSED
 * with the reason when it cannot be explained here (hidden text, another
 * database, parameters before PostgreSQL 16, a utility statement).
 */
int	pgsession_explain(struct pool *p, PGconn *conn, const struct pgsession *,
	    bool analyze, int timeout_ms, char **plan, struct mc_err *);

/*
 * "state active  waits on Lock:transactionid  transaction 1.2s  query 1.0s
 * connected 5m02s" into buf: the line the CLI and the TUI detail both show.
 */
void	pgsession_state_line(const struct pgsession *, char *buf, size_t len);

/* The session as JSON (plan: NULL or the EXPLAIN text). Caller frees. */
cJSON	*pgsession_json(const struct pgsession *, const char *plan);

#endif
