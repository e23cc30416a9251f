#!/usr/bin/env bash
# bench/metrics.sh - what a Prometheus scrape of mcpdb costs, on one private
# PostgreSQL 15 + Redis 7 pair (started here, purged on exit).
#
# Measured:
#   - one-shot `mcpdb metrics`, ROUNDS runs: wall time per run, SQL
#     statements per run (log_statement = all, the server log parsed by
#     application_name mcpdb/*), new server sessions per run, Redis commands
#     per run (INFO commandstats deltas, less this script's own INFO);
#   - `mcpdb metrics --listen` at --interval INTERVAL, for WIN seconds of
#     back-to-back scrapes from one client: time per scrape (p50, p99, max,
#     measured in the client around each GET), scrapes per second, SQL
#     statements and Redis commands in the window, per scrape and per
#     refresh; then 4 concurrent clients for WIN seconds: scrapes per second.
#
# Usage: bench/metrics.sh [MCPDB_BINARY]   (default: ./mcpdb, from a build dir)
# Environment: ROUNDS (10), WIN (35: one extras read falls inside), INTERVAL (5), MCPDB_SERVERS_SH.
# Needs: psql, redis-cli, python3.
set -Eeuo pipefail

M=$(readlink -f "${1:-./mcpdb}")
HERE=$(cd "$(dirname "$0")" && pwd -P)
SRV=${MCPDB_SERVERS_SH:-$HERE/../src/mcpdb-servers.sh}
ROUNDS=${ROUNDS:-10}
WIN=${WIN:-35}
INTERVAL=${INTERVAL:-5}
[ -x "$M" ] || { echo "metrics.sh: $M is not an executable mcpdb" >&2; exit 2; }
for t in psql redis-cli python3; do
	command -v "$t" >/dev/null || { echo "metrics.sh: $t not found" >&2; exit 2; }
done
SD=$(mktemp -d -t metrics-bench.XXXXXX)
EXP=
cleanup() {
	[ -n "$EXP" ] && kill "$EXP" 2>/dev/null && wait "$EXP" 2>/dev/null
	sh "$SRV" down --dir "$SD" --purge >/dev/null 2>&1 || true
	rm -rf "$SD"
}
trap cleanup EXIT
log() { echo "metrics.sh: $*" >&2; }
now() { date +%s.%N; }

eval "$(sh "$SRV" up --dir "$SD")"
PG=$MCPDB_TEST_PGURL
RS=$MCPDB_TEST_REDIS
SERVER_LOG=$SD/pg/postgres.log
q() { psql -X -q -At -v ON_ERROR_STOP=1 "$PG" "$@"; }
rcli() { redis-cli -s "$RS" "$@"; }
rcmds() { rcli info commandstats | tr -d '\r' | awk -F'[=,:]' '/^cmdstat_/{s+=$3} END{print s+0}'; }
q -c "ALTER SYSTEM SET log_line_prefix = '%m [%p] app=%a '" \
  -c "ALTER SYSTEM SET log_statement = 'all'" -c "SELECT pg_reload_conf()" >/dev/null
sleep 0.5
echo "date_utc $(date -u +%FT%TZ), cpus $(nproc), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "postgres $(q -c 'SHOW server_version'), redis $(rcli info server | tr -d '\r' | sed -n 's/^redis_version://p'), $("$M" version 2>/dev/null | head -1)"

# stmts FROM-OFFSET: "statements sessions" of mcpdb/* since that log offset.
stmts() {
	tail -c +"$(($1 + 1))" "$SERVER_LOG" | awk '
	    / app=mcpdb\/[^ ]* LOG:  (statement|execute)/ { n++; split($4, p, /[][]/); s[p[2]] = 1 }
	    END { c = 0; for (k in s) c++; print n + 0, c }'
}

# ---- one-shot
times=()
off=$(stat -c %s "$SERVER_LOG"); c0=$(rcmds)
for r in $(seq 1 "$ROUNDS"); do
	t0=$(now)
	"$M" --pg "$PG" --redis "$RS" --log-level error metrics >"$SD/page"
	t1=$(now)
	times+=("$(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.1f", (b-a)*1000}')")
done
sleep 0.3
c1=$(rcmds)
read -r n s < <(stmts "$off")
echo "one-shot x$ROUNDS: wall ms $(printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END{printf "median %s, min %s, max %s", a[int((NR+1)/2)], a[1], a[NR]}')"
echo "one-shot: $(awk -v n="$n" -v r="$ROUNDS" 'BEGIN{printf "%.1f", n/r}') SQL statements and $(awk -v s="$s" -v r="$ROUNDS" 'BEGIN{printf "%.1f", s/r}') new sessions per run; $(awk -v a="$c0" -v b="$c1" -v r="$ROUNDS" 'BEGIN{printf "%.1f", (b-a-1)/r}') Redis commands per run"
echo "page: $(wc -c <"$SD/page") bytes, $(grep -vc '^#' "$SD/page") samples, $(grep -c '^# TYPE' "$SD/page") families"

# ---- --listen
"$M" --pg "$PG" --redis "$RS" metrics --listen 127.0.0.1:0 --interval "$INTERVAL" \
    >/dev/null 2>"$SD/srv.err" &
EXP=$!
addr=
for _ in $(seq 1 100); do
	addr=$(sed -n 's|.*on http://\([^/]*\)/metrics.*|\1|p' "$SD/srv.err")
	[ -n "$addr" ] && break
	sleep 0.1
done
[ -n "$addr" ] || { cat "$SD/srv.err" >&2; exit 1; }
sleep "$INTERVAL"
scrape() {
	python3 - "http://$addr/metrics" "$WIN" "$1" <<'PY'
import sys, time, threading, urllib.request
url, win, nthreads = sys.argv[1], float(sys.argv[2]), int(sys.argv[3])
lat, lock = [], threading.Lock()
def run():
    end = time.monotonic() + win
    while time.monotonic() < end:
        t0 = time.perf_counter()
        with urllib.request.urlopen(url, timeout=10) as r:
            r.read()
            assert r.status == 200
        d = time.perf_counter() - t0
        with lock:
            lat.append(d)
ts = [threading.Thread(target=run) for _ in range(nthreads)]
t0 = time.monotonic()
for t in ts: t.start()
for t in ts: t.join()
el = time.monotonic() - t0
lat.sort()
q = lambda p: lat[min(len(lat) - 1, int(p * len(lat)))] * 1000
print(len(lat), "%.1f" % (len(lat) / el), "%.3f" % q(0.5), "%.3f" % q(0.99), "%.3f" % (lat[-1] * 1000), "%.1f" % el)
PY
}
off=$(stat -c %s "$SERVER_LOG"); c0=$(rcmds)
read -r ns rate p50 p99 mx el < <(scrape 1)
c1=$(rcmds)
read -r n s < <(stmts "$off")
refreshes=$(awk -v e="$el" -v i="$INTERVAL" 'BEGIN{printf "%.1f", e/i}')
echo "--listen, 1 client, ${el} s: $ns scrapes ($rate/s); per scrape p50 $p50 ms, p99 $p99 ms, max $mx ms"
echo "--listen: $n SQL statements on $s sessions in the window = $(awk -v n="$n" -v c="$ns" 'BEGIN{printf "%.5f", n/c}') per scrape, $(awk -v n="$n" -v r="$refreshes" 'BEGIN{printf "%.1f", n/r}') per ${INTERVAL} s refresh; Redis $(awk -v a="$c0" -v b="$c1" 'BEGIN{print b-a-1}') commands = $(awk -v a="$c0" -v b="$c1" -v r="$refreshes" 'BEGIN{printf "%.1f", (b-a-1)/r}') per refresh"
read -r ns rate p50 p99 mx el < <(scrape 4)
echo "--listen, 4 concurrent clients, ${el} s: $ns scrapes ($rate/s); p50 $p50 ms, p99 $p99 ms, max $mx ms"
echo "load at end: $(cut -d' ' -f1-3 /proc/loadavg)"
