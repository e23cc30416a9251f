/*
 * fuzz-conf.c - libFuzzer harness for the configuration file parser
 * (conf_load in conf.h) on a file the harness writes.
 *
 * Input: byte 0 picks variants, the rest is a config file. When it is JSON,
 * the harness makes the marker the only password in it: every 0x01 and
 * "%01" of the input is replaced, then each target's "pg" becomes a
 * conninfo or URI whose password is the marker followed by the fuzz text
 * (password='M' TEXT, postgresql://u:M@TEXT) and each "redis" a Redis URI
 * whose password is the marker (redis://ops:M@TEXT, redis://:M@TEXT,
 * redis://M@TEXT, unix://ops:M@TEXT, TEXT?password=M; TEXT is the value,
 * without its scheme, user info and any other '@'), and --redis may be
 * given one too;
 * bit 0x40 loads without selecting a target, so every target is checked.
 * Properties:
 *   - on error, the message holds no marker (raw, %-encoded or escaped);
 *   - on success, every target's pg and redis as `config show` prints them
 *     (redact_pg_conninfo, redact_pg_endpoint, rdsuri_redact) hold none.
 * Text that is not JSON is loaded as it is (syntax error paths).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "buf.h"
#include "conf.h"
#include "err.h"
#include "fuzz-util.h"
#include "rdsuri.h"
#include "redact.h"
#include "xmem.h"

/* The marker password %-encoded for URIs: "\001PWx y". */
static const char fz_pw_enc[] = FUZZ_MARK_ENC "x%20y";

/* Replace 0x01 and "%01" in s (fuzz text must not hold the marker). */
static char *
fz_clean(const char *s)
{
	struct buf	 b;
	char		*out;

	buf_init(&b);
	for (; *s != '\0'; s++) {
		if (*s == '\001')
			buf_putc(&b, '\002');
		else if (s[0] == '%' && s[1] == '0' && s[2] == '1') {
			buf_puts(&b, "%02");
			s += 2;
		} else
			buf_putc(&b, *s);
	}
	out = buf_detach(&b);
	buf_done(&b);
	return (out);
}

/* Clean every string and key of the tree. */
static void
fz_clean_tree(cJSON *j)
{
	cJSON	*c;
	char	*s;

	if (j->string != NULL) {
		s = fz_clean(j->string);
		if (!(j->type & cJSON_StringIsConst))
			cJSON_free(j->string);
		j->string = s;
	}
	if (cJSON_IsString(j) && j->valuestring != NULL) {
		s = fz_clean(j->valuestring);
		cJSON_SetValuestring(j, s);
		free(s);
	}
	for (c = j->child; c != NULL; c = c->next)
		fz_clean_tree(c);
}

/* v without "scheme://" and user info, when it is a URI. Borrowed. */
static const char *
fz_strip(const char *v)
{
	const char	*p = strstr(v, "://"), *at;

	if (p == NULL)
		return (v);
	p += 3;
	at = strrchr(p, '@');
	return (at != NULL ? at + 1 : p);
}

/*
 * A pg setting whose password is the marker, around fuzz text v: a URI
 * when v is one, else conninfo (and every third time the other form).
 */
static char *
fz_pg(const char *v, unsigned k)
{
	bool	uri = strstr(v, "://") != NULL;

	if (k % 3 == 2)
		uri = !uri;
	if (!uri)
		return (xasprintf("password='" FUZZ_MARK "x y' %s", v));
	return (xasprintf("postgresql://u:%s@%s", fz_pw_enc, fz_strip(v)));
}

/*
 * A redis setting whose password is the marker, around fuzz text v (its
 * scheme and user info taken off): user:M@, :M@, a lone M@ or ?password=M,
 * with unix:// when v is a path, and every fifth time the other scheme.
 */
static char *
fz_redis(const char *v, unsigned k)
{
	const char	*sch;
	char		*t, *p, *out;

	/*
	 * No '@' (the last one ends the user info, so the marker would
	 * become part of a user name) and, for a lone password, no '?'
	 * (?password= would make it a user name, as redis-py reads it).
	 */
	t = xstrdup(fz_strip(v));
	for (p = t; *p != '\0'; p++)
		if (*p == '@' || (k % 5 == 2 && *p == '?'))
			*p = '_';
	sch = (*t == '/') != (k % 5 == 3) ? "unix://" : "redis://";
	switch (k % 5) {
	case 0:
	case 3:
		out = xasprintf("%sops:%s@%s", sch, fz_pw_enc, t);
		break;
	case 1:
		out = xasprintf("%s:%s@%s", sch, fz_pw_enc, t);
		break;
	case 2:
		out = xasprintf("%s%s@%s", sch, fz_pw_enc, t);
		break;
	default:
		out = xasprintf("%s%s%spassword=%s", sch, t,
		    strchr(t, '?') != NULL ? "&" : "?", fz_pw_enc);
		break;
	}
	free(t);
	return (out);
}

/* Give every target's pg and redis the marker password. */
static void
fz_mark_targets(cJSON *root, unsigned seed)
{
	cJSON		*targets, *t, *v;
	char		*s;
	unsigned	 i = 0;

	targets = cJSON_GetObjectItemCaseSensitive(root, "targets");
	if (!cJSON_IsObject(targets))
		return;
	for (t = targets->child; t != NULL; t = t->next, i++) {
		v = cJSON_GetObjectItemCaseSensitive(t, "pg");
		if (cJSON_IsString(v)) {
			s = fz_pg(v->valuestring, seed + i);
			cJSON_SetValuestring(v, s);
			free(s);
		}
		v = cJSON_GetObjectItemCaseSensitive(t, "redis");
		if (cJSON_IsString(v)) {
			s = fz_redis(v->valuestring, seed + i);
			cJSON_SetValuestring(v, s);
			free(s);
		}
	}
}

/* Fail when how t's settings are shown holds the marker. */
static void
fz_check_target(const struct conf_target *t)
{
	struct rdsuri	 u;
	char		*s;

	if (t->pg != NULL && *t->pg != '\0') {
		s = redact_pg_conninfo(t->pg);
		if (fuzz_has_mark(s))
			fuzz_fail("redact_pg_conninfo shows the password", s);
		free(s);
		s = redact_pg_endpoint(t->pg);
		if (fuzz_has_mark(s))
			fuzz_fail("redact_pg_endpoint shows the password", s);
		free(s);
	}
	if (t->redis != NULL && rdsuri_parse(t->redis, &u, NULL) == 0) {
		s = rdsuri_redact(&u);
		if (fuzz_has_mark(s))
			fuzz_fail("rdsuri_redact shows the password", s);
		free(s);
		rdsuri_done(&u);
	}
}

/* libFuzzer entry point: one input, every property above. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const tails[] = { "h:1/2", "h:99999", "h x",
	    "[::1]:0", "/run/r.sock", "h/0?db=1" };
	static char	*path;
	struct conf_flags f = { 0 };
	struct conf	*c;
	struct mc_err	 err = { 0 };
	cJSON		*root;
	char		*text, *out, *redis = NULL;
	size_t		 i;
	bool		 json;

	if (path == NULL) {
		path = xasprintf("%s/config.json", fuzz_tmpdir());
		unsetenv("MCPDB_TARGET");
		unsetenv("DATABASE_URL");
		unsetenv("REDIS_URL");
		unsetenv("MCPDB_CONFIG");
		unsetenv("MCPDB_LOG_LEVEL");
		unsetenv("MCPDB_LOG_FORMAT");
		unsetenv("MCPDB_LOG_FILE");
	}
	if (size < 1)
		return (0);
	text = fuzz_cstr(data + 1, size - 1);
	if ((json = (root = cJSON_Parse(text)) != NULL)) {
		fz_clean_tree(root);
		fz_mark_targets(root, data[0]);
		out = cJSON_PrintUnformatted(root);
		cJSON_Delete(root);
		if (out == NULL)
			goto done;
		fuzz_write(path, out, strlen(out));
		cJSON_free(out);
		if (data[0] & 0x80) {
			redis = fz_redis(tails[(data[0] >> 3) % 6], data[0]);
			f.redis = redis;
		}
	} else
		fuzz_write(path, data + 1, size - 1);
	f.config_path = path;
	/* load every target without selecting one (completion's mode) */
	f.no_select = (data[0] & 0x40) != 0;
	if ((c = conf_load(&f, NULL, &err)) == NULL) {
		if (json && fuzz_has_mark(err.msg))
			fuzz_fail("a config error shows the password", err.msg);
	} else {
		for (i = 0; json && i < conf_ntargets(c); i++)
			fz_check_target(conf_target_at(c, i));
		if (json && conf_target(c) != NULL)
			fz_check_target(conf_target(c));
		conf_free(c);
	}
done:
	free(redis);
	free(text);
	return (0);
}
