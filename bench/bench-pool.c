/*
 * bench-pool.c - throughput of short queries through the pool versus
 * dedicated libpq connections, and the cost of an uncontended
 * acquire + release.
 *
 * usage: bench-pool [-t SECONDS] [-c THREADS] [-n ITERATIONS] [-M PROTO] MODE...
 *   -M simple     PQexec("SELECT 1"): the simple query protocol (default)
 *      extended   PQexecParams: unnamed statement, as pgbench -M extended
 *      prepared   PQexecPrepared of a statement prepared once per
 *                 connection, as pgbench -M prepared
 *      mcpdb      the pool side runs pool_query_deadline (mcpdb's own
 *                 query path: non-blocking send, poll, extended protocol),
 *                 the dedicated side PQexecParams
 *   -q QUERIES    direct and pool: each thread runs exactly QUERIES queries
 *                 instead of -t seconds (for profiles: the cost of N
 *                 queries minus the cost of a few is the cost per query)
 *   direct   THREADS threads, each with its own PGconn, run SELECT 1
 *   pool     THREADS threads share a pool of max THREADS: acquire,
 *            SELECT 1, release
 *   ab       pool and direct interleaved: the same THREADS threads switch
 *            between their dedicated connection and the pool every 200 ms.
 *            Biased (dedicated about 18% low, pool about 6% high against
 *            separate runs, bench/RESULTS-pool.md): kept only to reproduce
 *            that; bench/pool.sh runs pool and direct as separate processes
 *   acquire  one thread, pool of one: ITERATIONS acquire + release pairs
 * The conninfo comes from MCPDB_BENCH_PGURL (else MCPDB_TEST_PGURL).
 * Output: "key value" lines (direct_qps, pool_qps, ab_direct_qps,
 * ab_pool_qps, ab_direct_cpu_us, ab_pool_cpu_us - client CPU per query -
 * and acquire_release_ns), for bench/pool.sh to parse.
 */
#include "config.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "breaker.h"
#include "conf.h"
#include "pgq.h"
#include "pool.h"
#include "clk.h"

enum bench_proto { BP_SIMPLE, BP_EXTENDED, BP_PREPARED, BP_MCPDB };

struct bench {
	const struct conf_target *t;
	enum bench_proto proto;
	long		 queries;	/* -q: per thread, then stop (0: -t) */
	struct pool	*p;
	int64_t		 end_us;
	int		 start;		/* all threads go at once */
	int		 phase;		/* ab: 0 = direct, 1 = pool */
	long		 ops;
	long		 errors;
	long		 ab_ops[2];
	int64_t		 ab_cpu_ns[2];	/* client CPU per phase, all threads */
	double		 cpu_us;	/* bench_run: process CPU per query */
};

/* CPU time this thread has used, in nanoseconds. */
static int64_t
bench_thread_cpu(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ((int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec);
}

/* CPU time the whole process has used, in nanoseconds. */
static int64_t
bench_process_cpu(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return ((int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec);
}

/*
 * One SELECT 1 on c in b's protocol; pooled says c came from the pool (so
 * BP_MCPDB takes the pool's own path). Returns true when it returned a row.
 */
static bool
bench_query(struct bench *b, PGconn *c, bool pooled)
{
	struct mc_err	 err = { 0 };
	PGresult	*res;
	const char	*st;
	bool		 ok;

	switch (b->proto) {
	case BP_SIMPLE:
		res = PQexec(c, "SELECT 1");
		break;
	case BP_PREPARED:
		res = PQexecPrepared(c, "bench_s1", 0, NULL, NULL, NULL, 0);
		st = PQresultErrorField(res, PG_DIAG_SQLSTATE);
		if (st != NULL && strcmp(st, "26000") == 0) {
			/* first use on this connection: prepare it once */
			PQclear(res);
			PQclear(PQprepare(c, "bench_s1", "SELECT 1", 0, NULL));
			res = PQexecPrepared(c, "bench_s1", 0, NULL, NULL, NULL,
			    0);
		}
		break;
	case BP_MCPDB:
		if (pooled) {
			res = pool_query_deadline(b->p, c, "SELECT 1", 0, NULL,
			    0, &err);
			break;
		}
		/* FALLTHROUGH */
	case BP_EXTENDED:
	default:
		res = PQexecParams(c, "SELECT 1", 0, NULL, NULL, NULL, NULL, 0);
		break;
	}
	ok = PQresultStatus(res) == PGRES_TUPLES_OK;
	PQclear(res);
	return (ok);
}

/* Has a thread that ran n queries reached the end (-q or -t)? */
static bool
bench_done(const struct bench *b, long n)
{
	return (b->queries > 0 ? n >= b->queries : clk_mono_us() >= b->end_us);
}

/* One dedicated connection running SELECT 1 until the end. */
static void *
bench_direct(void *arg)
{
	struct bench	*b = arg;
	struct mc_err	 err = { 0 };
	PGconn		*c = pgq_connect(b->t, "bench-direct", &err);
	long		 n = 0, bad = 0;

	if (c == NULL) {
		fprintf(stderr, "bench-pool: %s\n", err.msg);
		__atomic_add_fetch(&b->errors, 1, __ATOMIC_SEQ_CST);
		return (NULL);
	}
	while (!__atomic_load_n(&b->start, __ATOMIC_SEQ_CST))
		usleep(100);
	while (!bench_done(b, n + bad)) {
		if (bench_query(b, c, false))
			n++;
		else
			bad++;
	}
	PQfinish(c);
	__atomic_add_fetch(&b->ops, n, __ATOMIC_SEQ_CST);
	__atomic_add_fetch(&b->errors, bad, __ATOMIC_SEQ_CST);
	return (NULL);
}

/* A borrower: acquire, SELECT 1, release until the end. */
static void *
bench_pooled(void *arg)
{
	struct bench	*b = arg;
	struct mc_err	 err = { 0 };
	PGconn		*c;
	long		 n = 0, bad = 0;

	while (!__atomic_load_n(&b->start, __ATOMIC_SEQ_CST))
		usleep(100);
	while (!bench_done(b, n + bad)) {
		if ((c = pool_acquire(b->p, "bench", &err)) == NULL) {
			bad++;
			continue;
		}
		if (bench_query(b, c, true))
			n++;
		else
			bad++;
		pool_release(b->p, c);
	}
	__atomic_add_fetch(&b->ops, n, __ATOMIC_SEQ_CST);
	__atomic_add_fetch(&b->errors, bad, __ATOMIC_SEQ_CST);
	return (NULL);
}

/* ab: one thread that follows b->phase between its own conn and the pool. */
static void *
bench_ab(void *arg)
{
	struct bench	*b = arg;
	struct mc_err	 err = { 0 };
	PGconn		*own = pgq_connect(b->t, "bench-direct", &err), *c;
	long		 n[2] = { 0, 0 }, bad = 0;
	int64_t		 cpu[2] = { 0, 0 }, mark, now;
	int		 ph, last = 0;

	if (own == NULL) {
		fprintf(stderr, "bench-pool: %s\n", err.msg);
		__atomic_add_fetch(&b->errors, 1, __ATOMIC_SEQ_CST);
		return (NULL);
	}
	while (!__atomic_load_n(&b->start, __ATOMIC_SEQ_CST))
		usleep(100);
	mark = bench_thread_cpu();
	while (clk_mono_us() < b->end_us) {
		ph = __atomic_load_n(&b->phase, __ATOMIC_RELAXED);
		if (ph != last) {	/* charge the CPU to the phase it served */
			now = bench_thread_cpu();
			cpu[last] += now - mark;
			mark = now;
			last = ph;
		}
		if (ph == 0)
			c = own;
		else if ((c = pool_acquire(b->p, "bench", &err)) == NULL) {
			bad++;
			continue;
		}
		if (bench_query(b, c, ph == 1))
			n[ph]++;
		else
			bad++;
		if (ph == 1)
			pool_release(b->p, c);
	}
	cpu[last] += bench_thread_cpu() - mark;
	PQfinish(own);
	__atomic_add_fetch(&b->ab_cpu_ns[0], cpu[0], __ATOMIC_SEQ_CST);
	__atomic_add_fetch(&b->ab_cpu_ns[1], cpu[1], __ATOMIC_SEQ_CST);
	__atomic_add_fetch(&b->ab_ops[0], n[0], __ATOMIC_SEQ_CST);
	__atomic_add_fetch(&b->ab_ops[1], n[1], __ATOMIC_SEQ_CST);
	__atomic_add_fetch(&b->errors, bad, __ATOMIC_SEQ_CST);
	return (NULL);
}

/*
 * ab: run nthreads of bench_ab for secs seconds, flipping the phase every
 * 200 ms; out[0] and out[1] get direct and pool queries per second.
 */
static void
bench_run_ab(struct bench *b, int nthreads, double secs, double *out)
{
	pthread_t	*th = calloc((size_t)nthreads, sizeof(*th));
	int64_t		 t0, now, in[2] = { 0, 0 }, mark;
	int		 i, ph = 0;

	b->errors = b->ab_ops[0] = b->ab_ops[1] = 0;
	b->ab_cpu_ns[0] = b->ab_cpu_ns[1] = 0;
	b->start = 0;
	b->phase = 0;
	b->end_us = INT64_MAX;
	for (i = 0; i < nthreads; i++)
		pthread_create(&th[i], NULL, bench_ab, b);
	usleep(300000);
	t0 = mark = clk_mono_us();
	b->end_us = t0 + (int64_t)(secs * 1e6);
	__atomic_store_n(&b->start, 1, __ATOMIC_SEQ_CST);
	while ((now = clk_mono_us()) < b->end_us) {
		usleep(200000);
		now = clk_mono_us();
		in[ph] += (now < b->end_us ? now : b->end_us) - mark;
		mark = now;
		ph = !ph;
		__atomic_store_n(&b->phase, ph, __ATOMIC_RELAXED);
	}
	for (i = 0; i < nthreads; i++)
		pthread_join(th[i], NULL);
	free(th);
	if (b->errors > 0)
		fprintf(stderr, "bench-pool: %ld errors\n", b->errors);
	out[0] = in[0] ? (double)b->ab_ops[0] / ((double)in[0] / 1e6) : 0;
	out[1] = in[1] ? (double)b->ab_ops[1] / ((double)in[1] / 1e6) : 0;
}

/* Run nthreads of fn for secs seconds; returns queries per second. */
static double
bench_run(struct bench *b, void *(*fn)(void *), int nthreads, double secs)
{
	pthread_t	*th = calloc((size_t)nthreads, sizeof(*th));
	int64_t		 t0, cpu0;
	int		 i;

	b->ops = b->errors = 0;
	b->start = 0;
	b->end_us = INT64_MAX;
	for (i = 0; i < nthreads; i++)
		pthread_create(&th[i], NULL, fn, b);
	usleep(300000);		/* let the direct threads connect */
	cpu0 = bench_process_cpu();
	t0 = clk_mono_us();
	b->end_us = t0 + (int64_t)(secs * 1e6);
	__atomic_store_n(&b->start, 1, __ATOMIC_SEQ_CST);
	for (i = 0; i < nthreads; i++)
		pthread_join(th[i], NULL);
	b->cpu_us = b->ops ? (double)(bench_process_cpu() - cpu0) / 1e3 /
	    (double)b->ops : 0;
	free(th);
	if (b->errors > 0)
		fprintf(stderr, "bench-pool: %ld errors\n", b->errors);
	return ((double)b->ops / ((double)(clk_mono_us() - t0) / 1e6));
}

/* Wait until the pool has n idle connections (pre-warmed). */
static void
bench_warm(struct pool *p, int n)
{
	int	i;

	for (i = 0; i < 500 && pool_stats(p).idle < n; i++)
		usleep(10000);
}

int
main(int argc, char **argv)
{
	struct conf_target	 t;
	struct mc_err		 err = { 0 };
	struct bench		 b = { 0 };
	struct timespec		 a, z;
	const char		*url;
	double			 secs = 5, ns, ab[2];
	long			 iters = 2000000, i;
	int			 ch, threads = 8;
	PGconn			*c;

	while ((ch = getopt(argc, argv, "t:c:n:M:q:")) != -1) {
		switch (ch) {
		case 'q':
			b.queries = atol(optarg);
			break;
		case 'M':
			if (strcmp(optarg, "simple") == 0)
				b.proto = BP_SIMPLE;
			else if (strcmp(optarg, "extended") == 0)
				b.proto = BP_EXTENDED;
			else if (strcmp(optarg, "prepared") == 0)
				b.proto = BP_PREPARED;
			else if (strcmp(optarg, "mcpdb") == 0)
				b.proto = BP_MCPDB;
			else {
				fprintf(stderr, "bench-pool: -M simple|extended|"
				    "prepared|mcpdb\n");
				return (2);
			}
			break;
		case 't':
			secs = atof(optarg);
			break;
		case 'c':
			threads = atoi(optarg);
			break;
		case 'n':
			iters = atol(optarg);
			break;
		default:
			fprintf(stderr, "usage: bench-pool [-t SECONDS] "
			    "[-c THREADS] [-n ITERATIONS] [-M PROTO] [-q QUERIES] "
			    "direct|pool|ab|acquire...\n");
			return (2);
		}
	}
	if ((url = getenv("MCPDB_BENCH_PGURL")) == NULL &&
	    (url = getenv("MCPDB_TEST_PGURL")) == NULL) {
		fprintf(stderr, "bench-pool: set MCPDB_BENCH_PGURL\n");
		return (2);
	}
	memset(&t, 0, sizeof(t));
	conf_target_defaults(&t);
	t.name = (char *)"bench";
	t.pg = (char *)url;
	t.pool.leak_threshold_ms = 0;
	b.t = &t;
	for (; optind < argc; optind++) {
		if (strcmp(argv[optind], "direct") == 0) {
			printf("direct_qps %.1f\n",
			    bench_run(&b, bench_direct, threads, secs));
			printf("direct_cpu_us %.2f\n", b.cpu_us);
		} else if (strcmp(argv[optind], "pool") == 0) {
			t.pool.min = threads;
			t.pool.max = threads;
			if ((b.p = pool_new(&t, NULL, "bench-pool", &err)) == NULL)
				goto fail;
			bench_warm(b.p, threads);
			printf("pool_qps %.1f\n",
			    bench_run(&b, bench_pooled, threads, secs));
			printf("pool_cpu_us %.2f\n", b.cpu_us);
			pool_free(b.p);
		} else if (strcmp(argv[optind], "ab") == 0) {
			t.pool.min = threads;
			t.pool.max = threads;
			if ((b.p = pool_new(&t, NULL, "bench-pool", &err)) == NULL)
				goto fail;
			bench_warm(b.p, threads);
			bench_run_ab(&b, threads, secs, ab);
			printf("ab_direct_qps %.1f\nab_pool_qps %.1f\n", ab[0],
			    ab[1]);
			/* Client CPU per query: insensitive to machine load. */
			printf("ab_direct_cpu_us %.2f\nab_pool_cpu_us %.2f\n",
			    b.ab_ops[0] ? (double)b.ab_cpu_ns[0] / 1e3 /
			    (double)b.ab_ops[0] : 0, b.ab_ops[1] ?
			    (double)b.ab_cpu_ns[1] / 1e3 / (double)b.ab_ops[1] : 0);
			pool_free(b.p);
		} else if (strcmp(argv[optind], "acquire") == 0) {
			t.pool.min = 1;
			t.pool.max = 1;
			if ((b.p = pool_new(&t, NULL, "bench-acquire", &err)) == NULL)
				goto fail;
			bench_warm(b.p, 1);
			for (i = 0; i < 10000; i++)	/* warm caches */
				pool_release(b.p, pool_acquire(b.p, "b", &err));
			clock_gettime(CLOCK_MONOTONIC, &a);
			for (i = 0; i < iters; i++) {
				if ((c = pool_acquire(b.p, "bench", &err)) == NULL)
					goto fail;
				pool_release(b.p, c);
			}
			clock_gettime(CLOCK_MONOTONIC, &z);
			ns = ((double)(z.tv_sec - a.tv_sec) * 1e9 +
			    (double)(z.tv_nsec - a.tv_nsec)) / (double)iters;
			printf("acquire_release_ns %.1f\n", ns);
			pool_free(b.p);
		} else {
			fprintf(stderr, "bench-pool: unknown mode %s\n",
			    argv[optind]);
			return (2);
		}
		fflush(stdout);
	}
	return (0);
fail:
	fprintf(stderr, "bench-pool: %s\n", err.msg);
	return (1);
}
