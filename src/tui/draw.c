/*
 * draw.c - the drawing kit shared by all panes: safe text, lines, gauges,
 * sparklines, tables with a cursor, number formatting.
 *
 * Model: every string is first turned into a "safe" form (draw_escape, the
 * same escapes as the command printers use: esc.c), in which each
 * character is printable and has a known width; fitting, cutting
 * and scrolling then work on display columns of that form. Widths come from
 * wcwidth() in a UTF-8 locale; in any other locale bytes above 0x7f are
 * escaped, so the terminal only ever receives ASCII.
 */
#include "config.h"

#include "draw.h"

#include <langinfo.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <wchar.h>

#include "buf.h"
#include "clk.h"
#include "esc.h"
#include "pane.h"
#include "snapshot.h"
#include "xmem.h"

/* Set by draw_setup; read everywhere else (UI thread writes once). */
static bool	draw_ascii = true;
static bool	draw_mono = true;
static bool	draw_utf8;		/* the locale's codeset is UTF-8 */
static int	draw_attrs[DR__COUNT];

static const char *const draw_glyphs_utf8[DG__COUNT] = {
	"\342\224\200", "\342\224\202", "\342\224\214", "\342\224\220",
	"\342\224\224", "\342\224\230", "\342\200\246", "\342\226\262",
	"\342\226\274", "\302\253", "\342\200\242",
};
static const char *const draw_glyphs_ascii[DG__COUNT] = {
	"-", "|", "+", "+", "+", "+", "~", "^", "v", "<", "*",
};

const char *const draw_table_keys[] = {
	"Up/Down j/k  move the cursor",
	"PgUp/PgDn    move a page",
	"Home/End g/G first / last row",
	"Left/Right   scroll sideways (also h/l)",
	NULL,
};

void
draw_setup(bool ascii, bool mono)
{
	const char	*cs = nl_langinfo(CODESET);
	int		 i;

	draw_utf8 = cs != NULL && (strcmp(cs, "UTF-8") == 0 || strcmp(cs, "utf8") == 0);
	draw_ascii = ascii || !draw_utf8;
	draw_mono = mono || !has_colors();
	if (!draw_mono) {
		start_color();		/* sets COLORS */
		draw_mono = COLORS < 8;
	}
	for (i = 0; i < DR__COUNT; i++)
		draw_attrs[i] = A_NORMAL;
	if (draw_mono) {
		draw_attrs[DR_DIM] = A_DIM;
		draw_attrs[DR_TITLE] = A_BOLD;
		draw_attrs[DR_HEADER] = A_BOLD | A_UNDERLINE;
		draw_attrs[DR_CURSOR] = A_REVERSE;
		draw_attrs[DR_WARN] = A_BOLD;
		draw_attrs[DR_BAD] = A_BOLD | A_REVERSE;
		draw_attrs[DR_KEY] = A_BOLD;
		draw_attrs[DR_TAB_ACTIVE] = A_REVERSE | A_BOLD;
		draw_attrs[DR_STATUS] = A_REVERSE;
		draw_attrs[DR_PROTECTED] = A_BOLD | A_UNDERLINE;
		return;
	}
	use_default_colors();
	init_pair(1, COLOR_CYAN, -1);
	init_pair(2, COLOR_GREEN, -1);
	init_pair(3, COLOR_YELLOW, -1);
	init_pair(4, COLOR_RED, -1);
	init_pair(5, COLOR_BLACK, COLOR_CYAN);
	init_pair(6, COLOR_WHITE, COLOR_BLUE);
	init_pair(7, COLOR_WHITE, COLOR_RED);
	init_pair(8, COLOR_BLUE, -1);
	draw_attrs[DR_DIM] = A_DIM;
	draw_attrs[DR_TITLE] = COLOR_PAIR(1) | A_BOLD;
	draw_attrs[DR_HEADER] = A_BOLD | A_UNDERLINE;
	draw_attrs[DR_CURSOR] = COLOR_PAIR(5);
	draw_attrs[DR_OK] = COLOR_PAIR(2);
	draw_attrs[DR_WARN] = COLOR_PAIR(3) | A_BOLD;
	draw_attrs[DR_BAD] = COLOR_PAIR(4) | A_BOLD;
	draw_attrs[DR_KEY] = COLOR_PAIR(1) | A_BOLD;
	draw_attrs[DR_BAR1] = COLOR_PAIR(2);
	draw_attrs[DR_BAR2] = COLOR_PAIR(1);
	draw_attrs[DR_BAR3] = COLOR_PAIR(3);
	draw_attrs[DR_TAB] = COLOR_PAIR(6);
	draw_attrs[DR_TAB_ACTIVE] = COLOR_PAIR(5) | A_BOLD;
	draw_attrs[DR_STATUS] = COLOR_PAIR(6);
	draw_attrs[DR_PROTECTED] = COLOR_PAIR(7) | A_BOLD;
}

bool
draw_is_ascii(void)
{
	return (draw_ascii);
}

bool
draw_is_mono(void)
{
	return (draw_mono);
}

int
draw_attr(enum draw_role r)
{
	return (r >= 0 && r < DR__COUNT ? draw_attrs[r] : (int)A_NORMAL);
}

const char *
draw_glyph(enum draw_glyph g)
{
	if (g < 0 || g >= DG__COUNT)
		return ("?");
	return (draw_ascii ? draw_glyphs_ascii[g] : draw_glyphs_utf8[g]);
}

/* ---------------------------------------------------------------- safe strings */

/* The escaped (safe) form of s: esc.c's rules, with this terminal's locale. */
char *
draw_escape(const char *s)
{
	if (s == NULL)
		return (xstrdup(""));
	return (esc_string(s, strlen(s), draw_utf8 ? ESC_LOCALE : ESC_ASCII));
}

/*
 * Walk an escaped string: *w gets the width of the character at p (0 for a
 * combining mark) and the return value is its length in bytes.
 */
static size_t
draw_next(const char *p, int *w)
{
	mbstate_t	st;
	wchar_t		wc;
	size_t		n;

	if ((unsigned char)*p < 0x80 || !draw_utf8) {
		*w = 1;
		return (1);
	}
	memset(&st, 0, sizeof(st));
	n = mbrtowc(&wc, p, MB_CUR_MAX, &st);
	if (n == (size_t)-1 || n == (size_t)-2 || n == 0) {
		*w = 1;
		return (1);
	}
	*w = wcwidth(wc);
	if (*w < 0)
		*w = 1;
	return (n);
}

/* Width of an already-escaped string. */
static int
draw_width_safe(const char *s)
{
	int	total = 0, w;

	while (*s) {
		s += draw_next(s, &w);
		total += w;
	}
	return (total);
}

int
draw_width(const char *s)
{
	char	*e = draw_escape(s);
	int	 w = draw_width_safe(e);

	free(e);
	return (w);
}

/*
 * Fit escaped s into w columns after skipping `skip` columns: cut with the
 * marker when longer. Appends to b; returns the columns used (<= w).
 */
static int
draw_fit_safe(struct buf *b, const char *s, int skip, int w)
{
	const char	*p = s, *mark = draw_glyph(DG_ELLIPSIS);
	int		 used = 0, cw, total;
	size_t		 n;

	if (w <= 0)
		return (0);
	/* Skip whole characters; a wide one cut in half becomes a space. */
	while (*p && skip > 0) {
		n = draw_next(p, &cw);
		if (cw > skip) {
			buf_putc(b, ' ');
			used++;
			p += n;
			break;
		}
		skip -= cw;
		p += n;
	}
	total = draw_width_safe(p);
	if (used + total <= w) {
		buf_puts(b, p);
		return (used + total);
	}
	/* Too long: leave one column for the marker. */
	while (*p) {
		n = draw_next(p, &cw);
		if (used + cw > w - 1)
			break;
		buf_append(b, p, n);
		used += cw;
		p += n;
	}
	while (used < w - 1) {
		buf_putc(b, ' ');
		used++;
	}
	buf_puts(b, mark);
	return (w);
}

char *
draw_fit(char *dst, size_t len, const char *s, int w, bool right)
{
	struct buf	 b, pad;
	char		*e = draw_escape(s);
	int		 used;

	buf_init(&b);
	used = draw_fit_safe(&b, e, 0, w);
	buf_init(&pad);
	while (used < w) {
		buf_putc(&pad, ' ');
		used++;
	}
	if (len > 0) {
		snprintf(dst, len, "%s%s", right ? pad.data : b.data, right ? b.data : pad.data);
		/* Never leave half a UTF-8 sequence at a cut. */
		{
			size_t	n = strlen(dst);

			if (n == len - 1) {
				while (n > 0 && ((unsigned char)dst[n - 1] & 0xc0) == 0x80)
					n--;
				if (n > 0 && (unsigned char)dst[n - 1] >= 0xc0)
					dst[n - 1] = '\0';
			}
		}
	}
	buf_done(&pad);
	buf_done(&b);
	free(e);
	return (dst);
}

/* ---------------------------------------------------------------- text and lines */

/* Put an escaped (printable) string at the cursor with attr. */
static void
draw_put(WINDOW *win, int attr, const char *s)
{
	wattrset(win, attr);
	waddstr(win, s);
	wattrset(win, A_NORMAL);
}

int
draw_text_skip(WINDOW *win, int y, int x, int w, int attr, int flags, int skip, const char *s)
{
	struct buf	 b;
	char		*e;
	int		 used, lead = 0, maxx = getmaxx(win);

	if (win == NULL || w <= 0 || y < 0 || y >= getmaxy(win) || x < 0 || x >= maxx)
		return (0);
	if (x + w > maxx)
		w = maxx - x;
	e = draw_escape(s);
	buf_init(&b);
	if (skip > 0) {
		buf_puts(&b, draw_glyph(DG_LEFT));
		used = 1 + draw_fit_safe(&b, e, skip + 1, w - 1);
	} else
		used = draw_fit_safe(&b, e, 0, w);
	if (flags & DRAW_RIGHT)
		lead = w - used;
	else if (flags & DRAW_CENTER)
		lead = (w - used) / 2;
	wmove(win, y, x);
	if (lead > 0)
		wattrset(win, attr);
	for (int i = 0; i < lead; i++)
		waddch(win, ' ');
	draw_put(win, attr, b.data);
	used += lead;
	if (flags & DRAW_PAD) {
		wattrset(win, attr);
		for (; used < w; used++)
			waddch(win, ' ');
		wattrset(win, A_NORMAL);
	}
	buf_done(&b);
	free(e);
	return (used);
}

int
draw_text(WINDOW *win, int y, int x, int w, int attr, int flags, const char *s)
{
	return (draw_text_skip(win, y, x, w, attr, flags, 0, s));
}

int
draw_textf(WINDOW *win, int y, int x, int w, int attr, int flags, const char *fmt, ...)
{
	struct buf	b;
	va_list		ap;
	int		n;

	buf_init(&b);
	va_start(ap, fmt);
	buf_vprintf(&b, fmt, ap);
	va_end(ap);
	n = draw_text(win, y, x, w, attr, flags, b.data);
	buf_done(&b);
	return (n);
}

/* Clip a run of n cells starting at x to the window width. */
static int
draw_clip(WINDOW *win, int x, int n)
{
	int	maxx = getmaxx(win);

	if (x < 0 || x >= maxx)
		return (0);
	return (x + n > maxx ? maxx - x : n);
}

void
draw_hline(WINDOW *win, int y, int x, int w, int attr)
{
	const char	*g = draw_glyph(DG_HLINE);
	int		 i;

	w = draw_clip(win, x, w);
	if (w <= 0 || y < 0 || y >= getmaxy(win))
		return;
	wmove(win, y, x);
	wattrset(win, attr);
	for (i = 0; i < w; i++)
		waddstr(win, g);
	wattrset(win, A_NORMAL);
}

void
draw_vline(WINDOW *win, int y, int x, int h, int attr)
{
	const char	*g = draw_glyph(DG_VLINE);
	int		 i;

	if (x < 0 || x >= getmaxx(win))
		return;
	wattrset(win, attr);
	for (i = 0; i < h && y + i < getmaxy(win); i++)
		if (y + i >= 0)
			mvwaddstr(win, y + i, x, g);
	wattrset(win, A_NORMAL);
}

void
draw_box(WINDOW *win, int y, int x, int h, int w, int attr)
{
	int	i;

	if (h < 2 || w < 2)
		return;
	for (i = 1; i < h - 1; i++) {
		wmove(win, y + i, x + 1);
		wattrset(win, A_NORMAL);
		for (int j = 0; j < draw_clip(win, x + 1, w - 2); j++)
			waddch(win, ' ');
	}
	draw_hline(win, y, x + 1, w - 2, attr);
	draw_hline(win, y + h - 1, x + 1, w - 2, attr);
	draw_vline(win, y + 1, x, h - 2, attr);
	draw_vline(win, y + 1, x + w - 1, h - 2, attr);
	wattrset(win, attr);
	mvwaddstr(win, y, x, draw_glyph(DG_TL));
	if (draw_clip(win, x + w - 1, 1))
		mvwaddstr(win, y, x + w - 1, draw_glyph(DG_TR));
	mvwaddstr(win, y + h - 1, x, draw_glyph(DG_BL));
	if (draw_clip(win, x + w - 1, 1))
		mvwaddstr(win, y + h - 1, x + w - 1, draw_glyph(DG_BR));
	wattrset(win, A_NORMAL);
}

void
draw_title(WINDOW *win, int y, int x, int w, const char *title, const char *right)
{
	int	used = 2, rw;

	draw_hline(win, y, x, w, draw_attr(DR_DIM));
	if (w < 8)
		return;
	if (title != NULL && *title) {
		mvwaddch(win, y, x + 2, ' ');
		used = 3 + draw_text(win, y, x + 3, w - 6, draw_attr(DR_TITLE), 0, title);
		mvwaddch(win, y, x + used, ' ');
		used++;
	}
	if (right == NULL || *right == '\0')
		return;
	rw = draw_width(right);
	if (rw > w - used - 5)
		rw = w - used - 5;
	if (rw <= 0)
		return;
	mvwaddch(win, y, x + w - rw - 3, ' ');
	draw_text(win, y, x + w - rw - 2, rw, draw_attr(DR_DIM), 0, right);
	mvwaddch(win, y, x + w - 2, ' ');
}

/* ---------------------------------------------------------------- gauges */

/* The glyph a gauge segment is filled with. */
static const char *
draw_seg_glyph(size_t i)
{
	static const char *const utf8[] = { "\342\226\210", "\342\226\222", "\342\226\221" };
	static const char *const ascii_mono[] = { "#", "=", "-" };

	if (!draw_mono)
		return (draw_ascii ? "|" : utf8[0]);
	return (draw_ascii ? ascii_mono[i % 3] : utf8[i % 3]);
}

void
draw_gauge(WINDOW *win, int y, int x, int w, const char *label, int label_w,
    const struct draw_seg *segs, size_t nseg, double max, const char *text)
{
	int	 inner, filled = 0, tw, i, start, stop, cells[8];
	size_t	 s;
	double	 acc = 0;

	w = draw_clip(win, x, w);
	if (w <= 0 || y < 0 || y >= getmaxy(win))
		return;
	if (label != NULL && *label) {
		if (label_w <= 0)
			label_w = draw_width(label);
		if (label_w > w - 4)
			label_w = w - 4 > 0 ? w - 4 : 0;
		draw_text(win, y, x, label_w, draw_attr(DR_NORMAL), DRAW_PAD, label);
		x += label_w;
		w -= label_w;
	}
	if (w < 3)
		return;
	inner = w - 2;
	mvwaddch(win, y, x, '[');
	/* Cells per segment, stacked; rounding keeps the total right. */
	for (s = 0; s < nseg && s < 8; s++) {
		int	upto;

		acc += segs[s].value > 0 ? segs[s].value : 0;
		upto = max > 0 ? (int)((acc < max ? acc : max) / max * inner + 0.5) : 0;
		cells[s] = upto - filled;
		filled = upto;
	}
	tw = text != NULL ? draw_width(text) : 0;
	if (tw > inner)
		tw = inner;
	start = inner - tw;
	/* The bar stops a blank short of the text. */
	stop = tw > 0 && start > 0 ? start - 1 : start;
	wmove(win, y, x + 1);
	i = 0;
	for (s = 0; s < nseg && s < 8; s++) {
		wattrset(win, draw_attr(segs[s].role));
		for (int k = 0; k < cells[s] && i < stop; k++, i++)
			waddstr(win, draw_seg_glyph(s));
	}
	wattrset(win, A_NORMAL);
	for (; i < start; i++)
		waddch(win, ' ');
	if (tw > 0)
		draw_text(win, y, x + 1 + start, tw, A_BOLD, 0, text);
	mvwaddch(win, y, x + 1 + inner, ']');
}

void
draw_bar(WINDOW *win, int y, int x, int w, const char *label, int label_w,
    double value, double max, double warn, double bad, const char *text)
{
	struct draw_seg	seg;
	double		f = max > 0 ? value / max : 0;

	seg.value = value;
	seg.role = f >= bad ? DR_BAD : f >= warn ? DR_WARN : DR_OK;
	draw_gauge(win, y, x, w, label, label_w, &seg, 1, max, text);
}

/* ---------------------------------------------------------------- sparklines */

void
draw_spark(WINDOW *win, int y, int x, int w, const double *v, size_t n,
    double lo, double hi, enum draw_role role)
{
	static const char *const utf8[] = {
		"\342\226\201", "\342\226\202", "\342\226\203", "\342\226\204",
		"\342\226\205", "\342\226\206", "\342\226\207", "\342\226\210",
	};
	static const char ascii[] = "_.-=+*#@";
	size_t	first, i;
	int	col;

	w = draw_clip(win, x, w);
	if (w <= 0 || y < 0 || y >= getmaxy(win))
		return;
	first = n > (size_t)w ? n - (size_t)w : 0;
	if (hi <= lo) {
		lo = 0;
		hi = 0;
		for (i = first; i < n; i++)
			if (!isnan(v[i]) && v[i] > hi)
				hi = v[i];
		if (hi <= lo)
			hi = lo + 1;
	}
	wmove(win, y, x);
	wattrset(win, A_NORMAL);
	for (col = 0; col < w - (int)(n - first); col++)
		waddch(win, ' ');
	wattrset(win, draw_attr(role));
	for (i = first; i < n; i++) {
		double	f;
		int	lvl;

		if (isnan(v[i])) {
			waddch(win, ' ');
			continue;
		}
		f = (v[i] - lo) / (hi - lo);
		f = f < 0 ? 0 : f > 1 ? 1 : f;
		lvl = (int)(f * 7 + 0.5);
		if (draw_ascii)
			waddch(win, (chtype)(unsigned char)ascii[lvl]);
		else
			waddstr(win, utf8[lvl]);
	}
	wattrset(win, A_NORMAL);
}

void
draw_hist_push(struct draw_hist *h, double v)
{
	h->v[h->head] = v;
	h->head = (h->head + 1) % DRAW_HIST_MAX;
	if (h->n < DRAW_HIST_MAX)
		h->n++;
}

size_t
draw_hist_copy(const struct draw_hist *h, double *out, size_t max)
{
	size_t	n = h->n < max ? h->n : max, start, i;

	/* The newest n samples, oldest first. */
	start = (h->head + DRAW_HIST_MAX - n) % DRAW_HIST_MAX;
	for (i = 0; i < n; i++)
		out[i] = h->v[(start + i) % DRAW_HIST_MAX];
	return (n);
}

void
draw_spark_hist(WINDOW *win, int y, int x, int w, const struct draw_hist *h,
    double lo, double hi, enum draw_role role)
{
	double	v[DRAW_HIST_MAX];
	size_t	n = draw_hist_copy(h, v, DRAW_HIST_MAX);

	draw_spark(win, y, x, w, v, n, lo, hi, role);
}

/* ---------------------------------------------------------------- tables */

void
draw_table_init(struct draw_table *st)
{
	memset(st, 0, sizeof(*st));
	st->maxw = 40;
	st->cursor_on = true;
	st->sort_col = -1;
}

/* Does the cell look like a number ("12", "-3.5", "1,204", "12 ms", "99%")? */
static bool
draw_numeric(const char *s)
{
	const char	*p = s;

	if (*p == '-' || *p == '+')
		p++;
	if (*p < '0' || *p > '9')
		return (false);
	while ((*p >= '0' && *p <= '9') || *p == '.' || *p == ',')
		p++;
	if (*p == ' ')
		p++;
	while ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || *p == '%' || *p == '/')
		p++;
	return (*p == '\0');
}

/* Rows used to size columns: enough to be stable, bounded for huge tables. */
#define DRAW_TABLE_SAMPLE	2000

int
draw_table(WINDOW *win, int y, int x, int h, int w, const struct table *t,
    struct draw_table *st, bool focused)
{
	int	*cw, *num, total = 0, body, r;
	size_t	 c, row, nsample;
	struct buf line;
	char	 cell[1024];

	if (h <= 0 || w <= 0)
		return (0);
	if (t == NULL || t->ncols == 0) {
		draw_text(win, y, x, w, draw_attr(DR_DIM), DRAW_PAD, "(no data)");
		return (0);
	}
	cw = xcalloc(t->ncols, sizeof(int));
	num = xcalloc(t->ncols, sizeof(int));
	nsample = t->nrows < DRAW_TABLE_SAMPLE ? t->nrows : DRAW_TABLE_SAMPLE;
	for (c = 0; c < t->ncols; c++) {
		cw[c] = draw_width(t->cols[c]) + ((int)c == st->sort_col ? 1 : 0);
		num[c] = nsample > 0;
		for (row = 0; row < nsample; row++) {
			const char	*v = t->cells[row * t->ncols + c];
			int		 vw = v ? draw_width(v) : 4;

			if (vw > cw[c])
				cw[c] = vw;
			if (v != NULL && *v != '\0' && !draw_numeric(v))
				num[c] = 0;
		}
		if (c + 1 < t->ncols && st->maxw > 0 && cw[c] > st->maxw)
			cw[c] = st->maxw;
		if (c + 1 == t->ncols && cw[c] > (int)sizeof(cell) / 4)
			cw[c] = (int)sizeof(cell) / 4;
		total += cw[c] + (c + 1 < t->ncols ? 2 : 0);
	}
	if (st->hscroll > total - w)
		st->hscroll = total - w > 0 ? total - w : 0;
	if (st->hscroll < 0)
		st->hscroll = 0;

	/* Header. */
	buf_init(&line);
	for (c = 0; c < t->ncols; c++) {
		char	*title = (int)c == st->sort_col ?
		    xasprintf("%s%s", t->cols[c], draw_glyph(st->sort_desc ? DG_DOWN : DG_UP)) :
		    xstrdup(t->cols[c]);

		buf_puts(&line, draw_fit(cell, sizeof(cell), title, cw[c], num[c] != 0));
		if (c + 1 < t->ncols)
			buf_puts(&line, "  ");
		free(title);
	}
	draw_text_skip(win, y, x, w, draw_attr(DR_HEADER), DRAW_PAD, st->hscroll, line.data);

	/* Body: keep the cursor in range and visible. */
	body = h - 1;
	st->page = body > 0 ? body : 1;
	if (t->nrows == 0) {
		st->cursor = st->top = 0;
		if (body > 0)
			draw_text(win, y + 1, x, w, draw_attr(DR_DIM), DRAW_PAD, "(no rows)");
		buf_done(&line);
		free(cw);
		free(num);
		return (0);
	}
	if (st->cursor >= t->nrows)
		st->cursor = t->nrows - 1;
	if (st->cursor_on) {
		if (st->cursor < st->top)
			st->top = st->cursor;
		if (body > 0 && st->cursor >= st->top + (size_t)body)
			st->top = st->cursor - (size_t)body + 1;
	}
	if (t->nrows > (size_t)body && st->top > t->nrows - (size_t)body)
		st->top = t->nrows - (size_t)body;
	if (t->nrows <= (size_t)body)
		st->top = 0;
	for (r = 0; r < body && st->top + (size_t)r < t->nrows; r++) {
		int	attr = A_NORMAL;

		row = st->top + (size_t)r;
		buf_reset(&line);
		for (c = 0; c < t->ncols; c++) {
			const char	*v = t->cells[row * t->ncols + c];

			buf_puts(&line, draw_fit(cell, sizeof(cell), v ? v : "NULL",
			    cw[c], num[c] != 0));
			if (c + 1 < t->ncols)
				buf_puts(&line, "  ");
		}
		if (st->cursor_on && row == st->cursor)
			attr = focused ? draw_attr(DR_CURSOR) : (int)A_BOLD;
		draw_text_skip(win, y + 1 + r, x, w, attr, DRAW_PAD, st->hscroll, line.data);
	}
	buf_done(&line);
	free(cw);
	free(num);
	return (r);
}

int
draw_table_key(struct draw_table *st, const struct table *t, int ch)
{
	size_t	n = t != NULL ? t->nrows : 0, page = st->page > 0 ? (size_t)st->page : 1;
	size_t	*pos = st->cursor_on ? &st->cursor : &st->top;

	switch (ch) {
	case KEY_UP:
	case 'k':
		if (*pos > 0)
			(*pos)--;
		break;
	case KEY_DOWN:
	case 'j':
		if (*pos + 1 < n)
			(*pos)++;
		break;
	case KEY_PPAGE:
		*pos = *pos > page ? *pos - page : 0;
		break;
	case KEY_NPAGE:
		*pos = n == 0 ? 0 : *pos + page < n ? *pos + page : n - 1;
		break;
	case KEY_HOME:
	case 'g':
		*pos = 0;
		break;
	case KEY_END:
	case 'G':
		*pos = n > 0 ? n - 1 : 0;
		break;
	case KEY_LEFT:
	case 'h':
		st->hscroll = st->hscroll > 8 ? st->hscroll - 8 : 0;
		break;
	case KEY_RIGHT:
	case 'l':
		st->hscroll += 8;	/* clamped by the next draw */
		break;
	default:
		return (PANE_UNHANDLED);
	}
	return (PANE_HANDLED | PANE_REDRAW);
}

/* ---------------------------------------------------------------- numbers */

char *
draw_fmt_count(char *buf, size_t len, long long n)
{
	char			 digits[32], out[48];
	unsigned long long	 u = n < 0 ? 0ULL - (unsigned long long)n : (unsigned long long)n;
	size_t			 nd, i, o = 0;

	snprintf(digits, sizeof(digits), "%llu", u);
	nd = strlen(digits);
	if (n < 0)
		out[o++] = '-';
	for (i = 0; i < nd; i++) {
		if (i > 0 && (nd - i) % 3 == 0)
			out[o++] = ',';
		out[o++] = digits[i];
	}
	out[o] = '\0';
	snprintf(buf, len, "%s", out);
	return (buf);
}

char *
draw_fmt_bytes(char *buf, size_t len, double b)
{
	static const char *const unit[] = { "B", "KiB", "MiB", "GiB", "TiB", "PiB" };
	double	a = b < 0 ? -b : b;
	int	u = 0;

	while (a >= 1024 && u < 5) {
		a /= 1024;
		b /= 1024;
		u++;
	}
	if (u == 0)
		snprintf(buf, len, "%.0f B", b);
	else if (a < 10)
		snprintf(buf, len, "%.2f %s", b, unit[u]);
	else if (a < 100)
		snprintf(buf, len, "%.1f %s", b, unit[u]);
	else
		snprintf(buf, len, "%.0f %s", b, unit[u]);
	return (buf);
}

char *
draw_fmt_duration(char *buf, size_t len, double s)
{
	const char	*sign = s < 0 ? "-" : "";
	long long	 t;

	s = s < 0 ? -s : s;
	if (s < 1)
		snprintf(buf, len, "%s%.0f ms", sign, s * 1000);
	else if (s < 10)
		snprintf(buf, len, "%s%.1f s", sign, s);
	else if (s < 60)
		snprintf(buf, len, "%s%.0f s", sign, s);
	else if ((t = (long long)s) < 3600)
		snprintf(buf, len, "%s%lld min", sign, t / 60);
	else if (t < 86400)
		snprintf(buf, len, "%s%lld h %02lld min", sign, t / 3600, t % 3600 / 60);
	else
		snprintf(buf, len, "%s%lld d %02lld h", sign, t / 86400, t % 86400 / 3600);
	return (buf);
}

char *
draw_fmt_pct(char *buf, size_t len, double num, double den)
{
	if (den <= 0 || isnan(num) || isnan(den))
		snprintf(buf, len, "n/a");
	else
		snprintf(buf, len, "%.1f%%", num / den * 100);
	return (buf);
}

char *
draw_fmt_age(char *buf, size_t len, double s)
{
	if (s < 0 || isnan(s)) {
		snprintf(buf, len, "-");
		return (buf);
	}
	return (draw_fmt_duration(buf, len, s));
}

char *
draw_fmt_clock(char *buf, size_t len, int64_t wall_us)
{
	time_t		t = (time_t)(wall_us / 1000000);
	struct tm	tm;

	localtime_r(&t, &tm);
	strftime(buf, len, "%H:%M:%S", &tm);
	return (buf);
}

char *
draw_fmt_latency(char *buf, size_t len, double us)
{
	if (us < 0)
		snprintf(buf, len, "-");
	else if (us < 1000)
		snprintf(buf, len, "%.0f us", us);
	else if (us < 1000000)
		snprintf(buf, len, "%.1f ms", us / 1000);
	else
		snprintf(buf, len, "%.1f s", us / 1e6);
	return (buf);
}

void
draw_putf(WINDOW *win, int y, int *x, int attr, const char *fmt, ...)
{
	char	buf[512];
	va_list	ap;
	int	w = getmaxx(win) - *x;

	if (w <= 0 || y < 0 || y >= getmaxy(win))
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	*x += draw_text(win, y, *x, w, attr, 0, buf);
}

int
draw_server_header(WINDOW *win, const char *label, const char *endpoint,
    int64_t wall_us, bool stale, const struct snap_server_status *st)
{
	char	title[256], right[96], a[32], clk[16];
	int	w = getmaxx(win), x = 0;
	double	age = (clk_wall_us() - wall_us) / 1e6;

	if (wall_us == 0 || endpoint == NULL) {
		draw_title(win, 0, 0, w, label, st->state);
		return (1);
	}
	snprintf(title, sizeof(title), "%s %s", label, endpoint);
	if (stale)
		snprintf(right, sizeof(right), "STALE: data of %s",
		    draw_fmt_clock(clk, sizeof(clk), wall_us));
	else
		snprintf(right, sizeof(right), "updated %s ago",
		    draw_fmt_age(a, sizeof(a), age));
	draw_title(win, 0, 0, w, title, right);
	if (!stale)
		return (1);
	draw_putf(win, 1, &x, draw_attr(DR_BAD), "STALE %s: %s %s%s%s",
	    draw_fmt_age(a, sizeof(a), age), label, st->state,
	    st->error[0] ? " - " : "", st->error);
	return (2);
}
