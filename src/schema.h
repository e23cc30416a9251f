/*
 * schema.h - catalog queries in psql's style (describe.c): a few set-based
 * queries, user patterns as parameters, and exports of the catalog as
 * TypeScript interfaces and JSON Schema so the services' models cannot
 * drift from the database.
 */
#ifndef MCPDB_SCHEMA_H
#define MCPDB_SCHEMA_H

#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>
#include <libpq-fe.h>

#include "err.h"

/* One column of a table or view. */
struct sch_column {
	char	*name;
	char	*type;		/* format_type(): "character varying(200)", "real[]" */
	char	*base;		/* element type name: "varchar", "float4", "vector" */
	char	 typtype;	/* 'b' base, 'e' enum, 'd' domain (resolved), ... */
	bool	 is_array;
	bool	 not_null;
	char	*default_;	/* NULL: none */
	char	*comment;	/* NULL: none */
	char	**enum_vals;	/* from a single-column CHECK (col IN (...)) or an enum type */
	size_t	 nenum;
};

/* A table, view, materialized view or foreign table. */
struct sch_relation {
	char			*schema;
	char			*name;
	char			 kind;		/* r, p, v, m, f */
	char			*comment;
	struct sch_column	*cols;
	size_t			 ncols;
};

struct sch_catalog {
	char			*database;
	struct sch_relation	*rels;
	size_t			 nrels;
};

/*
 * Load relations and columns of the given schemas (all user schemas when
 * n == 0; pg_catalog, information_schema, pg_toast and mcpdb's own `mcpdb`
 * schema are never included). Two queries. Caller frees.
 */
struct sch_catalog *schema_load(PGconn *, const char *const *schemas, size_t n, struct mc_err *);
void	schema_catalog_free(struct sch_catalog *);

/*
 * Read the values of a single-column enumeration CHECK from its
 * pg_get_constraintdef() text, e.g. CHECK ((status = ANY (ARRAY['a'::text,
 * 'b'::text]))) or CHECK (((s)::text = ANY ((ARRAY['x'::character varying])::text[]))).
 * Returns the number of values (0 when def is not such a constraint on col)
 * and sets *vals (caller frees each and the array).
 */
size_t	schema_parse_enum_check(const char *def, const char *col, char ***vals);

/* A PostgreSQL text[] literal ({"a","b"}) for passing names as one parameter. Caller frees. */
char	*schema_text_array(const char *const *names, size_t n);
/* TypeScript interfaces, one per relation. Caller frees. */
char	*schema_export_ts(const struct sch_catalog *);
/* A JSON Schema (draft 2020-12) document with one $defs entry per relation. Caller owns. */
cJSON	*schema_export_json_schema(const struct sch_catalog *);
/* "code_quality" + "vulnerabilities" -> "CodeQualityVulnerabilities". Caller frees. */
char	*schema_pascal(const char *schema, const char *name);

#endif
