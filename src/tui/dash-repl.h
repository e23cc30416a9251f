/*
 * dash-repl.h - the Dashboard's replication section: on a primary each
 * standby with its state and lag and each replication slot with the WAL it
 * retains (an inactive or lost slot flagged), on a standby its WAL receiver
 * and replay lag, as the poller sampled them with repl_sample (snap_pg's
 * repl part). Drawing only; UI thread only.
 */
#ifndef MCPDB_DASH_REPL_H
#define MCPDB_DASH_REPL_H

#include <stdbool.h>

#include <curses.h>

#include "snapshot.h"

/*
 * Rows the section wants for pg in w columns, its title included; 0 =
 * nothing to show.
 */
int	dash_repl_rows(const struct snap_pg *pg, int w);

/*
 * Draw the section at row y of win in at most maxrows rows (stale dims
 * it). Returns the rows used.
 */
int	dash_repl_draw(WINDOW *win, int y, int maxrows,
	    const struct snap_pg *pg, bool stale);

#endif
