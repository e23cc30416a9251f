/*
 * miglint.c - `migrate lint`: statements that lock or rewrite live tables.
 *
 * A file is normalised and split into statements by migfile.c (so the
 * boundaries are exactly those the runner sends), then lexed into tokens
 * here; comments, strings and dollar-quoted bodies are single tokens the
 * rules never look into. Each statement is matched against a few shapes
 * (CREATE TABLE / CREATE INDEX / ALTER TABLE actions / DROP) by keyword.
 */
#include "config.h"

#include "miglint.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "migfile.h"
#include "sqltok.h"
#include "xmem.h"

#define MIGLINT_MAX_FILE	(64 * 1024 * 1024)	/* refuse bigger files */
#define MIGLINT_IGNORE		"mcpdb:lint-ignore"
#define MIGLINT_DIRFILE		".mcpdb-lint"

static const char *const miglint_rules[] = {
	"volatile-default", "index-not-concurrent", "alter-type", "set-not-null",
	"foreign-key-not-valid", "check-not-valid", "drop-if-exists", NULL,
};

/* Functions whose value differs per row: a default calling one rewrites. */
static const char *const miglint_volatile[] = {
	"random", "random_normal", "clock_timestamp", "timeofday",
	"gen_random_uuid", "uuid_generate_v1", "uuid_generate_v1mc",
	"uuid_generate_v4", "nextval", "txid_current", NULL,
};

/* One statement being checked: its tokens without comments. */
struct miglint_stmt {
	struct miglint		*l;
	const char		*path;
	const char		*s;		/* the whole text */
	const struct sqltok *t;
	size_t			 n;
	bool			 down;
	char			**created;	/* tables created in this file */
	size_t			*ncreated;
	char			**ignore;	/* rules ignored for this statement */
	size_t			 nignore;
};

/* ------------------------------------------------------------- helpers */

/* Is token i of st the keyword w? */
static bool
miglint_kw(const struct miglint_stmt *st, size_t i, const char *w)
{
	const struct sqltok	*t;

	if (i >= st->n)
		return (false);
	t = &st->t[i];
	return (t->kind == SQLTOK_WORD && t->len == strlen(w) &&
	    strncasecmp(st->s + t->off, w, t->len) == 0);
}

/* Is token i of st the punctuation character c? */
static bool
miglint_punct(const struct miglint_stmt *st, size_t i, char c)
{
	return (i < st->n && st->t[i].kind == SQLTOK_PUNCT && st->s[st->t[i].off] == c);
}

/* Is token i a name part (word or quoted identifier)? */
static bool
miglint_namepart(const struct miglint_stmt *st, size_t i)
{
	return (i < st->n && (st->t[i].kind == SQLTOK_WORD || st->t[i].kind == SQLTOK_QIDENT));
}

/*
 * The (possibly qualified) name at token *i, unquoted words folded to lower
 * case, parts joined by '.'; *i moves past it. NULL when there is none.
 * Caller frees.
 */
static char *
miglint_name(const struct miglint_stmt *st, size_t *i)
{
	struct sqltok	 t;
	char			*out = NULL, *p;
	size_t			 olen = 0, k;

	while (miglint_namepart(st, *i)) {
		t = st->t[*i];
		if (t.kind == SQLTOK_QIDENT && t.len >= 2) {
			t.off++;
			t.len -= 2;
		}
		out = xrealloc(out, olen + t.len + 2);
		p = out + olen;
		if (olen > 0)
			*p++ = '.';
		for (k = 0; k < t.len; k++)
			p[k] = st->t[*i].kind == SQLTOK_WORD ?
			    (char)tolower((unsigned char)st->s[t.off + k]) : st->s[t.off + k];
		p[t.len] = '\0';
		olen = (size_t)(p - out) + t.len;
		(*i)++;
		if (!miglint_punct(st, *i, '.') || !miglint_namepart(st, *i + 1))
			break;
		(*i)++;
	}
	return (out);
}

/* Do two names denote the same table (an unqualified one matches any schema)? */
static bool
miglint_same(const char *a, const char *b)
{
	const char	*da = strrchr(a, '.'), *db = strrchr(b, '.');

	if (strcmp(a, b) == 0)
		return (true);
	if (da != NULL && db != NULL)
		return (false);
	return (strcmp(da ? da + 1 : a, db ? db + 1 : b) == 0);
}

/* Was table created earlier in this file? */
static bool
miglint_created(const struct miglint_stmt *st, const char *table)
{
	size_t	i;

	for (i = 0; i < *st->ncreated; i++)
		if (miglint_same(st->created[i], table))
			return (true);
	return (false);
}

/* Append s to a list of strings. */
static void
miglint_list_add(char ***v, size_t *n, char *s)
{
	*v = xreallocarray(*v, *n + 1, sizeof(**v));
	(*v)[(*n)++] = s;
}

/* Free a list of strings. */
static void
miglint_list_free(char **v, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

bool
miglint_rule_known(const char *name, size_t len)
{
	size_t	i;

	for (i = 0; miglint_rules[i] != NULL; i++)
		if (strlen(miglint_rules[i]) == len &&
		    strncmp(miglint_rules[i], name, len) == 0)
			return (true);
	return (false);
}

/* Is rule ignored for this statement (or the whole directory)? */
static bool
miglint_ignored(const struct miglint_stmt *st, const char *rule)
{
	size_t	i;

	for (i = 0; i < st->nignore; i++)
		if (strcmp(st->ignore[i], rule) == 0)
			return (true);
	for (i = 0; i < st->l->ndirignore; i++)
		if (strcmp(st->l->dirignore[i], rule) == 0)
			return (true);
	return (false);
}

/* Record a finding at token i (unless ignored). what and instead are formats. */
static void
miglint_add(const struct miglint_stmt *st, size_t i, const char *rule,
    char *what, const char *instead)
{
	struct miglint		*l = st->l;
	struct miglint_finding	*f;

	if (strcmp(rule, "lint-ignore") != 0 && miglint_ignored(st, rule)) {
		l->nignored++;
		free(what);
		return;
	}
	l->v = xreallocarray(l->v, l->n + 1, sizeof(*l->v));
	f = &l->v[l->n++];
	f->path = xstrdup(st->path);
	f->line = st->t[i < st->n ? i : st->n - 1].line;
	f->rule = rule;
	f->what = what;
	f->instead = xstrdup(instead);
}

/*
 * Read the ignore comment t (if it is one) into st's ignores; a malformed
 * one becomes a lint-ignore finding at its line.
 */
static void
miglint_read_ignore(struct miglint_stmt *st, const struct sqltok *t)
{
	const char		*p = st->s + t->off + 2, *end = st->s + t->off + t->len;
	const char		*r, *q;
	size_t			 len = strlen(MIGLINT_IGNORE);
	struct sqltok	 one = *t;
	struct miglint_stmt	 where = *st;

	if (t->len < 2 || st->s[t->off] != '-')
		return;
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	if ((size_t)(end - p) < len || strncmp(p, MIGLINT_IGNORE, len) != 0)
		return;
	p += len;
	if (p < end && *p != ' ' && *p != '\t')
		return;	/* some other directive */
	where.t = &one;
	where.n = 1;
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	for (r = p; r < end && *r != ' ' && *r != '\t'; r++)
		;
	q = r;
	while (q < end && (*q == ' ' || *q == '\t'))
		q++;
	if (r == p || q == end) {
		miglint_add(&where, 0, "lint-ignore", xstrdup("an ignore comment "
		    "without a rule and a reason"), "-- " MIGLINT_IGNORE
		    " RULE[,RULE] REASON");
		return;
	}
	while (p < r) {
		const char	*c = memchr(p, ',', (size_t)(r - p));

		if (c == NULL)
			c = r;
		if (!miglint_rule_known(p, (size_t)(c - p))) {
			miglint_add(&where, 0, "lint-ignore", xasprintf("unknown rule "
			    "\"%.*s\" in an ignore comment", (int)(c - p), p),
			    "one of volatile-default, index-not-concurrent, "
			    "alter-type, set-not-null, foreign-key-not-valid, "
			    "check-not-valid, drop-if-exists");
		} else
			miglint_list_add(&st->ignore, &st->nignore,
			    xstrndup(p, (size_t)(c - p)));
		p = c + 1;
	}
}

/* ---------------------------------------------------------------- rules */

/* Does [a, b) hold the keywords NOT VALID in a row? */
static bool
miglint_not_valid(const struct miglint_stmt *st, size_t a, size_t b)
{
	for (; a + 1 < b; a++)
		if (miglint_kw(st, a, "NOT") && miglint_kw(st, a + 1, "VALID"))
			return (true);
	return (false);
}

/* The first token of [a, b) that is keyword w, or b. */
static size_t
miglint_find(const struct miglint_stmt *st, size_t a, size_t b, const char *w)
{
	for (; a < b; a++)
		if (miglint_kw(st, a, w))
			return (a);
	return (b);
}

/* The volatile function called at token m ("name("), or NULL. */
static const char *
miglint_volatile_at(const struct miglint_stmt *st, size_t m)
{
	size_t	v;

	if (!miglint_punct(st, m + 1, '('))
		return (NULL);
	for (v = 0; miglint_volatile[v] != NULL; v++)
		if (miglint_kw(st, m, miglint_volatile[v]))
			return (miglint_volatile[v]);
	return (NULL);
}

/* ADD COLUMN: volatile defaults, serial, identity, stored generated. */
static void
miglint_add_column(struct miglint_stmt *st, const char *table, size_t i, size_t b)
{
	char		*col, *why = NULL;
	const char	*fn;
	size_t		 k, m;

	col = miglint_name(st, &i);
	if (col == NULL || miglint_created(st, table)) {
		free(col);
		return;
	}
	if (miglint_kw(st, i, "serial") || miglint_kw(st, i, "bigserial") ||
	    miglint_kw(st, i, "smallserial") || miglint_kw(st, i, "serial4") ||
	    miglint_kw(st, i, "serial8") || miglint_kw(st, i, "serial2"))
		why = xstrdup("a serial type (its default is nextval())");
	for (k = i; why == NULL && k < b; k++) {
		if (miglint_kw(st, k, "GENERATED")) {
			if (miglint_find(st, k, b, "STORED") < b)
				why = xstrdup("a stored generated column");
			else if (miglint_find(st, k, b, "IDENTITY") < b)
				why = xstrdup("an identity column");
			continue;
		}
		if (!miglint_kw(st, k, "DEFAULT"))
			continue;
		for (m = k + 1; why == NULL && m < b; m++)
			if ((fn = miglint_volatile_at(st, m)) != NULL)
				why = xasprintf("the volatile default %s()", fn);
	}
	if (why != NULL)
		miglint_add(st, i, "volatile-default", xasprintf("ADD COLUMN %s to "
		    "existing table %s with %s rewrites every row under an ACCESS "
		    "EXCLUSIVE lock", col, table, why),
		    "add the column without a default (or with a constant one), "
		    "SET DEFAULT for new rows, then backfill in batches");
	free(why);
	free(col);
}

/*
 * ADD CONSTRAINT: FOREIGN KEY / CHECK without NOT VALID; a CHECK (col IS NOT
 * NULL) NOT VALID is remembered for set-not-null.
 */
static void
miglint_add_constraint(struct miglint_stmt *st, const char *table, size_t a,
    size_t i, size_t b)
{
	char	*con = NULL, *col;
	size_t	 k, m;
	bool	 nv = miglint_not_valid(st, i, b);

	if (miglint_kw(st, i, "CONSTRAINT")) {
		i++;
		con = miglint_name(st, &i);
	}
	if (miglint_kw(st, i, "FOREIGN")) {
		if (!nv && !miglint_created(st, table))
			miglint_add(st, a, "foreign-key-not-valid", xasprintf("ADD "
			    "FOREIGN KEY on existing table %s checks every row while "
			    "holding a SHARE ROW EXCLUSIVE lock on it and the "
			    "referenced table", table), "ADD CONSTRAINT ... FOREIGN "
			    "KEY ... NOT VALID, then VALIDATE CONSTRAINT in a later "
			    "migration");
	} else if (miglint_kw(st, i, "CHECK")) {
		if (!nv && !miglint_created(st, table))
			miglint_add(st, a, "check-not-valid", xasprintf("ADD CHECK on "
			    "existing table %s scans every row under an ACCESS "
			    "EXCLUSIVE lock", table), "ADD CONSTRAINT ... CHECK (...) "
			    "NOT VALID, then VALIDATE CONSTRAINT in a later migration");
		/* CHECK ( col IS NOT NULL ) NOT VALID */
		k = i + 2;
		if (nv && con != NULL && miglint_punct(st, i + 1, '(') &&
		    (col = miglint_name(st, &k)) != NULL) {
			m = k;
			if (miglint_kw(st, m, "IS") && miglint_kw(st, m + 1, "NOT") &&
			    miglint_kw(st, m + 2, "NULL") &&
			    miglint_punct(st, m + 3, ')') && !st->down)
				miglint_list_add(&st->l->pending, &st->l->npending,
				    xasprintf("%s\n%s\n%s", table, col, con));
			free(col);
		}
	} else if ((miglint_kw(st, i, "PRIMARY") || miglint_kw(st, i, "UNIQUE") ||
	    miglint_kw(st, i, "EXCLUDE")) && !miglint_kw(st,
	    miglint_find(st, i, b, "USING") + 1, "INDEX") &&
	    !miglint_created(st, table))
		miglint_add(st, a, "index-not-concurrent", xasprintf("ADD %s on "
		    "existing table %s builds its index under an ACCESS EXCLUSIVE "
		    "lock", miglint_kw(st, i, "PRIMARY") ? "PRIMARY KEY" :
		    miglint_kw(st, i, "UNIQUE") ? "UNIQUE" : "EXCLUDE", table),
		    "CREATE UNIQUE INDEX CONCURRENTLY in a -- mcpdb:no-transaction "
		    "file, then ADD CONSTRAINT ... USING INDEX");
	free(con);
}

/* VALIDATE CONSTRAINT con: a pending NOT NULL check becomes valid. */
static void
miglint_validate(struct miglint_stmt *st, const char *table, size_t i)
{
	struct miglint	*l = st->l;
	char		*con = miglint_name(st, &i), *p, *q;
	size_t		 k;

	if (con == NULL || st->down) {
		free(con);
		return;
	}
	for (k = 0; k < l->npending; k++) {
		p = strchr(l->pending[k], '\n');
		q = strchr(p + 1, '\n');
		*p = '\0';
		if (miglint_same(l->pending[k], table) && strcmp(q + 1, con) == 0) {
			*q = '\0';
			*p = '\n';
			miglint_list_add(&l->valid, &l->nvalid, xstrdup(l->pending[k]));
			*q = '\n';
		} else
			*p = '\n';
	}
	free(con);
}

/* Is there a validated CHECK (col IS NOT NULL) on table? */
static bool
miglint_has_valid(const struct miglint *l, const char *table, const char *col)
{
	char	*p;
	size_t	 k;
	bool	 yes;

	for (k = 0; k < l->nvalid; k++) {
		p = strchr(l->valid[k], '\n');
		*p = '\0';
		yes = miglint_same(l->valid[k], table) && strcmp(p + 1, col) == 0;
		*p = '\n';
		if (yes)
			return (true);
	}
	return (false);
}

/* ALTER [COLUMN] col TYPE / SET NOT NULL. */
static void
miglint_alter_column(struct miglint_stmt *st, const char *table, size_t a, size_t i)
{
	char	*col;

	if (miglint_kw(st, i, "COLUMN"))
		i++;
	if ((col = miglint_name(st, &i)) == NULL)
		return;
	if (miglint_created(st, table)) {
		free(col);
		return;
	}
	if (miglint_kw(st, i, "TYPE") || (miglint_kw(st, i, "SET") &&
	    miglint_kw(st, i + 1, "DATA") && miglint_kw(st, i + 2, "TYPE")))
		miglint_add(st, a, "alter-type", xasprintf("ALTER COLUMN %s TYPE on "
		    "existing table %s rewrites the table and its indexes under an "
		    "ACCESS EXCLUSIVE lock (except a few binary-compatible changes "
		    "such as widening a varchar)", col, table), "add a new column, "
		    "backfill it in batches, switch readers and writers, then drop "
		    "the old one");
	else if (miglint_kw(st, i, "SET") && miglint_kw(st, i + 1, "NOT") &&
	    miglint_kw(st, i + 2, "NULL") && !miglint_has_valid(st->l, table, col))
		miglint_add(st, a, "set-not-null", xasprintf("SET NOT NULL on %s of "
		    "existing table %s scans every row under an ACCESS EXCLUSIVE "
		    "lock", col, table), "first ADD CONSTRAINT c CHECK (col IS NOT "
		    "NULL) NOT VALID, then VALIDATE CONSTRAINT c (later migration); "
		    "SET NOT NULL then skips the scan");
	free(col);
}

/* ALTER TABLE [IF EXISTS] [ONLY] name [*] action [, action ...] */
static void
miglint_alter_table(struct miglint_stmt *st)
{
	size_t	 i = 2, a, b;
	int	 depth;
	char	*table;

	if (miglint_kw(st, i, "IF") && miglint_kw(st, i + 1, "EXISTS"))
		i += 2;
	if (miglint_kw(st, i, "ONLY"))
		i++;
	if ((table = miglint_name(st, &i)) == NULL)
		return;
	if (miglint_punct(st, i, '*'))
		i++;
	for (a = i; a < st->n; a = b + 1) {
		for (b = a, depth = 0; b < st->n; b++) {
			if (miglint_punct(st, b, '('))
				depth++;
			else if (miglint_punct(st, b, ')'))
				depth--;
			else if (depth == 0 && (miglint_punct(st, b, ',') ||
			    miglint_punct(st, b, ';')))
				break;
		}
		i = a + 1;
		if (miglint_kw(st, a, "ADD")) {
			bool	col = miglint_kw(st, i, "COLUMN");

			if (col)
				i++;
			if (miglint_kw(st, i, "IF") && miglint_kw(st, i + 1, "NOT") &&
			    miglint_kw(st, i + 2, "EXISTS"))
				i += 3;
			if (!col && (miglint_kw(st, i, "CONSTRAINT") ||
			    miglint_kw(st, i, "CHECK") || miglint_kw(st, i, "FOREIGN") ||
			    miglint_kw(st, i, "PRIMARY") || miglint_kw(st, i, "UNIQUE") ||
			    miglint_kw(st, i, "EXCLUDE")))
				miglint_add_constraint(st, table, a, i, b);
			else
				miglint_add_column(st, table, i, b);
		} else if (miglint_kw(st, a, "VALIDATE") &&
		    miglint_kw(st, i, "CONSTRAINT"))
			miglint_validate(st, table, i + 1);
		else if (miglint_kw(st, a, "ALTER"))
			miglint_alter_column(st, table, a, i);
		else if (miglint_kw(st, a, "DROP") && st->down) {
			if (miglint_kw(st, i, "COLUMN") || miglint_kw(st, i, "CONSTRAINT"))
				i++;
			if (!(miglint_kw(st, i, "IF") && miglint_kw(st, i + 1, "EXISTS")))
				miglint_add(st, a, "drop-if-exists", xasprintf("ALTER "
				    "TABLE %s DROP without IF EXISTS in a down file "
				    "fails when the up only partly ran", table),
				    "DROP ... IF EXISTS");
		}
	}
	free(table);
}

/* CREATE [UNIQUE] INDEX [CONCURRENTLY] [[IF NOT EXISTS] name] ON [ONLY] t */
static void
miglint_create_index(struct miglint_stmt *st, size_t i)
{
	bool	 conc = miglint_kw(st, i, "CONCURRENTLY");
	size_t	 k = i;
	char	*table;

	while (k < st->n && !miglint_kw(st, k, "ON") && !miglint_punct(st, k, '('))
		k++;
	if (!miglint_kw(st, k, "ON"))
		return;
	k++;
	if (miglint_kw(st, k, "ONLY"))
		k++;
	if ((table = miglint_name(st, &k)) == NULL)
		return;
	if (!conc && !miglint_created(st, table))
		miglint_add(st, 0, "index-not-concurrent", xasprintf("CREATE INDEX "
		    "on existing table %s blocks every write to it until the index "
		    "is built", table), "CREATE INDEX CONCURRENTLY in a "
		    "-- mcpdb:no-transaction file (drop an INVALID leftover before "
		    "a retry)");
	free(table);
}

/* CREATE ...: TABLE (remembered) and INDEX. */
static void
miglint_create(struct miglint_stmt *st)
{
	size_t	 i = 1;
	char	*name;

	if (miglint_kw(st, i, "OR") && miglint_kw(st, i + 1, "REPLACE"))
		i += 2;
	while (miglint_kw(st, i, "GLOBAL") || miglint_kw(st, i, "LOCAL") ||
	    miglint_kw(st, i, "TEMP") || miglint_kw(st, i, "TEMPORARY") ||
	    miglint_kw(st, i, "UNLOGGED"))
		i++;
	if (miglint_kw(st, i, "TABLE")) {
		i++;
		if (miglint_kw(st, i, "IF") && miglint_kw(st, i + 1, "NOT") &&
		    miglint_kw(st, i + 2, "EXISTS"))
			i += 3;
		if ((name = miglint_name(st, &i)) != NULL)
			miglint_list_add(&st->created, st->ncreated, name);
		return;
	}
	if (miglint_kw(st, i, "UNIQUE"))
		i++;
	if (miglint_kw(st, i, "INDEX"))
		miglint_create_index(st, i + 1);
}

/* DROP ... without IF EXISTS, in a down file. */
static void
miglint_drop(struct miglint_stmt *st)
{
	size_t	i;

	if (!st->down || miglint_kw(st, 1, "OWNED"))
		return;
	/* DROP [MATERIALIZED|FOREIGN|TEXT SEARCH ...] KIND [CONCURRENTLY] IF EXISTS */
	for (i = 1; i + 1 < st->n && i < 7; i++)
		if (miglint_kw(st, i, "IF") && miglint_kw(st, i + 1, "EXISTS"))
			return;
	miglint_add(st, 0, "drop-if-exists", xasprintf("DROP %.*s without IF EXISTS "
	    "in a down file fails when the up only partly ran (or the object was "
	    "removed by hand)", st->n > 1 ? (int)st->t[1].len : 0,
	    st->n > 1 ? st->s + st->t[1].off : ""), "DROP ... IF EXISTS");
}

/* Check one statement. */
static void
miglint_stmt(struct miglint_stmt *st)
{
	if (st->n == 0)
		return;
	if (miglint_kw(st, 0, "CREATE"))
		miglint_create(st);
	else if (miglint_kw(st, 0, "ALTER") && miglint_kw(st, 1, "TABLE"))
		miglint_alter_table(st);
	else if (miglint_kw(st, 0, "DROP"))
		miglint_drop(st);
}

/* ----------------------------------------------------------------- runs */

void
miglint_init(struct miglint *l)
{
	memset(l, 0, sizeof(*l));
}

void
miglint_done(struct miglint *l)
{
	size_t	i;

	for (i = 0; i < l->n; i++) {
		free(l->v[i].path);
		free(l->v[i].what);
		free(l->v[i].instead);
	}
	free(l->v);
	miglint_list_free(l->valid, l->nvalid);
	miglint_list_free(l->pending, l->npending);
	miglint_list_free(l->dirignore, l->ndirignore);
	memset(l, 0, sizeof(*l));
}

/* Does path name a down file? */
static bool
miglint_is_down(const char *path)
{
	size_t	n = strlen(path);

	return (n >= 9 && strcmp(path + n - 9, ".down.sql") == 0);
}

int
miglint_text(struct miglint *l, const char *path, const char *text, size_t len,
    struct mc_err *err)
{
	struct sqltok	*tok, *keep;
	struct mig_stmt		*stmts;
	struct miglint_stmt	 st;
	char			*sql, **created = NULL;
	size_t			 slen, ntok, nst, ncreated = 0, i, k, nk;

	sql = mig_normalise(text, len, &slen);
	if (mig_split(path, sql, slen, &stmts, &nst, err) == -1) {
		free(sql);
		return (-1);
	}
	sqltok_lex(sql, slen, &tok, &ntok);
	keep = xcalloc(ntok + 1, sizeof(*keep));
	for (i = 0, k = 0; i < nst; i++) {
		size_t	end = stmts[i].off + stmts[i].len;

		memset(&st, 0, sizeof(st));
		st.l = l;
		st.path = path;
		st.s = sql;
		st.down = miglint_is_down(path);
		st.created = created;
		st.ncreated = &ncreated;
		/* Comments before the statement and in it carry its ignores. */
		for (nk = 0; k < ntok && tok[k].off < end; k++) {
			if (tok[k].kind == SQLTOK_COMMENT)
				miglint_read_ignore(&st, &tok[k]);
			else if (tok[k].off >= stmts[i].off)
				keep[nk++] = tok[k];
		}
		st.t = keep;
		st.n = nk;
		miglint_stmt(&st);
		created = st.created;
		miglint_list_free(st.ignore, st.nignore);
		l->nstmts++;
	}
	/* Ignore comments after the last statement silence nothing. */
	l->nfiles++;
	miglint_list_free(created, ncreated);
	free(keep);
	free(tok);
	free(stmts);
	free(sql);
	return (0);
}

/* Read a whole file into *out (caller frees). -1 with err. */
static int
miglint_read(const char *path, char **out, size_t *len, struct mc_err *err)
{
	FILE	*fp;
	char	*buf = NULL;
	size_t	 n = 0, cap = 0, r;

	if ((fp = fopen(path, "rb")) == NULL)
		return (mc_err_set(err, MC_E_INPUT, "%s: cannot read: %s", path,
		    strerror(errno)));
	for (;;) {
		if (cap - n < 65536)
			buf = xrealloc(buf, cap = cap ? cap * 2 : 65536);
		r = fread(buf + n, 1, cap - n, fp);
		n += r;
		if (r == 0 || n > MIGLINT_MAX_FILE)
			break;
	}
	if (ferror(fp) || n > MIGLINT_MAX_FILE) {
		mc_err_set(err, MC_E_INPUT, "%s: cannot read: %s", path, ferror(fp) ?
		    strerror(errno) : "larger than 64 MiB");
		fclose(fp);
		free(buf);
		return (-1);
	}
	fclose(fp);
	*out = buf;
	*len = n;
	return (0);
}

int
miglint_file(struct miglint *l, const char *path, struct mc_err *err)
{
	char	*buf;
	size_t	 len;
	int	 rc;

	if (miglint_read(path, &buf, &len, err) == -1)
		return (-1);
	if (l->vars != NULL) {
		/* lint what would run: the text with ${NAME} expanded */
		char	*x;
		size_t	 xlen, nused;

		x = mig_expand(path, buf, len, l->vars, &xlen, &nused, err);
		free(buf);
		if ((buf = x) == NULL)
			return (-1);
		len = xlen;
	}
	rc = miglint_text(l, path, buf, len, err);
	free(buf);
	return (rc);
}

/* Read dir/.mcpdb-lint ("RULE REASON" lines) into l, if it exists. */
static int
miglint_dirfile(struct miglint *l, const char *dir, struct mc_err *err)
{
	char	*path = xasprintf("%s/%s", dir, MIGLINT_DIRFILE), *buf, *line, *next;
	char	*p, *r;
	size_t	 len;
	int	 n = 0, rc = 0;
	FILE	*fp;

	if ((fp = fopen(path, "rb")) == NULL) {
		free(path);
		return (0);
	}
	fclose(fp);
	if (miglint_read(path, &buf, &len, err) == -1) {
		free(path);
		return (-1);
	}
	buf = xrealloc(buf, len + 1);
	buf[len] = '\0';
	for (line = buf; line != NULL && rc == 0; line = next) {
		n++;
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		for (p = line; *p == ' ' || *p == '\t'; p++)
			;
		if (*p == '\0' || *p == '#')
			continue;
		for (r = p; *r != '\0' && !isspace((unsigned char)*r); r++)
			;
		if (!miglint_rule_known(p, (size_t)(r - p)))
			rc = mc_err_set(err, MC_E_INPUT, "%s:%d: unknown rule \"%.*s\"",
			    path, n, (int)(r - p), p);
		else if (*(r + strspn(r, " \t\r")) == '\0')
			rc = mc_err_set(err, MC_E_INPUT, "%s:%d: say why the rule is "
			    "ignored: RULE REASON", path, n);
		else
			miglint_list_add(&l->dirignore, &l->ndirignore,
			    xstrndup(p, (size_t)(r - p)));
	}
	free(buf);
	free(path);
	return (rc);
}

/* qsort: names in byte order. */
static int
miglint_cmp(const void *a, const void *b)
{
	return (strcmp(*(char *const *)a, *(char *const *)b));
}

int
miglint_dir(struct miglint *l, const char *dir, struct mc_err *err)
{
	DIR		*d;
	struct dirent	*e;
	char		**names = NULL, *p;
	size_t		 n = 0, i, len;
	int		 rc = 0;

	if ((d = opendir(dir)) == NULL)
		return (mc_err_set(err, MC_E_INPUT, "%s: cannot read the directory: %s",
		    dir, strerror(errno)));
	while ((e = readdir(d)) != NULL) {
		len = strlen(e->d_name);
		if (e->d_name[0] == '.' || len < 5 ||
		    strcmp(e->d_name + len - 4, ".sql") != 0)
			continue;
		miglint_list_add(&names, &n, xstrdup(e->d_name));
	}
	closedir(d);
	if (n > 0)
		qsort(names, n, sizeof(*names), miglint_cmp);
	if (miglint_dirfile(l, dir, err) == -1)
		rc = -1;
	for (i = 0; i < n && rc == 0; i++) {
		p = xasprintf("%s/%s", dir, names[i]);
		rc = miglint_file(l, p, err);
		free(p);
	}
	miglint_list_free(names, n);
	return (rc);
}

char *
miglint_format(const struct miglint_finding *f)
{
	return (xasprintf("%s:%d: %s: %s; instead: %s", f->path, f->line, f->rule,
	    f->what, f->instead));
}
