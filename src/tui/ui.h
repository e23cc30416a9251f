/*
 * ui.h - the interactive shell's frame: curses set-up, the key loop, tab
 * bar, status line, console line, modal dialogs, and the services panes use
 * (confirmation, background jobs, messages). The UI thread alone touches
 * ncurses, readline and pane state; network work runs on the poller thread
 * (snapshots) or the job thread (commands, actions).
 */
#ifndef MCPDB_UI_H
#define MCPDB_UI_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>

#include "cmd.h"
#include "conf.h"
#include "err.h"
#include "log.h"

struct ui;
struct conn;
struct snapshot;

/* Options for ui_run. */
struct ui_opts {
	struct conf		*conf;		/* borrowed */
	const struct conf_target *target;	/* borrowed */
	struct logger		*log;		/* borrowed; the UI silences its stderr */
	int			 interval_ms;	/* poller refresh; 0: the saved one, else 1000 */
	bool			 ascii;		/* force ASCII line drawing */
	/* Set by SIGTERM/SIGINT (main.c); the shell quits when it turns non-zero. May be NULL. */
	volatile sig_atomic_t	*stop;
	const char		*argv0;		/* how mcpdb was invoked (cmd_ctx.argv0) */
};

/*
 * Run the shell until the operator quits. Needs a terminal on stdin and
 * stdout. While it runs, logs go only to the ring (log pane) and the log
 * file, never to the screen. On return the terminal is restored and every
 * thread the shell started has ended. Returns an exit status, or -1 with err.
 */
int	ui_run(const struct ui_opts *, struct mc_err *);
/*
 * Put the terminal back (endwin) if the shell is active. For fatal paths
 * (xmem's out-of-memory hook); any thread; harmless when curses is off.
 */
void	ui_emergency_restore(void);

/*
 * ---- services for panes ----
 * UI thread only, except where a comment says otherwise. ui_target, ui_conf,
 * ui_conn, ui_log and ui_argv0 return what the shell was started with and
 * never changes, so jobs may call them too.
 */

/* The selected target. Borrowed. Any thread. */
const struct conf_target *ui_target(struct ui *);
/* $XDG_STATE_HOME/mcpdb (created), where `e` exports go; NULL if none. */
const char *ui_state_path(struct ui *);
/* The loaded configuration (targets for completion). Borrowed. Any thread. */
struct conf	*ui_conf(struct ui *);
/*
 * The newest snapshot the UI has taken from the poller, or NULL before the
 * first one. Borrowed: valid until the next UI tick (do not keep it).
 */
const struct snapshot *ui_snapshot(struct ui *);
/*
 * The connection manager of the UI's job thread (application_name
 * mcpdb/tui), for jobs; the poller reports its pool as "console". Borrowed.
 */
struct conn	*ui_conn(struct ui *);
struct poller;
/* The dashboards' poller (poller_want_locks, poller_wake), or NULL. Borrowed. */
struct poller	*ui_poller(struct ui *);
/* The logger (its ring feeds the Log pane). Borrowed. */
struct logger	*ui_log(struct ui *);
/* How mcpdb was invoked (for commands that re-run it). */
const char	*ui_argv0(struct ui *);
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
 * Run fn(conn, arg, line, line_arg, err) on the job thread (conn is
 * ui_conn). line() may be called from the job with output lines: they are
 * queued and shown in the console panel (which opens). fn should poll
 * ui_job_stop_flag (Esc, Ctrl-C, quitting) and return promptly when it is
 * set. When fn returns, finished(arg, status, err) runs on the UI thread and
 * the poller is woken. Jobs run one at a time, in order; the title shows on
 * the status line while it runs. Returns false if a job is already running
 * or queued and queue is false (fn does not run; arg is still the caller's).
 */
typedef int	(*ui_job_fn)(struct conn *, void *arg,
		    void (*line)(void *, const char *), void *line_arg, struct mc_err *);
bool	ui_job(struct ui *, const char *title, ui_job_fn fn, void *arg,
	    void (*finished)(void *arg, int status, const struct mc_err *), bool queue);
/* Is a job running or queued (for `q` asking first)? */
bool	ui_job_running(struct ui *);
/* Ask the running job to stop (sets its stop flag; Esc). */
void	ui_job_stop(struct ui *);
/* The running job's stop flag, for fn to poll. Any thread. */
volatile int *ui_job_stop_flag(struct ui *);

/*
 * Job thread only: ask the operator a question in a modal dialog (the
 * cmd_ctx.ask contract): blocks until answered; 0 with the answer (no
 * newline), or -1 when refused (Esc) or the shell is quitting.
 */
int	ui_job_ask(struct ui *, const char *prompt, char *answer, size_t len);

/* Kinds of console output lines. */
enum ui_line_kind {
	UI_LINE_OUT,		/* command output */
	UI_LINE_ERR,		/* an error (shown in DR_BAD) */
	UI_LINE_ECHO,		/* the command line as typed */
	UI_LINE_INFO,		/* frame notes: exit status, completions (DR_DIM) */
};
/*
 * Append a line to the console's output panel (copied) and show the panel.
 * Any thread: lines are queued and shown on the next UI tick.
 */
void	ui_console_print(struct ui *, enum ui_line_kind, const char *);
/* A progress line that replaces the previous progress line. Any thread. */
void	ui_console_progress(struct ui *, const char *);
/* Empty the output panel. UI thread. */
void	ui_console_clear(struct ui *);
/* Show or hide the output panel. UI thread. */
void	ui_console_show(struct ui *, bool);
/* Quit the shell (asks first when a job is running). UI thread. */
void	ui_quit(struct ui *);

/*
 * Console completion of dynamic names (schema, table, seed set, migration
 * version ...). A provider is called on the UI thread with the kind asked
 * for and calls add(add_arg, name) for each name it knows (the caller
 * filters by prefix). Panes register in init (arg is usually the pane
 * state) and must unregister in free. Targets (CC_TARGET) are built in.
 */
typedef void	(*ui_names_fn)(void *arg, enum cmd_complete kind,
		    void (*add)(void *, const char *), void *add_arg);
void	ui_names_register(struct ui *, enum cmd_complete, ui_names_fn, void *arg);
void	ui_names_unregister(struct ui *, ui_names_fn, void *arg);
/* Call every provider of kind (and the built-in ones). */
void	ui_names(struct ui *, enum cmd_complete, void (*add)(void *, const char *), void *add_arg);

/* Is the display paused (Space)? Panes refuse actions on frozen data. */
bool	ui_paused(struct ui *);
struct prefs;
/*
 * The per-user display choices (prefs.h): panes read their saved sort in
 * init and set it when the operator changes it, then call
 * ui_prefs_changed, which saves them shortly after (and at quit). Borrowed.
 */
struct prefs	*ui_prefs(struct ui *);
void	ui_prefs_changed(struct ui *);

/* A one-line message in the status area (errors in full, never secrets). */
void	ui_message(struct ui *, bool error, const char *, ...)
	    __attribute__((format(printf, 3, 4)));

#endif
