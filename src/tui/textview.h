/*
 * textview.h - a scrollable list of text lines, each with a draw role: the
 * run output of the Migrations and Seeds panes, the SQL viewer, the Schema
 * pane's details, and (with a cursor) the migration list. Lines are stored
 * as given and drawn safely (draw.h escapes them); tabs become spaces.
 * A value type the pane embeds. UI thread only (it draws with curses).
 */
#ifndef MCPDB_TEXTVIEW_H
#define MCPDB_TEXTVIEW_H

#include <stdbool.h>
#include <stddef.h>

#include <curses.h>

#include "out.h"
#include "draw.h"

struct textview {
	char		**line;
	unsigned char	 *role;		/* enum draw_role of each line */
	size_t		  n, cap;
	size_t		  max;		/* keep the newest max lines (0: all) */
	size_t		  top;		/* first line shown */
	size_t		  cursor;	/* selected line, when cursor_on */
	bool		  cursor_on;	/* a selectable list */
	bool		  follow;	/* keep the newest line in view */
	bool		  wrap;		/* wrap long lines (no hscroll) */
	int		  hscroll;	/* columns scrolled off to the left */
	int		  page;		/* rows the last draw showed */
	char		 *header;	/* fixed top row (DR_HEADER), or NULL */
	/* Sorting of the tables added (textview_set_sort); kept by clear. */
	char		 *sort_col;	/* column name, or NULL: rows as given */
	bool		  sort_desc;
	char		**cols;		/* columns of the tables added since clear */
	bool		 *cols_num;	/* does each start with a number (first row) */
	size_t		  ncols;
};

/*
 * Sort the rows of every table added from now on that has a column named
 * col (case-insensitive): numbers by value, with their units (B/KiB/MiB..,
 * ms/s/min/h/d, %) and before text ("-", "n/a") in either direction,
 * other text in byte order; ties keep the given order.
 * Its header gets the sort arrow. NULL: rows as given. col is copied.
 */
void	textview_set_sort(struct textview *, const char *col, bool desc);
/*
 * Every column of the tables added since the last clear, each name once,
 * in the order met (what a view's < and > go through), *n of them; NULL
 * when none. Borrowed until the next clear or add.
 */
char *const *textview_sort_cols(const struct textview *, size_t *n);
/* Does column i of those hold numbers (the first row of each table with it does)? */
bool	textview_sort_col_numeric(const struct textview *, size_t i);

/* An empty view: no cursor, no follow, no wrap. */
void	textview_init(struct textview *);
/* Free the lines and the header. */
void	textview_done(struct textview *);
/* Drop every line (the header stays); scroll back to the top. */
void	textview_clear(struct textview *);
/* Append text (copied); a '\n' starts another line with the same role. */
void	textview_add(struct textview *, enum draw_role, const char *text);
void	textview_addf(struct textview *, enum draw_role, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));
/*
 * Append t as aligned columns (a header line in DR_HEADER, then rows in
 * role), each line starting with indent; columns wider than maxw are cut
 * with the marker, the last one is not. NULL cells read "".
 */
void	textview_add_table(struct textview *, const struct table *, int maxw,
	    const char *indent, enum draw_role role);
/* One row of cells at widths cw, as textview_add_table does. Caller frees. */
char	*textview_row(const char *const *cells, const int *cw, size_t n);
/*
 * Draw the view in the rectangle (y, x, h rows, w columns). The cursor row
 * is DR_CURSOR when focused, bold otherwise. Keeps top/cursor in range.
 */
void	textview_draw(WINDOW *, int y, int x, int h, int w, struct textview *,
	    bool focused);
/*
 * "rows A-B of N" for the rows the last draw showed (no wrap), or "" when
 * every line fits: how a list says that it scrolls.
 */
void	textview_position(const struct textview *, char *buf, size_t len);
/*
 * Scroll or move the cursor for a key: Up/Down/j/k, PgUp/PgDn, Home/End
 * (g/G), Left/Right (h/l) when not wrapping. Scrolling up stops following;
 * End follows again. PANE_HANDLED|PANE_REDRAW, or PANE_UNHANDLED.
 */
int	textview_key(struct textview *, int ch);

#endif
