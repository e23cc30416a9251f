/*
 * cmd-seed.c - the "seed" command family: seed list, seed verify SET and
 * seed load SET [--mode append|upsert|replace] [--dry-run]. The work is in
 * seed.c; this file resolves the seeds directory, asks before replace,
 * and prints the report.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "pgq.h"
#include "seed.h"
#include "xmem.h"

static const struct cmd_opt cmd_seed_dir_opts[] = {
	{ "dir", 0, "DIR", "seeds directory (default: the target's seeds_dir, ./seeds, or the installed seeds)", CC_FILE },
	{ NULL, 0, NULL, NULL, CC_NONE },
};

static const struct cmd_opt cmd_seed_load_opts[] = {
	{ "dir", 0, "DIR", "seeds directory (default: the target's seeds_dir, ./seeds, or the installed seeds)", CC_FILE },
	{ "mode", 0, "MODE", "append (default), upsert or replace; overrides the manifest's mode", CC_NONE },
	{ "dry-run", 0, NULL, "load inside a transaction, report, and roll back: nothing is written", CC_NONE },
	{ NULL, 0, NULL, NULL, CC_NONE },
};

/* seed list: the sets in the seeds directory. */
static int
cmd_seed_list_exec(struct cmd_ctx *ctx, const struct cmd_args *a, struct mc_err *err)
{
	char		*dir = seed_dir_resolve(cmd_opt(a, "dir"), ctx->target);
	struct table	*t = seed_list(dir, err);

	if (t == NULL) {
		free(dir);
		return (-1);
	}
	if (ctx->json) {
		cJSON	*doc = cJSON_CreateObject();

		cJSON_AddStringToObject(doc, "dir", dir);
		cJSON_AddItemToObject(doc, "sets", table_to_json(t));
		out_doc(ctx->out, doc);
	} else if (t->nrows == 0)
		out_printf(ctx->out, "no seed sets in %s (a set is a directory with a seed.json)\n", dir);
	else
		out_table(ctx->out, t);
	table_free(t);
	free(dir);
	return (0);
}

/* Print a report as text or one JSON document. */
static void
cmd_seed_print(struct cmd_ctx *ctx, const struct seed_report *r)
{
	double	rate = r->secs > 0 ? (double)r->rows / r->secs : 0;

	if (ctx->json) {
		cJSON	*doc = cJSON_CreateObject();

		cJSON_AddStringToObject(doc, "set", r->set);
		cJSON_AddStringToObject(doc, "mode", seedfmt_mode_name(r->mode));
		cJSON_AddBoolToObject(doc, "dry_run", r->dry_run);
		cJSON_AddBoolToObject(doc, "verify", r->verify);
		cJSON_AddBoolToObject(doc, "noop", r->noop);
		cJSON_AddNumberToObject(doc, "rows", (double)r->rows);
		cJSON_AddNumberToObject(doc, "bytes", (double)r->bytes);
		cJSON_AddNumberToObject(doc, "seconds", r->secs);
		cJSON_AddNumberToObject(doc, "files_loaded", r->nloaded);
		cJSON_AddNumberToObject(doc, "files_unchanged", r->nskipped);
		cJSON_AddItemToObject(doc, "files", table_to_json(r->files));
		out_doc(ctx->out, doc);
		return;
	}
	if (r->noop) {
		out_printf(ctx->out,
		    "seed %s: unchanged since it was last loaded; nothing to do (%d files skipped). "
		    "Use --mode upsert or --mode replace to load it again.\n", r->set, r->nskipped);
		return;
	}
	if (!ctx->quiet)
		out_table(ctx->out, r->files);
	if (r->verify)
		out_printf(ctx->out,
		    "seed %s: %lld rows in %d files checked against the catalog: every value fits "
		    "(keys and foreign keys are checked by seed load --dry-run)\n",
		    r->set, r->rows, r->nloaded);
	else
		out_printf(ctx->out, "seed %s (%s): %s %d files, %lld rows, %.1f MB in %.2f s (%.0f rows/s)%s%s\n",
		    r->set, seedfmt_mode_name(r->mode), r->dry_run ? "would load" : "loaded",
		    r->nloaded, r->rows, (double)r->bytes / 1e6, r->secs, rate,
		    r->nskipped ? "; unchanged files skipped" : "",
		    r->dry_run ? "; dry run: rolled back, nothing was written" : "");
}

/* seed_opts.confirm: the command table's confirmation rules. */
static int
cmd_seed_confirm(void *arg, const char *what, struct mc_err *err)
{
	return (cmd_confirm(arg, what, err));
}

/* Shared body of seed verify and seed load. */
static int
cmd_seed_run(struct cmd_ctx *ctx, const struct cmd_args *a, bool verify, struct mc_err *err)
{
	struct seed_opts	 o;
	struct seed_report	*r = NULL;
	const char		*set = cmd_arg(a, 0), *mode = cmd_opt(a, "mode");
	char			*dir = seed_dir_resolve(cmd_opt(a, "dir"), ctx->target);
	PGconn			*conn;
	int			 rc;

	memset(&o, 0, sizeof(o));
	o.verify = verify;
	o.dry_run = !verify && cmd_flag(a, "dry-run");
	o.stop = ctx->stop;
	o.progress = ctx->progress;
	o.progress_arg = ctx->progress_arg;
	o.confirm = cmd_seed_confirm;
	o.confirm_arg = ctx;
	if (mode != NULL) {
		if (seedfmt_mode_parse(mode, &o.mode, err) != 0) {
			free(dir);
			return (mc_err_prefix(err, "--mode: "));
		}
		o.mode_given = true;
	}
	if ((conn = pgq_connect(ctx->target, "seed", err)) == NULL) {
		free(dir);
		return (-1);
	}
	/* A standby or read-only session: refuse before the first write. */
	if (!verify && pgq_check_writable(conn, o.dry_run ? "load seeds "
	    "(even a dry run writes, then rolls back)" : "load seeds",
	    err) == -1) {
		PQfinish(conn);
		free(dir);
		return (-1);
	}
	rc = seed_run(conn, dir, set, &o, &r, err);
	PQfinish(conn);
	free(dir);
	if (rc != 0) {
		if (!verify && err != NULL && (err->code == MC_E_INPUT || err->code == MC_E_QUERY ||
		    err->code == MC_E_NOTFOUND || err->code == MC_E_CANCELLED ||
		    err->code == MC_E_CONNECT) &&
		    strstr(err->msg, "nothing was loaded") == NULL) {
			size_t	n = strlen(err->msg);

			/* Not found: nothing started, so nothing rolled back. */
			snprintf(err->msg + n, sizeof(err->msg) - n,
			    err->code == MC_E_NOTFOUND ? "; nothing was loaded" :
			    "; nothing was loaded (the set was rolled back)");
		}
		return (-1);
	}
	cmd_seed_print(ctx, r);
	seed_report_free(r);
	return (0);
}

/* seed verify SET: check every value against the live catalog. */
static int
cmd_seed_verify_exec(struct cmd_ctx *ctx, const struct cmd_args *a, struct mc_err *err)
{
	return (cmd_seed_run(ctx, a, true, err));
}

/* seed load SET: load in one transaction. */
static int
cmd_seed_load_exec(struct cmd_ctx *ctx, const struct cmd_args *a, struct mc_err *err)
{
	return (cmd_seed_run(ctx, a, false, err));
}

static const struct cmd_entry cmd_seed_list_entry = {
	.name = "seed list", .summary = "list the seed sets (directories with a seed.json)",
	.opts = cmd_seed_dir_opts, .min_args = 0, .max_args = 0,
	.flags = CMD_NEEDS_TARGET, .exec = cmd_seed_list_exec,
};

static const struct cmd_entry cmd_seed_verify_entry = {
	.name = "seed verify", .args = "SET",
	.summary = "check every value of a seed set against the live catalog, without writing",
	.opts = cmd_seed_dir_opts, .min_args = 1, .max_args = 1, .complete = CC_SEED_SET,
	.flags = CMD_NEEDS_TARGET, .exec = cmd_seed_verify_exec,
};

static const struct cmd_entry cmd_seed_load_entry = {
	.name = "seed load", .args = "SET",
	.summary = "load a seed set through COPY in one transaction (all or nothing)",
	.help = "Tables load in foreign-key order. append COPYs rows in (an unchanged set is a no-op); "
	    "upsert updates rows with the same key; replace empties the set's tables first (asks first). "
	    "Any bad value rolls back the whole set and names FILE:LINE and the column.",
	.opts = cmd_seed_load_opts, .min_args = 1, .max_args = 1, .complete = CC_SEED_SET,
	.flags = CMD_NEEDS_TARGET | CMD_WRITES, .exec = cmd_seed_load_exec,
};

const struct cmd_entry *const cmd_seed_entries[] = {
	&cmd_seed_list_entry, &cmd_seed_verify_entry, &cmd_seed_load_entry, NULL,
};
