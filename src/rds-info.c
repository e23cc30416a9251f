/*
 * rds-info.c - INFO text to struct rds_info. One table maps INFO keys to
 * struct fields; the comma-separated rows (dbN, slaveN) have their own
 * small parsers. Nothing here allocates.
 */
#include "config.h"

#include "rds-info.h"

#include <stdbool.h>
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

enum rds_info_kind { RIK_I64, RIK_DBL, RIK_STR };

struct rds_info_field {
	const char		*key;
	enum rds_info_kind	 kind;
	size_t			 off;
	size_t			 size;		/* RIK_STR: buffer size */
};

#define I64(k, f)	{ k, RIK_I64, offsetof(struct rds_info, f), 0 }
#define DBL(k, f)	{ k, RIK_DBL, offsetof(struct rds_info, f), 0 }
#define STR(k, f)	{ k, RIK_STR, offsetof(struct rds_info, f), \
			    sizeof(((struct rds_info *)0)->f) }

static const struct rds_info_field rds_info_fields[] = {
	STR("redis_version", version),
	STR("redis_mode", mode),
	STR("run_id", run_id),
	I64("uptime_in_seconds", uptime_s),
	I64("server_time_usec", server_time_us),
	I64("connected_clients", connected_clients),
	I64("blocked_clients", blocked_clients),
	I64("maxclients", maxclients),
	I64("used_memory", used_memory),
	I64("used_memory_rss", used_memory_rss),
	I64("used_memory_peak", used_memory_peak),
	I64("maxmemory", maxmemory),
	I64("total_system_memory", total_system_memory),
	STR("maxmemory_policy", maxmemory_policy),
	DBL("mem_fragmentation_ratio", frag_ratio),
	I64("loading", loading),
	I64("rdb_changes_since_last_save", rdb_changes_since_last_save),
	I64("rdb_last_save_time", rdb_last_save_time),
	I64("rdb_bgsave_in_progress", rdb_bgsave_in_progress),
	STR("rdb_last_bgsave_status", rdb_last_bgsave_status),
	I64("aof_enabled", aof_enabled),
	I64("aof_rewrite_in_progress", aof_rewrite_in_progress),
	STR("aof_last_write_status", aof_last_write_status),
	I64("instantaneous_ops_per_sec", ops_per_sec),
	I64("total_commands_processed", total_commands_processed),
	I64("total_connections_received", total_connections_received),
	I64("rejected_connections", rejected_connections),
	I64("keyspace_hits", keyspace_hits),
	I64("keyspace_misses", keyspace_misses),
	I64("expired_keys", expired_keys),
	I64("evicted_keys", evicted_keys),
	I64("total_error_replies", total_error_replies),
	STR("role", role),
	STR("master_host", master_host),
	I64("master_port", master_port),
	STR("master_link_status", master_link_status),
	I64("master_last_io_seconds_ago", master_last_io_s),
	I64("master_link_down_since_seconds", master_link_down_since_s),
	I64("master_sync_in_progress", master_sync_in_progress),
	I64("slave_repl_offset", slave_repl_offset),
	I64("master_repl_offset", master_repl_offset),
	I64("connected_slaves", connected_slaves),
	DBL("used_cpu_sys", used_cpu_sys),
	DBL("used_cpu_user", used_cpu_user),
};

/* Parse a whole-string signed integer from [s, s+len); false on junk. */
static bool
rds_info_i64(const char *s, size_t len, int64_t *out)
{
	char		tmp[32], *end;
	long long	v;

	/* a NUL inside would make strtoll stop early and take a prefix */
	if (len == 0 || len >= sizeof(tmp) || memchr(s, '\0', len) != NULL)
		return (false);
	memcpy(tmp, s, len);
	tmp[len] = '\0';
	errno = 0;
	v = strtoll(tmp, &end, 10);
	if (errno != 0 || *end != '\0')
		return (false);
	*out = v;
	return (true);
}

/* Parse a whole-string double from [s, s+len); false on junk. */
static bool
rds_info_dbl(const char *s, size_t len, double *out)
{
	char	tmp[48], *end;
	double	v;

	if (len == 0 || len >= sizeof(tmp) || memchr(s, '\0', len) != NULL)
		return (false);
	memcpy(tmp, s, len);
	tmp[len] = '\0';
	errno = 0;
	v = strtod(tmp, &end);
	if (errno != 0 || *end != '\0')
		return (false);
	*out = v;
	return (true);
}

/* Copy [s, s+len) into a buffer of size n, truncating. */
static void
rds_info_str(char *dst, size_t n, const char *s, size_t len)
{
	if (len >= n)
		len = n - 1;
	memcpy(dst, s, len);
	dst[len] = '\0';
}

/*
 * Find "name=" in a comma-separated k=v list and return a pointer to its
 * value and its length, or NULL.
 */
static const char *
rds_info_kv(const char *v, size_t vlen, const char *name, size_t *len)
{
	size_t		nlen = strlen(name);
	const char	*p = v, *end = v + vlen, *comma;

	while (p < end) {
		comma = memchr(p, ',', (size_t)(end - p));
		if (comma == NULL)
			comma = end;
		if ((size_t)(comma - p) > nlen && memcmp(p, name, nlen) == 0 &&
		    p[nlen] == '=') {
			*len = (size_t)(comma - p) - nlen - 1;
			return (p + nlen + 1);
		}
		p = comma + 1;
	}
	return (NULL);
}

/* Integer field "name" of a k=v list, or -1 when absent/bad. */
static int64_t
rds_info_kv_i64(const char *v, size_t vlen, const char *name)
{
	const char	*s;
	size_t		 len;
	int64_t		 x;

	s = rds_info_kv(v, vlen, name, &len);
	if (s == NULL || !rds_info_i64(s, len, &x))
		return (-1);
	return (x);
}

/* "dbN:keys=..": append a keyspace row. True if the key was a dbN. */
static bool
rds_info_db_row(struct rds_info *in, const char *k, size_t klen,
    const char *v, size_t vlen)
{
	int64_t			 n;
	struct rds_info_db	*d;

	if (klen < 3 || memcmp(k, "db", 2) != 0 || !rds_info_i64(k + 2, klen - 2, &n) ||
	    n < 0)
		return (false);
	if (in->ndbs >= RDS_INFO_MAXDB)
		return (true);
	d = &in->dbs[in->ndbs];
	d->db = (int)n;
	d->keys = rds_info_kv_i64(v, vlen, "keys");
	d->expires = rds_info_kv_i64(v, vlen, "expires");
	d->avg_ttl_ms = rds_info_kv_i64(v, vlen, "avg_ttl");
	if (d->keys < 0)
		return (true);	/* not a keyspace row after all: skip it */
	in->ndbs++;
	/* saturate: a sum past INT64_MAX would be undefined behaviour */
	in->total_keys = d->keys > INT64_MAX - in->total_keys ? INT64_MAX :
	    in->total_keys + d->keys;
	if (d->expires > 0)
		in->total_expires = d->expires > INT64_MAX - in->total_expires ?
		    INT64_MAX : in->total_expires + d->expires;
	return (true);
}

/* "slaveN:ip=..": append a replica row. True if the key was a slaveN. */
static bool
rds_info_slave_row(struct rds_info *in, const char *k, size_t klen,
    const char *v, size_t vlen)
{
	int64_t			 n;
	struct rds_info_slave	*s;
	const char		*p;
	size_t			 len;

	if (klen < 6 || memcmp(k, "slave", 5) != 0 || !rds_info_i64(k + 5, klen - 5, &n))
		return (false);
	if (in->nslaves >= RDS_INFO_MAXSLAVES)
		return (true);
	s = &in->slaves[in->nslaves];
	memset(s, 0, sizeof(*s));
	if ((p = rds_info_kv(v, vlen, "ip", &len)) != NULL)
		rds_info_str(s->ip, sizeof(s->ip), p, len);
	if ((p = rds_info_kv(v, vlen, "state", &len)) != NULL)
		rds_info_str(s->state, sizeof(s->state), p, len);
	s->port = (int)rds_info_kv_i64(v, vlen, "port");
	s->offset = rds_info_kv_i64(v, vlen, "offset");
	s->lag_s = rds_info_kv_i64(v, vlen, "lag");
	in->nslaves++;
	return (true);
}

/* Store one key:value pair if the key is known. */
static void
rds_info_pair(struct rds_info *in, const char *k, size_t klen, const char *v,
    size_t vlen)
{
	size_t				 i;
	const struct rds_info_field	*f;
	char				*base = (char *)in;

	for (i = 0; i < sizeof(rds_info_fields) / sizeof(rds_info_fields[0]); i++) {
		f = &rds_info_fields[i];
		if (strlen(f->key) != klen || memcmp(f->key, k, klen) != 0)
			continue;
		switch (f->kind) {
		case RIK_I64:
			if (rds_info_i64(v, vlen, (int64_t *)(void *)(base + f->off)))
				in->nfields++;
			break;
		case RIK_DBL:
			if (rds_info_dbl(v, vlen, (double *)(void *)(base + f->off)))
				in->nfields++;
			break;
		case RIK_STR:
			rds_info_str(base + f->off, f->size, v, vlen);
			in->nfields++;
			break;
		}
		return;
	}
	if (klen == 13 && memcmp(k, "errorstat_OOM", 13) == 0) {
		in->errorstat_oom = rds_info_kv_i64(v, vlen, "count");
		in->nfields++;
		return;
	}
	if (rds_info_db_row(in, k, klen, v, vlen) ||
	    rds_info_slave_row(in, k, klen, v, vlen))
		in->nfields++;
}

/* Set every field to "unknown". */
void
rds_info_init(struct rds_info *in)
{
	size_t				 i;
	const struct rds_info_field	*f;
	char				*base = (char *)in;

	memset(in, 0, sizeof(*in));
	for (i = 0; i < sizeof(rds_info_fields) / sizeof(rds_info_fields[0]); i++) {
		f = &rds_info_fields[i];
		if (f->kind == RIK_I64)
			*(int64_t *)(void *)(base + f->off) = -1;
		else if (f->kind == RIK_DBL)
			*(double *)(void *)(base + f->off) = -1.0;
	}
}

/* Split text into lines, skip headers and junk, and store known pairs. */
int
rds_info_parse(const char *text, size_t len, struct rds_info *out,
    struct mc_err *err)
{
	const char	*p = text, *end = text + len, *nl, *colon;
	size_t		 llen;

	rds_info_init(out);
	while (text != NULL && p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL)
			nl = end;
		llen = (size_t)(nl - p);
		if (llen > 0 && p[llen - 1] == '\r')
			llen--;
		if (llen > 0 && p[0] != '#' &&
		    (colon = memchr(p, ':', llen)) != NULL && colon > p)
			rds_info_pair(out, p, (size_t)(colon - p), colon + 1,
			    llen - (size_t)(colon - p) - 1);
		p = nl + 1;
	}
	if (out->nfields == 0)
		return (mc_err_set(err, MC_E_INPUT,
		    "not an INFO reply: no known \"key:value\" line in %zu bytes", len));
	return (0);
}

/* Only "loading:1" means loading; absent (-1), 0 or junk does not. */
bool
rds_info_loading(const struct rds_info *in)
{
	return (in->loading == 1);
}

/* hits / (hits + misses), or -1. */
double
rds_info_hit_ratio(const struct rds_info *in)
{
	if (in->keyspace_hits < 0 || in->keyspace_misses < 0 ||
	    (in->keyspace_hits == 0 && in->keyspace_misses == 0))
		return (-1.0);
	/* in double: the int64 sum could overflow */
	return ((double)in->keyspace_hits /
	    ((double)in->keyspace_hits + (double)in->keyspace_misses));
}

/* used / maxmemory, or -1 when unbounded. */
double
rds_info_mem_ratio(const struct rds_info *in)
{
	if (in->used_memory < 0 || in->maxmemory <= 0)
		return (-1.0);
	return ((double)in->used_memory / (double)in->maxmemory);
}
