/*
 * esc.h - the one place where text from outside (Redis keys and values,
 * INFO fields, query texts, application names, error messages) is made
 * safe for a terminal: control characters, invalid UTF-8 and characters
 * that reorder or hide text are shown as escapes, so data can never move
 * the cursor, clear the screen or change the terminal.
 *
 * The escaped forms: "\n", "\r", "\t"; other C0 controls and DEL as
 * "\x1b", "\x7f"; a byte that is not valid UTF-8 as "\xff"; C1 controls,
 * bidirectional overrides, zero-width and line/paragraph separators as
 * "\u009b", "\u202e". A backslash is kept as it is (readable paths and
 * regular expressions); use --raw or --json when bytes must be exact.
 */
#ifndef MCPDB_ESC_H
#define MCPDB_ESC_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"

/* esc_append flags. */
/* Escape every byte above 0x7f (a terminal that is not UTF-8). */
#define ESC_ASCII	0x01
/* Also escape what the locale calls unprintable (iswprint, wcwidth < 0). */
#define ESC_LOCALE	0x02

/*
 * Append s[0..n) (may hold NUL bytes) to b with every unsafe character
 * escaped as described above. Pure; thread-safe (ESC_LOCALE reads the
 * locale).
 */
void	esc_append(struct buf *, const char *s, size_t n, unsigned flags);
/* s[0..n) escaped into a new string (flags as esc_append). Caller frees. */
char	*esc_string(const char *s, size_t n, unsigned flags);
/* True when esc_append would copy s[0..n) unchanged. */
bool	esc_is_clean(const char *s, size_t n, unsigned flags);

#endif
