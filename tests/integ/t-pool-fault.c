/*
 * t-pool-fault.c - the pool under server faults: PostgreSQL stopped and
 * restarted while 8 threads run queries (breaker opens, acquire fails fast,
 * the pool recovers, nothing leaks); recovery time after short restarts
 * with the default breaker settings (server ready -> first successful
 * acquire, and how long `mcpdb health --watch` still says DOWN); and a
 * frozen (SIGSTOP) server (acquire and queries fail on time instead of
 * hanging).
 *
 * Faults stop or freeze a server, which would break other tests running in
 * parallel against the shared harness servers, so this program brings up a
 * private pair with src/mcpdb-servers.sh in a mktemp directory and purges
 * it at exit. It runs only in integration runs (MCPDB_TEST_PGURL set).
 */
#include "config.h"

#include <sys/types.h>
#include <sys/wait.h>

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "pool.h"
#include "tap.h"
#include "pool-common.h"

static char	fault_script[1024];
static char	fault_dir[256];
static char	fault_url[1024];
static char	fault_redis[512];	/* its Redis socket */

/* Run `mcpdb-servers.sh verb --dir <our dir>`; returns its exit status. */
static int
fault(const char *verb)
{
	char	cmd[1536];

	snprintf(cmd, sizeof(cmd), "sh '%s' %s --dir '%s' >/dev/null 2>&1",
	    fault_script, verb, fault_dir);
	return (system(cmd));
}

/* At exit: thaw and remove the private servers, whatever happened. */
static void
fault_cleanup(void)
{
	if (fault_dir[0] == '\0')
		return;
	fault("pg-thaw");
	fault("down --purge");
	fault_dir[0] = '\0';
}

/* Run `up` once; fills fault_url, or keeps the output in log. Returns 0/-1. */
static int
fault_try_up(char *log, size_t logsize)
{
	char	 cmd[1536], line[1024], *v;
	FILE	*fp;
	size_t	 n, len = 0;

	snprintf(cmd, sizeof(cmd), "sh '%s' up --dir '%s' 2>&1", fault_script,
	    fault_dir);
	if ((fp = popen(cmd, "r")) == NULL)
		return (-1);
	log[0] = '\0';
	while (fgets(line, sizeof(line), fp) != NULL) {
		if (strncmp(line, "MCPDB_TEST_REDIS=", 17) == 0) {
			v = line + 17;
			v += *v == '\'';
			v[strcspn(v, "'\n")] = '\0';
			snprintf(fault_redis, sizeof(fault_redis), "%s", v);
			continue;
		}
		if (strncmp(line, "MCPDB_TEST_PGURL=", 17) != 0) {
			/* Keep diagnostics, never the password lines. */
			if (strstr(line, "PASSWORD") == NULL &&
			    strstr(line, "_TCP=") == NULL && len < logsize)
				len += (size_t)snprintf(log + len, logsize - len,
				    "%s", line);
			continue;
		}
		v = line + 17;
		n = strcspn(v, "\n");
		v[n] = '\0';
		if (*v == '\'' && n >= 2) {
			v[n - 1] = '\0';
			v++;
		}
		snprintf(fault_url, sizeof(fault_url), "%s", v);
	}
	return (pclose(fp) == 0 && fault_url[0] != '\0' ? 0 : -1);
}

/* Start a private PostgreSQL (+ Redis) and read its conninfo. */
static void
fault_up(void)
{
	const char	*src = getenv("MCPDB_SRCDIR");
	char		 log[4096];

	if (src == NULL)
		skip_all("MCPDB_SRCDIR not set (run through make check)");
	snprintf(fault_script, sizeof(fault_script), "%s/src/mcpdb-servers.sh",
	    src);
	if (access(fault_script, R_OK) != 0)
		skip_all("%s not found", fault_script);
	snprintf(fault_dir, sizeof(fault_dir), "%s/mcpdb-pool-fault.XXXXXX",
	    getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (mkdtemp(fault_dir) == NULL)
		bail_out("mkdtemp failed");
	atexit(fault_cleanup);
	if (fault_try_up(log, sizeof(log)) == 0)
		return;
	diag("first `up` failed; retrying once: %s", log);
	fault("down");
	if (fault_try_up(log, sizeof(log)) != 0)
		bail_out("private servers did not start (%s up): %s",
		    fault_script, log);
}

/* ------------------------------------------------ stop and restart */

struct run {
	struct pool	*p;
	int		 stop;
	long		 ok, failed, breaker;
};

/* Read a counter another thread updates. */
#define LOAD(x)	__atomic_load_n(&(x), __ATOMIC_SEQ_CST)

static bool
breaker_is(const struct pool_stats *s, int st)
{
	return ((int)s->breaker == st);
}

/* A worker: borrow, SELECT 1 with a deadline, return; until told to stop. */
static void *
worker(void *arg)
{
	struct run	*r = arg;
	struct mc_err	 err = { 0 };
	PGresult	*res;
	PGconn		*c;

	while (!LOAD(r->stop)) {
		if ((c = pool_acquire(r->p, "worker", &err)) == NULL) {
			__atomic_add_fetch(err.code == MC_E_BREAKER ?
			    &r->breaker : &r->failed, 1, __ATOMIC_SEQ_CST);
			usleep(10000);
			continue;
		}
		res = pool_query_deadline(r->p, c, "SELECT 1", 0, NULL, 2000,
		    &err);
		__atomic_add_fetch(res != NULL ? &r->ok : &r->failed, 1,
		    __ATOMIC_SEQ_CST);
		PQclear(res);
		pool_release(r->p, c);
		if (res == NULL)
			usleep(10000);
	}
	return (NULL);
}

/* Backends of app on the private server (-1 when it cannot be asked). */
static int
backends(const char *app)
{
	PGconn		*c = PQconnectdb(fault_url);
	const char	*pv[1] = { app };
	PGresult	*res;
	int		 n = -1;

	if (PQstatus(c) == CONNECTION_OK) {
		res = PQexecParams(c, "SELECT count(*) FROM pg_stat_activity "
		    "WHERE application_name = $1", 1, NULL, pv, NULL, NULL, 0);
		if (PQresultStatus(res) == PGRES_TUPLES_OK)
			n = atoi(PQgetvalue(res, 0, 0));
		PQclear(res);
	}
	PQfinish(c);
	return (n);
}

static void
test_restart(void)
{
	struct conf_target	 t;
	struct mc_err		 err = { 0 };
	struct run		 r = { 0 };
	struct pool_stats	 s;
	pthread_t		 th[8];
	int64_t			 t0, us, worst = 0;
	long			 before;
	int			 i, n, maxb = 0;
	bool			 fast = true;
	char			 app[64];

	memset(&t, 0, sizeof(t));
	conf_target_defaults(&t);
	t.name = (char *)"fault";
	t.pg = fault_url;
	t.pool.min = 2;
	t.pool.max = 6;
	t.pool.acquire_timeout_ms = 2000;
	t.pool.connect_timeout_s = 2;
	t.pool.breaker_threshold = 3;
	t.pool.breaker_open_ms = 300;
	t.pool.backoff_base_ms = 20;
	t.pool.backoff_cap_ms = 300;
	snprintf(app, sizeof(app), "mcpdb/t-fault-%ld", (long)getpid());
	r.p = pool_new(&t, NULL, app + 6, &err);
	ok(r.p != NULL, "pool_new: %s", err.msg);
	for (i = 0; i < 8; i++)
		pthread_create(&th[i], NULL, worker, &r);
	tp_sleep(500);
	ok(LOAD(r.ok) > 0, "8 threads run queries (%ld so far)", LOAD(r.ok));
	n = backends(app);
	ok(n >= 1 && n <= 6, "server sees %d backends (<= max 6)", n);

	is_int(fault("pg-stop"), 0, "PostgreSQL stopped");
	ok(tp_wait(r.p, breaker_is, BREAKER_OPEN, 10000), "breaker opens");
	s = pool_stats(r.p);
	diag("open after %d failures; last error: %s", s.consecutive_failures,
	    s.last_error);
	for (i = 0; i < 30; i++) {
		t0 = tp_now();
		if (pool_acquire(r.p, "main", &err) != NULL ||
		    (err.code != MC_E_BREAKER && err.code != MC_E_TIMEOUT))
			fast = false;
		us = tp_now() - t0;
		if (us > worst)
			worst = us;
		tp_sleep(20);
	}
	ok(fast && worst < 50000, "acquire fails fast while the server is down "
	    "(30 tries over 0.6 s, worst %lld us)", (long long)worst);
	like(err.msg, "circuit open", "with the breaker's message: %s",
	    err.msg);
	ok(LOAD(r.breaker) > 0, "workers were refused by the breaker (%ld)",
	    LOAD(r.breaker));

	is_int(fault("pg-start"), 0, "PostgreSQL started again");
	before = LOAD(r.ok);
	t0 = tp_now();
	while (LOAD(r.ok) == before && tp_now() - t0 < 15000000)
		tp_sleep(10);
	ok(LOAD(r.ok) > before, "the pool recovered %.2f s after the restart",
	    (double)(tp_now() - t0) / 1e6);
	for (i = 0; i < 50; i++) {
		n = backends(app);
		if (n > maxb)
			maxb = n;
		tp_sleep(10);
	}
	ok(maxb >= 1 && maxb <= 6, "no connection leaks: at most max backends "
	    "after recovery (%d)", maxb);
	__atomic_store_n(&r.stop, 1, __ATOMIC_SEQ_CST);
	for (i = 0; i < 8; i++)
		pthread_join(th[i], NULL);
	s = pool_stats(r.p);
	ok(s.breaker == BREAKER_CLOSED && s.breaker_transitions >= 3,
	    "breaker closed again (%llu transitions)",
	    (unsigned long long)s.breaker_transitions);
	ok(s.total <= 6 && s.active == 0, "pool consistent: total %d, active "
	    "%d", s.total, s.active);
	diag("ok %ld, failed %ld, refused %ld; created %llu, closed broken "
	    "%llu, other %llu", r.ok, r.failed, r.breaker,
	    (unsigned long long)s.created, (unsigned long long)s.closed_broken,
	    (unsigned long long)s.closed_other);
	pool_free(r.p);
	for (i = 0; i < 200 && (n = backends(app)) != 0; i++)
		tp_sleep(10);
	is_int(n, 0, "all backends gone after pool_free");
}

/* ------------------------------------------------ recovery time */

/*
 * Recovery bound asserted after short restarts (target < 1 s; generous for
 * a loaded 2-core box). MCPDB_FAULT_CYCLES (default 3, at most 20) sets the
 * number of restarts and MCPDB_FAULT_DOWN_MS (default 0) keeps the server
 * down that much longer after the breaker opened, for measuring long
 * outages; then the bound is breaker_open_ms (the probe cap) + 1 s.
 */
#define RECOVERY_BOUND_US	2000000
#define RECOVERY_MAX_CYCLES	20

struct rec {
	struct pool	*p;
	int		 stop;
	int		 armed;		/* record the next success */
	int64_t		 first_ok;	/* first success once armed */
	long		 ok, refused, other;
};

/* A worker: acquire, SELECT 1, release; notes the first success when armed. */
static void *
rec_worker(void *arg)
{
	struct rec	*r = arg;
	struct mc_err	 err = { 0 };
	PGresult	*res;
	PGconn		*c;
	int64_t		 zero = 0, now;

	while (!LOAD(r->stop)) {
		if ((c = pool_acquire(r->p, "rec", &err)) == NULL) {
			__atomic_add_fetch(err.code == MC_E_BREAKER ?
			    &r->refused : &r->other, 1, __ATOMIC_SEQ_CST);
			usleep(2000);
			continue;
		}
		res = pool_query_deadline(r->p, c, "SELECT 1", 0, NULL, 2000,
		    &err);
		now = tp_now();
		if (res != NULL && LOAD(r->armed)) {
			zero = 0;
			__atomic_compare_exchange_n(&r->first_ok, &zero, now,
			    false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
		}
		__atomic_add_fetch(res != NULL ? &r->ok : &r->other, 1,
		    __ATOMIC_SEQ_CST);
		PQclear(res);
		pool_release(r->p, c);
		if (res == NULL)
			usleep(2000);
	}
	return (NULL);
}

/* Watches the server with PQping; notes when it first accepts again. */
struct pinger {
	int	 stop;
	int64_t	 ready;		/* first PQPING_OK */
};

/* Thread body: ping every 2 ms until the server answers (or told to stop). */
static void *
pinger_main(void *arg)
{
	struct pinger	*pg = arg;

	while (!LOAD(pg->stop)) {
		if (PQping(fault_url) == PQPING_OK) {
			__atomic_store_n(&pg->ready, tp_now(),
			    __ATOMIC_SEQ_CST);
			break;
		}
		usleep(2000);
	}
	return (NULL);
}

/*
 * Start the server again and return when it is ready (monotonic us): the
 * earlier of pg-start returning and the first successful PQping.
 */
static int64_t
restart_ready(int *rc)
{
	struct pinger	 pg = { 0 };
	pthread_t	 th;
	int64_t		 done;

	pthread_create(&th, NULL, pinger_main, &pg);
	*rc = fault("pg-start");
	done = tp_now();
	for (int i = 0; i < 500 && LOAD(pg.ready) == 0; i++)
		tp_sleep(2);
	__atomic_store_n(&pg.stop, 1, __ATOMIC_SEQ_CST);
	pthread_join(th, NULL);
	return (pg.ready != 0 && pg.ready < done ? pg.ready : done);
}

static bool
not_closed(const struct pool_stats *s, int unused)
{
	(void)unused;
	return (s->breaker != BREAKER_CLOSED);
}

/* Short restarts under 6 threads, default breaker: ready -> first success. */
static void
test_recovery(void)
{
	struct conf_target	 t;
	struct mc_err		 err = { 0 };
	struct rec		 r = { 0 };
	struct pool_stats	 s;
	pthread_t		 th[6];
	int64_t			 ready, took, worst = 0, stop_at, bound;
	uint64_t		 fails0;
	char			 figures[512] = "";
	size_t			 len = 0;
	int			 i, k, rc, cycles = 3, down_ms = 0;
	bool			 opened = true, all_ok = true;

	if (getenv("MCPDB_FAULT_CYCLES") != NULL)
		cycles = atoi(getenv("MCPDB_FAULT_CYCLES"));
	if (cycles < 1 || cycles > RECOVERY_MAX_CYCLES)
		cycles = 3;
	if (getenv("MCPDB_FAULT_DOWN_MS") != NULL)
		down_ms = atoi(getenv("MCPDB_FAULT_DOWN_MS"));
	if (down_ms < 0 || down_ms > 600000)
		down_ms = 0;

	memset(&t, 0, sizeof(t));
	conf_target_defaults(&t);	/* breaker and backoff as shipped */
	t.name = (char *)"recovery";
	t.pg = fault_url;
	t.pool.min = 2;
	t.pool.max = 6;
	t.pool.acquire_timeout_ms = 2000;
	t.pool.connect_timeout_s = 2;
	r.p = pool_new(&t, NULL, "t-recovery", &err);
	ok(r.p != NULL, "pool_new (breaker_threshold %d, breaker_open_ms %d): "
	    "%s", t.pool.breaker_threshold, t.pool.breaker_open_ms, err.msg);
	for (i = 0; i < 6; i++)
		pthread_create(&th[i], NULL, rec_worker, &r);
	tp_sleep(300);
	ok(LOAD(r.ok) > 0, "6 threads run queries (%ld so far)", LOAD(r.ok));

	bound = down_ms == 0 ? RECOVERY_BOUND_US :
	    (int64_t)t.pool.breaker_open_ms * 1000 + 1000000;
	for (k = 0; k < cycles; k++) {
		fails0 = pool_stats(r.p).connect_failures;
		stop_at = tp_now();
		if (fault("pg-stop") != 0)
			all_ok = false;
		/* Down long enough for the breaker to open (or 2 s). */
		if (!tp_wait(r.p, not_closed, 0, 2000))
			opened = false;
		if (down_ms > 0)
			tp_sleep(down_ms);
		__atomic_store_n(&r.first_ok, 0, __ATOMIC_SEQ_CST);
		__atomic_store_n(&r.armed, 1, __ATOMIC_SEQ_CST);
		ready = restart_ready(&rc);
		if (rc != 0)
			all_ok = false;
		for (i = 0; i < 1000 && LOAD(r.first_ok) == 0; i++)
			tp_sleep(5);
		__atomic_store_n(&r.armed, 0, __ATOMIC_SEQ_CST);
		took = LOAD(r.first_ok) ? LOAD(r.first_ok) - ready : 5000000;
		if (took < 0)
			took = 0;
		if (took > worst)
			worst = took;
		s = pool_stats(r.p);
		if (len < sizeof(figures))
			len += (size_t)snprintf(figures + len,
			    sizeof(figures) - len, "%s%.0f", k ? ", " : "",
			    (double)took / 1000);
		diag("restart %d: down %.0f ms (pg-stop to ready); server "
		    "ready -> first successful acquire+query %.0f ms; %llu "
		    "failed connects while down", k + 1,
		    (double)(ready - stop_at) / 1000, (double)took / 1000,
		    (unsigned long long)(s.connect_failures - fails0));
		tp_sleep(300);
	}
	ok(all_ok, "%d restarts (pg-stop, pg-start; %d ms extra down time)",
	    cycles, down_ms);
	ok(opened, "the breaker opened each time");
	ok(LOAD(r.refused) > 0, "callers failed fast while it was open (%ld "
	    "refusals)", LOAD(r.refused));
	ok(worst < bound, "first successful acquire within %lld ms of the "
	    "server being ready each time (ms: %s)", (long long)(bound / 1000),
	    figures);
	diag("recovery figure (target < 1000 ms): worst %.0f ms over %d "
	    "restarts (%s ms)", (double)worst / 1000, cycles, figures);
	__atomic_store_n(&r.stop, 1, __ATOMIC_SEQ_CST);
	for (i = 0; i < 6; i++)
		pthread_join(th[i], NULL);
	s = pool_stats(r.p);
	ok(s.breaker == BREAKER_CLOSED && s.total <= 6 && s.active == 0,
	    "closed and consistent afterwards (total %d, active %d)", s.total,
	    s.active);
	pool_free(r.p);
}

/* A running `mcpdb health --watch 1 --json`, read line by line. */
struct watch {
	pid_t		 pid;
	FILE		*fp;
	pthread_mutex_t	 mtx;
	int64_t		 last_up, last_down;	/* latest arrivals */
	int64_t		 rd_up, rd_down;	/* the same for Redis */
	int		 lines;
};

/* Reader thread: time-stamp each sample as up or DOWN. */
static void *
watch_main(void *arg)
{
	struct watch	*w = arg;
	char		 line[8192];
	bool		 up, rd;

	while (fgets(line, sizeof(line), w->fp) != NULL) {
		up = strstr(line, "\"postgresql\":{\"reachable\":true") != NULL;
		rd = strstr(line, "\"redis\":{\"configured\":true,"
		    "\"reachable\":true") != NULL;
		pthread_mutex_lock(&w->mtx);
		if (up)
			w->last_up = tp_now();
		else
			w->last_down = tp_now();
		if (rd)
			w->rd_up = tp_now();
		else
			w->rd_down = tp_now();
		w->lines++;
		pthread_mutex_unlock(&w->mtx);
	}
	return (NULL);
}

/* Start mcpdb health --watch 1 --json against the private server. */
static bool
watch_start(struct watch *w)
{
	const char	*bin = getenv("MCPDB_BIN");
	char		 cmd[2048];
	int		 fd[2];

	if (bin == NULL || access(bin, X_OK) != 0 || fault_redis[0] == '\0' ||
	    pipe(fd) != 0)
		return (false);
	snprintf(cmd, sizeof(cmd), "exec env -u MCPDB_CONFIG -u MCPDB_TARGET "
	    "-u DATABASE_URL -u REDIS_URL XDG_CONFIG_HOME='%s/xdg' '%s' "
	    "--pg '%s' --redis '%s' --log-level error health --watch 1 --json "
	    "2>/dev/null", fault_dir, bin, fault_url, fault_redis);
	if ((w->pid = fork()) == 0) {
		dup2(fd[1], 1);
		close(fd[0]);
		close(fd[1]);
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	close(fd[1]);
	if (w->pid < 0) {
		close(fd[0]);
		return (false);
	}
	w->fp = fdopen(fd[0], "r");
	pthread_mutex_init(&w->mtx, NULL);
	return (true);
}

/* Read one of w's timestamps under its lock. */
static int64_t
watch_get(struct watch *w, const int64_t *field)
{
	int64_t	v;

	pthread_mutex_lock(&w->mtx);
	v = *field;
	pthread_mutex_unlock(&w->mtx);
	return (v);
}

/* Wait up to ms for a sample after since in *field; returns its time or 0. */
static int64_t
watch_wait(struct watch *w, const int64_t *field, int64_t since, int ms)
{
	int64_t	v;
	int	i;

	for (i = 0; i < ms / 5; i++) {
		if ((v = watch_get(w, field)) > since)
			return (v);
		tp_sleep(5);
	}
	return (0);
}

/* How long `health --watch` says DOWN after the server is back. */
static void
test_health_watch(void)
{
	struct watch	 w;
	pthread_t	 th;
	int64_t		 t0, ready, up, down_for;
	int		 rc, i, status;

	memset(&w, 0, sizeof(w));
	if (!watch_start(&w)) {
		skip(8, "MCPDB_BIN not set or not runnable, or no Redis");
		return;
	}
	pthread_create(&th, NULL, watch_main, &w);
	ok(watch_wait(&w, &w.last_up, 0, 10000) != 0, "health --watch 1 says "
	    "up");
	t0 = tp_now();
	is_int(fault("pg-stop"), 0, "PostgreSQL stopped");
	ok(watch_wait(&w, &w.last_down, t0, 5000) != 0, "health --watch says "
	    "DOWN");
	tp_sleep(1500);		/* several DOWN samples: breaker open */
	ready = restart_ready(&rc);
	up = watch_wait(&w, &w.last_up, ready, 10000);
	down_for = up ? up - ready : 10000000;
	ok(rc == 0 && up != 0 && down_for < 2000000, "health --watch 1 says "
	    "up %.0f ms after the server is ready (sample interval 1 s; old "
	    "breaker: ~5 s)", (double)down_for / 1000);
	diag("health --watch figure: DOWN persisted %.0f ms after the server "
	    "was ready (watch interval 1000 ms)", (double)down_for / 1000);

	/* The same for Redis (its client has the same breaker). */
	ok(watch_wait(&w, &w.rd_up, 0, 5000) != 0, "health --watch says Redis "
	    "is up");
	t0 = tp_now();
	is_int(fault("redis-stop"), 0, "Redis stopped");
	ok(watch_wait(&w, &w.rd_down, t0, 5000) != 0, "health --watch says "
	    "Redis is DOWN");
	tp_sleep(1500);
	rc = fault("redis-start");
	ready = tp_now();
	up = watch_wait(&w, &w.rd_up, ready, 10000);
	down_for = up ? up - ready : 10000000;
	ok(rc == 0 && up != 0 && down_for < 2000000, "health --watch 1 says "
	    "Redis is up %.0f ms after redis-start returned",
	    (double)down_for / 1000);
	diag("health --watch figure (Redis): DOWN persisted %.0f ms after "
	    "redis-start returned", (double)down_for / 1000);
	kill(w.pid, SIGINT);
	for (i = 0; i < 300 && waitpid(w.pid, &status, WNOHANG) == 0; i++)
		tp_sleep(10);
	if (i == 300) {
		kill(w.pid, SIGKILL);
		waitpid(w.pid, &status, 0);
	}
	pthread_join(th, NULL);
	fclose(w.fp);
	pthread_mutex_destroy(&w.mtx);
}

/* ---------------------------------------------------------- frozen */

static bool
idle_is(const struct pool_stats *s, int n)
{
	return (s->idle == n);
}

static void
test_frozen(void)
{
	struct conf_target	 t;
	struct mc_err		 err = { 0 };
	struct pool		*p, *q;
	PGconn			*a, *b;
	PGresult		*res;
	int64_t			 t0, ms;

	memset(&t, 0, sizeof(t));
	conf_target_defaults(&t);
	t.name = (char *)"frozen";
	t.pg = fault_url;
	t.pool.min = 0;
	t.pool.max = 2;
	t.pool.acquire_timeout_ms = 1000;
	t.pool.validate_after_idle_ms = 0;
	t.pool.connect_timeout_s = 2;
	p = pool_new(&t, NULL, "t-frozen", &err);
	a = pool_acquire(p, "held", &err);
	b = pool_acquire(p, "idle", &err);
	ok(a != NULL && b != NULL, "two connections: %s", err.msg);
	pool_release(p, b);
	ok(tp_wait(p, idle_is, 1, 1000), "one idle");

	is_int(fault("pg-freeze"), 0, "PostgreSQL frozen (SIGSTOP)");
	t0 = tp_now();
	res = pool_query_deadline(p, a, "SELECT 1", 0, NULL, 500, &err);
	ms = (tp_now() - t0) / 1000;
	ok(res == NULL && err.code == MC_E_TIMEOUT, "query on a frozen server "
	    "times out: %s", err.msg);
	ok(ms >= 490 && ms < 900, "on time (%lld ms for 500)", (long long)ms);
	PQclear(res);
	pool_release(p, a);

	t0 = tp_now();
	b = pool_acquire(p, "frozen", &err);
	ms = (tp_now() - t0) / 1000;
	ok(b == NULL && err.code == MC_E_TIMEOUT, "acquire (validation, then "
	    "a new connection) times out: %s", err.msg);
	ok(ms >= 950 && ms < 1500, "on time (%lld ms for 1000)", (long long)ms);
	if (b != NULL)
		pool_release(p, b);
	ok(pool_stats(p).failed_validations == 1, "the idle connection failed "
	    "validation");

	/* A new pool must not block on a server that never answers. */
	t.pool.min = 1;
	t0 = tp_now();
	q = pool_new(&t, NULL, "t-frozen-new", &err);
	ms = (tp_now() - t0) / 1000;
	ok(q != NULL && ms < 500, "pool_new against a frozen server returns at "
	    "once (%lld ms)", (long long)ms);
	{
		struct pool	*r;

		/* Its maintainer is inside a 2 s connect: freeing does not wait it out. */
		r = pool_new(&t, NULL, "t-frozen-free", &err);
		usleep(300 * 1000);
		t0 = tp_now();
		pool_free(r);
		ms = (tp_now() - t0) / 1000;
		ok(ms < 600, "pool_free during a connect to a frozen server is prompt "
		    "(%lld ms; the connect timeout is 2 s)", (long long)ms);
	}

	is_int(fault("pg-thaw"), 0, "PostgreSQL thawed");
	t0 = tp_now();
	do {
		b = pool_acquire(q, "thawed", &err);
	} while (b == NULL && tp_now() - t0 < 10000000);
	ok(b != NULL, "the new pool lends after the thaw");
	pool_release(q, b);
	pool_free(q);
	t0 = tp_now();
	do {
		b = pool_acquire(p, "thawed", &err);
	} while (b == NULL && tp_now() - t0 < 10000000);
	ok(b != NULL && tp_scalar(b, "SELECT 1") == 1, "lends again after "
	    "the thaw (%.2f s)", (double)(tp_now() - t0) / 1e6);
	pool_release(p, b);
	t0 = tp_now();
	pool_free(p);
	ok(tp_now() - t0 < 3000000, "pool_free is prompt (%lld ms)",
	    (long long)((tp_now() - t0) / 1000));
}

int
main(void)
{
	if (getenv("MCPDB_TEST_PGURL") == NULL)
		skip_all("MCPDB_TEST_PGURL not set; run under "
		    "tests/harness/with-servers.sh");
	fault_up();
	test_restart();
	test_recovery();
	test_health_watch();
	test_frozen();
	fault_cleanup();
	return (done_testing());
}
