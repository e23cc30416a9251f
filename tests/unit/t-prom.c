/*
 * t-prom.c - the Prometheus text writer (escaping, ordering, HELP and TYPE
 * once per family, value formatting) and the snapshot mapping (up/down,
 * stale data, counters), on hand-made snapshots: no servers.
 */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "clk.h"
#include "prom.h"
#include "promexp.h"
#include "snapshot.h"
#include "tap.h"

/* How many times needle occurs in hay. */
static int
count(const char *hay, const char *needle)
{
	int	n = 0;

	while ((hay = strstr(hay, needle)) != NULL) {
		n++;
		hay += strlen(needle);
	}
	return (n);
}

/* Render p into a static-lifetime string (caller frees). */
static char *
render(struct prom *p)
{
	struct buf	b;

	buf_init(&b);
	prom_render(p, &b);
	return (buf_detach(&b));
}

/* Writer: values, escaping, families together, empty families left out. */
static void
test_writer(void)
{
	struct prom	*p = prom_new();
	struct buf	 b;
	char		 v[64], *s;
	const char	*l[] = { "le", "+Inf", NULL };

	is_str(prom_fmt_value(3, v, sizeof(v)), "3", "integer without exponent");
	is_str(prom_fmt_value(-2, v, sizeof(v)), "-2", "negative integer");
	is_str(prom_fmt_value(0.1, v, sizeof(v)), "0.1", "0.1 stays 0.1");
	is_str(prom_fmt_value(1.0 / 3, v, sizeof(v)), "0.3333333333333333",
	    "a third: the shortest form that reads back the same");
	is_str(prom_fmt_value(NAN, v, sizeof(v)), "NaN", "NaN");
	is_str(prom_fmt_value(INFINITY, v, sizeof(v)), "+Inf", "+Inf");
	is_str(prom_fmt_value(-INFINITY, v, sizeof(v)), "-Inf", "-Inf");
	is_str(prom_fmt_value(1e20, v, sizeof(v)), "1e+20", "huge values in exponent form");
	buf_init(&b);
	prom_escape_label(&b, "a\"b\\c\nd");
	is_str(b.data, "a\\\"b\\\\c\\nd", "label value: quote, backslash, newline escaped");
	buf_done(&b);

	prom_family(p, "x_total", PROM_COUNTER, "Help with \\ and\nnewline \"q\".");
	prom_family(p, "y_bytes", PROM_GAUGE, "Y.");
	prom_family(p, "never_seen", PROM_GAUGE, "No samples.");
	prom_family(p, "h_seconds", PROM_HISTOGRAM, "H.");
	prom_add(p, "x_total", 1, "k", "v1", NULL);
	prom_add(p, "y_bytes", 2, NULL);
	prom_add(p, "x_total", 3, "k", "v\"2", "skipped", NULL, NULL);
	prom_family(p, "x_total", PROM_COUNTER, "declared again: no effect");
	prom_addv(p, "h_seconds", "_bucket", 4, l);
	prom_addv(p, "h_seconds", "_sum", 0.5, NULL);
	prom_addv(p, "h_seconds", "_count", 4, NULL);
	is_int((long long)prom_nsamples(p), 6, "six samples");
	s = render(p);
	is_str(s,
	    "# HELP x_total Help with \\\\ and\\nnewline \"q\".\n"
	    "# TYPE x_total counter\n"
	    "x_total{k=\"v1\"} 1\n"
	    "x_total{k=\"v\\\"2\"} 3\n"
	    "# HELP y_bytes Y.\n"
	    "# TYPE y_bytes gauge\n"
	    "y_bytes 2\n"
	    "# HELP h_seconds H.\n"
	    "# TYPE h_seconds histogram\n"
	    "h_seconds_bucket{le=\"+Inf\"} 4\n"
	    "h_seconds_sum 0.5\n"
	    "h_seconds_count 4\n",
	    "families in declaration order, samples grouped, HELP escaped, "
	    "NULL label skipped, empty family left out");
	free(s);
	prom_free(p);
	prom_free(NULL);
}

/* A snapshot with a PostgreSQL part sampled at pg_wall (0: no part). */
static struct snapshot *
snap_make(int64_t now, int64_t pg_wall, bool pg_up, bool redis)
{
	struct snapshot		*s = snapshot_new();
	struct snap_status	 st;
	struct snap_pg		*pg = NULL;
	struct snap_pool	 sp;

	memset(&st, 0, sizeof(st));
	st.pg.configured = true;
	st.pg.up = pg_up;
	st.redis.configured = redis;
	if (pg_wall > 0) {
		pg = snap_pg_new();
		pg->wall_us = pg_wall;
		snprintf(pg->version, sizeof(pg->version), "15.5");
		pg->max_connections = 100;
		pg->active = 2;
		pg->idle = 3;
		pg->oldest_xact_s = -1;
		pg->longest_query_s = 1.5;
		pg->longest_idle_xact_s = -1;
		pg->counters.commits = 42;
		pg->counters.rollbacks = 1;
		pg->counters.blks_hit = -1;	/* unknown: left out */
		pg->rates.hit_ratio = -1;
		pg->standby_delay_s = -1;
		pg->slot_retained_bytes = -1;
		pg->napps = 1;
		snprintf(pg->apps[0].app, sizeof(pg->apps[0].app), "mcpdb/tui");
		pg->apps[0].active = 1;
	}
	snapshot_fill(s, 1, now, 1000, "prod \"eu\"", &st, pg, NULL);
	snap_pg_unref(pg);
	memset(&sp, 0, sizeof(sp));
	snprintf(sp.role, sizeof(sp.role), "monitor");
	sp.st.active = 1;
	sp.st.idle = 2;
	sp.st.max = 4;
	sp.st.acquire.count = 10;
	sp.st.acquire.p50_us = 1500;
	sp.st.acquires = 10;
	sp.st.breaker = BREAKER_OPEN;
	snprintf(sp.st.errors[0].cls, sizeof(sp.st.errors[0].cls), "08");
	sp.st.errors[0].count = 2;
	snapshot_add_pool(s, &sp);
	return (s);
}

/* Render one page of s with extras x. Caller frees. */
static char *
page(const struct snapshot *s, const struct promexp_extra *x)
{
	struct prom	*p = prom_new();
	char		*r;

	promexp_snapshot(p, s, x);
	r = render(p);
	prom_free(p);
	return (r);
}

/* The mapping: up, stale, down, counters, pools, migrations. */
static void
test_export(void)
{
	int64_t			 now = clk_wall_us();
	struct promexp_extra	 x;
	struct snapshot		*s;
	char			*r;

	r = page(NULL, NULL);
	like(r, "\npg_up 0\n", "no snapshot yet: pg_up 0");
	like(r, "\nredis_up 0\n", "no snapshot yet: redis_up 0");
	unlike(r, "pg_stat_database", "and no server figures");
	free(r);

	s = snap_make(now, now, true, false);
	memset(&x, 0, sizeof(x));
	x.mig.configured = x.mig.ok = true;
	x.mig.applied = 3;
	x.mig.pending = 1;
	x.db_ok = true;
	snprintf(x.datname, sizeof(x.datname), "app");
	x.db_size_bytes = 8000000;
	r = page(s, &x);
	like(r, "\npg_up 1\n", "fresh PostgreSQL part: pg_up 1");
	unlike(r, "redis_up", "Redis not configured: no redis_up at all");
	like(r, "mcpdb_info{version=\"" PACKAGE_VERSION "\",target=\"prod \\\"eu\\\"\"} 1\n",
	    "target name escaped in mcpdb_info");
	like(r, "# TYPE pg_stat_database_xact_commit_total counter\n"
	    "pg_stat_database_xact_commit_total 42\n", "commit counter with _total");
	unlike(r, "pg_stat_database_blks_hit_total ", "an unknown counter is left out");
	like(r, "pg_stat_activity_sessions{state=\"active\"} 2\n", "sessions by state");
	like(r, "pg_stat_activity_max_tx_duration_seconds 0\n", "no open transaction: 0");
	like(r, "pg_stat_activity_max_query_duration_seconds 1.5\n", "longest query in seconds");
	like(r, "mcpdb_pool_connections{pool=\"monitor\",state=\"idle\"} 2\n", "pool gauge by state");
	like(r, "mcpdb_pool_acquire_seconds{pool=\"monitor\",quantile=\"0.5\"} 0.0015\n",
	    "acquire quantile in seconds");
	like(r, "mcpdb_pool_acquire_seconds_count{pool=\"monitor\"} 10\n", "summary count");
	like(r, "mcpdb_pool_errors_total{pool=\"monitor\",class=\"08\"} 2\n", "errors by SQLSTATE class");
	like(r, "mcpdb_breaker_state{server=\"postgresql\",client=\"monitor\"} 2\n", "breaker open = 2");
	like(r, "mcpdb_server_sessions{application_name=\"mcpdb/tui\",state=\"active\"} 1\n",
	    "the server's view of mcpdb sessions");
	like(r, "pg_database_size_bytes{datname=\"app\"} 8000000\n", "database size from the extras");
	like(r, "mcpdb_migrations_pending 1\n", "pending migrations");
	like(r, "mcpdb_migrations_applied 3\n", "applied migrations");
	is_int(count(r, "# TYPE mcpdb_pool_connections "), 1, "TYPE once per family");
	is_int(count(r, "# HELP "), count(r, "# TYPE "), "every family has HELP and TYPE");
	free(r);
	snapshot_free(s);

	/* the PostgreSQL part is 10 s old at a 1 s interval: stale, not up */
	s = snap_make(now, now - 10 * 1000000LL, true, true);
	r = page(s, NULL);
	like(r, "\npg_up 0\n", "stale PostgreSQL part: pg_up 0");
	unlike(r, "pg_stat_database_xact_commit_total", "stale figures are not repeated");
	like(r, "\nredis_up 0\n", "Redis configured but no part yet: redis_up 0");
	like(r, "mcpdb_pool_connections{", "the pool's own figures are still there");
	free(r);
	snapshot_free(s);

	s = snap_make(now, now, false, false);
	r = page(s, NULL);
	like(r, "\npg_up 0\n", "status down: pg_up 0 even with a recent part");
	free(r);
	snapshot_free(s);
}

/* A Redis Cluster's families: only when read, redis_exporter's names. */
static void
test_cluster(void)
{
	struct promexp_extra	 x;
	char			*r;

	memset(&x, 0, sizeof(x));
	r = page(NULL, &x);
	unlike(r, "redis_cluster_", "no cluster read: no redis_cluster_ family");
	free(r);
	x.cluster.read = true;
	x.cluster.state_ok = false;
	x.cluster.slots_assigned = 16384;
	x.cluster.slots_ok = 10923;
	x.cluster.slots_fail = 5461;
	x.cluster.known_nodes = 6;
	x.cluster.size = 3;
	x.cluster.current_epoch = 7;
	x.cluster.uncovered = 5461;
	x.cluster.nodes = 6;
	x.cluster.unreachable = 1;
	r = page(NULL, &x);
	like(r, "# TYPE redis_cluster_state gauge\nredis_cluster_state 0\n",
	    "a failing cluster: redis_cluster_state 0, typed");
	like(r, "\nredis_cluster_slots_ok 10923\n", "slots ok");
	like(r, "\nredis_cluster_slots_fail 5461\n", "slots fail");
	like(r, "\nredis_cluster_size 3\n", "masters serving slots");
	like(r, "\nredis_cluster_current_epoch 7\n", "the epoch");
	like(r, "\nmcpdb_redis_cluster_uncovered_slots 5461\n",
	    "slots without a reachable master");
	like(r, "\nmcpdb_redis_cluster_nodes_unreachable 1\n",
	    "nodes that did not answer");
	like(r, "# HELP redis_cluster_slots_pfail ", "every family has HELP");
	free(r);
	x.cluster.state_ok = true;
	r = page(NULL, &x);
	like(r, "\nredis_cluster_state 1\n", "cluster_state ok: 1");
	free(r);
}

int
main(void)
{
	test_writer();
	test_export();
	test_cluster();
	return (done_testing());
}
