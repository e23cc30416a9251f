#!/bin/sh
# t-standby.sh - mcpdb pointed at a streaming standby (issue 16): `doctor`
# says the server is a standby and where writes must go instead of "all
# checks passed", and a write (`migrate up`) refused by the standby says so
# in words instead of PostgreSQL's bare "read-only transaction" error, with
# nothing applied; a host list of a dead socket and the standby fails in one
# line naming each. Own private primary (mcpdb-servers.sh) + a pg_basebackup
# standby (tests/harness/pg-standby.sh) on a unix socket in the temp dir.
. "${MCPDB_SRCDIR:?}/tests/tap.sh"
M=${MCPDB_BIN:?}
SRV=$MCPDB_SRCDIR/src/mcpdb-servers.sh
PGBIN=${MCPDB_TEST_PGBIN:-/usr/lib/postgresql/15/bin}
[ -x "$PGBIN/pg_basebackup" ] || skip_all "pg_basebackup not found in $PGBIN"
command -v psql >/dev/null 2>&1 || skip_all "psql not found"

base=${TMPDIR:-/tmp}
[ ${#base} -le 60 ] || base=/tmp
SD=$(mktemp -d "$base/mcpdb-stby.XXXXXX") || exit 1
chmod 755 "$SD"
W=$(mktemp -d "$base/mcpdb-stby-w.XXXXXX") || exit 1
STBY="$MCPDB_SRCDIR/tests/harness/pg-standby.sh"
cleanup() {
	sh "$STBY" stop --dir "$SD" >/dev/null 2>&1
	sh "$SRV" down --purge --dir "$SD" >/dev/null 2>&1 || rm -rf "$SD"
	rm -rf "$W"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP
unset MCPDB_CONFIG MCPDB_TARGET DATABASE_URL REDIS_URL PGAPPNAME
export XDG_CONFIG_HOME="$W/xdg" HOME="$W"

out=$(sh "$SRV" up --dir "$SD") || { echo "Bail out! cannot start private servers"; exit 1; }
eval "$out"
out=$(sh "$STBY" up --dir "$SD" --name t_standby)
ok $? "a streaming standby started"
eval "$out"
SB=$STANDBY_URL
is "$(psql -X "$SB" -Atc 'SELECT pg_is_in_recovery()')" t "... and it is in recovery"

out=$("$M" --pg "$SB" doctor 2>&1)
like "$out" "server role" "doctor has a server role check"
like "$out" "standby (in recovery)" "... that says the server is a standby"
like "$out" "must go to the primary" "... and where writes must go"
unlike "$out" "all checks passed" "... so not \"all checks passed\""
out=$("$M" --json --pg "$MCPDB_TEST_PGURL" doctor 2>/dev/null)
like "$out" "primary (accepts writes)" "on the primary the same check says primary"

mkdir -p "$W/mig"
echo "CREATE TABLE stby_t (id int);" >"$W/mig/0001_t.up.sql"
echo "DROP TABLE stby_t;" >"$W/mig/0001_t.down.sql"
out=$("$M" --log-level error --pg "$SB" migrate up --dir "$W/mig" 2>&1); rc=$?
[ "$rc" -ne 0 ]; ok $? "migrate up on the standby fails (exit $rc)"
like "$out" "the server is a standby (read-only): writes must go to the primary" "... saying the server is a standby"
is "$(psql -X "$SB" -Atc "SELECT count(*) FROM pg_tables WHERE tablename = 'stby_t'")" 0 "... and nothing was applied"

# A multi-host conninfo (issue 12): the standby first, then the primary; with
# target_session_attrs=read-write libpq skips the standby.
PGD=$STANDBY_SOCKDIR
SFIRST="host=$PGD,$PGD port=$STANDBY_PORT,$PRIMARY_PORT user=postgres dbname=postgres target_session_attrs=read-write"
out=$("$M" --log-level error --pg "$SFIRST" health 2>&1); rc=$?
is "$rc" 0 "health through a host list (standby first) with read-write: healthy (exit $rc)"
# Every host down or unsuitable: one line naming each host and its error.
DEAD="host=$PGD/nx,$PGD port=1,$STANDBY_PORT user=postgres dbname=postgres target_session_attrs=read-write connect_timeout=3"
t0=$(date +%s)
out=$("$M" --log-level error --pg "$DEAD" health 2>&1); rc=$?
t1=$(date +%s)
is "$rc" 3 "health with every host down or a standby: exit 3"
like "$out" "all 2 hosts failed: socket $PGD/nx/.s.PGSQL.1: No such file or directory; socket $PGD/.s.PGSQL.$STANDBY_PORT: session is read-only" \
	"... one line naming each host and its error"
unlike "$out" "Is the server running" "... without libpq's multi-line hints"
ok $([ $((t1 - t0)) -le 4 ]; echo $?) "... within connect_timeout ($((t1 - t0)) s)"
done_testing
