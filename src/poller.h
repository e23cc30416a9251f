/*
 * poller.h - the poller thread: every interval it samples PostgreSQL (pool
 * metrics, server statistics, sessions) and Redis (INFO, PING, client-side
 * stats) on its own connections, computes rates against the previous sample
 * and publishes a fresh snapshot by pointer swap (STYLE.md example 4).
 * It never blocks the UI thread: a slow or dead server only makes snapshots
 * stale (their status says so).
 */
#ifndef MCPDB_POLLER_H
#define MCPDB_POLLER_H

#include "conf.h"
#include "err.h"
#include "log.h"
#include "snapshot.h"

struct poller;

/* A poller for target t (borrowed; must outlive it). Not started. Caller frees. */
struct poller	*poller_new(const struct conf_target *, struct logger *, int interval_ms, struct mc_err *);
/* Start the thread. */
int	poller_start(struct poller *, struct mc_err *);
/* UI thread: take ownership of the newest unread snapshot, or NULL. */
struct snapshot	*poller_take(struct poller *);
/* Ask for a sample now (e.g. after a cancel). */
void	poller_wake(struct poller *);
/*
 * Stop and free. Returns promptly even when a server is frozen (the thread
 * is told to stop and, if still blocked after a short grace, is left to end
 * on its own deadline with its resources).
 */
void	poller_free(struct poller *);

#endif
