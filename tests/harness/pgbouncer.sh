#!/bin/sh
# pgbouncer.sh - a PgBouncer in transaction pooling mode in front of the
# private PostgreSQL server that src/mcpdb-servers.sh runs in DIR.
#
#   sh pgbouncer.sh up --dir DIR
#       writes DIR/pg/pgbouncer/pgbouncer.ini, starts pgbouncer on a free
#       loopback port (auth trust, pool_mode transaction, admin user
#       postgres) and prints KEY=VALUE lines for eval: PGB_PORT, PGB_URL
#       (database postgres through PgBouncer), PGB_ADMIN_URL (its console).
#   sh pgbouncer.sh stop --dir DIR
#
# As root, pgbouncer runs as user postgres (it refuses to run as root).
# Exit 0 on success, 1 with a message, 2 on usage errors; 77-style skips are
# the caller's business (check `command -v pgbouncer` first).

PROG=pgbouncer.sh

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
DIR=""
while [ $# -gt 0 ]; do
	case $1 in
	--dir) DIR=$2; shift 2 ;;
	*) echo "usage: $PROG up|stop --dir DIR" >&2; exit 2 ;;
	esac
done
[ -n "$DIR" ] || { echo "$PROG: --dir DIR is required" >&2; exit 2; }
BIN=${MCPDB_PGBOUNCER:-$(command -v pgbouncer || echo /usr/sbin/pgbouncer)}
[ -d "$DIR/pg" ] || die "no private PostgreSQL in $DIR (run mcpdb-servers.sh up)"
PGD=$(cd "$DIR/pg" && pwd -P) || die "cannot enter $DIR/pg"
PP=$(cat "$DIR/pg.port" 2>/dev/null) || die "no recorded PostgreSQL port in $DIR"
B=$PGD/pgbouncer

# Succeed when TCP port $1 is bound by anything on this machine (Linux /proc).
port_busy()
{
	hex=$(printf ':%04X ' "$1")
	cat /proc/net/tcp /proc/net/tcp6 2>/dev/null | grep -q "$hex"
}

case $verb in
up)
	[ -x "$BIN" ] || die "pgbouncer not found (Debian package pgbouncer)"
	mkdir -p "$B" || die "cannot create $B"
	[ "$(id -u)" = 0 ] && chown postgres: "$B"
	n=0
	while :; do
		port=$((20000 + $(od -An -N2 -tu2 /dev/urandom | tr -d ' ') % 20000))
		port_busy "$port" || break
		n=$((n + 1))
		[ $n -lt 50 ] || die "no free port found"
	done
	echo '"postgres" ""' >"$B/userlist.txt"
	cat >"$B/pgbouncer.ini" <<EOF
[databases]
postgres = host=$PGD port=$PP dbname=postgres
* = host=$PGD port=$PP

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $port
unix_socket_dir =
auth_type = trust
auth_file = $B/userlist.txt
admin_users = postgres
stats_users = postgres
pool_mode = transaction
default_pool_size = 10
max_client_conn = 200
ignore_startup_parameters = extra_float_digits
logfile = $B/pgbouncer.log
pidfile = $B/pgbouncer.pid
EOF
	[ "$(id -u)" = 0 ] && chown postgres: "$B"/*
	as_pg "$BIN" -d "$B/pgbouncer.ini" >/dev/null 2>&1 ||
		die "pgbouncer did not start; see $B/pgbouncer.log"
	n=0
	until psql -X -Atc 'SELECT 1' "host=127.0.0.1 port=$port user=postgres dbname=postgres" >/dev/null 2>&1; do
		n=$((n + 1))
		[ $n -lt 100 ] || die "pgbouncer on port $port does not answer; see $B/pgbouncer.log"
		sleep 0.1
	done
	echo "PGB_PORT=$port"
	echo "PGB_URL='host=127.0.0.1 port=$port user=postgres dbname=postgres'"
	echo "PGB_ADMIN_URL='host=127.0.0.1 port=$port user=postgres dbname=pgbouncer'"
	;;
stop)
	[ -f "$B/pgbouncer.pid" ] || exit 0
	p=$(cat "$B/pgbouncer.pid")
	# Only a pgbouncer started from our ini file.
	if [ -n "$p" ] && tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null | grep -q "$B/pgbouncer.ini"; then
		kill "$p" 2>/dev/null
		n=0
		while kill -0 "$p" 2>/dev/null && [ $n -lt 50 ]; do
			sleep 0.1; n=$((n + 1))
		done
	fi
	rm -f "$B/pgbouncer.pid"
	;;
*)
	echo "usage: $PROG up|stop --dir DIR" >&2
	exit 2 ;;
esac
exit 0
