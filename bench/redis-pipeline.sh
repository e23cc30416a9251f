#!/bin/sh
# redis-pipeline.sh - pipelined SET/GET of 200,000 keys through mcpdb's Redis
# client (bench/bench-rds, the rds_pipe API) versus redis-benchmark -P 16 on
# the same server in one run, with both ratios and the system calls per
# 1,000 commands of each side.
#
# usage: bench/redis-pipeline.sh [--url redis://HOST:PORT/DB] [--rounds N]
#                                [--bench PATH]
#   Run from a build directory (or set MCPDB_BUILDDIR); bench/bench-rds is
#   built there with `make bench/bench-rds`. Without --url a private
#   redis-server is started on a free loopback port in a mktemp directory and
#   stopped at the end. --bench runs another bench-rds binary (e.g. one
#   built from an older commit, to compare).
#
# redis-benchmark -P 16 runs its default 50 connections, so 50 x 16 = 800
# commands are in flight. The client is measured twice:
#   same-depth:  4 threads (the client's pool size) x -P 16 = 64 in flight
#   same-flight: 4 threads x -P 200 = 800 in flight, as many as redis-benchmark
# and redis-benchmark once more with -c 4 -P 16: the same shape as the
# same-depth client (4 connections x 16 = 64 in flight), so that ratio
# compares the clients with the server equally (under)loaded; and the
# client once more with 50 threads x -P 16: the shape of redis-benchmark's
# default run (50 connections x 16), the server as busy on both sides;
# and, with -L, one thread driving 50 (and 4) connections x 16 through
# rds_pipe_run, an event loop like redis-benchmark's own: the same
# connections, depth and threads as redis-benchmark -P 16. That is the
# per-connection-depth ratio the exit status checks.
# Each round runs the seven one after the other; a ratio is taken within a
# round (so a machine that slows down between rounds does not skew it), and
# the median ratio of ROUNDS (default 5) is reported with its min-max. With
# strace installed, one more run of each side at depth 16 counts system calls
# (strace -f -c; not timed). The client CPU (user + sys) per command comes
# from /usr/bin/time when it exists. Exit status 3 when the median
# per-connection-depth ratio (rds_pipe_run 50 x 16 against redis-benchmark
# -P 16) of SET or GET is below 1.0.
set -eu

N=200000
BENCH=
ROUNDS=5
URL=
while [ $# -gt 0 ]; do
	case $1 in
	--url) URL=$2; shift ;;
	--rounds) ROUNDS=$2; shift ;;
	--bench) BENCH=$2; shift ;;
	-h|--help) sed -n '2,30p' "$0"; exit 0 ;;
	*) echo "redis-pipeline: unknown argument $1" >&2; exit 2 ;;
	esac
	shift
done

if [ -z "$BENCH" ]; then
	BUILDDIR=${MCPDB_BUILDDIR:-.}
	make -s -C "$BUILDDIR" bench/bench-rds >/dev/null || {
		echo "redis-pipeline: cannot build bench/bench-rds in $BUILDDIR (run from a build directory)" >&2
		exit 1
	}
	BENCH=$BUILDDIR/bench/bench-rds
fi
[ -x "$BENCH" ] || { echo "redis-pipeline: $BENCH is not executable" >&2; exit 1; }
command -v redis-benchmark >/dev/null 2>&1 || { echo "redis-pipeline: redis-benchmark not found (apt-get install redis-tools)" >&2; exit 1; }

DIR=
PID=
TMP=
cleanup()
{
	if [ -n "$PID" ]; then
		kill "$PID" 2>/dev/null || true
		wait "$PID" 2>/dev/null || true
	fi
	[ -n "$DIR" ] && rm -rf "$DIR"
	[ -n "$TMP" ] && rm -rf "$TMP"
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

# Run "$@" (stdout to $OUT); append the client's user+sys seconds to $CPU.
TIME=
[ -x /usr/bin/time ] && TIME=/usr/bin/time
timed()
{
	if [ -n "$TIME" ]; then
		$TIME -f '%U %S' -o "$TMP/t" "$@" >"$OUT"
		awk '{ print $1 + $2 }' "$TMP/t" >>"$CPU"
	else
		"$@" >"$OUT"
	fi
}

TMP=$(mktemp -d "${TMPDIR:-/tmp}/mcpdb-bench-rds.XXXXXX")
OUT=$TMP/out
RBCMD="redis-benchmark -h $HOST -p $PORT -P 16 -n $N -r $N -t set,get -q --csv"
RB4CMD="redis-benchmark -h $HOST -p $PORT -P 16 -c 4 -n $N -r $N -t set,get -q --csv"
B16CMD="$BENCH $URL -n $N -P 16 -c 4"
B200CMD="$BENCH $URL -n $N -P 200 -c 4"
B50CMD="$BENCH $URL -n $N -P 16 -c 50"
L50CMD="$BENCH $URL -n $N -P 16 -c 50 -L"
L4CMD="$BENCH $URL -n $N -P 16 -c 4 -L"
load0=$(cut -d' ' -f1 /proc/loadavg 2>/dev/null || echo '?')
r=0
while [ $r -lt "$ROUNDS" ]; do
	CPU=$TMP/cpu-rb timed $RBCMD
	pick <"$OUT" >>"$TMP/rb"
	CPU=$TMP/cpu-rb4 timed $RB4CMD
	pick <"$OUT" >>"$TMP/rb4"
	CPU=$TMP/cpu-16 timed $B16CMD
	pick <"$OUT" >>"$TMP/c16"
	CPU=$TMP/cpu-200 timed $B200CMD
	pick <"$OUT" >>"$TMP/c200"
	CPU=$TMP/cpu-50 timed $B50CMD
	pick <"$OUT" >>"$TMP/c50"
	CPU=$TMP/cpu-l50 timed $L50CMD
	pick <"$OUT" >>"$TMP/l50"
	CPU=$TMP/cpu-l4 timed $L4CMD
	pick <"$OUT" >>"$TMP/l4"
	r=$((r + 1))
done
load1=$(cut -d' ' -f1 /proc/loadavg 2>/dev/null || echo '?')

# Per-round ratios: "set get" of file $1 over file $2, line by line.
ratios()
{
	paste -d' ' "$1" "$2" | awk '{ printf "%f %f\n", $1 / $3, $2 / $4 }'
}
ratios "$TMP/c16" "$TMP/rb" >"$TMP/r16"
ratios "$TMP/c200" "$TMP/rb" >"$TMP/r200"
ratios "$TMP/c16" "$TMP/rb4" >"$TMP/r4"
ratios "$TMP/c50" "$TMP/rb" >"$TMP/r50"
ratios "$TMP/l50" "$TMP/rb" >"$TMP/rl50"
ratios "$TMP/l4" "$TMP/rb4" >"$TMP/rl4"

# Median of column $2 in file $1.
median()
{
	cut -d' ' -f"$2" "$1" | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}
# "min-max" of column $2 in file $1, with $3 decimals (default 2).
spread()
{
	cut -d' ' -f"$2" "$1" | sort -g | awk -v d="${3:-2}" 'NR == 1 { lo = $1 } { hi = $1 }
	    END { printf "%." d "f-%." d "f", lo, hi }'
}

echo "server: $HOST:$PORT ($(redis-cli -h "$HOST" -p "$PORT" info server | tr -d '\r' | sed -n 's/^redis_version:/redis /p')), $N keys, $ROUNDS rounds, load average $load0 -> $load1"
printf '%-52s %12s %12s\n' "median req/s" "SET" "GET"
printf '%-52s %12.0f %12.0f\n' "redis-benchmark -P 16 (50 conns, 800 in flight)" \
    "$(median "$TMP/rb" 1)" "$(median "$TMP/rb" 2)"
printf '%-52s %12.0f %12.0f\n' "redis-benchmark -P 16 -c 4 (4 conns, 64 in flight)" \
    "$(median "$TMP/rb4" 1)" "$(median "$TMP/rb4" 2)"
printf '%-52s %12.0f %12.0f\n' "bench-rds -P 16 -c 4 (same depth, 64 in flight)" \
    "$(median "$TMP/c16" 1)" "$(median "$TMP/c16" 2)"
printf '%-52s %12.0f %12.0f\n' "bench-rds -P 200 -c 4 (same 800 in flight)" \
    "$(median "$TMP/c200" 1)" "$(median "$TMP/c200" 2)"
printf '%-52s %12.0f %12.0f\n' "bench-rds -P 16 -c 50 (50 conns, 800 in flight)" \
    "$(median "$TMP/c50" 1)" "$(median "$TMP/c50" 2)"
printf '%-52s %12.0f %12.0f\n' "bench-rds -P 16 -c 50 -L (one thread, 50 x 16)" \
    "$(median "$TMP/l50" 1)" "$(median "$TMP/l50" 2)"
printf '%-52s %12.0f %12.0f\n' "bench-rds -P 16 -c 4 -L (one thread, 4 x 16)" \
    "$(median "$TMP/l4" 1)" "$(median "$TMP/l4" 2)"
rls=$(median "$TMP/rl50" 1) rlg=$(median "$TMP/rl50" 2)
printf 'ratio, same per-connection depth and connections, one thread as redis-benchmark (rds_pipe_run 50 x 16 vs redis-benchmark -P 16): SET %.2fx (%s)  GET %.2fx (%s)  (target >= 1.00x)\n' \
    "$rls" "$(spread "$TMP/rl50" 1)" "$rlg" "$(spread "$TMP/rl50" 2)"
printf 'ratio, rds_pipe_run 4 x 16 vs redis-benchmark -c 4: SET %.2fx (%s)  GET %.2fx (%s)\n' \
    "$(median "$TMP/rl4" 1)" "$(spread "$TMP/rl4" 1)" \
    "$(median "$TMP/rl4" 2)" "$(spread "$TMP/rl4" 2)"
printf 'ratio, same per-connection depth, 4 blocking threads x 16 vs redis-benchmark -P 16: SET %.2fx (%s)  GET %.2fx (%s)\n' \
    "$(median "$TMP/r16" 1)" "$(spread "$TMP/r16" 1)" \
    "$(median "$TMP/r16" 2)" "$(spread "$TMP/r16" 2)"
printf 'ratio, same connections and depth (4 x 16 vs redis-benchmark -c 4): SET %.2fx (%s)  GET %.2fx (%s)\n' \
    "$(median "$TMP/r4" 1)" "$(spread "$TMP/r4" 1)" \
    "$(median "$TMP/r4" 2)" "$(spread "$TMP/r4" 2)"
printf 'ratio, same connections and depth (50 x 16 vs redis-benchmark -P 16): SET %.2fx (%s)  GET %.2fx (%s)\n' \
    "$(median "$TMP/r50" 1)" "$(spread "$TMP/r50" 1)" \
    "$(median "$TMP/r50" 2)" "$(spread "$TMP/r50" 2)"
printf 'ratio, same in flight:            SET %.2fx (%s)  GET %.2fx (%s)\n' \
    "$(median "$TMP/r200" 1)" "$(spread "$TMP/r200" 1)" \
    "$(median "$TMP/r200" 2)" "$(spread "$TMP/r200" 2)"
if [ -n "$TIME" ]; then
	# Both sides run SET then GET: 2 x N commands per run.
	for f in rb rb4 16 200 50 l50 l4; do
		awk -v n=$N '{ print $1 * 1e9 / (2 * n) }' "$TMP/cpu-$f" >"$TMP/us-$f"
	done
	printf 'client CPU (user+sys, 10 ms resolution) per command, median (min-max) ns:\n   redis-benchmark -P 16 %.0f (%s), -c 4 %.0f (%s), bench-rds -P 16 %.0f (%s), -P 200 %.0f (%s), -c 50 %.0f (%s), -c 50 -L %.0f (%s), -c 4 -L %.0f (%s)\n' \
	    "$(median "$TMP/us-rb" 1)" "$(spread "$TMP/us-rb" 1 0)" \
	    "$(median "$TMP/us-rb4" 1)" "$(spread "$TMP/us-rb4" 1 0)" \
	    "$(median "$TMP/us-16" 1)" "$(spread "$TMP/us-16" 1 0)" \
	    "$(median "$TMP/us-200" 1)" "$(spread "$TMP/us-200" 1 0)" \
	    "$(median "$TMP/us-50" 1)" "$(spread "$TMP/us-50" 1 0)" \
	    "$(median "$TMP/us-l50" 1)" "$(spread "$TMP/us-l50" 1 0)" \
	    "$(median "$TMP/us-l4" 1)" "$(spread "$TMP/us-l4" 1 0)"
fi

# System calls per 1,000 commands, counted by strace in one more run each.
if command -v strace >/dev/null 2>&1; then
	count()
	{
		strace -f -c -o "$TMP/st" "$@" >/dev/null 2>&1 || true
		# Columns: % time, seconds, usecs/call, calls, [errors], syscall.
		awk -v n=$N '$NF == "total" { t = $4 }
		    $NF ~ /^(read|recvfrom|write|sendto|poll|epoll_wait|epoll_ctl|futex)$/ { c[$NF] = $4 }
		    END { printf "%.0f (", t * 1000 / (2 * n); sep = ""
			split("read recvfrom write sendto poll epoll_wait epoll_ctl futex", o, " ")
			for (i = 1; i <= 8; i++)
				if (c[o[i]] * 1000 / (2 * n) >= 0.5) {
					printf "%s%s %.0f", sep, o[i], c[o[i]] * 1000 / (2 * n)
					sep = ", "
				}
			printf ")\n" }' "$TMP/st"
	}
	echo "system calls per 1,000 commands (strace -f -c, untimed run, all calls incl. start-up):"
	echo "  redis-benchmark -P 16: $(count $RBCMD)"
	echo "  redis-benchmark -P 16 -c 4: $(count $RB4CMD)"
	echo "  bench-rds -P 16 -c 4:  $(count $B16CMD)"
	echo "  bench-rds -P 200 -c 4: $(count $B200CMD)"
	echo "  bench-rds -P 16 -c 50 -L: $(count $L50CMD)"
fi
rm -rf "$TMP"
TMP=
awk -v a="$rls" -v b="$rlg" 'BEGIN { exit (a >= 1.0 && b >= 1.0) ? 0 : 3 }'
