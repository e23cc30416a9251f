/*
 * metrics.h - pure rate and ratio maths for the dashboards: counter deltas
 * over a window of samples with restart detection, ratios that say "n/a"
 * on too little traffic, the judgements an operator needs (memory headroom,
 * fragmentation, persistence risk in plain words), fixed-size series for
 * sparklines and number formatting. No I/O, no threads, no allocation:
 * everything here is tested in tests/unit/t-metrics.c without servers.
 *
 * Model (redis-cli --stat, pgbouncer's stats rotation): a rate is
 * (cur - base) / (t_cur - t_base) between two samples of one counter
 * source. A source has an identity (Redis run_id, PostgreSQL postmaster
 * start time), an uptime and a reset mark (pg_stat_database.stats_reset).
 * When the identity changes, the uptime goes down, the reset mark changes or
 * any counter goes down (CONFIG RESETSTAT, pg_stat_reset, a dropped
 * database), the source started over: the window is emptied and the new
 * sample is the baseline. So a rate is never negative and never spans a
 * restart; until a second sample arrives it is unknown (-1).
 */
#ifndef MCPDB_METRICS_H
#define MCPDB_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rds-info.h"

#define METRICS_NCTR		14	/* counters per sample */
#define METRICS_WINDOW		72	/* samples kept per window */
#define METRICS_SERIES_LEN	180	/* sparkline points (3 min at 1 s) */

/* Why a sample did not continue the previous baseline. */
enum metrics_break {
	METRICS_CONTINUE,	/* same baseline: rates are valid */
	METRICS_FIRST,		/* no earlier sample */
	METRICS_RESTART,	/* identity changed or uptime went backwards */
	/* a counter went down or the reset mark changed */
	METRICS_RESET,
	METRICS_CLOCK,		/* the sample time did not advance */
};

/* One reading of a counter source. A value type. */
struct metrics_sample {
	int64_t	t_us;			/* monotonic time of the reading */
	char	id[48];			/* source identity; "" = unknown */
	int64_t	uptime_s;		/* -1 = unknown */
	/* changes on a statistics reset; 0 = unknown */
	int64_t	reset_mark;
	int64_t	c[METRICS_NCTR];	/* counters; -1 = unknown */
};

/* The last METRICS_WINDOW samples of one baseline. Embed and zero it. */
struct metrics_window {
	struct metrics_sample	s[METRICS_WINDOW];
	int			head;		/* index of the newest */
	int			n;		/* samples held */
	enum metrics_break	last_break;	/* of the newest sample */
	uint64_t		breaks;		/* restarts + resets seen */
	/* when the current baseline began */
	int64_t			baseline_t_us;
};

/* A sample with every field unknown. */
void	metrics_sample_init(struct metrics_sample *);
/* Did the source start over (or not advance) between prev and cur? */
enum metrics_break metrics_compare(const struct metrics_sample *prev,
	    const struct metrics_sample *cur);
/*
 * Add cur to w. Unless the sample continues the baseline, the window is
 * emptied first and cur becomes its only sample. Returns the break kind.
 */
enum metrics_break metrics_push(struct metrics_window *,
	    const struct metrics_sample *cur);
/* The sample `back` steps before the newest (0 = newest), or NULL. Borrowed. */
const struct metrics_sample *metrics_back(const struct metrics_window *,
	    int back);
/*
 * The oldest sample no more than span_us older than the newest (the newest
 * itself when it is alone), or NULL when the window is empty. Borrowed.
 */
const struct metrics_sample *metrics_base(const struct metrics_window *,
	    int64_t span_us);
/* Like metrics_base, but never the newest itself while an older one exists. */
const struct metrics_sample *metrics_rate_base(const struct metrics_window *,
	    int64_t span_us);
/* cur.c[i] - base.c[i], or -1 when unknown or negative. */
int64_t	metrics_delta(const struct metrics_sample *base,
	    const struct metrics_sample *cur, int i);
/* Per-second rate of counter i from base to cur, or -1 when unknown. */
double	metrics_rate(const struct metrics_sample *base,
	    const struct metrics_sample *cur, int i);
/* num/den when den >= min_den (and > 0), else -1 ("n/a"). */
double	metrics_ratio(double num, double den, double min_den);
/* Short name of a break kind ("restart", "stats reset"). */
const char *metrics_break_name(enum metrics_break);

/* ---- Redis ------------------------------------------------------------ */

/* Counter slots of a Redis sample. */
enum {
	MR_COMMANDS,		/* total_commands_processed */
	MR_HITS,		/* keyspace_hits */
	MR_MISSES,		/* keyspace_misses */
	MR_EXPIRED,		/* expired_keys */
	MR_EVICTED,		/* evicted_keys */
	MR_REJECTED,		/* rejected_connections */
	MR_ERRORS,		/* total_error_replies */
	MR_CONNS,		/* total_connections_received */
	MR_CPU_MS,		/* (used_cpu_sys + used_cpu_user) in ms */
};

/* Hit ratios need at least this many lookups in the window. */
#define METRICS_MIN_LOOKUPS	50
/* Fragmentation is not judged below this much used memory. */
#define METRICS_FRAG_FLOOR	(100LL * 1024 * 1024)

/* Rates and ratios of the newest Redis sample. -1 = unknown / n/a. */
struct redis_rates {
	enum metrics_break brk;		/* of the newest sample */
	double	ops_per_s;		/* over the rate span */
	double	hits_per_s;
	double	misses_per_s;
	double	expired_per_s;
	double	evicted_per_s;
	double	rejected_per_s;
	double	errors_per_s;
	double	cpu_pct;		/* of one core, server process */
	/* over the window; n/a on little traffic */
	double	hit_ratio;
	int64_t	lookups;		/* hits + misses in the window */
	int64_t	evicted_window;		/* keys evicted in the window */
	int64_t	expired_window;
	double	window_s;		/* span the window ratios cover */
};

/* Fill s from a parsed INFO taken at monotonic time t_us. */
void	metrics_redis_sample(const struct rds_info *, int64_t t_us,
	    struct metrics_sample *s);
/*
 * Rates of w's newest sample over up to rate_span_us (at least the previous
 * sample: a short span smooths counters the server publishes in steps);
 * window ratios over up to ratio_span_us.
 */
void	metrics_redis_rates(const struct metrics_window *, int64_t rate_span_us,
	    int64_t ratio_span_us, struct redis_rates *);

/* How worried to be. */
enum metrics_level {
	/* not judged (unknown, or too small to matter) */
	METRICS_NA,
	METRICS_OK,
	METRICS_WARN,
	METRICS_CRIT,
};

/*
 * Memory against maxmemory: level and a phrase ("62% of 1.0 GB, allkeys-lru",
 * "unbounded (no maxmemory; 3% of RAM)"). >=80% warns, >=95% is critical
 * (with noeviction: writes will fail with OOM). A volatile-* policy with no
 * key having a TTL says it cannot evict anything, and replies the server
 * refused with OOM (errorstat_OOM) warn at any fill.
 */
enum metrics_level metrics_redis_memory(const struct rds_info *, char *buf,
	    size_t len);
/*
 * Fragmentation: NA below METRICS_FRAG_FLOOR of used memory (a fresh tiny
 * instance reports 7+ and means nothing), WARN above 1.5, CRIT below 1.0
 * (swapping). Phrase in buf.
 */
enum metrics_level metrics_redis_frag(const struct rds_info *, char *buf,
	    size_t len);
/*
 * Persistence risk in plain words, e.g. "1,204 changes unsaved for 14 min;
 * last bgsave failed", "saved 3 s ago", "no persistence configured" (no
 * save points and no AOF: pass save_points -1 when unknown, 0 when none).
 * now_s is the server's clock in unix seconds (server_time_us / 1e6).
 */
enum metrics_level metrics_redis_persistence(const struct rds_info *,
	    int save_points, int64_t now_s, char *buf, size_t len);

/* ---- PostgreSQL --------------------------------------------------------- */

/*
 * Connection saturation, the one definition the TUI and `health` share:
 * client backends (hidden ones included) against the usable slots,
 * max_connections minus the reserved ones (superuser_reserved_connections,
 * plus reserved_connections on PostgreSQL 16+). At
 * METRICS_PG_CONN_WARN_PCT percent of the usable slots or more it warns.
 */
#define METRICS_PG_CONN_WARN_PCT	90
/* SQL for the reserved slots (an expression; reserved_connections is 16+). */
#define METRICS_PG_RESERVED_SQL \
	"(current_setting('superuser_reserved_connections')::int +" \
	" coalesce(nullif(current_setting('reserved_connections', true)," \
	" '')::int, 0))"
/* SQL for the client backends that use a slot (the hidden ones included). */
#define METRICS_PG_IN_USE_SQL \
	"(backend_type = 'client backend' OR" \
	" (backend_type IS NULL AND usename IS NOT NULL))"

/* The usable connection slots: max_connections - reserved (>= 0). */
int	metrics_pg_conn_usable(int max_connections, int reserved);
/* True when in_use reaches METRICS_PG_CONN_WARN_PCT % of usable (> 0). */
bool	metrics_pg_conn_saturated(long in_use, long usable);

/* Counter slots of a PostgreSQL sample (sums over pg_stat_database). */
enum {
	MP_COMMITS,
	MP_ROLLBACKS,
	MP_HITS,		/* blks_hit */
	MP_READS,		/* blks_read */
	MP_DEADLOCKS,
	MP_TEMP_FILES,
	MP_TEMP_BYTES,
	MP_CONFLICTS,
	MP_INSERTED,
	MP_UPDATED,
	MP_DELETED,
	MP_RETURNED,		/* tup_returned */
};

/* Cache hit ratios need at least this many block accesses in the window. */
#define METRICS_MIN_BLOCKS	100

/* Raw counters as read from PostgreSQL (-1 = NULL / unknown). */
struct pg_counters {
	/* identity: pg_postmaster_start_time() */
	char	postmaster_start[48];
	int64_t	uptime_s;
	/* max(stats_reset) as unix seconds; 0 = never */
	int64_t	stats_reset_epoch;
	int64_t	commits, rollbacks, blks_hit, blks_read, deadlocks;
	int64_t	temp_files, temp_bytes, conflicts;
	int64_t	inserted, updated, deleted, returned;
};

/* Rates of the newest PostgreSQL sample. -1 = unknown / n/a. */
struct pg_rates {
	enum metrics_break brk;
	double	tps;			/* (commits + rollbacks) per second */
	double	commits_per_s;
	double	rollbacks_per_s;
	/* over the window; n/a without transactions */
	double	rollback_ratio;
	/* over the window; n/a under METRICS_MIN_BLOCKS */
	double	hit_ratio;
	double	temp_bytes_per_s;
	double	rows_per_s;		/* inserted + updated + deleted */
	int64_t	deadlocks_window;	/* new deadlocks in the window */
	int64_t	temp_files_window;
	double	window_s;
};

/* Fill s from raw counters read at monotonic time t_us. */
void	metrics_pg_sample(const struct pg_counters *, int64_t t_us,
	    struct metrics_sample *s);
/*
 * Rates of w's newest sample over up to rate_span_us (PostgreSQL backends
 * flush their counters about once a second, so a span of 2-3 s keeps tps
 * from jumping between 0 and twice the truth); ratios over ratio_span_us.
 */
void	metrics_pg_rates(const struct metrics_window *, int64_t rate_span_us,
	    int64_t ratio_span_us, struct pg_rates *);

/* ---- Series ------------------------------------------------------------- */

/* The last METRICS_SERIES_LEN values of one figure (a ring). Zero it. */
struct metrics_series {
	float	v[METRICS_SERIES_LEN];	/* < 0: a gap (no data at that tick) */
	int	head;			/* next write position */
	int	n;
};

/* Append v (negative or NaN: a gap). */
void	metrics_series_push(struct metrics_series *, double v);
/* Copy the values oldest first into out (room for max); returns the count. */
int	metrics_series_copy(const struct metrics_series *, float *out, int max);

/* ---- Formatting (all return buf; never more than len-1 characters) ----- */

/* 1204 -> "1,204"; negative -> "?". */
char	*metrics_fmt_count(int64_t, char *buf, size_t len);
/* Bytes as draw.c writes them: "512 B", "1.50 KiB", "12.0 MiB"; -1 -> "?". */
char	*metrics_fmt_bytes(int64_t, char *buf, size_t len);
/* Seconds: "850 ms", "12 s", "14 min", "2 h 03 min", "3 d 04 h"; -1 -> "-". */
char	*metrics_fmt_duration(double s, char *buf, size_t len);
/* A ratio in [0,1] as "97.3%"; negative -> "n/a". */
char	*metrics_fmt_pct(double, char *buf, size_t len);
/* A rate: "0", "12.5", "1,204", "12.3k"; negative -> "-". */
char	*metrics_fmt_rate(double, char *buf, size_t len);

#endif
