/*
 * migrate.h - the migration runner: applies and rolls back the migrations
 * of a directory (see migfile.h) against a target, keeping a ledger in the
 * database, and checks that every down reverses its up.
 *
 * Model. A run uses two dedicated sessions (pgq_connect, application_name
 * mcpdb/migrate): the *lock session* takes a session-level advisory lock
 * with pg_try_advisory_lock, spinning with jitter (never the blocking
 * pg_advisory_lock, which deadlocks against CREATE INDEX CONCURRENTLY run by
 * the lock holder), and otherwise stays idle outside any transaction; the
 * *migration session* runs the SQL. Before taking the lock the runner reads
 * the ledger without it and stops at once when nothing is to be done, so
 * replicas never queue behind a long migration. A crashed runner's lock
 * goes with its session; its migration session aborts within a second
 * (client_connection_check_interval).
 *
 * Ledger: mcpdb.migrations (created on first use, under the lock), one row
 * per applied migration: version, name, checksum and down_checksum
 * (SHA-256 of the normalised files, checksum_algo), applied_sql, state
 * (applied, running, failed), operation, no_transaction, out_of_order,
 * applied_at, applied_by (role@client address), execution_ms, error, seq
 * (applied order); mcpdb.migration_events, an append-only history of
 * every apply, rollback, failure and resolve; and mcpdb.migration_tags,
 * named applied states (ledger version 3, migrate tag).
 *
 * Each migration runs in its own transaction with its ledger row, under
 * SET LOCAL lock_timeout / statement_timeout (config, or the file's
 * directives) and mcpdb.migration = 'NNNN_name'; statements are sent one by
 * one so an error names file:line:col. A -- mcpdb:no-transaction file is
 * recorded `running` first and `applied` after; a failure leaves `failed`,
 * and up/down refuse to go on until `resolve`.
 *
 * Repeatable migrations (R_name.sql, see migfile.h): after the pending
 * versioned ones of a run (and only when the run leaves none pending, so
 * not with a --to below the newest file), up applies every repeatable that
 * is new or whose checksum changed, by name, each in its own transaction
 * with its row in mcpdb.migration_repeatables (ledger version 4) and an
 * "applied" or "reapplied" event (version 0, repeatable, old_checksum).
 * A failing one is rolled back and stops the run; the versioned ones before
 * it stay committed, as every migration commits on its own. down, redo and
 * check never touch repeatables (they have no rollback).
 *
 * Streams (ledger version 5; see migset_streams): the top-level files of
 * the directory are the default stream, each stream sub-directory another
 * with its own versions. Every ledger row carries its stream ('' for the
 * default one; the rows of an older ledger are the default stream's), and
 * a run works on one stream, opts->stream, which may be omitted when the
 * directory has only one. The advisory lock is one for the database, so
 * runs on different streams take turns. Commands that cover every stream
 * (status, up, plan, verify, check) loop over migrate_streams.
 */
#ifndef MCPDB_MIGRATE_H
#define MCPDB_MIGRATE_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>

#include "conf.h"
#include "err.h"
#include "migfile.h"
#include "migplan.h"

/* The advisory lock: pg_try_advisory_lock(MIGRATE_LOCK_K1, MIGRATE_LOCK_K2). */
#define MIGRATE_LOCK_K1		1835233380	/* "mcpd" */
#define MIGRATE_LOCK_K2		1835624306	/* "migr" */

/* What a step did (or would do). */
enum migrate_act {
	MACT_APPLY,
	MACT_ROLLBACK,
};

/* One migration of a run, as reported per line and in JSON. */
struct migrate_step {
	long long	 version;
	char		*id;		/* "0003_add_users" */
	char		*path;		/* the file that ran */
	enum migrate_act act;
	bool		 dry_run;	/* planned only */
	bool		 no_tx;
	bool		 out_of_order;
	bool		 repeatable;	/* an R_name.sql (version 0) */
	bool		 reapply;	/* repeatable applied before, file changed */
	bool		 ok;		/* false: this one failed */
	long long	 ms;		/* wall time, -1 when it did not run */
	char		*sql;		/* plan: the exact text that would run */
};

/* The outcome of up/down/redo/plan. Caller frees with migrate_report_free. */
struct migrate_report {
	char			*dir;
	struct migrate_step	*steps;
	size_t			 n;
	bool			 up_to_date;	/* nothing to do; no lock taken */
	long long		 lock_wait_ms;
	long long		 server_wait_ms;	/* up --wait: until it accepted */
	long long		 total_ms;
};

void	migrate_report_free(struct migrate_report *);

/* Callbacks and switches of one run. */
struct migrate_opts {
	const char	*dir;		/* --dir, or NULL (see migrate_dir) */
	const char	*stream;	/* --stream: a name of migrate_streams, or NULL */
	long long	 to;		/* --to, -1 if not given */
	const char	*to_tag;	/* --to-tag: to the version of this tag, or NULL */
	int		 steps;		/* down/redo --steps; 0 = 1 */
	bool		 dry_run;
	bool		 allow_out_of_order;
	int		 lock_timeout_ms;	/* --lock-timeout, -1 = config */
	int		 wait_s;	/* up --wait: retry connecting, -1 = no */
	bool		 with_sql;	/* plan: fill step->sql */
	bool		 diff;		/* verify --diff */
	/*
	 * When the directory is refused: every problem, one line each
	 * ("FILE[:LINE:COL]: what"), newline-separated; the caller frees
	 * *problems. NULL: not wanted (err then names the first one only).
	 */
	char		**problems;
	volatile sig_atomic_t *stop;	/* set by the operator's Ctrl-C; may be NULL */
	/* A transient progress line (lock waits, server notices); may be NULL. */
	void		(*progress)(void *, const char *line);
	/* A finished step, as it happens (the per-migration line); may be NULL. */
	void		(*step)(void *, const struct migrate_step *);
	/*
	 * Ask before a destructive run (down, redo, resolve): what describes it.
	 * 0 to go on, -1 with err to stop. NULL = no confirmation needed.
	 */
	int		(*confirm)(void *, const char *what, struct mc_err *);
	void		*arg;		/* passed to the three callbacks */
};

/* Default options: nothing given. */
void	migrate_opts_init(struct migrate_opts *);

/*
 * The migrations directory: flag_dir, else t->migrations_dir, else
 * ./migrations when it exists, else MCPDB_PKGDATADIR "/migrations".
 * Caller frees.
 */
char	*migrate_dir(const struct conf_target *, const char *flag_dir);
/*
 * The migration streams of dir, in run order: MIG_STREAM_DEFAULT ("default",
 * the top-level files) when there are top-level *.sql files or no stream
 * sub-directory (a flat or missing directory), then each stream
 * sub-directory by name. Caller frees with migstreams_free. -1 with err
 * (MC_E_CONFIG) naming a badly named or nested sub-directory.
 */
int	migrate_streams(const char *dir, char ***names, size_t *n, struct mc_err *);
/* The directory of stream name (of migrate_streams) in dir. Caller frees. */
char	*migrate_stream_dir(const char *dir, const char *name);
/* names joined with ", " (for messages). Caller frees. */
char	*migrate_stream_list(char **names, size_t n);

/*
 * Expand the ${NAME} placeholders of every file of set with t's
 * "migrate"."placeholders" (see migset_expand). 0, or -1 with err.
 */
int	migrate_expand(const struct conf_target *, struct mig_set *,
	    char **problems, struct mc_err *);
/* t's placeholders as vars; origin (len bytes) names where they live. */
void	migrate_vars(const struct conf_target *, struct mig_vars *,
	    char *origin, size_t len);

/* A tag (mcpdb.migration_tags): a name for an applied state of the ledger. */
struct migrate_tag {
	char		*name;
	long long	 version;	/* the newest applied version then */
	size_t		 napplied;	/* how many migrations were applied then */
	char		*at;		/* UTC, ISO 8601 */
	char		*by;		/* user@client address */
	char		*note;		/* --note, or NULL */
};

/* `migrate status`: files and ledger merged. Caller frees with migrate_status_free. */
struct migrate_status {
	struct migrate_tag	*tags;		/* by version, then name */
	size_t			 ntags;
	char			*stream;	/* its name: "default" or a sub-directory */
	char			*dir;		/* the stream's directory */
	struct mig_set		*set;
	struct mig_ledger	 ledger;
	struct mig_status	*rows;
	size_t			 n;
	struct mig_repstatus	*reps;		/* repeatables, by name */
	size_t			 nreps;
	/*
	 * Of the directory's first stream only: the streams the ledger has
	 * rows of and the directory no files for ("billing (2 rows)", comma
	 * separated), or NULL. They make the status unclean.
	 */
	char			*orphans;
	bool			 clean;		/* everything applied: exit 0 */
	char			*lock_holder;	/* a run in progress, or NULL */
};

struct migrate_status *migrate_status(const struct conf_target *,
	    const struct migrate_opts *, struct mc_err *);
void	migrate_status_free(struct migrate_status *);
/*
 * migrate_status of every stream of the directory, in migrate_streams
 * order (o->stream is ignored): *n statuses, or NULL with err at the first
 * that fails. Caller frees with migrate_statuses_free.
 */
struct migrate_status **migrate_status_each(const struct conf_target *,
	    const struct migrate_opts *, size_t *n, struct mc_err *);
void	migrate_statuses_free(struct migrate_status **, size_t n);

/*
 * `migrate up`: apply pending migrations (up to opts->to). *rep is set
 * whenever the run got as far as planning, also on failure (then the last
 * step has ok == false). Returns 0 or -1 with err.
 */
int	migrate_up(const struct conf_target *, const struct migrate_opts *,
	    struct migrate_report **rep, struct mc_err *);
/* `migrate down`: roll back opts->steps (default 1) or down to opts->to. */
int	migrate_down(const struct conf_target *, const struct migrate_opts *,
	    struct migrate_report **rep, struct mc_err *);
/* `migrate redo`: roll back opts->steps (default 1), then apply them again. */
int	migrate_redo(const struct conf_target *, const struct migrate_opts *,
	    struct migrate_report **rep, struct mc_err *);
/* `migrate plan`: what up would run, with the SQL (never locks or writes). */
int	migrate_plan(const struct conf_target *, const struct migrate_opts *,
	    struct migrate_report **rep, struct mc_err *);

/* One finding of `migrate verify`. */
struct migrate_finding {
	long long	 version;
	char		*id;
	const char	*kind;		/* "checksum-mismatch", "file-missing", "down-changed", "failed", "running" */
	bool		 fatal;		/* down-changed is a warning */
	char		*detail;	/* one line */
	char		*diff;		/* --diff: applied SQL vs file, or NULL */
};

struct migrate_verify {
	char			*dir;
	size_t			 napplied;	/* applied rows checked */
	struct migrate_finding	*v;
	size_t			 n;
	bool			 ok;		/* no fatal finding */
};

/* `migrate verify [--diff]`. Caller frees with migrate_verify_free. */
struct migrate_verify *migrate_verify(const struct conf_target *,
	    const struct migrate_opts *, struct mc_err *);
void	migrate_verify_free(struct migrate_verify *);

/* The result of `migrate check` for one migration. */
struct migrate_checked {
	long long	 version;
	char		*id;
	bool		 ok;
	long long	 up_ms, down_ms;
	char		**problems;	/* one line per difference or error */
	size_t		 nproblems;
};

struct migrate_check {
	char			*dir;
	char			*scratch;	/* name of the scratch database */
	char			**dropped;	/* leftovers of killed checks, dropped first */
	size_t			 ndropped;
	char			**kept;		/* leftovers left alone: one line each, why */
	size_t			 nkept;
	struct migrate_checked	*v;
	size_t			 n;
	bool			 ok;
	size_t			 nobjects;	/* objects in the last snapshot */
	size_t			 nsetup;	/* ups of earlier streams applied first */
	char			*warning;	/* e.g. the scratch database could not be dropped */
};

/*
 * `migrate check`: in a scratch database created from template0 (and dropped
 * afterwards, also on failure), apply each up, snapshot, apply its down,
 * compare with the snapshot before the up, reapply the up and go on. First it
 * drops the scratch databases of earlier checks whose process is gone (see
 * migrate_leftovers) and lists the others in kept. Returns
 * the result (ok false when any down does not reverse its up) or NULL with
 * err when the check itself could not run. The ups of the streams before
 * o->stream (see migrate_streams) are applied first, unchecked, as up would
 * have applied them. Caller frees.
 */
struct migrate_check *migrate_check(const struct conf_target *,
	    const struct migrate_opts *, struct mc_err *);
void	migrate_check_free(struct migrate_check *);

/*
 * Scratch databases of `migrate check` are named mcpdb_check_PID_TIME_HOST:
 * the check's process id, its start (Unix seconds) and a tag of its host
 * name (8 hex digits). One that outlives its check (SIGKILL, power loss) is
 * a leftover; its owner is judged from the name alone:
 */
enum migrate_owner {
	MOWN_GONE,	/* this host, and that pid is gone or started later: drop it */
	MOWN_ALIVE,	/* this host, and that process still runs: a check in progress */
	MOWN_ELSEWHERE,	/* another host (or no host tag): report, never drop */
};

/* One scratch database found on the server. */
struct migrate_leftover {
	char			*name;
	long			 pid;
	long long		 started;	/* Unix seconds, from the name */
	enum migrate_owner	 owner;
	char			*why;		/* one line: what was judged and why */
};

struct migrate_leftovers {
	struct migrate_leftover	*v;
	size_t			 n;
};

/*
 * List the scratch databases of `migrate check` on t's server (any database
 * named mcpdb_check_*) and judge their owners. The pid alone is not trusted:
 * a process with that pid that started after the name's time is another
 * process (pid reuse), so the owner is gone. Caller frees; NULL with err.
 */
struct migrate_leftovers *migrate_leftovers(const struct conf_target *,
	    struct mc_err *);
void	migrate_leftovers_free(struct migrate_leftovers *);

/*
 * `migrate resolve VERSION --applied|--rolled-back`: settle a failed or
 * running row (applied: mark it applied; rolled back: delete it). Takes the
 * lock. Returns 0 or -1 with err.
 */
int	migrate_resolve(const struct conf_target *, const struct migrate_opts *,
	    long long version, bool applied, struct mc_err *);

/*
 * `migrate baseline VERSION --reason WHY`: mark every file up to VERSION (a
 * file of the directory) applied without running it, in one transaction,
 * each row flagged baselined and its event carrying reason. Refuses a ledger
 * with any row. Takes the lock. Sets *marked. Returns 0 or -1 with err.
 */
int	migrate_baseline(const struct conf_target *, const struct migrate_opts *,
	    long long version, const char *reason, size_t *marked, struct mc_err *);

/*
 * `migrate repair`: re-record the checksums of applied files edited since
 * (checksum-mismatch or a changed down file), or with failed, delete the
 * failed rows. Asks o->confirm once per row (old and new checksums shown)
 * before writing anything, then writes all in one transaction, each row only
 * if unchanged since. MC_E_STATE when there is nothing to repair. Sets *done
 * and *lines (one line per row: id, old -> new; caller frees; NULL on error).
 */
int	migrate_repair(const struct conf_target *, const struct migrate_opts *,
	    bool failed, size_t *done, char **lines, struct mc_err *);

/*
 * `migrate tag NAME [--note TEXT]`: name the current applied state (its
 * newest applied version) in mcpdb.migration_tags, with a "tagged" event.
 * Refused with nothing changed: a bad name (MC_E_USAGE), an empty ledger or
 * a failed/running row (MC_E_STATE), a name already taken (MC_E_STATE).
 * Takes the lock. Sets *version. Returns 0 or -1 with err.
 */
int	migrate_tag(const struct conf_target *, const struct migrate_opts *,
	    const char *name, const char *note, long long *version, struct mc_err *);

/* One event of the history (mcpdb.migration_events); NULL: not recorded. */
struct migrate_event {
	long long	 id;
	char		*at;		/* UTC, ISO 8601 */
	long long	 version;
	char		*name;
	char		*event;		/* "applied", "rolled back", ... */
	long long	 ms;		/* duration, -1 when not recorded */
	char		*by;		/* user@client address */
	char		*mcpdb_version;
	char		*host;		/* host the runner ran on */
	char		*checksum;
	char		*error;
	char		*note;		/* why (baseline --reason, tag --note) */
	char		*tag;		/* event "tagged": the tag's name */
	bool		 repeatable;	/* of an R_name.sql (version 0) */
	char		*old_checksum;	/* "reapplied": the checksum it replaced */
	char		*stream;	/* "" for the default stream */
};

/* `migrate history`. Caller frees with migrate_history_free. */
struct migrate_history {
	bool			 exists;	/* false: no ledger yet */
	struct migrate_event	*v;
	size_t			 n;
};

/*
 * Read the whole history, oldest first, without writing anything (a ledger
 * of an older mcpdb shows NULL for what it did not record). NULL with err.
 */
struct migrate_history *migrate_history(const struct conf_target *,
	    struct mc_err *);
void	migrate_history_free(struct migrate_history *);

/*
 * `migrate new NAME [--stream S]`: create the next-numbered pair of stream
 * (NULL: the only one; see migrate_streams) in dir from a template. Returns
 * the id ("0005_add_index") and sets *sdir to the directory written (the
 * stream's; caller frees both), or NULL with err.
 */
char	*migrate_new(const char *dir, const char *stream, const char *name,
	    char **sdir, struct mc_err *);

#endif
