/*
 * t-draw.c - unit tests for the pane drawing kit: escaping, fitting and
 * cutting in UTF-8 and C locales, number formats, and what tables, gauges,
 * sparklines and text actually put on a (virtual) curses screen.
 */
#include "config.h"

#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include <curses.h>

#include "tap.h"
#include "tui/draw.h"
#include "tui/pane.h"

/* Row y of win as UTF-8 text, trailing spaces kept. */
static const char *
row_text(WINDOW *win, int y)
{
	static char	out[1024];
	wchar_t		wbuf[256];
	int		n;

	n = mvwinnwstr(win, y, 0, wbuf, 255);
	if (n < 0)
		n = 0;
	wbuf[n] = L'\0';
	if (wcstombs(out, wbuf, sizeof(out)) == (size_t)-1)
		snprintf(out, sizeof(out), "(unconvertible)");
	return (out);
}

/* The string functions under the current locale. */
static void
strings_utf8(void)
{
	char	*e, b[64];

	e = draw_escape("a\nb\tc\x01\x7f");
	is_str(e, "a\\nb\\tc\\x01\\x7f", "control characters are escaped");
	free(e);
	e = draw_escape("h\xc3\xa9llo \xff \xc2\x9b\x1b[2J");
	is_str(e, "h\xc3\xa9llo \\xff \\u009b\\x1b[2J", "UTF-8 kept; invalid byte, C1 and ESC escaped");
	free(e);
	e = draw_escape(NULL);
	is_str(e, "", "NULL escapes to an empty string");
	free(e);
	is_int(draw_width("\xe6\x97\xa5\xe6\x9c\xac"), 4, "two CJK characters are 4 columns");
	is_int(draw_width("a\nb"), 4, "an escaped newline counts 2 columns");
	is_str(draw_fit(b, sizeof(b), "abcdef", 4, false), "abc\xe2\x80\xa6", "cut with an ellipsis");
	is_str(draw_fit(b, sizeof(b), "ab", 4, false), "ab  ", "padded on the right");
	is_str(draw_fit(b, sizeof(b), "ab", 4, true), "  ab", "right-aligned");
	is_str(draw_fit(b, sizeof(b), "abcd", 4, false), "abcd", "exact fit is not cut");
	is_str(draw_fit(b, sizeof(b), "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e", 4, false),
	    "\xe6\x97\xa5 \xe2\x80\xa6", "a wide character never straddles the cut");
	is_str(draw_fit(b, 4, "abcdef", 8, false), "abc", "dst size is respected");
	is_str(draw_fit(b, 5, "\xe6\x97\xa5\xe6\x9c\xac", 4, false), "\xe6\x97\xa5",
	    "no half UTF-8 sequence at a short dst");
}

/* Number formats. */
static void
numbers(void)
{
	char	b[64];

	is_str(draw_fmt_count(b, sizeof(b), 1204), "1,204", "thousands separator");
	is_str(draw_fmt_count(b, sizeof(b), -1234567), "-1,234,567", "negative count");
	is_str(draw_fmt_count(b, sizeof(b), 999), "999", "small count");
	is_str(draw_fmt_bytes(b, sizeof(b), 512), "512 B", "bytes");
	is_str(draw_fmt_bytes(b, sizeof(b), 1536), "1.50 KiB", "KiB");
	is_str(draw_fmt_bytes(b, sizeof(b), 12.0 * 1024 * 1024), "12.0 MiB", "MiB");
	is_str(draw_fmt_duration(b, sizeof(b), 0.85), "850 ms", "milliseconds");
	is_str(draw_fmt_duration(b, sizeof(b), 3.24), "3.2 s", "seconds with a decimal");
	is_str(draw_fmt_duration(b, sizeof(b), 840), "14 min", "minutes");
	is_str(draw_fmt_duration(b, sizeof(b), 7500), "2 h 05 min", "hours");
	is_str(draw_fmt_duration(b, sizeof(b), 3 * 86400 + 4 * 3600), "3 d 04 h", "days");
	is_str(draw_fmt_pct(b, sizeof(b), 1, 0), "n/a", "no denominator is n/a");
	is_str(draw_fmt_pct(b, sizeof(b), 1, 8), "12.5%", "percentage");
}

/* What lands on a virtual screen. */
static void
screen(void)
{
	FILE		*out = fopen("/dev/null", "w"), *in = fopen("/dev/null", "r");
	SCREEN		*scr;
	WINDOW		*w;
	struct table	*t;
	struct draw_table st;
	struct draw_hist h;
	double		 v[8];
	int		 i;

	scr = newterm("xterm", out, in);
	if (scr == NULL) {
		skip(14, "no xterm terminfo");
		return;
	}
	draw_setup(false, true);
	ok(draw_is_mono(), "mono when asked");
	ok(!draw_is_ascii(), "UTF-8 glyphs in a UTF-8 locale");
	w = newwin(8, 40, 0, 0);

	draw_text(w, 0, 5, 10, A_NORMAL, 0, "0123456789abcdef");
	is_str(row_text(w, 0), "     012345678\xe2\x80\xa6                         ",
	    "long text cut at its width with a marker; nothing drawn beyond");
	draw_text(w, 1, 0, 40, A_NORMAL, DRAW_PAD, "x\033[31mred");
	is_str(row_text(w, 1), "x\\x1b[31mred                            ", "escape sequences never reach the terminal");
	draw_text(w, 2, 35, 20, A_NORMAL, 0, "abcdefgh");
	is_str(row_text(w, 2) + 35, "abcd\xe2\x80\xa6", "text is clipped at the window edge");
	werase(w);

	t = table_new(NULL, 3, "pid", "state", "query");
	table_add(t, "12", "active", "select 1");
	table_add(t, "345", NULL, "select pg_sleep(10)\nfrom x");
	table_add(t, "6", "idle", "");
	draw_table_init(&st);
	st.sort_col = 0;
	st.cursor = 1;
	is_int(draw_table(w, 0, 0, 4, 40, t, &st, true), 3, "three rows drawn");
	is_str(row_text(w, 0), "pid\xe2\x96\xb2  state   query                    \xe2\x80\xa6",
	    "header with the sort marker, cut where the last column goes on");
	is_str(row_text(w, 1), "  12  active  select 1                 \xe2\x80\xa6", "numbers right-aligned");
	is_str(row_text(w, 2), " 345  NULL    select pg_sleep(10)\\nfrom\xe2\x80\xa6", "NULL shown; newline escaped");
	ok((mvwinch(w, 2, 0) & A_REVERSE) != 0, "the cursor row is reversed");
	is_int(draw_table_key(&st, t, KEY_DOWN), PANE_HANDLED | PANE_REDRAW, "Down is handled");
	is_int((long long)st.cursor, 2, "Down moves the cursor");
	draw_table_key(&st, t, KEY_DOWN);
	is_int((long long)st.cursor, 2, "the cursor stops at the last row");
	is_int(draw_table_key(&st, t, 'x'), PANE_UNHANDLED, "other keys are left to the pane");
	st.hscroll = 8;
	werase(w);
	draw_table(w, 0, 0, 4, 20, t, &st, true);
	is_str(row_text(w, 1), "\xc2\xab" "ive  select 1     \xe2\x80\xa6" "                    ",
	    "horizontal scroll shows a left marker");
	table_free(t);
	werase(w);

	draw_bar(w, 0, 0, 22, NULL, 0, 50, 100, 0.7, 0.9, "50/100");
	is_str(row_text(w, 0), "[\xe2\x96\x88\xe2\x96\x88\xe2\x96\x88\xe2\x96\x88\xe2\x96\x88\xe2\x96\x88\xe2\x96\x88\xe2\x96\x88\xe2\x96\x88\xe2\x96\x88    50/100]                  ",
	    "a half-full gauge with its text");
	werase(w);
	draw_bar(w, 0, 0, 12, NULL, 0, 1, 1, 0.7, 0.9, "1/1");
	is_str(row_text(w, 0), "[\xe2\x96\x88\xe2\x96\x88\xe2\x96\x88"
	    "\xe2\x96\x88\xe2\x96\x88\xe2\x96\x88 1/1]" "                            ",
	    "a full gauge stops a blank short of its text");
	for (i = 0; i < 8; i++)
		v[i] = i;
	draw_spark(w, 1, 0, 10, v, 8, 0, 0, DR_OK);
	is_str(row_text(w, 1), "  \xe2\x96\x81\xe2\x96\x82\xe2\x96\x83\xe2\x96\x84\xe2\x96\x85\xe2\x96\x86\xe2\x96\x87\xe2\x96\x88                              ",
	    "sparkline, right-aligned, autoscaled");
	memset(&h, 0, sizeof(h));
	for (i = 0; i < DRAW_HIST_MAX + 5; i++)
		draw_hist_push(&h, i);
	is_int((long long)draw_hist_copy(&h, v, 3), 3, "ring copies the newest");
	ok(v[0] == DRAW_HIST_MAX + 2 && v[2] == DRAW_HIST_MAX + 4, "oldest first, newest last");

	draw_setup(true, true);
	werase(w);
	draw_title(w, 0, 0, 30, "Pool", "stale 3 s");
	is_str(row_text(w, 0), "-- Pool ---------- stale 3 s -          ", "ASCII section title");
	delwin(w);
	endwin();
	delscreen(scr);
	fclose(out);
	fclose(in);
}

int
main(void)
{
	char	*e, b[32];

	if (setlocale(LC_ALL, "C.UTF-8") == NULL && setlocale(LC_ALL, "C.utf8") == NULL)
		skip_all("no C.UTF-8 locale");
	draw_setup(false, false);
	strings_utf8();
	numbers();
	screen();

	setlocale(LC_ALL, "C");
	draw_setup(false, false);
	ok(draw_is_ascii(), "ASCII glyphs in the C locale");
	e = draw_escape("caf\xc3\xa9");
	is_str(e, "caf\\xc3\\xa9", "C locale: bytes above 0x7f are escaped");
	free(e);
	is_str(draw_fit(b, sizeof(b), "abcdef", 4, false), "abc~", "C locale: ASCII cut marker");
	return (done_testing());
}
