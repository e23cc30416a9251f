# backup.mk - per-service backup and restore (backup.c: pg_dump/pg_restore
# as child processes, the manifest, the all-or-nothing restore), the
# "backup" command family and their tests on the harness's servers.
libmcpdb_a_SOURCES += \
	src/backup.c src/backup.h \
	src/cmd-backup.c

check_PROGRAMS += tests/unit/t-backup
TESTS += tests/integ/t-backup.sh tests/integ/t-backup-kill.sh tests/tui/t-tui-backup.sh
EXTRA_DIST += tests/integ/t-backup.sh tests/integ/t-backup-kill.sh \
	tests/tui/t-tui-backup.sh tests/integ/backup-lib.sh
