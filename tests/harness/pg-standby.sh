#!/bin/sh
# pg-standby.sh - a streaming standby of the private PostgreSQL server that
# src/mcpdb-servers.sh runs in DIR, for replication and failover tests.
#
#   sh pg-standby.sh up --dir DIR [--name NAME]
#       pg_basebackup -R from the primary into DIR/pg/standby and start it
#       on the primary's port + 1, on the same unix socket directory (no
#       TCP); prints KEY=VALUE lines for eval:
#       STANDBY_DATA, STANDBY_PORT, STANDBY_SOCKDIR, STANDBY_URL (a libpq
#       conninfo), PRIMARY_PORT and PAIR_URL (both hosts, read-write).
#   sh pg-standby.sh promote --dir DIR    pg_ctl promote, waits until it is
#                                         out of recovery
#   sh pg-standby.sh stop --dir DIR       immediate stop of the standby
#   sh pg-standby.sh kill-primary --dir DIR
#                                         immediate stop of the primary (as a
#                                         crash: no checkpoint, no goodbye)
#
# The primary must be up (mcpdb-servers.sh up --dir DIR). `up` adds a
# "local replication all trust" line to the primary's pg_hba.conf. As root,
# the PostgreSQL tools run as user postgres, like mcpdb-servers.sh does.
# Environment: MCPDB_TEST_PGBIN or MCPDB_PGBIN (default
# /usr/lib/postgresql/15/bin). Exit 0 on success, 1 with a message on
# stderr otherwise, 2 on usage errors.

PROG=pg-standby

die()
{
	echo "$PROG: $*" >&2
	exit 1
}

as_pg()
{
	if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

verb=$1
[ $# -ge 1 ] && shift
DIR="" NAME=standby
while [ $# -gt 0 ]; do
	case $1 in
	--dir) DIR=$2; shift 2 ;;
	--name) NAME=$2; shift 2 ;;
	*) echo "usage: $PROG.sh up|promote|stop|kill-primary --dir DIR [--name NAME]" >&2
	   exit 2 ;;
	esac
done
[ -n "$DIR" ] || { echo "$PROG: --dir DIR is required" >&2; exit 2; }
PGBIN=${MCPDB_TEST_PGBIN:-${MCPDB_PGBIN:-/usr/lib/postgresql/15/bin}}
[ -x "$PGBIN/pg_ctl" ] || die "pg_ctl not found in $PGBIN"
[ -d "$DIR/pg" ] || die "no private PostgreSQL in $DIR (run mcpdb-servers.sh up)"
PGD=$(cd "$DIR/pg" && pwd -P) || die "cannot enter $DIR/pg"
SBD=$PGD/standby
PP=$(cat "$DIR/pg.port" 2>/dev/null) || die "no recorded PostgreSQL port in $DIR"
SP=$((PP + 1))

# Wait up to 30 s for `SELECT pg_is_in_recovery()` on port $1 to print $2.
wait_recovery()
{
	n=0
	while [ $n -lt 300 ]; do
		r=$(psql -X -Atc 'SELECT pg_is_in_recovery()' \
		    "host=$PGD port=$1 user=postgres dbname=postgres" 2>/dev/null)
		[ "$r" = "$2" ] && return 0
		sleep 0.1
		n=$((n + 1))
	done
	return 1
}

case $verb in
up)
	[ -x "$PGBIN/pg_basebackup" ] || die "pg_basebackup not found in $PGBIN"
	if [ ! -f "$SBD/PG_VERSION" ]; then
		grep -q '^local replication all trust' "$PGD/data/pg_hba.conf" ||
			echo "local replication all trust" >>"$PGD/data/pg_hba.conf"
		psql -X -q -c 'SELECT pg_reload_conf()' \
		    "host=$PGD port=$PP user=postgres dbname=postgres" >/dev/null ||
			die "cannot reach the primary on port $PP"
		rm -rf "$SBD"
		as_pg "$PGBIN/pg_basebackup" -D "$SBD" -R -h "$PGD" -p "$PP" \
		    -U postgres >"$PGD/standby-basebackup.log" 2>&1 ||
			die "pg_basebackup failed; see $PGD/standby-basebackup.log"
	fi
	as_pg "$PGBIN/pg_ctl" -D "$SBD" -l "$PGD/standby.log" -w -t 30 \
	    -o "-p $SP -k $PGD -c listen_addresses='' -c cluster_name=$NAME" \
	    start >/dev/null 2>&1 || die "the standby did not start; see $PGD/standby.log"
	wait_recovery "$SP" t || die "the standby on port $SP is not in recovery"
	echo "STANDBY_DATA=$SBD"
	echo "STANDBY_PORT=$SP"
	echo "STANDBY_SOCKDIR=$PGD"
	echo "PRIMARY_PORT=$PP"
	echo "STANDBY_URL='host=$PGD port=$SP user=postgres dbname=postgres'"
	echo "PAIR_URL='host=$PGD,$PGD port=$PP,$SP user=postgres dbname=postgres target_session_attrs=read-write'"
	;;
promote)
	as_pg "$PGBIN/pg_ctl" -D "$SBD" -w -t 30 promote >/dev/null 2>&1 ||
		die "pg_ctl promote failed"
	wait_recovery "$SP" f || die "the standby on port $SP is still in recovery"
	;;
stop)
	[ -f "$SBD/postmaster.pid" ] || exit 0
	as_pg "$PGBIN/pg_ctl" -D "$SBD" -m immediate -w stop >/dev/null 2>&1 ||
		die "cannot stop the standby"
	;;
kill-primary)
	[ -f "$PGD/data/postmaster.pid" ] || exit 0
	as_pg "$PGBIN/pg_ctl" -D "$PGD/data" -m immediate -w stop >/dev/null 2>&1 ||
		die "cannot stop the primary"
	;;
*)
	echo "usage: $PROG.sh up|promote|stop|kill-primary --dir DIR [--name NAME]" >&2
	exit 2 ;;
esac
exit 0
