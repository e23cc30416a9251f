/*
 * migfile.c - migration files: scanning a directory, parsing names and
 * directives, normalising and hashing, splitting statements, mapping error
 * positions and diffing applied SQL against the file. No server involved.
 */
#include "config.h"

#include "migfile.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include <openssl/evp.h>

#include "buf.h"
#include "xmem.h"

#define MIG_MAX_FILE	(64L * 1024 * 1024)	/* refuse bigger files */
#define MIG_MAX_WORDS	16			/* keywords kept per statement */

/* ------------------------------------------------------------------ names */

int
mig_parse_name(const char *fname, long long *version, char **desc,
    bool *is_up, struct mc_err *err)
{
	const char	*p = fname, *d, *suffix;
	size_t		 ndig = 0, dlen;
	long long	 v = 0;

	while (isdigit((unsigned char)*p)) {
		if (++ndig > 18)
			return (mc_err_set(err, MC_E_INPUT,
			    "%s: version has more than 18 digits", fname));
		v = v * 10 + (*p - '0');
		p++;
	}
	if (ndig == 0 || *p != '_')
		goto bad;
	d = ++p;
	if ((suffix = strstr(d, ".up.sql")) != NULL && suffix[7] == '\0')
		*is_up = true;
	else if ((suffix = strstr(d, ".down.sql")) != NULL && suffix[9] == '\0')
		*is_up = false;
	else
		goto bad;
	dlen = (size_t)(suffix - d);
	if (dlen == 0 || !isalnum((unsigned char)d[0]))
		goto bad;
	for (p = d; p < suffix; p++)
		if (!isalnum((unsigned char)*p) && *p != '_' && *p != '-')
			goto bad;
	if (v == 0)
		return (mc_err_set(err, MC_E_INPUT,
		    "%s: version 0 is reserved (\"down --to 0\" means all); start at 1",
		    fname));
	*version = v;
	*desc = xstrndup(d, dlen);
	return (0);
bad:
	return (mc_err_set(err, MC_E_INPUT,
	    "%s: bad migration file name (expected NNNN_description.up.sql or "
	    "NNNN_description.down.sql; description of letters, digits, _ and -)",
	    fname));
}

int
mig_parse_rep_name(const char *fname, char **desc, struct mc_err *err)
{
	const char	*d, *p;
	size_t		 dlen;

	if (fname[0] != 'R' || fname[1] != '_')
		return (0);
	d = fname + (fname[2] == '_' ? 3 : 2);	/* R__ as Flyway spells it */
	dlen = strlen(d);
	if (dlen < 5 || strcmp(d + dlen - 4, ".sql") != 0)
		goto bad;
	dlen -= 4;
	if ((dlen > 3 && strncmp(d + dlen - 3, ".up", 3) == 0) ||
	    (dlen > 5 && strncmp(d + dlen - 5, ".down", 5) == 0))
		return (mc_err_set(err, MC_E_INPUT, "%s: a repeatable migration is "
		    "one file R_description.sql, with no .up/.down (it has no "
		    "rollback)", fname));
	if (!isalnum((unsigned char)d[0]))
		goto bad;
	for (p = d; p < d + dlen; p++)
		if (!isalnum((unsigned char)*p) && *p != '_' && *p != '-')
			goto bad;
	*desc = xstrndup(d, dlen);
	return (1);
bad:
	return (mc_err_set(err, MC_E_INPUT,
	    "%s: bad repeatable migration name (expected R_description.sql; "
	    "description of letters, digits, _ and -)", fname));
}

int
mig_parse_version(const char *s, long long *v, struct mc_err *err)
{
	const char	*p;
	long long	 n = 0;

	if (s == NULL || *s == '\0')
		return (mc_err_set(err, MC_E_USAGE, "missing migration version"));
	for (p = s; *p != '\0' && *p != '_'; p++) {
		if (!isdigit((unsigned char)*p) || p - s >= 18)
			return (mc_err_set(err, MC_E_USAGE,
			    "\"%s\" is not a migration version (expected digits, e.g. 0003)",
			    s));
		n = n * 10 + (*p - '0');
	}
	if (p == s)
		return (mc_err_set(err, MC_E_USAGE,
		    "\"%s\" is not a migration version (expected digits, e.g. 0003)", s));
	*v = n;
	return (0);
}

int
mig_parse_duration(const char *s, int *ms, struct mc_err *err)
{
	const char	*p = s;
	long long	 n = 0, mult;

	if (!isdigit((unsigned char)*p))
		goto bad;
	while (isdigit((unsigned char)*p)) {
		n = n * 10 + (*p++ - '0');
		if (n > INT_MAX)
			goto bad;
	}
	if (*p == '\0' || strcmp(p, "ms") == 0)
		mult = 1;
	else if (strcmp(p, "s") == 0)
		mult = 1000;
	else if (strcmp(p, "min") == 0)
		mult = 60000;
	else if (strcmp(p, "h") == 0)
		mult = 3600000;
	else
		goto bad;
	if (n * mult > INT_MAX)
		goto bad;
	*ms = (int)(n * mult);
	return (0);
bad:
	return (mc_err_set(err, MC_E_INPUT,
	    "bad duration \"%s\" (expected a number with ms, s, min or h)", s));
}

/* -------------------------------------------------------- normal form, hash */

/*
 * Normalise buf[0..len) in place (buf holds len + 2 bytes: the normal form
 * never grows but for the final newline and NUL); *outlen gets its length.
 */
static void
mig_normalise_inplace(char *buf, size_t len, size_t *outlen)
{
	size_t	i = 0, o = 0;

	if (len >= 3 && memcmp(buf, "\xef\xbb\xbf", 3) == 0)
		i = 3;
	for (; i < len; i++) {	/* o <= i throughout */
		if (buf[i] == '\r') {
			buf[o++] = '\n';
			if (i + 1 < len && buf[i + 1] == '\n')
				i++;
		} else
			buf[o++] = buf[i];
	}
	/* Trailing whitespace at the end of the file becomes one newline. */
	while (o > 0 && isspace((unsigned char)buf[o - 1]))
		o--;
	if (o > 0)
		buf[o++] = '\n';
	buf[o] = '\0';
	*outlen = o;
}

char *
mig_normalise(const char *raw, size_t len, size_t *outlen)
{
	char	*out = xmalloc(len + 2);

	memcpy(out, raw, len);
	mig_normalise_inplace(out, len, outlen);
	return (out);
}

void
mig_sha256_hex(const void *data, size_t len, char *out)
{
	static const char	 hex[] = "0123456789abcdef";
	unsigned char		 md[EVP_MAX_MD_SIZE];
	unsigned int		 mdlen = 0, i;

	if (EVP_Digest(data, len, md, &mdlen, EVP_sha256(), NULL) != 1)
		mdlen = 0;	/* cannot happen with the default provider */
	for (i = 0; i < mdlen && i < MIG_SUM_LEN / 2; i++) {
		out[2 * i] = hex[md[i] >> 4];
		out[2 * i + 1] = hex[md[i] & 15];
	}
	out[2 * i] = '\0';
}

/* ----------------------------------------------------------------- lexing */

/* True for bytes that may start an unquoted identifier (non-ASCII included). */
static int
mig_ident_start(int c)
{
	return (isalpha(c) || c == '_' || c >= 0x80);
}

/* True for bytes that may continue an unquoted identifier. */
static int
mig_ident_char(int c)
{
	return (isalnum(c) || c == '_' || c == '$' || c >= 0x80);
}

/* Line and column (characters) of byte offset off in s. */
static void
mig_linecol(const char *s, size_t off, int *line, int *col)
{
	size_t	i;
	int	l = 1, c = 1;

	for (i = 0; i < off; i++) {
		if (s[i] == '\n') {
			l++;
			c = 1;
		} else if (((unsigned char)s[i] & 0xc0) != 0x80)
			c++;
	}
	*line = l;
	*col = c;
}

/* A position in a text that only moves forward (for linear line counting). */
struct mig_cursor {
	size_t	off;
	int	line;
	int	col;
};

/* Move c forward to byte offset off of s and return its line and column. */
static void
mig_cursor_to(struct mig_cursor *c, const char *s, size_t off, int *line, int *col)
{
	for (; c->off < off; c->off++) {
		if (s[c->off] == '\n') {
			c->line++;
			c->col = 1;
		} else if (((unsigned char)s[c->off] & 0xc0) != 0x80)
			c->col++;
	}
	*line = c->line;
	*col = c->col;
}

/* Set err to "path:line:col: what" for byte offset off. Returns -1. */
static int
mig_err_at(struct mc_err *err, const char *path, const char *s, size_t off,
    const char *what)
{
	int	line, col;

	mig_linecol(s, off, &line, &col);
	return (mc_err_set(err, MC_E_INPUT, "%s:%d:%d: %s",
	    path ? path : "(sql)", line, col, what));
}

/*
 * Length of a dollar-quote tag starting at s[i] == '$' ("$$" or "$tag$"),
 * or 0 when s[i] does not start one.
 */
static size_t
mig_dollar_tag(const char *s, size_t len, size_t i)
{
	size_t	j = i + 1;

	if (j < len && s[j] == '$')
		return (2);
	if (j >= len || !mig_ident_start((unsigned char)s[j]))
		return (0);
	while (j < len && (isalnum((unsigned char)s[j]) || s[j] == '_' ||
	    (unsigned char)s[j] >= 0x80))
		j++;
	if (j < len && s[j] == '$')
		return (j - i + 1);
	return (0);
}

/*
 * Skip a quoted token or comment starting at s[i]; returns the offset just
 * after it, i itself when s[i] starts none, or (size_t)-1 when it is not
 * terminated. escape selects E'' backslash escapes for a '\'' quote.
 */
static size_t
mig_skip_quoted(const char *s, size_t len, size_t i, int escape)
{
	size_t	j, tag, depth;

	switch (s[i]) {
	case '-':
		if (i + 1 < len && s[i + 1] == '-') {
			while (i < len && s[i] != '\n')
				i++;
		}
		return (i);
	case '/':
		if (i + 1 >= len || s[i + 1] != '*')
			return (i);
		for (j = i + 2, depth = 1; j < len; j++) {
			if (s[j] == '*' && j + 1 < len && s[j + 1] == '/') {
				j++;
				if (--depth == 0)
					return (j + 1);
			} else if (s[j] == '/' && j + 1 < len && s[j + 1] == '*') {
				j++;
				depth++;
			}
		}
		return ((size_t)-1);
	case '\'':
		for (j = i + 1; j < len; j++) {
			if (escape && s[j] == '\\' && j + 1 < len)
				j++;
			else if (s[j] == '\'') {
				if (j + 1 < len && s[j + 1] == '\'')
					j++;
				else
					return (j + 1);
			}
		}
		return ((size_t)-1);
	case '"':
		for (j = i + 1; j < len; j++) {
			if (s[j] == '"') {
				if (j + 1 < len && s[j + 1] == '"')
					j++;
				else
					return (j + 1);
			}
		}
		return ((size_t)-1);
	case '$':
		if ((tag = mig_dollar_tag(s, len, i)) == 0)
			return (i);
		for (j = i + tag; j + tag <= len; j++)
			if (s[j] == '$' && memcmp(s + j, s + i, tag) == 0)
				return (j + tag);
		return ((size_t)-1);
	}
	return (i);
}

/* Name of what starts at s[i], for "unterminated ..." messages. */
static const char *
mig_quoted_name(const char *s, size_t i)
{
	switch (s[i]) {
	case '/':
		return ("unterminated /* comment");
	case '\'':
		return ("unterminated quoted string");
	case '"':
		return ("unterminated quoted identifier");
	default:
		return ("unterminated dollar-quoted string");
	}
}

/* State of psql's "CREATE [OR REPLACE] FUNCTION ... BEGIN ATOMIC" heuristic. */
struct mig_lexstate {
	int	paren;
	int	begin_depth;
	int	nident;
	char	idents[4];
};

/* Feed one unquoted identifier to the BEGIN ... END tracking (as psql does). */
static void
mig_track_ident(struct mig_lexstate *st, const char *w, size_t n)
{
	static const char *const keep[] = { "create", "function", "procedure",
	    "or", "replace" };
	size_t	k;

	if (st->nident == 0)
		memset(st->idents, 0, sizeof(st->idents));
	for (k = 0; k < sizeof(keep) / sizeof(keep[0]); k++)
		if (strlen(keep[k]) == n && strncasecmp(w, keep[k], n) == 0 &&
		    st->nident < (int)sizeof(st->idents))
			st->idents[st->nident] = keep[k][0];
	st->nident++;
	if (st->idents[0] != 'c' || st->paren != 0)
		return;
	if (!(st->idents[1] == 'f' || st->idents[1] == 'p' ||
	    (st->idents[1] == 'o' && st->idents[2] == 'r' &&
	    (st->idents[3] == 'f' || st->idents[3] == 'p'))))
		return;
	if (n == 5 && strncasecmp(w, "begin", 5) == 0)
		st->begin_depth++;
	else if (n == 4 && strncasecmp(w, "case", 4) == 0) {
		if (st->begin_depth >= 1)
			st->begin_depth++;
	} else if (n == 3 && strncasecmp(w, "end", 3) == 0) {
		if (st->begin_depth > 0)
			st->begin_depth--;
	}
}

/* True when only spaces and tabs precede s[i] on its line. */
static int
mig_line_start(const char *s, size_t i)
{
	while (i > 0 && (s[i - 1] == ' ' || s[i - 1] == '\t'))
		i--;
	return (i == 0 || s[i - 1] == '\n');
}

int
mig_split(const char *path, const char *s, size_t len, struct mig_stmt **out,
    size_t *n, struct mc_err *err)
{
	struct mig_lexstate	 st;
	struct mig_cursor	 cur = { 0, 1, 1 };
	struct mig_stmt		*v = NULL;
	size_t			 nv = 0, cap = 0, i = 0, j, start = 0, last = 0;
	int			 in_stmt = 0, escape;

	memset(&st, 0, sizeof(st));
	while (i < len) {
		unsigned char	c = (unsigned char)s[i];

		if (isspace(c)) {
			i++;
			continue;
		}
		if ((c == '-' && i + 1 < len && s[i + 1] == '-') ||
		    (c == '/' && i + 1 < len && s[i + 1] == '*')) {
			j = mig_skip_quoted(s, len, i, 0);
			if (j == (size_t)-1)
				goto unterminated;
			i = j;
			continue;
		}
		if (!in_stmt) {
			in_stmt = 1;
			start = i;
			memset(&st, 0, sizeof(st));
		}
		if (c == '\\' && mig_line_start(s, i)) {
			free(v);
			return (mig_err_at(err, path, s, i,
			    "psql meta-commands (\\...) are not supported in migrations"));
		}
		if (c == '\'' || c == '"' || c == '$') {
			j = mig_skip_quoted(s, len, i, 0);
			if (j == (size_t)-1)
				goto unterminated;
			if (j == i)
				j = i + 1;	/* a lone '$' (parameter, operator) */
			i = last = j;
			continue;
		}
		if (mig_ident_start(c)) {
			j = i;
			while (j < len && mig_ident_char((unsigned char)s[j]))
				j++;
			escape = (j - i == 1 && (c == 'E' || c == 'e'));
			if (j < len && s[j] == '\'' && (escape || (j - i == 1 &&
			    strchr("bBxXnN", c) != NULL))) {
				size_t	k = mig_skip_quoted(s, len, j, escape);

				if (k == (size_t)-1) {
					i = j;
					goto unterminated;
				}
				i = last = k;
				continue;
			}
			mig_track_ident(&st, s + i, j - i);
			i = last = j;
			continue;
		}
		if (isdigit(c)) {
			while (i < len && (isalnum((unsigned char)s[i]) ||
			    s[i] == '.' || s[i] == '_'))
				i++;
			last = i;
			continue;
		}
		if (c == '(')
			st.paren++;
		else if (c == ')' && st.paren > 0)
			st.paren--;
		i++;
		last = i;
		if (c == ';' && st.paren == 0 && st.begin_depth == 0) {
			if (nv == cap)
				v = xreallocarray(v, cap = cap ? cap * 2 : 16, sizeof(*v));
			v[nv].off = start;
			v[nv].len = i - start;
			mig_cursor_to(&cur, s, start, &v[nv].line, &v[nv].col);
			nv++;
			in_stmt = 0;
		}
	}
	if (in_stmt) {
		if (nv == cap)
			v = xreallocarray(v, cap = cap ? cap * 2 : 16, sizeof(*v));
		v[nv].off = start;
		v[nv].len = last - start;
		mig_cursor_to(&cur, s, start, &v[nv].line, &v[nv].col);
		nv++;
	}
	*out = v;
	*n = nv;
	return (0);
unterminated:
	free(v);
	return (mig_err_at(err, path, s, i, mig_quoted_name(s, i)));
}

/*
 * Collect up to max unquoted words of a statement, upper-cased, skipping
 * strings, quoted identifiers and comments. Returns the number found.
 */
static size_t
mig_words(const char *s, const struct mig_stmt *st, char words[][24], size_t max)
{
	size_t	i = st->off, end = st->off + st->len, j, k, nw = 0;

	while (i < end && nw < max) {
		unsigned char	c = (unsigned char)s[i];

		if (c == '-' || c == '/' || c == '\'' || c == '"' || c == '$') {
			j = mig_skip_quoted(s, end, i, 0);
			if (j == (size_t)-1)
				break;
			i = (j == i) ? i + 1 : j;
			continue;
		}
		if (mig_ident_start(c)) {
			for (j = i, k = 0; j < end && mig_ident_char((unsigned char)s[j]); j++)
				if (k < 23)
					words[nw][k++] = (char)toupper((unsigned char)s[j]);
			words[nw++][k] = '\0';
			i = j;
			continue;
		}
		i++;
	}
	return (nw);
}

/* Is word w among the first n words? */
static int
mig_has_word(char words[][24], size_t n, const char *w)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (strcmp(words[i], w) == 0)
			return (1);
	return (0);
}

/*
 * Check one statement against the file's transaction mode. Returns NULL when
 * fine, else a static description of the problem.
 */
static const char *
mig_stmt_problem(const char *s, const struct mig_stmt *st, bool no_tx)
{
	char	w[MIG_MAX_WORDS][24];
	size_t	n = mig_words(s, st, w, MIG_MAX_WORDS);

	if (n == 0 || no_tx)
		return (NULL);
	if (strcmp(w[0], "BEGIN") == 0 || strcmp(w[0], "START") == 0 ||
	    strcmp(w[0], "COMMIT") == 0 || strcmp(w[0], "END") == 0 ||
	    strcmp(w[0], "ABORT") == 0 ||
	    (strcmp(w[0], "ROLLBACK") == 0 && !(n > 1 && strcmp(w[1], "TO") == 0)) ||
	    (strcmp(w[0], "PREPARE") == 0 && n > 1 && strcmp(w[1], "TRANSACTION") == 0))
		return ("transaction control is not allowed: mcpdb runs each "
		    "migration in its own transaction (or add \"-- mcpdb:no-transaction\" "
		    "as the first line and manage it yourself)");
	if (((strcmp(w[0], "CREATE") == 0 || strcmp(w[0], "DROP") == 0 ||
	    strcmp(w[0], "REINDEX") == 0 || strcmp(w[0], "ALTER") == 0) &&
	    mig_has_word(w, n, "CONCURRENTLY")) ||
	    strcmp(w[0], "VACUUM") == 0 ||
	    (n > 1 && (strcmp(w[0], "CREATE") == 0 || strcmp(w[0], "DROP") == 0) &&
	    (strcmp(w[1], "DATABASE") == 0 || strcmp(w[1], "TABLESPACE") == 0)) ||
	    (n > 1 && strcmp(w[0], "ALTER") == 0 && strcmp(w[1], "SYSTEM") == 0))
		return ("this statement cannot run inside a transaction: put it in "
		    "its own migration whose first line is \"-- mcpdb:no-transaction\"");
	return (NULL);
}

/* ------------------------------------------------------------- directives */

/*
 * Read the directives of the header comment block into s and reject
 * directives anywhere else. Returns 0 or -1 with err.
 */
static int
mig_directives(struct mig_script *sc, struct mc_err *err)
{
	const char	*p = sc->sql, *eol, *q;
	char		 line[256], *val;
	int		 lineno = 0, header = 1;
	size_t		 n;
	struct mc_err	 e2;

	for (; *p != '\0'; p = *eol ? eol + 1 : eol) {
		lineno++;
		if ((eol = strchr(p, '\n')) == NULL)
			eol = p + strlen(p);
		for (q = p; q < eol && (*q == ' ' || *q == '\t'); q++)
			;
		if (q == eol)
			continue;
		if (eol - q < 2 || q[0] != '-' || q[1] != '-') {
			header = 0;
			continue;
		}
		for (q += 2; q < eol && (*q == ' ' || *q == '\t'); q++)
			;
		if ((size_t)(eol - q) < 6 || strncmp(q, "mcpdb:", 6) != 0)
			continue;
		if (!header)
			return (mc_err_set(err, MC_E_INPUT,
			    "%s:%d:1: mcpdb directives belong in the comment block "
			    "at the top of the file, before any SQL", sc->path, lineno));
		n = (size_t)(eol - q);
		if (n >= sizeof(line))
			n = sizeof(line) - 1;
		memcpy(line, q, n);
		line[n] = '\0';
		while (n > 0 && isspace((unsigned char)line[n - 1]))
			line[--n] = '\0';
		val = strchr(line, '=');
		if (val != NULL)
			*val++ = '\0';
		if (strcmp(line, "mcpdb:no-transaction") == 0 && val == NULL)
			sc->no_tx = true;
		else if (strcmp(line, "mcpdb:lock_timeout") == 0 && val != NULL) {
			if (mig_parse_duration(val, &sc->lock_timeout_ms, &e2) == -1)
				return (mc_err_set(err, MC_E_INPUT, "%s:%d:1: lock_timeout: %s",
				    sc->path, lineno, e2.msg));
		} else if (strcmp(line, "mcpdb:statement_timeout") == 0 && val != NULL) {
			if (mig_parse_duration(val, &sc->statement_timeout_ms, &e2) == -1)
				return (mc_err_set(err, MC_E_INPUT,
				    "%s:%d:1: statement_timeout: %s", sc->path, lineno, e2.msg));
		} else
			return (mc_err_set(err, MC_E_INPUT,
			    "%s:%d:1: unknown directive \"%s%s%s\" (known: mcpdb:no-transaction, "
			    "mcpdb:lock_timeout=DURATION, mcpdb:statement_timeout=DURATION)",
			    sc->path, lineno, line, val ? "=" : "", val ? val : ""));
	}
	return (0);
}

/*
 * mig_script_parse on a buffer of len + 2 bytes that sc takes over and
 * normalises in place, so a big file is held once, not twice.
 */
static int
mig_script_parse_owned(struct mig_script *sc, const char *path, char *raw,
    size_t len, struct mc_err *err)
{
	const char	*why;
	size_t		 i;

	memset(sc, 0, sizeof(*sc));
	sc->path = xstrdup(path);
	sc->lock_timeout_ms = -1;
	sc->statement_timeout_ms = -1;
	mig_normalise_inplace(raw, len, &sc->len);
	sc->sql = raw;
	mig_sha256_hex(sc->sql, sc->len, sc->sum);
	if (memchr(sc->sql, '\0', sc->len) != NULL)
		return (mc_err_set(err, MC_E_INPUT,
		    "%s: contains a NUL byte (not a SQL text file?)", path));
	if (mig_directives(sc, err) == -1)
		return (-1);
	if (mig_split(path, sc->sql, sc->len, &sc->stmts, &sc->nstmts, err) == -1)
		return (-1);
	if (sc->nstmts == 0)
		return (mc_err_set(err, MC_E_INPUT,
		    "%s: empty file (no SQL statements)", path));
	for (i = 0; i < sc->nstmts; i++)
		if ((why = mig_stmt_problem(sc->sql, &sc->stmts[i], sc->no_tx)) != NULL)
			return (mc_err_set(err, MC_E_INPUT, "%s:%d:%d: %s", path,
			    sc->stmts[i].line, sc->stmts[i].col, why));
	return (0);
}

int
mig_script_parse(struct mig_script *sc, const char *path, const char *raw,
    size_t len, struct mc_err *err)
{
	char	*copy = xmalloc(len + 2);

	memcpy(copy, raw, len);
	return (mig_script_parse_owned(sc, path, copy, len, err));
}

void
mig_script_done(struct mig_script *sc)
{
	free(sc->path);
	free(sc->sql);
	free(sc->stmts);
	memset(sc, 0, sizeof(*sc));
}

void
mig_position(const char *sql, const struct mig_stmt *st, int pos, int *line,
    int *col)
{
	size_t	i = st->off, end = st->off + st->len;
	int	l = st->line, c = st->col, k;

	for (k = 1; k < pos && i < end; i++) {
		if (((unsigned char)sql[i] & 0xc0) == 0x80)
			continue;
		if (sql[i] == '\n') {
			l++;
			c = 1;
		} else
			c++;
		k++;
	}
	*line = l;
	*col = c;
}

/* -------------------------------------------------------------- directory */

static void	mig_problems_finish(struct buf *, char **, struct mc_err *);

/* A file name seen in the directory, before pairing. */
struct mig_name {
	char		*fname;
	long long	 version;
	char		*desc;
	bool		 is_up;
};

/* qsort order: version, then description, then up before down. */
static int
mig_name_cmp(const void *a, const void *b)
{
	const struct mig_name	*x = a, *y = b;
	int			 c;

	if (x->version != y->version)
		return (x->version < y->version ? -1 : 1);
	if ((c = strcmp(x->desc, y->desc)) != 0)
		return (c);
	return ((int)y->is_up - (int)x->is_up);
}

/* Append one problem line to b. */
static void
mig_problem(struct buf *b, const char *msg)
{
	if (b->len > 0)
		buf_putc(b, '\n');
	buf_puts(b, msg);
}

/* Read the whole file path into a malloc'd buffer. NULL with err. */
static char *
mig_read_file(const char *path, size_t *len, struct mc_err *err)
{
	FILE		*fp;
	struct stat	 sb;
	char		*data;

	if ((fp = fopen(path, "rb")) == NULL) {
		mc_err_sys(err, "%s: cannot open", path);
		return (NULL);
	}
	if (fstat(fileno(fp), &sb) == -1 || sb.st_size > MIG_MAX_FILE) {
		fclose(fp);
		mc_err_set(err, MC_E_INPUT, "%s: unreadable or larger than 64 MB", path);
		return (NULL);
	}
	data = xmalloc((size_t)sb.st_size + 2);	/* room to normalise in place */
	*len = fread(data, 1, (size_t)sb.st_size, fp);
	if (ferror(fp)) {
		mc_err_sys(err, "%s: read error", path);
		fclose(fp);
		free(data);
		return (NULL);
	}
	fclose(fp);
	data[*len] = '\0';
	return (data);
}

/* Load and parse one script; problems go to b. Returns 0 or -1. */
static int
mig_load_script(struct mig_script *sc, const char *dir, const char *fname,
    struct buf *b)
{
	struct mc_err	 e;
	char		*path, *raw;
	size_t		 len;
	int		 rc;

	path = xasprintf("%s/%s", dir, fname);
	if ((raw = mig_read_file(path, &len, &e)) == NULL) {
		mig_problem(b, e.msg);
		memset(sc, 0, sizeof(*sc));
		sc->path = path;
		return (-1);
	}
	rc = mig_script_parse_owned(sc, path, raw, len, &e);	/* sc owns raw */
	if (rc == -1)
		mig_problem(b, e.msg);
	free(path);
	return (rc);
}

/* Free the scanned names. */
static void
mig_names_free(struct mig_name *names, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		free(names[i].fname);
		free(names[i].desc);
	}
	free(names);
}

/* qsort order of repeatables: description. */
static int
mig_rep_name_cmp(const void *a, const void *b)
{
	const struct mig_name	*x = a, *y = b;

	return (strcmp(x->desc, y->desc));
}

/*
 * Scan dir for *.sql names; bad names go to b. Repeatables (R_*.sql) go to
 * *reps (caller frees, sorted by description, *nreps set). NULL + err if dir
 * is unreadable.
 */
static struct mig_name *
mig_scan(const char *dir, size_t *count, struct mig_name **reps, size_t *nreps,
    struct buf *b, struct mc_err *err)
{
	DIR		*d;
	struct dirent	*de;
	struct mig_name	*v = NULL, *rv = NULL;
	struct mc_err	 e;
	size_t		 n = 0, cap = 0, len, rn = 0, rcap = 0;
	char		*msg, *desc;
	int		 isrep;

	if ((d = opendir(dir)) == NULL) {
		mc_err_sys(err, "migrations directory %s", dir);
		return (NULL);
	}
	while ((de = readdir(d)) != NULL) {
		len = strlen(de->d_name);
		if (de->d_name[0] == '.' || len < 4 ||
		    strcmp(de->d_name + len - 4, ".sql") != 0)
			continue;
		if ((isrep = mig_parse_rep_name(de->d_name, &desc, &e)) != 0) {
			if (isrep == -1) {
				msg = xasprintf("%s/%s", dir, e.msg);
				mig_problem(b, msg);
				free(msg);
				continue;
			}
			if (rn == rcap)
				rv = xreallocarray(rv, rcap = rcap ? rcap * 2 : 16,
				    sizeof(*rv));
			rv[rn].fname = xstrdup(de->d_name);
			rv[rn].version = -1;
			rv[rn].is_up = true;
			rv[rn++].desc = desc;
			continue;
		}
		if (n == cap)
			v = xreallocarray(v, cap = cap ? cap * 2 : 64, sizeof(*v));
		if (mig_parse_name(de->d_name, &v[n].version, &v[n].desc,
		    &v[n].is_up, &e) == -1) {
			msg = xasprintf("%s/%s", dir, e.msg);
			mig_problem(b, msg);
			free(msg);
			continue;
		}
		v[n++].fname = xstrdup(de->d_name);
	}
	closedir(d);
	if (v == NULL)	/* before qsort, which must not get NULL */
		v = xcalloc(1, sizeof(*v));
	qsort(v, n, sizeof(*v), mig_name_cmp);
	if (rv == NULL)
		rv = xcalloc(1, sizeof(*rv));
	qsort(rv, rn, sizeof(*rv), mig_rep_name_cmp);
	*count = n;
	*reps = rv;
	*nreps = rn;
	return (v);
}

struct mig_set *
migset_load(const char *dir, unsigned flags, char **problems, struct mc_err *err)
{
	struct mig_set	*set;
	struct mig_name	*names, *reps = NULL;
	struct mig_file	*f;
	struct mig_rep	*rp;
	struct buf	 b;
	size_t		 n, i, j, k, nreps = 0;
	char		*msg;
	int		 width;

	if (problems != NULL)
		*problems = NULL;
	buf_init(&b);
	if ((names = mig_scan(dir, &n, &reps, &nreps, &b, err)) == NULL) {
		buf_done(&b);
		return (NULL);
	}
	set = xcalloc(1, sizeof(*set));
	set->dir = xstrdup(dir);
	set->files = xcalloc(n + 1, sizeof(*set->files));
	set->vwidth = 4;
	for (i = 0; i < n; i = j) {
		/* names[i..j) share a version */
		for (j = i + 1; j < n && names[j].version == names[i].version; j++)
			;
		for (k = i + 1; k < j; k++)
			if (strcmp(names[k].desc, names[i].desc) != 0) {
				msg = xasprintf("%s/%s: duplicate version %lld (also %s/%s)",
				    dir, names[k].fname, names[i].version, dir, names[i].fname);
				mig_problem(&b, msg);
				free(msg);
				break;
			}
		if (k < j)
			continue;
		if (j - i == 1) {
			msg = xasprintf("%s/%s: no %s file (expected %s/%.*s.%s.sql)", dir,
			    names[i].fname, names[i].is_up ? "down" : "up", dir,
			    (int)(strlen(names[i].fname) - (names[i].is_up ? 7 : 9)),
			    names[i].fname, names[i].is_up ? "down" : "up");
			mig_problem(&b, msg);
			free(msg);
			continue;
		}
		if (j - i > 2 || names[i].is_up == names[i + 1].is_up ||
		    strlen(names[i].fname) + 2 != strlen(names[i + 1].fname) ||
		    strncmp(names[i].fname, names[i + 1].fname,
		    strlen(names[i].fname) - 7) != 0) {
			/* the same description with its version written twice */
			msg = xasprintf("%s/%s: duplicate version %lld (also %s/%s)", dir,
			    names[i + 1].fname, names[i].version, dir, names[i].fname);
			mig_problem(&b, msg);
			free(msg);
			continue;
		}
		f = &set->files[set->n++];
		f->version = names[i].version;
		width = (int)strcspn(names[i].fname, "_");
		snprintf(f->vstr, sizeof(f->vstr), "%.*s", width, names[i].fname);
		if (width > set->vwidth)
			set->vwidth = width;
		f->name = xstrdup(names[i].desc);
		f->id = xasprintf("%s_%s", f->vstr, f->name);
		if (flags & MIGSET_NAMES_ONLY)
			continue;
		mig_load_script(&f->up, dir, names[i].fname, &b);
		mig_load_script(&f->down, dir, names[i + 1].fname, &b);
	}
	mig_names_free(names, n);
	set->reps = xcalloc(nreps + 1, sizeof(*set->reps));
	for (i = 0; i < nreps; i++) {
		if (i > 0 && strcmp(reps[i].desc, reps[i - 1].desc) == 0) {
			/* R_x.sql and R__x.sql */
			msg = xasprintf("%s/%s: duplicate repeatable migration %s "
			    "(also %s/%s)", dir, reps[i].fname, reps[i].desc, dir,
			    reps[i - 1].fname);
			mig_problem(&b, msg);
			free(msg);
			continue;
		}
		rp = &set->reps[set->nreps++];
		rp->name = xstrdup(reps[i].desc);
		rp->id = xasprintf("R_%s", rp->name);
		if (flags & MIGSET_NAMES_ONLY)
			continue;
		if (mig_load_script(&rp->sc, dir, reps[i].fname, &b) == 0 &&
		    rp->sc.no_tx) {
			msg = xasprintf("%s: a repeatable migration always runs in one "
			    "transaction; -- mcpdb:no-transaction is not allowed here",
			    rp->sc.path);
			mig_problem(&b, msg);
			free(msg);
		}
	}
	mig_names_free(reps, nreps);
	if (b.len == 0) {
		buf_done(&b);
		return (set);
	}
	migset_free(set);
	mig_problems_finish(&b, problems, err);
	return (NULL);
}

bool
mig_stream_name_ok(const char *s)
{
	size_t	i;

	for (i = 0; s[i] != '\0'; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') ||
		    s[i] == '_'))
			return (false);
	/* "default" names the top-level files on the command line. */
	return (i > 0 && i <= MIG_STREAM_MAX && strcmp(s, MIG_STREAM_DEFAULT) != 0);
}

/* qsort order of stream names. */
static int
mig_stream_cmp(const void *a, const void *b)
{
	return (strcmp(*(char *const *)a, *(char *const *)b));
}

/* Is path a directory (following links)? */
static bool
mig_is_dir(const char *path)
{
	struct stat	sb;

	return (stat(path, &sb) == 0 && S_ISDIR(sb.st_mode));
}

/* Does dir hold a non-hidden sub-directory? Its name into *sub (caller frees). */
static bool
mig_has_subdir(const char *dir, char **sub)
{
	DIR		*d;
	struct dirent	*de;
	char		*p;
	bool		 found = false;

	if ((d = opendir(dir)) == NULL)
		return (false);
	while (!found && (de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		p = xasprintf("%s/%s", dir, de->d_name);
		if (mig_is_dir(p)) {
			found = true;
			*sub = p;
		} else
			free(p);
	}
	closedir(d);
	return (found);
}

int
migset_streams(const char *dir, char ***names, size_t *count,
    struct mc_err *err)
{
	DIR		*d;
	struct dirent	*de;
	char		**v = NULL, *p, *sub;
	size_t		 n = 0, cap = 0;

	*names = NULL;
	*count = 0;
	if ((d = opendir(dir)) == NULL) {
		mc_err_sys(err, "migrations directory %s", dir);
		return (-1);
	}
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		p = xasprintf("%s/%s", dir, de->d_name);
		if (!mig_is_dir(p)) {
			free(p);
			continue;
		}
		if (!mig_stream_name_ok(de->d_name)) {
			mc_err_set(err, MC_E_INPUT, "%s: not a stream name (a "
			    "migration stream directory is named [a-z0-9_]+, at "
			    "most %d characters, and not \"" MIG_STREAM_DEFAULT "\")",
			    p, MIG_STREAM_MAX);
			free(p);
			goto fail;
		}
		if (mig_has_subdir(p, &sub)) {
			mc_err_set(err, MC_E_INPUT, "%s: a migration stream holds "
			    "files only, not directories", sub);
			free(sub);
			free(p);
			goto fail;
		}
		free(p);
		if (n == cap)
			v = xreallocarray(v, cap = cap ? cap * 2 : 8, sizeof(*v));
		v[n++] = xstrdup(de->d_name);
	}
	closedir(d);
	if (n > 0)
		qsort(v, n, sizeof(*v), mig_stream_cmp);
	*names = v;
	*count = n;
	return (0);
fail:
	closedir(d);
	migstreams_free(v, n);
	return (-1);
}

void
migstreams_free(char **v, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/*
 * Sum up the problem lines of b into err (the first one, and how many more)
 * and hand them to *problems when not NULL. Frees b.
 */
static void
mig_problems_finish(struct buf *bp, char **problems, struct mc_err *err)
{
	struct buf	 b = *bp;
	size_t		 nprob;
	char		*nl;

	for (nprob = 1, nl = b.data; (nl = strchr(nl, '\n')) != NULL; nl++)
		nprob++;
	nl = strchr(b.data, '\n');
	if (nprob > 1)
		mc_err_set(err, MC_E_INPUT, "%.*s (and %zu more problem%s)",
		    (int)(nl - b.data), b.data, nprob - 1, nprob > 2 ? "s" : "");
	else
		mc_err_set(err, MC_E_INPUT, "%s", b.data);
	if (problems != NULL)
		*problems = buf_detach(&b);
	buf_done(&b);
}

void
migset_free(struct mig_set *set)
{
	size_t	i;

	if (set == NULL)
		return;
	for (i = 0; i < set->n; i++) {
		free(set->files[i].name);
		free(set->files[i].id);
		mig_script_done(&set->files[i].up);
		mig_script_done(&set->files[i].down);
	}
	free(set->files);
	for (i = 0; i < set->nreps; i++) {
		free(set->reps[i].name);
		free(set->reps[i].id);
		mig_script_done(&set->reps[i].sc);
	}
	free(set->reps);
	free(set->dir);
	free(set);
}

struct mig_rep *
migset_find_rep(const struct mig_set *set, const char *name)
{
	size_t	i;

	for (i = 0; set != NULL && i < set->nreps; i++)
		if (strcmp(set->reps[i].name, name) == 0)
			return (&set->reps[i]);
	return (NULL);
}

struct mig_file *
migset_find(const struct mig_set *set, long long version)
{
	size_t	lo = 0, hi = set->n, mid;

	while (lo < hi) {
		mid = (lo + hi) / 2;
		if (set->files[mid].version == version)
			return (&set->files[mid]);
		if (set->files[mid].version < version)
			lo = mid + 1;
		else
			hi = mid;
	}
	return (NULL);
}

char *
migset_vfmt(const struct mig_set *set, long long v, char *out, size_t len)
{
	snprintf(out, len, "%0*lld", set ? set->vwidth : 4, v);
	return (out);
}

/* ------------------------------------------------------------------- diff */

/* A text split into lines (pointers into the text, no copies). */
struct mig_lines {
	const char	**p;
	size_t		 *len;
	size_t		  n;
};

/* Split s into lines. */
static void
mig_lines_split(const char *s, struct mig_lines *l)
{
	const char	*e;
	size_t		 cap = 16;

	l->n = 0;
	l->p = xreallocarray(NULL, cap, sizeof(*l->p));
	l->len = xreallocarray(NULL, cap, sizeof(*l->len));
	while (*s != '\0') {
		if (l->n == cap) {
			cap *= 2;
			l->p = xreallocarray(l->p, cap, sizeof(*l->p));
			l->len = xreallocarray(l->len, cap, sizeof(*l->len));
		}
		e = strchr(s, '\n');
		l->p[l->n] = s;
		l->len[l->n] = e ? (size_t)(e - s) : strlen(s);
		l->n++;
		s = e ? e + 1 : s + strlen(s);
	}
}

/* Are line i of a and line j of b equal? */
static int
mig_line_eq(const struct mig_lines *a, size_t i, const struct mig_lines *b, size_t j)
{
	return (a->len[i] == b->len[j] && memcmp(a->p[i], b->p[j], a->len[i]) == 0);
}

/* One edit: ' ' keep, '-' delete from a, '+' insert from b. */
struct mig_op {
	char	op;
	size_t	ai;		/* line of a (for ' ' and '-') */
	size_t	bi;		/* line of b (for ' ' and '+') */
};

/*
 * The edit script from a to b: common prefix and suffix, and an LCS table
 * for the middle (all delete + all insert when the middle is too big).
 */
static struct mig_op *
mig_edit_script(const struct mig_lines *a, const struct mig_lines *b, size_t *nops)
{
	struct mig_op	*ops;
	size_t		 pre = 0, suf = 0, n, m, i, j, k = 0;
	uint32_t	*t = NULL;

	while (pre < a->n && pre < b->n && mig_line_eq(a, pre, b, pre))
		pre++;
	while (suf < a->n - pre && suf < b->n - pre &&
	    mig_line_eq(a, a->n - 1 - suf, b, b->n - 1 - suf))
		suf++;
	n = a->n - pre - suf;
	m = b->n - pre - suf;
	ops = xreallocarray(NULL, a->n + b->n + 1, sizeof(*ops));
	for (i = 0; i < pre; i++)
		ops[k++] = (struct mig_op){ ' ', i, i };
	if (n > 0 && m > 0 && (n + 1) * (m + 1) <= 4000000) {
		/* t[i][j] = LCS length of a[pre+i..] and b[pre+j..] */
		t = xcalloc((n + 1) * (m + 1), sizeof(*t));
		for (i = n; i-- > 0;)
			for (j = m; j-- > 0;)
				t[i * (m + 1) + j] = mig_line_eq(a, pre + i, b, pre + j) ?
				    t[(i + 1) * (m + 1) + j + 1] + 1 :
				    (t[(i + 1) * (m + 1) + j] >= t[i * (m + 1) + j + 1] ?
				    t[(i + 1) * (m + 1) + j] : t[i * (m + 1) + j + 1]);
		for (i = 0, j = 0; i < n || j < m;) {
			if (i < n && j < m && mig_line_eq(a, pre + i, b, pre + j)) {
				ops[k++] = (struct mig_op){ ' ', pre + i, pre + j };
				i++;
				j++;
			} else if (i < n && (j == m || t[(i + 1) * (m + 1) + j] >=
			    t[i * (m + 1) + j + 1])) {
				ops[k++] = (struct mig_op){ '-', pre + i, 0 };
				i++;
			} else {
				ops[k++] = (struct mig_op){ '+', 0, pre + j };
				j++;
			}
		}
		free(t);
	} else {
		for (i = 0; i < n; i++)
			ops[k++] = (struct mig_op){ '-', pre + i, 0 };
		for (j = 0; j < m; j++)
			ops[k++] = (struct mig_op){ '+', 0, pre + j };
	}
	for (i = 0; i < suf; i++)
		ops[k++] = (struct mig_op){ ' ', a->n - suf + i, b->n - suf + i };
	*nops = k;
	return (ops);
}

char *
mig_diff(const char *a, const char *b, const char *label_a, const char *label_b)
{
	struct mig_lines	 la, lb;
	struct mig_op		*ops;
	struct buf		 out;
	size_t			 nops, h, e, k, last, ctx = 3, astart, bstart;
	size_t			 acount, bcount, apos, bpos;
	char			*d;

	if (strcmp(a, b) == 0)
		return (NULL);
	mig_lines_split(a, &la);
	mig_lines_split(b, &lb);
	ops = mig_edit_script(&la, &lb, &nops);
	buf_init(&out);
	buf_printf(&out, "--- %s\n+++ %s\n", label_a, label_b);
	apos = bpos = 0;	/* lines of a and b before ops[h] */
	for (h = 0; h < nops;) {
		/* find the next change */
		for (k = h; k < nops && ops[k].op == ' '; k++)
			;
		if (k == nops)
			break;
		for (; h + ctx < k; h++) {
			apos++;
			bpos++;
		}
		/* extend the hunk while changes are within 2*ctx lines */
		for (last = k, e = k; e < nops; e++) {
			if (ops[e].op != ' ')
				last = e;
			else if (e - last > 2 * ctx)
				break;
		}
		e = last + 1 + ctx < nops ? last + 1 + ctx : nops;
		acount = bcount = 0;
		for (k = h; k < e; k++) {
			if (ops[k].op != '+')
				acount++;
			if (ops[k].op != '-')
				bcount++;
		}
		astart = acount ? apos + 1 : apos;
		bstart = bcount ? bpos + 1 : bpos;
		buf_printf(&out, "@@ -%zu,%zu +%zu,%zu @@\n", astart, acount,
		    bstart, bcount);
		for (k = h; k < e; k++) {
			if (ops[k].op == '+')
				buf_printf(&out, "+%.*s\n", (int)lb.len[ops[k].bi],
				    lb.p[ops[k].bi]);
			else
				buf_printf(&out, "%c%.*s\n", ops[k].op,
				    (int)la.len[ops[k].ai], la.p[ops[k].ai]);
		}
		apos += acount;
		bpos += bcount;
		h = e;
	}
	free(ops);
	free(la.p);
	free(la.len);
	free(lb.p);
	free(lb.len);
	d = buf_detach(&out);
	buf_done(&out);
	return (d);
}

/* ----------------------------------------------------------- placeholders */

/* Length of a placeholder "${NAME}" starting at s[i], or 0 when none. */
static size_t
mig_ph_len(const char *s, size_t len, size_t i)
{
	size_t	j = i + 2;

	if (j >= len || s[i] != '$' || s[i + 1] != '{' ||
	    !(isalpha((unsigned char)s[j]) || s[j] == '_'))
		return (0);
	while (j < len && (isalnum((unsigned char)s[j]) || s[j] == '_'))
		j++;
	if (j >= len || s[j] != '}' || j - i - 2 > 63)
		return (0);
	return (j - i + 1);
}

/* Append the value of the placeholder s[i..i+n) to b; -1 with err if none. */
static int
mig_ph_put(struct buf *b, const char *path, const char *s, size_t i, size_t n,
    const struct mig_vars *vars, size_t *nused, struct mc_err *err)
{
	size_t	k, nl = n - 3;
	int	line, col;

	for (k = 0; vars != NULL && k < vars->n; k++)
		if (strlen(vars->names[k]) == nl &&
		    memcmp(vars->names[k], s + i + 2, nl) == 0) {
			buf_puts(b, vars->values[k]);
			(*nused)++;
			return (0);
		}
	mig_linecol(s, i, &line, &col);
	return (mc_err_set(err, MC_E_INPUT, "%s:%d:%d: placeholder %.*s is not "
	    "defined (define it in %s, or write $%.*s for the text itself inside "
	    "a string)", path ? path : "(sql)", line, col, (int)n, s + i,
	    vars != NULL && vars->origin != NULL ? vars->origin :
	    "the target's \"migrate\": { \"placeholders\" }", (int)n, s + i));
}

/* Copy the string or quoted identifier s[i..end) to b, expanding in it. */
static int
mig_expand_quoted(struct buf *b, const char *path, const char *s, size_t i,
    size_t end, const struct mig_vars *vars, size_t *nused, struct mc_err *err)
{
	size_t	n;

	while (i < end) {
		if (s[i] == '$' && i + 1 < end && s[i + 1] == '$' &&
		    (n = mig_ph_len(s, end, i + 1)) > 0) {
			buf_append(b, s + i + 1, n);	/* $${NAME}: literal */
			i += n + 1;
		} else if (s[i] == '$' && (n = mig_ph_len(s, end, i)) > 0) {
			if (mig_ph_put(b, path, s, i, n, vars, nused, err) == -1)
				return (-1);
			i += n;
		} else
			buf_putc(b, s[i++]);
	}
	return (0);
}

char *
mig_expand(const char *path, const char *s, size_t len,
    const struct mig_vars *vars, size_t *outlen, size_t *nused,
    struct mc_err *err)
{
	struct buf	b;
	size_t		i = 0, j, k, n;
	int		escape;

	*nused = 0;
	buf_init(&b);
	while (i < len) {
		unsigned char	c = (unsigned char)s[i];

		if ((c == '-' && i + 1 < len && s[i + 1] == '-') ||
		    (c == '/' && i + 1 < len && s[i + 1] == '*')) {
			/* comments run (and stay) as written */
			if ((j = mig_skip_quoted(s, len, i, 0)) == (size_t)-1)
				j = len;
			buf_append(&b, s + i, j - i);
			i = j;
		} else if (c == '\'' || c == '"') {
			if ((j = mig_skip_quoted(s, len, i, 0)) == (size_t)-1)
				j = len;
			if (mig_expand_quoted(&b, path, s, i, j, vars, nused,
			    err) == -1)
				goto fail;
			i = j;
		} else if (c == '$' && (n = mig_ph_len(s, len, i)) > 0) {
			if (mig_ph_put(&b, path, s, i, n, vars, nused, err) == -1)
				goto fail;
			i += n;
		} else if (c == '$') {
			/* a dollar-quoted body is never touched */
			if ((j = mig_skip_quoted(s, len, i, 0)) == (size_t)-1)
				j = len;
			if (j == i)
				j = i + 1;
			buf_append(&b, s + i, j - i);
			i = j;
		} else if (mig_ident_start(c)) {
			for (j = i; j < len && mig_ident_char((unsigned char)s[j]) &&
			    !(s[j] == '$' && j + 1 < len && s[j + 1] == '{'); j++)
				;
			escape = (j - i == 1 && (c == 'E' || c == 'e'));
			buf_append(&b, s + i, j - i);
			i = j;
			if (j < len && s[j] == '\'' && escape) {
				if ((k = mig_skip_quoted(s, len, j, 1)) == (size_t)-1)
					k = len;
				if (mig_expand_quoted(&b, path, s, j, k, vars, nused,
				    err) == -1)
					goto fail;
				i = k;
			}
		} else
			buf_putc(&b, s[i++]);
	}
	*outlen = b.len;
	return (buf_detach(&b));
fail:
	buf_done(&b);
	return (NULL);
}

/* Does s[0..len) hold "${" anywhere (a placeholder can only start there)? */
static bool
mig_has_ph(const char *s, size_t len)
{
	const char	*p = s, *end = s + len;

	while ((p = memchr(p, '$', (size_t)(end - p))) != NULL) {
		if (++p < end && *p == '{')
			return (true);
	}
	return (false);
}

/*
 * Expand one script in place (see migset_expand); problems go to b.
 * A script without "${" is left alone without copying it: a 20 MB data
 * migration must not cost a second 20 MB (t-migrate-big's RSS bound).
 */
static void
mig_script_expand(struct mig_script *sc, const struct mig_vars *vars,
    struct buf *b)
{
	struct mc_err	 e;
	const char	*why;
	char		*x;
	size_t		 n, nused, i;

	if (sc->sql == NULL || !mig_has_ph(sc->sql, sc->len))
		return;
	if ((x = mig_expand(sc->path, sc->sql, sc->len, vars, &n, &nused,
	    &e)) == NULL) {
		mig_problem(b, e.msg);
		return;
	}
	if (nused == 0) {
		free(x);
		return;
	}
	free(sc->sql);
	free(sc->stmts);
	sc->stmts = NULL;
	sc->nstmts = 0;
	sc->sql = x;
	sc->len = n;
	sc->nexpanded = nused;
	if (memchr(sc->sql, '\0', sc->len) != NULL) {
		mig_problem(b, "placeholder value with a NUL byte");
		return;
	}
	if (mig_split(sc->path, sc->sql, sc->len, &sc->stmts, &sc->nstmts,
	    &e) == -1) {
		x = xasprintf("%s (after placeholders were expanded)", e.msg);
		mig_problem(b, x);
		free(x);
		return;
	}
	for (i = 0; i < sc->nstmts; i++)
		if ((why = mig_stmt_problem(sc->sql, &sc->stmts[i],
		    sc->no_tx)) != NULL) {
			x = xasprintf("%s:%d:%d: %s (after placeholders were "
			    "expanded)", sc->path, sc->stmts[i].line,
			    sc->stmts[i].col, why);
			mig_problem(b, x);
			free(x);
			return;
		}
}

int
migset_expand(struct mig_set *set, const struct mig_vars *vars,
    char **problems, struct mc_err *err)
{
	struct buf	b;
	size_t		i;

	if (problems != NULL)
		*problems = NULL;
	buf_init(&b);
	for (i = 0; i < set->n; i++) {
		mig_script_expand(&set->files[i].up, vars, &b);
		mig_script_expand(&set->files[i].down, vars, &b);
	}
	for (i = 0; i < set->nreps; i++)
		mig_script_expand(&set->reps[i].sc, vars, &b);
	if (b.len == 0) {
		buf_done(&b);
		return (0);
	}
	mig_problems_finish(&b, problems, err);
	return (-1);
}
