# harness.mk - the test harness: a private PostgreSQL 15 + Redis 7 per run.
#
# src/mcpdb-servers.sh starts/stops/faults the pair under one directory; it is
# installed because `mcpdb demo up|down|status` runs it too.
# tests/harness/with-servers.sh wraps a command (`with-servers.sh make check`)
# with a fresh pair; t-harness.sh tests both.

dist_pkgdata_SCRIPTS += src/mcpdb-servers.sh
# The 6-node cluster of the cluster tests, which `demo up --redis-cluster`
# starts too (mcpdb-servers.sh finds it next to itself once installed).
dist_pkgdata_SCRIPTS += tests/harness/redis-cluster.sh
TESTS += tests/harness/t-harness.sh
EXTRA_DIST += tests/harness/t-harness.sh tests/harness/with-servers.sh \
	tests/harness/pg-standby.sh
# PgBouncer (transaction pooling) in front of a private server of its own.
TESTS += tests/integ/t-pgbouncer.sh
EXTRA_DIST += tests/integ/t-pgbouncer.sh tests/harness/pgbouncer.sh
