/*
 * rds-int.h - internals shared by rds.c (commands, pool of contexts) and
 * rds-sub.c (the subscriber thread). Not for other modules.
 */
#ifndef MCPDB_RDS_INT_H
#define MCPDB_RDS_INT_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include <hiredis/hiredis.h>

#include "backoff.h"
#include "breaker.h"
#include "rds-hist.h"
#include "rds.h"
#include "rdstls.h"
#include "rdsuri.h"

#define RDS_NSLOTS	4	/* default contexts per client: the UI, a poller and jobs */
#define RDS_MAXSLOTS	256	/* redis_options.max_connections at most */

/* One blocking hiredis context, used by one thread at a time. */
struct rds_slot {
	redisContext	*c;	/* NULL until dialled; owned by the thread holding it */
	struct rdstls	*tls;	/* its TLS session, or NULL: plaintext */
	unsigned	 gen;	/* r->gen when dialled; older means "dial again" */
	bool		 busy;	/* checked out (under r->mtx) */
	bool		 old;	/* gen was stale at checkout: drop before use */
};

/* Counters of one command name. */
struct rds_cstat {
	char		name[32];
	uint64_t	calls;
	uint64_t	errors;
	struct rds_hist	hist;
};

struct rds {
	/* Immutable after rds_new. */
	struct logger	*log;
	char		*client_name;	/* "mcpdb-<component>" */
	char		 name[160];	/* rds_name() */
	struct rdsuri	 uri;		/* holds the password: never print it */
	int		 connect_timeout_ms;
	int		 command_timeout_ms;
	bool		 keepalive;
	char		*master;	/* Sentinel master name, or NULL */
	char		**sentinels;	/* "host:port", nsentinels of them; order under mtx */
	size_t		 nsentinels;
	char		 sentinel_user[128];	/* ACL user of the Sentinels, "" none */
	char		 sentinel_pass[256];	/* its password: never print it */
	struct rdstls_ctx *tls;		/* rediss:// settings, or NULL */
	char		 tls_name[256];	/* SNI + check name; "": host */

	pthread_mutex_t	 mtx;		/* everything below; never held during I/O */
	pthread_cond_t	 cond;		/* a slot was returned */
	struct rds_slot	*slots;		/* nslots of them (redis_options.max_connections) */
	size_t		 nslots;
	int		 acquire_timeout_ms;	/* wait for a free slot; 0: the command timeout */
	unsigned	 min_conns;	/* redis_options.min_connections (<= nslots) */
	uint64_t	 acquire_waits, acquire_timeouts;	/* slot waits, and those that gave up */
	unsigned	 gen;		/* bumped on READONLY: the endpoint moved */
	struct backoff	 bo;
	int64_t		 next_attempt_us;
	bool		 lost;		/* a connection failed since the last good dial */
	unsigned	 fail_streak;	/* failures not yet cleared in the breaker */
	unsigned	 open_conns;
	uint64_t	 connects, reconnects, connect_failures, disconnects;
	uint64_t	 outcome_unknown, pipelined, calls, errors;
	char		 endpoint[160];
	char		 sentinel[64];
	char		 last_error[256];
	int64_t		 last_error_us;
	struct rdstls_info tlsinfo;	/* the newest TLS session's */
	bool		 push_on;	/* rds-watch.c: subscribed to a sentinel */
	char		 push_via[64];
	uint64_t	 push_switches;
	char		 push_event[200];
	int64_t		 push_event_us;
	struct rds_cstat *cs;
	size_t		 ncs, cscap;

	struct breaker	 br;		/* its own lock */

	/* A cluster front (rds-cluster.c) routes every call; NULL: one node. */
	struct rds_cluster *cl;		/* owned; set once before the client is shared */
};

/*
 * Resolve the endpoint (Sentinel when configured), connect with the connect
 * timeout, set the command timeout (always), TCP keepalive (TCP only), AUTH,
 * SELECT, CLIENT SETNAME <client_name><suffix>, and ROLE == master when
 * Sentinel picked it. ep gets the endpoint description. Any thread; takes
 * r->mtx only briefly. Caller frees *out with redisFree. A TLS target
 * (rediss://) is refused: its callers (cluster detection) have no TLS
 * path.
 */
int	rds_dial(struct rds *, const char *suffix, redisContext **out, char *ep,
	    size_t eplen, struct mc_err *);
/*
 * rds_dial for either transport: *tls gets the TLS session of a rediss://
 * target (NULL for plaintext). Caller frees *tls with rdstls_close, then
 * *out with redisFree.
 */
int	rds_dial_tls(struct rds *, const char *suffix, redisContext **out,
	    struct rdstls **tls, char *ep, size_t eplen, struct mc_err *);
/*
 * One warm-up pass (rds-warm.c): drop idle contexts the server closed (or
 * that point at an old master), then dial one more when fewer than min are
 * open and the backoff and breaker allow it. 1: dialled one; 0: nothing was
 * due; -1: the dial failed (err set; it counts as a failure like a
 * command's, so the backoff and the breaker pace the next try).
 */
int	rds_warm_step(struct rds *, size_t min, struct mc_err *);
/* Copy msg into buf with every occurrence of the password replaced by "***". */
void	rds_scrub(const struct rds *, char *buf, size_t len, const char *msg);
/* Convert a hiredis reply into dst (deep copy). */
void	rds_reply_copy(struct rds_reply *dst, const redisReply *src);
/* Free what dst holds (not dst itself). */
void	rds_reply_clear(struct rds_reply *dst);

/* Append one RESP-encoded command (len bytes) to a batch; name is its tracker name. */
void	rds_pipe_add_resp(struct rds_pipe *, const char *resp, size_t len,
	    const char *name);

/*
 * rds_pipe_exec in two halves, so a cluster batch can be written to every
 * node before any node's replies are read. send checks out a connection
 * and writes the batch; recv reads the replies and returns the connection.
 * Same errors as rds_pipe_exec; after a failed send there is nothing to
 * recv. A batch must not be freed or reset between the two.
 */
int	rds_pipe_send(struct rds_pipe *, struct mc_err *);
int	rds_pipe_recv(struct rds_pipe *, size_t *nerrors, struct mc_err *);
/* Between send and recv: the socket the replies will come on; else -1. */
int	rds_pipe_fd(const struct rds_pipe *);

/*
 * The routed versions of the rds_* calls, in rds-cluster.c; rds.c calls
 * them when r->cl is set. Same contracts as the public calls.
 */
struct rds_reply *rds_cluster_command(struct rds_cluster *, unsigned flags,
		    int argc, const char *const *argv, const size_t *argvlen,
		    struct mc_err *);
int	rds_cluster_ping(struct rds_cluster *, int64_t *rtt_us, struct mc_err *);
/* Run n RESP commands (cmd i at data + off[i], off[n] = end), grouped per node. */
int	rds_cluster_pipe_exec(struct rds_cluster *, const char *data,
	    const size_t *off, size_t n, struct rds_reply *replies, size_t *nrep,
	    size_t *nerrors, struct mc_err *);
struct rds_stats *rds_cluster_stats(struct rds_cluster *);
/* A client of one live node (for CLIENT ID / socket options). NULL with err. */
struct rds	*rds_cluster_any(struct rds_cluster *, struct mc_err *);
/*
 * rds_dial_tls to the master of slot, after re-reading the map (sharded
 * Pub/Sub: after a failover the slot has a new master); *tls gets the
 * session of a rediss+cluster:// node.
 */
int	rds_cluster_dial_slot(struct rds_cluster *, int slot, const char *suffix,
	    redisContext **out, struct rdstls **tls, char *ep, size_t eplen,
	    struct mc_err *);
/*
 * rds_dial_tls for a cluster front: the first node that accepts (Pub/Sub).
 * With tls NULL a rediss+cluster:// node is refused, as rds_dial does.
 */
int	rds_cluster_dial(struct rds_cluster *, const char *suffix,
	    redisContext **out, struct rdstls **tls, char *ep, size_t eplen,
	    struct mc_err *);

/*
 * Sentinel push (rds-watch.c): the watcher is (not) subscribed on sentinel
 * via; a sentinel event text for the pane; switched: the master moved
 * (+switch-master), so every connection is dialled again (the sentinels
 * are asked again) and the backoff and the breaker let the next call
 * through at once.
 */
void	rds_push_state(struct rds *, bool on, const char *via);
void	rds_push_event(struct rds *, const char *text, bool switched);

/* Split "host:port" / "[v6]:port" into host and port (rds.c). */
bool	rds_hostport(const char *s, char *host, size_t hlen, int *port);

#endif
