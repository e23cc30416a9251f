/*
 * rds-watch.c - Sentinel push (see rds-watch.h). The watcher's own client
 * for a sentinel is a plain rds on "redis[s]://[user:pass@]host:port" built
 * from the target's sentinel list and credentials, so the subscription
 * gets TLS, AUTH, PINGs and reconnects from rds_sub.
 */
#include "config.h"

#include "rds-watch.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clk.h"
#include "rds-int.h"
#include "rdsuri.h"
#include "xmem.h"

/* A sentinel unreachable this long: move to the next one. */
#define RDS_WATCH_MOVE_MS	2000

struct rds_watch {
	struct rds		*r;		/* the client it steers (borrowed) */
	const struct conf_target *t;		/* borrowed */
	struct logger		*log;
	pthread_t		 thr;
	pthread_mutex_t		 mtx;
	pthread_cond_t		 cv;
	bool			 stop;
	size_t			 cur;		/* the sentinel listened to */
	char			 via[64];
};

bool
rds_watch_parse_switch(const char *data, const char *name, char *host, size_t hlen, int *port)
{
	char	nm[256], oh[128], nh[128];
	int	op, np;

	if (sscanf(data, "%255s %127s %d %127s %d", nm, oh, &op, nh, &np) != 5)
		return (false);
	if (strcmp(nm, name) != 0 || np < 1 || np > 65535)
		return (false);
	snprintf(host, hlen, "%s", nh);
	*port = np;
	return (true);
}

/* Subscriber thread: one event from the sentinel. */
static void
rds_watch_msg(void *arg, const struct rds_sub_msg *m)
{
	struct rds_watch	*w = arg;
	char			 host[128], text[320];
	int			 port;

	if (m->kind == RDS_SUB_SUBSCRIBED) {
		rds_push_state(w->r, true, w->via);
		return;
	}
	if (m->kind == RDS_SUB_LOST) {
		rds_push_state(w->r, false, w->via);
		return;
	}
	if (strcmp(m->channel, "+switch-master") == 0) {
		if (!rds_watch_parse_switch(m->data, w->t->redis_opts.sentinel_master, host,
		    sizeof(host), &port))
			return;
		snprintf(text, sizeof(text), "+switch-master %s: now %s:%d (sentinel %s)",
		    w->t->redis_opts.sentinel_master, host, port, w->via);
		rds_push_event(w->r, text, true);
		return;
	}
	/* +sdown/+odown: "<type> <name> <ip> <port> ..." about a master, replica or sentinel. */
	snprintf(text, sizeof(text), "%s %.160s", m->channel, m->data);
	rds_push_event(w->r, text, false);
}

/* Wait ms on the watcher's condition; true when told to stop. */
static bool
rds_watch_wait(struct rds_watch *w, int ms)
{
	struct timespec	ts;
	bool		stop;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += ms / 1000;
	ts.tv_nsec += (long)(ms % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&w->mtx);
	if (!w->stop)
		pthread_cond_timedwait(&w->cv, &w->mtx, &ts);
	stop = w->stop;
	pthread_mutex_unlock(&w->mtx);
	return (stop);
}

/* A client for sentinel number i (no sentinels of its own). NULL on error. */
static struct rds *
rds_watch_client(struct rds_watch *w, size_t i)
{
	const struct conf_redis	*o = &w->t->redis_opts;
	struct conf_target	 st;
	struct rds		*sc;
	struct mc_err		 err = { 0 };
	char			 host[128], *url;
	int			 port;
	bool			 tls = w->t->redis != NULL && strncmp(w->t->redis, "rediss://", 9) == 0;

	if (!rds_hostport(o->sentinels[i], host, sizeof(host), &port))
		return (NULL);
	url = rdsuri_build(tls, host, port, o->sentinel_username, o->sentinel_password);
	st = *w->t;
	st.redis = url;
	st.redis_opts.sentinels = NULL;
	st.redis_opts.nsentinels = 0;
	st.redis_opts.sentinel_master = NULL;
	st.redis_opts.max_connections = 1;
	sc = rds_new(&st, w->log, "sentinel-watch", &err);
	free(url);
	return (sc);
}

/* The watcher's thread: listen to one sentinel; move on when it is gone. */
static void *
rds_watch_main(void *arg)
{
	struct rds_watch	*w = arg;
	const struct conf_redis	*o = &w->t->redis_opts;
	static const char *const ch[] = { "+switch-master", "+sdown", "+odown" };
	struct rds_sub_spec	 spec = { .channels = ch, .nchannels = 3, .ping_ms = 1000,
				    .cb = rds_watch_msg, .arg = w };
	struct rds_sub_stats	 ss;
	struct rds		*sc;
	struct rds_sub		*sub;
	struct mc_err		 err;
	int64_t			 down_since;

	while (!rds_watch_wait(w, 0)) {
		snprintf(w->via, sizeof(w->via), "%s", o->sentinels[w->cur]);
		memset(&err, 0, sizeof(err));
		sub = NULL;
		if ((sc = rds_watch_client(w, w->cur)) != NULL)
			sub = rds_sub_new(sc, &spec, &err);
		if (sub == NULL) {
			log_msg(w->log, LOGL_INFO, "sentinel push: %s: %s; trying the next "
			    "sentinel", w->via, err.msg[0] ? err.msg : "cannot make a client");
			rds_free(sc);
			w->cur = (w->cur + 1) % o->nsentinels;
			if (rds_watch_wait(w, 500))
				break;
			continue;
		}
		log_msg(w->log, LOGL_INFO, "sentinel push: listening to %s for +switch-master",
		    w->via);
		down_since = 0;
		while (!rds_watch_wait(w, 200)) {
			rds_sub_stats(sub, &ss);
			if (ss.connected) {
				down_since = 0;
				continue;
			}
			if (down_since == 0)
				down_since = clk_mono_us();
			else if (clk_mono_us() - down_since >= RDS_WATCH_MOVE_MS * 1000LL &&
			    o->nsentinels > 1)
				break;
		}
		rds_sub_free(sub);
		rds_free(sc);
		rds_push_state(w->r, false, w->via);
		w->cur = (w->cur + 1) % o->nsentinels;
	}
	return (NULL);
}

struct rds_watch *
rds_watch_new(struct rds *r, const struct conf_target *t, struct logger *log)
{
	struct rds_watch	*w;

	if (r == NULL || t == NULL || t->redis_opts.nsentinels == 0 ||
	    t->redis_opts.sentinel_master == NULL)
		return (NULL);
	w = xcalloc(1, sizeof(*w));
	w->r = r;
	w->t = t;
	w->log = log;
	pthread_mutex_init(&w->mtx, NULL);
	pthread_cond_init(&w->cv, NULL);
	if (pthread_create(&w->thr, NULL, rds_watch_main, w) != 0) {
		pthread_cond_destroy(&w->cv);
		pthread_mutex_destroy(&w->mtx);
		free(w);
		return (NULL);
	}
	return (w);
}

void
rds_watch_free(struct rds_watch *w)
{
	if (w == NULL)
		return;
	pthread_mutex_lock(&w->mtx);
	w->stop = true;
	pthread_cond_signal(&w->cv);
	pthread_mutex_unlock(&w->mtx);
	pthread_join(w->thr, NULL);
	pthread_cond_destroy(&w->cv);
	pthread_mutex_destroy(&w->mtx);
	free(w);
}
