/*
 * rds-run.h - many pipelined batches at once from one thread.
 *
 * rds_pipe_exec blocks its thread in a read until the batch's replies are
 * in, so keeping N connections busy takes N threads, and each batch wakes
 * one of them (one context switch per batch). rds_pipe_run drives up to N
 * batches, each on its own connection, from the calling thread with one
 * poll over their sockets, and refills a connection as soon as its replies
 * are in, as redis-benchmark's event loop does.
 */
#ifndef MCPDB_RDS_RUN_H
#define MCPDB_RDS_RUN_H

#include <stddef.h>

#include "err.h"

struct rds;
struct rds_pipe;

/*
 * Fill the reset batch p with the next commands (rds_pipe_add) and return
 * 1, or return 0 when there is nothing more to send on this stream.
 */
typedef int	(*rds_run_fill)(void *arg, struct rds_pipe *p);
/* Take batch p's replies (rds_pipe_reply) before p is refilled. */
typedef void	(*rds_run_done)(void *arg, struct rds_pipe *p, size_t nerrors);

/*
 * Run batches from fill on up to n connections at once (n is capped at the
 * client's max_connections) until fill has no more and every batch is
 * answered; done gets each batch's replies. Metrics and the breaker count
 * every batch as rds_pipe_exec does. On a cluster client the batches run
 * one after the other through rds_pipe_exec. Returns 0, or -1 with err
 * from the first failed batch: nothing more is sent, the batches in flight
 * are still read so their connections go back, and the message says which
 * outcomes are unknown.
 */
int	rds_pipe_run(struct rds *, size_t n, rds_run_fill, rds_run_done,
	    void *arg, struct mc_err *);

#endif
