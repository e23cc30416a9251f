/*
 * conn.h - the connection manager: one object that owns the selected
 * target's PostgreSQL pool and Redis client. Every command and every TUI pane
 * goes through it. Both sides are created lazily on first use, so a command
 * that needs only PostgreSQL never dials Redis. Thread-safe.
 */
#ifndef MCPDB_CONN_H
#define MCPDB_CONN_H

#include "conf.h"
#include "err.h"
#include "log.h"

struct conn;
struct pool;
struct rds;

/*
 * A manager for target (borrowed; must outlive the manager). component names
 * the application_name suffix ("mcpdb/<component>"). Never fails: nothing is
 * dialled yet. Caller frees with conn_close.
 */
struct conn	*conn_new(const struct conf_target *, struct logger *, const char *component);
/* The PostgreSQL pool, created on first call. NULL with err on failure. Borrowed. */
struct pool	*conn_pool(struct conn *, struct mc_err *);
/* The Redis client, created on first call. NULL with err (e.g. no redis configured). Borrowed. */
struct rds	*conn_rds(struct conn *, struct mc_err *);
/*
 * For long-running users (the TUI, the poller, metrics --listen): when the
 * target's Redis is Sentinel-managed, its client also listens for
 * +switch-master on one sentinel (rds-watch.h) and follows a failover at
 * once. A one-shot command does not need it. Never blocks.
 */
void	conn_push(struct conn *);
/* The target this manager serves. Borrowed. */
const struct conf_target *conn_target(const struct conn *);
/*
 * Graceful shutdown: stop lending, wait up to wait_ms for borrowed
 * connections, then close everything.
 */
void	conn_shutdown(struct conn *, int wait_ms);
/*
 * Quitting: stop lending and cut the lent PostgreSQL connections (see
 * pool_interrupt), so that a job blocked on a dead or frozen server fails
 * now. Thread-safe; nothing is freed.
 */
void	conn_interrupt(struct conn *);
/* Shut down (with a short wait) and free. NULL is fine. */
void	conn_close(struct conn *);

#endif
