/*
 * pool.h - the PostgreSQL connection pool: min/max size, FIFO waiters with an
 * acquire timeout, validation on borrow, reset on return, idle timeout, max
 * lifetime with jitter, leak reports, reconnection with backoff and a circuit
 * breaker, a transaction helper, a query-with-deadline helper and a cheap
 * metrics snapshot.
 *
 * Model (pgbouncer): every connection sits in exactly one state list
 * (connecting, idle, active), so the gauges are list counts. One background
 * thread per pool (the maintainer) opens every new connection with
 * pgq_connect(), retrying with exponential backoff and full jitter behind a
 * circuit breaker, and does the housekeeping (idle/lifetime retirement, leak
 * reports). Borrowers never dial: they take an idle connection or queue, and
 * a queued borrower is handed the next released or newly opened connection
 * strictly in arrival order. No lock is held during network I/O.
 *
 * The breaker (breaker.h) opens after breaker_threshold consecutive connect
 * failures; borrowers then fail fast (MC_E_BREAKER) until its next probe is
 * due: the first within 250 ms, then on a growing full-jitter schedule
 * capped at breaker_open_ms. The maintainer's connect is the probe (one at
 * a time; one borrower may wait for it), and its success closes the breaker
 * at once, so a short server restart costs well under a second.
 *
 * All functions are thread-safe. A PGconn returned by pool_acquire belongs
 * to the calling thread until it is given back with pool_release or
 * pool_discard; it must not be PQfinish()ed by the caller.
 *
 * Session state is not reset on return (that would cost a round trip per
 * borrow): use SET LOCAL inside transactions, or pool_discard a connection
 * whose session settings you changed. Transactions left open, failed
 * transactions, unread results and COPY in progress are cleaned up (or the
 * connection is closed) before the connection is lent again.
 */
#ifndef MCPDB_POOL_H
#define MCPDB_POOL_H

#include <stdbool.h>
#include <stdint.h>

#include <libpq-fe.h>

#include "breaker.h"
#include "conf.h"
#include "err.h"
#include "log.h"

struct pool;

/* Latency summary (microseconds) over the last POOL_HIST_WINDOW samples. */
#define POOL_HIST_WINDOW	1024
struct pool_lat {
	uint64_t	count;		/* samples since the pool was created */
	uint32_t	p50_us;
	uint32_t	p95_us;
	uint32_t	p99_us;
	uint32_t	max_us;		/* maximum within the window */
};

/* Errors seen through the pool, by SQLSTATE class ("08" = connection). */
#define POOL_ERR_CLASSES	6
struct pool_err_class {
	char		cls[3];		/* 2 characters + NUL; "" = unused */
	uint64_t	count;
};

/* A consistent copy of a pool's gauges, counters and latencies. */
struct pool_stats {
	/* gauges */
	int		total;		/* connecting + idle + active */
	int		active;		/* lent out */
	int		idle;
	int		waiting;	/* borrowers queued right now */
	int		connecting;	/* being opened by the maintainer */
	int		max;
	int		min;
	bool		closing;	/* pool_shutdown was called */
	/* the oldest loan right now: how long and by whom ("" when none) */
	int64_t		longest_held_ms;
	char		longest_tag[48];
	/* latencies */
	struct pool_lat	acquire;	/* pool_acquire wait */
	struct pool_lat	usage;		/* borrow to return */
	struct pool_lat	creation;	/* opening a connection */
	/* counters since creation */
	uint64_t	acquires;	/* successful */
	uint64_t	waited_acquires; /* of those, how many had to queue */
	uint64_t	timeouts;	/* acquire timed out */
	uint64_t	fast_failures;	/* refused: breaker open, shutdown */
	uint64_t	created;
	uint64_t	connect_failures;
	uint64_t	closed_lifetime;
	uint64_t	closed_idle;
	uint64_t	closed_broken;	/* bad socket, or reset failed */
	uint64_t	closed_validation; /* failed the check on borrow */
	uint64_t	closed_other;	/* discard, breaker eviction, close */
	uint64_t	failed_validations;
	uint64_t	resets;		/* returned dirty and cleaned */
	uint64_t	leaks;		/* loans held past leak_threshold_ms */
	char		last_leak_tag[48];
	/* most frequent first */
	struct pool_err_class errors[POOL_ERR_CLASSES];
	/* reconnection */
	enum breaker_state breaker;
	uint64_t	breaker_transitions;
	int		consecutive_failures;
	int		breaker_retry_in_ms;	/* open: to the next probe */
	unsigned	backoff_attempt;	/* 0 after a success */
	int		next_retry_in_ms;	/* 0 = not waiting to retry */
	char		last_error[256];	/* last connect error or "" */
};

/*
 * A pool for target t (copied: t need not outlive the pool). log may be NULL
 * (borrowed; must outlive the pool). component names application_name
 * "mcpdb/<component>" (NULL = "cli"). Does not connect in the caller's
 * thread: the maintainer thread starts opening min connections at once.
 * NULL with err (MC_E_CONFIG) on settings that make no sense (max < 1,
 * min > max) or MC_E_SYS when the thread cannot start. Caller frees with
 * pool_free.
 */
struct pool	*pool_new(const struct conf_target *t, struct logger *log,
		    const char *component, struct mc_err *err);

/*
 * Borrow a connection. tag names the borrower in leak reports and timeout
 * messages (copied; NULL = "?"). Waits at most acquire_timeout_ms, served in
 * arrival order. NULL with err: MC_E_TIMEOUT (message says how many are busy,
 * for how long and by whom), MC_E_BREAKER (server down; fails fast),
 * MC_E_STATE (pool shutting down). An idle connection unused for
 * validate_after_idle_ms or longer (0 = always, negative = never) is checked
 * with a round trip first; one idle for 50 ms or more gets at least a quick
 * check without a round trip (did the server close it meanwhile?). One that
 * fails is closed and another is tried.
 */
PGconn	*pool_acquire(struct pool *, const char *tag, struct mc_err *err);

/*
 * Borrow a connection opened now for this call, whatever the breaker's
 * schedule says: for an operator's explicit check (`health`), which must
 * report the server, not the breaker. Dials in the calling thread (bounded
 * by connect_timeout_s). On success the breaker closes and the connection is
 * lent as by pool_acquire (give it back with pool_release); when the pool is
 * already at max this is pool_acquire. NULL with err: the connect error
 * itself (MC_E_CONNECT...; the breaker's schedule is left as it was) or
 * MC_E_STATE (shutting down).
 */
PGconn	*pool_probe(struct pool *, const char *tag, struct mc_err *err);

/*
 * Give conn back (NULL is a no-op). A connection in a transaction, failed
 * transaction, COPY or with unread results is cleaned up in the calling
 * thread (bounded by a deadline) or closed; a broken one is closed.
 */
void	pool_release(struct pool *, PGconn *conn);

/* Give conn back and close it instead of reusing it (e.g. after SET). */
void	pool_discard(struct pool *, PGconn *conn);

/*
 * Run fn(conn, arg, err) inside BEGIN ... COMMIT on a borrowed connection.
 * fn returns 0 or -1 (setting err). On -1, a server error inside the
 * transaction (even one fn ignored), or a failed COMMIT, the transaction is
 * rolled back and -1 is returned with err describing the first failure.
 */
int	pool_tx(struct pool *, const char *tag,
	    int (*fn)(PGconn *, void *, struct mc_err *), void *arg,
	    struct mc_err *err);

/*
 * Run sql with n text parameters on conn (borrowed from p) and wait at most
 * timeout_ms (<= 0: no limit) for the whole result. libpq has no per-query
 * client timeout and a frozen server never answers, so this is the way to
 * bound a query: on timeout the connection is marked broken (no PQcancel:
 * in libpq 15 it blocks on a frozen server) and pool_release will close it;
 * the server's statement_timeout ends the orphaned query. Returns the result
 * (TUPLES_OK or COMMAND_OK; caller PQclear()s) or NULL with err (MC_E_QUERY
 * with SQLSTATE, MC_E_TIMEOUT, MC_E_CONNECT). The SQLSTATE class is counted.
 */
PGresult *pool_query_deadline(struct pool *p, PGconn *conn, const char *sql,
	    int n, const char *const *params, int timeout_ms,
	    struct mc_err *err);

/* Count an error seen by a caller on a pooled connection (NULL/"" ignored). */
void	pool_note_error(struct pool *, const char *sqlstate);

/*
 * A copy of the pool's state for dashboards: taken under the pool mutex,
 * no allocation; percentiles are computed outside the lock.
 */
struct pool_stats pool_stats(struct pool *);

/* "mcpdb/<component>", the sessions' application_name. Borrowed. */
const char *pool_name(const struct pool *);

/*
 * Stop lending (waiters and new acquires fail with MC_E_STATE), close idle
 * connections, wait up to wait_ms for borrowed ones to come back and close
 * them as they do. Loans still out after wait_ms are logged with their tags
 * and closed when returned. Idempotent. Not async-signal-safe: a signal
 * handler should only set a flag that a normal thread acts on.
 */
void	pool_shutdown(struct pool *, int wait_ms);

/*
 * For quitting at once: refuse waiters and new acquires (MC_E_CANCELLED /
 * MC_E_STATE) and shut down the socket of every lent connection, so that a
 * borrower blocked on a stopped or frozen server gets a connection error
 * now instead of after its deadline (the server rolls back its
 * transaction). The connections are closed when returned. Thread-safe,
 * no I/O wait; the pool then behaves as after pool_shutdown.
 */
void	pool_interrupt(struct pool *);

/*
 * Shut down (without waiting), stop the maintainer thread and free
 * everything. Every borrowed connection must have been returned. May wait for
 * a connection attempt in flight (bounded by connect_timeout). NULL is fine.
 */
void	pool_free(struct pool *);

#endif
