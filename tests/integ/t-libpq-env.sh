#!/bin/sh
# t-libpq-env.sh - libpq's conventions win over mcpdb's defaults (issue 16):
# application_name is only a fallback (PGAPPNAME and the conninfo's own
# application_name win), and connect_timeout follows
# conninfo > PGCONNECT_TIMEOUT > the config's pool.connect_timeout_s.
# The timeouts are measured against a loopback listener that accepts TCP
# connections but never answers, so libpq's own timeout is what ends them.
. "${MCPDB_SRCDIR:?}/tests/tap.sh"
M=${MCPDB_BIN:?}
URL=${MCPDB_TEST_PGURL:-}
[ -n "$URL" ] || skip_all "MCPDB_TEST_PGURL not set; run under tests/harness/with-servers.sh"
command -v psql >/dev/null 2>&1 || skip_all "psql not found"
command -v python3 >/dev/null 2>&1 || skip_all "python3 not found"

W=$(mktemp -d -t mcpdb-libpq.XXXXXX)
DB=mcpdb_t_libpq_$$
BH=
cleanup() {
	[ -n "$BH" ] && kill "$BH" 2>/dev/null
	psql "$URL" -XAtqc "DROP DATABASE IF EXISTS $DB WITH (FORCE)" >/dev/null 2>&1
	rm -rf "$W"
}
trap cleanup EXIT
unset MCPDB_CONFIG MCPDB_TARGET DATABASE_URL REDIS_URL PGAPPNAME PGCONNECT_TIMEOUT PGOPTIONS
export XDG_CONFIG_HOME="$W/xdg" HOME="$W"
psql "$URL" -XAtqc "CREATE DATABASE $DB" >/dev/null || { echo "Bail out! cannot create $DB"; exit 1; }
MIG=$W/mig; mkdir -p "$MIG"
echo "CREATE TABLE appn AS SELECT current_setting('application_name') AS a;" >"$MIG/0001_appn.up.sql"
echo "DROP TABLE appn;" >"$MIG/0001_appn.down.sql"

# appname ARGS...: apply the migration with ARGS before the command, print the
# application_name its session had, roll it back
appname() {
	env "$@" "$M" --log-level error -q migrate up --dir "$MIG" >/dev/null 2>"$W/err" || { cat "$W/err"; return; }
	psql "$URL dbname=$DB" -XAtqc "SELECT a FROM appn"
	env "$@" "$M" --log-level error -q --yes migrate down --dir "$MIG" >/dev/null 2>&1
}
is "$(appname DATABASE_URL="$URL dbname=$DB")" "mcpdb/migrate" \
	"nothing set: mcpdb names its session (mcpdb/migrate)"
is "$(appname DATABASE_URL="$URL dbname=$DB" PGAPPNAME=ops-runbook)" "ops-runbook" \
	"PGAPPNAME wins over mcpdb's name"
is "$(appname DATABASE_URL="$URL dbname=$DB application_name=from-conninfo" PGAPPNAME=ops-runbook)" "from-conninfo" \
	"an application_name in the conninfo wins over PGAPPNAME"

# -- connect_timeout: a listener that accepts and never answers
python3 -c '
import socket, sys, time
s = socket.socket()
s.bind(("127.0.0.1", 0)); s.listen(64)
print(s.getsockname()[1], flush=True)
time.sleep(120)' >"$W/port" &
BH=$!
i=0; while [ ! -s "$W/port" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
P=$(cat "$W/port")
mkdir -p "$W/xdg/mcpdb"
cat >"$W/xdg/mcpdb/config.json" <<JSON
{ "targets": { "bh": { "pg": "host=127.0.0.1 port=$P dbname=x user=x",
                       "pool": { "connect_timeout_s": 6 } } } }
JSON
chmod 600 "$W/xdg/mcpdb/config.json"
# elapsed ENV...: seconds (one decimal) until migrate status gives up
elapsed() {
	a=$(date +%s.%N)
	env "$@" "$M" --log-level error migrate status --dir "$MIG" >/dev/null 2>"$W/err"
	b=$(date +%s.%N)
	awk -v a="$a" -v b="$b" 'BEGIN { printf "%.1f", b - a }'
}
t=$(elapsed MCPDB_X=1); diag "config connect_timeout_s 6: gave up after $t s"
awk -v t="$t" 'BEGIN { exit !(t >= 5.5 && t < 9) }'; ok $? "the config's connect_timeout_s applies when nothing else is set ($t s)"
like "$(cat "$W/err")" "timeout expired" "... and the error says the timeout expired"
t=$(elapsed PGCONNECT_TIMEOUT=2); diag "PGCONNECT_TIMEOUT=2: gave up after $t s"
awk -v t="$t" 'BEGIN { exit !(t >= 1.5 && t < 4) }'; ok $? "PGCONNECT_TIMEOUT beats the config ($t s)"
a=$(date +%s.%N)
PGCONNECT_TIMEOUT=2 "$M" --log-level error --pg "host=127.0.0.1 port=$P dbname=x user=x connect_timeout=4" \
	migrate status --dir "$MIG" >/dev/null 2>&1
b=$(date +%s.%N)
t=$(awk -v a="$a" -v b="$b" 'BEGIN { printf "%.1f", b - a }'); diag "conninfo connect_timeout=4 with PGCONNECT_TIMEOUT=2: $t s"
awk -v t="$t" 'BEGIN { exit !(t >= 3.5 && t < 6) }'; ok $? "connect_timeout in the conninfo beats PGCONNECT_TIMEOUT ($t s)"
done_testing
