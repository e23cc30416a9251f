#!/bin/sh
# t-migrate-proc.sh - the migration runner as processes: two `migrate up`
# started together (each migration applied once; the second waits, or fails
# naming the holder), no deadlock against CREATE INDEX CONCURRENTLY while the
# other runner waits for the lock, a runner killed with SIGKILL in the middle
# of a migration (no ledger row, no lock left; the next run applies it), and
# the CLI around it: exit codes, --json, protected and read-only targets.
. "${MCPDB_SRCDIR:?}/tests/tap.sh"
M=${MCPDB_BIN:?}
URL=${MCPDB_TEST_PGURL:-}
[ -n "$URL" ] || skip_all "MCPDB_TEST_PGURL not set; run under tests/harness/with-servers.sh"
command -v psql >/dev/null 2>&1 || skip_all "psql not found"

W=$(mktemp -d -t mcpdb-migrate.XXXXXX)
DB=mcpdb_t_migproc_$$
K1=1835233380
K2=1835624306
FX=$MCPDB_SRCDIR/tests/fixtures/migrations
cleanup() {
	[ -n "${BG1:-}" ] && kill -9 "$BG1" 2>/dev/null
	[ -n "${BG2:-}" ] && kill -9 "$BG2" 2>/dev/null
	psql "$URL" -XAtqc "DROP DATABASE IF EXISTS $DB WITH (FORCE)" >/dev/null 2>&1
	rm -rf "$W"
}
trap cleanup EXIT
unset MCPDB_CONFIG MCPDB_TARGET DATABASE_URL PGOPTIONS
export XDG_CONFIG_HOME="$W/xdg" HOME="$W"

q() { psql "$URL dbname=$DB" -XAtqc "$1" 2>&1; }
fresh() {
	psql "$URL" -XAtqc "DROP DATABASE IF EXISTS $DB WITH (FORCE)" >/dev/null 2>&1
	psql "$URL" -XAtqc "CREATE DATABASE $DB" >/dev/null || { echo "Bail out! cannot create $DB"; exit 1; }
}
mig() { "$M" --pg "$URL dbname=$DB" migrate "$@"; }
now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }

# A set whose first migration is slow and whose second is a CREATE INDEX
# CONCURRENTLY: a runner waiting for the lock meanwhile must not block it.
C=$W/conc; mkdir -p "$C"
cat >"$C/0001_slow.up.sql" <<'EOF'
CREATE TABLE conc_t (id int);
INSERT INTO conc_t SELECT generate_series(1, 20000);
SELECT pg_sleep(1.5);
EOF
echo "DROP TABLE conc_t;" >"$C/0001_slow.down.sql"
printf -- '-- mcpdb:no-transaction\nCREATE INDEX CONCURRENTLY conc_i ON conc_t (id);\n' >"$C/0002_cic.up.sql"
printf -- '-- mcpdb:no-transaction\nDROP INDEX CONCURRENTLY conc_i;\n' >"$C/0002_cic.down.sql"
echo "CREATE TABLE conc_u (id int);" >"$C/0003_more.up.sql"
echo "DROP TABLE conc_u;" >"$C/0003_more.down.sql"

# -- two runners started together, the second willing to wait
fresh
t0=$(now)
timeout 60 "$M" --pg "$URL dbname=$DB" migrate up --dir "$C" --lock-timeout 50s >"$W/a.out" 2>"$W/a.err" &
BG1=$!
timeout 60 "$M" --pg "$URL dbname=$DB" migrate up --dir "$C" --lock-timeout 50s >"$W/b.out" 2>"$W/b.err" &
BG2=$!
wait "$BG1"; rc1=$?
wait "$BG2"; rc2=$?
BG1=; BG2=
t1=$(now)
is "$rc1:$rc2" "0:0" "two concurrent runs both succeed (no deadlock with CREATE INDEX CONCURRENTLY)"
diag "both done in $(secs "$t0" "$t1") s"
is "$(q "SELECT string_agg(version::text, ',' ORDER BY version) FROM mcpdb.migrations WHERE state = 'applied'")" "1,2,3" "all three applied"
is "$(q "SELECT count(*) FROM mcpdb.migration_events WHERE event = 'applied'")" "3" "each applied exactly once"
is "$(q "SELECT count(*) FROM pg_index WHERE indexrelid = 'conc_i'::regclass AND indisvalid")" "1" "the concurrent index is valid"
both=$(cat "$W/a.out" "$W/b.out")
like "$both" "migrate up: 3 applied" "one runner applied all three"
like "$both" "migrate up: nothing to do (up to date)" "the other found nothing left after waiting"
errs=$(cat "$W/a.err" "$W/b.err")
like "$errs" "waiting for the migration lock" "the waiting runner said it was waiting"
like "$errs" "held by pid" "and who held the lock"

# -- the hazard the spinning lock avoids: the lock held by one session (L), a
# second runner blocked in pg_advisory_lock (B, what other tools do), and the
# holder's migration session (W) running CREATE INDEX CONCURRENTLY: W waits
# for B, B for L, L for W's client - a cycle PostgreSQL cannot see. Here B
# gives up after 3 s, so W stalls about that long instead of forever.
fresh
mig up --dir "$C" --to 1 >/dev/null 2>&1
psql "$URL dbname=$DB" -XAtq -c "SELECT pg_advisory_lock($K1, $K2)" -c "SELECT pg_sleep(4)" >/dev/null 2>&1 &
BG1=$!
(
	sleep 0.3
	psql "$URL dbname=$DB" -XAtq -c "SET statement_timeout = '3s'" \
	    -c "SELECT pg_advisory_lock($K1, $K2)" >/dev/null 2>&1
) &
BG2=$!
sleep 0.8
t0=$(now)
psql "$URL dbname=$DB" -XAtq -c "CREATE INDEX CONCURRENTLY hazard_i ON conc_t (id)" >/dev/null 2>&1
t1=$(now)
wait "$BG1" "$BG2"; BG1=; BG2=
el=$(secs "$t0" "$t1")
ok "$(awk -v e="$el" 'BEGIN { print (e >= 1.8) ? 0 : 1 }')" "control: CREATE INDEX CONCURRENTLY stalls behind a runner blocked in pg_advisory_lock (${el} s)"

# -- the second runner gives up after --lock-timeout and names the holder
fresh
"$M" --pg "$URL dbname=$DB" migrate up --dir "$C" >"$W/a.out" 2>"$W/a.err" &
BG1=$!
i=0
while [ "$(q "SELECT count(*) FROM pg_stat_activity WHERE query LIKE '%pg_sleep(1.5)%' AND application_name = 'mcpdb/migrate' AND datname = '$DB'")" != 1 ] && [ $i -lt 100 ]; do
	sleep 0.1; i=$((i + 1))
done
out=$(mig up --dir "$C" --lock-timeout 500ms 2>&1); rc=$?
wait "$BG1"; rc1=$?; BG1=
is "$rc" 1 "a runner that cannot get the lock in time exits 1"
like "$out" "another migration run holds the lock (waited 500 ms, --lock-timeout): held by pid" "says the lock is held, by which pid"
like "$out" "application mcpdb/migrate" "the holder's application_name"
like "$out" "user postgres" "its user"
like "$out" "client local socket" "its client address"
like "$out" "since 20" "since when"
like "$out" "mcpdb migrate up on host" "which mcpdb command and host"
like "$out" "its migration session pid" "and the session doing the work"
like "$out" "pg_sleep(1.5)" "with its current query"
is "$rc1" 0 "the holder finished normally"

# -- SIGKILL in the middle of a migration
K=$W/kill; mkdir -p "$K"
cat >"$K/0001_long.up.sql" <<'EOF'
CREATE TABLE killed_t (id int);
SELECT pg_sleep(coalesce(nullif(current_setting('mcpdbtest.sleep', true), ''), '0')::float8);
EOF
echo "DROP TABLE killed_t;" >"$K/0001_long.down.sql"
fresh
PGOPTIONS="-c mcpdbtest.sleep=60" "$M" --pg "$URL dbname=$DB" migrate up --dir "$K" >"$W/k.out" 2>&1 &
BG1=$!
i=0
while [ "$(q "SELECT count(*) FROM pg_stat_activity WHERE query LIKE 'SELECT pg_sleep(coalesce%' AND state = 'active'")" != 1 ] && [ $i -lt 100 ]; do
	sleep 0.1; i=$((i + 1))
done
is "$(q "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND objid = $K2 AND granted AND database = (SELECT oid FROM pg_database WHERE datname = '$DB')")" 1 "the runner holds the lock mid-migration"
kill -9 "$BG1"; wait "$BG1" 2>/dev/null; BG1=
i=0
while [ "$(q "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'mcpdb/migrate' AND datname = '$DB'")" != 0 ] && [ $i -lt 50 ]; do
	sleep 0.1; i=$((i + 1))
done
is "$(q "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'mcpdb/migrate' AND datname = '$DB'")" 0 "both of the killed runner's sessions end (the busy one within a second)"
is "$(q "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND objid = $K2 AND database = (SELECT oid FROM pg_database WHERE datname = '$DB')")" 0 "no lock left behind"
is "$(q "SELECT count(*) FROM mcpdb.migrations")" 0 "no ledger row left behind"
is "$(q "SELECT to_regclass('killed_t') IS NULL")" t "and nothing of the migration"
out=$(mig up --dir "$K" 2>&1); rc=$?
is "$rc" 0 "the next run succeeds"
like "$out" "applied          0001_long" "and applies the migration cleanly"
is "$(q "SELECT state FROM mcpdb.migrations WHERE version = 1")" applied "recorded once"

# -- exit codes and --json
fresh
js() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }
out=$(mig status --dir "$FX/good" --json); rc=$?
is "$rc" 3 "status exits 3 while migrations are pending"
is "$(printf '%s' "$out" | js 'd["counts"]["pending"], d["up_to_date"], d["migrations"][2]["no_transaction"]')" "4 False True" "status --json: counts, up_to_date, per-file fields"
out=$(mig up --dir "$FX/good" --json); rc=$?
is "$rc" 0 "up --json exits 0"
is "$(printf '%s' "$out" | js 'len(d["steps"]), d["steps"][0]["action"], d["steps"][0]["ms"] >= 0, d["ok"]')" "4 applied True True" "up --json: one document with every step and its duration"
out=$(mig status --dir "$FX/good"); rc=$?
is "$rc" 0 "status exits 0 when up to date"
like "$out" "4 applied, 0 pending: up to date" "and says so"
out=$(mig verify --dir "$FX/good"); rc=$?
is "$rc" 0 "verify exits 0 without drift"
cp -r "$FX/good" "$W/drift"
sed -i 's/DEFAULT .. NOT NULL/DEFAULT $$x$$ NOT NULL/' "$W/drift/0002_add_email.up.sql"
out=$(mig verify --dir "$W/drift" --diff); rc=$?
is "$rc" 3 "verify exits 3 on drift (attention needed, as status)"
like "$out" "+ALTER TABLE app.users ADD COLUMN email text DEFAULT \$\$x\$\$ NOT NULL;" "verify --diff prints the diff"
out=$(mig status --dir "$W/drift"); rc=$?
is "$rc" 3 "status exits 3 on drift"
like "$out" "checksum-mismatch" "and shows checksum-mismatch"
fresh
out=$(mig up --dir "$FX/syntax7" --json 2>/dev/null); rc=$?
is "$rc" 1 "a failing up exits 1"
is "$(printf '%s' "$out" | js 'd["error"]["sqlstate"], d["steps"][-1]["ok"], len(d["steps"])')" "42601 False 2" "its JSON carries the error and the failed step"
like "$(printf '%s' "$out" | js 'd["error"]["message"]')" "0002_bad.up.sql:7:1: syntax error" "the message names file:line:col"
out=$(mig up --dir "$FX/missing_down" 2>&1); rc=$?
is "$rc" 2 "a refused migrations directory (missing down file) exits 2"
like "$out" "no down file" "and says so on one line"
fresh
mig up --dir "$FX/notx_fail" >/dev/null 2>&1
q "UPDATE mcpdb.migrations SET state = 'running' WHERE version = 2" >/dev/null
out=$(mig status --dir "$FX/notx_fail"); rc=$?
is "$rc" 3 "status exits 3 with a running row"
like "$out" "no run holds the lock: its runner died" "and tells a dead runner from a live one"
out=$(mig new add_things --dir "$W/newset"); rc=$?
is "$rc" 0 "migrate new creates a pair"
ok "$(test -f "$W/newset/0001_add_things.up.sql" && test -f "$W/newset/0001_add_things.down.sql"; echo $?)" "both files exist"

# -- protected and read-only targets
mkdir -p "$W/xdg/mcpdb"
cat >"$W/xdg/mcpdb/config.json" <<JSON
{ "targets": {
    "prot": { "pg": "$URL dbname=$DB", "protected": true },
    "ro":   { "pg": "$URL dbname=$DB", "read_only": true } } }
JSON
chmod 600 "$W/xdg/mcpdb/config.json"
fresh
out=$("$M" -t prot --yes migrate up --dir "$FX/good" </dev/null 2>&1); rc=$?
is "$rc" 1 "up on a protected target: a write, so --yes is not enough"
is "$(q "SELECT to_regclass('mcpdb.migrations') IS NULL")" t "nothing was applied"
out=$("$M" -t prot --confirm prot migrate up --dir "$FX/good" 2>&1); rc=$?
is "$rc" 0 "up runs on a protected target with --confirm NAME"
out=$("$M" -t prot --yes migrate down --dir "$FX/good" </dev/null 2>&1); rc=$?
is "$rc" 1 "down on a protected target: --yes is not enough"
like "$out" "protected" "the refusal says the target is protected"
is "$(q "SELECT count(*) FROM mcpdb.migrations")" 4 "nothing was rolled back"
out=$("$M" -t prot --confirm prot migrate down --dir "$FX/good" 2>&1); rc=$?
is "$rc" 0 "down with the target's name typed in advance (--confirm)"
is "$(q "SELECT count(*) FROM mcpdb.migrations")" 3 "one migration rolled back"
out=$("$M" -t prot --confirm prot migrate down --dir "$FX/good" --dry-run 2>&1); rc=$?
is "$(q "SELECT count(*) FROM mcpdb.migrations")" 3 "down --dry-run rolls back nothing"
like "$out" "would roll back  0003_email_lower_index" "and says what it would do"
out=$("$M" -t ro migrate up --dir "$FX/good" 2>&1); rc=$?
is "$rc" 1 "up on a read-only target is refused"
like "$out" "read-only" "with the reason"
out=$("$M" -t ro migrate status --dir "$FX/good" 2>&1); rc=$?
is "$rc" 3 "status works on a read-only target"

done_testing
