# tui-panes.mk - the TUI panes that change things (tui-panes): Migrations
# (apply, roll back, redo, verify, the SQL viewer), Schema (the catalog
# browser; its queries are in schema.c) and Seeds (load with progress);
# the text view they share; their tests and the 10,000-table benchmark.
libmcpdb_a_SOURCES += \
	src/tui/textview.c src/tui/textview.h \
	src/tui/dash-query.c src/tui/dash-query.h \
	src/tui/dash-view.c src/tui/dash-view.h src/tui/dash-vacuum.c src/tui/dash-io.c \
	src/tui/dash-keyspace.c src/tui/dash-stmt.c \
	src/tui/dash-signal.c src/tui/dash-signal.h \
	src/tui/dash-locks.c src/tui/dash-locks.h \
	src/tui/rdclients.c src/tui/rdclients.h \
	src/tui/pane-migrate.c \
	src/tui/pane-schema.c \
	src/tui/pane-seeds.c

# Integration: the browser's catalog queries (skips without a server).
check_PROGRAMS += tests/integ/t-schema-browse

# The panes as an operator uses them, in tmux (skip without servers/tmux).
# bench/tui-catalog.sh and its results ship with the bench directory.
TESTS += tests/tui/t-tui-migrate.sh tests/tui/t-tui-schema.sh tests/tui/t-tui-seeds.sh \
	tests/tui/t-tui-dash-views.sh
EXTRA_DIST += tests/tui/panes-lib.sh \
	tests/tui/t-tui-migrate.sh tests/tui/t-tui-schema.sh tests/tui/t-tui-seeds.sh \
	tests/tui/t-tui-dash-views.sh
