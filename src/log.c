/*
 * log.c - structured logging: text or JSON lines to stderr or a file, plus an
 * in-memory ring for the TUI's log pane.
 *
 * Model: a root logger owns a struct log_root (level, format, sinks, ring,
 * one mutex); children point at the same root and carry a flattened copy of
 * their context fields, root first, already redacted. A call redacts its
 * message and fields outside the lock, then takes the mutex only to format
 * the line(s) and write them: one write() per line, so lines from threads
 * (and, with O_APPEND, from other processes) never interleave.
 */
#include "config.h"

#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "buf.h"
#include "redact.h"
#include "xmem.h"

/* What the root and all its children share. */
struct log_root {
	pthread_mutex_t		 mtx;
	atomic_int		 level;		/* enum log_level; no lock */
	enum log_format		 format;
	int			 fd;		/* file sink; -1: stderr */
	bool			 quiet;		/* never write to stderr */
	struct log_entry	*ring;		/* ring_cap slots or NULL */
	size_t			 ring_cap;
	size_t			 ring_head;	/* next slot to write */
	size_t			 ring_len;
};

/* One key=value pair. */
struct log_field {
	char	*key;
	char	*value;
};

struct logger {
	struct log_root		*root;
	bool			 is_root;
	struct log_field	*fields;	/* context, root first */
	size_t			 nfields;
};

/* A field during one call: borrowed key, value owned when own is set. */
struct log_kvp {
	const char	*key;
	char		*value;
	bool		 own;
};

static const char *const log_level_names[] = {
	"trace", "debug", "info", "warn", "error", "off",
};
static const char *const log_level_upper[] = {
	"TRACE", "DEBUG", "INFO", "WARN", "ERROR", "OFF",
};

int
log_level_parse(const char *s, enum log_level *out, struct mc_err *err)
{
	size_t	k;

	for (k = 0; s != NULL && k <= LOGL_OFF; k++)
		if (strcasecmp(s, log_level_names[k]) == 0) {
			*out = (enum log_level)k;
			return (0);
		}
	if (s != NULL && strcasecmp(s, "warning") == 0) {
		*out = LOGL_WARN;
		return (0);
	}
	return (mc_err_set(err, MC_E_CONFIG, "unknown log level \"%.40s\" "
	    "(use trace, debug, info, warn, error or off)", s ? s : ""));
}

int
log_format_parse(const char *s, enum log_format *out, struct mc_err *err)
{
	if (s != NULL && strcasecmp(s, "text") == 0)
		*out = LOGF_TEXT;
	else if (s != NULL && strcasecmp(s, "json") == 0)
		*out = LOGF_JSON;
	else
		return (mc_err_set(err, MC_E_CONFIG, "unknown log format "
		    "\"%.40s\" (use text or json)", s ? s : ""));
	return (0);
}

const char *
log_level_name(enum log_level lvl)
{
	if ((int)lvl < LOGL_TRACE || lvl > LOGL_OFF)
		return ("?");
	return (log_level_names[lvl]);
}

struct logger *
log_new(enum log_level lvl, enum log_format fmt)
{
	struct logger	*l = xcalloc(1, sizeof(*l));
	struct log_root	*r = xcalloc(1, sizeof(*r));

	pthread_mutex_init(&r->mtx, NULL);
	atomic_init(&r->level, (int)lvl);
	r->format = fmt;
	r->fd = -1;
	l->root = r;
	l->is_root = true;
	return (l);
}

void
log_set_level(struct logger *l, enum log_level lvl)
{
	if (l != NULL)
		atomic_store(&l->root->level, (int)lvl);
}

void
log_set_format(struct logger *l, enum log_format fmt)
{
	if (l == NULL)
		return;
	pthread_mutex_lock(&l->root->mtx);
	l->root->format = fmt;
	pthread_mutex_unlock(&l->root->mtx);
}

enum log_level
log_get_level(const struct logger *l)
{
	if (l == NULL)
		return (LOGL_OFF);
	return ((enum log_level)atomic_load(&l->root->level));
}

int
log_set_file(struct logger *l, const char *path, struct mc_err *err)
{
	struct log_root	*r;
	int		 fd = -1, old;

	if (l == NULL)
		return (0);
	r = l->root;
	if (path != NULL) {
		/* never through a symbolic link planted at path */
		fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC |
		    O_NOCTTY | O_NOFOLLOW, 0600);
		if (fd == -1 && errno == ELOOP)
			return (mc_err_set(err, MC_E_REFUSED, "log file %s is a "
			    "symbolic link; mcpdb does not write through links "
			    "(give the real path)", path));
		if (fd == -1)
			return (mc_err_sys(err, "cannot open log file %s "
			    "(check that its directory exists and is writable)",
			    path));
	}
	pthread_mutex_lock(&r->mtx);
	old = r->fd;
	r->fd = fd;
	pthread_mutex_unlock(&r->mtx);
	if (old != -1)
		close(old);
	return (0);
}

void
log_set_quiet_stderr(struct logger *l, bool quiet)
{
	if (l == NULL)
		return;
	pthread_mutex_lock(&l->root->mtx);
	l->root->quiet = quiet;
	pthread_mutex_unlock(&l->root->mtx);
}

void
log_set_ring(struct logger *l, size_t n)
{
	struct log_root		*r;
	struct log_entry	*ring = NULL, *old;
	size_t			 k, keep = 0, from;

	if (l == NULL)
		return;
	r = l->root;
	if (n > 0)
		ring = xcalloc(n, sizeof(*ring));
	pthread_mutex_lock(&r->mtx);
	/* Keep the newest entries that fit, oldest first. */
	if (ring != NULL && r->ring != NULL) {
		keep = r->ring_len < n ? r->ring_len : n;
		from = (r->ring_head + r->ring_cap - keep) % r->ring_cap;
		for (k = 0; k < keep; k++)
			ring[k] = r->ring[(from + k) % r->ring_cap];
	}
	old = r->ring;
	r->ring = ring;
	r->ring_cap = n;
	r->ring_len = keep;
	r->ring_head = n > 0 ? keep % n : 0;
	pthread_mutex_unlock(&r->mtx);
	free(old);
}

size_t
log_ring_copy(struct logger *l, enum log_level min, struct log_entry *out,
    size_t max)
{
	struct log_root	*r;
	size_t		 k, idx, first, match = 0, skip, n = 0;

	if (l == NULL || max == 0)
		return (0);
	r = l->root;
	pthread_mutex_lock(&r->mtx);
	if (r->ring != NULL) {
		first = (r->ring_head + r->ring_cap - r->ring_len) %
		    r->ring_cap;
		for (k = 0; k < r->ring_len; k++)
			if (r->ring[(first + k) % r->ring_cap].level >= min)
				match++;
		/* More matches than room: the newest max win. */
		skip = match > max ? match - max : 0;
		for (k = 0; k < r->ring_len && n < max; k++) {
			idx = (first + k) % r->ring_cap;
			if (r->ring[idx].level < min)
				continue;
			if (skip > 0) {
				skip--;
				continue;
			}
			out[n++] = r->ring[idx];
		}
	}
	pthread_mutex_unlock(&r->mtx);
	return (n);
}

struct logger *
log_child(struct logger *parent, const char *key, const char *value)
{
	struct logger	*c;
	size_t		 k;

	if (parent == NULL)
		return (NULL);
	c = xcalloc(1, sizeof(*c));
	c->root = parent->root;
	c->nfields = parent->nfields + 1;
	c->fields = xcalloc(c->nfields, sizeof(*c->fields));
	for (k = 0; k < parent->nfields; k++) {
		c->fields[k].key = xstrdup(parent->fields[k].key);
		c->fields[k].value = xstrdup(parent->fields[k].value);
	}
	c->fields[k].key = xstrdup(key != NULL ? key : "field");
	if (value == NULL)
		value = "";
	c->fields[k].value = redact_key_is_secret(key) ? xstrdup("***") :
	    redact_text(value);
	return (c);
}

void
log_free(struct logger *l)
{
	size_t	k;

	if (l == NULL)
		return;
	for (k = 0; k < l->nfields; k++) {
		free(l->fields[k].key);
		free(l->fields[k].value);
	}
	free(l->fields);
	if (l->is_root) {
		if (l->root->fd != -1)
			close(l->root->fd);
		free(l->root->ring);
		pthread_mutex_destroy(&l->root->mtx);
		free(l->root);
	}
	free(l);
}

bool
log_enabled(const struct logger *l, enum log_level lvl)
{
	return (l != NULL && lvl >= LOGL_TRACE && lvl < LOGL_OFF &&
	    (int)lvl >= atomic_load(&l->root->level));
}

/* Length of the valid UTF-8 sequence at p (at most n bytes), or 0. */
static size_t
log_utf8_len(const unsigned char *p, size_t n)
{
	size_t	len, k;
	unsigned int	cp;

	if (p[0] < 0x80)
		return (1);
	if (p[0] >= 0xc2 && p[0] <= 0xdf) {
		len = 2;
		cp = p[0] & 0x1f;
	} else if (p[0] >= 0xe0 && p[0] <= 0xef) {
		len = 3;
		cp = p[0] & 0x0f;
	} else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
		len = 4;
		cp = p[0] & 0x07;
	} else
		return (0);
	if (len > n)
		return (0);
	for (k = 1; k < len; k++) {
		if ((p[k] & 0xc0) != 0x80)
			return (0);
		cp = (cp << 6) | (p[k] & 0x3f);
	}
	if ((len == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
	    (len == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		return (0);
	return (len);
}

/* Replace bytes that are not valid UTF-8 with '?', in place. */
static void
log_utf8_fix(char *s)
{
	unsigned char	*p = (unsigned char *)s;
	size_t		 n = strlen(s), len;

	while (n > 0) {
		if ((len = log_utf8_len(p, n)) == 0) {
			*p = '?';
			len = 1;
		}
		p += len;
		n -= len;
	}
}

/* A redacted, UTF-8-clean copy of a field value. Caller frees. */
static char *
log_clean_value(const char *key, const char *value)
{
	char	*v;

	if (redact_key_is_secret(key))
		return (xstrdup("***"));
	v = redact_text(value != NULL ? value : "");
	log_utf8_fix(v);
	return (v);
}

/* Append s with control characters escaped (\n, \t, \r, \xNN). */
static void
log_put_escaped(struct buf *b, const char *s, bool quoted)
{
	const unsigned char	*p;

	for (p = (const unsigned char *)s; *p != '\0'; p++) {
		if (*p == '\n')
			buf_puts(b, "\\n");
		else if (*p == '\r')
			buf_puts(b, "\\r");
		else if (*p == '\t')
			buf_puts(b, "\\t");
		else if (*p < 0x20 || *p == 0x7f)
			buf_printf(b, "\\x%02x", *p);
		else if (quoted && (*p == '"' || *p == '\\')) {
			buf_putc(b, '\\');
			buf_putc(b, *p);
		} else
			buf_putc(b, *p);
	}
}

/* Append a logfmt value: bare when safe, else double-quoted with escapes. */
static void
log_put_value(struct buf *b, const char *v)
{
	const unsigned char	*p;
	bool			 quote = (v[0] == '\0');

	for (p = (const unsigned char *)v; *p != '\0' && !quote; p++)
		if (*p <= ' ' || *p == '"' || *p == '=' || *p == 0x7f)
			quote = true;
	if (quote)
		buf_putc(b, '"');
	log_put_escaped(b, v, quote);
	if (quote)
		buf_putc(b, '"');
}

/* Format the wall clock as RFC 3339 UTC with milliseconds. */
static void
log_format_ts(int64_t ts_us, char *out, size_t len)
{
	time_t		sec = (time_t)(ts_us / 1000000);
	struct tm	tm;

	gmtime_r(&sec, &tm);
	snprintf(out, len, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
	    tm.tm_min, tm.tm_sec, (int)(ts_us / 1000 % 1000));
}

/* The text line: "ts LEVEL component: msg k=v ...\n". */
static void
log_format_text(struct buf *b, const char *ts, enum log_level lvl,
    const char *msg, const struct log_kvp *f, size_t nf)
{
	size_t	k;

	buf_printf(b, "%s %s ", ts, log_level_upper[lvl]);
	for (k = 0; k < nf; k++)
		if (strcmp(f[k].key, "component") == 0) {
			log_put_escaped(b, f[k].value, false);
			buf_puts(b, ": ");
		}
	log_put_escaped(b, msg, false);
	for (k = 0; k < nf; k++) {
		if (strcmp(f[k].key, "component") == 0)
			continue;
		buf_putc(b, ' ');
		log_put_escaped(b, f[k].key, false);
		buf_putc(b, '=');
		log_put_value(b, f[k].value);
	}
	buf_putc(b, '\n');
}

/* The JSON line, built by cJSON so it always parses. False on OOM. */
static bool
log_format_json(struct buf *b, const char *ts, enum log_level lvl,
    const char *msg, const struct log_kvp *f, size_t nf)
{
	cJSON	*o;
	char	*s;
	size_t	 k;

	if ((o = cJSON_CreateObject()) == NULL)
		return (false);
	cJSON_AddStringToObject(o, "ts", ts);
	cJSON_AddStringToObject(o, "level", log_level_names[lvl]);
	cJSON_AddStringToObject(o, "msg", msg);
	for (k = 0; k < nf; k++)
		cJSON_AddStringToObject(o, f[k].key, f[k].value);
	s = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	if (s == NULL)
		return (false);
	buf_puts(b, s);
	buf_putc(b, '\n');
	cJSON_free(s);
	return (true);
}

/* write() all of p, retrying EINTR and short writes; errors drop the line. */
static void
log_write_all(int fd, const char *p, size_t n)
{
	ssize_t	w;

	while (n > 0) {
		w = write(fd, p, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return;
		}
		p += w;
		n -= (size_t)w;
	}
}

/* Store the text line (without its newline) in the ring. Caller holds mtx. */
static void
log_ring_push(struct log_root *r, int64_t ts_us, enum log_level lvl,
    const char *line, size_t len)
{
	struct log_entry	*e = &r->ring[r->ring_head];
	size_t			 k;

	if (len >= sizeof(e->line)) {
		/* Cut on a character boundary: never half a glyph. */
		len = sizeof(e->line) - 1;
		for (k = len; k > 0 && ((unsigned char)line[k] & 0xc0) == 0x80;
		    k--)
			;
		len = k;
	}
	e->ts_us = ts_us;
	e->level = lvl;
	memcpy(e->line, line, len);
	e->line[len] = '\0';
	r->ring_head = (r->ring_head + 1) % r->ring_cap;
	if (r->ring_len < r->ring_cap)
		r->ring_len++;
}

/* Add or replace key in f (the innermost value wins, at its first place). */
static void
log_kvp_set(struct log_kvp *f, size_t *nf, const char *key, char *value,
    bool own)
{
	size_t	k;

	if (strcmp(key, "ts") == 0 || strcmp(key, "level") == 0 ||
	    strcmp(key, "msg") == 0) {
		/* Never shadow the fixed fields. */
		if (strcmp(key, "ts") == 0)
			key = "fields.ts";
		else if (strcmp(key, "level") == 0)
			key = "fields.level";
		else
			key = "fields.msg";
	}
	for (k = 0; k < *nf; k++)
		if (strcmp(f[k].key, key) == 0) {
			if (f[k].own)
				free(f[k].value);
			f[k].value = value;
			f[k].own = own;
			return;
		}
	f[*nf].key = key;
	f[*nf].value = value;
	f[*nf].own = own;
	(*nf)++;
}

/*
 * Emit one entry: msg is raw (redacted here), kv holds nkv borrowed
 * key/value pairs from the call site.
 */
static void
log_emit(struct logger *l, enum log_level lvl, const char *raw,
    const char *const *kv, size_t nkv)
{
	struct log_root	*r = l->root;
	struct log_kvp	*f;
	struct timespec	 now;
	struct buf	 line, json;
	char		 ts[80], *msg;
	size_t		 nf = 0, k;
	int64_t		 ts_us;
	int		 fd;

	clock_gettime(CLOCK_REALTIME, &now);
	ts_us = (int64_t)now.tv_sec * 1000000 + now.tv_nsec / 1000;
	log_format_ts(ts_us, ts, sizeof(ts));
	msg = redact_text(raw);
	log_utf8_fix(msg);
	f = xcalloc(l->nfields + nkv + 1, sizeof(*f));
	for (k = 0; k < l->nfields; k++)
		log_kvp_set(f, &nf, l->fields[k].key, l->fields[k].value,
		    false);
	for (k = 0; k < nkv; k++)
		log_kvp_set(f, &nf, kv[2 * k],
		    log_clean_value(kv[2 * k], kv[2 * k + 1]), true);

	buf_init(&line);
	buf_init(&json);
	pthread_mutex_lock(&r->mtx);
	fd = r->fd != -1 ? r->fd : (r->quiet ? -1 : STDERR_FILENO);
	if (r->format == LOGF_TEXT || r->ring != NULL)
		log_format_text(&line, ts, lvl, msg, f, nf);
	if (fd != -1) {
		if (r->format == LOGF_JSON) {
			if (log_format_json(&json, ts, lvl, msg, f, nf))
				log_write_all(fd, json.data, json.len);
		} else
			log_write_all(fd, line.data, line.len);
	}
	if (r->ring != NULL)
		log_ring_push(r, ts_us, lvl, line.data, line.len - 1);
	pthread_mutex_unlock(&r->mtx);

	buf_done(&line);
	buf_done(&json);
	for (k = 0; k < nf; k++)
		if (f[k].own)
			free(f[k].value);
	free(f);
	free(msg);
}

void
log_msg(struct logger *l, enum log_level lvl, const char *fmt, ...)
{
	struct buf	b;
	va_list		ap;

	if (!log_enabled(l, lvl))
		return;
	buf_init(&b);
	va_start(ap, fmt);
	buf_vprintf(&b, fmt, ap);
	va_end(ap);
	log_emit(l, lvl, b.data, NULL, 0);
	buf_done(&b);
}

void
log_kv(struct logger *l, enum log_level lvl, const char *msg, ...)
{
	const char	**kv = NULL;
	const char	 *key, *value;
	size_t		  n = 0, cap = 0;
	va_list		  ap;

	if (!log_enabled(l, lvl))
		return;
	va_start(ap, msg);
	while ((key = va_arg(ap, const char *)) != NULL &&
	    (value = va_arg(ap, const char *)) != NULL) {
		if (n == cap) {
			cap = cap ? cap * 2 : 8;
			kv = xreallocarray(kv, cap, 2 * sizeof(*kv));
		}
		kv[2 * n] = key;
		kv[2 * n + 1] = value;
		n++;
	}
	va_end(ap);
	log_emit(l, lvl, msg != NULL ? msg : "", kv, n);
	free(kv);
}
