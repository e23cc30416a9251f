/*
 * esc.c - escaping untrusted text for terminals (see esc.h). Used by the
 * command printers (out.c) and by every TUI text and table draw (draw.c),
 * so the CLI and the TUI show the same escapes.
 *
 * Model: decode UTF-8 by hand (locale-independent, so a script's "C"
 * locale still passes valid UTF-8 through), and decide per code point:
 * printable characters are copied as they were written, everything else
 * gets a visible escape.
 */
#include "config.h"

#include "esc.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <wchar.h>
#include <wctype.h>

#include "xmem.h"

/*
 * Decode one UTF-8 character at s (n > 0 bytes left): returns its length
 * and sets *cp, or returns 0 when the bytes are not valid UTF-8 (overlong
 * forms, surrogates and code points above U+10FFFF are invalid).
 */
static size_t
esc_utf8(const unsigned char *s, size_t n, uint32_t *cp)
{
	size_t		len, i;
	uint32_t	c, min;

	if (s[0] < 0x80) {
		*cp = s[0];
		return (1);
	}
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		len = 2;
		c = s[0] & 0x1f;
		min = 0x80;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		len = 3;
		c = s[0] & 0x0f;
		min = 0x800;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		len = 4;
		c = s[0] & 0x07;
		min = 0x10000;
	} else
		return (0);
	if (n < len)
		return (0);
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return (0);
		c = (c << 6) | (s[i] & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return (0);
	*cp = c;
	return (len);
}

/* True for a code point that must not reach a terminal as it is. */
static bool
esc_unsafe(uint32_t c, unsigned flags)
{
	if (c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0))
		return (true);
	if ((c >= 0x200b && c <= 0x200f) || (c >= 0x2028 && c <= 0x202e) ||
	    (c >= 0x2066 && c <= 0x2069) || c == 0xfeff)
		return (true);	/* zero width, separators, bidi */
	if ((flags & ESC_LOCALE) && c >= 0x80 &&
	    (!iswprint((wint_t)c) || wcwidth((wchar_t)c) < 0))
		return (true);
	return (false);
}

/* Append the escape for code point c. */
static void
esc_put(struct buf *b, uint32_t c)
{
	switch (c) {
	case '\n':
		buf_puts(b, "\\n");
		return;
	case '\r':
		buf_puts(b, "\\r");
		return;
	case '\t':
		buf_puts(b, "\\t");
		return;
	}
	if (c < 0x80)
		buf_printf(b, "\\x%02x", (unsigned)c);
	else
		buf_printf(b, "\\u%04x", (unsigned)c);
}

void
esc_append(struct buf *b, const char *s, size_t n, unsigned flags)
{
	const unsigned char	*p = (const unsigned char *)s, *end = p + n;
	const unsigned char	*run = p;	/* copied from here */
	uint32_t		 c;
	size_t			 len;

	while (p < end) {
		if (*p >= 0x20 && *p < 0x7f) {
			p++;
			continue;
		}
		if (*p >= 0x80 && (flags & ESC_ASCII))
			len = 0;
		else
			len = esc_utf8(p, (size_t)(end - p), &c);
		if (len > 0 && !esc_unsafe(c, flags)) {
			p += len;
			continue;
		}
		buf_append(b, run, (size_t)(p - run));
		if (len == 0) {
			buf_printf(b, "\\x%02x", (unsigned)*p);
			p++;
		} else {
			esc_put(b, c);
			p += len;
		}
		run = p;
	}
	buf_append(b, run, (size_t)(p - run));
}

char *
esc_string(const char *s, size_t n, unsigned flags)
{
	struct buf	b;
	char		*r;

	buf_init(&b);
	esc_append(&b, s, n, flags);
	r = buf_detach(&b);
	buf_done(&b);
	return (r);
}

bool
esc_is_clean(const char *s, size_t n, unsigned flags)
{
	const unsigned char	*p = (const unsigned char *)s, *end = p + n;
	uint32_t		 c;
	size_t			 len;

	while (p < end) {
		if (*p >= 0x20 && *p < 0x7f) {
			p++;
			continue;
		}
		if (*p >= 0x80 && (flags & ESC_ASCII))
			return (false);
		if ((len = esc_utf8(p, (size_t)(end - p), &c)) == 0 ||
		    esc_unsafe(c, flags))
			return (false);
		p += len;
	}
	return (true);
}
