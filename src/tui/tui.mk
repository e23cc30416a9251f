# tui.mk - the interactive shell's frame (tui-frame): drawing kit, curses
# loop, readline console, the log pane, the `tui` command, and their tests.
# The dashboards list their files in tui-data.mk, the Migrations, Schema and
# Seeds panes in tui-panes.mk.
libmcpdb_a_SOURCES += \
	src/tui/pane.h \
	src/tui/draw.c src/tui/draw.h \
	src/tui/ui.c src/tui/ui.h \
	src/tui/rl.c src/tui/rl.h \
	src/tui/prefs.c src/tui/prefs.h \
	src/tui/pane-log.c \
	src/cmd-tui.c

check_PROGRAMS += tests/unit/t-draw tests/unit/t-rl tests/unit/t-tui-prefs tests/unit/t-tui-prefs-sort
TESTS += tests/tui/t-tui-frame.sh
EXTRA_DIST += tests/tui/t-tui-frame.sh tests/tui/tui-lib.sh
# Controls (issue 20): pause, refresh interval, sorting, saved choices.
TESTS += tests/tui/t-tui-controls.sh
EXTRA_DIST += tests/tui/t-tui-controls.sh
