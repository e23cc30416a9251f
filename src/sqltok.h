/*
 * sqltok.h - split SQL text into tokens the way PostgreSQL's lexer sees
 * them: -- and nested block comments, '' strings (doubled quotes), E''
 * strings (backslash escapes), B'' X'' N'' U&'' strings, "quoted
 * identifiers", dollar-quoted bodies ($$ and $tag$), words (keywords and
 * identifiers, $ allowed after the first character), numbers, and single
 * punctuation characters ($1 is '$' then the number 1). Unterminated
 * quotes and comments run to the end. Pure; never fails.
 */
#ifndef MCPDB_SQLTOK_H
#define MCPDB_SQLTOK_H

#include <stddef.h>

enum sqltok_kind {
	SQLTOK_WORD,	/* keyword or unquoted identifier */
	SQLTOK_QIDENT,	/* "quoted identifier" */
	SQLTOK_STR,	/* any string: '', E'', $$ $$ */
	SQLTOK_NUM,
	SQLTOK_PUNCT,	/* one character */
	SQLTOK_COMMENT,	/* -- or a nested block comment */
};

struct sqltok {
	enum sqltok_kind	 kind;
	size_t			 off, len;
	int			 line;
};

/* Split s[0..len) into tokens. *out (caller frees) gets *n of them. */
void	sqltok_lex(const char *s, size_t len, struct sqltok **out, size_t *n);

#endif
