/* t-breaker.c - unit tests for backoff and the circuit breaker. */
#include "config.h"

#include <unistd.h>

#include "backoff.h"
#include "breaker.h"
#include "tap.h"

int
main(void)
{
	struct backoff	b;
	struct breaker	br;
	int		i, d, maxd = 0, retry = -1;
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

	breaker_init(&br, 3, 200);
	ok(breaker_allow(&br, NULL), "closed breaker allows");
	breaker_failure(&br);
	breaker_failure(&br);
	is_int(breaker_stats(&br).state, BREAKER_CLOSED, "below threshold stays closed");
	ok(breaker_failure(&br), "third failure changes state");
	is_int(breaker_stats(&br).state, BREAKER_OPEN, "threshold opens the breaker");
	ok(!breaker_allow(&br, &retry), "open breaker fails fast");
	ok(retry > 0 && retry <= 200, "retry-in is reported (%d ms)", retry);
	is_int((long long)breaker_stats(&br).rejected, 1, "rejection counted");
	usleep(220 * 1000);
	ok(breaker_allow(&br, NULL), "after open_ms one probe is allowed");
	is_int(breaker_stats(&br).state, BREAKER_HALF_OPEN, "state is half-open");
	ok(!breaker_allow(&br, NULL), "a second caller is refused while the probe runs");
	breaker_failure(&br);
	is_int(breaker_stats(&br).state, BREAKER_OPEN, "failed probe re-opens");
	usleep(220 * 1000);
	ok(breaker_allow(&br, NULL), "next probe allowed");
	ok(breaker_success(&br), "successful probe changes state");
	is_int(breaker_stats(&br).state, BREAKER_CLOSED, "success closes");
	is_int((long long)breaker_stats(&br).transitions, 5, "transitions counted");
	is_str(breaker_state_name(BREAKER_HALF_OPEN), "half-open", "state names");
	breaker_done(&br);
	return (done_testing());
}
