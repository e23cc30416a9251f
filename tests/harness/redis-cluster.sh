#!/bin/sh
# redis-cluster.sh - a throwaway 6-node Redis Cluster on loopback (3 masters,
# 3 replicas) for the cluster tests and benchmarks.
#
# Every node lives under one directory (mktemp unless given); ports are
# picked at random in 20000..31999 with the bus port (+10000) free too, so
# they stay below 55535. `up` kills what it started when it fails or is
# interrupted; `run` tears the cluster down when its command ends, however
# it ends (EXIT, INT, TERM, HUP).
#
#   redis-cluster.sh up [DIR]          start, create, wait for cluster_state:ok;
#                                      prints shell assignments (also in DIR/env)
#   redis-cluster.sh down DIR          kill every node, remove DIR
#   redis-cluster.sh run CMD [ARG...]  up, export the variables, run CMD, down
#   redis-cluster.sh kill-node DIR N   SIGKILL node N (1..6)
#   redis-cluster.sh stop-node DIR N   SIGSTOP node N (a node that never answers)
#   redis-cluster.sh cont-node DIR N   SIGCONT node N
#   redis-cluster.sh start-node DIR N  start node N again (same port, same nodes.conf)
#   redis-cluster.sh wait-ok DIR       wait until every live node says cluster_state:ok
#
# Variables printed/exported: REDIS_CLUSTER_DIR, REDIS_CLUSTER_NODES
# ("127.0.0.1:P1,...,127.0.0.1:P6"), REDIS_CLUSTER_PORTS ("P1 ... P6"),
# REDIS_CLUSTER_URL ("redis+cluster://127.0.0.1:P1,127.0.0.1:P2,...").
# Nodes 1-3 start as masters and 4-6 as their replicas (redis-cli's choice
# of pairing is read back with CLUSTER NODES, not assumed).
# Environment: REDIS_SERVER, REDIS_CLI (binaries), CLUSTER_NODE_TIMEOUT
# (ms, default 1000 so a failover takes about two seconds), TIMEOUT (s, 20),
# REDISCLI_AUTH (a password: the nodes want it from every client and from
# each other, written to a 0600 nodeN/auth.conf, never on a command line;
# redis-cli reads it from the environment).
# CLUSTER_TLS_CERT, CLUSTER_TLS_KEY, CLUSTER_TLS_CA (PEM files, all three or
# none): a TLS cluster: every node listens only on its TLS port (--port 0
# --tls-port P), the cluster bus and replication are TLS too, clients need
# no certificate of their own; the paths are kept in DIR/tls (the later
# verbs read them there), redis-cli is run with --tls, and the URL printed
# is "rediss+cluster://...".
# Nodes are only signalled by the pids recorded under DIR, and only while
# that process still runs in its node directory (a recycled pid is left alone).
# `mcpdb demo up --redis-cluster` runs this script too (installed next to
# mcpdb-servers.sh), so it must not use the source tree.
set -u

PROG=redis-cluster.sh
REDIS_SERVER=${REDIS_SERVER:-redis-server}
REDIS_CLI=${REDIS_CLI:-redis-cli}
NODE_TIMEOUT=${CLUSTER_NODE_TIMEOUT:-1000}
TIMEOUT=${TIMEOUT:-20}
NNODES=6

die()
{
	echo "$PROG: $*" >&2
	exit 1
}

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

# Print a port P with P and P+10000 (the cluster bus) free and not in $*.
free_port()
{
	i=0
	while [ $i -lt 200 ]; do
		p=$(rand_in 20000 12000)
		case " $* " in *" $p "*) i=$((i + 1)); continue ;; esac
		if ! port_busy "$p" && ! port_busy $((p + 10000)); then
			echo "$p"
			return 0
		fi
		i=$((i + 1))
	done
	die "could not find a free TCP port pair (P, P+10000) for P in 20000..31999"
}

# Load the TLS settings of directory $1 (DIR/tls), if it has any: TLS_ARGS
# for redis-server, TLS_CLI for redis-cli, both empty for plaintext.
tls_load()
{
	TLS_ARGS= TLS_CLI=
	[ -f "$1/tls" ] || return 0
	# shellcheck disable=SC1091 # written by cluster_up below
	. "$1/tls"
	TLS_ARGS="--tls-cluster yes --tls-replication yes --tls-auth-clients no"
	TLS_ARGS="$TLS_ARGS --tls-cert-file $TLS_CERT --tls-key-file $TLS_KEY"
	TLS_ARGS="$TLS_ARGS --tls-ca-cert-file $TLS_CA"
	TLS_CLI="--tls --cacert $TLS_CA"
}

# redis-cli for directory $1 (TLS when it is a TLS cluster), then $2...
rcli()
{
	tls_load "$1"
	shift
	# shellcheck disable=SC2086 # one word per option (paths without blanks)
	"$REDIS_CLI" $TLS_CLI "$@"
}

# Port of node $2 in cluster directory $1.
node_port()
{
	sed -n "${2}p" "$1/ports"
}

# Start node $2 of directory $1 in the background; its pid goes to nodeN/pid.
node_start()
{
	d=$1/node$2
	p=$(node_port "$1" "$2")
	mkdir -p "$d"
	conf=""
	if [ -n "${REDISCLI_AUTH:-}" ]; then
		conf=$d/auth.conf
		(umask 077 && printf 'requirepass %s\nmasterauth %s\n' \
			"$REDISCLI_AUTH" "$REDISCLI_AUTH" >"$conf") ||
			die "cannot write $conf"
	fi
	tls_load "$1"
	if [ -n "$TLS_ARGS" ]; then
		listen="--port 0 --tls-port $p --cluster-port $((p + 10000)) $TLS_ARGS"
	else
		listen="--port $p"
	fi
	# The config file (when any) must come first on redis-server's command line.
	# shellcheck disable=SC2086 # $conf and $listen are lists of words
	(cd "$d" && exec "$REDIS_SERVER" $conf $listen --bind 127.0.0.1 \
		--cluster-enabled yes --cluster-config-file nodes.conf \
		--cluster-node-timeout "$NODE_TIMEOUT" --save '' --appendonly no \
		--dir "$d" --logfile "$d/redis.log" --daemonize no \
		--repl-diskless-sync-delay 0 \
		--enable-debug-command local) >/dev/null 2>&1 &
	echo $! >"$d/pid"
}

# Wait (bounded) until node $2 answers PING.
node_wait()
{
	p=$(node_port "$1" "$2")
	i=0
	while [ $i -lt $((TIMEOUT * 10)) ]; do
		[ "$(rcli "$1" -h 127.0.0.1 -p "$p" ping 2>/dev/null)" = PONG ] && return 0
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

# Succeed when pid $1 runs in directory $2 (it is our node, not a recycled pid).
node_is()
{
	[ -n "$1" ] && [ "$(readlink "/proc/$1/cwd" 2>/dev/null)" = "$(cd "$2" 2>/dev/null && pwd -P)" ]
}

# Send signal $3 to node $2 of directory $1.
node_signal()
{
	[ -f "$1/node$2/pid" ] || die "$1: no node $2"
	pid=$(cat "$1/node$2/pid")
	node_is "$pid" "$1/node$2" || return 0
	kill "-$3" "$pid" 2>/dev/null
}

# Wait until every node that answers PING reports cluster_state:ok and
# knows every slot, and every replica's link to its master is up (a replica
# that never finished its first sync cannot be promoted), at most TIMEOUT s.
cluster_wait_ok()
{
	i=0
	while [ $i -lt $((TIMEOUT * 10)) ]; do
		good=1
		for p in $(cat "$1/ports"); do
			out=$(rcli "$1" -h 127.0.0.1 -p "$p" cluster info 2>/dev/null) || continue
			[ -n "$out" ] || continue
			echo "$out" | grep -q '^cluster_state:ok' || good=0
			echo "$out" | grep -q '^cluster_slots_ok:16384' || good=0
			rep=$(rcli "$1" -h 127.0.0.1 -p "$p" info replication 2>/dev/null)
			case $rep in
			*role:slave*) echo "$rep" | grep -q '^master_link_status:up' || good=0 ;;
			esac
		done
		[ $good = 1 ] && return 0
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

# Kill every node of directory $1 (SIGCONT first: a stopped one would linger).
cluster_kill()
{
	for f in "$1"/node*/pid; do
		[ -f "$f" ] || continue
		pid=$(cat "$f")
		node_is "$pid" "${f%/pid}" || { rm -f "$f"; continue; }
		kill -CONT "$pid" 2>/dev/null
		kill -KILL "$pid" 2>/dev/null
	done
	for f in "$1"/node*/pid; do
		[ -f "$f" ] || continue
		pid=$(cat "$f")
		n=0
		while kill -0 "$pid" 2>/dev/null && [ $n -lt 50 ]; do
			sleep 0.1
			n=$((n + 1))
		done
	done
}

# Print the shell assignments describing directory $1.
cluster_env()
{
	ports=$(tr '\n' ' ' <"$1/ports" | sed 's/ $//')
	nodes=$(sed 's/^/127.0.0.1:/' "$1/ports" | tr '\n' ',' | sed 's/,$//')
	echo "REDIS_CLUSTER_DIR='$1'"
	echo "REDIS_CLUSTER_PORTS='$ports'"
	echo "REDIS_CLUSTER_NODES='$nodes'"
	scheme=redis+cluster
	[ -f "$1/tls" ] && scheme=rediss+cluster
	echo "REDIS_CLUSTER_URL='$scheme://$nodes'"
}

# up [DIR]: start six nodes and create the cluster.
cluster_up()
{
	command -v "$REDIS_SERVER" >/dev/null 2>&1 || die "$REDIS_SERVER not found"
	command -v "$REDIS_CLI" >/dev/null 2>&1 || die "$REDIS_CLI not found"
	if [ -n "${1:-}" ]; then
		dir=$1
		mkdir -p "$dir" || die "cannot create $dir"
	else
		dir=$(mktemp -d "${TMPDIR:-/tmp}/mcpdb-cluster.XXXXXX") || die "mktemp failed"
	fi
	UP_DIR=$dir
	trap 'cluster_kill "$UP_DIR"; rm -rf "$UP_DIR"; exit 1' INT TERM HUP
	if [ -n "${CLUSTER_TLS_CERT:-}${CLUSTER_TLS_KEY:-}${CLUSTER_TLS_CA:-}" ]; then
		for f in "${CLUSTER_TLS_CERT:-}" "${CLUSTER_TLS_KEY:-}" "${CLUSTER_TLS_CA:-}"; do
			[ -n "$f" ] && [ -r "$f" ] || die "CLUSTER_TLS_CERT, CLUSTER_TLS_KEY and CLUSTER_TLS_CA must all name readable files (got \"$f\")"
			case $f in *[!A-Za-z0-9_./-]*) die "$f: a TLS file path must not hold blanks or shell characters" ;; esac
		done
		printf "TLS_CERT='%s'\nTLS_KEY='%s'\nTLS_CA='%s'\n" "$CLUSTER_TLS_CERT" \
		    "$CLUSTER_TLS_KEY" "$CLUSTER_TLS_CA" >"$dir/tls"
	fi
	: >"$dir/ports"
	taken=""
	n=1
	while [ $n -le $NNODES ]; do
		p=$(free_port $taken) || { cluster_kill "$dir"; rm -rf "$dir"; exit 1; }
		taken="$taken $p"
		echo "$p" >>"$dir/ports"
		n=$((n + 1))
	done
	n=1
	while [ $n -le $NNODES ]; do
		node_start "$dir" $n
		n=$((n + 1))
	done
	n=1
	while [ $n -le $NNODES ]; do
		if ! node_wait "$dir" $n; then
			tail -n 5 "$dir/node$n/redis.log" >&2 2>/dev/null
			cluster_kill "$dir"
			rm -rf "$dir"
			die "node $n did not answer PING within $TIMEOUT s"
		fi
		n=$((n + 1))
	done
	addrs=$(sed 's/^/127.0.0.1:/' "$dir/ports" | tr '\n' ' ')
	# shellcheck disable=SC2086 # one word per node
	if ! rcli "$dir" --cluster create $addrs --cluster-replicas 1 \
	    --cluster-yes >"$dir/create.log" 2>&1; then
		tail -n 5 "$dir/create.log" >&2
		cluster_kill "$dir"
		rm -rf "$dir"
		die "redis-cli --cluster create failed"
	fi
	if ! cluster_wait_ok "$dir"; then
		cluster_kill "$dir"
		rm -rf "$dir"
		die "the cluster did not reach cluster_state:ok within $TIMEOUT s"
	fi
	cluster_env "$dir" >"$dir/env"
	trap - INT TERM HUP
	cat "$dir/env"
}

# Check that $1 is a cluster directory made by this script.
need_dir()
{
	[ -n "${1:-}" ] && [ -f "$1/ports" ] || die "${1:-?}: not a cluster directory (no ports file)"
}

case ${1:-} in
up)
	cluster_up "${2:-}"
	;;
down)
	need_dir "${2:-}"
	cluster_kill "$2"
	rm -rf "$2"
	;;
run)
	shift
	[ $# -ge 1 ] || die "usage: $PROG run CMD [ARG...]"
	out=$(cluster_up) || exit 1
	eval "$out"
	export REDIS_CLUSTER_DIR REDIS_CLUSTER_PORTS REDIS_CLUSTER_NODES REDIS_CLUSTER_URL
	trap 'cluster_kill "$REDIS_CLUSTER_DIR"; rm -rf "$REDIS_CLUSTER_DIR"' EXIT
	trap 'exit 143' TERM
	trap 'exit 130' INT
	trap 'exit 129' HUP
	"$@"
	exit $?
	;;
kill-node|stop-node|cont-node)
	need_dir "${2:-}"
	[ -n "${3:-}" ] || die "usage: $PROG $1 DIR N"
	case $1 in
	kill-node) node_signal "$2" "$3" KILL ;;
	stop-node) node_signal "$2" "$3" STOP ;;
	cont-node) node_signal "$2" "$3" CONT ;;
	esac
	;;
start-node)
	need_dir "${2:-}"
	[ -n "${3:-}" ] || die "usage: $PROG start-node DIR N"
	node_start "$2" "$3"
	node_wait "$2" "$3" || die "node $3 did not answer PING within $TIMEOUT s"
	;;
wait-ok)
	need_dir "${2:-}"
	cluster_wait_ok "$2" || die "cluster_state is not ok within $TIMEOUT s"
	;;
env)
	need_dir "${2:-}"
	cluster_env "$2"
	;;
*)
	sed -n '2,/^set -u/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//' >&2
	exit 2
	;;
esac
