/* rds-hist.c - log-linear latency histogram for the Redis command tracker. */
#include "config.h"

#include "rds-hist.h"

#include <string.h>

/* Bucket index of value v. */
static unsigned
rds_hist_index(uint64_t v)
{
	unsigned	e, shift;

	if (v >= (1ULL << RDS_HIST_MAXBITS))
		v = (1ULL << RDS_HIST_MAXBITS) - 1;
	if (v < RDS_HIST_SUB)
		return ((unsigned)v);
	e = 63 - (unsigned)__builtin_clzll(v);		/* floor(log2 v) >= SUBBITS */
	shift = e - RDS_HIST_SUBBITS;
	return ((shift + 1) * RDS_HIST_SUB + (unsigned)((v >> shift) - RDS_HIST_SUB));
}

/* Lowest value that falls into bucket i, and its width. */
static void
rds_hist_bounds(unsigned i, uint64_t *lo, uint64_t *width)
{
	unsigned	shift;

	if (i < RDS_HIST_SUB) {
		*lo = i;
		*width = 1;
		return;
	}
	shift = i / RDS_HIST_SUB - 1;
	*lo = (uint64_t)(RDS_HIST_SUB + i % RDS_HIST_SUB) << shift;
	*width = 1ULL << shift;
}

/* Empty the histogram. */
void
rds_hist_init(struct rds_hist *h)
{
	memset(h, 0, sizeof(*h));
}

/* Count one sample of us microseconds. */
void
rds_hist_add(struct rds_hist *h, uint64_t us)
{
	if (h->count == 0 || us < h->min_us)
		h->min_us = us;
	if (us > h->max_us)
		h->max_us = us;
	h->count++;
	h->sum_us += us;
	h->b[rds_hist_index(us)]++;
}

/* Walk the buckets up to the p-th sample and report that bucket's midpoint. */
uint64_t
rds_hist_pct(const struct rds_hist *h, double p)
{
	uint64_t	rank, seen = 0, lo, width, v;
	unsigned	i;

	if (h->count == 0)
		return (0);
	if (p >= 100.0)
		return (h->max_us);
	if (p < 0.0)
		p = 0.0;
	/* the smallest rank r with r >= p% of count (1-based) */
	rank = (uint64_t)(p / 100.0 * (double)h->count + 0.9999999);
	if (rank == 0)
		rank = 1;
	for (i = 0; i < RDS_HIST_NB; i++) {
		seen += h->b[i];
		if (seen >= rank)
			break;
	}
	if (i == RDS_HIST_NB)
		return (h->max_us);
	rds_hist_bounds(i, &lo, &width);
	v = lo + (width - 1) / 2;
	if (v < h->min_us)
		v = h->min_us;
	if (v > h->max_us)
		v = h->max_us;
	return (v);
}

/* Average of all samples. */
double
rds_hist_mean(const struct rds_hist *h)
{
	return (h->count ? (double)h->sum_us / (double)h->count : 0.0);
}
