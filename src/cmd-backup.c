/*
 * cmd-backup.c - the "backup" family: backup SCHEMA... [--file F], backup
 * verify FILE and restore FILE [--schema S] [--clean]. The work is in
 * backup.c; this file passes the options, confirms a restore with the
 * command table's rules and prints the report.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backup.h"
#include "cmd.h"
#include "xmem.h"

static const struct cmd_opt cmd_backup_opts[] = {
	{ "file", 0, "F", "the backup directory to create (default SCHEMA[+SCHEMA]-YYYYmmddTHHMMSSZ.backup here)", CC_FILE },
	{ NULL, 0, NULL, NULL, CC_NONE },
};

static const struct cmd_opt cmd_restore_opts[] = {
	{ "schema", 0, "S", "restore only schema S of a backup of several", CC_SCHEMA },
	{ "clean", 0, NULL, "replace an existing schema: dropped and restored in the one transaction", CC_NONE },
	{ NULL, 0, NULL, NULL, CC_NONE },
};

/* backup_opts.confirm: the command table's confirmation rules. */
static int
cmd_backup_confirm(void *arg, const char *what, struct mc_err *err)
{
	return (cmd_confirm(arg, what, err));
}

/* backup_opts.progress: forward to the context's sink. */
static void
cmd_backup_progress(void *arg, const char *line)
{
	struct cmd_ctx	*ctx = arg;

	ctx->progress(ctx->progress_arg, line);
}

/* Options shared by the three commands: progress only on a terminal. */
static void
cmd_backup_opts_init(struct cmd_ctx *ctx, struct backup_opts *o)
{
	backup_opts_init(o);
	o->stop = (volatile int *)ctx->stop;
	if (ctx->progress != NULL && !ctx->json && isatty(STDERR_FILENO))
		o->progress = cmd_backup_progress;
	o->confirm = cmd_backup_confirm;
	o->arg = ctx;
}

/* Clear a progress line left on the terminal. */
static void
cmd_backup_progress_done(struct cmd_ctx *ctx, const struct backup_opts *o)
{
	if (o->progress != NULL)
		ctx->progress(ctx->progress_arg, "");
}

/* The report as one JSON document. */
static void
cmd_backup_json(struct cmd_ctx *ctx, const char *what, const struct backup_report *r)
{
	cJSON	*doc = cJSON_CreateObject(), *s;
	size_t	 i;

	cJSON_AddStringToObject(doc, "action", what);
	cJSON_AddStringToObject(doc, "path", r->path);
	s = cJSON_AddArrayToObject(doc, "schemas");
	for (i = 0; i < r->nschemas; i++)
		cJSON_AddItemToArray(s, cJSON_CreateString(r->schemas[i]));
	cJSON_AddStringToObject(doc, "created_at", r->created_at ? r->created_at : "");
	cJSON_AddStringToObject(doc, "source_database", r->database ? r->database : "");
	cJSON_AddStringToObject(doc, "server_version", r->server_version ? r->server_version : "");
	cJSON_AddStringToObject(doc, "tool_version", r->tool_version ? r->tool_version : "");
	cJSON_AddStringToObject(doc, "sha256", r->sha256 ? r->sha256 : "");
	cJSON_AddNumberToObject(doc, "bytes", (double)r->bytes);
	cJSON_AddNumberToObject(doc, "rows", (double)r->rows);
	if (strcmp(what, "verify") == 0)
		cJSON_AddNumberToObject(doc, "toc_entries", r->toc_entries);
	if (strcmp(what, "restore") == 0) {
		cJSON_AddBoolToObject(doc, "counts_match", r->counts_match);
		cJSON_AddBoolToObject(doc, "replaced", r->replaced);
	}
	cJSON_AddNumberToObject(doc, "seconds", r->secs);
	cJSON_AddItemToObject(doc, "tables", table_to_json(r->tables));
	out_doc(ctx->out, doc);
}

/* "a+b" of the report's schemas. Caller frees. */
static char *
cmd_backup_names(const struct backup_report *r)
{
	char	*s = xstrdup(""), *n;
	size_t	 i;

	for (i = 0; i < r->nschemas; i++) {
		n = xasprintf("%s%s%s", s, i ? "+" : "", r->schemas[i]);
		free(s);
		s = n;
	}
	return (s);
}

/* backup SCHEMA... [--file F] */
static int
cmd_backup_exec(struct cmd_ctx *ctx, const struct cmd_args *a, struct mc_err *err)
{
	struct backup_opts	 o;
	struct backup_report	*r;
	const char		**schemas;
	char			*names;
	size_t			 i, n = cmd_nargs(a);
	int			 rc;

	schemas = xcalloc(n + 1, sizeof(char *));
	for (i = 0; i < n; i++)
		schemas[i] = cmd_arg(a, i);
	cmd_backup_opts_init(ctx, &o);
	o.schemas = schemas;
	o.nschemas = n;
	o.file = cmd_opt(a, "file");
	rc = backup_run(ctx->target, &o, &r, err);
	cmd_backup_progress_done(ctx, &o);
	free(schemas);
	if (rc != 0)
		return (-1);
	if (ctx->json)
		cmd_backup_json(ctx, "backup", r);
	else {
		if (!ctx->quiet)
			out_table(ctx->out, r->tables);
		names = cmd_backup_names(r);
		out_printf(ctx->out, "backup %s: %zu tables, %lld rows, %.1f MB in %.2f s -> %s (sha256 %.16s...)\n",
		    names, r->tables->nrows, r->rows, (double)r->bytes / 1e6, r->secs, r->path, r->sha256);
		free(names);
	}
	backup_report_free(r);
	return (0);
}

/* backup verify FILE */
static int
cmd_backup_verify_exec(struct cmd_ctx *ctx, const struct cmd_args *a, struct mc_err *err)
{
	struct backup_opts	 o;
	struct backup_report	*r;
	char			*names;
	int			 rc;

	cmd_backup_opts_init(ctx, &o);
	rc = backup_verify(cmd_arg(a, 0), &o, &r, err);
	cmd_backup_progress_done(ctx, &o);
	if (rc != 0)
		return (-1);
	if (ctx->json)
		cmd_backup_json(ctx, "verify", r);
	else {
		names = cmd_backup_names(r);
		out_printf(ctx->out,
		    "%s: ok: %s from database %s (PostgreSQL %s) at %s; %zu tables, %lld rows; "
		    "dump %.1f MB, SHA-256 matches, %d archive entries readable\n",
		    r->path, names, r->database, r->server_version, r->created_at, r->tables->nrows,
		    r->rows, (double)r->bytes / 1e6, r->toc_entries);
		free(names);
	}
	backup_report_free(r);
	return (0);
}

/* restore FILE [--schema S] [--clean] */
static int
cmd_restore_exec(struct cmd_ctx *ctx, const struct cmd_args *a, struct mc_err *err)
{
	struct backup_opts	 o;
	struct backup_report	*r;
	char			*names;
	int			 rc;

	cmd_backup_opts_init(ctx, &o);
	o.schema = cmd_opt(a, "schema");
	o.clean = cmd_flag(a, "clean");
	rc = backup_restore(ctx->target, cmd_arg(a, 0), &o, &r, err);
	cmd_backup_progress_done(ctx, &o);
	if (rc != 0)
		return (-1);
	if (ctx->json)
		cmd_backup_json(ctx, "restore", r);
	else {
		if (!ctx->quiet)
			out_table(ctx->out, r->tables);
		names = cmd_backup_names(r);
		out_printf(ctx->out,
		    "restored %s from %s%s: %zu tables, %lld rows in %.2f s; row counts match the manifest\n",
		    names, r->path, r->replaced ? " (the existing schema was replaced)" : "",
		    r->tables->nrows, r->rows, r->secs);
		free(names);
	}
	backup_report_free(r);
	return (0);
}

static const struct cmd_entry cmd_backup_entry = {
	.name = "backup", .args = "SCHEMA...",
	.summary = "back up service schemas: pg_dump -Fc plus a manifest, into one directory",
	.help = "Writes F/dump.pgc (pg_dump -Fc -n SCHEMA...) and F/manifest.json (versions, "
	    "tables with exact row counts from the dump's snapshot, the roles and platform objects "
	    "each schema needs, its migration ledger rows, the dump's size and SHA-256). F appears "
	    "only when complete; an existing F is refused. pg_dump older than the server is refused. "
	    "Set MCPDB_PG_BINDIR to choose the PostgreSQL client programs.",
	.opts = cmd_backup_opts, .min_args = 1, .max_args = -1, .complete = CC_SCHEMA,
	.flags = CMD_NEEDS_TARGET, .exec = cmd_backup_exec,
};

static const struct cmd_entry cmd_backup_verify_entry = {
	.name = "backup verify", .args = "FILE",
	.summary = "check a backup without a server: manifest, size, SHA-256, pg_restore --list",
	.min_args = 1, .max_args = 1, .complete = CC_FILE,
	.flags = 0, .exec = cmd_backup_verify_exec,
};

static const struct cmd_entry cmd_restore_entry = {
	.name = "restore", .args = "FILE",
	.summary = "restore a backup in one transaction (all or nothing), row counts checked",
	.help = "Checks first, changing nothing: the backup (as backup verify), pg_restore's version, "
	    "the roles and platform objects each schema needs (missing ones are named), and an "
	    "existing schema (refused when not empty, unless --clean). Then, in one transaction: "
	    "drop the existing schema, the dump, GRANT USAGE ON SCHEMA platform to the service roles, "
	    "and the row count of every table against the manifest; any difference or error rolls "
	    "everything back.",
	.opts = cmd_restore_opts, .min_args = 1, .max_args = 1, .complete = CC_FILE,
	.flags = CMD_NEEDS_TARGET | CMD_WRITES | CMD_DESTRUCTIVE, .exec = cmd_restore_exec,
};

const struct cmd_entry *const cmd_backup_entries[] = {
	&cmd_backup_entry, &cmd_backup_verify_entry, &cmd_restore_entry, NULL,
};
