/* clk.c - monotonic and wall clock readings in one place. */
#include "config.h"

#include "clk.h"

#include <time.h>

int64_t
clk_mono_us(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000);
}

int64_t
clk_mono_ms(void)
{
	return (clk_mono_us() / 1000);
}

int64_t
clk_wall_us(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ((int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000);
}
