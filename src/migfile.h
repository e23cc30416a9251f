/*
 * migfile.h - migration files on disk: names, directives, statements,
 * checksums and diffs. Pure: no server is involved, so all of it is unit
 * tested.
 *
 * A migration is a pair NNNN_description.up.sql / NNNN_description.down.sql.
 * A repeatable migration is one file R_description.sql (Flyway's spelling
 * R__description.sql is taken too): no version and no down file (it has no
 * rollback); `migrate up` runs it after the versioned ones, in description
 * order, whenever it is new or its checksum changed. It always runs in one
 * transaction, so -- mcpdb:no-transaction is refused there.
 * Each file is read once and normalised (UTF-8 BOM removed, CRLF and lone CR
 * turned into LF, trailing blank lines cut to one final newline); the
 * normalised text is what runs, what is hashed (SHA-256, MIG_CHECKSUM_ALGO)
 * and what the ledger stores, so a CRLF-only change is not drift and server
 * error positions map straight back to file lines.
 *
 * Directives live in the header comment block, before any SQL:
 *   -- mcpdb:no-transaction          run outside a transaction
 *   -- mcpdb:lock_timeout=2s         SET lock_timeout for this file
 *   -- mcpdb:statement_timeout=10min SET statement_timeout for this file
 * Durations take ms, s, min or h (a bare number is milliseconds).
 *
 * Statements are split like psql does (quotes, E'' strings, dollar quotes,
 * nested comments, parentheses, BEGIN ATOMIC bodies) so each one is sent on
 * its own and an error can name the file, line and column.
 */
#ifndef MCPDB_MIGFILE_H
#define MCPDB_MIGFILE_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"

/* Version of the normal form + hash; stored with every ledger row. */
#define MIG_CHECKSUM_ALGO	1
#define MIG_SUM_LEN		64	/* hex characters of a SHA-256 */

/* One statement of a script: a span of the normalised text. */
struct mig_stmt {
	size_t	off;		/* first byte of the statement */
	size_t	len;		/* through its ';' (or the last token) */
	int	line;		/* 1-based line of off */
	int	col;		/* 1-based column (characters) of off */
};

/* One file (the up or the down half of a migration). */
struct mig_script {
	char		*path;		/* dir/NNNN_name.up.sql as found */
	char		*sql;		/* normalised text, NUL-terminated */
	size_t		 len;
	char		 sum[MIG_SUM_LEN + 1];	/* hex SHA-256 of sql */
	bool		 no_tx;		/* -- mcpdb:no-transaction */
	int		 lock_timeout_ms;	/* directive, or -1 for the config */
	int		 statement_timeout_ms;	/* directive, or -1 for the config */
	struct mig_stmt	*stmts;
	size_t		 nstmts;
	size_t		 nexpanded;	/* placeholders replaced (migset_expand) */
};

/* One migration: both files. */
struct mig_file {
	long long		 version;
	char			 vstr[24];	/* the digits as written: "0003" */
	char			*name;		/* "add_users" */
	char			*id;		/* "0003_add_users" */
	struct mig_script	 up;
	struct mig_script	 down;
};

/* One repeatable migration: R_description.sql. */
struct mig_rep {
	char			*name;		/* "views" */
	char			*id;		/* "R_views" */
	struct mig_script	 sc;
};

/* All migrations of a directory, sorted by version; repeatables by name. */
struct mig_set {
	char		*dir;
	struct mig_file	*files;
	size_t		 n;
	struct mig_rep	*reps;
	size_t		 nreps;
	int		 vwidth;	/* digits to print versions with (>= 4) */
};

/* migset_load flags. */
#define MIGSET_NAMES_ONLY	0x01	/* scan names only (for `migrate new`) */

/*
 * Read every *.sql file of dir. Any problem (bad name, duplicate version,
 * missing partner, empty file, unreadable file, unterminated quote, a
 * statement that cannot run the way the file asks) makes it fail: NULL with
 * err (MC_E_INPUT) holding the first problem and, when problems is not NULL,
 * *problems set to all of them, one line each ("FILE[:LINE:COL]: what"),
 * newline-separated (caller frees). Files not ending in .sql and hidden files
 * are ignored. Caller frees the set with migset_free.
 */
struct mig_set	*migset_load(const char *dir, unsigned flags, char **problems,
	    struct mc_err *);
void	migset_free(struct mig_set *);
/* The migration with this version, or NULL. Borrowed from the set. */
struct mig_file	*migset_find(const struct mig_set *, long long version);
/* The repeatable named name ("views"), or NULL. Borrowed from the set. */
struct mig_rep	*migset_find_rep(const struct mig_set *, const char *name);
/* Print version v with the set's width into out ("0003"). Returns out. */
char	*migset_vfmt(const struct mig_set *, long long v, char *out, size_t len);

/*
 * Per-schema streams (see migrate.h for how the runner uses them).
 * A sub-directory of the migrations directory whose name is a stream name
 * ([a-z0-9_]+, at most MIG_STREAM_MAX bytes) holds one stream with its own
 * version sequence; files at the top level are the default stream, ""
 * in the ledger and MIG_STREAM_DEFAULT on the command line (so no
 * directory may have that name).
 * Hidden sub-directories are ignored. Lists the stream sub-directories of
 * dir into *names (caller frees with migstreams_free; sorted by name, *n
 * set; NULL and 0 when there are none). -1 with err (MC_E_INPUT) naming
 * the first sub-directory with a bad name or with a sub-directory of its
 * own, or (sys) dir when it cannot be read.
 */
#define MIG_STREAM_MAX	63
#define MIG_STREAM_DEFAULT	"default"
int	migset_streams(const char *dir, char ***names, size_t *n,
	    struct mc_err *);
void	migstreams_free(char **, size_t);
/* Is s a valid stream name? ("" is the default stream and is not.) */
bool	mig_stream_name_ok(const char *s);

/*
 * Split a file name into version and description. Returns 0 and sets
 * *version, *is_up and *desc (caller frees), or -1 with err saying what is
 * wrong with it.
 */
int	mig_parse_name(const char *fname, long long *version, char **desc,
	    bool *is_up, struct mc_err *);
/*
 * Is fname a repeatable's name (it starts with "R_")? Then 1 with *desc set
 * (caller frees), or -1 with err saying what is wrong with it; 0 when it
 * is not one.
 */
int	mig_parse_rep_name(const char *fname, char **desc, struct mc_err *);
/* Parse a version given by an operator ("3", "0003"). -1 with a usage error. */
int	mig_parse_version(const char *, long long *, struct mc_err *);
/* Parse a duration ("250ms", "2s", "5min", "1h", "1500"). -1 with err. */
int	mig_parse_duration(const char *, int *ms, struct mc_err *);

/* The normal form of raw file bytes (see above). Caller frees; *outlen set. */
char	*mig_normalise(const char *raw, size_t len, size_t *outlen);
/* Hex SHA-256 of buf into out (MIG_SUM_LEN + 1 bytes). */
void	mig_sha256_hex(const void *buf, size_t len, char *out);

/*
 * Fill s from raw file bytes: normalise, hash, read directives, split into
 * statements and check them. path is used in messages (copied). Returns 0,
 * or -1 with err "path:line:col: problem". On failure s may be partly
 * filled; mig_script_done frees it either way.
 */
int	mig_script_parse(struct mig_script *, const char *path, const char *raw,
	    size_t len, struct mc_err *);
void	mig_script_done(struct mig_script *);

/*
 * Split normalised sql into statements. *out (caller frees) gets *n spans.
 * -1 with err "path:line:col: unterminated ..." (path may be NULL).
 */
int	mig_split(const char *path, const char *sql, size_t len,
	    struct mig_stmt **out, size_t *n, struct mc_err *);

/*
 * Map a server error position (1-based, in characters of the statement
 * text) to the file's line and column. pos <= 0 gives the statement start.
 */
void	mig_position(const char *sql, const struct mig_stmt *, int pos,
	    int *line, int *col);

/*
 * A unified diff (3 lines of context) from text a to text b, headed by
 * label_a and label_b. NULL when they are equal. Caller frees.
 */
char	*mig_diff(const char *a, const char *b, const char *label_a,
	    const char *label_b);

/*
 * Placeholders. ${NAME} (NAME: [A-Za-z_][A-Za-z0-9_]*) is replaced by the
 * value given for NAME (the target's "migrate": { "placeholders": {...} })
 * in SQL text, in '...' / E'...' strings and in "..." identifiers; never in
 * comments (-- and nested block comments) nor in dollar-quoted bodies
 * ($$...$$, $tag$...$tag$), which run exactly as written. Inside a string or
 * a quoted identifier $${NAME} stands for a literal ${NAME} (in SQL text $$
 * opens a dollar quote, and a bare ${ is no SQL, so no escape is needed
 * there). Anything else with a $ (${1}, ${ x}) is left as written. A NAME
 * with no value is refused. The checksum is taken before expansion: the
 * file as written, so a new value is not drift.
 */
struct mig_vars {
	char *const	*names;
	char *const	*values;
	size_t		 n;
	const char	*origin;	/* where they are defined, for messages */
};

/*
 * Expand the placeholders of sql (len bytes). Returns the new text (caller
 * frees; *outlen set, *nused the number of placeholders replaced), or NULL
 * with err (MC_E_INPUT) "path:line:col: placeholder ${NAME} is not defined
 * (...)" for the first undefined one.
 */
char	*mig_expand(const char *path, const char *sql, size_t len,
	    const struct mig_vars *, size_t *outlen, size_t *nused,
	    struct mc_err *);

/*
 * Expand every script of set in place (the text that runs and is shown;
 * the checksum stays the file's), then split and check again. Returns 0,
 * or -1 with err holding the first problem and *problems (when not NULL)
 * every one, as migset_load does.
 */
int	migset_expand(struct mig_set *, const struct mig_vars *,
	    char **problems, struct mc_err *);

#endif
