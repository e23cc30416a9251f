/*
 * dash-cluster.h - the Redis pane's cluster section (issue 11), when the
 * target's Redis is a Redis Cluster: the cluster's state and slot counts,
 * what is wrong in one line, and one row per node (id, address, role, the
 * slots it serves or the master it replicates, link, state, memory against
 * maxmemory, ops/s, replica lag), as the poller read them (snap_cluster).
 * A node that does not answer keeps its last figures, dimmed, marked DOWN
 * or STALE with why. Drawing only; UI thread only.
 */
#ifndef MCPDB_DASH_CLUSTER_H
#define MCPDB_DASH_CLUSTER_H

#include <stdbool.h>

#include <curses.h>

#include "snapshot.h"

/*
 * Draw the section at row y of win in at most maxrows rows (stale dims
 * it). Returns the rows used.
 */
int	dash_cluster_draw(WINDOW *win, int y, int maxrows,
	    const struct snap_cluster *c, bool stale);

#endif
