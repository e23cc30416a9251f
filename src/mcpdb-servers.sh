#!/bin/sh
# mcpdb-servers.sh - a private PostgreSQL + Redis pair living in one directory.
#
# Used by the test harness (tests/harness/with-servers.sh) and by
# `mcpdb demo up|down|status`, which run it as `sh mcpdb-servers.sh VERB --dir DIR`.
# It is installed into $(pkgdatadir), so it must not use the source tree.
#
# Layout of DIR (everything the servers own lives here, nothing elsewhere):
#   DIR/.mcpdb-servers   marker: `down --purge` only removes directories holding it
#   DIR/pg/              PostgreSQL home: data/, the unix socket, postgres.log
#                        (owned by the postgres user when run as root; when the
#                        postgres user cannot reach DIR, DIR/pg is a symlink to a
#                        mktemp directory it can reach)
#   DIR/pg.port DIR/redis.port   ports in use, so restarts keep the same addresses
#   DIR/pg.password      generated password of role postgres (mode 0600)
#   DIR/redis/ DIR/redis.sock DIR/redis.pid DIR/redis.log
#   DIR/redis.password   with `up --auth` (mcpdb demo up): generated password of
#                        the Redis ACL user "mcpdb" (mode 0600); the default user
#                        is off, so a client without it gets NOAUTH
#   DIR/redis.conf       the ACL lines Redis starts with (mode 0600)
#   DIR/env              KEY=VALUE lines (mode 0600), the same ones `up` prints
#   DIR/redis-cluster/   with `up --redis-cluster` (mcpdb demo up --redis-cluster):
#                        a 6-node Redis Cluster on loopback (3 masters, 3
#                        replicas) instead of the single Redis, made and stopped
#                        by redis-cluster.sh (the test harness's script, installed
#                        next to this one); with --auth its nodes want the
#                        generated password (user default) from every client
#
# DIR is made 0700 (0711 as root, for the postgres user), the sockets 0700.
# PostgreSQL trusts its private socket and wants role postgres's password on
# TCP; Redis, with --auth, wants user mcpdb's password on the socket and TCP.
#
# Processes are only ever signalled by the pids recorded under DIR (postmaster.pid,
# redis.pid), and only after checking that the process's working directory is ours,
# so a recycled pid is never touched.
#
# Verbs: up, down [--purge], status, env, pg-stop, pg-start, pg-kill, pg-freeze,
# pg-thaw, redis-stop, redis-start, redis-kill, redis-freeze, redis-thaw.
# Environment: MCPDB_PGBIN (directory holding initdb/pg_ctl), MCPDB_REDIS_SERVER,
# MCPDB_REDIS_CLI, MCPDB_SERVERS_TIMEOUT (seconds, default 30).

PROG=mcpdb-servers

usage()
{
	cat <<EOF
usage: $PROG.sh VERB --dir DIR [options]
  up [--pg-port N] [--redis-port N] [--auth] [--redis-cluster]
                                      start both (initialising DIR on first use);
                                      prints KEY=VALUE lines, also saved in DIR/env;
                                      --auth: Redis needs a generated password
                                      (kept for DIR from then on);
                                      --redis-cluster: a 6-node Redis Cluster
                                      instead of the single Redis (without it,
                                      a cluster of DIR is stopped)
  down [--purge]                      stop both; --purge also removes DIR
  status                              exit 0 when both run, 3 otherwise
  env                                 print the KEY=VALUE lines of DIR/env
  pg-stop pg-start pg-kill pg-freeze pg-thaw          fault injection (PostgreSQL)
  redis-stop redis-start redis-kill redis-freeze redis-thaw   (Redis)
EOF
}

die()
{
	echo "$PROG: $*" >&2
	exit 1
}

warn()
{
	echo "$PROG: $*" >&2
}

# ------------------------------------------------------------------ helpers

# Print a random integer in [lo, lo+span).
rand_in()
{
	n=$(od -An -N2 -tu2 /dev/urandom | tr -d ' ')
	echo $(($1 + n % $2))
}

# Succeed when TCP port $1 is bound by anything on this machine (Linux /proc).
port_busy()
{
	hex=$(printf ':%04X ' "$1")
	cat /proc/net/tcp /proc/net/tcp6 2>/dev/null | grep -q "$hex"
}

# Print a TCP port that nothing listens on, below the ephemeral range.
free_port()
{
	i=0
	while [ $i -lt 200 ]; do
		p=$(rand_in 20000 12000)
		if ! port_busy "$p"; then
			echo "$p"
			return 0
		fi
		i=$((i + 1))
	done
	die "could not find a free TCP port between 20000 and 31999"
}

# Print the working directory of process $1 (empty when gone or not ours).
pid_cwd()
{
	readlink "/proc/$1/cwd" 2>/dev/null
}

# Succeed when process $1 exists and works in directory $2 (guards pid reuse).
pid_is()
{
	[ -n "$1" ] && [ "$(pid_cwd "$1")" = "$2" ]
}

# Print the pids of the children of process $1.
pid_children()
{
	cat /proc/[0-9]*/stat 2>/dev/null | awk -v pp="$1" '{
		pid = $1; s = $0; sub(/.*\) /, "", s); split(s, f, " ");
		if (f[2] == pp) print pid }'
}

# Succeed when process $1 is stopped (SIGSTOP).
pid_stopped()
{
	s=$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1)
	[ "$s" = T ] || [ "$s" = t ]
}

# Wait up to $2 tenths of a second for process $1 to leave directory $3.
pid_wait_gone()
{
	i=0
	while pid_is "$1" "$3"; do
		[ $i -ge "$2" ] && return 1
		sleep 0.1
		i=$((i + 1))
	done
	return 0
}

# Emit KEY=VALUE, single-quoting the value when the shell would need it.
kv()
{
	case $2 in
	*[!A-Za-z0-9_./:@%+,=-]*) printf "%s='%s'\n" "$1" "$2" ;;
	*) printf '%s=%s\n' "$1" "$2" ;;
	esac
}

# Run a command as the PostgreSQL owner (the postgres user when we are root).
as_pg()
{
	if [ "$IS_ROOT" = 1 ]; then
		(cd / && runuser -u postgres -- "$@")
	else
		"$@"
	fi
}

# ------------------------------------------------------------------ set-up

# Parse the command line into VERB, DIR and options.
parse_args()
{
	VERB=${1:-}
	[ $# -gt 0 ] && shift
	DIR="" OPT_PG_PORT="" OPT_REDIS_PORT="" OPT_PURGE=0 OPT_AUTH=0 OPT_CLUSTER=0
	while [ $# -gt 0 ]; do
		case $1 in
		--dir) [ $# -ge 2 ] || die "--dir needs a directory"; DIR=$2; shift ;;
		--dir=*) DIR=${1#--dir=} ;;
		--pg-port) [ $# -ge 2 ] || die "--pg-port needs a number"; OPT_PG_PORT=$2; shift ;;
		--pg-port=*) OPT_PG_PORT=${1#--pg-port=} ;;
		--redis-port) [ $# -ge 2 ] || die "--redis-port needs a number"; OPT_REDIS_PORT=$2; shift ;;
		--redis-port=*) OPT_REDIS_PORT=${1#--redis-port=} ;;
		--purge) OPT_PURGE=1 ;;
		--auth) OPT_AUTH=1 ;;
		--redis-cluster) OPT_CLUSTER=1 ;;
		-h|--help) usage; exit 0 ;;
		*) usage >&2; die "unknown argument '$1'" ;;
		esac
		shift
	done
	case $VERB in
	""|-h|--help|help) usage; exit 0 ;;
	esac
	[ -n "$DIR" ] || { usage >&2; die "$VERB: --dir DIR is required"; }
	for p in "$OPT_PG_PORT" "$OPT_REDIS_PORT"; do
		case $p in
		"") ;;
		*[!0-9]*) die "port '$p' is not a number" ;;
		*) [ "$p" -ge 1 ] && [ "$p" -le 65535 ] || die "port $p is out of range 1-65535" ;;
		esac
	done
	case $DIR in
	*[[:space:]\'\"\\\$\`]*) die "directory '$DIR' contains spaces, quotes, \$ or backslashes; choose a plainer path" ;;
	esac
}

# Resolve DIR to an absolute path and set every derived path (DIR must exist).
set_paths()
{
	DIR=$(cd "$DIR" && pwd -P) || die "cannot enter directory $DIR"
	MARKER=$DIR/.mcpdb-servers
	PGH=$DIR/pg
	[ -L "$PGH" ] && PGH=$(readlink "$PGH")
	PGDATA_DIR=$PGH/data
	PGLOG=$PGH/postgres.log
	REDIS_DIR=$DIR/redis
	REDIS_SOCK=$DIR/redis.sock
	REDIS_PID=$DIR/redis.pid
	REDIS_LOG=$DIR/redis.log
	PW_FILE=$DIR/pg.password
	REDIS_PW_FILE=$DIR/redis.password
	REDIS_CONF=$DIR/redis.conf
	REDIS_USER=mcpdb
	RCL_DIR=$DIR/redis-cluster
	ENV_FILE=$DIR/env
	# A unix socket path must fit in sun_path (108 bytes with the NUL).
	[ ${#PGH} -le 88 ] || die "directory $DIR is too long for a unix socket path (keep it under ~80 characters)"
	redis_auth_load
}

# Find the PostgreSQL server binaries and the Redis programs.
find_programs()
{
	if [ -n "${MCPDB_PGBIN:-}" ]; then
		PGBIN=$MCPDB_PGBIN
	elif [ -x /usr/lib/postgresql/15/bin/initdb ]; then
		PGBIN=/usr/lib/postgresql/15/bin
	else
		PGBIN=""
		for d in /usr/lib/postgresql/*/bin; do
			[ -x "$d/initdb" ] && PGBIN=$d
		done
		if [ -z "$PGBIN" ] && command -v initdb >/dev/null 2>&1; then
			PGBIN=$(dirname "$(command -v initdb)")
		fi
	fi
	REDIS_SERVER=${MCPDB_REDIS_SERVER:-redis-server}
	REDIS_CLI=${MCPDB_REDIS_CLI:-redis-cli}
}

# Fail unless the PostgreSQL server binaries are present.
need_pg()
{
	[ -n "$PGBIN" ] && [ -x "$PGBIN/initdb" ] && [ -x "$PGBIN/pg_ctl" ] ||
		die "PostgreSQL server binaries not found${PGBIN:+ in $PGBIN} (install postgresql-15, or set MCPDB_PGBIN)"
	if [ "$IS_ROOT" = 1 ]; then
		command -v runuser >/dev/null 2>&1 || die "running as root needs runuser (util-linux) to start PostgreSQL as user postgres"
		id postgres >/dev/null 2>&1 || die "PostgreSQL refuses to run as root and there is no 'postgres' user (install postgresql-15, or run as a normal user)"
	fi
}

# Fail unless redis-server and redis-cli are present.
need_redis()
{
	command -v "$REDIS_SERVER" >/dev/null 2>&1 || die "$REDIS_SERVER not found (install redis-server, or set MCPDB_REDIS_SERVER)"
	command -v "$REDIS_CLI" >/dev/null 2>&1 || die "$REDIS_CLI not found (install redis-tools, or set MCPDB_REDIS_CLI)"
}

# Serialise verbs on one DIR (two `up`s at once would both initdb); the
# servers are started with fd 9 closed so that they do not keep the lock.
lock_dir()
{
	if command -v flock >/dev/null 2>&1; then
		exec 9>"$DIR/.lock"
		flock -w 120 9 || die "another $PROG run holds $DIR/.lock"
	fi
}

# ------------------------------------------------------------------ PostgreSQL

# Print the postmaster pid when it runs from our data directory.
pg_pid()
{
	[ -f "$PGDATA_DIR/postmaster.pid" ] || return 1
	p=$(head -n 1 "$PGDATA_DIR/postmaster.pid" 2>/dev/null)
	pid_is "$p" "$PGDATA_DIR" || return 1
	echo "$p"
}

# Print the port PostgreSQL uses (recorded at start).
pg_port()
{
	cat "$DIR/pg.port" 2>/dev/null
}

# Create the PostgreSQL home and cluster unless it exists.
pg_init()
{
	if [ -L "$DIR/pg" ] && [ ! -e "$DIR/pg" ]; then
		# Its target was removed (a cleaned /tmp): start over.
		rm -f "$DIR/pg"
		set_paths
	fi
	if [ ! -e "$DIR/pg" ]; then
		if [ "$IS_ROOT" = 1 ] && ! runuser -u postgres -- test -x "$DIR" 2>/dev/null; then
			# The postgres user cannot reach DIR (say, in root's home): keep the
			# cluster in a directory it can reach and point DIR/pg at it.
			h=$(mktemp -d "${TMPDIR:-/tmp}/mcpdb-pg.XXXXXX") || die "cannot create a PostgreSQL directory under ${TMPDIR:-/tmp}"
			chmod 755 "$h"
			mkdir "$h/pg"
			ln -s "$h/pg" "$DIR/pg"
			PGH=$h/pg
		else
			mkdir "$DIR/pg" || die "cannot create $DIR/pg"
		fi
		chmod 700 "$PGH"
		[ "$IS_ROOT" = 1 ] && chown postgres: "$PGH"
		set_paths
	fi
	[ -f "$PGDATA_DIR/PG_VERSION" ] && return 0
	rm -rf "$PGDATA_DIR"
	if ! as_pg "$PGBIN/initdb" -D "$PGDATA_DIR" -A trust --nosync -U postgres \
	    -E UTF8 --locale=C >"$PGH/initdb.log" 2>&1; then
		rm -rf "$PGDATA_DIR"
		die "initdb failed; see $PGH/initdb.log"
	fi
	# Quoting: DIR holds no quotes (parse_args), so plain '...' is safe.
	cat >>"$PGDATA_DIR/postgresql.conf" <<EOF

# mcpdb-servers: a throwaway server for tests and demos
listen_addresses = '127.0.0.1'
unix_socket_directories = '$PGH'
unix_socket_permissions = 0700
fsync = off
full_page_writes = off
synchronous_commit = off
shared_buffers = 32MB
max_connections = 100
password_encryption = 'scram-sha-256'
EOF
	# Top queries (mcpdb statements top, the Dashboard's t view) need it
	# preloaded; it ships with PostgreSQL (contrib) but may be missing.
	if [ -f "${PGBIN%/bin}/lib/pg_stat_statements.so" ]; then
		echo "shared_preload_libraries = 'pg_stat_statements'" >>"$PGDATA_DIR/postgresql.conf"
	fi
	cat >"$PGDATA_DIR/pg_hba.conf" <<EOF
# mcpdb-servers: trust on the private socket, passwords over TCP loopback
local all all trust
host  all all 127.0.0.1/32 scram-sha-256
EOF
}

# Start the postmaster on port $1; returns 2 when the port was taken.
pg_start_on()
{
	off=$({ wc -c <"$PGLOG"; } 2>/dev/null || echo 0)
	if as_pg "$PGBIN/pg_ctl" -D "$PGDATA_DIR" -l "$PGLOG" -w -t "$TIMEOUT" \
	    -o "-p $1" start >/dev/null 2>&1 9>&-; then
		echo "$1" >"$DIR/pg.port"
		return 0
	fi
	if tail -c +$((off + 1)) "$PGLOG" 2>/dev/null | grep -q 'Address already in use'; then
		return 2
	fi
	return 1
}

# Start PostgreSQL (port: --pg-port, else the recorded one, else a free one).
pg_start()
{
	want=$1 retry=$2
	if [ -n "$(pg_pid)" ]; then
		p=$(pg_port)
		[ -z "$want" ] || [ "$want" = "$p" ] || die "PostgreSQL in $DIR already runs on port $p, not $want"
		return 0
	fi
	pg_wait_orphans
	n=0
	while :; do
		port=$want
		[ -n "$port" ] || port=$(free_port) || exit 1
		pg_start_on "$port"
		rc=$?
		[ $rc = 0 ] && break
		if [ $rc = 2 ] && [ "$retry" = 1 ] && [ $n -lt 5 ]; then
			n=$((n + 1))
			want=""
			continue
		fi
		[ $rc = 2 ] && die "PostgreSQL could not listen on 127.0.0.1:$port (port in use; choose another --pg-port or leave it out); see $PGLOG"
		tail -n 5 "$PGLOG" 2>/dev/null | sed "s/^/$PROG: log: /" >&2
		die "PostgreSQL did not start within $TIMEOUT s; see $PGLOG"
	done
	pg_ready || die "PostgreSQL started but does not answer on $PGH port $port; see $PGLOG"
}

# Wait (bounded) until PostgreSQL accepts connections on the socket.
pg_ready()
{
	i=0
	while [ $i -lt $((TIMEOUT * 10)) ]; do
		"$PGBIN/pg_isready" -q -h "$PGH" -p "$(pg_port)" -U postgres -d postgres -t 2 >/dev/null 2>&1 && return 0
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

# Give role postgres the password in DIR/pg.password (generated once).
pg_set_password()
{
	if [ ! -s "$PW_FILE" ]; then
		(umask 077 && od -An -N18 -tx1 /dev/urandom | tr -d ' \n' >"$PW_FILE.tmp" &&
			mv "$PW_FILE.tmp" "$PW_FILE") || die "cannot write $PW_FILE"
	fi
	pw=$(cat "$PW_FILE")
	# Through stdin, so the password never shows up in a process listing.
	printf "ALTER ROLE postgres PASSWORD '%s';\n" "$pw" |
		"$PGBIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$PGH" -p "$(pg_port)" \
		-U postgres -d postgres -f - >/dev/null 2>&1 ||
		die "could not set the password of role postgres; see $PGLOG"
}

# Send signal $1 to the postmaster's children, then to the postmaster $2.
pg_signal_all()
{
	for c in $(pid_children "$2"); do
		pid_is "$c" "$PGDATA_DIR" && kill -s "$1" "$c" 2>/dev/null
	done
	kill -s "$1" "$2" 2>/dev/null
}

# Resume a frozen PostgreSQL (harmless when it is not frozen).
pg_thaw()
{
	p=$(pg_pid) || return 0
	kill -s CONT "$p" 2>/dev/null
	for c in $(pid_children "$p"); do
		pid_is "$c" "$PGDATA_DIR" && kill -s CONT "$c" 2>/dev/null
	done
	return 0
}

# Stop the postmaster (fast shutdown; SIGKILL if it does not go).
pg_stop()
{
	p=$(pg_pid) || { pg_wait_orphans; return 0; }
	pg_thaw
	if ! as_pg "$PGBIN/pg_ctl" -D "$PGDATA_DIR" -m fast -w -t "$TIMEOUT" stop >/dev/null 2>&1; then
		warn "PostgreSQL did not stop within $TIMEOUT s; killing it"
		pg_kill
	fi
	pg_wait_orphans
}

# SIGKILL the postmaster and its children (a crash), and wait until they are gone.
pg_kill()
{
	p=$(pg_pid) || return 0
	kids=$(pid_children "$p")
	kill -s KILL "$p" 2>/dev/null
	for c in $kids; do
		pid_is "$c" "$PGDATA_DIR" && kill -s KILL "$c" 2>/dev/null
		kill -s CONT "$c" 2>/dev/null
	done
	pid_wait_gone "$p" 50 "$PGDATA_DIR"
	for c in $kids; do
		pid_wait_gone "$c" 50 "$PGDATA_DIR"
	done
	return 0
}

# Succeed when the pid on the first line of lock file $1 is gone or a zombie.
lock_stale()
{
	p=$(head -n 1 "$1" 2>/dev/null)
	[ -n "$p" ] || return 1
	[ ! -d "/proc/$p" ] && return 0
	[ "$(sed 's/.*) //' "/proc/$p/stat" 2>/dev/null | cut -d' ' -f1)" = Z ]
}

# Wait for server processes left behind by a dead postmaster (they hold shared
# memory), and drop lock files whose process is dead: a killed postmaster can
# stay a zombie for a while, and PostgreSQL would take it for a live one.
pg_wait_orphans()
{
	for c in $(find /proc -mindepth 2 -maxdepth 2 -name cwd \
	    -lname "$PGDATA_DIR" 2>/dev/null | cut -d/ -f3); do
		kill -s CONT "$c" 2>/dev/null
		pid_wait_gone "$c" 50 "$PGDATA_DIR" ||
		    { kill -s KILL "$c" 2>/dev/null; pid_wait_gone "$c" 20 "$PGDATA_DIR"; }
	done
	for f in "$PGDATA_DIR/postmaster.pid" "$PGH"/.s.PGSQL.*.lock; do
		[ -f "$f" ] && lock_stale "$f" && rm -f "$f"
	done
	return 0
}

# SIGSTOP the postmaster and every child (connections then hang, as on a stuck host).
pg_freeze()
{
	p=$(pg_pid) || die "PostgreSQL in $DIR is not running"
	kill -s STOP "$p"
	for c in $(pid_children "$p"); do
		pid_is "$c" "$PGDATA_DIR" && kill -s STOP "$c" 2>/dev/null
	done
	return 0
}

# ------------------------------------------------------------------ Redis

# Print the redis-server pid when it runs from our Redis directory.
redis_pid()
{
	p=$(cat "$REDIS_PID" 2>/dev/null)
	pid_is "$p" "$REDIS_DIR" || return 1
	echo "$p"
}

# Print the port Redis uses (recorded at start).
redis_port()
{
	cat "$DIR/redis.port" 2>/dev/null
}

# With DIR/redis.password: our redis-cli runs authenticate as user mcpdb, the
# password passed in the environment (REDISCLI_AUTH), never on a command line.
redis_auth_load()
{
	REDIS_CLI_USER=""
	REDIS_CONF_ARG=""
	[ -s "$REDIS_PW_FILE" ] || return 0
	REDISCLI_AUTH=$(cat "$REDIS_PW_FILE") || die "cannot read $REDIS_PW_FILE"
	export REDISCLI_AUTH
	REDIS_CLI_USER="--user $REDIS_USER"
	REDIS_CONF_ARG=$REDIS_CONF
}

# up --auth: generate the Redis password once (a Redis running without one
# is stopped first, and starts again with it).
redis_auth_setup()
{
	[ -s "$REDIS_PW_FILE" ] && return 0
	[ -n "$(redis_pid)" ] && redis_stop
	(umask 077 && od -An -N24 -tx1 /dev/urandom | tr -d ' \n' >"$REDIS_PW_FILE.tmp" &&
		mv "$REDIS_PW_FILE.tmp" "$REDIS_PW_FILE") || die "cannot write $REDIS_PW_FILE"
	redis_auth_load
}

# Write DIR/redis.conf: the default user off, user mcpdb with the password.
redis_write_conf()
{
	[ -n "$REDIS_CONF_ARG" ] || return 0
	(
		umask 077
		{
			echo "# mcpdb-servers: written at each start from redis.password"
			echo "user default off"
			echo "user $REDIS_USER on >$REDISCLI_AUTH ~* &* +@all"
		} >"$REDIS_CONF.tmp" && mv "$REDIS_CONF.tmp" "$REDIS_CONF"
	) || die "cannot write $REDIS_CONF"
}

# Succeed when Redis answers PING on its socket.
redis_ping()
{
	[ "$(timeout 5 "$REDIS_CLI" $REDIS_CLI_USER -s "$REDIS_SOCK" ping 2>/dev/null)" = PONG ]
}

# Start redis-server on port $1; returns 2 when the port was taken.
redis_start_on()
{
	mkdir -p "$REDIS_DIR"
	rm -f "$REDIS_PID"
	redis_write_conf
	off=$({ wc -c <"$REDIS_LOG"; } 2>/dev/null || echo 0)
	# The config file (when any) must come first on redis-server's command line.
	"$REDIS_SERVER" $REDIS_CONF_ARG --port "$1" --bind 127.0.0.1 --unixsocket "$REDIS_SOCK" \
	    --unixsocketperm 700 --save '' --appendonly no --daemonize yes \
	    --pidfile "$REDIS_PID" --dir "$REDIS_DIR" --logfile "$REDIS_LOG" \
	    >/dev/null 2>&1 9>&- || return 3
	i=0
	while [ $i -lt $((TIMEOUT * 10)) ]; do
		if [ -n "$(redis_pid)" ] && redis_ping; then
			echo "$1" >"$DIR/redis.port"
			return 0
		fi
		if tail -c +$((off + 1)) "$REDIS_LOG" 2>/dev/null | grep -q 'Address already in use'; then
			return 2
		fi
		if tail -c +$((off + 1)) "$REDIS_LOG" 2>/dev/null | grep -q -E 'aborting|Fatal|FATAL'; then
			return 3
		fi
		sleep 0.1
		i=$((i + 1))
	done
	redis_stop
	return 1
}

# Start Redis (port: --redis-port, else the recorded one, else a free one).
redis_start()
{
	want=$1 retry=$2
	if [ -n "$(redis_pid)" ]; then
		p=$(redis_port)
		[ -z "$want" ] || [ "$want" = "$p" ] || die "Redis in $DIR already runs on port $p, not $want"
		return 0
	fi
	n=0
	while :; do
		port=$want
		[ -n "$port" ] || port=$(free_port) || exit 1
		redis_start_on "$port"
		rc=$?
		[ $rc = 0 ] && return 0
		if [ $rc = 2 ] && [ "$retry" = 1 ] && [ $n -lt 5 ]; then
			n=$((n + 1))
			want=""
			continue
		fi
		[ $rc = 2 ] && die "Redis could not listen on 127.0.0.1:$port (port in use; choose another --redis-port or leave it out); see $REDIS_LOG"
		tail -n 5 "$REDIS_LOG" 2>/dev/null | sed "s/^/$PROG: log: /" >&2
		[ $rc = 3 ] && die "$REDIS_SERVER failed to start; see $REDIS_LOG"
		die "Redis did not start within $TIMEOUT s; see $REDIS_LOG"
	done
}

# Stop redis-server (SHUTDOWN NOSAVE; SIGKILL if it does not go).
redis_stop()
{
	p=$(redis_pid) || { rm -f "$REDIS_PID"; return 0; }
	kill -s CONT "$p" 2>/dev/null
	timeout 5 "$REDIS_CLI" $REDIS_CLI_USER -s "$REDIS_SOCK" shutdown nosave >/dev/null 2>&1
	if ! pid_wait_gone "$p" 100 "$REDIS_DIR"; then
		warn "Redis did not stop within 10 s; killing it"
		kill -s KILL "$p" 2>/dev/null
		pid_wait_gone "$p" 50 "$REDIS_DIR"
	fi
	rm -f "$REDIS_PID"
}

# SIGKILL redis-server (a crash).
redis_kill()
{
	p=$(redis_pid) || return 0
	kill -s KILL "$p" 2>/dev/null
	pid_wait_gone "$p" 50 "$REDIS_DIR"
	rm -f "$REDIS_PID"
}

# ------------------------------------------------------------------ Redis Cluster

# Where redis-cluster.sh lives: $MCPDB_REDIS_CLUSTER_SH, next to this script
# (installed), or the source tree's tests/harness (run from a checkout).
cluster_script()
{
	here=$(cd "$(dirname "$0")" && pwd -P)
	for f in "${MCPDB_REDIS_CLUSTER_SH:-}" "$here/redis-cluster.sh" \
	    "$here/../tests/harness/redis-cluster.sh"; do
		[ -n "$f" ] && [ -r "$f" ] && { echo "$f"; return 0; }
	done
	die "redis-cluster.sh not found next to $0 (set MCPDB_REDIS_CLUSTER_SH)"
}

# Succeed when DIR has a cluster whose nodes all say cluster_state:ok.
cluster_ok()
{
	[ -f "$RCL_DIR/env" ] || return 1
	TIMEOUT=2 REDIS_SERVER=$REDIS_SERVER REDIS_CLI=$REDIS_CLI \
		sh "$(cluster_script)" wait-ok "$RCL_DIR" >/dev/null 2>&1
}

# Start the cluster (reused when it already runs; made anew otherwise). Its
# nodes must not inherit the lock (fd 9), or DIR would stay locked.
cluster_start()
{
	cluster_ok && return 0
	cluster_stop
	TIMEOUT=$TIMEOUT REDIS_SERVER=$REDIS_SERVER REDIS_CLI=$REDIS_CLI \
		sh "$(cluster_script)" up "$RCL_DIR" >/dev/null 2>"$DIR/redis-cluster.log" 9>&- ||
		die "the Redis Cluster did not start: $(tail -n 1 "$DIR/redis-cluster.log")"
}

# Stop the cluster's nodes and remove its directory (nothing when there is none).
cluster_stop()
{
	[ -f "$RCL_DIR/ports" ] || { rm -rf "$RCL_DIR"; return 0; }
	sh "$(cluster_script)" down "$RCL_DIR" >/dev/null 2>&1
	rm -rf "$RCL_DIR"
}

# status line of the cluster; returns 3 unless every node answers and it is ok.
cluster_status()
{
	up=0 n=0
	for p in $(cat "$RCL_DIR/ports" 2>/dev/null); do
		n=$((n + 1))
		[ "$(timeout 5 "$REDIS_CLI" -p "$p" ping 2>/dev/null)" = PONG ] && up=$((up + 1))
	done
	ports=$(tr '\n' ' ' <"$RCL_DIR/ports" 2>/dev/null | sed 's/ $//')
	if [ "$n" -gt 0 ] && [ $up = "$n" ] && cluster_ok; then
		echo "redis: running (cluster of $n nodes, state ok, ports $ports)"
		return 0
	fi
	echo "redis: not ok (cluster: $up of $n nodes answer, ports $ports); see $RCL_DIR/node*/redis.log"
	return 3
}

# ------------------------------------------------------------------ env + verbs

# Write the KEY=VALUE lines that describe the running pair to DIR/env and stdout.
write_env()
{
	pw=$(cat "$PW_FILE")
	pp=$(pg_port) rp=$(redis_port)
	# With --auth, the Redis URL carries user mcpdb's password, and it is what
	# a target should use (MCPDB_TEST_REDIS_TARGET); the socket path
	# (MCPDB_TEST_REDIS) stays a plain path for redis-cli -s.
	rauth="" rtarget=$REDIS_SOCK rurl=""
	if [ -n "$REDIS_CONF_ARG" ]; then
		rauth="$REDIS_USER:$REDISCLI_AUTH@"
		rtarget="redis://${rauth}127.0.0.1:$rp/0"
	fi
	rurl="redis://${rauth}127.0.0.1:$rp/0"
	rsock=$REDIS_SOCK
	if [ -f "$RCL_DIR/env" ]; then
		# The cluster: its nodes want the password as user default.
		nodes=$(sed 's/^/127.0.0.1:/' "$RCL_DIR/ports" | tr '\n' ',' | sed 's/,$//')
		rauth=""
		[ -n "$REDIS_CONF_ARG" ] && rauth="default:$REDISCLI_AUTH@"
		rtarget="redis+cluster://$rauth$nodes"
		rurl=$rtarget rsock=""
		rp=$(head -n 1 "$RCL_DIR/ports")
	fi
	(
		umask 077
		{
			kv MCPDB_TEST_DIR "$DIR"
			kv MCPDB_TEST_PGURL "host=$PGH port=$pp user=postgres dbname=postgres"
			kv MCPDB_TEST_PGURL_TCP "postgresql://postgres:$pw@127.0.0.1:$pp/postgres"
			kv MCPDB_TEST_REDIS "$rsock"
			kv MCPDB_TEST_REDIS_URL "$rurl"
			kv MCPDB_TEST_REDIS_TARGET "$rtarget"
			kv PGHOST "$PGH"
			kv PGPORT "$pp"
			kv PGUSER postgres
			kv PGDATABASE postgres
			kv MCPDB_TEST_PGBIN "$PGBIN"
			kv MCPDB_TEST_PG_PORT "$pp"
			kv MCPDB_TEST_REDIS_PORT "$rp"
		} >"$ENV_FILE.tmp" && mv "$ENV_FILE.tmp" "$ENV_FILE"
	) || die "cannot write $ENV_FILE"
	cat "$ENV_FILE"
}

# Print the port to ask for: $1 (given), else $2 (used before) when still free.
pick_port()
{
	if [ -n "$1" ]; then
		echo "$1"
	elif [ -n "$2" ] && ! port_busy "$2"; then
		echo "$2"
	fi
}

# up: initialise DIR if needed, start both servers, print the environment.
verb_up()
{
	need_pg
	need_redis
	mkdir -p "$DIR" || die "cannot create directory $DIR"
	set_paths
	lock_dir
	[ -e "$MARKER" ] || : >"$MARKER"
	# Nobody else may read DIR (passwords, sockets); the postgres user must be
	# able to reach DIR to use DIR/pg (pg_init falls back when a parent is closed).
	if [ "$IS_ROOT" = 1 ]; then
		chmod 711 "$DIR"
	else
		chmod 700 "$DIR"
	fi || die "cannot restrict the permissions of $DIR"
	pg_init
	[ "$OPT_AUTH" = 1 ] && redis_auth_setup
	# Nothing half-applied: a failure stops whatever this run started.
	trap 'up_rollback' EXIT
	pg_was_up=0 redis_was_up=0
	[ -n "$(pg_pid)" ] && pg_was_up=1
	[ -n "$(redis_pid)" ] && redis_was_up=1
	# A port given on the command line is kept; otherwise clashes pick another.
	pg_start "$(pick_port "$OPT_PG_PORT" "$(pg_port)")" "$([ -z "$OPT_PG_PORT" ] && echo 1)"
	pg_set_password
	if [ "$OPT_CLUSTER" = 1 ]; then
		# The cluster instead of the single Redis (which stops if it ran).
		[ "$redis_was_up" = 1 ] && redis_stop
		redis_was_up=1
		cluster_start
	else
		cluster_stop
		redis_start "$(pick_port "$OPT_REDIS_PORT" "$(redis_port)")" "$([ -z "$OPT_REDIS_PORT" ] && echo 1)"
	fi
	write_env
	trap - EXIT
}

# On a failed `up`, stop the servers that this run started.
up_rollback()
{
	[ "$pg_was_up" = 0 ] && pg_stop
	[ "$redis_was_up" = 0 ] && redis_stop
}

# down: stop both; with --purge remove DIR (only when it is ours).
verb_down()
{
	[ -d "$DIR" ] || return 0
	set_paths
	if [ ! -e "$MARKER" ]; then
		[ "$OPT_PURGE" = 1 ] && die "not removing $DIR: it has no .mcpdb-servers marker (not made by $PROG up)"
		warn "$DIR was not set up by $PROG up; nothing to stop"
		return 0
	fi
	lock_dir
	pg_stop
	redis_stop
	cluster_stop
	[ "$OPT_PURGE" = 1 ] || return 0
	if [ -L "$DIR/pg" ]; then
		rm -rf "$(dirname "$PGH")"
	fi
	rm -rf "$DIR" || die "could not remove $DIR"
}

# status: one line per server; exit 0 when both are up, 3 otherwise.
verb_status()
{
	if [ ! -d "$DIR" ] || [ ! -e "$DIR/.mcpdb-servers" ]; then
		echo "postgresql: not set up in $DIR"
		echo "redis: not set up in $DIR"
		exit 3
	fi
	set_paths
	rc=0
	if p=$(pg_pid); then
		if pid_stopped "$p"; then
			echo "postgresql: frozen (pid $p, port $(pg_port))"
			rc=3
		elif "$PGBIN/pg_isready" -q -h "$PGH" -p "$(pg_port)" -U postgres -d postgres -t 3 >/dev/null 2>&1; then
			echo "postgresql: running (pid $p, port $(pg_port), socket $PGH)"
		else
			echo "postgresql: not answering (pid $p, port $(pg_port)); see $PGLOG"
			rc=3
		fi
	else
		echo "postgresql: stopped"
		rc=3
	fi
	if [ -f "$RCL_DIR/ports" ]; then
		cluster_status || rc=3
	elif p=$(redis_pid); then
		if pid_stopped "$p"; then
			echo "redis: frozen (pid $p, port $(redis_port))"
			rc=3
		elif redis_ping; then
			echo "redis: running (pid $p, port $(redis_port), socket $REDIS_SOCK)"
		else
			echo "redis: not answering (pid $p, port $(redis_port)); see $REDIS_LOG"
			rc=3
		fi
	else
		echo "redis: stopped"
		rc=3
	fi
	exit $rc
}

# Enter an existing DIR for a fault-injection verb.
enter_dir()
{
	[ -e "$DIR/.mcpdb-servers" ] || die "$DIR is not set up (run '$PROG.sh up --dir $DIR' first)"
	set_paths
	lock_dir
}

main()
{
	parse_args "$@"
	TIMEOUT=${MCPDB_SERVERS_TIMEOUT:-30}
	IS_ROOT=0
	[ "$(id -u)" = 0 ] && IS_ROOT=1
	# Our own clients must not follow an outer environment's PostgreSQL settings.
	unset PGHOST PGHOSTADDR PGPORT PGUSER PGDATABASE PGSERVICE PGOPTIONS \
		PGSSLMODE PGPASSWORD PGDATA PGCONNECT_TIMEOUT PGTARGETSESSIONATTRS \
		REDISCLI_AUTH
	find_programs
	case $VERB in
	up) verb_up ;;
	down) verb_down ;;
	status) verb_status ;;
	env)
		[ -f "$DIR/env" ] || die "$DIR/env does not exist (run up first)"
		cat "$DIR/env" ;;
	pg-stop) enter_dir; pg_stop ;;
	pg-start)
		enter_dir; need_pg
		[ -n "$(pg_port)" ] || die "no recorded PostgreSQL port in $DIR (run up first)"
		pg_start "$(pg_port)" 0 ;;
	pg-kill) enter_dir; pg_kill ;;
	pg-freeze) enter_dir; pg_freeze ;;
	pg-thaw) enter_dir; pg_thaw ;;
	redis-stop) enter_dir; redis_stop ;;
	redis-start)
		enter_dir; need_redis
		[ -n "$(redis_port)" ] || die "no recorded Redis port in $DIR (run up first)"
		redis_start "$(redis_port)" 0 ;;
	redis-kill) enter_dir; redis_kill ;;
	redis-freeze)
		enter_dir
		p=$(redis_pid) || die "Redis in $DIR is not running"
		kill -s STOP "$p" ;;
	redis-thaw)
		enter_dir
		p=$(redis_pid) && kill -s CONT "$p"
		return 0 ;;
	*) usage >&2; die "unknown verb '$VERB'" ;;
	esac
}

main "$@"
