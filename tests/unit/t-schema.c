/* t-schema.c - unit tests for CHECK-enumeration parsing and the model exports. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "schema.h"
#include "tap.h"
#include "xmem.h"

/* Free a parsed value list. */
static void
free_vals(char **v, size_t n)
{
	while (n > 0)
		free(v[--n]);
	free(v);
}

int
main(void)
{
	char			**v, *ts, *s;
	size_t			  n;
	struct sch_catalog	  cat;
	struct sch_relation	  rel;
	struct sch_column	  cols[4];
	cJSON			 *doc, *def;
	struct mc_err		  err = { 0 };

	n = schema_parse_enum_check("CHECK ((status = ANY (ARRAY['running'::text, 'completed'::text, 'failed'::text])))", "status", &v);
	is_int((long long)n, 3, "IN list with ::text casts");
	ok(n == 3 && strcmp(v[0], "running") == 0 && strcmp(v[2], "failed") == 0, "values in order");
	free_vals(v, n);
	n = schema_parse_enum_check("CHECK (((severity)::text = ANY ((ARRAY['low'::character varying, 'high'::character varying])::text[])))", "severity", &v);
	ok(n == 2 && strcmp(v[1], "high") == 0, "varchar column with casts");
	free_vals(v, n);
	n = schema_parse_enum_check("CHECK ((kind = ANY (ARRAY['it''s'::text, 'b'::text])))", "kind", &v);
	ok(n == 2 && strcmp(v[0], "it's") == 0, "doubled quotes unescaped");
	free_vals(v, n);
	n = schema_parse_enum_check("CHECK ((status = ANY (ARRAY['a'::text])))", "stat", &v);
	is_int((long long)n, 0, "a different column is not matched");
	n = schema_parse_enum_check("CHECK (((status = ANY (ARRAY['a'::text])) OR (x > 1)))", "status", &v);
	is_int((long long)n, 0, "a compound condition is not an enumeration");
	n = schema_parse_enum_check("CHECK ((length(name) < 10))", "name", &v);
	is_int((long long)n, 0, "other checks are ignored");
	n = schema_parse_enum_check("CHECK ((\"Weird Col\" = ANY (ARRAY['x'::text])))", "Weird Col", &v);
	ok(n == 1, "quoted column names");
	free_vals(v, n);

	s = schema_pascal("code_quality", "vulnerabilities");
	is_str(s, "CodeQualityVulnerabilities", "PascalCase names");
	free(s);
	s = schema_pascal("x", "2fa");
	is_str(s, "X2fa", "digits inside are kept");
	free(s);

	memset(&cat, 0, sizeof(cat));
	memset(&rel, 0, sizeof(rel));
	memset(cols, 0, sizeof(cols));
	cat.database = "db";
	cat.rels = &rel;
	cat.nrels = 1;
	rel.schema = "code_quality";
	rel.name = "vulns";
	rel.kind = 'r';
	rel.comment = "tricky */ comment";
	rel.cols = cols;
	rel.ncols = 4;
	cols[0] = (struct sch_column){ .name = "id", .type = "bigint", .base = "int8", .not_null = true };
	cols[1] = (struct sch_column){ .name = "severity", .type = "text", .base = "text", .not_null = true };
	char *sev[] = { "low", "high" };
	cols[1].enum_vals = sev;
	cols[1].nenum = 2;
	cols[2] = (struct sch_column){ .name = "meta", .type = "jsonb", .base = "jsonb" };
	cols[3] = (struct sch_column){ .name = "scores", .type = "real[]", .base = "float4", .is_array = true, .not_null = true };
	ts = schema_export_ts(&cat, &err);
	like(ts, "export interface CodeQualityVulns {", "one interface per table");
	like(ts, "\tid: string; // bigint", "bigint is a string");
	like(ts, "\tseverity: 'low' | 'high'; // text", "CHECK enumeration is a union");
	like(ts, "\tmeta: JsonValue | null; // jsonb", "nullable jsonb");
	like(ts, "\tscores: number[]; // real[]", "arrays");
	unlike(ts, "tricky */", "a comment cannot close the doc comment early");
	free(ts);
	doc = schema_export_json_schema(&cat);
	def = cJSON_GetObjectItem(cJSON_GetObjectItem(doc, "$defs"), "code_quality.vulns");
	ok(def != NULL, "JSON Schema has a $defs entry per relation");
	ok(cJSON_GetArraySize(cJSON_GetObjectItem(def, "required")) == 4, "all columns required (null is a value)");
	s = cJSON_PrintUnformatted(cJSON_GetObjectItem(cJSON_GetObjectItem(def, "properties"), "severity"));
	is_str(s, "{\"enum\":[\"low\",\"high\"]}", "enumeration as enum");
	free(s);
	s = cJSON_PrintUnformatted(cJSON_GetObjectItem(cJSON_GetObjectItem(def, "properties"), "meta"));
	is_str(s, "{\"anyOf\":[{},{\"type\": \"null\"}]}", "nullable any-JSON");
	free(s);
	cJSON_Delete(doc);
	/* names that map to one interface are refused, all of them named */
	{
		struct sch_relation	three[4];
		struct sch_catalog	c3 = cat;

		memset(three, 0, sizeof(three));
		three[0] = (struct sch_relation){ .schema = "public", .name = "a_b", .kind = 'r' };
		three[1] = (struct sch_relation){ .schema = "public", .name = "other", .kind = 'r' };
		three[2] = (struct sch_relation){ .schema = "public", .name = "a-b", .kind = 'r' };
		three[3] = (struct sch_relation){ .schema = "public", .name = "A B", .kind = 'v' };
		c3.rels = three;
		c3.nrels = 4;
		ts = schema_export_ts(&c3, &err);
		ok(ts == NULL, "colliding interface names refused");
		is_str(err.msg, "schema export --format ts: public.a_b, public.\"a-b\", and public.\"A B\" "
		    "would all become interface PublicAB; rename all but one, or use --format "
		    "json-schema (keyed by the real names)", "every colliding table named");
		free(ts);
		c3.nrels = 3;
		three[2].name = "ab";
		ts = schema_export_ts(&c3, &err);
		ok(ts != NULL, "a_b and ab are distinct (PublicAB, PublicAb)");
		free(ts);
		three[0] = (struct sch_relation){ .schema = "a_b", .name = "c", .kind = 'r' };
		three[1] = (struct sch_relation){ .schema = "a", .name = "b_c", .kind = 'r' };
		c3.nrels = 2;
		ts = schema_export_ts(&c3, &err);
		ok(ts == NULL, "a collision across schemas is refused too");
		like(err.msg, "a_b.c and a.b_c would both become interface ABC", "two named: %s", err.msg);
		three[0] = (struct sch_relation){ .schema = "json", .name = "value", .kind = 'r' };
		c3.nrels = 1;
		ts = schema_export_ts(&c3, &err);
		ok(ts == NULL, "a table named like the JsonValue type is refused");
		like(err.msg, "json.value would become interface JsonValue", "and named");
	}
	s = schema_text_array((const char *const[]){ "a\"b", "c\\d" }, 2);
	is_str(s, "{\"a\\\"b\",\"c\\\\d\"}", "text[] literal escapes quotes and backslashes");
	free(s);
	return (done_testing());
}
