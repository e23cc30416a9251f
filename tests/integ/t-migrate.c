/*
 * t-migrate.c - the migration runner against a real PostgreSQL: status,
 * up/down/redo/plan/dry-run, drift and CRLF, syntax errors mapped to the
 * file line, the no-transaction path and resolve, out-of-order refusal,
 * lock_timeout naming its blockers, the advisory lock naming its holder,
 * and migrate check (good pairs, a down that forgets an object, the real
 * migrations/ directory). Each run gets its own database.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "catsnap.h"
#include "conf.h"
#include "migrate.h"
#include "tap.h"
#include "xmem.h"

static PGconn		*ctl;		/* superuser, postgres database */
static PGconn		*db;		/* superuser, the test database */
static char		 dbname[64];
static char		*conninfo;	/* the test database */
static struct conf_target tgt;
static char		 fixtures[1024];
static char		 tmpdir[256];

/* Run sql on c; bail out on failure. */
static void
exec_ok(PGconn *c, const char *sql)
{
	PGresult	*r = PQexec(c, sql);

	if (PQresultStatus(r) != PGRES_COMMAND_OK && PQresultStatus(r) != PGRES_TUPLES_OK)
		bail_out("%s: %s", sql, PQerrorMessage(c));
	PQclear(r);
}

/* One value of a one-row query on the test database (static buffer), or "(null)". */
static const char *
val(const char *sql)
{
	static char	 buf[4096];
	PGresult	*r = PQexec(db, sql);

	if (PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) < 1)
		snprintf(buf, sizeof(buf), "(error: %s)", PQerrorMessage(db));
	else
		snprintf(buf, sizeof(buf), "%s", PQgetisnull(r, 0, 0) ? "(null)" :
		    PQgetvalue(r, 0, 0));
	PQclear(r);
	return (buf);
}

/* Drop and re-create the test database, and reconnect db to it. */
static void
fresh_db(void)
{
	char	sql[256];

	if (db != NULL)
		PQfinish(db);
	snprintf(sql, sizeof(sql), "DROP DATABASE IF EXISTS %s WITH (FORCE)", dbname);
	exec_ok(ctl, sql);
	snprintf(sql, sizeof(sql), "CREATE DATABASE %s", dbname);
	exec_ok(ctl, sql);
	db = PQconnectdb(conninfo);
	if (PQstatus(db) != CONNECTION_OK)
		bail_out("connect %s: %s", dbname, PQerrorMessage(db));
	PQclear(PQexec(db, "SET client_min_messages = warning"));
}

/* Path of a fixture case (static buffer). */
static const char *
fx(const char *name)
{
	static char	p[1100];

	snprintf(p, sizeof(p), "%s/%s", fixtures, name);
	return (p);
}

/* Copy fixture case name into a fresh dir under tmpdir; returns its path (static). */
static const char *
copy_fx(const char *name, const char *as)
{
	static char	 p[512];
	char		*cmd;

	snprintf(p, sizeof(p), "%s/%s", tmpdir, as);
	cmd = xasprintf("rm -rf '%s' && cp -r '%s' '%s'", p, fx(name), p);
	if (system(cmd) != 0)
		bail_out("%s failed", cmd);
	free(cmd);
	return (p);
}

/* Write text to dir/file. */
static void
put(const char *dir, const char *file, const char *text)
{
	char	*p = xasprintf("%s/%s", dir, file);
	FILE	*fp = fopen(p, "wb");

	if (fp == NULL)
		bail_out("cannot write %s", p);
	fputs(text, fp);
	fclose(fp);
	free(p);
}

/* Options for dir with nothing else set. */
static struct migrate_opts
opts(const char *dir)
{
	struct migrate_opts	o;

	migrate_opts_init(&o);
	o.dir = dir;
	return (o);
}

/* Run up on dir; returns 0/-1, err filled; frees the report. */
static int
up(const char *dir, struct mc_err *err)
{
	struct migrate_opts	 o = opts(dir);
	struct migrate_report	*rep = NULL;
	int			 rc = migrate_up(&tgt, &o, &rep, err);

	migrate_report_free(rep);
	return (rc);
}

/* The state name of version v in status for dir, or "absent". */
static const char *
state_of(const char *dir, long long v)
{
	struct migrate_opts	 o = opts(dir);
	struct migrate_status	*s;
	struct mc_err		 err = { 0 };
	static char		 buf[64];
	size_t			 i;

	if ((s = migrate_status(&tgt, &o, &err)) == NULL) {
		snprintf(buf, sizeof(buf), "error");
		diag("status: %s", err.msg);
		return (buf);
	}
	snprintf(buf, sizeof(buf), "absent");
	for (i = 0; i < s->n; i++)
		if (s->rows[i].version == v)
			snprintf(buf, sizeof(buf), "%s", mig_state_name(s->rows[i].state));
	migrate_status_free(s);
	return (buf);
}

/* Status, dry run, plan, up, and up again. */
static void
test_up(void)
{
	struct migrate_opts	 o = opts(fx("good"));
	struct migrate_report	*rep = NULL;
	struct migrate_status	*s;
	struct catsnap		*a, *b;
	struct mc_err		 err = { 0 };

	fresh_db();
	s = migrate_status(&tgt, &o, &err);
	ok(s != NULL, "status on a fresh database: %s", s ? "" : err.msg);
	if (s != NULL) {
		is_int((long long)s->n, 4, "four migrations listed");
		ok(!s->clean && !s->ledger.exists, "pending, no ledger yet");
		is_str(mig_state_name(s->rows[0].state), "pending", "0001 pending");
	}
	migrate_status_free(s);

	a = catsnap_take(db, &err);
	o.dry_run = true;
	ok(migrate_up(&tgt, &o, &rep, &err) == 0, "up --dry-run: %s", err.msg);
	ok(rep != NULL && rep->n == 4 && rep->steps[0].dry_run, "dry run reports 4 steps");
	migrate_report_free(rep);
	b = catsnap_take(db, &err);
	ok(a != NULL && b != NULL && catsnap_diff(a, b, NULL, NULL) == 0 &&
	    catsnap_count(a) == catsnap_count(b),
	    "up --dry-run changes nothing in the catalog (not even the ledger)");
	catsnap_free(a);
	catsnap_free(b);

	o.dry_run = false;
	ok(migrate_plan(&tgt, &o, &rep, &err) == 0, "plan: %s", err.msg);
	ok(rep != NULL && rep->n == 4 && rep->steps[1].sql != NULL &&
	    strstr(rep->steps[1].sql, "BEGIN;\nSET LOCAL lock_timeout = '5000ms';") &&
	    strstr(rep->steps[1].sql, "CREATE UNIQUE INDEX users_email") &&
	    strstr(rep->steps[1].sql, "COMMIT;"), "plan shows BEGIN, SET LOCAL, the SQL and COMMIT");
	ok(rep != NULL && rep->n == 4 && strstr(rep->steps[2].sql, "-- no transaction") &&
	    strstr(rep->steps[2].sql, "SET lock_timeout = '2000ms'"),
	    "plan shows the no-transaction file and its lock_timeout directive");
	ok(rep != NULL && rep->n == 4 && strcmp(rep->steps[0].id, "0001_create_users") == 0 &&
	    strcmp(rep->steps[3].id, "0004_orders") == 0, "plan lists files in version order");
	migrate_report_free(rep);
	is_str(val("SELECT to_regclass('mcpdb.migrations')::text"), "(null)", "plan wrote nothing");

	o.to = 2;
	ok(migrate_up(&tgt, &o, &rep, &err) == 0, "up --to 2: %s", err.msg);
	ok(rep != NULL && rep->n == 2 && rep->steps[1].version == 2 && rep->steps[1].ms >= 0,
	    "two applied, each with a duration");
	migrate_report_free(rep);
	o.to = -1;
	ok(migrate_up(&tgt, &o, &rep, &err) == 0, "up: %s", err.msg);
	ok(rep != NULL && rep->n == 2 && rep->steps[0].no_tx, "the rest applied (0003 without transaction)");
	migrate_report_free(rep);
	is_str(val("SELECT string_agg(version || ':' || state || ':' || checksum_algo || ':' || "
	    "no_transaction, ',' ORDER BY version) FROM mcpdb.migrations"),
	    "1:applied:1:false,2:applied:1:false,3:applied:1:true,4:applied:1:false", "ledger rows");
	like(val("SELECT applied_by FROM mcpdb.migrations WHERE version = 1"), "postgres@",
	    "applied_by records role@client");
	is_str(val("SELECT count(*) FROM mcpdb.migrations WHERE applied_sql LIKE "
	    "'-- 0001: the users table.%' AND length(checksum) = 64 AND execution_ms >= 0 "
	    "AND version = 1"), "1", "applied SQL, SHA-256 and execution time stored");
	is_str(val("SELECT count(*) FROM pg_indexes WHERE indexname = 'users_email_lower'"),
	    "1", "CREATE INDEX CONCURRENTLY ran");
	ok(migrate_up(&tgt, &o, &rep, &err) == 0 && rep->up_to_date && rep->n == 0,
	    "up again: up to date");
	migrate_report_free(rep);
	s = migrate_status(&tgt, &o, &err);
	ok(s != NULL && s->clean, "status clean after up");
	migrate_status_free(s);
}

/* down, down --to, --dry-run, redo. */
static void
test_down(void)
{
	struct migrate_opts	 o = opts(fx("good"));
	struct migrate_report	*rep = NULL;
	struct catsnap		*a, *b;
	struct mc_err		 err = { 0 };
	char			 seq[64];

	/* continues from test_up: all four applied */
	a = catsnap_take(db, &err);
	o.dry_run = true;
	o.to = 1;
	ok(migrate_down(&tgt, &o, &rep, &err) == 0, "down --to 1 --dry-run: %s", err.msg);
	ok(rep != NULL && rep->n == 3 && rep->steps[0].version == 4 && rep->steps[2].version == 2 &&
	    rep->steps[0].act == MACT_ROLLBACK, "dry run lists 4, 3, 2");
	migrate_report_free(rep);
	b = catsnap_take(db, &err);
	ok(a && b && catsnap_diff(a, b, NULL, NULL) == 0, "down --dry-run changes nothing");
	catsnap_free(a);
	catsnap_free(b);
	is_str(val("SELECT count(*) FROM mcpdb.migrations"), "4", "ledger untouched by the dry run");

	o.dry_run = false;
	o.to = 2;
	ok(migrate_down(&tgt, &o, &rep, &err) == 0, "down --to 2: %s", err.msg);
	ok(rep != NULL && rep->n == 2 && rep->steps[0].version == 4 && rep->steps[1].version == 3,
	    "rolled back 4 then 3");
	migrate_report_free(rep);
	is_str(val("SELECT string_agg(version::text, ',' ORDER BY version) FROM mcpdb.migrations"),
	    "1,2", "ledger keeps 1 and 2");
	is_str(val("SELECT to_regclass('app.orders')::text"), "(null)", "0004's table is gone");
	is_str(state_of(fx("good"), 4), "pending", "0004 pending again");

	snprintf(seq, sizeof(seq), "%s", val("SELECT seq FROM mcpdb.migrations WHERE version = 2"));
	o.to = -1;
	ok(migrate_redo(&tgt, &o, &rep, &err) == 0, "redo: %s", err.msg);
	ok(rep != NULL && rep->n == 2 && rep->steps[0].act == MACT_ROLLBACK &&
	    rep->steps[1].act == MACT_APPLY && rep->steps[1].version == 2, "redo rolled back and re-applied 0002");
	migrate_report_free(rep);
	ok(strcmp(val("SELECT seq FROM mcpdb.migrations WHERE version = 2"), seq) != 0,
	    "0002 has a new ledger row");
	is_str(val("SELECT count(*) FROM pg_indexes WHERE indexname = 'users_email'"), "1",
	    "0002's index is back");

	ok(migrate_down(&tgt, &o, &rep, &err) == 0 && rep->n == 1 && rep->steps[0].version == 2,
	    "down without options rolls back one step: the last applied");
	migrate_report_free(rep);
	is_str(val("SELECT string_agg(event, ',' ORDER BY id) FROM mcpdb.migration_events "
	    "WHERE version = 2"), "applied,rolled back,applied,rolled back",
	    "history records every apply and rollback");
}

/* Reverse applied order with an out-of-order migration. */
static void
test_order(void)
{
	const char		*dir;
	struct migrate_opts	 o;
	struct migrate_report	*rep = NULL;
	struct mc_err		 err = { 0 };

	fresh_db();
	dir = copy_fx("good", "order");
	{
		char	*c = xasprintf("mv '%s/0002_add_email.up.sql' '%s/0002_add_email.up.keep' && "
		    "mv '%s/0002_add_email.down.sql' '%s/0002_add_email.down.keep' && "
		    "rm '%s'/0003_* '%s'/0004_*", dir, dir, dir, dir, dir, dir);

		if (system(c) != 0)
			bail_out("%s", c);
		free(c);
	}
	put(dir, "0005_later.up.sql", "CREATE TABLE app.later (id int);\n");
	put(dir, "0005_later.down.sql", "DROP TABLE app.later;\n");
	ok(up(dir, &err) == 0, "0001 and 0005 applied: %s", err.msg);
	{
		char	*c = xasprintf("mv '%s/0002_add_email.up.keep' '%s/0002_add_email.up.sql' && "
		    "mv '%s/0002_add_email.down.keep' '%s/0002_add_email.down.sql'", dir, dir, dir, dir);

		if (system(c) != 0)
			bail_out("%s", c);
		free(c);
	}
	is_str(state_of(dir, 2), "pending", "0002 appears as pending");
	ok(up(dir, &err) == -1 && err.code == MC_E_STATE, "up refuses the out-of-order file");
	like(err.msg, "0002_add_email is pending but a newer migration (version 0005) is already applied",
	    "the refusal names the file and the newer version");
	like(err.msg, "--allow-out-of-order", "and the way out");
	o = opts(dir);
	o.allow_out_of_order = true;
	ok(migrate_up(&tgt, &o, &rep, &err) == 0 && rep->n == 1 && rep->steps[0].out_of_order,
	    "--allow-out-of-order applies it: %s", err.msg);
	migrate_report_free(rep);
	is_str(val("SELECT out_of_order FROM mcpdb.migrations WHERE version = 2"), "t",
	    "recorded as out of order");
	o = opts(dir);
	o.to = 1;
	ok(migrate_down(&tgt, &o, &rep, &err) == 0 && rep->n == 2 && rep->steps[0].version == 2 &&
	    rep->steps[1].version == 5, "down --to 1 goes in reverse applied order: 0002, then 0005");
	migrate_report_free(rep);
}

/* Drift, CRLF, missing files, verify --diff. */
static void
test_drift(void)
{
	const char		*dir;
	struct migrate_opts	 o;
	struct migrate_verify	*v;
	struct mc_err		 err = { 0 };
	char			*p;
	size_t			 i;
	bool			 seen;

	fresh_db();
	dir = copy_fx("good", "drift");
	ok(up(dir, &err) == 0, "applied: %s", err.msg);
	/* CRLF-only change: not drift */
	put(dir, "0002_add_email.up.sql",
	    "ALTER TABLE app.users ADD COLUMN email text DEFAULT '' NOT NULL;\r\n"
	    "CREATE UNIQUE INDEX users_email ON app.users (email);\r\n"
	    "CREATE TRIGGER users_touch BEFORE UPDATE ON app.users\r\n"
	    "\tFOR EACH ROW EXECUTE FUNCTION app.touch();\r\n"
	    "GRANT SELECT ON app.users TO PUBLIC;\r\n");
	is_str(state_of(dir, 2), "applied", "CRLF-only change is not drift");
	o = opts(dir);
	v = migrate_verify(&tgt, &o, &err);
	ok(v != NULL && v->ok && v->napplied == 4, "verify passes after a CRLF-only change");
	migrate_verify_free(v);

	/* a real edit */
	put(dir, "0002_add_email.up.sql",
	    "ALTER TABLE app.users ADD COLUMN email varchar(300) DEFAULT '' NOT NULL;\n"
	    "CREATE UNIQUE INDEX users_email ON app.users (email);\n"
	    "CREATE TRIGGER users_touch BEFORE UPDATE ON app.users\n"
	    "\tFOR EACH ROW EXECUTE FUNCTION app.touch();\n"
	    "GRANT SELECT ON app.users TO PUBLIC;\n");
	is_str(state_of(dir, 2), "checksum-mismatch", "an edited applied file is drift");
	o.diff = true;
	v = migrate_verify(&tgt, &o, &err);
	ok(v != NULL && !v->ok, "verify fails on drift");
	seen = false;
	for (i = 0; v != NULL && i < v->n; i++)
		if (strcmp(v->v[i].kind, "checksum-mismatch") == 0 && v->v[i].version == 2 &&
		    v->v[i].diff != NULL &&
		    strstr(v->v[i].diff, "-ALTER TABLE app.users ADD COLUMN email text DEFAULT") &&
		    strstr(v->v[i].diff, "+ALTER TABLE app.users ADD COLUMN email varchar(300)"))
			seen = true;
	ok(seen, "verify --diff shows the changed line, applied against file");
	migrate_verify_free(v);
	put(dir, "0005_next.up.sql", "SELECT 1;\n");
	put(dir, "0005_next.down.sql", "SELECT 1;\n");
	ok(up(dir, &err) == -1 && err.code == MC_E_STATE, "up refuses to run over drift");
	like(err.msg, "0002_add_email.up.sql was changed after it was applied", "names the file");

	/* a missing file */
	p = xasprintf("rm '%s'/0002_add_email.*", dir);
	if (system(p) != 0)
		bail_out("%s", p);
	free(p);
	is_str(state_of(dir, 2), "file-missing", "applied version without files: file-missing");
	o.diff = false;
	v = migrate_verify(&tgt, &o, &err);
	ok(v != NULL && !v->ok && v->n >= 1 && strcmp(v->v[0].kind, "file-missing") == 0,
	    "verify reports the missing file");
	migrate_verify_free(v);
	ok(up(dir, &err) == -1 && strstr(err.msg, "files are missing") != NULL,
	    "up refuses over a missing file");
}

/* Errors: syntax error at line 7, nothing recorded; file problems before anything runs. */
static void
test_errors(void)
{
	struct mc_err	err = { 0 };

	fresh_db();
	ok(up(fx("syntax7"), &err) == -1, "a broken migration fails");
	like(err.msg, "0002_bad.up.sql:7:1: syntax error at or near \"SELEC\"",
	    "the error names file, line 7 and column");
	is_str(err.sqlstate, "42601", "SQLSTATE kept");
	is_str(val("SELECT string_agg(version::text, ',') FROM mcpdb.migrations"), "1",
	    "0001 applied, 0002 not recorded");
	is_str(val("SELECT to_regclass('app.t1')::text"), "(null)",
	    "0002's earlier statements were rolled back");
	is_str(val("SELECT count(*) FROM mcpdb.migration_events WHERE event = 'up failed' "
	    "AND sqlstate = '42601'"), "1", "the failure is in the history");

	/* detail, hint and context; a position inside a multi-line statement */
	{
		const char	*dir = copy_fx("syntax7", "errs");
		char		*c = xasprintf("rm '%s'/0002_*", dir);

		if (system(c) != 0)
			bail_out("%s", c);
		free(c);
		put(dir, "0002_raise.up.sql", "-- raises\nSELECT 1;\n"
		    "DO $$ BEGIN RAISE EXCEPTION 'boom' USING DETAIL = 'the detail', "
		    "HINT = 'the hint'; END $$;\n");
		put(dir, "0002_raise.down.sql", "SELECT 1;\n");
		ok(up(dir, &err) == -1, "a RAISE fails the migration");
		like(err.msg, "0002_raise.up.sql:3:1: boom (SQLSTATE P0001); detail: the detail; "
		    "hint: the hint; context: PL/pgSQL function inline_code_block line 1 at RAISE",
		    "message, SQLSTATE, detail, hint and context, at the statement's line");
		c = xasprintf("rm '%s'/0002_*", dir);
		if (system(c) != 0)
			bail_out("%s", c);
		free(c);
		put(dir, "0002_type.up.sql", "CREATE TABLE app.t3 (\n\tid int,\n\tx no_such_type\n);\n");
		put(dir, "0002_type.down.sql", "DROP TABLE app.t3;\n");
		ok(up(dir, &err) == -1, "an unknown type fails the migration");
		like(err.msg, "0002_type.up.sql:3:4: type \"no_such_type\" does not exist",
		    "the server's position maps to line 3, column 4");
		c = xasprintf("rm '%s'/0002_*", dir);
		if (system(c) != 0)
			bail_out("%s", c);
		free(c);
		put(dir, "0002_who.up.sql", "CREATE TABLE app.who AS SELECT "
		    "current_setting('mcpdb.migration') AS id, "
		    "current_setting('lock_timeout') AS lt;\n");
		put(dir, "0002_who.down.sql", "DROP TABLE app.who;\n");
		ok(up(dir, &err) == 0, "applied: %s", err.msg);
		is_str(val("SELECT id || ' ' || lt FROM app.who"), "0002_who 5s",
		    "a migration sees its own id (mcpdb.migration) and the default lock_timeout");
	}

	fresh_db();
	ok(up(fx("missing_down"), &err) == -1 && err.code == MC_E_CONFIG, "missing down refused (a configuration error: exit status 2)");
	like(err.msg, "0001_create_users.up.sql: no down file", "names the file");
	ok(up(fx("dup_version"), &err) == -1, "duplicate version refused");
	like(err.msg, "duplicate version 1", "says so");
	ok(up(fx("bad_name"), &err) == -1, "bad name refused");
	like(err.msg, "0002-add-email", "names the file");
	ok(up(fx("empty_file"), &err) == -1, "empty file refused");
	like(err.msg, "0002_todo.up.sql: empty file", "names the file");
	is_str(val("SELECT to_regclass('mcpdb.migrations') IS NULL AND to_regclass('app.users') IS NULL"),
	    "t", "nothing ran for any of them (0001 was fine but never applied)");
}

/* The no-transaction path: failure leaves failed; resolve clears it. */
static void
test_notx(void)
{
	struct migrate_opts	 o = opts(fx("notx_fail"));
	struct mc_err		 err = { 0 };

	fresh_db();
	ok(up(fx("notx_fail"), &err) == -1, "the no-transaction migration fails");
	like(err.msg, "0002_bad_index.up.sql:3:1: column \"no_such_column\" does not exist",
	    "error names the failing statement's line");
	is_str(val("SELECT state || ':' || operation FROM mcpdb.migrations WHERE version = 2"),
	    "failed:up", "ledger row left failed");
	is_str(state_of(fx("notx_fail"), 2), "failed", "status shows failed");
	ok(up(fx("notx_fail"), &err) == -1 && err.code == MC_E_STATE, "up refuses while failed");
	like(err.msg, "mcpdb migrate resolve 0002 --applied", "and says how to resolve");
	{
		struct migrate_report	*rep = NULL;

		ok(migrate_down(&tgt, &o, &rep, &err) == -1 && err.code == MC_E_STATE,
		    "down refuses while failed too");
		migrate_report_free(rep);
	}
	ok(migrate_resolve(&tgt, &o, 2, false, &err) == 0, "resolve --rolled-back: %s", err.msg);
	is_str(state_of(fx("notx_fail"), 2), "pending", "back to pending");
	/* fail again, then resolve as applied */
	ok(up(fx("notx_fail"), &err) == -1, "fails again (users_name exists now)");
	ok(migrate_resolve(&tgt, &o, 2, true, &err) == 0, "resolve --applied: %s", err.msg);
	is_str(state_of(fx("notx_fail"), 2), "applied", "now applied");
	ok(migrate_resolve(&tgt, &o, 2, true, &err) == -1 && err.code == MC_E_STATE,
	    "resolving an applied migration is refused");
	ok(migrate_resolve(&tgt, &o, 9, true, &err) == -1 && err.code == MC_E_NOTFOUND,
	    "resolving an unknown version is refused");
	is_str(val("SELECT string_agg(event, ',' ORDER BY id) FROM mcpdb.migration_events "
	    "WHERE version = 2"), "up failed,resolved as rolled back,up failed,resolved as applied",
	    "history of the failures and resolutions");

	/* a no-transaction file that opens its own transaction */
	{
		const char	*dir = copy_fx("notx_fail", "notx_own");
		char		*c = xasprintf("rm '%s'/0002_*", dir);

		if (system(c) != 0)
			bail_out("%s", c);
		free(c);
		fresh_db();
		put(dir, "0002_own_tx.up.sql", "-- mcpdb:no-transaction\nBEGIN;\n"
		    "CREATE TABLE app.own (id int);\nSELECT 1/0;\nCOMMIT;\n");
		put(dir, "0002_own_tx.down.sql", "-- mcpdb:no-transaction\nDROP TABLE app.own;\n");
		ok(up(dir, &err) == -1 && strstr(err.msg, "0002_own_tx.up.sql:4:1: division by zero"),
		    "an error inside the file's own transaction: %s", err.msg);
		is_str(val("SELECT state FROM mcpdb.migrations WHERE version = 2"), "failed",
		    "recorded failed (the aborted transaction was rolled back first)");
		is_str(val("SELECT to_regclass('app.own') IS NULL"), "t", "its work rolled back");
		ok(migrate_resolve(&tgt, &o, 2, false, &err) == 0, "resolved: %s", err.msg);
		put(dir, "0002_own_tx.up.sql", "-- mcpdb:no-transaction\nBEGIN;\n"
		    "CREATE TABLE app.own (id int);\n");
		ok(up(dir, &err) == -1 && strstr(err.msg, "leaves a transaction open"),
		    "a file that leaves its transaction open fails: %s", err.msg);
		is_str(val("SELECT to_regclass('app.own') IS NULL"), "t", "and is rolled back");
		is_str(val("SELECT state FROM mcpdb.migrations WHERE version = 2"), "failed",
		    "recorded failed");
	}

	/* a runner that died: its row stays "running" */
	fresh_db();
	ok(up(fx("notx_fail"), &err) == -1, "fails again on a fresh database");
	ok(migrate_resolve(&tgt, &o, 2, true, &err) == 0, "resolve --applied: %s", err.msg);
	exec_ok(db, "UPDATE mcpdb.migrations SET state = 'running' WHERE version = 2");
	is_str(state_of(fx("notx_fail"), 2), "running", "status shows running");
	ok(up(fx("notx_fail"), &err) == -1 && strstr(err.msg, "is failed") != NULL,
	    "the next run marks it failed and refuses: %s", err.msg);
	is_str(val("SELECT state FROM mcpdb.migrations WHERE version = 2"), "failed",
	    "marked failed under the lock");
}

/* lock_timeout: the error names the session the migration waited on. */
static void
test_lock_timeout(void)
{
	struct migrate_opts	 o = opts(fx("lockwait"));
	struct migrate_report	*rep = NULL;
	struct mc_err		 err = { 0 };
	PGconn			*holder;
	char			*ci, pid[16];
	struct timespec		 a, b;
	double			 secs;

	fresh_db();
	o.to = 1;
	ok(migrate_up(&tgt, &o, &rep, &err) == 0, "0001 applied: %s", err.msg);
	migrate_report_free(rep);
	ci = xasprintf("%s application_name=t-migrate-blocker", conninfo);
	holder = PQconnectdb(ci);
	free(ci);
	if (PQstatus(holder) != CONNECTION_OK)
		bail_out("holder: %s", PQerrorMessage(holder));
	exec_ok(holder, "BEGIN");
	exec_ok(holder, "SELECT count(*) FROM app.users");
	snprintf(pid, sizeof(pid), "pid %d ", PQbackendPID(holder));
	clock_gettime(CLOCK_MONOTONIC, &a);
	ok(up(fx("lockwait"), &err) == -1, "0002 cannot get its lock");
	clock_gettime(CLOCK_MONOTONIC, &b);
	secs = (double)(b.tv_sec - a.tv_sec) + (b.tv_nsec - a.tv_nsec) / 1e9;
	ok(secs >= 0.9 && secs < 5, "it gave up after the file's lock_timeout=1s (%.2f s)", secs);
	is_str(err.sqlstate, "55P03", "lock_not_available");
	like(err.msg, "0002_touch_users.up.sql:3:1: canceling statement due to lock timeout",
	    "names the file and statement");
	like(err.msg, "lock_timeout is 1000 ms", "and the timeout");
	like(err.msg, pid, "names the blocking session's pid");
	like(err.msg, "t-migrate-blocker", "its application");
	like(err.msg, "idle in transaction", "its state");
	like(err.msg, "SELECT count(*) FROM app.users", "and its query");
	is_str(val("SELECT string_agg(version::text, ',') FROM mcpdb.migrations"), "1",
	    "nothing recorded for 0002");
	exec_ok(holder, "ROLLBACK");
	ok(up(fx("lockwait"), &err) == 0, "applies once the blocker is gone: %s", err.msg);
	PQfinish(holder);
}

/* The advisory lock: held elsewhere, the run waits, then fails naming the holder. */
static void
test_advisory(void)
{
	struct migrate_opts	 o = opts(fx("good"));
	struct migrate_report	*rep = NULL;
	struct mc_err		 err = { 0 };
	PGconn			*holder;
	char			*ci, sql[128], pid[16];
	struct timespec		 a, b;
	double			 secs;

	fresh_db();
	ci = xasprintf("%s application_name=t-migrate-holder", conninfo);
	holder = PQconnectdb(ci);
	free(ci);
	if (PQstatus(holder) != CONNECTION_OK)
		bail_out("holder: %s", PQerrorMessage(holder));
	snprintf(sql, sizeof(sql), "SELECT pg_advisory_lock(%d, %d)", MIGRATE_LOCK_K1,
	    MIGRATE_LOCK_K2);
	exec_ok(holder, sql);
	snprintf(pid, sizeof(pid), "%d", PQbackendPID(holder));
	o.lock_timeout_ms = 700;
	clock_gettime(CLOCK_MONOTONIC, &a);
	ok(migrate_up(&tgt, &o, &rep, &err) == -1 && err.code == MC_E_LOCKED,
	    "up fails when the lock stays held");
	clock_gettime(CLOCK_MONOTONIC, &b);
	migrate_report_free(rep);
	secs = (double)(b.tv_sec - a.tv_sec) + (b.tv_nsec - a.tv_nsec) / 1e9;
	ok(secs >= 0.6 && secs < 5, "it waited about --lock-timeout (%.2f s)", secs);
	like(err.msg, pid, "the error names the holder's pid");
	like(err.msg, "application t-migrate-holder", "its application_name");
	like(err.msg, "user postgres", "its user");
	like(err.msg, "client local socket", "its client address");
	like(err.msg, "since ", "since when");
	like(err.msg, "current query: SELECT pg_advisory_lock", "and its current query");
	is_str(val("SELECT to_regclass('mcpdb.migrations')::text"), "(null)",
	    "nothing was written without the lock");
	snprintf(sql, sizeof(sql), "SELECT pg_advisory_unlock(%d, %d)", MIGRATE_LOCK_K1,
	    MIGRATE_LOCK_K2);
	exec_ok(holder, sql);
	ok(up(fx("good"), &err) == 0, "applied once the lock is free: %s", err.msg);

	/* up to date: no lock needed at all */
	snprintf(sql, sizeof(sql), "SELECT pg_advisory_lock(%d, %d)", MIGRATE_LOCK_K1,
	    MIGRATE_LOCK_K2);
	exec_ok(holder, sql);
	clock_gettime(CLOCK_MONOTONIC, &a);
	ok(migrate_up(&tgt, &o, &rep, &err) == 0 && rep->up_to_date,
	    "nothing pending: up returns without the lock: %s", err.msg);
	clock_gettime(CLOCK_MONOTONIC, &b);
	migrate_report_free(rep);
	secs = (double)(b.tv_sec - a.tv_sec) + (b.tv_nsec - a.tv_nsec) / 1e9;
	ok(secs < 0.5, "and without waiting (%.2f s)", secs);
	{
		struct migrate_status	*s = migrate_status(&tgt, &o, &err);

		ok(s != NULL && s->lock_holder != NULL && strstr(s->lock_holder, pid) != NULL,
		    "status shows the run in progress and its holder");
		migrate_status_free(s);
	}
	PQfinish(holder);

	/* a holder whose mcpdb process on this host is gone: say it is orphaned */
	{
		char	host[64], *p, *sql2;

		if (gethostname(host, sizeof(host)) != 0)
			snprintf(host, sizeof(host), "?");
		host[sizeof(host) - 1] = '\0';
		for (p = host; *p != '\0'; p++)
			if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
			    (*p >= '0' && *p <= '9') || *p == '.' || *p == '-'))
				*p = '_';
		fresh_db();
		ci = xasprintf("%s application_name=mcpdb/migrate", conninfo);
		holder = PQconnectdb(ci);
		free(ci);
		/* a pid that cannot exist (above pid_max) */
		sql2 = xasprintf("SELECT pg_advisory_lock(%d, %d) /* mcpdb migrate up; host=%s; "
		    "os_pid=99999999; worker_pid=0; locked_at=2026-01-01 00:00:00Z */",
		    MIGRATE_LOCK_K1, MIGRATE_LOCK_K2, host);
		exec_ok(holder, sql2);
		free(sql2);
		snprintf(pid, sizeof(pid), "%d", PQbackendPID(holder));
		o = opts(fx("good"));
		o.lock_timeout_ms = 200;
		ok(migrate_up(&tgt, &o, &rep, &err) == -1 && err.code == MC_E_LOCKED,
		    "an orphaned holder still blocks");
		migrate_report_free(rep);
		like(err.msg, "mcpdb migrate up on host", "the holder is recognised as an mcpdb run");
		like(err.msg, "that process no longer exists on this host, so the session is orphaned",
		    "and its process is found gone");
		like(err.msg, "pg_terminate_backend(", "with the way out");
		PQfinish(holder);
	}
}

/* Step callback: after 0001, end the run's lock session from outside. */
static void
kill_lock_session(void *arg, const struct migrate_step *s)
{
	char	sql[512];
	int	i;

	if (s->version != 1)
		return;
	snprintf(sql, sizeof(sql), "SELECT pg_terminate_backend(pid) FROM pg_locks "
	    "WHERE locktype = 'advisory' AND objid = %d AND granted AND database = "
	    "(SELECT oid FROM pg_database WHERE datname = '%s')", MIGRATE_LOCK_K2, dbname);
	exec_ok(ctl, sql);
	for (i = 0; i < 50; i++) {
		if (strcmp(val("SELECT count(*) FROM pg_stat_activity WHERE query LIKE "
		    "'%/* mcpdb migrate up;%' AND pid <> pg_backend_pid() "
		    "AND backend_type = 'client backend'"), "0") == 0)
			break;
		usleep(100000);
	}
	usleep(300000);	/* the backend's socket closes just after it leaves pg_stat_activity */
}

/* A run whose lock session ends stops before the next migration. */
static void
test_lock_lost(void)
{
	struct migrate_opts	 o = opts(fx("good"));
	struct migrate_report	*rep = NULL;
	struct mc_err		 err = { 0 };

	fresh_db();
	o.step = kill_lock_session;
	ok(migrate_up(&tgt, &o, &rep, &err) == -1 && err.code == MC_E_LOCKED,
	    "losing the lock session stops the run");
	like(err.msg, "the lock session ended", "says why");
	like(err.msg, "stopped before 0002_add_email (1 of 4 done)", "and where it stopped");
	migrate_report_free(rep);
	is_str(val("SELECT string_agg(version::text, ',') FROM mcpdb.migrations"), "1",
	    "only 0001 applied");
	is_str(val("SELECT count(*) FROM mcpdb.migration_events WHERE version = 2 AND "
	    "event = 'up failed' AND error LIKE '%lock session ended%'"), "1",
	    "the stop is in the history");
	ok(up(fx("good"), &err) == 0, "the next run finishes: %s", err.msg);
}

/* migrate check: good pairs pass, a forgotten object is named, scratch db dropped. */
static void
test_check(void)
{
	struct migrate_opts	 o = opts(fx("good"));
	struct migrate_check	*c;
	struct mc_err		 err = { 0 };
	char			 sql[256];
	size_t			 i, j;
	bool			 seen = false;

	c = migrate_check(&tgt, &o, &err);
	ok(c != NULL && c->ok && c->n == 4, "check passes on good pairs: %s", c ? "" : err.msg);
	if (c != NULL) {
		snprintf(sql, sizeof(sql), "SELECT count(*) FROM pg_database WHERE datname = '%s'",
		    c->scratch);
		is_str(val(sql), "0", "its scratch database was dropped");
		ok(c->nobjects > 20, "snapshots saw the objects (%zu)", c->nobjects);
	}
	migrate_check_free(c);

	o = opts(fx("down_forgets"));
	c = migrate_check(&tgt, &o, &err);
	ok(c != NULL && !c->ok, "check fails when a down forgets something");
	for (i = 0; c != NULL && i < c->n; i++)
		for (j = 0; j < c->v[i].nproblems; j++) {
			diag("%s: %s", c->v[i].id, c->v[i].problems[j]);
			if (c->v[i].version == 2 &&
			    strcmp(c->v[i].problems[j], "the down left behind: function app.audit_count()") == 0)
				seen = true;
		}
	ok(seen, "the exact leftover object is named");
	ok(c != NULL && c->v[0].ok, "0001 itself is fine");
	if (c != NULL) {
		snprintf(sql, sizeof(sql), "SELECT count(*) FROM pg_database WHERE datname = '%s'",
		    c->scratch);
		is_str(val(sql), "0", "scratch database dropped after a failed check too");
	}
	migrate_check_free(c);

	o = opts(fx("syntax7"));
	c = migrate_check(&tgt, &o, &err);
	ok(c != NULL && !c->ok && c->n == 2 && c->v[1].nproblems == 1 &&
	    strstr(c->v[1].problems[0], "up failed:") &&
	    strstr(c->v[1].problems[0], "0002_bad.up.sql:7:1:"), "check reports a failing up with its line");
	migrate_check_free(c);
}

/* migrate check over the project's own migrations/ directory. */
static void
test_check_real(void)
{
	const char		*src = getenv("MCPDB_SRCDIR");
	char			*dir = xasprintf("%s/migrations", src ? src : "..");
	struct migrate_opts	 o = opts(dir);
	struct migrate_check	*c;
	struct mig_set		*set;
	struct mc_err		 err = { 0 };
	size_t			 i, j;

	set = migset_load(dir, MIGSET_NAMES_ONLY, NULL, &err);
	if (set == NULL || set->n == 0) {
		skip(2, "no migrations in %s yet", dir);
		migset_free(set);
		free(dir);
		return;
	}
	migset_free(set);
	c = migrate_check(&tgt, &o, &err);
	ok(c != NULL, "check runs over migrations/: %s", c ? "" : err.msg);
	for (i = 0; c != NULL && i < c->n; i++)
		for (j = 0; j < c->v[i].nproblems; j++)
			diag("%s: %s", c->v[i].id, c->v[i].problems[j]);
	ok(c != NULL && c->ok, "every real down reverses its up (%zu migrations)", c ? c->n : 0);
	migrate_check_free(c);
	free(dir);
}

/* migrate new: numbering and templates. */
static void
test_new(void)
{
	char		*dir = xasprintf("%s/new", tmpdir), *id, *p, *sdir = NULL;
	struct mc_err	 err = { 0 };
	struct stat	 sb;

	id = migrate_new(dir, NULL, "add_users", &sdir, &err);
	is_str(id, "0001_add_users", "first migration is 0001 (directory created)");
	is_str(sdir, dir, "written in the directory itself (the default stream)");
	free(id);
	free(sdir);
	id = migrate_new(dir, NULL, "add_email", &sdir, &err);
	is_str(id, "0002_add_email", "then 0002");
	free(sdir);
	p = xasprintf("%s/0002_add_email.down.sql", dir);
	ok(stat(p, &sb) == 0, "down file created too");
	free(p);
	free(id);
	ok(migrate_new(dir, NULL, "Bad Name", &sdir, &err) == NULL && err.code == MC_E_USAGE &&
	    sdir == NULL, "bad name refused");
	ok(migset_load(dir, 0, NULL, &err) == NULL && strstr(err.msg, "empty file") != NULL,
	    "an unedited template is refused as empty, so it cannot be applied by mistake");
	free(dir);
}

int
main(void)
{
	const char	*url = getenv("MCPDB_TEST_PGURL");
	const char	*src = getenv("MCPDB_SRCDIR");
	char		 tmpl[] = "/tmp/t-migrate.XXXXXX", *cmd;

	if (url == NULL || *url == '\0')
		skip_all("MCPDB_TEST_PGURL not set; run under tests/harness/with-servers.sh");
	snprintf(fixtures, sizeof(fixtures), "%s/tests/fixtures/migrations", src ? src : "..");
	if (mkdtemp(tmpl) == NULL)
		bail_out("mkdtemp");
	snprintf(tmpdir, sizeof(tmpdir), "%s", tmpl);
	ctl = PQconnectdb(url);
	if (PQstatus(ctl) != CONNECTION_OK)
		bail_out("control connection: %s", PQerrorMessage(ctl));
	PQclear(PQexec(ctl, "SET client_min_messages = warning"));
	snprintf(dbname, sizeof(dbname), "mcpdb_t_migrate_%ld", (long)getpid());
	conninfo = xasprintf("%s dbname=%s", url, dbname);
	conf_target_defaults(&tgt);
	tgt.name = "t-migrate";
	tgt.pg = conninfo;

	test_up();
	test_down();
	test_order();
	test_drift();
	test_errors();
	test_notx();
	test_lock_timeout();
	test_advisory();
	test_lock_lost();
	test_check();
	test_check_real();
	test_new();

	PQfinish(db);
	{
		char	sql[128];

		snprintf(sql, sizeof(sql), "DROP DATABASE IF EXISTS %s WITH (FORCE)", dbname);
		exec_ok(ctl, sql);
	}
	PQfinish(ctl);
	cmd = xasprintf("rm -rf '%s'", tmpdir);
	if (system(cmd) != 0)
		diag("could not remove %s", tmpdir);
	free(cmd);
	free(conninfo);
	return (done_testing());
}
