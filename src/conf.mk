# conf.mk - automake fragment (owned by its module): configuration.
libmcpdb_a_SOURCES += src/conf.c src/conf.h
check_PROGRAMS += tests/unit/t-conf
EXTRA_DIST += tests/fixtures/conf
