/*
 * dash-view.c - the Dashboard's full-pane views fed by their own readings
 * (see dash-view.h). The text is rebuilt from each reading with the scroll
 * position kept; a failed read keeps the last text and says why on top.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libpq-fe.h>

#include "clk.h"
#include "conn.h"
#include "err.h"
#include "pool.h"
#include "xmem.h"
#include "draw.h"
#include "pane.h"
#include "textview.h"
#include "dash-view.h"
#include "prefs.h"

struct dash_view {
	struct ui			*ui;
	const struct dash_view_ops	*ops;
	struct textview			 view;
	bool				 open;
	struct dv_job			*job;		/* the read under way */
	void				*last;		/* the last reading (for rates) */
	void				*prev;		/* the one before (to fill again) */
	int64_t				 read_at;	/* when it arrived, 0: none */
	char				*error;		/* the last read's error, or NULL */
	const char			*word;		/* fill's word for the title */
};

/* What the job reads; owned by the job until finished. */
struct dv_job {
	struct dash_view		*v;	/* NULL once the view is freed */
	const struct dash_view_ops	*ops;
	volatile sig_atomic_t		*stop;	/* the UI's job stop flag (Esc, quitting) */
	void				*data;
};

struct dash_view *
dash_view_new(struct ui *ui, const struct dash_view_ops *ops)
{
	struct dash_view	*v = xcalloc(1, sizeof(*v));
	const char		*col;
	bool			 desc;

	v->ui = ui;
	v->ops = ops;
	textview_init(&v->view);
	if (ops->prefs_key != NULL && ui_prefs(ui) != NULL &&
	    prefs_sort(ui_prefs(ui), ops->prefs_key, &col, &desc))
		textview_set_sort(&v->view, col, desc);
	return (v);
}

void
dash_view_free(struct dash_view *v)
{
	if (v == NULL)
		return;
	if (v->job != NULL)
		v->job->v = NULL;
	textview_done(&v->view);
	if (v->last != NULL)
		v->ops->free(v->last);
	if (v->prev != NULL)
		v->ops->free(v->prev);
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
	if (j->ops->read == NULL) {
		j->data = j->ops->read_conn(c, j->stop, err);
		return (j->data != NULL ? 0 : -1);
	}
	if ((pool = conn_pool(c, err)) == NULL ||
	    (pc = pool_acquire(pool, j->ops->title, err)) == NULL)
		return (-1);
	j->data = j->ops->read(pc, err);
	pool_release(pool, pc);
	return (j->data != NULL ? 0 : -1);
}

/* UI thread: show the reading (or keep the last one and say why not). */
static void
dv_job_finished(void *arg, int status, const struct mc_err *err)
{
	struct dv_job		*j = arg;
	struct dash_view	*v = j->v;
	size_t			 top;

	if (v != NULL) {
		v->job = NULL;
		free(v->error);
		v->error = NULL;
		if (status == 0) {
			top = v->view.top;
			textview_clear(&v->view);
			v->word = v->ops->fill(&v->view, j->data, v->last);
			v->view.top = top;
			if (v->prev != NULL)
				v->ops->free(v->prev);
			v->prev = v->last;
			v->last = j->data;
			j->data = NULL;
			v->read_at = clk_mono_ms();
		} else
			v->error = xstrdup(err && err->msg[0] ? err->msg : "cannot read");
	}
	if (j->data != NULL)
		j->ops->free(j->data);
	free(j);
}

/* Start a read unless one runs (or another job does: then next tick). */
static void
dv_read(struct dash_view *v)
{
	struct dv_job	*j;

	if (v->job != NULL)
		return;
	j = xcalloc(1, sizeof(*j));
	j->v = v;
	j->ops = v->ops;
	j->stop = ui_job_stop_flag(v->ui);
	if (!ui_job(v->ui, v->ops->title, dv_job_run, j, dv_job_finished, false)) {
		free(j);
		return;
	}
	v->job = j;
}

void
dash_view_open(struct dash_view *v)
{
	v->open = true;
	dv_read(v);
}

bool
dash_view_active(const struct dash_view *v)
{
	return (v->open);
}

void
dash_view_tick(struct dash_view *v)
{
	if (v->open && v->job == NULL && clk_mono_ms() - v->read_at >= v->ops->refresh_ms)
		dv_read(v);
}

void
dash_view_draw(struct dash_view *v, WINDOW *win, bool focused)
{
	int	h = getmaxy(win), w = getmaxx(win);
	char	right[240], age[32];

	char	sort[80] = "";

	if (v->view.sort_col != NULL)
		snprintf(sort, sizeof(sort), "sort %s %s  ", v->view.sort_col,
		    v->view.sort_desc ? "desc" : "asc");
	if (v->read_at == 0)
		snprintf(right, sizeof(right), "reading...  Esc closes");
	else {
		draw_fmt_duration(age, sizeof(age), (double)(clk_mono_ms() - v->read_at) / 1000);
		snprintf(right, sizeof(right), "%s%s%sread %s ago  s read now  < > S sort  Esc closes",
		    v->word ? v->word : "", v->word ? "  " : "", sort, age);
	}
	draw_title(win, 0, 0, w, v->ops->title, right);
	if (v->error != NULL) {
		draw_text(win, 1, 1, w - 2, draw_attr(DR_BAD), 0, v->error);
		textview_draw(win, 2, 1, h - 2, w - 1, &v->view, focused);
	} else
		textview_draw(win, 1, 1, h - 1, w - 1, &v->view, focused);
}

/* Show the last reading again (a new sort); no new read. */
static void
dv_refill(struct dash_view *v)
{
	size_t	top = v->view.top;

	if (v->last == NULL)
		return;
	textview_clear(&v->view);
	v->word = v->ops->fill(&v->view, v->last, v->prev);
	v->view.top = top;
}

/* < > S: sort by the previous / next column of the view's tables, or reverse. */
static int
dv_sort_key(struct dash_view *v, int ch)
{
	char *const	*cols;
	size_t		 n, i, cur = (size_t)-1;
	bool		 desc = v->view.sort_desc;

	if ((cols = textview_sort_cols(&v->view, &n)) == NULL) {
		ui_message(v->ui, false, "no table to sort here");
		return (PANE_HANDLED | PANE_REDRAW);
	}
	for (i = 0; v->view.sort_col != NULL && i < n; i++)
		if (strcasecmp(cols[i], v->view.sort_col) == 0)
			cur = i;
	if (ch == 'S' && cur != (size_t)-1)
		desc = !desc;
	else {
		if (ch == '<')
			i = cur == (size_t)-1 || cur == 0 ? n - 1 : cur - 1;
		else if (ch == '>')
			i = cur == (size_t)-1 ? 0 : (cur + 1) % n;
		else
			i = 0;
		cur = i;
		/* Numbers biggest first; text from A. */
		desc = textview_sort_col_numeric(&v->view, cur);
	}
	textview_set_sort(&v->view, cols[cur], desc);
	if (v->ops->prefs_key != NULL && ui_prefs(v->ui) != NULL) {
		prefs_set_sort(ui_prefs(v->ui), v->ops->prefs_key, v->view.sort_col, desc);
		ui_prefs_changed(v->ui);
	}
	dv_refill(v);
	return (PANE_HANDLED | PANE_REDRAW);
}

int
dash_view_key(struct dash_view *v, int ch, int open_key)
{
	int	r;

	if (ch == 27 || ch == 'q' || ch == open_key) {
		v->open = false;
		return (PANE_HANDLED | PANE_REDRAW);
	}
	if (ch == 's') {
		dv_read(v);
		return (PANE_HANDLED | PANE_REDRAW);
	}
	if (ch == '<' || ch == '>' || ch == 'S')
		return (dv_sort_key(v, ch));
	r = textview_key(&v->view, ch);
	return (r != PANE_UNHANDLED ? r : PANE_HANDLED);
}
