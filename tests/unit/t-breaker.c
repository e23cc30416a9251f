/*
 * t-breaker.c - unit tests for backoff and the circuit breaker: full-jitter
 * delays, and a breaker whose probes follow a short growing schedule
 * (first within 250 ms, capped by open_ms), one probe at a time, closing
 * on the first success.
 */
#include "config.h"

#include <unistd.h>

#include "backoff.h"
#include "breaker.h"
#include "clk.h"
#include "tap.h"

/* Fail b until it opens; returns the delay (ms) to the first probe. */
static int
open_it(struct breaker *b)
{
	struct breaker_stats	s;

	while (breaker_stats(b).state == BREAKER_CLOSED)
		breaker_failure(b);
	s = breaker_stats(b);
	return ((int)((s.open_until_us - s.changed_us) / 1000));
}

/* Poll allow every ms until it lets a probe through; -1 after limit_ms. */
static int
wait_probe(struct breaker *b, int limit_ms)
{
	int64_t	t0 = clk_mono_us();

	while (clk_mono_us() - t0 < (int64_t)limit_ms * 1000) {
		if (breaker_allow(b, NULL))
			return ((int)((clk_mono_us() - t0) / 1000));
		usleep(1000);
	}
	return (-1);
}

/* Backoff: full jitter within the growing, capped ceiling. */
static void
test_backoff(void)
{
	struct backoff	b;
	int		i, d, maxd = 0;
	bool		all_in_range = true;

	backoff_init(&b, 100, 1000, 42);
	is_int(backoff_ceiling_ms(&b), 100, "first ceiling is base");
	for (i = 0; i < 50; i++) {
		int	ceil = backoff_ceiling_ms(&b);

		d = backoff_next_ms(&b);
		if (d < 0 || d > ceil)
			all_in_range = false;
		if (d > maxd)
			maxd = d;
	}
	ok(all_in_range, "every delay lies in [0, ceiling]");
	is_int(backoff_ceiling_ms(&b), 1000, "ceiling is capped");
	ok(maxd > 500, "full jitter reaches near the cap (max %d)", maxd);
	backoff_reset(&b);
	is_int(backoff_ceiling_ms(&b), 100, "reset goes back to base");
}

/* The classic cycle: threshold, fail fast, one probe, re-open, close. */
static void
test_cycle(void)
{
	struct breaker	br;
	int		retry = -1, ms;

	breaker_init(&br, 3, 5000);
	ok(breaker_allow(&br, NULL), "closed breaker allows");
	breaker_failure(&br);
	breaker_failure(&br);
	is_int(breaker_stats(&br).state, BREAKER_CLOSED,
	    "below threshold stays closed");
	ok(breaker_failure(&br), "third failure changes state");
	is_int(breaker_stats(&br).state, BREAKER_OPEN,
	    "threshold opens the breaker");
	if (breaker_allow(&br, &retry)) {
		/* A zero draw: the probe was due at once (full jitter). */
		breaker_failure(&br);
		retry = -1;
		(void)breaker_allow(&br, &retry);
	}
	ok(retry >= 1 && retry <= 500, "open breaker fails fast and says "
	    "when the probe is due, well before open_ms 5000 (%d ms)", retry);
	ok(breaker_stats(&br).rejected >= 1, "rejection counted");
	ms = wait_probe(&br, 600);
	ok(ms >= 0 && ms <= 520, "a probe is let through within the "
	    "schedule's step, not after open_ms (%d ms)", ms);
	is_int(breaker_stats(&br).state, BREAKER_HALF_OPEN,
	    "state is half-open");
	retry = -1;
	ok(!breaker_allow(&br, &retry), "a second caller is refused while "
	    "the probe runs");
	is_int(retry, 0, "and told a probe is in flight (retry 0)");
	breaker_failure(&br);
	is_int(breaker_stats(&br).state, BREAKER_OPEN, "failed probe re-opens");
	ok(wait_probe(&br, 1100) >= 0, "next probe allowed");
	ok(breaker_success(&br), "successful probe changes state");
	is_int(breaker_stats(&br).state, BREAKER_CLOSED,
	    "success closes at once");
	is_int(breaker_stats(&br).consecutive_failures, 0, "failures cleared");
	ok(breaker_allow(&br, NULL) && breaker_allow(&br, NULL),
	    "closed again: everyone allowed");
	is_str(breaker_state_name(BREAKER_HALF_OPEN), "half-open",
	    "state names");
	breaker_done(&br);
}

/* The probe schedule: 250 ms first step, doubling, capped, reset on success. */
static void
test_schedule(void)
{
	struct breaker		br;
	struct breaker_stats	s;
	int			i, d, first_max = 0, first_min = 1 << 30;
	bool			in_range = true, capped = true;
	int64_t			due;

	/* First probe delays over many openings: all in [0, 250], spread. */
	for (i = 0; i < 200; i++) {
		breaker_init(&br, 1, 5000);
		d = open_it(&br);
		if (d < 0 || d > BREAKER_PROBE_BASE_MS)
			in_range = false;
		if (d > first_max)
			first_max = d;
		if (d < first_min)
			first_min = d;
		breaker_done(&br);
	}
	ok(in_range, "first probe always due within %d ms (open_ms 5000)",
	    BREAKER_PROBE_BASE_MS);
	ok(first_min < 100 && first_max > 150, "full jitter spreads it (%d..%d "
	    "ms)", first_min, first_max);

	/* Failed probes: step n is due within min(cap, 250 * 2^n). */
	breaker_init(&br, 1, 1500);
	(void)open_it(&br);
	for (i = 0; i < 60; i++) {
		br.st.open_until_us = 0;	/* skip the wait */
		if (!breaker_allow(&br, NULL)) {
			in_range = false;
			break;
		}
		breaker_failure(&br);
		s = breaker_stats(&br);
		d = (int)((s.open_until_us - s.changed_us) / 1000);
		if (i < 3 && d > 250 << (i + 1))
			in_range = false;
		if (d > 1500)
			capped = false;
	}
	ok(in_range, "failed probe n+1 is due within 250 * 2^(n+1) ms");
	ok(capped, "never later than the cap (open_ms 1500)");
	is_int((int)breaker_stats(&br).probe_failures, 60, "failed probes "
	    "counted");
	is_int(backoff_ceiling_ms(&br.sched), 1500, "the schedule reached "
	    "its cap");
	breaker_success(&br);
	is_int(backoff_ceiling_ms(&br.sched), BREAKER_PROBE_BASE_MS, "success "
	    "restarts the schedule");
	d = open_it(&br);
	ok(d >= 0 && d <= BREAKER_PROBE_BASE_MS, "re-opened: first step again "
	    "(%d ms)", d);

	/* A late failure while open does not push the probe further away. */
	due = breaker_stats(&br).open_until_us;
	usleep(2000);
	breaker_failure(&br);
	ok(breaker_stats(&br).open_until_us == due, "a late failure while "
	    "open keeps the probe's time");
	breaker_done(&br);

	/* A small cap bounds even the first step. */
	breaker_init(&br, 1, 40);
	in_range = true;
	for (i = 0; i < 20; i++) {
		d = open_it(&br);
		if (d > 40)
			in_range = false;
		breaker_success(&br);
	}
	ok(in_range, "open_ms 40 caps the first step too");
	breaker_done(&br);
}

/* breaker_probe_now: an open breaker lets the next call probe at once. */
static void
test_probe_now(void)
{
	struct breaker	br;
	int		retry = 0;

	breaker_init(&br, 1, 60000);
	breaker_failure(&br);
	breaker_failure(&br);	/* a failed probe: the next is up to 500 ms away */
	while (breaker_stats(&br).state != BREAKER_OPEN)
		breaker_failure(&br);
	breaker_probe_now(&br);
	ok(breaker_allow(&br, &retry), "after breaker_probe_now the next call is let through");
	is_int(breaker_stats(&br).state, BREAKER_HALF_OPEN, "as the probe");
	ok(!breaker_allow(&br, &retry), "and only that one");
	breaker_success(&br);
	breaker_probe_now(&br);
	is_int(breaker_stats(&br).state, BREAKER_CLOSED, "on a closed breaker it changes nothing");
	breaker_done(&br);
}

int
main(void)
{
	test_backoff();
	test_cycle();
	test_schedule();
	test_probe_now();
	return (done_testing());
}
