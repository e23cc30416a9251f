/*
 * pane-migrate.c - the Migrations pane: the status of every migration (a
 * colour and a text marker per state), and keys that apply the next or all
 * pending migrations, roll back the last applied one, redo it, and verify
 * the ledger against the files. Every change is confirmed (the target's name
 * typed on a protected target), refused on a read-only target, and runs on
 * the job thread; its output streams into the pane line by line.
 *
 * Model. The status is read by a job (migrate_status: files + ledger + lock
 * holder) and handed to the UI thread whole, replacing the previous one; it
 * is re-read after each run, on `s`, and every few seconds while the pane is
 * on screen. A run (struct pm_run) is shared by the UI thread and the job
 * thread: the job appends output lines and the newest lock-wait note under
 * run->mtx, the UI thread drains them each tick; nothing else crosses.
 *
 * Stopping. Esc asks to stop *after the current migration*: runs apply one
 * migration per runner call (migrate_up --to V), and the job checks the
 * frame's stop flag between them; the runner's own stop flag (which would
 * interrupt a statement) is raised only while it is still waiting for the
 * lock and the next migration is transactional, so a stop never leaves a
 * half-applied no-transaction migration behind.
 *
 * Streams. With per-schema streams (see migrate.h) the pane shows one
 * stream at a time, named in its title; `t` goes to the next. Every run
 * and status read is of the stream shown, so a key always acts on the rows
 * on screen.
 */
#include "config.h"

#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "buf.h"
#include "migrate.h"
#include "xmem.h"
#include "draw.h"
#include "pane.h"
#include "textview.h"
#include "ui.h"
#include "clk.h"

#define PM_REFRESH_MS	5000	/* re-read the status this often while on screen */
#define PM_VISIBLE_MS	1500	/* drawn this recently = on screen */
#define PM_OUT_MAX	2000	/* run output lines kept */

/* What a run does. */
enum pm_act {
	PM_UP_NEXT,
	PM_UP_ALL,
	PM_DOWN,
	PM_REDO,
	PM_VERIFY,
};

/* One run, shared by the UI thread and the job thread (see the model above). */
struct pm_run {
	struct pane_migrate	*p;		/* UI thread only (finished callback) */
	enum pm_act		 act;
	const struct conf_target *t;		/* borrowed from the UI */
	volatile int		*ui_stop;	/* the frame's stop flag (Esc, quit) */
	/* What was confirmed: versions to apply, or the id to roll back. */
	long long		*versions;
	char			**ids;		/* "0003_x" of each version */
	bool			*no_tx;
	size_t			 nversions;
	char			*expect_id;
	char			*title;
	int64_t			 started_ms;
	/* The runner's stop: raised only during a lock wait (see the model). */
	volatile sig_atomic_t	 hard;
	volatile sig_atomic_t	 cur_no_tx;	/* the migration about to run has no transaction */
	/* Guarded by mtx. */
	pthread_mutex_t		 mtx;
	char			**q;		/* new output lines (role in the first byte) */
	size_t			 nq;
	char			*lock_note;	/* newest "waiting for the migration lock" line */
	int64_t			 lock_since_ms;	/* 0 when not waiting */
	size_t			 done;		/* migrations applied or rolled back so far */
	char			*current;	/* what runs now ("0003_x"), or NULL */
	/* Set by the job, read by the UI after it finished. */
	bool			 stopped;	/* ended early as asked */
	long long		 total_ms;
	char			*stream;	/* of the status shown when it started */
};

struct pane_migrate {
	struct ui		*ui;
	const struct conf_target *t;
	volatile int		*stop;

	/* Status. */
	struct migrate_status	*st;		/* newest; owned */
	char			*stream;	/* the stream shown, NULL: the first */
	char			**streams;	/* of the directory, at the last read */
	size_t			 nstreams;
	char			*st_err;	/* why the last read failed, or NULL */
	int64_t			 st_at;		/* when it was read (monotonic ms) */
	int64_t			 st_ok_at;	/* when the list shown was read */
	bool			 placed;	/* first pending selected */
	bool			 st_loading;
	size_t			 counts[MIG_RUNNING + 1];
	struct textview		 list;

	/* Runs. */
	struct pm_run		*run;		/* in progress, or NULL */
	char			*last;		/* one line about the last run, or NULL */
	enum draw_role		 last_role;
	struct textview		 out;

	/* The SQL viewer. */
	bool			 viewing;
	char			*view_title;
	struct textview		 view;

	int64_t			 drawn_at;
	bool			 wanted;	/* shown or completed once: keep it read */
};

static const char *const pane_migrate_keys[] = {
	"u            apply the next pending migration (asks first)",
	"U            apply all pending migrations, one at a time (asks first)",
	"d            roll back the last applied migration (asks first)",
	"r            redo: roll back the last applied one and apply it again (asks first)",
	"v            verify applied migrations against their files (changes nothing)",
	"Enter        show the selected migration's up and down SQL (Esc closes)",
	"s            read the status again now",
	"t            show the next migration stream (per-schema sub-directories)",
	"Esc          during a run: stop after the current migration",
	"Up/Down j/k  select a migration; PgUp/PgDn, Home/End",
	"[ ]          scroll the run output back / forward",
	NULL,
};

static void	pane_migrate_refresh(struct pane_migrate *);
static size_t	pm_stream_index(const struct pane_migrate *);

/* The text marker and role of a state (the marker reads without colour). */
static const char *
pm_marker(enum mig_state s, enum draw_role *role)
{
	switch (s) {
	case MIG_APPLIED:
		*role = DR_OK;
		return ("=");
	case MIG_PENDING:
		*role = DR_WARN;
		return ("+");
	case MIG_MISMATCH:
		*role = DR_BAD;
		return ("!");
	case MIG_MISSING:
		*role = DR_BAD;
		return ("?");
	case MIG_FAILED:
		*role = DR_BAD;
		return ("X");
	case MIG_RUNNING:
	default:
		*role = DR_WARN;
		return ("~");
	}
}

/* ------------------------------------------------------------ run (job side) */

/* Queue an output line of the run. Job thread. */
static void
pm_run_line(struct pm_run *r, enum draw_role role, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
pm_run_line(struct pm_run *r, enum draw_role role, const char *fmt, ...)
{
	va_list	 ap;
	char	*s, *l;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		s = NULL;
	va_end(ap);
	l = xasprintf("%c%s", (char)('A' + role), s ? s : "");
	free(s);
	pthread_mutex_lock(&r->mtx);
	r->q = xreallocarray(r->q, r->nq + 1, sizeof(char *));
	r->q[r->nq++] = l;
	pthread_mutex_unlock(&r->mtx);
}

/* The runner's progress callback: lock waits and server notices. Job thread. */
static void
pm_run_progress(void *arg, const char *line)
{
	struct pm_run	*r = arg;

	if (strncmp(line, "waiting for the migration lock", 30) == 0) {
		pthread_mutex_lock(&r->mtx);
		free(r->lock_note);
		r->lock_note = xstrdup(line);
		if (r->lock_since_ms == 0)
			r->lock_since_ms = clk_mono_ms();
		pthread_mutex_unlock(&r->mtx);
		/* Still waiting, nothing started: a stop may end the wait now. */
		if (*r->ui_stop && !r->cur_no_tx)
			r->hard = 1;
		return;
	}
	if (*line != '\0')
		pm_run_line(r, DR_DIM, "%s", line);
}

/* The runner's per-migration callback. Job thread. */
static void
pm_run_step(void *arg, const struct migrate_step *s)
{
	struct pm_run	*r = arg;
	char		 ms[32] = "";

	if (s->ms >= 0)
		snprintf(ms, sizeof(ms), "  %lld ms", s->ms);
	pthread_mutex_lock(&r->mtx);
	r->lock_since_ms = 0;
	free(r->lock_note);
	r->lock_note = NULL;
	if (s->ok)
		r->done++;
	pthread_mutex_unlock(&r->mtx);
	if (!s->ok)
		pm_run_line(r, DR_BAD, "FAILED to %s %s", s->act == MACT_APPLY ?
		    "apply" : "roll back", s->id);
	else
		pm_run_line(r, DR_OK, "%-12s %s%s%s%s", s->reapply ? "reapplied" :
		    s->act == MACT_APPLY ? "applied" : "rolled back", s->id, ms,
		    s->no_tx ? "  (no transaction)" : "",
		    s->repeatable ? "  (repeatable)" : "");
}

/*
 * The runner's confirmation for down/redo: the operator confirmed rolling
 * back r->expect_id from the status on screen; go on only if the runner's
 * fresh plan is exactly that. Job thread.
 */
static int
pm_run_confirm(void *arg, const char *what, struct mc_err *err)
{
	struct pm_run	*r = arg;
	char		*want = xasprintf(" 1 migration (%s)", r->expect_id);
	bool		 same = strstr(what, want) != NULL;

	free(want);
	if (same)
		return (0);
	return (mc_err_set(err, MC_E_STATE, "the ledger changed since the pane showed it "
	    "(another run?): the runner would now %s; nothing was done, check the list "
	    "and try again", what));
}

/* Mark the migration about to run. Job thread. */
static void
pm_run_current(struct pm_run *r, const char *id, bool no_tx)
{
	r->cur_no_tx = no_tx;
	pthread_mutex_lock(&r->mtx);
	free(r->current);
	r->current = id != NULL ? xstrdup(id) : NULL;
	pthread_mutex_unlock(&r->mtx);
}

/* Verify: one line per finding. Job thread. */
static int
pm_run_verify(struct pm_run *r, struct migrate_opts *o, struct mc_err *err)
{
	struct migrate_verify	*v;
	size_t			 i;

	if ((v = migrate_verify(r->t, o, err)) == NULL)
		return (-1);
	for (i = 0; i < v->n; i++)
		pm_run_line(r, v->v[i].fatal ? DR_BAD : DR_WARN, "%-18s %s: %s",
		    v->v[i].kind, v->v[i].id, v->v[i].detail);
	if (v->ok)
		pm_run_line(r, DR_OK, "verified %zu applied migration%s against %s: no drift",
		    v->napplied, v->napplied == 1 ? "" : "s", v->dir);
	else
		pm_run_line(r, DR_BAD, "verified %zu applied migration%s against %s: DRIFT "
		    "(mcpdb migrate verify --diff shows what changed)", v->napplied,
		    v->napplied == 1 ? "" : "s", v->dir);
	migrate_verify_free(v);
	return (0);
}

/* The job: run what was confirmed. Job thread. */
static int
pm_run_job(struct conn *conn, void *arg, void (*line)(void *, const char *),
    void *line_arg, struct mc_err *err)
{
	struct pm_run		*r = arg;
	struct migrate_opts	 o;
	struct migrate_report	*rep = NULL;
	size_t			 i;
	int			 rc = 0;
	int64_t			 t0 = clk_mono_ms();

	(void)conn;
	(void)line;
	(void)line_arg;
	migrate_opts_init(&o);
	o.stream = r->stream;
	o.stop = &r->hard;
	o.progress = pm_run_progress;
	o.step = pm_run_step;
	o.arg = r;
	switch (r->act) {
	case PM_VERIFY:
		rc = pm_run_verify(r, &o, err);
		break;
	case PM_DOWN:
	case PM_REDO:
		o.steps = 1;
		o.confirm = pm_run_confirm;
		pm_run_current(r, r->expect_id, r->nversions > 0 && r->no_tx[0]);
		rc = (r->act == PM_DOWN ? migrate_down : migrate_redo)(r->t, &o, &rep, err);
		if (rc == 0 && rep != NULL && rep->up_to_date)
			pm_run_line(r, DR_WARN, "nothing to roll back (the ledger changed?)");
		migrate_report_free(rep);
		break;
	case PM_UP_NEXT:
	case PM_UP_ALL:
		for (i = 0; i < r->nversions; i++) {
			if (*r->ui_stop) {
				r->stopped = true;
				pm_run_line(r, DR_WARN, "stopped as asked: %zu of %zu applied, "
				    "the rest is still pending", i, r->nversions);
				break;
			}
			pm_run_current(r, r->ids[i], r->no_tx[i]);
			o.to = r->versions[i];
			rep = NULL;
			rc = migrate_up(r->t, &o, &rep, err);
			if (rc == 0 && rep != NULL && rep->n == 0)
				pm_run_line(r, DR_DIM, "version %lld: already applied (by "
				    "another run?)", r->versions[i]);
			migrate_report_free(rep);
			if (rc == -1)
				break;
		}
		break;
	}
	pm_run_current(r, NULL, false);
	if (rc == -1 && err->code == MC_E_CANCELLED && r->hard)
		mc_err_set(err, MC_E_CANCELLED, "stopped while waiting for the migration lock; "
		    "nothing was applied or rolled back by this step");
	r->total_ms = clk_mono_ms() - t0;
	return (rc);
}

/* Free a run. */
static void
pm_run_free(struct pm_run *r)
{
	size_t	i;

	if (r == NULL)
		return;
	for (i = 0; i < r->nq; i++)
		free(r->q[i]);
	free(r->q);
	free(r->lock_note);
	free(r->current);
	free(r->stream);
	for (i = 0; i < r->nversions && r->ids != NULL; i++)
		free(r->ids[i]);
	free(r->ids);
	free(r->versions);
	free(r->no_tx);
	free(r->expect_id);
	free(r->title);
	pthread_mutex_destroy(&r->mtx);
	free(r);
}

/* ------------------------------------------------------------ run (UI side) */

/* Move the run's queued lines into the output view. UI thread. */
static bool
pm_drain(struct pane_migrate *p)
{
	struct pm_run	*r = p->run;
	char		**q;
	size_t		 n, i;

	if (r == NULL)
		return (false);
	pthread_mutex_lock(&r->mtx);
	q = r->q;
	n = r->nq;
	r->q = NULL;
	r->nq = 0;
	pthread_mutex_unlock(&r->mtx);
	for (i = 0; i < n; i++) {
		textview_add(&p->out, (enum draw_role)(q[i][0] - 'A'), q[i] + 1);
		log_info(ui_log(p->ui), "migrations pane: %s", q[i] + 1);
		free(q[i]);
	}
	free(q);
	return (n > 0);
}

/* A run ended: report it, re-read the status. UI thread. */
static void
pm_run_finished(void *arg, int status, const struct mc_err *err)
{
	struct pm_run		*r = arg;
	struct pane_migrate	*p = r->p;
	char			 dur[32];

	pm_drain(p);
	draw_fmt_duration(dur, sizeof(dur), (double)r->total_ms / 1000);
	free(p->last);
	if (status == -1 && err->code == MC_E_CANCELLED) {
		textview_add(&p->out, DR_WARN, err->msg);
		p->last = xasprintf("%s: stopped as asked after %s", r->title, dur);
		p->last_role = DR_WARN;
		log_warn(ui_log(p->ui), "migrations pane: %s: %s", r->title, err->msg);
		ui_message(p->ui, false, "%s", err->msg);
	} else if (status == -1) {
		textview_add(&p->out, DR_BAD, err->msg);
		p->last = xasprintf("%s: FAILED after %s", r->title, dur);
		p->last_role = DR_BAD;
		log_error(ui_log(p->ui), "migrations pane: %s: %s", r->title, err->msg);
		ui_message(p->ui, true, "%s", err->msg);
	} else {
		p->last = xasprintf("%s: %s in %s", r->title, r->stopped ? "stopped as asked" :
		    "done", dur);
		p->last_role = r->stopped ? DR_WARN : DR_OK;
		textview_addf(&p->out, p->last_role, "%s", p->last);
	}
	p->run = NULL;
	pm_run_free(r);
	p->st_at = 0;
	pane_migrate_refresh(p);
}

/* Start run r on the job thread (takes it). UI thread. */
static void
pm_start(struct pane_migrate *p, struct pm_run *r)
{
	r->p = p;
	r->t = p->t;
	r->ui_stop = p->stop;
	if (p->st != NULL && r->stream == NULL)
		r->stream = xstrdup(p->st->stream);
	r->started_ms = clk_mono_ms();
	/* Behind this pane's own status read (quick) it may queue; behind others, not. */
	if (!ui_job(p->ui, r->title, pm_run_job, r, pm_run_finished, p->st_loading)) {
		ui_message(p->ui, true, "another job is running; wait for it, or press Esc "
		    "to stop it, then try again");
		pm_run_free(r);
		return;
	}
	p->run = r;
	textview_addf(&p->out, DR_TITLE, "-- %s", r->title);
}

/* ui_confirm callbacks. */
static void
pm_confirmed(void *arg)
{
	struct pm_run	*r = arg;

	pm_start(r->p, r);
}

static void
pm_refused(void *arg)
{
	pm_run_free(arg);
}

/* A new run of act (fields filled by the caller). */
static struct pm_run *
pm_run_new(struct pane_migrate *p, enum pm_act act)
{
	struct pm_run	*r = xcalloc(1, sizeof(*r));

	pthread_mutex_init(&r->mtx, NULL);
	r->p = p;
	r->act = act;
	return (r);
}

/* ---------------------------------------------------------------- status */

/* A status read on the job thread. */
struct pm_stjob {
	struct pane_migrate	*p;
	const struct conf_target *t;
	volatile int		*stop;	/* the frame's stop flag (quitting) */
	char			*stream;	/* wanted; NULL or gone: the first */
	char			**streams;	/* read with the status */
	size_t			 nstreams;
	struct migrate_status	*st;
};

/* Free a status job (not its status, handed over). */
static void
pm_stjob_free(struct pm_stjob *j)
{
	migstreams_free(j->streams, j->nstreams);
	free(j->stream);
	free(j);
}

/* Read the status. Job thread. */
static int
pm_status_job(struct conn *conn, void *arg, void (*line)(void *, const char *),
    void *line_arg, struct mc_err *err)
{
	struct pm_stjob		*j = arg;
	struct migrate_opts	 o;

	(void)conn;
	(void)line;
	(void)line_arg;
	char			*dir;
	size_t			 i;

	migrate_opts_init(&o);
	o.stop = j->stop;	/* quitting ends a connect in progress */
	dir = migrate_dir(j->t, NULL);
	if (migrate_streams(dir, &j->streams, &j->nstreams, NULL) == 0 &&
	    j->nstreams > 1) {
		for (i = 0; j->stream != NULL && i < j->nstreams &&
		    strcmp(j->stream, j->streams[i]) != 0; i++)
			;
		o.stream = j->stream != NULL && i < j->nstreams ? j->stream :
		    j->streams[0];
	}
	free(dir);
	j->st = migrate_status(j->t, &o, err);
	return (j->st != NULL ? 0 : -1);
}

/* Fill the list view from the status. UI thread. */
static void
pm_list_fill(struct pane_migrate *p)
{
	struct migrate_status	*st = p->st;
	const char		*hdr[7] = { " ", "version", "name", "state", "applied at",
				    "ms", "note" };
	const char		*cells[7];
	char			 ms[32], note[256], *row;
	int			 cw[7];
	size_t			 i, c;

	textview_clear(&p->list);
	memset(p->counts, 0, sizeof(p->counts));
	if (st == NULL)
		return;
	for (c = 0; c < 7; c++)
		cw[c] = (int)strlen(hdr[c]);
	for (i = 0; i < st->n; i++) {
		const struct mig_status	*s = &st->rows[i];
		int			 w;

		p->counts[s->state]++;
		if ((w = draw_width(s->vstr)) > cw[1])
			cw[1] = w;
		if ((w = draw_width(s->name)) > cw[2])
			cw[2] = w;
		if ((w = (int)strlen(mig_state_name(s->state))) > cw[3])
			cw[3] = w;
		if (s->row != NULL && (w = draw_width(s->row->applied_at)) > cw[4])
			cw[4] = w;
	}
	cw[0] = 1;
	cw[2] = cw[2] > 40 ? 40 : cw[2];
	cw[4] = cw[4] > 24 ? 24 : cw[4];
	cw[5] = 8;
	free(p->list.header);
	p->list.header = textview_row(hdr, cw, 7);
	for (i = 0; i < st->n; i++) {
		const struct mig_status	*s = &st->rows[i];
		enum draw_role		 role;

		cells[0] = pm_marker(s->state, &role);
		cells[1] = s->vstr;
		cells[2] = s->name;
		cells[3] = mig_state_name(s->state);
		cells[4] = s->row != NULL ? s->row->applied_at : "";
		ms[0] = '\0';
		if (s->row != NULL && s->row->ms >= 0)
			snprintf(ms, sizeof(ms), "%8lld", s->row->ms);
		cells[5] = ms;
		snprintf(note, sizeof(note), "%s%s%s%s",
		    s->row != NULL && s->row->error != NULL && s->state != MIG_APPLIED ?
		    s->row->error : "", s->out_of_order ? " out of order" : "",
		    s->down_changed ? " down file changed since applied" : "",
		    (s->file ? s->file->up.no_tx : s->row && s->row->no_tx) ?
		    " no transaction" : "");
		cells[6] = note[0] == ' ' ? note + 1 : note;
		row = textview_row(cells, cw, 7);
		textview_add(&p->list, role, row);
		free(row);
	}
}

/* A status read ended. UI thread. */
static void
pm_status_finished(void *arg, int status, const struct mc_err *err)
{
	struct pm_stjob		*j = arg;
	struct pane_migrate	*p = j->p;
	size_t			 cur = p->list.cursor;

	p->st_loading = false;
	p->st_at = clk_mono_ms();
	if (status == -1) {
		free(p->st_err);
		p->st_err = xstrdup(err->msg);
		pm_stjob_free(j);
		return;
	}
	free(p->st_err);
	p->st_err = NULL;
	p->st_ok_at = p->st_at;
	migrate_status_free(p->st);
	p->st = j->st;
	free(p->stream);
	p->stream = xstrdup(p->st->stream);
	migstreams_free(p->streams, p->nstreams);
	p->streams = j->streams;
	p->nstreams = j->nstreams;
	j->streams = NULL;
	j->nstreams = 0;
	pm_stjob_free(j);
	pm_list_fill(p);
	p->list.cursor = cur;
	if (!p->placed) {
		/* First list: select the first row that needs something. */
		size_t	i;

		p->placed = true;
		for (i = 0; i < p->st->n; i++)
			if (p->st->rows[i].state != MIG_APPLIED) {
				p->list.cursor = i;
				break;
			}
	}
}

/* Read the status again (unless a read or a run is under way). UI thread. */
static void
pane_migrate_refresh(struct pane_migrate *p)
{
	struct pm_stjob	*j;

	if (p->st_loading || p->run != NULL)
		return;
	j = xcalloc(1, sizeof(*j));
	j->p = p;
	j->t = p->t;
	j->stop = p->stop;
	j->stream = p->stream != NULL ? xstrdup(p->stream) : NULL;
	if (!ui_job(p->ui, "migrate status", pm_status_job, j, pm_status_finished, false)) {
		pm_stjob_free(j);	/* busy: the next tick tries again */
		return;
	}
	p->st_loading = true;
}

/* ---------------------------------------------------------------- actions */

/* May this target be changed? Says why not. UI thread. */
static bool
pm_writable(struct pane_migrate *p)
{
	if (!p->t->read_only)
		return (true);
	ui_message(p->ui, true, "target %s is read-only: migrations cannot be applied or "
	    "rolled back on it; nothing was done", p->t->name);
	return (false);
}

/* Is the status ready for an action? Says why not. */
static bool
pm_ready(struct pane_migrate *p)
{
	if (p->run != NULL) {
		ui_message(p->ui, true, "a run is in progress; wait for it (Esc stops it after "
		    "the current migration)");
		return (false);
	}
	if (p->st == NULL) {
		ui_message(p->ui, true, "the status is not loaded yet%s%s", p->st_err ? ": " : "",
		    p->st_err ? p->st_err : "");
		return (false);
	}
	return (true);
}

/* u / U: apply the next or every pending migration. */
static void
pm_apply(struct pane_migrate *p, bool all)
{
	struct pm_run	*r;
	struct buf	 what;
	size_t		 i, n = 0;

	if (!pm_ready(p) || !pm_writable(p))
		return;
	r = pm_run_new(p, all ? PM_UP_ALL : PM_UP_NEXT);
	buf_init(&what);
	for (i = 0; i < p->st->n; i++) {
		const struct mig_status	*s = &p->st->rows[i];

		if (s->state != MIG_PENDING || s->file == NULL)
			continue;
		r->versions = xreallocarray(r->versions, n + 1, sizeof(long long));
		r->ids = xreallocarray(r->ids, n + 1, sizeof(char *));
		r->no_tx = xreallocarray(r->no_tx, n + 1, sizeof(bool));
		r->versions[n] = s->version;
		r->ids[n] = xstrdup(s->file->id);
		r->no_tx[n] = s->file->up.no_tx;
		if (n < 8)
			buf_printf(&what, "%s%s", n ? ", " : "", s->file->id);
		n++;
		if (!all)
			break;
	}
	r->nversions = n;
	if (n == 0) {
		ui_message(p->ui, false, "nothing to apply: no pending migration");
		buf_done(&what);
		pm_run_free(r);
		return;
	}
	if (n > 8)
		buf_printf(&what, " and %zu more", n - 8);
	r->title = xasprintf("apply %s", n == 1 ? what.data : "all pending migrations");
	{
		char	*q = xasprintf("Apply %zu pending migration%s (%s)", n, n == 1 ? "" : "s",
		    what.data);

		ui_confirm(p->ui, q, pm_confirmed, pm_refused, r);
		free(q);
	}
	buf_done(&what);
}


/*
 * Lines of down SQL a roll-back confirmation shows: the dialog scrolls, so
 * the whole file as a rule; a bound keeps a generated giant readable.
 */
#define PM_CONFIRM_SQL_LINES	200

/*
 * The first n lines of sql, indented, and how many more there are (Enter on
 * the row shows them all). Caller frees.
 */
static char *
pm_sql_head(const char *sql, int n)
{
	struct buf	 b;
	const char	*s = sql, *e;
	int		 i = 0, more = 0;

	buf_init(&b);
	buf_printf(&b, "down SQL:");
	while (*s != '\0') {
		e = strchr(s, '\n');
		if (e == NULL)
			e = s + strlen(s);
		if (i < n)
			buf_printf(&b, "\n  %.*s", (int)(e - s), s);
		else
			more++;
		i++;
		s = *e ? e + 1 : e;
	}
	if (i == 0)
		buf_printf(&b, "\n  (empty)");
	if (more > 0)
		buf_printf(&b, "\n  ... %d more line%s (Esc, then Enter on "
		    "the row shows the whole file)", more,
		    more == 1 ? "" : "s");
	return (buf_detach(&b));
}

/* d / r: roll back (and with redo, re-apply) the last applied migration. */
static void
pm_rollback(struct pane_migrate *p, bool redo)
{
	const struct mig_status	*last = NULL;
	struct pm_run		*r;
	char			*q, *sql;
	size_t			 i;

	if (!pm_ready(p) || !pm_writable(p))
		return;
	for (i = 0; i < p->st->n; i++) {
		const struct mig_status	*s = &p->st->rows[i];

		if (s->row != NULL && s->row->state == MR_APPLIED &&
		    (last == NULL || s->row->seq > last->row->seq))
			last = s;
	}
	if (last == NULL) {
		ui_message(p->ui, false, "nothing to roll back: no applied migration");
		return;
	}
	if (last->file == NULL) {
		ui_message(p->ui, true, "%s_%s cannot be rolled back: its files are missing "
		    "from %s", last->vstr, last->name, p->st->dir);
		return;
	}
	r = pm_run_new(p, redo ? PM_REDO : PM_DOWN);
	r->expect_id = xstrdup(last->file->id);
	r->versions = xcalloc(1, sizeof(long long));
	r->ids = xcalloc(1, sizeof(char *));
	r->no_tx = xcalloc(1, sizeof(bool));
	r->versions[0] = last->version;
	r->ids[0] = xstrdup(last->file->id);
	r->no_tx[0] = last->file->down.no_tx;
	r->nversions = 1;
	r->title = xasprintf("%s %s", redo ? "redo" : "roll back", last->file->id);
	sql = pm_sql_head(last->file->down.sql, PM_CONFIRM_SQL_LINES);
	if (redo)
		q = xasprintf("Roll back %s (its down SQL runs) and apply it "
		    "again\n\n%s", last->file->id, sql);
	else
		q = xasprintf("ROLL BACK migration %s: its down SQL runs and "
		    "its ledger row is deleted\n\n%s", last->file->id, sql);
	ui_confirm(p->ui, q, pm_confirmed, pm_refused, r);
	free(sql);
	free(q);
}

/* v: verify (reads only: no confirmation). */
static void
pm_verify(struct pane_migrate *p)
{
	struct pm_run	*r;

	if (p->run != NULL) {
		ui_message(p->ui, true, "a run is in progress; wait for it");
		return;
	}
	r = pm_run_new(p, PM_VERIFY);
	r->title = xstrdup("verify");
	pm_start(p, r);
}

/* Enter: the selected migration's up and down SQL in the viewer. */
static void
pm_view(struct pane_migrate *p)
{
	const struct mig_status	*s;

	if (p->st == NULL || p->st->n == 0 || p->list.cursor >= p->st->n)
		return;
	s = &p->st->rows[p->list.cursor];
	textview_clear(&p->view);
	free(p->view_title);
	p->view_title = xasprintf("%s_%s: up and down SQL", s->vstr, s->name);
	if (s->file == NULL) {
		textview_add(&p->view, DR_BAD, "The files of this migration are missing from the "
		    "migrations directory.");
		textview_add(&p->view, DR_NORMAL, "The ledger keeps the SQL that ran: mcpdb "
		    "migrate verify --diff shows it.");
	} else {
		textview_addf(&p->view, DR_TITLE, "-- up: %s%s", s->file->up.path,
		    s->file->up.no_tx ? "  (no transaction)" : "");
		textview_add(&p->view, DR_NORMAL, s->file->up.sql);
		textview_add(&p->view, DR_NORMAL, "");
		textview_addf(&p->view, DR_TITLE, "-- down: %s%s", s->file->down.path,
		    s->file->down.no_tx ? "  (no transaction)" : "");
		textview_add(&p->view, DR_NORMAL, s->file->down.sql);
	}
	p->viewing = true;
}

/* ---------------------------------------------------------------- pane ops */

/* Completion: migration versions from the status on screen, and the streams. */
static void
pm_names(void *arg, enum cmd_complete kind, void (*add)(void *, const char *), void *add_arg)
{
	struct pane_migrate	*p = arg;
	size_t			 i;

	if (kind != CC_MIGRATION && kind != CC_STREAM)
		return;
	p->wanted = true;	/* the next tick reads the status if there is none */
	if (kind == CC_STREAM) {
		for (i = 0; i < p->nstreams; i++)
			add(add_arg, p->streams[i]);
		return;
	}
	if (p->st == NULL)
		return;
	for (i = 0; i < p->st->n; i++)
		add(add_arg, p->st->rows[i].vstr);
}

/* Make the pane and start reading the status. */
static void *
pane_migrate_init(struct ui *ui, struct mc_err *err)
{
	struct pane_migrate	*p = xcalloc(1, sizeof(*p));

	(void)err;
	p->ui = ui;
	p->t = ui_target(ui);
	p->stop = ui_job_stop_flag(ui);
	textview_init(&p->list);
	p->list.cursor_on = true;
	textview_init(&p->out);
	p->out.follow = true;
	p->out.wrap = true;
	p->out.max = PM_OUT_MAX;
	textview_init(&p->view);
	ui_names_register(ui, CC_MIGRATION, pm_names, p);
	ui_names_register(ui, CC_STREAM, pm_names, p);
	return (p);	/* the status is read when first wanted (shown, or completed) */
}

/* Free the pane (jobs have ended: the frame joins the job thread first). */
static void
pane_migrate_free(void *arg)
{
	struct pane_migrate	*p = arg;

	if (p == NULL)
		return;
	ui_names_unregister(p->ui, pm_names, p);
	migrate_status_free(p->st);
	free(p->stream);
	migstreams_free(p->streams, p->nstreams);
	free(p->st_err);
	free(p->last);
	free(p->view_title);
	textview_done(&p->list);
	textview_done(&p->out);
	textview_done(&p->view);
	free(p);
}

/*
 * The banner under the title (rows y and y + 1): the run's lock wait, live,
 * and who holds the lock; or the holder the status saw. Returns rows used.
 */
static int
pm_draw_lock(struct pane_migrate *p, WINDOW *win, int y, int w)
{
	char		*note = NULL, dur[32], tmo[32];
	int64_t		 since = 0;
	const char	*held, *of;
	double		 timeout;
	struct textview	 tv;

	if (p->run != NULL) {
		pthread_mutex_lock(&p->run->mtx);
		if (p->run->lock_note != NULL)
			note = xstrdup(p->run->lock_note);
		since = p->run->lock_since_ms;
		pthread_mutex_unlock(&p->run->mtx);
	}
	textview_init(&tv);
	tv.wrap = true;
	if (note != NULL) {
		/* "waiting for the migration lock (1.0 s of 10.0 s), held by ..." */
		held = strstr(note, "held by ");
		of = strstr(note, " s of ");
		timeout = of != NULL ? strtod(of + 6, NULL) : p->t->migrate.lock_timeout_ms / 1000.0;
		draw_fmt_duration(dur, sizeof(dur), (double)(clk_mono_ms() - since) / 1000);
		draw_fmt_duration(tmo, sizeof(tmo), timeout);
		draw_textf(win, y, 1, w - 2, draw_attr(DR_WARN) | A_BOLD, DRAW_PAD,
		    "WAITING for the migration lock: %s of %s (Esc stops waiting)", dur, tmo);
		textview_addf(&tv, DR_WARN, "held by %s", held ? held + 8 : "another run");
		free(note);
	} else if (p->st != NULL && p->st->lock_holder != NULL) {
		draw_text(win, y, 1, w - 2, draw_attr(DR_WARN) | A_BOLD, DRAW_PAD,
		    "A migration run is in progress elsewhere:");
		textview_addf(&tv, DR_WARN, "lock held by %s", p->st->lock_holder);
	} else {
		textview_done(&tv);
		return (0);
	}
	textview_draw(win, y + 1, 1, 2, w - 2, &tv, false);
	textview_done(&tv);
	return (3);
}

/*
 * The Run title during the lock wait: nothing runs yet, so say who holds
 * the lock ("waiting for lock held by pid 123 (application ...)").
 */
static void
pm_lock_wait_title(char *buf, size_t len, const char *note, const char *dur)
{
	const char	*held = strstr(note, "held by ");

	if (held != NULL)
		snprintf(buf, len, "waiting for lock %s  %s  (Esc stops waiting)",
		    held, dur);
	else
		snprintf(buf, len, "waiting for the migration lock  %s  "
		    "(Esc stops waiting)", dur);
}

/* Draw the list, the run output and the key hints; or the SQL viewer. */
static void
pane_migrate_draw(void *arg, WINDOW *win, bool focused)
{
	struct pane_migrate	*p = arg;
	int			 h = getmaxy(win), w = getmaxx(win), lh, y;
	char			 right[256], age[32], dur[32];

	p->drawn_at = clk_mono_ms();
	p->wanted = true;
	if (p->viewing) {
		draw_title(win, 0, 0, w, p->view_title, "Esc/q closes");
		textview_draw(win, 1, 1, h - 1, w - 1, &p->view, focused);
		return;
	}
	if (p->st != NULL) {
		size_t	nrep = 0, k;
		char	reps[48] = "";

		/* A failed re-read keeps the last list: its age, marked STALE. */
		draw_fmt_duration(age, sizeof(age),
		    (double)(clk_mono_ms() - p->st_ok_at) / 1000);
		for (k = 0; k < p->st->nreps; k++)
			if (p->st->reps[k].state == MIGR_PENDING ||
			    p->st->reps[k].state == MIGR_OUTDATED)
				nrep++;
		if (nrep > 0)	/* applied by mcpdb migrate up after the last version */
			snprintf(reps, sizeof(reps), ", %zu repeatable%s to apply", nrep,
			    nrep == 1 ? "" : "s");
		snprintf(right, sizeof(right), "%s  %zu applied, %zu pending%s%s  "
		    "%sread %s ago", p->st->dir, p->counts[MIG_APPLIED],
		    p->counts[MIG_PENDING], reps,
		    p->counts[MIG_MISMATCH] + p->counts[MIG_MISSING] + p->counts[MIG_FAILED] +
		    p->counts[MIG_RUNNING] > 0 ? ", NEEDS ATTENTION" : "",
		    p->st_err != NULL ? "STALE: " : "", age);
	} else
		snprintf(right, sizeof(right), "%s", p->st_loading ? "reading..." : "");
	if (p->st != NULL && p->nstreams > 1) {
		char	title[128];

		snprintf(title, sizeof(title), "Migrations: stream %s (%zu/%zu)",
		    p->st->stream, pm_stream_index(p) + 1, p->nstreams);
		draw_title(win, 0, 0, w, title, right);
	} else
		draw_title(win, 0, 0, w, "Migrations", right);
	y = 2 + pm_draw_lock(p, win, 1, w);
	if (p->st == NULL) {
		draw_text(win, y, 1, w - 2, draw_attr(p->st_err ? DR_BAD : DR_DIM), 0,
		    p->st_err ? p->st_err : "reading the migration status...");
		lh = 2;
	} else if (p->st->n == 0) {
		draw_textf(win, y, 1, w - 2, draw_attr(DR_DIM), 0, "no migrations in %s",
		    p->st->dir);
		lh = 2;
	} else {
		/* No run output yet: the list takes most rows. */
		int	room = p->run == NULL && p->out.n == 0 ?
		    h - y - 4 : (h - 6) / 2;
		char	pos[64];

		lh = (int)p->st->n + 1;
		if (lh > room)
			lh = room > 3 ? room : 3;
		textview_draw(win, y, 1, lh, w - 1, &p->list, focused);
		textview_position(&p->list, pos, sizeof(pos));
		if (p->st_err != NULL)
			draw_textf(win, y + lh, 1, w - 2, draw_attr(DR_BAD), 0,
			    "(status is %s old: %s)", age, p->st_err);
		else if (pos[0] != '\0')
			draw_textf(win, y + lh, 1, w - 2, draw_attr(DR_DIM), 0,
			    "%s", pos);
	}
	y += lh + 1;
	if (p->run != NULL) {
		draw_fmt_duration(dur, sizeof(dur), (double)(clk_mono_ms() - p->run->started_ms) / 1000);
		pthread_mutex_lock(&p->run->mtx);
		if (p->run->lock_note != NULL)
			pm_lock_wait_title(right, sizeof(right),
			    p->run->lock_note, dur);
		else
			snprintf(right, sizeof(right), "RUNNING %s%s%s  %s  (Esc: stop after the current one)",
			    p->run->title, p->run->act == PM_UP_ALL && p->run->current ? ": " : "",
			    p->run->act == PM_UP_ALL && p->run->current ? p->run->current : "", dur);
		pthread_mutex_unlock(&p->run->mtx);
	} else
		snprintf(right, sizeof(right), "%s", p->last ? p->last : "no run yet");
	draw_title(win, y, 0, w, "Run", right);
	textview_draw(win, y + 1, 1, h - y - 2, w - 1, &p->out, false);
	draw_text(win, h - 1, 1, w - 2, draw_attr(DR_DIM), 0, p->nstreams > 1 ?
	    "u apply next  U apply all  d roll back last  r redo  v verify  Enter SQL  "
	    "s refresh  t next stream  ? keys" :
	    "u apply next  U apply all  d roll back last  r redo  v verify  Enter SQL  "
	    "s refresh  ? keys");
}

/* The position of the stream shown in p->streams (0 when not found). */
static size_t
pm_stream_index(const struct pane_migrate *p)
{
	size_t	i;

	for (i = 0; p->stream != NULL && i < p->nstreams; i++)
		if (strcmp(p->streams[i], p->stream) == 0)
			return (i);
	return (0);
}

/* `t`: show the next stream (not during a run, which is of this one). */
static void
pm_next_stream(struct pane_migrate *p)
{
	size_t	i;

	if (p->nstreams <= 1) {
		ui_message(p->ui, false, "one migration stream only (no stream "
		    "sub-directories in %s)", p->st != NULL ? p->st->dir : "the directory");
		return;
	}
	if (p->run != NULL || p->st_loading) {
		ui_message(p->ui, true, "wait for the %s to end, then change streams",
		    p->run != NULL ? "run" : "status read");
		return;
	}
	i = (pm_stream_index(p) + 1) % p->nstreams;
	free(p->stream);
	p->stream = xstrdup(p->streams[i]);
	migrate_status_free(p->st);
	p->st = NULL;
	p->placed = false;
	p->st_at = 0;
	textview_clear(&p->list);
	ui_message(p->ui, false, "migration stream %s (%zu of %zu)", p->stream,
	    i + 1, p->nstreams);
	pane_migrate_refresh(p);
}

/* A key. */
static int
pane_migrate_key(void *arg, int ch)
{
	struct pane_migrate	*p = arg;
	int			 r;

	if (p->viewing) {
		if (ch == 27 || ch == 'q' || ch == '\r' || ch == '\n' || ch == KEY_ENTER) {
			p->viewing = false;
			return (PANE_HANDLED | PANE_REDRAW);
		}
		r = textview_key(&p->view, ch);
		return (r != PANE_UNHANDLED ? r : PANE_HANDLED);
	}
	switch (ch) {
	case 'u':
		pm_apply(p, false);
		return (PANE_HANDLED | PANE_REDRAW);
	case 'U':
		pm_apply(p, true);
		return (PANE_HANDLED | PANE_REDRAW);
	case 'd':
		pm_rollback(p, false);
		return (PANE_HANDLED | PANE_REDRAW);
	case 'r':
		pm_rollback(p, true);
		return (PANE_HANDLED | PANE_REDRAW);
	case 'v':
		pm_verify(p);
		return (PANE_HANDLED | PANE_REDRAW);
	case 's':
		p->st_at = 0;
		if (p->run == NULL)
			pane_migrate_refresh(p);
		return (PANE_HANDLED | PANE_REDRAW);
	case 't':
		pm_next_stream(p);
		return (PANE_HANDLED | PANE_REDRAW);
	case '\r':
	case '\n':
	case KEY_ENTER:
		pm_view(p);
		return (PANE_HANDLED | PANE_REDRAW);
	case 27:
		if (p->run == NULL)
			return (PANE_UNHANDLED);
		ui_job_stop(p->ui);
		pthread_mutex_lock(&p->run->mtx);
		if (p->run->lock_note != NULL && !p->run->cur_no_tx)
			p->run->hard = 1;	/* still waiting for the lock: stop now */
		pthread_mutex_unlock(&p->run->mtx);
		ui_message(p->ui, false, "%s", p->run->hard ? "stopping: nothing started yet" :
		    "will stop after the current migration");
		return (PANE_HANDLED | PANE_REDRAW);
	case '[':
		return (textview_key(&p->out, KEY_PPAGE));
	case ']':
		return (textview_key(&p->out, KEY_NPAGE));
	default:
		return (textview_key(&p->list, ch));
	}
}

/* Per tick: drain run output, keep the status fresh while on screen. */
static int
pane_migrate_tick(void *arg)
{
	struct pane_migrate	*p = arg;
	int64_t			 now = clk_mono_ms();
	int			 r = 0;

	if (p->run != NULL) {
		if (pm_drain(p))
			r |= PANE_REDRAW;
		if (*p->stop && !p->run->cur_no_tx) {
			pthread_mutex_lock(&p->run->mtx);
			if (p->run->lock_note != NULL)
				p->run->hard = 1;
			pthread_mutex_unlock(&p->run->mtx);
		}
		r |= PANE_REDRAW;	/* the elapsed times move */
		return (r);
	}
	/* Wanted but never read (completion asked), or stale on screen. */
	if (!p->st_loading && (p->st == NULL && p->st_err == NULL ? p->wanted :
	    now - p->drawn_at < PM_VISIBLE_MS && (p->st_at == 0 ||
	    now - p->st_at >= PM_REFRESH_MS)))
		pane_migrate_refresh(p);
	return (r);
}

/* `e` export: the status as JSON. */
static cJSON *
pane_migrate_export(void *arg)
{
	struct pane_migrate	*p = arg;
	cJSON			*o = cJSON_CreateObject(), *a;
	size_t			 i;

	if (p->st == NULL) {
		cJSON_AddStringToObject(o, "error", p->st_err ? p->st_err : "not loaded yet");
		return (o);
	}
	cJSON_AddStringToObject(o, "dir", p->st->dir);
	cJSON_AddStringToObject(o, "stream", p->st->stream);
	if (p->st->lock_holder != NULL)
		cJSON_AddStringToObject(o, "lock_holder", p->st->lock_holder);
	a = cJSON_AddArrayToObject(o, "migrations");
	for (i = 0; i < p->st->n; i++) {
		cJSON	*m = cJSON_CreateObject();

		cJSON_AddStringToObject(m, "version", p->st->rows[i].vstr);
		cJSON_AddStringToObject(m, "name", p->st->rows[i].name);
		cJSON_AddStringToObject(m, "state", mig_state_name(p->st->rows[i].state));
		cJSON_AddItemToArray(a, m);
	}
	if (p->last != NULL)
		cJSON_AddStringToObject(o, "last_run", p->last);
	return (o);
}

const struct pane_ops pane_migrate_ops = {
	.name = "Migrations", .hotkey = '3', .keys = pane_migrate_keys,
	.init = pane_migrate_init, .free = pane_migrate_free, .draw = pane_migrate_draw,
	.key = pane_migrate_key, .tick = pane_migrate_tick, .export = pane_migrate_export,
};
