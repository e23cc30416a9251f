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
# Vacuum and wraparound health (issue 20 item 3): `vacuum status`, the Dashboard's v view.
libmcpdb_a_SOURCES += src/pgvac.c src/pgvac.h src/cmd-vacuum.c
check_PROGRAMS += tests/unit/t-pgvac
TESTS += tests/integ/t-vacuum.sh
EXTRA_DIST += tests/integ/t-vacuum.sh
# I/O and WAL rates (issue 20 item 7): `io status`, the Dashboard's w view.
libmcpdb_a_SOURCES += src/pgio.c src/pgio.h src/cmd-io.c
check_PROGRAMS += tests/unit/t-pgio
TESTS += tests/integ/t-io.sh
EXTRA_DIST += tests/integ/t-io.sh
# Top queries from pg_stat_statements (issue 20 item 2): `statements top`, the t view.
libmcpdb_a_SOURCES += src/pgstmt.c src/pgstmt.h src/cmd-stmt.c
TESTS += tests/integ/t-statements.sh
EXTRA_DIST += tests/integ/t-statements.sh
# Redis keyspace sample and doctor reports (issue 20 item 8).
libmcpdb_a_SOURCES += src/rdskeys.c src/rdskeys.h src/cmd-rdskeys.c
check_PROGRAMS += tests/unit/t-rdskeys
TESTS += tests/integ/t-rdskeys.sh
EXTRA_DIST += tests/integ/t-rdskeys.sh
# The seed load's ETA: a time-weighted moving average of the byte rate.
libmcpdb_a_SOURCES += src/eta.c src/eta.h
check_PROGRAMS += tests/unit/t-eta
libmcpdb_a_SOURCES += \
	src/out.c src/out.h \
	src/pgq.c src/pgq.h \
	src/cmd.c src/cmd.h \
	src/conn.c src/conn.h \
	src/cmd-core.c src/cmd-health.c src/cmd-redis.c src/cmd-migrate.c \
	src/cmd-seed.c src/cmd-schema.c src/cmd-completion.c \
	src/cmd-pg.c src/pg-locks.c src/pg-locks.h src/pgsession.c src/pgsession.h \
	src/cmd-rds-clients.c src/rds-clients.c src/rds-clients.h \
	src/repl.c src/repl.h src/pgbadmin.c src/pgbadmin.h
check_PROGRAMS += tests/unit/t-cmd tests/unit/t-pgsession
# Unit: replication lines, their levels (the Dashboard's flags), problems.
check_PROGRAMS += tests/unit/t-repl
TESTS += tests/unit/t-completion.sh
EXTRA_DIST += tests/unit/t-completion.sh
TESTS += tests/integ/t-cli.sh tests/integ/t-target-select.sh \
	tests/integ/t-libpq-env.sh tests/integ/t-signals.sh \
	tests/integ/t-json-contract.sh tests/integ/t-standby.sh
EXTRA_DIST += tests/tap.sh tests/integ/t-cli.sh tests/integ/t-target-select.sh \
	tests/integ/t-libpq-env.sh tests/integ/t-signals.sh \
	tests/integ/t-json-contract.sh tests/integ/t-standby.sh
TESTS += tests/integ/t-cli.sh
EXTRA_DIST += tests/tap.sh tests/integ/t-cli.sh
TESTS += tests/integ/t-confirm.sh
EXTRA_DIST += tests/integ/t-confirm.sh
TESTS += tests/integ/t-health.sh
EXTRA_DIST += tests/integ/t-health.sh
# The lock tree (issue 20 item 4): CLI, --json and the Dashboard's view.
TESTS += tests/integ/t-pg-locks.sh tests/integ/t-pg-session.sh
EXTRA_DIST += tests/integ/t-pg-locks.sh tests/integ/t-pg-session.sh
# Redis clients, kill-client, slowlog, errors (issue 20 item 5).
check_PROGRAMS += tests/unit/t-depth-parse
TESTS += tests/integ/t-redis-clients.sh
EXTRA_DIST += tests/integ/t-redis-clients.sh
# Read routing (issue 12): a target's pg_read pool, on a private standby.
TESTS += tests/integ/t-read-route.sh
EXTRA_DIST += tests/integ/t-read-route.sh
libmcpdb_a_SOURCES += src/schema.c src/schema.h
check_PROGRAMS += tests/unit/t-schema
TESTS += tests/integ/t-schema-export.sh
EXTRA_DIST += tests/integ/t-schema-export.sh
TESTS += tests/integ/t-doctor.sh
EXTRA_DIST += tests/integ/t-doctor.sh

# Shell completion scripts, generated from the command table by the binary
# just built, installed where bash-completion and zsh look (configure.ac).
bashcomp_DATA = completions/mcpdb
zshcomp_DATA = completions/_mcpdb
completions/mcpdb: mcpdb$(EXEEXT)
	$(AM_V_GEN)$(MKDIR_P) completions && ./mcpdb$(EXEEXT) completion bash >$@
completions/_mcpdb: mcpdb$(EXEEXT)
	$(AM_V_GEN)$(MKDIR_P) completions && ./mcpdb$(EXEEXT) completion zsh >$@
CLEANFILES += completions/mcpdb completions/_mcpdb
AM_DISTCHECK_CONFIGURE_FLAGS = \
	--with-bash-completion-dir='$${dc_install_base}/share/bash-completion/completions' \
	--with-zsh-completion-dir='$${dc_install_base}/share/zsh/site-functions'
# A read_only target's sessions are read-only at the server (pgq_connect).
check_PROGRAMS += tests/integ/t-readonly
tests_integ_t_readonly_SOURCES = tests/integ/t-readonly.c \
	tests/integ/pool-common.c tests/integ/pool-common.h
# demo up: generated credentials for the demo servers (its own servers).
TESTS += tests/integ/t-demo.sh
EXTRA_DIST += tests/integ/t-demo.sh
# demo up --redis-cluster: a 6-node cluster instead of the single Redis.
TESTS += tests/integ/t-demo-cluster.sh
EXTRA_DIST += tests/integ/t-demo-cluster.sh
# Hardening seen from the outside: escaping, limits, files, core dumps (issue 18).
TESTS += tests/integ/t-safety.sh tests/tui/t-tui-escape.sh
EXTRA_DIST += tests/integ/t-safety.sh tests/tui/t-tui-escape.sh

# One SQL tokenizer (sqltok.c: comments, strings, dollar quotes), used by
# `migrate lint` and by the session detail's EXPLAIN checks (pgsession.c:
# `mcpdb pg session PID`, the Dashboard's Enter).
libmcpdb_a_SOURCES += src/sqltok.c src/sqltok.h
tests/tui/t-tui-dash.log: tests/integ/t-pg-session.log
