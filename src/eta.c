/*
 * eta.c - smoothed throughput and time left (see eta.h).
 */
#include "config.h"

#include "eta.h"

#include <math.h>
#include <string.h>

/* Samples closer than this are merged into the next one (timer noise). */
#define ETA_MIN_DT_MS	100

/* Start an estimate whose average forgets with time constant tau_s. */
void
eta_init(struct eta *e, double tau_s)
{
	memset(e, 0, sizeof(*e));
	e->tau_s = tau_s > 0 ? tau_s : 5.0;
	e->rate = -1;
}

/* Record that done units were complete at now_ms (monotonic). */
void
eta_update(struct eta *e, int64_t now_ms, double done)
{
	double	dt, inst, a;

	if (e->last_ms == 0) {
		e->last_ms = now_ms;
		e->last_done = done;
		return;
	}
	if (now_ms - e->last_ms < ETA_MIN_DT_MS)
		return;
	dt = (double)(now_ms - e->last_ms) / 1000;
	inst = (done - e->last_done) / dt;
	if (inst < 0)
		inst = 0;
	/* Weight by the time the sample covers: a = 1 - e^(-dt/tau). */
	a = 1 - exp(-dt / e->tau_s);
	e->rate = e->rate < 0 ? inst : e->rate + a * (inst - e->rate);
	e->last_ms = now_ms;
	e->last_done = done;
}

/* Smoothed units per second; -1 until two samples 100 ms apart. */
double
eta_rate(const struct eta *e)
{
	return (e->rate);
}

/* Seconds left to reach total at the smoothed rate; -1 when unknown. */
double
eta_left(const struct eta *e, double total)
{
	if (e->rate <= 0 || e->last_ms == 0)
		return (-1);
	if (e->last_done >= total)
		return (0);
	return ((total - e->last_done) / e->rate);
}
