# tui-data.mk - the data side of the TUI: pure metrics maths, the snapshot
# handed from the poller thread to the UI, the poller itself, and the
# Dashboard (PostgreSQL) and Redis panes (with the cluster view and the
# poller's cluster reading); their tests and benchmark.
libmcpdb_a_SOURCES += \
	src/metrics.c src/metrics.h \
	src/snapshot.c src/snapshot.h \
	src/poller.c src/poller.h \
	src/poller-cluster.c src/poller-cluster.h \
	src/tui/pane-dash.c \
	src/tui/dash-repl.c src/tui/dash-repl.h \
	src/tui/dash-pgb.c src/tui/dash-pgb.h \
	src/tui/dash-cluster.c src/tui/dash-cluster.h \
	src/tui/pane-redis.c

# Unit: rates with restart detection, judgements, formatting (no servers).
check_PROGRAMS += tests/unit/t-metrics

# Integration: the poller against the harness servers (skips without them).
check_PROGRAMS += tests/integ/t-poller

# TUI tests (tmux, the real binary): figures against psql/redis-cli, cancel and
# terminate, Pub/Sub, export, protected/read-only (harness servers); outages on a
# private server pair started and purged by the test itself.
TESTS += tests/tui/t-tui-dash.sh tests/tui/t-tui-outage.sh
EXTRA_DIST += tests/tui/t-tui-dash.sh tests/tui/t-tui-outage.sh
# The cluster view of the Redis pane (issue 11), on a 6-node cluster of its own.
TESTS += tests/tui/t-tui-cluster.sh
EXTRA_DIST += tests/tui/t-tui-cluster.sh
# The replication section (issue 12), on a private primary + standby.
TESTS += tests/tui/t-tui-repl.sh
EXTRA_DIST += tests/tui/t-tui-repl.sh
# t-tui-dash checks that the server sees exactly one mcpdb/monitor session
# (a count over the whole shared server), so it runs after every other test
# that opens one on the harness's server: the other TUI tests, the poller's
# and the --json contract's (it runs `tui` and `metrics`). Order only; make
# -j still runs it beside tests that open no monitor.
tests/tui/t-tui-dash.log: tests/tui/t-tui-frame.log tests/tui/t-tui-escape.log \
	tests/tui/t-tui-migrate.log tests/tui/t-tui-migrate-repeatable.log \
	tests/tui/t-tui-migrate-streams.log \
	tests/tui/t-tui-schema.log \
	tests/tui/t-tui-seeds.log tests/tui/t-tui-backup.log \
	tests/integ/t-poller.log tests/integ/t-json-contract.log \
	tests/tui/t-tui-review.log tests/tui/t-tui-review-srv.log \
	tests/tui/t-tui-cluster.log \
	tests/integ/t-pg-locks.log tests/integ/t-redis-clients.log \
	tests/tui/t-tui-controls.log

# The operator review (issue 19): one check per defect, in tmux or the CLI.
TESTS += tests/tui/t-tui-review.sh tests/tui/t-tui-review-srv.sh
EXTRA_DIST += tests/tui/t-tui-review.sh tests/tui/t-tui-review-srv.sh
