#!/bin/sh
# t-health.sh - `mcpdb health` on real servers: healthy is exit 0 with a JSON
# document; PostgreSQL stopped, PostgreSQL frozen (SIGSTOP) and Redis killed
# are each exit 3 with the reason, on time. Uses its own private server pair
# because it stops them.
. "${MCPDB_SRCDIR:?}/tests/tap.sh"
M=${MCPDB_BIN:?}
S="$MCPDB_SRCDIR/src/mcpdb-servers.sh"
[ -n "${MCPDB_TEST_PGURL:-}" ] || skip_all "MCPDB_TEST_PGURL not set (run under tests/harness/with-servers.sh)"
D=$(mktemp -d -t mcpdb-health.XXXXXX)
trap 'sh "$S" pg-thaw --dir "$D" >/dev/null 2>&1; sh "$S" down --dir "$D" --purge >/dev/null 2>&1; rm -rf "$D"' EXIT
sh "$S" up --dir "$D" >/dev/null 2>"$D.err" || { cat "$D.err"; rm -f "$D.err"; echo "Bail out! cannot start private servers"; exit 1; }
rm -f "$D.err"
PG=$(sed -n "s/^MCPDB_TEST_PGURL='\(.*\)'$/\1/p" "$D/env")
RS=$(sed -n "s/^MCPDB_TEST_REDIS=//p" "$D/env" | tr -d "'")
unset MCPDB_CONFIG MCPDB_TARGET DATABASE_URL REDIS_URL
export XDG_CONFIG_HOME="$D/xdg"
h() { "$M" --pg "$PG" --redis "$RS" --log-level error "$@"; }
now() { date +%s%N; }

out=$(h health); is "$?" 0 "healthy servers: exit 0"
like "$out" "healthy" "says healthy"
like "$out" "PostgreSQL 15" "shows the PostgreSQL version"
like "$out" "Redis 7" "shows the Redis version"
json=$(h health --json)
is "$(printf '%s' "$json" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["healthy"], d["postgresql"]["reachable"], d["redis"]["role"], d["postgresql"]["pool"]["max"])')" \
	"True True master 10" "--json: one document with PostgreSQL, pool and Redis"
is "$(printf '%s' "$json" | python3 -c 'import json,sys; c=json.load(sys.stdin)["redis"]["client_connections"]; print(c["max"], c["open"] >= 1, c["acquire_timeouts"])')" \
	"4 True 0" "--json: the Redis client's connections (max_connections 4 by default)"
printf '{ "targets": { "t": { "redis_options": { "min_connections": 3, "max_connections": 6 } } } }\n' >"$D/min.json"
json=$(MCPDB_CONFIG="$D/min.json" h --target t health --json)
is "$(printf '%s' "$json" | python3 -c 'import json,sys; c=json.load(sys.stdin)["redis"]["client_connections"]; print(c["min"], c["max"])')" \
	"3 6" "--json: redis_options.min_connections and max_connections"
like "$(MCPDB_CONFIG="$D/min.json" h --target t health)" "of 6 (min 3)" "the text names them too"
pgc=$(psql -X -At -d "$PG" -c "select count(*) from pg_stat_activity where backend_type='client backend'")
is "$(printf '%s' "$json" | python3 -c 'import json,sys; print(json.load(sys.stdin)["postgresql"]["connections"])')" \
	"$pgc" "connection count matches pg_stat_activity"

sh "$S" pg-stop --dir "$D" >/dev/null 2>&1
t0=$(now); out=$(h health 2>&1); rc=$?; t1=$(now)
is "$rc" 3 "PostgreSQL stopped: exit 3"
like "$out" "PostgreSQL unreachable" "reason names PostgreSQL"
ok "$( [ $(( (t1 - t0) / 1000000 )) -lt 3000 ]; echo $?)" "a stopped server is reported fast ($(( (t1 - t0) / 1000000 )) ms)"
sh "$S" pg-start --dir "$D" >/dev/null 2>&1

sh "$S" pg-freeze --dir "$D" >/dev/null 2>&1
t0=$(now); out=$(h health 2>&1); rc=$?; t1=$(now)
sh "$S" pg-thaw --dir "$D" >/dev/null 2>&1
is "$rc" 3 "PostgreSQL frozen: exit 3"
ms=$(( (t1 - t0) / 1000000 ))
ok "$( [ "$ms" -lt 9000 ]; echo $?)" "a frozen server does not hang health (${ms} ms, bound ~5 s)"

sh "$S" redis-kill --dir "$D" >/dev/null 2>&1
out=$(h health 2>&1); is "$?" 3 "Redis killed: exit 3"
like "$out" "Redis unreachable" "reason names Redis"
sh "$S" redis-start --dir "$D" >/dev/null 2>&1
out=$(h health); is "$?" 0 "both back: healthy again"
out=$("$M" --pg "$PG" --log-level error health); like "$out" "not configured" "no Redis configured is not a failure"
done_testing
