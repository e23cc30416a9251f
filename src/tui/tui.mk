# tui.mk - the interactive shell's frame (tui-frame): drawing kit, curses
# loop, readline console, log and placeholder panes, the `tui` command, and
# their tests. The dashboards' data side lists its files in tui-data.mk.
libmcpdb_a_SOURCES += \
	src/tui/pane.h \
	src/tui/draw.c src/tui/draw.h \
	src/tui/ui.c src/tui/ui.h \
	src/tui/rl.c src/tui/rl.h \
	src/tui/pane-log.c src/tui/pane-stub.c \
	src/cmd-tui.c

check_PROGRAMS += tests/unit/t-draw tests/unit/t-rl
TESTS += tests/tui/t-tui-frame.sh
EXTRA_DIST += tests/tui/t-tui-frame.sh
