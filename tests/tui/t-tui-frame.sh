#!/bin/sh
# t-tui-frame.sh - the interactive shell's frame as an operator uses it: the
# real mcpdb in a private tmux server, keys sent with send-keys, the screen
# read with capture-pane. Tabs and number keys (each pane answers), '?',
# resize and the too-small message, NO_COLOR, ASCII and UTF-8 line drawing,
# the status line, the log pane, the console (a command and its output,
# help, errors, completion, paging, history across a restart), the
# confirmation dialog (y/N and a protected target's typed name), export, and
# quitting (at once; asking while a job runs). Outage behaviour is tested
# with the dashboards (tui-data), each pane's own keys with the pane.
. "${MCPDB_SRCDIR:?}/tests/tap.sh"
M=${MCPDB_BIN:?}
command -v tmux >/dev/null 2>&1 || skip_all "tmux is not installed"
[ -n "${MCPDB_TEST_PGURL:-}" ] || skip_all "MCPDB_TEST_PGURL not set (run under tests/harness/with-servers.sh)"
[ -n "${MCPDB_TEST_REDIS:-}" ] || skip_all "MCPDB_TEST_REDIS not set (run under tests/harness/with-servers.sh)"
PG=$MCPDB_TEST_PGURL
RS=$MCPDB_TEST_REDIS
D=$(mktemp -d -t mcpdb-tui.XXXXXX)
. "$MCPDB_SRCDIR/tests/tui/tui-lib.sh"
COLS=100 ROWS=30
trap 'tui_kill; rm -rf "$D"' EXIT
trap 'exit 1' INT TERM HUP
unset MCPDB_CONFIG MCPDB_TARGET DATABASE_URL REDIS_URL NO_COLOR MCPDB_LOG_FILE MCPDB_LOG_LEVEL
export XDG_STATE_HOME="$D/state" XDG_CONFIG_HOME="$D/config"
mkdir -p "$XDG_CONFIG_HOME/mcpdb"

# The app runs from a script so that the URLs need no quoting in tmux; the
# shell reports the exit status and keeps the pane open to be read.
cat >"$D/run.sh" <<EOF
#!/bin/sh
"$M" --pg "$PG" --redis "$RS" "\$@"
echo "EXITED \$?"
exec sleep 600
EOF

# ---- without a terminal: no shell, a clear word instead
out=$("$M" --pg "$PG" --redis "$RS" tui </dev/null 2>&1); rc=$?
is "$rc" 2 "mcpdb tui without a terminal: exit 2"
like "$out" "needs a terminal" "and says it needs a terminal"
out=$("$M" </dev/null 2>&1 | head -1)
like "$out" "usage: mcpdb" "mcpdb with no command and no terminal prints the usage"

# ---- first paint, status line, tabs
t0=$(ms)
start
wait_for "[1 Dashboard]"; ok $? "first paint shows the tab bar with Dashboard selected"
t1=$(ms)
diag "first paint seen after $((t1 - t0)) ms (tmux start included)"
wait_for "PG up" 10; ok $? "status line: PostgreSQL up"
wait_for "Redis up" 10; ok $? "status line: Redis up"
like "$(row 29)" " default " "status line (row 29) names the target"
like "$(row 29)" "old" "status line shows the age of the data"
keys 2; wait_for "[2 Redis]"; ok $? "2 selects the Redis pane"
keys 3; wait_for "[3 Migrations]"; ok $? "3 selects Migrations"
wait_for "u apply next"; ok $? "the Migrations pane shows its keys"
keys 4; wait_for "[4 Schema]"; ok $? "4 selects Schema"
wait_for "/ filter"; ok $? "the Schema pane shows its keys"
keys 5; wait_for "[5 Seeds]"; ok $? "5 selects Seeds"
wait_for "l load"; ok $? "the Seeds pane shows its keys"
keys 6; wait_for "[6 Log]"; ok $? "6 selects the Log pane"
wait_for "tui: first paint"; ok $? "the log pane shows a log line (first paint)"
keys Tab; wait_for "[1 Dashboard]"; ok $? "Tab wraps from Log to Dashboard"
keys BTab; wait_for "[6 Log]"; ok $? "Shift-Tab goes back to Log"

# ---- help overlay
keys '?'; wait_for "Keys: Log"; ok $? "? opens the keys of the current pane"
like "$(screen)" "t d i w E" "the overlay lists the Log pane's own keys"
like "$(screen)" "quit (asks first when a job is running)" "and the global keys"
keys x; wait_gone "Keys: Log"; ok $? "any key closes the overlay"

# ---- resize
tmx resize-window -x 120 -y 40
wait_for "mcpdb 0"; sleep 0.2
is "$(row 1 | awk '{ print length }')" 120 "after resizing to 120x40 the tab bar spans 120 columns"
like "$(row 39)" " default " "the status line moved to row 39"
tmx resize-window -x 60 -y 20
wait_for "terminal too small (60x20); need at least 80x24"; ok $? "60x20 shows the too-small message"
unlike "$(screen)" "[6 Log]" "and nothing else"
tmx resize-window -x 100 -y 30
wait_for "[6 Log]"; ok $? "back at 100x30 the panes return"

# ---- console
keys :; keys version Enter
# "mcpdb 0." is also in the tab bar: wait for the console's end-of-command
# line, then look for the version below the Console title.
wait_for "(done in" 15; screen | sed -n '/── Console/,$p' | grep -qF "mcpdb 0."
ok $? ":version runs and shows its output"
like "$(screen)" ": version" "the command is echoed in the console panel"
keys help Enter
wait_for 'Run "mcpdb help COMMAND"'; ok $? ":help shows the command list"
keys PPage; wait_for "scrolled back"; ok $? "PgUp scrolls the console output back"
keys NPage NPage; wait_gone "scrolled back"; ok $? "PgDn returns to the newest output"
keys Right; wait_for "scrolled right"; ok $? "Right on an empty console line scrolls the output sideways"
keys Left; wait_gone "scrolled right"; ok $? "Left scrolls back"
keys nosuchcmd Enter
wait_for 'unknown command "nosuchcmd"'; ok $? "an unknown command says so"
keys hea Tab
wait_for ":health"; is "$(row 30)" ":health" "Tab completes hea to health"
keys C-u 'redis su' Tab
wait_for ":redis subscribe"; is "$(row 30)" ":redis subscribe" "Tab completes a subcommand"
keys C-u
"$M" --pg "$PG" --redis "$RS" --log-level error redis set tui-frame-key v >/dev/null 2>&1
keys 'redis del tui-frame-key' Enter
wait_for "Continue? [y/N]"; ok $? "a destructive command asks in a dialog"
keys y Enter
wait_for 'deleted key "tui-frame-key"'; ok $? "answering y runs it"

# ---- quitting while a job runs
keys 'redis subscribe tui-frame-chan' Enter
wait_for "subscribed to"; ok $? "a streaming command runs as a job"
"$M" --pg "$PG" --redis "$RS" --log-level error redis publish tui-frame-chan hello-from-test >/dev/null 2>&1
wait_for "hello-from-test"; ok $? "its output arrives while it runs"
like "$(row 29)" "job: redis subscribe" "the status line shows the running job"
keys quit Enter
wait_for "Quit anyway?"; ok $? "quitting while a job runs asks first"
keys n
wait_gone "Quit anyway?"; ok $? "n keeps the shell"
keys Escape
wait_for "stopped after"; ok $? "Esc stops the running job"
keys Escape
wait_gone "Console"; ok $? "a second Esc closes the console"

# ---- export
keys e
wait_for "exported every pane to"; ok $? "e exports"
f=$(ls "$XDG_STATE_HOME"/mcpdb/export-default-*.json 2>/dev/null | head -1)
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["mcpdb_export"]==1 and d["target"]=="default"' "$f" 2>/dev/null
ok $? "the export is one JSON document for the target"

# ---- q quits at once
t0=$(ms); keys q
wait_for "EXITED 0" 3; ok $? "q quits, exit status 0"
t1=$(ms); diag "q to exit: $((t1 - t0)) ms"

# ---- history across a restart
start
wait_for "[1 Dashboard]"
keys : Up
wait_for ":quit"; is "$(row 30)" ":quit" "after a restart Up recalls the last line entered"
keys Up
wait_for ":redis subscribe tui-frame-chan"; ok $? "and Up again the one before"
keys Escape; wait_gone "Console"
keys q; wait_for "EXITED 0" 3

# ---- logs never reach the screen, only the Log pane
start -- --log-level debug
wait_for "PG up" 10
sleep 1
unlike "$(screen)" " DEBUG " "debug logging on: no log line on the dashboard"
keys 6; wait_for " DEBUG "; ok $? "the Log pane has them"
keys q; wait_for "EXITED 0" 3

# ---- monochrome and line drawing
start NO_COLOR=1
wait_for "[1 Dashboard]"
keys 6; wait_for "── Log"
tmx capture-pane -e -p >"$D/mono.txt"
grep -q "$(printf '\033')\[[0-9;]*3[0-7]m\|$(printf '\033')\[[0-9;]*4[0-7]m" "$D/mono.txt"
ok $(( ! $? )) "NO_COLOR: no colour codes on screen"
grep -q "$(printf '\033')\[[0-9;]*7m" "$D/mono.txt"; ok $? "NO_COLOR: the selected tab and status line are reversed"
keys q; wait_for "EXITED 0" 3
start
wait_for "[1 Dashboard]"
tmx capture-pane -e -p >"$D/color.txt"
grep -q "$(printf '\033')\[[0-9;]*4[0-7]m" "$D/color.txt"; ok $? "with colours: the bars use colour (so the NO_COLOR test can fail)"
keys q; wait_for "EXITED 0" 3
start -- tui --ascii
wait_for "[1 Dashboard]"; keys 6
wait_for "-- Log --"; ok $? "--ascii draws lines with ASCII"
keys q; wait_for "EXITED 0" 3
start LC_ALL=C
wait_for "[1 Dashboard]"; keys 6
wait_for "-- Log --"; ok $? "a non-UTF-8 locale falls back to ASCII"
keys q; wait_for "EXITED 0" 3

# ---- a protected target: highlighted; the dialog wants its name typed
cat >"$XDG_CONFIG_HOME/mcpdb/config.json" <<EOF
{ "targets": { "prod": { "pg": "$PG", "redis": "$RS", "protected": true } } }
EOF
chmod 600 "$XDG_CONFIG_HOME/mcpdb/config.json"
cat >"$D/run.sh" <<EOF
#!/bin/sh
"$M" --target prod "\$@"
echo "EXITED \$?"
exec sleep 600
EOF
start
wait_for " prod PROTECTED "; ok $? "a protected target is marked on the status line"
"$M" --pg "$PG" --redis "$RS" --log-level error redis set tui-frame-key v >/dev/null 2>&1
keys : 'redis del tui-frame-key' Enter
wait_for "Type the target name"; ok $? "on a protected target the dialog asks for the name"
keys wrong Enter
wait_for "does not match"; ok $? "a wrong name refuses; nothing is done"
keys Escape; wait_gone "Console"
keys q; wait_for "EXITED 0" 3
done_testing
