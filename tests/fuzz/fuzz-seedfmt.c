/*
 * fuzz-seedfmt.c - libFuzzer harness for the seed formats (seedfmt.h): the
 * seed.json manifest, CSV records, NDJSON/JSON scanning, UTF-8 checking,
 * COPY escaping and the record reader.
 *
 * Input: byte 0 picks the mode, the rest is file text. Properties:
 *   - manifest: a parsed manifest has files, each with a schema, a table
 *     and a file name that is neither ".." nor
 *     holds a '/', and an error names the path;
 *   - CSV: the fields of a record, written back as CSV (quoted fields
 *     quoted, quotes doubled), split into the same fields again;
 *   - JSON: a valid object's members are valid values lying inside it, in
 *     order; seedfmt_utf8_check agrees with a reference UTF-8 decoder;
 *   - COPY escaping leaves no raw tab, CR or LF and unescapes to the input;
 *   - reader: on_bytes sees exactly the file, record line numbers grow and
 *     NDJSON records hold no newline.
 */
#include "config.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "err.h"
#include "fuzz-util.h"
#include "seedfmt.h"
#include "xmem.h"

#define FZ_MANIFEST	"seeds/x/seed.json"

/* Manifest parse: shape of a success, location of an error. */
static void
fz_manifest(const char *text, size_t len)
{
	struct seedfmt_manifest	*m;
	struct mc_err		 err = { 0 };
	size_t			 i;
	const char		*f;

	if ((m = seedfmt_manifest_parse(FZ_MANIFEST, text, len, &err)) ==
	    NULL) {
		if (strncmp(err.msg, FZ_MANIFEST, strlen(FZ_MANIFEST)) != 0)
			fuzz_fail("a manifest error does not name the file",
			    err.msg);
		return;
	}
	/* "name" is optional: a set is named by its directory. */
	if (m->nfiles == 0)
		fuzz_fail("a manifest without files parsed", NULL);
	for (i = 0; i < m->nfiles; i++) {
		f = m->files[i].file;
		if (f == NULL || *f == '\0' || strchr(f, '/') != NULL ||
		    strcmp(f, "..") == 0 || strcmp(f, ".") == 0)
			fuzz_fail("a manifest file name leaves the set", f);
		if (m->files[i].schema == NULL || *m->files[i].schema == '\0' ||
		    m->files[i].table == NULL || *m->files[i].table == '\0')
			fuzz_fail("a manifest file without schema.table", f);
	}
	seedfmt_manifest_free(m);
}

/* Split, write back, split again: the same fields. */
static void
fz_csv(const char *rec, size_t len)
{
	struct buf		 scratch, scratch2, why, back;
	struct seedfmt_field	*f = NULL, *g = NULL;
	size_t			 cap = 0, cap2 = 0, j;
	int			 n, m, i;

	buf_init(&scratch);
	buf_init(&scratch2);
	buf_init(&why);
	buf_init(&back);
	if ((n = seedfmt_csv_split(rec, len, &scratch, &f, &cap, &why)) < 0)
		goto out;
	for (i = 0; i < n; i++) {
		if (i > 0)
			buf_putc(&back, ',');
		if (!f[i].quoted) {
			buf_append(&back, f[i].p, f[i].len);
			continue;
		}
		buf_putc(&back, '"');
		for (j = 0; j < f[i].len; j++) {
			if (f[i].p[j] == '"')
				buf_putc(&back, '"');
			buf_putc(&back, f[i].p[j]);
		}
		buf_putc(&back, '"');
	}
	buf_reset(&why);
	m = seedfmt_csv_split(back.data != NULL ? back.data : "", back.len,
	    &scratch2, &g, &cap2, &why);
	if (m != n)
		fuzz_fail("CSV written back splits into another field count",
		    back.data);
	for (i = 0; i < n; i++)
		if (g[i].len != f[i].len || g[i].quoted != f[i].quoted ||
		    memcmp(g[i].p, f[i].p, f[i].len) != 0)
			fuzz_fail("CSV written back splits into other fields",
			    back.data);
out:
	free(f);
	free(g);
	buf_done(&scratch);
	buf_done(&scratch2);
	buf_done(&why);
	buf_done(&back);
}

/* State for the member walk. */
struct fz_walk {
	const char	*s;
	size_t		 n;
	const char	*last;
};

/* One member: inside the text, after the previous one, a valid value. */
static void
fz_member(void *arg, const char *key, size_t keylen, const char *val,
    size_t vallen)
{
	struct fz_walk	*w = arg;

	if (key < w->last || val < key + keylen || val + vallen > w->s + w->n)
		fuzz_fail("an object member lies outside its object", NULL);
	if (!seedfmt_json_valid(val, vallen))
		fuzz_fail("an object member's value is not valid JSON", NULL);
	w->last = val + vallen;
}

/* Reference UTF-8 check (RFC 3629): offset of the first bad byte. */
static size_t
fz_utf8_ref(const unsigned char *s, size_t n)
{
	size_t		i = 0, k, need;
	unsigned	cp, min;

	while (i < n) {
		if (s[i] < 0x80) {
			i++;
			continue;
		}
		if ((s[i] & 0xE0) == 0xC0) {
			need = 1, cp = s[i] & 0x1F, min = 0x80;
		} else if ((s[i] & 0xF0) == 0xE0) {
			need = 2, cp = s[i] & 0x0F, min = 0x800;
		} else if ((s[i] & 0xF8) == 0xF0) {
			need = 3, cp = s[i] & 0x07, min = 0x10000;
		} else
			return (i);
		for (k = 1; k <= need; k++) {
			if (i + k >= n || (s[i + k] & 0xC0) != 0x80)
				return (i);
			cp = (cp << 6) | (s[i + k] & 0x3F);
		}
		if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
			return (i);
		i += need + 1;
	}
	return (n);
}

/* JSON scanning, UTF-8 and COPY escaping on the same text. */
static void
fz_json(const char *s, size_t n)
{
	struct fz_walk	 w = { s, n, s };
	struct buf	 b;
	size_t		 i, o;
	char		 c;

	if (seedfmt_json_valid(s, n)) {
		for (i = 0; i < n && strchr(" \t\r\n", s[i]) != NULL; i++)
			;
		if (i < n && s[i] == '{' &&
		    seedfmt_object_members(s, n, fz_member, &w) != 0)
			fuzz_fail("a valid object is refused by "
			    "seedfmt_object_members", NULL);
	}
	if (seedfmt_utf8_check(s, n) != fz_utf8_ref((const unsigned char *)s,
	    n))
		fuzz_fail("seedfmt_utf8_check disagrees with RFC 3629", NULL);
	buf_init(&b);
	seedfmt_copy_escape(&b, s, n);
	for (i = 0, o = 0; i < b.len; i++, o++) {
		c = b.data[i];
		if (c == '\t' || c == '\n' || c == '\r')
			fuzz_fail("COPY escaping left a raw tab, CR or LF",
			    NULL);
		if (c == '\\') {
			if (++i >= b.len)
				fuzz_fail("COPY escaping ends in a backslash",
				    NULL);
			c = b.data[i] == 'n' ? '\n' : b.data[i] == 'r' ? '\r' :
			    b.data[i] == 't' ? '\t' : b.data[i];
		}
		if (o >= n || s[o] != c)
			fuzz_fail("COPY escaping does not give back its input",
			    NULL);
	}
	if (o != n)
		fuzz_fail("COPY escaping lost bytes", NULL);
	buf_done(&b);
}

/* Collects the bytes the reader reports. */
static void
fz_on_bytes(void *arg, const void *p, size_t n)
{
	buf_append(arg, p, n);
}

/* Read the text as a file of records. */
static void
fz_reader(const char *s, size_t n, enum seedfmt_format fmt)
{
	char			*path = xasprintf("%s/data", fuzz_tmpdir());
	struct seedfmt_reader	*r;
	struct mc_err		 err = { 0 };
	struct buf		 seen;
	const char		*rec;
	size_t			 len;
	long			 line, prev = 0;
	int			 fd, rc;

	fuzz_write(path, s, n);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		fuzz_fail("cannot open the scratch file", path);
	buf_init(&seen);
	r = seedfmt_reader_new(fd, fmt, fz_on_bytes, &seen);
	while ((rc = seedfmt_reader_next(r, &rec, &len, &line, &err)) == 1) {
		if (line <= prev)
			fuzz_fail("record line numbers do not grow", NULL);
		if (len > SEEDFMT_MAX_LINE)
			fuzz_fail("a record longer than the limit", NULL);
		if (fmt == SEEDFMT_NDJSON && memchr(rec, '\n', len) != NULL)
			fuzz_fail("an NDJSON record holds a newline", NULL);
		prev = line;
	}
	if (rc == 0 && (seen.len != n || memcmp(seen.data, s, n) != 0))
		fuzz_fail("on_bytes did not see exactly the file", NULL);
	seedfmt_reader_free(r);
	close(fd);
	buf_done(&seen);
	free(path);
}

/* libFuzzer entry point: one input, every property above. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char	*s = (const char *)data + 1;
	size_t		 n = size - 1;

	if (size < 1)
		return (0);
	switch (data[0] % 5) {
	case 0:
		fz_manifest(s, n);
		break;
	case 1:
		fz_csv(s, n);
		break;
	case 2:
		fz_json(s, n);
		break;
	case 3:
		fz_reader(s, n, SEEDFMT_CSV);
		break;
	case 4:
		fz_reader(s, n, SEEDFMT_NDJSON);
		break;
	}
	return (0);
}
