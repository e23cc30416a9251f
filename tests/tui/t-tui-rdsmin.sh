#!/bin/sh
# t-tui-rdsmin.sh - redis_options.min_connections as the operator sees it:
# the Redis pane's "mcpdb's Redis clients" line for the console shows
# "conns N/MAX min M", the warm-up opens the minimum without any command,
# and after the server drops every client (CLIENT KILL TYPE normal) the
# count comes back by itself. Needs the harness PostgreSQL, tmux and
# redis-server: Redis is a private one, because it kills its clients.
. "${MCPDB_SRCDIR:?}/tests/tap.sh"
M=${MCPDB_BIN:?}
command -v tmux >/dev/null 2>&1 || skip_all "tmux is not installed"
command -v redis-cli >/dev/null 2>&1 || skip_all "redis-cli is not installed"
[ -n "${MCPDB_TEST_PGURL:-}" ] || skip_all "MCPDB_TEST_PGURL not set (run under tests/harness/with-servers.sh)"
command -v redis-server >/dev/null 2>&1 || skip_all "redis-server is not installed"
PG=$MCPDB_TEST_PGURL
D=$(mktemp -d -t mcpdb-tuirdsmin.XXXXXX)
. "$MCPDB_SRCDIR/tests/tui/tui-lib.sh"
COLS=160 ROWS=50
SRV=
cleanup() { tui_kill; [ -n "$SRV" ] && kill "$SRV" 2>/dev/null; rm -rf "$D"; }
trap cleanup EXIT
trap 'exit 1' INT TERM HUP
RS=$D/redis.sock
redis-server --port 0 --unixsocket "$RS" --save "" --appendonly no --dir "$D" \
	>"$D/redis.log" 2>&1 &
SRV=$!
n=100
while [ $n -gt 0 ] && ! redis-cli -s "$RS" ping >/dev/null 2>&1; do sleep 0.05; n=$((n - 1)); done
[ $n -gt 0 ] || { cat "$D/redis.log" >&2; skip_all "the private redis-server did not start"; }
unset MCPDB_CONFIG MCPDB_TARGET DATABASE_URL REDIS_URL NO_COLOR MCPDB_LOG_FILE MCPDB_LOG_LEVEL
export XDG_STATE_HOME="$D/state" XDG_CONFIG_HOME="$D/config"
mkdir -p "$XDG_CONFIG_HOME/mcpdb"
printf '{ "targets": { "t": { "redis_options": { "min_connections": 2, "max_connections": 5 } } } }\n' >"$D/config.json"
cat >"$D/run.sh" <<EOS
#!/bin/sh
MCPDB_CONFIG="$D/config.json" "$M" --target t --pg "$PG" --redis "$RS" "\$@"
echo "EXITED \$?"
exec sleep 600
EOS
# The console client's line of the Redis pane.
console() { screen | grep -F "console " | grep -F "conns " | head -n 1; }

start
wait_for "── Server 15" 15; ok $? "the Dashboard is up"
keys 2
wait_for "mcpdb's Redis clients" 10; ok $? "the Redis pane lists mcpdb's own clients"
wait_for "conns 2/5 min 2" 10; ok $? "the console client keeps min_connections 2 of 5 open: $(console)"
n=$(redis-cli -s "$RS" CLIENT KILL TYPE normal)
ok "$([ "$n" -ge 2 ]; echo $?)" "the server dropped $n clients"
t0=$(date +%s)
# The warm-up finds the dropped connections (no command is sent) and dials
# again: the console line's reconnect count moves off 0.
n=200
while [ $n -gt 0 ] && console | grep -qF "reconnects 0"; do sleep 0.05; n=$((n - 1)); done
ok "$([ $n -gt 0 ]; echo $?)" "the warm-up noticed the dropped connections and redialled: $(console)"
wait_for "conns 2/5 min 2" 10; rc=$?
ok $rc "and the console is back at its minimum ($(( $(date +%s) - t0 )) s): $(console)"
is "$(redis-cli -s "$RS" CLIENT LIST | grep -c 'name=mcpdb-tui')" 2 "the server sees the console's 2 connections again"
keys q
wait_for "EXITED 0" 5; ok $? "q quits cleanly"
done_testing
