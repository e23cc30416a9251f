# fuzz.mk - libFuzzer harnesses for the parsers (tests/fuzz/README.md).
# ./configure --enable-fuzzing CC=clang builds tests/fuzz/fuzz-NAME (and
# instruments the whole build); `make fuzz` runs each for FUZZ_SECONDS.
# The smoke test below runs in every `make check`: it builds its own copies
# with clang when clang and libFuzzer are installed, and skips otherwise.
FUZZ_NAMES = conf rdsuri redact migfile seedfmt rdsinfo
FUZZ_SECONDS = 30
FUZZ_COMMON = tests/fuzz/fuzz-util.c tests/fuzz/fuzz-util.h
FUZZ_LDADD = libmcpdb.a $(MCPDB_LIBS)
FUZZ_PROGS = tests/fuzz/fuzz-conf tests/fuzz/fuzz-rdsuri \
	tests/fuzz/fuzz-redact tests/fuzz/fuzz-migfile \
	tests/fuzz/fuzz-seedfmt tests/fuzz/fuzz-rdsinfo

if FUZZING
noinst_PROGRAMS = $(FUZZ_PROGS)
endif
tests_fuzz_fuzz_conf_SOURCES = tests/fuzz/fuzz-conf.c $(FUZZ_COMMON)
tests_fuzz_fuzz_conf_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LDFLAGS)
tests_fuzz_fuzz_conf_LDADD = $(FUZZ_LDADD)
tests_fuzz_fuzz_rdsuri_SOURCES = tests/fuzz/fuzz-rdsuri.c $(FUZZ_COMMON)
tests_fuzz_fuzz_rdsuri_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LDFLAGS)
tests_fuzz_fuzz_rdsuri_LDADD = $(FUZZ_LDADD)
tests_fuzz_fuzz_redact_SOURCES = tests/fuzz/fuzz-redact.c $(FUZZ_COMMON)
tests_fuzz_fuzz_redact_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LDFLAGS)
tests_fuzz_fuzz_redact_LDADD = $(FUZZ_LDADD)
tests_fuzz_fuzz_migfile_SOURCES = tests/fuzz/fuzz-migfile.c $(FUZZ_COMMON)
tests_fuzz_fuzz_migfile_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LDFLAGS)
tests_fuzz_fuzz_migfile_LDADD = $(FUZZ_LDADD)
tests_fuzz_fuzz_seedfmt_SOURCES = tests/fuzz/fuzz-seedfmt.c $(FUZZ_COMMON)
tests_fuzz_fuzz_seedfmt_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LDFLAGS)
tests_fuzz_fuzz_seedfmt_LDADD = $(FUZZ_LDADD)
tests_fuzz_fuzz_rdsinfo_SOURCES = tests/fuzz/fuzz-rdsinfo.c $(FUZZ_COMMON)
tests_fuzz_fuzz_rdsinfo_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LDFLAGS)
tests_fuzz_fuzz_rdsinfo_LDADD = $(FUZZ_LDADD)

# make fuzz [FUZZ_SECONDS=N]: each harness in turn, growing a corpus under
# tests/fuzz/grown/NAME from the seeds; a crash lands in tests/fuzz/artifacts.
if FUZZING
fuzz: $(FUZZ_PROGS)
	@mkdir -p tests/fuzz/artifacts; \
	for n in $(FUZZ_NAMES); do \
	  mkdir -p tests/fuzz/grown/$$n; \
	  echo "== fuzz-$$n for $(FUZZ_SECONDS) s"; \
	  tests/fuzz/fuzz-$$n -max_total_time=$(FUZZ_SECONDS) \
	    -print_final_stats=1 -artifact_prefix=tests/fuzz/artifacts/$$n- \
	    tests/fuzz/grown/$$n $(srcdir)/tests/fuzz/corpus/$$n || exit 1; \
	done
else
fuzz:
	@echo "make fuzz: configure with" \
	    "./configure --enable-fuzzing CC=clang" \
	    "(Debian: apt-get install clang libclang-rt-dev)" >&2; exit 2
endif
.PHONY: fuzz

# The smoke run of `make check` (skips without clang/libFuzzer).
TESTS += tests/fuzz/t-fuzz-smoke.sh
EXTRA_DIST += tests/fuzz/t-fuzz-smoke.sh tests/fuzz/README.md \
	tests/fuzz/corpus tests/fuzz/fuzz.mk
