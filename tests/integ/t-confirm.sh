#!/bin/sh
# t-confirm.sh - every writing command of the table on a protected target,
# against the harness's real servers: without a flag (no terminal), with -y
# and with a wrong --confirm it is refused and nothing changes in the
# database or in Redis; a wrong --confirm is exit 2 everywhere (unprotected
# and read-only commands too); the right --confirm NAME, or the name typed at
# the prompt, runs it.
. "${MCPDB_SRCDIR:?}/tests/tap.sh"
M=${MCPDB_BIN:?}
URL=${MCPDB_TEST_PGURL:-}
RS=${MCPDB_TEST_REDIS:-}
[ -n "$URL" ] && [ -n "$RS" ] ||
	skip_all "MCPDB_TEST_PGURL/MCPDB_TEST_REDIS not set; run under tests/harness/with-servers.sh"
command -v psql >/dev/null 2>&1 || skip_all "psql not found"
command -v redis-cli >/dev/null 2>&1 || skip_all "redis-cli not found"

W=$(mktemp -d -t mcpdb-confirm.XXXXXX)
DB=mcpdb_t_confirm_$$
K=mcpdb-confirm-$$
CH=mcpdb-confirm-ch-$$
FX=$MCPDB_SRCDIR/tests/fixtures/migrations
cleanup() {
	[ -n "${SUB:-}" ] && kill "$SUB" 2>/dev/null
	psql "$URL" -XAtqc "DROP DATABASE IF EXISTS $DB WITH (FORCE)" >/dev/null 2>&1
	redis-cli -s "$RS" del "$K" >/dev/null 2>&1
	rm -rf "$W"
}
trap cleanup EXIT
unset MCPDB_CONFIG MCPDB_TARGET DATABASE_URL REDIS_URL PGOPTIONS
export XDG_CONFIG_HOME="$W/xdg" HOME="$W"

q() { psql "$URL dbname=$DB" -XAtqc "$1" 2>&1; }
psql "$URL" -XAtqc "CREATE DATABASE $DB" >/dev/null || bail_out "cannot create $DB"
q "CREATE SCHEMA kvs; CREATE TABLE kvs.kv (id int PRIMARY KEY, v text NOT NULL);
   INSERT INTO kvs.kv VALUES (1, 'old')" >/dev/null
redis-cli -s "$RS" set "$K" old >/dev/null

mkdir -p "$W/xdg/mcpdb" "$W/seeds/kv"
cat >"$W/xdg/mcpdb/config.json" <<JSON
{ "targets": {
    "prod": { "pg": "$URL dbname=$DB", "redis": "$RS", "protected": true,
              "seeds_dir": "$W/seeds" },
    "open": { "pg": "$URL dbname=$DB", "redis": "$RS", "seeds_dir": "$W/seeds" },
    "ro":   { "pg": "$URL dbname=$DB", "redis": "$RS", "read_only": true } } }
JSON
chmod 600 "$W/xdg/mcpdb/config.json"
cat >"$W/seeds/kv/seed.json" <<JSON
{ "name": "kv", "description": "one row",
  "files": [ { "file": "kvs.kv.csv", "table": "kvs.kv", "format": "csv" } ] }
JSON
printf 'id,v\n1,new\n' >"$W/seeds/kv/kvs.kv.csv"

# Everything a refused command could have touched: rows, tables, ledger,
# databases, the Redis key. The server is shared with tests running beside
# this one, so their databases (mcpdb_t_*, and their migrate check scratch
# databases mcpdb_check_PID_*) are left out here; a scratch database of a
# refused run of ours is looked for by its pid (mrun, no_scratch).
state() {
	q "SELECT (SELECT string_agg(id || '=' || v, ',' ORDER BY id) FROM kvs.kv),
	    (SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
	     WHERE c.relkind = 'r' AND n.nspname NOT IN ('pg_catalog', 'information_schema')),
	    (SELECT string_agg(datname, ',' ORDER BY datname) FROM pg_database
	     WHERE datname NOT LIKE 'mcpdb\_check\_%'
	       AND (datname NOT LIKE 'mcpdb\_t\_%' OR datname = current_database()))"
	q "SELECT string_agg(version || state, ',' ORDER BY version) FROM mcpdb.migrations"
	redis-cli -s "$RS" get "$K"
}

# mrun ARGS...: run mcpdb on prod, no terminal; sets out, rc and pid (the
# process's own: exec keeps it), which names its scratch database.
mrun() {
	out=$(sh -c 'echo $$ >"$0"; exec "$@"' "$W/pid" "$M" -t prod \
	    --log-level error "$@" </dev/null 2>&1); rc=$?
	pid=$(cat "$W/pid")
}

# no_scratch: the last mrun left no migrate check scratch database.
no_scratch() {
	q "SELECT count(*) FROM pg_database WHERE datname LIKE 'mcpdb\_check\_${pid}\_%'"
}

# refused NAME ARGS...: the three refusals of a write on "prod", each leaving
# the state as it was.
refused() {
	name=$1
	shift
	before=$(state)
	mrun "$@"
	is "$rc" 1 "$name, no flag, no terminal: refused"
	like "$out" "target prod is protected" "$name: the refusal names the protected target"
	is "$(state)|$(no_scratch)" "$before|0" "$name: nothing changed"
	mrun -y "$@"
	is "$rc" 1 "$name -y: refused"
	like "$out" "--yes alone is not enough" "$name -y: says --yes is not enough"
	is "$(state)|$(no_scratch)" "$before|0" "$name -y: nothing changed"
	mrun --confirm prdo "$@"
	is "$rc" 2 "$name --confirm prdo: usage error"
	like "$out" "--confirm prdo does not match the selected target's name: expected --confirm prod" \
		"$name --confirm prdo: names the expected and the given name"
	is "$(state)|$(no_scratch)" "$before|0" "$name --confirm prdo: nothing changed"
}

# confirmed ARGS...: run with the right name; sets out and rc.
confirmed() {
	out=$("$M" -t prod --confirm prod --log-level error "$@" </dev/null 2>&1); rc=$?
}

# -- Redis
refused "redis set" redis set "$K" new
confirmed redis set "$K" new
is "$rc" 0 "redis set --confirm prod: runs"
is "$(redis-cli -s "$RS" get "$K")" new "redis set: the value was overwritten"

refused "redis del" redis del "$K"
confirmed redis del "$K"
is "$rc" 0 "redis del --confirm prod: runs"
is "$(redis-cli -s "$RS" exists "$K")" 0 "redis del: the key is gone"
redis-cli -s "$RS" set "$K" old >/dev/null

timeout 30 redis-cli -s "$RS" subscribe "$CH" >"$W/sub.out" 2>&1 &
SUB=$!
i=0
while [ "$(redis-cli -s "$RS" pubsub numsub "$CH" | tail -n 1)" != 1 ] && [ $i -lt 50 ]; do
	sleep 0.1
	i=$((i + 1))
done
refused "redis publish" redis publish "$CH" hello-$$
confirmed redis publish "$CH" hello-$$
is "$rc" 0 "redis publish --confirm prod: runs"
sleep 0.3
kill "$SUB" 2>/dev/null
wait "$SUB" 2>/dev/null
SUB=
is "$(grep -c "hello-$$" "$W/sub.out")" 1 "redis publish: the subscriber got the message once (after the right name only)"

# -- seeds: upsert overwrites rows
refused "seed load --mode upsert" seed load kv --mode upsert
confirmed seed load kv --mode upsert
is "$rc" 0 "seed load --mode upsert --confirm prod: runs"
is "$(q "SELECT v FROM kvs.kv WHERE id = 1")" new "seed load: the row was overwritten"
q "UPDATE kvs.kv SET v = 'old'" >/dev/null
out=$("$M" -t prod --log-level error seed load kv --mode replace --dry-run </dev/null 2>&1); rc=$?
is "$rc" 0 "seed load --dry-run (rolled back) needs no name"
is "$(q "SELECT v FROM kvs.kv WHERE id = 1")" old "and changed nothing"

# -- migrations: up, down, redo, check (a scratch database), resolve
refused "migrate up" migrate up --dir "$FX/good"
confirmed migrate up --dir "$FX/good"
is "$rc" 0 "migrate up --confirm prod: runs" || diag "$out"
is "$(q "SELECT count(*) FROM mcpdb.migrations")" 4 "migrate up: applied"
refused "migrate down" migrate down --dir "$FX/good"
refused "migrate redo" migrate redo --dir "$FX/good"
refused "migrate check" migrate check --dir "$FX/good"
refused "migrate resolve" migrate resolve 4 --applied --dir "$FX/good"
confirmed migrate down --dir "$FX/good"
is "$rc" 0 "migrate down --confirm prod: runs"
is "$(q "SELECT count(*) FROM mcpdb.migrations")" 3 "migrate down: one rolled back"
confirmed migrate redo --dir "$FX/good"
is "$rc" 0 "migrate redo --confirm prod: runs"
confirmed migrate resolve 3 --applied --dir "$FX/good"
like "$out" "is applied, not failed" "migrate resolve --confirm prod: gets past the guard to the ledger"

# -- the name typed at the prompt (needs a terminal: script(1))
if command -v script >/dev/null 2>&1; then
	before=$(state)
	out=$(printf 'prdo\n' | script -qec "$M -t prod --log-level error redis set $K typed" /dev/null 2>&1)
	like "$out" "Type the target name" "on a terminal the name is asked"
	like "$out" "does not match target prod" "a wrongly typed name refuses"
	is "$(state)" "$before" "and changes nothing"
	out=$(printf 'prod\n' | script -qec "$M -t prod -y --log-level error redis set $K typed" /dev/null 2>&1)
	is "$(redis-cli -s "$RS" get "$K")" typed "typing the name runs it (once: -y does not skip the prompt)"
else
	for i in 1 2 3 4; do skip "script(1) not installed"; done
fi

# -- a wrong --confirm is an error for every command, on every target
out=$("$M" -t open --confirm prod --log-level error redis get "$K" 2>&1); rc=$?
is "$rc" 2 "wrong --confirm on an unprotected target, read-only command: exit 2"
like "$out" "expected --confirm open" "names the expected name"
out=$("$M" -t open --confirm prod --log-level error redis set "$K" x 2>&1); rc=$?
is "$rc" 2 "wrong --confirm on an unprotected target, write: exit 2"
is "$(redis-cli -s "$RS" get "$K")" typed "and nothing was written"
out=$("$M" -t ro --confirm prod --log-level error migrate status --dir "$FX/good" 2>&1); rc=$?
is "$rc" 2 "wrong --confirm on a read_only target: exit 2"
out=$("$M" -t prod --confirm prdo --log-level error redis get "$K" 2>&1); rc=$?
is "$rc" 2 "wrong --confirm on a protected target, read-only command: exit 2"
out=$("$M" -t open --confirm open --log-level error redis del "$K" </dev/null 2>&1); rc=$?
is "$rc" 0 "unprotected: the right --confirm answers the question like --yes"

done_testing
