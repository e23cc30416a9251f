/* dash-repl.c - the Dashboard's replication section (see dash-repl.h). */
#include "config.h"

#include "dash-repl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "repl.h"
#include "xmem.h"
#include "draw.h"

/*
 * Cut the problems text (problems "; "-separated) into lines of at most w
 * columns, each problem starting a line and wrapped at spaces; calls out
 * for each line when out is not NULL. Returns the number of lines.
 */
static int
dash_repl_wrap(const char *text, int w, void (*out)(void *, const char *,
    int), void *arg)
{
	const char	*p = text, *end, *cut;
	int		 n = 0, len;

	if (w < 20)
		w = 20;
	while (*p != '\0') {
		if ((end = strstr(p, "; ")) == NULL)
			end = p + strlen(p);
		while (p < end) {
			len = (int)(end - p);
			if (len > w) {
				for (cut = p + w; cut > p && *cut != ' '; cut--)
					;
				len = cut > p ? (int)(cut - p) : w;
			}
			if (out != NULL)
				out(arg, p, len);
			n++;
			p += len;
			while (*p == ' ')
				p++;
		}
		p = *end != '\0' ? end + 2 : end;
	}
	return (n);
}

int
dash_repl_rows(const struct snap_pg *pg, int w)
{
	if (pg == NULL || !pg->repl_sampled)
		return (0);
	return (1 + repl_nlines(&pg->repl) + (pg->repl_nproblems > 0 ?
	    dash_repl_wrap(pg->repl_problems, w, NULL, NULL) : 0));
}

/*
 * Line i of the section: repl_line's, but shorter for a standby's receiver
 * (its primary is in the title). Caller frees.
 */
static char *
dash_repl_line(const struct repl *r, int i, const char **label)
{
	char	b[24], t[24];

	if (r->error[0] != '\0' || !r->in_recovery || i != 0 || !r->receiver)
		return (repl_line(r, i, label));
	*label = "receiver";
	if (r->backlog_bytes >= 0)
		repl_bytes(r->backlog_bytes, b, sizeof(b));
	else
		snprintf(b, sizeof(b), "?");
	if (r->since_replay_s >= 0)
		snprintf(t, sizeof(t), "%.1f s ago", r->since_replay_s);
	else
		snprintf(t, sizeof(t), "never");
	return (xasprintf("%s; received not yet replayed %s; last replayed "
	    "xact %s", r->receiver_status[0] ? r->receiver_status :
	    "status hidden (needs pg_monitor)", b, t));
}

/* The title's right side: the role, counts and the problems. */
static void
dash_repl_right(const struct snap_pg *pg, char *out, size_t size)
{
	const struct repl	*r = &pg->repl;
	char			 p[32] = "";

	if (pg->repl_nproblems > 0)
		snprintf(p, sizeof(p), "; %d problem%s", pg->repl_nproblems,
		    pg->repl_nproblems == 1 ? "" : "s");
	if (r->error[0] != '\0')
		snprintf(out, size, "not sampled");
	else if (r->in_recovery)
		snprintf(out, size, "this server is a standby%s%s%s",
		    r->sender[0] ? " of " : "", r->sender, p);
	else
		snprintf(out, size, "primary: %d standby%s, %d slot%s%s",
		    r->nstandbys, r->nstandbys == 1 ? "" : "s", r->nslots,
		    r->nslots == 1 ? "" : "s", p);
}

/* Where dash_repl_put draws the problems. */
struct dash_repl_pr {
	WINDOW	*win;
	int	 y, left, used;
};

/* Draw one line of the problems in the warning colour, while rows last. */
static void
dash_repl_put(void *arg, const char *s, int len)
{
	struct dash_repl_pr	*pr = arg;
	char			*t;

	if (pr->used >= pr->left)
		return;
	t = xstrndup(s, (size_t)len);
	draw_text(pr->win, pr->y + pr->used++, 0, getmaxx(pr->win),
	    draw_attr(DR_WARN), DRAW_PAD, t);
	free(t);
}

int
dash_repl_draw(WINDOW *win, int y, int maxrows, const struct snap_pg *pg,
    bool stale)
{
	const struct repl	*r;
	const char		*label;
	char			 right[160], *line;
	int			 w = getmaxx(win), n, i, rows = 0, x, attr,
	    room;
	enum repl_level		 lv;
	struct dash_repl_pr	 pr;

	if (maxrows < 2 || dash_repl_rows(pg, w) == 0)
		return (0);
	r = &pg->repl;
	dash_repl_right(pg, right, sizeof(right));
	draw_title(win, y + rows++, 0, w, "Replication", right);
	n = repl_nlines(r);
	/* Keep a row for "N more" when not every line fits. */
	room = maxrows - rows;
	if (pg->repl_nproblems > 0 && room > 2)
		room -= room > 4 ? 2 : 1;
	for (i = 0; i < n && rows < maxrows; i++) {
		x = 0;
		if (i == room - 1 && n - i > 1) {
			draw_putf(win, y + rows++, &x, draw_attr(DR_DIM),
			    "... %d more line%s (health lists them all)",
			    n - i, n - i == 1 ? "" : "s");
			break;
		}
		line = dash_repl_line(r, i, &label);
		lv = repl_line_level(r, i, &pg->repl_th);
		attr = lv == REPL_BAD ? draw_attr(DR_BAD) : lv == REPL_WARN ?
		    draw_attr(DR_WARN) : stale ? draw_attr(DR_DIM) :
		    (int)A_NORMAL;
		draw_putf(win, y + rows, &x, draw_attr(DR_DIM), "%-12s",
		    label);
		draw_text(win, y + rows++, x, w - x, attr, DRAW_PAD, line);
		free(line);
	}
	if (pg->repl_nproblems > 0 && rows < maxrows) {
		pr.win = win;
		pr.y = y + rows;
		pr.left = maxrows - rows;
		pr.used = 0;
		dash_repl_wrap(pg->repl_problems, w, dash_repl_put, &pr);
		rows += pr.used;
	}
	return (rows);
}
