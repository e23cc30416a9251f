#!/bin/sh
# t-tui-dash.sh - the Dashboard and Redis panes as an operator uses them: the
# real mcpdb in a private tmux server (120x40), keys sent with send-keys, the
# screen read with capture-pane. The figures on screen are compared with the
# same numbers read with psql and redis-cli; a backend is cancelled and
# another terminated from the sessions list (it disappears); sorting and
# filtering; a message published with redis-cli shows in the Pub/Sub
# monitor; a protected target wants its name typed and a read-only one
# refuses; `e` exports both panes. Needs the harness servers.
. "${MCPDB_SRCDIR:?}/tests/tap.sh"
M=${MCPDB_BIN:?}
command -v tmux >/dev/null 2>&1 || skip_all "tmux is not installed"
command -v psql >/dev/null 2>&1 || skip_all "psql is not installed"
command -v redis-cli >/dev/null 2>&1 || skip_all "redis-cli is not installed"
[ -n "${MCPDB_TEST_PGURL:-}" ] || skip_all "MCPDB_TEST_PGURL not set (run under tests/harness/with-servers.sh)"
[ -n "${MCPDB_TEST_REDIS:-}" ] || skip_all "MCPDB_TEST_REDIS not set (run under tests/harness/with-servers.sh)"
PG=$MCPDB_TEST_PGURL
RS=$MCPDB_TEST_REDIS
D=$(mktemp -d -t mcpdb-tuidash.XXXXXX)
APP=tuidash-$$
DB=11	# a Redis db of our own for the keys-per-db figure
PIDS=""
. "$MCPDB_SRCDIR/tests/tui/tui-lib.sh"
COLS=120 ROWS=40
cleanup() {
	tui_kill
	for p in $PIDS; do kill "$p" 2>/dev/null; done
	redis-cli -s "$RS" -n $DB del "$APP:a" "$APP:b" "$APP:c" >/dev/null 2>&1
	rm -rf "$D"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP
unset MCPDB_CONFIG MCPDB_TARGET DATABASE_URL REDIS_URL NO_COLOR MCPDB_LOG_FILE MCPDB_LOG_LEVEL
export XDG_STATE_HOME="$D/state" XDG_CONFIG_HOME="$D/config"
mkdir -p "$XDG_CONFIG_HOME/mcpdb"

cat >"$D/run.sh" <<EOF
#!/bin/sh
"$M" --pg "$PG" --redis "$RS" "\$@"
echo "EXITED \$?"
exec sleep 600
EOF

q() { psql -X -A -t -q "$PG" -c "$1" 2>/dev/null; }
# sleeper APP SECONDS: a psql session running pg_sleep in the background.
sleeper() {
	PGAPPNAME=$1 psql -X -q "$PG" -c "SELECT pg_sleep($2)" >/dev/null 2>&1 &
	PIDS="$PIDS $!"
	n=100
	while [ $n -gt 0 ]; do
		p=$(q "SELECT pid FROM pg_stat_activity WHERE application_name = '$1' AND state = 'active'")
		[ -n "$p" ] && { echo "$p"; return 0; }
		sleep 0.05; n=$((n - 1))
	done
	return 1
}

# ---- the Dashboard against psql
start
wait_for "── Server 15" 15; ok $? "the Dashboard shows the server section"
v=$(q "SHOW server_version" | cut -d' ' -f1)
wait_for "Server $v"; ok $? "server version as psql reports it ($v)"
mc=$(q "SHOW max_connections")
wait_for "max_connections $mc"; ok $? "max_connections as psql reports it ($mc)"
wait_for "4 statements in"; ok $? "one refresh costs 4 statements"
wait_for "mcpdb/monitor  server: 1 conn"; ok $? "the monitor's pool beside the server's view: one connection"
n=$(q "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'mcpdb/monitor'")
is "$n" 1 "psql also sees one mcpdb/monitor session"
wait_for "PG up"; ok $? "status line: PostgreSQL up"

# ---- a backend: listed, filtered, cancelled
pid=$(sleeper "$APP-c" 60)
ok $? "a psql session runs pg_sleep (pid $pid)"
wait_for "$APP-c"; ok $? "it appears in the sessions list"
line=$(screen | grep -F "$APP-c" | head -1)
like "$line" "$pid" "with its pid"
like "$line" "active" "its state"
like "$line" "Timeout:PgSleep" "its wait event"
like "$line" "SELECT pg_sleep(60)" "and its query"
keys / ; keys -l "$APP-c"; keys Enter
wait_for "1 shown"; ok $? "a filter narrows the list to that session"
wait_for "filter: $APP-c"; ok $? "and says so"
keys c
wait_for "Cancel the running query of backend $pid"; ok $? "c asks before cancelling"
keys y
wait_for "cancel sent to backend $pid"; ok $? "y cancels"
wait_for "0 shown" 5; ok $? "the cancelled backend disappears from the list"
n=$(q "SELECT count(*) FROM pg_stat_activity WHERE pid = $pid AND state = 'active'")
is "$n" 0 "psql agrees: it no longer runs a query"

# ---- terminate
pid=$(sleeper "$APP-k" 60)
keys / C-u; keys -l "$APP-k"; keys Enter
wait_for "1 shown"; ok $? "a second session is listed"
keys K
wait_for "TERMINATE backend $pid"; ok $? "K asks before terminating"
keys n
wait_gone "TERMINATE backend"; ok $? "n declines"
sleep 0.5
n=$(q "SELECT count(*) FROM pg_stat_activity WHERE pid = $pid")
is "$n" 1 "declined: the backend is still there"
keys K; wait_for "TERMINATE backend $pid"; keys y
wait_for "backend $pid terminated"; ok $? "y terminates"
keys i
wait_gone "idle hidden"
wait_for "0 shown" 5; ok $? "the terminated backend is gone (idle ones shown too)"
n=$(q "SELECT count(*) FROM pg_stat_activity WHERE pid = $pid")
is "$n" 0 "psql agrees: the backend exited"

# ---- the session ends while the confirmation is open: the signal is for
# the session that was selected (pid + backend_start), so nothing is sent
pid=$(sleeper "$APP-g" 60)
keys / C-u; keys -l "$APP-g"; keys Enter
wait_for "1 shown"
keys K
wait_for "TERMINATE backend $pid"; ok $? "K asks before terminating (a third session)"
q "SELECT pg_terminate_backend($pid, 3000)" >/dev/null
keys y
wait_for "session $pid is gone" 5; ok $? "y re-checks the session first: gone, and says so"
wait_for "selected): nothing was terminated" 5; ok $? "and that nothing was signalled"
pid=$(sleeper "$APP-g2" 60)
keys / C-u; keys -l "$APP-g2"; keys Enter
wait_for "1 shown"
keys c
wait_for "Cancel the running query of backend $pid"
q "SELECT pg_terminate_backend($pid, 3000)" >/dev/null
keys y
wait_for "session $pid is gone" 5; ok $? "cancel re-checks the session too"

# ---- sorting and the idle toggle
keys / Escape
wait_gone "filter:"; ok $? "Esc in the filter clears it"
wait_gone "idle hidden"; ok $? "i shows idle sessions"
keys s; wait_for "sort pid asc"; ok $? "s sorts by the next column (pid)"
keys S; wait_for "sort pid desc"; ok $? "S reverses the order"
keys i; wait_for "idle hidden (i)"; ok $? "i hides idle sessions again"

# ---- the Redis pane against redis-cli
redis-cli -s "$RS" -n $DB mset "$APP:a" 1 "$APP:b" 2 "$APP:c" 3 >/dev/null
keys 2
wait_for "[2 Redis]"; ok $? "2 shows the Redis pane"
rv=$(redis-cli -s "$RS" info server | tr -d '\r' | sed -n 's/^redis_version://p')
wait_for "Server $rv" 10; ok $? "Redis version as redis-cli reports it ($rv)"
rid=$(redis-cli -s "$RS" info server | tr -d '\r' | sed -n 's/^run_id://p' | cut -c1-8)
wait_for "run_id $rid"; ok $? "and its run_id"
role=$(redis-cli -s "$RS" info replication | tr -d '\r' | sed -n 's/^role://p')
wait_for "repl     $role"; ok $? "role $role"
keysn=$(redis-cli -s "$RS" -n $DB dbsize)
wait_for "db$DB $keysn" 5; ok $? "keys per db: db$DB $keysn as DBSIZE says"
mm=$(redis-cli -s "$RS" config get maxmemory | sed -n 2p)
if [ "$mm" = 0 ]; then
	wait_for "unbounded (maxmemory 0"; ok $? "maxmemory 0 reads unbounded"
else
	wait_for "policy"; ok $? "maxmemory set: used against it with the policy"
fi
wait_for "(not judged under 100 MiB used)"; ok $? "fragmentation is not alarmed on a tiny instance"
save=$(redis-cli -s "$RS" config get save | sed -n 2p)
if [ -z "$save" ]; then
	wait_for "no persistence (no save points, AOF off)"; ok $? "persistence in plain words"
else
	wait_for "persist  "; ok $? "persistence in plain words"
fi
lt=$(redis-cli -s "$RS" config get latency-monitor-threshold | sed -n 2p)
if [ "$lt" = 0 ]; then
	wait_for "latency monitor disabled"; ok $? "an empty latency panel says why"
else
	wait_for "latency"; ok $? "latency panel"
fi
wait_for "ping "; ok $? "PING latency shown"
wait_for "monitor  $RS"; ok $? "mcpdb's own client: endpoint in use"
like "$(screen)" "breaker closed" "and its breaker state"

# ---- Pub/Sub monitor
keys s; keys -l "$APP.*"; keys Enter
wait_for "pattern $APP.*" 10; ok $? "s subscribes the Pub/Sub monitor to a pattern"
n=$(redis-cli -s "$RS" publish "$APP.news" "hello-from-redis-cli-$$")
is "$n" 1 "redis-cli's PUBLISH reached one subscriber"
wait_for "hello-from-redis-cli-$$"; ok $? "the message appears in the Pub/Sub monitor"
like "$(screen)" "$APP.news ($APP.*)" "with its channel and the pattern that matched"
keys u
wait_for "unsubscribed"; ok $? "u unsubscribes"

# ---- export
keys e
wait_for "exported every pane to"; ok $? "e exports"
f=$(ls "$XDG_STATE_HOME"/mcpdb/export-*.json 2>/dev/null | head -1)
python3 - "$f" "$rv" "$APP.news" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
p = d["panes"]
dash = p["Dashboard"]; rd = p["Redis"]
assert dash["server"]["max_connections"] > 0
assert dash["status"]["up"] is True
assert any(x["role"] == "monitor" for x in dash["pools"])
assert rd["server"]["version"] == sys.argv[2]
assert any(m.get("channel") == sys.argv[3] for m in rd["pubsub"]["messages"])
EOF
ok $? "the export holds both panes: server figures, pools, Redis and Pub/Sub messages"
unlike "$(cat "$f" 2>/dev/null)" "password" "and no password"

keys q
wait_for "EXITED 0" 3; ok $? "q quits"

# ---- protected and read-only targets
cat >"$XDG_CONFIG_HOME/mcpdb/config.json" <<EOF
{ "targets": {
    "prod": { "pg": "$PG", "redis": "$RS", "protected": true },
    "ro": { "pg": "$PG", "redis": "$RS", "read_only": true } } }
EOF
chmod 600 "$XDG_CONFIG_HOME/mcpdb/config.json"
cat >"$D/run.sh" <<EOF
#!/bin/sh
"$M" --target "\$1"
echo "EXITED \$?"
exec sleep 600
EOF
pid=$(sleeper "$APP-p" 60)
start -- prod
wait_for "── Sessions" 15
keys / ; keys -l "$APP-p"; keys Enter
wait_for "1 shown"; ok $? "protected target: the session is listed"
keys c
wait_for "Type the target" 5; ok $? "on a protected target cancel wants the name typed"
keys -l prod; keys Enter
wait_for "cancel sent to backend $pid"; ok $? "typing the name cancels"
keys q; wait_for "EXITED 0" 3
pid=$(sleeper "$APP-r" 60)
start -- ro
wait_for "── Sessions" 15
keys / ; keys -l "$APP-r"; keys Enter
wait_for "1 shown"
keys K
wait_for "read-only" 5; ok $? "a read-only target refuses to terminate"
n=$(q "SELECT count(*) FROM pg_stat_activity WHERE pid = $pid")
is "$n" 1 "and the backend still runs"
keys q; wait_for "EXITED 0" 3
q "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name LIKE '$APP-%'" >/dev/null

# ---- a role without pg_monitor: a limited view, said so, not a crash
case $PG in
*://*)	skip "MCPDB_TEST_PGURL is a URI" ;;
*)
	ROLE=tuidash_plain_$$
	q "CREATE ROLE $ROLE LOGIN PASSWORD 'pw'" >/dev/null
	# no config file: --pg/--redis alone (two targets would need --target)
	rm -f "$XDG_CONFIG_HOME/mcpdb/config.json"
	cat >"$D/run.sh" <<EOF
#!/bin/sh
"$M" --pg "$PG user=$ROLE password=pw" --redis "$RS" "\$@"
echo "EXITED \$?"
exec sleep 600
EOF
	pid=$(sleeper "$APP-h" 30)
	start
	wait_for "limited view: this role lacks pg_monitor" 15
	ok $? "a role without pg_monitor gets a limited view, said plainly"
	keys i
	wait_for "(hidden)" 5; ok $? "other roles' sessions are listed as hidden"
	like "$(screen)" "── Server 15" "the server figures are still there"
	keys q; wait_for "EXITED 0" 3; ok $? "and q quits"
	q "SELECT pg_terminate_backend($pid)" >/dev/null
	q "DROP ROLE $ROLE" >/dev/null
	;;
esac
done_testing
