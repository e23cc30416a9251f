/* t-tui-prefs-sort.c - unit tests for how a saved sort orders a view's tables (textview_set_sort): numbers with units, text, ties, the column list. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "out.h"
#include "tap.h"
#include "tui/draw.h"
#include "tui/textview.h"

/* The first cell of each row of tv after the header, joined with '|'. */
static char *
firsts(const struct textview *tv)
{
	struct buf	b;
	size_t		i;

	buf_init(&b);
	for (i = 1; i < tv->n; i++) {
		const char	*l = tv->line[i];
		size_t		 n = strcspn(l, " ");

		buf_printf(&b, "%s%.*s", i > 1 ? "|" : "", (int)n, l);
	}
	return (buf_detach(&b));
}

/* Add t to a fresh view sorted by col and check the order. */
static void
order(const struct table *t, const char *col, bool desc, const char *want, const char *what)
{
	struct textview	tv;
	char		*got;

	textview_init(&tv);
	textview_set_sort(&tv, col, desc);
	textview_add_table(&tv, t, 0, "", DR_NORMAL);
	got = firsts(&tv);
	is_str(got, want, "%s", what);
	free(got);
	textview_done(&tv);
}

int
main(void)
{
	struct table	*t = table_new(NULL, 4, "name", "size", "time", "note");
	struct table	*u = table_new(NULL, 2, "name", "rate");
	struct textview	 tv;
	char *const	*cols;
	size_t		 n;

	draw_setup(true, true);
	table_add(t, "a", "900 B", "2 min", "x");
	table_add(t, "b", "1.5 KiB", "50 s", "-");
	table_add(t, "c", "1,204 B", "900 ms", "y");
	table_add(t, "d", "2 MiB", "1.0 s", "x");
	order(t, NULL, false, "a|b|c|d", "no sort: rows as given");
	order(t, "name", true, "d|c|b|a", "text, descending");
	order(t, "SIZE", false, "a|c|b|d", "sizes by value with their units (column name case-insensitive)");
	order(t, "time", true, "a|b|d|c", "durations by value with their units");
	order(t, "note", false, "b|a|d|c", "text: ties keep the given order");
	order(t, "nope", false, "a|b|c|d", "an unknown column leaves the order");
	table_add(u, "p", "3.5/s");
	table_add(u, "q", "n/a");
	table_add(u, "r", "12/s");
	order(u, "rate", true, "r|p|q", "numbers before text, rates by value");

	textview_init(&tv);
	textview_set_sort(&tv, "size", false);
	textview_add_table(&tv, t, 0, "", DR_NORMAL);
	like(tv.line[0], "size^", "the header marks the sort column (ASCII: ^)");
	textview_add_table(&tv, u, 0, "", DR_NORMAL);
	cols = textview_sort_cols(&tv, &n);
	is_int((long long)n, 5, "the columns of both tables, each once");
	ok(cols != NULL && strcmp(cols[4], "rate") == 0, "in the order met");
	ok(textview_sort_col_numeric(&tv, 1) && !textview_sort_col_numeric(&tv, 0),
	    "size holds numbers, name does not");
	textview_clear(&tv);
	textview_sort_cols(&tv, &n);
	is_int((long long)n, 0, "clear forgets the columns");
	ok(tv.sort_col != NULL && strcmp(tv.sort_col, "size") == 0, "but keeps the sort");
	textview_done(&tv);
	table_free(t);
	table_free(u);
	return (done_testing());
}
