/*
 * rdskeys.c - a bounded, cancellable sample of a Redis keyspace (see
 * rdskeys.h). SCAN's cursor is kept as the string the server returns.
 */
#include "config.h"

#include "rdskeys.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clk.h"
#include "esc.h"
#include "rds-cluster.h"
#include "xmem.h"

/* One SCAN step asks for this many. */
#define RDSKEYS_COUNT	"100"

void
rdskeys_top(struct rdskeys_key *tops, size_t *n, const struct rdskeys_key *k, bool by_freq)
{
	size_t		 i, at;
	long long	 v = by_freq ? k->freq : k->mem;

	if (v < 0)
		return;
	for (at = 0; at < *n; at++)
		if (v > (by_freq ? tops[at].freq : tops[at].mem))
			break;
	if (at >= RDSKEYS_TOP)
		return;
	if (*n == RDSKEYS_TOP)
		free(tops[RDSKEYS_TOP - 1].name);
	else
		(*n)++;
	for (i = *n - 1; i > at; i--)
		tops[i] = tops[i - 1];
	tops[at] = *k;
	tops[at].name = xstrdup(k->name);
}

/* Count a sampled key in its type. */
static void
rdskeys_count_type(struct rdskeys *s, const struct rdskeys_key *k)
{
	size_t	i;

	for (i = 0; i < s->ntypes; i++)
		if (strcmp(s->types[i].type, k->type) == 0)
			break;
	if (i == s->ntypes) {
		if (s->ntypes == RDSKEYS_TYPES)
			return;
		snprintf(s->types[s->ntypes++].type, sizeof(s->types[0].type), "%s", k->type);
	}
	s->types[i].n++;
	if (k->mem > 0)
		s->types[i].mem += k->mem;
}

/* INFO keyspace and memory into s->info. */
static int
rdskeys_info(struct rds *r, struct rdskeys *s, struct mc_err *err)
{
	struct buf	 b;
	char		*a, *m;

	if ((a = rds_info_text(r, "keyspace", err)) == NULL)
		return (-1);
	if ((m = rds_info_text(r, "memory", err)) == NULL) {
		free(a);
		return (-1);
	}
	buf_init(&b);
	buf_printf(&b, "%s\r\n%s", a, m);
	free(a);
	free(m);
	(void)rds_info_parse(b.data, b.len, &s->info, NULL);
	buf_done(&b);
	s->lfu = strstr(s->info.maxmemory_policy, "lfu") != NULL;
	return (0);
}

/* TYPE, PTTL, MEMORY USAGE (and OBJECT FREQ) of n keys in one batch. */
static int
rdskeys_batch(struct rds *r, struct rdskeys *s, const struct rds_reply *keys,
    struct mc_err *err)
{
	struct rds_pipe		*p = rds_pipe_new(r);
	struct rdskeys_key	 k;
	const struct rds_reply	*t, *x, *u, *f;
	size_t			 i, per = s->lfu ? 4 : 3;

	for (i = 0; i < keys->n; i++) {
		const char	*w[3];
		size_t		 l[3];

		w[1] = keys->elem[i].str;
		l[1] = keys->elem[i].len;
		w[0] = "TYPE";
		l[0] = 4;
		rds_pipe_add(p, 2, w, l);
		w[0] = "PTTL";
		rds_pipe_add(p, 2, w, l);
		w[0] = "MEMORY";
		l[0] = 6;
		w[2] = keys->elem[i].str;
		l[2] = keys->elem[i].len;
		w[1] = "USAGE";
		l[1] = 5;
		rds_pipe_add(p, 3, w, l);
		if (s->lfu) {
			w[0] = "OBJECT";
			w[1] = "FREQ";
			l[1] = 4;
			rds_pipe_add(p, 3, w, l);
		}
	}
	if (rds_pipe_exec(p, NULL, err) != 0) {
		rds_pipe_free(p);
		return (-1);
	}
	for (i = 0; i < keys->n; i++) {
		t = rds_pipe_reply(p, i * per);
		x = rds_pipe_reply(p, i * per + 1);
		u = rds_pipe_reply(p, i * per + 2);
		f = s->lfu ? rds_pipe_reply(p, i * per + 3) : NULL;
		if (t == NULL || t->type != RDS_STATUS || strcmp(t->str, "none") == 0)
			continue;	/* gone since SCAN returned it */
		memset(&k, 0, sizeof(k));
		snprintf(k.type, sizeof(k.type), "%s", t->str);
		k.pttl = x != NULL && x->type == RDS_INTEGER ? x->integer : -1;
		k.mem = u != NULL && u->type == RDS_INTEGER ? u->integer : -1;
		k.freq = f != NULL && f->type == RDS_INTEGER ? (int)f->integer : -1;
		k.name = esc_string(keys->elem[i].str, keys->elem[i].len, 0);
		s->sampled++;
		if (k.pttl >= 0) {
			s->with_ttl++;
			if (k.pttl < 60000)
				s->expiring++;
		}
		if (k.mem > 0)
			s->mem += k.mem;
		rdskeys_count_type(s, &k);
		rdskeys_top(s->big, &s->nbig, &k, false);
		rdskeys_top(s->hot, &s->nhot, &k, true);
		free(k.name);
	}
	rds_pipe_free(p);
	return (0);
}

struct rdskeys *
rdskeys_read(struct rds *r, long samples, volatile sig_atomic_t *stop, struct mc_err *err)
{
	struct rdskeys		*s;
	struct rds_reply	*rep;
	char			 cursor[32] = "0";
	int64_t			 t0 = clk_mono_us();

	if (rds_is_cluster(r)) {
		mc_err_set(err, MC_E_REFUSED, "the keyspace of a Redis Cluster is sampled per "
		    "node: point --redis at one node (redis://host:port) to sample it");
		return (NULL);
	}
	s = xcalloc(1, sizeof(*s));
	if (rdskeys_info(r, s, err) == -1) {
		free(s);
		return (NULL);
	}
	for (;;) {
		const char	*argv[] = { "SCAN", cursor, "COUNT", RDSKEYS_COUNT };

		if (stop != NULL && *stop) {
			s->stopped = true;
			break;
		}
		rep = rds_command(r, RDS_F_IDEMPOTENT, 4, argv, NULL, err);
		if (rep == NULL) {
			rdskeys_free(s);
			return (NULL);
		}
		s->scan_steps++;
		if (rep->type != RDS_ARRAY || rep->n != 2 || rep->elem[0].type != RDS_STRING ||
		    rep->elem[1].type != RDS_ARRAY) {
			rds_reply_free(rep);
			rdskeys_free(s);
			mc_err_set(err, MC_E_REDIS, "SCAN: unexpected reply");
			return (NULL);
		}
		snprintf(cursor, sizeof(cursor), "%s", rep->elem[0].str);
		if (rep->elem[1].n > 0 && rdskeys_batch(r, s, &rep->elem[1], err) == -1) {
			rds_reply_free(rep);
			rdskeys_free(s);
			return (NULL);
		}
		rds_reply_free(rep);
		if (strcmp(cursor, "0") == 0) {
			s->complete = true;
			break;
		}
		if (s->sampled >= samples)
			break;
	}
	s->secs = (double)(clk_mono_us() - t0) / 1e6;
	return (s);
}

void
rdskeys_free(struct rdskeys *s)
{
	size_t	i;

	if (s == NULL)
		return;
	for (i = 0; i < s->nbig; i++)
		free(s->big[i].name);
	for (i = 0; i < s->nhot; i++)
		free(s->hot[i].name);
	free(s);
}

struct table *
rdskeys_db_table(const struct rdskeys *s)
{
	struct table	*t = table_new(NULL, 5, "db", "keys", "with TTL", "TTL share", "avg TTL");
	char		 d[16], k[24], e[24], sh[16], ttl[32];
	size_t		 i;

	for (i = 0; i < s->info.ndbs; i++) {
		const struct rds_info_db *b = &s->info.dbs[i];

		snprintf(d, sizeof(d), "db%d", b->db);
		snprintf(k, sizeof(k), "%lld", (long long)b->keys);
		snprintf(e, sizeof(e), "%lld", (long long)b->expires);
		snprintf(sh, sizeof(sh), "%lld%%", b->keys > 0 ?
		    (long long)(b->expires * 100 / b->keys) : 0LL);
		if (b->avg_ttl_ms > 0)
			snprintf(ttl, sizeof(ttl), "%.0f s", (double)b->avg_ttl_ms / 1000);
		else
			snprintf(ttl, sizeof(ttl), "-");
		table_add(t, d, k, e, sh, ttl);
	}
	return (t);
}

struct table *
rdskeys_type_table(const struct rdskeys *s)
{
	struct table	*t = table_new(NULL, 4, "type", "keys sampled", "memory", "share");
	char		 n[24], m[24], sh[16];
	size_t		 i;

	for (i = 0; i < s->ntypes; i++) {
		snprintf(n, sizeof(n), "%lld", s->types[i].n);
		snprintf(m, sizeof(m), "%lld", s->types[i].mem);
		snprintf(sh, sizeof(sh), "%lld%%", s->mem > 0 ? s->types[i].mem * 100 / s->mem : 0);
		table_add(t, s->types[i].type, n, m, sh);
	}
	return (t);
}

struct table *
rdskeys_big_table(const struct rdskeys *s, bool hot)
{
	struct table		*t = table_new(NULL, 5, "key", "type", hot ? "LFU freq" : "memory",
	    hot ? "memory" : "TTL", hot ? "TTL" : "share of sample");
	const struct rdskeys_key *v = hot ? s->hot : s->big;
	size_t			 i, n = hot ? s->nhot : s->nbig;
	char			 a[24], b[24], c[24];

	for (i = 0; i < n; i++) {
		char	ttl[24];

		if (v[i].pttl < 0)
			snprintf(ttl, sizeof(ttl), "none");
		else
			snprintf(ttl, sizeof(ttl), "%.1f s", (double)v[i].pttl / 1000);
		if (hot) {
			snprintf(a, sizeof(a), "%d", v[i].freq);
			snprintf(b, sizeof(b), "%lld", v[i].mem);
			snprintf(c, sizeof(c), "%s", ttl);
		} else {
			snprintf(a, sizeof(a), "%lld", v[i].mem);
			snprintf(b, sizeof(b), "%s", ttl);
			snprintf(c, sizeof(c), "%lld%%", s->mem > 0 ? v[i].mem * 100 / s->mem : 0);
		}
		table_add(t, v[i].name, v[i].type, a, b, c);
	}
	return (t);
}

char *
rdskeys_summary(const struct rdskeys *s)
{
	return (xasprintf("%lld key%s sampled in %lld SCAN step%s (%.2f s)%s; %lld%% of them "
	    "with a TTL, %lld expiring within a minute; %lld bytes by MEMORY USAGE",
	    s->sampled, s->sampled == 1 ? "" : "s", s->scan_steps, s->scan_steps == 1 ? "" : "s",
	    s->secs, s->complete ? ", the whole database" : s->stopped ? ", stopped early" :
	    ", a sample", s->sampled > 0 ? s->with_ttl * 100 / s->sampled : 0, s->expiring,
	    s->mem));
}

/* The keys of tops as a JSON array. */
static cJSON *
rdskeys_json_keys(const struct rdskeys_key *v, size_t n)
{
	cJSON	*a = cJSON_CreateArray(), *o;
	size_t	 i;

	for (i = 0; i < n; i++) {
		o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "key", v[i].name);
		cJSON_AddStringToObject(o, "type", v[i].type);
		cJSON_AddNumberToObject(o, "memory_bytes", (double)v[i].mem);
		cJSON_AddNumberToObject(o, "pttl_ms", (double)v[i].pttl);
		if (v[i].freq >= 0)
			cJSON_AddNumberToObject(o, "lfu_freq", v[i].freq);
		cJSON_AddItemToArray(a, o);
	}
	return (a);
}

cJSON *
rdskeys_to_json(const struct rdskeys *s)
{
	cJSON	*doc = cJSON_CreateObject(), *a, *o;
	size_t	 i;

	a = cJSON_AddArrayToObject(doc, "databases");
	for (i = 0; i < s->info.ndbs; i++) {
		o = cJSON_CreateObject();
		cJSON_AddNumberToObject(o, "db", s->info.dbs[i].db);
		cJSON_AddNumberToObject(o, "keys", (double)s->info.dbs[i].keys);
		cJSON_AddNumberToObject(o, "expires", (double)s->info.dbs[i].expires);
		cJSON_AddNumberToObject(o, "avg_ttl_ms", (double)s->info.dbs[i].avg_ttl_ms);
		cJSON_AddItemToArray(a, o);
	}
	o = cJSON_AddObjectToObject(doc, "sample");
	cJSON_AddNumberToObject(o, "keys", (double)s->sampled);
	cJSON_AddNumberToObject(o, "scan_steps", (double)s->scan_steps);
	cJSON_AddBoolToObject(o, "complete", s->complete);
	cJSON_AddBoolToObject(o, "stopped", s->stopped);
	cJSON_AddNumberToObject(o, "seconds", s->secs);
	cJSON_AddNumberToObject(o, "with_ttl", (double)s->with_ttl);
	cJSON_AddNumberToObject(o, "expiring_within_60s", (double)s->expiring);
	cJSON_AddNumberToObject(o, "memory_bytes", (double)s->mem);
	a = cJSON_AddArrayToObject(doc, "types");
	for (i = 0; i < s->ntypes; i++) {
		o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "type", s->types[i].type);
		cJSON_AddNumberToObject(o, "keys", (double)s->types[i].n);
		cJSON_AddNumberToObject(o, "memory_bytes", (double)s->types[i].mem);
		cJSON_AddItemToArray(a, o);
	}
	cJSON_AddItemToObject(doc, "biggest", rdskeys_json_keys(s->big, s->nbig));
	cJSON_AddBoolToObject(doc, "lfu_policy", s->lfu);
	if (s->lfu)
		cJSON_AddItemToObject(doc, "hottest", rdskeys_json_keys(s->hot, s->nhot));
	else
		cJSON_AddNullToObject(doc, "hottest");
	return (doc);
}

int
rdskeys_doctor(struct rds *r, char **memory, char **latency, struct mc_err *err)
{
	static const char *const mem[] = { "MEMORY", "DOCTOR" };
	static const char *const lat[] = { "LATENCY", "DOCTOR" };
	struct rds_reply	*a, *b;

	*memory = *latency = NULL;
	if ((a = rds_command(r, RDS_F_IDEMPOTENT, 2, mem, NULL, err)) == NULL)
		return (-1);
	if ((b = rds_command(r, RDS_F_IDEMPOTENT, 2, lat, NULL, err)) == NULL) {
		rds_reply_free(a);
		return (-1);
	}
	*memory = xstrdup(a->str != NULL ? a->str : "");
	*latency = xstrdup(b->str != NULL ? b->str : "");
	rds_reply_free(a);
	rds_reply_free(b);
	return (0);
}
