/*
 * snapshot.h - what the poller thread hands to the UI thread once per tick:
 * an immutable copy of everything the dashboards show (STYLE.md rule 6:
 * across threads only immutable snapshots move; whoever receives one frees
 * it). Rates are already computed (metrics.c) against the previous tick, so
 * a snapshot the UI skips never corrupts a delta.
 *
 * Owned by the poller/dashboard engineer, who extends the pg/redis parts;
 * the `status` part is what the frame's status line reads and must stay.
 */
#ifndef MCPDB_SNAPSHOT_H
#define MCPDB_SNAPSHOT_H

#include <stdbool.h>
#include <stdint.h>

/* The status line's view of one server. */
struct snap_server_status {
	bool	configured;	/* false: e.g. no Redis for this target */
	bool	up;		/* the last sample succeeded */
	char	state[64];	/* "up", "down", "reconnecting in 3 s", "breaker open" */
	char	error[160];	/* last error, "" if none (no secrets) */
	int64_t	last_ok_wall_us; /* when data last arrived; 0 = never */
};

struct snap_status {
	struct snap_server_status pg;
	struct snap_server_status redis;
};

struct snapshot;

/* Generation counter (increments per published snapshot). */
uint64_t	snapshot_gen(const struct snapshot *);
/* Wall-clock time of the sample, microseconds since the epoch. */
int64_t		snapshot_wall_us(const struct snapshot *);
/* The status part. Borrowed, valid while the snapshot lives. */
const struct snap_status *snapshot_status(const struct snapshot *);
/* Free a snapshot (NULL is fine). */
void	snapshot_free(struct snapshot *);

#endif
