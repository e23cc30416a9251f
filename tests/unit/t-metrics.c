/* t-metrics.c - rates, restart detection, judgements and formatting, no servers. */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "metrics.h"
#include "rds-info.h"
#include "tap.h"

#define SEC	1000000LL

/* A Redis INFO with the counters the tests move. */
static void
info_make(struct rds_info *in, const char *run_id, int64_t uptime,
    int64_t cmds, int64_t hits, int64_t misses)
{
	rds_info_init(in);
	snprintf(in->run_id, sizeof(in->run_id), "%s", run_id);
	in->uptime_s = uptime;
	in->total_commands_processed = cmds;
	in->keyspace_hits = hits;
	in->keyspace_misses = misses;
	in->expired_keys = 0;
	in->evicted_keys = 0;
	in->rejected_connections = 0;
	in->total_error_replies = 0;
	in->total_connections_received = 10;
	in->used_cpu_sys = 1.0;
	in->used_cpu_user = 2.0;
}

/* Push one Redis sample into w at second t. */
static enum metrics_break
push_redis(struct metrics_window *w, const struct rds_info *in, int64_t t)
{
	struct metrics_sample	s;

	metrics_redis_sample(in, t * SEC, &s);
	return (metrics_push(w, &s));
}

static void
test_compare(void)
{
	struct metrics_sample	a, b;

	metrics_sample_init(&a);
	a.t_us = SEC;
	snprintf(a.id, sizeof(a.id), "run1");
	a.uptime_s = 100;
	a.c[0] = 50;
	b = a;
	b.t_us = 2 * SEC;
	b.uptime_s = 101;
	b.c[0] = 60;
	is_int(metrics_compare(NULL, &b), METRICS_FIRST, "no previous sample: first");
	is_int(metrics_compare(&a, &b), METRICS_CONTINUE, "same run, counters up: continue");
	b.t_us = SEC;
	is_int(metrics_compare(&a, &b), METRICS_CLOCK, "time did not advance: clock");
	b.t_us = 2 * SEC;
	snprintf(b.id, sizeof(b.id), "run2");
	is_int(metrics_compare(&a, &b), METRICS_RESTART, "run_id changed: restart");
	snprintf(b.id, sizeof(b.id), "run1");
	b.uptime_s = 3;
	is_int(metrics_compare(&a, &b), METRICS_RESTART, "uptime went backwards: restart");
	b.uptime_s = 101;
	b.c[0] = 5;
	is_int(metrics_compare(&a, &b), METRICS_RESET, "a counter went down: stats reset");
	b.c[0] = 60;
	b.reset_mark = 1700000000;
	is_int(metrics_compare(&a, &b), METRICS_RESET, "reset mark changed: stats reset");
	b.reset_mark = 0;
	b.c[0] = -1;
	is_int(metrics_compare(&a, &b), METRICS_CONTINUE, "an unknown counter is not a reset");
	a.id[0] = '\0';
	b.c[0] = 60;
	snprintf(b.id, sizeof(b.id), "run9");
	is_int(metrics_compare(&a, &b), METRICS_CONTINUE, "unknown identity is not a restart");
}

static void
test_redis_rates(void)
{
	struct metrics_window	w;
	struct redis_rates	r;
	struct rds_info		in;
	int			i;

	memset(&w, 0, sizeof(w));
	metrics_redis_rates(&w, 1, 60 * SEC, &r);
	ok(r.ops_per_s < 0 && r.hit_ratio < 0, "empty window: everything unknown");

	info_make(&in, "aaa", 100, 1000, 10, 0);
	is_int(push_redis(&w, &in, 1), METRICS_FIRST, "first Redis sample");
	metrics_redis_rates(&w, 1, 60 * SEC, &r);
	ok(r.ops_per_s < 0, "one sample: no rate yet (not zero, not huge)");

	info_make(&in, "aaa", 102, 1500, 30, 0);
	is_int(push_redis(&w, &in, 3), METRICS_CONTINUE, "second sample continues");
	metrics_redis_rates(&w, 1, 60 * SEC, &r);
	ok(fabs(r.ops_per_s - 250.0) < 1e-9, "ops/s = 500 commands / 2 s = %.3f", r.ops_per_s);
	ok(fabs(r.hits_per_s - 10.0) < 1e-9, "hits/s = 10");
	ok(r.hit_ratio < 0, "20 lookups in the window: hit ratio n/a");
	is_int(r.lookups, 20, "lookups in the window counted");

	info_make(&in, "aaa", 104, 2000, 120, 30);
	push_redis(&w, &in, 5);
	metrics_redis_rates(&w, 1, 60 * SEC, &r);
	ok(fabs(r.hit_ratio - 110.0 / 140.0) < 1e-9,
	    "hit ratio over the window = 110/140 (got %.4f)", r.hit_ratio);
	ok(fabs(r.window_s - 4.0) < 1e-9, "window covers 4 s");

	/* The server restarts: new run_id, counters start from zero. */
	info_make(&in, "bbb", 1, 5, 0, 0);
	is_int(push_redis(&w, &in, 6), METRICS_RESTART, "new run_id: restart detected");
	metrics_redis_rates(&w, 1, 60 * SEC, &r);
	ok(r.ops_per_s < 0 && r.hit_ratio < 0, "after a restart: no rate, never negative");
	is_int((long long)w.breaks, 1, "one break counted");
	is_int(w.n, 1, "window holds only the new baseline");
	info_make(&in, "bbb", 3, 105, 0, 0);
	push_redis(&w, &in, 8);
	metrics_redis_rates(&w, 1, 60 * SEC, &r);
	ok(fabs(r.ops_per_s - 50.0) < 1e-9, "rate from the new baseline: 50/s");

	/* CONFIG RESETSTAT: same run, uptime goes on, counters drop. */
	info_make(&in, "bbb", 5, 3, 0, 0);
	is_int(push_redis(&w, &in, 10), METRICS_RESET, "counters went down: reset detected");
	metrics_redis_rates(&w, 1, 60 * SEC, &r);
	ok(r.ops_per_s < 0, "no negative rate after CONFIG RESETSTAT");

	/* Restart with the run_id missing (old server) but uptime back. */
	info_make(&in, "", 2, 1000000, 0, 0);
	is_int(push_redis(&w, &in, 11), METRICS_RESTART, "uptime backwards alone is a restart");
	info_make(&in, "", 3, 1000010, 0, 0);
	push_redis(&w, &in, 12);
	metrics_redis_rates(&w, 1, 60 * SEC, &r);
	ok(fabs(r.ops_per_s - 10.0) < 1e-9, "no huge rate across the restart (%.1f)", r.ops_per_s);

	/* The window slides: only the last span counts. */
	memset(&w, 0, sizeof(w));
	for (i = 0; i < 100; i++) {
		info_make(&in, "ccc", 10 + i, 1000 + i * 10,
		    i < 50 ? i * 100 : 5000, i < 50 ? 0 : (i - 50) * 100);
		push_redis(&w, &in, 10 + i);
	}
	is_int(w.n, METRICS_WINDOW, "window keeps at most %d samples", METRICS_WINDOW);
	metrics_redis_rates(&w, 1, 30 * SEC, &r);
	ok(fabs(r.window_s - 30.0) < 1e-9, "30 s span");
	ok(r.hit_ratio == 0.0, "all misses in the last 30 s: hit ratio 0 (got %.3f)", r.hit_ratio);
	ok(fabs(r.cpu_pct) < 1e-9, "CPU unchanged: 0%%");
	metrics_redis_rates(&w, 5 * SEC, 30 * SEC, &r);
	ok(fabs(r.ops_per_s - 10.0) < 1e-9, "rate over a 5 s span (%.2f)", r.ops_per_s);
	ok(fabs(r.hits_per_s) < 1e-9 && fabs(r.misses_per_s - 100.0) < 1e-9,
	    "hits and misses over the span");
}

static void
test_pg_rates(void)
{
	struct metrics_window	w;
	struct pg_rates		r;
	struct pg_counters	c;
	struct metrics_sample	s;

	memset(&w, 0, sizeof(w));
	memset(&c, 0, sizeof(c));
	snprintf(c.postmaster_start, sizeof(c.postmaster_start), "2026-11-27 10:00:00+00");
	c.uptime_s = 100;
	c.commits = 1000;
	c.rollbacks = 10;
	c.blks_hit = 5000;
	c.blks_read = 100;
	c.deadlocks = 2;
	c.temp_bytes = 0;
	metrics_pg_sample(&c, 1 * SEC, &s);
	is_int(metrics_push(&w, &s), METRICS_FIRST, "first PostgreSQL sample");
	c.uptime_s = 102;
	c.commits = 1190;
	c.rollbacks = 20;
	c.blks_hit = 5990;
	c.blks_read = 110;
	c.deadlocks = 3;
	c.temp_bytes = 2048;
	metrics_pg_sample(&c, 3 * SEC, &s);
	metrics_push(&w, &s);
	metrics_pg_rates(&w, 1, 60 * SEC, &r);
	ok(fabs(r.tps - 100.0) < 1e-9, "tps = (190 + 10) / 2 s = %.2f", r.tps);
	ok(fabs(r.rollback_ratio - 10.0 / 200.0) < 1e-9, "rollback ratio 5%%");
	ok(fabs(r.hit_ratio - 990.0 / 1000.0) < 1e-9, "cache hit ratio 99%% over the window");
	is_int(r.deadlocks_window, 1, "one new deadlock in the window");
	ok(fabs(r.temp_bytes_per_s - 1024.0) < 1e-9, "temp bytes/s");

	c.blks_hit = 6000;
	c.blks_read = 110;
	c.commits = 1191;
	metrics_pg_sample(&c, 4 * SEC, &s);
	metrics_push(&w, &s);
	metrics_pg_rates(&w, 1, 1 * SEC, &r);
	ok(r.hit_ratio < 0, "10 block reads in the window: hit ratio n/a");

	/* pg_stat_reset(): counters drop, stats_reset set. */
	c.commits = 3;
	c.rollbacks = 0;
	c.stats_reset_epoch = 1790000000;
	metrics_pg_sample(&c, 5 * SEC, &s);
	is_int(metrics_push(&w, &s), METRICS_RESET, "pg_stat_reset starts a new baseline");
	metrics_pg_rates(&w, 1, 60 * SEC, &r);
	ok(r.tps < 0 && r.rollback_ratio < 0, "no rate straight after a reset");

	/* A restart: new postmaster start time. */
	snprintf(c.postmaster_start, sizeof(c.postmaster_start), "2026-11-27 11:00:00+00");
	c.uptime_s = 1;
	c.commits = 50;
	metrics_pg_sample(&c, 6 * SEC, &s);
	is_int(metrics_push(&w, &s), METRICS_RESTART, "new postmaster start: restart");
}

static void
test_judgements(void)
{
	struct rds_info	in;
	char		buf[200];

	rds_info_init(&in);
	in.used_memory = 1024 * 1024;
	in.maxmemory = 0;
	in.total_system_memory = 0;
	is_int(metrics_redis_memory(&in, buf, sizeof(buf)), METRICS_OK, "unbounded memory is OK");
	like(buf, "unbounded", "maxmemory 0 reads unbounded: %s", buf);
	in.maxmemory = 1024 * 1024 * 10 / 9;
	snprintf(in.maxmemory_policy, sizeof(in.maxmemory_policy), "noeviction");
	is_int(metrics_redis_memory(&in, buf, sizeof(buf)), METRICS_WARN, "90%% of maxmemory warns");
	like(buf, "OOM", "noeviction near the limit mentions OOM: %s", buf);
	in.maxmemory = 1024 * 1024;
	snprintf(in.maxmemory_policy, sizeof(in.maxmemory_policy), "allkeys-lru");
	is_int(metrics_redis_memory(&in, buf, sizeof(buf)), METRICS_CRIT, "100%% is critical");
	like(buf, "allkeys-lru", "policy named: %s", buf);
	snprintf(in.maxmemory_policy, sizeof(in.maxmemory_policy),
	    "volatile-lru");
	in.total_expires = 0;
	is_int(metrics_redis_memory(&in, buf, sizeof(buf)), METRICS_CRIT,
	    "volatile-lru at the limit is critical");
	like(buf, "cannot evict: no key has a TTL", "volatile-* with no TTL "
	    "cannot evict: %s", buf);
	unlike(buf, "evicting keys", "and does not claim to evict");
	in.total_expires = 10;
	metrics_redis_memory(&in, buf, sizeof(buf));
	like(buf, "evicting keys", "with keys having a TTL it evicts: %s", buf);
	in.used_memory = 100 * 1024;
	in.errorstat_oom = 3;
	is_int(metrics_redis_memory(&in, buf, sizeof(buf)), METRICS_WARN,
	    "writes rejected with OOM warn even at 10%% full");
	in.errorstat_oom = 0;
	in.used_memory = 1024 * 1024;

	in.used_memory = 900 * 1024;
	in.frag_ratio = 7.58;
	is_int(metrics_redis_frag(&in, buf, sizeof(buf)), METRICS_NA,
	    "fragmentation 7.58 on a tiny instance is not alarmed");
	like(buf, "not judged", "and says why: %s", buf);
	in.used_memory = 2LL * 1024 * 1024 * 1024;
	in.frag_ratio = 1.8;
	is_int(metrics_redis_frag(&in, buf, sizeof(buf)), METRICS_WARN, "1.8 on 2 GB warns");
	in.frag_ratio = 0.8;
	is_int(metrics_redis_frag(&in, buf, sizeof(buf)), METRICS_CRIT, "0.8 means swapping");
	in.frag_ratio = 1.1;
	is_int(metrics_redis_frag(&in, buf, sizeof(buf)), METRICS_OK, "1.1 is fine");

	rds_info_init(&in);
	in.rdb_changes_since_last_save = 1204;
	in.rdb_last_save_time = 1000000;
	snprintf(in.rdb_last_bgsave_status, sizeof(in.rdb_last_bgsave_status), "err");
	in.aof_enabled = 0;
	is_int(metrics_redis_persistence(&in, 3, 1000000 + 14 * 60 + 5, buf, sizeof(buf)),
	    METRICS_CRIT, "failed bgsave is critical");
	is_str(buf, "1,204 changes unsaved for 14 min; last bgsave failed",
	    "persistence risk in plain words");
	snprintf(in.rdb_last_bgsave_status, sizeof(in.rdb_last_bgsave_status), "ok");
	in.rdb_changes_since_last_save = 0;
	metrics_redis_persistence(&in, 3, 1000003, buf, sizeof(buf));
	is_str(buf, "all changes saved (3.0 s ago)", "nothing unsaved");
	in.rdb_changes_since_last_save = 7;
	metrics_redis_persistence(&in, 0, 1000003, buf, sizeof(buf));
	is_str(buf, "no persistence (no save points, AOF off): 7 changes would be lost on restart",
	    "no save points and no AOF said plainly");
	in.aof_enabled = 1;
	snprintf(in.aof_last_write_status, sizeof(in.aof_last_write_status), "err");
	is_int(metrics_redis_persistence(&in, 1, 1000003, buf, sizeof(buf)), METRICS_CRIT,
	    "AOF write errors are critical");
	like(buf, "AOF writes failing", "and named: %s", buf);
}

static void
test_series(void)
{
	struct metrics_series	s;
	float			out[METRICS_SERIES_LEN];
	int			i, n;

	memset(&s, 0, sizeof(s));
	is_int(metrics_series_copy(&s, out, METRICS_SERIES_LEN), 0, "empty series");
	for (i = 0; i < METRICS_SERIES_LEN + 5; i++)
		metrics_series_push(&s, i);
	n = metrics_series_copy(&s, out, METRICS_SERIES_LEN);
	is_int(n, METRICS_SERIES_LEN, "series holds %d points", METRICS_SERIES_LEN);
	ok(out[0] == 5.0f && out[n - 1] == (float)(METRICS_SERIES_LEN + 4),
	    "oldest first after wrapping");
	metrics_series_push(&s, NAN);
	n = metrics_series_copy(&s, out, 10);
	is_int(n, 10, "copy is capped at max");
	ok(out[9] < 0, "NaN becomes a gap");
}

static void
test_format(void)
{
	char	b[64];

	is_str(metrics_fmt_count(1204, b, sizeof(b)), "1,204", "count 1,204");
	is_str(metrics_fmt_count(1234567, b, sizeof(b)), "1,234,567", "count 1,234,567");
	is_str(metrics_fmt_count(12, b, sizeof(b)), "12", "count 12");
	is_str(metrics_fmt_count(-1, b, sizeof(b)), "?", "unknown count");
	is_str(metrics_fmt_bytes(512, b, sizeof(b)), "512 B", "bytes");
	is_str(metrics_fmt_bytes(1536, b, sizeof(b)), "1.50 KiB", "KiB");
	is_str(metrics_fmt_bytes(1073741824, b, sizeof(b)), "1.00 GiB", "GiB");
	is_str(metrics_fmt_duration(0.25, b, sizeof(b)), "250 ms", "ms");
	is_str(metrics_fmt_duration(14 * 60 + 5, b, sizeof(b)), "14 min", "minutes");
	is_str(metrics_fmt_duration(2 * 3600 + 3 * 60, b, sizeof(b)), "2 h 03 min", "hours");
	is_str(metrics_fmt_duration(-1, b, sizeof(b)), "-", "unknown duration");
	is_str(metrics_fmt_pct(0.973, b, sizeof(b)), "97.3%", "percent");
	is_str(metrics_fmt_pct(0.99999, b, sizeof(b)), "99.9%", "a miss never rounds to 100%%");
	is_str(metrics_fmt_pct(-1, b, sizeof(b)), "n/a", "n/a ratio");
	is_str(metrics_fmt_rate(0, b, sizeof(b)), "0", "rate 0");
	is_str(metrics_fmt_rate(2.25, b, sizeof(b)), "2.2", "small rate");
	is_str(metrics_fmt_rate(1204.4, b, sizeof(b)), "1,204", "rate with separator");
	is_str(metrics_fmt_rate(123456, b, sizeof(b)), "123.5k", "large rate");
	ok(strlen(metrics_fmt_bytes(INT64_MAX, b, 6)) <= 5, "never overflows buf");
}

/* One saturation definition: usable = max - reserved, warn at 90 %. */
static void
test_pg_saturation(void)
{
	is_int(metrics_pg_conn_usable(100, 3), 97, "usable = max - reserved");
	is_int(metrics_pg_conn_usable(3, 5), 0, "never negative");
	ok(!metrics_pg_conn_saturated(87, 97), "87/97 is not saturated");
	ok(metrics_pg_conn_saturated(88, 97), "88/97 (90.7%%) is saturated");
	ok(metrics_pg_conn_saturated(94, 97), "94/97 is saturated");
	ok(!metrics_pg_conn_saturated(5, 0), "no usable slots: not judged");
}

int
main(void)
{
	test_pg_saturation();
	test_compare();
	test_redis_rates();
	test_pg_rates();
	test_judgements();
	test_series();
	test_format();
	return (done_testing());
}
