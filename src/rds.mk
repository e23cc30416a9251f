# rds.mk - the Redis client (rds_*), its tests, fixtures and benchmark.
# rdsuri: the one Redis URI parser, shared by conf.c and the client.
libmcpdb_a_SOURCES += \
	src/rdsuri.c src/rdsuri.h \
	src/rds.c src/rds.h src/rds-int.h \
	src/rdstls.c src/rdstls.h \
	src/rds-sub.c \
	src/rds-watch.c src/rds-watch.h \
	src/rds-warm.c src/rds-warm.h \
	src/rds-info.c src/rds-info.h \
	src/rds-hist.c src/rds-hist.h

# Unit: INFO parser on captured replies, URI parsing, histogram percentiles.
check_PROGRAMS += tests/unit/t-rds-info tests/unit/t-rds-uri
# Property test: random passwords never reach config show, targets, a failed
# connect or the log (in-process, no server); the shell test runs the binary.
check_PROGRAMS += tests/unit/t-uri-secrets
TESTS += tests/integ/t-uri-secrets.sh
EXTRA_DIST += tests/integ/t-uri-secrets.sh
# Integration: need MCPDB_TEST_REDIS (skip otherwise). t-rds uses the
# harness server; t-rds-fault and t-rds-sentinel start private servers
# (they kill, pause and fail them over) from tests/integ/rds-srv.c.
check_PROGRAMS += tests/integ/t-rds tests/integ/t-rds-fault tests/integ/t-rds-sentinel
tests_integ_t_rds_fault_SOURCES = tests/integ/t-rds-fault.c \
	tests/integ/rds-srv.c tests/integ/rds-srv.h
tests_integ_t_rds_sentinel_SOURCES = tests/integ/t-rds-sentinel.c \
	tests/integ/rds-srv.c tests/integ/rds-srv.h
# The `mcpdb redis ...` commands as an operator runs them (harness Redis).
TESTS += tests/integ/t-redis-cli.sh tests/integ/t-rds-cluster-cli.sh
# TLS (rediss://, rdstls.c): private TLS redis-servers, certificates made
# by the test with openssl (skips without TLS in redis-server).
TESTS += tests/integ/t-rds-tls.sh
EXTRA_DIST += tests/integ/t-rds-tls.sh tests/integ/tls-certs.sh
# Redis Cluster over TLS (rediss+cluster://) on a TLS cluster of
# tests/harness/redis-cluster.sh (skips without TLS in redis-server).
TESTS += tests/integ/t-rds-cluster-tls.sh
EXTRA_DIST += tests/integ/t-rds-cluster-tls.sh
# Sharded Pub/Sub (SSUBSCRIBE/SPUBLISH) across a failover, on its own cluster.
TESTS += tests/integ/t-rds-cluster-sharded.sh
EXTRA_DIST += tests/integ/t-rds-cluster-sharded.sh

EXTRA_DIST += \
	tests/integ/t-redis-cli.sh tests/integ/t-rds-cluster-cli.sh \
	tests/fixtures/info/master-7.0.txt \
	tests/fixtures/info/replica-7.0.txt \
	tests/fixtures/info/old-5.0.txt \
	tests/fixtures/info/odd-lf.txt \
	tests/fixtures/info/missing-fields.txt

# Benchmark: built on demand by bench/redis-pipeline.sh ("make bench/bench-rds"),
# never by all or check. An explicit rule because EXTRA_PROGRAMS/CLEANFILES
# have no "=" in Makefile.am to append to.
bench/bench-rds: $(srcdir)/bench/bench-rds.c libmcpdb.a
	@$(MKDIR_P) bench
	$(AM_V_CCLD)$(CC) $(DEFS) $(DEFAULT_INCLUDES) $(INCLUDES) $(AM_CPPFLAGS) \
	    $(CPPFLAGS) $(AM_CFLAGS) $(CFLAGS) $(AM_LDFLAGS) $(LDFLAGS) -o $@ \
	    $(srcdir)/bench/bench-rds.c libmcpdb.a $(MCPDB_LIBS)

# Redis Cluster: slot routing over one rds client per node (rds-cluster.c).
libmcpdb_a_SOURCES += src/rds-cluster.c src/rds-cluster.h
# Many batches at once from one thread (rds-run.c).
libmcpdb_a_SOURCES += src/rds-run.c src/rds-run.h
check_PROGRAMS += tests/unit/t-rds-slot
# A real 6-node cluster from tests/harness/redis-cluster.sh (started by the test).
check_PROGRAMS += tests/integ/t-rds-cluster
tests_integ_t_rds_cluster_SOURCES = tests/integ/t-rds-cluster.c \
	tests/integ/rds-srv.c tests/integ/rds-srv.h

# redis_options.min_connections: the warm-up (rds-warm.c) as the Redis pane
# shows it, on a private redis-server. It opens a monitor session on the
# harness PostgreSQL, so t-tui-dash (which counts them) runs after it.
TESTS += tests/tui/t-tui-rdsmin.sh
EXTRA_DIST += tests/tui/t-tui-rdsmin.sh
tests/tui/t-tui-dash.log: tests/tui/t-tui-rdsmin.log
