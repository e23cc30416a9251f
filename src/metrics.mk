# metrics.mk - `mcpdb metrics`: the Prometheus text writer (prom), the
# snapshot-to-families mapping (promexp), the tiny HTTP server (httpd), the
# command, and their tests (a strict format checker stands in for promtool
# when that is not installed).
libmcpdb_a_SOURCES += \
	src/prom.c src/prom.h \
	src/promexp.c src/promexp.h \
	src/httpd.c src/httpd.h \
	src/cmd-metrics.c

check_PROGRAMS += tests/unit/t-prom tests/unit/t-httpd
TESTS += tests/integ/t-metrics.sh
EXTRA_DIST += tests/integ/t-metrics.sh tests/integ/promcheck.py
