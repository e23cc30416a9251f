/*
 * cmd-tui.c - `mcpdb tui` (also what `mcpdb` with no command runs on a
 * terminal): the interactive shell on the selected target, with the
 * dashboards, the log and a console for every other command.
 */
#include "config.h"

#include <stdbool.h>

#include "cmd.h"
#include "tui/ui.h"

static const struct cmd_opt cmd_tui_opts[] = {
	{ "interval", 0, "MS", "dashboard refresh interval in milliseconds, 100..60000 (default: the saved one, else 1000)", CC_NONE },
	{ "ascii", 0, NULL, "draw lines and bars with ASCII characters only", CC_NONE },
	{ NULL, 0, NULL, NULL, CC_NONE },
};

/* Open the shell on ctx's target until the operator quits. */
static int
cmd_tui_exec(struct cmd_ctx *ctx, const struct cmd_args *a, struct mc_err *err)
{
	struct ui_opts	opts = { 0 };
	long		interval;

	if (cmd_opt_int(a, "interval", 1000, 100, 60000, &interval, err) != 0)
		return (-1);
	if (cmd_opt(a, "interval") == NULL)
		interval = 0;		/* the saved interval (tui.json), else 1000 */
	opts.conf = ctx->conf;
	opts.target = ctx->target;
	opts.log = ctx->log;
	opts.interval_ms = (int)interval;
	opts.ascii = cmd_flag(a, "ascii");
	opts.stop = ctx->stop;
	opts.argv0 = ctx->argv0;
	if (ui_run(&opts, err) != 0)
		return (-1);
	return (0);
}

static const struct cmd_entry cmd_tui_entry = {
	.name = "tui",
	.summary = "the interactive shell: dashboards, log and a command console",
	.help = "Tabs: 1 Dashboard (PostgreSQL), 2 Redis, 3 Migrations, 4 Schema, 5 Seeds,\n"
	    "6 Log. ':' opens the console, where every mcpdb command runs; '?' lists\n"
	    "the keys; 'q' quits. Running mcpdb with no command on a terminal opens it.\n"
	    "Needs at least 80x24. NO_COLOR turns colours off; --ascii avoids\n"
	    "Unicode line drawing. Console history: $XDG_STATE_HOME/mcpdb/history.\n"
	    "Space pauses the display, +/- change the refresh interval, </> and s/S\n"
	    "sort tables; the interval and sorts are saved in\n"
	    "$XDG_CONFIG_HOME/mcpdb/tui.json.",
	.opts = cmd_tui_opts,
	.min_args = 0,
	.max_args = 0,
	.flags = CMD_NEEDS_TARGET,
	.exec = cmd_tui_exec,
};

const struct cmd_entry *const cmd_tui_entries[] = { &cmd_tui_entry, NULL };
