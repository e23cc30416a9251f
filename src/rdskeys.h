/*
 * rdskeys.h - what a Redis keyspace holds, without KEYS: the keys and
 * expiring keys per database (INFO keyspace), then a bounded sample by SCAN
 * (COUNT 100 a step, at most `samples` keys, stopped early by a flag
 * between steps) with TYPE, PTTL and MEMORY USAGE of each sampled key in
 * one pipelined batch a step (and OBJECT FREQ under an LFU policy, the only
 * way to tell hot keys, as redis-cli --hotkeys says too): memory by type,
 * the biggest keys, the hottest, the share with a TTL and expiring within a
 * minute; and MEMORY DOCTOR and LATENCY DOCTOR text. Single nodes (and a
 * Sentinel-managed master); a Redis Cluster is refused (SCAN is per node).
 * Used by `mcpdb redis keyspace` and `mcpdb redis doctor`.
 */
#ifndef MCPDB_RDSKEYS_H
#define MCPDB_RDSKEYS_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>

#include "err.h"
#include "out.h"
#include "rds.h"
#include "rds-info.h"

#define RDSKEYS_TOP	10	/* biggest and hottest keys kept */
#define RDSKEYS_TYPES	8

/* One sampled key. */
struct rdskeys_key {
	char		*name;		/* escaped for display (esc.h) */
	char		 type[16];
	long long	 mem;		/* MEMORY USAGE bytes, -1 unknown */
	long long	 pttl;		/* ms, -1 no TTL */
	int		 freq;		/* OBJECT FREQ (LFU), -1 unknown */
};

/* Sampled keys of one type. */
struct rdskeys_type {
	char		 type[16];
	long long	 n;
	long long	 mem;
};

struct rdskeys {
	struct rds_info		 info;		/* keyspace and memory sections */
	bool			 lfu;		/* maxmemory-policy is an LFU one */
	long long		 sampled;
	long long		 scan_steps;
	bool			 complete;	/* SCAN went round the whole database */
	bool			 stopped;	/* the stop flag ended it early */
	long long		 with_ttl;	/* sampled keys with a TTL */
	long long		 expiring;	/* ... expiring within a minute */
	long long		 mem;		/* MEMORY USAGE of the sampled keys */
	struct rdskeys_type	 types[RDSKEYS_TYPES];
	size_t			 ntypes;
	struct rdskeys_key	 big[RDSKEYS_TOP];
	size_t			 nbig;
	struct rdskeys_key	 hot[RDSKEYS_TOP];
	size_t			 nhot;
	double			 secs;
};

/*
 * Sample at most samples keys of r's database (stop may be NULL). Caller
 * frees. NULL with err (MC_E_REFUSED for a cluster).
 */
struct rdskeys *rdskeys_read(struct rds *, long samples, volatile sig_atomic_t *stop,
	    struct mc_err *);
void	rdskeys_free(struct rdskeys *);
/* Keep key k (mem, freq) among the top n of tops by field (mem or freq). Pure. */
void	rdskeys_top(struct rdskeys_key *tops, size_t *n, const struct rdskeys_key *k,
	    bool by_freq);

/* The sections as tables. Caller frees. */
struct table *rdskeys_db_table(const struct rdskeys *);
struct table *rdskeys_type_table(const struct rdskeys *);
struct table *rdskeys_big_table(const struct rdskeys *, bool hot);
/* One summary line of the sample ("1,000 keys sampled in 12 steps ..."). Caller frees. */
char	*rdskeys_summary(const struct rdskeys *);
cJSON	*rdskeys_to_json(const struct rdskeys *);

/* MEMORY DOCTOR and LATENCY DOCTOR texts. Caller frees both. */
int	rdskeys_doctor(struct rds *, char **memory, char **latency, struct mc_err *);

#endif
