/*
 * rdclients.h - the Redis pane's clients view (C): CLIENT LIST as the
 * poller reads it while the view is open, sorted by any column (s next,
 * < > left/right, S reverse; idle time first; saved in prefs.h), and a
 * client killed behind ui_confirm (k) on the job thread. UI thread only, except the job it starts.
 */
#ifndef MCPDB_RDCLIENTS_H
#define MCPDB_RDCLIENTS_H

#include <stdbool.h>

#include <curses.h>

#include "snapshot.h"
#include "ui.h"

struct rdclients;

/* A closed view. Caller frees. */
struct rdclients *rdclients_new(struct ui *);
void	rdclients_free(struct rdclients *);
/* Open: the poller adds CLIENT LIST to its refresh (and is woken). */
void	rdclients_open(struct rdclients *);
bool	rdclients_active(const struct rdclients *);
/* A new Redis part (borrowed, may be NULL): copy and sort its clients. */
void	rdclients_update(struct rdclients *, const struct snap_redis *);
void	rdclients_draw(struct rdclients *, WINDOW *, bool focused);
/* Esc/q/C close, s < > S sort, k kill the selected client (asks; refused while paused). */
int	rdclients_key(struct rdclients *, int ch);

#endif
