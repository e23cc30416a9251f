#!/bin/sh
# t-cli.sh - the mcpdb binary as an operator uses it: dispatch, help, exit
# codes, JSON output, configuration precedence and errors, target selection,
# protected and read-only targets, and no secret in any output or log.
. "${MCPDB_SRCDIR:?}/tests/tap.sh"
M=${MCPDB_BIN:?}
W=$(mktemp -d -t mcpdb-cli.XXXXXX)
trap 'rm -rf "$W"' EXIT
unset MCPDB_CONFIG MCPDB_TARGET DATABASE_URL REDIS_URL MCPDB_LOG_LEVEL MCPDB_LOG_FORMAT MCPDB_LOG_FILE
export XDG_CONFIG_HOME="$W/xdg" HOME="$W"

# -- dispatch, help, version, exit codes (no servers needed)
out=$("$M" --version); is "$?" 0 "--version exits 0"
like "$out" "mcpdb 0.1.0" "--version prints the version"
out=$("$M" help); like "$out" "demo status" "help lists commands"
out=$("$M" help demo down); like "$out" "usage: mcpdb demo down" "help COMMAND shows usage"
out=$("$M" demo down --help); like "$out" "--purge" "COMMAND --help shows options"
out=$("$M" nosuch 2>&1); is "$?" 2 "unknown command exits 2"
like "$out" 'unknown command "nosuch"' "unknown command is named"
out=$("$M" demo up --bogus 2>&1); is "$?" 2 "unknown option exits 2"
like "$out" "unknown option --bogus" "unknown option is named"
"$M" </dev/null >/dev/null 2>&1; is "$?" 2 "no command and no terminal: usage, exit 2"
out=$("$M" vers); like "$out" "mcpdb 0.1.0" "unique prefix dispatches"
out=$("$M" --json version); is "$(printf '%s' "$out" | python3 -c 'import json,sys; print(json.load(sys.stdin)["version"])')" "0.1.0" "--json prints one parsable document"

# -- configuration: precedence, selection, errors
mkdir -p "$W/xdg/mcpdb"
RS=${MCPDB_TEST_REDIS:-redis://127.0.0.1:1/0}
cat >"$W/xdg/mcpdb/config.json" <<JSON
{ "default_target": "dev",
  "targets": {
    "dev":  { "pg": "host=/nowhere dbname=devdb" },
    "prod": { "pg": "host=/nowhere dbname=proddb", "redis": "$RS", "protected": true },
    "ro":   { "pg": "host=/nowhere dbname=rodb", "redis": "$RS", "read_only": true } } }
JSON
chmod 600 "$W/xdg/mcpdb/config.json"
js() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }
out=$("$M" config show --json | js 'd["target"], d["pg"], d["pg_source"]')
is "$out" "dev host=/nowhere dbname=devdb file" "default file, default_target"
# config show: every row says where its value came from (issue 19, 17d)
out=$(MCPDB_TARGET=prod "$M" config show)
empty=$(printf '%s\n' "$out" | awk -F'|' 'NR > 2 && NF == 3 && $3 ~ /^ *$/')
from() { printf '%s\n' "$out" | awk -F'|' -v k="$1" '{ gsub(/^ +| +$/, "", $1); gsub(/^ +| +$/, "", $3) } $1 == k { print $3 }'; }
is "$empty" "" "config show: no row without its \"from\""
is "$(from "config file")" "default location" "config show: the file's origin is named"
is "$(from protected)" "file" "config show: protected from the file"
is "$(from read_only)" "default" "config show: read_only from the default"
is "$(from "pool size")" "default" "config show: pool size from the default"
out=$("$M" --config "$W/xdg/mcpdb/config.json" config show --json | js 'd["config_file_source"]')
is "$out" "--config" "config show --json: config_file_source"
out=$(MCPDB_TARGET=prod "$M" config show --json | js 'd["target"]')
is "$out" "prod" "MCPDB_TARGET beats default_target"
out=$(MCPDB_TARGET=prod "$M" --target ro config show --json | js 'd["target"]')
is "$out" "ro" "--target beats MCPDB_TARGET"
out=$(DATABASE_URL="postgresql://u@envhost/envdb" "$M" config show 2>&1); is "$?" 2 "DATABASE_URL never replaces the file target's pg (exit 2)"
like "$out" 'DATABASE_URL is set, but target dev (default_target of the config file) has its own "pg"' "... the refusal names both"
out=$(DATABASE_URL="postgresql://u@envhost/envdb" "$M" --pg "host=flaghost" config show --json | js 'd["pg"], d["pg_source"]')
is "$out" "host=flaghost flag" "--pg beats DATABASE_URL"
out=$("$M" --config "$W/nope.json" config show 2>&1); is "$?" 2 "missing named config exits 2"
like "$out" "nope.json" "missing config file is named"
out=$("$M" --target nosuch config show 2>&1); is "$?" 2 "unknown target exits 2"
like "$out" "dev" "unknown target error lists the known targets"
printf '{ "targets": { "a": { "pool": { "max": "ten" } } } }' >"$W/bad.json"
out=$("$M" --config "$W/bad.json" --target a config show 2>&1); is "$?" 2 "bad value exits 2"
like "$out" 'targets.a.pool.max: expected an integer 1..1000, got "ten"' "error names key path and expectation"
printf '{ "targets": {\n  "a": { "pg": "x" },\n}\n' >"$W/syntax.json"
out=$("$M" --config "$W/syntax.json" config show 2>&1); is "$?" 2 "JSON syntax error exits 2"
like "$out" "syntax.json:2:21: JSON syntax error" "syntax error gives line and column"
out=$("$M" --json --config "$W/bad.json" --target a config show 2>/dev/null | js 'd["error"]["code"]')
is "$out" "config" "--json errors are a JSON document too"
out=$("$M" targets); like "$out" "prod" "targets lists targets"
like "$out" "protected" "targets shows the protected flag"

# -- protected and read-only targets (a real key in the harness's Redis)
K="mcpdb-cli-$$"
if [ -n "${MCPDB_TEST_REDIS:-}" ] && "$M" help redis del >/dev/null 2>&1; then
	redis-cli -s "$MCPDB_TEST_REDIS" set "$K" v >/dev/null
	out=$("$M" --target prod --yes --log-level error redis del "$K" 2>&1); is "$?" 1 "protected + --yes: refused"
	like "$out" "--yes alone is not enough" "refusal explains the typed-name rule"
	out=$("$M" --target ro --log-level error redis set "$K" v2 2>&1); is "$?" 1 "read-only target refuses a write"
	like "$out" "target ro is read-only" "read-only refusal names the target"
	if command -v script >/dev/null 2>&1; then
		out=$(printf 'wrong\n' | script -qec "$M --target prod --log-level error redis del $K" /dev/null 2>&1)
		like "$out" "does not match target prod" "typing the wrong name refuses"
		is "$(redis-cli -s "$MCPDB_TEST_REDIS" exists "$K")" 1 "the key is still there"
		out=$(printf 'prod\n' | script -qec "$M --target prod --log-level error redis del $K" /dev/null 2>&1)
		like "$out" "deleted key" "typing the target's name goes ahead"
		is "$(redis-cli -s "$MCPDB_TEST_REDIS" exists "$K")" 0 "the key is gone"
	else
		for i in 1 2 3 4; do skip "script(1) not installed"; done
	fi
	redis-cli -s "$MCPDB_TEST_REDIS" set "$K" v >/dev/null
	out=$("$M" --target prod --confirm prod --log-level error redis del "$K" 2>&1); is "$?" 0 "--confirm NAME works for scripts"
else
	for i in 1 2 3 4 5 6 7 8 9; do skip "needs the harness's Redis (MCPDB_TEST_REDIS) and the redis commands"; done
fi

# -- secrets never reach output or logs (needs the harness's password-protected TCP URL)
if [ -n "${MCPDB_TEST_PGURL_TCP:-}" ]; then
	pw=$(printf '%s' "$MCPDB_TEST_PGURL_TCP" | sed 's|^postgresql://[^:]*:\([^@]*\)@.*|\1|')
	"$M" --pg "$MCPDB_TEST_PGURL_TCP" --redis "redis://default:redispw-$pw@127.0.0.1:1/0" \
		--log-level trace --log-file "$W/trace.log" config show >"$W/out.txt" 2>"$W/err.txt"
	"$M" --pg "$MCPDB_TEST_PGURL_TCP" --log-level trace --log-format json --log-file "$W/trace.log" \
		health >>"$W/out.txt" 2>>"$W/err.txt"
	"$M" --pg "$(printf '%s' "$MCPDB_TEST_PGURL_TCP" | sed "s|:$pw@|:wrong$pw@|")" --log-level trace \
		--log-file "$W/trace.log" health >>"$W/out.txt" 2>>"$W/err.txt"
	ok "$( [ -s "$W/trace.log" ]; echo $?)" "a trace log was written"
	grep -F "$pw" "$W/trace.log" "$W/out.txt" "$W/err.txt" >/dev/null
	is "$?" 1 "the password appears in no log line, output or error"
else
	skip "MCPDB_TEST_PGURL_TCP not set (run under tests/harness/with-servers.sh)"
	skip "MCPDB_TEST_PGURL_TCP not set"
fi
done_testing
