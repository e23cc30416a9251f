#!/bin/sh
# t-tui-escape.sh - text a server supplies reaches the TUI escaped: a
# session whose query text holds ESC[2J shows in the
# Dashboard's sessions list as "\x1b[2J" (esc.c, the same escapes
# as the command printers), and the screen is not cleared. (PostgreSQL
# itself turns control characters in application_name into '?', so the
# query text is the server-supplied string that can carry them.) Needs the
# harness servers and tmux.
. "${MCPDB_SRCDIR:?}/tests/tap.sh"
M=${MCPDB_BIN:?}
command -v tmux >/dev/null 2>&1 || skip_all "tmux is not installed"
command -v psql >/dev/null 2>&1 || skip_all "psql is not installed"
[ -n "${MCPDB_TEST_PGURL:-}" ] || skip_all "MCPDB_TEST_PGURL not set (run under tests/harness/with-servers.sh)"
[ -n "${MCPDB_TEST_REDIS:-}" ] || skip_all "MCPDB_TEST_REDIS not set (run under tests/harness/with-servers.sh)"
PG=$MCPDB_TEST_PGURL
RS=$MCPDB_TEST_REDIS
D=$(mktemp -d -t mcpdb-tuiesc.XXXXXX)
PIDS=""
. "$MCPDB_SRCDIR/tests/tui/tui-lib.sh"
COLS=120 ROWS=40
cleanup() {
	tui_kill
	for p in $PIDS; do kill "$p" 2>/dev/null; done
	rm -rf "$D"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP
unset MCPDB_CONFIG MCPDB_TARGET DATABASE_URL REDIS_URL NO_COLOR MCPDB_LOG_FILE MCPDB_LOG_LEVEL
export XDG_STATE_HOME="$D/state" XDG_CONFIG_HOME="$D/config"
mkdir -p "$XDG_CONFIG_HOME/mcpdb"
cat >"$D/run.sh" <<EOS
#!/bin/sh
"$M" --pg "$PG" --redis "$RS" "\$@"
echo "EXITED \$?"
exec sleep 600
EOS
APP=tuiesc-$$
SQL=$(printf 'SELECT pg_sleep(30) /* evil\033[2Jq\nx */')
PGAPPNAME=$APP psql -X -q "$PG" -c "$SQL" >/dev/null 2>&1 &
PIDS="$PIDS $!"
n=0
until [ "$(psql -X -A -t -q "$PG" -c "SELECT count(*) FROM pg_stat_activity WHERE application_name = '$APP' AND state = 'active'")" = 1 ] || [ $n -ge 100 ]; do
	sleep 0.05; n=$((n + 1))
done
start
wait_for "── Server 15" 15; ok $? "the Dashboard is up"
wait_for 'evil\x1b[2Jq x' 10; ok $? "query text shown with ESC escaped as \\x1b (its newline is folded to a space)"
screen | grep -q "── Server 15"; ok $? "the screen was not cleared by it"
keys q
wait_for "EXITED 0" 5; ok $? "q quits cleanly"
done_testing
