/* t-cmd.c - unit tests for the command table: lookup, options, help, completion, man page. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "cmd.h"
#include "tap.h"
#include "xmem.h"

/* Collect completion candidates as " a b c ". */
static void
collect(void *arg, const char *s)
{
	buf_printf(arg, "%s ", s);
}

/* Dynamic names for completion: two targets. */
static void
names(void *arg, enum cmd_complete kind, void (*add)(void *, const char *), void *a)
{
	if (kind == CC_TARGET) {
		add(a, "prod");
		add(a, "staging");
	}
}

/* Completion candidates for a line split on spaces (a trailing space = new word). */
static char *
complete(const char *line)
{
	char		*copy = xstrdup(line), *words[32], *p, *sp;
	int		 n = 0;
	struct buf	 b;

	for (p = copy; (sp = strchr(p, ' ')) != NULL && n < 31; p = sp + 1) {
		*sp = '\0';
		words[n++] = p;
	}
	words[n++] = p;
	buf_init(&b);
	buf_putc(&b, ' ');
	cmd_complete(n, words, collect, &b, names, NULL);
	free(copy);
	return (buf_detach(&b));
}

/* Capture output lines. */
static void
lines(void *arg, const char *line)
{
	buf_printf(arg, "%s\n", line);
}

/* A scripted operator: answers with the string in arg, counts questions. */
static int	asked;
static int
ask(void *arg, const char *prompt, char *answer, size_t len)
{
	asked++;
	snprintf(answer, len, "%s", (const char *)arg);
	return (0);
}

/* Exercise cmd_confirm and cmd_check_writable on a target. */
static void
confirm_tests(void)
{
	struct conf_target	t;
	struct cmd_ctx		ctx;
	struct mc_err		err;

	memset(&t, 0, sizeof(t));
	memset(&ctx, 0, sizeof(ctx));
	t.name = "prod";
	ctx.target = &t;
	ok(cmd_confirm(&ctx, "drop it", &err) == -1, "unprotected, no --yes, no terminal: refused");
	like(err.msg, "re-run with --yes", "says how to confirm from a script");
	ctx.yes = true;
	ok(cmd_confirm(&ctx, "drop it", &err) == 0, "unprotected + --yes: allowed");
	ctx.yes = false;
	ctx.ask = ask;
	ctx.ask_arg = "y";
	asked = 0;
	ok(cmd_confirm(&ctx, "drop it", &err) == 0 && asked == 1, "unprotected: a 'y' answer allows");
	ctx.ask_arg = "n";
	ok(cmd_confirm(&ctx, "drop it", &err) == -1 && err.code == MC_E_REFUSED, "unprotected: 'n' refuses");
	like(err.msg, "nothing was changed", "refusal says nothing changed");

	t.protected_ = true;
	ctx.yes = true;
	ctx.ask = NULL;
	ok(cmd_confirm(&ctx, "roll back 1 migration", &err) == -1, "protected + --yes without a terminal: refused");
	like(err.msg, "--yes alone is not enough", "explains why --yes is not enough");
	ctx.confirm_name = "prod";
	ok(cmd_confirm(&ctx, "roll back", &err) == 0, "protected + --confirm NAME: allowed");
	ctx.confirmed = false;
	ctx.confirm_name = "prdo";
	ok(cmd_confirm(&ctx, "roll back", &err) == -1, "protected + wrong --confirm: refused");
	is_int(mc_err_exit_status(&err), 2, "a wrong --confirm is a usage error (exit 2)");
	ctx.confirm_name = NULL;
	ctx.ask = ask;
	ctx.ask_arg = "y";
	ok(cmd_confirm(&ctx, "roll back", &err) == -1, "protected: 'y' is not the name");
	like(err.msg, "does not match target prod", "mismatch is explained");
	ctx.ask_arg = "prod";
	ok(cmd_confirm(&ctx, "roll back", &err) == 0, "protected: typing the name allows");

	ok(cmd_check_writable(&ctx, "apply migrations", &err) == 0, "writable target passes");
	t.read_only = true;
	ok(cmd_check_writable(&ctx, "apply migrations", &err) == -1, "read-only target refuses writes");
	like(err.msg, "target prod is read-only: refusing to apply migrations", "read-only message");
}

/* A fake command's handler: counts runs; a destructive one also confirms. */
static int	ran;
static int
fake_exec(struct cmd_ctx *ctx, const struct cmd_args *a, struct mc_err *err)
{
	(void)a;
	ran++;
	return (ctx->yes || ctx->confirm_name != NULL || ctx->confirmed ?
	    cmd_confirm(ctx, "destroy", err) : 0);
}

static const struct cmd_opt fake_opts[] = {
	{ "dry-run", 0, NULL, "roll back", CC_NONE },
	{ "mode", 0, "MODE", "how", CC_NONE },
	{ NULL, 0, NULL, NULL, CC_NONE },
};
static const struct cmd_entry fake_write = {
	.name = "fake write", .args = "KEY VALUE", .summary = "overwrite KEY", .opts = fake_opts,
	.min_args = 0, .max_args = 2, .flags = CMD_NEEDS_TARGET | CMD_WRITES, .exec = fake_exec,
};
static const struct cmd_entry fake_read = {
	.name = "fake read", .summary = "look", .min_args = 0, .max_args = 0,
	.flags = CMD_NEEDS_TARGET, .exec = fake_exec,
};

/* cmd_run with words parsed against e; returns its status, counts in ran. */
static int
run(const struct cmd_entry *e, struct cmd_ctx *ctx, const char *w1, const char *w2,
    const char *w3, struct mc_err *err)
{
	char		*argv[4] = { (char *)w1, (char *)w2, (char *)w3, NULL };
	int		 argc = w3 ? 3 : w2 ? 2 : w1 ? 1 : 0, st;
	struct cmd_args	*a = cmd_args_parse(e, argc, argv, err);

	if (a == NULL)
		return (-2);
	memset(err, 0, sizeof(*err));
	st = cmd_run(e, ctx, a, err);
	cmd_args_free(a);
	return (st);
}

/* The rules cmd_run applies to every command, from the entry's flags. */
static void
guard_tests(void)
{
	struct conf_target	 t;
	struct cmd_ctx		 ctx;
	struct mc_err		 err;
	const struct cmd_entry	*e;
	struct cmd_args		*a;
	char			*argv[3] = { "x", "y", NULL };
	size_t			 i;
	bool			 all = true;
	int			 n = 0;

	memset(&t, 0, sizeof(t));
	memset(&ctx, 0, sizeof(ctx));
	t.name = "prod";
	t.protected_ = true;
	ctx.target = &t;

	ran = 0;
	ok(run(&fake_write, &ctx, "k", "v", NULL, &err) == -1 && ran == 0 &&
	    err.code == MC_E_REFUSED, "protected write, no flag, no terminal: refused before it runs");
	like(err.msg, "pass --confirm prod", "the refusal names --confirm NAME");
	ctx.yes = true;
	ok(run(&fake_write, &ctx, "k", "v", NULL, &err) == -1 && ran == 0 &&
	    err.code == MC_E_REFUSED, "protected write + --yes: refused");
	like(err.msg, "--yes alone is not enough", "says --yes is not enough");
	ctx.yes = false;
	ctx.confirm_name = "staging";
	ok(run(&fake_write, &ctx, "k", "v", NULL, &err) == -1 && ran == 0 &&
	    mc_err_exit_status(&err) == 2, "protected write + wrong --confirm: usage error");
	like(err.msg, "--confirm staging does not match", "names the name given");
	like(err.msg, "expected --confirm prod", "names the name expected");
	ctx.confirm_name = "prod";
	ok(run(&fake_write, &ctx, "k", "v", NULL, &err) == 0 && ran == 1 && ctx.confirmed,
	    "protected write + --confirm prod: runs (and its own confirmation passes)");
	ctx.confirm_name = NULL;
	ran = 0;
	ok(run(&fake_write, &ctx, "--dry-run", NULL, NULL, &err) == 0 && ran == 1,
	    "protected --dry-run (rolled back) needs no name");
	ok(run(&fake_read, &ctx, NULL, NULL, NULL, &err) == 0 && ran == 2,
	    "protected read-only command needs no name");

	/* On a terminal: the name is asked once, before the command runs. */
	ctx.ask = ask;
	ctx.ask_arg = "y";
	ran = asked = 0;
	ok(run(&fake_write, &ctx, "k", "secret-value", "--mode=upsert", &err) == -1 && ran == 0 &&
	    asked == 1, "protected write on a terminal: 'y' is not the name");
	ctx.ask_arg = "prod";
	ctx.yes = true;
	ok(run(&fake_write, &ctx, "k", "v", NULL, &err) == 0 && ran == 1 && asked == 2,
	    "typing the name runs it, asked once (its own confirmation does not ask again)");
	ctx.yes = false;
	ctx.ask = NULL;

	/* A wrong --confirm is an error everywhere. */
	ctx.confirm_name = "prdo";
	ran = 0;
	ok(run(&fake_read, &ctx, NULL, NULL, NULL, &err) == -1 && ran == 0 &&
	    mc_err_exit_status(&err) == 2, "wrong --confirm on a read-only command: exit 2");
	t.protected_ = false;
	ok(run(&fake_write, &ctx, "k", "v", NULL, &err) == -1 && ran == 0 &&
	    mc_err_exit_status(&err) == 2, "wrong --confirm on an unprotected target: exit 2");
	t.read_only = true;
	ok(run(&fake_read, &ctx, NULL, NULL, NULL, &err) == -1 && ran == 0 &&
	    mc_err_exit_status(&err) == 2, "wrong --confirm on a read_only target: exit 2");
	t.read_only = false;
	ctx.target = NULL;
	ok(run(&fake_read, &ctx, NULL, NULL, NULL, &err) == -1 && ran == 0 &&
	    mc_err_exit_status(&err) == 2, "--confirm on a command without a target: exit 2");
	ctx.target = &t;
	ctx.confirm_name = "prod";
	ok(run(&fake_write, &ctx, "k", "v", NULL, &err) == 0 && ran == 1,
	    "unprotected: a right --confirm answers the confirmation like --yes");
	ctx.confirm_name = NULL;

	/*
	 * Every writing command of the real table, on a protected target without
	 * a terminal and with --yes: refused before its handler runs (the target
	 * points nowhere, so a handler that ran would fail differently).
	 */
	t.protected_ = true;
	t.pg = "host=/nonexistent/mcpdb-t-cmd dbname=none connect_timeout=1";
	t.redis = "/nonexistent/mcpdb-t-cmd.sock";
	ctx.yes = true;
	for (i = 0; (e = cmd_at(i)) != NULL; i++) {
		if (!(e->flags & (CMD_WRITES | CMD_DESTRUCTIVE)))
			continue;
		n++;
		a = cmd_args_parse(e, e->min_args, argv, &err);
		if (a == NULL) {
			diag("%s: cannot parse %d arguments: %s", e->name, e->min_args, err.msg);
			all = false;
			continue;
		}
		memset(&err, 0, sizeof(err));
		if (cmd_run(e, &ctx, a, &err) != -1 || err.code != MC_E_REFUSED ||
		    strstr(err.msg, "is protected") == NULL) {
			diag("%s on a protected target with --yes: %s", e->name, err.msg);
			all = false;
		}
		cmd_args_free(a);
	}
	ok(all && n >= 9, "all %d writing commands of the table refuse --yes on a protected target", n);
}

int
main(void)
{
	const struct cmd_entry	*e;
	struct cmd_args		*a;
	struct mc_err		 err;
	struct out		*o;
	struct buf		 b;
	char			*argv[8], *s, *man = NULL;
	int			 used;
	long			 n;
	size_t			 i;
	FILE			*fp;
	const char		*srcdir = getenv("MCPDB_SRCDIR");

	argv[0] = "help";
	e = cmd_find(1, argv, &used, &err);
	ok(e != NULL && strcmp(e->name, "help") == 0 && used == 1, "exact lookup");
	argv[0] = "hel";
	e = cmd_find(1, argv, &used, &err);
	ok(e != NULL && strcmp(e->name, "help") == 0, "unique prefix finds help");
	argv[0] = "he";
	ok(cmd_find(1, argv, &used, &err) == NULL, "an ambiguous prefix is refused");
	like(err.msg, "\"he\" is ambiguous (one of: help, health)", "ambiguity lists the candidates");
	argv[0] = "demo"; argv[1] = "st"; argv[2] = "extra";
	e = cmd_find(3, argv, &used, &err);
	ok(e != NULL && strcmp(e->name, "demo status") == 0 && used == 2,
	    "two-word prefix lookup stops at positionals");
	argv[0] = "nosuch";
	ok(cmd_find(1, argv, &used, &err) == NULL, "unknown command fails");
	like(err.msg, "unknown command \"nosuch\"", "error names the word");
	is_int(err.code, MC_E_USAGE, "usage error code");
	argv[0] = "demo";
	ok(cmd_find(1, argv, &used, &err) == NULL, "family without subcommand fails");
	like(err.msg, "needs a subcommand: up, down, status", "lists the subcommands");
	argv[0] = "demo"; argv[1] = "xyz";
	ok(cmd_find(2, argv, &used, &err) == NULL, "unknown subcommand fails");
	like(err.msg, "one of: up, down, status", "lists the alternatives");
	argv[0] = "d";
	e = cmd_find(1, argv, &used, &err);
	ok(e == NULL || strcmp(e->name, "demo up") != 0, "a prefix never silently picks a subcommand");

	/* options */
	e = cmd_lookup("demo down");
	argv[0] = "--dir=/x"; argv[1] = "--purge"; argv[2] = "--json"; argv[3] = "-y";
	a = cmd_args_parse(e, 4, argv, &err);
	ok(a != NULL, "options parse: %s", a ? "" : err.msg);
	is_str(cmd_opt(a, "dir"), "/x", "--name=value");
	ok(cmd_flag(a, "purge") && cmd_flag(a, "json") && cmd_flag(a, "yes"),
	    "boolean, global and short flags");
	cmd_args_free(a);
	argv[0] = "--dir"; argv[1] = "/y"; argv[2] = "--target"; argv[3] = "prod";
	a = cmd_args_parse(e, 4, argv, &err);
	ok(a != NULL && strcmp(cmd_opt(a, "dir"), "/y") == 0 &&
	    strcmp(cmd_opt(a, "target"), "prod") == 0, "--name value, global anywhere");
	cmd_args_free(a);
	argv[0] = "--bogus";
	ok(cmd_args_parse(e, 1, argv, &err) == NULL, "unknown option refused");
	like(err.msg, "unknown option --bogus for demo down", "error names option and command");
	argv[0] = "--dir";
	ok(cmd_args_parse(e, 1, argv, &err) == NULL, "missing option value refused");
	like(err.msg, "--dir needs a value", "error says which");
	argv[0] = "--purge=1";
	ok(cmd_args_parse(e, 1, argv, &err) == NULL, "value for a flag refused");
	argv[0] = "extra";
	ok(cmd_args_parse(e, 1, argv, &err) == NULL, "too many positionals refused");
	like(err.msg, "expected no arguments, got 1 argument", "count error is precise");
	e = cmd_lookup("help");
	argv[0] = "--"; argv[1] = "--not-an-option";
	a = cmd_args_parse(e, 2, argv, &err);
	ok(a != NULL && cmd_nargs(a) == 1 && strcmp(cmd_arg(a, 0), "--not-an-option") == 0,
	    "-- ends options");
	cmd_args_free(a);
	argv[0] = "--dir"; argv[1] = "12";
	a = cmd_args_parse(cmd_lookup("demo up"), 2, argv, &err);
	ok(cmd_opt_int(a, "dir", 0, 1, 10, &n, &err) == -1, "integer range enforced");
	like(err.msg, "--dir: expected an integer 1..10, got \"12\"", "integer error names option and range");
	ok(cmd_opt_int(a, "missing", 7, 1, 10, &n, &err) == 0 && n == 7, "integer default");
	cmd_args_free(a);

	/* help */
	buf_init(&b);
	o = out_new_lines(lines, &b, false);
	cmd_help_all(o, NULL);
	out_free(o);
	like(b.data, "demo status", "help lists every command");
	like(b.data, "Exit status: 0 ok, 1 failure, 2 usage", "help documents exit codes");
	like(b.data, "--confirm NAME", "help lists global options");
	buf_reset(&b);
	o = out_new_lines(lines, &b, false);
	cmd_help_one(o, cmd_lookup("demo down"));
	out_free(o);
	like(b.data, "usage: mcpdb demo down [--dir DIR] [--purge]", "command usage generated from the table");
	buf_done(&b);

	/* completion */
	s = complete("de");
	is_str(s, " demo ", "completes a command word");
	free(s);
	s = complete("demo ");
	is_str(s, " up down status ", "completes subcommands");
	free(s);
	s = complete("demo down --pu");
	is_str(s, " --purge ", "completes a command's options");
	free(s);
	s = complete("demo up --target ");
	is_str(s, " prod staging ", "completes option values (targets)");
	free(s);
	s = complete("--target st");
	is_str(s, " staging ", "completes a leading global option value");
	free(s);
	s = complete("help de");
	is_str(s, " demo ", "help completes command names");
	free(s);

	confirm_tests();
	guard_tests();

	/* the man page documents every command */
	if (srcdir != NULL) {
		char	*path = xasprintf("%s/doc/mcpdb.1", srcdir);

		if ((fp = fopen(path, "r")) != NULL) {
			buf_init(&b);
			char	 chunk[4096];
			size_t	 r;

			while ((r = fread(chunk, 1, sizeof(chunk), fp)) > 0)
				buf_append(&b, chunk, r);
			fclose(fp);
			man = buf_detach(&b);
			buf_done(&b);
		}
		free(path);
	}
	if (man == NULL)
		skip(1, "doc/mcpdb.1 not found (MCPDB_SRCDIR unset)");
	else {
		bool	all = true;

		for (i = 0; (e = cmd_at(i)) != NULL; i++) {
			char	*needle = xasprintf(".B mcpdb %s\n", e->name);

			if (!(e->flags & CMD_HIDDEN) && strstr(man, needle) == NULL) {
				diag("doc/mcpdb.1 lacks \"%s\"", e->name);
				all = false;
			}
			free(needle);
		}
		ok(all, "doc/mcpdb.1 has a .B line for every command in the table");
		free(man);
	}
	return (done_testing());
}
