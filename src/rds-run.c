/*
 * rds-run.c - many pipelined batches at once from one thread: a poll loop
 * over rds_pipe_send / rds_pipe_recv (see rds-run.h).
 *
 * A batch is sent whole and its replies are read only once its socket is
 * readable, so the blocking read in rds_pipe_recv finds them there (the
 * server writes a batch's replies together); a connection that stays
 * silent for the command timeout is read anyway, and the read's own
 * timeout then reports it.
 */
#include "config.h"

#include "rds-run.h"

#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdlib.h>

#include "rds.h"
#include "rds-int.h"
#include "xmem.h"

/* The state of one rds_pipe_run: n streams, each a batch and its socket. */
struct run {
	rds_run_fill	 fill;
	rds_run_done	 done;
	void		*arg;
	size_t		 n;
	struct rds_pipe	**p;
	struct pollfd	*pfd;	/* fd -1: nothing in flight */
	size_t		 live;
	bool		 failed;
	struct mc_err	 err;	/* the first failure */
};

/* Record e as the run's failure unless one is already recorded. */
static void
run_fail(struct run *u, const struct mc_err *e)
{
	if (!u->failed)
		mc_err_copy(&u->err, e);
	u->failed = true;
}

/* Refill stream i and send it; a stream fill has no more for stays idle. */
static void
run_next(struct run *u, size_t i)
{
	struct mc_err	e = { 0 };

	u->pfd[i].fd = -1;
	if (u->failed)
		return;
	rds_pipe_reset(u->p[i]);
	if (u->fill(u->arg, u->p[i]) <= 0 || rds_pipe_len(u->p[i]) == 0)
		return;
	if (rds_pipe_send(u->p[i], &e) == -1) {
		run_fail(u, &e);
		return;
	}
	u->pfd[i].fd = rds_pipe_fd(u->p[i]);
	u->live++;
}

/* Read stream i's replies, hand them over, send its next batch. */
static void
run_recv(struct run *u, size_t i)
{
	struct mc_err	e = { 0 };
	size_t		nerr = 0;

	u->pfd[i].fd = -1;
	u->live--;
	if (rds_pipe_recv(u->p[i], &nerr, &e) == -1) {
		run_fail(u, &e);
		return;
	}
	u->done(u->arg, u->p[i], nerr);
	run_next(u, i);
}

/* A cluster client: one batch at a time through rds_pipe_exec. */
static int
run_serial(struct rds *r, rds_run_fill fill, rds_run_done done, void *arg,
    struct mc_err *err)
{
	struct rds_pipe	*p = rds_pipe_new(r);
	size_t		 nerr;
	int		 rc = 0;

	for (;;) {
		rds_pipe_reset(p);
		if (fill(arg, p) <= 0 || rds_pipe_len(p) == 0)
			break;
		if ((rc = rds_pipe_exec(p, &nerr, err)) == -1)
			break;
		done(arg, p, nerr);
	}
	rds_pipe_free(p);
	return (rc);
}

int
rds_pipe_run(struct rds *r, size_t n, rds_run_fill fill, rds_run_done done,
    void *arg, struct mc_err *err)
{
	struct run	u = { .fill = fill, .done = done, .arg = arg };
	size_t		i;
	int		k, timeout_ms;

	if (r->cl != NULL)
		return (run_serial(r, fill, done, arg, err));
	if (n > r->nslots)
		n = r->nslots;
	if (n == 0)
		n = 1;
	u.n = n;
	u.p = xcalloc(n, sizeof(*u.p));
	u.pfd = xcalloc(n, sizeof(*u.pfd));
	for (i = 0; i < n; i++) {
		u.p[i] = rds_pipe_new(r);
		u.pfd[i].events = POLLIN;
		u.pfd[i].fd = -1;
	}
	timeout_ms = r->command_timeout_ms;
	for (i = 0; i < n; i++)
		run_next(&u, i);
	while (u.live > 0) {
		k = poll(u.pfd, (nfds_t)n, timeout_ms > 0 ? timeout_ms : -1);
		if (k < 0 && errno != EINTR)
			k = 0;	/* read them all: each read has its timeout */
		for (i = 0; i < n; i++) {
			if (u.pfd[i].fd < 0)
				continue;
			/* Ready, or nothing came for a whole timeout. */
			if (k == 0 || (k > 0 && u.pfd[i].revents != 0))
				run_recv(&u, i);
		}
	}
	for (i = 0; i < n; i++)
		rds_pipe_free(u.p[i]);
	free(u.p);
	free(u.pfd);
	if (u.failed)
		return (mc_err_copy(err, &u.err));
	return (0);
}
