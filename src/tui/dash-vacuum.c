/*
 * dash-vacuum.c - the Dashboard's vacuum and wraparound view (v): what
 * `mcpdb vacuum status` shows (pgvac.c), every 5 s while open.
 */
#include "config.h"

#include <stdlib.h>

#include "pgvac.h"
#include "xmem.h"
#include "dash-view.h"

/* Tables shown, most dead rows first. */
#define DV_TABLES	30

static void *
dash_vacuum_read(PGconn *c, struct mc_err *err)
{
	return (pgvac_read(c, DV_TABLES, err));
}

static const char *
dash_vacuum_fill(struct textview *tv, const void *cur, const void *prev)
{
	const struct pgvac	*d = cur;
	struct table		*t;
	char			*w;
	size_t			 i;

	(void)prev;
	textview_addf(tv, DR_TITLE, "Databases  (autovacuum_freeze_max_age %lld, "
	    "multixact %lld)", d->freeze_max_age, d->mfreeze_max_age);
	t = pgvac_db_table(d);
	textview_add_table(tv, t, 40, "  ", DR_NORMAL);
	table_free(t);
	for (i = 0; i < d->ndbs; i++) {
		if (d->dbs[i].level == PGVAC_OK)
			continue;
		w = pgvac_db_words(d, &d->dbs[i]);
		textview_addf(tv, d->dbs[i].level == PGVAC_CRIT ? DR_BAD : DR_WARN,
		    "  %s: %s", d->dbs[i].name, w);
		free(w);
	}
	textview_add(tv, DR_NORMAL, "");
	if (d->nruns == 0)
		textview_add(tv, DR_TITLE, "Running vacuums: none");
	else {
		textview_addf(tv, DR_TITLE, "Running vacuums: %zu", d->nruns);
		t = pgvac_run_table(d);
		textview_add_table(tv, t, 40, "  ", DR_NORMAL);
		table_free(t);
	}
	textview_add(tv, DR_NORMAL, "");
	if (d->horizon_kind == NULL)
		textview_add(tv, DR_OK, "Oldest xmin: nothing holds back VACUUM");
	else
		textview_addf(tv, d->horizon_age > 10000000 ? DR_WARN : DR_NORMAL,
		    "Oldest xmin: %s %s holds back %lld transaction IDs (VACUUM cannot remove "
		    "rows deleted after it started)", d->horizon_kind,
		    d->horizon_who ? d->horizon_who : "?", d->horizon_age);
	textview_add(tv, DR_NORMAL, "");
	textview_add(tv, DR_TITLE, "Tables of this database, most dead rows first "
	    "(bloat estimated from pg_stats)");
	if (d->ntables == 0)
		textview_add(tv, DR_DIM, "  (no tables)");
	else {
		t = pgvac_table_table(d);
		textview_add_table(tv, t, 32, "  ", DR_NORMAL);
		table_free(t);
	}
	return (pgvac_level_name(d->level));
}

static void
dash_vacuum_free(void *d)
{
	pgvac_free(d);
}

const struct dash_view_ops dash_vacuum_ops = {
	.title = "Vacuum and wraparound", .prefs_key = "vacuum", .refresh_ms = 5000,
	.read = dash_vacuum_read, .fill = dash_vacuum_fill, .free = dash_vacuum_free,
};
