/*
 * poller.c - the dashboards' data collector: three threads that never touch
 * the terminal.
 *
 * Model: a publisher thread ticks every interval. On each tick it wakes two
 * samplers, one for PostgreSQL and one for Redis, each on its own
 * connections (conn_new(target, "monitor")), and waits a short while for
 * both. Each sampler builds a fresh immutable part (snap_pg, snap_redis),
 * computes rates there against its own window (metrics.c), and swaps it in
 * under the mutex. The publisher then copies this process's pool and Redis
 * client counters (no I/O), attaches the newest parts by reference and
 * publishes the snapshot by pointer swap. A sampler stuck on a frozen
 * server is bounded by its deadlines, and meanwhile the publisher keeps
 * publishing the last part, whose age the status line shows: data goes
 * stale, keys keep working.
 *
 * PostgreSQL cost (pg-tui-pool.md section 4): one READ ONLY transaction per
 * refresh, committed at once, so the statistics views are one consistent
 * snapshot and the session is never idle in a transaction: BEGIN, a one-row
 * summary (sessions by state, pg_stat_database sums, replication, slots,
 * mcpdb/... applications), the sessions list, COMMIT. pg_blocking_pids()
 * takes the lock manager's locks, so the sessions query calls it only when
 * the summary saw lock waiters and 5 s have passed since the last check.
 * Where there is replication to show, the Dashboard's replication section
 * adds repl_sample's three statements after the COMMIT (repl.c).
 */
#include "config.h"

#include "poller.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libpq-fe.h>
#include <cjson/cJSON.h>

#include "breaker.h"
#include "buf.h"
#include "conn.h"
#include "metrics.h"
#include "pgbadmin.h"
#include "pg-locks.h"
#include "pgq.h"
#include "poller-cluster.h"
#include "pool.h"
#include "rds-clients.h"
#include "rds.h"
#include "redact.h"
#include "repl.h"
#include "xmem.h"
#include "clk.h"

#define POLLER_MIN_INTERVAL_MS	100
#define POLLER_WAIT_PARTS_MS	400	/* publisher waits this long for fresh parts */
#define POLLER_GRACE_MS		300	/* poller_free waits this long for threads */
#define POLLER_BLOCKING_EVERY_US (5 * 1000000LL)
#define POLLER_SLOW_EVERY_US	(10 * 1000000LL)
/* CONFIG GET (save points...): every slow cycle, and after a restart */
#define POLLER_CONFIG_EVERY_US	POLLER_SLOW_EVERY_US
#define POLLER_RATIO_SPAN_US	(60 * 1000000LL)	/* window of ratios */
#define POLLER_RATE_SPAN_US	(3 * 1000000LL)		/* span of per-second rates */
#define POLLER_BANNER_US	(15 * 60 * 1000000LL)
#define POLLER_MAX_SESSIONS	500
#define POLLER_MAX_PAIRS	64

/* What the status line needs about one server (under mtx). */
struct poller_srv {
	bool	up;
	bool	ever_ok;
	char	error[160];
	int64_t	last_ok_wall_us;
	/* monotonic start of the sample in flight; 0 idle */
	int64_t	busy_since_us;
};

/* One waiter and its blockers, remembered between pg_blocking_pids() checks. */
struct poller_pair {
	int	pid;
	int	n;
	int	blockers[SNAP_MAX_BLOCKERS];
};

/* PostgreSQL sampler state (its thread only). */
struct poller_pgs {
	struct metrics_window	w;
	struct metrics_series	tps, active;
	int			level;		/* 0 full summary, 1 reduced */
	char			degraded_why[160];
	int64_t			last_blocking_us;	/* monotonic; 0 never */
	int64_t			last_blocking_wall_us;
	int			npairs;
	struct poller_pair	pairs[POLLER_MAX_PAIRS];
	char			endpoint[128];
	char			server[112];	/* last answering server */
	unsigned		server_changes;
	/* the server has shown replication: keep sampling it */
	bool			repl_seen;
	/* PgBouncer's admin console: our session to it, or NULL */
	PGconn			*pgb;
};

/* Redis sampler state (its thread only). */
struct poller_rds {
	struct metrics_window	w;
	struct metrics_series	ops, rtt, mem;
	char			role[16];
	char			run_id[48];
	char			banner[200];
	int64_t			banner_wall_us;
	int64_t			next_slow_us, next_config_us;
	/* the last SLOWLOG/LATENCY/CONFIG results, carried into each part */
	struct snap_redis	keep;
	/* the last cluster view (poller-cluster.c), or NULL */
	struct snap_cluster	*cluster;
};

struct poller {
	/* a deep copy with the monitor's pool settings */
	struct conf_target	 mon_target;
	/* borrowed: only through poller_log */
	struct logger		*log;
	pthread_mutex_t		 log_mtx;	/* log_off */
	bool			 log_off;	/* poller_free has returned */
	int			 interval_ms;	/* under mtx (poller_set_interval) */
	bool			 resched;	/* interval_ms changed: under mtx */
	int			 deadline_ms;	/* per statement / acquire */
	struct conn		*mon;		/* our own connections */
	/* the console's, or NULL (borrowed) */
	struct conn		*watch;
	bool			 has_redis;
	/* the target is PgBouncer's admin console (pgbadmin.c) */
	bool			 console;

	pthread_t		 thr_pub, thr_pg, thr_rd;
	bool			 started, rd_started;

	/* everything below; never held during I/O */
	pthread_mutex_t		 mtx;
	pthread_cond_t		 cond;		/* CLOCK_MONOTONIC */
	pthread_condattr_t	 cattr;
	bool			 stop;
	bool			 wake;
	bool			 want_locks;	/* poller_want_locks */
	bool			 want_clients;	/* poller_want_clients */
	/* threads that have not finished */
	int			 running;
	uint64_t		 tick;
	/* last tick each sampler finished */
	uint64_t		 pg_tick, rd_tick;
	struct snap_pg		*pg;
	struct snap_redis	*rd;
	struct poller_srv	 pgsrv, rdsrv;
	struct snapshot		*latest;
	uint64_t		 gen;
	/* readable while a snapshot waits */
	int			 pipe[2];
	bool			 signalled;	/* a byte is in the pipe */

	/* thread-private */
	struct poller_pgs	 pgs;
	struct poller_rds	 rds;
	struct metrics_series	 pool_p99[SNAP_MAX_POOLS],
	    pool_active[SNAP_MAX_POOLS];
};

/* A monotonic deadline as a timespec for pthread_cond_timedwait. */
static struct timespec
poller_ts(int64_t us)
{
	struct timespec	ts;

	ts.tv_sec = us / 1000000;
	ts.tv_nsec = (long)(us % 1000000) * 1000;
	return (ts);
}

/*
 * Log through the borrowed logger unless poller_free has returned: a
 * sampler left blocked on a frozen server may wake after the caller freed
 * the logger, so every log call checks log_off under log_mtx (a lock used
 * for nothing else).
 */
static void __attribute__((format(printf, 3, 4)))
poller_log(struct poller *p, enum log_level level, const char *fmt, ...)
{
	char	buf[400];
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	pthread_mutex_lock(&p->log_mtx);
	if (!p->log_off)
		log_msg(p->log, level, "%s", buf);
	pthread_mutex_unlock(&p->log_mtx);
}

/* Copy at most size-1 bytes of src (NULL = "") into dst. */
static void
poller_strlcpy(char *dst, const char *src, size_t size)
{
	size_t	n = src ? strnlen(src, size - 1) : 0;

	if (n > 0)
		memcpy(dst, src, n);
	dst[n] = '\0';
}

/* ------------------------------------------------------------ PostgreSQL */

/* The one-row summary; $1 unused. Column names are read by name. */
static const char poller_q_summary[] =
    "SELECT current_setting('server_version_num')::int AS vnum,"
    " current_setting('server_version') AS version,"
    " pg_is_in_recovery() AS in_recovery,"
    " current_setting('is_superuser') = 'on' AS superuser,"
    " pg_has_role(current_user, 'pg_monitor', 'USAGE') AS pg_monitor,"
    " pg_has_role(current_user, 'pg_signal_backend', 'USAGE') AS pg_signal,"
    " current_setting('max_connections')::int AS max_conn,"
    " " METRICS_PG_RESERVED_SQL " AS reserved,"
    " pg_postmaster_start_time()::text AS started,"
    " extract(epoch FROM now() - pg_postmaster_start_time())::bigint AS uptime,"
    " a.*, d.*,"
    " CASE WHEN pg_is_in_recovery() THEN"
    "  (SELECT json_build_object('delay_s', extract(epoch FROM now() -"
    "    pg_last_xact_replay_timestamp()), 'bytes', pg_wal_lsn_diff("
    "    pg_last_wal_receive_lsn(), pg_last_wal_replay_lsn())))"
    " ELSE"
    "  (SELECT json_agg(json_build_object('name', application_name,"
    "    'client', coalesce(host(client_addr), 'local'), 'state', state,"
    "    'sync', sync_state, 'bytes', pg_wal_lsn_diff(pg_current_wal_lsn(),"
    "    replay_lsn), 'write_s', extract(epoch FROM write_lag), 'flush_s',"
    "    extract(epoch FROM flush_lag), 'replay_s', extract(epoch FROM"
    "    replay_lag))) FROM pg_stat_replication)"
    " END AS repl,"
    " (SELECT json_build_array(count(*), count(*) FILTER (WHERE NOT active),"
    "   max(CASE WHEN pg_is_in_recovery() THEN NULL ELSE"
    "   pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn) END))"
    "   FROM pg_replication_slots) AS slots,"
    " (SELECT json_agg(json_build_array(app, n, act, idl, ixact) ORDER BY app)"
    "   FROM (SELECT application_name app, count(*) n,"
    "   count(*) FILTER (WHERE state = 'active') act,"
    "   count(*) FILTER (WHERE state = 'idle') idl,"
    "   count(*) FILTER (WHERE state LIKE 'idle in transaction%') ixact"
    "   FROM pg_stat_activity WHERE backend_type = 'client backend'"
    "   AND application_name LIKE 'mcpdb/%' GROUP BY 1 LIMIT 16) x) AS apps"
    " FROM (SELECT"
    "  count(*) FILTER (WHERE backend_type = 'client backend') AS clients,"
    "  count(*) FILTER (WHERE backend_type = 'client backend' AND state = 'active') AS active,"
    "  count(*) FILTER (WHERE backend_type = 'client backend' AND state = 'idle') AS idle,"
    "  count(*) FILTER (WHERE state = 'idle in transaction') AS idle_in_xact,"
    "  count(*) FILTER (WHERE state = 'idle in transaction (aborted)') AS idle_in_xact_aborted,"
    "  count(*) FILTER (WHERE backend_type IS NULL AND usename IS NOT NULL) AS hidden,"
    "  count(*) FILTER (WHERE wait_event_type = 'Lock') AS lock_waiters,"
    "  count(*) FILTER (WHERE backend_type = 'autovacuum worker') AS autovacuum,"
    "  count(*) AS backends,"
    "  extract(epoch FROM max(now() - xact_start) FILTER (WHERE backend_type ="
    "   'client backend' AND pid <> pg_backend_pid())) AS oldest_xact_s,"
    "  extract(epoch FROM max(now() - query_start) FILTER (WHERE backend_type ="
    "   'client backend' AND state = 'active' AND pid <> pg_backend_pid())) AS longest_query_s,"
    "  extract(epoch FROM max(now() - state_change) FILTER (WHERE state LIKE"
    "   'idle in transaction%')) AS longest_idle_xact_s"
    "  FROM pg_stat_activity) a,"
    " (SELECT sum(xact_commit) commits, sum(xact_rollback) rollbacks,"
    "  sum(blks_hit) hits, sum(blks_read) reads, sum(deadlocks) deadlocks,"
    "  sum(temp_files) temp_files, sum(temp_bytes) temp_bytes,"
    "  sum(conflicts) conflicts, sum(tup_inserted) ins, sum(tup_updated) upd,"
    "  sum(tup_deleted) del, sum(tup_returned) ret,"
    "  extract(epoch FROM max(stats_reset))::bigint AS stats_reset"
    "  FROM pg_stat_database) d";

/* The reduced summary used when the full one fails (old server, odd grants). */
static const char poller_q_summary_min[] =
    "SELECT current_setting('server_version_num')::int AS vnum,"
    " current_setting('server_version') AS version,"
    " pg_is_in_recovery() AS in_recovery,"
    " current_setting('is_superuser') = 'on' AS superuser,"
    " current_setting('max_connections')::int AS max_conn,"
    " " METRICS_PG_RESERVED_SQL " AS reserved,"
    " pg_postmaster_start_time()::text AS started,"
    " extract(epoch FROM now() - pg_postmaster_start_time())::bigint AS uptime,"
    " a.*, d.*"
    " FROM (SELECT"
    "  count(*) FILTER (WHERE backend_type = 'client backend') AS clients,"
    "  count(*) FILTER (WHERE backend_type = 'client backend' AND state = 'active') AS active,"
    "  count(*) FILTER (WHERE backend_type = 'client backend' AND state = 'idle') AS idle,"
    "  count(*) FILTER (WHERE state = 'idle in transaction') AS idle_in_xact,"
    "  count(*) FILTER (WHERE state = 'idle in transaction (aborted)') AS idle_in_xact_aborted,"
    "  count(*) FILTER (WHERE backend_type IS NULL AND usename IS NOT NULL) AS hidden,"
    "  count(*) FILTER (WHERE wait_event_type = 'Lock') AS lock_waiters,"
    "  count(*) AS backends"
    "  FROM pg_stat_activity) a,"
    " (SELECT sum(xact_commit) commits, sum(xact_rollback) rollbacks,"
    "  sum(blks_hit) hits, sum(blks_read) reads, sum(deadlocks) deadlocks,"
    "  sum(temp_files) temp_files, sum(temp_bytes) temp_bytes"
    "  FROM pg_stat_database) d";

/*
 * The sessions list: client backends, autovacuum workers and walsenders,
 * most interesting first. $1: run pg_blocking_pids() for lock waiters.
 */
static const char poller_q_sessions[] =
    "SELECT pid, usename, application_name,"
    " coalesce(host(client_addr), CASE WHEN client_port = -1 THEN 'local' END),"
    " backend_type, state, wait_event_type, wait_event,"
    " extract(epoch FROM now() - xact_start), extract(epoch FROM now() - query_start),"
    " extract(epoch FROM now() - state_change), extract(epoch FROM now() - backend_start),"
    " left(query, 400),"
    " CASE WHEN $1::bool AND wait_event_type = 'Lock' THEN pg_blocking_pids(pid)::text END,"
    " count(*) OVER (),"
    " (extract(epoch FROM backend_start) * 1000000)::bigint"
    " FROM pg_stat_activity"
    " WHERE pid <> pg_backend_pid()"
    " AND (backend_type IN ('client backend', 'autovacuum worker', 'walsender')"
    " OR (backend_type IS NULL AND usename IS NOT NULL))"
    " ORDER BY state = 'idle', state IS NULL, xact_start NULLS LAST, pid"
    " LIMIT 500";

/* The text of column name in row 0, or NULL when NULL or absent. */
static const char *
pg_val(const PGresult *res, const char *name)
{
	int	c = PQfnumber(res, name);

	if (c < 0 || PQntuples(res) < 1 || PQgetisnull(res, 0, c))
		return (NULL);
	return (PQgetvalue(res, 0, c));
}

/* Column name of row 0 as an integer; -1 when NULL/absent. */
static int64_t
pg_int(const PGresult *res, const char *name)
{
	const char	*v = pg_val(res, name);

	return (v == NULL ? -1 : strtoll(v, NULL, 10));
}

/*
 * Column name of row 0 as a double; -1 when NULL/absent. Ages are measured
 * from now() (the transaction's start), which can precede a session's
 * timestamps by a moment: negative values read as 0.
 */
static double
pg_dbl(const PGresult *res, const char *name)
{
	const char	*v = pg_val(res, name);
	double		 d;

	if (v == NULL)
		return (-1);
	d = strtod(v, NULL);
	return (d < 0 ? 0 : d);
}

/* Column name of row 0 as a boolean (false when NULL/absent). */
static bool
pg_bool(const PGresult *res, const char *name)
{
	const char	*v = pg_val(res, name);

	return (v != NULL && v[0] == 't');
}

/* Cell (r, c) as a double; -1 when NULL, 0 when slightly negative (see pg_dbl). */
static double
pg_cell_dbl(const PGresult *res, int r, int c)
{
	double	d;

	if (PQgetisnull(res, r, c))
		return (-1);
	d = strtod(PQgetvalue(res, r, c), NULL);
	return (d < 0 ? 0 : d);
}

/* A JSON number (or -1 when null/absent). */
static double
json_dbl(const cJSON *o, const char *k)
{
	const cJSON	*v = cJSON_GetObjectItemCaseSensitive(o, k);

	return (cJSON_IsNumber(v) ? v->valuedouble : -1);
}

/* A JSON string (or "" when null/absent). */
static const char *
json_str(const cJSON *o, const char *k)
{
	const cJSON	*v = cJSON_GetObjectItemCaseSensitive(o, k);

	return (cJSON_IsString(v) ? v->valuestring : "");
}

/* Read the replication, slot and application JSON columns of the summary. */
static void
poller_pg_json(struct snap_pg *pg, const PGresult *res)
{
	const char	*v;
	cJSON		*j, *e, *x;
	int		 n;

	pg->standby_delay_s = -1;
	pg->standby_backlog_bytes = -1;
	pg->slot_retained_bytes = -1;
	if ((v = pg_val(res, "repl")) != NULL && (j = cJSON_Parse(v)) != NULL) {
		if (pg->in_recovery) {
			pg->standby_delay_s = json_dbl(j, "delay_s");
			pg->standby_backlog_bytes = (int64_t)json_dbl(j,
			    "bytes");
		} else
			cJSON_ArrayForEach(e, j) {
				struct snap_replica	*r;

				if (pg->nreplicas >= SNAP_MAX_REPLICAS)
					break;
				r = &pg->replicas[pg->nreplicas++];
				poller_strlcpy(r->name, json_str(e, "name"),
				    sizeof(r->name));
				poller_strlcpy(r->client, json_str(e, "client"),
				    sizeof(r->client));
				poller_strlcpy(r->state, json_str(e, "state"),
				    sizeof(r->state));
				poller_strlcpy(r->sync_state, json_str(e,
				    "sync"), sizeof(r->sync_state));
				r->lag_bytes = (int64_t)json_dbl(e, "bytes");
				r->write_lag_s = json_dbl(e, "write_s");
				r->flush_lag_s = json_dbl(e, "flush_s");
				r->replay_lag_s = json_dbl(e, "replay_s");
			}
		cJSON_Delete(j);
	}
	if ((v = pg_val(res,
	    "slots")) != NULL && (j = cJSON_Parse(v)) != NULL) {
		if (cJSON_GetArraySize(j) == 3) {
			pg->nslots = cJSON_GetArrayItem(j, 0)->valueint;
			pg->inactive_slots = cJSON_GetArrayItem(j, 1)->valueint;
			x = cJSON_GetArrayItem(j, 2);
			pg->slot_retained_bytes = cJSON_IsNumber(x) ?
			    (int64_t)x->valuedouble : -1;
		}
		cJSON_Delete(j);
	}
	if ((v = pg_val(res, "apps")) != NULL && (j = cJSON_Parse(v)) != NULL) {
		cJSON_ArrayForEach(e, j) {
			struct snap_app	*a;

			if (pg->napps >= SNAP_MAX_APPS || cJSON_GetArraySize(e) != 5)
				break;
			a = &pg->apps[pg->napps++];
			x = cJSON_GetArrayItem(e, 0);
			poller_strlcpy(a->app,
			    cJSON_IsString(x) ? x->valuestring : "",
			    sizeof(a->app));
			n = 1;
			a->conns = cJSON_GetArrayItem(e, n++)->valueint;
			a->active = cJSON_GetArrayItem(e, n++)->valueint;
			a->idle = cJSON_GetArrayItem(e, n++)->valueint;
			a->idle_in_xact = cJSON_GetArrayItem(e, n)->valueint;
		}
		cJSON_Delete(j);
	}
}

/* Fill pg's summary fields and counters from the summary row. */
static void
poller_pg_summary(struct snap_pg *pg, const PGresult *res,
    struct pg_counters *c)
{
	pg->version_num = (int)pg_int(res, "vnum");
	poller_strlcpy(pg->version, pg_val(res, "version"),
	    sizeof(pg->version));
	pg->in_recovery = pg_bool(res, "in_recovery");
	pg->superuser = pg_bool(res, "superuser");
	pg->pg_monitor = pg->superuser || pg_bool(res, "pg_monitor");
	pg->pg_signal = pg->superuser || pg_bool(res, "pg_signal");
	pg->max_connections = (int)pg_int(res, "max_conn");
	pg->reserved = (int)pg_int(res, "reserved");
	pg->uptime_s = pg_int(res, "uptime");
	pg->clients = (int)pg_int(res, "clients");
	pg->active = (int)pg_int(res, "active");
	pg->idle = (int)pg_int(res, "idle");
	pg->idle_in_xact = (int)pg_int(res, "idle_in_xact");
	pg->idle_in_xact_aborted = (int)pg_int(res, "idle_in_xact_aborted");
	pg->hidden = (int)pg_int(res, "hidden");
	pg->lock_waiters = (int)pg_int(res, "lock_waiters");
	pg->autovacuum = (int)pg_int(res, "autovacuum");
	pg->backends = (int)pg_int(res, "backends");
	pg->oldest_xact_s = pg_dbl(res, "oldest_xact_s");
	pg->longest_query_s = pg_dbl(res, "longest_query_s");
	pg->longest_idle_xact_s = pg_dbl(res, "longest_idle_xact_s");
	memset(c, 0, sizeof(*c));
	poller_strlcpy(c->postmaster_start, pg_val(res, "started"),
	    sizeof(c->postmaster_start));
	c->uptime_s = pg->uptime_s;
	c->stats_reset_epoch = pg_int(res, "stats_reset");
	if (c->stats_reset_epoch < 0)
		c->stats_reset_epoch = 0;
	c->commits = pg_int(res, "commits");
	c->rollbacks = pg_int(res, "rollbacks");
	c->blks_hit = pg_int(res, "hits");
	c->blks_read = pg_int(res, "reads");
	c->deadlocks = pg_int(res, "deadlocks");
	c->temp_files = pg_int(res, "temp_files");
	c->temp_bytes = pg_int(res, "temp_bytes");
	c->conflicts = pg_int(res, "conflicts");
	c->inserted = pg_int(res, "ins");
	c->updated = pg_int(res, "upd");
	c->deleted = pg_int(res, "del");
	c->returned = pg_int(res, "ret");
	poller_pg_json(pg, res);
}

/* Fold whitespace runs to one space, then hide secrets, into dst. */
static void
poller_excerpt(char *dst, size_t size, const char *src)
{
	char	*tmp = xmalloc(strlen(src) + 1), *red;
	size_t	 o = 0;
	bool	 sp = false;

	for (; *src != '\0'; src++) {
		if (isspace((unsigned char)*src)) {
			sp = o > 0;
			continue;
		}
		if (sp)
			tmp[o++] = ' ';
		sp = false;
		tmp[o++] = *src;
	}
	tmp[o] = '\0';
	red = redact_text(tmp);
	poller_strlcpy(dst, red, size);
	free(red);
	free(tmp);
}

/* Parse "{1,2,3}" into at most max pids; returns the count. */
static int
poller_pids(const char *s, int *out, int max)
{
	int	n = 0;
	char	*end;
	long	v;

	while (s != NULL && *s != '\0' && n < max) {
		if (*s < '0' || *s > '9') {
			s++;
			continue;
		}
		v = strtol(s, &end, 10);
		out[n++] = (int)v;
		s = end;
	}
	return (n);
}

/* Copy the sessions rows into pg; remember blockers when they were checked. */
static void
poller_pg_sessions(struct poller *p, struct snap_pg *pg, const PGresult *res,
    bool checked)
{
	struct poller_pgs	*st = &p->pgs;
	int			 i, j, n = PQntuples(res);

	pg->sessions = xcalloc(n > 0 ? (size_t)n : 1, sizeof(*pg->sessions));
	pg->nsessions = (size_t)n;
	pg->sessions_total = n > 0 ? (size_t)strtoull(PQgetvalue(res, 0, 14),
	    NULL, 10) : 0;
	if (checked)
		st->npairs = 0;
	for (i = 0; i < n; i++) {
		struct snap_session	*s = &pg->sessions[i];

		s->pid = atoi(PQgetvalue(res, i, 0));
		poller_strlcpy(s->user, PQgetvalue(res, i, 1), sizeof(s->user));
		poller_excerpt(s->app, sizeof(s->app), PQgetvalue(res, i, 2));
		poller_strlcpy(s->client, PQgetvalue(res, i, 3),
		    sizeof(s->client));
		poller_strlcpy(s->backend_type, PQgetvalue(res, i, 4),
		    sizeof(s->backend_type));
		poller_strlcpy(s->state, PQgetvalue(res, i, 5),
		    sizeof(s->state));
		poller_strlcpy(s->wait_type, PQgetvalue(res, i, 6),
		    sizeof(s->wait_type));
		poller_strlcpy(s->wait_event, PQgetvalue(res, i, 7),
		    sizeof(s->wait_event));
		s->xact_s = pg_cell_dbl(res, i, 8);
		s->query_s = pg_cell_dbl(res, i, 9);
		s->state_s = pg_cell_dbl(res, i, 10);
		s->backend_s = pg_cell_dbl(res, i, 11);
		s->backend_start_us = PQgetisnull(res, i, 15) ? 0 :
		    strtoll(PQgetvalue(res, i, 15), NULL, 10);
		s->hidden = strcmp(PQgetvalue(res, i, 12),
		    "<insufficient privilege>") == 0;
		if (s->hidden)
			poller_strlcpy(s->query, "(hidden: needs pg_monitor)",
			    sizeof(s->query));
		else
			poller_excerpt(s->query, sizeof(s->query),
			    PQgetvalue(res, i, 12));
		if (checked && !PQgetisnull(res, i, 13)) {
			s->nblockers = poller_pids(PQgetvalue(res, i, 13),
			    s->blockers,
			    SNAP_MAX_BLOCKERS);
			if (st->npairs < POLLER_MAX_PAIRS) {
				struct poller_pair	*pp = &st->pairs[st->npairs++];

				pp->pid = s->pid;
				pp->n = s->nblockers;
				memcpy(pp->blockers, s->blockers,
				    sizeof(pp->blockers));
			}
		} else if (!checked && strcmp(s->wait_type, "Lock") == 0) {
			/* Still waiting: show the blockers of the last check. */
			for (j = 0; j < st->npairs; j++)
				if (st->pairs[j].pid == s->pid) {
					s->nblockers = st->pairs[j].n;
					memcpy(s->blockers,
					    st->pairs[j].blockers,
					    sizeof(s->blockers));
					break;
				}
		}
	}
	pg->blocking_checked_wall_us = st->last_blocking_wall_us;
}

/*
 * Record which server answered (PQhost:PQport of conn) in pg, and log an
 * event when it is not the one that answered before: with a multi-host
 * conninfo this is how a failover shows (the pool reconnected through the
 * host list to another server).
 */
static void
poller_pg_server(struct poller *p, struct snap_pg *pg, PGconn *conn)
{
	struct poller_pgs	*st = &p->pgs;
	const char		*h = PQhost(conn), *port = PQport(conn);
	char			 now[sizeof(st->server)];

	snprintf(now, sizeof(now), "%s:%s", h != NULL ? h : "?",
	    port != NULL ? port : "?");
	if (st->server[0] != '\0' && strcmp(now, st->server) != 0) {
		st->server_changes++;
		poller_log(p, LOGL_WARN, "dashboard: PostgreSQL is now "
		    "answered by %s (%s), was %s: the pool followed a "
		    "failover or the host list", now,
		    pg->in_recovery ? "a standby" : "the primary", st->server);
	}
	poller_strlcpy(st->server, now, sizeof(st->server));
	poller_strlcpy(pg->server, now, sizeof(pg->server));
	pg->server_changes = st->server_changes;
}

/*
 * The replication section of pg (repl_sample, three statements, each
 * bounded by the deadline), run after the summary's transaction so that a
 * view the role may not read cannot abort it. Only while the summary shows
 * replication (a standby, a slot, recovery) or has shown it, so that a
 * standby that went away still shows as gone; a failed sample is kept as
 * its error, never failing the refresh.
 */
static void
poller_pg_repl(struct poller *p, struct pool *pool, PGconn *conn,
    struct snap_pg *pg)
{
	struct mc_err	e = { 0 };
	struct buf	b;

	if (pg->in_recovery || pg->nreplicas > 0 || pg->nslots > 0 ||
	    pg->degraded)
		p->pgs.repl_seen = true;
	if (!p->pgs.repl_seen)
		return;
	(void)repl_sample(pool, conn, p->deadline_ms, &pg->repl, &e);
	pg->statements += 3;
	pg->repl_sampled = true;
	pg->repl_th = p->mon_target.replication;
	buf_init(&b);
	pg->repl_nproblems = repl_problems(&pg->repl, &pg->repl_th, &b);
	poller_strlcpy(pg->repl_problems, b.len > 0 ? b.data : "",
	    sizeof(pg->repl_problems));
	buf_done(&b);
}

/*
 * The lock tree, while a view wants it: one statement of its own after the
 * COMMIT (its failure, a missing privilege say, is noted in the part and
 * does not cost the refresh).
 */
static void
poller_pg_locks(struct poller *p, struct pool *pool, PGconn *conn,
    struct snap_pg *pg)
{
	struct mc_err	 e = { 0 };
	PGresult	*res;
	bool		 want;

	pthread_mutex_lock(&p->mtx);
	want = p->want_locks;
	pthread_mutex_unlock(&p->mtx);
	if (!want)
		return;
	pg->locks_sampled = true;
	res = pool_query_deadline(pool, conn, pg_locks_sql(pg->version_num), 0,
	    NULL, p->deadline_ms, &e);
	pg->statements++;
	if (res == NULL) {
		poller_strlcpy(pg->locks_error, e.msg, sizeof(pg->locks_error));
		return;
	}
	pg->locks = pg_locks_from_result(res);
	PQclear(res);
}

/*
 * One PostgreSQL refresh into pg: BEGIN READ ONLY, summary, sessions,
 * COMMIT, each bounded by the deadline. Returns 0, or -1 with err (the
 * connection is cleaned up or closed by pool_release).
 */
static int
poller_pg_refresh(struct poller *p, struct snap_pg *pg, struct pg_counters *cnt,
    struct mc_err *err)
{
	struct poller_pgs	*st = &p->pgs;
	struct pool		*pool;
	PGconn			*conn;
	PGresult		*res;
	const char		*param[1];
	bool			 check;
	int64_t			 now;

	if ((pool = conn_pool(p->mon, err)) == NULL)
		return (-1);
	if ((conn = pool_acquire(pool, "dashboard poller", err)) == NULL)
		return (-1);
	if ((res = pool_query_deadline(pool, conn, "BEGIN READ ONLY", 0, NULL,
	    p->deadline_ms, err)) == NULL)
		goto fail;
	PQclear(res);
	pg->statements = 1;
	res = pool_query_deadline(pool, conn,
	    st->level == 0 ? poller_q_summary :
	    poller_q_summary_min, 0, NULL, p->deadline_ms, err);
	pg->statements++;
	if (res == NULL) {
		if (err != NULL && err->code == MC_E_QUERY && st->level == 0 &&
		    (strncmp(err->sqlstate, "42", 2) == 0 ||
		    strncmp(err->sqlstate, "0A", 2) == 0)) {
			/*
			 * Degrade, don't fail: a missing function, view or
			 * privilege (class 42, 0A) will not go away, so the
			 * next refreshes use the reduced set. Anything else
			 * (a timeout, a cancel) is retried as it is.
			 */
			st->level = 1;
			snprintf(st->degraded_why, sizeof(st->degraded_why),
			    "full statistics query failed (%.100s); showing a reduced set",
			    err->msg);
			poller_log(p, LOGL_WARN, "dashboard: %s",
			    st->degraded_why);
		}
		goto fail;
	}
	poller_pg_summary(pg, res, cnt);
	PQclear(res);
	poller_pg_server(p, pg, conn);
	now = clk_mono_us();
	check = pg->lock_waiters > 0 && (st->last_blocking_us == 0 ||
	    now - st->last_blocking_us >= POLLER_BLOCKING_EVERY_US);
	if (check) {
		st->last_blocking_us = now;
		st->last_blocking_wall_us = clk_wall_us();
	} else if (pg->lock_waiters <= 0)
		st->npairs = 0;
	param[0] = check ? "true" : "false";
	res = pool_query_deadline(pool, conn, poller_q_sessions, 1, param,
	    p->deadline_ms, err);
	pg->statements++;
	if (res == NULL)
		goto fail;
	poller_pg_sessions(p, pg, res, check);
	PQclear(res);
	res = pool_query_deadline(pool, conn, "COMMIT", 0, NULL, p->deadline_ms,
	    err);
	pg->statements++;
	if (res == NULL)
		goto fail;
	PQclear(res);
	poller_pg_locks(p, pool, conn, pg);
	poller_pg_repl(p, pool, conn, pg);
	pool_release(pool, conn);
	return (0);
fail:
	pool_release(pool, conn);
	return (-1);
}

/*
 * A part for PgBouncer's admin console: SHOW POOLS and SHOW STATS on a
 * session of our own (opened here, kept, closed after any failure), each
 * bounded by the deadline. NULL with err.
 */
static struct snap_pg *
poller_pgb_sample(struct poller *p, struct mc_err *err)
{
	struct poller_pgs	*st = &p->pgs;
	struct snap_pg		*pg;
	struct table		*pools, *stats;
	int64_t			 t0 = clk_mono_us(), wall = clk_wall_us();

	if (st->pgb == NULL &&
	    (st->pgb = pgq_connect(&p->mon_target, "monitor", err)) == NULL)
		return (NULL);
	if (pgbadmin_read(st->pgb, p->deadline_ms, &pools, &stats,
	    err) == -1) {
		PQfinish(st->pgb);
		st->pgb = NULL;
		return (NULL);
	}
	pg = snap_pg_new();
	pg->wall_us = wall;
	pg->took_us = clk_mono_us() - t0;
	pg->statements = 2;
	pg->pgbouncer = true;
	pg->pgb_pools = pools;
	pg->pgb_stats = stats;
	pg->standby_delay_s = -1;
	pg->standby_backlog_bytes = -1;
	pg->slot_retained_bytes = -1;
	poller_strlcpy(pg->endpoint, st->endpoint, sizeof(pg->endpoint));
	poller_pg_server(p, pg, st->pgb);
	return (pg);
}

/* Build a PostgreSQL part, or NULL with err when the refresh failed. */
static struct snap_pg *
poller_pg_sample(struct poller *p, struct mc_err *err)
{
	struct poller_pgs	*st = &p->pgs;
	struct snap_pg		*pg;
	struct pg_counters	 cnt;
	struct metrics_sample	 ms;
	int64_t			 t0 = clk_mono_us();

	if (p->console)
		return (poller_pgb_sample(p, err));
	pg = snap_pg_new();
	pg->wall_us = clk_wall_us();
	if (poller_pg_refresh(p, pg, &cnt, err) == -1) {
		snap_pg_unref(pg);
		metrics_series_push(&st->tps, -1);
		metrics_series_push(&st->active, -1);
		return (NULL);
	}
	pg->took_us = clk_mono_us() - t0;
	poller_strlcpy(pg->endpoint, st->endpoint, sizeof(pg->endpoint));
	pg->degraded = st->level != 0;
	poller_strlcpy(pg->degraded_why, st->degraded_why,
	    sizeof(pg->degraded_why));
	metrics_pg_sample(&cnt, t0, &ms);
	if (metrics_push(&st->w, &ms) == METRICS_RESTART)
		poller_log(p, LOGL_INFO,
		    "dashboard: PostgreSQL restarted (postmaster start "
		    "time changed); rates start from a new baseline");
	metrics_pg_rates(&st->w, POLLER_RATE_SPAN_US, POLLER_RATIO_SPAN_US,
	    &pg->rates);
	pg->counters = cnt;
	pg->breaks = st->w.breaks;
	metrics_series_push(&st->tps, pg->rates.tps);
	metrics_series_push(&st->active, pg->active);
	snap_series_set(&pg->tps, &st->tps);
	snap_series_set(&pg->active_series, &st->active);
	return (pg);
}

/* ------------------------------------------------------------------ Redis */

/* Why an error reply came back, in an operator's words. */
static void
poller_rd_why(char *dst, size_t size, const char *what,
    const struct rds_reply *r)
{
	if (r == NULL)
		snprintf(dst, size, "%s: no reply", what);
	else if (strncmp(r->str, "NOPERM", 6) == 0)
		snprintf(dst, size, "%s not permitted by ACL", what);
	else if (strstr(r->str, "unknown command") != NULL)
		snprintf(dst, size,
		    "%s not available (command renamed or disabled)", what);
	else
		snprintf(dst, size, "%s failed: %.80s", what, r->str);
}

/* Compare slowlog entries by duration, slowest first. */
static int
poller_slow_cmp(const void *a, const void *b)
{
	const struct snap_slow	*x = a, *y = b;

	return (x->usec < y->usec ? 1 : x->usec > y->usec ? -1 : 0);
}

/* Read a SLOWLOG GET reply into keep (worst entries first). */
static void
poller_rd_slowlog(struct snap_redis *keep, const struct rds_reply *r)
{
	struct snap_slow	 all[32], *s;
	size_t			 i, j, n = 0, o;
	char			*cmd;

	keep->nslow = 0;
	if (r == NULL || r->type == RDS_ERROR) {
		poller_rd_why(keep->slowlog_why, sizeof(keep->slowlog_why),
		    "SLOWLOG", r);
		return;
	}
	keep->slowlog_why[0] = '\0';
	for (i = 0; i < r->n && n < 32; i++) {
		const struct rds_reply	*e = &r->elem[i];

		if (e->type != RDS_ARRAY || e->n < 4)
			continue;
		s = &all[n++];
		memset(s, 0, sizeof(*s));
		s->id = e->elem[0].integer;
		s->when = e->elem[1].integer;
		s->usec = e->elem[2].integer;
		cmd = xcalloc(1, sizeof(s->cmd));
		for (j = 0, o = 0; j < e->elem[3].n && o + 2 < sizeof(s->cmd); j++) {
			const struct rds_reply	*a = &e->elem[3].elem[j];

			o += (size_t)snprintf(cmd + o, sizeof(s->cmd) - o,
			    "%s%.*s",
			    j ? " " : "", (int)(a->str ? a->len : 0),
			    a->str ? a->str : "");
			if (o >= sizeof(s->cmd))
				o = sizeof(s->cmd) - 1;
		}
		poller_excerpt(s->cmd, sizeof(s->cmd), cmd);
		free(cmd);
		if (e->n >= 6) {
			poller_strlcpy(s->client, e->elem[4].str,
			    sizeof(s->client));
			poller_excerpt(s->name, sizeof(s->name),
			    e->elem[5].str ? e->elem[5].str : "");
		}
	}
	qsort(all, n, sizeof(all[0]), poller_slow_cmp);
	for (i = 0; i < n && i < SNAP_MAX_SLOW; i++)
		keep->slow[keep->nslow++] = all[i];
}

/* Read a LATENCY LATEST reply into keep. */
static void
poller_rd_latency(struct snap_redis *keep, const struct rds_reply *r)
{
	size_t	i;

	keep->nlat = 0;
	keep->latency_why[0] = '\0';
	if (r == NULL || r->type == RDS_ERROR) {
		poller_rd_why(keep->latency_why, sizeof(keep->latency_why),
		    "LATENCY", r);
		return;
	}
	for (i = 0; i < r->n && keep->nlat < SNAP_MAX_LAT; i++) {
		const struct rds_reply	*e = &r->elem[i];
		struct snap_latency	*l;

		if (e->type != RDS_ARRAY || e->n < 4)
			continue;
		l = &keep->lat[keep->nlat++];
		poller_strlcpy(l->event, e->elem[0].str, sizeof(l->event));
		l->when = e->elem[1].integer;
		l->latest_ms = e->elem[2].integer;
		l->max_ms = e->elem[3].integer;
	}
}

/* The value of a CONFIG GET reply ["name", "value"], or NULL. */
static const char *
poller_rd_conf(const struct rds_reply *r)
{
	if (r == NULL || r->type != RDS_ARRAY || r->n < 2 || r->elem[1].str == NULL)
		return (NULL);
	return (r->elem[1].str);
}

/* Read the three CONFIG GET replies into keep. */
static void
poller_rd_config(struct snap_redis *keep, const struct rds_reply *save,
    const struct rds_reply *lat, const struct rds_reply *slow)
{
	const char	*v;
	int		 words = 0;
	bool		 in = false;

	keep->config_why[0] = '\0';
	if (save != NULL && save->type == RDS_ERROR) {
		poller_rd_why(keep->config_why, sizeof(keep->config_why),
		    "CONFIG GET", save);
		keep->save_points = -1;
		keep->latency_threshold_ms = -1;
		keep->slowlog_threshold_us = -1;
		return;
	}
	if ((v = poller_rd_conf(save)) != NULL) {
		for (; *v; v++) {
			if (!isspace((unsigned char)*v) && !in)
				words++;
			in = !isspace((unsigned char)*v);
		}
		keep->save_points = words / 2;
	} else
		keep->save_points = -1;
	v = poller_rd_conf(lat);
	keep->latency_threshold_ms = v ? strtoll(v, NULL, 10) : -1;
	v = poller_rd_conf(slow);
	keep->slowlog_threshold_us = v ? strtoll(v, NULL, 10) : -1;
}

/* Explain an empty slowlog or latency panel from the settings we know. */
static void
poller_rd_explain(struct snap_redis *rd)
{
	if (rd->slowlog_why[0] == '\0' && rd->nslow == 0) {
		if (rd->slowlog_threshold_us < 0)
			snprintf(rd->slowlog_why, sizeof(rd->slowlog_why),
			    "slow log empty");
		else
			snprintf(rd->slowlog_why, sizeof(rd->slowlog_why),
			    "slow log empty (nothing slower than %lld us)",
			    (long long)rd->slowlog_threshold_us);
	}
	if (rd->latency_why[0] == '\0' && rd->nlat == 0) {
		if (rd->latency_threshold_ms == 0)
			snprintf(rd->latency_why, sizeof(rd->latency_why),
			    "latency monitor disabled (latency-monitor-threshold 0)");
		else if (rd->latency_threshold_ms > 0)
			snprintf(rd->latency_why, sizeof(rd->latency_why),
			    "no latency spikes above %lld ms",
			    (long long)rd->latency_threshold_ms);
		else
			snprintf(rd->latency_why, sizeof(rd->latency_why),
			    "no latency events (monitor state unknown)");
	}
}

/* Note a role or run_id change as a banner kept for a while. */
static void
poller_rd_banner(struct poller *p, const struct rds_info *in, int64_t wall)
{
	struct poller_rds	*st = &p->rds;
	char			 when[16];
	time_t			 t = (time_t)(wall / 1000000);
	struct tm		 tm;

	localtime_r(&t, &tm);
	strftime(when, sizeof(when), "%H:%M:%S", &tm);
	if (st->role[0] && in->role[0] && strcmp(st->role, in->role) != 0) {
		snprintf(st->banner, sizeof(st->banner),
		    "role changed %s -> %s at %s "
		    "(failover?)", st->role, in->role, when);
		st->banner_wall_us = wall;
		poller_log(p, LOGL_WARN, "dashboard: Redis %s", st->banner);
	} else if (st->run_id[0] && in->run_id[0] &&
	    strcmp(st->run_id, in->run_id) != 0) {
		snprintf(st->banner, sizeof(st->banner),
		    "run_id changed at %s: the "
		    "server restarted or another one answers (role %s)", when,
		    in->role[0] ? in->role : "?");
		st->banner_wall_us = wall;
		poller_log(p, LOGL_WARN, "dashboard: Redis %s", st->banner);
	}
	if (st->banner[0] && wall - st->banner_wall_us > POLLER_BANNER_US)
		st->banner[0] = '\0';
	if (in->role[0])
		poller_strlcpy(st->role, in->role, sizeof(st->role));
	if (in->run_id[0])
		poller_strlcpy(st->run_id, in->run_id, sizeof(st->run_id));
}

/* A cluster event line from poller-cluster.c, to the log (Log pane). */
static void
poller_cluster_note(void *arg, enum log_level level, const char *line)
{
	poller_log(arg, level, "%s", line);
}

/*
 * The cluster view for this refresh, a copy for the part (the sampler keeps
 * the last one); *rtt gets the worst PING of the masters that answered.
 */
static struct snap_cluster *
poller_rd_cluster(struct poller *p, struct rds *r, int64_t *rtt)
{
	struct snap_cluster	*c, *copy;
	size_t			 i;

	c = poller_cluster_sample(r, p->rds.cluster, poller_cluster_note, p);
	free(p->rds.cluster);
	p->rds.cluster = c;
	*rtt = 1;
	for (i = 0; i < c->v.nnodes; i++)
		if (c->v.nodes[i].reachable && c->v.nodes[i].rtt_us > *rtt &&
		    strcmp(c->v.nodes[i].role, "master") == 0)
			*rtt = c->v.nodes[i].rtt_us;
	copy = xmalloc(sizeof(*c));
	memcpy(copy, c, sizeof(*c));
	return (copy);
}

/*
 * A cluster whose node view failed (INFO went to a master that just died):
 * the part still carries the fresh cluster view, with the node figures of
 * the last part and a banner saying why they are old. NULL (c freed) when
 * no node answered or there is no earlier part.
 */
static struct snap_redis *
poller_rd_cluster_only(struct poller *p, struct snap_cluster *c,
    const struct mc_err *err)
{
	struct snap_redis	*rd, *prev;
	char			 clk[16];
	time_t			 t;
	struct tm		 tm;

	pthread_mutex_lock(&p->mtx);
	prev = snap_redis_ref(p->rd);
	pthread_mutex_unlock(&p->mtx);
	if (c->why[0] != '\0' || prev == NULL) {
		snap_redis_unref(prev);
		free(c);
		return (NULL);
	}
	rd = snap_redis_new();
	*rd = *prev;
	snap_redis_unref(prev);
	rd->cluster = c;
	t = (time_t)(rd->wall_us / 1000000);
	localtime_r(&t, &tm);
	strftime(clk, sizeof(clk), "%H:%M:%S", &tm);
	snprintf(rd->banner, sizeof(rd->banner), "node figures below are from "
	    "%s: %.150s", clk, err->msg);
	rd->banner_wall_us = c->wall_us;
	rd->wall_us = c->wall_us;
	return (rd);
}

/*
 * One Redis refresh: PING, then one pipeline with INFO (and SLOWLOG,
 * LATENCY, CONFIG GET when due). NULL with err when it failed.
 */
static struct snap_redis *
poller_rd_sample(struct poller *p, struct rds_pipe **pipe, struct mc_err *err)
{
	static const char *const info[] = { "INFO", "server", "clients",
	    "memory",
	    "persistence", "stats", "replication", "cpu", "keyspace",
	    "errorstats" };
	static const char *const slow[] = { "SLOWLOG", "GET", "32" };
	static const char *const slowlen[] = { "SLOWLOG", "LEN" };
	static const char *const lat[] = { "LATENCY", "LATEST" };
	static const char *const csave[] = { "CONFIG", "GET", "save" };
	static const char *const clat[] = { "CONFIG", "GET",
	    "latency-monitor-threshold" };
	static const char *const cslow[] = { "CONFIG", "GET",
	    "slowlog-log-slower-than" };
	static const char *const clist[] = { "CLIENT", "LIST" };
	struct poller_rds		*st = &p->rds;
	struct snap_redis		*rd;
	struct rds			*r;
	const struct rds_reply		*rep;
	struct metrics_sample		 ms;
	int64_t				 rtt, t0 = clk_mono_us(),
	    wall = clk_wall_us();
	struct snap_cluster		*cl = NULL;
	bool				 do_slow, do_conf, do_clients;
	size_t				 k, kc = 0;

	if ((r = conn_rds(p->mon, err)) == NULL)
		return (NULL);
	/* A cluster's PING is every master's: the view pings each node. */
	if (rds_is_cluster(r))
		cl = poller_rd_cluster(p, r, &rtt);
	else if (rds_ping(r, &rtt, err) == -1) {
		metrics_series_push(&st->ops, -1);
		metrics_series_push(&st->rtt, -1);
		metrics_series_push(&st->mem, -1);
		return (NULL);
	}
	if (*pipe == NULL)
		*pipe = rds_pipe_new(r);
	rds_pipe_reset(*pipe);
	do_slow = t0 >= st->next_slow_us;
	do_conf = t0 >= st->next_config_us;
	rds_pipe_add(*pipe, 10, info, NULL);
	if (do_conf) {
		rds_pipe_add(*pipe, 3, csave, NULL);
		rds_pipe_add(*pipe, 3, clat, NULL);
		rds_pipe_add(*pipe, 3, cslow, NULL);
	}
	if (do_slow) {
		rds_pipe_add(*pipe, 3, slow, NULL);
		rds_pipe_add(*pipe, 2, slowlen, NULL);
		rds_pipe_add(*pipe, 2, lat, NULL);
	}
	pthread_mutex_lock(&p->mtx);
	do_clients = p->want_clients;
	pthread_mutex_unlock(&p->mtx);
	if (do_clients) {
		kc = rds_pipe_len(*pipe);
		rds_pipe_add(*pipe, 2, clist, NULL);
	}
	if (rds_pipe_exec(*pipe, NULL, err) == -1)
		return (cl ? poller_rd_cluster_only(p, cl, err) : NULL);
	rep = rds_pipe_reply(*pipe, 0);
	if (rep == NULL || rep->type != RDS_STRING) {
		mc_err_set(err, MC_E_REDIS, "INFO: %s",
		    rep && rep->type == RDS_ERROR ?
		    rep->str : "unexpected reply");
		return (cl ? poller_rd_cluster_only(p, cl, err) : NULL);
	}
	rd = snap_redis_new();
	rd->cluster = cl;
	if (rds_info_parse(rep->str, rep->len, &rd->info, err) == -1) {
		snap_redis_unref(rd);
		return (NULL);
	}
	k = 1;
	if (do_conf) {
		poller_rd_config(&st->keep, rds_pipe_reply(*pipe, k),
		    rds_pipe_reply(*pipe, k + 1), rds_pipe_reply(*pipe, k + 2));
		k += 3;
		st->next_config_us = t0 + POLLER_CONFIG_EVERY_US;
		st->keep.config_wall_us = wall;
	}
	if (do_slow) {
		poller_rd_slowlog(&st->keep, rds_pipe_reply(*pipe, k));
		rep = rds_pipe_reply(*pipe, k + 1);
		st->keep.slowlog_len = rep && rep->type == RDS_INTEGER ? rep->integer : -1;
		poller_rd_latency(&st->keep, rds_pipe_reply(*pipe, k + 2));
		st->keep.slowlog_wall_us = wall;
		st->next_slow_us = t0 + POLLER_SLOW_EVERY_US;
	}
	/* carry the slower-changing panels over */
	rd->save_points = st->keep.save_points;
	rd->config_wall_us = st->keep.config_wall_us;
	/* Another run_id: its settings may differ, read them next tick. */
	if (st->run_id[0] && rd->info.run_id[0] &&
	    strcmp(st->run_id, rd->info.run_id) != 0)
		st->next_config_us = 0;
	rd->latency_threshold_ms = st->keep.latency_threshold_ms;
	rd->slowlog_threshold_us = st->keep.slowlog_threshold_us;
	memcpy(rd->config_why, st->keep.config_why, sizeof(rd->config_why));
	memcpy(rd->slowlog_why, st->keep.slowlog_why, sizeof(rd->slowlog_why));
	rd->slowlog_len = st->keep.slowlog_len;
	rd->nslow = st->keep.nslow;
	memcpy(rd->slow, st->keep.slow, sizeof(rd->slow));
	rd->slowlog_wall_us = st->keep.slowlog_wall_us;
	memcpy(rd->latency_why, st->keep.latency_why, sizeof(rd->latency_why));
	rd->nlat = st->keep.nlat;
	memcpy(rd->lat, st->keep.lat, sizeof(rd->lat));
	poller_rd_explain(rd);
	if (do_clients) {
		rep = rds_pipe_reply(*pipe, kc);
		rd->clients_sampled = true;
		if (rep != NULL && rep->type == RDS_STRING)
			rd->nclients = rds_clients_parse(rep->str, rep->len,
			    &rd->clients);
		else
			poller_strlcpy(rd->clients_error, rep && rep->type ==
			    RDS_ERROR ? rep->str : "unexpected reply",
			    sizeof(rd->clients_error));
	}

	rd->wall_us = wall;
	rd->rtt_us = rtt;
	rd->took_us = clk_mono_us() - t0;
	poller_strlcpy(rd->endpoint, rds_name(r), sizeof(rd->endpoint));
	metrics_redis_sample(&rd->info, t0, &ms);
	if (metrics_push(&st->w, &ms) == METRICS_RESTART)
		poller_log(p, LOGL_INFO,
		    "dashboard: Redis restarted; rates start from a "
		    "new baseline");
	metrics_redis_rates(&st->w, POLLER_RATE_SPAN_US, POLLER_RATIO_SPAN_US,
	    &rd->rates);
	rd->breaks = st->w.breaks;
	poller_rd_banner(p, &rd->info, wall);
	poller_strlcpy(rd->banner, st->banner, sizeof(rd->banner));
	rd->banner_wall_us = st->banner_wall_us;
	metrics_series_push(&st->ops, rd->rates.ops_per_s);
	metrics_series_push(&st->rtt, (double)rtt / 1000.0);
	metrics_series_push(&st->mem, (double)rd->info.used_memory);
	snap_series_set(&rd->ops, &st->ops);
	snap_series_set(&rd->rtt_ms, &st->rtt);
	snap_series_set(&rd->used_mem, &st->mem);
	return (rd);
}

/* ---------------------------------------------------------------- threads */

/* Record a sampler's outcome in srv (caller holds mtx). */
static void
poller_note(struct poller_srv *srv, bool ok, const struct mc_err *err)
{
	srv->busy_since_us = 0;
	srv->up = ok;
	if (ok) {
		srv->ever_ok = true;
		srv->error[0] = '\0';
		srv->last_ok_wall_us = clk_wall_us();
	} else
		poller_strlcpy(srv->error, err->msg, sizeof(srv->error));
}

/* Wait for the next tick; returns false when asked to stop. */
static bool
poller_wait_tick(struct poller *p, uint64_t *seen, struct poller_srv *srv)
{
	bool	go;

	pthread_mutex_lock(&p->mtx);
	while (!p->stop && p->tick == *seen)
		pthread_cond_wait(&p->cond, &p->mtx);
	go = !p->stop;
	*seen = p->tick;
	if (go)
		srv->busy_since_us = clk_mono_us();
	pthread_mutex_unlock(&p->mtx);
	return (go);
}

/* Mark a thread finished (and wake poller_free). */
static void
poller_exit(struct poller *p)
{
	pthread_mutex_lock(&p->mtx);
	p->running--;
	pthread_cond_broadcast(&p->cond);
	pthread_mutex_unlock(&p->mtx);
}

/* The PostgreSQL sampler thread. */
static void *
poller_pg_main(void *arg)
{
	struct poller	*p = arg;
	struct snap_pg	*pg, *old;
	struct mc_err	 err;
	uint64_t	 seen = 0;

	while (poller_wait_tick(p, &seen, &p->pgsrv)) {
		mc_err_clear(&err);
		pg = poller_pg_sample(p, &err);
		pthread_mutex_lock(&p->mtx);
		poller_note(&p->pgsrv, pg != NULL, &err);
		old = NULL;
		if (pg != NULL) {
			old = p->pg;
			p->pg = pg;
		}
		p->pg_tick = seen;
		pthread_cond_broadcast(&p->cond);
		pthread_mutex_unlock(&p->mtx);
		snap_pg_unref(old);
	}
	if (p->pgs.pgb != NULL)
		PQfinish(p->pgs.pgb);
	p->pgs.pgb = NULL;
	poller_exit(p);
	return (NULL);
}

/* The Redis sampler thread. */
static void *
poller_rd_main(void *arg)
{
	struct poller		*p = arg;
	struct snap_redis	*rd, *old;
	struct rds_pipe		*pipe = NULL;
	struct mc_err		 err;
	uint64_t		 seen = 0;

	while (poller_wait_tick(p, &seen, &p->rdsrv)) {
		mc_err_clear(&err);
		rd = poller_rd_sample(p, &pipe, &err);
		pthread_mutex_lock(&p->mtx);
		poller_note(&p->rdsrv, rd != NULL, &err);
		old = NULL;
		if (rd != NULL) {
			old = p->rd;
			p->rd = rd;
		}
		p->rd_tick = seen;
		pthread_cond_broadcast(&p->cond);
		pthread_mutex_unlock(&p->mtx);
		snap_redis_unref(old);
	}
	rds_pipe_free(pipe);
	free(p->rds.cluster);
	p->rds.cluster = NULL;
	poller_exit(p);
	return (NULL);
}

/* Seconds (rounded up) from now to a monotonic time, at least 1. */
static int
poller_secs_until(int64_t when_us)
{
	int64_t	d = when_us - clk_mono_us();

	return (d <= 0 ? 1 : (int)((d + 999999) / 1000000));
}

/* The PostgreSQL status line from the sampler's outcome and the monitor pool. */
static void
poller_pg_status(struct poller *p, const struct poller_srv *srv,
    const struct pool_stats *ps, struct snap_server_status *out)
{
	int64_t	busy = srv->busy_since_us ? clk_mono_us() - srv->busy_since_us : 0;

	out->configured = true;
	out->up = srv->up;
	out->last_ok_wall_us = srv->last_ok_wall_us;
	poller_strlcpy(out->error, srv->error, sizeof(out->error));
	if (busy > (int64_t)p->deadline_ms * 1000 + 500000) {
		snprintf(out->state, sizeof(out->state),
		    "not answering (%lld s)",
		    (long long)(busy / 1000000));
		out->up = false;
	} else if (ps != NULL && ps->breaker == BREAKER_OPEN)
		snprintf(out->state, sizeof(out->state),
		    "breaker open (retry in %d s)",
		    ps->breaker_retry_in_ms > 0 ? (ps->breaker_retry_in_ms + 999) / 1000 : 1);
	else if (!srv->up && ps != NULL && ps->next_retry_in_ms > 0)
		snprintf(out->state, sizeof(out->state), "reconnecting in %d s",
		    (ps->next_retry_in_ms + 999) / 1000);
	else if (!srv->up && !srv->ever_ok && srv->error[0] == '\0')
		snprintf(out->state, sizeof(out->state), "connecting");
	else
		snprintf(out->state, sizeof(out->state), "%s",
		    srv->up ? "up" : "down");
}

/* The Redis status line from the sampler's outcome and the monitor client. */
static void
poller_rd_status(struct poller *p, const struct poller_srv *srv,
    const struct rds_stats *rs, struct snap_server_status *out)
{
	int64_t	busy = srv->busy_since_us ? clk_mono_us() - srv->busy_since_us : 0;
	int64_t	now = clk_mono_us();

	out->configured = p->has_redis;
	if (!p->has_redis) {
		snprintf(out->state, sizeof(out->state), "not configured");
		return;
	}
	out->up = srv->up;
	out->last_ok_wall_us = srv->last_ok_wall_us;
	poller_strlcpy(out->error, srv->error, sizeof(out->error));
	if (busy > (int64_t)p->mon_target.redis_opts.command_timeout_ms * 2000 + 500000) {
		snprintf(out->state, sizeof(out->state),
		    "not answering (%lld s)",
		    (long long)(busy / 1000000));
		out->up = false;
	} else if (rs != NULL && rs->breaker.state == BREAKER_OPEN)
		snprintf(out->state, sizeof(out->state),
		    "breaker open (retry in %d s)",
		    poller_secs_until(rs->breaker.open_until_us));
	else if (!srv->up && rs != NULL && rs->attempt > 0 && rs->next_retry_us > now)
		snprintf(out->state, sizeof(out->state),
		    "reconnecting in %d s (attempt %u)",
		    poller_secs_until(rs->next_retry_us), rs->attempt);
	else if (!srv->up && !srv->ever_ok && srv->error[0] == '\0')
		snprintf(out->state, sizeof(out->state), "connecting");
	else
		snprintf(out->state, sizeof(out->state), "%s",
		    srv->up ? "up" : "down");
}

/* Copy a client's counters into a snapshot row. */
static void
poller_rclient(struct snapshot *s, const char *role, struct rds *r)
{
	struct snap_rclient	 rc;
	struct rds_stats	*st;
	size_t			 i;

	if (r == NULL)
		return;
	memset(&rc, 0, sizeof(rc));
	st = rds_stats(r);
	poller_strlcpy(rc.role, role, sizeof(rc.role));
	rc.st = *st;
	for (i = 0; i < st->ncmds && i < SNAP_MAX_RCMDS; i++)
		rc.cmds[i] = st->cmds[i];
	rc.ncmds = i;
	snapshot_add_rclient(s, &rc);
	rds_stats_free(st);
}

/* Copy a pool's counters (and advance its series) into a snapshot row. */
static void
poller_pool(struct poller *p, struct snapshot *s, int slot, const char *role,
    struct pool *pool, struct pool_stats *out)
{
	struct snap_pool	sp;

	memset(&sp, 0, sizeof(sp));
	poller_strlcpy(sp.role, role, sizeof(sp.role));
	poller_strlcpy(sp.name, pool_name(pool), sizeof(sp.name));
	sp.st = pool_stats(pool);
	metrics_series_push(&p->pool_p99[slot], sp.st.acquire.count > 0 ?
	    sp.st.acquire.p99_us / 1000.0 : -1);
	metrics_series_push(&p->pool_active[slot], sp.st.active);
	snap_series_set(&sp.acquire_p99_ms, &p->pool_p99[slot]);
	snap_series_set(&sp.active, &p->pool_active[slot]);
	if (out != NULL)
		*out = sp.st;
	snapshot_add_pool(s, &sp);
}

/* Build and publish one snapshot (publisher thread). */
static void
poller_publish(struct poller *p)
{
	struct snapshot		*s = snapshot_new(), *old;
	struct snap_status	 status;
	struct poller_srv	 pgsrv, rdsrv;
	struct snap_pg		*pg;
	struct snap_redis	*rd;
	struct pool		*mpool, *cpool = NULL;
	struct rds		*mr = NULL, *cr = NULL;
	struct rds_stats	*rs = NULL;
	struct pool_stats	 mps;
	uint64_t		 gen;
	bool			 wake;
	int			 iv;

	memset(&status, 0, sizeof(status));
	pthread_mutex_lock(&p->mtx);
	pg = snap_pg_ref(p->pg);
	rd = snap_redis_ref(p->rd);
	pgsrv = p->pgsrv;
	rdsrv = p->rdsrv;
	gen = ++p->gen;
	pthread_mutex_unlock(&p->mtx);

	/* the console's pool first: it is the one operators' commands use */
	if (p->watch != NULL && (cpool = conn_pool(p->watch, NULL)) != NULL)
		poller_pool(p, s, 0, "console", cpool, NULL);
	if ((mpool = conn_pool(p->mon, NULL)) != NULL)
		poller_pool(p, s, 1, "monitor", mpool, &mps);
	poller_pg_status(p, &pgsrv, mpool ? &mps : NULL, &status.pg);
	if (p->has_redis) {
		mr = conn_rds(p->mon, NULL);
		if (p->watch != NULL)
			cr = conn_rds(p->watch, NULL);
		poller_rclient(s, "console", cr);
		poller_rclient(s, "monitor", mr);
		if (mr != NULL)
			rs = rds_stats(mr);
	}
	poller_rd_status(p, &rdsrv, rs, &status.redis);
	rds_stats_free(rs);
	pthread_mutex_lock(&p->mtx);
	iv = p->interval_ms;
	pthread_mutex_unlock(&p->mtx);
	snapshot_fill(s, gen, clk_wall_us(), iv,
	    p->mon_target.name,
	    &status, pg, rd);
	snap_pg_unref(pg);
	snap_redis_unref(rd);

	pthread_mutex_lock(&p->mtx);
	old = p->latest;
	p->latest = s;
	wake = !p->signalled;
	p->signalled = true;
	pthread_mutex_unlock(&p->mtx);
	/* outside the lock; a byte left over after a racing take is a harmless wake-up */
	if (wake && p->pipe[1] >= 0 && write(p->pipe[1], "s", 1) != 1)
		poller_log(p, LOGL_DEBUG, "dashboard: wake-up pipe full");
	snapshot_free(old);
}

/* The publisher thread: tick, wait briefly for fresh parts, publish. */
static void *
poller_pub_main(void *arg)
{
	struct poller	*p = arg;
	struct timespec	 ts;
	int64_t		 next = clk_mono_us(), last = next, limit;
	uint64_t	 t;
	int		 iv;

	for (;;) {
		pthread_mutex_lock(&p->mtx);
		for (;;) {
			/* A new interval counts from the last tick (poller_set_interval). */
			if (p->resched) {
				p->resched = false;
				next = last + (int64_t)p->interval_ms * 1000;
			}
			if (p->stop || p->wake || clk_mono_us() >= next)
				break;
			ts = poller_ts(next);
			pthread_cond_timedwait(&p->cond, &p->mtx, &ts);
		}
		if (p->stop) {
			pthread_mutex_unlock(&p->mtx);
			break;
		}
		p->wake = false;
		t = ++p->tick;
		pthread_cond_broadcast(&p->cond);
		limit = clk_mono_us() + POLLER_WAIT_PARTS_MS * 1000;
		while (!p->stop && (p->pg_tick < t || (p->rd_started &&
		    p->rd_tick < t)) && clk_mono_us() < limit) {
			ts = poller_ts(limit);
			pthread_cond_timedwait(&p->cond, &p->mtx, &ts);
		}
		last = clk_mono_us();
		iv = p->interval_ms;
		pthread_mutex_unlock(&p->mtx);
		poller_publish(p);
		next += (int64_t)iv * 1000;
		if (next < clk_mono_us())
			next = clk_mono_us() + (int64_t)iv * 1000;
	}
	poller_exit(p);
	return (NULL);
}

/* ------------------------------------------------------------- lifecycle */

/* Deep-copy the parts of t the monitor's connections use. */
static void
poller_copy_target(struct conf_target *d, const struct conf_target *t)
{
	size_t	i;

	*d = *t;
	d->name = xstrdup(t->name ? t->name : "");
	/* monitoring reads from the target's read pool when it has one */
	d->pg = xstrdup(t->pg_read != NULL ? t->pg_read : t->pg ? t->pg : "");
	d->pg_read = NULL;
	d->redis = xstrdup(t->redis);
	d->migrations_dir = NULL;
	d->seeds_dir = NULL;
	d->redis_opts.sentinel_master = xstrdup(t->redis_opts.sentinel_master);
	d->redis_opts.sentinels = NULL;
	if (t->redis_opts.sentinels != NULL) {
		d->redis_opts.sentinels = xcalloc(t->redis_opts.nsentinels + 1,
		    sizeof(char *));
		for (i = 0; i < t->redis_opts.nsentinels; i++)
			d->redis_opts.sentinels[i] = xstrdup(t->redis_opts.sentinels[i]);
	}
}

/* Free what poller_copy_target made. */
static void
poller_free_target(struct conf_target *d)
{
	size_t	i;

	free(d->name);
	free(d->pg);
	free(d->redis);
	free(d->redis_opts.sentinel_master);
	for (i = 0; d->redis_opts.sentinels != NULL && i < d->redis_opts.nsentinels; i++)
		free(d->redis_opts.sentinels[i]);
	free(d->redis_opts.sentinels);
}

struct poller *
poller_new(const struct conf_target *t, struct logger *log, int interval_ms,
    struct mc_err *err)
{
	struct poller	*p;
	char		*ep;

	if (t == NULL) {
		mc_err_set(err, MC_E_INTERNAL, "poller: no target");
		return (NULL);
	}
	p = xcalloc(1, sizeof(*p));
	p->log = log;
	pthread_mutex_init(&p->log_mtx, NULL);
	p->interval_ms = interval_ms < POLLER_MIN_INTERVAL_MS ?
	    POLLER_MIN_INTERVAL_MS : interval_ms;
	p->deadline_ms = p->interval_ms * 2 < 1000 ? 1000 :
	    p->interval_ms * 2 > 5000 ? 5000 : p->interval_ms * 2;
	/*
	 * The monitor's own pool: one connection, kept (no idle retirement or
	 * validation round trips at 1 s ticks), never reported as a leak, and a
	 * server-side statement_timeout so an orphaned query ends by itself.
	 */
	poller_copy_target(&p->mon_target, t);
	p->mon_target.pool.min = 1;
	p->mon_target.pool.max = 1;
	p->mon_target.pool.acquire_timeout_ms = p->deadline_ms;
	p->mon_target.pool.validate_after_idle_ms = 60000;
	p->mon_target.pool.leak_threshold_ms = 0;
	p->mon_target.pool.idle_timeout_ms = 0;
	p->mon_target.pool.statement_timeout_ms = p->deadline_ms;
	/* Its Redis client dials on demand: min_connections is the console's. */
	p->mon_target.redis_opts.min_connections = 0;
	p->has_redis = t->redis != NULL && t->redis[0] != '\0';
	p->console = pgbadmin_is_console(t);
	/*
	 * No logger for the monitor's own pool and Redis client: a sampler or
	 * a connect left running on a frozen server after poller_free must not
	 * write to a logger its owner has freed. Outages still reach the log
	 * through the console's connections, and the status line shows ours.
	 */
	p->mon = conn_new(&p->mon_target, NULL, "monitor");
	conn_push(p->mon);
	ep = redact_pg_endpoint(p->mon_target.pg);
	poller_strlcpy(p->pgs.endpoint, ep ? ep : "", sizeof(p->pgs.endpoint));
	free(ep);
	p->rds.keep.save_points = -1;
	p->rds.keep.latency_threshold_ms = -1;
	p->rds.keep.slowlog_threshold_us = -1;
	p->rds.keep.slowlog_len = -1;
	if (pipe(p->pipe) == -1) {
		/* no wake-ups: the UI still ticks */
		p->pipe[0] = p->pipe[1] = -1;
	} else {
		fcntl(p->pipe[0], F_SETFL, O_NONBLOCK);
		fcntl(p->pipe[1], F_SETFL, O_NONBLOCK);
		fcntl(p->pipe[0], F_SETFD, FD_CLOEXEC);
		fcntl(p->pipe[1], F_SETFD, FD_CLOEXEC);
	}
	pthread_mutex_init(&p->mtx, NULL);
	pthread_condattr_init(&p->cattr);
	pthread_condattr_setclock(&p->cattr, CLOCK_MONOTONIC);
	pthread_cond_init(&p->cond, &p->cattr);
	return (p);
}

void
poller_watch_conn(struct poller *p, struct conn *c)
{
	p->watch = c;
}

int
poller_start(struct poller *p, struct mc_err *err)
{
	int	e;

	if (p->started)
		return (0);
	p->running = 0;
	if ((e = pthread_create(&p->thr_pg, NULL, poller_pg_main, p)) != 0) {
		errno = e;
		return (mc_err_sys(err, "poller: cannot start a thread"));
	}
	p->running++;
	if (p->has_redis) {
		if ((e = pthread_create(&p->thr_rd, NULL, poller_rd_main,
		    p)) != 0)
			goto fail;
		p->running++;
		p->rd_started = true;
	}
	if ((e = pthread_create(&p->thr_pub, NULL, poller_pub_main, p)) != 0)
		goto fail;
	p->running++;
	p->started = true;
	return (0);
fail:
	pthread_mutex_lock(&p->mtx);
	p->stop = true;
	pthread_cond_broadcast(&p->cond);
	pthread_mutex_unlock(&p->mtx);
	pthread_join(p->thr_pg, NULL);
	if (p->rd_started)
		pthread_join(p->thr_rd, NULL);
	p->rd_started = false;
	p->stop = false;
	errno = e;
	return (mc_err_sys(err, "poller: cannot start a thread"));
}

struct snapshot *
poller_take(struct poller *p)
{
	struct snapshot	*s;
	char		 junk[16];
	bool		 drain;

	pthread_mutex_lock(&p->mtx);
	s = p->latest;
	p->latest = NULL;
	drain = p->signalled;
	p->signalled = false;
	pthread_mutex_unlock(&p->mtx);
	if (drain && p->pipe[0] >= 0)
		while (read(p->pipe[0], junk, sizeof(junk)) > 0)
			;
	return (s);
}

int
poller_fd(struct poller *p)
{
	return (p->pipe[0]);
}

void
poller_set_interval(struct poller *p, int ms)
{
	if (ms < POLLER_MIN_INTERVAL_MS)
		ms = POLLER_MIN_INTERVAL_MS;
	pthread_mutex_lock(&p->mtx);
	p->interval_ms = ms;
	p->resched = true;
	pthread_cond_broadcast(&p->cond);
	pthread_mutex_unlock(&p->mtx);
}

void
poller_wake(struct poller *p)
{
	pthread_mutex_lock(&p->mtx);
	p->wake = true;
	pthread_cond_broadcast(&p->cond);
	pthread_mutex_unlock(&p->mtx);
}

void
poller_want_locks(struct poller *p, bool want)
{
	pthread_mutex_lock(&p->mtx);
	p->want_locks = want;
	pthread_mutex_unlock(&p->mtx);
}

void
poller_want_clients(struct poller *p, bool want)
{
	pthread_mutex_lock(&p->mtx);
	p->want_clients = want;
	pthread_mutex_unlock(&p->mtx);
}

/* Free everything (all threads have ended). Touches nothing borrowed. */
static void
poller_destroy(struct poller *p)
{
	conn_close(p->mon);
	poller_free_target(&p->mon_target);
	snap_pg_unref(p->pg);
	snap_redis_unref(p->rd);
	snapshot_free(p->latest);
	pthread_cond_destroy(&p->cond);
	pthread_condattr_destroy(&p->cattr);
	pthread_mutex_destroy(&p->mtx);
	pthread_mutex_destroy(&p->log_mtx);
	if (p->pipe[0] >= 0) {
		close(p->pipe[0]);
		close(p->pipe[1]);
	}
	free(p);
}

/* Reaper: join the samplers, then free (off the caller's thread when detached). */
static void *
poller_reap(void *arg)
{
	struct poller	*p = arg;

	pthread_join(p->thr_pg, NULL);
	if (p->rd_started)
		pthread_join(p->thr_rd, NULL);
	poller_destroy(p);
	return (NULL);
}

void
poller_free(struct poller *p)
{
	pthread_t	reaper;
	pthread_attr_t	attr;
	struct timespec	ts;
	int64_t		limit;
	bool		quick;

	if (p == NULL)
		return;
	if (!p->started) {
		poller_destroy(p);
		return;
	}
	limit = clk_mono_us() + POLLER_GRACE_MS * 1000;
	pthread_mutex_lock(&p->mtx);
	p->stop = true;
	pthread_cond_broadcast(&p->cond);
	while (p->running > 0 && clk_mono_us() < limit) {
		ts = poller_ts(limit);
		pthread_cond_timedwait(&p->cond, &p->mtx, &ts);
	}
	/* closing the monitor's pool may wait on a connect to a dead server */
	quick = p->running == 0 && p->pgsrv.up && (!p->has_redis || p->rdsrv.up);
	pthread_mutex_unlock(&p->mtx);
	/* the publisher never waits on the network: it is always done by now */
	pthread_join(p->thr_pub, NULL);
	/* from here on no thread of ours touches the caller's logger */
	pthread_mutex_lock(&p->log_mtx);
	p->log_off = true;
	pthread_mutex_unlock(&p->log_mtx);
	if (quick) {
		poller_reap(p);
		return;
	}
	/*
	 * A sampler is still blocked (frozen server) or a connect may be in
	 * flight: a detached thread joins and frees, within the deadlines (or
	 * the process ends first). It touches only what the poller owns: the
	 * target was deep-copied, the monitor's connections have no logger.
	 */
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	if (pthread_create(&reaper, &attr, poller_reap, p) != 0)
		log_warn(p->log,
		    "dashboard: poller threads left running at exit");
	pthread_attr_destroy(&attr);
}
