/*
 * rds-watch.h - Sentinel push for a Sentinel-managed Redis client: one
 * subscriber on one Sentinel at a time (rds_sub: TLS, ACL, PING, reconnect)
 * listening to +switch-master, +sdown and +odown. When the watched master
 * is switched, the client dials the new one at once instead of finding out
 * through a failed command; the other events are kept for the Redis pane.
 * When its Sentinel stays unreachable for 2 s the watcher moves to the next
 * one. Polling (asking the sentinels on every dial) stays as the fallback.
 * Runs on its own thread; starting it never blocks.
 */
#ifndef MCPDB_RDS_WATCH_H
#define MCPDB_RDS_WATCH_H

#include "conf.h"
#include "err.h"
#include "log.h"
#include "rds.h"

struct rds_watch;

/*
 * Watch the sentinels of target t for client r (both must outlive the
 * watcher). NULL without error when t has no sentinels.
 */
struct rds_watch *rds_watch_new(struct rds *, const struct conf_target *, struct logger *);
/* Stop the thread (waits for it) and free. NULL is fine. */
void	rds_watch_free(struct rds_watch *);
/*
 * Parse a +switch-master payload "NAME OLDIP OLDPORT NEWIP NEWPORT": true
 * when it is about master name, with the new address in host/port. Pure.
 */
bool	rds_watch_parse_switch(const char *data, const char *name, char *host,
	    size_t hlen, int *port);

#endif
