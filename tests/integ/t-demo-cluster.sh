#!/bin/sh
# t-demo-cluster.sh - `mcpdb demo up --redis-cluster` (issue 11, item 6):
# PostgreSQL plus a private 6-node Redis Cluster on loopback (the test
# harness's redis-cluster.sh, run by mcpdb-servers.sh) instead of the single
# Redis; the demo target points at it with redis+cluster://, its nodes want
# the generated password, mcpdb commands work on it, nothing prints the
# password, a second up reuses the running cluster, `demo up` without the
# flag goes back to the single Redis (the cluster's nodes stop), and
# `demo down` stops every node.
. "${MCPDB_SRCDIR:?}/tests/tap.sh"
M=${MCPDB_BIN:?}
command -v redis-server >/dev/null 2>&1 || skip_all "redis-server not installed"
command -v redis-cli >/dev/null 2>&1 || skip_all "redis-cli not installed"
command -v psql >/dev/null 2>&1 || skip_all "psql not installed"
PGB=${MCPDB_TEST_PGBIN:-}
[ -n "$PGB" ] || for d in /usr/lib/postgresql/*/bin; do [ -x "$d/initdb" ] && PGB=$d; done
[ -n "$PGB" ] && [ -x "$PGB/initdb" ] || skip_all "PostgreSQL server binaries not found"

W=$(mktemp -d -t mcpdb-democl.XXXXXX)
D=$W/demo
cleanup() {
	"$M" demo down --purge --dir "$D" >/dev/null 2>&1
	rm -rf "$W"
}
trap cleanup EXIT
unset MCPDB_CONFIG MCPDB_TARGET DATABASE_URL REDIS_URL REDISCLI_AUTH PGPASSWORD PGOPTIONS
export XDG_CONFIG_HOME="$W/xdg" XDG_STATE_HOME="$W/state" HOME="$W"
export MCPDB_SERVERS_SH="$MCPDB_SRCDIR/src/mcpdb-servers.sh"
cd "$MCPDB_SRCDIR" || bail_out "cannot enter the source tree"	# ./migrations, ./seeds
ports() { cat "$D/redis-cluster/ports" 2>/dev/null | tr '\n' ' '; }
# The node pids that still run.
alive() {
	n=0
	for f in "$1"/node*/pid; do
		[ -f "$f" ] && kill -0 "$(cat "$f")" 2>/dev/null && n=$((n + 1))
	done
	echo $n
}

out=$("$M" demo up --redis-cluster --dir "$D" 2>&1); rc=$?
is "$rc" 0 "demo up --redis-cluster works" || diag "$out"
like "$out" "PostgreSQL and a 6-node Redis Cluster running under" "and says it runs a cluster"
is "$(wc -w <"$D/redis-cluster/ports" | tr -d ' ')" 6 "six nodes"
is "$(alive "$D/redis-cluster")" 6 "all six run"
RPW=$(cat "$D/redis.password" 2>/dev/null)
ok "$([ ${#RPW} -ge 32 ]; echo $?)" "the cluster has a generated password"
is "$(stat -c %a "$D/redis-cluster/node1/auth.conf")" 600 "the nodes' password file is 0600"
n=0
for p in $(ports); do
	case $(redis-cli -p "$p" ping 2>&1) in *NOAUTH*) n=$((n + 1)) ;; esac
done
is "$n" 6 "every node refuses a client without the password"
P1=$(head -n 1 "$D/redis-cluster/ports")
like "$(REDISCLI_AUTH=$RPW redis-cli -p "$P1" cluster info 2>&1)" "cluster_state:ok" \
	"with it, cluster_state:ok"
ps -eo args | grep '[r]edis-server' | grep -qF "$RPW"
ok "$([ $? -ne 0 ]; echo $?)" "no node has the password on its command line"

# The demo target is the cluster.
out=$("$M" -t demo config show 2>&1)
like "$out" "redis+cluster://" "the demo target's Redis is a redis+cluster:// list"
out=$("$M" -t demo redis ping 2>&1)
like "$out" "PONG from cluster of 6 nodes" "mcpdb redis ping on the demo target names the cluster"
n=0
for k in a b c d e f "{u}.1" "{u}.2"; do
	"$M" -t demo -q redis set "demo-$k" "v-$k" >/dev/null 2>&1 && n=$((n + 1))
done
is "$n" 8 "mcpdb redis set of keys over the shards"
is "$("$M" -t demo redis get demo-c 2>&1)" "v-c" "and get"
out=$("$M" -t demo health 2>&1); rc=$?
is "$rc" 0 "health on the demo target exits 0" || diag "$out"
like "$out" "Redis Cluster, state ok, 16384/16384 slots" "and describes the cluster"
"$M" -t demo migrate status >/dev/null 2>&1; is "$?" 0 "the demo's migrations are applied"
out=$("$M" --json demo status --dir "$D" 2>&1); rc=$?
is "$rc" 0 "demo status exits 0"
like "$out" "cluster of 6 nodes, state ok" "and says the cluster is ok"

# A second up reuses the running cluster.
before=$(ports)
out=$("$M" --json demo up --redis-cluster --dir "$D" 2>&1); rc=$?
is "$rc" 0 "a second demo up --redis-cluster works"
like "$out" '"redis_cluster":	true' "--json says redis_cluster true"
is "$(ports)" "$before" "and keeps the running cluster (same ports)"
is "$("$M" -t demo redis get demo-c 2>&1)" "v-c" "with its data"

all="$out
$("$M" demo status --dir "$D" 2>&1)
$("$M" -t demo config show 2>&1)
$("$M" -t demo --json config show 2>&1)
$("$M" targets 2>&1)
$("$M" -t demo doctor 2>&1)
$(cat "$D/redis-cluster.log" 2>/dev/null)"
unlike "$all" "$RPW" "no output of demo up/status, config show, targets or doctor has the password"

# Without the flag: back to the single Redis; the cluster's nodes stop.
cp -r "$D/redis-cluster" "$W/cl-pids"
out=$("$M" demo up --dir "$D" 2>&1); rc=$?
is "$rc" 0 "demo up without --redis-cluster works" || diag "$out"
is "$(alive "$W/cl-pids")" 0 "the cluster's nodes are stopped"
ok "$([ ! -e "$D/redis-cluster" ]; echo $?)" "and its directory removed"
like "$("$M" -t demo redis ping 2>&1)" "PONG from 127.0.0.1:" "the demo target is the single Redis again"

# And back to the cluster, then demo down stops every node.
"$M" demo up --redis-cluster --dir "$D" >/dev/null 2>&1
is "$?" 0 "demo up --redis-cluster again"
ok "$([ ! -S "$D/redis.sock" ] || ! redis-cli -s "$D/redis.sock" ping >/dev/null 2>&1; echo $?)" \
	"the single Redis is stopped"
cp -r "$D/redis-cluster" "$W/cl-pids2"
out=$("$M" demo down --dir "$D" 2>&1); rc=$?
is "$rc" 0 "demo down" || diag "$out"
is "$(alive "$W/cl-pids2")" 0 "stops every node of the cluster"
"$M" demo status --dir "$D" >/dev/null 2>&1
is "$?" 3 "demo status then exits 3"
"$M" demo down --purge --dir "$D" >/dev/null 2>&1
is "$?" 0 "demo down --purge"
ok "$([ ! -e "$D" ]; echo $?)" "removes the demo directory"
done_testing
