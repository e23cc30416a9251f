/*
 * promexp.c - the families of a scrape, from a snapshot and the extras.
 *
 * Model (htop's Meter): this file only turns values into families; how
 * often they are sampled is the poller's business, how they are written
 * prom.c's. Unknown values (-1 in the snapshot) are left out rather than
 * reported as 0. The order is fixed: mcpdb's own figures, PostgreSQL,
 * Redis, migrations, so two scrapes diff cleanly.
 */
#include "config.h"

#include "promexp.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "breaker.h"

#define PROMEXP_MAX_LABELS	8
#define PROMEXP_BREAKER_HELP	"Circuit breaker: 0 closed, 1 half-open " \
	"(probing), 2 open (failing fast)."

/*
 * Declare family name of type t and add one sample with the label pairs
 * that follow (ending with NULL). A negative value means unknown: the
 * family is declared but gets no sample.
 */
static void __attribute__((sentinel))
promexp_put(struct prom *p, enum prom_type t, const char *name,
    const char *help, double v, ...)
{
	const char	*labels[PROMEXP_MAX_LABELS * 2 + 1];
	const char	*s;
	va_list		 ap;
	size_t		 n = 0;

	prom_family(p, name, t, help);
	if (!(v >= 0))
		return;
	va_start(ap, v);
	while ((s = va_arg(ap, const char *)) != NULL &&
	    n + 2 < sizeof(labels) / sizeof(labels[0])) {
		labels[n++] = s;
		labels[n++] = va_arg(ap, const char *);
	}
	va_end(ap);
	labels[n] = NULL;
	prom_addv(p, name, NULL, v, labels);
}

/*
 * A summary of latencies in microseconds: quantiles 0.5, 0.95, 0.99 and
 * _count; _sum only when known (sum_s >= 0). The pool's quantiles cover
 * its last POOL_HIST_WINDOW samples, the count all of them.
 */
static void
promexp_summary(struct prom *p, const char *name, const char *help,
    const char *lk, const char *lv, const char *lk2, const char *lv2,
    uint64_t count, const uint64_t q_us[3], double sum_s)
{
	static const char *const qs[3] = { "0.5", "0.95", "0.99" };
	const char	*l[7];
	int		 i;

	prom_family(p, name, PROM_SUMMARY, help);
	l[0] = lk;
	l[1] = lv;
	l[2] = lk2;
	l[3] = lv2;
	l[4] = "quantile";
	l[6] = NULL;
	if (lk2 == NULL) {
		l[2] = "quantile";
		l[4] = NULL;
	}
	for (i = 0; i < 3 && count > 0; i++) {
		l[lk2 == NULL ? 3 : 5] = qs[i];
		prom_addv(p, name, NULL, (double)q_us[i] / 1e6, l);
	}
	l[lk2 == NULL ? 2 : 4] = NULL;
	if (sum_s >= 0)
		prom_addv(p, name, "_sum", sum_s, l);
	prom_addv(p, name, "_count", (double)count, l);
}

/* The numeric breaker state: 0 closed, 1 half-open, 2 open. */
static double
promexp_breaker(enum breaker_state s)
{
	return (s == BREAKER_OPEN ? 2 : s == BREAKER_HALF_OPEN ? 1 : 0);
}

/* ------------------------------------------------------------ mcpdb pools */

/* This process's PostgreSQL pools, one label value per role. */
static void
promexp_pools(struct prom *p, const struct snapshot *s)
{
	const struct snap_pool	*sp;
	size_t			 i, j, n = 0;
	char			 cls[8];

	sp = s != NULL ? snapshot_pools(s, &n) : NULL;
	for (i = 0; i < n; i++) {
		const struct pool_stats	*st = &sp[i].st;
		const char		*r = sp[i].role;
		uint64_t		 q[3];

		promexp_put(p, PROM_GAUGE, "mcpdb_pool_connections",
		    "Connections of this mcpdb process's PostgreSQL pool by state.",
		    st->active, "pool", r, "state", "active", NULL);
		promexp_put(p, PROM_GAUGE, "mcpdb_pool_connections", NULL,
		    st->idle, "pool", r, "state", "idle", NULL);
		promexp_put(p, PROM_GAUGE, "mcpdb_pool_connections", NULL,
		    st->connecting, "pool", r, "state", "connecting", NULL);
		promexp_put(p, PROM_GAUGE, "mcpdb_pool_max_connections",
		    "The pool's max_size: saturation is active / max.",
		    st->max, "pool", r, NULL);
		promexp_put(p, PROM_GAUGE, "mcpdb_pool_minimum_connections",
		    "The pool's min_size.", st->min, "pool", r, NULL);
		promexp_put(p, PROM_GAUGE, "mcpdb_pool_waiting_clients",
		    "Borrowers queued for a connection right now.",
		    st->waiting, "pool", r, NULL);
		promexp_put(p, PROM_GAUGE, "mcpdb_pool_longest_held_seconds",
		    "Age of the oldest loan right now (0 when none).",
		    st->longest_held_ms / 1000.0, "pool", r, NULL);
		q[0] = st->acquire.p50_us;
		q[1] = st->acquire.p95_us;
		q[2] = st->acquire.p99_us;
		promexp_summary(p, "mcpdb_pool_acquire_seconds",
		    "Time to borrow a connection (quantiles over the last 1024 "
		    "acquires).", "pool", r, NULL, NULL, st->acquire.count, q, -1);
		q[0] = st->usage.p50_us;
		q[1] = st->usage.p95_us;
		q[2] = st->usage.p99_us;
		promexp_summary(p, "mcpdb_pool_usage_seconds",
		    "Time a connection stays borrowed (quantiles over the last "
		    "1024 loans).", "pool", r, NULL, NULL, st->usage.count, q, -1);
		q[0] = st->creation.p50_us;
		q[1] = st->creation.p95_us;
		q[2] = st->creation.p99_us;
		promexp_summary(p, "mcpdb_pool_connect_seconds",
		    "Time to open a connection (quantiles over the last 1024).",
		    "pool", r, NULL, NULL, st->creation.count, q, -1);
		promexp_put(p, PROM_COUNTER, "mcpdb_pool_acquires_total",
		    "Successful acquires.", (double)st->acquires, "pool", r, NULL);
		promexp_put(p, PROM_COUNTER, "mcpdb_pool_waited_acquires_total",
		    "Acquires that had to queue.", (double)st->waited_acquires,
		    "pool", r, NULL);
		promexp_put(p, PROM_COUNTER, "mcpdb_pool_acquire_timeouts_total",
		    "Acquires that timed out.", (double)st->timeouts, "pool", r,
		    NULL);
		promexp_put(p, PROM_COUNTER, "mcpdb_pool_fast_failures_total",
		    "Acquires refused at once (breaker open, shutting down).",
		    (double)st->fast_failures, "pool", r, NULL);
		promexp_put(p, PROM_COUNTER, "mcpdb_pool_connections_opened_total",
		    "Connections opened.", (double)st->created, "pool", r, NULL);
		promexp_put(p, PROM_COUNTER, "mcpdb_pool_connect_failures_total",
		    "Failed connection attempts.", (double)st->connect_failures,
		    "pool", r, NULL);
		promexp_put(p, PROM_COUNTER, "mcpdb_pool_connections_closed_total",
		    "Connections closed, by reason.", (double)st->closed_lifetime,
		    "pool", r, "reason", "lifetime", NULL);
		promexp_put(p, PROM_COUNTER, "mcpdb_pool_connections_closed_total",
		    NULL, (double)st->closed_idle, "pool", r, "reason", "idle", NULL);
		promexp_put(p, PROM_COUNTER, "mcpdb_pool_connections_closed_total",
		    NULL, (double)st->closed_broken, "pool", r, "reason", "broken",
		    NULL);
		promexp_put(p, PROM_COUNTER, "mcpdb_pool_connections_closed_total",
		    NULL, (double)st->closed_validation, "pool", r, "reason",
		    "validation", NULL);
		promexp_put(p, PROM_COUNTER, "mcpdb_pool_connections_closed_total",
		    NULL, (double)st->closed_other, "pool", r, "reason", "other",
		    NULL);
		promexp_put(p, PROM_COUNTER, "mcpdb_pool_resets_total",
		    "Connections returned dirty and cleaned.", (double)st->resets,
		    "pool", r, NULL);
		promexp_put(p, PROM_COUNTER, "mcpdb_pool_leaks_total",
		    "Loans held past leak_threshold_ms.", (double)st->leaks,
		    "pool", r, NULL);
		prom_family(p, "mcpdb_pool_errors_total", PROM_COUNTER,
		    "Errors seen on pooled connections, by SQLSTATE class.");
		for (j = 0; j < POOL_ERR_CLASSES; j++) {
			if (st->errors[j].cls[0] == '\0')
				continue;
			snprintf(cls, sizeof(cls), "%s", st->errors[j].cls);
			promexp_put(p, PROM_COUNTER, "mcpdb_pool_errors_total",
			    NULL, (double)st->errors[j].count, "pool", r,
			    "class", cls, NULL);
		}
		promexp_put(p, PROM_GAUGE, "mcpdb_breaker_state",
		    PROMEXP_BREAKER_HELP, promexp_breaker(st->breaker),
		    "server", "postgresql", "client", r, NULL);
		promexp_put(p, PROM_COUNTER, "mcpdb_breaker_transitions_total",
		    "Circuit breaker state changes.",
		    (double)st->breaker_transitions, "server", "postgresql",
		    "client", r, NULL);
	}
}

/* This process's Redis clients and their per-command latencies. */
static void
promexp_rclients(struct prom *p, const struct snapshot *s)
{
	const struct snap_rclient	*rc;
	size_t				 i, j, n = 0;

	rc = s != NULL ? snapshot_rclients(s, &n) : NULL;
	for (i = 0; i < n; i++) {
		const struct rds_stats	*st = &rc[i].st;
		const char		*r = rc[i].role;

		promexp_put(p, PROM_GAUGE, "mcpdb_breaker_state",
		    PROMEXP_BREAKER_HELP, promexp_breaker(st->breaker.state),
		    "server", "redis", "client", r, NULL);
		promexp_put(p, PROM_COUNTER, "mcpdb_breaker_transitions_total",
		    "Circuit breaker state changes.",
		    (double)st->breaker.transitions, "server", "redis",
		    "client", r, NULL);
		promexp_put(p, PROM_GAUGE, "mcpdb_redis_client_connections",
		    "Live connections of this mcpdb process's Redis client.",
		    st->open_conns, "client", r, NULL);
		promexp_put(p, PROM_COUNTER, "mcpdb_redis_client_commands_total",
		    "Commands sent by the client.", (double)st->calls,
		    "client", r, NULL);
		promexp_put(p, PROM_COUNTER, "mcpdb_redis_client_errors_total",
		    "Commands that failed or got an error reply.",
		    (double)st->errors, "client", r, NULL);
		promexp_put(p, PROM_COUNTER, "mcpdb_redis_client_connects_total",
		    "Successful dials.", (double)st->connects, "client", r, NULL);
		promexp_put(p, PROM_COUNTER, "mcpdb_redis_client_reconnects_total",
		    "Dials after a lost or failed connection.",
		    (double)st->reconnects, "client", r, NULL);
		promexp_put(p, PROM_COUNTER,
		    "mcpdb_redis_client_connect_failures_total",
		    "Failed dials.", (double)st->connect_failures, "client", r,
		    NULL);
		promexp_put(p, PROM_COUNTER,
		    "mcpdb_redis_client_outcome_unknown_total",
		    "Writes whose connection broke after sending.",
		    (double)st->outcome_unknown, "client", r, NULL);
		for (j = 0; j < rc[i].ncmds; j++) {
			const struct rds_cmd_stats	*c = &rc[i].cmds[j];
			uint64_t			 q[3];

			q[0] = c->p50_us;
			q[1] = c->p95_us;
			q[2] = c->p99_us;
			promexp_summary(p, "mcpdb_redis_command_seconds",
			    "Redis command round trips seen by the client.",
			    "client", r, "command", c->name, c->calls, q,
			    c->mean_us * (double)c->calls / 1e6);
			promexp_put(p, PROM_COUNTER,
			    "mcpdb_redis_command_errors_total",
			    "Failed commands by command.", (double)c->errors,
			    "client", r, "command", c->name, NULL);
		}
	}
}

/* ------------------------------------------------------------- PostgreSQL */

/* Counters of pg_stat_database, summed over the databases. */
static void
promexp_pg_counters(struct prom *p, const struct pg_counters *c)
{
	static const struct {
		const char	*name, *help;
		size_t		 off;
	} m[] = {
#define PC(n, f, h) { "pg_stat_database_" n "_total", h, \
	offsetof(struct pg_counters, f) }
		PC("xact_commit", commits, "Transactions committed (all databases)."),
		PC("xact_rollback", rollbacks, "Transactions rolled back (all databases)."),
		PC("blks_hit", blks_hit, "Block reads served from shared buffers (all databases)."),
		PC("blks_read", blks_read, "Blocks read from disk or OS cache (all databases)."),
		PC("deadlocks", deadlocks, "Deadlocks detected (all databases)."),
		PC("temp_files", temp_files, "Temporary files created (all databases)."),
		PC("temp_bytes", temp_bytes, "Bytes written to temporary files (all databases)."),
		PC("conflicts", conflicts, "Queries cancelled by recovery conflicts (all databases)."),
		PC("tup_inserted", inserted, "Rows inserted (all databases)."),
		PC("tup_updated", updated, "Rows updated (all databases)."),
		PC("tup_deleted", deleted, "Rows deleted (all databases)."),
		PC("tup_returned", returned, "Rows returned by scans (all databases)."),
#undef PC
	};
	size_t	i;

	for (i = 0; i < sizeof(m) / sizeof(m[0]); i++)
		promexp_put(p, PROM_COUNTER, m[i].name, m[i].help,
		    (double)*(const int64_t *)(const void *)((const char *)c +
		    m[i].off), NULL);
	if (c->stats_reset_epoch > 0)
		promexp_put(p, PROM_GAUGE,
		    "pg_stat_database_stats_reset_timestamp_seconds",
		    "Newest statistics reset (counters started over then).",
		    (double)c->stats_reset_epoch, NULL);
}

/* Replication, as a primary (replicas) or a standby (delay, backlog). */
static void
promexp_pg_repl(struct prom *p, const struct snap_pg *pg)
{
	int	i;

	promexp_put(p, PROM_GAUGE, "pg_replication_is_replica",
	    "1 when the server is a standby (in recovery).",
	    pg->in_recovery ? 1 : 0, NULL);
	if (pg->in_recovery) {
		promexp_put(p, PROM_GAUGE, "pg_replication_lag_seconds",
		    "Standby: time since the last replayed transaction.",
		    pg->standby_delay_s, NULL);
		promexp_put(p, PROM_GAUGE, "pg_replication_backlog_bytes",
		    "Standby: WAL received but not yet replayed.",
		    (double)pg->standby_backlog_bytes, NULL);
	} else
		promexp_put(p, PROM_GAUGE, "pg_stat_replication_replicas",
		    "Replicas connected to this primary.", pg->nreplicas, NULL);
	for (i = 0; i < pg->nreplicas; i++) {
		const struct snap_replica	*r = &pg->replicas[i];

		promexp_put(p, PROM_GAUGE, "pg_stat_replication_lag_bytes",
		    "Primary: WAL not yet replayed by the replica.",
		    (double)r->lag_bytes, "application_name", r->name,
		    "client_addr", r->client, "state", r->state, NULL);
		promexp_put(p, PROM_GAUGE, "pg_stat_replication_replay_lag_seconds",
		    "Primary: the replica's replay_lag.", r->replay_lag_s,
		    "application_name", r->name, "client_addr", r->client, NULL);
		promexp_put(p, PROM_GAUGE, "pg_stat_replication_flush_lag_seconds",
		    "Primary: the replica's flush_lag.", r->flush_lag_s,
		    "application_name", r->name, "client_addr", r->client, NULL);
	}
	promexp_put(p, PROM_GAUGE, "pg_replication_slots",
	    "Replication slots.", pg->nslots, NULL);
	promexp_put(p, PROM_GAUGE, "pg_replication_slots_inactive",
	    "Replication slots nobody is consuming (they hold WAL).",
	    pg->inactive_slots, NULL);
	promexp_put(p, PROM_GAUGE, "pg_replication_slot_max_retained_bytes",
	    "The most WAL any slot holds back.",
	    (double)pg->slot_retained_bytes, NULL);
}

/* The PostgreSQL server's figures (only while its data is current). */
static void
promexp_pg(struct prom *p, const struct snapshot *s,
    const struct promexp_extra *x)
{
	const struct snap_pg	*pg = s != NULL ? snapshot_pg(s) : NULL;
	bool			 up;
	int			 i;

	up = pg != NULL && !snapshot_stale(s, pg->wall_us, true);
	promexp_put(p, PROM_GAUGE, "pg_up",
	    "1 when the last PostgreSQL sample succeeded and is current.",
	    up ? 1 : 0, NULL);
	/* PgBouncer's admin console: no server figures to export (zeros). */
	if (!up || pg->pgbouncer)
		return;
	promexp_put(p, PROM_GAUGE, "pg_static",
	    "PostgreSQL server version (always 1).", 1, "version",
	    pg->version, NULL);
	promexp_put(p, PROM_GAUGE, "pg_server_version_num",
	    "server_version_num.", pg->version_num, NULL);
	promexp_put(p, PROM_GAUGE, "pg_postmaster_uptime_seconds",
	    "Time since the server started.", (double)pg->uptime_s, NULL);
	promexp_put(p, PROM_GAUGE, "pg_settings_max_connections",
	    "max_connections.", pg->max_connections, NULL);
	promexp_put(p, PROM_GAUGE,
	    "pg_settings_superuser_reserved_connections",
	    "superuser_reserved_connections.", pg->reserved, NULL);
	promexp_put(p, PROM_GAUGE, "pg_stat_activity_sessions",
	    "Client sessions by state (unknown: hidden without pg_monitor).",
	    pg->active, "state", "active", NULL);
	promexp_put(p, PROM_GAUGE, "pg_stat_activity_sessions", NULL,
	    pg->idle, "state", "idle", NULL);
	promexp_put(p, PROM_GAUGE, "pg_stat_activity_sessions", NULL,
	    pg->idle_in_xact, "state", "idle in transaction", NULL);
	promexp_put(p, PROM_GAUGE, "pg_stat_activity_sessions", NULL,
	    pg->idle_in_xact_aborted, "state",
	    "idle in transaction (aborted)", NULL);
	promexp_put(p, PROM_GAUGE, "pg_stat_activity_sessions", NULL,
	    pg->hidden, "state", "unknown", NULL);
	promexp_put(p, PROM_GAUGE, "pg_stat_activity_client_backends",
	    "Client backends (all states).", pg->clients, NULL);
	promexp_put(p, PROM_GAUGE, "pg_stat_activity_backends",
	    "Every server process in pg_stat_activity.", pg->backends, NULL);
	promexp_put(p, PROM_GAUGE, "pg_stat_activity_lock_waiters",
	    "Sessions waiting for a lock.", pg->lock_waiters, NULL);
	promexp_put(p, PROM_GAUGE, "pg_stat_activity_autovacuum_workers",
	    "Autovacuum workers running.", pg->autovacuum, NULL);
	promexp_put(p, PROM_GAUGE, "pg_stat_activity_max_tx_duration_seconds",
	    "Age of the oldest open transaction (0 when none).",
	    pg->oldest_xact_s < 0 ? 0 : pg->oldest_xact_s, NULL);
	promexp_put(p, PROM_GAUGE,
	    "pg_stat_activity_max_query_duration_seconds",
	    "Longest running active query (0 when none).",
	    pg->longest_query_s < 0 ? 0 : pg->longest_query_s, NULL);
	promexp_put(p, PROM_GAUGE,
	    "pg_stat_activity_max_idle_in_tx_duration_seconds",
	    "Longest idle-in-transaction session (0 when none).",
	    pg->longest_idle_xact_s < 0 ? 0 : pg->longest_idle_xact_s, NULL);
	promexp_pg_counters(p, &pg->counters);
	promexp_put(p, PROM_GAUGE, "mcpdb_pg_cache_hit_ratio",
	    "Shared buffer hit ratio over the last minute (absent on little "
	    "traffic).", pg->rates.hit_ratio, NULL);
	if (x != NULL && x->db_ok)
		promexp_put(p, PROM_GAUGE, "pg_database_size_bytes",
		    "Size of the target's database.", (double)x->db_size_bytes,
		    "datname", x->datname, NULL);
	promexp_pg_repl(p, pg);
	for (i = 0; i < pg->napps; i++) {
		const struct snap_app	*a = &pg->apps[i];

		promexp_put(p, PROM_GAUGE, "mcpdb_server_sessions",
		    "Sessions of every mcpdb process as the server sees them, "
		    "by application_name and state.", a->active,
		    "application_name", a->app, "state", "active", NULL);
		promexp_put(p, PROM_GAUGE, "mcpdb_server_sessions", NULL,
		    a->idle, "application_name", a->app, "state", "idle", NULL);
		promexp_put(p, PROM_GAUGE, "mcpdb_server_sessions", NULL,
		    a->idle_in_xact, "application_name", a->app, "state",
		    "idle in transaction", NULL);
	}
	promexp_put(p, PROM_GAUGE, "mcpdb_pg_sample_duration_seconds",
	    "How long the last PostgreSQL sample took.", pg->took_us / 1e6,
	    NULL);
	promexp_put(p, PROM_GAUGE, "mcpdb_pg_sample_statements",
	    "SQL statements the last PostgreSQL sample sent.", pg->statements,
	    NULL);
	promexp_put(p, PROM_GAUGE, "mcpdb_pg_degraded",
	    "1 when the full statistics query failed and a reduced one is used.",
	    pg->degraded ? 1 : 0, NULL);
}

/* ------------------------------------------------------------------ Redis */

/* Replication as INFO reports it. */
static void
promexp_rd_repl(struct prom *p, const struct rds_info *in)
{
	char	port[16], db[16];
	size_t	i;

	promexp_put(p, PROM_GAUGE, "redis_connected_slaves",
	    "Replicas connected to this master.", (double)in->connected_slaves,
	    NULL);
	promexp_put(p, PROM_GAUGE, "redis_master_repl_offset",
	    "master_repl_offset.", (double)in->master_repl_offset, NULL);
	if (strcmp(in->role, "slave") == 0) {
		promexp_put(p, PROM_GAUGE, "redis_master_link_up",
		    "Replica: 1 when the link to the master is up.",
		    strcmp(in->master_link_status, "up") == 0 ? 1 : 0, NULL);
		promexp_put(p, PROM_GAUGE, "redis_master_last_io_seconds_ago",
		    "Replica: seconds since the master last talked.",
		    (double)in->master_last_io_s, NULL);
		promexp_put(p, PROM_GAUGE, "redis_slave_repl_offset",
		    "Replica: slave_repl_offset.", (double)in->slave_repl_offset,
		    NULL);
		promexp_put(p, PROM_GAUGE, "redis_master_sync_in_progress",
		    "Replica: 1 while a full sync runs.",
		    (double)in->master_sync_in_progress, NULL);
	}
	for (i = 0; i < in->nslaves; i++) {
		const struct rds_info_slave	*sl = &in->slaves[i];

		snprintf(port, sizeof(port), "%d", sl->port);
		promexp_put(p, PROM_GAUGE, "redis_connected_slave_lag_seconds",
		    "Master: seconds since the replica's last ACK.",
		    (double)sl->lag_s, "slave_ip", sl->ip, "slave_port", port,
		    "slave_state", sl->state, NULL);
		if (sl->offset >= 0 && in->master_repl_offset >= sl->offset)
			promexp_put(p, PROM_GAUGE,
			    "redis_connected_slave_offset_lag_bytes",
			    "Master: replication bytes the replica is behind.",
			    (double)(in->master_repl_offset - sl->offset),
			    "slave_ip", sl->ip, "slave_port", port, NULL);
	}
	for (i = 0; i < in->ndbs; i++) {
		snprintf(db, sizeof(db), "db%d", in->dbs[i].db);
		promexp_put(p, PROM_GAUGE, "redis_db_keys", "Keys per database.",
		    (double)in->dbs[i].keys, "db", db, NULL);
		promexp_put(p, PROM_GAUGE, "redis_db_keys_expiring",
		    "Keys with an expiry per database.",
		    (double)in->dbs[i].expires, "db", db, NULL);
	}
}

/* The Redis server's figures (only while its data is current). */
static void
promexp_redis(struct prom *p, const struct snapshot *s)
{
	const struct snap_server_status	*st;
	const struct snap_redis		*rd;
	const struct rds_info		*in;
	bool				 up;

	st = s != NULL ? &snapshot_status(s)->redis : NULL;
	if (st != NULL && !st->configured)
		return;			/* no Redis for this target */
	rd = s != NULL ? snapshot_redis(s) : NULL;
	up = rd != NULL && !snapshot_stale(s, rd->wall_us, false);
	promexp_put(p, PROM_GAUGE, "redis_up",
	    "1 when the last Redis sample succeeded and is current.",
	    up ? 1 : 0, NULL);
	if (!up)
		return;
	in = &rd->info;
	promexp_put(p, PROM_GAUGE, "redis_instance_info",
	    "Redis version, role and mode (always 1).", 1, "redis_version",
	    in->version, "role", in->role, "redis_mode", in->mode, NULL);
	promexp_put(p, PROM_GAUGE, "redis_uptime_in_seconds",
	    "Time since the server started.", (double)in->uptime_s, NULL);
	promexp_put(p, PROM_GAUGE, "redis_connected_clients",
	    "Client connections.", (double)in->connected_clients, NULL);
	promexp_put(p, PROM_GAUGE, "redis_blocked_clients",
	    "Clients blocked in BLPOP and the like.",
	    (double)in->blocked_clients, NULL);
	promexp_put(p, PROM_GAUGE, "redis_config_maxclients", "maxclients.",
	    (double)in->maxclients, NULL);
	promexp_put(p, PROM_GAUGE, "redis_memory_used_bytes", "used_memory.",
	    (double)in->used_memory, NULL);
	promexp_put(p, PROM_GAUGE, "redis_memory_used_rss_bytes",
	    "used_memory_rss.", (double)in->used_memory_rss, NULL);
	promexp_put(p, PROM_GAUGE, "redis_memory_used_peak_bytes",
	    "used_memory_peak.", (double)in->used_memory_peak, NULL);
	promexp_put(p, PROM_GAUGE, "redis_memory_max_bytes",
	    "maxmemory (0 = unbounded).", (double)in->maxmemory, NULL);
	promexp_put(p, PROM_GAUGE, "redis_total_system_memory_bytes",
	    "total_system_memory.", (double)in->total_system_memory, NULL);
	promexp_put(p, PROM_GAUGE, "redis_mem_fragmentation_ratio",
	    "mem_fragmentation_ratio.", in->frag_ratio, NULL);
	promexp_put(p, PROM_COUNTER, "redis_commands_processed_total",
	    "total_commands_processed.", (double)in->total_commands_processed,
	    NULL);
	promexp_put(p, PROM_COUNTER, "redis_connections_received_total",
	    "total_connections_received.",
	    (double)in->total_connections_received, NULL);
	promexp_put(p, PROM_COUNTER, "redis_rejected_connections_total",
	    "rejected_connections (maxclients reached).",
	    (double)in->rejected_connections, NULL);
	promexp_put(p, PROM_COUNTER, "redis_keyspace_hits_total",
	    "keyspace_hits.", (double)in->keyspace_hits, NULL);
	promexp_put(p, PROM_COUNTER, "redis_keyspace_misses_total",
	    "keyspace_misses.", (double)in->keyspace_misses, NULL);
	promexp_put(p, PROM_COUNTER, "redis_expired_keys_total",
	    "expired_keys.", (double)in->expired_keys, NULL);
	promexp_put(p, PROM_COUNTER, "redis_evicted_keys_total",
	    "evicted_keys (maxmemory reached).", (double)in->evicted_keys,
	    NULL);
	promexp_put(p, PROM_COUNTER, "redis_error_replies_total",
	    "total_error_replies.", (double)in->total_error_replies, NULL);
	promexp_put(p, PROM_COUNTER, "redis_cpu_sys_seconds_total",
	    "used_cpu_sys.", in->used_cpu_sys, NULL);
	promexp_put(p, PROM_COUNTER, "redis_cpu_user_seconds_total",
	    "used_cpu_user.", in->used_cpu_user, NULL);
	promexp_put(p, PROM_GAUGE, "redis_loading_dump_file",
	    "1 while the server loads its dataset.", (double)in->loading, NULL);
	promexp_put(p, PROM_GAUGE, "redis_rdb_changes_since_last_save",
	    "Writes not yet in an RDB snapshot.",
	    (double)in->rdb_changes_since_last_save, NULL);
	promexp_put(p, PROM_GAUGE, "redis_rdb_last_save_timestamp_seconds",
	    "When the last RDB snapshot was saved.",
	    (double)in->rdb_last_save_time, NULL);
	promexp_put(p, PROM_GAUGE, "redis_rdb_bgsave_in_progress",
	    "1 while BGSAVE runs.", (double)in->rdb_bgsave_in_progress, NULL);
	if (in->rdb_last_bgsave_status[0] != '\0')
		promexp_put(p, PROM_GAUGE, "redis_rdb_last_bgsave_status",
		    "1 when the last BGSAVE succeeded.",
		    strcmp(in->rdb_last_bgsave_status, "ok") == 0 ? 1 : 0, NULL);
	promexp_put(p, PROM_GAUGE, "redis_aof_enabled", "aof_enabled.",
	    (double)in->aof_enabled, NULL);
	if (in->aof_enabled > 0 && in->aof_last_write_status[0] != '\0')
		promexp_put(p, PROM_GAUGE, "redis_aof_last_write_status",
		    "1 when the last AOF write succeeded.",
		    strcmp(in->aof_last_write_status, "ok") == 0 ? 1 : 0, NULL);
	promexp_rd_repl(p, in);
	promexp_put(p, PROM_GAUGE, "redis_slowlog_length",
	    "Entries in SLOWLOG.", (double)rd->slowlog_len, NULL);
	promexp_put(p, PROM_GAUGE, "mcpdb_redis_ping_seconds",
	    "PING round trip of the last sample.", rd->rtt_us / 1e6, NULL);
	promexp_put(p, PROM_GAUGE, "mcpdb_redis_sample_duration_seconds",
	    "How long the last Redis sample took.", rd->took_us / 1e6, NULL);
}

/* ------------------------------------------------------------- migrations */

/* Migration state as `migrate status` reads it. */
static void
promexp_mig(struct prom *p, const struct promexp_mig *m)
{
	if (!m->configured)
		return;
	promexp_put(p, PROM_GAUGE, "mcpdb_migrations_up",
	    "1 when the last read of the migration ledger succeeded.",
	    m->ok ? 1 : 0, NULL);
	if (!m->ok)
		return;
	promexp_put(p, PROM_GAUGE, "mcpdb_migrations_applied",
	    "Migrations applied.", m->applied, NULL);
	promexp_put(p, PROM_GAUGE, "mcpdb_migrations_pending",
	    "Migration files not applied yet.", m->pending, NULL);
	promexp_put(p, PROM_GAUGE, "mcpdb_migrations_failed",
	    "Migrations that failed and need `migrate resolve`.", m->failed,
	    NULL);
	promexp_put(p, PROM_GAUGE, "mcpdb_migrations_running",
	    "Migrations recorded running (or whose runner died).", m->running,
	    NULL);
	promexp_put(p, PROM_GAUGE, "mcpdb_migrations_drifted",
	    "Applied migrations whose file changed or is missing.", m->drifted,
	    NULL);
	promexp_put(p, PROM_GAUGE, "mcpdb_migration_lock_held",
	    "1 while a migration run holds the advisory lock.",
	    m->lock_held ? 1 : 0, NULL);
	promexp_put(p, PROM_GAUGE, "mcpdb_migrations_read_timestamp_seconds",
	    "When the migration state was read.", m->wall_us / 1e6, NULL);
}

/*
 * A Redis Cluster's state: redis_exporter's redis_cluster_* names (from
 * CLUSTER INFO) plus what mcpdb judges from every node.
 */
static void
promexp_cluster(struct prom *p, const struct promexp_cluster *c)
{
	promexp_put(p, PROM_GAUGE, "redis_cluster_state",
	    "1 when cluster_state is ok.", c->state_ok ? 1 : 0, NULL);
	promexp_put(p, PROM_GAUGE, "redis_cluster_slots_assigned",
	    "Slots assigned to a master (of 16384).", c->slots_assigned, NULL);
	promexp_put(p, PROM_GAUGE, "redis_cluster_slots_ok",
	    "Slots whose master is not in pfail or fail state.", c->slots_ok,
	    NULL);
	promexp_put(p, PROM_GAUGE, "redis_cluster_slots_pfail",
	    "Slots whose master is possibly failing (pfail).", c->slots_pfail,
	    NULL);
	promexp_put(p, PROM_GAUGE, "redis_cluster_slots_fail",
	    "Slots whose master is failing (fail).", c->slots_fail, NULL);
	promexp_put(p, PROM_GAUGE, "redis_cluster_known_nodes",
	    "Nodes the answering node knows.", c->known_nodes, NULL);
	promexp_put(p, PROM_GAUGE, "redis_cluster_size",
	    "Masters serving at least one slot.", c->size, NULL);
	promexp_put(p, PROM_GAUGE, "redis_cluster_current_epoch",
	    "cluster_current_epoch (rises with each failover).",
	    (double)c->current_epoch, NULL);
	promexp_put(p, PROM_GAUGE, "mcpdb_redis_cluster_uncovered_slots",
	    "Slots with no reachable master, as mcpdb sees the nodes.",
	    c->uncovered, NULL);
	promexp_put(p, PROM_GAUGE, "mcpdb_redis_cluster_nodes",
	    "Nodes in the slot map.", c->nodes, NULL);
	promexp_put(p, PROM_GAUGE, "mcpdb_redis_cluster_nodes_unreachable",
	    "Nodes in the slot map that did not answer mcpdb.",
	    c->unreachable, NULL);
}

void
promexp_snapshot(struct prom *p, const struct snapshot *s,
    const struct promexp_extra *x)
{
	promexp_put(p, PROM_GAUGE, "mcpdb_info",
	    "mcpdb version and target (always 1).", 1, "version",
	    PACKAGE_VERSION, "target", s != NULL ? snapshot_target(s) : NULL,
	    NULL);
	if (s != NULL) {
		promexp_put(p, PROM_GAUGE, "mcpdb_sample_timestamp_seconds",
		    "When the poller took the sample this page shows.",
		    snapshot_wall_us(s) / 1e6, NULL);
		promexp_put(p, PROM_GAUGE, "mcpdb_refresh_interval_seconds",
		    "How often the poller samples the servers.",
		    snapshot_interval_ms(s) / 1000.0, NULL);
	}
	promexp_pools(p, s);
	promexp_rclients(p, s);
	promexp_pg(p, s, x);
	promexp_redis(p, s);
	if (x != NULL && x->cluster.read)
		promexp_cluster(p, &x->cluster);
	if (x != NULL)
		promexp_mig(p, &x->mig);
}
