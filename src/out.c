/*
 * out.c - command output: aligned tables and text for terminals, one JSON
 * document per command for scripts. The sink is a FILE or a line callback,
 * so the same handlers print to a terminal and into the TUI console.
 */
#include "config.h"

#include "out.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "buf.h"
#include "esc.h"
#include "xmem.h"

#define OUT_SLICE	65536		/* bytes of a value escaped at a time */

struct out {
	FILE	*fp;
	void	(*line_cb)(void *, const char *);
	void	*line_arg;
	bool	 json;
	bool	 color;
	bool	 raw;		/* --raw: values as received, unescaped */
	bool	 doc_done;		/* one document per command */
	char	*paint;			/* last out_paint result */
	struct buf pending;		/* partial line for the callback sink */
	volatile sig_atomic_t *stop;	/* streaming: set on EPIPE */
};

struct table *
table_new_cols(const char *title, size_t ncols, const char *const *names)
{
	struct table	*t = xcalloc(1, sizeof(*t));
	size_t		 i;

	t->title = xstrdup(title);
	t->ncols = ncols;
	t->cols = xcalloc(ncols + 1, sizeof(char *));
	for (i = 0; i < ncols; i++)
		t->cols[i] = xstrdup(names[i] ? names[i] : "");
	return (t);
}

struct table *
table_new(const char *title, size_t ncols, ...)
{
	const char	**names = xcalloc(ncols + 1, sizeof(char *));
	struct table	 *t;
	va_list		  ap;
	size_t		  i;

	va_start(ap, ncols);
	for (i = 0; i < ncols; i++)
		names[i] = va_arg(ap, const char *);
	va_end(ap);
	t = table_new_cols(title, ncols, names);
	free(names);
	return (t);
}

void
table_add_row(struct table *t, const char *const *vals)
{
	size_t	i;

	if (t->nrows == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 16;
		t->cells = xreallocarray(t->cells, t->cap * (t->ncols ? t->ncols : 1),
		    sizeof(char *));
	}
	for (i = 0; i < t->ncols; i++)
		t->cells[t->nrows * t->ncols + i] = xstrdup(vals[i]);
	t->nrows++;
}

void
table_add(struct table *t, ...)
{
	const char	**vals = xcalloc(t->ncols + 1, sizeof(char *));
	va_list		  ap;
	size_t		  i;

	va_start(ap, t);
	for (i = 0; i < t->ncols; i++)
		vals[i] = va_arg(ap, const char *);
	va_end(ap);
	table_add_row(t, vals);
	free(vals);
}

const char *
table_cell(const struct table *t, size_t row, size_t col)
{
	if (row >= t->nrows || col >= t->ncols)
		return (NULL);
	return (t->cells[row * t->ncols + col]);
}

void
table_free(struct table *t)
{
	size_t	i;

	if (t == NULL)
		return;
	for (i = 0; i < t->nrows * t->ncols; i++)
		free(t->cells[i]);
	for (i = 0; i < t->ncols; i++)
		free(t->cols[i]);
	free(t->cells);
	free(t->cols);
	free(t->title);
	free(t);
}

cJSON *
table_to_json(const struct table *t)
{
	cJSON	*arr = cJSON_CreateArray(), *row;
	size_t	 r, c;

	for (r = 0; r < t->nrows; r++) {
		row = cJSON_CreateObject();
		for (c = 0; c < t->ncols; c++) {
			const char *v = table_cell(t, r, c);

			cJSON_AddItemToObject(row, t->cols[c],
			    v ? cJSON_CreateString(v) : cJSON_CreateNull());
		}
		cJSON_AddItemToArray(arr, row);
	}
	return (arr);
}

struct out *
out_new_file(FILE *fp, bool json, bool color)
{
	struct out	*o = xcalloc(1, sizeof(*o));

	o->fp = fp;
	o->json = json;
	o->color = color && !json;
	buf_init(&o->pending);
	return (o);
}

struct out *
out_new_lines(void (*cb)(void *, const char *), void *arg, bool json)
{
	struct out	*o = xcalloc(1, sizeof(*o));

	o->line_cb = cb;
	o->line_arg = arg;
	o->json = json;
	buf_init(&o->pending);
	return (o);
}

void
out_free(struct out *o)
{
	if (o == NULL)
		return;
	if (o->line_cb != NULL && o->pending.len > 0)
		o->line_cb(o->line_arg, o->pending.data);
	buf_done(&o->pending);
	free(o->paint);
	free(o);
}

void
out_set_stream(struct out *o, volatile sig_atomic_t *stop)
{
	o->stop = stop;
}

void
out_set_raw(struct out *o, bool raw)
{
	o->raw = raw && o->fp != NULL;
}

bool
out_is_json(const struct out *o)
{
	return (o->json);
}

bool
out_color(const struct out *o)
{
	return (o->color);
}

/* Write text to the sink; the callback sink receives whole lines. */
static void
out_write(struct out *o, const char *s, size_t n)
{
	size_t	i, start = 0;

	if (o->fp != NULL) {
		fwrite(s, 1, n, o->fp);
		if (o->stop != NULL) {
			fflush(o->fp);
			if (ferror(o->fp) && errno == EPIPE)
				*o->stop = SIGPIPE;
		}
		return;
	}
	for (i = 0; i < n; i++) {
		if (s[i] != '\n')
			continue;
		buf_append(&o->pending, s + start, i - start);
		o->line_cb(o->line_arg, o->pending.data);
		buf_reset(&o->pending);
		start = i + 1;
	}
	buf_append(&o->pending, s + start, n - start);
}

void
out_printf(struct out *o, const char *fmt, ...)
{
	struct buf	b;
	va_list		ap;

	if (o->json)
		return;
	buf_init(&b);
	va_start(ap, fmt);
	buf_vprintf(&b, fmt, ap);
	va_end(ap);
	out_write(o, b.data, b.len);
	buf_done(&b);
}

void
out_value(struct out *o, const char *s, size_t n)
{
	struct buf	b;
	size_t		off = 0, end, k;

	if (o->json)
		return;
	if (o->raw || esc_is_clean(s, n, 0)) {
		out_write(o, s, n);
		return;
	}
	/* in slices, so a big value is never copied whole */
	buf_init(&b);
	while (off < n) {
		end = n - off > OUT_SLICE ? off + OUT_SLICE : n;
		for (k = 0; k < 3 && end < n && end > off + 1 &&
		    ((unsigned char)s[end] & 0xc0) == 0x80; k++)
			end--;		/* never split a UTF-8 sequence */
		buf_reset(&b);
		esc_append(&b, s + off, end - off, 0);
		out_write(o, b.data, b.len);
		off = end;
	}
	buf_done(&b);
}

/* s escaped for a table cell unless raw (or already safe). Caller frees. */
static char *
out_cell(const struct out *o, const char *s)
{
	if (s == NULL)
		return (NULL);
	if (o->raw || esc_is_clean(s, strlen(s), 0))
		return (xstrdup(s));
	return (esc_string(s, strlen(s), 0));
}

void
out_note(struct out *o, const char *fmt, ...)
{
	struct buf	b;
	va_list		ap;

	buf_init(&b);
	va_start(ap, fmt);
	buf_vprintf(&b, fmt, ap);
	va_end(ap);
	buf_putc(&b, '\n');
	if (o->fp != NULL) {
		fflush(o->fp);
		fputs(b.data, stderr);
	} else if (!o->json)
		out_write(o, b.data, b.len);
	buf_done(&b);
}

/* Display width of a UTF-8 string in terminal columns. */
static size_t
out_width(const char *s)
{
	mbstate_t	st;
	wchar_t		wc;
	size_t		n, w = 0, len = strlen(s);
	int		cw;

	memset(&st, 0, sizeof(st));
	while (len > 0) {
		n = mbrtowc(&wc, s, len, &st);
		if (n == (size_t)-1 || n == (size_t)-2) {	/* not UTF-8: count bytes */
			memset(&st, 0, sizeof(st));
			n = 1;
			cw = 1;
		} else {
			if (n == 0)
				break;
			cw = wcwidth(wc);
			if (cw < 0)
				cw = 1;
		}
		w += (size_t)cw;
		s += n;
		len -= n;
	}
	return (w);
}

void
out_table(struct out *o, const struct table *t)
{
	size_t		*w, r, c, i, ncells = (t->nrows + 1) * t->ncols;
	struct buf	 b;
	const char	*v;
	char		**e, *title;

	if (o->json)
		return;
	/* e: the header row, then the cells, each escaped */
	e = xcalloc(ncells + 1, sizeof(char *));
	for (c = 0; c < t->ncols; c++)
		e[c] = out_cell(o, t->cols[c]);
	for (i = 0; i < t->nrows * t->ncols; i++)
		e[t->ncols + i] = out_cell(o, t->cells[i]);
	w = xcalloc(t->ncols + 1, sizeof(size_t));
	for (c = 0; c < t->ncols; c++) {
		for (r = 0; r <= t->nrows; r++) {
			v = e[r * t->ncols + c];
			if (v != NULL && out_width(v) > w[c])
				w[c] = out_width(v);
		}
	}
	buf_init(&b);
	if (t->title != NULL) {
		title = out_cell(o, t->title);
		buf_printf(&b, "%s\n", o->color ? out_paint(o, "bold", title) : title);
		free(title);
	}
	for (r = 0; r <= t->nrows + 1; r++) {
		for (c = 0; c < t->ncols; c++) {
			if (r == 1) {		/* the rule under the header */
				for (i = 0; i < w[c]; i++)
					buf_putc(&b, '-');
			} else {
				v = e[(r == 0 ? 0 : r - 1) * t->ncols + c];
				if (v == NULL)
					v = "";
				buf_puts(&b, v);
				if (c + 1 < t->ncols)
					for (i = out_width(v); i < w[c]; i++)
						buf_putc(&b, ' ');
			}
			if (c + 1 < t->ncols)
				buf_puts(&b, r == 1 ? "-+-" : " | ");
		}
		buf_putc(&b, '\n');
	}
	buf_printf(&b, "(%zu row%s)\n", t->nrows, t->nrows == 1 ? "" : "s");
	out_write(o, b.data, b.len);
	buf_done(&b);
	for (i = 0; i < ncells; i++)
		free(e[i]);
	free(e);
	free(w);
}

void
out_doc(struct out *o, cJSON *doc)
{
	char	*s;

	if (!o->json || o->doc_done) {
		cJSON_Delete(doc);
		return;
	}
	s = cJSON_Print(doc);
	cJSON_Delete(doc);
	if (s == NULL)
		return;
	out_write(o, s, strlen(s));
	out_write(o, "\n", 1);
	free(s);
	o->doc_done = true;
}

const char *
out_paint(struct out *o, const char *color, const char *s)
{
	static const struct {
		const char	*name, *code;
	} codes[] = {
		{ "red", "31" }, { "green", "32" }, { "yellow", "33" },
		{ "blue", "34" }, { "bold", "1" }, { "dim", "2" },
	};
	size_t	i;

	if (!o->color)
		return (s);
	for (i = 0; i < sizeof(codes) / sizeof(codes[0]); i++)
		if (strcmp(codes[i].name, color) == 0)
			break;
	if (i == sizeof(codes) / sizeof(codes[0]))
		return (s);
	free(o->paint);
	o->paint = xasprintf("\033[%sm%s\033[0m", codes[i].code, s);
	return (o->paint);
}
