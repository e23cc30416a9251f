/*
 * t-pool.c - the pool without a server: settings checks, pool_new never
 * blocks, connection failures feed backoff and the breaker, borrowers time
 * out with the last error or fail fast while the breaker is open, the
 * probe schedule (one borrower waits for a due probe), pool_probe,
 * shutdown, and no password in any message.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "breaker.h"
#include "conf.h"
#include "pool.h"
#include "tap.h"
#include "clk.h"

/* Nothing listens on this socket; the password must never be printed. */
#define DEAD	"host=/nonexistent-mcpdb-dir port=1 user=u " \
		"password=sekrit-pw dbname=d"

static void
sleep_ms(int ms)
{
	struct timespec	ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) != 0)
		;
}

static void
dead_target(struct conf_target *t)
{
	memset(t, 0, sizeof(*t));
	conf_target_defaults(t);
	t->name = (char *)"dead";
	t->pg = (char *)DEAD;
	t->pool.backoff_base_ms = 10;
	t->pool.backoff_cap_ms = 40;
}

/* Wait up to ms for the breaker to reach state st. */
static bool
wait_breaker(struct pool *p, enum breaker_state st, int ms)
{
	int	i;

	for (i = 0; i < ms / 5; i++) {
		if (pool_stats(p).breaker == st)
			return (true);
		sleep_ms(5);
	}
	return (pool_stats(p).breaker == st);
}

static void
test_settings(void)
{
	struct conf_target	t;
	struct mc_err		err = { 0 };

	dead_target(&t);
	t.pool.max = 0;
	ok(pool_new(&t, NULL, "x", &err) == NULL && err.code == MC_E_CONFIG,
	    "max 0 refused: %s", err.msg);
	dead_target(&t);
	t.pool.min = 11;
	ok(pool_new(&t, NULL, "x", &err) == NULL && err.code == MC_E_CONFIG,
	    "min > max refused: %s", err.msg);
	dead_target(&t);
	t.pool.acquire_timeout_ms = -1;
	ok(pool_new(&t, NULL, "x", &err) == NULL && err.code == MC_E_CONFIG,
	    "negative acquire timeout refused: %s", err.msg);
	pool_free(NULL);
	ok(1, "pool_free(NULL) is fine");
}

static void
test_timeout_with_cause(void)
{
	struct conf_target	 t;
	struct mc_err		 err = { 0 };
	struct pool		*p;
	struct pool_stats	 s;
	int64_t			 t0, ms;

	dead_target(&t);
	t.pool.min = 0;
	t.pool.breaker_threshold = 1000;	/* never opens here */
	t.pool.acquire_timeout_ms = 300;
	p = pool_new(&t, NULL, "t-unit", &err);
	t0 = clk_mono_us();
	ok(pool_acquire(p, "cli", &err) == NULL && err.code == MC_E_TIMEOUT,
	    "acquire times out while connects fail");
	ms = (clk_mono_us() - t0) / 1000;
	ok(ms >= 295 && ms < 500, "after 300 ms (%lld)", (long long)ms);
	like(err.msg, "timed out after 3", "says how long: %s", err.msg);
	like(err.msg, "0 of 10 busy", "says nothing is busy");
	like(err.msg, "last connection error: cannot connect to PostgreSQL",
	    "and gives the cause");
	unlike(err.msg, "sekrit", "without the password");
	unlike(err.msg, "\n", "on one line");
	s = pool_stats(p);
	ok(s.connect_failures >= 2 && s.backoff_attempt >= 2,
	    "failures counted (%llu), backoff attempt %u",
	    (unsigned long long)s.connect_failures, s.backoff_attempt);
	ok(s.errors[0].count == s.connect_failures &&
	    strcmp(s.errors[0].cls, "08") == 0, "counted as SQLSTATE class 08");
	is_int(s.breaker, BREAKER_CLOSED, "breaker still closed");
	is_int((long long)s.timeouts, 1, "one timeout");
	is_int(s.waiting, 0, "nobody left waiting");
	pool_free(p);
}

static void
test_breaker(void)
{
	struct conf_target	 t;
	struct mc_err		 err = { 0 };
	struct pool		*p;
	struct pool_stats	 s;
	int64_t			 t0, us, worst = 0;
	uint64_t		 fails;
	int			 i;
	bool			 fast = true;

	dead_target(&t);
	t.pool.min = 1;
	t.pool.breaker_threshold = 3;
	t.pool.breaker_open_ms = 5000;	/* the cap, not the wait */
	t0 = clk_mono_us();
	p = pool_new(&t, NULL, "t-unit", &err);
	ok(p != NULL && clk_mono_us() - t0 < 100000, "pool_new returns at "
	    "once although the server is down");
	ok(wait_breaker(p, BREAKER_OPEN, 3000), "pre-warm failures open the "
	    "breaker");
	s = pool_stats(p);
	ok(s.consecutive_failures >= 3, "after %d consecutive failures",
	    s.consecutive_failures);
	ok(s.breaker_retry_in_ms <= 500, "next probe due in %d ms, not "
	    "breaker_open_ms 5000", s.breaker_retry_in_ms);
	like(s.last_error, "nonexistent-mcpdb-dir", "last error kept");
	unlike(s.last_error, "sekrit", "without the password");
	for (i = 0; i < 10; i++) {
		t0 = clk_mono_us();
		if (pool_acquire(p, "x", &err) != NULL ||
		    err.code != MC_E_BREAKER)
			fast = false;
		us = clk_mono_us() - t0;
		if (us > worst)
			worst = us;
	}
	ok(fast && worst < 50000, "acquire fails fast while open (worst %lld "
	    "us)", (long long)worst);
	like(err.msg, "PostgreSQL /nonexistent-mcpdb-dir:1: circuit open "
	    "after ", "the breaker's message: %s", err.msg);
	ok(strstr(err.msg, "consecutive connection failures; next probe in ")
	    != NULL || strstr(err.msg, "consecutive connection failures; a "
	    "probe is connecting now") != NULL, "says when the next probe is "
	    "due");
	like(err.msg, "; last error: cannot connect", "with the last error");
	unlike(err.msg, "sekrit", "without the password");
	ok(pool_stats(p).fast_failures >= 9, "fast failures counted (%llu)",
	    (unsigned long long)pool_stats(p).fast_failures);

	/* min 1 keeps the maintainer probing: on the schedule, not per 5 s. */
	fails = pool_stats(p).connect_failures;
	sleep_ms(1800);
	s = pool_stats(p);
	ok(s.connect_failures >= fails + 2, "probes keep coming within 1.8 s "
	    "(%llu more failed connects)",
	    (unsigned long long)(s.connect_failures - fails));
	ok(s.breaker != BREAKER_CLOSED && s.breaker_transitions >= 3,
	    "open -> half-open -> open (%llu transitions)",
	    (unsigned long long)s.breaker_transitions);
	ok(s.backoff_attempt <= 3, "the pool's own backoff does not grow "
	    "while the probes run (attempt %u)", s.backoff_attempt);

	pool_shutdown(p, 100);
	ok(pool_acquire(p, "late", &err) == NULL && err.code == MC_E_STATE,
	    "no lending after shutdown: %s", err.msg);
	ok(pool_probe(p, "late", &err) == NULL && err.code == MC_E_STATE,
	    "no probing after shutdown either");
	ok(pool_stats(p).closing, "stats say closing");
	pool_release(p, NULL);
	t0 = clk_mono_us();
	pool_free(p);
	ok(clk_mono_us() - t0 < 500000, "pool_free is prompt");
}

/* min 0: the borrower that comes once a probe is due waits for it. */
static void
test_lazy_probe(void)
{
	struct conf_target	 t;
	struct mc_err		 err = { 0 };
	struct pool		*p;
	struct pool_stats	 s;
	uint64_t		 trans;
	int64_t			 t0;
	int			 i;

	dead_target(&t);
	t.pool.min = 0;
	t.pool.breaker_threshold = 1;
	t.pool.breaker_open_ms = 100;
	p = pool_new(&t, NULL, "t-unit-lazy", &err);
	ok(pool_acquire(p, "first", &err) == NULL && err.code == MC_E_BREAKER,
	    "the first failure opens (threshold 1): %s", err.msg);
	trans = pool_stats(p).breaker_transitions;
	sleep_ms(150);
	s = pool_stats(p);
	is_int((int)s.connect_failures, 1, "no demand, no probe");
	t0 = clk_mono_us();
	ok(pool_acquire(p, "probe", &err) == NULL && err.code == MC_E_BREAKER,
	    "once due, a borrower waits for the probe and hears it failed: %s",
	    err.msg);
	ok(clk_mono_us() - t0 < 200000, "quickly (%lld us)",
	    (long long)(clk_mono_us() - t0));
	s = pool_stats(p);
	ok(s.breaker == BREAKER_OPEN && s.breaker_transitions >= trans + 2 &&
	    s.connect_failures == 2, "open -> half-open -> open, one probe "
	    "(%llu transitions, %llu failures)",
	    (unsigned long long)s.breaker_transitions,
	    (unsigned long long)s.connect_failures);
	t0 = clk_mono_us();
	for (i = 0; i < 3; i++)
		ok(pool_probe(p, "health", &err) == NULL &&
		    err.code != MC_E_BREAKER, "pool_probe dials at once and "
		    "reports the server's own error: %s", err.msg);
	ok(clk_mono_us() - t0 < 100000, "without waiting for the schedule");
	unlike(err.msg, "sekrit", "without the password");
	pool_free(p);
}

int
main(void)
{
	test_settings();
	test_timeout_with_cause();
	test_breaker();
	test_lazy_probe();
	return (done_testing());
}
