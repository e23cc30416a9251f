#!/bin/sh
# redis-conns.sh - the Redis client at 1, 4 and 16 connections against
# redis-benchmark with as many (issue 15 item 4): one command per round trip
# (no pipelining: -P 1 on both sides), N SETs then N GETs, mcpdb's
# bench/bench-rds with -c C threads on a client of max_connections C versus
# `redis-benchmark -c C -P 1`, in alternating order each round; prints the
# best of ROUNDS for each side and the ratio mcpdb / redis-benchmark.
#
# usage: sh bench/redis-conns.sh [--rounds R] [--n N] [--url redis://H:P/0]
# (from a build directory; a private redis-server on loopback by default)
set -eu

N=50000
ROUNDS=3
URL=
while [ $# -gt 0 ]; do
	case $1 in
	--url) URL=$2; shift ;;
	--rounds) ROUNDS=$2; shift ;;
	--n) N=$2; shift ;;
	-h|--help) sed -n '2,11p' "$0"; exit 0 ;;
	*) echo "redis-conns: unknown argument $1" >&2; exit 2 ;;
	esac
	shift
done
BUILDDIR=${MCPDB_BUILDDIR:-.}
make -s -C "$BUILDDIR" bench/bench-rds >/dev/null || { echo "redis-conns: cannot build bench/bench-rds" >&2; exit 1; }
BENCH=$BUILDDIR/bench/bench-rds
command -v redis-benchmark >/dev/null 2>&1 || { echo "redis-conns: redis-benchmark not found (apt-get install redis-tools)" >&2; exit 1; }

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
	DIR=$(mktemp -d "${TMPDIR:-/tmp}/mcpdb-bench.XXXXXX")
	PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	redis-server --port "$PORT" --bind 127.0.0.1 --save '' --appendonly no \
	    --dir "$DIR" --logfile "$DIR/redis.log" >/dev/null 2>&1 &
	PID=$!
	i=0
	until redis-cli -p "$PORT" ping >/dev/null 2>&1; do
		i=$((i + 1))
		[ $i -lt 100 ] || { echo "redis-conns: redis-server did not start" >&2; exit 1; }
		sleep 0.05
	done
	URL=redis://127.0.0.1:$PORT/0
fi
HOST=$(echo "$URL" | sed -e 's|^redis://||' -e 's|^.*@||' -e 's|[:/].*$||')
PORT=$(echo "$URL" | sed -n -e 's|^redis://\([^/]*@\)\{0,1\}[^:/]*:\([0-9]*\).*$|\2|p')

pick() { awk -F'"' '$2 == "SET" { s = $4 } $2 == "GET" { g = $4 } END { printf "%s %s\n", s, g }'; }
best() { awk -v a="$1" -v b="$2" 'BEGIN { print (a + 0 > b + 0) ? a : b }'; }

printf '%-6s %12s %12s %12s %12s %8s %8s\n' conns "mcpdb SET/s" "peer SET/s" "mcpdb GET/s" "peer GET/s" "SET x" "GET x"
for C in 1 4 16; do
	ms=0 mg=0 ps=0 pg=0 r=0
	while [ $r -lt "$ROUNDS" ]; do
		if [ $((r % 2)) -eq 0 ]; then
			set -- $("$BENCH" "$URL" -n "$N" -P 1 -c "$C" | pick)
			ms=$(best "$ms" "$1"); mg=$(best "$mg" "$2")
			set -- $(redis-benchmark -h "$HOST" -p "$PORT" -c "$C" -P 1 -n "$N" -r "$N" -t set,get -q --csv | pick)
			ps=$(best "$ps" "$1"); pg=$(best "$pg" "$2")
		else
			set -- $(redis-benchmark -h "$HOST" -p "$PORT" -c "$C" -P 1 -n "$N" -r "$N" -t set,get -q --csv | pick)
			ps=$(best "$ps" "$1"); pg=$(best "$pg" "$2")
			set -- $("$BENCH" "$URL" -n "$N" -P 1 -c "$C" | pick)
			ms=$(best "$ms" "$1"); mg=$(best "$mg" "$2")
		fi
		r=$((r + 1))
	done
	awk -v c="$C" -v ms="$ms" -v ps="$ps" -v mg="$mg" -v pg="$pg" 'BEGIN {
		printf "%-6s %12.0f %12.0f %12.0f %12.0f %7.2fx %7.2fx\n", c, ms, ps, mg, pg, ms / ps, mg / pg }'
done
