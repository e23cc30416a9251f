/*
 * migrate.c - the migration runner: sessions, the advisory lock, the
 * ledger, running scripts statement by statement, and the commands built
 * on them (status, up, down, redo, plan, verify, check, resolve, new).
 *
 * Model (see migrate.h): read files and ledger without the lock and stop
 * when there is nothing to do; otherwise take the advisory lock on a
 * dedicated idle session, re-read and re-plan under it, then run each
 * migration in its own transaction together with its ledger row. While a
 * statement runs, the lock session samples pg_blocking_pids() of the
 * migration session, so a lock_timeout error can name who it waited on.
 */
#include "config.h"

#include "migrate.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <ctype.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "backoff.h"
#include "buf.h"
#include "catsnap.h"
#include "pgq.h"
#include "xmem.h"
#include "clk.h"

#ifndef MCPDB_PKGDATADIR
#define MCPDB_PKGDATADIR "/usr/local/share/mcpdb"
#endif

#define MIGRATE_SAMPLE_FIRST_MS	150	/* first look for blockers after */
#define MIGRATE_SAMPLE_EVERY_MS	400	/* then every */
#define MIGRATE_WAIT_NOTE_MS	2000	/* lock-wait progress line every */
#define MIGRATE_KEEP_SQL	65536	/* applied_sql: whole files up to this */
#define MIGRATE_EXCERPT_MARK	"-- mcpdb: excerpt: the first "
#define MIGRATE_PIPE_CHUNK	(256 * 1024)	/* flush the pipeline each */
/*
 * Ledger statements take the run's stream (r->stream, "" for the default
 * one) as their last parameter, never from a session setting that a
 * migration's own RESET ALL could clear.
 */

/* One run: the target, its options, the two sessions and what was read. */
struct migrun {
	const struct conf_target	*t;
	const struct migrate_opts	*o;
	const char			*cmd;		/* "up", "down", ... */
	PGconn				*work;		/* the migration session */
	PGconn				*lock;		/* the lock session, or NULL */
	int				 work_pid;
	bool				 locked;
	char				 marker[256];	/* comment on lock-session queries */
	const char			*current;	/* id of the running migration */
	struct buf			 blockers;	/* last sample; "" when none */
	struct mig_set			*set;
	struct mig_ledger		 ledger;
	bool				 prep_set;	/* statements prepared on work */
	bool				 prep_ledger;
	char				*stream;	/* ledger stream, "" = default */
	char				*sdir;		/* the stream's directory */
};

static char	*migrate_field(const PGresult *, int, int);

/* ------------------------------------------------------------- utilities */

/* Sleep ms milliseconds in short slices, returning early on stop. */
static void
migrate_sleep(const struct migrate_opts *o, int ms)
{
	struct timespec	ts;

	while (ms > 0 && !(o->stop && *o->stop)) {
		int	slice = ms > 50 ? 50 : ms;

		ts.tv_sec = 0;
		ts.tv_nsec = (long)slice * 1000000L;
		nanosleep(&ts, NULL);
		ms -= slice;
	}
}

/* Send a progress line through the options' callback (printf-style). */
static void
migrate_progress(const struct migrate_opts *o, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
migrate_progress(const struct migrate_opts *o, const char *fmt, ...)
{
	va_list	ap;
	char	line[600];

	if (o->progress == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	o->progress(o->arg, line);
}

/* Has the operator asked to stop? */
static bool
migrate_stopped(const struct migrate_opts *o)
{
	return (o->stop != NULL && *o->stop);
}

/* Copy s, with runs of whitespace collapsed to one space and cut to max chars. */
static void
migrate_excerpt(struct buf *b, const char *s, size_t max)
{
	size_t	n = 0;
	int	space = 0;

	for (; *s != '\0' && n < max; s++) {
		if (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r') {
			space = 1;
			continue;
		}
		if (space && n > 0) {
			buf_putc(b, ' ');
			n++;
		}
		space = 0;
		buf_putc(b, *s);
		n++;
	}
	if (*s != '\0')
		buf_puts(b, "...");
}

void
migrate_opts_init(struct migrate_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->to = -1;
	o->lock_timeout_ms = -1;
	o->wait_s = -1;
}

char *
migrate_dir(const struct conf_target *t, const char *flag_dir)
{
	struct stat	sb;

	if (flag_dir != NULL && *flag_dir != '\0')
		return (xstrdup(flag_dir));
	if (t != NULL && t->migrations_dir != NULL && *t->migrations_dir != '\0')
		return (xstrdup(t->migrations_dir));
	if (stat("migrations", &sb) == 0 && S_ISDIR(sb.st_mode))
		return (xstrdup("migrations"));
	return (xstrdup(MCPDB_PKGDATADIR "/migrations"));
}

void
migrate_report_free(struct migrate_report *rep)
{
	size_t	i;

	if (rep == NULL)
		return;
	for (i = 0; i < rep->n; i++) {
		free(rep->steps[i].id);
		free(rep->steps[i].path);
		free(rep->steps[i].sql);
	}
	free(rep->steps);
	free(rep->dir);
	free(rep);
}

/* Append a step to rep for file f; returns it. */
static struct migrate_step *
migrate_report_add(struct migrate_report *rep, const struct mig_file *f,
    enum migrate_act act, bool out_of_order)
{
	struct migrate_step	*s;

	rep->steps = xreallocarray(rep->steps, rep->n + 1, sizeof(*rep->steps));
	s = &rep->steps[rep->n++];
	memset(s, 0, sizeof(*s));
	s->version = f->version;
	s->id = xstrdup(f->id);
	s->act = act;
	s->path = xstrdup(act == MACT_APPLY ? f->up.path : f->down.path);
	s->no_tx = act == MACT_APPLY ? f->up.no_tx : f->down.no_tx;
	s->out_of_order = out_of_order;
	s->ms = -1;
	return (s);
}

/* Append a step to rep for the repeatable rp; returns it. */
static struct migrate_step *
migrate_report_add_rep(struct migrate_report *rep, const struct mig_rep *rp,
    bool reapply)
{
	struct migrate_step	*s;

	rep->steps = xreallocarray(rep->steps, rep->n + 1, sizeof(*rep->steps));
	s = &rep->steps[rep->n++];
	memset(s, 0, sizeof(*s));
	s->id = xstrdup(rp->id);
	s->act = MACT_APPLY;
	s->path = xstrdup(rp->sc.path);
	s->repeatable = true;
	s->reapply = reapply;
	s->ms = -1;
	return (s);
}

/* ---------------------------------------------------------------- sessions */

/* Forward server notices (RAISE NOTICE, "skipping") as progress lines. */
static void
migrate_notice(void *arg, const char *msg)
{
	struct migrun	*r = arg;
	size_t		 n = strlen(msg);

	while (n > 0 && msg[n - 1] == '\n')
		n--;
	if (r->o->progress != NULL)
		migrate_progress(r->o, "%s%s%.*s", r->current ? r->current : "",
		    r->current ? ": " : "", (int)n, msg);
}

/* Our host name as it appears in markers (unsafe characters replaced). */
static void
migrate_hostname(char *host, size_t len)
{
	char	*p;

	if (gethostname(host, len) != 0)
		snprintf(host, len, "?");
	host[len - 1] = '\0';
	for (p = host; *p != '\0'; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '.' || *p == '-'))
			*p = '_';
}

/* Open a session for the run (application_name mcpdb/migrate). NULL with err. */
static PGconn *
migrate_session(struct migrun *r, const struct conf_target *t, struct mc_err *err)
{
	PGconn		*c;
	PGresult	*res;
	char		 host[256];

	if ((c = pgq_connect_stop(t, "migrate", r->o->stop, err)) == NULL)
		return (NULL);
	if (PQsetClientEncoding(c, "UTF8") != 0) {
		mc_err_pg(err, c, NULL);
		PQfinish(c);
		return (NULL);
	}
	PQsetNoticeProcessor(c, migrate_notice, r);
	/*
	 * An orphaned backend (client killed) notices within a second and
	 * rolls back; a DBA's idle_session_timeout must never end the lock
	 * session. Both settings are missing before PostgreSQL 14: ignore.
	 */
	res = PQexec(c, "SET client_connection_check_interval = 1000");
	PQclear(res);
	res = PQexec(c, "SET idle_session_timeout = 0");
	PQclear(res);
	/* The history's defaults: which mcpdb, from which host. */
	migrate_hostname(host, sizeof(host));
	res = PQexecParams(c, "SELECT pg_catalog.set_config('mcpdb.version', $1, false), "
	    "pg_catalog.set_config('mcpdb.host', $2, false)", 2, NULL,
	    (const char *[]){ PACKAGE_VERSION, host }, NULL, NULL, 0);
	PQclear(res);
	return (c);
}

/* The backend pid of conn. */
static int
migrate_backend_pid(PGconn *c)
{
	return (PQbackendPID(c));
}

/* --------------------------------------------------------------- ledger */

static const char migrate_ledger_ddl[] =
	/* An upgrade's "already exists, skipping" notices say nothing to an operator. */
	"SET LOCAL client_min_messages = warning;\n"
	"CREATE SCHEMA IF NOT EXISTS mcpdb;\n"
	"COMMENT ON SCHEMA mcpdb IS 'mcpdb administration: migration ledger and history';\n"
	"CREATE TABLE IF NOT EXISTS mcpdb.migrations (\n"
	"  version bigint PRIMARY KEY,\n"
	"  name text NOT NULL,\n"
	"  checksum text NOT NULL,\n"
	"  down_checksum text NOT NULL,\n"
	"  checksum_algo smallint NOT NULL,\n"
	"  applied_sql text NOT NULL,\n"
	"  state text NOT NULL CHECK (state IN ('applied', 'running', 'failed')),\n"
	"  operation text NOT NULL DEFAULT 'up' CHECK (operation IN ('up', 'down')),\n"
	"  no_transaction boolean NOT NULL DEFAULT false,\n"
	"  out_of_order boolean NOT NULL DEFAULT false,\n"
	"  applied_at timestamptz NOT NULL DEFAULT now(),\n"
	"  applied_by text NOT NULL DEFAULT (current_user || '@' ||\n"
	"    coalesce(host(inet_client_addr()), 'local')),\n"
	"  execution_ms bigint,\n"
	"  error text,\n"
	"  seq bigint GENERATED ALWAYS AS IDENTITY\n"
	");\n"
	"COMMENT ON TABLE mcpdb.migrations IS 'Applied migrations (mcpdb migrate); "
	"checksum = SHA-256 of the normalised up file, see checksum_algo';\n"
	"CREATE TABLE IF NOT EXISTS mcpdb.migration_events (\n"
	"  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,\n"
	"  at timestamptz NOT NULL DEFAULT now(),\n"
	"  version bigint NOT NULL,\n"
	"  name text NOT NULL,\n"
	"  event text NOT NULL,\n"
	"  execution_ms bigint,\n"
	"  out_of_order boolean NOT NULL DEFAULT false,\n"
	"  by text NOT NULL DEFAULT (current_user || '@' ||\n"
	"    coalesce(host(inet_client_addr()), 'local')),\n"
	"  sqlstate text,\n"
	"  error text\n"
	");\n"
	"COMMENT ON TABLE mcpdb.migration_events IS 'Append-only history of mcpdb "
	"migrate: applied, rolled back, failed, resolved';\n"
	/*
	 * Ledger version 2 (migrate history): who ran it from where, and
	 * what. The defaults are set apart so that the events of an older
	 * mcpdb keep NULL rather than taking this run's version and host.
	 */
	"ALTER TABLE mcpdb.migrations\n"
	"  ADD COLUMN IF NOT EXISTS baselined boolean NOT NULL DEFAULT false;\n"
	"ALTER TABLE mcpdb.migration_events\n"
	"  ADD COLUMN IF NOT EXISTS checksum text,\n"
	"  ADD COLUMN IF NOT EXISTS mcpdb_version text,\n"
	"  ADD COLUMN IF NOT EXISTS note text,\n"
	"  ADD COLUMN IF NOT EXISTS host text;\n"
	"ALTER TABLE mcpdb.migration_events\n"
	"  ALTER COLUMN mcpdb_version SET DEFAULT current_setting('mcpdb.version', true),\n"
	"  ALTER COLUMN host SET DEFAULT current_setting('mcpdb.host', true);\n"
	/* Ledger version 3 (migrate tag): named applied states. */
	"CREATE TABLE IF NOT EXISTS mcpdb.migration_tags (\n"
	"  name text PRIMARY KEY,\n"
	"  version bigint NOT NULL,\n"
	"  versions bigint[] NOT NULL,\n"
	"  note text,\n"
	"  tagged_at timestamptz NOT NULL DEFAULT now(),\n"
	"  tagged_by text NOT NULL DEFAULT (current_user || '@' ||\n"
	"    coalesce(host(inet_client_addr()), 'local'))\n"
	");\n"
	"COMMENT ON TABLE mcpdb.migration_tags IS 'Named applied states (mcpdb "
	"migrate tag): the newest applied version and all applied versions then';\n"
	"ALTER TABLE mcpdb.migration_events\n"
	"  ADD COLUMN IF NOT EXISTS tag text;\n"
	/*
	 * Ledger version 4 (repeatable migrations): the last apply of each
	 * R_name.sql; their events carry version 0 (no versioned file has
	 * it), repeatable true and the checksum they replaced.
	 */
	"CREATE TABLE IF NOT EXISTS mcpdb.migration_repeatables (\n"
	"  name text PRIMARY KEY,\n"
	"  checksum text NOT NULL,\n"
	"  checksum_algo smallint NOT NULL,\n"
	"  applied_sql text NOT NULL,\n"
	"  applied_at timestamptz NOT NULL DEFAULT now(),\n"
	"  applied_by text NOT NULL DEFAULT (current_user || '@' ||\n"
	"    coalesce(host(inet_client_addr()), 'local')),\n"
	"  execution_ms bigint,\n"
	"  applies bigint NOT NULL DEFAULT 1\n"
	");\n"
	"COMMENT ON TABLE mcpdb.migration_repeatables IS 'Repeatable migrations "
	"(R_name.sql) as last applied by mcpdb migrate up; checksum as in "
	"mcpdb.migrations';\n"
	"ALTER TABLE mcpdb.migration_events\n"
	"  ADD COLUMN IF NOT EXISTS repeatable boolean NOT NULL DEFAULT false,\n"
	"  ADD COLUMN IF NOT EXISTS old_checksum text;\n"
	/*
	 * Ledger version 5 (per-schema streams): every row belongs to a
	 * stream, '' being the default one (the top-level files), so the
	 * rows of an older ledger are the default stream's. Versions and
	 * names are unique per stream. The keys are rebuilt each time this
	 * runs, which is only while the ledger is not at this version.
	 */
	"ALTER TABLE mcpdb.migrations\n"
	"  ADD COLUMN IF NOT EXISTS stream text NOT NULL DEFAULT '',\n"
	"  DROP CONSTRAINT IF EXISTS migrations_pkey,\n"
	"  ADD CONSTRAINT migrations_pkey PRIMARY KEY (stream, version);\n"
	"ALTER TABLE mcpdb.migration_tags\n"
	"  ADD COLUMN IF NOT EXISTS stream text NOT NULL DEFAULT '',\n"
	"  DROP CONSTRAINT IF EXISTS migration_tags_pkey,\n"
	"  ADD CONSTRAINT migration_tags_pkey PRIMARY KEY (stream, name);\n"
	"ALTER TABLE mcpdb.migration_repeatables\n"
	"  ADD COLUMN IF NOT EXISTS stream text NOT NULL DEFAULT '',\n"
	"  DROP CONSTRAINT IF EXISTS migration_repeatables_pkey,\n"
	"  ADD CONSTRAINT migration_repeatables_pkey PRIMARY KEY (stream, name);\n"
	"ALTER TABLE mcpdb.migration_events\n"
	"  ADD COLUMN IF NOT EXISTS stream text NOT NULL DEFAULT '';\n";

/*
 * Create the ledger tables if missing, or upgrade an older ledger in place
 * (caller holds the advisory lock).
 */
static int
migrate_ledger_create(PGconn *c, struct mc_err *err)
{
	PGresult	*res;

	res = PQexec(c, "SELECT (SELECT count(*) FROM pg_catalog.pg_attribute "
	    "WHERE ((attrelid = to_regclass('mcpdb.migration_events') "
	    "AND attname IN ('host', 'tag', 'repeatable', 'stream')) OR (attrelid = "
	    "to_regclass('mcpdb.migrations') AND attname IN ('baselined', 'stream')) "
	    "OR (attrelid IN (to_regclass('mcpdb.migration_tags'), "
	    "to_regclass('mcpdb.migration_repeatables')) AND attname = 'stream')) "
	    "AND NOT attisdropped) = 8 AND "
	    "to_regclass('mcpdb.migration_tags') IS NOT NULL AND "
	    "to_regclass('mcpdb.migration_repeatables') IS NOT NULL");
	if (PQresultStatus(res) == PGRES_TUPLES_OK &&
	    strcmp(PQgetvalue(res, 0, 0), "t") == 0) {
		PQclear(res);
		return (0);
	}
	PQclear(res);
	if (pgq_exec(c, "BEGIN", err) == -1)
		return (-1);
	res = PQexec(c, migrate_ledger_ddl);
	if (PQresultStatus(res) != PGRES_COMMAND_OK) {
		mc_err_pg(err, c, res);
		PQclear(res);
		PQclear(PQexec(c, "ROLLBACK"));
		return (mc_err_prefix(err, "cannot create or upgrade the ledger "
		    "mcpdb.migrations: "));
	}
	PQclear(res);
	return (pgq_exec(c, "COMMIT", err));
}

/* Copy hex into a fixed checksum field. */
static void
migrate_copy_sum(char *dst, const char *src)
{
	snprintf(dst, MIG_SUM_LEN + 1, "%s", src);
}

/*
 * The text the ledger keeps of an up file (applied_sql, for verify --diff):
 * the whole normalised file up to MIGRATE_KEEP_SQL bytes; of a bigger one
 * its first lines up to that size and a last line "-- mcpdb: excerpt: the
 * first N of M bytes ...". The checksum covers the whole file either way,
 * so drift is found past the excerpt too. Caller frees.
 */
static char *
migrate_ledger_text(const struct mig_script *up)
{
	size_t	n = MIGRATE_KEEP_SQL;

	if (up->len <= MIGRATE_KEEP_SQL)
		return (xstrdup(up->sql));
	while (n > 0 && up->sql[n - 1] != '\n')	/* whole lines */
		n--;
	if (n == 0)	/* one huge line: cut between UTF-8 characters */
		for (n = MIGRATE_KEEP_SQL; n > 0 &&
		    ((unsigned char)up->sql[n] & 0xc0) == 0x80; n--)
			;
	return (xasprintf("%.*s%s" MIGRATE_EXCERPT_MARK "%zu of %zu bytes; the "
	    "ledger keeps no more (checksum %s covers the whole file)\n", (int)n,
	    up->sql, n > 0 && up->sql[n - 1] == '\n' ? "" : "\n", n, up->len,
	    up->sum));
}

/*
 * If applied (a ledger's applied_sql) is an excerpt, set *kept to the bytes
 * of the file it holds and *total to the file's size, and return true.
 */
static bool
migrate_ledger_excerpt(const char *applied, size_t *kept, size_t *total)
{
	const char	*m = NULL, *p;
	size_t		 n = strlen(MIGRATE_EXCERPT_MARK);

	for (p = applied; (p = strstr(p, MIGRATE_EXCERPT_MARK)) != NULL; p += n)
		if (p == applied || p[-1] == '\n')
			m = p;
	if (m == NULL || sscanf(m + n, "%zu of %zu bytes", kept, total) != 2 ||
	    *kept > (size_t)(m - applied))
		return (false);
	return (true);
}

/*
 * The WHERE that keeps the stream given as parameter $k of ledger table
 * (qualified name): before ledger version 5 (no stream column) every row
 * is the default stream's. Caller frees; NULL with err when the catalog
 * cannot be read.
 */
static char *
migrate_stream_where(PGconn *c, const char *table, int k, struct mc_err *err)
{
	PGresult	*res;
	bool		 v5;

	if ((res = pgq_query(c, "SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_attribute "
	    "WHERE attrelid = to_regclass($1) AND attname = 'stream' AND NOT "
	    "attisdropped)", 1, (const char *[]){ table }, err)) == NULL)
		return (NULL);
	v5 = strcmp(PQgetvalue(res, 0, 0), "t") == 0;
	PQclear(res);
	return (v5 ? xasprintf("WHERE stream = $%d ", k) :
	    xasprintf("WHERE $%d = '' ", k));
}

/* Read the repeatable rows into l (none before ledger version 4). */
static int
migrate_ledger_read_reps(PGconn *c, const char *stream, struct mig_ledger *l,
    struct mc_err *err)
{
	PGresult	*res;
	char		*where, *sql;
	int		 i, n;

	if ((res = pgq_query(c, "SELECT to_regclass('mcpdb.migration_repeatables') "
	    "IS NOT NULL", 0, NULL, err)) == NULL)
		return (mc_err_prefix(err, "reading the ledger: "));
	n = strcmp(PQgetvalue(res, 0, 0), "t") == 0;
	PQclear(res);
	if (!n)
		return (0);
	if ((where = migrate_stream_where(c, "mcpdb.migration_repeatables", 1,
	    err)) == NULL)
		return (mc_err_prefix(err, "reading the ledger: "));
	sql = xasprintf("SELECT name, checksum, checksum_algo, applies, "
	    "coalesce(execution_ms, -1), to_char(applied_at AT TIME ZONE 'UTC', "
	    "'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), applied_by "
	    "FROM mcpdb.migration_repeatables %sORDER BY name COLLATE \"C\"", where);
	res = pgq_query(c, sql, 1, (const char *[]){ stream }, err);
	free(where);
	free(sql);
	if (res == NULL)
		return (mc_err_prefix(err, "reading the ledger "
		    "mcpdb.migration_repeatables: "));
	n = PQntuples(res);
	l->reps = xcalloc((size_t)n + 1, sizeof(*l->reps));
	for (i = 0; i < n; i++) {
		struct mig_reprow	*w = &l->reps[i];

		w->name = xstrdup(PQgetvalue(res, i, 0));
		migrate_copy_sum(w->checksum, PQgetvalue(res, i, 1));
		w->algo = atoi(PQgetvalue(res, i, 2));
		w->applies = strtoll(PQgetvalue(res, i, 3), NULL, 10);
		w->ms = strtoll(PQgetvalue(res, i, 4), NULL, 10);
		w->applied_at = xstrdup(PQgetvalue(res, i, 5));
		w->applied_by = xstrdup(PQgetvalue(res, i, 6));
	}
	l->nreps = (size_t)n;
	PQclear(res);
	return (0);
}

/* Read all ledger rows into l (l->exists false when there is no ledger). */
static int
migrate_ledger_read(PGconn *c, const char *stream, struct mig_ledger *l,
    bool with_sql, struct mc_err *err)
{
	PGresult	*res;
	char		*where, *sql;
	int		 i, n;
	bool		 v2;

	memset(l, 0, sizeof(*l));
	if ((res = pgq_query(c, "SELECT to_regclass('mcpdb.migrations') IS NOT NULL, "
	    "EXISTS (SELECT 1 FROM pg_catalog.pg_attribute WHERE attrelid = "
	    "to_regclass('mcpdb.migrations') AND attname = 'baselined' "
	    "AND NOT attisdropped)", 0, NULL, err)) == NULL)
		return (mc_err_prefix(err, "reading the ledger: "));
	l->exists = strcmp(PQgetvalue(res, 0, 0), "t") == 0;
	v2 = strcmp(PQgetvalue(res, 0, 1), "t") == 0;
	PQclear(res);
	if (!l->exists)
		return (0);
	if ((where = migrate_stream_where(c, "mcpdb.migrations", 2, err)) == NULL)
		return (mc_err_prefix(err, "reading the ledger: "));
#define MIGRATE_LEDGER_COLS \
	"SELECT version, name, checksum, down_checksum, checksum_algo, state, " \
	"operation = 'down', no_transaction, out_of_order, seq, " \
	"coalesce(execution_ms, -1), " \
	"to_char(applied_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), " \
	"applied_by, error, CASE WHEN $1 THEN applied_sql END, "
	/* A ledger not upgraded yet (status only reads) has no baselined rows. */
	sql = xasprintf(MIGRATE_LEDGER_COLS "%s FROM mcpdb.migrations %sORDER BY "
	    "version", v2 ? "baselined" : "false", where);
#undef MIGRATE_LEDGER_COLS
	res = pgq_query(c, sql, 2, (const char *[]){ with_sql ? "t" : "f", stream },
	    err);
	free(where);
	free(sql);
	if (res == NULL)
		return (mc_err_prefix(err, "reading the ledger mcpdb.migrations: "));
	n = PQntuples(res);
	l->rows = xcalloc((size_t)n + 1, sizeof(*l->rows));
	for (i = 0; i < n; i++) {
		struct mig_row	*w = &l->rows[i];

		w->version = strtoll(PQgetvalue(res, i, 0), NULL, 10);
		w->name = xstrdup(PQgetvalue(res, i, 1));
		migrate_copy_sum(w->checksum, PQgetvalue(res, i, 2));
		migrate_copy_sum(w->down_checksum, PQgetvalue(res, i, 3));
		w->algo = atoi(PQgetvalue(res, i, 4));
		if (mig_rstate_parse(PQgetvalue(res, i, 5), &w->state) == -1)
			w->state = MR_FAILED;
		w->op_down = *PQgetvalue(res, i, 6) == 't';
		w->no_tx = *PQgetvalue(res, i, 7) == 't';
		w->out_of_order = *PQgetvalue(res, i, 8) == 't';
		w->seq = strtoll(PQgetvalue(res, i, 9), NULL, 10);
		w->ms = strtoll(PQgetvalue(res, i, 10), NULL, 10);
		w->applied_at = xstrdup(PQgetvalue(res, i, 11));
		w->applied_by = xstrdup(PQgetvalue(res, i, 12));
		w->error = PQgetisnull(res, i, 13) ? NULL : xstrdup(PQgetvalue(res, i, 13));
		w->applied_sql = PQgetisnull(res, i, 14) ? NULL :
		    xstrdup(PQgetvalue(res, i, 14));
		w->baselined = *PQgetvalue(res, i, 15) == 't';
	}
	l->n = (size_t)n;
	PQclear(res);
	return (migrate_ledger_read_reps(c, stream, l, err));
}

/* Run a ledger statement with parameters; fails unless it touched one row. */
static int
migrate_ledger_write(PGconn *c, const char *sql, int n, const char *const *p,
    struct mc_err *err)
{
	PGresult	*res;

	if ((res = pgq_query(c, sql, n, p, err)) == NULL)
		return (mc_err_prefix(err, "writing the ledger: "));
	if (strcmp(PQcmdTuples(res), "1") != 0) {
		PQclear(res);
		return (mc_err_set(err, MC_E_STATE,
		    "writing the ledger: expected to change one row, changed %s",
		    "none"));
	}
	PQclear(res);
	return (0);
}

/* ----------------------------------------------------------------- locking */

/* Set r->marker: who we are, for anyone who looks at pg_stat_activity. */
static void
migrate_marker(struct migrun *r, const char *locked_at)
{
	char	host[64];

	migrate_hostname(host, sizeof(host));
	snprintf(r->marker, sizeof(r->marker),
	    "/* mcpdb migrate %s; host=%s; os_pid=%ld; worker_pid=%d%s%s */",
	    r->cmd, host, (long)getpid(), r->work_pid,
	    locked_at ? "; locked_at=" : "", locked_at ? locked_at : "");
}

/* Copy the value of "key=" in s, up to a semicolon or the closing comment, into out. */
static bool
migrate_marker_field(const char *s, const char *key, char *out, size_t len)
{
	const char	*p = strstr(s, key), *e;

	if (p == NULL)
		return (false);
	p += strlen(key);
	for (e = p; *e != '\0' && *e != ';' && !(e[0] == ' ' && e[1] == '*'); e++)
		;
	snprintf(out, len, "%.*s", (int)(e - p), p);
	return (true);
}

/* Is the runner named by a marker a process of this host that has exited? */
static bool
migrate_holder_gone(const char *host, const char *ospid)
{
	char	me[64];
	long	pid = strtol(ospid, NULL, 10);

	migrate_hostname(me, sizeof(me));
	if (strcmp(me, host) != 0 || pid <= 0 || pid == (long)getpid())
		return (false);
	return (kill((pid_t)pid, 0) == -1 && errno == ESRCH);
}

/*
 * Describe who holds the migration lock into b ("" when nobody): pid,
 * application, user, client address, since when, and what it runs.
 */
static int
migrate_describe_holder(PGconn *c, const char *marker, struct buf *b,
    struct mc_err *err)
{
	PGresult	*res;
	char		*sql, k1[16], k2[16], at[64], host[80], ospid[24], cmd[32];
	const char	*q, *m;

	snprintf(k1, sizeof(k1), "%d", MIGRATE_LOCK_K1);
	snprintf(k2, sizeof(k2), "%d", MIGRATE_LOCK_K2);
	sql = xasprintf(
	    "SELECT a.pid, coalesce(nullif(a.application_name, ''), '(none)'), "
	    "coalesce(a.usename::text, '?'), coalesce(host(a.client_addr), 'local socket'), "
	    "to_char(a.backend_start AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS\"Z\"'), "
	    "coalesce(a.state, '?'), coalesce(a.query, ''), w.pid, coalesce(w.state, ''), "
	    "coalesce(w.query, ''), "
	    "coalesce(extract(epoch FROM now() - w.query_start)::bigint, 0) "
	    "FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
	    "LEFT JOIN pg_stat_activity w ON w.pid = "
	    "  (substring(a.query FROM 'worker_pid=([0-9]+)'))::int "
	    "WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 2 "
	    "AND l.classid = $1::oid AND l.objid = $2::oid "
	    "AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database()) %s",
	    marker ? marker : "");
	res = pgq_query(c, sql, 2, (const char *[]){ k1, k2 }, err);
	free(sql);
	if (res == NULL)
		return (mc_err_prefix(err, "looking up the lock holder: "));
	buf_reset(b);
	if (PQntuples(res) == 0) {
		PQclear(res);
		return (0);
	}
	q = PQgetvalue(res, 0, 6);
	if (!migrate_marker_field(q, "locked_at=", at, sizeof(at)))
		snprintf(at, sizeof(at), "%s (connected)", PQgetvalue(res, 0, 4));
	buf_printf(b, "pid %s (application %s, user %s, client %s, since %s",
	    PQgetvalue(res, 0, 0), PQgetvalue(res, 0, 1), PQgetvalue(res, 0, 2),
	    PQgetvalue(res, 0, 3), at);
	if ((m = strstr(q, "/* mcpdb migrate ")) != NULL &&
	    migrate_marker_field(m, "host=", host, sizeof(host)) &&
	    migrate_marker_field(m, "os_pid=", ospid, sizeof(ospid)) &&
	    sscanf(m, "/* mcpdb migrate %31[a-z]", cmd) == 1) {
		buf_printf(b, ", mcpdb migrate %s on host %s, os pid %s)", cmd, host, ospid);
		if (migrate_holder_gone(host, ospid))
			buf_printf(b, "; that process no longer exists on this host, so the "
			    "session is orphaned: SELECT pg_terminate_backend(%s) frees the lock",
			    PQgetvalue(res, 0, 0));
	} else {
		buf_printf(b, ", %s; current query: ", PQgetvalue(res, 0, 5));
		migrate_excerpt(b, q, 100);
		buf_putc(b, ')');
	}
	if (!PQgetisnull(res, 0, 7)) {
		buf_printf(b, "; its migration session pid %s is %s", PQgetvalue(res, 0, 7),
		    PQgetvalue(res, 0, 8));
		if (strcmp(PQgetvalue(res, 0, 8), "active") == 0) {
			buf_printf(b, " for %s s: ", PQgetvalue(res, 0, 10));
			migrate_excerpt(b, PQgetvalue(res, 0, 9), 100);
		}
	}
	PQclear(res);
	return (0);
}

/*
 * Refuse to lock through a connection pooler (PgBouncer): the migration
 * lock is a session-level advisory lock, and a pooler in transaction mode
 * hands the server session to other clients between statements, so the
 * lock would neither stay with this run nor keep a second run out. A
 * pooler answers the startup with its own cancel key, so the pid libpq
 * got (PQbackendPID) is not the server backend's pg_backend_pid().
 */
static int
migrate_check_direct(PGconn *c, struct mc_err *err)
{
	PGresult	*res;
	bool		 pooled;

	if ((res = pgq_query(c, "SELECT pg_backend_pid()", 0, NULL, err)) ==
	    NULL)
		return (-1);
	pooled = atoi(PQgetvalue(res, 0, 0)) != PQbackendPID(c);
	PQclear(res);
	if (pooled)
		return (mc_err_set(err, MC_E_REFUSED, "the target reaches "
		    "PostgreSQL through a connection pooler (PgBouncer?): the "
		    "migration lock is a session-level advisory lock, which "
		    "transaction pooling does not keep, so two runs could "
		    "apply at once; point the target at PostgreSQL itself "
		    "for migrations (not through the pooler)"));
	return (0);
}

/*
 * Take the advisory lock on the lock session, spinning with jittered
 * backoff up to the lock timeout and saying who holds it meanwhile.
 */
static int
migrate_lock(struct migrun *r, long long *waited, struct mc_err *err)
{
	struct backoff	 bo;
	struct buf	 who;
	PGresult	*res;
	char		*sql, k1[16], k2[16];
	long long	 start = (long long)clk_mono_ms(), elapsed, next_note = 0;
	int		 timeout = r->o->lock_timeout_ms >= 0 ? r->o->lock_timeout_ms :
			    r->t->migrate.lock_timeout_ms;
	bool		 got = false;

	if (migrate_check_direct(r->lock, err) == -1) {
		*waited = 0;
		return (-1);
	}
	snprintf(k1, sizeof(k1), "%d", MIGRATE_LOCK_K1);
	snprintf(k2, sizeof(k2), "%d", MIGRATE_LOCK_K2);
	backoff_init(&bo, 25, 500, (uint64_t)getpid() * 2654435761u ^
	    (uint64_t)start);
	migrate_marker(r, NULL);
	sql = xasprintf("SELECT pg_try_advisory_lock($1::int, $2::int), "
	    "to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS\"Z\"') %s", r->marker);
	buf_init(&who);
	for (;;) {
		if ((res = pgq_query(r->lock, sql, 2, (const char *[]){ k1, k2 }, err)) == NULL)
			break;
		got = strcmp(PQgetvalue(res, 0, 0), "t") == 0;
		if (got) {
			migrate_marker(r, PQgetvalue(res, 0, 1));
			PQclear(res);
			break;
		}
		PQclear(res);
		elapsed = (long long)clk_mono_ms() - start;
		if (elapsed >= timeout || migrate_stopped(r->o) || elapsed >= next_note) {
			if (migrate_describe_holder(r->lock, r->marker, &who, err) == -1)
				break;
			if (who.len == 0)	/* released meanwhile, or invisible */
				buf_puts(&who, "a session that pg_locks does not show (released "
				    "just now, or a prepared transaction)");
		}
		if (migrate_stopped(r->o)) {
			mc_err_set(err, MC_E_CANCELLED,
			    "interrupted while waiting for the migration lock held by %s",
			    who.data);
			break;
		}
		if (elapsed >= timeout) {
			mc_err_set(err, MC_E_LOCKED,
			    "another migration run holds the lock (waited %d ms, --lock-timeout): "
			    "held by %s", timeout, who.data);
			break;
		}
		if (elapsed >= next_note) {
			migrate_progress(r->o, "waiting for the migration lock (%.1f s of %.1f s), "
			    "held by %s", elapsed / 1000.0, timeout / 1000.0, who.data);
			next_note = elapsed + MIGRATE_WAIT_NOTE_MS;
		}
		{
			int	d = backoff_next_ms(&bo);

			if (d < 10)
				d = 10;
			if (d > timeout - elapsed)
				d = (int)(timeout - elapsed);
			migrate_sleep(r->o, d);
		}
	}
	free(sql);
	buf_done(&who);
	*waited = (long long)clk_mono_ms() - start;
	if (!got)
		return (-1);
	r->locked = true;
	/* Leave the marker, with locked_at, as the session's visible query. */
	sql = xasprintf("SELECT 1 %s", r->marker);
	res = PQexec(r->lock, sql);
	PQclear(res);
	free(sql);
	return (0);
}

/* Release the lock and close both sessions. */
static void
migrate_close(struct migrun *r)
{
	PGresult	*res;
	char		 sql[128];

	if (r->lock != NULL && r->locked) {
		snprintf(sql, sizeof(sql), "SELECT pg_advisory_unlock(%d, %d)",
		    MIGRATE_LOCK_K1, MIGRATE_LOCK_K2);
		res = PQexec(r->lock, sql);
		PQclear(res);
	}
	if (r->lock != NULL)
		PQfinish(r->lock);
	if (r->work != NULL)
		PQfinish(r->work);
	r->lock = r->work = NULL;
	r->locked = false;
	buf_done(&r->blockers);
	mig_ledger_done(&r->ledger);
	migset_free(r->set);
	r->set = NULL;
	free(r->stream);
	free(r->sdir);
	r->stream = r->sdir = NULL;
}

/* ------------------------------------------------------- running SQL */

/* Look for sessions blocking the migration session; keep a description. */
static void
migrate_sample_blockers(struct migrun *r)
{
	PGresult	*res;
	char		*sql, pid[16];
	struct buf	 b;
	int		 i, n;

	if (r->lock == NULL)
		return;
	snprintf(pid, sizeof(pid), "%d", r->work_pid);
	sql = xasprintf(
	    "SELECT a.pid, coalesce(nullif(a.application_name, ''), '(none)'), "
	    "coalesce(a.usename::text, '?'), coalesce(a.state, '?'), "
	    "coalesce(extract(epoch FROM now() - coalesce(a.xact_start, a.query_start))::bigint, 0), "
	    "coalesce(a.query, '') FROM pg_stat_activity a "
	    "WHERE a.pid = ANY (pg_blocking_pids($1::int)) ORDER BY a.pid %s", r->marker);
	res = PQexecParams(r->lock, sql, 1, NULL, (const char *[]){ pid }, NULL, NULL, 0);
	free(sql);
	if (PQresultStatus(res) != PGRES_TUPLES_OK || (n = PQntuples(res)) == 0) {
		PQclear(res);
		return;
	}
	buf_init(&b);
	for (i = 0; i < n && i < 3; i++) {
		buf_printf(&b, "%spid %s (%s, user %s, %s for %s s: ", i ? "; " : "",
		    PQgetvalue(res, i, 0), PQgetvalue(res, i, 1), PQgetvalue(res, i, 2),
		    PQgetvalue(res, i, 3), PQgetvalue(res, i, 4));
		migrate_excerpt(&b, PQgetvalue(res, i, 5), 60);
		buf_putc(&b, ')');
	}
	if (n > 3)
		buf_printf(&b, "; and %d more", n - 3);
	if (strcmp(b.data, r->blockers.data) != 0)
		migrate_progress(r->o, "%s: waiting for a lock held by %s",
		    r->current ? r->current : "migration", b.data);
	buf_reset(&r->blockers);
	buf_puts(&r->blockers, b.data);
	buf_done(&b);
	PQclear(res);
}

/*
 * Set err for a failed statement: "file:line:col: message (SQLSTATE; detail;
 * hint; context)", plus who we waited on for a lock timeout.
 */
static int
migrate_stmt_error(struct migrun *r, const struct mig_script *sc,
    const struct mig_stmt *st, PGconn *c, const PGresult *res, int timeout_ms,
    struct mc_err *err)
{
	const char	*msg, *state, *pos, *detail, *hint, *ctx;
	struct buf	 b;
	int		 line = st->line, col = st->col;

	if (res == NULL || (msg = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY)) == NULL) {
		mc_err_pg(err, c, res);
		return (mc_err_prefix(err, "%s:%d:%d: ", sc->path, line, col));
	}
	state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
	pos = PQresultErrorField(res, PG_DIAG_STATEMENT_POSITION);
	detail = PQresultErrorField(res, PG_DIAG_MESSAGE_DETAIL);
	hint = PQresultErrorField(res, PG_DIAG_MESSAGE_HINT);
	ctx = PQresultErrorField(res, PG_DIAG_CONTEXT);
	if (pos != NULL)
		mig_position(sc->sql, st, atoi(pos), &line, &col);
	buf_init(&b);
	buf_printf(&b, "%s:%d:%d: %s", sc->path, line, col, msg);
	if (state != NULL)
		buf_printf(&b, " (SQLSTATE %s)", state);
	if (detail != NULL) {
		buf_puts(&b, "; detail: ");
		migrate_excerpt(&b, detail, 200);
	}
	if (hint != NULL) {
		buf_puts(&b, "; hint: ");
		migrate_excerpt(&b, hint, 160);
	}
	if (ctx != NULL && pos == NULL) {
		buf_puts(&b, "; context: ");
		migrate_excerpt(&b, ctx, 120);
	}
	if (state != NULL && strcmp(state, "55P03") == 0) {
		buf_printf(&b, "; lock_timeout is %d ms", timeout_ms);
		if (r->blockers.len > 0)
			buf_printf(&b, "; it waited on %s", r->blockers.data);
		else
			buf_puts(&b, "; no blocking session was seen in time (raise "
			    "-- mcpdb:lock_timeout or retry when the database is quieter)");
	}
	mc_err_set(err, MC_E_QUERY, "%s", b.data);
	if (state != NULL && err != NULL)
		snprintf(err->sqlstate, sizeof(err->sqlstate), "%s", state);
	buf_done(&b);
	return (-1);
}

/*
 * Run one statement of sc on c, polling so blockers can be sampled and the
 * operator can cancel. Returns 0 or -1 with err naming file:line:col.
 */
static int
migrate_exec_stmt(struct migrun *r, PGconn *c, const struct mig_script *sc,
    const struct mig_stmt *st, int lock_timeout_ms, struct mc_err *err)
{
	struct pollfd	 pfd;
	PGresult	*res, *bad = NULL;
	char		*text;
	long long	 start = (long long)clk_mono_ms(), next = start + MIGRATE_SAMPLE_FIRST_MS;
	bool		 cancelled = false, lost = false;

	buf_reset(&r->blockers);
	text = xstrndup(sc->sql + st->off, st->len);
	if (!PQsendQuery(c, text)) {
		free(text);
		mc_err_pg(err, c, NULL);
		return (mc_err_prefix(err, "%s:%d:%d: ", sc->path, st->line, st->col));
	}
	free(text);
	while (PQisBusy(c)) {
		pfd.fd = PQsocket(c);
		pfd.events = POLLIN;
		if (poll(&pfd, 1, 50) == -1 && errno != EINTR)
			break;
		if (!PQconsumeInput(c)) {
			lost = true;
			break;
		}
		if (migrate_stopped(r->o) && !cancelled) {
			PGcancel	*cn = PQgetCancel(c);
			char		 eb[256];

			if (cn != NULL) {
				PQcancel(cn, eb, sizeof(eb));
				PQfreeCancel(cn);
			}
			cancelled = true;
		}
		if (r->lock != NULL && (long long)clk_mono_ms() >= next) {
			migrate_sample_blockers(r);
			next = (long long)clk_mono_ms() + MIGRATE_SAMPLE_EVERY_MS;
		}
	}
	while (!lost && (res = PQgetResult(c)) != NULL) {
		ExecStatusType	st_ = PQresultStatus(res);

		if (st_ == PGRES_COPY_IN)
			PQputCopyEnd(c, "COPY FROM STDIN is not supported in migrations");
		else if (st_ == PGRES_COPY_OUT) {
			char	*row;

			while (PQgetCopyData(c, &row, 0) > 0)
				PQfreemem(row);
		}
		if ((st_ == PGRES_FATAL_ERROR || st_ == PGRES_NONFATAL_ERROR) && bad == NULL) {
			bad = res;
			continue;
		}
		PQclear(res);
	}
	if (lost || bad != NULL || PQstatus(c) != CONNECTION_OK) {
		migrate_stmt_error(r, sc, st, c, bad, lock_timeout_ms, err);
		PQclear(bad);
		if (cancelled)
			mc_err_prefix(err, "interrupted: ");
		return (-1);
	}
	return (0);
}

/* The lock_timeout and statement_timeout a script runs with (ms). */
static void
migrate_timeouts(const struct migrun *r, const struct mig_script *sc, int *lt, int *stt)
{
	*lt = sc->lock_timeout_ms >= 0 ? sc->lock_timeout_ms :
	    r->t->migrate.ddl_lock_timeout_ms;
	*stt = sc->statement_timeout_ms >= 0 ? sc->statement_timeout_ms :
	    r->t->migrate.statement_timeout_ms;
}

/*
 * Set lock_timeout, statement_timeout and mcpdb.migration (local to the
 * transaction or not), and synchronous_commit off for an async step.
 */
static int
migrate_set_timeouts(struct migrun *r, PGconn *c, const char *id,
    const struct mig_script *sc, bool local, bool async, struct mc_err *err)
{
	char		 lt[24], stt[24];
	int		 a, b;
	PGresult	*res;

	migrate_timeouts(r, sc, &a, &b);
	snprintf(lt, sizeof(lt), "%dms", a);
	snprintf(stt, sizeof(stt), "%dms", b);
	res = pgq_query(c, "SELECT set_config('lock_timeout', $1, $4::bool), "
	    "set_config('statement_timeout', $2, $4::bool), "
	    "set_config('mcpdb.migration', $3, $4::bool), "
	    "CASE WHEN $5::bool THEN set_config('synchronous_commit', 'off', true) END", 5,
	    (const char *[]){ lt, stt, id, local ? "t" : "f", async ? "t" : "f" }, err);
	if (res == NULL)
		return (mc_err_prefix(err, "%s: setting timeouts: ", sc->path));
	PQclear(res);
	return (0);
}

/* Run every statement of sc; *ms gets the time taken. */
static int
migrate_exec_script(struct migrun *r, PGconn *c, const struct mig_script *sc,
    long long *ms, struct mc_err *err)
{
	long long	start = (long long)clk_mono_ms();
	int		lt, stt;
	size_t		i;

	migrate_timeouts(r, sc, &lt, &stt);
	for (i = 0; i < sc->nstmts; i++) {
		if (migrate_stopped(r->o))
			return (mc_err_set(err, MC_E_CANCELLED,
			    "%s: interrupted before statement %zu", sc->path, i + 1));
		if (migrate_exec_stmt(r, c, sc, &sc->stmts[i], lt, err) == -1)
			return (-1);
	}
	*ms = (long long)clk_mono_ms() - start;
	return (0);
}

/* Record a failure in the history (best effort, outside any transaction). */
static void
migrate_event_failed(struct migrun *r, const struct mig_file *f, bool down,
    const struct mc_err *e)
{
	char		 v[24];
	PGresult	*res;

	if (!r->ledger.exists || PQstatus(r->work) != CONNECTION_OK)
		return;
	snprintf(v, sizeof(v), "%lld", f->version);
	res = PQexecParams(r->work,
	    "INSERT INTO mcpdb.migration_events (stream, version, name, event, sqlstate, "
	    "error, checksum) VALUES ($7, $1, $2, $3, nullif($4, ''), $5, $6)",
	    7, NULL,
	    (const char *[]){ v, f->name, down ? "down failed" : "up failed", e->sqlstate,
	    e->msg, f->up.sum, r->stream }, NULL, NULL, 0);
	PQclear(res);
}

/* The ledger row of a transactional apply, with its history event. */
static const char migrate_sql_insert[] =
	"WITH m AS (INSERT INTO mcpdb.migrations (stream, version, name, checksum, "
	"down_checksum, checksum_algo, applied_sql, state, operation, no_transaction, "
	"out_of_order, execution_ms) VALUES ($8, $1, $2, $3, $4, $5, $6, "
	"'applied', 'up', false, $7, "
	"(extract(epoch FROM clock_timestamp() - now()) * 1000)::bigint) "
	"RETURNING stream, version, name, out_of_order, execution_ms, checksum) "
	"INSERT INTO mcpdb.migration_events (stream, version, name, event, execution_ms, "
	"out_of_order, checksum) "
	"SELECT stream, version, name, 'applied', execution_ms, out_of_order, checksum "
	"FROM m";

/*
 * Deleting the ledger row of a transactional rollback, with its event; fails
 * (so the transaction cannot commit) unless exactly one applied row went.
 */
static const char migrate_sql_delete[] =
	"WITH m AS (DELETE FROM mcpdb.migrations WHERE stream = $2 AND "
	"version = $1 AND state = 'applied' RETURNING stream, version, name, checksum), "
	"e AS (INSERT INTO mcpdb.migration_events (stream, version, name, event, "
	"execution_ms, checksum) SELECT stream, version, name, "
	"'rolled back', (extract(epoch FROM clock_timestamp() - now()) * 1000)::bigint, "
	"checksum FROM m RETURNING 1) "
	"SELECT CASE WHEN count(*) = 1 THEN 1 "
	"ELSE (count(*)::text || ' ledger rows deleted, expected 1')::int END FROM e";

#ifdef LIBPQ_HAS_PIPELINING
/* The per-migration settings, prepared once per session as "mcpdb_set". */
static const char migrate_sql_set[] =
	"SELECT pg_catalog.set_config('lock_timeout', $1, true), "
	"pg_catalog.set_config('statement_timeout', $2, true), "
	"pg_catalog.set_config('mcpdb.migration', $3, true), "
	"CASE WHEN $4::bool THEN pg_catalog.set_config('synchronous_commit', 'off', true) END";

/* Prepare name as sql on c (once per session). */
static int
migrate_prepare(PGconn *c, const char *name, const char *sql, int n, struct mc_err *err)
{
	PGresult	*res = PQprepare(c, name, sql, n, NULL);

	if (PQresultStatus(res) != PGRES_COMMAND_OK) {
		mc_err_pg(err, c, res);
		PQclear(res);
		return (mc_err_prefix(err, "preparing %s: ", name));
	}
	PQclear(res);
	return (0);
}

/*
 * Prepare the statements every migration runs, so each costs an execution
 * rather than a parse and plan. The ledger ones only once the ledger exists.
 */
static int
migrate_prepare_all(struct migrun *r, PGconn *c, bool ledger, struct mc_err *err)
{
	if (!r->prep_set) {
		if (migrate_prepare(c, "mcpdb_set", migrate_sql_set, 4, err) == -1)
			return (-1);
		r->prep_set = true;
	}
	if (ledger && !r->prep_ledger) {
		if (migrate_prepare(c, "mcpdb_ins", migrate_sql_insert, 8, err) == -1 ||
		    migrate_prepare(c, "mcpdb_del", migrate_sql_delete, 2, err) == -1)
			return (-1);
		r->prep_ledger = true;
	}
	return (0);
}

/* What each query of a pipelined migration is. */
enum migrate_q {
	MQ_BEGIN,
	MQ_SET,
	MQ_STMT,
	MQ_LEDGER,
};

/* The reading side of one pipelined migration. */
struct migrate_pipe {
	size_t		 nq;		/* queries sent so far */
	size_t		 k;		/* queries whose results are all in */
	size_t		 failed;	/* the query of bad */
	PGresult	*bad;		/* the first error */
	bool		 synced;	/* the sync's result is in */
	bool		 cancelled;	/* Ctrl-C: the cancel request went out */
	long long	 next;		/* when to sample blockers */
};

/*
 * Take every result that has arrived on c (never waiting), counting ended
 * queries; libpq frees a query's copy of its text only then, so a big file
 * is read back as it goes rather than held twice.
 */
static void
migrate_pipe_take(struct migrun *r, PGconn *c, struct migrate_pipe *p)
{
	PGresult	*res;

	/* With no query left in flight, PQgetResult would return NULL forever. */
	while (!p->synced && !PQisBusy(c)) {
		if ((res = PQgetResult(c)) == NULL) {
			if (p->k == p->nq)	/* nothing sent is outstanding */
				break;
			p->k++;	/* the end of one query's results */
			if (p->bad == NULL) {	/* keep the blockers of a failure */
				buf_reset(&r->blockers);
				p->next = (long long)clk_mono_ms() + MIGRATE_SAMPLE_FIRST_MS;
			}
			continue;
		}
		if (PQresultStatus(res) == PGRES_PIPELINE_SYNC) {
			PQclear(res);
			p->synced = true;
			break;
		}
		if (PQresultStatus(res) == PGRES_FATAL_ERROR && p->bad == NULL) {
			p->bad = res;
			p->failed = p->k;
			continue;
		}
		PQclear(res);
	}
}

/*
 * Wait up to 50 ms for c (to read; to write too when want_out), read what
 * came, cancel on Ctrl-C and sample blockers when due. -1: connection lost.
 */
static int
migrate_pipe_wait(struct migrun *r, PGconn *c, struct migrate_pipe *p,
    bool want_out)
{
	struct pollfd	pfd;

	pfd.fd = PQsocket(c);
	pfd.events = POLLIN | (want_out ? POLLOUT : 0);
	if (poll(&pfd, 1, 50) == -1 && errno != EINTR)
		return (-1);
	if (!PQconsumeInput(c))
		return (-1);
	if (migrate_stopped(r->o) && !p->cancelled) {
		PGcancel	*cn = PQgetCancel(c);
		char		 eb[256];

		if (cn != NULL) {
			PQcancel(cn, eb, sizeof(eb));
			PQfreeCancel(cn);
		}
		p->cancelled = true;
	}
	if (r->lock != NULL && (long long)clk_mono_ms() >= p->next) {
		migrate_sample_blockers(r);
		p->next = (long long)clk_mono_ms() + MIGRATE_SAMPLE_EVERY_MS;
	}
	return (0);
}

/*
 * Write out what the pipeline has queued on c, taking results meanwhile so
 * neither side blocks on the other and libpq lets go of finished queries.
 * 0 when all is written, -1 when the connection is lost.
 */
static int
migrate_pipe_drain(struct migrun *r, PGconn *c, struct migrate_pipe *p)
{
	int	fl;

	while ((fl = PQflush(c)) == 1) {
		if (migrate_pipe_wait(r, c, p, true) == -1)
			return (-1);
		migrate_pipe_take(r, c, p);
	}
	migrate_pipe_take(r, c, p);
	return (fl);
}

/*
 * Run a transactional script in one pipeline: BEGIN, the settings, every
 * statement and the ledger row go out together and the results are read as
 * they come; COMMIT follows once all succeeded. A migration costs two round
 * trips instead of four plus one per statement; a big one is written in
 * MIGRATE_PIPE_CHUNK slices so memory stays near the file's size. While a
 * result is awaited the lock session samples blockers, and Ctrl-C cancels.
 * The first error names its statement; the transaction is then left aborted
 * for the caller to roll back.
 */
static int
migrate_run_pipelined(struct migrun *r, PGconn *c, const struct mig_file *f,
    const struct mig_script *sc, enum migrate_act act, bool out_of_order,
    bool ledger, bool async, long long *ms, struct mc_err *err)
{
	struct migrate_pipe	 p;
	enum migrate_q		*kind;
	char			 v[24], algo[8], lt[24], stt[24], *keep, *end, save;
	int			 lti, stti, sent = 1;
	size_t			 i, queued = 0;
	long long		 start = (long long)clk_mono_ms();
	bool			 lost = false;

	if (migrate_stopped(r->o))
		return (mc_err_set(err, MC_E_CANCELLED, "%s: interrupted before it started",
		    sc->path));
	memset(&p, 0, sizeof(p));
	migrate_timeouts(r, sc, &lti, &stti);
	snprintf(lt, sizeof(lt), "%dms", lti);
	snprintf(stt, sizeof(stt), "%dms", stti);
	snprintf(v, sizeof(v), "%lld", f->version);
	snprintf(algo, sizeof(algo), "%d", MIG_CHECKSUM_ALGO);
	if (migrate_prepare_all(r, c, ledger, err) == -1)
		return (mc_err_prefix(err, "%s: ", sc->path));
	kind = xcalloc(sc->nstmts + 5, sizeof(*kind));
	if (PQenterPipelineMode(c) != 1 || PQsetnonblocking(c, 1) != 0) {
		free(kind);
		mc_err_pg(err, c, NULL);
		return (mc_err_prefix(err, "%s: cannot start a pipeline: ", sc->path));
	}
	buf_reset(&r->blockers);
	p.next = (long long)clk_mono_ms() + MIGRATE_SAMPLE_FIRST_MS;
	sent &= PQsendQueryParams(c, "BEGIN", 0, NULL, NULL, NULL, NULL, 0);
	sent &= PQsendFlushRequest(c);
	kind[p.nq++] = MQ_BEGIN;
	sent &= PQsendQueryPrepared(c, "mcpdb_set", 4,
	    (const char *[]){ lt, stt, f->id, async ? "t" : "f" }, NULL, NULL, 0);
	sent &= PQsendFlushRequest(c);
	kind[p.nq++] = MQ_SET;
	for (i = 0; i < sc->nstmts && sent && !p.cancelled && p.bad == NULL; i++) {
		/*
		 * Sent from the file's text, NUL-terminated for the call and
		 * restored (libpq copies it): a big file is not copied again.
		 */
		end = sc->sql + sc->stmts[i].off + sc->stmts[i].len;
		save = *end;
		*end = '\0';
		sent &= PQsendQueryParams(c, sc->sql + sc->stmts[i].off, 0, NULL, NULL,
		    NULL, NULL, 0);
		*end = save;
		/* Results as each statement ends: we know which one is running. */
		sent &= PQsendFlushRequest(c);
		kind[p.nq++] = MQ_STMT;
		if ((queued += sc->stmts[i].len) >= MIGRATE_PIPE_CHUNK && sent) {
			queued = 0;
			if (migrate_pipe_drain(r, c, &p) == -1)
				sent = 0;
		}
	}
	if (ledger && sent && !p.cancelled && p.bad == NULL) {
		if (act == MACT_APPLY) {
			keep = migrate_ledger_text(&f->up);
			sent &= PQsendQueryPrepared(c, "mcpdb_ins", 8,
			    (const char *[]){ v, f->name, f->up.sum, f->down.sum, algo, keep,
			    out_of_order ? "t" : "f", r->stream }, NULL, NULL, 0);
			free(keep);
		} else
			sent &= PQsendQueryPrepared(c, "mcpdb_del", 2,
			    (const char *[]){ v, r->stream }, NULL, NULL, 0);
		kind[p.nq++] = MQ_LEDGER;
	}
	if (sent)
		sent &= PQpipelineSync(c);
	if (!sent)
		lost = true;
	while (!lost && !p.synced) {
		int	fl;

		if ((fl = PQflush(c)) == -1) {
			lost = true;
			break;
		}
		migrate_pipe_take(r, c, &p);
		if (p.synced)
			break;
		if (migrate_pipe_wait(r, c, &p, fl == 1) == -1)
			lost = true;
	}
	if (!lost) {
		PQsetnonblocking(c, 0);
		PQexitPipelineMode(c);
	}
	*ms = (long long)clk_mono_ms() - start;
	if (lost || p.bad != NULL) {
		if (p.bad == NULL)
			p.failed = p.k;	/* connection lost: the query being waited for */
		if (p.failed < p.nq && kind[p.failed] == MQ_STMT)
			migrate_stmt_error(r, sc, &sc->stmts[p.failed - 2], c, p.bad, lti,
			    err);
		else {
			mc_err_pg(err, c, p.bad);
			mc_err_prefix(err, "%s: %s: ", sc->path, p.failed >= p.nq ?
			    "running" : kind[p.failed] == MQ_LEDGER ? "writing the ledger" :
			    "starting the transaction");
		}
		if (p.cancelled)
			mc_err_prefix(err, "interrupted: ");
		PQclear(p.bad);
		free(kind);
		return (-1);
	}
	free(kind);
	if (p.cancelled)	/* it finished anyway: the operator asked to stop */
		return (mc_err_set(err, MC_E_CANCELLED, "%s: interrupted; rolled back",
		    sc->path));
	/*
	 * COMMIT only now that every result is in: a runner killed mid-way
	 * must never leave a COMMIT queued for its orphaned backend to run.
	 */
	if (pgq_exec(c, "COMMIT", err) == -1)
		return (mc_err_prefix(err, "%s: COMMIT failed (nothing was recorded): ",
		    sc->path));
	*ms = (long long)clk_mono_ms() - start;
	return (0);
}
#endif

/*
 * After a failed no-transaction script: name the invalid indexes a failed
 * CREATE INDEX CONCURRENTLY leaves behind, with the statement that drops them.
 */
static void
migrate_invalid_indexes(PGconn *c, struct mc_err *e)
{
	PGresult	*res;
	size_t		 len;
	int		 i;

	if (PQstatus(c) != CONNECTION_OK)
		return;
	res = PQexec(c, "SELECT i.indexrelid::regclass FROM pg_index i "
	    "JOIN pg_class c ON c.oid = i.indexrelid "
	    "WHERE NOT i.indisvalid AND c.relnamespace <> 'pg_catalog'::regnamespace "
	    "ORDER BY 1::text");
	if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) > 0) {
		len = strlen(e->msg);
		snprintf(e->msg + len, sizeof(e->msg) - len, "; invalid index left behind:");
		for (i = 0; i < PQntuples(res); i++) {
			len = strlen(e->msg);
			snprintf(e->msg + len, sizeof(e->msg) - len,
			    " DROP INDEX CONCURRENTLY %s;", PQgetvalue(res, i, 0));
		}
	}
	PQclear(res);
}

/*
 * Apply or roll back migration f on the migration session, with its ledger
 * row (ledger false: just run the SQL, as `check` does). *ms is the time.
 * async: commit with synchronous_commit off, for every transactional step
 * but the last of a run; that last commit (or the failure event) is
 * synchronous and flushes the WAL of all the earlier ones, so a finished
 * run is as durable as with one flush per migration, for one flush in all.
 */
static int
migrate_run_one(struct migrun *r, const struct mig_file *f, enum migrate_act act,
    bool out_of_order, bool ledger, bool async, long long *ms, struct mc_err *err)
{
	const struct mig_script	*sc = act == MACT_APPLY ? &f->up : &f->down;
	PGconn			*c = r->work;
	char			 v[24], algo[8], tms[24], *keep;
	int			 rc;

	snprintf(v, sizeof(v), "%lld", f->version);
	snprintf(algo, sizeof(algo), "%d", MIG_CHECKSUM_ALGO);
	r->current = f->id;
	*ms = -1;
	if (sc->no_tx) {
		/* Outside a transaction: record "running" first. */
		if (ledger && act == MACT_APPLY) {
			keep = migrate_ledger_text(&f->up);
			rc = migrate_ledger_write(c,
			    "INSERT INTO mcpdb.migrations (stream, version, name, checksum, "
			    "down_checksum, checksum_algo, applied_sql, state, operation, "
			    "no_transaction, out_of_order) VALUES ($8, $1, $2, $3, "
			    "$4, $5, $6, 'running', 'up', true, $7)", 8,
			    (const char *[]){ v, f->name, f->up.sum, f->down.sum, algo, keep,
			    out_of_order ? "t" : "f", r->stream }, err);
			free(keep);
			if (rc == -1)
				goto fail_early;
		}
		if (ledger && act == MACT_ROLLBACK &&
		    migrate_ledger_write(c, "UPDATE mcpdb.migrations SET state = 'running', "
		    "operation = 'down', error = NULL WHERE stream = $2 AND "
		    "version = $1 AND state = 'applied'",
		    2, (const char *[]){ v, r->stream }, err) == -1)
			goto fail_early;
		rc = migrate_set_timeouts(r, c, f->id, sc, false, false, err);
		if (rc == 0)
			rc = migrate_exec_script(r, c, sc, ms, err);
		if (rc == 0 && PQtransactionStatus(c) != PQTRANS_IDLE)
			rc = mc_err_set(err, MC_E_INPUT, "%s: the file leaves a transaction "
			    "open (BEGIN without COMMIT); it was rolled back", sc->path);
		if (rc == -1) {
			struct mc_err	saved = *err;

			/* The file's own BEGIN may have left a transaction behind. */
			if (PQstatus(c) == CONNECTION_OK &&
			    PQtransactionStatus(c) != PQTRANS_IDLE)
				PQclear(PQexec(c, "ROLLBACK"));
			PQclear(PQexec(c, "RESET lock_timeout; RESET statement_timeout; "
			    "RESET mcpdb.migration"));
			migrate_invalid_indexes(c, &saved);
			if (ledger && PQstatus(c) == CONNECTION_OK) {
				PGresult *res = PQexecParams(c, "UPDATE mcpdb.migrations SET "
				    "state = 'failed', error = $2 WHERE stream = $3 AND "
				    "version = $1", 3, NULL,
				    (const char *[]){ v, saved.msg, r->stream }, NULL, NULL, 0);

				PQclear(res);
				migrate_event_failed(r, f, act == MACT_ROLLBACK, &saved);
			}
			*err = saved;
			r->current = NULL;
			return (-1);
		}
		PQclear(PQexec(c, "RESET lock_timeout; RESET statement_timeout; "
		    "RESET mcpdb.migration"));
		snprintf(tms, sizeof(tms), "%lld", *ms);
		if (ledger && act == MACT_APPLY)
			rc = migrate_ledger_write(c,
			    "WITH m AS (UPDATE mcpdb.migrations SET state = 'applied', "
			    "execution_ms = $2, applied_at = now() WHERE stream = $3 "
			    "AND version = $1 RETURNING stream, version, name, out_of_order, "
			    "checksum) INSERT INTO mcpdb.migration_events (stream, version, name, "
			    "event, execution_ms, out_of_order, checksum) SELECT stream, version, "
			    "name, 'applied', $2, out_of_order, checksum FROM m",
			    3, (const char *[]){ v, tms, r->stream }, err);
		else if (ledger)
			rc = migrate_ledger_write(c,
			    "WITH m AS (DELETE FROM mcpdb.migrations WHERE stream = $3 "
			    "AND version = $1 RETURNING stream, version, name, checksum) "
			    "INSERT INTO mcpdb.migration_events (stream, version, name, event, "
			    "execution_ms, checksum) SELECT stream, version, name, 'rolled back', "
			    "$2, checksum FROM m",
			    3, (const char *[]){ v, tms, r->stream }, err);
		else
			rc = 0;
		r->current = NULL;
		return (rc);
	}

	/* One transaction: the SQL and its ledger row commit together. */
#ifdef LIBPQ_HAS_PIPELINING
	if (migrate_run_pipelined(r, c, f, sc, act, out_of_order, ledger, async, ms,
	    err) == 0) {
		r->current = NULL;
		return (0);
	}
	goto fail_tx;
#else
	if (pgq_exec(c, "BEGIN", err) == -1)
		goto fail_early;
	if (migrate_set_timeouts(r, c, f->id, sc, true, async, err) == -1 ||
	    migrate_exec_script(r, c, sc, ms, err) == -1)
		goto fail_tx;
	if (ledger && act == MACT_APPLY) {
		keep = migrate_ledger_text(&f->up);
		rc = migrate_ledger_write(c, migrate_sql_insert, 8, (const char *[]){ v,
		    f->name, f->up.sum, f->down.sum, algo, keep, out_of_order ? "t" : "f",
		    r->stream }, err);
		free(keep);
		if (rc == -1)
			goto fail_tx;
	}
	if (ledger && act == MACT_ROLLBACK &&
	    migrate_ledger_write(c, migrate_sql_delete, 2, (const char *[]){ v, r->stream },
	    err) == -1)
		goto fail_tx;
	if (pgq_exec(c, "COMMIT", err) == -1) {
		mc_err_prefix(err, "%s: COMMIT failed (nothing was recorded): ", sc->path);
		goto fail_tx;
	}
	r->current = NULL;
	return (0);
#endif
fail_tx:
	{
		struct mc_err	saved = *err;

		if (PQstatus(c) == CONNECTION_OK &&
		    PQtransactionStatus(c) != PQTRANS_IDLE)
			PQclear(PQexec(c, "ROLLBACK"));
		if (ledger)
			migrate_event_failed(r, f, act == MACT_ROLLBACK, &saved);
		*err = saved;
	}
	r->current = NULL;
	return (-1);
fail_early:
	r->current = NULL;
	return (-1);
}

/* ------------------------------------------------------------ repeatables */

/*
 * The row and event of a repeatable's apply, in its transaction: a new row
 * ("applied") or the row of its last apply replaced ("reapplied", with the
 * checksum it had).
 */
static const char migrate_sql_rep[] =
	"WITH old AS (SELECT checksum FROM mcpdb.migration_repeatables WHERE stream = "
	"$5 AND name = $1), "
	"m AS (INSERT INTO mcpdb.migration_repeatables (stream, name, checksum, "
	"checksum_algo, applied_sql, execution_ms) VALUES ($5, $1, $2, $3, $4, "
	"(extract(epoch FROM clock_timestamp() - now()) * 1000)::bigint) "
	"ON CONFLICT (stream, name) DO UPDATE SET checksum = EXCLUDED.checksum, "
	"checksum_algo = EXCLUDED.checksum_algo, applied_sql = EXCLUDED.applied_sql, "
	"applied_at = EXCLUDED.applied_at, applied_by = EXCLUDED.applied_by, "
	"execution_ms = EXCLUDED.execution_ms, "
	"applies = mcpdb.migration_repeatables.applies + 1 "
	"RETURNING stream, name, checksum, execution_ms) "
	"INSERT INTO mcpdb.migration_events (stream, version, name, event, execution_ms, "
	"checksum, repeatable, old_checksum) SELECT m.stream, 0, m.name, CASE WHEN old.checksum "
	"IS NULL THEN 'applied' ELSE 'reapplied' END, m.execution_ms, m.checksum, "
	"true, old.checksum FROM m LEFT JOIN old ON true";

/* Record a repeatable's failure in the history (best effort). */
static void
migrate_event_failed_rep(struct migrun *r, const struct mig_rep *rp,
    const struct mc_err *e)
{
	if (!r->ledger.exists || PQstatus(r->work) != CONNECTION_OK)
		return;
	PQclear(PQexecParams(r->work,
	    "INSERT INTO mcpdb.migration_events (stream, version, name, event, sqlstate, "
	    "error, checksum, repeatable) VALUES ($5, 0, $1, 'up failed', "
	    "nullif($2, ''), $3, $4, true)", 5, NULL, (const char *[]){ rp->name,
	    e->sqlstate, e->msg, rp->sc.sum, r->stream }, NULL, NULL, 0));
}

/*
 * Apply the repeatable rp in one transaction with its ledger row; on
 * failure nothing of it stays. async as for migrate_run_one.
 */
static int
migrate_run_rep(struct migrun *r, const struct mig_rep *rp, bool async,
    long long *ms, struct mc_err *err)
{
	const struct mig_script	*sc = &rp->sc;
	PGconn			*c = r->work;
	char			 algo[8], *keep;
	int			 rc;

	snprintf(algo, sizeof(algo), "%d", MIG_CHECKSUM_ALGO);
	r->current = rp->id;
	*ms = -1;
	if (pgq_exec(c, "BEGIN", err) == -1) {
		r->current = NULL;
		return (-1);
	}
	if (migrate_set_timeouts(r, c, rp->id, sc, true, async, err) == -1 ||
	    migrate_exec_script(r, c, sc, ms, err) == -1)
		goto fail;
	keep = migrate_ledger_text(sc);
	rc = migrate_ledger_write(c, migrate_sql_rep, 5, (const char *[]){ rp->name,
	    sc->sum, algo, keep, r->stream }, err);
	free(keep);
	if (rc == -1)
		goto fail;
	if (pgq_exec(c, "COMMIT", err) == -1) {
		mc_err_prefix(err, "%s: COMMIT failed (nothing was recorded): ", sc->path);
		goto fail;
	}
	r->current = NULL;
	return (0);
fail:
	{
		struct mc_err	saved = *err;

		if (PQstatus(c) == CONNECTION_OK &&
		    PQtransactionStatus(c) != PQTRANS_IDLE)
			PQclear(PQexec(c, "ROLLBACK"));
		migrate_event_failed_rep(r, rp, &saved);
		*err = saved;
	}
	r->current = NULL;
	return (-1);
}

/*
 * The repeatables up applies in this run: none while versioned ones stay
 * pending after it (--to below the newest file), else the new and changed.
 */
static void
migrate_plan_reps(struct migrun *r, long long to, struct mig_repstep **steps,
    size_t *n)
{
	if (to >= 0 && r->set->n > 0 && to < r->set->files[r->set->n - 1].version) {
		*steps = NULL;
		*n = 0;
		return;
	}
	migplan_up_reps(r->set, &r->ledger, steps, n);
}

/* -------------------------------------------------------------- plan SQL */

/* The exact text a step runs, for `plan`: boundaries, settings, statements. */
static char *
migrate_plan_sql(struct migrun *r, const struct mig_file *f, enum migrate_act act,
    bool out_of_order)
{
	const struct mig_script	*sc = act == MACT_APPLY ? &f->up : &f->down;
	struct buf		 b;
	int			 lt, stt;
	size_t			 i;

	migrate_timeouts(r, sc, &lt, &stt);
	buf_init(&b);
	if (sc->no_tx) {
		buf_printf(&b, "-- no transaction: each statement commits on its own\n"
		    "-- ledger: version %lld recorded as 'running' first\n", f->version);
		buf_printf(&b, "SET lock_timeout = '%dms';\nSET statement_timeout = '%dms';\n"
		    "SET mcpdb.migration = '%s';\n", lt, stt, f->id);
	} else
		buf_printf(&b, "BEGIN;\nSET LOCAL lock_timeout = '%dms';\n"
		    "SET LOCAL statement_timeout = '%dms';\nSET LOCAL mcpdb.migration = '%s';\n",
		    lt, stt, f->id);
	if (sc->nexpanded > 0)
		buf_printf(&b, "-- %zu placeholder%s expanded from "
		    "targets.%s.migrate.placeholders\n", sc->nexpanded,
		    sc->nexpanded == 1 ? "" : "s", r->t->name);
	for (i = 0; i < sc->nstmts; i++)
		buf_printf(&b, "%.*s\n", (int)sc->stmts[i].len, sc->sql + sc->stmts[i].off);
	if (act == MACT_APPLY)
		buf_printf(&b, "-- ledger: version %lld '%s' applied%s, checksum %.12s...\n",
		    f->version, f->name, out_of_order ? " (out of order)" : "", f->up.sum);
	else
		buf_printf(&b, "-- ledger: version %lld '%s' row deleted\n", f->version, f->name);
	buf_puts(&b, sc->no_tx ? "RESET lock_timeout;\nRESET statement_timeout;\n" :
	    "COMMIT;\n");
	{
		char	*s = buf_detach(&b);

		buf_done(&b);
		return (s);
	}
}

/* The exact text a repeatable's apply runs, for `plan`. */
static char *
migrate_plan_sql_rep(struct migrun *r, const struct mig_repstep *st)
{
	const struct mig_script	*sc = &st->rep->sc;
	struct buf		 b;
	int			 lt, stt;
	size_t			 i;
	char			*out;

	migrate_timeouts(r, sc, &lt, &stt);
	buf_init(&b);
	buf_printf(&b, "BEGIN;\nSET LOCAL lock_timeout = '%dms';\n"
	    "SET LOCAL statement_timeout = '%dms';\nSET LOCAL mcpdb.migration = '%s';\n",
	    lt, stt, st->rep->id);
	if (sc->nexpanded > 0)
		buf_printf(&b, "-- %zu placeholder%s expanded from "
		    "targets.%s.migrate.placeholders\n", sc->nexpanded,
		    sc->nexpanded == 1 ? "" : "s", r->t->name);
	for (i = 0; i < sc->nstmts; i++)
		buf_printf(&b, "%.*s\n", (int)sc->stmts[i].len, sc->sql + sc->stmts[i].off);
	if (st->row != NULL)
		buf_printf(&b, "-- ledger: repeatable '%s' reapplied, checksum %.12s... "
		    "-> %.12s...\n", st->rep->name, st->row->checksum, sc->sum);
	else
		buf_printf(&b, "-- ledger: repeatable '%s' applied, checksum %.12s...\n",
		    st->rep->name, sc->sum);
	buf_puts(&b, "COMMIT;\n");
	out = buf_detach(&b);
	buf_done(&b);
	return (out);
}

/* -------------------------------------------------------------- commands */

void
migrate_vars(const struct conf_target *t, struct mig_vars *vars,
    char *origin, size_t len)
{
	snprintf(origin, len, "targets.%s.migrate.placeholders",
	    t != NULL && t->name != NULL ? t->name : "NAME");
	vars->names = t != NULL ? t->migrate.ph_names : NULL;
	vars->values = t != NULL ? t->migrate.ph_values : NULL;
	vars->n = t != NULL ? t->migrate.nph : 0;
	vars->origin = origin;
}

int
migrate_expand(const struct conf_target *t, struct mig_set *set,
    char **problems, struct mc_err *err)
{
	struct mig_vars	 vars;
	char		 origin[160];

	migrate_vars(t, &vars, origin, sizeof(origin));
	return (migset_expand(set, &vars, problems, err));
}

/* Does dir hold a migration file (*.sql) at its top level? */
static bool
migrate_has_top_files(const char *dir)
{
	DIR		*d;
	struct dirent	*de;
	size_t		 len;
	bool		 found = false;

	if ((d = opendir(dir)) == NULL)
		return (false);
	while (!found && (de = readdir(d)) != NULL) {
		len = strlen(de->d_name);
		found = de->d_name[0] != '.' && len > 4 &&
		    strcmp(de->d_name + len - 4, ".sql") == 0;
	}
	closedir(d);
	return (found);
}

/* See migrate.h. */
int
migrate_streams(const char *dir, char ***names, size_t *n, struct mc_err *err)
{
	char		**sub, **v;
	size_t		  nsub, k = 0, i;
	struct stat	  sb;

	*names = NULL;
	*n = 0;
	sub = NULL;
	nsub = 0;
	/* A missing directory has the default stream: migset_load names it. */
	if (stat(dir, &sb) == 0 && S_ISDIR(sb.st_mode) &&
	    migset_streams(dir, &sub, &nsub, err) == -1) {
		if (err != NULL)
			err->code = MC_E_CONFIG;
		return (-1);
	}
	v = xcalloc(nsub + 1, sizeof(*v));
	if (nsub == 0 || migrate_has_top_files(dir))
		v[k++] = xstrdup(MIG_STREAM_DEFAULT);
	for (i = 0; i < nsub; i++)
		v[k++] = sub[i];
	free(sub);
	*names = v;
	*n = k;
	return (0);
}

/* See migrate.h. */
char *
migrate_stream_dir(const char *dir, const char *name)
{
	if (strcmp(name, MIG_STREAM_DEFAULT) == 0)
		return (xstrdup(dir));
	return (xasprintf("%s/%s", dir, name));
}

/* See migrate.h. */
char *
migrate_stream_list(char **names, size_t n)
{
	struct buf	b;
	size_t		i;

	buf_init(&b);
	for (i = 0; i < n; i++)
		buf_printf(&b, "%s%s", i ? ", " : "", names[i]);
	return (buf_detach(&b));
}

/*
 * Settle a stream of dir: want, which must be one of its streams, or the
 * only one there is (want NULL). Sets *stream (ledger form, "" for the
 * default one) and *sdir (its directory); callers free. A refusal is a
 * usage error (exit status 2).
 */
static int
migrate_stream_resolve(const char *dir, const char *want, char **stream,
    char **sdir, struct mc_err *err)
{
	char		**names, *list;
	size_t		 n, i;
	int		 rc = 0;

	if (migrate_streams(dir, &names, &n, err) == -1)
		return (-1);
	for (i = 0; want != NULL && i < n && strcmp(names[i], want) != 0; i++)
		;
	if (want == NULL && n > 1) {
		list = migrate_stream_list(names, n);
		rc = mc_err_set(err, MC_E_USAGE, "%s holds %zu migration streams "
		    "(%s): name one with --stream; nothing was done", dir, n, list);
		free(list);
	} else if (want != NULL && i == n) {
		list = migrate_stream_list(names, n);
		rc = mc_err_set(err, MC_E_USAGE, "--stream %s: no such migration "
		    "stream in %s (streams: %s); nothing was done", want, dir, list);
		free(list);
	} else {
		if (want == NULL)
			want = names[0];
		*stream = xstrdup(strcmp(want, MIG_STREAM_DEFAULT) == 0 ? "" : want);
		*sdir = migrate_stream_dir(dir, want);
	}
	migstreams_free(names, n);
	return (rc);
}

/* Settle the run's stream (o->stream) into r->stream and r->sdir. */
static int
migrate_pick_stream(struct migrun *r, struct mc_err *err)
{
	char	*dir = migrate_dir(r->t, r->o->dir);
	int	 rc;

	free(r->stream);
	free(r->sdir);
	r->stream = r->sdir = NULL;
	rc = migrate_stream_resolve(dir, r->o->stream, &r->stream, &r->sdir, err);
	free(dir);
	return (rc);
}

/*
 * Load the files of the run's directory into r->set. A refused directory is
 * a configuration error (exit status 2): nothing was run. With several
 * problems and r->o->problems set, err sums them up and the list goes there.
 */
static int
migrate_load(struct migrun *r, char **dirp, struct mc_err *err)
{
	char		*dir, *probs = NULL;
	const char	*p;
	size_t		 n = 1;

	if (migrate_pick_stream(r, err) == -1) {
		if (dirp != NULL)
			*dirp = migrate_dir(r->t, r->o->dir);
		return (-1);
	}
	dir = xstrdup(r->sdir);
	r->set = migset_load(dir, 0, &probs, err);
	if (r->set != NULL && migrate_expand(r->t, r->set, &probs, err) == -1) {
		migset_free(r->set);
		r->set = NULL;
	}
	if (r->set == NULL && err != NULL) {
		err->code = MC_E_CONFIG;
		for (p = probs; p != NULL && (p = strchr(p, '\n')) != NULL; p++)
			n++;
		if (probs != NULL && n > 1 && r->o->problems != NULL)
			mc_err_set(err, MC_E_CONFIG, "migrations directory %s refused: %zu "
			    "problems, each on its own line", dir, n);
	}
	if (r->o->problems != NULL && r->set == NULL && n > 1)
		*r->o->problems = probs;
	else
		free(probs);
	if (dirp != NULL)
		*dirp = dir;
	else
		free(dir);
	return (r->set == NULL ? -1 : 0);
}

/* Initialise r for a run of command cmd (nothing opened yet). */
static void
migrate_init(struct migrun *r, const struct conf_target *t,
    const struct migrate_opts *o, const char *cmd)
{
	memset(r, 0, sizeof(*r));
	r->t = t;
	r->o = o;
	r->cmd = cmd;
	buf_init(&r->blockers);
}

/* Open the migration session of r. */
static int
migrate_connect(struct migrun *r, struct mc_err *err)
{
	if ((r->work = migrate_session(r, r->t, err)) == NULL)
		return (-1);
	r->work_pid = migrate_backend_pid(r->work);
	return (0);
}

/*
 * Whether a failed connect is a server not accepting connections yet (down,
 * starting, in recovery, its name not resolvable yet) rather than a refusal
 * that waiting cannot cure (password, missing database).
 */
static bool
migrate_not_up_yet(const struct mc_err *e)
{
	static const char *const transient[] = {
		"Connection refused", "No such file or directory", "starting up",
		"shutting down", "not yet accepting connections", "recovery mode",
		"could not translate host name", "Connection reset",
		"closed the connection unexpectedly", "timeout expired",
		"No route to host", NULL,
	};
	size_t	i;

	if (e->code == MC_E_TIMEOUT)
		return (true);
	if (e->code != MC_E_CONNECT)
		return (false);
	for (i = 0; transient[i] != NULL; i++)
		if (strstr(e->msg, transient[i]) != NULL)
			return (true);
	return (false);
}

/*
 * migrate_connect, retried for up to o->wait_s seconds while the server is
 * not up yet (containers started together); rep->server_wait_ms says how
 * long it took. Without --wait, one attempt.
 */
static int
migrate_connect_wait(struct migrun *r, struct migrate_report *rep,
    struct mc_err *err)
{
	long long	 start = (long long)clk_mono_ms(), said = start, left;
	int		 pause = 100, tries = 0;

	for (;;) {
		if (migrate_connect(r, err) == 0) {
			if (tries > 0 && rep != NULL)
				rep->server_wait_ms = (long long)clk_mono_ms() - start;
			return (0);
		}
		tries++;
		left = (long long)r->o->wait_s * 1000 - ((long long)clk_mono_ms() - start);
		if (r->o->wait_s < 0 || !migrate_not_up_yet(err))
			return (-1);
		if (left <= 0 || migrate_stopped(r->o)) {
			if (migrate_stopped(r->o))
				return (mc_err_set(err, MC_E_CANCELLED, "stopped while waiting "
				    "for PostgreSQL to accept connections (--wait)"));
			return (mc_err_prefix(err, "PostgreSQL did not accept connections "
			    "within %d s (--wait %d, %d attempts): ", r->o->wait_s,
			    r->o->wait_s, tries));
		}
		/* The first attempt, then every 5 s: one line each. */
		if (tries == 1 || (long long)clk_mono_ms() - said >= 5000) {
			said = (long long)clk_mono_ms();
			migrate_progress(r->o, "waiting up to %lld s for PostgreSQL to "
			    "accept connections: %.*s", (left + 999) / 1000,
			    (int)strcspn(err->msg, "\n"), err->msg);
		}
		migrate_sleep(r->o, (int)(pause < left ? pause : left));
		if (pause < 1000)
			pause *= 2;
	}
}

/* Open the lock session, take the lock, create the ledger, settle dead runners. */
static int
migrate_take_lock(struct migrun *r, struct migrate_report *rep, struct mc_err *err)
{
	long long	 waited = 0;
	PGresult	*res;

	/* A standby or read-only session: refuse before the first write. */
	if (pgq_check_writable(r->work, "apply migrations", err) == -1)
		return (-1);
	if ((r->lock = migrate_session(r, r->t, err)) == NULL)
		return (-1);
	if (migrate_lock(r, &waited, err) == -1)
		return (-1);
	if (rep != NULL)
		rep->lock_wait_ms = waited;
	if (migrate_ledger_create(r->work, err) == -1)
		return (-1);
	/* We hold the lock: a row still "running" lost its runner. */
	res = PQexec(r->work, "WITH m AS (UPDATE mcpdb.migrations SET state = 'failed', "
	    "error = coalesce(error, 'its runner stopped (crash or kill) while it was running') "
	    "WHERE state = 'running' RETURNING stream, version, name, checksum) "
	    "INSERT INTO mcpdb.migration_events (stream, version, name, event, error, "
	    "checksum) SELECT stream, version, name, 'marked failed', 'runner gone', "
	    "checksum FROM m");
	if (PQresultStatus(res) != PGRES_COMMAND_OK) {
		mc_err_pg(err, r->work, res);
		PQclear(res);
		return (mc_err_prefix(err, "marking dead runs failed: "));
	}
	PQclear(res);
	mig_ledger_done(&r->ledger);
	return (migrate_ledger_read(r->work, r->stream, &r->ledger, false, err));
}

/* Does the ledger hold a row still marked running? */
static bool
migrate_has_running(const struct mig_ledger *l)
{
	size_t	i;

	for (i = 0; i < l->n; i++)
		if (l->rows[i].state == MR_RUNNING)
			return (true);
	return (false);
}

/*
 * Is the lock session still there? Reads what the server may have sent (a
 * termination notice, EOF) without a round trip.
 */
static bool
migrate_lock_alive(struct migrun *r)
{
	struct pollfd	pfd;
	int		i;

	if (r->lock == NULL || PQstatus(r->lock) != CONNECTION_OK)
		return (false);
	/* An ended backend sends its FATAL message, then EOF: read both. */
	for (i = 0; i < 4; i++) {
		pfd.fd = PQsocket(r->lock);
		pfd.events = POLLIN;
		if (pfd.fd < 0 || poll(&pfd, 1, 0) < 0)
			return (false);
		if (pfd.revents == 0)
			break;
		if (!PQconsumeInput(r->lock))
			return (false);
	}
	return (PQstatus(r->lock) == CONNECTION_OK);
}

/*
 * Run steps (apply or roll back), reporting each; stops at the first
 * failure. more: other steps follow in this run (so the last one here may
 * commit asynchronously too).
 */
static int
migrate_run_steps(struct migrun *r, struct migrate_report *rep,
    const struct mig_step *steps, size_t n, enum migrate_act act, bool more,
    struct mc_err *err)
{
	struct migrate_step	*s;
	size_t			 i;

	for (i = 0; i < n; i++) {
		if (migrate_stopped(r->o) || !migrate_lock_alive(r)) {
			struct mc_err	e;
			struct buf	why;

			buf_init(&why);
			migrate_excerpt(&why, r->lock ? PQerrorMessage(r->lock) : "?", 120);
			if (migrate_stopped(r->o))
				mc_err_set(&e, MC_E_CANCELLED, "interrupted: stopped before %s "
				    "(%zu of %zu done)", steps[i].file->id, i, n);
			else
				mc_err_set(&e, MC_E_LOCKED, "the lock session ended (%s): stopped "
				    "before %s (%zu of %zu done) so that no other run can overlap; "
				    "run the command again", why.data, steps[i].file->id, i, n);
			buf_done(&why);
			/* A synchronous event flushes the earlier asynchronous commits. */
			migrate_event_failed(r, steps[i].file, act == MACT_ROLLBACK, &e);
			return (mc_err_copy(err, &e));
		}
		s = migrate_report_add(rep, steps[i].file, act, steps[i].out_of_order);
		if (migrate_run_one(r, steps[i].file, act, steps[i].out_of_order, true,
		    i + 1 < n || more, &s->ms, err) == -1) {
			s->ok = false;
			if (r->o->step != NULL)
				r->o->step(r->o->arg, s);
			return (-1);
		}
		s->ok = true;
		if (r->o->step != NULL)
			r->o->step(r->o->arg, s);
	}
	return (0);
}

/* Report the steps of a dry run (or plan) without running them. */
static void
migrate_dry_steps(struct migrun *r, struct migrate_report *rep,
    const struct mig_step *steps, size_t n, enum migrate_act act)
{
	struct migrate_step	*s;
	size_t			 i;

	for (i = 0; i < n; i++) {
		s = migrate_report_add(rep, steps[i].file, act, steps[i].out_of_order);
		s->dry_run = true;
		s->ok = true;
		if (r->o->with_sql)
			s->sql = migrate_plan_sql(r, steps[i].file, act, steps[i].out_of_order);
		if (r->o->step != NULL)
			r->o->step(r->o->arg, s);
	}
}

/* Apply the repeatables of steps, reporting each; stops at the first failure. */
static int
migrate_run_reps(struct migrun *r, struct migrate_report *rep,
    const struct mig_repstep *steps, size_t n, struct mc_err *err)
{
	struct migrate_step	*s;
	size_t			 i;

	for (i = 0; i < n; i++) {
		if (migrate_stopped(r->o) || !migrate_lock_alive(r)) {
			struct mc_err	e;

			if (migrate_stopped(r->o))
				mc_err_set(&e, MC_E_CANCELLED, "interrupted: stopped before %s "
				    "(%zu of %zu repeatables done)", steps[i].rep->id, i, n);
			else
				mc_err_set(&e, MC_E_LOCKED, "the lock session ended: stopped "
				    "before %s (%zu of %zu repeatables done) so that no other "
				    "run can overlap; run the command again", steps[i].rep->id,
				    i, n);
			migrate_event_failed_rep(r, steps[i].rep, &e);
			return (mc_err_copy(err, &e));
		}
		s = migrate_report_add_rep(rep, steps[i].rep, steps[i].row != NULL);
		if (migrate_run_rep(r, steps[i].rep, i + 1 < n, &s->ms, err) == -1) {
			s->ok = false;
			if (r->o->step != NULL)
				r->o->step(r->o->arg, s);
			return (-1);
		}
		s->ok = true;
		if (r->o->step != NULL)
			r->o->step(r->o->arg, s);
	}
	return (0);
}

/* Report the repeatables of a dry run (or plan) without running them. */
static void
migrate_dry_reps(struct migrun *r, struct migrate_report *rep,
    const struct mig_repstep *steps, size_t n)
{
	struct migrate_step	*s;
	size_t			 i;

	for (i = 0; i < n; i++) {
		s = migrate_report_add_rep(rep, steps[i].rep, steps[i].row != NULL);
		s->dry_run = true;
		s->ok = true;
		if (r->o->with_sql)
			s->sql = migrate_plan_sql_rep(r, &steps[i]);
		if (r->o->step != NULL)
			r->o->step(r->o->arg, s);
	}
}

/* Same versions in the same order? */
static bool
migrate_same_plan(const struct mig_step *a, size_t na, const struct mig_step *b,
    size_t nb)
{
	size_t	i;

	if (na != nb)
		return (false);
	for (i = 0; i < na; i++)
		if (a[i].file != b[i].file)
			return (false);
	return (true);
}

/* A description of steps for a confirmation prompt: "roll back 2 migrations (0004_x, 0003_y)". */
static char *
migrate_describe_steps(const char *verb, const struct mig_step *s, size_t n,
    const char *target)
{
	struct buf	b;
	size_t		i;
	char		*out;

	buf_init(&b);
	buf_printf(&b, "%s %zu migration%s (", verb, n, n == 1 ? "" : "s");
	for (i = 0; i < n && i < 8; i++)
		buf_printf(&b, "%s%s", i ? ", " : "", s[i].file->id);
	if (n > 8)
		buf_printf(&b, ", and %zu more", n - 8);
	buf_printf(&b, ") on target %s", target ? target : "(default)");
	out = buf_detach(&b);
	buf_done(&b);
	return (out);
}

/* New report for dir. */
/* ------------------------------------------------------------------ tags */

/*
 * The version tag name stands for, on the server of c. MC_E_NOTFOUND (one
 * line, nothing done) when there is no such tag.
 */
static int
migrate_tag_version(struct migrun *r, const char *name, long long *v,
    struct mc_err *err)
{
	PGresult	*res;
	bool		 found;

	if ((res = pgq_query(r->work, "SELECT to_regclass('mcpdb.migration_tags') "
	    "IS NOT NULL", 0, NULL, err)) == NULL)
		return (mc_err_prefix(err, "reading the tags: "));
	found = strcmp(PQgetvalue(res, 0, 0), "t") == 0;
	PQclear(res);
	/* No tag table yet (a ledger older than tags, or none): no tag. */
	res = NULL;
	if (found) {
		char	*where, *sql;

		if ((where = migrate_stream_where(r->work, "mcpdb.migration_tags", 2,
		    err)) == NULL)
			return (mc_err_prefix(err, "reading the tags: "));
		sql = xasprintf("SELECT version FROM mcpdb.migration_tags %sAND "
		    "name = $1", where);
		res = pgq_query(r->work, sql, 2, (const char *[]){ name, r->stream }, err);
		free(where);
		free(sql);
		if (res == NULL)
			return (mc_err_prefix(err, "reading the tags: "));
	}
	found = res != NULL && PQntuples(res) == 1;
	if (found)
		*v = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	PQclear(res);
	if (!found)
		return (mc_err_set(err, MC_E_NOTFOUND, "no tag \"%s\" on target %s "
		    "(migrate status lists the tags); nothing was done", name,
		    r->t->name ? r->t->name : "(default)"));
	return (0);
}

/* The --to of a run: o->to, or the version of o->to_tag. */
static int
migrate_target_version(struct migrun *r, long long *to, struct mc_err *err)
{
	*to = r->o->to;
	if (r->o->to_tag == NULL)
		return (0);
	return (migrate_tag_version(r, r->o->to_tag, to, err));
}

static struct migrate_report *
migrate_report_new(const char *dir)
{
	struct migrate_report	*rep = xcalloc(1, sizeof(*rep));

	rep->dir = xstrdup(dir);
	return (rep);
}

/* up and plan: apply pending migrations (or list them). */
static int
migrate_up_or_plan(const struct conf_target *t, const struct migrate_opts *o,
    const char *cmd, bool plan_only, struct migrate_report **repp, struct mc_err *err)
{
	struct migrun		 r;
	struct migrate_report	*rep = NULL;
	struct mig_step		*steps = NULL;
	struct mig_repstep	*rsteps = NULL;
	size_t			 n = 0, nr = 0;
	char			*dir = NULL;
	long long		 start = (long long)clk_mono_ms(), to;
	int			 rc = -1;

	*repp = NULL;
	migrate_init(&r, t, o, cmd);
	/* Files first: a broken directory stops everything before connecting. */
	if (migrate_load(&r, &dir, err) == -1)
		goto out;
	rep = migrate_report_new(dir);
	*repp = rep;
	if (migrate_connect_wait(&r, rep, err) == -1)
		goto out;
	/* Cheap check without the lock. */
	if (migrate_target_version(&r, &to, err) == -1 ||
	    migrate_ledger_read(r.work, r.stream, &r.ledger, false, err) == -1)
		goto out;
	if (migplan_up(r.set, &r.ledger, to, o->allow_out_of_order, &steps, &n, err) == -1) {
		/*
		 * A "running" row may belong to a live run (wait for its lock)
		 * or a dead one (marked failed once we hold the lock): only the
		 * lock tells, so a real run goes on to take it.
		 */
		if (plan_only || o->dry_run || !migrate_has_running(&r.ledger))
			goto out;
		n = 1;
	}
	migrate_plan_reps(&r, to, &rsteps, &nr);
	if (plan_only || o->dry_run) {
		migrate_dry_steps(&r, rep, steps, n, MACT_APPLY);
		migrate_dry_reps(&r, rep, rsteps, nr);
		rep->up_to_date = n == 0 && nr == 0;
		rc = 0;
		goto out;
	}
	if (n == 0 && nr == 0) {
		rep->up_to_date = true;
		rc = 0;
		goto out;
	}
	free(steps);
	steps = NULL;
	free(rsteps);
	rsteps = NULL;
	/* Under the lock, decide again: another runner may have done it all. */
	if (migrate_take_lock(&r, rep, err) == -1 ||
	    migplan_up(r.set, &r.ledger, to, o->allow_out_of_order, &steps, &n, err) == -1)
		goto out;
	migrate_plan_reps(&r, to, &rsteps, &nr);
	rep->up_to_date = n == 0 && nr == 0;
	rc = migrate_run_steps(&r, rep, steps, n, MACT_APPLY, nr > 0, err);
	if (rc == 0)
		rc = migrate_run_reps(&r, rep, rsteps, nr, err);
out:
	if (rep != NULL)
		rep->total_ms = (long long)clk_mono_ms() - start;
	free(steps);
	free(rsteps);
	free(dir);
	migrate_close(&r);
	return (rc);
}

int
migrate_up(const struct conf_target *t, const struct migrate_opts *o,
    struct migrate_report **rep, struct mc_err *err)
{
	return (migrate_up_or_plan(t, o, "up", false, rep, err));
}

int
migrate_plan(const struct conf_target *t, const struct migrate_opts *o,
    struct migrate_report **rep, struct mc_err *err)
{
	struct migrate_opts	po = *o;

	po.with_sql = true;
	po.dry_run = true;
	return (migrate_up_or_plan(t, &po, "plan", true, rep, err));
}

/* down and redo: roll back (and for redo re-apply) under one lock. */
static int
migrate_down_or_redo(const struct conf_target *t, const struct migrate_opts *o,
    bool redo, struct migrate_report **repp, struct mc_err *err)
{
	struct migrun		 r;
	struct migrate_report	*rep;
	struct mig_step		*steps = NULL, *again = NULL, *up = NULL;
	size_t			 n = 0, n2 = 0, i;
	char			*dir, *what;
	long long		 start = (long long)clk_mono_ms(), to = -1;
	int			 rc = -1, nsteps = o->steps > 0 ? o->steps : 1;

	dir = migrate_dir(t, o->dir);
	rep = migrate_report_new(dir);
	free(dir);
	*repp = rep;
	migrate_init(&r, t, o, redo ? "redo" : "down");
	if (migrate_load(&r, NULL, err) == -1 || migrate_connect(&r, err) == -1)
		goto out;
	if ((!redo && migrate_target_version(&r, &to, err) == -1) ||
	    migrate_ledger_read(r.work, r.stream, &r.ledger, false, err) == -1)
		goto out;
	if (migplan_down(r.set, &r.ledger, nsteps, to, &steps, &n, err) == -1) {
		if (o->to_tag != NULL)
			mc_err_prefix(err, "--to-tag %s is version %lld: ", o->to_tag, to);
		/* As for up: a "running" row needs the lock to tell live from dead. */
		if (o->dry_run || !migrate_has_running(&r.ledger) ||
		    migrate_take_lock(&r, rep, err) == -1)
			goto out;
		if (migplan_down(r.set, &r.ledger, nsteps, to, &steps, &n,
		    err) == 0)	/* the operator must confirm a fresh plan */
			mc_err_set(err, MC_E_STATE, "the ledger changed while waiting for "
			    "the lock; nothing was rolled back: run the command again");
		goto out;
	}
	if (n == 0) {
		rep->up_to_date = true;
		rc = 0;
		goto out;
	}
	if (o->dry_run) {
		migrate_dry_steps(&r, rep, steps, n, MACT_ROLLBACK);
		if (redo) {
			for (i = n; i-- > 0;)
				migrate_dry_steps(&r, rep, &steps[i], 1, MACT_APPLY);
		}
		rc = 0;
		goto out;
	}
	if (o->confirm != NULL) {
		what = migrate_describe_steps(redo ? "roll back and re-apply" : "roll back",
		    steps, n, t->name);
		rc = o->confirm(o->arg, what, err);
		free(what);
		if (rc == -1)
			goto out;
		rc = -1;
	}
	if (migrate_take_lock(&r, rep, err) == -1 ||
	    migplan_down(r.set, &r.ledger, nsteps, to, &again, &n2, err) == -1)
		goto out;
	if (!migrate_same_plan(steps, n, again, n2)) {
		mc_err_set(err, MC_E_STATE, "the ledger changed while waiting for the lock or "
		    "the confirmation (another run?); nothing was rolled back: run the command again");
		goto out;
	}
	if (migrate_run_steps(&r, rep, again, n2, MACT_ROLLBACK, redo, err) == -1)
		goto out;
	if (redo) {
		/* Re-apply in version order what was just rolled back. */
		up = xcalloc(n2 + 1, sizeof(*up));
		for (i = 0; i < n2; i++) {
			up[i].file = again[n2 - 1 - i].file;
			up[i].out_of_order = again[n2 - 1 - i].out_of_order;
		}
		if (migrate_run_steps(&r, rep, up, n2, MACT_APPLY, false, err) == -1)
			goto out;
	}
	rc = 0;
out:
	rep->total_ms = (long long)clk_mono_ms() - start;
	free(steps);
	free(again);
	free(up);
	migrate_close(&r);
	return (rc);
}

int
migrate_down(const struct conf_target *t, const struct migrate_opts *o,
    struct migrate_report **rep, struct mc_err *err)
{
	return (migrate_down_or_redo(t, o, false, rep, err));
}

int
migrate_redo(const struct conf_target *t, const struct migrate_opts *o,
    struct migrate_report **rep, struct mc_err *err)
{
	return (migrate_down_or_redo(t, o, true, rep, err));
}

/* --------------------------------------------------------------- status */

/* Read the tags (if the ledger has them) into s->tags. */
static int
migrate_tags_read(PGconn *c, const char *stream, struct migrate_status *s,
    struct mc_err *err)
{
	PGresult		*res;
	struct migrate_tag	*g;
	char			*where, *sql;
	int			 i, n;

	if ((res = pgq_query(c, "SELECT to_regclass('mcpdb.migration_tags') "
	    "IS NOT NULL", 0, NULL, err)) == NULL)
		return (mc_err_prefix(err, "reading the tags: "));
	i = strcmp(PQgetvalue(res, 0, 0), "t") == 0;
	PQclear(res);
	if (!i)
		return (0);
	if ((where = migrate_stream_where(c, "mcpdb.migration_tags", 1, err)) == NULL)
		return (mc_err_prefix(err, "reading the tags: "));
	sql = xasprintf("SELECT name, version, cardinality(versions), "
	    "to_char(tagged_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), "
	    "tagged_by, note FROM mcpdb.migration_tags %sORDER BY version, name", where);
	res = pgq_query(c, sql, 1, (const char *[]){ stream }, err);
	free(where);
	free(sql);
	if (res == NULL)
		return (mc_err_prefix(err, "reading the tags mcpdb.migration_tags: "));
	n = PQntuples(res);
	s->tags = xcalloc((size_t)n + 1, sizeof(*s->tags));
	for (i = 0; i < n; i++) {
		g = &s->tags[s->ntags++];
		g->name = xstrdup(PQgetvalue(res, i, 0));
		g->version = strtoll(PQgetvalue(res, i, 1), NULL, 10);
		g->napplied = (size_t)strtoull(PQgetvalue(res, i, 2), NULL, 10);
		g->at = xstrdup(PQgetvalue(res, i, 3));
		g->by = xstrdup(PQgetvalue(res, i, 4));
		g->note = migrate_field(res, i, 5);
	}
	PQclear(res);
	return (0);
}

/*
 * Into s->orphans, when r's stream is the directory's first: the streams
 * the ledger holds rows of that have no files here ("billing (2 rows)"),
 * a stream directory removed or the top-level files moved. Best effort.
 */
static void
migrate_orphans(struct migrun *r, struct migrate_status *s)
{
	char		*dir = migrate_dir(r->t, r->o->dir), **names;
	const char	*name;
	size_t		 n, i;
	int		 k;
	PGresult	*res = NULL;
	struct buf	 b;

	if (migrate_streams(dir, &names, &n, NULL) == -1) {
		free(dir);
		return;
	}
	free(dir);
	buf_init(&b);
	if (n == 0 || strcmp(names[0], *r->stream ? r->stream : MIG_STREAM_DEFAULT) != 0 ||
	    (res = PQexec(r->work, "SELECT stream, count(*) FROM mcpdb.migrations "
	    "GROUP BY 1 ORDER BY 1")) == NULL || PQresultStatus(res) != PGRES_TUPLES_OK)
		goto out;	/* before ledger version 5 every row is the default stream's */
	for (k = 0; k < PQntuples(res); k++) {
		name = *PQgetvalue(res, k, 0) ? PQgetvalue(res, k, 0) : MIG_STREAM_DEFAULT;
		for (i = 0; i < n && strcmp(names[i], name) != 0; i++)
			;
		if (i == n)
			buf_printf(&b, "%s%s (%s row%s)", b.len ? ", " : "", name,
			    PQgetvalue(res, k, 1), strcmp(PQgetvalue(res, k, 1), "1") ?
			    "s" : "");
	}
	if (b.len > 0)
		s->orphans = buf_detach(&b);
out:
	PQclear(res);
	buf_done(&b);
	migstreams_free(names, n);
}

struct migrate_status *
migrate_status(const struct conf_target *t, const struct migrate_opts *o,
    struct mc_err *err)
{
	struct migrun		 r;
	struct migrate_status	*s;
	struct buf		 who;

	s = xcalloc(1, sizeof(*s));
	migrate_init(&r, t, o, "status");
	if (migrate_load(&r, &s->dir, err) == -1 || migrate_connect(&r, err) == -1 ||
	    migrate_ledger_read(r.work, r.stream, &r.ledger, false, err) == -1) {
		migrate_close(&r);
		migrate_status_free(s);
		return (NULL);
	}
	if (migrate_tags_read(r.work, r.stream, s, err) == -1) {
		migrate_close(&r);
		migrate_status_free(s);
		return (NULL);
	}
	buf_init(&who);
	if (migrate_describe_holder(r.work, NULL, &who, err) == 0 && who.len > 0)
		s->lock_holder = buf_detach(&who);
	buf_done(&who);
	if (r.ledger.exists)
		migrate_orphans(&r, s);
	/* Hand the set and the ledger over to the status. */
	s->set = r.set;
	r.set = NULL;
	s->stream = xstrdup(*r.stream != '\0' ? r.stream : MIG_STREAM_DEFAULT);
	s->ledger = r.ledger;
	memset(&r.ledger, 0, sizeof(r.ledger));
	migrate_close(&r);
	s->n = migplan_status(s->set, &s->ledger, &s->rows);
	s->nreps = migplan_reps(s->set, &s->ledger, &s->reps);
	s->clean = migplan_clean(s->rows, s->n) &&
	    migplan_reps_clean(s->reps, s->nreps) && s->orphans == NULL;
	return (s);
}

struct migrate_status **
migrate_status_each(const struct conf_target *t, const struct migrate_opts *o,
    size_t *n, struct mc_err *err)
{
	struct migrate_opts	  so = *o;
	struct migrate_status	**v;
	char			 *dir = migrate_dir(t, o->dir), **names;
	size_t			  ns, i;

	*n = 0;
	if (migrate_streams(dir, &names, &ns, err) == -1) {
		free(dir);
		return (NULL);
	}
	free(dir);
	v = xcalloc(ns + 1, sizeof(*v));
	for (i = 0; i < ns; i++) {
		so.stream = names[i];
		if ((v[i] = migrate_status(t, &so, err)) == NULL) {
			migrate_statuses_free(v, i);
			migstreams_free(names, ns);
			return (NULL);
		}
	}
	migstreams_free(names, ns);
	*n = ns;
	return (v);
}

void
migrate_statuses_free(struct migrate_status **v, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		migrate_status_free(v[i]);
	free(v);
}

void
migrate_status_free(struct migrate_status *s)
{
	size_t	i;

	if (s == NULL)
		return;
	for (i = 0; i < s->ntags; i++) {
		free(s->tags[i].name);
		free(s->tags[i].at);
		free(s->tags[i].by);
		free(s->tags[i].note);
	}
	free(s->tags);
	free(s->rows);
	free(s->reps);
	mig_ledger_done(&s->ledger);
	migset_free(s->set);
	free(s->lock_holder);
	free(s->dir);
	free(s->stream);
	free(s->orphans);
	free(s);
}

/* --------------------------------------------------------------- verify */

/* Add a finding. */
static struct migrate_finding *
migrate_finding_add(struct migrate_verify *v, long long version, const char *id,
    const char *kind, bool fatal, char *detail)
{
	struct migrate_finding	*f;

	v->v = xreallocarray(v->v, v->n + 1, sizeof(*v->v));
	f = &v->v[v->n++];
	memset(f, 0, sizeof(*f));
	f->version = version;
	f->id = xstrdup(id);
	f->kind = kind;
	f->fatal = fatal;
	f->detail = detail;
	if (fatal)
		v->ok = false;
	return (f);
}

/*
 * verify --diff of a changed up file: what ran (applied_sql) against the
 * file. When the ledger kept only an excerpt, the same bytes of the file are
 * compared, and a change past them is said in words. Caller frees.
 */
static char *
migrate_verify_diff(const struct mig_row *w, const struct mig_file *f,
    const char *id)
{
	char	*la, *lb, *a, *b, *d;
	size_t	 kept, total;

	if (!migrate_ledger_excerpt(w->applied_sql, &kept, &total)) {
		la = xasprintf("applied %s (%s)", id, w->applied_at);
		d = mig_diff(w->applied_sql, f->up.sql, la, f->up.path);
		free(la);
		return (d);
	}
	a = xstrndup(w->applied_sql, kept);
	b = xstrndup(f->up.sql, kept < f->up.len ? kept : f->up.len);
	la = xasprintf("applied %s (%s), the first %zu of %zu bytes (all the ledger "
	    "keeps)", id, w->applied_at, kept, total);
	lb = xasprintf("%s, its first %zu bytes", f->up.path, kept);
	if ((d = mig_diff(a, b, la, lb)) == NULL)
		d = xasprintf("the first %zu bytes (all the ledger keeps of the %zu "
		    "applied) are unchanged: the change is further on in %s (%zu "
		    "bytes now)\n", kept, total, f->up.path, f->up.len);
	free(a);
	free(b);
	free(la);
	free(lb);
	return (d);
}

struct migrate_verify *
migrate_verify(const struct conf_target *t, const struct migrate_opts *o,
    struct mc_err *err)
{
	struct migrun		 r;
	struct migrate_verify	*v;
	size_t			 i;
	char			 id[160];

	v = xcalloc(1, sizeof(*v));
	v->dir = migrate_dir(t, o->dir);
	v->ok = true;
	migrate_init(&r, t, o, "verify");
	if (migrate_load(&r, NULL, err) == -1 || migrate_connect(&r, err) == -1 ||
	    migrate_ledger_read(r.work, r.stream, &r.ledger, o->diff, err) == -1) {
		migrate_close(&r);
		migrate_verify_free(v);
		return (NULL);
	}
	for (i = 0; i < r.ledger.n; i++) {
		const struct mig_row	*w = &r.ledger.rows[i];
		const struct mig_file	*f = migset_find(r.set, w->version);
		struct migrate_finding	*fd;

		v->napplied++;
		snprintf(id, sizeof(id), "%0*lld_%s", r.set->vwidth, w->version, w->name);
		if (w->state != MR_APPLIED)
			migrate_finding_add(v, w->version, id, mig_rstate_name(w->state), true,
			    xasprintf("%s %s: resolve it with \"mcpdb migrate resolve %0*lld "
			    "--applied|--rolled-back\"", w->op_down ? "down" : "up",
			    w->state == MR_RUNNING ? "is running or its runner died" : "failed",
			    r.set->vwidth, w->version));
		if (f == NULL) {
			migrate_finding_add(v, w->version, id, "file-missing", true,
			    xasprintf("applied %s but %s/%s.up.sql is missing", w->applied_at,
			    r.set->dir, id));
			continue;
		}
		if (w->algo != MIG_CHECKSUM_ALGO)
			fd = migrate_finding_add(v, w->version, id, "checksum-mismatch", true,
			    xasprintf("recorded with checksum algorithm %d, this mcpdb knows %d: "
			    "upgrade mcpdb", w->algo, MIG_CHECKSUM_ALGO));
		else if (strcmp(w->checksum, f->up.sum) != 0) {
			fd = migrate_finding_add(v, w->version, id, "checksum-mismatch", true,
			    xasprintf("%s changed after it was applied (recorded %.12s..., "
			    "file %.12s...)", f->up.path, w->checksum, f->up.sum));
			if (o->diff && w->applied_sql != NULL)
				fd->diff = migrate_verify_diff(w, f, id);
		}
		if (strcmp(w->down_checksum, f->down.sum) != 0)
			migrate_finding_add(v, w->version, id, "down-changed", false,
			    xasprintf("%s changed after the up was applied (a warning: the "
			    "current down is what a rollback runs)", f->down.path));
	}
	migrate_close(&r);
	return (v);
}

void
migrate_verify_free(struct migrate_verify *v)
{
	size_t	i;

	if (v == NULL)
		return;
	for (i = 0; i < v->n; i++) {
		free(v->v[i].id);
		free(v->v[i].detail);
		free(v->v[i].diff);
	}
	free(v->v);
	free(v->dir);
	free(v);
}

/* -------------------------------------------------------------- resolve */

int
migrate_resolve(const struct conf_target *t, const struct migrate_opts *o,
    long long version, bool applied, struct mc_err *err)
{
	struct migrun		 r;
	const struct mig_row	*w;
	char			 v[24], *what;
	int			 rc = -1;

	snprintf(v, sizeof(v), "%lld", version);
	migrate_init(&r, t, o, "resolve");
	if (migrate_pick_stream(&r, err) == -1 || migrate_connect(&r, err) == -1 ||
	    migrate_ledger_read(r.work, r.stream, &r.ledger, false, err) == -1)
		goto out;
	if ((w = mig_ledger_find(&r.ledger, version)) == NULL) {
		mc_err_set(err, MC_E_NOTFOUND, "version %lld is not in the ledger: nothing "
		    "to resolve", version);
		goto out;
	}
	if (w->state == MR_APPLIED) {
		mc_err_set(err, MC_E_STATE, "%04lld_%s is applied, not failed: nothing to "
		    "resolve (use \"mcpdb migrate down\" to roll it back)", version, w->name);
		goto out;
	}
	if (o->confirm != NULL) {
		what = xasprintf("mark migration %04lld_%s as %s in the ledger of target %s",
		    version, w->name, applied ? "applied" : "rolled back (row deleted)",
		    t->name ? t->name : "(default)");
		rc = o->confirm(o->arg, what, err);
		free(what);
		if (rc == -1)
			goto out;
		rc = -1;
	}
	if (migrate_take_lock(&r, NULL, err) == -1)
		goto out;
	if ((w = mig_ledger_find(&r.ledger, version)) == NULL || w->state == MR_APPLIED) {
		mc_err_set(err, MC_E_STATE, "version %lld changed while waiting for the lock: "
		    "nothing was done", version);
		goto out;
	}
	if (applied)
		rc = migrate_ledger_write(r.work,
		    "WITH m AS (UPDATE mcpdb.migrations SET state = 'applied', operation = 'up', "
		    "error = NULL WHERE stream = $2 AND version = $1 "
		    "RETURNING stream, version, name, checksum) "
		    "INSERT INTO mcpdb.migration_events (stream, version, name, event, "
		    "checksum) SELECT stream, version, name, 'resolved as applied', "
		    "checksum FROM m", 2,
		    (const char *[]){ v, r.stream }, err);
	else
		rc = migrate_ledger_write(r.work,
		    "WITH m AS (DELETE FROM mcpdb.migrations WHERE stream = $2 "
		    "AND version = $1 RETURNING stream, version, name, checksum) "
		    "INSERT INTO mcpdb.migration_events (stream, version, name, event, "
		    "checksum) SELECT stream, version, name, 'resolved as rolled back', "
		    "checksum FROM m",
		    2, (const char *[]){ v, r.stream }, err);
out:
	migrate_close(&r);
	return (rc);
}

/* ------------------------------------------------------------------ new */

/* Write text to path, refusing to overwrite. */
static int
migrate_write_new(const char *path, const char *text, struct mc_err *err)
{
	int	fd;
	size_t	len = strlen(text);

	if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0644)) == -1)
		return (mc_err_sys(err, "cannot create %s", path));
	if (write(fd, text, len) != (ssize_t)len) {
		mc_err_sys(err, "cannot write %s", path);
		close(fd);
		unlink(path);
		return (-1);
	}
	return (close(fd) == 0 ? 0 : mc_err_sys(err, "cannot write %s", path));
}

char *
migrate_new(const char *top, const char *stream, const char *name,
    char **sdir, struct mc_err *err)
{
	struct mig_set	*set;
	struct stat	 sb;
	const char	*p;
	char		*id, *up, *down, *text, *dir = NULL, *sname = NULL;
	long long	 next = 1;
	int		 width = 4;

	*sdir = NULL;
	if (name == NULL || *name == '\0' || strlen(name) > 100)
		goto badname;
	for (p = name; *p != '\0'; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_'))
			goto badname;
	if (stat(top, &sb) == -1) {
		if (errno != ENOENT || mkdir(top, 0755) == -1) {
			mc_err_sys(err, "migrations directory %s", top);
			return (NULL);
		}
	}
	if (migrate_stream_resolve(top, stream, &sname, &dir, err) == -1 ||
	    (set = migset_load(dir, MIGSET_NAMES_ONLY, NULL, err)) == NULL) {
		free(sname);
		free(dir);
		return (NULL);
	}
	free(sname);
	if (set->n > 0)
		next = set->files[set->n - 1].version + 1;
	width = set->vwidth;
	migset_free(set);
	id = xasprintf("%0*lld_%s", width, next, name);
	up = xasprintf("%s/%s.up.sql", dir, id);
	down = xasprintf("%s/%s.down.sql", dir, id);
	text = xasprintf(
	    "-- %s: TODO say what this migration does and why.\n"
	    "--\n"
	    "-- It runs in one transaction together with its ledger row. Optional\n"
	    "-- directives go here, at the top:\n"
	    "--   -- mcpdb:no-transaction        (CREATE INDEX CONCURRENTLY and the like)\n"
	    "--   -- mcpdb:lock_timeout=5s\n"
	    "--   -- mcpdb:statement_timeout=1min\n"
	    "-- This file is refused as empty until it holds a statement.\n\n", id);
	if (migrate_write_new(up, text, err) == -1)
		goto fail;
	free(text);
	text = xasprintf(
	    "-- %s (down): undo exactly what the up file does, in reverse order.\n"
	    "-- \"mcpdb migrate check\" proves it: up, down, compare the catalog.\n\n", id);
	if (migrate_write_new(down, text, err) == -1) {
		unlink(up);
		goto fail;
	}
	free(text);
	free(up);
	free(down);
	*sdir = dir;
	return (id);
fail:
	free(text);
	free(up);
	free(down);
	free(id);
	free(dir);
	return (NULL);
badname:
	mc_err_set(err, MC_E_USAGE, "migration name \"%s\": use lower-case letters, digits "
	    "and _ (e.g. add_user_email), at most 100 characters", name ? name : "");
	return (NULL);
}

/* ---------------------------------------------------------------- check */

/*
 * A conninfo for the same server as pg but database db (pg may be a URI or
 * keyword/value string, or "" for libpq defaults). Caller frees; NULL with err.
 */
static char *
migrate_conninfo_db(const char *pg, const char *db, struct mc_err *err)
{
	PQconninfoOption	*opts, *op;
	char			*msg = NULL, *out;
	const char		*p;
	struct buf		 b;

	if ((opts = PQconninfoParse(pg ? pg : "", &msg)) == NULL) {
		mc_err_set(err, MC_E_CONFIG, "cannot parse the target's PostgreSQL "
		    "connection string: %s", msg ? msg : "out of memory");
		PQfreemem(msg);
		return (NULL);
	}
	buf_init(&b);
	for (op = opts; op->keyword != NULL; op++) {
		if (op->val == NULL || strcmp(op->keyword, "dbname") == 0)
			continue;
		buf_printf(&b, "%s='", op->keyword);
		for (p = op->val; *p != '\0'; p++) {
			if (*p == '\'' || *p == '\\')
				buf_putc(&b, '\\');
			buf_putc(&b, *p);
		}
		buf_puts(&b, "' ");
	}
	buf_printf(&b, "dbname='%s'", db);
	PQconninfoFree(opts);
	out = buf_detach(&b);
	buf_done(&b);
	return (out);
}

/* Collects the differences of one comparison as problem lines. */
struct migrate_diffctx {
	struct migrate_checked	*c;
	const char		*what;	/* "the down" or "re-applying the up" */
};

/* Add a formatted problem line to c. */
static void
migrate_checked_add(struct migrate_checked *c, char *line)
{
	c->problems = xreallocarray(c->problems, c->nproblems + 1, sizeof(char *));
	c->problems[c->nproblems++] = line;
	c->ok = false;
}

/* catsnap_diff callback: one difference becomes one problem line. */
static void
migrate_check_diff(void *arg, enum catsnap_change ch, const char *key,
    const char *before, const char *after)
{
	struct migrate_diffctx	*d = arg;
	struct buf		 b;

	buf_init(&b);
	switch (ch) {
	case CATSNAP_ADDED:
		buf_printf(&b, "%s left behind: %s", d->what, key);
		break;
	case CATSNAP_REMOVED:
		buf_printf(&b, "%s removed %s, which existed before the up", d->what, key);
		break;
	case CATSNAP_CHANGED:
		buf_printf(&b, "%s changed %s: before ", d->what, key);
		migrate_excerpt(&b, before, 120);
		buf_puts(&b, "; after ");
		migrate_excerpt(&b, after, 120);
		break;
	}
	migrate_checked_add(d->c, buf_detach(&b));
	buf_done(&b);
}

/* Drop database ident (quoted) through the admin session. -1 with err. */
static int
migrate_drop_db(PGconn *admin, const char *ident, struct mc_err *err)
{
	PGresult	*pr;
	char		*sql;
	int		 rc = 0;

	sql = xasprintf("DROP DATABASE IF EXISTS %s WITH (FORCE)", ident);
	pr = PQexec(admin, sql);
	free(sql);
	if (PQresultStatus(pr) != PGRES_COMMAND_OK) {	/* before PostgreSQL 13 */
		PQclear(pr);
		sql = xasprintf("DROP DATABASE IF EXISTS %s", ident);
		pr = PQexec(admin, sql);
		free(sql);
		if (PQresultStatus(pr) != PGRES_COMMAND_OK)
			rc = mc_err_pg(err, admin, pr);
	}
	PQclear(pr);
	return (rc);
}

/* Drop the scratch database (through the admin session). */
static void
migrate_check_drop(PGconn *admin, const char *ident, struct migrate_check *res)
{
	struct mc_err	e;

	if (migrate_drop_db(admin, ident, &e) == -1 && res != NULL)
		res->warning = xasprintf("could not drop the scratch database %s: %s "
		    "(drop it by hand)", res->scratch, e.msg);
}

/* -------------------------------------------------------------- baseline */

/* The ledger row and event of a file baseline marks applied. */
static const char migrate_sql_baseline[] =
	"WITH m AS (INSERT INTO mcpdb.migrations (stream, version, name, checksum, "
	"down_checksum, checksum_algo, applied_sql, state, operation, baselined) "
	"VALUES ($8, $1, $2, $3, $4, $5, $6, 'applied', 'up', true) "
	"RETURNING stream, version, name, checksum) "
	"INSERT INTO mcpdb.migration_events (stream, version, name, event, checksum, "
	"note) SELECT stream, version, name, 'baselined', checksum, $7 FROM m";

/* Refuse a ledger that already has rows (ledger of r, read). */
static int
migrate_baseline_empty(const struct migrun *r, struct mc_err *err)
{
	const struct mig_row	*w;

	if (r->ledger.n == 0)
		return (0);
	w = &r->ledger.rows[r->ledger.n - 1];
	return (mc_err_set(err, MC_E_STATE, "the ledger of target %s%s%s%s already has "
	    "%zu row%s (newest %04lld_%s): baseline only adopts a database with an "
	    "empty ledger; nothing was done", r->t->name ? r->t->name : "(default)",
	    *r->stream ? " (stream " : "", r->stream, *r->stream ? ")" : "",
	    r->ledger.n, r->ledger.n == 1 ? "" : "s", w->version, w->name));
}

int
migrate_baseline(const struct conf_target *t, const struct migrate_opts *o,
    long long version, const char *reason, size_t *marked, struct mc_err *err)
{
	struct migrun		 r;
	const struct mig_file	*f;
	char			 v[24], algo[8], *what, *keep;
	size_t			 i, n = 0;
	int			 rc = -1;

	*marked = 0;
	migrate_init(&r, t, o, "baseline");
	if (migrate_load(&r, NULL, err) == -1)
		goto out;
	for (i = 0; i < r.set->n && r.set->files[i].version <= version; i++)
		n++;
	if (n == 0 || r.set->files[n - 1].version != version) {
		mc_err_set(err, MC_E_NOTFOUND, "no migration %04lld in %s: baseline names "
		    "the newest file whose changes are already in place; nothing was done",
		    version, r.set->dir);
		goto out;
	}
	if (migrate_connect(&r, err) == -1 ||
	    migrate_ledger_read(r.work, r.stream, &r.ledger, false, err) == -1 ||
	    migrate_baseline_empty(&r, err) == -1)
		goto out;
	if (o->confirm != NULL) {
		what = xasprintf("mark %zu migration%s (%s to %s) as applied without running "
		    "them, in the ledger of target %s", n, n == 1 ? "" : "s",
		    r.set->files[0].id, r.set->files[n - 1].id,
		    t->name ? t->name : "(default)");
		rc = o->confirm(o->arg, what, err);
		free(what);
		if (rc == -1)
			goto out;
		rc = -1;
	}
	if (migrate_take_lock(&r, NULL, err) == -1 ||
	    migrate_baseline_empty(&r, err) == -1)
		goto out;
	/* All rows or none. */
	if (pgq_exec(r.work, "BEGIN", err) == -1)
		goto out;
	snprintf(algo, sizeof(algo), "%d", MIG_CHECKSUM_ALGO);
	for (i = 0; i < n; i++) {
		f = &r.set->files[i];
		snprintf(v, sizeof(v), "%lld", f->version);
		keep = migrate_ledger_text(&f->up);
		rc = migrate_ledger_write(r.work, migrate_sql_baseline, 8,
		    (const char *[]){ v, f->name, f->up.sum, f->down.sum, algo, keep,
		    reason, r.stream }, err);
		free(keep);
		if (rc == -1) {
			PQclear(PQexec(r.work, "ROLLBACK"));
			mc_err_prefix(err, "baseline %s (nothing was recorded): ", f->id);
			goto out;
		}
	}
	if ((rc = pgq_exec(r.work, "COMMIT", err)) == 0)
		*marked = n;
out:
	migrate_close(&r);
	return (rc);
}

/* ------------------------------------------------------------------ tag */

/* Record a tag and its event, in one statement; no row when the name is taken. */
static const char migrate_sql_tag[] =
	"WITH g AS (INSERT INTO mcpdb.migration_tags (stream, name, version, versions, "
	"note) SELECT $3, $1, max(version), array_agg(version ORDER BY "
	"version), $2 FROM mcpdb.migrations WHERE stream = $3 AND state = "
	"'applied' HAVING count(*) > 0 "
	"ON CONFLICT (stream, name) DO NOTHING RETURNING stream, name, version, note) "
	"INSERT INTO mcpdb.migration_events (stream, version, name, event, checksum, "
	"note, tag) SELECT g.stream, g.version, m.name, 'tagged', m.checksum, g.note, "
	"g.name FROM g JOIN mcpdb.migrations m USING (stream, version) RETURNING version";

/* Is name a good tag name: [A-Za-z0-9][A-Za-z0-9._-]{0,62}? */
static bool
migrate_tag_name_ok(const char *name)
{
	size_t	i;

	if (name == NULL || !isalnum((unsigned char)name[0]))
		return (false);
	for (i = 0; name[i] != '\0'; i++)
		if (i >= 63 || !(isalnum((unsigned char)name[i]) ||
		    strchr("._-", name[i]) != NULL))
			return (false);
	return (true);
}

/* Refuse a tag of the ledger of r as read: empty, failed or running rows. */
static int
migrate_tag_check(const struct migrun *r, struct mc_err *err)
{
	size_t	i, napplied = 0;

	for (i = 0; i < r->ledger.n; i++) {
		if (r->ledger.rows[i].state != MR_APPLIED)
			return (mc_err_set(err, MC_E_STATE, "migration %04lld_%s is %s: "
			    "settle it first (mcpdb migrate resolve); nothing was tagged",
			    r->ledger.rows[i].version, r->ledger.rows[i].name,
			    r->ledger.rows[i].state == MR_RUNNING ? "running" : "failed"));
		napplied++;
	}
	if (napplied == 0)
		return (mc_err_set(err, MC_E_STATE, "nothing is applied on target %s%s%s%s: "
		    "a tag names an applied state; nothing was tagged",
		    r->t->name ? r->t->name : "(default)", *r->stream ? " in stream " : "",
		    r->stream, ""));
	return (0);
}

/* Refuse a name already taken (before the lock: a cheap, early answer). */
static int
migrate_tag_free_name(struct migrun *r, const char *name, struct mc_err *err)
{
	long long	v;
	struct mc_err	e;

	if (migrate_tag_version(r, name, &v, &e) == -1) {
		if (e.code == MC_E_NOTFOUND)
			return (0);
		if (err != NULL)
			*err = e;
		return (-1);
	}
	return (mc_err_set(err, MC_E_STATE, "tag \"%s\" exists already (version "
	    "%04lld): a tag always names the state it was given to; choose another "
	    "name; nothing was tagged", name, v));
}

int
migrate_tag(const struct conf_target *t, const struct migrate_opts *o,
    const char *name, const char *note, long long *version, struct mc_err *err)
{
	struct migrun	 r;
	PGresult	*res;
	int		 rc = -1;

	*version = -1;
	if (!migrate_tag_name_ok(name))
		return (mc_err_set(err, MC_E_USAGE, "tag name \"%s\": use up to 63 "
		    "letters, digits, '.', '_' or '-', starting with a letter or digit",
		    name ? name : ""));
	migrate_init(&r, t, o, "tag");
	if (migrate_pick_stream(&r, err) == -1 || migrate_connect(&r, err) == -1 ||
	    migrate_ledger_read(r.work, r.stream, &r.ledger, false, err) == -1 ||
	    migrate_tag_check(&r, err) == -1 ||
	    migrate_tag_free_name(&r, name, err) == -1)
		goto out;
	/* Under the lock (which also upgrades an older ledger), again. */
	if (migrate_take_lock(&r, NULL, err) == -1 ||
	    migrate_tag_check(&r, err) == -1)
		goto out;
	if ((res = pgq_query(r.work, migrate_sql_tag, 3,
	    (const char *[]){ name, note, r.stream }, err)) == NULL) {
		mc_err_prefix(err, "recording tag %s (nothing was tagged): ", name);
		goto out;
	}
	if (PQntuples(res) != 1) {
		PQclear(res);
		if (migrate_tag_free_name(&r, name, err) == 0)
			mc_err_set(err, MC_E_STATE, "tag %s was not recorded (the "
			    "ledger changed meanwhile?): run the command again", name);
		goto out;
	}
	*version = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	PQclear(res);
	rc = 0;
out:
	migrate_close(&r);
	return (rc);
}

/* ---------------------------------------------------------------- repair */

/* Re-record the checksums (and stored text) of a file, if still old. */
static const char migrate_sql_repair[] =
	"WITH m AS (UPDATE mcpdb.migrations SET checksum = $2, down_checksum = $3, "
	"checksum_algo = $4, applied_sql = $5 WHERE stream = $9 AND "
	"version = $1 AND state = 'applied' AND checksum = $6 AND down_checksum = $7 "
	"RETURNING stream, version, name, checksum) "
	"INSERT INTO mcpdb.migration_events (stream, version, name, event, checksum, "
	"note) SELECT stream, version, name, 'repaired', checksum, $8 FROM m";

/* Delete a failed row, if still failed. */
static const char migrate_sql_unfail[] =
	"WITH m AS (DELETE FROM mcpdb.migrations WHERE stream = $2 AND "
	"version = $1 AND state = 'failed' RETURNING stream, version, name, checksum, "
	"error) INSERT INTO mcpdb.migration_events (stream, version, name, event, "
	"checksum, note) SELECT stream, version, name, 'failed row removed', checksum, "
	"'removed by migrate repair --remove-failed; its error was: ' || "
	"coalesce(error, '?') FROM m";

/* What repair would touch in status row s. */
static bool
migrate_repairable(const struct mig_status *s, bool failed)
{
	if (failed)
		return (s->row != NULL && s->row->state == MR_FAILED);
	return (s->file != NULL && s->row != NULL && s->row->state == MR_APPLIED &&
	    (s->state == MIG_MISMATCH || s->down_changed));
}

/* The confirmation question for s: what changes, old and new checksums. */
static char *
migrate_repair_what(const struct conf_target *t, const struct mig_status *s,
    bool failed)
{
	const char	*tn = t->name ? t->name : "(default)";

	if (failed)
		return (xasprintf("delete the failed ledger row of %s_%s (its error: %s) "
		    "in the ledger of target %s", s->vstr, s->name,
		    s->row->error ? s->row->error : "?", tn));
	return (xasprintf("re-record the checksum of %s in the ledger of target %s: "
	    "up %s -> %s, down %s -> %s (say yes only if the edit changed nothing "
	    "that ran)", s->file->id, tn, s->row->checksum, s->file->up.sum,
	    s->row->down_checksum, s->file->down.sum));
}

int
migrate_repair(const struct conf_target *t, const struct migrate_opts *o,
    bool failed, size_t *done, char **lines, struct mc_err *err)
{
	struct buf		 b;
	struct migrun		 r;
	struct mig_ledger	 asked = { 0 };
	struct mig_status	*rows = NULL;
	const struct mig_status	*s;
	char			 v[24], algo[8], *what, *keep, *note;
	size_t			 n, i, want = 0;
	int			 rc = -1;

	*done = 0;
	*lines = NULL;
	buf_init(&b);
	migrate_init(&r, t, o, "repair");
	if (migrate_load(&r, NULL, err) == -1 || migrate_connect(&r, err) == -1 ||
	    migrate_ledger_read(r.work, r.stream, &r.ledger, false, err) == -1)
		goto out;
	n = migplan_status(r.set, &r.ledger, &rows);
	for (i = 0; i < n; i++)
		if (migrate_repairable(&rows[i], failed))
			want++;
	if (want == 0) {
		mc_err_set(err, MC_E_STATE, failed ? "nothing to repair: no failed row in "
		    "the ledger; nothing was done" : "nothing to repair: every applied "
		    "file matches its checksum (a failed row needs --remove-failed); "
		    "nothing was done");
		goto out;
	}
	/* One question per row, all asked before anything is written. */
	for (i = 0; i < n; i++) {
		if (!migrate_repairable(&rows[i], failed) || o->confirm == NULL)
			continue;
		what = migrate_repair_what(t, &rows[i], failed);
		rc = o->confirm(o->arg, what, err);
		free(what);
		if (rc == -1)
			goto out;
		rc = -1;
	}
	/*
	 * Taking the lock re-reads the ledger; rows point into the one the
	 * questions were asked from, so keep it: the writes below compare
	 * against what was confirmed.
	 */
	asked = r.ledger;
	memset(&r.ledger, 0, sizeof(r.ledger));
	if (migrate_take_lock(&r, NULL, err) == -1)
		goto out;
	/* All or none; each row only if it is still what was confirmed. */
	if (pgq_exec(r.work, "BEGIN", err) == -1)
		goto out;
	snprintf(algo, sizeof(algo), "%d", MIG_CHECKSUM_ALGO);
	for (i = 0; i < n; i++) {
		s = &rows[i];
		if (!migrate_repairable(s, failed))
			continue;
		snprintf(v, sizeof(v), "%lld", s->version);
		if (failed)
			rc = migrate_ledger_write(r.work, migrate_sql_unfail, 2,
			    (const char *[]){ v, r.stream }, err);
		else {
			keep = migrate_ledger_text(&s->file->up);
			note = xasprintf("checksum re-recorded by migrate repair: up was "
			    "%s, down was %s", s->row->checksum, s->row->down_checksum);
			rc = migrate_ledger_write(r.work, migrate_sql_repair, 9,
			    (const char *[]){ v, s->file->up.sum, s->file->down.sum, algo,
			    keep, s->row->checksum, s->row->down_checksum, note, r.stream },
			    err);
			free(note);
			free(keep);
		}
		if (failed)
			buf_printf(&b, "%s_%s: failed row removed (its error: %s)\n",
			    s->vstr, s->name, s->row->error ? s->row->error : "?");
		else
			buf_printf(&b, "%s: up %s -> %s, down %s -> %s\n", s->file->id,
			    s->row->checksum, s->file->up.sum, s->row->down_checksum,
			    s->file->down.sum);
		if (rc == -1) {
			PQclear(PQexec(r.work, "ROLLBACK"));
			mc_err_prefix(err, "repair %s_%s (nothing was changed; did another "
			    "run change it meanwhile?): ", s->vstr, s->name);
			goto out;
		}
	}
	if ((rc = pgq_exec(r.work, "COMMIT", err)) == 0) {
		*done = want;
		*lines = buf_detach(&b);
	}
out:
	buf_done(&b);
	free(rows);
	mig_ledger_done(&asked);
	migrate_close(&r);
	return (rc);
}

/* --------------------------------------------------------------- history */

/* A copy of field j of row i of res, or NULL when it is NULL. */
static char *
migrate_field(const PGresult *res, int i, int j)
{
	return (PQgetisnull(res, i, j) ? NULL : xstrdup(PQgetvalue(res, i, j)));
}

struct migrate_history *
migrate_history(const struct conf_target *t, struct mc_err *err)
{
	struct migrate_history	*h;
	struct migrate_event	*e;
	PGconn			*c;
	PGresult		*res;
	int			 i, n;

	if ((c = pgq_connect(t, "migrate", err)) == NULL)
		return (NULL);
	h = xcalloc(1, sizeof(*h));
	if ((res = pgq_query(c, "SELECT to_regclass('mcpdb.migration_events') IS NOT NULL",
	    0, NULL, err)) == NULL)
		goto fail;
	h->exists = strcmp(PQgetvalue(res, 0, 0), "t") == 0;
	PQclear(res);
	if (!h->exists) {
		PQfinish(c);
		return (h);
	}
	/* to_jsonb: the columns of ledger version 2 may not be there yet. */
	if ((res = pgq_query(c, "SELECT id, to_char(at AT TIME ZONE 'UTC', "
	    "'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'), version, name, event, execution_ms, "
	    "by, to_jsonb(e) ->> 'mcpdb_version', to_jsonb(e) ->> 'host', "
	    "to_jsonb(e) ->> 'checksum', error, to_jsonb(e) ->> 'note', "
	    "to_jsonb(e) ->> 'tag', coalesce((to_jsonb(e) ->> 'repeatable')::bool, "
	    "false), to_jsonb(e) ->> 'old_checksum', "
	    "coalesce(to_jsonb(e) ->> 'stream', '') "
	    "FROM mcpdb.migration_events e ORDER BY id", 0, NULL, err)) == NULL)
		goto fail;
	n = PQntuples(res);
	h->v = xcalloc((size_t)n + 1, sizeof(*h->v));
	for (i = 0; i < n; i++) {
		e = &h->v[h->n++];
		e->id = strtoll(PQgetvalue(res, i, 0), NULL, 10);
		e->at = migrate_field(res, i, 1);
		e->version = strtoll(PQgetvalue(res, i, 2), NULL, 10);
		e->name = migrate_field(res, i, 3);
		e->event = migrate_field(res, i, 4);
		e->ms = PQgetisnull(res, i, 5) ? -1 :
		    strtoll(PQgetvalue(res, i, 5), NULL, 10);
		e->by = migrate_field(res, i, 6);
		e->mcpdb_version = migrate_field(res, i, 7);
		e->host = migrate_field(res, i, 8);
		e->checksum = migrate_field(res, i, 9);
		e->error = migrate_field(res, i, 10);
		e->note = migrate_field(res, i, 11);
		e->tag = migrate_field(res, i, 12);
		e->repeatable = *PQgetvalue(res, i, 13) == 't';
		e->old_checksum = migrate_field(res, i, 14);
		e->stream = migrate_field(res, i, 15);
	}
	PQclear(res);
	PQfinish(c);
	return (h);
fail:
	mc_err_prefix(err, "reading the history mcpdb.migration_events: ");
	PQfinish(c);
	migrate_history_free(h);
	return (NULL);
}

void
migrate_history_free(struct migrate_history *h)
{
	size_t	i;

	if (h == NULL)
		return;
	for (i = 0; i < h->n; i++) {
		free(h->v[i].at);
		free(h->v[i].name);
		free(h->v[i].event);
		free(h->v[i].by);
		free(h->v[i].mcpdb_version);
		free(h->v[i].stream);
		free(h->v[i].host);
		free(h->v[i].checksum);
		free(h->v[i].error);
		free(h->v[i].note);
		free(h->v[i].tag);
		free(h->v[i].old_checksum);
	}
	free(h->v);
	free(h);
}

/* ------------------------------------------------------ check leftovers */

/* Our host as 8 hex digits (FNV-1a of the host name), for scratch names. */
static void
migrate_host_tag(char *out, size_t len)
{
	char		 host[256];
	const char	*p;
	uint32_t	 h = 2166136261u;

	if (gethostname(host, sizeof(host)) != 0)
		host[0] = '\0';
	host[sizeof(host) - 1] = '\0';
	for (p = host; *p != '\0'; p++) {
		h ^= (unsigned char)*p;
		h *= 16777619u;
	}
	snprintf(out, len, "%08x", (unsigned)h);
}

/* "2026-12-03 07:12:00" (UTC) of a Unix time. */
static void
migrate_utc(long long t, char *out, size_t len)
{
	struct tm	tm;
	time_t		tt = (time_t)t;

	if (gmtime_r(&tt, &tm) == NULL || strftime(out, len, "%Y-%m-%d %H:%M:%S", &tm) == 0)
		snprintf(out, len, "@%lld", t);
}

/*
 * When process pid started (Unix seconds, within a second) from Linux's
 * /proc/PID/stat (field 22, clock ticks since boot) and /proc/stat's btime.
 * -1 when that cannot be read (no /proc, or the process just exited).
 */
static int
migrate_proc_start(long pid, long long *start)
{
	char			 path[64], buf[1024], *p;
	FILE			*fp;
	size_t			 n;
	unsigned long long	 ticks, btime = 0;
	long			 hz = sysconf(_SC_CLK_TCK);
	int			 i;

	snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
	if (hz <= 0 || (fp = fopen(path, "r")) == NULL)
		return (-1);
	n = fread(buf, 1, sizeof(buf) - 1, fp);
	fclose(fp);
	buf[n] = '\0';
	/* The command name (field 2) may hold spaces and parentheses. */
	if ((p = strrchr(buf, ')')) == NULL)
		return (-1);
	for (i = 2; i < 22; i++)
		if ((p = strchr(p + 1, ' ')) == NULL)
			return (-1);
	ticks = strtoull(p + 1, NULL, 10);
	if ((fp = fopen("/proc/stat", "r")) == NULL)
		return (-1);
	while (fgets(buf, sizeof(buf), fp) != NULL)
		if (strncmp(buf, "btime ", 6) == 0) {
			btime = strtoull(buf + 6, NULL, 10);
			break;
		}
	fclose(fp);
	if (btime == 0)
		return (-1);
	*start = (long long)(btime + ticks / (unsigned long long)hz);
	return (0);
}

/*
 * Parse a scratch name mcpdb_check_PID_TIME[_HOSTTAG] into l and judge its
 * owner. False when the name is not one of ours.
 */
static bool
migrate_leftover_judge(const char *name, struct migrate_leftover *l)
{
	const char	*p = name + strlen("mcpdb_check_");
	char		*e, tag[16], at[32], pat[32];
	long long	 pstart;
	bool		 tagged;

	if (strncmp(name, "mcpdb_check_", 12) != 0)
		return (false);
	l->pid = strtol(p, &e, 10);
	if (e == p || *e != '_' || l->pid <= 0)
		return (false);
	p = e + 1;
	l->started = strtoll(p, &e, 10);
	if (e == p || (*e != '\0' && *e != '_'))
		return (false);
	tagged = *e == '_';
	if (tagged && strlen(e + 1) != 8)
		return (false);
	l->name = xstrdup(name);
	migrate_utc(l->started, at, sizeof(at));
	migrate_host_tag(tag, sizeof(tag));
	if (!tagged || strcmp(e + 1, tag) != 0) {
		l->owner = MOWN_ELSEWHERE;
		l->why = xasprintf("made by migrate check pid %ld at %s UTC %s; mcpdb "
		    "cannot tell whether that check still runs, so it is left alone: "
		    "drop it by hand once it does not (DROP DATABASE %s)", l->pid, at,
		    tagged ? "on another host" : "on an unrecorded host", name);
		return (true);
	}
	if (l->pid == (long)getpid()) {
		/* One process runs one check at a time: this is an earlier one. */
		l->owner = MOWN_GONE;
		l->why = xasprintf("left by an earlier migrate check of this process "
		    "(pid %ld, %s UTC)", l->pid, at);
	} else if (kill((pid_t)l->pid, 0) == -1 && errno == ESRCH) {
		l->owner = MOWN_GONE;
		l->why = xasprintf("left by migrate check pid %ld of this host (started "
		    "%s UTC), which is no longer running", l->pid, at);
	} else if (migrate_proc_start(l->pid, &pstart) == 0 && pstart > l->started + 1) {
		migrate_utc(pstart, pat, sizeof(pat));
		l->owner = MOWN_GONE;
		l->why = xasprintf("left by migrate check pid %ld of this host (started "
		    "%s UTC); pid %ld is now another process, started %s UTC", l->pid,
		    at, l->pid, pat);
	} else {
		l->owner = MOWN_ALIVE;
		l->why = xasprintf("in use by migrate check pid %ld of this host (started "
		    "%s UTC), which is still running", l->pid, at);
	}
	return (true);
}

/* The leftovers visible from session c. NULL with err. */
static struct migrate_leftovers *
migrate_leftovers_on(PGconn *c, struct mc_err *err)
{
	struct migrate_leftovers	*ls;
	PGresult			*res;
	int				 i, n;

	if ((res = pgq_query(c, "SELECT datname FROM pg_catalog.pg_database "
	    "WHERE datname LIKE 'mcpdb\\_check\\_%' ORDER BY datname", 0, NULL,
	    err)) == NULL)
		return (mc_err_prefix(err, "listing scratch databases: "), NULL);
	n = PQntuples(res);
	ls = xcalloc(1, sizeof(*ls));
	ls->v = xcalloc((size_t)n + 1, sizeof(*ls->v));
	for (i = 0; i < n; i++)
		if (migrate_leftover_judge(PQgetvalue(res, i, 0), &ls->v[ls->n]))
			ls->n++;
	PQclear(res);
	return (ls);
}

struct migrate_leftovers *
migrate_leftovers(const struct conf_target *t, struct mc_err *err)
{
	struct migrate_leftovers	*ls;
	PGconn				*c;

	if ((c = pgq_connect(t, "migrate", err)) == NULL)
		return (NULL);
	ls = migrate_leftovers_on(c, err);
	PQfinish(c);
	return (ls);
}

void
migrate_leftovers_free(struct migrate_leftovers *ls)
{
	size_t	i;

	if (ls == NULL)
		return;
	for (i = 0; i < ls->n; i++) {
		free(ls->v[i].name);
		free(ls->v[i].why);
	}
	free(ls->v);
	free(ls);
}

/* Add line to a list of strings. */
static void
migrate_list_add(char ***v, size_t *n, char *line)
{
	*v = xreallocarray(*v, *n + 1, sizeof(char *));
	(*v)[(*n)++] = line;
}

/* Sessions connected to database name; -1 when that cannot be read. */
static int
migrate_sessions_on(PGconn *c, const char *name)
{
	PGresult	*res;
	int		 n;

	if ((res = pgq_query(c, "SELECT count(*) FROM pg_catalog.pg_stat_activity "
	    "WHERE datname = $1", 1, (const char *[]){ name }, NULL)) == NULL)
		return (-1);
	n = atoi(PQgetvalue(res, 0, 0));
	PQclear(res);
	return (n);
}

/*
 * Before a check: drop the scratch databases whose check is gone, and list
 * the others (running, or of another host) in res->kept. Never fails the
 * check: a leftover that cannot be listed or dropped is only reported.
 */
static void
migrate_check_sweep(PGconn *admin, struct migrate_check *res)
{
	struct migrate_leftovers	*ls;
	struct mc_err			 e;
	char				*ident;
	size_t				 i;
	int				 nsess;

	if ((ls = migrate_leftovers_on(admin, &e)) == NULL) {
		migrate_list_add(&res->kept, &res->nkept, xstrdup(e.msg));
		return;
	}
	for (i = 0; i < ls->n; i++) {
		struct migrate_leftover	*l = &ls->v[i];

		if (l->owner != MOWN_GONE) {
			migrate_list_add(&res->kept, &res->nkept,
			    xasprintf("%s: %s", l->name, l->why));
			continue;
		}
		/*
		 * A dead check's sessions end within a second; one still
		 * connected may be a check of another host with our name.
		 */
		if ((nsess = migrate_sessions_on(admin, l->name)) > 0) {
			migrate_list_add(&res->kept, &res->nkept, xasprintf("%s: %s; "
			    "but %d session%s still connected to it, so it is left alone "
			    "this time", l->name, l->why, nsess, nsess == 1 ? " is" : "s are"));
			continue;
		}
		if ((ident = pgq_ident(admin, l->name, &e)) == NULL ||
		    migrate_drop_db(admin, ident, &e) == -1)
			migrate_list_add(&res->kept, &res->nkept, xasprintf("%s: %s; "
			    "could not drop it: %s", l->name, l->why, e.msg));
		else
			migrate_list_add(&res->dropped, &res->ndropped,
			    xasprintf("%s: %s", l->name, l->why));
		free(ident);
	}
	migrate_leftovers_free(ls);
}

/*
 * Apply, in r's scratch database, every up of the streams that come before
 * r's (as `up` runs them first: a service's stream may build on the
 * default one's schemas), without checking them. *n counts them.
 */
static int
migrate_check_setup(struct migrun *r, size_t *n, struct mc_err *err)
{
	char		*dir = migrate_dir(r->t, r->o->dir), **names, *sdir, *probs = NULL;
	const char	*cur = *r->stream ? r->stream : MIG_STREAM_DEFAULT;
	struct mig_set	*set;
	size_t		 ns, i, j;
	long long	 ms;
	int		 rc = 0;

	*n = 0;
	if (migrate_streams(dir, &names, &ns, err) == -1) {
		free(dir);
		return (-1);
	}
	for (i = 0; i < ns && rc == 0 && strcmp(names[i], cur) != 0; i++) {
		sdir = migrate_stream_dir(dir, names[i]);
		if ((set = migset_load(sdir, 0, &probs, err)) == NULL ||
		    migrate_expand(r->t, set, &probs, err) == -1) {
			rc = mc_err_prefix(err, "stream %s (applied first, as up does): ",
			    names[i]);
			free(probs);
			probs = NULL;
		}
		for (j = 0; rc == 0 && j < set->n; j++, (*n)++)
			if (migrate_run_one(r, &set->files[j], MACT_APPLY, false, false,
			    false, &ms, err) == -1)
				rc = mc_err_prefix(err, "stream %s (applied first, as up "
				    "does): ", names[i]);
		migset_free(set);
		free(sdir);
	}
	migstreams_free(names, ns);
	free(dir);
	return (rc);
}

struct migrate_check *
migrate_check(const struct conf_target *t, const struct migrate_opts *o,
    struct mc_err *err)
{
	struct migrun		 r;
	struct migrate_check	*res = NULL;
	struct conf_target	 tt;
	struct catsnap		*before = NULL, *after_up = NULL, *after_down = NULL;
	struct migrate_diffctx	 d;
	struct mc_err		 e;
	PGconn			*admin = NULL;
	PGresult		*pr;
	char			*dir, *ident = NULL, *sql, *conninfo = NULL, tag[16];
	size_t			 i;
	long long		 ms;

	migrate_init(&r, t, o, "check");
	if (migrate_load(&r, &dir, err) == -1) {
		free(dir);
		migrate_close(&r);
		return (NULL);
	}
	res = xcalloc(1, sizeof(*res));
	res->dir = dir;
	res->ok = true;
	migrate_host_tag(tag, sizeof(tag));
	res->scratch = xasprintf("mcpdb_check_%ld_%lld_%s", (long)getpid(),
	    (long long)time(NULL), tag);
	if ((admin = migrate_session(&r, t, err)) == NULL)
		goto fail;
	migrate_check_sweep(admin, res);
	if ((ident = pgq_ident(admin, res->scratch, err)) == NULL)
		goto fail;
	sql = xasprintf("CREATE DATABASE %s TEMPLATE template0", ident);
	pr = PQexec(admin, sql);
	free(sql);
	if (PQresultStatus(pr) != PGRES_COMMAND_OK) {
		mc_err_pg(err, admin, pr);
		PQclear(pr);
		mc_err_prefix(err, "cannot create the scratch database %s (the role needs "
		    "CREATEDB): ", res->scratch);
		free(ident);
		ident = NULL;	/* nothing to drop */
		goto fail;
	}
	PQclear(pr);
	if ((conninfo = migrate_conninfo_db(t->pg, res->scratch, err)) == NULL)
		goto fail;
	tt = *t;
	tt.pg = conninfo;
	r.t = &tt;
	if (migrate_connect(&r, err) == -1 ||
	    migrate_check_setup(&r, &res->nsetup, err) == -1 ||
	    (before = catsnap_take(r.work, err)) == NULL)
		goto fail;
	for (i = 0; i < r.set->n; i++) {
		struct mig_file		*f = &r.set->files[i];
		struct migrate_checked	*c;

		res->v = xreallocarray(res->v, res->n + 1, sizeof(*res->v));
		c = &res->v[res->n++];
		memset(c, 0, sizeof(*c));
		c->version = f->version;
		c->id = xstrdup(f->id);
		c->ok = true;
		c->up_ms = c->down_ms = -1;
		if (migrate_stopped(o)) {
			migrate_checked_add(c, xstrdup("interrupted"));
			break;
		}
		if (migrate_run_one(&r, f, MACT_APPLY, false, false, false, &c->up_ms, &e) == -1) {
			migrate_checked_add(c, xasprintf("up failed: %s", e.msg));
			break;
		}
		if ((after_up = catsnap_take(r.work, err)) == NULL)
			goto fail;
		if (migrate_run_one(&r, f, MACT_ROLLBACK, false, false, false, &c->down_ms, &e) == -1) {
			migrate_checked_add(c, xasprintf("down failed: %s", e.msg));
			break;
		}
		if ((after_down = catsnap_take(r.work, err)) == NULL)
			goto fail;
		d.c = c;
		d.what = "the down";
		catsnap_diff(before, after_down, migrate_check_diff, &d);
		catsnap_free(after_down);
		after_down = NULL;
		if (migrate_run_one(&r, f, MACT_APPLY, false, false, false, &ms, &e) == -1) {
			migrate_checked_add(c, xasprintf("up failed when applied again after "
			    "its down: %s", e.msg));
			break;
		}
		catsnap_free(before);
		if ((before = catsnap_take(r.work, err)) == NULL)
			goto fail;
		d.what = "applying the up again after its down";
		catsnap_diff(after_up, before, migrate_check_diff, &d);
		catsnap_free(after_up);
		after_up = NULL;
		if (o->step != NULL) {
			struct migrate_step	s;

			memset(&s, 0, sizeof(s));
			s.version = f->version;
			s.id = f->id;
			s.path = f->up.path;
			s.ok = c->ok;
			s.ms = c->up_ms + c->down_ms;
			o->step(o->arg, &s);
		}
	}
	for (i = 0; i < res->n; i++)
		if (!res->v[i].ok)
			res->ok = false;
	res->nobjects = before ? catsnap_count(before) : 0;
	catsnap_free(before);
	catsnap_free(after_up);
	catsnap_free(after_down);
	if (r.work != NULL)
		PQfinish(r.work);
	r.work = NULL;
	if (ident != NULL)
		migrate_check_drop(admin, ident, res);
	free(ident);
	free(conninfo);
	PQfinish(admin);
	migrate_close(&r);
	return (res);
fail:
	catsnap_free(before);
	catsnap_free(after_up);
	catsnap_free(after_down);
	if (r.work != NULL)
		PQfinish(r.work);
	r.work = NULL;
	if (ident != NULL)
		migrate_check_drop(admin, ident, NULL);
	free(ident);
	free(conninfo);
	if (admin != NULL)
		PQfinish(admin);
	migrate_close(&r);
	migrate_check_free(res);
	return (NULL);
}

void
migrate_check_free(struct migrate_check *c)
{
	size_t	i, j;

	if (c == NULL)
		return;
	for (i = 0; i < c->n; i++) {
		for (j = 0; j < c->v[i].nproblems; j++)
			free(c->v[i].problems[j]);
		free(c->v[i].problems);
		free(c->v[i].id);
	}
	for (i = 0; i < c->ndropped; i++)
		free(c->dropped[i]);
	free(c->dropped);
	for (i = 0; i < c->nkept; i++)
		free(c->kept[i]);
	free(c->kept);
	free(c->v);
	free(c->dir);
	free(c->scratch);
	free(c->warning);
	free(c);
}
