/* t-seedfmt.c - unit tests for seed manifests, record reading, value checks and COPY conversion. */
#include "config.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "seedfmt.h"
#include "tap.h"
#include "xmem.h"

/* The vulnerabilities-like table most checks run against. */
static struct seedfmt_table *
vuln_table(void)
{
	struct seedfmt_table	*t = seedfmt_table_new("code_quality", "vulnerabilities");

	seedfmt_table_add(t, "id", "uuid", "uuid", NULL, -1, true, true, false);
	seedfmt_table_add(t, "severity", "text", "text", NULL, -1, true, false, false);
	seedfmt_table_add(t, "line", "integer", "int4", NULL, -1, false, false, false);
	seedfmt_table_add(t, "big", "bigint", "int8", NULL, -1, false, false, false);
	seedfmt_table_add(t, "small", "smallint", "int2", NULL, -1, false, false, false);
	seedfmt_table_add(t, "score", "numeric(5,2)", "numeric", NULL, -1, false, false, false);
	seedfmt_table_add(t, "ok", "boolean", "bool", NULL, -1, false, false, false);
	seedfmt_table_add(t, "meta", "jsonb", "jsonb", NULL, -1, true, true, false);
	seedfmt_table_add(t, "code", "character varying(5)", "varchar", NULL, 9, false, false, false);
	seedfmt_table_add(t, "emb", "real[]", "_float4", "float4", -1, false, false, false);
	seedfmt_table_add(t, "tags", "text[]", "_text", "text", -1, false, false, false);
	seedfmt_table_add(t, "at", "timestamp with time zone", "timestamptz", NULL, -1, false, false, false);
	seedfmt_table_add(t, "status", "character varying(20)", "varchar", NULL, 24, false, false, false);
	seedfmt_table_add(t, "vec", "vector(3)", "vector", NULL, 3, false, false, false);
	return (t);
}

/* Check text v against column name; returns the reason or "" (static). */
static const char *
check(struct seedfmt_table *t, const char *name, const char *v)
{
	static char	out[600];
	struct buf	why;
	int		ci = seedfmt_table_find(t, name);

	buf_init(&why);
	if (seedfmt_check_text(&t->cols[ci], v, strlen(v), &why) == 0)
		snprintf(out, sizeof(out), "%s", "");
	else
		snprintf(out, sizeof(out), "%s", why.data);
	buf_done(&why);
	return (out);
}

/* Convert JSON text j for column name; returns the COPY field or "ERR: why". */
static const char *
conv(struct seedfmt_table *t, const char *name, const char *j)
{
	static char	out[600];
	struct buf	b, why;
	cJSON		*doc = cJSON_Parse(j);
	int		ci = seedfmt_table_find(t, name);

	buf_init(&b);
	buf_init(&why);
	if (seedfmt_json_field(&t->cols[ci], doc, NULL, 0, &b, &why) == 0)
		snprintf(out, sizeof(out), "%s", b.data);
	else
		snprintf(out, sizeof(out), "ERR: %s", why.data);
	cJSON_Delete(doc);
	buf_done(&b);
	buf_done(&why);
	return (out);
}

/* Like conv but with the value's raw text as written in the line. */
static const char *
convraw(struct seedfmt_table *t, const char *name, const char *j)
{
	static char	out[600];
	struct buf	b, why;
	cJSON		*doc = cJSON_Parse(j);
	int		ci = seedfmt_table_find(t, name);

	buf_init(&b);
	buf_init(&why);
	if (seedfmt_json_field(&t->cols[ci], doc, j, strlen(j), &b, &why) == 0)
		snprintf(out, sizeof(out), "%s", b.data);
	else
		snprintf(out, sizeof(out), "ERR: %s", why.data);
	cJSON_Delete(doc);
	buf_done(&b);
	buf_done(&why);
	return (out);
}

/* seedfmt_object_members callback: append "key=value;" to a buf. */
static void
member(void *arg, const char *k, size_t kl, const char *v, size_t vl)
{
	buf_printf(arg, "%.*s=%.*s;", (int)kl, k, (int)vl, v);
}

/* Write text to a temp file and return an open fd at its start. */
static int
tmpfd(const char *text, size_t len)
{
	char	path[] = "/tmp/t-seedfmt.XXXXXX";
	int	fd = mkstemp(path);

	if (fd < 0)
		bail_out("mkstemp");
	unlink(path);
	if (write(fd, text, len) != (ssize_t)len)
		bail_out("write");
	lseek(fd, 0, SEEK_SET);
	return (fd);
}

/* Read all records of text; returns "line:record|..." (static). */
static const char *
records(const char *text, enum seedfmt_format f)
{
	static char		 out[1024];
	struct seedfmt_reader	*r;
	struct mc_err		 err = { 0 };
	const char		*rec;
	size_t			 len, n = 0;
	long			 line;
	int			 fd = tmpfd(text, strlen(text)), rc;

	out[0] = '\0';
	r = seedfmt_reader_new(fd, f, NULL, NULL);
	while ((rc = seedfmt_reader_next(r, &rec, &len, &line, &err)) == 1) {
		n += (size_t)snprintf(out + n, sizeof(out) - n, "%ld:%.*s|", line, (int)len, rec);
		if (n >= sizeof(out))
			n = sizeof(out) - 1;
	}
	if (rc < 0)
		snprintf(out + n, sizeof(out) - n, "ERR %ld %s", line, err.msg);
	seedfmt_reader_free(r);
	close(fd);
	return (out);
}

/* Split a CSV record; "n:[a][b]..." with N for NULL fields, or "ERR why". */
static const char *
csv(const char *rec)
{
	static char		 out[512];
	struct seedfmt_field	*f = NULL;
	struct buf		 s, why;
	size_t			 cap = 0, n;
	int			 nf, i;

	buf_init(&s);
	buf_init(&why);
	nf = seedfmt_csv_split(rec, strlen(rec), &s, &f, &cap, &why);
	if (nf < 0)
		snprintf(out, sizeof(out), "ERR %s", why.data);
	else {
		n = (size_t)snprintf(out, sizeof(out), "%d:", nf);
		for (i = 0; i < nf; i++)
			n += (size_t)snprintf(out + n, sizeof(out) - n, (f[i].len == 0 && !f[i].quoted) ?
			    "N" : "[%.*s]", (int)f[i].len, f[i].p);
	}
	free(f);
	buf_done(&s);
	buf_done(&why);
	return (out);
}

int
main(void)
{
	struct seedfmt_table	*t = vuln_table();
	struct seedfmt_manifest	*m;
	struct mc_err		 err = { 0 };
	struct buf		 b;
	enum seed_mode		 mode;
	size_t			 order[4], stuck, edges[8];
	long			 line;
	char			 col[64], *big;
	const char		*txt;

	plan(131);

	/* modes */
	ok(seedfmt_mode_parse("upsert", &mode, &err) == 0 && mode == SEED_UPSERT, "mode upsert parses");
	ok(seedfmt_mode_parse("merge", &mode, &err) == -1, "unknown mode refused");
	like(err.msg, "expected append, upsert or replace", "mode error lists the modes");
	is_str(seedfmt_mode_name(SEED_REPLACE), "replace", "mode name");

	/* manifest */
	txt = "{\n  \"name\": \"demo\",\n  \"description\": \"d\",\n  \"mode\": \"upsert\",\n"
	    "  \"files\": [\n    { \"file\": \"a.csv\", \"table\": \"s.a\" },\n"
	    "    { \"file\": \"b.ndjson\", \"table\": \"s.b\", \"format\": \"ndjson\" }\n  ]\n}\n";
	m = seedfmt_manifest_parse("seed.json", txt, strlen(txt), &err);
	ok(m != NULL, "good manifest parses: %s", err.msg);
	if (m != NULL) {
		is_int((long long)m->nfiles, 2, "two files");
		is_int(m->mode, SEED_UPSERT, "mode read");
		is_int(m->files[0].format, SEEDFMT_CSV, "format from the .csv extension");
		is_str(m->files[1].schema, "s", "schema split");
		is_str(m->files[1].table, "b", "table split");
		is_int(m->files[1].line, 7, "line of the table value remembered");
	} else
		skip(6, "no manifest");
	seedfmt_manifest_free(m);
	txt = "{ \"name\": \"x\",\n  \"files\": [ { \"file\": \"a.csv\", \"table\": \"nodot\" } ] }";
	ok(seedfmt_manifest_parse("m.json", txt, strlen(txt), &err) == NULL, "table without schema refused");
	like(err.msg, "m.json:2: table \"nodot\": expected schema.table", "error has file:line");
	txt = "{ \"name\": \"x\",\n \"colour\": 1 }";
	ok(seedfmt_manifest_parse("m.json", txt, strlen(txt), &err) == NULL, "unknown key refused");
	like(err.msg, "m.json:2: unknown key \"colour\"", "unknown key named with its line");
	txt = "{ \"name\": \"x\",\n \"files\": [ { \"file\": \"../etc/passwd\", \"table\": \"a.b\" } ] }";
	ok(seedfmt_manifest_parse("m.json", txt, strlen(txt), &err) == NULL, "path escape refused");
	like(err.msg, "expected a plain file name", "path escape explained");
	txt = "{ \"name\": \"x\",\n \"files\": [ { \"file\": \"a.txt\", \"table\": \"a.b\" } ] }";
	ok(seedfmt_manifest_parse("m.json", txt, strlen(txt), &err) == NULL, "unknown extension without format refused");
	txt = "{ \"name\": \"x\",\n\n \"files\": [ }";
	ok(seedfmt_manifest_parse("m.json", txt, strlen(txt), &err) == NULL, "broken JSON refused");
	is_str(err.msg, "m.json:3:13: JSON syntax error near '}': expected a value",
	    "syntax error gives line, column, token and reason");
	txt = "{ \"name\": \"x\",\n \"files\": [ { \"file\": \"a.csv\", \"table\": \"a.b\" }, ]\n}";
	ok(seedfmt_manifest_parse("m.json", txt, strlen(txt), &err) == NULL, "trailing comma refused");
	is_str(err.msg, "m.json:2:48: JSON syntax error near ',': trailing comma before ']'",
	    "trailing comma named with its position");
	txt = "{ \"name\": \"x\"";
	ok(seedfmt_manifest_parse("m.json", txt, strlen(txt), &err) == NULL, "unclosed object refused");
	like(err.msg, "m.json:1:14: JSON syntax error at end of file: '{' opened at line 1, column 1",
	    "unclosed object names where it opened");
	/* a duplicate key is an error at its second position, and leaks nothing */
	txt = "{ \"name\": \"x\",\n  \"name\": \"y\",\n \"files\": [ { \"file\": \"a.csv\", \"table\": \"a.b\" } ] }";
	ok(seedfmt_manifest_parse("m.json", txt, strlen(txt), &err) == NULL, "duplicate name refused");
	is_str(err.msg, "m.json:2:3: duplicate key \"name\" (first given on line 1; keep one)",
	    "duplicate name named with line and column");
	txt = "{ \"name\": \"x\", \"description\": \"a\",\n\n \"description\": \"b\",\n"
	    " \"files\": [ { \"file\": \"a.csv\", \"table\": \"a.b\" } ] }";
	ok(seedfmt_manifest_parse("m.json", txt, strlen(txt), &err) == NULL, "duplicate description refused");
	like(err.msg, "m.json:3:2: duplicate key \"description\"", "duplicate description positioned");
	txt = "{ \"name\": \"x\", \"mode\": \"append\", \"mode\": \"replace\",\n"
	    " \"files\": [ { \"file\": \"a.csv\", \"table\": \"a.b\" } ] }";
	ok(seedfmt_manifest_parse("m.json", txt, strlen(txt), &err) == NULL, "duplicate mode refused");
	like(err.msg, "m.json:1:34: duplicate key \"mode\"", "duplicate mode positioned");
	txt = "{ \"name\": \"x\",\n \"files\": [ { \"file\": \"a.csv\", \"file\": \"b.csv\", \"table\": \"a.b\" } ] }";
	ok(seedfmt_manifest_parse("m.json", txt, strlen(txt), &err) == NULL, "duplicate key in a file entry refused");
	like(err.msg, "duplicate key \"file\" in one entry", "duplicate entry key explained");
	txt = "\xEF\xBB\xBF{ \"name\": \"x\", \"files\": [ { \"file\": \"a.csv\", \"table\": \"a.b\" } ] }";
	m = seedfmt_manifest_parse("m.json", txt, strlen(txt), &err);
	ok(m != NULL, "a UTF-8 byte order mark is skipped: %s", err.msg);
	seedfmt_manifest_free(m);

	/* enumerations from CHECK constraints */
	ok(seedfmt_enum_from_check(t, "CHECK ((severity = ANY (ARRAY['low'::text, 'medium'::text, 'high'::text, 'critical'::text])))") == 1,
	    "text enumeration recognised");
	is_int((long long)t->cols[1].nenums, 4, "four values");
	ok(seedfmt_enum_from_check(t, "CHECK (((status)::text = ANY ((ARRAY['open'::character varying, 'it''s'::character varying])::text[])))") == 1,
	    "varchar enumeration recognised");
	is_str(t->cols[12].enums[1], "it's", "quotes unescaped");
	ok(seedfmt_enum_from_check(t, "CHECK ((line > 0))") == 0, "range check is not an enumeration");
	ok(seedfmt_enum_from_check(t, "CHECK (((severity = ANY (ARRAY['a'::text])) AND (line > 0)))") == 0,
	    "compound check is not an enumeration");
	ok(seedfmt_enum_from_check(t, "CHECK ((nosuch = ANY (ARRAY['a'::text])))") == 0,
	    "unknown column ignored");

	/* text checks */
	is_str(check(t, "severity", "high"), "", "enum value accepted");
	is_str(check(t, "severity", "urgent"),
	    "column \"severity\": \"urgent\" is not one of low, medium, high, critical",
	    "enum error message as documented");
	is_str(check(t, "line", "42"), "", "integer accepted");
	is_str(check(t, "line", "-7"), "", "negative integer accepted");
	like(check(t, "line", "4x2"), "column \"line\": \"4x2\" is not an integer", "non-integer refused");
	like(check(t, "line", "3000000000"), "out of range for integer", "int4 range");
	like(check(t, "small", "40000"), "out of range for smallint", "int2 range");
	is_str(check(t, "big", "9223372036854775807"), "", "int8 max accepted");
	like(check(t, "big", "9223372036854775808"), "out of range for bigint", "int8 overflow");
	is_str(check(t, "score", "12.50"), "", "numeric accepted");
	is_str(check(t, "score", "1e3"), "", "numeric exponent accepted");
	like(check(t, "score", "12,5"), "is not a number", "decimal comma refused");
	is_str(check(t, "ok", "TRUE"), "", "boolean words accepted");
	like(check(t, "ok", "maybe"), "is not a boolean", "bad boolean refused");
	is_str(check(t, "id", "0b1e4e6e-7c55-4d52-9b8a-3f1f4c1b2d3e"), "", "uuid accepted");
	is_str(check(t, "id", "{0b1e4e6e7c554d529b8a3f1f4c1b2d3e}"), "", "braced compact uuid accepted");
	like(check(t, "id", "0b1e4e6e-7c55-4d52-9b8a"), "is not a UUID", "short uuid refused");
	is_str(check(t, "meta", "{\"a\": [1, 2]}"), "", "JSON text accepted");
	like(check(t, "meta", "{a: 1}"), "is not valid JSON", "broken JSON text refused");
	is_str(check(t, "code", "abcde"), "", "varchar(5) at its limit");
	is_str(check(t, "code", "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"), "", "varchar counts characters, not bytes");
	like(check(t, "code", "abcdef"), "6 characters is too long for character varying(5)", "varchar overflow");
	is_str(check(t, "at", "2026-11-27T10:00:00Z"), "", "timestamp accepted");
	like(check(t, "at", "27/11/2026"), "is not a timestamp with time zone", "non-ISO date refused");
	like(check(t, "at", "2026-13-01"), "is not a", "month 13 refused");
	is_str(check(t, "emb", "{1,2,3}"), "", "array literal accepted");
	like(check(t, "emb", "[1,2,3]"), "is not an array literal", "JSON-style array in text refused");
	like(check(t, "severity", "a very long value that goes on and on and on and on and on and on and on"),
	    "...\" is not one of", "long values are cut in messages");

	/* JSON -> COPY text */
	is_str(conv(t, "severity", "\"low\""), "low", "enum string");
	like(conv(t, "severity", "\"urgent\""), "ERR: column \"severity\": \"urgent\" is not one of low",
	    "enum checked for JSON strings");
	like(conv(t, "severity", "3"), "ERR: column \"severity\": expected text, got a number 3", "number for text refused");
	is_str(conv(t, "line", "42"), "42", "integer");
	like(conv(t, "line", "4.5"), "ERR: column \"line\": 4.5 is not an integer", "fraction for integer refused");
	like(conv(t, "line", "\"x\""), "is not an integer", "string for integer checked");
	is_str(conv(t, "line", "\"17\""), "17", "integer as a string accepted");
	like(conv(t, "big", "12345678901234567890"), "write it as a string", "precision loss refused");
	is_str(conv(t, "big", "\"12345678901234567\""), "12345678901234567", "big integer as string kept exact");
	is_str(conv(t, "score", "0.1"), "0.1", "shortest decimal form");
	is_str(conv(t, "ok", "true"), "t", "boolean");
	like(conv(t, "ok", "1"), "ERR: column \"ok\": expected boolean, got a number 1", "number for boolean refused");
	is_str(conv(t, "line", "null"), "\\N", "null");
	like(conv(t, "severity", "null"), "null is not allowed (the column is NOT NULL)", "null for NOT NULL refused");
	is_str(conv(t, "meta", "{\"a\":\"x\\ty\",\"b\":[1,2]}"), "{\"a\":\"x\\\\ty\",\"b\":[1,2]}",
	    "jsonb printed and escaped for COPY");
	is_str(conv(t, "tags", "[\"a\",\"b c\",\"d\\\"e\",null]"), "{\"a\",\"b c\",\"d\\\\\"e\",NULL}",
	    "text[] from a JSON array");
	is_str(conv(t, "emb", "[0.5,1,2]"), "{0.5,1,2}", "real[] from a JSON array");
	like(conv(t, "emb", "[\"x\"]"), "is not a number", "string element of real[] refused");
	is_str(conv(t, "vec", "[1,2.5,3]"), "[1,2.5,3]", "vector from a JSON array");
	like(conv(t, "emb", "{\"a\":1}"), "expected real[], got an object", "object for array refused");
	is_str(conv(t, "code", "\"a\\nb\""), "a\\nb", "newline escaped for COPY");

	/* the allocation-free JSON validator used for CSV jsonb fields */
	txt = "{\"a\": [1, -2.5e3, true, null, \"x\\u00e9\\n\"], \"b\": {}}";
	ok(seedfmt_json_valid(txt, strlen(txt)),
	    "JSON validator accepts a nested document");
	ok(!seedfmt_json_valid("{\"a\": 01}", 9), "leading zero refused");
	ok(!seedfmt_json_valid("{\"a\": 1,}", 9), "trailing comma refused");
	ok(!seedfmt_json_valid("[1] x", 5), "trailing text refused");
	ok(!seedfmt_json_valid("\"\\q\"", 4), "bad escape refused");
	ok(seedfmt_json_valid(" 42 ", 4), "a bare number is JSON");

	/* raw text as written: exact numbers, jsonb untouched */
	is_str(convraw(t, "big", "1234567890123456789"), "1234567890123456789", "int8 digits kept beyond 2^53");
	like(convraw(t, "big", "12345678901234567890"), "out of range for bigint", "int8 overflow from raw digits");
	is_str(convraw(t, "score", "0.10000"), "0.10000", "numeric keeps its digits");
	is_str(convraw(t, "meta", "{ \"a\" : [1.50, \"x\\ty\"] }"), "{ \"a\" : [1.50, \"x\\\\ty\"] }",
	    "jsonb sent as written, escaped for COPY");
	like(convraw(t, "severity", "\"lo\\u0000w\""), "contains \\u0000", "NUL in a JSON string refused");
	buf_init(&b);
	txt = "{\"a\": 1, \"b\\\"c\": {\"x\": [1,2]}, \"d\":\"s\"}";
	ok(seedfmt_object_members(txt, strlen(txt), member, &b) == 0,
	    "object members walked");
	is_str(b.data, "a=1;b\\\"c={\"x\": [1,2]};d=\"s\";", "raw keys and value spans");
	buf_reset(&b);
	ok(seedfmt_object_members("[1, 2]", 6, member, &b) == -1, "an array is not an object");
	buf_done(&b);

	buf_init(&b);
	seedfmt_copy_escape(&b, "a\\b\tc\rd\n", 8);
	is_str(b.data, "a\\\\b\\tc\\rd\\n", "COPY escapes backslash, tab, CR, LF");
	buf_done(&b);

	/* UTF-8 */
	is_int((long long)seedfmt_utf8_check("plain ascii text here", 21), 21, "ASCII valid");
	is_int((long long)seedfmt_utf8_check("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", 14), 14, "multibyte valid");
	is_int((long long)seedfmt_utf8_check("abc\xff", 4), 3, "0xFF invalid at its offset");
	is_int((long long)seedfmt_utf8_check("abcdefghij\xc3", 11), 10, "truncated sequence invalid");
	is_int((long long)seedfmt_utf8_check("\xc0\xaf", 2), 0, "overlong encoding invalid");
	is_int((long long)seedfmt_utf8_check("\xed\xa0\x80", 3), 0, "surrogate invalid");

	/* CSV split */
	is_str(csv("a,b,c"), "3:[a][b][c]", "plain fields");
	is_str(csv("a,,\"\""), "3:[a]N[]", "unquoted empty is NULL, quoted empty is empty");
	is_str(csv("\"x,y\",\"say \"\"hi\"\"\""), "2:[x,y][say \"hi\"]", "quotes and doubled quotes");
	is_str(csv("\"a\nb\",c"), "2:[a\nb][c]", "newline inside quotes");
	like(csv("\"open,b"), "ERR field 1: a quoted field is not closed", "unclosed quote refused");
	like(csv("a\"b,c"), "ERR field 1: a quote inside an unquoted field", "stray quote refused");
	like(csv("\"a\"x,c"), "ERR field 1: unexpected text after a closing quote", "text after quote refused");

	/* reader */
	is_str(records("{\"a\":1}\n\n{\"b\":2}\r\n{\"c\":3}", SEEDFMT_NDJSON),
	    "1:{\"a\":1}|2:|3:{\"b\":2}|4:{\"c\":3}|", "NDJSON lines with numbers, CRLF and no final newline");
	is_str(records("h1,h2\n\"x\ny\",2\nz,3\n", SEEDFMT_CSV),
	    "1:h1,h2|2:\"x\ny\",2|4:z,3|", "CSV record spanning lines keeps line numbers");
	is_str(records("", SEEDFMT_NDJSON), "", "empty file has no records");
	is_str(records("\xef\xbb\xbfid,name\n1,a\n", SEEDFMT_CSV), "1:id,name|2:1,a|",
	    "a UTF-8 byte order mark is skipped");
	big = xmalloc(SEEDFMT_MAX_LINE + 20);
	memset(big, 'x', SEEDFMT_MAX_LINE + 10);
	memcpy(big, "{\"a\":1}\n", 8);
	big[SEEDFMT_MAX_LINE + 10] = '\0';
	like(records(big, SEEDFMT_NDJSON), "ERR 2 line is longer than 1 MiB", "1 MiB line refused with its line");
	big[SEEDFMT_MAX_LINE + 9] = '\n';	/* line 2: 1 MiB + 1 byte */
	like(records(big, SEEDFMT_NDJSON), "ERR 2 line is longer than 1 MiB", "1 MiB line with a newline refused");
	memset(big, 'y', SEEDFMT_MAX_LINE);
	big[SEEDFMT_MAX_LINE] = '\0';
	ok(strncmp(records(big, SEEDFMT_NDJSON), "1:yyy", 5) == 0, "a line of exactly 1 MiB is accepted");
	free(big);

	/* server CONTEXT lines */
	ok(seedfmt_context_line("COPY metrics, line 42, column unit: \"percentx\"", &line, col, sizeof(col)) == 0 &&
	    line == 42, "COPY line read");
	is_str(col, "unit", "COPY column read");
	ok(seedfmt_context_line("COPY metrics, line 7: \"a\tb\"", &line, col, sizeof(col)) == 0 &&
	    line == 7 && col[0] == '\0', "line without a column");
	ok(seedfmt_context_line("SQL statement \"SELECT 1\"", &line, col, sizeof(col)) == -1,
	    "no COPY line in other contexts");

	/* foreign-key order */
	edges[0] = 0; edges[1] = 2;	/* 0 references 2 */
	edges[2] = 1; edges[3] = 0;	/* 1 references 0 */
	ok(seedfmt_order(3, edges, 2, order, &stuck) == 0 && order[0] == 2 && order[1] == 0 && order[2] == 1,
	    "parents before children");
	edges[4] = 2; edges[5] = 1;	/* 2 references 1: a cycle */
	ok(seedfmt_order(3, edges, 3, order, &stuck) == -1, "cycle detected");
	edges[0] = 1; edges[1] = 1;	/* self reference */
	ok(seedfmt_order(2, edges, 1, order, &stuck) == 0 && order[0] == 0 && order[1] == 1,
	    "self references do not block; ties keep manifest order");

	seedfmt_table_free(t);
	return (done_testing());
}
