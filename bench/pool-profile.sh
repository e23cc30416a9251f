#!/bin/sh
# pool-profile.sh - where the client's time goes per query, for the pool and
# for pgbench, on one connection (no threading effects), SELECT 1 over the
# unix socket. Three measurements per side, each as "N queries minus N0
# queries, divided by N - N0", so connection set-up and start-up cancel:
#   - CPU (user and system) of the client process, /usr/bin/time
#   - user-space instructions, valgrind --tool=callgrind (load-insensitive)
#   - system calls, strace -c -f
# and, for the pool, callgrind's inclusive cost of the functions on the path.
#
# usage: sh bench/pool-profile.sh   (from a configured build directory)
# Environment: N=20000 N0=2000 (CPU), CN=3000 CN0=1000 (callgrind, strace);
# SIDES to profile only some sides (default: all eight);
# MCPDB_TEST_PGURL to use a running server, else a private one is started
# with src/mcpdb-servers.sh and purged at the end.
set -eu

SRCDIR=$(cd "$(dirname "$0")/.." && pwd -P)
BUILDDIR=${BUILDDIR:-$(pwd -P)}
N=${N:-20000} N0=${N0:-2000} CN=${CN:-3000} CN0=${CN0:-1000}
PGBENCH=${PGBENCH:-pgbench}
[ -x /usr/lib/postgresql/15/bin/pgbench ] && PGBENCH=/usr/lib/postgresql/15/bin/pgbench
for t in valgrind strace /usr/bin/time; do
	command -v "$t" >/dev/null 2>&1 || { echo "pool-profile.sh: $t is needed" >&2; exit 2; }
done
W=$(mktemp -d "${TMPDIR:-/tmp}/pool-profile.XXXXXX")
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

# cmd SIDE COUNT: the command line of one side running COUNT queries.
cmd()
{
	case $1 in
	pgbench-simple) echo "$PGBENCH -n -c 1 -j 1 -M simple -t $2 -f $W/select1.sql \"\$MCPDB_BENCH_PGURL\"" ;;
	pgbench-extended) echo "$PGBENCH -n -c 1 -j 1 -M extended -t $2 -f $W/select1.sql \"\$MCPDB_BENCH_PGURL\"" ;;
	dedicated-simple) echo "$BENCH -c 1 -q $2 -M simple direct" ;;
	pool-simple) echo "$BENCH -c 1 -q $2 -M simple pool" ;;
	pool-mcpdb) echo "$BENCH -c 1 -q $2 -M mcpdb pool" ;;
	pgbench-prepared) echo "$PGBENCH -n -c 1 -j 1 -M prepared -t $2 -f $W/select1.sql \"\$MCPDB_BENCH_PGURL\"" ;;
	dedicated-prepared) echo "$BENCH -c 1 -q $2 -M prepared direct" ;;
	pool-prepared) echo "$BENCH -c 1 -q $2 -M prepared pool" ;;
	esac
}
# cpu SIDE COUNT: "user_s sys_s" of one run.
cpu() { /usr/bin/time -f '%U %S' -o "$W/t" sh -c "$(cmd "$1" "$2") >/dev/null 2>&1"; cat "$W/t"; }
# ir SIDE COUNT: user-space instructions of one run (callgrind, children too).
ir()
{
	rm -f "$W"/cg.*
	valgrind --tool=callgrind --trace-children=yes --callgrind-out-file="$W/cg.%p" \
	    sh -c "$(cmd "$1" "$2") >/dev/null 2>&1" >/dev/null 2>&1
	cat "$W"/cg.* | awk '/^summary:/ {s += $2} END {print s}'
}
# sys SIDE COUNT: system calls of one run (strace -c -f, total).
sys()
{
	strace -f -c -o "$W/st" sh -c "$(cmd "$1" "$2") >/dev/null 2>&1" \
	    >/dev/null 2>&1
	# the calls column (4th) of the per-syscall rows, between the rules
	awk 'f && /^-/ {exit} f {s += $4} /^-/ {f = 1} END {print s + 0}' "$W/st"
}
# per A B N [SCALE]: (A - B) / N * SCALE, two decimals.
per() { awk -v a="$1" -v b="$2" -v n="$3" -v k="${4:-1}" 'BEGIN { printf "%.2f", (a - b) / n * k }'; }

echo "| side (1 connection, unix socket) | user us/query | system us/query | user instructions/query | syscalls/query |"
echo "|---|---|---|---|---|"
for s in ${SIDES:-pgbench-simple dedicated-simple pool-simple pgbench-extended pool-mcpdb pgbench-prepared dedicated-prepared pool-prepared}; do
	set -- $(cpu "$s" "$N"); u1=$1 s1=$2
	set -- $(cpu "$s" "$N0"); u0=$1 s0=$2
	i1=$(ir "$s" "$CN"); i0=$(ir "$s" "$CN0")
	c1=$(sys "$s" "$CN"); c0=$(sys "$s" "$CN0")
	echo "| $s | $(per "$u1" "$u0" "$((N - N0))" 1e6) | $(per "$s1" "$s0" "$((N - N0))" 1e6) | $(per "$i1" "$i0" "$((CN - CN0))") | $(per "$c1" "$c0" "$((CN - CN0))") |"
	if [ "$s" = pool-mcpdb ] || [ "$s" = pool-simple ]; then
		f=$(ls -S "$W"/cg.* | head -1)	# the biggest: bench-pool, not sh
		callgrind_annotate --inclusive=yes "$f" 2>/dev/null | sed -n '1,60p' >"$W/annot.$s"
	fi
done
for s in pool-simple pool-mcpdb; do
	[ -f "$W/annot.$s" ] || continue	# not among SIDES
	echo
	echo "callgrind, $s ($CN0 queries; inclusive Ir, top functions):"
	grep -E '^ *[0-9,]+ ' "$W/annot.$s" | head -30
done
