#!/bin/sh
# t-backup.sh - `mcpdb backup`, `backup verify` and `restore` on the
# harness's server: a round trip of each of the seven service schemas with
# the demo data into another database (same catalog, same rows, platform
# USAGE re-granted), several schemas in one backup and --schema, --clean
# replacing a changed schema, and every refusal changing nothing: a
# corrupt, truncated or altered backup, a file that is not a backup, a
# missing role, a missing platform schema, a non-empty schema without
# --clean, protected and read_only targets, pg_dump/pg_restore older than
# the server, unknown and non-service schemas, an unwritable or existing
# --file; and no password in pg_dump's argv or environment.
. "${MCPDB_SRCDIR:?}/tests/tap.sh"
. "$MCPDB_SRCDIR/tests/integ/schemas-lib.sh"
. "$MCPDB_SRCDIR/tests/integ/backup-lib.sh"

SRC=$(sl_dbname bk_src)
DST=$(sl_dbname bk_dst)
EMPTY=$(sl_dbname bk_empty)
bk_config src="$SRC" dst="$DST" empty="$EMPTY" prot="$DST:protected" ro="$DST:read_only" rosrc="$SRC:read_only"
S7="inference_enhancement ui_testing analytics code_quality documentation memory_management web_access"
B=$SL_TMP/backups
mkdir -p "$B"

bk_source "$SRC" src; ok $? "source: migrations and demo seeds applied with mcpdb"
sl_createdb "$DST"
sl_apply "$DST" 0001_platform.up.sql; ok $? "target: only the shared schema (0001)"
sl_createdb "$EMPTY"

# -- round trip of each service schema into another database
for s in $S7; do
	out=$(mc src backup "$s" --file "$B/$s" 2>&1); rc=$?
	is "$rc" 0 "backup $s exits 0"
	[ $rc -eq 0 ] || diag "$out"
	like "$out" "backup $s: " "backup $s: summary line"
	bk_contents "$SRC" "$s" >"$SL_TMP/$s.src.rows"
	bk_catalog "$SRC" "$s" >"$SL_TMP/$s.src.cat"
	n=$(python3 -c "import json,sys; m=json.load(open(sys.argv[1])); print(sum(t['rows'] for s in m['schemas'] for t in s['tables']))" "$B/$s/manifest.json")
	is "$n" "$(awk '{ n += $2 } END { print n + 0 }' "$SL_TMP/$s.src.rows")" "$s: the manifest's row counts are the source's"
	out=$(mc dst restore "$B/$s" --yes 2>&1); rc=$?
	is "$rc" 0 "restore $s into another database exits 0"
	[ $rc -eq 0 ] || diag "$out"
	like "$out" "row counts match the manifest" "restore $s: says the row counts match"
	bk_contents "$DST" "$s" >"$SL_TMP/$s.dst.rows"
	diff "$SL_TMP/$s.src.rows" "$SL_TMP/$s.dst.rows" >"$SL_TMP/diff"; ok $? "$s: same rows in every table"
	[ -s "$SL_TMP/diff" ] && diag "$(head -n 5 "$SL_TMP/diff")"
	bk_catalog "$DST" "$s" >"$SL_TMP/$s.dst.cat"
	diff "$SL_TMP/$s.src.cat" "$SL_TMP/$s.dst.cat" >"$SL_TMP/diff"
	ok $? "$s: identical catalog (columns, constraints, indexes, comments, triggers, grants, default privileges)"
	[ -s "$SL_TMP/diff" ] && diag "$(head -n 5 "$SL_TMP/diff")"
	is "$(sl_val "$DST" "SELECT has_schema_privilege('${s}_rw', 'platform', 'USAGE') AND has_schema_privilege('${s}_ro', 'platform', 'USAGE')")" t \
		"$s: USAGE on platform re-granted to ${s}_rw and ${s}_ro"
done
out=$(sl_val "$DST" "BEGIN; UPDATE code_quality.projects SET is_active = NOT is_active WHERE name = 'acme/mcpdb'
	RETURNING updated_at = now(); ROLLBACK;" 2>&1)
is "$(echo $out)" "t" "restored code_quality: the shared updated_at trigger works"
is "$(bk_leftovers "$B")" 0 "no unfinished backup directories left"
is "$(stat -c %a "$B/code_quality")/$(stat -c %a "$B/code_quality/dump.pgc")/$(stat -c %a "$B/code_quality/manifest.json")" "700/600/600" \
	"a backup is private: directory 0700, files 0600"

# -- progress: on a terminal only
out=$(mc src backup code_quality --file "$B/notty" 2>&1)
unlike "$out" "tables 5/5" "no progress lines when standard error is not a terminal"
if command -v script >/dev/null 2>&1; then
	script -qec "\"$M\" --config \"$BK_CONF\" --target src --log-level error backup code_quality --file \"$B/tty\"" /dev/null >"$SL_TMP/tty.out" 2>&1
	is "$?" 0 "backup on a terminal exits 0"
	like "$(cat "$SL_TMP/tty.out")" "backup code_quality: tables 5/5, " "on a terminal: tables done / total and MB"
else
	skip "script(1) not installed: progress on a terminal not checked"
	skip "script(1) not installed"
fi

# -- backup verify
out=$(mc src backup verify "$B/code_quality" 2>&1); is "$?" 0 "backup verify of a good backup exits 0"
like "$out" "ok: code_quality from database $SRC" "verify names the schema and the source database"
like "$out" "SHA-256 matches" "verify checked the checksum"
"$M" --log-level error backup verify "$B/code_quality" >/dev/null 2>&1; is "$?" 0 "backup verify needs no target or server"
out=$("$M" --log-level error --json backup verify "$B/code_quality")
is "$(echo "$out" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["action"], d["schemas"], len(d["sha256"]), d["toc_entries"] > 0)')" \
	"verify ['code_quality'] 64 True" "verify --json: one document with the schemas, checksum and TOC entries"

# -- several schemas in one backup; --schema picks one; --json
out=$(mc src --json backup code_quality memory_management --file "$B/two"); is "$?" 0 "backup of two schemas exits 0"
is "$(echo "$out" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["action"], d["schemas"], len(d["tables"]), d["rows"] > 0, d["bytes"] > 0)')" \
	"backup ['code_quality', 'memory_management'] 7 True True" "backup --json: schemas, tables, rows, bytes"
E2=$(sl_dbname bk_two)
sl_createdb "$E2"
sl_apply "$E2" 0001_platform.up.sql
bk_config src="$SRC" dst="$DST" e2="$E2"
out=$(mc e2 restore "$B/two" --schema memory_management --yes 2>&1); is "$?" 0 "restore --schema memory_management of a two-schema backup"
[ -n "$out" ] && like "$out" "restored memory_management" "it says which schema"
is "$(sl_val "$E2" "SELECT string_agg(nspname, ',' ORDER BY nspname) FROM pg_namespace WHERE nspname IN ('code_quality', 'memory_management')")" \
	"memory_management" "only memory_management came back"
bk_contents "$E2" memory_management >"$SL_TMP/mm.e2"
diff "$SL_TMP/memory_management.src.rows" "$SL_TMP/mm.e2" >/dev/null; ok $? "memory_management: same rows"
out=$(mc e2 restore "$B/two" --schema web_access --yes 2>&1); is "$?" 1 "--schema not in the backup: exit 1"
like "$out" "--schema web_access: not in backup $B/two (it holds code_quality, memory_management)" "the schema and what the backup holds are named"

# -- non-empty schema without --clean; --clean replaces it in one transaction
bk_config src="$SRC" dst="$DST" empty="$EMPTY" prot="$DST:protected" ro="$DST:read_only" rosrc="$SRC:read_only"
sl_val "$DST" "DELETE FROM code_quality.vulnerabilities WHERE severity = 'low'; CREATE TABLE code_quality.extra (id int PRIMARY KEY)" >/dev/null
bk_state "$DST" code_quality >"$SL_TMP/cq.changed"
out=$(mc dst restore "$B/code_quality" --yes 2>&1); is "$?" 1 "restore over a non-empty schema without --clean: exit 1"
like "$out" "schema code_quality already exists in database $DST and is not empty" "the schema and database are named"
like "$out" "pass --clean" "the way forward is named"
bk_state "$DST" code_quality >"$SL_TMP/cq.after"
diff "$SL_TMP/cq.changed" "$SL_TMP/cq.after" >/dev/null; ok $? "nothing changed"
sl_val "$DST" "CREATE VIEW analytics.cq_names AS SELECT name FROM code_quality.projects;
	CREATE TABLE web_access.cq_ref (id int PRIMARY KEY, p uuid REFERENCES code_quality.projects (id))" >/dev/null
bk_state "$DST" code_quality >"$SL_TMP/cq.changed"
out=$(mc dst restore "$B/code_quality" --clean --yes 2>&1); is "$?" 1 "--clean when other schemas depend on the schema: exit 1"
like "$out" "--clean would also drop objects of other schemas that depend on schema code_quality" "DROP ... CASCADE is not let loose"
like "$out" "view analytics.cq_names" "the view of another schema is named"
like "$out" "constraint cq_ref_p_fkey on table web_access.cq_ref" "and the foreign key"
bk_state "$DST" code_quality >"$SL_TMP/cq.after"
diff "$SL_TMP/cq.changed" "$SL_TMP/cq.after" >/dev/null; ok $? "nothing changed"
is "$(sl_val "$DST" "SELECT to_regclass('analytics.cq_names') IS NOT NULL AND to_regclass('web_access.cq_ref') IS NOT NULL")" t "the dependents are still there"
sl_val "$DST" "DROP VIEW analytics.cq_names; DROP TABLE web_access.cq_ref" >/dev/null
out=$(mc dst restore "$B/code_quality" --clean --yes 2>&1); is "$?" 0 "restore --clean replaces the schema"
[ -n "$out" ] && like "$out" "the existing schema was replaced" "it says the schema was replaced"
bk_contents "$DST" code_quality >"$SL_TMP/cq.rows"
diff "$SL_TMP/code_quality.src.rows" "$SL_TMP/cq.rows" >/dev/null; ok $? "code_quality: the backup's rows again"
is "$(sl_val "$DST" "SELECT to_regclass('code_quality.extra') IS NULL")" t "the table added since the backup is gone"
bk_catalog "$DST" code_quality >"$SL_TMP/cq.cat"
diff "$SL_TMP/code_quality.src.cat" "$SL_TMP/cq.cat" >/dev/null; ok $? "code_quality: the backup's catalog again"

# -- the manifest's counts are checked before COMMIT
cp -r "$B/code_quality" "$B/altered"
python3 - "$B/altered/manifest.json" <<'EOF'
import json, sys
m = json.load(open(sys.argv[1]))
m["schemas"][0]["tables"][0]["rows"] += 1
json.dump(m, open(sys.argv[1], "w"))
EOF
sl_val "$DST" "DELETE FROM code_quality.metrics WHERE id IN (SELECT id FROM code_quality.metrics LIMIT 3)" >/dev/null
bk_state "$DST" code_quality >"$SL_TMP/cq.before"
out=$(mc dst restore "$B/altered" --clean --yes 2>&1); is "$?" 1 "restore with counts that do not match: exit 1"
like "$out" "row counts differ from the manifest (code_quality.analysis_reports: 25 in the backup, 24 restored)" \
	"the table and both counts are named"
like "$out" "nothing was changed" "and it says nothing changed"
bk_state "$DST" code_quality >"$SL_TMP/cq.after"
diff "$SL_TMP/cq.before" "$SL_TMP/cq.after" >/dev/null; ok $? "nothing changed (the old schema is still there, as it was)"

# -- damaged, truncated and foreign files change nothing
cp -r "$B/code_quality" "$B/corrupt"
python3 - "$B/corrupt/dump.pgc" <<'EOF'
import sys
p = sys.argv[1]
b = bytearray(open(p, "rb").read())
b[len(b) // 2] ^= 0xff
open(p, "wb").write(b)
EOF
out=$(mc dst backup verify "$B/corrupt" 2>&1); is "$?" 1 "verify of a corrupt dump: exit 1"
like "$out" "corrupt/dump.pgc: SHA-256" "the file and the checksum are named"
out=$(mc dst restore "$B/corrupt" --clean --yes 2>&1); is "$?" 1 "restore of a corrupt dump: exit 1"
like "$out" "does not match the manifest's" "restore says why"
cp -r "$B/code_quality" "$B/truncated"
truncate -s 5000 "$B/truncated/dump.pgc"
out=$(mc dst restore "$B/truncated" --clean --yes 2>&1); is "$?" 1 "restore of a truncated dump: exit 1"
like "$out" "5000 bytes, the manifest says" "truncation is named"
# a dump that is not an archive at all, with a manifest that matches it
cp -r "$B/code_quality" "$B/notadump"
head -c 4000 /dev/urandom >"$B/notadump/dump.pgc"
python3 - "$B/notadump" <<'EOF'
import hashlib, json, os, sys
d = sys.argv[1]
data = open(d + "/dump.pgc", "rb").read()
m = json.load(open(d + "/manifest.json"))
m["dump"]["bytes"] = len(data)
m["dump"]["sha256"] = hashlib.sha256(data).hexdigest()
json.dump(m, open(d + "/manifest.json", "w"))
EOF
out=$(mc dst restore "$B/notadump" --clean --yes 2>&1); is "$?" 1 "restore of random bytes with a matching manifest: exit 1"
like "$out" "notadump/dump.pgc: pg_restore --list cannot read it" "pg_restore's refusal is named"
echo "hello" >"$B/plain.txt"
out=$(mc dst restore "$B/plain.txt" --yes 2>&1); is "$?" 1 "restore of a plain file: exit 1"
like "$out" "plain.txt: not an mcpdb backup" "the file is named"
out=$(mc dst backup verify "$SL_TMP" 2>&1); is "$?" 1 "verify of a directory that is not a backup: exit 1"
is "$(echo "$out" | wc -l | tr -d ' ')" 1 "one line"
bk_state "$DST" code_quality >"$SL_TMP/cq.after"
diff "$SL_TMP/cq.before" "$SL_TMP/cq.after" >/dev/null; ok $? "after all of them: nothing changed"

# -- what the schema needs from outside must exist first
out=$(mc empty restore "$B/code_quality" --yes 2>&1); is "$?" 1 "restore into a database without the shared schema: exit 1"
like "$out" "database $EMPTY lacks what the backup needs: schema platform, function platform.set_updated_at()" \
	"the missing schema and function are named"
is "$(sl_val "$EMPTY" "SELECT count(*) FROM pg_namespace WHERE nspname = 'code_quality'")" 0 "nothing restored"
R=mcpdb_t_bk_role_$$
SL_ROLES="$SL_ROLES $R"
sl_val "$SRC" "CREATE ROLE $R NOLOGIN; GRANT USAGE ON SCHEMA analytics TO $R; GRANT SELECT ON ALL TABLES IN SCHEMA analytics TO $R" >/dev/null
mc src -q backup analytics --file "$B/analytics-role" >/dev/null 2>&1; ok $? "backup of analytics with a grant to an extra role"
sl_val "$SRC" "REVOKE ALL ON ALL TABLES IN SCHEMA analytics FROM $R; REVOKE ALL ON SCHEMA analytics FROM $R; DROP ROLE $R" >/dev/null
bk_state "$DST" analytics >"$SL_TMP/an.before"
out=$(mc dst restore "$B/analytics-role" --clean --yes 2>&1); is "$?" 1 "restore when a role is missing: exit 1"
like "$out" "lacks what the backup needs: role $R; create them first" "the missing role is named"
bk_state "$DST" analytics >"$SL_TMP/an.after"
diff "$SL_TMP/an.before" "$SL_TMP/an.after" >/dev/null; ok $? "nothing changed"

# -- protected and read-only targets
out=$(mc prot restore "$B/analytics" --clean --yes 2>&1); is "$?" 1 "protected target: --yes alone is refused"
like "$out" "target prot is protected" "the protection is named"
out=$(mc prot restore "$B/analytics" --clean --confirm dst 2>&1); is "$?" 2 "protected target: a wrong --confirm is a usage error (exit 2)"
out=$(mc prot restore "$B/analytics" --clean --confirm prot 2>&1); is "$?" 0 "protected target: --confirm with its name restores"
[ -n "$out" ] && like "$out" "row counts match the manifest" "restored"
bk_state "$DST" analytics >"$SL_TMP/an.before"
out=$(mc ro restore "$B/analytics" --clean --yes 2>&1); is "$?" 1 "read_only target: refused"
like "$out" "target ro is read-only: refusing to restore" "read_only is named"
bk_state "$DST" analytics >"$SL_TMP/an.after"
diff "$SL_TMP/an.before" "$SL_TMP/an.after" >/dev/null; ok $? "nothing changed"
out=$(mc rosrc backup analytics --file "$B/from-ro" 2>&1); is "$?" 0 "backup reads only: allowed on a read_only target"

# -- bad input to backup: one line, nothing written
for bad in nosuchschema pg_catalog platform public; do
	out=$(mc src backup "$bad" --file "$B/bad-$bad" 2>&1); is "$?" 1 "backup $bad: exit 1"
	is "$(echo "$out" | wc -l | tr -d ' ')" 1 "backup $bad: one line"
	[ ! -e "$B/bad-$bad" ]; ok $? "backup $bad: nothing written"
	case $bad in
	nosuchschema) like "$out" "unknown schema \"nosuchschema\": database $SRC has no such schema (service schemas: analytics, code_quality" "the name and the service schemas" ;;
	pg_catalog) like "$out" "pg_catalog is a system schema, not a service schema" "a system schema" ;;
	platform) like "$out" "platform is the shared schema, not a service schema" "the shared schema" ;;
	public) like "$out" "schema \"public\" is not a service schema: no applied migration" "a schema no migration created" ;;
	esac
done
out=$(mc src backup code_quality --file "$B/code_quality" 2>&1); is "$?" 1 "backup onto an existing path: exit 1"
like "$out" "code_quality already exists: a backup never overwrites" "the path is named"
out=$(mc src backup code_quality --file "$B/plain.txt/x" 2>&1); is "$?" 1 "backup under a file: exit 1"
like "$out" "cannot create backup $B/plain.txt/x (in directory $B/plain.txt): Not a directory" "the path and the reason"
out=$(mc src backup code_quality --file "$SL_TMP/no/such/dir/x" 2>&1); is "$?" 1 "backup into a missing directory: exit 1"
like "$out" "No such file or directory" "the reason"
if [ "$(id -u)" != 0 ]; then
	mkdir -p "$B/locked" && chmod 0500 "$B/locked"
	out=$(mc src backup code_quality --file "$B/locked/x" 2>&1); is "$?" 1 "backup into a directory without write permission: exit 1"
	like "$out" "cannot create backup $B/locked/x (in directory $B/locked): Permission denied" "the path and the reason"
	chmod 0700 "$B/locked"
else
	skip "running as root: a directory without write permission cannot be made"
	skip "running as root"
fi
out=$(mc src backup 2>&1); is "$?" 2 "backup without a schema: usage error, exit 2"
is "$(bk_leftovers "$B")" 0 "no unfinished backup directories left"
(cd "$B" && mc src -q backup web_access >/dev/null 2>&1); ok $? "backup without --file"
ls "$B" | grep -Eq '^web_access-[0-9]{8}T[0-9]{6}Z\.backup$'; ok $? "default name SCHEMA-YYYYmmddTHHMMSSZ.backup in the current directory"

# -- tool versions: older than the server is refused with both versions named
FAKE=$SL_TMP/oldbin
mkdir -p "$FAKE"
for t in pg_dump pg_restore; do
	printf '#!/bin/sh\necho "%s (PostgreSQL) 9.6.24"\n' "$t" >"$FAKE/$t"
	chmod +x "$FAKE/$t"
done
out=$(MCPDB_PG_BINDIR=$FAKE mc src backup code_quality --file "$B/old" 2>&1); is "$?" 1 "pg_dump 9.6 against a 15 server: exit 1"
like "$out" "pg_dump is older than the server: \"pg_dump (PostgreSQL) 9.6.24\" vs PostgreSQL 15" "both versions named"
[ ! -e "$B/old" ]; ok $? "nothing written"
bk_state "$DST" analytics >"$SL_TMP/an.before"
out=$(MCPDB_PG_BINDIR=$FAKE mc dst restore "$B/analytics" --clean --yes 2>&1); is "$?" 1 "pg_restore 9.6: exit 1"
like "$out" "pg_restore is older than the pg_dump that wrote" "pg_restore's version is compared too"
like "$out" "9.6.24" "and named"
bk_state "$DST" analytics >"$SL_TMP/an.after"
diff "$SL_TMP/an.before" "$SL_TMP/an.after" >/dev/null; ok $? "nothing changed"
out=$(MCPDB_PG_BINDIR=$SL_TMP/nobin mc src backup code_quality --file "$B/nobin" 2>&1); is "$?" 1 "no pg_dump at all: exit 1"
like "$out" "cannot run $SL_TMP/nobin/pg_dump: No such file or directory" "the program is named"

# -- pg_dump fails midway: nothing left
REAL=$(command -v "$PG_DUMP")
printf '#!/bin/sh\n[ "$1" = --version ] && exec "%s" --version\necho "pg_dump: error: simulated failure" >&2\nexit 1\n' "$REAL" >"$FAKE/pg_dump"
out=$(MCPDB_PG_BINDIR=$FAKE mc src backup code_quality --file "$B/fails" 2>&1); is "$?" 1 "pg_dump fails: exit 1"
like "$out" "pg_dump failed (exit status 1): simulated failure" "its error is passed on"
[ ! -e "$B/fails" ] && [ "$(bk_leftovers "$B")" = 0 ]; ok $? "nothing left behind"

# -- the connection reaches pg_dump without a password in argv or environment
if [ -n "${MCPDB_TEST_PGURL_TCP:-}" ]; then
	TCP="${MCPDB_TEST_PGURL_TCP%/*}/$SRC"
	PW=$(echo "$MCPDB_TEST_PGURL_TCP" | sed -E 's|^[a-z]+://[^:]*:([^@]*)@.*|\1|')
	for t in pg_dump pg_restore; do
		printf '#!/bin/sh\n{ echo "ARGV $*"; env | grep "^PG"; [ -n "$PGPASSFILE" ] && stat -c "MODE %%a" "$PGPASSFILE"; } >>"%s"\nexec "%s" "$@"\n' \
			"$SL_TMP/spy.log" "$(dirname "$REAL")/$t" >"$FAKE/$t"
		chmod +x "$FAKE/$t"
	done
	out=$(MCPDB_PG_BINDIR=$FAKE "$M" --log-level error --pg "$TCP" backup code_quality --file "$B/tcp" 2>&1); rc=$?
	is "$rc" 0 "backup over TCP with a password in the URI"
	[ $rc -eq 0 ] || diag "$out"
	grep -qF -- "$PW" "$SL_TMP/spy.log"; is "$?" 1 "the password is in no argv and no variable of pg_dump"
	grep -q '^PGPASSWORD=' "$SL_TMP/spy.log"; is "$?" 1 "PGPASSWORD is not used"
	like "$(cat "$SL_TMP/spy.log")" "MODE 600" "PGPASSFILE is mode 0600"
	f=$(sed -n 's/^PGPASSFILE=//p' "$SL_TMP/spy.log" | head -n 1)
	[ -n "$f" ] && [ ! -e "$f" ]; ok $? "the password file is gone afterwards"
	like "$(cat "$SL_TMP/spy.log")" "PGHOST=127.0.0.1" "the host reached pg_dump as PGHOST"
else
	skip "MCPDB_TEST_PGURL_TCP not set: password handling not checked"
fi
is "$(bk_leftovers "$B")" 0 "no unfinished backup directories left"

done_testing
