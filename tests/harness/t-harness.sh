#!/bin/sh
# t-harness.sh - TAP test of the test harness itself (with-servers.sh and
# src/mcpdb-servers.sh): both servers start and answer over their sockets and
# TCP, the fault-injection verbs work, and nothing is left behind afterwards
# (no server process, no temporary directory) whether the command succeeds,
# fails, the servers cannot start, or the wrapper is killed with SIGTERM.
#
# It always starts its own servers, so it runs the same inside or outside an
# outer with-servers.sh.  The checks that need the servers run in a second copy
# of this script ("--inner", under with-servers.sh), which writes one
# "STATUS description" line per check to a file that the outer copy reports.

here=$(cd "$(dirname "$0")" && pwd -P)
ws=$here/with-servers.sh
servers=$here/../../src/mcpdb-servers.sh

# ------------------------------------------------------------------ inner part
if [ "${1:-}" = --inner ]; then
	out=$2
	psql="$MCPDB_TEST_PGBIN/psql -X -A -t -q"
	sv() { sh "$servers" "$@" --dir "$MCPDB_TEST_DIR"; }
	res() { echo "$1 $2" >>"$out"; }
	# check DESCRIPTION COMMAND...: record whether COMMAND succeeds.
	check() {
		d=$1
		shift
		if "$@"; then res 0 "$d"; else res 1 "$d"; fi
	}
	# Print the result of SQL $2 run over conninfo $1 (empty on failure).
	q() { $psql -d "$1" -c "$2" 2>/dev/null; }
	pg_up() { [ "$(q "$MCPDB_TEST_PGURL" 'select 1')" = 1 ]; }
	pg_down() { ! pg_up; }
	rping() { [ "$(redis-cli "$@" ping 2>/dev/null)" = PONG ]; }
	redis_up() { rping -s "$MCPDB_TEST_REDIS" && rping -u "$MCPDB_TEST_REDIS_URL"; }
	redis_down() { ! rping -s "$MCPDB_TEST_REDIS" && ! rping -u "$MCPDB_TEST_REDIS_URL"; }
	mode() { stat -c %a "$1" 2>/dev/null; }
	status_rc() { sh "$servers" status --dir "$MCPDB_TEST_DIR" >/dev/null; echo $?; }
	private_files() { [ "$(mode "$MCPDB_TEST_DIR/env")" = 600 ] && [ "$(mode "$MCPDB_TEST_DIR/pg.password")" = 600 ]; }
	killed() { pg_down && [ "$(status_rc)" = 3 ]; }
	recovered() { pg_up && [ "$(q "$MCPDB_TEST_PGURL_TCP" 'select 1')" = 1 ]; }

	all_set() {
		for v in MCPDB_TEST_DIR MCPDB_TEST_PGURL MCPDB_TEST_PGURL_TCP \
		    MCPDB_TEST_REDIS MCPDB_TEST_REDIS_URL PGHOST PGPORT PGUSER \
		    PGDATABASE MCPDB_TEST_PGBIN MCPDB_TEST_PG_PORT MCPDB_TEST_REDIS_PORT; do
			eval "val=\${$v:-}"
			[ -n "$val" ] || { echo "# $v is not set"; return 1; }
		done
	}
	check "all twelve MCPDB_TEST_*/PG* variables are exported" all_set
	check "DIR/env and DIR/pg.password exist with mode 600" private_files
	check "psql reaches PostgreSQL over the unix socket (MCPDB_TEST_PGURL)" \
	    test "$(q "$MCPDB_TEST_PGURL" 'select current_user, inet_server_addr() is null')" = "postgres|t"
	check "plain psql works with PGHOST/PGPORT/PGUSER/PGDATABASE" \
	    test "$($psql -c 'select current_database()' 2>/dev/null)" = postgres
	check "psql reaches PostgreSQL over TCP with the password (MCPDB_TEST_PGURL_TCP)" \
	    test "$(q "$MCPDB_TEST_PGURL_TCP" 'select inet_server_addr()')" = 127.0.0.1
	check "TCP with a wrong password is refused (scram-sha-256 is enforced)" \
	    test -z "$(q "postgresql://postgres:wrong@127.0.0.1:$MCPDB_TEST_PG_PORT/postgres" 'select 1')"
	check "redis-cli reaches Redis over the unix socket" rping -s "$MCPDB_TEST_REDIS"
	check "redis-cli reaches Redis over TCP (MCPDB_TEST_REDIS_URL)" rping -u "$MCPDB_TEST_REDIS_URL"
	check "status exits 0 while both run" test "$(status_rc)" = 0

	sv pg-stop
	check "pg-stop: psql fails" pg_down
	sv pg-start
	check "pg-start: psql works again on the same socket and port" pg_up
	sv pg-kill
	check "pg-kill: psql fails and status exits 3" killed
	sv pg-start
	check "pg-start after pg-kill: PostgreSQL recovers (socket and TCP)" recovered
	sv pg-freeze
	check "pg-freeze: a connection attempt times out" \
	    test -z "$(q "$MCPDB_TEST_PGURL connect_timeout=2" 'select 1')"
	sv pg-thaw
	check "pg-thaw: psql works again" pg_up

	sv redis-kill
	check "redis-kill: redis-cli fails on socket and TCP" redis_down
	sv redis-start
	check "redis-start: redis-cli works again on the same socket and port" redis_up
	sv redis-stop
	check "redis-stop: redis-cli fails" redis_down
	sv redis-start
	check "redis-start after redis-stop: redis-cli works" redis_up

	# For the outer check that the directory was made under TMPDIR.
	echo "$MCPDB_TEST_DIR" >"$out.dir"
	exit 0
fi

# ------------------------------------------------------------------ outer part
INNER_N=19

n=0
# ok STATUS DESCRIPTION: print one TAP line (STATUS 0 = pass).
ok()
{
	n=$((n + 1))
	if [ "$1" = 0 ]; then
		echo "ok $n - $2"
	else
		echo "not ok $n - $2"
	fi
}

have_pg=0
for d in "${MCPDB_PGBIN:-}" /usr/lib/postgresql/*/bin; do
	[ -n "$d" ] && [ -x "$d/initdb" ] && have_pg=1
done
command -v initdb >/dev/null 2>&1 && have_pg=1
if [ $have_pg = 0 ]; then
	echo "1..0 # SKIP no PostgreSQL server binaries (apt-get install postgresql-15)"
	exit 0
fi
if ! command -v redis-server >/dev/null 2>&1 || ! command -v redis-cli >/dev/null 2>&1; then
	echo "1..0 # SKIP no redis-server/redis-cli (apt-get install redis-server redis-tools)"
	exit 0
fi

echo "1..$((INNER_N + 14))"

T=$(mktemp -d "${TMPDIR:-/tmp}/t-harness.XXXXXX") || { echo "Bail out! mktemp failed"; exit 1; }
# As root PostgreSQL runs as user postgres, which must reach the directories.
chmod 755 "$T"
mkdir -m 755 "$T/tmp"
trap 'rm -rf "$T"' EXIT
# Every with-servers.sh below makes its directory inside $T/tmp.
TMPDIR=$T/tmp
export TMPDIR

# Succeed when no process works in (or was started with a path under) $T/tmp.
none_left()
{
	left=$(find /proc -mindepth 2 -maxdepth 2 -name cwd -lname "$T/tmp/*" 2>/dev/null)
	# "tm[p]": grep's own command line must not match its pattern.
	left="$left$(grep -l -a -e "$T/tm[p]/" /proc/[0-9]*/cmdline 2>/dev/null)"
	[ -z "$left" ] && return 0
	echo "# left behind: $left"
	return 1
}

# Succeed when pid $1 is known and its process has exited (or is a zombie).
gone()
{
	[ -n "$1" ] || return 1
	st=$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1)
	[ -z "$st" ] || [ "$st" = Z ]
}

# Succeed when $T/tmp is empty (the temporary directory was removed).
dir_gone()
{
	[ -z "$(ls -A "$T/tmp")" ] && return 0
	echo "# left in $T/tmp: $(ls -A "$T/tmp")"
	return 1
}

# pass_if DESCRIPTION COMMAND...: one TAP line for COMMAND's success.
pass_if()
{
	d=$1
	shift
	if "$@"; then ok 0 "$d"; else ok 1 "$d"; fi
}

# 1. Success: run the inner checks under with-servers.sh.
"$ws" sh "$0" --inner "$T/inner" >"$T/inner.log" 2>&1
rc=$?
i=0
if [ -f "$T/inner" ]; then
	while read -r st desc; do
		i=$((i + 1))
		ok "$st" "$desc"
	done <"$T/inner"
fi
while [ $i -lt $INNER_N ]; do
	i=$((i + 1))
	ok 1 "inner check $i did not run"
done
if [ $rc != 0 ] || grep -q '^1 ' "$T/inner" 2>/dev/null; then
	sed 's/^/# /' "$T/inner.log"
fi
pass_if "with-servers.sh exits 0 when the command succeeds (got $rc)" test $rc = 0
pass_if "after success: its temporary directory is gone" dir_gone
pass_if "after success: no server process is left" none_left
pass_if "the servers used a directory under TMPDIR" \
    sh -c 'case $(cat "$1" 2>/dev/null) in "$2"/mcpdb-test.*) exit 0;; esac; exit 1' sh "$T/inner.dir" "$T/tmp"

# 2. The command fails: its status comes through, everything is removed.
"$ws" sh -c 'psql_ok=$("$MCPDB_TEST_PGBIN/psql" -X -A -t -c "select 1"); [ "$psql_ok" = 1 ] || exit 9; exit 7' \
    >"$T/fail.log" 2>&1
rc=$?
pass_if "with-servers.sh passes on the command's failure status 7 (got $rc)" test $rc = 7
pass_if "after failure: its temporary directory is gone" dir_gone
pass_if "after failure: no server process is left" none_left

# 3. The servers cannot start (Redis fails after PostgreSQL is up).
MCPDB_REDIS_SERVER=false "$ws" true >"$T/start.log" 2>&1
rc=$?
pass_if "with-servers.sh exits 99 when the servers cannot start (got $rc)" test $rc = 99
pass_if "after a failed start: the already started PostgreSQL is stopped" none_left
pass_if "after a failed start: its temporary directory is gone" dir_gone

# 4. The wrapper is killed with SIGTERM while the command runs.
"$ws" sh -c 'echo $$ >"$1.tmp" && mv "$1.tmp" "$1" && exec sleep 60' sh "$T/cmdpid" \
    >"$T/term.log" 2>&1 &
wpid=$!
i=0
while [ ! -s "$T/cmdpid" ] && [ $i -lt 300 ]; do
	sleep 0.1
	i=$((i + 1))
done
kill -s TERM "$wpid"
wait "$wpid"
rc=$?
cpid=$(cat "$T/cmdpid" 2>/dev/null)
pass_if "SIGTERM: with-servers.sh exits 143 (got $rc)" test $rc = 143
pass_if "SIGTERM: the command is stopped too" gone "$cpid"
pass_if "SIGTERM: its temporary directory is gone" dir_gone
pass_if "SIGTERM: no server process is left" none_left
