/*
 * schema.c - catalog queries and model exports. Two set-based queries load
 * every relation and column of the chosen schemas (psql describe.c style:
 * patterns as parameters, no query per table); single-column CHECK
 * constraints of the form "col IN (...)" become string unions.
 */
#include "config.h"

#include "schema.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "pgq.h"
#include "xmem.h"

/* Relations and columns; $1 is a text[] of schemas or NULL for all. */
static const char *const schema_sql_columns =
    "SELECT n.nspname, c.relname, c.relkind::text, obj_description(c.oid, 'pg_class'),"
    "  a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull,"
    "  pg_get_expr(d.adbin, d.adrelid), col_description(c.oid, a.attnum),"
    "  CASE WHEN t.typtype = 'd' THEN bt.typname"
    "       WHEN t.typcategory = 'A' THEN et.typname ELSE t.typname END,"
    "  (t.typcategory = 'A' OR (t.typtype = 'd' AND bt.typcategory = 'A')),"
    "  CASE WHEN t.typtype = 'd' THEN bt.typtype WHEN t.typcategory = 'A' THEN et.typtype"
    "       ELSE t.typtype END::text,"
    "  CASE WHEN t.typtype = 'e' THEN (SELECT array_agg(e.enumlabel ORDER BY e.enumsortorder)"
    "       FROM pg_enum e WHERE e.enumtypid = t.oid)::text[] END"
    " FROM pg_class c"
    " JOIN pg_namespace n ON n.oid = c.relnamespace"
    " JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped"
    " JOIN pg_type t ON t.oid = a.atttypid"
    " LEFT JOIN pg_type et ON et.oid = t.typelem"
    " LEFT JOIN pg_type bt ON bt.oid = t.typbasetype"
    " LEFT JOIN pg_attrdef d ON d.adrelid = c.oid AND d.adnum = a.attnum"
    " WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f')"
    "   AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast', 'mcpdb')"
    "   AND n.nspname !~ '^pg_(temp|toast_temp)_'"
    "   AND ($1::text[] IS NULL OR n.nspname = ANY ($1::text[]))"
    "   AND NOT EXISTS (SELECT 1 FROM pg_depend dep WHERE dep.objid = c.oid AND dep.deptype = 'e')"
    " ORDER BY 1, 2, a.attnum";

/* Single-column CHECK constraints of the same relations. */
static const char *const schema_sql_checks =
    "SELECT n.nspname, c.relname, a.attname, pg_get_constraintdef(k.oid)"
    " FROM pg_constraint k"
    " JOIN pg_class c ON c.oid = k.conrelid"
    " JOIN pg_namespace n ON n.oid = c.relnamespace"
    " JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.conkey[1]"
    " WHERE k.contype = 'c' AND array_length(k.conkey, 1) = 1"
    "   AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast', 'mcpdb')"
    "   AND ($1::text[] IS NULL OR n.nspname = ANY ($1::text[]))"
    " ORDER BY 1, 2, 3, k.conname";

char *
schema_text_array(const char *const *schemas, size_t n)
{
	struct buf	b;
	size_t		i;
	const char	*p;

	buf_init(&b);
	buf_putc(&b, '{');
	for (i = 0; i < n; i++) {
		buf_puts(&b, i ? ",\"" : "\"");
		for (p = schemas[i]; *p; p++) {
			if (*p == '"' || *p == '\\')
				buf_putc(&b, '\\');
			buf_putc(&b, *p);
		}
		buf_putc(&b, '"');
	}
	buf_putc(&b, '}');
	return (buf_detach(&b));
}

/* Parse a text[] output literal into strings (simple: no nested arrays). */
static size_t
schema_parse_text_array(const char *s, char ***out)
{
	char		**v = NULL;
	size_t		  n = 0;
	struct buf	  b;

	*out = NULL;
	if (s == NULL || *s != '{')
		return (0);
	s++;
	buf_init(&b);
	while (*s && *s != '}') {
		buf_reset(&b);
		if (*s == '"') {
			for (s++; *s && *s != '"'; s++) {
				if (*s == '\\' && s[1])
					s++;
				buf_putc(&b, *s);
			}
			if (*s == '"')
				s++;
		} else
			while (*s && *s != ',' && *s != '}')
				buf_putc(&b, *s++);
		v = xreallocarray(v, n + 1, sizeof(char *));
		v[n++] = xstrdup(b.data);
		if (*s == ',')
			s++;
	}
	buf_done(&b);
	*out = v;
	return (n);
}

size_t
schema_parse_enum_check(const char *def, const char *col, char ***vals)
{
	const char	*p = def, *arr;
	char		**v = NULL;
	size_t		  n = 0, clen = strlen(col);
	struct buf	  b;

	*vals = NULL;
	if (strncmp(p, "CHECK ", 6) != 0)
		return (0);
	p += 6;
	while (*p == '(')
		p++;
	/* the column, bare or quoted */
	if (*p == '"') {
		if (strncmp(p + 1, col, clen) != 0 || p[1 + clen] != '"')
			return (0);
		p += clen + 2;
	} else {
		if (strncmp(p, col, clen) != 0 || isalnum((unsigned char)p[clen]) || p[clen] == '_')
			return (0);
		p += clen;
	}
	while (*p == ')')
		p++;
	if (strncmp(p, "::", 2) == 0)		/* (col)::text */
		while (*p && *p != ' ')
			p++;
	if (strncmp(p, " = ANY (", 8) != 0)
		return (0);
	if ((arr = strstr(p, "ARRAY[")) == NULL)
		return (0);
	p = arr + 6;
	buf_init(&b);
	while (*p == '\'') {
		buf_reset(&b);
		for (p++; *p; p++) {
			if (*p == '\'' && p[1] == '\'') {
				buf_putc(&b, '\'');
				p++;
			} else if (*p == '\'')
				break;
			else
				buf_putc(&b, *p);
		}
		if (*p != '\'')
			break;
		p++;
		if (strncmp(p, "::", 2) == 0)
			while (*p && *p != ',' && *p != ']')
				p++;
		v = xreallocarray(v, n + 1, sizeof(char *));
		v[n++] = xstrdup(b.data);
		if (strncmp(p, ", ", 2) == 0)
			p += 2;
		else
			break;
	}
	buf_done(&b);
	/* Only a pure list: the array must close and nothing but casts and ) may follow. */
	if (*p != ']' || strstr(p, " AND ") != NULL || strstr(p, " OR ") != NULL) {
		while (n > 0)
			free(v[--n]);
		free(v);
		return (0);
	}
	*vals = v;
	return (n);
}

struct sch_catalog *
schema_load(PGconn *conn, const char *const *schemas, size_t n, struct mc_err *err)
{
	struct sch_catalog	*cat;
	struct sch_relation	*r = NULL;
	PGresult		*res;
	char			*lit = n > 0 ? schema_text_array(schemas, n) : NULL;
	const char		*params[1] = { lit };
	int			 i, nt;

	if ((res = pgq_query(conn, schema_sql_columns, 1, params, err)) == NULL) {
		free(lit);
		return (NULL);
	}
	cat = xcalloc(1, sizeof(*cat));
	cat->database = xstrdup(PQdb(conn));
	nt = PQntuples(res);
	for (i = 0; i < nt; i++) {
		struct sch_column	*c;
		const char		*sn = PQgetvalue(res, i, 0), *rn = PQgetvalue(res, i, 1);

		if (r == NULL || strcmp(r->schema, sn) != 0 || strcmp(r->name, rn) != 0) {
			cat->rels = xreallocarray(cat->rels, cat->nrels + 1, sizeof(*cat->rels));
			r = &cat->rels[cat->nrels++];
			memset(r, 0, sizeof(*r));
			r->schema = xstrdup(sn);
			r->name = xstrdup(rn);
			r->kind = PQgetvalue(res, i, 2)[0];
			r->comment = PQgetisnull(res, i, 3) ? NULL : xstrdup(PQgetvalue(res, i, 3));
		}
		r->cols = xreallocarray(r->cols, r->ncols + 1, sizeof(*r->cols));
		c = &r->cols[r->ncols++];
		memset(c, 0, sizeof(*c));
		c->name = xstrdup(PQgetvalue(res, i, 4));
		c->type = xstrdup(PQgetvalue(res, i, 5));
		c->not_null = PQgetvalue(res, i, 6)[0] == 't';
		c->default_ = PQgetisnull(res, i, 7) ? NULL : xstrdup(PQgetvalue(res, i, 7));
		c->comment = PQgetisnull(res, i, 8) ? NULL : xstrdup(PQgetvalue(res, i, 8));
		c->base = xstrdup(PQgetvalue(res, i, 9));
		c->is_array = PQgetvalue(res, i, 10)[0] == 't';
		c->typtype = PQgetvalue(res, i, 11)[0];
		if (!PQgetisnull(res, i, 12))
			c->nenum = schema_parse_text_array(PQgetvalue(res, i, 12), &c->enum_vals);
	}
	PQclear(res);
	if ((res = pgq_query(conn, schema_sql_checks, 1, params, err)) == NULL) {
		free(lit);
		schema_catalog_free(cat);
		return (NULL);
	}
	free(lit);
	nt = PQntuples(res);
	for (i = 0; i < nt; i++) {
		size_t	k, j;

		for (k = 0; k < cat->nrels; k++) {
			r = &cat->rels[k];
			if (strcmp(r->schema, PQgetvalue(res, i, 0)) != 0 ||
			    strcmp(r->name, PQgetvalue(res, i, 1)) != 0)
				continue;
			for (j = 0; j < r->ncols; j++) {
				struct sch_column *c = &r->cols[j];

				if (strcmp(c->name, PQgetvalue(res, i, 2)) == 0 && c->nenum == 0)
					c->nenum = schema_parse_enum_check(PQgetvalue(res, i, 3),
					    c->name, &c->enum_vals);
			}
		}
	}
	PQclear(res);
	return (cat);
}

void
schema_catalog_free(struct sch_catalog *cat)
{
	size_t	i, j, k;

	if (cat == NULL)
		return;
	for (i = 0; i < cat->nrels; i++) {
		struct sch_relation *r = &cat->rels[i];

		for (j = 0; j < r->ncols; j++) {
			struct sch_column *c = &r->cols[j];

			for (k = 0; k < c->nenum; k++)
				free(c->enum_vals[k]);
			free(c->enum_vals);
			free(c->name);
			free(c->type);
			free(c->base);
			free(c->default_);
			free(c->comment);
		}
		free(r->cols);
		free(r->schema);
		free(r->name);
		free(r->comment);
	}
	free(cat->rels);
	free(cat->database);
	free(cat);
}

char *
schema_pascal(const char *schema, const char *name)
{
	struct buf	b;
	const char	*parts[2] = { schema, name };
	bool		up = true;
	int		i;

	buf_init(&b);
	for (i = 0; i < 2; i++) {
		const char *p;

		up = true;
		for (p = parts[i]; *p; p++) {
			if (!isalnum((unsigned char)*p)) {
				up = true;
				continue;
			}
			buf_putc(&b, up ? toupper((unsigned char)*p) : *p);
			up = false;
		}
	}
	if (b.len == 0 || isdigit((unsigned char)b.data[0])) {
		char *s = xasprintf("T%s", b.data);

		buf_done(&b);
		return (s);
	}
	return (buf_detach(&b));
}

/* Is base one of the listed type names? */
static bool
schema_is(const char *base, const char *const *names)
{
	for (; *names != NULL; names++)
		if (strcmp(base, *names) == 0)
			return (true);
	return (false);
}

static const char *const schema_int_types[] = { "int2", "int4", "oid", "xid", "cid", NULL };
static const char *const schema_float_types[] = { "float4", "float8", NULL };
static const char *const schema_bigstr_types[] = { "int8", "numeric", "money", NULL };
static const char *const schema_json_types[] = { "json", "jsonb", NULL };

/* Append a TypeScript string literal. */
static void
schema_ts_string(struct buf *b, const char *s)
{
	buf_putc(b, '\'');
	for (; *s; s++) {
		if (*s == '\'' || *s == '\\')
			buf_putc(b, '\\');
		if (*s == '\n')
			buf_puts(b, "\\n");
		else
			buf_putc(b, *s);
	}
	buf_putc(b, '\'');
}

/* The TypeScript type of one column, without "| null". */
static void
schema_ts_type(struct buf *b, const struct sch_column *c)
{
	size_t	i;
	bool	paren = c->is_array && c->nenum > 0;

	if (paren)
		buf_putc(b, '(');
	if (c->nenum > 0) {
		for (i = 0; i < c->nenum; i++) {
			if (i > 0)
				buf_puts(b, " | ");
			schema_ts_string(b, c->enum_vals[i]);
		}
	} else if (schema_is(c->base, schema_int_types) || schema_is(c->base, schema_float_types))
		buf_puts(b, "number");
	else if (strcmp(c->base, "bool") == 0)
		buf_puts(b, "boolean");
	else if (schema_is(c->base, schema_json_types))
		buf_puts(b, "JsonValue");
	else if (strcmp(c->base, "vector") == 0 || strcmp(c->base, "halfvec") == 0)
		buf_puts(b, "number[]");
	else
		buf_puts(b, "string");	/* text, uuid, timestamps (ISO), bigint/numeric, bytea (hex) ... */
	if (paren)
		buf_putc(b, ')');
	if (c->is_array)
		buf_puts(b, "[]");
}

/* Is s a valid bare TypeScript property name? */
static bool
schema_ts_ident(const char *s)
{
	if (!isalpha((unsigned char)*s) && *s != '_' && *s != '$')
		return (false);
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '_' && *s != '$')
			return (false);
	return (true);
}

/* A comment safe inside a block comment. */
static void
schema_ts_comment(struct buf *b, const char *indent, const char *text)
{
	const char	*p;

	buf_printf(b, "%s/** ", indent);
	for (p = text; *p; p++) {
		if (*p == '*' && p[1] == '/')
			buf_puts(b, "* /");
		else if (*p == '\n')
			buf_printf(b, "\n%s * ", indent);
		else
			buf_putc(b, *p);
		if (*p == '*' && p[1] == '/')
			p++;
	}
	buf_puts(b, " */\n");
}

/* Append schema.name, each part double-quoted when it is not a plain identifier. */
static void
schema_put_qname(struct buf *b, const char *schema, const char *name)
{
	const char	*parts[2] = { schema, name }, *p;
	bool		 plain;
	int		 i;

	for (i = 0; i < 2; i++) {
		plain = (*parts[i] >= 'a' && *parts[i] <= 'z') || *parts[i] == '_';
		for (p = parts[i]; *p && plain; p++)
			plain = (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
			    *p == '_';
		if (i > 0)
			buf_putc(b, '.');
		if (plain)
			buf_puts(b, parts[i]);
		else {
			buf_putc(b, '"');
			for (p = parts[i]; *p; p++) {
				if (*p == '"')
					buf_putc(b, '"');
				buf_putc(b, *p);
			}
			buf_putc(b, '"');
		}
	}
}

/*
 * Refuse (-1 with err) when two relations of cat map to one interface name
 * in names[] ("a_b", "a-b" and "A B" all give AB), or one maps to the
 * JsonValue type the export defines; the message names every relation of
 * the first collision.
 */
static int
schema_ts_collisions(const struct sch_catalog *cat, char **names, struct mc_err *err)
{
	struct buf	b;
	size_t		i, j, n, last;

	for (i = 0; i < cat->nrels; i++) {
		if (strcmp(names[i], "JsonValue") == 0) {
			buf_init(&b);
			schema_put_qname(&b, cat->rels[i].schema, cat->rels[i].name);
			mc_err_set(err, MC_E_REFUSED, "schema export --format ts: %s would "
			    "become interface JsonValue, which the export defines itself; "
			    "rename it or use --format json-schema", b.data);
			buf_done(&b);
			return (-1);
		}
		for (n = 1, last = i, j = i + 1; j < cat->nrels; j++)
			if (strcmp(names[i], names[j]) == 0) {
				n++;
				last = j;
			}
		if (n == 1)
			continue;
		buf_init(&b);
		for (j = i; j <= last; j++) {
			if (strcmp(names[i], names[j]) != 0)
				continue;
			if (j > i)
				buf_puts(&b, j == last ? (n > 2 ? ", and " : " and ") : ", ");
			schema_put_qname(&b, cat->rels[j].schema, cat->rels[j].name);
		}
		mc_err_set(err, MC_E_REFUSED, "schema export --format ts: %s would %s "
		    "interface %s; rename all but one, or use --format json-schema "
		    "(keyed by the real names)", b.data, n > 2 ? "all become" : "both become",
		    names[i]);
		buf_done(&b);
		return (-1);
	}
	return (0);
}

char *
schema_export_ts(const struct sch_catalog *cat, struct mc_err *err)
{
	struct buf	b;
	size_t		i, j;
	char		**names = xcalloc(cat->nrels + 1, sizeof(char *));

	for (i = 0; i < cat->nrels; i++)
		names[i] = schema_pascal(cat->rels[i].schema, cat->rels[i].name);
	if (schema_ts_collisions(cat, names, err) == -1) {
		for (i = 0; i < cat->nrels; i++)
			free(names[i]);
		free(names);
		return (NULL);
	}
	buf_init(&b);
	buf_printf(&b, "/*\n * Generated by mcpdb schema export from database \"%s\".\n"
	    " * Do not edit: regenerate with `mcpdb schema export --format ts`.\n"
	    " * bigint and numeric are strings (precision); jsonb is JsonValue;\n"
	    " * timestamps are ISO strings; vector columns are number[].\n */\n\n",
	    cat->database);
	buf_puts(&b, "export type JsonValue =\n\t| string\n\t| number\n\t| boolean\n\t| null\n"
	    "\t| JsonValue[]\n\t| { [key: string]: JsonValue };\n");
	for (i = 0; i < cat->nrels; i++) {
		const struct sch_relation *r = &cat->rels[i];
		char	*iname = names[i];

		char	*what = xasprintf("%s%s%s %s.%s", r->comment ? r->comment : "",
		    r->comment ? "\n" : "",
		    r->kind == 'v' ? "view" : r->kind == 'm' ? "materialized view" : "table",
		    r->schema, r->name);

		buf_putc(&b, '\n');
		schema_ts_comment(&b, "", what);
		free(what);
		buf_printf(&b, "export interface %s {\n", iname);
		for (j = 0; j < r->ncols; j++) {
			const struct sch_column *c = &r->cols[j];

			if (c->comment != NULL)
				schema_ts_comment(&b, "\t", c->comment);
			buf_putc(&b, '\t');
			if (schema_ts_ident(c->name))
				buf_puts(&b, c->name);
			else
				schema_ts_string(&b, c->name);
			buf_puts(&b, ": ");
			schema_ts_type(&b, c);
			/* views cannot promise NOT NULL: every view column may be null */
			if (!c->not_null || r->kind == 'v' || r->kind == 'm')
				buf_puts(&b, " | null");
			buf_printf(&b, "; // %s\n", c->type);
		}
		buf_puts(&b, "}\n");
		free(iname);
	}
	free(names);
	return (buf_detach(&b));
}

/* The JSON Schema of one column's values (without null). */
static cJSON *
schema_js_type(const struct sch_column *c)
{
	cJSON	*t = cJSON_CreateObject();
	size_t	 i;

	if (c->nenum > 0) {
		cJSON	*e = cJSON_CreateArray();

		for (i = 0; i < c->nenum; i++)
			cJSON_AddItemToArray(e, cJSON_CreateString(c->enum_vals[i]));
		cJSON_AddItemToObject(t, "enum", e);
	} else if (schema_is(c->base, schema_int_types))
		cJSON_AddStringToObject(t, "type", "integer");
	else if (schema_is(c->base, schema_float_types))
		cJSON_AddStringToObject(t, "type", "number");
	else if (strcmp(c->base, "bool") == 0)
		cJSON_AddStringToObject(t, "type", "boolean");
	else if (schema_is(c->base, schema_json_types))
		;	/* any JSON value */
	else if (strcmp(c->base, "vector") == 0) {
		cJSON_AddStringToObject(t, "type", "array");
		cJSON_AddItemToObject(t, "items", cJSON_CreateRaw("{\"type\": \"number\"}"));
	} else {
		cJSON_AddStringToObject(t, "type", "string");
		if (strcmp(c->base, "uuid") == 0)
			cJSON_AddStringToObject(t, "format", "uuid");
		else if (strcmp(c->base, "timestamptz") == 0 || strcmp(c->base, "timestamp") == 0)
			cJSON_AddStringToObject(t, "format", "date-time");
		else if (strcmp(c->base, "date") == 0)
			cJSON_AddStringToObject(t, "format", "date");
		else if (schema_is(c->base, schema_bigstr_types))
			cJSON_AddStringToObject(t, "pattern", "^-?[0-9]+(\\.[0-9]+)?$");
	}
	if (c->is_array) {
		cJSON	*a = cJSON_CreateObject();

		cJSON_AddStringToObject(a, "type", "array");
		cJSON_AddItemToObject(a, "items", t);
		t = a;
	}
	return (t);
}

cJSON *
schema_export_json_schema(const struct sch_catalog *cat)
{
	cJSON	*doc = cJSON_CreateObject(), *defs = cJSON_CreateObject();
	size_t	 i, j;

	cJSON_AddStringToObject(doc, "$schema", "https://json-schema.org/draft/2020-12/schema");
	cJSON_AddStringToObject(doc, "title", cat->database);
	cJSON_AddStringToObject(doc, "description", "Generated by mcpdb schema export; one $defs entry per table and view.");
	for (i = 0; i < cat->nrels; i++) {
		const struct sch_relation *r = &cat->rels[i];
		cJSON	*o = cJSON_CreateObject(), *props = cJSON_CreateObject();
		cJSON	*req = cJSON_CreateArray();
		char	*key = xasprintf("%s.%s", r->schema, r->name);

		cJSON_AddStringToObject(o, "type", "object");
		if (r->comment != NULL)
			cJSON_AddStringToObject(o, "description", r->comment);
		for (j = 0; j < r->ncols; j++) {
			const struct sch_column *c = &r->cols[j];
			cJSON	*t = schema_js_type(c);

			if (!c->not_null || r->kind == 'v' || r->kind == 'm') {
				cJSON	*any = cJSON_CreateArray(), *wrap = cJSON_CreateObject();

				cJSON_AddItemToArray(any, t);
				cJSON_AddItemToArray(any, cJSON_CreateRaw("{\"type\": \"null\"}"));
				cJSON_AddItemToObject(wrap, "anyOf", any);
				t = wrap;
			}
			if (c->comment != NULL)
				cJSON_AddStringToObject(t, "description", c->comment);
			cJSON_AddItemToObject(props, c->name, t);
			cJSON_AddItemToArray(req, cJSON_CreateString(c->name));
		}
		cJSON_AddItemToObject(o, "properties", props);
		cJSON_AddItemToObject(o, "required", req);
		cJSON_AddFalseToObject(o, "additionalProperties");
		cJSON_AddItemToObject(defs, key, o);
		free(key);
	}
	cJSON_AddItemToObject(doc, "$defs", defs);
	return (doc);
}

/* ================================================================ browser */

/* The schemas a browser shows: not the system's, not an extension's. */
#define SCHEMA_NSP_FILTER \
	" n.nspname NOT IN ('pg_catalog', 'information_schema')" \
	" AND n.nspname !~ '^pg_(toast|temp_|toast_temp_)'"

static const char *const schema_sql_tree_nsp =
    "SELECT n.nspname FROM pg_catalog.pg_namespace n WHERE" SCHEMA_NSP_FILTER
    " AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d"
    "   WHERE d.classid = 'pg_catalog.pg_namespace'::pg_catalog.regclass"
    "   AND d.objid = n.oid AND d.deptype = 'e')";

static const char *const schema_sql_tree_rel =
    "SELECT n.nspname, c.relname, c.relkind, c.oid, c.reltuples"
    " FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace"
    " WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f') AND" SCHEMA_NSP_FILTER
    " AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d"
    "   WHERE d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass"
    "   AND d.objid = c.oid AND d.deptype = 'e')";

/* Functions; %s is prokind, or its pre-11 equivalent. */
static const char *const schema_sql_tree_fn =
    "SELECT n.nspname, p.proname || '(' ||"
    " pg_catalog.oidvectortypes(p.proargtypes) || ')', %s, p.oid, -1"
    " FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace"
    " WHERE" SCHEMA_NSP_FILTER
    " AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d"
    "   WHERE d.classid = 'pg_catalog.pg_proc'::pg_catalog.regclass"
    "   AND d.objid = p.oid AND d.deptype = 'e')";

const char *
schema_okind_name(enum sch_okind k)
{
	static const char *const names[SCH_O__COUNT] = {
		"table", "view", "matview", "foreign", "sequence", "function",
	};

	return (k < SCH_O__COUNT ? names[k] : "?");
}

/* The browser kind of a relkind. */
static enum sch_okind
schema_relkind(char rk)
{
	switch (rk) {
	case 'v':
		return (SCH_O_VIEW);
	case 'm':
		return (SCH_O_MATVIEW);
	case 'f':
		return (SCH_O_FOREIGN);
	case 'S':
		return (SCH_O_SEQUENCE);
	default:
		return (SCH_O_TABLE);
	}
}

/* qsort: schema names bytewise. */
static int
schema_cmp_str(const void *a, const void *b)
{
	return (strcmp(*(char *const *)a, *(char *const *)b));
}

/* qsort: objects by schema, kind, then name (bytewise). */
static int
schema_cmp_obj(const void *a, const void *b)
{
	const struct sch_obj	*x = a, *y = b;

	if (x->schema != y->schema)
		return (x->schema < y->schema ? -1 : 1);
	if (x->kind != y->kind)
		return (x->kind < y->kind ? -1 : 1);
	return (strcmp(x->name, y->name));
}

/* Index of schema name in the sorted tree, or -1. */
static long
schema_tree_find(const struct sch_tree *t, const char *name)
{
	size_t	lo = 0, hi = t->nschemas;

	while (lo < hi) {
		size_t	mid = (lo + hi) / 2;
		int	c = strcmp(t->schemas[mid], name);

		if (c == 0)
			return ((long)mid);
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return (-1);
}

/* Add the object rows of res (schema, name, kind, oid, reltuples) to t. */
static void
schema_tree_add(struct sch_tree *t, PGresult *res, bool fn)
{
	int	i, n = PQntuples(res);
	size_t	cap = t->nobjs + (size_t)n;

	t->objs = xreallocarray(t->objs, cap ? cap : 1, sizeof(*t->objs));
	for (i = 0; i < n; i++) {
		struct sch_obj	*o;
		long		 s = schema_tree_find(t, PQgetvalue(res, i, 0));

		if (s < 0)	/* an extension's schema */
			continue;
		o = &t->objs[t->nobjs++];
		o->schema = (size_t)s;
		o->name = xstrdup(PQgetvalue(res, i, 1));
		o->sub = PQgetvalue(res, i, 2)[0];
		o->kind = fn ? SCH_O_FUNCTION : schema_relkind(o->sub);
		o->oid = (unsigned int)strtoul(PQgetvalue(res, i, 3), NULL, 10);
		o->est_rows = -1;
		if (o->kind == SCH_O_TABLE || o->kind == SCH_O_MATVIEW) {
			o->est_rows = strtod(PQgetvalue(res, i, 4), NULL);
			if (o->est_rows < 0)
				o->est_rows = -1;
		}
	}
}

struct sch_tree *
schema_tree_load(PGconn *conn, struct mc_err *err)
{
	struct sch_tree	*t;
	PGresult	*res, *r[3] = { NULL, NULL, NULL };
	char		*fn, *sql;
	int		 nres = 0, i;
	bool		 failed = false;

	fn = xasprintf(schema_sql_tree_fn, PQserverVersion(conn) >= 110000 ? "p.prokind" :
	    "CASE WHEN p.proisagg THEN 'a' WHEN p.proiswindow THEN 'w' ELSE 'f' END");
	sql = xasprintf("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; "
	    "SET LOCAL statement_timeout = '20s'; %s; %s; %s; COMMIT",
	    schema_sql_tree_nsp, schema_sql_tree_rel, fn);
	free(fn);
	if (!PQsendQuery(conn, sql)) {
		free(sql);
		return (mc_err_pg(err, conn, NULL), NULL);
	}
	free(sql);
	/* Results: BEGIN, SET, three row sets, COMMIT; keep the first error. */
	while ((res = PQgetResult(conn)) != NULL) {
		ExecStatusType	st = PQresultStatus(res);

		if (st == PGRES_TUPLES_OK && nres < 3) {
			r[nres++] = res;
			continue;
		}
		if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK && !failed) {
			mc_err_pg(err, conn, res);
			failed = true;
		}
		PQclear(res);
	}
	if (PQtransactionStatus(conn) != PQTRANS_IDLE)
		PQclear(PQexec(conn, "ROLLBACK"));
	if (failed || nres < 3) {
		if (!failed)
			mc_err_set(err, MC_E_QUERY, "the catalog queries returned %d of 3 results", nres);
		for (i = 0; i < nres; i++)
			PQclear(r[i]);
		return (NULL);
	}
	t = xcalloc(1, sizeof(*t));
	t->database = xstrdup(PQdb(conn) ? PQdb(conn) : "");
	t->nschemas = (size_t)PQntuples(r[0]);
	t->schemas = xcalloc(t->nschemas + 1, sizeof(char *));
	for (i = 0; i < PQntuples(r[0]); i++)
		t->schemas[i] = xstrdup(PQgetvalue(r[0], i, 0));
	qsort(t->schemas, t->nschemas, sizeof(char *), schema_cmp_str);
	schema_tree_add(t, r[1], false);
	schema_tree_add(t, r[2], true);
	qsort(t->objs, t->nobjs, sizeof(*t->objs), schema_cmp_obj);
	for (i = 0; i < 3; i++)
		PQclear(r[i]);
	return (t);
}

void
schema_tree_free(struct sch_tree *t)
{
	size_t	i;

	if (t == NULL)
		return;
	for (i = 0; i < t->nschemas; i++)
		free(t->schemas[i]);
	for (i = 0; i < t->nobjs; i++)
		free(t->objs[i].name);
	free(t->schemas);
	free(t->objs);
	free(t->database);
	free(t);
}

/* ---------------------------------------------------------------- details */

/* BEGIN READ ONLY with short lock and statement timeouts (one round trip). */
static int
schema_begin(PGconn *conn, struct mc_err *err)
{
	PGresult	*res = PQexec(conn, "BEGIN READ ONLY; SET LOCAL lock_timeout = '1500ms'; "
	    "SET LOCAL statement_timeout = '5s'");

	if (PQresultStatus(res) != PGRES_COMMAND_OK) {
		mc_err_pg(err, conn, res);
		PQclear(res);
		if (PQtransactionStatus(conn) != PQTRANS_IDLE)
			PQclear(PQexec(conn, "ROLLBACK"));
		return (-1);
	}
	PQclear(res);
	return (0);
}

/* What a detail lookup carries between its sections. */
struct schema_dx {
	PGconn			*c;
	int			 ver;		/* PQserverVersion */
	struct sch_detail	*d;
	char			 oid[16];
	bool			 locked;	/* a section already waited for a lock */
};

/* Add an empty section titled title. */
static struct sch_section *
schema_sec_add(struct sch_detail *d, const char *title)
{
	struct sch_section	*s;

	d->sec = xreallocarray(d->sec, d->nsec + 1, sizeof(*d->sec));
	s = &d->sec[d->nsec++];
	memset(s, 0, sizeof(*s));
	s->title = xstrdup(title);
	return (s);
}

/*
 * Run sql ($1 = the object's oid, plus extra parameters) under a savepoint
 * and return its rows, or NULL with *note saying why (caller frees).
 */
static struct table *
schema_dx_rows(struct schema_dx *x, const char *sql, int n, const char *const *extra,
    char **note)
{
	const char	*p[4] = { x->oid, NULL, NULL, NULL };
	struct table	*t;
	struct mc_err	 e;
	int		 i;

	for (i = 0; i < n && i < 3; i++)
		p[i + 1] = extra[i];
	mc_err_clear(&e);
	*note = NULL;
	PQclear(PQexec(x->c, "SAVEPOINT mcpdb_browse"));
	if ((t = pgq_table(x->c, NULL, sql, 1 + n, p, &e)) == NULL) {
		PQclear(PQexec(x->c, "ROLLBACK TO SAVEPOINT mcpdb_browse"));
		if (strcmp(e.sqlstate, "55P03") == 0 && !x->locked) {
			/* The rest would wait as long again: give them 100 ms. */
			PQclear(PQexec(x->c, "SET LOCAL lock_timeout = '100ms'"));
			x->locked = true;
		}
		if (strcmp(e.sqlstate, "55P03") == 0)
			*note = xstrdup("not shown: it waited over 1.5 s for a lock (DDL or a "
			    "migration holds one); reopen it to try again");
		else if (strcmp(e.sqlstate, "42501") == 0)
			*note = xasprintf("not shown: this role may not read it (%s)", e.msg);
		else
			*note = xasprintf("not shown: %s", e.msg);
	}
	PQclear(PQexec(x->c, "RELEASE SAVEPOINT mcpdb_browse"));
	return (t);
}

/* A section of rows from sql; drop it when empty and keep_empty is false. */
static void
schema_dx_section(struct schema_dx *x, const char *title, const char *sql, bool keep_empty,
    int n, const char *const *extra)
{
	char		*note;
	struct table	*t = schema_dx_rows(x, sql, n, extra, &note);
	struct sch_section *s;

	if (t != NULL && t->nrows == 0 && !keep_empty) {
		table_free(t);
		return;
	}
	s = schema_sec_add(x->d, title);
	s->t = t;
	s->note = note;
}

/* A section holding one text value from sql (a definition). */
static void
schema_dx_text(struct schema_dx *x, const char *title, const char *sql)
{
	char		*note;
	struct table	*t = schema_dx_rows(x, sql, 0, NULL, &note);
	struct sch_section *s = schema_sec_add(x->d, title);

	s->note = note;
	if (t != NULL && t->nrows > 0 && table_cell(t, 0, 0) != NULL)
		s->text = xstrdup(table_cell(t, 0, 0));
	else if (t != NULL && s->note == NULL)
		s->note = xstrdup("(not available)");
	table_free(t);
}

/* Turn the one row of sql into facts (column name, value), skipping NULLs. */
static void
schema_dx_facts(struct schema_dx *x, const char *sql, int n, const char *const *extra)
{
	char		*note;
	struct table	*t = schema_dx_rows(x, sql, n, extra, &note);
	size_t		 c;

	if (t != NULL && t->nrows > 0)
		for (c = 0; c < t->ncols; c++)
			if (table_cell(t, 0, c) != NULL && *table_cell(t, 0, c) != '\0')
				table_add(x->d->facts, t->cols[c], table_cell(t, 0, c));
	if (note != NULL) {
		table_add(x->d->facts, "(facts)", note);
		free(note);
	}
	table_free(t);
}

static const char *const schema_sql_d_relfacts =
    "SELECT pg_catalog.pg_get_userbyid(c.relowner) AS owner,"
    " CASE c.relpersistence WHEN 'u' THEN 'unlogged' WHEN 't' THEN 'temporary'"
    "  ELSE NULL END AS persistence,"
    " CASE WHEN c.relkind IN ('r', 'p', 'm', 'f') THEN"
    "  CASE WHEN c.reltuples < 0 THEN 'unknown (never analyzed)'"
    "  ELSE to_char(c.reltuples::bigint, 'FM999,999,999,999,990') END END AS \"estimated rows\","
    " CASE WHEN c.relkind IN ('r', 'm') THEN"
    "  pg_catalog.pg_size_pretty(pg_catalog.pg_relation_size(c.oid)) END AS \"table size\","
    " CASE WHEN c.relkind IN ('r', 'm', 'p') THEN"
    "  pg_catalog.pg_size_pretty(pg_catalog.pg_indexes_size(c.oid)) END AS \"index size\","
    " CASE WHEN c.relkind IN ('r', 'm') THEN pg_catalog.pg_size_pretty(CASE WHEN"
    "  c.reltoastrelid <> 0 THEN pg_catalog.pg_total_relation_size(c.reltoastrelid)"
    "  ELSE 0 END) END AS \"toast size\","
    " CASE WHEN c.relkind IN ('r', 'm') THEN"
    "  pg_catalog.pg_size_pretty(pg_catalog.pg_total_relation_size(c.oid)) END AS \"total size\","
    " to_char(s.n_live_tup, 'FM999,999,999,999,990') AS \"live rows (stats)\","
    " to_char(s.n_dead_tup, 'FM999,999,999,999,990') AS \"dead rows (stats)\","
    " s.seq_scan::text AS \"sequential scans\", s.idx_scan::text AS \"index scans\","
    " CASE WHEN c.relkind IN ('r', 'm', 'p') THEN"
    "  coalesce(to_char(s.last_vacuum, 'YYYY-MM-DD HH24:MI:SS TZ'), 'never') END AS \"last vacuum\","
    " CASE WHEN c.relkind IN ('r', 'm', 'p') THEN"
    "  coalesce(to_char(s.last_autovacuum, 'YYYY-MM-DD HH24:MI:SS TZ'), 'never') END AS \"last autovacuum\","
    " CASE WHEN c.relkind IN ('r', 'm', 'p') THEN"
    "  coalesce(to_char(s.last_analyze, 'YYYY-MM-DD HH24:MI:SS TZ'), 'never') END AS \"last analyze\","
    " CASE WHEN c.relkind IN ('r', 'm', 'p') THEN"
    "  coalesce(to_char(s.last_autoanalyze, 'YYYY-MM-DD HH24:MI:SS TZ'), 'never') END AS \"last autoanalyze\","
    " CASE WHEN c.relrowsecurity THEN 'enabled' || CASE WHEN c.relforcerowsecurity"
    "  THEN ' (forced)' ELSE '' END END AS \"row security\","
    " (SELECT i.inhparent::pg_catalog.regclass::text FROM pg_catalog.pg_inherits i"
    "  WHERE i.inhrelid = c.oid LIMIT 1) AS \"inherits / partition of\","
    " %s AS \"partition bound\","
    " %s AS \"access method\","
    " pg_catalog.array_to_string(c.reloptions, ', ') AS options,"
    " CASE WHEN c.relkind IN ('r', 'p') THEN CASE c.relreplident"
    "  WHEN 'd' THEN 'default (primary key)' WHEN 'n' THEN 'nothing' WHEN 'f' THEN 'full'"
    "  WHEN 'i' THEN 'index ' || coalesce((SELECT ic.relname FROM pg_catalog.pg_index i"
    "  JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid"
    "  WHERE i.indrelid = c.oid AND i.indisreplident), '?') END END AS \"replica identity\","
    " pg_catalog.obj_description(c.oid, 'pg_class') AS comment"
    " FROM pg_catalog.pg_class c LEFT JOIN pg_catalog.pg_stat_all_tables s ON s.relid = c.oid"
    " WHERE c.oid = $1::oid";

/*
 * Columns as psql's \d+ shows them; the first %s is attgenerated (or its
 * pre-12 stand-in), the next two the default expression (pg_get_expr, which
 * locks the table, or a placeholder when the table is locked), the last
 * attcompression (or its pre-14 stand-in). Storage, compression and stats
 * target come after the comment, unlike psql: on an 80-column screen the
 * comment says more. Defaults (stats target -1, no compression) are empty.
 */
static const char *const schema_sql_d_columns =
    "SELECT a.attname AS \"column\", pg_catalog.format_type(a.atttypid, a.atttypmod) AS type,"
    " coalesce((SELECT co.collname FROM pg_catalog.pg_collation co, pg_catalog.pg_type t"
    "  WHERE co.oid = a.attcollation AND t.oid = a.atttypid"
    "  AND a.attcollation <> t.typcollation), '') AS collation,"
    " CASE WHEN a.attnotnull THEN 'not null' ELSE '' END AS nullable,"
    " CASE WHEN a.attidentity = 'a' THEN 'generated always as identity'"
    "  WHEN a.attidentity = 'd' THEN 'generated by default as identity'"
    "  WHEN %s = 's' THEN 'generated always as (' || %s || ') stored'"
    "  ELSE coalesce(%s, '') END AS \"default\","
    " coalesce(pg_catalog.col_description(a.attrelid, a.attnum), '') AS comment,"
    " CASE a.attstorage WHEN 'p' THEN 'plain' WHEN 'm' THEN 'main' WHEN 'e' THEN 'external'"
    "  WHEN 'x' THEN 'extended' ELSE '' END AS storage,"
    " CASE %s WHEN 'p' THEN 'pglz' WHEN 'l' THEN 'lz4' ELSE '' END AS compression,"
    " CASE WHEN a.attstattarget >= 0 THEN a.attstattarget::text ELSE '' END AS \"stats target\""
    " FROM pg_catalog.pg_attribute a"
    " LEFT JOIN pg_catalog.pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum"
    " WHERE a.attrelid = $1::oid AND a.attnum > 0 AND NOT a.attisdropped"
    " ORDER BY a.attnum";

static const char *const schema_sql_d_indexes =
    "SELECT ic.relname AS index,"
    " CASE WHEN i.indisprimary THEN 'PRIMARY KEY'"
    "  WHEN k.contype = 'u' THEN 'UNIQUE CONSTRAINT'"
    "  WHEN k.contype = 'x' THEN 'EXCLUSION CONSTRAINT'"
    "  WHEN i.indisunique THEN 'UNIQUE' ELSE '' END"
    "  || CASE WHEN NOT i.indisvalid THEN ' INVALID' ELSE '' END AS kind,"
    " pg_catalog.pg_size_pretty(pg_catalog.pg_relation_size(i.indexrelid)) AS size,"
    " s.idx_scan::text AS scans,"
    " coalesce(substring(pg_catalog.pg_get_indexdef(i.indexrelid, 0, true)"
    "  FROM ' USING (.*)$'), pg_catalog.pg_get_indexdef(i.indexrelid, 0, true)) AS definition"
    " FROM pg_catalog.pg_index i"
    " JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid"
    " LEFT JOIN pg_catalog.pg_constraint k ON k.conindid = i.indexrelid"
    "  AND k.conrelid = i.indrelid AND k.contype IN ('p', 'u', 'x')"
    " LEFT JOIN pg_catalog.pg_stat_all_indexes s ON s.indexrelid = i.indexrelid"
    " WHERE i.indrelid = $1::oid"
    " ORDER BY i.indisprimary DESC, i.indisunique DESC, ic.relname";

static const char *const schema_sql_d_constraints =
    "SELECT k.conname AS \"constraint\","
    " CASE k.contype WHEN 'c' THEN 'check' WHEN 'p' THEN 'primary key'"
    "  WHEN 'u' THEN 'unique' WHEN 'x' THEN 'exclusion' WHEN 't' THEN 'trigger'"
    "  ELSE k.contype::text END AS type,"
    " CASE WHEN k.convalidated THEN '' ELSE 'NOT VALID' END AS note,"
    " pg_catalog.pg_get_constraintdef(k.oid, true) AS definition"
    " FROM pg_catalog.pg_constraint k"
    " WHERE k.conrelid = $1::oid AND k.contype <> 'f'"
    /* Those with an index (primary key, unique, exclusion) are listed once, under Indexes. */
    "  AND NOT (k.contype IN ('p', 'u', 'x') AND EXISTS (SELECT 1 FROM pg_catalog.pg_index i"
    "  WHERE i.indexrelid = k.conindid))"
    " ORDER BY k.conname";

/* Publications the table is in: by name, all tables or its schema (pg_publication_tables). */
static const char *const schema_sql_d_publications =
    "SELECT pt.pubname AS publication,"
    " CASE WHEN p.puballtables THEN 'all tables' ELSE '' END AS via"
    " FROM pg_catalog.pg_class c"
    " JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace"
    " JOIN pg_catalog.pg_publication_tables pt ON pt.schemaname = n.nspname"
    "  AND pt.tablename = c.relname"
    " JOIN pg_catalog.pg_publication p ON p.pubname = pt.pubname"
    " WHERE c.oid = $1::oid ORDER BY 1";

static const char *const schema_sql_d_statistics =
    "SELECT es.stxname AS \"statistics object\","
    " pg_catalog.pg_get_statisticsobjdef(es.oid) AS definition"
    " FROM pg_catalog.pg_statistic_ext es WHERE es.stxrelid = $1::oid ORDER BY 1";

static const char *const schema_sql_d_fk_out =
    "SELECT k.conname AS \"constraint\","
    " CASE WHEN k.convalidated THEN '' ELSE 'NOT VALID' END AS note,"
    " pg_catalog.pg_get_constraintdef(k.oid, true) AS definition"
    " FROM pg_catalog.pg_constraint k"
    " WHERE k.conrelid = $1::oid AND k.contype = 'f' ORDER BY k.conname";

static const char *const schema_sql_d_fk_in =
    "SELECT k.conrelid::pg_catalog.regclass::text AS \"table\", k.conname AS \"constraint\","
    " pg_catalog.pg_get_constraintdef(k.oid, true) AS definition"
    " FROM pg_catalog.pg_constraint k"
    " WHERE k.confrelid = $1::oid AND k.contype = 'f' ORDER BY 1, 2";

static const char *const schema_sql_d_triggers =
    "SELECT t.tgname AS \"trigger\","
    " CASE t.tgenabled WHEN 'O' THEN 'enabled' WHEN 'D' THEN 'disabled'"
    "  WHEN 'R' THEN 'replica only' WHEN 'A' THEN 'always' END AS state,"
    " pg_catalog.pg_get_triggerdef(t.oid, true) AS definition"
    " FROM pg_catalog.pg_trigger t"
    " WHERE t.tgrelid = $1::oid AND NOT t.tgisinternal ORDER BY 1";

static const char *const schema_sql_d_policies =
    "SELECT p.polname AS policy,"
    " CASE p.polcmd WHEN 'r' THEN 'SELECT' WHEN 'a' THEN 'INSERT' WHEN 'w' THEN 'UPDATE'"
    "  WHEN 'd' THEN 'DELETE' ELSE 'ALL' END AS command,"
    " CASE WHEN p.polpermissive THEN 'permissive' ELSE 'restrictive' END AS kind,"
    " CASE WHEN p.polroles = '{0}' THEN 'PUBLIC' ELSE pg_catalog.array_to_string(ARRAY("
    "  SELECT r.rolname FROM pg_catalog.pg_roles r WHERE r.oid = ANY (p.polroles)"
    "  ORDER BY 1), ', ') END AS roles,"
    " pg_catalog.pg_get_expr(p.polqual, p.polrelid, true) AS \"using\","
    " pg_catalog.pg_get_expr(p.polwithcheck, p.polrelid, true) AS \"with check\""
    " FROM pg_catalog.pg_policy p WHERE p.polrelid = $1::oid ORDER BY 1";

/* Grants by role; %s is the ACL column, %s the acldefault kind, %s the owner column, %s the catalog. */
static const char *const schema_sql_d_grants =
    "SELECT CASE WHEN a.grantee = 0 THEN 'PUBLIC'"
    "  ELSE pg_catalog.pg_get_userbyid(a.grantee) END AS role,"
    " pg_catalog.string_agg(a.privilege_type || CASE WHEN a.is_grantable"
    "  THEN ' (with grant option)' ELSE '' END, ', ' ORDER BY a.privilege_type) AS privileges,"
    " pg_catalog.string_agg(DISTINCT pg_catalog.pg_get_userbyid(a.grantor), ', ') AS \"granted by\","
    " CASE WHEN bool_and(o.%s IS NULL) THEN 'default' ELSE '' END AS source"
    " FROM %s o, pg_catalog.aclexplode(coalesce(o.%s,"
    "  pg_catalog.acldefault(%s, o.%s))) a"
    " WHERE o.oid = $1::oid GROUP BY a.grantee ORDER BY 1";

static const char *const schema_sql_d_seqfacts =
    "SELECT s.data_type::text AS type, s.start_value::text AS start,"
    " s.min_value::text AS minimum, s.max_value::text AS maximum,"
    " s.increment_by::text AS increment, CASE WHEN s.cycle THEN 'yes' ELSE 'no' END AS cycles,"
    " s.cache_size::text AS cache, coalesce(s.last_value::text, 'not yet used (or not permitted)')"
    "  AS \"last value\","
    " (SELECT d.refobjid::pg_catalog.regclass::text || '.' || a.attname"
    "  FROM pg_catalog.pg_depend d JOIN pg_catalog.pg_attribute a"
    "  ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid"
    "  WHERE d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.objid = $1::oid"
    "  AND d.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass"
    "  AND d.deptype IN ('a', 'i') LIMIT 1) AS \"owned by\","
    " pg_catalog.pg_get_userbyid(c.relowner) AS owner,"
    " pg_catalog.obj_description(c.oid, 'pg_class') AS comment"
    " FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace"
    " LEFT JOIN pg_catalog.pg_sequences s ON s.schemaname = n.nspname"
    "  AND s.sequencename = c.relname"
    " WHERE c.oid = $1::oid";

static const char *const schema_sql_d_fnfacts =
    "SELECT pg_catalog.pg_get_function_identity_arguments(p.oid) AS arguments,"
    " pg_catalog.pg_get_function_result(p.oid) AS returns, l.lanname AS language,"
    " CASE p.provolatile WHEN 'i' THEN 'immutable' WHEN 's' THEN 'stable'"
    "  ELSE 'volatile' END AS volatility,"
    " CASE WHEN p.prosecdef THEN 'definer' ELSE 'invoker' END AS security,"
    " CASE WHEN p.proisstrict THEN 'returns null on null input' END AS strict,"
    " pg_catalog.pg_get_userbyid(p.proowner) AS owner,"
    " pg_catalog.obj_description(p.oid, 'pg_proc') AS comment"
    " FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_language l ON l.oid = p.prolang"
    " WHERE p.oid = $1::oid";

/* Find the relation schema.name: its oid and relkind. 0 found, 1 not, -1 error. */
static int
schema_dx_find_rel(struct schema_dx *x, const char *schema, const char *name, struct mc_err *err)
{
	PGresult	*res;
	int		 rc = 1;

	res = pgq_query(x->c, "SELECT c.oid, c.relkind FROM pg_catalog.pg_class c"
	    " JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace"
	    " WHERE n.nspname = $1 AND c.relname = $2", 2,
	    (const char *[]){ schema, name }, err);
	if (res == NULL)
		return (-1);
	if (PQntuples(res) > 0) {
		snprintf(x->oid, sizeof(x->oid), "%s", PQgetvalue(res, 0, 0));
		x->d->oid = (unsigned int)strtoul(x->oid, NULL, 10);
		x->d->sub = PQgetvalue(res, 0, 1)[0];
		x->d->kind = schema_relkind(x->d->sub);
		rc = 0;
	}
	PQclear(res);
	return (rc);
}

/* Find function oid x->oid: 0 found (and still in schema), 1 not, -1 error. */
static int
schema_dx_find_fn(struct schema_dx *x, const char *schema, struct mc_err *err)
{
	PGresult	*res;
	int		 rc = 1;
	char		*sql = xasprintf("SELECT %s FROM pg_catalog.pg_proc p"
	    " JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace"
	    " WHERE p.oid = $1::oid AND n.nspname = $2",
	    x->ver >= 110000 ? "p.prokind" : "'f'::\"char\"");

	res = pgq_query(x->c, sql, 2, (const char *[]){ x->oid, schema }, err);
	free(sql);
	if (res == NULL)
		return (-1);
	if (PQntuples(res) > 0) {
		x->d->sub = PQgetvalue(res, 0, 0)[0];
		rc = 0;
	}
	PQclear(res);
	return (rc);
}

/* The grants section for a relation or a function. */
static void
schema_dx_grants(struct schema_dx *x, bool fn)
{
	char	*sql;

	if (fn)
		sql = xasprintf(schema_sql_d_grants, "proacl", "pg_catalog.pg_proc", "proacl",
		    "'f'", "proowner");
	else
		sql = xasprintf(schema_sql_d_grants, "relacl", "pg_catalog.pg_class", "relacl",
		    "CASE WHEN o.relkind = 'S' THEN 's' ELSE 'r' END::\"char\"", "relowner");
	schema_dx_section(x, "Grants", sql, true, 0, NULL);
	free(sql);
}

/*
 * The columns. Default expressions need a lock on the table (pg_get_expr);
 * when DDL holds one, show the columns without them rather than nothing.
 */
static void
schema_dx_columns(struct schema_dx *x)
{
	const char		*gen = x->ver >= 120000 ? "a.attgenerated" : "''::\"char\"";
	const char		*expr = "pg_catalog.pg_get_expr(d.adbin, d.adrelid, true)";
	const char		*comp = x->ver >= 140000 ? "a.attcompression" : "''::\"char\"";
	struct sch_section	*s;
	char			*sql, *note;

	sql = xasprintf(schema_sql_d_columns, gen, expr, expr, comp);
	schema_dx_section(x, "Columns", sql, true, 0, NULL);
	free(sql);
	s = &x->d->sec[x->d->nsec - 1];
	if (s->t != NULL || s->note == NULL || strstr(s->note, "for a lock") == NULL)
		return;
	expr = "CASE WHEN d.adbin IS NOT NULL THEN '(not shown: locked)' END";
	sql = xasprintf(schema_sql_d_columns, gen, expr, expr, comp);
	s->t = schema_dx_rows(x, sql, 0, NULL, &note);
	free(sql);
	free(note);
	if (s->t != NULL) {
		free(s->note);
		s->note = xstrdup("defaults not shown: the table is locked by DDL or a migration; "
		    "reopen it to try again");
	}
}

/* The sections of a relation, by kind. */
static void
schema_dx_relation(struct schema_dx *x, const char *schema, const char *name)
{
	enum sch_okind	 k = x->d->kind;
	char		*sql;

	if (k == SCH_O_SEQUENCE) {
		schema_dx_facts(x, schema_sql_d_seqfacts, 0, NULL);
		schema_dx_grants(x, false);
		return;
	}
	sql = xasprintf(schema_sql_d_relfacts, x->ver >= 100000 ?
	    "pg_catalog.pg_get_expr(c.relpartbound, c.oid)" : "NULL::text",
	    x->ver >= 120000 ? "(SELECT am.amname FROM pg_catalog.pg_am am"
	    " WHERE am.oid = c.relam)" : "NULL::name");
	schema_dx_facts(x, sql, 0, NULL);
	free(sql);
	schema_dx_columns(x);
	if (k == SCH_O_TABLE || k == SCH_O_MATVIEW)
		schema_dx_section(x, "Indexes", schema_sql_d_indexes, true, 0, NULL);
	if (k == SCH_O_TABLE || k == SCH_O_FOREIGN) {
		schema_dx_section(x, "Constraints", schema_sql_d_constraints, true, 0, NULL);
		schema_dx_section(x, "Foreign keys", schema_sql_d_fk_out, true, 0, NULL);
		schema_dx_section(x, "Referenced by", schema_sql_d_fk_in, true, 0, NULL);
	}
	if (k != SCH_O_MATVIEW)
		schema_dx_section(x, "Triggers", schema_sql_d_triggers, false, 0, NULL);
	if (k == SCH_O_TABLE)
		schema_dx_section(x, "Policies", schema_sql_d_policies, false, 0, NULL);
	if (k == SCH_O_TABLE && x->ver >= 100000) {
		schema_dx_section(x, "Publications", schema_sql_d_publications, false, 0, NULL);
		schema_dx_section(x, "Statistics objects", schema_sql_d_statistics, false, 0, NULL);
	}
	schema_dx_grants(x, false);
	if (k == SCH_O_VIEW || k == SCH_O_MATVIEW)
		schema_dx_text(x, "Definition",
		    "SELECT pg_catalog.pg_get_viewdef($1::oid, true)");
	(void)schema;
	(void)name;
}

struct sch_detail *
schema_detail(PGconn *conn, const char *schema, const char *name, enum sch_okind kind,
    unsigned int oid, struct mc_err *err)
{
	struct schema_dx	 x;
	struct sch_detail	*d = xcalloc(1, sizeof(*d));
	int			 rc;

	memset(&x, 0, sizeof(x));
	x.c = conn;
	x.ver = PQserverVersion(conn);
	x.d = d;
	d->schema = xstrdup(schema);
	d->name = xstrdup(name);
	d->kind = kind;
	d->oid = oid;
	d->facts = table_new(NULL, 2, "what", "value");
	snprintf(x.oid, sizeof(x.oid), "%u", oid);
	if (schema_begin(conn, err) == -1)
		goto fail;
	rc = kind == SCH_O_FUNCTION ? schema_dx_find_fn(&x, schema, err) :
	    schema_dx_find_rel(&x, schema, name, err);
	if (rc == -1)
		goto fail;
	if (rc == 1) {
		mc_err_set(err, MC_E_NOTFOUND, "%s %s.%s no longer exists (dropped or renamed); "
		    "press s to reload the tree", schema_okind_name(kind), schema, name);
		goto fail;
	}
	if (kind == SCH_O_FUNCTION) {
		table_add(d->facts, "kind", d->sub == 'p' ? "procedure" : d->sub == 'a' ?
		    "aggregate" : d->sub == 'w' ? "window function" : "function");
		schema_dx_facts(&x, schema_sql_d_fnfacts, 0, NULL);
		schema_dx_grants(&x, true);
		schema_dx_text(&x, "Source", "SELECT pg_catalog.pg_get_functiondef($1::oid)");
	} else {
		table_add(d->facts, "kind", d->sub == 'p' ? "partitioned table" :
		    schema_okind_name(d->kind));
		schema_dx_relation(&x, schema, name);
	}
	(void)pgq_exec(conn, "COMMIT", NULL);
	return (d);
fail:
	if (PQtransactionStatus(conn) != PQTRANS_IDLE)
		PQclear(PQexec(conn, "ROLLBACK"));
	schema_detail_free(d);
	return (NULL);
}

void
schema_detail_free(struct sch_detail *d)
{
	size_t	i;

	if (d == NULL)
		return;
	for (i = 0; i < d->nsec; i++) {
		free(d->sec[i].title);
		table_free(d->sec[i].t);
		free(d->sec[i].text);
		free(d->sec[i].note);
	}
	free(d->sec);
	table_free(d->facts);
	free(d->schema);
	free(d->name);
	free(d);
}

/* ---------------------------------------------------------------- preview */

/* Cut s to at most max characters (UTF-8), adding marker when cut. Caller frees. */
static char *
schema_cut(const char *s, int max, const char *marker)
{
	const unsigned char	*p = (const unsigned char *)s;
	int			 n = 0;

	while (*p != '\0') {
		if ((*p & 0xc0) != 0x80) {
			if (n == max)
				return (xasprintf("%.*s%s", (int)((const char *)p - s), s, marker));
			n++;
		}
		p++;
	}
	return (xstrdup(s));
}

struct table *
schema_preview(PGconn *conn, const char *schema, const char *name, int limit,
    int maxchars, const char *marker, struct mc_err *err)
{
	PGresult	*res;
	struct buf	 sql;
	struct table	*t = NULL;
	char		*qs = NULL, *qn = NULL, *qc, lim[16], cut[16];
	const char	**vals = NULL;
	int		 i, r, c, nf;

	if (schema_begin(conn, err) == -1)
		return (NULL);
	res = pgq_query(conn, "SELECT a.attname FROM pg_catalog.pg_attribute a"
	    " JOIN pg_catalog.pg_class c ON c.oid = a.attrelid"
	    " JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace"
	    " WHERE n.nspname = $1 AND c.relname = $2 AND a.attnum > 0 AND NOT a.attisdropped"
	    " ORDER BY a.attnum", 2, (const char *[]){ schema, name }, err);
	if (res == NULL)
		goto out;
	buf_init(&sql);
	buf_puts(&sql, "SELECT ");
	snprintf(cut, sizeof(cut), "%d", maxchars + 1);
	for (i = 0; i < PQntuples(res); i++) {
		if ((qc = pgq_ident(conn, PQgetvalue(res, i, 0), err)) == NULL) {
			PQclear(res);
			buf_done(&sql);
			goto out;
		}
		buf_printf(&sql, "%spg_catalog.left(%s::text, %s) AS %s", i ? ", " : "", qc, cut, qc);
		free(qc);
	}
	PQclear(res);
	if ((qs = pgq_ident(conn, schema, err)) == NULL ||
	    (qn = pgq_ident(conn, name, err)) == NULL) {
		buf_done(&sql);
		goto out;
	}
	snprintf(lim, sizeof(lim), "%d", limit);
	buf_printf(&sql, " FROM %s.%s LIMIT %s", qs, qn, lim);
	res = pgq_query(conn, sql.data, 0, NULL, err);
	buf_done(&sql);
	if (res == NULL)
		goto out;
	nf = PQnfields(res);
	vals = xcalloc((size_t)nf + 1, sizeof(char *));
	for (c = 0; c < nf; c++)
		vals[c] = PQfname(res, c);
	t = table_new_cols(NULL, (size_t)nf, vals);
	for (r = 0; r < PQntuples(res); r++) {
		char	**cells = xcalloc((size_t)nf + 1, sizeof(char *));

		for (c = 0; c < nf; c++)
			cells[c] = PQgetisnull(res, r, c) ? NULL :
			    schema_cut(PQgetvalue(res, r, c), maxchars, marker);
		table_add_row(t, (const char *const *)cells);
		for (c = 0; c < nf; c++)
			free(cells[c]);
		free(cells);
	}
	PQclear(res);
out:
	free(vals);
	free(qs);
	free(qn);
	if (PQtransactionStatus(conn) != PQTRANS_IDLE)
		PQclear(PQexec(conn, t != NULL ? "COMMIT" : "ROLLBACK"));
	return (t);
}
