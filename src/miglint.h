/*
 * miglint.h - `migrate lint`: flags statements of migration files that take
 * long locks or rewrite tables on a live server. Pure: files in, findings
 * out, no server involved.
 *
 * The SQL is read lexically (the statement split of migfile.h, then tokens:
 * -- and nested comments, quoted strings and identifiers, E'' strings,
 * dollar-quoted bodies), so text inside a string, a comment or a function
 * body is never flagged. Rules:
 *
 *   volatile-default     ADD COLUMN with a volatile default (random(),
 *                        clock_timestamp(), gen_random_uuid(), nextval(),
 *                        serial, identity, stored generated column): every
 *                        row is rewritten under an ACCESS EXCLUSIVE lock.
 *                        A constant or stable default (now()) is not
 *                        flagged: since PostgreSQL 11 it is stored once.
 *   index-not-concurrent CREATE INDEX without CONCURRENTLY on a table not
 *                        created earlier in the same file.
 *   alter-type           ALTER COLUMN ... TYPE on an existing table.
 *   set-not-null         SET NOT NULL without an earlier CHECK (col IS NOT
 *                        NULL) NOT VALID and VALIDATE CONSTRAINT of it (in
 *                        the same file or an earlier file of the run).
 *   foreign-key-not-valid ADD FOREIGN KEY without NOT VALID on an existing
 *                        table.
 *   check-not-valid      ADD CHECK without NOT VALID on an existing table.
 *   drop-if-exists       DROP ... without IF EXISTS in a down file
 *                        (NAME.down.sql).
 *   lint-ignore          a malformed ignore comment (never ignorable).
 *
 * Opt-out, per statement: a line comment in the statement or between it and
 * the previous one,
 *   -- mcpdb:lint-ignore RULE[,RULE...] REASON
 * (the reason is required). Per directory: a file .mcpdb-lint in the
 * migrations directory with lines "RULE REASON" ('#' comments), applied to
 * every file of that directory when it is linted as a whole.
 */
#ifndef MCPDB_MIGLINT_H
#define MCPDB_MIGLINT_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"

struct mig_vars;

/* One finding. */
struct miglint_finding {
	char		*path;		/* as given */
	int		 line;		/* 1-based */
	const char	*rule;		/* static: "alter-type", ... */
	char		*what;		/* what the statement does */
	char		*instead;	/* the safer form */
};

/* The findings of a run, in file and line order. */
struct miglint {
	struct miglint_finding	*v;
	size_t			 n;
	size_t			 nfiles;	/* files linted */
	size_t			 nstmts;	/* statements read */
	size_t			 nignored;	/* findings silenced by an ignore */
	/* Context carried from file to file (see set-not-null). */
	char			**valid;	/* "table\ncolumn" */
	size_t			 nvalid;
	char			**pending;	/* "table\ncolumn\nconstraint" */
	size_t			 npending;
	char			**dirignore;	/* rules of .mcpdb-lint */
	size_t			 ndirignore;
	/* Placeholders to expand before linting a file (migfile.h), or NULL. */
	const struct mig_vars	*vars;
};

/* Start an empty run. */
void	miglint_init(struct miglint *);
/* Free what the run holds. */
void	miglint_done(struct miglint *);

/* Is name one of the rules above? */
bool	miglint_rule_known(const char *name, size_t len);

/*
 * Lint text (len bytes; path names it in findings; a down file when path ends
 * in ".down.sql"), adding findings to l. Returns 0, or -1 with err (MC_E_INPUT)
 * when the text cannot be split into statements (unterminated quote, ...).
 */
int	miglint_text(struct miglint *, const char *path, const char *text,
	    size_t len, struct mc_err *);

/* Lint one file. -1 with err (MC_E_INPUT) when it cannot be read or split. */
int	miglint_file(struct miglint *, const char *path, struct mc_err *);

/*
 * Lint every *.sql file of dir in name order (so version order, each down
 * before its up), after reading dir/.mcpdb-lint if present. -1 with err on
 * the first file that cannot be read or split, or a bad .mcpdb-lint line.
 */
int	miglint_dir(struct miglint *, const char *dir, struct mc_err *);

/* "path:line: rule: what; instead: safer". Caller frees. */
char	*miglint_format(const struct miglint_finding *);

#endif
