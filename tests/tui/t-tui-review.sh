#!/bin/sh
# t-tui-review.sh - the defects an operator found reviewing the shell in tmux
# (issue 19), each checked the way it was seen: the real mcpdb in a private
# tmux server on a database of the test's own (tests/tui/panes-lib.sh).
# Needs the harness servers.
. "${MCPDB_SRCDIR:?}/tests/tap.sh"
. "$MCPDB_SRCDIR/tests/tui/panes-lib.sh"
COLS=120 ROWS=40

# ---- 3: one connection-saturation definition (usable slots, as health)
start
wait_for "── Server 15" 15; ok $? "the Dashboard shows the server section"
usable=$(sql "SELECT current_setting('max_connections')::int -
	current_setting('superuser_reserved_connections')::int")
line=$(screen | grep -F "conns    [")
like "$line" "/$usable]" "the conns gauge counts against the usable slots ($usable)"
unlike "$line" "NEAR LIMIT" "no saturation warning with a few connections"
h=$(cli health 2>&1)
like "$h" "/$usable connections" "health uses the same definition"
stop_tmux

done_testing
