/*
 * dash-query.c - the Dashboard's session detail viewer (see dash-query.h).
 * The full text is read from pg_stat_activity for the pid and backend
 * start the operator selected, so a pid reused by a later session is never
 * shown in its place. PostgreSQL itself keeps at most
 * track_activity_query_size bytes of a query.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libpq-fe.h>

#include "conn.h"
#include "err.h"
#include "fsafe.h"
#include "pool.h"
#include "xmem.h"
#include "draw.h"
#include "pane.h"
#include "textview.h"
#include "dash-query.h"

struct dash_query {
	struct ui	*ui;
	struct textview	 view;
	bool		 open;
	bool		 loading;
	int		 pid;
	char		*text;		/* the whole query shown */
	struct dq_job	*job;		/* the read under way */
};

/* What the job reads; owned by the job until finished. */
struct dq_job {
	struct dash_query *q;		/* NULL once the viewer is freed */
	int		 pid;
	long long	 start_us;
	char		*query;
};

static const char dq_sql[] =
    "SELECT coalesce(query, '') FROM pg_stat_activity WHERE pid = $1::int"
    " AND ($2::bigint = 0 OR"
    " (extract(epoch FROM backend_start) * 1000000)::bigint = $2::bigint)";

struct dash_query *
dash_query_new(struct ui *ui)
{
	struct dash_query	*q = xcalloc(1, sizeof(*q));

	q->ui = ui;
	textview_init(&q->view);
	q->view.wrap = true;
	return (q);
}

void
dash_query_free(struct dash_query *q)
{
	if (q == NULL)
		return;
	if (q->job != NULL)
		q->job->q = NULL;
	textview_done(&q->view);
	free(q->text);
	free(q);
}

/* Job thread: read the query of the selected session. */
static int
dq_job_run(struct conn *c, void *arg, void (*line)(void *, const char *),
    void *line_arg, struct mc_err *err)
{
	struct dq_job	*j = arg;
	struct pool	*pool;
	PGconn		*pc;
	PGresult	*res;
	char		 pid[16], start[32];
	const char	*params[2] = { pid, start };

	(void)line;
	(void)line_arg;
	if ((pool = conn_pool(c, err)) == NULL)
		return (-1);
	if ((pc = pool_acquire(pool, "session query", err)) == NULL)
		return (-1);
	snprintf(pid, sizeof(pid), "%d", j->pid);
	snprintf(start, sizeof(start), "%lld", j->start_us);
	res = pool_query_deadline(pool, pc, dq_sql, 2, params, 5000, err);
	pool_release(pool, pc);
	if (res == NULL)
		return (mc_err_prefix(err, "query of backend %d: ", j->pid));
	if (PQntuples(res) == 0) {
		PQclear(res);
		return (mc_err_set(err, MC_E_NOTFOUND, "session %d is gone (it "
		    "ended after it was selected)", j->pid));
	}
	j->query = xstrdup(PQgetvalue(res, 0, 0));
	PQclear(res);
	return (0);
}

/* UI thread: open the viewer on the text read. */
static void
dq_job_finished(void *arg, int status, const struct mc_err *err)
{
	struct dq_job		*j = arg;
	struct dash_query	*q = j->q;

	if (q != NULL) {
		q->job = NULL;
		q->loading = false;
		if (status == 0) {
			free(q->text);
			q->text = j->query;
			j->query = NULL;
			q->pid = j->pid;
			textview_clear(&q->view);
			textview_add(&q->view, DR_NORMAL, q->text[0] ? q->text :
			    "(no query text: this role may not see it)");
			q->open = true;
		} else
			ui_message(q->ui, true, "%s", err && err->msg[0] ?
			    err->msg : "cannot read the query");
	}
	free(j->query);
	free(j);
}

void
dash_query_open(struct dash_query *q, int pid, long long backend_start_us)
{
	struct dq_job	*j;

	if (q->loading)
		return;
	j = xcalloc(1, sizeof(*j));
	j->q = q;
	j->pid = pid;
	j->start_us = backend_start_us;
	if (!ui_job(q->ui, "read the session's query", dq_job_run, j,
	    dq_job_finished, false)) {
		ui_message(q->ui, true, "another operation is running; "
		    "try again when it ends");
		free(j);
		return;
	}
	q->job = j;
	q->loading = true;
}

bool
dash_query_active(const struct dash_query *q)
{
	return (q->open);
}

void
dash_query_draw(struct dash_query *q, WINDOW *win, bool focused)
{
	int	h = getmaxy(win), w = getmaxx(win);
	char	title[64], right[96];

	snprintf(title, sizeof(title), "Query of backend %d", q->pid);
	snprintf(right, sizeof(right), "%zu bytes  w write to a file  "
	    "Esc closes", strlen(q->text));
	draw_title(win, 0, 0, w, title, right);
	textview_draw(win, 1, 1, h - 1, w - 1, &q->view, focused);
}

/* Write the text to STATE/query-PID-STAMP.sql; tell the operator where. */
static void
dq_write(struct dash_query *q)
{
	struct mc_err	 err;
	const char	*dir = ui_state_path(q->ui);
	char		*path, stamp[32];
	time_t		 now = time(NULL);
	struct tm	 tm;

	if (dir == NULL) {
		ui_message(q->ui, true, "no state directory to write to (set "
		    "XDG_STATE_HOME or HOME)");
		return;
	}
	gmtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm);
	path = xasprintf("%s/query-%d-%s.sql", dir, q->pid, stamp);
	mc_err_clear(&err);
	if (fsafe_write(path, q->text, strlen(q->text), 0600, &err) == -1)
		ui_message(q->ui, true, "%s", err.msg);
	else
		ui_message(q->ui, false, "query of backend %d written to %s",
		    q->pid, path);
	free(path);
}

int
dash_query_key(struct dash_query *q, int ch)
{
	int	r;

	switch (ch) {
	case 27: case 'q': case '\r': case '\n': case KEY_ENTER:
		q->open = false;
		return (PANE_HANDLED | PANE_REDRAW);
	case 'w':
		dq_write(q);
		return (PANE_HANDLED | PANE_REDRAW);
	default:
		r = textview_key(&q->view, ch);
		return (r != PANE_UNHANDLED ? r : PANE_HANDLED);
	}
}
