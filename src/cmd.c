/*
 * cmd.c - the command table and everything generated from it: lookup by
 * unique prefix, option parsing, help text and console completion.
 *
 * Model (tmux cmd.c): each family file exports an array of entries; this file
 * chains the arrays. An entry's name is its full path of words; the set of
 * paths forms the command tree, so the dispatcher, `help` and completion all
 * walk the same data and can never disagree.
 */
#include "config.h"

#include "cmd.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "conn.h"
#include "xmem.h"

static const struct cmd_entry *const *const cmd_families[] = {
	cmd_core_entries, cmd_health_entries, cmd_redis_entries,
	cmd_migrate_entries, cmd_seed_entries, cmd_schema_entries,
	cmd_tui_entries, cmd_backup_entries, cmd_metrics_entries,
	cmd_vacuum_entries, cmd_io_entries, cmd_rdskeys_entries, cmd_stmt_entries,
	cmd_completion_entries, cmd_pg_entries, cmd_rds_clients_entries,
};

const struct cmd_opt cmd_global_opts[] = {
	{ "config", 0, "FILE", "configuration file (default $MCPDB_CONFIG, then $XDG_CONFIG_HOME/mcpdb/config.json)", CC_FILE },
	{ "target", 't', "NAME", "target to work on (default $MCPDB_TARGET, then the file's default_target, then its only target)", CC_TARGET },
	{ "pg", 0, "CONNINFO", "PostgreSQL conninfo or URI, overriding the target's", CC_NONE },
	{ "redis", 0, "URI", "Redis URI (redis://[user:password@]host:port/db) or socket path", CC_NONE },
	{ "json", 0, NULL, "print one JSON document instead of tables", CC_NONE },
	{ "raw", 0, NULL, "print values exactly as received (control characters are escaped otherwise)", CC_NONE },
	{ "log-level", 0, "LEVEL", "trace, debug, info, warn or error (default $MCPDB_LOG_LEVEL, info)", CC_NONE },
	{ "log-format", 0, "FORMAT", "text or json (default $MCPDB_LOG_FORMAT, text)", CC_NONE },
	{ "log-file", 0, "FILE", "write logs to FILE instead of stderr (default $MCPDB_LOG_FILE)", CC_FILE },
	{ "yes", 'y', NULL, "assume yes to confirmations (not enough on protected targets)", CC_NONE },
	{ "confirm", 0, "NAME", "type the protected target's name in advance, for scripts", CC_TARGET },
	{ "quiet", 'q', NULL, "print only results and errors", CC_NONE },
	{ "help", 'h', NULL, "show help for the command", CC_NONE },
	{ "version", 'V', NULL, "print the version and exit", CC_NONE },
	{ NULL, 0, NULL, NULL, CC_NONE },
};

/* One parsed option. */
struct cmd_optval {
	const char	*name;		/* borrowed from the option table */
	const char	*value;		/* borrowed from argv, NULL for flags */
};

struct cmd_args {
	const char		**pos;
	size_t			  npos;
	struct cmd_optval	 *opts;
	size_t			  nopts;
};

const struct cmd_entry *
cmd_at(size_t i)
{
	size_t	f, j;

	for (f = 0; f < sizeof(cmd_families) / sizeof(cmd_families[0]); f++) {
		for (j = 0; cmd_families[f][j] != NULL; j++)
			if (i-- == 0)
				return (cmd_families[f][j]);
	}
	return (NULL);
}

/* Length of word k of path (words separated by one space); start in *off. */
static size_t
cmd_word(const char *path, int k, size_t *off)
{
	const char	*p = path, *sp;

	while (k-- > 0) {
		if ((sp = strchr(p, ' ')) == NULL)
			return (0);
		p = sp + 1;
	}
	*off = (size_t)(p - path);
	sp = strchr(p, ' ');
	return (sp ? (size_t)(sp - p) : strlen(p));
}

/* Number of words in a path. */
static int
cmd_nwords(const char *path)
{
	int	n = 1;

	for (; *path; path++)
		if (*path == ' ')
			n++;
	return (n);
}

/* Does e's path start with the k words of prefix (a path of k words)? */
static bool
cmd_has_prefix(const struct cmd_entry *e, const char *prefix, int k)
{
	size_t	len = strlen(prefix);

	if (k == 0)
		return (true);
	return (strncmp(e->name, prefix, len) == 0 &&
	    (e->name[len] == ' ' || e->name[len] == '\0') && cmd_nwords(e->name) >= k);
}

const struct cmd_entry *
cmd_lookup(const char *path)
{
	const struct cmd_entry	*e;
	size_t			 i;

	for (i = 0; (e = cmd_at(i)) != NULL; i++)
		if (strcmp(e->name, path) == 0)
			return (e);
	return (NULL);
}

/* List the distinct words at depth k under prefix that start with match into b ("a, b, c"). */
static void
cmd_list_words(struct buf *b, const char *prefix, int k, const char *match)
{
	const struct cmd_entry	*e;
	size_t			 i, off, len;
	char			*seen = xstrdup(" ");

	for (i = 0; (e = cmd_at(i)) != NULL; i++) {
		char	*w, *key;

		if ((e->flags & CMD_HIDDEN) || !cmd_has_prefix(e, prefix, k) ||
		    (len = cmd_word(e->name, k, &off)) == 0 ||
		    strncmp(e->name + off, match, strlen(match)) != 0)
			continue;
		w = xstrndup(e->name + off, len);
		key = xasprintf(" %s ", w);
		if (strstr(seen, key) == NULL) {
			char *n = xasprintf("%s%s ", seen, w);

			free(seen);
			seen = n;
			buf_printf(b, "%s%s", b->len ? ", " : "", w);
		}
		free(key);
		free(w);
	}
	free(seen);
}

const struct cmd_entry *
cmd_find(int argc, char *const *argv, int *nused, struct mc_err *err)
{
	const struct cmd_entry	*e, *exact = NULL;
	struct buf		 path, b;
	int			 k;
	size_t			 i, off, len;

	buf_init(&path);
	for (k = 0; k < argc && argv[k][0] != '-'; k++) {
		const char	*word = argv[k];
		char		*chosen = NULL;
		bool		 ambiguous = false, exact_word = false;

		for (i = 0; (e = cmd_at(i)) != NULL; i++) {
			if (!cmd_has_prefix(e, path.data, k) ||
			    (len = cmd_word(e->name, k, &off)) == 0 ||
			    strncmp(e->name + off, word, strlen(word)) != 0)
				continue;
			if (len == strlen(word)) {
				if (!exact_word) {
					free(chosen);
					chosen = xstrndup(e->name + off, len);
				}
				exact_word = true;
			} else if (!exact_word) {
				if (chosen == NULL)
					chosen = xstrndup(e->name + off, len);
				else if (strlen(chosen) != len ||
				    strncmp(chosen, e->name + off, len) != 0)
					ambiguous = true;
			}
		}
		if (chosen == NULL || (ambiguous && !exact_word)) {
			free(chosen);
			if (cmd_lookup(path.data) != NULL && k > 0)
				break;		/* the path is complete: a positional */
			buf_init(&b);
			cmd_list_words(&b, path.data, k, chosen == NULL ? "" : word);
			if (chosen == NULL && k == 0)
				mc_err_set(err, MC_E_USAGE, "unknown command \"%s\" (commands: %s; see mcpdb help)",
				    word, b.data);
			else if (chosen == NULL)
				mc_err_set(err, MC_E_USAGE, "unknown command \"%s %s\" (one of: %s)",
				    path.data, word, b.data);
			else
				mc_err_set(err, MC_E_USAGE, "\"%s\" is ambiguous (one of: %s)", word, b.data);
			buf_done(&b);
			buf_done(&path);
			return (NULL);
		}
		if (k > 0)
			buf_putc(&path, ' ');
		buf_puts(&path, chosen);
		free(chosen);
	}
	exact = k > 0 ? cmd_lookup(path.data) : NULL;
	if (exact == NULL) {
		buf_init(&b);
		cmd_list_words(&b, path.data, k, "");
		if (k == 0)
			mc_err_set(err, MC_E_USAGE, "no command given (commands: %s; see mcpdb help)", b.data);
		else
			mc_err_set(err, MC_E_USAGE, "\"%s\" needs a subcommand: %s", path.data, b.data);
		buf_done(&b);
		buf_done(&path);
		return (NULL);
	}
	buf_done(&path);
	*nused = k;
	return (exact);
}

/* Find option name (long) or short letter in e's options or the globals. */
static const struct cmd_opt *
cmd_find_opt(const struct cmd_entry *e, const char *name, size_t len, char shortc)
{
	const struct cmd_opt	*sets[2] = { e ? e->opts : NULL, cmd_global_opts };
	const struct cmd_opt	*o;
	int			 s;

	for (s = 0; s < 2; s++) {
		for (o = sets[s]; o != NULL && o->name != NULL; o++) {
			if (shortc != 0 ? o->short_name == shortc :
			    (strlen(o->name) == len && strncmp(o->name, name, len) == 0))
				return (o);
		}
	}
	return (NULL);
}

/* Record one option value. */
static void
cmd_args_add(struct cmd_args *a, const char *name, const char *value)
{
	a->opts = xreallocarray(a->opts, a->nopts + 1, sizeof(*a->opts));
	a->opts[a->nopts].name = name;
	a->opts[a->nopts].value = value;
	a->nopts++;
}

struct cmd_args *
cmd_args_parse(const struct cmd_entry *e, int argc, char *const *argv, struct mc_err *err)
{
	struct cmd_args		*a = xcalloc(1, sizeof(*a));
	const struct cmd_opt	*o;
	const char		*arg, *eq, *val;
	bool			 only_pos = false;
	int			 i;

	a->pos = xcalloc((size_t)argc + 1, sizeof(char *));
	for (i = 0; i < argc; i++) {
		arg = argv[i];
		if (only_pos || arg[0] != '-' || arg[1] == '\0') {
			a->pos[a->npos++] = arg;
			continue;
		}
		if (strcmp(arg, "--") == 0) {
			only_pos = true;
			continue;
		}
		if (arg[1] == '-') {
			eq = strchr(arg + 2, '=');
			o = cmd_find_opt(e, arg + 2, eq ? (size_t)(eq - arg - 2) : strlen(arg + 2), 0);
		} else {
			eq = NULL;
			o = arg[2] == '\0' ? cmd_find_opt(e, NULL, 0, arg[1]) : NULL;
		}
		if (o == NULL) {
			mc_err_set(err, MC_E_USAGE, "unknown option %s%s%s (see mcpdb help%s%s)",
			    arg, e ? " for " : "", e ? e->name : "", e ? " " : "", e ? e->name : "");
			goto fail;
		}
		if (o->arg == NULL) {
			if (eq != NULL) {
				mc_err_set(err, MC_E_USAGE, "option --%s takes no value", o->name);
				goto fail;
			}
			cmd_args_add(a, o->name, NULL);
			continue;
		}
		if (eq != NULL)
			val = eq + 1;
		else if (i + 1 < argc)
			val = argv[++i];
		else {
			mc_err_set(err, MC_E_USAGE, "option --%s needs a value (%s)", o->name, o->arg);
			goto fail;
		}
		cmd_args_add(a, o->name, val);
	}
	if (e != NULL && !cmd_flag(a, "help")) {
		if ((int)a->npos < e->min_args ||
		    (e->max_args >= 0 && (int)a->npos > e->max_args)) {
			mc_err_set(err, MC_E_USAGE, "%s: expected %s%s, got %zu argument%s (usage: mcpdb %s%s%s)",
			    e->name, e->max_args == 0 ? "no arguments" : "",
			    e->max_args == 0 ? "" : (e->args ? e->args : "arguments"),
			    a->npos, a->npos == 1 ? "" : "s", e->name, e->args ? " " : "",
			    e->args ? e->args : "");
			goto fail;
		}
	}
	return (a);
fail:
	cmd_args_free(a);
	return (NULL);
}

void
cmd_args_free(struct cmd_args *a)
{
	if (a == NULL)
		return;
	free(a->pos);
	free(a->opts);
	free(a);
}

size_t
cmd_nargs(const struct cmd_args *a)
{
	return (a->npos);
}

const char *
cmd_arg(const struct cmd_args *a, size_t i)
{
	return (i < a->npos ? a->pos[i] : NULL);
}

bool
cmd_flag(const struct cmd_args *a, const char *name)
{
	size_t	i;

	for (i = 0; i < a->nopts; i++)
		if (strcmp(a->opts[i].name, name) == 0)
			return (true);
	return (false);
}

const char *
cmd_opt(const struct cmd_args *a, const char *name)
{
	const char	*v = NULL;
	size_t		 i;

	for (i = 0; i < a->nopts; i++)
		if (strcmp(a->opts[i].name, name) == 0)
			v = a->opts[i].value;
	return (v);
}

int
cmd_opt_int(const struct cmd_args *a, const char *name, long def, long min,
    long max, long *out, struct mc_err *err)
{
	const char	*v = cmd_opt(a, name);
	char		*end;
	long		 n;

	if (v == NULL) {
		*out = def;
		return (0);
	}
	errno = 0;
	n = strtol(v, &end, 10);
	if (errno != 0 || end == v || *end != '\0' || n < min || n > max)
		return (mc_err_set(err, MC_E_USAGE, "--%s: expected an integer %ld..%ld, got \"%s\"",
		    name, min, max, v));
	*out = n;
	return (0);
}

int
cmd_check_writable(struct cmd_ctx *ctx, const char *what, struct mc_err *err)
{
	if (ctx->target != NULL && ctx->target->read_only)
		return (mc_err_set(err, MC_E_REFUSED,
		    "target %s is read-only: refusing to %s (remove \"read_only\" from its configuration to allow writes)",
		    ctx->target->name, what));
	return (0);
}

/*
 * The --confirm rule, for every command on every target: a name given must be
 * the selected target's, or it is a usage error (never silently ignored).
 */
static int
cmd_check_confirm_name(const struct cmd_entry *e, const struct cmd_ctx *ctx,
    struct mc_err *err)
{
	const struct conf_target	*t = ctx->target;

	if (ctx->confirm_name == NULL)
		return (0);
	if (t == NULL || t->name == NULL)
		return (mc_err_set(err, MC_E_USAGE,
		    "--confirm %s: \"%s\" works on no named target, so there is "
		    "no name to confirm; leave --confirm out (nothing was done)",
		    ctx->confirm_name, e->name));
	if (strcmp(ctx->confirm_name, t->name) != 0)
		return (mc_err_set(err, MC_E_USAGE,
		    "--confirm %s does not match the selected target's name: "
		    "expected --confirm %s (nothing was done)",
		    ctx->confirm_name, t->name));
	return (0);
}

/*
 * What a write is about to do, for the protected-target prompt: the command,
 * its first argument and its own options (later arguments, such as a Redis
 * value, are not echoed). Caller frees.
 */
static char *
cmd_describe(const struct cmd_entry *e, const struct cmd_args *a)
{
	const struct cmd_opt	*o;
	struct buf		 b;
	size_t			 i;

	buf_init(&b);
	buf_printf(&b, "run \"%s", e->name);
	if (a->npos > 0)
		buf_printf(&b, " %.60s%s", a->pos[0],
		    a->npos > 1 ? " ..." : "");
	for (i = 0; i < a->nopts; i++) {
		for (o = e->opts; o != NULL && o->name != NULL; o++)
			if (strcmp(o->name, a->opts[i].name) == 0)
				break;
		if (o == NULL || o->name == NULL)
			continue;	/* a global option */
		buf_printf(&b, " --%s", o->name);
		if (a->opts[i].value != NULL)
			buf_printf(&b, " %.60s", a->opts[i].value);
	}
	buf_printf(&b, "\" (%s)", e->summary ? e->summary : "writes");
	return (buf_detach(&b));
}

/*
 * The protected-target rule, driven by the entry's flags: every command that
 * writes (CMD_WRITES or CMD_DESTRUCTIVE) needs the target's name, typed at the
 * prompt or given with --confirm, before it runs; --yes is not enough. A
 * --dry-run (which rolls back) needs none. Sets ctx->confirmed.
 */
static int
cmd_guard_protected(const struct cmd_entry *e, struct cmd_ctx *ctx,
    const struct cmd_args *a, struct mc_err *err)
{
	const struct conf_target	*t = ctx->target;
	char				*what;
	int				 rc;

	if (t == NULL || !t->protected_ ||
	    !(e->flags & (CMD_WRITES | CMD_DESTRUCTIVE)))
		return (0);
	if (cmd_flag(a, "dry-run"))
		return (0);
	what = cmd_describe(e, a);
	rc = cmd_confirm_protected(ctx, what, err);
	free(what);
	return (rc);
}

int
cmd_run(const struct cmd_entry *e, struct cmd_ctx *ctx, const struct cmd_args *a,
    struct mc_err *err)
{
	ctx->confirmed = false;
	if (cmd_check_confirm_name(e, ctx, err) != 0)
		return (-1);
	if ((e->flags & CMD_WRITES) && cmd_check_writable(ctx, e->name, err) != 0)
		return (-1);
	if (cmd_guard_protected(e, ctx, a, err) != 0)
		return (-1);
	return (e->exec(ctx, a, err));
}

int
cmd_confirm_protected(struct cmd_ctx *ctx, const char *what, struct mc_err *err)
{
	const struct conf_target	*t = ctx->target;
	char				 answer[256], *prompt;
	int				 r;

	if (ctx->confirmed)
		return (0);
	if (t == NULL || t->name == NULL)
		return (mc_err_set(err, MC_E_INTERNAL,
		    "protected target without a name"));
	if (ctx->confirm_name != NULL &&
	    strcmp(ctx->confirm_name, t->name) == 0) {
		ctx->confirmed = true;
		return (0);
	}
	if (ctx->confirm_name != NULL)
		return (mc_err_set(err, MC_E_USAGE,
		    "--confirm %s does not match the protected target's name: "
		    "expected --confirm %s (nothing was changed)",
		    ctx->confirm_name, t->name));
	if (ctx->ask == NULL)
		return (mc_err_set(err, MC_E_REFUSED,
		    "target %s is protected: to %s, type its name at the prompt "
		    "(run on a terminal) or pass --confirm %s; %snothing was changed",
		    t->name, what, t->name,
		    ctx->yes ? "--yes alone is not enough; " : ""));
	prompt = xasprintf("Target %s is PROTECTED. About to %s.\nType the target name to continue: ",
	    t->name, what);
	r = ctx->ask(ctx->ask_arg, prompt, answer, sizeof(answer));
	free(prompt);
	if (r != 0)
		return (mc_err_set(err, MC_E_REFUSED,
		    "target %s is protected and no answer could be read; nothing was changed", t->name));
	if (strcmp(answer, t->name) != 0)
		return (mc_err_set(err, MC_E_REFUSED,
		    "the name typed does not match target %s; nothing was changed", t->name));
	ctx->confirmed = true;
	return (0);
}

int
cmd_confirm(struct cmd_ctx *ctx, const char *what, struct mc_err *err)
{
	const struct conf_target	*t = ctx->target;
	char				 answer[256], *prompt;
	int				 r;

	if (t != NULL && t->protected_)
		return (cmd_confirm_protected(ctx, what, err));
	/* A right --confirm NAME answers as --yes (cmd_run refused a wrong one). */
	if (ctx->yes || (ctx->confirm_name != NULL && t != NULL &&
	    t->name != NULL && strcmp(ctx->confirm_name, t->name) == 0))
		return (0);
	if (ctx->ask == NULL)
		return (mc_err_set(err, MC_E_REFUSED,
		    "about to %s: confirmation needed and no terminal to ask; re-run with --yes", what));
	prompt = xasprintf("About to %s%s%s. Continue? [y/N] ", what,
	    t ? " on target " : "", t ? t->name : "");
	r = ctx->ask(ctx->ask_arg, prompt, answer, sizeof(answer));
	free(prompt);
	if (r != 0 || (strcmp(answer, "y") != 0 && strcmp(answer, "Y") != 0 &&
	    strcmp(answer, "yes") != 0))
		return (mc_err_set(err, MC_E_REFUSED, "declined; nothing was changed"));
	return (0);
}

bool
cmd_wait(struct cmd_ctx *ctx, long ms)
{
	long	t;

	for (t = 0; t < ms && !*ctx->stop; t += 100)
		usleep(100 * 1000);
	return (*ctx->stop != 0);
}

struct conn *
cmd_conn(struct cmd_ctx *ctx, struct mc_err *err)
{
	if (ctx->target == NULL) {
		mc_err_set(err, MC_E_INTERNAL, "no target selected");
		return (NULL);
	}
	if (ctx->conn == NULL)
		ctx->conn = conn_new(ctx->target, ctx->log, "cli");
	return (ctx->conn);
}

struct conn *
cmd_conn_read(struct cmd_ctx *ctx, struct mc_err *err)
{
	if (ctx->target == NULL || ctx->target->pg_read == NULL)
		return (cmd_conn(ctx, err));
	if (ctx->read_conn == NULL) {
		ctx->read_target = *ctx->target;
		ctx->read_target.pg = ctx->target->pg_read;
		ctx->read_target.pg_read = NULL;
		ctx->read_conn = conn_new(&ctx->read_target, ctx->log,
		    "cli-read");
	}
	return (ctx->read_conn);
}

/* ---------------------------------------------------------------- help */

/* Append "[--opt ARG] ..." usage of e's options to b. */
static void
cmd_usage(struct buf *b, const struct cmd_entry *e)
{
	const struct cmd_opt	*o;

	buf_printf(b, "mcpdb %s", e->name);
	for (o = e->opts; o != NULL && o->name != NULL; o++) {
		if (o->arg != NULL)
			buf_printf(b, " [--%s %s]", o->name, o->arg);
		else
			buf_printf(b, " [--%s]", o->name);
	}
	if (e->args != NULL)
		buf_printf(b, " %s", e->args);
}

/* One option as a JSON object (name, short, arg, help). */
static cJSON *
cmd_opt_json(const struct cmd_opt *o)
{
	cJSON	*j = cJSON_CreateObject();
	char	 sh[2] = { o->short_name, '\0' };

	cJSON_AddStringToObject(j, "name", o->name);
	if (o->short_name != 0)
		cJSON_AddStringToObject(j, "short", sh);
	if (o->arg != NULL)
		cJSON_AddStringToObject(j, "arg", o->arg);
	cJSON_AddStringToObject(j, "help", o->help);
	return (j);
}

/* cmd_help_all under --json: one document listing the commands. */
static void
cmd_help_all_json(struct out *out, const char *prefix)
{
	const struct cmd_entry	*e;
	const struct cmd_opt	*o;
	cJSON			*doc = cJSON_CreateObject();
	cJSON			*cmds = cJSON_AddArrayToObject(doc, "commands");
	size_t			 i, plen = prefix ? strlen(prefix) : 0;
	struct buf		 b;

	for (i = 0; (e = cmd_at(i)) != NULL; i++) {
		cJSON	*j;

		if ((e->flags & CMD_HIDDEN) ||
		    strncmp(e->name, prefix ? prefix : "", plen) != 0)
			continue;
		j = cJSON_CreateObject();
		buf_init(&b);
		cmd_usage(&b, e);
		cJSON_AddStringToObject(j, "name", e->name);
		cJSON_AddStringToObject(j, "summary", e->summary);
		cJSON_AddStringToObject(j, "usage", b.data);
		buf_done(&b);
		cJSON_AddItemToArray(cmds, j);
	}
	if (plen == 0) {
		cJSON	*g = cJSON_AddArrayToObject(doc, "global_options");

		for (o = cmd_global_opts; o->name != NULL; o++)
			cJSON_AddItemToArray(g, cmd_opt_json(o));
	}
	out_doc(out, doc);
}

void
cmd_help_all(struct out *out, const char *prefix)
{
	const struct cmd_entry	*e;
	struct buf		 b;
	size_t			 i, w = 0, plen = prefix ? strlen(prefix) : 0;

	if (out_is_json(out)) {
		cmd_help_all_json(out, prefix);
		return;
	}
	for (i = 0; (e = cmd_at(i)) != NULL; i++)
		if (!(e->flags & CMD_HIDDEN) && strlen(e->name) > w)
			w = strlen(e->name);
	buf_init(&b);
	if (plen == 0)
		buf_puts(&b, "usage: mcpdb [global options] COMMAND [options] [ARGS]\n"
		    "       mcpdb            (on a terminal: the interactive shell)\n\nCommands:\n");
	for (i = 0; (e = cmd_at(i)) != NULL; i++) {
		if ((e->flags & CMD_HIDDEN) || strncmp(e->name, prefix ? prefix : "", plen) != 0)
			continue;
		buf_printf(&b, "  %-*s  %s\n", (int)w, e->name, e->summary);
	}
	if (plen == 0) {
		const struct cmd_opt	*o;

		buf_puts(&b, "\nGlobal options:\n");
		for (o = cmd_global_opts; o->name != NULL; o++) {
			char	*flag = xasprintf("%s%c%s--%s%s%s", o->short_name ? "-" : "",
			    o->short_name ? o->short_name : ' ', o->short_name ? ", " : "  ",
			    o->name, o->arg ? " " : "", o->arg ? o->arg : "");

			buf_printf(&b, "  %-24s %s\n", o->short_name ? flag : flag + 1, o->help);
			free(flag);
		}
		buf_puts(&b, "\nExit status: 0 ok, 1 failure, 2 usage or configuration error,\n"
		    "3 attention needed (pending migrations, unhealthy server).\n"
		    "Run \"mcpdb help COMMAND\" for a command's options.\n");
	}
	out_printf(out, "%s", b.data);
	buf_done(&b);
}

bool
cmd_help_family(struct out *out, int n, char *const *words)
{
	const struct cmd_entry	*e;
	struct buf		 pfx;
	size_t			 i;
	int			 k;
	bool			 found = false;

	buf_init(&pfx);
	for (k = 0; k < n && words[k][0] != '-'; k++)
		buf_printf(&pfx, "%s ", words[k]);
	for (i = 0; k > 0 && (e = cmd_at(i)) != NULL && !found; i++)
		found = strncmp(e->name, pfx.data, pfx.len) == 0;
	if (found)
		cmd_help_all(out, pfx.data);
	buf_done(&pfx);
	return (found);
}

void
cmd_help_one(struct out *out, const struct cmd_entry *e)
{
	const struct cmd_opt	*o;
	struct buf		 b;

	buf_init(&b);
	if (out_is_json(out)) {
		cJSON	*doc = cJSON_CreateObject(), *opts;

		cmd_usage(&b, e);
		cJSON_AddStringToObject(doc, "command", e->name);
		cJSON_AddStringToObject(doc, "usage", b.data);
		cJSON_AddStringToObject(doc, "summary", e->summary);
		if (e->help != NULL)
			cJSON_AddStringToObject(doc, "help", e->help);
		opts = cJSON_AddArrayToObject(doc, "options");
		for (o = e->opts; o != NULL && o->name != NULL; o++)
			cJSON_AddItemToArray(opts, cmd_opt_json(o));
		cJSON_AddBoolToObject(doc, "writes",
		    (e->flags & CMD_WRITES) != 0);
		cJSON_AddBoolToObject(doc, "asks_first",
		    (e->flags & CMD_DESTRUCTIVE) != 0);
		buf_done(&b);
		out_doc(out, doc);
		return;
	}
	buf_puts(&b, "usage: ");
	cmd_usage(&b, e);
	buf_printf(&b, "\n\n%s\n", e->summary);
	if (e->help != NULL)
		buf_printf(&b, "\n%s\n", e->help);
	if (e->opts != NULL && e->opts[0].name != NULL) {
		buf_puts(&b, "\nOptions:\n");
		for (o = e->opts; o->name != NULL; o++) {
			char	*flag = xasprintf("--%s%s%s", o->name, o->arg ? " " : "",
			    o->arg ? o->arg : "");

			buf_printf(&b, "  %-22s %s\n", flag, o->help);
			free(flag);
		}
	}
	if (e->flags & (CMD_WRITES | CMD_DESTRUCTIVE))
		buf_printf(&b, "\n%s%s\n", (e->flags & CMD_WRITES) ?
		    "Refused on read-only targets. " : "",
		    (e->flags & CMD_DESTRUCTIVE) ?
		    "Asks for confirmation; on protected targets the target's "
		    "name must be typed (or --confirm NAME)." :
		    "On protected targets the target's name must be typed "
		    "(or --confirm NAME); --yes is not enough.");
	out_printf(out, "%s", b.data);
	buf_done(&b);
}

/* ---------------------------------------------------------------- completion */

/* Offer every option of e (and the globals) that starts with partial. */
static void
cmd_complete_opts(const struct cmd_entry *e, const char *partial,
    void (*add)(void *, const char *), void *arg)
{
	const struct cmd_opt	*sets[2] = { e ? e->opts : NULL, cmd_global_opts };
	const struct cmd_opt	*o;
	int			 s;

	for (s = 0; s < 2; s++) {
		for (o = sets[s]; o != NULL && o->name != NULL; o++) {
			char	*flag = xasprintf("--%s", o->name);

			if (strncmp(flag, partial, strlen(partial)) == 0)
				add(arg, flag);
			free(flag);
		}
	}
}

/* Filter for dynamic names: pass only those starting with the partial word. */
struct cmd_filter {
	const char	*partial;
	void		(*add)(void *, const char *);
	void		*arg;
};

/* Forward name to the real sink if it matches the partial word. */
static void
cmd_filter_add(void *p, const char *name)
{
	struct cmd_filter	*f = p;

	if (strncmp(name, f->partial, strlen(f->partial)) == 0)
		f->add(f->arg, name);
}

void
cmd_complete(int nwords, char *const *words, void (*add)(void *, const char *),
    void *arg, void (*names)(void *, enum cmd_complete, void (*)(void *, const char *), void *),
    void *names_arg)
{
	const struct cmd_entry	*e = NULL, *c;
	const struct cmd_opt	*o;
	struct cmd_filter	 f;
	struct buf		 path;
	const char		*partial = nwords > 0 ? words[nwords - 1] : "";
	enum cmd_complete	 kind = CC_NONE;
	int			 i, k = 0;
	size_t			 j, off, len;

	/* The complete words that are not options or option values. */
	buf_init(&path);
	{
		char	**plain = xcalloc((size_t)nwords + 1, sizeof(char *));
		int	  np = 0, used = 0;
		struct mc_err err;

		for (i = 0; i < nwords - 1; i++) {
			if (words[i][0] == '-') {
				const char *w = words[i] + (words[i][1] == '-' ? 2 : 1);

				o = words[i][1] == '-' ? cmd_find_opt(NULL, w, strlen(w), 0) :
				    cmd_find_opt(NULL, NULL, 0, w[0]);
				if (o != NULL && o->arg != NULL && strchr(w, '=') == NULL)
					i++;	/* skip a global option's value */
				continue;
			}
			plain[np++] = words[i];
		}
		if (np > 0 && (e = cmd_find(np, plain, &used, &err)) != NULL) {
			buf_puts(&path, e->name);
			k = cmd_nwords(e->name);
		} else {
			for (i = 0; i < np; i++)
				buf_printf(&path, "%s%s", i ? " " : "", plain[i]);
			k = np;
			e = NULL;
		}
		free(plain);
	}
	f.partial = partial;
	f.add = add;
	f.arg = arg;
	/* An option value (--name VALUE, or -t VALUE)? */
	if (nwords >= 2 && words[nwords - 2][0] == '-' &&
	    (words[nwords - 2][1] == '-' || (words[nwords - 2][1] != '\0' &&
	    words[nwords - 2][2] == '\0'))) {
		const char *w = words[nwords - 2] + 2;

		o = words[nwords - 2][1] == '-' ?
		    cmd_find_opt(e, w, strlen(w), 0) :
		    cmd_find_opt(e, NULL, 0, words[nwords - 2][1]);
		if (o != NULL && o->arg != NULL) {
			if (names != NULL && o->complete != CC_NONE)
				names(names_arg, o->complete, cmd_filter_add, &f);
			buf_done(&path);
			return;
		}
	}
	if (partial[0] == '-') {
		cmd_complete_opts(e, partial, add, arg);
		buf_done(&path);
		return;
	}
	/* The next word of a command path. */
	{
		char	*seen = xstrdup(" ");

		for (j = 0; (c = cmd_at(j)) != NULL; j++) {
			char	*w, *key;

			if ((c->flags & CMD_HIDDEN) || !cmd_has_prefix(c, path.data, k) ||
			    (len = cmd_word(c->name, k, &off)) == 0 ||
			    strncmp(c->name + off, partial, strlen(partial)) != 0)
				continue;
			w = xstrndup(c->name + off, len);
			key = xasprintf(" %s ", w);
			if (strstr(seen, key) == NULL) {
				char *n = xasprintf("%s%s ", seen, w);

				free(seen);
				seen = n;
				add(arg, w);
			}
			free(key);
			free(w);
		}
		free(seen);
	}
	if (e != NULL)
		kind = e->complete;
	if (kind == CC_COMMAND) {
		/* help COMMAND: offer top-level command words */
		char	*seen = xstrdup(" ");

		for (j = 0; (c = cmd_at(j)) != NULL; j++) {
			char	*w, *key;

			len = cmd_word(c->name, 0, &off);
			if ((c->flags & CMD_HIDDEN) || strncmp(c->name, partial, strlen(partial)) != 0)
				continue;
			w = xstrndup(c->name, len);
			key = xasprintf(" %s ", w);
			if (strstr(seen, key) == NULL) {
				char *n = xasprintf("%s%s ", seen, w);

				free(seen);
				seen = n;
				add(arg, w);
			}
			free(key);
			free(w);
		}
		free(seen);
	} else if (kind != CC_NONE && names != NULL)
		names(names_arg, kind, cmd_filter_add, &f);
	buf_done(&path);
}
