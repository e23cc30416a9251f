#!/bin/sh
# t-migrate-streams-spec.sh - per-schema migration streams (issue 17, item
# 8) checked against the written behaviour, independently of
# t-migrate-streams.sh: a flat directory unchanged; analytics/ and billing/
# beside the top-level files, each with its own 0001 and 0002; up covers
# all streams with ledger rows keyed by stream; status blocks, JSON
# "streams" and exit 3 when any stream is pending; --stream limits
# status/plan/up; the one-stream commands refuse to guess (one line, exit
# 2, ledger unchanged); down and tags per stream; an unknown stream and a
# "default" sub-directory refused; new writes into its stream; a version-4
# ledger upgraded in place; a failing stream stops up; two concurrent ups
# apply every migration once.
. "${MCPDB_SRCDIR:?}/tests/tap.sh"
TAG=migstrspec
. "$MCPDB_SRCDIR/tests/integ/migdb.sh"
mig() { "$M" -t t migrate "$@"; }
migj() { "$M" -t t --json migrate "$@"; }
lines() { printf '%s\n' "$1" | wc -l | tr -d ' '; }
js() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print($2)" "$1"; }
# stream/version:state of every ledger row, '' shown as default
rows() { q "SELECT coalesce(string_agg(CASE stream WHEN '' THEN 'default' ELSE stream END || '/' || version || ':' || state, ',' ORDER BY stream COLLATE \"C\", version), '-') FROM mcpdb.migrations"; }
srows() { q "SELECT coalesce(string_agg(version::text, ',' ORDER BY version), '-') FROM mcpdb.migrations WHERE stream = '$1' AND state = 'applied'"; }
nev() { q "SELECT count(*) FROM mcpdb.migration_events $1"; }
# ledger, events, tags and repeatables in one value, for "nothing changed"
fp() { q "SELECT md5(coalesce((SELECT string_agg(stream || ':' || version || ':' || state || ':' || checksum, ',' ORDER BY stream, version) FROM mcpdb.migrations), '') || '|' || (SELECT count(*) FROM mcpdb.migration_events) || '|' || coalesce((SELECT string_agg(stream || ':' || name, ',' ORDER BY stream, name) FROM mcpdb.migration_tags), '') || '|' || coalesce((SELECT string_agg(stream || ':' || name || ':' || applies, ',' ORDER BY stream, name) FROM mcpdb.migration_repeatables), ''))"; }
pair() {	# DIR VERSION NAME
	echo "CREATE TABLE $3 (id int);" >"$1/$2_$3.up.sql"
	echo "DROP TABLE $3;" >"$1/$2_$3.down.sql"
}

mkdir -p "$W/xdg/mcpdb"
cat >"$W/xdg/mcpdb/config.json" <<JSON
{ "targets": { "t": { "pg": "$URL dbname=$DB" } } }
JSON
chmod 600 "$W/xdg/mcpdb/config.json"

# -- a flat directory as before
fresh
D=$W/m; mkdir -p "$D"
pair "$D" 0001 d_one
pair "$D" 0002 d_two
out=$(mig up --dir "$D" 2>&1); rc=$?
is "$rc" "0" "flat: up exit 0"
unlike "$out" "stream" "flat: up output names no stream"
is "$(rows)" "default/1:applied,default/2:applied" "flat: rows are in stream ''"
migj status --dir "$D" >"$W/s.json" 2>/dev/null; rc=$?
is "$rc:$(js "$W/s.json" '"streams" in d, len(d["migrations"]), d["up_to_date"]')" "0:False 2 True" \
    "flat: status --json is the usual document"

# -- analytics/ and billing/ beside the top-level files
mkdir -p "$D/analytics" "$D/billing"
pair "$D/analytics" 0001 a_one
pair "$D/analytics" 0002 a_two
echo "CREATE OR REPLACE VIEW a_view AS SELECT id FROM a_one;" >"$D/analytics/R_views.sql"
pair "$D/billing" 0001 b_one
pair "$D/billing" 0002 b_two
out=$(mig status --dir "$D" 2>&1); rc=$?
is "$rc" "3" "three streams, two pending: status exit 3"
is "$(printf '%s\n' "$out" | grep -E '^stream [a-z]+:$' | tr '\n' ' ')" \
    "stream default: stream analytics: stream billing: " "status: one block per stream, default first then by name"
migj status --dir "$D" >"$W/s.json" 2>/dev/null; rc=$?
is "$rc" "3" "status --json: exit 3"
is "$(js "$W/s.json" '[s["stream"] for s in d["streams"]], d["ok"]')" \
    "['default', 'analytics', 'billing'] False" "status --json: streams named, not clean"
is "$(js "$W/s.json" '[(s["stream"], [m["version"] + ":" + m["state"] for m in s["migrations"]]) for s in d["streams"]]')" \
    "[('default', ['0001:applied', '0002:applied']), ('analytics', ['0001:pending', '0002:pending']), ('billing', ['0001:pending', '0002:pending'])]" \
    "status --json: each stream's own migrations"

# -- --stream billing: status, plan, up --to
out=$(mig status --dir "$D" --stream billing 2>&1); rc=$?
is "$rc" "3" "status --stream billing: exit 3"
like "$out" "b_one" "... lists billing's migrations"
unlike "$out" "a_one" "... and not analytics'"
out=$(mig plan --dir "$D" --stream billing 2>&1); rc=$?
is "$rc:$(printf '%s\n' "$out" | grep -c '^would apply')" "0:2" "plan --stream billing: would apply two"
unlike "$out" "a_one" "... none of analytics"
fp0=$(fp)
out=$(mig up --dir "$D" --to 1 2>&1); rc=$?
is "$rc:$(lines "$out")" "2:1" "up --to without --stream: exit 2, one line"
is "$(fp)" "$fp0" "... nothing changed"
out=$(mig up --dir "$D" --stream billing --to 1 2>&1); rc=$?
is "$rc" "0" "up --stream billing --to 1: exit 0"
is "$(rows)" "default/1:applied,default/2:applied,billing/1:applied" "... only billing 0001 applied"
is "$(q "SELECT to_regclass('a_one') IS NULL AND to_regclass('b_two') IS NULL AND to_regclass('b_one') IS NOT NULL")" "t" \
    "... b_one created, a_one and b_two not"

# -- up applies every stream
out=$(mig up --dir "$D" 2>&1); rc=$?
is "$rc" "0" "up: exit 0"
like "$out" "stream analytics:" "up: a block for analytics"
like "$out" "stream billing:" "up: a block for billing"
is "$(rows)" "default/1:applied,default/2:applied,analytics/1:applied,analytics/2:applied,billing/1:applied,billing/2:applied" \
    "up: every stream's rows, keyed by stream"
is "$(q "SELECT string_agg(stream, ',' ORDER BY stream) FROM mcpdb.migrations WHERE version = 1")" ",analytics,billing" \
    "version 1 is in three streams"
is "$(q "SELECT stream || ':' || name FROM mcpdb.migration_repeatables")" "analytics:views" "R_views recorded in stream analytics"
is "$(q "SELECT count(*) FROM mcpdb.migration_events WHERE stream = 'billing' AND event = 'applied'")" "2" \
    "billing's applied events carry its stream"
out=$(mig status --dir "$D" 2>&1); rc=$?
is "$rc" "0" "everything applied: status exit 0"
migj status --dir "$D" >"$W/s.json" 2>/dev/null; rc=$?
is "$rc:$(js "$W/s.json" 'd["ok"]')" "0:True" "status --json: exit 0, clean"
out=$(mig up --dir "$D" 2>&1); rc=$?
is "$rc:$(nev "WHERE event = 'applied'")" "0:7" "a second up applies nothing"

# -- one-stream commands without --stream: refused, nothing changed
fp0=$(fp)
for c in "down --yes" "redo --yes" "tag rel" "baseline 1 --reason r" "new x"; do
	out=$(mig $c --dir "$D" 2>&1); rc=$?
	is "$rc:$(lines "$out")" "2:1" "$c without --stream: exit 2, one line"
	like "$out" "holds 3 migration streams (default, analytics, billing): name one with --stream" "... naming the streams"
done
is "$(fp)" "$fp0" "... and the ledger is unchanged"
is "$(find "$D" -name '*_x.*' | wc -l | tr -d ' ')" "0" "... and new wrote no file"

# -- down --stream analytics: its newest only
out=$(mig down --dir "$D" --stream analytics --yes 2>&1); rc=$?
is "$rc" "0" "down --stream analytics: exit 0"
is "$(rows)" "default/1:applied,default/2:applied,analytics/1:applied,billing/1:applied,billing/2:applied" \
    "... analytics 0002 rolled back, the rest untouched"
is "$(q "SELECT to_regclass('a_two') IS NULL AND to_regclass('b_two') IS NOT NULL AND to_regclass('d_two') IS NOT NULL")" "t" \
    "... a_two dropped, b_two and d_two kept"
out=$(mig history 2>&1); rc=$?
is "$rc" "0" "history: exit 0"
is "$(printf '%s\n' "$out" | grep 'rolled back' | grep -c 'analytics/0002')" "1" "history: the rollback shown with its stream"
migj history >"$W/h.json" 2>/dev/null
is "$(js "$W/h.json" '[(e["stream"], e["version"]) for e in d["events"] if e["event"] == "rolled back"]')" \
    "[('analytics', 2)]" "history --json: the rollback carries stream analytics"
is "$(js "$W/h.json" 'sorted(set(e["stream"] for e in d["events"]))')" "['analytics', 'billing', 'default']" \
    "history --json: every event names its stream"

# -- tags per stream
out=$(mig tag rel --dir "$D" --stream analytics 2>&1); rc=$?
is "$rc" "0" "tag rel --stream analytics: exit 0"
out=$(mig tag rel --dir "$D" --stream billing 2>&1); rc=$?
is "$rc" "0" "the same tag name in billing: exit 0"
is "$(q "SELECT string_agg(stream || ':' || name || ':' || version, ',' ORDER BY stream) FROM mcpdb.migration_tags")" \
    "analytics:rel:1,billing:rel:2" "two tags named rel, one per stream"
out=$(mig tag rel --dir "$D" --stream billing 2>&1); rc=$?
is "$rc" "1" "rel again in billing: refused"
mig up --dir "$D" >/dev/null 2>&1
is "$(srows analytics)" "1,2" "analytics back at 0002"
fp0=$(fp)
out=$(mig down --dir "$D" --to-tag rel --yes 2>&1); rc=$?
is "$rc:$(lines "$out")" "2:1" "down --to-tag without --stream: exit 2, one line"
is "$(fp)" "$fp0" "... nothing changed"
out=$(mig down --dir "$D" --to-tag rel --stream analytics --yes 2>&1); rc=$?
is "$rc" "0" "down --to-tag rel --stream analytics: exit 0"
is "$(srows analytics):$(srows billing):$(srows '')" "1:1,2:1,2" "... analytics at its rel, billing and default untouched"

# -- an unknown stream, a default sub-directory, new into a stream
fp0=$(fp)
for c in status up "down --yes"; do
	out=$(mig $c --dir "$D" --stream nope 2>&1); rc=$?
	is "$rc:$(lines "$out")" "2:1" "$c --stream nope: exit 2, one line"
	like "$out" "--stream nope: no such migration stream" "... says so"
done
is "$(fp)" "$fp0" "... nothing changed"
mkdir -p "$D/default"
out=$(mig up --dir "$D" 2>&1); rc=$?
is "$rc:$(lines "$out")" "2:1" "a sub-directory named default: exit 2, one line"
like "$out" "$D/default" "... naming it"
is "$(fp)" "$fp0" "... nothing applied"
rmdir "$D/default"
out=$(mig new x --dir "$D" --stream billing 2>&1); rc=$?
is "$rc" "0" "new x --stream billing: exit 0"
ok "$(test -f "$D/billing/0003_x.up.sql" && test -f "$D/billing/0003_x.down.sql"; echo $?)" "... wrote billing/0003_x.{up,down}.sql"
is "$(find "$D" -maxdepth 1 -name '*_x.*' | wc -l | tr -d ' ')" "0" "... and nothing at the top level"
echo "CREATE TABLE b_x (id int);" >>"$D/billing/0003_x.up.sql"
echo "DROP TABLE b_x;" >>"$D/billing/0003_x.down.sql"
out=$(mig status --dir "$D" --stream billing 2>&1); rc=$?
is "$rc" "3" "the new file is pending in billing: status exit 3"
rm -f "$D/billing/0003_x."*

# -- a version-4 ledger upgraded in place
fresh
U=$W/u; mkdir -p "$U"
pair "$U" 0001 u_one
pair "$U" 0002 u_two
echo "CREATE OR REPLACE VIEW u_view AS SELECT 1 AS x;" >"$U/R_uv.sql"
mig up --dir "$U" >/dev/null 2>&1
mig tag t1 --dir "$U" >/dev/null 2>&1
q "BEGIN;
   ALTER TABLE mcpdb.migrations DROP CONSTRAINT migrations_pkey;
   ALTER TABLE mcpdb.migrations DROP COLUMN stream;
   ALTER TABLE mcpdb.migrations ADD PRIMARY KEY (version);
   ALTER TABLE mcpdb.migration_tags DROP CONSTRAINT migration_tags_pkey;
   ALTER TABLE mcpdb.migration_tags DROP COLUMN stream;
   ALTER TABLE mcpdb.migration_tags ADD PRIMARY KEY (name);
   ALTER TABLE mcpdb.migration_repeatables DROP CONSTRAINT migration_repeatables_pkey;
   ALTER TABLE mcpdb.migration_repeatables DROP COLUMN stream;
   ALTER TABLE mcpdb.migration_repeatables ADD PRIMARY KEY (name);
   ALTER TABLE mcpdb.migration_events DROP COLUMN stream;
   COMMIT;" >/dev/null
is "$(q "SELECT count(*) FROM pg_attribute WHERE attname = 'stream' AND NOT attisdropped AND attrelid IN ('mcpdb.migrations'::regclass, 'mcpdb.migration_events'::regclass, 'mcpdb.migration_tags'::regclass, 'mcpdb.migration_repeatables'::regclass)")" \
    "0" "set-up: a version-4 ledger (no stream column)"
ev0=$(nev)
mkdir -p "$U/billing"
pair "$U/billing" 0001 ub_one
pair "$U/billing" 0002 ub_two
out=$(mig up --dir "$U" 2>&1); rc=$?
is "$rc" "0" "up on a version-4 ledger with a stream added: exit 0"
is "$(q "SELECT count(*) FROM pg_attribute WHERE attname = 'stream' AND NOT attisdropped AND attrelid IN ('mcpdb.migrations'::regclass, 'mcpdb.migration_events'::regclass, 'mcpdb.migration_tags'::regclass, 'mcpdb.migration_repeatables'::regclass)")" \
    "4" "... the four tables have a stream column"
is "$(q "SELECT string_agg(a.attname, ',' ORDER BY array_position(i.indkey::int2[], a.attnum)) FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey) WHERE i.indrelid = 'mcpdb.migrations'::regclass AND i.indisprimary")" \
    "stream,version" "... migrations keyed by (stream, version)"
is "$(rows)" "default/1:applied,default/2:applied,billing/1:applied,billing/2:applied" "... old rows in stream '', billing's added"
is "$(q "SELECT stream || ':' || name FROM mcpdb.migration_tags")" ":t1" "... the old tag is the default stream's"
is "$(q "SELECT stream || ':' || name || ':' || applies FROM mcpdb.migration_repeatables")" ":uv:1" "... the repeatable not re-applied"
is "$(( $(nev) - ev0 ))" "2" "... events grew by billing's two only"
is "$(nev "WHERE stream = '' AND event = 'applied'")" "3" "... the old events are the default stream's"

# -- a failing stream stops up
fresh
F=$W/f; mkdir -p "$F/analytics" "$F/billing"
pair "$F" 0001 f_top
pair "$F/analytics" 0001 fa_one
echo "CREATE TABLE fa_bad (id int); SELECT 1/0;" >"$F/analytics/0002_bad.up.sql"
echo "DROP TABLE IF EXISTS fa_bad;" >"$F/analytics/0002_bad.down.sql"
pair "$F/billing" 0001 fb_one
out=$(mig up --dir "$F" 2>&1); rc=$?
ok "$( [ "$rc" -ne 0 ]; echo $?)" "a failing migration in analytics: up exits non-zero (got $rc)"
like "$out" "division by zero" "... with the error"
is "$(srows ''):$(srows analytics):$(srows billing)" "1:1:-" "... default and analytics 0001 kept, billing not started"
is "$(q "SELECT to_regclass('fb_one') IS NULL AND to_regclass('fa_bad') IS NULL AND to_regclass('f_top') IS NOT NULL")" "t" \
    "... fb_one not created, fa_bad rolled back, f_top kept"
out=$(mig status --dir "$F" 2>&1); rc=$?
is "$rc" "3" "... status exit 3 afterwards"

# -- two concurrent ups over three streams
fresh
C=$W/c; mkdir -p "$C/analytics" "$C/billing"
for v in 0001 0002 0003; do
	for s in "" analytics billing; do
		t=c_${s:-top}_$v
		echo "CREATE TABLE $t (id int); SELECT pg_sleep(0.05);" >"$C/${s:+$s/}${v}_$t.up.sql"
		echo "DROP TABLE $t;" >"$C/${s:+$s/}${v}_$t.down.sql"
	done
done
mig up --dir "$C" >"$W/c1.out" 2>&1 & p1=$!
mig up --dir "$C" >"$W/c2.out" 2>&1 & p2=$!
wait $p1; r1=$?; wait $p2; r2=$?
is "$r1:$r2" "0:0" "two concurrent ups: both exit 0"
is "$(q "SELECT count(*) FROM mcpdb.migrations WHERE state = 'applied'")" "9" "... nine rows applied"
is "$(nev "WHERE event = 'applied'")" "9" "... nine applied events"
is "$(q "SELECT count(*) FROM (SELECT stream, version FROM mcpdb.migration_events WHERE event = 'applied' GROUP BY 1, 2 HAVING count(*) > 1) x")" \
    "0" "... no migration applied twice"
is "$(nev "WHERE event <> 'applied'")" "0" "... and no failure recorded"
done_testing
