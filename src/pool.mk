# pool.mk - the PostgreSQL connection pool, its tests and benchmark.
libmcpdb_a_SOURCES += src/pool.c src/pool.h

# Without a server: settings, breaker, backoff, timeouts, shutdown.
check_PROGRAMS += tests/unit/t-pool
# Against the harness server (skip without MCPDB_TEST_PGURL).
check_PROGRAMS += tests/integ/t-pool
tests_integ_t_pool_SOURCES = tests/integ/t-pool.c \
	tests/integ/pool-common.c tests/integ/pool-common.h
# Stops and freezes a private server of its own (src/mcpdb-servers.sh).
check_PROGRAMS += tests/integ/t-pool-fault
tests_integ_t_pool_fault_SOURCES = tests/integ/t-pool-fault.c \
	tests/integ/pool-common.c tests/integ/pool-common.h

# Benchmark: built on demand by bench/pool.sh ("make bench/bench-pool"),
# never by "make" or "make check".
bench/bench-pool: $(srcdir)/bench/bench-pool.c libmcpdb.a
	@$(MKDIR_P) bench
	$(AM_V_CCLD)$(CC) $(DEFS) $(DEFAULT_INCLUDES) $(INCLUDES) $(AM_CPPFLAGS) \
	    $(CPPFLAGS) $(AM_CFLAGS) $(CFLAGS) $(AM_LDFLAGS) $(LDFLAGS) -o $@ \
	    $(srcdir)/bench/bench-pool.c libmcpdb.a $(MCPDB_LIBS)
# A primary + streaming standby of its own; the primary crashes and the
# standby is promoted under load (tests/harness/pg-standby.sh).
check_PROGRAMS += tests/integ/t-failover
tests_integ_t_failover_SOURCES = tests/integ/t-failover.c \
	tests/integ/pool-common.c tests/integ/pool-common.h
