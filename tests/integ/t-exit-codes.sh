#!/bin/sh
# t-exit-codes.sh - every row of README.md's exit-code table, exercised by
# real commands on real servers (and the table read from README.md, so a
# row added there without a case here fails): 0 success, 1 failure, 2 usage
# or configuration error (a refused migrations directory included, with each
# of its problems on its own line), 3 attention needed (pending or drifted
# migrations, an unhealthy server: a frozen Redis times out by name), 128+N
# stopped by a signal (143 SIGTERM, 130 SIGINT).
. "${MCPDB_SRCDIR:?}/tests/tap.sh"
M=${MCPDB_BIN:?}
URL=${MCPDB_TEST_PGURL:-}
[ -n "$URL" ] || skip_all "MCPDB_TEST_PGURL not set; run under tests/harness/with-servers.sh"
command -v psql >/dev/null 2>&1 || skip_all "psql not found"
REDIS_SERVER=${MCPDB_REDIS_SERVER:-redis-server}
command -v "$REDIS_SERVER" >/dev/null 2>&1 || skip_all "redis-server not found"

W=$(mktemp -d -t mcpdb-exit.XXXXXX)
DB=mcpdb_t_exit_$$
FX=$MCPDB_SRCDIR/tests/fixtures/migrations
cleanup() {
	[ -n "${BG:-}" ] && kill -9 "$BG" 2>/dev/null
	if [ -n "${RPID:-}" ]; then
		kill -CONT "$RPID" 2>/dev/null
		kill "$RPID" 2>/dev/null
	fi
	psql "$URL" -XAtqc "DROP DATABASE IF EXISTS $DB WITH (FORCE)" >/dev/null 2>&1
	rm -rf "$W"
}
trap cleanup EXIT
unset MCPDB_CONFIG MCPDB_TARGET DATABASE_URL REDIS_URL PGOPTIONS
export XDG_CONFIG_HOME="$W/xdg" HOME="$W"
q() { psql "$URL dbname=$DB" -XAtqc "$1" 2>&1; }
mig() { "$M" --pg "$URL dbname=$DB" --log-level error migrate "$@"; }
js() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }
psql "$URL" -XAtqc "CREATE DATABASE $DB" >/dev/null || { echo "Bail out! cannot create $DB"; exit 1; }
SEEN=" "
seen() { case $SEEN in *" $1 "*) ;; *) SEEN="$SEEN$1 " ;; esac; }

# -- 0: success
out=$(mig up --dir "$FX/good" 2>&1); rc=$?
is "$rc" 0 "0: migrate up applies"; seen "$rc"
out=$(mig status --dir "$FX/good" 2>&1); rc=$?
is "$rc" 0 "0: migrate status when up to date"
out=$(mig verify --dir "$FX/good" 2>&1); rc=$?
is "$rc" 0 "0: migrate verify without drift"
out=$(mig up --dir "$FX/good" 2>&1); rc=$?
is "$rc" 0 "0: migrate up with nothing to do"

# -- 1: failure
cp -r "$FX/good" "$W/more"
echo "SELECT * FROM no_such_table;" >"$W/more/0009_broken.up.sql"
echo "SELECT 1;" >"$W/more/0009_broken.down.sql"
out=$(mig up --dir "$W/more" 2>&1); rc=$?
is "$rc" 1 "1: a migration that fails"; seen "$rc"
like "$out" "0009_broken.up.sql:1:15: relation \"no_such_table\" does not exist" "naming file:line:col"
out=$(mig up --dir "$W/more" --json 2>/dev/null); rc=$?
is "$rc" 1 "1: the same with --json"
out=$("$M" --pg "host=$W/nowhere port=1" --log-level error migrate status --dir "$FX/good" 2>&1); rc=$?
is "$rc" 1 "1: PostgreSQL unreachable"
mkdir -p "$W/xdg/mcpdb"
printf '{ "targets": { "ro": { "pg": "%s dbname=%s", "read_only": true } } }\n' "$URL" "$DB" \
    >"$W/xdg/mcpdb/config.json"
chmod 600 "$W/xdg/mcpdb/config.json"
out=$("$M" -t ro --log-level error migrate up --dir "$W/more" 2>&1); rc=$?
is "$rc" 1 "1: refused on a read-only target"
rm -f "$W/xdg/mcpdb/config.json"

# -- 2: usage or configuration error
out=$("$M" migrate up --no-such-option 2>&1); rc=$?
is "$rc" 2 "2: an unknown option"; seen "$rc"
out=$("$M" no-such-command 2>&1); rc=$?
is "$rc" 2 "2: an unknown command"
echo '{ "targets": ' >"$W/bad.json"; chmod 600 "$W/bad.json"
out=$("$M" --config "$W/bad.json" migrate status 2>&1); rc=$?
is "$rc" 2 "2: a configuration file that does not parse"
out=$(mig up --dir "$W/does-not-exist" 2>&1); rc=$?
is "$rc" 2 "2: a migrations directory that does not exist"
out=$(mig up --dir "$FX/missing_down" 2>&1); rc=$?
is "$rc" 2 "2: a refused migrations directory (missing down file)"
like "$out" "no down file" "saying why"
B=$W/badnames; mkdir -p "$B"
cp "$FX/good/"0001_* "$B/"
for f in 2_x.sql 0003-dash.up.sql 0004_ok.up.sql; do echo "SELECT 1;" >"$B/$f"; done
echo "SELECT 1;" >"$B/0005_bad name.down.sql"
out=$(mig up --dir "$B" 2>&1); rc=$?
is "$rc" 2 "2: a directory with several bad names"
for f in 2_x.sql 0003-dash.up.sql "0005_bad name.down.sql"; do
	printf '%s\n' "$out" | grep -F -- "$B/$f: bad migration file name" | grep -qv "more problem"
	ok "$?" "its own line names $f"
done
like "$out" "$B/0004_ok.up.sql: no down file" "and the file without its down"
like "$out" "migrations directory $B refused: 4 problems, each on its own line" "one summary line counts them"
unlike "$out" "more problem" "no problem is left out"
is "$(q "SELECT count(*) FROM mcpdb.migrations")" 4 "nothing was run"
out=$(mig status --dir "$B" --json 2>/dev/null); rc=$?
is "$rc" 2 "2: the same with --json"
is "$(printf '%s' "$out" | js 'len(d["problems"]), d["error"]["code"]')" "4 config" "--json lists the problems"

# -- 3: attention needed
out=$(mig status --dir "$W/more" 2>&1); rc=$?
is "$rc" 3 "3: migrate status with a pending (failed) migration"; seen "$rc"
rm -f "$W/more/0009_broken.up.sql" "$W/more/0009_broken.down.sql"
echo "CREATE TABLE pend_t (id int);" >"$W/more/0010_pend.up.sql"
echo "DROP TABLE pend_t;" >"$W/more/0010_pend.down.sql"
out=$(mig status --dir "$W/more" 2>&1); rc=$?
is "$rc" 3 "3: migrate status with a pending migration"
cp -r "$FX/good" "$W/drift"
echo "-- edited after it was applied" >>"$W/drift/0001_create_users.up.sql"
out=$(mig verify --dir "$W/drift" 2>&1); rc=$?
is "$rc" 3 "3: migrate verify on drift"
like "$out" "DRIFT" "saying DRIFT"
out=$(mig verify --dir "$W/drift" --json 2>/dev/null); rc=$?
is "$rc" 3 "3: migrate verify --json on drift"
out=$(mig status --dir "$W/drift" 2>&1); rc=$?
is "$rc" 3 "3: migrate status on drift"
# An unhealthy server: a frozen Redis (SIGSTOP) of our own.
"$REDIS_SERVER" --port 0 --unixsocket "$W/r.sock" --save '' --appendonly no \
    --dir "$W" >"$W/redis.log" 2>&1 &
RPID=$!
i=0
while [ ! -S "$W/r.sock" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
out=$("$M" --redis "$W/r.sock" --log-level error redis ping 2>&1); rc=$?
is "$rc" 0 "control: our Redis answers"
kill -STOP "$RPID"
out=$("$M" --pg "$URL dbname=$DB" --redis "$W/r.sock" --log-level error health 2>&1); rc=$?
is "$rc" 3 "3: health with a frozen Redis"
like "$out" "CLIENT SETNAME: timed out after 2000 ms (command timeout)" "a frozen Redis is a timeout, named with its bound"
unlike "$out" "Resource temporarily unavailable" "not strerror(EAGAIN)"
out=$("$M" --redis "$W/r.sock" --log-level error redis ping 2>&1); rc=$?
is "$rc" 1 "1: redis ping on a frozen Redis fails"
like "$out" "timed out after 2000 ms" "with the same message"
kill -CONT "$RPID"

# -- 128+N: stopped by a signal (143 SIGTERM, 130 SIGINT), work rolled back
I=$W/slow; mkdir -p "$I"
printf 'CREATE TABLE slow_t (id int);\nSELECT pg_sleep(30);\n' >"$I/0001_slow.up.sql"
echo "DROP TABLE slow_t;" >"$I/0001_slow.down.sql"
for sig in TERM:143 INT:130; do
	want=${sig#*:} sig=${sig%:*}
	psql "$URL" -XAtqc "DROP DATABASE $DB WITH (FORCE)" >/dev/null
	psql "$URL" -XAtqc "CREATE DATABASE $DB" >/dev/null
	"$M" --pg "$URL dbname=$DB" --log-level error migrate up --dir "$I" >"$W/i.out" 2>&1 &
	BG=$!
	i=0
	# (anchored: the query watching must not match itself)
	while [ "$(q "SELECT count(*) FROM pg_stat_activity WHERE query LIKE 'SELECT pg_sleep(30)%' AND state = 'active' AND application_name = 'mcpdb/migrate' AND datname = '$DB'")" != 1 ] && [ $i -lt 150 ]; do
		sleep 0.1; i=$((i + 1))
	done
	kill -s "$sig" "$BG"
	wait "$BG"; rc=$?; BG=
	is "$rc" "$want" "128+N: migrate up stopped by SIG$sig exits $want"; [ "$rc" = "$want" ] && seen "128+N"
	like "$(cat "$W/i.out")" "interrupted" "saying so"
	is "$(q "SELECT count(*) FROM mcpdb.migrations WHERE state = 'applied'")$(q "SELECT to_regclass('slow_t') IS NULL")" "0t" "and nothing of it was applied"
done

# -- every row of README.md's table was exercised
rows=$(sed -n '/^## Exit codes/,/^## /p' "$MCPDB_SRCDIR/README.md" | sed -n 's/^| \([0-9][0-9+N]*\) |.*/\1/p' | tr '\n' ' ')
ok "$( [ -n "$rows" ]; echo $?)" "README.md has an exit-code table ($rows)"
for c in $rows; do
	case $SEEN in *" $c "*) ok 0 "README row $c is exercised" ;;
	*) ok 1 "README row $c is exercised" ;; esac
done
for c in $SEEN; do
	case " $rows " in *" $c "*) ok 0 "exit status $c is in README's table" ;;
	*) ok 1 "exit status $c is in README's table" ;; esac
done
done_testing
