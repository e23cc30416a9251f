/*
 * pgbadmin.h - PgBouncer's admin console as a target (dbname=pgbouncer):
 * SHOW POOLS and SHOW STATS read with the simple query protocol (the
 * console knows no other), for `health` and the Dashboard.
 */
#ifndef MCPDB_PGBADMIN_H
#define MCPDB_PGBADMIN_H

#include <stdbool.h>

#include <libpq-fe.h>

#include "buf.h"
#include "conf.h"
#include "err.h"
#include "out.h"

/* Whether t's conninfo names PgBouncer's admin database "pgbouncer". */
bool	pgbadmin_is_console(const struct conf_target *t);

/*
 * Connect to the console of t and read SHOW POOLS and SHOW STATS into two
 * tables (caller frees both with table_free). Returns 0, or -1 with err.
 */
int	pgbadmin_sample(const struct conf_target *t, struct table **pools,
	    struct table **stats, struct mc_err *err);

/*
 * Read SHOW POOLS and SHOW STATS on an open console session c, each
 * bounded by deadline_ms (for the dashboard's poller, which keeps c).
 * Returns 0 with both tables (caller frees), or -1 with err: after a
 * timeout or a broken session, close c. Never blocks past the deadlines.
 */
int	pgbadmin_read(PGconn *c, int deadline_ms, struct table **pools,
	    struct table **stats, struct mc_err *err);

/*
 * Append to out ("; "-separated) each pool of a SHOW POOLS table whose
 * clients wait a second or more for a server connection. Returns how many.
 */
int	pgbadmin_problems(const struct table *pools, struct buf *out);

#endif
