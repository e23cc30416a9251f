/* backoff.c - exponential backoff with full jitter. */
#include "config.h"

#include "backoff.h"

#include <time.h>

void
backoff_init(struct backoff *b, int base_ms, int cap_ms, uint64_t seed)
{
	struct timespec	ts;

	b->base_ms = base_ms > 0 ? base_ms : 1;
	b->cap_ms = cap_ms >= b->base_ms ? cap_ms : b->base_ms;
	b->attempt = 0;
	if (seed == 0) {
		clock_gettime(CLOCK_MONOTONIC, &ts);
		seed = ((uint64_t)ts.tv_nsec << 20) ^ (uint64_t)ts.tv_sec ^
		    (uint64_t)(uintptr_t)b;
	}
	b->rng = seed ? seed : 0x9e3779b97f4a7c15ULL;
}

int
backoff_ceiling_ms(const struct backoff *b)
{
	long long	c = b->base_ms;
	unsigned	i;

	for (i = 0; i < b->attempt && c < b->cap_ms; i++)
		c *= 2;
	return (c > b->cap_ms ? b->cap_ms : (int)c);
}

uint64_t
backoff_rand(struct backoff *b, uint64_t n)
{
	uint64_t	x = b->rng;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	b->rng = x;
	return (n ? x % n : 0);
}

int
backoff_next_ms(struct backoff *b)
{
	int	ceil = backoff_ceiling_ms(b);

	if (b->attempt < 64)
		b->attempt++;
	return ((int)backoff_rand(b, (uint64_t)ceil + 1));
}

void
backoff_reset(struct backoff *b)
{
	b->attempt = 0;
}
