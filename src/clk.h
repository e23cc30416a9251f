/*
 * clk.h - the two clocks mcpdb reads: monotonic (durations, deadlines,
 * breaker and backoff timing; never jumps) and wall (timestamps shown to the
 * operator and compared across processes).
 */
#ifndef MCPDB_CLK_H
#define MCPDB_CLK_H

#include <stdint.h>

/* Monotonic clock, microseconds. */
int64_t	clk_mono_us(void);
/* Monotonic clock, milliseconds. */
int64_t	clk_mono_ms(void);
/* Wall clock, microseconds since the epoch. */
int64_t	clk_wall_us(void);

#endif
