#!/bin/sh
# t-redis-cli.sh - `mcpdb redis ...` as an operator runs it against the
# harness Redis: ping, info, get/set/del, publish/subscribe, JSON output,
# exit codes, confirmation, read-only targets, and clear one-line errors for
# a dead server and rediss:// to a plaintext server (the TLS paths are in
# t-rds-tls.sh). Keys live under a per-run prefix.
. "${MCPDB_SRCDIR:?}/tests/tap.sh"
M=${MCPDB_BIN:?}
[ -n "${MCPDB_TEST_REDIS_URL:-}" ] || skip_all "MCPDB_TEST_REDIS_URL not set; run under tests/harness/with-servers.sh"
W=$(mktemp -d -t mcpdb-rcli.XXXXXX)
SUBPID=
trap '[ -n "$SUBPID" ] && kill "$SUBPID" 2>/dev/null; rm -rf "$W"' EXIT
unset MCPDB_CONFIG MCPDB_TARGET DATABASE_URL MCPDB_LOG_LEVEL MCPDB_LOG_FORMAT MCPDB_LOG_FILE
export XDG_CONFIG_HOME="$W/xdg" HOME="$W" REDIS_URL="$MCPDB_TEST_REDIS_URL"
K="mcpdb-test:rcli:$$"
js() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }

out=$("$M" redis ping); is "$?" 0 "redis ping exits 0"
like "$out" "PONG from 127.0.0.1:" "ping names the endpoint"
like "$out" " ms" "and the round trip"
out=$("$M" --json redis ping | js 'd["reply"], d["rtt_ms"] >= 0'); is "$out" "PONG True" "ping --json"

out=$("$M" redis set "$K:a" "hello world" --ttl 100); is "$?" 0 "set exits 0"
like "$out" "expires in 100 s" "set --ttl says when it expires"
out=$("$M" redis get "$K:a"); is "$out" "hello world" "get prints the value"
out=$("$M" --json redis get "$K:a" | js 'd["value"], d["bytes"]'); is "$out" "hello world 11" "get --json"
out=$("$M" redis get "$K:none" 2>&1); is "$?" 1 "get of a missing key exits 1"
like "$out" "does not exist" "and says so"
out=$("$M" redis set "$K:b" v --ttl 0 2>&1); is "$?" 2 "--ttl 0 is a usage error"

out=$("$M" redis del "$K:a" </dev/null 2>&1); is "$?" 1 "del without a terminal and without --yes is refused"
like "$out" "re-run with --yes" "and says how to go ahead"
out=$("$M" redis get "$K:a"); is "$out" "hello world" "the key is still there"
out=$("$M" --yes redis del "$K:a"); like "$out" "deleted key" "del --yes deletes"
out=$("$M" redis del "$K:a" </dev/null); is "$?" 0 "del of a missing key needs no question"
like "$out" "does not exist; nothing deleted" "and says nothing was deleted"

out=$("$M" redis info); is "$?" 0 "info exits 0"
like "$out" "role" "info summary has the role"
like "$out" "hit ratio" "and the hit ratio"
out=$("$M" --json redis info | js 'd["info"]["role"], "used_memory" in d["info"]'); is "$out" "master True" "info --json is parsed"
out=$("$M" redis info server); like "$out" "redis_version:" "info SECTION prints the raw section"
out=$("$M" --json redis info memory | js '"used_memory" in d["memory"]'); is "$out" "True" "info SECTION --json"
out=$("$M" redis info nosuchsection 2>&1); is "$?" 1 "an unknown section exits 1"
like "$out" "no section" "and is named"

# publish / subscribe --count
"$M" --json redis subscribe "$K:ch" --count 2 >"$W/sub.json" 2>"$W/sub.err" &
SUBPID=$!
n=0
while [ $n -lt 50 ]; do
	r=$("$M" redis publish "$K:ch" "m1")
	case $r in *"delivered to 1 subscriber"*) break ;; esac
	n=$((n + 1)); sleep 0.1
done
like "$r" "delivered to 1 subscriber" "publish reaches the subscriber"
"$M" redis publish "$K:ch" "m2" >/dev/null
wait "$SUBPID"; is "$?" 0 "subscribe --count 2 exits 0 after two messages"
SUBPID=
out=$(js '" ".join(m["message"] for m in d["messages"])' <"$W/sub.json"); is "$out" "m1 m2" "subscribe --json collects the messages in order"
out=$("$M" redis publish "$K:nobody" x); like "$out" "nobody is subscribed" "publish with no subscriber says so"

# subscribe stops on Ctrl-C
"$M" redis subscribe "$K:ch2" >"$W/sub2.out" 2>&1 &
SUBPID=$!
sleep 0.5
kill -INT "$SUBPID"; wait "$SUBPID"; is "$?" 0 "subscribe exits 0 on Ctrl-C"
SUBPID=
like "$(cat "$W/sub2.out")" "subscribed to 1 channel" "it said what it subscribed to"

# read-only targets refuse writes; errors are one line and keep secrets
mkdir -p "$W/xdg/mcpdb"
cat >"$W/xdg/mcpdb/config.json" <<JSON
{ "default_target": "ro",
  "targets": {
    "ro":   { "redis": "$MCPDB_TEST_REDIS_URL", "read_only": true },
    "dead": { "redis": "redis://u:topsecret@127.0.0.1:1/0" } } }
JSON
chmod 600 "$W/xdg/mcpdb/config.json"
# rediss:// at the harness's plaintext Redis: a TLS error, not a hang
TLSURL=$(printf '%s' "$MCPDB_TEST_REDIS_URL" | sed 's|^redis://[^@]*@|redis://|; s|^redis://|rediss://u:topsecret@|')
cat >"$W/tls.json" <<JSON
{ "targets": { "tls":  { "redis": "$TLSURL",
    "redis_options": { "connect_timeout_ms": 800 } } } }
JSON
chmod 600 "$W/tls.json"
unset REDIS_URL
out=$("$M" redis set "$K:ro" x 2>&1); is "$?" 1 "set on a read-only target exits 1"
like "$out" "read-only" "and says the target is read-only"
out=$("$M" redis get "$K:ro" 2>&1); like "$out" "does not exist" "reads still work on a read-only target"
out=$("$M" --target dead redis ping 2>&1); is "$?" 1 "a dead server exits 1"
like "$out" "127.0.0.1:1: cannot connect: Connection refused" "with a one-line reason"
unlike "$out" "topsecret" "and no password"
out=$("$M" --config "$W/tls.json" --target tls redis ping 2>&1); is "$?" 1 "rediss:// to a plaintext server exits 1"
like "$out" "TLS handshake" "saying the TLS handshake failed: $out"
like "$out" "redis://" "and naming the way out"
unlike "$out" "topsecret" "without the password"
done_testing
