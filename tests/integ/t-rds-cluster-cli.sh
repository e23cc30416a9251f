#!/bin/sh
# t-rds-cluster-cli.sh - `mcpdb` against a real 6-node Redis Cluster started
# by tests/harness/redis-cluster.sh for this test: redis+cluster:// and a
# plain redis:// seed (auto-detected), get/set/del/publish/subscribe on keys
# of every shard, the cluster view in redis info, health, doctor and
# --json, health exit 3 after a master is killed and 0 again once its
# replica took over, and one-line errors for bad seeds.
. "${MCPDB_SRCDIR:?}/tests/tap.sh"
M=${MCPDB_BIN:?}
C="$MCPDB_SRCDIR/tests/harness/redis-cluster.sh"
command -v redis-server >/dev/null 2>&1 || skip_all "redis-server not found"
[ -n "${MCPDB_TEST_PGURL:-}" ] || skip_all "MCPDB_TEST_PGURL not set (run under tests/harness/with-servers.sh)"
W=$(mktemp -d -t mcpdb-rcl.XXXXXX)
SUBPID= CD=
trap '[ -n "$SUBPID" ] && kill "$SUBPID" 2>/dev/null; [ -n "$CD" ] && "$C" down "$CD"; rm -rf "$W"' EXIT
unset MCPDB_CONFIG MCPDB_TARGET DATABASE_URL REDIS_URL MCPDB_LOG_LEVEL MCPDB_LOG_FORMAT MCPDB_LOG_FILE
export XDG_CONFIG_HOME="$W/xdg" HOME="$W"
"$C" up "$W/cluster" >"$W/env" 2>"$W/up.err" || { cat "$W/up.err" >&2; skip_all "the cluster harness could not start a cluster"; }
CD="$W/cluster"
. "$W/env"
U=$REDIS_CLUSTER_URL
P1=${REDIS_CLUSTER_PORTS%% *}
js() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }
m() { "$M" --pg "$MCPDB_TEST_PGURL" --redis "$U" --log-level error "$@"; }

# Keys of all three shards (slots 12182, 5061, 4015... spread by name).
n=0
for k in foo bar baz "{user}.a" hello k1 k2 k3; do
	m redis set "$k" "v-$k" >/dev/null && n=$((n + 1))
done
is "$n" 8 "redis set of 8 keys across the shards"
out=$(m redis get baz); is "$out" "v-baz" "redis get through the router"
out=$("$M" --redis "redis://127.0.0.1:$P1" --log-level error redis get hello)
is "$out" "v-hello" "a plain redis:// seed is detected as a cluster node and routed"
out=$(m --yes redis del foo); like "$out" "deleted key" "redis del"
out=$(m redis get foo 2>&1); is "$?" 1 "and the key is gone"
out=$(m redis ping); like "$out" "PONG from cluster" "redis ping names the cluster"

# publish / subscribe (classic Pub/Sub is cluster-wide)
m --json redis subscribe ch1 --count 1 >"$W/sub.json" 2>"$W/sub.err" &
SUBPID=$!
i=0
while [ $i -lt 50 ]; do
	r=$(m redis publish ch1 hello 2>&1)
	case $r in *"delivered to 1 subscriber"*) break ;; esac
	sleep 0.1
	i=$((i + 1))
done
like "$r" "delivered to 1 subscriber" "publish on a cluster reaches the subscriber"
wait "$SUBPID"
SUBPID=
like "$(cat "$W/sub.json")" "hello" "the subscriber printed it"

# The cluster view.
out=$(m redis info); is "$?" 0 "redis info exits 0"
like "$out" "redis cluster: state ok, slots 16384 assigned" "redis info: state and slots"
is "$(echo "$out" | grep -c 'connected')" 6 "one row per node"
out=$(m --json redis info | js 'd["cluster"]["state"], len(d["cluster"]["nodes"]), sorted(set(n["role"] for n in d["cluster"]["nodes"]))')
is "$out" "ok 6 ['master', 'replica']" "redis info --json: state, nodes, roles"
out=$(m health); is "$?" 0 "health exits 0 on a healthy cluster"
like "$out" "Redis Cluster, state ok, 16384/16384 slots" "health says so"
out=$(m --json health | js 'd["healthy"], d["redis"]["cluster"]["slots"]["ok"], all("lag_bytes" in n for n in d["redis"]["cluster"]["nodes"] if n["role"] == "replica")')
is "$out" "True 16384 True" "health --json: slots ok and the lag of every replica"
out=$(m doctor 2>&1); like "$out" "Redis Cluster, state ok" "doctor describes the cluster"
# metrics: redis_exporter's redis_cluster_* families, and the format check.
val() { awk -v s="$2" '$1 == s { print $2; exit }' "$1"; }
m metrics >"$W/m1.prom"; is "$?" 0 "metrics exits 0 on a cluster"
is "$(val "$W/m1.prom" redis_cluster_state) $(val "$W/m1.prom" redis_cluster_slots_ok) $(val "$W/m1.prom" redis_cluster_known_nodes) $(val "$W/m1.prom" redis_cluster_size) $(val "$W/m1.prom" mcpdb_redis_cluster_nodes_unreachable)" \
	"1 16384 6 3 0" "metrics: cluster state ok, 16384 slots ok, 6 nodes, 3 masters, none unreachable"
if command -v promtool >/dev/null 2>&1; then
	promtool check metrics <"$W/m1.prom" >"$W/chk" 2>&1
else
	python3 "$MCPDB_SRCDIR/tests/integ/promcheck.py" "$W/m1.prom" >"$W/chk" 2>&1
fi
is "$?" 0 "the cluster page passes the format check$(head -c 300 "$W/chk")"
epoch0=$(val "$W/m1.prom" redis_cluster_current_epoch)

# Kill the master of slot 0: health exits 3 until its replica takes over.
master=$(redis-cli -p "$P1" cluster nodes | awk '$3 ~ /master/ && $9 ~ /^0-/ { split($2, a, "[:@]"); print a[2] }')
idx=$(echo "$REDIS_CLUSTER_PORTS" | tr ' ' '\n' | grep -n "^$master\$" | cut -d: -f1)
"$C" kill-node "$CD" "$idx"
out=$(m health 2>&1); st=$?
is "$st" 3 "health exits 3 right after a master is killed"
like "$out" "slots have no reachable master" "and says which slots lost their master"
like "$out" "DOWN" "the dead node's row says DOWN"
m metrics >"$W/m2.prom"
is "$(val "$W/m2.prom" mcpdb_redis_cluster_nodes_unreachable)" 1 "metrics: the killed node is counted unreachable"
[ "$(val "$W/m2.prom" mcpdb_redis_cluster_uncovered_slots)" -gt 0 ] 2>/dev/null
ok $? "metrics: the slots of the killed master are counted uncovered"
t0=$(date +%s)
i=0
while [ $i -lt 100 ]; do
	m health >/dev/null 2>&1 && break
	sleep 0.2
	i=$((i + 1))
done
m health >/dev/null 2>&1; is "$?" 0 "health is 0 again once the replica took over ($(( $(date +%s) - t0 )) s)"
out=$(m redis set foo again); is "$out" "OK" "writes go to the promoted replica"
out=$(m --json health | js 'sum(1 for n in d["redis"]["cluster"]["nodes"] if not n["reachable"])')
is "$out" 1 "the killed node is listed as unreachable"
m metrics >"$W/m3.prom"
is "$(val "$W/m3.prom" redis_cluster_state) $(val "$W/m3.prom" mcpdb_redis_cluster_uncovered_slots)" "1 0" "metrics: state ok and no uncovered slot after the failover"
[ "$(val "$W/m3.prom" redis_cluster_current_epoch)" -gt "$epoch0" ] 2>/dev/null
ok $? "metrics: the current epoch rose with the failover"

# Bad input: one line, right exit code, quickly.
out=$("$M" --redis "redis+cluster://h:0" redis ping 2>&1); is "$?" 2 "a bad seed port is a config error"
like "$out" "port must be 1..65535" "and says so"
t0=$(date +%s)
out=$("$M" --redis "redis+cluster://127.0.0.1:1,127.0.0.1:2" --log-level error redis ping 2>&1); st=$?
is "$st:$(echo "$out" | wc -l)" "1:1" "seeds that refuse: exit 1, one line"
like "$out" "no node gave the slot map" "naming what failed: $out"
done_testing
