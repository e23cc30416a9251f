/* t-tui-prefs.c - unit tests for the shell's saved display choices (tui.json): round trip, bounds, corrupt input, atomic save. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tap.h"
#include "xmem.h"
#include "tui/prefs.h"

/* Write text to path. */
static void
put(const char *path, const char *text)
{
	FILE	*f = fopen(path, "w");

	if (f == NULL)
		bail_out("cannot write %s", path);
	fputs(text, f);
	fclose(f);
}

/* Parse text: is it refused, with a message containing want? */
static void
refused(const char *text, const char *want)
{
	struct prefs	*p = prefs_new();
	struct mc_err	 e;
	const char	*col;
	bool		 desc;

	mc_err_clear(&e);
	prefs_set_refresh_ms(p, 5000);
	ok(prefs_parse(p, text, &e) == -1, "refused: %s", text);
	like(e.msg, want, "  says why (%s)", e.msg);
	is_int(prefs_refresh_ms(p), 0, "  and leaves the defaults (no interval)");
	ok(!prefs_sort(p, "sessions", &col, &desc), "  and no sort");
	prefs_free(p);
}

int
main(void)
{
	struct prefs	*p = prefs_new(), *q;
	struct mc_err	 e;
	const char	*col = NULL;
	char		 dir[] = "/tmp/t-tui-prefs.XXXXXX", *path, *text, *old;
	struct stat	 sb;
	bool		 desc = false;

	/* Empty: everything unset. */
	is_int(prefs_refresh_ms(p), 0, "a new prefs has no interval");
	ok(!prefs_sort(p, "sessions", &col, &desc), "nor a sort");
	ok(!prefs_dirty(p), "and is not dirty");

	/* Setters, clamping, dirtiness. */
	prefs_set_refresh_ms(p, 10);
	is_int(prefs_refresh_ms(p), PREFS_REFRESH_MIN_MS, "an interval under 250 ms is clamped up");
	prefs_set_refresh_ms(p, 999999);
	is_int(prefs_refresh_ms(p), PREFS_REFRESH_MAX_MS, "one over 60 s is clamped down");
	prefs_set_refresh_ms(p, 2000);
	prefs_set_sort(p, "sessions", "PID", false);
	prefs_set_sort(p, "redis-clients", "MEM", true);
	ok(prefs_dirty(p), "setting marks it dirty");
	prefs_mark_saved(p);
	prefs_set_sort(p, "sessions", "PID", false);
	ok(!prefs_dirty(p), "setting the same sort again does not");
	prefs_set_sort(p, "sessions", "USER", true);
	ok(prefs_dirty(p), "a different one does");
	ok(prefs_sort(p, "sessions", &col, &desc), "the sort is there");
	is_str(col, "USER", "  its column");
	ok(desc, "  its direction");

	/* Round trip through the text. */
	text = prefs_text(p);
	q = prefs_new();
	mc_err_clear(&e);
	ok(prefs_parse(q, text, &e) == 0, "its own text parses back (%s)", e.msg);
	is_int(prefs_refresh_ms(q), 2000, "  the interval");
	ok(prefs_sort(q, "redis-clients", &col, &desc) && strcmp(col, "MEM") == 0 && desc,
	    "  the Redis clients sort");
	ok(prefs_sort(q, "sessions", &col, &desc) && strcmp(col, "USER") == 0 && desc,
	    "  the sessions sort");
	ok(!prefs_dirty(q), "  and a loaded prefs is clean");
	free(text);

	/* Unknown keys are ignored; a missing direction is ascending. */
	ok(prefs_parse(q, "{\"future\": [1,2], \"sort\": {\"locks\": {\"column\": \"PID\"}}}", &e) == 0,
	    "unknown keys are ignored");
	ok(prefs_sort(q, "locks", &col, &desc) && !desc, "  a sort without descending is ascending");
	is_int(prefs_refresh_ms(q), 0, "  parsing replaces the old choices");
	prefs_free(q);

	/* Corrupt input: refused whole, defaults kept. */
	refused("", "not JSON");
	refused("{\"refresh_ms\": 2000", "not JSON");
	refused("[1, 2]", "not a JSON object");
	refused("{\"refresh_ms\": \"fast\"}", "refresh_ms");
	refused("{\"refresh_ms\": 10}", "250..60000");
	refused("{\"refresh_ms\": 2000, \"sort\": 3}", "sort is not an object");
	refused("{\"refresh_ms\": 2000, \"sort\": {\"sessions\": {\"column\": 7}}}", "sort entry");
	refused("{\"sort\": {\"sessions\": {\"column\": \"PID\", \"descending\": \"yes\"}}}",
	    "sort entry");

	/* Files: missing, saved atomically, corrupt, path. */
	if (mkdtemp(dir) == NULL)
		bail_out("mkdtemp");
	path = xasprintf("%s/conf/mcpdb/tui.json", dir);
	q = prefs_new();
	ok(prefs_load(q, path, &e) == 0, "a missing file is no error");
	ok(prefs_save(p, path, &e) == 0, "save creates the directories and the file (%s)", e.msg);
	ok(stat(path, &sb) == 0 && (sb.st_mode & 0777) == 0600, "  mode 0600");
	old = xasprintf("%s/conf/mcpdb", dir);
	ok(stat(old, &sb) == 0 && (sb.st_mode & 0777) == 0700, "  its directory 0700");
	free(old);
	ok(prefs_load(q, path, &e) == 0, "it loads (%s)", e.msg);
	is_int(prefs_refresh_ms(q), 2000, "  with the interval");
	prefs_set_refresh_ms(p, 500);
	ok(prefs_save(p, path, &e) == 0, "saving again replaces it");
	ok(prefs_load(q, path, &e) == 0 && prefs_refresh_ms(q) == 500, "  with the new value");
	old = xasprintf("%s/conf/mcpdb", dir);
	{
		/* No temporary file is left beside it. */
		char	*cmd = xasprintf("test $(ls -A '%s' | wc -l) -eq 1", old);

		ok(system(cmd) == 0, "  and no temporary file is left beside it");
		free(cmd);
	}
	free(old);
	put(path, "{\"refresh_ms\": 2000, garbage");
	mc_err_clear(&e);
	ok(prefs_load(q, path, &e) == -1, "a corrupt file is refused");
	like(e.msg, path, "  the message names the file (%s)", e.msg);
	is_int(prefs_refresh_ms(q), 0, "  and the defaults are used");
	unlink(path);
	{
		/* A symbolic link is not followed. */
		char	*tgt = xasprintf("%s/elsewhere", dir);

		put(tgt, "{\"refresh_ms\": 3000}");
		if (symlink(tgt, path) != 0)
			bail_out("symlink");
		ok(prefs_load(q, path, &e) == -1, "a symbolic link is not read (%s)", e.msg);
		ok(prefs_save(p, path, &e) == -1, "nor written through (%s)", e.msg);
		unlink(path);
		unlink(tgt);
		free(tgt);
	}
	{
		char	*cmd = xasprintf("rm -rf '%s'", dir);

		if (system(cmd) != 0)
			diag("cannot remove %s", dir);
		free(cmd);
	}
	free(path);

	setenv("XDG_CONFIG_HOME", "/x/cfg", 1);
	path = prefs_path();
	is_str(path, "/x/cfg/mcpdb/tui.json", "XDG_CONFIG_HOME/mcpdb/tui.json");
	free(path);
	setenv("XDG_CONFIG_HOME", "rel", 1);
	setenv("HOME", "/h", 1);
	path = prefs_path();
	is_str(path, "/h/.config/mcpdb/tui.json", "a relative XDG_CONFIG_HOME is ignored: ~/.config");
	free(path);
	unsetenv("XDG_CONFIG_HOME");
	path = prefs_path();
	is_str(path, "/h/.config/mcpdb/tui.json", "unset: ~/.config");
	free(path);

	prefs_free(q);
	prefs_free(p);
	return (done_testing());
}
