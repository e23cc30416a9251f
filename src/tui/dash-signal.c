/*
 * dash-signal.c - cancel/terminate of one backend behind a confirmation
 * (see dash-signal.h), shared by the sessions list and the lock tree.
 */
#include "config.h"

#include "dash-signal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "conn.h"
#include "pool.h"
#include "xmem.h"

/*
 * What a cancel/terminate job needs (a copy: jobs carry copies). pid and
 * backend_start name the session the operator saw: the confirmation can stay
 * open for any time, and by then the pid may belong to a new session.
 */
struct dash_signal_act {
	struct ui	*ui;
	int		 pid;
	long long	 backend_start_us;
	bool		 terminate;
	char		 what[64];
};

/*
 * Signal only the session that was selected: pid and backend_start are
 * checked in the same statement that signals, so there is no window between
 * the check and the signal. No row: that session is gone.
 */
static const char dash_signal_q_cancel[] =
    "SELECT pg_cancel_backend(pid) FROM pg_stat_activity WHERE pid = $1::int"
    " AND (extract(epoch FROM backend_start) * 1000000)::bigint = $2::bigint";
static const char dash_signal_q_terminate[] =
    "SELECT pg_terminate_backend(pid, 3000) FROM pg_stat_activity"
    " WHERE pid = $1::int"
    " AND (extract(epoch FROM backend_start) * 1000000)::bigint = $2::bigint";

/* Job thread: pg_cancel_backend / pg_terminate_backend on a console connection. */
static int
dash_signal_act_job(struct conn *c, void *arg, void (*line)(void *, const char *),
    void *line_arg, struct mc_err *err)
{
	struct dash_signal_act	*a = arg;
	struct pool		*pool;
	PGconn			*pc;
	PGresult		*res;
	char			 pid[16], start[32];
	const char		*params[2] = { pid, start };
	bool			 done, gone;

	if ((pool = conn_pool(c, err)) == NULL)
		return (-1);
	if ((pc = pool_acquire(pool, a->terminate ? "terminate backend" :
	    "cancel backend", err)) == NULL)
		return (-1);
	snprintf(pid, sizeof(pid), "%d", a->pid);
	snprintf(start, sizeof(start), "%lld", a->backend_start_us);
	res = pool_query_deadline(pool, pc, a->terminate ? dash_signal_q_terminate :
	    dash_signal_q_cancel, 2, params, 5000, err);
	if (res == NULL) {
		pool_release(pool, pc);
		return (mc_err_prefix(err, "%s backend %d: ", a->terminate ?
		    "terminate" : "cancel", a->pid));
	}
	gone = PQntuples(res) == 0;
	done = PQntuples(res) == 1 && PQgetvalue(res, 0, 0)[0] == 't';
	PQclear(res);
	pool_release(pool, pc);
	if (gone)
		return (mc_err_set(err, MC_E_NOTFOUND,
		    "session %d is gone (it ended after it was selected): "
		    "nothing was %s", a->pid,
		    a->terminate ? "terminated" : "cancelled"));
	if (!done)
		return (mc_err_set(err, MC_E_STATE,
		    a->terminate ? "backend %d did not exit "
		    "within 3 s (or is already gone)" : "backend %d was not signalled (gone "
		    "already?)", a->pid));
	/* the outcome goes to the status area (dash_signal_act_finished), not the console */
	(void)line;
	(void)line_arg;
	return (0);
}

/* UI thread: report the job's outcome. */
static void
dash_signal_act_finished(void *arg, int status, const struct mc_err *err)
{
	struct dash_signal_act	*a = arg;

	if (status == 0)
		ui_message(a->ui, false,
		    a->terminate ? "backend %d terminated" :
		    "cancel sent to backend %d (its query stops; the session stays)", a->pid);
	else
		ui_message(a->ui, true, "%s",
		    err && err->msg[0] ? err->msg : "failed");
	free(a);
}

/* Confirmed: start the job. */
static void
dash_signal_act_go(void *arg)
{
	struct dash_signal_act	*a = arg;
	char			 title[64];

	snprintf(title, sizeof(title), "%s backend %d",
	    a->terminate ? "terminate" :
	    "cancel", a->pid);
	if (!ui_job(a->ui, title, dash_signal_act_job, a, dash_signal_act_finished,
	    true)) {
		ui_message(a->ui, true,
		    "could not start: another operation is running");
		free(a);
	}
}

/* Declined. */
static void
dash_signal_act_no(void *arg)
{
	free(arg);
}

void
dash_signal_ask(struct ui *ui, const struct dash_signal_who *s,
    bool terminate)
{
	const struct conf_target	*t = ui_target(ui);
	struct dash_signal_act		*a;
	char				*what;

	if (ui_paused(ui)) {
		ui_message(ui, true, "paused: the sessions shown are frozen and may be gone; "
		    "press Space to resume, then %s", terminate ? "terminate" : "cancel");
		return;
	}
	if (t != NULL && t->read_only) {
		ui_message(ui, true,
		    "this target is read-only: cancel and terminate are refused");
		return;
	}
	if (s->backend_start_us == 0) {
		ui_message(ui, true, "session %d cannot be told apart from a "
		    "later one with the same pid (its start time is hidden: needs "
		    "pg_monitor); nothing was done", s->pid);
		return;
	}
	a = xcalloc(1, sizeof(*a));
	a->ui = ui;
	a->pid = s->pid;
	a->backend_start_us = s->backend_start_us;
	a->terminate = terminate;
	what = xasprintf("%s backend %d (user %s, application %s, %s %s)\n%s%s",
	    terminate ? "TERMINATE" : "Cancel the running query of", s->pid,
	    s->user[0] ? s->user : "?", s->app[0] ? s->app : "-",
	    s->state, s->dur, s->query,
	    terminate ? "\nThe connection is closed and its "
	    "transaction rolled back." : "");
	ui_confirm(ui, what, dash_signal_act_go, dash_signal_act_no, a);
	free(what);
}
