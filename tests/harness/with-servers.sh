#!/usr/bin/env bash
# with-servers.sh CMD [ARGS...] - run CMD next to a private PostgreSQL 15 + Redis 7.
#
# Makes a mktemp directory, starts both servers in it with src/mcpdb-servers.sh,
# exports the MCPDB_TEST_* / PG* variables it prints, runs CMD, and always tears
# everything down and removes the directory: when CMD succeeds or fails, when the
# servers fail to start, and when this script gets SIGINT, SIGTERM or SIGHUP
# (CMD then gets SIGTERM, and SIGKILL after 10 s).  Exits with CMD's status;
# 99 (automake's "hard error") when the servers could not be started.
#
# Works as root (PostgreSQL then runs as user postgres) and as a normal user.
# bash, not sh: only bash lets a background CMD have SIGINT back (see run_cmd).
set -u

me=with-servers
here=$(cd "$(dirname "$0")" && pwd -P)
servers=${MCPDB_SERVERS_SH:-$here/../../src/mcpdb-servers.sh}

if [ $# -eq 0 ]; then
	echo "usage: $me.sh CMD [ARGS...]" >&2
	exit 2
fi
if [ ! -f "$servers" ]; then
	echo "$me: $servers not found" >&2
	exit 99
fi

dir=""
child=""

# Stop CMD if it still runs: SIGTERM, then SIGKILL after 10 s.
stop_child()
{
	local c=$child i=0 st
	child=""
	[ -n "$c" ] || return 0
	kill -s TERM "$c" 2>/dev/null || return 0
	# It is our child, so it stays a zombie (state Z) until we wait for it.
	while [ $i -lt 100 ]; do
		st=$(sed 's/.*) //' "/proc/$c/stat" 2>/dev/null | cut -d' ' -f1)
		[ -z "$st" ] || [ "$st" = Z ] && break
		sleep 0.1
		i=$((i + 1))
	done
	[ $i -lt 100 ] || kill -s KILL "$c" 2>/dev/null
	wait "$c" 2>/dev/null
	return 0
}

# EXIT trap: stop CMD, stop both servers, remove the directory.
cleanup()
{
	local rc=$?
	trap '' INT TERM HUP
	stop_child
	if [ -n "$dir" ] && [ -d "$dir" ]; then
		sh "$servers" down --purge --dir "$dir" >/dev/null ||
			echo "$me: could not stop the servers in $dir cleanly" >&2
		# down --purge removed it; this only catches a half-made directory.
		rm -rf "$dir" 2>/dev/null
		[ -d "$dir" ] && echo "$me: could not remove $dir" >&2
	fi
	exit "$rc"
}

# Signal trap: leave with 128+N, which runs cleanup through the EXIT trap.
on_signal()
{
	trap '' INT TERM HUP
	exit $((128 + $1))
}

trap cleanup EXIT
trap 'on_signal 1' HUP
trap 'on_signal 2' INT
trap 'on_signal 15' TERM

# Unix socket paths are short (108 bytes): keep the directory near the root.
base=${TMPDIR:-/tmp}
[ ${#base} -le 60 ] || base=/tmp
dir=$(mktemp -d "$base/mcpdb-test.XXXXXX") || exit 99
# As root PostgreSQL runs as user postgres, which must reach the directory.
chmod 755 "$dir"

if ! sh "$servers" up --dir "$dir" >/dev/null; then
	echo "$me: could not start PostgreSQL and Redis (see the message above)" >&2
	# The directory goes away on exit: show the logs' ends while they exist.
	for f in "$dir/pg/initdb.log" "$dir/pg/postgres.log" "$dir/redis.log"; do
		[ -s "$f" ] || continue
		# initdb's log only matters when initdb failed.
		case $f in */initdb.log) [ -f "$dir/pg/data/PG_VERSION" ] && continue ;; esac
		echo "$me: --- last lines of ${f#"$dir"/}:" >&2
		tail -n 20 "$f" >&2
	done
	exit 99
fi

# Settings of an outer environment must not steer clients away from our servers.
unset PGHOSTADDR PGSERVICE PGSERVICEFILE PGPASSWORD PGOPTIONS PGSSLMODE \
	PGREQUIRESSL PGTARGETSESSIONATTRS
set -a
. "$dir/env"
set +a

# Service roles are cluster-wide and every service's down drops its roles
# when no other database uses them. Tests share this server and run in
# parallel: one test's down must not drop the roles another test's database
# (or dump, about to be restored) is relying on. A keeper database holds a
# privilege of every service role for the whole run, so on this server downs
# keep the roles (and say why). Tests asserting that the last down drops them
# start their own server (tests/integ/schemas-lib.sh, SL_PRIVATE_SERVER=1).
keep_roles()
{
	local psql=psql sql="" f svc
	[ -n "${MCPDB_TEST_PGBIN:-}" ] && [ -x "$MCPDB_TEST_PGBIN/psql" ] && psql=$MCPDB_TEST_PGBIN/psql
	for f in "$here"/../../migrations/[0-9][0-9][0-9][0-9]_*.up.sql; do
		svc=${f##*/[0-9][0-9][0-9][0-9]_}
		svc=${svc%.up.sql}
		[ "$svc" = platform ] && continue
		for r in "${svc}_rw" "${svc}_ro"; do
			sql="$sql CREATE ROLE \"$r\" NOLOGIN; GRANT CONNECT ON DATABASE mcpdb_harness_roles TO \"$r\";"
		done
	done
	"$psql" -X -q -v ON_ERROR_STOP=1 -d "$MCPDB_TEST_PGURL" \
		-c "CREATE DATABASE mcpdb_harness_roles" -c "$sql" >/dev/null
}
if ! keep_roles; then
	echo "$me: could not create the service roles' keeper database" >&2
	exit 99
fi

# Run CMD in the background so that a signal reaches our traps at once (a
# foreground child would delay them until it exits). A background child of a
# non-interactive shell gets SIGINT/SIGQUIT ignored and stdin from /dev/null;
# the subshell restores both, so interactive commands (psql, the TUI) work.
exec 3<&0
(
	trap - INT QUIT
	exec "$@"
) <&3 3<&- &
child=$!
exec 3<&-
wait "$child"
rc=$?
child=""
exit "$rc"
