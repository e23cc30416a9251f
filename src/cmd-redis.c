/*
 * cmd-redis.c - `mcpdb redis ...`: ping, info [SECTION], get, set [--ttl],
 * del, publish and subscribe, for operators. Every command goes through the
 * connection manager's Redis client (timeouts, reconnects, breaker), so a
 * dead or frozen server gives a clear one-line error instead of a hang.
 * JSON mode prints exactly one document per command; `subscribe` collects
 * the messages it received into that document when it stops.
 */
#include "config.h"

#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "cmd.h"
#include "conn.h"
#include "rds-cluster.h"
#include "rds.h"
#include "xmem.h"

/* The selected target's Redis client (borrowed from the connection manager). */
static struct rds *
cmd_redis_client(struct cmd_ctx *ctx, struct mc_err *err)
{
	struct conn	*c;
	struct rds	*r;

	if ((c = cmd_conn(ctx, err)) == NULL)
		return (NULL);
	if ((r = conn_rds(c, err)) == NULL)
		return (NULL);
	return (r);
}

/* The endpoint in use right now ("127.0.0.1:6379 via sentinel ..."). Caller frees. */
static char *
cmd_redis_endpoint(struct rds *r)
{
	struct rds_stats	*st = rds_stats(r);
	char			*s = xstrdup(st->endpoint);

	rds_stats_free(st);
	return (s);
}

/* A JSON string from len bytes (binary-safe up to the first NUL). */
static cJSON *
cmd_redis_jstr(const char *s, size_t len)
{
	char	*tmp = xstrndup(s, len);
	cJSON	*j = cJSON_CreateString(tmp);

	free(tmp);
	return (j);
}

/* ---------------------------------------------------------------- ping */

/* redis ping: round trip to the server. */
static int
cmd_redis_ping_exec(struct cmd_ctx *ctx, const struct cmd_args *a, struct mc_err *err)
{
	struct rds	*r;
	int64_t		 rtt;
	char		*ep;
	cJSON		*doc;

	if ((r = cmd_redis_client(ctx, err)) == NULL)
		return (-1);
	if (rds_ping(r, &rtt, err) == -1)
		return (-1);
	ep = cmd_redis_endpoint(r);
	if (ctx->json) {
		doc = cJSON_CreateObject();
		cJSON_AddStringToObject(doc, "target", ctx->target->name);
		cJSON_AddStringToObject(doc, "endpoint", ep);
		cJSON_AddStringToObject(doc, "reply", "PONG");
		cJSON_AddNumberToObject(doc, "rtt_ms", (double)rtt / 1000.0);
		out_doc(ctx->out, doc);
	} else
		out_printf(ctx->out, "PONG from %s in %.2f ms\n", ep, (double)rtt / 1000.0);
	free(ep);
	return (0);
}

/* ---------------------------------------------------------------- info */

/* Bytes as "1.5 GiB". */
static void
cmd_redis_bytes(int64_t n, char *out, size_t len)
{
	static const char *const unit[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	double	v = (double)n;
	int	u = 0;

	if (n < 0) {
		snprintf(out, len, "?");
		return;
	}
	while (v >= 1024 && u < 4) {
		v /= 1024;
		u++;
	}
	snprintf(out, len, u ? "%.1f %s" : "%.0f %s", v, unit[u]);
}

/* Seconds as "3d 4h", "5m 2s". */
static void
cmd_redis_age(int64_t s, char *out, size_t len)
{
	if (s < 0)
		snprintf(out, len, "?");
	else if (s >= 86400)
		snprintf(out, len, "%lldd %lldh", (long long)(s / 86400), (long long)(s % 86400 / 3600));
	else if (s >= 3600)
		snprintf(out, len, "%lldh %lldm", (long long)(s / 3600), (long long)(s % 3600 / 60));
	else if (s >= 60)
		snprintf(out, len, "%lldm %llds", (long long)(s / 60), (long long)(s % 60));
	else
		snprintf(out, len, "%llds", (long long)s);
}

/* The parsed INFO as a JSON object (unknown fields omitted). */
static cJSON *
cmd_redis_info_json(const struct rds_info *i)
{
	cJSON	*o = cJSON_CreateObject(), *arr;
	size_t	 k;

#define JS(name, v)	do { if ((v)[0] != '\0') cJSON_AddStringToObject(o, name, v); } while (0)
#define JN(name, v)	do { if ((v) >= 0) cJSON_AddNumberToObject(o, name, (double)(v)); } while (0)
	JS("role", i->role);
	JS("version", i->version);
	JS("mode", i->mode);
	JS("run_id", i->run_id);
	JN("uptime_s", i->uptime_s);
	JN("used_memory", i->used_memory);
	JN("used_memory_rss", i->used_memory_rss);
	JN("used_memory_peak", i->used_memory_peak);
	JN("maxmemory", i->maxmemory);
	JS("maxmemory_policy", i->maxmemory_policy);
	JN("mem_fragmentation_ratio", i->frag_ratio);
	JN("connected_clients", i->connected_clients);
	JN("blocked_clients", i->blocked_clients);
	JN("ops_per_sec", i->ops_per_sec);
	JN("total_commands_processed", i->total_commands_processed);
	JN("keyspace_hits", i->keyspace_hits);
	JN("keyspace_misses", i->keyspace_misses);
	JN("hit_ratio", rds_info_hit_ratio(i));
	JN("evicted_keys", i->evicted_keys);
	JN("expired_keys", i->expired_keys);
	JS("rdb_last_bgsave_status", i->rdb_last_bgsave_status);
	JN("rdb_changes_since_last_save", i->rdb_changes_since_last_save);
	JN("rdb_last_save_time", i->rdb_last_save_time);
	JN("aof_enabled", i->aof_enabled);
	JS("aof_last_write_status", i->aof_last_write_status);
	JS("master_host", i->master_host);
	JN("master_port", i->master_port);
	JS("master_link_status", i->master_link_status);
	JN("master_repl_offset", i->master_repl_offset);
	JN("slave_repl_offset", i->slave_repl_offset);
	JN("connected_slaves", i->connected_slaves);
#undef JS
#undef JN
	arr = cJSON_AddArrayToObject(o, "replicas");
	for (k = 0; k < i->nslaves; k++) {
		cJSON	*s = cJSON_CreateObject();

		cJSON_AddStringToObject(s, "ip", i->slaves[k].ip);
		cJSON_AddNumberToObject(s, "port", i->slaves[k].port);
		cJSON_AddStringToObject(s, "state", i->slaves[k].state);
		cJSON_AddNumberToObject(s, "offset", (double)i->slaves[k].offset);
		cJSON_AddNumberToObject(s, "lag_s", (double)i->slaves[k].lag_s);
		cJSON_AddItemToArray(arr, s);
	}
	arr = cJSON_AddArrayToObject(o, "keyspace");
	for (k = 0; k < i->ndbs; k++) {
		cJSON	*d = cJSON_CreateObject();

		cJSON_AddNumberToObject(d, "db", i->dbs[k].db);
		cJSON_AddNumberToObject(d, "keys", (double)i->dbs[k].keys);
		cJSON_AddNumberToObject(d, "expires", (double)i->dbs[k].expires);
		cJSON_AddItemToArray(arr, d);
	}
	return (o);
}

/* Print the operator's summary of one health sample. */
static void
cmd_redis_info_table(struct cmd_ctx *ctx, const char *ep, const struct rds_health *h)
{
	const struct rds_info	*i = &h->info;
	struct table		*tb = table_new(NULL, 2, "field", "value");
	char			 a[64], b[64], c[64], v[256];
	struct buf		 dbs;
	size_t			 k;
	double			 hr = rds_info_hit_ratio(i), mr = rds_info_mem_ratio(i);

	table_add(tb, "endpoint", ep);
	snprintf(v, sizeof(v), "%s%s%s", i->role, i->mode[0] ? ", " : "", i->mode);
	table_add(tb, "role", v);
	cmd_redis_age(i->uptime_s, a, sizeof(a));
	snprintf(v, sizeof(v), "%s (up %s)", i->version, a);
	table_add(tb, "version", v);
	snprintf(v, sizeof(v), "%.2f ms", (double)h->rtt_us / 1000.0);
	table_add(tb, "ping", v);
	cmd_redis_bytes(i->used_memory, a, sizeof(a));
	cmd_redis_bytes(i->used_memory_peak, b, sizeof(b));
	if (mr >= 0) {
		cmd_redis_bytes(i->maxmemory, c, sizeof(c));
		snprintf(v, sizeof(v), "%s of %s (%.0f%%), peak %s, policy %s", a, c,
		    mr * 100, b, i->maxmemory_policy);
	} else
		snprintf(v, sizeof(v), "%s (no maxmemory), peak %s, policy %s", a, b,
		    i->maxmemory_policy);
	table_add(tb, "memory", v);
	snprintf(v, sizeof(v), "%.2f", i->frag_ratio);
	table_add(tb, "fragmentation", i->frag_ratio >= 0 ? v : "?");
	snprintf(v, sizeof(v), "%lld connected, %lld blocked",
	    (long long)i->connected_clients, (long long)i->blocked_clients);
	table_add(tb, "clients", v);
	snprintf(v, sizeof(v), "%lld ops/s, %lld commands total", (long long)i->ops_per_sec,
	    (long long)i->total_commands_processed);
	table_add(tb, "throughput", v);
	if (hr >= 0)
		snprintf(v, sizeof(v), "%.1f%% (%lld hits, %lld misses)", hr * 100,
		    (long long)i->keyspace_hits, (long long)i->keyspace_misses);
	else
		snprintf(v, sizeof(v), "n/a (no lookups yet)");
	table_add(tb, "hit ratio", v);
	snprintf(v, sizeof(v), "%lld evicted, %lld expired", (long long)i->evicted_keys,
	    (long long)i->expired_keys);
	table_add(tb, "evictions", v);
	buf_init(&dbs);
	for (k = 0; k < i->ndbs; k++)
		buf_printf(&dbs, "%sdb%d=%lld", k ? " " : "", i->dbs[k].db,
		    (long long)i->dbs[k].keys);
	table_add(tb, "keys", i->ndbs ? dbs.data : "none");
	buf_done(&dbs);
	if (i->rdb_last_save_time > 0 && i->server_time_us > 0)
		cmd_redis_age(i->server_time_us / 1000000 - i->rdb_last_save_time, a, sizeof(a));
	else
		snprintf(a, sizeof(a), "?");
	snprintf(v, sizeof(v), "last bgsave %s, %lld changes unsaved, last save %s ago",
	    i->rdb_last_bgsave_status[0] ? i->rdb_last_bgsave_status : "?",
	    (long long)i->rdb_changes_since_last_save, a);
	table_add(tb, "rdb", v);
	if (i->aof_enabled > 0)
		snprintf(v, sizeof(v), "on, last write %s", i->aof_last_write_status);
	else
		snprintf(v, sizeof(v), "%s", i->aof_enabled == 0 ? "off" : "?");
	table_add(tb, "aof", v);
	if (strcmp(i->role, "slave") == 0) {
		snprintf(v, sizeof(v), "master %s:%lld, link %s, offset %lld", i->master_host,
		    (long long)i->master_port, i->master_link_status,
		    (long long)i->slave_repl_offset);
		table_add(tb, "replication", v);
	} else {
		snprintf(v, sizeof(v), "%lld replicas, offset %lld",
		    (long long)(i->connected_slaves >= 0 ? i->connected_slaves : 0),
		    (long long)i->master_repl_offset);
		table_add(tb, "replication", v);
		for (k = 0; k < i->nslaves; k++) {
			snprintf(a, sizeof(a), "replica %zu", k);
			snprintf(v, sizeof(v), "%s:%d %s, %lld bytes behind, lag %lld s",
			    i->slaves[k].ip, i->slaves[k].port, i->slaves[k].state,
			    (long long)(i->master_repl_offset - i->slaves[k].offset),
			    (long long)i->slaves[k].lag_s);
			table_add(tb, a, v);
		}
	}
	out_table(ctx->out, tb);
	table_free(tb);
}

/* One INFO section's "key:value" lines as a JSON object (numbers as numbers). */
static cJSON *
cmd_redis_section_json(const char *text)
{
	cJSON		*doc = cJSON_CreateObject(), *sec = NULL;
	const char	*p = text, *nl, *colon;
	char		*line, *end;
	double		 d;

	while (*p != '\0') {
		nl = strchr(p, '\n');
		line = nl ? xstrndup(p, (size_t)(nl - p)) : xstrdup(p);
		line[strcspn(line, "\r")] = '\0';
		if (line[0] == '#') {
			const char *name = line + 1 + strspn(line + 1, " ");
			char	   *low = xstrdup(name), *q;

			for (q = low; *q; q++)
				*q = (char)(*q >= 'A' && *q <= 'Z' ? *q + 32 : *q);
			sec = cJSON_AddObjectToObject(doc, low);
			free(low);
		} else if ((colon = strchr(line, ':')) != NULL && colon > line) {
			char	*k = xstrndup(line, (size_t)(colon - line));

			if (sec == NULL)
				sec = cJSON_AddObjectToObject(doc, "info");
			d = strtod(colon + 1, &end);
			if (colon[1] != '\0' && *end == '\0')
				cJSON_AddNumberToObject(sec, k, d);
			else
				cJSON_AddStringToObject(sec, k, colon + 1);
			free(k);
		}
		free(line);
		if (nl == NULL)
			break;
		p = nl + 1;
	}
	return (doc);
}

/* redis info on a cluster: the cluster view (state, slots, one row per node). */
static int
cmd_redis_info_cluster(struct cmd_ctx *ctx, struct rds *r, struct mc_err *err)
{
	struct rds_cluster_view	*v = xcalloc(1, sizeof(*v));
	struct table		*tb;
	char			*ep, *sum;
	cJSON			*doc;

	if (rds_cluster_describe(r, v, err) == -1) {
		free(v);
		return (-1);
	}
	ep = cmd_redis_endpoint(r);
	if (ctx->json) {
		doc = cJSON_CreateObject();
		cJSON_AddStringToObject(doc, "target", ctx->target->name);
		cJSON_AddStringToObject(doc, "endpoint", ep);
		cJSON_AddItemToObject(doc, "cluster", rds_cluster_view_json(v));
		out_doc(ctx->out, doc);
	} else {
		sum = rds_cluster_view_summary(v);
		tb = rds_cluster_view_table(v);
		out_printf(ctx->out, "%s\n", sum);
		out_table(ctx->out, tb);
		table_free(tb);
		free(sum);
	}
	free(ep);
	free(v);
	return (0);
}

/* redis info [SECTION]: the operator's summary, or one raw section. */
static int
cmd_redis_info_exec(struct cmd_ctx *ctx, const struct cmd_args *a, struct mc_err *err)
{
	struct rds		*r;
	struct rds_health	 h;
	const char		*section = cmd_nargs(a) > 0 ? cmd_arg(a, 0) : NULL;
	char			*ep, *text, *p, *nl;
	size_t			 n;
	cJSON			*doc;

	if ((r = cmd_redis_client(ctx, err)) == NULL)
		return (-1);
	if (section != NULL) {
		if ((text = rds_info_text(r, section, err)) == NULL)
			return (-1);
		if (text[0] == '\0') {
			free(text);
			return (mc_err_set(err, MC_E_NOTFOUND, "redis: INFO has no section "
			    "\"%s\" (try server, clients, memory, persistence, stats, "
			    "replication, cpu, keyspace, commandstats, all)", section));
		}
		if (ctx->json)
			out_doc(ctx->out, cmd_redis_section_json(text));
		else {
			for (p = text; *p != '\0'; p = nl + 1) {	/* lines, CRLF -> LF */
				if ((nl = strchr(p, '\n')) == NULL)
					nl = p + strlen(p);
				n = (size_t)(nl - p);
				if (n > 0 && p[n - 1] == '\r')
					n--;
				out_value(ctx->out, p, n);
				out_printf(ctx->out, "\n");
				if (*nl == '\0')
					break;
			}
		}
		free(text);
		return (0);
	}
	if (rds_is_cluster(r))
		return (cmd_redis_info_cluster(ctx, r, err));
	if (rds_health(r, &h, err) == -1)
		return (-1);
	ep = cmd_redis_endpoint(r);
	if (ctx->json) {
		doc = cJSON_CreateObject();
		cJSON_AddStringToObject(doc, "target", ctx->target->name);
		cJSON_AddStringToObject(doc, "endpoint", ep);
		cJSON_AddNumberToObject(doc, "rtt_ms", (double)h.rtt_us / 1000.0);
		cJSON_AddItemToObject(doc, "info", cmd_redis_info_json(&h.info));
		out_doc(ctx->out, doc);
	} else
		cmd_redis_info_table(ctx, ep, &h);
	free(ep);
	return (0);
}

/* ---------------------------------------------------------------- get/set/del */

/* Bytes of a value shown unless --max-bytes says otherwise (1 MiB). */
#define CMD_REDIS_MAX_BYTES	1048576L

static const struct cmd_opt cmd_redis_get_opts[] = {
	{ "max-bytes", 0, "N", "show at most N bytes of the value (default 1048576; 0: all of it)", CC_NONE },
	{ NULL, 0, NULL, NULL, CC_NONE },
};

/* An error reply to a read of key as "redis key "K": MESSAGE". */
static int
cmd_redis_key_err(const char *key, const struct rds_reply *rep, struct mc_err *err)
{
	return (mc_err_set(err, MC_E_REDIS, "redis key \"%.80s\": %.*s", key,
	    (int)(rep->len > 160 ? 160 : rep->len), rep->str != NULL ? rep->str : "error"));
}

/* True for an ACL refusal ("NOPERM ..."): the user may GET but not STRLEN. */
static bool
cmd_redis_noperm(const struct rds_reply *rep)
{
	return (rep->type == RDS_ERROR && rep->str != NULL &&
	    strncmp(rep->str, "NOPERM", 6) == 0);
}

/*
 * The first max bytes of key's value (STRLEN, GETRANGE and EXISTS in one
 * round trip), so a huge value is never transferred: *val (caller frees),
 * *len the bytes fetched, *total the value's size. MC_E_NOTFOUND when the
 * key does not exist. A user whose ACL allows GET but not those commands
 * gets a plain GET, cut to max bytes here.
 */
static int
cmd_redis_get_head(struct rds *r, const char *key, long max, char **val,
    size_t *len, long long *total, struct mc_err *err)
{
	struct rds_pipe		*p = rds_pipe_new(r);
	const struct rds_reply	*rl, *rg, *re;
	char			 last[32];
	int			 rc = -1;

	snprintf(last, sizeof(last), "%ld", max - 1);
	rds_pipe_add(p, 2, (const char *[]){ "STRLEN", key }, NULL);
	rds_pipe_add(p, 4, (const char *[]){ "GETRANGE", key, "0", last }, NULL);
	rds_pipe_add(p, 2, (const char *[]){ "EXISTS", key }, NULL);
	if (rds_pipe_exec(p, NULL, err) == -1)
		goto out;
	rl = rds_pipe_reply(p, 0);
	rg = rds_pipe_reply(p, 1);
	re = rds_pipe_reply(p, 2);
	if (cmd_redis_noperm(rl) || cmd_redis_noperm(rg) || cmd_redis_noperm(re)) {
		rds_pipe_free(p);
		if (rds_get(r, key, val, len, err) == -1)
			return (-1);
		*total = (long long)*len;
		if (*len > (size_t)max)
			*len = (size_t)max;
		return (0);
	}
	if (rl->type == RDS_ERROR || rg->type == RDS_ERROR) {
		cmd_redis_key_err(key, rl->type == RDS_ERROR ? rl : rg, err);
		goto out;
	}
	if (re->type == RDS_INTEGER && re->integer == 0 &&
	    (rl->type != RDS_INTEGER || rl->integer == 0)) {
		mc_err_set(err, MC_E_NOTFOUND, "redis key \"%.80s\" does not exist", key);
		goto out;
	}
	if (rl->type != RDS_INTEGER || rg->type != RDS_STRING) {
		mc_err_set(err, MC_E_REDIS, "redis key \"%.80s\": GETRANGE: unexpected reply", key);
		goto out;
	}
	*val = xmalloc(rg->len + 1);
	memcpy(*val, rg->str, rg->len);
	(*val)[rg->len] = '\0';
	*len = rg->len;
	*total = rl->integer > (long long)rg->len ? rl->integer : (long long)rg->len;
	rc = 0;
out:
	rds_pipe_free(p);
	return (rc);
}

/* redis get KEY [--max-bytes N]: the value, at most N bytes of it shown. */
static int
cmd_redis_get_exec(struct cmd_ctx *ctx, const struct cmd_args *a, struct mc_err *err)
{
	struct rds	*r;
	const char	*key = cmd_arg(a, 0);
	char		*v = NULL;
	size_t		 len;
	long long	 total;
	long		 max;
	bool		 cut;
	cJSON		*doc;

	if (cmd_opt_int(a, "max-bytes", CMD_REDIS_MAX_BYTES, 0, LONG_MAX, &max, err) == -1)
		return (-1);
	if ((r = cmd_redis_client(ctx, err)) == NULL)
		return (-1);
	if (max == 0) {
		if (rds_get(r, key, &v, &len, err) == -1)
			return (-1);
		total = (long long)len;
	} else if (cmd_redis_get_head(r, key, max, &v, &len, &total, err) == -1)
		return (-1);
	cut = total > (long long)len;
	if (ctx->json) {
		doc = cJSON_CreateObject();
		cJSON_AddStringToObject(doc, "key", key);
		cJSON_AddItemToObject(doc, "value", cmd_redis_jstr(v, len));
		cJSON_AddNumberToObject(doc, "bytes", (double)total);
		if (cut) {
			cJSON_AddBoolToObject(doc, "truncated", 1);
			cJSON_AddNumberToObject(doc, "shown_bytes", (double)len);
		}
		out_doc(ctx->out, doc);
	} else {
		out_value(ctx->out, v, len);
		out_printf(ctx->out, "\n");
		if (cut)
			out_note(ctx->out, "mcpdb: (%lld bytes, first %zu shown; "
			    "--max-bytes 0 for all)", total, len);
	}
	free(v);
	return (0);
}

static const struct cmd_opt cmd_redis_set_opts[] = {
	{ "ttl", 0, "SECONDS", "expire the key after SECONDS (SET ... EX)", CC_NONE },
	{ NULL, 0, NULL, NULL, CC_NONE },
};

/* redis set KEY VALUE [--ttl S]. */
static int
cmd_redis_set_exec(struct cmd_ctx *ctx, const struct cmd_args *a, struct mc_err *err)
{
	struct rds	*r;
	const char	*key = cmd_arg(a, 0), *val = cmd_arg(a, 1);
	long		 ttl;
	cJSON		*doc;

	if (cmd_opt_int(a, "ttl", 0, 1, INT_MAX, &ttl, err) == -1)
		return (-1);
	if ((r = cmd_redis_client(ctx, err)) == NULL)
		return (-1);
	if (rds_set(r, key, val, strlen(val), (int)ttl, err) == -1)
		return (-1);
	if (ctx->json) {
		doc = cJSON_CreateObject();
		cJSON_AddStringToObject(doc, "key", key);
		cJSON_AddBoolToObject(doc, "ok", 1);
		if (ttl > 0)
			cJSON_AddNumberToObject(doc, "ttl_s", (double)ttl);
		out_doc(ctx->out, doc);
	} else if (ttl > 0)
		out_printf(ctx->out, "OK (expires in %ld s)\n", ttl);
	else
		out_printf(ctx->out, "OK\n");
	return (0);
}

/* redis del KEY: asks first; a key that does not exist needs no question. */
static int
cmd_redis_del_exec(struct cmd_ctx *ctx, const struct cmd_args *a, struct mc_err *err)
{
	struct rds		*r;
	const char		*key = cmd_arg(a, 0);
	const char		*argv[2] = { "EXISTS", key };
	struct rds_reply	*rep;
	long long		 n = 0, exists;
	char			*what;
	cJSON			*doc;
	int			 rc;

	if ((r = cmd_redis_client(ctx, err)) == NULL)
		return (-1);
	if ((rep = rds_command(r, 0, 2, argv, NULL, err)) == NULL)
		return (-1);
	exists = rep->type == RDS_INTEGER ? rep->integer : 1;
	rds_reply_free(rep);
	if (exists > 0) {
		what = xasprintf("delete Redis key \"%s\"", key);
		rc = cmd_confirm(ctx, what, err);
		free(what);
		if (rc == -1)
			return (-1);
		if (rds_del(r, key, &n, err) == -1)
			return (-1);
	}
	if (ctx->json) {
		doc = cJSON_CreateObject();
		cJSON_AddStringToObject(doc, "key", key);
		cJSON_AddNumberToObject(doc, "deleted", (double)n);
		out_doc(ctx->out, doc);
	} else if (n > 0)
		out_printf(ctx->out, "deleted key \"%s\"\n", key);
	else
		out_printf(ctx->out, "key \"%s\" does not exist; nothing deleted\n", key);
	return (0);
}

/* ---------------------------------------------------------------- pub/sub */

static const struct cmd_opt cmd_redis_publish_opts[] = {
	{ "sharded", 0, NULL, "sharded Pub/Sub (SPUBLISH, Redis 7): to the master of the channel's slot", CC_NONE },
	{ NULL, 0, NULL, NULL, CC_NONE },
};

/* SPUBLISH ch msg; *n gets the receivers. */
static int
cmd_redis_spublish(struct rds *r, const char *ch, const char *msg,
    long long *n, struct mc_err *err)
{
	const char		*argv[] = { "SPUBLISH", ch, msg };
	struct rds_reply	*rep;

	if ((rep = rds_command(r, 0, 3, argv, NULL, err)) == NULL)
		return (-1);
	*n = rep->type == RDS_INTEGER ? rep->integer : 0;
	rds_reply_free(rep);
	return (0);
}

/* redis publish CHANNEL MSG [--sharded]. */
static int
cmd_redis_publish_exec(struct cmd_ctx *ctx, const struct cmd_args *a, struct mc_err *err)
{
	struct rds	*r;
	const char	*ch = cmd_arg(a, 0), *msg = cmd_arg(a, 1);
	long long	 n;
	cJSON		*doc;
	bool		 sharded = cmd_flag(a, "sharded");

	if ((r = cmd_redis_client(ctx, err)) == NULL)
		return (-1);
	if ((sharded ? cmd_redis_spublish(r, ch, msg, &n, err) :
	    rds_publish(r, ch, msg, strlen(msg), &n, err)) == -1)
		return (-1);
	if (ctx->json) {
		doc = cJSON_CreateObject();
		cJSON_AddStringToObject(doc, "channel", ch);
		cJSON_AddNumberToObject(doc, "receivers", (double)n);
		out_doc(ctx->out, doc);
	} else
		out_printf(ctx->out, "delivered to %lld subscriber%s%s\n", n, n == 1 ? "" : "s",
		    n == 0 ? " (nobody is subscribed to that channel)" : "");
	return (0);
}

/* One received event, queued from the subscriber thread to the main thread. */
struct cmd_redis_ev {
	struct cmd_redis_ev	*next;
	enum rds_sub_event	 kind;
	char			*channel;
	char			*pattern;
	char			*data;
	size_t			 len;
	char			*detail;
};

/* The queue between the callback (subscriber thread) and the printer. */
struct cmd_redis_q {
	pthread_mutex_t		 mtx;
	struct cmd_redis_ev	*head, **tail;
};

/* Subscriber callback: copy the event into the queue (rule 3: args are borrowed). */
static void
cmd_redis_on_msg(void *arg, const struct rds_sub_msg *m)
{
	struct cmd_redis_q	*q = arg;
	struct cmd_redis_ev	*e = xcalloc(1, sizeof(*e));

	e->kind = m->kind;
	e->channel = xstrdup(m->channel);
	e->pattern = xstrdup(m->pattern);
	e->data = m->data ? xstrndup(m->data, m->len) : NULL;
	e->len = m->len;
	e->detail = xstrdup(m->detail);
	pthread_mutex_lock(&q->mtx);
	*q->tail = e;
	q->tail = &e->next;
	pthread_mutex_unlock(&q->mtx);
}

/* Free one event. */
static void
cmd_redis_ev_free(struct cmd_redis_ev *e)
{
	free(e->channel);
	free(e->pattern);
	free(e->data);
	free(e->detail);
	free(e);
}

/* Take the whole queue. */
static struct cmd_redis_ev *
cmd_redis_q_take(struct cmd_redis_q *q)
{
	struct cmd_redis_ev	*h;

	pthread_mutex_lock(&q->mtx);
	h = q->head;
	q->head = NULL;
	q->tail = &q->head;
	pthread_mutex_unlock(&q->mtx);
	return (h);
}

/* One message as "CHANNEL (PATTERN): DATA", at most max bytes of DATA (0: all). */
static void
cmd_redis_print_msg(struct cmd_ctx *ctx, const struct cmd_redis_ev *e, long max)
{
	size_t	n = max > 0 && e->len > (size_t)max ? (size_t)max : e->len;

	out_value(ctx->out, e->channel, strlen(e->channel));
	if (e->pattern != NULL) {
		out_printf(ctx->out, " (");
		out_value(ctx->out, e->pattern, strlen(e->pattern));
		out_printf(ctx->out, ")");
	}
	out_printf(ctx->out, ": ");
	out_value(ctx->out, e->data, n);
	if (n < e->len)
		out_printf(ctx->out, " ... (%zu bytes, first %zu shown; --max-bytes 0 for all)",
		    e->len, n);
	out_printf(ctx->out, "\n");
}

/*
 * Print (or collect into arr) the queued events, at most budget messages
 * (-1: all), each cut to max bytes (0: whole); returns how many messages
 * were shown. *subs counts SUBSCRIBED
 * events: only the ones after the first are news.
 */
static long
cmd_redis_drain(struct cmd_ctx *ctx, struct cmd_redis_q *q, cJSON *arr, long budget,
    long max, int *subs)
{
	struct cmd_redis_ev	*e, *next;
	long			 n = 0;

	for (e = cmd_redis_q_take(q); e != NULL; e = next) {
		next = e->next;
		if (e->kind == RDS_SUB_MESSAGE && (budget < 0 || n < budget)) {
			n++;
			if (arr != NULL) {
				cJSON	*o = cJSON_CreateObject();

				cJSON_AddStringToObject(o, "channel", e->channel);
				if (e->pattern != NULL)
					cJSON_AddStringToObject(o, "pattern", e->pattern);
				cJSON_AddItemToObject(o, "message", cmd_redis_jstr(e->data, e->len));
				cJSON_AddItemToArray(arr, o);
			} else
				cmd_redis_print_msg(ctx, e, max);
		} else if (e->kind == RDS_SUB_LOST && !ctx->quiet)
			out_printf(ctx->out, "-- connection lost (%s); reconnecting; messages "
			    "published until then are lost --\n", e->detail);
		else if (e->kind == RDS_SUB_SUBSCRIBED && (*subs)++ > 0 && !ctx->quiet)
			out_printf(ctx->out, "-- subscribed again at %s --\n", e->detail);
		cmd_redis_ev_free(e);
	}
	return (n);
}

static const struct cmd_opt cmd_redis_subscribe_opts[] = {
	{ "pattern", 0, NULL, "treat the names as glob patterns (PSUBSCRIBE)", CC_NONE },
	{ "sharded", 0, NULL, "sharded Pub/Sub (SSUBSCRIBE, Redis 7): channels of one slot, on its master", CC_NONE },
	{ "count", 0, "N", "stop after N messages (default: run until Ctrl-C)", CC_NONE },
	{ "max-bytes", 0, "N", "show at most N bytes of each message (default 1048576; 0: all)", CC_NONE },
	{ NULL, 0, NULL, NULL, CC_NONE },
};

/* redis subscribe CHANNEL... [--pattern] [--count N]: stream until Ctrl-C. */
static int
cmd_redis_subscribe_exec(struct cmd_ctx *ctx, const struct cmd_args *a, struct mc_err *err)
{
	struct rds		*r;
	struct cmd_redis_q	 q;
	struct rds_sub_spec	 spec;
	struct rds_sub		*sub;
	const char		**names;
	size_t			 i, n = cmd_nargs(a);
	bool			 pat = cmd_flag(a, "pattern"),
				 sharded = cmd_flag(a, "sharded");
	long			 count, got = 0, max;
	int			 subs = 0;
	cJSON			*doc = NULL, *arr = NULL;
	struct timespec		 ts = { 0, 100 * 1000 * 1000 };

	if (cmd_opt_int(a, "count", 0, 1, LONG_MAX, &count, err) == -1 ||
	    cmd_opt_int(a, "max-bytes", CMD_REDIS_MAX_BYTES, 0, LONG_MAX, &max, err) == -1)
		return (-1);
	if ((r = cmd_redis_client(ctx, err)) == NULL)
		return (-1);
	names = xcalloc(n, sizeof(char *));
	for (i = 0; i < n; i++)
		names[i] = cmd_arg(a, i);
	memset(&spec, 0, sizeof(spec));
	if (pat) {
		spec.patterns = names;
		spec.npatterns = n;
	} else {
		spec.channels = names;
		spec.nchannels = n;
	}
	spec.sharded = sharded;
	spec.cb = cmd_redis_on_msg;
	spec.arg = &q;
	pthread_mutex_init(&q.mtx, NULL);
	q.head = NULL;
	q.tail = &q.head;
	sub = rds_sub_new(r, &spec, err);
	free(names);
	if (sub == NULL) {
		cmd_redis_drain(ctx, &q, NULL, 0, 0, &subs);
		pthread_mutex_destroy(&q.mtx);
		return (-1);
	}
	if (ctx->json) {
		doc = cJSON_CreateObject();
		arr = cJSON_AddArrayToObject(doc, "messages");
	} else if (!ctx->quiet)
		out_printf(ctx->out, "-- subscribed to %zu %s; Ctrl-C to stop --\n", n,
		    pat ? (n == 1 ? "pattern" : "patterns") : (n == 1 ? "channel" : "channels"));
	while (!(ctx->stop != NULL && *ctx->stop) && (count == 0 || got < count)) {
		nanosleep(&ts, NULL);
		got += cmd_redis_drain(ctx, &q, arr, count > 0 ? count - got : -1, max, &subs);
	}
	rds_sub_free(sub);
	got += cmd_redis_drain(ctx, &q, arr, count > 0 ? count - got : -1, max, &subs);
	pthread_mutex_destroy(&q.mtx);
	if (doc != NULL) {
		cJSON_AddNumberToObject(doc, "count", (double)cJSON_GetArraySize(arr));
		out_doc(ctx->out, doc);
	}
	return (0);
}

/* ---------------------------------------------------------------- table */

static const struct cmd_entry cmd_redis_ping_entry = {
	.name = "redis ping", .summary = "PING the target's Redis and show the round trip",
	.min_args = 0, .max_args = 0, .flags = CMD_NEEDS_TARGET,
	.exec = cmd_redis_ping_exec,
};

static const struct cmd_entry cmd_redis_info_entry = {
	.name = "redis info", .args = "[SECTION]",
	.summary = "Redis health summary, or one raw INFO section",
	.help = "Without SECTION: one multi-section INFO parsed into what an operator needs\n"
	    "(role, memory against maxmemory, clients, throughput, hit ratio, persistence,\n"
	    "replication and lag). With SECTION: that section as the server prints it\n"
	    "(server, clients, memory, persistence, stats, replication, cpu, keyspace,\n"
	    "commandstats, latencystats, all).",
	.min_args = 0, .max_args = 1, .complete = CC_REDIS_SECTION,
	.flags = CMD_NEEDS_TARGET, .exec = cmd_redis_info_exec,
};

static const struct cmd_entry cmd_redis_get_entry = {
	.name = "redis get", .args = "KEY", .summary = "print the string value of KEY",
	.help = "At most --max-bytes of the value are fetched and shown (default 1 MiB; a\n"
	    "note on stderr gives the full size); --max-bytes 0 shows all of it. Control\n"
	    "characters are shown escaped (\\x1b, \\n) unless --raw is given.",
	.opts = cmd_redis_get_opts, .min_args = 1, .max_args = 1, .flags = CMD_NEEDS_TARGET,
	.exec = cmd_redis_get_exec,
};

static const struct cmd_entry cmd_redis_set_entry = {
	.name = "redis set", .args = "KEY VALUE",
	.summary = "set KEY to VALUE, optionally expiring",
	.help = "A SET whose connection breaks after it was sent is reported as \"outcome\n"
	    "unknown\" and is never re-sent: check the key before running it again.",
	.opts = cmd_redis_set_opts, .min_args = 2, .max_args = 2,
	.flags = CMD_NEEDS_TARGET | CMD_WRITES, .exec = cmd_redis_set_exec,
};

static const struct cmd_entry cmd_redis_del_entry = {
	.name = "redis del", .args = "KEY", .summary = "delete KEY (asks first)",
	.min_args = 1, .max_args = 1,
	.flags = CMD_NEEDS_TARGET | CMD_WRITES | CMD_DESTRUCTIVE, .exec = cmd_redis_del_exec,
};

static const struct cmd_entry cmd_redis_publish_entry = {
	.name = "redis publish", .args = "CHANNEL MESSAGE",
	.summary = "publish MESSAGE on CHANNEL and say how many subscribers got it",
	.help = "--sharded publishes with SPUBLISH (Redis 7 sharded Pub/Sub): on a cluster\n"
	    "it goes to the master of the channel's hash slot and reaches only that\n"
	    "shard's `redis subscribe --sharded` subscribers.",
	.opts = cmd_redis_publish_opts,
	.min_args = 2, .max_args = 2, .flags = CMD_NEEDS_TARGET | CMD_WRITES,
	.exec = cmd_redis_publish_exec,
};

static const struct cmd_entry cmd_redis_subscribe_entry = {
	.name = "redis subscribe", .args = "CHANNEL...",
	.summary = "print messages on CHANNELs (or --pattern globs) until Ctrl-C",
	.help = "Runs on a dedicated connection that is checked with PING and comes back by\n"
	    "itself after a restart or failover (subscribing again). Messages published\n"
	    "while it was disconnected are lost; it says so when that happens.\n"
	    "With --json, one document with every message is printed when it stops.\n"
	    "--sharded subscribes with SSUBSCRIBE (Redis 7 sharded Pub/Sub): the channels\n"
	    "must share one hash slot; on a cluster it subscribes on that slot's master\n"
	    "and, when the slot moves (failover, resharding), on its new master.",
	.opts = cmd_redis_subscribe_opts, .min_args = 1, .max_args = -1,
	.flags = CMD_NEEDS_TARGET | CMD_STREAMS, .exec = cmd_redis_subscribe_exec,
};

const struct cmd_entry *const cmd_redis_entries[] = {
	&cmd_redis_ping_entry, &cmd_redis_info_entry, &cmd_redis_get_entry,
	&cmd_redis_set_entry, &cmd_redis_del_entry, &cmd_redis_publish_entry,
	&cmd_redis_subscribe_entry, NULL,
};
