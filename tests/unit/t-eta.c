/*
 * t-eta.c - unit tests for the smoothed ETA: unknown before two samples;
 * exact on a steady rate; after a load slows down (the seed load's indexes
 * growing), close to the real time left where the average since the start
 * is far too low; a stall brings the rate down; progress never runs back.
 */
#include "config.h"

#include <math.h>

#include "eta.h"
#include "tap.h"

/* |a - b| <= tol * b */
static int
near(double a, double b, double tol)
{
	return (fabs(a - b) <= tol * b);
}

int
main(void)
{
	struct eta	e;
	double		done = 0, left, avg_left, truth;
	int64_t		t;

	eta_init(&e, 5.0);
	ok(eta_left(&e, 100) < 0, "no estimate before any sample");
	eta_update(&e, 1000, 0);
	ok(eta_left(&e, 100) < 0, "no estimate after one sample");
	eta_update(&e, 1050, 5);
	ok(eta_rate(&e) < 0, "samples closer than 100 ms are not a rate");

	/* Steady 1000 units/s, sampled four times a second. */
	eta_init(&e, 5.0);
	for (t = 0; t <= 10000; t += 250)
		eta_update(&e, 1 + t, (double)t);
	ok(near(eta_rate(&e), 1000, 0.001), "a steady rate is measured exactly (%.1f)",
	    eta_rate(&e));
	ok(near(eta_left(&e, 20000), 10, 0.001), "time left at a steady rate (%.2f s)",
	    eta_left(&e, 20000));

	/* 1000 units/s for 20 s, then 400 units/s for 20 s; 60000 in all. */
	eta_init(&e, 5.0);
	for (t = 0; t <= 40000; t += 250) {
		done = t <= 20000 ? (double)t : 20000 + 0.4 * (double)(t - 20000);
		eta_update(&e, 1 + t, done);
	}
	truth = (60000 - done) / 400;			/* 80 s */
	avg_left = (60000 - done) / (done / 40.0);	/* the old ETA: 46 s */
	left = eta_left(&e, 60000);
	ok(near(left, truth, 0.05), "after a slow-down the ETA follows the current rate "
	    "(%.1f s, truth %.1f s)", left, truth);
	ok(!near(avg_left, truth, 0.3), "where the average since the start is >30%% low "
	    "(%.1f s)", avg_left);

	/* A stall of 10 s: the rate decays instead of staying at its last value. */
	for (t = 40250; t <= 50000; t += 250)
		eta_update(&e, 1 + t, done);
	ok(eta_rate(&e) < 400 * 0.2, "a 10 s stall brings the rate down (%.1f/s)",
	    eta_rate(&e));
	ok(eta_left(&e, 60000) > truth, "and the ETA up (%.1f s)", eta_left(&e, 60000));

	/* Progress that runs back (a restarted file) counts as no progress. */
	eta_init(&e, 5.0);
	eta_update(&e, 1, 100);
	eta_update(&e, 1001, 50);
	ok(eta_rate(&e) == 0, "progress running back is a zero rate, not negative");
	ok(eta_left(&e, 100) < 0, "and no estimate");
	eta_update(&e, 2001, 100);
	ok(eta_left(&e, 100) == 0, "done: nothing left");
	return (done_testing());
}
