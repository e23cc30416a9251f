/*
 * rds.h - mcpdb's Redis client over hiredis 0.14 ("rds_", since hiredis owns
 * "redis*"). One struct rds serves one target: TCP or a unix socket, or a
 * master found through Sentinel. Any thread may call it.
 *
 * Model: a small pool of blocking hiredis contexts ("slots"), each used by
 * one thread at a time and dialled lazily. Every context gets a connect
 * timeout AND a command timeout, TCP keepalive only on TCP, AUTH, SELECT and
 * CLIENT SETNAME mcpdb-<component>. Any error discards the context (hiredis
 * 0.14 cannot recover one); the next call dials a fresh one, after the
 * shared backoff (exponential, full jitter) and only while the circuit
 * breaker allows. Commands never queue: they wait at most their command
 * timeout and then fail with a clear message. A command whose connection
 * broke after it was sent is re-sent only if it is read-only; otherwise it
 * fails with "outcome unknown".
 *
 * Secrets: the password from the URI is used for AUTH and nothing else; it
 * never appears in an error, a log line or a snapshot.
 */
#ifndef MCPDB_RDS_H
#define MCPDB_RDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "breaker.h"
#include "conf.h"
#include "err.h"
#include "log.h"
#include "rds-info.h"
#include "rdstls.h"

struct rds;
struct rds_pipe;
struct rds_sub;

/* --- Lifetime ------------------------------------------------------------ */

/*
 * A client for target's Redis (target->redis and target->redis_opts are
 * copied; the target need not outlive it). component names the connection
 * (CLIENT SETNAME mcpdb-<component>). log may be NULL and must outlive the
 * client. With redis_opts.sentinels set, the master comes from Sentinel and
 * target->redis (optional) only supplies user, password and db. Nothing is
 * dialled yet. NULL with err (MC_E_CONFIG) when no Redis
 * is configured, the URI is bad, or (rediss://) a TLS file of
 * redis_options cannot be used. Caller frees.
 */
struct rds	*rds_new(const struct conf_target *, struct logger *,
		    const char *component, struct mc_err *);
/* Close every connection and free. The client must have no live rds_sub. NULL is fine. */
void	rds_free(struct rds *);
/*
 * Ignore SIGPIPE for the whole process: hiredis writes with write() and no
 * MSG_NOSIGNAL, so a write to a dead socket would otherwise kill mcpdb
 * (hiredis 0.14 trap). main calls this once at start-up.
 */
void	rds_ignore_sigpipe(void);
/* A short description of the endpoint for screens ("127.0.0.1:6379", "/run/redis.sock", "master mymaster"). Borrowed, valid until rds_free. */
const char *rds_name(const struct rds *);

/* --- Replies --------------------------------------------------------------- */

enum rds_type {
	RDS_NIL,
	RDS_STRING,
	RDS_STATUS,
	RDS_INTEGER,
	RDS_ERROR,
	RDS_ARRAY,
};

/* A copy of a hiredis reply (RESP2). Containers own their contents. */
struct rds_reply {
	enum rds_type		 type;
	long long		 integer;	/* RDS_INTEGER */
	char			*str;		/* STRING/STATUS/ERROR: len bytes + NUL (may hold NULs) */
	size_t			 len;
	size_t			 n;		/* RDS_ARRAY: number of elements */
	struct rds_reply	*elem;		/* RDS_ARRAY: n values (not pointers) */
};

/* Free a reply returned by rds_command (NULL is fine). */
void	rds_reply_free(struct rds_reply *);

/* --- Commands ---------------------------------------------------------------- */

/* rds_command flags. */
#define RDS_F_ERROR_REPLY	0x01	/* hand back -ERR replies as RDS_ERROR instead of failing */
#define RDS_F_IDEMPOTENT	0x02	/* may be re-sent after a broken connection like a read */

/*
 * Run one command given as argc words (argvlen NULL: NUL-terminated words).
 * Returns the reply (caller frees with rds_reply_free), or NULL with err:
 * MC_E_REDIS for an error reply (unless RDS_F_ERROR_REPLY), MC_E_TIMEOUT
 * when the server did not answer within the command timeout, MC_E_BREAKER
 * while the circuit is open, MC_E_CONNECT when it cannot connect. For a
 * write whose connection broke after sending, the message says "outcome
 * unknown". Thread-safe; waits at most about one command timeout for a free
 * connection and for the next reconnect attempt.
 */
struct rds_reply *rds_command(struct rds *, unsigned flags, int argc,
		    const char *const *argv, const size_t *argvlen, struct mc_err *);
/* PING; sets *rtt_us to the round trip in microseconds. */
int	rds_ping(struct rds *, int64_t *rtt_us, struct mc_err *);
/* GET key: 0 with *val (caller frees, NUL-terminated) and *len; MC_E_NOTFOUND when missing. */
int	rds_get(struct rds *, const char *key, char **val, size_t *len, struct mc_err *);
/* SET key val [EX ttl_s] (ttl_s <= 0: no expiry). */
int	rds_set(struct rds *, const char *key, const char *val, size_t len,
	    int ttl_s, struct mc_err *);
/* DEL key; *deleted (may be NULL) gets the number of keys removed. */
int	rds_del(struct rds *, const char *key, long long *deleted, struct mc_err *);
/* PUBLISH; *receivers (may be NULL) gets the number of subscribers reached. */
int	rds_publish(struct rds *, const char *channel, const char *msg, size_t len,
	    long long *receivers, struct mc_err *);

/* --- JSON helpers ------------------------------------------------------------ */

/* SET key to the compact JSON text of v, with EX ttl_s when ttl_s > 0. */
int	rds_json_set(struct rds *, const char *key, const cJSON *v, int ttl_s,
	    struct mc_err *);
/*
 * GET key and parse it as JSON. Caller frees with cJSON_Delete. NULL with
 * MC_E_NOTFOUND when the key does not exist, MC_E_INPUT when the value is
 * not JSON (the message says where parsing stopped), MC_E_REDIS for a
 * non-string key (WRONGTYPE).
 */
cJSON	*rds_json_get(struct rds *, const char *key, struct mc_err *);

/* --- Pipelining -------------------------------------------------------------- */

/* An empty batch for r (r must outlive it). Caller frees with rds_pipe_free. */
struct rds_pipe	*rds_pipe_new(struct rds *);
/* Append one command (words are copied; argvlen NULL: NUL-terminated). */
void	rds_pipe_add(struct rds_pipe *, int argc, const char *const *argv,
	    const size_t *argvlen);
/* Number of commands appended since the last reset. */
size_t	rds_pipe_len(const struct rds_pipe *);
/*
 * Send every command on one connection, then read every reply. Returns 0
 * when all replies arrived (some may be RDS_ERROR replies; *nerrors, may be
 * NULL, counts them), or -1 with err when the connection failed; a batch is
 * never re-sent, so its outcome is then unknown and the message says so.
 * The batch is not emptied; call rds_pipe_reset to reuse it.
 */
int	rds_pipe_exec(struct rds_pipe *, size_t *nerrors, struct mc_err *);
/* Reply i of the last successful exec. Borrowed until the next exec/reset/free. */
const struct rds_reply *rds_pipe_reply(const struct rds_pipe *, size_t i);
/* Forget the commands and replies. */
void	rds_pipe_reset(struct rds_pipe *);
void	rds_pipe_free(struct rds_pipe *);

/* --- Health ---------------------------------------------------------------- */

/* One health sample. A value type. */
struct rds_health {
	int64_t		rtt_us;		/* PING round trip */
	struct rds_info	info;		/* one multi-section INFO, parsed */
	struct rdstls_info tls;		/* TLS session (.tls false: none) */
};

/*
 * PING, then one "INFO server clients memory persistence stats replication
 * cpu keyspace" (plain INFO on servers older than 7.0), parsed into h.
 */
int	rds_health(struct rds *, struct rds_health *h, struct mc_err *);
/* The raw INFO text of section (NULL: default sections). Caller frees. */
char	*rds_info_text(struct rds *, const char *section, struct mc_err *);

/* --- Tracking ------------------------------------------------------------ */

/* Per-command counters ("get", "client|setname", "pipeline"). */
struct rds_cmd_stats {
	char		name[32];
	uint64_t	calls;
	uint64_t	errors;		/* error replies and failed calls */
	uint64_t	p50_us, p95_us, p99_us, max_us;
	double		mean_us;
};

/* A consistent copy of the client's counters, for the TUI pane. */
struct rds_stats {
	char			endpoint[160];	/* in use or last tried ("127.0.0.1:6380 via sentinel 127.0.0.1:26379") */
	char			sentinel[64];	/* the sentinel that answered last, or "" */
	bool			connected;	/* at least one live connection */
	unsigned		open_conns;	/* live connections */
	unsigned		max_conns;	/* redis_options.max_connections */
	unsigned		min_conns;	/* redis_options.min_connections (kept open) */
	uint64_t		acquire_waits;	/* commands that waited for a free connection */
	uint64_t		acquire_timeouts;	/* ... and gave up */
	uint64_t		connects;	/* successful dials */
	uint64_t		reconnects;	/* successful dials after a lost/failed one */
	uint64_t		connect_failures;
	uint64_t		disconnects;	/* contexts discarded after an error */
	uint64_t		outcome_unknown; /* writes lost mid-flight */
	uint64_t		pipelined_cmds;	/* commands sent through rds_pipe_exec */
	unsigned		attempt;	/* backoff attempt number (0 = healthy) */
	int64_t			next_retry_us;	/* monotonic (clk_mono_us); 0 = now */
	char			last_error[256];
	int64_t			last_error_us;	/* monotonic; 0 = never */
	struct breaker_stats	breaker;
	/* Sentinel push (rds-watch.c): subscribed, where, what it said last. */
	bool			push_on;	/* a watcher is subscribed right now */
	char			push_via[64];	/* the sentinel it listens to */
	uint64_t		push_switches;	/* masters switched on +switch-master */
	char			push_event[200];	/* last +switch-master/+sdown/+odown */
	int64_t			push_event_us;	/* monotonic; 0 = none */
	uint64_t		calls;		/* all commands */
	uint64_t		errors;
	size_t			ncmds;
	struct rds_cmd_stats	*cmds;		/* ncmds rows, sorted by calls, descending */
};

/* Copy the counters. Caller frees with rds_stats_free. Cheap: one lock, no I/O. */
struct rds_stats *rds_stats(struct rds *);
void	rds_stats_free(struct rds_stats *);

/* Socket options of one idle connection, for tests and `doctor`. */
struct rds_sockinfo {
	bool	unix_socket;
	bool	keepalive;	/* SO_KEEPALIVE */
	int	rcvtimeo_ms;	/* SO_RCVTIMEO: the command timeout */
	int	sndtimeo_ms;	/* SO_SNDTIMEO */
	long long client_id;	/* CLIENT ID of that connection */
};

/* Dial if needed, then report the options of one idle connection. */
int	rds_sockinfo(struct rds *, struct rds_sockinfo *, struct mc_err *);

/* --- Pub/Sub ----------------------------------------------------------------- */

enum rds_sub_event {
	RDS_SUB_MESSAGE,	/* channel, pattern (pmessage only), data/len */
	RDS_SUB_SUBSCRIBED,	/* every channel and pattern confirmed (again); detail = endpoint */
	RDS_SUB_LOST,		/* connection lost; detail = why. Messages sent until the next SUBSCRIBED are lost */
};

/* What the callback gets: everything borrowed for the duration of the call. */
struct rds_sub_msg {
	enum rds_sub_event	 kind;
	const char		*channel;
	const char		*pattern;	/* NULL unless a pattern matched */
	const char		*data;		/* NUL-terminated, len bytes (binary safe) */
	size_t			 len;
	const char		*detail;
	uint64_t		 reconnects;	/* so far */
};

typedef void	(*rds_sub_cb)(void *, const struct rds_sub_msg *);

struct rds_sub_spec {
	const char *const	*channels;	/* nchannels names, or NULL */
	size_t			 nchannels;
	const char *const	*patterns;	/* npatterns glob patterns, or NULL */
	size_t			 npatterns;
	int			 ping_ms;	/* liveness PING period; 0 = 1000 */
	/*
	 * Sharded Pub/Sub (Redis 7): SSUBSCRIBE the channels (no patterns,
	 * all in one hash slot) on the master of their slot; when the slot
	 * moves (failover, resharding) subscribe again where it went.
	 */
	bool			 sharded;
	rds_sub_cb		 cb;		/* called on the subscriber thread */
	void			*arg;
};

/*
 * Start a subscriber: a dedicated connection on its own thread that
 * subscribes to spec's channels and patterns and calls spec->cb for every
 * message. It waits with poll() (never a read timeout), sends PING every
 * ping_ms and reconnects (backoff + jitter, Sentinel re-resolved) when a
 * PONG is late or the connection drops, then subscribes again. Returns once
 * the first subscription is confirmed (the callback has already had its
 * RDS_SUB_SUBSCRIBED), or NULL with err when it cannot be made within the
 * connect plus command timeouts or the server refuses it (e.g. ACL NOPERM).
 * r must outlive it.
 * Caller frees with rds_sub_free.
 */
struct rds_sub	*rds_sub_new(struct rds *, const struct rds_sub_spec *, struct mc_err *);
/* Stop the thread (waits for it) and free. NULL is fine. Not from the callback. */
void	rds_sub_free(struct rds_sub *);

struct rds_sub_stats {
	bool		connected;	/* subscribed right now */
	uint64_t	messages;
	uint64_t	reconnects;
	uint64_t	pings;		/* PONGs received */
	char		last_error[256];
};

/* A copy of the subscriber's counters. */
void	rds_sub_stats(struct rds_sub *, struct rds_sub_stats *);

#endif
