#!/bin/sh
# t-rds-cluster-sharded.sh - sharded Pub/Sub (issue 11, item 2):
# `redis subscribe --sharded` (SSUBSCRIBE) and `redis publish --sharded`
# (SPUBLISH) on a real 6-node cluster started here by
# tests/harness/redis-cluster.sh: a message reaches the subscriber on the
# master of the channel's slot, a classic PUBLISH does not; the master is
# killed and the subscriber subscribes again on the promoted replica by
# itself (the time until a message gets through is measured); channels of
# two slots and patterns are refused in one line; and on the harness's
# single Redis the same commands work too.
. "${MCPDB_SRCDIR:?}/tests/tap.sh"
M=${MCPDB_BIN:?}
C="$MCPDB_SRCDIR/tests/harness/redis-cluster.sh"
command -v redis-server >/dev/null 2>&1 || skip_all "redis-server not found"
[ -n "${MCPDB_TEST_REDIS:-}" ] || skip_all "MCPDB_TEST_REDIS not set (run under tests/harness/with-servers.sh)"
W=$(mktemp -d -t mcpdb-rsh.XXXXXX)
SUBPID= CD=
trap '[ -n "$SUBPID" ] && kill "$SUBPID" 2>/dev/null; [ -n "$CD" ] && "$C" down "$CD"; rm -rf "$W"' EXIT
unset MCPDB_CONFIG MCPDB_TARGET DATABASE_URL REDIS_URL MCPDB_LOG_LEVEL MCPDB_LOG_FORMAT MCPDB_LOG_FILE
export XDG_CONFIG_HOME="$W/xdg" HOME="$W"
"$C" up "$W/cluster" >"$W/env" 2>"$W/up.err" || { cat "$W/up.err" >&2; skip_all "the cluster harness could not start a cluster"; }
CD="$W/cluster"
. "$W/env"
U=$REDIS_CLUSTER_URL
P1=${REDIS_CLUSTER_PORTS%% *}
m() { "$M" --redis "$U" --log-level error "$@"; }
ms() { echo $(( $(date +%s%N) / 1000000 )); }
# publish_until TEXT: publish --sharded until one subscriber got it (10 s);
# prints the last reply.
publish_until() {
	i=0
	while [ $i -lt 100 ]; do
		r=$(m redis publish --sharded news "$1" 2>&1)
		case $r in *"delivered to 1 subscriber"*) break ;; esac
		sleep 0.1
		i=$((i + 1))
	done
	echo "$r"
}

# The binary itself in the background (not the m function's subshell), so
# that $! is mcpdb and the kill below (or the EXIT trap) really stops it.
"$M" --redis "$U" --log-level error redis subscribe --sharded news >"$W/sub.out" 2>"$W/sub.err" &
SUBPID=$!
r=$(publish_until hello)
like "$r" "delivered to 1 subscriber" "publish --sharded reaches the sharded subscriber"
r=$(m redis publish news classic 2>&1)
like "$r" "delivered to 0 subscribers" "a classic PUBLISH does not reach it"

# Kill the master of the channel's slot.
slot=$(redis-cli -p "$P1" cluster keyslot news)
master=$(redis-cli -p "$P1" cluster nodes | awk -v s="$slot" '$3 ~ /master/ {
	for (i = 9; i <= NF; i++) { split($i, r, "-"); if (r[2] == "") r[2] = r[1];
	if (s + 0 >= r[1] + 0 && s + 0 <= r[2] + 0) { split($2, a, "[:@]"); print a[2] } } }')
idx=$(echo "$REDIS_CLUSTER_PORTS" | tr ' ' '\n' | grep -n "^$master\$" | cut -d: -f1)
ok "$([ -n "$idx" ]; echo $?)" "channel news is slot $slot on 127.0.0.1:$master (node $idx)"
t0=$(ms)
"$C" kill-node "$CD" "$idx"
r=$(publish_until after)
dt=$(( $(ms) - t0 ))
like "$r" "delivered to 1 subscriber" "after the failover the subscriber is back on the new master ($dt ms after the kill)"
ok "$([ "$dt" -le 10000 ]; echo $?)" "within 10 s ($dt ms)"
sleep 0.5	# the printer drains its queue every 100 ms
kill "$SUBPID" 2>/dev/null
wait "$SUBPID" 2>/dev/null
SUBPID=
out=$(cat "$W/sub.out")
like "$out" "news: hello" "the subscriber printed the first message"
like "$out" "connection lost" "said the connection was lost"
like "$out" "subscribed again at 127.0.0.1:" "subscribed again"
like "$out" "news: after" "and printed a message published after the failover"
unlike "$out" "classic" "the classic PUBLISH never reached it"

# Bad input: one line each.
out=$(m redis subscribe --sharded a b 2>&1); st=$?
is "$st:$(echo "$out" | wc -l)" "1:1" "channels of two slots: exit 1, one line"
like "$out" "CROSSSLOT: sharded channels \"a\" (slot 15495) and \"b\" (slot 3300)" "naming both and their slots"
out=$(m redis subscribe --sharded --pattern 'a*' 2>&1); st=$?
is "$st:$(echo "$out" | wc -l)" "2:1" "--sharded with --pattern: a usage error, one line"
like "$out" "sharded Pub/Sub has no patterns" "and says why"

# A single Redis 7 (the harness's) has sharded Pub/Sub too.
s() { "$M" --redis "$MCPDB_TEST_REDIS" --log-level error "$@"; }
"$M" --redis "$MCPDB_TEST_REDIS" --log-level error --json redis subscribe --sharded "mcpdb-sh-{t}" --count 1 >"$W/one.json" 2>"$W/one.err" &
SUBPID=$!
i=0
while [ $i -lt 50 ]; do
	r=$(s redis publish --sharded "mcpdb-sh-{t}" single 2>&1)
	case $r in *"delivered to 1 subscriber"*) break ;; esac
	sleep 0.1
	i=$((i + 1))
done
like "$r" "delivered to 1 subscriber" "on a single Redis: publish --sharded reaches subscribe --sharded"
wait "$SUBPID"
SUBPID=
like "$(cat "$W/one.json")" "single" "and the subscriber got it"
done_testing
