/*
 * rds-info.h - parse the text of a Redis INFO reply into a plain struct with
 * what an operator needs (role, memory, clients, throughput, hit ratio,
 * persistence, replication, keyspace). A pure function: no server, no I/O,
 * tested on captured replies in tests/fixtures/info/.
 *
 * Fields the server did not report stay "unknown": -1 for numbers and ""
 * for strings, so an older server degrades to fewer fields instead of an
 * error (psql's describe.c rule).
 */
#ifndef MCPDB_RDS_INFO_H
#define MCPDB_RDS_INFO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"

#define RDS_INFO_MAXDB		64	/* keyspace rows kept (in INFO order) */
#define RDS_INFO_MAXSLAVES	16	/* slaveN rows kept */

/* One "dbN:keys=..,expires=..,avg_ttl=.." row. */
struct rds_info_db {
	int		db;
	int64_t		keys;
	int64_t		expires;
	int64_t		avg_ttl_ms;
};

/* One "slaveN:ip=..,port=..,state=..,offset=..,lag=.." row (master side). */
struct rds_info_slave {
	char		ip[64];
	int		port;
	char		state[24];	/* online, wait_bgsave, send_bulk ... */
	int64_t		offset;
	int64_t		lag_s;		/* seconds since the last ACK */
};

/* A value type: copy it freely. */
struct rds_info {
	/* Server */
	char		version[24];
	char		mode[16];		/* standalone, sentinel, cluster */
	char		run_id[48];
	int64_t		uptime_s;
	int64_t		server_time_us;
	/* Clients */
	int64_t		connected_clients;
	int64_t		blocked_clients;
	int64_t		maxclients;
	/* Memory */
	int64_t		used_memory;
	int64_t		used_memory_rss;
	int64_t		used_memory_peak;
	int64_t		maxmemory;		/* 0 = unbounded */
	int64_t		total_system_memory;
	char		maxmemory_policy[32];
	double		frag_ratio;		/* mem_fragmentation_ratio; -1 unknown */
	/* Persistence */
	int64_t		loading;
	int64_t		rdb_changes_since_last_save;
	int64_t		rdb_last_save_time;	/* unix seconds */
	int64_t		rdb_bgsave_in_progress;
	char		rdb_last_bgsave_status[8];	/* ok, err */
	int64_t		aof_enabled;
	int64_t		aof_rewrite_in_progress;
	char		aof_last_write_status[8];	/* ok, err */
	/* Stats */
	int64_t		ops_per_sec;		/* instantaneous_ops_per_sec */
	int64_t		total_commands_processed;
	int64_t		total_connections_received;
	int64_t		rejected_connections;
	int64_t		keyspace_hits;
	int64_t		keyspace_misses;
	int64_t		expired_keys;
	int64_t		evicted_keys;
	int64_t		total_error_replies;
	/* errorstat_OOM count: replies refused with OOM (0 when none/absent) */
	int64_t		errorstat_oom;
	/* Replication */
	char		role[16];		/* master, slave */
	char		master_host[64];	/* replica side */
	int64_t		master_port;
	char		master_link_status[8];	/* up, down */
	int64_t		master_last_io_s;
	int64_t		master_link_down_since_s;
	int64_t		master_sync_in_progress;
	int64_t		slave_repl_offset;
	int64_t		master_repl_offset;
	int64_t		connected_slaves;
	size_t		nslaves;
	struct rds_info_slave slaves[RDS_INFO_MAXSLAVES];
	/* CPU */
	double		used_cpu_sys;
	double		used_cpu_user;
	/* Keyspace */
	size_t		ndbs;
	struct rds_info_db dbs[RDS_INFO_MAXDB];
	int64_t		total_keys;		/* sum over dbs; 0 when none */
	int64_t		total_expires;		/* keys with a TTL; 0 when none */
	/* How many fields were recognised (0 means it was not INFO text). */
	unsigned	nfields;
};

/* Set every field to "unknown". */
void	rds_info_init(struct rds_info *);
/*
 * Parse len bytes of INFO text (CRLF or LF lines, "# Section" headers,
 * "key:value" split at the first ':'). Unknown keys and malformed lines are
 * skipped. Returns -1 with MC_E_INPUT only when nothing recognisable was
 * found. out is always initialised first.
 */
int	rds_info_parse(const char *text, size_t len, struct rds_info *out, struct mc_err *);
/*
 * Lifetime keyspace hit ratio hits/(hits+misses) in [0,1], or -1 when
 * unknown or there were no lookups.
 */
double	rds_info_hit_ratio(const struct rds_info *);
/*
 * True only when the reply said "loading:1": a reply without the field
 * (a proxy, a trimmed INFO) is not "loading its dataset".
 */
bool	rds_info_loading(const struct rds_info *);
/* used_memory / maxmemory in [0,..], or -1 when unbounded or unknown. */
double	rds_info_mem_ratio(const struct rds_info *);

#endif
