#!/bin/sh
# t-tui-outage.sh - the dashboards never freeze: on a private PostgreSQL +
# Redis pair (started here, torn down on exit; the shared harness servers are
# never touched), the real mcpdb runs in tmux while PostgreSQL is stopped,
# Redis is killed, and PostgreSQL is frozen with SIGSTOP. Each time the data
# is marked stale with its time, the panes still switch at once, and `q`
# quits at once. Before the outages, the console pool's gauge moves while a
# console command holds a connection behind a lock, and the server side and
# the blocked-sessions line show the same session; and replication shows: a
# PostgreSQL standby (pg_basebackup) and a Redis replica of the private pair
# appear on the primaries' panes, and the standby's own Dashboard says so.
. "${MCPDB_SRCDIR:?}/tests/tap.sh"
M=${MCPDB_BIN:?}
SRV="$MCPDB_SRCDIR/src/mcpdb-servers.sh"
command -v tmux >/dev/null 2>&1 || skip_all "tmux is not installed"
command -v psql >/dev/null 2>&1 || skip_all "psql is not installed"
command -v initdb >/dev/null 2>&1 || [ -x /usr/lib/postgresql/15/bin/initdb ] ||
	skip_all "PostgreSQL server binaries not found"
command -v redis-server >/dev/null 2>&1 || skip_all "redis-server is not installed"

base=${TMPDIR:-/tmp}
[ ${#base} -le 60 ] || base=/tmp
SD=$(mktemp -d "$base/mcpdb-tuiout.XXXXXX") || exit 1
chmod 755 "$SD"
D=$(mktemp -d "$base/mcpdb-tuiout-ui.XXXXXX") || exit 1
PIDS=""
STBY="$MCPDB_SRCDIR/tests/harness/pg-standby.sh"
RREPLICA=""
. "$MCPDB_SRCDIR/tests/tui/tui-lib.sh"
COLS=120 ROWS=40
cleanup() {
	tui_kill
	for p in $PIDS; do kill "$p" 2>/dev/null; done
	sh "$STBY" stop --dir "$SD" >/dev/null 2>&1
	[ -n "$RREPLICA" ] && kill "$(cat "$RREPLICA")" 2>/dev/null
	sh "$SRV" pg-thaw --dir "$SD" >/dev/null 2>&1
	sh "$SRV" down --purge --dir "$SD" >/dev/null 2>&1 || rm -rf "$SD"
	rm -rf "$D"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

# Our own servers: a failing start is a hard error, not a skip.
out=$(sh "$SRV" up --dir "$SD") || { echo "Bail out! cannot start private servers"; exit 1; }
eval "$out"
PGBIN=${MCPDB_TEST_PGBIN:-/usr/lib/postgresql/15/bin}
# As root the servers run as user postgres (mcpdb-servers.sh does the same).
as_pg() {
	if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
PG=$MCPDB_TEST_PGURL
RS=$MCPDB_TEST_REDIS
unset MCPDB_CONFIG MCPDB_TARGET DATABASE_URL REDIS_URL NO_COLOR MCPDB_LOG_FILE MCPDB_LOG_LEVEL
export XDG_STATE_HOME="$D/state" XDG_CONFIG_HOME="$D/config"

cat >"$D/run.sh" <<EOF
#!/bin/sh
"$M" --pg "$PG" --redis "$RS" "\$@"
echo "EXITED \$?"
exec sleep 600
EOF

# switch KEY TAB: press KEY and report how long until [TAB] is marked (ms).
switch() {
	t0=$(ms); keys "$1"; wait_for "[$2]" 2 || { echo 99999; return; }
	echo $(( $(ms) - t0 ))
}
# quit_fast WHAT: q must end mcpdb within 1.5 s.
quit_fast() {
	t0=$(ms); keys q
	wait_for "EXITED 0" 5; ok $? "$1: q quits"
	dt=$(( $(ms) - t0 ))
	ok $([ $dt -lt 1500 ]; echo $?) "$1: and at once ($dt ms)"
}

# ---- the console pool's gauge while a console command is held by a lock
start
wait_for "── Server 15" 15; ok $? "the Dashboard is up on the private servers"
wait_for "0 act 1 idle/10"; ok $? "the console pool: one idle connection"
PGAPPNAME=tuiout-lock psql -X -q "$PG" -c "BEGIN; LOCK TABLE pg_catalog.pg_class IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep(5)" >/dev/null 2>&1 &
PIDS="$PIDS $!"
sleep 0.5
keys : 'schema list' Enter
wait_for "1 act 0 idle/10" 5; ok $? "a console command behind a lock: the console pool shows 1 active"
wait_for "mcpdb/tui  server: 1 conn (1 act" 5; ok $? "the server sees the same: mcpdb/tui 1 active"
wait_for "(mcpdb/tui, waiting" 8; ok $? "the blocked line names the console's session"
like "$(screen)" "(tuiout-lock, active" "and its blocker"
wait_for "0 act 1 idle/10" 10; ok $? "when the lock goes, the connection is idle again"
wait_for "(done in" 5
keys Escape
wait_gone "── Console" 2 || { keys Escape; wait_gone "── Console" 2; }
quit_fast "healthy"

# ---- replication: a standby and a Redis replica of the private pair
out=$(sh "$STBY" up --dir "$SD" --name tuistandby)
ok $? "a streaming standby started"
eval "$out"
RREPLICA=$D/replica.pid
redis-server --port 0 --unixsocket "$D/replica.sock" --save '' --appendonly no \
	--daemonize yes --pidfile "$RREPLICA" --dir "$D" --logfile "$D/replica.log" \
	--replicaof 127.0.0.1 "$MCPDB_TEST_REDIS_PORT" >/dev/null
ok $? "a Redis replica started"
start
wait_for "tuistandby (local) streaming" 15; ok $? "the Dashboard shows the standby streaming, with its lag"
like "$(screen)" "lag " "byte and time lag shown"
keys 2
wait_for "1 replica: " 15; ok $? "the Redis pane shows one replica"
wait_for " online " 10; ok $? "online, with its byte lag"
keys q; wait_for "EXITED 0" 5
cat >"$D/run-standby.sh" <<EOF
#!/bin/sh
"$M" --pg "$STANDBY_URL" --redis "$D/replica.sock" "\$@"
echo "EXITED \$?"
exec sleep 600
EOF
tui_session "$D/run-standby.sh"
wait_for "(standby)" 15; ok $? "on the standby the server line says standby"
wait_for "receiver    streaming; received not yet replayed " 5; ok $? "with its replay position"
keys 2
wait_for "replica of 127.0.0.1:$MCPDB_TEST_REDIS_PORT, link up" 15; ok $? "the Redis replica shows its master and link"
keys q; wait_for "EXITED 0" 5
sh "$STBY" stop --dir "$SD" >/dev/null 2>&1
kill "$(cat "$RREPLICA")" 2>/dev/null
RREPLICA=""

# ---- PostgreSQL stopped
start
wait_for "── Server 15" 15
wait_for "Redis up" 10
sh "$SRV" pg-stop --dir "$SD" >/dev/null
wait_for "STALE" 10; ok $? "PostgreSQL stopped: the Dashboard marks its data stale"
like "$(screen)" "STALE: data of " "with the time of the data"
like "$(screen)" "── Server 15" "the last figures stay on screen"
dt=$(switch 2 "2 Redis"); ok $([ "$dt" -lt 1000 ]; echo $?) "the Redis pane opens at once ($dt ms)"
wait_for "updated "; ok $? "Redis data is still fresh"
dt=$(switch 1 "1 Dashboard"); ok $([ "$dt" -lt 1000 ]; echo $?) "back to the Dashboard at once ($dt ms)"
sh "$SRV" pg-start --dir "$SD" >/dev/null
wait_for "updated " 20; ok $? "PostgreSQL back: fresh data again"
quit_fast "after a PostgreSQL restart"

# ---- Redis killed
start
wait_for "── Server 15" 15
keys 2
wait_for "── Server 7" 10; ok $? "the Redis pane has data"
sh "$SRV" redis-kill --dir "$SD" >/dev/null
wait_for "STALE" 10; ok $? "Redis killed: its data is marked stale"
dt=$(switch 1 "1 Dashboard"); ok $([ "$dt" -lt 1000 ]; echo $?) "the Dashboard opens at once ($dt ms)"
like "$(screen)" "updated " "PostgreSQL data is still fresh"
dt=$(switch 2 "2 Redis"); ok $([ "$dt" -lt 1000 ]; echo $?) "and the Redis pane again ($dt ms)"
sh "$SRV" redis-start --dir "$SD" >/dev/null
wait_for "run_id changed" 20; ok $? "Redis back: a banner says the run_id changed (restart)"
quit_fast "after a Redis restart"

# ---- PostgreSQL frozen (SIGSTOP)
start
wait_for "── Server 15" 15
sh "$SRV" pg-freeze --dir "$SD" >/dev/null
wait_for "STALE" 15; ok $? "PostgreSQL frozen: the data goes stale"
dt=$(switch 2 "2 Redis"); ok $([ "$dt" -lt 1000 ]; echo $?) "the Redis pane opens at once ($dt ms)"
dt=$(switch 6 "6 Log"); ok $([ "$dt" -lt 1000 ]; echo $?) "the Log pane too ($dt ms)"
dt=$(switch 1 "1 Dashboard"); ok $([ "$dt" -lt 1000 ]; echo $?) "and the Dashboard ($dt ms)"
like "$(screen)" "STALE" "still marked stale"
quit_fast "while PostgreSQL is frozen"
sh "$SRV" pg-thaw --dir "$SD" >/dev/null
done_testing
