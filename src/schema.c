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

char *
schema_export_ts(const struct sch_catalog *cat)
{
	struct buf	b;
	size_t		i, j;

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
		char	*iname = schema_pascal(r->schema, r->name);

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
