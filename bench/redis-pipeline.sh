#!/bin/sh
# redis-pipeline.sh - pipelined SET/GET of 200,000 keys through mcpdb's Redis
# client (bench/bench-rds, the rds_pipe API) versus redis-benchmark -P 16 on
# the same server in one run, and the ratio (target: at least 0.8x).
#
# usage: bench/redis-pipeline.sh [--url redis://HOST:PORT/DB] [--rounds N]
#   Run from a build directory (or set MCPDB_BUILDDIR); bench/bench-rds is
#   built there with `make bench/bench-rds`. Without --url a private
#   redis-server is started on a free loopback port in a mktemp directory and
#   stopped at the end.
#
# redis-benchmark -P 16 runs its default 50 connections, so 50 x 16 = 800
# commands are in flight. The client is measured twice:
#   same-depth:  4 threads (the client's pool size) x -P 16 = 64 in flight
#   same-flight: 4 threads x -P 200 = 800 in flight, as many as redis-benchmark
# Each configuration runs ROUNDS times (default 3), interleaved, and the median
# is reported, because the box is shared and single runs are noisy.
set -eu

N=200000
ROUNDS=3
URL=
while [ $# -gt 0 ]; do
	case $1 in
	--url) URL=$2; shift ;;
	--rounds) ROUNDS=$2; shift ;;
	-h|--help) sed -n '2,18p' "$0"; exit 0 ;;
	*) echo "redis-pipeline: unknown argument $1" >&2; exit 2 ;;
	esac
	shift
done

BUILDDIR=${MCPDB_BUILDDIR:-.}
make -s -C "$BUILDDIR" bench/bench-rds >/dev/null || {
	echo "redis-pipeline: cannot build bench/bench-rds in $BUILDDIR (run from a build directory)" >&2
	exit 1
}
BENCH=$BUILDDIR/bench/bench-rds
command -v redis-benchmark >/dev/null 2>&1 || { echo "redis-pipeline: redis-benchmark not found (apt-get install redis-tools)" >&2; exit 1; }

DIR=
PID=
cleanup()
{
	if [ -n "$PID" ]; then
		kill "$PID" 2>/dev/null || true
		wait "$PID" 2>/dev/null || true
	fi
	[ -n "$DIR" ] && rm -rf "$DIR"
	return 0
}
trap cleanup EXIT INT TERM

if [ -z "$URL" ]; then
	command -v redis-server >/dev/null 2>&1 || { echo "redis-pipeline: redis-server not found" >&2; exit 1; }
	DIR=$(mktemp -d "${TMPDIR:-/tmp}/mcpdb-bench.XXXXXX")
	PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])' 2>/dev/null ||
	    echo $((20000 + $$ % 20000)))
	redis-server --port "$PORT" --bind 127.0.0.1 --save '' --appendonly no \
	    --dir "$DIR" --logfile "$DIR/redis.log" >/dev/null 2>&1 &
	PID=$!
	i=0
	until redis-cli -p "$PORT" ping >/dev/null 2>&1; do
		i=$((i + 1))
		[ $i -lt 100 ] || { echo "redis-pipeline: redis-server did not start; see $DIR/redis.log" >&2; exit 1; }
		sleep 0.05
	done
	URL=redis://127.0.0.1:$PORT/0
fi
HOST=$(echo "$URL" | sed -e 's|^redis://||' -e 's|^.*@||' -e 's|[:/].*$||')
PORT=$(echo "$URL" | sed -n -e 's|^redis://\([^/]*@\)\{0,1\}[^:/]*:\([0-9]*\).*$|\2|p')
PORT=${PORT:-6379}

# "SET",rps / "GET",rps lines -> "rps_set rps_get"
pick()
{
	awk -F'"' '$2 == "SET" { s = $4 } $2 == "GET" { g = $4 } END { printf "%s %s\n", s, g }'
}

RB=$(mktemp) C16=$(mktemp) C200=$(mktemp)
r=0
while [ $r -lt "$ROUNDS" ]; do
	redis-benchmark -h "$HOST" -p "$PORT" -P 16 -n $N -r $N -t set,get -q --csv | pick >>"$RB"
	"$BENCH" "$URL" -n $N -P 16 -c 4 | pick >>"$C16"
	"$BENCH" "$URL" -n $N -P 200 -c 4 | pick >>"$C200"
	r=$((r + 1))
done

# Median of column $2 in file $1.
median()
{
	cut -d' ' -f"$2" "$1" | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}

rb_set=$(median "$RB" 1) rb_get=$(median "$RB" 2)
c16_set=$(median "$C16" 1) c16_get=$(median "$C16" 2)
c200_set=$(median "$C200" 1) c200_get=$(median "$C200" 2)
rm -f "$RB" "$C16" "$C200"

echo "server: $HOST:$PORT ($(redis-cli -h "$HOST" -p "$PORT" info server | tr -d '\r' | sed -n 's/^redis_version:/redis /p')), $N keys, median of $ROUNDS rounds"
printf '%-52s %12s %12s\n' "" "SET req/s" "GET req/s"
printf '%-52s %12.0f %12.0f\n' "redis-benchmark -P 16 (50 conns, 800 in flight)" "$rb_set" "$rb_get"
printf '%-52s %12.0f %12.0f\n' "bench-rds -P 16 -c 4 (same depth, 64 in flight)" "$c16_set" "$c16_get"
printf '%-52s %12.0f %12.0f\n' "bench-rds -P 200 -c 4 (same 800 in flight)" "$c200_set" "$c200_get"
awk -v a="$c200_set" -v b="$c200_get" -v c="$rb_set" -v d="$rb_get" -v e="$c16_set" -v f="$c16_get" 'BEGIN {
	printf "ratio, same in flight (headline): SET %.2fx  GET %.2fx  (target >= 0.80x)\n", a / c, b / d
	printf "ratio, same per-connection depth: SET %.2fx  GET %.2fx\n", e / c, f / d
	exit (a / c >= 0.8 && b / d >= 0.8) ? 0 : 3
}'
