/* rdsuri.c - parse, print redacted and echo Redis locations (see rdsuri.h). */
/*
 * Model: RFC 3986 splitting, as redis-py's urlparse does it: the authority
 * ends at the first '/', '?' or '#'; the last '@' in it ends the user info;
 * the first ':' of the user info ends the user name. Each part is then
 * checked and percent-decoded on its own. Output (rdsuri_redact) is built
 * from the parsed parts only, never by editing the input text, so what is
 * hidden is exactly what the client would send as the password.
 */
#include "config.h"

#include "rdsuri.h"

#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "xmem.h"

#define RDSURI_MASK	"***"

/* Which setting a query parameter or the path gave, to refuse doubles. */
#define RDSURI_SET_USER	0x01
#define RDSURI_SET_PASS	0x02
#define RDSURI_SET_DB	0x04
#define RDSURI_SET_LONE	0x08	/* password from a lone user info */

/* Value of one hex digit, or -1. */
static int
rdsuri_hex(char c)
{
	if (c >= '0' && c <= '9')
		return (c - '0');
	if (c >= 'a' && c <= 'f')
		return (c - 'a' + 10);
	if (c >= 'A' && c <= 'F')
		return (c - 'A' + 10);
	return (-1);
}

/*
 * Decode %XX escapes (and '+' as a space when plus) of s[0..n). NULL on a
 * bad escape or an escaped NUL (it could not be sent). Caller frees.
 */
static char *
rdsuri_decode(const char *s, size_t n, bool plus)
{
	char	*out = xmalloc(n + 1), *o = out;
	size_t	 i;
	int	 hi, lo;

	for (i = 0; i < n; i++) {
		if (plus && s[i] == '+') {
			*o++ = ' ';
			continue;
		}
		if (s[i] != '%') {
			*o++ = s[i];
			continue;
		}
		if (i + 2 >= n || (hi = rdsuri_hex(s[i + 1])) < 0 ||
		    (lo = rdsuri_hex(s[i + 2])) < 0 || (hi | lo) == 0)
			goto bad;
		*o++ = (char)(hi * 16 + lo);
		i += 2;
	}
	*o = '\0';
	return (out);
bad:
	explicit_bzero(out, n + 1);
	free(out);
	return (NULL);
}

/* Parse decimal digits s[0..n) into [min, max]; false when not. */
static bool
rdsuri_uint(const char *s, size_t n, long min, long max, int *out)
{
	long	v = 0;
	size_t	i;

	if (n == 0 || n > 10)
		return (false);
	for (i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return (false);
		v = v * 10 + (s[i] - '0');
	}
	if (v < min || v > max)
		return (false);
	*out = (int)v;
	return (true);
}

/* Free the parts of u and zero it. */
void
rdsuri_done(struct rdsuri *u)
{
	if (u == NULL)
		return;
	if (u->password != NULL) {
		explicit_bzero(u->password, strlen(u->password));
		free(u->password);
	}
	free(u->host);
	free(u->path);
	free(u->user);
	memset(u, 0, sizeof(*u));
}

/* Fail with a reason that quotes nothing of the input. Returns -1. */
static int
rdsuri_fail(struct mc_err *err, const char *why)
{
	return (mc_err_set(err, MC_E_CONFIG, "%s", why));
}

/* Replace *dst with v (wiping a password it held when secret). */
static void
rdsuri_set(char **dst, char *v, bool secret)
{
	if (*dst != NULL && secret)
		explicit_bzero(*dst, strlen(*dst));
	free(*dst);
	*dst = v;
}

/* "[user]:password" or "password" (redis-cli) of s[0..n). */
static int
rdsuri_userinfo(const char *s, size_t n, struct rdsuri *u, struct mc_err *err)
{
	const char	*colon = memchr(s, ':', n);
	char		*v;

	if (colon == NULL) {
		/* redis-cli -u "redis://secret@host": it is the password */
		if ((v = rdsuri_decode(s, n, false)) == NULL)
			return (rdsuri_fail(err,
			    "invalid %-escape in the password"));
		rdsuri_set(&u->password, v, true);
	} else {
		if (colon > s) {
			v = rdsuri_decode(s, (size_t)(colon - s), false);
			if (v == NULL)
				return (rdsuri_fail(err,
				    "invalid %-escape in the user name"));
			rdsuri_set(&u->user, v, false);
		}
		v = rdsuri_decode(colon + 1, n - (size_t)(colon - s) - 1,
		    false);
		if (v == NULL)
			return (rdsuri_fail(err,
			    "invalid %-escape in the password"));
		rdsuri_set(&u->password, v, true);
	}
	/* "redis://:@host" and "redis://@host": nothing to send */
	if (u->user == NULL && u->password != NULL && u->password[0] == '\0')
		rdsuri_set(&u->password, NULL, true);
	return (0);
}

/* "host[:port]" or "[v6][:port]" of s[0..n) into u. */
static int
rdsuri_hostport(const char *s, size_t n, struct rdsuri *u, struct mc_err *err)
{
	const char	*e = s + n, *h, *rest, *p;
	size_t		 hl;

	if (n > 0 && s[0] == '[') {
		if ((p = memchr(s, ']', n)) == NULL)
			return (rdsuri_fail(err, "unclosed '[' in the host"));
		h = s + 1;
		hl = (size_t)(p - h);
		rest = p + 1;
		for (p = h; p < h + hl; p++)
			if (!isxdigit((unsigned char)*p) && *p != ':' &&
			    *p != '.')
				return (rdsuri_fail(err,
				    "invalid IPv6 address"));
		if (hl > 0 && memchr(h, ':', hl) == NULL)
			return (rdsuri_fail(err, "invalid IPv6 address"));
	} else {
		for (p = s; p < e && *p != ':'; p++)
			if (!isalnum((unsigned char)*p) && *p != '.' &&
			    *p != '-' && *p != '_')
				return (rdsuri_fail(err,
				    "invalid character in the host name "
				    "(a password needs user:password@ before "
				    "the host, with '/', '?', '#' written "
				    "%2F, %3F, %23)"));
		h = s;
		hl = (size_t)(p - s);
		rest = p;
	}
	if (hl == 0)
		return (rdsuri_fail(err, "missing host"));
	if (rest < e) {
		if (*rest != ':')
			return (rdsuri_fail(err,
			    "unexpected text after the host"));
		if (!rdsuri_uint(rest + 1, (size_t)(e - rest - 1), 1, 65535,
		    &u->port))
			return (rdsuri_fail(err,
			    "the port must be a number 1..65535"));
	}
	u->host = xstrndup(h, hl);
	return (0);
}

/* The "?db=N&username=U&password=P" query q[0..n); set tells what is set. */
static int
rdsuri_query(const char *q, size_t n, struct rdsuri *u, unsigned *set,
    struct mc_err *err)
{
	const char	*p = q, *e = q + n, *amp, *eq;
	char		*v;
	size_t		 kl;
	unsigned	 bit;

	for (; p < e; p = amp + 1) {
		if ((amp = memchr(p, '&', (size_t)(e - p))) == NULL)
			amp = e;
		if (amp == p)
			continue;
		if ((eq = memchr(p, '=', (size_t)(amp - p))) == NULL)
			return (rdsuri_fail(err,
			    "a query parameter without '=' (use db=N, "
			    "username=U or password=P)"));
		kl = (size_t)(eq - p);
		if (kl == 2 && strncmp(p, "db", 2) == 0)
			bit = RDSURI_SET_DB;
		else if (kl == 8 && strncmp(p, "username", 8) == 0)
			bit = RDSURI_SET_USER;
		else if (kl == 8 && strncmp(p, "password", 8) == 0)
			bit = RDSURI_SET_PASS;
		else
			return (rdsuri_fail(err,
			    "unknown query parameter (use db=N, username=U or "
			    "password=P; timeouts go in redis_options)"));
		if (bit == RDSURI_SET_PASS && (*set & RDSURI_SET_LONE) &&
		    u->user == NULL && !(*set & RDSURI_SET_USER)) {
			/* redis-py: unix://user@/path?password=P */
			u->user = u->password;
			u->password = NULL;
			*set = (*set & ~(RDSURI_SET_PASS | RDSURI_SET_LONE)) |
			    RDSURI_SET_USER;
		}
		if (*set & bit)
			return (rdsuri_fail(err, bit == RDSURI_SET_DB ?
			    "the database is given twice (path and ?db=)" :
			    bit == RDSURI_SET_USER ?
			    "the user name is given twice" :
			    "the password is given twice"));
		*set |= bit;
		if (bit == RDSURI_SET_DB) {
			if (!rdsuri_uint(eq + 1, (size_t)(amp - eq - 1), 0,
			    INT_MAX, &u->db))
				return (rdsuri_fail(err,
				    "the database must be a number >= 0"));
			continue;
		}
		v = rdsuri_decode(eq + 1, (size_t)(amp - eq - 1), true);
		if (v == NULL)
			return (rdsuri_fail(err, bit == RDSURI_SET_USER ?
			    "invalid %-escape in the user name" :
			    "invalid %-escape in the password"));
		if (bit == RDSURI_SET_USER && *v == '\0') {
			free(v);
			v = NULL;
		}
		if (bit == RDSURI_SET_USER)
			rdsuri_set(&u->user, v, false);
		else
			rdsuri_set(&u->password, v, true);
	}
	if (u->user != NULL && u->password == NULL)
		return (rdsuri_fail(err,
		    "a user name needs a password (user:password@)"));
	return (0);
}

/* Which settings the user info gave (for the doubles check). */
static unsigned
rdsuri_set_bits(const struct rdsuri *u)
{
	return ((u->user != NULL ? RDSURI_SET_USER : 0) |
	    (u->password != NULL ? RDSURI_SET_PASS : 0));
}

/*
 * The part after "redis://", "rediss://" or "unix://": authority, path,
 * query. unix says the authority must have no host and the path is the
 * socket.
 */
static int
rdsuri_hier(const char *s, bool unix_, struct rdsuri *u, struct mc_err *err)
{
	const char	*auth_end, *at = NULL, *p, *path_end, *q = NULL;
	unsigned	 set;

	if (strchr(s, '#') != NULL)
		return (rdsuri_fail(err,
		    "a '#' is not allowed (write it %23 in a password)"));
	auth_end = s + strcspn(s, "/?");
	for (p = s; p < auth_end; p++)
		if (*p == '@')
			at = p;
	if (at != NULL && rdsuri_userinfo(s, (size_t)(at - s), u, err) == -1)
		return (-1);
	set = rdsuri_set_bits(u);
	if (at != NULL && memchr(s, ':', (size_t)(at - s)) == NULL &&
	    u->password != NULL)
		set |= RDSURI_SET_LONE;
	p = at != NULL ? at + 1 : s;
	path_end = auth_end + strcspn(auth_end, "?");
	if (*path_end == '?')
		q = path_end + 1;
	/*
	 * An '@' past the authority is most likely a password with a raw '/'
	 * or '?' in it; say so rather than reading its pieces as a host.
	 */
	if (strchr(auth_end, '@') != NULL && (at == NULL || *path_end != '?' ||
	    memchr(auth_end, '@', (size_t)(path_end - auth_end)) != NULL))
		return (rdsuri_fail(err,
		    "an '@' after the host (write '/', '?' and '#' in a "
		    "password as %2F, %3F, %23, and '@' in a query as %40)"));
	if (unix_) {
		if (p != auth_end || path_end - auth_end < 2)
			return (rdsuri_fail(err,
			    "unix:// needs an absolute socket path "
			    "(unix:///run/redis.sock)"));
		u->path = rdsuri_decode(auth_end, (size_t)(path_end -
		    auth_end), false);
		if (u->path == NULL)
			return (rdsuri_fail(err,
			    "invalid %-escape in the socket path"));
		u->port = 0;
	} else {
		if (rdsuri_hostport(p, (size_t)(auth_end - p), u, err) == -1)
			return (-1);
		if (path_end - auth_end > 1) {
			if (!rdsuri_uint(auth_end + 1, (size_t)(path_end -
			    auth_end - 1), 0, INT_MAX, &u->db))
				return (rdsuri_fail(err,
				    "the database must be a number >= 0"));
			set |= RDSURI_SET_DB;
		}
	}
	if (q == NULL) {
		if (u->user != NULL && u->password == NULL)
			return (rdsuri_fail(err,
			    "a user name needs a password (user:password@)"));
		return (0);
	}
	return (rdsuri_query(q, strlen(q), u, &set, err));
}

int
rdsuri_parse(const char *s, struct rdsuri *u, struct mc_err *err)
{
	static const char usable[] = "expected a redis://, rediss:// or "
	    "unix:// URI or an absolute unix socket path";
	const char	*p;
	size_t		 n;
	int		 rc;

	memset(u, 0, sizeof(*u));
	u->port = 6379;
	if (s == NULL || *s == '\0')
		return (rdsuri_fail(err, usable));
	if (s[0] == '/') {
		if (s[1] == '\0')
			return (rdsuri_fail(err,
			    "\"/\" is not a unix socket path"));
		u->path = xstrdup(s);
		u->port = 0;
		return (0);
	}
	for (p = s; isalnum((unsigned char)*p) || *p == '+' || *p == '-' ||
	    *p == '.'; p++)
		;
	n = (size_t)(p - s);
	if (n == 0 || !isalpha((unsigned char)s[0]) || strncmp(p, "://", 3))
		rc = rdsuri_fail(err, strchr(s, '/') != NULL ||
		    (strlen(s) > 5 && strcmp(s + strlen(s) - 5, ".sock") == 0) ?
		    "a unix socket path must be absolute" : usable);
	else if (n == 5 && strncasecmp(s, "redis", 5) == 0)
		rc = rdsuri_hier(p + 3, false, u, err);
	else if (n == 6 && strncasecmp(s, "rediss", 6) == 0) {
		u->tls = true;
		rc = rdsuri_hier(p + 3, false, u, err);
	} else if (n == 4 && strncasecmp(s, "unix", 4) == 0)
		rc = rdsuri_hier(p + 3, true, u, err);
	else
		rc = rdsuri_fail(err, "unsupported URI scheme (use redis://, "
		    "rediss://, unix:// or an absolute unix socket path)");
	if (rc == -1)
		rdsuri_done(u);
	return (rc);
}

/* Append s with all but unreserved bytes (and '/' if keep_slash) as %XX. */
static void
rdsuri_put_enc(struct buf *b, const char *s, bool keep_slash)
{
	const unsigned char	*p;

	for (p = (const unsigned char *)s; *p != '\0'; p++)
		if (isalnum(*p) || *p == '-' || *p == '.' || *p == '_' ||
		    *p == '~' || (keep_slash && *p == '/'))
			buf_putc(b, *p);
		else
			buf_printf(b, "%%%02X", *p);
}

char *
rdsuri_build(bool tls, const char *host, int port, const char *user, const char *password)
{
	struct buf	b;
	bool		v6 = strchr(host, ':') != NULL;

	buf_init(&b);
	buf_printf(&b, "%s://", tls ? "rediss" : "redis");
	if (password != NULL && *password != '\0') {
		if (user != NULL)
			rdsuri_put_enc(&b, user, false);
		buf_putc(&b, ':');
		rdsuri_put_enc(&b, password, false);
		buf_putc(&b, '@');
	}
	buf_printf(&b, "%s%s%s:%d/0", v6 ? "[" : "", host, v6 ? "]" : "", port);
	return (buf_detach(&b));
}

/* True when s is one line of printable ASCII (safe to show as it is). */
static bool
rdsuri_printable(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
			return (false);
	return (true);
}

char *
rdsuri_redact(const struct rdsuri *u)
{
	struct buf	b;
	char		*out;
	bool		 auth = u->user != NULL || u->password != NULL;

	buf_init(&b);
	if (u->path != NULL && !auth && u->db == 0 &&
	    rdsuri_printable(u->path)) {
		buf_puts(&b, u->path);
		goto done;
	}
	buf_puts(&b, u->path != NULL ? "unix://" : u->tls ? "rediss://" :
	    "redis://");
	if (u->user != NULL) {
		rdsuri_put_enc(&b, u->user, false);
		buf_putc(&b, ':');
	}
	if (u->password != NULL)
		buf_puts(&b, RDSURI_MASK);
	if (auth)
		buf_putc(&b, '@');
	if (u->path != NULL) {
		rdsuri_put_enc(&b, u->path, true);
		if (u->db != 0)
			buf_printf(&b, "?db=%d", u->db);
		goto done;
	}
	if (u->host != NULL && strchr(u->host, ':') != NULL)
		buf_printf(&b, "[%s]", u->host);
	else if (u->host != NULL)
		rdsuri_put_enc(&b, u->host, false);
	buf_printf(&b, ":%d/%d", u->port, u->db);
done:
	out = buf_detach(&b);
	buf_done(&b);
	return (out);
}

char *
rdsuri_echo(const char *s)
{
	struct buf	 b;
	const char	*start, *at, *p, *q, *amp;
	char		*out;

	if (s == NULL)
		return (NULL);
	buf_init(&b);
	start = strstr(s, "://");
	start = start != NULL ? start + 3 : s;
	buf_append(&b, s, (size_t)(start - s));
	/*
	 * Whatever could be user info: up to the last '@'. When that '@' is
	 * past the authority, the pieces cannot be told apart: hide them all.
	 */
	if ((at = strrchr(start, '@')) != NULL) {
		buf_puts(&b, RDSURI_MASK);
		if (start != s && at > start + strcspn(start, "/?#"))
			goto done;
		start = at;
	}
	/* a bare socket path has no query */
	if (s[0] == '/' || (q = strchr(start, '?')) == NULL) {
		buf_puts(&b, start);
		goto done;
	}
	buf_append(&b, start, (size_t)(q + 1 - start));
	for (p = q + 1; *p != '\0'; p = amp) {
		amp = p + strcspn(p, "&");
		q = memchr(p, '=', (size_t)(amp - p));
		if (q != NULL && q - p == 2 && strncmp(p, "db", 2) == 0)
			buf_append(&b, p, (size_t)(amp - p));
		else if (q != NULL && memchr(p, '%', (size_t)(q - p)) == NULL) {
			buf_append(&b, p, (size_t)(q + 1 - p));
			buf_puts(&b, RDSURI_MASK);
		} else if (amp > p)
			buf_puts(&b, RDSURI_MASK);
		if (*amp == '&') {
			buf_putc(&b, '&');
			amp++;
		}
	}
done:
	out = buf_detach(&b);
	buf_done(&b);
	return (out);
}

/* --- redis+cluster:// ---------------------------------------------------- */

/* Length of s's cluster scheme and "://" (0: not a cluster target). */
static size_t
rdsuri_cluster_scheme(const char *s)
{
	if (s != NULL && strncasecmp(s, "redis+cluster://", 16) == 0)
		return (16);
	if (s != NULL && strncasecmp(s, "rediss+cluster://", 17) == 0)
		return (17);
	return (0);
}

/* Is s a redis+cluster:// or rediss+cluster:// target? */
bool
rdsuri_cluster_is(const char *s)
{
	return (rdsuri_cluster_scheme(s) != 0);
}

/* Is s a rediss+cluster:// target (every node over TLS)? */
bool
rdsuri_cluster_tls(const char *s)
{
	return (rdsuri_cluster_scheme(s) == 17);
}

/* Parse one "host[:port]" / "[v6][:port]" seed of len bytes into sd. */
static int
rdsuri_seed_parse(const char *s, size_t len, struct rdsuri_seed *sd,
    struct mc_err *err)
{
	const char	*hend, *p, *colon = NULL;
	size_t		 hl, i;
	int		 port = 6379;

	if (len == 0)
		return (mc_err_set(err, MC_E_CONFIG, "redis+cluster://: empty seed "
		    "(expected host:port[,host:port...])"));
	if (s[0] == '[') {
		if ((hend = memchr(s, ']', len)) == NULL)
			return (mc_err_set(err, MC_E_CONFIG, "redis+cluster:// seed "
			    "\"%.*s\": unclosed '['", (int)len, s));
		hl = (size_t)(hend - s - 1);
		p = s + 1;
		if (hend + 1 < s + len) {
			if (hend[1] != ':')
				return (mc_err_set(err, MC_E_CONFIG, "redis+cluster:// "
				    "seed \"%.*s\": expected ':' after ']'", (int)len, s));
			colon = hend + 1;
		}
	} else {
		colon = memchr(s, ':', len);
		hl = colon ? (size_t)(colon - s) : len;
		p = s;
		if (colon && memchr(colon + 1, ':', len - hl - 1) != NULL)
			return (mc_err_set(err, MC_E_CONFIG, "redis+cluster:// seed "
			    "\"%.*s\": an IPv6 address needs brackets ([::1]:7000)",
			    (int)len, s));
	}
	if (hl == 0 || hl >= sizeof(sd->host))
		return (mc_err_set(err, MC_E_CONFIG, "redis+cluster:// seed \"%.*s\": "
		    "%s host", (int)len, s, hl == 0 ? "empty" : "too long a"));
	for (i = 0; i < hl; i++)
		if ((unsigned char)p[i] <= ' ' || strchr("/?#@", p[i]) != NULL)
			return (mc_err_set(err, MC_E_CONFIG, "redis+cluster:// seed "
			    "\"%.*s\": bad character in the host", (int)len, s));
	if (colon != NULL) {
		if (!rdsuri_uint(colon + 1, (size_t)(s + len - colon - 1), 1,
		    65535, &port))
			return (mc_err_set(err, MC_E_CONFIG, "redis+cluster:// seed "
			    "\"%.*s\": port must be 1..65535", (int)len, s));
	}
	memcpy(sd->host, p, hl);
	sd->host[hl] = '\0';
	sd->port = port;
	return (0);
}

/*
 * Does one seed of len bytes at s parse as a redis:// host, as it will be
 * dialled? -1 with err naming the seed (a seed holds no password) if not.
 */
static int
rdsuri_seed_check(const char *s, size_t len, struct mc_err *err)
{
	struct rdsuri	 one;
	char		*uri = xasprintf("redis://%.*s", (int)len, s);
	int		 rc;

	rc = rdsuri_parse(uri, &one, err);
	free(uri);
	if (rc == -1) {
		mc_err_prefix(err, "redis+cluster:// seed \"%.*s\": ", (int)len,
		    s);
		return (-1);
	}
	rdsuri_done(&one);
	return (0);
}

/* Parse a redis+cluster:// target (see rdsuri.h). */
int
rdsuri_cluster_parse(const char *s, struct rdsuri_cluster *u,
    struct mc_err *err)
{
	const char	*p, *at, *end, *comma, *slash;
	struct rdsuri	 one;
	size_t		 n, plen;
	char		 first[300];

	memset(u, 0, sizeof(*u));
	if ((plen = rdsuri_cluster_scheme(s)) == 0)
		return (mc_err_set(err, MC_E_CONFIG, "not a redis+cluster:// or "
		    "rediss+cluster:// URL"));
	u->tls = plen == 17;
	p = s + plen;
	end = p + strlen(p);
	if ((slash = strchr(p, '/')) != NULL) {
		if (strcmp(slash, "/") != 0 && strcmp(slash, "/0") != 0)
			return (mc_err_set(err, MC_E_CONFIG, "redis+cluster://: \"%.40s\" "
			    "after the seeds: a cluster has only database 0 (no /db, no "
			    "?options)", slash));
		end = slash;
	}
	if (memchr(p, '?', (size_t)(end - p)) != NULL)
		return (mc_err_set(err, MC_E_CONFIG, "redis+cluster://: no ?options "
		    "are supported"));
	/* The user info ends at the last '@' before the seeds (a password may hold '@' only %-escaped). */
	at = NULL;
	for (comma = p; comma < end; comma++)
		if (*comma == '@')
			at = comma;
	u->seeds = xcalloc(RDSURI_MAX_SEEDS, sizeof(*u->seeds));
	for (p = at ? at + 1 : p; ; p = comma + 1) {
		if ((comma = memchr(p, ',', (size_t)(end - p))) == NULL)
			comma = end;
		if (u->nseeds == RDSURI_MAX_SEEDS) {
			mc_err_set(err, MC_E_CONFIG, "redis+cluster://: more than %d seeds",
			    RDSURI_MAX_SEEDS);
			goto fail;
		}
		if (rdsuri_seed_parse(p, (size_t)(comma - p), &u->seeds[u->nseeds],
		    err) == -1 ||
		    rdsuri_seed_check(p, (size_t)(comma - p), err) == -1)
			goto fail;
		u->nseeds++;
		if (comma == end)
			break;
	}
	n = at ? (size_t)(at - (s + plen)) : 0;
	snprintf(first, sizeof(first), strchr(u->seeds[0].host, ':') ?
	    "[%s]:%d" : "%s:%d", u->seeds[0].host, u->seeds[0].port);
	u->auth_uri = xasprintf("%s://%.*s%s%s", u->tls ? "rediss" : "redis",
	    (int)n, s + plen, at ? "@" : "", first);
	/* What is dialled is parsed by rdsuri_parse: refuse here what it would. */
	if (rdsuri_parse(u->auth_uri, &one, err) == -1) {
		mc_err_prefix(err, "redis+cluster:// user info: ");
		goto fail;
	}
	rdsuri_done(&one);
	return (0);
fail:
	rdsuri_cluster_done(u);
	return (-1);
}

/* Free a parsed cluster URI. */
void
rdsuri_cluster_done(struct rdsuri_cluster *u)
{
	free(u->auth_uri);
	free(u->seeds);
	memset(u, 0, sizeof(*u));
}
