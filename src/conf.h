/*
 * conf.h - configuration: a JSON file (cJSON) with named targets, merged with
 * the environment and command-line flags. Precedence: flags > environment >
 * file > defaults.
 *
 * File lookup: --config FILE, else $MCPDB_CONFIG, else
 * $XDG_CONFIG_HOME/mcpdb/config.json (~/.config/mcpdb/config.json); a missing
 * default file is not an error (defaults + environment apply), a missing
 * explicitly named file is.
 *
 * File shape:
 *   { "default_target": "dev",
 *     "log": { "level": "info", "format": "text", "file": "/var/log/mcpdb.log" },
 *     "targets": {
 *       "prod": { "pg": "host=db1 dbname=app user=ops",        (conninfo or URI)
 *                 "redis": "redis://ops:secret@cache1:6379/0", (or a unix socket path)
 *                 "protected": true, "read_only": false,
 *                 "migrations_dir": "...", "seeds_dir": "...",
 *                 "pool":  { "min": 1, "max": 10, ... },       (struct conf_pool names)
 *                 "redis_options": { "connect_timeout_ms": 2000, ...,
 *                                    "sentinels": ["127.0.0.1:26379"], "sentinel_master": "mymaster" },
 *                 "migrate": { "lock_timeout_ms": 10000, ... } } } }
 *
 * Environment: MCPDB_CONFIG, MCPDB_TARGET, DATABASE_URL (pg of the selected
 * target), REDIS_URL, MCPDB_LOG_LEVEL, MCPDB_LOG_FORMAT, MCPDB_LOG_FILE,
 * NO_COLOR. libpq's own PG* variables, service files and .pgpass keep working
 * because an absent pg setting is passed to libpq as "" (libpq fills in the rest).
 *
 * An environment variable set to the empty string counts as unset.
 *
 * Target selection (one rule, so nothing can go around a configured
 * target): --target, else MCPDB_TARGET, else the file's default_target,
 * else the file's only target. With a config file the selected target is
 * always one of its targets: a file with several targets and no
 * default_target, or with none, is a usage error naming the targets. Only
 * when there is no config file at all does mcpdb use an implicit target
 * called "default", built from the environment (DATABASE_URL, REDIS_URL,
 * PG*) and defaults; it is not listed by conf_ntargets/conf_target_at.
 * Naming a target that does not exist is an error listing the known names;
 * default_target must name a target of the file.
 * --pg and --redis override the selected target's settings (its protected
 * and read_only flags stay). DATABASE_URL and REDIS_URL fill in a setting
 * the selected file target leaves unset; where the target sets its own,
 * they are a usage error naming both, never a silent redirection.
 *
 * Relative migrations_dir, seeds_dir and log.file in the file are taken
 * relative to the file's directory. Ranges: sizes as noted below, times
 * >= 0 except backoff_base_ms/backoff_cap_ms and redis connect_timeout_ms
 * (>= 1: 0 would spin or time out at once), keepalives_idle_s and
 * keepalives_interval_s 1..32767, keepalives_count 1..127 (Linux limits),
 * connect_timeout_s 0..86400; min <= max and backoff_base <= backoff_cap.
 * Unknown and duplicate keys are errors.
 *
 * Messages: "FILE:LINE:COL: JSON syntax error near 'X': why" (column in
 * characters), "FILE: key.path: expected ..., got VALUE" for the file, and
 * "VAR: ..." / "--flag: ..." for the environment and flags. Echoed values
 * are redacted (passwords and URI user info become ***). Redis values are
 * checked with rdsuri_parse (rdsuri.h), the client's own parser.
 */
#ifndef MCPDB_CONF_H
#define MCPDB_CONF_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"
#include "log.h"

/* PostgreSQL pool settings (milliseconds unless named otherwise). */
struct conf_pool {
	int	min;			/* 0..1000, default 1 */
	int	max;			/* 1..1000, default 10 */
	int	acquire_timeout_ms;	/* default 5000 */
	int	idle_timeout_ms;	/* default 600000 */
	int	max_lifetime_ms;	/* default 1800000; 2.5% jitter applied */
	int	validate_after_idle_ms;	/* validate on borrow if idle longer; default 1000 */
	int	leak_threshold_ms;	/* 0 = off; default 60000 */
	int	statement_timeout_ms;	/* default 0 = server default */
	int	connect_timeout_s;	/* libpq connect_timeout, default 5 */
	int	keepalives_idle_s;	/* default 30 */
	int	keepalives_interval_s;	/* default 10 */
	int	keepalives_count;	/* default 3 */
	int	backoff_base_ms;	/* default 100 */
	int	backoff_cap_ms;		/* default 10000 */
	int	breaker_threshold;	/* consecutive failures to open; default 3 */
	/*
	 * Cap of the breaker's probe schedule (breaker.h): while open, probe
	 * n is due within min(this, 250 ms * 2^n) of the last failure (full
	 * jitter); default 2000. Formerly a fixed time the breaker stayed open.
	 */
	int	breaker_open_ms;
};

/* Longest TLS file path in redis_options, NUL included. */
#define CONF_TLS_PATH	512

/* Redis client settings. */
struct conf_redis {
	int	connect_timeout_ms;	/* default 2000 */
	int	command_timeout_ms;	/* default 2000 */
	int	keepalive;		/* bool, default 1 (TCP only) */
	int	backoff_base_ms;	/* default 100 */
	int	backoff_cap_ms;		/* default 5000 */
	int	breaker_threshold;	/* default 3 */
	int	breaker_open_ms;	/* probe schedule cap, as pool; 2000 */
	int	min_connections;	/* kept open by a warm-up thread (rds-warm.h); default 0 */
	int	max_connections;	/* contexts per client, dialled on demand; default 4 */
	int	acquire_timeout_ms;	/* wait for a free one; 0 (default): the command timeout */
	char	**sentinels;		/* "host:port" strings, NULL-terminated, or NULL */
	size_t	nsentinels;
	char	*sentinel_master;	/* master name, or NULL */
	/* ACL user of the Sentinels (not the data nodes'); "" = none / default. */
	char	sentinel_username[128];
	char	sentinel_password[256];	/* a secret: never printed */
	/*
	 * TLS for rediss:// (rdstls.h). Values, not pointers, so the shallow
	 * copies of the options (poller, cluster nodes) stay safe; "" = unset.
	 */
	char	tls_ca_file[CONF_TLS_PATH];	/* "": system store */
	char	tls_cert_file[CONF_TLS_PATH];	/* client cert (PEM) */
	char	tls_key_file[CONF_TLS_PATH];	/* its key (PEM) */
	char	tls_server_name[256];	/* SNI + check; "": host */
	int	tls_insecure;		/* bool, default 0 (verify) */
};

/* Migration runner settings. */
struct conf_migrate {
	int	lock_timeout_ms;	/* advisory-lock wait, default 10000 */
	int	ddl_lock_timeout_ms;	/* SET lock_timeout per migration, default 5000 */
	int	statement_timeout_ms;	/* per migration, default 0 = none */
	/*
	 * "placeholders": { "NAME": "value", ... }, the ${NAME} of migration
	 * files (see migfile.h). Parallel arrays of nph entries, file order;
	 * NULL/0 when not given.
	 */
	char	**ph_names;
	char	**ph_values;
	size_t	  nph;
};

/*
 * Replication thresholds for `health` (the "replication" object): a standby
 * lagging more than this is unhealthy (exit 3). 0 turns a check off.
 */
struct conf_replication {
	int	max_lag_bytes;		/* WAL not replayed; default 64 MiB */
	int	max_lag_s;		/* replay lag in seconds; default 60 */
};

struct conf_target {
	char			*name;
	char			*pg;		/* conninfo or URI; "" = libpq defaults */
	/*
	 * "pg_read": a read-only pool on standbys (conninfo or URI, e.g. with
	 * target_session_attrs=prefer-standby) for the dashboards' poller and
	 * the schema commands; NULL = they use pg. Dropped when --pg or
	 * DATABASE_URL replaces pg. Writes never use it.
	 */
	char			*pg_read;
	char			*redis;		/* redis://... or socket path; NULL = none configured */
	bool			 protected_;	/* destructive actions need the name typed */
	bool			 read_only;	/* every writing command refuses */
	char			*migrations_dir; /* NULL = built-in default */
	char			*seeds_dir;	/* NULL = built-in default */
	struct conf_pool	 pool;
	struct conf_redis	 redis_opts;
	struct conf_migrate	 migrate;
	struct conf_replication	 replication;
	/* where pg/redis came from, for `config show`: "flag", "env", "file", "default" */
	const char		*pg_source;
	const char		*redis_source;
};

/* Command-line flags that override everything (NULL/-1 = not given). */
struct conf_flags {
	const char	*config_path;
	const char	*target;
	const char	*pg;
	const char	*redis;
	const char	*log_level;
	const char	*log_format;
	const char	*log_file;
	/*
	 * Read the file's targets but select none (shell completion lists
	 * target names even where a command would refuse to pick one):
	 * conf_target() is then NULL unless target was named and exists.
	 */
	bool		 no_select;
};

struct conf;

/*
 * Load and merge configuration. On error returns NULL with err set
 * (code MC_E_CONFIG) and a message naming the key path and what was
 * expected, prefixed by the file, e.g. `FILE: targets.prod.pool.max:
 * expected an integer 1..1000, got "ten"`, or "FILE:LINE:COL: JSON syntax
 * error near 'X': why" for a malformed file. Print err->msg as it is.
 * Warnings (e.g. a password in a file readable by group/others) go to log
 * (may be NULL). Caller frees with conf_free.
 */
struct conf	*conf_load(const struct conf_flags *, struct logger *, struct mc_err *);
void	conf_free(struct conf *);

/* The selected target (never NULL after a successful load). Borrowed. */
const struct conf_target *conf_target(const struct conf *);
/* Look up a target by name; NULL if unknown. Borrowed. */
const struct conf_target *conf_find_target(const struct conf *, const char *);
/* Number of targets and the i-th, in file order. Borrowed. */
size_t	conf_ntargets(const struct conf *);
const struct conf_target *conf_target_at(const struct conf *, size_t);
/*
 * Where the selection came from: "flag", "env", "file" (default_target),
 * "only" (the file's only target) or "default" (no config file).
 */
const char *conf_target_source(const struct conf *);
/* The same in words, e.g. "the only target in the config file". Static. */
const char *conf_target_why(const struct conf *);
/* Path of the file that was read, or NULL when none. Borrowed. */
const char *conf_path(const struct conf *);
/*
 * How that file was found: "--config", "MCPDB_CONFIG", "default location",
 * or "no file found" when none was read. Static.
 */
const char *conf_path_source(const struct conf *);
/* The merged log settings. log_file may be NULL. */
enum log_level	conf_log_level(const struct conf *);
enum log_format	conf_log_format(const struct conf *);
const char	*conf_log_file(const struct conf *);
/* True when NO_COLOR is set (to anything non-empty). */
bool	conf_no_color(const struct conf *);
/*
 * Fill a target's pool, redis_opts and migrate settings with the defaults
 * above (name, pg, redis, flags untouched; sentinels are set to NULL
 * without being freed).
 */
void	conf_target_defaults(struct conf_target *);

/*
 * Write or replace target `name` in the config file at path (created 0600
 * with its directory, 0700, if missing), keeping the other keys. Used by
 * `demo up`. An existing target keeps its other keys (protected, pool ...);
 * pg/redis are set, or removed when NULL. The result is validated as
 * conf_load would before anything is written; the file is replaced
 * atomically (temp file + rename), mode 0600, reformatted by cJSON.
 */
int	conf_file_put_target(const char *path, const char *name, const char *pg,
	    const char *redis, struct mc_err *);
/*
 * conf_file_put_target that also makes name the file's default_target when
 * the file names none (an existing default, even another target, is kept);
 * *defaulted says whether it did. Target selection is unchanged: it reads
 * the file as written.
 */
int	conf_file_put_target_default(const char *path, const char *name,
	    const char *pg, const char *redis, bool *defaulted,
	    struct mc_err *);
/*
 * The default config file path ($XDG_CONFIG_HOME/mcpdb/config.json, a
 * relative XDG_CONFIG_HOME being ignored as the XDG spec says, else
 * $HOME/.config/mcpdb/config.json). NULL when there is no home. Caller frees.
 */
char	*conf_default_path(void);

#endif
