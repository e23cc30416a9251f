/*
 * pgstmt.c - top queries from pg_stat_statements (see pgstmt.h).
 */
#include "config.h"

#include "pgstmt.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pgq.h"
#include "xmem.h"

static const char *const pgstmt_names[PGSTMT__COUNT] = {
	"total", "mean", "calls", "rows", "read",
};

/* Is the extension installed in this database, and is it loaded at all? */
static const char pgstmt_sql_probe[] =
    "SELECT (SELECT extnamespace::regnamespace::text FROM pg_catalog.pg_extension"
    "  WHERE extname = 'pg_stat_statements'),"
    " current_setting('shared_preload_libraries') ~ 'pg_stat_statements',"
    " current_database(), extract(epoch FROM clock_timestamp())::float8";

/* %s: the time column (13 renamed it), %s the extension's schema. */
static const char pgstmt_sql_rows[] =
    "SELECT s.userid || '/' || s.dbid || '/' || s.queryid,"
    " regexp_replace(left(s.query, 300), '\\s+', ' ', 'g'),"
    " coalesce(pg_catalog.pg_get_userbyid(s.userid), s.userid::text),"
    " coalesce((SELECT datname FROM pg_catalog.pg_database WHERE oid = s.dbid), s.dbid::text),"
    " %s, s.calls, s.rows, s.shared_blks_hit, s.shared_blks_read"
    " FROM %s.pg_stat_statements s WHERE s.queryid IS NOT NULL"
    " ORDER BY 5 DESC LIMIT 5000";

/* 14+: when it was reset and how many entries it evicted; %s the schema. */
static const char pgstmt_sql_info[] =
    "SELECT to_char(stats_reset, 'YYYY-MM-DD HH24:MI:SS TZ'), dealloc"
    " FROM %s.pg_stat_statements_info";

int
pgstmt_sort_parse(const char *s)
{
	int	i;

	for (i = 0; i < PGSTMT__COUNT; i++)
		if (strcmp(s, pgstmt_names[i]) == 0)
			return (i);
	return (-1);
}

const char *
pgstmt_sort_name(enum pgstmt_sort s)
{
	return (s < PGSTMT__COUNT ? pgstmt_names[s] : "?");
}

struct pgstmt *
pgstmt_read(PGconn *c, struct mc_err *err)
{
	struct pgstmt	*v = xcalloc(1, sizeof(*v));
	PGresult	*r;
	char		*sql, *schema;
	int		 ver = PQserverVersion(c), i;
	bool		 preloaded;

	v->dealloc = -1;
	if ((r = pgq_query(c, pgstmt_sql_probe, 0, NULL, err)) == NULL) {
		free(v);
		return (NULL);
	}
	preloaded = PQgetvalue(r, 0, 1)[0] == 't';
	v->t = strtod(PQgetvalue(r, 0, 3), NULL);
	if (PQgetisnull(r, 0, 0)) {
		v->why = preloaded ?
		    xasprintf("pg_stat_statements is loaded but not installed in database %s: "
		    "run CREATE EXTENSION pg_stat_statements there (a superuser, or a role "
		    "with CREATE on the database)", PQgetvalue(r, 0, 2)) :
		    xstrdup("pg_stat_statements is not loaded: add it to "
		    "shared_preload_libraries, restart PostgreSQL, then CREATE EXTENSION "
		    "pg_stat_statements in the database");
		PQclear(r);
		return (v);
	}
	schema = PQescapeIdentifier(c, PQgetvalue(r, 0, 0), strlen(PQgetvalue(r, 0, 0)));
	PQclear(r);
	if (schema == NULL) {
		mc_err_pg(err, c, NULL);
		free(v);
		return (NULL);
	}
	sql = xasprintf(pgstmt_sql_rows, ver >= 130000 ? "s.total_exec_time::float8" :
	    "s.total_time::float8", schema);
	r = pgq_query(c, sql, 0, NULL, err);
	free(sql);
	if (r == NULL) {
		PQfreemem(schema);
		free(v);
		return (NULL);
	}
	v->available = true;
	v->nrows = (size_t)PQntuples(r);
	v->rows = xcalloc(v->nrows + 1, sizeof(*v->rows));
	for (i = 0; i < PQntuples(r); i++) {
		struct pgstmt_row	*w = &v->rows[i];

		w->key = xstrdup(PQgetvalue(r, i, 0));
		w->query = xstrdup(PQgetvalue(r, i, 1));
		w->user = xstrdup(PQgetvalue(r, i, 2));
		w->db = xstrdup(PQgetvalue(r, i, 3));
		w->total_ms = strtod(PQgetvalue(r, i, 4), NULL);
		w->calls = strtoll(PQgetvalue(r, i, 5), NULL, 10);
		w->rows = strtoll(PQgetvalue(r, i, 6), NULL, 10);
		w->hit = strtoll(PQgetvalue(r, i, 7), NULL, 10);
		w->read = strtoll(PQgetvalue(r, i, 8), NULL, 10);
		w->mean_ms = w->calls > 0 ? w->total_ms / (double)w->calls : 0;
	}
	PQclear(r);
	if (ver >= 140000) {
		sql = xasprintf(pgstmt_sql_info, schema);
		r = pgq_query(c, sql, 0, NULL, NULL);
		free(sql);
		if (r != NULL && PQntuples(r) == 1) {
			v->reset = PQgetisnull(r, 0, 0) ? NULL : xstrdup(PQgetvalue(r, 0, 0));
			v->dealloc = strtoll(PQgetvalue(r, 0, 1), NULL, 10);
		}
		PQclear(r);
	}
	PQfreemem(schema);
	return (v);
}

void
pgstmt_free(struct pgstmt *v)
{
	size_t	i;

	if (v == NULL)
		return;
	for (i = 0; i < v->nrows; i++) {
		free(v->rows[i].key);
		free(v->rows[i].query);
		free(v->rows[i].user);
		free(v->rows[i].db);
	}
	free(v->rows);
	free(v->why);
	free(v->reset);
	free(v);
}

/* One statement over the interval (or cumulative). */
struct pgstmt_delta {
	const struct pgstmt_row	*r;
	double			 total_ms, mean_ms;
	long long		 calls, rows, hit, read;
	double			 sortv;		/* the value ranked by */
};

/* Order rows by key (an index of prev for bsearch). */
static int
pgstmt_key_cmp(const void *a, const void *b)
{
	const struct pgstmt_row	*const *x = a, *const *y = b;

	return (strcmp((*x)->key, (*y)->key));
}

/* The row of key in index ix (n rows sorted by key), or NULL. */
static const struct pgstmt_row *
pgstmt_find(const struct pgstmt_row *const *ix, size_t n, const char *key)
{
	struct pgstmt_row		 want = { .key = (char *)key };
	const struct pgstmt_row	*w = &want, *const *hit;

	hit = n > 0 ? bsearch(&w, ix, n, sizeof(*ix), pgstmt_key_cmp) : NULL;
	return (hit != NULL ? *hit : NULL);
}

/* The value of d that sort ranks by. */
static double
pgstmt_val(const struct pgstmt_delta *d, enum pgstmt_sort sort)
{
	switch (sort) {
	case PGSTMT_MEAN:
		return (d->mean_ms);
	case PGSTMT_CALLS:
		return ((double)d->calls);
	case PGSTMT_ROWS:
		return ((double)d->rows);
	case PGSTMT_READ:
		return ((double)d->read);
	default:
		return (d->total_ms);
	}
}

/* Largest first, then by key (stable output). */
static int
pgstmt_cmp(const void *a, const void *b)
{
	const struct pgstmt_delta	*x = a, *y = b;

	if (x->sortv != y->sortv)
		return (x->sortv < y->sortv ? 1 : -1);
	return (strcmp(x->r->key, y->r->key));
}

/* Deltas prev -> cur (reset-aware), sorted; *n gets how many ran. Caller frees. */
static struct pgstmt_delta *
pgstmt_deltas(const struct pgstmt *prev, const struct pgstmt *cur, enum pgstmt_sort sort,
    size_t *n)
{
	struct pgstmt_delta	*v = xcalloc(cur->nrows + 1, sizeof(*v));
	const struct pgstmt_row	**ix = NULL;
	bool			 reset = prev != NULL && (prev->reset == NULL) != (cur->reset == NULL);
	size_t			 i, k = 0, nix = 0;

	if (prev != NULL && prev->reset != NULL && cur->reset != NULL &&
	    strcmp(prev->reset, cur->reset) != 0)
		reset = true;	/* pg_stat_statements_reset() in between */
	if (prev != NULL && !reset) {
		/* Up to 5,000 statements a side: look them up by key, not by a scan each. */
		ix = xcalloc(prev->nrows + 1, sizeof(*ix));
		for (nix = 0; nix < prev->nrows; nix++)
			ix[nix] = &prev->rows[nix];
		qsort(ix, nix, sizeof(*ix), pgstmt_key_cmp);
	}
	for (i = 0; i < cur->nrows; i++) {
		const struct pgstmt_row	*c = &cur->rows[i];
		const struct pgstmt_row	*p = ix != NULL ?
		    pgstmt_find((const struct pgstmt_row *const *)ix, nix, c->key) : NULL;

		v[k].r = c;
		if (p != NULL && c->calls >= p->calls) {
			v[k].total_ms = c->total_ms - p->total_ms;
			v[k].calls = c->calls - p->calls;
			v[k].rows = c->rows - p->rows;
			v[k].hit = c->hit - p->hit;
			v[k].read = c->read - p->read;
		} else {	/* new, or its counters went back (evicted and back) */
			v[k].total_ms = c->total_ms;
			v[k].calls = c->calls;
			v[k].rows = c->rows;
			v[k].hit = c->hit;
			v[k].read = c->read;
		}
		v[k].mean_ms = v[k].calls > 0 ? v[k].total_ms / (double)v[k].calls : 0;
		v[k].sortv = pgstmt_val(&v[k], sort);
		if (v[k].calls > 0)
			k++;
	}
	free(ix);
	qsort(v, k, sizeof(*v), pgstmt_cmp);
	*n = k;
	return (v);
}

struct table *
pgstmt_top(const struct pgstmt *prev, const struct pgstmt *cur, enum pgstmt_sort sort,
    size_t limit)
{
	struct table		*t = table_new(NULL, 9, "total ms", "mean ms", "calls", "rows",
	    "hit", "read", "user", "database", "query");
	struct pgstmt_delta	*v;
	char			 a[24], b[24], c[24], d[24], e[24], f[24];
	size_t			 i, n;

	if (!cur->available)
		return (t);
	v = pgstmt_deltas(prev, cur, sort, &n);
	for (i = 0; i < n && i < limit; i++) {
		snprintf(a, sizeof(a), "%.1f", v[i].total_ms);
		snprintf(b, sizeof(b), "%.3f", v[i].mean_ms);
		snprintf(c, sizeof(c), "%lld", v[i].calls);
		snprintf(d, sizeof(d), "%lld", v[i].rows);
		snprintf(e, sizeof(e), "%lld", v[i].hit);
		snprintf(f, sizeof(f), "%lld", v[i].read);
		table_add(t, a, b, c, d, e, f, v[i].r->user, v[i].r->db, v[i].r->query);
	}
	free(v);
	return (t);
}

cJSON *
pgstmt_to_json(const struct pgstmt *prev, const struct pgstmt *cur, enum pgstmt_sort sort,
    size_t limit)
{
	cJSON			*doc = cJSON_CreateObject(), *a, *o;
	struct pgstmt_delta	*v;
	size_t			 i, n;

	cJSON_AddBoolToObject(doc, "available", cur->available);
	if (!cur->available) {
		cJSON_AddStringToObject(doc, "why", cur->why ? cur->why : "");
		return (doc);
	}
	cJSON_AddStringToObject(doc, "sort", pgstmt_sort_name(sort));
	if (prev != NULL)
		cJSON_AddNumberToObject(doc, "interval_s", cur->t - prev->t);
	else
		cJSON_AddNullToObject(doc, "interval_s");
	if (cur->reset != NULL)
		cJSON_AddStringToObject(doc, "stats_reset", cur->reset);
	if (cur->dealloc >= 0)
		cJSON_AddNumberToObject(doc, "dealloc", (double)cur->dealloc);
	a = cJSON_AddArrayToObject(doc, "statements");
	v = pgstmt_deltas(prev, cur, sort, &n);
	for (i = 0; i < n && i < limit; i++) {
		o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "query", v[i].r->query);
		cJSON_AddStringToObject(o, "user", v[i].r->user);
		cJSON_AddStringToObject(o, "database", v[i].r->db);
		cJSON_AddNumberToObject(o, "total_ms", v[i].total_ms);
		cJSON_AddNumberToObject(o, "mean_ms", v[i].mean_ms);
		cJSON_AddNumberToObject(o, "calls", (double)v[i].calls);
		cJSON_AddNumberToObject(o, "rows", (double)v[i].rows);
		cJSON_AddNumberToObject(o, "shared_blks_hit", (double)v[i].hit);
		cJSON_AddNumberToObject(o, "shared_blks_read", (double)v[i].read);
		cJSON_AddItemToArray(a, o);
	}
	free(v);
	return (doc);
}
