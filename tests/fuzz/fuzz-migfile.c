/*
 * fuzz-migfile.c - libFuzzer harness for migration file scanning
 * (migfile.h): mig_normalise, mig_split, mig_script_parse, mig_position,
 * mig_diff and migset_load on a scratch directory.
 *
 * Input: byte 0 picks the mode, the rest is file text. Properties:
 *   - statements found by mig_split (and by mig_script_parse) lie inside
 *     the text, are non-empty, ordered and disjoint, start on a non-blank
 *     byte, carry the line and column of their first byte, and every one but
 *     the last ends with ';'; mig_position maps into the statement's lines;
 *   - mig_normalise is idempotent (a text it left starting with a BOM
 *     aside), ends in exactly one '\n' unless empty, and the script's
 *     checksum is the SHA-256 of the normalised text;
 *   - mig_diff(a, b) is NULL exactly when a equals b;
 *   - migset_load (mode 3: the text split at NUL bytes into "name\nbody"
 *     files) fails with a problem list, or returns versions in strictly
 *     increasing order, each with both halves read.
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "fuzz-util.h"
#include "migfile.h"
#include "xmem.h"

/* Reference line/column (characters) of byte off of s. */
static void
fz_linecol(const char *s, size_t off, int *line, int *col)
{
	size_t	i;

	*line = 1;
	*col = 1;
	for (i = 0; i < off; i++)
		if (s[i] == '\n') {
			(*line)++;
			*col = 1;
		} else if (((unsigned char)s[i] & 0xc0) != 0x80)
			(*col)++;
}

/* Check the statement spans of sql[0..len). */
static void
fz_check_stmts(const char *sql, size_t len, const struct mig_stmt *st,
    size_t n)
{
	size_t	i, end = 0;
	int	line, col, pl, pc;

	for (i = 0; i < n; i++) {
		if (st[i].len == 0 || st[i].off < end || st[i].off > len ||
		    st[i].len > len - st[i].off)
			fuzz_fail("a statement span is empty, out of the text "
			    "or out of order", NULL);
		if (isspace((unsigned char)sql[st[i].off]))
			fuzz_fail("a statement starts on a blank", NULL);
		fz_linecol(sql, st[i].off, &line, &col);
		if (line != st[i].line || col != st[i].col)
			fuzz_fail("a statement's line:col is not its "
			    "first byte's", NULL);
		if (i + 1 < n && sql[st[i].off + st[i].len - 1] != ';')
			fuzz_fail("a statement before the last does not end "
			    "with ';'", NULL);
		mig_position(sql, &st[i], (int)(st[i].len % 7), &pl, &pc);
		if (pl < st[i].line || pc < 1)
			fuzz_fail("mig_position maps before the statement",
			    NULL);
		end = st[i].off + st[i].len;
	}
}

/* Normal form properties and mig_split on it. */
static void
fz_text(const char *raw, size_t len)
{
	char		*a, *b;
	size_t		 na, nb, n;
	struct mig_stmt	*st = NULL;
	struct mc_err	 err = { 0 };

	a = mig_normalise(raw, len, &na);
	if (na > 0 && (a[na - 1] != '\n' || (na > 1 && a[na - 2] == '\n')))
		fuzz_fail("normal form does not end in one newline", NULL);
	if (memchr(a, '\r', na) != NULL)
		fuzz_fail("normal form holds a CR", NULL);
	b = mig_normalise(a, na, &nb);
	if ((na < 3 || memcmp(a, "\xef\xbb\xbf", 3) != 0) &&
	    (na != nb || memcmp(a, b, na) != 0))
		fuzz_fail("mig_normalise is not idempotent", NULL);
	free(b);
	if (memchr(a, '\0', na) == NULL &&
	    mig_split("f.sql", a, na, &st, &n, &err) == 0) {
		fz_check_stmts(a, na, st, n);
		free(st);
	}
	free(a);
}

/* mig_script_parse: checksum, text and statements. */
static void
fz_script(const char *raw, size_t len)
{
	struct mig_script	 sc;
	struct mc_err		 err = { 0 };
	char			 sum[MIG_SUM_LEN + 1];
	char			*norm;
	size_t			 nlen;

	memset(&sc, 0, sizeof(sc));
	if (mig_script_parse(&sc, "0001_x.up.sql", raw, len, &err) == 0) {
		norm = mig_normalise(raw, len, &nlen);
		mig_sha256_hex(norm, nlen, sum);
		if (nlen != sc.len || memcmp(norm, sc.sql, nlen) != 0 ||
		    strcmp(sum, sc.sum) != 0)
			fuzz_fail("script text or checksum is not the normal "
			    "form's", NULL);
		if (sc.nstmts == 0)
			fuzz_fail("a parsed script has no statement", NULL);
		fz_check_stmts(sc.sql, sc.len, sc.stmts, sc.nstmts);
		free(norm);
	} else if (strncmp(err.msg, "0001_x.up.sql", 13) != 0)
		fuzz_fail("a script error does not name the file", err.msg);
	mig_script_done(&sc);
}

/* Diff the two halves of the text. */
static void
fz_diff(const char *s)
{
	char	*a = xstrdup(s), *mid = a + strlen(a) / 2, *b, *d;

	b = xstrdup(mid);
	*mid = '\0';
	d = mig_diff(a, b, "a", "b");
	if ((d == NULL) != (strcmp(a, b) == 0))
		fuzz_fail("mig_diff is NULL when the texts differ or the "
		    "reverse", NULL);
	free(d);
	d = mig_diff(a, a, "a", "a");
	if (d != NULL)
		fuzz_fail("mig_diff of a text with itself is not NULL", d);
	free(a);
	free(b);
}

/* Files "name\nbody" separated by NUL bytes, then migset_load. */
static void
fz_set(const uint8_t *data, size_t size)
{
	const char	*dir = fuzz_tmpdir(), *p = (const char *)data;
	const char	*end = p + size, *z, *nl;
	char		*name, *path, *problems = NULL;
	struct mig_set	*set;
	struct mc_err	 err = { 0 };
	size_t		 i, nfiles = 0;

	fuzz_clear_dir(dir);
	for (; p < end && nfiles < 8; p = z + 1, nfiles++) {
		if ((z = memchr(p, '\0', (size_t)(end - p))) == NULL)
			z = end;
		if ((nl = memchr(p, '\n', (size_t)(z - p))) == NULL)
			nl = z;
		name = xstrndup(p, (size_t)(nl - p));
		if (*name == '\0' || strchr(name, '/') != NULL ||
		    strlen(name) > 64 || strcmp(name, ".") == 0 ||
		    strcmp(name, "..") == 0) {
			free(name);
			continue;
		}
		path = xasprintf("%s/%s", dir, name);
		fuzz_write(path, nl < z ? nl + 1 : nl,
		    nl < z ? (size_t)(z - nl - 1) : 0);
		free(path);
		free(name);
	}
	set = migset_load(dir, 0, &problems, &err);
	if (set == NULL) {
		if (err.msg[0] == '\0')
			fuzz_fail("migset_load failed without a message", NULL);
	} else {
		for (i = 0; i < set->n; i++) {
			if (i > 0 && set->files[i].version <=
			    set->files[i - 1].version)
				fuzz_fail("versions not strictly increasing",
				    NULL);
			if (set->files[i].up.sql == NULL ||
			    set->files[i].down.sql == NULL)
				fuzz_fail("a migration lacks a half", NULL);
		}
		migset_free(set);
	}
	free(problems);
}

/* libFuzzer entry point: one input, every property above. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	*s;

	if (size < 1)
		return (0);
	switch (data[0] & 3) {
	case 0:
		fz_text((const char *)data + 1, size - 1);
		break;
	case 1:
		fz_script((const char *)data + 1, size - 1);
		break;
	case 2:
		s = fuzz_cstr(data + 1, size - 1);
		fz_diff(s);
		free(s);
		break;
	case 3:
		fz_set(data + 1, size - 1);
		break;
	}
	return (0);
}
