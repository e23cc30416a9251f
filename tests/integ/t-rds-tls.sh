#!/bin/sh
# t-rds-tls.sh - Redis over TLS (rediss://) against redis-servers this test
# starts with certificates it makes with openssl: a CA, a server certificate
# for localhost/127.0.0.1 valid 20 days (so doctor warns), an expired one,
# a second CA that signed nothing of the server's, and a client
# certificate. Checks set/get/pipelines over TLS, health --json's TLS
# fields, doctor's "redis tls" line, config show, and one-line errors for a
# wrong CA, a wrong server name, an expired certificate, a plaintext client
# at the TLS port, rediss:// at a plaintext server (within the connect
# timeout), an unreadable CA file and a client key that does not match its
# certificate; the insecure switch works and is marked (config show,
# doctor, the Redis pane in red under tmux); Pub/Sub over TLS.
. "${MCPDB_SRCDIR:?}/tests/tap.sh"
M=${MCPDB_BIN:?}
command -v redis-server >/dev/null 2>&1 || skip_all "redis-server not found"
command -v openssl >/dev/null 2>&1 || skip_all "openssl not found"
command -v python3 >/dev/null 2>&1 || skip_all "python3 not found"
W=$(mktemp -d -t mcpdb-tls.XXXXXX)
stop_all() {	# and wait for them: a server writes its log as it exits
	pids=
	for f in "$W"/*.pid; do
		[ -f "$f" ] && pids="$pids $(cat "$f")"
	done
	[ -n "$pids" ] || return 0
	# shellcheck disable=SC2086
	kill $pids 2>/dev/null
	n=0
	for p in $pids; do
		while kill -0 "$p" 2>/dev/null && [ $n -lt 50 ]; do
			sleep 0.1
			n=$((n + 1))
		done
	done
}
SUBPID=
S=
trap '[ -n "$SUBPID" ] && kill "$SUBPID" 2>/dev/null; [ -n "$S" ] && tmux -S "$S" kill-server >/dev/null 2>&1; stop_all; rm -rf "$W"' EXIT
unset MCPDB_CONFIG MCPDB_TARGET DATABASE_URL REDIS_URL MCPDB_LOG_LEVEL MCPDB_LOG_FORMAT MCPDB_LOG_FILE
export XDG_CONFIG_HOME="$W/xdg" HOME="$W"
js() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }
ms() { python3 -c 'import time; print(int(time.monotonic() * 1000))'; }
freeport() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# -- certificates
cd "$W" || exit 1
. "$MCPDB_SRCDIR/tests/integ/tls-certs.sh"
gen() { tls_gen "$@"; }
tls_certs 20 ||
    { cat "$W/openssl.log" >&2; skip_all "openssl could not make the test certificates"; }
# An expired certificate: `openssl ca` takes explicit start and end dates.
mkdir -p cadb && : >cadb/index.txt && echo 01 >cadb/serial
cat >ca.cnf <<EOF
[ca]
default_ca = d
[d]
database = cadb/index.txt
serial = cadb/serial
new_certs_dir = cadb
default_md = sha256
policy = p
copy_extensions = copy
unique_subject = no
[p]
commonName = supplied
EOF
gen req -newkey rsa:2048 -nodes -keyout exp.key -out exp.csr -subj "/CN=localhost" \
    -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" &&
gen ca -batch -config ca.cnf -cert ca.crt -keyfile ca.key -in exp.csr -out exp.crt \
    -startdate 20200101000000Z -enddate 20200201000000Z -notext ||
    { cat "$W/openssl.log" >&2; skip_all "openssl ca could not make an expired certificate"; }
cd - >/dev/null || exit 1

# -- servers: TLS (20-day cert), TLS (expired cert), TLS requiring client
# certificates, plaintext
start() {	# name args...
	n=$1
	shift
	redis-server --bind 127.0.0.1 --save '' --appendonly no --dir "$W" \
	    --daemonize yes --pidfile "$W/$n.pid" --logfile "$W/$n.log" "$@" ||
	    return 1
}
tls_args() {	# port cert key auth
	echo --port 0 --tls-port "$1" --tls-cert-file "$W/$2" --tls-key-file "$W/$3" \
	    --tls-ca-cert-file "$W/ca.crt" --tls-auth-clients "$4"
}
PT=$(freeport); PE=$(freeport); PC=$(freeport); PP=$(freeport)
# shellcheck disable=SC2046
start tls $(tls_args "$PT" srv.crt srv.key no) 2>"$W/start.err" ||
    skip_all "redis-server cannot start with --tls-port (built without TLS?): $(head -c 200 "$W/start.err")"
# shellcheck disable=SC2046
start exp $(tls_args "$PE" exp.crt exp.key no) &&
# shellcheck disable=SC2046
start cli $(tls_args "$PC" srv.crt srv.key yes) &&
start plain --port "$PP" || skip_all "redis-server did not start"
i=0
while [ $i -lt 50 ]; do
	redis-cli -p "$PP" ping >/dev/null 2>&1 && grep -q 'Ready to accept' "$W/tls.log" \
	    "$W/exp.log" "$W/cli.log" 2>/dev/null &&
	    [ "$(grep -l 'Ready to accept' "$W/tls.log" "$W/exp.log" "$W/cli.log" | wc -l)" -eq 3 ] && break
	sleep 0.1
	i=$((i + 1))
done
[ $i -lt 50 ] || skip_all "the test redis-servers did not become ready"

# conf NAME URI OPTIONS-JSON: a config file with one target "t"
conf() {
	cat >"$W/$1.json" <<JSON
{ "targets": { "t": { "pg": "${MCPDB_TEST_PGURL:-}", "redis": "$2",
    "redis_options": { "connect_timeout_ms": 800, "command_timeout_ms": 800 $3 } } } }
JSON
	chmod 600 "$W/$1.json"
}
m() { c=$1; shift; "$M" --config "$W/$c.json" --target t --log-level error "$@"; }
CA="\"tls_ca_file\": \"$W/ca.crt\""

# -- the happy path
conf good "rediss://127.0.0.1:$PT/0" ", $CA"
out=$(m good redis set tls:k1 "over tls" 2>&1); is "$?" 0 "redis set over rediss:// exits 0: $out"
out=$(m good redis get tls:k1 2>&1); is "$out" "over tls" "redis get over rediss:// reads it back"
out=$(redis-cli --tls --cacert "$W/ca.crt" -h 127.0.0.1 -p "$PT" get tls:k1 2>&1)
case $out in
*"over tls"*) ok 0 "redis-cli over TLS sees the same value" ;;
*) skip "redis-cli has no --tls here ($out)" ;;
esac
conf name "rediss://localhost:$PT/3" ", $CA"
out=$(m name redis set tls:k2 v2 2>&1); is "$?" 0 "a host name is checked against the certificate (localhost, db 3)"
out=$(m name --json redis ping 2>&1 | js 'd["reply"]'); is "$out" "PONG" "ping --json over TLS"
# A pipeline (seed and bulk paths): redis info runs several commands.
out=$(m good redis info 2>&1); is "$?" 0 "redis info over TLS exits 0"
like "$out" "7." "and shows the server version"

# -- health --json and doctor
out=$(m good --json health 2>/dev/null | js 'd["redis"]["reachable"], d["redis"]["tls"]["enabled"], d["redis"]["tls"]["protocol"].startswith("TLSv1."), d["redis"]["tls"]["verified"], d["redis"]["tls"]["insecure"], len(d["redis"]["tls"]["cipher"]) > 0, d["redis"]["tls"]["cert_days_left"] in (19, 20), d["redis"]["tls"]["cert_not_after"][:2]')
is "$out" "True True True True False True True 20" "health --json: redis.tls with protocol, cipher, verified, expiry, days left"
out=$(m good health 2>&1)
like "$out" "redis tls" "health prints a redis tls row"
like "$out" "certificate expires" "with the certificate's expiry"
out=$(m good doctor 2>&1)
line=$(printf '%s\n' "$out" | grep '^redis tls')
like "$line" "TLSv1." "doctor: the redis tls line names the protocol: $line"
like "$line" "days left" "... and the days left"
like "$line" "WARN" "... and warns: the certificate expires in under 30 days"
like "$line" "renew it soon" "... saying what to do"
out=$(m good --json doctor 2>/dev/null | js '[c["status"] for c in d["checks"] if c["check"] == "redis tls"]')
is "$out" "['warn']" "doctor --json: the redis tls check is a warning"
conf plainok "redis://127.0.0.1:$PP/0" ""
out=$(m plainok doctor 2>&1 | grep '^redis tls')
like "$out" "not used" "doctor on a plaintext target: TLS not used"
out=$(m plainok --json health 2>/dev/null | js 'd["redis"]["tls"]["enabled"]')
is "$out" "False" "health --json on a plaintext target: tls.enabled false"
out=$(m good config show 2>&1 | grep '^redis tls')
like "$out" "certificate verified against $W/ca.crt" "config show: TLS on and verified"

# -- verification failures: one line, exit 1, the reason from OpenSSL
conf wrongca "rediss://u:topsecret@127.0.0.1:$PT/0" ", \"tls_ca_file\": \"$W/other.crt\""
out=$(m wrongca redis get tls:k1 2>&1); is "$?" 1 "a wrong CA exits 1"
like "$out" "certificate verification failed: self-signed certificate in certificate chain" "and names the verification failure and OpenSSL's reason: $out"
is "$(printf '%s\n' "$out" | wc -l)" 1 "in one line"
unlike "$out" "topsecret" "without the password"
conf badname "rediss://127.0.0.1:$PT/0" ", $CA, \"tls_server_name\": \"cache.example.com\""
out=$(m badname redis get tls:k1 2>&1); is "$?" 1 "a server name the certificate lacks exits 1"
like "$out" "certificate verification failed: hostname mismatch" "and says hostname mismatch: $out"
conf expired "rediss://127.0.0.1:$PE/0" ", $CA"
out=$(m expired redis get tls:k1 2>&1); is "$?" 1 "an expired server certificate exits 1"
like "$out" "certificate verification failed: certificate has expired" "and says it expired: $out"

# -- transport mismatches: clear errors within the connect timeout
conf plain2tls "redis://127.0.0.1:$PT/0" ""
t0=$(ms); out=$(m plain2tls redis get tls:k1 2>&1); rc=$?; t1=$(ms)
is "$rc" 1 "a plaintext client at the TLS port exits 1"
like "$out" "is this a TLS port? then use rediss://" "and says to use rediss://: $out"
ok "$([ $((t1 - t0)) -lt 2500 ] && echo 0 || echo 1)" "within the timeouts ($((t1 - t0)) ms)"
conf tls2plain "rediss://127.0.0.1:$PP/0" ", $CA"
t0=$(ms); out=$(m tls2plain redis get tls:k1 2>&1); rc=$?; t1=$(ms)
is "$rc" 1 "rediss:// at a plaintext server exits 1"
like "$out" "TLS handshake" "and names the TLS handshake: $out"
like "$out" "plaintext server needs redis://" "and the way out"
ok "$([ $((t1 - t0)) -lt 2500 ] && echo 0 || echo 1)" "within the connect timeout of 800 ms (+ start-up): $((t1 - t0)) ms"

# -- configuration errors: exit 2, one line, nothing dialled
conf noca "rediss://127.0.0.1:$PT/0" ", \"tls_ca_file\": \"$W/missing-ca.crt\""
out=$(m noca redis get tls:k1 2>&1); is "$?" 2 "an unreadable CA file is a config error (exit 2)"
like "$out" "TLS CA file $W/missing-ca.crt: cannot read it: No such file or directory" "naming the file and why: $out"
is "$(printf '%s\n' "$out" | wc -l)" 1 "in one line"
conf notpem "rediss://127.0.0.1:$PT/0" ", \"tls_ca_file\": \"$W/ca.cnf\""
out=$(m notpem redis get tls:k1 2>&1); is "$?" 2 "a CA file that holds no certificate: exit 2"
like "$out" "not a PEM certificate list" "saying so: $out"
conf mismatch "rediss://127.0.0.1:$PC/0" ", $CA, \"tls_cert_file\": \"$W/cli.crt\", \"tls_key_file\": \"$W/other.key\""
out=$(m mismatch redis get tls:k1 2>&1); is "$?" 2 "a client key that does not match its certificate: exit 2"
like "$out" "TLS client key $W/other.key does not match the certificate $W/cli.crt" "saying which: $out"
conf halfcert "rediss://127.0.0.1:$PC/0" ", $CA, \"tls_cert_file\": \"$W/cli.crt\""
out=$(m halfcert redis get tls:k1 2>&1); is "$?" 2 "a client certificate without its key: exit 2"
like "$out" "\"tls_cert_file\" and \"tls_key_file\" go together" "saying so: $out"

# -- client certificates (a server with --tls-auth-clients yes)
conf nocert "rediss://127.0.0.1:$PC/0" ", $CA"
out=$(m nocert redis get tls:k1 2>&1); is "$?" 1 "without a client certificate the server refuses"
like "$out" "does the server require a client certificate? see tls_cert_file" "and the error points at the client certificate: $out"
conf withcert "rediss://127.0.0.1:$PC/0" ", $CA, \"tls_cert_file\": \"$W/cli.crt\", \"tls_key_file\": \"$W/cli.key\""
out=$(m withcert redis set tls:k3 v3 2>&1); is "$?" 0 "with tls_cert_file/tls_key_file it works: $out"

# -- the insecure switch: works against the wrong CA, and is marked
conf insecure "rediss://127.0.0.1:$PT/0" ", \"tls_ca_file\": \"$W/other.crt\", \"tls_insecure\": true"
out=$(m insecure redis get tls:k1 2>&1); is "$out" "over tls" "tls_insecure: no verification, the command works"
out=$(m insecure config show 2>&1 | grep '^redis tls')
like "$out" "insecure" "config show marks it insecure: $out"
out=$(m insecure --json config show 2>/dev/null | js 'd["redis_tls"]["enabled"], d["redis_tls"]["insecure"]')
is "$out" "True True" "config show --json: redis_tls.insecure"
out=$(m insecure --json health 2>/dev/null | js 'd["redis"]["tls"]["verified"], d["redis"]["tls"]["insecure"]')
is "$out" "False True" "health --json: not verified, insecure"
out=$(m insecure doctor 2>&1 | grep '^redis tls')
like "$out" "WARN" "doctor warns about an insecure connection"
like "$out" "insecure: the certificate is NOT verified" "and says so: $out"

# -- Pub/Sub over TLS: subscribe, publish, two messages in order
m good --json redis subscribe tls:ch --count 2 >"$W/sub.json" 2>"$W/sub.err" &
SUBPID=$!
i=0
while [ $i -lt 50 ]; do
	r=$(m good redis publish tls:ch m1 2>&1)
	case $r in *"delivered to 1 subscriber"*) break ;; esac
	sleep 0.1
	i=$((i + 1))
done
like "$r" "delivered to 1 subscriber" "publish over TLS reaches the subscriber over TLS"
m good redis publish tls:ch m2 >/dev/null 2>&1
wait "$SUBPID"; is "$?" 0 "subscribe --count 2 over TLS exits 0 after two messages"
SUBPID=
out=$(js '" ".join(m["message"] for m in d["messages"])' <"$W/sub.json")
is "$out" "m1 m2" "and got both messages in order"
# A subscriber with the wrong CA fails at once with the verification error.
out=$(m wrongca redis subscribe tls:ch --count 1 2>&1 </dev/null); rc=$?
ok "$([ "$rc" -ne 0 ] && echo 0 || echo 1)" "subscribe with a wrong CA fails (rc $rc)"
like "$out" "certificate verification failed" "with the verification error: $out"
# -- Sentinel over TLS: TLS sentinel, TLS master and replica, a failover
PM=$(freeport); PR=$(freeport); PS=$(freeport)
# shellcheck disable=SC2046
start smaster $(tls_args "$PM" srv.crt srv.key no) --tls-replication yes &&
# shellcheck disable=SC2046
start sreplica $(tls_args "$PR" srv.crt srv.key no) --tls-replication yes \
    --replicaof 127.0.0.1 "$PM" &&
cat >"$W/sentinel.conf" <<EOF
port 0
tls-port $PS
tls-cert-file $W/srv.crt
tls-key-file $W/srv.key
tls-ca-cert-file $W/ca.crt
tls-auth-clients no
tls-replication yes
daemonize yes
pidfile $W/sentinel.pid
logfile $W/sentinel.log
dir $W
sentinel monitor mymaster 127.0.0.1 $PM 1
sentinel down-after-milliseconds mymaster 1000
sentinel failover-timeout mymaster 5000
EOF
SENT_OK=$?
[ $SENT_OK -eq 0 ] && redis-server "$W/sentinel.conf" --sentinel || SENT_OK=1
rc_tls() { redis-cli --tls --cacert "$W/ca.crt" -h 127.0.0.1 "$@" 2>/dev/null; }
i=0
while [ $SENT_OK -eq 0 ] && [ $i -lt 100 ]; do
	rc_tls -p "$PR" info replication | grep -q 'master_link_status:up' &&
	    rc_tls -p "$PS" sentinel replicas mymaster | grep -q "$PR" && break
	sleep 0.1
	i=$((i + 1))
done
if [ $SENT_OK -eq 0 ] && [ $i -lt 100 ]; then
	cat >"$W/sent.json" <<JSON
{ "targets": { "t": { "pg": "${MCPDB_TEST_PGURL:-}", "redis": "rediss://mymaster/0",
    "redis_options": { "connect_timeout_ms": 800, "command_timeout_ms": 800,
    $CA, "sentinels": [ "127.0.0.1:$PS" ], "sentinel_master": "mymaster" } } } }
JSON
	out=$(m sent redis set tls:s1 v1 2>&1); is "$?" 0 "set through a TLS sentinel to a TLS master: $out"
	out=$(m sent redis ping 2>&1)
	like "$out" "127.0.0.1:$PM via sentinel 127.0.0.1:$PS" "ping names the master found through the sentinel: $out"
	rc_tls -p "$PS" sentinel failover mymaster >/dev/null
	i=0
	while [ $i -lt 100 ]; do
		rc_tls -p "$PS" sentinel get-master-addr-by-name mymaster | grep -qx "$PR" && break
		sleep 0.1
		i=$((i + 1))
	done
	i=0
	while [ $i -lt 50 ]; do
		out=$(m sent redis set tls:s2 v2 2>&1) && break
		sleep 0.2
		i=$((i + 1))
	done
	is "$out" "OK" "after a failover the write goes to the new master over TLS"
	out=$(m sent redis ping 2>&1)
	like "$out" "127.0.0.1:$PR via sentinel" "ping names the promoted replica: $out"
	sed "s|$W/ca.crt|$W/other.crt|" "$W/sent.json" >"$W/sentbad.json"
	out=$(m sentbad redis get tls:s1 2>&1); is "$?" 1 "a TLS sentinel with the wrong CA: exit 1"
	like "$out" "no sentinel reachable (tried 1: 127.0.0.1:$PS: TLS handshake: certificate verification failed" "naming the sentinel and the verification failure: $out"
else
	skip 7 "the TLS sentinel set-up did not come up (see $W/sentinel.log)"
fi

# -- the Redis pane marks an insecure connection in red (tmux)
if command -v tmux >/dev/null 2>&1; then
	D=$W
	. "$MCPDB_SRCDIR/tests/tui/tui-lib.sh"
	COLS=120 ROWS=40
	cat >"$W/run.sh" <<EOF
#!/bin/sh
"$M" --config "$W/\$1.json" --target t
echo "EXITED \$?"
exec sleep 600
EOF
	unset NO_COLOR
	start -- insecure
	keys 2
	wait_for "TLS INSECURE" 10; ok $? "the Redis pane says TLS INSECURE"
	line=$(tmx capture-pane -e -p | grep -F "TLS INSECURE")
	esc=$(printf '\033')
	case $line in
	*"$esc[31m"*|*"$esc[1;31m"*|*";31m"*) ok 0 "in red" ;;
	*) ok 1 "in red"; diag "$(printf '%s' "$line" | od -c | head -4)" ;;
	esac
	start -- good
	keys 2
	wait_for "TLS on, certificate verified against $W/ca.crt" 10; ok $? "a verified connection: TLS on, not marked insecure"
	unlike "$(screen)" "INSECURE" "and no INSECURE on it"
	stop_tmux
else
	skip "tmux not installed: the Redis pane is not checked"
fi
done_testing
