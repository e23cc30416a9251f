/*
 * bench-rds.c - pipelined SET then GET of N distinct keys through the rds
 * client (the same code mcpdb uses), for comparison with redis-benchmark -P
 * on the same server. Prints CSV lines "SET",rps and "GET",rps like
 * redis-benchmark --csv, so bench/redis-pipeline.sh can take the ratio.
 *
 * usage: bench-rds URL [-n KEYS] [-P BATCH] [-c THREADS] [-d VALUE_BYTES]
 * [-C CA_FILE] [-L] (URL may be redis+cluster://: batches are then split
 * per node; rediss:// with -C verifies against that CA file). -L: one
 * thread drives -c connections with rds_pipe_run instead of -c threads
 * each blocking on its own connection.
 */
#include "config.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "conf.h"
#include "rds-cluster.h"
#include "rds-run.h"
#include "rds.h"

struct job {
	struct rds	*r;
	long		 from, to;	/* key range [from, to) */
	int		 batch;
	int		 dsize;
	bool		 get;
	char		*val;		/* -L: the SET value */
	long		 bad;
	char		 err[512];
};

/* Monotonic seconds. */
static double
now_s(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (ts.tv_sec + ts.tv_nsec / 1e9);
}

/*
 * "bench:key:%08ld" without printf: snprintf cost the benchmark more per
 * command than the client itself (redis-benchmark, too, writes its random
 * key digits in place). Returns the length (18).
 */
static size_t
bench_key(char *key, long k)
{
	int	i;

	memcpy(key, "bench:key:", 10);
	for (i = 17; i >= 10; i--, k /= 10)
		key[i] = (char)('0' + k % 10);
	key[18] = '\0';
	return (18);
}

/* Append SET (or GET) of keys [from, to) to p, with j's value. */
static void
bench_add(const struct job *j, struct rds_pipe *p, long from, long to)
{
	char		 key[32];
	const char	*argv[3];
	size_t		 argvlen[3];
	long		 k;

	for (k = from; k < to; k++) {
		argvlen[1] = bench_key(key, k);
		argv[1] = key;
		if (j->get) {
			argv[0] = "GET", argvlen[0] = 3;
			rds_pipe_add(p, 2, argv, argvlen);
		} else {
			argv[0] = "SET", argvlen[0] = 3;
			argv[2] = j->val, argvlen[2] = (size_t)j->dsize;
			rds_pipe_add(p, 3, argv, argvlen);
		}
	}
}

/* Count a batch's error replies and, for GET, wrong values as bad. */
static void
bench_check(struct job *j, const struct rds_pipe *p, size_t nerr)
{
	const struct rds_reply	*rep;
	size_t			 i;

	j->bad += (long)nerr;
	if (j->get)
		for (i = 0; i < rds_pipe_len(p); i++) {
			rep = rds_pipe_reply(p, i);
			if (rep->type != RDS_STRING || rep->len != (size_t)j->dsize)
				j->bad++;
		}
}

/* A SET value: dsize bytes of 'x'. Caller frees. */
static char *
bench_value(int dsize)
{
	char	*val = malloc((size_t)dsize + 1);

	memset(val, 'x', (size_t)dsize);
	val[dsize] = '\0';
	return (val);
}

/* One thread: its key range in batches of job->batch commands. */
static void *
job_main(void *arg)
{
	struct job	*j = arg;
	struct rds_pipe	*p = rds_pipe_new(j->r);
	struct mc_err	 err = { 0 };
	size_t		 nerr;
	long		 start, end;

	j->val = bench_value(j->dsize);
	for (start = j->from; start < j->to; start += j->batch) {
		end = start + j->batch < j->to ? start + j->batch : j->to;
		rds_pipe_reset(p);
		bench_add(j, p, start, end);
		if (rds_pipe_exec(p, &nerr, &err) == -1) {
			snprintf(j->err, sizeof(j->err), "%s", err.msg);
			j->bad++;
			break;
		}
		bench_check(j, p, nerr);
	}
	rds_pipe_free(p);
	free(j->val);
	return (NULL);
}

/* -L: the next batch of the one stream of keys, for rds_pipe_run. */
static int
loop_fill(void *arg, struct rds_pipe *p)
{
	struct job	*j = arg;
	long		 end = j->from + j->batch < j->to ? j->from + j->batch : j->to;

	if (j->from >= j->to)
		return (0);
	bench_add(j, p, j->from, end);
	j->from = end;
	return (1);
}

/* -L: check a batch's replies. */
static void
loop_done(void *arg, struct rds_pipe *p, size_t nerr)
{
	bench_check(arg, p, nerr);
}

/*
 * -L: one thread drives conns connections with rds_pipe_run; returns
 * requests per second (or -1).
 */
static double
loop_phase(struct rds *r, long n, int batch, int conns, int dsize, bool get)
{
	struct job	 j = { .r = r, .from = 0, .to = n, .batch = batch,
			    .dsize = dsize, .get = get };
	struct mc_err	 err = { 0 };
	double		 t0 = now_s(), el;

	j.val = bench_value(dsize);
	if (rds_pipe_run(r, (size_t)conns, loop_fill, loop_done, &j, &err) == -1) {
		fprintf(stderr, "bench-rds: %s\n", err.msg);
		free(j.val);
		return (-1);
	}
	el = now_s() - t0;
	free(j.val);
	if (j.bad > 0) {
		fprintf(stderr, "bench-rds: %s: %ld bad replies\n", get ? "GET" : "SET", j.bad);
		return (-1);
	}
	return ((double)n / el);
}

/* Run one phase over all threads; returns requests per second (or -1). */
static double
phase(struct rds *r, long n, int batch, int threads, int dsize, bool get)
{
	struct job	*jobs = calloc((size_t)threads, sizeof(*jobs));
	pthread_t	*t = calloc((size_t)threads, sizeof(*t));
	double		 t0, el;
	long		 bad = 0;
	int		 i;

	t0 = now_s();
	for (i = 0; i < threads; i++) {
		jobs[i] = (struct job){ .r = r, .from = n * i / threads,
		    .to = n * (i + 1) / threads, .batch = batch, .dsize = dsize, .get = get };
		pthread_create(&t[i], NULL, job_main, &jobs[i]);
	}
	for (i = 0; i < threads; i++) {
		pthread_join(t[i], NULL);
		bad += jobs[i].bad;
		if (jobs[i].err[0] != '\0')
			fprintf(stderr, "bench-rds: %s\n", jobs[i].err);
	}
	el = now_s() - t0;
	free(jobs);
	free(t);
	if (bad > 0) {
		fprintf(stderr, "bench-rds: %s: %ld bad replies\n", get ? "GET" : "SET", bad);
		return (-1);
	}
	return ((double)n / el);
}

int
main(int argc, char **argv)
{
	struct conf_target	 tg;
	struct mc_err		 err = { 0 };
	struct rds		*r;
	long			 n = 200000;
	int			 batch = 16, threads = 4, dsize = 3, c, rounds = 1, i;
	bool			 loop = false;
	double			 set = 0, get = 0, s, g;

	if (argc < 2 || argv[1][0] == '-') {
		fprintf(stderr, "usage: bench-rds URL [-n KEYS] [-P BATCH] [-c THREADS] "
		    "[-d BYTES] [-r ROUNDS] [-C CA_FILE] [-L]\n");
		return (2);
	}
	optind = 2;
	memset(&tg, 0, sizeof(tg));
	conf_target_defaults(&tg);
	while ((c = getopt(argc, argv, "n:P:c:d:r:C:L")) != -1) {
		switch (c) {
		case 'n': n = atol(optarg); break;
		case 'P': batch = atoi(optarg); break;
		case 'c': threads = atoi(optarg); break;
		case 'd': dsize = atoi(optarg); break;
		case 'r': rounds = atoi(optarg); break;
		case 'L': loop = true; break;
		case 'C':
			snprintf(tg.redis_opts.tls_ca_file,
			    sizeof(tg.redis_opts.tls_ca_file), "%s", optarg);
			break;
		default: return (2);
		}
	}
	if (n < 1 || batch < 1 || threads < 1 || dsize < 1 || rounds < 1)
		return (2);
	rds_ignore_sigpipe();
	tg.name = "bench";
	tg.redis = argv[1];
	tg.redis_opts.command_timeout_ms = 10000;
	/* One connection per thread, as redis-benchmark -c has (the default is 4). */
	tg.redis_opts.max_connections = threads > 256 ? 256 : threads;
	r = rdsuri_cluster_is(tg.redis) ? rds_cluster_open(&tg, NULL, "bench", &err) :
	    rds_new(&tg, NULL, "bench", &err);
	if (r == NULL) {
		fprintf(stderr, "bench-rds: %s\n", err.msg);
		return (1);
	}
	/* Best of ROUNDS, like taking the steadiest sample on a shared box. */
	for (i = 0; i < rounds; i++) {
		if (loop) {
			s = loop_phase(r, n, batch, threads, dsize, false);
			g = s < 0 ? -1 : loop_phase(r, n, batch, threads, dsize, true);
		} else {
			s = phase(r, n, batch, threads, dsize, false);
			g = s < 0 ? -1 : phase(r, n, batch, threads, dsize, true);
		}
		if (s < 0 || g < 0) {
			rds_free(r);
			return (1);
		}
		if (s > set)
			set = s;
		if (g > get)
			get = g;
	}
	printf("\"SET\",\"%.2f\"\n\"GET\",\"%.2f\"\n", set, get);
	rds_free(r);
	return (0);
}
