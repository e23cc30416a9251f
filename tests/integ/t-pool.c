/*
 * t-pool.c - the PostgreSQL pool against a real server: max under load,
 * acquire timeout, FIFO waiters, the transaction helper, cleanup of dirty
 * returns, validation, leaks, idle/lifetime retirement, the deadline helper,
 * shutdown. (The breaker without a server: tests/unit/t-pool.c; with a
 * server going down: t-pool-fault.c.)
 */
#include "config.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "log.h"
#include "pgq.h"
#include "pool.h"
#include "tap.h"
#include "pool-common.h"

static struct tp_env	env;

/* ----------------------------------------------------------- predicates */

static bool
idle_at_least(const struct pool_stats *s, int n)
{
	return (s->idle >= n);
}

static bool
waiting_is(const struct pool_stats *s, int n)
{
	return (s->waiting == n);
}

static bool
total_is(const struct pool_stats *s, int n)
{
	return (s->total == n && s->connecting == 0);
}

static bool
leaks_at_least(const struct pool_stats *s, int n)
{
	return (s->leaks >= (uint64_t)n);
}

/* -------------------------------------------------- 1. max under load */

struct load {
	struct pool	*p;
	int		 iters;
	int		 failures;
	char		 err[512];
	int		 maxtotal;
};

/* A borrower: acquire, short query, release, iters times. */
static void *
load_thread(void *arg)
{
	struct load	*l = arg;
	struct mc_err	 err = { 0 };
	PGconn		*c;
	int		 i;

	for (i = 0; i < l->iters; i++) {
		if ((c = pool_acquire(l->p, "load", &err)) == NULL) {
			__atomic_add_fetch(&l->failures, 1, __ATOMIC_SEQ_CST);
			snprintf(l->err, sizeof(l->err), "%s", err.msg);
			continue;
		}
		if (tp_scalar(c, "SELECT 1 FROM pg_sleep(0.002)") != 1)
			__atomic_add_fetch(&l->failures, 1, __ATOMIC_SEQ_CST);
		pool_release(l->p, c);
	}
	return (NULL);
}

static void
test_max(void)
{
	struct conf_target	 t;
	struct mc_err		 err = { 0 };
	struct pool		*p;
	struct load		 l = { 0 };
	pthread_t		 th[32];
	struct pool_stats	 s;
	int64_t			 t0;
	int			 i, n, maxb = 0, maxt = 0, done = 0, samples = 0;

	tp_target(&env, &t);
	t.pool.min = 2;
	t.pool.max = 4;
	t.pool.acquire_timeout_ms = 30000;
	t0 = tp_now();
	p = pool_new(&t, NULL, env.comp, &err);
	ok(p != NULL, "pool_new: %s", err.msg);
	ok(tp_now() - t0 < 1000000, "pool_new returns promptly (%lld us; "
	    "the frozen-server case is in t-pool-fault)",
	    (long long)(tp_now() - t0));
	ok(tp_wait(p, idle_at_least, 2, 5000), "pre-warms to min = 2 idle");
	is_str(pool_name(p), env.app, "application_name is mcpdb/<component>");
	is_int(tp_backends(&env, env.app), 2, "2 backends carry the "
	    "application_name");

	l.p = p;
	l.iters = 25;
	for (i = 0; i < 32; i++)
		pthread_create(&th[i], NULL, load_thread, &l);
	/* Sample the server and the pool while 32 borrowers fight for 4. */
	t0 = tp_now();
	while (!done && tp_now() - t0 < 60000000) {
		n = tp_backends(&env, env.app);
		if (n > maxb)
			maxb = n;
		s = pool_stats(p);
		if (s.total > maxt)
			maxt = s.total;
		samples++;
		done = s.acquires >= 32 * 25 - (uint64_t)l.failures;
		if (!done)
			tp_sleep(2);
	}
	for (i = 0; i < 32; i++)
		pthread_join(th[i], NULL);
	is_int(l.failures, 0, "32 borrowers x 25: no failures %s", l.err);
	ok(maxb <= 4, "server never saw more than max=4 backends "
	    "(max seen %d over %d samples)", maxb, samples);
	ok(maxb >= 3, "the load really used the pool (max seen %d)", maxb);
	ok(maxt <= 4, "pool total never exceeded max (max seen %d)", maxt);
	s = pool_stats(p);
	ok(s.waited_acquires > 0, "some borrowers queued (%llu)",
	    (unsigned long long)s.waited_acquires);
	ok(s.acquire.count >= 800 && s.acquire.p99_us >= s.acquire.p50_us &&
	    s.acquire.max_us >= s.acquire.p99_us, "acquire latency percentiles "
	    "(p50 %u us, p99 %u us, max %u us)", s.acquire.p50_us,
	    s.acquire.p99_us, s.acquire.max_us);
	ok(s.usage.p50_us >= 2000, "usage time covers the 2 ms query "
	    "(p50 %u us)", s.usage.p50_us);
	ok(s.creation.count == s.created && s.created >= 4, "creation "
	    "latency recorded for %llu connections (p50 %u us)",
	    (unsigned long long)s.created, s.creation.p50_us);
	pool_free(p);
	for (i = 0; i < 200 && tp_backends(&env, env.app) > 0; i++)
		tp_sleep(10);
	is_int(tp_backends(&env, env.app), 0, "pool_free closes every backend");
}

/* ------------------------------------------- 3b. per-thread affinity */

static void *
affinity_borrow(void *arg)
{
	struct mc_err	err = { 0 };

	return (pool_acquire(arg, "affinity-other", &err));
}

/*
 * A thread gets back the connection it had last even when another one is
 * warmer (plain LIFO would lend the warmer one): its PGconn stays in its
 * own core's cache.
 */
static void
test_affinity(void)
{
	struct conf_target	 t;
	struct mc_err		 err = { 0 };
	struct pool		*p;
	pthread_t		 th;
	PGconn			*a, *b, *again;
	void			*ret;

	tp_target(&env, &t);
	t.pool.min = 2;
	t.pool.max = 2;
	p = pool_new(&t, NULL, env.comp, &err);
	ok(p != NULL, "affinity: pool_new: %s", err.msg);
	ok(tp_wait(p, idle_at_least, 2, 5000), "affinity: 2 idle");
	a = pool_acquire(p, "affinity-main", &err);
	pthread_create(&th, NULL, affinity_borrow, p);
	pthread_join(th, &ret);
	b = ret;
	ok(a != NULL && b != NULL && a != b, "affinity: two threads borrow "
	    "two connections");
	pool_release(p, a);
	pool_release(p, b);	/* b is now the warmest idle one */
	again = pool_acquire(p, "affinity-main", &err);
	ok(again == a, "affinity: the main thread gets its own connection "
	    "back, not the warmer one the other thread had");
	pool_release(p, again);
	pool_free(p);
}

/* ------------------------------------------------ 2. acquire timeout */

static void
test_timeout(void)
{
	struct conf_target	 t;
	struct mc_err		 err = { 0 };
	struct pool		*p;
	PGconn			*a, *b, *c;
	int64_t			 t0, ms;

	tp_target(&env, &t);
	t.pool.min = 0;
	t.pool.max = 2;
	t.pool.acquire_timeout_ms = 400;
	p = pool_new(&t, NULL, env.comp, &err);
	a = pool_acquire(p, "migrate", &err);
	tp_sleep(150);
	b = pool_acquire(p, "seed", &err);
	ok(a != NULL && b != NULL, "two borrowed: %s", err.msg);
	t0 = tp_now();
	c = pool_acquire(p, "third", &err);
	ms = (tp_now() - t0) / 1000;
	ok(c == NULL && err.code == MC_E_TIMEOUT, "third acquire times out");
	ok(ms >= 395 && ms <= 600, "after 400 ms (took %lld ms)", (long long)ms);
	like(err.msg, "timed out after 4", "message says how long");
	like(err.msg, "2 of 2 busy", "message says how many are busy");
	like(err.msg, "by 'migrate'", "message names the longest holder");
	like(err.msg, "longest held 0.", "message says for how long");
	like(err.msg, env.app, "message names the pool");
	diag("%s", err.msg);
	is_int((long long)pool_stats(p).timeouts, 1, "timeouts counter");
	pool_release(p, a);
	pool_release(p, b);
	pool_free(p);
}

/* ------------------------------------------------------- 3. FIFO order */

struct fifo {
	struct pool	*p;
	pthread_mutex_t	 mtx;
	int		 order[8];
	int		 n;
};

struct fifo_arg {
	struct fifo	*f;
	int		 id;
};

/* A queued borrower: record the order in which it was served. */
static void *
fifo_thread(void *arg)
{
	struct fifo_arg	*a = arg;
	struct mc_err	 err = { 0 };
	PGconn		*c;

	c = pool_acquire(a->f->p, "fifo", &err);
	pthread_mutex_lock(&a->f->mtx);
	a->f->order[a->f->n++] = c != NULL ? a->id : -1;
	pthread_mutex_unlock(&a->f->mtx);
	if (c != NULL) {
		tp_sleep(3);
		pool_release(a->f->p, c);
	}
	return (NULL);
}

static void
test_fifo(void)
{
	struct conf_target	 t;
	struct mc_err		 err = { 0 };
	struct fifo		 f = { 0 };
	struct fifo_arg		 args[8];
	pthread_t		 th[8];
	PGconn			*held;
	int			 i;
	bool			 inorder = true, queued = true;

	tp_target(&env, &t);
	t.pool.min = 1;
	t.pool.max = 1;
	t.pool.acquire_timeout_ms = 10000;
	f.p = pool_new(&t, NULL, env.comp, &err);
	pthread_mutex_init(&f.mtx, NULL);
	held = pool_acquire(f.p, "holder", &err);
	ok(held != NULL, "holder borrowed the only connection");
	for (i = 0; i < 8; i++) {
		args[i].f = &f;
		args[i].id = i;
		pthread_create(&th[i], NULL, fifo_thread, &args[i]);
		if (!tp_wait(f.p, waiting_is, i + 1, 5000))
			queued = false;
	}
	ok(queued, "8 borrowers queued one after another");
	pool_release(f.p, held);
	for (i = 0; i < 8; i++)
		pthread_join(th[i], NULL);
	for (i = 0; i < 8; i++)
		if (f.order[i] != i)
			inorder = false;
	ok(inorder, "served in arrival order: %d %d %d %d %d %d %d %d",
	    f.order[0], f.order[1], f.order[2], f.order[3], f.order[4],
	    f.order[5], f.order[6], f.order[7]);
	pthread_mutex_destroy(&f.mtx);
	pool_free(f.p);
}

/* ---------------------------------------------- 4. transaction helper */

struct txarg {
	int	 value;
	int	 mode;	/* 0 ok, 1 callback error, 2 server error, 3 ignored */
};

/* Insert a row, then fail (or not) according to mode. */
static int
tx_fn(PGconn *c, void *arg, struct mc_err *err)
{
	struct txarg	*a = arg;
	char		 v[16];
	const char	*pv[1] = { v };
	PGresult	*res;

	snprintf(v, sizeof(v), "%d", a->value);
	if ((res = pgq_query(c, "INSERT INTO t VALUES ($1::int)", 1, pv,
	    err)) == NULL)
		return (-1);
	PQclear(res);
	switch (a->mode) {
	case 1:
		return (mc_err_set(err, MC_E_INPUT, "callback says no"));
	case 2:
		return (pgq_exec(c, "SELECT 1/0", err));
	case 3:
		PQclear(PQexec(c, "SELECT 1/0"));
		return (0);
	}
	return (0);
}

static long long
rows_with(int v)
{
	char	buf[16];

	snprintf(buf, sizeof(buf), "%d", v);
	return (tp_int(&env, "SELECT count(*) FROM t WHERE x = $1::int", buf));
}

static void
test_tx(struct pool *p)
{
	struct mc_err		 err = { 0 };
	struct txarg		 a;
	struct pool_stats	 s;
	int			 i;
	bool			 found22 = false;

	a = (struct txarg){ 1, 0 };
	is_int(pool_tx(p, "tx-ok", tx_fn, &a, &err), 0, "tx commits: %s",
	    err.msg);
	is_int(rows_with(1), 1, "committed row is there");

	a = (struct txarg){ 2, 1 };
	mc_err_clear(&err);
	is_int(pool_tx(p, "tx-cb", tx_fn, &a, &err), -1, "callback error fails");
	is_str(err.msg, "callback says no", "callback's error is reported");
	is_int(rows_with(2), 0, "callback error: no row left behind");

	a = (struct txarg){ 3, 2 };
	mc_err_clear(&err);
	is_int(pool_tx(p, "tx-srv", tx_fn, &a, &err), -1, "server error fails");
	is_str(err.sqlstate, "22012", "SQLSTATE kept (%s)", err.msg);
	is_int(rows_with(3), 0, "server error: no row left behind");

	a = (struct txarg){ 4, 3 };
	mc_err_clear(&err);
	is_int(pool_tx(p, "tx-ign", tx_fn, &a, &err), -1,
	    "error ignored by the callback still fails the tx");
	like(err.msg, "ignored", "and says so: %s", err.msg);
	is_int(rows_with(4), 0, "ignored error: no row left behind");

	s = pool_stats(p);
	is_int(s.active, 0, "every tx returned its connection");
	for (i = 0; i < POOL_ERR_CLASSES; i++)
		if (strcmp(s.errors[i].cls, "22") == 0 && s.errors[i].count >= 1)
			found22 = true;
	ok(found22, "errors counted by SQLSTATE class (22)");
}

/* ------------------------------------------------- 5. dirty returns */

/* Borrow, check the connection is clean and is backend pid. */
static void
check_clean(struct pool *p, int pid, const char *what)
{
	struct mc_err	 err = { 0 };
	PGconn		*c = pool_acquire(p, "check", &err);

	ok(c != NULL && PQtransactionStatus(c) == PQTRANS_IDLE &&
	    !PQisnonblocking(c), "%s: next borrower gets an idle session", what);
	is_int(c ? PQbackendPID(c) : -1, pid, "%s: same backend (cleaned, "
	    "not replaced)", what);
	is_int(c ? tp_scalar(c, "SELECT 7") : -1, 7, "%s: and it works", what);
	pool_release(p, c);
}

static void
test_dirty(struct pool *p)
{
	struct mc_err		 err = { 0 };
	struct pool_stats	 s0, s;
	PGconn			*c;
	PGresult		*res;
	char			*buf;
	int			 pid, pid2;

	s0 = pool_stats(p);
	c = pool_acquire(p, "dirty", &err);
	pid = PQbackendPID(c);
	PQclear(PQexec(c, "BEGIN"));
	PQclear(PQexec(c, "INSERT INTO t VALUES (10)"));
	ok(PQtransactionStatus(c) == PQTRANS_INTRANS, "left in a transaction");
	pool_release(p, c);
	check_clean(p, pid, "mid-transaction");
	is_int(rows_with(10), 0, "the open transaction was rolled back");

	c = pool_acquire(p, "dirty", &err);
	PQclear(PQexec(c, "BEGIN"));
	PQclear(PQexec(c, "SELECT 1/0"));
	ok(PQtransactionStatus(c) == PQTRANS_INERROR, "left in a failed tx");
	pool_release(p, c);
	check_clean(p, pid, "failed transaction");

	c = pool_acquire(p, "dirty", &err);
	PQclear(PQexec(c, "BEGIN"));
	res = PQexec(c, "COPY t FROM STDIN");
	ok(PQresultStatus(res) == PGRES_COPY_IN, "in COPY FROM STDIN");
	PQclear(res);
	PQputCopyData(c, "20\n", 3);
	pool_release(p, c);
	check_clean(p, pid, "mid-COPY IN");
	is_int(rows_with(20), 0, "the aborted COPY left no row");

	c = pool_acquire(p, "dirty", &err);
	res = PQexec(c, "COPY (SELECT generate_series(1, 200000)) TO STDOUT");
	ok(PQresultStatus(res) == PGRES_COPY_OUT, "in COPY TO STDOUT");
	PQclear(res);
	if (PQgetCopyData(c, &buf, 0) > 0)
		PQfreemem(buf);
	pool_release(p, c);
	check_clean(p, pid, "mid-COPY OUT");

	c = pool_acquire(p, "dirty", &err);
	ok(PQsendQuery(c, "SELECT pg_sleep(0.05)") == 1, "query sent, "
	    "results never read");
	pool_release(p, c);
	check_clean(p, pid, "unread results");

	c = pool_acquire(p, "dirty", &err);
	PQsetnonblocking(c, 1);
	pool_release(p, c);
	check_clean(p, pid, "nonblocking mode");

	s = pool_stats(p);
	is_int((long long)(s.resets - s0.resets), 6, "6 dirty returns were "
	    "reset");
	is_int((long long)(s.closed_broken - s0.closed_broken), 0,
	    "none had to be closed");

	/* A dead socket cannot be cleaned: it must be closed. */
	c = pool_acquire(p, "dirty", &err);
	pid = PQbackendPID(c);
	ok(tp_terminate(&env, pid), "backend %d terminated", pid);
	ok(tp_scalar(c, "SELECT 1") == -1 && PQstatus(c) == CONNECTION_BAD,
	    "the borrower sees the broken connection");
	pool_release(p, c);
	s = pool_stats(p);
	is_int((long long)(s.closed_broken - s0.closed_broken), 1,
	    "the broken connection was closed, not pooled");
	c = pool_acquire(p, "after", &err);
	pid2 = c ? PQbackendPID(c) : -1;
	ok(c != NULL && pid2 != pid && tp_scalar(c, "SELECT 1") == 1,
	    "a fresh connection replaces it (%d -> %d)", pid, pid2);
	pool_release(p, c);

	/* pool_discard closes on purpose. */
	c = pool_acquire(p, "discard", &err);
	PQclear(PQexec(c, "SET work_mem = '1MB'"));
	pool_discard(p, c);
	s = pool_stats(p);
	is_int((long long)(s.closed_other - s0.closed_other), 1,
	    "pool_discard closes the connection");
}

/* ---------------------------------------------------- 6. validation */

static void
test_validation(void)
{
	struct conf_target	 t;
	struct mc_err		 err = { 0 };
	struct pool		*p;
	struct pool_stats	 s;
	PGconn			*c;
	int			 pid, pid2;

	tp_target(&env, &t);
	t.pool.min = 1;
	t.pool.max = 2;
	t.pool.validate_after_idle_ms = 0;	/* always */
	p = pool_new(&t, NULL, env.comp, &err);
	c = pool_acquire(p, "v", &err);
	pid = c ? PQbackendPID(c) : -1;
	pool_release(p, c);
	ok(tp_terminate(&env, pid), "idle backend %d terminated behind the "
	    "pool's back", pid);
	c = pool_acquire(p, "v", &err);
	pid2 = c ? PQbackendPID(c) : -1;
	ok(c != NULL && pid2 != pid, "validation handed out another backend "
	    "(%d -> %d): %s", pid, pid2, err.msg);
	is_int(c ? tp_scalar(c, "SELECT 42") : -1, 42, "which works");
	pool_release(p, c);
	s = pool_stats(p);
	is_int((long long)s.failed_validations, 1, "one failed validation");
	is_int((long long)s.closed_validation, 1, "closed for validation");
	pool_free(p);

	/* Default settings: no round trip yet, but the quick check sees it. */
	tp_target(&env, &t);
	t.pool.min = 1;
	t.pool.max = 2;
	p = pool_new(&t, NULL, env.comp, &err);
	c = pool_acquire(p, "q", &err);
	pid = c ? PQbackendPID(c) : -1;
	pool_release(p, c);
	ok(tp_terminate(&env, pid), "idle backend %d terminated", pid);
	tp_sleep(60);
	c = pool_acquire(p, "q", &err);
	pid2 = c ? PQbackendPID(c) : -1;
	ok(c != NULL && pid2 != pid && tp_scalar(c, "SELECT 1") == 1,
	    "quick check (idle %s 1 s) caught it: %d -> %d", "<", pid, pid2);
	pool_release(p, c);
	is_int((long long)pool_stats(p).failed_validations, 1, "counted as a "
	    "failed validation");
	pool_free(p);
}

/* -------------------------------------------------------- 7. leaks */

static void
test_leak(void)
{
	struct conf_target	 t;
	struct mc_err		 err = { 0 };
	struct logger		*log;
	struct log_entry	 ents[64];
	struct pool		*p;
	PGconn			*c;
	size_t			 n, i;
	int			 hits = 0;

	log = log_new(LOGL_INFO, LOGF_TEXT);
	log_set_quiet_stderr(log, true);
	log_set_ring(log, 64);
	tp_target(&env, &t);
	t.pool.min = 0;
	t.pool.leak_threshold_ms = 100;
	p = pool_new(&t, log, env.comp, &err);
	c = pool_acquire(p, "leaky-migrate", &err);
	ok(tp_wait(p, leaks_at_least, 1, 2000), "leak detected");
	tp_sleep(300);
	is_int((long long)pool_stats(p).leaks, 1, "reported once, not every "
	    "pass");
	is_str(pool_stats(p).last_leak_tag, "leaky-migrate", "stats name the "
	    "tag");
	n = log_ring_copy(log, LOGL_WARN, ents, 64);
	for (i = 0; i < n; i++)
		if (strstr(ents[i].line, "'leaky-migrate'") != NULL &&
		    strstr(ents[i].line, "possible leak") != NULL)
			hits++;
	is_int(hits, 1, "one warning naming 'leaky-migrate' in the log");
	pool_release(p, c);
	pool_free(p);
	log_free(log);
}

/* ---------------------------------------- 8. idle timeout, lifetime */

static void
test_retire(void)
{
	struct conf_target	 t;
	struct mc_err		 err = { 0 };
	struct pool		*p;
	struct pool_stats	 s;
	PGconn			*a, *b;

	tp_target(&env, &t);
	t.pool.min = 0;
	t.pool.max = 2;
	t.pool.idle_timeout_ms = 150;
	p = pool_new(&t, NULL, env.comp, &err);
	a = pool_acquire(p, "a", &err);
	b = pool_acquire(p, "b", &err);
	pool_release(p, a);
	pool_release(p, b);
	ok(tp_wait(p, total_is, 0, 3000), "idle connections retired");
	is_int((long long)pool_stats(p).closed_idle, 2, "closed_idle = 2");
	pool_free(p);

	tp_target(&env, &t);
	t.pool.min = 1;
	t.pool.max = 1;
	t.pool.max_lifetime_ms = 200;
	p = pool_new(&t, NULL, env.comp, &err);
	tp_sleep(900);
	s = pool_stats(p);
	ok(s.closed_lifetime >= 2 && s.created >= 3, "connections retired at "
	    "max lifetime and replaced to min (closed %llu, created %llu)",
	    (unsigned long long)s.closed_lifetime,
	    (unsigned long long)s.created);
	a = pool_acquire(p, "a", &err);
	ok(a != NULL && tp_scalar(a, "SELECT 1") == 1, "still lends");
	pool_release(p, a);
	pool_free(p);
}

/* ---------------------------------------------- 9. deadline helper */

static void
test_deadline(struct pool *p)
{
	struct mc_err		 err = { 0 };
	struct pool_stats	 s0, s;
	const char		*pv[1] = { "41" };
	PGresult		*res;
	PGconn			*c;
	int64_t			 t0, ms;

	s0 = pool_stats(p);
	c = pool_acquire(p, "deadline", &err);
	res = pool_query_deadline(p, c, "SELECT $1::int + 1", 1, pv, 1000, &err);
	is_str(res ? PQgetvalue(res, 0, 0) : NULL, "42", "parameterised "
	    "query within its deadline");
	PQclear(res);
	ok(!PQisnonblocking(c), "connection back in blocking mode");
	res = pool_query_deadline(p, c, "SELECT 1/0", 0, NULL, 1000, &err);
	ok(res == NULL && err.code == MC_E_QUERY, "server error reported");
	is_str(err.sqlstate, "22012", "with its SQLSTATE");
	t0 = tp_now();
	res = pool_query_deadline(p, c, "SELECT pg_sleep(5)", 0, NULL, 300, &err);
	ms = (tp_now() - t0) / 1000;
	ok(res == NULL && err.code == MC_E_TIMEOUT, "slow query: timeout "
	    "(%s)", err.msg);
	ok(ms >= 295 && ms < 600, "on time (%lld ms for 300)", (long long)ms);
	pool_release(p, c);
	s = pool_stats(p);
	is_int((long long)(s.closed_broken - s0.closed_broken), 1,
	    "the timed-out connection is closed at release");
	for (ms = 0; ms < 200; ms++) {
		if (tp_int(&env, "SELECT count(*) FROM pg_stat_activity WHERE "
		    "query = $1", "SELECT pg_sleep(5)") == 0)
			break;
		tp_sleep(10);
	}
	ok(ms < 200, "the orphaned query was cancelled on the server "
	    "(gone after ~%lld ms)", (long long)ms * 10);
}

/* ---------------------------------------------------- 11. shutdown */

struct later {
	struct pool	*p;
	PGconn		*c;
};

/* Return a connection after 200 ms. */
static void *
later_thread(void *arg)
{
	struct later	*l = arg;

	tp_sleep(200);
	pool_release(l->p, l->c);
	return (NULL);
}

static void
test_shutdown(void)
{
	struct conf_target	 t;
	struct mc_err		 err = { 0 };
	struct later		 l;
	pthread_t		 th;
	char			 comp[80], app[96];
	int64_t			 t0, ms;
	int			 i;

	tp_target(&env, &t);
	t.pool.min = 2;
	snprintf(comp, sizeof(comp), "%s-shutdown", env.comp);
	snprintf(app, sizeof(app), "mcpdb/%s", comp);
	l.p = pool_new(&t, NULL, comp, &err);
	tp_wait(l.p, idle_at_least, 2, 5000);
	l.c = pool_acquire(l.p, "late", &err);
	pthread_create(&th, NULL, later_thread, &l);
	t0 = tp_now();
	pool_shutdown(l.p, 3000);
	ms = (tp_now() - t0) / 1000;
	ok(ms >= 150 && ms < 1500, "shutdown waited for the loan (%lld ms)",
	    (long long)ms);
	pthread_join(th, NULL);
	ok(pool_acquire(l.p, "after", &err) == NULL && err.code == MC_E_STATE,
	    "no lending after shutdown: %s", err.msg);
	is_int(pool_stats(l.p).total, 0, "everything closed");
	pool_free(l.p);
	for (i = 0; i < 200 && tp_backends(&env, app) > 0; i++)
		tp_sleep(10);
	is_int(tp_backends(&env, app), 0, "no backend left");
}

int
main(void)
{
	struct conf_target	 t;
	struct mc_err		 err = { 0 };
	struct pool		*p;

	tp_setup(&env, "pool");
	tp_exec(&env, "SELECT 1");
	{
		/* The table lives in the private database. */
		PGconn	*c = PQconnectdb(env.dburl);

		if (PQstatus(c) != CONNECTION_OK)
			bail_out("private db: %s", PQerrorMessage(c));
		PQclear(PQexec(c, "CREATE TABLE t (x int)"));
		PQfinish(c);
	}
	PQfinish(env.ctl);
	env.ctl = PQconnectdb(env.dburl);

	test_max();
	test_timeout();
	test_fifo();
	test_affinity();

	tp_target(&env, &t);
	t.pool.min = 1;
	t.pool.max = 1;
	p = pool_new(&t, NULL, env.comp, &err);
	test_tx(p);
	test_dirty(p);
	test_deadline(p);
	pool_free(p);

	test_validation();
	test_leak();
	test_retire();
	test_shutdown();

	{
		struct mc_err	e = { 0 };

		tp_target(&env, &t);
		t.pool.min = 5;
		t.pool.max = 2;
		ok(pool_new(&t, NULL, "x", &e) == NULL && e.code == MC_E_CONFIG,
		    "min > max refused: %s", e.msg);
	}
	PQfinish(env.ctl);
	env.ctl = PQconnectdb(env.url);
	tp_teardown(&env);
	return (done_testing());
}
