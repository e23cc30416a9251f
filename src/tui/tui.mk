# tui.mk - the interactive shell's frame (tui-frame): drawing kit, curses
# loop, readline console, log and placeholder panes, the `tui` command, and
# their tests. The dashboards' data side lists its files in tui-data.mk.
libmcpdb_a_SOURCES += \
	src/tui/pane.h \
	src/tui/draw.c src/tui/draw.h

check_PROGRAMS += tests/unit/t-draw
