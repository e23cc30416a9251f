/*
 * t-log.c - unit tests for log: levels, text and JSON lines, child context,
 * redaction, the file sink, the ring, quiet stderr and many threads.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "log.h"
#include "tap.h"

#define NTHREADS	4
#define NLINES		1000
#define SECRET		"hunter2pw"

static char	tdir[1024];

/* A path inside the test's temporary directory (static buffer per slot). */
static const char *
tpath(const char *name)
{
	static char	paths[16][2048];
	static int	slot;
	char		*p = paths[slot++ % 16];

	snprintf(p, sizeof(paths[0]), "%s/%s", tdir, name);
	return (p);
}

/* The whole file as a string ("" when missing). Caller frees. */
static char *
slurp(const char *path)
{
	FILE	*f = fopen(path, "r");
	char	*s;
	long	 n;

	if (f == NULL)
		return (calloc(1, 1));
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	s = calloc(1, (size_t)n + 1);
	if (fread(s, 1, (size_t)n, f) != (size_t)n)
		s[0] = '\0';
	fclose(f);
	return (s);
}

/* Number of '\n' in s. */
static int
count_lines(const char *s)
{
	int	n = 0;

	for (; *s != '\0'; s++)
		n += (*s == '\n');
	return (n);
}

/* Copy of the last line of the file, without its newline. Caller frees. */
static char *
last_line(const char *path)
{
	char	*s = slurp(path), *e, *b, *out;

	e = s + strlen(s);
	if (e > s && e[-1] == '\n')
		e--;
	for (b = e; b > s && b[-1] != '\n'; b--)
		;
	out = strndup(b, (size_t)(e - b));
	free(s);
	return (out);
}

/* Does s match the extended regular expression re? */
static bool
matches(const char *s, const char *re)
{
	regex_t	rx;
	bool	m;

	if (regcomp(&rx, re, REG_EXTENDED | REG_NOSUB) != 0)
		return (false);
	m = (regexec(&rx, s, 0, NULL, 0) == 0);
	regfree(&rx);
	return (m);
}

#define TS_RE	"[0-9]{4}-[0-9]{2}-[0-9]{2}T" \
		"[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{3}Z"

/* Keys of a JSON object in order, joined by ','. Caller frees. */
static char *
json_keys(const cJSON *o)
{
	const cJSON	*it;
	char		 buf[1024] = "";

	cJSON_ArrayForEach(it, o) {
		if (buf[0] != '\0')
			strncat(buf, ",", sizeof(buf) - strlen(buf) - 1);
		strncat(buf, it->string, sizeof(buf) - strlen(buf) - 1);
	}
	return (strdup(buf));
}

/* String member of a JSON object, or NULL. */
static const char *
json_str(const cJSON *o, const char *key)
{
	const cJSON	*it = cJSON_GetObjectItemCaseSensitive(o, key);

	return (cJSON_IsString(it) ? it->valuestring : NULL);
}

static void
test_parse(void)
{
	struct mc_err	err = { 0 };
	enum log_level	lvl = LOGL_INFO;
	enum log_format	fmt = LOGF_TEXT;

	ok(log_level_parse("TRACE", &lvl, &err) == 0 && lvl == LOGL_TRACE,
	    "level parse is case-insensitive");
	ok(log_level_parse("warning", &lvl, &err) == 0 && lvl == LOGL_WARN,
	    "\"warning\" is warn");
	ok(log_level_parse("off", &lvl, &err) == 0 && lvl == LOGL_OFF,
	    "off parses");
	is_int(log_level_parse("loud", &lvl, &err), -1, "junk level fails");
	like(err.msg, "\"loud\"", "error names the bad value: %s", err.msg);
	ok(log_format_parse("json", &fmt, &err) == 0 && fmt == LOGF_JSON,
	    "json parses");
	is_int(log_format_parse("xml", &fmt, NULL), -1, "junk format fails");
	is_str(log_level_name(LOGL_WARN), "warn", "level names");
}

static void
test_levels_text(void)
{
	struct mc_err	 err = { 0 };
	struct logger	*root = log_new(LOGL_INFO, LOGF_TEXT), *pool, *mig;
	char		*s;

	is_int(log_set_file(root, tpath("levels.log"), &err), 0,
	    "file sink opens");
	log_debug(root, "debug-hidden");
	log_info(root, "info-shown");
	ok(!log_enabled(root, LOGL_DEBUG) && log_enabled(root, LOGL_INFO),
	    "log_enabled follows the level");
	s = slurp(tpath("levels.log"));
	unlike(s, "debug-hidden", "debug not written at info");
	like(s, "info-shown", "info written at info");
	free(s);

	pool = log_child(root, "component", "pool");
	log_set_level(pool, LOGL_TRACE);
	is_int(log_get_level(root), LOGL_TRACE,
	    "a child's set_level reaches the root");
	log_trace(pool, "trace-shown %d", 7);
	s = last_line(tpath("levels.log"));
	ok(matches(s, "^" TS_RE " TRACE pool: trace-shown 7$"),
	    "text line format: %s", s);
	free(s);

	mig = log_child(root, "component", "migrate");
	log_kv(mig, LOGL_WARN, "applied", "version", "0003",
	    "note", "two words", "empty", "", "nl", "a\nb", NULL);
	s = last_line(tpath("levels.log"));
	ok(matches(s, "^" TS_RE " WARN migrate: applied version=0003 "
	    "note=\"two words\" empty=\"\" nl=\"a\\\\nb\"$"),
	    "text line with fields: %s", s);
	free(s);

	log_error(root, "multi\nline\tmessage");
	s = slurp(tpath("levels.log"));
	is_int(count_lines(s), 4, "a newline in a message stays one line");
	like(s, "ERROR multi\\nline\\tmessage\n", "control characters escaped");
	free(s);

	log_set_level(root, LOGL_OFF);
	log_error(root, "off-hidden");
	s = slurp(tpath("levels.log"));
	unlike(s, "off-hidden", "nothing written at off");
	free(s);

	log_free(mig);
	log_free(pool);
	log_free(root);
}

static void
test_json(void)
{
	struct mc_err	 err = { 0 };
	struct logger	*root = log_new(LOGL_DEBUG, LOGF_JSON), *c1, *c2, *c3;
	cJSON		*o;
	char		*s, *keys;

	log_set_file(root, tpath("json.log"), &err);
	c1 = log_child(root, "component", "migrate");
	c2 = log_child(c1, "target", "prod");
	c3 = log_child(c2, "version", "0003");
	log_kv(c3, LOGL_INFO, "applied \"x\"", "ms", "12", "rows", "3", NULL);
	s = last_line(tpath("json.log"));
	o = cJSON_Parse(s);
	ok(o != NULL, "JSON line parses: %s", s);
	keys = json_keys(o);
	is_str(keys, "ts,level,msg,component,target,version,ms,rows",
	    "fields: ts, level, msg, root context first, then call fields");
	ok(json_str(o, "ts") != NULL &&
	    matches(json_str(o, "ts"), "^" TS_RE "$"),
	    "ts is RFC 3339 UTC with milliseconds");
	is_str(json_str(o, "level"), "info", "level");
	is_str(json_str(o, "msg"), "applied \"x\"", "msg");
	is_str(json_str(o, "target"), "prod", "child context field");
	is_str(json_str(o, "ms"), "12", "log_kv field");
	free(keys);
	cJSON_Delete(o);
	free(s);

	/* Repeated keys: innermost wins; fixed fields are never shadowed. */
	log_kv(c3, LOGL_DEBUG, "m", "target", "staging", "msg", "x",
	    "level", "y", NULL);
	s = last_line(tpath("json.log"));
	o = cJSON_Parse(s);
	keys = json_keys(o);
	is_str(keys, "ts,level,msg,component,target,version,"
	    "fields.msg,fields.level",
	    "no duplicate keys");
	is_str(json_str(o, "target"), "staging", "the call's value wins");
	is_str(json_str(o, "msg"), "m", "msg not shadowed");
	free(keys);
	cJSON_Delete(o);
	free(s);

	/* Bad UTF-8 and control characters still give parseable JSON. */
	log_debug(root, "bad \xff\xfe utf8 \x01 and \xc3\xa9");
	s = last_line(tpath("json.log"));
	o = cJSON_Parse(s);
	ok(o != NULL && json_str(o, "msg") != NULL &&
	    strcmp(json_str(o, "msg"), "bad ?? utf8 \x01 and \xc3\xa9") == 0,
	    "invalid UTF-8 replaced, valid kept: %s", s);
	cJSON_Delete(o);
	free(s);
	s = slurp(tpath("json.log"));
	is_int(count_lines(s), 3, "one line per entry");
	free(s);

	log_free(c3);
	log_free(c2);
	log_free(c1);
	log_free(root);
}

static void
test_redaction(void)
{
	struct mc_err	 err = { 0 };
	struct logger	*root, *child;
	struct log_entry e[8];
	enum log_format	 fmt;
	char		*s;
	size_t		 n, k;
	bool		 clean = true;

	for (fmt = LOGF_TEXT; fmt <= LOGF_JSON; fmt++) {
		root = log_new(LOGL_INFO, fmt);
		log_set_file(root, tpath("redact.log"), &err);
		log_set_ring(root, 8);
		child = log_child(root, "redis",
		    "redis://:" SECRET "@cache:6379");
		log_info(root, "connecting to postgres://app:%s@db/app",
		    SECRET);
		log_info(child, "sent AUTH default %s", SECRET);
		log_kv(root, LOGL_INFO, "connect", "conninfo",
		    "host=db password='" SECRET "'", "password", SECRET,
		    "api_token", SECRET, NULL);
		log_kv(root, LOGL_INFO, "json {\"password\":\"" SECRET "\"}",
		    NULL);
		n = log_ring_copy(root, LOGL_TRACE, e, 8);
		for (k = 0; k < n; k++)
			if (strstr(e[k].line, SECRET) != NULL)
				clean = false;
		log_free(child);
		log_free(root);
	}
	s = slurp(tpath("redact.log"));
	is_int(count_lines(s), 8, "all 8 lines (text and JSON) written");
	unlike(s, SECRET, "the secret appears nowhere in the file");
	like(s, "postgres://app:***@db/app", "message URI redacted in place");
	like(s, "password='***'", "field conninfo redacted in place");
	ok(clean && n == 4, "ring lines carry no secret either");
	free(s);
}

static void
test_file_sink(void)
{
	struct mc_err	 err = { 0 };
	struct logger	*root = log_new(LOGL_INFO, LOGF_TEXT);
	struct stat	 st;
	mode_t		 old;
	DIR		*d;
	struct dirent	*de;
	char		 link[PATH_MAX], fdp[PATH_MAX], real[PATH_MAX], *s;
	ssize_t		 n;
	int		 found = 0, cloexec = 0, fl;

	old = umask(0);
	is_int(log_set_file(root, tpath("perm.log"), &err), 0,
	    "log_set_file: %s", err.msg);
	umask(old);
	log_info(root, "first");
	if (stat(tpath("perm.log"), &st) != 0)
		st.st_mode = 0;
	ok((st.st_mode & 07777) == 0600,
	    "file created 0600 even with umask 0 (mode %o)",
	    (unsigned int)(st.st_mode & 07777));

	if (realpath(tpath("perm.log"), real) == NULL)
		real[0] = '\0';
	if ((d = opendir("/proc/self/fd")) != NULL) {
		while ((de = readdir(d)) != NULL) {
			snprintf(fdp, sizeof(fdp), "/proc/self/fd/%s",
			    de->d_name);
			n = readlink(fdp, link, sizeof(link) - 1);
			if (n <= 0)
				continue;
			link[n] = '\0';
			if (strcmp(link, real) == 0) {
				found = 1;
				fl = fcntl(atoi(de->d_name), F_GETFD);
				cloexec = fl != -1 && (fl & FD_CLOEXEC);
			}
		}
		closedir(d);
		ok(found && cloexec, "log file descriptor is close-on-exec");
	} else
		skip(1, "no /proc/self/fd");

	is_int(log_set_file(root, tpath("no/such/dir/x.log"), &err), -1,
	    "an unopenable file fails");
	ok(err.code == MC_E_SYS && strstr(err.msg, "no/such/dir/x.log") != NULL,
	    "error names the file: %s", err.msg);
	log_info(root, "second");
	s = slurp(tpath("perm.log"));
	ok(strstr(s, "first") != NULL && strstr(s, "second") != NULL,
	    "the previous sink stays after a failed switch");
	free(s);

	/* Appends: a second logger on the same file adds, never truncates. */
	log_free(root);
	root = log_new(LOGL_INFO, LOGF_TEXT);
	log_set_file(root, tpath("perm.log"), &err);
	log_info(root, "third");
	s = slurp(tpath("perm.log"));
	is_int(count_lines(s), 3, "reopening appends");
	free(s);
	log_free(root);
}

static void
test_ring(void)
{
	struct logger		*root = log_new(LOGL_DEBUG, LOGF_JSON), *c;
	struct log_entry	 e[16];
	char			 want[64], big[1200];
	size_t			 n, k;
	bool			 order = true;

	log_set_quiet_stderr(root, true);
	log_set_ring(root, 5);
	c = log_child(root, "component", "pane");
	for (k = 0; k < 8; k++)
		log_msg(c, k % 2 ? LOGL_WARN : LOGL_DEBUG, "entry %zu", k);
	log_trace(c, "below the level");
	n = log_ring_copy(root, LOGL_TRACE, e, 16);
	is_int((long long)n, 5, "ring keeps the last 5");
	for (k = 0; k < n; k++) {
		snprintf(want, sizeof(want), "pane: entry %zu", k + 3);
		if (strstr(e[k].line, want) == NULL ||
		    (k > 0 && e[k].ts_us < e[k - 1].ts_us))
			order = false;
	}
	ok(order, "oldest first, in order (%s .. %s)", e[0].line,
	    e[n - 1].line);
	ok(matches(e[0].line, "^" TS_RE " WARN pane: entry 3$"),
	    "ring holds text lines even when the sink is JSON: %s", e[0].line);
	n = log_ring_copy(root, LOGL_WARN, e, 16);
	ok(n == 3 && strstr(e[0].line, "entry 3") &&
	    strstr(e[2].line, "entry 7") && e[1].level == LOGL_WARN,
	    "min level filters (%zu)", n);
	n = log_ring_copy(root, LOGL_TRACE, e, 2);
	ok(n == 2 && strstr(e[0].line, "entry 6") &&
	    strstr(e[1].line, "entry 7"),
	    "max smaller than matches gives the newest");

	log_set_ring(root, 3);
	n = log_ring_copy(root, LOGL_TRACE, e, 16);
	ok(n == 3 && strstr(e[0].line, "entry 5") &&
	    strstr(e[2].line, "entry 7"),
	    "shrinking the ring keeps the newest");

	/* A long line is cut inside the entry, on a character boundary. */
	memset(big, 0, sizeof(big));
	for (k = 0; k + 2 < sizeof(big) - 1; k += 2)
		memcpy(big + k, "\xc3\xa9", 2);
	log_info(root, "%s", big);
	n = log_ring_copy(root, LOGL_TRACE, e, 16);
	k = strlen(e[n - 1].line);
	ok(k < sizeof(e[0].line) && k > 400 &&
	    ((unsigned char)e[n - 1].line[k - 1] == 0xa9),
	    "long line cut at a UTF-8 boundary (%zu bytes)", k);

	log_set_ring(root, 0);
	ok(log_ring_copy(root, LOGL_TRACE, e, 16) == 0,
	    "ring off copies nothing");
	log_free(c);
	log_free(root);
}

static void
test_quiet_stderr(void)
{
	struct logger	*root = log_new(LOGL_INFO, LOGF_TEXT);
	struct log_entry e[4];
	int		 saved, fd;
	char		*s;

	fflush(stderr);
	saved = dup(STDERR_FILENO);
	fd = open(tpath("stderr.txt"), O_WRONLY | O_CREAT | O_TRUNC, 0600);
	dup2(fd, STDERR_FILENO);
	close(fd);
	log_set_ring(root, 4);
	log_info(root, "to-stderr");
	log_set_quiet_stderr(root, true);
	log_error(root, "must-not-appear");
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	s = slurp(tpath("stderr.txt"));
	like(s, "INFO to-stderr", "stderr sink writes to fd 2 by default");
	unlike(s, "must-not-appear", "quiet stderr writes nothing to fd 2");
	is_int(count_lines(s), 1, "exactly one line on stderr");
	free(s);
	ok(log_ring_copy(root, LOGL_TRACE, e, 4) == 2 &&
	    strstr(e[1].line, "must-not-appear") != NULL,
	    "quiet stderr still fills the ring");
	log_free(root);
}

/* Worker: its own child logger, NLINES lines. */
static void *
thread_main(void *arg)
{
	struct logger	*root = arg, *c;
	char		 id[16], seq[16];
	static int	 next;
	int		 me = __atomic_fetch_add(&next, 1, __ATOMIC_SEQ_CST), k;

	snprintf(id, sizeof(id), "%d", me);
	c = log_child(root, "thread", id);
	for (k = 0; k < NLINES; k++) {
		snprintf(seq, sizeof(seq), "%d", k);
		log_kv(c, LOGL_INFO, "tick with a message long enough to "
		    "make torn writes visible", "seq", seq, NULL);
	}
	log_free(c);
	return (NULL);
}

static void
test_threads(void)
{
	struct mc_err	 err = { 0 };
	struct logger	*root = log_new(LOGL_INFO, LOGF_JSON);
	pthread_t	 th[NTHREADS];
	static char	 seen[NTHREADS][NLINES];
	char		*s, *line, *save = NULL;
	int		 k, lines = 0, bad = 0, dup = 0, t, q;
	cJSON		*o;

	log_set_file(root, tpath("threads.log"), &err);
	log_set_ring(root, 64);
	for (k = 0; k < NTHREADS; k++)
		pthread_create(&th[k], NULL, thread_main, root);
	for (k = 0; k < NTHREADS; k++)
		pthread_join(th[k], NULL);
	log_free(root);

	s = slurp(tpath("threads.log"));
	is_int(count_lines(s), NTHREADS * NLINES, "exact line count");
	for (line = strtok_r(s, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		lines++;
		o = cJSON_Parse(line);
		if (o == NULL || json_str(o, "thread") == NULL ||
		    json_str(o, "seq") == NULL) {
			bad++;
			cJSON_Delete(o);
			continue;
		}
		t = atoi(json_str(o, "thread"));
		q = atoi(json_str(o, "seq"));
		if (t < 0 || t >= NTHREADS || q < 0 || q >= NLINES)
			bad++;
		else if (seen[t][q]++)
			dup++;
		cJSON_Delete(o);
	}
	is_int(lines, NTHREADS * NLINES, "%d threads x %d lines", NTHREADS,
	    NLINES);
	is_int(bad, 0, "every line intact and parseable");
	is_int(dup, 0, "no line duplicated");
	free(s);
}

static void
test_null(void)
{
	log_info(NULL, "nothing");
	log_kv(NULL, LOGL_ERROR, "nothing", "k", "v", NULL);
	log_free(NULL);
	ok(log_child(NULL, "k", "v") == NULL && !log_enabled(NULL, LOGL_ERROR),
	    "a NULL logger is a no-op");
}

/* Remove the files this test wrote, then the directory. */
static void
cleanup(void)
{
	static const char *const names[] = {
		"levels.log", "json.log", "redact.log", "perm.log",
		"stderr.txt", "threads.log",
	};
	size_t	k;

	for (k = 0; k < sizeof(names) / sizeof(names[0]); k++)
		unlink(tpath(names[k]));
	rmdir(tdir);
}

int
main(void)
{
	const char	*tmp = getenv("TMPDIR");

	if (tmp != NULL && tmp[0] != '\0')
		snprintf(tdir, sizeof(tdir), "%s/t-log.XXXXXX", tmp);
	else
		snprintf(tdir, sizeof(tdir), "/tmp/t-log.XXXXXX");
	if (mkdtemp(tdir) == NULL)
		bail_out("mkdtemp %s: %s", tdir, strerror(errno));
	test_parse();
	test_levels_text();
	test_json();
	test_redaction();
	test_file_sink();
	test_ring();
	test_quiet_stderr();
	test_threads();
	test_null();
	cleanup();
	return (done_testing());
}
