/*
 * t-readonly.c - a read_only target is read-only at the server too: every
 * session pgq_connect opens (directly, through the pool and the connection
 * manager) runs with default_transaction_read_only=on, so a write fails with
 * SQLSTATE 25006 even on a path that forgot the CMD_WRITES check; the user's
 * own options (conninfo or $PGOPTIONS) are kept and cannot turn it off; a
 * writable target stays writable.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conn.h"
#include "pgq.h"
#include "pool-common.h"
#include "tap.h"
#include "xmem.h"

/* The single value of sql on conn, or the error message. Caller frees. */
static char *
value(PGconn *conn, const char *sql)
{
	struct mc_err	 err = { 0 };
	PGresult	*res = pgq_query(conn, sql, 0, NULL, &err);
	char		*v;

	if (res == NULL)
		return (xstrdup(err.msg));
	v = xstrdup(PQntuples(res) == 1 ? PQgetvalue(res, 0, 0) : "(no row)");
	PQclear(res);
	return (v);
}

/* Run a write on conn; returns its SQLSTATE ("" when it succeeded). */
static char *
write_state(PGconn *conn, const char *sql)
{
	struct mc_err	 err = { 0 };

	if (pgq_exec(conn, sql, &err) == 0)
		return (xstrdup(""));
	return (xstrdup(err.sqlstate));
}

/* is_str on an owned string, then free it. */
static void
is_own(char *got, const char *want, const char *what)
{
	is_str(got, want, "%s", what);
	free(got);
}

int
main(void)
{
	struct tp_env		 e;
	struct conf_target	 t;
	struct mc_err		 err = { 0 };
	struct conn		*c;
	struct pool		*p;
	PGconn			*pc;
	char			*pg;

	tp_setup(&e, "readonly");
	plan(18);
	tp_exec(&e, "SELECT 1");
	{
		PGconn	*w = PQconnectdb(e.dburl);

		PQclear(PQexec(w, "CREATE TABLE t (i int); INSERT INTO t VALUES (1)"));
		PQfinish(w);
	}
	tp_target(&e, &t);
	t.read_only = true;

	/* A direct session (seed load, migrate, the TUI's seed pane). */
	pc = pgq_connect(&t, "t-readonly", &err);
	ok(pc != NULL, "a read_only target's session opens: %s", err.msg);
	is_own(value(pc, "SHOW default_transaction_read_only"), "on",
	    "it runs with default_transaction_read_only=on");
	is_own(write_state(pc, "INSERT INTO t VALUES (2)"), "25006",
	    "an INSERT is refused by the server (25006 read_only_sql_transaction)");
	is_own(write_state(pc, "CREATE TABLE u (i int)"), "25006", "so is a CREATE TABLE");
	is_own(value(pc, "SELECT count(*) FROM t"), "1", "reads work, and nothing was written");
	PQfinish(pc);

	/* Through the connection manager's pool (every CLI command, the TUI). */
	c = conn_new(&t, NULL, "t-readonly");
	p = conn_pool(c, &err);
	pc = p ? pool_acquire(p, "t-readonly", &err) : NULL;
	ok(pc != NULL, "the pool lends a session: %s", err.msg);
	if (pc != NULL) {
		is_own(value(pc, "SHOW default_transaction_read_only"), "on",
		    "pooled sessions are read-only too");
		is_own(write_state(pc, "DELETE FROM t"), "25006", "a pooled DELETE is refused");
		pool_release(p, pc);
	} else
		skip(2, "no pooled session");
	conn_close(c);

	/* The user's options are kept, and cannot switch it off. */
	pg = xasprintf("%s options='-c search_path=pg_catalog,public -c "
	    "default_transaction_read_only=off -c statement_timeout=4321'", e.dburl);
	t.pg = pg;
	t.pool.statement_timeout_ms = 30000;
	pc = pgq_connect(&t, "t-readonly", &err);
	ok(pc != NULL, "a conninfo with its own options connects: %s", err.msg);
	is_own(value(pc, "SHOW search_path"), "pg_catalog,public", "the conninfo's options are kept");
	is_own(value(pc, "SHOW statement_timeout"), "4321ms",
	    "and override mcpdb's statement_timeout default");
	is_own(value(pc, "SHOW default_transaction_read_only"), "on",
	    "but not read-only: mcpdb's setting comes last");
	is_own(write_state(pc, "INSERT INTO t VALUES (3)"), "25006", "the write is still refused");
	PQfinish(pc);
	free(pg);

	/* $PGOPTIONS is merged when the conninfo has none. */
	t.pg = e.dburl;
	setenv("PGOPTIONS", "-c search_path=public,pg_catalog", 1);
	pc = pgq_connect(&t, "t-readonly", &err);
	is_own(pc ? value(pc, "SHOW search_path") : xstrdup(err.msg), "public,pg_catalog",
	    "$PGOPTIONS is kept too");
	is_own(pc ? value(pc, "SHOW default_transaction_read_only") : xstrdup(err.msg), "on",
	    "and the session is still read-only");
	PQfinish(pc);
	unsetenv("PGOPTIONS");

	/* A writable target is untouched. */
	t.read_only = false;
	pc = pgq_connect(&t, "t-readonly", &err);
	is_own(pc ? value(pc, "SHOW default_transaction_read_only") : xstrdup(err.msg), "off",
	    "a writable target's session is read-write");
	is_own(pc ? write_state(pc, "INSERT INTO t VALUES (4)") : xstrdup("?"), "",
	    "and writes");
	is_own(pc ? value(pc, "SHOW statement_timeout") : xstrdup("?"), "30s",
	    "with mcpdb's statement_timeout");
	PQfinish(pc);

	tp_teardown(&e);
	return (done_testing());
}
