/* t-migfile.c - unit tests for migration file parsing, hashing, splitting and diffs. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "migfile.h"
#include "tap.h"
#include "xmem.h"

/* Write text to dir/name. */
static void
put(const char *dir, const char *name, const char *text)
{
	char	*p = xasprintf("%s/%s", dir, name);
	FILE	*fp = fopen(p, "wb");

	if (fp == NULL)
		bail_out("cannot write %s", p);
	fputs(text, fp);
	fclose(fp);
	free(p);
}

/* Split sql and return the number of statements (-1 on error, msg in err). */
static int
nsplit(const char *sql, struct mig_stmt **st, struct mc_err *err)
{
	size_t	n;

	if (mig_split("f.sql", sql, strlen(sql), st, &n, err) == -1)
		return (-1);
	return ((int)n);
}

/* The text of statement i as a static string. */
static const char *
stext(const char *sql, const struct mig_stmt *st, int i)
{
	static char	buf[512];

	snprintf(buf, sizeof(buf), "%.*s", (int)st[i].len, sql + st[i].off);
	return (buf);
}

/* Load the fixture dir case (under MCPDB_SRCDIR) and return the set or NULL. */
static struct mig_set *
fixture(const char *name, char **problems, struct mc_err *err)
{
	const char	*src = getenv("MCPDB_SRCDIR");
	char		*dir;
	struct mig_set	*set;

	dir = xasprintf("%s/tests/fixtures/migrations/%s", src ? src : "..", name);
	set = migset_load(dir, 0, problems, err);
	free(dir);
	return (set);
}

/* Names, versions, durations. */
static void
test_names(void)
{
	struct mc_err	 err = { 0 };
	long long	 v;
	char		*desc = NULL;
	bool		 up;
	int		 ms;

	ok(mig_parse_name("0003_add_users.up.sql", &v, &desc, &up, &err) == 0 &&
	    v == 3 && up && strcmp(desc, "add_users") == 0, "up name parsed");
	free(desc);
	ok(mig_parse_name("12_x-y.down.sql", &v, &desc, &up, &err) == 0 &&
	    v == 12 && !up && strcmp(desc, "x-y") == 0, "down name parsed");
	free(desc);
	ok(mig_parse_name("0003-add.up.sql", &v, &desc, &up, &err) == -1, "dash instead of _ refused");
	like(err.msg, "0003-add.up.sql: bad migration file name", "message names the file");
	ok(mig_parse_name("0003_add.sql", &v, &desc, &up, &err) == -1, "no up/down refused");
	ok(mig_parse_name("0003_.up.sql", &v, &desc, &up, &err) == -1, "empty description refused");
	ok(mig_parse_name("0003_a b.up.sql", &v, &desc, &up, &err) == -1, "space refused");
	ok(mig_parse_name("0000_a.up.sql", &v, &desc, &up, &err) == -1, "version 0 refused");
	ok(mig_parse_name("1234567890123456789_a.up.sql", &v, &desc, &up, &err) == -1,
	    "19 digits refused");
	ok(mig_parse_version("0007", &v, &err) == 0 && v == 7, "version 0007");
	ok(mig_parse_version("0007_name", &v, &err) == 0 && v == 7, "version from an id");
	ok(mig_parse_version("x7", &v, &err) == -1 && err.code == MC_E_USAGE, "junk version refused");
	ok(mig_parse_duration("250ms", &ms, &err) == 0 && ms == 250, "250ms");
	ok(mig_parse_duration("2s", &ms, &err) == 0 && ms == 2000, "2s");
	ok(mig_parse_duration("5min", &ms, &err) == 0 && ms == 300000, "5min");
	ok(mig_parse_duration("1h", &ms, &err) == 0 && ms == 3600000, "1h");
	ok(mig_parse_duration("1500", &ms, &err) == 0 && ms == 1500, "bare number is ms");
	ok(mig_parse_duration("2 s", &ms, &err) == -1, "space refused");
	ok(mig_parse_duration("99999999h", &ms, &err) == -1, "overflow refused");
}

/* Normal form and checksum. */
static void
test_checksum(void)
{
	const char	*lf = "CREATE TABLE t (id int);\nSELECT 1;\n";
	const char	*crlf = "\xef\xbb\xbf" "CREATE TABLE t (id int);\r\nSELECT 1;\r\n\r\n";
	const char	*edited = "CREATE TABLE t (id bigint);\nSELECT 1;\n";
	char		*n1, *n2, *n3, s1[65], s2[65], s3[65];
	size_t		 l1, l2, l3;

	n1 = mig_normalise(lf, strlen(lf), &l1);
	n2 = mig_normalise(crlf, strlen(crlf), &l2);
	n3 = mig_normalise(edited, strlen(edited), &l3);
	is_str(n2, lf, "BOM, CRLF and trailing blank lines normalised away");
	mig_sha256_hex(n1, l1, s1);
	mig_sha256_hex(n2, l2, s2);
	mig_sha256_hex(n3, l3, s3);
	is_str(s1, s2, "CRLF-only change keeps the checksum");
	ok(strcmp(s1, s3) != 0, "an edit changes the checksum");
	mig_sha256_hex("abc", 3, s1);
	is_str(s1, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
	    "SHA-256 known answer");
	free(n1);
	free(n2);
	free(n3);
	n1 = mig_normalise("a\rb", 3, &l1);
	is_str(n1, "a\nb\n", "lone CR becomes LF");
	free(n1);
}

/* Statement splitting. */
static void
test_split(void)
{
	struct mig_stmt	*st = NULL;
	struct mc_err	 err = { 0 };
	const char	*sql;

	sql = "SELECT 1; SELECT 'a;b';\nSELECT \"x;y\" FROM t; -- c;\nSELECT 2";
	is_int(nsplit(sql, &st, &err), 4, "four statements");
	is_str(stext(sql, st, 1), "SELECT 'a;b';", "semicolon inside a string");
	is_str(stext(sql, st, 2), "SELECT \"x;y\" FROM t;", "semicolon in a quoted identifier");
	is_str(stext(sql, st, 3), "SELECT 2", "last statement without ;");
	is_int(st[3].line, 3, "line of the last statement");
	free(st);

	sql = "DO $f$ BEGIN PERFORM 1; END $f$;\nSELECT $$a;$$ || $x$b$$c$x$;";
	is_int(nsplit(sql, &st, &err), 2, "dollar quotes with tags");
	free(st);

	sql = "SELECT E'it\\'s;' ; SELECT 'it''s;';";
	is_int(nsplit(sql, &st, &err), 2, "E'' backslash escapes and doubled quotes");
	free(st);

	sql = "/* a; /* nested; */ still; */ SELECT 1; SELECT (1;\n2);";
	is_int(nsplit(sql, &st, &err), 2, "nested comments and parentheses");
	is_str(stext(sql, st, 0), "SELECT 1;", "comment before a statement is not part of it");
	free(st);

	sql = "CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC\n"
	    "  SELECT CASE WHEN true THEN 1 END;\n  SELECT 2;\nEND;\nSELECT 3;";
	is_int(nsplit(sql, &st, &err), 2, "BEGIN ATOMIC body kept whole");
	free(st);

	sql = "SELECT a$b, $1 FROM t;";
	is_int(nsplit(sql, &st, &err), 1, "$ inside identifiers and parameters");
	free(st);

	sql = "-- only a comment\n\n/* and another */\n";
	is_int(nsplit(sql, &st, &err), 0, "comments only: no statement");
	free(st);

	sql = "SELECT 1;\nSELECT 'oops;\n";
	is_int(nsplit(sql, &st, &err), -1, "unterminated string refused");
	is_str(err.msg, "f.sql:2:8: unterminated quoted string", "where the string starts");
	sql = "SELECT 1;\n\n  SELECT $x$ abc $y$;";
	is_int(nsplit(sql, &st, &err), -1, "unterminated dollar quote refused");
	is_str(err.msg, "f.sql:3:10: unterminated dollar-quoted string", "where the quote starts");
	sql = "SELECT 1;\n\\i other.sql\n";
	is_int(nsplit(sql, &st, &err), -1, "psql meta-command refused");
	like(err.msg, "f.sql:2:1: psql meta-commands", "names line 2");
}

/* Splitting is linear: 30000 statements split fast (it once took seconds). */
static void
test_split_big(void)
{
	struct mig_stmt	*st = NULL;
	struct mc_err	 err = { 0 };
	struct timespec	 a, b;
	size_t		 i, n, len = 30000 * 40;
	char		*sql = xmalloc(len + 1), *p = sql;
	double		 secs;

	for (i = 0; i < 30000; i++)
		p += sprintf(p, "INSERT INTO t VALUES (%6zu, 'x;y');\n", i);
	clock_gettime(CLOCK_MONOTONIC, &a);
	ok(mig_split("big.sql", sql, (size_t)(p - sql), &st, &n, &err) == 0 && n == 30000,
	    "30000 statements");
	clock_gettime(CLOCK_MONOTONIC, &b);
	secs = (double)(b.tv_sec - a.tv_sec) + (b.tv_nsec - a.tv_nsec) / 1e9;
	ok(secs < 2.0, "split in %.3f s (linear, not quadratic)", secs);
	ok(n == 30000 && st[29999].line == 30000 && st[29999].col == 1, "last statement on line 30000");
	free(st);
	free(sql);
}

/* Error position mapping. */
static void
test_position(void)
{
	const char	*sql = "SELECT 1;\n-- x\nSELECT 'é',\n  nope;";
	struct mig_stmt	*st;
	struct mc_err	 err = { 0 };
	int		 line, col;

	is_int(nsplit(sql, &st, &err), 2, "two statements");
	/* "nope" is character 15 of the second statement (é counts once) */
	mig_position(sql, &st[1], 15, &line, &col);
	ok(line == 4 && col == 3, "position maps to 4:3 (got %d:%d)", line, col);
	mig_position(sql, &st[1], 0, &line, &col);
	ok(line == 3 && col == 1, "no position: statement start (got %d:%d)", line, col);
	free(st);
}

/* Directives and statement checks. */
static void
test_script(void)
{
	struct mig_script	 sc;
	struct mc_err		 err = { 0 };
	const char		*t;

	t = "-- mcpdb:no-transaction\n-- mcpdb:lock_timeout=2s\n"
	    "--mcpdb:statement_timeout=1min\nCREATE INDEX CONCURRENTLY i ON t (a);\n";
	ok(mig_script_parse(&sc, "x.up.sql", t, strlen(t), &err) == 0, "directives parse: %s", err.msg);
	ok(sc.no_tx && sc.lock_timeout_ms == 2000 && sc.statement_timeout_ms == 60000,
	    "no-transaction, lock_timeout and statement_timeout read");
	mig_script_done(&sc);

	t = "CREATE INDEX CONCURRENTLY i ON t (a);\n";
	ok(mig_script_parse(&sc, "x.up.sql", t, strlen(t), &err) == -1,
	    "CONCURRENTLY in a transactional file refused");
	like(err.msg, "x.up.sql:1:1: this statement cannot run inside a transaction", "says why");
	like(err.msg, "mcpdb:no-transaction", "and names the directive");
	mig_script_done(&sc);

	t = "SELECT 1;\n  COMMIT;\n";
	ok(mig_script_parse(&sc, "x.up.sql", t, strlen(t), &err) == -1, "COMMIT refused");
	like(err.msg, "x.up.sql:2:3: transaction control", "names line and column");
	mig_script_done(&sc);

	t = "SAVEPOINT a; SELECT 1; ROLLBACK TO a;";
	ok(mig_script_parse(&sc, "x.up.sql", t, strlen(t), &err) == 0, "savepoints are fine");
	mig_script_done(&sc);

	t = "-- mcpdb:no-transction\nSELECT 1;";
	ok(mig_script_parse(&sc, "x.up.sql", t, strlen(t), &err) == -1, "typo in directive refused");
	like(err.msg, "x.up.sql:1:1: unknown directive \"mcpdb:no-transction\"", "names it");
	mig_script_done(&sc);

	t = "SELECT 1;\n-- mcpdb:no-transaction\n";
	ok(mig_script_parse(&sc, "x.up.sql", t, strlen(t), &err) == -1, "late directive refused");
	like(err.msg, "x.up.sql:2:1: mcpdb directives belong", "names line 2");
	mig_script_done(&sc);

	t = "-- mcpdb:lock_timeout=soon\nSELECT 1;";
	ok(mig_script_parse(&sc, "x.up.sql", t, strlen(t), &err) == -1, "bad duration refused");
	like(err.msg, "lock_timeout: bad duration \"soon\"", "says which");
	mig_script_done(&sc);
}

/* Directory loading: fixtures. */
static void
test_dirs(void)
{
	struct mig_set	*set;
	struct mc_err	 err = { 0 };
	char		*probs = NULL, v[24];

	set = fixture("good", &probs, &err);
	ok(set != NULL, "good fixtures load: %s", set ? "" : err.msg);
	if (set != NULL) {
		is_int((long long)set->n, 4, "four migrations");
		is_str(set->files[2].id, "0003_email_lower_index", "ids in version order");
		ok(set->files[2].up.no_tx && set->files[2].up.lock_timeout_ms == 2000,
		    "0003 is no-transaction with lock_timeout 2s");
		is_int((long long)set->files[0].up.nstmts, 4, "0001 has 4 statements");
		is_int((long long)set->files[3].up.nstmts, 5, "0004 has 5 statements (BEGIN ATOMIC)");
		ok(migset_find(set, 2) == &set->files[1], "find by version");
		ok(migset_find(set, 9) == NULL, "unknown version");
		is_str(migset_vfmt(set, 12, v, sizeof(v)), "0012", "versions print with 4 digits");
	}
	migset_free(set);

	set = fixture("missing_down", &probs, &err);
	ok(set == NULL, "missing down refused");
	like(err.msg, "0001_create_users.up.sql: no down file (expected ", "names the file");
	free(probs);
	set = fixture("dup_version", &probs, &err);
	ok(set == NULL, "duplicate version refused");
	like(err.msg, ": duplicate version 1 (also ", "says duplicate version");
	free(probs);
	set = fixture("bad_name", &probs, &err);
	ok(set == NULL, "bad name refused");
	like(err.msg, "0002-add-email.down.sql: bad migration file name", "names the file");
	like(err.msg, "(and 1 more problem)", "counts the other problem");
	like(probs, "0002-add-email.up.sql: bad migration file name", "every problem listed");
	free(probs);
	set = fixture("empty_file", &probs, &err);
	ok(set == NULL, "empty file refused");
	like(err.msg, "0002_todo.up.sql: empty file", "names the file");
	free(probs);
	set = fixture("nonexistent_dir", NULL, &err);
	ok(set == NULL && err.code == MC_E_SYS, "missing directory is an error");
}

/* Loading from a temp dir: names only, CRLF, mixed digits. */
static void
test_tmpdir(void)
{
	char		 tmpl[] = "/tmp/t-migfile.XXXXXX", *dir, *cmd;
	struct mig_set	*set;
	struct mc_err	 err = { 0 };
	char		*probs;

	if ((dir = mkdtemp(tmpl)) == NULL)
		bail_out("mkdtemp");
	put(dir, "1_a.up.sql", "SELECT 1;\r\n");
	put(dir, "1_a.down.sql", "SELECT 2;\r\n");
	put(dir, "README.md", "not a migration");
	put(dir, ".0002_hidden.up.sql", "ignored");
	set = migset_load(dir, 0, &probs, &err);
	ok(set != NULL && set->n == 1, "non-.sql and hidden files ignored");
	if (set != NULL)
		ok(strchr(set->files[0].up.sql, '\r') == NULL, "CR removed from the text that runs");
	migset_free(set);
	put(dir, "0001_a.up.sql", "SELECT 1;");
	put(dir, "0001_a.down.sql", "SELECT 1;");
	set = migset_load(dir, 0, &probs, &err);
	ok(set == NULL, "1_a and 0001_a are the same version");
	like(err.msg, "duplicate version 1", "reported as duplicate");
	free(probs);
	set = migset_load(dir, MIGSET_NAMES_ONLY, NULL, &err);
	ok(set == NULL, "names-only still sees duplicates");
	cmd = xasprintf("rm -f %s/*.sql %s/README.md", dir, dir);
	if (system(cmd) != 0)
		diag("could not empty %s", dir);
	free(cmd);
	set = migset_load(dir, 0, NULL, &err);
	ok(set != NULL && set->n == 0, "an empty directory is an empty set, not an error");
	migset_free(set);
	cmd = xasprintf("rm -rf %s", dir);
	if (system(cmd) != 0)
		diag("could not remove %s", dir);
	free(cmd);
}

/* Stream sub-directories: found sorted, hidden ones ignored, bad ones named. */
static void
test_streams(void)
{
	char		 tmpl[] = "/tmp/t-migfile.XXXXXX", *dir, *cmd, *p;
	char		**names;
	size_t		 n;
	struct mc_err	 err = { 0 };
	struct mig_set	*set;

	ok(mig_stream_name_ok("analytics") && mig_stream_name_ok("a_1"),
	    "[a-z0-9_]+ is a stream name");
	ok(!mig_stream_name_ok("") && !mig_stream_name_ok("Bad") &&
	    !mig_stream_name_ok("a-b") && !mig_stream_name_ok("a.b"),
	    "empty, upper case, '-' and '.' are not");
	ok(!mig_stream_name_ok(MIG_STREAM_DEFAULT) && mig_stream_name_ok("defaults"),
	    "\"default\" is not (it names the top-level files), \"defaults\" is");
	if ((dir = mkdtemp(tmpl)) == NULL)
		bail_out("mkdtemp");
	ok(migset_streams(dir, &names, &n, &err) == 0 && n == 0 && names == NULL,
	    "a flat directory has no streams");
	put(dir, "0001_a.up.sql", "SELECT 1;");
	put(dir, "0001_a.down.sql", "SELECT 1;");
	cmd = xasprintf("mkdir %s/platform %s/analytics %s/.git", dir, dir, dir);
	if (system(cmd) != 0)
		bail_out("mkdir");
	free(cmd);
	ok(migset_streams(dir, &names, &n, &err) == 0 && n == 2 &&
	    strcmp(names[0], "analytics") == 0 && strcmp(names[1], "platform") == 0,
	    "streams listed in name order, hidden directory ignored");
	migstreams_free(names, n);
	set = migset_load(dir, 0, NULL, &err);
	ok(set != NULL && set->n == 1, "the top level still loads as the flat set");
	migset_free(set);
	cmd = xasprintf("mkdir %s/analytics/deeper", dir);
	if (system(cmd) != 0)
		bail_out("mkdir");
	free(cmd);
	ok(migset_streams(dir, &names, &n, &err) == -1, "a nested directory is refused");
	p = xasprintf("%s/analytics/deeper: a migration stream holds files only", dir);
	like(err.msg, p, "naming the nested directory");
	free(p);
	cmd = xasprintf("rmdir %s/analytics/deeper && mkdir %s/Bad-Name", dir, dir);
	if (system(cmd) != 0)
		bail_out("mkdir");
	free(cmd);
	ok(migset_streams(dir, &names, &n, &err) == -1 && err.code == MC_E_INPUT,
	    "a badly named directory is refused");
	p = xasprintf("%s/Bad-Name: not a stream name", dir);
	like(err.msg, p, "naming it");
	free(p);
	ok(strchr(err.msg, '\n') == NULL, "in one line");
	cmd = xasprintf("rm -rf %s", dir);
	if (system(cmd) != 0)
		diag("could not remove %s", dir);
	free(cmd);
}

/* Unified diff. */
static void
test_diff(void)
{
	char	*d;

	ok(mig_diff("a\nb\n", "a\nb\n", "x", "y") == NULL, "equal texts: no diff");
	d = mig_diff("1\n2\n3\n4\n5\n6\n7\n8\n9\n", "1\n2\n3\n4\nfive\n6\n7\n8\n9\n",
	    "applied", "file");
	is_str(d, "--- applied\n+++ file\n@@ -2,7 +2,7 @@\n 2\n 3\n 4\n-5\n+five\n 6\n 7\n 8\n",
	    "one changed line with 3 lines of context");
	free(d);
	d = mig_diff("a\n", "a\nb\n", "x", "y");
	is_str(d, "--- x\n+++ y\n@@ -1,1 +1,2 @@\n a\n+b\n", "appended line");
	free(d);
	d = mig_diff("", "a\n", "x", "y");
	is_str(d, "--- x\n+++ y\n@@ -0,0 +1,1 @@\n+a\n", "from empty");
	free(d);
}

/* Expand sql with app_role=svc_prod, schema=billing; NULL on error. */
static char *
xp(const char *sql, size_t *nused, struct mc_err *err)
{
	static char *const	names[] = { "app_role", "schema", NULL };
	static char *const	values[] = { "svc_prod", "billing", NULL };
	struct mig_vars		vars = { names, values, 2, "targets.t.migrate.placeholders" };
	size_t			n, u;

	return (mig_expand("x.up.sql", sql, strlen(sql), &vars, &n,
	    nused != NULL ? nused : &u, err));
}

/* Placeholders: every rule of migfile.h. */
static void
test_placeholders(void)
{
	struct mc_err	 err = { 0 };
	char		*x, *probs = NULL, tmpl[] = "/tmp/t-migfile.XXXXXX", *dir, *cmd;
	size_t		 u;
	struct mig_set	*set;
	static char *const	names[] = { "app_role", NULL };
	static char *const	v1[] = { "svc_a", NULL };
	static char *const	v2[] = { "svc_b", NULL };
	static char *const	v3[] = { "CONCURRENTLY i", NULL };
	struct mig_vars	 vars = { names, v1, 1, "targets.a.migrate.placeholders" };
	char		 sum[MIG_SUM_LEN + 1];

	x = xp("GRANT SELECT ON t TO ${app_role};", &u, &err);
	is_str(x, "GRANT SELECT ON t TO svc_prod;", "SQL text: expanded");
	is_int((long long)u, 1, "one placeholder counted");
	free(x);
	x = xp("CREATE SCHEMA ${schema}; CREATE TABLE ${schema}.t_${schema} (a int);", &u, &err);
	is_str(x, "CREATE SCHEMA billing; CREATE TABLE billing.t_billing (a int);",
	    "several, also glued to an identifier");
	is_int((long long)u, 3, "three counted");
	free(x);
	x = xp("SELECT '${app_role}', E'\\'${schema}\\'', \"${schema}\";", NULL, &err);
	is_str(x, "SELECT 'svc_prod', E'\\'billing\\'', \"billing\";",
	    "'' strings, E'' strings and \"\" identifiers: expanded");
	free(x);
	x = xp("SELECT '$${app_role}', \"$${schema}\";", NULL, &err);
	is_str(x, "SELECT '${app_role}', \"${schema}\";", "$${NAME} in a string: the literal text");
	free(x);
	x = xp("-- grant to ${app_role}\n/* ${schema} /* ${nope} */ */ SELECT 1;", &u, &err);
	is_str(x, "-- grant to ${app_role}\n/* ${schema} /* ${nope} */ */ SELECT 1;",
	    "comments: never expanded (undefined names there are no error)");
	is_int((long long)u, 0, "none counted");
	free(x);
	x = xp("CREATE FUNCTION f() RETURNS text AS $$ SELECT '${app_role}' $$ LANGUAGE sql;\n"
	    "DO $b$ BEGIN RAISE NOTICE '${nope}'; END $b$;", &u, &err);
	is_str(x, "CREATE FUNCTION f() RETURNS text AS $$ SELECT '${app_role}' $$ LANGUAGE sql;\n"
	    "DO $b$ BEGIN RAISE NOTICE '${nope}'; END $b$;", "dollar-quoted bodies: never expanded");
	is_int((long long)u, 0, "none counted in bodies");
	free(x);
	x = xp("SELECT $1, '${1}', '${ app_role}', 'a$b', foo$bar$;", &u, &err);
	is_str(x, "SELECT $1, '${1}', '${ app_role}', 'a$b', foo$bar$;",
	    "other $ forms left as written");
	is_int((long long)u, 0, "not placeholders");
	free(x);
	x = xp("SELECT 1;\nGRANT ALL ON t\n  TO ${app_rol};", NULL, &err);
	ok(x == NULL && err.code == MC_E_INPUT, "undefined placeholder refused");
	like(err.msg, "x.up.sql:3:6: placeholder ${app_rol} is not defined", "names file:line:col and it");
	like(err.msg, "targets.t.migrate.placeholders", "and where to define it");
	x = xp("SELECT 'a',\n'${missing}';", NULL, &err);
	ok(x == NULL, "undefined in a string refused");
	like(err.msg, "x.up.sql:2:2: placeholder ${missing}", "line 2 column 2 (the $)");

	/* a set: the checksum is the file's, the text is expanded, statements re-split */
	if ((dir = mkdtemp(tmpl)) == NULL)
		bail_out("mkdtemp");
	put(dir, "0001_g.up.sql", "GRANT USAGE ON SCHEMA public TO ${app_role};\nSELECT '${app_role};x';\n");
	put(dir, "0001_g.down.sql", "REVOKE USAGE ON SCHEMA public FROM ${app_role};\n");
	set = migset_load(dir, 0, &probs, &err);
	ok(set != NULL, "set with placeholders loads: %s", set ? "" : err.msg);
	if (set != NULL) {
		memcpy(sum, set->files[0].up.sum, sizeof(sum));
		ok(migset_expand(set, &vars, &probs, &err) == 0, "expands: %s", err.msg);
		is_str(set->files[0].up.sql,
		    "GRANT USAGE ON SCHEMA public TO svc_a;\nSELECT 'svc_a;x';\n", "up expanded");
		is_str(set->files[0].down.sql, "REVOKE USAGE ON SCHEMA public FROM svc_a;\n",
		    "down expanded");
		is_int((long long)set->files[0].up.nstmts, 2, "two statements after expansion");
		is_int((long long)set->files[0].up.nexpanded, 2, "two placeholders replaced");
		is_str(set->files[0].up.sum, sum, "checksum: the file as written");
	}
	migset_free(set);
	set = migset_load(dir, 0, &probs, &err);
	vars.values = v2;
	if (set != NULL) {
		ok(migset_expand(set, &vars, &probs, &err) == 0, "another value expands");
		is_str(set->files[0].up.sum, sum, "same checksum with another value");
		like(set->files[0].up.sql, "TO svc_b;", "with the other value");
	}
	migset_free(set);
	vars.n = 0;
	set = migset_load(dir, 0, &probs, &err);
	if (set != NULL) {
		ok(migset_expand(set, &vars, &probs, &err) == -1, "undefined in a set refused");
		like(err.msg, "0001_g.up.sql:1:33: placeholder ${app_role} is not defined",
		    "first problem named");
		like(err.msg, "(and 1 more problem)", "the down counted too");
		like(probs, "0001_g.down.sql:1:36: placeholder ${app_role}", "every problem listed");
		free(probs);
	}
	migset_free(set);
	vars.n = 1;
	put(dir, "0001_g.up.sql", "CREATE INDEX ${app_role} ON t (a);\n");
	vars.values = v3;
	set = migset_load(dir, 0, &probs, &err);
	if (set != NULL) {
		ok(migset_expand(set, &vars, &probs, &err) == -1,
		    "expanded text checked again (CONCURRENTLY in a transaction)");
		like(err.msg, "after placeholders were expanded", "says so");
		free(probs);
	}
	migset_free(set);
	cmd = xasprintf("rm -rf %s", dir);
	if (system(cmd) != 0)
		diag("could not remove %s", dir);
	free(cmd);
}

/* Repeatable migrations: names, loading, refusals. */
static void
test_repeatables(void)
{
	char		 tmpl[] = "/tmp/t-migfile.XXXXXX", *dir, *cmd, *desc = NULL;
	struct mig_set	*set;
	struct mc_err	 err = { 0 };
	char		*probs = NULL;

	ok(mig_parse_rep_name("R_views.sql", &desc, &err) == 1 &&
	    strcmp(desc, "views") == 0, "R_views.sql is a repeatable named views");
	free(desc);
	ok(mig_parse_rep_name("R__views.sql", &desc, &err) == 1 &&
	    strcmp(desc, "views") == 0, "Flyway's R__views.sql too");
	free(desc);
	ok(mig_parse_rep_name("0001_a.up.sql", &desc, &err) == 0, "a versioned name is not one");
	ok(mig_parse_rep_name("R_v.down.sql", &desc, &err) == -1, "R_v.down.sql refused");
	like(err.msg, "no .up/.down (it has no rollback)", "... saying a repeatable has no down");
	ok(mig_parse_rep_name("R_a b.sql", &desc, &err) == -1, "space refused");
	ok(mig_parse_rep_name("R_.sql", &desc, &err) == -1, "empty description refused");

	if ((dir = mkdtemp(tmpl)) == NULL)
		bail_out("mkdtemp");
	put(dir, "0001_a.up.sql", "SELECT 1;");
	put(dir, "0001_a.down.sql", "SELECT 2;");
	put(dir, "R_zz.sql", "CREATE OR REPLACE VIEW zz AS SELECT 1;\r\n");
	put(dir, "R__aa.sql", "CREATE OR REPLACE VIEW aa AS SELECT ${x};");
	set = migset_load(dir, 0, &probs, &err);
	ok(set != NULL && set->n == 1 && set->nreps == 2, "one versioned, two repeatables, no down needed");
	if (set != NULL && set->nreps == 2) {
		struct mig_vars	 vars = { (char *const[]){ "x" }, (char *const[]){ "42" },
				    1, "t" };
		char		 sum[MIG_SUM_LEN + 1];

		is_str(set->reps[0].id, "R_aa", "sorted by description, id R_name");
		ok(migset_find_rep(set, "zz") == &set->reps[1], "found by name");
		ok(strchr(set->reps[1].sc.sql, '\r') == NULL, "normalised like versioned files");
		mig_sha256_hex("CREATE OR REPLACE VIEW zz AS SELECT 1;\n", 39, sum);
		is_str(set->reps[1].sc.sum, sum, "checksum of the normal form");
		memcpy(sum, set->reps[0].sc.sum, sizeof(sum));
		ok(migset_expand(set, &vars, NULL, &err) == 0 &&
		    strstr(set->reps[0].sc.sql, "SELECT 42;") != NULL,
		    "placeholders expand in repeatables");
		is_str(set->reps[0].sc.sum, sum, "... the checksum stays the file's");
	}
	migset_free(set);
	put(dir, "R_aa.sql", "SELECT 1;");
	set = migset_load(dir, 0, &probs, &err);
	ok(set == NULL, "R_aa.sql next to R__aa.sql refused");
	like(err.msg, "duplicate repeatable migration aa", "... as a duplicate");
	free(probs);
	cmd = xasprintf("rm -f %s/R_aa.sql", dir);
	if (system(cmd) != 0)
		diag("could not remove R_aa.sql");
	free(cmd);
	put(dir, "R_nt.sql", "-- mcpdb:no-transaction\nSELECT 1;");
	set = migset_load(dir, 0, &probs, &err);
	ok(set == NULL, "no-transaction in a repeatable refused");
	like(err.msg, "R_nt.sql: a repeatable migration always runs in one transaction",
	    "... naming the file");
	free(probs);
	put(dir, "R_nt.sql", "SELECT 'open;");
	set = migset_load(dir, 0, &probs, &err);
	ok(set == NULL, "unterminated quote in a repeatable refused");
	like(err.msg, "R_nt.sql:1:", "... naming file:line");
	free(probs);
	set = migset_load(dir, MIGSET_NAMES_ONLY, NULL, &err);
	ok(set != NULL && set->nreps == 3, "names only: repeatables listed, not read");
	migset_free(set);
	cmd = xasprintf("rm -rf %s", dir);
	if (system(cmd) != 0)
		diag("could not remove %s", dir);
	free(cmd);
}

int
main(void)
{
	test_names();
	test_repeatables();
	test_checksum();
	test_split();
	test_split_big();
	test_position();
	test_script();
	test_dirs();
	test_tmpdir();
	test_streams();
	test_diff();
	test_placeholders();
	return (done_testing());
}
