/*
 * ui.c - the interactive shell's frame: curses set-up and the key loop, the
 * tab bar, status line, console line and output panel, modal dialogs, the
 * job thread, and the services panes use.
 *
 * Model (htop's main loop, tmux's window modes): the UI thread owns ncurses,
 * readline and every pane. It wakes on a ~100 ms getch timeout or a key,
 * takes the newest snapshot from the poller thread if there is one, drains
 * the job thread's output queue, and redraws when something changed (and
 * once a second, so ages stay true). Keys go to the focused pane first; the
 * frame's global keys apply only when the pane leaves them unhandled.
 *
 * Threads: the poller thread (poller.c) publishes snapshots; one job thread
 * runs console commands and pane actions one at a time (ui_job). The job
 * thread talks back only through a mutex-guarded queue (output lines,
 * finished jobs) and the ask hand-shake (a modal question); the lock is held
 * only around list moves, never during I/O.
 *
 * Screen layout: row 0 tabs; rows 1.. the pane (a window of its own), then
 * the console output panel when shown; row H-2 the status line; row H-1 the
 * console line (readline, messages or key hints). Overlays (help, dialogs)
 * are windows drawn last.
 */
#include "config.h"

#include "ui.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <curses.h>
#include <cjson/cJSON.h>

#include "buf.h"
#include "conn.h"
#include "poller.h"
#include "snapshot.h"
#include "xmem.h"
#include "draw.h"
#include "pane.h"
#include "rl.h"
#include "clk.h"
#include "prefs.h"

#define UI_NPANES	6
#define UI_MIN_COLS	80
#define UI_MIN_LINES	24
#define UI_TICK_MS	100
#define UI_PANEL_MAX	5000		/* console output lines kept */
#define UI_NAMES_MAX	32
#define UI_LOG_RING	2000
#define UI_MSG_MS	8000		/* how long a message stays */
#define UI_JOB_WAIT_MS	3000		/* at quit: wait this long before saying so */
#define UI_JOB_GRACE_MS	100		/* at quit: then cut the job's connections */
#define UI_PREFS_SAVE_MS	1000		/* save changed choices after this quiet time */

/* ---------------------------------------------------------------- types */

/* The panes, in tab order (a NULL slot would show a placeholder). */
static const struct pane_ops *const ui_pane_table[UI_NPANES] = {
	&pane_dash_ops,
	&pane_redis_ops,
	&pane_migrate_ops,
	&pane_schema_ops,
	&pane_seeds_ops,
	&pane_log_ops,
};
static const char *const ui_pane_names[UI_NPANES] = {
	"Dashboard", "Redis", "Migrations", "Schema", "Seeds", "Log",
};

/* A line on its way from any thread to the output panel. */
struct ui_qline {
	enum ui_line_kind	 kind;
	bool			 progress;	/* replaces the previous progress line */
	char			*text;
	struct ui_qline		*next;
};

/* A queued or finished job. */
struct ui_job {
	char		*title;
	ui_job_fn	 fn;
	void		*arg;
	void		(*finished)(void *, int, const struct mc_err *);
	int		 status;
	struct mc_err	 err;
	struct ui_job	*next;
};

/* One line of the output panel. */
struct ui_pline {
	char			*text;
	enum ui_line_kind	 kind;
	bool			 progress;
};

enum ui_modal {
	UI_MODAL_NONE,
	UI_MODAL_HELP,		/* the '?' overlay: any key closes */
	UI_MODAL_CONFIRM,	/* ui_confirm from a pane */
	UI_MODAL_ASK,		/* a question from the job thread */
	UI_MODAL_QUIT,		/* quit while a job runs? */
};

/* States of the job thread's question (ask_state). */
enum ui_ask {
	UI_ASK_NONE,
	UI_ASK_POSTED,		/* job waits; UI has not shown it yet */
	UI_ASK_SHOWN,		/* the dialog is open */
	UI_ASK_ANSWERED,
	UI_ASK_REFUSED,
};

/* A completion names provider. */
struct ui_names_ent {
	enum cmd_complete	 kind;
	ui_names_fn		 fn;
	void			*arg;
};

struct ui {
	const struct ui_opts	*opts;
	struct conn		*conn;		/* the job thread's connections */
	struct poller		*poller;
	struct snapshot		*snap;		/* newest taken; owned */
	char			*state_dir;	/* $XDG_STATE_HOME/mcpdb, or NULL */
	bool			 rl_ready;	/* readline set up (on the first ':') */
	bool			 mono;
	bool			 ascii;
	bool			 curses_on;

	/* Panes. */
	const struct pane_ops	*ops[UI_NPANES];
	void			*pane[UI_NPANES];
	int			 cur;

	/* Screen. */
	SCREEN			*scr;
	FILE			*tty_out;	/* curses' own handle on the terminal */
	int			 saved_fd[2];	/* the real stdout and stderr, or -1 */
	int			 cap_fd;	/* read end of the pipe now on fds 1 and 2 */
	struct buf		 cap_line;	/* a partial captured line */
	WINDOW			*pane_win;
	WINDOW			*con_win;
	WINDOW			*ov_win;
	bool			 dirty;
	bool			 quit;
	bool			 painted;
	bool			 painted_data;	/* the first snapshot is on screen */
	int64_t			 last_draw_ms;

	/* The message in the console line. */
	char			 msg[512];
	bool			 msg_error;
	int64_t			 msg_at_ms;

	/* The console output panel: a ring of lines. */
	struct ui_pline		*pl;
	size_t			 pl_n;		/* lines held */
	size_t			 pl_head;	/* next slot */
	size_t			 pl_scroll;	/* lines scrolled back from the newest */
	int			 pl_hscroll;	/* columns scrolled sideways */
	bool			 panel_on;

	/* Modal dialog. */
	enum ui_modal		 modal;
	char			*modal_text;	/* scrolls when taller than the screen */
	char			*modal_foot;	/* the question: always shown, or NULL */
	int			 modal_top;	/* first line of modal_text shown */
	int			 modal_page;	/* its lines shown by the last draw */
	bool			 modal_typed;	/* needs typed input (name, answer) */
	char			 modal_in[256];
	size_t			 modal_len;
	int			 help_top;	/* first help line shown */
	int			 help_page;	/* help lines shown by the last draw */
	void			(*modal_done)(void *);
	void			(*modal_cancel)(void *);
	void			*modal_arg;

	/* Written (one byte) when job output or a finished job is queued. */
	int			 wake_fd[2];

	/* Job thread; the fields below mtx are guarded by it. */
	pthread_t		 thr;
	bool			 thr_on;
	pthread_mutex_t		 mtx;
	pthread_cond_t		 cond;
	struct ui_job		*pending;
	struct ui_job		*done;
	struct ui_qline		*q_head;
	struct ui_qline		*q_tail;
	bool			 busy;
	char			 running[128];
	bool			 shutdown;
	enum ui_ask		 ask_state;
	char			*ask_prompt;
	char			 ask_answer[256];
	volatile sig_atomic_t	 job_stop;

	/* Completion providers. */
	struct ui_names_ent	 names[UI_NAMES_MAX];
	size_t			 nnames;

	/* Controls: pause, refresh interval, the saved choices (prefs.h). */
	bool			 paused;
	int64_t			 paused_wall_us;	/* when the pause began */
	struct snapshot		*held;		/* newest taken while paused; owned */
	int			 interval_ms;	/* the poller's, as set */
	struct prefs		*prefs;
	char			*prefs_file;	/* tui.json, or NULL (no HOME) */
	int64_t			 prefs_changed_ms;	/* last change not yet saved */
};

/* The active shell, for ui_emergency_restore (set and cleared by ui_run). */
static struct ui *volatile ui_active;

/* ---------------------------------------------------------------- helpers */

/* Milliseconds since this process started (from /proc), or -1. */
static double
ui_process_age_ms(void)
{
	struct timespec	 ts;
	char		 buf[1024], *p;
	unsigned long long start = 0;
	FILE		*f = fopen("/proc/self/stat", "r");
	size_t		 n;
	int		 field;

	if (f == NULL)
		return (-1);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	/* Field 22 (starttime); the name in field 2 may hold spaces. */
	if ((p = strrchr(buf, ')')) == NULL)
		return (-1);
	for (field = 2; *p && field < 22; p++)
		if (*p == ' ')
			field++;
	start = strtoull(p, NULL, 10);
	clock_gettime(CLOCK_BOOTTIME, &ts);
	return ((double)ts.tv_sec * 1000 + ts.tv_nsec / 1e6 -
	    (double)start * 1000 / (double)sysconf(_SC_CLK_TCK));
}

/* mkdir -p with mode 0700 for the parts it creates. */
static int
ui_mkdirs(const char *path)
{
	char	*p = xstrdup(path), *s;
	int	 r = 0;

	for (s = p + 1; ; s++) {
		if (*s == '/' || *s == '\0') {
			char	c = *s;

			*s = '\0';
			if (mkdir(p, 0700) != 0 && errno != EEXIST)
				r = -1;
			*s = c;
			if (c == '\0')
				break;
		}
	}
	free(p);
	return (r);
}

/* $XDG_STATE_HOME/mcpdb (a relative XDG_STATE_HOME is ignored), created; or NULL. */
static char *
ui_state_dir(void)
{
	const char	*x = getenv("XDG_STATE_HOME"), *home = getenv("HOME");
	char		*d;

	if (x != NULL && x[0] == '/')
		d = xasprintf("%s/mcpdb", x);
	else if (home != NULL && home[0] != '\0')
		d = xasprintf("%s/.local/state/mcpdb", home);
	else
		return (NULL);
	if (ui_mkdirs(d) != 0) {
		free(d);
		return (NULL);
	}
	return (d);
}

const char *
ui_state_path(struct ui *ui)
{
	return (ui->state_dir);
}

/* Block the signals the UI thread handles, around creating a thread. */
static void
ui_block_signals(sigset_t *old)
{
	sigset_t	set;

	sigemptyset(&set);
	sigaddset(&set, SIGWINCH);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGTSTP);
	pthread_sigmask(SIG_BLOCK, &set, old);
}

/* ---------------------------------------------------------------- services */

const struct conf_target *
ui_target(struct ui *ui)
{
	return (ui->opts->target);
}

struct conf *
ui_conf(struct ui *ui)
{
	return (ui->opts->conf);
}

struct conn *
ui_conn(struct ui *ui)
{
	return (ui->conn);
}

struct poller *
ui_poller(struct ui *ui)
{
	return (ui->poller);
}

struct logger *
ui_log(struct ui *ui)
{
	return (ui->opts->log);
}

const char *
ui_argv0(struct ui *ui)
{
	return (ui->opts->argv0 != NULL ? ui->opts->argv0 : "mcpdb");
}

bool
ui_mono(struct ui *ui)
{
	return (ui->mono);
}

bool
ui_ascii(struct ui *ui)
{
	return (ui->ascii);
}

const struct snapshot *
ui_snapshot(struct ui *ui)
{
	return (ui->snap);
}

bool
ui_paused(struct ui *ui)
{
	return (ui->paused);
}

struct prefs *
ui_prefs(struct ui *ui)
{
	return (ui->prefs);
}

void
ui_prefs_changed(struct ui *ui)
{
	if (prefs_dirty(ui->prefs))
		ui->prefs_changed_ms = clk_mono_ms();
}

/* Write the choices if they changed (at quit, or after a quiet second). */
static void
ui_prefs_save(struct ui *ui)
{
	struct mc_err	e;

	if (ui->prefs == NULL || !prefs_dirty(ui->prefs) || ui->prefs_file == NULL)
		return;
	ui->prefs_changed_ms = 0;
	mc_err_clear(&e);
	if (prefs_save(ui->prefs, ui->prefs_file, &e) != 0) {
		log_warn(ui->opts->log, "tui: cannot save the display choices: %s", e.msg);
		if (ui->curses_on)
			ui_message(ui, true, "cannot save the display choices: %s", e.msg);
	}
	prefs_mark_saved(ui->prefs);	/* one warning, not one per second */
}

/* The refresh steps +/- move along (ms). */
static const int ui_steps[] = { 250, 500, 1000, 2000, 5000, 10000, 30000, 60000 };

/* "250 ms", "2 s", "1.5 s". */
static void
ui_fmt_interval(char *buf, size_t len, int ms)
{
	if (ms < 1000)
		snprintf(buf, len, "%d ms", ms);
	else if (ms % 1000 == 0)
		snprintf(buf, len, "%d s", ms / 1000);
	else
		snprintf(buf, len, "%.1f s", ms / 1000.0);
}

/* + / -: the next longer (dir 1) or shorter (-1) refresh interval. */
static void
ui_interval_step(struct ui *ui, int dir)
{
	size_t	i, n = sizeof(ui_steps) / sizeof(ui_steps[0]);
	int	ms = ui->interval_ms;
	char	b[32];

	if (ui->poller == NULL) {
		ui_message(ui, true, "no dashboards data: there is no refresh to change");
		return;
	}
	if (dir > 0) {
		for (i = 0; i < n && ui_steps[i] <= ms; i++)
			;
		ms = i < n ? ui_steps[i] : ui_steps[n - 1];
	} else {
		for (i = n; i > 0 && ui_steps[i - 1] >= ms; i--)
			;
		ms = i > 0 ? ui_steps[i - 1] : ui_steps[0];
	}
	ui_fmt_interval(b, sizeof(b), ms);
	if (ms == ui->interval_ms) {
		ui_message(ui, false, "refresh stays every %s (the %s)", b,
		    dir > 0 ? "longest: 60 s" : "shortest: 250 ms");
		return;
	}
	ui->interval_ms = ms;
	poller_set_interval(ui->poller, ms);
	prefs_set_refresh_ms(ui->prefs, ms);
	ui_prefs_changed(ui);
	ui_message(ui, false, "refresh every %s (saved)", b);
}

/* Space: freeze what is shown, or show the newest data again. */
static void
ui_pause_toggle(struct ui *ui)
{
	int	i;

	ui->paused = !ui->paused;
	if (ui->paused) {
		ui->paused_wall_us = clk_wall_us();
		ui_message(ui, false, "PAUSED: the screen keeps this data (Space resumes; "
		    "cancel/terminate/kill are refused while paused)");
		return;
	}
	ui_message(ui, false, "resumed");
	if (ui->held != NULL) {
		for (i = 0; i < UI_NPANES; i++)
			if (ui->ops[i] != NULL && ui->ops[i]->update != NULL && ui->pane[i] != NULL)
				ui->ops[i]->update(ui->pane[i], ui->held);
		snapshot_free(ui->snap);
		ui->snap = ui->held;
		ui->held = NULL;
	}
	if (ui->poller != NULL)
		poller_wake(ui->poller);
}

void
ui_message(struct ui *ui, bool error, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(ui->msg, sizeof(ui->msg), fmt, ap);
	va_end(ap);
	ui->msg_error = error;
	ui->msg_at_ms = clk_mono_ms();
	ui->dirty = true;
}

/* Forget the bottom line's message (the key hints show again). */
static void
ui_message_clear(struct ui *ui)
{
	ui->msg[0] = '\0';
	ui->dirty = true;
}

void
ui_names_register(struct ui *ui, enum cmd_complete kind, ui_names_fn fn, void *arg)
{
	if (ui->nnames == UI_NAMES_MAX)
		return;
	ui->names[ui->nnames].kind = kind;
	ui->names[ui->nnames].fn = fn;
	ui->names[ui->nnames].arg = arg;
	ui->nnames++;
}

void
ui_names_unregister(struct ui *ui, ui_names_fn fn, void *arg)
{
	size_t	i;

	for (i = 0; i < ui->nnames;) {
		if (ui->names[i].fn == fn && ui->names[i].arg == arg) {
			memmove(&ui->names[i], &ui->names[i + 1],
			    (ui->nnames - i - 1) * sizeof(ui->names[0]));
			ui->nnames--;
		} else
			i++;
	}
}

void
ui_names(struct ui *ui, enum cmd_complete kind, void (*add)(void *, const char *), void *arg)
{
	static const char *const sections[] = {
		"server", "clients", "memory", "persistence", "stats", "replication",
		"cpu", "commandstats", "latencystats", "errorstats", "keyspace",
		"all", "everything", "default", NULL,
	};
	size_t	i;

	if (kind == CC_TARGET && ui->opts->conf != NULL) {
		for (i = 0; i < conf_ntargets(ui->opts->conf); i++)
			add(arg, conf_target_at(ui->opts->conf, i)->name);
	}
	if (kind == CC_REDIS_SECTION)
		for (i = 0; sections[i] != NULL; i++)
			add(arg, sections[i]);
	for (i = 0; i < ui->nnames; i++)
		if (ui->names[i].kind == kind)
			ui->names[i].fn(ui->names[i].arg, kind, add, arg);
}

/* ---------------------------------------------------------------- output panel */

/* Wake the UI thread's poll() (any thread; a full pipe means it is awake anyway). */
static void
ui_wake(struct ui *ui)
{
	if (ui->wake_fd[1] >= 0) {
		ssize_t	w = write(ui->wake_fd[1], "", 1);

		(void)w;
	}
}

/* Queue a line from any thread. */
static void
ui_queue_line(struct ui *ui, enum ui_line_kind kind, bool progress, const char *text)
{
	struct ui_qline	*q = xcalloc(1, sizeof(*q));

	q->kind = kind;
	q->progress = progress;
	q->text = xstrdup(text != NULL ? text : "");
	pthread_mutex_lock(&ui->mtx);
	if (ui->q_tail != NULL)
		ui->q_tail->next = q;
	else
		ui->q_head = q;
	ui->q_tail = q;
	pthread_mutex_unlock(&ui->mtx);
	ui_wake(ui);
}

void
ui_console_print(struct ui *ui, enum ui_line_kind kind, const char *text)
{
	ui_queue_line(ui, kind, false, text);
}

/* The line callback jobs get: command output. Job thread. */
static void
ui_job_line(void *arg, const char *text)
{
	ui_queue_line(arg, UI_LINE_OUT, false, text);
}

/* A progress line (replaces the previous one). Any thread. */
void
ui_console_progress(struct ui *ui, const char *text)
{
	ui_queue_line(ui, UI_LINE_INFO, true, text);
}

/* Append a line to the panel ring. UI thread. */
static void
ui_panel_add(struct ui *ui, enum ui_line_kind kind, bool progress, char *text)
{
	struct ui_pline	*last = ui->pl_n > 0 ?
	    &ui->pl[(ui->pl_head + UI_PANEL_MAX - 1) % UI_PANEL_MAX] : NULL;

	if (progress && last != NULL && last->progress) {
		free(last->text);
		last->text = text;
		return;
	}
	if (ui->pl_n == UI_PANEL_MAX)
		free(ui->pl[ui->pl_head].text);
	else
		ui->pl_n++;
	ui->pl[ui->pl_head].text = text;
	ui->pl[ui->pl_head].kind = kind;
	ui->pl[ui->pl_head].progress = progress;
	ui->pl_head = (ui->pl_head + 1) % UI_PANEL_MAX;
	if (kind == UI_LINE_ECHO) {
		ui->pl_scroll = 0;	/* a new command: show its output */
		ui->pl_hscroll = 0;
	} else if (ui->pl_scroll > 0 && ui->pl_scroll < ui->pl_n)
		ui->pl_scroll++;	/* stay on the lines being read */
}

void
ui_console_clear(struct ui *ui)
{
	size_t	i;

	for (i = 0; i < ui->pl_n; i++)
		free(ui->pl[(ui->pl_head + UI_PANEL_MAX - 1 - i) % UI_PANEL_MAX].text);
	ui->pl_n = ui->pl_head = ui->pl_scroll = 0;
	ui->pl_hscroll = 0;
	ui->dirty = true;
}

void
ui_console_show(struct ui *ui, bool on)
{
	ui->panel_on = on;
	ui->dirty = true;
}

/* ---------------------------------------------------------------- stray output */

/*
 * While curses runs, anything written to stdout or stderr (a library's
 * warning, a child process a command starts) would scribble over the
 * screen. Curses gets its own duplicate of the terminal, and fds 1 and 2
 * become a pipe the UI thread reads each tick into the console panel.
 */
static FILE *
ui_capture_start(struct ui *ui)
{
	int	p[2], out;
	FILE	*fp;

	ui->saved_fd[0] = ui->saved_fd[1] = ui->cap_fd = -1;
	if (pipe2(ui->wake_fd, O_CLOEXEC | O_NONBLOCK) != 0)
		ui->wake_fd[0] = ui->wake_fd[1] = -1;
	fflush(stdout);
	fflush(stderr);
	if ((out = fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 3)) < 0)
		return (NULL);
	if ((fp = fdopen(out, "w")) == NULL) {
		close(out);
		return (NULL);
	}
	if (pipe2(p, O_CLOEXEC) != 0)
		return (fp);
	ui->saved_fd[0] = fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 3);
	ui->saved_fd[1] = fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 3);
	if (ui->saved_fd[0] < 0 || ui->saved_fd[1] < 0 ||
	    dup2(p[1], STDOUT_FILENO) < 0 || dup2(p[1], STDERR_FILENO) < 0) {
		if (ui->saved_fd[0] >= 0) {
			dup2(ui->saved_fd[0], STDOUT_FILENO);
			close(ui->saved_fd[0]);
		}
		if (ui->saved_fd[1] >= 0) {
			dup2(ui->saved_fd[1], STDERR_FILENO);
			close(ui->saved_fd[1]);
		}
		ui->saved_fd[0] = ui->saved_fd[1] = -1;
		close(p[0]);
		close(p[1]);
		return (fp);
	}
	close(p[1]);
	fcntl(p[0], F_SETFL, fcntl(p[0], F_GETFL) | O_NONBLOCK);
	ui->cap_fd = p[0];
	buf_init(&ui->cap_line);
	return (fp);
}

/* Read what was written to fds 1 and 2: into the panel, or to fd when >= 0. */
static void
ui_capture_poll(struct ui *ui, int fd)
{
	char	chunk[4096], *nl, *cr;
	ssize_t	n;

	if (ui->cap_fd < 0)
		return;
	while ((n = read(ui->cap_fd, chunk, sizeof(chunk))) > 0 || (n < 0 && errno == EINTR)) {
		if (n <= 0)
			continue;
		if (fd >= 0) {
			if (write(fd, chunk, (size_t)n) < 0)
				break;
			continue;
		}
		buf_append(&ui->cap_line, chunk, (size_t)n);
		while ((nl = strchr(ui->cap_line.data, '\n')) != NULL) {
			*nl = '\0';
			/* "\r...": a progress line redrawn in place; keep its last state. */
			cr = strrchr(ui->cap_line.data, '\r');
			ui_panel_add(ui, UI_LINE_OUT, false, xstrdup(cr ? cr + 1 : ui->cap_line.data));
			memmove(ui->cap_line.data, nl + 1, ui->cap_line.len - (size_t)(nl + 1 - ui->cap_line.data) + 1);
			ui->cap_line.len -= (size_t)(nl + 1 - ui->cap_line.data);
			ui->panel_on = true;
			ui->dirty = true;
		}
	}
}

/* Give fds 1 and 2 back and pass on what is still in the pipe. */
static void
ui_capture_stop(struct ui *ui)
{
	if (ui->cap_fd < 0)
		return;
	dup2(ui->saved_fd[0], STDOUT_FILENO);
	dup2(ui->saved_fd[1], STDERR_FILENO);
	close(ui->saved_fd[0]);
	close(ui->saved_fd[1]);
	ui->saved_fd[0] = ui->saved_fd[1] = -1;
	if (ui->cap_line.len > 0) {
		ssize_t	w = write(STDERR_FILENO, ui->cap_line.data, ui->cap_line.len);

		(void)w;
	}
	ui_capture_poll(ui, STDERR_FILENO);
	close(ui->cap_fd);
	ui->cap_fd = -1;
	buf_done(&ui->cap_line);
}

/* ---------------------------------------------------------------- job thread */

/* The job thread: run queued jobs one at a time until shutdown. */
static void *
ui_job_main(void *arg)
{
	struct ui	*ui = arg;
	struct ui_job	*j, **tail;

	pthread_mutex_lock(&ui->mtx);
	for (;;) {
		while (ui->pending == NULL && !ui->shutdown)
			pthread_cond_wait(&ui->cond, &ui->mtx);
		if (ui->shutdown)
			break;
		j = ui->pending;
		ui->pending = j->next;
		j->next = NULL;
		ui->busy = true;
		ui->job_stop = 0;
		snprintf(ui->running, sizeof(ui->running), "%s", j->title);
		pthread_mutex_unlock(&ui->mtx);

		mc_err_clear(&j->err);
		j->status = j->fn(ui->conn, j->arg, ui_job_line, ui, &j->err);

		pthread_mutex_lock(&ui->mtx);
		ui->busy = false;
		ui->running[0] = '\0';
		for (tail = &ui->done; *tail != NULL; tail = &(*tail)->next)
			;
		*tail = j;
		ui_wake(ui);		/* a write to a pipe: fine under the lock */
	}
	pthread_mutex_unlock(&ui->mtx);
	return (NULL);
}

bool
ui_job(struct ui *ui, const char *title, ui_job_fn fn, void *arg,
    void (*finished)(void *, int, const struct mc_err *), bool queue)
{
	struct ui_job	*j, **tail;
	sigset_t	 old;

	pthread_mutex_lock(&ui->mtx);
	if (!queue && (ui->busy || ui->pending != NULL)) {
		pthread_mutex_unlock(&ui->mtx);
		return (false);
	}
	pthread_mutex_unlock(&ui->mtx);
	if (!ui->thr_on) {
		ui_block_signals(&old);
		ui->thr_on = pthread_create(&ui->thr, NULL, ui_job_main, ui) == 0;
		pthread_sigmask(SIG_SETMASK, &old, NULL);
		if (!ui->thr_on) {
			ui_message(ui, true, "cannot start the job thread: %s", strerror(errno));
			return (false);
		}
	}
	j = xcalloc(1, sizeof(*j));
	j->title = xstrdup(title);
	j->fn = fn;
	j->arg = arg;
	j->finished = finished;
	pthread_mutex_lock(&ui->mtx);
	for (tail = &ui->pending; *tail != NULL; tail = &(*tail)->next)
		;
	*tail = j;
	pthread_cond_broadcast(&ui->cond);
	pthread_mutex_unlock(&ui->mtx);
	ui->dirty = true;
	return (true);
}

bool
ui_job_running(struct ui *ui)
{
	bool	r;

	pthread_mutex_lock(&ui->mtx);
	r = ui->busy || ui->pending != NULL;
	pthread_mutex_unlock(&ui->mtx);
	return (r);
}

void
ui_job_stop(struct ui *ui)
{
	ui->job_stop = 1;
}

volatile int *
ui_job_stop_flag(struct ui *ui)
{
	return (&ui->job_stop);
}

int
ui_job_ask(struct ui *ui, const char *prompt, char *answer, size_t len)
{
	int	r = -1;

	pthread_mutex_lock(&ui->mtx);
	if (!ui->shutdown) {
		ui->ask_prompt = xstrdup(prompt);
		ui->ask_state = UI_ASK_POSTED;
		ui_wake(ui);
		while (!ui->shutdown && (ui->ask_state == UI_ASK_POSTED ||
		    ui->ask_state == UI_ASK_SHOWN))
			pthread_cond_wait(&ui->cond, &ui->mtx);
		if (ui->ask_state == UI_ASK_ANSWERED) {
			snprintf(answer, len, "%s", ui->ask_answer);
			r = 0;
		}
		ui->ask_state = UI_ASK_NONE;
		free(ui->ask_prompt);
		ui->ask_prompt = NULL;
	}
	pthread_mutex_unlock(&ui->mtx);
	return (r);
}

/* Answer the job's question (answer NULL: refused). UI thread. */
static void
ui_ask_reply(struct ui *ui, const char *answer)
{
	pthread_mutex_lock(&ui->mtx);
	if (answer != NULL) {
		snprintf(ui->ask_answer, sizeof(ui->ask_answer), "%s", answer);
		ui->ask_state = UI_ASK_ANSWERED;
	} else
		ui->ask_state = UI_ASK_REFUSED;
	pthread_cond_broadcast(&ui->cond);
	pthread_mutex_unlock(&ui->mtx);
}

/* Take output lines and finished jobs from the job thread. UI thread. */
static void
ui_drain(struct ui *ui)
{
	struct ui_qline	*q, *qn;
	struct ui_job	*j, *jn;
	char		*ask = NULL;

	pthread_mutex_lock(&ui->mtx);
	q = ui->q_head;
	ui->q_head = ui->q_tail = NULL;
	j = ui->done;
	ui->done = NULL;
	if (ui->ask_state == UI_ASK_POSTED && ui->modal == UI_MODAL_NONE) {
		ask = xstrdup(ui->ask_prompt);
		ui->ask_state = UI_ASK_SHOWN;
	}
	pthread_mutex_unlock(&ui->mtx);

	for (; q != NULL; q = qn) {
		qn = q->next;
		ui_panel_add(ui, q->kind, q->progress, q->text);
		free(q);
		ui->panel_on = true;
		ui->dirty = true;
	}
	for (; j != NULL; j = jn) {
		jn = j->next;
		if (j->finished != NULL)
			j->finished(j->arg, j->status, &j->err);
		free(j->title);
		free(j);
		ui->dirty = true;
		if (ui->poller != NULL && jn == NULL)
			poller_wake(ui->poller);	/* show what the job changed now */
	}
	if (ask != NULL) {
		size_t	n = strlen(ask);

		while (n > 0 && (ask[n - 1] == ' ' || ask[n - 1] == '\n'))
			ask[--n] = '\0';
		ui->modal = UI_MODAL_ASK;
		ui->modal_text = xasprintf("%s\n\nEnter answers; Esc refuses.", ask);
		free(ask);
		ui->modal_typed = true;
		ui->modal_len = 0;
		ui->modal_in[0] = '\0';
		ui->dirty = true;
	}
}

/* Stop the job thread: drop pending jobs, ask the running one to stop, join. */
static void
ui_job_shutdown(struct ui *ui)
{
	struct ui_job	*j, *jn;
	struct mc_err	 err;
	int64_t		 t0 = clk_mono_ms();
	bool		 said = false, cut = false;

	pthread_mutex_lock(&ui->mtx);
	j = ui->pending;
	ui->pending = NULL;
	pthread_mutex_unlock(&ui->mtx);
	mc_err_set(&err, MC_E_CANCELLED, "not started: the shell is quitting");
	for (; j != NULL; j = jn) {
		jn = j->next;
		if (j->finished != NULL)
			j->finished(j->arg, -1, &err);
		free(j->title);
		free(j);
	}
	if (!ui->thr_on)
		return;
	/* Let a running job end; keep asking it to stop (SIGINT also does). */
	for (;;) {
		char	title[sizeof(ui->running)];
		bool	busy;

		pthread_mutex_lock(&ui->mtx);
		busy = ui->busy;
		if (!busy)
			ui->shutdown = true;
		ui->job_stop = 1;
		memcpy(title, ui->running, sizeof(title));
		pthread_cond_broadcast(&ui->cond);
		pthread_mutex_unlock(&ui->mtx);
		if (!busy)
			break;
		if (!cut && clk_mono_ms() - t0 > UI_JOB_GRACE_MS) {
			/* Not stopping by itself: blocked on a server. */
			conn_interrupt(ui->conn);
			cut = true;
		}
		if (!said && clk_mono_ms() - t0 > UI_JOB_WAIT_MS) {
			fprintf(stderr, "mcpdb: waiting for \"%s\" to stop (press Ctrl-C twice to abandon it)\n",
			    title);
			said = true;
		}
		ui_capture_poll(ui, ui->saved_fd[1]);
		/* The ask dialog is gone: refuse any question. */
		pthread_mutex_lock(&ui->mtx);
		if (ui->ask_state == UI_ASK_POSTED || ui->ask_state == UI_ASK_SHOWN) {
			ui->ask_state = UI_ASK_REFUSED;
			pthread_cond_broadcast(&ui->cond);
		}
		pthread_mutex_unlock(&ui->mtx);
		usleep(20000);
	}
	pthread_join(ui->thr, NULL);
	ui->thr_on = false;
	ui_drain(ui);
}

/* ---------------------------------------------------------------- modal dialogs */

/* Close the dialog and forget its callbacks. */
static void
ui_modal_close(struct ui *ui)
{
	free(ui->modal_text);
	ui->modal_text = NULL;
	free(ui->modal_foot);
	ui->modal_foot = NULL;
	ui->modal_top = 0;
	ui->modal_page = 0;
	ui->modal = UI_MODAL_NONE;
	ui->modal_done = NULL;
	ui->modal_cancel = NULL;
	ui->modal_arg = NULL;
	ui->modal_len = 0;
	ui->modal_in[0] = '\0';
	ui->dirty = true;
}

void
ui_confirm(struct ui *ui, const char *what, void (*done)(void *),
    void (*cancel)(void *), void *arg)
{
	const struct conf_target	*t = ui->opts->target;

	if (ui->modal != UI_MODAL_NONE && ui->modal != UI_MODAL_HELP) {
		ui_message(ui, true, "another question is open; answer it first");
		if (cancel != NULL)
			cancel(arg);
		return;
	}
	ui_modal_close(ui);
	ui_message_clear(ui);	/* an old answer's message is stale now */
	ui->modal = UI_MODAL_CONFIRM;
	ui->modal_typed = t->protected_;
	/* What is asked may be long (SQL, tables): it scrolls, the question stays. */
	if (t->protected_) {
		ui->modal_text = xasprintf("Target %s is PROTECTED.\n\n%s", t->name, what);
		ui->modal_foot = xstrdup("Type the target's name and press Enter to go ahead; "
		    "Esc cancels.");
	} else {
		ui->modal_text = xstrdup(what);
		ui->modal_foot = xasprintf("on target %s?\n\n[y] yes    [n] / Esc  no", t->name);
	}
	ui->modal_done = done;
	ui->modal_cancel = cancel;
	ui->modal_arg = arg;
}

/* Ask before quitting while a job runs. */
static void
ui_request_quit(struct ui *ui)
{
	char	title[128];

	if (!ui_job_running(ui)) {
		ui->quit = true;
		return;
	}
	pthread_mutex_lock(&ui->mtx);
	snprintf(title, sizeof(title), "%s", ui->busy ? ui->running : "a queued job");
	pthread_mutex_unlock(&ui->mtx);
	ui_modal_close(ui);
	ui->modal = UI_MODAL_QUIT;
	ui->modal_typed = false;
	ui->modal_text = xasprintf("A job is running: %s\n\nQuit anyway? The job is asked to stop first.\n\n"
	    "[y] quit    [n] / Esc  stay", title);
}

void
ui_quit(struct ui *ui)
{
	ui_request_quit(ui);
}

/* Remove the last UTF-8 character of the dialog's input. */
static void
ui_modal_backspace(struct ui *ui)
{
	while (ui->modal_len > 0) {
		unsigned char	c = (unsigned char)ui->modal_in[--ui->modal_len];

		if ((c & 0xc0) != 0x80)
			break;
	}
	ui->modal_in[ui->modal_len] = '\0';
}

/* Scroll the help overlay; false for a key that closes it. */
static bool
ui_help_key(struct ui *ui, int ch)
{
	int	page = ui->help_page > 1 ? ui->help_page - 1 : 1;

	switch (ch) {
	case KEY_UP: case 'k':
		ui->help_top--;
		break;
	case KEY_DOWN: case 'j':
		ui->help_top++;
		break;
	case KEY_PPAGE:
		ui->help_top -= page;
		break;
	case KEY_NPAGE: case ' ':
		ui->help_top += page;
		break;
	case KEY_HOME: case 'g':
		ui->help_top = 0;
		break;
	case KEY_END: case 'G':
		ui->help_top = 1 << 20;	/* clamped when drawn */
		break;
	default:
		return (false);
	}
	if (ui->help_top < 0)
		ui->help_top = 0;
	ui->dirty = true;
	return (true);
}

/* A key while a dialog is open. */
static void
ui_modal_key(struct ui *ui, int ch)
{
	void	(*done)(void *) = ui->modal_done, (*cancel)(void *) = ui->modal_cancel;
	void	*arg = ui->modal_arg;
	bool	 enter = ch == '\r' || ch == '\n' || ch == KEY_ENTER;
	bool	 esc = ch == 27 || ch == 3;

	/* A dialog taller than the screen scrolls; these keys never answer it. */
	if (ui->modal != UI_MODAL_HELP && (ch == KEY_UP || ch == KEY_DOWN ||
	    ch == KEY_PPAGE || ch == KEY_NPAGE || ch == KEY_HOME || ch == KEY_END)) {
		int	page = ui->modal_page > 1 ? ui->modal_page - 1 : 1;

		ui->modal_top += ch == KEY_UP ? -1 : ch == KEY_DOWN ? 1 :
		    ch == KEY_PPAGE ? -page : ch == KEY_NPAGE ? page :
		    ch == KEY_HOME ? -1000000 : 1000000;	/* clamped when drawn */
		if (ui->modal_top < 0)
			ui->modal_top = 0;
		ui->dirty = true;
		return;
	}
	switch (ui->modal) {
	case UI_MODAL_HELP:
		if (!ui_help_key(ui, ch))
			ui_modal_close(ui);
		return;
	case UI_MODAL_QUIT:
		ui_modal_close(ui);
		if (ch == 'y' || ch == 'Y') {
			ui->job_stop = 1;
			ui->quit = true;
		}
		return;
	default:
		break;
	}
	if (!ui->modal_typed) {
		/* A y/N question. */
		ui_modal_close(ui);
		if (ch == 'y' || ch == 'Y') {
			ui_message_clear(ui);
			if (done != NULL)
				done(arg);
		} else {
			ui_message(ui, false, "cancelled; nothing was done");
			if (cancel != NULL)
				cancel(arg);
		}
		return;
	}
	if (esc) {
		if (ui->modal == UI_MODAL_ASK)
			ui_ask_reply(ui, NULL);
		ui_modal_close(ui);
		ui_message(ui, false, "cancelled; nothing was done");
		if (cancel != NULL)
			cancel(arg);
		return;
	}
	if (enter) {
		char	in[sizeof(ui->modal_in)];

		snprintf(in, sizeof(in), "%s", ui->modal_in);
		if (ui->modal == UI_MODAL_ASK) {
			ui_ask_reply(ui, in);
			ui_modal_close(ui);
			return;
		}
		ui_modal_close(ui);
		if (strcmp(in, ui->opts->target->name) == 0) {
			ui_message_clear(ui);
			if (done != NULL)
				done(arg);
		} else {
			ui_message(ui, true, "the name typed does not match target %s; nothing was done",
			    ui->opts->target->name);
			if (cancel != NULL)
				cancel(arg);
		}
		return;
	}
	if (ch == KEY_BACKSPACE || ch == 127 || ch == 8) {
		ui_modal_backspace(ui);
		return;
	}
	if (ch == 21) {		/* Ctrl-U */
		ui->modal_len = 0;
		ui->modal_in[0] = '\0';
		return;
	}
	if (ch >= 0x20 && ch < 0x100 && ch != 0x7f && ui->modal_len + 1 < sizeof(ui->modal_in)) {
		ui->modal_in[ui->modal_len++] = (char)ch;
		ui->modal_in[ui->modal_len] = '\0';
	}
}

/* ---------------------------------------------------------------- export */

/* Write every pane's export as one JSON document under the state directory. */
static void
ui_export(struct ui *ui)
{
	const struct snap_status	*st = ui->snap ? snapshot_status(ui->snap) : NULL;
	cJSON		*doc = cJSON_CreateObject(), *panes = cJSON_CreateObject();
	char		 ts[32], stamp[32], *name, *path, *text, *p;
	time_t		 now = time(NULL);
	struct tm	 tm;
	int		 i, fd;
	size_t		 len;
	ssize_t		 w;

	gmtime_r(&now, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", &tm);
	localtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%d-%H%M%S", &tm);
	cJSON_AddNumberToObject(doc, "mcpdb_export", 1);
	cJSON_AddStringToObject(doc, "target", ui->opts->target->name);
	cJSON_AddStringToObject(doc, "time", ts);
	if (st != NULL) {
		cJSON	*s = cJSON_CreateObject();

		cJSON_AddStringToObject(s, "postgresql", st->pg.state);
		cJSON_AddStringToObject(s, "redis", st->redis.configured ? st->redis.state : "not configured");
		cJSON_AddItemToObject(doc, "status", s);
	}
	for (i = 0; i < UI_NPANES; i++) {
		cJSON	*o;

		if (ui->ops[i] == NULL || ui->ops[i]->export == NULL || ui->pane[i] == NULL)
			continue;
		if ((o = ui->ops[i]->export(ui->pane[i])) != NULL)
			cJSON_AddItemToObject(panes, ui->ops[i]->name, o);
	}
	cJSON_AddItemToObject(doc, "panes", panes);
	if (ui->state_dir == NULL) {
		ui_message(ui, true, "export: no state directory (set XDG_STATE_HOME or HOME)");
		cJSON_Delete(doc);
		return;
	}
	name = xstrdup(ui->opts->target->name);
	for (p = name; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '-' || *p == '_' || *p == '.'))
			*p = '_';
	path = xasprintf("%s/export-%s-%s.json", ui->state_dir, name, stamp);
	text = cJSON_Print(doc);
	cJSON_Delete(doc);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0) {
		ui_message(ui, true, "export: cannot create %s: %s", path, strerror(errno));
	} else {
		len = strlen(text);
		w = write(fd, text, len);
		if (w != (ssize_t)len || write(fd, "\n", 1) != 1 || close(fd) != 0)
			ui_message(ui, true, "export: cannot write %s: %s", path, strerror(errno));
		else
			ui_message(ui, false, "exported every pane to %s", path);
	}
	free(text);
	free(path);
	free(name);
}

/* ---------------------------------------------------------------- drawing */

/* The tab bar on row 0. */
static void
ui_draw_tabs(struct ui *ui, int w)
{
	int	x = 0, i;
	char	label[64], right[64];

	draw_text(stdscr, 0, 0, w, draw_attr(DR_TAB), DRAW_PAD, "");
	for (i = 0; i < UI_NPANES && x < w; i++) {
		const char	*name = ui->ops[i] ? ui->ops[i]->name : ui_pane_names[i];

		if (i == ui->cur)
			snprintf(label, sizeof(label), "[%d %s]", i + 1, name);
		else
			snprintf(label, sizeof(label), " %d %s ", i + 1, name);
		x += draw_text(stdscr, 0, x, w - x, draw_attr(i == ui->cur ? DR_TAB_ACTIVE : DR_TAB),
		    0, label);
	}
	snprintf(right, sizeof(right), "%smcpdb %s", ui->paused ? "PAUSED  " : "", PACKAGE_VERSION);
	if (x + (int)strlen(right) + 1 < w)
		draw_text(stdscr, 0, w - (int)strlen(right), (int)strlen(right),
		    draw_attr(DR_TAB), 0, right);
}

/* "PG up" etc.: text and role of one server's status. */
static enum draw_role
ui_server_text(const struct snap_server_status *s, const char *label, char *buf, size_t len,
    int64_t now_us)
{
	char	age[32];

	if (!s->configured) {
		snprintf(buf, len, "%s not configured", label);
		return (DR_STATUS);
	}
	if (s->up) {
		snprintf(buf, len, "%s %s", label, s->state[0] ? s->state : "up");
		return (DR_STATUS);
	}
	if (s->last_ok_wall_us > 0) {
		draw_fmt_duration(age, sizeof(age), (double)(now_us - s->last_ok_wall_us) / 1e6);
		snprintf(buf, len, "%s %s (last data %s ago)", label, s->state[0] ? s->state : "down", age);
	} else
		snprintf(buf, len, "%s %s", label, s->state[0] ? s->state : "down");
	return (strstr(s->state, "reconnecting") != NULL ? DR_WARN : DR_BAD);
}

/*
 * When the data on screen was last good: the oldest last good sample of
 * the configured servers (a snapshot published while one is down carries
 * its old figures), the snapshot's own time when none is configured, 0
 * when a configured server never answered.
 */
static int64_t
ui_data_wall_us(const struct snap_status *st, int64_t snap_wall_us)
{
	const struct snap_server_status	*srv[2] = { &st->pg, &st->redis };
	int64_t				 good = snap_wall_us;
	int				 i;

	for (i = 0; i < 2; i++) {
		if (!srv[i]->configured)
			continue;
		if (srv[i]->last_ok_wall_us <= 0)
			return (0);
		if (srv[i]->last_ok_wall_us < good)
			good = srv[i]->last_ok_wall_us;
	}
	return (good);
}

/* Draw one status segment at *x with the separator before it. */
static void
ui_status_seg(int y, int *x, int w, int attr, const char *text, bool sep)
{
	if (*x >= w)
		return;
	if (sep)
		*x += draw_textf(stdscr, y, *x, w - *x, draw_attr(DR_STATUS), 0, " %s ",
		    draw_glyph(DG_VLINE));
	*x += draw_text(stdscr, y, *x, w - *x, attr, 0, text);
}

/* The status line: target, PostgreSQL, Redis, data age, job. */
static void
ui_draw_status(struct ui *ui, int y, int w)
{
	const struct conf_target	*t = ui->opts->target;
	const struct snap_status	*st = ui->snap ? snapshot_status(ui->snap) : NULL;
	int64_t		now = clk_wall_us(), good;
	char		buf[256], age[32];
	int		x = 0;
	enum draw_role	r;
	bool		busy;

	draw_text(stdscr, y, 0, w, draw_attr(DR_STATUS), DRAW_PAD, "");
	snprintf(buf, sizeof(buf), " %s%s ", t->name, t->protected_ ? " PROTECTED" : "");
	ui_status_seg(y, &x, w, draw_attr(t->protected_ ? DR_PROTECTED : DR_STATUS) | A_BOLD, buf, false);
	if (t->read_only)
		ui_status_seg(y, &x, w, draw_attr(DR_STATUS), " read-only", false);
	if (st == NULL) {
		ui_status_seg(y, &x, w, draw_attr(DR_STATUS), ui->poller ?
		    "PG waiting for the first sample" : "PG no data (poller not running)", true);
		ui_status_seg(y, &x, w, draw_attr(DR_STATUS),
		    t->redis == NULL ? "Redis not configured" : ui->poller ?
		    "Redis waiting" : "Redis no data", true);
	} else {
		r = ui_server_text(&st->pg, "PG", buf, sizeof(buf), now);
		ui_status_seg(y, &x, w, draw_attr(r), buf, true);
		r = ui_server_text(&st->redis, "Redis", buf, sizeof(buf), now);
		ui_status_seg(y, &x, w, draw_attr(r), buf, true);
		good = ui_data_wall_us(st, snapshot_wall_us(ui->snap));
		draw_fmt_duration(age, sizeof(age), (double)(now - good) / 1e6);
		if (good <= 0)
			ui_status_seg(y, &x, w, draw_attr(DR_WARN),
			    "no data yet", true);
		else if (now - good >
		    (int64_t)(3 * ui->interval_ms + 1000) * 1000 && !ui->paused) {
			snprintf(buf, sizeof(buf), "STALE: data %s old", age);
			ui_status_seg(y, &x, w, draw_attr(DR_WARN), buf, true);
		} else {
			snprintf(buf, sizeof(buf), "data %s old", age);
			ui_status_seg(y, &x, w, draw_attr(DR_STATUS), buf, true);
		}
	}
	if (ui->poller != NULL) {
		ui_fmt_interval(age, sizeof(age), ui->interval_ms);
		snprintf(buf, sizeof(buf), "every %s", age);
		ui_status_seg(y, &x, w, draw_attr(DR_STATUS), buf, true);
	}
	if (ui->paused) {
		char	clk[16];

		snprintf(buf, sizeof(buf), " PAUSED since %s (Space resumes) ",
		    draw_fmt_clock(clk, sizeof(clk), ui->paused_wall_us));
		ui_status_seg(y, &x, w, draw_attr(DR_WARN) | A_BOLD | A_REVERSE, buf, true);
	}
	pthread_mutex_lock(&ui->mtx);
	busy = ui->busy;
	snprintf(buf, sizeof(buf), "job: %s (Esc stops)", ui->running);
	pthread_mutex_unlock(&ui->mtx);
	if (busy)
		ui_status_seg(y, &x, w, draw_attr(DR_STATUS) | A_BOLD, buf, true);
}

/* The console output panel in rows [y, y + h). */
static void
ui_draw_panel(struct ui *ui, int y, int h, int w)
{
	char	right[96];
	int	rows = h - 1, r;
	size_t	idx, first, shown;

	snprintf(right, sizeof(right), "%s%sPgUp/PgDn Left/Right scroll  Esc close",
	    ui->pl_scroll > 0 ? "scrolled back  " : "", ui->pl_hscroll > 0 ? "scrolled right  " : "");
	draw_title(stdscr, y, 0, w, "Console", right);
	if (rows <= 0)
		return;
	if (ui->pl_scroll > ui->pl_n)
		ui->pl_scroll = ui->pl_n;
	shown = ui->pl_n - ui->pl_scroll;		/* lines up to the bottom row */
	first = shown > (size_t)rows ? shown - (size_t)rows : 0;
	for (r = 0; r < rows && first + (size_t)r < shown; r++) {
		struct ui_pline	*l;
		int		 attr;

		/* Ring index of the (first + r)-th oldest line. */
		idx = (ui->pl_head + UI_PANEL_MAX - ui->pl_n + first + (size_t)r) % UI_PANEL_MAX;
		l = &ui->pl[idx];
		attr = l->kind == UI_LINE_ERR ? draw_attr(DR_BAD) :
		    l->kind == UI_LINE_ECHO ? draw_attr(DR_KEY) :
		    l->kind == UI_LINE_INFO ? draw_attr(DR_DIM) : (int)A_NORMAL;
		draw_text_skip(stdscr, y + 1 + r, 0, w, attr, 0, ui->pl_hscroll, l->text);
	}
}

/* Scroll the output panel: PgUp/PgDn, Shift-Left/Right. False for other keys. */
static bool
ui_panel_key(struct ui *ui, int ch)
{
	switch (ch) {
	case KEY_PPAGE:
		ui->pl_scroll += 10;
		return (true);
	case KEY_NPAGE:
		ui->pl_scroll = ui->pl_scroll > 10 ? ui->pl_scroll - 10 : 0;
		return (true);
	case KEY_SLEFT:
		ui->pl_hscroll = ui->pl_hscroll > 16 ? ui->pl_hscroll - 16 : 0;
		return (true);
	case KEY_SRIGHT:
		if (ui->pl_hscroll < 4096)
			ui->pl_hscroll += 16;
		return (true);
	default:
		return (false);
	}
}

/* The console line: readline when open, else the message or key hints. */
static void
ui_draw_console(struct ui *ui, int w)
{
	werase(ui->con_win);
	if (rlc_is_open()) {
		rlc_draw(ui->con_win, 0, w);
		return;
	}
	wmove(ui->con_win, 0, 0);
	if (ui->msg[0] != '\0' && clk_mono_ms() - ui->msg_at_ms < UI_MSG_MS * (ui->msg_error ? 3 : 1)) {
		draw_text(ui->con_win, 0, 0, w, draw_attr(ui->msg_error ? DR_BAD : DR_NORMAL), 0, ui->msg);
		return;
	}
	draw_text(ui->con_win, 0, 0, w, draw_attr(DR_DIM), 0,
	    "1-6/Tab panes   : console   ? keys   Space pause   +/- refresh   e export   q quit");
}

/* Word-wrap text into lines of at most w columns (escaped). Caller frees each and the array. */
static char **
ui_wrap(const char *text, int w, int *nlines)
{
	char	**lines = NULL;
	int	  n = 0;
	const char *p = text;

	while (*p != '\0' || n == 0) {
		const char	*nl = strchr(p, '\n');
		size_t		 len = nl ? (size_t)(nl - p) : strlen(p);
		char		*para = xstrndup(p, len), *s = para;

		do {
			size_t	cut = strlen(s);

			if (draw_width(s) > w) {
				/* Longest prefix that fits, broken at a space when possible. */
				size_t	best = 0, sp = 0, k;

				for (k = 1; k <= strlen(s); k++) {
					char	save = s[k];

					s[k] = '\0';
					if (draw_width(s) <= w)
						best = k;
					s[k] = save;
					if (best != k)
						break;
					if (s[k] == ' ')
						sp = k;
				}
				cut = sp > 0 ? sp : best > 0 ? best : 1;
			}
			lines = xreallocarray(lines, (size_t)n + 1, sizeof(char *));
			lines[n++] = xstrndup(s, cut);
			s += cut;
			while (*s == ' ')
				s++;
		} while (*s != '\0');
		free(para);
		p += len;
		if (*p == '\n')
			p++;
		else
			break;
	}
	*nlines = n;
	return (lines);
}

/* Make (or remake) the overlay window h x w, centred. */
static WINDOW *
ui_overlay(struct ui *ui, int h, int w)
{
	int	H, W;

	getmaxyx(stdscr, H, W);
	if (h > H)
		h = H;
	if (w > W)
		w = W;
	if (ui->ov_win != NULL)
		delwin(ui->ov_win);
	ui->ov_win = newwin(h, w, (H - h) / 2, (W - w) / 2);
	if (ui->ov_win != NULL)
		leaveok(ui->ov_win, FALSE);
	return (ui->ov_win);
}

/* One line of the help overlay. */
struct ui_hline {
	char	*text;		/* owned */
	int	 attr;
	int	 indent;
};

/* Add text to the help lines, wrapped to w columns at indent. */
static void
ui_help_add(struct ui_hline **l, int *n, const char *text, int attr,
    int indent, int w)
{
	char	**wr;
	int	  k, nw;

	wr = ui_wrap(text, w - indent > 8 ? w - indent : 8, &nw);
	for (k = 0; k < nw; k++) {
		*l = xreallocarray(*l, (size_t)*n + 1, sizeof(**l));
		(*l)[*n].text = wr[k];
		(*l)[*n].attr = attr;
		(*l)[*n].indent = k == 0 ? indent : indent + 2;
		(*n)++;
	}
	free(wr);
}

/*
 * The '?' overlay: the current pane's keys first, then the frame's. As wide
 * as its longest entry allows, long entries wrapped, and scrolled with
 * Up/Down/PgUp/PgDn when it is taller than the screen.
 */
static void
ui_draw_help(struct ui *ui)
{
	static const char *const global[] = {
		"1-6 Tab S-Tab  switch pane              ?       this help",
		":              console: any mcpdb command (Tab, Up/Down history)",
		"PgUp/PgDn      scroll console output; Left/Right if the line is empty",
		"Esc            stop the running job; close the console",
		"e              export every pane as one JSON file    Ctrl-L  redraw",
		"Space          pause / resume the display (PAUSED; c, K, k refused while paused)",
		"+ / -          refresh less / more often, 250 ms..60 s (Log, Schema: 1 first)",
		"< > s S        sort sessions, Redis clients: left/right/next column, reverse",
		"q              quit (asks first when a job is running)",
		NULL,
	};
	const struct pane_ops	*o = ui->ops[ui->cur];
	const char		*name = o ? o->name : ui_pane_names[ui->cur];
	const char *const	*k;
	struct ui_hline		*l = NULL;
	WINDOW			*win;
	char			 title[96], hint[96];
	int			 n = 0, i, y, H, bw, rows, longest = 60,
	    W = getmaxx(stdscr), SH = getmaxy(stdscr);

	for (k = global; *k; k++)
		if (draw_width(*k) > longest)
			longest = draw_width(*k);
	if (o != NULL && o->keys != NULL)
		for (k = o->keys; *k; k++)
			if (draw_width(*k) > longest)
				longest = draw_width(*k);
	bw = longest + 8 < W - 4 ? longest + 8 : W - 4;
	snprintf(title, sizeof(title), "In %s", name);
	ui_help_add(&l, &n, title, draw_attr(DR_TITLE), 2, bw - 2);
	if (o == NULL || o->keys == NULL || o->keys[0] == NULL)
		ui_help_add(&l, &n, "(no keys of its own)", draw_attr(DR_DIM),
		    4, bw - 2);
	else
		for (k = o->keys; *k; k++)
			ui_help_add(&l, &n, *k, A_NORMAL, 4, bw - 2);
	ui_help_add(&l, &n, "", A_NORMAL, 2, bw - 2);
	ui_help_add(&l, &n, "Everywhere", draw_attr(DR_TITLE), 2, bw - 2);
	for (k = global; *k; k++)
		ui_help_add(&l, &n, *k, A_NORMAL, 4, bw - 2);
	/* The box and its bottom edge always fit above the status line. */
	H = n + 2 < SH - 2 ? n + 2 : SH - 2;
	if (H < 3 || (win = ui_overlay(ui, H, bw)) == NULL)
		goto out;
	H = getmaxy(win);
	rows = H - 2;
	ui->help_page = rows;
	if (ui->help_top > n - rows)
		ui->help_top = n - rows > 0 ? n - rows : 0;
	werase(win);
	draw_box(win, 0, 0, H, getmaxx(win), draw_attr(DR_TITLE));
	snprintf(title, sizeof(title), " Keys: %s ", name);
	draw_text(win, 0, 2, bw - 4, draw_attr(DR_TITLE), 0, title);
	for (i = ui->help_top, y = 1; i < n && y <= rows; i++, y++)
		draw_text(win, y, l[i].indent, bw - l[i].indent - 2,
		    l[i].attr, 0, l[i].text);
	if (n > rows)
		snprintf(hint, sizeof(hint), " lines %d-%d of %d: Up/Down "
		    "PgUp/PgDn scroll, any other key closes ", ui->help_top + 1,
		    ui->help_top + rows, n);
	else
		snprintf(hint, sizeof(hint), " any key closes ");
	draw_text(win, H - 1, 2, bw - 4, draw_attr(DR_DIM), 0, hint);
	curs_set(0);
	wnoutrefresh(win);
out:
	for (i = 0; i < n; i++)
		free(l[i].text);
	free(l);
}

/*
 * A dialog: wrapped text, the question under it, and an input field when
 * typing is needed. Text taller than the screen scrolls (Up/Down, PgUp/PgDn,
 * Home/End) and says so on the bottom edge; the question always shows.
 */
static void
ui_draw_modal(struct ui *ui)
{
	WINDOW	*win;
	char	**lines, **foot = NULL, hint[96];
	int	 n, nf = 0, i, bw, W = getmaxx(stdscr), H = getmaxy(stdscr), h, iw, x;
	int	 rows, fixed, y;

	bw = W - 4 < 72 ? W - 4 : 72;
	lines = ui_wrap(ui->modal_text, bw - 4, &n);
	if (ui->modal_foot != NULL)
		foot = ui_wrap(ui->modal_foot, bw - 4, &nf);
	fixed = 2 + (nf > 0 ? nf + 1 : 0) + (ui->modal_typed ? 2 : 0);
	rows = n;
	if (rows > H - fixed)
		rows = H - fixed > 1 ? H - fixed : 1;
	if (ui->modal_top > n - rows)
		ui->modal_top = n - rows;
	if (ui->modal_top < 0)
		ui->modal_top = 0;
	ui->modal_page = rows;
	h = rows + fixed;
	if ((win = ui_overlay(ui, h, bw)) == NULL)
		goto out;
	draw_box(win, 0, 0, getmaxy(win), getmaxx(win),
	    draw_attr(ui->modal == UI_MODAL_QUIT || ui->opts->target->protected_ ? DR_BAD : DR_TITLE));
	draw_text(win, 0, 2, bw - 4, draw_attr(DR_TITLE), 0,
	    ui->modal == UI_MODAL_QUIT ? " Quit? " : " Confirm ");
	for (i = 0; i < rows && ui->modal_top + i < n; i++)
		draw_text(win, 1 + i, 2, bw - 4, A_NORMAL, 0, lines[ui->modal_top + i]);
	y = 1 + rows + 1;
	for (i = 0; i < nf && y < getmaxy(win) - 1; i++, y++)
		draw_text(win, y, 2, bw - 4, A_BOLD, 0, foot[i]);
	if (rows < n) {
		snprintf(hint, sizeof(hint), " lines %d-%d of %d: Up/Down PgUp/PgDn scroll ",
		    ui->modal_top + 1, ui->modal_top + rows, n);
		draw_text(win, getmaxy(win) - 1, 2, bw - 4, draw_attr(DR_DIM), 0, hint);
	}
	if (ui->modal_typed) {
		iw = bw - 6;
		draw_text(win, h - 2, 2, 2, draw_attr(DR_KEY), 0, "> ");
		/* Show the end of the input when it is longer than the field. */
		x = draw_width(ui->modal_in);
		draw_text_skip(win, h - 2, 4, iw, A_UNDERLINE, DRAW_PAD,
		    x >= iw ? x - iw + 1 : 0, ui->modal_in);
		wmove(win, h - 2, 4 + (x >= iw ? iw - 1 : x));
		curs_set(1);
	} else
		curs_set(0);
	wnoutrefresh(win);
out:
	for (i = 0; i < n; i++)
		free(lines[i]);
	free(lines);
	for (i = 0; i < nf; i++)
		free(foot[i]);
	free(foot);
}

/* Make sure *win is h x w at (y, 0). */
static void
ui_fit_window(WINDOW **win, int h, int w, int y)
{
	if (*win != NULL) {
		int	oh, ow, oy, ox;

		getmaxyx(*win, oh, ow);
		getbegyx(*win, oy, ox);
		if (oh == h && ow == w && oy == y && ox == 0)
			return;
		delwin(*win);
	}
	*win = newwin(h, w, y, 0);
	if (*win != NULL) {
		leaveok(*win, TRUE);
		keypad(*win, TRUE);
	}
}

/* Redraw everything (curses sends only what changed). */
static void
ui_render(struct ui *ui)
{
	int	H, W, ph = 0, pane_h;

	getmaxyx(stdscr, H, W);
	werase(stdscr);
	if (W < UI_MIN_COLS || H < UI_MIN_LINES) {
		char	msg[96];

		snprintf(msg, sizeof(msg), "terminal too small (%dx%d); need at least %dx%d",
		    W, H, UI_MIN_COLS, UI_MIN_LINES);
		draw_text(stdscr, H / 2 - 1 > 0 ? H / 2 - 1 : 0, 0, W, A_BOLD, DRAW_CENTER, msg);
		draw_text(stdscr, H / 2 > 0 ? H / 2 : 0, 0, W, A_NORMAL, DRAW_CENTER,
		    "enlarge the window, or press q to quit");
		curs_set(0);
		wnoutrefresh(stdscr);
		doupdate();
		ui->last_draw_ms = clk_mono_ms();
		ui->dirty = false;
		return;
	}
	pane_h = H - 3;
	if (ui->panel_on) {
		ph = pane_h * 2 / 5;
		if (ph < 6)
			ph = 6;
		pane_h -= ph;
	}
	ui_draw_tabs(ui, W);
	if (ph > 0)
		ui_draw_panel(ui, 1 + pane_h, ph, W);
	ui_draw_status(ui, H - 2, W);
	wnoutrefresh(stdscr);

	ui_fit_window(&ui->pane_win, pane_h, W, 1);
	if (ui->pane_win != NULL) {
		werase(ui->pane_win);
		if (ui->ops[ui->cur] != NULL && ui->pane[ui->cur] != NULL && ui->ops[ui->cur]->draw != NULL)
			ui->ops[ui->cur]->draw(ui->pane[ui->cur], ui->pane_win,
			    ui->modal == UI_MODAL_NONE && !rlc_is_open());
		else {
			draw_textf(ui->pane_win, 1, 2, W - 4, A_BOLD, 0, "%s", ui_pane_names[ui->cur]);
			draw_text(ui->pane_win, 3, 2, W - 4, A_NORMAL, 0,
			    "This pane is not part of this build yet.");
		}
		wnoutrefresh(ui->pane_win);
	}
	ui_fit_window(&ui->con_win, 1, W, H - 1);
	if (ui->con_win != NULL) {
		leaveok(ui->con_win, FALSE);
		ui_draw_console(ui, W);
		curs_set(rlc_is_open() ? 1 : 0);
		wnoutrefresh(ui->con_win);
	}
	if (ui->modal == UI_MODAL_HELP)
		ui_draw_help(ui);
	else if (ui->modal != UI_MODAL_NONE)
		ui_draw_modal(ui);
	else if (ui->ov_win != NULL) {
		delwin(ui->ov_win);
		ui->ov_win = NULL;
	}
	doupdate();
	ui->last_draw_ms = clk_mono_ms();
	ui->dirty = false;
	if (!ui->painted) {
		ui->painted = true;
		log_info(ui->opts->log, "tui: first paint %.0f ms after the process started",
		    ui_process_age_ms());
	}
	if (!ui->painted_data && ui->snap != NULL) {
		ui->painted_data = true;
		log_info(ui->opts->log, "tui: first data on screen %.0f ms after the process started",
		    ui_process_age_ms());
	}
}

/* ---------------------------------------------------------------- keys */

/* Switch to pane i. */
static void
ui_select(struct ui *ui, int i)
{
	if (i < 0 || i >= UI_NPANES)
		return;
	ui->cur = i;
	ui->dirty = true;
}

/* Read the rest of a UTF-8 sequence whose lead byte is ch into the console. */
static void
ui_console_utf8(int ch)
{
	int	more = ch >= 0xf0 ? 3 : ch >= 0xe0 ? 2 : ch >= 0xc0 ? 1 : 0, c;

	rlc_push(ch);
	wtimeout(stdscr, 20);
	while (more-- > 0 && (c = wgetch(stdscr)) != ERR)
		rlc_push(c);
	wtimeout(stdscr, 0);
}

/* A key while the console line is open. */
static void
ui_console_key(struct ui *ui, int ch)
{
	int	next;

	switch (ch) {
	case 27:
		/* Esc alone, or the start of Alt-<key> for readline? */
		next = wgetch(stdscr);		/* never blocks (timeout 0) */
		if (next != ERR) {
			rlc_push(27);
			rlc_push(next);
			rlc_feed();
			return;
		}
		if (ui_job_running(ui)) {
			ui_job_stop(ui);
			ui_message(ui, false, "asked the job to stop");
			return;
		}
		rlc_close();
		ui->panel_on = false;
		return;
	case 3:			/* Ctrl-C */
		if (ui_job_running(ui)) {
			ui_job_stop(ui);
			ui_message(ui, false, "asked the job to stop");
		} else
			rlc_clear();
		return;
	}
	if (ui_panel_key(ui, ch))
		return;
	/* Left/Right on an empty line scroll the output sideways (any terminal). */
	if ((ch == KEY_LEFT || ch == KEY_RIGHT) && rlc_empty()) {
		ui_panel_key(ui, ch == KEY_LEFT ? KEY_SLEFT : KEY_SRIGHT);
		return;
	}
	if (ch >= 0xc0 && ch < 0xf8)
		ui_console_utf8(ch);
	else
		rlc_push(ch);
	rlc_feed();
}

/* Handle one key. */
static void
ui_key(struct ui *ui, int ch)
{
	const struct pane_ops	*o = ui->ops[ui->cur];
	int			 H, W, r;

	ui->dirty = true;
	if (ch == KEY_RESIZE)
		return;
	getmaxyx(stdscr, H, W);
	if (W < UI_MIN_COLS || H < UI_MIN_LINES) {
		if (ch == 'q' || ch == 3)
			ui_request_quit(ui);
		return;
	}
	if (ui->modal != UI_MODAL_NONE) {
		if (ch == 12) {		/* Ctrl-L only redraws, never answers */
			clearok(curscr, TRUE);
			return;
		}
		ui_modal_key(ui, ch);
		return;
	}
	if (rlc_is_open()) {
		ui_console_key(ui, ch);
		return;
	}
	if (o != NULL && o->key != NULL && ui->pane[ui->cur] != NULL) {
		r = o->key(ui->pane[ui->cur], ch);
		if (r & PANE_QUIT)
			ui_request_quit(ui);
		if (r != PANE_UNHANDLED)
			return;
	}
	switch (ch) {
	case '1': case '2': case '3': case '4': case '5': case '6':
		ui_select(ui, ch - '1');
		break;
	case '\t':
		ui_select(ui, (ui->cur + 1) % UI_NPANES);
		break;
	case KEY_BTAB:
		ui_select(ui, (ui->cur + UI_NPANES - 1) % UI_NPANES);
		break;
	case ':':
		if (!ui->rl_ready) {
			/* Readline and the history load on first use: watching costs nothing. */
			char	*hist = ui->state_dir ? xasprintf("%s/history", ui->state_dir) : NULL;

			rlc_setup(ui, hist);
			free(hist);
			ui->rl_ready = true;
		}
		rlc_open();
		ui->panel_on = true;
		break;
	case '?':
		ui_modal_close(ui);
		ui->modal = UI_MODAL_HELP;
		ui->help_top = 0;
		break;
	case 'e':
		ui_export(ui);
		break;
	case ' ':
		ui_pause_toggle(ui);
		break;
	case '+': case '=':
		ui_interval_step(ui, 1);
		break;
	case '-':
		ui_interval_step(ui, -1);
		break;
	case 'q':
		ui_request_quit(ui);
		break;
	case 27:
		if (ui_job_running(ui)) {
			ui_job_stop(ui);
			ui_message(ui, false, "asked the job to stop");
		} else if (ui->panel_on)
			ui->panel_on = false;
		break;
	case 3:
		if (ui_job_running(ui)) {
			ui_job_stop(ui);
			ui_message(ui, false, "asked the job to stop");
		} else
			ui_message(ui, false, "press q to quit");
		break;
	case 12:		/* Ctrl-L */
		clearok(curscr, TRUE);
		break;
	default:
		if (ui->panel_on)
			ui_panel_key(ui, ch);
		break;
	}
}

/* ---------------------------------------------------------------- the loop */

/*
 * Sleep until a key, a snapshot (poller_fd), job output (the wake pipe) or
 * the next tick (~100 ms). Returns -1 when the terminal has gone away.
 */
static int
ui_wait(struct ui *ui)
{
	struct pollfd	fds[3];
	nfds_t		n = 0;
	int		r;
	char		junk[64];

	fds[n].fd = STDIN_FILENO;
	fds[n++].events = POLLIN;
	if (ui->wake_fd[0] >= 0) {
		fds[n].fd = ui->wake_fd[0];
		fds[n++].events = POLLIN;
	}
	if (ui->poller != NULL && poller_fd(ui->poller) >= 0) {
		fds[n].fd = poller_fd(ui->poller);
		fds[n++].events = POLLIN;
	}
	r = poll(fds, n, UI_TICK_MS);
	if (r > 0 && (fds[0].revents & (POLLHUP | POLLERR | POLLNVAL)) &&
	    !(fds[0].revents & POLLIN))
		return (-1);
	if (r > 0 && n > 1 && fds[1].fd == ui->wake_fd[0] && (fds[1].revents & POLLIN))
		while (read(ui->wake_fd[0], junk, sizeof(junk)) > 0)
			;
	return (0);
}

/* Per-tick work: new snapshot, job output, pane ticks. */
static void
ui_tick(struct ui *ui)
{
	struct snapshot	*s = NULL;
	int		 i, r;

	if (ui->poller != NULL && (s = poller_take(ui->poller)) != NULL && ui->paused) {
		/* Keep polling (the pipe drained), show nothing new. */
		snapshot_free(ui->held);
		ui->held = s;
	} else if (s != NULL) {
		for (i = 0; i < UI_NPANES; i++)
			if (ui->ops[i] != NULL && ui->ops[i]->update != NULL && ui->pane[i] != NULL)
				ui->ops[i]->update(ui->pane[i], s);
		snapshot_free(ui->snap);
		ui->snap = s;
		ui->dirty = true;
	}
	ui_drain(ui);
	ui_capture_poll(ui, -1);
	for (i = 0; i < UI_NPANES; i++) {
		if (ui->ops[i] == NULL || ui->ops[i]->tick == NULL || ui->pane[i] == NULL)
			continue;
		r = ui->ops[i]->tick(ui->pane[i]);
		if ((r & PANE_REDRAW) && i == ui->cur)
			ui->dirty = true;
		if (r & PANE_QUIT)
			ui_request_quit(ui);
	}
	if (clk_mono_ms() - ui->last_draw_ms >= 1000)
		ui->dirty = true;
	if (ui->prefs_changed_ms > 0 && clk_mono_ms() - ui->prefs_changed_ms >= UI_PREFS_SAVE_MS)
		ui_prefs_save(ui);
	if (ui->opts->stop != NULL && *ui->opts->stop != 0) {
		ui->job_stop = 1;
		ui->quit = true;
	}
}

void
ui_emergency_restore(void)
{
	struct ui	*ui = ui_active;

	if (ui != NULL && ui->curses_on && !isendwin())
		endwin();
}

/* Start curses on the terminal. */
static int
ui_curses_start(struct ui *ui, struct mc_err *err)
{
	const char	*nc = getenv("NO_COLOR");

	ui->tty_out = ui_capture_start(ui);
	ui->scr = newterm(NULL, ui->tty_out != NULL ? ui->tty_out : stdout, stdin);
	if (ui->scr == NULL)
		return (mc_err_set(err, MC_E_SYS, "cannot use the terminal (TERM=%s); set TERM to your terminal's type",
		    getenv("TERM") ? getenv("TERM") : "unset"));
	set_term(ui->scr);
	ui->curses_on = true;
	{
		const char	*cup = tigetstr("cup");

		if (cup == NULL || cup == (char *)-1) {
			endwin();
			ui->curses_on = false;
			return (mc_err_set(err, MC_E_USAGE,
			    "terminal type %s cannot move the cursor; the shell needs a full-screen terminal (set TERM)",
			    getenv("TERM") ? getenv("TERM") : "unset"));
		}
	}
	raw();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	leaveok(stdscr, TRUE);
	set_escdelay(25);
	wtimeout(stdscr, 0);		/* the loop waits in poll(), not in getch */
	curs_set(0);
	ui->mono = (nc != NULL && *nc != '\0') || (ui->opts->conf != NULL && conf_no_color(ui->opts->conf));
	draw_setup(ui->opts->ascii, ui->mono);
	ui->mono = draw_is_mono();
	ui->ascii = draw_is_ascii();
	return (0);
}

/* Closer thread: conn_close may wait on a connect to a server that does not answer. */
static void *
ui_conn_closer(void *arg)
{
	struct ui	*ui = arg;

	conn_close(ui->conn);
	pthread_mutex_lock(&ui->mtx);
	ui->conn = NULL;
	pthread_cond_broadcast(&ui->cond);
	pthread_mutex_unlock(&ui->mtx);
	return (NULL);
}

/*
 * Close the job thread's connections. The screen is already restored; when
 * a dead or frozen server makes this slow (a connect in flight waits for its
 * connect_timeout), say so instead of hanging silently. It is waited for,
 * not left behind: the target and logger it uses are freed by our caller.
 */
static void
ui_conn_close(struct ui *ui)
{
	struct timespec	ts;
	pthread_t	thr;
	sigset_t	old;
	int		fd = ui->saved_fd[1] >= 0 ? ui->saved_fd[1] : STDERR_FILENO;
	bool		started;

	if (ui->conn == NULL)
		return;
	ui_block_signals(&old);
	started = pthread_create(&thr, NULL, ui_conn_closer, ui) == 0;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (!started) {
		conn_close(ui->conn);
		ui->conn = NULL;
		return;
	}
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_nsec += 500 * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&ui->mtx);
	while (ui->conn != NULL && pthread_cond_timedwait(&ui->cond, &ui->mtx, &ts) == 0)
		;
	if (ui->conn != NULL) {
		static const char msg[] =
		    "mcpdb: closing connections; a server is not answering (this ends at its connect timeout)\n";
		ssize_t	w = write(fd, msg, sizeof(msg) - 1);

		(void)w;
	}
	pthread_mutex_unlock(&ui->mtx);
	pthread_join(thr, NULL);
}

/* Free everything the shell made, in dependency order. */
static void
ui_free(struct ui *ui)
{
	int	i;
	size_t	k;

	ui_job_shutdown(ui);
	if (ui->modal == UI_MODAL_CONFIRM && ui->modal_cancel != NULL)
		ui->modal_cancel(ui->modal_arg);
	ui_modal_close(ui);
	rlc_teardown();
	for (i = 0; i < UI_NPANES; i++)
		if (ui->ops[i] != NULL && ui->ops[i]->free != NULL && ui->pane[i] != NULL)
			ui->ops[i]->free(ui->pane[i]);
	poller_free(ui->poller);
	snapshot_free(ui->snap);
	snapshot_free(ui->held);
	ui_prefs_save(ui);
	prefs_free(ui->prefs);
	free(ui->prefs_file);
	ui_conn_close(ui);
	ui_capture_stop(ui);
	if (ui->wake_fd[0] >= 0) {
		close(ui->wake_fd[0]);
		close(ui->wake_fd[1]);
	}
	if (ui->tty_out != NULL)
		fclose(ui->tty_out);
	for (k = 0; k < ui->pl_n; k++)
		free(ui->pl[(ui->pl_head + UI_PANEL_MAX - 1 - k) % UI_PANEL_MAX].text);
	free(ui->pl);
	free(ui->state_dir);
	pthread_mutex_destroy(&ui->mtx);
	pthread_cond_destroy(&ui->cond);
	free(ui);
}

int
ui_run(const struct ui_opts *opts, struct mc_err *err)
{
	struct ui	*ui;
	struct mc_err	 e2;
	sigset_t	 old;
	int		 i, ch;

	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO))
		return (mc_err_set(err, MC_E_USAGE,
		    "the interactive shell needs a terminal on stdin and stdout; in scripts run commands directly (see mcpdb help)"));
	ui = xcalloc(1, sizeof(*ui));
	ui->opts = opts;
	ui->saved_fd[0] = ui->saved_fd[1] = ui->cap_fd = -1;
	if (pipe2(ui->wake_fd, O_CLOEXEC | O_NONBLOCK) != 0)
		ui->wake_fd[0] = ui->wake_fd[1] = -1;
	ui->pl = xcalloc(UI_PANEL_MAX, sizeof(*ui->pl));
	pthread_mutex_init(&ui->mtx, NULL);
	pthread_cond_init(&ui->cond, NULL);
	ui->state_dir = ui_state_dir();

	/* From here on nothing may write to the screen but curses. */
	log_set_quiet_stderr(opts->log, true);
	log_set_ring(opts->log, UI_LOG_RING);
	ui->conn = conn_new(opts->target, opts->log, "tui");
	conn_push(ui->conn);
	/* The saved choices; a bad file is named in the Log pane, defaults used. */
	ui->prefs = prefs_new();
	ui->prefs_file = prefs_path();
	mc_err_clear(&e2);
	if (ui->prefs_file != NULL && prefs_load(ui->prefs, ui->prefs_file, &e2) != 0)
		log_warn(opts->log, "tui: %s; using the default display choices", e2.msg);
	ui->interval_ms = opts->interval_ms > 0 ? opts->interval_ms :
	    prefs_refresh_ms(ui->prefs) > 0 ? prefs_refresh_ms(ui->prefs) : 1000;
	mc_err_clear(&e2);
	ui->poller = poller_new(opts->target, opts->log, ui->interval_ms, &e2);
	if (ui->poller == NULL)
		log_warn(opts->log, "tui: no dashboards data: %s", e2.msg);
	else
		poller_watch_conn(ui->poller, ui->conn);	/* the console's pool on the dashboard */

	if (ui_curses_start(ui, err) != 0) {
		if (ui->scr != NULL)
			delscreen(ui->scr);
		ui->scr = NULL;
		ui_free(ui);
		log_set_quiet_stderr(opts->log, false);
		return (-1);
	}
	ui_active = ui;
	xmem_set_fail_hook(ui_emergency_restore);

	for (i = 0; i < UI_NPANES; i++) {
		ui->ops[i] = ui_pane_table[i];
		if (ui->ops[i] == NULL || ui->ops[i]->init == NULL)
			continue;
		mc_err_clear(&e2);
		if ((ui->pane[i] = ui->ops[i]->init(ui, &e2)) == NULL)
			ui_message(ui, true, "%s pane: %s", ui->ops[i]->name, e2.msg);
	}

	if (ui->poller != NULL) {
		mc_err_clear(&e2);
		ui_block_signals(&old);
		if (poller_start(ui->poller, &e2) != 0) {
			ui_message(ui, true, "dashboards: %s", e2.msg);
			poller_free(ui->poller);
			ui->poller = NULL;
		}
		pthread_sigmask(SIG_SETMASK, &old, NULL);
	}

	ui_render(ui);
	while (!ui->quit) {
		ch = wgetch(stdscr);
		if (ch != ERR)
			ui_key(ui, ch);
		else if (ui_wait(ui) != 0)
			break;		/* the terminal is gone */
		ui_tick(ui);
		if (ui->dirty && !ui->quit)
			ui_render(ui);
	}

	/* Leave the screen first, so waiting for a job can be reported. */
	rlc_close();
	if (ui->ov_win != NULL)
		delwin(ui->ov_win);
	if (ui->con_win != NULL)
		delwin(ui->con_win);
	if (ui->pane_win != NULL)
		delwin(ui->pane_win);
	ui->pane_win = ui->con_win = ui->ov_win = NULL;
	endwin();
	ui->curses_on = false;
	xmem_set_fail_hook(NULL);
	ui_active = NULL;
	delscreen(ui->scr);
	ui->scr = NULL;
	ui_free(ui);
	log_set_quiet_stderr(opts->log, false);
	log_set_ring(opts->log, 0);
	return (0);
}
