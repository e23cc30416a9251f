# migrate.mk - the migration runner: file parsing (migfile), the runner and
# ledger (migrate), the catalog snapshot used by `migrate check` (catsnap),
# their tests, fixtures and benchmark.
libmcpdb_a_SOURCES += \
	src/migfile.c src/migfile.h

check_PROGRAMS += tests/unit/t-migfile
EXTRA_DIST += tests/fixtures/migrations
