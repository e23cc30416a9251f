/* t-rds-info.c - the INFO parser on captured replies (tests/fixtures/info). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rds-info.h"
#include "tap.h"

/* Read fixture name into a fresh buffer; bails out when missing. */
static char *
slurp(const char *name, size_t *len)
{
	const char	*dir = getenv("MCPDB_SRCDIR");
	char		 path[1024];
	FILE		*fp;
	char		*s;
	long		 n;

	snprintf(path, sizeof(path), "%s/tests/fixtures/info/%s", dir ? dir : ".", name);
	if ((fp = fopen(path, "rb")) == NULL)
		bail_out("cannot open fixture %s (set MCPDB_SRCDIR)", path);
	fseek(fp, 0, SEEK_END);
	n = ftell(fp);
	rewind(fp);
	s = malloc((size_t)n + 1);
	if (s == NULL || fread(s, 1, (size_t)n, fp) != (size_t)n)
		bail_out("cannot read %s", path);
	s[n] = '\0';
	fclose(fp);
	*len = (size_t)n;
	return (s);
}

int
main(void)
{
	struct rds_info	 in;
	struct mc_err	 err = { 0 };
	char		*t;
	size_t		 len;

	/* A 7.0 master with one online replica, two databases, maxmemory set. */
	t = slurp("master-7.0.txt", &len);
	is_int(rds_info_parse(t, len, &in, &err), 0, "master fixture parses");
	is_str(in.version, "7.0.15", "version");
	is_str(in.role, "master", "role");
	is_str(in.mode, "standalone", "redis_mode");
	is_str(in.run_id, "e097a5fcae447775bbfcb69205493135676093b1", "run_id");
	is_int((long long)strlen(in.run_id), 40, "run_id has 40 hex digits");
	is_int(in.uptime_s, 7, "uptime");
	is_int(in.used_memory, 1113312, "used_memory");
	is_int(in.used_memory_peak, 1113312, "used_memory_peak");
	is_int(in.maxmemory, 104857600, "maxmemory");
	is_str(in.maxmemory_policy, "allkeys-lru", "maxmemory_policy");
	ok(in.frag_ratio > 6.47 && in.frag_ratio < 6.49, "fragmentation ratio 6.48 (got %g)", in.frag_ratio);
	is_int(in.connected_clients, 1, "connected clients");
	is_int(in.blocked_clients, 0, "blocked clients");
	is_int(in.ops_per_sec, 1, "ops/sec");
	ok(in.total_commands_processed > 50, "total_commands_processed counted (%lld)",
	    (long long)in.total_commands_processed);
	is_int(in.keyspace_hits, 1, "keyspace hits");
	is_int(in.keyspace_misses, 1, "keyspace misses");
	ok(rds_info_hit_ratio(&in) > 0.49 && rds_info_hit_ratio(&in) < 0.51, "hit ratio 0.5");
	is_int(in.evicted_keys, 0, "evicted");
	is_int(in.expired_keys, 0, "expired");
	is_int(in.rdb_changes_since_last_save, 52, "rdb changes since save");
	is_int(in.rdb_last_save_time, 1795773022, "last save time");
	is_str(in.rdb_last_bgsave_status, "ok", "bgsave status");
	is_int(in.aof_enabled, 0, "aof disabled");
	is_str(in.aof_last_write_status, "ok", "aof write status");
	is_int(in.connected_slaves, 1, "connected_slaves");
	is_int((long long)in.nslaves, 1, "one slave row");
	is_str(in.slaves[0].ip, "127.0.0.1", "slave ip");
	is_int(in.slaves[0].port, 46392, "slave port");
	is_str(in.slaves[0].state, "online", "slave state");
	is_int(in.slaves[0].offset, 1667, "slave offset");
	is_int(in.slaves[0].lag_s, 1, "slave lag");
	is_int(in.master_repl_offset, 1667, "master_repl_offset");
	is_int((long long)in.ndbs, 2, "two keyspace rows");
	is_int(in.dbs[0].db, 0, "db0 first");
	is_int(in.dbs[0].keys, 51, "db0 keys");
	is_int(in.dbs[0].expires, 1, "db0 expires");
	is_int(in.dbs[1].db, 3, "db3 second");
	is_int(in.total_keys, 52, "total keys");
	ok(in.used_cpu_sys >= 0, "cpu parsed");
	ok(rds_info_mem_ratio(&in) > 0.0105 && rds_info_mem_ratio(&in) < 0.0107, "memory ratio");
	is_str(in.master_link_status, "", "no link status on a master");
	is_int(in.master_port, -1, "no master_port on a master");
	free(t);

	/* The replica side: link status, master address, offsets. */
	t = slurp("replica-7.0.txt", &len);
	is_int(rds_info_parse(t, len, &in, &err), 0, "replica fixture parses");
	is_str(in.role, "slave", "replica role");
	is_str(in.master_host, "127.0.0.1", "master host");
	is_int(in.master_port, 46391, "master port");
	is_str(in.master_link_status, "up", "link up");
	is_int(in.master_last_io_s, 2, "last io");
	is_int(in.slave_repl_offset, 1667, "slave_repl_offset");
	is_int((long long)in.nslaves, 0, "no slave rows on a replica");
	is_int(in.maxmemory, 0, "maxmemory 0");
	ok(rds_info_mem_ratio(&in) < 0, "unbounded memory has no ratio");
	ok(rds_info_hit_ratio(&in) < 0, "no lookups: hit ratio unknown");
	free(t);

	/* An older server: fewer fields, error statuses, two replicas. */
	t = slurp("old-5.0.txt", &len);
	is_int(rds_info_parse(t, len, &in, &err), 0, "5.0 fixture parses");
	is_str(in.version, "5.0.14", "old version");
	is_str(in.rdb_last_bgsave_status, "err", "bgsave err");
	is_str(in.aof_last_write_status, "err", "aof err");
	is_int(in.aof_enabled, 1, "aof on");
	ok(in.frag_ratio > 0.84 && in.frag_ratio < 0.86, "frag < 1 (swapping)");
	is_int(in.used_memory, 2147483648LL, "64-bit memory values");
	is_int((long long)in.nslaves, 2, "two replicas");
	is_str(in.slaves[1].state, "wait_bgsave", "second replica state");
	is_int(in.slaves[1].lag_s, 12, "second replica lag");
	is_int(in.dbs[1].db, 15, "db15");
	is_int(in.total_keys, 1005, "total keys over dbs");
	ok(rds_info_hit_ratio(&in) > 0.899 && rds_info_hit_ratio(&in) < 0.901, "hit ratio 0.9");
	is_int(in.server_time_us, -1, "absent field stays unknown (-1)");
	is_int(in.maxclients, -1, "absent maxclients unknown");
	free(t);

	/* LF endings, unknown keys, junk lines and bad numbers are skipped. */
	t = slurp("odd-lf.txt", &len);
	is_int(rds_info_parse(t, len, &in, &err), 0, "odd fixture parses");
	is_str(in.version, "7.2.4", "version with LF endings");
	is_int(in.uptime_s, -1, "non-numeric uptime stays unknown");
	is_str(in.master_host, "::1", "IPv6 master host keeps its colons");
	is_int(in.master_link_down_since_s, 42, "link down since");
	is_int(in.dbs[0].db, 2, "db2 row");
	is_int(in.dbs[0].keys, 3, "db2 keys");
	free(t);

	/* errorstats: writes refused with OOM; keys with a TTL summed. */
	{
		static const char txt[] = "# Errorstats\r\n"
		    "errorstat_ERR:count=3\r\nerrorstat_OOM:count=17\r\n"
		    "# Keyspace\r\ndb0:keys=5,expires=0,avg_ttl=0\r\n"
		    "db3:keys=2,expires=2,avg_ttl=10\r\n";

		is_int(rds_info_parse(txt, sizeof(txt) - 1, &in, &err), 0,
		    "errorstats parse");
		is_int(in.errorstat_oom, 17, "errorstat_OOM count");
		is_int(in.total_expires, 2, "keys with a TTL over dbs");
	}

	/* A reply without the persistence section is not "loading". */
	t = slurp("missing-fields.txt", &len);
	is_int(rds_info_parse(t, len, &in, &err), 0, "reply with missing fields parses");
	is_int(in.loading, -1, "absent loading stays unknown");
	ok(!rds_info_loading(&in), "absent loading is not loading");
	is_int(in.aof_enabled, -1, "absent aof_enabled unknown");
	free(t);
	ok(rds_info_parse("loading:1\r\n", 11, &in, &err) == 0 && rds_info_loading(&in),
	    "loading:1 is loading");
	ok(rds_info_parse("loading:0\r\nrole:master\r\n", 24, &in, &err) == 0 &&
	    !rds_info_loading(&in), "loading:0 is not loading");
	ok(rds_info_parse("loading:yes\r\nrole:master\r\n", 26, &in, &err) == 0 &&
	    !rds_info_loading(&in), "junk loading value is not loading");

	/* Not INFO at all. */
	ok(rds_info_parse("hello world\r\n", 13, &in, &err) == -1, "junk is refused");
	is_int(err.code, MC_E_INPUT, "as MC_E_INPUT");
	like(err.msg, "not an INFO reply", "message says so: %s", err.msg);
	ok(rds_info_parse(NULL, 0, &in, &err) == -1, "NULL text is refused");
	ok(rds_info_parse("# Server\r\n", 10, &in, &err) == -1, "headers only is refused");
	/* A truncated reply (cut mid-line) keeps what it has. */
	ok(rds_info_parse("role:master\r\nused_memory:12", 27, &in, &err) == 0 &&
	    in.used_memory == 12, "truncated last line still parsed");
	/* A NUL inside a value does not turn it into its prefix (fuzz-rdsinfo). */
	ok(rds_info_parse("role:master\r\nused_memory:12\0" "34\r\n", 32, &in,
	    &err) == 0 && in.used_memory == -1,
	    "an integer value with a NUL byte is not a number");
	ok(rds_info_parse("role:master\r\nused_cpu_sys:1.5\0" "x\r\n", 33, &in,
	    &err) == 0 && in.used_cpu_sys == -1.0,
	    "a number value with a NUL byte is not a number");
	/* Counts near INT64_MAX saturate instead of overflowing (fuzz-rdsinfo). */
	t = "db0:keys=9223372036854775807,expires=0\r\n"
	    "db1:keys=5,expires=0\r\n"
	    "keyspace_hits:9223372036854775807\r\nkeyspace_misses:9\r\n";
	ok(rds_info_parse(t, strlen(t), &in, &err) == 0 &&
	    in.total_keys == INT64_MAX, "total_keys saturates at INT64_MAX");
	ok(rds_info_hit_ratio(&in) > 0.99 && rds_info_hit_ratio(&in) <= 1.0,
	    "hit ratio of huge counters is computed without overflow");
	return (done_testing());
}
