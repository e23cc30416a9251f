/*
 * seed.c - load a seed set into PostgreSQL through COPY, in one transaction.
 *
 * Model: a run reads the manifest, describes each target table from the
 * live catalog (columns, types, NOT NULL/defaults, CHECK enumerations,
 * unique keys), orders the files by the foreign keys between their tables,
 * then streams each file through COPY while checking every value. NDJSON
 * lines and CSV records both become COPY text rows (the server parses text
 * faster than CSV), sent in 32 KB CopyData messages. Lines with the same
 * set of keys share one COPY; a different key set starts the next one, so
 * an omitted key always means the column's default. A row may reference a
 * row of its own table only within one COPY (the foreign key is checked at
 * the end of each), so keep such lines together, with the same keys.
 *
 * Modes: append COPYs straight into the table; upsert COPYs into a temp
 * table and runs one INSERT ... ON CONFLICT (key) DO UPDATE per COPY;
 * replace DELETEs the set's tables (children first) and then appends.
 *
 * Errors: a value that fails the client-side check aborts the COPY with the
 * file line. A server error inside COPY carries "COPY t, line N", mapped
 * back to the file line. Errors with no line (foreign keys are checked at
 * the end of the COPY, upsert INSERTs) are located by loading the file into
 * a temp table with its line numbers and asking which row breaks the
 * constraint. Either way the whole set is rolled back.
 */
#include "config.h"

#include "seed.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "buf.h"
#include "fsafe.h"
#include "pgq.h"
#include "xmem.h"

/*
 * CopyData message size. The server reads a whole message before it parses
 * any of it, so small messages let it work on one while the next is being
 * checked; 256 KB messages serialised client and server (0.8x psql, 1.0x
 * with 32 KB).
 */
#define SEED_SEND_CHUNK	(32 * 1024)
#define SEED_STAGE	"pg_temp.mcpdb_seed_stage"
#define SEED_LINECOL	"mcpdb_seed_line"

/* A unique key of a table (primary first). */
struct seed_ukey {
	char	**cols;
	size_t	  ncols;
	bool	  primary;
};

/* One distinct table of the set. */
struct seed_tbl {
	char			*display;	/* schema.table as written */
	char			*qname;		/* "schema"."table" */
	char			*oid;
	struct seedfmt_table	*t;
	char			**qcols;	/* quoted column names */
	struct seed_ukey	*ukeys;
	size_t			 nukeys;
};

/* What the server said when a statement failed. */
struct seed_srverr {
	char	sqlstate[6];
	char	*primary;
	char	*detail;
	char	*constraint;
	char	*column;
	long	 copy_line;		/* "COPY t, line N", or 0 */
	char	 copy_col[128];
};

/* Where a file goes: the table itself or the stage, with line numbers. */
struct seed_dest {
	const char	*rel;
	bool		 with_line;
	bool		 upsert;	/* INSERT from the stage after each COPY */
	bool		 locating;	/* quiet reload for an error's line */
};

/* State of one run. */
struct seed_job {
	PGconn			*conn;
	const struct seed_opts	*o;
	char			*setdir;
	char			*shown;		/* setdir as shown in messages */
	char			*mpath;
	struct seedfmt_manifest	*m;
	enum seed_mode		 mode;
	struct seed_tbl		*tbls;
	size_t			 ntbls;
	size_t			*ftbl;		/* file index -> tbls index */
	size_t			*order;		/* files in load order */
	/* current file */
	const struct seedfmt_file *f;
	struct seed_tbl		*tb;
	char			*fpath;		/* shown path of the file */
	EVP_MD_CTX		*md;
	bool			 hashing;
	long long		 fbytes;
	/* current COPY */
	bool			 in_copy;
	int			*gcols;		/* column indexes of the COPY */
	size_t			 ngcols;
	uint64_t		*gmask;
	size_t			 nmask;
	long			 gline;		/* first line of the group */
	uint32_t		*lines;		/* COPY row -> file line */
	size_t			 nlines, caplines;
	long long		 frows;
	struct buf		 send, why, scratch, sql;
	/* totals and progress */
	const char		*set;
	int			 file_no;
	long long		 rows, bytes, total_bytes;
	struct timespec		 t0, tprog;
	bool			 progressed;
	struct seed_srverr	 se;
};

/* Seconds since t0. */
static double
seed_elapsed(const struct timespec *t0)
{
	struct timespec	now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return ((double)(now.tv_sec - t0->tv_sec) + (now.tv_nsec - t0->tv_nsec) / 1e9);
}

char *
seed_dir_resolve(const char *flag_dir, const struct conf_target *t)
{
	struct stat	st;

	if (flag_dir != NULL && *flag_dir != '\0')
		return (xstrdup(flag_dir));
	if (t != NULL && t->seeds_dir != NULL && *t->seeds_dir != '\0')
		return (xstrdup(t->seeds_dir));
	if (stat("seeds", &st) == 0 && S_ISDIR(st.st_mode))
		return (xstrdup("seeds"));
	return (xstrdup(MCPDB_PKGDATADIR "/seeds"));
}

/*
 * Read the whole (small) file name of directory dir, opened without
 * following links (fsafe_open_in); shown names it in messages. Caller
 * frees; NULL with err (MC_E_NOTFOUND when it does not exist).
 */
static char *
seed_slurp(const char *dir, const char *name, const char *shown, size_t *len,
    struct mc_err *err)
{
	struct buf	 b;
	char		 tmp[8192], *text;
	ssize_t		 n;
	int		 fd;

	if ((fd = fsafe_open_in(dir, name, shown, err)) == -1)
		return (NULL);
	buf_init(&b);
	while ((n = read(fd, tmp, sizeof(tmp))) != 0) {
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			mc_err_sys(err, "%s: read", shown);
			close(fd);
			buf_done(&b);
			return (NULL);
		}
		buf_append(&b, tmp, (size_t)n);
	}
	close(fd);
	*len = b.len;
	text = buf_detach(&b);
	buf_done(&b);
	return (text);
}

/* Parse dir/set/seed.json. NULL with err. */
static struct seedfmt_manifest *
seed_manifest_load(const char *dir, const char *set, char **mpath, struct mc_err *err)
{
	struct seedfmt_manifest	*m;
	char			*text, *setdir = xasprintf("%s/%s", dir, set);
	size_t			 len;

	*mpath = xasprintf("%s/seed.json", setdir);
	text = seed_slurp(setdir, "seed.json", *mpath, &len, err);
	free(setdir);
	if (text == NULL) {
		if (err != NULL && err->code == MC_E_NOTFOUND)
			mc_err_set(err, MC_E_NOTFOUND,
			    "seed set \"%s\" not found: %s does not exist (see mcpdb seed list)", set, *mpath);
		return (NULL);
	}
	m = seedfmt_manifest_parse(*mpath, text, len, err);
	free(text);
	return (m);
}

struct seedfmt_manifest *
seed_manifest_read(const char *dir, const char *set, struct mc_err *err)
{
	struct seedfmt_manifest	*m;
	char			*mpath;

	m = seed_manifest_load(dir, set, &mpath, err);
	free(mpath);
	return (m);
}

struct table *
seed_list(const char *dir, struct mc_err *err)
{
	DIR		*d = opendir(dir);
	struct dirent	*de;
	struct table	*t;
	char		**names = NULL, *mpath, nf[32];
	size_t		 n = 0, i, j;
	struct mc_err	 e2;

	if (d == NULL) {
		mc_err_sys(err, "seeds directory %s", dir);
		return (NULL);
	}
	while ((de = readdir(d)) != NULL) {
		struct stat	 st;
		char		*p;

		if (de->d_name[0] == '.')
			continue;
		p = xasprintf("%s/%s/seed.json", dir, de->d_name);
		if (stat(p, &st) == 0) {
			names = xreallocarray(names, n + 1, sizeof(char *));
			names[n++] = xstrdup(de->d_name);
		}
		free(p);
	}
	closedir(d);
	for (i = 1; i < n; i++)		/* insertion sort: a handful of sets */
		for (j = i; j > 0 && strcmp(names[j - 1], names[j]) > 0; j--) {
			char	*x = names[j];

			names[j] = names[j - 1];
			names[j - 1] = x;
		}
	t = table_new("seed sets", 4, "set", "files", "mode", "description");
	for (i = 0; i < n; i++) {
		struct seedfmt_manifest	*m;

		memset(&e2, 0, sizeof(e2));
		m = seed_manifest_load(dir, names[i], &mpath, &e2);
		if (m == NULL)
			table_add(t, names[i], "-", "-", e2.msg);
		else {
			snprintf(nf, sizeof(nf), "%zu", m->nfiles);
			table_add(t, names[i], nf, seedfmt_mode_name(m->mode),
			    m->description ? m->description : "");
		}
		seedfmt_manifest_free(m);
		free(mpath);
		free(names[i]);
	}
	free(names);
	return (t);
}

/* ------------------------------------------------------------- catalog */

/* Free one server error's strings. */
static void
seed_srverr_done(struct seed_srverr *se)
{
	free(se->primary);
	free(se->detail);
	free(se->constraint);
	free(se->column);
	memset(se, 0, sizeof(*se));
}

/* Remember what a failed result says. */
static void
seed_srverr_take(struct seed_srverr *se, PGconn *conn, const PGresult *res)
{
	const char	*s;

	seed_srverr_done(se);
	if (res != NULL && (s = PQresultErrorField(res, PG_DIAG_SQLSTATE)) != NULL)
		snprintf(se->sqlstate, sizeof(se->sqlstate), "%s", s);
	s = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
	if (s == NULL) {
		const char	*m = PQerrorMessage(conn);
		size_t		 n = strlen(m);

		while (n > 0 && m[n - 1] == '\n')
			n--;
		se->primary = xstrndup(m, n);
	} else
		se->primary = xstrdup(s);
	if (res != NULL) {
		se->detail = xstrdup(PQresultErrorField(res, PG_DIAG_MESSAGE_DETAIL));
		se->constraint = xstrdup(PQresultErrorField(res, PG_DIAG_CONSTRAINT_NAME));
		se->column = xstrdup(PQresultErrorField(res, PG_DIAG_COLUMN_NAME));
		if (seedfmt_context_line(PQresultErrorField(res, PG_DIAG_CONTEXT),
		    &se->copy_line, se->copy_col, sizeof(se->copy_col)) != 0)
			se->copy_line = 0;
	}
}

/* Run one or more statements without parameters (simple protocol). */
static int
seed_exec(PGconn *conn, const char *sql, struct mc_err *err)
{
	PGresult	*res = PQexec(conn, sql);

	if (PQresultStatus(res) == PGRES_COMMAND_OK || PQresultStatus(res) == PGRES_TUPLES_OK) {
		PQclear(res);
		return (0);
	}
	mc_err_pg(err, conn, res);
	PQclear(res);
	return (-1);
}

/* Run sql with params; NULL with err (the server's message). */
static PGresult *
seed_q(struct seed_job *j, const char *sql, int n, const char *const *p, struct mc_err *err)
{
	return (pgq_query(j->conn, sql, n, p, err));
}

/* Describe table tb from the catalog. */
static int
seed_tbl_describe(struct seed_job *j, struct seed_tbl *tb, const struct seedfmt_file *f,
    struct mc_err *err)
{
	const char	*p[2] = { f->schema, f->table };
	PGresult	*res;
	int		 r, n;

	res = seed_q(j, "SELECT c.oid FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n "
	    "ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relname = $2 "
	    "AND c.relkind IN ('r', 'p')", 2, p, err);
	if (res == NULL)
		return (-1);
	if (PQntuples(res) == 0) {
		PQclear(res);
		return (mc_err_set(err, MC_E_NOTFOUND,
		    "%s:%d: table \"%s.%s\" does not exist in the database (apply the migrations first: mcpdb migrate up)",
		    j->mpath, f->line, f->schema, f->table));
	}
	tb->oid = xstrdup(PQgetvalue(res, 0, 0));
	PQclear(res);
	tb->t = seedfmt_table_new(f->schema, f->table);
	tb->display = xasprintf("%s.%s", f->schema, f->table);
	{
		char	*qs = pgq_ident(j->conn, f->schema, err), *qt;

		if (qs == NULL)
			return (-1);
		if ((qt = pgq_ident(j->conn, f->table, err)) == NULL) {
			free(qs);
			return (-1);
		}
		tb->qname = xasprintf("%s.%s", qs, qt);
		free(qs);
		free(qt);
	}
	p[0] = tb->oid;
	res = seed_q(j, "SELECT a.attname, pg_catalog.format_type(a.atttypid, a.atttypmod), "
	    "t.typname, CASE WHEN t.typcategory = 'A' THEN et.typname END, a.atttypmod, "
	    "a.attnotnull, a.atthasdef OR a.attidentity <> '', a.attgenerated <> '' "
	    "FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_type t0 ON t0.oid = a.atttypid "
	    "JOIN pg_catalog.pg_type t ON t.oid = CASE WHEN t0.typtype = 'd' THEN t0.typbasetype ELSE t0.oid END "
	    "LEFT JOIN pg_catalog.pg_type et ON et.oid = t.typelem "
	    "WHERE a.attrelid = $1::pg_catalog.oid AND a.attnum > 0 AND NOT a.attisdropped "
	    "ORDER BY a.attnum", 1, p, err);
	if (res == NULL)
		return (-1);
	n = PQntuples(res);
	tb->qcols = xcalloc((size_t)n + 1, sizeof(char *));
	for (r = 0; r < n; r++) {
		seedfmt_table_add(tb->t, PQgetvalue(res, r, 0), PQgetvalue(res, r, 1),
		    PQgetvalue(res, r, 2), PQgetisnull(res, r, 3) ? NULL : PQgetvalue(res, r, 3),
		    atoi(PQgetvalue(res, r, 4)), PQgetvalue(res, r, 5)[0] == 't',
		    PQgetvalue(res, r, 6)[0] == 't', PQgetvalue(res, r, 7)[0] == 't');
		if ((tb->qcols[r] = pgq_ident(j->conn, PQgetvalue(res, r, 0), err)) == NULL) {
			PQclear(res);
			return (-1);
		}
	}
	PQclear(res);
	/* Enumerations from CHECK constraints. */
	res = seed_q(j, "SELECT pg_catalog.pg_get_constraintdef(oid) FROM pg_catalog.pg_constraint "
	    "WHERE conrelid = $1::pg_catalog.oid AND contype = 'c' AND pg_catalog.cardinality(conkey) = 1",
	    1, p, err);
	if (res == NULL)
		return (-1);
	for (r = 0; r < PQntuples(res); r++)
		(void)seedfmt_enum_from_check(tb->t, PQgetvalue(res, r, 0));
	PQclear(res);
	/* Unique keys usable as ON CONFLICT targets, primary key first. */
	res = seed_q(j, "SELECT i.indexrelid, i.indisprimary, a.attname "
	    "FROM pg_catalog.pg_index i, pg_catalog.unnest(i.indkey::pg_catalog.int2[]) WITH ORDINALITY k(attnum, ord) "
	    "JOIN pg_catalog.pg_attribute a ON a.attrelid = $1::pg_catalog.oid AND a.attnum = k.attnum "
	    "WHERE i.indrelid = $1::pg_catalog.oid AND i.indisunique AND i.indpred IS NULL "
	    "AND i.indexprs IS NULL AND i.indimmediate "
	    "ORDER BY i.indisprimary DESC, i.indexrelid, k.ord", 1, p, err);
	if (res == NULL)
		return (-1);
	for (r = 0; r < PQntuples(res); r++) {
		struct seed_ukey	*k;

		if (r == 0 || strcmp(PQgetvalue(res, r, 0), PQgetvalue(res, r - 1, 0)) != 0) {
			tb->ukeys = xreallocarray(tb->ukeys, tb->nukeys + 1, sizeof(*tb->ukeys));
			k = &tb->ukeys[tb->nukeys++];
			memset(k, 0, sizeof(*k));
			k->primary = PQgetvalue(res, r, 1)[0] == 't';
		}
		k = &tb->ukeys[tb->nukeys - 1];
		k->cols = xreallocarray(k->cols, k->ncols + 1, sizeof(char *));
		k->cols[k->ncols++] = xstrdup(PQgetvalue(res, r, 2));
	}
	PQclear(res);
	return (0);
}

/* Free the tables of a job. */
static void
seed_tbls_free(struct seed_job *j)
{
	size_t	i, k, c;

	for (i = 0; i < j->ntbls; i++) {
		struct seed_tbl	*tb = &j->tbls[i];

		for (c = 0; tb->qcols != NULL && tb->qcols[c] != NULL; c++)
			free(tb->qcols[c]);
		free(tb->qcols);
		for (k = 0; k < tb->nukeys; k++) {
			for (c = 0; c < tb->ukeys[k].ncols; c++)
				free(tb->ukeys[k].cols[c]);
			free(tb->ukeys[k].cols);
		}
		free(tb->ukeys);
		seedfmt_table_free(tb->t);
		free(tb->display);
		free(tb->qname);
		free(tb->oid);
	}
	free(j->tbls);
}

/* Describe every table and order the files by foreign keys. */
static int
seed_plan(struct seed_job *j, struct mc_err *err)
{
	struct buf	 oids;
	PGresult	*res;
	const char	*p[1];
	size_t		*edges = NULL, ne = 0, *torder, stuck, i, k, n = 0;
	int		 r;

	j->ftbl = xcalloc(j->m->nfiles, sizeof(size_t));
	j->tbls = xcalloc(j->m->nfiles, sizeof(*j->tbls));
	for (i = 0; i < j->m->nfiles; i++) {
		const struct seedfmt_file	*f = &j->m->files[i];

		for (k = 0; k < j->ntbls; k++)
			if (strcmp(j->tbls[k].t->schema, f->schema) == 0 &&
			    strcmp(j->tbls[k].t->name, f->table) == 0)
				break;
		if (k == j->ntbls) {
			j->ntbls++;
			if (seed_tbl_describe(j, &j->tbls[k], f, err) != 0)
				return (-1);
		}
		j->ftbl[i] = k;
	}
	buf_init(&oids);
	buf_putc(&oids, '{');
	for (k = 0; k < j->ntbls; k++)
		buf_printf(&oids, "%s%s", k ? "," : "", j->tbls[k].oid);
	buf_putc(&oids, '}');
	p[0] = oids.data;
	res = seed_q(j, "SELECT conrelid, confrelid FROM pg_catalog.pg_constraint "
	    "WHERE contype = 'f' AND conrelid = ANY ($1::pg_catalog.oid[]) "
	    "AND confrelid = ANY ($1::pg_catalog.oid[]) AND conrelid <> confrelid", 1, p, err);
	buf_done(&oids);
	if (res == NULL)
		return (-1);
	edges = xcalloc((size_t)PQntuples(res) * 2 + 2, sizeof(size_t));
	for (r = 0; r < PQntuples(res); r++) {
		size_t	a = j->ntbls, b = j->ntbls;

		for (k = 0; k < j->ntbls; k++) {
			if (strcmp(j->tbls[k].oid, PQgetvalue(res, r, 0)) == 0)
				a = k;
			if (strcmp(j->tbls[k].oid, PQgetvalue(res, r, 1)) == 0)
				b = k;
		}
		if (a < j->ntbls && b < j->ntbls) {
			edges[2 * ne] = a;
			edges[2 * ne + 1] = b;
			ne++;
		}
	}
	PQclear(res);
	torder = xcalloc(j->ntbls, sizeof(size_t));
	if (seedfmt_order(j->ntbls, edges, ne, torder, &stuck) != 0) {
		free(edges);
		free(torder);
		return (mc_err_set(err, MC_E_INPUT,
		    "%s: the foreign keys between the set's tables form a cycle through %s; mcpdb cannot order them (split the set or make a constraint DEFERRABLE)",
		    j->mpath, j->tbls[stuck].display));
	}
	free(edges);
	j->order = xcalloc(j->m->nfiles, sizeof(size_t));
	for (k = 0; k < j->ntbls; k++)
		for (i = 0; i < j->m->nfiles; i++)
			if (j->ftbl[i] == torder[k])
				j->order[n++] = i;
	free(torder);
	return (0);
}

/* ---------------------------------------------------------------- COPY */

/* Report progress at most four times a second (force: now). */
static void
seed_progress(struct seed_job *j, bool force)
{
	struct seed_progress	 p;
	char			 line[512];
	double			 secs;

	if (j->o->progress == NULL && j->o->progress_stats == NULL)
		return;
	if (!force && seed_elapsed(&j->tprog) < 0.25)
		return;
	clock_gettime(CLOCK_MONOTONIC, &j->tprog);
	secs = seed_elapsed(&j->t0);
	memset(&p, 0, sizeof(p));
	p.set = j->set;
	p.file = j->f ? j->f->file : "";
	p.file_no = j->file_no;
	p.nfiles = (int)j->m->nfiles;
	p.rows = j->rows + j->frows;
	p.bytes = j->bytes + j->fbytes;
	p.total_bytes = j->total_bytes;
	p.rows_per_s = secs > 0 ? (double)p.rows / secs : 0.0;
	if (j->o->progress_stats != NULL)
		j->o->progress_stats(j->o->progress_arg, &p);
	if (j->o->progress != NULL) {
		/* Keep the prefix as documented in seed.h: the TUI parses it. */
		snprintf(line, sizeof(line), "seed: %s  %lld rows  %.1f MB  %.0f rows/s  "
		    "(file %d/%d, %d%% of %.1f MB)", p.file, p.rows, (double)p.bytes / 1e6,
		    p.rows_per_s, p.file_no, p.nfiles,
		    p.total_bytes > 0 ? (int)(100 * p.bytes / p.total_bytes) : 0,
		    (double)p.total_bytes / 1e6);
		j->o->progress(j->o->progress_arg, line);
	}
	j->progressed = true;
}

/*
 * The error code for a failed server statement: bad data (SQLSTATE classes
 * 21, 22, 23) is the file's fault; a lost connection is MC_E_CONNECT;
 * anything else (locks, disk, cancel) is MC_E_QUERY.
 */
static enum mc_code
seed_srverr_code(const struct seed_job *j)
{
	const char	*st = j->se.sqlstate;

	if (strncmp(st, "21", 2) == 0 || strncmp(st, "22", 2) == 0 ||
	    strncmp(st, "23", 2) == 0)
		return (MC_E_INPUT);
	if (PQstatus(j->conn) != CONNECTION_OK)
		return (MC_E_CONNECT);
	return (MC_E_QUERY);
}

/* Format the error for the current file at line (0: no line) into err. */
static int
seed_fail_at(struct seed_job *j, long line, struct mc_err *err, enum mc_code code,
    const char *what)
{
	if (line > 0)
		return (mc_err_set(err, code, "%s:%ld: %s", j->fpath, line, what));
	return (mc_err_set(err, code, "%s: %s", j->fpath, what));
}

/* Abort a COPY in progress (client-side error) and collect its results. */
static void
seed_copy_abort(struct seed_job *j, const char *why)
{
	PGresult	*res;

	if (!j->in_copy)
		return;
	j->in_copy = false;
	(void)PQputCopyEnd(j->conn, why);
	while ((res = PQgetResult(j->conn)) != NULL)
		PQclear(res);
}

/* Send buffered rows. -1 with err when the server stopped taking them. */
static int
seed_copy_flush(struct seed_job *j, struct mc_err *err)
{
	if (!j->in_copy) {
		buf_reset(&j->send);
		return (0);
	}
	if (j->send.len == 0)
		return (0);
	if (PQputCopyData(j->conn, j->send.data, (int)j->send.len) != 1) {
		buf_reset(&j->send);
		return (1);	/* the server already failed: the result tells why */
	}
	buf_reset(&j->send);
	if (j->o->stop != NULL && *j->o->stop) {
		seed_copy_abort(j, "cancelled by the operator");
		return (mc_err_set(err, MC_E_CANCELLED,
		    "%s: interrupted; the set was rolled back, nothing was loaded", j->fpath));
	}
	return (0);
}

/* Start a COPY (text format) of the current group's columns into d. */
static int
seed_copy_begin(struct seed_job *j, const struct seed_dest *d, struct mc_err *err)
{
	PGresult	*res;
	size_t		 i;

	j->nlines = 0;
	if (j->o->verify && !d->locating)
		return (0);
	buf_reset(&j->sql);
	buf_printf(&j->sql, "COPY %s (", d->rel);
	for (i = 0; i < j->ngcols; i++)
		buf_printf(&j->sql, "%s%s", i ? ", " : "", j->tb->qcols[j->gcols[i]]);
	if (d->with_line)
		buf_puts(&j->sql, ", " SEED_LINECOL);
	buf_puts(&j->sql, ") FROM STDIN");
	res = PQexec(j->conn, j->sql.data);
	if (PQresultStatus(res) != PGRES_COPY_IN) {
		mc_err_pg(err, j->conn, res);
		PQclear(res);
		return (mc_err_prefix(err, "%s: ", j->fpath));
	}
	PQclear(res);
	j->in_copy = true;
	return (0);
}

/* Remember that COPY row nlines+1 came from file line. */
static void
seed_line_push(struct seed_job *j, long line)
{
	if (j->nlines == j->caplines) {
		j->caplines = j->caplines ? j->caplines * 2 : 4096;
		j->lines = xreallocarray(j->lines, j->caplines, sizeof(uint32_t));
	}
	j->lines[j->nlines++] = (uint32_t)line;
}

/*
 * Finish the COPY. Returns 0; -1 with err for an error that has a line;
 * -2 when the server failed without saying which row (j->se holds it).
 */
static int
seed_copy_end(struct seed_job *j, const struct seed_dest *d, struct mc_err *err)
{
	PGresult	*res;
	int		 rc = 0, r;

	if (!j->in_copy)
		return (0);
	if ((r = seed_copy_flush(j, err)) < 0)
		return (-1);
	j->in_copy = false;
	(void)PQputCopyEnd(j->conn, NULL);
	while ((res = PQgetResult(j->conn)) != NULL) {
		if (rc == 0 && PQresultStatus(res) != PGRES_COMMAND_OK) {
			seed_srverr_take(&j->se, j->conn, res);
			rc = -2;
		}
		PQclear(res);
	}
	if (rc == 0)
		return (0);
	if (d->locating)
		return (-1);
	if (j->se.copy_line > 0 && (size_t)j->se.copy_line <= j->nlines) {
		struct buf	 b;
		const char	*col = j->se.copy_col[0] ? j->se.copy_col : j->se.column;

		buf_init(&b);
		if (col != NULL && *col != '\0')
			buf_printf(&b, "column \"%s\": ", col);
		buf_puts(&b, j->se.primary);
		if (j->se.detail != NULL)
			buf_printf(&b, " (%s)", j->se.detail);
		seed_fail_at(j, (long)j->lines[j->se.copy_line - 1], err, seed_srverr_code(j), b.data);
		if (err != NULL)
			snprintf(err->sqlstate, sizeof(err->sqlstate), "%s", j->se.sqlstate);
		buf_done(&b);
		return (-1);
	}
	return (-2);
}

/* ------------------------------------------------------- error location */

/* Append "s.a = r.b AND ..." for column lists a (stage side) and b. */
static void
seed_join(struct seed_job *j, struct buf *q, const char *sa, char **a, const char *sb,
    char **b, size_t n, bool nulls_equal)
{
	size_t	i;
	char	*qa, *qb;

	for (i = 0; i < n; i++) {
		qa = PQescapeIdentifier(j->conn, a[i], strlen(a[i]));
		qb = PQescapeIdentifier(j->conn, b[i], strlen(b[i]));
		buf_printf(q, "%s%s.%s %s %s.%s", i ? " AND " : "", sa, qa ? qa : "?",
		    nulls_equal ? "IS NOT DISTINCT FROM" : "=", sb, qb ? qb : "?");
		PQfreemem(qa);
		PQfreemem(qb);
	}
}

/* Run a locating query; the first column of its first row is a line. */
static long
seed_locate_run(struct seed_job *j, const char *sql, int n, const char *const *p)
{
	PGresult	*res = pgq_query(j->conn, sql, n, p, NULL);
	long		 line = 0;

	if (res != NULL && PQntuples(res) > 0 && !PQgetisnull(res, 0, 0))
		line = atol(PQgetvalue(res, 0, 0));
	PQclear(res);
	return (line);
}

/* Collect the rows of a two-column-or-more result's column c. Caller frees. */
static char **
seed_col_list(PGresult *res, int c, size_t *n)
{
	char	**v = xcalloc((size_t)PQntuples(res) + 1, sizeof(char *));
	int	  r;

	for (r = 0; r < PQntuples(res); r++)
		v[r] = xstrdup(PQgetvalue(res, r, c));
	*n = (size_t)PQntuples(res);
	return (v);
}

/* Free a list from seed_col_list. */
static void
seed_list_free(char **v, size_t n)
{
	size_t	i;

	for (i = 0; v != NULL && i < n; i++)
		free(v[i]);
	free(v);
}

/* Append "p.c1, p.c2" for columns c (quoted) to q. */
static void
seed_cols(struct seed_job *j, struct buf *q, const char *p, char **c, size_t n)
{
	size_t	i;
	char	*qc;

	for (i = 0; i < n; i++) {
		qc = PQescapeIdentifier(j->conn, c[i], strlen(c[i]));
		buf_printf(q, "%s%s.%s", i ? ", " : "", p, qc ? qc : "?");
		PQfreemem(qc);
	}
}

/*
 * An upsert changed a key that another table's foreign key j->se names
 * still references: build into q the query for the first stage row that
 * updates such a row (same conflict key, different referenced columns).
 */
static void
seed_locate_referenced(struct seed_job *j, char **key, size_t nkey, struct buf *q, char **col)
{
	const char	*p[2] = { j->tb->oid, j->se.constraint };
	PGresult	*res;
	char		**a, **b;
	size_t		 n, nb;

	res = pgq_query(j->conn, "SELECT a.attname, b.attname, c.conrelid::pg_catalog.regclass::text "
	    "FROM pg_catalog.pg_constraint c, "
	    "ROWS FROM (pg_catalog.unnest(c.conkey), pg_catalog.unnest(c.confkey)) WITH ORDINALITY k(ck, fk, ord) "
	    "JOIN pg_catalog.pg_attribute a ON a.attnum = k.ck "
	    "JOIN pg_catalog.pg_attribute b ON b.attrelid = $1::pg_catalog.oid AND b.attnum = k.fk "
	    "WHERE c.confrelid = $1::pg_catalog.oid AND c.conname = $2 AND c.contype = 'f' "
	    "AND a.attrelid = c.conrelid ORDER BY k.ord", 2, p, NULL);
	if (res == NULL || PQntuples(res) == 0) {
		PQclear(res);
		return;
	}
	a = seed_col_list(res, 0, &n);
	b = seed_col_list(res, 1, &nb);
	buf_printf(q, "SELECT s." SEED_LINECOL " FROM " SEED_STAGE " s JOIN %s t ON ", j->tb->qname);
	seed_join(j, q, "s", key, "t", key, nkey, false);
	buf_puts(q, " WHERE ROW(");
	seed_cols(j, q, "t", b, nb);
	buf_puts(q, ") IS DISTINCT FROM ROW(");
	seed_cols(j, q, "s", b, nb);
	buf_printf(q, ") AND EXISTS (SELECT 1 FROM %s r WHERE ", PQgetvalue(res, 0, 2));
	seed_join(j, q, "r", a, "t", b, n, false);
	buf_puts(q, ") ORDER BY 1 LIMIT 1");
	if (nb == 1)
		*col = xstrdup(b[0]);
	seed_list_free(a, n);
	seed_list_free(b, nb);
	PQclear(res);
}

/*
 * The stage holds the file's rows with their lines: find the first line
 * that breaks what j->se describes. key/nkey is the upsert conflict key
 * (or NULL). *col gets the single column involved, if any (caller frees).
 */
static long
seed_locate(struct seed_job *j, char **key, size_t nkey, char **col)
{
	const char	*p[2] = { j->tb->oid, j->se.constraint };
	struct buf	 q;
	PGresult	*res;
	long		 line = 0;
	char		**a = NULL, **b = NULL;
	size_t		 n = 0, nb = 0;

	*col = NULL;
	buf_init(&q);
	if (strcmp(j->se.sqlstate, "23503") == 0 && j->se.constraint != NULL) {
		res = pgq_query(j->conn, "SELECT a.attname, b.attname, c.confrelid::pg_catalog.regclass::text, "
		    "c.conrelid = c.confrelid FROM pg_catalog.pg_constraint c, "
		    "ROWS FROM (pg_catalog.unnest(c.conkey), pg_catalog.unnest(c.confkey)) WITH ORDINALITY k(ck, fk, ord) "
		    "JOIN pg_catalog.pg_attribute a ON a.attrelid = $1::pg_catalog.oid AND a.attnum = k.ck "
		    "JOIN pg_catalog.pg_attribute b ON b.attnum = k.fk "
		    "WHERE c.conrelid = $1::pg_catalog.oid AND c.conname = $2 AND c.contype = 'f' "
		    "AND b.attrelid = c.confrelid ORDER BY k.ord", 2, p, NULL);
		if (res != NULL && PQntuples(res) > 0) {
			size_t	i;
			bool	self = PQgetvalue(res, 0, 3)[0] == 't';

			a = seed_col_list(res, 0, &n);
			b = seed_col_list(res, 1, &nb);
			buf_printf(&q, "SELECT s." SEED_LINECOL " FROM " SEED_STAGE " s WHERE ");
			for (i = 0; i < n; i++) {
				char	*qa = PQescapeIdentifier(j->conn, a[i], strlen(a[i]));

				buf_printf(&q, "s.%s IS NOT NULL AND ", qa);
				PQfreemem(qa);
			}
			buf_printf(&q, "NOT EXISTS (SELECT 1 FROM %s r WHERE ", PQgetvalue(res, 0, 2));
			seed_join(j, &q, "s", a, "r", b, n, false);
			buf_puts(&q, ")");
			if (self) {
				buf_puts(&q, " AND NOT EXISTS (SELECT 1 FROM " SEED_STAGE " r WHERE ");
				seed_join(j, &q, "s", a, "r", b, n, false);
				buf_puts(&q, ")");
			}
			buf_puts(&q, " ORDER BY 1 LIMIT 1");
			if (n == 1)
				*col = xstrdup(a[0]);
		} else if (key != NULL)
			seed_locate_referenced(j, key, nkey, &q, col);
		PQclear(res);
	} else if (strcmp(j->se.sqlstate, "23505") == 0 && j->se.constraint != NULL) {
		res = pgq_query(j->conn, "SELECT a.attname, i.indnullsnotdistinct FROM pg_catalog.pg_index i "
		    "JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid, "
		    "pg_catalog.unnest(i.indkey::pg_catalog.int2[]) WITH ORDINALITY k(attnum, ord) "
		    "JOIN pg_catalog.pg_attribute a ON a.attrelid = $1::pg_catalog.oid AND a.attnum = k.attnum "
		    "WHERE i.indrelid = $1::pg_catalog.oid AND ic.relname = $2 ORDER BY k.ord", 2, p, NULL);
		if (res != NULL && PQntuples(res) > 0) {
			bool	nd = PQgetvalue(res, 0, 1)[0] == 't';

			a = seed_col_list(res, 0, &n);
			buf_printf(&q, "SELECT s." SEED_LINECOL " FROM " SEED_STAGE " s WHERE EXISTS "
			    "(SELECT 1 FROM %s t WHERE ", j->tb->qname);
			seed_join(j, &q, "s", a, "t", a, n, nd);
			if (key != NULL) {
				buf_puts(&q, " AND NOT (");
				seed_join(j, &q, "s", key, "t", key, nkey, false);
				buf_puts(&q, ")");
			}
			buf_puts(&q, ") OR EXISTS (SELECT 1 FROM " SEED_STAGE " s2 WHERE s2." SEED_LINECOL
			    " < s." SEED_LINECOL " AND ");
			seed_join(j, &q, "s", a, "s2", a, n, nd);
			buf_puts(&q, ") ORDER BY 1 LIMIT 1");
			if (n == 1)
				*col = xstrdup(a[0]);
		}
		PQclear(res);
	} else if (strcmp(j->se.sqlstate, "23514") == 0 && j->se.constraint != NULL) {
		res = pgq_query(j->conn, "SELECT pg_catalog.pg_get_constraintdef(c.oid), "
		    "(SELECT a.attname FROM pg_catalog.pg_attribute a WHERE a.attrelid = c.conrelid "
		    "AND a.attnum = c.conkey[1] AND pg_catalog.cardinality(c.conkey) = 1) "
		    "FROM pg_catalog.pg_constraint c WHERE c.conrelid = $1::pg_catalog.oid AND c.conname = $2",
		    2, p, NULL);
		if (res != NULL && PQntuples(res) > 0 &&
		    strncmp(PQgetvalue(res, 0, 0), "CHECK ", 6) == 0) {
			const char	*def = PQgetvalue(res, 0, 0) + 6;
			size_t		 dl = strlen(def);

			if (dl > 10 && strcmp(def + dl - 10, " NOT VALID") == 0)
				dl -= 10;
			buf_printf(&q, "SELECT s." SEED_LINECOL " FROM " SEED_STAGE " s WHERE NOT %.*s "
			    "ORDER BY 1 LIMIT 1", (int)dl, def);
			if (!PQgetisnull(res, 0, 1))
				*col = xstrdup(PQgetvalue(res, 0, 1));
		}
		PQclear(res);
	} else if (strcmp(j->se.sqlstate, "23502") == 0 && j->se.column != NULL) {
		char	*qc = PQescapeIdentifier(j->conn, j->se.column, strlen(j->se.column));

		buf_printf(&q, "SELECT s." SEED_LINECOL " FROM " SEED_STAGE " s WHERE s.%s IS NULL "
		    "ORDER BY 1 LIMIT 1", qc ? qc : "?");
		PQfreemem(qc);
		*col = xstrdup(j->se.column);
	} else if (strcmp(j->se.sqlstate, "21000") == 0 && key != NULL) {
		buf_puts(&q, "SELECT s." SEED_LINECOL " FROM " SEED_STAGE " s WHERE EXISTS "
		    "(SELECT 1 FROM " SEED_STAGE " s2 WHERE s2." SEED_LINECOL " < s." SEED_LINECOL " AND ");
		seed_join(j, &q, "s", key, "s2", key, nkey, false);
		buf_puts(&q, ") ORDER BY 1 LIMIT 1");
	}
	if (q.len > 0)
		line = seed_locate_run(j, q.data, 0, NULL);
	seed_list_free(a, n);
	seed_list_free(b, nb);
	buf_done(&q);
	return (line);
}

/* Create the stage table for the current table (a temp copy plus the line). */
static int
seed_stage_create(struct seed_job *j, struct mc_err *err)
{
	struct buf	q;
	int		r;

	buf_init(&q);
	buf_printf(&q, "DROP TABLE IF EXISTS " SEED_STAGE "; CREATE TEMP TABLE mcpdb_seed_stage "
	    "(LIKE %s INCLUDING DEFAULTS INCLUDING IDENTITY) ON COMMIT DROP; "
	    "ALTER TABLE " SEED_STAGE " ADD COLUMN " SEED_LINECOL " integer", j->tb->qname);
	r = seed_exec(j->conn, q.data, err);
	buf_done(&q);
	return (r);
}

/* Build the final error for j->se at line (0 if unknown), column col. */
static int
seed_fail_server(struct seed_job *j, long line, const char *col, struct mc_err *err)
{
	struct buf	b;

	buf_init(&b);
	if (col != NULL && *col != '\0')
		buf_printf(&b, "column \"%s\": ", col);
	buf_puts(&b, j->se.primary ? j->se.primary : "server error");
	if (j->se.detail != NULL)
		buf_printf(&b, " (%s)", j->se.detail);
	seed_fail_at(j, line, err, seed_srverr_code(j), b.data);
	if (err != NULL)
		snprintf(err->sqlstate, sizeof(err->sqlstate), "%s", j->se.sqlstate);
	buf_done(&b);
	return (-1);
}

/* ------------------------------------------------------------ one file */

static int seed_file_stream(struct seed_job *, const struct seed_dest *, struct mc_err *);

/* The conflict key for an upsert of the current group, or NULL. */
static const struct seed_ukey *
seed_conflict_key(struct seed_job *j)
{
	size_t	k, c, g;

	for (k = 0; k < j->tb->nukeys; k++) {
		const struct seed_ukey	*u = &j->tb->ukeys[k];

		for (c = 0; c < u->ncols; c++) {
			int	ci = seedfmt_table_find(j->tb->t, u->cols[c]);

			for (g = 0; g < j->ngcols; g++)
				if (j->gcols[g] == ci)
					break;
			if (ci < 0 || g == j->ngcols)
				break;
		}
		if (c == u->ncols)
			return (u);
	}
	return (NULL);
}

/* Upsert: move the staged group into the table. */
static int
seed_upsert_group(struct seed_job *j, struct mc_err *err)
{
	const struct seed_ukey	*u = seed_conflict_key(j);
	struct buf		 q, cols;
	PGresult		*res;
	size_t			 g, c;
	int			 nset = 0;
	long			 line;
	char			*col = NULL, **kq;

	if (u == NULL) {
		struct buf	b;

		buf_init(&b);
		buf_printf(&b, "upsert needs the primary key or a unique key of %s in every row, and this row has none (keys:",
		    j->tb->display);
		for (g = 0; g < j->tb->nukeys; g++) {
			buf_puts(&b, g ? "; " : " ");
			for (c = 0; c < j->tb->ukeys[g].ncols; c++)
				buf_printf(&b, "%s%s", c ? ", " : "", j->tb->ukeys[g].cols[c]);
		}
		buf_puts(&b, j->tb->nukeys ? ")" : " none)");
		seed_fail_at(j, j->gline, err, MC_E_INPUT, b.data);
		buf_done(&b);
		return (-1);
	}
	buf_init(&q);
	buf_init(&cols);
	for (g = 0; g < j->ngcols; g++)
		buf_printf(&cols, "%s%s", g ? ", " : "", j->tb->qcols[j->gcols[g]]);
	buf_printf(&q, "SAVEPOINT mcpdb_seed_ins; INSERT INTO %s AS t (%s) SELECT %s FROM " SEED_STAGE
	    " ORDER BY " SEED_LINECOL " ON CONFLICT (", j->tb->qname, cols.data, cols.data);
	for (c = 0; c < u->ncols; c++)
		buf_printf(&q, "%s%s", c ? ", " : "",
		    j->tb->qcols[seedfmt_table_find(j->tb->t, u->cols[c])]);
	buf_puts(&q, ") DO ");
	for (g = 0; g < j->ngcols; g++) {
		const char	*name = j->tb->t->cols[j->gcols[g]].name;

		for (c = 0; c < u->ncols; c++)
			if (strcmp(u->cols[c], name) == 0)
				break;
		if (c < u->ncols)
			continue;
		buf_printf(&q, "%s%s = EXCLUDED.%s", nset++ ? ", " : "UPDATE SET ",
		    j->tb->qcols[j->gcols[g]], j->tb->qcols[j->gcols[g]]);
	}
	if (nset == 0)
		buf_puts(&q, "NOTHING");
	buf_puts(&q, "; RELEASE SAVEPOINT mcpdb_seed_ins; TRUNCATE " SEED_STAGE);
	buf_done(&cols);
	res = PQexec(j->conn, q.data);
	buf_done(&q);
	if (PQresultStatus(res) == PGRES_COMMAND_OK) {
		PQclear(res);
		return (0);
	}
	seed_srverr_take(&j->se, j->conn, res);
	PQclear(res);
	if (seed_exec(j->conn, "ROLLBACK TO SAVEPOINT mcpdb_seed_ins", NULL) != 0)
		return (seed_fail_server(j, 0, NULL, err));
	kq = u->cols;
	line = seed_locate(j, kq, u->ncols, &col);
	seed_fail_server(j, line, col, err);
	free(col);
	return (-1);
}

/* End the current group: finish its COPY (and the upsert). */
static int
seed_group_end(struct seed_job *j, const struct seed_dest *d, struct mc_err *err)
{
	int	r;

	if (j->o->verify && !d->locating)
		return (0);
	r = seed_copy_end(j, d, err);
	if (r == -2 && d->upsert) {
		/* A stage row broke a NOT NULL or type rule with no line: rare. */
		return (seed_fail_server(j, 0, NULL, err));
	}
	if (r != 0)
		return (r);
	if (d->upsert && !d->locating)
		return (seed_upsert_group(j, err));
	return (0);
}

/*
 * Start a group with the columns in mask (in attnum order, or as listed in
 * order[] when not NULL); checks that required columns are there.
 */
static int
seed_group_begin(struct seed_job *j, const struct seed_dest *d, const uint64_t *mask,
    const int *order, long line, struct mc_err *err)
{
	size_t	c;

	j->ngcols = 0;
	for (c = 0; c < j->tb->t->ncols; c++) {
		const struct seedfmt_col	*col = &j->tb->t->cols[c];

		if (mask[c / 64] & (1ULL << (c % 64)))
			j->gcols[j->ngcols++] = (int)c;
		else if (col->not_null && !col->has_default) {
			char	*w = xasprintf("missing required column \"%s\" (NOT NULL without a default)",
			    col->name);

			seed_fail_at(j, line, err, MC_E_INPUT, w);
			free(w);
			return (-1);
		}
	}
	if (order != NULL)
		memcpy(j->gcols, order, j->ngcols * sizeof(int));
	memcpy(j->gmask, mask, j->nmask * sizeof(uint64_t));
	j->gline = line;
	return (seed_copy_begin(j, d, err));
}

static int seed_group_end(struct seed_job *, const struct seed_dest *, struct mc_err *);

/*
 * Record line as the next row and flush when the buffer is full. Returns 0,
 * or what seed_group_end says when the server has already failed.
 */
static int
seed_row_done(struct seed_job *j, const struct seed_dest *d, long line, struct mc_err *err)
{
	int	r;

	seed_line_push(j, line);
	j->frows++;
	if (j->send.len >= SEED_SEND_CHUNK) {
		if ((r = seed_copy_flush(j, err)) < 0)
			return (-1);
		if (r == 1) {
			if ((r = seed_group_end(j, d, err)) == 0)
				r = mc_err_set(err, MC_E_QUERY, "%s: the server stopped the COPY",
				    j->fpath);
			return (r);
		}
		seed_progress(j, false);
	}
	return (0);
}

/* Map a column name of the file to its index; error text in why. */
static int
seed_col_index(struct seed_job *j, const char *name, struct buf *why)
{
	int	ci = seedfmt_table_find(j->tb->t, name);

	if (ci < 0) {
		buf_printf(why, "column \"%s\" does not exist in table %s", name, j->tb->display);
		return (-1);
	}
	if (j->tb->t->cols[ci].generated) {
		buf_printf(why, "column \"%s\" is generated by the database and cannot be loaded", name);
		return (-1);
	}
	return (ci);
}

/* Raw value spans of one NDJSON line, by column. */
struct seed_raw {
	const struct seedfmt_table	*t;
	const char			**p;
	size_t				*len;
};

/* seedfmt_object_members callback: remember a member's raw value. */
static void
seed_raw_member(void *arg, const char *key, size_t keylen, const char *val, size_t vallen)
{
	struct seed_raw	*r = arg;
	size_t		 c;

	if (memchr(key, '\\', keylen) != NULL)
		return;		/* escaped key: cJSON's value is used */
	for (c = 0; c < r->t->ncols; c++)
		if (r->t->cols[c].name[0] == key[0] &&
		    strncmp(r->t->cols[c].name, key, keylen) == 0 &&
		    r->t->cols[c].name[keylen] == '\0') {
			r->p[c] = val;
			r->len[c] = vallen;
			return;
		}
}

/* Stream an NDJSON file: one group per run of lines with the same keys. */
static int
seed_ndjson(struct seed_job *j, struct seedfmt_reader *rd, const struct seed_dest *d,
    struct mc_err *err)
{
	const cJSON	**vals = xcalloc(j->tb->t->ncols, sizeof(cJSON *));
	struct seed_raw	 raw;
	uint64_t	*mask = xcalloc(j->nmask, sizeof(uint64_t));
	const char	*rec, *end;
	size_t		 len, off, g;
	long		 line;
	int		 r, ci, rc = -1;
	cJSON		*doc = NULL;
	const cJSON	*c;
	bool		 any = false;

	raw.t = j->tb->t;
	raw.p = xcalloc(j->tb->t->ncols + 1, sizeof(char *));
	raw.len = xcalloc(j->tb->t->ncols + 1, sizeof(size_t));
	while ((r = seedfmt_reader_next(rd, &rec, &len, &line, err)) == 1) {
		while (len > 0 && (rec[len - 1] == ' ' || rec[len - 1] == '\t'))
			len--;
		for (off = 0; off < len && (rec[off] == ' ' || rec[off] == '\t'); off++)
			;
		if (off == len)
			continue;	/* blank line */
		buf_reset(&j->why);
		if ((off = seedfmt_utf8_check(rec, len)) != len) {
			buf_printf(&j->why, "invalid UTF-8 at byte %zu of the line", off + 1);
			goto bad;
		}
		doc = cJSON_ParseWithLengthOpts(rec, len, &end, 0);
		if (doc == NULL) {
			buf_printf(&j->why, "JSON syntax error at column %ld",
			    end ? (long)(end - rec) + 1 : 1L);
			goto bad;
		}
		while (end < rec + len && (*end == ' ' || *end == '\t'))
			end++;
		if (end < rec + len) {
			buf_printf(&j->why, "unexpected text after the JSON value at column %ld",
			    (long)(end - rec) + 1);
			goto bad;
		}
		if (!cJSON_IsObject(doc)) {
			buf_puts(&j->why, "expected a JSON object {\"column\": value, ...} on each line");
			goto bad;
		}
		memset(mask, 0, j->nmask * sizeof(uint64_t));
		cJSON_ArrayForEach(c, doc) {
			if ((ci = seed_col_index(j, c->string, &j->why)) < 0)
				goto bad;
			if (mask[ci / 64] & (1ULL << (ci % 64))) {
				buf_printf(&j->why, "key \"%s\" appears twice", c->string);
				goto bad;
			}
			mask[ci / 64] |= 1ULL << (ci % 64);
			vals[ci] = c;
		}
		/* The values' text as written: exact numbers, jsonb sent as is. */
		memset(raw.p, 0, j->tb->t->ncols * sizeof(char *));
		(void)seedfmt_object_members(rec, len, seed_raw_member, &raw);
		if (!any || memcmp(mask, j->gmask, j->nmask * sizeof(uint64_t)) != 0) {
			if (any && (r = seed_group_end(j, d, err)) != 0) {
				rc = r;
				goto out;
			}
			if (seed_group_begin(j, d, mask, NULL, line, err) != 0)
				goto out;
			any = true;
		}
		for (g = 0; g < j->ngcols; g++) {
			if (g > 0)
				buf_putc(&j->send, '\t');
			ci = j->gcols[g];
			if (seedfmt_json_field(&j->tb->t->cols[ci], vals[ci], raw.p[ci],
			    raw.len[ci], &j->send, &j->why) != 0)
				goto bad;
		}
		if (d->with_line)
			buf_printf(&j->send, "\t%ld", line);
		buf_putc(&j->send, '\n');
		cJSON_Delete(doc);
		doc = NULL;
		if ((r = seed_row_done(j, d, line, err)) != 0) {
			rc = r;
			goto out;
		}
	}
	if (r < 0) {
		if (err != NULL && err->code == MC_E_INPUT)
			mc_err_prefix(err, "%s:%ld: ", j->fpath, line);
		goto out;
	}
	if (!any) {
		seed_fail_at(j, 1, err, MC_E_INPUT, "empty file: expected one JSON object per line");
		goto out;
	}
	rc = seed_group_end(j, d, err);
	goto out;
bad:
	seed_fail_at(j, line, err, MC_E_INPUT, j->why.data);
out:
	if (rc != 0)
		seed_copy_abort(j, "seed file rejected");
	cJSON_Delete(doc);
	free(vals);
	free(mask);
	free(raw.p);
	free(raw.len);
	return (rc);
}

/* Stream a CSV file: the header names the columns; records pass through. */
static int
seed_csv(struct seed_job *j, struct seedfmt_reader *rd, const struct seed_dest *d,
    struct mc_err *err)
{
	struct seedfmt_field	*fl = NULL;
	uint64_t		*mask = xcalloc(j->nmask, sizeof(uint64_t));
	int			*map = NULL;
	const char		*rec;
	size_t			 len, cap = 0, off, nh = 0, i;
	long			 line = 1;
	int			 r, nf, ci, rc = -1;
	bool			 any = false;

	/* The header. */
	r = seedfmt_reader_next(rd, &rec, &len, &line, err);
	if (r == 0) {
		seed_fail_at(j, 1, err, MC_E_INPUT, "empty file: expected a header line naming the columns");
		goto out;
	}
	if (r < 0)
		goto rderr;
	buf_reset(&j->why);
	if ((off = seedfmt_utf8_check(rec, len)) != len) {
		buf_printf(&j->why, "invalid UTF-8 at byte %zu of the line", off + 1);
		goto bad;
	}
	if ((nf = seedfmt_csv_split(rec, len, &j->scratch, &fl, &cap, &j->why)) < 0)
		goto bad;
	nh = (size_t)nf;
	map = xcalloc(nh, sizeof(int));
	for (i = 0; i < nh; i++) {
		char	*name = xstrndup(fl[i].p, fl[i].len);

		ci = seed_col_index(j, name, &j->why);
		if (ci >= 0 && (mask[ci / 64] & (1ULL << (ci % 64)))) {
			buf_printf(&j->why, "column \"%s\" appears twice in the header", name);
			ci = -1;
		}
		free(name);
		if (ci < 0)
			goto bad;
		mask[ci / 64] |= 1ULL << (ci % 64);
		map[i] = ci;
	}
	/* Records are re-encoded as COPY text: cheaper for the server than CSV. */
	if (seed_group_begin(j, d, mask, map, line, err) != 0)
		goto out;
	while ((r = seedfmt_reader_next(rd, &rec, &len, &line, err)) == 1) {
		if (len == 0)
			continue;	/* blank line */
		buf_reset(&j->why);
		if ((off = seedfmt_utf8_check(rec, len)) != len) {
			buf_printf(&j->why, "invalid UTF-8 at byte %zu of the line", off + 1);
			goto bad;
		}
		if ((nf = seedfmt_csv_split(rec, len, &j->scratch, &fl, &cap, &j->why)) < 0)
			goto bad;
		if ((size_t)nf != nh) {
			buf_printf(&j->why, "expected %zu fields as in the header, got %d", nh, nf);
			goto bad;
		}
		for (i = 0; i < nh; i++) {
			const struct seedfmt_col	*col = &j->tb->t->cols[map[i]];

			if (fl[i].len == 0 && !fl[i].quoted) {
				if (col->not_null) {
					buf_printf(&j->why, "column \"%s\": an empty field is NULL and the column is NOT NULL (write \"\" for an empty string)",
					    col->name);
					goto bad;
				}
				continue;
			}
			if (seedfmt_check_text(col, fl[i].p, fl[i].len, &j->why) != 0)
				goto bad;
		}
		for (i = 0; i < nh; i++) {
			if (i > 0)
				buf_putc(&j->send, '\t');
			if (fl[i].len == 0 && !fl[i].quoted)
				buf_append(&j->send, "\\N", 2);
			else
				seedfmt_copy_escape(&j->send, fl[i].p, fl[i].len);
		}
		if (d->with_line)
			buf_printf(&j->send, "\t%ld", line);
		buf_putc(&j->send, '\n');
		any = true;
		if ((r = seed_row_done(j, d, line, err)) != 0) {
			rc = r;
			goto out;
		}
	}
	if (r < 0)
		goto rderr;
	if (!any) {
		seed_fail_at(j, 2, err, MC_E_INPUT, "no data rows after the header");
		goto out;
	}
	rc = seed_group_end(j, d, err);
	goto out;
rderr:
	if (err != NULL && err->code == MC_E_INPUT)
		mc_err_prefix(err, "%s:%ld: ", j->fpath, line);
	goto out;
bad:
	seed_fail_at(j, line, err, MC_E_INPUT, j->why.data);
out:
	if (rc != 0)
		seed_copy_abort(j, "seed file rejected");
	free(fl);
	free(map);
	free(mask);
	return (rc);
}

/* Reader hook: checksum and count the bytes of the file. */
static void
seed_on_bytes(void *arg, const void *p, size_t n)
{
	struct seed_job	*j = arg;

	if (j->hashing)
		EVP_DigestUpdate(j->md, p, n);
	j->fbytes += (long long)n;
}

/* Stream the current file into d. */
static int
seed_file_stream(struct seed_job *j, const struct seed_dest *d, struct mc_err *err)
{
	struct seedfmt_reader	*rd;
	int			 fd, rc;

	if ((fd = fsafe_open_in(j->setdir, j->f->file, j->fpath, err)) < 0)
		return (-1);
	j->fbytes = 0;
	j->frows = 0;
	j->in_copy = false;
	memset(j->gmask, 0, j->nmask * sizeof(uint64_t));
	buf_reset(&j->send);
	rd = seedfmt_reader_new(fd, j->f->format, seed_on_bytes, j);
	if (j->f->format == SEEDFMT_CSV)
		rc = seed_csv(j, rd, d, err);
	else
		rc = seed_ndjson(j, rd, d, err);
	seedfmt_reader_free(rd);
	close(fd);
	return (rc);
}

/* Hex SHA-256 of a whole file into hex[65]. */
static int
seed_file_sha256(struct seed_job *j, char *hex, struct mc_err *err)
{
	unsigned char	 md[EVP_MAX_MD_SIZE], tmp[65536];
	unsigned	 mdlen = 0, i;
	ssize_t		 n;
	int		 fd;

	if ((fd = fsafe_open_in(j->setdir, j->f->file, j->fpath, err)) < 0)
		return (-1);
	EVP_DigestInit_ex(j->md, EVP_sha256(), NULL);
	while ((n = read(fd, tmp, sizeof(tmp))) > 0)
		EVP_DigestUpdate(j->md, tmp, (size_t)n);
	close(fd);
	if (n < 0)
		return (mc_err_sys(err, "%s: read", j->fpath));
	EVP_DigestFinal_ex(j->md, md, &mdlen);
	for (i = 0; i < mdlen; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	return (0);
}

/* Load the current file (direct or upsert); on error, find its line. */
static int
seed_file_load(struct seed_job *j, struct mc_err *err)
{
	struct seed_dest	d;
	int			rc;
	long			line;
	char			*col = NULL;

	memset(&d, 0, sizeof(d));
	if (j->o->verify)
		return (seed_file_stream(j, &d, err));
	if (j->mode == SEED_UPSERT) {
		if (seed_stage_create(j, err) != 0)
			return (mc_err_prefix(err, "%s: ", j->fpath));
		d.rel = SEED_STAGE;
		d.with_line = true;
		d.upsert = true;
		return (seed_file_stream(j, &d, err));
	}
	d.rel = j->tb->qname;
	if (seed_exec(j->conn, "SAVEPOINT mcpdb_seed_file", err) != 0)
		return (-1);
	rc = seed_file_stream(j, &d, err);
	if (rc == 0)	/* no pile of nested subtransactions over many files */
		return (seed_exec(j->conn, "RELEASE SAVEPOINT mcpdb_seed_file", err));
	if (rc != -2)
		return (rc);
	/* The server failed without a line (foreign keys): find the row. */
	if (seed_exec(j->conn, "ROLLBACK TO SAVEPOINT mcpdb_seed_file", NULL) != 0)
		return (seed_fail_server(j, 0, NULL, err));
	{
		struct seed_srverr	saved = j->se;
		struct mc_err		e2 = { 0 };
		long long		rows = j->rows;

		memset(&j->se, 0, sizeof(j->se));
		d.rel = SEED_STAGE;
		d.with_line = true;
		d.locating = true;
		line = 0;
		j->hashing = false;
		if (seed_stage_create(j, &e2) == 0 && seed_file_stream(j, &d, &e2) == 0) {
			seed_srverr_done(&j->se);
			j->se = saved;
			line = seed_locate(j, NULL, 0, &col);
		} else {
			seed_srverr_done(&j->se);
			j->se = saved;
		}
		j->rows = rows;
	}
	seed_fail_server(j, line, col, err);
	free(col);
	return (-1);
}

/* ------------------------------------------------------------- the run */

static const char seed_ledger_sql[] =
	"CREATE SCHEMA IF NOT EXISTS mcpdb; "
	"CREATE TABLE IF NOT EXISTS mcpdb.seed_loads ("
	" id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,"
	" set_name text NOT NULL,"
	" file text NOT NULL,"
	" table_name text NOT NULL,"
	" checksum text NOT NULL CHECK (checksum ~ '^[0-9a-f]{64}$'),"
	" rows bigint NOT NULL CHECK (rows >= 0),"
	" mode text NOT NULL CHECK (mode IN ('append', 'upsert', 'replace')),"
	" loaded_at timestamptz NOT NULL DEFAULT now()); "
	"COMMENT ON TABLE mcpdb.seed_loads IS "
	"'mcpdb seed ledger: one row per seed file loaded (set, file, SHA-256, rows, mode). "
	"An unchanged file is skipped by seed load in append mode.'";

/*
 * The checksum of the last load of each file of the set (NULL entries for
 * files never loaded) into *sums, and when into *when. Caller frees both.
 */
static int
seed_ledger_prev(struct seed_job *j, const char *set, char ***sumsp, char ***when,
    struct mc_err *err)
{
	char		**sums = xcalloc(j->m->nfiles, sizeof(char *));
	const char	 *p[1] = { set };
	PGresult	 *res;
	size_t		  i;
	int		  r;

	*sumsp = sums;
	*when = xcalloc(j->m->nfiles, sizeof(char *));
	res = seed_q(j, "SELECT DISTINCT ON (file) file, checksum, "
	    "pg_catalog.to_char(loaded_at, 'YYYY-MM-DD HH24:MI:SS TZ') "
	    "FROM mcpdb.seed_loads WHERE set_name = $1 ORDER BY file, id DESC", 1, p, err);
	if (res == NULL)
		return (-1);
	for (r = 0; r < PQntuples(res); r++)
		for (i = 0; i < j->m->nfiles; i++)
			if (strcmp(j->m->files[i].file, PQgetvalue(res, r, 0)) == 0) {
				sums[i] = xstrdup(PQgetvalue(res, r, 1));
				(*when)[i] = xstrdup(PQgetvalue(res, r, 2));
			}
	PQclear(res);
	return (0);
}

/* DELETE the set's tables, children first (replace mode). */
static int
seed_replace_delete(struct seed_job *j, struct mc_err *err)
{
	size_t	k, i;
	char	*q;
	bool	*done = xcalloc(j->ntbls, sizeof(bool));

	for (k = j->m->nfiles; k-- > 0;) {
		size_t	ti = j->ftbl[j->order[k]];

		if (done[ti])
			continue;
		done[ti] = true;
		q = xasprintf("DELETE FROM %s", j->tbls[ti].qname);
		i = (size_t)seed_exec(j->conn, q, err);
		free(q);
		if (i != 0) {
			free(done);
			return (mc_err_prefix(err, "replace: cannot empty %s: ", j->tbls[ti].display));
		}
	}
	free(done);
	return (0);
}

/* Ask o->confirm before a replace, naming the set's tables. */
static int
seed_confirm_replace(struct seed_job *j, const char *set, struct mc_err *err)
{
	struct buf	what;
	size_t		i, k, n = 0;
	int		rc;

	if (j->o->confirm == NULL)
		return (0);	/* the caller confirmed before it started */
	buf_init(&what);
	for (i = 0; i < j->m->nfiles; i++) {
		for (k = 0; k < i; k++)
			if (strcmp(j->m->files[k].schema, j->m->files[i].schema) == 0 &&
			    strcmp(j->m->files[k].table, j->m->files[i].table) == 0)
				break;
		if (k < i)
			continue;
		buf_printf(&what, "%s%s.%s", n++ ? ", " : "", j->m->files[i].schema,
		    j->m->files[i].table);
	}
	{
		char	*q = xasprintf("replace the contents of %zu table%s (%s) with seed set %s "
		    "(DELETE, following the foreign keys' ON DELETE rules)", n, n == 1 ? "" : "s",
		    what.data, set);

		rc = j->o->confirm(j->o->confirm_arg, q, err);
		free(q);
	}
	buf_done(&what);
	return (rc);
}

void
seed_report_free(struct seed_report *r)
{
	if (r == NULL)
		return;
	free(r->set);
	table_free(r->files);
	free(r);
}

/* Everything inside the transaction. */
static int
seed_run_tx(struct seed_job *j, const char *set, struct seed_report *rep, struct mc_err *err)
{
	char		**prev = NULL, **when = NULL, hex[65], nrows[32];
	const char	 *st;
	PGresult	 *res;
	size_t		  k, i;
	int		  rc = -1;

	if (!j->o->verify) {
		res = seed_q(j, "SELECT pg_catalog.pg_try_advisory_xact_lock(pg_catalog.hashtext('mcpdb.seed'))",
		    0, NULL, err);
		if (res == NULL)
			return (-1);
		st = PQgetvalue(res, 0, 0);
		if (st[0] != 't') {
			PQclear(res);
			return (mc_err_set(err, MC_E_LOCKED,
			    "another mcpdb seed load is running on this database; try again when it has finished"));
		}
		PQclear(res);
		if (seed_exec(j->conn, seed_ledger_sql, err) != 0)
			return (mc_err_prefix(err, "cannot create the seed ledger mcpdb.seed_loads: "));
	}
	if (seed_plan(j, err) != 0)
		return (-1);
	for (k = 0; k < j->m->nfiles; k++) {
		struct stat	 sb;
		char		*path = xasprintf("%s/%s", j->setdir, j->m->files[k].file);

		if (lstat(path, &sb) == 0 && S_ISREG(sb.st_mode))
			j->total_bytes += (long long)sb.st_size;
		free(path);
	}
	if (!j->o->verify && j->mode == SEED_APPEND &&
	    seed_ledger_prev(j, set, &prev, &when, err) != 0)
		goto out;
	if (!j->o->verify && j->mode == SEED_REPLACE && seed_replace_delete(j, err) != 0)
		goto out;
	for (k = 0; k < j->m->nfiles; k++) {
		i = j->order[k];
		j->file_no = (int)k + 1;
		j->f = &j->m->files[i];
		j->tb = &j->tbls[j->ftbl[i]];
		free(j->fpath);
		j->fpath = xasprintf("%s/%s", j->shown, j->f->file);
		j->nmask = (j->tb->t->ncols + 63) / 64;
		free(j->gmask);
		free(j->gcols);
		j->gmask = xcalloc(j->nmask ? j->nmask : 1, sizeof(uint64_t));
		j->gcols = xcalloc(j->tb->t->ncols + 1, sizeof(int));
		if (prev != NULL && prev[i] != NULL) {
			if (seed_file_sha256(j, hex, err) != 0)
				goto out;
			if (strcmp(hex, prev[i]) == 0) {
				table_add(rep->files, j->f->file, j->tb->display,
				    j->f->format == SEEDFMT_CSV ? "csv" : "ndjson", "0",
				    "unchanged");
				rep->nskipped++;
				continue;
			}
		}
		j->hashing = !j->o->verify;
		EVP_DigestInit_ex(j->md, EVP_sha256(), NULL);
		if (seed_file_load(j, err) != 0)
			goto out;
		{
			unsigned char	md[EVP_MAX_MD_SIZE];
			unsigned	mdlen = 0, b;

			EVP_DigestFinal_ex(j->md, md, &mdlen);
			for (b = 0; b < mdlen; b++)
				snprintf(hex + 2 * b, 3, "%02x", md[b]);
		}
		j->hashing = false;
		snprintf(nrows, sizeof(nrows), "%lld", j->frows);
		if (!j->o->verify) {
			const char	*p[6] = { set, j->f->file, j->tb->display, hex, nrows,
			    seedfmt_mode_name(j->mode) };

			if ((res = seed_q(j, "INSERT INTO mcpdb.seed_loads (set_name, file, table_name, "
			    "checksum, rows, mode) VALUES ($1, $2, $3, $4, $5, $6)", 6, p, err)) == NULL)
				goto out;
			PQclear(res);
		}
		j->rows += j->frows;
		j->bytes += j->fbytes;
		j->frows = j->fbytes = 0;
		rep->nloaded++;
		table_add(rep->files, j->f->file, j->tb->display,
		    j->f->format == SEEDFMT_CSV ? "csv" : "ndjson", nrows,
		    j->o->verify ? "checked" : j->o->dry_run ? "would load" : "loaded");
		seed_progress(j, false);
	}
	rep->noop = rep->nloaded == 0 && rep->nskipped > 0;
	rc = 0;
out:
	for (i = 0; prev != NULL && i < j->m->nfiles; i++) {
		free(prev[i]);
		free(when[i]);
	}
	free(prev);
	free(when);
	return (rc);
}

int
seed_run(PGconn *conn, const char *dir, const char *set, const struct seed_opts *o,
    struct seed_report **report, struct mc_err *err)
{
	struct seed_job		 j;
	struct seed_report	*rep;
	const char		*begin;
	int			 rc;

	*report = NULL;
	if (*set == '\0' || strchr(set, '/') != NULL || set[0] == '.')
		return (mc_err_set(err, MC_E_USAGE, "seed set \"%s\": expected a set name (see mcpdb seed list)", set));
	memset(&j, 0, sizeof(j));
	j.conn = conn;
	j.o = o;
	if ((j.m = seed_manifest_load(dir, set, &j.mpath, err)) == NULL) {
		free(j.mpath);
		return (-1);
	}
	j.mode = o->mode_given ? o->mode : j.m->mode;
	j.set = set;
	if (j.mode == SEED_REPLACE && !o->dry_run && !o->verify &&
	    seed_confirm_replace(&j, set, err) != 0) {
		seedfmt_manifest_free(j.m);
		free(j.mpath);
		return (-1);
	}
	j.setdir = xasprintf("%s/%s", dir, set);
	j.shown = xstrdup(strncmp(j.setdir, "./", 2) == 0 ? j.setdir + 2 : j.setdir);
	j.md = EVP_MD_CTX_new();
	buf_init(&j.send);
	buf_init(&j.why);
	buf_init(&j.scratch);
	buf_init(&j.sql);
	clock_gettime(CLOCK_MONOTONIC, &j.t0);
	j.tprog = j.t0;
	rep = xcalloc(1, sizeof(*rep));
	rep->set = xstrdup(set);
	rep->mode = j.mode;
	rep->dry_run = o->dry_run;
	rep->verify = o->verify;
	rep->files = table_new(set, 5, "file", "table", "format", "rows", "status");

	if (PQsetClientEncoding(conn, "UTF8") != 0) {
		rc = mc_err_pg(err, conn, NULL);
		goto done;
	}
	/* NOTICEs such as "schema mcpdb already exists, skipping" are noise here. */
	begin = o->verify ? "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; "
	    "SET LOCAL client_min_messages = warning" :
	    "BEGIN; SET LOCAL client_min_messages = warning";
	if ((rc = seed_exec(conn, begin, err)) != 0)
		goto done;
	rc = seed_run_tx(&j, set, rep, err);
	if (rc == 0 && !o->verify && !o->dry_run)
		rc = seed_exec(conn, "COMMIT", err);
	else {
		struct mc_err	e2 = { 0 };

		if (PQtransactionStatus(conn) != PQTRANS_IDLE)
			(void)seed_exec(conn, "ROLLBACK", &e2);
	}
done:
	if (j.progressed && o->progress != NULL)
		o->progress(o->progress_arg, "");
	rep->rows = j.rows;
	rep->bytes = j.bytes;
	rep->secs = seed_elapsed(&j.t0);
	if (rc == 0)
		*report = rep;
	else
		seed_report_free(rep);
	seed_srverr_done(&j.se);
	seed_tbls_free(&j);
	seedfmt_manifest_free(j.m);
	EVP_MD_CTX_free(j.md);
	buf_done(&j.send);
	buf_done(&j.why);
	buf_done(&j.scratch);
	buf_done(&j.sql);
	free(j.lines);
	free(j.gcols);
	free(j.gmask);
	free(j.ftbl);
	free(j.order);
	free(j.fpath);
	free(j.setdir);
	free(j.shown);
	free(j.mpath);
	return (rc);
}
