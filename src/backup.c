/*
 * backup.c - per-service backup (pg_dump -Fc of service schemas plus a
 * manifest), verification without a server, and all-or-nothing restore.
 *
 * Model. Backup opens one session, starts a REPEATABLE READ READ ONLY
 * transaction, exports its snapshot, reads everything the manifest needs
 * (tables and exact row counts, roles, outside dependencies, ledger rows)
 * in that snapshot and runs pg_dump --snapshot on it, so the counts are
 * exactly what the dump holds. The dump is written into a temporary
 * directory next to the final name; the manifest goes last, then one
 * rename publishes the whole backup.
 *
 * Restore runs every check first (verify, tool versions, roles, platform
 * objects, an existing schema, confirmation), then BEGIN; DROP SCHEMA (an
 * existing one); the SQL of `pg_restore -f -` entry by entry, COPY data
 * streamed with PQputCopyData; GRANT USAGE ON SCHEMA platform; row counts
 * against the manifest; COMMIT. Anything else (an error, a mismatch, the
 * operator's Esc, mcpdb being killed) ends without COMMIT: nothing changed.
 */
#include "config.h"

#include "backup.h"

#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <libpq-fe.h>
#include <openssl/evp.h>

#include "buf.h"
#include "clk.h"
#include "migfile.h"
#include "pgq.h"
#include "xmem.h"

extern char **environ;

/* How often progress is redrawn and the stop flag polled (ms). */
#define BK_TICK_MS	250
/* The largest manifest read (bytes). */
#define BK_MANIFEST_MAX	(16 * 1024 * 1024)

/* The kinds of outside objects a schema needs, as named in the manifest. */
static const char *const bk_req_kinds[] = { "schemas", "extensions", "types", "functions" };
#define BK_NREQ	4

/* A running pg_dump or pg_restore. */
struct bk_child {
	const char	*tool;		/* "pg_dump", for messages */
	pid_t		 pid;
	int		 out;		/* its stdout, or -1 */
	int		 errfd;		/* its stderr */
	struct buf	 errbuf;	/* a partial stderr line */
	char		 errline[300];	/* the last error line it printed */
};

/* ---------------------------------------------------------------- reports */

void
backup_opts_init(struct backup_opts *o)
{
	memset(o, 0, sizeof(*o));
}

void
backup_report_free(struct backup_report *r)
{
	size_t	i;

	if (r == NULL)
		return;
	free(r->path);
	free(r->created_at);
	free(r->database);
	free(r->server_version);
	free(r->tool_version);
	free(r->sha256);
	for (i = 0; i < r->nschemas; i++)
		free(r->schemas[i]);
	free(r->schemas);
	table_free(r->tables);
	free(r);
}

/* Send a progress line if anyone listens. */
static void
bk_progress(const struct backup_opts *o, const char *fmt, ...)
{
	va_list	ap;
	char	line[256];

	if (o->progress == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	o->progress(o->arg, line);
}

/* Has the operator asked to stop? */
static bool
bk_stopped(const struct backup_opts *o)
{
	return (o->stop != NULL && *o->stop != 0);
}

/* Change the code of an error already set (err may be NULL). */
static void
bk_err_code(struct mc_err *err, enum mc_code code)
{
	if (err != NULL)
		err->code = code;
}

/* ---------------------------------------------------------------- tools */

int
backup_tool_major(const char *s)
{
	const char	*p;

	if (s == NULL || (p = strstr(s, ") ")) == NULL)
		p = s;
	else
		p += 2;
	while (*p != '\0' && !isdigit((unsigned char)*p))
		p++;
	if (!isdigit((unsigned char)*p))
		return (-1);
	return (atoi(p));
}

/* The program to run for tool: $MCPDB_PG_BINDIR/tool, else tool (PATH). Caller frees. */
static char *
bk_tool_path(const char *tool)
{
	const char	*dir = getenv("MCPDB_PG_BINDIR");

	if (dir != NULL && dir[0] != '\0')
		return (xasprintf("%s/%s", dir, tool));
	return (xstrdup(tool));
}

/*
 * Start tool with argv (argv[0] is replaced by the tool's path) and env:
 * stdin from /dev/null, stdout into c->out when want_out (else /dev/null),
 * stderr into c->errfd. Never through a shell.
 */
static int
bk_spawn(struct bk_child *c, const char *tool, char **argv, char **env,
    bool want_out, struct mc_err *err)
{
	posix_spawn_file_actions_t	 fa;
	int				 op[2] = { -1, -1 }, ep[2] = { -1, -1 }, rc;
	char				*path = bk_tool_path(tool);

	memset(c, 0, sizeof(*c));
	c->tool = tool;
	c->out = c->errfd = -1;
	buf_init(&c->errbuf);
	if ((want_out && pipe2(op, O_CLOEXEC) != 0) || pipe2(ep, O_CLOEXEC) != 0) {
		mc_err_sys(err, "cannot run %s: pipe", tool);
		goto fail;
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	if (want_out)
		posix_spawn_file_actions_adddup2(&fa, op[1], 1);
	else
		posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, ep[1], 2);
	argv[0] = path;
	if (strchr(path, '/') != NULL)
		rc = posix_spawn(&c->pid, path, &fa, NULL, argv, env);
	else
		rc = posix_spawnp(&c->pid, path, &fa, NULL, argv, env);
	argv[0] = (char *)tool;
	posix_spawn_file_actions_destroy(&fa);
	if (rc != 0) {
		mc_err_set(err, MC_E_STATE,
		    "cannot run %s: %s (install postgresql-client, or set MCPDB_PG_BINDIR to the directory of %s)",
		    path, strerror(rc), tool);
		if (err != NULL)
			err->sys_errno = rc;
		goto fail;
	}
	if (want_out) {
		close(op[1]);
		c->out = op[0];
	}
	close(ep[1]);
	c->errfd = ep[0];
	free(path);
	return (0);
fail:
	if (op[0] >= 0) {
		close(op[0]);
		close(op[1]);
	}
	if (ep[0] >= 0) {
		close(ep[0]);
		close(ep[1]);
	}
	buf_done(&c->errbuf);
	free(path);
	return (-1);
}

/*
 * Read what the child wrote on stderr; call line(arg, text) for each
 * complete line and remember the last error line. Returns 1 at end of
 * file, 0 otherwise.
 */
static int
bk_child_stderr(struct bk_child *c, void (*line)(void *, const char *), void *arg)
{
	char	 chunk[4096], *nl, *p;
	ssize_t	 n;

	n = read(c->errfd, chunk, sizeof(chunk));
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return (0);
	if (n > 0)
		buf_append(&c->errbuf, chunk, (size_t)n);
	while ((nl = memchr(c->errbuf.data, '\n', c->errbuf.len)) != NULL ||
	    (n <= 0 && c->errbuf.len > 0)) {
		size_t	len = nl ? (size_t)(nl - c->errbuf.data) : c->errbuf.len;
		char	*text = xstrndup(c->errbuf.data, len);

		p = text;
		if (strncmp(p, c->tool, strlen(c->tool)) == 0 && p[strlen(c->tool)] == ':')
			p += strlen(c->tool) + 2;
		if (strncmp(p, "error: ", 7) == 0 || strncmp(p, "fatal: ", 7) == 0 ||
		    (p == text && c->errline[0] == '\0'))
			snprintf(c->errline, sizeof(c->errline), "%s",
			    strncmp(p, "error: ", 7) == 0 ? p + 7 : p);
		if (line != NULL)
			line(arg, text);
		free(text);
		memmove(c->errbuf.data, c->errbuf.data + len + (nl ? 1 : 0),
		    c->errbuf.len - len - (nl ? 1 : 0));
		c->errbuf.len -= len + (nl ? 1 : 0);
		c->errbuf.data[c->errbuf.len] = '\0';
	}
	return (n <= 0 ? 1 : 0);
}

/* Close the child's pipes and reap it; -1 with err when it did not exit 0. */
static int
bk_child_wait(struct bk_child *c, struct mc_err *err)
{
	int	st = 0, rc = 0;

	if (c->out >= 0)
		close(c->out);
	if (c->errfd >= 0) {
		while (bk_child_stderr(c, NULL, NULL) == 0)
			;
		close(c->errfd);
	}
	c->out = c->errfd = -1;
	while (waitpid(c->pid, &st, 0) < 0 && errno == EINTR)
		;
	if (WIFEXITED(st) && WEXITSTATUS(st) != 0)
		rc = mc_err_set(err, MC_E_STATE, "%s failed (exit status %d)%s%s", c->tool,
		    WEXITSTATUS(st), c->errline[0] ? ": " : "", c->errline);
	else if (WIFSIGNALED(st))
		rc = mc_err_set(err, MC_E_STATE, "%s was killed by signal %d", c->tool,
		    WTERMSIG(st));
	buf_done(&c->errbuf);
	return (rc);
}

/* Stop the child (SIGTERM) and reap it, ignoring what it says. */
static void
bk_child_kill(struct bk_child *c)
{
	kill(c->pid, SIGTERM);
	bk_child_wait(c, NULL);
}

/* The first line of `tool --version` ("pg_dump (PostgreSQL) 15.18 ..."). Caller frees. */
static char *
bk_tool_version(const char *tool, struct mc_err *err)
{
	struct bk_child	 c;
	char		*argv[] = { (char *)tool, "--version", NULL }, chunk[512];
	struct buf	 b;
	ssize_t		 n;

	if (bk_spawn(&c, tool, argv, environ, true, err) != 0)
		return (NULL);
	buf_init(&b);
	while ((n = read(c.out, chunk, sizeof(chunk))) > 0 || (n < 0 && errno == EINTR))
		if (n > 0)
			buf_append(&b, chunk, (size_t)n);
	if (bk_child_wait(&c, err) != 0) {
		buf_done(&b);
		return (NULL);
	}
	b.data[strcspn(b.data, "\r\n")] = '\0';
	if (backup_tool_major(b.data) < 0) {
		mc_err_set(err, MC_E_STATE, "%s --version printed no version (\"%.80s\")", tool, b.data);
		buf_done(&b);
		return (NULL);
	}
	return (buf_detach(&b));
}

/*
 * Refuse a tool older than the server: both versions named. Returns the
 * tool's version line (caller frees) or NULL with err.
 */
static char *
bk_tool_check(const char *tool, PGconn *conn, struct mc_err *err)
{
	char	*v = bk_tool_version(tool, err);
	int	 major, smajor;

	if (v == NULL || conn == NULL)
		return (v);
	major = backup_tool_major(v);
	smajor = PQserverVersion(conn) / 10000;
	if (major < smajor) {
		mc_err_set(err, MC_E_STATE,
		    "%s is older than the server: \"%s\" vs PostgreSQL %s (server_version_num %d); "
		    "install postgresql-client-%d or set MCPDB_PG_BINDIR to its bin directory; nothing was done",
		    tool, v, PQparameterStatus(conn, "server_version"), PQserverVersion(conn), smajor);
		free(v);
		return (NULL);
	}
	return (v);
}

/* ---------------------------------------------------------------- environment */

/* Is name=... one of libpq's connection variables (PGHOST, PGPASSWORD ...)? */
static bool
bk_is_pgvar(const char *entry, const PQconninfoOption *defs)
{
	const PQconninfoOption	*o;
	size_t			 len = strcspn(entry, "=");

	for (o = defs; o != NULL && o->keyword != NULL; o++)
		if (o->envvar != NULL && strlen(o->envvar) == len &&
		    strncmp(o->envvar, entry, len) == 0)
			return (true);
	return (false);
}

/* Append "*:*:*:*:password" (':' and '\' escaped) to a new 0600 file. */
static char *
bk_passfile(const char *password, struct mc_err *err)
{
	const char	*tmp = getenv("TMPDIR");
	char		*path = xasprintf("%s/mcpdb-pgpass.XXXXXX",
			    tmp != NULL && tmp[0] == '/' ? tmp : "/tmp");
	struct buf	 b;
	const char	*p;
	int		 fd;

	if ((fd = mkstemp(path)) < 0) {
		mc_err_sys(err, "cannot create a temporary password file in %s",
		    tmp != NULL && tmp[0] == '/' ? tmp : "/tmp");
		free(path);
		return (NULL);
	}
	buf_init(&b);
	buf_puts(&b, "*:*:*:*:");
	for (p = password; *p != '\0'; p++) {
		if (*p == ':' || *p == '\\')
			buf_putc(&b, '\\');
		buf_putc(&b, *p);
	}
	buf_putc(&b, '\n');
	if (write(fd, b.data, b.len) != (ssize_t)b.len) {
		mc_err_sys(err, "cannot write the temporary password file");
		close(fd);
		unlink(path);
		free(path);
		buf_done(&b);
		return (NULL);
	}
	explicit_bzero(b.data, b.len);
	buf_done(&b);
	close(fd);
	return (path);
}

/*
 * The environment for pg_dump: ours without libpq's variables, plus the
 * parameters conn actually used as PG* variables (host and port of the
 * server it reached), PGAPPNAME and, for a password, PGPASSFILE naming a
 * new 0600 file (*passfile, caller unlinks and frees). Caller frees the
 * array and its strings with bk_env_free.
 */
static char **
bk_env(PGconn *conn, const char *app, char **passfile, struct mc_err *err)
{
	PQconninfoOption	*defs = PQconndefaults(), *used = PQconninfo(conn), *o;
	char			**env;
	size_t			 n = 0, i;

	*passfile = NULL;
	for (i = 0; environ[i] != NULL; i++)
		n++;
	for (o = used; o != NULL && o->keyword != NULL; o++)
		n++;
	env = xcalloc(n + 8, sizeof(char *));
	n = 0;
	for (i = 0; environ[i] != NULL; i++)
		if (!bk_is_pgvar(environ[i], defs))
			env[n++] = xstrdup(environ[i]);
	for (o = used; o != NULL && o->keyword != NULL; o++) {
		const char	*v = o->val;

		if (o->envvar == NULL || v == NULL || v[0] == '\0' ||
		    strcmp(o->keyword, "service") == 0 ||
		    strcmp(o->keyword, "application_name") == 0 ||
		    strcmp(o->keyword, "target_session_attrs") == 0 ||
		    strcmp(o->keyword, "options") == 0)
			continue;
		if (strcmp(o->keyword, "host") == 0)
			v = PQhost(conn);
		else if (strcmp(o->keyword, "port") == 0)
			v = PQport(conn);
		else if (strcmp(o->keyword, "hostaddr") == 0)
			v = PQhostaddr(conn);
		else if (strcmp(o->keyword, "password") == 0) {
			if ((*passfile = bk_passfile(v, err)) == NULL)
				goto fail;
			env[n++] = xasprintf("PGPASSFILE=%s", *passfile);
			continue;
		} else if (strcmp(o->keyword, "passfile") == 0 && PQconnectionUsedPassword(conn) &&
		    *passfile != NULL)
			continue;
		if (v == NULL || v[0] == '\0')
			continue;
		env[n++] = xasprintf("%s=%s", o->envvar, v);
	}
	env[n++] = xasprintf("PGAPPNAME=%s", app);
	env[n] = NULL;
	PQconninfoFree(defs);
	PQconninfoFree(used);
	return (env);
fail:
	for (i = 0; i < n; i++)
		free(env[i]);
	free(env);
	PQconninfoFree(defs);
	PQconninfoFree(used);
	return (NULL);
}

/* Free an environment made by bk_env. */
static void
bk_env_free(char **env)
{
	size_t	i;

	for (i = 0; env != NULL && env[i] != NULL; i++)
		free(env[i]);
	free(env);
}

/* ---------------------------------------------------------------- files */

/* Hex SHA-256 and size of the file at path into hex (65 bytes). */
static int
bk_sha256_file(const char *path, char *hex, long long *size, struct mc_err *err)
{
	EVP_MD_CTX	*md = EVP_MD_CTX_new();
	unsigned char	 d[EVP_MAX_MD_SIZE], chunk[65536];
	unsigned int	 dlen = 0, i;
	ssize_t		 n;
	int		 fd;

	*size = 0;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		EVP_MD_CTX_free(md);
		return (mc_err_sys(err, "%s", path));
	}
	EVP_DigestInit_ex(md, EVP_sha256(), NULL);
	while ((n = read(fd, chunk, sizeof(chunk))) > 0 || (n < 0 && errno == EINTR)) {
		if (n > 0) {
			EVP_DigestUpdate(md, chunk, (size_t)n);
			*size += n;
		}
	}
	if (n < 0) {
		mc_err_sys(err, "%s", path);
		close(fd);
		EVP_MD_CTX_free(md);
		return (-1);
	}
	close(fd);
	EVP_DigestFinal_ex(md, d, &dlen);
	EVP_MD_CTX_free(md);
	for (i = 0; i < dlen; i++)
		snprintf(hex + 2 * i, 3, "%02x", d[i]);
	return (0);
}

/* Write text to a new file dir/name (O_EXCL, 0600) and fsync it. */
static int
bk_write_new(const char *dir, const char *name, const char *text, struct mc_err *err)
{
	char	*path = xasprintf("%s/%s", dir, name);
	size_t	 len = strlen(text), off = 0;
	ssize_t	 n;
	int	 fd;

	if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600)) < 0) {
		mc_err_sys(err, "cannot create %s", path);
		free(path);
		return (-1);
	}
	while (off < len) {
		if ((n = write(fd, text + off, len - off)) < 0) {
			if (errno == EINTR)
				continue;
			mc_err_sys(err, "cannot write %s", path);
			close(fd);
			free(path);
			return (-1);
		}
		off += (size_t)n;
	}
	if (fsync(fd) != 0 || close(fd) != 0) {
		mc_err_sys(err, "cannot write %s", path);
		free(path);
		return (-1);
	}
	free(path);
	return (0);
}

/* fsync a directory (its entries), ignoring filesystems that cannot. */
static void
bk_fsync_dir(const char *dir)
{
	int	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
}

/* Remove the temporary backup directory and what is in it. */
static void
bk_rmtree(const char *dir)
{
	DIR		*d = opendir(dir);
	struct dirent	*de;

	if (d != NULL) {
		while ((de = readdir(d)) != NULL) {
			char	*p;

			if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
				continue;
			p = xasprintf("%s/%s", dir, de->d_name);
			unlink(p);
			free(p);
		}
		closedir(d);
	}
	rmdir(dir);
}

/* The directory part of path ("." for a bare name). Caller frees. */
static char *
bk_dirname(const char *path)
{
	const char	*sl = strrchr(path, '/');

	if (sl == NULL)
		return (xstrdup("."));
	if (sl == path)
		return (xstrdup("/"));
	return (xstrndup(path, (size_t)(sl - path)));
}

/* Read a whole small file; NULL with err. Caller frees. */
static char *
bk_slurp(const char *path, struct mc_err *err)
{
	struct buf	 b;
	char		 chunk[8192];
	ssize_t		 n;
	int		 fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		mc_err_sys(err, "%s", path);
		bk_err_code(err, MC_E_INPUT);
		return (NULL);
	}
	buf_init(&b);
	while ((n = read(fd, chunk, sizeof(chunk))) > 0 || (n < 0 && errno == EINTR)) {
		if (n > 0)
			buf_append(&b, chunk, (size_t)n);
		if (b.len > BK_MANIFEST_MAX) {
			close(fd);
			buf_done(&b);
			mc_err_set(err, MC_E_INPUT, "%s: larger than %d MB: not a manifest",
			    path, BK_MANIFEST_MAX >> 20);
			return (NULL);
		}
	}
	close(fd);
	return (buf_detach(&b));
}

/* Server notices of a session: shown as progress, never on stderr (curses). */
static void
bk_notice(void *arg, const char *msg)
{
	const struct backup_opts	*o = arg;
	char				 line[200];

	snprintf(line, sizeof(line), "server: %s", msg);
	line[strcspn(line, "\n")] = '\0';
	bk_progress(o, "%s", line);
}

/* ---------------------------------------------------------------- backup */

/* One value of a query with params; NULL with err. Caller frees. */
static char *
bk_value(PGconn *c, const char *sql, int n, const char *const *params, struct mc_err *err)
{
	PGresult	*res = pgq_query(c, sql, n, params, err);
	char		*v;

	if (res == NULL)
		return (NULL);
	v = xstrdup(PQntuples(res) > 0 && !PQgetisnull(res, 0, 0) ? PQgetvalue(res, 0, 0) : "");
	PQclear(res);
	return (v);
}

/* Add the first column of every row of a query as strings to array name of o. */
static int
bk_json_list(PGconn *c, cJSON *o, const char *name, const char *sql, const char *schema,
    struct mc_err *err)
{
	const char	*params[1] = { schema };
	PGresult	*res = pgq_query(c, sql, 1, params, err);
	cJSON		*a = cJSON_AddArrayToObject(o, name);
	int		 i;

	if (res == NULL)
		return (-1);
	for (i = 0; i < PQntuples(res); i++)
		cJSON_AddItemToArray(a, cJSON_CreateString(PQgetvalue(res, i, 0)));
	PQclear(res);
	return (0);
}

/* The roles a schema's objects are owned by or granted to. $1: schema. */
static const char bk_sql_roles[] =
    "WITH s AS (SELECT oid FROM pg_catalog.pg_namespace WHERE nspname = $1),"
    " rels AS (SELECT c.oid, c.relowner, c.relacl FROM pg_catalog.pg_class c, s WHERE c.relnamespace = s.oid),"
    " ids AS ("
    "  SELECT n.nspowner AS id FROM pg_catalog.pg_namespace n, s WHERE n.oid = s.oid"
    "  UNION SELECT (pg_catalog.aclexplode(n.nspacl)).grantee FROM pg_catalog.pg_namespace n, s WHERE n.oid = s.oid"
    "  UNION SELECT relowner FROM rels"
    "  UNION SELECT (pg_catalog.aclexplode(relacl)).grantee FROM rels"
    "  UNION SELECT (pg_catalog.aclexplode(a.attacl)).grantee FROM pg_catalog.pg_attribute a JOIN rels ON rels.oid = a.attrelid"
    "  UNION SELECT p.proowner FROM pg_catalog.pg_proc p, s WHERE p.pronamespace = s.oid"
    "  UNION SELECT (pg_catalog.aclexplode(p.proacl)).grantee FROM pg_catalog.pg_proc p, s WHERE p.pronamespace = s.oid"
    "  UNION SELECT t.typowner FROM pg_catalog.pg_type t, s WHERE t.typnamespace = s.oid"
    "  UNION SELECT (pg_catalog.aclexplode(t.typacl)).grantee FROM pg_catalog.pg_type t, s WHERE t.typnamespace = s.oid"
    "  UNION SELECT d.defaclrole FROM pg_catalog.pg_default_acl d, s WHERE d.defaclnamespace = s.oid"
    "  UNION SELECT (pg_catalog.aclexplode(d.defaclacl)).grantee FROM pg_catalog.pg_default_acl d, s WHERE d.defaclnamespace = s.oid)"
    " SELECT r.rolname FROM ids JOIN pg_catalog.pg_roles r ON r.oid = ids.id ORDER BY 1";

/*
 * What objects of a schema depend on outside it (other than pg_catalog):
 * rows (kind, name) with kind one of bk_req_kinds. $1: schema.
 */
static const char bk_sql_requires[] =
    "WITH s AS (SELECT oid FROM pg_catalog.pg_namespace WHERE nspname = $1),"
    " rels AS (SELECT c.oid FROM pg_catalog.pg_class c, s WHERE c.relnamespace = s.oid),"
    " deps AS (SELECT d.refclassid, d.refobjid FROM pg_catalog.pg_depend d WHERE d.deptype = 'n' AND ("
    "   (d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.objid IN (SELECT oid FROM rels))"
    "   OR (d.classid = 'pg_catalog.pg_attrdef'::pg_catalog.regclass AND d.objid IN"
    "       (SELECT oid FROM pg_catalog.pg_attrdef WHERE adrelid IN (SELECT oid FROM rels)))"
    "   OR (d.classid = 'pg_catalog.pg_constraint'::pg_catalog.regclass AND d.objid IN"
    "       (SELECT k.oid FROM pg_catalog.pg_constraint k, s WHERE k.connamespace = s.oid))"
    "   OR (d.classid = 'pg_catalog.pg_trigger'::pg_catalog.regclass AND d.objid IN"
    "       (SELECT oid FROM pg_catalog.pg_trigger WHERE tgrelid IN (SELECT oid FROM rels)))"
    "   OR (d.classid = 'pg_catalog.pg_rewrite'::pg_catalog.regclass AND d.objid IN"
    "       (SELECT oid FROM pg_catalog.pg_rewrite WHERE ev_class IN (SELECT oid FROM rels)))"
    "   OR (d.classid = 'pg_catalog.pg_proc'::pg_catalog.regclass AND d.objid IN"
    "       (SELECT p.oid FROM pg_catalog.pg_proc p, s WHERE p.pronamespace = s.oid))"
    "   OR (d.classid = 'pg_catalog.pg_type'::pg_catalog.regclass AND d.objid IN"
    "       (SELECT t.oid FROM pg_catalog.pg_type t, s WHERE t.typnamespace = s.oid)))),"
    " objs AS ("
    "  SELECT 'functions' AS kind, p.oid::pg_catalog.regprocedure::text AS name, p.pronamespace AS nsp,"
    "         'pg_catalog.pg_proc'::pg_catalog.regclass AS cls, p.oid"
    "    FROM deps JOIN pg_catalog.pg_proc p ON deps.refclassid = 'pg_catalog.pg_proc'::pg_catalog.regclass AND p.oid = deps.refobjid"
    "  UNION SELECT 'types', pg_catalog.format_type(t.oid, NULL), t.typnamespace,"
    "         'pg_catalog.pg_type'::pg_catalog.regclass, t.oid"
    "    FROM deps JOIN pg_catalog.pg_type t ON deps.refclassid = 'pg_catalog.pg_type'::pg_catalog.regclass AND t.oid = deps.refobjid),"
    " outside AS (SELECT o.* FROM objs o, s WHERE o.nsp <> s.oid AND o.nsp <> 'pg_catalog'::pg_catalog.regnamespace)"
    " SELECT kind, name FROM outside"
    " UNION SELECT 'schemas', n.nspname FROM outside JOIN pg_catalog.pg_namespace n ON n.oid = outside.nsp"
    " UNION SELECT 'extensions', e.extname FROM outside"
    "   JOIN pg_catalog.pg_depend de ON de.classid = outside.cls AND de.objid = outside.oid AND de.deptype = 'e'"
    "   JOIN pg_catalog.pg_extension e ON e.oid = de.refobjid"
    " ORDER BY 1, 2";

/* Ledger rows that created or changed a schema ($1), when the ledger exists. */
static const char bk_sql_ledger[] =
    "SELECT version, name, checksum, state, operation, applied_at, applied_by,"
    " coalesce(pg_catalog.to_jsonb(m) ->> 'stream', '') FROM mcpdb.migrations m"
    " WHERE applied_sql ~* ('\\mcreate\\s+schema\\s+(if\\s+not\\s+exists\\s+)?\"?' || $1 || '\"?(\\s|;|$)')"
    "    OR applied_sql ~* ('\\m' || $1 || '\\.')"
    " ORDER BY 8, version";

/* Schemas created by an applied migration (the service schemas), or NULL without a ledger. */
static const char bk_sql_services[] =
    "SELECT n.nspname FROM pg_catalog.pg_namespace n"
    " WHERE n.nspname <> 'platform' AND EXISTS (SELECT 1 FROM mcpdb.migrations m WHERE m.state = 'applied'"
    "   AND m.applied_sql ~* ('\\mcreate\\s+schema\\s+(if\\s+not\\s+exists\\s+)?\"?' || n.nspname || '\"?(\\s|;|$)'))"
    " ORDER BY 1";

/* Check that name is a service schema here; an error names the service schemas. */
static int
bk_check_service(PGconn *c, const char *name, struct mc_err *err)
{
	const char	*params[1] = { name };
	PGresult	*res;
	struct buf	 b;
	char		*v;
	int		 i;
	bool		 found = false, exists;

	if (strncmp(name, "pg_", 3) == 0 || strcmp(name, "information_schema") == 0)
		return (mc_err_set(err, MC_E_INPUT,
		    "%s is a system schema, not a service schema: nothing to back up", name));
	if (strcmp(name, "platform") == 0 || strcmp(name, "mcpdb") == 0)
		return (mc_err_set(err, MC_E_INPUT,
		    "%s is %s, not a service schema: back up the service schemas (restore checks what they need of it)",
		    name, strcmp(name, "platform") == 0 ? "the shared schema" : "mcpdb's ledger"));
	if ((v = bk_value(c, "SELECT count(*) FROM pg_catalog.pg_namespace WHERE nspname = $1", 1,
	    params, err)) == NULL)
		return (-1);
	exists = atoi(v) > 0;
	free(v);
	if ((v = bk_value(c, "SELECT pg_catalog.to_regclass('mcpdb.migrations') IS NOT NULL", 0,
	    NULL, err)) == NULL)
		return (-1);
	if (strcmp(v, "t") != 0) {
		free(v);
		return (mc_err_set(err, MC_E_NOTFOUND, !exists ?
		    "schema \"%s\" does not exist in database %s" :
		    "schema \"%s\" is not a service schema: database %s has no migration ledger (mcpdb.migrations)",
		    name, PQdb(c)));
	}
	free(v);
	if ((res = pgq_query(c, bk_sql_services, 0, NULL, err)) == NULL)
		return (-1);
	buf_init(&b);
	for (i = 0; i < PQntuples(res); i++) {
		buf_printf(&b, "%s%s", i ? ", " : "", PQgetvalue(res, i, 0));
		if (strcmp(PQgetvalue(res, i, 0), name) == 0)
			found = true;
	}
	PQclear(res);
	if (!found) {
		mc_err_set(err, exists ? MC_E_INPUT : MC_E_NOTFOUND, exists ?
		    "schema \"%s\" is not a service schema: no applied migration of database %s created it (service schemas: %s)" :
		    "unknown schema \"%s\": database %s has no such schema (service schemas: %s)",
		    name, PQdb(c), b.len ? b.data : "none: no migration created one");
		buf_done(&b);
		return (-1);
	}
	buf_done(&b);
	return (0);
}

/* Build the manifest entry of one schema: tables with exact counts, roles, requirements, ledger. */
static cJSON *
bk_schema_json(PGconn *c, const char *name, struct backup_report *r, struct mc_err *err)
{
	const char	*params[1] = { name };
	cJSON		*o = cJSON_CreateObject(), *tables, *req, *ledger;
	PGresult	*res, *cnt;
	char		*v, *si, *ti, *sql;
	int		 i, k;

	cJSON_AddStringToObject(o, "name", name);
	if ((v = bk_value(c, "SELECT pg_catalog.pg_get_userbyid(nspowner) FROM pg_catalog.pg_namespace"
	    " WHERE nspname = $1", 1, params, err)) == NULL)
		goto fail;
	cJSON_AddStringToObject(o, "owner", v);
	free(v);
	tables = cJSON_AddArrayToObject(o, "tables");
	if ((res = pgq_query(c, "SELECT c.relname FROM pg_catalog.pg_class c"
	    " JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace"
	    " WHERE n.nspname = $1 AND c.relkind = 'r' ORDER BY 1", 1, params, err)) == NULL)
		goto fail;
	if ((si = pgq_ident(c, name, err)) == NULL) {
		PQclear(res);
		goto fail;
	}
	for (i = 0; i < PQntuples(res); i++) {
		cJSON	*t = cJSON_CreateObject();

		if ((ti = pgq_ident(c, PQgetvalue(res, i, 0), err)) == NULL) {
			cJSON_Delete(t);
			free(si);
			PQclear(res);
			goto fail;
		}
		sql = xasprintf("SELECT count(*) FROM ONLY %s.%s", si, ti);
		cnt = pgq_query(c, sql, 0, NULL, err);
		free(sql);
		free(ti);
		if (cnt == NULL) {
			cJSON_Delete(t);
			free(si);
			PQclear(res);
			goto fail;
		}
		cJSON_AddStringToObject(t, "name", PQgetvalue(res, i, 0));
		cJSON_AddNumberToObject(t, "rows", atof(PQgetvalue(cnt, 0, 0)));
		cJSON_AddItemToArray(tables, t);
		table_add(r->tables, name, PQgetvalue(res, i, 0), PQgetvalue(cnt, 0, 0), "");
		r->rows += atoll(PQgetvalue(cnt, 0, 0));
		PQclear(cnt);
	}
	free(si);
	PQclear(res);
	if (bk_json_list(c, o, "roles", bk_sql_roles, name, err) != 0)
		goto fail;
	req = cJSON_AddObjectToObject(o, "requires");
	for (k = 0; k < BK_NREQ; k++)
		cJSON_AddArrayToObject(req, bk_req_kinds[k]);
	if ((res = pgq_query(c, bk_sql_requires, 1, params, err)) == NULL)
		goto fail;
	for (i = 0; i < PQntuples(res); i++)
		cJSON_AddItemToArray(cJSON_GetObjectItem(req, PQgetvalue(res, i, 0)),
		    cJSON_CreateString(PQgetvalue(res, i, 1)));
	PQclear(res);
	/* USAGE on the shared schema is on platform's ACL, not in the dump. */
	if (bk_json_list(c, o, "platform_usage",
	    "SELECT r.rolname FROM pg_catalog.pg_namespace n, pg_catalog.aclexplode(n.nspacl) a"
	    " JOIN pg_catalog.pg_roles r ON r.oid = a.grantee"
	    " WHERE n.nspname = 'platform' AND a.privilege_type = 'USAGE'"
	    "   AND r.rolname IN ($1 || '_rw', $1 || '_ro') ORDER BY 1", name, err) != 0)
		goto fail;
	ledger = cJSON_AddArrayToObject(o, "ledger");
	if ((res = pgq_query(c, bk_sql_ledger, 1, params, err)) == NULL)
		goto fail;
	for (i = 0; i < PQntuples(res); i++) {
		cJSON	*l = cJSON_CreateObject();

		cJSON_AddNumberToObject(l, "version", atof(PQgetvalue(res, i, 0)));
		cJSON_AddStringToObject(l, "name", PQgetvalue(res, i, 1));
		cJSON_AddStringToObject(l, "checksum", PQgetvalue(res, i, 2));
		cJSON_AddStringToObject(l, "state", PQgetvalue(res, i, 3));
		cJSON_AddStringToObject(l, "operation", PQgetvalue(res, i, 4));
		cJSON_AddStringToObject(l, "applied_at", PQgetvalue(res, i, 5));
		cJSON_AddStringToObject(l, "applied_by", PQgetvalue(res, i, 6));
		/* Per-schema streams (migrate.h): "" is the default one. */
		cJSON_AddStringToObject(l, "stream", *PQgetvalue(res, i, 7) != '\0' ?
		    PQgetvalue(res, i, 7) : MIG_STREAM_DEFAULT);
		cJSON_AddItemToArray(ledger, l);
	}
	PQclear(res);
	return (o);
fail:
	cJSON_Delete(o);
	mc_err_prefix(err, "schema %s: ", name);
	return (NULL);
}

/* What backup_dump needs to follow pg_dump's progress. */
struct bk_dumpstate {
	const struct backup_opts	*o;
	const char			*label;
	const char			*dump;
	char				*passfile;	/* unlinked once pg_dump has connected */
	int				 done, total;
};

/* pg_dump --verbose said something: count tables, drop the password file. */
static void
bk_dump_line(void *arg, const char *line)
{
	struct bk_dumpstate	*d = arg;

	if (d->passfile != NULL) {
		unlink(d->passfile);
		free(d->passfile);
		d->passfile = NULL;
	}
	if (strstr(line, ": dumping contents of table ") != NULL)
		d->done++;
}

/* Show "backup S: tables N/M, X MB". */
static void
bk_dump_progress(struct bk_dumpstate *d)
{
	struct stat	st;

	if (stat(d->dump, &st) != 0)
		st.st_size = 0;
	bk_progress(d->o, "backup %s: tables %d/%d, %.1f MB", d->label,
	    d->done > d->total ? d->total : d->done, d->total, (double)st.st_size / 1e6);
}

/* Run pg_dump of the schemas in snapshot snap into dump. */
static int
bk_dump(PGconn *c, const struct backup_opts *o, const char *snap, const char *dump,
    const char *label, int ntables, struct mc_err *err)
{
	struct bk_dumpstate	 d;
	struct bk_child		 ch;
	struct pollfd		 pfd;
	char			**argv, **env, *snapopt;
	size_t			 i, n = 0;
	int			 eof = 0, rc;
	int64_t			 last = 0;

	memset(&d, 0, sizeof(d));
	d.o = o;
	d.label = label;
	d.dump = dump;
	d.total = ntables;
	if ((env = bk_env(c, "mcpdb/backup", &d.passfile, err)) == NULL)
		return (-1);
	argv = xcalloc(2 * o->nschemas + 12, sizeof(char *));
	argv[n++] = "pg_dump";
	argv[n++] = "--verbose";
	argv[n++] = "--format=custom";
	argv[n++] = "--no-password";
	snapopt = xasprintf("--snapshot=%s", snap);
	argv[n++] = snapopt;
	argv[n++] = "--file";
	argv[n++] = (char *)dump;
	for (i = 0; i < o->nschemas; i++) {
		/* a quoted pattern matches exactly that name */
		argv[n++] = "--schema";
		argv[n++] = pgq_ident(c, o->schemas[i], NULL);
	}
	argv[n] = NULL;
	rc = bk_spawn(&ch, "pg_dump", argv, env, false, err);
	for (i = 0; i < o->nschemas; i++)
		free(argv[8 + 2 * i]);
	free(argv);
	free(snapopt);
	bk_env_free(env);
	if (rc != 0)
		goto done;
	bk_dump_progress(&d);
	while (!eof) {
		pfd.fd = ch.errfd;
		pfd.events = POLLIN;
		if (poll(&pfd, 1, BK_TICK_MS) > 0)
			eof = bk_child_stderr(&ch, bk_dump_line, &d);
		if (bk_stopped(o)) {
			bk_child_kill(&ch);
			rc = mc_err_set(err, MC_E_CANCELLED, "backup interrupted; nothing was written");
			goto done;
		}
		if (clk_mono_us() - last >= BK_TICK_MS * 1000) {
			bk_dump_progress(&d);
			last = clk_mono_us();
		}
	}
	rc = bk_child_wait(&ch, err);
	if (rc == 0)
		bk_dump_progress(&d);
done:
	if (d.passfile != NULL) {
		unlink(d.passfile);
		free(d.passfile);
	}
	return (rc);
}

/* The default backup name: "a+b-20261203T071500Z.backup". Caller frees. */
static char *
bk_default_name(const struct backup_opts *o)
{
	struct buf	 b;
	struct tm	 tm;
	time_t		 now = time(NULL);
	char		 ts[32];
	size_t		 i;

	gmtime_r(&now, &tm);
	strftime(ts, sizeof(ts), "%Y%m%dT%H%M%SZ", &tm);
	buf_init(&b);
	for (i = 0; i < o->nschemas; i++)
		buf_printf(&b, "%s%s", i ? "+" : "", o->schemas[i]);
	buf_printf(&b, "-%s.backup", ts);
	return (buf_detach(&b));
}

int
backup_run(const struct conf_target *t, const struct backup_opts *o,
    struct backup_report **rep, struct mc_err *err)
{
	struct backup_report	*r;
	PGconn			*c = NULL;
	cJSON			*doc = NULL, *schemas, *dumpo;
	char			*path, *parent = NULL, *tmp = NULL, *dump = NULL, *snap = NULL;
	char			*text, hex[2 * EVP_MAX_MD_SIZE + 1], *v;
	struct stat		 st;
	struct buf		 label;
	int64_t			 t0 = clk_mono_us();
	size_t			 i, j;
	long long		 size;

	*rep = NULL;
	if (o->nschemas == 0)
		return (mc_err_set(err, MC_E_USAGE, "backup: name at least one service schema"));
	for (i = 0; i < o->nschemas; i++)
		for (j = 0; j < i; j++)
			if (strcmp(o->schemas[i], o->schemas[j]) == 0)
				return (mc_err_set(err, MC_E_USAGE, "backup: schema %s named twice",
				    o->schemas[i]));
	path = o->file != NULL ? xstrdup(o->file) : bk_default_name(o);
	while (strlen(path) > 1 && path[strlen(path) - 1] == '/')
		path[strlen(path) - 1] = '\0';
	r = xcalloc(1, sizeof(*r));
	r->path = path;
	r->tables = table_new("tables", 4, "schema", "table", "rows", "restored");
	buf_init(&label);
	for (i = 0; i < o->nschemas; i++)
		buf_printf(&label, "%s%s", i ? "+" : "", o->schemas[i]);
	if (lstat(path, &st) == 0) {
		mc_err_set(err, MC_E_INPUT, "%s already exists: a backup never overwrites; choose another --file",
		    path);
		goto fail;
	}
	if ((c = pgq_connect(t, "backup", err)) == NULL)
		goto fail;
	PQsetNoticeProcessor(c, bk_notice, (void *)o);
	if ((r->tool_version = bk_tool_check("pg_dump", c, err)) == NULL)
		goto fail;
	for (i = 0; i < o->nschemas; i++)
		if (bk_check_service(c, o->schemas[i], err) != 0)
			goto fail;
	/* Create the temporary directory early: an unwritable place fails before any work. */
	parent = bk_dirname(path);
	{
		const char	*base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;

		tmp = xasprintf("%s/.%s.tmp-XXXXXX", parent, base);
	}
	if (mkdtemp(tmp) == NULL) {
		mc_err_sys(err, "cannot create backup %s (in directory %s)", path, parent);
		free(tmp);
		tmp = NULL;
		goto fail;
	}
	dump = xasprintf("%s/%s", tmp, BACKUP_DUMP_NAME);
	if (pgq_exec(c, "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY", err) != 0 ||
	    pgq_exec(c, "SET LOCAL search_path = pg_catalog", err) != 0 ||
	    (snap = bk_value(c, "SELECT pg_catalog.pg_export_snapshot()", 0, NULL, err)) == NULL)
		goto fail;
	doc = cJSON_CreateObject();
	cJSON_AddStringToObject(doc, "format", BACKUP_FORMAT);
	cJSON_AddNumberToObject(doc, "format_version", BACKUP_FORMAT_VERSION);
	cJSON_AddStringToObject(doc, "mcpdb_version", PACKAGE_VERSION);
	if ((v = bk_value(c, "SELECT pg_catalog.to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')",
	    0, NULL, err)) == NULL)
		goto fail;
	r->created_at = v;
	cJSON_AddStringToObject(doc, "created_at", v);
	r->database = xstrdup(PQdb(c));
	cJSON_AddStringToObject(doc, "database", r->database);
	r->server_version = xstrdup(PQparameterStatus(c, "server_version"));
	cJSON_AddStringToObject(doc, "server_version", r->server_version);
	cJSON_AddNumberToObject(doc, "server_version_num", PQserverVersion(c));
	cJSON_AddStringToObject(doc, "pg_dump_version", r->tool_version);
	schemas = cJSON_AddArrayToObject(doc, "schemas");
	for (i = 0; i < o->nschemas; i++) {
		cJSON	*s;

		bk_progress(o, "backup %s: counting the rows of schema %s", label.data, o->schemas[i]);
		if ((s = bk_schema_json(c, o->schemas[i], r, err)) == NULL)
			goto fail;
		cJSON_AddItemToArray(schemas, s);
		r->schemas = xreallocarray(r->schemas, r->nschemas + 1, sizeof(char *));
		r->schemas[r->nschemas++] = xstrdup(o->schemas[i]);
		if (bk_stopped(o)) {
			mc_err_set(err, MC_E_CANCELLED, "backup interrupted; nothing was written");
			goto fail;
		}
	}
	if (bk_dump(c, o, snap, dump, label.data, (int)r->tables->nrows, err) != 0)
		goto fail;
	pgq_exec(c, "COMMIT", NULL);
	if (chmod(dump, 0600) != 0 || bk_sha256_file(dump, hex, &size, err) != 0) {
		if (err != NULL && err->code == MC_OK)
			mc_err_sys(err, "%s", dump);
		goto fail;
	}
	r->sha256 = xstrdup(hex);
	r->bytes = size;
	dumpo = cJSON_AddObjectToObject(doc, "dump");
	cJSON_AddStringToObject(dumpo, "file", BACKUP_DUMP_NAME);
	cJSON_AddNumberToObject(dumpo, "bytes", (double)size);
	cJSON_AddStringToObject(dumpo, "sha256", hex);
	text = cJSON_Print(doc);
	if (bk_write_new(tmp, BACKUP_MANIFEST_NAME, text, err) != 0) {
		free(text);
		goto fail;
	}
	free(text);
	bk_fsync_dir(tmp);
	if (renameat2(AT_FDCWD, tmp, AT_FDCWD, path, RENAME_NOREPLACE) != 0 &&
	    (errno != EINVAL || rename(tmp, path) != 0)) {
		mc_err_sys(err, "cannot create backup %s", path);
		goto fail;
	}
	bk_fsync_dir(parent);
	r->secs = (double)(clk_mono_us() - t0) / 1e6;
	cJSON_Delete(doc);
	PQfinish(c);
	free(parent);
	free(tmp);
	free(dump);
	free(snap);
	buf_done(&label);
	*rep = r;
	return (0);
fail:
	if (tmp != NULL)
		bk_rmtree(tmp);
	cJSON_Delete(doc);
	PQfinish(c);
	free(parent);
	free(tmp);
	free(dump);
	free(snap);
	buf_done(&label);
	backup_report_free(r);
	return (-1);
}

/* ---------------------------------------------------------------- verify */

/* Is item an array of strings? */
static bool
bk_strings(const cJSON *a)
{
	const cJSON	*e;

	if (!cJSON_IsArray(a))
		return (false);
	cJSON_ArrayForEach(e, a)
		if (!cJSON_IsString(e))
			return (false);
	return (true);
}

/* Check the manifest's shape; an error names the first bad key. */
static int
bk_manifest_check(const cJSON *doc, const char *mpath, struct mc_err *err)
{
	static const char *const strs[] = { "mcpdb_version", "created_at", "database",
	    "server_version", "pg_dump_version" };
	const cJSON	*f = cJSON_GetObjectItem(doc, "format"), *s, *d, *x;
	size_t		 i;
	int		 k;

	if (!cJSON_IsObject(doc) || !cJSON_IsString(f) || strcmp(f->valuestring, BACKUP_FORMAT) != 0)
		return (mc_err_set(err, MC_E_INPUT, "%s: not an mcpdb backup manifest (no \"format\": \"%s\")",
		    mpath, BACKUP_FORMAT));
	f = cJSON_GetObjectItem(doc, "format_version");
	if (!cJSON_IsNumber(f) || f->valueint < 1)
		return (mc_err_set(err, MC_E_INPUT, "%s: format_version: expected an integer >= 1", mpath));
	if (f->valueint > BACKUP_FORMAT_VERSION)
		return (mc_err_set(err, MC_E_INPUT,
		    "%s: format_version %d was written by a newer mcpdb (this one reads %d)",
		    mpath, f->valueint, BACKUP_FORMAT_VERSION));
	for (i = 0; i < sizeof(strs) / sizeof(strs[0]); i++)
		if (!cJSON_IsString(cJSON_GetObjectItem(doc, strs[i])))
			return (mc_err_set(err, MC_E_INPUT, "%s: %s: expected a string", mpath, strs[i]));
	d = cJSON_GetObjectItem(doc, "dump");
	if (!cJSON_IsObject(d) || !cJSON_IsString(cJSON_GetObjectItem(d, "file")) ||
	    strcmp(cJSON_GetObjectItem(d, "file")->valuestring, BACKUP_DUMP_NAME) != 0 ||
	    !cJSON_IsNumber(cJSON_GetObjectItem(d, "bytes")) ||
	    !cJSON_IsString(cJSON_GetObjectItem(d, "sha256")) ||
	    strlen(cJSON_GetObjectItem(d, "sha256")->valuestring) != 64)
		return (mc_err_set(err, MC_E_INPUT,
		    "%s: dump: expected {\"file\": \"%s\", \"bytes\": N, \"sha256\": 64 hex digits}",
		    mpath, BACKUP_DUMP_NAME));
	s = cJSON_GetObjectItem(doc, "schemas");
	if (!cJSON_IsArray(s) || cJSON_GetArraySize(s) == 0)
		return (mc_err_set(err, MC_E_INPUT, "%s: schemas: expected a non-empty array", mpath));
	i = 0;
	cJSON_ArrayForEach(x, s) {
		const cJSON	*t, *e, *req;

		if (!cJSON_IsObject(x) || !cJSON_IsString(cJSON_GetObjectItem(x, "name")) ||
		    !cJSON_IsString(cJSON_GetObjectItem(x, "owner")) ||
		    !cJSON_IsArray(t = cJSON_GetObjectItem(x, "tables")) ||
		    !bk_strings(cJSON_GetObjectItem(x, "roles")) ||
		    !bk_strings(cJSON_GetObjectItem(x, "platform_usage")) ||
		    !cJSON_IsObject(req = cJSON_GetObjectItem(x, "requires")) ||
		    !cJSON_IsArray(cJSON_GetObjectItem(x, "ledger")))
			return (mc_err_set(err, MC_E_INPUT,
			    "%s: schemas[%zu]: expected name, owner, tables, roles, platform_usage, requires and ledger",
			    mpath, i));
		for (k = 0; k < BK_NREQ; k++)
			if (!bk_strings(cJSON_GetObjectItem(req, bk_req_kinds[k])))
				return (mc_err_set(err, MC_E_INPUT, "%s: schemas[%zu].requires.%s: expected an array of strings",
				    mpath, i, bk_req_kinds[k]));
		cJSON_ArrayForEach(e, t)
			if (!cJSON_IsObject(e) || !cJSON_IsString(cJSON_GetObjectItem(e, "name")) ||
			    !cJSON_IsNumber(cJSON_GetObjectItem(e, "rows")) ||
			    cJSON_GetObjectItem(e, "rows")->valuedouble < 0)
				return (mc_err_set(err, MC_E_INPUT,
				    "%s: schemas[%zu].tables: expected {\"name\": ..., \"rows\": N} entries",
				    mpath, i));
		i++;
	}
	return (0);
}

/* A string field of an object (known to be there after bk_manifest_check). */
static const char *
bk_str(const cJSON *o, const char *key)
{
	return (cJSON_GetObjectItem(o, key)->valuestring);
}

/* Does the TOC of dump have the entry "kind schema[.table]"? */
static bool
bk_toc_has(const struct table *toc, const char *kind, const char *name)
{
	size_t	i;

	for (i = 0; i < toc->nrows; i++)
		if (strcmp(table_cell(toc, i, 0), kind) == 0 && strcmp(table_cell(toc, i, 1), name) == 0)
			return (true);
	return (false);
}

/*
 * Run pg_restore --list on dump; collect "SCHEMA name" and "TABLE DATA
 * schema.table" entries into toc and count all entries.
 */
static int
bk_toc(const char *dump, struct table *toc, int *nentries, struct mc_err *err)
{
	struct bk_child	 ch;
	char		*argv[] = { "pg_restore", "--list", (char *)dump, NULL }, chunk[8192];
	struct buf	 b;
	ssize_t		 n;
	char		*line, *save = NULL;

	if (bk_spawn(&ch, "pg_restore", argv, environ, true, err) != 0)
		return (-1);
	buf_init(&b);
	while ((n = read(ch.out, chunk, sizeof(chunk))) > 0 || (n < 0 && errno == EINTR))
		if (n > 0)
			buf_append(&b, chunk, (size_t)n);
	if (bk_child_wait(&ch, err) != 0) {
		buf_done(&b);
		return (-1);
	}
	*nentries = 0;
	for (line = strtok_r(b.data, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save)) {
		char	*p, ns[256], name[256];

		if (line[0] == ';' || (p = strchr(line, ';')) == NULL)
			continue;
		(*nentries)++;
		/* "ID; CATOID OID TYPE NAMESPACE NAME OWNER" */
		p++;
		while (*p == ' ')
			p++;
		p += strcspn(p, " ");
		p += strspn(p, " ");
		p += strcspn(p, " ");
		p += strspn(p, " ");
		if (strncmp(p, "SCHEMA - ", 9) == 0 && sscanf(p + 9, "%255s", name) == 1)
			table_add(toc, "schema", name);
		else if (strncmp(p, "TABLE DATA ", 11) == 0 &&
		    sscanf(p + 11, "%255s %255s", ns, name) == 2) {
			char	*full = xasprintf("%s.%s", ns, name);

			table_add(toc, "data", full);
			free(full);
		}
	}
	buf_done(&b);
	return (0);
}

/* Parse and check the backup at path; *doc is the manifest. */
static int
bk_verify(const char *path, const struct backup_opts *o, cJSON **docp,
    struct backup_report **rep, struct mc_err *err)
{
	struct backup_report	*r = xcalloc(1, sizeof(*r));
	struct table		*toc = table_new("toc", 2, "kind", "name");
	struct stat		 st;
	char			*mpath = xasprintf("%s/%s", path, BACKUP_MANIFEST_NAME);
	char			*dump = xasprintf("%s/%s", path, BACKUP_DUMP_NAME);
	char			*text = NULL, hex[2 * EVP_MAX_MD_SIZE + 1];
	const cJSON		*d, *s, *x;
	cJSON			*doc = NULL;
	long long		 size;
	int64_t			 t0 = clk_mono_us();

	*docp = NULL;
	*rep = NULL;
	r->path = xstrdup(path);
	r->tables = table_new("tables", 4, "schema", "table", "rows", "restored");
	if (stat(path, &st) != 0) {
		mc_err_sys(err, "%s", path);
		bk_err_code(err, MC_E_NOTFOUND);
		goto fail;
	}
	if (!S_ISDIR(st.st_mode) || access(mpath, F_OK) != 0) {
		mc_err_set(err, MC_E_INPUT,
		    "%s: not an mcpdb backup (a backup is a directory with %s and %s)",
		    path, BACKUP_MANIFEST_NAME, BACKUP_DUMP_NAME);
		goto fail;
	}
	if ((text = bk_slurp(mpath, err)) == NULL)
		goto fail;
	if ((doc = cJSON_Parse(text)) == NULL) {
		mc_err_set(err, MC_E_INPUT, "%s: not valid JSON (truncated or damaged)", mpath);
		goto fail;
	}
	if (bk_manifest_check(doc, mpath, err) != 0)
		goto fail;
	d = cJSON_GetObjectItem(doc, "dump");
	bk_progress(o, "verify %s: checksum", path);
	if (bk_sha256_file(dump, hex, &size, err) != 0) {
		bk_err_code(err, MC_E_INPUT);
		goto fail;
	}
	if (size != (long long)cJSON_GetObjectItem(d, "bytes")->valuedouble) {
		mc_err_set(err, MC_E_INPUT, "%s: %lld bytes, the manifest says %.0f: truncated or damaged",
		    dump, size, cJSON_GetObjectItem(d, "bytes")->valuedouble);
		goto fail;
	}
	if (strcmp(hex, bk_str(d, "sha256")) != 0) {
		mc_err_set(err, MC_E_INPUT, "%s: SHA-256 %.12s... does not match the manifest's %.12s...: damaged or altered",
		    dump, hex, bk_str(d, "sha256"));
		goto fail;
	}
	r->sha256 = xstrdup(hex);
	r->bytes = size;
	r->created_at = xstrdup(bk_str(doc, "created_at"));
	r->database = xstrdup(bk_str(doc, "database"));
	r->server_version = xstrdup(bk_str(doc, "server_version"));
	bk_progress(o, "verify %s: reading the archive's table of contents", path);
	if ((r->tool_version = bk_tool_version("pg_restore", err)) == NULL)
		goto fail;
	if (backup_tool_major(r->tool_version) < backup_tool_major(bk_str(doc, "pg_dump_version"))) {
		mc_err_set(err, MC_E_STATE,
		    "pg_restore is older than the pg_dump that wrote %s: \"%s\" vs \"%s\"; "
		    "install a newer postgresql-client or set MCPDB_PG_BINDIR",
		    path, r->tool_version, bk_str(doc, "pg_dump_version"));
		goto fail;
	}
	if (bk_toc(dump, toc, &r->toc_entries, err) != 0) {
		mc_err_prefix(err, "%s: pg_restore --list cannot read it: ", dump);
		bk_err_code(err, MC_E_INPUT);
		goto fail;
	}
	s = cJSON_GetObjectItem(doc, "schemas");
	cJSON_ArrayForEach(x, s) {
		const char	*name = bk_str(x, "name");
		const cJSON	*t;
		size_t		 i, ntab = 0, ndata = 0;

		if (!bk_toc_has(toc, "schema", name)) {
			mc_err_set(err, MC_E_INPUT, "%s: schema %s is in the manifest but not in %s",
			    path, name, BACKUP_DUMP_NAME);
			goto fail;
		}
		cJSON_ArrayForEach(t, cJSON_GetObjectItem(x, "tables")) {
			char	*full = xasprintf("%s.%s", name, bk_str(t, "name")), rows[32];
			bool	 has = bk_toc_has(toc, "data", full);

			if (!has) {
				mc_err_set(err, MC_E_INPUT, "%s: table %s is in the manifest but not in %s",
				    path, full, BACKUP_DUMP_NAME);
				free(full);
				goto fail;
			}
			free(full);
			snprintf(rows, sizeof(rows), "%.0f", cJSON_GetObjectItem(t, "rows")->valuedouble);
			table_add(r->tables, name, bk_str(t, "name"), rows, "");
			r->rows += (long long)cJSON_GetObjectItem(t, "rows")->valuedouble;
			ntab++;
		}
		for (i = 0; i < toc->nrows; i++)
			if (strcmp(table_cell(toc, i, 0), "data") == 0 &&
			    strncmp(table_cell(toc, i, 1), name, strlen(name)) == 0 &&
			    table_cell(toc, i, 1)[strlen(name)] == '.')
				ndata++;
		if (ndata != ntab) {
			mc_err_set(err, MC_E_INPUT, "%s: schema %s has %zu tables with data in %s, the manifest lists %zu",
			    path, name, ndata, BACKUP_DUMP_NAME, ntab);
			goto fail;
		}
		r->schemas = xreallocarray(r->schemas, r->nschemas + 1, sizeof(char *));
		r->schemas[r->nschemas++] = xstrdup(name);
	}
	{
		size_t	i, nsch = 0;

		for (i = 0; i < toc->nrows; i++)
			if (strcmp(table_cell(toc, i, 0), "schema") == 0)
				nsch++;
		if (nsch != r->nschemas) {
			mc_err_set(err, MC_E_INPUT, "%s: %s has %zu schemas, the manifest lists %zu",
			    path, BACKUP_DUMP_NAME, nsch, r->nschemas);
			goto fail;
		}
	}
	r->secs = (double)(clk_mono_us() - t0) / 1e6;
	table_free(toc);
	free(text);
	free(mpath);
	free(dump);
	*docp = doc;
	*rep = r;
	return (0);
fail:
	table_free(toc);
	cJSON_Delete(doc);
	free(text);
	free(mpath);
	free(dump);
	backup_report_free(r);
	return (-1);
}

int
backup_verify(const char *path, const struct backup_opts *o, struct backup_report **rep,
    struct mc_err *err)
{
	cJSON	*doc;

	if (bk_verify(path, o, &doc, rep, err) != 0)
		return (-1);
	cJSON_Delete(doc);
	return (0);
}

/* ---------------------------------------------------------------- restore */

/* The SQL player: pg_restore's script, entry by entry, into one session. */
struct bk_play {
	PGconn			*c;
	const struct backup_opts *o;
	const char		*only;		/* restore only this schema, or NULL */
	struct buf		 line;		/* a partial line */
	struct buf		 sql;		/* statements of the current entry */
	bool			 keep;		/* the current entry is restored */
	bool			 data_next;	/* a "Data for Name" header was seen */
	bool			 in_copy;
	bool			 copy_keep;
	char			 what[300];	/* the current entry, for errors */
	int			 done, total;
	long long		 bytes;
	int64_t			 last;
	struct mc_err		*err;
	bool			 failed;
};

/* Send the statements gathered for the current entry. */
static int
bk_play_flush(struct bk_play *p)
{
	PGresult	*res;
	ExecStatusType	 st;

	if (p->sql.len == 0 || p->failed)
		goto out;
	res = PQexec(p->c, p->sql.data);
	st = PQresultStatus(res);
	if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK && st != PGRES_EMPTY_QUERY) {
		mc_err_pg(p->err, p->c, res);
		mc_err_prefix(p->err, "restoring %s: ", p->what[0] ? p->what : "the preamble");
		p->failed = true;
	}
	PQclear(res);
out:
	buf_reset(&p->sql);
	return (p->failed ? -1 : 0);
}

/* Is a header entry ("Name: N; Type: T; Schema: S; Owner: O") one to restore? */
static bool
bk_play_select(struct bk_play *p, const char *hdr)
{
	const char	*n, *ty, *sc;
	char		 name[256], type[64], schema[256];

	if (p->only == NULL)
		return (true);
	if ((n = strstr(hdr, "Name: ")) == NULL || (ty = strstr(hdr, "; Type: ")) == NULL ||
	    (sc = strstr(hdr, "; Schema: ")) == NULL)
		return (true);
	snprintf(name, sizeof(name), "%.*s", (int)(ty - n - 6), n + 6);
	snprintf(type, sizeof(type), "%.*s", (int)(sc - ty - 8), ty + 8);
	snprintf(schema, sizeof(schema), "%.*s", (int)strcspn(sc + 10, ";"), sc + 10);
	if (strcmp(schema, p->only) == 0)
		return (true);
	if (strcmp(schema, "-") != 0)
		return (false);
	if (strcmp(type, "SCHEMA") == 0)
		return (strcmp(name, p->only) == 0);
	return (strncmp(name, "SCHEMA ", 7) == 0 && strcmp(name + 7, p->only) == 0);
}

/* Show "restore: tables N/M, X MB". */
static void
bk_play_progress(struct bk_play *p)
{
	bk_progress(p->o, "restore: tables %d/%d, %.1f MB", p->done, p->total,
	    (double)p->bytes / 1e6);
	p->last = clk_mono_us();
}

/* One complete line of the script (without its newline). */
static int
bk_play_line(struct bk_play *p, const char *s, size_t len)
{
	PGresult	*res;

	if (p->failed)
		return (-1);
	if (p->in_copy) {
		if (len == 2 && s[0] == '\\' && s[1] == '.') {
			p->in_copy = false;
			if (!p->copy_keep)
				return (0);
			if (PQputCopyEnd(p->c, NULL) != 1) {
				mc_err_pg(p->err, p->c, NULL);
				p->failed = true;
			}
			while ((res = PQgetResult(p->c)) != NULL) {
				if (!p->failed && PQresultStatus(res) != PGRES_COMMAND_OK) {
					mc_err_pg(p->err, p->c, res);
					mc_err_prefix(p->err, "restoring %s: ", p->what);
					p->failed = true;
				}
				PQclear(res);
			}
			p->done++;
			bk_play_progress(p);
			return (p->failed ? -1 : 0);
		}
		if (p->copy_keep && (PQputCopyData(p->c, s, (int)len) != 1 ||
		    PQputCopyData(p->c, "\n", 1) != 1)) {
			mc_err_pg(p->err, p->c, NULL);
			mc_err_prefix(p->err, "restoring %s: ", p->what);
			p->failed = true;
			return (-1);
		}
		return (0);
	}
	if (len >= 9 && (strncmp(s, "-- Name: ", 9) == 0 ||
	    (len >= 18 && strncmp(s, "-- Data for Name: ", 18) == 0))) {
		if (bk_play_flush(p) != 0)
			return (-1);
		snprintf(p->what, sizeof(p->what), "%.*s", (int)(len - 3), s + 3);
		p->keep = bk_play_select(p, p->what);
		p->data_next = strncmp(s, "-- Data", 7) == 0;
		return (0);
	}
	if (p->data_next && len > 5 && strncmp(s, "COPY ", 5) == 0 && len > 12 &&
	    strncmp(s + len - 12, " FROM stdin;", 12) == 0) {
		char	*copy;

		if (bk_play_flush(p) != 0)
			return (-1);
		p->data_next = false;
		p->in_copy = true;
		p->copy_keep = p->keep;
		if (!p->keep)
			return (0);
		copy = xstrndup(s, len);
		res = PQexec(p->c, copy);
		free(copy);
		if (PQresultStatus(res) != PGRES_COPY_IN) {
			mc_err_pg(p->err, p->c, res);
			mc_err_prefix(p->err, "restoring %s: ", p->what);
			p->failed = true;
			PQclear(res);
			return (-1);
		}
		PQclear(res);
		return (0);
	}
	if (len > 0 && s[0] == '\\') {
		/* pg_dump 15.14+ brackets the script with \restrict KEY ... \unrestrict KEY */
		if ((len > 10 && strncmp(s, "\\restrict ", 10) == 0) ||
		    (len > 12 && strncmp(s, "\\unrestrict ", 12) == 0))
			return (0);
		mc_err_set(p->err, MC_E_INPUT, "restoring %s: unexpected line \"%.40s\" in pg_restore's output",
		    p->what, s);
		p->failed = true;
		return (-1);
	}
	if (p->keep) {
		buf_append(&p->sql, s, len);
		buf_putc(&p->sql, '\n');
	}
	return (0);
}

/* Feed n bytes of the script. */
static int
bk_play_feed(struct bk_play *p, const char *data, size_t n)
{
	const char	*nl, *s = data, *end = data + n;

	p->bytes += (long long)n;
	while (s < end && (nl = memchr(s, '\n', (size_t)(end - s))) != NULL) {
		int	rc;

		if (p->in_copy && p->copy_keep && p->line.len == 0 &&
		    !(nl - s == 2 && s[0] == '\\' && s[1] == '.')) {
			/* a run of COPY data lines goes in one call */
			const char	*run = s;

			while (s < end && (nl = memchr(s, '\n', (size_t)(end - s))) != NULL &&
			    !(nl - s == 2 && s[0] == '\\' && s[1] == '.'))
				s = nl + 1;
			if (PQputCopyData(p->c, run, (int)(s - run)) != 1) {
				mc_err_pg(p->err, p->c, NULL);
				mc_err_prefix(p->err, "restoring %s: ", p->what);
				p->failed = true;
				return (-1);
			}
			continue;
		}
		if (p->line.len > 0) {
			buf_append(&p->line, s, (size_t)(nl - s));
			rc = bk_play_line(p, p->line.data, p->line.len);
			buf_reset(&p->line);
		} else
			rc = bk_play_line(p, s, (size_t)(nl - s));
		if (rc != 0)
			return (-1);
		s = nl + 1;
	}
	if (s < end)
		buf_append(&p->line, s, (size_t)(end - s));
	if (clk_mono_us() - p->last >= BK_TICK_MS * 1000)
		bk_play_progress(p);
	return (0);
}

/* Append item to the comma-separated list b unless it is there already. */
static void
bk_list_add(struct buf *b, const char *kind, const char *name)
{
	char	*item = xasprintf("%s %s", kind, name);
	char	*p = b->data;
	size_t	 len = strlen(item);
	bool	 dup = false;

	while (!dup && (p = strstr(p, item)) != NULL) {
		dup = (p == b->data || p[-1] == ' ') && (p[len] == '\0' || p[len] == ',');
		p += len;
	}
	if (!dup)
		buf_printf(b, "%s%s", b->len ? ", " : "", item);
	free(item);
}

/* Check that every role and outside object a schema needs exists; list what is missing. */
static int
bk_check_needs(PGconn *c, const cJSON *s, struct buf *missing, struct mc_err *err)
{
	static const char *const sql[BK_NREQ] = {
		"SELECT count(*) FROM pg_catalog.pg_namespace WHERE nspname = $1",
		"SELECT count(*) FROM pg_catalog.pg_extension WHERE extname = $1",
		"SELECT count(*) FROM (SELECT pg_catalog.to_regtype($1) AS t) x WHERE t IS NOT NULL",
		"SELECT count(*) FROM (SELECT pg_catalog.to_regprocedure($1) AS p) x WHERE p IS NOT NULL",
	};
	static const char *const label[BK_NREQ] = { "schema", "extension", "type", "function" };
	const cJSON	*e, *req = cJSON_GetObjectItem(s, "requires");
	const char	*params[1];
	char		*v;
	int		 k;

	cJSON_ArrayForEach(e, cJSON_GetObjectItem(s, "roles")) {
		params[0] = e->valuestring;
		if ((v = bk_value(c, "SELECT count(*) FROM pg_catalog.pg_roles WHERE rolname = $1", 1,
		    params, err)) == NULL)
			return (-1);
		if (strcmp(v, "0") == 0)
			bk_list_add(missing, "role", e->valuestring);
		free(v);
	}
	for (k = 0; k < BK_NREQ; k++) {
		cJSON_ArrayForEach(e, cJSON_GetObjectItem(req, bk_req_kinds[k])) {
			params[0] = e->valuestring;
			if ((v = bk_value(c, sql[k], 1, params, err)) == NULL)
				return (-1);
			if (strcmp(v, "0") == 0)
				bk_list_add(missing, label[k], e->valuestring);
			free(v);
		}
	}
	return (0);
}

/*
 * Play pg_restore's script of dump (already checked) into c, inside the
 * caller's transaction.
 */
static int
bk_play_dump(PGconn *c, const char *dump, const char *only, int ntables,
    const struct backup_opts *o, struct mc_err *err)
{
	struct bk_play	 p;
	struct bk_child	 ch;
	struct pollfd	 pfd[2];
	char		*argv[] = { "pg_restore", "--file=-", (char *)dump, NULL }, chunk[65536];
	bool		 out_eof = false, err_eof = false;
	ssize_t		 n;
	int		 rc = 0, i;

	memset(&p, 0, sizeof(p));
	p.c = c;
	p.o = o;
	p.only = only;
	p.keep = true;
	p.total = ntables;
	p.err = err;
	buf_init(&p.line);
	buf_init(&p.sql);
	if (bk_spawn(&ch, "pg_restore", argv, environ, true, err) != 0) {
		buf_done(&p.line);
		buf_done(&p.sql);
		return (-1);
	}
	bk_play_progress(&p);
	while (!out_eof || !err_eof) {
		int	np = 0;

		if (!out_eof) {
			pfd[np].fd = ch.out;
			pfd[np++].events = POLLIN;
		}
		if (!err_eof) {
			pfd[np].fd = ch.errfd;
			pfd[np++].events = POLLIN;
		}
		if (bk_stopped(o)) {
			bk_child_kill(&ch);
			rc = mc_err_set(err, MC_E_CANCELLED, "restore interrupted");
			goto out;
		}
		if (poll(pfd, (nfds_t)np, BK_TICK_MS) <= 0)
			continue;
		for (i = 0; i < np; i++) {
			if (pfd[i].revents == 0)
				continue;
			if (pfd[i].fd == ch.errfd) {
				err_eof = bk_child_stderr(&ch, NULL, NULL) == 1;
				continue;
			}
			n = read(ch.out, chunk, sizeof(chunk));
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0) {
				out_eof = true;
				continue;
			}
			if (bk_play_feed(&p, chunk, (size_t)n) != 0) {
				bk_child_kill(&ch);
				rc = -1;
				goto out;
			}
		}
	}
	if ((rc = bk_child_wait(&ch, err)) != 0)
		goto out;
	if (p.line.len > 0 || p.in_copy) {
		rc = mc_err_set(err, MC_E_INPUT, "restoring %s: pg_restore's output ended mid-entry",
		    p.what);
		goto out;
	}
	rc = bk_play_flush(&p);
	if (rc == 0)
		bk_play_progress(&p);
out:
	buf_done(&p.line);
	buf_done(&p.sql);
	return (rc);
}

/*
 * Objects of other schemas that depend on objects of schema $1 (views,
 * foreign keys, columns, functions, triggers, defaults): what DROP SCHEMA
 * CASCADE would take with it. One description per row.
 */
static const char bk_sql_dependents[] =
    "WITH s AS (SELECT oid FROM pg_catalog.pg_namespace WHERE nspname = $1),"
    " inner_objs AS ("
    "  SELECT 'pg_catalog.pg_class'::pg_catalog.regclass AS cls, c.oid FROM pg_catalog.pg_class c, s WHERE c.relnamespace = s.oid"
    "  UNION ALL SELECT 'pg_catalog.pg_type'::pg_catalog.regclass, t.oid FROM pg_catalog.pg_type t, s WHERE t.typnamespace = s.oid"
    "  UNION ALL SELECT 'pg_catalog.pg_proc'::pg_catalog.regclass, p.oid FROM pg_catalog.pg_proc p, s WHERE p.pronamespace = s.oid),"
    " deps AS (SELECT d.classid, d.objid, d.objsubid FROM pg_catalog.pg_depend d"
    "   JOIN inner_objs i ON i.cls = d.refclassid AND i.oid = d.refobjid WHERE d.deptype IN ('n', 'a')),"
    " owners AS ("
    "  SELECT deps.*, CASE deps.classid"
    "    WHEN 'pg_catalog.pg_class'::pg_catalog.regclass THEN (SELECT relnamespace FROM pg_catalog.pg_class WHERE oid = deps.objid)"
    "    WHEN 'pg_catalog.pg_type'::pg_catalog.regclass THEN (SELECT typnamespace FROM pg_catalog.pg_type WHERE oid = deps.objid)"
    "    WHEN 'pg_catalog.pg_proc'::pg_catalog.regclass THEN (SELECT pronamespace FROM pg_catalog.pg_proc WHERE oid = deps.objid)"
    "    WHEN 'pg_catalog.pg_constraint'::pg_catalog.regclass THEN (SELECT connamespace FROM pg_catalog.pg_constraint WHERE oid = deps.objid)"
    "    WHEN 'pg_catalog.pg_rewrite'::pg_catalog.regclass THEN (SELECT c.relnamespace FROM pg_catalog.pg_rewrite r"
    "      JOIN pg_catalog.pg_class c ON c.oid = r.ev_class WHERE r.oid = deps.objid)"
    "    WHEN 'pg_catalog.pg_trigger'::pg_catalog.regclass THEN (SELECT c.relnamespace FROM pg_catalog.pg_trigger g"
    "      JOIN pg_catalog.pg_class c ON c.oid = g.tgrelid WHERE g.oid = deps.objid)"
    "    WHEN 'pg_catalog.pg_attrdef'::pg_catalog.regclass THEN (SELECT c.relnamespace FROM pg_catalog.pg_attrdef a"
    "      JOIN pg_catalog.pg_class c ON c.oid = a.adrelid WHERE a.oid = deps.objid)"
    "    END AS nsp FROM deps)"
    " SELECT DISTINCT CASE WHEN o.classid = 'pg_catalog.pg_rewrite'::pg_catalog.regclass"
    "   THEN (SELECT pg_catalog.format('view %s', r.ev_class::pg_catalog.regclass) FROM pg_catalog.pg_rewrite r WHERE r.oid = o.objid)"
    "   ELSE pg_catalog.pg_describe_object(o.classid, o.objid, o.objsubid) END"
    " FROM owners o, s WHERE o.nsp IS NOT NULL AND o.nsp <> s.oid ORDER BY 1 LIMIT 20";

/* Refuse --clean when DROP SCHEMA CASCADE would reach into other schemas. */
static int
bk_check_dependents(PGconn *c, const char *name, struct mc_err *err)
{
	const char	*params[1] = { name };
	PGresult	*res = pgq_query(c, bk_sql_dependents, 1, params, err);
	struct buf	 b;
	int		 i;

	if (res == NULL)
		return (-1);
	if (PQntuples(res) == 0) {
		PQclear(res);
		return (0);
	}
	buf_init(&b);
	for (i = 0; i < PQntuples(res); i++)
		buf_printf(&b, "%s%s", i ? ", " : "", PQgetvalue(res, i, 0));
	PQclear(res);
	mc_err_set(err, MC_E_STATE,
	    "--clean would also drop objects of other schemas that depend on schema %s: %s; "
	    "drop or change them first; nothing was changed", name, b.data);
	buf_done(&b);
	return (-1);
}

/* Tables and rows of an existing schema ("" when it does not exist). */
static int
bk_existing(PGconn *c, const char *name, int *exists, int *nobjs, int *ntables, struct mc_err *err)
{
	const char	*params[1] = { name };
	PGresult	*res;

	res = pgq_query(c, "SELECT count(*),"
	    " coalesce(sum((SELECT count(*) FROM pg_catalog.pg_class c WHERE c.relnamespace = n.oid)"
	    "   + (SELECT count(*) FROM pg_catalog.pg_proc p WHERE p.pronamespace = n.oid)"
	    "   + (SELECT count(*) FROM pg_catalog.pg_type t WHERE t.typnamespace = n.oid)"
	    "   + (SELECT count(*) FROM pg_catalog.pg_operator o WHERE o.oprnamespace = n.oid)"
	    "   + (SELECT count(*) FROM pg_catalog.pg_collation l WHERE l.collnamespace = n.oid)), 0),"
	    " coalesce(sum((SELECT count(*) FROM pg_catalog.pg_class c WHERE c.relnamespace = n.oid"
	    "   AND c.relkind IN ('r', 'p'))), 0)"
	    " FROM pg_catalog.pg_namespace n WHERE n.nspname = $1", 1, params, err);
	if (res == NULL)
		return (-1);
	*exists = atoi(PQgetvalue(res, 0, 0));
	*nobjs = atoi(PQgetvalue(res, 0, 1));
	*ntables = atoi(PQgetvalue(res, 0, 2));
	PQclear(res);
	return (0);
}

/* Count the restored rows of every manifest table; false when any differs. */
static int
bk_recount(PGconn *c, struct backup_report *r, struct buf *diff, struct mc_err *err)
{
	size_t	i;

	r->counts_match = true;
	for (i = 0; i < r->tables->nrows; i++) {
		const char	*s = table_cell(r->tables, i, 0), *t = table_cell(r->tables, i, 1);
		char		*si = pgq_ident(c, s, err), *ti, *sql, *v;

		if (si == NULL)
			return (-1);
		if ((ti = pgq_ident(c, t, err)) == NULL) {
			free(si);
			return (-1);
		}
		sql = xasprintf("SELECT count(*) FROM ONLY %s.%s", si, ti);
		v = bk_value(c, sql, 0, NULL, err);
		free(sql);
		free(si);
		free(ti);
		if (v == NULL)
			return (-1);
		free(r->tables->cells[i * r->tables->ncols + 3]);
		r->tables->cells[i * r->tables->ncols + 3] = v;
		if (strcmp(v, table_cell(r->tables, i, 2)) != 0) {
			r->counts_match = false;
			buf_printf(diff, "%s%s.%s: %s in the backup, %s restored", diff->len ? ", " : "",
			    s, t, table_cell(r->tables, i, 2), v);
		}
	}
	return (0);
}

int
backup_restore(const struct conf_target *t, const char *path, const struct backup_opts *o,
    struct backup_report **rep, struct mc_err *err)
{
	struct backup_report	*r = NULL;
	cJSON			*doc = NULL, *x;
	PGconn			*c = NULL;
	struct buf		 missing, what, diff;
	char			*dump = xasprintf("%s/%s", path, BACKUP_DUMP_NAME), *v, *sql;
	int64_t			 t0 = clk_mono_us();
	bool			 in_tx = false;
	int			 ntables = 0, ndrop = 0;
	size_t			 i;

	*rep = NULL;
	buf_init(&missing);
	buf_init(&what);
	buf_init(&diff);
	if (bk_verify(path, o, &doc, &r, err) != 0)
		goto fail;
	if (o->schema != NULL) {
		bool	found = false;

		for (i = 0; i < r->nschemas; i++) {
			found = found || strcmp(r->schemas[i], o->schema) == 0;
			buf_printf(&what, "%s%s", i ? ", " : "", r->schemas[i]);
		}
		if (!found) {
			mc_err_set(err, MC_E_NOTFOUND, "--schema %s: not in backup %s (it holds %s)",
			    o->schema, path, what.data);
			goto fail;
		}
		buf_reset(&what);
		/* keep only the selected schema's tables */
		{
			struct table	*kept = table_new("tables", 4, "schema", "table", "rows", "restored");

			r->rows = 0;
			for (i = 0; i < r->tables->nrows; i++) {
				if (strcmp(table_cell(r->tables, i, 0), o->schema) != 0)
					continue;
				table_add(kept, table_cell(r->tables, i, 0), table_cell(r->tables, i, 1),
				    table_cell(r->tables, i, 2), "");
				r->rows += atoll(table_cell(r->tables, i, 2));
			}
			table_free(r->tables);
			r->tables = kept;
		}
		for (i = 0; i < r->nschemas; i++)
			free(r->schemas[i]);
		r->schemas[0] = xstrdup(o->schema);
		r->nschemas = 1;
	}
	if ((c = pgq_connect(t, "restore", err)) == NULL)
		goto fail;
	PQsetNoticeProcessor(c, bk_notice, (void *)o);
	free(r->tool_version);
	if ((r->tool_version = bk_tool_check("pg_restore", c, err)) == NULL)
		goto fail;
	/* Everything the schemas need, and what is in the way, before touching anything. */
	cJSON_ArrayForEach(x, cJSON_GetObjectItem(doc, "schemas")) {
		const char	*name = bk_str(x, "name");
		int		 exists, nobjs, ntab;

		if (o->schema != NULL && strcmp(name, o->schema) != 0)
			continue;
		if (bk_check_needs(c, x, &missing, err) != 0)
			goto fail;
		if (bk_existing(c, name, &exists, &nobjs, &ntab, err) != 0)
			goto fail;
		if (exists && nobjs > 0 && !o->clean) {
			mc_err_set(err, MC_E_STATE,
			    "schema %s already exists in database %s and is not empty (%d tables, %d objects): "
			    "pass --clean to replace it (dropped and restored in one transaction); nothing was changed",
			    name, PQdb(c), ntab, nobjs);
			goto fail;
		}
		if (exists && nobjs > 0 && bk_check_dependents(c, name, err) != 0)
			goto fail;
		if (exists) {
			ndrop++;
			if (nobjs > 0)
				buf_printf(&what, "%sreplacing schema %s (%d tables)", what.len ? ", " : "",
				    name, ntab);
		}
		ntables += cJSON_GetArraySize(cJSON_GetObjectItem(x, "tables"));
	}
	if (missing.len > 0) {
		mc_err_set(err, MC_E_STATE,
		    "database %s lacks what the backup needs: %s; create them first (doc/backup.md); nothing was changed",
		    PQdb(c), missing.data);
		goto fail;
	}
	if (o->confirm != NULL) {
		struct buf	q;
		int		rc;

		buf_init(&q);
		buf_printf(&q, "restore ");
		for (i = 0; i < r->nschemas; i++)
			buf_printf(&q, "%s%s", i ? "+" : "", r->schemas[i]);
		buf_printf(&q, " (%zu tables, %lld rows) from %s into database %s%s%s", r->tables->nrows,
		    r->rows, path, PQdb(c), what.len ? ", " : "", what.len ? what.data : "");
		rc = o->confirm(o->arg, q.data, err);
		buf_done(&q);
		if (rc != 0)
			goto fail;
	}
	if (pgq_exec(c, "BEGIN", err) != 0)
		goto fail;
	in_tx = true;
	sql = xasprintf("SET LOCAL lock_timeout = %d", t->migrate.ddl_lock_timeout_ms);
	if (pgq_exec(c, sql, err) != 0) {
		free(sql);
		goto fail;
	}
	free(sql);
	for (i = 0; i < r->nschemas; i++) {
		int	exists, nobjs, ntab;
		char	*si;

		if (bk_existing(c, r->schemas[i], &exists, &nobjs, &ntab, err) != 0)
			goto fail;
		if (!exists)
			continue;
		if ((si = pgq_ident(c, r->schemas[i], err)) == NULL)
			goto fail;
		bk_progress(o, "restore: dropping schema %s", r->schemas[i]);
		sql = xasprintf("DROP SCHEMA %s %s", si, o->clean ? "CASCADE" : "RESTRICT");
		free(si);
		if (pgq_exec(c, "SET LOCAL client_min_messages = warning", NULL) != 0 ||
		    pgq_exec(c, sql, err) != 0) {
			free(sql);
			mc_err_prefix(err, "dropping schema %s: ", r->schemas[i]);
			goto fail;
		}
		free(sql);
		r->replaced = r->replaced || nobjs > 0;
	}
	if (bk_play_dump(c, dump, o->schema, ntables, o, err) != 0)
		goto fail;
	/* The grant that lives on platform's ACL, not in the dump (doc/backup.md step 4). */
	cJSON_ArrayForEach(x, cJSON_GetObjectItem(doc, "schemas")) {
		const cJSON	*u;

		if (o->schema != NULL && strcmp(bk_str(x, "name"), o->schema) != 0)
			continue;
		cJSON_ArrayForEach(u, cJSON_GetObjectItem(x, "platform_usage")) {
			char	*ri = pgq_ident(c, u->valuestring, err);

			if (ri == NULL)
				goto fail;
			sql = xasprintf("GRANT USAGE ON SCHEMA platform TO %s", ri);
			free(ri);
			if (pgq_exec(c, sql, err) != 0) {
				free(sql);
				mc_err_prefix(err, "re-granting USAGE on platform: ");
				goto fail;
			}
			free(sql);
		}
	}
	bk_progress(o, "restore: comparing row counts with the manifest");
	if (bk_recount(c, r, &diff, err) != 0)
		goto fail;
	if (!r->counts_match) {
		mc_err_set(err, MC_E_STATE, "row counts differ from the manifest (%s): rolled back, nothing was changed",
		    diff.data);
		goto fail;
	}
	if (bk_stopped(o)) {
		mc_err_set(err, MC_E_CANCELLED, "restore interrupted");
		goto fail;
	}
	if ((v = bk_value(c, "COMMIT", 0, NULL, err)) == NULL) {
		in_tx = false;
		mc_err_prefix(err, "COMMIT: ");
		goto fail;
	}
	free(v);
	in_tx = false;
	r->secs = (double)(clk_mono_us() - t0) / 1e6;
	PQfinish(c);
	cJSON_Delete(doc);
	free(dump);
	buf_done(&missing);
	buf_done(&what);
	buf_done(&diff);
	*rep = r;
	return (0);
fail:
	if (in_tx && PQstatus(c) == CONNECTION_OK)
		pgq_exec(c, "ROLLBACK", NULL);
	if (in_tx && err != NULL && err->code != MC_E_CANCELLED &&
	    strstr(err->msg, "nothing was changed") == NULL) {
		size_t	n = strlen(err->msg);

		snprintf(err->msg + n, sizeof(err->msg) - n, "; rolled back, nothing was changed");
	} else if (in_tx && err != NULL && err->code == MC_E_CANCELLED) {
		size_t	n = strlen(err->msg);

		snprintf(err->msg + n, sizeof(err->msg) - n, "; rolled back, nothing was changed");
	}
	PQfinish(c);
	cJSON_Delete(doc);
	free(dump);
	buf_done(&missing);
	buf_done(&what);
	buf_done(&diff);
	backup_report_free(r);
	return (-1);
}
