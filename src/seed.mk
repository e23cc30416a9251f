# seed.mk - seed loading: the server-free parser/validator (seedfmt), the
# COPY loader and ledger (seed), their tests, bad-seed fixtures and the
# benchmark script. cmd-seed.c is listed in core.mk with the other cmd-*.c.
libmcpdb_a_SOURCES += \
	src/seedfmt.c src/seedfmt.h \
	src/seed.c src/seed.h

check_PROGRAMS += tests/unit/t-seedfmt tests/integ/t-seed
# bench/seed.sh and bench/RESULTS-seed.md ship with the whole bench/ directory.
EXTRA_DIST += tests/fixtures/seeds
