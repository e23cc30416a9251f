/*
 * rds-cluster.h - Redis Cluster routing on top of the single-node client
 * (rds.h). hiredis 0.14 has no cluster support, so it lives here.
 *
 * Model: a cluster is a struct rds like any other (the "front"): every
 * rds_* call works on it and is routed here. The router keeps one plain
 * struct rds per node (its own small connection set, timeouts, breaker,
 * backoff and counters) and a slot map read with CLUSTER SHARDS (CLUSTER
 * SLOTS before 7.0). A key's slot is CRC16(key) mod 16384, hashing only the
 * {hash tag} when there is one. MOVED updates the map and retries; ASK
 * sends ASKING + the command to the named node once, without touching the
 * map; both are capped at RDS_CLUSTER_MAX_REDIRECTS. A connection error
 * re-reads the map (a failover moves the slots to the promoted replica).
 * Nodes are never removed while the client lives, so node pointers stay
 * valid. Thread-safe: one mutex guards the map, never held during I/O.
 *
 * Target forms: "redis+cluster://[user[:password]@]host:port[,host:port...]"
 * (seed nodes; the rest is discovered), or a plain "redis://host:port" whose
 * node answers cluster_enabled:1 (auto-detected by conn.c).
 */
#ifndef MCPDB_RDS_CLUSTER_H
#define MCPDB_RDS_CLUSTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "conf.h"
#include "err.h"
#include "log.h"
#include "rdstls.h"
#include "rdsuri.h"

struct rds;
struct rds_cluster;

#define RDS_CLUSTER_SLOTS		16384
#define RDS_CLUSTER_MAX_REDIRECTS	5
#define RDS_CLUSTER_MAX_NODES		64	/* nodes shown by a view */

/* --- Key slots ----------------------------------------------------------- */

/* CRC16-CCITT (XMODEM: polynomial 0x1021, initial 0) as Redis uses it. */
uint16_t rds_cluster_crc16(const char *, size_t);
/* The slot of a key: hash tag rules exactly as Redis's keyHashSlot(). */
int	rds_cluster_keyslot(const char *key, size_t len);

/*
 * The slot a command goes to: -1 when it has no key (any master serves
 * it), or the common slot of all its keys. -2 with err (MC_E_INPUT,
 * "CROSSSLOT: ..." naming two keys and their slots) when the keys hash to
 * different slots. argvlen NULL: NUL-terminated words.
 */
int	rds_cluster_cmd_slot(int argc, const char *const *argv,
	    const size_t *argvlen, struct mc_err *);


/* --- Lifetime ------------------------------------------------------------ */

/*
 * A cluster client for target t whose redis is redis+cluster://. Nothing
 * is dialled (the map is read on first use). Caller frees with rds_free.
 */
struct rds	*rds_cluster_open(const struct conf_target *t, struct logger *,
		    const char *component, struct mc_err *);
/*
 * Auto-detection: if the single TCP node of r (a plain client, no
 * Sentinel) answers INFO cluster with cluster_enabled:1, turn r into a
 * cluster front seeded with that node and return 1. 0 when it is not a
 * cluster node, or cannot be asked (unix socket, Sentinel, unreachable:
 * the caller's own commands will report that). Dials one short-lived
 * connection outside r's pool, so r's breaker and backoff are untouched.
 */
int	rds_cluster_detect(struct rds *r, const struct conf_target *t,
	    const char *component);
/* True when r routes through a cluster. */
bool	rds_is_cluster(const struct rds *);
/* Free the router (rds_free of the front calls it). NULL is fine. */
void	rds_cluster_free(struct rds_cluster *);

/* --- Cluster view (health, doctor, redis info, TUI) ------------------------ */

/* One node as CLUSTER NODES and its own INFO describe it. A value type. */
struct rds_cluster_node_view {
	char	id[48];
	char	addr[80];		/* host:port */
	char	role[8];		/* "master", "replica" */
	char	master_id[48];		/* replicas: their master's id */
	char	flags[64];		/* CLUSTER NODES flags without myself */
	char	link[16];		/* connected, disconnected */
	char	slots[96];		/* "0-5460" (ranges, may be cut with "...") */
	int	nslots;
	bool	reachable;		/* answered PING + INFO just now */
	char	error[160];		/* why not, or "" */
	int64_t	used_memory, maxmemory;
	int64_t	ops_per_sec;
	int64_t	repl_offset;		/* master_repl_offset / slave_repl_offset */
	int64_t	lag_bytes;		/* replicas: master's offset minus own; -1 unknown */
	int64_t	rtt_us;
};

/* The whole cluster. A value type (large: allocate it). */
struct rds_cluster_view {
	char	source[80];		/* the node that answered CLUSTER INFO */
	char	state[16];		/* cluster_state: ok, fail */
	int	slots_assigned, slots_ok, slots_pfail, slots_fail;
	int	known_nodes, size;	/* cluster_known_nodes, cluster_size */
	int64_t	current_epoch;
	int	uncovered;		/* slots with no reachable master */
	int	first_uncovered;	/* the first of them, or -1 */
	uint64_t refreshes, moved, asks; /* the client's map reads and redirects */
	struct rdstls_info tls;		/* rediss+cluster://: the first answering node's session */
	size_t	nnodes;			/* masters by first slot, each followed by its replicas */
	struct rds_cluster_node_view nodes[RDS_CLUSTER_MAX_NODES];
};

/*
 * Describe the cluster behind r (must be a cluster: rds_is_cluster):
 * CLUSTER INFO + CLUSTER NODES from one node, then PING + INFO on every
 * node (a node that does not answer is marked unreachable, not an error).
 * -1 with err only when no node answers at all. Bounded by about one
 * connect + command timeout per unreachable node.
 */
int	rds_cluster_describe(struct rds *r, struct rds_cluster_view *v,
	    struct mc_err *);
/*
 * Is the cluster healthy? False when cluster_state is not ok, when a slot
 * has no reachable master, or a slot is pfail/fail; why (may be NULL) gets
 * one line saying which.
 */
bool	rds_cluster_view_ok(const struct rds_cluster_view *, char *why, size_t);
struct table;
/*
 * The view as a table for terminals: one row per node (node, role, slots,
 * link, memory used / maxmemory, ops/s, replica lag, state with flags or
 * why it is down). Caller frees with table_free.
 */
struct table	*rds_cluster_view_table(const struct rds_cluster_view *);
/* One line: state, slot counts, nodes, epoch, source. Caller frees. */
char	*rds_cluster_view_summary(const struct rds_cluster_view *);
/* The view as JSON (the --json and export contract). Caller frees. */
cJSON	*rds_cluster_view_json(const struct rds_cluster_view *);

#endif
