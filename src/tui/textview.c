/*
 * textview.c - a scrollable list of text lines with a role per line, an
 * optional cursor, a fixed header row, following the newest line, and
 * wrapping. Lines are kept as given; draw_text escapes them when drawn, and
 * wrapping walks the escaped text so a cut never splits a character.
 */
#include "config.h"

#include "textview.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <wchar.h>

#include "buf.h"
#include "xmem.h"
#include "pane.h"

void
textview_init(struct textview *tv)
{
	memset(tv, 0, sizeof(*tv));
	tv->page = 10;
}

void
textview_done(struct textview *tv)
{
	textview_clear(tv);
	free(tv->line);
	free(tv->role);
	free(tv->header);
	free(tv->sort_col);
	tv->line = NULL;
	tv->role = NULL;
	tv->header = NULL;
	tv->sort_col = NULL;
	tv->cap = 0;
}

/* Forget the recorded columns. */
static void
textview_cols_clear(struct textview *tv)
{
	size_t	i;

	for (i = 0; i < tv->ncols; i++)
		free(tv->cols[i]);
	free(tv->cols);
	free(tv->cols_num);
	tv->cols = NULL;
	tv->cols_num = NULL;
	tv->ncols = 0;
}

void
textview_clear(struct textview *tv)
{
	size_t	i;

	for (i = 0; i < tv->n; i++)
		free(tv->line[i]);
	tv->n = tv->top = tv->cursor = 0;
	tv->hscroll = 0;
	textview_cols_clear(tv);
}

void
textview_set_sort(struct textview *tv, const char *col, bool desc)
{
	free(tv->sort_col);
	tv->sort_col = col != NULL ? xstrdup(col) : NULL;
	tv->sort_desc = desc;
}

static bool	textview_num(const char *, double *);

bool
textview_sort_col_numeric(const struct textview *tv, size_t i)
{
	return (i < tv->ncols && tv->cols_num[i]);
}

char *const *
textview_sort_cols(const struct textview *tv, size_t *n)
{
	*n = tv->ncols;
	return (tv->ncols > 0 ? tv->cols : NULL);
}

/*
 * A cell as a number with its unit scaled (1.5 KiB -> 1536, 2 min -> 120),
 * commas ignored; false when it does not start with a number.
 */
static bool
textview_num(const char *s, double *v)
{
	static const struct { const char *u; double f; } units[] = {
		{ "B", 1 }, { "KiB", 1024.0 }, { "kB", 1e3 }, { "MiB", 1048576.0 },
		{ "MB", 1e6 }, { "GiB", 1073741824.0 }, { "GB", 1e9 },
		{ "TiB", 1099511627776.0 }, { "TB", 1e12 }, { "us", 1e-6 },
		{ "ms", 1e-3 }, { "s", 1 }, { "min", 60 }, { "h", 3600 }, { "d", 86400 },
		{ "%", 1 },
	};
	char	 buf[64], *end;
	size_t	 i, n = 0;

	if (s == NULL)
		return (false);
	while (*s == ' ')
		s++;
	for (; *s != '\0' && n < sizeof(buf) - 1; s++)
		if (*s != ',')
			buf[n++] = *s;
	buf[n] = '\0';
	*v = strtod(buf, &end);
	if (end == buf)
		return (false);
	while (*end == ' ')
		end++;
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		size_t	l = strlen(units[i].u);

		if (strncmp(end, units[i].u, l) == 0 &&
		    (end[l] == '\0' || end[l] == ' ' || end[l] == '/')) {
			*v *= units[i].f;
			break;
		}
	}
	return (true);
}

/* The sort of textview_add_table for qsort (UI thread only). */
static const struct table	*textview_qs_t;
static size_t			 textview_qs_col;
static bool			 textview_qs_desc;

/* Compare two row numbers by the sort column; numbers before text in both directions. */
static int
textview_row_cmp(const void *a, const void *b)
{
	size_t		 x = *(const size_t *)a, y = *(const size_t *)b;
	const char	*cx = table_cell(textview_qs_t, x, textview_qs_col);
	const char	*cy = table_cell(textview_qs_t, y, textview_qs_col);
	double		 vx, vy;
	bool		 nx = textview_num(cx, &vx), ny = textview_num(cy, &vy);
	int		 r;

	if (nx != ny)
		return (nx ? -1 : 1);	/* "-", "n/a" after the numbers either way */
	if (nx)
		r = vx < vy ? -1 : vx > vy;
	else
		r = strcmp(cx ? cx : "", cy ? cy : "");
	if (textview_qs_desc)
		r = -r;
	return (r != 0 ? r : x < y ? -1 : x > y);
}

/* Append one line (no '\n' in it), tabs expanded to 8-column stops. */
static void
textview_push(struct textview *tv, enum draw_role role, const char *s,
    size_t len)
{
	struct buf	b;
	size_t		i, col = 0;

	buf_init(&b);
	for (i = 0; i < len; i++) {
		if (s[i] == '\t') {
			do
				buf_putc(&b, ' ');
			while (++col % 8 != 0);
			continue;
		}
		buf_putc(&b, s[i]);
		if (((unsigned char)s[i] & 0xc0) != 0x80)
			col++;
	}
	if (tv->max > 0 && tv->n == tv->max) {
		free(tv->line[0]);
		memmove(tv->line, tv->line + 1, (tv->n - 1) * sizeof(char *));
		memmove(tv->role, tv->role + 1, tv->n - 1);
		tv->n--;
		if (tv->top > 0)
			tv->top--;
		if (tv->cursor > 0)
			tv->cursor--;
	}
	if (tv->n == tv->cap) {
		tv->cap = tv->cap ? tv->cap * 2 : 64;
		tv->line = xreallocarray(tv->line, tv->cap, sizeof(char *));
		tv->role = xreallocarray(tv->role, tv->cap, 1);
	}
	tv->line[tv->n] = buf_detach(&b);
	tv->role[tv->n] = (unsigned char)role;
	tv->n++;
	buf_done(&b);
}

void
textview_add(struct textview *tv, enum draw_role role, const char *text)
{
	const char	*p = text != NULL ? text : "", *nl;

	for (;;) {
		nl = strchr(p, '\n');
		textview_push(tv, role, p, nl ? (size_t)(nl - p) : strlen(p));
		if (nl == NULL)
			break;
		p = nl + 1;
		if (*p == '\0')
			break;	/* a final newline ends the text */
	}
}

void
textview_addf(struct textview *tv, enum draw_role role, const char *fmt, ...)
{
	va_list	 ap;
	char	*s;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		s = NULL;
	va_end(ap);
	textview_add(tv, role, s != NULL ? s : "(out of memory)");
	free(s);
}

char *
textview_row(const char *const *cells, const int *cw, size_t n)
{
	struct buf	 b;
	char		*cell, *out;
	size_t		 c, len;

	buf_init(&b);
	for (c = 0; c < n; c++) {
		const char	*v = cells[c] != NULL ? cells[c] : "";

		if (c + 1 == n) {
			buf_puts(&b, v);	/* the last column: never cut */
			break;
		}
		len = (size_t)cw[c] * 4 + 8;
		cell = xmalloc(len);
		buf_puts(&b, draw_fit(cell, len, v, cw[c], false));
		buf_puts(&b, "  ");
		free(cell);
	}
	/* No trailing blanks: rows compare and read better. */
	while (b.len > 0 && b.data[b.len - 1] == ' ')
		b.data[--b.len] = '\0';
	out = buf_detach(&b);
	buf_done(&b);
	return (out);
}

void
textview_add_table(struct textview *tv, const struct table *t, int maxw,
    const char *indent, enum draw_role role)
{
	int		*cw;
	const char	**cells;
	char		*row, *marked = NULL;
	size_t		 r, c, *order, sc = (size_t)-1;

	if (t == NULL || t->ncols == 0)
		return;
	/* Every column of every table, once, for < and > to go through. */
	for (c = 0; c < t->ncols; c++) {
		double	v;

		for (r = 0; r < tv->ncols; r++)
			if (strcasecmp(tv->cols[r], t->cols[c]) == 0)
				break;
		if (r < tv->ncols) {
			/* Numbers only if every table's first row says so. */
			if (t->nrows > 0 && !textview_num(table_cell(t, 0, c), &v))
				tv->cols_num[r] = false;
			continue;
		}
		tv->cols = xreallocarray(tv->cols, tv->ncols + 1, sizeof(char *));
		tv->cols_num = xreallocarray(tv->cols_num, tv->ncols + 1, sizeof(bool));
		tv->cols[tv->ncols] = xstrdup(t->cols[c]);
		tv->cols_num[tv->ncols++] = t->nrows > 0 && textview_num(table_cell(t, 0, c), &v);
	}
	order = xcalloc(t->nrows + 1, sizeof(size_t));
	for (r = 0; r < t->nrows; r++)
		order[r] = r;
	for (c = 0; tv->sort_col != NULL && c < t->ncols; c++)
		if (strcasecmp(t->cols[c], tv->sort_col) == 0)
			sc = c;
	if (sc != (size_t)-1) {
		textview_qs_t = t;
		textview_qs_col = sc;
		textview_qs_desc = tv->sort_desc;
		qsort(order, t->nrows, sizeof(size_t), textview_row_cmp);
		marked = xasprintf("%s%s", t->cols[sc],
		    draw_glyph(tv->sort_desc ? DG_DOWN : DG_UP));
	}
	cw = xcalloc(t->ncols, sizeof(int));
	cells = xcalloc(t->ncols, sizeof(char *));
	for (c = 0; c < t->ncols; c++) {
		cw[c] = draw_width(c == sc ? marked : t->cols[c]);
		for (r = 0; r < t->nrows; r++) {
			const char	*v = table_cell(t, r, c);
			int		 w = v != NULL ? draw_width(v) : 0;

			if (w > cw[c])
				cw[c] = w;
		}
		if (maxw > 0 && cw[c] > maxw)
			cw[c] = maxw;
	}
	for (c = 0; c < t->ncols; c++)
		cells[c] = c == sc ? marked : t->cols[c];
	row = textview_row(cells, cw, t->ncols);
	textview_addf(tv, DR_HEADER, "%s%s", indent, row);
	free(row);
	free(marked);
	for (r = 0; r < t->nrows; r++) {
		for (c = 0; c < t->ncols; c++)
			cells[c] = table_cell(t, order[r], c);
		row = textview_row(cells, cw, t->ncols);
		/* A multi-line cell (a definition) stays on one line. */
		{
			char	*p;

			for (p = row; *p; p++)
				if (*p == '\n')
					*p = ' ';
		}
		textview_addf(tv, role, "%s%s", indent, row);
		free(row);
	}
	free(cells);
	free(cw);
	free(order);
}

/* Width of the escaped character at p (*w); returns its length in bytes. */
static size_t
textview_next(const char *p, int *w)
{
	mbstate_t	st;
	wchar_t		wc;
	size_t		n;

	*w = 1;
	if ((unsigned char)*p < 0x80 || draw_is_ascii())
		return (1);
	memset(&st, 0, sizeof(st));
	n = mbrtowc(&wc, p, MB_CUR_MAX, &st);
	if (n == (size_t)-1 || n == (size_t)-2 || n == 0)
		return (1);
	if ((*w = wcwidth(wc)) < 0)
		*w = 1;
	return (n);
}

/*
 * The next row of escaped text p wrapped at w columns: its length in bytes,
 * ending after the last blank that fits when there is one (word wrap), else
 * at the last character that fits; at least one character.
 */
static size_t
textview_wrap_row(const char *p, int w)
{
	const char	*q = p, *blank = NULL;
	int		 used = 0, cw;
	size_t		 n;

	while (*q) {
		n = textview_next(q, &cw);
		if (used + cw > w)
			break;
		used += cw;
		q += n;
		if (*(q - 1) == ' ')
			blank = q;
	}
	if (*q == '\0')
		return ((size_t)(q - p));
	if (blank != NULL && blank - p > 0)
		return ((size_t)(blank - p));
	if (q == p)		/* one character wider than the view */
		q += textview_next(q, &cw);
	return ((size_t)(q - p));
}

/* How many screen rows line i takes when wrapped to w columns. */
static int
textview_rows(const struct textview *tv, size_t i, int w)
{
	char		*e = draw_escape(tv->line[i]);
	const char	*p = e;
	int		 rows = 0;

	do {
		p += textview_wrap_row(p, w > 0 ? w : 1);
		rows++;
	} while (*p);
	free(e);
	return (rows);
}

/* Draw line s wrapped into at most h rows from (y, x); returns rows used. */
static int
textview_draw_wrapped(WINDOW *win, int y, int x, int h, int w, int attr,
    const char *s)
{
	char		*e = draw_escape(s), *piece;
	const char	*p = e;
	int		 rows = 0;
	size_t		 n;

	do {
		n = textview_wrap_row(p, w);
		piece = xstrndup(p, n);
		draw_text(win, y + rows, x, w, attr, DRAW_PAD, piece);
		free(piece);
		p += n;
		rows++;
	} while (*p && rows < h);
	free(e);
	return (rows);
}

void
textview_draw(WINDOW *win, int y, int x, int h, int w, struct textview *tv,
    bool focused)
{
	int	body, r, attr;
	size_t	i;

	if (h <= 0 || w <= 0)
		return;
	if (tv->header != NULL) {
		draw_text_skip(win, y, x, w, draw_attr(DR_HEADER), DRAW_PAD,
		    tv->wrap ? 0 : tv->hscroll, tv->header);
		y++;
		h--;
	}
	body = h > 0 ? h : 0;
	tv->page = body > 0 ? body : 1;
	if (tv->n == 0)
		return;
	if (tv->cursor >= tv->n)
		tv->cursor = tv->n - 1;
	if (tv->wrap) {
		/* From the newest line back, or from top, as many as fit. */
		if (tv->follow) {
			int	used = 0;

			i = tv->n;
			while (i > 0) {
				int	rows = textview_rows(tv, i - 1, w);

				if (used + rows > body)
					break;
				used += rows;
				i--;
			}
			tv->top = i < tv->n ? i : tv->n - 1;
		}
		if (tv->top >= tv->n)
			tv->top = tv->n - 1;
		for (r = 0, i = tv->top; i < tv->n && r < body; i++)
			r += textview_draw_wrapped(win, y + r, x, body - r, w,
			    draw_attr(tv->role[i]), tv->line[i]);
		return;
	}
	if (tv->cursor_on) {
		if (tv->cursor < tv->top)
			tv->top = tv->cursor;
		if (body > 0 && tv->cursor >= tv->top + (size_t)body)
			tv->top = tv->cursor - (size_t)body + 1;
	} else if (tv->follow)
		tv->top = tv->n > (size_t)body ? tv->n - (size_t)body : 0;
	if (tv->n > (size_t)body && tv->top > tv->n - (size_t)body)
		tv->top = tv->n - (size_t)body;
	if (tv->n <= (size_t)body)
		tv->top = 0;
	for (r = 0; r < body && tv->top + (size_t)r < tv->n; r++) {
		i = tv->top + (size_t)r;
		attr = draw_attr(tv->role[i]);
		if (tv->cursor_on && i == tv->cursor)
			attr = focused ? draw_attr(DR_CURSOR) :
			    (int)((unsigned)attr | A_BOLD);
		draw_text_skip(win, y + r, x, w, attr, DRAW_PAD, tv->hscroll,
		    tv->line[i]);
	}
}

int
textview_key(struct textview *tv, int ch)
{
	size_t	page = tv->page > 0 ? (size_t)tv->page : 1;
	size_t	*pos = tv->cursor_on ? &tv->cursor : &tv->top;

	switch (ch) {
	case KEY_UP:
	case 'k':
		tv->follow = false;
		if (*pos > 0)
			(*pos)--;
		break;
	case KEY_DOWN:
	case 'j':
		if (*pos + 1 < tv->n)
			(*pos)++;
		break;
	case KEY_PPAGE:
		tv->follow = false;
		*pos = *pos > page ? *pos - page : 0;
		break;
	case KEY_NPAGE:
		*pos = tv->n == 0 ? 0 : *pos + page < tv->n ? *pos + page :
		    tv->n - 1;
		break;
	case KEY_HOME:
	case 'g':
		tv->follow = false;
		*pos = 0;
		break;
	case KEY_END:
	case 'G':
		*pos = tv->n > 0 ? tv->n - 1 : 0;
		if (!tv->cursor_on)
			tv->follow = true;
		break;
	case KEY_LEFT:
	case 'h':
		if (tv->wrap)
			return (PANE_UNHANDLED);
		tv->hscroll = tv->hscroll > 8 ? tv->hscroll - 8 : 0;
		break;
	case KEY_RIGHT:
	case 'l':
		if (tv->wrap)
			return (PANE_UNHANDLED);
		tv->hscroll += 8;
		break;
	default:
		return (PANE_UNHANDLED);
	}
	return (PANE_HANDLED | PANE_REDRAW);
}

void
textview_position(const struct textview *tv, char *buf, size_t len)
{
	size_t	last = tv->top + (size_t)tv->page;

	if (last > tv->n)
		last = tv->n;
	if (tv->n == 0 || (tv->top == 0 && last >= tv->n))
		snprintf(buf, len, "%s", "");
	else
		snprintf(buf, len, "rows %zu-%zu of %zu (Up/Down scroll)",
		    tv->top + 1, last, tv->n);
}
