/*
 * seedfmt.h - the server-free half of seed loading: the seed.json manifest,
 * reading NDJSON lines and CSV records with line numbers and size limits,
 * checking one value against a column as the catalog describes it, and
 * turning values into COPY rows. Everything here is pure (files in, text
 * out) so it is unit-tested without a server; seed.c adds the catalog,
 * COPY and the transaction.
 *
 * Error texts are the part after "FILE:LINE: ", e.g.
 * `column "severity": "urgent" is not one of low, medium, high, critical`;
 * callers prefix the location.
 */
#ifndef MCPDB_SEEDFMT_H
#define MCPDB_SEEDFMT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "buf.h"
#include "err.h"

/* Longest NDJSON line or CSV record accepted, in bytes (without newline). */
#define SEEDFMT_MAX_LINE	(1024 * 1024)

enum seed_mode {
	SEED_APPEND,		/* COPY into the table; duplicates are errors */
	SEED_UPSERT,		/* COPY into a temp table, INSERT ... ON CONFLICT DO UPDATE */
	SEED_REPLACE,		/* DELETE the set's tables, then load */
};

enum seedfmt_format {
	SEEDFMT_NDJSON,
	SEEDFMT_CSV,
};

/* Parse "append" | "upsert" | "replace". -1 with MC_E_USAGE on junk. */
int	seedfmt_mode_parse(const char *, enum seed_mode *, struct mc_err *);
/* "append", "upsert" or "replace". */
const char *seedfmt_mode_name(enum seed_mode);

/* One data file of a set, as the manifest lists it. */
struct seedfmt_file {
	char			*file;		/* relative to the set directory */
	char			*schema;
	char			*table;
	enum seedfmt_format	 format;
	int			 line;		/* manifest line of its "table" value */
};

/* A parsed seeds/<set>/seed.json. */
struct seedfmt_manifest {
	char			*name;
	char			*description;	/* may be NULL */
	enum seed_mode		 mode;		/* default append */
	struct seedfmt_file	*files;
	size_t			 nfiles;
};

/*
 * Parse manifest text (path is used in messages only). Unknown keys, a
 * missing "files", a table not written schema.table, an unknown format or
 * a file name with "/" or ".." are errors "PATH:LINE: ...". A missing
 * format is taken from the extension (.ndjson/.jsonl or .csv). Caller frees
 * with seedfmt_manifest_free.
 */
struct seedfmt_manifest *seedfmt_manifest_parse(const char *path, const char *text,
	    size_t len, struct mc_err *);
void	seedfmt_manifest_free(struct seedfmt_manifest *);

/* How a column's values are checked and converted. */
enum seedfmt_kind {
	SK_TEXT, SK_INT2, SK_INT4, SK_INT8, SK_NUMERIC, SK_FLOAT, SK_BOOL,
	SK_UUID, SK_JSON, SK_DATE, SK_TIMESTAMP, SK_ARRAY, SK_VECTOR, SK_OTHER,
};

/* A column as the live catalog describes it. Owned by its seedfmt_table. */
struct seedfmt_col {
	char			*name;
	char			*type;		/* format_type(): "character varying(20)" */
	enum seedfmt_kind	 kind;
	enum seedfmt_kind	 elem;		/* element kind for SK_ARRAY */
	int			 maxlen;	/* varchar(n)/char(n) in characters; 0 = none */
	bool			 not_null;
	bool			 has_default;	/* DEFAULT, identity or generated */
	bool			 generated;	/* GENERATED ALWAYS AS: never loaded */
	char			**enums;	/* allowed values (CHECK col IN (...)), or NULL */
	size_t			 nenums;
};

/* A table: its columns in attnum order. */
struct seedfmt_table {
	char			*schema;
	char			*name;
	struct seedfmt_col	*cols;
	size_t			 ncols;
};

/* An empty table description. Caller frees with seedfmt_table_free. */
struct seedfmt_table *seedfmt_table_new(const char *schema, const char *name);
/* Append a column; type is format_type() text, typname the base pg_type name
 * ("int4", "_float4" for arrays is given as elem_typname). Returns it. */
struct seedfmt_col *seedfmt_table_add(struct seedfmt_table *, const char *name,
	    const char *type, const char *typname, const char *elem_typname,
	    int typmod, bool not_null, bool has_default, bool generated);
/* Column index by exact name, or -1. */
int	seedfmt_table_find(const struct seedfmt_table *, const char *name);
void	seedfmt_table_free(struct seedfmt_table *);

/*
 * If the CHECK constraint definition (pg_get_constraintdef) is exactly an
 * enumeration of one column ("CHECK ((col = ANY (ARRAY['a'::text, ...])))"
 * or "col IN (...)"), store its values on that column of t and return 1;
 * return 0 when it is some other check.
 */
int	seedfmt_enum_from_check(struct seedfmt_table *, const char *condef);

/*
 * Check text value v (len bytes, not NUL-terminated necessarily) against
 * column c. Returns 0, or -1 with the reason in why (appended, e.g.
 * `column "n": "x" is not an integer`).
 */
int	seedfmt_check_text(const struct seedfmt_col *, const char *v, size_t len,
	    struct buf *why);

/*
 * Append JSON value j converted for column c to out as a COPY text-format
 * field (escaped; null as \N). raw/rawlen (may be NULL) is the value's text
 * as written in the line: when given, numbers keep their exact digits and
 * json/jsonb values are sent as written instead of being re-printed.
 * Returns 0, or -1 with the reason in why.
 */
int	seedfmt_json_field(const struct seedfmt_col *, const cJSON *j, const char *raw,
	    size_t rawlen, struct buf *out, struct buf *why);

/*
 * Walk the members of the JSON object in s (n bytes): fn gets each raw key
 * (between the quotes, escapes not decoded) and the raw text of its value.
 * Returns 0, or -1 when s is not a well-formed object.
 */
int	seedfmt_object_members(const char *s, size_t n,
	    void (*fn)(void *, const char *key, size_t keylen, const char *val, size_t vallen),
	    void *arg);

/* True when s (n bytes) is exactly one JSON value (RFC 8259), without allocating. */
bool	seedfmt_json_valid(const char *s, size_t n);

/* Append s (n bytes) escaped for COPY text format (\\, \t, \n, \r). */
void	seedfmt_copy_escape(struct buf *, const char *s, size_t n);

/* Offset of the first byte of s that is not valid UTF-8, or n when all are. */
size_t	seedfmt_utf8_check(const char *s, size_t n);

/* One CSV field as split by seedfmt_csv_split. */
struct seedfmt_field {
	const char	*p;		/* unescaped bytes (inside the scratch buf) */
	size_t		 len;
	bool		 quoted;	/* unquoted empty = NULL for COPY CSV */
};

/*
 * Split one CSV record (RFC 4180: ',' separator, '"' quotes, "" inside
 * quotes) into fields, unescaping into scratch. *fields is grown as needed
 * (caller frees). Returns the number of fields, or -1 with the reason in
 * why (a stray quote).
 */
int	seedfmt_csv_split(const char *rec, size_t len, struct buf *scratch,
	    struct seedfmt_field **fields, size_t *cap, struct buf *why);

/* A record reader over a file descriptor (NDJSON lines or CSV records). */
struct seedfmt_reader;

/*
 * Read fd (not closed) in the given format. on_bytes (may be NULL) sees
 * every byte read, in order (checksums, byte counts). Caller frees.
 */
struct seedfmt_reader *seedfmt_reader_new(int fd, enum seedfmt_format,
	    void (*on_bytes)(void *, const void *, size_t), void *arg);
/*
 * Next record without its line ending (\n or \r\n). *rec stays valid until
 * the next call. *line is the 1-based line where the record starts.
 * Returns 1, 0 at end of file, or -1 with err (MC_E_SYS, or MC_E_INPUT
 * "line N is longer than 1 MiB ..." with *line set).
 */
int	seedfmt_reader_next(struct seedfmt_reader *, const char **rec, size_t *len,
	    long *line, struct mc_err *);
void	seedfmt_reader_free(struct seedfmt_reader *);

/*
 * From a server error CONTEXT ("COPY metrics, line 42, column unit: ...")
 * get the COPY line number and, when present, the column name (into col,
 * else ""). Returns 0, or -1 when the text has no COPY line.
 */
int	seedfmt_context_line(const char *context, long *line, char *col, size_t collen);

/*
 * Order n tables so that referenced ones come first: edges are pairs
 * (from, to) meaning "from references to". Ties keep index order.
 * Returns 0 with order[] filled, or -1 when they form a cycle (*stuck
 * then holds one table index on it).
 */
int	seedfmt_order(size_t n, const size_t *edges, size_t nedges, size_t *order,
	    size_t *stuck);

#endif
