/*
 * dash-vacuum.c - the Dashboard's vacuum and wraparound view (see
 * dash-vacuum.h). The text is rebuilt from each reading; while a read is
 * under way the last one stays on screen with its age.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "clk.h"
#include "conn.h"
#include "err.h"
#include "pgvac.h"
#include "pool.h"
#include "xmem.h"
#include "draw.h"
#include "pane.h"
#include "textview.h"
#include "dash-vacuum.h"

/* Read again this often while open. */
#define DV_REFRESH_MS	5000
/* Tables shown, most dead rows first. */
#define DV_TABLES	30

struct dash_vacuum {
	struct ui	*ui;
	struct textview	 view;
	bool		 open;
	struct dv_job	*job;		/* the read under way */
	int64_t		 read_at;	/* when the last reading arrived, 0: none */
	char		*error;		/* the last read's error, or NULL */
	enum pgvac_level level;
};

/* What the job reads; owned by the job until finished. */
struct dv_job {
	struct dash_vacuum	*v;	/* NULL once the view is freed */
	struct pgvac		*data;
};

struct dash_vacuum *
dash_vacuum_new(struct ui *ui)
{
	struct dash_vacuum	*v = xcalloc(1, sizeof(*v));

	v->ui = ui;
	textview_init(&v->view);
	return (v);
}

void
dash_vacuum_free(struct dash_vacuum *v)
{
	if (v == NULL)
		return;
	if (v->job != NULL)
		v->job->v = NULL;
	textview_done(&v->view);
	free(v->error);
	free(v);
}

/* Job thread: one reading. */
static int
dv_job_run(struct conn *c, void *arg, void (*line)(void *, const char *),
    void *line_arg, struct mc_err *err)
{
	struct dv_job	*j = arg;
	struct pool	*pool;
	PGconn		*pc;

	(void)line;
	(void)line_arg;
	if ((pool = conn_pool(c, err)) == NULL ||
	    (pc = pool_acquire(pool, "vacuum view", err)) == NULL)
		return (-1);
	j->data = pgvac_read(pc, DV_TABLES, err);
	pool_release(pool, pc);
	return (j->data != NULL ? 0 : -1);
}

/* Rebuild the text from a reading, keeping the scroll position. */
static void
dv_fill(struct dash_vacuum *v, const struct pgvac *d)
{
	size_t		 top = v->view.top, i;
	struct table	*t;
	char		*w;

	textview_clear(&v->view);
	textview_addf(&v->view, DR_TITLE, "Databases  (autovacuum_freeze_max_age %lld, "
	    "multixact %lld)", d->freeze_max_age, d->mfreeze_max_age);
	t = pgvac_db_table(d);
	textview_add_table(&v->view, t, 40, "  ", DR_NORMAL);
	table_free(t);
	for (i = 0; i < d->ndbs; i++) {
		if (d->dbs[i].level == PGVAC_OK)
			continue;
		w = pgvac_db_words(d, &d->dbs[i]);
		textview_addf(&v->view, d->dbs[i].level == PGVAC_CRIT ? DR_BAD : DR_WARN,
		    "  %s: %s", d->dbs[i].name, w);
		free(w);
	}
	textview_add(&v->view, DR_NORMAL, "");
	if (d->nruns == 0)
		textview_add(&v->view, DR_TITLE, "Running vacuums: none");
	else {
		textview_addf(&v->view, DR_TITLE, "Running vacuums: %zu", d->nruns);
		t = pgvac_run_table(d);
		textview_add_table(&v->view, t, 40, "  ", DR_NORMAL);
		table_free(t);
	}
	textview_add(&v->view, DR_NORMAL, "");
	if (d->horizon_kind == NULL)
		textview_add(&v->view, DR_OK, "Oldest xmin: nothing holds back VACUUM");
	else
		textview_addf(&v->view, d->horizon_age > 10000000 ? DR_WARN : DR_NORMAL,
		    "Oldest xmin: %s %s holds back %lld transaction IDs (VACUUM cannot remove "
		    "rows deleted after it started)", d->horizon_kind,
		    d->horizon_who ? d->horizon_who : "?", d->horizon_age);
	textview_add(&v->view, DR_NORMAL, "");
	textview_addf(&v->view, DR_TITLE, "Tables of this database, most dead rows first "
	    "(bloat estimated from pg_stats)");
	if (d->ntables == 0)
		textview_add(&v->view, DR_DIM, "  (no tables)");
	else {
		t = pgvac_table_table(d);
		textview_add_table(&v->view, t, 32, "  ", DR_NORMAL);
		table_free(t);
	}
	v->view.top = top;
	v->level = d->level;
}

/* UI thread: show the reading (or keep the last one and say why not). */
static void
dv_job_finished(void *arg, int status, const struct mc_err *err)
{
	struct dv_job		*j = arg;
	struct dash_vacuum	*v = j->v;

	if (v != NULL) {
		v->job = NULL;
		free(v->error);
		v->error = NULL;
		if (status == 0) {
			dv_fill(v, j->data);
			v->read_at = clk_mono_ms();
		} else
			v->error = xstrdup(err && err->msg[0] ? err->msg : "cannot read");
	}
	pgvac_free(j->data);
	free(j);
}

/* Start a read unless one runs (or another job does: then next tick). */
static void
dv_read(struct dash_vacuum *v)
{
	struct dv_job	*j;

	if (v->job != NULL)
		return;
	j = xcalloc(1, sizeof(*j));
	j->v = v;
	if (!ui_job(v->ui, "read vacuum and wraparound health", dv_job_run, j,
	    dv_job_finished, false)) {
		free(j);
		return;
	}
	v->job = j;
}

void
dash_vacuum_open(struct dash_vacuum *v)
{
	v->open = true;
	dv_read(v);
}

bool
dash_vacuum_active(const struct dash_vacuum *v)
{
	return (v->open);
}

void
dash_vacuum_tick(struct dash_vacuum *v)
{
	if (v->open && v->job == NULL && clk_mono_ms() - v->read_at >= DV_REFRESH_MS)
		dv_read(v);
}

void
dash_vacuum_draw(struct dash_vacuum *v, WINDOW *win, bool focused)
{
	int	h = getmaxy(win), w = getmaxx(win);
	char	right[160], age[32];

	if (v->read_at == 0)
		snprintf(right, sizeof(right), "reading...  Esc closes");
	else {
		draw_fmt_duration(age, sizeof(age), (double)(clk_mono_ms() - v->read_at) / 1000);
		snprintf(right, sizeof(right), "%s  read %s ago  s read now  Esc closes",
		    pgvac_level_name(v->level), age);
	}
	draw_title(win, 0, 0, w, "Vacuum and wraparound", right);
	if (v->error != NULL) {
		draw_text(win, 1, 1, w - 2, draw_attr(DR_BAD), 0, v->error);
		textview_draw(win, 2, 1, h - 2, w - 1, &v->view, focused);
	} else
		textview_draw(win, 1, 1, h - 1, w - 1, &v->view, focused);
}

int
dash_vacuum_key(struct dash_vacuum *v, int ch)
{
	int	r;

	switch (ch) {
	case 27: case 'q': case 'v':
		v->open = false;
		return (PANE_HANDLED | PANE_REDRAW);
	case 's':
		dv_read(v);
		return (PANE_HANDLED | PANE_REDRAW);
	default:
		r = textview_key(&v->view, ch);
		return (r != PANE_UNHANDLED ? r : PANE_HANDLED);
	}
}
