/*
 * prefs.h - the shell's per-user display choices (the refresh interval,
 * each table's sort column and direction), kept in
 * $XDG_CONFIG_HOME/mcpdb/tui.json (default ~/.config/mcpdb/tui.json) and
 * replaced atomically. The pause is never saved. Values only: no curses,
 * no threads; the UI thread owns the one struct prefs of the shell.
 *
 * The file: {"refresh_ms": 2000, "sort": {"sessions": {"column": "PID",
 * "descending": false}, ...}}. Unknown keys are ignored (a newer mcpdb's
 * file still loads); a file that is not such an object is refused whole.
 */
#ifndef MCPDB_PREFS_H
#define MCPDB_PREFS_H

#include <stdbool.h>

#include "err.h"

/* Bounds of the refresh interval (ms); prefs_clamp_ms keeps a value in them. */
#define PREFS_REFRESH_MIN_MS	250
#define PREFS_REFRESH_MAX_MS	60000

struct prefs;

/* Empty choices (every getter answers "unset"). Caller frees. */
struct prefs	*prefs_new(void);
void		 prefs_free(struct prefs *);

/*
 * Replace p's choices with those of text (JSON). On error p is left empty
 * (the defaults) and err says what is wrong; returns 0 or -1.
 */
int	prefs_parse(struct prefs *, const char *text, struct mc_err *);
/*
 * Load path into p. A missing file is not an error (p is left empty);
 * an unreadable or corrupt one is -1 with err naming path, p empty.
 */
int	prefs_load(struct prefs *, const char *path, struct mc_err *);
/* The JSON text of p. Caller frees. */
char	*prefs_text(const struct prefs *);
/*
 * Write p to path atomically (a temporary file renamed over it, mode
 * 0600), creating the missing directories (0700). Returns 0 or -1.
 */
int	prefs_save(const struct prefs *, const char *path, struct mc_err *);
/* $XDG_CONFIG_HOME/mcpdb/tui.json (a relative XDG_CONFIG_HOME is ignored), else ~/.config/...; NULL without HOME. Caller frees. */
char	*prefs_path(void);

/* v within [PREFS_REFRESH_MIN_MS, PREFS_REFRESH_MAX_MS]. */
int	prefs_clamp_ms(int v);
/* The saved refresh interval in ms, or 0 when unset. */
int	prefs_refresh_ms(const struct prefs *);
/* Set it (clamped); 0 unsets it. */
void	prefs_set_refresh_ms(struct prefs *, int ms);
/*
 * The saved sort of table view ("sessions", "redis-clients"): true with
 * *column (borrowed: valid until the next set on p) and *desc; false when
 * unset.
 */
bool	prefs_sort(const struct prefs *, const char *view, const char **column, bool *desc);
void	prefs_set_sort(struct prefs *, const char *view, const char *column, bool desc);
/* Has p changed since it was loaded or last saved (prefs_mark_saved)? */
bool	prefs_dirty(const struct prefs *);
void	prefs_mark_saved(struct prefs *);

#endif
