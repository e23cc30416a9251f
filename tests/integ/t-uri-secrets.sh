#!/bin/sh
# t-uri-secrets.sh - the binary, as an operator runs it, never prints a
# password: for random passwords over all bytes (1..255) in Redis URIs
# (every accepted form) and PostgreSQL URIs/conninfo, no output or error of
# `config show`, `config show --json`, `targets`, `targets --json`,
# `redis ping` to a closed port and, every 4th case, `health` (failed
# PostgreSQL and Redis connects), nor the trace log, holds the password, raw or as written.
# A smaller sample than tests/unit/t-uri-secrets (in-process, 2000 cases):
# MCPDB_URI_SH_CASES (default 200), MCPDB_URI_SEED (default fixed, printed).
# Also: the forms issue 16 and 21 name (unix:// with AUTH and db accepted,
# rediss:// accepted by the config). No server.
. "${MCPDB_SRCDIR:?}/tests/tap.sh"
M=${MCPDB_BIN:?}
W=$(mktemp -d -t mcpdb-uri.XXXXXX)
trap 'rm -rf "$W"' EXIT
unset MCPDB_CONFIG MCPDB_TARGET DATABASE_URL REDIS_URL MCPDB_LOG_LEVEL MCPDB_LOG_FORMAT MCPDB_LOG_FILE
export XDG_CONFIG_HOME="$W/xdg" HOME="$W"
command -v python3 >/dev/null 2>&1 || skip_all "python3 is needed to drive the property test"

# -- forms the config used to refuse or accept wrongly
out=$("$M" --redis 'unix:///run/r.sock?db=3&password=s3cr%2Ft' config show --json 2>&1)
is "$?" 0 "unix:///path?db=3&password=... is accepted by the config"
like "$out" '"unix://***@/run/r.sock?db=3"' "... and shown from its parts"
out=$("$M" --redis 'unix://app:s3cr%2Ft@/run/r.sock?db=3' config show 2>&1)
is "$?" 0 "unix://user:pw@/path?db=3 (redis-py) is accepted"
unlike "$out" "s3cr" "... without the password"
out=$("$M" --redis 'rediss://u:topsecret@h:6380/0' config show 2>&1)
is "$?" 0 "rediss:// is accepted when the config is read"
like "$out" "rediss://u:***@h:6380/0" "... and shown redacted"
unlike "$out" "topsecret" "... and no password"
out=$("$M" --redis 'http://u:topsecret@h' config show 2>&1)
like "$out" "use redis://, rediss://, unix:// or an absolute unix socket path" "another scheme: the usable forms listed"
unlike "$out" "topsecret" "... no password"
out=$("$M" --redis 'redis://u:top/secret@h:6379/0' config show 2>&1)
is "$?" 2 "a raw '/' in a password is refused"
unlike "$out" "top" "... quoting no piece of the user info: $out"

# -- the property, over the binary
N=${MCPDB_URI_SH_CASES:-200}
SEED=${MCPDB_URI_SEED:-20261203}
diag "seed $SEED, $N cases (MCPDB_URI_SEED / MCPDB_URI_SH_CASES to change)"
res=$(M="$M" W="$W" N="$N" SEED="$SEED" python3 - <<'PY'
import json, os, random, subprocess, sys

M, W, N, SEED = os.environ["M"], os.environ["W"], int(os.environ["N"]), int(os.environ["SEED"])
rnd = random.Random(SEED)
cfgdir = os.path.join(W, "xdg", "mcpdb")
os.makedirs(cfgdir, exist_ok=True)
cfg = os.path.join(cfgdir, "config.json")
log = os.path.join(W, "trace.log")

def enc(pw, must):
    out = []
    for b in pw:
        c = chr(b)
        if c in must or c == "%" or b < 0x21 or b > 0x7e or rnd.randrange(3) == 0:
            out.append("%%%02X" % b)
        else:
            out.append(c)
    return "".join(out)

def redis_uri(k, pw):
    k %= 5
    if k == 0:
        return "redis://app:" + enc(pw, "/?#\"\\") + "@127.0.0.1:1/0"
    if k == 1:
        return "redis://" + enc(pw, "/?#:\"\\") + "@127.0.0.1:1/2"
    if k == 2:
        return "redis://127.0.0.1:1/?password=" + enc(pw, "&#+@\"\\") + "&db=1"
    if k == 3:
        return "unix://%s/none.sock?db=3&password=%s" % (W, enc(pw, "&#+@\"\\"))
    return "unix://app:" + enc(pw, "/?#\"\\") + "@%s/none.sock?db=3" % W

def pg_conn(k, pw):
    k %= 3
    if k == 0:
        return "postgresql://app:" + enc(pw, "/?#@:&=\"\\") + "@127.0.0.1:1/db?connect_timeout=1"
    if k == 1:
        return "postgresql://127.0.0.1:1/db?password=" + enc(pw, "/?#@:&=\"\\")
    # conninfo: quoted, with \' and \\ escaped; JSON needs valid UTF-8, so
    # bytes outside printable ASCII go through --pg instead (argv)
    q = pw.replace(b"\\", b"\\\\").replace(b"'", b"\\'")
    return b"host=127.0.0.1 port=1 password='" + q + b"' dbname=db"

bad = 0
for i in range(N):
    pw = bytes(rnd.randrange(1, 256) for _ in range(rnd.randrange(8, 25)))
    ru = redis_uri(i, pw)
    pg = pg_conn(i, pw)
    pgfile = pg if isinstance(pg, str) else "host=127.0.0.1 port=1 dbname=db"
    with open(cfg, "w") as f:
        json.dump({"targets": {"t": {"pg": pgfile, "redis": ru}}}, f)
    os.chmod(cfg, 0o600)
    pgarg = pg if isinstance(pg, bytes) else pg.encode()
    runs = [
        ["config", "show"], ["config", "show", "--json"],
        ["targets"], ["targets", "--json"],
        ["--log-level", "trace", "--log-file", log, "redis", "ping"],
        ["--pg", pgarg, "--log-level", "trace", "--log-file", log,
         "config", "show", "--json"],
    ]
    if i % 4 == 0:      # failed PostgreSQL and Redis connects (slower)
        runs.append(["--pg", pgarg, "--log-level", "trace", "--log-file",
                     log, "health"])
    out = b""
    for r in runs:
        p = subprocess.run([M.encode(), b"-t", b"t"] + [a if isinstance(a, bytes) else a.encode() for a in r],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        out += p.stdout
    with open(log, "rb") as f:
        out += f.read()
    os.unlink(log)
    leaked = [w for w in (pw, ru.encode(), pgarg) if w in out]
    if leaked or b"***" not in out or b"cannot connect" not in out:
        bad += 1
        if bad <= 3:
            sys.stderr.write("case %d: redis %r pg %r: %s\n" % (i, ru, pgarg, out[:2000]))
print(bad)
PY
)
is "$res" 0 "no password in any output, error or log line ($N cases, seed $SEED)"
done_testing
