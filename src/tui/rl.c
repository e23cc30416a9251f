/*
 * rl.c - the console line: GNU readline in callback mode drawn inside the
 * curses screen, history, completion, and running typed commands.
 *
 * Model (ulfalizer/readline-and-ncurses): readline is told never to touch
 * the terminal (no-op prep/deprep, output to /dev/null, no signal handlers)
 * and to read keys through rl_getc_function from a small queue the frame's
 * key loop fills; rl_input_available_hook reports whether the queue holds
 * more, so multi-key sequences resolve without blocking. Keys curses has
 * already decoded (arrows, Home, Delete) call readline's bindable functions
 * directly. The frame draws the line from rl_line_buffer and rl_point.
 *
 * A finished line is split into words and resolved through the shared
 * command table exactly as main.c does for argv; the command runs on the
 * job thread (ui_job) with a cmd_ctx whose output goes to the console panel
 * and whose questions become the frame's modal dialog.
 */
#include "config.h"

#include "rl.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curses.h>
#include <readline/history.h>
#include <readline/readline.h>

#include "buf.h"
#include "cmd.h"
#include "conn.h"
#include "out.h"
#include "redact.h"
#include "xmem.h"
#include "draw.h"
#include "ui.h"

#define RLC_QUEUE	256		/* keys queued between feeds */
#define RLC_HISTORY	1000		/* lines kept in the history file */

/* The console (readline is global, so is this; UI thread only). */
static struct {
	struct ui	*ui;
	bool		 setup;
	bool		 open;
	char		*hist_path;
	int		 hist_added;	/* lines appended since the last truncate */
	FILE		*devnull;
	int		 q[RLC_QUEUE];
	size_t		 qhead;
	size_t		 qlen;
} rlc;

/* A command on its way to the job thread (a copy: jobs carry no pointers into UI state). */
struct rlc_job {
	struct ui		*ui;
	const struct cmd_entry	*e;
	char			**words;	/* owned; args point into them */
	int			 nwords;
	struct cmd_args		*args;
	bool			 json;
	bool			 yes;
	bool			 quiet;
	const char		*confirm;	/* points into words */
	struct timespec		 t0;		/* set on the job thread: start */
	struct timespec		 t1;		/* and end */
	bool			 stopped;
};

/* Candidates gathered for one completion. */
struct rlc_cands {
	char		**v;
	size_t		  n;
	bool		  want_files;
	struct ui	 *ui;
};

/* ---------------------------------------------------------------- splitting */

char **
rlc_split(const char *line, int *argc, bool lenient, struct mc_err *err)
{
	char		**v = xcalloc(1, sizeof(char *));
	int		  n = 0;
	const char	 *p = line;
	struct buf	  w;

	buf_init(&w);
	for (;;) {
		bool	inword = false;
		char	q = 0;

		while (*p == ' ' || *p == '\t' || *p == '\n')
			p++;
		if (*p == '\0')
			break;
		buf_reset(&w);
		for (; *p != '\0'; p++) {
			if (q == '\'') {
				if (*p == '\'')
					q = 0;
				else
					buf_putc(&w, *p);
				continue;
			}
			if (q == '"') {
				if (*p == '"')
					q = 0;
				else if (*p == '\\' && (p[1] == '"' || p[1] == '\\'))
					buf_putc(&w, *++p);
				else
					buf_putc(&w, *p);
				continue;
			}
			if (*p == ' ' || *p == '\t' || *p == '\n')
				break;
			if (*p == '\'' || *p == '"')
				q = *p;
			else if (*p == '\\' && p[1] != '\0')
				buf_putc(&w, *++p);
			else
				buf_putc(&w, *p);
			inword = true;
		}
		if (q != 0 && !lenient) {
			mc_err_set(err, MC_E_USAGE, "unterminated %s quote", q == '\'' ? "single" : "double");
			for (int i = 0; i < n; i++)
				free(v[i]);
			free(v);
			buf_done(&w);
			return (NULL);
		}
		(void)inword;
		v = xreallocarray(v, (size_t)n + 2, sizeof(char *));
		v[n++] = xstrdup(w.data);
		v[n] = NULL;
	}
	buf_done(&w);
	*argc = n;
	return (v);
}

/* Free a word array from rlc_split. */
static void
rlc_words_free(char **v, int n)
{
	int	i;

	if (v == NULL)
		return;
	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/* ---------------------------------------------------------------- running commands */

/* cmd_ctx.ask for console commands: the frame's modal dialog. Job thread. */
static int
rlc_ask(void *arg, const char *prompt, char *answer, size_t len)
{
	return (ui_job_ask(arg, prompt, answer, len));
}

/* cmd_ctx.progress: a line that replaces the previous one. Job thread. */
static void
rlc_progress(void *arg, const char *line)
{
	ui_console_progress(arg, line);
}

/* Run the command. Job thread. */
static int
rlc_job_run(struct conn *conn, void *arg, void (*line)(void *, const char *),
    void *line_arg, struct mc_err *err)
{
	struct rlc_job		*j = arg;
	struct cmd_ctx		 ctx;
	volatile int		*stop = ui_job_stop_flag(j->ui);
	int			 st;

	clock_gettime(CLOCK_MONOTONIC, &j->t0);
	memset(&ctx, 0, sizeof(ctx));
	if (j->e->flags & CMD_NEEDS_TARGET) {
		ctx.conf = ui_conf(j->ui);
		ctx.target = ui_target(j->ui);
	}
	ctx.log = ui_log(j->ui);
	ctx.out = out_new_lines(line, line_arg, j->json);
	ctx.json = j->json;
	ctx.yes = j->yes;
	ctx.quiet = j->quiet;
	ctx.confirm_name = j->confirm;
	ctx.argv0 = ui_argv0(j->ui);
	ctx.conn = conn;
	ctx.ask = rlc_ask;
	ctx.ask_arg = j->ui;
	ctx.stop = stop;
	ctx.progress = j->quiet ? NULL : rlc_progress;
	ctx.progress_arg = j->ui;
	st = cmd_run(j->e, &ctx, j->args, err);
	conn_close(ctx.read_conn);
	out_free(ctx.out);
	j->stopped = *stop != 0;
	clock_gettime(CLOCK_MONOTONIC, &j->t1);
	return (st);
}

/* Report how the command ended and free the job. UI thread. */
static void
rlc_job_done(void *arg, int status, const struct mc_err *err)
{
	struct rlc_job	*j = arg;
	char		 took[32], *msg;

	draw_fmt_duration(took, sizeof(took), (double)(j->t1.tv_sec - j->t0.tv_sec) +
	    (double)(j->t1.tv_nsec - j->t0.tv_nsec) / 1e9);
	if (j->t0.tv_sec == 0 && j->t0.tv_nsec == 0)
		msg = xasprintf("%s: %s", j->e->name, err->msg);
	else if (status < 0)
		msg = xasprintf("%s", err->msg);
	else if (j->stopped)
		msg = xasprintf("(%s stopped after %s, exit status %d)", j->e->name, took, status);
	else if (status != 0)
		msg = xasprintf("(exit status %d, %s)", status, took);
	else
		msg = xasprintf("(done in %s)", took);
	ui_console_print(j->ui, status < 0 ? UI_LINE_ERR : UI_LINE_INFO, msg);
	free(msg);
	cmd_args_free(j->args);
	rlc_words_free(j->words, j->nwords);
	free(j);
}

/* Print text (lines) into the panel: for help output run on the UI thread. */
static void
rlc_print_line(void *arg, const char *line)
{
	ui_console_print(arg, UI_LINE_OUT, line);
}

/* Global options that would change what the shell is attached to. */
static const char *const rlc_fixed_opts[] = {
	"config", "target", "pg", "redis", "log-level", "log-format", "log-file", NULL,
};

void
rlc_run(struct ui *ui, const char *text)
{
	const struct cmd_entry	*e = NULL;
	struct cmd_args		*args = NULL;
	struct rlc_job		*j;
	struct mc_err		 err;
	struct out		*out;
	char			**words, *echo;
	int			 nw, first = -1, used = 0, i;
	const char		*const *f;

	while (*text == ' ' || *text == '\t')
		text++;
	if (*text == ':')
		text++;
	echo = redact_text(text);
	{
		char	*line = xasprintf(": %s", echo);

		ui_console_print(ui, UI_LINE_ECHO, line);
		free(line);
	}
	free(echo);
	ui_console_show(ui, true);
	mc_err_clear(&err);
	if ((words = rlc_split(text, &nw, false, &err)) == NULL) {
		ui_console_print(ui, UI_LINE_ERR, err.msg);
		return;
	}
	if (nw == 0) {
		rlc_words_free(words, nw);
		return;
	}
	/* Console built-ins (not commands: they act on the shell itself). */
	if (nw == 1 && strcmp(words[0], "clear") == 0) {
		ui_console_clear(ui);
		rlc_words_free(words, nw);
		return;
	}
	if (nw == 1 && (strcmp(words[0], "quit") == 0 || strcmp(words[0], "exit") == 0)) {
		rlc_words_free(words, nw);
		ui_quit(ui);
		return;
	}
	/* Find the command words as main.c does: skip global options and their values. */
	for (i = 0; i < nw; i++) {
		if (words[i][0] == '-' && first < 0) {
			const struct cmd_opt	*o;

			for (o = cmd_global_opts; o->name != NULL; o++)
				if ((words[i][1] == '-' && strcmp(words[i] + 2, o->name) == 0) ||
				    (o->short_name && words[i][1] == o->short_name && words[i][2] == '\0'))
					break;
			if (o->name != NULL && o->arg != NULL)
				i++;
			continue;
		}
		if (first < 0)
			first = i;
	}
	if (first >= 0) {
		char	**rest = words + first;

		if ((e = cmd_find(nw - first, rest, &used, &err)) == NULL)
			goto fail;
		/* Drop the command words; their strings are freed now. */
		for (i = 0; i < used; i++)
			free(rest[i]);
		memmove(rest, rest + used, sizeof(char *) * (size_t)(nw - first - used + 1));
		nw -= used;
	}
	if ((args = cmd_args_parse(e, nw, words, &err)) == NULL)
		goto fail;
	for (f = rlc_fixed_opts; *f != NULL; f++) {
		if (cmd_opt(args, *f) != NULL) {
			mc_err_set(&err, MC_E_USAGE,
			    "--%s cannot change inside the shell, which stays on target %s; quit and start mcpdb with --%s",
			    *f, ui_target(ui)->name, *f);
			goto fail;
		}
	}
	if (cmd_flag(args, "version"))
		e = cmd_lookup("version");
	if (e == NULL || cmd_flag(args, "help")) {
		out = out_new_lines(rlc_print_line, ui, false);
		if (e == NULL)
			cmd_help_all(out, NULL);
		else
			cmd_help_one(out, e);
		out_free(out);
		cmd_args_free(args);
		rlc_words_free(words, nw);
		return;
	}
	if (strcmp(e->name, "tui") == 0) {
		mc_err_set(&err, MC_E_USAGE, "you are in the interactive shell already");
		goto fail;
	}
	j = xcalloc(1, sizeof(*j));
	j->ui = ui;
	j->e = e;
	j->words = words;
	j->nwords = nw;
	j->args = args;
	j->json = cmd_flag(args, "json");
	j->yes = cmd_flag(args, "yes");
	j->quiet = cmd_flag(args, "quiet");
	j->confirm = cmd_opt(args, "confirm");
	if (ui_job_running(ui))
		ui_console_print(ui, UI_LINE_INFO, "(queued: runs when the current job ends)");
	ui_job(ui, e->name, rlc_job_run, j, rlc_job_done, true);
	return;
fail:
	ui_console_print(ui, UI_LINE_ERR, err.msg);
	cmd_args_free(args);
	rlc_words_free(words, nw);
}

/* ---------------------------------------------------------------- readline glue */

/* rl_getc_function: the next queued key. */
static int
rlc_getc(FILE *fp)
{
	int	c;

	(void)fp;
	if (rlc.qlen == 0)
		return (0);
	c = rlc.q[rlc.qhead];
	rlc.qhead = (rlc.qhead + 1) % RLC_QUEUE;
	rlc.qlen--;
	return (c);
}

/* rl_input_available_hook: are more keys queued? */
static int
rlc_input_available(void)
{
	return (rlc.qlen > 0);
}

/* rl_redisplay_function: the frame redraws from rl_line_buffer. */
static void
rlc_redisplay(void)
{
}

/* rl_prep_term_function: curses owns the terminal. */
static void
rlc_prep(int meta)
{
	(void)meta;
}

/* rl_deprep_term_function: curses owns the terminal. */
static void
rlc_deprep(void)
{
}

/* Append history to the file, creating or trimming it as needed. */
static void
rlc_history_save(const char *line)
{
	HIST_ENTRY	*last = history_length > 0 ? history_get(history_base + history_length - 1) : NULL;

	if (last != NULL && strcmp(last->line, line) == 0)
		return;
	add_history(line);
	if (rlc.hist_path == NULL)
		return;
	if (append_history(1, rlc.hist_path) != 0)
		write_history(rlc.hist_path);	/* first line: create it (0600) */
	if (++rlc.hist_added >= 100) {
		history_truncate_file(rlc.hist_path, RLC_HISTORY);
		rlc.hist_added = 0;
	}
}

/* The line handler: a line was entered (NULL: Ctrl-D on an empty line). */
static void
rlc_on_line(char *line)
{
	struct ui	*ui = rlc.ui;

	if (line == NULL) {
		rlc_close();
		ui_console_show(ui, false);
		return;
	}
	if (*line != '\0') {
		if (redact_has_secret(line))
			ui_console_print(ui, UI_LINE_INFO, "(not saved in the history: the line holds a secret)");
		else
			rlc_history_save(line);
		rlc_run(ui, line);
	}
	free(line);
}

/* Collect one completion candidate. */
static void
rlc_cand_add(void *arg, const char *name)
{
	struct rlc_cands	*c = arg;
	size_t			 i;

	for (i = 0; i < c->n; i++)
		if (strcmp(c->v[i], name) == 0)
			return;
	c->v = xreallocarray(c->v, c->n + 1, sizeof(char *));
	c->v[c->n++] = xstrdup(name);
}

/* Dynamic names for cmd_complete: files go to readline's own completion. */
static void
rlc_cand_names(void *arg, enum cmd_complete kind, void (*add)(void *, const char *), void *add_arg)
{
	struct rlc_cands	*c = arg;

	if (kind == CC_FILE) {
		c->want_files = true;
		return;
	}
	ui_names(c->ui, kind, add, add_arg);
}

/* The candidates of the completion in progress, for rlc_generator. */
static struct rlc_cands	rlc_current;

/* rl_completion_matches generator over rlc_current. */
static char *
rlc_generator(const char *text, int state)
{
	static size_t	i;

	(void)text;
	if (state == 0)
		i = 0;
	if (i < rlc_current.n)
		return (xstrdup(rlc_current.v[i++]));
	return (NULL);
}

/* rl_attempted_completion_function: commands, subcommands, flags, names. */
static char **
rlc_complete(const char *text, int start, int end)
{
	char	*prefix, **words, **matches = NULL;
	int	 n, i;
	size_t	 k;

	(void)end;
	rl_attempted_completion_over = 1;
	prefix = xstrndup(rl_line_buffer, (size_t)start);
	/* A leading ':' typed out of habit is not a word. */
	words = rlc_split(prefix[0] == ':' ? prefix + 1 : prefix, &n, true, NULL);
	words = xreallocarray(words, (size_t)n + 2, sizeof(char *));
	words[n++] = xstrdup(text);
	words[n] = NULL;
	memset(&rlc_current, 0, sizeof(rlc_current));
	rlc_current.ui = rlc.ui;
	cmd_complete(n, words, rlc_cand_add, &rlc_current, rlc_cand_names, &rlc_current);
	if (rlc_current.want_files && rlc_current.n == 0)
		rl_attempted_completion_over = 0;	/* readline completes file names */
	else if (rlc_current.n > 0)
		matches = rl_completion_matches(text, rlc_generator);
	for (k = 0; k < rlc_current.n; k++)
		free(rlc_current.v[k]);
	free(rlc_current.v);
	memset(&rlc_current, 0, sizeof(rlc_current));
	for (i = 0; i < n; i++)
		free(words[i]);
	free(words);
	free(prefix);
	return (matches);
}

/* rl_completion_display_matches_hook: list the candidates in the panel. */
static void
rlc_show_matches(char **matches, int num, int maxlen)
{
	struct buf	b;
	int		i, w = COLS > 20 ? COLS - 2 : 78;

	(void)maxlen;
	buf_init(&b);
	for (i = 1; i <= num; i++) {
		if (b.len > 0 && (int)(b.len + strlen(matches[i]) + 2) > w) {
			ui_console_print(rlc.ui, UI_LINE_INFO, b.data);
			buf_reset(&b);
		}
		buf_printf(&b, "%s%s", b.len ? "  " : "", matches[i]);
	}
	if (b.len > 0)
		ui_console_print(rlc.ui, UI_LINE_INFO, b.data);
	buf_done(&b);
	ui_console_show(rlc.ui, true);
}

void
rlc_setup(struct ui *ui, const char *history_path)
{
	rlc.ui = ui;
	rlc.devnull = fopen("/dev/null", "w+");
	rl_readline_name = "mcpdb";
	rl_catch_signals = 0;
	rl_catch_sigwinch = 0;
	rl_change_environment = 0;
	rl_instream = rlc.devnull;
	rl_outstream = rlc.devnull;
	rl_getc_function = rlc_getc;
	rl_input_available_hook = rlc_input_available;
	rl_redisplay_function = rlc_redisplay;
	rl_prep_term_function = rlc_prep;
	rl_deprep_term_function = rlc_deprep;
	rl_attempted_completion_function = rlc_complete;
	rl_completion_display_matches_hook = rlc_show_matches;
	rl_completer_quote_characters = "\"'";
	rl_basic_word_break_characters = " \t\n";
	rl_completer_word_break_characters = " \t\n";
	rl_initialize();
	rl_variable_bind("show-all-if-ambiguous", "on");
	rl_variable_bind("bell-style", "none");
	rl_variable_bind("enable-bracketed-paste", "off");
	rl_variable_bind("horizontal-scroll-mode", "on");
	using_history();
	stifle_history(RLC_HISTORY);
	free(rlc.hist_path);
	rlc.hist_path = history_path ? xstrdup(history_path) : NULL;
	if (rlc.hist_path != NULL)
		read_history(rlc.hist_path);	/* ENOENT on the first run is fine */
	rlc.setup = true;
}

void
rlc_teardown(void)
{
	if (!rlc.setup)
		return;
	rlc_close();
	if (rlc.hist_path != NULL && rlc.hist_added > 0)
		history_truncate_file(rlc.hist_path, RLC_HISTORY);
	clear_history();
	free(rlc.hist_path);
	rlc.hist_path = NULL;
	rl_instream = NULL;
	rl_outstream = NULL;
	if (rlc.devnull != NULL)
		fclose(rlc.devnull);
	rlc.devnull = NULL;
	rlc.setup = false;
	rlc.ui = NULL;
}

void
rlc_open(void)
{
	if (!rlc.setup || rlc.open)
		return;
	rlc.qlen = 0;
	rl_callback_handler_install("", rlc_on_line);
	rlc.open = true;
}

void
rlc_close(void)
{
	if (!rlc.open)
		return;
	rl_callback_handler_remove();
	rlc.open = false;
	rlc.qlen = 0;
}

bool
rlc_is_open(void)
{
	return (rlc.open);
}

void
rlc_push(int ch)
{
	if (!rlc.open)
		return;
	if (ch >= 0 && ch < 256) {
		if (rlc.qlen < RLC_QUEUE) {
			rlc.q[(rlc.qhead + rlc.qlen) % RLC_QUEUE] = ch;
			rlc.qlen++;
		}
		return;
	}
	/* Keys curses decoded: flush what is queued, then call readline directly. */
	rlc_feed();
	if (!rlc.open)
		return;
	switch (ch) {
	case KEY_LEFT: rl_backward_char(1, 0); break;
	case KEY_RIGHT: rl_forward_char(1, 0); break;
	case KEY_UP: rl_get_previous_history(1, 0); break;
	case KEY_DOWN: rl_get_next_history(1, 0); break;
	case KEY_HOME: rl_beg_of_line(1, 0); break;
	case KEY_END: rl_end_of_line(1, 0); break;
	case KEY_DC: rl_delete(1, 0); break;
	case KEY_BACKSPACE: rl_rubout(1, 0); break;
	case KEY_ENTER: rlc_push('\r'); rlc_feed(); break;
	default: break;
	}
}

void
rlc_feed(void)
{
	while (rlc.open && rlc.qlen > 0)
		rl_callback_read_char();
}

void
rlc_clear(void)
{
	if (!rlc.open)
		return;
	rl_replace_line("", 0);
	rl_point = rl_end = 0;
}

bool
rlc_empty(void)
{
	return (!rlc.open || rl_line_buffer == NULL || rl_end == 0);
}

void
rlc_draw(WINDOW *win, int y, int w)
{
	char	*before;
	int	 pcol, aw = w - 2, skip = 0;

	draw_text(win, y, 0, 1, draw_attr(DR_KEY), 0, ":");
	if (rl_line_buffer == NULL || aw <= 0)
		return;
	if (rl_end == 0) {
		/* An empty line says what it takes; the cursor stays after the ':'. */
		draw_text(win, y, 2, w - 2, draw_attr(DR_DIM), 0,
		    "a command (help lists them)   Tab completes   Up/Down history   Esc closes");
		wmove(win, y, 1);
		return;
	}
	before = xstrndup(rl_line_buffer, (size_t)rl_point);
	pcol = draw_width(before);
	free(before);
	if (pcol >= aw)
		skip = pcol - aw + 1;
	draw_text_skip(win, y, 1, w - 1, A_NORMAL, 0, skip, rl_line_buffer);
	wmove(win, y, 1 + pcol - skip);
}
