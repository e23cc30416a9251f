/*
 * pool.c - the PostgreSQL connection pool.
 *
 * Model (pgbouncer): each connection (struct pconn) is on exactly one state
 * list - connecting, idle or active - so gauges are list counts and every
 * move goes through pool_set_state. Idle is LIFO (the warmest connection is
 * lent first; the coldest ages out at the tail). A borrower that finds no
 * idle connection, or finds others already queued, appends a waiter with its
 * own condition variable to a FIFO; whoever frees a connection (release, or
 * the maintainer after opening one) hands it straight to the head waiter, so
 * service is strictly first-come first-served and nobody barges.
 *
 * One maintainer thread per pool opens connections (blocking pgq_connect, so
 * libpq's per-host connect_timeout and multi-host failover apply) whenever
 * borrowers wait and the pool is below max, or the pool is below min. It
 * spaces failed attempts with full-jitter backoff and feeds a circuit
 * breaker; when the breaker opens, queued borrowers are failed, idle
 * connections (presumably dead) are evicted and new borrowers fail fast.
 * Recovery follows the server: the breaker's probes come on a short growing
 * schedule (breaker.h), the maintainer's next connect once a probe is due is
 * the probe (at most one borrower waits for it; the others keep failing fast
 * and are told when the next probe is due), and its success closes the
 * breaker at once. pool_probe() lets an operator's check (`health`) connect
 * at once instead of waiting for the schedule. The same thread retires idle
 * and expired connections and reports leaks.
 *
 * Locking: p->mtx guards the lists, the waiters, counters and histograms,
 * and mirrors of the breaker/backoff state (the breaker has its own lock and
 * is called outside p->mtx, so no function holds two locks; its seq orders
 * mirror updates from the maintainer and pool_probe; the backoff object is
 * the maintainer's alone). Network I/O (connect, validation, reset, close)
 * always happens with p->mtx released, on a connection that is out of the
 * idle list and so owned by the thread doing the I/O.
 */
#include "config.h"

#include "pool.h"

#include <sys/queue.h>
#include <sys/socket.h>

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "backoff.h"
#include "breaker.h"
#include "pgq.h"
#include "xmem.h"
#include "clk.h"

/* Bound on cleaning a connection returned dirty (ROLLBACK, end of COPY). */
#define POOL_RESET_TIMEOUT_MS	5000
/* Bound on the round trip that validates an idle connection. */
#define POOL_CHECK_TIMEOUT_MS	5000
/*
 * A connection idle at least this long gets the quick check (one poll(),
 * no round trip) on borrow; a busy pool's hot path skips even that.
 */
#define POOL_QUICK_CHECK_US	50000
#define POOL_AFFINITY_SCAN	16	/* idle connections pool_pick_idle reads */
/* Bound on BEGIN/COMMIT/ROLLBACK issued by pool_tx. */
#define POOL_CTL_TIMEOUT_MS	30000
/* Leak reports logged per housekeeping pass (the rest are counted). */
#define POOL_MAX_REPORTS	8
#define POOL_ERR_SLOTS		16

enum pconn_state {
	PC_CONNECTING,
	PC_IDLE,
	PC_ACTIVE,
	PC_NSTATES,
};

/* Why a connection was closed (selects the counter). */
enum pool_close_why {
	PCW_LIFETIME,
	PCW_IDLE,
	PCW_BROKEN,
	PCW_VALIDATION,
	PCW_OTHER,
};

struct pconn {
	TAILQ_ENTRY(pconn)	 entry;
	enum pconn_state	 state;
	PGconn			*conn;		/* NULL while connecting */
	int			 be_pid;
	int64_t			 created_us;
	int64_t			 expire_us;	/* 0 = no lifetime limit */
	int64_t			 idle_since_us;
	int64_t			 acquired_us;
	bool			 fresh;		/* never lent yet */
	bool			 broken;	/* close at release */
	bool			 hard;		/* close without a goodbye */
	bool			 leak_reported;
	bool			 owned;		/* owner is set */
	pthread_t		 owner;		/* the last borrower */
	char			 tag[48];
};
TAILQ_HEAD(pconn_list, pconn);

/* A queued borrower; lives on its own stack. */
struct pool_waiter {
	TAILQ_ENTRY(pool_waiter) entry;
	pthread_cond_t		 cv;
	struct pconn		*got;
	int			 status;	/* 0 wait, 1 got, -1 no */
	struct mc_err		 why;		/* when refused */
};

/* The last POOL_HIST_WINDOW samples of one latency, in microseconds. */
struct pool_ring {
	uint64_t	n;
	uint32_t	v[POOL_HIST_WINDOW];
};

/* A leak to log once the lock is dropped. */
struct pool_report {
	char	tag[48];
	int64_t	held_ms;
	int	be_pid;
};

struct pool {
	pthread_mutex_t		 mtx;
	pthread_condattr_t	 cattr;		/* CLOCK_MONOTONIC */
	pthread_cond_t		 maint_cv;	/* wakes the maintainer */
	pthread_cond_t		 drain_cv;	/* shutdown waits for loans */
	struct pconn_list	 list[PC_NSTATES];
	int			 count[PC_NSTATES];
	TAILQ_HEAD(, pool_waiter) waiters;
	int			 nwaiting;
	struct pconn		**map;		/* PGconn * -> pconn */
	size_t			 mapmask;

	struct conf_target	 target;	/* own copy for pgq_connect */
	struct conf_pool	 cfg;
	char			 component[64];
	char			 name[80];	/* "mcpdb/<component>" */
	char			 endpoint[160];	/* "PostgreSQL host:port" */
	struct logger		*log;
	pthread_t		 thread;
	bool			 thread_started;
	bool			 stop;
	bool			 closing;
	/* Raised by pool_free: the maintainer's connect in flight gives up. */
	volatile sig_atomic_t	 quit;
	uint64_t		 rng;

	struct breaker		 brk;		/* its own lock */
	/* Maintainer-only (no lock). */
	struct backoff		 bo;

	/* Mirrors for borrowers and stats (under mtx). */
	uint64_t		 brk_seq;	/* seq of the mirrored copy */
	bool			 probing;	/* maintainer's probe out */
	enum breaker_state	 brk_state;
	int			 brk_failures;
	uint64_t		 brk_transitions;
	int64_t			 brk_open_until;
	unsigned		 bo_attempt;
	int64_t			 next_retry_us;
	char			 last_error[256];

	/* Counters (under mtx). */
	uint64_t		 acquires, waited_acquires, timeouts;
	uint64_t		 fast_failures, created, connect_failures;
	uint64_t		 closed[PCW_OTHER + 1];
	uint64_t		 failed_validations, resets, leaks;
	char			 last_leak_tag[48];
	struct pool_err_class	 errs[POOL_ERR_SLOTS];
	struct pool_ring	 r_acquire, r_usage, r_creation;
};

static void	*pool_main(void *);
static struct pconn *pool_adopt(struct pool *, PGconn *, int64_t, int64_t,
		    const char *, struct pconn_list *);

/* ------------------------------------------------------------------ helpers */

/* Monotonic time in microseconds. */
static int64_t
pool_now(void)
{
	return (clk_mono_us());
}

/* Convert a monotonic deadline in microseconds to a timespec. */
static struct timespec
pool_ts(int64_t us)
{
	struct timespec	ts;

	ts.tv_sec = us / 1000000;
	ts.tv_nsec = (long)(us % 1000000) * 1000;
	return (ts);
}

/* A uniform random number in [0, n) (xorshift). Caller holds p->mtx. */
static uint64_t
pool_rand(struct pool *p, uint64_t n)
{
	uint64_t	x = p->rng;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	p->rng = x;
	return (n ? x % n : 0);
}

/* Copy a string into a fixed buffer, truncating. */
static void
pool_strlcpy(char *dst, const char *src, size_t size)
{
	size_t	n = strlen(src);

	if (n >= size)
		n = size - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
}

/* Copy a libpq message as one line: "\n\tHint" becomes "; Hint". */
static void
pool_oneline(char *dst, const char *src, size_t size)
{
	size_t	n = 0;

	while (*src != '\0' && n + 3 < size) {
		if (*src == '\n') {
			while (*src == '\n' || *src == '\t' || *src == ' ')
				src++;
			if (*src != '\0') {
				dst[n++] = ';';
				dst[n++] = ' ';
			}
			continue;
		}
		dst[n++] = *src++;
	}
	dst[n] = '\0';
}

/* Record one latency sample. Caller holds p->mtx. */
static void
pool_ring_add(struct pool_ring *r, int64_t us)
{
	if (us < 0)
		us = 0;
	if (us > UINT32_MAX)
		us = UINT32_MAX;
	r->v[r->n % POOL_HIST_WINDOW] = (uint32_t)us;
	r->n++;
}

/* qsort comparator for uint32_t. */
static int
pool_cmp_u32(const void *a, const void *b)
{
	uint32_t	x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return (x < y ? -1 : x > y);
}

/* Turn a copied ring into percentiles (sorts v in place). */
static struct pool_lat
pool_ring_summary(uint32_t *v, uint64_t n)
{
	struct pool_lat	l = { .count = n };
	size_t		k = n < POOL_HIST_WINDOW ? (size_t)n : POOL_HIST_WINDOW;

	if (k == 0)
		return (l);
	qsort(v, k, sizeof(*v), pool_cmp_u32);
	l.p50_us = v[(k * 50 + 99) / 100 - 1];
	l.p95_us = v[(k * 95 + 99) / 100 - 1];
	l.p99_us = v[(k * 99 + 99) / 100 - 1];
	l.max_us = v[k - 1];
	return (l);
}

/* Count an error by SQLSTATE class. Caller holds p->mtx. */
static void
pool_note_locked(struct pool *p, const char *sqlstate)
{
	char	cls[3];
	int	i;

	if (sqlstate == NULL || sqlstate[0] == '\0' || sqlstate[1] == '\0')
		return;
	cls[0] = sqlstate[0];
	cls[1] = sqlstate[1];
	cls[2] = '\0';
	for (i = 0; i < POOL_ERR_SLOTS - 1; i++) {
		if (p->errs[i].cls[0] == '\0')
			memcpy(p->errs[i].cls, cls, 3);
		if (memcmp(p->errs[i].cls, cls, 3) == 0) {
			p->errs[i].count++;
			return;
		}
	}
	memcpy(p->errs[i].cls, "??", 3);	/* overflow slot */
	p->errs[i].count++;
}

/* Describe where target t points ("PostgreSQL host:port"), never secrets. */
static void
pool_describe(const struct conf_target *t, char *out, size_t size)
{
	PQconninfoOption	*opts, *o;
	const char		*host = NULL, *addr = NULL, *port = NULL;
	char			*msg = NULL;

	opts = PQconninfoParse(t->pg ? t->pg : "", &msg);
	if (msg != NULL)
		PQfreemem(msg);
	for (o = opts; o != NULL && o->keyword != NULL; o++) {
		if (o->val == NULL || o->val[0] == '\0')
			continue;
		if (strcmp(o->keyword, "host") == 0)
			host = o->val;
		else if (strcmp(o->keyword, "hostaddr") == 0)
			addr = o->val;
		else if (strcmp(o->keyword, "port") == 0)
			port = o->val;
	}
	if (host == NULL)
		host = addr;
	if (host == NULL)
		host = getenv("PGHOST");
	if (port == NULL)
		port = getenv("PGPORT");
	snprintf(out, size, "PostgreSQL %s:%s",
	    host != NULL && *host ? host : "localhost",
	    port != NULL && *port ? port : "5432");
	PQconninfoFree(opts);
}

/*
 * Where server notices on pooled connections go: the log, never stderr
 * (libpq's default prints them, and an ErrorResponse that arrives while a
 * connection is idle - "terminating connection due to administrator
 * command" - is delivered as a notice). Runs in the thread using conn.
 */
static void
pool_notice(void *arg, const PGresult *res)
{
	struct pool	*p = arg;
	const char	*sev;
	char		 line[256];
	enum log_level	 lvl = LOGL_DEBUG;

	sev = PQresultErrorField(res, PG_DIAG_SEVERITY_NONLOCALIZED);
	if (sev != NULL && strcmp(sev, "WARNING") == 0)
		lvl = LOGL_WARN;
	else if (sev != NULL && (strcmp(sev, "FATAL") == 0 ||
	    strcmp(sev, "PANIC") == 0 || strcmp(sev, "ERROR") == 0))
		lvl = LOGL_INFO;
	if (!log_enabled(p->log, lvl))
		return;
	pool_oneline(line, PQresultErrorMessage(res), sizeof(line));
	log_msg(p->log, lvl, "pool %s: server says: %s", p->name, line);
}

/* ------------------------------------------------------------ state lists */

/* Hash a PGconn pointer into the map. */
static size_t
pool_hash(const PGconn *conn, size_t mask)
{
	uint64_t	x = (uint64_t)(uintptr_t)conn;

	x ^= x >> 17;
	x *= 0x9e3779b97f4a7c15ULL;
	return ((size_t)(x >> 32) & mask);
}

/* Enter c in the PGconn map. Caller holds p->mtx. */
static void
pool_map_put(struct pool *p, struct pconn *c)
{
	size_t	i = pool_hash(c->conn, p->mapmask);

	while (p->map[i] != NULL)
		i = (i + 1) & p->mapmask;
	p->map[i] = c;
}

/* Find the pconn wrapping conn, or NULL. Caller holds p->mtx. */
static struct pconn *
pool_map_get(struct pool *p, const PGconn *conn)
{
	size_t	i = pool_hash(conn, p->mapmask);

	while (p->map[i] != NULL) {
		if (p->map[i]->conn == conn)
			return (p->map[i]);
		i = (i + 1) & p->mapmask;
	}
	return (NULL);
}

/* Remove c from the map (backward-shift deletion). Caller holds p->mtx. */
static void
pool_map_del(struct pool *p, struct pconn *c)
{
	size_t	i = pool_hash(c->conn, p->mapmask), j, k;

	while (p->map[i] != NULL && p->map[i] != c)
		i = (i + 1) & p->mapmask;
	if (p->map[i] == NULL)
		return;
	p->map[i] = NULL;
	for (j = (i + 1) & p->mapmask; p->map[j] != NULL;
	    j = (j + 1) & p->mapmask) {
		k = pool_hash(p->map[j]->conn, p->mapmask);
		/* Move j back to the hole unless its home lies in (i, j]. */
		if ((i <= j) ? (i < k && k <= j) : (i < k || k <= j))
			continue;
		p->map[i] = p->map[j];
		p->map[j] = NULL;
		i = j;
	}
}

/* Move c to state "to". Caller holds p->mtx. */
static void
pool_set_state(struct pool *p, struct pconn *c, enum pconn_state to)
{
	TAILQ_REMOVE(&p->list[c->state], c, entry);
	p->count[c->state]--;
	c->state = to;
	if (to == PC_IDLE)	/* LIFO: hand out the warmest connection */
		TAILQ_INSERT_HEAD(&p->list[to], c, entry);
	else
		TAILQ_INSERT_TAIL(&p->list[to], c, entry);
	p->count[to]++;
}

/* Total connections counted against max. Caller holds p->mtx. */
static int
pool_total(const struct pool *p)
{
	return (p->count[PC_CONNECTING] + p->count[PC_IDLE] +
	    p->count[PC_ACTIVE]);
}

/*
 * Take c off its list and the map, count why, and queue it on doomed for
 * closing once the lock is dropped. Caller holds p->mtx.
 */
static void
pool_detach(struct pool *p, struct pconn *c, enum pool_close_why why,
    struct pconn_list *doomed)
{
	TAILQ_REMOVE(&p->list[c->state], c, entry);
	p->count[c->state]--;
	if (c->conn != NULL)
		pool_map_del(p, c);
	p->closed[why]++;
	TAILQ_INSERT_TAIL(doomed, c, entry);
	if (p->closing && p->count[PC_ACTIVE] == 0)
		pthread_cond_broadcast(&p->drain_cv);
	/* A free slot: queued borrowers or min may need a new connection. */
	pthread_cond_signal(&p->maint_cv);
}

/* Close and free every pconn on doomed. Called without p->mtx. */
static void
pool_close_all(struct pconn_list *doomed)
{
	struct pconn	*c;

	while ((c = TAILQ_FIRST(doomed)) != NULL) {
		TAILQ_REMOVE(doomed, c, entry);
		if (c->conn != NULL) {
			/*
			 * A suspect socket is shut down first, so PQfinish's
			 * Terminate message can never block on a frozen peer.
			 */
			if (c->hard && PQsocket(c->conn) >= 0)
				shutdown(PQsocket(c->conn), SHUT_RDWR);
			PQfinish(c->conn);
		}
		free(c);
	}
}

/*
 * Lend c to waiter head if there is one, else park it as idle.
 * Caller holds p->mtx.
 */
static void
pool_give(struct pool *p, struct pconn *c, int64_t now)
{
	struct pool_waiter	*w = TAILQ_FIRST(&p->waiters);

	if (w == NULL) {
		c->idle_since_us = now;
		pool_set_state(p, c, PC_IDLE);
		return;
	}
	TAILQ_REMOVE(&p->waiters, w, entry);
	p->nwaiting--;
	c->idle_since_us = now;
	c->acquired_us = now;
	pool_set_state(p, c, PC_ACTIVE);
	w->got = c;
	w->status = 1;
	pthread_cond_signal(&w->cv);
}

/* Refuse every queued borrower with err. Caller holds p->mtx. */
static void
pool_refuse_waiters(struct pool *p, const struct mc_err *why)
{
	struct pool_waiter	*w;

	while ((w = TAILQ_FIRST(&p->waiters)) != NULL) {
		TAILQ_REMOVE(&p->waiters, w, entry);
		p->nwaiting--;
		w->status = -1;
		mc_err_copy(&w->why, why);
		pthread_cond_signal(&w->cv);
	}
}

/* Whether c has passed its (jittered) lifetime. */
static bool
pool_expired(const struct pconn *c, int64_t now)
{
	return (c->expire_us != 0 && now >= c->expire_us);
}

/*
 * The "circuit open" error: how many failures, when the next probe is due
 * (or that one is connecting now), the last error. Caller holds p->mtx.
 */
static int
pool_err_breaker(struct pool *p, int64_t now, struct mc_err *err)
{
	int64_t	left = p->brk_open_until - now;
	char	when[64];

	if (p->probing || left <= 0)
		snprintf(when, sizeof(when), "a probe is connecting now");
	else
		snprintf(when, sizeof(when), "next probe in %.2f s",
		    (double)left / 1e6);
	return (mc_err_set(err, MC_E_BREAKER,
	    "%s: circuit open after %d consecutive connection failures; "
	    "%s; last error: %s", p->endpoint, p->brk_failures, when,
	    p->last_error[0] ? p->last_error : "unknown"));
}

/* Copy breaker state bs into the mirrors unless newer is there. Holds mtx. */
static void
pool_brk_mirror(struct pool *p, const struct breaker_stats *bs)
{
	if (bs->seq < p->brk_seq)
		return;
	p->brk_seq = bs->seq;
	p->brk_state = bs->state;
	p->brk_failures = bs->consecutive_failures;
	p->brk_transitions = bs->transitions;
	p->brk_open_until = bs->open_until_us;
}

/* The acquire-timeout error, HikariCP style. Caller holds p->mtx. */
static int
pool_err_timeout(struct pool *p, int64_t waited_us, struct mc_err *err)
{
	struct pconn	*old = TAILQ_FIRST(&p->list[PC_ACTIVE]);
	char		 held[128] = "", tail[320] = "";

	if (old != NULL)
		snprintf(held, sizeof(held), " (longest held %.1f s by '%s')",
		    (double)(pool_now() - old->acquired_us) / 1e6, old->tag);
	if (p->count[PC_CONNECTING] > 0 || p->last_error[0] != '\0')
		snprintf(tail, sizeof(tail), "%s%s%s",
		    p->count[PC_CONNECTING] > 0 ? ", 1 connecting" : "",
		    p->last_error[0] ? "; last connection error: " : "",
		    p->last_error);
	return (mc_err_set(err, MC_E_TIMEOUT,
	    "pool %s: timed out after %lld ms waiting for a connection: "
	    "%d of %d busy%s, %d waiting%s", p->name,
	    (long long)(waited_us / 1000), p->count[PC_ACTIVE], p->cfg.max,
	    held, p->nwaiting, tail));
}

/* ----------------------------------------------------------- network I/O */

/*
 * Wait until conn's socket is readable (or writable, when out) or deadline
 * (monotonic us; 0 = none) passes. Returns 1 ready, 0 timeout, -1 error.
 */
static int
pool_poll(PGconn *conn, bool out, int64_t deadline)
{
	struct pollfd	pfd;
	int64_t		left;
	int		r;

	pfd.fd = PQsocket(conn);
	if (pfd.fd < 0)
		return (-1);
	pfd.events = POLLIN | (out ? POLLOUT : 0);
	for (;;) {
		left = deadline ? deadline - pool_now() : -1000;
		if (deadline && left <= 0)
			return (0);
		r = poll(&pfd, 1, deadline ? (int)((left + 999) / 1000) : -1);
		if (r > 0)
			return (1);
		if (r < 0 && errno != EINTR)
			return (-1);
	}
}

/*
 * Flush output and read input until a result can be fetched without
 * blocking (conn in nonblocking mode). 0 ready, -1 connection error,
 * -2 deadline passed.
 */
static int
pool_await(PGconn *conn, int64_t deadline)
{
	bool	tried = false;
	int	f, r;

	for (;;) {
		if ((f = PQflush(conn)) < 0)
			return (-1);
		if (f == 0 && !PQisBusy(conn))
			return (0);
		if (f == 0 && !tried) {
			/*
			 * Read before waiting, as pgbench does: on a busy
			 * machine the reply is often there already (sending
			 * woke the backend, which ran first), and then one
			 * recv replaces poll + recv.
			 */
			tried = true;
			if (PQconsumeInput(conn) == 0)
				return (-1);
			continue;
		}
		if ((r = pool_poll(conn, f == 1, deadline)) <= 0)
			return (r == 0 ? -2 : -1);
		if (PQconsumeInput(conn) == 0)
			return (-1);
	}
}

/* Cancel requests in flight, process-wide (they may outlive their pool). */
static int	pool_cancels;
#define POOL_MAX_CANCELS	8

/* Thread body: send one cancel request, then free it. */
static void *
pool_cancel_main(void *arg)
{
	PGcancel	*cancel = arg;
	char		 buf[256];

	(void)PQcancel(cancel, buf, sizeof(buf));
	PQfreeCancel(cancel);
	__atomic_sub_fetch(&pool_cancels, 1, __ATOMIC_SEQ_CST);
	return (NULL);
}

/*
 * Ask the server to cancel conn's running query without waiting: PQcancel
 * opens a new connection and, in libpq 15, waits for the server without a
 * timeout, so it runs on a detached thread that holds only the PGcancel
 * (never the pool). A frozen server keeps that thread until it thaws or
 * dies; at most POOL_MAX_CANCELS are in flight, beyond that we skip.
 */
static void
pool_cancel_async(PGconn *conn)
{
	PGcancel	*cancel;
	pthread_attr_t	 attr;
	pthread_t	 th;
	bool		 started = false;

	if (__atomic_add_fetch(&pool_cancels, 1, __ATOMIC_SEQ_CST) >
	    POOL_MAX_CANCELS) {
		__atomic_sub_fetch(&pool_cancels, 1, __ATOMIC_SEQ_CST);
		return;
	}
	if ((cancel = PQgetCancel(conn)) != NULL) {
		pthread_attr_init(&attr);
		pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
		started = pthread_create(&th, &attr, pool_cancel_main,
		    cancel) == 0;
		pthread_attr_destroy(&attr);
		if (!started)
			PQfreeCancel(cancel);
	}
	if (!started)
		__atomic_sub_fetch(&pool_cancels, 1, __ATOMIC_SEQ_CST);
}

/*
 * Send sql (simple protocol when n < 0, else PQsendQueryParams with n text
 * parameters) and collect its result before deadline. On success *out gets
 * the last result (caller clears). Returns 0, -1 (err set; the connection
 * may still be usable) or -2 on timeout (err set; the connection is not).
 */
static int
pool_run(PGconn *conn, const char *sql, int n, const char *const *params,
    int64_t deadline, PGresult **out, struct mc_err *err)
{
	PGresult	*res, *keep = NULL, *bad = NULL;
	ExecStatusType	 st;
	int		 was_nb = PQisnonblocking(conn), r, sent;

	*out = NULL;
	if (!was_nb && PQsetnonblocking(conn, 1) != 0)
		return (mc_err_pg(err, conn, NULL));
	sent = n < 0 ? PQsendQuery(conn, sql) :
	    PQsendQueryParams(conn, sql, n, NULL, params, NULL, NULL, 0);
	if (!sent) {
		mc_err_pg(err, conn, NULL);
		if (!was_nb)
			PQsetnonblocking(conn, 0);
		return (-1);
	}
	for (;;) {
		if ((r = pool_await(conn, deadline)) != 0) {
			PQclear(keep);
			PQclear(bad);
			if (r == -1)
				return (mc_err_pg(err, conn, NULL));
			pool_cancel_async(conn);
			mc_err_set(err, MC_E_TIMEOUT, "no reply from the "
			    "server within the deadline (frozen or "
			    "overloaded?); the connection will be closed");
			return (-2);
		}
		if ((res = PQgetResult(conn)) == NULL)
			break;
		st = PQresultStatus(res);
		if (st == PGRES_COPY_IN || st == PGRES_COPY_OUT ||
		    st == PGRES_COPY_BOTH) {
			/* Left in COPY: pool_release cleans it up. */
			PQclear(res);
			PQclear(keep);
			PQclear(bad);
			return (mc_err_set(err, MC_E_QUERY,
			    "COPY is not supported by the deadline helper"));
		}
		if (st == PGRES_FATAL_ERROR || st == PGRES_BAD_RESPONSE) {
			if (bad == NULL)
				bad = res;
			else
				PQclear(res);
		} else {
			PQclear(keep);
			keep = res;
		}
	}
	if (!was_nb)
		PQsetnonblocking(conn, 0);
	if (bad != NULL) {
		mc_err_pg(err, conn, bad);
		PQclear(bad);
		PQclear(keep);
		return (-1);
	}
	*out = keep;
	return (0);
}

/* Read and drop pending results, ending COPY IN and draining COPY OUT. */
static int
pool_drain(PGconn *conn, int64_t deadline)
{
	PGresult	*res;
	ExecStatusType	 st;
	char		*buf;
	int		 r;

	for (;;) {
		if (pool_await(conn, deadline) != 0)
			return (-1);
		if ((res = PQgetResult(conn)) == NULL)
			return (0);
		st = PQresultStatus(res);
		PQclear(res);
		if (st == PGRES_COPY_IN) {
			while ((r = PQputCopyEnd(conn, "connection returned "
			    "to the pool during COPY")) == 0)
				if (pool_poll(conn, true, deadline) != 1)
					return (-1);
			if (r < 0)
				return (-1);
		} else if (st == PGRES_COPY_OUT) {
			while ((r = PQgetCopyData(conn, &buf, 1)) != -1) {
				if (r > 0) {
					PQfreemem(buf);
					continue;
				}
				if (r == -2 ||
				    pool_poll(conn, false, deadline) != 1 ||
				    PQconsumeInput(conn) == 0)
					return (-1);
			}
		} else if (st == PGRES_COPY_BOTH)
			return (-1);
	}
}

/*
 * Bring a connection returned dirty back to an idle session: finish or
 * drop pending work, end COPY, roll back. 0 on success, -1 = close it.
 */
static int
pool_reset(PGconn *conn, int64_t deadline)
{
	int	i;

	if (PQstatus(conn) != CONNECTION_OK ||
	    PQpipelineStatus(conn) != PQ_PIPELINE_OFF)
		return (-1);
	if (!PQisnonblocking(conn) && PQsetnonblocking(conn, 1) != 0)
		return (-1);
	for (i = 0; i < 16; i++) {
		switch (PQtransactionStatus(conn)) {
		case PQTRANS_IDLE:
			return (PQsetnonblocking(conn, 0) == 0 ? 0 : -1);
		case PQTRANS_INTRANS:
		case PQTRANS_INERROR:
			if (!PQsendQuery(conn, "ROLLBACK") ||
			    pool_drain(conn, deadline) != 0)
				return (-1);
			break;
		case PQTRANS_ACTIVE:
			if (pool_drain(conn, deadline) != 0)
				return (-1);
			break;
		default:
			return (-1);
		}
	}
	return (-1);
}

/*
 * Check an idle connection before lending it. Quick (full false): no round
 * trip, only whether the server closed it or said goodbye meanwhile (an idle
 * socket that turned readable); full: one empty query before deadline.
 */
static bool
pool_check(PGconn *conn, bool full, int64_t deadline)
{
	PGresult	*res = NULL;
	struct pollfd	 pfd;
	bool		 good;
	int		 i;

	if (PQstatus(conn) != CONNECTION_OK ||
	    PQtransactionStatus(conn) != PQTRANS_IDLE)
		return (false);
	if (!full) {
		/*
		 * A FATAL goodbye, then EOF (or a NOTIFY): let libpq read
		 * until the socket is quiet; EOF turns the status bad.
		 */
		for (i = 0; i < 4; i++) {
			pfd.fd = PQsocket(conn);
			pfd.events = POLLIN;
			if (pfd.fd < 0)
				return (false);
			if (poll(&pfd, 1, 0) <= 0)
				return (true);
			if (PQconsumeInput(conn) == 0 ||
			    PQstatus(conn) != CONNECTION_OK ||
			    PQtransactionStatus(conn) != PQTRANS_IDLE)
				return (false);
		}
		return (true);		/* busy with notifications, but alive */
	}
	good = pool_run(conn, "", -1, NULL, deadline, &res, NULL) == 0 &&
	    PQtransactionStatus(conn) == PQTRANS_IDLE;
	PQclear(res);
	return (good);
}

/* ------------------------------------------------------------- lifecycle */

/* Create a pool and start its maintainer thread. */
struct pool *
pool_new(const struct conf_target *t, struct logger *log, const char *component,
    struct mc_err *err)
{
	struct pool	*p;
	size_t		 n;
	int		 i, rc;

	if (t->pool.max < 1 || t->pool.max > 10000)
		return (mc_err_set(err, MC_E_CONFIG, "pool.max: expected "
		    "1..10000, got %d", t->pool.max), NULL);
	if (t->pool.min < 0 || t->pool.min > t->pool.max)
		return (mc_err_set(err, MC_E_CONFIG, "pool.min: expected 0..%d "
		    "(pool.max), got %d", t->pool.max, t->pool.min), NULL);
	if (t->pool.acquire_timeout_ms < 0)
		return (mc_err_set(err, MC_E_CONFIG, "pool.acquire_timeout_ms: "
		    "expected >= 0, got %d", t->pool.acquire_timeout_ms), NULL);
	p = xcalloc(1, sizeof(*p));
	pthread_mutex_init(&p->mtx, NULL);
	pthread_condattr_init(&p->cattr);
	pthread_condattr_setclock(&p->cattr, CLOCK_MONOTONIC);
	pthread_cond_init(&p->maint_cv, &p->cattr);
	pthread_cond_init(&p->drain_cv, &p->cattr);
	for (i = 0; i < PC_NSTATES; i++)
		TAILQ_INIT(&p->list[i]);
	TAILQ_INIT(&p->waiters);
	for (n = 4; n < (size_t)t->pool.max * 2; n *= 2)
		;
	p->map = xcalloc(n, sizeof(*p->map));
	p->mapmask = n - 1;

	/* Only what pgq_connect reads; nothing borrowed survives. */
	p->target.name = xstrdup(t->name ? t->name : "");
	p->target.pg = xstrdup(t->pg ? t->pg : "");
	p->target.pool = t->pool;
	p->target.read_only = t->read_only;	/* read-only sessions */
	p->cfg = t->pool;
	pool_strlcpy(p->component, component ? component : "cli",
	    sizeof(p->component));
	snprintf(p->name, sizeof(p->name), "mcpdb/%s", p->component);
	pool_describe(t, p->endpoint, sizeof(p->endpoint));
	p->log = log;
	p->rng = (uint64_t)pool_now() ^ ((uint64_t)(uintptr_t)p << 16) ^
	    0x9e3779b97f4a7c15ULL;
	breaker_init(&p->brk, p->cfg.breaker_threshold, p->cfg.breaker_open_ms);
	backoff_init(&p->bo, p->cfg.backoff_base_ms, p->cfg.backoff_cap_ms, 0);
	p->brk_state = BREAKER_CLOSED;

	if ((rc = pthread_create(&p->thread, NULL, pool_main, p)) != 0) {
		errno = rc;
		mc_err_sys(err, "pool %s: cannot start its maintainer thread",
		    p->name);
		pool_free(p);
		return (NULL);
	}
	p->thread_started = true;
	log_debug(p->log, "pool %s: created for %s (min %d, max %d)", p->name,
	    p->endpoint, p->cfg.min, p->cfg.max);
	return (p);
}

/* The pool's application_name. */
const char *
pool_name(const struct pool *p)
{
	return (p->name);
}

/* Stop lending and close everything, waiting up to wait_ms for loans. */
void
pool_shutdown(struct pool *p, int wait_ms)
{
	struct pconn_list	 doomed = TAILQ_HEAD_INITIALIZER(doomed);
	struct pconn		*c;
	struct mc_err		 why;
	struct timespec		 ts;
	int64_t			 deadline;
	char			 tags[256] = "";
	size_t			 len = 0;
	int			 left;

	if (p == NULL)
		return;
	mc_err_set(&why, MC_E_STATE, "pool %s is shutting down", p->name);
	deadline = pool_now() + (int64_t)(wait_ms > 0 ? wait_ms : 0) * 1000;
	pthread_mutex_lock(&p->mtx);
	p->closing = true;
	pool_refuse_waiters(p, &why);
	while ((c = TAILQ_FIRST(&p->list[PC_IDLE])) != NULL)
		pool_detach(p, c, PCW_OTHER, &doomed);
	pthread_cond_signal(&p->maint_cv);
	while (p->count[PC_ACTIVE] > 0 && pool_now() < deadline) {
		ts = pool_ts(deadline);
		pthread_cond_timedwait(&p->drain_cv, &p->mtx, &ts);
	}
	left = p->count[PC_ACTIVE];
	TAILQ_FOREACH(c, &p->list[PC_ACTIVE], entry) {
		if (len < sizeof(tags) - 1)
			len += (size_t)snprintf(tags + len, sizeof(tags) - len,
			    "%s'%s'", len ? ", " : "", c->tag);
	}
	pthread_mutex_unlock(&p->mtx);
	pool_close_all(&doomed);
	if (left > 0)
		log_warn(p->log, "pool %s: %d connection(s) still borrowed "
		    "after %d ms (%s); they will be closed when returned",
		    p->name, left, wait_ms, tags);
}

/* Refuse waiters and new loans, and cut the lent connections' sockets. */
void
pool_interrupt(struct pool *p)
{
	struct pconn	*c;
	struct mc_err	 why;

	if (p == NULL)
		return;
	mc_err_set(&why, MC_E_CANCELLED, "pool %s: interrupted", p->name);
	pthread_mutex_lock(&p->mtx);
	p->closing = true;
	pool_refuse_waiters(p, &why);
	TAILQ_FOREACH(c, &p->list[PC_ACTIVE], entry) {
		c->broken = true;
		c->hard = true;
		/* The fd stays open (its borrower still owns it): no reuse. */
		if (PQsocket(c->conn) >= 0)
			(void)shutdown(PQsocket(c->conn), SHUT_RDWR);
	}
	pthread_cond_signal(&p->maint_cv);
	pthread_mutex_unlock(&p->mtx);
}

/* Shut down, join the maintainer and free the pool. */
void
pool_free(struct pool *p)
{
	struct pconn_list	 doomed = TAILQ_HEAD_INITIALIZER(doomed);
	struct pconn		*c;
	int			 i;

	if (p == NULL)
		return;
	pool_shutdown(p, 0);
	/* Do not wait out a connect to a slow or frozen server to exit. */
	p->quit = 1;
	pthread_mutex_lock(&p->mtx);
	p->stop = true;
	pthread_cond_signal(&p->maint_cv);
	pthread_mutex_unlock(&p->mtx);
	if (p->thread_started)
		pthread_join(p->thread, NULL);
	/* Contract: nothing is borrowed any more; close what is left. */
	for (i = 0; i < PC_NSTATES; i++)
		while ((c = TAILQ_FIRST(&p->list[i])) != NULL)
			pool_detach(p, c, PCW_OTHER, &doomed);
	pool_close_all(&doomed);
	breaker_done(&p->brk);
	pthread_cond_destroy(&p->maint_cv);
	pthread_cond_destroy(&p->drain_cv);
	pthread_condattr_destroy(&p->cattr);
	pthread_mutex_destroy(&p->mtx);
	free(p->map);
	free(p->target.name);
	free(p->target.pg);
	free(p);
}

/* ------------------------------------------------------------- borrowing */

/*
 * The idle connection to lend: the one this thread had last, when it is
 * among the POOL_AFFINITY_SCAN warmest, else the warmest (LIFO). Reusing
 * its own connection keeps the PGconn's buffers in this thread's cache
 * instead of pulling them from another core's. Caller holds p->mtx.
 */
static struct pconn *
pool_pick_idle(struct pool *p)
{
	struct pconn	*c;
	pthread_t	 self = pthread_self();
	int		 i = 0;

	TAILQ_FOREACH(c, &p->list[PC_IDLE], entry) {
		if (c->owned && pthread_equal(c->owner, self))
			return (c);
		if (++i == POOL_AFFINITY_SCAN)
			break;
	}
	return (TAILQ_FIRST(&p->list[PC_IDLE]));
}

/*
 * Find a connection for a borrower: an idle one if nobody is queued, else
 * queue until served, refused or deadline. An expired idle connection is
 * returned through *doomed for the caller to close. Returns the connection
 * (now active) or NULL (err set, unless *doomed was filled).
 * Caller holds p->mtx.
 */
static struct pconn *
pool_take(struct pool *p, int64_t t0, int64_t deadline, bool *waited,
    struct pconn_list *doomed, struct mc_err *err)
{
	struct pool_waiter	 w;
	struct pconn		*c;
	struct timespec		 ts;
	int64_t			 now = pool_now();
	int			 rc;

	if (p->closing) {
		p->fast_failures++;
		mc_err_set(err, MC_E_STATE, "pool %s is shutting down",
		    p->name);
		return (NULL);
	}
	if (TAILQ_EMPTY(&p->waiters) &&
	    (c = pool_pick_idle(p)) != NULL) {
		if (pool_expired(c, now)) {
			pool_detach(p, c, PCW_LIFETIME, doomed);
			return (NULL);
		}
		c->acquired_us = now;
		c->owner = pthread_self();
		c->owned = true;
		pool_set_state(p, c, PC_ACTIVE);
		return (c);
	}
	/*
	 * Not closed: fail fast until the probe is due; then one borrower
	 * queues for the probe's connection and the others still fail fast.
	 */
	if (p->brk_state != BREAKER_CLOSED && (p->probing ||
	    p->nwaiting > 0 || now < p->brk_open_until)) {
		p->fast_failures++;
		pool_err_breaker(p, now, err);
		return (NULL);
	}
	memset(&w, 0, sizeof(w));
	pthread_cond_init(&w.cv, &p->cattr);
	TAILQ_INSERT_TAIL(&p->waiters, &w, entry);
	p->nwaiting++;
	*waited = true;
	if (pool_total(p) < p->cfg.max)
		pthread_cond_signal(&p->maint_cv);
	while (w.status == 0) {
		ts = pool_ts(deadline);
		rc = pthread_cond_timedwait(&w.cv, &p->mtx, &ts);
		if (rc == ETIMEDOUT && w.status == 0) {
			pool_err_timeout(p, pool_now() - t0, err);
			TAILQ_REMOVE(&p->waiters, &w, entry);
			p->nwaiting--;
			p->timeouts++;
			break;
		}
	}
	pthread_cond_destroy(&w.cv);
	if (w.status < 0) {
		p->fast_failures++;
		mc_err_copy(err, &w.why);
	}
	return (w.status > 0 ? w.got : NULL);
}

/* Borrow a connection, validating it when it sat idle long enough. */
PGconn *
pool_acquire(struct pool *p, const char *tag, struct mc_err *err)
{
	struct pconn_list	 doomed = TAILQ_HEAD_INITIALIZER(doomed);
	struct pconn		*c;
	int64_t			 t0 = pool_now(), deadline, now, check;
	bool			 waited = false, full, quick;

	deadline = t0 + (int64_t)p->cfg.acquire_timeout_ms * 1000;
	for (;;) {
		pthread_mutex_lock(&p->mtx);
		c = pool_take(p, t0, deadline, &waited, &doomed, err);
		if (c == NULL && TAILQ_EMPTY(&doomed)) {
			pthread_mutex_unlock(&p->mtx);
			return (NULL);
		}
		if (c == NULL) {	/* expired idle one: close, retry */
			pthread_mutex_unlock(&p->mtx);
			pool_close_all(&doomed);
			continue;
		}
		pool_strlcpy(c->tag, tag ? tag : "?", sizeof(c->tag));
		now = pool_now();
		full = !c->fresh && p->cfg.validate_after_idle_ms >= 0 &&
		    now - c->idle_since_us >=
		    (int64_t)p->cfg.validate_after_idle_ms * 1000;
		quick = !c->fresh && !full &&
		    now - c->idle_since_us >= POOL_QUICK_CHECK_US;
		c->fresh = false;
		if (!full && !quick) {
			p->acquires++;
			p->waited_acquires += waited;
			pool_ring_add(&p->r_acquire, now - t0);
			pthread_mutex_unlock(&p->mtx);
			return (c->conn);
		}
		pthread_mutex_unlock(&p->mtx);

		/* Validate outside the lock: c is ours while active. */
		check = deadline - now;
		if (check < 50000)
			check = 50000;
		if (check > POOL_CHECK_TIMEOUT_MS * 1000)
			check = POOL_CHECK_TIMEOUT_MS * 1000;
		if (pool_check(c->conn, full, now + check)) {
			pthread_mutex_lock(&p->mtx);
			p->acquires++;
			p->waited_acquires += waited;
			pool_ring_add(&p->r_acquire, pool_now() - t0);
			pthread_mutex_unlock(&p->mtx);
			return (c->conn);
		}
		pthread_mutex_lock(&p->mtx);
		p->failed_validations++;
		pool_note_locked(p, "08");
		c->hard = true;
		pool_detach(p, c, PCW_VALIDATION, &doomed);
		pthread_mutex_unlock(&p->mtx);
		log_info(p->log, "pool %s: discarded a connection (backend pid "
		    "%d) that failed validation after %.1f s idle", p->name,
		    c->be_pid, (double)(now - c->idle_since_us) / 1e6);
		pool_close_all(&doomed);
	}
}

/* Connect at once, outside the breaker's schedule; lend the connection. */
PGconn *
pool_probe(struct pool *p, const char *tag, struct mc_err *err)
{
	struct pconn_list	 doomed = TAILQ_HEAD_INITIALIZER(doomed);
	struct breaker_stats	 bs;
	struct pconn		*c;
	struct mc_err		 e = { 0 };
	PGconn			*conn;
	int64_t			 t0, now;
	bool			 changed;

	pthread_mutex_lock(&p->mtx);
	if (p->closing) {
		p->fast_failures++;
		pthread_mutex_unlock(&p->mtx);
		return (mc_err_set(err, MC_E_STATE, "pool %s is shutting down",
		    p->name), NULL);
	}
	if (pool_total(p) >= p->cfg.max) {	/* full, so not down */
		pthread_mutex_unlock(&p->mtx);
		return (pool_acquire(p, tag, err));
	}
	p->count[PC_CONNECTING]++;	/* placeholder against max */
	pthread_mutex_unlock(&p->mtx);

	t0 = pool_now();
	conn = pgq_connect(&p->target, p->component, &e);
	now = pool_now();
	changed = conn != NULL && breaker_success(&p->brk);
	bs = breaker_stats(&p->brk);

	pthread_mutex_lock(&p->mtx);
	p->count[PC_CONNECTING]--;
	pool_brk_mirror(p, &bs);
	if (conn == NULL) {
		/* The schedule is the maintainer's: only record the error. */
		p->connect_failures++;
		pool_note_locked(p, "08");
		pool_oneline(p->last_error, e.msg, sizeof(p->last_error));
		pthread_cond_signal(&p->maint_cv);
		pthread_mutex_unlock(&p->mtx);
		return (mc_err_copy(err, &e), NULL);
	}
	if ((c = pool_adopt(p, conn, t0, now, tag ? tag : "?",
	    &doomed)) != NULL) {
		p->acquires++;
		pool_ring_add(&p->r_acquire, now - t0);
	}
	/* Closed now: queued borrowers or min may want connections. */
	pthread_cond_signal(&p->maint_cv);
	pthread_mutex_unlock(&p->mtx);
	if (changed)
		log_info(p->log, "pool %s: %s reachable again (direct probe); "
		    "circuit closed", p->name, p->endpoint);
	pool_close_all(&doomed);
	if (c == NULL)
		return (mc_err_set(err, MC_E_STATE, "pool %s is shutting down",
		    p->name), NULL);
	return (conn);
}

/* Return conn; close it when discard is set or it cannot be reused. */
static void
pool_put(struct pool *p, PGconn *conn, bool discard)
{
	struct pconn_list	 doomed = TAILQ_HEAD_INITIALIZER(doomed);
	struct pconn		*c;
	int64_t			 now = pool_now(), held;
	bool			 dirty, cleaned = false, leaked;
	char			 tag[48];

	if (conn == NULL)
		return;
	/* conn is the caller's until it is back on a list: read it unlocked. */
	dirty = PQstatus(conn) != CONNECTION_OK ||
	    PQtransactionStatus(conn) != PQTRANS_IDLE || PQisnonblocking(conn);
	pthread_mutex_lock(&p->mtx);
	c = pool_map_get(p, conn);
	if (c == NULL || c->state != PC_ACTIVE) {
		pthread_mutex_unlock(&p->mtx);
		log_error(p->log, "pool %s: pool_release of a connection this "
		    "pool did not lend (ignored)", p->name);
		return;
	}
	/* A borrower's notice receiver may point at its stack: take it back. */
	PQsetNoticeReceiver(conn, pool_notice, p);
	held = now - c->acquired_us;
	pool_ring_add(&p->r_usage, held);
	leaked = c->leak_reported;
	pool_strlcpy(tag, c->tag, sizeof(tag));
	if (dirty && !discard && !c->broken &&
	    PQstatus(conn) == CONNECTION_OK) {
		/* Clean it outside the lock; it stays active (ours). */
		pthread_mutex_unlock(&p->mtx);
		cleaned = pool_reset(conn, pool_now() +
		    POOL_RESET_TIMEOUT_MS * 1000) == 0;
		pthread_mutex_lock(&p->mtx);
		now = pool_now();
		if (cleaned)
			p->resets++;
		else
			c->hard = true;
	}
	c->leak_reported = false;
	if (discard) {
		c->hard = c->hard || dirty || c->broken;
		pool_detach(p, c, PCW_OTHER, &doomed);
	} else if (c->broken || (dirty && !cleaned)) {
		c->hard = true;
		pool_note_locked(p, "08");
		pool_detach(p, c, PCW_BROKEN, &doomed);
	} else if (p->closing)
		pool_detach(p, c, PCW_OTHER, &doomed);
	else if (pool_expired(c, now))
		pool_detach(p, c, PCW_LIFETIME, &doomed);
	else
		pool_give(p, c, now);
	pthread_mutex_unlock(&p->mtx);
	if (leaked)
		log_info(p->log, "pool %s: connection borrowed by '%s' came "
		    "back after %.1f s (reported earlier as a possible leak)",
		    p->name, tag, (double)held / 1e6);
	pool_close_all(&doomed);
}

/* Give a connection back for reuse. */
void
pool_release(struct pool *p, PGconn *conn)
{
	pool_put(p, conn, false);
}

/* Give a connection back to be closed. */
void
pool_discard(struct pool *p, PGconn *conn)
{
	pool_put(p, conn, true);
}

/* Count a caller's error by SQLSTATE class. */
void
pool_note_error(struct pool *p, const char *sqlstate)
{
	pthread_mutex_lock(&p->mtx);
	pool_note_locked(p, sqlstate);
	pthread_mutex_unlock(&p->mtx);
}

/* Flag conn (lent by p) so that its return closes it. */
static void
pool_mark_broken(struct pool *p, PGconn *conn)
{
	struct pconn	*c;

	pthread_mutex_lock(&p->mtx);
	if ((c = pool_map_get(p, conn)) != NULL) {
		c->broken = true;
		c->hard = true;
	}
	pthread_mutex_unlock(&p->mtx);
}

/* Run one query with a client-side deadline. */
PGresult *
pool_query_deadline(struct pool *p, PGconn *conn, const char *sql, int n,
    const char *const *params, int timeout_ms, struct mc_err *err)
{
	struct mc_err	 e = { 0 };
	PGresult	*res;
	int		 r;

	r = pool_run(conn, sql, n < 0 ? 0 : n, params, timeout_ms > 0 ?
	    pool_now() + (int64_t)timeout_ms * 1000 : 0, &res, &e);
	if (r == 0)
		return (res);
	pool_note_error(p, e.sqlstate[0] ? e.sqlstate :
	    e.code == MC_E_QUERY ? NULL : "08");
	if (r == -2 || PQstatus(conn) != CONNECTION_OK)
		pool_mark_broken(p, conn);
	if (r == -2)
		mc_err_set(&e, MC_E_TIMEOUT, "query did not finish within %d "
		    "ms (server frozen or overloaded?); the connection will "
		    "be closed", timeout_ms);
	mc_err_copy(err, &e);
	return (NULL);
}

/* Run a transaction-control statement with pool_tx's deadline. */
static int
pool_ctl(PGconn *conn, const char *sql, char *tag, size_t tagsize,
    struct mc_err *err)
{
	PGresult	*res;
	int		 r;

	r = pool_run(conn, sql, -1, NULL, pool_now() +
	    (int64_t)POOL_CTL_TIMEOUT_MS * 1000, &res, err);
	if (r != 0)
		return (r);
	if (tag != NULL)
		pool_strlcpy(tag, PQcmdStatus(res), tagsize);
	PQclear(res);
	return (0);
}

/* Run fn in a transaction on a borrowed connection. */
int
pool_tx(struct pool *p, const char *tag,
    int (*fn)(PGconn *, void *, struct mc_err *), void *arg,
    struct mc_err *err)
{
	struct mc_err		 e = { 0 }, ignore;
	PGconn			*conn;
	PGTransactionStatusType	 ts;
	char			 done[32] = "";
	int			 rc, r;

	if ((conn = pool_acquire(p, tag, &e)) == NULL)
		return (mc_err_copy(err, &e));
	if ((r = pool_ctl(conn, "BEGIN", NULL, 0, &e)) != 0) {
		if (r == -2)
			pool_mark_broken(p, conn);
		pool_release(p, conn);
		pool_note_error(p, e.sqlstate[0] ? e.sqlstate : "08");
		return (mc_err_copy(err, &e));
	}
	rc = fn(conn, arg, &e);
	if (rc != 0 && e.msg[0] == '\0')
		mc_err_set(&e, MC_E_INTERNAL, "the transaction callback failed "
		    "without saying why");
	ts = PQtransactionStatus(conn);
	if (rc == 0 && ts == PQTRANS_INERROR) {
		rc = mc_err_set(&e, MC_E_QUERY, "a statement in the "
		    "transaction failed (the callback ignored the error); "
		    "rolled back");
	} else if (rc == 0 && ts != PQTRANS_INTRANS) {
		rc = mc_err_set(&e, MC_E_INTERNAL, "the transaction callback "
		    "ended the transaction itself; nothing was committed by "
		    "pool_tx");
	} else if (rc == 0) {
		r = pool_ctl(conn, "COMMIT", done, sizeof(done), &e);
		if (r == -2) {
			mc_err_prefix(&e, "COMMIT outcome unknown: ");
			pool_mark_broken(p, conn);
			pool_release(p, conn);
			pool_note_error(p, "08");
			return (mc_err_copy(err, &e));
		}
		if (r != 0)
			rc = -1;
		else if (strcmp(done, "COMMIT") != 0)
			rc = mc_err_set(&e, MC_E_QUERY, "COMMIT was turned "
			    "into %s by the server; nothing was committed",
			    done);
	}
	if (rc != 0) {
		ts = PQtransactionStatus(conn);
		if (ts == PQTRANS_INTRANS || ts == PQTRANS_INERROR)
			(void)pool_ctl(conn, "ROLLBACK", NULL, 0, &ignore);
		/* Anything still dirty is reset or closed by pool_release. */
		pool_note_error(p, e.sqlstate);
	}
	pool_release(p, conn);
	if (rc != 0)
		return (mc_err_copy(err, &e));
	return (0);
}

/* ------------------------------------------------------------ statistics */

/* Copy the gauges and counters under the lock; percentiles outside. */
struct pool_stats
pool_stats(struct pool *p)
{
	struct pool_stats	 s;
	struct pool_err_class	 errs[POOL_ERR_SLOTS], tmp;
	struct pconn		*old;
	uint32_t		 ra[POOL_HIST_WINDOW], ru[POOL_HIST_WINDOW];
	uint32_t		 rc[POOL_HIST_WINDOW];
	uint64_t		 na, nu, nc;
	int64_t			 now;
	int			 i, j;

	memset(&s, 0, sizeof(s));
	pthread_mutex_lock(&p->mtx);
	now = pool_now();
	s.connecting = p->count[PC_CONNECTING];
	s.idle = p->count[PC_IDLE];
	s.active = p->count[PC_ACTIVE];
	s.total = pool_total(p);
	s.waiting = p->nwaiting;
	s.max = p->cfg.max;
	s.min = p->cfg.min;
	s.closing = p->closing;
	if ((old = TAILQ_FIRST(&p->list[PC_ACTIVE])) != NULL) {
		s.longest_held_ms = (now - old->acquired_us) / 1000;
		memcpy(s.longest_tag, old->tag, sizeof(s.longest_tag));
	}
	s.acquires = p->acquires;
	s.waited_acquires = p->waited_acquires;
	s.timeouts = p->timeouts;
	s.fast_failures = p->fast_failures;
	s.created = p->created;
	s.connect_failures = p->connect_failures;
	s.closed_lifetime = p->closed[PCW_LIFETIME];
	s.closed_idle = p->closed[PCW_IDLE];
	s.closed_broken = p->closed[PCW_BROKEN];
	s.closed_validation = p->closed[PCW_VALIDATION];
	s.closed_other = p->closed[PCW_OTHER];
	s.failed_validations = p->failed_validations;
	s.resets = p->resets;
	s.leaks = p->leaks;
	memcpy(s.last_leak_tag, p->last_leak_tag, sizeof(s.last_leak_tag));
	memcpy(errs, p->errs, sizeof(errs));
	s.breaker = p->brk_state;
	s.breaker_transitions = p->brk_transitions;
	s.consecutive_failures = p->brk_failures;
	if (p->brk_state == BREAKER_OPEN && p->brk_open_until > now)
		s.breaker_retry_in_ms = (int)((p->brk_open_until - now) / 1000);
	s.backoff_attempt = p->bo_attempt;
	if (p->next_retry_us > now)
		s.next_retry_in_ms = (int)((p->next_retry_us - now) / 1000);
	memcpy(s.last_error, p->last_error, sizeof(s.last_error));
	na = p->r_acquire.n;
	nu = p->r_usage.n;
	nc = p->r_creation.n;
	memcpy(ra, p->r_acquire.v, sizeof(ra));
	memcpy(ru, p->r_usage.v, sizeof(ru));
	memcpy(rc, p->r_creation.v, sizeof(rc));
	pthread_mutex_unlock(&p->mtx);

	s.acquire = pool_ring_summary(ra, na);
	s.usage = pool_ring_summary(ru, nu);
	s.creation = pool_ring_summary(rc, nc);
	/* Most frequent classes first (insertion sort of 16). */
	for (i = 1; i < POOL_ERR_SLOTS; i++)
		for (j = i; j > 0 && errs[j].count > errs[j - 1].count; j--) {
			tmp = errs[j];
			errs[j] = errs[j - 1];
			errs[j - 1] = tmp;
		}
	for (i = 0; i < POOL_ERR_CLASSES; i++)
		if (errs[i].count > 0)
			s.errors[i] = errs[i];
	return (s);
}

/* --------------------------------------------------------- maintainer */

/*
 * Retire idle connections past idle_timeout (above min) or their lifetime,
 * and note loans held past leak_threshold into reports.
 * Returns the number of reports. Caller holds p->mtx.
 */
static int
pool_housekeep(struct pool *p, int64_t now, struct pconn_list *doomed,
    struct pool_report *rep)
{
	struct pconn	*c, *prev;
	int64_t		 idle_us = (int64_t)p->cfg.idle_timeout_ms * 1000;
	int64_t		 leak_us = (int64_t)p->cfg.leak_threshold_ms * 1000;
	int		 nrep = 0;

	/* Oldest idle at the tail (LIFO). */
	for (c = TAILQ_LAST(&p->list[PC_IDLE], pconn_list); c != NULL;
	    c = prev) {
		prev = TAILQ_PREV(c, pconn_list, entry);
		if (pool_expired(c, now))
			pool_detach(p, c, PCW_LIFETIME, doomed);
		else if (idle_us > 0 && now - c->idle_since_us >= idle_us &&
		    pool_total(p) > p->cfg.min)
			pool_detach(p, c, PCW_IDLE, doomed);
	}
	if (leak_us <= 0)
		return (0);
	TAILQ_FOREACH(c, &p->list[PC_ACTIVE], entry) {
		if (c->leak_reported || now - c->acquired_us < leak_us)
			continue;
		c->leak_reported = true;
		p->leaks++;
		memcpy(p->last_leak_tag, c->tag, sizeof(p->last_leak_tag));
		if (nrep < POOL_MAX_REPORTS) {
			memcpy(rep[nrep].tag, c->tag, sizeof(rep[nrep].tag));
			rep[nrep].held_ms = (now - c->acquired_us) / 1000;
			rep[nrep].be_pid = c->be_pid;
			nrep++;
		}
	}
	return (nrep);
}

/* Housekeeping period: a quarter of the shortest limit, 10 ms .. 1 s. */
static int64_t
pool_tick_us(const struct conf_pool *cfg)
{
	int64_t	t = 1000000;

	if (cfg->leak_threshold_ms > 0 && cfg->leak_threshold_ms * 250LL < t)
		t = cfg->leak_threshold_ms * 250LL;
	if (cfg->idle_timeout_ms > 0 && cfg->idle_timeout_ms * 250LL < t)
		t = cfg->idle_timeout_ms * 250LL;
	if (cfg->max_lifetime_ms > 0 && cfg->max_lifetime_ms * 250LL < t)
		t = cfg->max_lifetime_ms * 250LL;
	return (t < 10000 ? 10000 : t);
}

/*
 * Register conn, just opened (t0: when the connect started), as a new
 * pconn: lent to the caller as active when tag is not NULL, else handed to
 * the head waiter or parked idle. Returns the pconn (NULL when the pool is
 * closing: it goes to doomed instead). Caller holds p->mtx.
 */
static struct pconn *
pool_adopt(struct pool *p, PGconn *conn, int64_t t0, int64_t now,
    const char *tag, struct pconn_list *doomed)
{
	struct pconn	*c = xcalloc(1, sizeof(*c));

	c->conn = conn;
	c->be_pid = PQbackendPID(conn);
	PQsetNoticeReceiver(conn, pool_notice, p);
	c->created_us = now;
	c->fresh = tag == NULL;
	if (p->cfg.max_lifetime_ms > 0)
		c->expire_us = now + (int64_t)p->cfg.max_lifetime_ms * 1000 -
		    (int64_t)pool_rand(p,
		    (uint64_t)p->cfg.max_lifetime_ms * 25 + 1);
	p->created++;
	p->next_retry_us = 0;
	p->last_error[0] = '\0';
	pool_ring_add(&p->r_creation, now - t0);
	pool_map_put(p, c);
	c->state = PC_CONNECTING;
	TAILQ_INSERT_TAIL(&p->list[PC_CONNECTING], c, entry);
	p->count[PC_CONNECTING]++;
	if (p->closing) {
		pool_detach(p, c, PCW_OTHER, doomed);
		return (NULL);
	}
	if (tag != NULL) {
		pool_strlcpy(c->tag, tag, sizeof(c->tag));
		c->acquired_us = now;
		c->idle_since_us = now;
		pool_set_state(p, c, PC_ACTIVE);
	} else
		pool_give(p, c, now);
	return (c);
}

/*
 * Open one connection (called and returning with p->mtx held; the lock is
 * dropped for the breaker and the connect itself). While the breaker is not
 * closed this connect is its probe.
 */
static void
pool_open_one(struct pool *p, struct pconn_list *doomed)
{
	struct breaker_stats	 bs;
	struct mc_err		 e = { 0 }, why;
	PGconn			*conn;
	char			 line[256];
	int64_t			 t0, now;
	int			 retry_ms = 0, delay = 0;
	bool			 allowed, changed = false, probe;

	/* A placeholder counts the connect against max. */
	p->count[PC_CONNECTING]++;
	probe = p->brk_state != BREAKER_CLOSED;
	p->probing = probe;
	pthread_mutex_unlock(&p->mtx);

	conn = NULL;
	t0 = pool_now();
	if ((allowed = breaker_allow(&p->brk, &retry_ms)))
		conn = pgq_connect_stop(&p->target, p->component, &p->quit, &e);
	now = pool_now();
	if (!allowed)
		;
	else if (conn != NULL) {
		changed = breaker_success(&p->brk);
		backoff_reset(&p->bo);
	} else
		changed = breaker_failure(&p->brk);
	bs = breaker_stats(&p->brk);
	/* Closed: the pool's backoff spaces attempts; else the probes do. */
	if (allowed && conn == NULL && bs.state == BREAKER_CLOSED)
		delay = backoff_next_ms(&p->bo);

	pthread_mutex_lock(&p->mtx);
	p->count[PC_CONNECTING]--;
	p->probing = false;
	pool_brk_mirror(p, &bs);
	p->bo_attempt = p->bo.attempt;
	if (!allowed)		/* not due yet: sleep until the probe */
		return;
	if (conn == NULL) {
		p->connect_failures++;
		pool_note_locked(p, "08");
		pool_oneline(p->last_error, e.msg, sizeof(p->last_error));
		memcpy(line, p->last_error, sizeof(line));
		p->next_retry_us = bs.state == BREAKER_CLOSED ?
		    now + (int64_t)delay * 1000 : bs.open_until_us;
		if (bs.state != BREAKER_CLOSED) {
			/* Opened, or a failed probe: its borrower is told. */
			pool_err_breaker(p, now, &why);
			pool_refuse_waiters(p, &why);
		}
		if (changed && !probe) {
			struct pconn	*c;

			/* Idle connections to a dead server are dead too. */
			while ((c = TAILQ_FIRST(&p->list[PC_IDLE])) != NULL) {
				c->hard = true;
				pool_detach(p, c, PCW_OTHER, doomed);
			}
		}
		pthread_mutex_unlock(&p->mtx);
		if (bs.state == BREAKER_CLOSED)
			log_warn(p->log, "pool %s: connection attempt %u to "
			    "%s failed (retry in %d ms): %s", p->name,
			    p->bo.attempt, p->endpoint, delay, line);
		else if (!probe)
			log_error(p->log, "pool %s: %s: circuit opened after "
			    "%d consecutive connection failures; first probe "
			    "in %lld ms (at most every %d ms); last error: %s",
			    p->name, p->endpoint, bs.consecutive_failures,
			    (long long)((bs.open_until_us - now) / 1000),
			    p->cfg.breaker_open_ms, line);
		else
			log_info(p->log, "pool %s: %s: probe %u failed; next "
			    "probe in %lld ms: %s", p->name, p->endpoint,
			    bs.probe_failures,
			    (long long)((bs.open_until_us - now) / 1000), line);
		pthread_mutex_lock(&p->mtx);
		return;
	}
	(void)pool_adopt(p, conn, t0, now, NULL, doomed);
	if (changed) {
		pthread_mutex_unlock(&p->mtx);
		log_info(p->log, "pool %s: %s reachable again; circuit closed",
		    p->name, p->endpoint);
		pthread_mutex_lock(&p->mtx);
	}
}

/* The maintainer thread: open connections on demand, housekeep, report. */
static void *
pool_main(void *arg)
{
	struct pool		*p = arg;
	struct pconn_list	 doomed = TAILQ_HEAD_INITIALIZER(doomed);
	struct pool_report	 rep[POOL_MAX_REPORTS];
	struct timespec		 ts;
	int64_t			 now, next_house = 0, wake, tick;
	int			 nrep = 0, i;
	bool			 want;

	tick = pool_tick_us(&p->cfg);
	pthread_mutex_lock(&p->mtx);
	while (!p->stop) {
		now = pool_now();
		if (now >= next_house) {
			nrep = pool_housekeep(p, now, &doomed, rep);
			next_house = now + tick;
		}
		if (nrep > 0 || !TAILQ_EMPTY(&doomed)) {
			pthread_mutex_unlock(&p->mtx);
			for (i = 0; i < nrep; i++)
				log_warn(p->log, "pool %s: connection held "
				    "for %lld ms by '%s' (backend pid %d): "
				    "possible leak (threshold %d ms)", p->name,
				    (long long)rep[i].held_ms, rep[i].tag,
				    rep[i].be_pid, p->cfg.leak_threshold_ms);
			nrep = 0;
			pool_close_all(&doomed);
			pthread_mutex_lock(&p->mtx);
			continue;
		}
		want = !p->closing && pool_total(p) < p->cfg.max &&
		    (p->nwaiting > 0 || pool_total(p) < p->cfg.min);
		wake = next_house;
		if (want) {
			/* Closed: backoff; otherwise the probe schedule. */
			int64_t	at = p->brk_state == BREAKER_CLOSED ?
			    p->next_retry_us : p->brk_open_until;

			if (at <= now) {
				pool_open_one(p, &doomed);
				continue;
			}
			if (at < wake)
				wake = at;
		}
		ts = pool_ts(wake);
		pthread_cond_timedwait(&p->maint_cv, &p->mtx, &ts);
	}
	pthread_mutex_unlock(&p->mtx);
	pool_close_all(&doomed);
	return (NULL);
}
