/*
 * cmd.h - the one command table. Each entry names a command by its full
 * path ("migrate status"), its options, positional arguments, one-line help,
 * what its arguments complete to, and its handler. The CLI dispatcher, `help`,
 * the man page check and the TUI console's readline completion are all
 * generated from this table: adding a command is one entry in cmd.c's
 * cmd_table[] plus its handler, nothing else.
 *
 * Words of a command path match by unique prefix ("mig st" = "migrate status").
 * Global options (--json, --yes, --target ...) are accepted anywhere.
 */
#ifndef MCPDB_CMD_H
#define MCPDB_CMD_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>

#include "conf.h"
#include "err.h"
#include "log.h"
#include "out.h"

/* What an argument or option value completes to in the console. */
enum cmd_complete {
	CC_NONE,
	CC_COMMAND,		/* a command path (help COMMAND) */
	CC_TARGET,		/* a configured target name */
	CC_MIGRATION,		/* a migration version */
	CC_STREAM,		/* a migration stream ("default" or a sub-directory) */
	CC_SEED_SET,		/* a seed set name */
	CC_SCHEMA,		/* a schema name */
	CC_TABLE,		/* schema.table */
	CC_FILE,		/* a file name */
	CC_REDIS_SECTION,	/* an INFO section */
};

/* Entry flags. */
#define CMD_NEEDS_TARGET	0x01	/* loads config and selects a target */
#define CMD_WRITES		0x02	/* refused on read_only targets */
#define CMD_DESTRUCTIVE		0x04	/* asks first (typed name on protected targets) */
#define CMD_STREAMS		0x08	/* runs until interrupted (subscribe, --watch) */
#define CMD_HIDDEN		0x10	/* not listed in help */
#define CMD_SERVER		0x20	/* a server: SIGTERM/SIGINT are its normal stop (exit 0) */

/* One option of a command. arg == NULL means a boolean flag. */
struct cmd_opt {
	const char		*name;		/* long name without dashes: "dry-run" */
	char			 short_name;	/* 0 for none */
	const char		*arg;		/* metavar ("N", "VERSION") or NULL */
	const char		*help;
	enum cmd_complete	 complete;
};

struct cmd_args;
struct cmd_ctx;
struct conn;

struct cmd_entry {
	const char		*name;		/* full path, words separated by one space */
	const char		*args;		/* positional usage ("VERSION"), or NULL */
	const char		*summary;	/* one line */
	const char		*help;		/* more text for `help CMD`, or NULL */
	const struct cmd_opt	*opts;		/* ends with { NULL }; may be NULL */
	int			 min_args;
	int			 max_args;	/* -1: unlimited */
	enum cmd_complete	 complete;	/* what positionals complete to */
	unsigned		 flags;
	/*
	 * Returns the exit status (0 ok, 1 failure, 3 attention needed), or -1
	 * with err set (main maps err to 1 or 2).
	 */
	int			(*exec)(struct cmd_ctx *, const struct cmd_args *, struct mc_err *);
};

/* What a handler gets. Owned by the caller of cmd_run. */
struct cmd_ctx {
	struct conf		*conf;		/* NULL for commands without CMD_NEEDS_TARGET */
	const struct conf_target *target;	/* the selected target, or NULL */
	struct logger		*log;
	struct out		*out;
	bool			 json;
	bool			 yes;		/* -y/--yes */
	bool			 quiet;		/* -q */
	const char		*confirm_name;	/* --confirm NAME (typed name, for scripts) */
	bool			 confirmed;	/* the protected name was given */
	const char		*argv0;		/* how mcpdb was invoked (for re-exec, demo) */
	struct conn		*conn;		/* lazily made by cmd_conn */
	/*
	 * The target's read pool (pg_read), lazily made by cmd_conn_read
	 * over read_target (the target with pg = pg_read, its strings
	 * borrowed); whoever made the ctx closes read_conn (NULL is fine).
	 */
	struct conn		*read_conn;
	struct conf_target	 read_target;
	/*
	 * Ask the operator a question; returns 0 with the answer (no newline)
	 * or -1 when nobody can answer (not a terminal). NULL = never interactive.
	 */
	int			(*ask)(void *, const char *prompt, char *answer, size_t len);
	void			*ask_arg;
	/* Set (to non-zero) when the operator interrupts; handlers poll it. */
	volatile sig_atomic_t	*stop;
	/* Progress line sink for long operations (seeds, migrations); may be NULL. */
	void			(*progress)(void *, const char *line);
	void			*progress_arg;
};

/*
 * The table is split by family, one array per cmd-*.c file, each ending with
 * NULL; cmd.c chains them. cmd_at(i) walks all entries in order.
 */
extern const struct cmd_entry *const cmd_core_entries[];	/* cmd-core.c: help, version, config, targets, demo */
extern const struct cmd_entry *const cmd_health_entries[];	/* cmd-health.c: health, doctor */
extern const struct cmd_entry *const cmd_redis_entries[];	/* cmd-redis.c: redis ... */
extern const struct cmd_entry *const cmd_migrate_entries[];	/* cmd-migrate.c: migrate ... */
extern const struct cmd_entry *const cmd_seed_entries[];	/* cmd-seed.c: seed ... */
extern const struct cmd_entry *const cmd_schema_entries[];	/* cmd-schema.c: schema ... */
extern const struct cmd_entry *const cmd_tui_entries[];	/* cmd-tui.c: tui */
extern const struct cmd_entry *const cmd_completion_entries[];	/* cmd-completion.c: completion */
extern const struct cmd_entry *const cmd_backup_entries[];	/* cmd-backup.c: backup, backup verify, restore */
extern const struct cmd_entry *const cmd_metrics_entries[];	/* cmd-metrics.c: metrics */
extern const struct cmd_entry *const cmd_vacuum_entries[];	/* cmd-vacuum.c: vacuum status */
extern const struct cmd_entry *const cmd_io_entries[];	/* cmd-io.c: io status */
extern const struct cmd_entry *const cmd_stmt_entries[];	/* cmd-stmt.c: statements top */
extern const struct cmd_entry *const cmd_rdskeys_entries[];	/* cmd-rdskeys.c: redis keyspace, redis doctor */
extern const struct cmd_entry *const cmd_pg_entries[];	/* cmd-pg.c: pg locks */
extern const struct cmd_entry *const cmd_rds_clients_entries[];	/* cmd-rds-clients.c: redis clients, kill-client, slowlog, errors */
/* The i-th entry across all families, NULL past the end. */
const struct cmd_entry *cmd_at(size_t);

/*
 * Find the entry named by the leading words of argv (unique prefixes allowed).
 * Sets *nused to the number of words consumed. NULL with err (usage) when
 * nothing or more than one entry matches; the message lists the candidates.
 */
const struct cmd_entry *cmd_find(int argc, char *const *argv, int *nused, struct mc_err *);
/* Exact lookup by full path; NULL if none. */
const struct cmd_entry *cmd_lookup(const char *path);

/*
 * Parse the words after the command path against e's options and the global
 * ones. Caller frees with cmd_args_free. NULL with err (usage) on a bad option
 * or argument count.
 */
struct cmd_args	*cmd_args_parse(const struct cmd_entry *, int argc, char *const *argv, struct mc_err *);
void	cmd_args_free(struct cmd_args *);
size_t	cmd_nargs(const struct cmd_args *);
const char *cmd_arg(const struct cmd_args *, size_t);
/* Was boolean option name given? */
bool	cmd_flag(const struct cmd_args *, const char *name);
/* Value of option name, or NULL. (Last one wins.) */
const char *cmd_opt(const struct cmd_args *, const char *name);
/* Integer option in [min, max]; def when absent. -1 with a usage error on junk. */
int	cmd_opt_int(const struct cmd_args *, const char *name, long def, long min,
	    long max, long *out, struct mc_err *);

/* The global options (--config, --target, --json ...), ending with { NULL }. */
extern const struct cmd_opt cmd_global_opts[];

/*
 * Run e with args in ctx, after the rules that no command can forget, all
 * driven by e->flags: a --confirm NAME that is not the selected target's name
 * is a usage error (any command, any target); CMD_WRITES is refused on a
 * read_only target; and on a protected target every CMD_WRITES or
 * CMD_DESTRUCTIVE command (but a --dry-run) needs the target's name, typed at
 * the prompt or passed as --confirm NAME, before it runs (--yes alone is
 * refused). Returns the exit status or -1 with err.
 */
int	cmd_run(const struct cmd_entry *, struct cmd_ctx *, const struct cmd_args *, struct mc_err *);

/*
 * Confirm a destructive action described by what ("roll back 2 migrations").
 * Protected target: as cmd_confirm_protected. Otherwise --yes, a right
 * --confirm NAME, or a "y" answer. Returns 0 to go ahead, -1 with
 * MC_E_REFUSED (declined or nobody to ask).
 */
int	cmd_confirm(struct cmd_ctx *, const char *what, struct mc_err *);
/*
 * The protected-target rule: 0 when ctx->confirmed is set, --confirm names the
 * target, or the operator types its name at the prompt (then sets
 * ctx->confirmed); -1 with MC_E_REFUSED otherwise (--yes is never enough), or
 * MC_E_USAGE for a wrong --confirm.
 */
int	cmd_confirm_protected(struct cmd_ctx *, const char *what,
	    struct mc_err *);
/* Refuse (MC_E_REFUSED) when the target is read_only. */
int	cmd_check_writable(struct cmd_ctx *, const char *what, struct mc_err *);
/* Sleep ms in 100 ms steps, waking early on Ctrl-C/SIGTERM; true when stopped. */
bool	cmd_wait(struct cmd_ctx *, long ms);
/* The connection manager for ctx->target, created on first use. Borrowed. */
struct conn	*cmd_conn(struct cmd_ctx *, struct mc_err *);
/*
 * The connection manager for catalog reads: the target's read pool on
 * standbys when it defines "pg_read" (application_name mcpdb/cli-read),
 * else cmd_conn's. Never for writes.
 */
struct conn	*cmd_conn_read(struct cmd_ctx *, struct mc_err *);

/*
 * Completion candidates for a console line being typed: words is the line
 * split into words, the last being the partial word (possibly ""). Calls add
 * for each candidate. names(kind) supplies dynamic values (targets, versions)
 * and may be NULL.
 */
void	cmd_complete(int nwords, char *const *words,
	    void (*add)(void *, const char *), void *arg,
	    void (*names)(void *, enum cmd_complete, void (*)(void *, const char *), void *),
	    void *names_arg);

/* Print usage of all commands (or those under prefix) to out. */
void	cmd_help_all(struct out *, const char *prefix);
/* Print the full help of one entry. */
void	cmd_help_one(struct out *, const struct cmd_entry *);
/*
 * The leading words of words[0..n) (up to the first option) name a family
 * of commands ("migrate", "demo"): list its commands and return true;
 * false (nothing printed) otherwise.
 */
bool	cmd_help_family(struct out *, int n, char *const *words);

#endif
