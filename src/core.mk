# core.mk - errors, memory, buffers, output, command table, backoff/breaker.
libmcpdb_a_SOURCES += \
	src/err.c src/err.h \
	src/xmem.c src/xmem.h \
	src/buf.c src/buf.h \
	src/jscan.c src/jscan.h \
	src/esc.c src/esc.h \
	src/fsafe.c src/fsafe.h

check_PROGRAMS += tests/unit/t-core tests/unit/t-esc
libmcpdb_a_SOURCES += \
	src/clk.c src/clk.h \
	src/backoff.c src/backoff.h \
	src/breaker.c src/breaker.h
check_PROGRAMS += tests/unit/t-breaker
libmcpdb_a_SOURCES += \
	src/out.c src/out.h \
	src/pgq.c src/pgq.h \
	src/cmd.c src/cmd.h \
	src/conn.c src/conn.h \
	src/cmd-core.c src/cmd-health.c src/cmd-redis.c src/cmd-migrate.c \
	src/cmd-seed.c src/cmd-schema.c
check_PROGRAMS += tests/unit/t-cmd
TESTS += tests/integ/t-cli.sh
EXTRA_DIST += tests/tap.sh tests/integ/t-cli.sh
TESTS += tests/integ/t-health.sh
EXTRA_DIST += tests/integ/t-health.sh
libmcpdb_a_SOURCES += src/schema.c src/schema.h
check_PROGRAMS += tests/unit/t-schema
TESTS += tests/integ/t-schema-export.sh
EXTRA_DIST += tests/integ/t-schema-export.sh
TESTS += tests/integ/t-doctor.sh
EXTRA_DIST += tests/integ/t-doctor.sh
# Hardening seen from the outside: escaping, limits, files, core dumps (issue 18).
TESTS += tests/integ/t-safety.sh tests/tui/t-tui-escape.sh
EXTRA_DIST += tests/integ/t-safety.sh tests/tui/t-tui-escape.sh
