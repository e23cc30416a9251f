#!/bin/sh
# t-doctor.sh - `mcpdb doctor` reports config, server, extensions, vector
# mode, roles and migrations; exit 3 while migrations are pending, and it says
# which vector mode is active once the schemas exist.
. "${MCPDB_SRCDIR:?}/tests/tap.sh"
M=${MCPDB_BIN:?}
[ -n "${MCPDB_TEST_PGURL:-}" ] || skip_all "MCPDB_TEST_PGURL not set (run under tests/harness/with-servers.sh)"
PSQL="${MCPDB_TEST_PGBIN:+$MCPDB_TEST_PGBIN/}psql"
DB="mcpdb_doctor_$$"
W=$(mktemp -d -t mcpdb-doctor.XXXXXX)
trap '"$PSQL" -X -q -d "$MCPDB_TEST_PGURL" -c "DROP DATABASE IF EXISTS $DB" >/dev/null 2>&1; rm -rf "$W"' EXIT
"$PSQL" -X -q -d "$MCPDB_TEST_PGURL" -c "CREATE DATABASE $DB" >/dev/null || { echo "Bail out! createdb"; exit 1; }
URL="$MCPDB_TEST_PGURL dbname=$DB"
unset MCPDB_CONFIG MCPDB_TARGET DATABASE_URL REDIS_URL
export XDG_CONFIG_HOME="$W"
cd "$MCPDB_SRCDIR" || exit 1	# ./migrations is found from here

out=$("$M" --pg "$URL" --redis "$MCPDB_TEST_REDIS" --log-level error doctor); rc=$?
is "$rc" 3 "pending migrations: exit 3"
printf '%s\n' "$out" | grep -Eq '^migrations +\| WARN'; ok "$?" "migrations row warns"
like "$out" "pending" "says migrations are pending"
like "$out" "no embedding columns yet" "vector mode before the schemas exist"
printf '%s\n' "$out" | grep -Eq '^redis +\| ok'; ok "$?" "Redis checked"
if "$M" help migrate up >/dev/null 2>&1; then
	"$M" --pg "$URL" --log-level error -q migrate up >/dev/null 2>"$W/up.err"
	ok "$?" "migrate up applies the service schemas"
else
	for f in migrations/*.up.sql; do "$PSQL" -X -q -v ON_ERROR_STOP=1 -1 -d "$URL" -f "$f" >/dev/null 2>&1; done
	skip "migrate up not built: applied with psql"
fi
json=$("$M" --pg "$URL" --log-level error --json doctor)
mode=$(printf '%s' "$json" | python3 -c 'import json,sys; d=json.load(sys.stdin); print([c["detail"] for c in d["checks"] if c["check"]=="vector mode"][0])')
if "$PSQL" -X -At -d "$URL" -c "select 1 from pg_available_extensions where name='vector'" | grep -q 1; then
	like "$mode" "pgvector" "vector mode: pgvector when it is available"
else
	like "$mode" "array fallback (real[])" "vector mode: the real[] fallback without pgvector"
fi
like "$mode" "pgvector" "vector mode says whether pgvector is available"
printf '%s' "$json" | python3 -c 'import json,sys; d=json.load(sys.stdin); sys.exit(0 if {c["check"] for c in d["checks"]} >= {"config","postgresql","extensions","vector mode","roles","migrations","redis"} else 1)'
ok "$?" "--json: one document with every check"
out=$("$M" --pg "host=/nonexistent-dir port=1" --log-level error doctor 2>&1); is "$?" 3 "unreachable PostgreSQL: exit 3"
printf '%s\n' "$out" | grep -Eq '^postgresql +\| FAIL +\| cannot connect'; ok "$?" "unreachable PostgreSQL is a FAIL line"

# -- sessions: what the server enforces (a read_only target's sessions are
# read-only at the server, and doctor shows it)
like "$("$M" --pg "$URL" --log-level error doctor)" "read-write (default_transaction_read_only=off)" \
	"doctor shows that a writable target's sessions are read-write"
mkdir -p "$W/mcpdb"
cat >"$W/mcpdb/config.json" <<JSON
{ "targets": { "viewer": { "pg": "$URL", "read_only": true } } }
JSON
chmod 600 "$W/mcpdb/config.json"
out=$("$M" -t viewer --log-level error doctor 2>&1)
printf '%s\n' "$out" | grep -Eq '^sessions +\| ok +\| read-only at the server \(default_transaction_read_only=on\)'
ok "$?" "doctor shows that a read_only target's sessions are read-only at the server"
unlike "$out" "FAIL" "and every check of the read-only doctor still works"

done_testing
