/*
 * pane.h - the pane interface (tmux window_mode, htop Meter): a const ops
 * table with optional slots; NULL means "not supported". Panes turn a
 * snapshot into rows and numbers; drawing helpers live in draw.c.
 * UI thread only: every slot is called from the UI thread.
 */
#ifndef MCPDB_PANE_H
#define MCPDB_PANE_H

#include <stdbool.h>

#include <curses.h>

#include "err.h"

struct snapshot;
struct ui;

/* Key handler result bits (htop HandlerResult). */
#define PANE_UNHANDLED	0x00
#define PANE_HANDLED	0x01
#define PANE_REDRAW	0x02
#define PANE_QUIT	0x04

struct pane_ops {
	const char	*name;		/* tab label: "Dashboard" */
	char		 hotkey;	/* number key that selects it: '1'.. */
	/* Lines for the '?' overlay: "key  what it does", NULL-terminated. */
	const char *const *keys;
	/* Make the pane's state; NULL with err on failure. */
	void	*(*init)(struct ui *, struct mc_err *);
	void	 (*free)(void *);
	/* A new snapshot arrived (borrowed: copy what you keep). */
	void	 (*update)(void *, const struct snapshot *);
	/* Draw into win (already cleared and sized to the pane area). */
	void	 (*draw)(void *, WINDOW *win, bool focused);
	/*
	 * A key while this pane has focus; returns PANE_* bits. Every key
	 * reaches the focused pane FIRST (KEY_RESIZE excepted), so a pane can
	 * have a text-input mode; outside such a mode return PANE_UNHANDLED for
	 * keys you do not use, so the frame's global keys work: 1-6, Tab,
	 * Shift-Tab, ':', '?', 'e', 'q', Esc, Ctrl-L.
	 */
	int	 (*key)(void *, int ch);
	/* Called every UI tick (~100 ms) for panes with their own work. */
	int	 (*tick)(void *);
	/* Export the pane's current data as a cJSON object (for `e`). Caller owns. */
	struct cJSON *(*export)(void *);
};

/* The panes, in tab order (one ops table per pane-*.c file). */
extern const struct pane_ops pane_dash_ops;		/* pane-dash.c (tui-data) */
extern const struct pane_ops pane_redis_ops;		/* pane-redis.c (tui-data) */
extern const struct pane_ops pane_migrate_ops;		/* pane-migrate.c (tui-panes) */
extern const struct pane_ops pane_schema_ops;		/* pane-schema.c (tui-panes) */
extern const struct pane_ops pane_seeds_ops;		/* pane-seeds.c (tui-panes) */
extern const struct pane_ops pane_log_ops;		/* pane-log.c */

#endif
