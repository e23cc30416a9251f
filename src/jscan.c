/*
 * jscan.c - a strict JSON syntax scanner (RFC 8259) for exact error
 * positions: cJSON's error pointer is often a token or two late and gives
 * no reason, and an operator needs the line, the column and what is wrong.
 * Used by the config parser and the seed manifest parser before cJSON.
 */
#include "config.h"

#include "jscan.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xmem.h"

struct jscan {
	const char	*start;		/* first byte after a BOM */
	const char	*p;
	const char	*end;
	const char	*at;		/* the error's place (end: EOF) */
	char		 why[160];
	bool		 unique;	/* a repeated member name is an error */
	bool		 dup;		/* ... and that is the error */
	char		 path[256];	/* key path of the value being read */
	size_t		 plen;
};

/* A member name as written: the bytes between its quotes. */
struct jscan_name {
	const char	*p;
	size_t		 len;
};

static int	jscan_value(struct jscan *, int);
static int	jscan_members(struct jscan *, int, const char *,
		    struct jscan_name **, size_t *, size_t *);
static int	jscan_check_doc(const char *, const char *, size_t,
		    enum mc_code, bool, struct mc_err *);

/* Record the first error at position at. Returns -1. */
static int __attribute__((format(printf, 3, 4)))
jscan_fail(struct jscan *s, const char *at, const char *fmt, ...)
{
	va_list	ap;

	s->at = at;
	va_start(ap, fmt);
	vsnprintf(s->why, sizeof(s->why), fmt, ap);
	va_end(ap);
	return (-1);
}

/* 1-based line and column (in characters) of position at. */
void
jscan_linecol(const char *start, const char *at, int *line, int *col)
{
	const char	*p;

	*line = 1;
	*col = 1;
	for (p = start; p < at; p++) {
		if (*p == '\n') {
			(*line)++;
			*col = 1;
		} else if (((unsigned char)*p & 0xC0) != 0x80)
			(*col)++;
	}
}

/* Skip JSON whitespace. */
static void
jscan_ws(struct jscan *s)
{
	while (s->p < s->end && (*s->p == ' ' || *s->p == '\t' ||
	    *s->p == '\n' || *s->p == '\r'))
		s->p++;
}

/* "'{' opened at line L, column C is never closed". */
static int
jscan_unclosed(struct jscan *s, const char *open)
{
	int	line, col;

	jscan_linecol(s->start, open, &line, &col);
	return (jscan_fail(s, s->end,
	    "'%c' opened at line %d, column %d is never closed", *open, line,
	    col));
}

/* A string starting at the opening quote. */
static int
jscan_string(struct jscan *s)
{
	const char	*q = s->p;
	int		 i;

	s->p++;
	for (;;) {
		if (s->p >= s->end)
			return (jscan_fail(s, q, "unterminated string"));
		if (*s->p == '"') {
			s->p++;
			return (0);
		}
		if (*s->p == '\n')
			return (jscan_fail(s, q,
			    "unterminated string (a string cannot span "
			    "lines)"));
		if ((unsigned char)*s->p < 0x20)
			return (jscan_fail(s, s->p,
			    "control character in a string (write it as "
			    "\\u%04x)",
			    (unsigned)(unsigned char)*s->p));
		if (*s->p != '\\') {
			s->p++;
			continue;
		}
		if (s->p + 1 >= s->end)
			return (jscan_fail(s, q, "unterminated string"));
		switch (s->p[1]) {
		case '"': case '\\': case '/': case 'b': case 'f':
		case 'n': case 'r': case 't':
			s->p += 2;
			break;
		case 'u':
			for (i = 2; i < 6; i++)
				if (s->p + i >= s->end ||
				    !isxdigit((unsigned char)s->p[i]))
					return (jscan_fail(s, s->p,
					    "invalid \\u escape (expected 4 "
					    "hex digits)"));
			if (strncmp(s->p + 2, "0000", 4) == 0)
				return (jscan_fail(s, s->p,
				    "\\u0000 is not allowed in a string"));
			s->p += 6;
			break;
		default:
			return (jscan_fail(s, s->p,
			    "invalid escape \\%c in a string",
			    isprint((unsigned char)s->p[1]) ? s->p[1] : '?'));
		}
	}
}

/* A number: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? */
static int
jscan_number(struct jscan *s)
{
	const char	*n = s->p;

	if (*s->p == '-')
		s->p++;
	if (s->p >= s->end || !isdigit((unsigned char)*s->p))
		return (jscan_fail(s, n, "invalid number"));
	if (*s->p == '0' && s->p + 1 < s->end &&
	    isdigit((unsigned char)s->p[1]))
		return (jscan_fail(s, n, "invalid number (no leading zeros)"));
	while (s->p < s->end && isdigit((unsigned char)*s->p))
		s->p++;
	if (s->p < s->end && *s->p == '.') {
		s->p++;
		if (s->p >= s->end || !isdigit((unsigned char)*s->p))
			return (jscan_fail(s, n,
			    "invalid number (digits expected after '.')"));
		while (s->p < s->end && isdigit((unsigned char)*s->p))
			s->p++;
	}
	if (s->p < s->end && (*s->p == 'e' || *s->p == 'E')) {
		s->p++;
		if (s->p < s->end && (*s->p == '+' || *s->p == '-'))
			s->p++;
		if (s->p >= s->end || !isdigit((unsigned char)*s->p))
			return (jscan_fail(s, n,
			    "invalid number (digits expected in the "
			    "exponent)"));
		while (s->p < s->end && isdigit((unsigned char)*s->p))
			s->p++;
	}
	if (s->p < s->end && isalpha((unsigned char)*s->p))
		return (jscan_fail(s, n, "invalid number"));
	return (0);
}

/* true, false or null. */
static int
jscan_word(struct jscan *s)
{
	static const char *const words[] = { "true", "false", "null" };
	const char	*w = s->p;
	size_t		 len = 0, i;

	while (w + len < s->end && isalnum((unsigned char)w[len]))
		len++;
	for (i = 0; i < 3; i++)
		if (len == strlen(words[i]) && strncmp(w, words[i], len) == 0) {
			s->p += len;
			return (0);
		}
	return (jscan_fail(s, w,
	    "expected a value (strings need double quotes; "
	    "literals are true, false, null)"));
}

/* Append ".name" (or "name" at the top) to the key path; returns the old length. */
static size_t
jscan_path_push(struct jscan *s, const char *name, size_t len)
{
	size_t	old = s->plen;
	int	n;

	n = snprintf(s->path + s->plen, sizeof(s->path) - s->plen, "%s%.*s",
	    s->plen > 0 ? "." : "", (int)len, name);
	if (n > 0)
		s->plen += (size_t)n < sizeof(s->path) - s->plen ? (size_t)n :
		    sizeof(s->path) - s->plen - 1;
	return (old);
}

/*
 * With s->unique, a member name already seen in this object (names[0..n))
 * is an error at its second place, naming the first. Returns -1 then.
 */
static int
jscan_unique(struct jscan *s, const struct jscan_name *names, size_t n,
    const char *q)
{
	size_t	i, len = (size_t)(s->p - q) - 2;
	int	line, col;

	if (!s->unique)
		return (0);
	for (i = 0; i < n; i++)
		if (names[i].len == len && memcmp(names[i].p, q + 1, len) == 0)
			break;
	if (i == n)
		return (0);
	jscan_linecol(s->start, names[i].p - 1, &line, &col);
	jscan_path_push(s, q + 1, len);
	s->dup = true;
	return (jscan_fail(s, q, "duplicate key (first at line %d, column %d)",
	    line, col));
}

/* An object starting at '{'. */
static int
jscan_object(struct jscan *s, int depth)
{
	const char		*open = s->p;
	struct jscan_name	*names = NULL;
	size_t			 n = 0, cap = 0;
	int			 rc;

	s->p++;
	rc = jscan_members(s, depth, open, &names, &n, &cap);
	free(names);
	return (rc);
}

/* The members of the object opened at open; names collects their names. */
static int
jscan_members(struct jscan *s, int depth, const char *open,
    struct jscan_name **names, size_t *n, size_t *cap)
{
	const char	*comma = NULL, *q;
	size_t		 old;

	for (;;) {
		jscan_ws(s);
		if (s->p >= s->end)
			return (jscan_unclosed(s, open));
		if (*s->p == '}') {
			if (comma != NULL)
				return (jscan_fail(s, comma,
				    "trailing comma before '}'"));
			s->p++;
			return (0);
		}
		if (*s->p != '"')
			return (jscan_fail(s, s->p,
			    "expected a member name in double quotes"));
		q = s->p;
		if (jscan_string(s) == -1 || jscan_unique(s, *names, *n, q) == -1)
			return (-1);
		if (*n == *cap) {
			*cap = *cap ? *cap * 2 : 8;
			*names = xreallocarray(*names, *cap, sizeof(**names));
		}
		(*names)[*n].p = q + 1;
		(*names)[(*n)++].len = (size_t)(s->p - q) - 2;
		jscan_ws(s);
		if (s->p >= s->end)
			return (jscan_unclosed(s, open));
		if (*s->p != ':')
			return (jscan_fail(s, s->p,
			    "expected ':' after the member name"));
		s->p++;
		old = jscan_path_push(s, q + 1, (size_t)((*names)[*n - 1].len));
		if (jscan_value(s, depth + 1) == -1)
			return (-1);
		s->plen = old;
		s->path[old] = '\0';
		jscan_ws(s);
		if (s->p >= s->end)
			return (jscan_unclosed(s, open));
		if (*s->p == '}') {
			s->p++;
			return (0);
		}
		if (*s->p != ',')
			return (jscan_fail(s, s->p,
			    "expected ',' or '}' after a member "
			    "(a missing comma?)"));
		comma = s->p++;
	}
}

/* An array starting at '['. */
static int
jscan_array(struct jscan *s, int depth)
{
	const char	*open = s->p, *comma = NULL;

	s->p++;
	for (;;) {
		jscan_ws(s);
		if (s->p >= s->end)
			return (jscan_unclosed(s, open));
		if (*s->p == ']') {
			if (comma != NULL)
				return (jscan_fail(s, comma,
				    "trailing comma before ']'"));
			s->p++;
			return (0);
		}
		if (jscan_value(s, depth + 1) == -1)
			return (-1);
		jscan_ws(s);
		if (s->p >= s->end)
			return (jscan_unclosed(s, open));
		if (*s->p == ']') {
			s->p++;
			return (0);
		}
		if (*s->p != ',')
			return (jscan_fail(s, s->p,
			    "expected ',' or ']' after an element "
			    "(a missing comma?)"));
		comma = s->p++;
	}
}

/* Any value. */
static int
jscan_value(struct jscan *s, int depth)
{
	if (depth > JSCAN_DEPTH_MAX)
		return (jscan_fail(s, s->p, "nested more than %d levels deep",
		    JSCAN_DEPTH_MAX));
	jscan_ws(s);
	if (s->p >= s->end)
		return (jscan_fail(s, s->p, "expected a value"));
	switch (*s->p) {
	case '{':
		return (jscan_object(s, depth));
	case '[':
		return (jscan_array(s, depth));
	case '"':
		return (jscan_string(s));
	case '-': case '0': case '1': case '2': case '3': case '4':
	case '5': case '6': case '7': case '8': case '9':
		return (jscan_number(s));
	default:
		if (isalpha((unsigned char)*s->p))
			return (jscan_word(s));
		if (*s->p == '\'')
			return (jscan_fail(s, s->p,
			    "strings need double quotes"));
		return (jscan_fail(s, s->p, "expected a value"));
	}
}

/* Check one JSON document; the error names line, column, token and reason. */
int
jscan_check(const char *file, const char *start, size_t len, enum mc_code code,
    struct mc_err *err)
{
	return (jscan_check_doc(file, start, len, code, false, err));
}

int
jscan_check_unique(const char *file, const char *start, size_t len,
    enum mc_code code, struct mc_err *err)
{
	return (jscan_check_doc(file, start, len, code, true, err));
}

/* jscan_check, and with unique a repeated member name is an error too. */
static int
jscan_check_doc(const char *file, const char *start, size_t len,
    enum mc_code code, bool unique, struct mc_err *err)
{
	struct jscan	 s = { 0 };
	int		 line, col;
	size_t		 n;
	char		 near[24];

	s.unique = unique;
	s.start = s.p = start;
	s.end = start + len;
	jscan_ws(&s);
	if (s.p >= s.end)
		return (mc_err_set(err, code, "%s: the file is empty "
		    "(expected a JSON object)", file));
	if (jscan_value(&s, 0) == 0) {
		jscan_ws(&s);
		if (s.p >= s.end)
			return (0);
		jscan_fail(&s, s.p,
		    "unexpected text after the end of the JSON document");
	}
	jscan_linecol(s.start, s.at, &line, &col);
	if (s.dup)
		return (mc_err_set(err, code, "%s:%d:%d: %s: %s", file, line,
		    col, s.path, s.why));
	if (s.at >= s.end)
		return (mc_err_set(err, code,
		    "%s:%d:%d: JSON syntax error at "
		    "end of file: %s",
		    file, line, col, s.why));
	if (isalpha((unsigned char)*s.at)) {
		for (n = 0; n < 16 && s.at + n < s.end &&
		    isalnum((unsigned char)s.at[n]); n++)
			near[n] = s.at[n];
		near[n] = '\0';
	} else if (isprint((unsigned char)*s.at))
		snprintf(near, sizeof(near), "%c", *s.at);
	else
		snprintf(near, sizeof(near), "\\x%02x",
		    (unsigned)(unsigned char)*s.at);
	return (mc_err_set(err, code, "%s:%d:%d: JSON syntax error near "
	    "'%s': %s", file, line, col, near, s.why));
}
