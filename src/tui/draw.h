/*
 * draw.h - the drawing kit every pane shares (htop's generic Meter drawing):
 * safe text, gauges, sparklines, aligned tables with a row cursor and
 * horizontal scroll, section titles, and number formatting.
 *
 * Panes compute numbers and rows; these functions put them on screen, so all
 * panes look alike and honour --ascii, a non-UTF-8 locale and NO_COLOR the
 * same way. Rules every function keeps:
 *  - Text is SAFE: control characters are escaped ("\n", "\t", "\x1b", "\xff"
 *    for invalid bytes, "\u200e" for unprintable wide characters; esc.h),
 *    so data from a server can never move the cursor or change the terminal.
 *  - Nothing is drawn outside [x, x + w) of the row given; a value too long
 *    for its room is cut and ends in a marker ("…", or "~" in ASCII).
 *  - Colours are roles (DR_OK, DR_BAD ...): monochrome terminals get
 *    A_BOLD / A_REVERSE / A_DIM instead, and gauges change glyphs per segment.
 *
 * Threads: the curses functions (everything taking a WINDOW) are UI thread
 * only. The string functions (draw_escape, draw_width, draw_fit, draw_fmt_*)
 * are pure and thread-safe once draw_setup has run (it only reads the locale).
 */
#ifndef MCPDB_DRAW_H
#define MCPDB_DRAW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <curses.h>

#include "out.h"

/* What a piece of the screen means; draw_attr turns it into attributes. */
enum draw_role {
	DR_NORMAL,
	DR_DIM,			/* stale data, hints, NULL cells */
	DR_TITLE,		/* section titles */
	DR_HEADER,		/* table header row */
	DR_CURSOR,		/* the selected row of a focused table */
	DR_OK,			/* healthy */
	DR_WARN,		/* needs attention */
	DR_BAD,			/* failing, down, breaker open */
	DR_KEY,			/* key names in help texts */
	DR_BAR1,		/* gauge segments, in order */
	DR_BAR2,
	DR_BAR3,
	DR_TAB,			/* an inactive tab */
	DR_TAB_ACTIVE,		/* the selected tab */
	DR_STATUS,		/* the status line */
	DR_PROTECTED,		/* a protected target's name */
	DR__COUNT
};

/* Line-drawing and marker glyphs (UTF-8, or ASCII with --ascii/non-UTF-8). */
enum draw_glyph {
	DG_HLINE,		/* ─  - */
	DG_VLINE,		/* │  | */
	DG_TL,			/* ┌  + */
	DG_TR,			/* ┐  + */
	DG_BL,			/* └  + */
	DG_BR,			/* ┘  + */
	DG_ELLIPSIS,		/* …  ~   (cut marker) */
	DG_UP,			/* ▲  ^   (sort ascending) */
	DG_DOWN,		/* ▼  v   (sort descending) */
	DG_LEFT,		/* «  <   (scrolled right: more on the left) */
	DG_BULLET,		/* •  * */
	DG__COUNT
};

/* Text flags for draw_text and friends. */
#define DRAW_PAD	0x01	/* fill the rest of [x, x + w) with spaces */
#define DRAW_RIGHT	0x02	/* right-align within w */
#define DRAW_CENTER	0x04	/* centre within w */

/*
 * Set up once, after initscr: ascii forces ASCII glyphs (also chosen when the
 * locale is not UTF-8), mono turns colours off (NO_COLOR, no colour
 * terminal). Initialises colour pairs when colours are on. UI thread.
 */
void	draw_setup(bool ascii, bool mono);
/* True when glyphs are ASCII (--ascii or a non-UTF-8 locale). */
bool	draw_is_ascii(void);
/* True when colours are off. */
bool	draw_is_mono(void);
/* The attributes (colour pair and/or A_*) for a role. */
int	draw_attr(enum draw_role);
/* The glyph as a string (borrowed, static). */
const char *draw_glyph(enum draw_glyph);

/* ---- safe strings (pure) ---- */

/* s with control characters and invalid bytes escaped (NULL gives ""). Caller frees. */
char	*draw_escape(const char *s);
/* Display width of s once escaped (columns). */
int	draw_width(const char *s);
/*
 * Write s (escaped) into dst fitted to exactly w columns: cut with the marker
 * when longer, padded with spaces when shorter (on the left when right is
 * true). dst gets at most len - 1 bytes and is always terminated; returns dst.
 */
char	*draw_fit(char *dst, size_t len, const char *s, int w, bool right);
/* Draw formatted text at (y, *x) in attr and advance *x; clipped to the window. */
void	draw_putf(WINDOW *, int y, int *x, int attr, const char *fmt, ...)
	    __attribute__((format(printf, 5, 6)));
/*
 * A server pane's header: "<label> <endpoint>" titled with how fresh the data
 * is, plus a STALE line with the server's state and last error when stale.
 * wall_us 0 = no data yet (endpoint may then be NULL). Returns rows used.
 */
struct snap_server_status;
int	draw_server_header(WINDOW *, const char *label, const char *endpoint,
	    int64_t wall_us, bool stale, const struct snap_server_status *);

/* ---- text and lines (UI thread) ---- */

/*
 * Draw s escaped at (y, x), at most w columns, cut with the marker when it
 * does not fit. Returns the columns drawn (padding included).
 */
int	draw_text(WINDOW *, int y, int x, int w, int attr, int flags, const char *s);
/* draw_text with a printf format. */
int	draw_textf(WINDOW *, int y, int x, int w, int attr, int flags, const char *fmt, ...)
	    __attribute__((format(printf, 7, 8)));
/*
 * draw_text that first skips `skip` columns of s (horizontal scroll). When
 * skip > 0 the first column shows DG_LEFT so the operator knows there is more.
 */
int	draw_text_skip(WINDOW *, int y, int x, int w, int attr, int flags, int skip, const char *s);
/* A horizontal line of w columns. */
void	draw_hline(WINDOW *, int y, int x, int w, int attr);
/* A vertical line of h rows. */
void	draw_vline(WINDOW *, int y, int x, int h, int attr);
/* A box outline (h rows, w columns); the inside is cleared. */
void	draw_box(WINDOW *, int y, int x, int h, int w, int attr);
/*
 * A section title across w columns: "── Title ─────── right ─" (right may be
 * NULL; e.g. "stale 12 s"). Title in DR_TITLE, right in DR_DIM.
 */
void	draw_title(WINDOW *, int y, int x, int w, const char *title, const char *right);

/* ---- gauges and sparklines (UI thread) ---- */

/* One segment of a gauge: a value and its role (DR_BAR1..3, DR_WARN ...). */
struct draw_seg {
	double		value;
	enum draw_role	role;
};

/*
 * A gauge, htop style: `label[|||||||      text]` across w columns; label is
 * drawn in label_w columns (0: its own width), text (may be NULL) right-aligned
 * inside the bar. Segments are stacked in order against max; values beyond
 * max are clipped (the text should say so). max <= 0 draws an empty bar.
 * In monochrome each segment gets its own glyph (█ ▒ ░ or # = -).
 */
void	draw_gauge(WINDOW *, int y, int x, int w, const char *label, int label_w,
	    const struct draw_seg *segs, size_t nseg, double max, const char *text);
/*
 * A one-value gauge whose colour follows the fill: DR_OK below warn, DR_WARN
 * below bad, DR_BAD above (fractions of max, e.g. 0.7 and 0.9).
 */
void	draw_bar(WINDOW *, int y, int x, int w, const char *label, int label_w,
	    double value, double max, double warn, double bad, const char *text);

/*
 * A sparkline of the newest min(n, w) values of v (oldest first), right-
 * aligned in w columns. Scale: [lo, hi]; hi <= lo scales to the data (from 0).
 * NaN values draw as a gap (no sample). ▁▂▃▄▅▆▇█ or ASCII "_.-=+*#@".
 */
void	draw_spark(WINDOW *, int y, int x, int w, const double *v, size_t n,
	    double lo, double hi, enum draw_role);

/* A fixed ring of samples for sparklines (a value type; zero it to start). */
#define DRAW_HIST_MAX	256
struct draw_hist {
	double	v[DRAW_HIST_MAX];
	size_t	n;		/* samples held (<= DRAW_HIST_MAX) */
	size_t	head;		/* next slot to write */
};
/* Append a sample (NaN = no sample), dropping the oldest when full. */
void	draw_hist_push(struct draw_hist *, double);
/* Copy up to max samples, oldest first; returns how many. */
size_t	draw_hist_copy(const struct draw_hist *, double *out, size_t max);
/* draw_spark over a ring. */
void	draw_spark_hist(WINDOW *, int y, int x, int w, const struct draw_hist *,
	    double lo, double hi, enum draw_role);

/* ---- tables with a row cursor (UI thread) ---- */

/*
 * The view state of one table on screen: a value type the pane embeds and
 * keeps between draws (draw_table_init sets the defaults). Rows come from a
 * struct table (out.h), so console results and pane lists draw the same way.
 * Columns are as wide as their widest cell (capped at maxw, except the last
 * one, which gets what is left), numbers are right-aligned, a NULL cell
 * reads "NULL"; columns are separated by two spaces.
 */
struct draw_table {
	size_t	cursor;		/* selected row */
	size_t	top;		/* first row shown */
	int	hscroll;	/* columns of text scrolled off to the left */
	int	maxw;		/* width cap for all but the last column (default 40) */
	bool	cursor_on;	/* false: a read-only list (no cursor bar; keys scroll) */
	int	sort_col;	/* column with the sort marker, -1 for none */
	bool	sort_desc;	/* ▼ instead of ▲ */
	int	page;		/* rows shown by the last draw (set by draw_table) */
};

/* Defaults: cursor on, maxw 40, no sort marker. */
void	draw_table_init(struct draw_table *);
/*
 * Draw t in the rectangle (y, x, h rows, w columns): the header row, then the
 * rows from st->top; clamps st->cursor and st->top into range and scrolls so
 * the cursor is visible. The cursor row is DR_CURSOR when focused, bold when
 * not. An empty table shows "(no rows)". Returns the number of rows drawn.
 */
int	draw_table(WINDOW *, int y, int x, int h, int w, const struct table *t,
	    struct draw_table *st, bool focused);
/*
 * Move the cursor or scroll for a key: Up/Down/j/k, PgUp/PgDn, Home/End/g/G,
 * Left/Right/h/l (horizontal scroll by 8). Call it after the pane's own keys.
 * Returns PANE_HANDLED|PANE_REDRAW, or PANE_UNHANDLED (pane.h bits).
 */
int	draw_table_key(struct draw_table *, const struct table *t, int ch);
/* Keys draw_table_key handles, for a pane's '?' list (NULL-terminated). */
extern const char *const draw_table_keys[];

/* ---- number formatting (pure; each returns buf) ---- */

/* 1204 -> "1,204" (negative numbers keep their sign). */
char	*draw_fmt_count(char *buf, size_t len, long long n);
/* Bytes in binary units: "512 B", "1.5 KiB", "12.0 MiB", "3.25 GiB". */
char	*draw_fmt_bytes(char *buf, size_t len, double bytes);
/* A duration: "850 ms", "3.2 s", "59 s", "14 min", "2 h 05 min", "3 d 04 h". */
char	*draw_fmt_duration(char *buf, size_t len, double seconds);
/* An age or duration that may be unknown: "-" when negative or NaN. */
char	*draw_fmt_age(char *buf, size_t len, double seconds);
/* HH:MM:SS (local time) of a wall-clock time in microseconds. */
char	*draw_fmt_clock(char *buf, size_t len, int64_t wall_us);
/* A latency in microseconds: "85 us", "1.2 ms", "2.3 s"; "-" when negative. */
char	*draw_fmt_latency(char *buf, size_t len, double us);
/* num/den as "12.3%", or "n/a" when den <= 0. */
char	*draw_fmt_pct(char *buf, size_t len, double num, double den);

#endif
