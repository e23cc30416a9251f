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
#include "out.h"

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
/*
 * TypeScript interfaces, one per relation. Caller frees. NULL with err
 * (MC_E_REFUSED, naming the relations) when two relations would get the
 * same interface name (a_b, a-b and "A B" all give AB): nothing is exported.
 */
char	*schema_export_ts(const struct sch_catalog *, struct mc_err *);
/* A JSON Schema (draft 2020-12) document with one $defs entry per relation. Caller owns. */
cJSON	*schema_export_json_schema(const struct sch_catalog *);
/* "code_quality" + "vulnerabilities" -> "CodeQualityVulnerabilities". Caller frees. */
char	*schema_pascal(const char *schema, const char *name);

/* ---- the Schema browser (TUI): a tree, then details of one object ---- */

/* What a browser object is. */
enum sch_okind {
	SCH_O_TABLE,		/* relkind r, and p (partitioned) */
	SCH_O_VIEW,		/* v */
	SCH_O_MATVIEW,		/* m */
	SCH_O_FOREIGN,		/* f */
	SCH_O_SEQUENCE,		/* S */
	SCH_O_FUNCTION,		/* functions, procedures, aggregates */
	SCH_O__COUNT
};

/* One object of the tree. */
struct sch_obj {
	size_t		 schema;	/* index into sch_tree.schemas */
	char		*name;		/* relation name, or "fn(arg types)" */
	enum sch_okind	 kind;
	char		 sub;		/* relkind, or prokind (f, p, a, w) */
	unsigned int	 oid;
	double		 est_rows;	/* reltuples; -1 when never analysed or n/a */
};

/* Every user schema and its objects, sorted by schema, kind, name (bytewise). */
struct sch_tree {
	char		*database;
	char		**schemas;	/* sorted */
	size_t		 nschemas;
	struct sch_obj	*objs;
	size_t		 nobjs;
};

/*
 * Load the tree: schemas (empty ones too), relations and functions of every
 * schema but pg_catalog, information_schema and pg_toast/pg_temp ones, and
 * without objects that belong to an extension. Three set-based queries sent
 * in one round trip inside a READ ONLY transaction. conn must be idle.
 * Caller frees with schema_tree_free.
 */
struct sch_tree *schema_tree_load(PGconn *, struct mc_err *);
void	schema_tree_free(struct sch_tree *);
/* "table", "view", "matview", "foreign", "sequence", "function". */
const char *schema_okind_name(enum sch_okind);

/* One section of an object's details. */
struct sch_section {
	char		*title;		/* "Columns", "Indexes", ... */
	struct table	*t;		/* rows (may have none), or NULL */
	char		*text;		/* a definition (view, function), or NULL */
	char		*note;		/* why the section is missing or partial, or NULL */
};

/* The details of one object: facts, then sections. */
struct sch_detail {
	char			*schema;
	char			*name;
	enum sch_okind		 kind;
	char			 sub;
	unsigned int		 oid;
	struct table		*facts;		/* two columns: what, value */
	struct sch_section	*sec;
	size_t			 nsec;
};

/*
 * Details of one object (psql's \d+ in sections): for tables and
 * materialized views columns (type, collation, nullability, default,
 * comment), indexes (definition, size, scans), constraints, foreign keys
 * out and in, triggers, policies, grants by role, and facts (estimated
 * rows, table/index/toast sizes, last vacuum and analyze); views add their
 * definition; sequences their parameters and owner; functions signature,
 * attributes, grants and source. Relations are found by schema and name
 * (oid is ignored), functions by oid. Each section runs under a savepoint
 * in one READ ONLY transaction with short lock and statement timeouts: a
 * section the role may not read (or that waits on a lock) gets a note
 * instead, never a failure of the whole. NULL with err when the object no
 * longer exists (MC_E_NOTFOUND) or the server fails. Caller frees.
 */
struct sch_detail *schema_detail(PGconn *, const char *schema, const char *name,
	    enum sch_okind kind, unsigned int oid, struct mc_err *);
void	schema_detail_free(struct sch_detail *);

/*
 * The first limit rows of a relation, every value as text: values longer
 * than maxchars characters are cut there and end in marker (e.g. "…"); NULL
 * cells stay NULL. READ ONLY transaction, 5 s statement timeout. Caller
 * frees the table.
 */
struct table *schema_preview(PGconn *, const char *schema, const char *name,
	    int limit, int maxchars, const char *marker, struct mc_err *);

#endif
