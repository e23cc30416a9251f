#!/bin/sh
# t-redis-clients.sh - `mcpdb redis clients`, `kill-client`, `slowlog` and
# `errors` against a Redis of the test's own (it changes the slow log and
# latency thresholds, so not the shared harness server): a redis-cli client
# blocked in BLPOP is listed, killing it is refused without an answer and
# done with --yes; a SET lands in the slow log, DEBUG SLEEP in LATENCY
# LATEST; a WRONGTYPE error shows in errorstats and as a failed call.
# Then the Redis pane's clients view (C) in tmux: listed, sorted, and a
# BLPOP client killed after a confirmation (declining leaves it connected).
. "${MCPDB_SRCDIR:?}/tests/tap.sh"
M=${MCPDB_BIN:?}
command -v redis-server >/dev/null 2>&1 || skip_all "redis-server is not installed"
command -v redis-cli >/dev/null 2>&1 || skip_all "redis-cli is not installed"
D=$(mktemp -d -t mcpdb-rclients.XXXXXX)
SRV=
BL=
cleanup() {
	[ -n "${S:-}" ] && tmux -S "$S" kill-server >/dev/null 2>&1
	[ -n "$BL" ] && kill "$BL" 2>/dev/null
	[ -n "$SRV" ] && kill "$SRV" 2>/dev/null
	rm -rf "$D"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP
unset MCPDB_CONFIG MCPDB_TARGET DATABASE_URL MCPDB_LOG_LEVEL MCPDB_LOG_FORMAT MCPDB_LOG_FILE
export XDG_CONFIG_HOME="$D/xdg" HOME="$D"
SOCK=$D/redis.sock
redis-server --port 0 --unixsocket "$SOCK" --save "" --appendonly no \
	--dir "$D" --enable-debug-command yes >"$D/redis.log" 2>&1 &
SRV=$!
n=100
while [ $n -gt 0 ] && ! redis-cli -s "$SOCK" ping >/dev/null 2>&1; do sleep 0.05; n=$((n - 1)); done
[ $n -gt 0 ] || { cat "$D/redis.log" >&2; skip_all "the private redis-server did not start"; }
export REDIS_URL="unix://$SOCK"
rc() { redis-cli -s "$SOCK" "$@"; }
js() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }

# ---- clients
rc blpop "never:$$" 0 >/dev/null 2>&1 &
BL=$!
n=100
while [ $n -gt 0 ] && ! rc client list | grep -q "cmd=blpop"; do sleep 0.05; n=$((n - 1)); done
ID=$(rc client list | grep "cmd=blpop" | sed 's/^id=\([0-9]*\) .*/\1/')
ok "$([ -n "$ID" ] && echo 0 || echo 1)" "a redis-cli client blocks in BLPOP (id $ID)"
out=$("$M" redis clients); is "$?" 0 "redis clients exits 0"
like "$out" "2 clients, sorted by idle time" "it counts the clients (ours and the BLPOP one)"
line=$(echo "$out" | grep -E "^$ID +\|")
like "$line" "blpop" "the BLPOP client is listed with its last command"
like "$line" "default" "and its user"
out=$("$M" --json redis clients --sort mem | js "d['sort'], [c['cmd'] for c in d['clients'] if c['id'] == $ID], all(c['tot_mem'] >= 0 for c in d['clients'])")
is "$out" "mem ['blpop'] True" "--json --sort mem: the client, with memory figures"
m=$("$M" --json redis clients --sort mem | js "[c['tot_mem'] for c in d['clients']] == sorted([c['tot_mem'] for c in d['clients']], reverse=True)")
is "$m" True "--sort mem puts the biggest first"
out=$("$M" redis clients --sort cmds 2>&1); is "$?" 0 "--sort cmds exits 0"
if rc client list | grep -q "tot-cmds="; then
	like "$out" "sorted by commands" "--sort cmds sorts by tot-cmds"
else
	like "$out" "does not count commands per client (tot-cmds, Redis 7.4+); sorted by idle time" "--sort cmds on an older server says it cannot and what it did"
fi
out=$("$M" redis clients --sort nope 2>&1); is "$?" 2 "--sort with a bad key is a usage error"
like "$out" "expected idle, mem or cmds" "and names the keys"

# ---- kill-client behind the confirmation
out=$("$M" redis kill-client "$ID" </dev/null 2>&1); is "$?" 1 "kill-client without a terminal and without --yes is refused"
like "$out" "re-run with --yes" "and says how to go ahead"
like "$out" "kill Redis client $ID" "the question names the client"
sleep 0.2
kill -0 "$BL" 2>/dev/null; ok $? "declined: the BLPOP client is still connected"
rc client list | grep -q "id=$ID "; ok $? "and the server still lists it"
out=$("$M" --yes redis kill-client "$ID"); is "$?" 0 "kill-client --yes exits 0"
is "$out" "killed Redis client $ID" "and says so"
n=100
while [ $n -gt 0 ] && kill -0 "$BL" 2>/dev/null; do sleep 0.05; n=$((n - 1)); done
kill -0 "$BL" 2>/dev/null; is "$?" 1 "the redis-cli process saw its connection close"
BL=
rc client list | grep -q "id=$ID "; is "$?" 1 "the server no longer lists it"
out=$("$M" --yes redis kill-client "$ID" 2>&1); is "$?" 1 "killing it again exits 1"
like "$out" "no Redis client with id $ID" "and says it is gone"
out=$("$M" redis kill-client abc 2>&1); is "$?" 2 "a non-numeric id is a usage error"

# ---- slowlog and latency
rc config set slowlog-log-slower-than 0 >/dev/null
rc config set latency-monitor-threshold 10 >/dev/null
rc slowlog reset >/dev/null
rc set "slow:$$" hello >/dev/null
rc debug sleep 0.05 >/dev/null
out=$("$M" redis slowlog); is "$?" 0 "redis slowlog exits 0"
like "$out" "set slow:$$ hello" "the SET is in the slow log"
like "$out" "latency events (LATENCY LATEST):" "latency events follow"
like "$out" "command" "DEBUG SLEEP shows as a command latency event"
out=$("$M" --json redis slowlog | js "any(e['command'] == 'set slow:$$ hello' and e['usec'] >= 0 for e in d['slowlog']), [e['event'] for e in d['latency']], [e['max_ms'] >= 40 for e in d['latency'] if e['event'] == 'command']")
is "$out" "True ['command'] [True]" "--json: the slow SET and the command latency event (>= 40 ms)"

# ---- errors
rc lpush "slow:$$" x >/dev/null 2>&1
out=$("$M" redis errors); is "$?" 0 "redis errors exits 0"
echo "$out" | grep -qE "^WRONGTYPE +\| 1"; ok $? "the WRONGTYPE error is counted in errorstats"
echo "$out" | grep -qE "^lpush +\| 1 +\|.*\| 1 *$"; ok $? "lpush: one call, one failed call"
out=$("$M" --json redis errors | js "[e['count'] for e in d['errors'] if e['error'] == 'WRONGTYPE'], [(c['calls'], c['failed_calls'], c['rejected_calls'], c['usec_per_call'] >= 0) for c in d['commands'] if c['command'] == 'lpush']")
is "$out" "[1] [(1, 1, 0, True)]" "--json: error counts and per-command calls, failures, usec_per_call"

# ---- the Redis pane's clients view (C), in tmux
if ! command -v tmux >/dev/null 2>&1 || [ -z "${MCPDB_TEST_PGURL:-}" ]; then
	for i in 1 2 3 4 5 6 7 8 9 10 11; do skip "needs tmux and the harness PostgreSQL"; done
	done_testing
	exit 0
fi
rc blpop "never2:$$" 0 >/dev/null 2>&1 &
BL=$!
n=100
while [ $n -gt 0 ] && ! rc client list | grep -q "cmd=blpop"; do sleep 0.05; n=$((n - 1)); done
ID2=$(rc client list | grep "cmd=blpop" | sed 's/^id=\([0-9]*\) .*/\1/')
sleep 2	# the most idle client, so the view's first row (sorted by idle)
. "$MCPDB_SRCDIR/tests/tui/tui-lib.sh"
COLS=140 ROWS=40
cat >"$D/run.sh" <<EOF
#!/bin/sh
"$M" --pg "$MCPDB_TEST_PGURL" --redis "unix://$SOCK" "\$@"
echo "EXITED \$?"
exec sleep 600
EOF
start
keys 2
wait_for "[2 Redis]" 15; ok $? "the Redis pane opens"
keys C
wait_for "Redis clients" 5; ok $? "C opens the clients view"
wait_for "blpop" 10; ok $? "the BLPOP client is listed"
like "$(screen)" "sorted by idle" "sorted by idle time"
keys k
wait_for "KILL Redis client $ID2" 5; ok $? "k asks before killing the most idle client (the BLPOP one, id $ID2)"
keys n
wait_gone "KILL Redis client" 5
sleep 0.3
rc client list | grep -q "id=$ID2 "; ok $? "declined: the client is still connected"
keys k; wait_for "KILL Redis client $ID2" 5; keys y
wait_for "Redis client $ID2 killed" 10; ok $? "confirmed: killed"
n=100
while [ $n -gt 0 ] && kill -0 "$BL" 2>/dev/null; do sleep 0.05; n=$((n - 1)); done
kill -0 "$BL" 2>/dev/null; is "$?" 1 "redis-cli saw its connection close"
BL=
keys s
wait_for "sorted by mem" 5; ok $? "s sorts by memory"
keys Escape; wait_gone "k kill  Esc closes" 5; ok $? "Esc closes the view"
keys q; wait_for "EXITED 0" 5; ok $? "q quits"
done_testing
