/*
 * cmd-core.c - commands that need no server: help, version, config show,
 * targets, and demo up|down|status (private PostgreSQL + Redis for trying
 * mcpdb out, driven by the installed mcpdb-servers.sh).
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "buf.h"
#include "cmd.h"
#include "rdsuri.h"
#include "redact.h"
#include "xmem.h"

/* ---------------------------------------------------------------- help */

/* help [COMMAND...]: the whole table, a family, or one command. */
static int
cmd_help_exec(struct cmd_ctx *ctx, const struct cmd_args *a, struct mc_err *err)
{
	const struct cmd_entry	*e;
	char			*words[16];
	int			 n = (int)cmd_nargs(a), used, i;
	struct mc_err		 ferr;

	if (n == 0) {
		cmd_help_all(ctx->out, NULL);
		return (0);
	}
	if (n > 16)
		n = 16;
	for (i = 0; i < n; i++)
		words[i] = (char *)cmd_arg(a, (size_t)i);
	if ((e = cmd_find(n, words, &used, &ferr)) != NULL && used == n) {
		cmd_help_one(ctx->out, e);
		return (0);
	}
	/* A family name such as "migrate": list its commands. */
	if (cmd_help_family(ctx->out, n, words))
		return (0);
	return (mc_err_copy(err, &ferr));
}

static const struct cmd_entry cmd_help_entry = {
	.name = "help", .args = "[COMMAND...]",
	.summary = "show the commands, or the options of one command",
	.min_args = 0, .max_args = -1, .complete = CC_COMMAND,
	.exec = cmd_help_exec,
};

/* version: the program and library versions. */
static int
cmd_version_exec(struct cmd_ctx *ctx, const struct cmd_args *a, struct mc_err *err)
{
	if (ctx->json) {
		cJSON	*doc = cJSON_CreateObject();

		cJSON_AddStringToObject(doc, "name", PACKAGE_NAME);
		cJSON_AddStringToObject(doc, "version", PACKAGE_VERSION);
		out_doc(ctx->out, doc);
	} else
		out_printf(ctx->out, "%s\n", PACKAGE_STRING);
	return (0);
}

static const struct cmd_entry cmd_version_entry = {
	.name = "version", .summary = "print mcpdb's version",
	.min_args = 0, .max_args = 0, .exec = cmd_version_exec,
};

/* ---------------------------------------------------------------- config */

/*
 * A redis+cluster:// list for display: its seeds, the user and "***" for a
 * password, rebuilt from the parsed seeds and AUTH. Caller frees.
 */
static char *
cmd_show_cluster(const char *s)
{
	struct rdsuri_cluster	c;
	struct rdsuri		u;
	struct buf		b;
	size_t			i;

	if (rdsuri_cluster_parse(s, &c, NULL) == -1)
		return (xstrdup("(invalid Redis Cluster URI)"));
	buf_init(&b);
	buf_printf(&b, "%s://", c.tls ? "rediss+cluster" : "redis+cluster");
	if (rdsuri_parse(c.auth_uri, &u, NULL) == 0) {
		if (u.password != NULL)
			buf_printf(&b, "%s:***@", u.user ? u.user : "");
		else if (u.user != NULL)
			buf_printf(&b, "%s@", u.user);
		rdsuri_done(&u);
	}
	for (i = 0; i < c.nseeds; i++)
		buf_printf(&b, strchr(c.seeds[i].host, ':') ? "%s[%s]:%d" :
		    "%s%s:%d", i ? "," : "", c.seeds[i].host, c.seeds[i].port);
	rdsuri_cluster_done(&c);
	return (buf_detach(&b));
}

/*
 * A connection setting for display, redacted from its parsed structure (not
 * from the text): libpq's parse of a conninfo/URI, rdsuri's of a Redis
 * location. none stands for an unset one. Caller frees.
 */
static char *
cmd_show_conn(const char *s, bool redis, const char *none)
{
	struct rdsuri	u;
	char		*out;

	if (s == NULL || *s == '\0')
		return (xstrdup(none));
	if (!redis)
		return (redact_pg_conninfo(s));
	if (rdsuri_cluster_is(s))
		return (cmd_show_cluster(s));
	if (rdsuri_parse(s, &u, NULL) == -1)
		return (xstrdup("(invalid Redis URI)"));
	out = rdsuri_redact(&u);
	rdsuri_done(&u);
	return (out);
}

/* Does the target's Redis location ask for TLS (rediss://)? */
static bool
cmd_show_tls_on(const struct conf_target *t)
{
	struct rdsuri	u;
	bool		on;

	if (t->redis != NULL && rdsuri_cluster_is(t->redis))
		return (rdsuri_cluster_tls(t->redis));
	if (t->redis == NULL || rdsuri_parse(t->redis, &u, NULL) == -1)
		return (false);
	on = u.tls;
	rdsuri_done(&u);
	return (on);
}

/*
 * The Redis TLS settings in one line: "off (redis://)", "verified against
 * ca.crt, client certificate c.crt, server name x", or "INSECURE: ...".
 * Caller frees.
 */
static char *
cmd_show_tls(const struct conf_target *t)
{
	const struct conf_redis	*o = &t->redis_opts;
	struct buf		 b;

	if (!cmd_show_tls_on(t))
		return (xstrdup("off (plaintext; rediss:// turns it on)"));
	buf_init(&b);
	if (o->tls_insecure)
		buf_puts(&b, "on, insecure: the server certificate is NOT "
		    "verified (tls_insecure)");
	else
		buf_printf(&b, "on, certificate verified against %s",
		    o->tls_ca_file[0] ? o->tls_ca_file :
		    "the system trust store");
	if (o->tls_cert_file[0])
		buf_printf(&b, ", client certificate %s", o->tls_cert_file);
	if (o->tls_server_name[0])
		buf_printf(&b, ", server name %s", o->tls_server_name);
	return (buf_detach(&b));
}

/* config show --json: the Redis TLS settings. */
static cJSON *
cmd_show_tls_json(const struct conf_target *t)
{
	const struct conf_redis	*o = &t->redis_opts;
	cJSON			*j = cJSON_CreateObject();

	cJSON_AddBoolToObject(j, "enabled", cmd_show_tls_on(t));
	cJSON_AddBoolToObject(j, "insecure", o->tls_insecure != 0);
	cJSON_AddStringToObject(j, "ca_file", o->tls_ca_file);
	cJSON_AddStringToObject(j, "cert_file", o->tls_cert_file);
	cJSON_AddStringToObject(j, "key_file", o->tls_key_file);
	cJSON_AddStringToObject(j, "server_name", o->tls_server_name);
	return (j);
}

/* The "from" of a setting only the config file can change. */
static const char *
cmd_show_from(bool changed)
{
	return (changed ? "file" : "default");
}

/* config show: the merged settings of the selected target. */
static int
cmd_config_show_exec(struct cmd_ctx *ctx, const struct cmd_args *a, struct mc_err *err)
{
	const struct conf_target	*t = ctx->target;
	const struct conf_pool		*p = &t->pool;
	char				*pg = cmd_show_conn(t->pg, false, "(libpq defaults: PG* variables, service file)");
	char				*rd = cmd_show_conn(t->redis, true, "(none)");
	char				*pr = t->pg_read ?
	    cmd_show_conn(t->pg_read, false, "") : NULL;
	const char			*path = conf_path(ctx->conf);

	if (ctx->json) {
		cJSON	*doc = cJSON_CreateObject(), *pool = cJSON_CreateObject();

		cJSON_AddStringToObject(doc, "config_file", path ? path : "");
		cJSON_AddStringToObject(doc, "config_file_source",
		    conf_path_source(ctx->conf));
		cJSON_AddStringToObject(doc, "target", t->name);
		cJSON_AddStringToObject(doc, "target_source", conf_target_source(ctx->conf));
		cJSON_AddStringToObject(doc, "pg", pg);
		cJSON_AddStringToObject(doc, "pg_source", t->pg_source ? t->pg_source : "default");
		if (pr != NULL)
			cJSON_AddStringToObject(doc, "pg_read", pr);
		else
			cJSON_AddNullToObject(doc, "pg_read");
		cJSON_AddStringToObject(doc, "redis", rd);
		cJSON_AddStringToObject(doc, "redis_source", t->redis_source ? t->redis_source : "default");
		cJSON_AddItemToObject(doc, "redis_tls", cmd_show_tls_json(t));
		cJSON_AddBoolToObject(doc, "protected", t->protected_);
		cJSON_AddBoolToObject(doc, "read_only", t->read_only);
		cJSON_AddNumberToObject(pool, "min", p->min);
		cJSON_AddNumberToObject(pool, "max", p->max);
		cJSON_AddNumberToObject(pool, "acquire_timeout_ms", p->acquire_timeout_ms);
		cJSON_AddNumberToObject(pool, "idle_timeout_ms", p->idle_timeout_ms);
		cJSON_AddNumberToObject(pool, "max_lifetime_ms", p->max_lifetime_ms);
		cJSON_AddNumberToObject(pool, "statement_timeout_ms", p->statement_timeout_ms);
		cJSON_AddItemToObject(doc, "pool", pool);
		out_doc(ctx->out, doc);
	} else {
		struct table	*tb = table_new(NULL, 3, "setting", "value", "from");
		struct conf_target d;
		char		 n1[32], n2[32], *tl;

		/*
		 * Only the file sets these: a value equal to the built-in one
		 * is shown as coming from the default.
		 */
		memset(&d, 0, sizeof(d));
		conf_target_defaults(&d);
		table_add(tb, "config file", path ? path : "(none)",
		    conf_path_source(ctx->conf));
		table_add(tb, "target", t->name, conf_target_why(ctx->conf));
		table_add(tb, "pg", pg, t->pg_source ? t->pg_source : "default");
		table_add(tb, "pg_read", pr ? pr : "(none: reads use pg)",
		    pr ? "file" : "default");
		table_add(tb, "redis", rd, t->redis_source ? t->redis_source : "default");
		tl = cmd_show_tls(t);
		table_add(tb, "redis tls", tl, cmd_show_from(
		    t->redis_opts.tls_ca_file[0] ||
		    t->redis_opts.tls_cert_file[0] ||
		    t->redis_opts.tls_server_name[0] ||
		    t->redis_opts.tls_insecure));
		free(tl);
		table_add(tb, "protected", t->protected_ ? "yes" : "no",
		    cmd_show_from(t->protected_ != false));
		table_add(tb, "read_only", t->read_only ? "yes" : "no",
		    cmd_show_from(t->read_only != false));
		snprintf(n1, sizeof(n1), "%d..%d", p->min, p->max);
		table_add(tb, "pool size", n1, cmd_show_from(
		    p->min != d.pool.min || p->max != d.pool.max));
		snprintf(n2, sizeof(n2), "%d ms", p->acquire_timeout_ms);
		table_add(tb, "pool acquire timeout", n2, cmd_show_from(
		    p->acquire_timeout_ms != d.pool.acquire_timeout_ms));
		out_table(ctx->out, tb);
		table_free(tb);
	}
	free(pg);
	free(pr);
	free(rd);
	return (0);
}

static const struct cmd_entry cmd_config_show_entry = {
	.name = "config show", .summary = "show the selected target's merged configuration (secrets hidden)",
	.min_args = 0, .max_args = 0, .flags = CMD_NEEDS_TARGET,
	.exec = cmd_config_show_exec,
};

/* targets: every configured target, the selected one marked. */
static int
cmd_targets_exec(struct cmd_ctx *ctx, const struct cmd_args *a, struct mc_err *err)
{
	size_t	i, n = conf_ntargets(ctx->conf);
	cJSON	*arr = ctx->json ? cJSON_CreateArray() : NULL;
	struct table *tb = ctx->json ? NULL :
	    table_new(NULL, 5, "", "target", "postgresql", "redis", "flags");

	for (i = 0; i < n; i++) {
		const struct conf_target *t = conf_target_at(ctx->conf, i);
		char	*pg = cmd_show_conn(t->pg, false, "(libpq defaults)");
		char	*rd = cmd_show_conn(t->redis, true, "(none)");
		char	*fl = xasprintf("%s%s%s", t->protected_ ? "protected" : "",
		    t->protected_ && t->read_only ? "," : "", t->read_only ? "read-only" : "");
		bool	 sel = t == ctx->target;

		if (arr != NULL) {
			cJSON *o = cJSON_CreateObject();

			cJSON_AddStringToObject(o, "name", t->name);
			cJSON_AddBoolToObject(o, "selected", sel);
			cJSON_AddStringToObject(o, "pg", pg);
			cJSON_AddStringToObject(o, "redis", rd);
			cJSON_AddBoolToObject(o, "protected", t->protected_);
			cJSON_AddBoolToObject(o, "read_only", t->read_only);
			cJSON_AddItemToArray(arr, o);
		} else
			table_add(tb, sel ? "*" : "", t->name, pg, rd, fl);
		free(pg);
		free(rd);
		free(fl);
	}
	if (arr != NULL) {
		cJSON *doc = cJSON_CreateObject();

		cJSON_AddItemToObject(doc, "targets", arr);
		out_doc(ctx->out, doc);
	} else {
		out_table(ctx->out, tb);
		table_free(tb);
	}
	return (0);
}

static const struct cmd_entry cmd_targets_entry = {
	.name = "targets", .summary = "list the configured targets",
	.min_args = 0, .max_args = 0, .flags = CMD_NEEDS_TARGET,
	.exec = cmd_targets_exec,
};

/* ---------------------------------------------------------------- demo */

static const struct cmd_opt cmd_demo_opts[] = {
	{ "dir", 0, "DIR", "state directory (default $XDG_STATE_HOME/mcpdb/demo)", CC_FILE },
	{ NULL, 0, NULL, NULL, CC_NONE },
};

static const struct cmd_opt cmd_demo_up_opts[] = {
	{ "dir", 0, "DIR", "state directory (default $XDG_STATE_HOME/mcpdb/demo)", CC_FILE },
	{ "redis-cluster", 0, NULL, "a 6-node Redis Cluster on loopback instead of the single Redis", CC_NONE },
	{ NULL, 0, NULL, NULL, CC_NONE },
};

static const struct cmd_opt cmd_demo_down_opts[] = {
	{ "dir", 0, "DIR", "state directory (default $XDG_STATE_HOME/mcpdb/demo)", CC_FILE },
	{ "purge", 0, NULL, "also delete the demo's data directory", CC_NONE },
	{ NULL, 0, NULL, NULL, CC_NONE },
};

/* The demo's state directory. Caller frees. */
static char *
cmd_demo_dir(const struct cmd_args *a)
{
	const char	*d = cmd_opt(a, "dir"), *x, *home;

	if (d != NULL)
		return (xstrdup(d));
	if ((x = getenv("XDG_STATE_HOME")) != NULL && *x == '/')
		return (xasprintf("%s/mcpdb/demo", x));
	home = getenv("HOME");
	return (xasprintf("%s/.local/state/mcpdb/demo", home ? home : "."));
}

/* Where mcpdb-servers.sh lives: $MCPDB_SERVERS_SH, the source tree, or pkgdatadir. Caller frees. */
static char *
cmd_demo_script(void)
{
	const char	*env = getenv("MCPDB_SERVERS_SH");
	char		*p;

	if (env != NULL && *env != '\0')
		return (xstrdup(env));
#ifdef MCPDB_SRCDIR_HINT
	p = xasprintf("%s/src/mcpdb-servers.sh", MCPDB_SRCDIR_HINT);
	if (access(p, R_OK) == 0)
		return (p);
	free(p);
#endif
	p = xasprintf("%s/mcpdb-servers.sh", MCPDB_PKGDATADIR);
	return (p);
}

/*
 * Run argv; capture stdout into *captured (may be NULL to pass it through).
 * Returns the exit status, or -1 with err when it could not run.
 */
static int
cmd_spawn(char *const *argv, char **captured, struct mc_err *err)
{
	int		 fd[2] = { -1, -1 }, st;
	pid_t		 pid;
	struct buf	 b;
	char		 chunk[4096];
	ssize_t		 n;

	if (captured != NULL && pipe(fd) != 0)
		return (mc_err_sys(err, "pipe"));
	fflush(stdout);
	fflush(stderr);
	if ((pid = fork()) < 0)
		return (mc_err_sys(err, "fork"));
	if (pid == 0) {
		if (captured != NULL) {
			dup2(fd[1], STDOUT_FILENO);
			close(fd[0]);
			close(fd[1]);
		}
		execvp(argv[0], argv);
		fprintf(stderr, "mcpdb: cannot run %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	buf_init(&b);
	if (captured != NULL) {
		close(fd[1]);
		while ((n = read(fd[0], chunk, sizeof(chunk))) > 0 || (n < 0 && errno == EINTR))
			if (n > 0)
				buf_append(&b, chunk, (size_t)n);
		close(fd[0]);
	}
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	if (captured != NULL)
		*captured = buf_detach(&b);
	buf_done(&b);
	return (WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
}

/* Value of KEY=VALUE line key in text (single quotes stripped). Caller frees. */
static char *
cmd_env_value(const char *text, const char *key)
{
	size_t		 klen = strlen(key);
	const char	*p = text, *eol;

	while (p != NULL && *p != '\0') {
		eol = strchr(p, '\n');
		if (strncmp(p, key, klen) == 0 && p[klen] == '=') {
			const char	*v = p + klen + 1;
			size_t		 len = eol ? (size_t)(eol - v) : strlen(v);

			if (len >= 2 && v[0] == '\'' && v[len - 1] == '\'') {
				v++;
				len -= 2;
			}
			return (xstrndup(v, len));
		}
		p = eol ? eol + 1 : NULL;
	}
	return (NULL);
}

/* Run mcpdb itself on the demo target (migrate up, seed load). */
static int
cmd_demo_self(struct cmd_ctx *ctx, const char *cfg, const char *const *words, struct mc_err *err)
{
	char	*argv[16];
	int	 n = 0, st;

	argv[n++] = (char *)ctx->argv0;
	argv[n++] = "--config";
	argv[n++] = (char *)cfg;
	argv[n++] = "--target";
	argv[n++] = "demo";
	argv[n++] = "--yes";
	while (*words != NULL && n < 15)
		argv[n++] = (char *)*words++;
	argv[n] = NULL;
	st = cmd_spawn(argv, NULL, err);
	if (st != 0)
		return (mc_err_set(err, MC_E_STATE, "demo: \"mcpdb %s\" failed (exit %d)", argv[6], st));
	return (0);
}

/*
 * demo up: start the servers, record the demo target, apply migrations and
 * seeds. The servers get generated credentials (--auth: Redis wants user
 * mcpdb's password, PostgreSQL a password on TCP and its socket sits in a
 * 0700 directory), so other local users can neither read nor write them; the
 * demo target in the config file carries the Redis URL with the password, and
 * nothing here prints it.
 */
static int
cmd_demo_up_exec(struct cmd_ctx *ctx, const struct cmd_args *a, struct mc_err *err)
{
	char	*dir = cmd_demo_dir(a), *script = cmd_demo_script(), *text = NULL;
	char	*pg = NULL, *redis = NULL, *cfg = NULL;
	char	*argv[] = { "sh", script, "up", "--auth", "--dir", dir, NULL, NULL };
	const char *env;
	int	 st, rc = -1;
	bool	 defaulted = false, cluster = cmd_flag(a, "redis-cluster");

	if (cluster)
		argv[6] = "--redis-cluster";

	if (access(script, R_OK) != 0) {
		mc_err_sys(err, "demo: cannot find the server script %s", script);
		goto out;
	}
	if ((st = cmd_spawn(argv, &text, err)) < 0)
		goto out;
	if (st != 0) {
		mc_err_set(err, MC_E_STATE, "demo: starting the servers failed (exit %d); logs are in %s", st, dir);
		goto out;
	}
	pg = cmd_env_value(text, "MCPDB_TEST_PGURL");
	/* The URL with the credentials; an older script printed the socket. */
	if ((redis = cmd_env_value(text, "MCPDB_TEST_REDIS_TARGET")) == NULL)
		redis = cmd_env_value(text, "MCPDB_TEST_REDIS");
	if (pg == NULL || redis == NULL) {
		mc_err_set(err, MC_E_STATE, "demo: the server script printed no connection details");
		goto out;
	}
	if ((env = cmd_opt(a, "config")) != NULL || ((env = getenv("MCPDB_CONFIG")) != NULL && *env))
		cfg = xstrdup(env);
	else
		cfg = conf_default_path();
	if (conf_file_put_target_default(cfg, "demo", pg, redis, &defaulted,
	    err) != 0)
		goto out;
	if (!ctx->quiet)
		fprintf(stderr, "demo: PostgreSQL and %s running under %s; target \"demo\" written to %s\n",
		    cluster ? "a 6-node Redis Cluster" : "Redis", dir, cfg);
	if (!ctx->quiet && defaulted)
		fprintf(stderr, "demo: \"demo\" is now the default_target "
		    "there (none was set), so a plain `mcpdb` opens it\n");
	if (cmd_lookup("migrate up") != NULL) {
		const char *w[] = { "migrate", "up", NULL };

		if (cmd_demo_self(ctx, cfg, w, err) != 0)
			goto out;
	}
	if (cmd_lookup("seed load") != NULL) {
		const char *w[] = { "seed", "load", "demo", "--mode", "upsert", NULL };

		if (cmd_demo_self(ctx, cfg, w, err) != 0)
			goto out;
	}
	if (ctx->json) {
		cJSON *doc = cJSON_CreateObject();

		cJSON_AddStringToObject(doc, "dir", dir);
		cJSON_AddStringToObject(doc, "config_file", cfg);
		cJSON_AddStringToObject(doc, "target", "demo");
		cJSON_AddBoolToObject(doc, "made_default", defaulted);
		cJSON_AddBoolToObject(doc, "redis_cluster", cluster);
		out_doc(ctx->out, doc);
	} else
		out_printf(ctx->out, "demo is up: mcpdb --target demo\n");
	rc = 0;
out:
	if (text != NULL)
		explicit_bzero(text, strlen(text));
	free(text);
	free(pg);
	if (redis != NULL)
		explicit_bzero(redis, strlen(redis));
	free(redis);
	free(cfg);
	free(dir);
	free(script);
	return (rc);
}

/*
 * The script's "NAME: STATE (DETAIL)" lines as one JSON document:
 * {"dir", "exit_status", "servers": {NAME: {"state", "detail"}}}.
 */
static cJSON *
cmd_demo_json(const char *verb, const char *dir, int st, const char *text,
    bool purge)
{
	cJSON		*doc = cJSON_CreateObject(), *srv, *one;
	const char	*p = text ? text : "", *eol, *colon, *sp, *paren;
	char		*line, *state;

	cJSON_AddStringToObject(doc, "command",
	    strcmp(verb, "down") == 0 ? "demo down" : "demo status");
	cJSON_AddStringToObject(doc, "dir", dir);
	cJSON_AddNumberToObject(doc, "exit_status", st);
	if (strcmp(verb, "down") == 0)
		cJSON_AddBoolToObject(doc, "purged", purge && st == 0);
	srv = cJSON_AddObjectToObject(doc, "servers");
	for (; *p != '\0'; p = *eol ? eol + 1 : eol) {
		eol = p + strcspn(p, "\n");
		line = xstrndup(p, (size_t)(eol - p));
		if ((colon = strstr(line, ": ")) != NULL &&
		    strcspn(line, " ") > (size_t)(colon - line)) {
			line[colon - line] = '\0';
			one = cJSON_CreateObject();
			sp = colon + 2;
			if ((paren = strstr(sp, " (")) != NULL) {
				state = xstrndup(sp, (size_t)(paren - sp));
				cJSON_AddStringToObject(one, "state", state);
				free(state);
				cJSON_AddStringToObject(one, "detail", paren + 2);
			} else
				cJSON_AddStringToObject(one, "state", sp);
			cJSON_AddItemToObject(srv, line, one);
		}
		free(line);
	}
	return (doc);
}

/* demo down / demo status: hand over to the script. */
static int
cmd_demo_script_exec(struct cmd_ctx *ctx, const struct cmd_args *a, const char *verb,
    struct mc_err *err)
{
	char	*dir = cmd_demo_dir(a), *script = cmd_demo_script();
	char	*argv[] = { "sh", script, (char *)verb, "--dir", dir, NULL, NULL };
	char	*text = NULL;
	int	 st;

	if (cmd_flag(a, "purge"))
		argv[5] = "--purge";
	st = cmd_spawn(argv, ctx->json ? &text : NULL, err);
	if (st >= 0 && ctx->json)
		out_doc(ctx->out, cmd_demo_json(verb, dir, st, text,
		    cmd_flag(a, "purge")));
	free(text);
	free(dir);
	free(script);
	return (st < 0 ? -1 : st);
}

static int
cmd_demo_down_exec(struct cmd_ctx *ctx, const struct cmd_args *a, struct mc_err *err)
{
	return (cmd_demo_script_exec(ctx, a, "down", err));
}

static int
cmd_demo_status_exec(struct cmd_ctx *ctx, const struct cmd_args *a, struct mc_err *err)
{
	return (cmd_demo_script_exec(ctx, a, "status", err));
}

static const struct cmd_entry cmd_demo_up_entry = {
	.name = "demo up", .summary = "start a private PostgreSQL + Redis (--redis-cluster: a 6-node cluster), write the \"demo\" target, apply migrations and demo seeds",
	.opts = cmd_demo_up_opts, .min_args = 0, .max_args = 0, .exec = cmd_demo_up_exec,
};

static const struct cmd_entry cmd_demo_down_entry = {
	.name = "demo down", .summary = "stop the demo servers (--purge also deletes their data)",
	.opts = cmd_demo_down_opts, .min_args = 0, .max_args = 0, .exec = cmd_demo_down_exec,
};

static const struct cmd_entry cmd_demo_status_entry = {
	.name = "demo status", .summary = "say whether the demo servers are running (exit 3 if not)",
	.opts = cmd_demo_opts, .min_args = 0, .max_args = 0, .exec = cmd_demo_status_exec,
};

const struct cmd_entry *const cmd_core_entries[] = {
	&cmd_help_entry, &cmd_version_entry, &cmd_config_show_entry,
	&cmd_targets_entry, &cmd_demo_up_entry, &cmd_demo_down_entry,
	&cmd_demo_status_entry, NULL,
};
