/*
 * dash-pgb.h - the Dashboard when the target is PgBouncer's admin console
 * (dbname=pgbouncer): SHOW POOLS and SHOW STATS as the poller read them
 * (snap_pg's pgb_pools and pgb_stats), the columns an operator reads first,
 * and the pools whose clients wait flagged. Drawing only; UI thread only.
 */
#ifndef MCPDB_DASH_PGB_H
#define MCPDB_DASH_PGB_H

#include <stdbool.h>

#include <curses.h>

#include "snapshot.h"

/* Draw pg's console view from row y to the bottom of win. */
void	dash_pgb_draw(WINDOW *win, int y, const struct snap_pg *pg,
	    bool stale);

#endif
