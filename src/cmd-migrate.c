/*
 * cmd-migrate.c - the "migrate" command family: status, up, down, redo,
 * plan, verify, check, resolve, baseline, repair, history, tag, lint, new.
 * Each handler turns options into struct
 * migrate_opts, calls the runner (migrate.h) and prints its result: a line
 * per migration as it happens plus a summary, or one JSON document.
 * Exit statuses: 0 done / up to date, 1 failure, 2 usage or configuration
 * (a refused migrations directory), 3 (status, verify) attention needed.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "cmd.h"
#include "miglint.h"
#include "migrate.h"
#include "xmem.h"

static void	cmd_migrate_json_str(cJSON *, const char *, const char *);

/* ------------------------------------------------------------ shared */

/* Progress callback: forward to the console/stderr progress sink. */
static void
cmd_migrate_progress(void *arg, const char *line)
{
	struct cmd_ctx	*ctx = arg;

	if (ctx->progress != NULL)
		ctx->progress(ctx->progress_arg, line);
}

/* What a step did, as a word for humans and JSON. */
static const char *
cmd_migrate_action(const struct migrate_step *s)
{
	if (!s->ok)
		return (s->act == MACT_APPLY ? "failed to apply" : "failed to roll back");
	if (s->dry_run)
		return (s->reapply ? "would reapply" : s->act == MACT_APPLY ?
		    "would apply" : "would roll back");
	return (s->reapply ? "reapplied" : s->act == MACT_APPLY ? "applied" :
	    "rolled back");
}

/* Step callback: the per-migration line, printed as it happens. */
static void
cmd_migrate_step(void *arg, const struct migrate_step *s)
{
	struct cmd_ctx	*ctx = arg;
	char		 ms[32] = "";

	if (ctx->json)
		return;
	if (s->ms >= 0)
		snprintf(ms, sizeof(ms), "%lld ms", s->ms);
	out_printf(ctx->out, "%-16s %-40s %8s%s%s%s\n", cmd_migrate_action(s), s->id, ms,
	    s->no_tx ? "  (no transaction)" : "", s->out_of_order ? "  (out of order)" : "",
	    s->repeatable ? "  (repeatable)" : "");
	if (s->sql != NULL)
		out_printf(ctx->out, "-- %s\n%s\n", s->path, s->sql);
}

/* Confirmation callback: the protected-target rule of cmd_confirm. */
static int
cmd_migrate_confirm(void *arg, const char *what, struct mc_err *err)
{
	return (cmd_confirm(arg, what, err));
}

/*
 * Fill o from the command line: --dir, --to, --steps, --dry-run,
 * --allow-out-of-order, --lock-timeout (options the entry lacks are absent).
 */
static int
cmd_migrate_opts(struct cmd_ctx *ctx, const struct cmd_args *a,
    struct migrate_opts *o, struct mc_err *err)
{
	const char	*v;
	long		 n;
	int		 ms;

	migrate_opts_init(o);
	o->dir = cmd_opt(a, "dir");
	o->stream = cmd_opt(a, "stream");
	if ((v = cmd_opt(a, "to")) != NULL && mig_parse_version(v, &o->to, err) == -1)
		return (mc_err_prefix(err, "--to: "));
	if (cmd_opt_int(a, "steps", 0, 1, 100000, &n, err) == -1)
		return (-1);
	o->steps = (int)n;
	if (o->steps > 0 && o->to >= 0)
		return (mc_err_set(err, MC_E_USAGE, "give --steps or --to, not both"));
	if ((o->to_tag = cmd_opt(a, "to-tag")) != NULL && (o->to >= 0 || o->steps > 0))
		return (mc_err_set(err, MC_E_USAGE, "give --to-tag alone, without --to "
		    "or --steps"));
	if (o->to_tag != NULL && *o->to_tag == '\0')
		return (mc_err_set(err, MC_E_USAGE, "--to-tag: give a tag name"));
	o->dry_run = cmd_flag(a, "dry-run");
	o->allow_out_of_order = cmd_flag(a, "allow-out-of-order");
	o->diff = cmd_flag(a, "diff");
	if (cmd_opt(a, "wait") != NULL) {
		if (cmd_opt_int(a, "wait", -1, 0, 86400, &n, err) == -1)
			return (-1);
		o->wait_s = (int)n;
	}
	if ((v = cmd_opt(a, "lock-timeout")) != NULL) {
		if (mig_parse_duration(v, &ms, err) == -1)
			return (mc_err_prefix(err, "--lock-timeout: "));
		o->lock_timeout_ms = ms;
	}
	o->stop = ctx->stop;
	o->progress = cmd_migrate_progress;
	o->step = cmd_migrate_step;
	o->confirm = cmd_migrate_confirm;
	o->arg = ctx;
	return (0);
}

/* An "error" object for JSON documents. */
static cJSON *
cmd_migrate_json_err(const struct mc_err *err)
{
	cJSON	*e = cJSON_CreateObject();

	cJSON_AddStringToObject(e, "code", mc_code_name(err->code));
	if (err->sqlstate[0] != '\0')
		cJSON_AddStringToObject(e, "sqlstate", err->sqlstate);
	cJSON_AddStringToObject(e, "message", err->msg);
	return (e);
}

/*
 * The problems of a refused migrations directory (probs, newline-separated;
 * freed here): into doc's "problems" array, or one line each on the output
 * when doc is NULL. Nothing when probs is NULL.
 */
static void
cmd_migrate_problems(struct cmd_ctx *ctx, cJSON *doc, char *probs)
{
	cJSON	*arr;
	char	*line, *next;

	if (probs == NULL)
		return;
	arr = doc != NULL ? cJSON_CreateArray() : NULL;
	for (line = probs; line != NULL && *line != '\0'; line = next) {
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		if (arr != NULL)
			cJSON_AddItemToArray(arr, cJSON_CreateString(line));
		else
			out_printf(ctx->out, "%s\n", line);
	}
	if (arr != NULL)
		cJSON_AddItemToObject(doc, "problems", arr);
	free(probs);
}

/* Start a JSON document naming the command, target and directory. */
static cJSON *
cmd_migrate_doc(struct cmd_ctx *ctx, const char *cmd, const char *dir)
{
	cJSON	*doc = cJSON_CreateObject();

	cJSON_AddStringToObject(doc, "command", cmd);
	cJSON_AddStringToObject(doc, "target", ctx->target && ctx->target->name ?
	    ctx->target->name : "");
	if (dir != NULL)
		cJSON_AddStringToObject(doc, "dir", dir);
	return (doc);
}

/*
 * Finish a command in JSON mode: add the error (if rc == -1), print the
 * document, and turn a failure into its exit status (the document carries the
 * error; stderr gets the one line too) with main's mapping: 2 for usage or
 * configuration errors such as a refused migrations directory. With
 * collect (the per-stream documents of cmd_migrate_each) the document goes
 * there instead of the output, and a failure returns -1.
 */
static int
cmd_migrate_finish_json_to(struct cmd_ctx *ctx, cJSON *doc, int rc, int status,
    cJSON *collect, const struct mc_err *err)
{
	if (rc == -1) {
		cJSON_AddItemToObject(doc, "error", cmd_migrate_json_err(err));
		cJSON_AddBoolToObject(doc, "ok", 0);
		fprintf(stderr, "mcpdb: %s\n", err->msg);
		if (collect != NULL) {
			cJSON_AddItemToArray(collect, doc);
			return (-1);
		}
		out_doc(ctx->out, doc);
		return (mc_err_exit_status(err));
	}
	cJSON_AddBoolToObject(doc, "ok", status == 0);
	if (collect != NULL)
		cJSON_AddItemToArray(collect, doc);
	else
		out_doc(ctx->out, doc);
	return (status);
}

/* cmd_migrate_finish_json_to, printing the document. */
static int
cmd_migrate_finish_json(struct cmd_ctx *ctx, cJSON *doc, int rc, int status,
    const struct mc_err *err)
{
	return (cmd_migrate_finish_json_to(ctx, doc, rc, status, NULL, err));
}

/* One stream's part of a command that covers every stream. */
typedef int (*cmd_migrate_one_fn)(struct cmd_ctx *, const struct cmd_args *,
    const char *stream, cJSON *collect, struct mc_err *);

/*
 * Run fn on every stream of the migrations directory, in order, when it
 * has several and --stream (or a --to/--to-tag, which names one stream's
 * versions) does not pick one; otherwise once, as for a flat directory.
 * Each stream's output starts with a "stream NAME:" line; in JSON the
 * documents go into "streams". The first failure stops the loop. The
 * exit status is the worst of the streams'.
 */
static int
cmd_migrate_each(struct cmd_ctx *ctx, const struct cmd_args *a, const char *cmd,
    cmd_migrate_one_fn fn, struct mc_err *err)
{
	char	*dir, **names;
	size_t	 n, i;
	int	 rc = 0, worst = 0, k;
	cJSON	*doc, *arr = NULL, *last;

	if (cmd_opt(a, "stream") != NULL || cmd_opt(a, "to") != NULL ||
	    cmd_opt(a, "to-tag") != NULL)
		return (fn(ctx, a, NULL, NULL, err));
	dir = migrate_dir(ctx->target, cmd_opt(a, "dir"));
	if (migrate_streams(dir, &names, &n, NULL) == -1 || n <= 1) {
		if (names != NULL)
			migstreams_free(names, n);
		free(dir);
		return (fn(ctx, a, NULL, NULL, err));	/* it names the problem */
	}
	if (ctx->json)
		arr = cJSON_CreateArray();
	for (i = 0; i < n && rc != -1; i++) {
		if (!ctx->json)
			out_printf(ctx->out, "%sstream %s:\n", i ? "\n" : "", names[i]);
		k = arr != NULL ? cJSON_GetArraySize(arr) : 0;
		rc = fn(ctx, a, names[i], arr, err);
		/* Name the stream on the document fn added (none when it failed early). */
		if (arr != NULL && cJSON_GetArraySize(arr) > k &&
		    (last = cJSON_GetArrayItem(arr, k)) != NULL)
			cJSON_AddStringToObject(last, "stream", names[i]);
		if (rc > worst)
			worst = rc;
	}
	migstreams_free(names, n);
	if (arr != NULL) {
		doc = cmd_migrate_doc(ctx, cmd, dir);
		cJSON_AddItemToObject(doc, "streams", arr);
		if (rc == -1)
			cJSON_AddItemToObject(doc, "error", cmd_migrate_json_err(err));
		cJSON_AddBoolToObject(doc, "ok", rc != -1 && worst == 0);
		out_doc(ctx->out, doc);
		free(dir);
		return (rc == -1 ? mc_err_exit_status(err) : worst);
	}
	free(dir);
	return (rc == -1 ? -1 : worst);
}

/* ------------------------------------------------------- up/down/redo/plan */

/* The report of a run as JSON. */
static void
cmd_migrate_report_json(cJSON *doc, const struct migrate_report *rep, bool dry)
{
	cJSON	*arr = cJSON_CreateArray();
	size_t	 i;
	char	 v[24];

	cJSON_AddBoolToObject(doc, "dry_run", dry);
	cJSON_AddBoolToObject(doc, "up_to_date", rep ? rep->up_to_date : 0);
	cJSON_AddNumberToObject(doc, "lock_wait_ms", rep ? (double)rep->lock_wait_ms : 0);
	cJSON_AddNumberToObject(doc, "server_wait_ms", rep ? (double)rep->server_wait_ms : 0);
	cJSON_AddNumberToObject(doc, "total_ms", rep ? (double)rep->total_ms : 0);
	for (i = 0; rep != NULL && i < rep->n; i++) {
		const struct migrate_step	*s = &rep->steps[i];
		cJSON				*o = cJSON_CreateObject();

		snprintf(v, sizeof(v), "%.*s", (int)strcspn(s->id, "_"), s->id);
		cJSON_AddStringToObject(o, "version", v);
		cJSON_AddStringToObject(o, "id", s->id);
		cJSON_AddStringToObject(o, "action", cmd_migrate_action(s));
		cJSON_AddStringToObject(o, "file", s->path);
		if (s->ms >= 0)
			cJSON_AddNumberToObject(o, "ms", (double)s->ms);
		else
			cJSON_AddNullToObject(o, "ms");
		cJSON_AddBoolToObject(o, "no_transaction", s->no_tx);
		cJSON_AddBoolToObject(o, "out_of_order", s->out_of_order);
		cJSON_AddBoolToObject(o, "repeatable", s->repeatable);
		cJSON_AddBoolToObject(o, "ok", s->ok);
		if (s->sql != NULL)
			cJSON_AddStringToObject(o, "sql", s->sql);
		cJSON_AddItemToArray(arr, o);
	}
	cJSON_AddItemToObject(doc, "steps", arr);
}

/* Count steps of a report that ran (or would run) and succeeded, by act. */
static size_t
cmd_migrate_count(const struct migrate_report *rep, enum migrate_act act)
{
	size_t	i, n = 0;

	for (i = 0; rep != NULL && i < rep->n; i++)
		if (rep->steps[i].act == act && rep->steps[i].ok)
			n++;
	return (n);
}

/* The runner entry points share a signature. */
typedef int (*cmd_migrate_fn)(const struct conf_target *, const struct migrate_opts *,
    struct migrate_report **, struct mc_err *);

/* Run up/down/redo/plan and print the outcome. */
static int
cmd_migrate_run(struct cmd_ctx *ctx, const struct cmd_args *a, const char *cmd,
    cmd_migrate_fn fn, const char *stream, cJSON *collect, struct mc_err *err)
{
	struct migrate_opts	 o;
	struct migrate_report	*rep = NULL;
	size_t			 na, nr;
	int			 rc;
	char			*probs = NULL;

	if (cmd_migrate_opts(ctx, a, &o, err) == -1)
		return (-1);
	if (stream != NULL)
		o.stream = stream;
	o.problems = &probs;
	rc = fn(ctx->target, &o, &rep, err);
	if (ctx->json) {
		cJSON	*doc = cmd_migrate_doc(ctx, cmd, rep ? rep->dir : NULL);

		cmd_migrate_problems(ctx, doc, probs);
		cmd_migrate_report_json(doc, rep, o.dry_run || strcmp(cmd, "migrate plan") == 0);
		migrate_report_free(rep);
		return (cmd_migrate_finish_json_to(ctx, doc, rc, 0, collect, err));
	}
	if (rep != NULL && (rc == 0 || rep->n > 0)) {
		na = cmd_migrate_count(rep, MACT_APPLY);
		nr = cmd_migrate_count(rep, MACT_ROLLBACK);
		if (rep->up_to_date && rep->n == 0)
			out_printf(ctx->out, "%s: nothing to do (%s)\n", cmd,
			    strcmp(cmd, "migrate up") == 0 || strcmp(cmd, "migrate plan") == 0 ?
			    "up to date" : "no applied migration to roll back");
		else if (o.dry_run || strcmp(cmd, "migrate plan") == 0)
			out_printf(ctx->out, "%s: dry run, nothing was changed (%zu to apply, "
			    "%zu to roll back)\n", cmd, na, nr);
		else {
			out_printf(ctx->out, "%s: ", cmd);
			if (nr > 0)
				out_printf(ctx->out, "%zu rolled back%s", nr, na > 0 ? ", " : "");
			if (na > 0 || nr == 0)
				out_printf(ctx->out, "%zu applied", na);
			out_printf(ctx->out, " in %lld ms", rep->total_ms);
			if (rep->server_wait_ms > 0)
				out_printf(ctx->out, " (waited %.1f s for the server)",
				    rep->server_wait_ms / 1000.0);
			if (rep->lock_wait_ms >= 1000)
				out_printf(ctx->out, " (waited %.1f s for the lock)",
				    rep->lock_wait_ms / 1000.0);
			out_printf(ctx->out, "%s\n", rc == -1 ? "; then it FAILED" : "");
		}
	}
	migrate_report_free(rep);
	cmd_migrate_problems(ctx, NULL, probs);
	return (rc == -1 ? -1 : 0);
}

/* migrate up, one stream */
static int
cmd_migrate_up_one(struct cmd_ctx *ctx, const struct cmd_args *a,
    const char *stream, cJSON *collect, struct mc_err *err)
{
	return (cmd_migrate_run(ctx, a, "migrate up", migrate_up, stream, collect,
	    err));
}

/* migrate up: every stream in turn */
static int
cmd_migrate_up_exec(struct cmd_ctx *ctx, const struct cmd_args *a, struct mc_err *err)
{
	return (cmd_migrate_each(ctx, a, "migrate up", cmd_migrate_up_one, err));
}

/* migrate down (one stream) */
static int
cmd_migrate_down_exec(struct cmd_ctx *ctx, const struct cmd_args *a, struct mc_err *err)
{
	return (cmd_migrate_run(ctx, a, "migrate down", migrate_down, NULL, NULL, err));
}

/* migrate redo (one stream) */
static int
cmd_migrate_redo_exec(struct cmd_ctx *ctx, const struct cmd_args *a, struct mc_err *err)
{
	return (cmd_migrate_run(ctx, a, "migrate redo", migrate_redo, NULL, NULL, err));
}

/* migrate plan, one stream */
static int
cmd_migrate_plan_one(struct cmd_ctx *ctx, const struct cmd_args *a,
    const char *stream, cJSON *collect, struct mc_err *err)
{
	return (cmd_migrate_run(ctx, a, "migrate plan", migrate_plan, stream,
	    collect, err));
}

/* migrate plan: every stream in turn */
static int
cmd_migrate_plan_exec(struct cmd_ctx *ctx, const struct cmd_args *a, struct mc_err *err)
{
	return (cmd_migrate_each(ctx, a, "migrate plan", cmd_migrate_plan_one, err));
}

/* --------------------------------------------------------------- status */

/* The note column of a status line; locked: some run holds the lock now. */
static void
cmd_migrate_note(struct buf *b, const struct mig_status *s, bool locked)
{
	buf_reset(b);
	if (s->row != NULL && s->row->baselined)
		buf_puts(b, "baselined (marked applied, never run by mcpdb); ");
	if (s->state == MIG_RUNNING && !locked)
		buf_puts(b, "no run holds the lock: its runner died (the next up or down "
		    "marks it failed); ");
	if (s->row != NULL && s->row->error != NULL && s->state != MIG_APPLIED)
		buf_printf(b, "%s ", s->row->error);
	if (s->out_of_order)
		buf_puts(b, s->row ? "applied out of order; " :
		    "below the newest applied (needs --allow-out-of-order); ");
	if (s->down_changed)
		buf_puts(b, "down file changed since applied; ");
	if (s->row != NULL && s->row->no_tx)
		buf_puts(b, "no transaction; ");
	if (b->len >= 2 && b->data[b->len - 2] == ';') {
		b->len -= 2;
		b->data[b->len] = '\0';
	}
}

/* Append "tag A, B" to the note b of the status line of version v. */
static void
cmd_migrate_note_tags(struct buf *b, const struct migrate_status *st, long long v)
{
	size_t	i, n = 0;

	for (i = 0; i < st->ntags; i++) {
		if (st->tags[i].version != v)
			continue;
		buf_printf(b, "%s%s", n == 0 ? (b->len > 0 ? "; tag " : "tag ") : ", ",
		    st->tags[i].name);
		n++;
	}
}

/* The tags of a status as a JSON array. */
static cJSON *
cmd_migrate_tags_json(const struct migrate_status *st)
{
	cJSON	*arr = cJSON_CreateArray(), *g;
	size_t	 i;

	for (i = 0; i < st->ntags; i++) {
		g = cJSON_CreateObject();
		cJSON_AddStringToObject(g, "name", st->tags[i].name);
		cJSON_AddNumberToObject(g, "version", (double)st->tags[i].version);
		cJSON_AddNumberToObject(g, "applied", (double)st->tags[i].napplied);
		cJSON_AddStringToObject(g, "tagged_at", st->tags[i].at);
		cJSON_AddStringToObject(g, "tagged_by", st->tags[i].by);
		cmd_migrate_json_str(g, "note", st->tags[i].note);
		cJSON_AddItemToArray(arr, g);
	}
	return (arr);
}

/* The repeatables of a status as a JSON array. */
static cJSON *
cmd_migrate_reps_json(const struct migrate_status *st)
{
	cJSON	*arr = cJSON_CreateArray(), *m;
	size_t	 i;

	for (i = 0; i < st->nreps; i++) {
		const struct mig_repstatus	*s = &st->reps[i];

		m = cJSON_CreateObject();
		cJSON_AddStringToObject(m, "name", s->name);
		cJSON_AddStringToObject(m, "state", mig_repstate_name(s->state));
		cmd_migrate_json_str(m, "file", s->file ? s->file->sc.path : NULL);
		cmd_migrate_json_str(m, "checksum", s->file ? s->file->sc.sum : NULL);
		cmd_migrate_json_str(m, "applied_checksum", s->row ? s->row->checksum : NULL);
		cmd_migrate_json_str(m, "applied_at", s->row ? s->row->applied_at : NULL);
		cmd_migrate_json_str(m, "applied_by", s->row ? s->row->applied_by : NULL);
		if (s->row != NULL && s->row->ms >= 0)
			cJSON_AddNumberToObject(m, "execution_ms", (double)s->row->ms);
		else
			cJSON_AddNullToObject(m, "execution_ms");
		cJSON_AddNumberToObject(m, "applies", s->row ? (double)s->row->applies : 0);
		cJSON_AddItemToArray(arr, m);
	}
	return (arr);
}

/* The repeatables of a status as text, after the versioned ones. */
static void
cmd_migrate_reps_text(struct cmd_ctx *ctx, const struct migrate_status *st)
{
	struct table	*t;
	size_t		 i, counts[MIGR_MISSING + 1] = { 0 };
	char		 ms[32], note[160], id[160];

	if (st->nreps == 0)
		return;
	t = table_new(NULL, 5, "repeatable", "state", "applied_at", "ms", "note");
	for (i = 0; i < st->nreps; i++) {
		const struct mig_repstatus	*s = &st->reps[i];

		counts[s->state]++;
		ms[0] = note[0] = '\0';
		if (s->row != NULL && s->row->ms >= 0)
			snprintf(ms, sizeof(ms), "%lld", s->row->ms);
		if (s->state == MIGR_OUTDATED)
			snprintf(note, sizeof(note), "file changed since applied "
			    "(%.12s... -> %.12s...): up applies it again",
			    s->row->checksum, s->file->sc.sum);
		else if (s->state == MIGR_MISSING)
			snprintf(note, sizeof(note), "no file: its objects are left "
			    "as they are");
		else if (s->row != NULL && s->row->applies > 1)
			snprintf(note, sizeof(note), "applied %lld times",
			    s->row->applies);
		snprintf(id, sizeof(id), "R_%s", s->name);
		table_add(t, id, mig_repstate_name(s->state),
		    s->row ? s->row->applied_at : "", ms, note);
	}
	out_table(ctx->out, t);
	table_free(t);
	out_printf(ctx->out, "%zu repeatable%s: %zu applied, %zu pending, %zu outdated",
	    st->nreps, st->nreps == 1 ? "" : "s", counts[MIGR_APPLIED],
	    counts[MIGR_PENDING], counts[MIGR_OUTDATED]);
	if (counts[MIGR_MISSING] > 0)
		out_printf(ctx->out, ", %zu file-missing", counts[MIGR_MISSING]);
	out_printf(ctx->out, "\n");
}

/* migrate status */
static int
cmd_migrate_status_one(struct cmd_ctx *ctx, const struct cmd_args *a,
    const char *stream, cJSON *collect, struct mc_err *err)
{
	struct migrate_opts	 o;
	struct migrate_status	*st;
	struct table		*t;
	char			*probs = NULL;
	struct buf		 note;
	size_t			 i, nb, counts[MIG_RUNNING + 1] = { 0 };
	char			 ms[32];

	if (cmd_migrate_opts(ctx, a, &o, err) == -1)
		return (-1);
	if (stream != NULL)
		o.stream = stream;
	o.problems = &probs;
	if ((st = migrate_status(ctx->target, &o, err)) == NULL) {
		if (ctx->json) {
			cJSON	*doc = cmd_migrate_doc(ctx, "migrate status", NULL);

			cmd_migrate_problems(ctx, doc, probs);
			return (cmd_migrate_finish_json_to(ctx, doc, -1, 1, collect,
			    err));
		}
		cmd_migrate_problems(ctx, NULL, probs);
		return (-1);
	}
	buf_init(&note);
	for (i = 0; i < st->n; i++)
		counts[st->rows[i].state]++;
	if (ctx->json) {
		cJSON	*doc = cmd_migrate_doc(ctx, "migrate status", st->dir);
		cJSON	*arr = cJSON_CreateArray(), *c = cJSON_CreateObject(), *tags;
		int	 k;

		cJSON_AddBoolToObject(doc, "up_to_date", st->clean);
		cJSON_AddBoolToObject(doc, "ledger_exists", st->ledger.exists);
		if (st->lock_holder != NULL)
			cJSON_AddStringToObject(doc, "lock_holder", st->lock_holder);
		else
			cJSON_AddNullToObject(doc, "lock_holder");
		for (k = MIG_APPLIED; k <= MIG_RUNNING; k++)
			cJSON_AddNumberToObject(c, mig_state_name(k), (double)counts[k]);
		cJSON_AddItemToObject(doc, "counts", c);
		for (i = 0; i < st->n; i++) {
			const struct mig_status	*s = &st->rows[i];
			cJSON			*m = cJSON_CreateObject();

			cJSON_AddStringToObject(m, "version", s->vstr);
			cJSON_AddStringToObject(m, "name", s->name);
			cJSON_AddStringToObject(m, "state", mig_state_name(s->state));
			if (s->row != NULL) {
				cJSON_AddStringToObject(m, "applied_at", s->row->applied_at);
				cJSON_AddStringToObject(m, "applied_by", s->row->applied_by);
				if (s->row->ms >= 0)
					cJSON_AddNumberToObject(m, "execution_ms", (double)s->row->ms);
				else
					cJSON_AddNullToObject(m, "execution_ms");
				if (s->row->error != NULL)
					cJSON_AddStringToObject(m, "error", s->row->error);
			} else {
				cJSON_AddNullToObject(m, "applied_at");
				cJSON_AddNullToObject(m, "execution_ms");
			}
			cJSON_AddBoolToObject(m, "out_of_order", s->out_of_order);
			cJSON_AddBoolToObject(m, "no_transaction", s->file ? s->file->up.no_tx :
			    s->row->no_tx);
			cJSON_AddBoolToObject(m, "down_changed", s->down_changed);
			cJSON_AddBoolToObject(m, "baselined", s->row != NULL &&
			    s->row->baselined);
			tags = cJSON_CreateArray();
			for (k = 0; k < (int)st->ntags; k++)
				if (st->tags[k].version == s->version)
					cJSON_AddItemToArray(tags,
					    cJSON_CreateString(st->tags[k].name));
			cJSON_AddItemToObject(m, "tags", tags);
			cJSON_AddItemToArray(arr, m);
		}
		cJSON_AddItemToObject(doc, "migrations", arr);
		cJSON_AddItemToObject(doc, "repeatables", cmd_migrate_reps_json(st));
		c = cJSON_CreateObject();
		for (k = MIGR_APPLIED; k <= MIGR_MISSING; k++) {
			size_t	j, nk = 0;

			for (j = 0; j < st->nreps; j++)
				nk += st->reps[j].state == (enum mig_repstate)k;
			cJSON_AddNumberToObject(c, mig_repstate_name(k), (double)nk);
		}
		cJSON_AddItemToObject(doc, "repeatable_counts", c);
		cJSON_AddItemToObject(doc, "tags", cmd_migrate_tags_json(st));
		if (st->orphans != NULL)
			cJSON_AddStringToObject(doc, "orphan_streams", st->orphans);
		buf_done(&note);
		i = st->clean;
		migrate_status_free(st);
		return (cmd_migrate_finish_json_to(ctx, doc, 0, i ? 0 : 3, collect,
		    err));
	}
	t = table_new(NULL, 6, "version", "name", "state", "applied_at", "ms", "note");
	for (i = 0; i < st->n; i++) {
		const struct mig_status	*s = &st->rows[i];

		ms[0] = '\0';
		if (s->row != NULL && s->row->ms >= 0)
			snprintf(ms, sizeof(ms), "%lld", s->row->ms);
		cmd_migrate_note(&note, s, st->lock_holder != NULL);
		cmd_migrate_note_tags(&note, st, s->version);
		table_add(t, s->vstr, s->name, mig_state_name(s->state),
		    s->row ? s->row->applied_at : "", ms, note.data);
	}
	out_printf(ctx->out, "migrations in %s\n", st->dir);
	out_table(ctx->out, t);
	table_free(t);
	out_printf(ctx->out, "%zu applied", counts[MIG_APPLIED]);
	for (i = 0, nb = 0; i < st->n; i++)
		if (st->rows[i].row != NULL && st->rows[i].row->baselined)
			nb++;
	if (nb > 0)
		out_printf(ctx->out, " (%zu baselined)", nb);
	out_printf(ctx->out, ", %zu pending", counts[MIG_PENDING]);
	for (i = MIG_MISMATCH; i <= MIG_RUNNING; i++)
		if (counts[i] > 0)
			out_printf(ctx->out, ", %zu %s", counts[i], mig_state_name(i));
	if (st->clean)
		out_printf(ctx->out, ": up to date\n");
	else if (counts[MIG_MISMATCH] + counts[MIG_MISSING] > 0)
		out_printf(ctx->out, ": drift (see mcpdb migrate verify --diff)\n");
	else if (counts[MIG_FAILED] + counts[MIG_RUNNING] > 0)
		out_printf(ctx->out, ": needs mcpdb migrate resolve\n");
	else if (st->orphans != NULL && migplan_clean(st->rows, st->n) &&
	    migplan_reps_clean(st->reps, st->nreps))
		out_printf(ctx->out, ": up to date here, but see below\n");
	else
		out_printf(ctx->out, " (run mcpdb migrate up)\n");
	cmd_migrate_reps_text(ctx, st);
	if (st->lock_holder != NULL)
		out_printf(ctx->out, "a migration run is in progress: lock held by %s\n",
		    st->lock_holder);
	if (st->orphans != NULL)
		out_printf(ctx->out, "the ledger also holds migrations of streams with no "
		    "files in this directory: %s (a stream directory removed, or the "
		    "wrong --dir?)\n", st->orphans);
	for (i = 0; i < st->ntags; i++)
		out_printf(ctx->out, "tag %s = %04lld (%s by %s)%s%s\n", st->tags[i].name,
		    st->tags[i].version, st->tags[i].at, st->tags[i].by,
		    st->tags[i].note ? ": " : "", st->tags[i].note ? st->tags[i].note : "");
	buf_done(&note);
	i = st->clean;
	migrate_status_free(st);
	return (i ? 0 : 3);
}

/* migrate status: every stream in turn */
static int
cmd_migrate_status_exec(struct cmd_ctx *ctx, const struct cmd_args *a, struct mc_err *err)
{
	return (cmd_migrate_each(ctx, a, "migrate status", cmd_migrate_status_one,
	    err));
}

/* --------------------------------------------------------------- verify */

/* migrate verify [--diff] */
static int
cmd_migrate_verify_one(struct cmd_ctx *ctx, const struct cmd_args *a,
    const char *stream, cJSON *collect, struct mc_err *err)
{
	struct migrate_opts	 o;
	struct migrate_verify	*v;
	size_t			 i;
	int			 status;
	char			*probs = NULL;

	if (cmd_migrate_opts(ctx, a, &o, err) == -1)
		return (-1);
	if (stream != NULL)
		o.stream = stream;
	o.problems = &probs;
	if ((v = migrate_verify(ctx->target, &o, err)) == NULL) {
		if (ctx->json) {
			cJSON	*doc = cmd_migrate_doc(ctx, "migrate verify", NULL);

			cmd_migrate_problems(ctx, doc, probs);
			return (cmd_migrate_finish_json_to(ctx, doc, -1, 1, collect,
			    err));
		}
		cmd_migrate_problems(ctx, NULL, probs);
		return (-1);
	}
	status = v->ok ? 0 : 3;	/* drift: attention needed */
	if (ctx->json) {
		cJSON	*doc = cmd_migrate_doc(ctx, "migrate verify", v->dir);
		cJSON	*arr = cJSON_CreateArray();

		cJSON_AddNumberToObject(doc, "applied_checked", (double)v->napplied);
		for (i = 0; i < v->n; i++) {
			cJSON	*f = cJSON_CreateObject();

			cJSON_AddStringToObject(f, "id", v->v[i].id);
			cJSON_AddStringToObject(f, "kind", v->v[i].kind);
			cJSON_AddBoolToObject(f, "fatal", v->v[i].fatal);
			cJSON_AddStringToObject(f, "detail", v->v[i].detail);
			if (v->v[i].diff != NULL)
				cJSON_AddStringToObject(f, "diff", v->v[i].diff);
			cJSON_AddItemToArray(arr, f);
		}
		cJSON_AddItemToObject(doc, "findings", arr);
		migrate_verify_free(v);
		return (cmd_migrate_finish_json_to(ctx, doc, 0, status, collect, err));
	}
	for (i = 0; i < v->n; i++) {
		out_printf(ctx->out, "%-18s %s: %s\n", v->v[i].kind, v->v[i].id, v->v[i].detail);
		if (v->v[i].diff != NULL)
			out_printf(ctx->out, "%s", v->v[i].diff);
	}
	if (v->ok)
		out_printf(ctx->out, "verified %zu applied migration%s against %s: no drift\n",
		    v->napplied, v->napplied == 1 ? "" : "s", v->dir);
	else
		out_printf(ctx->out, "verified %zu applied migration%s against %s: DRIFT%s\n",
		    v->napplied, v->napplied == 1 ? "" : "s", v->dir,
		    o.diff ? "" : " (--diff shows what changed)");
	migrate_verify_free(v);
	return (status);
}

/* migrate verify: every stream in turn */
static int
cmd_migrate_verify_exec(struct cmd_ctx *ctx, const struct cmd_args *a, struct mc_err *err)
{
	return (cmd_migrate_each(ctx, a, "migrate verify", cmd_migrate_verify_one,
	    err));
}

/* ---------------------------------------------------------------- check */

/* A JSON array of n strings. */
static cJSON *
cmd_migrate_json_lines(char *const *v, size_t n)
{
	cJSON	*arr = cJSON_CreateArray();
	size_t	 i;

	for (i = 0; i < n; i++)
		cJSON_AddItemToArray(arr, cJSON_CreateString(v[i]));
	return (arr);
}

/* migrate check */
static int
cmd_migrate_check_one(struct cmd_ctx *ctx, const struct cmd_args *a,
    const char *stream, cJSON *collect, struct mc_err *err)
{
	struct migrate_opts	 o;
	struct migrate_check	*c;
	size_t			 i, j, nbad = 0;
	int			 status;
	char			*probs = NULL;

	if (cmd_migrate_opts(ctx, a, &o, err) == -1)
		return (-1);
	if (stream != NULL)
		o.stream = stream;
	o.step = NULL;	/* printed below, with the problems */
	o.problems = &probs;
	if ((c = migrate_check(ctx->target, &o, err)) == NULL) {
		if (ctx->json) {
			cJSON	*doc = cmd_migrate_doc(ctx, "migrate check", NULL);

			cmd_migrate_problems(ctx, doc, probs);
			return (cmd_migrate_finish_json_to(ctx, doc, -1, 1, collect,
			    err));
		}
		cmd_migrate_problems(ctx, NULL, probs);
		return (-1);
	}
	for (i = 0; i < c->n; i++)
		if (!c->v[i].ok)
			nbad++;
	status = c->ok ? 0 : 1;
	if (ctx->json) {
		cJSON	*doc = cmd_migrate_doc(ctx, "migrate check", c->dir);
		cJSON	*arr = cJSON_CreateArray();

		cJSON_AddStringToObject(doc, "scratch_database", c->scratch);
		cJSON_AddNumberToObject(doc, "earlier_streams_applied", (double)c->nsetup);
		cJSON_AddItemToObject(doc, "leftovers_dropped",
		    cmd_migrate_json_lines(c->dropped, c->ndropped));
		cJSON_AddItemToObject(doc, "leftovers_kept",
		    cmd_migrate_json_lines(c->kept, c->nkept));
		for (i = 0; i < c->n; i++) {
			cJSON	*m = cJSON_CreateObject(), *p = cJSON_CreateArray();

			cJSON_AddStringToObject(m, "id", c->v[i].id);
			cJSON_AddBoolToObject(m, "ok", c->v[i].ok);
			cJSON_AddNumberToObject(m, "up_ms", (double)c->v[i].up_ms);
			cJSON_AddNumberToObject(m, "down_ms", (double)c->v[i].down_ms);
			for (j = 0; j < c->v[i].nproblems; j++)
				cJSON_AddItemToArray(p, cJSON_CreateString(c->v[i].problems[j]));
			cJSON_AddItemToObject(m, "problems", p);
			cJSON_AddItemToArray(arr, m);
		}
		cJSON_AddItemToObject(doc, "migrations", arr);
		if (c->warning != NULL)
			cJSON_AddStringToObject(doc, "warning", c->warning);
		migrate_check_free(c);
		return (cmd_migrate_finish_json_to(ctx, doc, 0, status, collect, err));
	}
	for (i = 0; i < c->ndropped; i++)
		out_printf(ctx->out, "dropped leftover scratch database %s\n",
		    c->dropped[i]);
	for (i = 0; i < c->nkept; i++)
		out_printf(ctx->out, "kept scratch database %s\n", c->kept[i]);
	if (c->nsetup > 0)
		out_printf(ctx->out, "applied the %zu migration%s of the streams before "
		    "this one first (as up does), unchecked\n", c->nsetup,
		    c->nsetup == 1 ? "" : "s");
	for (i = 0; i < c->n; i++) {
		out_printf(ctx->out, "%-4s %-40s up %lld ms, down %lld ms\n",
		    c->v[i].ok ? "ok" : "FAIL", c->v[i].id, c->v[i].up_ms, c->v[i].down_ms);
		for (j = 0; j < c->v[i].nproblems; j++)
			out_printf(ctx->out, "     %s\n", c->v[i].problems[j]);
	}
	if (c->warning != NULL)
		out_printf(ctx->out, "warning: %s\n", c->warning);
	if (c->ok)
		out_printf(ctx->out, "migrate check: every down reverses its up (%zu migration%s, "
		    "%zu objects at the end; scratch database %s dropped)\n", c->n,
		    c->n == 1 ? "" : "s", c->nobjects, c->scratch);
	else
		out_printf(ctx->out, "migrate check: %zu of %zu migration%s FAILED (scratch "
		    "database %s)\n", nbad, c->n, c->n == 1 ? "" : "s", c->scratch);
	migrate_check_free(c);
	return (status);
}

/* migrate check: every stream in turn, each in its own scratch database */
static int
cmd_migrate_check_exec(struct cmd_ctx *ctx, const struct cmd_args *a, struct mc_err *err)
{
	return (cmd_migrate_each(ctx, a, "migrate check", cmd_migrate_check_one,
	    err));
}

/* -------------------------------------------------------------- resolve */

/* migrate resolve VERSION --applied|--rolled-back */
static int
cmd_migrate_resolve_exec(struct cmd_ctx *ctx, const struct cmd_args *a, struct mc_err *err)
{
	struct migrate_opts	 o;
	long long		 v;
	bool			 applied = cmd_flag(a, "applied");
	int			 rc;

	if (applied == cmd_flag(a, "rolled-back"))
		return (mc_err_set(err, MC_E_USAGE, "say what happened: --applied (its changes "
		    "are in place) or --rolled-back (they are not)"));
	if (mig_parse_version(cmd_arg(a, 0), &v, err) == -1 ||
	    cmd_migrate_opts(ctx, a, &o, err) == -1)
		return (-1);
	rc = migrate_resolve(ctx->target, &o, v, applied, err);
	if (ctx->json) {
		cJSON	*doc = cmd_migrate_doc(ctx, "migrate resolve", NULL);

		cJSON_AddNumberToObject(doc, "version", (double)v);
		cJSON_AddStringToObject(doc, "resolved_as", applied ? "applied" : "rolled back");
		return (cmd_migrate_finish_json(ctx, doc, rc, 0, err));
	}
	if (rc == -1)
		return (-1);
	out_printf(ctx->out, "migration %04lld resolved as %s\n", v,
	    applied ? "applied" : "rolled back (its ledger row is deleted)");
	return (0);
}

/* ------------------------------------------------------------- baseline */

/* migrate baseline VERSION --reason WHY */
static int
cmd_migrate_baseline_exec(struct cmd_ctx *ctx, const struct cmd_args *a, struct mc_err *err)
{
	struct migrate_opts	 o;
	const char		*reason = cmd_opt(a, "reason");
	long long		 v;
	size_t			 n = 0;
	int			 rc;

	if (reason == NULL || *reason == '\0')
		rc = mc_err_set(err, MC_E_USAGE, "say why: --reason TEXT (recorded in the "
		    "history with who and when; nothing was done)");
	else if ((rc = mig_parse_version(cmd_arg(a, 0), &v, err)) == 0 &&
	    (rc = cmd_migrate_opts(ctx, a, &o, err)) == 0)
		rc = migrate_baseline(ctx->target, &o, v, reason, &n, err);
	if (ctx->json) {
		cJSON	*doc = cmd_migrate_doc(ctx, "migrate baseline", NULL);

		if (rc == 0)
			cJSON_AddNumberToObject(doc, "version", (double)v);
		cJSON_AddNumberToObject(doc, "baselined", (double)n);
		return (cmd_migrate_finish_json(ctx, doc, rc, 0, err));
	}
	if (rc == -1)
		return (-1);
	out_printf(ctx->out, "migrate baseline: %zu migration%s up to %04lld marked "
	    "applied without running them\n", n, n == 1 ? "" : "s", v);
	return (0);
}

/* --------------------------------------------------------------- repair */

/* migrate repair [--remove-failed] */
static int
cmd_migrate_repair_exec(struct cmd_ctx *ctx, const struct cmd_args *a, struct mc_err *err)
{
	struct migrate_opts	 o;
	bool			 failed = cmd_flag(a, "remove-failed");
	size_t			 n = 0;
	char			*lines = NULL;
	int			 rc;

	if ((rc = cmd_migrate_opts(ctx, a, &o, err)) == 0)
		rc = migrate_repair(ctx->target, &o, failed, &n, &lines, err);
	if (ctx->json) {
		cJSON	*doc = cmd_migrate_doc(ctx, "migrate repair", NULL);

		cJSON_AddStringToObject(doc, "repair", failed ? "remove-failed" :
		    "checksums");
		cJSON_AddNumberToObject(doc, "repaired", (double)n);
		if (lines != NULL) {
			cJSON	*arr = cJSON_CreateArray();
			char	*l, *next;

			for (l = lines; *l != '\0'; l = next) {
				if ((next = strchr(l, '\n')) != NULL)
					*next++ = '\0';
				else
					next = l + strlen(l);
				cJSON_AddItemToArray(arr, cJSON_CreateString(l));
			}
			cJSON_AddItemToObject(doc, "rows", arr);
		}
		free(lines);
		return (cmd_migrate_finish_json(ctx, doc, rc, 0, err));
	}
	if (rc == -1)
		return (-1);
	out_printf(ctx->out, "%s", lines);
	free(lines);
	out_printf(ctx->out, "migrate repair: %zu %s (see mcpdb migrate history)\n", n,
	    failed ? (n == 1 ? "failed row removed" : "failed rows removed") :
	    (n == 1 ? "checksum re-recorded" : "checksums re-recorded"));
	return (0);
}

/* -------------------------------------------------------------- history */

/* Add s to object o as key, or null when s is NULL. */
static void
cmd_migrate_json_str(cJSON *o, const char *key, const char *s)
{
	if (s != NULL)
		cJSON_AddStringToObject(o, key, s);
	else
		cJSON_AddNullToObject(o, key);
}

/* The stream name of an event: "default" for the top-level files. */
static const char *
cmd_migrate_event_stream(const struct migrate_event *e)
{
	return (e->stream != NULL && *e->stream != '\0' ? e->stream :
	    MIG_STREAM_DEFAULT);
}

/* Is e an event of stream want (NULL: of any)? */
static bool
cmd_migrate_event_in(const struct migrate_event *e, const char *want)
{
	return (want == NULL || strcmp(cmd_migrate_event_stream(e), want) == 0);
}

/* The history as a JSON document. */
static cJSON *
cmd_migrate_history_json(struct cmd_ctx *ctx, const struct migrate_history *h,
    const char *want)
{
	cJSON	*doc = cmd_migrate_doc(ctx, "migrate history", NULL);
	cJSON	*arr = cJSON_CreateArray(), *m;
	size_t	 i;

	cJSON_AddBoolToObject(doc, "ledger_exists", h->exists);
	for (i = 0; i < h->n; i++) {
		const struct migrate_event	*e = &h->v[i];

		if (!cmd_migrate_event_in(e, want))
			continue;
		m = cJSON_CreateObject();
		cJSON_AddNumberToObject(m, "id", (double)e->id);
		cmd_migrate_json_str(m, "at", e->at);
		cJSON_AddNumberToObject(m, "version", (double)e->version);
		cmd_migrate_json_str(m, "name", e->name);
		cmd_migrate_json_str(m, "event", e->event);
		if (e->ms >= 0)
			cJSON_AddNumberToObject(m, "execution_ms", (double)e->ms);
		else
			cJSON_AddNullToObject(m, "execution_ms");
		cmd_migrate_json_str(m, "by", e->by);
		cmd_migrate_json_str(m, "mcpdb_version", e->mcpdb_version);
		cmd_migrate_json_str(m, "host", e->host);
		cmd_migrate_json_str(m, "checksum", e->checksum);
		cmd_migrate_json_str(m, "error", e->error);
		cmd_migrate_json_str(m, "note", e->note);
		cmd_migrate_json_str(m, "tag", e->tag);
		cJSON_AddBoolToObject(m, "repeatable", e->repeatable);
		cmd_migrate_json_str(m, "old_checksum", e->old_checksum);
		cJSON_AddStringToObject(m, "stream", cmd_migrate_event_stream(e));
		cJSON_AddItemToArray(arr, m);
	}
	cJSON_AddItemToObject(doc, "events", arr);
	return (doc);
}

/* migrate history: every apply, rollback, resolve, baseline and repair. */
static int
cmd_migrate_history_exec(struct cmd_ctx *ctx, const struct cmd_args *a, struct mc_err *err)
{
	struct migrate_history	*h;
	struct table		*t;
	struct buf		 note;
	char			 v[24], ms[24], sum[13];
	const char		*want = cmd_opt(a, "stream");
	size_t			 i, shown = 0;
	bool			 streams = false;

	if ((h = migrate_history(ctx->target, err)) == NULL) {
		if (ctx->json)
			return (cmd_migrate_finish_json(ctx, cmd_migrate_doc(ctx,
			    "migrate history", NULL), -1, 1, err));
		return (-1);
	}
	if (ctx->json) {
		cJSON	*doc = cmd_migrate_history_json(ctx, h, want);

		migrate_history_free(h);
		return (cmd_migrate_finish_json(ctx, doc, 0, 0, err));
	}
	if (!h->exists || h->n == 0) {
		out_printf(ctx->out, "no migration history on %s yet%s\n",
		    ctx->target && ctx->target->name ? ctx->target->name : "this target",
		    h->exists ? "" : " (no ledger: nothing was ever applied)");
		migrate_history_free(h);
		return (0);
	}
	/* The version names its stream once there is more than the default one. */
	for (i = 0; i < h->n; i++)
		if (h->v[i].stream != NULL && *h->v[i].stream != '\0')
			streams = true;
	t = table_new(NULL, 10, "at", "version", "name", "event", "ms", "by", "host",
	    "mcpdb", "checksum", "note");
	buf_init(&note);
	for (i = 0; i < h->n; i++) {
		const struct migrate_event	*e = &h->v[i];
		const char			*sn = cmd_migrate_event_stream(e);

		if (!cmd_migrate_event_in(e, want))
			continue;
		shown++;
		if (e->repeatable)
			snprintf(v, sizeof(v), "%s%sR", streams ? sn : "", streams ? "/" : "");
		else
			snprintf(v, sizeof(v), "%s%s%04lld", streams ? sn : "",
			    streams ? "/" : "", e->version);
		ms[0] = '\0';
		if (e->ms >= 0)
			snprintf(ms, sizeof(ms), "%lld", e->ms);
		/* The first 12 hex digits name a checksum well enough here. */
		snprintf(sum, sizeof(sum), "%s", e->checksum ? e->checksum : "");
		buf_reset(&note);
		if (e->tag != NULL)
			buf_printf(&note, "tag %s%s", e->tag, e->note ? ": " : "");
		buf_puts(&note, e->note ? e->note : "");
		if (e->old_checksum != NULL)
			buf_printf(&note, "%swas %.12s", note.len > 0 ? "; " : "",
			    e->old_checksum);
		table_add(t, e->at ? e->at : "", v, e->name ? e->name : "",
		    e->event ? e->event : "", ms, e->by ? e->by : "",
		    e->host ? e->host : "", e->mcpdb_version ? e->mcpdb_version : "",
		    sum, note.data ? note.data : "");
	}
	buf_done(&note);
	out_table(ctx->out, t);
	table_free(t);
	out_printf(ctx->out, "%zu event%s%s%s (full checksums and errors: --json)\n",
	    shown, shown == 1 ? "" : "s", want ? " of stream " : "", want ? want : "");
	migrate_history_free(h);
	return (0);
}

/* ------------------------------------------------------------------ tag */

/* migrate tag NAME [--note TEXT] */
static int
cmd_migrate_tag_exec(struct cmd_ctx *ctx, const struct cmd_args *a, struct mc_err *err)
{
	struct migrate_opts	 o;
	const char		*name = cmd_arg(a, 0), *note = cmd_opt(a, "note");
	long long		 v = -1;
	int			 rc;

	if ((rc = cmd_migrate_opts(ctx, a, &o, err)) == 0)
		rc = migrate_tag(ctx->target, &o, name, note, &v, err);
	if (ctx->json) {
		cJSON	*doc = cmd_migrate_doc(ctx, "migrate tag", NULL);

		cJSON_AddStringToObject(doc, "tag", name);
		if (rc == 0)
			cJSON_AddNumberToObject(doc, "version", (double)v);
		return (cmd_migrate_finish_json(ctx, doc, rc, 0, err));
	}
	if (rc == -1)
		return (-1);
	out_printf(ctx->out, "migrate tag: %s names the applied state up to %04lld "
	    "(back to it: mcpdb migrate down --to-tag %s)\n", name, v, name);
	return (0);
}

/* ----------------------------------------------------------------- lint */

/* Lint the streams of dir (only the one named want, if not NULL). */
static int
cmd_migrate_lint_streams(struct miglint *l, const char *dir, const char *want,
    struct mc_err *err)
{
	char	**names, *sdir, *list;
	size_t	  n, i, done = 0;
	int	  rc = 0;

	if (migrate_streams(dir, &names, &n, err) == -1)
		return (-1);
	for (i = 0; i < n && rc == 0; i++) {
		if (want != NULL && strcmp(want, names[i]) != 0)
			continue;
		sdir = migrate_stream_dir(dir, names[i]);
		rc = miglint_dir(l, sdir, err);
		free(sdir);
		done++;
	}
	if (rc == 0 && want != NULL && done == 0) {
		list = migrate_stream_list(names, n);
		rc = mc_err_set(err, MC_E_USAGE, "--stream %s: no such migration "
		    "stream in %s (streams: %s)", want, dir, list);
		free(list);
	}
	migstreams_free(names, n);
	return (rc);
}

/*
 * migrate lint [FILE...]: the files given, or the whole migrations directory.
 * Exit 0 clean, 3 with findings, 2 when a file cannot be read or split.
 */
static int
cmd_migrate_lint_exec(struct cmd_ctx *ctx, const struct cmd_args *a, struct mc_err *err)
{
	struct miglint	 l;
	struct mig_vars	 vars;
	char		 origin[160];
	char		*dir = NULL, *line;
	size_t		 i;
	int		 rc = 0;
	cJSON		*doc, *arr, *o;

	miglint_init(&l);
	migrate_vars(ctx->target, &vars, origin, sizeof(origin));
	l.vars = &vars;
	if (cmd_nargs(a) == 0) {
		dir = migrate_dir(ctx->target, cmd_opt(a, "dir"));
		rc = cmd_migrate_lint_streams(&l, dir, cmd_opt(a, "stream"), err);
	}
	for (i = 0; i < cmd_nargs(a) && rc == 0; i++)
		rc = miglint_file(&l, cmd_arg(a, i), err);
	if (rc == -1 && err != NULL)
		err->code = MC_E_CONFIG;	/* exit 2: nothing was linted */
	if (ctx->json) {
		doc = cmd_migrate_doc(ctx, "migrate lint", dir);
		arr = cJSON_CreateArray();
		for (i = 0; rc == 0 && i < l.n; i++) {
			o = cJSON_CreateObject();
			cJSON_AddStringToObject(o, "file", l.v[i].path);
			cJSON_AddNumberToObject(o, "line", l.v[i].line);
			cJSON_AddStringToObject(o, "rule", l.v[i].rule);
			cJSON_AddStringToObject(o, "what", l.v[i].what);
			cJSON_AddStringToObject(o, "instead", l.v[i].instead);
			cJSON_AddItemToArray(arr, o);
		}
		cJSON_AddItemToObject(doc, "findings", arr);
		cJSON_AddNumberToObject(doc, "files", (double)l.nfiles);
		cJSON_AddNumberToObject(doc, "statements", (double)l.nstmts);
		cJSON_AddNumberToObject(doc, "ignored", (double)l.nignored);
		i = l.n;
		miglint_done(&l);
		free(dir);
		return (cmd_migrate_finish_json(ctx, doc, rc, i > 0 ? 3 : 0, err));
	}
	if (rc == 0) {
		for (i = 0; i < l.n; i++) {
			line = miglint_format(&l.v[i]);
			out_printf(ctx->out, "%s\n", line);
			free(line);
		}
		out_printf(ctx->out, "migrate lint: %zu finding%s in %zu file%s "
		    "(%zu statement%s; %zu ignored by lint-ignore or .mcpdb-lint)\n",
		    l.n, l.n == 1 ? "" : "s", l.nfiles, l.nfiles == 1 ? "" : "s",
		    l.nstmts, l.nstmts == 1 ? "" : "s", l.nignored);
		rc = l.n > 0 ? 3 : 0;
	}
	miglint_done(&l);
	free(dir);
	return (rc);
}

/* ------------------------------------------------------------------ new */

/*
 * migrate new NAME: in --dir, the target's migrations_dir, or ./migrations
 * (never the installed set, which is not where new migrations are written).
 */
static int
cmd_migrate_new_exec(struct cmd_ctx *ctx, const struct cmd_args *a, struct mc_err *err)
{
	const char	*flag = cmd_opt(a, "dir");
	char		*top, *dir, *id;

	if (flag == NULL && (ctx->target == NULL || ctx->target->migrations_dir == NULL))
		flag = "migrations";
	top = migrate_dir(ctx->target, flag);
	id = migrate_new(top, cmd_opt(a, "stream"), cmd_arg(a, 0), &dir, err);
	free(top);
	if (id == NULL) {
		if (ctx->json)
			return (cmd_migrate_finish_json(ctx, cmd_migrate_doc(ctx, "migrate new",
			    NULL), -1, 1, err));
		return (-1);
	}
	if (ctx->json) {
		cJSON	*doc = cmd_migrate_doc(ctx, "migrate new", dir);
		char	*p;

		cJSON_AddStringToObject(doc, "id", id);
		p = xasprintf("%s/%s.up.sql", dir, id);
		cJSON_AddStringToObject(doc, "up", p);
		free(p);
		p = xasprintf("%s/%s.down.sql", dir, id);
		cJSON_AddStringToObject(doc, "down", p);
		free(p);
		out_doc(ctx->out, doc);
	} else
		out_printf(ctx->out, "created %s/%s.up.sql and %s/%s.down.sql\n"
		    "write the SQL in both, then run \"mcpdb migrate check\"\n", dir, id, dir, id);
	free(id);
	free(dir);
	return (0);
}

/* ---------------------------------------------------------------- table */

#define CMD_MIGRATE_DIR_OPT \
	{ "dir", 0, "DIR", "migrations directory (default: the target's migrations_dir, ./migrations, then the installed set)", CC_FILE }, \
	{ "stream", 0, "NAME", "the migration stream: a sub-directory of DIR, or default for its top-level files", CC_STREAM }
#define CMD_MIGRATE_LOCK_OPT \
	{ "lock-timeout", 0, "DURATION", "how long to wait for another run's lock (default 10s; ms, s, min)", CC_NONE }

static const struct cmd_opt cmd_migrate_status_opts[] = {
	CMD_MIGRATE_DIR_OPT,
	{ NULL, 0, NULL, NULL, CC_NONE },
};

static const struct cmd_opt cmd_migrate_up_opts[] = {
	{ "to", 0, "VERSION", "apply up to and including this version", CC_MIGRATION },
	{ "to-tag", 0, "TAG", "apply up to the version of this tag (see migrate tag)", CC_NONE },
	{ "dry-run", 'n', NULL, "show what would be applied; change nothing", CC_NONE },
	{ "allow-out-of-order", 0, NULL, "apply pending files numbered below the newest applied one (recorded)", CC_NONE },
	{ "wait", 0, "SECONDS", "wait up to SECONDS for the server to accept connections (containers starting together)", CC_NONE },
	CMD_MIGRATE_LOCK_OPT,
	CMD_MIGRATE_DIR_OPT,
	{ NULL, 0, NULL, NULL, CC_NONE },
};

static const struct cmd_opt cmd_migrate_down_opts[] = {
	{ "steps", 0, "N", "roll back the last N applied migrations (default 1)", CC_NONE },
	{ "to", 0, "VERSION", "roll back everything applied above this version (0: all)", CC_MIGRATION },
	{ "to-tag", 0, "TAG", "roll back everything applied above the version of this tag", CC_NONE },
	{ "dry-run", 'n', NULL, "show what would be rolled back; change nothing", CC_NONE },
	CMD_MIGRATE_LOCK_OPT,
	CMD_MIGRATE_DIR_OPT,
	{ NULL, 0, NULL, NULL, CC_NONE },
};

static const struct cmd_opt cmd_migrate_redo_opts[] = {
	{ "steps", 0, "N", "roll back and re-apply the last N applied migrations (default 1)", CC_NONE },
	{ "dry-run", 'n', NULL, "show what would run; change nothing", CC_NONE },
	CMD_MIGRATE_LOCK_OPT,
	CMD_MIGRATE_DIR_OPT,
	{ NULL, 0, NULL, NULL, CC_NONE },
};

static const struct cmd_opt cmd_migrate_plan_opts[] = {
	{ "to", 0, "VERSION", "plan up to and including this version", CC_MIGRATION },
	{ "to-tag", 0, "TAG", "plan up to the version of this tag", CC_NONE },
	{ "allow-out-of-order", 0, NULL, "include pending files below the newest applied one", CC_NONE },
	CMD_MIGRATE_DIR_OPT,
	{ NULL, 0, NULL, NULL, CC_NONE },
};

static const struct cmd_opt cmd_migrate_verify_opts[] = {
	{ "diff", 0, NULL, "show the SQL that ran against the file, as a unified diff", CC_NONE },
	CMD_MIGRATE_DIR_OPT,
	{ NULL, 0, NULL, NULL, CC_NONE },
};

static const struct cmd_opt cmd_migrate_resolve_opts[] = {
	{ "applied", 0, NULL, "its changes are in place: mark it applied", CC_NONE },
	{ "rolled-back", 0, NULL, "its changes are not in place: delete its ledger row", CC_NONE },
	CMD_MIGRATE_LOCK_OPT,
	CMD_MIGRATE_DIR_OPT,
	{ NULL, 0, NULL, NULL, CC_NONE },
};

static const struct cmd_entry cmd_migrate_status_entry = {
	.name = "migrate status",
	.summary = "list migrations: applied, pending, checksum-mismatch, file-missing, failed, running",
	.help = "Then the repeatable migrations (R_name.sql): applied, pending, outdated (changed "
	    "since applied), file-missing. Exit status 0 when everything is applied, 3 when "
	    "anything is pending, outdated or wrong.\nWith per-schema streams (sub-directories "
	    "of the migrations directory), one block per stream; --stream NAME shows one.",
	.opts = cmd_migrate_status_opts, .min_args = 0, .max_args = 0,
	.flags = CMD_NEEDS_TARGET, .exec = cmd_migrate_status_exec,
};

static const struct cmd_entry cmd_migrate_up_entry = {
	.name = "migrate up",
	.summary = "apply pending migrations, each in its own transaction with its ledger row",
	.help = "Takes the migration lock (waits up to --lock-timeout, naming the holder) only when "
	    "something is pending. Refuses over drift, failed migrations and out-of-order files. "
	    "Then applies each repeatable migration (R_name.sql) that is new or changed, by name, "
	    "each in its own transaction (none with a --to below the newest file).",
	.opts = cmd_migrate_up_opts, .min_args = 0, .max_args = 0,
	.flags = CMD_NEEDS_TARGET | CMD_WRITES, .exec = cmd_migrate_up_exec,
};

static const struct cmd_entry cmd_migrate_down_entry = {
	.name = "migrate down",
	.summary = "roll back applied migrations, newest applied first (default one)",
	.help = "Asks first; on a protected target the target's name must be typed (or --confirm NAME).",
	.opts = cmd_migrate_down_opts, .min_args = 0, .max_args = 0,
	.flags = CMD_NEEDS_TARGET | CMD_WRITES | CMD_DESTRUCTIVE, .exec = cmd_migrate_down_exec,
};

static const struct cmd_entry cmd_migrate_redo_entry = {
	.name = "migrate redo",
	.summary = "roll back the last applied migration(s) and apply them again",
	.opts = cmd_migrate_redo_opts, .min_args = 0, .max_args = 0,
	.flags = CMD_NEEDS_TARGET | CMD_WRITES | CMD_DESTRUCTIVE, .exec = cmd_migrate_redo_exec,
};

static const struct cmd_entry cmd_migrate_plan_entry = {
	.name = "migrate plan",
	.summary = "show exactly which files up would run, in order, with their SQL",
	.opts = cmd_migrate_plan_opts, .min_args = 0, .max_args = 0,
	.flags = CMD_NEEDS_TARGET, .exec = cmd_migrate_plan_exec,
};

static const struct cmd_entry cmd_migrate_verify_entry = {
	.name = "migrate verify",
	.summary = "check applied migrations against their files (checksums, missing files)",
	.help = "Exit status 3 on any drift (as status); --diff shows what ran against the file now.",
	.opts = cmd_migrate_verify_opts, .min_args = 0, .max_args = 0,
	.flags = CMD_NEEDS_TARGET, .exec = cmd_migrate_verify_exec,
};

static const struct cmd_entry cmd_migrate_check_entry = {
	.name = "migrate check",
	.summary = "prove every down reverses its up, in a scratch database",
	.help = "Creates a database from template0 (needs CREATEDB), applies each up, snapshots the "
	    "catalog, applies the down, compares, re-applies the up; drops the database afterwards.\n"
	    "First drops the scratch databases of killed checks of this host (mcpdb_check_PID_TIME_HOST\n"
	    "whose process is gone) and lists the others (running, or of another host).",
	.opts = cmd_migrate_status_opts, .min_args = 0, .max_args = 0,
	.flags = CMD_NEEDS_TARGET | CMD_WRITES, .exec = cmd_migrate_check_exec,
};

static const struct cmd_entry cmd_migrate_resolve_entry = {
	.name = "migrate resolve", .args = "VERSION",
	.summary = "settle a failed no-transaction migration: --applied or --rolled-back",
	.opts = cmd_migrate_resolve_opts, .min_args = 1, .max_args = 1,
	.complete = CC_MIGRATION,
	.flags = CMD_NEEDS_TARGET | CMD_WRITES | CMD_DESTRUCTIVE, .exec = cmd_migrate_resolve_exec,
};

static const struct cmd_opt cmd_migrate_baseline_opts[] = {
	{ "reason", 0, "TEXT", "why (recorded in the history): e.g. \"schemas created by hand\"", CC_NONE },
	CMD_MIGRATE_LOCK_OPT,
	CMD_MIGRATE_DIR_OPT,
	{ NULL, 0, NULL, NULL, CC_NONE },
};

static const struct cmd_entry cmd_migrate_baseline_entry = {
	.name = "migrate baseline", .args = "VERSION",
	.summary = "adopt an existing database: mark files up to VERSION applied, run nothing",
	.help = "Refuses when the ledger has any row. One transaction; each row is flagged "
	    "baselined (status says so) and the history records who, when and --reason. Asks first.",
	.opts = cmd_migrate_baseline_opts, .min_args = 1, .max_args = 1,
	.complete = CC_MIGRATION,
	.flags = CMD_NEEDS_TARGET | CMD_WRITES | CMD_DESTRUCTIVE,
	.exec = cmd_migrate_baseline_exec,
};

static const struct cmd_opt cmd_migrate_repair_opts[] = {
	{ "remove-failed", 0, NULL, "delete the ledger rows of failed runs instead (each confirmed)", CC_NONE },
	CMD_MIGRATE_LOCK_OPT,
	CMD_MIGRATE_DIR_OPT,
	{ NULL, 0, NULL, NULL, CC_NONE },
};

static const struct cmd_entry cmd_migrate_repair_entry = {
	.name = "migrate repair",
	.summary = "re-record checksums of deliberately edited applied files, one by one",
	.help = "Shows each old and new checksum and asks (the typed name on a protected "
	    "target); writes all confirmed rows in one transaction. --remove-failed deletes "
	    "failed rows instead. Exit 1 with nothing to repair.",
	.opts = cmd_migrate_repair_opts, .min_args = 0, .max_args = 0,
	.flags = CMD_NEEDS_TARGET | CMD_WRITES | CMD_DESTRUCTIVE,
	.exec = cmd_migrate_repair_exec,
};

static const struct cmd_opt cmd_migrate_history_opts[] = {
	{ "stream", 0, "NAME", "only the events of this migration stream (default: the top-level files)", CC_STREAM },
	{ NULL, 0, NULL, NULL, CC_NONE },
};

static const struct cmd_entry cmd_migrate_history_entry = {
	.name = "migrate history",
	.summary = "every apply, rollback, resolve, baseline and repair, oldest first",
	.help = "Time (UTC), duration, user@client, host and mcpdb version of the runner, "
	    "and the checksum of the file; --json for everything, errors included.",
	.opts = cmd_migrate_history_opts, .min_args = 0, .max_args = 0,
	.flags = CMD_NEEDS_TARGET, .exec = cmd_migrate_history_exec,
};

static const struct cmd_opt cmd_migrate_tag_opts[] = {
	{ "note", 0, "TEXT", "what this state is (kept with the tag and in the history)", CC_NONE },
	CMD_MIGRATE_LOCK_OPT,
	CMD_MIGRATE_DIR_OPT,
	{ NULL, 0, NULL, NULL, CC_NONE },
};

static const struct cmd_entry cmd_migrate_tag_entry = {
	.name = "migrate tag", .args = "NAME",
	.summary = "name the current applied state, to come back to with --to-tag",
	.help = "Records the newest applied version (and every applied one) under NAME; "
	    "up/down/plan --to-tag NAME move to it.\nRefused, nothing changed, on an "
	    "empty ledger, a failed or running migration, or a name already taken.",
	.opts = cmd_migrate_tag_opts, .min_args = 1, .max_args = 1,
	.flags = CMD_NEEDS_TARGET | CMD_WRITES, .exec = cmd_migrate_tag_exec,
};

static const struct cmd_entry cmd_migrate_lint_entry = {
	.name = "migrate lint", .args = "[FILE...]",
	.summary = "flag statements that lock or rewrite live tables (no server needed)",
	.help = "Rules: volatile-default, index-not-concurrent, alter-type, set-not-null,\n"
	    "foreign-key-not-valid, check-not-valid, drop-if-exists (down files). Silence one\n"
	    "statement with \"-- mcpdb:lint-ignore RULE REASON\" before or in it; a directory\n"
	    "with a .mcpdb-lint file of \"RULE REASON\" lines. ${NAME} placeholders are\n"
	    "expanded first. Exit 3 with findings, 2 when a file cannot be read.",
	.opts = cmd_migrate_status_opts, .min_args = 0, .max_args = -1,
	/* the target only for its migrations_dir and placeholders: no server */
	.flags = CMD_NEEDS_TARGET,
	.complete = CC_FILE, .exec = cmd_migrate_lint_exec,
};

static const struct cmd_entry cmd_migrate_new_entry = {
	.name = "migrate new", .args = "NAME",
	.summary = "create the next-numbered up/down pair from a template",
	.help = "Writes to --dir, the target's migrations_dir, or ./migrations (created if missing);\n"
	    "with stream sub-directories, into the one --stream names, numbered within it.",
	.opts = cmd_migrate_status_opts, .min_args = 1, .max_args = 1,
	.flags = CMD_NEEDS_TARGET, .exec = cmd_migrate_new_exec,
};

const struct cmd_entry *const cmd_migrate_entries[] = {
	&cmd_migrate_status_entry,
	&cmd_migrate_up_entry,
	&cmd_migrate_down_entry,
	&cmd_migrate_redo_entry,
	&cmd_migrate_plan_entry,
	&cmd_migrate_verify_entry,
	&cmd_migrate_check_entry,
	&cmd_migrate_resolve_entry,
	&cmd_migrate_baseline_entry,
	&cmd_migrate_repair_entry,
	&cmd_migrate_history_entry,
	&cmd_migrate_tag_entry,
	&cmd_migrate_lint_entry,
	&cmd_migrate_new_entry,
	NULL,
};
