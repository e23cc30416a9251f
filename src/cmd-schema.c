/*
 * cmd-schema.c - the "schema" command family: list relations, and export
 * typed models (TypeScript, JSON Schema) straight from the live catalog.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "conn.h"
#include "fsafe.h"
#include "pgq.h"
#include "pool.h"
#include "schema.h"
#include "xmem.h"

static const struct cmd_opt cmd_schema_export_opts[] = {
	{ "format", 'f', "FORMAT", "ts (TypeScript interfaces) or json-schema", CC_NONE },
	{ "out", 'o', "FILE", "write to FILE instead of standard output", CC_FILE },
	{ NULL, 0, NULL, NULL, CC_NONE },
};

/*
 * Borrow a pooled connection for a catalog read: from the target's read
 * pool on standbys when it has one (pg_read).
 */
static PGconn *
cmd_schema_conn(struct cmd_ctx *ctx, struct pool **pp, struct mc_err *err)
{
	struct conn	*c;

	if ((c = cmd_conn_read(ctx, err)) == NULL ||
	    (*pp = conn_pool(c, err)) == NULL)
		return (NULL);
	return (pool_acquire(*pp, "schema", err));
}

/*
 * Write text to path (a mkstemp file in its directory renamed over it; a
 * symbolic link is refused, never followed: fsafe.c), or to stdout.
 */
static int
cmd_schema_write(struct cmd_ctx *ctx, const char *path, const char *text, struct mc_err *err)
{
	if (path == NULL) {
		out_printf(ctx->out, "%s", text);
		return (0);
	}
	return (fsafe_write(path, text, strlen(text), FSAFE_MODE_DEFAULT, err));
}

/*
 * schema export under --json: one document saying what was exported; the
 * export itself goes to --out, or into the document ("content": the
 * TypeScript text, or the JSON Schema as an object).
 */
static int
cmd_schema_export_doc(struct cmd_ctx *ctx, const char *fmt, size_t nrels,
    const char *path, const char *text, struct mc_err *err)
{
	cJSON	*doc;

	if (path != NULL && cmd_schema_write(ctx, path, text, err) != 0)
		return (-1);
	doc = cJSON_CreateObject();
	cJSON_AddStringToObject(doc, "command", "schema export");
	cJSON_AddStringToObject(doc, "format", fmt);
	cJSON_AddNumberToObject(doc, "relations", (double)nrels);
	if (path != NULL)
		cJSON_AddStringToObject(doc, "file", path);
	else if (strcmp(fmt, "json-schema") == 0)
		cJSON_AddItemToObject(doc, "content", cJSON_Parse(text));
	else
		cJSON_AddStringToObject(doc, "content", text);
	out_doc(ctx->out, doc);
	return (0);
}

/* schema export --format ts|json-schema [SCHEMA...] */
static int
cmd_schema_export_exec(struct cmd_ctx *ctx, const struct cmd_args *a, struct mc_err *err)
{
	const char		*fmt = cmd_opt(a, "format"), *path = cmd_opt(a, "out");
	const char		**schemas;
	struct sch_catalog	*cat;
	struct pool		*p = NULL;
	PGconn			*pc;
	size_t			 i, n = cmd_nargs(a);
	char			*text;
	int			 rc;

	if (fmt == NULL)
		fmt = "ts";
	if (strcmp(fmt, "ts") != 0 && strcmp(fmt, "json-schema") != 0)
		return (mc_err_set(err, MC_E_USAGE, "--format: expected ts or json-schema, got \"%s\"", fmt));
	if ((pc = cmd_schema_conn(ctx, &p, err)) == NULL)
		return (-1);
	schemas = xcalloc(n + 1, sizeof(char *));
	for (i = 0; i < n; i++)
		schemas[i] = cmd_arg(a, i);
	cat = schema_load(pc, schemas, n, err);
	pool_release(p, pc);
	free(schemas);
	if (cat == NULL)
		return (-1);
	/* A schema that was named but has no relations is an operator's typo. */
	for (i = 0; i < n; i++) {
		size_t	k;

		for (k = 0; k < cat->nrels; k++)
			if (strcmp(cat->rels[k].schema, cmd_arg(a, i)) == 0)
				break;
		if (k == cat->nrels) {
			mc_err_set(err, MC_E_NOTFOUND, "schema \"%s\" has no tables or views (or does not exist)",
			    cmd_arg(a, i));
			schema_catalog_free(cat);
			return (-1);
		}
	}
	if (strcmp(fmt, "ts") == 0) {
		if ((text = schema_export_ts(cat, err)) == NULL) {
			schema_catalog_free(cat);
			return (-1);
		}
	} else {
		cJSON *doc = schema_export_json_schema(cat);

		text = cJSON_Print(doc);
		cJSON_Delete(doc);
		if (text != NULL) {
			char *t2 = xasprintf("%s\n", text);

			free(text);
			text = t2;
		}
	}
	if (ctx->json)
		rc = cmd_schema_export_doc(ctx, fmt, cat->nrels, path, text,
		    err);
	else
		rc = cmd_schema_write(ctx, path, text, err);
	if (rc == 0 && !ctx->quiet && path != NULL && !ctx->json)
		fprintf(stderr, "wrote %zu relations to %s\n", cat->nrels, path);
	schema_catalog_free(cat);
	free(text);
	return (rc);
}

static const struct cmd_entry cmd_schema_export_entry = {
	.name = "schema export", .args = "[SCHEMA...]",
	.summary = "write TypeScript interfaces or JSON Schema for tables and views, from the live catalog",
	.help = "One interface per table and view. Nullable columns are \"| null\"; bigint and numeric\n"
	    "are strings (to keep precision); jsonb is a JSON value type; arrays are T[];\n"
	    "enumerations written as CHECK (col IN (...)) become string unions.\n"
	    "Without SCHEMA, every user schema (mcpdb's own admin schema excluded).\n"
	    "Tables whose names give the same interface name (a_b, a-b, \"A B\") are refused,\n"
	    "naming them. --out FILE is replaced atomically (a temporary file in its\n"
	    "directory, renamed); a symbolic link there is refused, never followed.",
	.opts = cmd_schema_export_opts, .min_args = 0, .max_args = -1,
	.complete = CC_SCHEMA, .flags = CMD_NEEDS_TARGET, .exec = cmd_schema_export_exec,
};

/*
 * Fail (MC_E_NOTFOUND) when a schema named in lit (a text[] literal) does
 * not exist, naming the first: an empty list must not look like an answer.
 */
static int
cmd_schema_missing(PGconn *pc, const char *lit, struct mc_err *err)
{
	static const char *const sql =
	    "SELECT x FROM unnest($1::text[]) WITH ORDINALITY AS u(x, i)"
	    " WHERE NOT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = x)"
	    " ORDER BY i";
	const char	*params[1] = { lit };
	PGresult	*res;
	int		 rc = 0, n;

	if ((res = pgq_query(pc, sql, 1, params, err)) == NULL)
		return (-1);
	if ((n = PQntuples(res)) > 0)
		rc = mc_err_set(err, MC_E_NOTFOUND, "schema \"%s\" does not "
		    "exist%s", PQgetvalue(res, 0, 0),
		    n > 1 ? ", nor do others named" : "");
	PQclear(res);
	return (rc);
}

/* schema list [SCHEMA...]: relations with kind, estimated rows and size. */
static int
cmd_schema_list_exec(struct cmd_ctx *ctx, const struct cmd_args *a, struct mc_err *err)
{
	static const char *const sql =
	    "SELECT n.nspname AS schema, c.relname AS name,"
	    "  CASE c.relkind WHEN 'r' THEN 'table' WHEN 'p' THEN 'partitioned table'"
	    "   WHEN 'v' THEN 'view' WHEN 'm' THEN 'materialized view' WHEN 'S' THEN 'sequence'"
	    "   WHEN 'f' THEN 'foreign table' END AS kind,"
	    "  CASE WHEN c.relkind IN ('r','m','p') THEN CASE WHEN c.reltuples < 0"
	    "   THEN 'unknown' ELSE c.reltuples::bigint::text END END AS est_rows,"
	    "  pg_size_pretty(pg_total_relation_size(c.oid)) AS size"
	    " FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
	    " WHERE c.relkind IN ('r','p','v','m','S','f')"
	    "   AND n.nspname NOT IN ('pg_catalog','information_schema','pg_toast')"
	    "   AND n.nspname !~ '^pg_(temp|toast_temp)_'"
	    "   AND ($1::text[] IS NULL OR n.nspname = ANY ($1::text[]))"
	    " ORDER BY 1, 2";
	struct pool	*p = NULL;
	struct table	*t;
	PGconn		*pc;
	char		*lit = NULL;
	const char	*params[1];
	size_t		 i, n = cmd_nargs(a);

	if (n > 0) {
		const char **names = xcalloc(n + 1, sizeof(char *));

		for (i = 0; i < n; i++)
			names[i] = cmd_arg(a, i);
		lit = schema_text_array(names, n);
		free(names);
	}
	params[0] = lit;
	if ((pc = cmd_schema_conn(ctx, &p, err)) == NULL) {
		free(lit);
		return (-1);
	}
	if (lit != NULL && cmd_schema_missing(pc, lit, err) != 0) {
		pool_release(p, pc);
		free(lit);
		return (-1);
	}
	t = pgq_table(pc, NULL, sql, 1, params, err);
	pool_release(p, pc);
	free(lit);
	if (t == NULL)
		return (-1);
	if (ctx->json) {
		cJSON *doc = cJSON_CreateObject();

		cJSON_AddItemToObject(doc, "relations", table_to_json(t));
		out_doc(ctx->out, doc);
	} else
		out_table(ctx->out, t);
	table_free(t);
	return (0);
}

static const struct cmd_entry cmd_schema_list_entry = {
	.name = "schema list", .args = "[SCHEMA...]",
	.summary = "list tables, views, materialized views and sequences with estimated rows and size",
	.min_args = 0, .max_args = -1, .complete = CC_SCHEMA,
	.flags = CMD_NEEDS_TARGET, .exec = cmd_schema_list_exec,
};

const struct cmd_entry *const cmd_schema_entries[] = {
	&cmd_schema_list_entry, &cmd_schema_export_entry, NULL,
};
