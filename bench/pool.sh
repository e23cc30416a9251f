#!/bin/sh
# pool.sh - the PostgreSQL pool's benchmark, side by side in one run:
#   1. THREADS threads running SELECT 1 through the pool (max = THREADS)
#   2. THREADS threads with dedicated libpq connections (target: 1 >= 0.95 x 2)
#      1 and 2 run interleaved in one process (bench-pool ab: the same
#      threads switch between the pool and their own connection every
#      200 ms), so drifting machine load hits both alike; the client CPU
#      per query of each side is reported too (insensitive to load)
#   3. pgbench -c THREADS through pgbouncer in transaction mode (TCP loopback)
#   4. pgbench -c THREADS straight to the server (unix socket), for reference
#   5. uncontended acquire + release in ns (target: < 1000)
# Every round runs the modes in a rotated order; the medians and ratios are
# printed as a markdown table at the end.
#
# usage: sh bench/pool.sh          (from a configured build directory)
# Environment: ROUNDS=3 SECS=5 THREADS=8 ITERS=2000000; MCPDB_TEST_PGURL to
# use a running server (else a private one is started with
# src/mcpdb-servers.sh and purged at the end); BUILDDIR (default: .).
# Only loopback is used; only processes started here are stopped, by pid.
set -eu

SRCDIR=$(cd "$(dirname "$0")/.." && pwd -P)
BUILDDIR=${BUILDDIR:-$(pwd -P)}
ROUNDS=${ROUNDS:-3}
SECS=${SECS:-5}
THREADS=${THREADS:-8}
ITERS=${ITERS:-2000000}
PGBENCH=${PGBENCH:-pgbench}
[ -x /usr/lib/postgresql/15/bin/pgbench ] && PGBENCH=/usr/lib/postgresql/15/bin/pgbench
PSQL=psql
[ -x /usr/lib/postgresql/15/bin/psql ] && PSQL=/usr/lib/postgresql/15/bin/psql

W=$(mktemp -d "${TMPDIR:-/tmp}/bench-pool.XXXXXX")
chmod 755 "$W"
BOUNCER_PID="" STARTED=0
cleanup()
{
	set +e
	[ -n "$BOUNCER_PID" ] && kill "$BOUNCER_PID" 2>/dev/null
	[ "$STARTED" = 1 ] && sh "$SRCDIR/src/mcpdb-servers.sh" down --purge \
	    --dir "$W/srv" >/dev/null 2>&1
	rm -rf "$W"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

log() { printf '[%s] %s\n' "$(date +%T)" "$*" >&2; }
med() { sort -n | awk '{v[NR]=$1} END {if (NR == 0) print "nan"; else if (NR % 2) print v[(NR+1)/2]; else printf "%.1f\n", (v[NR/2]+v[NR/2+1])/2}'; }
div() { awk -v a="$1" -v b="$2" 'BEGIN{ if (b == 0 || b == "nan") print "nan"; else printf "%.3f", a/b }'; }

# A free TCP port on loopback (nothing listening, per /proc/net/tcp).
free_port()
{
	i=0
	while [ $i -lt 200 ]; do
		p=$(( 20000 + $(od -An -N2 -tu2 /dev/urandom | tr -d ' ') % 12000 ))
		hex=$(printf ':%04X ' "$p")
		if ! cat /proc/net/tcp /proc/net/tcp6 2>/dev/null | grep -q "$hex"; then
			echo "$p"
			return 0
		fi
		i=$((i + 1))
	done
	echo "no free port" >&2
	return 1
}

log "building bench/bench-pool in $BUILDDIR"
(cd "$BUILDDIR" && make -s bench/bench-pool >/dev/null)
BENCH=$BUILDDIR/bench/bench-pool

if [ -z "${MCPDB_TEST_PGURL:-}" ]; then
	log "starting a private PostgreSQL with mcpdb-servers.sh"
	sh "$SRCDIR/src/mcpdb-servers.sh" up --dir "$W/srv" >"$W/env"
	STARTED=1
	MCPDB_TEST_PGURL=$(sed -n "s/^MCPDB_TEST_PGURL=//p" "$W/env" | sed "s/^'//; s/'\$//")
fi
URL=$MCPDB_TEST_PGURL
SOCK=$("$PSQL" "$URL" -XAtc "show unix_socket_directories" | cut -d, -f1)
PORT=$("$PSQL" "$URL" -XAtc "show port")
PGVER=$("$PSQL" "$URL" -XAtc "show server_version")

# pgbouncer: TCP on loopback, auth_type any (it logs in as postgres over the
# server's unix socket, which trusts local connections).
BPORT=$(free_port)
mkdir "$W/bouncer"
cat >"$W/bouncer/pgbouncer.ini" <<EOF
[databases]
bench = host=$SOCK port=$PORT dbname=postgres user=postgres
[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $BPORT
unix_socket_dir =
auth_type = any
pool_mode = transaction
default_pool_size = $THREADS
max_client_conn = 200
logfile = $W/bouncer/pgbouncer.log
pidfile = $W/bouncer/pgbouncer.pid
ignore_startup_parameters = extra_float_digits
EOF
if [ "$(id -u)" = 0 ]; then
	chown -R postgres "$W/bouncer"
	pgbouncer -d -u postgres "$W/bouncer/pgbouncer.ini"
else
	pgbouncer -d "$W/bouncer/pgbouncer.ini"
fi
for _ in $(seq 50); do [ -s "$W/bouncer/pgbouncer.pid" ] && break; sleep 0.1; done
BOUNCER_PID=$(cat "$W/bouncer/pgbouncer.pid")
log "pgbouncer $(pgbouncer --version | head -1 | cut -d' ' -f2) pid $BOUNCER_PID on 127.0.0.1:$BPORT"
echo "SELECT 1;" >"$W/select1.sql"
"$PSQL" -X -q -h 127.0.0.1 -p "$BPORT" -U postgres -d bench -c "select 1" >/dev/null

run()
{
	case $1 in
	ab)
		MCPDB_BENCH_PGURL=$URL "$BENCH" -t "$((SECS * 2))" -c "$THREADS" ab >"$W/ab.out"
		sed -n 's/^ab_direct_qps //p' "$W/ab.out" >>"$W/res.direct"
		sed -n 's/^ab_pool_qps //p' "$W/ab.out" >>"$W/res.pool"
		sed -n 's/^ab_direct_cpu_us //p' "$W/ab.out" >>"$W/res.direct_cpu"
		sed -n 's/^ab_pool_cpu_us //p' "$W/ab.out" >>"$W/res.pool_cpu"
		awk '/^ab_direct_qps/ {d = $2} /^ab_pool_qps/ {p = $2}
		    END {if (d > 0) printf "%.4f\n", p / d}' "$W/ab.out" >>"$W/res.ratio"
		tr '\n' ' ' <"$W/ab.out" ;;
	bouncer)
		"$PGBENCH" -n -c "$THREADS" -j 2 -T "$SECS" -f "$W/select1.sql" \
		    -h 127.0.0.1 -p "$BPORT" -U postgres bench 2>&1 |
		    sed -n 's/^tps = \([0-9.]*\).*/\1/p' ;;
	pgbench)
		"$PGBENCH" -n -c "$THREADS" -j 2 -T "$SECS" -f "$W/select1.sql" \
		    -h "$SOCK" -p "$PORT" -U postgres postgres 2>&1 |
		    sed -n 's/^tps = \([0-9.]*\).*/\1/p' ;;
	acquire)
		MCPDB_BENCH_PGURL=$URL "$BENCH" -n "$ITERS" acquire |
		    sed -n 's/^acquire_release_ns //p' ;;
	esac
}

MODES="ab bouncer pgbench acquire"
r=1
while [ "$r" -le "$ROUNDS" ]; do
	# rotate the order by r-1 so no mode always runs first
	set -- $MODES
	i=1
	while [ $i -lt "$r" ]; do first=$1; shift; set -- "$@" "$first"; i=$((i + 1)); done
	for m in "$@"; do
		v=$(run "$m")
		[ -n "$v" ] || { echo "pool.sh: mode $m produced no number" >&2; exit 1; }
		[ "$m" = ab ] || echo "$v" >>"$W/res.$m"
		log "round $r $m: $v (load $(cut -d' ' -f1 /proc/loadavg))"
	done
	r=$((r + 1))
done

POOL=$(med <"$W/res.pool") DIRECT=$(med <"$W/res.direct") BOUNCER=$(med <"$W/res.bouncer")
PGB=$(med <"$W/res.pgbench") ACQ=$(med <"$W/res.acquire")
PCPU=$(med <"$W/res.pool_cpu") DCPU=$(med <"$W/res.direct_cpu")
cat <<EOF

PostgreSQL $PGVER, pgbouncer $(pgbouncer --version | head -1 | cut -d' ' -f2), $(nproc) CPUs, $THREADS clients, SELECT 1, ${SECS} s per side x $ROUNDS rounds (medians); load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)

| measurement | value |
|---|---|
| pool, $THREADS threads (q/s, interleaved with the next row) | $POOL |
| dedicated libpq connections, $THREADS threads (q/s) | $DIRECT |
| pgbench -c $THREADS via pgbouncer transaction mode, TCP (tps) | $BOUNCER |
| pgbench -c $THREADS direct, unix socket (tps) | $PGB |
| client CPU per query, pool (us) | $PCPU |
| client CPU per query, dedicated (us) | $DCPU |
| **pool / dedicated**, median of per-round ratios (target >= 0.95) | $(med <"$W/res.ratio") (rounds: $(tr '\n' ' ' <"$W/res.ratio")) |
| **pool / pgbench via pgbouncer** | $(div "$POOL" "$BOUNCER") |
| pool / pgbench direct | $(div "$POOL" "$PGB") |
| client CPU per query, pool / dedicated | $(div "$PCPU" "$DCPU") |
| **uncontended acquire + release (ns)** (target < 1000) | $ACQ |
EOF
