/*
 * seedfmt.c - seed manifests, NDJSON/CSV record reading, value checks and
 * COPY text conversion, without a server.
 *
 * Model: a reader hands out one record at a time (an NDJSON line or a CSV
 * record, which may span lines inside quotes) with the line it starts on.
 * Each value is checked against a struct seedfmt_col built by seed.c from
 * pg_attribute and CHECK constraints, so a wrong value is reported with its
 * file, line and column before anything reaches the server.
 */
#include "config.h"

#include "seedfmt.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "jscan.h"
#include "xmem.h"

/* ------------------------------------------------------------------ modes */

int
seedfmt_mode_parse(const char *s, enum seed_mode *m, struct mc_err *err)
{
	if (s != NULL && strcmp(s, "append") == 0)
		*m = SEED_APPEND;
	else if (s != NULL && strcmp(s, "upsert") == 0)
		*m = SEED_UPSERT;
	else if (s != NULL && strcmp(s, "replace") == 0)
		*m = SEED_REPLACE;
	else
		return (mc_err_set(err, MC_E_USAGE,
		    "mode \"%s\": expected append, upsert or replace", s ? s : ""));
	return (0);
}

const char *
seedfmt_mode_name(enum seed_mode m)
{
	switch (m) {
	case SEED_UPSERT:
		return ("upsert");
	case SEED_REPLACE:
		return ("replace");
	default:
		return ("append");
	}
}

/* --------------------------------------------------------------- manifest */

/*
 * Line (and, when col is not NULL, column) of the next occurrence of
 * "needle" (quoted) at or after *cursor; 0 when there is none.
 */
static int
seedfmt_find_line(const char *text, size_t len, const char *needle, size_t *cursor,
    int *col)
{
	char		*q = xasprintf("\"%s\"", needle);
	const char	*p = NULL, *s;
	size_t		 ql = strlen(q);
	int		 line = 0, c = 0;

	for (s = text + *cursor; s + ql <= text + len; s++)
		if (memcmp(s, q, ql) == 0) {
			p = s;
			break;
		}
	if (p != NULL) {
		*cursor = (size_t)(p - text) + ql;
		jscan_linecol(text, p, &line, &c);
	}
	if (col != NULL)
		*col = c;
	free(q);
	return (line);
}

void
seedfmt_manifest_free(struct seedfmt_manifest *m)
{
	size_t	i;

	if (m == NULL)
		return;
	for (i = 0; i < m->nfiles; i++) {
		free(m->files[i].file);
		free(m->files[i].schema);
		free(m->files[i].table);
	}
	free(m->files);
	free(m->name);
	free(m->description);
	free(m);
}

/* True when name ends with suffix. */
static bool
seedfmt_ends_with(const char *name, const char *suffix)
{
	size_t	n = strlen(name), s = strlen(suffix);

	return (n >= s && strcmp(name + n - s, suffix) == 0);
}

/* Parse one element of "files" into f; line is where it is (for messages). */
static int
seedfmt_manifest_file(const char *path, const cJSON *o, int line,
    struct seedfmt_file *f, struct mc_err *err)
{
	const cJSON	*c;
	const char	*file = NULL, *table = NULL, *format = NULL, *dot;

	if (!cJSON_IsObject(o))
		return (mc_err_set(err, MC_E_INPUT, "%s:%d: files: each entry must be an object {\"file\", \"table\", \"format\"}",
		    path, line));
	cJSON_ArrayForEach(c, o) {
		const char	**slot = NULL;

		if (!cJSON_IsString(c))
			return (mc_err_set(err, MC_E_INPUT, "%s:%d: files: \"%s\" must be a string",
			    path, line, c->string));
		if (strcmp(c->string, "file") == 0)
			slot = &file;
		else if (strcmp(c->string, "table") == 0)
			slot = &table;
		else if (strcmp(c->string, "format") == 0)
			slot = &format;
		if (slot != NULL && *slot != NULL)
			return (mc_err_set(err, MC_E_INPUT, "%s:%d: files: duplicate key \"%s\" in one entry",
			    path, line, c->string));
		if (slot != NULL)
			*slot = c->valuestring;
		else
			return (mc_err_set(err, MC_E_INPUT, "%s:%d: files: unknown key \"%s\" (expected file, table, format)",
			    path, line, c->string));
	}
	if (file == NULL || table == NULL)
		return (mc_err_set(err, MC_E_INPUT, "%s:%d: files: each entry needs \"file\" and \"table\"",
		    path, line));
	if (*file == '\0' || strchr(file, '/') != NULL || strcmp(file, "..") == 0 ||
	    *file == '.')
		return (mc_err_set(err, MC_E_INPUT, "%s:%d: file \"%s\": expected a plain file name inside the set directory",
		    path, line, file));
	dot = strchr(table, '.');
	if (dot == NULL || dot == table || dot[1] == '\0' || strchr(dot + 1, '.') != NULL)
		return (mc_err_set(err, MC_E_INPUT, "%s:%d: table \"%s\": expected schema.table",
		    path, line, table));
	if (format == NULL)
		format = seedfmt_ends_with(file, ".csv") ? "csv" :
		    (seedfmt_ends_with(file, ".ndjson") || seedfmt_ends_with(file, ".jsonl")) ?
		    "ndjson" : NULL;
	if (format == NULL)
		return (mc_err_set(err, MC_E_INPUT, "%s:%d: file \"%s\": no \"format\" and the extension is not .ndjson or .csv",
		    path, line, file));
	if (strcmp(format, "ndjson") == 0)
		f->format = SEEDFMT_NDJSON;
	else if (strcmp(format, "csv") == 0)
		f->format = SEEDFMT_CSV;
	else
		return (mc_err_set(err, MC_E_INPUT, "%s:%d: format \"%s\": expected ndjson or csv",
		    path, line, format));
	f->file = xstrdup(file);
	f->schema = xstrndup(table, (size_t)(dot - table));
	f->table = xstrdup(dot + 1);
	f->line = line;
	return (0);
}

/*
 * A top-level key that appeared before c in doc is an error at its second
 * position (line, col), naming the line of the first. Returns 0 or -1.
 */
static int
seedfmt_manifest_dup(const char *path, const cJSON *doc, const cJSON *c,
    const char *text, size_t len, int line, int col, struct mc_err *err)
{
	const cJSON	*p;
	size_t		 cursor = 0;
	int		 first;

	for (p = doc->child; p != NULL && p != c; p = p->next)
		if (strcmp(p->string, c->string) == 0)
			break;
	if (p == NULL || p == c)
		return (0);
	first = seedfmt_find_line(text, len, c->string, &cursor, NULL);
	return (mc_err_set(err, MC_E_INPUT, "%s:%d:%d: duplicate key \"%s\" "
	    "(first given on line %d; keep one)", path, line, col, c->string,
	    first));
}

struct seedfmt_manifest *
seedfmt_manifest_parse(const char *path, const char *text, size_t len,
    struct mc_err *err)
{
	struct seedfmt_manifest	*m;
	const char		*end = NULL;
	const cJSON		*c, *files = NULL;
	cJSON			*doc;
	size_t			 cursor = 0, i;
	int			 line, col;

	if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0) {
		text += 3;
		len -= 3;
	}
	if (jscan_check(path, text, len, MC_E_INPUT, err) == -1)
		return (NULL);
	doc = cJSON_ParseWithLengthOpts(text, len, &end, 0);
	if (doc == NULL) {
		/* the scanner accepted it; only cJSON's own limits get here */
		size_t	off = end != NULL && end >= text ? (size_t)(end - text) : 0;

		jscan_linecol(text, text + (off > len ? len : off), &line, &col);
		mc_err_set(err, MC_E_INPUT, "%s:%d:%d: JSON could not be parsed "
		    "(nested too deeply or out of memory)", path, line, col);
		return (NULL);
	}
	m = xcalloc(1, sizeof(*m));
	if (!cJSON_IsObject(doc)) {
		mc_err_set(err, MC_E_INPUT, "%s:1: expected a JSON object {\"name\", \"files\": [...]}", path);
		goto fail;
	}
	cJSON_ArrayForEach(c, doc) {
		line = seedfmt_find_line(text, len, c->string, &cursor, &col);
		if (seedfmt_manifest_dup(path, doc, c, text, len, line, col, err) != 0)
			goto fail;
		if (strcmp(c->string, "name") == 0 || strcmp(c->string, "description") == 0 ||
		    strcmp(c->string, "mode") == 0) {
			if (!cJSON_IsString(c)) {
				mc_err_set(err, MC_E_INPUT, "%s:%d: \"%s\" must be a string", path, line, c->string);
				goto fail;
			}
			if (c->string[0] == 'n')
				m->name = xstrdup(c->valuestring);
			else if (c->string[0] == 'd')
				m->description = xstrdup(c->valuestring);
			else if (seedfmt_mode_parse(c->valuestring, &m->mode, err) != 0) {
				mc_err_set(err, MC_E_INPUT, "%s:%d: mode \"%s\": expected append, upsert or replace",
				    path, line, c->valuestring);
				goto fail;
			}
		} else if (strcmp(c->string, "files") == 0) {
			if (!cJSON_IsArray(c) || cJSON_GetArraySize(c) == 0) {
				mc_err_set(err, MC_E_INPUT, "%s:%d: \"files\" must be a non-empty array", path, line);
				goto fail;
			}
			files = c;
		} else {
			mc_err_set(err, MC_E_INPUT, "%s:%d: unknown key \"%s\" (expected name, description, mode, files)",
			    path, line, c->string);
			goto fail;
		}
	}
	if (files == NULL) {
		mc_err_set(err, MC_E_INPUT, "%s:1: no \"files\" list", path);
		goto fail;
	}
	m->files = xcalloc((size_t)cJSON_GetArraySize(files), sizeof(*m->files));
	cursor = 0;
	cJSON_ArrayForEach(c, files) {
		const cJSON	*t = cJSON_GetObjectItemCaseSensitive(c, "table");

		line = 0;
		if (cJSON_IsString(t))
			line = seedfmt_find_line(text, len, t->valuestring, &cursor, NULL);
		if (line == 0)
			line = 1;
		if (seedfmt_manifest_file(path, c, line, &m->files[m->nfiles], err) != 0)
			goto fail;
		for (i = 0; i < m->nfiles; i++)
			if (strcmp(m->files[i].file, m->files[m->nfiles].file) == 0) {
				mc_err_set(err, MC_E_INPUT, "%s:%d: file \"%s\" is listed twice",
				    path, line, m->files[i].file);
				m->nfiles++;
				goto fail;
			}
		m->nfiles++;
	}
	cJSON_Delete(doc);
	return (m);
fail:
	cJSON_Delete(doc);
	seedfmt_manifest_free(m);
	return (NULL);
}

/* ----------------------------------------------------------------- tables */

struct seedfmt_table *
seedfmt_table_new(const char *schema, const char *name)
{
	struct seedfmt_table	*t = xcalloc(1, sizeof(*t));

	t->schema = xstrdup(schema);
	t->name = xstrdup(name);
	return (t);
}

/* The kind for a base pg_type name. */
static enum seedfmt_kind
seedfmt_kind_of(const char *typname)
{
	static const struct {
		const char		*name;
		enum seedfmt_kind	 kind;
	} map[] = {
		{ "text", SK_TEXT }, { "varchar", SK_TEXT }, { "bpchar", SK_TEXT },
		{ "name", SK_TEXT }, { "citext", SK_TEXT }, { "ltree", SK_OTHER },
		{ "int2", SK_INT2 }, { "int4", SK_INT4 }, { "int8", SK_INT8 },
		{ "numeric", SK_NUMERIC }, { "float4", SK_FLOAT }, { "float8", SK_FLOAT },
		{ "bool", SK_BOOL }, { "uuid", SK_UUID }, { "json", SK_JSON },
		{ "jsonb", SK_JSON }, { "date", SK_DATE }, { "timestamp", SK_TIMESTAMP },
		{ "timestamptz", SK_TIMESTAMP }, { "vector", SK_VECTOR },
		{ "halfvec", SK_VECTOR },
	};
	size_t	i;

	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (strcmp(map[i].name, typname) == 0)
			return (map[i].kind);
	return (SK_OTHER);
}

struct seedfmt_col *
seedfmt_table_add(struct seedfmt_table *t, const char *name, const char *type,
    const char *typname, const char *elem_typname, int typmod, bool not_null,
    bool has_default, bool generated)
{
	struct seedfmt_col	*c;

	t->cols = xreallocarray(t->cols, t->ncols + 1, sizeof(*t->cols));
	c = &t->cols[t->ncols++];
	memset(c, 0, sizeof(*c));
	c->name = xstrdup(name);
	c->type = xstrdup(type);
	if (elem_typname != NULL && *elem_typname != '\0') {
		c->kind = SK_ARRAY;
		c->elem = seedfmt_kind_of(elem_typname);
	} else
		c->kind = seedfmt_kind_of(typname);
	if ((strcmp(typname, "varchar") == 0 || strcmp(typname, "bpchar") == 0) && typmod > 4)
		c->maxlen = typmod - 4;
	c->not_null = not_null;
	c->has_default = has_default || generated;
	c->generated = generated;
	return (c);
}

int
seedfmt_table_find(const struct seedfmt_table *t, const char *name)
{
	size_t	i;

	for (i = 0; i < t->ncols; i++)
		if (strcmp(t->cols[i].name, name) == 0)
			return ((int)i);
	return (-1);
}

void
seedfmt_table_free(struct seedfmt_table *t)
{
	size_t	i, j;

	if (t == NULL)
		return;
	for (i = 0; i < t->ncols; i++) {
		free(t->cols[i].name);
		free(t->cols[i].type);
		for (j = 0; j < t->cols[i].nenums; j++)
			free(t->cols[i].enums[j]);
		free(t->cols[i].enums);
	}
	free(t->cols);
	free(t->schema);
	free(t->name);
	free(t);
}

/* Skip the literal word w at *p; true when it was there. */
static bool
seedfmt_eat(const char **p, const char *w)
{
	size_t	n = strlen(w);

	if (strncmp(*p, w, n) != 0)
		return (false);
	*p += n;
	return (true);
}

/* Read an identifier (plain or "quoted") at *p into a new string, or NULL. */
static char *
seedfmt_ident(const char **p)
{
	const char	*s = *p;
	struct buf	 b;

	buf_init(&b);
	if (*s == '"') {
		for (s++; *s != '\0'; s++) {
			if (*s == '"' && s[1] == '"') {
				buf_putc(&b, '"');
				s++;
			} else if (*s == '"')
				break;
			else
				buf_putc(&b, *s);
		}
		if (*s != '"') {
			buf_done(&b);
			return (NULL);
		}
		s++;
	} else {
		while (isalnum((unsigned char)*s) || *s == '_' || (unsigned char)*s >= 0x80)
			buf_putc(&b, *s++);
	}
	if (b.len == 0) {
		buf_done(&b);
		return (NULL);
	}
	*p = s;
	{
		char	*r = buf_detach(&b);

		buf_done(&b);
		return (r);
	}
}

/* Skip a "::type" cast (letters, spaces of "character varying", []). */
static void
seedfmt_skip_cast(const char **p)
{
	if (!seedfmt_eat(p, "::"))
		return;
	for (;;) {
		if (isalnum((unsigned char)**p) || **p == '_' || **p == '"' || **p == '.' ||
		    (**p == ' ' && isalpha((unsigned char)(*p)[1])))
			(*p)++;
		else if ((*p)[0] == '[' && (*p)[1] == ']')
			*p += 2;
		else
			break;
	}
}

int
seedfmt_enum_from_check(struct seedfmt_table *t, const char *def)
{
	const char	*p = def;
	char		*col = NULL, **vals = NULL;
	size_t		 nvals = 0, i;
	int		 ci, open = 0;
	bool		 closed = false;
	struct buf	 v;

	/* CHECK ((col = ANY (ARRAY['a'::text, 'b'::text])))
	 * CHECK (((col)::text = ANY ((ARRAY['a'::character varying])::text[]))) */
	if (!seedfmt_eat(&p, "CHECK "))
		return (0);
	while (*p == '(') {
		p++;
		open++;
	}
	if (open < 1 || (col = seedfmt_ident(&p)) == NULL)
		return (0);
	if (*p == ')') {
		p++;
		open--;
	}
	seedfmt_skip_cast(&p);
	if (!seedfmt_eat(&p, " = ANY ("))
		goto no;
	open++;
	if (seedfmt_eat(&p, "("))
		open++;
	if (!seedfmt_eat(&p, "ARRAY["))
		goto no;
	buf_init(&v);
	while (*p == '\'') {
		buf_reset(&v);
		for (p++; *p != '\0'; p++) {
			if (*p == '\'' && p[1] == '\'') {
				buf_putc(&v, '\'');
				p++;
			} else if (*p == '\'')
				break;
			else
				buf_putc(&v, *p);
		}
		if (*p != '\'')
			break;
		p++;
		seedfmt_skip_cast(&p);
		vals = xreallocarray(vals, nvals + 1, sizeof(char *));
		vals[nvals++] = xstrdup(v.data);
		if (!seedfmt_eat(&p, ", "))
			break;
	}
	buf_done(&v);
	if (nvals == 0 || !seedfmt_eat(&p, "]"))
		goto no;
	/* What is left may only close parens and cast the array. */
	while (*p != '\0') {
		if (*p == ')') {
			open--;
			p++;
		} else if (p[0] == ':' && p[1] == ':') {
			seedfmt_skip_cast(&p);
		} else
			goto no;
	}
	closed = open == 0;
	if (!closed || (ci = seedfmt_table_find(t, col)) < 0)
		goto no;
	for (i = 0; i < t->cols[ci].nenums; i++)
		free(t->cols[ci].enums[i]);
	free(t->cols[ci].enums);
	t->cols[ci].enums = vals;
	t->cols[ci].nenums = nvals;
	free(col);
	return (1);
no:
	for (i = 0; i < nvals; i++)
		free(vals[i]);
	free(vals);
	free(col);
	return (0);
}

/* ----------------------------------------------------------- value checks */

/* Append a value quoted for a message, cut to 60 bytes. */
static void
seedfmt_quote(struct buf *why, const char *v, size_t len)
{
	size_t	n = len > 60 ? 60 : len;

	/* Do not cut a UTF-8 sequence in half. */
	while (n < len && n > 0 && ((unsigned char)v[n] & 0xC0) == 0x80)
		n--;
	buf_printf(why, "\"%.*s%s\"", (int)n, v, n < len ? "..." : "");
}

/* Start a reason: `column "x": `. Returns -1. */
static int
seedfmt_why(struct buf *why, const struct seedfmt_col *c)
{
	buf_printf(why, "column \"%s\": ", c->name);
	return (-1);
}

/* True when v is an optionally signed run of digits; *neg set. */
static bool
seedfmt_is_int(const char *v, size_t len)
{
	size_t	i = 0;

	if (len > 0 && (v[0] == '-' || v[0] == '+'))
		i++;
	if (i == len)
		return (false);
	for (; i < len; i++)
		if (!isdigit((unsigned char)v[i]))
			return (false);
	return (true);
}

/* True for the syntax of a numeric literal (or NaN/Infinity). */
static bool
seedfmt_is_number(const char *v, size_t len, bool allow_special)
{
	size_t	i = 0, digits = 0;

	if (allow_special && ((len == 3 && strncasecmp(v, "nan", 3) == 0) ||
	    (len == 8 && strncasecmp(v, "infinity", 8) == 0) ||
	    (len == 9 && strncasecmp(v + 1, "infinity", 8) == 0 && (v[0] == '-' || v[0] == '+'))))
		return (true);
	if (i < len && (v[i] == '-' || v[i] == '+'))
		i++;
	while (i < len && isdigit((unsigned char)v[i])) {
		i++;
		digits++;
	}
	if (i < len && v[i] == '.') {
		i++;
		while (i < len && isdigit((unsigned char)v[i])) {
			i++;
			digits++;
		}
	}
	if (digits == 0)
		return (false);
	if (i < len && (v[i] == 'e' || v[i] == 'E')) {
		i++;
		if (i < len && (v[i] == '-' || v[i] == '+'))
			i++;
		if (i == len || !isdigit((unsigned char)v[i]))
			return (false);
		while (i < len && isdigit((unsigned char)v[i]))
			i++;
	}
	return (i == len);
}

/* True for a PostgreSQL boolean literal. */
static bool
seedfmt_is_bool(const char *v, size_t len)
{
	static const char *const words[] = { "t", "true", "y", "yes", "on", "1",
	    "f", "false", "n", "no", "off", "0", NULL };
	size_t	i;

	for (i = 0; words[i] != NULL; i++)
		if (strlen(words[i]) == len && strncasecmp(words[i], v, len) == 0)
			return (true);
	return (false);
}

/* True for a UUID: 32 hex digits, hyphens after groups of 4 allowed, {} optional. */
static bool
seedfmt_is_uuid(const char *v, size_t len)
{
	size_t	i, hex = 0;

	if (len >= 2 && v[0] == '{' && v[len - 1] == '}') {
		v++;
		len -= 2;
	}
	for (i = 0; i < len; i++) {
		if (isxdigit((unsigned char)v[i]))
			hex++;
		else if (v[i] != '-' || hex == 0 || hex % 4 != 0 || i + 1 == len ||
		    v[i + 1] == '-')
			return (false);
	}
	return (hex == 32);
}

/* True when v starts like a date (YYYY-MM-DD) or is a special date word. */
static bool
seedfmt_is_datetime(const char *v, size_t len)
{
	static const char *const words[] = { "infinity", "-infinity", "now",
	    "today", "tomorrow", "yesterday", "epoch", "allballs", NULL };
	int	mon, day;
	size_t	i;

	for (i = 0; words[i] != NULL; i++)
		if (strlen(words[i]) == len && strncasecmp(words[i], v, len) == 0)
			return (true);
	if (len < 10)
		return (false);
	for (i = 0; i < 10; i++)
		if ((i == 4 || i == 7) ? v[i] != '-' : !isdigit((unsigned char)v[i]))
			return (false);
	mon = (v[5] - '0') * 10 + (v[6] - '0');
	day = (v[8] - '0') * 10 + (v[9] - '0');
	return (mon >= 1 && mon <= 12 && day >= 1 && day <= 31 &&
	    (len == 10 || v[10] == 'T' || v[10] == ' '));
}

/* Number of UTF-8 characters in s. */
static size_t
seedfmt_nchars(const char *s, size_t n)
{
	size_t	i, c = 0;

	for (i = 0; i < n; i++)
		if (((unsigned char)s[i] & 0xC0) != 0x80)
			c++;
	return (c);
}

/* The SQL type name of an integer kind and its range. */
static const char *
seedfmt_int_range(enum seedfmt_kind k, long long *lo, long long *hi)
{
	switch (k) {
	case SK_INT2:
		*lo = -32768;
		*hi = 32767;
		return ("smallint");
	case SK_INT4:
		*lo = INT_MIN;
		*hi = INT_MAX;
		return ("integer");
	default:
		*lo = LLONG_MIN;
		*hi = LLONG_MAX;
		return ("bigint");
	}
}

/* Skip JSON whitespace. */
static const char *
seedfmt_jws(const char *p, const char *e)
{
	while (p < e && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
		p++;
	return (p);
}

/* Validate one JSON value at p (RFC 8259); returns its end or NULL. */
static const char *
seedfmt_jvalue(const char *p, const char *e, int depth)
{
	const char	*q;

	p = seedfmt_jws(p, e);
	if (p >= e || depth > 512)
		return (NULL);
	switch (*p) {
	case '{':
	case '[': {
		char	close = *p == '{' ? '}' : ']';
		bool	obj = *p == '{';

		p = seedfmt_jws(p + 1, e);
		if (p < e && *p == close)
			return (p + 1);
		for (;;) {
			if (obj) {
				p = seedfmt_jws(p, e);
				if (p >= e || *p != '"' || (p = seedfmt_jvalue(p, e, depth + 1)) == NULL)
					return (NULL);
				p = seedfmt_jws(p, e);
				if (p >= e || *p != ':')
					return (NULL);
				p++;
			}
			if ((p = seedfmt_jvalue(p, e, depth + 1)) == NULL)
				return (NULL);
			p = seedfmt_jws(p, e);
			if (p < e && *p == ',') {
				p++;
				continue;
			}
			if (p < e && *p == close)
				return (p + 1);
			return (NULL);
		}
	}
	case '"':
		for (p++; p < e; p++) {
			if (*p == '"')
				return (p + 1);
			if ((unsigned char)*p < 0x20)
				return (NULL);
			if (*p == '\\') {
				if (++p >= e)
					return (NULL);
				if (*p == 'u') {
					int	i;

					for (i = 1; i <= 4; i++)
						if (p + i >= e || !isxdigit((unsigned char)p[i]))
							return (NULL);
					p += 4;
				} else if (strchr("\"\\/bfnrt", *p) == NULL || *p == '\0')
					return (NULL);
			}
		}
		return (NULL);
	case 't':
		return (e - p >= 4 && memcmp(p, "true", 4) == 0 ? p + 4 : NULL);
	case 'f':
		return (e - p >= 5 && memcmp(p, "false", 5) == 0 ? p + 5 : NULL);
	case 'n':
		return (e - p >= 4 && memcmp(p, "null", 4) == 0 ? p + 4 : NULL);
	default:
		q = p;
		if (q < e && *q == '-')
			q++;
		if (q >= e || !isdigit((unsigned char)*q))
			return (NULL);
		if (*q == '0')
			q++;
		else
			while (q < e && isdigit((unsigned char)*q))
				q++;
		if (q < e && *q == '.') {
			if (++q >= e || !isdigit((unsigned char)*q))
				return (NULL);
			while (q < e && isdigit((unsigned char)*q))
				q++;
		}
		if (q < e && (*q == 'e' || *q == 'E')) {
			q++;
			if (q < e && (*q == '+' || *q == '-'))
				q++;
			if (q >= e || !isdigit((unsigned char)*q))
				return (NULL);
			while (q < e && isdigit((unsigned char)*q))
				q++;
		}
		return (q);
	}
}

bool
seedfmt_json_valid(const char *s, size_t n)
{
	const char	*e = s + n, *p = seedfmt_jvalue(s, e, 0);

	return (p != NULL && seedfmt_jws(p, e) == e);
}

/* Check a scalar of kind k (not an enum or length check). */
static int
seedfmt_check_kind(const struct seedfmt_col *c, enum seedfmt_kind k,
    const char *v, size_t len, struct buf *why)
{
	char		 tmp[64];
	long long	 lo, hi, n;
	const char	*tn;
	switch (k) {
	case SK_INT2:
	case SK_INT4:
	case SK_INT8:
		tn = seedfmt_int_range(k, &lo, &hi);
		if (!seedfmt_is_int(v, len)) {
			seedfmt_why(why, c);
			seedfmt_quote(why, v, len);
			buf_printf(why, " is not an integer (column type %s)", c->type);
			return (-1);
		}
		errno = 0;
		if (len < sizeof(tmp)) {
			memcpy(tmp, v, len);
			tmp[len] = '\0';
			n = strtoll(tmp, NULL, 10);
		} else
			errno = ERANGE, n = 0;
		if (errno == ERANGE || n < lo || n > hi) {
			seedfmt_why(why, c);
			buf_printf(why, "%.*s is out of range for %s", (int)(len > 40 ? 40 : len), v, tn);
			return (-1);
		}
		return (0);
	case SK_NUMERIC:
	case SK_FLOAT:
		if (!seedfmt_is_number(v, len, true)) {
			seedfmt_why(why, c);
			seedfmt_quote(why, v, len);
			buf_printf(why, " is not a number (column type %s)", c->type);
			return (-1);
		}
		return (0);
	case SK_BOOL:
		if (!seedfmt_is_bool(v, len)) {
			seedfmt_why(why, c);
			seedfmt_quote(why, v, len);
			buf_puts(why, " is not a boolean (true or false)");
			return (-1);
		}
		return (0);
	case SK_UUID:
		if (!seedfmt_is_uuid(v, len)) {
			seedfmt_why(why, c);
			seedfmt_quote(why, v, len);
			buf_puts(why, " is not a UUID");
			return (-1);
		}
		return (0);
	case SK_JSON:
		if (!seedfmt_json_valid(v, len)) {
			seedfmt_why(why, c);
			seedfmt_quote(why, v, len);
			buf_printf(why, " is not valid JSON (column type %s)", c->type);
			return (-1);
		}
		return (0);
	case SK_DATE:
	case SK_TIMESTAMP:
		if (!seedfmt_is_datetime(v, len)) {
			seedfmt_why(why, c);
			seedfmt_quote(why, v, len);
			buf_printf(why, " is not a %s (expected YYYY-MM-DD...)", c->type);
			return (-1);
		}
		return (0);
	default:
		return (0);
	}
}

int
seedfmt_check_text(const struct seedfmt_col *c, const char *v, size_t len,
    struct buf *why)
{
	size_t	i;

	if (memchr(v, '\0', len) != NULL) {
		seedfmt_why(why, c);
		buf_puts(why, "contains a NUL byte, which PostgreSQL text cannot hold");
		return (-1);
	}
	if (c->nenums > 0) {
		for (i = 0; i < c->nenums; i++)
			if (strlen(c->enums[i]) == len && memcmp(c->enums[i], v, len) == 0)
				return (0);
		seedfmt_why(why, c);
		seedfmt_quote(why, v, len);
		buf_puts(why, " is not one of ");
		for (i = 0; i < c->nenums; i++)
			buf_printf(why, "%s%s", i ? ", " : "", c->enums[i]);
		return (-1);
	}
	if (c->kind == SK_ARRAY) {
		if (len < 2 || v[0] != '{' || v[len - 1] != '}') {
			seedfmt_why(why, c);
			seedfmt_quote(why, v, len);
			buf_printf(why, " is not an array literal {...} (column type %s)", c->type);
			return (-1);
		}
		return (0);
	}
	if (c->kind == SK_VECTOR) {
		if (len < 2 || v[0] != '[' || v[len - 1] != ']') {
			seedfmt_why(why, c);
			seedfmt_quote(why, v, len);
			buf_printf(why, " is not a vector [x, y, ...] (column type %s)", c->type);
			return (-1);
		}
		return (0);
	}
	if (c->maxlen > 0 && seedfmt_nchars(v, len) > (size_t)c->maxlen) {
		seedfmt_why(why, c);
		buf_printf(why, "%zu characters is too long for %s", seedfmt_nchars(v, len), c->type);
		return (-1);
	}
	return (seedfmt_check_kind(c, c->kind, v, len, why));
}

/* ------------------------------------------------------- COPY conversion */

void
seedfmt_copy_escape(struct buf *b, const char *s, size_t n)
{
	size_t	i, start = 0;
	char	esc[2] = { '\\', 0 };

	for (i = 0; i < n; i++) {
		if ((unsigned char)s[i] > '\\' || (s[i] > '\r' && s[i] != '\\'))
			continue;	/* the common case: nothing to escape */
		switch (s[i]) {
		case '\\':
			esc[1] = '\\';
			break;
		case '\n':
			esc[1] = 'n';
			break;
		case '\r':
			esc[1] = 'r';
			break;
		case '\t':
			esc[1] = 't';
			break;
		default:
			continue;
		}
		buf_append(b, s + start, i - start);
		buf_append(b, esc, 2);
		start = i + 1;
	}
	buf_append(b, s + start, n - start);
}

/* Shortest text that reads back as d. */
static void
seedfmt_put_double(struct buf *b, double d)
{
	char	tmp[40];
	int	prec;

	for (prec = 15; prec <= 17; prec++) {
		snprintf(tmp, sizeof(tmp), "%.*g", prec, d);
		if (strtod(tmp, NULL) == d)
			break;
	}
	buf_puts(b, tmp);
}

/* Name of a JSON value's type for messages. */
static const char *
seedfmt_json_type(const cJSON *j)
{
	if (cJSON_IsString(j))
		return ("a string");
	if (cJSON_IsNumber(j))
		return ("a number");
	if (cJSON_IsBool(j))
		return ("a boolean");
	if (cJSON_IsArray(j))
		return ("an array");
	if (cJSON_IsObject(j))
		return ("an object");
	return ("null");
}

/* Complain that j does not suit column c. Returns -1. */
static int
seedfmt_json_mismatch(const struct seedfmt_col *c, const cJSON *j, struct buf *why)
{
	seedfmt_why(why, c);
	buf_printf(why, "expected %s, got %s", c->type, seedfmt_json_type(j));
	if (cJSON_IsNumber(j) || cJSON_IsBool(j)) {
		buf_puts(why, " ");
		if (cJSON_IsBool(j))
			buf_puts(why, cJSON_IsTrue(j) ? "true" : "false");
		else
			seedfmt_put_double(why, j->valuedouble);
	}
	return (-1);
}

/* Append a number for an integer column, checking range and exactness. */
static int
seedfmt_json_int(const struct seedfmt_col *c, const cJSON *j, struct buf *out,
    struct buf *why)
{
	long long	lo, hi;
	double		d = j->valuedouble;
	const char	*tn = seedfmt_int_range(c->kind, &lo, &hi);

	if (d != floor(d) || !isfinite(d)) {
		seedfmt_why(why, c);
		seedfmt_put_double(why, d);
		buf_printf(why, " is not an integer (column type %s)", c->type);
		return (-1);
	}
	if (fabs(d) > 9007199254740992.0) {
		seedfmt_why(why, c);
		seedfmt_put_double(why, d);
		buf_puts(why, " is too large for a JSON number to hold exactly; write it as a string");
		return (-1);
	}
	if (d < (double)lo || d > (double)hi) {
		seedfmt_why(why, c);
		buf_printf(why, "%.0f is out of range for %s", d, tn);
		return (-1);
	}
	buf_printf(out, "%lld", (long long)d);
	return (0);
}

/* Append a JSON array as a PostgreSQL array literal (elements checked). */
static int
seedfmt_json_array(const struct seedfmt_col *c, const cJSON *j, struct buf *out,
    struct buf *why)
{
	const cJSON	*e;
	size_t		 i;
	bool		 first = true;

	buf_putc(out, '{');
	cJSON_ArrayForEach(e, j) {
		if (!first)
			buf_putc(out, ',');
		first = false;
		if (cJSON_IsNull(e))
			buf_puts(out, "NULL");
		else if (cJSON_IsArray(e)) {
			if (seedfmt_json_array(c, e, out, why) != 0)
				return (-1);
		} else if (cJSON_IsNumber(e)) {
			if (c->elem != SK_INT2 && c->elem != SK_INT4 && c->elem != SK_INT8 &&
			    c->elem != SK_NUMERIC && c->elem != SK_FLOAT && c->elem != SK_OTHER)
				return (seedfmt_json_mismatch(c, e, why));
			seedfmt_put_double(out, e->valuedouble);
		} else if (cJSON_IsBool(e)) {
			if (c->elem != SK_BOOL)
				return (seedfmt_json_mismatch(c, e, why));
			buf_puts(out, cJSON_IsTrue(e) ? "t" : "f");
		} else if (cJSON_IsString(e)) {
			const char	*s = e->valuestring;
			size_t		 n = strlen(s);

			if (c->elem != SK_TEXT && c->elem != SK_OTHER) {
				struct seedfmt_col	ec = *c;

				ec.kind = c->elem;
				ec.nenums = 0;
				if (seedfmt_check_kind(&ec, c->elem, s, n, why) != 0)
					return (-1);
			}
			buf_putc(out, '"');
			for (i = 0; i < n; i++) {
				if (s[i] == '"' || s[i] == '\\')
					buf_putc(out, '\\');
				buf_putc(out, s[i]);
			}
			buf_putc(out, '"');
		} else
			return (seedfmt_json_mismatch(c, e, why));
	}
	buf_putc(out, '}');
	return (0);
}

int
seedfmt_object_members(const char *s, size_t n,
    void (*fn)(void *, const char *, size_t, const char *, size_t), void *arg)
{
	const char	*e = s + n, *p = seedfmt_jws(s, e), *k, *kend, *v;

	if (p >= e || *p != '{')
		return (-1);
	p = seedfmt_jws(p + 1, e);
	if (p < e && *p == '}')
		return (0);
	for (;;) {
		if (p >= e || *p != '"' || (v = seedfmt_jvalue(p, e, 1)) == NULL)
			return (-1);
		k = p;
		kend = v;
		p = seedfmt_jws(v, e);
		if (p >= e || *p != ':')
			return (-1);
		p = seedfmt_jws(p + 1, e);
		if ((v = seedfmt_jvalue(p, e, 1)) == NULL)
			return (-1);
		fn(arg, k + 1, (size_t)(kend - k) - 2, p, (size_t)(v - p));
		p = seedfmt_jws(v, e);
		if (p < e && *p == ',') {
			p = seedfmt_jws(p + 1, e);
			continue;
		}
		return (p < e && *p == '}' ? 0 : -1);
	}
}

int
seedfmt_json_field(const struct seedfmt_col *c, const cJSON *j, const char *raw,
    size_t rawlen, struct buf *out, struct buf *why)
{
	struct buf	 tmp;
	char		*s;
	size_t		 n;
	int		 r;

	if (cJSON_IsNull(j)) {
		if (c->not_null) {
			seedfmt_why(why, c);
			buf_puts(why, "null is not allowed (the column is NOT NULL)");
			return (-1);
		}
		buf_puts(out, "\\N");
		return (0);
	}
	if (c->kind == SK_JSON) {
		if (raw != NULL) {
			seedfmt_copy_escape(out, raw, rawlen);
			return (0);
		}
		if ((s = cJSON_PrintUnformatted(j)) == NULL)
			return (seedfmt_json_mismatch(c, j, why));
		seedfmt_copy_escape(out, s, strlen(s));
		cJSON_free(s);
		return (0);
	}
	if (cJSON_IsString(j)) {
		if (raw != NULL && memmem(raw, rawlen, "\\u0000", 6) != NULL) {
			seedfmt_why(why, c);
			buf_puts(why, "contains \\u0000 (a NUL character), which PostgreSQL text cannot hold");
			return (-1);
		}
		n = strlen(j->valuestring);
		if (seedfmt_check_text(c, j->valuestring, n, why) != 0)
			return (-1);
		seedfmt_copy_escape(out, j->valuestring, n);
		return (0);
	}
	if (c->nenums > 0)
		return (seedfmt_json_mismatch(c, j, why));
	switch (c->kind) {
	case SK_INT2:
	case SK_INT4:
	case SK_INT8:
		if (!cJSON_IsNumber(j))
			return (seedfmt_json_mismatch(c, j, why));
		if (raw != NULL && seedfmt_is_int(raw, rawlen)) {
			/* Exact digits: no 2^53 limit. */
			if (seedfmt_check_kind(c, c->kind, raw, rawlen, why) != 0)
				return (-1);
			buf_append(out, raw, rawlen);
			return (0);
		}
		return (seedfmt_json_int(c, j, out, why));
	case SK_NUMERIC:
	case SK_FLOAT:
		if (!cJSON_IsNumber(j))
			return (seedfmt_json_mismatch(c, j, why));
		if (raw != NULL)
			buf_append(out, raw, rawlen);	/* JSON number syntax is valid input */
		else
			seedfmt_put_double(out, j->valuedouble);
		return (0);
	case SK_BOOL:
		if (!cJSON_IsBool(j))
			return (seedfmt_json_mismatch(c, j, why));
		buf_puts(out, cJSON_IsTrue(j) ? "t" : "f");
		return (0);
	case SK_ARRAY:
		if (!cJSON_IsArray(j))
			return (seedfmt_json_mismatch(c, j, why));
		buf_init(&tmp);
		r = seedfmt_json_array(c, j, &tmp, why);
		if (r == 0)
			seedfmt_copy_escape(out, tmp.data, tmp.len);
		buf_done(&tmp);
		return (r);
	case SK_VECTOR:
		if (!cJSON_IsArray(j))
			return (seedfmt_json_mismatch(c, j, why));
		buf_putc(out, '[');
		{
			const cJSON	*e;
			bool		 first = true;

			cJSON_ArrayForEach(e, j) {
				if (!cJSON_IsNumber(e))
					return (seedfmt_json_mismatch(c, e, why));
				if (!first)
					buf_putc(out, ',');
				first = false;
				seedfmt_put_double(out, e->valuedouble);
			}
		}
		buf_putc(out, ']');
		return (0);
	default:
		return (seedfmt_json_mismatch(c, j, why));
	}
}

size_t
seedfmt_utf8_check(const char *str, size_t n)
{
	const unsigned char	*s = (const unsigned char *)str;
	size_t			 i = 0, k, need;
	unsigned		 cp;

	while (i < n) {
		/* Fast path: 8 ASCII bytes at a time. */
		while (i + 8 <= n) {
			uint64_t	w;

			memcpy(&w, s + i, 8);
			if (w & 0x8080808080808080ULL)
				break;
			i += 8;
		}
		if (i >= n)
			break;
		if (s[i] < 0x80) {
			i++;
			continue;
		}
		if (s[i] >= 0xC2 && s[i] <= 0xDF) {
			need = 1;
			cp = s[i] & 0x1F;
		} else if (s[i] >= 0xE0 && s[i] <= 0xEF) {
			need = 2;
			cp = s[i] & 0x0F;
		} else if (s[i] >= 0xF0 && s[i] <= 0xF4) {
			need = 3;
			cp = s[i] & 0x07;
		} else
			return (i);
		for (k = 1; k <= need; k++) {
			if (i + k >= n || (s[i + k] & 0xC0) != 0x80)
				return (i);
			cp = (cp << 6) | (s[i + k] & 0x3F);
		}
		if ((need == 2 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) ||
		    (need == 3 && (cp < 0x10000 || cp > 0x10FFFF)))
			return (i);
		i += need + 1;
	}
	return (n);
}

/* -------------------------------------------------------------------- CSV */

int
seedfmt_csv_split(const char *rec, size_t len, struct buf *scratch,
    struct seedfmt_field **fields, size_t *cap, struct buf *why)
{
	struct span {
		size_t	off, len;
		bool	quoted, copied;		/* copied: off is in scratch, else in rec */
	}		 stack[64], *sp = stack;
	size_t		 i = 0, nf = 0, spcap = 64, k, off, flen;
	bool		 quoted, copied;

	buf_reset(scratch);
	for (;;) {
		quoted = copied = false;
		if (i < len && rec[i] == '"') {
			const char	*q;

			quoted = true;
			off = ++i;
			/* Fast path: no doubled quote, the field is a span of rec. */
			q = memchr(rec + i, '"', len - i);
			if (q == NULL) {
				buf_printf(why, "field %zu: a quoted field is not closed", nf + 1);
				goto fail;
			}
			flen = (size_t)(q - (rec + i));
			i = (size_t)(q - rec) + 1;
			if (i < len && rec[i] == '"') {
				/* Doubled quotes: unescape into scratch. */
				copied = true;
				off = scratch->len;
				buf_append(scratch, rec + i - 1 - flen, flen);
				for (;;) {
					buf_putc(scratch, '"');
					i++;		/* past the second quote */
					q = memchr(rec + i, '"', len - i);
					if (q == NULL) {
						buf_printf(why, "field %zu: a quoted field is not closed", nf + 1);
						goto fail;
					}
					buf_append(scratch, rec + i, (size_t)(q - (rec + i)));
					i = (size_t)(q - rec) + 1;
					if (i < len && rec[i] == '"')
						continue;
					break;
				}
				flen = scratch->len - off;
			}
			if (i < len && rec[i] != ',') {
				buf_printf(why, "field %zu: unexpected text after a closing quote", nf + 1);
				goto fail;
			}
		} else {
			const char	*comma = memchr(rec + i, ',', len - i);
			size_t		 e = comma ? (size_t)(comma - rec) : len;

			if (memchr(rec + i, '"', e - i) != NULL) {
				buf_printf(why, "field %zu: a quote inside an unquoted field (quote the whole field and double the quote)",
				    nf + 1);
				goto fail;
			}
			off = i;
			flen = e - i;
			i = e;
		}
		if (nf == spcap) {
			struct span	*n = xreallocarray(NULL, spcap * 2, sizeof(*n));

			memcpy(n, sp, nf * sizeof(*n));
			if (sp != stack)
				free(sp);
			sp = n;
			spcap *= 2;
		}
		sp[nf].off = off;
		sp[nf].len = flen;
		sp[nf].quoted = quoted;
		sp[nf].copied = copied;
		nf++;
		if (i >= len)
			break;
		i++;		/* the comma */
	}
	if (nf > *cap) {
		*cap = nf;
		*fields = xreallocarray(*fields, nf, sizeof(**fields));
	}
	/* Offsets become pointers only now: scratch may have moved while growing. */
	for (k = 0; k < nf; k++) {
		(*fields)[k].p = (sp[k].copied ? scratch->data : rec) + sp[k].off;
		(*fields)[k].len = sp[k].len;
		(*fields)[k].quoted = sp[k].quoted;
	}
	if (sp != stack)
		free(sp);
	return ((int)nf);
fail:
	if (sp != stack)
		free(sp);
	return (-1);
}

/* ----------------------------------------------------------------- reader */

struct seedfmt_reader {
	int			 fd;
	enum seedfmt_format	 format;
	void			(*on_bytes)(void *, const void *, size_t);
	void			*arg;
	char			*buf;
	size_t			 cap;
	size_t			 start;		/* next record begins here */
	size_t			 end;		/* bytes in buf */
	bool			 eof;
	bool			 started;	/* the BOM check is done */
	long			 line;		/* line of buf[start] */
};

struct seedfmt_reader *
seedfmt_reader_new(int fd, enum seedfmt_format format,
    void (*on_bytes)(void *, const void *, size_t), void *arg)
{
	struct seedfmt_reader	*r = xcalloc(1, sizeof(*r));

	r->fd = fd;
	r->format = format;
	r->on_bytes = on_bytes;
	r->arg = arg;
	r->cap = SEEDFMT_MAX_LINE + 256 * 1024;
	r->buf = xmalloc(r->cap);
	r->line = 1;
	return (r);
}

void
seedfmt_reader_free(struct seedfmt_reader *r)
{
	if (r == NULL)
		return;
	free(r->buf);
	free(r);
}

/* Move the unread tail to the front and read more. 0, or -1 with err. */
static int
seedfmt_reader_fill(struct seedfmt_reader *r, struct mc_err *err)
{
	ssize_t	n;

	if (r->start > 0) {
		memmove(r->buf, r->buf + r->start, r->end - r->start);
		r->end -= r->start;
		r->start = 0;
	}
	do
		n = read(r->fd, r->buf + r->end, r->cap - r->end);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return (mc_err_sys(err, "read"));
	if (n == 0)
		r->eof = true;
	else {
		if (r->on_bytes != NULL)
			r->on_bytes(r->arg, r->buf + r->end, (size_t)n);
		r->end += (size_t)n;
	}
	return (0);
}

/*
 * Find the end of the record starting at r->start within the buffered
 * bytes; returns its offset (the '\n') or (size_t)-1 when not buffered yet.
 * *nl counts newlines inside it (CSV quotes).
 */
static size_t
seedfmt_reader_scan(const struct seedfmt_reader *r, long *nl)
{
	const char	*p = r->buf + r->start, *e = r->buf + r->end, *q;
	bool		 inq = false;

	*nl = 0;
	if (r->format == SEEDFMT_NDJSON) {
		q = memchr(p, '\n', (size_t)(e - p));
		return (q ? (size_t)(q - r->buf) : (size_t)-1);
	}
	while (p < e) {
		const char	*nlp = memchr(p, '\n', (size_t)(e - p));
		const char	*s;
		size_t		 nq = 0;

		if (nlp == NULL)
			nlp = e;
		for (s = p; s < nlp; s++)	/* a plain loop the compiler vectorises */
			nq += *s == '"';
		if (nq & 1)
			inq = !inq;
		if (nlp == e)
			return ((size_t)-1);
		if (!inq)
			return ((size_t)(nlp - r->buf));
		(*nl)++;
		p = nlp + 1;
	}
	return ((size_t)-1);
}

int
seedfmt_reader_next(struct seedfmt_reader *r, const char **rec, size_t *len,
    long *line, struct mc_err *err)
{
	size_t	pos, n;
	long	inner;

	for (;;) {
		pos = r->start < r->end ? seedfmt_reader_scan(r, &inner) : (size_t)-1;
		if (pos != (size_t)-1)
			break;
		if (r->end - r->start > SEEDFMT_MAX_LINE) {
			*line = r->line;
			return (mc_err_set(err, MC_E_INPUT,
			    "line is longer than 1 MiB (the limit for one record); split the value or load it another way"));
		}
		if (r->eof) {
			if (r->start >= r->end)
				return (0);
			/* Last record without a newline. */
			pos = r->end;
			inner = 0;
			if (r->format == SEEDFMT_CSV) {
				long	dummy;

				(void)seedfmt_reader_scan(r, &dummy);
				inner = dummy;
			}
			break;
		}
		if (seedfmt_reader_fill(r, err) != 0)
			return (-1);
		/* A UTF-8 byte order mark (spreadsheet exports) is not data. */
		if (!r->started && (r->end >= 3 || r->eof)) {
			r->started = true;
			if (r->end >= 3 && memcmp(r->buf, "\xef\xbb\xbf", 3) == 0)
				r->start = 3;
		}
	}
	n = pos - r->start;
	if (n > SEEDFMT_MAX_LINE) {
		*line = r->line;
		return (mc_err_set(err, MC_E_INPUT,
		    "line is longer than 1 MiB (the limit for one record); split the value or load it another way"));
	}
	*rec = r->buf + r->start;
	*line = r->line;
	if (n > 0 && (*rec)[n - 1] == '\r')
		n--;
	*len = n;
	r->line += 1 + inner;
	r->start = pos < r->end ? pos + 1 : r->end;
	return (1);
}

/* --------------------------------------------------------- server output */

int
seedfmt_context_line(const char *context, long *line, char *col, size_t collen)
{
	const char	*p, *q;
	size_t		 n;

	if (col != NULL && collen > 0)
		col[0] = '\0';
	if (context == NULL || (p = strstr(context, "COPY ")) == NULL ||
	    (p = strstr(p, ", line ")) == NULL)
		return (-1);
	*line = strtol(p + 7, (char **)&q, 10);
	if (q == p + 7)
		return (-1);
	if (col != NULL && strncmp(q, ", column ", 9) == 0) {
		q += 9;
		p = strchr(q, ':');
		n = p ? (size_t)(p - q) : strlen(q);
		if (n >= collen)
			n = collen - 1;
		memcpy(col, q, n);
		col[n] = '\0';
	}
	return (0);
}

int
seedfmt_order(size_t n, const size_t *edges, size_t nedges, size_t *order,
    size_t *stuck)
{
	bool	*done = xcalloc(n ? n : 1, sizeof(bool));
	size_t	 k = 0, i, e;
	bool	 ready;

	while (k < n) {
		for (i = 0; i < n; i++) {
			if (done[i])
				continue;
			ready = true;
			for (e = 0; e < nedges; e++)
				if (edges[2 * e] == i && edges[2 * e + 1] != i &&
				    !done[edges[2 * e + 1]]) {
					ready = false;
					break;
				}
			if (ready)
				break;
		}
		if (i == n) {
			for (i = 0; i < n && done[i]; i++)
				;
			*stuck = i;
			free(done);
			return (-1);
		}
		done[i] = true;
		order[k++] = i;
	}
	free(done);
	return (0);
}
