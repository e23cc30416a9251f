#!/bin/sh
# pool-syscalls.sh - system calls, context switches and client CPU per query
# of the pool, dedicated libpq connections and pgbench under the load of
# bench/pool.sh (THREADS clients, SELECT 1, unix socket), counted with
# perf's syscall tracepoints (perf stat -e syscalls:sys_enter_*), which,
# unlike strace, do not slow the client down enough to change what it does.
# Sides, SECS seconds each, one after the other:
#   pgbench -c THREADS -j THREADS -M prepared, bench-pool direct and pool
#   with -M prepared; pgbench -M extended and bench-pool -M mcpdb pool
#   (pool_query_deadline, mcpdb's own query path).
#
# usage: sh bench/pool-syscalls.sh   (from a configured build directory, as
# root or with perf_event_paranoid <= -1 and tracefs readable)
# Environment: SECS=4 THREADS=8; MCPDB_TEST_PGURL to use a running server,
# else a private one is started with src/mcpdb-servers.sh and purged.
set -eu

SRCDIR=$(cd "$(dirname "$0")/.." && pwd -P)
BUILDDIR=${BUILDDIR:-$(pwd -P)}
SECS=${SECS:-4}
THREADS=${THREADS:-8}
PGBENCH=${PGBENCH:-pgbench}
[ -x /usr/lib/postgresql/15/bin/pgbench ] && PGBENCH=/usr/lib/postgresql/15/bin/pgbench
command -v perf >/dev/null 2>&1 || { echo "pool-syscalls.sh: perf is needed (apt-get install linux-perf)" >&2; exit 2; }
EV=task-clock,context-switches
for s in poll ppoll recvfrom sendto futex; do EV=$EV,syscalls:sys_enter_$s; done
perf stat -x, -e "$EV" -o /dev/null true 2>/dev/null || {
	echo "pool-syscalls.sh: perf cannot count syscall tracepoints here (needs root or perf_event_paranoid -1)" >&2
	exit 2
}
W=$(mktemp -d "${TMPDIR:-/tmp}/pool-syscalls.XXXXXX")
chmod 755 "$W"
STARTED=0
cleanup()
{
	set +e
	[ "$STARTED" = 1 ] && sh "$SRCDIR/src/mcpdb-servers.sh" down --purge \
	    --dir "$W/srv" >/dev/null 2>&1
	rm -rf "$W"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
(cd "$BUILDDIR" && make -s bench/bench-pool >/dev/null)
BENCH=$BUILDDIR/bench/bench-pool
if [ -z "${MCPDB_TEST_PGURL:-}" ]; then
	sh "$SRCDIR/src/mcpdb-servers.sh" up --dir "$W/srv" >"$W/env"
	STARTED=1
	MCPDB_TEST_PGURL=$(sed -n "s/^MCPDB_TEST_PGURL=//p" "$W/env" | sed "s/^'//; s/'\$//")
fi
export MCPDB_BENCH_PGURL=$MCPDB_TEST_PGURL
echo "SELECT 1;" >"$W/select1.sql"

echo "| side ($THREADS clients, unix socket) | q/s | poll+ppoll | recvfrom | sendto | futex | context switches | client CPU us |"
echo "|---|---|---|---|---|---|---|---|"
for side in pgbench:prepared direct:prepared pool:prepared pgbench:extended pool:mcpdb; do
	s=${side%%:*} m=${side#*:}
	if [ "$s" = pgbench ]; then
		perf stat -x, -e "$EV" -o "$W/st" "$PGBENCH" -n -c "$THREADS" \
		    -j "$THREADS" -M "$m" -T "$SECS" -f "$W/select1.sql" \
		    "$MCPDB_BENCH_PGURL" >"$W/out" 2>&1
		q=$(sed -n 's/^number of transactions actually processed: \([0-9]*\).*/\1/p' "$W/out")
		qps=$(sed -n 's/^tps = \([0-9.]*\).*/\1/p' "$W/out")
	else
		perf stat -x, -e "$EV" -o "$W/st" "$BENCH" -t "$SECS" \
		    -c "$THREADS" -M "$m" "$s" >"$W/out" 2>&1
		qps=$(sed -n "s/^${s}_qps //p" "$W/out")
		q=$(awk -v a="$qps" -v s="$SECS" 'BEGIN { printf "%d", a * s }')
	fi
	# perf -x, rows: value,unit,event,...; per query, task-clock in us
	awk -F, -v q="$q" -v qps="$qps" -v name="$s -M $m" '
		$3 == "task-clock" { cpu = $1 * 1000 / q }
		$3 == "context-switches" { cs = $1 / q }
		$3 ~ /sys_enter_(poll|ppoll)$/ { poll += $1 / q }
		$3 ~ /sys_enter_recvfrom$/ { rcv = $1 / q }
		$3 ~ /sys_enter_sendto$/ { snd = $1 / q }
		$3 ~ /sys_enter_futex$/ { fx = $1 / q }
		END { printf "| %s | %.0f | %.3f | %.3f | %.3f | %.3f | %.3f | %.2f |\n",
		    name, qps, poll, rcv, snd, fx, cs, cpu }' "$W/st"
done
