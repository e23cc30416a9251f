# migrate.mk - the migration runner: file parsing (migfile), the runner and
# ledger (migrate), the catalog snapshot used by `migrate check` (catsnap),
# their tests, fixtures and benchmark.
libmcpdb_a_SOURCES += \
	src/migfile.c src/migfile.h

check_PROGRAMS += tests/unit/t-migfile
EXTRA_DIST += tests/fixtures/migrations
libmcpdb_a_SOURCES += \
	src/migplan.c src/migplan.h \
	src/catsnap.c src/catsnap.h \
	src/migrate.c src/migrate.h \
	src/miglint.c src/miglint.h

check_PROGRAMS += tests/unit/t-migplan tests/unit/t-miglint tests/integ/t-migrate
TESTS += tests/integ/t-migrate-proc.sh tests/integ/t-migrate-scratch.sh \
	tests/integ/t-migrate-history.sh tests/integ/t-migrate-baseline.sh \
	tests/integ/t-migrate-wait.sh tests/integ/t-migrate-repair.sh \
	tests/integ/t-exit-codes.sh tests/integ/t-migrate-big.sh \
	tests/integ/t-migrate-lint.sh tests/integ/t-migrate-tag.sh \
	tests/integ/t-migrate-placeholders.sh tests/integ/t-migrate-repeatable.sh \
	tests/integ/t-migrate-streams.sh tests/integ/t-migrate-streams-edge.sh \
	tests/integ/t-migrate-streams-spec.sh \
	tests/tui/t-tui-migrate-repeatable.sh tests/tui/t-tui-migrate-streams.sh
EXTRA_DIST += tests/integ/migdb.sh \
	tests/integ/t-migrate-proc.sh tests/integ/t-migrate-scratch.sh \
	tests/integ/t-migrate-history.sh tests/integ/t-migrate-baseline.sh \
	tests/integ/t-migrate-wait.sh tests/integ/t-migrate-repair.sh \
	tests/integ/t-exit-codes.sh tests/integ/t-migrate-big.sh \
	tests/integ/t-migrate-lint.sh tests/integ/t-migrate-tag.sh \
	tests/integ/t-migrate-placeholders.sh \
	tests/integ/t-migrate-repeatable.sh tests/tui/t-tui-migrate-repeatable.sh \
	tests/integ/t-migrate-streams.sh tests/tui/t-tui-migrate-streams.sh \
	tests/integ/t-migrate-streams-edge.sh tests/integ/t-migrate-streams-spec.sh
