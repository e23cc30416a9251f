/*
 * pgq.h - small libpq helpers shared by every module that talks SQL:
 * turning libpq errors into mc_err, opening a session with mcpdb's
 * settings, running parameterised statements, copying results into tables.
 * A PGresult never outlives the function that received it (callers get a
 * struct table), except from pgq_query whose caller PQclear()s.
 */
#ifndef MCPDB_PGQ_H
#define MCPDB_PGQ_H

#include <signal.h>

#include <libpq-fe.h>

#include "conf.h"
#include "err.h"
#include "out.h"

/*
 * Set err from a failed result (MC_E_QUERY, SQLSTATE, "message (detail: ..;
 * hint: ..)") or, when res is NULL, from the connection (MC_E_CONNECT).
 * Returns -1.
 */
int	mc_err_pg(struct mc_err *, const PGconn *, const PGresult *);
/*
 * Open a session to target t with application_name "mcpdb/<component>",
 * the pool's connect_timeout, keepalive and statement_timeout settings as
 * defaults (the target's own conninfo wins for everything but
 * application_name). The conninfo's "options" (or $PGOPTIONS) are kept and
 * merged; a read_only target's sessions always get
 * default_transaction_read_only=on, after them. Multi-host strings and
 * target_session_attrs pass through untouched. NULL with err (MC_E_CONNECT,
 * no password in it).
 * Caller PQfinish()es.
 */
PGconn	*pgq_connect(const struct conf_target *, const char *component, struct mc_err *);
/*
 * pgq_connect that gives up as soon as *stop is raised (checked every
 * 100 ms; MC_E_CANCELLED), bounded by the same connect timeout. stop NULL
 * is pgq_connect. For jobs that must end promptly when the operator quits.
 */
PGconn	*pgq_connect_stop(const struct conf_target *, const char *component,
	    volatile sig_atomic_t *stop, struct mc_err *);
/*
 * Before a write session sends its first write: refuse (MC_E_REFUSED, one
 * line naming the server and what to do) when conn's server is a standby
 * (pg_is_in_recovery()) or its sessions are read-only
 * (transaction_read_only, e.g. default_transaction_read_only for the
 * role). what says what was refused ("apply migrations"). One SELECT.
 * Returns 0, or -1 with err.
 */
int	pgq_check_writable(PGconn *, const char *what, struct mc_err *);
/* Run a statement without parameters that returns no rows. */
int	pgq_exec(PGconn *, const char *sql, struct mc_err *);
/*
 * Run sql with n text parameters through PQexecParams. Returns the result
 * (TUPLES_OK or COMMAND_OK) for the caller to PQclear, or NULL with err.
 */
PGresult *pgq_query(PGconn *, const char *sql, int n, const char *const *params, struct mc_err *);
/* Like pgq_query but copies the rows into a table titled title. Caller frees. */
struct table *pgq_table(PGconn *, const char *title, const char *sql, int n,
	    const char *const *params, struct mc_err *);
/* PQescapeIdentifier into a malloc'd string (caller frees); NULL with err. */
char	*pgq_ident(PGconn *, const char *name, struct mc_err *);
/* A short "host:port/db" description of conn (no secrets). Caller frees. */
char	*pgq_endpoint(const PGconn *);

#endif
