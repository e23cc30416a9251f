#!/bin/sh
# t-safety.sh - hardening seen from the outside (issue 18): control
# characters from servers are escaped on a terminal and in pipes unless
# --raw; big Redis values are capped; a Redis INFO without the loading field
# is not "loading"; files mcpdb writes or seed files it reads are never
# reached through a symbolic link; colliding TypeScript names are refused;
# no core dumps; passwords on the command line get a warning. Uses the
# harness servers, a scratch database and key prefix, and a fake Redis
# (python3) for replies a real server will not give.
. "${MCPDB_SRCDIR:?}/tests/tap.sh"
M=${MCPDB_BIN:?}
[ -n "${MCPDB_TEST_PGURL:-}" ] && [ -n "${MCPDB_TEST_REDIS_URL:-}" ] ||
	skip_all "MCPDB_TEST_PGURL/MCPDB_TEST_REDIS_URL not set (run under tests/harness/with-servers.sh)"
PSQL="${MCPDB_TEST_PGBIN:+$MCPDB_TEST_PGBIN/}psql"
DB="mcpdb_safety_$$"
W=$(mktemp -d -t mcpdb-safety.XXXXXX)
K="mcpdb-test:safety:$$"
BGPID=
cleanup() {
	[ -n "$BGPID" ] && kill "$BGPID" 2>/dev/null
	"$PSQL" -X -q -d "$MCPDB_TEST_PGURL" -c "DROP DATABASE IF EXISTS $DB" >/dev/null 2>&1
	redis-cli -u "$MCPDB_TEST_REDIS_URL" --no-auth-warning del "$K:esc" "$K:big" >/dev/null 2>&1
	rm -rf "$W"
}
trap cleanup EXIT
"$PSQL" -X -q -d "$MCPDB_TEST_PGURL" -c "CREATE DATABASE $DB" >/dev/null || { echo "Bail out! createdb"; exit 1; }
URL="$MCPDB_TEST_PGURL dbname=$DB"
unset MCPDB_CONFIG MCPDB_TARGET DATABASE_URL MCPDB_LOG_LEVEL MCPDB_LOG_FORMAT MCPDB_LOG_FILE
export XDG_CONFIG_HOME="$W/xdg" HOME="$W" REDIS_URL="$MCPDB_TEST_REDIS_URL"
ESC=$(printf '\033')
# tty CMD...: run mcpdb on a pseudo-terminal (script), output without CRs and
# without the "mcpdb: target ..." line every command prints on a terminal.
tty() { script -qec "$*" /dev/null </dev/null | tr -d "\r" | grep -v "^mcpdb: target "; }

# --- escaping (item 7) ---------------------------------------------------
"$M" redis set "$K:esc" "$(printf 'top\033[2Jsecret\nline2')" >/dev/null
out=$(tty "'$M' redis get '$K:esc'")
is "$out" 'top\x1b[2Jsecret\nline2' "redis get on a terminal: ESC[2J and the newline shown escaped"
case $out in *"$ESC"*) r=1 ;; *) r=0 ;; esac; ok $r "no ESC byte reached the terminal"
out=$("$M" redis get "$K:esc")
is "$out" 'top\x1b[2Jsecret\nline2' "piped without --raw: escaped too"
"$M" --raw redis get "$K:esc" >"$W/raw.out"
printf 'top\033[2Jsecret\nline2\n' >"$W/raw.want"
cmp -s "$W/raw.out" "$W/raw.want"; ok $? "--raw: the bytes exactly as stored"
out=$(tty "'$M' --raw redis get '$K:esc'")
like "$out" "top${ESC}[2J" "--raw is honoured on a terminal too (explicit flag)"
out=$("$M" --json redis get "$K:esc" | python3 -c 'import json,sys; print(repr(json.load(sys.stdin)["value"]))')
is "$out" "'top\\x1b[2Jsecret\\nline2'" "--json carries the exact value"
out=$(tty "'$M' redis get '$(printf 'no\033[2Jkey')'" 2>&1)
like "$out" 'redis key "no\x1b[2Jkey" does not exist' "an error quoting a key escapes it"
# (application_name in the TUI: tests/tui/t-tui-escape.sh)

# --- limits (item 9) -------------------------------------------------------
python3 -c 'import sys; sys.stdout.write("x" * 3000000)' >"$W/big.val"
redis-cli -u "$MCPDB_TEST_REDIS_URL" --no-auth-warning -x set "$K:big" <"$W/big.val" >/dev/null
"$M" redis get "$K:big" >"$W/big.out" 2>"$W/big.err"; is "$?" 0 "get of a 3 MB value exits 0"
is "$(wc -c <"$W/big.out" | tr -d ' ')" 1048577 "only 1 MiB (+ newline) shown by default"
is "$(cat "$W/big.err")" "mcpdb: (3000000 bytes, first 1048576 shown; --max-bytes 0 for all)" "a note on stderr says so"
"$M" redis get "$K:big" --max-bytes 0 >"$W/big.out" 2>"$W/big.err"
is "$(wc -c <"$W/big.out" | tr -d ' ')" 3000001 "--max-bytes 0 shows it all"
is "$(cat "$W/big.err")" "" "and needs no note"
out=$("$M" --json redis get "$K:big" --max-bytes 10 2>/dev/null | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["value"], d["bytes"], d["truncated"], d["shown_bytes"])')
is "$out" "xxxxxxxxxx 3000000 True 10" "--json says the value was cut and how big it is"
out=$("$M" redis get "$K:big" --max-bytes -1 2>&1); is "$?" 2 "--max-bytes -1 is a usage error"
# a user whose ACL allows GET but not STRLEN/GETRANGE/EXISTS still gets the value
U="mcpdb-safety-$$"
redis-cli -u "$MCPDB_TEST_REDIS_URL" --no-auth-warning acl setuser "$U" on ">pw$$" "~*" "+@all" -strlen -getrange -exists >/dev/null
out=$(REDIS_URL=$(printf '%s' "$MCPDB_TEST_REDIS_URL" | sed "s|redis://|redis://$U:pw$$@|") "$M" redis get "$K:big" --max-bytes 5 2>&1)
is "$out" "xxxxx
mcpdb: (3000000 bytes, first 5 shown; --max-bytes 0 for all)" "ACL without STRLEN/GETRANGE: falls back to GET, still cut"
redis-cli -u "$MCPDB_TEST_REDIS_URL" --no-auth-warning acl deluser "$U" >/dev/null

# a fake Redis: INFO without persistence fields, SUBSCRIBE that stays up
cat >"$W/fake.py" <<'PY'
import socket, sys, threading
info = open(sys.argv[1], "rb").read()
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", 0)); s.listen(16)
open(sys.argv[2], "w").write(str(s.getsockname()[1]))
def read_cmd(f):
    line = f.readline()
    if not line: return None
    if not line.startswith(b"*"): return line.split()
    words = []
    for _ in range(int(line[1:])):
        n = int(f.readline()[1:]); words.append(f.read(n + 2)[:-2])
    return words
def serve(c):
    f = c.makefile("rb"); sub = False
    while True:
        w = read_cmd(f)
        if w is None: return
        cmd = w[0].upper()
        if cmd == b"PING":
            c.sendall(b"*2\r\n$4\r\npong\r\n$0\r\n\r\n" if sub else b"+PONG\r\n")
        elif cmd == b"INFO":
            c.sendall(b"$%d\r\n%s\r\n" % (len(info), info))
        elif cmd in (b"SUBSCRIBE", b"PSUBSCRIBE"):
            sub = True
            for i, ch in enumerate(w[1:]):
                k = cmd.lower()
                c.sendall(b"*3\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n:%d\r\n" % (len(k), k, len(ch), ch, i + 1))
        else:
            c.sendall(b"+OK\r\n")
while True:
    c, _ = s.accept(); threading.Thread(target=serve, args=(c,), daemon=True).start()
PY
python3 "$W/fake.py" "$MCPDB_SRCDIR/tests/fixtures/info/missing-fields.txt" "$W/fake.port" &
FAKEPID=$!
trap 'kill $FAKEPID 2>/dev/null; cleanup' EXIT
n=0; while [ ! -s "$W/fake.port" ] && [ $n -lt 50 ]; do sleep 0.1; n=$((n + 1)); done
FAKE="redis://127.0.0.1:$(cat "$W/fake.port")/0"
out=$("$M" --pg "$URL" --redis "$FAKE" health 2>&1)
unlike "$out" "loading its dataset" "an INFO without the loading field is not reported as loading"

# --- core dumps and passwords on the command line (item 13) --------------
# A process that is not dumpable has its /proc files owned by root; as root
# that shows nothing, so then it runs as nobody (setpriv). Core dumps are
# allowed by the shell first, so only mcpdb can have turned them off.
AS=""
if [ "$(id -u)" = 0 ]; then
	AS="setpriv --reuid=nobody --regid=nogroup --clear-groups"
	command -v setpriv >/dev/null 2>&1 || AS=none
fi
(ulimit -c unlimited 2>/dev/null; HOME=/nonexistent XDG_CONFIG_HOME=/nonexistent
	export HOME XDG_CONFIG_HOME
	[ "$AS" = none ] && AS=""
	exec $AS "$M" --redis "$FAKE" redis subscribe ch) >"$W/sub.out" 2>&1 &
BGPID=$!
n=0; while ! grep -q subscribed "$W/sub.out" 2>/dev/null && [ $n -lt 50 ]; do sleep 0.1; n=$((n + 1)); done
like "$(grep 'Max core file size' /proc/$BGPID/limits)" "Max core file size        0                    0" \
	"a running mcpdb has core dumps off (soft and hard 0)"
if [ "$AS" = none ]; then
	skip "running as root without setpriv: cannot see dumpability"
else
	is "$(stat -c %u /proc/$BGPID/status)" 0 "and is not dumpable (its /proc files belong to root, not to its user)"
fi
kill -INT "$BGPID"; wait "$BGPID" 2>/dev/null; BGPID=
out=$("$M" --pg "postgresql://ops:s3cr3tpw@127.0.0.1:1/x" version 2>&1)
like "$out" "mcpdb: warning: --pg holds a password on the command line" "--pg with a password: a warning"
like "$out" "PGPASSFILE" "pointing to PGPASSFILE"
unlike "$out" "s3cr3tpw" "the warning does not repeat the password"
out=$("$M" --redis "redis://:s3cr3tpw@127.0.0.1:1/0" version 2>&1)
like "$out" "mcpdb: warning: --redis holds a password on the command line" "--redis with a password: a warning"
like "$out" "the config file (chmod 600) or the REDIS_URL environment variable" "pointing to the config file and REDIS_URL"
is "$(printf '%s\n' "$out" | grep -c warning)" 1 "once"
out=$("$M" --pg "host=127.0.0.1 dbname=x" --redis "redis://127.0.0.1:1/0" version 2>&1)
unlike "$out" "warning" "no password, no warning"

# --- files (item 5) ------------------------------------------------------
"$PSQL" -X -q -d "$URL" -c 'create schema s; create table s.t (id int primary key, name text)' >/dev/null
echo "precious" >"$W/victim"
ln -s "$W/victim" "$W/out.ts.tmp"
"$M" --pg "$URL" --log-level error -q schema export s --out "$W/out.ts"; is "$?" 0 "export with a planted OUT.tmp link works"
is "$(cat "$W/victim")" "precious" "the link's target is untouched"
test -f "$W/out.ts" && ! test -L "$W/out.ts"; ok $? "OUT is a regular file"
like "$(cat "$W/out.ts")" "export interface ST {" "with the export in it"
is "$(ls -a "$W" | grep -c mcpdb-tmp)" 0 "no temporary file left behind"
is "$(stat -c %a "$W/out.ts")" "$(printf '%o' $((0666 & ~$(umask))))" "a new file gets 0666 minus the umask"
chmod 640 "$W/out.ts"
"$M" --pg "$URL" --log-level error -q schema export s --out "$W/out.ts"
is "$(stat -c %a "$W/out.ts")" 640 "an existing file keeps its mode"
ln -s "$W/victim" "$W/link.ts"
out=$("$M" --pg "$URL" --log-level error schema export s --out "$W/link.ts" 2>&1); is "$?" 1 "OUT being a symbolic link: refused, exit 1"
like "$out" "link.ts is a symbolic link; mcpdb does not write through links" "one line saying why"
is "$(cat "$W/victim")" "precious" "and the target is untouched"
out=$("$M" --log-file "$W/link.ts" version 2>&1); is "$?" 1 "a log file that is a symbolic link is refused"
like "$out" "log file $W/link.ts is a symbolic link" "naming it"
is "$(cat "$W/victim")" "precious" "nothing appended to the target"

# seed files that are links out of the set are never read, and never echoed
mkdir -p "$W/seeds/leak" "$W/seeds/mleak" "$W/seeds/ok"
printf 'id,name\nTOPSECRET-LINE,1\n' >"$W/outside.csv"
cat >"$W/seeds/leak/seed.json" <<'JSON'
{ "name": "leak", "files": [ { "file": "x.csv", "table": "s.t" } ] }
JSON
ln -s "$W/outside.csv" "$W/seeds/leak/x.csv"
out=$("$M" --pg "$URL" --log-level error seed verify leak --dir "$W/seeds" 2>&1); is "$?" 1 "seed file linking out of the set: refused"
like "$out" "x.csv: is a symbolic link; seed files must be regular files inside the set directory" "saying so"
unlike "$out" "TOPSECRET" "nothing of the linked file is shown"
out=$("$M" --pg "$URL" --log-level error -q seed load leak --dir "$W/seeds" 2>&1); is "$?" 1 "seed load refuses it too"
unlike "$out" "TOPSECRET" "and shows nothing of it"
printf 'TOPSECRET-MANIFEST\n' >"$W/outside.json"
ln -s "$W/outside.json" "$W/seeds/mleak/seed.json"
out=$("$M" --pg "$URL" --log-level error seed verify mleak --dir "$W/seeds" 2>&1); is "$?" 1 "a seed.json that is a link: refused"
like "$out" "seed.json: is a symbolic link" "saying so"
unlike "$out" "TOPSECRET" "without echoing its text"
out=$("$M" --log-level error seed list --dir "$W/seeds" 2>&1)
unlike "$out" "TOPSECRET" "seed list does not echo it either"
cp "$W/seeds/leak/seed.json" "$W/seeds/ok/seed.json"
printf 'id,name\n1,a\n' >"$W/seeds/ok/x.csv"
out=$("$M" --pg "$URL" --log-level error seed verify ok --dir "$W/seeds" 2>&1); is "$?" 0 "a regular seed file still verifies"
# a file owned by neither the set directory's owner nor the invoker (what a
# hard link to someone else's file looks like) is not read
if [ "$(id -u)" = 0 ]; then
	mkdir -p "$W/seeds/other"
	cp "$W/seeds/ok/seed.json" "$W/seeds/other/seed.json"
	printf 'id,name\nTOPSECRET-OWNER,1\n' >"$W/seeds/other/x.csv"
	chown nobody "$W/seeds/other/x.csv"
	out=$("$M" --pg "$URL" --log-level error seed verify other --dir "$W/seeds" 2>&1); is "$?" 1 "a seed file of another owner: refused"
	like "$out" "x.csv: owned by uid $(id -u nobody), not by the set directory's owner (uid 0) or you" "naming the owners"
	unlike "$out" "TOPSECRET" "without reading it"
else
	skip "not root: cannot make a file of another owner"
	skip "not root"
	skip "not root"
fi

# --- TypeScript name collisions (item 10) --------------------------------
"$PSQL" -X -q -d "$URL" -c 'create schema c; create table c.a_b (id int); create table c."a-b" (id int); create table c."A B" (id int)' >/dev/null
out=$("$M" --pg "$URL" --log-level error schema export c --out "$W/c.ts" 2>&1); is "$?" 1 "colliding interface names: exit 1"
is "$out" "mcpdb: schema export --format ts: c.\"A B\", c.\"a-b\", and c.a_b would all become interface CAB; rename all but one, or use --format json-schema (keyed by the real names)" \
	"one line naming every colliding table"
test -e "$W/c.ts"; is "$?" 1 "nothing written"
"$M" --pg "$URL" --log-level error schema export c --format json-schema >/dev/null; is "$?" 0 "json-schema keeps them apart"
done_testing
