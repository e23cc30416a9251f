/*
 * sqltok.c - PostgreSQL's lexical structure, enough to find words outside
 * strings, comments and dollar-quoted bodies (see sqltok.h). Moved out of
 * miglint.c so the session EXPLAIN checks (pgsession.c) read SQL the same
 * way `migrate lint` does.
 */
#include "config.h"

#include "sqltok.h"

#include <ctype.h>
#include <stdbool.h>
#include <string.h>

#include "xmem.h"


/* Can c start an unquoted identifier? */
static bool
sqltok_ident_start(unsigned char c)
{
	return (isalpha(c) || c == '_' || c >= 0x80);
}

/* Can c continue an unquoted identifier? */
static bool
sqltok_ident_char(unsigned char c)
{
	return (isalnum(c) || c == '_' || c == '$' || c >= 0x80);
}

/* Count newlines of s[a, b) into *line. */
static void
sqltok_lines(const char *s, size_t a, size_t b, int *line)
{
	for (; a < b; a++)
		if (s[a] == '\n')
			(*line)++;
}

/*
 * End of the quoted run starting at s[i] (quote q, doubled to escape; with
 * backslash escapes when esc). len when unterminated.
 */
static size_t
sqltok_skip_quote(const char *s, size_t len, size_t i, char q, bool esc)
{
	for (i++; i < len; i++) {
		if (esc && s[i] == '\\' && i + 1 < len) {
			i++;
			continue;
		}
		if (s[i] == q) {
			if (i + 1 < len && s[i + 1] == q) {
				i++;
				continue;
			}
			return (i + 1);
		}
	}
	return (len);
}

/*
 * The length of a dollar-quote delimiter ($tag$ or $$) at s[i], or 0 when
 * s[i] starts none ($1, a lone $).
 */
static size_t
sqltok_dollar_tag(const char *s, size_t len, size_t i)
{
	size_t	j = i + 1;

	if (j < len && s[j] == '$')
		return (2);
	if (j >= len || !sqltok_ident_start((unsigned char)s[j]))
		return (0);
	while (j < len && sqltok_ident_char((unsigned char)s[j]) && s[j] != '$')
		j++;
	return (j < len && s[j] == '$' ? j - i + 1 : 0);
}

void
sqltok_lex(const char *s, size_t len, struct sqltok **out, size_t *n)
{
	struct sqltok	*v = NULL;
	size_t			 nv = 0, cap = 0, i = 0, j, k, d;
	int			 line = 1, depth;
	enum sqltok_kind	 kind;

	while (i < len) {
		unsigned char	c = (unsigned char)s[i];

		if (isspace(c)) {
			if (c == '\n')
				line++;
			i++;
			continue;
		}
		j = i + 1;
		if (c == '-' && j < len && s[j] == '-') {
			kind = SQLTOK_COMMENT;
			while (j < len && s[j] != '\n')
				j++;
		} else if (c == '/' && j < len && s[j] == '*') {
			kind = SQLTOK_COMMENT;
			for (depth = 1, j++; j < len && depth > 0; j++) {
				if (s[j] == '/' && j + 1 < len && s[j + 1] == '*') {
					depth++;
					j++;
				} else if (s[j] == '*' && j + 1 < len && s[j + 1] == '/') {
					depth--;
					j++;
				}
			}
		} else if (c == '\'') {
			kind = SQLTOK_STR;
			j = sqltok_skip_quote(s, len, i, '\'', false);
		} else if (c == '"') {
			kind = SQLTOK_QIDENT;
			j = sqltok_skip_quote(s, len, i, '"', false);
		} else if (c == '$' && (d = sqltok_dollar_tag(s, len, i)) > 0) {
			kind = SQLTOK_STR;
			for (k = i + d; k + d <= len; k++)
				if (s[k] == '$' && memcmp(s + k, s + i, d) == 0)
					break;
			j = k + d <= len ? k + d : len;
		} else if (sqltok_ident_start(c)) {
			kind = SQLTOK_WORD;
			while (j < len && sqltok_ident_char((unsigned char)s[j]))
				j++;
			/* E'..', B'..', X'..', N'..', U&'..' are strings. */
			if (j < len && s[j] == '\'' && j - i == 1 &&
			    strchr("eEbBxXnN", c) != NULL) {
				kind = SQLTOK_STR;
				j = sqltok_skip_quote(s, len, j, '\'',
				    c == 'e' || c == 'E');
			} else if (j + 1 < len && j - i == 1 && (c == 'u' ||
			    c == 'U') && s[j] == '&' && (s[j + 1] == '\'' ||
			    s[j + 1] == '"')) {
				kind = s[j + 1] == '\'' ? SQLTOK_STR : SQLTOK_QIDENT;
				j = sqltok_skip_quote(s, len, j + 1, s[j + 1], false);
			}
		} else if (isdigit(c)) {
			kind = SQLTOK_NUM;
			while (j < len && (isalnum((unsigned char)s[j]) ||
			    s[j] == '.' || s[j] == '_'))
				j++;
		} else
			kind = SQLTOK_PUNCT;
		if (nv == cap)
			v = xreallocarray(v, cap = cap ? cap * 2 : 256, sizeof(*v));
		v[nv].kind = kind;
		v[nv].off = i;
		v[nv].len = j - i;
		v[nv].line = line;
		nv++;
		sqltok_lines(s, i, j, &line);
		i = j;
	}
	*out = v;
	*n = nv;
}

