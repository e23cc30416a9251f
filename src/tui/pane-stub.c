/*
 * pane-stub.c - placeholder panes for Migrations, Schema and Seeds: their
 * tabs and number keys exist now, and each says what it will show and which
 * console commands do the job meanwhile. The real panes (tui-panes:
 * pane_migrate_ops, pane_schema_ops, pane_seeds_ops) replace them in
 * ui.c's pane table; the stub symbols are named apart so both can be linked.
 */
#include "config.h"

#include <stdlib.h>

#include "xmem.h"
#include "draw.h"
#include "pane.h"
#include "ui.h"

/* What one placeholder says. */
struct pane_stub {
	const char	*title;
	const char	*what;		/* what the real pane will show */
	const char	*meanwhile;	/* console commands that work today */
};

static const struct pane_stub pane_stub_migrations = {
	"Migrations",
	"pending and applied migrations with checksums, drift, and who holds the migration lock",
	":migrate status   :migrate up   :migrate check",
};
static const struct pane_stub pane_stub_schema = {
	"Schema",
	"a lazy browser of schemas, tables, columns, indexes and policies",
	":schema list   :schema export   (:help schema)",
};
static const struct pane_stub pane_stub_seeds = {
	"Seeds",
	"seed sets, what each would load, and load progress",
	":seed list   :seed verify SET   :seed load SET",
};

static const char *const pane_stub_keys[] = {
	"(this pane's keys arrive with it in the next release)",
	NULL,
};

/* Keep a pointer to the pane's text as its state. */
static void *
pane_stub_init_with(const struct pane_stub *s)
{
	const struct pane_stub	**p = xmalloc(sizeof(*p));

	*p = s;
	return (p);
}

/* init for Migrations. */
static void *
pane_stub_init_migrations(struct ui *ui, struct mc_err *err)
{
	(void)ui; (void)err;
	return (pane_stub_init_with(&pane_stub_migrations));
}

/* init for Schema. */
static void *
pane_stub_init_schema(struct ui *ui, struct mc_err *err)
{
	(void)ui; (void)err;
	return (pane_stub_init_with(&pane_stub_schema));
}

/* init for Seeds. */
static void *
pane_stub_init_seeds(struct ui *ui, struct mc_err *err)
{
	(void)ui; (void)err;
	return (pane_stub_init_with(&pane_stub_seeds));
}

/* Free the state. */
static void
pane_stub_free(void *p)
{
	free(p);
}

/* Say what is coming and what works today. */
static void
pane_stub_draw(void *p, WINDOW *win, bool focused)
{
	const struct pane_stub	*s = *(const struct pane_stub **)p;
	int			 w = getmaxx(win);

	(void)focused;
	draw_title(win, 0, 0, w, s->title, NULL);
	draw_text(win, 2, 2, w - 4, A_BOLD, 0, "coming in the next release");
	draw_textf(win, 4, 2, w - 4, A_NORMAL, 0, "This pane will show %s.", s->what);
	draw_text(win, 6, 2, w - 4, A_NORMAL, 0, "Meanwhile, in the console:");
	draw_text(win, 7, 4, w - 6, draw_attr(DR_KEY), 0, s->meanwhile);
}

const struct pane_ops pane_stub_migrations_ops = {
	.name = "Migrations", .hotkey = '3', .keys = pane_stub_keys,
	.init = pane_stub_init_migrations, .free = pane_stub_free, .draw = pane_stub_draw,
};
const struct pane_ops pane_stub_schema_ops = {
	.name = "Schema", .hotkey = '4', .keys = pane_stub_keys,
	.init = pane_stub_init_schema, .free = pane_stub_free, .draw = pane_stub_draw,
};
const struct pane_ops pane_stub_seeds_ops = {
	.name = "Seeds", .hotkey = '5', .keys = pane_stub_keys,
	.init = pane_stub_init_seeds, .free = pane_stub_free, .draw = pane_stub_draw,
};
