/*
 * prefs.c - the shell's per-user display choices in tui.json (see
 * prefs.h): parsed and printed with cJSON, replaced with fsafe_write.
 */
#include "config.h"

#include "prefs.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "fsafe.h"
#include "xmem.h"

#define PREFS_MAX_SORTS		16
#define PREFS_MAX_FILE		(64 * 1024)

/* One table's sort. */
struct prefs_sort {
	char	*view;
	char	*column;
	bool	 desc;
};

struct prefs {
	int			 refresh_ms;	/* 0: unset */
	struct prefs_sort	 sort[PREFS_MAX_SORTS];
	size_t			 nsort;
	bool			 dirty;
};

struct prefs *
prefs_new(void)
{
	return (xcalloc(1, sizeof(struct prefs)));
}

/* Forget every choice. */
static void
prefs_clear(struct prefs *p)
{
	size_t	i;

	for (i = 0; i < p->nsort; i++) {
		free(p->sort[i].view);
		free(p->sort[i].column);
	}
	p->nsort = 0;
	p->refresh_ms = 0;
}

void
prefs_free(struct prefs *p)
{
	if (p == NULL)
		return;
	prefs_clear(p);
	free(p);
}

int
prefs_clamp_ms(int v)
{
	if (v < PREFS_REFRESH_MIN_MS)
		return (PREFS_REFRESH_MIN_MS);
	if (v > PREFS_REFRESH_MAX_MS)
		return (PREFS_REFRESH_MAX_MS);
	return (v);
}

int
prefs_refresh_ms(const struct prefs *p)
{
	return (p->refresh_ms);
}

void
prefs_set_refresh_ms(struct prefs *p, int ms)
{
	ms = ms == 0 ? 0 : prefs_clamp_ms(ms);
	if (ms != p->refresh_ms)
		p->dirty = true;
	p->refresh_ms = ms;
}

/* The entry of view, or NULL. */
static struct prefs_sort *
prefs_find(const struct prefs *p, const char *view)
{
	size_t	i;

	for (i = 0; i < p->nsort; i++)
		if (strcmp(p->sort[i].view, view) == 0)
			return ((struct prefs_sort *)&p->sort[i]);
	return (NULL);
}

bool
prefs_sort(const struct prefs *p, const char *view, const char **column, bool *desc)
{
	const struct prefs_sort	*s = prefs_find(p, view);

	if (s == NULL)
		return (false);
	*column = s->column;
	*desc = s->desc;
	return (true);
}

void
prefs_set_sort(struct prefs *p, const char *view, const char *column, bool desc)
{
	struct prefs_sort	*s = prefs_find(p, view);

	if (s == NULL) {
		if (p->nsort == PREFS_MAX_SORTS)
			return;
		s = &p->sort[p->nsort++];
		s->view = xstrdup(view);
		s->column = NULL;
	} else if (strcmp(s->column, column) == 0 && s->desc == desc)
		return;
	free(s->column);
	s->column = xstrdup(column);
	s->desc = desc;
	p->dirty = true;
}

bool
prefs_dirty(const struct prefs *p)
{
	return (p->dirty);
}

void
prefs_mark_saved(struct prefs *p)
{
	p->dirty = false;
}

int
prefs_parse(struct prefs *p, const char *text, struct mc_err *err)
{
	cJSON		*doc, *v, *sort, *e, *col, *desc;
	const char	*why = NULL;

	prefs_clear(p);
	p->dirty = false;
	if ((doc = cJSON_Parse(text)) == NULL)
		return (mc_err_set(err, MC_E_INPUT, "not JSON"));
	if (!cJSON_IsObject(doc))
		why = "not a JSON object";
	v = cJSON_GetObjectItemCaseSensitive(doc, "refresh_ms");
	if (why == NULL && v != NULL) {
		if (!cJSON_IsNumber(v) || v->valuedouble < PREFS_REFRESH_MIN_MS ||
		    v->valuedouble > PREFS_REFRESH_MAX_MS)
			why = "refresh_ms is not a number of milliseconds in 250..60000";
		else
			p->refresh_ms = (int)v->valuedouble;
	}
	sort = cJSON_GetObjectItemCaseSensitive(doc, "sort");
	if (why == NULL && sort != NULL && !cJSON_IsObject(sort))
		why = "sort is not an object";
	if (why == NULL && sort != NULL)
		cJSON_ArrayForEach(e, sort) {
			col = cJSON_GetObjectItemCaseSensitive(e, "column");
			desc = cJSON_GetObjectItemCaseSensitive(e, "descending");
			if (!cJSON_IsObject(e) || !cJSON_IsString(col) ||
			    col->valuestring[0] == '\0' ||
			    (desc != NULL && !cJSON_IsBool(desc))) {
				why = "a sort entry is not {\"column\": NAME, \"descending\": BOOL}";
				break;
			}
			prefs_set_sort(p, e->string, col->valuestring, cJSON_IsTrue(desc));
		}
	cJSON_Delete(doc);
	p->dirty = false;
	if (why != NULL) {
		prefs_clear(p);
		return (mc_err_set(err, MC_E_INPUT, "%s", why));
	}
	return (0);
}

int
prefs_load(struct prefs *p, const char *path, struct mc_err *err)
{
	char	*text;
	int	 fd, r;
	ssize_t	 n;
	size_t	 len = 0;

	prefs_clear(p);
	p->dirty = false;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) < 0) {
		if (errno == ENOENT)
			return (0);
		return (mc_err_sys(err, "%s", path));
	}
	text = xmalloc(PREFS_MAX_FILE + 1);
	while (len < PREFS_MAX_FILE && (n = read(fd, text + len, PREFS_MAX_FILE - len)) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			r = mc_err_sys(err, "%s", path);
			close(fd);
			free(text);
			return (r);
		}
		len += (size_t)n;
	}
	close(fd);
	text[len] = '\0';
	if (len == PREFS_MAX_FILE || strlen(text) != len)
		r = mc_err_set(err, MC_E_INPUT, "too large or not text");
	else
		r = prefs_parse(p, text, err);
	free(text);
	if (r != 0)
		mc_err_prefix(err, "%s: ", path);
	return (r);
}

char *
prefs_text(const struct prefs *p)
{
	cJSON	*doc = cJSON_CreateObject(), *sort, *e;
	char	*s, *out;
	size_t	 i;

	if (p->refresh_ms > 0)
		cJSON_AddNumberToObject(doc, "refresh_ms", p->refresh_ms);
	sort = cJSON_AddObjectToObject(doc, "sort");
	for (i = 0; i < p->nsort; i++) {
		e = cJSON_AddObjectToObject(sort, p->sort[i].view);
		cJSON_AddStringToObject(e, "column", p->sort[i].column);
		cJSON_AddBoolToObject(e, "descending", p->sort[i].desc);
	}
	s = cJSON_Print(doc);
	cJSON_Delete(doc);
	out = xasprintf("%s\n", s);
	cJSON_free(s);
	return (out);
}

/* mkdir -p the directory part of path (0700 for what it creates). */
static int
prefs_mkdirs(const char *path, struct mc_err *err)
{
	char	*d = xstrdup(path), *s;
	int	 r = 0;

	if ((s = strrchr(d, '/')) != NULL)
		*s = '\0';
	for (s = d + 1; r == 0 && *d != '\0'; s++) {
		char	c = *s;

		if (c != '/' && c != '\0')
			continue;
		*s = '\0';
		if (mkdir(d, 0700) != 0 && errno != EEXIST)
			r = mc_err_sys(err, "cannot create %s", d);
		*s = c;
		if (c == '\0')
			break;
	}
	free(d);
	return (r);
}

int
prefs_save(const struct prefs *p, const char *path, struct mc_err *err)
{
	char	*text;
	int	 r;

	if (prefs_mkdirs(path, err) != 0)
		return (-1);
	text = prefs_text(p);
	r = fsafe_write(path, text, strlen(text), 0600, err);
	free(text);
	return (r);
}

char *
prefs_path(void)
{
	const char	*x = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");

	if (x != NULL && x[0] == '/')
		return (xasprintf("%s/mcpdb/tui.json", x));
	if (home != NULL && home[0] != '\0')
		return (xasprintf("%s/.config/mcpdb/tui.json", home));
	return (NULL);
}
