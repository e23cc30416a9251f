#!/bin/sh
# t-rds-cluster-tls.sh - Redis Cluster over TLS (rediss+cluster://) on a
# 6-node TLS cluster that tests/harness/redis-cluster.sh starts for this
# test (--port 0 --tls-port, TLS cluster bus and replication), with
# certificates made by tests/integ/tls-certs.sh: set/get on keys of every
# shard, a slot being migrated (an ASK to the importing node, over TLS),
# the cluster view, health/doctor/config show with the TLS session, a
# rediss:// seed auto-detected as a cluster, sharded and classic Pub/Sub
# over TLS, and one-line errors for a wrong CA (naming the verification
# failure, never the password) and for rediss+cluster:// at a plaintext
# cluster (within the connect timeout). Skips when redis-server has no TLS.
. "${MCPDB_SRCDIR:?}/tests/tap.sh"
M=${MCPDB_BIN:?}
C="$MCPDB_SRCDIR/tests/harness/redis-cluster.sh"
command -v redis-server >/dev/null 2>&1 || skip_all "redis-server not found"
command -v redis-cli >/dev/null 2>&1 || skip_all "redis-cli not found"
command -v openssl >/dev/null 2>&1 || skip_all "openssl not found"
command -v python3 >/dev/null 2>&1 || skip_all "python3 not found"
W=$(mktemp -d -t mcpdb-rct.XXXXXX)
SUBPID= CD= PD=
trap '[ -n "$SUBPID" ] && kill "$SUBPID" 2>/dev/null; [ -n "$CD" ] && "$C" down "$CD"; [ -n "$PD" ] && "$C" down "$PD"; rm -rf "$W"' EXIT
unset MCPDB_CONFIG MCPDB_TARGET DATABASE_URL REDIS_URL MCPDB_LOG_LEVEL MCPDB_LOG_FORMAT MCPDB_LOG_FILE
export XDG_CONFIG_HOME="$W/xdg" HOME="$W"
js() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }
ms() { python3 -c 'import time; print(int(time.monotonic() * 1000))'; }

# -- certificates
cd "$W" || exit 1
. "$MCPDB_SRCDIR/tests/integ/tls-certs.sh"
tls_certs 20 ||
    { cat "$W/openssl.log" >&2; skip_all "openssl could not make the test certificates"; }
cd - >/dev/null || exit 1
rc_tls() { redis-cli --tls --cacert "$W/ca.crt" -h 127.0.0.1 "$@"; }

# -- the TLS cluster
CLUSTER_TLS_CERT="$W/srv.crt" CLUSTER_TLS_KEY="$W/srv.key" CLUSTER_TLS_CA="$W/ca.crt" \
    "$C" up "$W/cluster" >"$W/env" 2>"$W/up.err" ||
    { cat "$W/up.err" >&2; skip_all "the cluster harness could not start a TLS cluster (redis-server or redis-cli without TLS?): $(tail -n 2 "$W/up.err" | tr '\n' ' ' | head -c 200)"; }
CD="$W/cluster"
. "$W/env"
U=$REDIS_CLUSTER_URL
P1=${REDIS_CLUSTER_PORTS%% *}
case $U in
rediss+cluster://*) ok 0 "the harness prints a rediss+cluster:// URL for a TLS cluster" ;;
*) ok 1 "the harness prints a rediss+cluster:// URL for a TLS cluster (got $U)" ;;
esac
out=$(redis-cli -h 127.0.0.1 -p "$P1" ping 2>&1)
unlike "$out" "PONG" "the nodes speak TLS only (a plaintext redis-cli gets no PONG)"

# conf NAME URI OPTIONS-JSON: a config file with one target "t"
conf() {
	cat >"$W/$1.json" <<JSON
{ "targets": { "t": { "pg": "${MCPDB_TEST_PGURL:-}", "redis": "$2",
    "redis_options": { "connect_timeout_ms": 800, "command_timeout_ms": 800 $3 } } } }
JSON
	chmod 600 "$W/$1.json"
}
m() { c=$1; shift; "$M" --config "$W/$c.json" --target t --log-level error "$@"; }
CA="\"tls_ca_file\": \"$W/ca.crt\""
conf good "$U" ", $CA"

# -- keys of every shard
n=0
for k in foo bar baz "{user}.a" hello k1 k2 k3; do
	m good redis set "$k" "v-$k" >/dev/null 2>"$W/set.err" && n=$((n + 1))
done
is "$n" 8 "redis set of 8 keys across the shards over TLS$(head -c 200 "$W/set.err")"
masters=$(for k in foo bar baz "{user}.a" hello k1 k2 k3; do
	s=$(rc_tls -p "$P1" cluster keyslot "$k")
	rc_tls -p "$P1" cluster nodes | awk -v s="$s" '$3 ~ /master/ {
	    for (i = 9; i <= NF; i++) { split($i, r, "-"); if (r[2] == "") r[2] = r[1];
	    if (s + 0 >= r[1] + 0 && s + 0 <= r[2] + 0) print $2 } }'
done | sort -u | wc -l)
is "$masters" 3 "those keys live on all 3 masters"
out=$(m good redis get baz 2>&1); is "$out" "v-baz" "redis get through the router over TLS"
out=$(rc_tls -c -p "$P1" get "{user}.a" 2>&1)
is "$out" "v-{user}.a" "redis-cli over TLS reads what mcpdb wrote"
out=$(m good redis ping 2>&1); like "$out" "PONG from cluster" "redis ping names the cluster"

# -- a slot being migrated: the source answers ASK, the router follows it
slot=$(rc_tls -p "$P1" cluster keyslot foo)
nodes=$(rc_tls -p "$P1" cluster nodes)
src=$(echo "$nodes" | awk -v s="$slot" '$3 ~ /master/ {
    for (i = 9; i <= NF; i++) { split($i, r, "-"); if (r[2] == "") r[2] = r[1];
    if (s + 0 >= r[1] + 0 && s + 0 <= r[2] + 0) print $1, $2 } }')
src_id=${src%% *}
src_port=$(echo "${src#* }" | sed 's/.*:\([0-9]*\)@.*/\1/')
dst=$(echo "$nodes" | awk -v id="$src_id" '$3 ~ /master/ && $1 != id && $9 != "" { print $1, $2; exit }')
dst_id=${dst%% *}
dst_port=$(echo "${dst#* }" | sed 's/.*:\([0-9]*\)@.*/\1/')
rc_tls -p "$dst_port" cluster setslot "$slot" importing "$src_id" >"$W/mig.log" 2>&1 &&
rc_tls -p "$src_port" cluster setslot "$slot" migrating "$dst_id" >>"$W/mig.log" 2>&1 &&
rc_tls -p "$src_port" migrate 127.0.0.1 "$dst_port" foo 0 5000 >>"$W/mig.log" 2>&1
out=$(rc_tls -p "$src_port" get foo 2>&1)
like "$out" "ASK $slot" "slot $slot of foo is migrating: its source now answers ASK ($out; $(tr '\n' ' ' <"$W/mig.log"))"
out=$(m good redis get foo 2>&1)
is "$out" "v-foo" "the router follows the ASK to the importing node over TLS"
for p in $REDIS_CLUSTER_PORTS; do
	rc_tls -p "$p" cluster setslot "$slot" node "$dst_id" >/dev/null 2>&1
done
out=$(rc_tls -p "$src_port" get foo 2>&1)
like "$out" "MOVED $slot 127.0.0.1:$dst_port" "once the slot is moved the old owner answers MOVED ($out)"
out=$(m good redis get foo 2>&1)
is "$out" "v-foo" "and the router reads foo from its new TLS owner"
out=$(m good redis set foo moved 2>&1); is "$out" "OK" "and writes it there"
is "$(rc_tls -p "$dst_port" get foo 2>&1)" "moved" "the new owner has the value"

# -- the cluster view, health, doctor, config show
out=$(m good redis info 2>&1); is "$?" 0 "redis info over TLS exits 0"
like "$out" "redis cluster: state ok, slots 16384 assigned" "redis info: state and slots"
is "$(echo "$out" | grep -c 'connected')" 6 "one row per node, all connected"
out=$(m good --json redis info 2>/dev/null | js 'd["cluster"]["state"], len(d["cluster"]["nodes"]), sum(1 for n in d["cluster"]["nodes"] if n["reachable"])')
is "$out" "ok 6 6" "redis info --json: state ok, 6 nodes, all reachable over TLS"
out=$(m good health 2>&1); is "$?" 0 "health exits 0 on the TLS cluster"
like "$out" "Redis Cluster, state ok, 16384/16384 slots" "health describes the cluster"
like "$out" "redis tls" "health prints a redis tls row for the cluster"
out=$(m good --json health 2>/dev/null | js 'd["redis"]["tls"]["enabled"], d["redis"]["tls"]["protocol"].startswith("TLSv1."), d["redis"]["tls"]["verified"], d["redis"]["tls"]["cert_days_left"] in (19, 20)')
is "$out" "True True True True" "health --json: redis.tls of a cluster node (protocol, verified, days left)"
out=$(m good doctor 2>&1)
like "$out" "Redis Cluster, state ok" "doctor describes the cluster"
line=$(printf '%s\n' "$out" | grep '^redis tls')
like "$line" "TLSv1." "doctor: a redis tls line for the cluster names the protocol: $line"
like "$line" "days left" "... and the days left of the node's certificate"
out=$(m good config show 2>&1)
like "$(printf '%s\n' "$out" | grep '^redis tls')" "certificate verified against $W/ca.crt" "config show: TLS on for rediss+cluster://"
like "$(printf '%s\n' "$out" | grep '^redis ')" "rediss+cluster://127.0.0.1:$P1," "config show keeps the rediss+cluster:// scheme"

# -- a rediss:// seed that answers cluster_enabled:1 is routed as a cluster
conf seed "rediss://127.0.0.1:$P1" ", $CA"
out=$(m seed redis get hello 2>&1); is "$out" "v-hello" "a rediss:// seed is probed over TLS, detected and routed"
out=$(m seed redis ping 2>&1); like "$out" "PONG from cluster" "and it is a cluster client: $out"

# -- Pub/Sub over TLS: sharded (the slot's master) and classic
m good --json redis subscribe --sharded news --count 1 >"$W/ssub.json" 2>"$W/ssub.err" &
SUBPID=$!
i=0
while [ $i -lt 50 ]; do
	r=$(m good redis publish --sharded news hello-sharded 2>&1)
	case $r in *"delivered to 1 subscriber"*) break ;; esac
	sleep 0.1
	i=$((i + 1))
done
like "$r" "delivered to 1 subscriber" "publish --sharded over TLS reaches the sharded subscriber"
wait "$SUBPID"; is "$?" 0 "subscribe --sharded --count 1 over TLS exits 0"
SUBPID=
like "$(cat "$W/ssub.json")" "hello-sharded" "and printed the message$(head -c 200 "$W/ssub.err")"
m good --json redis subscribe ch1 --count 1 >"$W/sub.json" 2>"$W/sub.err" &
SUBPID=$!
i=0
while [ $i -lt 50 ]; do
	r=$(m good redis publish ch1 hello-classic 2>&1)
	case $r in *"delivered to 1 subscriber"*) break ;; esac
	sleep 0.1
	i=$((i + 1))
done
like "$r" "delivered to 1 subscriber" "classic publish over TLS reaches the subscriber"
wait "$SUBPID"
SUBPID=
like "$(cat "$W/sub.json")" "hello-classic" "and the subscriber printed it"

# -- a wrong CA: one line, exit 1, the verification failure, no password
conf wrongca "rediss+cluster://u:topsecret@127.0.0.1:$P1,127.0.0.1:${REDIS_CLUSTER_PORTS##* }" \
    ", \"tls_ca_file\": \"$W/other.crt\""
out=$(m wrongca redis get foo 2>&1); is "$?" 1 "a wrong CA exits 1"
like "$out" "certificate verification failed: self-signed certificate in certificate chain" "and names the verification failure: $out"
is "$(printf '%s\n' "$out" | wc -l)" 1 "in one line"
unlike "$out" "topsecret" "without the password"
out=$(m wrongca config show 2>&1)
unlike "$out" "topsecret" "config show hides the password of a rediss+cluster:// URI"
out=$(m wrongca redis subscribe --sharded news --count 1 2>&1 </dev/null); st=$?
ok "$([ "$st" -ne 0 ] && echo 0 || echo 1)" "subscribe --sharded with a wrong CA fails (rc $st)"
like "$out" "certificate verification failed" "with the verification error: $out"
out=$("$M" --redis "rediss+cluster://:topsecret@127.0.0.1:1" --log-level error redis ping 2>&1)
unlike "$out" "topsecret" "a lone password in rediss+cluster:// never shows in an error: $out"

# -- rediss+cluster:// at a plaintext cluster: fails within connect_timeout
"$C" up "$W/plain" >"$W/penv" 2>"$W/pup.err" || { cat "$W/pup.err" >&2; PD=; }
if [ -f "$W/plain/ports" ]; then
	PD="$W/plain"
	PP=$(head -n 1 "$W/plain/ports")
	out=$(redis-cli -p "$PP" ping 2>&1); is "$out" "PONG" "a plaintext cluster for the mismatch check"
	# All six seeds: the map read stops at its budget (connect +
	# command timeout), not after six handshake timeouts.
	conf tls2plain "rediss+cluster://$(sed 's/^/127.0.0.1:/' "$W/plain/ports" | tr '\n' ',' | sed 's/,$//')" ", $CA"
	t0=$(ms); out=$(m tls2plain redis get foo 2>&1); rc=$?; t1=$(ms)
	is "$rc" 1 "rediss+cluster:// at a plaintext cluster exits 1"
	like "$out" "TLS handshake" "and names the TLS handshake: $out"
	like "$out" "plaintext server needs redis://" "and the way out"
	is "$(printf '%s\n' "$out" | wc -l)" 1 "in one line"
	ok "$([ $((t1 - t0)) -lt 3000 ] && echo 0 || echo 1)" "within the map read's budget of 800 + 800 ms (+ start-up), not 6 x 800 ms: $((t1 - t0)) ms"
	conf plain2tls "redis+cluster://127.0.0.1:$P1" ""
	t0=$(ms); out=$(m plain2tls redis get foo 2>&1); rc=$?; t1=$(ms)
	is "$rc" 1 "redis+cluster:// (plaintext) at the TLS cluster exits 1"
	like "$out" "is this a TLS port? then use rediss://" "and points at TLS: $out"
	ok "$([ $((t1 - t0)) -lt 2500 ] && echo 0 || echo 1)" "within the timeouts ($((t1 - t0)) ms)"
else
	skip 9 "the cluster harness could not start the plaintext cluster"
fi
done_testing
