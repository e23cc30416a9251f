#!/bin/sh
# t-json-contract.sh - the --json contract (issue 16): every command of the
# command table, run with --json, prints exactly one valid JSON document on
# stdout, errors included (usage errors, unknown commands and options,
# missing arguments); --watch prints one document per line. The list of
# commands comes from `mcpdb --json help`, so a new command is covered
# without editing this test.
. "${MCPDB_SRCDIR:?}/tests/tap.sh"
M=${MCPDB_BIN:?}
URL=${MCPDB_TEST_PGURL:-}
[ -n "$URL" ] || skip_all "MCPDB_TEST_PGURL not set; run under tests/harness/with-servers.sh"
command -v psql >/dev/null 2>&1 || skip_all "psql not found"
command -v python3 >/dev/null 2>&1 || skip_all "python3 not found"

W=$(mktemp -d -t mcpdb-json.XXXXXX)
DB=mcpdb_t_json_$$
cleanup() {
	"$M" demo down --purge >/dev/null 2>&1
	psql "$URL" -XAtqc "DROP DATABASE IF EXISTS $DB WITH (FORCE)" >/dev/null 2>&1
	rm -rf "$W"
}
trap cleanup EXIT
unset MCPDB_CONFIG MCPDB_TARGET DATABASE_URL REDIS_URL
export XDG_CONFIG_HOME="$W/xdg" XDG_STATE_HOME="$W/state" HOME="$W"
psql "$URL" -XAtqc "CREATE DATABASE $DB" >/dev/null || { echo "Bail out! cannot create $DB"; exit 1; }
mkdir -p "$W/xdg/mcpdb" "$W/run"
cat >"$W/xdg/mcpdb/config.json" <<JSON
{ "default_target": "t",
  "targets": { "t": { "pg": "$URL dbname=$DB", "redis": "${MCPDB_TEST_REDIS:-redis://127.0.0.1:1/0}",
                      "migrations_dir": "$MCPDB_SRCDIR/migrations", "seeds_dir": "$MCPDB_SRCDIR/seeds" } } }
JSON
chmod 600 "$W/xdg/mcpdb/config.json"

# one_doc FILE: exit 0 when FILE holds exactly one JSON document
one_doc() { python3 -c 'import json,sys; json.loads(open(sys.argv[1]).read())' "$1" 2>/dev/null; }

"$M" --json help >"$W/help.json"
one_doc "$W/help.json"; ok $? "help --json is one JSON document"
python3 -c 'import json,sys; [print(c["name"]) for c in json.load(open(sys.argv[1]))["commands"]]' "$W/help.json" >"$W/cmds"
n=$(wc -l <"$W/cmds")
[ "$n" -ge 20 ]; ok $? "it lists the command table ($n commands)"

while read -r c; do
	# shellcheck disable=SC2086 # the command's words are meant to be split
	(cd "$W/run" && timeout 60 "$M" --json $c </dev/null >"$W/out" 2>"$W/err"); rc=$?
	one_doc "$W/out"; ok $? "$c --json: one JSON document (exit $rc)"
	if ! one_doc "$W/out"; then diag "stdout: $(head -c 300 "$W/out")" "stderr: $(head -c 300 "$W/err")"; fi
	# shellcheck disable=SC2086
	timeout 20 "$M" --json $c --no-such-option </dev/null >"$W/out" 2>/dev/null; rc=$?
	one_doc "$W/out" && [ "$rc" = 2 ]; ok $? "$c --json --no-such-option: a JSON usage error, exit 2 (got $rc)"
	# shellcheck disable=SC2086
	timeout 20 "$M" --json help $c </dev/null >"$W/out" 2>/dev/null
	one_doc "$W/out"; ok $? "help $c --json: one JSON document"
done <"$W/cmds"

for c in "nosuch" "migrate" "migrate nosuch"; do
	# shellcheck disable=SC2086
	"$M" --json $c </dev/null >"$W/out" 2>/dev/null; rc=$?
	one_doc "$W/out" && [ "$rc" = 2 ]; ok $? "\"$c\" --json: a JSON usage error, exit 2 (got $rc)"
done
"$M" migrate --help >"$W/out" 2>&1; rc=$?
is "$rc" 0 "migrate --help: the family's help, exit 0"
like "$(cat "$W/out")" "migrate status" "... listing its commands"
"$M" demo --help >"$W/out" 2>&1; is "$?" 0 "demo --help too"

# --watch: one document per line
"$M" --json health --watch 1 >"$W/watch" 2>/dev/null &
p=$!
sleep 2.5
kill -INT "$p"; wait "$p"
python3 -c '
import json, sys
lines = [l for l in open(sys.argv[1]) if l.strip()]
assert len(lines) >= 2, lines
for l in lines: json.loads(l)' "$W/watch"
ok $? "health --watch --json: one JSON document per line ($(wc -l <"$W/watch") lines)"
done_testing
