/*
 * pgvac.c - vacuum and wraparound health (see pgvac.h). The limits are
 * PostgreSQL's (varsup.c): IDs wrap at 2^31 from the oldest frozen one;
 * the server warns from 40 M IDs before that and stops assigning new ones
 * 3 M before it (until a VACUUM in single-user mode or, since 14, a plain
 * one catches up). Multixact IDs have the same limits.
 */
#include "config.h"

#include "pgvac.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "pgq.h"
#include "xmem.h"

#define PGVAC_WRAP	2147483647LL	/* 2^31 - 1 */
#define PGVAC_STOP	3000000LL	/* the server stops this many before the wrap */
#define PGVAC_WARN_AT	40000000LL	/* and warns from this many before it */

static const char pgvac_sql_dbs[] =
    "SELECT datname, age(datfrozenxid)::bigint, mxid_age(datminmxid)::bigint,"
    " current_setting('autovacuum_freeze_max_age')::bigint,"
    " current_setting('autovacuum_multixact_freeze_max_age')::bigint"
    " FROM pg_catalog.pg_database ORDER BY 2 DESC, 1";

/* %s: the dead tuples column (renamed in 17). */
static const char pgvac_sql_runs[] =
    "SELECT p.pid, coalesce(p.datname, p.datid::text),"
    " CASE WHEN p.datname = current_database() THEN p.relid::regclass::text"
    "  ELSE p.relid::text END, p.phase,"
    " coalesce(a.backend_type = 'autovacuum worker', false),"
    " coalesce(a.query LIKE '%%(to prevent wraparound)%%', false),"
    " coalesce(extract(epoch FROM now() - a.xact_start), 0)::float8,"
    " p.heap_blks_total, p.heap_blks_scanned, p.heap_blks_vacuumed,"
    " p.index_vacuum_count, p.%s"
    " FROM pg_catalog.pg_stat_progress_vacuum p"
    " LEFT JOIN pg_catalog.pg_stat_activity a ON a.pid = p.pid ORDER BY p.pid";

static const char pgvac_sql_horizon[] =
    "SELECT kind, who, age FROM ("
    " SELECT 'session' AS kind, pid::text AS who, age(backend_xmin)::bigint AS age"
    "  FROM pg_catalog.pg_stat_activity"
    "  WHERE backend_xmin IS NOT NULL AND pid <> pg_catalog.pg_backend_pid()"
    " UNION ALL SELECT 'prepared', gid, age(transaction)::bigint FROM pg_catalog.pg_prepared_xacts"
    " UNION ALL SELECT 'slot', slot_name::text, age(xmin)::bigint"
    "  FROM pg_catalog.pg_replication_slots WHERE xmin IS NOT NULL"
    " UNION ALL SELECT 'slot', slot_name::text, age(catalog_xmin)::bigint"
    "  FROM pg_catalog.pg_replication_slots WHERE catalog_xmin IS NOT NULL"
    ") h ORDER BY age DESC LIMIT 1";

/*
 * Tables with the most dead rows; the autovacuum threshold honours the
 * table's own reloptions; width is NULL unless pg_stats covers every column
 * (not analysed, or no SELECT privilege: bloat unknown).
 */
static const char pgvac_sql_tables[] =
    "SELECT n.nspname || '.' || c.relname,"
    " coalesce(s.n_live_tup, 0), coalesce(s.n_dead_tup, 0),"
    " (coalesce((SELECT o.option_value FROM pg_catalog.pg_options_to_table(c.reloptions) o"
    "   WHERE o.option_name = 'autovacuum_vacuum_threshold'),"
    "   current_setting('autovacuum_vacuum_threshold'))::float8"
    "  + coalesce((SELECT o.option_value FROM pg_catalog.pg_options_to_table(c.reloptions) o"
    "   WHERE o.option_name = 'autovacuum_vacuum_scale_factor'),"
    "   current_setting('autovacuum_vacuum_scale_factor'))::float8"
    "  * greatest(c.reltuples, 0))::bigint,"
    " to_char(greatest(s.last_vacuum, s.last_autovacuum), 'YYYY-MM-DD HH24:MI:SS TZ'),"
    " coalesce(s.last_autovacuum >= s.last_vacuum OR s.last_vacuum IS NULL, false),"
    " to_char(greatest(s.last_analyze, s.last_autoanalyze), 'YYYY-MM-DD HH24:MI:SS TZ'),"
    " coalesce(s.last_autoanalyze >= s.last_analyze OR s.last_analyze IS NULL, false),"
    " age(c.relfrozenxid)::bigint, pg_catalog.pg_relation_size(c.oid),"
    " (SELECT CASE WHEN count(*) = (SELECT count(*) FROM pg_catalog.pg_attribute a"
    "   WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped)"
    "   THEN sum(st.avg_width) END FROM pg_catalog.pg_stats st"
    "   WHERE st.schemaname = n.nspname AND st.tablename = c.relname),"
    " coalesce((SELECT o.option_value FROM pg_catalog.pg_options_to_table(c.reloptions) o"
    "  WHERE o.option_name = 'fillfactor')::int, 100),"
    " current_setting('block_size')::int"
    " FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace"
    " LEFT JOIN pg_catalog.pg_stat_all_tables s ON s.relid = c.oid"
    " WHERE c.relkind IN ('r', 'm') AND n.nspname NOT IN ('pg_catalog', 'information_schema')"
    "  AND n.nspname !~ '^pg_(toast|temp_|toast_temp_)'"
    " ORDER BY coalesce(s.n_dead_tup, 0) DESC, age(c.relfrozenxid) DESC, 1"
    " LIMIT $1::int";

enum pgvac_level
pgvac_age_level(long long age, long long freeze_max, long long *left)
{
	long long	l = PGVAC_WRAP - PGVAC_STOP - age;

	if (left != NULL)
		*left = l > 0 ? l : 0;
	if (PGVAC_WRAP - age <= PGVAC_WARN_AT)
		return (PGVAC_CRIT);
	if (freeze_max > 0 && age >= freeze_max)
		return (PGVAC_WARN);
	return (PGVAC_OK);
}

long long
pgvac_bloat_estimate(long long size, long long live, int width, int fillfactor, int block_size)
{
	long long	tuple, per_page, pages, need;

	if (width < 0 || block_size <= 24)
		return (-1);
	if (fillfactor <= 0 || fillfactor > 100)
		fillfactor = 100;
	tuple = ((24 + (long long)width + 7) / 8) * 8 + 4;
	per_page = ((long long)(block_size - 24) * fillfactor / 100) / tuple;
	if (per_page < 1)
		per_page = 1;
	pages = live > 0 ? (live + per_page - 1) / per_page : 0;
	need = pages * block_size;
	return (size > need ? size - need : 0);
}

const char *
pgvac_level_name(enum pgvac_level l)
{
	return (l == PGVAC_CRIT ? "CRITICAL" : l == PGVAC_WARN ? "anti-wraparound vacuum due" : "ok");
}

/* A copy of a result cell, NULL for SQL NULL. */
static char *
pgvac_str(const PGresult *r, int row, int col)
{
	return (PQgetisnull(r, row, col) ? NULL : xstrdup(PQgetvalue(r, row, col)));
}

static long long
pgvac_ll(const PGresult *r, int row, int col)
{
	return (PQgetisnull(r, row, col) ? 0 : strtoll(PQgetvalue(r, row, col), NULL, 10));
}

static bool
pgvac_bool(const PGresult *r, int row, int col)
{
	return (!PQgetisnull(r, row, col) && PQgetvalue(r, row, col)[0] == 't');
}

/* Databases: ages, their limits, the worst level. */
static int
pgvac_read_dbs(PGconn *c, struct pgvac *v, struct mc_err *err)
{
	PGresult	*r;
	enum pgvac_level l1, l2;
	long long	 left1, left2;
	int		 i;

	if ((r = pgq_query(c, pgvac_sql_dbs, 0, NULL, err)) == NULL)
		return (-1);
	v->ndbs = (size_t)PQntuples(r);
	v->dbs = xcalloc(v->ndbs + 1, sizeof(*v->dbs));
	for (i = 0; i < PQntuples(r); i++) {
		struct pgvac_db	*d = &v->dbs[i];

		d->name = xstrdup(PQgetvalue(r, i, 0));
		d->xid_age = pgvac_ll(r, i, 1);
		d->mxid_age = pgvac_ll(r, i, 2);
		v->freeze_max_age = pgvac_ll(r, i, 3);
		v->mfreeze_max_age = pgvac_ll(r, i, 4);
		l1 = pgvac_age_level(d->xid_age, v->freeze_max_age, &left1);
		l2 = pgvac_age_level(d->mxid_age, v->mfreeze_max_age, &left2);
		d->level = l1 > l2 ? l1 : l2;
		d->xids_left = left1 < left2 ? left1 : left2;
		if (d->level > v->level)
			v->level = d->level;
	}
	PQclear(r);
	return (0);
}

/* Vacuums running now. */
static int
pgvac_read_runs(PGconn *c, struct pgvac *v, struct mc_err *err)
{
	PGresult	*r;
	char		*sql;
	int		 i;

	sql = xasprintf(pgvac_sql_runs, v->server_version >= 170000 ? "num_dead_item_ids" :
	    "num_dead_tuples");
	r = pgq_query(c, sql, 0, NULL, err);
	free(sql);
	if (r == NULL)
		return (-1);
	v->nruns = (size_t)PQntuples(r);
	v->runs = xcalloc(v->nruns + 1, sizeof(*v->runs));
	for (i = 0; i < PQntuples(r); i++) {
		struct pgvac_run	*u = &v->runs[i];

		u->pid = (int)pgvac_ll(r, i, 0);
		u->db = pgvac_str(r, i, 1);
		u->rel = pgvac_str(r, i, 2);
		u->phase = pgvac_str(r, i, 3);
		u->autovacuum = pgvac_bool(r, i, 4);
		u->wraparound = pgvac_bool(r, i, 5);
		u->secs = PQgetisnull(r, i, 6) ? 0 : strtod(PQgetvalue(r, i, 6), NULL);
		u->heap_total = pgvac_ll(r, i, 7);
		u->heap_scanned = pgvac_ll(r, i, 8);
		u->heap_vacuumed = pgvac_ll(r, i, 9);
		u->index_passes = pgvac_ll(r, i, 10);
		u->dead = pgvac_ll(r, i, 11);
	}
	PQclear(r);
	return (0);
}

/* The oldest xmin horizon. */
static int
pgvac_read_horizon(PGconn *c, struct pgvac *v, struct mc_err *err)
{
	PGresult	*r;

	if ((r = pgq_query(c, pgvac_sql_horizon, 0, NULL, err)) == NULL)
		return (-1);
	if (PQntuples(r) == 1) {
		v->horizon_kind = pgvac_str(r, 0, 0);
		v->horizon_who = pgvac_str(r, 0, 1);
		v->horizon_age = pgvac_ll(r, 0, 2);
	}
	PQclear(r);
	return (0);
}

/* The connected database's tables, most dead rows first. */
static int
pgvac_read_tables(PGconn *c, struct pgvac *v, int limit, struct mc_err *err)
{
	PGresult	*r;
	char		 lim[16];
	int		 i;

	snprintf(lim, sizeof(lim), "%d", limit > 0 ? limit : 20);
	if ((r = pgq_query(c, pgvac_sql_tables, 1, (const char *[]){ lim }, err)) == NULL)
		return (-1);
	v->ntables = (size_t)PQntuples(r);
	v->tables = xcalloc(v->ntables + 1, sizeof(*v->tables));
	for (i = 0; i < PQntuples(r); i++) {
		struct pgvac_table	*t = &v->tables[i];

		t->name = xstrdup(PQgetvalue(r, i, 0));
		t->live = pgvac_ll(r, i, 1);
		t->dead = pgvac_ll(r, i, 2);
		t->av_threshold = pgvac_ll(r, i, 3);
		t->last_vacuum = pgvac_str(r, i, 4);
		t->last_vacuum_auto = pgvac_bool(r, i, 5);
		t->last_analyze = pgvac_str(r, i, 6);
		t->last_analyze_auto = pgvac_bool(r, i, 7);
		t->xid_age = pgvac_ll(r, i, 8);
		t->size = pgvac_ll(r, i, 9);
		t->bloat = pgvac_bloat_estimate(t->size, t->live,
		    PQgetisnull(r, i, 10) ? -1 : (int)pgvac_ll(r, i, 10),
		    (int)pgvac_ll(r, i, 11), (int)pgvac_ll(r, i, 12));
	}
	PQclear(r);
	return (0);
}

struct pgvac *
pgvac_read(PGconn *c, int limit, struct mc_err *err)
{
	struct pgvac	*v = xcalloc(1, sizeof(*v));

	v->server_version = PQserverVersion(c);
	if (pgvac_read_dbs(c, v, err) == -1 || pgvac_read_runs(c, v, err) == -1 ||
	    pgvac_read_horizon(c, v, err) == -1 || pgvac_read_tables(c, v, limit, err) == -1) {
		pgvac_free(v);
		return (NULL);
	}
	return (v);
}

void
pgvac_free(struct pgvac *v)
{
	size_t	i;

	if (v == NULL)
		return;
	for (i = 0; i < v->ndbs; i++)
		free(v->dbs[i].name);
	free(v->dbs);
	for (i = 0; i < v->nruns; i++) {
		free(v->runs[i].db);
		free(v->runs[i].rel);
		free(v->runs[i].phase);
	}
	free(v->runs);
	for (i = 0; i < v->ntables; i++) {
		free(v->tables[i].name);
		free(v->tables[i].last_vacuum);
		free(v->tables[i].last_analyze);
	}
	free(v->tables);
	free(v->horizon_kind);
	free(v->horizon_who);
	free(v);
}

/* "12%" of max, or "-" without a max. */
static void
pgvac_pct(long long n, long long max, char *out, size_t len)
{
	if (max <= 0)
		snprintf(out, len, "-");
	else
		snprintf(out, len, "%lld%%", n * 100 / max);
}

char *
pgvac_db_words(const struct pgvac *v, const struct pgvac_db *d)
{
	char	p[16];

	pgvac_pct(d->xid_age, v->freeze_max_age, p, sizeof(p));
	switch (d->level) {
	case PGVAC_CRIT:
		return (xasprintf("CRITICAL: %lld M transaction IDs left before PostgreSQL "
		    "stops assigning them; VACUUM (FREEZE) the oldest tables of %s now",
		    d->xids_left / 1000000, d->name));
	case PGVAC_WARN:
		return (xasprintf("age %s of autovacuum_freeze_max_age: an anti-wraparound "
		    "autovacuum should be running on %s (%lld M IDs left)", p, d->name,
		    d->xids_left / 1000000));
	default:
		return (xasprintf("%s of autovacuum_freeze_max_age; %lld M IDs before the "
		    "server stops", p, d->xids_left / 1000000));
	}
}

struct table *
pgvac_db_table(const struct pgvac *v)
{
	struct table	*t = table_new(NULL, 6, "database", "xid age", "% freeze max",
	    "mxid age", "% mxid freeze max", "state");
	char		 a[32], b[16], c[32], d[16];
	size_t		 i;

	for (i = 0; i < v->ndbs; i++) {
		snprintf(a, sizeof(a), "%lld", v->dbs[i].xid_age);
		pgvac_pct(v->dbs[i].xid_age, v->freeze_max_age, b, sizeof(b));
		snprintf(c, sizeof(c), "%lld", v->dbs[i].mxid_age);
		pgvac_pct(v->dbs[i].mxid_age, v->mfreeze_max_age, d, sizeof(d));
		table_add(t, v->dbs[i].name, a, b, c, d, pgvac_level_name(v->dbs[i].level));
	}
	return (t);
}

struct table *
pgvac_run_table(const struct pgvac *v)
{
	struct table	*t = table_new(NULL, 8, "pid", "database", "table", "kind", "phase",
	    "heap scanned", "index passes", "running");
	char		 pid[16], sc[48], ip[24], secs[24];
	size_t		 i;

	for (i = 0; i < v->nruns; i++) {
		const struct pgvac_run	*u = &v->runs[i];

		snprintf(pid, sizeof(pid), "%d", u->pid);
		if (u->heap_total > 0)
			snprintf(sc, sizeof(sc), "%lld%% (%lld/%lld blocks)",
			    u->heap_scanned * 100 / u->heap_total, u->heap_scanned, u->heap_total);
		else
			snprintf(sc, sizeof(sc), "-");
		snprintf(ip, sizeof(ip), "%lld", u->index_passes);
		snprintf(secs, sizeof(secs), "%.0f s", u->secs);
		table_add(t, pid, u->db ? u->db : "?", u->rel ? u->rel : "?",
		    u->wraparound ? "autovacuum (to prevent wraparound)" :
		    u->autovacuum ? "autovacuum" : "VACUUM", u->phase ? u->phase : "?", sc, ip, secs);
	}
	return (t);
}

struct table *
pgvac_table_table(const struct pgvac *v)
{
	struct table	*t = table_new(NULL, 9, "table", "live rows", "dead rows",
	    "autovacuum at", "last vacuum", "last analyze", "xid age", "size", "est. bloat");
	char		 l[24], d[24], at[40], x[24], s[24], b[24];
	char		*lv, *la;
	size_t		 i;

	for (i = 0; i < v->ntables; i++) {
		const struct pgvac_table *r = &v->tables[i];

		snprintf(l, sizeof(l), "%lld", r->live);
		snprintf(d, sizeof(d), "%lld", r->dead);
		snprintf(at, sizeof(at), "%lld%s", r->av_threshold,
		    r->dead > r->av_threshold ? " (due)" : "");
		snprintf(x, sizeof(x), "%lld", r->xid_age);
		snprintf(s, sizeof(s), "%lld", r->size);
		if (r->bloat < 0)
			snprintf(b, sizeof(b), "unknown");
		else
			snprintf(b, sizeof(b), "~%lld", r->bloat);
		lv = r->last_vacuum ? xasprintf("%s%s", r->last_vacuum, r->last_vacuum_auto ?
		    " (auto)" : "") : xstrdup("never");
		la = r->last_analyze ? xasprintf("%s%s", r->last_analyze, r->last_analyze_auto ?
		    " (auto)" : "") : xstrdup("never");
		table_add(t, r->name, l, d, at, lv, la, x, s, b);
		free(lv);
		free(la);
	}
	return (t);
}

cJSON *
pgvac_to_json(const struct pgvac *v)
{
	cJSON	*doc = cJSON_CreateObject(), *a, *o;
	char	*w;
	size_t	 i;

	cJSON_AddStringToObject(doc, "level", pgvac_level_name(v->level));
	cJSON_AddNumberToObject(doc, "autovacuum_freeze_max_age", (double)v->freeze_max_age);
	cJSON_AddNumberToObject(doc, "autovacuum_multixact_freeze_max_age",
	    (double)v->mfreeze_max_age);
	a = cJSON_AddArrayToObject(doc, "databases");
	for (i = 0; i < v->ndbs; i++) {
		o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "name", v->dbs[i].name);
		cJSON_AddNumberToObject(o, "xid_age", (double)v->dbs[i].xid_age);
		cJSON_AddNumberToObject(o, "mxid_age", (double)v->dbs[i].mxid_age);
		cJSON_AddNumberToObject(o, "ids_left", (double)v->dbs[i].xids_left);
		cJSON_AddStringToObject(o, "level", pgvac_level_name(v->dbs[i].level));
		w = pgvac_db_words(v, &v->dbs[i]);
		cJSON_AddStringToObject(o, "state", w);
		free(w);
		cJSON_AddItemToArray(a, o);
	}
	a = cJSON_AddArrayToObject(doc, "running");
	for (i = 0; i < v->nruns; i++) {
		const struct pgvac_run	*u = &v->runs[i];

		o = cJSON_CreateObject();
		cJSON_AddNumberToObject(o, "pid", u->pid);
		cJSON_AddStringToObject(o, "database", u->db ? u->db : "");
		cJSON_AddStringToObject(o, "table", u->rel ? u->rel : "");
		cJSON_AddStringToObject(o, "phase", u->phase ? u->phase : "");
		cJSON_AddBoolToObject(o, "autovacuum", u->autovacuum);
		cJSON_AddBoolToObject(o, "wraparound", u->wraparound);
		cJSON_AddNumberToObject(o, "seconds", u->secs);
		cJSON_AddNumberToObject(o, "heap_blks_total", (double)u->heap_total);
		cJSON_AddNumberToObject(o, "heap_blks_scanned", (double)u->heap_scanned);
		cJSON_AddNumberToObject(o, "heap_blks_vacuumed", (double)u->heap_vacuumed);
		cJSON_AddNumberToObject(o, "index_vacuum_count", (double)u->index_passes);
		cJSON_AddNumberToObject(o, "dead_tuples", (double)u->dead);
		cJSON_AddItemToArray(a, o);
	}
	if (v->horizon_kind != NULL) {
		o = cJSON_AddObjectToObject(doc, "xmin_horizon");
		cJSON_AddStringToObject(o, "kind", v->horizon_kind);
		cJSON_AddStringToObject(o, "holder", v->horizon_who ? v->horizon_who : "");
		cJSON_AddNumberToObject(o, "age", (double)v->horizon_age);
	} else
		cJSON_AddNullToObject(doc, "xmin_horizon");
	a = cJSON_AddArrayToObject(doc, "tables");
	for (i = 0; i < v->ntables; i++) {
		const struct pgvac_table *t = &v->tables[i];

		o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "table", t->name);
		cJSON_AddNumberToObject(o, "live_rows", (double)t->live);
		cJSON_AddNumberToObject(o, "dead_rows", (double)t->dead);
		cJSON_AddNumberToObject(o, "autovacuum_threshold", (double)t->av_threshold);
		cJSON_AddBoolToObject(o, "autovacuum_due", t->dead > t->av_threshold);
		if (t->last_vacuum != NULL)
			cJSON_AddStringToObject(o, "last_vacuum", t->last_vacuum);
		else
			cJSON_AddNullToObject(o, "last_vacuum");
		cJSON_AddBoolToObject(o, "last_vacuum_auto", t->last_vacuum_auto);
		if (t->last_analyze != NULL)
			cJSON_AddStringToObject(o, "last_analyze", t->last_analyze);
		else
			cJSON_AddNullToObject(o, "last_analyze");
		cJSON_AddBoolToObject(o, "last_analyze_auto", t->last_analyze_auto);
		cJSON_AddNumberToObject(o, "xid_age", (double)t->xid_age);
		cJSON_AddNumberToObject(o, "size_bytes", (double)t->size);
		if (t->bloat >= 0)
			cJSON_AddNumberToObject(o, "est_bloat_bytes", (double)t->bloat);
		else
			cJSON_AddNullToObject(o, "est_bloat_bytes");
		cJSON_AddItemToArray(a, o);
	}
	return (doc);
}
