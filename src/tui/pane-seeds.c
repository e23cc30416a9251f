/*
 * pane-seeds.c - the Seeds pane: the seed sets of the target's seeds
 * directory with their files, target tables, the rows those tables hold and
 * what the seed ledger (mcpdb.seed_loads) says was last loaded; a load with
 * a choice of mode and dry-run, a progress bar with rows per second and the
 * time left; Esc cancels (the transaction rolls back, and the pane checks
 * that no row of the set's tables changed); errors show the loader's
 * FILE:LINE message in full.
 *
 * Model. A refresh job reads the directory (manifests, file sizes) and the
 * database (ledger, row counts) into a struct pd_data handed to the UI
 * thread whole. A load job runs seed_run on a dedicated session, as the CLI
 * does; its progress (seed_opts.progress_stats, at most four times a
 * second) is copied under load->mtx, and the UI thread draws it each tick.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <cjson/cJSON.h>
#include <libpq-fe.h>

#include "buf.h"
#include "conn.h"
#include "pgq.h"
#include "pool.h"
#include "schema.h"
#include "seed.h"
#include "seedfmt.h"
#include "xmem.h"
#include "draw.h"
#include "pane.h"
#include "textview.h"
#include "ui.h"
#include "clk.h"
#include "eta.h"

#define PD_REFRESH_MS	10000	/* re-read while on screen */
#define PD_VISIBLE_MS	1500
#define PD_COUNT_UNDER	1000000	/* count(*) tables estimated below this many rows */
#define PD_CANCEL_AFTER_MS 1000	/* after Esc, cancel on the server if still running */

/* One file of a set, with what the database says about it. */
struct pd_file {
	char		*file;
	char		*table;		/* schema.table */
	const char	*format;
	long long	 bytes;		/* -1: missing */
	long long	 led_rows;	/* rows of its last load, -1: never loaded */
	char		*led_at;
	char		*led_mode;
};

/* One set. */
struct pd_set {
	char		*name;
	char		*desc;
	char		*err;		/* the manifest's problem, or NULL */
	enum seed_mode	 mode;
	struct pd_file	*f;
	size_t		 nf;
	long long	 bytes;
	char		*last_at;	/* newest load of any of its files, or NULL */
	size_t		 nloaded;	/* files with a ledger row */
};

/* Rows a target table holds. */
struct pd_count {
	char		*table;
	long long	 rows;		/* -1: the table does not exist */
	bool		 exact;
};

/* A table outside the sets that a DELETE of a set's table reaches by its foreign keys. */
struct pd_ref {
	char		*parent;	/* the set's table, or a table it cascades to */
	char		*child;		/* schema.table */
	char		 action;	/* confdeltype: c cascade, n set null, d set default */
	long long	 est;		/* reltuples, -1 never analysed */
};

/* What a refresh read. */
struct pd_data {
	char		*dir;
	char		*err;		/* the directory cannot be read, or NULL */
	char		*db_note;	/* why ledger/counts are missing, or NULL */
	struct pd_set	*sets;
	size_t		 n;
	struct pd_count	*counts;
	size_t		 ncounts;
	struct pd_ref	*refs;		/* what a replace's DELETE reaches beyond the sets */
	size_t		 nrefs;
};

/* A load (or verify) in progress, shared with the job thread. */
struct pd_load {
	struct pane_seeds	*p;		/* UI thread only */
	const struct conf_target *t;
	volatile int		*stop;
	char			*dir;
	char			*set;
	char			**tables;	/* to check that a failed load changed nothing */
	size_t			 ntables;
	struct seed_opts	 o;
	long long		 total_bytes;
	int64_t			 started_ms;
	char			*title;
	/* Guarded by mtx. */
	pthread_mutex_t		 mtx;
	char			 file[256];
	int			 file_no, nfiles;
	long long		 rows;
	long long		 bytes;
	long long		 total;		/* the loader's total, 0 until it says */
	double			 rate;
	struct eta		 eta;		/* smoothed byte rate, for the ETA */
	bool			 progressed;
	PGcancel		*cancel;	/* the session's cancel handle while it runs */
	/* UI thread only. */
	int64_t			 stop_at;	/* when Esc was pressed, or 0 */
	bool			 cancel_sent;
	/* Results (read after it finished). */
	struct seed_report	*rep;
	char			*check;		/* "no row changed" / what changed, or NULL */
	bool			 changed;
	long long		 size0, size1;	/* the tables' total size before/after, -1 unknown */
};

/*
 * What a rolled-back load (failed, cancelled or a dry run) left in the
 * set's tables: its rows are dead but keep their heap and index space until
 * VACUUM (which lets it be reused) and REINDEX (which gives index space
 * back). Shown on the pane with the fix, behind a confirmation.
 */
struct pd_bloat {
	char		*set;
	char		**tables;
	size_t		 ntables;
	long long	 left;		/* bytes the load added and left */
};

/* A VACUUM + REINDEX of a bloat's tables on the job thread. */
struct pd_clean {
	struct pane_seeds	*p;
	const struct conf_target *t;
	struct pd_bloat		*b;	/* owned */
	long long		 size0, size1;
	char			*failed;	/* the statement that failed, or NULL */
};

struct pane_seeds {
	struct ui		*ui;
	const struct conf_target *t;
	struct pd_data		*d;
	bool			 loading;
	int64_t			 read_at;
	struct textview		 sets;
	struct textview		 files;
	size_t			 files_of;	/* set whose files are listed */
	struct textview		 out;
	struct pd_load		*load;
	char			*last;
	enum draw_role		 last_role;
	/* The load dialog. */
	bool			 picking;
	enum seed_mode		 mode;
	bool			 dry;
	int64_t			 drawn_at;
	bool			 wanted;	/* shown or completed once */
	struct pd_bloat		*bloat;		/* left by the last rolled-back load, or NULL */
	bool			 cleaning;
};

/* Below this, what a rolled-back load left is not worth a VACUUM. */
#define PD_BLOAT_MIN	(1024 * 1024)

static const char *const pane_seeds_keys[] = {
	"Up/Down j/k  select a seed set",
	"l            load the selected set: choose the mode (a/u/r) and dry-run (d), Enter",
	"v            verify the selected set against the catalog (writes nothing)",
	"Esc          during a load: cancel it (the transaction rolls back)",
	"s            read the sets, the ledger and the row counts again",
	"[ ]          scroll the load output back / forward",
	"V            after a rolled-back load: VACUUM and REINDEX its tables (asks first)",
	NULL,
};

static void	pane_seeds_refresh(struct pane_seeds *);
static int	pd_read_refs(PGconn *, char *const *, size_t, struct pd_data *, struct mc_err *);

/* ---------------------------------------------------------------- data */

/* Free what a refresh read. */
static void
pd_data_free(struct pd_data *d)
{
	size_t	i, k;

	if (d == NULL)
		return;
	for (i = 0; i < d->n; i++) {
		struct pd_set	*s = &d->sets[i];

		for (k = 0; k < s->nf; k++) {
			free(s->f[k].file);
			free(s->f[k].table);
			free(s->f[k].led_at);
			free(s->f[k].led_mode);
		}
		free(s->f);
		free(s->name);
		free(s->desc);
		free(s->err);
		free(s->last_at);
	}
	for (i = 0; i < d->ncounts; i++)
		free(d->counts[i].table);
	free(d->counts);
	free(d->sets);
	free(d->dir);
	free(d->err);
	free(d->db_note);
	for (i = 0; i < d->nrefs; i++) {
		free(d->refs[i].parent);
		free(d->refs[i].child);
	}
	free(d->refs);
	free(d);
}

/* Read set name's manifest and file sizes into s. */
static void
pd_read_set(const char *dir, const char *name, struct pd_set *s)
{
	struct seedfmt_manifest	*m;
	struct mc_err		 e;
	struct stat		 st;
	char			*path;
	size_t			 k;

	mc_err_clear(&e);
	s->name = xstrdup(name);
	/* never through a symbolic link (seed.c) */
	if ((m = seed_manifest_read(dir, name, &e)) == NULL) {
		s->err = xstrdup(e.msg);
		return;
	}
	s->desc = m->description ? xstrdup(m->description) : NULL;
	s->mode = m->mode;
	s->nf = m->nfiles;
	s->f = xcalloc(m->nfiles + 1, sizeof(*s->f));
	for (k = 0; k < m->nfiles; k++) {
		struct pd_file	*f = &s->f[k];

		f->file = xstrdup(m->files[k].file);
		f->table = xasprintf("%s.%s", m->files[k].schema, m->files[k].table);
		f->format = m->files[k].format == SEEDFMT_CSV ? "csv" : "ndjson";
		f->led_rows = -1;
		path = xasprintf("%s/%s/%s", dir, name, m->files[k].file);
		f->bytes = lstat(path, &st) == 0 && S_ISREG(st.st_mode) ?
		    (long long)st.st_size : -1;
		if (f->bytes > 0)
			s->bytes += f->bytes;
		free(path);
	}
	seedfmt_manifest_free(m);
}

/* The ledger's newest row per file into the sets. */
static int
pd_read_ledger(PGconn *c, struct pd_data *d, struct mc_err *err)
{
	PGresult	*res;
	int		 r;
	size_t		 i, k;

	res = pgq_query(c, "SELECT pg_catalog.to_regclass('mcpdb.seed_loads') IS NOT NULL", 0,
	    NULL, err);
	if (res == NULL)
		return (-1);
	r = strcmp(PQgetvalue(res, 0, 0), "t") == 0;
	PQclear(res);
	if (!r)
		return (0);	/* nothing was ever loaded here */
	res = pgq_query(c, "SELECT DISTINCT ON (set_name, file) set_name, file, rows, mode,"
	    " pg_catalog.to_char(loaded_at, 'YYYY-MM-DD HH24:MI:SS TZ')"
	    " FROM mcpdb.seed_loads ORDER BY set_name, file, id DESC", 0, NULL, err);
	if (res == NULL)
		return (-1);
	for (r = 0; r < PQntuples(res); r++)
		for (i = 0; i < d->n; i++) {
			struct pd_set	*s = &d->sets[i];

			if (strcmp(s->name, PQgetvalue(res, r, 0)) != 0)
				continue;
			for (k = 0; k < s->nf; k++) {
				struct pd_file	*f = &s->f[k];

				if (strcmp(f->file, PQgetvalue(res, r, 1)) != 0)
					continue;
				f->led_rows = strtoll(PQgetvalue(res, r, 2), NULL, 10);
				f->led_mode = xstrdup(PQgetvalue(res, r, 3));
				f->led_at = xstrdup(PQgetvalue(res, r, 4));
				s->nloaded++;
				if (s->last_at == NULL || strcmp(f->led_at, s->last_at) > 0) {
					free(s->last_at);
					s->last_at = xstrdup(f->led_at);
				}
			}
		}
	PQclear(res);
	return (0);
}

/* "schema.table" (or "table") as quoted identifiers (pgq_ident). Caller frees; NULL on error. */
static char *
pd_quote_table(PGconn *c, const char *name)
{
	const char	*dot = strchr(name, '.');
	char		*sch, *q1, *q2, *r;

	if (dot == NULL)
		return (pgq_ident(c, name, NULL));
	sch = xstrndup(name, (size_t)(dot - name));
	q1 = pgq_ident(c, sch, NULL);
	q2 = pgq_ident(c, dot + 1, NULL);
	free(sch);
	r = q1 && q2 ? xasprintf("%s.%s", q1, q2) : NULL;
	free(q1);
	free(q2);
	return (r);
}

/*
 * Rows in each of tables: estimates from the catalog, then exact counts for
 * tables estimated under `under` rows (one statement, READ ONLY, 3 s
 * statement timeout; estimates stay when it fails). *out has n entries.
 */
static int
pd_count_rows(PGconn *c, char *const *tables, size_t n, long long under,
    struct pd_count **out, struct mc_err *err)
{
	struct pd_count	*v = xcalloc(n + 1, sizeof(*v));
	PGresult	*res;
	struct buf	 sql;
	char		*arr, *qt;
	size_t		 i, nexact = 0;
	int		 r;

	*out = v;
	for (i = 0; i < n; i++) {
		v[i].table = xstrdup(tables[i]);
		v[i].rows = -1;
	}
	if (n == 0)
		return (0);
	arr = schema_text_array((const char *const *)tables, n);
	res = pgq_query(c, "SELECT n.nspname || '.' || c.relname, c.reltuples::bigint"
	    " FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace"
	    " WHERE c.relkind IN ('r', 'p') AND n.nspname || '.' || c.relname = ANY ($1::text[])",
	    1, (const char *[]){ arr }, err);
	free(arr);
	if (res == NULL)
		return (-1);
	for (r = 0; r < PQntuples(res); r++)
		for (i = 0; i < n; i++)
			if (strcmp(v[i].table, PQgetvalue(res, r, 0)) == 0) {
				v[i].rows = strtoll(PQgetvalue(res, r, 1), NULL, 10);
				if (v[i].rows < 0)
					v[i].rows = 0;	/* never analysed: counted below */
			}
	PQclear(res);
	buf_init(&sql);
	for (i = 0; i < n; i++) {
		if (v[i].rows < 0 || v[i].rows >= under || strchr(v[i].table, '.') == NULL)
			continue;
		if ((qt = pd_quote_table(c, v[i].table)) != NULL)
			buf_printf(&sql, "%sSELECT %zu, count(*) FROM %s", nexact++ ? " UNION ALL " :
			    "", i, qt);
		free(qt);
	}
	if (nexact > 0) {
		PQclear(PQexec(c, "BEGIN READ ONLY; SET LOCAL statement_timeout = '3s'"));
		res = PQexec(c, sql.data);
		if (PQresultStatus(res) == PGRES_TUPLES_OK)
			for (r = 0; r < PQntuples(res); r++) {
				i = (size_t)strtoul(PQgetvalue(res, r, 0), NULL, 10);
				if (i < n) {
					v[i].rows = strtoll(PQgetvalue(res, r, 1), NULL, 10);
					v[i].exact = true;
				}
			}
		PQclear(res);
		PQclear(PQexec(c, "ROLLBACK"));
	}
	buf_done(&sql);
	return (0);
}

/* The distinct target tables of every set. Caller frees each and the array. */
static char **
pd_tables(const struct pd_data *d, size_t *n)
{
	char	**v = NULL;
	size_t	  i, k, j;

	*n = 0;
	for (i = 0; i < d->n; i++)
		for (k = 0; k < d->sets[i].nf; k++) {
			for (j = 0; j < *n; j++)
				if (strcmp(v[j], d->sets[i].f[k].table) == 0)
					break;
			if (j < *n)
				continue;
			v = xreallocarray(v, *n + 1, sizeof(char *));
			v[(*n)++] = xstrdup(d->sets[i].f[k].table);
		}
	return (v);
}

/* A refresh. */
struct pd_refresh {
	struct pane_seeds	*p;
	const struct conf_target *t;
	struct pd_data		*d;
};

/* Read the sets, the ledger and the counts. Job thread. */
static int
pd_refresh_job(struct conn *conn, void *arg, void (*line)(void *, const char *),
    void *line_arg, struct mc_err *err)
{
	struct pd_refresh	*j = arg;
	struct pd_data		*d = xcalloc(1, sizeof(*d));
	struct table		*list;
	struct pool		*pool;
	struct mc_err		 e;
	PGconn			*c;
	char			**tables;
	size_t			 i, nt;

	(void)line;
	(void)line_arg;
	(void)err;
	j->d = d;
	d->dir = seed_dir_resolve(NULL, j->t);
	mc_err_clear(&e);
	if ((list = seed_list(d->dir, &e)) == NULL) {
		d->err = xstrdup(e.msg);
		return (0);
	}
	d->n = list->nrows;
	d->sets = xcalloc(d->n + 1, sizeof(*d->sets));
	for (i = 0; i < d->n; i++)
		pd_read_set(d->dir, table_cell(list, i, 0), &d->sets[i]);
	table_free(list);
	tables = pd_tables(d, &nt);
	mc_err_clear(&e);
	if ((pool = conn_pool(conn, &e)) == NULL || (c = pool_acquire(pool, "seeds pane", &e)) == NULL)
		d->db_note = xasprintf("ledger and row counts not read: %s", e.msg);
	else {
		if (pd_read_ledger(c, d, &e) == -1 ||
		    pd_count_rows(c, tables, nt, PD_COUNT_UNDER, &d->counts, &e) == -1)
			d->db_note = xasprintf("ledger and row counts not read: %s", e.msg);
		d->ncounts = d->counts != NULL ? nt : 0;
		mc_err_clear(&e);
		if (d->db_note == NULL && pd_read_refs(c, tables, nt, d, &e) == -1)
			d->db_note = xasprintf("foreign keys into the sets' tables not read: %s",
			    e.msg);
		pool_release(pool, c);
	}
	for (i = 0; i < nt; i++)
		free(tables[i]);
	free(tables);
	return (0);
}

/*
 * The tables outside `tables` that deleting from them changes through
 * foreign keys: ON DELETE CASCADE followed to any depth (16 at most), SET
 * NULL / SET DEFAULT one step, each with its row estimate. One statement.
 */
static int
pd_read_refs(PGconn *c, char *const *tables, size_t n, struct pd_data *d, struct mc_err *err)
{
	PGresult	*res;
	char		*arr;
	int		 r;

	if (n == 0)
		return (0);
	arr = schema_text_array((const char *const *)tables, n);
	res = pgq_query(c, "WITH RECURSIVE s AS ("
	    "  SELECT pg_catalog.to_regclass(t) AS oid FROM pg_catalog.unnest($1::text[]) AS t),"
	    " r(parent, child, action, depth) AS ("
	    "  SELECT k.confrelid, k.conrelid, k.confdeltype, 1 FROM pg_catalog.pg_constraint k"
	    "   WHERE k.contype = 'f' AND k.confrelid IN (SELECT oid FROM s)"
	    "  UNION"
	    "  SELECT k.confrelid, k.conrelid, k.confdeltype, r.depth + 1"
	    "   FROM r JOIN pg_catalog.pg_constraint k ON k.confrelid = r.child AND k.contype = 'f'"
	    "   WHERE r.action = 'c' AND r.depth < 16)"
	    " SELECT DISTINCT ON (cn.nspname, cc.relname, r.action)"
	    "  pn.nspname || '.' || pc.relname, cn.nspname || '.' || cc.relname, r.action,"
	    "  cc.reltuples::bigint"
	    " FROM r JOIN pg_catalog.pg_class cc ON cc.oid = r.child"
	    " JOIN pg_catalog.pg_namespace cn ON cn.oid = cc.relnamespace"
	    " JOIN pg_catalog.pg_class pc ON pc.oid = r.parent"
	    " JOIN pg_catalog.pg_namespace pn ON pn.oid = pc.relnamespace"
	    " WHERE r.action IN ('c', 'n', 'd') AND r.child NOT IN (SELECT oid FROM s WHERE oid IS NOT NULL)"
	    " ORDER BY cn.nspname, cc.relname, r.action, r.depth",
	    1, (const char *[]){ arr }, err);
	free(arr);
	if (res == NULL)
		return (-1);
	d->nrefs = (size_t)PQntuples(res);
	d->refs = xcalloc(d->nrefs + 1, sizeof(*d->refs));
	for (r = 0; r < PQntuples(res); r++) {
		d->refs[r].parent = xstrdup(PQgetvalue(res, r, 0));
		d->refs[r].child = xstrdup(PQgetvalue(res, r, 1));
		d->refs[r].action = PQgetvalue(res, r, 2)[0];
		d->refs[r].est = strtoll(PQgetvalue(res, r, 3), NULL, 10);
	}
	PQclear(res);
	return (0);
}

/* ---------------------------------------------------------------- views */

/* The count entry of table, or NULL. */
static const struct pd_count *
pd_count_of(const struct pd_data *d, const char *table)
{
	size_t	i;

	for (i = 0; i < d->ncounts; i++)
		if (strcmp(d->counts[i].table, table) == 0)
			return (&d->counts[i]);
	return (NULL);
}

/* Fill the sets list. */
static void
pd_fill_sets(struct pane_seeds *p)
{
	const char	*hdr[6] = { "set", "mode", "files", "size", "last loaded", "description" };
	const char	*cells[6];
	char		 nf[32], sz[32], last[96], *row;
	int		 cw[6] = { 3, 7, 5, 10, 11, 11 }, w;
	size_t		 i;

	textview_clear(&p->sets);
	if (p->d == NULL)
		return;
	for (i = 0; i < p->d->n; i++)
		if ((w = draw_width(p->d->sets[i].name)) > cw[0])
			cw[0] = w > 30 ? 30 : w;
	cw[4] = 28;
	free(p->sets.header);
	p->sets.header = textview_row(hdr, cw, 6);
	for (i = 0; i < p->d->n; i++) {
		const struct pd_set	*s = &p->d->sets[i];

		cells[0] = s->name;
		if (s->err != NULL) {
			cells[1] = cells[2] = cells[3] = cells[4] = "-";
			cells[5] = s->err;
			row = textview_row(cells, cw, 6);
			textview_add(&p->sets, DR_BAD, row);
			free(row);
			continue;
		}
		snprintf(nf, sizeof(nf), "%zu", s->nf);
		draw_fmt_bytes(sz, sizeof(sz), (double)s->bytes);
		if (s->last_at == NULL)
			snprintf(last, sizeof(last), "never");
		else if (s->nloaded < s->nf)
			snprintf(last, sizeof(last), "%s (%zu/%zu files)", s->last_at, s->nloaded,
			    s->nf);
		else
			snprintf(last, sizeof(last), "%s", s->last_at);
		cells[1] = seedfmt_mode_name(s->mode);
		cells[2] = nf;
		cells[3] = sz;
		cells[4] = last;
		cells[5] = s->desc ? s->desc : "";
		row = textview_row(cells, cw, 6);
		textview_add(&p->sets, s->last_at ? DR_OK : DR_NORMAL, row);
		free(row);
	}
}

/* Fill the files list of the selected set. */
static void
pd_fill_files(struct pane_seeds *p)
{
	const char		*hdr[7] = { "file", "table", "format", "size", "rows in table",
				    "last load", "" };
	const char		*cells[7];
	char			 sz[32], rows[48], led[160], *row;
	int			 cw[7] = { 4, 5, 6, 10, 13, 9, 0 }, w;
	const struct pd_set	*s;
	size_t			 k;

	textview_clear(&p->files);
	p->files_of = p->sets.cursor;
	if (p->d == NULL || p->sets.cursor >= p->d->n)
		return;
	s = &p->d->sets[p->sets.cursor];
	for (k = 0; k < s->nf; k++) {
		if ((w = draw_width(s->f[k].file)) > cw[0])
			cw[0] = w > 44 ? 44 : w;
		if ((w = draw_width(s->f[k].table)) > cw[1])
			cw[1] = w > 40 ? 40 : w;
	}
	free(p->files.header);
	p->files.header = textview_row(hdr, cw, 6);
	for (k = 0; k < s->nf; k++) {
		const struct pd_file	*f = &s->f[k];
		const struct pd_count	*c = pd_count_of(p->d, f->table);
		enum draw_role		 role = DR_NORMAL;

		if (f->bytes < 0) {
			snprintf(sz, sizeof(sz), "MISSING");
			role = DR_BAD;
		} else
			draw_fmt_bytes(sz, sizeof(sz), (double)f->bytes);
		if (c == NULL)
			snprintf(rows, sizeof(rows), "?");
		else if (c->rows < 0) {
			snprintf(rows, sizeof(rows), "no such table");
			role = DR_BAD;
		} else {
			rows[0] = c->exact ? ' ' : '~';
			draw_fmt_count(rows + 1, sizeof(rows) - 1, c->rows);
		}
		if (f->led_rows < 0)
			snprintf(led, sizeof(led), "never");
		else {
			char	n[32];

			snprintf(led, sizeof(led), "%s rows, %s, %s",
			    draw_fmt_count(n, sizeof(n), f->led_rows), f->led_mode, f->led_at);
		}
		cells[0] = f->file;
		cells[1] = f->table;
		cells[2] = f->format;
		cells[3] = sz;
		cells[4] = rows;
		cells[5] = led;
		row = textview_row(cells, cw, 6);
		textview_add(&p->files, role, row);
		free(row);
	}
}

/* A refresh ended. UI thread. */
static void
pd_refresh_finished(void *arg, int status, const struct mc_err *err)
{
	struct pd_refresh	*j = arg;
	struct pane_seeds	*p = j->p;
	size_t			 cur = p->sets.cursor;

	p->loading = false;
	p->read_at = clk_mono_ms();
	if (status == -1 || j->d == NULL) {
		pd_data_free(j->d);
		j->d = xcalloc(1, sizeof(*j->d));
		j->d->err = xstrdup(err->msg);
	}
	pd_data_free(p->d);
	p->d = j->d;
	free(j);
	pd_fill_sets(p);
	p->sets.cursor = cur < p->sets.n ? cur : 0;
	pd_fill_files(p);
}

/* Read everything again (unless a read or a load is under way). */
static void
pane_seeds_refresh(struct pane_seeds *p)
{
	struct pd_refresh	*j;

	if (p->loading || p->load != NULL)
		return;
	j = xcalloc(1, sizeof(*j));
	j->p = p;
	j->t = p->t;
	if (!ui_job(p->ui, "seed sets", pd_refresh_job, j, pd_refresh_finished, false)) {
		free(j);
		return;
	}
	p->loading = true;
}

/* ---------------------------------------------------------------- loads */

/* The loader's progress, as numbers (seed_opts.progress_stats). Job thread. */
static void
pd_progress(void *arg, const struct seed_progress *sp)
{
	struct pd_load	*l = arg;

	pthread_mutex_lock(&l->mtx);
	snprintf(l->file, sizeof(l->file), "%s", sp->file ? sp->file : "");
	l->file_no = sp->file_no;
	l->nfiles = sp->nfiles;
	l->rows = sp->rows;
	l->bytes = sp->bytes;
	l->total = sp->total_bytes;
	l->rate = sp->rows_per_s;
	eta_update(&l->eta, clk_mono_ms(), (double)sp->bytes);
	l->progressed = true;
	pthread_mutex_unlock(&l->mtx);
}

/* Exact rows of each of the load's tables into v (-1 when not counted). */
static void
pd_load_count(PGconn *c, const struct pd_load *l, long long *v)
{
	struct pd_count	*cnt = NULL;
	size_t		 i;

	for (i = 0; i < l->ntables; i++)
		v[i] = -1;
	if (pd_count_rows(c, l->tables, l->ntables, LLONG_MAX, &cnt, NULL) == 0)
		for (i = 0; i < l->ntables; i++)
			if (cnt[i].exact)
				v[i] = cnt[i].rows;
	for (i = 0; cnt != NULL && i < l->ntables; i++)
		free(cnt[i].table);
	free(cnt);
}

static bool	pd_refuse_read_only(struct pane_seeds *);

/* Total size (heap, indexes, TOAST) of tables; -1 when it cannot be read. */
static long long
pd_tables_size(PGconn *c, char *const *tables, size_t n)
{
	PGresult	*res;
	char		*arr = schema_text_array((const char *const *)tables, n);
	long long	 v = -1;

	res = pgq_query(c, "SELECT coalesce(sum(pg_catalog.pg_total_relation_size(t::regclass)), 0)"
	    " FROM pg_catalog.unnest($1::text[]) AS t WHERE pg_catalog.to_regclass(t) IS NOT NULL",
	    1, (const char *[]){ arr }, NULL);
	free(arr);
	if (res != NULL && PQntuples(res) == 1)
		v = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	PQclear(res);
	return (v);
}

/* Run the load on a session of its own, as `mcpdb seed load` does. Job thread. */
static int
pd_load_job(struct conn *conn, void *arg, void (*line)(void *, const char *),
    void *line_arg, struct mc_err *err)
{
	struct pd_load	*l = arg;
	PGconn		*c;
	long long	*before, *after;
	size_t		 i;
	int		 rc;
	struct buf	 b;

	(void)conn;
	(void)line;
	(void)line_arg;
	if ((c = pgq_connect(l->t, "seed", err)) == NULL)
		return (-1);
	pthread_mutex_lock(&l->mtx);
	l->cancel = PQgetCancel(c);
	pthread_mutex_unlock(&l->mtx);
	before = xcalloc(l->ntables + 1, sizeof(long long));
	after = xcalloc(l->ntables + 1, sizeof(long long));
	if (!l->o.verify && !l->o.dry_run)
		pd_load_count(c, l, before);
	l->size0 = l->size1 = -1;
	if (!l->o.verify)
		l->size0 = pd_tables_size(c, l->tables, l->ntables);
	rc = seed_run(c, l->dir, l->set, &l->o, &l->rep, err);
	pthread_mutex_lock(&l->mtx);
	PQfreeCancel(l->cancel);	/* NULL when the UI took it */
	l->cancel = NULL;
	pthread_mutex_unlock(&l->mtx);
	if (rc != 0 && !l->o.verify && !l->o.dry_run && PQstatus(c) == CONNECTION_OK) {
		/* Prove the rollback: the set's tables hold what they held. */
		pd_load_count(c, l, after);
		buf_init(&b);
		for (i = 0; i < l->ntables; i++) {
			if (before[i] < 0 || after[i] < 0)
				buf_printf(&b, "%s%s: not counted", b.len ? ", " : "", l->tables[i]);
			else if (before[i] != after[i]) {
				buf_printf(&b, "%s%s: %lld -> %lld rows", b.len ? ", " : "",
				    l->tables[i], before[i], after[i]);
				l->changed = true;
			}
		}
		if (l->changed)
			l->check = xasprintf("ROWS CHANGED after the failed load (another writer?): %s",
			    b.data);
		else if (b.len > 0)
			l->check = xasprintf("checked: no counted table of the set changed (%s)",
			    b.data);
		else
			l->check = xasprintf("checked: no row of the set's %zu table%s changed",
			    l->ntables, l->ntables == 1 ? "" : "s");
		buf_done(&b);
	}
	/* Rolled back (failed, cancelled, dry run): what did its dead rows leave? */
	if ((rc != 0 || l->o.dry_run) && l->size0 >= 0 && PQstatus(c) == CONNECTION_OK &&
	    PQtransactionStatus(c) == PQTRANS_IDLE)
		l->size1 = pd_tables_size(c, l->tables, l->ntables);
	free(before);
	free(after);
	PQfinish(c);
	return (rc);
}

/* Free a bloat note. */
static void
pd_bloat_free(struct pd_bloat *b)
{
	size_t	i;

	if (b == NULL)
		return;
	for (i = 0; i < b->ntables; i++)
		free(b->tables[i]);
	free(b->tables);
	free(b->set);
	free(b);
}

/* Note what rolled-back load l left in its tables, if it is worth a VACUUM. UI thread. */
static void
pd_bloat_note(struct pane_seeds *p, const struct pd_load *l)
{
	struct pd_bloat	*b;
	char		 sz[32];
	size_t		 i;

	if (l->size0 < 0 || l->size1 < 0 || l->size1 - l->size0 < PD_BLOAT_MIN)
		return;
	pd_bloat_free(p->bloat);
	b = p->bloat = xcalloc(1, sizeof(*b));
	b->set = xstrdup(l->set);
	b->left = l->size1 - l->size0;
	b->tables = xcalloc(l->ntables + 1, sizeof(char *));
	for (i = 0; i < l->ntables; i++)
		b->tables[i] = xstrdup(l->tables[i]);
	b->ntables = l->ntables;
	draw_fmt_bytes(sz, sizeof(sz), (double)b->left);
	textview_addf(&p->out, DR_WARN, "the rolled-back rows left %s in the set's %zu table%s "
	    "(dead rows and index entries stay until VACUUM; indexes shrink only with "
	    "REINDEX): press V to VACUUM and REINDEX them", sz, b->ntables,
	    b->ntables == 1 ? "" : "s");
}

/* VACUUM (ANALYZE) then REINDEX TABLE CONCURRENTLY each table. Job thread. */
static int
pd_clean_job(struct conn *conn, void *arg, void (*line)(void *, const char *),
    void *line_arg, struct mc_err *err)
{
	struct pd_clean	*k = arg;
	PGconn		*c;
	char		*q, *sql;
	size_t		 i, j;
	static const char *const verbs[] = { "VACUUM (ANALYZE) %s", "REINDEX TABLE CONCURRENTLY %s" };

	(void)conn;
	(void)line;
	(void)line_arg;
	if ((c = pgq_connect(k->t, "seed", err)) == NULL)
		return (-1);
	k->size0 = pd_tables_size(c, k->b->tables, k->b->ntables);
	for (i = 0; i < k->b->ntables; i++) {
		if ((q = pd_quote_table(c, k->b->tables[i])) == NULL) {
			mc_err_set(err, MC_E_INPUT, "cannot quote table name %s", k->b->tables[i]);
			PQfinish(c);
			return (-1);
		}
		for (j = 0; j < 2; j++) {
			sql = xasprintf(verbs[j], q);
			if (pgq_exec(c, sql, err) != 0) {
				k->failed = sql;
				free(q);
				PQfinish(c);
				return (-1);
			}
			free(sql);
		}
		free(q);
	}
	k->size1 = pd_tables_size(c, k->b->tables, k->b->ntables);
	PQfinish(c);
	return (0);
}

/* The clean-up ended: say what it reclaimed. UI thread. */
static void
pd_clean_finished(void *arg, int status, const struct mc_err *err)
{
	struct pd_clean		*k = arg;
	struct pane_seeds	*p = k->p;
	char			 a[32], b[32];

	p->cleaning = false;
	if (status == -1) {
		textview_addf(&p->out, DR_BAD, "clean-up of seed set %s failed%s%s: %s",
		    k->b->set, k->failed ? " at " : "", k->failed ? k->failed : "", err->msg);
		ui_message(p->ui, true, "%s", err->msg);
		/* Keep the note: the operator may try again. */
		if (p->bloat == NULL) {
			p->bloat = k->b;
			k->b = NULL;
		}
	} else {
		draw_fmt_bytes(a, sizeof(a), (double)k->size0);
		draw_fmt_bytes(b, sizeof(b), (double)k->size1);
		textview_addf(&p->out, DR_OK, "VACUUM and REINDEX of seed set %s's %zu table%s: "
		    "%s -> %s", k->b->set, k->b->ntables, k->b->ntables == 1 ? "" : "s", a, b);
		log_info(ui_log(p->ui), "seeds pane: cleaned up after seed set %s: %lld -> %lld bytes",
		    k->b->set, k->size0, k->size1);
	}
	pd_bloat_free(k->b);
	free(k->failed);
	free(k);
	pane_seeds_refresh(p);
}

/* ui_confirm callbacks of the clean-up. */
static void
pd_clean_confirmed(void *arg)
{
	struct pd_clean	*k = arg;

	if (!ui_job(k->p->ui, "VACUUM and REINDEX after a rolled-back load", pd_clean_job, k,
	    pd_clean_finished, false)) {
		ui_message(k->p->ui, true, "another job is running; wait for it, then press V again");
		k->p->bloat = k->b;
		free(k);
		return;
	}
	k->p->cleaning = true;
}

static void
pd_clean_refused(void *arg)
{
	struct pd_clean	*k = arg;

	ui_message(k->p->ui, false, "cancelled; nothing was done");
	k->p->bloat = k->b;
	free(k);
}

/* V: ask, then VACUUM and REINDEX what the last rolled-back load left. UI thread. */
static void
pd_clean(struct pane_seeds *p)
{
	struct pd_clean	*k;
	struct buf	 w;
	char		 sz[32];
	size_t		 i;

	if (p->bloat == NULL || p->cleaning || p->load != NULL) {
		ui_message(p->ui, true, p->cleaning ? "the clean-up is running" :
		    p->load ? "a load is in progress" :
		    "nothing to clean up: V follows a rolled-back load that left dead rows");
		return;
	}
	if (pd_refuse_read_only(p))
		return;
	k = xcalloc(1, sizeof(*k));
	k->p = p;
	k->t = p->t;
	k->b = p->bloat;
	p->bloat = NULL;
	draw_fmt_bytes(sz, sizeof(sz), (double)k->b->left);
	buf_init(&w);
	buf_printf(&w, "VACUUM (ANALYZE) and REINDEX TABLE CONCURRENTLY the %zu table%s of seed "
	    "set %s (", k->b->ntables, k->b->ntables == 1 ? "" : "s", k->b->set);
	for (i = 0; i < k->b->ntables && i < 6; i++)
		buf_printf(&w, "%s%s", i ? ", " : "", k->b->tables[i]);
	if (k->b->ntables > 6)
		buf_printf(&w, " and %zu more", k->b->ntables - 6);
	buf_printf(&w, ") to reclaim the %s its rolled-back rows left; the tables stay "
	    "readable and writable", sz);
	ui_confirm(p->ui, w.data, pd_clean_confirmed, pd_clean_refused, k);
	buf_done(&w);
}

/* Send a cancel request and free the handle. A thread of its own. */
static void *
pd_cancel_main(void *arg)
{
	PGcancel	*cn = arg;
	char		 eb[256];

	(void)PQcancel(cn, eb, sizeof(eb));
	PQfreeCancel(cn);
	return (NULL);
}

/*
 * Esc was pressed a while ago and the load still runs: the loader checks
 * the stop flag only between COPY buffers, so a long server-side step
 * (upsert's merge, replace's DELETE, key checks) is cancelled on the
 * server. PQcancel connects to the server, so it runs on a short-lived
 * thread, never the UI's. UI thread.
 */
static void
pd_cancel_server(struct pd_load *l)
{
	PGcancel	*cn;
	pthread_t	 thr;
	pthread_attr_t	 at;
	sigset_t	 set, old;

	pthread_mutex_lock(&l->mtx);
	cn = l->cancel;
	l->cancel = NULL;
	pthread_mutex_unlock(&l->mtx);
	l->cancel_sent = true;
	if (cn == NULL)
		return;
	sigfillset(&set);
	pthread_sigmask(SIG_BLOCK, &set, &old);
	pthread_attr_init(&at);
	pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
	if (pthread_create(&thr, &at, pd_cancel_main, cn) != 0)
		PQfreeCancel(cn);
	pthread_attr_destroy(&at);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
}

/* Free a load. */
static void
pd_load_free(struct pd_load *l)
{
	size_t	i;

	if (l == NULL)
		return;
	for (i = 0; i < l->ntables; i++)
		free(l->tables[i]);
	free(l->tables);
	free(l->dir);
	free(l->set);
	free(l->title);
	free(l->check);
	PQfreeCancel(l->cancel);
	seed_report_free(l->rep);
	pthread_mutex_destroy(&l->mtx);
	free(l);
}

/* A load ended: report it in full, read the state again. UI thread. */
static void
pd_load_finished(void *arg, int status, const struct mc_err *err)
{
	struct pd_load		*l = arg;
	struct pane_seeds	*p = l->p;
	const struct seed_report *r = l->rep;
	char			 dur[32], n[32], rate[32];

	draw_fmt_duration(dur, sizeof(dur), (double)(clk_mono_ms() - l->started_ms) / 1000);
	free(p->last);
	if (status == -1) {
		bool	cancelled = err->code == MC_E_CANCELLED || l->stop_at != 0;

		if (cancelled && err->code != MC_E_CANCELLED)
			textview_addf(&p->out, DR_WARN, "cancelled by the operator (Esc): %s",
			    err->msg);
		else
			textview_add(&p->out, cancelled ? DR_WARN : DR_BAD, err->msg);
		if (l->check != NULL)
			textview_add(&p->out, l->changed ? DR_BAD : DR_OK, l->check);
		p->last = xasprintf("%s: %s after %s; the transaction was rolled back", l->title,
		    cancelled ? "CANCELLED" : "FAILED", dur);
		p->last_role = cancelled ? DR_WARN : DR_BAD;
		log_warn(ui_log(p->ui), "seeds pane: %s: %s", l->title, err->msg);
		ui_message(p->ui, !cancelled, "%s", err->msg);
	} else if (r != NULL && r->noop) {
		p->last = xasprintf("%s: unchanged since it was last loaded; nothing to do "
		    "(%d files skipped; choose upsert or replace to load it again)", l->title,
		    r->nskipped);
		p->last_role = DR_OK;
	} else if (r != NULL) {
		if (r->files != NULL)
			textview_add_table(&p->out, r->files, 40, "  ", DR_NORMAL);
		draw_fmt_count(rate, sizeof(rate), r->secs > 0 ? (long long)((double)r->rows / r->secs) : 0);
		p->last = xasprintf("%s: %s %d files, %s rows in %s (%s rows/s)%s%s", l->title,
		    r->verify ? "checked" : r->dry_run ? "would load" : "loaded", r->nloaded,
		    draw_fmt_count(n, sizeof(n), r->rows), dur, rate,
		    r->nskipped ? "; unchanged files skipped" : "",
		    r->dry_run ? "; dry run: rolled back, nothing was written" : "");
		p->last_role = DR_OK;
	}
	if (p->last != NULL) {
		textview_add(&p->out, p->last_role, p->last);
		log_info(ui_log(p->ui), "seeds pane: %s", p->last);
	}
	pd_bloat_note(p, l);
	p->load = NULL;
	pd_load_free(l);
	pane_seeds_refresh(p);
}

/* Start load l on the job thread (takes it). */
static void
pd_start(struct pane_seeds *p, struct pd_load *l)
{
	/* A 5 s time constant: follows a load slowing down within ~10 s. */
	eta_init(&l->eta, 5.0);
	l->started_ms = clk_mono_ms();
	/* Behind this pane's own refresh (quick) it may queue; behind others, not. */
	if (!ui_job(p->ui, l->title, pd_load_job, l, pd_load_finished, p->loading)) {
		ui_message(p->ui, true, "another job is running; wait for it, or press Esc to "
		    "stop it, then try again");
		pd_load_free(l);
		return;
	}
	p->load = l;
	textview_addf(&p->out, DR_TITLE, "-- %s", l->title);
}

/* ui_confirm callbacks. */
static void
pd_confirmed(void *arg)
{
	struct pd_load	*l = arg;

	pd_start(l->p, l);
}

static void
pd_refused(void *arg)
{
	pd_load_free(arg);
}

/* A load (or verify) of the selected set. NULL (with a message) when there is none. */
static struct pd_load *
pd_load_new(struct pane_seeds *p)
{
	const struct pd_set	*s;
	struct pd_load		*l;
	size_t			 k, j;

	if (p->load != NULL) {
		ui_message(p->ui, true, "a load is in progress (Esc cancels it)");
		return (NULL);
	}
	if (p->d == NULL || p->sets.cursor >= p->d->n) {
		ui_message(p->ui, true, "no seed set selected%s%s", p->d && p->d->err ? ": " : "",
		    p->d && p->d->err ? p->d->err : "");
		return (NULL);
	}
	s = &p->d->sets[p->sets.cursor];
	if (s->err != NULL) {
		ui_message(p->ui, true, "%s", s->err);
		return (NULL);
	}
	l = xcalloc(1, sizeof(*l));
	pthread_mutex_init(&l->mtx, NULL);
	l->p = p;
	l->t = p->t;
	l->stop = ui_job_stop_flag(p->ui);
	l->dir = xstrdup(p->d->dir);
	l->set = xstrdup(s->name);
	l->total_bytes = s->bytes;
	for (k = 0; k < s->nf; k++) {
		for (j = 0; j < l->ntables; j++)
			if (strcmp(l->tables[j], s->f[k].table) == 0)
				break;
		if (j < l->ntables)
			continue;
		l->tables = xreallocarray(l->tables, l->ntables + 1, sizeof(char *));
		l->tables[l->ntables++] = xstrdup(s->f[k].table);
	}
	l->o.stop = l->stop;
	l->o.progress_stats = pd_progress;
	l->o.progress_arg = l;
	return (l);
}

/*
 * Refuse (with a message) any load on a read_only target, as the CLI's seed
 * load (CMD_WRITES) is: a dry run writes too before it rolls back (replace
 * deletes every row). Returns true when refused.
 */
static bool
pd_refuse_read_only(struct pane_seeds *p)
{
	if (!p->t->read_only)
		return (false);
	ui_message(p->ui, true, "target %s is read-only: seeds cannot be loaded "
	    "into it, not even as a dry run (it writes, then rolls back); v "
	    "verifies without writing; nothing was done", p->t->name);
	return (true);
}

/* Append to b what replacing l's tables does beyond them, by foreign key. */
static void
pd_replace_refs(const struct pd_data *d, const struct pd_load *l, struct buf *b)
{
	bool	*ours, more = true;
	size_t	 i, k, shown = 0;
	char	 n[64], c[32];

	if (d == NULL || d->nrefs == 0)
		return;
	/* What this set's tables reach (the data covers all sets), to a fixpoint. */
	ours = xcalloc(d->nrefs, sizeof(bool));
	for (i = 0; i < d->nrefs; i++)
		for (k = 0; k < l->ntables && !ours[i]; k++)
			ours[i] = strcmp(l->tables[k], d->refs[i].parent) == 0;
	while (more) {
		more = false;
		for (i = 0; i < d->nrefs; i++)
			for (k = 0; k < d->nrefs && !ours[i]; k++)
				if (ours[k] && d->refs[k].action == 'c' &&
				    strcmp(d->refs[k].child, d->refs[i].parent) == 0)
					more = ours[i] = true;
	}
	for (i = 0; i < d->nrefs; i++) {
		const struct pd_ref	*r = &d->refs[i];

		if (!ours[i])
			continue;
		if (shown++ == 0)
			buf_printf(b, "\nand beyond the set, by foreign key (ON DELETE):");
		if (r->est < 0)
			snprintf(n, sizeof(n), "rows not estimated (never analysed)");
		else
			snprintf(n, sizeof(n), "~%s rows", draw_fmt_count(c, sizeof(c), r->est));
		buf_printf(b, "\n  %s: %s %s from %s", r->child, n,
		    r->action == 'c' ? "deleted by CASCADE" : r->action == 'n' ?
		    "updated by SET NULL" : "updated by SET DEFAULT", r->parent);
	}
	free(ours);
}

/* Enter in the load dialog: confirm (unless a dry run) and start. */
static void
pd_load_go(struct pane_seeds *p)
{
	struct pd_load	*l;
	struct buf	 tb;
	char		*q, sz[32];
	size_t		 i;

	p->picking = false;
	if (pd_refuse_read_only(p))
		return;
	if ((l = pd_load_new(p)) == NULL)
		return;
	l->o.mode = p->mode;
	l->o.mode_given = true;
	l->o.dry_run = p->dry;
	l->title = xasprintf("%s seed set %s (%s)", p->dry ? "dry-run load of" : "load", l->set,
	    seedfmt_mode_name(p->mode));
	if (p->dry) {
		pd_start(p, l);
		return;
	}
	buf_init(&tb);
	for (i = 0; i < l->ntables && i < 6; i++)
		buf_printf(&tb, "%s%s", i ? ", " : "", l->tables[i]);
	if (l->ntables > 6)
		buf_printf(&tb, " and %zu more", l->ntables - 6);
	draw_fmt_bytes(sz, sizeof(sz), (double)l->total_bytes);
	if (p->mode == SEED_REPLACE) {
		/* What the DELETE removes: each table's rows as last read. */
		buf_done(&tb);
		buf_init(&tb);
		for (i = 0; i < l->ntables && i < 8; i++) {
			const struct pd_count	*c = p->d != NULL ?
			    pd_count_of(p->d, l->tables[i]) : NULL;
			char			 n[32];

			if (c == NULL)
				buf_printf(&tb, "\n  %s: rows not known",
				    l->tables[i]);
			else if (c->rows < 0)
				buf_printf(&tb, "\n  %s: does not exist yet",
				    l->tables[i]);
			else
				buf_printf(&tb, "\n  %s: %s%s rows deleted%s",
				    l->tables[i], c->exact ? "" : "~",
				    draw_fmt_count(n, sizeof(n), c->rows),
				    c->exact ? "" : " (estimate)");
		}
		if (l->ntables > 8)
			buf_printf(&tb, "\n  and %zu more tables",
			    l->ntables - 8);
		pd_replace_refs(p->d, l, &tb);
		q = xasprintf("REPLACE the contents of (DELETE, following "
		    "the foreign keys' ON DELETE rules):%s\nthen load seed "
		    "set %s (%s)?",
		    tb.data, l->set, sz);
	} else
		q = xasprintf("Load seed set %s (%s mode, %s) into %s, in one transaction?", l->set,
		    seedfmt_mode_name(p->mode), sz, tb.data);
	buf_done(&tb);
	ui_confirm(p->ui, q, pd_confirmed, pd_refused, l);
	free(q);
}

/* v: verify the selected set (reads only). */
static void
pd_verify(struct pane_seeds *p)
{
	struct pd_load	*l;

	if ((l = pd_load_new(p)) == NULL)
		return;
	l->o.verify = true;
	l->title = xasprintf("verify seed set %s", l->set);
	pd_start(p, l);
}

/* ---------------------------------------------------------------- pane ops */

/* Completion: seed set names. */
static void
pd_names(void *arg, enum cmd_complete kind, void (*add)(void *, const char *), void *add_arg)
{
	struct pane_seeds	*p = arg;
	size_t			 i;

	if (kind != CC_SEED_SET)
		return;
	p->wanted = true;	/* the next tick reads the sets if there are none */
	if (p->d == NULL)
		return;
	for (i = 0; i < p->d->n; i++)
		add(add_arg, p->d->sets[i].name);
}

/* Make the pane and start reading. */
static void *
pane_seeds_init(struct ui *ui, struct mc_err *err)
{
	struct pane_seeds	*p = xcalloc(1, sizeof(*p));

	(void)err;
	p->ui = ui;
	p->t = ui_target(ui);
	textview_init(&p->sets);
	p->sets.cursor_on = true;
	textview_init(&p->files);
	textview_init(&p->out);
	p->out.follow = true;
	p->out.wrap = true;
	p->out.max = 2000;
	ui_names_register(ui, CC_SEED_SET, pd_names, p);
	return (p);	/* read when first wanted (shown, or completed) */
}

/* Free the pane (its jobs have ended). */
static void
pane_seeds_free(void *arg)
{
	struct pane_seeds	*p = arg;

	if (p == NULL)
		return;
	ui_names_unregister(p->ui, pd_names, p);
	pd_data_free(p->d);
	pd_bloat_free(p->bloat);
	free(p->last);
	textview_done(&p->sets);
	textview_done(&p->files);
	textview_done(&p->out);
	free(p);
}

/* The progress bar of the load in progress at rows y and y + 1. */
static void
pd_draw_progress(struct pane_seeds *p, WINDOW *win, int y, int w)
{
	struct pd_load	*l = p->load;
	struct draw_seg	 seg;
	char		 text[200], rows[32], rate[32], eta[32], el[32], tot[32];
	char		 file[256], where[64] = "";
	double		 done, total, left;
	double		 secs = (double)(clk_mono_ms() - l->started_ms) / 1000;
	bool		 any;

	pthread_mutex_lock(&l->mtx);
	any = l->progressed;
	done = (double)l->bytes;
	total = (double)(l->total > 0 ? l->total : l->total_bytes);
	draw_fmt_count(rows, sizeof(rows), l->rows);
	draw_fmt_count(rate, sizeof(rate), (long long)l->rate);
	snprintf(file, sizeof(file), "%s", l->file);
	if (l->nfiles > 0)
		snprintf(where, sizeof(where), " (file %d of %d)", l->file_no, l->nfiles);
	pthread_mutex_unlock(&l->mtx);
	draw_fmt_duration(el, sizeof(el), secs);
	draw_fmt_bytes(tot, sizeof(tot), total);
	if (!any)
		snprintf(text, sizeof(text), "starting... %s", el);
	else if (total > 0 && done >= total * 0.999)
		snprintf(text, sizeof(text), "%s rows read; %s the transaction...", rows,
		    l->o.mode == SEED_APPEND || l->o.verify ? "finishing" :
		    "merging and finishing");
	else {
		pthread_mutex_lock(&l->mtx);
		left = eta_left(&l->eta, total);
		pthread_mutex_unlock(&l->mtx);
		if (left >= 0)
			draw_fmt_duration(eta, sizeof(eta), left);
		else
			snprintf(eta, sizeof(eta), "?");
		snprintf(text, sizeof(text), "%s rows  %s rows/s  %.1f MiB of %s  ETA %s",
		    rows, rate, done / 1048576.0, tot, eta);
	}
	seg.value = done;
	seg.role = DR_BAR1;
	draw_gauge(win, y, 1, w - 2, "load ", 0, &seg, 1, total > 0 ? total : 1, text);
	draw_textf(win, y + 1, 1, w - 2, draw_attr(DR_DIM), DRAW_PAD,
	    "%s%s%s  elapsed %s  (Esc cancels: the transaction rolls back)",
	    any ? "reading " : "", file, where, el);
}

/* Draw the sets, the files of the selected one, and the load area. */
static void
pane_seeds_draw(void *arg, WINDOW *win, bool focused)
{
	struct pane_seeds	*p = arg;
	int			 h = getmaxy(win), w = getmaxx(win), sh, fh, y;
	char			 right[512], age[32];
	const struct pd_set	*s = NULL;

	p->drawn_at = clk_mono_ms();
	p->wanted = true;
	if (p->d != NULL && p->sets.cursor != p->files_of)
		pd_fill_files(p);
	if (p->d != NULL) {
		draw_fmt_duration(age, sizeof(age), (double)(clk_mono_ms() - p->read_at) / 1000);
		snprintf(right, sizeof(right), "%s  %zu set%s  read %s ago%s", p->d->dir, p->d->n,
		    p->d->n == 1 ? "" : "s", age, p->loading ? "  reading..." : "");
	} else
		snprintf(right, sizeof(right), "%s", p->loading ? "reading..." : "");
	draw_title(win, 0, 0, w, "Seeds", right);
	y = 1;
	if (p->d == NULL || p->d->err != NULL) {
		draw_text(win, 2, 1, w - 2, draw_attr(p->d ? DR_BAD : DR_DIM), 0,
		    p->d ? p->d->err : "reading the seed sets...");
		sh = 3;
	} else if (p->d->n == 0) {
		draw_textf(win, 2, 1, w - 2, draw_attr(DR_DIM), 0, "no seed sets in %s (a set is a "
		    "directory with a seed.json)", p->d->dir);
		sh = 3;
	} else {
		int	room = p->load == NULL && p->out.n == 0 ?
		    h - 12 : (h - 8) / 3;	/* no load output: more rows */
		char	pos[64];

		sh = (int)p->d->n + 1;
		if (sh > room)
			sh = room > 2 ? room : 2;
		textview_draw(win, y, 1, sh, w - 1, &p->sets, focused && !p->picking);
		textview_position(&p->sets, pos, sizeof(pos));
		if (p->sets.cursor < p->d->n)
			s = &p->d->sets[p->sets.cursor];
		if (pos[0] != '\0' && (p->d->db_note == NULL))
			draw_textf(win, y + sh, 1, w - 2, draw_attr(DR_DIM), 0,
			    "%s", pos);
		sh++;
	}
	y += sh;
	if (p->d != NULL && p->d->db_note != NULL)
		draw_text(win, y - 1, 1, w - 2, draw_attr(DR_WARN), 0, p->d->db_note);
	if (s != NULL && s->err == NULL) {
		snprintf(right, sizeof(right), "%s", s->desc ? s->desc : "");
		{
			char	*t = xasprintf("Files of %s", s->name);

			draw_title(win, y, 0, w, t, right);
			free(t);
		}
		fh = (int)s->nf + 1;
		if (fh > (h - y - 6) / 2)
			fh = (h - y - 6) / 2 > 2 ? (h - y - 6) / 2 : 2;
		textview_draw(win, y + 1, 1, fh, w - 1, &p->files, false);
		y += fh + 2;
	}
	if (p->load != NULL)
		snprintf(right, sizeof(right), "RUNNING %s", p->load->title);
	else
		snprintf(right, sizeof(right), "%s", p->last ? "" : "no load yet");
	draw_title(win, y, 0, w, "Load", right);
	y++;
	if (p->picking && s != NULL) {
		draw_textf(win, y, 1, w - 2, draw_attr(DR_KEY) | A_BOLD, DRAW_PAD,
		    "Load %s: mode [a]ppend%s [u]psert%s [r]eplace%s   [d]ry-run: %s   "
		    "Enter: go on   Esc: cancel", s->name,
		    p->mode == SEED_APPEND ? "*" : "", p->mode == SEED_UPSERT ? "*" : "",
		    p->mode == SEED_REPLACE ? "*" : "", p->dry ? "ON (nothing is written)" : "off");
		y++;
	} else if (p->load != NULL) {
		pd_draw_progress(p, win, y, w);
		y += 2;
	}
	textview_draw(win, y, 1, h - y - 1, w - 1, &p->out, false);
	draw_text(win, h - 1, 1, w - 2, draw_attr(p->bloat ? DR_WARN : DR_DIM), 0, p->bloat ?
	    "l load  v verify  V VACUUM+REINDEX what the rolled-back load left  ? keys" :
	    "l load (mode, dry-run)  v verify  s refresh  Esc cancel a load  ? keys");
}

/* A key. */
static int
pane_seeds_key(void *arg, int ch)
{
	struct pane_seeds	*p = arg;
	const struct pd_set	*s;

	if (p->picking) {
		switch (ch) {
		case 'a':
			p->mode = SEED_APPEND;
			break;
		case 'u':
			p->mode = SEED_UPSERT;
			break;
		case 'r':
			p->mode = SEED_REPLACE;
			break;
		case 'd':
			p->dry = !p->dry;
			break;
		case '\r':
		case '\n':
		case KEY_ENTER:
			pd_load_go(p);
			break;
		case 27:
		case 'q':
			p->picking = false;
			ui_message(p->ui, false, "cancelled; nothing was done");
			break;
		default:
			break;
		}
		return (PANE_HANDLED | PANE_REDRAW);
	}
	switch (ch) {
	case 'l':
		if (p->load != NULL) {
			ui_message(p->ui, true, "a load is in progress (Esc cancels it)");
			return (PANE_HANDLED | PANE_REDRAW);
		}
		if (p->d == NULL || p->sets.cursor >= p->d->n) {
			ui_message(p->ui, true, "no seed set selected");
			return (PANE_HANDLED | PANE_REDRAW);
		}
		if (pd_refuse_read_only(p))
			return (PANE_HANDLED | PANE_REDRAW);
		s = &p->d->sets[p->sets.cursor];
		p->mode = s->mode;
		p->dry = false;
		p->picking = true;
		return (PANE_HANDLED | PANE_REDRAW);
	case 'v':
		pd_verify(p);
		return (PANE_HANDLED | PANE_REDRAW);
	case 'V':
		pd_clean(p);
		return (PANE_HANDLED | PANE_REDRAW);
	case 's':
		pane_seeds_refresh(p);
		return (PANE_HANDLED | PANE_REDRAW);
	case 27:
		if (p->load == NULL)
			return (PANE_UNHANDLED);
		ui_job_stop(p->ui);
		if (p->load->stop_at == 0)
			p->load->stop_at = clk_mono_ms();
		ui_message(p->ui, false, "cancelling the load: its transaction rolls back");
		return (PANE_HANDLED | PANE_REDRAW);
	case '[':
		return (textview_key(&p->out, KEY_PPAGE));
	case ']':
		return (textview_key(&p->out, KEY_NPAGE));
	default:
		return (textview_key(&p->sets, ch));
	}
}

/* Per tick: redraw a load's progress; keep the data fresh while on screen. */
static int
pane_seeds_tick(void *arg)
{
	struct pane_seeds	*p = arg;
	int64_t			 now = clk_mono_ms();

	if (p->load != NULL) {
		/* Esc from anywhere (the frame's flag) counts too. */
		if (p->load->stop_at == 0 && *p->load->stop)
			p->load->stop_at = now;
		if (p->load->stop_at != 0 && !p->load->cancel_sent &&
		    now - p->load->stop_at >= PD_CANCEL_AFTER_MS)
			pd_cancel_server(p->load);
		return (PANE_REDRAW);
	}
	/* Wanted but never read (completion asked), or stale on screen. */
	if (!p->loading && (p->d == NULL ? p->wanted : (now - p->drawn_at < PD_VISIBLE_MS &&
	    now - p->read_at >= PD_REFRESH_MS)))
		pane_seeds_refresh(p);
	return (0);
}

/* `e` export: the sets and their state. */
static cJSON *
pane_seeds_export(void *arg)
{
	struct pane_seeds	*p = arg;
	cJSON			*o = cJSON_CreateObject(), *a;
	size_t			 i;

	if (p->d == NULL || p->d->err != NULL) {
		cJSON_AddStringToObject(o, "error", p->d ? p->d->err : "not read yet");
		return (o);
	}
	cJSON_AddStringToObject(o, "dir", p->d->dir);
	a = cJSON_AddArrayToObject(o, "sets");
	for (i = 0; i < p->d->n; i++) {
		cJSON	*s = cJSON_CreateObject();

		cJSON_AddStringToObject(s, "set", p->d->sets[i].name);
		if (p->d->sets[i].err != NULL)
			cJSON_AddStringToObject(s, "error", p->d->sets[i].err);
		cJSON_AddNumberToObject(s, "files", (double)p->d->sets[i].nf);
		if (p->d->sets[i].last_at != NULL)
			cJSON_AddStringToObject(s, "last_loaded", p->d->sets[i].last_at);
		cJSON_AddItemToArray(a, s);
	}
	if (p->last != NULL)
		cJSON_AddStringToObject(o, "last_load", p->last);
	return (o);
}

const struct pane_ops pane_seeds_ops = {
	.name = "Seeds", .hotkey = '5', .keys = pane_seeds_keys,
	.init = pane_seeds_init, .free = pane_seeds_free, .draw = pane_seeds_draw,
	.key = pane_seeds_key, .tick = pane_seeds_tick, .export = pane_seeds_export,
};
