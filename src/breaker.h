/*
 * breaker.h - a circuit breaker: CLOSED (calls flow; consecutive failures
 * are counted), OPEN (calls fail fast until open_ms has passed), HALF_OPEN
 * (exactly one probe call is let through: success closes, failure re-opens).
 * Thread-safe: each breaker has its own mutex, held only for the state change.
 */
#ifndef MCPDB_BREAKER_H
#define MCPDB_BREAKER_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

enum breaker_state {
	BREAKER_CLOSED,
	BREAKER_OPEN,
	BREAKER_HALF_OPEN,
};

/* A copy of a breaker's state for dashboards. */
struct breaker_stats {
	enum breaker_state	state;
	int			consecutive_failures;
	uint64_t		transitions;	/* state changes since creation */
	uint64_t		rejected;	/* calls refused while open */
	int64_t			open_until_us;	/* monotonic; when OPEN */
	int64_t			changed_us;	/* monotonic time of the last change */
};

struct breaker {
	pthread_mutex_t		mtx;
	int			threshold;
	int			open_ms;
	bool			probe_out;	/* a half-open probe is in flight */
	struct breaker_stats	st;
};

void	breaker_init(struct breaker *, int threshold, int open_ms);
void	breaker_done(struct breaker *);
/*
 * May a call go ahead now? False while OPEN (counts a rejection and sets
 * *retry_in_ms, if not NULL, to the time left). After open_ms the breaker
 * turns HALF_OPEN and lets exactly one caller through as the probe.
 */
bool	breaker_allow(struct breaker *, int *retry_in_ms);
/* Report the outcome of an allowed call. Returns true if the state changed. */
bool	breaker_success(struct breaker *);
bool	breaker_failure(struct breaker *);
/* A consistent copy of the counters. */
struct breaker_stats breaker_stats(struct breaker *);
/* "closed", "open", "half-open". */
const char *breaker_state_name(enum breaker_state);

#endif
