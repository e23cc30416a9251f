#!/bin/sh
# t-migrate-streams.sh - per-schema migration streams (issue 17, item 8)
# against the harness server. The top-level files are the default stream,
# each sub-directory another with its own versions: up covers every stream
# (rows keyed by stream, the same version in two streams), status groups
# them (text blocks, JSON "streams", exit 3 when any is pending), --stream
# picks one; the commands that act on one stream refuse to guess when
# there are several (one line, exit 2, nothing changed); tags are per
# stream; a version-4 ledger (no stream column) is upgraded in place with
# nothing re-applied; a failing stream stops up before the next; two
# concurrent runs apply each migration once. The flat layout is unchanged.
. "${MCPDB_SRCDIR:?}/tests/tap.sh"
TAG=migstream
. "$MCPDB_SRCDIR/tests/integ/migdb.sh"
fresh
mig() { "$M" -t t migrate "$@"; }
migj() { "$M" -t t --json migrate "$@"; }
lines() { printf '%s\n' "$1" | wc -l | tr -d ' '; }
jget() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }
rows() { q "SELECT coalesce(string_agg(CASE WHEN stream = '' THEN 'default' ELSE stream END || '/' || version, ',' ORDER BY stream, version), '-') FROM mcpdb.migrations"; }
# Everything the ledger holds, to compare before and after a refusal.
print() { q "SELECT md5(coalesce((SELECT string_agg(stream || version || state || checksum, ',' ORDER BY stream, version) FROM mcpdb.migrations), '') || (SELECT count(*) FROM mcpdb.migration_events) || coalesce((SELECT string_agg(stream || name, ',' ORDER BY stream, name) FROM mcpdb.migration_tags), ''))"; }
pair() {	# DIR VERSION NAME TABLE
	echo "CREATE TABLE $4 (id int);" >"$1/$2_$3.up.sql"
	echo "DROP TABLE $4;" >"$1/$2_$3.down.sql"
}

mkdir -p "$W/xdg/mcpdb"
cat >"$W/xdg/mcpdb/config.json" <<JSON
{ "targets": { "t": { "pg": "$URL dbname=$DB" } } }
JSON
chmod 600 "$W/xdg/mcpdb/config.json"
D=$W/m; mkdir -p "$D/.git"
pair "$D" 0001 top1 s_top1
pair "$D" 0002 top2 s_top2

# -- the flat layout as before
out=$(mig up --dir "$D" 2>&1); rc=$?
is "$rc" "0" "flat layout (a hidden directory beside it): up works"
unlike "$out" "stream" "... and its output names no stream"
out=$(mig status --dir "$D" 2>&1); rc=$?
is "$rc" "0" "flat status: exit 0"
unlike "$out" "stream " "... no stream blocks"
out=$(migj status --dir "$D" 2>/dev/null)
is "$(printf '%s' "$out" | jget '"streams" in d, len(d["migrations"])')" "False 2" "flat status --json: the usual document"
is "$(rows)" "default/1,default/2" "rows of the flat layout are the default stream's"

# -- simulate a ledger of the previous mcpdb (version 4: no stream column)
q "ALTER TABLE mcpdb.migrations DROP CONSTRAINT migrations_pkey, DROP COLUMN stream, ADD PRIMARY KEY (version);
   ALTER TABLE mcpdb.migration_tags DROP CONSTRAINT migration_tags_pkey, DROP COLUMN stream, ADD PRIMARY KEY (name);
   ALTER TABLE mcpdb.migration_repeatables DROP CONSTRAINT migration_repeatables_pkey, DROP COLUMN stream, ADD PRIMARY KEY (name);
   ALTER TABLE mcpdb.migration_events DROP COLUMN stream" >/dev/null
is "$(q "SELECT count(*) FROM pg_attribute WHERE attrelid = 'mcpdb.migrations'::regclass AND attname = 'stream' AND NOT attisdropped")" "0" "set-up: a version-4 ledger"
events0=$(q "SELECT count(*) FROM mcpdb.migration_events")
out=$(mig status --dir "$D" 2>&1); rc=$?
is "$rc" "0" "status reads a version-4 ledger without upgrading it"
is "$(q "SELECT count(*) FROM pg_attribute WHERE attrelid = 'mcpdb.migrations'::regclass AND attname = 'stream' AND NOT attisdropped")" "0" "... (status writes nothing)"

# -- two streams beside the top-level files
mkdir -p "$D/analytics" "$D/billing"
pair "$D/analytics" 0001 an1 s_an1
pair "$D/analytics" 0002 an2 s_an2
pair "$D/billing" 0001 bi1 s_bi1
pair "$D/billing" 0002 bi2 s_bi2
echo "CREATE OR REPLACE VIEW s_bv AS SELECT id FROM s_bi1;" >"$D/billing/R_views.sql"
out=$(mig status --dir "$D" 2>&1); rc=$?
is "$rc" "3" "status with pending streams: exit 3"
like "$out" "stream default:" "... a block for the default stream"
like "$out" "stream analytics:" "... for analytics"
like "$out" "stream billing:" "... and for billing"
like "$out" "0 applied, 2 pending" "... each stream counted on its own"
out=$(migj status --dir "$D" 2>/dev/null); rc=$?
is "$rc" "3" "status --json: exit 3"
is "$(printf '%s' "$out" | jget '[s["stream"] for s in d["streams"]]')" "['default', 'analytics', 'billing']" "status --json: streams in order, default first"
is "$(printf '%s' "$out" | jget '[s["counts"]["pending"] for s in d["streams"]], d["ok"]')" "[0, 2, 2] False" "... with per-stream counts"

out=$(mig up --dir "$D" 2>&1); rc=$?
is "$rc" "0" "up over every stream"
like "$out" "stream billing:" "... stream by stream"
is "$(rows)" "default/1,default/2,analytics/1,analytics/2,billing/1,billing/2" "one row per stream and version: version 1 in three streams"
is "$(q "SELECT count(*) FROM mcpdb.migration_events") " "$((events0 + 5)) " "the old ledger was upgraded in place: only the 4 new migrations and the repeatable were recorded"
is "$(q "SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = 'mcpdb.migrations'::regclass AND contype = 'p'")" "PRIMARY KEY (stream, version)" "the ledger key is (stream, version)"
is "$(q "SELECT stream || '/' || name FROM mcpdb.migration_repeatables")" "billing/views" "the repeatable is billing's"
is "$(q "SELECT to_regclass('s_an2') IS NOT NULL AND to_regclass('s_bi2') IS NOT NULL AND to_regclass('s_bv') IS NOT NULL")" "t" "psql sees every stream's tables"
out=$(mig status --dir "$D" 2>&1); rc=$?
is "$rc" "0" "status: every stream up to date, exit 0"

# -- --stream picks one
pair "$D/billing" 0003 bi3 s_bi3
pair "$D/analytics" 0003 an3 s_an3
out=$(mig status --dir "$D" --stream billing 2>&1); rc=$?
is "$rc" "3" "status --stream billing: its pending file, exit 3"
unlike "$out" "analytics" "... and nothing of analytics"
out=$(mig plan --dir "$D" --stream billing 2>&1); rc=$?
like "$out" "0003_bi3" "plan --stream billing shows billing's 0003"
unlike "$out" "0003_an3" "... not analytics' 0003"
out=$(mig up --dir "$D" --stream billing 2>&1); rc=$?
is "$rc" "0" "up --stream billing"
is "$(q "SELECT count(*) FROM mcpdb.migrations WHERE version = 3")" "1" "... applied only billing's 0003"
is "$(q "SELECT stream FROM mcpdb.migrations WHERE version = 3")" "billing" "... as billing's"

# -- one stream required: refused, nothing changed
before=$(print)
for c in "down" "redo" "tag x" "baseline 1 --reason r" "resolve 1 --applied" "repair" "up --to 3" "plan --to 3"; do
	out=$(mig $c --dir "$D" --yes 2>&1); rc=$?
	is "$rc:$(lines "$out")" "2:1" "$c without --stream on three streams: exit 2, one line"
	like "$out" "holds 3 migration streams (default, analytics, billing): name one with --stream" "... naming the streams"
done
is "$(print)" "$before" "... and nothing changed in the ledger"
out=$(mig new x --dir "$D" 2>&1); rc=$?
is "$rc:$(lines "$out")" "2:1" "new without --stream: exit 2, one line"
ok "$(ls "$D"/*_x.up.sql "$D"/*/*_x.up.sql >/dev/null 2>&1; [ $? -ne 0 ]; echo $?)" "... no file written"
out=$(mig status --dir "$D" --stream nope 2>&1); rc=$?
is "$rc:$(lines "$out")" "2:1" "--stream of an unknown stream: exit 2, one line"
like "$out" "--stream nope: no such migration stream in $D (streams: default, analytics, billing)" "... naming the streams there are"

# -- down in one stream
out=$(mig down --dir "$D" --stream analytics --yes 2>&1); rc=$?
is "$rc" "0" "down --stream analytics"
is "$(rows)" "default/1,default/2,analytics/1,billing/1,billing/2,billing/3" "... rolled back analytics' newest only"
out=$(mig history 2>&1)
like "$out" "analytics/0002 | an2 " "history names the stream of each event"
like "$out" "rolled back" "... the rollback among them"
out=$(migj history 2>/dev/null)
is "$(printf '%s' "$out" | jget '[e["stream"] for e in d["events"] if e["event"] == "rolled back"]')" "['analytics']" "history --json: the rollback is analytics'"

# -- tags per stream
out=$(mig tag rel1 --dir "$D" --stream billing 2>&1); rc=$?
is "$rc" "0" "tag rel1 in billing"
out=$(mig tag rel1 --dir "$D" --stream default 2>&1); rc=$?
is "$rc" "0" "the same tag name in the default stream"
is "$(q "SELECT string_agg(CASE WHEN stream = '' THEN 'default' ELSE stream END || ':' || name || '=' || version, ',' ORDER BY stream) FROM mcpdb.migration_tags")" "default:rel1=2,billing:rel1=3" "two tags rel1, each at its stream's newest version"
out=$(mig tag rel1 --dir "$D" --stream billing 2>&1); rc=$?
is "$rc" "1" "tag rel1 again in billing: refused"
out=$(mig down --dir "$D" --stream billing --to 1 --yes 2>&1); rc=$?
is "$rc" "0" "billing down to 1"
out=$(mig up --dir "$D" --stream billing --to-tag rel1 2>&1); rc=$?
is "$rc" "0" "up --stream billing --to-tag rel1"
is "$(rows)" "default/1,default/2,analytics/1,billing/1,billing/2,billing/3" "... back at billing's rel1, the other streams untouched"
out=$(mig status --dir "$D" --stream default 2>&1)
like "$out" "tag rel1 = 0002" "status --stream default shows the default stream's tag"

# -- new in a stream
out=$(mig new x --dir "$D" --stream billing 2>&1); rc=$?
is "$rc" "0" "new x --stream billing"
ok "$( [ -f "$D/billing/0004_x.up.sql" ] && [ -f "$D/billing/0004_x.down.sql" ]; echo $?)" "... writes billing/0004_x numbered within billing"
rm -f "$D/billing/0004_x.up.sql" "$D/billing/0004_x.down.sql"

# -- a failing stream stops up before the next
echo "CREATE TABLE s_an2 (id int); SELECT 1/0;" >"$D/analytics/0002_an2.up.sql"
pair "$D" 0003 top3 s_top3
echo "CREATE TABLE s_bi4 (id int);" >"$D/billing/0004_bi4.up.sql"
echo "DROP TABLE s_bi4;" >"$D/billing/0004_bi4.down.sql"
out=$(mig up --dir "$D" 2>&1); rc=$?
ok "$( [ "$rc" -ne 0 ]; echo $?)" "a failing analytics migration: up fails"
like "$out" "division by zero" "... saying why"
is "$(rows)" "default/1,default/2,default/3,analytics/1,billing/1,billing/2,billing/3" \
    "the default stream before it applied, analytics' failing 0002 not recorded, billing not started"
is "$(q "SELECT to_regclass('s_bi4') IS NULL")" "t" "... billing's 0004 did not run"

# -- two concurrent runs on several streams
pair "$D/analytics" 0002 an2 s_an2
rm -f "$D/analytics/0003_an3.up.sql" "$D/analytics/0003_an3.down.sql"
mkdir -p "$D/search"
pair "$D/search" 0001 se1 s_se1
pair "$D/search" 0002 se2 s_se2
e0=$(q "SELECT count(*) FROM mcpdb.migration_events WHERE event = 'applied'")
mig up --dir "$D" >"$W/r1" 2>&1 & p1=$!
mig up --dir "$D" >"$W/r2" 2>&1 & p2=$!
wait $p1; rc1=$?; wait $p2; rc2=$?
is "$rc1:$rc2" "0:0" "two concurrent ups over four streams: both succeed"
is "$(rows)" "default/1,default/2,default/3,analytics/1,analytics/2,billing/1,billing/2,billing/3,billing/4,search/1,search/2" "... every migration applied"
is "$(q "SELECT count(*) FROM mcpdb.migration_events WHERE event = 'applied'")" "$((e0 + 4))" "... each exactly once (4 applied events: analytics 0002, billing 0004, search 0001-0002)"
done_testing
