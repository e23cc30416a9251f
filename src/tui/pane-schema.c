/*
 * pane-schema.c - the Schema browser: a tree of schemas and their tables,
 * views, materialized views, foreign tables, sequences and functions; `/`
 * filters by name across the tree; the selected object's details (psql's
 * \d+ in sections) beside it; `p` previews the first rows in a grid that
 * scrolls sideways.
 *
 * Model. The tree comes from schema_tree_load (three set-based queries in
 * one round trip) on the job thread and is handed over whole. The screen is
 * a list of visible rows (a schema, or an object) rebuilt from the tree when
 * the filter or a schema's folding changes: one pass over lower-cased
 * "schema.name" strings made once per tree, so a keystroke in the filter
 * costs well under a millisecond on 10,000 tables, and only the rows on
 * screen are drawn. Details and previews load for the selected object only,
 * on the job thread, once the cursor has rested PS_SETTLE_MS on it.
 * `b` backs up the selected object's service schema (backup.c) on the job
 * thread, into the current directory, with the console's progress line.
 */
#include "config.h"

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libpq-fe.h>
#include <cjson/cJSON.h>

#include "backup.h"
#include "buf.h"
#include "conn.h"
#include "pool.h"
#include "schema.h"
#include "xmem.h"
#include "draw.h"
#include "pane.h"
#include "textview.h"
#include "ui.h"
#include "clk.h"

#define PS_SETTLE_MS	150	/* load details once the cursor rests this long */
#define PS_RETRY_MS	10000	/* retry a failed tree load this often while on screen */
#define PS_VISIBLE_MS	1500
#define PS_FOLD_OVER	200	/* schemas with more objects start folded */
#define PS_PREVIEW_ROWS	100
#define PS_PREVIEW_CHARS 200

/* One visible row: a schema (obj < 0) or an object. */
struct ps_row {
	int32_t	schema;
	int32_t	obj;
};

enum ps_focus {
	PS_TREE,
	PS_DETAIL,
	PS_PREVIEW,
};

struct pane_schema {
	struct ui		*ui;

	/* The tree. */
	struct sch_tree		*tree;
	char			**lq;		/* per object: lower-case "schema.name" */
	char			**ls;		/* per schema: lower-case name */
	size_t			*nobj;		/* per schema: object count */
	size_t			*first;		/* per schema: index of its first object */
	unsigned char		*folded;	/* per schema */
	char			*tree_err;
	bool			 loading;
	double			 load_ms;	/* the catalog queries, on the job thread */
	int64_t			 loaded_at;

	/* Visible rows and the cursor. */
	struct ps_row		*rows;
	size_t			 nrows, caprows;
	size_t			 cursor, top;
	int			 page;

	/* The filter. */
	char			 filter[128];
	size_t			 flen;
	bool			 typing;
	double			 filter_ms;	/* the last rebuild */
	double			 key_at;	/* a filter keystroke not drawn yet (ms), or 0 */

	/* Details of the selected object. */
	enum ps_focus		 focus;
	long			 want;		/* object the cursor is on, or -1 */
	int64_t			 moved_at;
	long			 shown;		/* object whose details are shown, or -1 */
	bool			 det_loading;
	char			*det_err;
	struct textview		 det;

	/* The preview. */
	struct table		*pv;
	char			*pv_err;
	char			*pv_title;
	bool			 pv_loading;
	struct draw_table	 pvst;

	int64_t			 drawn_at;
	bool			 wanted;	/* shown or completed once */
	bool			 backing_up;	/* a backup job is queued or running */
};

static const char *const pane_schema_keys[] = {
	"Up/Down j/k  move in the tree; PgUp/PgDn, Home/End",
	"Enter/Right  fold or unfold a schema; on an object, move into its details",
	"Left         back to the tree (from details); in the tree: to the schema",
	"/            filter by name across the tree (Enter keeps it, Esc clears it)",
	"p            preview the first rows (a grid: Left/Right scroll it sideways)",
	"+ / -        unfold / fold every schema",
	"s            load the tree again",
	"b            back up the selected service schema (into the current directory)",
	"Esc          close the preview or the details",
	NULL,
};

static void	pane_schema_load(struct pane_schema *);

/* The short kind label of the tree. */
static const char *
ps_kind_label(const struct sch_obj *o)
{
	static const char *const k[SCH_O__COUNT] = { "table", "view", "matv", "foreign",
	    "seq", "func" };

	if (o->kind == SCH_O_TABLE && o->sub == 'p')
		return ("ptable");
	if (o->kind == SCH_O_FUNCTION && o->sub == 'p')
		return ("proc");
	if (o->kind == SCH_O_FUNCTION && o->sub == 'a')
		return ("agg");
	return (k[o->kind]);
}

/* ---------------------------------------------------------------- rows */

/* Append a visible row. */
static void
ps_row_add(struct pane_schema *p, size_t schema, long obj)
{
	if (p->nrows == p->caprows) {
		p->caprows = p->caprows ? p->caprows * 2 : 256;
		p->rows = xreallocarray(p->rows, p->caprows, sizeof(*p->rows));
	}
	p->rows[p->nrows].schema = (int32_t)schema;
	p->rows[p->nrows].obj = (int32_t)obj;
	p->nrows++;
}

/*
 * Rebuild the visible rows from the tree, the folding and the filter,
 * keeping the cursor on the same object (or schema) when it stays visible.
 */
static void
ps_rebuild(struct pane_schema *p)
{
	const struct sch_tree	*t = p->tree;
	struct ps_row		 keep = { -1, -1 };
	char			 f[sizeof(p->filter)];
	size_t			 s, i, k;
	double			 t0 = (clk_mono_us() / 1000.0);

	if (p->cursor < p->nrows)
		keep = p->rows[p->cursor];
	p->nrows = 0;
	if (t == NULL)
		return;
	for (i = 0; i < p->flen; i++)
		f[i] = (char)tolower((unsigned char)p->filter[i]);
	f[p->flen] = '\0';
	for (s = 0; s < t->nschemas; s++) {
		size_t	mark = p->nrows;
		bool	all;

		if (p->flen == 0) {
			ps_row_add(p, s, -1);
			if (p->folded[s])
				continue;
			for (k = 0; k < p->nobj[s]; k++)
				ps_row_add(p, s, (long)(p->first[s] + k));
			continue;
		}
		/* Filtering: a schema whose name matches shows all it has. */
		all = strstr(p->ls[s], f) != NULL;
		ps_row_add(p, s, -1);
		for (k = 0; k < p->nobj[s]; k++) {
			i = p->first[s] + k;
			if (all || strstr(p->lq[i], f) != NULL)
				ps_row_add(p, s, (long)i);
		}
		if (p->nrows == mark + 1 && !all)
			p->nrows = mark;	/* nothing here matches */
	}
	/*
	 * Keep the cursor on what it was on; while filtering, an object, so
	 * the first match is selected when the old selection went away.
	 */
	p->cursor = 0;
	for (i = 0; i < p->nrows; i++)
		if (p->rows[i].schema == keep.schema && p->rows[i].obj == keep.obj)
			break;
	if (i < p->nrows && (keep.obj >= 0 || p->flen == 0))
		p->cursor = i;
	else if (p->flen > 0) {
		for (i = 0; i < p->nrows; i++)
			if (p->rows[i].obj >= 0) {
				p->cursor = i;
				break;
			}
	} else if (i < p->nrows)
		p->cursor = i;
	p->filter_ms = (clk_mono_us() / 1000.0) - t0;
}

/* The object under the cursor, or NULL. */
static const struct sch_obj *
ps_cur_obj(const struct pane_schema *p)
{
	if (p->tree == NULL || p->cursor >= p->nrows || p->rows[p->cursor].obj < 0)
		return (NULL);
	return (&p->tree->objs[p->rows[p->cursor].obj]);
}

/* The cursor moved: details of the new object load once it rests. */
static void
ps_moved(struct pane_schema *p)
{
	long	obj = p->cursor < p->nrows ? p->rows[p->cursor].obj : -1;

	if (obj != p->want) {
		p->want = obj;
		p->moved_at = clk_mono_ms();
	}
}

/* ---------------------------------------------------------------- jobs */

/* A tree load. */
struct ps_tree_job {
	struct pane_schema	*p;
	struct sch_tree		*tree;
	double			 ms;
	double			 queued;
};

/* Borrow a connection from the job thread's pool. */
static PGconn *
ps_acquire(struct conn *conn, struct pool **pp, struct mc_err *err)
{
	if ((*pp = conn_pool(conn, err)) == NULL)
		return (NULL);
	return (pool_acquire(*pp, "schema browser", err));
}

/* Load the tree. Job thread. */
static int
ps_tree_job(struct conn *conn, void *arg, void (*line)(void *, const char *),
    void *line_arg, struct mc_err *err)
{
	struct ps_tree_job	*j = arg;
	struct pool		*pool;
	PGconn			*c;
	double			 t0;

	(void)line;
	(void)line_arg;
	if ((c = ps_acquire(conn, &pool, err)) == NULL)
		return (-1);
	t0 = (clk_mono_us() / 1000.0);
	j->tree = schema_tree_load(c, err);
	j->ms = (clk_mono_us() / 1000.0) - t0;
	pool_release(pool, c);
	return (j->tree != NULL ? 0 : -1);
}

/* Index the new tree: names for the filter, schema ranges, folding. */
static void
ps_index(struct pane_schema *p)
{
	const struct sch_tree	*t = p->tree;
	size_t			 i;
	char			*c;

	p->lq = xcalloc(t->nobjs + 1, sizeof(char *));
	p->nobj = xcalloc(t->nschemas + 1, sizeof(size_t));
	p->first = xcalloc(t->nschemas + 1, sizeof(size_t));
	p->folded = xcalloc(t->nschemas + 1, 1);
	p->ls = xcalloc(t->nschemas + 1, sizeof(char *));
	for (i = 0; i < t->nschemas; i++) {
		p->ls[i] = xstrdup(t->schemas[i]);
		for (c = p->ls[i]; *c; c++)
			*c = (char)tolower((unsigned char)*c);
	}
	for (i = 0; i < t->nobjs; i++) {
		const struct sch_obj	*o = &t->objs[i];

		p->lq[i] = xasprintf("%s.%s", t->schemas[o->schema], o->name);
		for (c = p->lq[i]; *c; c++)
			*c = (char)tolower((unsigned char)*c);
		if (p->nobj[o->schema]++ == 0)
			p->first[o->schema] = i;
	}
	for (i = 0; i < t->nschemas; i++)
		p->folded[i] = p->nobj[i] > PS_FOLD_OVER;
}

/* Drop the tree and its index. */
static void
ps_drop_tree(struct pane_schema *p)
{
	size_t	i;

	if (p->tree != NULL) {
		for (i = 0; i < p->tree->nobjs; i++)
			free(p->lq[i]);
		for (i = 0; i < p->tree->nschemas; i++)
			free(p->ls[i]);
	}
	free(p->lq);
	free(p->ls);
	p->ls = NULL;
	free(p->nobj);
	free(p->first);
	free(p->folded);
	p->lq = NULL;
	p->nobj = p->first = NULL;
	p->folded = NULL;
	schema_tree_free(p->tree);
	p->tree = NULL;
	p->nrows = 0;
}

/* A tree load ended. UI thread. */
static void
ps_tree_finished(void *arg, int status, const struct mc_err *err)
{
	struct ps_tree_job	*j = arg;
	struct pane_schema	*p = j->p;
	char			*keep_schema = NULL, *keep_name = NULL;
	const struct sch_obj	*o;
	size_t			 i;

	p->loading = false;
	p->loaded_at = clk_mono_ms();
	if (status == -1) {
		free(p->tree_err);
		p->tree_err = xstrdup(err->msg);
		free(j);
		return;
	}
	free(p->tree_err);
	p->tree_err = NULL;
	/* Stay on the same object across a reload. */
	if ((o = ps_cur_obj(p)) != NULL) {
		keep_schema = xstrdup(p->tree->schemas[o->schema]);
		keep_name = xstrdup(o->name);
	}
	ps_drop_tree(p);
	p->tree = j->tree;
	p->load_ms = j->ms;
	ps_index(p);
	p->cursor = 0;
	ps_rebuild(p);
	for (i = 0; keep_name != NULL && i < p->nrows; i++) {
		o = p->rows[i].obj >= 0 ? &p->tree->objs[p->rows[i].obj] : NULL;
		if (o != NULL && strcmp(o->name, keep_name) == 0 &&
		    strcmp(p->tree->schemas[o->schema], keep_schema) == 0) {
			p->cursor = i;
			break;
		}
	}
	free(keep_schema);
	free(keep_name);
	p->shown = p->want = -1;
	ps_moved(p);
	log_info(ui_log(p->ui), "schema browser: %zu schemas, %zu objects: catalog queries "
	    "%.1f ms, tree on screen %.1f ms after it was asked for", p->tree->nschemas,
	    p->tree->nobjs, j->ms, (clk_mono_us() / 1000.0) - j->queued);
	free(j);
}

/* Start loading the tree. UI thread. */
static void
pane_schema_load(struct pane_schema *p)
{
	struct ps_tree_job	*j;

	if (p->loading)
		return;
	j = xcalloc(1, sizeof(*j));
	j->p = p;
	j->queued = (clk_mono_us() / 1000.0);
	if (!ui_job(p->ui, "schema tree", ps_tree_job, j, ps_tree_finished, false)) {
		free(j);	/* busy: the next tick tries again */
		return;
	}
	p->loading = true;
}

/* Details or a preview of one object (copies: the tree may be replaced). */
struct ps_obj_job {
	struct pane_schema	*p;
	long			 obj;
	char			*schema;
	char			*name;
	enum sch_okind		 kind;
	unsigned int		 oid;
	bool			 preview;
	const char		*marker;
	struct sch_detail	*d;
	struct table		*t;
	double			 ms;		/* the catalog queries */
	double			 queued;
};

/* Load details or a preview. Job thread. */
static int
ps_obj_job(struct conn *conn, void *arg, void (*line)(void *, const char *),
    void *line_arg, struct mc_err *err)
{
	struct ps_obj_job	*j = arg;
	struct pool		*pool;
	PGconn			*c;

	(void)line;
	(void)line_arg;
	if ((c = ps_acquire(conn, &pool, err)) == NULL)
		return (-1);
	j->ms = (clk_mono_us() / 1000.0);
	if (j->preview)
		j->t = schema_preview(c, j->schema, j->name, PS_PREVIEW_ROWS, PS_PREVIEW_CHARS,
		    j->marker, err);
	else
		j->d = schema_detail(c, j->schema, j->name, j->kind, j->oid, err);
	j->ms = (clk_mono_us() / 1000.0) - j->ms;
	pool_release(pool, c);
	return (j->preview ? (j->t ? 0 : -1) : (j->d ? 0 : -1));
}

/* Free an object job. */
static void
ps_obj_job_free(struct ps_obj_job *j)
{
	free(j->schema);
	free(j->name);
	schema_detail_free(j->d);
	table_free(j->t);
	free(j);
}

/* The value of fact what, or NULL. */
static const char *
ps_fact(const struct sch_detail *d, const char *what)
{
	size_t	r;

	for (r = 0; r < d->facts->nrows; r++)
		if (strcmp(table_cell(d->facts, r, 0), what) == 0)
			return (table_cell(d->facts, r, 1));
	return (NULL);
}

/*
 * Turn details into lines of the details view: a title, a one-line
 * summary, the sections, then every fact (sizes, statistics, maintenance).
 */
static void
ps_fill_details(struct pane_schema *p, const struct sch_detail *d)
{
	struct buf	 sum;
	const char	*v;
	size_t		 i, r;
	int		 kw = 0, w;

	textview_clear(&p->det);
	p->det.top = 0;
	textview_addf(&p->det, DR_TITLE, "%s %s.%s", d->facts->nrows > 0 ?
	    table_cell(d->facts, 0, 1) : schema_okind_name(d->kind), d->schema, d->name);
	buf_init(&sum);
	if ((v = ps_fact(d, "estimated rows")) != NULL)
		buf_printf(&sum, "~%s rows", v);
	if ((v = ps_fact(d, "total size")) != NULL)
		buf_printf(&sum, "%s%s in all", sum.len ? ", " : "", v);
	if ((v = ps_fact(d, "returns")) != NULL)
		buf_printf(&sum, "%sreturns %s", sum.len ? ", " : "", v);
	if ((v = ps_fact(d, "owner")) != NULL)
		buf_printf(&sum, "%sowner %s", sum.len ? ", " : "", v);
	if ((v = ps_fact(d, "comment")) != NULL)
		buf_printf(&sum, "%s\"%s\"", sum.len ? "; " : "", v);
	if (sum.len > 0)
		textview_add(&p->det, DR_NORMAL, sum.data);
	buf_done(&sum);
	for (i = 0; i < d->nsec; i++) {
		const struct sch_section	*s = &d->sec[i];

		textview_add(&p->det, DR_NORMAL, "");
		if (s->t != NULL)
			textview_addf(&p->det, DR_TITLE, "%s (%zu)", s->title, s->t->nrows);
		else
			textview_addf(&p->det, DR_TITLE, "%s", s->title);
		if (s->note != NULL)
			textview_addf(&p->det, DR_WARN, "  %s", s->note);
		if (s->t != NULL && s->t->nrows == 0)
			textview_add(&p->det, DR_DIM, "  (none)");
		else if (s->t != NULL)
			textview_add_table(&p->det, s->t, 48, "  ", DR_NORMAL);
		if (s->text != NULL)
			textview_add(&p->det, DR_NORMAL, s->text);
	}
	if (d->facts->nrows <= 1)
		return;
	textview_add(&p->det, DR_NORMAL, "");
	textview_add(&p->det, DR_TITLE, d->kind == SCH_O_FUNCTION ? "Attributes" :
	    d->kind == SCH_O_SEQUENCE ? "Parameters" : "Size, statistics, maintenance");
	for (r = 1; r < d->facts->nrows; r++)
		if ((w = draw_width(table_cell(d->facts, r, 0))) > kw)
			kw = w;
	for (r = 1; r < d->facts->nrows; r++)
		textview_addf(&p->det, DR_NORMAL, "  %-*s  %s", kw, table_cell(d->facts, r, 0),
		    table_cell(d->facts, r, 1));
}

/* Details or a preview arrived. UI thread. */
static void
ps_obj_finished(void *arg, int status, const struct mc_err *err)
{
	struct ps_obj_job	*j = arg;
	struct pane_schema	*p = j->p;

	log_debug(ui_log(p->ui), "schema browser: %s of %s.%s: queries %.1f ms, on screen "
	    "%.1f ms after it was asked for", j->preview ? "preview" : "details", j->schema,
	    j->name, j->ms, (clk_mono_us() / 1000.0) - j->queued);
	if (j->preview) {
		p->pv_loading = false;
		free(p->pv_err);
		p->pv_err = status == -1 ? xstrdup(err->msg) : NULL;
		table_free(p->pv);
		p->pv = j->t;
		j->t = NULL;
		draw_table_init(&p->pvst);
	} else {
		p->det_loading = false;
		p->shown = j->obj;
		free(p->det_err);
		p->det_err = status == -1 ? xstrdup(err->msg) : NULL;
		if (j->d != NULL)
			ps_fill_details(p, j->d);
		else
			textview_clear(&p->det);
	}
	ps_obj_job_free(j);
}

/* Start loading details (or a preview) of object obj. UI thread. */
static bool
ps_obj_load(struct pane_schema *p, long obj, bool preview)
{
	const struct sch_obj	*o = &p->tree->objs[obj];
	struct ps_obj_job	*j = xcalloc(1, sizeof(*j));

	j->p = p;
	j->obj = obj;
	j->schema = xstrdup(p->tree->schemas[o->schema]);
	j->name = xstrdup(o->name);
	j->kind = o->kind;
	j->oid = o->oid;
	j->preview = preview;
	j->marker = draw_glyph(DG_ELLIPSIS);
	j->queued = (clk_mono_us() / 1000.0);
	if (!ui_job(p->ui, preview ? "schema preview" : "schema details", ps_obj_job, j,
	    ps_obj_finished, preview && p->det_loading)) {
		ps_obj_job_free(j);
		return (false);
	}
	if (preview) {
		p->pv_loading = true;
		free(p->pv_title);
		p->pv_title = xasprintf("%s.%s: first %d rows", j->schema, j->name, PS_PREVIEW_ROWS);
	} else
		p->det_loading = true;
	return (true);
}

/* p: preview the selected relation. */
static void
ps_preview(struct pane_schema *p)
{
	const struct sch_obj	*o = ps_cur_obj(p);

	if (o == NULL || o->kind == SCH_O_FUNCTION) {
		ui_message(p->ui, false, "select a table, view or sequence to preview its rows");
		return;
	}
	if (!ps_obj_load(p, p->rows[p->cursor].obj, true)) {
		ui_message(p->ui, true, "another job is running; try again when it ends");
		return;
	}
	table_free(p->pv);
	p->pv = NULL;
	p->focus = PS_PREVIEW;
}

/* ---------------------------------------------------------------- pane ops */

/* Completion: schema names, and schema.table for relations. */
static void
ps_names(void *arg, enum cmd_complete kind, void (*add)(void *, const char *), void *add_arg)
{
	struct pane_schema	*p = arg;
	size_t			 i;
	char			*q;

	p->wanted = true;	/* the next tick loads the tree if there is none */
	if (p->tree == NULL)
		return;
	if (kind == CC_SCHEMA)
		for (i = 0; i < p->tree->nschemas; i++)
			add(add_arg, p->tree->schemas[i]);
	if (kind == CC_TABLE)
		for (i = 0; i < p->tree->nobjs; i++) {
			if (p->tree->objs[i].kind == SCH_O_FUNCTION)
				continue;
			q = xasprintf("%s.%s", p->tree->schemas[p->tree->objs[i].schema],
			    p->tree->objs[i].name);
			add(add_arg, q);
			free(q);
		}
}

/* Make the pane and start loading the tree. */
static void *
pane_schema_init(struct ui *ui, struct mc_err *err)
{
	struct pane_schema	*p = xcalloc(1, sizeof(*p));

	(void)err;
	p->ui = ui;
	p->want = p->shown = -1;
	textview_init(&p->det);
	draw_table_init(&p->pvst);
	ui_names_register(ui, CC_SCHEMA, ps_names, p);
	ui_names_register(ui, CC_TABLE, ps_names, p);
	return (p);	/* the tree loads when first wanted (shown, or completed) */
}

/* Free the pane. */
static void
pane_schema_free(void *arg)
{
	struct pane_schema	*p = arg;

	if (p == NULL)
		return;
	ui_names_unregister(p->ui, ps_names, p);
	ps_drop_tree(p);
	free(p->rows);
	free(p->tree_err);
	free(p->det_err);
	free(p->pv_err);
	free(p->pv_title);
	table_free(p->pv);
	textview_done(&p->det);
	free(p);
}

/* Draw the tree in (y, 0, h, w). */
static void
ps_draw_tree(struct pane_schema *p, WINDOW *win, int y, int h, int w, bool focused)
{
	const struct sch_tree	*t = p->tree;
	char			 est[32], num[32];
	size_t			 r, i;
	int			 attr;

	p->page = h > 0 ? h : 1;
	if (p->cursor >= p->nrows)
		p->cursor = p->nrows > 0 ? p->nrows - 1 : 0;
	if (p->cursor < p->top)
		p->top = p->cursor;
	if (h > 0 && p->cursor >= p->top + (size_t)h)
		p->top = p->cursor - (size_t)h + 1;
	if (p->nrows <= (size_t)h)
		p->top = 0;
	else if (p->top > p->nrows - (size_t)h)
		p->top = p->nrows - (size_t)h;
	if (p->nrows == 0) {
		draw_text(win, y, 1, w - 1, draw_attr(DR_DIM), 0, p->flen > 0 ?
		    "no name matches the filter" : "no schemas");
		return;
	}
	for (r = 0; r < (size_t)h && p->top + r < p->nrows; r++) {
		const struct ps_row	*row = &p->rows[p->top + r];
		bool			 cur = p->top + r == p->cursor;

		if (row->obj < 0) {
			i = (size_t)row->schema;
			attr = draw_attr(DR_TITLE);
			if (cur)
				attr = focused ? draw_attr(DR_CURSOR) : (int)((unsigned)attr | A_BOLD);
			draw_textf(win, y + (int)r, 0, w, attr, DRAW_PAD, "%s %s  (%s)",
			    p->flen > 0 ? "[/]" : p->folded[i] ? "[+]" : "[-]", t->schemas[i],
			    draw_fmt_count(num, sizeof(num), (long long)p->nobj[i]));
			continue;
		}
		{
			const struct sch_obj	*o = &t->objs[row->obj];
			int			 ew = 0;

			attr = A_NORMAL;
			if (cur)
				attr = focused ? draw_attr(DR_CURSOR) : (int)((unsigned)attr | A_BOLD);
			est[0] = '\0';
			if (o->est_rows >= 0 && w > 40) {
				est[0] = '~';
				draw_fmt_count(est + 1, sizeof(est) - 1, (long long)o->est_rows);
				ew = (int)strlen(est) + 1;
			}
			draw_textf(win, y + (int)r, 0, w - ew, attr, DRAW_PAD, "   %-6s %s",
			    ps_kind_label(o), o->name);
			if (ew > 0)
				draw_text(win, y + (int)r, w - ew, ew, cur ? attr : draw_attr(DR_DIM),
				    DRAW_RIGHT | DRAW_PAD, est);
		}
	}
}

/* Draw the right side: details, or the preview grid. */
static void
ps_draw_side(struct pane_schema *p, WINDOW *win, int y, int x, int h, int w, bool focused)
{
	const struct sch_obj	*o = ps_cur_obj(p);

	if (p->focus == PS_PREVIEW) {
		draw_title(win, y, x, w, p->pv_title ? p->pv_title : "preview",
		    p->pv_loading ? "loading..." : "Left/Right scroll  Esc closes");
		if (p->pv_err != NULL)
			draw_text(win, y + 1, x + 1, w - 1, draw_attr(DR_BAD), 0, p->pv_err);
		else if (p->pv != NULL)
			draw_table(win, y + 1, x + 1, h - 1, w - 1, p->pv, &p->pvst, focused);
		return;
	}
	if (o == NULL) {
		draw_title(win, y, x, w, "Details", NULL);
		draw_text(win, y + 2, x + 1, w - 1, draw_attr(DR_DIM), 0,
		    p->cursor < p->nrows ? "Enter folds or unfolds the schema; select an object "
		    "to see its details" : "");
		return;
	}
	draw_title(win, y, x, w, "Details", p->det_loading || p->shown != p->want ?
	    "loading..." : p->focus == PS_DETAIL ? "Up/Down scroll  Esc back" : "Enter: scroll");
	if (p->shown != p->want && !p->det_loading && p->det.n == 0)
		return;
	if (p->det_err != NULL && p->shown == p->want) {
		draw_text(win, y + 1, x + 1, w - 1, draw_attr(DR_BAD), 0, p->det_err);
		return;
	}
	textview_draw(win, y + 1, x + 1, h - 1, w - 1, &p->det, false);
	(void)focused;
}

/* Draw the pane. */
static void
pane_schema_draw(void *arg, WINDOW *win, bool focused)
{
	struct pane_schema	*p = arg;
	int			 h = getmaxy(win), w = getmaxx(win), tw;
	char			 right[256], num[32], num2[32];
	double			 t0 = (clk_mono_us() / 1000.0);

	p->drawn_at = clk_mono_ms();
	p->wanted = true;
	if (p->tree != NULL)
		snprintf(right, sizeof(right), "database %s  %s schemas, %s objects  loaded in "
		    "%.0f ms%s", p->tree->database,
		    draw_fmt_count(num, sizeof(num), (long long)p->tree->nschemas),
		    draw_fmt_count(num2, sizeof(num2), (long long)p->tree->nobjs), p->load_ms,
		    p->loading ? "  reloading..." : "");
	else
		snprintf(right, sizeof(right), "%s", p->loading ? "loading the catalog..." : "");
	draw_title(win, 0, 0, w, "Schema", right);
	if (p->typing)
		draw_textf(win, 1, 1, w - 2, draw_attr(DR_KEY), DRAW_PAD,
		    "/%s_   (%zu rows; Enter keeps the filter, Esc clears it)", p->filter, p->nrows);
	else if (p->flen > 0)
		draw_textf(win, 1, 1, w - 2, draw_attr(DR_WARN), DRAW_PAD,
		    "filter: %s  (%zu rows; / changes it)", p->filter, p->nrows);
	else
		draw_text(win, 1, 1, w - 2, draw_attr(DR_DIM), DRAW_PAD,
		    p->backing_up ? "backing up... (progress in the console; Esc stops it)" :
		    "/ filter  Enter open  p preview  b backup  +/- unfold/fold all  s reload  ? keys");
	if (p->tree == NULL) {
		draw_text(win, 3, 1, w - 2, draw_attr(p->tree_err ? DR_BAD : DR_DIM), 0,
		    p->tree_err ? p->tree_err : "loading the catalog...");
		if (p->tree_err != NULL)
			draw_text(win, 4, 1, w - 2, draw_attr(DR_DIM), 0, "press s to try again");
		return;
	}
	tw = w * 2 / 5;
	tw = tw < 30 ? 30 : tw > 56 ? 56 : tw;
	ps_draw_tree(p, win, 2, h - 2, tw, focused && p->focus == PS_TREE);
	draw_vline(win, 2, tw, h - 2, draw_attr(DR_DIM));
	ps_draw_side(p, win, 2, tw + 1, h - 2, w - tw - 1, focused && p->focus != PS_TREE);
	/* For bench/tui-catalog.sh: one line per filter keystroke. */
	if (p->key_at > 0) {
		log_debug(ui_log(p->ui), "schema browser: filter keystroke \"%s\": %zu objects "
		    "-> %zu rows: key to frame %.3f ms (rebuild %.3f ms, draw %.3f ms)",
		    p->filter, p->tree->nobjs, p->nrows, (clk_mono_us() / 1000.0) - p->key_at,
		    p->filter_ms, (clk_mono_us() / 1000.0) - t0);
		p->key_at = 0;
	}
}

/* A key while typing the filter. */
static int
ps_key_filter(struct pane_schema *p, int ch)
{
	p->key_at = (clk_mono_us() / 1000.0);
	switch (ch) {
	case 27:
		p->flen = 0;
		p->filter[0] = '\0';
		p->typing = false;
		ps_rebuild(p);
		break;
	case '\r':
	case '\n':
	case KEY_ENTER:
		p->typing = false;
		break;
	case KEY_BACKSPACE:
	case 127:
	case 8:
		while (p->flen > 0) {
			unsigned char	c = (unsigned char)p->filter[--p->flen];

			if ((c & 0xc0) != 0x80)
				break;
		}
		p->filter[p->flen] = '\0';
		ps_rebuild(p);
		break;
	case 21:		/* Ctrl-U */
		p->flen = 0;
		p->filter[0] = '\0';
		ps_rebuild(p);
		break;
	case KEY_UP:
	case KEY_DOWN:
	case KEY_PPAGE:
	case KEY_NPAGE:
		p->typing = false;
		return (PANE_UNHANDLED);	/* let the tree move */
	default:
		if (ch >= 0x20 && ch < 0x100 && ch != 0x7f && p->flen + 1 < sizeof(p->filter)) {
			p->filter[p->flen++] = (char)ch;
			p->filter[p->flen] = '\0';
			ps_rebuild(p);
		}
		break;
	}
	ps_moved(p);
	return (PANE_HANDLED | PANE_REDRAW);
}

/* ---------------------------------------------------------------- backup */

/* A backup of one schema (copies: the tree may be replaced meanwhile). */
struct ps_backup_job {
	struct pane_schema	*p;
	char			*schema;
	struct backup_report	*rep;
};

/* backup_opts.progress: the console's progress line. Job thread. */
static void
ps_backup_progress(void *arg, const char *line)
{
	ui_console_progress(arg, line);
}

/* Run the backup on a session of its own, as `mcpdb backup` does. Job thread. */
static int
ps_backup_job(struct conn *conn, void *arg, void (*line)(void *, const char *),
    void *line_arg, struct mc_err *err)
{
	struct ps_backup_job	*j = arg;
	struct backup_opts	 o;
	const char		*schemas[1] = { j->schema };

	(void)conn;
	(void)line;
	(void)line_arg;
	backup_opts_init(&o);
	o.schemas = schemas;
	o.nschemas = 1;
	o.stop = ui_job_stop_flag(j->p->ui);
	o.progress = ps_backup_progress;
	o.arg = j->p->ui;
	return (backup_run(ui_target(j->p->ui), &o, &j->rep, err));
}

/* The backup ended: say where it is, or why not. UI thread. */
static void
ps_backup_finished(void *arg, int status, const struct mc_err *err)
{
	struct ps_backup_job	*j = arg;
	struct backup_report	*r = j->rep;
	char			*msg;

	j->p->backing_up = false;
	if (status != 0 || r == NULL) {
		msg = xasprintf("backup %s failed: %s", j->schema, err ? err->msg : "?");
		ui_console_print(j->p->ui, UI_LINE_ERR, msg);
		ui_message(j->p->ui, true, "%s", msg);
	} else {
		msg = xasprintf("backup %s: %zu tables, %lld rows, %.1f MB in %.2f s -> %s",
		    j->schema, r->tables->nrows, r->rows, (double)r->bytes / 1e6, r->secs, r->path);
		ui_console_print(j->p->ui, UI_LINE_OUT, msg);
		ui_message(j->p->ui, false, "%s", msg);
	}
	free(msg);
	backup_report_free(r);
	free(j->schema);
	free(j);
}

/* Start a backup of schema on the job thread. UI thread. */
static void
ps_backup(struct pane_schema *p, const char *schema)
{
	struct ps_backup_job	*j;
	char			*title;

	if (p->backing_up) {
		ui_message(p->ui, true, "a backup is already running (Esc stops it)");
		return;
	}
	j = xcalloc(1, sizeof(*j));
	j->p = p;
	j->schema = xstrdup(schema);
	title = xasprintf("backup %s", schema);
	/* queued behind a details load rather than refused: the operator asked for it */
	if (!ui_job(p->ui, title, ps_backup_job, j, ps_backup_finished, true)) {
		free(j->schema);	/* the job thread would not start (said so) */
		free(j);
		free(title);
		return;
	}
	free(title);
	p->backing_up = true;
	ui_console_print(p->ui, UI_LINE_INFO, "backing up the selected schema; Esc stops it");
}

/* A key in the tree. */
static int
ps_key_tree(struct pane_schema *p, int ch)
{
	size_t			 page = p->page > 0 ? (size_t)p->page : 1, i;
	const struct ps_row	*row = p->cursor < p->nrows ? &p->rows[p->cursor] : NULL;

	switch (ch) {
	case KEY_UP:
	case 'k':
		if (p->cursor > 0)
			p->cursor--;
		break;
	case KEY_DOWN:
	case 'j':
		if (p->cursor + 1 < p->nrows)
			p->cursor++;
		break;
	case KEY_PPAGE:
		p->cursor = p->cursor > page ? p->cursor - page : 0;
		break;
	case KEY_NPAGE:
		p->cursor = p->nrows == 0 ? 0 : p->cursor + page < p->nrows ?
		    p->cursor + page : p->nrows - 1;
		break;
	case KEY_HOME:
	case 'g':
		p->cursor = 0;
		break;
	case KEY_END:
	case 'G':
		p->cursor = p->nrows > 0 ? p->nrows - 1 : 0;
		break;
	case '\r':
	case '\n':
	case KEY_ENTER:
	case KEY_RIGHT:
	case 'l':
		if (row == NULL)
			return (PANE_HANDLED);
		if (row->obj < 0) {
			if (p->flen == 0 && (ch != KEY_RIGHT || p->folded[row->schema])) {
				p->folded[row->schema] = !p->folded[row->schema];
				ps_rebuild(p);
			}
		} else
			p->focus = PS_DETAIL;
		break;
	case KEY_LEFT:
	case 'h':
		if (row == NULL)
			return (PANE_HANDLED);
		if (row->obj >= 0) {
			for (i = p->cursor; i > 0 && p->rows[i].obj >= 0; i--)
				;
			p->cursor = i;
		} else if (p->flen == 0 && !p->folded[row->schema]) {
			p->folded[row->schema] = 1;
			ps_rebuild(p);
		}
		break;
	case '+':
	case '-':
		if (p->tree == NULL)
			return (PANE_HANDLED);
		memset(p->folded, ch == '-', p->tree->nschemas);
		ps_rebuild(p);
		break;
	case '/':		/* a new filter (Esc in it brings the whole tree back) */
		p->typing = true;
		p->flen = 0;
		p->filter[0] = '\0';
		ps_rebuild(p);
		break;
	case 'p':
		ps_preview(p);
		break;
	case 'b':
		if (row != NULL)
			ps_backup(p, p->tree->schemas[row->schema]);
		break;
	case 's':
		pane_schema_load(p);
		p->shown = -1;
		break;
	case 27:
		if (p->flen == 0)
			return (PANE_UNHANDLED);
		p->flen = 0;
		p->filter[0] = '\0';
		ps_rebuild(p);
		break;
	default:
		return (PANE_UNHANDLED);
	}
	ps_moved(p);
	return (PANE_HANDLED | PANE_REDRAW);
}

/* A key. */
static int
pane_schema_key(void *arg, int ch)
{
	struct pane_schema	*p = arg;
	int			 r;

	if (p->typing && (r = ps_key_filter(p, ch)) != PANE_UNHANDLED)
		return (r);
	if (p->focus == PS_PREVIEW) {
		if (ch == 27 || ch == 'p' || ch == 'q') {
			p->focus = PS_DETAIL;
			return (PANE_HANDLED | PANE_REDRAW);
		}
		r = draw_table_key(&p->pvst, p->pv, ch);
		return (r != PANE_UNHANDLED ? r : PANE_HANDLED);
	}
	if (p->focus == PS_DETAIL) {
		if (ch == 27 || ch == KEY_BACKSPACE || ch == 127 ||
		    (ch == KEY_LEFT && p->det.hscroll == 0)) {
			p->focus = PS_TREE;
			return (PANE_HANDLED | PANE_REDRAW);
		}
		if (ch == 'p') {
			ps_preview(p);
			return (PANE_HANDLED | PANE_REDRAW);
		}
		return (textview_key(&p->det, ch));
	}
	return (ps_key_tree(p, ch));
}

/* Per tick: load details once the cursor rests; retry a failed tree load. */
static int
pane_schema_tick(void *arg)
{
	struct pane_schema	*p = arg;
	int64_t			 now = clk_mono_ms();

	if (p->tree == NULL && !p->loading && p->wanted && (p->loaded_at == 0 ||
	    (now - p->drawn_at < PS_VISIBLE_MS && now - p->loaded_at >= PS_RETRY_MS))) {
		pane_schema_load(p);
		return (PANE_REDRAW);
	}
	if (p->tree != NULL && p->want >= 0 && p->want != p->shown && !p->det_loading &&
	    now - p->moved_at >= PS_SETTLE_MS && now - p->drawn_at < PS_VISIBLE_MS &&
	    (size_t)p->want < p->tree->nobjs) {
		if (ps_obj_load(p, p->want, false))
			return (PANE_REDRAW);
	}
	return (0);
}

/* `e` export: the schemas and their objects as loaded, and the selection. */
static cJSON *
pane_schema_export(void *arg)
{
	struct pane_schema	*p = arg;
	cJSON			*o = cJSON_CreateObject(), *a, *x;
	size_t			 i;

	if (p->tree == NULL) {
		cJSON_AddStringToObject(o, "error", p->tree_err ? p->tree_err :
		    "not read yet");
		return (o);
	}
	cJSON_AddStringToObject(o, "database", p->tree->database ?
	    p->tree->database : "");
	a = cJSON_AddArrayToObject(o, "schemas");
	for (i = 0; i < p->tree->nschemas; i++)
		cJSON_AddItemToArray(a, cJSON_CreateString(p->tree->schemas[i]));
	a = cJSON_AddArrayToObject(o, "objects");
	for (i = 0; i < p->tree->nobjs; i++) {
		const struct sch_obj	*ob = &p->tree->objs[i];

		x = cJSON_CreateObject();
		cJSON_AddStringToObject(x, "schema", p->tree->schemas[ob->schema]);
		cJSON_AddStringToObject(x, "name", ob->name);
		cJSON_AddStringToObject(x, "kind", schema_okind_name(ob->kind));
		if (ob->est_rows >= 0)
			cJSON_AddNumberToObject(x, "est_rows", ob->est_rows);
		else
			cJSON_AddNullToObject(x, "est_rows");
		cJSON_AddItemToArray(a, x);
	}
	if (p->shown >= 0 && (size_t)p->shown < p->tree->nobjs)
		cJSON_AddStringToObject(o, "selected",
		    p->tree->objs[p->shown].name);
	if (p->filter[0] != '\0')
		cJSON_AddStringToObject(o, "filter", p->filter);
	return (o);
}

const struct pane_ops pane_schema_ops = {
	.name = "Schema", .hotkey = '4', .keys = pane_schema_keys,
	.init = pane_schema_init, .free = pane_schema_free, .draw = pane_schema_draw,
	.key = pane_schema_key, .tick = pane_schema_tick,
	.export = pane_schema_export,
};
