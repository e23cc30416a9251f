/*
 * t-seed.c - seed loading against a real server through the mcpdb binary:
 * foreign-key order, dry run, the ledger's no-op, idempotent upsert,
 * replace with confirmation, COPY escapes, and every bad seed fixture
 * (tests/fixtures/seeds/bad/<case>/expect holds the error it must print)
 * failing with its file:line and changing zero rows.
 *
 * Needs MCPDB_TEST_PGURL (a role that may CREATE DATABASE), MCPDB_BIN and
 * MCPDB_SRCDIR; creates its own database and drops it at the end.
 */
#include "config.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "buf.h"
#include "tap.h"
#include "xmem.h"

static PGconn	*db;		/* the test database */
static char	*conninfo;	/* for psql and mcpdb --pg */
static char	*srcdir, *bin;

/* Run a shell command; output (stdout+stderr) into out, returns exit status. */
static int
run(struct buf *out, const char *fmt, ...)
{
	va_list	 ap;
	char	*cmd, tmp[4096];
	FILE	*fp;
	size_t	 n;
	int	 st;

	va_start(ap, fmt);
	if (vasprintf(&cmd, fmt, ap) < 0)
		bail_out("vasprintf");
	va_end(ap);
	buf_reset(out);
	if ((fp = popen(cmd, "r")) == NULL)
		bail_out("popen %s", cmd);
	while ((n = fread(tmp, 1, sizeof(tmp), fp)) > 0)
		buf_append(out, tmp, n);
	st = pclose(fp);
	free(cmd);
	return (WIFEXITED(st) ? WEXITSTATUS(st) : 128);
}

/* One value of a query on the test database (static), or "ERR". */
static const char *
q1(const char *sql)
{
	static char	 v[1024];
	PGresult	*res = PQexec(db, sql);

	if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) < 1)
		snprintf(v, sizeof(v), "ERR %s", PQerrorMessage(db));
	else
		snprintf(v, sizeof(v), "%s", PQgetisnull(res, 0, 0) ? "NULL" : PQgetvalue(res, 0, 0));
	PQclear(res);
	return (v);
}

/* Row counts of the tables the fixtures touch, plus the ledger. Caller frees. */
static char *
counts(void)
{
	char	*s, *r, led[64];

	snprintf(led, sizeof(led), "%s", q1("SELECT pg_catalog.to_regclass('mcpdb.seed_loads') IS NOT NULL"));
	if (strcmp(led, "t") == 0)
		snprintf(led, sizeof(led), "%s", q1("SELECT count(*) FROM mcpdb.seed_loads"));
	else
		snprintf(led, sizeof(led), "none");
	s = xasprintf("%s", q1("SELECT (SELECT count(*) FROM code_quality.projects) || '/' || "
	    "(SELECT count(*) FROM code_quality.analysis_reports) || '/' || "
	    "(SELECT count(*) FROM code_quality.vulnerabilities) || '/' || "
	    "(SELECT count(*) FROM code_quality.metrics)"));
	r = xasprintf("%s ledger=%s", s, led);
	free(s);
	return (r);
}

/* mcpdb with the test database as target. */
static int
mcpdb(struct buf *out, const char *args)
{
	return (run(out, "'%s' --pg '%s' %s 2>&1", bin, conninfo, args));
}

/* Create a set with a 1 MiB line under dir/long-line. */
static void
make_long_line(const char *dir)
{
	char	*p;
	FILE	*fp;
	size_t	 i;

	p = xasprintf("%s/long-line", dir);
	mkdir(p, 0700);
	free(p);
	p = xasprintf("%s/long-line/seed.json", dir);
	if ((fp = fopen(p, "w")) == NULL)
		bail_out("cannot write %s", p);
	fputs("{ \"name\": \"long-line\", \"files\": [ { \"file\": \"code_quality.vulnerabilities.ndjson\", "
	    "\"table\": \"code_quality.vulnerabilities\" } ] }\n", fp);
	fclose(fp);
	free(p);
	p = xasprintf("%s/long-line/code_quality.vulnerabilities.ndjson", dir);
	if ((fp = fopen(p, "w")) == NULL)
		bail_out("cannot write %s", p);
	fputs("\n{\"title\": \"", fp);		/* a blank line 1 is skipped */
	for (i = 0; i < 1024 * 1024 + 10; i++)
		fputc('x', fp);
	fputs("\"}\n", fp);
	fclose(fp);
	free(p);
}

/* Create set "big" under dir: n metrics rows of project P1 (NDJSON). */
static void
make_big(const char *dir, long n)
{
	char	*p;
	FILE	*fp;
	long	 i;

	p = xasprintf("%s/big", dir);
	mkdir(p, 0700);
	free(p);
	p = xasprintf("%s/big/seed.json", dir);
	if ((fp = fopen(p, "w")) == NULL)
		bail_out("cannot write %s", p);
	fputs("{ \"name\": \"big\", \"files\": [ { \"file\": \"code_quality.metrics.ndjson\", "
	    "\"table\": \"code_quality.metrics\" } ] }\n", fp);
	fclose(fp);
	free(p);
	p = xasprintf("%s/big/code_quality.metrics.ndjson", dir);
	if ((fp = fopen(p, "w")) == NULL)
		bail_out("cannot write %s", p);
	for (i = 0; i < n; i++)
		fprintf(fp, "{\"project_id\":\"a0000000-0000-4000-8000-000000000001\",\"metric_name\":\"test_count\","
		    "\"value\":%ld,\"unit\":\"count\",\"metadata\":{\"i\":%ld}}\n", i, i);
	fclose(fp);
	free(p);
}

/* Apply migrations/NNNN_*.up.sql in order with psql. */
static void
migrate(void)
{
	struct dirent	**ents;
	struct buf	  out;
	char		 *dir = xasprintf("%s/migrations", srcdir);
	int		  n, i;

	buf_init(&out);
	n = scandir(dir, &ents, NULL, alphasort);
	if (n < 0)
		bail_out("cannot read %s", dir);
	for (i = 0; i < n; i++) {
		size_t	l = strlen(ents[i]->d_name);

		if (l > 7 && strcmp(ents[i]->d_name + l - 7, ".up.sql") == 0 &&
		    run(&out, "psql -X -q -v ON_ERROR_STOP=1 -1 -f '%s/%s' '%s' 2>&1", dir,
		    ents[i]->d_name, conninfo) != 0)
			bail_out("migration %s failed: %s", ents[i]->d_name, out.data);
		free(ents[i]);
	}
	free(ents);
	free(dir);
	buf_done(&out);
}

int
main(void)
{
	const char	*url = getenv("MCPDB_TEST_PGURL");
	const char	*keys[3] = { "dbname", "dbname", NULL }, *vals[3];
	char		 dbname[64], tmpl[] = "/tmp/t-seed.XXXXXX", *tmp, *before, *after, *s;
	char		*bad, *fixtures, *expect, line[1024];
	struct dirent	**ents;
	struct buf	 out;
	PGconn		*admin;
	PGresult	*res;
	FILE		*fp;
	int		 rc, n, i;

	if (url == NULL || *url == '\0')
		skip_all("MCPDB_TEST_PGURL not set; run under tests/harness/with-servers.sh");
	srcdir = getenv("MCPDB_SRCDIR");
	bin = getenv("MCPDB_BIN");
	if (srcdir == NULL || bin == NULL)
		skip_all("MCPDB_SRCDIR/MCPDB_BIN not set; run through make check");
	if ((tmp = mkdtemp(tmpl)) == NULL)
		bail_out("mkdtemp");
	setenv("XDG_CONFIG_HOME", tmp, 1);
	setenv("HOME", tmp, 1);
	unsetenv("MCPDB_CONFIG");
	unsetenv("MCPDB_TARGET");
	unsetenv("DATABASE_URL");
	buf_init(&out);

	admin = PQconnectdb(url);
	if (PQstatus(admin) != CONNECTION_OK)
		bail_out("cannot connect to MCPDB_TEST_PGURL: %s", PQerrorMessage(admin));
	snprintf(dbname, sizeof(dbname), "mcpdb_t_seed_%ld", (long)getpid());
	s = xasprintf("CREATE DATABASE %s", dbname);
	res = PQexec(admin, s);
	free(s);
	if (PQresultStatus(res) != PGRES_COMMAND_OK)
		bail_out("CREATE DATABASE: %s", PQerrorMessage(admin));
	PQclear(res);
	vals[0] = url;
	vals[1] = dbname;
	vals[2] = NULL;
	db = PQconnectdbParams(keys, vals, 1);
	if (PQstatus(db) != CONNECTION_OK)
		bail_out("cannot connect to %s: %s", dbname, PQerrorMessage(db));
	conninfo = xasprintf("host=%s port=%s user=%s dbname=%s", PQhost(db), PQport(db),
	    PQuser(db), dbname);
	migrate();
	fixtures = xasprintf("%s/tests/fixtures/seeds", srcdir);
	bad = xasprintf("%s/bad", fixtures);

	/* -- list, verify, dry run: nothing written */
	s = xasprintf("seed list --dir '%s'", fixtures);
	rc = mcpdb(&out, s);
	free(s);
	is_int(rc, 0, "seed list exits 0");
	like(out.data, "good", "seed list names the sets");
	s = xasprintf("seed verify good --dir '%s'", fixtures);
	rc = mcpdb(&out, s);
	free(s);
	is_int(rc, 0, "seed verify of a good set exits 0: %s", out.data);
	like(out.data, "10 rows in 4 files checked", "verify counts rows and files");
	s = xasprintf("-q seed load good --dir '%s' --dry-run", fixtures);
	rc = mcpdb(&out, s);
	free(s);
	is_int(rc, 0, "dry run exits 0: %s", out.data);
	like(out.data, "would load 4 files, 10 rows", "dry run reports counts");
	before = counts();
	is_str(before, "0/0/0/0 ledger=none", "dry run wrote nothing (not even the ledger)");
	free(before);

	/* -- load: files are listed children first; FK order must fix that */
	s = xasprintf("-q seed load good --dir '%s'", fixtures);
	rc = mcpdb(&out, s);
	is_int(rc, 0, "load of a set listed children-first exits 0: %s", out.data);
	before = counts();
	is_str(before, "2/2/3/3 ledger=4", "every row arrived and the ledger has one row per file");
	free(before);
	is_str(q1("SELECT description FROM code_quality.vulnerabilities WHERE id = 'c0000000-0000-4000-8000-000000000001'"),
	    "tab\there, quote \" and backslash \\ and newline\nend", "COPY escapes round-trip");
	is_str(q1("SELECT metadata->>'team' FROM code_quality.projects WHERE name = 'acme/api'"),
	    "payments", "CSV JSON field loaded as jsonb");
	is_str(q1("SELECT count(*) FROM code_quality.metrics WHERE metadata = '{}'"), "2",
	    "an omitted key gets the column default");
	is_str(q1("SELECT checksum ~ '^[0-9a-f]{64}$' AND rows = 2 AND mode = 'append' FROM mcpdb.seed_loads "
	    "WHERE file = 'code_quality.projects.csv'"), "t", "ledger row: SHA-256, rows, mode");

	/* -- append again: a reported no-op */
	rc = mcpdb(&out, s + 3);
	free(s);
	is_int(rc, 0, "loading an unchanged set again exits 0");
	like(out.data, "unchanged since it was last loaded; nothing to do", "the no-op is reported");
	before = counts();
	is_str(before, "2/2/3/3 ledger=4", "no-op changed nothing");
	free(before);

	/* -- upsert twice: idempotent, updated_at untouched */
	s = xasprintf("-q seed load good --dir '%s' --mode upsert", fixtures);
	snprintf(line, sizeof(line), "%s", q1("SELECT max(updated_at)::text FROM code_quality.vulnerabilities"));
	rc = mcpdb(&out, s);
	is_int(rc, 0, "upsert exits 0: %s", out.data);
	rc = mcpdb(&out, s);
	free(s);
	is_int(rc, 0, "second upsert exits 0");
	before = counts();
	is_str(before, "2/2/3/3 ledger=12", "upsert is idempotent (rows unchanged, two ledger rounds)");
	free(before);
	is_str(q1("SELECT max(updated_at)::text FROM code_quality.vulnerabilities"), line,
	    "identical upserts keep updated_at");

	/* -- every bad fixture: file:line error, exit 1, zero rows changed */
	make_long_line(tmp);
	n = scandir(bad, &ents, NULL, alphasort);
	if (n < 15)
		bail_out("expected at least 15 bad seed sets in %s, found %d", bad, n);
	before = counts();
	for (i = 0; i < n; i++) {
		if (ents[i]->d_name[0] == '.') {
			free(ents[i]);
			continue;
		}
		expect = xasprintf("%s/%s/expect", bad, ents[i]->d_name);
		if ((fp = fopen(expect, "r")) == NULL || fgets(line, sizeof(line), fp) == NULL)
			bail_out("cannot read %s", expect);
		fclose(fp);
		line[strcspn(line, "\n")] = '\0';
		s = xasprintf("-q seed load '%s' --dir '%s'", ents[i]->d_name, bad);
		rc = mcpdb(&out, s);
		free(s);
		is_int(rc, 1, "bad set %s exits 1", ents[i]->d_name);
		like(out.data, line, "bad set %s: error names file:line", ents[i]->d_name);
		ok(strchr(out.data, '\n') == out.data + out.len - 1, "bad set %s: one line", ents[i]->d_name);
		after = counts();
		is_str(after, before, "bad set %s changed zero rows", ents[i]->d_name);
		free(after);
		free(expect);
		free(ents[i]);
	}
	free(ents);
	s = xasprintf("-q seed load long-line --dir '%s'", tmp);
	rc = mcpdb(&out, s);
	free(s);
	is_int(rc, 1, "a 1 MiB line exits 1");
	like(out.data, "long-line/code_quality.vulnerabilities.ndjson:2: line is longer than 1 MiB",
	    "a 1 MiB line is named by file:line");
	after = counts();
	is_str(after, before, "a 1 MiB line changed zero rows");
	free(after);
	s = xasprintf("seed verify enum --dir '%s'", bad);
	rc = mcpdb(&out, s);
	free(s);
	is_int(rc, 1, "verify of a bad set exits 1");
	like(out.data, "enum/code_quality.vulnerabilities.ndjson:2: column \"severity\": \"urgent\" is not one of low, medium, high, critical",
	    "verify reports the documented message");

	/* -- replace: asks first; swaps contents in one transaction */
	s = xasprintf("-q seed load small --dir '%s' --mode replace </dev/null", fixtures);
	rc = mcpdb(&out, s);
	free(s);
	is_int(rc, 1, "replace without --yes and no terminal is refused");
	like(out.data, "re-run with --yes", "the refusal says what to do");
	after = counts();
	is_str(after, before, "refused replace changed nothing");
	free(after);
	s = xasprintf("-q seed load small-replace --dir '%s' </dev/null", fixtures);
	rc = mcpdb(&out, s);
	free(s);
	is_int(rc, 1, "a manifest asking for replace is confirmed too");
	like(out.data, "replace the contents of 1 table (code_quality.projects) with seed set small-replace",
	    "the question names the tables");
	after = counts();
	is_str(after, before, "refused manifest replace changed nothing");
	free(after);
	s = xasprintf("-q --yes seed load small --dir '%s' --mode replace", fixtures);
	rc = mcpdb(&out, s);
	free(s);
	is_int(rc, 0, "replace with --yes exits 0: %s", out.data);
	is_str(q1("SELECT string_agg(repository_url, ',') FROM code_quality.projects"),
	    "https://git.example.com/acme/api-renamed.git", "replace left exactly the new contents");
	free(before);

	/* -- progress lines, a held lock, and Ctrl-C on a big load */
	make_big(tmp, 400000);
	before = counts();
	s = xasprintf("seed load big --dir '%s' --dry-run", tmp);
	rc = mcpdb(&out, s);
	free(s);
	is_int(rc, 0, "dry run of 400,000 rows exits 0");
	like(out.data, "seed: code_quality.metrics.ndjson  ", "progress lines keep their documented prefix");
	like(out.data, " rows/s  (file 1/1, ", "progress lines report rows, bytes, rate and the file");
	like(out.data, "would load 1 files, 400000 rows", "dry run counts every row");
	after = counts();
	is_str(after, before, "dry run of the big set wrote nothing");
	free(after);
	res = PQexec(db, "SELECT pg_advisory_lock(pg_catalog.hashtext('mcpdb.seed'))");
	PQclear(res);
	s = xasprintf("-q seed load good --dir '%s' --mode upsert", fixtures);
	rc = mcpdb(&out, s);
	free(s);
	is_int(rc, 1, "a second concurrent load exits 1");
	like(out.data, "another mcpdb seed load is running", "and says why");
	res = PQexec(db, "SELECT pg_advisory_unlock(pg_catalog.hashtext('mcpdb.seed'))");
	PQclear(res);
	rc = run(&out, "'%s' --pg '%s' -q seed load big --dir '%s' 2>&1 & pid=$!; sleep 1; "
	    "kill -INT $pid; wait $pid", bin, conninfo, tmp);
	ok(rc != 0, "an interrupted load exits non-zero (%d)", rc);
	like(out.data, "interrupted; the set was rolled back, nothing was loaded",
	    "an interrupted load says nothing was loaded");
	after = counts();
	is_str(after, before, "an interrupted load changed zero rows");
	free(after);
	s = xasprintf("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
	    "WHERE application_name = 'mcpdb/seed' AND datname = '%s'", dbname);
	rc = run(&out, "'%s' --pg '%s' -q seed load big --dir '%s' 2>&1 & pid=$!; sleep 1; "
	    "psql -X -q -c \"%s\" '%s' >/dev/null; wait $pid", bin, conninfo, tmp, s, conninfo);
	free(s);
	is_int(rc, 1, "a load whose session is killed exits 1");
	like(out.data, "code_quality.metrics.ndjson", "the error names the file being loaded");
	like(out.data, "nothing was loaded (the set was rolled back)", "and says nothing was loaded");
	ok(strchr(out.data, '\n') == out.data + out.len - 1, "in one line: %s", out.data);
	after = counts();
	is_str(after, before, "a killed load changed zero rows");
	free(after);
	free(before);

	/* -- the synthetic generator's set loads (bench/seed.sh gen) */
	rc = run(&out, "sh '%s/bench/seed.sh' gen '%s' 3000 2>&1", srcdir, tmp);
	is_int(rc, 0, "bench/seed.sh gen writes a synthetic set: %s", out.data);
	s = xasprintf("-q seed load synthetic --dir '%s'", tmp);
	rc = mcpdb(&out, s);
	free(s);
	is_int(rc, 0, "the synthetic set loads: %s", out.data);
	like(out.data, "loaded 4 files, 6033 rows", "every generated row arrived");

	/* -- the demo set loads, and loads again as a no-op */
	s = xasprintf("%s/seeds/demo/seed.json", srcdir);
	if (access(s, R_OK) != 0)
		skip(3, "no seeds/demo/seed.json");
	else {
		free(s);
		s = xasprintf("-q --yes seed load demo --dir '%s/seeds' --mode replace", srcdir);
		rc = mcpdb(&out, s);
		is_int(rc, 0, "demo set loads: %s", out.data);
		free(s);
		s = xasprintf("seed load demo --dir '%s/seeds' --mode upsert --json", srcdir);
		rc = mcpdb(&out, s);
		is_int(rc, 0, "demo set upserts: %s", out.data);
		like(out.data, "\"files_loaded\":", "--json prints the report");
	}
	free(s);

	PQfinish(db);
	s = xasprintf("DROP DATABASE %s", dbname);
	res = PQexec(admin, s);
	free(s);
	if (PQresultStatus(res) != PGRES_COMMAND_OK)
		diag("DROP DATABASE %s: %s", dbname, PQerrorMessage(admin));
	PQclear(res);
	PQfinish(admin);
	(void)run(&out, "rm -rf '%s'", tmp);
	buf_done(&out);
	free(bad);
	free(fixtures);
	free(conninfo);
	return (done_testing());
}
