/*
 * rds-warm.c - the min_connections warm-up (see rds-warm.h). One pass per
 * RDS_WARM_EVERY_MS: rds_warm_step drops idle contexts the server closed,
 * then dials one missing connection; passes repeat at once while dials
 * succeed, so min connections are open one connect time after start.
 */
#include "config.h"

#include "rds-warm.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clk.h"
#include "rds-int.h"
#include "xmem.h"

struct rds_warm {
	struct rds	*r;		/* borrowed */
	struct logger	*log;
	pthread_t	 thr;
	pthread_mutex_t	 mtx;
	pthread_cond_t	 cv;		/* CLOCK_MONOTONIC */
	bool		 stop;
};

/* Wait ms (0: just look); true when told to stop. */
static bool
rds_warm_wait(struct rds_warm *w, int ms)
{
	struct timespec	ts;
	int64_t		at = clk_mono_us() + (int64_t)ms * 1000;
	bool		stop;

	ts.tv_sec = at / 1000000;
	ts.tv_nsec = (long)(at % 1000000) * 1000;
	pthread_mutex_lock(&w->mtx);
	if (!w->stop && ms > 0)
		pthread_cond_timedwait(&w->cv, &w->mtx, &ts);
	stop = w->stop;
	pthread_mutex_unlock(&w->mtx);
	return (stop);
}

static void *
rds_warm_main(void *arg)
{
	struct rds_warm	*w = arg;
	struct mc_err	 err;
	int		 rc, ms = 0;
	bool		 failing = false;

	while (!rds_warm_wait(w, ms)) {
		memset(&err, 0, sizeof(err));
		rc = rds_warm_step(w->r, w->r->min_conns, &err);
		/* A failed dial is logged by the client (rds_note_failure); say it once here. */
		if (rc == -1 && !failing)
			log_msg(w->log, LOGL_DEBUG, "redis %s: warm-up cannot open "
			    "min_connections: %s", rds_name(w->r), err.msg);
		failing = rc == -1;
		ms = rc == 1 ? 0 : RDS_WARM_EVERY_MS;
	}
	return (NULL);
}

struct rds_warm *
rds_warm_new(struct rds *r, struct logger *log)
{
	struct rds_warm		*w;
	pthread_condattr_t	 ca;

	if (r == NULL || r->min_conns == 0 || r->cl != NULL)
		return (NULL);
	w = xcalloc(1, sizeof(*w));
	w->r = r;
	w->log = log;
	pthread_mutex_init(&w->mtx, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&w->cv, &ca);
	pthread_condattr_destroy(&ca);
	if (pthread_create(&w->thr, NULL, rds_warm_main, w) != 0) {
		log_msg(log, LOGL_WARN, "redis %s: cannot start the min_connections "
		    "warm-up thread; connections open on demand", rds_name(r));
		pthread_cond_destroy(&w->cv);
		pthread_mutex_destroy(&w->mtx);
		free(w);
		return (NULL);
	}
	return (w);
}

void
rds_warm_free(struct rds_warm *w)
{
	if (w == NULL)
		return;
	pthread_mutex_lock(&w->mtx);
	w->stop = true;
	pthread_cond_signal(&w->cv);
	pthread_mutex_unlock(&w->mtx);
	pthread_join(w->thr, NULL);
	pthread_cond_destroy(&w->cv);
	pthread_mutex_destroy(&w->mtx);
	free(w);
}
