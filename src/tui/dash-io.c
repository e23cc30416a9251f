/*
 * dash-io.c - the Dashboard's I/O and WAL view (w): what `mcpdb io status`
 * shows (pgio.c), with rates between this reading and the one before,
 * every 2 s while open.
 */
#include "config.h"

#include "pgio.h"
#include "dash-view.h"

static void *
dash_io_read(PGconn *c, struct mc_err *err)
{
	return (pgio_read(c, err));
}

static const char *
dash_io_fill(struct textview *tv, const void *cur, const void *prev)
{
	const struct pgio_sample	*s = cur, *p = prev;
	struct table			*t;

	textview_add(tv, DR_TITLE, "Server");
	t = pgio_summary(p, s);
	textview_add_table(tv, t, 24, "  ", DR_NORMAL);
	table_free(t);
	textview_add(tv, DR_NORMAL, "");
	textview_addf(tv, DR_TITLE, "Tables of %s with the most writes per second", s->db);
	if (p == NULL)
		textview_add(tv, DR_DIM, "  (rates after the next reading)");
	else {
		t = pgio_table_rates(p, s, 20);
		if (t->nrows == 0)
			textview_add(tv, DR_DIM, "  (no inserts, updates or deletes since the last reading)");
		else
			textview_add_table(tv, t, 40, "  ", DR_NORMAL);
		table_free(t);
	}
	return (p != NULL ? "rates over the last 2 s" : "first reading");
}

static void
dash_io_free(void *s)
{
	pgio_free(s);
}

const struct dash_view_ops dash_io_ops = {
	.title = "I/O and WAL", .prefs_key = "io", .refresh_ms = 2000,
	.read = dash_io_read, .fill = dash_io_fill, .free = dash_io_free,
};
