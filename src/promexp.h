/*
 * promexp.h - turn what mcpdb already measures into Prometheus families
 * (prom.h): a poller snapshot (this process's pools and Redis clients, the
 * PostgreSQL and Redis server figures) plus the slower extras the exporter
 * samples itself (migration state, database size, a Redis Cluster's state). Pure: no I/O, so the
 * mapping is tested on hand-made snapshots.
 *
 * Names follow the Prometheus conventions (base units, `_total` counters)
 * and, where they overlap, postgres_exporter (pg_up, pg_stat_database_*,
 * pg_database_size_bytes, pg_stat_replication_*) and redis_exporter
 * (redis_up, redis_memory_used_bytes, redis_keyspace_hits_total ...);
 * postgres_exporter's pg_stat_database counters get the `_total` suffix
 * promtool asks for. mcpdb's own figures start with mcpdb_. A server that
 * is down (or whose data is stale) gets `pg_up 0` / `redis_up 0` and no
 * other figures: old values are not repeated as if they were current.
 */
#ifndef MCPDB_PROMEXP_H
#define MCPDB_PROMEXP_H

#include <stdbool.h>
#include <stdint.h>

#include "prom.h"
#include "snapshot.h"

/* Migration state, as `migrate status` reads it. */
struct promexp_mig {
	bool	configured;	/* false: not sampled (no extras) */
	bool	ok;		/* the last read succeeded */
	int64_t	wall_us;	/* when it was read */
	int	applied, pending, failed, running, drifted;
	bool	lock_held;	/* a migration run holds the advisory lock */
};

/* A Redis Cluster's state, as `health` reads it (CLUSTER INFO + nodes). */
struct promexp_cluster {
	bool	read;		/* the target's Redis is a cluster, described */
	bool	state_ok;	/* cluster_state:ok */
	int	slots_assigned, slots_ok, slots_pfail, slots_fail;
	int	known_nodes, size;	/* cluster_known_nodes, cluster_size */
	int	uncovered;	/* slots with no reachable master */
	int	nodes, unreachable;	/* nodes in the map, not answering */
	int64_t	current_epoch;
};

/* What the exporter samples itself, on its own slower cadence. */
struct promexp_extra {
	struct promexp_mig mig;
	struct promexp_cluster cluster;
	bool	db_ok;
	char	datname[64];
	int64_t	db_size_bytes;
	int64_t	wall_us;	/* when the database size was read */
};

/*
 * Add every family for snapshot s (NULL: nothing sampled yet, so pg_up and
 * redis_up are 0) and extra (may be NULL) to p.
 */
void	promexp_snapshot(struct prom *, const struct snapshot *s,
	    const struct promexp_extra *extra);

#endif
