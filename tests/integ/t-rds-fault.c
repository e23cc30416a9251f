/*
 * t-rds-fault.c - the Redis client against a private redis-server that the
 * test freezes, kills and restarts: SIGPIPE (hiredis trap 5), CLIENT PAUSE
 * timing out on time and never re-sending a write (traps 1 and 3), and a
 * kill + restart with fail-fast while down, the circuit breaker's message,
 * resumption within the backoff cap and a subscriber that resubscribes.
 */
#include "config.h"

#include <sys/wait.h>

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <hiredis/hiredis.h>

#include "conf.h"
#include "rds-srv.h"
#include "rds.h"
#include "tap.h"

static struct rds_srv	*srv;

/* Monotonic milliseconds. */
static double
now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (ts.tv_sec * 1e3 + ts.tv_nsec / 1e6);
}

/* Sleep ms milliseconds. */
static void
sleep_ms(int ms)
{
	struct timespec	ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* A client of the private server with short, test-sized budgets. */
static struct rds *
client(int cmd_ms, int cap_ms, int open_ms)
{
	struct conf_target	 t;
	struct mc_err		 err = { 0 };
	struct rds		*r;

	memset(&t, 0, sizeof(t));
	conf_target_defaults(&t);
	t.name = "fault";
	t.redis = (char *)rds_srv_url(srv);
	t.redis_opts.connect_timeout_ms = 500;
	t.redis_opts.command_timeout_ms = cmd_ms;
	t.redis_opts.backoff_base_ms = 50;
	t.redis_opts.backoff_cap_ms = cap_ms;
	t.redis_opts.breaker_threshold = 3;
	t.redis_opts.breaker_open_ms = open_ms;
	if ((r = rds_new(&t, NULL, "fault", &err)) == NULL)
		bail_out("rds_new: %s", err.msg);
	return (r);
}

/*
 * A child writes 1 MB twice to a connection the server has closed. With
 * ignore it must survive (the write just fails); without, SIGPIPE kills it.
 */
static int
sigpipe_child(bool ignore)
{
	pid_t		 pid;
	int		 st;
	redisContext	*c;
	redisReply	*rep, *k;
	struct timeval	 tv = { 2, 0 };
	char		*big;
	int		 i;

	fflush(stdout);
	if ((pid = fork()) == 0) {
		signal(SIGPIPE, SIG_DFL);
		if (ignore)
			rds_ignore_sigpipe();
		c = redisConnectWithTimeout("127.0.0.1", srv->port, tv);
		if (c == NULL || c->err)
			_exit(3);
		redisSetTimeout(c, tv);
		rep = redisCommand(c, "CLIENT ID");
		if (rep == NULL)
			_exit(3);
		k = rds_srv_cmd(srv, "CLIENT KILL ID %lld", rep->integer);
		freeReplyObject(k);
		freeReplyObject(rep);
		sleep_ms(50);
		big = malloc(1 << 20);
		memset(big, 'x', 1 << 20);
		rep = NULL;
		for (i = 0; i < 4; i++)
			if ((rep = redisCommand(c, "SET k %b", big, (size_t)(1 << 20))) == NULL)
				break;
		i = rep == NULL ? 0 : 4;
		freeReplyObject(rep);
		free(big);
		redisFree(c);
		_exit(i);
	}
	waitpid(pid, &st, 0);
	return (st);
}

/* Trap 5. */
static void
test_sigpipe(void)
{
	int	st;

	st = sigpipe_child(false);
	ok(WIFSIGNALED(st) && WTERMSIG(st) == SIGPIPE,
	    "control: without rds_ignore_sigpipe a write to a dead socket kills the process");
	st = sigpipe_child(true);
	ok(WIFEXITED(st) && WEXITSTATUS(st) == 0,
	    "trap 5: with rds_ignore_sigpipe the write fails and the process lives (status %d)",
	    st);
}

/* CLIENT PAUSE: time out on time; a write whose outcome is unknown is not re-sent. */
static void
test_pause(void)
{
	struct rds		*r = client(500, 500, 500);
	struct mc_err		 err = { 0 };
	const char		*incr[] = { "INCR", "fault:counter" };
	struct rds_reply	*rep;
	struct rds_stats	*st;
	redisReply		*k;
	double			 t0, el, paused_at;
	char			*v = NULL;
	size_t			 len;
	int			 i, rc = -1;

	ok(rds_ping(r, NULL, &err) == 0, "warm connection: %s", err.msg);
	k = rds_srv_cmd(srv, "CLIENT PAUSE 3000 ALL");
	paused_at = now_ms();
	ok(k != NULL && k->type == REDIS_REPLY_STATUS, "server frozen with CLIENT PAUSE 3000 ALL");
	freeReplyObject(k);

	t0 = now_ms();
	rep = rds_command(r, 0, 2, incr, NULL, &err);
	el = now_ms() - t0;
	ok(rep == NULL && err.code == MC_E_TIMEOUT, "INCR on a frozen server times out");
	ok(el >= 450 && el < 1200, "after the 500 ms command timeout, not 3 s (%.0f ms)", el);
	like(err.msg, "no reply within 500 ms", "says so: %s", err.msg);
	like(err.msg, "outcome unknown", "and that a write's outcome is unknown");
	rds_reply_free(rep);

	t0 = now_ms();
	rc = rds_ping(r, NULL, &err);
	el = now_ms() - t0;
	ok(rc == -1 && el < 1500, "a PING while frozen fails within its budget too (%.0f ms): %s",
	    el, err.msg);
	st = rds_stats(r);
	is_int((long long)st->outcome_unknown, 1, "one write counted as outcome unknown");
	ok(st->disconnects >= 1, "trap 3: the timed-out context was discarded");
	rds_stats_free(st);

	sleep_ms((int)(paused_at + 3100 - now_ms()));
	for (i = 0; i < 100 && (rc = rds_ping(r, NULL, &err)) != 0; i++)
		sleep_ms(20);
	is_int(rc, 0, "trap 3: commands work again on a fresh context after the pause");
	/*
	 * The server drops a paused client's queued INCR when the client hangs
	 * up, so the key exists only if the client re-sent it after reconnecting.
	 */
	ok(rds_get(r, "fault:counter", &v, &len, &err) == -1 && err.code == MC_E_NOTFOUND,
	    "the timed-out INCR was not re-sent after the reconnect (counter %s)",
	    v ? v : "absent");
	free(v);
	rds_free(r);
}

struct inbox {
	pthread_mutex_t	mtx;
	int		subscribed, lost;
	char		last[64];
	char		lost_why[256];
};

/* Subscriber callback. */
static void
on_msg(void *arg, const struct rds_sub_msg *m)
{
	struct inbox	*in = arg;

	pthread_mutex_lock(&in->mtx);
	if (m->kind == RDS_SUB_MESSAGE)
		snprintf(in->last, sizeof(in->last), "%.*s", (int)m->len, m->data);
	else if (m->kind == RDS_SUB_SUBSCRIBED)
		in->subscribed++;
	else {
		in->lost++;
		snprintf(in->lost_why, sizeof(in->lost_why), "%s", m->detail);
	}
	pthread_mutex_unlock(&in->mtx);
}

/* Read an inbox field under its lock. */
static int
inbox_get(struct inbox *in, const int *field)
{
	int	v;

	pthread_mutex_lock(&in->mtx);
	v = *field;
	pthread_mutex_unlock(&in->mtx);
	return (v);
}

/* Kill and restart: fail fast, breaker message, resume within the cap, resubscribe. */
static void
test_restart(void)
{
	struct rds		*r = client(500, 1000, 1000);
	struct inbox		 in = { .mtx = PTHREAD_MUTEX_INITIALIZER };
	const char		*ch[] = { "fault:chan" };
	struct rds_sub_spec	 spec = { .channels = ch, .nchannels = 1, .ping_ms = 200,
				    .cb = on_msg, .arg = &in };
	struct rds_sub		*sub;
	struct rds_sub_stats	 ss;
	struct rds_stats	*st;
	struct mc_err		 err = { 0 };
	char			 breaker_msg[512] = "";
	double			 t0, el, worst = 0, killed, restarted, resumed = -1;
	int			 i, calls = 0, fast = 0;
	long long		 n = 0;
	char			 last[64];

	sub = rds_sub_new(r, &spec, &err);
	ok(sub != NULL, "subscriber up: %s", err.msg);
	if (sub == NULL)
		return;
	ok(rds_ping(r, NULL, &err) == 0, "client up");

	rds_srv_kill(srv);
	killed = now_ms();
	while (now_ms() - killed < 1500) {
		t0 = now_ms();
		if (rds_ping(r, NULL, &err) == 0)
			break;
		el = now_ms() - t0;
		calls++;
		if (el > worst)
			worst = el;
		if (err.code == MC_E_BREAKER) {
			fast++;
			if (breaker_msg[0] == '\0')
				snprintf(breaker_msg, sizeof(breaker_msg), "%s", err.msg);
		}
		sleep_ms(30);
	}
	ok(calls > 5 && worst < 1000, "while down, %d calls each failed within %.0f ms "
	    "(no queueing)", calls, worst);
	ok(fast > 0, "the breaker opened and %d calls failed fast", fast);
	/* 3 failures open it; a failed probe may have added one since. */
	like(breaker_msg, "circuit open after ", "breaker message: %s",
	    breaker_msg);
	ok(strstr(breaker_msg, " failures; next probe in ") != NULL ||
	    strstr(breaker_msg, " failures; a probe is connecting now") != NULL,
	    "says when the next probe is due");
	like(breaker_msg, "last error: ", "names the last error");
	like(breaker_msg, "Connection refused", "which was Connection refused");
	like(breaker_msg, "127.0.0.1:", "and the endpoint");
	for (i = 0; i < 100 && inbox_get(&in, &in.lost) == 0; i++)
		sleep_ms(10);
	is_int(inbox_get(&in, &in.lost), 1, "the subscriber reported the lost connection");

	ok(rds_srv_restart(srv) == 0, "server restarted on the same port");
	restarted = now_ms();
	while (now_ms() - restarted < 5000) {
		if (rds_ping(r, NULL, &err) == 0) {
			resumed = now_ms() - restarted;
			break;
		}
		sleep_ms(20);
	}
	ok(resumed >= 0 && resumed <= 1000 + 1000,
	    "commands resumed %.0f ms after the restart (within the probe schedule's "
	    "cap, breaker_open_ms 1000, + 1 s for a loaded box)", resumed);

	for (i = 0; i < 300 && inbox_get(&in, &in.subscribed) < 2; i++)
		sleep_ms(10);
	is_int(inbox_get(&in, &in.subscribed), 2, "the subscriber subscribed again");
	ok(rds_publish(r, "fault:chan", "after-restart", 13, &n, &err) == 0 && n == 1,
	    "a message published after the restart reaches 1 subscriber");
	for (i = 0; i < 200; i++) {
		pthread_mutex_lock(&in.mtx);
		snprintf(last, sizeof(last), "%s", in.last);
		pthread_mutex_unlock(&in.mtx);
		if (strcmp(last, "after-restart") == 0)
			break;
		sleep_ms(10);
	}
	is_str(last, "after-restart", "and the subscriber received it");
	rds_sub_stats(sub, &ss);
	is_int((long long)ss.reconnects, 1, "subscriber counted one reconnect");
	ok(ss.connected, "subscriber connected");
	rds_sub_free(sub);

	st = rds_stats(r);
	ok(st->reconnects >= 1, "client counted %llu reconnects", (unsigned long long)st->reconnects);
	ok(st->connect_failures >= 3, "and %llu failed dials", (unsigned long long)st->connect_failures);
	is_int(st->breaker.state, BREAKER_CLOSED, "breaker closed again");
	is_int(st->attempt, 0, "backoff reset");
	ok(st->breaker.rejected >= (uint64_t)fast, "breaker counted its rejections");
	rds_stats_free(st);
	rds_free(r);
}

int
main(void)
{
	if (getenv("MCPDB_TEST_REDIS") == NULL)
		skip_all("MCPDB_TEST_REDIS not set; run under tests/harness/with-servers.sh");
	if (!rds_srv_available())
		skip_all("redis-server not found");
	rds_ignore_sigpipe();
	if ((srv = rds_srv_start("fault", NULL, false)) == NULL)
		bail_out("cannot start a private redis-server");
	test_sigpipe();
	test_pause();
	test_restart();
	return (done_testing());
}
