#!/bin/sh
# t-migrate-tag.sh - `migrate tag NAME [--note TEXT]` and up/down/plan
# --to-tag (issue 17, item 4) against the harness server: a tag names the
# newest applied version; down --to-tag rolls back above it (asking first,
# the typed name on a protected target) and up --to-tag applies up to it;
# tags are listed by status and history (text and --json). Bad input (a tag
# on an empty ledger, a duplicate name, an unknown tag, a bad name, --to-tag
# with --to, a failed migration, a read-only target) is one line, a non-zero
# exit, and nothing changed. A ledger of an older mcpdb (no tag table) is
# upgraded in place by tag.
. "${MCPDB_SRCDIR:?}/tests/tap.sh"
TAG=migtag
. "$MCPDB_SRCDIR/tests/integ/migdb.sh"
mig() { "$M" -t t migrate "$@"; }
migj() { "$M" -t t --json migrate "$@"; }
js() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print($2)" "$1"; }
lines() { printf '%s\n' "$1" | wc -l | tr -d ' '; }
applied() { q "SELECT coalesce(string_agg(version::text, ',' ORDER BY version), '-') FROM mcpdb.migrations"; }
ntags() { q "SELECT CASE WHEN to_regclass('mcpdb.migration_tags') IS NULL THEN '-' ELSE (SELECT count(*)::text FROM mcpdb.migration_tags) END"; }

D=$W/m; mkdir -p "$D"
for i in 1 2 3 4; do
	echo "CREATE TABLE g_t$i (id int);" >"$D/000${i}_t$i.up.sql"
	echo "DROP TABLE g_t$i;" >"$D/000${i}_t$i.down.sql"
done
mkdir -p "$W/xdg/mcpdb"
cat >"$W/xdg/mcpdb/config.json" <<JSON
{ "targets": {
    "t":    { "pg": "$URL dbname=$DB", "migrations_dir": "$D" },
    "prot": { "pg": "$URL dbname=$DB", "migrations_dir": "$D", "protected": true },
    "ro":   { "pg": "$URL dbname=$DB", "migrations_dir": "$D", "read_only": true } } }
JSON
chmod 600 "$W/xdg/mcpdb/config.json"

# -- bad input on an empty database: nothing created
fresh
out=$(mig tag v1 2>&1); rc=$?
is "$rc:$(lines "$out")" "1:1" "tag with no ledger: exit 1, one line"
like "$out" "nothing is applied" "... says why"
is "$(q "SELECT count(*) FROM pg_namespace WHERE nspname = 'mcpdb'")" "0" "... and creates nothing"
out=$(mig tag 'bad name' 2>&1); rc=$?
is "$rc:$(lines "$out")" "2:1" "a bad tag name: usage error, one line"
out=$(mig up --to-tag nope 2>&1); rc=$?
is "$rc:$(lines "$out")" "1:1" "up --to-tag of an unknown tag: exit 1, one line"
like "$out" 'no tag "nope"' "... names the tag"
is "$(q "SELECT count(*) FROM pg_namespace WHERE nspname = 'mcpdb'")" "0" "... and applies nothing"
out=$(mig up --to-tag v1 --to 2 2>&1); rc=$?
is "$rc:$(lines "$out")" "2:1" "--to-tag with --to: usage error, one line"

# -- an empty ledger (created, then everything rolled back): still refused
mig up --to 1 >/dev/null 2>&1
mig down --yes >/dev/null 2>&1
is "$(applied)" "-" "ledger exists but is empty"
out=$(mig tag v0 2>&1); rc=$?
is "$rc:$(lines "$out")" "1:1" "tag on an empty ledger: exit 1, one line"
is "$(ntags)" "0" "... no tag recorded"

# -- tag v2 after 0001-0002, v4 after all
mig up --to 2 >/dev/null 2>&1
out=$(mig tag v2 --note "release 2.0" 2>&1); rc=$?
is "$rc" "0" "tag v2: exit 0"
like "$out" "v2 names the applied state up to 0002" "... says which version"
is "$(q "SELECT name || ':' || version || ':' || array_to_string(versions, ',') || ':' || note FROM mcpdb.migration_tags")" \
    "v2:2:1,2:release 2.0" "... recorded with the applied versions and the note"
out=$(mig tag v2 2>&1); rc=$?
is "$rc:$(lines "$out")" "1:1" "a duplicate tag name: exit 1, one line"
like "$out" 'tag "v2" exists already' "... says so"
is "$(ntags)" "1" "... nothing added"
mig up >/dev/null 2>&1
mig tag v4 >/dev/null 2>&1
is "$(ntags):$(applied)" "2:1,2,3,4" "tag v4 after applying all"

# -- status and history show the tags
out=$(mig status 2>&1); rc=$?
is "$rc" "0" "status: exit 0"
like "$out" "| tag v2" "status: the 0002 line carries tag v2"
like "$out" "tag v2 = 0002 (" "status: tag v2 listed with its version"
like "$out" "): release 2.0" "... and its note"
migj status >"$W/s.json" 2>/dev/null
is "$(js "$W/s.json" '[t["name"] + "=" + str(t["version"]) for t in d["tags"]], [m["tags"] for m in d["migrations"]]')" \
    "['v2=2', 'v4=4'] [[], ['v2'], [], ['v4']]" "status --json: tags and per-migration tags"
out=$(mig history 2>&1)
is "$(printf '%s\n' "$out" | grep -c ' tagged .*| tag v2: release 2.0')" "1" "history: the tagged event of v2 with its note"
migj history >"$W/h.json" 2>/dev/null
is "$(js "$W/h.json" '[(e["version"], e["tag"]) for e in d["events"] if e["event"] == "tagged"]')" \
    "[(2, 'v2'), (4, 'v4')]" "history --json: tagged events with version and tag"

# -- down --to-tag: plan, confirmation, then the move
out=$(mig down --to-tag v2 --dry-run 2>&1); rc=$?
is "$rc" "0" "down --to-tag v2 --dry-run: exit 0"
is "$(printf '%s\n' "$out" | grep -c 'would roll back')" "2" "... would roll back 0004 and 0003"
is "$(applied)" "1,2,3,4" "... nothing changed"
out=$("$M" -t prot --yes migrate down --to-tag v2 </dev/null 2>&1); rc=$?
is "$rc" "1" "down --to-tag on a protected target: --yes is not enough"
is "$(applied)" "1,2,3,4" "... nothing changed"
out=$("$M" -t prot --confirm prot migrate down --to-tag v2 </dev/null 2>&1); rc=$?
is "$rc" "0" "down --to-tag v2 with the target's name typed: exit 0"
is "$(applied)" "1,2" "... back at v2"
out=$(mig down --to-tag nope --yes 2>&1); rc=$?
is "$rc:$(lines "$out")" "1:1" "down --to-tag of an unknown tag: exit 1, one line"
is "$(applied)" "1,2" "... nothing changed"
out=$(mig plan --to-tag v4 2>&1); rc=$?
is "$rc:$(printf '%s\n' "$out" | grep -c 'would apply')" "0:2" "plan --to-tag v4: would apply two"
out=$(mig up --to-tag v4 2>&1); rc=$?
is "$rc:$(applied)" "0:1,2,3,4" "up --to-tag v4: all applied again"
mig down --to 1 --yes >/dev/null 2>&1
out=$(mig down --to-tag v2 --yes 2>&1); rc=$?
is "$rc:$(lines "$out")" "1:1" "down --to-tag of a version no longer applied: exit 1, one line"
like "$out" "--to-tag v2 is version 2" "... names tag and version"
out=$(mig up --to-tag v2 2>&1); rc=$?
is "$rc:$(applied)" "0:1,2" "up --to-tag v2 from 0001: applies 0002 only"

# -- a failed migration and a read-only target: refused
out=$("$M" -t ro migrate tag ro1 2>&1); rc=$?
is "$rc:$(lines "$out")" "1:1" "tag on a read-only target: exit 1, one line"
echo "CREATE TABLE g_bad (id int); SELECT 1/0;" >"$D/0005_bad.up.sql"
echo "DROP TABLE IF EXISTS g_bad;" >"$D/0005_bad.down.sql"
echo "-- mcpdb:no-transaction" | cat - "$D/0005_bad.up.sql" >"$D/x" && mv "$D/x" "$D/0005_bad.up.sql"
mig up >/dev/null 2>&1
is "$(q "SELECT state FROM mcpdb.migrations WHERE version = 5")" "failed" "0005 failed (no transaction)"
out=$(mig tag broken 2>&1); rc=$?
is "$rc:$(lines "$out")" "1:1" "tag with a failed migration: exit 1, one line"
like "$out" "0005_bad is failed" "... names it"
is "$(ntags)" "2" "... nothing tagged"
rm -f "$D/0005_bad.up.sql" "$D/0005_bad.down.sql"

# -- a ledger of an older mcpdb (no tag table, no tag column) is upgraded
fresh
mig up --to 1 >/dev/null 2>&1
q "DROP TABLE mcpdb.migration_tags; ALTER TABLE mcpdb.migration_events DROP COLUMN tag" >/dev/null
out=$(mig status 2>&1); rc=$?
is "$rc" "3" "status on an older ledger: works (pending: 3)"
out=$(mig history 2>&1); rc=$?
is "$rc" "0" "history on an older ledger: works"
out=$(mig tag old1 2>&1); rc=$?
is "$rc" "0" "tag on an older ledger: upgrades it and tags"
is "$(ntags):$(q "SELECT tag FROM mcpdb.migration_events WHERE event = 'tagged'")" "1:old1" "... tag and event recorded"
done_testing
