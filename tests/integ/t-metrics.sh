#!/bin/sh
# t-metrics.sh - `mcpdb metrics` on real servers: the page passes promtool
# (or, without it, tests/integ/promcheck.py, a strict format checker with
# promtool's lint rules); counters move after work and gauges follow a
# change; --listen serves GET /metrics (200), 404 elsewhere, several
# scrapers at once, keeps answering with pg_up 0 while PostgreSQL is
# stopped, and exits 0 promptly on SIGTERM; a port in use is exit 1, a bad
# address exit 2. Uses its own private server pair because it stops them.
. "${MCPDB_SRCDIR:?}/tests/tap.sh"
M=${MCPDB_BIN:?}
S="$MCPDB_SRCDIR/src/mcpdb-servers.sh"
CHECKER="$MCPDB_SRCDIR/tests/integ/promcheck.py"
[ -n "${MCPDB_TEST_PGURL:-}" ] || skip_all "MCPDB_TEST_PGURL not set (run under tests/harness/with-servers.sh)"
command -v python3 >/dev/null 2>&1 || skip_all "python3 not installed (needed for the HTTP client and the checker)"
D=$(mktemp -d -t mcpdb-metrics.XXXXXX)
EXP=
trap '[ -n "$EXP" ] && kill "$EXP" 2>/dev/null; sh "$S" down --dir "$D" --purge >/dev/null 2>&1; rm -rf "$D"' EXIT
sh "$S" up --dir "$D" >/dev/null 2>"$D.err" || { cat "$D.err"; rm -f "$D.err"; echo "Bail out! cannot start private servers"; exit 1; }
rm -f "$D.err"
PG=$(sed -n "s/^MCPDB_TEST_PGURL='\(.*\)'$/\1/p" "$D/env")
RS=$(sed -n "s/^MCPDB_TEST_REDIS=//p" "$D/env" | tr -d "'")
unset MCPDB_CONFIG MCPDB_TARGET DATABASE_URL REDIS_URL
export XDG_CONFIG_HOME="$D/xdg"
m() { "$M" --pg "$PG" --redis "$RS" --log-level error "$@"; }
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
# value PAGE-FILE SERIES: the value of one series (exact name and labels).
value() { awk -v s="$2" '$1 == s { print $2; exit }' "$1"; }
# check FILE: promtool when installed, else the strict checker.
if command -v promtool >/dev/null 2>&1; then
	diag "checking pages with $(command -v promtool)"
	check() { promtool check metrics <"$1" >"$D/check.out" 2>&1; }
else
	diag "promtool not installed: checking pages with tests/integ/promcheck.py"
	check() { python3 "$CHECKER" "$1" >"$D/check.out" 2>&1; }
fi
# get URL FILE: GET with python3 urllib; prints "STATUS CONTENT-TYPE".
get() {
	python3 - "$1" "$2" <<'PY'
import sys, urllib.request, urllib.error
try:
    r = urllib.request.urlopen(sys.argv[1], timeout=10)
    code, ctype, body = r.status, r.headers.get('Content-Type'), r.read()
except urllib.error.HTTPError as e:
    code, ctype, body = e.code, e.headers.get('Content-Type'), e.read()
except Exception as e:
    code, ctype, body = 0, str(e), b''
open(sys.argv[2], 'wb').write(body)
print(code, ctype)
PY
}

# --- the checker itself rejects what it must (so a pass means something)
printf '# HELP a_total A.\n# TYPE a_total counter\n# TYPE a_total counter\na_total 1\n' >"$D/bad1"
printf '# HELP a A.\n# TYPE a counter\na 1\n' >"$D/bad2"
printf '# HELP a A.\n# TYPE a gauge\na{l="x\\q"} 1\n' >"$D/bad3"
printf '# HELP a A.\n# TYPE a gauge\na 1\n# HELP b B.\n# TYPE b gauge\nb 1\na{x="1"} 2\n' >"$D/bad4"
n=0; for f in bad1 bad2 bad3 bad4; do python3 "$CHECKER" "$D/$f" >/dev/null 2>&1 || n=$((n + 1)); done
is "$n" 4 "the checker rejects a second TYPE, a counter without _total, a bad escape, a split family"

# --- one scrape
t0=$(now_ms); m metrics >"$D/p1" 2>"$D/err"; rc=$?; t1=$(now_ms)
is "$rc" 0 "metrics: exit 0"
ok "$( [ -s "$D/p1" ] && [ ! -s "$D/err" ]; echo $?)" "a page on stdout, nothing on stderr ($(( t1 - t0 )) ms)"
check "$D/p1"; ok $? "the page passes the format check"
[ -s "$D/check.out" ] && diag "$(cat "$D/check.out")"
is "$(value "$D/p1" pg_up)" 1 "pg_up 1"
is "$(value "$D/p1" redis_up)" 1 "redis_up 1"
like "$(cat "$D/p1")" "# TYPE pg_stat_database_xact_commit_total counter" "commit counter typed"
like "$(cat "$D/p1")" "mcpdb_pool_connections{pool=\"monitor\",state=\"idle\"}" "the pool's connections by state"
like "$(cat "$D/p1")" "mcpdb_breaker_state{server=\"postgresql\",client=\"monitor\"} 0" "breaker closed"
like "$(cat "$D/p1")" "redis_memory_used_bytes " "Redis memory"
like "$(cat "$D/p1")" "mcpdb_migrations_pending " "migration figures"
like "$(cat "$D/p1")" "pg_database_size_bytes{datname=" "database size"
unlike "$(cat "$D/p1")" "password" "no secret in the page"

# --- counters increase after work, a gauge follows a change
c1=$(value "$D/p1" pg_stat_database_xact_commit_total)
r1=$(value "$D/p1" redis_commands_processed_total)
mem1=$(value "$D/p1" redis_memory_used_bytes)
i=0; while [ $i -lt 20 ]; do echo "select $i;"; i=$((i + 1)); done | psql -X -q -d "$PG" >/dev/null
i=0; while [ $i -lt 20 ]; do echo "PING"; i=$((i + 1)); done | redis-cli -s "$RS" >/dev/null
python3 -c 'print("SET", "mx:big", "x" * 8000000)' | redis-cli -s "$RS" -x SET mx:big >/dev/null 2>&1 ||
	head -c 8000000 /dev/zero | tr '\0' x | redis-cli -s "$RS" -x SET mx:big >/dev/null
m metrics >"$D/p2"
c2=$(value "$D/p2" pg_stat_database_xact_commit_total)
r2=$(value "$D/p2" redis_commands_processed_total)
mem2=$(value "$D/p2" redis_memory_used_bytes)
ok "$( [ "${c2%.*}" -ge $(( ${c1%.*} + 20 )) ]; echo $?)" "20 transactions later the commit counter rose by >= 20 ($c1 -> $c2)"
ok "$( [ "${r2%.*}" -ge $(( ${r1%.*} + 20 )) ]; echo $?)" "20 PINGs later redis_commands_processed_total rose by >= 20 ($r1 -> $r2)"
ok "$( [ "$mem2" -ge $(( mem1 + 7000000 )) ]; echo $?)" "an 8 MB key later redis_memory_used_bytes rose by >= 7 MB ($mem1 -> $mem2)"
redis-cli -s "$RS" DEL mx:big >/dev/null
m metrics >"$D/p3"
mem3=$(value "$D/p3" redis_memory_used_bytes)
ok "$( [ "$mem3" -le $(( mem2 - 7000000 )) ]; echo $?)" "and fell again after DEL ($mem2 -> $mem3)"

# --- --listen
# exec: $! must be mcpdb itself, not a subshell, for the SIGTERM test
(exec "$M" --pg "$PG" --redis "$RS" metrics --listen 127.0.0.1:0 --interval 1 >/dev/null 2>"$D/srv.err") &
EXP=$!
addr=
i=0; while [ $i -lt 50 ] && [ -z "$addr" ]; do
	sleep 0.1; i=$((i + 1))
	addr=$(sed -n 's|.*serving target .* on http://\([^/]*\)/metrics.*|\1|p' "$D/srv.err")
done
ok "$( [ -n "$addr" ]; echo $?)" "--listen: says where it serves ($addr)"
like "$addr" "127.0.0.1:" "binds 127.0.0.1"
res=$(get "http://$addr/metrics" "$D/l1")
is "$res" "200 text/plain; version=0.0.4; charset=utf-8" "GET /metrics: 200 with the exposition content type"
check "$D/l1"; ok $? "the served page passes the format check"
is "$(value "$D/l1" pg_up)" 1 "served pg_up 1"
res=$(get "http://$addr/x" "$D/l404")
is "${res%% *}" 404 "GET /x: 404"
pids=; i=1; while [ $i -le 4 ]; do
	get "http://$addr/metrics" "$D/c$i" >"$D/c$i.status" & pids="$pids $!"; i=$((i + 1)); done
for p in $pids; do wait "$p"; done
n=0; i=1; while [ $i -le 4 ]; do
	grep -q '^200 ' "$D/c$i.status" && check "$D/c$i" && n=$((n + 1)); i=$((i + 1)); done
is "$n" 4 "4 concurrent scrapers: all 200 with a valid page"

# a gauge follows a change while serving: the longest running query
psql -X -q -d "$PG" -c "select pg_sleep(4)" >/dev/null 2>&1 &
sl=$!
sleep 2.5
get "http://$addr/metrics" "$D/l2" >/dev/null
q=$(value "$D/l2" pg_stat_activity_max_query_duration_seconds)
ok "$(python3 -c "import sys; sys.exit(0 if float('${q:-0}') >= 1 else 1)"; echo $?)" "a 4 s query shows in pg_stat_activity_max_query_duration_seconds ($q)"
wait "$sl"
r3=$(value "$D/l2" redis_commands_processed_total)
i=0; while [ $i -lt 30 ]; do echo "PING"; i=$((i + 1)); done | redis-cli -s "$RS" >/dev/null
sleep 2
get "http://$addr/metrics" "$D/l3" >/dev/null
r4=$(value "$D/l3" redis_commands_processed_total)
ok "$( [ "${r4%.*}" -ge $(( ${r3%.*} + 30 )) ]; echo $?)" "served counter rises with the next refresh ($r3 -> $r4)"

# PostgreSQL stopped during scraping: still 200, pg_up 0, Redis still up
sh "$S" pg-stop --dir "$D" >/dev/null 2>&1
sleep 3
res=$(get "http://$addr/metrics" "$D/l4")
is "${res%% *}" 200 "PostgreSQL stopped: the scrape still answers 200"
is "$(value "$D/l4" pg_up)" 0 "with pg_up 0"
is "$(value "$D/l4" redis_up)" 1 "and redis_up 1"
unlike "$(cat "$D/l4")" "pg_stat_database_xact_commit_total" "no stale PostgreSQL figures"
check "$D/l4"; ok $? "that page passes the format check too"
sh "$S" pg-start --dir "$D" >/dev/null 2>&1
up=0; i=0; while [ $i -lt 40 ] && [ "$up" != 1 ]; do
	sleep 0.5; i=$((i + 1)); get "http://$addr/metrics" "$D/l5" >/dev/null; up=$(value "$D/l5" pg_up); done
is "$up" 1 "PostgreSQL back: pg_up 1 again ($((i / 2)) s)"

# port in use: one line, exit 1
m metrics --listen "$addr" >/dev/null 2>"$D/inuse.err"; rc=$?
is "$rc" 1 "port in use: exit 1"
is "$(wc -l <"$D/inuse.err" | tr -d ' ')" 1 "one line on stderr"
like "$(cat "$D/inuse.err")" "cannot listen on $addr" "naming the address"

# SIGTERM: prompt, clean exit 0
t0=$(now_ms); kill -TERM "$EXP"; wait "$EXP"; rc=$?; t1=$(now_ms); EXP=
is "$rc" 0 "SIGTERM: exit 0"
ok "$( [ $(( t1 - t0 )) -lt 2000 ]; echo $?)" "within 2 s ($(( t1 - t0 )) ms)"
like "$(cat "$D/srv.err")" "metrics: stopping after" "logs a clean stop"

# bad addresses: exit 2
m metrics --listen "127.0.0.1:99999" 2>"$D/bad.err"; is "$?" 2 "port 99999: exit 2"
like "$(cat "$D/bad.err")" "0 to 65535" "says the range"
m metrics --listen "no.such.host.invalid:9100" 2>"$D/bad.err"; is "$?" 2 "unresolvable address: exit 2"
m metrics --listen "192.0.2.1:9100" 2>"$D/bad.err"; is "$?" 2 "an address of another machine: exit 2"
m metrics --interval 5 2>/dev/null; is "$?" 2 "--interval without --listen: exit 2"

# one scrape with a server down: exit 0 and up = 0 for that side
sh "$S" redis-kill --dir "$D" >/dev/null 2>&1
t0=$(now_ms); m metrics >"$D/p4" 2>/dev/null; rc=$?; t1=$(now_ms)
is "$rc" 0 "Redis killed: one scrape still exits 0"
is "$(value "$D/p4" redis_up)" 0 "redis_up 0"
is "$(value "$D/p4" pg_up)" 1 "pg_up 1"
ok "$( [ $(( t1 - t0 )) -lt 5000 ]; echo $?)" "answered in $(( t1 - t0 )) ms"
sh "$S" redis-start --dir "$D" >/dev/null 2>&1
sh "$S" pg-stop --dir "$D" >/dev/null 2>&1
m metrics >"$D/p5" 2>/dev/null; rc=$?
is "$rc" 0 "PostgreSQL stopped: one scrape still exits 0"
is "$(value "$D/p5" pg_up)" 0 "pg_up 0"
is "$(value "$D/p5" mcpdb_migrations_up)" 0 "mcpdb_migrations_up 0"
check "$D/p5"; ok $? "the page passes the format check"
sh "$S" pg-start --dir "$D" >/dev/null 2>&1
out=$("$M" --pg "$PG" --log-level error metrics); is "$?" 0 "no Redis configured: exit 0"
unlike "$out" "redis_up" "and no redis_up at all"
done_testing
