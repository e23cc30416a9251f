/*
 * rds-warm.h - keeps redis_options.min_connections of a Redis client open:
 * a thread that opens the missing ones at start, after a server restart and
 * after CLIENT KILL, so the first commands after a quiet spell or an outage
 * do not pay for dialling (TLS handshake, AUTH, SELECT, CLIENT SETNAME).
 * It dials through the client's own path: the backoff and the circuit
 * breaker pace it as they pace commands, one dial at a time. Idle
 * connections are never closed by it (max_connections bounds them).
 */
#ifndef MCPDB_RDS_WARM_H
#define MCPDB_RDS_WARM_H

#include "log.h"
#include "rds.h"

/* How often the warm-up looks (ms); a stop request wakes it at once. */
#define RDS_WARM_EVERY_MS	1000

struct rds_warm;

/*
 * Start keeping r's min_connections open (r must outlive it). NULL when
 * min_connections is 0 or r is a cluster front (its node clients get a
 * warm-up each, from rds-cluster.c), or the thread cannot start (logged).
 * Never blocks.
 */
struct rds_warm	*rds_warm_new(struct rds *, struct logger *);
/* Stop the thread (waits for a dial in progress, at most connect_timeout) and free. NULL is fine. */
void		 rds_warm_free(struct rds_warm *);

#endif
