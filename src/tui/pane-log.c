/*
 * pane-log.c - the Log pane: the logger's in-memory ring (log_set_ring),
 * newest last, filtered by level. It follows new entries until the operator
 * scrolls back, and follows again from End.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "log.h"
#include "xmem.h"
#include "draw.h"
#include "pane.h"
#include "ui.h"

struct pane_log {
	struct logger		*log;		/* borrowed from the UI */
	enum log_level		 min;		/* shown: this level and above */
	size_t			 back;		/* entries scrolled back from the newest; 0 follows */
	int			 hscroll;
	int			 page;		/* rows shown by the last draw */
	struct log_entry	*buf;		/* copy of the ring's newest entries */
	size_t			 cap;
	int64_t			 newest_ts;	/* newest entry drawn, to notice new ones */
};

static const char *const pane_log_keys[] = {
	"Up/Down j/k  scroll one line (scrolling back stops following)",
	"PgUp/PgDn    scroll a page",
	"Home/g       oldest entry",
	"End/G        newest entry, and follow new ones",
	"Left/Right   scroll sideways (also h/l)",
	"t d i w E    show trace / debug / info / warn / error and above",
	"+ / -        show fewer / more levels",
	NULL,
};

/* Make the pane's state. */
static void *
pane_log_init(struct ui *ui, struct mc_err *err)
{
	struct pane_log	*p = xcalloc(1, sizeof(*p));

	(void)err;
	p->log = ui_log(ui);
	p->min = log_get_level(p->log);
	p->page = 10;
	return (p);
}

/* Free the state. */
static void
pane_log_free(void *arg)
{
	struct pane_log	*p = arg;

	if (p == NULL)
		return;
	free(p->buf);
	free(p);
}

/* The role a level is drawn in. */
static int
pane_log_attr(enum log_level l)
{
	if (l >= LOGL_ERROR)
		return (draw_attr(DR_BAD));
	if (l == LOGL_WARN)
		return (draw_attr(DR_WARN));
	if (l <= LOGL_DEBUG)
		return (draw_attr(DR_DIM));
	return (A_NORMAL);
}

/* Draw the newest entries that fit, or the page scrolled back to. */
static void
pane_log_draw(void *arg, WINDOW *win, bool focused)
{
	struct pane_log	*p = arg;
	int		 h = getmaxy(win), w = getmaxx(win), rows = h - 1, r;
	size_t		 need, n, first, end;
	char		 right[128];
	enum log_level	 kept = log_get_level(p->log);

	(void)focused;
	if (rows < 1)
		return;
	p->page = rows;
	need = (size_t)rows + p->back;
	if (need > p->cap) {
		p->buf = xreallocarray(p->buf, need, sizeof(*p->buf));
		p->cap = need;
	}
	n = log_ring_copy(p->log, p->min, p->buf, need);
	if (n < need && p->back > 0)	/* scrolled past the oldest */
		p->back = n > (size_t)rows ? n - (size_t)rows : 0;
	end = n > p->back ? n - p->back : 0;
	first = end > (size_t)rows ? end - (size_t)rows : 0;
	snprintf(right, sizeof(right), "%s and above%s%s%s  %s",
	    log_level_name(p->min),
	    p->min < kept ? " (the ring keeps only " : "",
	    p->min < kept ? log_level_name(kept) : "",
	    p->min < kept ? " and above)" : "",
	    p->back > 0 ? "scrolled back: End follows" : "following");
	draw_title(win, 0, 0, w, "Log", right);
	if (n == 0) {
		draw_textf(win, 1, 1, w - 2, draw_attr(DR_DIM), 0,
		    "(no log entries at %s and above yet)", log_level_name(p->min));
		return;
	}
	p->newest_ts = p->buf[n - 1].ts_us;
	for (r = 0; first + (size_t)r < end; r++) {
		const struct log_entry	*e = &p->buf[first + (size_t)r];

		draw_text_skip(win, 1 + r, 0, w, pane_log_attr(e->level), 0, p->hscroll, e->line);
	}
}

/* Set the lowest level shown. */
static int
pane_log_level(struct pane_log *p, int l)
{
	if (l < LOGL_TRACE)
		l = LOGL_TRACE;
	if (l > LOGL_ERROR)
		l = LOGL_ERROR;
	p->min = (enum log_level)l;
	p->back = 0;
	return (PANE_HANDLED | PANE_REDRAW);
}

/* Scrolling and level keys. */
static int
pane_log_key(void *arg, int ch)
{
	struct pane_log	*p = arg;
	size_t		 page = p->page > 1 ? (size_t)p->page - 1 : 1;

	switch (ch) {
	case KEY_UP: case 'k': p->back++; break;
	case KEY_DOWN: case 'j': if (p->back > 0) p->back--; break;
	case KEY_PPAGE: p->back += page; break;
	case KEY_NPAGE: p->back = p->back > page ? p->back - page : 0; break;
	case KEY_HOME: case 'g': p->back = (size_t)-1 / 2; break;	/* clamped by draw */
	case KEY_END: case 'G': p->back = 0; break;
	case KEY_LEFT: case 'h': p->hscroll = p->hscroll > 8 ? p->hscroll - 8 : 0; break;
	case KEY_RIGHT: case 'l': p->hscroll += 8; break;
	case 't': return (pane_log_level(p, LOGL_TRACE));
	case 'd': return (pane_log_level(p, LOGL_DEBUG));
	case 'i': return (pane_log_level(p, LOGL_INFO));
	case 'w': return (pane_log_level(p, LOGL_WARN));
	case 'E': return (pane_log_level(p, LOGL_ERROR));
	case '+': return (pane_log_level(p, (int)p->min + 1));
	case '-': return (pane_log_level(p, (int)p->min - 1));
	default: return (PANE_UNHANDLED);
	}
	return (PANE_HANDLED | PANE_REDRAW);
}

/* Follow new entries: redraw when one arrived. */
static int
pane_log_tick(void *arg)
{
	struct pane_log		*p = arg;
	struct log_entry	 e;

	if (p->back != 0 || log_ring_copy(p->log, p->min, &e, 1) == 0)
		return (0);
	return (e.ts_us != p->newest_ts ? PANE_REDRAW : 0);
}

/* Entries kept by `e` export: the newest, at the level shown. */
#define PANE_LOG_EXPORT_MAX	500

/* `e` export: the newest log entries at the level shown, oldest first. */
static cJSON *
pane_log_export(void *arg)
{
	struct pane_log		*p = arg;
	struct log_entry	*e = xcalloc(PANE_LOG_EXPORT_MAX, sizeof(*e));
	cJSON			*o = cJSON_CreateObject(), *a;
	size_t			 i, n;
	char			 ts[32];
	time_t			 t;
	struct tm		 tm;

	n = log_ring_copy(p->log, p->min, e, PANE_LOG_EXPORT_MAX);
	cJSON_AddStringToObject(o, "level", log_level_name(p->min));
	a = cJSON_AddArrayToObject(o, "entries");
	for (i = 0; i < n; i++) {
		cJSON	*x = cJSON_CreateObject();

		t = (time_t)(e[i].ts_us / 1000000);
		gmtime_r(&t, &tm);
		strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", &tm);
		cJSON_AddStringToObject(x, "time", ts);
		cJSON_AddStringToObject(x, "level", log_level_name(e[i].level));
		cJSON_AddStringToObject(x, "line", e[i].line);
		cJSON_AddItemToArray(a, x);
	}
	free(e);
	return (o);
}

const struct pane_ops pane_log_ops = {
	.name = "Log", .hotkey = '6', .keys = pane_log_keys,
	.init = pane_log_init, .free = pane_log_free, .draw = pane_log_draw,
	.key = pane_log_key, .tick = pane_log_tick, .export = pane_log_export,
};
