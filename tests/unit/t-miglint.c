/* t-miglint.c - unit tests for migrate lint: every rule, its safe form, lexing. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "miglint.h"
#include "tap.h"
#include "xmem.h"

/*
 * Lint sql as file path and return "LINE rule" per finding, ";"-separated
 * ("" when clean, "ERROR: msg" when it cannot be linted). Static buffer.
 */
static const char *
lint(const char *path, const char *sql)
{
	static char	 out[4096];
	struct miglint	 l;
	struct mc_err	 err;
	size_t		 i, n = 0;

	miglint_init(&l);
	out[0] = '\0';
	if (miglint_text(&l, path, sql, strlen(sql), &err) == -1)
		snprintf(out, sizeof(out), "ERROR: %s", err.msg);
	for (i = 0; i < l.n; i++)
		n += (size_t)snprintf(out + n, sizeof(out) - n, "%s%d %s",
		    i ? ";" : "", l.v[i].line, l.v[i].rule);
	miglint_done(&l);
	return (out);
}

/* Each rule fires on its unsafe form and not on its safe form. */
static void
test_rules(void)
{
	/* volatile-default */
	is_str(lint("u.sql", "ALTER TABLE t ADD COLUMN c uuid DEFAULT gen_random_uuid();"),
	    "1 volatile-default", "ADD COLUMN DEFAULT gen_random_uuid()");
	is_str(lint("u.sql", "ALTER TABLE s.t ADD c float8\n  DEFAULT random() NOT NULL;"),
	    "1 volatile-default", "ADD (no COLUMN) DEFAULT random()");
	is_str(lint("u.sql", "alter table t add column c timestamptz default pg_catalog.clock_timestamp();"),
	    "1 volatile-default", "lower case, qualified clock_timestamp()");
	is_str(lint("u.sql", "ALTER TABLE t ADD COLUMN id bigserial;"),
	    "1 volatile-default", "serial column");
	is_str(lint("u.sql", "ALTER TABLE t ADD COLUMN id int GENERATED ALWAYS AS IDENTITY;"),
	    "1 volatile-default", "identity column");
	is_str(lint("u.sql", "ALTER TABLE t ADD COLUMN c int GENERATED ALWAYS AS (a * 2) STORED;"),
	    "1 volatile-default", "stored generated column");
	is_str(lint("u.sql", "ALTER TABLE t ADD COLUMN c int DEFAULT 0 NOT NULL;"),
	    "", "constant default: cheap since PostgreSQL 11");
	is_str(lint("u.sql", "ALTER TABLE t ADD COLUMN c text DEFAULT 'random()';"),
	    "", "a function name inside a string default");
	is_str(lint("u.sql", "ALTER TABLE t ADD COLUMN at timestamptz DEFAULT now();"),
	    "", "stable now(): evaluated once, not a rewrite");
	is_str(lint("u.sql", "ALTER TABLE t ADD COLUMN c int;"), "", "no default");
	is_str(lint("u.sql", "CREATE TABLE t (id int);\n"
	    "ALTER TABLE t ADD COLUMN u uuid DEFAULT gen_random_uuid();"),
	    "", "volatile default on a table created in the same file");
	is_str(lint("u.sql", "ALTER TABLE t ADD COLUMN a int, ADD COLUMN b float8 DEFAULT random();"),
	    "1 volatile-default", "second action of an ALTER TABLE");

	/* index-not-concurrent */
	is_str(lint("u.sql", "CREATE INDEX t_a ON t (a);"),
	    "1 index-not-concurrent", "CREATE INDEX on an existing table");
	is_str(lint("u.sql", "CREATE UNIQUE INDEX IF NOT EXISTS t_a ON ONLY s.t USING btree (a);"),
	    "1 index-not-concurrent", "CREATE UNIQUE INDEX IF NOT EXISTS ... ON ONLY");
	is_str(lint("u.sql", "-- mcpdb:no-transaction\nCREATE INDEX CONCURRENTLY t_a ON t (a);"),
	    "", "CONCURRENTLY");
	is_str(lint("u.sql", "CREATE TABLE IF NOT EXISTS s.t (a int);\nCREATE INDEX ON s.t (a);"),
	    "", "index on a table created earlier in the file");
	is_str(lint("u.sql", "CREATE TABLE s.t (a int);\nCREATE INDEX ON t (a);"),
	    "", "unqualified name matches the table created qualified");
	is_str(lint("u.sql", "CREATE TABLE a.t (a int);\nCREATE INDEX ON b.t (a);"),
	    "2 index-not-concurrent", "same name in another schema is another table");
	is_str(lint("u.sql", "CREATE INDEX ON t (a);\nCREATE TABLE t (a int);"),
	    "1 index-not-concurrent", "created later does not count");
	is_str(lint("u.sql", "CREATE TABLE \"T\" (a int);\nCREATE INDEX ON t (a);"),
	    "2 index-not-concurrent", "quoted \"T\" is not t");
	is_str(lint("u.sql", "ALTER TABLE t ADD CONSTRAINT t_u UNIQUE (a);"),
	    "1 index-not-concurrent", "ADD UNIQUE builds an index");
	is_str(lint("u.sql", "ALTER TABLE t ADD CONSTRAINT t_u UNIQUE USING INDEX t_u_idx;"),
	    "", "ADD UNIQUE USING INDEX");

	/* alter-type */
	is_str(lint("u.sql", "ALTER TABLE t ALTER COLUMN a TYPE bigint;"),
	    "1 alter-type", "ALTER COLUMN TYPE");
	is_str(lint("u.sql", "ALTER TABLE t ALTER a SET DATA TYPE bigint USING a::bigint;"),
	    "1 alter-type", "ALTER a SET DATA TYPE");
	is_str(lint("u.sql", "ALTER TABLE t ALTER COLUMN a SET DEFAULT 1;"),
	    "", "SET DEFAULT is not a type change");
	is_str(lint("u.sql", "CREATE TABLE t (a int);\nALTER TABLE t ALTER a TYPE bigint;"),
	    "", "type change on a new table");

	/* set-not-null */
	is_str(lint("u.sql", "ALTER TABLE t ALTER COLUMN a SET NOT NULL;"),
	    "1 set-not-null", "SET NOT NULL without a check");
	is_str(lint("u.sql", "ALTER TABLE t ADD CONSTRAINT t_a_nn CHECK (a IS NOT NULL) NOT VALID;\n"
	    "ALTER TABLE t VALIDATE CONSTRAINT t_a_nn;\n"
	    "ALTER TABLE t ALTER COLUMN a SET NOT NULL;"),
	    "", "SET NOT NULL after CHECK NOT VALID + VALIDATE");
	is_str(lint("u.sql", "ALTER TABLE t ADD CONSTRAINT t_a_nn CHECK (a IS NOT NULL) NOT VALID;\n"
	    "ALTER TABLE t ALTER COLUMN a SET NOT NULL;"),
	    "2 set-not-null", "the check is not validated");
	is_str(lint("u.sql", "ALTER TABLE t ADD CONSTRAINT t_b_nn CHECK (b IS NOT NULL) NOT VALID;\n"
	    "ALTER TABLE t VALIDATE CONSTRAINT t_b_nn;\n"
	    "ALTER TABLE t ALTER COLUMN a SET NOT NULL;"),
	    "3 set-not-null", "the check is on another column");
	is_str(lint("u.sql", "ALTER TABLE t ALTER COLUMN a DROP NOT NULL;"),
	    "", "DROP NOT NULL is cheap");

	/* foreign-key-not-valid, check-not-valid */
	is_str(lint("u.sql", "ALTER TABLE t ADD CONSTRAINT t_fk FOREIGN KEY (u) REFERENCES u (id);"),
	    "1 foreign-key-not-valid", "ADD FOREIGN KEY");
	is_str(lint("u.sql", "ALTER TABLE t ADD FOREIGN KEY (u) REFERENCES u (id) NOT VALID;"),
	    "", "ADD FOREIGN KEY NOT VALID");
	is_str(lint("u.sql", "ALTER TABLE t ADD CONSTRAINT t_c CHECK (a > 0);"),
	    "1 check-not-valid", "ADD CHECK");
	is_str(lint("u.sql", "ALTER TABLE t ADD CHECK (a > 0) NOT VALID;"),
	    "", "ADD CHECK NOT VALID");
	is_str(lint("u.sql", "CREATE TABLE t (a int, u int);\n"
	    "ALTER TABLE t ADD CONSTRAINT t_fk FOREIGN KEY (u) REFERENCES u (id);"),
	    "", "foreign key on a new table");

	/* drop-if-exists: only in down files */
	is_str(lint("m/0001_x.down.sql", "DROP TABLE s.t;\nDROP INDEX CONCURRENTLY i;\n"
	    "DROP MATERIALIZED VIEW v;\nDROP OWNED BY r;"),
	    "1 drop-if-exists;2 drop-if-exists;3 drop-if-exists", "plain DROPs in a down");
	is_str(lint("m/0001_x.down.sql", "DROP TABLE IF EXISTS s.t;\n"
	    "DROP INDEX CONCURRENTLY IF EXISTS i;\nDROP MATERIALIZED VIEW IF EXISTS v;"),
	    "", "DROP ... IF EXISTS in a down");
	is_str(lint("m/0001_x.up.sql", "DROP TABLE s.t;"), "", "a DROP in an up file");
	is_str(lint("m/0001_x.down.sql", "ALTER TABLE t DROP COLUMN c, DROP CONSTRAINT IF EXISTS k;"),
	    "1 drop-if-exists", "ALTER TABLE DROP COLUMN in a down");
}

/* Rule text in strings, comments and bodies is not flagged; lines are right. */
static void
test_lexing(void)
{
	is_str(lint("u.sql", "SELECT 'ALTER TABLE t ALTER a TYPE int;';"),
	    "", "statement text in a string");
	is_str(lint("u.sql", "SELECT E'it\\'s; CREATE INDEX i ON t (a);';"),
	    "", "E'' string with a backslash-escaped quote");
	is_str(lint("u.sql", "-- CREATE INDEX i ON t (a);\n/* outer /* CREATE INDEX i ON t (a); */ "
	    "still comment; */\nSELECT 1;"),
	    "", "statements in -- and nested block comments");
	is_str(lint("u.sql", "CREATE FUNCTION f() RETURNS void LANGUAGE plpgsql AS $body$\n"
	    "BEGIN\n  ALTER TABLE t ALTER a TYPE bigint;\n  CREATE INDEX i ON t (a);\n"
	    "END\n$body$;\nDO $$ BEGIN EXECUTE 'ALTER TABLE t ALTER a SET NOT NULL'; END $$;"),
	    "", "statements inside dollar-quoted bodies");
	is_str(lint("u.sql", "SELECT $q$ $$ not the end $$ $q$;\nCREATE INDEX i ON t (a);"),
	    "2 index-not-concurrent", "nested dollar tags; the next statement is seen");
	is_str(lint("u.sql", "SELECT 1;\n\n-- comment\n/* a\n   b */\n"
	    "ALTER TABLE t\n  ADD COLUMN a int,\n  ALTER COLUMN b TYPE text;"),
	    "8 alter-type", "line of the action after comments and blank lines");
	is_str(lint("u.sql", "SELECT \"CREATE INDEX i ON t (a)\" FROM x;"),
	    "", "quoted identifier");
	is_str(lint("u.sql", "SELECT $1, 'a''b'; CREATE INDEX i ON t (a);"),
	    "1 index-not-concurrent", "two statements on one line, doubled quote");
	is_str(lint("u.sql", "\xef\xbb\xbf" "CREATE INDEX i ON t (a);\r\nCREATE INDEX j ON t (b);\r\n"),
	    "1 index-not-concurrent;2 index-not-concurrent", "BOM and CRLF");
	like(lint("u.sql", "SELECT 'unterminated;\n"), "ERROR: u.sql:1:",
	    "an unterminated string cannot be linted");
}

/* -- mcpdb:lint-ignore RULE REASON, before or inside a statement. */
static void
test_ignore(void)
{
	struct miglint	l;
	struct mc_err	err;
	const char	*sql = "-- mcpdb:lint-ignore alter-type the table has 10 rows\n"
	    "ALTER TABLE t ALTER a TYPE bigint;\n";

	is_str(lint("u.sql", sql), "", "ignore comment before the statement");
	miglint_init(&l);
	miglint_text(&l, "u.sql", sql, strlen(sql), &err);
	is_int((long long)l.nignored, 1, "counted as ignored");
	miglint_done(&l);
	is_str(lint("u.sql", "ALTER TABLE t -- mcpdb:lint-ignore set-not-null,alter-type tiny\n"
	    "  ALTER a TYPE bigint, ALTER a SET NOT NULL;"),
	    "", "two rules ignored inside the statement");
	is_str(lint("u.sql", "-- mcpdb:lint-ignore set-not-null tiny table\n"
	    "ALTER TABLE t ALTER a TYPE bigint;"),
	    "2 alter-type", "ignoring another rule silences nothing");
	is_str(lint("u.sql", "-- mcpdb:lint-ignore alter-type tiny\nSELECT 1;\n"
	    "ALTER TABLE t ALTER a TYPE bigint;"),
	    "3 alter-type", "an ignore applies to the next statement only");
	is_str(lint("u.sql", "-- mcpdb:lint-ignore alter-type\nALTER TABLE t ALTER a TYPE bigint;"),
	    "1 lint-ignore;2 alter-type", "an ignore without a reason is refused");
	is_str(lint("u.sql", "-- mcpdb:lint-ignore alter-typo tiny\nALTER TABLE t ALTER a TYPE bigint;"),
	    "1 lint-ignore;2 alter-type", "an unknown rule is refused");
	is_str(lint("u.sql", "SELECT '-- mcpdb:lint-ignore alter-type x';\n"
	    "ALTER TABLE t ALTER a TYPE bigint;"),
	    "2 alter-type", "an ignore inside a string is not an ignore");
}

/* Context across files, the .mcpdb-lint file, format and unreadable files. */
static void
test_files(void)
{
	char		 dir[] = "/tmp/t-miglint.XXXXXX", *p, *line;
	struct miglint	 l;
	struct mc_err	 err;
	FILE		*fp;

	if (mkdtemp(dir) == NULL)
		bail_out("mkdtemp");
#define PUT(name, text) do {						\
	p = xasprintf("%s/%s", dir, name);				\
	if ((fp = fopen(p, "w")) == NULL)				\
		bail_out("cannot write %s", p);				\
	fputs(text, fp);						\
	fclose(fp);							\
	free(p);							\
} while (0)
	PUT("0001_a.up.sql", "ALTER TABLE t ADD CONSTRAINT t_a_nn CHECK (a IS NOT NULL) NOT VALID;\n");
	PUT("0001_a.down.sql", "ALTER TABLE t DROP CONSTRAINT IF EXISTS t_a_nn;\n");
	PUT("0002_b.up.sql", "ALTER TABLE t VALIDATE CONSTRAINT t_a_nn;\n");
	PUT("0002_b.down.sql", "SELECT 1;\n");
	PUT("0003_c.up.sql", "SELECT 1;\n\nALTER TABLE t ALTER a SET NOT NULL;\n");
	PUT("0003_c.down.sql", "DROP TABLE x;\n");
	PUT("notes.txt", "CREATE INDEX i ON t (a);\n");
	miglint_init(&l);
	ok(miglint_dir(&l, dir, &err) == 0, "lint a directory");
	is_int((long long)l.nfiles, 6, "six .sql files (notes.txt skipped)");
	is_int((long long)l.n, 1, "one finding: the plain DROP of the down");
	if (l.n > 0) {
		line = miglint_format(&l.v[0]);
		p = xasprintf("%s/0003_c.down.sql:1: drop-if-exists: DROP TABLE without IF "
		    "EXISTS", dir);
		like(line, p, "file:line: rule: what");
		like(line, "; instead: DROP ... IF EXISTS", "the safer form");
		free(p);
		free(line);
	} else
		skip(2, "no finding");
	miglint_done(&l);

	PUT(".mcpdb-lint", "# ours\ndrop-if-exists downs are transactional; a plain DROP fails loudly\n");
	miglint_init(&l);
	ok(miglint_dir(&l, dir, &err) == 0 && l.n == 0,
	    ".mcpdb-lint silences a rule for the directory");
	miglint_done(&l);
	PUT(".mcpdb-lint", "drop-if-exists\n");
	miglint_init(&l);
	ok(miglint_dir(&l, dir, &err) == -1, ".mcpdb-lint: a rule without a reason is refused");
	like(err.msg, ".mcpdb-lint:1: say why", "naming file and line");
	miglint_done(&l);
	PUT(".mcpdb-lint", "drop-if-exist x\n");
	miglint_init(&l);
	ok(miglint_dir(&l, dir, &err) == -1, ".mcpdb-lint: an unknown rule is refused");
	miglint_done(&l);

	miglint_init(&l);
	p = xasprintf("%s/missing.sql", dir);
	ok(miglint_file(&l, p, &err) == -1, "a missing file is an error");
	like(err.msg, "missing.sql: cannot read", "naming the file");
	free(p);
	miglint_done(&l);

	p = xasprintf("rm -rf '%s'", dir);
	if (system(p) != 0)
		diag("could not remove %s", dir);
	free(p);
#undef PUT
}

/* The repository's own migrations lint clean (with their .mcpdb-lint). */
static void
test_repo(void)
{
	const char	*src = getenv("MCPDB_SRCDIR");
	char		*dir = xasprintf("%s/migrations", src ? src : "..");
	struct miglint	 l;
	struct mc_err	 err;
	struct timespec	 a, b;
	size_t		 i;
	char		*line;

	miglint_init(&l);
	clock_gettime(CLOCK_MONOTONIC, &a);
	ok(miglint_dir(&l, dir, &err) == 0, "lint %s", dir);
	clock_gettime(CLOCK_MONOTONIC, &b);
	is_int((long long)l.n, 0, "the shipped migrations lint clean");
	for (i = 0; i < l.n; i++) {
		line = miglint_format(&l.v[i]);
		diag("%s", line);
		free(line);
	}
	diag("%zu files, %zu statements in %.1f ms", l.nfiles, l.nstmts,
	    (double)(b.tv_sec - a.tv_sec) * 1e3 + (double)(b.tv_nsec - a.tv_nsec) / 1e6);
	miglint_done(&l);
	free(dir);
}

int
main(void)
{
	test_rules();
	test_lexing();
	test_ignore();
	test_files();
	test_repo();
	return (done_testing());
}
