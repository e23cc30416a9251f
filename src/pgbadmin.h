/*
 * pgbadmin.h - PgBouncer's admin console as a target (dbname=pgbouncer):
 * SHOW POOLS and SHOW STATS read with the simple query protocol (the
 * console knows no other), for `health`.
 */
#ifndef MCPDB_PGBADMIN_H
#define MCPDB_PGBADMIN_H

#include <stdbool.h>

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

#endif
