/*
 * fuzz-redact.c - libFuzzer harness for PostgreSQL connection-string
 * redaction (redact.h): redact_pg_conninfo, redact_pg_endpoint and, on the
 * same text, redact_text.
 *
 * Input: byte 0 picks the mode, the rest is the connection string (NUL
 * bytes dropped). Mode 1 puts a marker password first ("password='M...' "
 * + text), mode 2 writes it as a URI ("postgresql://u:M...@" + text), other
 * modes use the text as it is. Properties, for every string libpq's own
 * parser (PQconninfoParse) accepts:
 *   - neither redact_pg_conninfo nor redact_pg_endpoint contains a password
 *     or sslpassword libpq finds (at least 4 bytes long, holding a byte that
 *     no other setting, keyword or URI punctuation has, so that it cannot be
 *     printed as part of something else);
 *   - redact_pg_conninfo parses again (round trip) to the same settings,
 *     every secret read back as "***";
 *   - the marker never shows;
 * and a string libpq refuses gives "(unparsable connection string)".
 */
#include "config.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "buf.h"
#include "fuzz-util.h"
#include "redact.h"
#include "xmem.h"

#define FZ_UNPARSABLE	"(unparsable connection string)"

/* Is kw a keyword whose value is a secret? */
static bool
fz_secret_kw(const char *kw)
{
	return (strcmp(kw, "password") == 0 || strcmp(kw, "sslpassword") == 0);
}

/*
 * Could byte c of a secret be printed by the redactor as something other
 * than the secret? Keywords are lower case, URIs add punctuation and
 * %XX escapes (hex digits), quoting adds quotes and backslashes.
 */
static bool
fz_common_byte(unsigned char c, const PQconninfoOption *opts)
{
	const PQconninfoOption	*o;

	if (islower(c) || isxdigit(c) || strchr("_=' \\*%:/@?&,[]()-.#+",
	    c) != NULL)
		return (true);
	for (o = opts; o->keyword != NULL; o++)
		if (!fz_secret_kw(o->keyword) && o->val != NULL &&
		    strchr(o->val, c) != NULL)
			return (true);
	return (false);
}

/* Is secret v distinctive enough to be looked for in the outputs? */
static bool
fz_distinctive(const char *v, const PQconninfoOption *opts)
{
	const unsigned char	*p;

	if (strlen(v) < 4)
		return (false);
	for (p = (const unsigned char *)v; *p != '\0'; p++)
		if (!fz_common_byte(*p, opts))
			return (true);
	return (false);
}

/* How many times needle occurs in hay, without overlaps. */
static size_t
fz_count(const char *hay, const char *needle)
{
	size_t	 n = 0, len = strlen(needle);

	while ((hay = strstr(hay, needle)) != NULL) {
		n++;
		hay += len;
	}
	return (n);
}

/*
 * Check that out shows no secret of opts. The secret's text may also be
 * part of another value in the input (an overridden host=, say), which
 * out shows rightly: what must be gone is the occurrence that was the
 * secret's own value, so out holds it fewer times than the input did.
 */
static void
fz_no_secret(const char *what, const char *in, const char *out,
    const PQconninfoOption *opts)
{
	const PQconninfoOption	*o;

	for (o = opts; o->keyword != NULL; o++)
		if (fz_secret_kw(o->keyword) && o->val != NULL &&
		    fz_distinctive(o->val, opts) && fuzz_has(out, o->val) &&
		    fz_count(out, o->val) >= fz_count(in, o->val))
			fuzz_fail(what, out);
}

/* redact_pg_conninfo's output must mean the same settings, secrets ***. */
static void
fz_roundtrip(const char *out, const PQconninfoOption *opts)
{
	PQconninfoOption	*r, *o;
	const char		*a, *b;
	char			*why = NULL;

	if ((r = PQconninfoParse(out, &why)) == NULL) {
		PQfreemem(why);
		fuzz_fail("redact_pg_conninfo output does not parse", out);
	}
	for (o = r; opts->keyword != NULL; opts++, o++) {
		if (o->keyword == NULL || strcmp(o->keyword, opts->keyword))
			fuzz_fail("option lists differ", out);
		a = opts->val != NULL ? opts->val : "";
		b = o->val != NULL ? o->val : "";
		if (fz_secret_kw(o->keyword) ? (*a != '\0' &&
		    strcmp(b, "***") != 0) || (*a == '\0' && *b != '\0') :
		    strcmp(a, b) != 0)
			fuzz_fail("redacted conninfo means other settings",
			    out);
	}
	PQconninfoFree(r);
}

/* The text with 0x01 and "%01" taken out (only the marker may hold them). */
static void
fz_clean(struct buf *b, const char *s)
{
	for (; *s != '\0'; s++) {
		if (*s == '\001')
			continue;
		if (s[0] == '%' && s[1] == '0' && s[2] == '1') {
			buf_puts(b, "%02");
			s += 2;
			continue;
		}
		buf_putc(b, *s);
	}
}

/* libFuzzer entry point: one input, every property above. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	PQconninfoOption	*opts;
	struct buf		 b;
	char			*s, *why = NULL, *out, *ep, *txt;
	bool			 marked;

	if (size < 1)
		return (0);
	s = fuzz_cstr(data + 1, size - 1);
	buf_init(&b);
	marked = (data[0] & 3) == 1 || (data[0] & 3) == 2;
	if ((data[0] & 3) == 1)
		buf_puts(&b, "password='" FUZZ_MARK "x' ");
	else if ((data[0] & 3) == 2)
		buf_puts(&b, "postgresql://u:" FUZZ_MARK_ENC "x@");
	if (marked)
		fz_clean(&b, s);
	else
		buf_puts(&b, s);
	out = redact_pg_conninfo(b.data);
	ep = redact_pg_endpoint(b.data);
	txt = redact_text(b.data);
	if ((opts = PQconninfoParse(b.data, &why)) == NULL) {
		PQfreemem(why);
		if (strcmp(out, FZ_UNPARSABLE) != 0 ||
		    strcmp(ep, FZ_UNPARSABLE) != 0)
			fuzz_fail("an unparsable string was shown", out);
	} else {
		fz_no_secret("redact_pg_conninfo shows a password", b.data,
		    out, opts);
		fz_no_secret("redact_pg_endpoint shows a password", b.data,
		    ep, opts);
		fz_roundtrip(out, opts);
		PQconninfoFree(opts);
	}
	if (marked && (fuzz_has_mark(out) || fuzz_has_mark(ep)))
		fuzz_fail("the marker password shows", out);
	free(txt);
	free(ep);
	free(out);
	buf_done(&b);
	free(s);
	return (0);
}
