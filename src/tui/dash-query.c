/*
 * dash-query.c - the Dashboard's session detail viewer (see dash-query.h).
 * The full text is read from pg_stat_activity for the pid and backend
 * start the operator selected, so a pid reused by a later session is never
 * shown in its place. PostgreSQL itself keeps at most
 * track_activity_query_size bytes of a query. With it: the session's
 * state, blockers and locks (pgsession_read, one statement on a job), its
 * wait history (sampled from every Dashboard snapshot, no I/O), and on e/a
 * the plan of its query (pgsession_explain: EXPLAIN, or EXPLAIN ANALYZE
 * after a confirmation, never for a write).
 */

#define DQ_EXPLAIN_MS	5000	/* statement_timeout of an EXPLAIN (ANALYZE) */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include <time.h>

#include <libpq-fe.h>

#include "conn.h"
#include "err.h"
#include "fsafe.h"
#include "buf.h"
#include "pg-locks.h"
#include "pgsession.h"
#include "pool.h"
#include "snapshot.h"
#include "xmem.h"
#include "draw.h"
#include "pane.h"
#include "textview.h"
#include "dash-query.h"

/* Samples of one session's wait kept for the detail's history. */
#define DQ_HIST_PIDS	200
#define DQ_HIST_LEN	60

struct dq_sample {
	int64_t		 wall_us;
	char		 what[72];	/* "Lock:transactionid", "active (no wait)", "idle" */
};

struct dq_hist {
	int		 pid;		/* 0: free */
	long long	 start_us;
	int64_t		 last_us;	/* newest sample: the oldest entry is reused */
	int		 n, head;	/* ring of n samples, head = next write */
	struct dq_sample s[DQ_HIST_LEN];
};

struct dash_query {
	struct ui	*ui;
	struct textview	 view;
	bool		 open;
	bool		 loading;
	int		 pid;
	char		*text;		/* the whole query shown */
	struct pgsession *sess;		/* the detail shown, or NULL */
	char		*plan;		/* the last EXPLAIN of it, or NULL */
	bool		 analyzed;	/* ... with ANALYZE */
	size_t		 plan_line;	/* where its title is in view */
	struct dq_job	*job;		/* the read under way */
	struct dq_hist	*hist;		/* DQ_HIST_PIDS of them */
};

/* What a job reads; owned by the job until finished. */
struct dq_job {
	struct dash_query *q;		/* NULL once the viewer is freed */
	int		 pid;
	long long	 start_us;
	bool		 explain, analyze;
	struct pgsession *sess;		/* read, or (explain) the one to plan */
	char		*plan;
};

static void	dq_render(struct dash_query *);

struct dash_query *
dash_query_new(struct ui *ui)
{
	struct dash_query	*q = xcalloc(1, sizeof(*q));

	q->ui = ui;
	textview_init(&q->view);
	q->view.wrap = true;
	q->hist = xcalloc(DQ_HIST_PIDS, sizeof(*q->hist));
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
	pgsession_free(q->sess);
	free(q->plan);
	free(q->hist);
	free(q);
}

/* The history entry of a session, or NULL (create: take a free or the oldest one). */
static struct dq_hist *
dq_hist_find(struct dash_query *q, int pid, long long start_us, bool create)
{
	struct dq_hist	*h, *old = NULL;
	size_t		 i;

	for (i = 0; i < DQ_HIST_PIDS; i++) {
		h = &q->hist[i];
		if (h->pid == pid && h->start_us == start_us)
			return (h);
		if (old == NULL || h->pid == 0 || (old->pid != 0 && h->last_us < old->last_us))
			old = h;
	}
	if (!create)
		return (NULL);
	memset(old, 0, sizeof(*old));
	old->pid = pid;
	old->start_us = start_us;
	return (old);
}

void
dash_query_sample(struct dash_query *q, const struct snap_pg *pg)
{
	struct dq_hist	*h;
	struct dq_sample *x;
	size_t		 i;

	if (pg == NULL)
		return;
	for (i = 0; i < pg->nsessions; i++) {
		const struct snap_session *ss = &pg->sessions[i];

		if (ss->hidden || ss->pid <= 0)
			continue;
		h = dq_hist_find(q, ss->pid, ss->backend_start_us, true);
		if (h->n > 0 && h->s[(h->head + DQ_HIST_LEN - 1) % DQ_HIST_LEN].wall_us ==
		    pg->wall_us)
			continue;	/* the same snapshot again */
		x = &h->s[h->head];
		x->wall_us = pg->wall_us;
		if (ss->wait_type[0])
			snprintf(x->what, sizeof(x->what), "%s:%s", ss->wait_type,
			    ss->wait_event);
		else if (strcmp(ss->state, "active") == 0)
			snprintf(x->what, sizeof(x->what), "active (no wait: on CPU)");
		else
			snprintf(x->what, sizeof(x->what), "%s", ss->state[0] ? ss->state :
			    "?");
		h->head = (h->head + 1) % DQ_HIST_LEN;
		if (h->n < DQ_HIST_LEN)
			h->n++;
		h->last_us = pg->wall_us;
	}
	if (q->open && q->sess != NULL)
		dq_render(q);
}

/* "5.0s" style seconds, "-" when unknown. */
static const char *
dq_dur(double s, char *buf, size_t len)
{
	return (pg_locks_fmt_dur(s, buf, len));
}

/* The wait history of the session shown: runs of equal samples, newest first. */
static void
dq_render_hist(struct dash_query *q)
{
	struct dq_hist	*h = dq_hist_find(q, q->sess->pid, q->sess->backend_start_us, false);
	const struct dq_sample *a, *b;
	char		 when[16], span[48], d[16];
	int		 i, j, k;
	time_t		 t;
	struct tm	 tm;

	if (h == NULL || h->n == 0) {
		textview_add(&q->view, DR_DIM, "  (none yet: the Dashboard samples "
		    "each refresh while the session is listed)");
		return;
	}
	for (i = 0; i < h->n; i = j) {
		a = &h->s[(h->head + DQ_HIST_LEN - 1 - i) % DQ_HIST_LEN];
		for (j = i + 1; j < h->n; j++) {
			b = &h->s[(h->head + DQ_HIST_LEN - 1 - j) % DQ_HIST_LEN];
			if (strcmp(a->what, b->what) != 0)
				break;
		}
		k = j - 1;
		b = &h->s[(h->head + DQ_HIST_LEN - 1 - k) % DQ_HIST_LEN];
		t = (time_t)(b->wall_us / 1000000);
		localtime_r(&t, &tm);
		strftime(when, sizeof(when), "%H:%M:%S", &tm);
		snprintf(span, sizeof(span), "%d sample%s, %s", j - i, j - i == 1 ? "" : "s",
		    dq_dur((double)(a->wall_us - b->wall_us) / 1e6, d, sizeof(d)));
		textview_addf(&q->view, strchr(a->what, ':') != NULL &&
		    strncmp(a->what, "Lock:", 5) == 0 ? DR_WARN : DR_NORMAL,
		    "  since %s  %-32s %s", when, a->what, span);
	}
}

/* Fill the view from the session read (and the plan), keeping the scroll. */
static void
dq_render(struct dash_query *q)
{
	const struct pgsession	*s = q->sess;
	size_t			 top = q->view.top, i;
	char			 a[32], b[32], line[256];
	struct buf		 bl;
	int			 k;

	textview_clear(&q->view);
	textview_addf(&q->view, DR_NORMAL, "user %s  application %s  database %s",
	    s->user[0] ? s->user : "-", s->app[0] ? s->app : "-",
	    s->datname[0] ? s->datname : "-");
	pgsession_state_line(s, line, sizeof(line));
	textview_add(&q->view, s->wait_type[0] ? DR_WARN : DR_NORMAL, line);
	if (s->nblockers > 0) {
		buf_init(&bl);
		for (k = 0; k < s->nblockers; k++)
			buf_printf(&bl, " %d", s->blockers[k]);
		textview_addf(&q->view, DR_BAD, "blocked by%s (L: the lock tree)", bl.data);
		buf_done(&bl);
	}
	textview_add(&q->view, DR_TITLE, "Query");
	textview_add(&q->view, DR_NORMAL, q->text[0] ? q->text :
	    "(no query text: this role may not see it)");
	textview_addf(&q->view, DR_TITLE, "Locks (%zu)", s->nlocks);
	if (s->nlocks == 0)
		textview_add(&q->view, DR_DIM, "  (none)");
	for (i = 0; i < s->nlocks; i++) {
		const struct pgsession_lock	*l = &s->locks[i];

		if (!l->granted && l->wait_s >= 0)
			snprintf(a, sizeof(a), "  for %s", dq_dur(l->wait_s, b, sizeof(b)));
		else
			a[0] = '\0';
		textview_addf(&q->view, l->granted ? DR_NORMAL : DR_BAD,
		    "  %-8s %-24s %-14s %s%s", l->granted ? "held" : "WAITING",
		    l->mode, l->locktype, l->object, a);
	}
	textview_add(&q->view, DR_TITLE, "Wait history (newest first)");
	dq_render_hist(q);
	q->plan_line = q->view.n;
	if (q->plan != NULL) {
		textview_add(&q->view, DR_TITLE, q->analyzed ? "Plan (EXPLAIN ANALYZE: "
		    "it ran, read-only)" : "Plan (EXPLAIN: nothing ran)");
		textview_add(&q->view, DR_NORMAL, q->plan);
	} else
		textview_add(&q->view, DR_DIM, "e: EXPLAIN its query (nothing runs)   "
		    "a: EXPLAIN ANALYZE (runs it read-only, asks first)");
	q->view.top = top;
}

/* Job thread: read the session, or plan its query. */
static int
dq_job_run(struct conn *c, void *arg, void (*line)(void *, const char *),
    void *line_arg, struct mc_err *err)
{
	struct dq_job	*j = arg;
	struct pool	*pool;
	PGconn		*pc;
	int		 rc = 0;

	(void)line;
	(void)line_arg;
	if ((pool = conn_pool(c, err)) == NULL)
		return (-1);
	if ((pc = pool_acquire(pool, j->explain ? "session explain" : "session detail",
	    err)) == NULL)
		return (-1);
	if (j->explain)
		rc = pgsession_explain(pool, pc, j->sess, j->analyze, DQ_EXPLAIN_MS,
		    &j->plan, err);
	else if ((j->sess = pgsession_read(pool, pc, j->pid, j->start_us, 5000,
	    err)) == NULL)
		rc = -1;
	pool_release(pool, pc);
	if (rc == -1 && err->code == MC_E_NOTFOUND)
		mc_err_set(err, MC_E_NOTFOUND, "session %d is gone (it ended after "
		    "it was selected)", j->pid);
	return (rc);
}

/* UI thread: show what the job read. */
static void
dq_job_finished(void *arg, int status, const struct mc_err *err)
{
	struct dq_job		*j = arg;
	struct dash_query	*q = j->q;

	if (q != NULL) {
		q->job = NULL;
		q->loading = false;
		if (status != 0)
			ui_message(q->ui, true, "%s", err && err->msg[0] ? err->msg :
			    "cannot read the session");
		else if (j->explain) {
			free(q->plan);
			q->plan = j->plan;
			j->plan = NULL;
			q->analyzed = j->analyze;
			if (q->open && q->sess != NULL) {
				dq_render(q);
				/* Show the plan from its title (the last section). */
				q->view.top = q->plan_line;
			}
		} else {
			free(q->text);
			q->text = xstrdup(j->sess->query);
			pgsession_free(q->sess);
			q->sess = j->sess;
			j->sess = NULL;
			free(q->plan);
			q->plan = NULL;
			q->pid = j->pid;
			textview_clear(&q->view);
			dq_render(q);
			q->open = true;
		}
	}
	pgsession_free(j->sess);
	free(j->plan);
	free(j);
}

/* Start a job for q (read or explain); false when another is running. */
static bool
dq_start(struct dash_query *q, struct dq_job *j, const char *title)
{
	j->q = q;
	if (!ui_job(q->ui, title, dq_job_run, j, dq_job_finished, false)) {
		ui_message(q->ui, true, "another operation is running; "
		    "try again when it ends");
		pgsession_free(j->sess);
		free(j);
		return (false);
	}
	q->job = j;
	q->loading = true;
	return (true);
}

void
dash_query_open(struct dash_query *q, int pid, long long backend_start_us)
{
	struct dq_job	*j;

	if (q->loading)
		return;
	j = xcalloc(1, sizeof(*j));
	j->pid = pid;
	j->start_us = backend_start_us;
	(void)dq_start(q, j, "read the session");
}

/* A copy of the session for a job (the query and identity; no locks). */
static struct pgsession *
dq_sess_copy(const struct pgsession *s)
{
	struct pgsession	*c = xcalloc(1, sizeof(*c));

	*c = *s;
	c->query = xstrdup(s->query ? s->query : "");
	c->locks = NULL;
	c->nlocks = 0;
	return (c);
}

/* e / a (after the confirmation): plan the session's query on a job. */
static void
dq_explain(struct dash_query *q, bool analyze)
{
	struct dq_job	*j;

	if (q->loading || q->sess == NULL)
		return;
	j = xcalloc(1, sizeof(*j));
	j->pid = q->sess->pid;
	j->explain = true;
	j->analyze = analyze;
	j->sess = dq_sess_copy(q->sess);
	(void)dq_start(q, j, analyze ? "EXPLAIN ANALYZE the session's query" :
	    "EXPLAIN the session's query");
}

/* The confirmation of a: arg is the viewer. */
static void
dq_analyze_confirmed(void *arg)
{
	dq_explain(arg, true);
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
	char	title[64], right[128];

	snprintf(title, sizeof(title), "Session %d", q->pid);
	snprintf(right, sizeof(right), "%zu bytes of query  e explain  a analyze  "
	    "w write  Esc closes", strlen(q->text));
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
	case 'e':
		dq_explain(q, false);
		return (PANE_HANDLED | PANE_REDRAW);
	case 'a':
		if (q->sess != NULL && !q->loading) {
			char	what[160], first[32];
			bool	params, several;

			/* Refuse a write here, before asking (the job would refuse too). */
			if (pgsession_classify(q->sess->query, &params, &several, first,
			    sizeof(first)) == PGS_WRITE) {
				ui_message(q->ui, true, "EXPLAIN ANALYZE would run this %s, "
				    "which writes or locks rows; e shows its plan without "
				    "running it", first);
				return (PANE_HANDLED | PANE_REDRAW);
			}

			snprintf(what, sizeof(what), "run backend %d's query under EXPLAIN "
			    "ANALYZE (read-only, at most %d s)", q->pid, DQ_EXPLAIN_MS / 1000);
			ui_confirm(q->ui, what, dq_analyze_confirmed, NULL, q);
		}
		return (PANE_HANDLED | PANE_REDRAW);
	default:
		r = textview_key(&q->view, ch);
		return (r != PANE_UNHANDLED ? r : PANE_HANDLED);
	}
}
