/* t-conf.c - unit tests for configuration: lookup, precedence, validation. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf.h"
#include "err.h"
#include "log.h"
#include "tap.h"
#include "xmem.h"

static char	*tmpdir;	/* private scratch directory */
static char	*fixdir;	/* tests/fixtures/conf in the source tree */

/* Every variable conf_load reads; cleared before each case. */
static const char *const env_vars[] = {
	"MCPDB_CONFIG", "MCPDB_TARGET", "DATABASE_URL", "REDIS_URL",
	"MCPDB_LOG_LEVEL", "MCPDB_LOG_FORMAT", "MCPDB_LOG_FILE", "NO_COLOR",
	"XDG_CONFIG_HOME", NULL
};

/* Start a case: a clean environment with XDG_CONFIG_HOME in the scratch dir. */
static void
env_reset(void)
{
	const char *const	*v;
	char			*xdg;

	for (v = env_vars; *v != NULL; v++)
		unsetenv(*v);
	xdg = xasprintf("%s/xdg", tmpdir);
	setenv("XDG_CONFIG_HOME", xdg, 1);
	free(xdg);
}

/* Path of a fixture. Caller frees. */
static char *
fixture(const char *name)
{
	return (xasprintf("%s/%s", fixdir, name));
}

/* Write text to tmpdir/name with mode; returns the path. Caller frees. */
static char *
write_file(const char *name, mode_t mode, const char *text)
{
	char	*path = xasprintf("%s/%s", tmpdir, name);
	FILE	*f;

	unlink(path);
	if ((f = fopen(path, "w")) == NULL)
		bail_out("cannot write %s: %s", path, strerror(errno));
	fputs(text, f);
	fclose(f);
	if (chmod(path, mode) == -1)
		bail_out("chmod %s: %s", path, strerror(errno));
	return (path);
}

/* The whole content of a file, or NULL. Caller frees. */
static char *
read_all(const char *path)
{
	FILE	*f = fopen(path, "r");
	char	*buf;
	long	 n;

	if (f == NULL)
		return (NULL);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = xmalloc((size_t)n + 1);
	buf[fread(buf, 1, (size_t)n, f)] = '\0';
	fclose(f);
	return (buf);
}

/* Load with only --config set (NULL for none); warnings go to log. */
static struct conf *
load_file_log(const char *path, struct logger *log, struct mc_err *err)
{
	struct conf_flags	f = { 0 };

	f.config_path = path;
	mc_err_clear(err);
	return (conf_load(&f, log, err));
}

/* Load with only --config set (NULL for none). */
static struct conf *
load_file(const char *path, struct mc_err *err)
{
	return (load_file_log(path, NULL, err));
}

/*
 * Load fixture name: it must fail with exactly "PATH: want", or "PATHwant"
 * when want starts with ':' (syntax errors: ":LINE:COL: ...").
 */
static void
bad_fixture(const char *name, const char *want)
{
	struct mc_err	 err;
	struct conf	*c;
	char		*path = fixture(name), *full;

	env_reset();
	c = load_file(path, &err);
	ok(c == NULL, "%s is refused", name);
	conf_free(c);
	full = want[0] == ':' ? xasprintf("%s%s", path, want) :
	    xasprintf("%s: %s", path, want);
	is_str(err.msg, full, "%s: exact message", name);
	is_int(err.code, MC_E_CONFIG, "%s: a config error (exit 2)", name);
	free(full);
	free(path);
}

/* rm -rf helper for nftw. */
static int
rm_one(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return (remove(p));
}

/* Defaults with no file and no environment. */
static void
test_defaults(void)
{
	struct mc_err			 err;
	struct conf			*c;
	const struct conf_target	*t;

	env_reset();
	c = load_file(NULL, &err);
	ok(c != NULL, "no config file at the default path is fine: %s",
	    err.msg);
	if (c == NULL)
		return;
	t = conf_target(c);
	is_str(conf_path(c), NULL, "no file was read");
	is_int((long long)conf_ntargets(c), 0, "no file targets");
	is_str(t->name, "default", "a \"default\" target is synthesised");
	is_str(conf_target_source(c), "default", "selection source is default");
	is_str(t->pg, "", "pg defaults to \"\" (libpq's PG* variables apply)");
	is_str(t->pg_source, "default", "pg_source default");
	is_str(t->redis, NULL, "no redis by default");
	is_str(t->redis_source, "default", "redis_source default");
	ok(!t->protected_ && !t->read_only, "not protected, not read-only");
	is_int(conf_log_level(c), LOGL_INFO, "log level defaults to info");
	is_int(conf_log_format(c), LOGF_TEXT, "log format defaults to text");
	is_str(conf_log_file(c), NULL, "no log file by default");
	ok(!conf_no_color(c), "colour allowed without NO_COLOR");
	is_int(t->pool.min, 1, "pool.min default 1");
	is_int(t->pool.max, 10, "pool.max default 10");
	is_int(t->pool.acquire_timeout_ms, 5000,
	    "pool.acquire_timeout_ms default");
	is_int(t->pool.idle_timeout_ms, 600000, "pool.idle_timeout_ms default");
	is_int(t->pool.max_lifetime_ms, 1800000,
	    "pool.max_lifetime_ms default");
	is_int(t->pool.validate_after_idle_ms, 1000,
	    "pool.validate_after_idle_ms default");
	is_int(t->pool.leak_threshold_ms, 60000,
	    "pool.leak_threshold_ms default");
	is_int(t->pool.statement_timeout_ms, 0,
	    "pool.statement_timeout_ms default");
	is_int(t->pool.connect_timeout_s, 5, "pool.connect_timeout_s default");
	is_int(t->pool.keepalives_idle_s, 30, "keepalives_idle_s default");
	is_int(t->pool.keepalives_interval_s, 10,
	    "keepalives_interval_s default");
	is_int(t->pool.keepalives_count, 3, "keepalives_count default");
	is_int(t->pool.backoff_base_ms, 100, "pool backoff base default");
	is_int(t->pool.backoff_cap_ms, 10000, "pool backoff cap default");
	is_int(t->pool.breaker_threshold, 3, "pool breaker threshold default");
	is_int(t->pool.breaker_open_ms, 2000, "pool breaker open default");
	is_int(t->redis_opts.connect_timeout_ms, 2000,
	    "redis connect timeout default");
	is_int(t->redis_opts.command_timeout_ms, 2000,
	    "redis command timeout default");
	is_int(t->redis_opts.keepalive, 1, "redis keepalive default on");
	is_int(t->redis_opts.backoff_base_ms, 100,
	    "redis backoff base default");
	is_int(t->redis_opts.backoff_cap_ms, 5000, "redis backoff cap default");
	is_int(t->redis_opts.breaker_threshold, 3,
	    "redis breaker threshold default");
	is_int(t->redis_opts.breaker_open_ms, 2000,
	    "redis breaker open default");
	is_int(t->redis_opts.max_connections, 4, "redis max_connections default 4");
	is_int(t->redis_opts.acquire_timeout_ms, 0,
	    "redis acquire timeout default 0 (the command timeout)");
	ok(t->redis_opts.sentinels == NULL && t->redis_opts.nsentinels == 0 &&
	    t->redis_opts.sentinel_master == NULL, "no sentinels by default");
	is_int(t->migrate.lock_timeout_ms, 10000,
	    "migrate.lock_timeout_ms default");
	is_int(t->migrate.ddl_lock_timeout_ms, 5000,
	    "migrate.ddl_lock_timeout_ms default");
	is_int(t->migrate.statement_timeout_ms, 0,
	    "migrate.statement_timeout_ms default");
	ok(conf_find_target(c, "default") == t,
	    "the synthesised target can be found by name");
	conf_free(c);

	setenv("NO_COLOR", "1", 1);
	c = load_file(NULL, &err);
	ok(c != NULL && conf_no_color(c), "NO_COLOR=1 disables colour");
	conf_free(c);
	setenv("NO_COLOR", "", 1);
	c = load_file(NULL, &err);
	ok(c != NULL && !conf_no_color(c), "NO_COLOR empty does not");
	conf_free(c);
}

/* Everything good.json sets is read back. */
static void
test_good_file(void)
{
	struct mc_err			 err;
	struct conf			*c;
	const struct conf_target	*t;
	char				*path = fixture("good.json"), *want;

	env_reset();
	c = load_file(path, &err);
	ok(c != NULL, "good.json loads: %s", err.msg);
	if (c == NULL) {
		free(path);
		return;
	}
	is_str(conf_path(c), path, "conf_path is the file read");
	is_int((long long)conf_ntargets(c), 3, "three targets");
	is_str(conf_target_at(c, 0)->name, "dev", "file order kept (0)");
	is_str(conf_target_at(c, 1)->name, "staging", "file order kept (1)");
	is_str(conf_target_at(c, 2)->name, "prod", "file order kept (2)");
	ok(conf_target_at(c, 3) == NULL, "past the end is NULL");
	t = conf_target(c);
	is_str(t->name, "dev", "default_target selects dev");
	is_str(conf_target_source(c), "file", "selection came from the file");
	is_str(t->pg, "host=localhost dbname=app_dev user=dev",
	    "pg from the file");
	is_str(t->pg_source, "file", "pg_source file");
	is_str(t->redis, "redis://localhost:6379/1", "redis from the file");
	is_str(t->redis_source, "file", "redis_source file");
	is_int(conf_log_level(c), LOGL_WARN, "log.level from the file");
	is_int(conf_log_format(c), LOGF_JSON, "log.format from the file");
	want = xasprintf("%s/mcpdb.log", fixdir);
	is_str(conf_log_file(c), want,
	    "relative log.file is relative to the config file");
	free(want);

	t = conf_find_target(c, "staging");
	ok(t != NULL && t->read_only && !t->protected_,
	    "staging is read_only, not protected");
	want = xasprintf("%s/migrations", fixdir);
	is_str(t ? t->migrations_dir : NULL, want,
	    "relative migrations_dir resolved");
	free(want);
	is_str(t ? t->seeds_dir : NULL, "/srv/mcpdb/seeds",
	    "absolute seeds_dir kept");
	is_str(t ? t->redis : NULL, "/run/redis/redis.sock",
	    "socket path accepted");

	t = conf_find_target(c, "prod");
	ok(t != NULL && t->protected_ && !t->read_only,
	    "prod is protected, not read_only");
	if (t != NULL) {
		is_int(t->pool.min, 2, "pool.min read");
		is_int(t->pool.max, 20, "pool.max read");
		is_int(t->pool.acquire_timeout_ms, 3000,
		    "pool.acquire_timeout_ms read");
		is_int(t->pool.keepalives_count, 5,
		    "pool.keepalives_count read");
		is_int(t->pool.idle_timeout_ms, 600000,
		    "unset pool keys keep defaults");
		is_int(t->redis_opts.connect_timeout_ms, 500,
		    "redis connect timeout read");
		is_int(t->redis_opts.keepalive, 0,
		    "redis keepalive false read");
		is_int((long long)t->redis_opts.nsentinels, 2, "two sentinels");
		is_str(t->redis_opts.sentinels[0], "10.0.0.1:26379",
		    "sentinel 0");
		is_str(t->redis_opts.sentinels[1], "[::1]:26380",
		    "sentinel 1 (IPv6)");
		ok(t->redis_opts.sentinels[2] == NULL,
		    "sentinel list NULL-terminated");
		is_str(t->redis_opts.sentinel_master, "mymaster",
		    "sentinel_master read");
		is_int(t->migrate.lock_timeout_ms, 20000,
		    "migrate.lock_timeout_ms read");
		is_int(t->migrate.ddl_lock_timeout_ms, 5000,
		    "unset migrate keys keep defaults");
		is_str(t->pg_source, "file",
		    "an unselected target keeps file sources");
	}
	ok(conf_find_target(c, "nope") == NULL, "unknown name finds nothing");
	ok(conf_find_target(c, NULL) == NULL, "NULL name finds nothing");
	conf_free(c);
	free(path);
}

/* Which file is read: --config > MCPDB_CONFIG > XDG default; missing files. */
static void
test_lookup(void)
{
	struct mc_err		 err;
	struct conf		*c;
	struct conf_flags	 f = { 0 };
	char *good = fixture("good.json"), *other = fixture("single-prod.json");
	char			*xdgfile, *missing, *want;

	env_reset();
	setenv("MCPDB_CONFIG", other, 1);
	c = load_file(NULL, &err);
	is_str(c ? conf_path(c) : NULL, other, "MCPDB_CONFIG names the file");
	conf_free(c);
	c = load_file(good, &err);
	is_str(c ? conf_path(c) : NULL, good, "--config beats MCPDB_CONFIG");
	conf_free(c);

	env_reset();
	xdgfile = xasprintf("%s/xdg/mcpdb/config.json", tmpdir);
	ok(conf_file_put_target(xdgfile, "dev", "dbname=xdg", NULL, &err) == 0,
	    "write a config at the XDG path: %s", err.msg);
	c = load_file(NULL, &err);
	is_str(c ? conf_path(c) : NULL, xdgfile,
	    "$XDG_CONFIG_HOME/mcpdb/config.json is read");
	is_str(c ? conf_target(c)->name : NULL, "dev",
	    "the file's only target is selected");
	is_str(c ? conf_target_source(c) : NULL, "only",
	    "... and the source says so");
	conf_free(c);
	setenv("MCPDB_CONFIG", other, 1);
	c = load_file(NULL, &err);
	is_str(c ? conf_path(c) : NULL, other,
	    "MCPDB_CONFIG beats the XDG default");
	conf_free(c);
	unlink(xdgfile);

	env_reset();
	setenv("XDG_CONFIG_HOME", "relative/dir", 1);
	setenv("HOME", tmpdir, 1);
	want = xasprintf("%s/.config/mcpdb/config.json", tmpdir);
	missing = conf_default_path();
	is_str(missing, want,
	    "a relative XDG_CONFIG_HOME is ignored: ~/.config is used");
	free(missing);
	free(want);

	env_reset();
	missing = xasprintf("%s/no-such.json", tmpdir);
	c = load_file(missing, &err);
	ok(c == NULL, "a missing --config file is an error");
	want = xasprintf("%s: cannot open config file (named by --config): "
	    "No such file or directory", missing);
	is_str(err.msg, want, "the message names the file and who named it");
	is_int(err.code, MC_E_CONFIG, "missing named file is a config error");
	free(want);
	setenv("MCPDB_CONFIG", missing, 1);
	c = load_file(NULL, &err);
	want = xasprintf("%s: cannot open config file (named by MCPDB_CONFIG): "
	    "No such file or directory", missing);
	ok(c == NULL, "a missing MCPDB_CONFIG file is an error");
	is_str(err.msg, want, "the message says MCPDB_CONFIG named it");
	free(want);
	free(missing);

	env_reset();
	f.config_path = "";
	mc_err_clear(&err);
	c = conf_load(&f, NULL, &err);
	ok(c == NULL, "--config \"\" is refused");
	is_str(err.msg, "--config: expected a file name, got \"\"",
	    "empty --config message");
	c = load_file(tmpdir, &err);
	want = xasprintf("%s: not a regular file", tmpdir);
	is_str(err.msg, want, "a directory is not a config file");
	free(want);
	free(xdgfile);
	free(good);
	free(other);
}

/* Target selection: --target > MCPDB_TARGET > default_target > "default". */
static void
test_select(void)
{
	struct mc_err		 err;
	struct conf		*c;
	struct conf_flags	 f = { 0 };
	char			*good = fixture("good.json");
	char			*single = fixture("single-default.json");
	char			*prod = fixture("single-prod.json");
	char			*want, *empty;

	env_reset();
	f.config_path = good;
	setenv("MCPDB_TARGET", "staging", 1);
	c = conf_load(&f, NULL, &err);
	is_str(c ? conf_target(c)->name : NULL, "staging",
	    "MCPDB_TARGET beats default_target");
	is_str(c ? conf_target_source(c) : NULL, "env", "selection source env");
	conf_free(c);
	f.target = "prod";
	c = conf_load(&f, NULL, &err);
	is_str(c ? conf_target(c)->name : NULL, "prod",
	    "--target beats MCPDB_TARGET");
	is_str(c ? conf_target_source(c) : NULL, "flag",
	    "selection source flag");
	conf_free(c);
	setenv("MCPDB_TARGET", "", 1);
	f.target = NULL;
	c = conf_load(&f, NULL, &err);
	is_str(c ? conf_target(c)->name : NULL, "dev",
	    "an empty MCPDB_TARGET counts as unset");
	conf_free(c);

	f.target = "stg";
	mc_err_clear(&err);
	c = conf_load(&f, NULL, &err);
	ok(c == NULL, "an unknown --target is refused");
	is_str(err.msg,
	    "unknown target \"stg\" (from --target); known targets: "
	    "dev, staging, prod",
	    "the message lists the known targets");
	f.target = NULL;
	setenv("MCPDB_TARGET", "qa", 1);
	c = conf_load(&f, NULL, &err);
	ok(c == NULL, "an unknown MCPDB_TARGET is refused");
	is_str(err.msg,
	    "unknown target \"qa\" (from MCPDB_TARGET); known targets: "
	    "dev, staging, prod",
	    "the message says MCPDB_TARGET");
	f.target = "";
	c = conf_load(&f, NULL, &err);
	ok(c == NULL, "--target \"\" is refused");
	is_str(err.msg, "--target: expected a target name, got \"\"",
	    "empty --target message");

	env_reset();
	f.config_path = NULL;
	f.target = "prod";
	c = conf_load(&f, NULL, &err);
	ok(c == NULL, "naming a target without any config file is refused");
	is_str(err.msg,
	    "unknown target \"prod\" (from --target); no config file was "
	    "found, so no targets are defined",
	    "the message says there is no file");
	f.target = "default";
	c = conf_load(&f, NULL, &err);
	is_str(c ? conf_target(c)->name : NULL, "default",
	    "--target default always works");
	conf_free(c);

	f.target = NULL;
	f.config_path = single;
	mc_err_clear(&err);
	c = conf_load(&f, NULL, &err);
	ok(c == NULL,
	    "two targets and no default_target: nothing is selected");
	want = xasprintf("no target selected: %s defines 2 targets and no "
	    "default_target; choose one with --target NAME (or MCPDB_TARGET, "
	    "or set default_target); known targets: default, other", single);
	is_str(err.msg, want, "... the message names the file and targets");
	free(want);
	is_int(err.code, MC_E_USAGE, "... a usage error");
	f.target = "default";
	c = conf_load(&f, NULL, &err);
	is_str(c ? conf_target(c)->pg : NULL, "dbname=fromfile",
	    "a file target named \"default\" is used when named");
	is_str(c ? conf_target(c)->pg_source : NULL, "file",
	    "... with pg from the file");
	is_int(c ? (long long)conf_ntargets(c) : -1, 2, "... and it is listed");
	conf_free(c);
	f.target = NULL;

	f.config_path = prod;
	setenv("PGDATABASE", "elsewhere", 1);
	c = conf_load(&f, NULL, &err);
	is_str(c ? conf_target(c)->name : NULL, "prod",
	    "the only target (prod) is selected, whatever PG* says");
	ok(c != NULL && conf_target(c)->protected_,
	    "... and it keeps its protection");
	is_str(c ? conf_target_why(c) : NULL,
	    "the only target in the config file", "... said in words");
	conf_free(c);
	unsetenv("PGDATABASE");
	f.target = "default";
	mc_err_clear(&err);
	c = conf_load(&f, NULL, &err);
	ok(c == NULL,
	    "with a config file, --target default is no implicit target");
	is_str(err.msg, "unknown target \"default\" (from --target); known "
	    "targets: prod", "... it is an unknown target");
	f.target = NULL;

	empty = write_file("no-targets.json", 0600, "{ \"log\": { \"level\": \"info\" } }");
	f.config_path = empty;
	c = conf_load(&f, NULL, &err);
	ok(c == NULL, "a config file without targets selects nothing");
	like(err.msg, "defines no targets; add a target under",
	    "... and says how to fix it: %s", err.msg);
	unlink(empty);
	free(empty);
	empty = write_file("dflt.json", 0600, "{ \"default_target\": \"default\", "
	    "\"targets\": { \"a\": {} } }");
	f.config_path = empty;
	c = conf_load(&f, NULL, &err);
	ok(c == NULL, "default_target \"default\" must name a file target");
	unlink(empty);
	free(empty);
	f.config_path = prod;
	f.target = "prod";
	c = conf_load(&f, NULL, &err);
	ok(c != NULL && conf_target(c)->protected_,
	    "prod selected by name is protected");
	conf_free(c);
	free(good);
	free(single);
	free(prod);
}

/* pg and redis: flag > environment > file > default, on the selected target. */
static void
test_connections(void)
{
	struct mc_err			 err;
	struct conf			*c;
	struct conf_flags		 f = { 0 };
	const struct conf_target	*t;
	char				*good = fixture("good.json");
	char				*want, *bare;

	env_reset();
	f.config_path = good;
	setenv("DATABASE_URL", "postgresql://envhost/envdb", 1);
	mc_err_clear(&err);
	c = conf_load(&f, NULL, &err);
	ok(c == NULL, "DATABASE_URL never replaces a file target's pg");
	want = xasprintf("DATABASE_URL is set, but target dev (default_target "
	    "of the config file) has its own \"pg\" in %s; unset "
	    "DATABASE_URL, or override deliberately with --pg", good);
	is_str(err.msg, want, "... it names both and the fix");
	free(want);
	is_int(err.code, MC_E_USAGE, "... a usage error");
	f.target = "prod";
	c = conf_load(&f, NULL, &err);
	ok(c == NULL, "nor an explicitly named, protected one's");
	like(err.msg, "target prod (from --target) has its own \"pg\"",
	    "... %s", err.msg);
	f.target = NULL;
	unsetenv("DATABASE_URL");
	setenv("REDIS_URL", "redis://envcache:6379/3", 1);
	c = conf_load(&f, NULL, &err);
	ok(c == NULL, "REDIS_URL never replaces a file target's redis");
	like(err.msg, "REDIS_URL is set, but target dev", "... %s", err.msg);
	bare = write_file("bare.json", 0600, "{ \"targets\": { \"bare\": { \"pg\": "
	    "\"host=x\", \"protected\": true } } }");
	f.config_path = bare;
	c = conf_load(&f, NULL, &err);
	t = c ? conf_target(c) : NULL;
	is_str(t ? t->redis : NULL, "redis://envcache:6379/3",
	    "REDIS_URL fills in a file target's unset redis");
	is_str(t ? t->redis_source : NULL, "env", "redis_source env");
	ok(t != NULL && t->protected_, "... and the target stays protected");
	conf_free(c);
	unlink(bare);
	free(bare);
	f.config_path = good;
	setenv("DATABASE_URL", "postgresql://envhost/envdb", 1);

	f.pg = "host=flaghost";
	f.redis = "/run/mcpdb/flag.sock";
	c = conf_load(&f, NULL, &err);
	t = c ? conf_target(c) : NULL;
	is_str(t ? t->pg : NULL, "host=flaghost", "--pg beats DATABASE_URL");
	is_str(t ? t->pg_source : NULL, "flag", "pg_source flag");
	is_str(t ? t->redis : NULL, "/run/mcpdb/flag.sock",
	    "--redis beats REDIS_URL");
	is_str(t ? t->redis_source : NULL, "flag", "redis_source flag");
	conf_free(c);

	env_reset();
	f.config_path = NULL;
	f.pg = NULL;
	f.redis = NULL;
	setenv("DATABASE_URL", "dbname=only_env", 1);
	setenv("REDIS_URL", "redis://localhost", 1);
	c = conf_load(&f, NULL, &err);
	t = c ? conf_target(c) : NULL;
	is_str(t ? t->pg : NULL, "dbname=only_env",
	    "DATABASE_URL fills the synthesised target");
	is_str(t ? t->redis : NULL, "redis://localhost",
	    "REDIS_URL fills it too");
	conf_free(c);

	setenv("REDIS_URL", "localhost:6379", 1);
	mc_err_clear(&err);
	c = conf_load(&f, NULL, &err);
	ok(c == NULL, "a bad REDIS_URL is refused");
	is_str(err.msg,
	    "REDIS_URL: expected a redis://, rediss:// or unix:// URI or an "
	    "absolute unix socket path, got \"localhost:6379\"",
	    "REDIS_URL message");
	unsetenv("REDIS_URL");
	f.redis = "redis://u:topsecret@h:0";
	c = conf_load(&f, NULL, &err);
	ok(c == NULL, "a bad --redis is refused");
	is_str(err.msg, "--redis: invalid Redis URI: the port must be a number "
	    "1..65535; expected redis://[user:password@]host[:port][/db], got "
	    "\"redis://***@h:0\"", "--redis message, password hidden");
	f.redis = NULL;
	setenv("DATABASE_URL", "host=x password=topsecret port", 1);
	c = conf_load(&f, NULL, &err);
	ok(c == NULL, "a bad DATABASE_URL is refused");
	like(err.msg,
	    "DATABASE_URL: expected a libpq connection string or postgresql:// "
	    "URI",
	    "DATABASE_URL message names the variable");
	unlike(err.msg, "topsecret", "... and hides the password: %s", err.msg);
	setenv("DATABASE_URL", "postgresql://u:topsecret@h1:5432,h2:99999/app",
	    1);
	c = conf_load(&f, NULL, &err);
	ok(c == NULL, "a port out of range is caught before connecting");
	is_str(err.msg,
	    "DATABASE_URL: expected a port 1..65535 in the connection "
	    "string, got port \"5432,99999\"",
	    "port message");
	setenv("DATABASE_URL", "host=a,b port=5432,", 1);
	c = conf_load(&f, NULL, &err);
	ok(c != NULL, "multi-host port lists with an empty entry are fine: %s",
	    err.msg);
	conf_free(c);
	free(good);
}

/* Log settings: flag > MCPDB_LOG_* > file "log" > info/text/none. */
static void
test_log_settings(void)
{
	struct mc_err		 err;
	struct conf		*c;
	struct conf_flags	 f = { 0 };
	char			*good = fixture("good.json");

	env_reset();
	f.config_path = good;
	setenv("MCPDB_LOG_LEVEL", "debug", 1);
	setenv("MCPDB_LOG_FORMAT", "text", 1);
	setenv("MCPDB_LOG_FILE", "/var/log/mcpdb-env.log", 1);
	c = conf_load(&f, NULL, &err);
	is_int(c ? (int)conf_log_level(c) : -1, LOGL_DEBUG,
	    "MCPDB_LOG_LEVEL beats the file");
	is_int(c ? (int)conf_log_format(c) : -1, LOGF_TEXT,
	    "MCPDB_LOG_FORMAT beats the file");
	is_str(c ? conf_log_file(c) : NULL, "/var/log/mcpdb-env.log",
	    "MCPDB_LOG_FILE beats the file");
	conf_free(c);
	f.log_level = "error";
	f.log_format = "json";
	f.log_file = "flag.log";
	c = conf_load(&f, NULL, &err);
	is_int(c ? (int)conf_log_level(c) : -1, LOGL_ERROR,
	    "--log-level beats MCPDB_LOG_LEVEL");
	is_int(c ? (int)conf_log_format(c) : -1, LOGF_JSON,
	    "--log-format beats MCPDB_LOG_FORMAT");
	is_str(c ? conf_log_file(c) : NULL, "flag.log",
	    "--log-file beats MCPDB_LOG_FILE");
	conf_free(c);

	f.log_level = "loud";
	mc_err_clear(&err);
	c = conf_load(&f, NULL, &err);
	ok(c == NULL, "a bad --log-level is refused");
	is_str(err.msg,
	    "--log-level: expected one of trace, debug, info, warn, error, "
	    "off, got \"loud\"",
	    "--log-level message");
	f.log_level = NULL;
	setenv("MCPDB_LOG_LEVEL", "verbose", 1);
	c = conf_load(&f, NULL, &err);
	is_str(err.msg,
	    "MCPDB_LOG_LEVEL: expected one of trace, debug, info, warn, "
	    "error, off, got \"verbose\"",
	    "MCPDB_LOG_LEVEL message");
	unsetenv("MCPDB_LOG_LEVEL");
	setenv("MCPDB_LOG_FORMAT", "xml", 1);
	c = conf_load(&f, NULL, &err);
	f.log_format = NULL;
	ok(c != NULL,
	    "--log-format given: MCPDB_LOG_FORMAT is not even looked at");
	conf_free(c);
	c = conf_load(&f, NULL, &err);
	is_str(err.msg, "MCPDB_LOG_FORMAT: expected text or json, got \"xml\"",
	    "MCPDB_LOG_FORMAT message");
	free(good);
}

/* At least a dozen malformed files, each with its exact message. */
static void
test_malformed(void)
{
	bad_fixture("syntax-trailing-comma.json",
	    ":4:23: JSON syntax error near ',': trailing comma before '}'");
	bad_fixture("syntax-missing-comma.json",
	    ":4:5: JSON syntax error near '\"': expected ',' or '}' after a "
	    "member "
	    "(a missing comma?)");
	bad_fixture("syntax-unclosed.json",
	    ":4:1: JSON syntax error at end of file: '{' opened at line 2, "
	    "column 14 "
	    "is never closed");
	bad_fixture("syntax-bare-word.json",
	    ":2:39: JSON syntax error near 'tru': expected a value (strings "
	    "need "
	    "double quotes; literals are true, false, null)");
	bad_fixture("syntax-unterminated.json",
	    ":1:21: JSON syntax error near '\"': unterminated string (a string "
	    "cannot "
	    "span lines)");
	bad_fixture("bad-empty.json",
	    "the file is empty (expected a JSON object)");
	bad_fixture("bad-top-array.json",
	    "expected a JSON object at the top level, got an array");
	bad_fixture("bad-int-type.json",
	    "targets.prod.pool.max: expected an integer 1..1000, got \"ten\"");
	bad_fixture("bad-int-range.json",
	    "targets.prod.pool.max: expected an integer 1..1000, got 5000");
	bad_fixture("bad-int-fraction.json",
	    "targets.prod.pool.acquire_timeout_ms: expected an integer >= 0, "
	    "got 10.5");
	bad_fixture("bad-ms-negative.json",
	    "targets.prod.migrate.lock_timeout_ms: expected an integer >= 0, "
	    "got -1");
	bad_fixture("bad-unknown-key.json",
	    "targets.prod.pol: unknown key (did you mean \"pool\"?)");
	bad_fixture("bad-unknown-top.json",
	    "frobnicate: unknown key (known keys: default_target, log, "
	    "targets)");
	bad_fixture("bad-min-max.json",
	    "targets.prod.pool: min (20) is greater than max (10)");
	bad_fixture("bad-redis-min-max.json",
	    "targets.prod.redis_options: min_connections (8) is greater than "
	    "max_connections (4)");
	bad_fixture("bad-backoff.json",
	    "targets.prod.redis_options: backoff_base_ms (9000) is greater "
	    "than "
	    "backoff_cap_ms (100)");
	bad_fixture("bad-redis-port.json",
	    "targets.prod.redis: invalid Redis URI: the port must be a number "
	    "1..65535; "
	    "expected redis://[user:password@]host[:port][/db], got "
	    "\"redis://cache1:99999/0\"");
	bad_fixture("bad-redis-password.json",
	    "targets.prod.redis: invalid Redis URI: the database must be a "
	    "number >= 0; "
	    "expected redis://[user:password@]host[:port][/db], got "
	    "\"redis://***@cache1:6379/zero\"");
	bad_fixture("bad-redis-relative.json",
	    "targets.prod.redis: a unix socket path must be absolute, got "
	    "\"run/redis.sock\"");
	bad_fixture("bad-redis-scheme.json",
	    "targets.prod.redis: unsupported URI scheme (use redis://, "
	    "rediss://, unix:// or an absolute unix socket path), got "
	    "\"http://cache1:6379\"");
	bad_fixture("bad-sentinel.json",
	    "targets.prod.redis_options.sentinels[1]: expected \"host:port\" "
	    "(missing port), "
	    "got \"sentinel2\"");
	bad_fixture("bad-sentinel-nomaster.json",
	    "targets.prod.redis_options: \"sentinels\" needs "
	    "\"sentinel_master\" (the "
	    "master name the sentinels know)");
	bad_fixture("bad-target-type.json",
	    "targets.prod: expected an object, got \"host=db1 password=***\"");
	bad_fixture("bad-target-empty-name.json",
	    "targets: a target name must not be empty");
	bad_fixture("bad-target-name.json",
	    "targets: invalid target name \"prod db\" (use up to 64 letters, "
	    "digits, "
	    "'.', '_' or '-')");
	bad_fixture("bad-bool.json",
	    "targets.prod.protected: expected true or false, got \"yes\"");
	bad_fixture("bad-duplicate.json", ":1:42: targets.prod.pg: duplicate "
	    "key (first at line 1, column 26)");
	bad_fixture("bad-duplicate-target.json", ":3:3: targets.a: duplicate "
	    "key (first at line 2, column 3)");
	bad_fixture("bad-default-target.json",
	    "default_target: unknown target \"stg\"; known targets: dev, prod");
	bad_fixture("bad-log-level.json",
	    "log.level: expected one of trace, debug, info, warn, error, off, "
	    "got \"loud\"");
	bad_fixture("bad-pg.json",
	    "targets.prod.pg: expected a libpq connection string or "
	    "postgresql:// URI, "
	    "got \"host=db1 password=***...\"");
}

/* More JSON syntax cases, written on the fly (exact positions). */
static void
test_syntax_more(void)
{
	static const struct {
		const char	*text;
		const char	*want;
	} cases[] = {
		{ "{\"targets\": {\"prod\": {\"p\\nq\": 1}}}",
		    ": targets.prod.p?q: unknown key (known keys: pg, pg_read, "
		    "redis, protected, read_only, migrations_dir, seeds_dir, "
		    "pool, redis_options, migrate, replication)" },
		{ "{\"a\": 01}",
		    ":1:7: JSON syntax error near '0': invalid number (no "
		    "leading zeros)" },
		{ "{\"a\": 1} x",
		    ":1:10: JSON syntax error near 'x': unexpected text after "
		    "the end of the JSON document" },
		{ "{'a': 1}",
		    ":1:2: JSON syntax error near ''': expected a member name "
		    "in double quotes" },
		{ "{\"a\" 1}",
		    ":1:6: JSON syntax error near '1': expected ':' after the "
		    "member name" },
		{ "{\"a\": [1, 2,]}",
		    ":1:12: JSON syntax error near ',': trailing comma before "
		    "']'" },
		{ "{\"a\": \"x\\qy\"}",
		    ":1:9: JSON syntax error near '\\': invalid escape \\q in "
		    "a string" },
		{ "{\n\t\"\xc3\xa9t\xc3\xa9\": }",
		    ":2:9: JSON syntax error near '}': expected a value" },
		/*
		 * A value whose redacted form ends 2 bytes after its "***",
		 * right at the end of its buffer: the "..." cut wrote past
		 * it (heap overflow under ASan, found by fuzz-conf).
		 */
		{ "\"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
		    " password='ab'\"",
		    ": expected a JSON object at the top level, got "
		    "\"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx...\"" },
		{ "\xEF\xBB\xBF{\"a\": nul}",
		    ":1:7: JSON syntax error near 'nul': expected a value "
		    "(strings need double quotes; literals are true, false, "
		    "null)" },
	};
	struct mc_err	 err;
	struct conf	*c;
	char		*path, *want;
	size_t		 i;

	env_reset();
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		path = write_file("syntax.json", 0600, cases[i].text);
		c = load_file(path, &err);
		conf_free(c);
		want = xasprintf("%s%s", path, cases[i].want);
		is_str(err.msg, want, "syntax case %zu", i);
		free(want);
		free(path);
	}
}

/* A config file holding a password and readable by others gets a warning. */
static void
test_permissions(void)
{
	static const struct {
		const char	*text;
		mode_t		 mode;
		bool		 warn;
		const char	*what;
	} cases[] = {
		{ "{\"targets\": {\"p\": {\"pg\": "
		    "\"host=db password=hunter2\"}}}",
		    0644, true, "0644 with a conninfo password" },
		{ "{\"targets\": {\"p\": {\"redis\": "
		    "\"redis://:hunter2@cache:6379\"}}}",
		    0640, true, "0640 with a Redis URI password" },
		{ "{\"targets\": {\"p\": {\"pg\": "
		    "\"postgresql://u:hunter2@db/app\"}}}",
		    0604, true, "0604 with a postgresql:// password" },
		{ "{\"targets\": {\"p\": {\"pg\": "
		    "\"host=db password=hunter2\"}}}",
		    0600, false, "0600 with a password" },
		{ "{\"targets\": {\"p\": {\"pg\": \"host=db user=x\"}}}",
		    0644, false, "0644 without a password" },
	};
	struct mc_err	 err;
	struct logger	*log;
	struct conf	*c;
	char		*path, *logpath, *text, *want;
	size_t		 i;

	env_reset();
	logpath = xasprintf("%s/warn.log", tmpdir);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		path = write_file("perm.json", cases[i].mode, cases[i].text);
		unlink(logpath);
		log = log_new(LOGL_INFO, LOGF_TEXT);
		mc_err_clear(&err);
		if (log_set_file(log, logpath, &err) == -1)
			bail_out("log_set_file: %s", err.msg);
		c = load_file_log(path, log, &err);
		ok(c != NULL, "%s: loads: %s", cases[i].what, err.msg);
		conf_free(c);
		log_free(log);
		text = read_all(logpath);
		want = xasprintf("config file %s has group or world access and "
				 "contains "
				 "passwords; permissions should be u=rw (0600) "
				 "or less",
		    path);
		if (cases[i].warn) {
			like(text, want, "%s: warned", cases[i].what);
			like(text, "WARN", "%s: at warn level", cases[i].what);
		} else
			unlike(text ? text : "", "group or world access",
			    "%s: no warning", cases[i].what);
		unlike(text ? text : "", "hunter2",
		    "%s: the log has no password", cases[i].what);
		free(want);
		free(text);
		free(path);
	}
	free(logpath);

	/* writable by others or owned by someone else: refused, like ssh */
	path = write_file("gw.json", 0664, "{\"targets\": {\"p\": {}}}");
	c = load_file(path, &err);
	ok(c == NULL, "a group-writable config file is refused");
	want = xasprintf("%s: config file is writable by its group (mode "
	    "0664), so another user could redirect mcpdb; fix: chmod go-w %s",
	    path, path);
	is_str(err.msg, want, "... naming the mode and the fix");
	is_int(err.code, MC_E_CONFIG, "... a config error");
	free(want);
	chmod(path, 0602);
	c = load_file(path, &err);
	ok(c == NULL, "a world-writable config file is refused");
	like(err.msg, "writable by others (mode 0602)", "... %s", err.msg);
	chmod(path, 0644);
	c = load_file(path, &err);
	ok(c != NULL, "0644 (readable, not writable by others) loads: %s",
	    err.msg);
	conf_free(c);
	if (geteuid() == 0) {
		if (chown(path, 12345, 12345) == -1)
			bail_out("chown: %s", strerror(errno));
		c = load_file(path, &err);
		ok(c == NULL, "a config file owned by another user is refused");
		like(err.msg, "config file is owned by uid 12345, not by you "
		    "(uid 0) or root; fix: chown 0", "... %s", err.msg);
	} else {
		skip(2, "chown to another user needs root");
	}
	unlink(path);
	free(path);
}

/* conf_file_put_target_default: demo becomes the default only without one. */
static void
test_put_target_default(void)
{
	struct mc_err	 err;
	struct conf	*c;
	char		*path;
	bool		 made = true;

	env_reset();
	mc_err_clear(&err);
	path = write_file("nodefault.json", 0600,
	    "{ \"targets\": { \"dev\": { \"pg\": \"dbname=dev\" } } }\n");
	ok(conf_file_put_target_default(path, "demo", "dbname=demo", NULL,
	    &made, &err) == 0, "put_target_default writes: %s", err.msg);
	ok(made, "two targets and no default: demo is made the default");
	c = load_file(path, &err);
	is_str(c ? conf_target(c)->name : NULL, "demo",
	    "so the file selects demo, not a usage error: %s", err.msg);
	conf_free(c);
	free(path);
	path = write_file("hasdefault.json", 0600,
	    "{ \"default_target\": \"dev\", \"targets\": { \"dev\": "
	    "{ \"pg\": \"dbname=dev\" } } }\n");
	ok(conf_file_put_target_default(path, "demo", "dbname=demo", NULL,
	    &made, &err) == 0, "put_target_default on a file with a default");
	ok(!made, "another default exists: it is kept");
	c = load_file(path, &err);
	is_str(c ? conf_target(c)->name : NULL, "dev", "and still selected");
	conf_free(c);
	free(path);
}

/* conf_file_put_target: create, update keeping other keys, 0600, validation. */
static void
test_put_target(void)
{
	struct mc_err			 err;
	struct conf			*c;
	const struct conf_target	*t;
	struct stat			 st;
	char				*path, *dir, *text, *before, *link;

	env_reset();
	dir = xasprintf("%s/new/deeper", tmpdir);
	path = xasprintf("%s/config.json", dir);
	mc_err_clear(&err);
	ok(conf_file_put_target(path, "demo", "host=/run/pg dbname=demo",
	       "/run/demo/redis.sock", &err) == 0,
	    "put_target creates a new file: %s", err.msg);
	if (stat(path, &st) == -1)
		st.st_mode = 0;
	is_int(st.st_mode & 0777, 0600, "new file is 0600");
	ok(stat(dir, &st) == 0 && (st.st_mode & 0777) == 0700,
	    "new directories are 0700");
	c = load_file(path, &err);
	t = c ? conf_find_target(c, "demo") : NULL;
	is_str(t ? t->pg : NULL, "host=/run/pg dbname=demo", "pg written");
	is_str(t ? t->redis : NULL, "/run/demo/redis.sock", "redis written");
	conf_free(c);
	free(path);
	free(dir);

	path = write_file("keep.json", 0644,
	    "{\n  \"default_target\": \"dev\",\n"
	    "  \"log\": { \"level\": \"debug\" },\n"
	    "  \"targets\": {\n"
	    "    \"dev\": { \"pg\": \"dbname=dev\", \"pool\": { \"max\": 7 } "
	    "},\n"
	    "    \"demo\": { \"pg\": \"dbname=old\", \"redis\": "
	    "\"redis://old\", "
	    "\"protected\": true, \"migrate\": { \"lock_timeout_ms\": 1 } }\n"
	    "  }\n}\n");
	ok(conf_file_put_target(path, "demo", "dbname=new", NULL, &err) == 0,
	    "put_target updates an existing file: %s", err.msg);
	ok(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600,
	    "the rewritten file is 0600 even if it was 0644");
	c = load_file(path, &err);
	ok(c != NULL, "the rewritten file loads: %s", err.msg);
	if (c != NULL) {
		is_str(conf_target(c)->name, "dev", "default_target kept");
		is_int(conf_log_level(c), LOGL_DEBUG, "log settings kept");
		t = conf_find_target(c, "dev");
		is_int(t ? t->pool.max : -1, 7,
		    "other targets kept with their settings");
		t = conf_find_target(c, "demo");
		is_str(t ? t->pg : NULL, "dbname=new", "pg replaced");
		is_str(t ? t->redis : NULL, NULL, "redis NULL removes it");
		ok(t != NULL && t->protected_,
		    "the target's other keys are kept");
		is_int(t ? t->migrate.lock_timeout_ms : -1, 1,
		    "nested settings kept");
		is_str(conf_target_at(c, 1) ? conf_target_at(c, 1)->name : NULL,
		    "demo", "target order kept");
	}
	conf_free(c);
	ok(conf_file_put_target(path, "qa", "dbname=qa",
	       "redis://localhost:6379/2", &err) == 0,
	    "a new target is added: %s", err.msg);
	c = load_file(path, &err);
	is_int(c ? (long long)conf_ntargets(c) : -1, 3, "now three targets");
	is_str(c && conf_target_at(c, 2) ? conf_target_at(c, 2)->name : NULL,
	    "qa", "appended last");
	conf_free(c);

	before = read_all(path);
	mc_err_clear(&err);
	ok(conf_file_put_target(path, "bad name", "x", NULL, &err) == -1,
	    "an invalid target name is refused");
	is_str(err.msg,
	    "invalid target name \"bad name\" (use up to 64 letters, digits, "
	    "'.', '_' or '-')",
	    "invalid name message");
	ok(conf_file_put_target(path, "demo", NULL, "redis://h:70000", &err) ==
		-1,
	    "an invalid value is never written");
	like(err.msg, "targets.demo.redis: invalid Redis URI",
	    "... with the key path");
	text = read_all(path);
	is_str(text, before, "the file is unchanged after a refusal");
	free(text);
	free(before);
	free(path);

	path = write_file("real.json", 0600,
	    "{ \"log\": { \"level\": \"warn\" } }\n");
	link = xasprintf("%s/link.json", tmpdir);
	unlink(link);
	if (symlink("real.json", link) == -1)
		bail_out("symlink: %s", strerror(errno));
	ok(conf_file_put_target(link, "demo", "dbname=demo", NULL, &err) == 0,
	    "put_target through a symlink: %s", err.msg);
	ok(lstat(link, &st) == 0 && S_ISLNK(st.st_mode), "the symlink is kept");
	text = read_all(path);
	like(text, "dbname=demo", "the file it points to is updated");
	like(text, "\"warn\"", "... keeping its other keys");
	free(text);
	free(link);
	free(path);

	path = write_file("broken.json", 0600, "{ \"targets\": { ");
	before = read_all(path);
	ok(conf_file_put_target(path, "demo", "dbname=x", NULL, &err) == -1,
	    "a malformed file is not overwritten");
	like(err.msg, "JSON syntax error",
	    "... and the syntax error is reported");
	text = read_all(path);
	is_str(text, before, "the malformed file is left alone");
	free(text);
	free(before);
	free(path);
}

/* The "replication" object: health's lag thresholds, validated. */
static void
test_replication(void)
{
	const struct conf_target	*t;
	struct conf			*c;
	struct mc_err			 err = { 0 };
	char				*path;

	path = write_file("repl.json", 0600,
	    "{ \"default_target\": \"prod\", \"targets\": {\n"
	    "  \"prod\": { \"pg\": \"host=a,b port=5432,5433 "
	    "target_session_attrs=read-write\",\n"
	    "    \"replication\": { \"max_lag_bytes\": 1048576, "
	    "\"max_lag_s\": 5 } },\n"
	    "  \"dev\": { \"pg\": \"dbname=dev\" } } }\n");
	c = load_file(path, &err);
	ok(c != NULL, "a target with a replication object loads: %s", err.msg);
	t = c != NULL ? conf_find_target(c, "prod") : NULL;
	is_int(t ? t->replication.max_lag_bytes : -1, 1048576,
	    "replication.max_lag_bytes read");
	is_int(t ? t->replication.max_lag_s : -1, 5,
	    "replication.max_lag_s read");
	t = c != NULL ? conf_find_target(c, "dev") : NULL;
	is_int(t ? t->replication.max_lag_bytes : -1, 64 * 1024 * 1024,
	    "max_lag_bytes defaults to 64 MiB");
	is_int(t ? t->replication.max_lag_s : -1, 60,
	    "max_lag_s defaults to 60 s");
	conf_free(c);
	free(path);

	path = write_file("repl-bad.json", 0600,
	    "{ \"targets\": { \"prod\": { \"pg\": \"dbname=x\",\n"
	    "  \"replication\": { \"max_lag_s\": -1 } } } }\n");
	c = load_file(path, &err);
	ok(c == NULL, "a negative max_lag_s is refused");
	like(err.msg, "targets.prod.replication.max_lag_s: expected an "
	    "integer 0..604800, got -1", "... naming the key: %s", err.msg);
	conf_free(c);
	free(path);

	path = write_file("repl-typo.json", 0600,
	    "{ \"targets\": { \"prod\": { \"pg\": \"dbname=x\",\n"
	    "  \"replication\": { \"max_lag_byte\": 10 } } } }\n");
	mc_err_clear(&err);
	c = load_file(path, &err);
	ok(c == NULL, "an unknown key in replication is refused");
	like(err.msg, "targets.prod.replication.max_lag_byte: unknown key "
	    "(did you mean \"max_lag_bytes\"?)", "... with a suggestion: %s",
	    err.msg);
	conf_free(c);
	free(path);
}

/* The tls_* keys of redis_options: read into the target, bad ones refused. */
static void
test_redis_tls(void)
{
	static const struct { const char *opts, *want; } bad[] = {
		{ "\"sentinel_password\": \"p\"",
		    "targets.t.redis_options: \"sentinel_username\"/\"sentinel_password\" need "
		    "\"sentinels\"" },
		{ "\"max_connections\": 0",
		    "targets.t.redis_options.max_connections: expected an integer 1..256, got 0" },
		{ "\"max_connections\": 300",
		    "targets.t.redis_options.max_connections: expected an integer 1..256, got 300" },
		{ "\"acquire_timeout_ms\": -5",
		    "targets.t.redis_options.acquire_timeout_ms: expected an integer >= 0, got -5" },
		{ "\"tls_insecure\": \"yes\"",
		    "targets.t.redis_options.tls_insecure: expected true or false" },
		{ "\"tls_ca_file\": \"\"",
		    "targets.t.redis_options.tls_ca_file: expected a non-empty string" },
		{ "\"tls_key_file\": \"k.pem\"",
		    "targets.t.redis_options: \"tls_cert_file\" and \"tls_key_file\" "
		    "go together" },
		{ "\"tls_verify\": false",
		    "targets.t.redis_options.tls_verify: unknown key (known keys: "
		    "connect_timeout_ms, command_timeout_ms, backoff_base_ms, "
		    "backoff_cap_ms, breaker_threshold, breaker_open_ms, min_connections, max_connections, "
		    "acquire_timeout_ms, keepalive, "
		    "sentinels, sentinel_master, sentinel_username, sentinel_password, "
		    "tls_ca_file, tls_cert_file, "
		    "tls_key_file, tls_server_name, tls_insecure)" },
	};
	const struct conf_target	*t;
	struct mc_err			 err;
	struct conf			*c;
	char				*path, *text, longp[600];
	size_t				 i;

	env_reset();
	path = write_file("tls.json", 0600, "{ \"targets\": { \"t\": { "
	    "\"redis\": \"rediss://cache:6380\", \"redis_options\": { "
	    "\"tls_ca_file\": \"/etc/ca.pem\", \"tls_cert_file\": \"c.pem\", "
	    "\"tls_key_file\": \"k.pem\", \"tls_server_name\": \"cache.internal\", "
	    "\"tls_insecure\": true } } } }");
	c = load_file(path, &err);
	ok(c != NULL, "rediss:// with all tls_* keys loads: %s", err.msg);
	t = c != NULL ? conf_find_target(c, "t") : NULL;
	if (t != NULL) {
		is_str(t->redis_opts.tls_ca_file, "/etc/ca.pem", "tls_ca_file read");
		is_str(t->redis_opts.tls_cert_file, "c.pem", "tls_cert_file read");
		is_str(t->redis_opts.tls_key_file, "k.pem", "tls_key_file read");
		is_str(t->redis_opts.tls_server_name, "cache.internal",
		    "tls_server_name read");
		is_int(t->redis_opts.tls_insecure, 1, "tls_insecure read");
	} else
		skip(5, "no target");
	conf_free(c);
	free(path);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		text = xasprintf("{ \"targets\": { \"t\": { \"redis\": "
		    "\"rediss://cache\", \"redis_options\": { %s } } } }",
		    bad[i].opts);
		path = write_file("tls-bad.json", 0600, text);
		c = load_file(path, &err);
		ok(c == NULL && err.code == MC_E_CONFIG, "refused: %s",
		    bad[i].opts);
		like(err.msg, bad[i].want, "  %s", err.msg);
		conf_free(c);
		free(path);
		free(text);
	}
	memset(longp, 'a', sizeof(longp) - 1);
	longp[0] = '/';
	longp[sizeof(longp) - 1] = '\0';
	text = xasprintf("{ \"targets\": { \"t\": { \"redis\": \"rediss://cache\", "
	    "\"redis_options\": { \"tls_ca_file\": \"%s\" } } } }", longp);
	path = write_file("tls-long.json", 0600, text);
	c = load_file(path, &err);
	ok(c == NULL, "a tls_ca_file longer than 511 bytes is refused");
	like(err.msg, "tls_ca_file: too long (at most 511 bytes)", "  %s", err.msg);
	conf_free(c);
	free(path);
	free(text);
}

/* "migrate": { "placeholders" }: read in file order, bad ones refused. */
static void
test_placeholders(void)
{
	static const struct { const char *opts, *want; } bad[] = {
		{ "\"placeholders\": [1]",
		    "targets.t.migrate.placeholders: expected an object, got an array" },
		{ "\"placeholders\": { \"app_role\": 1 }",
		    "targets.t.migrate.placeholders.app_role: expected a string, got 1" },
		{ "\"placeholders\": { \"1x\": \"a\" }",
		    "targets.t.migrate.placeholders.1x: bad placeholder name" },
		{ "\"placeholders\": { \"a-b\": \"a\" }",
		    "targets.t.migrate.placeholders.a-b: bad placeholder name" },
		{ "\"placeholders\": { \"a\": \"x\", \"a\": \"y\" }",
		    "targets.t.migrate.placeholders.a: duplicate key" },
		{ "\"placeholders\": { \"a\": \"x\\ny\" }",
		    "targets.t.migrate.placeholders.a: a placeholder value is one line" },
		{ "\"placeholder\": {}",
		    "targets.t.migrate.placeholder: unknown key (did you mean "
		    "\"placeholders\"?)" },
	};
	const struct conf_target	*t;
	struct mc_err			 err;
	struct conf			*c;
	char				*path, *text;
	size_t				 i;

	env_reset();
	path = write_file("ph.json", 0600, "{ \"targets\": { \"t\": { "
	    "\"pg\": \"dbname=x\", \"migrate\": { \"lock_timeout_ms\": 5, "
	    "\"placeholders\": { \"app_role\": \"svc_prod\", \"_s2\": \"\" } } } } }");
	c = load_file(path, &err);
	ok(c != NULL, "placeholders load: %s", err.msg);
	t = c != NULL ? conf_find_target(c, "t") : NULL;
	if (t != NULL) {
		is_int((long long)t->migrate.nph, 2, "two placeholders");
		is_str(t->migrate.ph_names[0], "app_role", "first name");
		is_str(t->migrate.ph_values[0], "svc_prod", "first value");
		is_str(t->migrate.ph_names[1], "_s2", "second name");
		is_str(t->migrate.ph_values[1], "", "an empty value is allowed");
		is_int(t->migrate.lock_timeout_ms, 5, "the ints still read");
	} else
		skip(6, "no target");
	conf_free(c);
	free(path);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		text = xasprintf("{ \"targets\": { \"t\": { \"pg\": \"dbname=x\", "
		    "\"migrate\": { %s } } } }", bad[i].opts);
		path = write_file("ph-bad.json", 0600, text);
		c = load_file(path, &err);
		ok(c == NULL && err.code == MC_E_CONFIG, "refused: %s",
		    bad[i].opts);
		like(err.msg, bad[i].want, "  %s", err.msg);
		conf_free(c);
		free(path);
		free(text);
	}
}

int
main(void)
{
	const char	*src = getenv("MCPDB_SRCDIR");
	const char	*tmp = getenv("TMPDIR");
	char		*tmpl;

	if (src == NULL)
		src = ".";
	fixdir = xasprintf("%s/tests/fixtures/conf", src);
	tmpl = xasprintf("%s/t-conf.XXXXXX",
	    tmp != NULL && *tmp != '\0' ? tmp : P_tmpdir);
	if ((tmpdir = mkdtemp(tmpl)) == NULL)
		bail_out("mkdtemp: %s", strerror(errno));
	umask(022);

	test_defaults();
	test_good_file();
	test_lookup();
	test_select();
	test_connections();
	test_log_settings();
	test_malformed();
	test_syntax_more();
	test_permissions();
	test_put_target();
	test_put_target_default();
	test_replication();
	test_redis_tls();
	test_placeholders();

	nftw(tmpdir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	free(tmpdir);
	free(fixdir);
	return (done_testing());
}
