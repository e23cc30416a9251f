/*
 * poller.h - the poller thread: every interval it samples PostgreSQL (pool
 * metrics, server statistics, sessions) and Redis (INFO, PING, client-side
 * stats) on its own connections, computes rates against the previous sample
 * and publishes a fresh snapshot by pointer swap (STYLE.md example 4).
 * It never blocks the UI thread: a slow or dead server only makes snapshots
 * stale (their status says so).
 *
 * Cost per refresh on the server: PostgreSQL gets one read-only transaction
 * of four statements (BEGIN, one summary row, the sessions list, COMMIT) on
 * one persistent connection (application_name mcpdb/monitor);
 * pg_blocking_pids() runs inside the sessions query only while someone
 * waits on a lock, at most every 5 s. While the server shows replication
 * (standbys, slots, recovery), three more statements per refresh read it
 * for the replication section (repl_sample, after the COMMIT). Redis
 * gets PING and one multi-section INFO; SLOWLOG and LATENCY LATEST every
 * 10 s, CONFIG GET every 60 s. When the Redis is a cluster, each refresh
 * reads the cluster view instead of the PING (a cluster's PING is every
 * master's): 3 + 2 x nodes commands (poller-cluster.h), then the INFO.
 */
#ifndef MCPDB_POLLER_H
#define MCPDB_POLLER_H

#include "conf.h"
#include "err.h"
#include "log.h"
#include "snapshot.h"

struct poller;
struct conn;

/*
 * A poller for target t (copied: it need not outlive the poller). log is
 * borrowed and used until poller_free returns (the monitor's own pool and
 * Redis client get no logger). Not started. Caller frees.
 */
struct poller	*poller_new(const struct conf_target *, struct logger *, int interval_ms, struct mc_err *);
/*
 * Also report the pool and Redis client counters of conn (borrowed; must
 * outlive the poller), e.g. the console's manager, as role "console". Call
 * before poller_start. Reading them is a copy under their locks, no I/O.
 */
void	poller_watch_conn(struct poller *, struct conn *);
/* Start the thread. */
int	poller_start(struct poller *, struct mc_err *);
/* UI thread: take ownership of the newest unread snapshot, or NULL. */
struct snapshot	*poller_take(struct poller *);
/*
 * A file descriptor that becomes readable when a snapshot is published
 * (a self-pipe; poller_take drains it). The UI may poll() it beside the
 * terminal to show new data at once instead of at its next tick. Owned by
 * the poller: do not read or close it, and stop polling it before
 * poller_free. -1 when the pipe could not be made.
 */
int	poller_fd(struct poller *);
/*
 * Sample every ms from now on (at least 100). Takes effect at once: the
 * next sample comes ms after the last one (at once if that is past). Any
 * thread.
 */
void	poller_set_interval(struct poller *, int ms);
/* Ask for a sample now (e.g. after a cancel). */
void	poller_wake(struct poller *);
/*
 * Read the lock tree (one more statement per refresh) while want is true:
 * a view that shows it asks, and stops asking when it closes. Any thread.
 */
void	poller_want_locks(struct poller *, bool want);
/* The same for CLIENT LIST (one more command in the Redis pipeline). */
void	poller_want_clients(struct poller *, bool want);
/*
 * Stop and free. Returns promptly even when a server is frozen (the thread
 * is told to stop and, if still blocked after a short grace, is left to end
 * on its own deadline with its resources). Once it returns, nothing of the
 * poller touches the logger or the target again, so the caller may free
 * them at once.
 */
void	poller_free(struct poller *);

#endif
