#!/bin/sh
# t-migrate-big.sh - big migration files: the ledger row keeps a bounded
# excerpt (the first 64 KiB of whole lines and a last line saying so) while
# the checksum covers the whole file; verify --diff works on the excerpt and
# says so when a change lies past it; down and redo run the down file, with a
# clear error when the files are gone; `migrate up` of a 20 MB file stays
# under twice the file's size in peak RSS.
. "${MCPDB_SRCDIR:?}/tests/tap.sh"
M=${MCPDB_BIN:?}
URL=${MCPDB_TEST_PGURL:-}
[ -n "$URL" ] || skip_all "MCPDB_TEST_PGURL not set; run under tests/harness/with-servers.sh"
command -v psql >/dev/null 2>&1 || skip_all "psql not found"

W=$(mktemp -d -t mcpdb-big.XXXXXX)
DB=mcpdb_t_big_$$
cleanup() {
	psql "$URL" -XAtqc "DROP DATABASE IF EXISTS $DB WITH (FORCE)" >/dev/null 2>&1
	rm -rf "$W"
}
trap cleanup EXIT
unset MCPDB_CONFIG MCPDB_TARGET DATABASE_URL REDIS_URL PGOPTIONS
export XDG_CONFIG_HOME="$W/xdg" HOME="$W"
q() { psql "$URL dbname=$DB" -XAtqc "$1" 2>&1; }
mig() { "$M" --pg "$URL dbname=$DB" --log-level error migrate "$@"; }
fresh() {
	psql "$URL" -XAtqc "DROP DATABASE IF EXISTS $DB WITH (FORCE)" >/dev/null 2>&1
	psql "$URL" -XAtqc "CREATE DATABASE $DB" >/dev/null || { echo "Bail out! cannot create $DB"; exit 1; }
}
# gen MB DIR: a migration of about MB megabytes of multi-row INSERTs.
gen() {
	mkdir -p "$2"
	awk -v mb="$1" 'BEGIN {
		print "CREATE TABLE big_t (id bigint, note text);"
		limit = mb * 1024 * 1024; n = 0; id = 0
		while (n < limit) {
			s = "INSERT INTO big_t (id, note) VALUES"
			for (r = 0; r < 1000; r++) {
				id++
				s = s sprintf("%s\n (%d, '\''row %d, padded to look like data'\'')",
				    r ? "," : "", id, id)
			}
			s = s ";"
			print s
			n += length(s) + 1
		}
	}' >"$2/0001_big.up.sql"
	echo "DROP TABLE big_t;" >"$2/0001_big.down.sql"
	echo "CREATE TABLE small_t (id int);" >"$2/0002_small.up.sql"
	echo "DROP TABLE small_t;" >"$2/0002_small.down.sql"
}

# -- the ledger row of a 2 MB file is bounded; a small file is kept whole
B=$W/b
gen 2 "$B"
SIZE=$(wc -c <"$B/0001_big.up.sql")
ROWS=$(grep -c '^ (' "$B/0001_big.up.sql")
fresh
out=$(mig up --dir "$B" 2>&1); rc=$?
is "$rc" 0 "a 2 MB migration applies"
is "$(q "SELECT count(*) FROM big_t")" "$ROWS" "every row of it"
len=$(q "SELECT octet_length(applied_sql) FROM mcpdb.migrations WHERE version = 1")
ok "$( [ "$len" -le 66000 ]; echo $?)" "its ledger row keeps at most 64 KiB and a line ($len of $SIZE bytes)"
like "$(q "SELECT right(applied_sql, 300) FROM mcpdb.migrations WHERE version = 1")" \
    "-- mcpdb: excerpt: the first " "and says it is an excerpt"
like "$(q "SELECT right(applied_sql, 300) FROM mcpdb.migrations WHERE version = 1")" \
    " of $SIZE bytes; the ledger keeps no more" "of how many bytes"
is "$(q "SELECT left(applied_sql, 60) = left(\$\$$(head -c 60 "$B/0001_big.up.sql")\$\$, 60) FROM mcpdb.migrations WHERE version = 1")" t "starting with the file's text"
is "$(q "SELECT checksum FROM mcpdb.migrations WHERE version = 1")" \
    "$(sha256sum <"$B/0001_big.up.sql" | cut -d' ' -f1)" "the checksum covers the whole file"
is "$(q "SELECT applied_sql FROM mcpdb.migrations WHERE version = 2")" \
    "CREATE TABLE small_t (id int);" "a small file is kept whole"
out=$(mig verify --dir "$B" 2>&1); rc=$?
is "$rc" 0 "verify: no drift"

# -- verify --diff with an excerpt
cp -r "$B" "$W/late"
echo "SELECT 'changed at the end';" >>"$W/late/0001_big.up.sql"
out=$(mig verify --dir "$W/late" --diff 2>&1); rc=$?
is "$rc" 3 "a change past the excerpt is drift (the checksum sees it)"
like "$out" "are unchanged: the change is further on in $W/late/0001_big.up.sql" "and --diff says the change lies past what the ledger keeps"
cp -r "$B" "$W/early"
sed -i '1s/.*/CREATE TABLE big_t (id bigint, note text, extra int);/' "$W/early/0001_big.up.sql"
out=$(mig verify --dir "$W/early" --diff 2>&1); rc=$?
is "$rc" 3 "a change inside the excerpt is drift"
like "$out" "+CREATE TABLE big_t (id bigint, note text, extra int);" "--diff shows the new line"
like "$out" "-CREATE TABLE big_t (id bigint, note text);" "and the old one"
like "$out" "(all the ledger keeps)" "labelled as the excerpt"

# -- down and redo run the down file, never the stored text
out=$(mig redo --yes --steps 2 --dir "$B" 2>&1); rc=$?
is "$rc" 0 "redo of the big migration works"
is "$(q "SELECT count(*) FROM big_t")" "$ROWS" "and its rows are back"
out=$(mig down --yes --steps 2 --dir "$B" 2>&1); rc=$?
is "$rc" 0 "down works"
is "$(q "SELECT to_regclass('big_t') IS NULL")" t "and ran the down file"
mig up --dir "$B" >/dev/null 2>&1
mkdir "$W/gone"; cp "$B"/0002_* "$W/gone/"
out=$(mig down --yes --steps 2 --dir "$W/gone" 2>&1); rc=$?
is "$rc" 1 "down with the files gone is refused"
like "$out" "cannot roll back 0001_big: its files are missing from $W/gone" "saying which files are missing where"
is "$(q "SELECT count(*) FROM mcpdb.migrations")" 2 "and nothing was rolled back"

# -- peak RSS of a 20 MB file stays under twice its size
if ldd "$M" 2>/dev/null | grep -q 'lib[at]san'; then
	skip "built with sanitizers: their shadow memory and quarantine make RSS meaningless"
	skip "built with sanitizers"
	skip "built with sanitizers"
elif [ -x /usr/bin/time ]; then
	gen 20 "$W/huge"
	SIZE=$(wc -c <"$W/huge/0001_big.up.sql")
	fresh
	/usr/bin/time -f '%M' -o "$W/rss" "$M" --pg "$URL dbname=$DB" --log-level error -q \
	    migrate up --dir "$W/huge" >/dev/null 2>&1
	is "$?" 0 "a 20 MB migration applies"
	kb=$(tail -1 "$W/rss")
	ok "$( [ $((kb * 1024)) -lt $((SIZE * 2)) ]; echo $?)" "peak RSS $kb kB < 2 x the file's $((SIZE / 1024)) kB"
	len=$(q "SELECT octet_length(applied_sql) FROM mcpdb.migrations WHERE version = 1")
	ok "$( [ "$len" -le 66000 ]; echo $?)" "its ledger row is bounded too ($len bytes)"
else
	skip "/usr/bin/time not installed: peak RSS not measured"
	skip "/usr/bin/time not installed"
	skip "/usr/bin/time not installed"
fi
done_testing
