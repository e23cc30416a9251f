/*
 * breaker.h - a circuit breaker whose recovery follows the server.
 *
 * CLOSED: calls flow; consecutive failures are counted, and threshold of
 * them open the breaker. OPEN: calls fail fast until the next probe is due.
 * Probes follow a short, growing schedule with full jitter: the n-th probe
 * after opening is due uniform(0, min(cap, BREAKER_PROBE_BASE_MS * 2^n)) ms
 * after the previous failure, so the first comes within 250 ms and a long
 * outage is probed at most every cap ms (cap = open_ms, the configuration's
 * breaker_open_ms). HALF_OPEN: the one caller let through is the probe;
 * everyone else fails fast until it reports. A success (probe or not) closes
 * the breaker at once and restarts the schedule; a failed probe re-opens it
 * with the next, longer step.
 * Times are monotonic microseconds (clk_mono_us). Thread-safe: each breaker
 * has its own mutex, held only for the state change.
 */
#ifndef MCPDB_BREAKER_H
#define MCPDB_BREAKER_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "backoff.h"

/* Ceiling of the first probe's delay (ms); doubles per failed probe. */
#define BREAKER_PROBE_BASE_MS	250

enum breaker_state {
	BREAKER_CLOSED,
	BREAKER_OPEN,
	BREAKER_HALF_OPEN,
};

/* A copy of a breaker's state for dashboards. */
struct breaker_stats {
	enum breaker_state	state;
	int			consecutive_failures;
	unsigned		probe_failures;	/* since opening */
	uint64_t		transitions;	/* state changes */
	uint64_t		rejected;	/* calls refused */
	uint64_t		probes;		/* probes let through */
	int64_t			open_until_us;	/* OPEN: next probe due */
	int64_t			probe_since_us;	/* HALF_OPEN: since */
	int64_t			changed_us;	/* last change */
	uint64_t		seq;		/* bumped by every change */
};

struct breaker {
	pthread_mutex_t		mtx;
	int			threshold;
	int			open_ms;	/* probe schedule's cap */
	bool			probe_out;	/* a probe is in flight */
	struct backoff		sched;		/* probe schedule */
	struct breaker_stats	st;
};

/*
 * Initialise: threshold consecutive failures open it; open_ms caps the probe
 * schedule (the first step is min(BREAKER_PROBE_BASE_MS, open_ms)).
 */
void	breaker_init(struct breaker *, int threshold, int open_ms);
void	breaker_done(struct breaker *);
/*
 * May a call go ahead now? While OPEN and before the probe is due: false,
 * counts a rejection and sets *retry_in_ms (if not NULL) to the time until
 * the probe is due (>= 1). When it is due the breaker turns HALF_OPEN and
 * lets exactly this caller through as the probe; while that probe is out
 * every other caller gets false with *retry_in_ms = 0 ("probing now"). The
 * probe's caller must report breaker_success or breaker_failure.
 */
bool	breaker_allow(struct breaker *, int *retry_in_ms);
/*
 * Report the outcome of an allowed call (or, for success, of any call that
 * proved the server works). Returns true if the state changed. A failure
 * while OPEN (a call let through before it opened) is counted but does not
 * postpone the probe.
 */
bool	breaker_success(struct breaker *);
/*
 * News that the server is back or moved (a Sentinel's +switch-master): an
 * OPEN breaker lets the next call through as its probe at once.
 */
void	breaker_probe_now(struct breaker *);
bool	breaker_failure(struct breaker *);
/* A consistent copy of the counters. */
struct breaker_stats breaker_stats(struct breaker *);
/* "closed", "open", "half-open". */
const char *breaker_state_name(enum breaker_state);

#endif
