/*
 * t-failover.c - the pool follows a failover (issue 12, item 2): a target
 * whose conninfo lists a primary and its streaming standby
 * (host=A,B port=P1,P2 target_session_attrs=read-write), 6 threads writing
 * through the pool, the primary stopped in immediate mode (a crash) and the
 * standby promoted. The pool must drop the connections to the dead server,
 * reconnect through the host list to the new primary, crash nothing, leave
 * no connection on the dead server, and lose no acknowledged write; the
 * write stall (last write acked by the old primary to the first one acked
 * by the new primary; the crash and the promotion happen in between) is
 * measured and printed as "STALL_MS=<n>" for bench/RESULTS.md. A dashboard
 * poller on the same target reports the new primary's address in its
 * snapshot and logs the change (the TUI's log pane shows the logger's ring).
 *
 * Killing a server would break the other tests, so this program brings up
 * its own private pair (src/mcpdb-servers.sh) and standby
 * (tests/harness/pg-standby.sh) in a mktemp directory and purges it at
 * exit. Runs only in integration runs (MCPDB_TEST_PGURL set).
 */
#include "config.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "log.h"
#include "poller.h"
#include "pool.h"
#include "snapshot.h"
#include "tap.h"
#include "pool-common.h"

#define NWORKERS	6

static char	fo_src[768];
static char	fo_dir[256];
static char	fo_pair[1024];		/* both hosts, read-write */
static char	fo_standby[1024];	/* the standby alone */
static char	fo_primary_port[16], fo_standby_port[16];

/* Run `sh <script> verb --dir <our dir>`; returns its exit status. */
static int
fo_run(const char *script, const char *verb)
{
	char	cmd[2048];

	snprintf(cmd, sizeof(cmd), "sh '%s/%s' %s --dir '%s' >/dev/null 2>&1",
	    fo_src, script, verb, fo_dir);
	return (system(cmd));
}

/* At exit: stop the standby and remove the private servers. */
static void
fo_cleanup(void)
{
	if (fo_dir[0] == '\0')
		return;
	fo_run("tests/harness/pg-standby.sh", "stop");
	fo_run("src/mcpdb-servers.sh", "down --purge");
	fo_dir[0] = '\0';
}

/* Copy the value of "KEY=value" or "KEY='value'" in line into dst. */
static void
fo_value(const char *line, const char *key, char *dst, size_t size)
{
	size_t	 k = strlen(key), n;
	char	 buf[1024];
	char	*v;

	if (strncmp(line, key, k) != 0 || line[k] != '=')
		return;
	snprintf(buf, sizeof(buf), "%s", line + k + 1);
	v = buf;
	n = strcspn(v, "\n");
	v[n] = '\0';
	if (*v == '\'' && n >= 2) {
		v[n - 1] = '\0';
		v++;
	}
	snprintf(dst, size, "%s", v);
}

/* Start the private primary and its standby; bail out when they do not. */
static void
fo_up(void)
{
	const char	*src = getenv("MCPDB_SRCDIR");
	char		 cmd[2048], line[1024];
	FILE		*fp;

	if (getenv("MCPDB_TEST_PGURL") == NULL)
		skip_all("MCPDB_TEST_PGURL not set (integration runs only)");
	if (src == NULL)
		skip_all("MCPDB_SRCDIR not set (run through make check)");
	if (access("/usr/lib/postgresql/15/bin/pg_basebackup", X_OK) != 0 &&
	    getenv("MCPDB_TEST_PGBIN") == NULL)
		skip_all("pg_basebackup not found");
	snprintf(fo_src, sizeof(fo_src), "%s", src);
	snprintf(fo_dir, sizeof(fo_dir), "%s/mcpdb-failover.XXXXXX",
	    getenv("TMPDIR") != NULL && strlen(getenv("TMPDIR")) < 60 ?
	    getenv("TMPDIR") : "/tmp");
	if (mkdtemp(fo_dir) == NULL)
		bail_out("mkdtemp failed");
	atexit(fo_cleanup);
	if (fo_run("src/mcpdb-servers.sh", "up") != 0)
		bail_out("private servers did not start");
	snprintf(cmd, sizeof(cmd),
	    "sh '%s/tests/harness/pg-standby.sh' up --dir '%s' "
	    "--name fo_standby",
	    fo_src, fo_dir);
	if ((fp = popen(cmd, "r")) == NULL)
		bail_out("popen failed");
	while (fgets(line, sizeof(line), fp) != NULL) {
		fo_value(line, "PAIR_URL", fo_pair, sizeof(fo_pair));
		fo_value(line, "STANDBY_URL", fo_standby, sizeof(fo_standby));
		fo_value(line, "PRIMARY_PORT", fo_primary_port,
		    sizeof(fo_primary_port));
		fo_value(line, "STANDBY_PORT", fo_standby_port,
		    sizeof(fo_standby_port));
	}
	if (pclose(fp) != 0 || fo_pair[0] == '\0' || fo_standby[0] == '\0')
		bail_out("the standby did not start (pg-standby.sh up)");
}

/* One query on a fresh session to conninfo; its first cell, or -1. */
static long long
fo_scalar(const char *conninfo, const char *sql)
{
	PGconn		*c = PQconnectdb(conninfo);
	long long	 v = -1;

	if (PQstatus(c) == CONNECTION_OK)
		v = tp_scalar(c, sql);
	PQfinish(c);
	return (v);
}

/* Run one command on a fresh session to conninfo; whether it worked. */
static bool
fo_exec(const char *conninfo, const char *sql)
{
	PGconn		*c = PQconnectdb(conninfo);
	PGresult	*res;
	bool		 ok_ = false;

	if (PQstatus(c) == CONNECTION_OK) {
		res = PQexec(c, sql);
		ok_ = PQresultStatus(res) == PGRES_COMMAND_OK;
		PQclear(res);
	}
	PQfinish(c);
	return (ok_);
}

struct fo_run {
	struct pool	*p;
	int		 stop;
	long		 ok, failed, on_old, on_new;
	int64_t		 promoted_us;	/* when pg_ctl promote returned */
	int64_t		 kill_us;	/* the primary was killed; 0 before */
	int64_t		 last_before_us;	/* last acked by the old one */
	int64_t		 first_after_us;	/* first acked by the new one */
	pthread_mutex_t	 mtx;
};

#define LOAD(x)	__atomic_load_n(&(x), __ATOMIC_SEQ_CST)
#define ADD(x)	__atomic_add_fetch(&(x), 1, __ATOMIC_SEQ_CST)

/* A worker: borrow, INSERT with a deadline, return; until told to stop. */
static void *
fo_worker(void *arg)
{
	struct fo_run	*r = arg;
	struct mc_err	 err = { 0 };
	PGresult	*res;
	PGconn		*c;
	int64_t		 t1;
	bool		 on_new;

	while (!LOAD(r->stop)) {
		if ((c = pool_acquire(r->p, "writer", &err)) == NULL) {
			ADD(r->failed);
			usleep(5000);
			continue;
		}
		on_new = PQport(c) != NULL &&
		    strcmp(PQport(c), fo_standby_port) == 0;
		res = pool_query_deadline(r->p, c,
		    "INSERT INTO fo_t (v) VALUES (1)", 0, NULL, 2000, &err);
		t1 = tp_now();
		pool_release(r->p, c);
		if (res == NULL) {
			ADD(r->failed);
			usleep(5000);
			continue;
		}
		PQclear(res);
		ADD(r->ok);
		if (on_new)
			ADD(r->on_new);
		else
			ADD(r->on_old);
		pthread_mutex_lock(&r->mtx);
		if (!on_new) {
			/* Acked by the old primary. */
			if (t1 > r->last_before_us)
				r->last_before_us = t1;
		} else if (r->first_after_us == 0 || t1 < r->first_after_us)
			r->first_after_us = t1;
		pthread_mutex_unlock(&r->mtx);
	}
	return (NULL);
}

/*
 * Wait up to ms for a snapshot whose answering server ends in ":port";
 * copies its server field into out and returns its change count, or -1.
 */
static int
fo_snap_server(struct poller *pl, const char *port, char *out, size_t size,
    int ms)
{
	struct snapshot		*s;
	const struct snap_pg	*pg;
	int64_t			 end = tp_now() + (int64_t)ms * 1000;
	size_t			 n, k = strlen(port);
	int			 changes = -1;

	out[0] = '\0';
	while (tp_now() < end && changes < 0) {
		if ((s = poller_take(pl)) != NULL) {
			if ((pg = snapshot_pg(s)) != NULL) {
				snprintf(out, size, "%s", pg->server);
				n = strlen(pg->server);
				if (n > k && pg->server[n - k - 1] == ':' &&
				    strcmp(pg->server + n - k, port) == 0)
					changes = (int)pg->server_changes;
			}
			snapshot_free(s);
		}
		tp_sleep(50);
	}
	return (changes);
}

/* Whether the logger's ring holds an entry containing needle. */
static bool
fo_logged(struct logger *log, const char *needle, char *line, size_t size)
{
	static struct log_entry	 e[64];
	size_t			 n, i;

	n = log_ring_copy(log, LOGL_INFO, e, 64);
	for (i = 0; i < n; i++)
		if (strstr(e[i].line, needle) != NULL) {
			snprintf(line, size, "%s", e[i].line);
			return (true);
		}
	return (false);
}

int
main(void)
{
	struct logger		*log;
	struct poller		*pl;
	char			 server[128], line[512];
	struct conf_target	 t;
	struct mc_err		 err = { 0 };
	struct fo_run		 r;
	struct pool_stats	 s;
	pthread_t		 th[NWORKERS];
	PGconn			*held[16];
	long long		 rows, acked, stall_ms;
	char			 sql[256];
	int			 i, n, wrong;
	int64_t			 t0;

	fo_up();
	ok(1, "a private primary (port %s) and its standby (port %s)",
	    fo_primary_port, fo_standby_port);
	is_int(fo_scalar(fo_pair, "SELECT CASE WHEN pg_is_in_recovery() "
	    "THEN 0 ELSE 1 END"), 1, "the host list with "
	    "target_session_attrs=read-write reaches the primary");
	ok(fo_exec(fo_pair, "CREATE TABLE fo_t (id bigserial, v int)"),
	    "table fo_t created");
	memset(&t, 0, sizeof(t));
	conf_target_defaults(&t);
	t.name = (char *)"failover";
	t.pg = fo_pair;
	t.pool.min = 2;
	t.pool.max = 6;
	t.pool.acquire_timeout_ms = 2000;
	t.pool.connect_timeout_s = 2;
	memset(&r, 0, sizeof(r));
	pthread_mutex_init(&r.mtx, NULL);
	r.p = pool_new(&t, NULL, "t-failover", &err);
	ok(r.p != NULL, "pool on the host list: %s", err.msg);
	if (r.p == NULL)
		return (done_testing());
	log = log_new(LOGL_INFO, LOGF_TEXT);
	log_set_quiet_stderr(log, true);
	log_set_ring(log, 64);
	pl = poller_new(&t, log, 200, &err);
	ok(pl != NULL && poller_start(pl, &err) == 0, "a dashboard poller on "
	    "the same target: %s", err.msg);
	is_int(fo_snap_server(pl, fo_primary_port, server, sizeof(server),
	    10000), 0, "its snapshot names the primary as the server: %s",
	    server);
	for (i = 0; i < NWORKERS; i++)
		pthread_create(&th[i], NULL, fo_worker, &r);
	tp_sleep(1000);
	ok(LOAD(r.ok) > 0 && LOAD(r.on_new) == 0,
	    "%d threads write to the primary (%ld writes so far)", NWORKERS,
	    LOAD(r.ok));

	pthread_mutex_lock(&r.mtx);
	r.kill_us = tp_now();
	pthread_mutex_unlock(&r.mtx);
	is_int(fo_run("tests/harness/pg-standby.sh", "kill-primary"), 0,
	    "the primary is stopped in immediate mode");
	is_int(fo_run("tests/harness/pg-standby.sh", "promote"), 0,
	    "the standby is promoted (pg_ctl promote)");
	r.promoted_us = t0 = tp_now();
	while (LOAD(r.on_new) == 0 && tp_now() - t0 < 30000000)
		tp_sleep(10);
	ok(LOAD(r.on_new) > 0, "writes go to the new primary through the "
	    "pool (%ld)", LOAD(r.on_new));
	is_int(fo_snap_server(pl, fo_standby_port, server, sizeof(server),
	    15000), 1, "the poller's snapshot names the new primary: %s "
	    "(one change)", server);
	ok(fo_logged(log, "is now answered by", line, sizeof(line)),
	    "and the change is logged for the log pane: %s", line);
	like(line, "(the primary)", "... saying it is the primary");
	poller_free(pl);
	tp_sleep(1000);
	__atomic_store_n(&r.stop, 1, __ATOMIC_SEQ_CST);
	for (i = 0; i < NWORKERS; i++)
		pthread_join(th[i], NULL);
	ok(1, "no worker crashed (%ld writes acked, %ld attempts failed)",
	    LOAD(r.ok), LOAD(r.failed));

	stall_ms = r.first_after_us > 0 && r.last_before_us > 0 ?
	    (r.first_after_us - r.last_before_us) / 1000 : -1;
	ok(stall_ms > 0 && stall_ms < 15000,
	    "write stall across the failover: %lld ms (crash to promoted: "
	    "%lld ms)", stall_ms,
	    (long long)(r.promoted_us - r.kill_us) / 1000);
	printf("# STALL_MS=%lld\n", stall_ms);

	/* Every pooled connection must now be on the new primary. */
	s = pool_stats(r.p);
	n = s.total < 16 ? s.total : 16;
	wrong = 0;
	for (i = 0; i < n; i++) {
		held[i] = pool_acquire(r.p, "check", &err);
		if (held[i] == NULL || PQport(held[i]) == NULL ||
		    strcmp(PQport(held[i]), fo_standby_port) != 0)
			wrong++;
	}
	is_int(wrong, 0, "none of the pool's %d connections is on the dead "
	    "server", n);
	for (i = 0; i < n; i++)
		pool_release(r.p, held[i]);
	s = pool_stats(r.p);
	ok(s.closed_broken + s.closed_validation + s.closed_other > 0,
	    "the connections to the dead server were dropped (%llu broken, "
	    "%llu failed validation, %llu other)",
	    (unsigned long long)s.closed_broken,
	    (unsigned long long)s.closed_validation,
	    (unsigned long long)s.closed_other);
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM pg_stat_activity "
	    "WHERE application_name = '%s'", pool_name(r.p));
	is_int(fo_scalar(fo_standby, sql), s.total,
	    "the new primary sees all %d of the pool's connections", s.total);

	/* Acked writes: every one acked by the new primary is there. */
	rows = fo_scalar(fo_standby, "SELECT count(*) FROM fo_t");
	acked = LOAD(r.on_new);
	ok(rows >= acked, "the new primary holds %lld rows (>= %lld acked "
	    "by it)", rows, acked);
	pool_free(r.p);
	log_free(log);
	pthread_mutex_destroy(&r.mtx);
	done_testing();
}
