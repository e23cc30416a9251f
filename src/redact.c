/*
 * redact.c - hide secrets in text before it is logged or shown.
 *
 * Model: one left-to-right scan copies the text and, at a few recognised
 * shapes, replaces only the secret's characters with "***" (quotes and
 * separators stay, so conninfo stays conninfo and JSON stays JSON):
 *
 *   scheme://user:SECRET@host        any scheme; redis(s)://SECRET@host and
 *                                    redis[s]+cluster://SECRET@h1,h2 too
 *   [ssl]password=SECRET             conninfo, quoted or not, any spacing,
 *   ?password=SECRET&...             query parameters (to '&' or blank)
 *   "password": "SECRET"             JSON-ish keys (also 'password')
 *   PASSWORD 'SECRET'                SQL CREATE/ALTER ROLE
 *   AUTH [user] SECRET               Redis command lines (see below)
 *   HELLO 3 AUTH user SECRET, CONFIG SET requirepass SECRET,
 *   ACL SETUSER u >SECRET, MIGRATE ... AUTH SECRET / AUTH2 user SECRET
 *
 * A key is secret when its name ends in password, passwd, secret, token,
 * apikey or api_key (redact_key_is_secret). A bare AUTH/requirepass is only
 * treated as a command when it looks like one: written in capitals or at the
 * start of a line/quoted string, followed by exactly one or two arguments up
 * to the end of the line, so prose such as "pool: auth failed for user x"
 * is left alone. An empty secret or one that is already "***" does not
 * count as a secret, so redact_text is idempotent.
 */
#include "config.h"

#include "redact.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libpq-fe.h>

#include "buf.h"
#include "xmem.h"

#define REDACT_MASK	"***"
#define REDACT_MAXTOK	128

/* A byte range [start, end) of the input still to be masked. */
struct rmask {
	size_t	start;
	size_t	end;
};

/*
 * Scanner state: input, read position, output (NULL when only counting),
 * and masks registered ahead of the position by the Redis command scanner
 * (sorted, disjoint; the text between them is still scanned normally).
 */
struct rscan {
	const char	*s;
	size_t		 i;
	struct buf	*out;
	int		 found;
	struct rmask	*masks;
	size_t		 nmasks;
	size_t		 capmasks;
	size_t		 mpos;		/* first mask not yet passed */
};

/* One Redis argument: content range [start, end) and its quote (0 = bare). */
struct rtok {
	size_t	start;
	size_t	end;
	char	quote;
};

/* Take b's string and release b (buf_detach leaves a fresh buffer behind). */
static char *
redact_detach(struct buf *b)
{
	char	*s = buf_detach(b);

	buf_done(b);
	return (s);
}

/* Characters of a word: letters, digits, underscore. */
static int
redact_is_word(char c)
{
	return (isalnum((unsigned char)c) || c == '_');
}

/* Space or tab (not a line end). */
static int
redact_is_blank(char c)
{
	return (c == ' ' || c == '\t');
}

/* Copy s[from, to) to the output. */
static void
redact_emit(struct rscan *r, size_t from, size_t to)
{
	if (r->out != NULL && to > from)
		buf_append(r->out, r->s + from, to - from);
}

/* Emit the secret s[from, to) as "***"; empty and "***" stay as they are. */
static void
redact_emit_secret(struct rscan *r, size_t from, size_t to)
{
	if (to <= from || (to - from == strlen(REDACT_MASK) &&
	    memcmp(r->s + from, REDACT_MASK, to - from) == 0)) {
		redact_emit(r, from, to);
		return;
	}
	r->found++;
	if (r->out != NULL)
		buf_puts(r->out, REDACT_MASK);
}

/* Case-insensitive: does the n-byte string p end with suffix? */
static int
redact_ends_with(const char *p, size_t n, const char *suffix)
{
	size_t	sl = strlen(suffix);

	return (n >= sl && strncasecmp(p + n - sl, suffix, sl) == 0);
}

/* Is the n-byte key name one whose value is a secret? */
static int
redact_key_secret_n(const char *p, size_t n)
{
	static const char *const suffixes[] = {
		"password", "passwd", "secret", "token", "apikey", "api_key",
	};
	size_t	k;

	for (k = 0; k < sizeof(suffixes) / sizeof(suffixes[0]); k++)
		if (redact_ends_with(p, n, suffixes[k]))
			return (1);
	if ((n == 4 && strncasecmp(p, "pass", 4) == 0) ||
	    (n == 11 && strncasecmp(p, "requirepass", 11) == 0) ||
	    (n == 10 && strncasecmp(p, "masterauth", 10) == 0))
		return (1);
	return (0);
}

bool
redact_key_is_secret(const char *key)
{
	return (key != NULL && redact_key_secret_n(key, strlen(key)));
}

/*
 * Index of the quote q closing a string whose text starts at p (or of its
 * end): backslash escapes a character, and '' is a quote inside '...'.
 */
static size_t
redact_quoted_end(const char *s, size_t p, char q, int stop_at_eol)
{
	while (s[p] != '\0') {
		if (stop_at_eol && (s[p] == '\n' || s[p] == '\r'))
			break;
		if (s[p] == '\\' && s[p + 1] != '\0') {
			p += 2;
			continue;
		}
		if (s[p] == q) {
			if (q == '\'' && s[p + 1] == '\'') {
				p += 2;
				continue;
			}
			break;
		}
		p++;
	}
	return (p);
}

/*
 * scheme://userinfo@host: hide the password part of the userinfo (the
 * whole userinfo for redis/rediss, where a lone userinfo is the password).
 */
static int
redact_scan_uri(struct rscan *r)
{
	const char	*s = r->s;
	size_t		 i = r->i, j = i, a, e, at = 0, colon;
	int		 has_at = 0, redis;
	char		 enclose;

	if (!isalpha((unsigned char)s[j]))
		return (0);
	while (isalnum((unsigned char)s[j]) || s[j] == '+' || s[j] == '.' ||
	    s[j] == '-')
		j++;
	if (strncmp(s + j, "://", 3) != 0)
		return (0);
	redis = ((j - i == 5 && strncasecmp(s + i, "redis", 5) == 0) ||
	    (j - i == 6 && strncasecmp(s + i, "rediss", 6) == 0) ||
	    (j - i == 13 && strncasecmp(s + i, "redis+cluster", 13) == 0) ||
	    (j - i == 14 && strncasecmp(s + i, "rediss+cluster", 14) == 0));
	a = j + 3;
	/*
	 * Where the user info may end: free text has no structure, so look for
	 * the last '@' up to a blank (a password may hold '/', quotes, '\\',
	 * '<' ...), or up to the quote that encloses the URI when there is one.
	 */
	enclose = (i > 0 && strchr("\"'`", s[i - 1]) != NULL) ? s[i - 1] : 0;
	for (e = a; s[e] != '\0' && !isspace((unsigned char)s[e]) &&
	    !(enclose != 0 && s[e] == enclose && s[e - 1] != '\\'); e++)
		if (s[e] == '@') {
			at = e;
			has_at = 1;
		}
	if (!has_at) {
		redact_emit(r, i, a);
		r->i = a;
		return (1);
	}
	for (colon = a; colon < at && s[colon] != ':'; colon++)
		;
	if (colon < at) {
		redact_emit(r, i, colon + 1);
		redact_emit_secret(r, colon + 1, at);
	} else if (redis) {
		redact_emit(r, i, a);
		redact_emit_secret(r, a, at);
	} else
		redact_emit(r, i, at);
	r->i = at;
	return (1);
}

/* Is position i inside a q-quoted string opened earlier on its line? */
static int
redact_inside_quote(const char *s, size_t i, char q)
{
	size_t	p = i, n = 0;

	while (p > 0 && s[p - 1] != '\n')
		p--;
	for (; p < i; p++)
		if (s[p] == '\\' && p + 1 < i)
			p++;
		else if (s[p] == q)
			n++;
	return (n % 2 == 1);
}

/*
 * key=value where the key is secret: a libpq conninfo pair (blanks around
 * '=', value quoted or bare with backslash escapes) or, after '?' or '&', a
 * URI query parameter (value up to '&' or a blank).
 */
static int
redact_scan_keyword(struct rscan *r)
{
	const char	*s = r->s;
	size_t		 i = r->i, j = i, k, v;
	int		 query;
	char		 q;

	while (redact_is_word(s[j]))
		j++;
	if (!redact_key_secret_n(s + i, j - i))
		return (0);
	query = (i > 0 && (s[i - 1] == '?' || s[i - 1] == '&'));
	k = j;
	if (!query)
		while (redact_is_blank(s[k]))
			k++;
	if (s[k] != '=' || s[k + 1] == '=')
		return (0);
	k++;
	if (query) {
		for (v = k; s[v] != '\0' && s[v] != '&' &&
		    !isspace((unsigned char)s[v]); v++)
			;
		redact_emit(r, i, k);
		redact_emit_secret(r, k, v);
		r->i = v;
		return (1);
	}
	while (redact_is_blank(s[k]))
		k++;
	redact_emit(r, i, k);
	if (s[k] == '\'' || s[k] == '"') {
		q = s[k];
		v = redact_quoted_end(s, k + 1, q, 0);
		redact_emit(r, k, k + 1);
		redact_emit_secret(r, k + 1, v);
		r->i = v;	/* the closing quote is copied as text */
		return (1);
	}
	for (v = k; s[v] != '\0' && !isspace((unsigned char)s[v]); v++)
		if (s[v] == '\\' && s[v + 1] != '\0')
			v++;
	/* "host=x password=pw": the quote closes an earlier one; keep it. */
	if (v > k + 1 && (s[v - 1] == '"' || s[v - 1] == '\'') &&
	    redact_inside_quote(s, i, s[v - 1]))
		v--;
	redact_emit_secret(r, k, v);
	r->i = v;
	return (1);
}

/* SQL: PASSWORD 'secret' / PASSWORD E'secret' (CREATE/ALTER ROLE). */
static int
redact_scan_sql(struct rscan *r)
{
	const char	*s = r->s;
	size_t		 i = r->i, k = i + 8, v;

	if (strncasecmp(s + i, "password", 8) != 0 || !redact_is_blank(s[k]))
		return (0);
	while (redact_is_blank(s[k]))
		k++;
	if ((s[k] == 'E' || s[k] == 'e') && s[k + 1] == '\'')
		k++;
	if (s[k] != '\'')
		return (0);
	v = redact_quoted_end(s, k + 1, '\'', 0);
	redact_emit(r, i, k + 1);
	redact_emit_secret(r, k + 1, v);
	r->i = v;
	return (1);
}

/* JSON-ish "password": "secret" (or single quotes); the quotes stay. */
static int
redact_scan_json(struct rscan *r)
{
	const char	*s = r->s;
	size_t		 i = r->i, j = i + 1, k, v;
	char		 q = s[i], vq;

	while (redact_is_word(s[j]) || s[j] == '-' || s[j] == '.')
		j++;
	if (s[j] != q || !redact_key_secret_n(s + i + 1, j - i - 1))
		return (0);
	k = j + 1;
	while (redact_is_blank(s[k]))
		k++;
	if (s[k] != ':')
		return (0);
	k++;
	while (redact_is_blank(s[k]))
		k++;
	if (s[k] == '"' || s[k] == '\'') {
		vq = s[k];
		for (v = k + 1; s[v] != '\0' && s[v] != vq; v++)
			if (s[v] == '\\' && s[v + 1] != '\0')
				v++;
		redact_emit(r, i, k + 1);
		redact_emit_secret(r, k + 1, v);
		r->i = v;
		return (1);
	}
	for (v = k; s[v] != '\0' && s[v] != ',' && s[v] != '}' &&
	    s[v] != ']' && !isspace((unsigned char)s[v]); v++)
		;
	redact_emit(r, i, k);
	if ((v - k == 4 && (strncmp(s + k, "null", 4) == 0 ||
	    strncmp(s + k, "true", 4) == 0)) ||
	    (v - k == 5 && strncmp(s + k, "false", 5) == 0))
		redact_emit(r, k, v);
	else
		redact_emit_secret(r, k, v);
	r->i = v;
	return (1);
}

/*
 * Split Redis arguments from p to the end of the line (or to the closing
 * quote encl of a quoted command). Stores up to max tokens and returns
 * their number, or max + 1 when there are more.
 */
static size_t
redact_rtok_split(const char *s, size_t p, char encl, struct rtok *t,
    size_t max)
{
	size_t	n = 0, start, end, after;
	char	q;

	for (;;) {
		while (redact_is_blank(s[p]))
			p++;
		if (s[p] == '\0' || s[p] == '\n' || s[p] == '\r' ||
		    (encl != 0 && s[p] == encl))
			break;
		if (s[p] == '"' || s[p] == '\'') {
			q = s[p];
			start = p + 1;
			end = redact_quoted_end(s, start, q, 1);
			after = (s[end] == q) ? end + 1 : end;
		} else {
			q = 0;
			start = p;
			for (end = p; s[end] != '\0' &&
			    !isspace((unsigned char)s[end]) &&
			    !(encl != 0 && s[end] == encl); end++)
				;
			after = end;
		}
		if (n == max)
			return (n + 1);	/* callers need no exact count */
		t[n].start = start;
		t[n].end = end;
		t[n].quote = q;
		n++;
		p = after;
	}
	return (n);
}

/* Case-insensitive: is token t exactly word? */
static int
redact_rtok_is(const char *s, const struct rtok *t, const char *word)
{
	size_t	n = strlen(word);

	return (t->end - t->start == n &&
	    strncasecmp(s + t->start, word, n) == 0);
}

/* Register token t's content to be masked when the scan reaches it. */
static void
redact_rtok_mask(struct rscan *r, const struct rtok *t)
{
	size_t	k, at;

	if (t->end <= t->start)
		return;
	for (k = r->mpos; k < r->nmasks; k++)
		if (t->start < r->masks[k].end && r->masks[k].start < t->end)
			return;		/* already covered */
	if (r->nmasks == r->capmasks) {
		r->capmasks = r->capmasks ? r->capmasks * 2 : 8;
		r->masks = xreallocarray(r->masks, r->capmasks,
		    sizeof(*r->masks));
	}
	for (at = r->nmasks; at > r->mpos && r->masks[at - 1].start > t->start;
	    at--)
		r->masks[at] = r->masks[at - 1];
	r->masks[at].start = t->start;
	r->masks[at].end = t->end;
	r->nmasks++;
}

/* Is there nothing but blanks (or a "...>" prompt) between line start and i? */
static int
redact_at_command_start(const char *s, size_t i)
{
	size_t	p = i;

	while (p > 0 && redact_is_blank(s[p - 1]))
		p--;
	return (p == 0 || s[p - 1] == '\n' || s[p - 1] == '\r' ||
	    s[p - 1] == '>');
}

/* Redis commands whose arguments can hold a secret. */
enum redact_rcmd {
	RC_NONE,
	RC_AUTH,	/* AUTH [user] pass */
	RC_CONFPASS,	/* requirepass pass / masterauth pass (redis.conf) */
	RC_HELLO,	/* HELLO 3 AUTH user pass */
	RC_CONFIG,	/* CONFIG SET requirepass pass */
	RC_ACL,		/* ACL SETUSER name >pass */
	RC_MIGRATE,	/* MIGRATE ... AUTH pass | AUTH2 user pass */
};

/* Which command the n-byte word p names. */
static enum redact_rcmd
redact_rcmd_of(const char *p, size_t n)
{
	static const struct {
		const char		*name;
		enum redact_rcmd	 cmd;
	} names[] = {
		{ "auth", RC_AUTH }, { "requirepass", RC_CONFPASS },
		{ "masterauth", RC_CONFPASS }, { "hello", RC_HELLO },
		{ "config", RC_CONFIG }, { "acl", RC_ACL },
		{ "migrate", RC_MIGRATE },
	};
	size_t	k;

	for (k = 0; k < sizeof(names) / sizeof(names[0]); k++)
		if (strlen(names[k].name) == n &&
		    strncasecmp(p, names[k].name, n) == 0)
			return (names[k].cmd);
	return (RC_NONE);
}

/*
 * Redis command lines. At s[r->i] is a word, or a quote followed by a word
 * and the same quote (the "AUTH" "pw" form of MONITOR and redis-cli). The
 * secret arguments are registered as masks; nothing is consumed, so the
 * other arguments still go through the other scanners. Returns 0.
 */
static int
redact_scan_redis(struct rscan *r)
{
	const char		*s = r->s;
	struct rtok		 t[REDACT_MAXTOK];
	enum redact_rcmd	 cmd;
	size_t			 i = r->i, w = i, we, after, n, m, k;
	char			 encl = 0, kq = 0;
	int			 cmdpos, upper = 1;

	if (s[i] == '"' || s[i] == '\'') {
		kq = s[i];
		w = i + 1;
	}
	for (we = w; redact_is_word(s[we]); we++)
		if (islower((unsigned char)s[we]))
			upper = 0;
	if ((cmd = redact_rcmd_of(s + w, we - w)) == RC_NONE)
		return (0);
	if (kq != 0) {
		if (s[we] != kq)
			return (0);
		after = we + 1;
		cmdpos = 1;
	} else {
		if (!redact_is_blank(s[we]))
			return (0);
		after = we;
		if (i > 0 && (s[i - 1] == '"' || s[i - 1] == '\''))
			encl = s[i - 1];
		cmdpos = (encl != 0 || redact_at_command_start(s, i));
	}
	n = redact_rtok_split(s, after, encl, t, REDACT_MAXTOK);
	m = n < REDACT_MAXTOK ? n : REDACT_MAXTOK;
	/* "AUTH" quoted is argv style (MONITOR): all arguments are quoted. */
	for (k = 0; kq != 0 && k < m; k++)
		if (t[k].quote == 0)
			return (0);
	switch (cmd) {
	case RC_AUTH:
	case RC_CONFPASS:
		/* A bare command: one argument (two for AUTH user pass). */
		if (!(cmdpos || upper) || n == 0 ||
		    n > (cmd == RC_AUTH ? 2u : 1u))
			return (0);
		redact_rtok_mask(r, &t[n - 1]);
		break;
	case RC_HELLO:
		for (k = 1; k + 2 < m; k++)
			if (redact_rtok_is(s, &t[k], "auth")) {
				redact_rtok_mask(r, &t[k + 2]);
				k += 2;
			}
		break;
	case RC_CONFIG:
		if (m < 3 || !redact_rtok_is(s, &t[0], "set"))
			return (0);
		for (k = 1; k + 1 < m; k += 2)
			if (redact_rtok_is(s, &t[k], "requirepass") ||
			    redact_rtok_is(s, &t[k], "masterauth"))
				redact_rtok_mask(r, &t[k + 1]);
		break;
	case RC_ACL:
		if (m < 3 || !redact_rtok_is(s, &t[0], "setuser"))
			return (0);
		/* >pass, <pass, #hash, !hash: mask what follows the sigil. */
		for (k = 2; k < m; k++)
			if (t[k].end > t[k].start &&
			    strchr("<>#!", s[t[k].start]) != NULL) {
				t[k].start++;
				redact_rtok_mask(r, &t[k]);
			}
		break;
	case RC_MIGRATE:
		for (k = 5; k < m; k++) {
			if (redact_rtok_is(s, &t[k], "auth") && k + 1 < m) {
				redact_rtok_mask(r, &t[k + 1]);
				k++;
			} else if (redact_rtok_is(s, &t[k], "auth2") &&
			    k + 2 < m) {
				redact_rtok_mask(r, &t[k + 2]);
				k += 2;
			}
		}
		break;
	case RC_NONE:
		break;
	}
	return (0);
}

/* Scan r->s to the end, filling r->out (if any) and counting secrets. */
static void
redact_scan(struct rscan *r)
{
	const char	*s = r->s;
	size_t		 j;
	char		 c;

	while ((c = s[r->i]) != '\0') {
		while (r->mpos < r->nmasks && r->masks[r->mpos].end <= r->i)
			r->mpos++;
		if (r->mpos < r->nmasks && r->masks[r->mpos].start <= r->i) {
			redact_emit_secret(r, r->i, r->masks[r->mpos].end);
			r->i = r->masks[r->mpos++].end;
			continue;
		}
		if (redact_is_word(c) &&
		    (r->i == 0 || !redact_is_word(s[r->i - 1]))) {
			if (redact_scan_uri(r) || redact_scan_redis(r) ||
			    redact_scan_keyword(r) || redact_scan_sql(r))
				continue;
			for (j = r->i; redact_is_word(s[j]); j++)
				;
			redact_emit(r, r->i, j);
			r->i = j;
			continue;
		}
		if ((c == '"' || c == '\'') &&
		    (redact_scan_json(r) || redact_scan_redis(r)))
			continue;
		redact_emit(r, r->i, r->i + 1);
		r->i++;
	}
	free(r->masks);
	r->masks = NULL;
}

char *
redact_text(const char *s)
{
	struct rscan	r = { 0 };
	struct buf	b;

	if (s == NULL)
		return (NULL);
	buf_init(&b);
	r.s = s;
	r.out = &b;
	redact_scan(&r);
	return (redact_detach(&b));
}

bool
redact_has_secret(const char *s)
{
	struct rscan	r = { 0 };

	if (s == NULL)
		return (false);
	r.s = s;
	r.out = NULL;
	redact_scan(&r);
	return (r.found > 0);
}

/* Value of keyword kw in a parsed conninfo, or NULL when unset or empty. */
static const char *
redact_opt(const PQconninfoOption *opts, const char *kw)
{
	for (; opts->keyword != NULL; opts++)
		if (strcmp(opts->keyword, kw) == 0)
			return (opts->val != NULL && opts->val[0] != '\0' ?
			    opts->val : NULL);
	return (NULL);
}

/* Item idx of a comma-separated list (one item applies to all), or NULL. */
static char *
redact_list_item(const char *list, size_t idx)
{
	const char	*p = list, *e;
	size_t		 k;

	if (list == NULL)
		return (NULL);
	if (strchr(list, ',') == NULL)
		return (xstrdup(list));
	for (k = 0; k < idx; k++) {
		if ((p = strchr(p, ',')) == NULL)
			return (NULL);
		p++;
	}
	e = strchr(p, ',');
	return (e != NULL ? xstrndup(p, (size_t)(e - p)) : xstrdup(p));
}

/* Append "host:port" for one host of the list, redacted. */
static void
redact_put_host(struct buf *b, const char *host, const char *port)
{
	char	*h = redact_text(host), *pt = redact_text(port);

	if (h == NULL || h[0] == '\0')
		buf_puts(b, "[local]");
	else if (h[0] == '/' || h[0] == '@')
		buf_printf(b, "[local:%s]", h);
	else if (strchr(h, ':') != NULL)
		buf_printf(b, "[%s]", h);	/* IPv6 literal */
	else
		buf_puts(b, h);
	buf_printf(b, ":%s", pt != NULL && pt[0] != '\0' ? pt : "5432");
	free(h);
	free(pt);
}

char *
redact_pg_endpoint(const char *conninfo)
{
	PQconninfoOption	*opts;
	struct buf		 b;
	const char		*hosts, *ports, *db, *user, *service;
	char			*h, *p, *v, *errmsg = NULL;
	size_t			 k, nhosts = 1;

	if (conninfo == NULL)
		return (NULL);
	opts = PQconninfoParse(conninfo, &errmsg);
	if (opts == NULL) {
		/* libpq's message may quote the input: never show it. */
		PQfreemem(errmsg);
		return (xstrdup("(unparsable connection string)"));
	}
	hosts = redact_opt(opts, "host");
	if (hosts == NULL)
		hosts = redact_opt(opts, "hostaddr");
	ports = redact_opt(opts, "port");
	db = redact_opt(opts, "dbname");
	user = redact_opt(opts, "user");
	service = redact_opt(opts, "service");
	if (db == NULL)
		db = user;	/* libpq's default database is the user name */
	if (hosts != NULL)
		for (v = strchr(hosts, ','); v != NULL; v = strchr(v + 1, ','))
			nhosts++;
	buf_init(&b);
	for (k = 0; k < nhosts; k++) {
		h = redact_list_item(hosts, k);
		p = redact_list_item(ports, k);
		if (k > 0)
			buf_putc(&b, ',');
		redact_put_host(&b, h, p);
		free(h);
		free(p);
	}
	if (db != NULL) {
		v = redact_text(db);
		buf_printf(&b, "/%s", v);
		free(v);
	}
	if (user != NULL) {
		v = redact_text(user);
		buf_printf(&b, " as %s", v);
		free(v);
	}
	if (service != NULL) {
		v = redact_text(service);
		buf_printf(&b, " (service %s)", v);
		free(v);
	}
	PQconninfoFree(opts);
	return (redact_detach(&b));
}

/* Is keyword kw one whose value libpq treats as a secret? */
static int
redact_pg_secret_kw(const char *kw)
{
	return (strcmp(kw, "password") == 0 || strcmp(kw, "sslpassword") == 0);
}

/*
 * Does cand, parsed by libpq, say exactly what orig says except that every
 * secret set in orig is "***"? Both come from PQconninfoParse, whose option
 * list has the same keywords in the same order for any input.
 */
static int
redact_pg_same(const PQconninfoOption *orig, const char *cand)
{
	PQconninfoOption	*c, *o;
	const char		*a, *b;
	char			*why = NULL;
	int			 same = 1;

	if ((c = PQconninfoParse(cand, &why)) == NULL) {
		PQfreemem(why);
		return (0);
	}
	for (o = c; orig->keyword != NULL; orig++, o++) {
		if (o->keyword == NULL || strcmp(o->keyword, orig->keyword)) {
			same = 0;
			break;
		}
		a = orig->val != NULL ? orig->val : "";
		b = o->val != NULL ? o->val : "";
		if (redact_pg_secret_kw(orig->keyword) ? (*a != '\0' ?
		    strcmp(b, REDACT_MASK) != 0 : *b != '\0') : strcmp(a, b)) {
			same = 0;
			break;
		}
	}
	PQconninfoFree(c);
	return (same);
}

/* Append v as a conninfo value: bare when safe, else quoted with escapes. */
static void
redact_pg_put_value(struct buf *b, const char *v)
{
	const char	*p;
	int		 bare = *v != '\0';

	for (p = v; *p != '\0'; p++)
		if (isspace((unsigned char)*p) || *p == '\'' || *p == '\\' ||
		    (unsigned char)*p < 0x20 || (unsigned char)*p == 0x7f)
			bare = 0;
	if (bare) {
		buf_puts(b, v);
		return;
	}
	buf_putc(b, '\'');
	for (p = v; *p != '\0'; p++) {
		if (*p == '\'' || *p == '\\')
			buf_putc(b, '\\');
		buf_putc(b, *p);
	}
	buf_putc(b, '\'');
}

char *
redact_pg_conninfo(const char *conninfo)
{
	PQconninfoOption	*opts, *o;
	struct buf		 b;
	char			*cand, *why = NULL;

	if (conninfo == NULL)
		return (NULL);
	if ((opts = PQconninfoParse(conninfo, &why)) == NULL) {
		/* libpq's message may quote the input: never show it. */
		PQfreemem(why);
		return (xstrdup("(unparsable connection string)"));
	}
	/* The operator's own text, when libpq reads it as the same target. */
	cand = redact_text(conninfo);
	if (redact_pg_same(opts, cand)) {
		PQconninfoFree(opts);
		return (cand);
	}
	free(cand);
	buf_init(&b);
	for (o = opts; o->keyword != NULL; o++) {
		if (o->val == NULL)
			continue;
		if (b.len > 0)
			buf_putc(&b, ' ');
		buf_printf(&b, "%s=", o->keyword);
		if (redact_pg_secret_kw(o->keyword) && o->val[0] != '\0')
			buf_puts(&b, REDACT_MASK);
		else
			redact_pg_put_value(&b, o->val);
	}
	PQconninfoFree(opts);
	return (redact_detach(&b));
}
