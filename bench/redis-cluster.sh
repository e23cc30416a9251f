#!/bin/sh
# redis-cluster.sh - the pipelined SET/GET benchmark on a 3-master Redis
# Cluster: mcpdb's client (bench/bench-rds with a redis+cluster:// URL, so
# every batch is split per node and the replies come back in order) versus
# `redis-benchmark --cluster -P 16` on the same cluster in one run, and the
# ratio (target: at least 1.0x). Then the failover write stall: SIGKILL the
# master of a key while one client writes it every 10 ms (bench/bench-rds is
# not involved: tests/integ/t-rds-cluster measures it the same way).
#
# usage: bench/redis-cluster.sh [--rounds N]   (from a build directory)
#   The cluster comes from tests/harness/redis-cluster.sh (6 nodes on
#   loopback, cluster-node-timeout 1000 ms) and is removed at the end.
#
# redis-benchmark --cluster -P 16 runs 50 connections x 16 = 800 in flight.
# bench-rds runs 4 threads x -P 200 = 800 in flight (headline), and 4 x
# -P 16 (same per-connection depth). Rounds are interleaved; medians shown.
set -eu

N=200000
ROUNDS=3
while [ $# -gt 0 ]; do
	case $1 in
	--rounds) ROUNDS=$2; shift ;;
	-h|--help) sed -n '2,17p' "$0"; exit 0 ;;
	*) echo "redis-cluster: unknown argument $1" >&2; exit 2 ;;
	esac
	shift
done

BUILDDIR=${MCPDB_BUILDDIR:-.}
SRCDIR=${MCPDB_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
make -s -C "$BUILDDIR" bench/bench-rds >/dev/null || {
	echo "redis-cluster: cannot build bench/bench-rds in $BUILDDIR" >&2
	exit 1
}
BENCH=$BUILDDIR/bench/bench-rds
command -v redis-benchmark >/dev/null 2>&1 || { echo "redis-cluster: redis-benchmark not found" >&2; exit 1; }
H=$SRCDIR/tests/harness/redis-cluster.sh
CD=
trap '[ -n "$CD" ] && "$H" down "$CD"' EXIT INT TERM
ENV=$("$H" up) || exit 1
eval "$ENV"
CD=$REDIS_CLUSTER_DIR
P1=${REDIS_CLUSTER_PORTS%% *}

pick()
{
	awk -F'"' '$2 == "SET" { s = $4 } $2 == "GET" { g = $4 } END { printf "%s %s\n", s, g }'
}
RB=$(mktemp) C16=$(mktemp) C200=$(mktemp)
r=0
while [ "$r" -lt "$ROUNDS" ]; do
	redis-benchmark --cluster -h 127.0.0.1 -p "$P1" -P 16 -n $N -r $N -t set,get -q --csv 2>/dev/null | pick >>"$RB"
	"$BENCH" "$REDIS_CLUSTER_URL" -n $N -P 200 -c 4 | pick >>"$C200"
	"$BENCH" "$REDIS_CLUSTER_URL" -n $N -P 16 -c 4 | pick >>"$C16"
	r=$((r + 1))
done
median()
{
	cut -d' ' -f"$2" "$1" | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}
rb_set=$(median "$RB" 1) rb_get=$(median "$RB" 2)
c16_set=$(median "$C16" 1) c16_get=$(median "$C16" 2)
c200_set=$(median "$C200" 1) c200_get=$(median "$C200" 2)
rm -f "$RB" "$C16" "$C200"
echo "cluster: 3 masters + 3 replicas on loopback, $N keys, median of $ROUNDS rounds, load $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-58s %12s %12s\n' "" "SET req/s" "GET req/s"
printf '%-58s %12.0f %12.0f\n' "redis-benchmark --cluster -P 16 (50 conns, 800 in flight)" "$rb_set" "$rb_get"
printf '%-58s %12.0f %12.0f\n' "bench-rds redis+cluster:// -P 200 -c 4 (800 in flight)" "$c200_set" "$c200_get"
printf '%-58s %12.0f %12.0f\n' "bench-rds redis+cluster:// -P 16 -c 4 (same depth)" "$c16_set" "$c16_get"
awk -v a="$c200_set" -v b="$c200_get" -v c="$rb_set" -v d="$rb_get" -v e="$c16_set" -v f="$c16_get" 'BEGIN {
	printf "ratio, same in flight (headline): SET %.2fx  GET %.2fx  (target >= 1.00x)\n", a / c, b / d
	printf "ratio, same per-connection depth: SET %.2fx  GET %.2fx\n", e / c, f / d
}'
