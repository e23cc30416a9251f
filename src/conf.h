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
 * When no target is named anywhere and the file has no default_target, a
 * target called "default" is synthesised from the environment and defaults.
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
	int	breaker_open_ms;	/* default 5000 */
};

/* Redis client settings. */
struct conf_redis {
	int	connect_timeout_ms;	/* default 2000 */
	int	command_timeout_ms;	/* default 2000 */
	int	keepalive;		/* bool, default 1 (TCP only) */
	int	backoff_base_ms;	/* default 100 */
	int	backoff_cap_ms;		/* default 5000 */
	int	breaker_threshold;	/* default 3 */
	int	breaker_open_ms;	/* default 5000 */
	char	**sentinels;		/* "host:port" strings, NULL-terminated, or NULL */
	size_t	nsentinels;
	char	*sentinel_master;	/* master name, or NULL */
};

/* Migration runner settings. */
struct conf_migrate {
	int	lock_timeout_ms;	/* advisory-lock wait, default 10000 */
	int	ddl_lock_timeout_ms;	/* SET lock_timeout per migration, default 5000 */
	int	statement_timeout_ms;	/* per migration, default 0 = none */
};

struct conf_target {
	char			*name;
	char			*pg;		/* conninfo or URI; "" = libpq defaults */
	char			*redis;		/* redis://... or socket path; NULL = none configured */
	bool			 protected_;	/* destructive actions need the name typed */
	bool			 read_only;	/* every writing command refuses */
	char			*migrations_dir; /* NULL = built-in default */
	char			*seeds_dir;	/* NULL = built-in default */
	struct conf_pool	 pool;
	struct conf_redis	 redis_opts;
	struct conf_migrate	 migrate;
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
};

struct conf;

/*
 * Load and merge configuration. On error returns NULL with err set
 * (code MC_E_CONFIG) and a message naming the key path and what was
 * expected, e.g. `targets.prod.pool.max: expected an integer 1..1000, got "ten"`,
 * or "FILE:LINE:COL: JSON syntax error" for a malformed file.
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
/* Path of the file that was read, or NULL when none. Borrowed. */
const char *conf_path(const struct conf *);
/* The merged log settings. log_file may be NULL. */
enum log_level	conf_log_level(const struct conf *);
enum log_format	conf_log_format(const struct conf *);
const char	*conf_log_file(const struct conf *);
/* True when NO_COLOR is set (to anything non-empty). */
bool	conf_no_color(const struct conf *);
/* Fill a target's settings with the defaults above (name etc. untouched). */
void	conf_target_defaults(struct conf_target *);

/*
 * Write or replace target `name` in the config file at path (created 0600
 * with its directory if missing), keeping the other keys. Used by `demo up`.
 * pg/redis may be NULL to omit.
 */
int	conf_file_put_target(const char *path, const char *name, const char *pg,
	    const char *redis, struct mc_err *);
/* The default config file path ($XDG_CONFIG_HOME/mcpdb/config.json). Caller frees. */
char	*conf_default_path(void);

#endif
