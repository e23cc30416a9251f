/* t-esc.c - escaping untrusted text for terminals, and the printers that use it. */
#include "config.h"

#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "esc.h"
#include "out.h"
#include "tap.h"
#include "xmem.h"

/* esc_string of n bytes with flags, compared with want. */
static void
esc_is(const char *s, size_t n, unsigned flags, const char *want, const char *what)
{
	char	*e = esc_string(s, n, flags);

	is_str(e, want, "%s", what);
	free(e);
}

/* What a FILE-sink out prints for one table and one value; raw as given. Caller frees. */
static char *
printed(bool raw, const char *cell, const char *val, size_t vlen)
{
	char		*text = NULL;
	size_t		 len = 0;
	FILE		*fp = open_memstream(&text, &len);
	struct out	*o = out_new_file(fp, false, false);
	struct table	*t = table_new("t\x1b]0;title\x07", 2, "k\x1b", "v");

	out_set_raw(o, raw);
	table_add(t, "a", cell);
	out_table(o, t);
	out_value(o, val, vlen);
	out_free(o);
	table_free(t);
	fclose(fp);
	return (text);
}

int
main(void)
{
	char		*s, *big;
	size_t		 i;

	plan(27);

	/* the escapes, locale-independent (a script's "C" locale) */
	esc_is("plain text", 10, 0, "plain text", "plain text is kept");
	esc_is("a\x1b[2Jb", 6, 0, "a\\x1b[2Jb", "ESC shown as \\x1b: no screen clear");
	esc_is("l1\nl2\r\tx", 8, 0, "l1\\nl2\\r\\tx", "newline, CR and tab as C escapes");
	esc_is("nul\0x", 5, 0, "nul\\x00x", "a NUL byte inside a value is shown");
	esc_is("\x7f", 1, 0, "\\x7f", "DEL escaped");
	esc_is("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", 14, 0,
	    "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", "valid UTF-8 kept (2, 3 and 4 bytes)");
	esc_is("\xc2\x9b" "31m", 5, 0, "\\u009b31m", "C1 CSI (U+009B) escaped");
	esc_is("\xe2\x80\xae" "evil", 7, 0, "\\u202eevil", "bidi override escaped");
	esc_is("a\xe2\x80\x8b" "b", 5, 0, "a\\u200bb", "zero-width space escaped");
	esc_is("\xff\xfe", 2, 0, "\\xff\\xfe", "invalid bytes as \\xNN");
	esc_is("\xc0\xaf", 2, 0, "\\xc0\\xaf", "overlong form is invalid");
	esc_is("\xed\xa0\x80", 3, 0, "\\xed\\xa0\\x80", "UTF-16 surrogate is invalid");
	esc_is("\xe2\x82", 2, 0, "\\xe2\\x82", "truncated sequence at the end");
	esc_is("caf\xc3\xa9", 5, ESC_ASCII, "caf\\xc3\\xa9", "ESC_ASCII escapes every byte above 0x7f");
	esc_is("back\\slash", 10, 0, "back\\slash", "a backslash is kept");
	s = esc_string("x\x1b", 2, 0);
	esc_is(s, strlen(s), 0, s, "escaping is idempotent");
	free(s);
	ok(esc_is_clean("ok \xc3\xa9", 5, 0), "clean text is clean");
	ok(!esc_is_clean("\x1b", 1, 0), "ESC is not clean");
	ok(!esc_is_clean("\xc3\xa9", 2, ESC_ASCII), "UTF-8 is not clean for ASCII");

	/* the printers: tables and values escaped unless --raw */
	s = printed(false, "x\x1b[2Jy", "v\x1b[31m\n", 8);
	like(s, "x\\x1b[2Jy", "table cell escaped");
	like(s, "k\\x1b", "table header escaped");
	like(s, "t\\x1b]0;title\\x07", "table title escaped (no OSC title change)");
	like(s, "v\\x1b[31m\\n", "value escaped, newline included");
	ok(strchr(s, '\x1b') == NULL, "no ESC byte reaches the terminal");
	free(s);
	s = printed(true, "x\x1b[2Jy", "v\x1b[31m\n", 8);
	like(s, "x\x1b[2Jy", "--raw: cell as received");
	like(s, "v\x1b[31m\n", "--raw: value as received");
	free(s);

	/* a big value is escaped in slices without splitting UTF-8 */
	big = xmalloc(200003);
	for (i = 0; i + 2 <= 200000; i += 2)
		memcpy(big + i, "\xc3\xa9", 2);
	memcpy(big + 200000, "\x1b!", 3);
	s = printed(false, "", big, 200002);
	{
		const char	*p = strstr(s, "(1 row)\n");

		ok(p != NULL && strncmp(p + 8, big, 200000) == 0 &&
		    strcmp(p + 8 + 200000, "\\x1b!") == 0,
		    "200 kB of UTF-8 over slice boundaries kept whole, ESC escaped");
	}
	free(s);
	free(big);
	return (done_testing());
}
