/*
 * eta.h - a smoothed throughput and the time left at that rate, for
 * progress displays (the seed load's ETA). The rate is an exponentially
 * weighted moving average over time (a time constant, not a sample count,
 * so irregular updates weigh by how long they cover): the average since the
 * start lags when a load slows down as its indexes grow, and its ETA comes
 * out low.
 */
#ifndef MCPDB_ETA_H
#define MCPDB_ETA_H

#include <stdint.h>

/* A value type: zero it with eta_init, then feed it eta_update. */
struct eta {
	double	 tau_s;		/* time constant of the average */
	int64_t	 last_ms;	/* time of the last sample, 0 before the first */
	double	 last_done;	/* progress at the last sample (bytes, rows...) */
	double	 rate;		/* smoothed units per second, < 0 until known */
};

/* Start an estimate whose average forgets with time constant tau_s. */
void	eta_init(struct eta *e, double tau_s);
/* Record that done units were complete at now_ms (monotonic). */
void	eta_update(struct eta *e, int64_t now_ms, double done);
/* Smoothed units per second; -1 until two samples 100 ms apart. */
double	eta_rate(const struct eta *e);
/* Seconds left to reach total at the smoothed rate; -1 when unknown. */
double	eta_left(const struct eta *e, double total);

#endif
