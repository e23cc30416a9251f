/*
 * cmd-health.c - `mcpdb health`: PostgreSQL (reachable, version, connections
 * against max_connections, mcpdb's own pool) and Redis (reachable, RTT,
 * memory, hit ratio, role, persistence) in one view. Exit 3 when anything is
 * unhealthy, with the reasons. Health reports the servers, not mcpdb's
 * circuit breakers: when a breaker refuses (fail-fast after failures), the
 * sample connects directly instead, so `health --watch` says "up" at the
 * first sample after the server is back.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "buf.h"
#include "cmd.h"
#include "conn.h"
#include "metrics.h"
#include "migplan.h"
#include "migrate.h"
#include "pgbadmin.h"
#include "pgq.h"
#include "pool.h"
#include "rds-cluster.h"
#include "rds.h"
#include "repl.h"
#include "xmem.h"
#include "clk.h"

/* Per-query deadline: a frozen server must not freeze the operator. */
#define HEALTH_DEADLINE_MS	5000

/* One health sample of both servers. */
struct health {
	bool			pg_ok;
	char			pg_error[sizeof(((struct mc_err *)0)->msg)];
	char			pg_version[32];
	bool			pg_in_recovery;
	long			pg_clients;
	long			pg_usable;	/* max_connections - reserved */
	double			pg_rtt_ms;
	bool			have_pool;
	struct pool_stats	pool;
	bool			rd_configured;
	bool			rd_ok;
	char			rd_error[sizeof(((struct mc_err *)0)->msg)];
	struct rds_health	rd;
	struct rds_cluster_view	*cv;		/* a Redis Cluster's view, or NULL */
	unsigned		rd_open, rd_max;	/* the client's connections: open, at most */
	unsigned		rd_min;		/* ... kept open (min_connections) */
	uint64_t		rd_waits, rd_timeouts;	/* waits for a free one, given up */
	bool			have_repl;
	struct repl		repl;
	struct buf		problems;	/* "; "-separated reasons */
};

/* Record one reason the platform is unhealthy. */
static void
health_problem(struct health *h, const char *fmt, ...)
{
	va_list	ap;

	if (h->problems.len > 0)
		buf_puts(&h->problems, "; ");
	va_start(ap, fmt);
	buf_vprintf(&h->problems, fmt, ap);
	va_end(ap);
}

/*
 * Sample PostgreSQL through the pool: one query, bounded by a deadline. An
 * open breaker is bypassed with a direct probe (pool_probe).
 */
static void
health_pg(struct conn *c, struct health *h)
{
	static const char *const sql =
	    "SELECT current_setting('server_version'), pg_is_in_recovery(),"
	    " (SELECT count(*) FROM pg_stat_activity WHERE "
	    METRICS_PG_IN_USE_SQL "),"
	    " current_setting('max_connections')::int, "
	    METRICS_PG_RESERVED_SQL;
	struct mc_err	 err = { 0 };
	struct pool	*p;
	PGconn		*pc;
	PGresult	*res;
	double		 t0;

	if ((p = conn_pool(c, &err)) == NULL)
		goto fail;
	t0 = (clk_mono_us() / 1000.0);
	if ((pc = pool_acquire(p, "health", &err)) == NULL &&
	    err.code == MC_E_BREAKER) {
		memset(&err, 0, sizeof(err));
		pc = pool_probe(p, "health", &err);
	}
	if (pc == NULL)
		goto fail_stats;
	res = pool_query_deadline(p, pc, sql, 0, NULL, HEALTH_DEADLINE_MS, &err);
	h->pg_rtt_ms = (clk_mono_us() / 1000.0) - t0;
	pool_release(p, pc);
	if (res == NULL)
		goto fail_stats;
	h->pg_ok = true;
	snprintf(h->pg_version, sizeof(h->pg_version), "%s", PQgetvalue(res, 0, 0));
	h->pg_in_recovery = PQgetvalue(res, 0, 1)[0] == 't';
	h->pg_clients = atol(PQgetvalue(res, 0, 2));
	h->pg_usable = metrics_pg_conn_usable(atoi(PQgetvalue(res, 0, 3)),
	    atoi(PQgetvalue(res, 0, 4)));
	PQclear(res);
	h->pool = pool_stats(p);
	h->have_pool = true;
	if (metrics_pg_conn_saturated(h->pg_clients, h->pg_usable))
		health_problem(h, "PostgreSQL: %ld of %ld usable connections in "
		    "use (warns at %d%%)", h->pg_clients, h->pg_usable,
		    METRICS_PG_CONN_WARN_PCT);
	if (h->pool.leaks > 0)
		health_problem(h, "pool: %llu connection leak%s reported (last by '%s')",
		    (unsigned long long)h->pool.leaks, h->pool.leaks == 1 ? "" : "s",
		    h->pool.last_leak_tag);
	return;
fail_stats:
	h->pool = pool_stats(p);
	h->have_pool = true;
fail:
	snprintf(h->pg_error, sizeof(h->pg_error), "%s", err.msg);
	health_problem(h, "PostgreSQL unreachable: %s", err.msg);
}

/*
 * Sample a Redis Cluster: state, slot coverage and every node (a node that
 * does not answer is a problem only when slots lose their master). h->rd
 * gets the PING + INFO of the first reachable master.
 */
static void
health_redis_cluster(struct rds *r, struct health *h)
{
	struct mc_err	err = { 0 };
	char		why[256];
	size_t		i;

	h->cv = xcalloc(1, sizeof(*h->cv));
	if (rds_cluster_describe(r, h->cv, &err) == -1) {
		free(h->cv);
		h->cv = NULL;
		snprintf(h->rd_error, sizeof(h->rd_error), "%s", err.msg);
		health_problem(h, "Redis unreachable: %s", err.msg);
		return;
	}
	h->rd_ok = true;
	rds_info_init(&h->rd.info);
	h->rd.tls = h->cv->tls;	/* rediss+cluster://: one node's session */
	/* A dead replica (or a failed-over master) is shown, not fatal: exit 3 only for slots. */
	if (!rds_cluster_view_ok(h->cv, why, sizeof(why)))
		health_problem(h, "%s", why);
	for (i = 0; i < h->cv->nnodes; i++)
		if (h->cv->nodes[i].reachable &&
		    strcmp(h->cv->nodes[i].role, "master") == 0) {
			h->rd.rtt_us = h->cv->nodes[i].rtt_us;
			h->rd.info.used_memory = h->cv->nodes[i].used_memory;
			h->rd.info.maxmemory = h->cv->nodes[i].maxmemory;
			snprintf(h->rd.info.role, sizeof(h->rd.info.role), "cluster");
			break;
		}
}

/* The cluster part of `health` for terminals: one row per node. */
static void
health_print_cluster(struct cmd_ctx *ctx, const struct rds_cluster_view *v)
{
	struct table	*tb = rds_cluster_view_table(v);
	char		*sum = rds_cluster_view_summary(v);

	out_printf(ctx->out, "%s\n", sum);
	out_table(ctx->out, tb);
	table_free(tb);
	free(sum);
}

/*
 * Sample replication (standbys, slots, or this standby's receiver) on a
 * pooled connection and judge it against the target's thresholds.
 */
static void
health_replication(struct conn *c, const struct conf_target *t,
    struct health *h)
{
	struct mc_err	 err = { 0 };
	struct pool	*p;
	PGconn		*pc;

	if (!h->pg_ok || (p = conn_pool(c, &err)) == NULL ||
	    (pc = pool_acquire(p, "health", &err)) == NULL)
		return;
	h->have_repl = true;
	if (repl_sample(p, pc, HEALTH_DEADLINE_MS, &h->repl, &err) == -1)
		health_problem(h, "replication not sampled: %s", err.msg);
	pool_release(p, pc);
	repl_problems(&h->repl, &t->replication, &h->problems);
}

/*
 * Sample Redis: PING RTT and one multi-section INFO. An open breaker is
 * bypassed with a one-off client of the same target (its own, closed
 * breaker), which dials at once.
 */
static void
health_redis(struct conn *c, const struct conf_target *t, struct health *h)
{
	struct mc_err		 err = { 0 };
	struct rds		*r, *once;
	const struct rds_info	*i = &h->rd.info;
	int			 rc = -1;

	if (t->redis == NULL || *t->redis == '\0')
		return;
	h->rd_configured = true;
	if ((r = conn_rds(c, &err)) != NULL && rds_is_cluster(r)) {
		health_redis_cluster(r, h);
		return;
	}
	if (r != NULL &&
	    (rc = rds_health(r, &h->rd, &err)) != 0 &&
	    err.code == MC_E_BREAKER) {
		memset(&err, 0, sizeof(err));
		if ((once = rds_new(t, NULL, "health", &err)) != NULL) {
			rc = rds_health(once, &h->rd, &err);
			rds_free(once);
		}
	}
	if (rc != 0) {
		snprintf(h->rd_error, sizeof(h->rd_error), "%s", err.msg);
		health_problem(h, "Redis unreachable: %s", err.msg);
		return;
	}
	h->rd_ok = true;
	if (r != NULL) {
		struct rds_stats	*st = rds_stats(r);

		h->rd_open = st->open_conns;
		h->rd_max = st->max_conns;
		h->rd_min = st->min_conns;
		h->rd_waits = st->acquire_waits;
		h->rd_timeouts = st->acquire_timeouts;
		rds_stats_free(st);
	}
	if (i->maxmemory > 0 && i->used_memory * 100 >= i->maxmemory * 95)
		health_problem(h, "Redis memory at %lld%% of maxmemory (policy %s)",
		    (long long)(i->used_memory * 100 / i->maxmemory), i->maxmemory_policy);
	if (strcmp(i->rdb_last_bgsave_status, "err") == 0)
		health_problem(h, "Redis: last background save failed");
	if (i->aof_enabled && strcmp(i->aof_last_write_status, "err") == 0)
		health_problem(h, "Redis: last AOF write failed");
	if (strcmp(i->role, "slave") == 0 && strcmp(i->master_link_status, "up") != 0)
		health_problem(h, "Redis replica: link to master %s:%lld is down",
		    i->master_host, (long long)i->master_port);
	if (rds_info_loading(i))
		health_problem(h, "Redis is loading its dataset");
}

/* Under this many days left, a Redis TLS certificate is a warning. */
#define HEALTH_TLS_WARN_DAYS	30

/*
 * The Redis TLS session in one line ("TLSv1.3, TLS_AES_256_GCM_SHA384,
 * certificate expires 2027-01-05 (33 days left)"); the level is 0 ok,
 * 1 warn (under 30 days left, or not verified), 2 fail (expired).
 */
static int
health_tls_text(const struct rdstls_info *ti, char *out, size_t len)
{
	char		date[32] = "unknown";
	struct tm	tm;
	time_t		na = (time_t)ti->not_after;
	int		days = rdstls_days_left(ti), level = 0;

	if (ti->not_after != 0 && gmtime_r(&na, &tm) != NULL)
		strftime(date, sizeof(date), "%Y-%m-%d", &tm);
	if (ti->not_after != 0 && days < 0)
		level = 2;
	else if (ti->insecure || (ti->not_after != 0 &&
	    days < HEALTH_TLS_WARN_DAYS))
		level = 1;
	snprintf(out, len, "%s, %s, certificate expires %s (%d days %s)%s%s",
	    ti->protocol, ti->cipher, date, days < 0 ? -days : days,
	    days < 0 ? "ago: EXPIRED" : "left",
	    ti->not_after != 0 && days >= 0 && days < HEALTH_TLS_WARN_DAYS ?
	    "; renew it soon" : "",
	    ti->insecure ? "; insecure: the certificate is NOT verified "
	    "(redis_options.tls_insecure)" : "");
	return (level);
}

/* Hit ratio as text: "n/a" on too little traffic. */
static void
health_hit_ratio(const struct rds_info *i, char *out, size_t len)
{
	int64_t	total = i->keyspace_hits + i->keyspace_misses;

	if (total < 100)
		snprintf(out, len, "n/a");
	else
		snprintf(out, len, "%.1f%%", 100.0 * (double)i->keyspace_hits / (double)total);
}

/* Human-readable bytes. */
static void
health_bytes(int64_t n, char *out, size_t len)
{
	const char	*u[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	double		 v = (double)n;
	int		 k = 0;

	while (v >= 1024 && k < 4) {
		v /= 1024;
		k++;
	}
	snprintf(out, len, k ? "%.1f %s" : "%.0f %s", v, u[k]);
}

/* The Redis TLS session as JSON: {"enabled": false} for plaintext. */
static cJSON *
health_tls_json(const struct rdstls_info *ti)
{
	cJSON	*o = cJSON_CreateObject();
	char	 date[32] = "";
	struct tm tm;
	time_t	 na = (time_t)ti->not_after;

	cJSON_AddBoolToObject(o, "enabled", ti->tls);
	if (!ti->tls)
		return (o);
	cJSON_AddStringToObject(o, "protocol", ti->protocol);
	cJSON_AddStringToObject(o, "cipher", ti->cipher);
	cJSON_AddBoolToObject(o, "verified", !ti->insecure);
	cJSON_AddBoolToObject(o, "insecure", ti->insecure);
	cJSON_AddStringToObject(o, "subject", ti->subject);
	if (ti->not_after != 0 && gmtime_r(&na, &tm) != NULL) {
		strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%SZ", &tm);
		cJSON_AddStringToObject(o, "cert_not_after", date);
		cJSON_AddNumberToObject(o, "cert_days_left",
		    rdstls_days_left(ti));
	}
	return (o);
}

/* The sample as one JSON object. */
static cJSON *
health_json(const struct conf_target *t, const struct health *h)
{
	cJSON	*doc = cJSON_CreateObject(), *pg = cJSON_CreateObject();
	cJSON	*rd = cJSON_CreateObject(), *pool, *probs = cJSON_CreateArray();
	const char *p, *q;

	cJSON_AddStringToObject(doc, "target", t->name);
	cJSON_AddBoolToObject(doc, "healthy", h->problems.len == 0);
	cJSON_AddBoolToObject(pg, "reachable", h->pg_ok);
	if (h->pg_ok) {
		cJSON_AddStringToObject(pg, "version", h->pg_version);
		cJSON_AddBoolToObject(pg, "in_recovery", h->pg_in_recovery);
		cJSON_AddNumberToObject(pg, "connections", (double)h->pg_clients);
		cJSON_AddNumberToObject(pg, "usable_connections", (double)h->pg_usable);
		cJSON_AddNumberToObject(pg, "rtt_ms", h->pg_rtt_ms);
	} else
		cJSON_AddStringToObject(pg, "error", h->pg_error);
	if (h->have_pool) {
		pool = cJSON_CreateObject();
		cJSON_AddNumberToObject(pool, "total", h->pool.total);
		cJSON_AddNumberToObject(pool, "active", h->pool.active);
		cJSON_AddNumberToObject(pool, "idle", h->pool.idle);
		cJSON_AddNumberToObject(pool, "waiting", h->pool.waiting);
		cJSON_AddNumberToObject(pool, "max", h->pool.max);
		cJSON_AddNumberToObject(pool, "acquire_p50_us", h->pool.acquire.p50_us);
		cJSON_AddNumberToObject(pool, "acquire_p99_us", h->pool.acquire.p99_us);
		cJSON_AddNumberToObject(pool, "timeouts", (double)h->pool.timeouts);
		cJSON_AddNumberToObject(pool, "leaks", (double)h->pool.leaks);
		cJSON_AddStringToObject(pool, "breaker", breaker_state_name(h->pool.breaker));
		cJSON_AddItemToObject(pg, "pool", pool);
	}
	if (h->have_repl)
		cJSON_AddItemToObject(pg, "replication", repl_json(&h->repl));
	cJSON_AddItemToObject(doc, "postgresql", pg);
	cJSON_AddBoolToObject(rd, "configured", h->rd_configured);
	if (h->rd_configured && h->cv != NULL) {
		cJSON_AddBoolToObject(rd, "reachable", h->rd_ok);
		cJSON_AddItemToObject(rd, "cluster", rds_cluster_view_json(h->cv));
		cJSON_AddItemToObject(rd, "tls", health_tls_json(&h->rd.tls));
	} else if (h->rd_configured) {
		cJSON_AddBoolToObject(rd, "reachable", h->rd_ok);
		if (h->rd_ok) {
			const struct rds_info *i = &h->rd.info;
			char	hit[16];

			health_hit_ratio(i, hit, sizeof(hit));
			cJSON_AddNumberToObject(rd, "rtt_us", (double)h->rd.rtt_us);
			cJSON_AddStringToObject(rd, "version", i->version);
			cJSON_AddStringToObject(rd, "role", i->role);
			cJSON_AddNumberToObject(rd, "used_memory", (double)i->used_memory);
			cJSON_AddNumberToObject(rd, "maxmemory", (double)i->maxmemory);
			cJSON_AddStringToObject(rd, "hit_ratio", hit);
			cJSON_AddNumberToObject(rd, "connected_clients", (double)i->connected_clients);
			cJSON_AddNumberToObject(rd, "keys", (double)i->total_keys);
			cJSON_AddItemToObject(rd, "tls",
			    health_tls_json(&h->rd.tls));
			{
				cJSON	*cn = cJSON_AddObjectToObject(rd, "client_connections");

				cJSON_AddNumberToObject(cn, "open", h->rd_open);
				cJSON_AddNumberToObject(cn, "min", h->rd_min);
				cJSON_AddNumberToObject(cn, "max", h->rd_max);
				cJSON_AddNumberToObject(cn, "acquire_waits", (double)h->rd_waits);
				cJSON_AddNumberToObject(cn, "acquire_timeouts",
				    (double)h->rd_timeouts);
			}
		} else
			cJSON_AddStringToObject(rd, "error", h->rd_error);
	}
	cJSON_AddItemToObject(doc, "redis", rd);
	for (p = h->problems.data; p != NULL && *p != '\0'; p = q ? q + 2 : NULL) {
		char	*one;

		q = strstr(p, "; ");
		one = q ? xstrndup(p, (size_t)(q - p)) : xstrdup(p);
		cJSON_AddItemToArray(probs, cJSON_CreateString(one));
		free(one);
	}
	cJSON_AddItemToObject(doc, "problems", probs);
	return (doc);
}

/* The sample as a table for terminals. */
static void
health_print(struct cmd_ctx *ctx, const struct health *h)
{
	struct table	*tb = table_new(NULL, 3, "server", "status", "details");
	char		*d;

	if (h->pg_ok) {
		d = xasprintf("PostgreSQL %s%s, %ld/%ld connections, %.1f ms",
		    h->pg_version, h->pg_in_recovery ? " (standby)" : "", h->pg_clients,
		    h->pg_usable, h->pg_rtt_ms);
		table_add(tb, "postgresql", "up", d);
	} else {
		d = xstrdup(h->pg_error);
		table_add(tb, "postgresql", "DOWN", d);
	}
	free(d);
	if (h->have_pool) {
		d = xasprintf("%d active, %d idle, %d waiting of max %d; acquire p99 %.2f ms; %llu timeouts; breaker %s",
		    h->pool.active, h->pool.idle, h->pool.waiting, h->pool.max,
		    h->pool.acquire.p99_us / 1000.0, (unsigned long long)h->pool.timeouts,
		    breaker_state_name(h->pool.breaker));
		table_add(tb, "mcpdb pool", "", d);
		free(d);
	}
	for (int i = 0; h->have_repl && i < repl_nlines(&h->repl); i++) {
		const char	*label;

		d = repl_line(&h->repl, i, &label);
		table_add(tb, label, "", d);
		free(d);
	}
	if (!h->rd_configured)
		table_add(tb, "redis", "-", "not configured for this target");
	else if (h->cv != NULL) {
		d = xasprintf("Redis Cluster, state %s, %d/16384 slots served by a "
		    "reachable master, %zu nodes", h->cv->state,
		    16384 - h->cv->uncovered, h->cv->nnodes);
		table_add(tb, "redis", rds_cluster_view_ok(h->cv, NULL, 0) ? "up" :
		    "DEGRADED", d);
		free(d);
	} else if (h->rd_ok) {
		const struct rds_info *i = &h->rd.info;
		char	used[24], max[24], hit[16], mn[24] = "";

		health_bytes(i->used_memory, used, sizeof(used));
		if (i->maxmemory > 0)
			health_bytes(i->maxmemory, max, sizeof(max));
		else
			snprintf(max, sizeof(max), "unbounded");
		health_hit_ratio(i, hit, sizeof(hit));
		if (h->rd_min > 0)
			snprintf(mn, sizeof(mn), " (min %u)", h->rd_min);
		d = xasprintf("Redis %s %s, rtt %.2f ms, memory %s / %s, hit ratio %s, %lld keys, "
		    "client connections %u of %u%s", i->version, i->role, h->rd.rtt_us / 1000.0,
		    used, max, hit, (long long)i->total_keys, h->rd_open, h->rd_max, mn);
		table_add(tb, "redis", "up", d);
		free(d);
	} else
		table_add(tb, "redis", "DOWN", h->rd_error);
	if (h->rd_configured && h->rd_ok && h->rd.tls.tls) {
		char	tl[320];
		int	lv;

		lv = health_tls_text(&h->rd.tls, tl, sizeof(tl));
		table_add(tb, "redis tls", lv == 0 ? "" : lv == 1 ?
		    "WARN" : "FAIL", tl);
	}
	out_table(ctx->out, tb);
	table_free(tb);
	if (h->cv != NULL)
		health_print_cluster(ctx, h->cv);
	if (h->problems.len > 0)
		out_printf(ctx->out, "UNHEALTHY: %s\n", h->problems.data);
	else
		out_printf(ctx->out, "healthy\n");
}

/*
 * Health of PgBouncer's admin console (the target's dbname is pgbouncer):
 * SHOW POOLS and SHOW STATS; unhealthy when clients wait for a server
 * connection for a second or more. Returns the exit status (0 or 3).
 */
static int
health_console(struct cmd_ctx *ctx)
{
	struct table	*pools, *stats;
	struct mc_err	 err = { 0 };
	struct buf	 probs;
	int		 st;

	buf_init(&probs);
	if (pgbadmin_sample(ctx->target, &pools, &stats, &err) == -1)
		buf_printf(&probs, "PgBouncer admin console unreachable: %s",
		    err.msg);
	if (probs.len == 0)
		(void)pgbadmin_problems(pools, &probs);
	st = probs.len > 0 ? 3 : 0;
	if (ctx->json) {
		cJSON	*doc = cJSON_CreateObject(), *pgb, *pa;

		cJSON_AddStringToObject(doc, "target", ctx->target->name);
		cJSON_AddBoolToObject(doc, "healthy", st == 0);
		pgb = cJSON_AddObjectToObject(doc, "pgbouncer");
		if (pools != NULL) {
			cJSON_AddItemToObject(pgb, "pools",
			    table_to_json(pools));
			cJSON_AddItemToObject(pgb, "stats",
			    table_to_json(stats));
		}
		pa = cJSON_AddArrayToObject(doc, "problems");
		if (probs.len > 0)
			cJSON_AddItemToArray(pa, cJSON_CreateString(probs.data));
		out_doc(ctx->out, doc);
	} else {
		if (pools != NULL) {
			out_table(ctx->out, pools);
			out_table(ctx->out, stats);
		}
		out_printf(ctx->out, "%s%s\n", st ? "UNHEALTHY: " : "healthy",
		    st ? probs.data : " (PgBouncer admin console)");
	}
	table_free(pools);
	table_free(stats);
	buf_done(&probs);
	return (st);
}

static const struct cmd_opt cmd_health_opts[] = {
	{ "watch", 'w', "SECONDS", "repeat every SECONDS until interrupted", CC_NONE },
	{ NULL, 0, NULL, NULL, CC_NONE },
};

/* health [--watch S]: one sample (or one per interval); exit 3 if unhealthy. */
static int
cmd_health_exec(struct cmd_ctx *ctx, const struct cmd_args *a, struct mc_err *err)
{
	struct health	 h;
	struct conn	*c;
	long		 watch;
	int		 status = 0;
	char		*s;

	if (cmd_opt_int(a, "watch", 0, 1, 3600, &watch, err) != 0)
		return (-1);
	if (pgbadmin_is_console(ctx->target) && watch <= 0)
		return (health_console(ctx));
	if ((c = cmd_conn(ctx, err)) == NULL)
		return (-1);
	for (;;) {
		memset(&h, 0, sizeof(h));
		buf_init(&h.problems);
		health_pg(c, &h);
		health_replication(c, ctx->target, &h);
		health_redis(c, ctx->target, &h);
		status = h.problems.len > 0 ? 3 : 0;
		if (ctx->json && watch > 0) {	/* one JSON line per sample */
			cJSON *doc = health_json(ctx->target, &h);

			s = cJSON_PrintUnformatted(doc);
			cJSON_Delete(doc);
			printf("%s\n", s);
			fflush(stdout);
			free(s);
		} else if (ctx->json)
			out_doc(ctx->out, health_json(ctx->target, &h));
		else {
			if (watch > 0) {
				time_t		now = time(NULL);
				char		ts[32];

				strftime(ts, sizeof(ts), "%H:%M:%S", localtime(&now));
				out_printf(ctx->out, "-- %s  target %s --\n", ts, ctx->target->name);
			}
			health_print(ctx, &h);
		}
		buf_done(&h.problems);
		free(h.cv);
		if (watch <= 0)
			break;
		if (cmd_wait(ctx, watch * 1000))
			break;
	}
	return (status);
}

static const struct cmd_entry cmd_health_entry = {
	.name = "health", .summary = "PostgreSQL and Redis health in one view (exit 3 when unhealthy)",
	.help = "Checks PostgreSQL (reachable, version, connections against max_connections, mcpdb's pool)\n"
	    "and Redis (reachable, PING round trip, memory, hit ratio, role, persistence).\n"
	    "Every query has a 5 s deadline, so a frozen server is reported, not waited for.\n"
	    "It reports the servers, not mcpdb's circuit breakers: when one is open, the\n"
	    "sample connects directly, so --watch says up at the first sample after a restart.",
	.opts = cmd_health_opts, .min_args = 0, .max_args = 0,
	.flags = CMD_NEEDS_TARGET, .exec = cmd_health_exec,
};

/* ---------------------------------------------------------------- doctor */

/* One doctor finding. */
struct doctor {
	struct table	*t;
	cJSON		*arr;
	int		 worst;		/* 0 ok, 1 warn, 2 fail */
};

/* Record a check result: level 0 ok, 1 warn, 2 fail. */
static void
doctor_add(struct doctor *d, const char *check, int level, const char *fmt, ...)
{
	static const char *const names[] = { "ok", "WARN", "FAIL" };
	va_list	ap;
	char	*detail;
	struct buf b;

	buf_init(&b);
	va_start(ap, fmt);
	buf_vprintf(&b, fmt, ap);
	va_end(ap);
	detail = buf_detach(&b);
	buf_done(&b);
	for (char *q = detail; *q; q++)		/* libpq messages hold newlines and tabs */
		if (*q == '\n' || *q == '\t')
			*q = ' ';
	if (level > d->worst)
		d->worst = level;
	table_add(d->t, check, names[level], detail);
	if (d->arr != NULL) {
		cJSON *o = cJSON_CreateObject();

		cJSON_AddStringToObject(o, "check", check);
		cJSON_AddStringToObject(o, "status", level == 0 ? "ok" : level == 1 ? "warn" : "fail");
		cJSON_AddStringToObject(o, "detail", detail);
		cJSON_AddItemToArray(d->arr, o);
	}
	free(detail);
}

/* The first value of a one-row query, or NULL (caller frees). */
static char *
doctor_value(struct pool *p, PGconn *pc, const char *sql, struct mc_err *err)
{
	PGresult	*res = pool_query_deadline(p, pc, sql, 0, NULL, HEALTH_DEADLINE_MS, err);
	char		*v = NULL;

	if (res == NULL)
		return (NULL);
	if (PQntuples(res) > 0 && !PQgetisnull(res, 0, 0))
		v = xstrdup(PQgetvalue(res, 0, 0));
	else
		v = xstrdup("");
	PQclear(res);
	return (v);
}

/*
 * Primary or standby: a standby is a warning, since every write command
 * (migrate, seed load) will be refused there; say where writes must go.
 */
static void
doctor_role(struct doctor *d, struct pool *p, PGconn *pc)
{
	struct mc_err	 err = { 0 };
	char		*v;

	v = doctor_value(p, pc, "SELECT pg_is_in_recovery()", &err);
	if (v == NULL)
		doctor_add(d, "server role", 1, "unknown: %s", err.msg);
	else if (strcmp(v, "t") == 0)
		doctor_add(d, "server role", 1, "standby (in recovery): read "
		    "only; migrations and seed loads must go to the primary: "
		    "point the target at it, or list both hosts with "
		    "target_session_attrs=read-write");
	else
		doctor_add(d, "server role", 0, "primary (accepts writes)");
	free(v);
}

/* Replication: standbys, slots and lag, judged as health judges them. */
static void
doctor_replication(struct cmd_ctx *ctx, struct doctor *d, struct pool *p,
    PGconn *pc)
{
	struct mc_err	 err = { 0 };
	struct repl	 r;
	struct buf	 probs, all;
	const char	*label;
	char		*line;
	int		 i;

	if (repl_sample(p, pc, HEALTH_DEADLINE_MS, &r, &err) == -1) {
		doctor_add(d, "replication", 1, "not sampled: %s", err.msg);
		return;
	}
	buf_init(&probs);
	buf_init(&all);
	repl_problems(&r, &ctx->target->replication, &probs);
	for (i = 0; i < repl_nlines(&r); i++) {
		line = repl_line(&r, i, &label);
		buf_printf(&all, "%s%s%s%s", i ? "; " : "",
		    strcmp(label, "replication") ? label : "",
		    strcmp(label, "replication") ? " " : "", line);
		free(line);
	}
	if (probs.len > 0)
		doctor_add(d, "replication", 1, "%s", probs.data);
	else
		doctor_add(d, "replication", 0, "%s", all.data);
	buf_done(&probs);
	buf_done(&all);
}

/* PostgreSQL checks: version, privileges, extensions, vector mode, roles. */
static void
doctor_pg(struct cmd_ctx *ctx, struct doctor *d, struct conn *c)
{
	static const char *const services[] = { "inference_enhancement", "ui_testing",
	    "analytics", "code_quality", "documentation", "memory_management", "web_access" };
	struct mc_err	 err = { 0 };
	struct pool	*p;
	PGconn		*pc;
	char		*v;
	size_t		 i;

	if ((p = conn_pool(c, &err)) == NULL || (pc = pool_acquire(p, "doctor", &err)) == NULL) {
		doctor_add(d, "postgresql", 2, "cannot connect: %s", err.msg);
		return;
	}
	if ((v = doctor_value(p, pc,
	    "SELECT current_setting('server_version')"
	    " || '; user ' || current_user || CASE WHEN (SELECT rolsuper FROM pg_roles WHERE rolname = current_user)"
	    " THEN ' (superuser)' WHEN pg_has_role('pg_monitor', 'member') THEN ' (pg_monitor)' ELSE '' END"
	    " || '; database ' || current_database()", &err)) == NULL) {
		doctor_add(d, "postgresql", 2, "%s", err.msg);
		pool_release(p, pc);
		return;
	}
	doctor_add(d, "postgresql", atoi(v) >= 15 ? 0 : 1, "PostgreSQL %s%s", v,
	    atoi(v) >= 15 ? "" : " (mcpdb is tested on 15)");
	free(v);
	doctor_role(d, p, pc);
	doctor_replication(ctx, d, p, pc);
	/* What the server enforces, not what the config says. */
	v = doctor_value(p, pc, "SHOW default_transaction_read_only", &err);
	if (v == NULL)
		doctor_add(d, "sessions", 1, "%s", err.msg);
	else if (strcmp(v, "on") == 0)
		doctor_add(d, "sessions", 0, "read-only at the server "
		    "(default_transaction_read_only=on)%s",
		    ctx->target->read_only ? ": the target is read_only" : "");
	else
		doctor_add(d, "sessions", ctx->target->read_only ? 2 : 0,
		    "read-write (default_transaction_read_only=%s)%s", v,
		    ctx->target->read_only ?
		    ": NOT read-only although the target is read_only" : "");
	free(v);
	v = doctor_value(p, pc, "SELECT coalesce(string_agg(extname || ' ' || extversion, ', ' ORDER BY extname), '(none)')"
	    " FROM pg_extension", &err);
	doctor_add(d, "extensions", v ? 0 : 1, "installed: %s", v ? v : err.msg);
	free(v);
	v = doctor_value(p, pc,
	    "SELECT CASE"
	    " WHEN (SELECT count(*) FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid AND c.relkind = 'r'"
	    "   JOIN pg_namespace n ON n.oid = c.relnamespace WHERE a.attname = 'embedding' AND NOT a.attisdropped"
	    "   AND n.nspname IN ('inference_enhancement', 'memory_management')) = 0"
	    "  THEN 'no embedding columns yet (migrations not applied)'"
	    " ELSE (SELECT string_agg(DISTINCT CASE WHEN t.typname = 'vector' THEN 'pgvector' ELSE 'array fallback (real[])' END, ' + ')"
	    "   FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid AND c.relkind = 'r'"
	    "   JOIN pg_namespace n ON n.oid = c.relnamespace JOIN pg_type t ON t.oid = a.atttypid"
	    "   WHERE a.attname = 'embedding' AND NOT a.attisdropped"
	    "   AND n.nspname IN ('inference_enhancement', 'memory_management')) END"
	    " || '; pgvector ' || coalesce('installed ' || (SELECT extversion FROM pg_extension WHERE extname = 'vector'),"
	    "   'available ' || (SELECT default_version FROM pg_available_extensions WHERE name = 'vector'),"
	    "   'not available on this server (see doc/vectors.md)')", &err);
	doctor_add(d, "vector mode", v ? 0 : 1, "%s", v ? v : err.msg);
	free(v);
	{
		struct buf	 missing;
		char		 sql[1024];
		int		 nmiss = 0;

		buf_init(&missing);
		for (i = 0; i < sizeof(services) / sizeof(services[0]); i++) {
			const char	*suffix[2] = { "rw", "ro" };
			int		 k;

			for (k = 0; k < 2; k++) {
				snprintf(sql, sizeof(sql), "SELECT count(*) FROM pg_roles WHERE rolname = '%s_%s'",
				    services[i], suffix[k]);
				if ((v = doctor_value(p, pc, sql, &err)) != NULL && strcmp(v, "0") == 0) {
					buf_printf(&missing, "%s%s_%s", nmiss ? ", " : "", services[i], suffix[k]);
					nmiss++;
				}
				free(v);
			}
		}
		if (nmiss == 0)
			doctor_add(d, "roles", 0, "all 14 service roles (<schema>_rw, <schema>_ro) exist");
		else
			doctor_add(d, "roles", 1, "%d missing: %s (run mcpdb migrate up)", nmiss, missing.data);
		buf_done(&missing);
	}
	pool_release(p, pc);
}

/* Migration state through the runner's own status, over every stream. */
static void
doctor_migrations(struct cmd_ctx *ctx, struct doctor *d)
{
	struct migrate_opts	  o;
	struct migrate_status	**v;
	struct mc_err		  err = { 0 };
	size_t			  i, k, nv, n = 0, pending = 0, bad = 0;
	bool			  clean = true;

	migrate_opts_init(&o);
	if ((v = migrate_status_each(ctx->target, &o, &nv, &err)) == NULL) {
		doctor_add(d, "migrations", 2, "%s", err.msg);
		return;
	}
	for (k = 0; k < nv; k++) {
		for (i = 0; i < v[k]->n; i++) {
			if (v[k]->rows[i].state == MIG_PENDING)
				pending++;
			else if (v[k]->rows[i].state != MIG_APPLIED)
				bad++;
		}
		n += v[k]->n;
		clean = clean && v[k]->clean;
	}
	if (clean && nv > 1)
		doctor_add(d, "migrations", 0, "%zu applied in %zu streams, none pending (%s)",
		    n, nv, v[0]->dir);
	else if (clean)
		doctor_add(d, "migrations", 0, "%zu applied, none pending (%s)", n,
		    nv > 0 ? v[0]->dir : "no migrations");
	else
		doctor_add(d, "migrations", bad ? 2 : 1, "%zu pending, %zu failed/drifted/missing of %zu (run mcpdb migrate status)",
		    pending, bad, n);
	migrate_statuses_free(v, nv);
}

/*
 * Scratch databases of `migrate check` left behind: one line each. Those of
 * a gone check are a warning (the next check drops them), others are noted.
 */
static void
doctor_scratch(struct cmd_ctx *ctx, struct doctor *d)
{
	struct migrate_leftovers	*ls;
	struct mc_err			 err = { 0 };
	size_t				 i;

	if ((ls = migrate_leftovers(ctx->target, &err)) == NULL) {
		doctor_add(d, "scratch databases", 1, "%s", err.msg);
		return;
	}
	if (ls->n == 0)
		doctor_add(d, "scratch databases", 0,
		    "none left by migrate check");
	for (i = 0; i < ls->n; i++) {
		const struct migrate_leftover	*l = &ls->v[i];

		doctor_add(d, "scratch databases", l->owner == MOWN_ALIVE ? 0 : 1,
		    "%s: %s%s", l->name, l->why, l->owner == MOWN_GONE ?
		    "; the next mcpdb migrate check drops it" : "");
	}
	migrate_leftovers_free(ls);
}

/* doctor: config, connectivity, version, extensions, vector mode, roles, migrations, Redis. */
static int
cmd_doctor_exec(struct cmd_ctx *ctx, const struct cmd_args *a, struct mc_err *err)
{
	struct doctor	 d = { 0 };
	struct conn	*c;
	struct health	 h;
	const char	*path = conf_path(ctx->conf);

	d.t = table_new(NULL, 3, "check", "status", "detail");
	d.arr = ctx->json ? cJSON_CreateArray() : NULL;
	doctor_add(&d, "config", 0, "%s; target %s%s%s", path ? path : "no file (environment and defaults)",
	    ctx->target->name, ctx->target->protected_ ? " (protected)" : "",
	    ctx->target->read_only ? " (read-only)" : "");
	if ((c = cmd_conn(ctx, err)) == NULL) {
		table_free(d.t);
		cJSON_Delete(d.arr);
		return (-1);
	}
	doctor_pg(ctx, &d, c);
	doctor_migrations(ctx, &d);
	doctor_scratch(ctx, &d);
	memset(&h, 0, sizeof(h));
	buf_init(&h.problems);
	health_redis(c, ctx->target, &h);
	if (!h.rd_configured)
		doctor_add(&d, "redis", 0, "not configured for this target");
	else if (h.cv != NULL)
		doctor_add(&d, "redis", !rds_cluster_view_ok(h.cv, NULL, 0) ? 2 :
		    h.problems.len ? 1 : 0, "Redis Cluster, state %s, %d slots "
		    "without a reachable master, %zu nodes%s%s", h.cv->state,
		    h.cv->uncovered, h.cv->nnodes, h.problems.len ? "; " : "",
		    h.problems.data);
	else if (h.rd_ok)
		doctor_add(&d, "redis", h.problems.len ? 1 : 0, "Redis %s %s, rtt %.2f ms%s%s",
		    h.rd.info.version, h.rd.info.role, h.rd.rtt_us / 1000.0,
		    h.problems.len ? "; " : "", h.problems.data);
	else
		doctor_add(&d, "redis", 2, "%s", h.rd_error);
	if (h.rd_configured && h.rd_ok) {
		char	tl[320];
		int	lv;

		/* A cluster's line is from the first node that answered. */
		if (h.rd.tls.tls) {
			lv = health_tls_text(&h.rd.tls, tl, sizeof(tl));
			doctor_add(&d, "redis tls", lv, "%s", tl);
		} else
			doctor_add(&d, "redis tls", 0, "not used (plaintext "
			    "connection; rediss:// turns TLS on)");
	}
	buf_done(&h.problems);
	free(h.cv);
	if (ctx->json) {
		cJSON *doc = cJSON_CreateObject();

		cJSON_AddStringToObject(doc, "target", ctx->target->name);
		cJSON_AddBoolToObject(doc, "ok", d.worst == 0);
		cJSON_AddItemToObject(doc, "checks", d.arr);
		out_doc(ctx->out, doc);
	} else {
		out_table(ctx->out, d.t);
		out_printf(ctx->out, "%s\n", d.worst == 0 ? "all checks passed" :
		    d.worst == 1 ? "attention needed (see WARN lines)" : "problems found (see FAIL lines)");
	}
	table_free(d.t);
	return (d.worst == 0 ? 0 : 3);
}

static const struct cmd_entry cmd_doctor_entry = {
	.name = "doctor", .summary = "one report: config, connectivity, server version, extensions, vector mode, roles, migrations, Redis",
	.help = "Exit 0 when every check passes, 3 when something needs attention.\n"
	    "\"vector mode\" says whether embedding columns use pgvector or the real[] fallback\n"
	    "(doc/vectors.md).",
	.min_args = 0, .max_args = 0, .flags = CMD_NEEDS_TARGET, .exec = cmd_doctor_exec,
};

const struct cmd_entry *const cmd_health_entries[] = { &cmd_health_entry, &cmd_doctor_entry, NULL };
