#!/bin/sh
# t-statements.sh - `mcpdb statements top` on the harness server (which
# preloads pg_stat_statements): without the extension in the database it
# says how to install it (exit 1, --json "why"); with it, a heavy and a
# light query run by the test are ranked by total time and by calls as
# they should be; --interval shows only what ran during the interval, with
# its calls counted over it; a bad --sort is a usage error.
. "${MCPDB_SRCDIR:?}/tests/tap.sh"
M=${MCPDB_BIN:?}
[ -n "${MCPDB_TEST_PGURL:-}" ] || skip_all "MCPDB_TEST_PGURL not set (run under tests/harness/with-servers.sh)"
command -v python3 >/dev/null 2>&1 || skip_all "python3 not installed (needed to read the JSON)"
PSQL=psql
[ -n "${MCPDB_TEST_PGBIN:-}" ] && [ -x "$MCPDB_TEST_PGBIN/psql" ] && PSQL=$MCPDB_TEST_PGBIN/psql
"$PSQL" -X -qAt -d "$MCPDB_TEST_PGURL" -c "SHOW shared_preload_libraries" | grep -q pg_stat_statements ||
	skip_all "the harness server does not preload pg_stat_statements (not installed here)"
DB=mcpdb_t_stmt_$$
D=$(mktemp -d -t mcpdb-stmt.XXXXXX)
cleanup() {
	"$PSQL" -X -q -d "$MCPDB_TEST_PGURL" -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" >/dev/null 2>&1
	rm -rf "$D"
}
trap cleanup EXIT
"$PSQL" -X -q -d "$MCPDB_TEST_PGURL" -c "CREATE DATABASE $DB" >/dev/null || bail_out "cannot create $DB"
URL="$MCPDB_TEST_PGURL dbname=$DB"
q() { "$PSQL" -X -qAt -d "$URL" -c "$1"; }
unset MCPDB_CONFIG MCPDB_TARGET
export XDG_CONFIG_HOME="$D/xdg"
m() { "$M" --pg "$URL" --log-level error "$@"; }
# ours TAG: the statement of our database whose text holds TAG, as "calls total_ms"
ours() { python3 -c "
import json; d = json.load(open('$D/out.json'))
r = [s for s in d['statements'] if s['database'] == '$DB' and '$1' in s['query']]
print('%d %.3f %d' % (r[0]['calls'], r[0]['total_ms'], d['statements'].index(r[0])) if r else 'none')"; }

out=$(m statements top 2>&1); rc=$?
is "$rc" 1 "no extension in the database: exit 1"
like "$out" "pg_stat_statements is loaded but not installed in database $DB: run CREATE EXTENSION" \
	"it says how to install it"
m --json statements top >"$D/out.json" 2>/dev/null
is "$(python3 -c "import json; d=json.load(open('$D/out.json')); print(d['available'], 'CREATE EXTENSION' in d['why'])")" \
	"False True" "--json: available false, and why"

q "CREATE EXTENSION pg_stat_statements" >/dev/null || bail_out "cannot create the extension"
i=0; while [ $i -lt 20 ]; do echo "SELECT count(*) FROM generate_series(1, 200000) g /* mcpdb-top-heavy */;"; i=$((i + 1)); done |
	"$PSQL" -X -q -d "$URL" >/dev/null
i=0; while [ $i -lt 300 ]; do echo "SELECT 1 /* mcpdb-top-light */;"; i=$((i + 1)); done |
	"$PSQL" -X -q -d "$URL" >/dev/null
m --json statements top --limit 5000 >"$D/out.json" 2>"$D/err"; rc=$?
is "$rc" 0 "with the extension: exit 0"
set -- $(ours mcpdb-top-heavy); hc=$1; ht=$2; hp=$3
set -- $(ours mcpdb-top-light); lc=$1; lt=$2; lp=$3
is "$hc" 20 "the heavy query: 20 calls"
is "$lc" 300 "the light one: 300 calls"
ok "$(python3 -c "print(0 if $ht > $lt and $hp < $lp else 1)")" "by total time the heavy one ranks first ($ht ms vs $lt ms)"
m --json statements top --sort calls --limit 5000 >"$D/out.json" 2>/dev/null
set -- $(ours mcpdb-top-heavy); hp=$3
set -- $(ours mcpdb-top-light); lp=$3
ok "$([ "$lp" -lt "$hp" ] && echo 0 || echo 1)" "by calls the light one ranks first"
out=$(m statements top --limit 5000 2>&1)
like "$out" "Top statements by total since" "text: a title with the sort and since when"
like "$out" "mcpdb-top-heavy" "and the statements"

# --interval: deltas; only what ran during it.
( sleep 0.5; i=0; while [ $i -lt 40 ]; do echo "SELECT 2, 3, 4 /* mcpdb-top-delta */;"; i=$((i + 1)); done |
	"$PSQL" -X -q -d "$URL" >/dev/null ) &
m --json statements top --interval 2 --limit 5000 >"$D/out.json" 2>/dev/null
wait
is "$(ours mcpdb-top-delta | cut -d' ' -f1)" 40 "--interval: a statement run 40 times during it: 40 calls"
is "$(ours mcpdb-top-heavy)" none "--interval: one that did not run is not listed"
ok "$(python3 -c "import json; d=json.load(open('$D/out.json')); print(0 if 1.5 < d['interval_s'] < 4 else 1)")" \
	"--interval: the interval is given"

out=$(m statements top --sort speed 2>&1); rc=$?
is "$rc" 2 "--sort speed: usage error"
like "$out" "--sort: expected total, mean, calls, rows or read" "naming the keys"
done_testing
