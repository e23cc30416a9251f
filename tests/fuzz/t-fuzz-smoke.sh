#!/bin/sh
# t-fuzz-smoke.sh - a short run of every libFuzzer harness of tests/fuzz/
# inside `make check`. It does not need ./configure --enable-fuzzing: it
# compiles the parser sources the harnesses use with clang (ASan, UBSan,
# libFuzzer coverage) into a private archive under the build directory,
# cached between runs by timestamps, so the gcc build is left alone. Each
# harness then runs MCPDB_FUZZ_SECS seconds (default 10) from its seed
# corpus, two at a time. A crash, leak or property violation is a TAP
# failure naming the saved reproducer.
#
# MCPDB_FUZZ_CC names the compiler (default: the first of clang, clang-16,
# clang-15, clang-14 found). Skips (TAP SKIP, with the reason) when clang
# or libFuzzer is missing,
# when the build is a sanitizer build (.ci/run's second pass: the smoke
# run only needs to run once), when MCPDB_FUZZ_SKIP is set or when
# MCPDB_FUZZ_SECS=0.
. "${MCPDB_SRCDIR:-.}/tests/tap.sh"

src=${MCPDB_SRCDIR:-$(pwd)}
bld=${MCPDB_BUILDDIR:-$(pwd)}
secs=${MCPDB_FUZZ_SECS:-10}
CLANG=${MCPDB_FUZZ_CC:-}
names="conf rdsuri redact migfile seedfmt rdsinfo"
# The parser sources the harnesses link (and what they need).
srcs="err xmem buf jscan fsafe esc log conf rdsuri redact migfile seedfmt
	rds-info"

[ -n "${MCPDB_FUZZ_SKIP:-}" ] && skip_all "MCPDB_FUZZ_SKIP is set ($MCPDB_FUZZ_SKIP)"
[ "$secs" = 0 ] && skip_all "MCPDB_FUZZ_SECS=0"
if grep -q '^SAN_CFLAGS = .*-fsanitize=fuzzer' "$bld/Makefile" 2>/dev/null; then
	skip_all "--enable-fuzzing build: the harnesses are built here, run make fuzz"
fi
if grep -q '^SAN_CFLAGS = .*-fsanitize' "$bld/Makefile" 2>/dev/null; then
	skip_all "sanitizer build: the fuzz smoke run goes with the normal build only"
fi
if [ -z "$CLANG" ]; then
	for c in clang clang-16 clang-15 clang-14; do
		if command -v "$c" >/dev/null 2>&1; then CLANG=$c; break; fi
	done
fi
[ -n "$CLANG" ] && command -v "$CLANG" >/dev/null 2>&1 || skip_all "clang is not installed (Debian: apt-get install clang libclang-rt-dev)"
[ -f "$bld/config.h" ] || skip_all "no config.h in $bld (run ./configure first)"

work=$bld/tests/fuzz/smoke
mkdir -p "$work/obj" "$work/bin" "$work/artifacts" "$work/tmp" || exit 1
SAN="-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer -g -O1"
# libFuzzer present? (libclang-rt-NN-dev on Debian)
printf '%s\n' '#include <stddef.h>' '#include <stdint.h>' \
	'int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);' \
	'int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) { (void)d; (void)n; return 0; }' \
	>"$work/probe.c"
"$CLANG" -fsanitize=fuzzer $SAN -o "$work/probe" "$work/probe.c" \
	>"$work/probe.log" 2>&1 ||
	skip_all "$CLANG cannot link -fsanitize=fuzzer: libFuzzer is missing (Debian: apt-get install libclang-rt-dev)"
pkgs="libpq hiredis libcjson libcrypto"
PKG_CFLAGS=$(pkg-config --cflags $pkgs 2>/dev/null) &&
	PKG_LIBS=$(pkg-config --libs $pkgs 2>/dev/null) ||
	skip_all "pkg-config does not find $pkgs"
CFLAGS="-std=gnu11 -DHAVE_CONFIG_H -I$bld -I$src/src -I$src/tests -I$src/tests/fuzz $PKG_CFLAGS -fsanitize=fuzzer-no-link $SAN"

# Compile a .c into an .o when the source, any header or config.h is newer.
compile() {
	in=$1 out=$2
	if [ -f "$out" ] && [ ! "$in" -nt "$out" ] && [ ! "$bld/config.h" -nt "$out" ] &&
	    [ -z "$(find "$src/src" "$src/tests/fuzz" -name '*.h' -newer "$out" 2>/dev/null | head -n 1)" ]; then
		return 0
	fi
	"$CLANG" $CFLAGS -c -o "$out.tmp" "$in" && mv "$out.tmp" "$out"
}

start=$(date +%s)
fail_build=0
: >"$work/build.log"
for s in $srcs; do
	compile "$src/src/$s.c" "$work/obj/$s.o" >>"$work/build.log" 2>&1 || fail_build=1
done
for s in fuzz-util $(for n in $names; do echo "fuzz-$n"; done); do
	compile "$src/tests/fuzz/$s.c" "$work/obj/$s.o" >>"$work/build.log" 2>&1 || fail_build=1
done
if [ "$fail_build" = 0 ]; then
	objs=
	for s in $srcs; do objs="$objs $work/obj/$s.o"; done
	newest=$(ls -t $objs "$work/libparsers.a" 2>/dev/null | head -n 1)
	if [ "$newest" != "$work/libparsers.a" ]; then
		rm -f "$work/libparsers.a"
		ar cr "$work/libparsers.a" $objs >>"$work/build.log" 2>&1 || fail_build=1
	fi
fi
for n in $names; do
	[ "$fail_build" = 0 ] || break
	b=$work/bin/fuzz-$n
	if [ ! -f "$b" ] || [ "$work/obj/fuzz-$n.o" -nt "$b" ] ||
	    [ "$work/libparsers.a" -nt "$b" ] || [ "$work/obj/fuzz-util.o" -nt "$b" ]; then
		"$CLANG" -fsanitize=fuzzer $SAN -o "$b" "$work/obj/fuzz-$n.o" \
		    "$work/obj/fuzz-util.o" "$work/libparsers.a" $PKG_LIBS -lm \
		    >>"$work/build.log" 2>&1 || fail_build=1
	fi
done
[ "$fail_build" = 0 ]
ok $? "harnesses build with $CLANG in $(( $(date +%s) - start )) s"
if [ "$fail_build" != 0 ]; then
	sed 's/^/# /' "$work/build.log" | tail -n 40
	for n in $names; do skip "fuzz-$n: the build failed"; done
	done_testing
	exit
fi

# Run one harness; its TAP line goes to $work/NAME.tap.
run_one() {
	n=$1
	mkdir -p "$work/corpus/$n"
	rm -f "$work/artifacts/$n-"*
	TMPDIR=$work/tmp ASAN_OPTIONS=detect_leaks=1 \
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	    "$work/bin/fuzz-$n" -max_total_time="$secs" -timeout=20 \
	    -rss_limit_mb=1024 -print_final_stats=1 \
	    -artifact_prefix="$work/artifacts/$n-" \
	    "$work/corpus/$n" "$src/tests/fuzz/corpus/$n" \
	    >"$work/$n.log" 2>&1
	echo $? >"$work/$n.rc"
}
set -- $names
while [ $# -gt 0 ]; do
	run_one "$1" &
	p1=$!
	if [ $# -gt 1 ]; then run_one "$2" & p2=$!; else p2=; fi
	wait $p1
	[ -n "$p2" ] && wait $p2
	shift
	[ $# -gt 0 ] && shift
done
for n in $names; do
	rc=$(cat "$work/$n.rc" 2>/dev/null || echo 99)
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/$n.log" | tail -n 1)
	if [ "$rc" = 0 ]; then
		ok 0 "fuzz-$n: ${runs:-?} inputs in $secs s, no crash and no property violated"
	else
		ok 1 "fuzz-$n: failed (exit $rc)"
		grep -E 'property violated|ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)|runtime error|fuzz: text' \
		    "$work/$n.log" | head -n 5 | sed 's/^/# /'
		for a in "$work/artifacts/$n-"*; do
			[ -f "$a" ] && diag "reproducer: $a (run: $work/bin/fuzz-$n $a)"
		done
		diag "log: $work/$n.log"
	fi
done
rm -rf "$work/tmp"/mcpdb-fuzz.* 2>/dev/null
done_testing
