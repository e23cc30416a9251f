/*
 * t-pgio.c - unit tests for the I/O rates: a counter's rate per second;
 * unknown (-1) for a missing counter, a zero interval, or a counter that
 * went back (a stats reset between the samples: no negative rate); the
 * summary's advice when requested checkpoints dominate.
 */
#include "config.h"

#include <string.h>

#include "pgio.h"
#include "tap.h"

int
main(void)
{
	struct pgio_sample	a, b;
	struct table		*t;
	const char		*v = NULL;
	size_t			 i;

	ok(pgio_rate(100, 300, 2.0) == 100.0, "200 in 2 s is 100/s");
	ok(pgio_rate(5, 5, 1.0) == 0.0, "no change is 0/s");
	ok(pgio_rate(-1, 5, 1.0) < 0, "a counter missing from the first sample: unknown");
	ok(pgio_rate(1, -1, 1.0) < 0, "missing from the second: unknown");
	ok(pgio_rate(1, 2, 0) < 0, "no interval: unknown");
	ok(pgio_rate(900, 10, 1.0) < 0, "a counter that went back (stats reset): unknown, not negative");

	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	a.db = b.db = (char *)"d";
	a.t = 100;
	b.t = 102;
	b.ckpt_timed = 6;
	b.ckpt_req = 4;
	a.buf_backend = 0;
	b.buf_backend = 800;
	a.buf_ckpt = a.buf_clean = 0;
	b.buf_ckpt = 100;
	b.buf_clean = 100;
	a.wal_bytes = 0;
	b.wal_bytes = 2 * 1048576;
	t = pgio_summary(&a, &b);
	for (i = 0; i < t->nrows; i++)
		if (strcmp(table_cell(t, i, 0), "checkpoints") == 0)
			v = table_cell(t, i, 1);
	like(v, "4 requested (40% requested: max_wal_size is too small", "40% requested checkpoints: the advice");
	v = NULL;
	for (i = 0; i < t->nrows; i++)
		if (strcmp(table_cell(t, i, 0), "buffers written") == 0)
			v = table_cell(t, i, 1);
	like(v, "backends 400.0/s (backends write most", "backends writing most of the buffers: said");
	v = NULL;
	for (i = 0; i < t->nrows; i++)
		if (strcmp(table_cell(t, i, 0), "WAL") == 0)
			v = table_cell(t, i, 1);
	like(v, "1.0 MiB/s", "WAL bytes per second");
	table_free(t);
	return (done_testing());
}
