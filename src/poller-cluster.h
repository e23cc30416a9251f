/*
 * poller-cluster.h - the poller's Redis Cluster reading (issue 11): when the
 * target's Redis is a cluster, every Redis refresh also reads the cluster
 * view for the Redis pane (rds_cluster_describe), keeps the last figures of
 * a node that stopped answering (the pane shows that row STALE while the
 * others stay live), and reports what changed since the refresh before (a
 * node failing or answering again, a replica promoted, the cluster state)
 * as log lines, which the Log pane shows.
 *
 * Cost per refresh on the cluster: CLUSTER SHARDS (the slot map, re-read)
 * and CLUSTER INFO + CLUSTER NODES on one node, then PING + INFO on every
 * node the cluster does not already mark failed and disconnected:
 * 3 + 2 x nodes commands (15 on a 3 + 3 cluster). Poller thread only.
 */
#ifndef MCPDB_POLLER_CLUSTER_H
#define MCPDB_POLLER_CLUSTER_H

#include "log.h"
#include "snapshot.h"

struct rds;

/* Where the cluster's events go: one finished line at a level. */
typedef void	(*poller_cluster_note_fn)(void *, enum log_level, const char *);

/*
 * Read the cluster view behind r (a cluster front). prev is the previous
 * view (NULL the first time): an unreachable node's figures are carried
 * over from it, and the differences are reported through note. Returns a
 * new view (never NULL: when no node answered, why says so and the node
 * rows are prev's, all marked unreachable). Caller frees with free().
 */
struct snap_cluster *poller_cluster_sample(struct rds *r,
	    const struct snap_cluster *prev, poller_cluster_note_fn note,
	    void *arg);

#endif
