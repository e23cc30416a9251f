# migrations.mk - the SQL migrations (installed to $(pkgdatadir)/migrations/
# and shipped in the tarball) and the psql-only tests that prove them: every
# down reverses its up (t-schemas), least privilege by login (t-roles), one
# service schema restores alone from pg_dump -n (t-dump-restore).
# Explicit list on purpose: a new migration must be added here by hand.
nobase_dist_pkgdata_DATA += \
	migrations/.mcpdb-lint \
	migrations/0001_platform.down.sql \
	migrations/0001_platform.up.sql \
	migrations/0002_inference_enhancement.down.sql \
	migrations/0002_inference_enhancement.up.sql \
	migrations/0003_ui_testing.down.sql \
	migrations/0003_ui_testing.up.sql \
	migrations/0004_analytics.down.sql \
	migrations/0004_analytics.up.sql \
	migrations/0005_code_quality.down.sql \
	migrations/0005_code_quality.up.sql \
	migrations/0006_documentation.down.sql \
	migrations/0006_documentation.up.sql \
	migrations/0007_memory_management.down.sql \
	migrations/0007_memory_management.up.sql \
	migrations/0008_web_access.down.sql \
	migrations/0008_web_access.up.sql

TESTS += \
	tests/integ/t-schemas.sh \
	tests/integ/t-roles.sh \
	tests/integ/t-dump-restore.sh
EXTRA_DIST += \
	tests/integ/t-schemas.sh \
	tests/integ/t-roles.sh \
	tests/integ/t-dump-restore.sh \
	tests/integ/schemas-lib.sh \
	tests/integ/catalog-snapshot.sql \
	doc/vectors.md \
	doc/backup.md
