/*
 * fuzz-rdsuri.c - libFuzzer harness for the Redis location parser and its
 * two printers (rdsuri.h).
 *
 * Input: byte 0 picks the mode, the rest up to the first '\n' is password
 * material and what follows is the rest of the URI (host, port, path,
 * query). Properties:
 *   - marker modes: a URI whose password is FUZZ_MARK + fuzz bytes,
 *     percent-encoded, in the user info ("user:P@", ":P@", "P@") or the
 *     query (?password=P), parses back to exactly that password, and
 *     neither the parse error, rdsuri_redact nor rdsuri_echo contains the
 *     marker raw or percent-encoded;
 *   - every accepted location: rdsuri_redact prints one printable line that
 *     parses again to the same host, port, path, user and db, with the
 *     password (when there is one) read back as "***";
 *   - cluster mode (byte 0 & 0x20): "redis+cluster://ops:P@" + fuzz seeds
 *     never shows the marker in a parse error, and a parsed one has 1 to
 *     RDSURI_MAX_SEEDS seeds and an AUTH form carrying exactly P.
 */
#include "config.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "err.h"
#include "fuzz-util.h"
#include "rdsuri.h"
#include "xmem.h"

/* NULL-safe string equality. */
static bool
fz_same(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return (a == b);
	return (strcmp(a, b) == 0);
}

/* Check that redact(u) parses back to u with the password masked. */
static void
fz_roundtrip(const struct rdsuri *u)
{
	struct rdsuri	 v;
	struct mc_err	 err = { 0 };
	char		*r = rdsuri_redact(u);
	const char	*p;

	for (p = r; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || (unsigned char)*p > 0x7e)
			fuzz_fail("rdsuri_redact printed a non-printable byte",
			    r);
	if (rdsuri_parse(r, &v, &err) == -1)
		fuzz_fail("rdsuri_redact output does not parse", r);
	if (!fz_same(u->host, v.host) || u->port != v.port ||
	    !fz_same(u->path, v.path) || !fz_same(u->user, v.user) ||
	    u->db != v.db)
		fuzz_fail("parse(redact(u)) differs from u", r);
	if ((u->password == NULL) != (v.password == NULL) ||
	    (v.password != NULL && strcmp(v.password, "***") != 0))
		fuzz_fail("parse(redact(u)) has another password than ***", r);
	rdsuri_done(&v);
	free(r);
}

/* Append s percent-encoded except RFC 3986 unreserved bytes. */
static void
fz_enc(struct buf *b, const char *s)
{
	const unsigned char	*p;

	for (p = (const unsigned char *)s; *p != '\0'; p++)
		if (isalnum(*p) || *p == '-' || *p == '.' || *p == '_' ||
		    *p == '~')
			buf_putc(b, *p);
		else
			buf_printf(b, "%%%02X", *p);
}

/*
 * The rest of the URI from fuzz text: no '@' (it would move the end of
 * the user info), no 0x01 and no "%01" (only the password holds the
 * marker), no '?' when qmark is false (a lone "P@" would turn into a user
 * name with ?password=, as redis-py reads it).
 */
static void
fz_tail(struct buf *b, const char *s, bool qmark)
{
	for (; *s != '\0'; s++) {
		if (*s == '@' || *s == '\001' || (!qmark && *s == '?'))
			continue;
		if (s[0] == '%' && s[1] == '0' && s[2] == '1') {
			buf_puts(b, "%02");
			s += 2;
			continue;
		}
		buf_putc(b, *s);
	}
}

/* Build a URI holding the marker password, check what shows it. */
static void
fz_marker(unsigned mode, const char *pwbytes, const char *rest)
{
	struct buf	 b;
	struct rdsuri	 u;
	struct mc_err	 err = { 0 };
	char		*pw = xasprintf("%s%s", FUZZ_MARK, pwbytes), *out;
	int		 form = mode & 3;

	buf_init(&b);
	buf_puts(&b, (mode & 4) ? "unix://" : (mode & 8) ? "REDIS://" :
	    "redis://");
	if (form == 0)
		buf_puts(&b, "ops:");
	else if (form == 1)
		buf_putc(&b, ':');
	if (form != 3) {
		fz_enc(&b, pw);
		buf_putc(&b, '@');
	}
	fz_tail(&b, rest, form != 2);
	if (form == 3) {
		buf_puts(&b, memchr(b.data, '?', b.len) ? "&password=" :
		    "?password=");
		fz_enc(&b, pw);
	}
	if (rdsuri_parse(b.data, &u, &err) == 0) {
		if (u.password == NULL || strcmp(u.password, pw) != 0)
			fuzz_fail("the password parsed is not the one written",
			    b.data);
		out = rdsuri_redact(&u);
		if (fuzz_has_mark(out))
			fuzz_fail("rdsuri_redact shows the password", out);
		free(out);
		fz_roundtrip(&u);
		rdsuri_done(&u);
	} else if (fuzz_has_mark(err.msg))
		fuzz_fail("the parse error shows the password", err.msg);
	out = rdsuri_echo(b.data);
	if (fuzz_has_mark(out))
		fuzz_fail("rdsuri_echo shows the password", out);
	free(out);
	free(pw);
	buf_done(&b);
}

/*
 * A redis+cluster:// target holding the marker password before fuzz seeds:
 * a parse error never shows it, and a parsed one hands the same password
 * on in its redis:// AUTH form.
 */
static void
fz_cluster(const char *pwbytes, const char *seeds)
{
	struct buf		 b;
	struct rdsuri_cluster	 c;
	struct rdsuri		 u;
	struct mc_err		 err = { 0 };
	char			*pw = xasprintf("%s%s", FUZZ_MARK, pwbytes);

	buf_init(&b);
	buf_puts(&b, "redis+cluster://ops:");
	fz_enc(&b, pw);
	buf_putc(&b, '@');
	fz_tail(&b, seeds, false);
	if (rdsuri_cluster_parse(b.data, &c, &err) == 0) {
		if (c.nseeds < 1 || c.nseeds > RDSURI_MAX_SEEDS)
			fuzz_fail("a cluster parse with no or too many seeds",
			    b.data);
		if (rdsuri_parse(c.auth_uri, &u, &err) != 0)
			fuzz_fail("the cluster's AUTH form does not parse",
			    b.data);
		else {
			if (u.password == NULL || strcmp(u.password, pw) != 0)
				fuzz_fail("the cluster's AUTH form lost the "
				    "password", b.data);
			rdsuri_done(&u);
		}
		rdsuri_cluster_done(&c);
	} else if (fuzz_has_mark(err.msg))
		fuzz_fail("the cluster parse error shows the password",
		    err.msg);
	free(pw);
	buf_done(&b);
}

/* libFuzzer entry point: one input, every property above. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rdsuri	 u;
	struct mc_err	 err = { 0 };
	char		*s, *nl, *out;
	unsigned	 mode;

	if (size < 1)
		return (0);
	mode = data[0];
	s = fuzz_cstr(data + 1, size - 1);
	if (mode & 0x20) {
		if ((nl = strchr(s, '\n')) != NULL)
			*nl++ = '\0';
		fz_cluster(s, nl != NULL ? nl : "127.0.0.1:7000,[::1]:7001");
	} else if (mode & 0x10) {
		/* the whole text as a location: round trip, echo */
		if (rdsuri_parse(s, &u, &err) == 0) {
			fz_roundtrip(&u);
			rdsuri_done(&u);
		}
		out = rdsuri_echo(s);
		free(out);
	} else {
		if ((nl = strchr(s, '\n')) != NULL)
			*nl++ = '\0';
		fz_marker(mode, s, nl != NULL ? nl : "cache1:6379/0");
	}
	free(s);
	return (0);
}
