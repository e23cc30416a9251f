#!/bin/sh
# pool.sh - the PostgreSQL pool's benchmark against pgbench, like with like:
# for each transport (unix socket, TCP loopback) and each protocol (simple,
# extended, prepared: pgbench -M), in one run:
#   - THREADS threads running SELECT 1 through the pool (max = THREADS),
#     the same threads on dedicated libpq connections, and pgbench -c
#     THREADS -j THREADS -M PROTO (one thread per connection, as bench-pool
#     has) on the same transport: three processes, one after another, in an
#     order rotated every round, so drifting machine load hits all alike;
#     client CPU per query of the two bench-pool sides too
#   - "mcpdb": the pool side through pool_query_deadline (the path mcpdb's
#     own queries take: non-blocking send, poll, extended protocol) against
#     pgbench -M extended
# plus, for reference, pgbench -j 2 (two threads multiplexing the clients),
# pgbench through pgbouncer in transaction mode (TCP) and the uncontended
# acquire + release in ns (target: < 1000).
# Every round runs the cells in a rotated order; the medians and ratios are
# printed as a markdown table at the end.
#
# usage: sh bench/pool.sh          (from a configured build directory)
# Environment: ROUNDS=5 SECS=3 THREADS=8 ITERS=2000000 PROTOS="simple
# extended prepared mcpdb" TRANSPORTS="unix tcp"; MCPDB_TEST_PGURL (and
# MCPDB_TEST_PGURL_TCP) to use a running server (else a private one is
# started with src/mcpdb-servers.sh and purged at the end); BUILDDIR
# (default: .). Only loopback is used; only processes started here are
# stopped, by pid.
set -eu

SRCDIR=$(cd "$(dirname "$0")/.." && pwd -P)
BUILDDIR=${BUILDDIR:-$(pwd -P)}
ROUNDS=${ROUNDS:-5}
SECS=${SECS:-3}
THREADS=${THREADS:-8}
ITERS=${ITERS:-2000000}
PROTOS=${PROTOS:-simple extended prepared mcpdb}
TRANSPORTS=${TRANSPORTS:-unix tcp}
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
	MCPDB_TEST_PGURL_TCP=$(sed -n "s/^MCPDB_TEST_PGURL_TCP=//p" "$W/env" | sed "s/^'//; s/'\$//")
fi
URL=$MCPDB_TEST_PGURL
TCPURL=${MCPDB_TEST_PGURL_TCP:-}
case " $TRANSPORTS " in
*" tcp "*) [ -n "$TCPURL" ] || { echo "pool.sh: MCPDB_TEST_PGURL_TCP is not set (TRANSPORTS=unix to skip TCP)" >&2; exit 2; } ;;
esac
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

# url TRANSPORT: the conninfo of that transport.
url() { if [ "$1" = tcp ]; then echo "$TCPURL"; else echo "$URL"; fi; }

# cell TRANSPORT PROTO ROUND: the pool, dedicated connections (bench-pool
# pool, bench-pool direct, separate processes) and pgbench on the same
# transport and protocol, in an order rotated by ROUND; appends to
# $W/res.TRANSPORT.PROTO.*. (An earlier version interleaved pool and
# dedicated inside one process every 200 ms, "bench-pool ab": measured
# against separate runs it understated the dedicated side by about 18% and
# overstated the pool by about 6%, so it is no longer used here.)
cell()
{
	t=$1 m=$2 u=$(url "$1") pm=$2
	[ "$m" = mcpdb ] && pm=extended
	f=$W/res.$t.$m
	case $(( $3 % 3 )) in
	0) order="pool direct pgbench" ;;
	1) order="direct pgbench pool" ;;
	*) order="pgbench pool direct" ;;
	esac
	p="" d="" g=""
	for s in $order; do
		case $s in
		pool|direct)
			MCPDB_BENCH_PGURL=$u "$BENCH" -t "$SECS" -c "$THREADS" \
			    -M "$m" "$s" >"$W/$s.out"
			v=$(sed -n "s/^${s}_qps //p" "$W/$s.out")
			if [ "$s" = pool ]; then p=$v; else d=$v; fi ;;
		pgbench)
			g=$("$PGBENCH" -n -c "$THREADS" -j "$THREADS" -M "$pm" \
			    -T "$SECS" -f "$W/select1.sql" "$u" 2>&1 |
			    sed -n 's/^tps = \([0-9.]*\).*/\1/p') ;;
		esac
	done
	[ -n "$p" ] && [ -n "$d" ] && [ -n "$g" ] || return 0
	echo "$p" >>"$f.pool"
	echo "$d" >>"$f.direct"
	echo "$g" >>"$f.pgbench"
	sed -n 's/^pool_cpu_us //p' "$W/pool.out" >>"$f.pool_cpu"
	sed -n 's/^direct_cpu_us //p' "$W/direct.out" >>"$f.direct_cpu"
	div "$p" "$d" >>"$f.ratio"; echo >>"$f.ratio"
	div "$p" "$g" >>"$f.pool_pgb"; echo >>"$f.pool_pgb"
	div "$d" "$g" >>"$f.direct_pgb"; echo >>"$f.direct_pgb"
	echo "pool $p dedicated $d pgbench $g"
}

run()
{
	case $1 in
	cell:*)
		c=${1#cell:}
		cell "${c%%:*}" "${c#*:}" "$r" ;;
	bouncer)
		"$PGBENCH" -n -c "$THREADS" -j 2 -T "$SECS" -f "$W/select1.sql" \
		    -h 127.0.0.1 -p "$BPORT" -U postgres bench 2>&1 |
		    sed -n 's/^tps = \([0-9.]*\).*/\1/p' ;;
	pgbench2)
		"$PGBENCH" -n -c "$THREADS" -j 2 -T "$SECS" -f "$W/select1.sql" \
		    -h "$SOCK" -p "$PORT" -U postgres postgres 2>&1 |
		    sed -n 's/^tps = \([0-9.]*\).*/\1/p' ;;
	acquire)
		MCPDB_BENCH_PGURL=$URL "$BENCH" -n "$ITERS" acquire |
		    sed -n 's/^acquire_release_ns //p' ;;
	esac
}

MODES="bouncer pgbench2 acquire"
for t in $TRANSPORTS; do
	for m in $PROTOS; do MODES="$MODES cell:$t:$m"; done
done
r=1
while [ "$r" -le "$ROUNDS" ]; do
	# rotate the order by r-1 so no mode always runs first
	set -- $MODES
	i=1
	while [ $i -lt "$r" ]; do first=$1; shift; set -- "$@" "$first"; i=$((i + 1)); done
	for m in "$@"; do
		v=$(run "$m")
		[ -n "$v" ] || { echo "pool.sh: mode $m produced no number" >&2; exit 1; }
		case $m in cell:*) ;; *) echo "$v" >>"$W/res.$m" ;; esac
		log "round $r $m: $v (load $(cut -d' ' -f1 /proc/loadavg))"
	done
	r=$((r + 1))
done

BOUNCER=$(med <"$W/res.bouncer") PGB2=$(med <"$W/res.pgbench2")
ACQ=$(med <"$W/res.acquire")
cat <<EOF

PostgreSQL $PGVER, pgbouncer $(pgbouncer --version | head -1 | cut -d' ' -f2), $(nproc) CPUs, $THREADS clients, SELECT 1, ${SECS} s per side x $ROUNDS rounds (medians; ratios are medians of the per-round ratios); load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)

| transport | protocol | pool q/s | dedicated q/s | pgbench -j $THREADS tps | **pool / pgbench** (rounds) | dedicated / pgbench | pool / dedicated | client CPU us/query: pool, dedicated |
|---|---|---|---|---|---|---|---|---|
EOF
for t in $TRANSPORTS; do
	for m in $PROTOS; do
		f=$W/res.$t.$m
		[ -s "$f.pool" ] || { echo "| $t | $m | no complete round | | | | | | |"; continue; }
		pm=$m
		[ "$m" = mcpdb ] && pm="pool_query_deadline vs -M extended"
		echo "| $t | $pm | $(med <"$f.pool") | $(med <"$f.direct") | $(med <"$f.pgbench") | **$(med <"$f.pool_pgb")** ($(tr '\n' ' ' <"$f.pool_pgb" | sed 's/ $//')) | $(med <"$f.direct_pgb") | $(med <"$f.ratio") | $(med <"$f.pool_cpu"), $(med <"$f.direct_cpu") |"
	done
done
UP=nan TP=nan
[ -s "$W/res.unix.simple.pool" ] && UP=$(med <"$W/res.unix.simple.pool")
[ -s "$W/res.tcp.simple.pool" ] && TP=$(med <"$W/res.tcp.simple.pool")
cat <<EOF

| reference | value |
|---|---|
| pgbench -c $THREADS -j 2, unix socket, simple (tps): two threads multiplexing the clients | $PGB2 |
| pool (unix, simple) / pgbench -j 2 | $(div "$UP" "$PGB2") |
| pgbench -c $THREADS via pgbouncer transaction mode, TCP, simple (tps) | $BOUNCER |
| **pool (tcp, simple) / pgbench via pgbouncer** | $(div "$TP" "$BOUNCER") |
| **uncontended acquire + release (ns)** (target < 1000) | $ACQ |
EOF
