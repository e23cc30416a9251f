# log.mk - structured logging and secret redaction.
libmcpdb_a_SOURCES += \
	src/log.c src/log.h \
	src/redact.c src/redact.h

check_PROGRAMS += tests/unit/t-log tests/unit/t-redact
