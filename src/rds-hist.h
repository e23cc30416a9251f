/*
 * rds-hist.h - a small log-linear latency histogram (HdrHistogram-lite):
 * values in microseconds, 16 sub-buckets per power of two, so any
 * percentile is within about 3% of the true value; max is exact.
 * A value type: embed it and guard it with your own lock.
 */
#ifndef MCPDB_RDS_HIST_H
#define MCPDB_RDS_HIST_H

#include <stdint.h>

#define RDS_HIST_SUBBITS	4
#define RDS_HIST_SUB		(1 << RDS_HIST_SUBBITS)
#define RDS_HIST_MAXBITS	40	/* values are clamped below 2^40 us (12 days) */
#define RDS_HIST_NB		((RDS_HIST_MAXBITS - RDS_HIST_SUBBITS + 1) * RDS_HIST_SUB)

struct rds_hist {
	uint64_t	count;
	uint64_t	sum_us;
	uint64_t	min_us;
	uint64_t	max_us;
	uint64_t	b[RDS_HIST_NB];
};

/* Empty the histogram. */
void		rds_hist_init(struct rds_hist *);
/* Record one value. */
void		rds_hist_add(struct rds_hist *, uint64_t us);
/*
 * The value at percentile p (0..100): the midpoint of the bucket holding
 * the p-th sample, clamped to [min, max]. 0 when empty. p >= 100 gives max.
 */
uint64_t	rds_hist_pct(const struct rds_hist *, double p);
/* Mean in microseconds (0 when empty). */
double		rds_hist_mean(const struct rds_hist *);

#endif
