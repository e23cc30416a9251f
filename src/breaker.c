/*
 * breaker.c - a closed/open/half-open circuit breaker with a growing,
 * jittered probe schedule (see breaker.h for the model).
 */
#include "config.h"

#include "breaker.h"
#include "clk.h"

/* Set up a closed breaker with its probe schedule. */
void
breaker_init(struct breaker *b, int threshold, int open_ms)
{
	int	cap = open_ms > 0 ? open_ms : 1;

	pthread_mutex_init(&b->mtx, NULL);
	b->threshold = threshold > 0 ? threshold : 1;
	b->open_ms = cap;
	b->probe_out = false;
	backoff_init(&b->sched, cap < BREAKER_PROBE_BASE_MS ? cap :
	    BREAKER_PROBE_BASE_MS, cap, 0);
	b->st = (struct breaker_stats){ .state = BREAKER_CLOSED,
	    .changed_us = clk_mono_us() };
}

/* Release the breaker's mutex. */
void
breaker_done(struct breaker *b)
{
	pthread_mutex_destroy(&b->mtx);
}

/* Schedule the next probe from now (one more step). Caller holds b->mtx. */
static void
breaker_schedule(struct breaker *b, int64_t now)
{
	b->st.open_until_us = now + (int64_t)backoff_next_ms(&b->sched) * 1000;
}

/* Move to state to. Caller holds b->mtx. */
static void
breaker_move(struct breaker *b, enum breaker_state to, int64_t now)
{
	if (b->st.state == to)
		return;
	b->st.state = to;
	b->st.transitions++;
	b->st.changed_us = now;
	if (to == BREAKER_OPEN)
		breaker_schedule(b, now);
}

/* Let a call through, or refuse it and say when to come back. */
bool
breaker_allow(struct breaker *b, int *retry_in_ms)
{
	int64_t	now = clk_mono_us();
	bool	allow = true;
	int	retry = 0;

	pthread_mutex_lock(&b->mtx);
	if (b->st.state == BREAKER_OPEN && now >= b->st.open_until_us) {
		breaker_move(b, BREAKER_HALF_OPEN, now);
		b->probe_out = false;
	}
	if (b->st.state == BREAKER_OPEN) {
		allow = false;
		retry = (int)((b->st.open_until_us - now + 999) / 1000);
		if (retry < 1)
			retry = 1;
	} else if (b->st.state == BREAKER_HALF_OPEN) {
		if (b->probe_out)
			allow = false;
		else {
			b->probe_out = true;
			b->st.probes++;
			b->st.probe_since_us = now;
		}
	}
	if (!allow) {
		b->st.rejected++;
		if (retry_in_ms != NULL)
			*retry_in_ms = retry;
	}
	b->st.seq++;
	pthread_mutex_unlock(&b->mtx);
	return (allow);
}

/* A call worked: close at once and restart the probe schedule. */
bool
breaker_success(struct breaker *b)
{
	bool	changed;

	pthread_mutex_lock(&b->mtx);
	changed = b->st.state != BREAKER_CLOSED;
	b->st.consecutive_failures = 0;
	b->st.probe_failures = 0;
	b->probe_out = false;
	backoff_reset(&b->sched);
	breaker_move(b, BREAKER_CLOSED, clk_mono_us());
	b->st.seq++;
	pthread_mutex_unlock(&b->mtx);
	return (changed);
}

/* Let the next call probe at once (see breaker.h). */
void
breaker_probe_now(struct breaker *b)
{
	pthread_mutex_lock(&b->mtx);
	if (b->st.state == BREAKER_OPEN)
		b->st.open_until_us = clk_mono_us();
	b->st.seq++;
	pthread_mutex_unlock(&b->mtx);
}

/* A call failed: count it; open at the threshold; a failed probe re-opens. */
bool
breaker_failure(struct breaker *b)
{
	enum breaker_state	before;
	bool			changed;

	pthread_mutex_lock(&b->mtx);
	before = b->st.state;
	b->st.consecutive_failures++;
	if (before == BREAKER_HALF_OPEN) {
		b->st.probe_failures++;
		breaker_move(b, BREAKER_OPEN, clk_mono_us());
	} else if (before == BREAKER_CLOSED &&
	    b->st.consecutive_failures >= b->threshold) {
		backoff_reset(&b->sched);
		breaker_move(b, BREAKER_OPEN, clk_mono_us());
	}
	/* OPEN: a late failure (let through earlier) keeps the probe. */
	if (before != BREAKER_OPEN)
		b->probe_out = false;
	changed = b->st.state != before;
	b->st.seq++;
	pthread_mutex_unlock(&b->mtx);
	return (changed);
}

/* A consistent copy of the state and counters. */
struct breaker_stats
breaker_stats(struct breaker *b)
{
	struct breaker_stats	s;

	pthread_mutex_lock(&b->mtx);
	s = b->st;
	pthread_mutex_unlock(&b->mtx);
	return (s);
}

/* The state's name as shown to operators. */
const char *
breaker_state_name(enum breaker_state s)
{
	switch (s) {
	case BREAKER_CLOSED:
		return ("closed");
	case BREAKER_OPEN:
		return ("open");
	case BREAKER_HALF_OPEN:
		return ("half-open");
	}
	return ("?");
}
