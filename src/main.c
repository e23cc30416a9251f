/*
 * main.c - mcpdb's entry point: global options, configuration, logging,
 * signals, dispatch through the command table, and exit codes. The only
 * file that calls exit() or decides how an error is shown on the CLI.
 */
#include "config.h"

#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "cmd.h"
#include "conf.h"
#include "conn.h"
#include "esc.h"
#include "log.h"
#include "out.h"
#include "redact.h"
#include "xmem.h"

/* Set by SIGINT/SIGTERM; long-running commands poll it. */
static volatile sig_atomic_t	main_stop;

/* First signal asks politely; a second one kills (default action). */
static void
main_on_signal(int sig)
{
	main_stop = sig;
	signal(sig, SIG_DFL);
}

/* Ask on the terminal: prompt to stderr, answer from stdin. */
static int
main_ask(void *arg, const char *prompt, char *answer, size_t len)
{
	size_t	n;

	if (!isatty(STDIN_FILENO))
		return (-1);
	fputs(prompt, stderr);
	fflush(stderr);
	if (fgets(answer, (int)len, stdin) == NULL)
		return (-1);
	n = strlen(answer);
	while (n > 0 && (answer[n - 1] == '\n' || answer[n - 1] == '\r'))
		answer[--n] = '\0';
	return (0);
}

/* Progress lines go to stderr on a terminal, overwriting themselves. */
static void
main_progress(void *arg, const char *line)
{
	bool	tty = *(bool *)arg;

	if (tty)
		fprintf(stderr, "\r\033[K%s", line);
	else
		fprintf(stderr, "%s\n", line);
	fflush(stderr);
}

/*
 * Keep secrets out of core files: no core dump (RLIMIT_CORE 0) and not
 * dumpable (no core, no ptrace attach by other processes of the same user,
 * /proc/PID/mem closed), set before any password is read.
 */
static void
main_no_core(void)
{
	struct rlimit	rl = { 0, 0 };

	(void)setrlimit(RLIMIT_CORE, &rl);
	(void)prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
}

/* Warn once when --pg or --redis carries a password (ps and shell history show it). */
static void
main_warn_cmdline_secret(const struct cmd_args *args)
{
	const char	*pg = cmd_opt(args, "pg"), *rd = cmd_opt(args, "redis");
	bool		 p = pg != NULL && redact_has_secret(pg);
	bool		 r = rd != NULL && redact_has_secret(rd);

	if (!p && !r)
		return;
	fprintf(stderr, "mcpdb: warning: %s a password on the command line, "
	    "where other users see it (ps, /proc) and shell history keeps it; "
	    "put it in the config file (chmod 600)%s instead\n",
	    p && r ? "--pg and --redis hold" : p ? "--pg holds" : "--redis holds",
	    p && r ? ", PGPASSFILE (~/.pgpass), or PGPASSWORD and REDIS_URL" :
	    p ? ", PGPASSFILE (~/.pgpass) or the PGPASSWORD environment variable" :
	    " or the REDIS_URL environment variable");
}

/* Report err on stderr (or as a JSON document) and return its exit status. */
static int
main_fail(struct out *out, bool json, const struct mc_err *err)
{
	char	*msg;

	if (json && out != NULL) {
		cJSON	*doc = cJSON_CreateObject(), *e = cJSON_CreateObject();

		cJSON_AddStringToObject(e, "code", mc_code_name(err->code));
		if (err->sqlstate[0] != '\0')
			cJSON_AddStringToObject(e, "sqlstate", err->sqlstate);
		cJSON_AddStringToObject(e, "message", err->msg);
		cJSON_AddItemToObject(doc, "error", e);
		out_doc(out, doc);
	}
	/* a message can quote a key or a server's words: never raw */
	msg = esc_string(err->msg, strlen(err->msg), 0);
	fprintf(stderr, "mcpdb: %s\n", msg);
	free(msg);
	return (mc_err_exit_status(err));
}

/* On a terminal: which target this command uses, and why (stderr). */
static void
main_say_target(const struct conf *c, const struct conf_target *t)
{
	fprintf(stderr, "mcpdb: target %s%s%s (%s)\n", t->name,
	    t->protected_ ? " [protected]" : "",
	    t->read_only ? " [read-only]" : "", conf_target_why(c));
}

int
main(int argc, char **argv)
{
	const struct cmd_entry	*e = NULL;
	struct cmd_args		*args = NULL;
	struct cmd_ctx		 ctx;
	struct conf_flags	 flags;
	struct mc_err		 err = { 0 };
	struct logger		*log;
	struct out		*out = NULL;
	enum log_level		 lvl = LOGL_INFO;
	enum log_format		 fmt = LOGF_TEXT;
	const char		*env;
	char			**words;
	bool			 json, help, tty_err = isatty(STDERR_FILENO), color;
	int			 i, nw = 0, first = -1, used = 0, status;

	main_no_core();
	setlocale(LC_ALL, "");
	signal(SIGPIPE, SIG_IGN);	/* hiredis writes without MSG_NOSIGNAL */
	memset(&ctx, 0, sizeof(ctx));

	/* Find the command words: skip global options and their values. */
	words = xcalloc((size_t)argc + 1, sizeof(char *));
	for (i = 1; i < argc; i++) {
		if (argv[i][0] == '-' && first < 0) {
			const struct cmd_opt	*o;

			for (o = cmd_global_opts; o->name != NULL; o++) {
				if ((argv[i][1] == '-' && strcmp(argv[i] + 2, o->name) == 0) ||
				    (argv[i][1] == o->short_name && argv[i][2] == '\0' && o->short_name))
					break;
			}
			if (o->name != NULL && o->arg != NULL)
				words[nw++] = argv[i++];	/* the option; its value follows */
			if (i < argc)
				words[nw++] = argv[i];
			continue;
		}
		if (first < 0)
			first = nw;
		words[nw++] = argv[i];
	}
	/*
	 * Before the options are parsed: --json (so even an unknown command
	 * is a JSON error) and --help (so "migrate --help" is the family's
	 * help, not a usage error).
	 */
	json = help = false;
	for (i = 1; i < argc && strcmp(argv[i], "--") != 0; i++) {
		json = json || strcmp(argv[i], "--json") == 0;
		help = help || strcmp(argv[i], "--help") == 0 ||
		    strcmp(argv[i], "-h") == 0;
	}
	if (first >= 0) {
		e = cmd_find(nw - first, words + first, &used, &err);
		if (e == NULL) {
			out = out_new_file(stdout, json, false);
			if (help && cmd_help_family(out, nw - first,
			    words + first))
				status = 0;
			else
				status = main_fail(out, json, &err);
			out_free(out);
			free(words);
			fflush(stdout);
			return (status);
		}
		/* Options before the command words are parsed with the rest. */
		memmove(words + first, words + first + used, sizeof(char *) * (size_t)(nw - first - used));
		nw -= used;
	}
	args = cmd_args_parse(e, nw, words, &err);
	if (args == NULL) {
		out = out_new_file(stdout, json, false);
		status = main_fail(out, json, &err);
		out_free(out);
		free(words);
		fflush(stdout);
		return (status);
	}
	main_warn_cmdline_secret(args);
	json = cmd_flag(args, "json");
	color = isatty(STDOUT_FILENO) && !json &&
	    ((env = getenv("NO_COLOR")) == NULL || *env == '\0');
	out = out_new_file(stdout, json, color);
	out_set_raw(out, cmd_flag(args, "raw"));

	if (cmd_flag(args, "version") || (e == NULL && cmd_nargs(args) == 0 &&
	    argc == 2 && strcmp(argv[1], "--version") == 0)) {
		e = cmd_lookup("version");
	}
	/* No command on a terminal: the interactive shell. */
	if (e == NULL && !cmd_flag(args, "help") && !json && cmd_nargs(args) == 0 &&
	    isatty(STDIN_FILENO) && isatty(STDOUT_FILENO))
		e = cmd_lookup("tui");
	if (e == NULL) {
		if (cmd_flag(args, "help") || argc == 1) {
			cmd_help_all(out, NULL);
			status = argc == 1 && !isatty(STDOUT_FILENO) ? 2 : 0;
		} else {
			mc_err_set(&err, MC_E_USAGE, "no command given (see mcpdb help)");
			status = main_fail(out, json, &err);
		}
		goto done;
	}
	if (cmd_flag(args, "help")) {
		cmd_help_one(out, e);
		status = 0;
		goto done;
	}

	/* Logging: flags > environment; the config file fills in below. */
	if ((env = cmd_opt(args, "log-level")) != NULL || (env = getenv("MCPDB_LOG_LEVEL")) != NULL) {
		if (log_level_parse(env, &lvl, &err) != 0) {
			status = main_fail(out, json, &err);
			goto done;
		}
	}
	if ((env = cmd_opt(args, "log-format")) != NULL || (env = getenv("MCPDB_LOG_FORMAT")) != NULL) {
		if (log_format_parse(env, &fmt, &err) != 0) {
			status = main_fail(out, json, &err);
			goto done;
		}
	}
	log = log_new(lvl, fmt);
	ctx.log = log;
	if ((env = cmd_opt(args, "log-file")) != NULL || (env = getenv("MCPDB_LOG_FILE")) != NULL) {
		if (log_set_file(log, env, &err) != 0) {
			status = main_fail(out, json, &err);
			goto done;
		}
	}

	if (e->flags & CMD_NEEDS_TARGET) {
		memset(&flags, 0, sizeof(flags));
		flags.config_path = cmd_opt(args, "config");
		flags.target = cmd_opt(args, "target");
		flags.pg = cmd_opt(args, "pg");
		flags.redis = cmd_opt(args, "redis");
		flags.log_level = cmd_opt(args, "log-level");
		flags.log_format = cmd_opt(args, "log-format");
		flags.log_file = cmd_opt(args, "log-file");
		if ((ctx.conf = conf_load(&flags, log, &err)) == NULL) {
			status = main_fail(out, json, &err);
			goto done;
		}
		ctx.target = conf_target(ctx.conf);
		if (tty_err && !json && !cmd_flag(args, "quiet") &&
		    strcmp(e->name, "tui") != 0)
			main_say_target(ctx.conf, ctx.target);
		log_set_level(log, conf_log_level(ctx.conf));
		log_set_format(log, conf_log_format(ctx.conf));
		if (conf_log_file(ctx.conf) != NULL &&
		    log_set_file(log, conf_log_file(ctx.conf), &err) != 0) {
			status = main_fail(out, json, &err);
			goto done;
		}
	}

	ctx.out = out;
	ctx.json = json;
	ctx.yes = cmd_flag(args, "yes");
	ctx.quiet = cmd_flag(args, "quiet");
	ctx.confirm_name = cmd_opt(args, "confirm");
	ctx.argv0 = argv[0];
	ctx.ask = isatty(STDIN_FILENO) ? main_ask : NULL;
	ctx.stop = &main_stop;
	ctx.progress = ctx.quiet ? NULL : main_progress;
	ctx.progress_arg = &tty_err;
	signal(SIGINT, main_on_signal);
	signal(SIGTERM, main_on_signal);

	if (e->flags & CMD_STREAMS)
		out_set_stream(out, &main_stop);
	status = cmd_run(e, &ctx, args, &err);
	if (status < 0)
		status = main_fail(out, json, &err);
	/*
	 * Stopped by a signal: 128 + its number, as shells report it (130
	 * SIGINT, 143 SIGTERM). Ctrl-C is the normal end of a stream
	 * (subscribe, --watch), so that alone exits 0 there; a server
	 * (metrics --listen) stops cleanly on either, as daemons do.
	 */
	if (main_stop != 0 && status == 0 &&
	    (((e->flags & CMD_STREAMS) && main_stop == SIGINT) ||
	    (e->flags & CMD_SERVER)))
		;
	else if (main_stop != 0)
		status = 128 + main_stop;
done:
	conn_close(ctx.conn);
	conn_close(ctx.read_conn);
	conf_free(ctx.conf);
	log_free(ctx.log);
	cmd_args_free(args);
	out_free(out);
	free(words);
	fflush(stdout);
	return (status);
}
