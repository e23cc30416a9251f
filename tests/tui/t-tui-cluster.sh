#!/bin/sh
# t-tui-cluster.sh - the Redis pane's cluster view (issue 11, item 5), in
# tmux against a real 6-node Redis Cluster that tests/harness/redis-cluster.sh
# starts for this test: the cluster's state and slot counts, one row per
# node (role, slots or master, link, state, memory, ops/s, lag), what the
# poller spends per refresh (counted on the nodes themselves); then a master
# is killed: its row goes STALE with why while the other rows stay live, the
# missing slots are named in one line, the replica's promotion shows in the
# table, and the Log pane has the failover as an event; a replica frozen
# with SIGSTOP goes STALE too while the pane keeps refreshing. q still quits
# at once.
. "${MCPDB_SRCDIR:?}/tests/tap.sh"
M=${MCPDB_BIN:?}
C="$MCPDB_SRCDIR/tests/harness/redis-cluster.sh"
command -v tmux >/dev/null 2>&1 || skip_all "tmux is not installed"
command -v redis-server >/dev/null 2>&1 || skip_all "redis-server is not installed"
[ -n "${MCPDB_TEST_PGURL:-}" ] || skip_all "MCPDB_TEST_PGURL not set (run under tests/harness/with-servers.sh)"

base=${TMPDIR:-/tmp}
[ ${#base} -le 60 ] || base=/tmp
D=$(mktemp -d "$base/mcpdb-tuicl.XXXXXX") || exit 1
CD=""
. "$MCPDB_SRCDIR/tests/tui/tui-lib.sh"
COLS=132 ROWS=44
cleanup() {
	tui_kill
	[ -n "$CD" ] && "$C" down "$CD" >/dev/null 2>&1
	rm -rf "$D"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP
unset MCPDB_CONFIG MCPDB_TARGET DATABASE_URL REDIS_URL NO_COLOR MCPDB_LOG_FILE MCPDB_LOG_LEVEL
export XDG_STATE_HOME="$D/state" XDG_CONFIG_HOME="$D/config" HOME="$D"

"$C" up "$D/cluster" >"$D/env" 2>"$D/up.err" ||
	{ cat "$D/up.err" >&2; skip_all "the cluster harness could not start a cluster"; }
CD="$D/cluster"
. "$D/env"
P1=${REDIS_CLUSTER_PORTS%% *}

cat >"$D/run.sh" <<EOF
#!/bin/sh
"$M" --pg "$MCPDB_TEST_PGURL" --redis "$REDIS_CLUSTER_URL" "\$@"
echo "EXITED \$?"
exec sleep 600
EOF
# Commands the nodes have processed, summed over the six.
cmds() {
	t=0
	for p in $REDIS_CLUSTER_PORTS; do
		n=$(redis-cli -p "$p" info stats 2>/dev/null | tr -d '\r' |
			awk -F: '$1 == "total_commands_processed" { print $2 }')
		t=$((t + ${n:-0}))
	done
	echo "$t"
}
# Rows of the node table on screen (an address, then a role).
noderows() { screen | grep -cE '127\.0\.0\.1:[0-9]+ +(master|replica) '; }
# The screen row of node 127.0.0.1:$1.
noderow() { screen | grep -E "127\.0\.0\.1:$1 +(master|replica) "; }

start
keys 2
wait_for "Cluster ok, slots 16384 assigned, 16384 ok, 0 pfail, 0 fail" 15
ok $? "the Redis pane shows the cluster: state ok and every slot ok"
wait_for "every slot has a reachable master" 5; ok $? "and says that every slot is covered"
is "$(noderows)" 6 "one row per node"
is "$(screen | grep -cE ' master +[0-9]+ slots, 1 range ')" 3 "three masters, each with its slot range"
is "$(screen | grep -cE ' replica +of 127\.0\.0\.1:[0-9]+ ')" 3 "three replicas, each naming its master"
is "$(screen | grep -E '127\.0\.0\.1:[0-9]+ +(master|replica) ' | grep -c ' connected  *ok ')" 6 \
	"every node: link connected, state ok"
like "$(screen)" "6 nodes, 3 masters, epoch" "the title counts nodes and masters"
like "$(screen)" "15 commands in" "and says what a refresh costs: 3 + 2 x 6 commands"
# The same count, seen from the nodes: per refresh the 15 of the cluster
# view plus the node section's INFO (SLOWLOG/LATENCY every 10 s and CONFIG
# GET every 60 s add a few); our own INFO probes add 6 per count.
sleep 1
c0=$(cmds); t0=$(ms)
sleep 5
c1=$(cmds); t1=$(ms)
per=$(( (c1 - c0 - 6) * 1000 / (t1 - t0) ))
ok "$([ "$per" -ge 15 ] && [ "$per" -le 22 ]; echo $?)" \
	"the nodes processed $per commands per 1 s refresh (15 cluster view + 1 INFO + periodic)"

# `e` exports the cluster view with the pane.
keys e
wait_for "exported every pane to" 5; ok $? "e exports"
f=$(ls "$XDG_STATE_HOME"/mcpdb/export-*.json 2>/dev/null | head -1)
python3 - "$f" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))["panes"]["Redis"]["cluster"]
assert c["state"] == "ok", c["state"]
assert len(c["nodes"]) == 6
assert sorted(n["role"] for n in c["nodes"]) == ["master"] * 3 + ["replica"] * 3
PY
ok $? "the export holds the cluster: state ok, 6 nodes, 3 masters and 3 replicas"

# Kill the master of slot 0.
nodes=$(redis-cli -p "$P1" cluster nodes)
master=$(echo "$nodes" | awk '$3 ~ /master/ && $9 ~ /^0-/ { split($2, a, "[:@]"); print a[2] }')
mid=$(echo "$nodes" | awk -v m="$master" '$2 ~ ":" m "@" { print $1 }')
replica=$(echo "$nodes" | awk -v id="$mid" '$4 == id { split($2, a, "[:@]"); print a[2] }')
idx=$(echo "$REDIS_CLUSTER_PORTS" | tr ' ' '\n' | grep -n "^$master\$" | cut -d: -f1)
ok "$([ -n "$master" ] && [ -n "$idx" ] && [ -n "$replica" ]; echo $?)" \
	"the master of slot 0 is 127.0.0.1:$master (node $idx), its replica 127.0.0.1:$replica"
t0=$(ms)
"$C" kill-node "$CD" "$idx"
n=0
while [ $n -lt 200 ]; do
	noderow "$master" | grep -q "STALE" && break
	sleep 0.05
	n=$((n + 1))
done
dt=$(( $(ms) - t0 ))
row=$(noderow "$master")
like "$row" "STALE" "the killed master's row goes STALE"
ok "$([ "$dt" -le 3000 ]; echo $?)" "within 3 s of the kill ($dt ms)"
like "$row" "refused" "and says why: $(echo "$row" | sed 's/  */ /g')"
is "$(screen | grep -E '127\.0\.0\.1:[0-9]+ +(master|replica) ' | grep -c ' ok ')" 5 \
	"the five other rows stay live (state ok)"
wait_for "have no reachable master" 5; ok $? "one line names the slots that lost their master"

# The failover: the replica is promoted, the cluster is ok again.
t0=$(ms)
n=0
while [ $n -lt 300 ]; do
	noderow "$replica" | grep -qE " master +[0-9]+ slots" && break
	sleep 0.1
	n=$((n + 1))
done
dt=$(( $(ms) - t0 ))
like "$(noderow "$replica")" " master " \
	"the replica 127.0.0.1:$replica is shown promoted to master ($dt ms after the stale row)"
wait_for "Cluster ok, slots 16384 assigned, 16384 ok" 20; ok $? "the cluster state is ok again"
wait_for "every slot has a reachable master" 10; ok $? "every slot is covered again"
like "$(noderow "$master")" "STALE" "the dead node's row stays STALE"
keys 6
wait_for "redis cluster: failover: 127.0.0.1:$replica (was replica of 127.0.0.1:$master)" 5
ok $? "the Log pane has the failover as an event"
like "$(screen)" "redis cluster: node 127.0.0.1:$master (master with slots) stopped answering" \
	"and the node that stopped answering"
keys 2
wait_for "Cluster ok" 2

# A node that never answers (SIGSTOP): a replica of another shard. Its row
# goes STALE within a bounded time, and the pane keeps refreshing at its
# interval (the cluster marks it failed; the poller stops waiting on it).
nodes=$(redis-cli -p "$replica" cluster nodes)
frozen=$(echo "$nodes" | awk -v m="$replica" '$3 ~ /slave/ && $3 !~ /fail/ && $2 !~ ":" m "@" { split($2, a, "[:@]"); print a[2]; exit }')
fidx=$(echo "$REDIS_CLUSTER_PORTS" | tr ' ' '\n' | grep -n "^$frozen\$" | cut -d: -f1)
t0=$(ms)
"$C" stop-node "$CD" "$fidx"
n=0
while [ $n -lt 200 ]; do
	noderow "$frozen" | grep -q "STALE" && break
	sleep 0.05
	n=$((n + 1))
done
dt=$(( $(ms) - t0 ))
like "$(noderow "$frozen")" "STALE" "a frozen replica (127.0.0.1:$frozen) goes STALE ($dt ms)"
ok "$([ "$dt" -le 6000 ]; echo $?)" "within 6 s of SIGSTOP ($dt ms)"
sleep 3
age1=$(noderow "$frozen" | sed -n 's/.*STALE \([0-9]*\) s.*/\1/p')
# The status line's data age, every 0.25 s for 4 s: the oldest seen.
worst=0 n=0
while [ $n -lt 16 ]; do
	a=$(screen | sed -n 's/.* data \([0-9.]*\) s old.*/\1/p' | cut -d. -f1)
	[ -n "$a" ] && [ "$a" -gt "$worst" ] && worst=$a
	sleep 0.25
	n=$((n + 1))
done
age2=$(noderow "$frozen" | sed -n 's/.*STALE \([0-9]*\) s.*/\1/p')
ok "$([ -n "$age1" ] && [ -n "$age2" ] && [ $((age2 - age1)) -ge 3 ]; echo $?)" \
	"the pane keeps refreshing while it is frozen (STALE ${age1:-?} s, 4 s later ${age2:-?} s)"
ok "$([ "$worst" -lt 2 ]; echo $?)" \
	"at its 1 s interval: the data was never 2 s old (worst seen: $worst s)"
like "$(noderow "$frozen")" "marked fail by the cluster" "its row says the cluster marked it failed"
is "$(screen | grep -E '127\.0\.0\.1:[0-9]+ +(master|replica) ' | grep -c ' ok ')" 4 \
	"the four live rows stay ok"
"$C" cont-node "$CD" "$fidx"
t0=$(ms); keys q
wait_for "EXITED 0" 5; ok $? "q quits with a node down"
dt=$(( $(ms) - t0 ))
ok "$([ $dt -lt 1500 ]; echo $?)" "and at once ($dt ms)"
done_testing
