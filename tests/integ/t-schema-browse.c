/*
 * t-schema-browse.c - the Schema browser's catalog queries against a real
 * server: the tree (schemas, kinds, order, no system or extension objects),
 * the details of a table as psql's \d shows them (columns, indexes,
 * constraints, foreign keys both ways, triggers, grants, facts), of a view,
 * a sequence and a function, a vanished object, a section blocked by a lock
 * degrading to a note, and the preview (limit, NULLs, long values cut with
 * the marker, control characters passed through for the drawing code to
 * escape).
 *
 * Needs MCPDB_TEST_PGURL (a role that may CREATE DATABASE); creates its own
 * database and drops it at the end.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "buf.h"
#include "out.h"
#include "schema.h"
#include "tap.h"
#include "xmem.h"

static PGconn	*admin;		/* the harness database */
static char	 dbname[64];

/* Run sql on c or bail out. */
static void
exec_or_bail(PGconn *c, const char *sql)
{
	PGresult	*res = PQexec(c, sql);

	if (PQresultStatus(res) != PGRES_COMMAND_OK && PQresultStatus(res) != PGRES_TUPLES_OK)
		bail_out("%s: %s", sql, PQerrorMessage(c));
	PQclear(res);
}

/* Drop the test database (atexit). */
static void
drop_db(void)
{
	char	sql[128];

	if (admin == NULL || dbname[0] == '\0')
		return;
	snprintf(sql, sizeof(sql), "DROP DATABASE IF EXISTS %s WITH (FORCE)", dbname);
	PQclear(PQexec(admin, sql));
	PQclear(PQexec(admin, "DROP ROLE IF EXISTS t_schema_browse_reader"));
	PQclear(PQexec(admin, "DROP ROLE IF EXISTS t_schema_browse_nobody"));
	PQfinish(admin);
	admin = NULL;
}

/* The object named schema.name in the tree, or NULL. */
static const struct sch_obj *
tree_find(const struct sch_tree *t, const char *schema, const char *name)
{
	size_t	i;

	for (i = 0; i < t->nobjs; i++)
		if (strcmp(t->schemas[t->objs[i].schema], schema) == 0 &&
		    strcmp(t->objs[i].name, name) == 0)
			return (&t->objs[i]);
	return (NULL);
}

/* The section titled title, or NULL. */
static const struct sch_section *
sec(const struct sch_detail *d, const char *title)
{
	size_t	i;

	for (i = 0; d != NULL && i < d->nsec; i++)
		if (strcmp(d->sec[i].title, title) == 0)
			return (&d->sec[i]);
	return (NULL);
}

/* Every cell of a table joined with '|' per cell and '\n' per row. Caller frees. */
static char *
flat(const struct table *t)
{
	struct buf	b;
	size_t		r, c;

	buf_init(&b);
	for (r = 0; t != NULL && r < t->nrows; r++) {
		for (c = 0; c < t->ncols; c++)
			buf_printf(&b, "%s|", table_cell(t, r, c) ? table_cell(t, r, c) : "NULL");
		buf_putc(&b, '\n');
	}
	return (buf_detach(&b));
}

/* Does the row of flat (see above) starting with head also contain part? */
static bool
row_is(const char *flat, const char *head, const char *part)
{
	const char	*p = flat, *nl;

	while (p != NULL && *p != '\0') {
		nl = strchr(p, '\n');
		if (strncmp(p, head, strlen(head)) == 0) {
			char	*row = nl ? xstrndup(p, (size_t)(nl - p)) : xstrdup(p);
			bool	 r = strstr(row, part) != NULL;

			if (!r)
				diag("row: %s", row);
			free(row);
			return (r);
		}
		p = nl ? nl + 1 : NULL;
	}
	diag("no row starts with %s", head);
	return (false);
}

/* A fact's value, or "". */
static const char *
fact(const struct sch_detail *d, const char *what)
{
	size_t	r;

	for (r = 0; d != NULL && r < d->facts->nrows; r++)
		if (strcmp(table_cell(d->facts, r, 0), what) == 0)
			return (table_cell(d->facts, r, 1));
	return ("");
}

static const char *const fixture =
    "SET client_min_messages = error;"
    "CREATE ROLE t_schema_browse_reader;"
    "CREATE ROLE t_schema_browse_nobody LOGIN;"
    "CREATE SCHEMA app; CREATE SCHEMA empty_one;"
    "CREATE TABLE app.users (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,"
    " email text NOT NULL UNIQUE, age int CHECK (age >= 0),"
    " name varchar(200) COLLATE \"C\" DEFAULT 'anon', upper_name text"
    " GENERATED ALWAYS AS (upper(name)) STORED);"
    "COMMENT ON COLUMN app.users.email IS 'login address';"
    "CREATE INDEX users_lower_email ON app.users (lower(email));"
    "CREATE TABLE app.orders (id serial PRIMARY KEY, user_id bigint NOT NULL"
    " REFERENCES app.users (id) ON DELETE CASCADE, note text);"
    "CREATE VIEW app.adults AS SELECT id, email FROM app.users WHERE age >= 18;"
    "CREATE MATERIALIZED VIEW app.user_count AS SELECT count(*) AS n FROM app.users;"
    "CREATE SEQUENCE app.ticket_seq START 100 INCREMENT 5;"
    "CREATE FUNCTION app.add_one(i integer) RETURNS integer LANGUAGE sql IMMUTABLE"
    " AS 'SELECT i + 1';"
    "CREATE FUNCTION app.touch() RETURNS trigger LANGUAGE plpgsql"
    " AS 'BEGIN RETURN NEW; END';"
    "CREATE TRIGGER users_touch BEFORE UPDATE ON app.users FOR EACH ROW EXECUTE FUNCTION app.touch();"
    "ALTER TABLE app.users ENABLE ROW LEVEL SECURITY;"
    "CREATE POLICY own_rows ON app.users FOR SELECT USING (true);"
    "GRANT SELECT, INSERT ON app.users TO t_schema_browse_reader;"
    "INSERT INTO app.users (email, age, name) VALUES ('a@x', 30, 'alice'), ('b@x', 12, NULL);"
    "CREATE TABLE app.wide (id int, bio text, blob bytea);"
    "INSERT INTO app.wide SELECT g, repeat('é', 300), '\\x00ff' FROM generate_series(1, 30) g;"
    "INSERT INTO app.wide VALUES (99, E'tab\\there\\nnewline', NULL);"
    /* What psql's \\d+ shows beyond \\d. */
    "ALTER TABLE app.users SET (fillfactor = 90);"
    "ALTER TABLE app.users ALTER COLUMN email SET STORAGE MAIN;"
    "ALTER TABLE app.users ALTER COLUMN age SET STATISTICS 500;"
    "ALTER TABLE app.users ALTER COLUMN name SET COMPRESSION pglz;"
    "ALTER TABLE app.users REPLICA IDENTITY FULL;"
    "CREATE STATISTICS app.users_stx (ndistinct) ON age, name FROM app.users;"
    "CREATE PUBLICATION t_schema_browse_pub FOR TABLE app.users;"
    "ANALYZE;";

int
main(void)
{
	const char		*url = getenv("MCPDB_TEST_PGURL");
	PGconn			*c, *locker;
	struct sch_tree		*t;
	struct sch_detail	*d;
	struct table		*pv;
	const struct sch_obj	*o;
	const struct sch_section *s;
	struct mc_err		 err;
	char			*ci, *f, sql[256];
	size_t			 i;
	bool			 sorted = true, sys = false;
	time_t			 t0;

	if (url == NULL || *url == '\0')
		skip_all("MCPDB_TEST_PGURL not set (run under tests/harness/with-servers.sh)");
	admin = PQconnectdb(url);
	if (PQstatus(admin) != CONNECTION_OK)
		bail_out("cannot connect: %s", PQerrorMessage(admin));
	PQclear(PQexec(admin, "SET client_min_messages = warning"));
	PQclear(PQexec(admin, "DROP ROLE IF EXISTS t_schema_browse_reader"));
	PQclear(PQexec(admin, "DROP ROLE IF EXISTS t_schema_browse_nobody"));
	snprintf(dbname, sizeof(dbname), "t_schema_browse_%d", (int)getpid());
	snprintf(sql, sizeof(sql), "CREATE DATABASE %s", dbname);
	exec_or_bail(admin, sql);
	atexit(drop_db);
	ci = xasprintf("%s dbname=%s", url, dbname);
	c = PQconnectdb(ci);
	if (PQstatus(c) != CONNECTION_OK)
		bail_out("cannot connect to %s: %s", dbname, PQerrorMessage(c));
	exec_or_bail(c, fixture);
	plan(68);

	/* ---- the tree */
	mc_err_clear(&err);
	t = schema_tree_load(c, &err);
	ok(t != NULL, "the tree loads: %s", err.msg);
	if (t == NULL)
		bail_out("no tree");
	is_str(t->database, dbname, "it names the database");
	for (i = 0; i < t->nschemas; i++)
		if (strcmp(t->schemas[i], "pg_catalog") == 0 ||
		    strcmp(t->schemas[i], "information_schema") == 0 ||
		    strncmp(t->schemas[i], "pg_toast", 8) == 0)
			sys = true;
	ok(!sys, "no system schema is listed");
	ok(t->nschemas == 3, "three schemas: app, empty_one, public (got %zu)", t->nschemas);
	is_str(t->nschemas > 1 ? t->schemas[1] : NULL, "empty_one", "an empty schema is listed too");
	for (i = 1; i < t->nobjs; i++) {
		const struct sch_obj *a = &t->objs[i - 1], *b = &t->objs[i];

		if (a->schema > b->schema || (a->schema == b->schema && (a->kind > b->kind ||
		    (a->kind == b->kind && strcmp(a->name, b->name) > 0))))
			sorted = false;
	}
	ok(sorted, "objects are sorted by schema, kind, name");
	o = tree_find(t, "app", "users");
	ok(o != NULL && o->kind == SCH_O_TABLE, "app.users is a table");
	ok(o != NULL && o->est_rows == 2, "with its estimated rows (%g)", o ? o->est_rows : -9);
	o = tree_find(t, "app", "adults");
	ok(o != NULL && o->kind == SCH_O_VIEW, "app.adults is a view");
	o = tree_find(t, "app", "user_count");
	ok(o != NULL && o->kind == SCH_O_MATVIEW, "app.user_count is a materialized view");
	o = tree_find(t, "app", "ticket_seq");
	ok(o != NULL && o->kind == SCH_O_SEQUENCE, "app.ticket_seq is a sequence");
	ok(tree_find(t, "app", "users_id_seq") != NULL, "an identity's sequence is listed");
	o = tree_find(t, "app", "add_one(integer)");
	ok(o != NULL && o->kind == SCH_O_FUNCTION && o->sub == 'f',
	    "app.add_one(integer) is a function, named with its argument types");
	if (o == NULL)
		for (i = 0; i < t->nobjs; i++)
			diag("%s %s %d", t->schemas[t->objs[i].schema], t->objs[i].name, t->objs[i].kind);
	ok(tree_find(t, "app", "users_pkey") == NULL, "indexes are not tree objects");

	/* ---- a table, as psql's \d shows it */
	mc_err_clear(&err);
	d = schema_detail(c, "app", "users", SCH_O_TABLE, 0, &err);
	ok(d != NULL, "details of app.users: %s", err.msg);
	f = flat(sec(d, "Columns") ? sec(d, "Columns")->t : NULL);
	like(f, "id|bigint||not null|generated always as identity|", "id: bigint, not null, identity");
	like(f, "email|text||not null||login address|", "email: text, not null, its comment");
	like(f, "name|character varying(200)|C||'anon'::character varying|", "name: varchar(200), collation C, default");
	like(f, "upper_name|text|||generated always as (upper(name::text)) stored|",
	    "upper_name: a generated column");
	like(f, "email|text||not null||login address|main|||", "email: storage main (\\d+)");
	like(f, "age|integer|||||plain||500|", "age: storage plain, stats target 500");
	like(f, "name|character varying(200)|C||'anon'::character varying||extended|pglz||",
	    "name: storage extended, compression pglz");
	free(f);
	f = flat(sec(d, "Indexes") ? sec(d, "Indexes")->t : NULL);
	ok(row_is(f, "users_pkey|PRIMARY KEY|", "|0|btree (id)|"), "index users_pkey: PRIMARY KEY, btree (id)");
	ok(row_is(f, "users_email_key|UNIQUE CONSTRAINT|", "|0|btree (email)|"), "index users_email_key: UNIQUE CONSTRAINT");
	ok(row_is(f, "users_lower_email||", "|0|btree (lower(email))|"), "index users_lower_email: btree (lower(email))");
	ok(row_is(f, "users_pkey|", " kB|0|"), "indexes have sizes and scans");
	free(f);
	f = flat(sec(d, "Constraints") ? sec(d, "Constraints")->t : NULL);
	like(f, "users_age_check|check||CHECK (age >= 0)|", "the check constraint");
	unlike(f, "users_pkey", "the primary key is listed once, under Indexes");
	unlike(f, "users_email_key", "and so is the unique constraint");
	free(f);
	f = flat(sec(d, "Publications") ? sec(d, "Publications")->t : NULL);
	like(f, "t_schema_browse_pub||", "the publication it is in");
	free(f);
	f = flat(sec(d, "Statistics objects") ? sec(d, "Statistics objects")->t : NULL);
	like(f, "users_stx|CREATE STATISTICS app.users_stx (ndistinct) ON age, name FROM app.users|",
	    "its extended statistics object");
	free(f);
	is_str(fact(d, "access method"), "heap", "fact: access method");
	is_str(fact(d, "options"), "fillfactor=90", "fact: storage options (reloptions)");
	is_str(fact(d, "replica identity"), "full", "fact: replica identity");
	f = flat(sec(d, "Referenced by") ? sec(d, "Referenced by")->t : NULL);
	like(f, "app.orders|orders_user_id_fkey|FOREIGN KEY (user_id) REFERENCES app.users(id) ON DELETE CASCADE|",
	    "referenced by app.orders");
	free(f);
	f = flat(sec(d, "Triggers") ? sec(d, "Triggers")->t : NULL);
	like(f, "users_touch|enabled|CREATE TRIGGER users_touch BEFORE UPDATE ON app.users", "the trigger");
	free(f);
	f = flat(sec(d, "Policies") ? sec(d, "Policies")->t : NULL);
	like(f, "own_rows|SELECT|permissive|PUBLIC|true|", "the policy");
	free(f);
	f = flat(sec(d, "Grants") ? sec(d, "Grants")->t : NULL);
	like(f, "t_schema_browse_reader|INSERT, SELECT|", "grants by role");
	free(f);
	is_str(fact(d, "estimated rows"), "2", "fact: estimated rows");
	like(fact(d, "table size"), "8192 bytes", "fact: table size");
	ok(*fact(d, "toast size") != '\0' && *fact(d, "index size") != '\0', "facts: index and toast sizes");
	like(fact(d, "last analyze"), "-", "fact: last analyze (ANALYZE ran)");
	is_str(fact(d, "last vacuum"), "never", "fact: last vacuum: never");
	is_str(fact(d, "row security"), "enabled", "fact: row security");
	schema_detail_free(d);

	d = schema_detail(c, "app", "orders", SCH_O_TABLE, 0, &err);
	f = flat(d && sec(d, "Foreign keys") ? sec(d, "Foreign keys")->t : NULL);
	like(f, "orders_user_id_fkey||FOREIGN KEY (user_id) REFERENCES app.users(id) ON DELETE CASCADE|",
	    "app.orders: its foreign key out");
	free(f);
	is_str(fact(d, "replica identity"), "default (primary key)", "app.orders: default replica identity");
	ok(sec(d, "Publications") == NULL && sec(d, "Statistics objects") == NULL,
	    "no Publications or Statistics section when there are none");
	schema_detail_free(d);

	/* ---- view, sequence, function */
	d = schema_detail(c, "app", "adults", SCH_O_VIEW, 0, &err);
	s = sec(d, "Definition");
	like(s ? s->text : NULL, "WHERE users.age >= 18", "a view shows its definition");
	schema_detail_free(d);
	d = schema_detail(c, "app", "ticket_seq", SCH_O_SEQUENCE, 0, &err);
	ok(strcmp(fact(d, "start"), "100") == 0 && strcmp(fact(d, "increment"), "5") == 0,
	    "a sequence shows start and increment");
	schema_detail_free(d);
	d = schema_detail(c, "app", "users_id_seq", SCH_O_SEQUENCE, 0, &err);
	is_str(fact(d, "owned by"), "app.users.id", "an identity sequence is owned by its column");
	schema_detail_free(d);
	o = tree_find(t, "app", "add_one(integer)");
	d = o ? schema_detail(c, "app", o->name, SCH_O_FUNCTION, o->oid, &err) : NULL;
	is_str(fact(d, "volatility"), "immutable", "a function shows its volatility");
	s = sec(d, "Source");
	like(s ? s->text : NULL, "CREATE OR REPLACE FUNCTION app.add_one(i integer)", "and its source");
	schema_detail_free(d);

	/* ---- gone, and blocked */
	mc_err_clear(&err);
	d = schema_detail(c, "app", "no_such_table", SCH_O_TABLE, 0, &err);
	ok(d == NULL && err.code == MC_E_NOTFOUND, "a vanished object is MC_E_NOTFOUND");
	like(err.msg, "no longer exists", "and says so: %s", err.msg);
	locker = PQconnectdb(ci);
	exec_or_bail(locker, "BEGIN; LOCK TABLE app.orders IN ACCESS EXCLUSIVE MODE");
	t0 = time(NULL);
	mc_err_clear(&err);
	d = schema_detail(c, "app", "orders", SCH_O_TABLE, 0, &err);
	ok(d != NULL, "a table locked by DDL still gives details: %s", err.msg);
	ok(time(NULL) - t0 <= 3, "within about one lock timeout (%ld s)", (long)(time(NULL) - t0));
	f = d ? xasprintf("%s %s", fact(d, "(facts)"), sec(d, "Indexes") &&
	    sec(d, "Indexes")->note ? sec(d, "Indexes")->note : "") : xstrdup("");
	like(f, "waited over 1.5 s for a lock", "the blocked parts say why");
	free(f);
	f = flat(d && sec(d, "Columns") ? sec(d, "Columns")->t : NULL);
	like(f, "user_id|bigint||not null|", "the columns still show");
	if (d && sec(d, "Columns") && sec(d, "Columns")->note)
		diag("%s", sec(d, "Columns")->note);
	free(f);
	schema_detail_free(d);
	exec_or_bail(locker, "ROLLBACK");
	PQfinish(locker);
	ok(PQtransactionStatus(c) == PQTRANS_IDLE, "the connection is left idle");

	/* ---- preview */
	mc_err_clear(&err);
	pv = schema_preview(c, "app", "wide", 20, 50, "~", &err);
	ok(pv != NULL && pv->nrows == 20 && pv->ncols == 3, "preview: 20 rows of 3 columns: %s", err.msg);
	ok(pv && strlen(table_cell(pv, 0, 1)) == 50 * 2 + 1 &&
	    table_cell(pv, 0, 1)[100] == '~', "a long value is cut at 50 characters with the marker");
	table_free(pv);
	pv = schema_preview(c, "app", "wide", 100, 50, "~", &err);
	f = flat(pv);
	like(f, "99|tab\there\nnewline|NULL|", "control characters come through (drawing escapes them); NULL stays NULL");
	free(f);
	table_free(pv);
	ok(PQtransactionStatus(c) == PQTRANS_IDLE, "the preview leaves the connection idle");

	/* ---- a role with no privileges on the objects: degrade, don't fail */
	{
		char	*nci = xasprintf("%s user=t_schema_browse_nobody", ci);
		PGconn	*n = PQconnectdb(nci);
		struct sch_tree *nt;

		if (PQstatus(n) != CONNECTION_OK)
			bail_out("cannot connect as t_schema_browse_nobody: %s", PQerrorMessage(n));
		mc_err_clear(&err);
		nt = schema_tree_load(n, &err);
		ok(nt != NULL && tree_find(nt, "app", "users") != NULL,
		    "a role without privileges still sees the tree: %s", err.msg);
		schema_tree_free(nt);
		d = schema_detail(n, "app", "users", SCH_O_TABLE, 0, &err);
		f = flat(d && sec(d, "Columns") ? sec(d, "Columns")->t : NULL);
		like(f, "email|text||not null|", "and the columns of a table it may not read");
		free(f);
		schema_detail_free(d);
		mc_err_clear(&err);
		pv = schema_preview(n, "app", "users", 10, 50, "~", &err);
		ok(pv == NULL && strcmp(err.sqlstate, "42501") == 0,
		    "its preview is refused with the server's reason: %s", err.msg);
		like(err.msg, "permission denied", "which says so");
		ok(PQtransactionStatus(n) == PQTRANS_IDLE, "and leaves the connection idle");
		PQfinish(n);
		free(nci);
	}

	schema_tree_free(t);
	PQfinish(c);
	free(ci);
	return (done_testing());
}
