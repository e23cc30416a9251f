/* breaker.c - a closed/open/half-open circuit breaker. */
#include "config.h"

#include "breaker.h"
#include "clk.h"

#include <time.h>

void
breaker_init(struct breaker *b, int threshold, int open_ms)
{
	pthread_mutex_init(&b->mtx, NULL);
	b->threshold = threshold > 0 ? threshold : 1;
	b->open_ms = open_ms > 0 ? open_ms : 1;
	b->probe_out = false;
	b->st = (struct breaker_stats){ .state = BREAKER_CLOSED,
	    .changed_us = clk_mono_us() };
}

void
breaker_done(struct breaker *b)
{
	pthread_mutex_destroy(&b->mtx);
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
		b->st.open_until_us = now + (int64_t)b->open_ms * 1000;
}

bool
breaker_allow(struct breaker *b, int *retry_in_ms)
{
	int64_t	now = clk_mono_us();
	bool	allow = true;

	pthread_mutex_lock(&b->mtx);
	if (b->st.state == BREAKER_OPEN && now >= b->st.open_until_us)
		breaker_move(b, BREAKER_HALF_OPEN, now);
	if (b->st.state == BREAKER_OPEN) {
		allow = false;
		if (retry_in_ms != NULL)
			*retry_in_ms = (int)((b->st.open_until_us - now + 999) / 1000);
	} else if (b->st.state == BREAKER_HALF_OPEN) {
		if (b->probe_out) {
			allow = false;
			if (retry_in_ms != NULL)
				*retry_in_ms = 0;
		} else
			b->probe_out = true;
	}
	if (!allow)
		b->st.rejected++;
	pthread_mutex_unlock(&b->mtx);
	return (allow);
}

bool
breaker_success(struct breaker *b)
{
	bool	changed;

	pthread_mutex_lock(&b->mtx);
	changed = b->st.state != BREAKER_CLOSED;
	b->st.consecutive_failures = 0;
	b->probe_out = false;
	breaker_move(b, BREAKER_CLOSED, clk_mono_us());
	pthread_mutex_unlock(&b->mtx);
	return (changed);
}

bool
breaker_failure(struct breaker *b)
{
	enum breaker_state	before;
	bool			changed;

	pthread_mutex_lock(&b->mtx);
	before = b->st.state;
	b->st.consecutive_failures++;
	if (before == BREAKER_HALF_OPEN ||
	    (before == BREAKER_CLOSED && b->st.consecutive_failures >= b->threshold))
		breaker_move(b, BREAKER_OPEN, clk_mono_us());
	else if (before == BREAKER_OPEN)	/* a late failure: extend */
		b->st.open_until_us = clk_mono_us() + (int64_t)b->open_ms * 1000;
	b->probe_out = false;
	changed = b->st.state != before;
	pthread_mutex_unlock(&b->mtx);
	return (changed);
}

struct breaker_stats
breaker_stats(struct breaker *b)
{
	struct breaker_stats	s;

	pthread_mutex_lock(&b->mtx);
	s = b->st;
	pthread_mutex_unlock(&b->mtx);
	return (s);
}

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
