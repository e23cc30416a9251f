/*
 * snapshot.h - what the poller thread hands to the UI thread once per tick:
 * an immutable copy of everything the dashboards show (STYLE.md rule 6:
 * across threads only immutable snapshots move; whoever receives one frees
 * it). Rates are already computed (metrics.c) against the previous tick, so
 * a snapshot the UI skips never corrupts a delta.
 *
 * Owned by the poller/dashboard engineer, who extends the pg/redis parts;
 * the `status` part is what the frame's status line reads and must stay.
 *
 * Model: a snapshot is a small header (status, this process's pool and
 * Redis client counters, sparkline series) plus two parts, PostgreSQL and
 * Redis, each built by its own sampler and shared by reference between the
 * snapshots that carry it (a part is immutable once published). A part
 * keeps its own sample time, so a pane can say how old its data is while
 * the other server keeps refreshing. snapshot_ref lets a pane keep the
 * snapshot it draws from; snapshot_free drops one reference.
 */
#ifndef MCPDB_SNAPSHOT_H
#define MCPDB_SNAPSHOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "metrics.h"
#include "out.h"
#include "pool.h"
#include "rds.h"
#include "rds-cluster.h"
#include "repl.h"

/* The status line's view of one server. */
struct snap_server_status {
	bool	configured;	/* false: e.g. no Redis for this target */
	bool	up;		/* the last sample succeeded */
	/* "up", "down", "reconnecting in 3 s", "breaker open" */
	char	state[64];
	char	error[160];	/* last error, "" if none (no secrets) */
	int64_t	last_ok_wall_us; /* when data last arrived; 0 = never */
};

struct snap_status {
	struct snap_server_status pg;
	struct snap_server_status redis;
};

struct snapshot;
struct pg_locks;
struct rds_client;

/* Generation counter (increments per published snapshot). */
uint64_t	snapshot_gen(const struct snapshot *);
/* Wall-clock time of the sample, microseconds since the epoch. */
int64_t		snapshot_wall_us(const struct snapshot *);
/* The status part. Borrowed, valid while the snapshot lives. */
const struct snap_status *snapshot_status(const struct snapshot *);
/* Free a snapshot (NULL is fine). */
void	snapshot_free(struct snapshot *);

/* ---- the dashboards' data (value types, borrowed from the snapshot) ---- */

/* A series for a sparkline, oldest first; negative values are gaps. */
struct snap_series {
	int	n;
	float	v[METRICS_SERIES_LEN];
};

/* One of this process's PostgreSQL pools, as the pool itself counts. */
struct snap_pool {
	/* "monitor" (the poller's), "console" */
	char			role[16];
	/* application_name: "mcpdb/monitor" */
	char			name[48];
	struct pool_stats	st;
	struct snap_series	acquire_p99_ms;	/* per tick */
	struct snap_series	active;		/* lent out, per tick */
};

/* One of this process's Redis clients, as the client counts. */
#define SNAP_MAX_RCMDS	12
struct snap_rclient {
	char			role[16];	/* "monitor", "console" */
	/* st.cmds is NULL: see cmds[] */
	struct rds_stats	st;
	size_t			ncmds;
	struct rds_cmd_stats	cmds[SNAP_MAX_RCMDS]; /* by calls, descending */
};

/* One server session (pg_stat_activity row). Strings are "" when NULL. */
#define SNAP_MAX_BLOCKERS	8
struct snap_session {
	int	pid;
	char	user[64];
	char	app[64];
	/* address, "local", or "" (background) */
	char	client[48];
	char	backend_type[32];
	/* "" = hidden (another role, no pg_monitor) */
	char	state[32];
	char	wait_type[24];
	char	wait_event[48];
	double	xact_s;			/* age of the transaction; -1 = none */
	/* since the current/last query started */
	double	query_s;
	double	state_s;		/* in this state for */
	double	backend_s;		/* connected for */
	/* backend_start, us since the epoch (pid + it = the session); 0 = hidden */
	long long backend_start_us;
	/* excerpt: whitespace folded, secrets hidden */
	char	query[256];
	bool	hidden;			/* "<insufficient privilege>" */
	/* from the last pg_blocking_pids() check */
	int	nblockers;
	int	blockers[SNAP_MAX_BLOCKERS];
};

/* A replica seen from the primary (pg_stat_replication). */
struct snap_replica {
	char	name[64];		/* application_name */
	char	client[48];
	char	state[24];		/* streaming, catchup ... */
	char	sync_state[16];
	int64_t	lag_bytes;		/* -1 unknown */
	double	write_lag_s, flush_lag_s, replay_lag_s;	/* -1 unknown */
};

/* What the server sees for one application_name "mcpdb/...". */
struct snap_app {
	char	app[64];
	int	conns, active, idle, idle_in_xact;
};

#define SNAP_MAX_REPLICAS	8
#define SNAP_MAX_APPS		16

/* The PostgreSQL part: one refresh of server statistics. */
struct snap_pg {
	int64_t		wall_us;	/* when it was sampled */
	int64_t		took_us;	/* how long the refresh took */
	int		statements;	/* SQL statements this refresh sent */
	/* "host:port/db as user", no password */
	char		endpoint[128];
	/*
	 * The server that answered this refresh, "host:port" (a socket
	 * directory for host): with a multi-host conninfo, the one libpq chose
	 * (after a failover, the new primary). "" = unknown.
	 */
	char		server[112];
	/* times the answering server changed since the poller started */
	unsigned	server_changes;
	/* server and privileges */
	int		version_num;
	char		version[48];
	bool		in_recovery;
	bool		superuser;
	/* member of pg_monitor (or superuser) */
	bool		pg_monitor;
	bool		pg_signal;	/* may cancel others' backends */
	/* the full query failed; reduced set in use */
	bool		degraded;
	char		degraded_why[160];
	int		max_connections;
	int		reserved;	/* superuser_reserved_connections */
	int64_t		uptime_s;
	/* sessions by state (client backends) */
	int		clients, active, idle;
	int		idle_in_xact, idle_in_xact_aborted;
	/* state not visible without pg_monitor */
	int		hidden;
	int		lock_waiters;
	int		autovacuum;
	int		backends;	/* every process in pg_stat_activity */
	double		oldest_xact_s;	/* -1 none */
	double		longest_query_s;
	double		longest_idle_xact_s;
	/* counters and rates */
	struct pg_counters counters;
	struct pg_rates	rates;
	uint64_t	breaks;		/* restarts/resets seen since start */
	struct snap_series tps;
	struct snap_series active_series;
	/* replication */
	int		nreplicas;
	struct snap_replica replicas[SNAP_MAX_REPLICAS];
	/* standby: since the last replayed xact; -1 */
	double		standby_delay_s;
	/* standby: received - replayed; -1 */
	int64_t		standby_backlog_bytes;
	int		nslots, inactive_slots;
	/* most WAL held by a slot; -1 */
	int64_t		slot_retained_bytes;
	/*
	 * The Dashboard's replication section: repl_sample on the monitor's
	 * connection, after the summary's transaction, while the server shows
	 * any replication (standbys, slots, recovery) or has shown it since
	 * the poller started. repl_sampled false: not asked this refresh.
	 */
	bool		repl_sampled;
	struct repl	repl;
	/* the target's thresholds, and the problems found under them */
	struct conf_replication repl_th;
	int		repl_nproblems;
	char		repl_problems[512];
	/*
	 * The target is PgBouncer's admin console (dbname=pgbouncer): only
	 * these two, read with SHOW (pgbadmin.c); the rest stays zero.
	 * Immutable, freed with the part.
	 */
	bool		pgbouncer;
	struct table	*pgb_pools, *pgb_stats;
	/* the server's view of mcpdb's pools */
	int		napps;
	struct snap_app	apps[SNAP_MAX_APPS];
	/* blocking: pg_blocking_pids(), only while someone waits on a lock */
	/* 0 = not checked yet */
	int64_t		blocking_checked_wall_us;
	/*
	 * The lock tree (pg-locks.c), read only while a view shows it
	 * (poller_want_locks): locks_sampled false = not asked. Immutable,
	 * freed with the part; locks NULL with locks_error when it failed.
	 */
	bool		locks_sampled;
	struct pg_locks	*locks;
	char		locks_error[160];
	/* sessions, most interesting first (non-idle, oldest transaction) */
	size_t		nsessions;
	size_t		sessions_total;	/* before the row limit */
	struct snap_session *sessions;
};

/* One SLOWLOG entry. */
struct snap_slow {
	int64_t	id;
	int64_t	when;			/* unix seconds */
	int64_t	usec;
	char	cmd[160];		/* argv joined, secrets hidden */
	char	client[64];
	char	name[48];
};

/* One LATENCY LATEST event. */
struct snap_latency {
	char	event[40];
	int64_t	when;			/* unix seconds */
	int64_t	latest_ms;
	int64_t	max_ms;
};

#define SNAP_MAX_SLOW	8
#define SNAP_MAX_LAT	8

/* The Redis part: one refresh of INFO, PING (less often SLOWLOG, LATENCY). */
/*
 * The Redis Cluster view (issue 11) the Redis pane draws, read by the poller
 * (poller-cluster.c) when the target's Redis is a cluster. A node that
 * stopped answering keeps its last figures, with the time it last answered.
 */
struct snap_cluster {
	int64_t		wall_us;	/* when it was read */
	int64_t		took_us;
	int		commands;	/* commands sent to read it */
	char		why[200];	/* "" or why no node answered at all */
	struct rds_cluster_view v;	/* the last view (nnodes 0: never read) */
	/* per v.nodes[i]: when it last answered; 0 never */
	int64_t		seen_wall_us[RDS_CLUSTER_MAX_NODES];
};

struct snap_redis {
	int64_t		wall_us;
	int64_t		took_us;
	char		endpoint[160];
	int64_t		rtt_us;		/* PING round trip */
	struct rds_info	info;
	struct redis_rates rates;
	uint64_t	breaks;
	struct snap_cluster *cluster;	/* NULL unless a cluster (owned) */
	struct snap_series ops;		/* ops/s per tick */
	struct snap_series rtt_ms;
	struct snap_series used_mem;	/* bytes */
	/* a role or run_id change, kept for a while: "" when none */
	char		banner[200];
	int64_t		banner_wall_us;
	/* CONFIG GET context; -1 unknown */
	int		save_points;
	int64_t		latency_threshold_ms;
	int64_t		slowlog_threshold_us;
	/* "" or why CONFIG GET failed */
	char		config_why[128];
	int64_t		config_wall_us;	/* when CONFIG GET was read; 0 never */
	/* SLOWLOG: worst entries first */
	/* "" or why it is empty/unavailable */
	char		slowlog_why[128];
	int64_t		slowlog_len;
	int		nslow;
	struct snap_slow slow[SNAP_MAX_SLOW];
	int64_t		slowlog_wall_us;
	/* LATENCY LATEST */
	char		latency_why[128];
	int		nlat;
	struct snap_latency lat[SNAP_MAX_LAT];
	/*
	 * CLIENT LIST (rds-clients.c), read only while a view shows it
	 * (poller_want_clients): clients_sampled false = not asked. Owned
	 * by the part, freed with it; "" or why it failed.
	 */
	bool		clients_sampled;
	size_t		nclients;
	struct rds_client *clients;
	char		clients_error[128];
};

#define SNAP_MAX_POOLS		2
#define SNAP_MAX_RCLIENTS	2

/* Take another reference (the pane keeps what it draws). Returns s. */
struct snapshot	*snapshot_ref(struct snapshot *);
/* The refresh interval the poller runs at, in ms. */
int		snapshot_interval_ms(const struct snapshot *);
/* The target's name. Borrowed. */
const char	*snapshot_target(const struct snapshot *);
/* The PostgreSQL part, or NULL before the first successful refresh. */
const struct snap_pg *snapshot_pg(const struct snapshot *);
/* The Redis part, or NULL before the first successful refresh / no Redis. */
const struct snap_redis *snapshot_redis(const struct snapshot *);
/* This process's pools (n set to the count). */
const struct snap_pool *snapshot_pools(const struct snapshot *, size_t *n);
/* This process's Redis clients (n set to the count). */
const struct snap_rclient *snapshot_rclients(const struct snapshot *,
	    size_t *n);
/*
 * True when data of a part sampled at part_wall_us is stale for this
 * snapshot: its server is not up, or it is older than 2.5 intervals.
 */
bool	snapshot_stale(const struct snapshot *, int64_t part_wall_us, bool pg);

/* JSON for `e` and tests (caller owns; never holds a secret). */
struct cJSON	*snapshot_pg_json(const struct snapshot *);
struct cJSON	*snapshot_redis_json(const struct snapshot *);
struct cJSON	*snapshot_status_json(const struct snapshot *);

/* ---- for the poller (poller.c builds snapshots) ---- */

/* A new empty snapshot with one reference. */
struct snapshot	*snapshot_new(void);
/* A new PostgreSQL / Redis part with one reference. */
struct snap_pg	*snap_pg_new(void);
struct snap_redis *snap_redis_new(void);
/* Drop one reference to a part (NULL is fine). */
void	snap_pg_unref(struct snap_pg *);
void	snap_redis_unref(struct snap_redis *);
/* Take a reference to a part (NULL is fine). Returns it. */
struct snap_pg	*snap_pg_ref(struct snap_pg *);
struct snap_redis *snap_redis_ref(struct snap_redis *);
/*
 * Fill the header of s: gen, wall time, interval, target name (copied),
 * status; attach the parts (a reference is taken on each, NULL allowed).
 */
void	snapshot_fill(struct snapshot *, uint64_t gen, int64_t wall_us,
	    int interval_ms, const char *target, const struct snap_status *,
	    struct snap_pg *, struct snap_redis *);
/* Add a pool / client row (ignored when full). rc->st.cmds is not read. */
void	snapshot_add_pool(struct snapshot *, const struct snap_pool *);
void	snapshot_add_rclient(struct snapshot *, const struct snap_rclient *);
/* Copy a metrics series into a snapshot series. */
void	snap_series_set(struct snap_series *, const struct metrics_series *);

#endif
