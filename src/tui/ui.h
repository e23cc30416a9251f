/*
 * ui.h - the interactive shell's frame: curses set-up, the key loop, tab
 * bar, status line, console line, modal dialogs, and the services panes use
 * (confirmation, background jobs, messages). The UI thread alone touches
 * ncurses, readline and pane state; network work runs on the poller thread
 * (snapshots) or the job thread (commands, actions).
 */
#ifndef MCPDB_UI_H
#define MCPDB_UI_H

#include <stdbool.h>

#include "cmd.h"
#include "conf.h"
#include "err.h"
#include "log.h"

struct ui;
struct conn;

/* Options for ui_run. */
struct ui_opts {
	struct conf		*conf;		/* borrowed */
	const struct conf_target *target;	/* borrowed */
	struct logger		*log;		/* borrowed; the UI silences its stderr */
	int			 interval_ms;	/* poller refresh, default 1000 */
	bool			 ascii;		/* force ASCII line drawing */
};

/* Run the shell until the operator quits. Returns an exit status, or -1 with err. */
int	ui_run(const struct ui_opts *, struct mc_err *);

/* ---- services for panes (UI thread only) ---- */

/* The selected target. Borrowed. */
const struct conf_target *ui_target(struct ui *);
/* The connection manager of the UI's job thread (for jobs). Borrowed. */
struct conn	*ui_conn(struct ui *);
struct logger	*ui_log(struct ui *);
/* True when colours are off (NO_COLOR, monochrome terminal). */
bool	ui_mono(struct ui *);
/* True when line drawing must be ASCII. */
bool	ui_ascii(struct ui *);

/*
 * Ask for confirmation in a modal dialog. On a protected target the
 * operator must type the target's name (a plain y is refused). When
 * confirmed, done(arg) runs on the UI thread; when refused, cancel(arg) runs
 * (may be NULL). Both get arg back, whose ownership is theirs.
 */
void	ui_confirm(struct ui *, const char *what, void (*done)(void *),
	    void (*cancel)(void *), void *arg);

/*
 * Run fn(conn, arg, line, line_arg, err) on the job thread. line() may be
 * called from the job with output lines (queued and shown on the UI thread).
 * When fn returns, finished(arg, status, err) runs on the UI thread. Jobs run
 * one at a time, in order. Returns false if a job is already running and
 * queue is false.
 */
typedef int	(*ui_job_fn)(struct conn *, void *arg,
		    void (*line)(void *, const char *), void *line_arg, struct mc_err *);
bool	ui_job(struct ui *, const char *title, ui_job_fn fn, void *arg,
	    void (*finished)(void *arg, int status, const struct mc_err *), bool queue);
/* Is a job running (for `q` asking first)? */
bool	ui_job_running(struct ui *);
/* Ask the running job to stop (sets its stop flag; Esc). */
void	ui_job_stop(struct ui *);
/* The running job's stop flag, for fn to poll. */
volatile int *ui_job_stop_flag(struct ui *);

/* A one-line message in the status area (errors in full, never secrets). */
void	ui_message(struct ui *, bool error, const char *, ...)
	    __attribute__((format(printf, 3, 4)));

#endif
