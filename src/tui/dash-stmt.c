/*
 * dash-stmt.c - the Dashboard's top queries view (t): pg_stat_statements
 * (pgstmt.c) by total time over the last reading's interval, every 2 s
 * while open; the first reading shows the totals since the last reset.
 */
#include "config.h"

#include "pgstmt.h"
#include "dash-view.h"

static void *
dash_stmt_read(PGconn *c, struct mc_err *err)
{
	return (pgstmt_read(c, err));
}

static const char *
dash_stmt_fill(struct textview *tv, const void *cur, const void *prev)
{
	const struct pgstmt	*s = cur, *p = prev;
	struct table		*t;

	if (!s->available) {
		textview_add(tv, DR_WARN, s->why ? s->why : "pg_stat_statements is not available");
		return ("unavailable");
	}
	if (p != NULL && p->available)
		textview_addf(tv, DR_TITLE, "Top statements by total time over the last %.1f s",
		    s->t - p->t);
	else
		textview_addf(tv, DR_TITLE, "Top statements by total time since %s (rates after "
		    "the next reading)", s->reset ? s->reset : "the last reset");
	t = pgstmt_top(p != NULL && p->available ? p : NULL, s, PGSTMT_TOTAL, 30);
	if (t->nrows == 0)
		textview_add(tv, DR_DIM, "  (no statement ran)");
	else
		textview_add_table(tv, t, 60, "  ", DR_NORMAL);
	table_free(t);
	if (s->dealloc > 0)
		textview_addf(tv, DR_DIM, "%lld entries evicted since the reset "
		    "(pg_stat_statements.max)", s->dealloc);
	return (p != NULL ? "deltas" : "totals");
}

static void
dash_stmt_free(void *s)
{
	pgstmt_free(s);
}

const struct dash_view_ops dash_stmt_ops = {
	.title = "Top queries (pg_stat_statements)", .prefs_key = "top-queries", .refresh_ms = 2000,
	.read = dash_stmt_read, .fill = dash_stmt_fill, .free = dash_stmt_free,
};
