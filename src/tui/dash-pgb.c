/* dash-pgb.c - the Dashboard on PgBouncer's admin console (see dash-pgb.h). */
#include "config.h"

#include "dash-pgb.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "out.h"
#include "pgbadmin.h"
#include "xmem.h"
#include "draw.h"

/* The columns shown, in order, when the console has them (versions vary). */
static const char *const dash_pgb_pool_cols[] = {
	"database", "user", "cl_active", "cl_waiting", "sv_active", "sv_idle",
	"sv_used", "sv_login", "maxwait", "pool_mode", NULL
};
static const char *const dash_pgb_stat_cols[] = {
	"database", "total_xact_count", "total_query_count", "avg_xact_count",
	"avg_query_count", "avg_xact_time", "avg_query_time", "avg_wait_time",
	"total_received", "total_sent", NULL
};

/* A copy of t with only the wanted columns it has. Caller frees. */
static struct table *
dash_pgb_project(const struct table *t, const char *const *want)
{
	const char	*names[16], *vals[16];
	size_t		 idx[16], n = 0, i, c, r;
	struct table	*o;

	for (i = 0; want[i] != NULL && n < 16; i++)
		for (c = 0; c < t->ncols; c++)
			if (strcmp(t->cols[c], want[i]) == 0) {
				names[n] = t->cols[c];
				idx[n++] = c;
				break;
			}
	o = table_new_cols(t->title, n, names);
	for (r = 0; r < t->nrows; r++) {
		for (i = 0; i < n; i++)
			vals[i] = table_cell(t, r, idx[i]);
		table_add_row(o, vals);
	}
	return (o);
}

/* One read-only table under a title in at most h rows; returns rows used. */
static int
dash_pgb_table(WINDOW *win, int y, int h, const char *title,
    const char *right, const struct table *t, const char *const *want)
{
	struct draw_table	 st;
	struct table		*p;
	int			 n;

	if (h < 2)
		return (0);
	draw_title(win, y, 0, getmaxx(win), title, right);
	p = dash_pgb_project(t, want);
	draw_table_init(&st);
	st.cursor_on = false;
	/* draw_table counts body rows; "(no rows)" takes one too. */
	n = 2 + draw_table(win, y + 1, 0, h - 1, getmaxx(win), p, &st, false);
	table_free(p);
	if (t->nrows == 0)
		n++;
	return (n > h ? h : n);
}

void
dash_pgb_draw(WINDOW *win, int y, const struct snap_pg *pg, bool stale)
{
	struct buf	 probs;
	char		 title[192], right[96], a[32], b[32];
	int		 h = getmaxy(win), w = getmaxx(win), half, np;

	snprintf(title, sizeof(title), "PgBouncer admin console%s%s",
	    pg->server[0] ? " at " : "", pg->server);
	snprintf(right, sizeof(right), "%d statements in %s per refresh%s",
	    pg->statements, draw_fmt_latency(a, sizeof(a),
	    (double)pg->took_us), stale ? " (stale)" : "");
	draw_title(win, y++, 0, w, title, right);
	buf_init(&probs);
	np = pgbadmin_problems(pg->pgb_pools, &probs);
	if (np > 0)
		draw_text(win, y++, 0, w, draw_attr(DR_WARN), DRAW_PAD,
		    probs.data);
	else
		draw_text(win, y++, 0, w, draw_attr(DR_DIM), DRAW_PAD,
		    "no client waits a second or more for a server "
		    "connection");
	buf_done(&probs);
	/* The pools as tall as they are, up to half of what is left. */
	half = (h - y) / 2;
	if (half < 3)
		half = h - y;
	if ((int)pg->pgb_pools->nrows + 2 < half)
		half = (int)pg->pgb_pools->nrows + 2;
	snprintf(b, sizeof(b), "%zu pool%s", pg->pgb_pools->nrows,
	    pg->pgb_pools->nrows == 1 ? "" : "s");
	y += dash_pgb_table(win, y, half, "Pools (SHOW POOLS)", b,
	    pg->pgb_pools, dash_pgb_pool_cols);
	dash_pgb_table(win, y, h - y, "Stats (SHOW STATS, avg per second "
	    "and us)", NULL, pg->pgb_stats, dash_pgb_stat_cols);
}
