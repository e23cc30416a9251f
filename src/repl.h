/*
 * repl.h - PostgreSQL replication as `health` and `doctor` report it: on a
 * primary each standby (pg_stat_replication) and each replication slot
 * (pg_replication_slots, with the WAL it retains), on a standby its WAL
 * receiver and replay lag. Problems are judged against a target's
 * "replication" thresholds (conf_replication).
 *
 * Privileges: with pg_monitor (or superuser) every column is visible. A
 * plain role sees standbys without their state and lag, and a receiver
 * without its status: those are reported as hidden, never as zero; a slot
 * view the role may not read says so.
 */
#ifndef MCPDB_REPL_H
#define MCPDB_REPL_H

#include <stdbool.h>
#include <stdint.h>

#include <libpq-fe.h>
#include <cjson/cJSON.h>

#include "buf.h"
#include "conf.h"
#include "err.h"
#include "pool.h"

#define REPL_MAX	16

/* One standby seen from the primary. Lags: -1 = unknown or hidden. */
struct repl_standby {
	char	name[64];		/* application_name */
	char	client[64];		/* address, "local" or "" */
	char	state[24];		/* "" = hidden (no pg_monitor) */
	char	sync_state[16];
	int64_t	write_lag_bytes, flush_lag_bytes, replay_lag_bytes;
	double	write_lag_s, flush_lag_s, replay_lag_s;
};

/* One replication slot. */
struct repl_slot {
	char	name[64];
	char	type[16];		/* physical, logical */
	bool	active;
	/* reserved, extended, unreserved, lost */
	char	wal_status[16];
	int64_t	retained_bytes;		/* -1 = unknown */
};

/* One sample. Strings are "" when unknown. */
struct repl {
	bool			in_recovery;
	/* the sample failed: why */
	char			error[sizeof(((struct mc_err *)0)->msg)];
	/* primary */
	int			nstandbys;
	struct repl_standby	standbys[REPL_MAX];
	bool			slots_hidden;	/* the role may not read them */
	char			slots_error[160];
	int			nslots;
	struct repl_slot	slots[REPL_MAX];
	/* standby */
	/* a WAL receiver process exists */
	bool			receiver;
	char			receiver_status[24];	/* "" = hidden */
	char			sender[96];	/* "host:port" of the primary */
	int64_t			backlog_bytes;	/* received - replayed; -1 */
	double			since_replay_s;	/* last replayed xact; -1 */
};

/*
 * Sample replication on conn (borrowed from pool p), each query bounded by
 * deadline_ms. Parts the role may not read are marked, not failed. Returns
 * 0, or -1 with err and r->error set when the server could not be asked.
 */
int	repl_sample(struct pool *p, PGconn *conn, int deadline_ms,
	    struct repl *r, struct mc_err *err);

/*
 * Append the problems of r under thresholds th to out ("; "-separated,
 * each one sentence naming the standby or slot). Returns how many.
 */
int	repl_problems(const struct repl *r, const struct conf_replication *th,
	    struct buf *out);

/* One line per standby, slot or receiver, for a table. Caller frees. */
char	*repl_line(const struct repl *r, int i, const char **label);

/* How many lines repl_line has for r. */
int	repl_nlines(const struct repl *r);

/* How bad line i of r is under th: REPL_OK, REPL_WARN or REPL_BAD. */
enum repl_level {
	REPL_OK,
	REPL_WARN,	/* not streaming, lag over a threshold, hidden */
	REPL_BAD	/* an inactive or lost slot, no WAL receiver */
};
enum repl_level	repl_line_level(const struct repl *r, int i,
		    const struct conf_replication *th);

/* r as a JSON object (lags null when unknown). Caller cJSON_Delete()s. */
cJSON	*repl_json(const struct repl *r);

/* Bytes in words: "512 B", "1.5 MB" (1024-based). */
void	repl_bytes(int64_t n, char *out, size_t size);

#endif
