/*
 * snapshot.c - the immutable data the poller hands to the UI: a header plus
 * two reference-counted parts (PostgreSQL, Redis) shared between snapshots,
 * their accessors and their JSON form for the `e` export.
 *
 * Model: parts and snapshots carry an atomic reference count, since the
 * poller thread drops an unread snapshot while the UI may still hold the
 * parts through an older one. Nothing here does I/O.
 */
#include "config.h"

#include "snapshot.h"

#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "pg-locks.h"
#include "xmem.h"

struct snapshot {
	atomic_int		refs;
	uint64_t		gen;
	int64_t			wall_us;
	int			interval_ms;
	char			target[64];
	struct snap_status	status;
	size_t			npools;
	struct snap_pool	pools[SNAP_MAX_POOLS];
	size_t			nrclients;
	struct snap_rclient	rclients[SNAP_MAX_RCLIENTS];
	struct snap_pg		*pg;
	struct snap_redis	*rd;
};

/* A part with its hidden reference count. */
struct pg_box {
	atomic_int	refs;
	struct snap_pg	pg;
};

struct redis_box {
	atomic_int		refs;
	struct snap_redis	rd;
};

#define PG_BOX(p)	((struct pg_box *)(void *)((char *)(p) - offsetof(struct pg_box, pg)))
#define REDIS_BOX(p)	((struct redis_box *)(void *)((char *)(p) - offsetof(struct redis_box, rd)))

uint64_t
snapshot_gen(const struct snapshot *s)
{
	return (s->gen);
}

int64_t
snapshot_wall_us(const struct snapshot *s)
{
	return (s->wall_us);
}

const struct snap_status *
snapshot_status(const struct snapshot *s)
{
	return (&s->status);
}

struct snapshot *
snapshot_new(void)
{
	struct snapshot	*s = xcalloc(1, sizeof(*s));

	atomic_init(&s->refs, 1);
	return (s);
}

struct snapshot *
snapshot_ref(struct snapshot *s)
{
	if (s != NULL)
		atomic_fetch_add(&s->refs, 1);
	return (s);
}

void
snapshot_free(struct snapshot *s)
{
	if (s == NULL || atomic_fetch_sub(&s->refs, 1) != 1)
		return;
	snap_pg_unref(s->pg);
	snap_redis_unref(s->rd);
	free(s);
}

struct snap_pg *
snap_pg_new(void)
{
	struct pg_box	*b = xcalloc(1, sizeof(*b));

	atomic_init(&b->refs, 1);
	return (&b->pg);
}

struct snap_pg *
snap_pg_ref(struct snap_pg *p)
{
	if (p != NULL)
		atomic_fetch_add(&PG_BOX(p)->refs, 1);
	return (p);
}

void
snap_pg_unref(struct snap_pg *p)
{
	struct pg_box	*b;

	if (p == NULL)
		return;
	b = PG_BOX(p);
	if (atomic_fetch_sub(&b->refs, 1) != 1)
		return;
	free(b->pg.sessions);
	pg_locks_free(b->pg.locks);
	table_free(b->pg.pgb_pools);
	table_free(b->pg.pgb_stats);
	free(b);
}

struct snap_redis *
snap_redis_new(void)
{
	struct redis_box	*b = xcalloc(1, sizeof(*b));

	atomic_init(&b->refs, 1);
	return (&b->rd);
}

struct snap_redis *
snap_redis_ref(struct snap_redis *r)
{
	if (r != NULL)
		atomic_fetch_add(&REDIS_BOX(r)->refs, 1);
	return (r);
}

void
snap_redis_unref(struct snap_redis *r)
{
	struct redis_box	*b;

	if (r == NULL)
		return;
	b = REDIS_BOX(r);
	if (atomic_fetch_sub(&b->refs, 1) == 1) {
		free(b->rd.cluster);
		free(b->rd.clients);
		free(b);
	}
}

void
snapshot_fill(struct snapshot *s, uint64_t gen, int64_t wall_us,
    int interval_ms,
    const char *target, const struct snap_status *st, struct snap_pg *pg,
    struct snap_redis *rd)
{
	s->gen = gen;
	s->wall_us = wall_us;
	s->interval_ms = interval_ms;
	snprintf(s->target, sizeof(s->target), "%s", target ? target : "");
	if (st != NULL)
		s->status = *st;
	snap_pg_unref(s->pg);
	snap_redis_unref(s->rd);
	s->pg = snap_pg_ref(pg);
	s->rd = snap_redis_ref(rd);
}

void
snapshot_add_pool(struct snapshot *s, const struct snap_pool *p)
{
	if (s->npools < SNAP_MAX_POOLS)
		s->pools[s->npools++] = *p;
}

void
snapshot_add_rclient(struct snapshot *s, const struct snap_rclient *rc)
{
	if (s->nrclients >= SNAP_MAX_RCLIENTS)
		return;
	s->rclients[s->nrclients] = *rc;
	s->rclients[s->nrclients].st.cmds = NULL;
	s->rclients[s->nrclients].st.ncmds = rc->ncmds;
	s->nrclients++;
}

void
snap_series_set(struct snap_series *d, const struct metrics_series *src)
{
	d->n = metrics_series_copy(src, d->v, METRICS_SERIES_LEN);
}

int
snapshot_interval_ms(const struct snapshot *s)
{
	return (s->interval_ms);
}

const char *
snapshot_target(const struct snapshot *s)
{
	return (s->target);
}

const struct snap_pg *
snapshot_pg(const struct snapshot *s)
{
	return (s->pg);
}

const struct snap_redis *
snapshot_redis(const struct snapshot *s)
{
	return (s->rd);
}

const struct snap_pool *
snapshot_pools(const struct snapshot *s, size_t *n)
{
	*n = s->npools;
	return (s->pools);
}

const struct snap_rclient *
snapshot_rclients(const struct snapshot *s, size_t *n)
{
	*n = s->nrclients;
	return (s->rclients);
}

bool
snapshot_stale(const struct snapshot *s, int64_t part_wall_us, bool pg)
{
	const struct snap_server_status	*st = pg ? &s->status.pg : &s->status.redis;
	int64_t				 limit = (int64_t)s->interval_ms * 2500;

	if (!st->up || part_wall_us <= 0)
		return (true);
	if (limit < 2500000)
		limit = 2500000;
	return (s->wall_us - part_wall_us > limit);
}

/* ---- JSON ------------------------------------------------------------------ */

/* Add a number, or null when negative (unknown). */
static void
json_num(cJSON *o, const char *k, double v)
{
	if (v < 0)
		cJSON_AddNullToObject(o, k);
	else
		cJSON_AddNumberToObject(o, k, v);
}

/* Seconds since the epoch as an ISO 8601 UTC string, or null. */
static void
json_time(cJSON *o, const char *k, int64_t wall_us)
{
	char		buf[32];
	time_t		t = (time_t)(wall_us / 1000000);
	struct tm	tm;

	if (wall_us <= 0 || gmtime_r(&t, &tm) == NULL) {
		cJSON_AddNullToObject(o, k);
		return;
	}
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
	cJSON_AddStringToObject(o, k, buf);
}

/* A series as an array (gaps as null). */
static void
json_series(cJSON *o, const char *k, const struct snap_series *s)
{
	cJSON	*a = cJSON_AddArrayToObject(o, k);
	int	 i;

	for (i = 0; i < s->n; i++)
		cJSON_AddItemToArray(a, s->v[i] < 0 ? cJSON_CreateNull() :
		    cJSON_CreateNumber(s->v[i]));
}

/* One server's status as JSON. */
static cJSON *
json_server_status(const struct snap_server_status *st)
{
	cJSON	*o = cJSON_CreateObject();

	cJSON_AddBoolToObject(o, "configured", st->configured);
	cJSON_AddBoolToObject(o, "up", st->up);
	cJSON_AddStringToObject(o, "state", st->state);
	cJSON_AddStringToObject(o, "error", st->error);
	json_time(o, "last_ok", st->last_ok_wall_us);
	return (o);
}

cJSON *
snapshot_status_json(const struct snapshot *s)
{
	cJSON	*o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "target", s->target);
	json_time(o, "time", s->wall_us);
	cJSON_AddNumberToObject(o, "interval_ms", s->interval_ms);
	cJSON_AddItemToObject(o, "postgres", json_server_status(&s->status.pg));
	cJSON_AddItemToObject(o, "redis", json_server_status(&s->status.redis));
	return (o);
}

/* A pool latency summary in milliseconds. */
static cJSON *
json_lat(const struct pool_lat *l)
{
	cJSON	*o = cJSON_CreateObject();

	cJSON_AddNumberToObject(o, "count", (double)l->count);
	cJSON_AddNumberToObject(o, "p50_ms", l->p50_us / 1000.0);
	cJSON_AddNumberToObject(o, "p95_ms", l->p95_us / 1000.0);
	cJSON_AddNumberToObject(o, "p99_ms", l->p99_us / 1000.0);
	cJSON_AddNumberToObject(o, "max_ms", l->max_us / 1000.0);
	return (o);
}

/* One of this process's pools. */
static cJSON *
json_pool(const struct snap_pool *p)
{
	cJSON	*o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "role", p->role);
	cJSON_AddStringToObject(o, "application_name", p->name);
	cJSON_AddNumberToObject(o, "total", p->st.total);
	cJSON_AddNumberToObject(o, "active", p->st.active);
	cJSON_AddNumberToObject(o, "idle", p->st.idle);
	cJSON_AddNumberToObject(o, "waiting", p->st.waiting);
	cJSON_AddNumberToObject(o, "connecting", p->st.connecting);
	cJSON_AddNumberToObject(o, "max", p->st.max);
	cJSON_AddItemToObject(o, "acquire", json_lat(&p->st.acquire));
	cJSON_AddNumberToObject(o, "acquires", (double)p->st.acquires);
	cJSON_AddNumberToObject(o, "timeouts", (double)p->st.timeouts);
	cJSON_AddNumberToObject(o, "fast_failures",
	    (double)p->st.fast_failures);
	cJSON_AddNumberToObject(o, "connect_failures",
	    (double)p->st.connect_failures);
	cJSON_AddNumberToObject(o, "leaks", (double)p->st.leaks);
	cJSON_AddStringToObject(o, "breaker",
	    breaker_state_name(p->st.breaker));
	cJSON_AddStringToObject(o, "last_error", p->st.last_error);
	json_series(o, "acquire_p99_ms_series", &p->acquire_p99_ms);
	return (o);
}

/* One session row. */
static cJSON *
json_session(const struct snap_session *ss)
{
	cJSON	*o = cJSON_CreateObject(), *b;
	int	 i;

	cJSON_AddNumberToObject(o, "pid", ss->pid);
	cJSON_AddStringToObject(o, "user", ss->user);
	cJSON_AddStringToObject(o, "application", ss->app);
	cJSON_AddStringToObject(o, "client", ss->client);
	cJSON_AddStringToObject(o, "backend_type", ss->backend_type);
	if (ss->hidden)
		cJSON_AddStringToObject(o, "state",
		    "hidden (needs pg_monitor)");
	else
		cJSON_AddStringToObject(o, "state", ss->state);
	cJSON_AddStringToObject(o, "wait_event_type", ss->wait_type);
	cJSON_AddStringToObject(o, "wait_event", ss->wait_event);
	json_num(o, "xact_s", ss->xact_s);
	json_num(o, "query_s", ss->query_s);
	json_num(o, "state_s", ss->state_s);
	cJSON_AddStringToObject(o, "query", ss->query);
	if (ss->nblockers > 0) {
		b = cJSON_AddArrayToObject(o, "blocked_by");
		for (i = 0; i < ss->nblockers; i++)
			cJSON_AddItemToArray(b,
			    cJSON_CreateNumber(ss->blockers[i]));
	}
	return (o);
}

cJSON *
snapshot_pg_json(const struct snapshot *s)
{
	const struct snap_pg	*pg = s->pg;
	cJSON			*o = cJSON_CreateObject(), *a, *x;
	size_t			 i;

	cJSON_AddItemToObject(o, "status", json_server_status(&s->status.pg));
	a = cJSON_AddArrayToObject(o, "pools");
	for (i = 0; i < s->npools; i++)
		cJSON_AddItemToArray(a, json_pool(&s->pools[i]));
	if (pg == NULL) {
		cJSON_AddNullToObject(o, "server");
		return (o);
	}
	if (pg->pgbouncer) {
		x = cJSON_AddObjectToObject(o, "pgbouncer");
		json_time(x, "sampled", pg->wall_us);
		cJSON_AddBoolToObject(x, "stale",
		    snapshot_stale(s, pg->wall_us, true));
		cJSON_AddStringToObject(x, "endpoint", pg->endpoint);
		cJSON_AddItemToObject(x, "pools", table_to_json(pg->pgb_pools));
		cJSON_AddItemToObject(x, "stats", table_to_json(pg->pgb_stats));
		cJSON_AddNullToObject(o, "server");
		return (o);
	}
	x = cJSON_AddObjectToObject(o, "server");
	json_time(x, "sampled", pg->wall_us);
	cJSON_AddBoolToObject(x, "stale", snapshot_stale(s, pg->wall_us, true));
	cJSON_AddStringToObject(x, "endpoint", pg->endpoint);
	cJSON_AddStringToObject(x, "version", pg->version);
	cJSON_AddBoolToObject(x, "in_recovery", pg->in_recovery);
	cJSON_AddBoolToObject(x, "pg_monitor", pg->pg_monitor);
	if (pg->degraded)
		cJSON_AddStringToObject(x, "degraded", pg->degraded_why);
	cJSON_AddNumberToObject(x, "statements_per_refresh", pg->statements);
	cJSON_AddNumberToObject(x, "max_connections", pg->max_connections);
	cJSON_AddNumberToObject(x, "clients", pg->clients);
	cJSON_AddNumberToObject(x, "active", pg->active);
	cJSON_AddNumberToObject(x, "idle", pg->idle);
	cJSON_AddNumberToObject(x, "idle_in_transaction", pg->idle_in_xact);
	cJSON_AddNumberToObject(x, "idle_in_transaction_aborted",
	    pg->idle_in_xact_aborted);
	cJSON_AddNumberToObject(x, "hidden", pg->hidden);
	cJSON_AddNumberToObject(x, "lock_waiters", pg->lock_waiters);
	json_num(x, "tps", pg->rates.tps);
	json_num(x, "rollback_ratio", pg->rates.rollback_ratio);
	json_num(x, "cache_hit_ratio", pg->rates.hit_ratio);
	json_num(x, "window_s", pg->rates.window_s);
	cJSON_AddNumberToObject(x, "deadlocks", (double)pg->counters.deadlocks);
	cJSON_AddNumberToObject(x, "temp_bytes",
	    (double)pg->counters.temp_bytes);
	json_num(x, "oldest_xact_s", pg->oldest_xact_s);
	json_num(x, "longest_query_s", pg->longest_query_s);
	json_num(x, "uptime_s", (double)pg->uptime_s);
	a = cJSON_AddArrayToObject(x, "replicas");
	for (i = 0; i < (size_t)pg->nreplicas; i++) {
		cJSON	*r = cJSON_CreateObject();

		cJSON_AddStringToObject(r, "name", pg->replicas[i].name);
		cJSON_AddStringToObject(r, "client", pg->replicas[i].client);
		cJSON_AddStringToObject(r, "state", pg->replicas[i].state);
		cJSON_AddStringToObject(r, "sync_state",
		    pg->replicas[i].sync_state);
		json_num(r, "lag_bytes", (double)pg->replicas[i].lag_bytes);
		json_num(r, "replay_lag_s", pg->replicas[i].replay_lag_s);
		cJSON_AddItemToArray(a, r);
	}
	if (pg->repl_sampled) {
		cJSON	*r = repl_json(&pg->repl);

		cJSON_AddNumberToObject(r, "problems", pg->repl_nproblems);
		cJSON_AddStringToObject(r, "problems_text", pg->repl_problems);
		cJSON_AddItemToObject(x, "replication", r);
	}
	a = cJSON_AddArrayToObject(x, "mcpdb_applications");
	for (i = 0; i < (size_t)pg->napps; i++) {
		cJSON	*r = cJSON_CreateObject();

		cJSON_AddStringToObject(r, "application_name", pg->apps[i].app);
		cJSON_AddNumberToObject(r, "connections", pg->apps[i].conns);
		cJSON_AddNumberToObject(r, "active", pg->apps[i].active);
		cJSON_AddNumberToObject(r, "idle", pg->apps[i].idle);
		cJSON_AddNumberToObject(r, "idle_in_transaction",
		    pg->apps[i].idle_in_xact);
		cJSON_AddItemToArray(a, r);
	}
	json_series(x, "tps_series", &pg->tps);
	a = cJSON_AddArrayToObject(x, "sessions");
	for (i = 0; i < pg->nsessions; i++)
		cJSON_AddItemToArray(a, json_session(&pg->sessions[i]));
	cJSON_AddNumberToObject(x, "sessions_total",
	    (double)pg->sessions_total);
	return (o);
}

/* One Redis client of this process. */
static cJSON *
json_rclient(const struct snap_rclient *c)
{
	cJSON	*o = cJSON_CreateObject(), *a;
	size_t	 i;

	cJSON_AddStringToObject(o, "role", c->role);
	cJSON_AddStringToObject(o, "endpoint", c->st.endpoint);
	cJSON_AddStringToObject(o, "sentinel", c->st.sentinel);
	cJSON_AddBoolToObject(o, "connected", c->st.connected);
	cJSON_AddNumberToObject(o, "calls", (double)c->st.calls);
	cJSON_AddNumberToObject(o, "errors", (double)c->st.errors);
	cJSON_AddNumberToObject(o, "reconnects", (double)c->st.reconnects);
	cJSON_AddNumberToObject(o, "attempt", c->st.attempt);
	cJSON_AddStringToObject(o, "breaker",
	    breaker_state_name(c->st.breaker.state));
	cJSON_AddStringToObject(o, "last_error", c->st.last_error);
	a = cJSON_AddArrayToObject(o, "commands");
	for (i = 0; i < c->ncmds; i++) {
		cJSON	*r = cJSON_CreateObject();

		cJSON_AddStringToObject(r, "name", c->cmds[i].name);
		cJSON_AddNumberToObject(r, "calls", (double)c->cmds[i].calls);
		cJSON_AddNumberToObject(r, "errors", (double)c->cmds[i].errors);
		cJSON_AddNumberToObject(r, "p50_us", (double)c->cmds[i].p50_us);
		cJSON_AddNumberToObject(r, "p99_us", (double)c->cmds[i].p99_us);
		cJSON_AddItemToArray(a, r);
	}
	return (o);
}

cJSON *
snapshot_redis_json(const struct snapshot *s)
{
	const struct snap_redis	*rd = s->rd;
	const struct rds_info	*in;
	cJSON			*o = cJSON_CreateObject(), *a, *x, *y;
	size_t			 i;

	cJSON_AddItemToObject(o, "status",
	    json_server_status(&s->status.redis));
	a = cJSON_AddArrayToObject(o, "clients");
	for (i = 0; i < s->nrclients; i++)
		cJSON_AddItemToArray(a, json_rclient(&s->rclients[i]));
	if (rd == NULL) {
		cJSON_AddNullToObject(o, "server");
		return (o);
	}
	in = &rd->info;
	x = cJSON_AddObjectToObject(o, "server");
	json_time(x, "sampled", rd->wall_us);
	cJSON_AddBoolToObject(x, "stale", snapshot_stale(s, rd->wall_us,
	    false));
	cJSON_AddStringToObject(x, "endpoint", rd->endpoint);
	cJSON_AddStringToObject(x, "version", in->version);
	cJSON_AddStringToObject(x, "role", in->role);
	cJSON_AddStringToObject(x, "run_id", in->run_id);
	json_num(x, "uptime_s", (double)in->uptime_s);
	json_num(x, "ping_ms", rd->rtt_us / 1000.0);
	json_num(x, "used_memory", (double)in->used_memory);
	json_num(x, "used_memory_peak", (double)in->used_memory_peak);
	json_num(x, "maxmemory", (double)in->maxmemory);
	cJSON_AddStringToObject(x, "maxmemory_policy", in->maxmemory_policy);
	json_num(x, "frag_ratio", in->frag_ratio);
	json_num(x, "ops_per_s", rd->rates.ops_per_s);
	json_num(x, "hit_ratio", rd->rates.hit_ratio);
	json_num(x, "connected_clients", (double)in->connected_clients);
	json_num(x, "blocked_clients", (double)in->blocked_clients);
	json_num(x, "evicted_keys", (double)in->evicted_keys);
	json_num(x, "expired_keys", (double)in->expired_keys);
	json_num(x, "rdb_changes_since_last_save",
	    (double)in->rdb_changes_since_last_save);
	cJSON_AddStringToObject(x, "rdb_last_bgsave_status",
	    in->rdb_last_bgsave_status);
	cJSON_AddStringToObject(x, "banner", rd->banner);
	y = cJSON_AddObjectToObject(x, "keyspace");
	for (i = 0; i < in->ndbs; i++) {
		char	k[16];

		snprintf(k, sizeof(k), "db%d", in->dbs[i].db);
		cJSON_AddNumberToObject(y, k, (double)in->dbs[i].keys);
	}
	a = cJSON_AddArrayToObject(x, "replicas");
	for (i = 0; i < in->nslaves; i++) {
		cJSON	*r = cJSON_CreateObject();

		cJSON_AddStringToObject(r, "ip", in->slaves[i].ip);
		cJSON_AddNumberToObject(r, "port", in->slaves[i].port);
		cJSON_AddStringToObject(r, "state", in->slaves[i].state);
		json_num(r, "lag_bytes", in->master_repl_offset >= 0 &&
		    in->slaves[i].offset >= 0 ? (double)(in->master_repl_offset -
		    in->slaves[i].offset) : -1);
		json_num(r, "lag_s", (double)in->slaves[i].lag_s);
		cJSON_AddItemToArray(a, r);
	}
	if (rd->slowlog_why[0])
		cJSON_AddStringToObject(x, "slowlog_unavailable",
		    rd->slowlog_why);
	a = cJSON_AddArrayToObject(x, "slowlog");
	for (i = 0; i < (size_t)rd->nslow; i++) {
		cJSON	*r = cJSON_CreateObject();

		cJSON_AddNumberToObject(r, "id", (double)rd->slow[i].id);
		cJSON_AddNumberToObject(r, "usec", (double)rd->slow[i].usec);
		cJSON_AddStringToObject(r, "command", rd->slow[i].cmd);
		cJSON_AddItemToArray(a, r);
	}
	if (rd->latency_why[0])
		cJSON_AddStringToObject(x, "latency_unavailable",
		    rd->latency_why);
	json_series(x, "ops_series", &rd->ops);
	if (rd->cluster != NULL)	/* the cluster view, as redis info --json */
		cJSON_AddItemToObject(o, "cluster",
		    rds_cluster_view_json(&rd->cluster->v));
	return (o);
}
