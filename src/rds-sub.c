/*
 * rds-sub.c - the Pub/Sub subscriber: a dedicated connection on its own
 * thread that delivers messages to a callback and survives restarts and
 * failovers.
 *
 * Model: the thread owns one hiredis context. It never does a blocking read:
 * it poll()s the socket and a wake-up pipe with a deadline, and reads only
 * what is there (redisBufferRead once, then every reply already buffered).
 * So a quiet channel is never mistaken for a dead one (a read timeout would
 * kill a hiredis 0.14 context). Liveness comes from PING every ping_ms; in
 * subscribed mode the reply is ["pong", ""]. A late PONG, EOF or any error
 * drops the context, waits a backoff with full jitter, dials again (through
 * Sentinel when configured) and subscribes to every channel and pattern
 * again. Messages published during the gap are lost (Pub/Sub is
 * fire-and-forget), and the callback is told so with RDS_SUB_LOST.
 */
#include "config.h"

#include "rds.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <hiredis/hiredis.h>

#include "rds-cluster.h"
#include "rds-int.h"
#include "xmem.h"
#include "clk.h"

struct rds_sub {
	struct rds		*r;
	char			**chan;
	size_t			 nchan;
	char			**pat;
	size_t			 npat;
	int			 ping_ms;
	bool			 sharded;	/* SSUBSCRIBE on the slot's master */
	int			 slot;		/* their slot (sharded) */
	rds_sub_cb		 cb;
	void			*arg;
	pthread_t		 thr;
	int			 wake[2];	/* self-pipe: rds_sub_free -> thread */

	pthread_mutex_t		 mtx;		/* the fields below */
	pthread_cond_t		 cond;		/* ready or failed changed */
	bool			 stop;
	bool			 ready;		/* first subscription confirmed */
	bool			 failed;	/* first attempt failed: thread exits */
	struct mc_err		 first_err;
	struct rds_sub_stats	 st;
};

/* Per-connection state of the thread (only the thread touches it). */
struct rds_sub_conn {
	redisContext	*c;
	struct rdstls	*tls;		/* rediss://: its TLS session; else NULL */
	char		 ep[160];
	size_t		 confirmed;	/* subscribe/psubscribe acks since dialling */
	bool		 subscribed;	/* all acks in */
	int64_t		 sub_deadline;	/* acks must arrive before this */
	int64_t		 next_ping;
	int64_t		 pong_deadline;	/* 0: no PING outstanding */
};

/* Has rds_sub_free asked the thread to stop? */
static bool
rds_sub_stopping(struct rds_sub *sub)
{
	bool	stop;

	pthread_mutex_lock(&sub->mtx);
	stop = sub->stop;
	pthread_mutex_unlock(&sub->mtx);
	return (stop);
}

/* Sleep up to us, waking early when rds_sub_free writes to the pipe. */
static void
rds_sub_nap(struct rds_sub *sub, int64_t us)
{
	struct pollfd	pfd = { .fd = sub->wake[0], .events = POLLIN };
	char		junk[16];

	if (us <= 0)
		return;
	if (poll(&pfd, 1, (int)((us + 999) / 1000)) > 0)
		while (read(sub->wake[0], junk, sizeof(junk)) > 0)
			;
}

/*
 * Queue one command: in the context's output buffer for plaintext, written
 * at once over TLS (bounded by the command timeout).
 */
static int
rds_sub_cmd(struct rds_sub *sub, struct rds_sub_conn *k, int argc,
    const char **argv)
{
	char	*cmd = NULL;
	int	 len, rc;

	if (k->tls == NULL)
		return (redisAppendCommandArgv(k->c, argc, argv, NULL));
	if ((len = redisFormatCommandArgv(&cmd, argc, argv, NULL)) < 0)
		return (-1);
	rc = rdstls_write(k->tls, k->c, cmd, (size_t)len,
	    sub->r->command_timeout_ms);
	redisFreeCommand(cmd);
	return (rc);
}

/* Close a connection (its TLS session first). */
static void
rds_sub_close(struct rds_sub_conn *k)
{
	rdstls_close(k->tls);
	k->tls = NULL;
	if (k->c != NULL)
		redisFree(k->c);
	k->c = NULL;
}

/*
 * Flush the context's output buffer (blocking socket, SO_SNDTIMEO
 * bounded); over TLS rds_sub_cmd has written everything already.
 */
static int
rds_sub_flush(struct rds_sub_conn *k)
{
	redisContext	*c = k->c;
	int		 done = 0;

	if (k->tls != NULL)
		return (0);
	do {
		if (redisBufferWrite(c, &done) != REDIS_OK)
			return (-1);
	} while (!done);
	return (0);
}

/* Queue SUBSCRIBE and PSUBSCRIBE for everything and send them. */
static int
rds_sub_send_subscribe(struct rds_sub *sub, struct rds_sub_conn *k)
{
	const char	**argv;
	size_t		  i, n = sub->nchan > sub->npat ? sub->nchan : sub->npat;
	int		  rc = 0;

	argv = xcalloc(n + 1, sizeof(char *));
	if (sub->nchan > 0) {
		argv[0] = sub->sharded ? "SSUBSCRIBE" : "SUBSCRIBE";
		for (i = 0; i < sub->nchan; i++)
			argv[i + 1] = sub->chan[i];
		if (rds_sub_cmd(sub, k, (int)sub->nchan + 1, argv) != REDIS_OK)
			rc = -1;
	}
	if (rc == 0 && sub->npat > 0) {
		argv[0] = "PSUBSCRIBE";
		for (i = 0; i < sub->npat; i++)
			argv[i + 1] = sub->pat[i];
		if (rds_sub_cmd(sub, k, (int)sub->npat + 1, argv) != REDIS_OK)
			rc = -1;
	}
	free(argv);
	if (rc == 0)
		rc = rds_sub_flush(k);
	return (rc);
}

/* Call the callback with an event. */
static void
rds_sub_event(struct rds_sub *sub, enum rds_sub_event kind, const char *detail)
{
	struct rds_sub_msg	m;

	memset(&m, 0, sizeof(m));
	m.kind = kind;
	m.detail = detail;
	m.data = "";
	pthread_mutex_lock(&sub->mtx);
	m.reconnects = sub->st.reconnects;
	pthread_mutex_unlock(&sub->mtx);
	sub->cb(sub->arg, &m);
}

/*
 * Drop the connection after an error. Tells the callback when a
 * subscription was live, and schedules the next dial with backoff.
 */
static void
rds_sub_lose(struct rds_sub *sub, struct rds_sub_conn *k, struct backoff *bo,
    int64_t *next_attempt, const char *why)
{
	char	msg[256];
	bool	was = k->subscribed;
	int	delay;

	rds_scrub(sub->r, msg, sizeof(msg), why);
	rds_sub_close(k);
	k->subscribed = false;
	delay = backoff_next_ms(bo);
	*next_attempt = clk_mono_us() + (int64_t)delay * 1000;
	pthread_mutex_lock(&sub->mtx);
	sub->st.connected = false;
	snprintf(sub->st.last_error, sizeof(sub->st.last_error), "%s", msg);
	pthread_mutex_unlock(&sub->mtx);
	log_msg(sub->r->log, was ? LOGL_WARN : LOGL_INFO,
	    "redis subscriber: %s; reconnecting in %d ms",
	    msg, delay);
	if (was)
		rds_sub_event(sub, RDS_SUB_LOST, msg);
}

/* Handle one reply in subscribed mode. Returns -1 on a reply that ends the connection. */
static int
rds_sub_reply(struct rds_sub *sub, struct rds_sub_conn *k, redisReply *rep,
    char *why, size_t whylen)
{
	struct rds_sub_msg	 m;
	const char		*kind;
	bool			 first;

	if (rep->type == REDIS_REPLY_ERROR) {
		snprintf(why, whylen, "redis %s: subscriber: %s", k->ep, rep->str);
		return (-1);
	}
	if (rep->type != REDIS_REPLY_ARRAY || rep->elements < 1 ||
	    rep->element[0]->type != REDIS_REPLY_STRING)
		return (0);
	kind = rep->element[0]->str;
	memset(&m, 0, sizeof(m));
	if ((strcmp(kind, "message") == 0 || strcmp(kind, "smessage") == 0) &&
	    rep->elements == 3) {
		m.kind = RDS_SUB_MESSAGE;
		m.channel = rep->element[1]->str;
		m.data = rep->element[2]->str ? rep->element[2]->str : "";
		m.len = rep->element[2]->len;
	} else if (strcmp(kind, "pmessage") == 0 && rep->elements == 4) {
		m.kind = RDS_SUB_MESSAGE;
		m.pattern = rep->element[1]->str;
		m.channel = rep->element[2]->str;
		m.data = rep->element[3]->str ? rep->element[3]->str : "";
		m.len = rep->element[3]->len;
	} else if (strcmp(kind, "sunsubscribe") == 0) {
		/* The server dropped us: the slot moved (failover, resharding). */
		snprintf(why, whylen, "redis %s: the channels' slot %d moved to "
		    "another node (sunsubscribe)", k->ep, sub->slot);
		return (-1);
	} else if (strcmp(kind, "subscribe") == 0 || strcmp(kind, "psubscribe") == 0 ||
	    strcmp(kind, "ssubscribe") == 0) {
		if (++k->confirmed < sub->nchan + sub->npat || k->subscribed)
			return (0);
		k->subscribed = true;
		k->next_ping = clk_mono_us() + (int64_t)sub->ping_ms * 1000;
		pthread_mutex_lock(&sub->mtx);
		first = !sub->ready;
		if (!first)
			sub->st.reconnects++;
		sub->st.connected = true;
		pthread_mutex_unlock(&sub->mtx);
		log_msg(sub->r->log, first ? LOGL_DEBUG : LOGL_INFO,
		    "redis subscriber: %ssubscribed to %zu channels and %zu patterns at %s",
		    first ? "" : "re", sub->nchan, sub->npat, k->ep);
		/* The callback hears SUBSCRIBED before rds_sub_new returns. */
		rds_sub_event(sub, RDS_SUB_SUBSCRIBED, k->ep);
		if (first) {
			pthread_mutex_lock(&sub->mtx);
			sub->ready = true;
			pthread_cond_broadcast(&sub->cond);
			pthread_mutex_unlock(&sub->mtx);
		}
		return (0);
	} else if (strcmp(kind, "pong") == 0) {
		k->pong_deadline = 0;
		k->next_ping = clk_mono_us() + (int64_t)sub->ping_ms * 1000;
		pthread_mutex_lock(&sub->mtx);
		sub->st.pings++;
		pthread_mutex_unlock(&sub->mtx);
		return (0);
	} else
		return (0);
	pthread_mutex_lock(&sub->mtx);
	sub->st.messages++;
	m.reconnects = sub->st.reconnects;
	pthread_mutex_unlock(&sub->mtx);
	sub->cb(sub->arg, &m);
	return (0);
}

/* Read what the socket has and dispatch every complete reply. */
static int
rds_sub_read(struct rds_sub *sub, struct rds_sub_conn *k, char *why, size_t whylen)
{
	redisReply	*rep;

	if ((k->tls != NULL ? rdstls_read_avail(k->tls, k->c) :
	    redisBufferRead(k->c)) != REDIS_OK) {
		snprintf(why, whylen, "redis %s: %s", k->ep, k->c->errstr);
		return (-1);
	}
	for (;;) {
		if (redisGetReplyFromReader(k->c, (void **)&rep) != REDIS_OK) {
			snprintf(why, whylen, "redis %s: %s", k->ep, k->c->errstr);
			return (-1);
		}
		if (rep == NULL)
			return (0);
		if (rds_sub_reply(sub, k, rep, why, whylen) == -1) {
			freeReplyObject(rep);
			return (-1);
		}
		freeReplyObject(rep);
	}
}

/* Dial and send the subscriptions. On failure fills why. */
static int
rds_sub_connect(struct rds_sub *sub, struct rds_sub_conn *k, char *why, size_t whylen)
{
	struct mc_err	e = { 0 };

	memset(k, 0, sizeof(*k));
	if ((sub->sharded && sub->r->cl != NULL ?
	    rds_cluster_dial_slot(sub->r->cl, sub->slot, "-sub", &k->c,
	    &k->tls, k->ep, sizeof(k->ep), &e) :
	    rds_dial_tls(sub->r, "-sub", &k->c, &k->tls, k->ep, sizeof(k->ep),
	    &e)) == -1) {
		snprintf(why, whylen, "%s", e.msg);
		return (-1);
	}
	if (rds_sub_send_subscribe(sub, k) == -1) {
		snprintf(why, whylen, "redis %s: SUBSCRIBE: %s", k->ep, k->c->errstr);
		rds_sub_close(k);
		return (-1);
	}
	k->sub_deadline = clk_mono_us() + (int64_t)sub->r->command_timeout_ms * 1000;
	return (0);
}

/*
 * Before the first confirmed subscription, any failure ends the thread and
 * is handed to the waiting rds_sub_new. Returns true when that happened.
 */
static bool
rds_sub_fail_first(struct rds_sub *sub, enum mc_code code, const char *why)
{
	pthread_mutex_lock(&sub->mtx);
	if (sub->ready) {
		pthread_mutex_unlock(&sub->mtx);
		return (false);
	}
	sub->failed = true;
	mc_err_set(&sub->first_err, code, "%s", why);
	pthread_cond_broadcast(&sub->cond);
	pthread_mutex_unlock(&sub->mtx);
	return (true);
}

/* The subscriber thread. */
static void *
rds_sub_main(void *arg)
{
	struct rds_sub		*sub = arg;
	struct rds_sub_conn	 k;
	struct backoff		 bo;
	struct pollfd		 pfd[2];
	int64_t			 now, next_attempt = 0, until;
	char			 why[600], junk[16];
	int			 n, tmo_ms = sub->r->command_timeout_ms;
	const char		*ping[1] = { "PING" };

	memset(&k, 0, sizeof(k));
	pthread_mutex_lock(&sub->r->mtx);
	backoff_init(&bo, sub->r->bo.base_ms, sub->r->bo.cap_ms, 0);
	pthread_mutex_unlock(&sub->r->mtx);
	while (!rds_sub_stopping(sub)) {
		now = clk_mono_us();
		if (k.c == NULL) {
			if (now < next_attempt) {
				rds_sub_nap(sub, next_attempt - now);
				continue;
			}
			if (rds_sub_connect(sub, &k, why, sizeof(why)) == -1) {
				/* The first attempt decides whether rds_sub_new succeeds. */
				if (rds_sub_fail_first(sub, MC_E_CONNECT, why))
					break;
				rds_sub_lose(sub, &k, &bo, &next_attempt, why);
				continue;
			}
		}
		/* Sleep until data, a wake-up, or the next PING / PONG / ack deadline. */
		if (!k.subscribed)
			until = k.sub_deadline;
		else if (k.pong_deadline != 0)
			until = k.pong_deadline;
		else
			until = k.next_ping;
		pfd[0] = (struct pollfd){ .fd = k.c->fd, .events = POLLIN };
		pfd[1] = (struct pollfd){ .fd = sub->wake[0], .events = POLLIN };
		n = poll(pfd, 2, until > now ? (int)((until - now + 999) / 1000) : 0);
		if (n < 0 && errno != EINTR) {
			snprintf(why, sizeof(why), "poll: %s", strerror(errno));
			if (rds_sub_fail_first(sub, MC_E_SYS, why))
				break;
			rds_sub_lose(sub, &k, &bo, &next_attempt, why);
			continue;
		}
		if (n > 0 && (pfd[1].revents & POLLIN))
			while (read(sub->wake[0], junk, sizeof(junk)) > 0)
				;
		if (n > 0 && (pfd[0].revents & (POLLIN | POLLHUP | POLLERR))) {
			if (rds_sub_read(sub, &k, why, sizeof(why)) == -1) {
				if (rds_sub_fail_first(sub, MC_E_REDIS, why))
					break;
				rds_sub_lose(sub, &k, &bo, &next_attempt, why);
				continue;
			}
			if (k.subscribed)
				backoff_reset(&bo);
		}
		now = clk_mono_us();
		if (!k.subscribed && now >= k.sub_deadline) {
			snprintf(why, sizeof(why), "redis %s: SUBSCRIBE not confirmed within "
			    "%d ms", k.ep, tmo_ms);
			if (rds_sub_fail_first(sub, MC_E_TIMEOUT, why))
				break;
			rds_sub_lose(sub, &k, &bo, &next_attempt, why);
		} else if (k.subscribed && k.pong_deadline != 0 && now >= k.pong_deadline) {
			snprintf(why, sizeof(why), "redis %s: no PONG within %d ms", k.ep, tmo_ms);
			rds_sub_lose(sub, &k, &bo, &next_attempt, why);
		} else if (k.subscribed && k.pong_deadline == 0 && now >= k.next_ping) {
			if (rds_sub_cmd(sub, &k, 1, ping) != REDIS_OK ||
			    rds_sub_flush(&k) == -1) {
				snprintf(why, sizeof(why), "redis %s: PING: %s", k.ep, k.c->errstr);
				rds_sub_lose(sub, &k, &bo, &next_attempt, why);
				continue;
			}
			k.pong_deadline = now + (int64_t)tmo_ms * 1000;
		}
	}
	rds_sub_close(&k);
	return (NULL);
}

/* Copy a list of n strings. */
static char **
rds_sub_strv(const char *const *v, size_t n)
{
	char	**out = xcalloc(n ? n : 1, sizeof(char *));
	size_t	  i;

	for (i = 0; i < n; i++)
		out[i] = xstrdup(v[i]);
	return (out);
}

/* Free everything but the thread. */
static void
rds_sub_destroy(struct rds_sub *sub)
{
	size_t	i;

	for (i = 0; i < sub->nchan; i++)
		free(sub->chan[i]);
	for (i = 0; i < sub->npat; i++)
		free(sub->pat[i]);
	free(sub->chan);
	free(sub->pat);
	close(sub->wake[0]);
	close(sub->wake[1]);
	pthread_cond_destroy(&sub->cond);
	pthread_mutex_destroy(&sub->mtx);
	free(sub);
}

/* Start the thread and wait for the first confirmed subscription. */
struct rds_sub *
rds_sub_new(struct rds *r, const struct rds_sub_spec *spec, struct mc_err *err)
{
	struct rds_sub	*sub;
	size_t		 i;
	int		 rc;

	if (spec == NULL || spec->cb == NULL)
		return (mc_err_set(err, MC_E_INTERNAL, "rds_sub_new: no callback"), NULL);
	if (spec->nchannels + spec->npatterns == 0)
		return (mc_err_set(err, MC_E_USAGE, "subscribe: name at least one "
		    "channel or pattern"), NULL);
	for (i = 0; i < spec->nchannels + spec->npatterns; i++) {
		const char *s = i < spec->nchannels ? spec->channels[i] :
		    spec->patterns[i - spec->nchannels];

		if (s == NULL || *s == '\0')
			return (mc_err_set(err, MC_E_USAGE, "subscribe: empty channel or "
			    "pattern name"), NULL);
	}
	if (spec->sharded && spec->npatterns > 0)
		return (mc_err_set(err, MC_E_USAGE, "subscribe: sharded Pub/Sub "
		    "has no patterns (SSUBSCRIBE takes channel names)"), NULL);
	for (i = 1; spec->sharded && i < spec->nchannels; i++)
		if (rds_cluster_keyslot(spec->channels[i], strlen(spec->channels[i])) !=
		    rds_cluster_keyslot(spec->channels[0], strlen(spec->channels[0])))
			return (mc_err_set(err, MC_E_INPUT, "CROSSSLOT: sharded "
			    "channels \"%.60s\" (slot %d) and \"%.60s\" (slot %d) are "
			    "in different hash slots; one SSUBSCRIBE takes channels of "
			    "one slot (use a {hash tag}, or subscribe per slot)",
			    spec->channels[0], rds_cluster_keyslot(spec->channels[0],
			    strlen(spec->channels[0])), spec->channels[i],
			    rds_cluster_keyslot(spec->channels[i],
			    strlen(spec->channels[i]))), NULL);
	sub = xcalloc(1, sizeof(*sub));
	sub->r = r;
	sub->sharded = spec->sharded;
	sub->slot = spec->sharded ? rds_cluster_keyslot(spec->channels[0],
	    strlen(spec->channels[0])) : -1;
	sub->chan = rds_sub_strv(spec->channels, spec->nchannels);
	sub->nchan = spec->nchannels;
	sub->pat = rds_sub_strv(spec->patterns, spec->npatterns);
	sub->npat = spec->npatterns;
	sub->ping_ms = spec->ping_ms > 0 ? spec->ping_ms : 1000;
	sub->cb = spec->cb;
	sub->arg = spec->arg;
	pthread_mutex_init(&sub->mtx, NULL);
	pthread_cond_init(&sub->cond, NULL);
	if (pipe2(sub->wake, O_CLOEXEC | O_NONBLOCK) == -1) {
		mc_err_sys(err, "subscribe: pipe");
		sub->wake[0] = sub->wake[1] = -1;
		rds_sub_destroy(sub);
		return (NULL);
	}
	if ((rc = pthread_create(&sub->thr, NULL, rds_sub_main, sub)) != 0) {
		errno = rc;
		mc_err_sys(err, "subscribe: cannot start the subscriber thread");
		rds_sub_destroy(sub);
		return (NULL);
	}
	pthread_mutex_lock(&sub->mtx);
	while (!sub->ready && !sub->failed)
		pthread_cond_wait(&sub->cond, &sub->mtx);
	pthread_mutex_unlock(&sub->mtx);
	if (sub->failed) {
		pthread_join(sub->thr, NULL);
		mc_err_copy(err, &sub->first_err);
		rds_sub_destroy(sub);
		return (NULL);
	}
	return (sub);
}

/* Stop, join and free. */
void
rds_sub_free(struct rds_sub *sub)
{
	if (sub == NULL)
		return;
	pthread_mutex_lock(&sub->mtx);
	sub->stop = true;
	pthread_mutex_unlock(&sub->mtx);
	(void)!write(sub->wake[1], "x", 1);
	pthread_join(sub->thr, NULL);
	rds_sub_destroy(sub);
}

/* Copy the counters. */
void
rds_sub_stats(struct rds_sub *sub, struct rds_sub_stats *st)
{
	pthread_mutex_lock(&sub->mtx);
	*st = sub->st;
	pthread_mutex_unlock(&sub->mtx);
}
