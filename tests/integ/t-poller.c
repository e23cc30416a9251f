/*
 * t-poller.c - the dashboards' poller against the harness servers: figures
 * match what psql / redis-cli read, one persistent connection with four
 * statements per refresh, the sessions list follows a cancel and a
 * terminate, blocked sessions name their blocker, the console pool shows
 * next to what the server sees, a pg_monitor role and a plain role degrade
 * instead of failing, and a Redis ACL user without SLOWLOG gets "not
 * permitted" panels. Needs MCPDB_TEST_PGURL (and MCPDB_TEST_REDIS for the
 * Redis half); skips otherwise.
 */
#include "config.h"

#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "conf.h"
#include "conn.h"
#include "log.h"
#include "poller.h"
#include "rds.h"
#include "snapshot.h"
#include "tap.h"
#include "xmem.h"

typedef bool (*snap_pred)(const struct snapshot *, void *);

/* Monotonic milliseconds. */
static int64_t
now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

/*
 * Take snapshots until pred holds (or timeout_ms passes). Returns the
 * matching snapshot, or the last one seen (caller frees) or NULL.
 */
static struct snapshot *
wait_snap(struct poller *p, snap_pred pred, void *arg, int timeout_ms)
{
	struct snapshot	*s, *last = NULL;
	int64_t		 end = now_ms() + timeout_ms;

	do {
		if ((s = poller_take(p)) != NULL) {
			snapshot_free(last);
			last = s;
			if (pred(s, arg))
				return (s);
		}
		usleep(20000);
	} while (now_ms() < end);
	return (last);
}

/* The PostgreSQL part is there. */
static bool
has_pg(const struct snapshot *s, void *arg)
{
	(void)arg;
	return (snapshot_pg(s) != NULL);
}

/* At least *(int *)arg refreshes after the first (rates exist). */
static bool
pg_after(const struct snapshot *s, void *arg)
{
	const struct snap_pg	*pg = snapshot_pg(s);

	/*
	 * tps > 0: the poller's own statements are transactions, but the
	 * server flushes its counters at most once a second, so one window
	 * may see none on a loaded machine; wait for one that does.
	 */
	return (pg != NULL && pg->rates.tps > 0 && pg->rates.window_s >= *(int *)arg);
}

/* The session of a pid, or NULL. */
static const struct snap_session *
find_pid(const struct snap_pg *pg, int pid)
{
	size_t	i;

	for (i = 0; pg != NULL && i < pg->nsessions; i++)
		if (pg->sessions[i].pid == pid)
			return (&pg->sessions[i]);
	return (NULL);
}

struct want_state {
	int		 pid;
	const char	*state;		/* NULL: the session must be gone */
	const char	*wait_type;	/* and this wait event type, unless NULL */
};

/* The session pid is in state (or gone when state is NULL), waiting on wait_type if set. */
static bool
pid_in_state(const struct snapshot *s, void *arg)
{
	struct want_state		*w = arg;
	const struct snap_session	*ss = find_pid(snapshot_pg(s), w->pid);

	if (snapshot_pg(s) == NULL)
		return (false);
	if (w->state == NULL)
		return (ss == NULL);
	return (ss != NULL && strcmp(ss->state, w->state) == 0 &&
	    (w->wait_type == NULL || strcmp(ss->wait_type, w->wait_type) == 0));
}

/* The session pid waits and names *blocker. */
static bool
pid_blocked(const struct snapshot *s, void *arg)
{
	int				*w = arg;
	const struct snap_session	*ss = find_pid(snapshot_pg(s), w[0]);

	return (ss != NULL && ss->nblockers > 0 && ss->blockers[0] == w[1]);
}

/* A libpq session with an application_name; bails out on failure. */
static PGconn *
pg_open(const char *url, const char *app)
{
	const char	*k[] = { "dbname", "application_name", NULL };
	const char	*v[] = { url, app, NULL };
	PGconn		*c = PQconnectdbParams(k, v, 1);

	if (PQstatus(c) != CONNECTION_OK)
		bail_out("cannot connect: %s", PQerrorMessage(c));
	return (c);
}

/* Run sql and return the first cell as a malloc'd string (or NULL). */
static char *
pg_one(PGconn *c, const char *sql)
{
	PGresult	*r = PQexec(c, sql);
	char		*v = NULL;

	if ((PQresultStatus(r) == PGRES_TUPLES_OK) && PQntuples(r) > 0)
		v = xstrdup(PQgetvalue(r, 0, 0));
	else if (PQresultStatus(r) != PGRES_COMMAND_OK && PQresultStatus(r) != PGRES_TUPLES_OK)
		diag("%s: %s", sql, PQerrorMessage(c));
	PQclear(r);
	return (v);
}

/* A target for url/redis with defaults. Free with target_done. */
static void
target_init(struct conf_target *t, const char *name, const char *pg, const char *redis)
{
	memset(t, 0, sizeof(*t));
	conf_target_defaults(t);
	t->name = xstrdup(name);
	t->pg = xstrdup(pg);
	t->redis = redis ? xstrdup(redis) : NULL;
	t->pool.connect_timeout_s = 3;
}

static void
target_done(struct conf_target *t)
{
	free(t->name);
	free(t->pg);
	free(t->redis);
}

/* Figures, statement count, persistence of the connection, pools. */
static void
test_figures(const char *url, struct logger *log)
{
	struct conf_target	 t;
	struct poller		*p;
	struct conn		*console;
	struct snapshot		*s;
	const struct snap_pg	*pg;
	const struct snap_pool	*pools;
	const struct snap_status *st;
	struct mc_err		 err = { 0 };
	PGconn			*c;
	char			*v;
	size_t			 n, i;
	int			 secs = 2;
	struct pollfd		 pfd;
	bool			 seen_mon = false, seen_console = false;

	target_init(&t, "t-poller", url, NULL);
	p = poller_new(&t, log, 200, &err);
	ok(p != NULL, "poller_new: %s", err.msg);
	console = conn_new(&t, log, "console");
	poller_watch_conn(p, console);
	ok(poller_start(p, &err) == 0, "poller_start: %s", err.msg);
	pfd.fd = poller_fd(p);
	pfd.events = POLLIN;
	ok(pfd.fd >= 0 && poll(&pfd, 1, 5000) == 1, "poller_fd becomes readable on a publish");
	s = poller_take(p);
	ok(s != NULL, "and a snapshot is there to take");
	snapshot_free(s);
	pfd.revents = 0;
	s = poll(&pfd, 1, 0) == 0 ? NULL : poller_take(p);
	ok(pfd.revents == 0 || s != NULL,
	    "taking drains the wake-up (readable again only for a newer one)");
	snapshot_free(s);
	s = wait_snap(p, has_pg, NULL, 10000);
	pg = s ? snapshot_pg(s) : NULL;
	if (pg == NULL)
		bail_out("no PostgreSQL data within 10 s: %s",
		    s ? snapshot_status(s)->pg.error : "no snapshot");
	st = snapshot_status(s);
	ok(st->pg.up && strcmp(st->pg.state, "up") == 0, "status: PostgreSQL up (%s)", st->pg.state);
	ok(!st->redis.configured, "status: no Redis configured for this target");
	ok(st->pg.last_ok_wall_us > 0, "status carries the time of the last data");

	c = pg_open(url, "t-poller/psql");
	v = pg_one(c, "SHOW max_connections");
	is_int(pg->max_connections, v ? atoi(v) : -1, "max_connections matches SHOW");
	free(v);
	v = pg_one(c, "SHOW server_version_num");
	is_int(pg->version_num, v ? atoi(v) : -1, "server version matches");
	free(v);
	is_int(pg->statements, 4, "one refresh = BEGIN, summary, sessions, COMMIT");
	ok(pg->superuser && pg->pg_monitor, "harness role is superuser: sees everything");
	ok(!pg->degraded, "full query set in use");
	ok(pg->clients >= 1, "clients counted (%d)", pg->clients);
	ok(pg->endpoint[0] != '\0' && strstr(pg->endpoint, "password") == NULL,
	    "endpoint shown without secrets: %s", pg->endpoint);
	snapshot_free(s);

	s = wait_snap(p, pg_after, &secs, 20000);
	pg = s ? snapshot_pg(s) : NULL;
	ok(pg != NULL && pg->rates.tps > 0, "tps from counter deltas: %.1f",
	    pg ? pg->rates.tps : -1);
	ok(pg != NULL && pg->rates.hit_ratio <= 1.0, "cache hit ratio in range or n/a (%.3f)",
	    pg ? pg->rates.hit_ratio : -9);
	ok(pg != NULL && pg->tps.n >= 2, "tps series grows (%d points)", pg ? pg->tps.n : 0);
	for (i = 0; pg != NULL && i < (size_t)pg->napps; i++)
		if (strcmp(pg->apps[i].app, "mcpdb/monitor") == 0)
			seen_mon = pg->apps[i].conns >= 1;
	/* >= 1: the count is cluster-wide and other tests run in parallel;
	 * the pool's own figure below says exactly one. */
	ok(seen_mon, "the server sees the mcpdb/monitor connection");
	pools = snapshot_pools(s, &n);
	for (i = 0; i < n; i++) {
		if (strcmp(pools[i].role, "monitor") == 0) {
			is_int((long long)pools[i].st.created, 1,
			    "the monitor keeps one persistent connection");
			is_str(pools[i].name, "mcpdb/monitor", "monitor pool name");
		}
		if (strcmp(pools[i].role, "console") == 0)
			seen_console = strcmp(pools[i].name, "mcpdb/console") == 0;
	}
	ok(seen_console, "the console's pool is reported beside it");
	snapshot_free(s);
	PQfinish(c);
	poller_free(p);
	conn_close(console);
	target_done(&t);
}

/* Cancel, terminate and blocking, seen through the sessions list. */
static void
test_sessions(const char *url, struct logger *log)
{
	struct conf_target	 t;
	struct poller		*p;
	struct snapshot		*s;
	struct mc_err		 err = { 0 };
	struct want_state	 w;
	PGconn			*ctl, *sleeper, *locker, *waiter;
	char			 app[64], sql[256];
	int			 pid, lpid, wpid, pair[2];
	const struct snap_session *ss;
	PGresult		*r;

	target_init(&t, "t-poller", url, NULL);
	p = poller_new(&t, log, 200, &err);
	poller_start(p, &err);
	ctl = pg_open(url, "t-poller/ctl");
	snprintf(app, sizeof(app), "t-poller/sleep-%d", (int)getpid());
	sleeper = pg_open(url, app);
	pid = PQbackendPID(sleeper);
	PQsendQuery(sleeper, "SELECT pg_sleep(30)");
	w.pid = pid;
	w.state = "active";
	/* Active before it sleeps (parse, plan): wait for the sleep itself. */
	w.wait_type = "Timeout";
	s = wait_snap(p, pid_in_state, &w, 10000);
	ss = s ? find_pid(snapshot_pg(s), pid) : NULL;
	ok(ss != NULL && strcmp(ss->state, "active") == 0, "a running query shows as active");
	ok(ss != NULL && strcmp(ss->app, app) == 0, "with its application_name");
	ok(ss != NULL && strstr(ss->query, "pg_sleep(30)") != NULL, "and its query: %s",
	    ss ? ss->query : "?");
	ok(ss != NULL && strcmp(ss->wait_type, "Timeout") == 0, "and its wait event type");
	ok(ss != NULL && ss->query_s >= 0, "and a duration");
	snapshot_free(s);

	snprintf(sql, sizeof(sql), "SELECT pg_cancel_backend(%d)", pid);
	free(pg_one(ctl, sql));
	w.state = "idle";
	w.wait_type = NULL;
	s = wait_snap(p, pid_in_state, &w, 10000);
	ok(s != NULL && pid_in_state(s, &w), "after a cancel the session is idle");
	snapshot_free(s);
	while ((r = PQgetResult(sleeper)) != NULL)
		PQclear(r);
	snprintf(sql, sizeof(sql), "SELECT pg_terminate_backend(%d)", pid);
	free(pg_one(ctl, sql));
	w.state = NULL;
	s = wait_snap(p, pid_in_state, &w, 10000);
	ok(s != NULL && pid_in_state(s, &w), "a terminated backend disappears from the list");
	snapshot_free(s);
	PQfinish(sleeper);

	/* Blocking: locker holds a lock, waiter queues behind it. */
	snprintf(sql, sizeof(sql), "CREATE TABLE IF NOT EXISTS tpoller_lock_%d (x int)",
	    (int)getpid());
	free(pg_one(ctl, sql));
	locker = pg_open(url, "t-poller/locker");
	waiter = pg_open(url, "t-poller/waiter");
	lpid = PQbackendPID(locker);
	wpid = PQbackendPID(waiter);
	free(pg_one(locker, "BEGIN"));
	snprintf(sql, sizeof(sql), "LOCK TABLE tpoller_lock_%d", (int)getpid());
	free(pg_one(locker, sql));
	snprintf(sql, sizeof(sql), "SELECT * FROM tpoller_lock_%d", (int)getpid());
	PQsendQuery(waiter, sql);
	pair[0] = wpid;
	pair[1] = lpid;
	s = wait_snap(p, pid_blocked, pair, 12000);
	ok(s != NULL && pid_blocked(s, pair), "a blocked session names its blocker (pid %d)", lpid);
	ok(s != NULL && snapshot_pg(s) && snapshot_pg(s)->lock_waiters >= 1, "lock waiters counted");
	ok(s != NULL && snapshot_pg(s) && snapshot_pg(s)->blocking_checked_wall_us > 0,
	    "the time of the pg_blocking_pids() check is kept");
	ss = s ? find_pid(snapshot_pg(s), lpid) : NULL;
	ok(ss != NULL && strcmp(ss->state, "idle in transaction") == 0,
	    "the blocker is idle in transaction");
	ok(s != NULL && snapshot_pg(s) && snapshot_pg(s)->idle_in_xact >= 1,
	    "idle in transaction counted");
	ok(s != NULL && snapshot_pg(s) && snapshot_pg(s)->oldest_xact_s >= 0,
	    "longest transaction age known");
	snapshot_free(s);
	free(pg_one(locker, "ROLLBACK"));
	while ((r = PQgetResult(waiter)) != NULL)
		PQclear(r);
	PQfinish(locker);
	PQfinish(waiter);
	snprintf(sql, sizeof(sql), "DROP TABLE IF EXISTS tpoller_lock_%d", (int)getpid());
	free(pg_one(ctl, sql));
	PQfinish(ctl);
	poller_free(p);
	target_done(&t);
}

/* Connection string of url with another user. Caller frees. */
static char *
url_as(const char *url, const char *user, const char *pass)
{
	return (xasprintf("%s user=%s password=%s", url, user, pass));
}

/* A pg_monitor role sees all; a plain role sees hidden rows, not a crash. */
static void
test_roles(const char *url, struct logger *log)
{
	struct conf_target	 t;
	struct poller		*p;
	struct snapshot		*s;
	const struct snap_pg	*pg;
	struct mc_err		 err = { 0 };
	PGconn			*ctl, *other, *dbc;
	char			 mon[64], plain[64], db[64], sql[256], *u;
	size_t			 i;
	int			 hidden = 0;

	if (strstr(url, "://") != NULL) {
		skip(11, "MCPDB_TEST_PGURL is a URI; role tests need keyword form");
		return;
	}
	ctl = pg_open(url, "t-poller/ctl");
	snprintf(mon, sizeof(mon), "tpoller_mon_%d", (int)getpid());
	snprintf(plain, sizeof(plain), "tpoller_plain_%d", (int)getpid());
	snprintf(sql, sizeof(sql), "CREATE ROLE %s LOGIN PASSWORD 'pw' IN ROLE pg_monitor", mon);
	free(pg_one(ctl, sql));
	snprintf(sql, sizeof(sql), "CREATE ROLE %s LOGIN PASSWORD 'pw'", plain);
	free(pg_one(ctl, sql));
	other = pg_open(url, "t-poller/other");
	PQsendQuery(other, "SELECT pg_sleep(20)");

	u = url_as(url, mon, "pw");
	target_init(&t, "t-poller-mon", u, NULL);
	p = poller_new(&t, log, 200, &err);
	poller_start(p, &err);
	s = wait_snap(p, has_pg, NULL, 10000);
	pg = s ? snapshot_pg(s) : NULL;
	ok(pg != NULL, "pg_monitor role: data arrives (%s)",
	    s ? snapshot_status(s)->pg.error : "-");
	ok(pg != NULL && pg->pg_monitor && !pg->superuser, "pg_monitor detected, not superuser");
	ok(pg != NULL && pg->hidden == 0, "pg_monitor sees every session's state");
	ok(pg != NULL && !pg->degraded, "full query set works with pg_monitor");
	snapshot_free(s);
	poller_free(p);
	target_done(&t);
	free(u);

	u = url_as(url, plain, "pw");
	target_init(&t, "t-poller-plain", u, NULL);
	p = poller_new(&t, log, 200, &err);
	poller_start(p, &err);
	s = wait_snap(p, has_pg, NULL, 10000);
	pg = s ? snapshot_pg(s) : NULL;
	ok(pg != NULL, "plain role: data arrives, no crash (%s)",
	    s ? snapshot_status(s)->pg.error : "-");
	ok(pg != NULL && !pg->pg_monitor, "missing pg_monitor detected");
	for (i = 0; pg != NULL && i < pg->nsessions; i++)
		if (pg->sessions[i].hidden)
			hidden++;
	ok(pg != NULL && pg->hidden > 0 && hidden > 0,
	    "other roles' sessions are marked hidden (%d counted, %d rows)",
	    pg ? pg->hidden : -1, hidden);
	ok(pg != NULL && pg->max_connections > 0, "settings still shown");
	snapshot_free(s);
	poller_free(p);
	target_done(&t);
	free(u);

	/*
	 * Degrade, don't fail: in a database of our own where the plain role may
	 * not call pg_has_role(), the full summary fails with 42501 and the
	 * reduced one takes over.
	 */
	snprintf(db, sizeof(db), "tpoller_deg_%d", (int)getpid());
	snprintf(sql, sizeof(sql), "CREATE DATABASE %s", db);
	free(pg_one(ctl, sql));
	u = xasprintf("%s dbname=%s", url, db);
	dbc = pg_open(u, "t-poller/ctl");
	free(pg_one(dbc, "REVOKE EXECUTE ON FUNCTION pg_catalog.pg_has_role(name, name, text) FROM PUBLIC"));
	PQfinish(dbc);
	free(u);
	u = xasprintf("%s dbname=%s user=%s password=pw", url, db, plain);
	target_init(&t, "t-poller-degraded", u, NULL);
	p = poller_new(&t, log, 200, &err);
	poller_start(p, &err);
	s = wait_snap(p, has_pg, NULL, 10000);
	pg = s ? snapshot_pg(s) : NULL;
	ok(pg != NULL && pg->degraded, "a failing full query degrades to the reduced set (%s)",
	    s ? snapshot_status(s)->pg.error : "-");
	ok(pg != NULL && strstr(pg->degraded_why, "reduced") != NULL &&
	    strstr(pg->degraded_why, "pg_has_role") != NULL, "and says why: %s",
	    pg ? pg->degraded_why : "?");
	ok(pg != NULL && pg->max_connections > 0 && pg->statements == 4,
	    "the reduced set still shows the server in 4 statements");
	snapshot_free(s);
	poller_free(p);
	target_done(&t);
	free(u);
	snprintf(sql, sizeof(sql), "DROP DATABASE %s WITH (FORCE)", db);
	free(pg_one(ctl, sql));

	PQrequestCancel(other);
	PQfinish(other);
	snprintf(sql, sizeof(sql), "DROP ROLE %s", mon);
	free(pg_one(ctl, sql));
	snprintf(sql, sizeof(sql), "DROP ROLE %s", plain);
	free(pg_one(ctl, sql));
	PQfinish(ctl);
}

/* The Redis part is there (and slowlog/config fetched). */
static bool
has_redis(const struct snapshot *s, void *arg)
{
	const struct snap_redis	*rd = snapshot_redis(s);

	(void)arg;
	return (rd != NULL && rd->slowlog_wall_us > 0 && rd->rates.ops_per_s >= 0);
}

/* Redis figures against the server's own, and ACL-denied panels. */
static void
test_redis(const char *url, const char *redis, struct logger *log)
{
	struct conf_target	 t;
	struct poller		*p;
	struct snapshot		*s;
	const struct snap_redis	*rd;
	const struct snap_rclient *rc;
	struct rds		*r;
	struct rds_reply	*rep;
	struct mc_err		 err = { 0 };
	char			 user[64], *u;
	size_t			 n, i;
	bool			 ping = false;
	const char		*argv[12];

	target_init(&t, "t-poller-redis", url, redis);
	p = poller_new(&t, log, 200, &err);
	poller_start(p, &err);
	s = wait_snap(p, has_redis, NULL, 10000);
	rd = s ? snapshot_redis(s) : NULL;
	ok(rd != NULL, "Redis data arrives (%s)", s ? snapshot_status(s)->redis.error : "-");
	ok(s != NULL && snapshot_status(s)->redis.up, "status: Redis up");
	r = rds_new(&t, log, "t-poller", &err);
	argv[0] = "INFO";
	argv[1] = "server";
	rep = r ? rds_command(r, 0, 2, argv, NULL, &err) : NULL;
	ok(rd != NULL && rep != NULL && strstr(rep->str, rd->info.version) != NULL &&
	    rd->info.version[0], "version matches INFO server (%s)", rd ? rd->info.version : "?");
	ok(rd != NULL && rep != NULL && strstr(rep->str, rd->info.run_id) != NULL &&
	    rd->info.run_id[0], "run_id matches");
	rds_reply_free(rep);
	argv[0] = "CONFIG";
	argv[1] = "GET";
	argv[2] = "maxmemory";
	rep = r ? rds_command(r, 0, 3, argv, NULL, &err) : NULL;
	ok(rd != NULL && rep != NULL && rep->n == 2 &&
	    rd->info.maxmemory == strtoll(rep->elem[1].str, NULL, 10),
	    "maxmemory matches CONFIG GET (%lld)", rd ? (long long)rd->info.maxmemory : -1);
	rds_reply_free(rep);
	ok(rd != NULL && rd->rtt_us > 0, "PING latency measured (%lld us)",
	    rd ? (long long)rd->rtt_us : -1);
	ok(rd != NULL && rd->rates.ops_per_s > 0, "ops/s from deltas (%.1f)",
	    rd ? rd->rates.ops_per_s : -1);
	ok(rd != NULL && rd->save_points >= 0, "CONFIG GET save read (%d save points)",
	    rd ? rd->save_points : -1);
	ok(rd != NULL && rd->latency_why[0] != '\0' && (rd->nlat > 0 ||
	    strstr(rd->latency_why, "disabled") || strstr(rd->latency_why, "spikes")),
	    "an empty latency panel says why: %s", rd ? rd->latency_why : "?");
	rc = s ? snapshot_rclients(s, &n) : NULL;
	for (i = 0; rc != NULL && i < n; i++)
		if (strcmp(rc[i].role, "monitor") == 0 && rc[i].ncmds > 0)
			ping = rc[i].st.calls > 0 && rc[i].st.endpoint[0] != '\0';
	ok(ping, "the monitor's client-side counters are reported");
	snapshot_free(s);
	poller_free(p);
	target_done(&t);

	/* A user without SLOWLOG, LATENCY and CONFIG. */
	snprintf(user, sizeof(user), "tpoller-%d", (int)getpid());
	argv[0] = "ACL";
	argv[1] = "SETUSER";
	argv[2] = user;
	argv[3] = "on";
	argv[4] = ">pw";
	argv[5] = "~*";
	argv[6] = "&*";
	argv[7] = "+@all";
	argv[8] = "-slowlog";
	argv[9] = "-latency";
	argv[10] = "-config";
	rep = r ? rds_command(r, 0, 11, argv, NULL, &err) : NULL;
	ok(rep != NULL, "ACL user made: %s", err.msg);
	rds_reply_free(rep);
	if (redis[0] == '/')
		u = xasprintf("unix://%s:pw@%s", user, redis);
	else
		u = xasprintf("redis://%s:pw@%s", user, strstr(redis, "://") ?
		    strstr(redis, "://") + 3 : redis);
	target_init(&t, "t-poller-acl", url, u);
	p = poller_new(&t, log, 200, &err);
	poller_start(p, &err);
	s = wait_snap(p, has_redis, NULL, 10000);
	rd = s ? snapshot_redis(s) : NULL;
	ok(rd != NULL, "ACL-limited user still gets INFO (%s)",
	    s ? snapshot_status(s)->redis.error : "-");
	is_str(rd ? rd->slowlog_why : NULL, "SLOWLOG not permitted by ACL",
	    "the slow log panel says why it is empty");
	ok(rd != NULL && strstr(rd->latency_why, "not permitted") != NULL,
	    "so does the latency panel: %s", rd ? rd->latency_why : "?");
	ok(rd != NULL && strstr(rd->config_why, "not permitted") != NULL && rd->save_points == -1,
	    "CONFIG GET denied: settings unknown, not wrong");
	snapshot_free(s);
	poller_free(p);
	target_done(&t);
	free(u);
	argv[0] = "ACL";
	argv[1] = "DELUSER";
	argv[2] = user;
	rep = r ? rds_command(r, 0, 3, argv, NULL, &err) : NULL;
	rds_reply_free(rep);
	rds_free(r);
}

int
main(void)
{
	const char	*url = getenv("MCPDB_TEST_PGURL");
	const char	*redis = getenv("MCPDB_TEST_REDIS");
	struct logger	*log;

	if (url == NULL || *url == '\0')
		skip_all("MCPDB_TEST_PGURL not set; run under tests/harness/with-servers.sh");
	rds_ignore_sigpipe();
	log = log_new(LOGL_ERROR, LOGF_TEXT);
	test_figures(url, log);
	test_sessions(url, log);
	test_roles(url, log);
	if (redis != NULL && *redis != '\0')
		test_redis(url, redis, log);
	else
		skip(16, "MCPDB_TEST_REDIS not set");
	log_free(log);
	return (done_testing());
}
