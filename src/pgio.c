/*
 * pgio.c - I/O and WAL rates between two samples (see pgio.h).
 */
#include "config.h"

#include "pgio.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pgq.h"
#include "xmem.h"

/* %s: the checkpointer's columns, %s the WAL columns (version-gated). */
static const char pgio_sql_server[] =
    "SELECT extract(epoch FROM clock_timestamp())::float8,"
    " %s,"
    " %s,"
    " (SELECT sum(temp_files) FROM pg_catalog.pg_stat_database)::bigint,"
    " (SELECT sum(temp_bytes) FROM pg_catalog.pg_stat_database)::bigint,"
    " current_database(), pg_catalog.pg_database_size(current_database())";

static const char pgio_ckpt_pre17[] =
    "(SELECT to_char(stats_reset, 'YYYY-MM-DD HH24:MI:SS TZ') FROM pg_catalog.pg_stat_bgwriter),"
    " (SELECT checkpoints_timed FROM pg_catalog.pg_stat_bgwriter),"
    " (SELECT checkpoints_req FROM pg_catalog.pg_stat_bgwriter),"
    " (SELECT buffers_checkpoint FROM pg_catalog.pg_stat_bgwriter),"
    " (SELECT buffers_clean FROM pg_catalog.pg_stat_bgwriter),"
    " (SELECT maxwritten_clean FROM pg_catalog.pg_stat_bgwriter),"
    " (SELECT buffers_backend FROM pg_catalog.pg_stat_bgwriter),"
    " (SELECT buffers_backend_fsync FROM pg_catalog.pg_stat_bgwriter),"
    " (SELECT buffers_alloc FROM pg_catalog.pg_stat_bgwriter)";

static const char pgio_ckpt_17[] =
    "(SELECT to_char(stats_reset, 'YYYY-MM-DD HH24:MI:SS TZ') FROM pg_catalog.pg_stat_checkpointer),"
    " (SELECT num_timed FROM pg_catalog.pg_stat_checkpointer),"
    " (SELECT num_requested FROM pg_catalog.pg_stat_checkpointer),"
    " (SELECT buffers_written FROM pg_catalog.pg_stat_checkpointer),"
    " (SELECT buffers_clean FROM pg_catalog.pg_stat_bgwriter),"
    " (SELECT maxwritten_clean FROM pg_catalog.pg_stat_bgwriter),"
    " NULL::bigint, NULL::bigint,"
    " (SELECT buffers_alloc FROM pg_catalog.pg_stat_bgwriter)";

static const char pgio_wal_14[] =
    "(SELECT wal_records FROM pg_catalog.pg_stat_wal),"
    " (SELECT wal_fpi FROM pg_catalog.pg_stat_wal),"
    " (SELECT wal_bytes FROM pg_catalog.pg_stat_wal)::bigint,"
    " (SELECT wal_buffers_full FROM pg_catalog.pg_stat_wal)";

static const char pgio_wal_pre14[] =
    "NULL::bigint, NULL::bigint, NULL::bigint, NULL::bigint";

static const char pgio_sql_tables[] =
    "SELECT schemaname || '.' || relname, n_tup_ins, n_tup_upd, n_tup_del, n_tup_hot_upd,"
    " seq_scan FROM pg_catalog.pg_stat_user_tables"
    " ORDER BY n_tup_ins + n_tup_upd + n_tup_del DESC, 1 LIMIT 500";

/* A cell as a number, -1 for SQL NULL. */
static long long
pgio_ll(const PGresult *r, int row, int col)
{
	return (PQgetisnull(r, row, col) ? -1 : strtoll(PQgetvalue(r, row, col), NULL, 10));
}

struct pgio_sample *
pgio_read(PGconn *c, struct mc_err *err)
{
	struct pgio_sample	*s = xcalloc(1, sizeof(*s));
	PGresult		*r;
	char			*sql;
	int			 i;

	s->server_version = PQserverVersion(c);
	sql = xasprintf(pgio_sql_server, s->server_version >= 170000 ? pgio_ckpt_17 :
	    pgio_ckpt_pre17, s->server_version >= 140000 ? pgio_wal_14 : pgio_wal_pre14);
	r = pgq_query(c, sql, 0, NULL, err);
	free(sql);
	if (r == NULL) {
		pgio_free(s);
		return (NULL);
	}
	s->t = strtod(PQgetvalue(r, 0, 0), NULL);
	s->stats_reset = PQgetisnull(r, 0, 1) ? NULL : xstrdup(PQgetvalue(r, 0, 1));
	s->ckpt_timed = pgio_ll(r, 0, 2);
	s->ckpt_req = pgio_ll(r, 0, 3);
	s->buf_ckpt = pgio_ll(r, 0, 4);
	s->buf_clean = pgio_ll(r, 0, 5);
	s->maxwritten_clean = pgio_ll(r, 0, 6);
	s->buf_backend = pgio_ll(r, 0, 7);
	s->buf_backend_fsync = pgio_ll(r, 0, 8);
	s->buf_alloc = pgio_ll(r, 0, 9);
	s->wal_records = pgio_ll(r, 0, 10);
	s->wal_fpi = pgio_ll(r, 0, 11);
	s->wal_bytes = pgio_ll(r, 0, 12);
	s->wal_buffers_full = pgio_ll(r, 0, 13);
	s->temp_files = pgio_ll(r, 0, 14);
	s->temp_bytes = pgio_ll(r, 0, 15);
	s->db = xstrdup(PQgetvalue(r, 0, 16));
	s->db_size = pgio_ll(r, 0, 17);
	PQclear(r);
	if ((r = pgq_query(c, pgio_sql_tables, 0, NULL, err)) == NULL) {
		pgio_free(s);
		return (NULL);
	}
	s->ntables = (size_t)PQntuples(r);
	s->tables = xcalloc(s->ntables + 1, sizeof(*s->tables));
	for (i = 0; i < PQntuples(r); i++) {
		s->tables[i].name = xstrdup(PQgetvalue(r, i, 0));
		s->tables[i].ins = pgio_ll(r, i, 1);
		s->tables[i].upd = pgio_ll(r, i, 2);
		s->tables[i].del = pgio_ll(r, i, 3);
		s->tables[i].hot_upd = pgio_ll(r, i, 4);
		s->tables[i].seq_scan = pgio_ll(r, i, 5);
	}
	PQclear(r);
	return (s);
}

void
pgio_free(struct pgio_sample *s)
{
	size_t	i;

	if (s == NULL)
		return;
	for (i = 0; i < s->ntables; i++)
		free(s->tables[i].name);
	free(s->tables);
	free(s->stats_reset);
	free(s->db);
	free(s);
}

double
pgio_rate(long long prev, long long cur, double secs)
{
	/* Unknown, or a stats reset in between (counters went back). */
	if (prev < 0 || cur < 0 || secs <= 0 || cur < prev)
		return (-1);
	return ((double)(cur - prev) / secs);
}

/* "1.5 MiB" */
static void
pgio_bytes(double n, char *out, size_t len)
{
	static const char *const unit[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	int	u = 0;

	if (n < 0) {
		snprintf(out, len, "-");
		return;
	}
	while (n >= 1024 && u < 4) {
		n /= 1024;
		u++;
	}
	snprintf(out, len, u == 0 ? "%.0f %s" : "%.1f %s", n, unit[u]);
}

/* A rate as "12.3/s", or "-". */
static void
pgio_per_s(double r, char *out, size_t len)
{
	if (r < 0)
		snprintf(out, len, "-");
	else
		snprintf(out, len, "%.1f/s", r);
}

struct table *
pgio_summary(const struct pgio_sample *prev, const struct pgio_sample *cur)
{
	struct table	*t = table_new(NULL, 2, "what", "value");
	double		 secs = prev ? cur->t - prev->t : 0;
	char		 v[256], a[32], b[40], c[32], d[32];
	long long	 n;

	n = cur->ckpt_timed + cur->ckpt_req;
	snprintf(v, sizeof(v), "%lld timed, %lld requested (%lld%% requested%s) since %s",
	    cur->ckpt_timed, cur->ckpt_req, n > 0 ? cur->ckpt_req * 100 / n : 0,
	    n > 0 && cur->ckpt_req * 100 / n >= 30 ? ": max_wal_size is too small for "
	    "the write load" : "", cur->stats_reset ? cur->stats_reset : "the start");
	table_add(t, "checkpoints", v);
	if (prev != NULL) {
		double	ck = pgio_rate(prev->buf_ckpt, cur->buf_ckpt, secs);
		double	cl = pgio_rate(prev->buf_clean, cur->buf_clean, secs);
		double	be = pgio_rate(prev->buf_backend, cur->buf_backend, secs);
		double	all = (ck > 0 ? ck : 0) + (cl > 0 ? cl : 0) + (be > 0 ? be : 0);

		pgio_per_s(ck, a, sizeof(a));
		pgio_per_s(cl, b, sizeof(b));
		pgio_per_s(be, c, sizeof(c));
		if (be < 0 && cur->buf_backend < 0)
			snprintf(c, sizeof(c), "(in pg_stat_io)");
		snprintf(v, sizeof(v), "checkpointer %s, bgwriter %s, backends %s%s", a, b, c,
		    be > 0 && all > 0 && be / all >= 0.5 ? " (backends write most: the "
		    "bgwriter is not keeping up)" : "");
		table_add(t, "buffers written", v);
		pgio_per_s(pgio_rate(prev->buf_alloc, cur->buf_alloc, secs), a, sizeof(a));
		pgio_per_s(pgio_rate(prev->maxwritten_clean, cur->maxwritten_clean, secs), b,
		    sizeof(b));
		snprintf(v, sizeof(v), "allocated %s; bgwriter stopped at its limit %s", a, b);
		table_add(t, "buffers", v);
		if (cur->wal_bytes < 0)
			snprintf(v, sizeof(v), "not available before PostgreSQL 14 (pg_stat_wal)");
		else {
			pgio_bytes(pgio_rate(prev->wal_bytes, cur->wal_bytes, secs), a, sizeof(a));
			pgio_per_s(pgio_rate(prev->wal_records, cur->wal_records, secs), b, sizeof(b));
			pgio_per_s(pgio_rate(prev->wal_fpi, cur->wal_fpi, secs), c, sizeof(c));
			pgio_per_s(pgio_rate(prev->wal_buffers_full, cur->wal_buffers_full, secs), d,
			    sizeof(d));
			snprintf(v, sizeof(v), "%s/s, %s records, %s full-page images, "
			    "wal_buffers full %s", a, b, c, d);
		}
		table_add(t, "WAL", v);
		pgio_per_s(pgio_rate(prev->temp_files, cur->temp_files, secs), a, sizeof(a));
		pgio_bytes(pgio_rate(prev->temp_bytes, cur->temp_bytes, secs), b, sizeof(b));
		snprintf(v, sizeof(v), "%s files, %s/s (all databases)", a, b);
		table_add(t, "temporary files", v);
		pgio_bytes((double)cur->db_size, a, sizeof(a));
		if (cur->db_size >= prev->db_size)
			pgio_bytes((double)(cur->db_size - prev->db_size) / (secs > 0 ? secs : 1),
			    b, sizeof(b));
		else {
			pgio_bytes((double)(prev->db_size - cur->db_size) / (secs > 0 ? secs : 1),
			    c, sizeof(c));
			snprintf(b, sizeof(b), "-%s", c);
		}
		snprintf(v, sizeof(v), "%s, growing %s/s", a, b);
		table_add(t, cur->db, v);
		snprintf(v, sizeof(v), "%.1f s between the samples", secs);
		table_add(t, "interval", v);
	} else {
		pgio_bytes((double)cur->wal_bytes, a, sizeof(a));
		snprintf(v, sizeof(v), "%s written since the stats reset (rates after the next "
		    "sample)", cur->wal_bytes < 0 ? "-" : a);
		table_add(t, "WAL", v);
		pgio_bytes((double)cur->db_size, a, sizeof(a));
		table_add(t, cur->db, a);
	}
	return (t);
}

/* Index of name in s's tables, or -1. */
static long
pgio_find(const struct pgio_sample *s, const char *name)
{
	size_t	i;

	for (i = 0; s != NULL && i < s->ntables; i++)
		if (strcmp(s->tables[i].name, name) == 0)
			return ((long)i);
	return (-1);
}

/* One table's DML per second. */
struct pgio_trate {
	const struct pgio_table	*t;
	double			 ins, upd, del, hot, seq, all;
};

static int
pgio_trate_cmp(const void *a, const void *b)
{
	const struct pgio_trate	*x = a, *y = b;

	if (x->all != y->all)
		return (x->all < y->all ? 1 : -1);
	return (strcmp(x->t->name, y->t->name));
}

/* Tables with their rates, busiest first; *n gets how many. Caller frees. */
static struct pgio_trate *
pgio_trates(const struct pgio_sample *prev, const struct pgio_sample *cur, size_t *n)
{
	struct pgio_trate	*v = xcalloc(cur->ntables + 1, sizeof(*v));
	double			 secs = cur->t - prev->t;
	size_t			 i, k = 0;
	long			 j;

	for (i = 0; i < cur->ntables; i++) {
		const struct pgio_table	*c = &cur->tables[i], *p;

		if ((j = pgio_find(prev, c->name)) < 0)
			continue;
		p = &prev->tables[j];
		v[k].t = c;
		v[k].ins = pgio_rate(p->ins, c->ins, secs);
		v[k].upd = pgio_rate(p->upd, c->upd, secs);
		v[k].del = pgio_rate(p->del, c->del, secs);
		v[k].hot = pgio_rate(p->hot_upd, c->hot_upd, secs);
		v[k].seq = pgio_rate(p->seq_scan, c->seq_scan, secs);
		v[k].all = (v[k].ins > 0 ? v[k].ins : 0) + (v[k].upd > 0 ? v[k].upd : 0) +
		    (v[k].del > 0 ? v[k].del : 0);
		if (v[k].all > 0)
			k++;
	}
	qsort(v, k, sizeof(*v), pgio_trate_cmp);
	*n = k;
	return (v);
}

struct table *
pgio_table_rates(const struct pgio_sample *prev, const struct pgio_sample *cur, size_t limit)
{
	struct table		*t = table_new(NULL, 6, "table", "inserts", "updates", "hot %",
	    "deletes", "seq scans");
	struct pgio_trate	*v;
	char			 a[24], b[24], h[16], d[24], s[24];
	size_t			 i, n;

	if (prev == NULL)
		return (t);
	v = pgio_trates(prev, cur, &n);
	for (i = 0; i < n && i < limit; i++) {
		pgio_per_s(v[i].ins, a, sizeof(a));
		pgio_per_s(v[i].upd, b, sizeof(b));
		if (v[i].upd > 0 && v[i].hot >= 0)
			snprintf(h, sizeof(h), "%.0f%%", 100 * v[i].hot / v[i].upd);
		else
			snprintf(h, sizeof(h), "-");
		pgio_per_s(v[i].del, d, sizeof(d));
		pgio_per_s(v[i].seq, s, sizeof(s));
		table_add(t, v[i].t->name, a, b, h, d, s);
	}
	free(v);
	return (t);
}

/* Add a rate as a number, or null when unknown. */
static void
pgio_json_rate(cJSON *o, const char *name, double r)
{
	if (r < 0)
		cJSON_AddNullToObject(o, name);
	else
		cJSON_AddNumberToObject(o, name, r);
}

cJSON *
pgio_to_json(const struct pgio_sample *prev, const struct pgio_sample *cur, size_t limit)
{
	cJSON			*doc = cJSON_CreateObject(), *o, *a, *x;
	double			 secs = prev ? cur->t - prev->t : 0;
	struct pgio_trate	*v;
	size_t			 i, n;

	cJSON_AddStringToObject(doc, "database", cur->db);
	cJSON_AddNumberToObject(doc, "database_size_bytes", (double)cur->db_size);
	o = cJSON_AddObjectToObject(doc, "counters");
	cJSON_AddNumberToObject(o, "checkpoints_timed", (double)cur->ckpt_timed);
	cJSON_AddNumberToObject(o, "checkpoints_requested", (double)cur->ckpt_req);
	cJSON_AddNumberToObject(o, "wal_bytes", (double)cur->wal_bytes);
	cJSON_AddNumberToObject(o, "temp_files", (double)cur->temp_files);
	cJSON_AddNumberToObject(o, "temp_bytes", (double)cur->temp_bytes);
	if (prev == NULL) {
		cJSON_AddNullToObject(doc, "rates");
		cJSON_AddArrayToObject(doc, "tables");
		return (doc);
	}
	o = cJSON_AddObjectToObject(doc, "rates");
	cJSON_AddNumberToObject(o, "interval_s", secs);
	pgio_json_rate(o, "buffers_checkpoint_per_s", pgio_rate(prev->buf_ckpt, cur->buf_ckpt, secs));
	pgio_json_rate(o, "buffers_clean_per_s", pgio_rate(prev->buf_clean, cur->buf_clean, secs));
	pgio_json_rate(o, "buffers_backend_per_s",
	    pgio_rate(prev->buf_backend, cur->buf_backend, secs));
	pgio_json_rate(o, "buffers_alloc_per_s", pgio_rate(prev->buf_alloc, cur->buf_alloc, secs));
	pgio_json_rate(o, "wal_bytes_per_s", pgio_rate(prev->wal_bytes, cur->wal_bytes, secs));
	pgio_json_rate(o, "wal_records_per_s",
	    pgio_rate(prev->wal_records, cur->wal_records, secs));
	pgio_json_rate(o, "wal_fpi_per_s", pgio_rate(prev->wal_fpi, cur->wal_fpi, secs));
	pgio_json_rate(o, "temp_files_per_s", pgio_rate(prev->temp_files, cur->temp_files, secs));
	pgio_json_rate(o, "temp_bytes_per_s", pgio_rate(prev->temp_bytes, cur->temp_bytes, secs));
	cJSON_AddNumberToObject(o, "database_growth_bytes_per_s",
	    secs > 0 ? (double)(cur->db_size - prev->db_size) / secs : 0);
	a = cJSON_AddArrayToObject(doc, "tables");
	v = pgio_trates(prev, cur, &n);
	for (i = 0; i < n && i < limit; i++) {
		x = cJSON_CreateObject();
		cJSON_AddStringToObject(x, "table", v[i].t->name);
		pgio_json_rate(x, "inserts_per_s", v[i].ins);
		pgio_json_rate(x, "updates_per_s", v[i].upd);
		pgio_json_rate(x, "hot_updates_per_s", v[i].hot);
		pgio_json_rate(x, "deletes_per_s", v[i].del);
		pgio_json_rate(x, "seq_scans_per_s", v[i].seq);
		cJSON_AddItemToArray(a, x);
	}
	free(v);
	return (doc);
}
