/*
 * backoff.h - exponential backoff with full jitter (AWS "Exponential Backoff
 * and Jitter"): delay(n) = uniform(0, min(cap, base * 2^n)).
 * A value type; not thread-safe by itself (embed it under your own lock).
 */
#ifndef MCPDB_BACKOFF_H
#define MCPDB_BACKOFF_H

#include <stdint.h>

struct backoff {
	int		base_ms;
	int		cap_ms;
	unsigned	attempt;	/* failures since the last success */
	uint64_t	rng;		/* xorshift state */
};

/* Initialise with base and cap (ms); seed 0 picks one from time and address. */
void	backoff_init(struct backoff *, int base_ms, int cap_ms, uint64_t seed);
/* The ceiling for the current attempt: min(cap, base * 2^attempt). */
int	backoff_ceiling_ms(const struct backoff *);
/* Draw the next delay (0..ceiling) and count one more attempt. */
int	backoff_next_ms(struct backoff *);
/* A success: start again from attempt 0. */
void	backoff_reset(struct backoff *);
/* Uniform jitter helper: a value in [0, n) from the backoff's generator. */
uint64_t backoff_rand(struct backoff *, uint64_t n);

#endif
