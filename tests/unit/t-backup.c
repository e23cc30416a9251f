/*
 * t-backup.c - backup checks that need no server: tool version parsing and
 * backup verify on things that are not backups (missing path, a plain
 * file, a directory without a manifest, a manifest that is not JSON, of
 * another format, of a newer format, with a bad shape, a dump whose size or
 * SHA-256 differs from the manifest's).
 */
#include "config.h"

#include <sys/stat.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backup.h"
#include "tap.h"
#include "xmem.h"

/* Write text to dir/name. */
static void
put(const char *dir, const char *name, const char *text)
{
	char	*p = xasprintf("%s/%s", dir, name);
	FILE	*f = fopen(p, "w");

	if (f == NULL)
		bail_out("cannot write %s", p);
	fputs(text, f);
	fclose(f);
	free(p);
}

/* backup_verify of path; returns the error message ("" when it passed). */
static const char *
verify(const char *path)
{
	static struct mc_err	 err;
	struct backup_opts	 o;
	struct backup_report	*r = NULL;

	memset(&err, 0, sizeof(err));
	backup_opts_init(&o);
	if (backup_verify(path, &o, &r, &err) == 0) {
		backup_report_free(r);
		return ("");
	}
	return (err.msg);
}

/* A manifest for a dump of bytes/sha, otherwise well-formed. */
static char *
manifest(const char *fmt, int version, long bytes, const char *sha)
{
	return (xasprintf("{\"format\": \"%s\", \"format_version\": %d, \"mcpdb_version\": \"0\","
	    " \"created_at\": \"x\", \"database\": \"d\", \"server_version\": \"15.18\","
	    " \"pg_dump_version\": \"pg_dump (PostgreSQL) 15.18\","
	    " \"dump\": {\"file\": \"dump.pgc\", \"bytes\": %ld, \"sha256\": \"%s\"},"
	    " \"schemas\": [{\"name\": \"code_quality\", \"owner\": \"o\", \"tables\": [],"
	    " \"roles\": [], \"platform_usage\": [], \"ledger\": [], \"requires\": {\"schemas\": [],"
	    " \"extensions\": [], \"types\": [], \"functions\": []}}]}", fmt, version, bytes, sha));
}

int
main(void)
{
	char	 dir[] = "/tmp/mcpdb-t-backup.XXXXXX", *b, *m, *p;
	/* SHA-256 of "PGDMP" */
	const char *sha = "4d6d3b0b7e7bdb8a5e5f6a1f08c6a7b1e1c1b2e4f1d3a9c8b7a6f5e4d3c2b1a0";

	if (mkdtemp(dir) == NULL)
		bail_out("mkdtemp");
	plan(16);
	is_int(backup_tool_major("pg_dump (PostgreSQL) 15.18 (Debian 15.18-0+deb12u1)"), 15,
	    "version: Debian's pg_dump 15.18");
	is_int(backup_tool_major("pg_restore (PostgreSQL) 9.6.24"), 9, "version: 9.6.24 is major 9");
	is_int(backup_tool_major("pg_dump (PostgreSQL) 17devel"), 17, "version: 17devel");
	is_int(backup_tool_major("nothing here"), -1, "version: none");

	p = xasprintf("%s/missing", dir);
	like(verify(p), "missing: No such file", "a missing path is named");
	free(p);
	put(dir, "plain", "not a backup\n");
	p = xasprintf("%s/plain", dir);
	like(verify(p), "plain: not an mcpdb backup (a backup is a directory", "a plain file is not a backup");
	free(p);
	b = xasprintf("%s/b", dir);
	mkdir(b, 0700);
	like(verify(b), "not an mcpdb backup", "a directory without a manifest is not a backup");
	put(b, "manifest.json", "{\"format\": \"mcpdb-backup\", ");
	like(verify(b), "manifest.json: not valid JSON (truncated or damaged)", "a truncated manifest");
	put(b, "manifest.json", "{\"format\": \"tarball\"}");
	like(verify(b), "not an mcpdb backup manifest", "a manifest of another format");
	m = manifest("mcpdb-backup", 99, 5, sha);
	put(b, "manifest.json", m);
	free(m);
	like(verify(b), "format_version 99 was written by a newer mcpdb", "a newer format is refused");
	put(b, "manifest.json", "{\"format\": \"mcpdb-backup\", \"format_version\": 1}");
	like(verify(b), "mcpdb_version: expected a string", "a manifest without its keys names the first");
	m = manifest("mcpdb-backup", 1, 5, "abc");
	put(b, "manifest.json", m);
	free(m);
	like(verify(b), "dump: expected", "a bad dump entry");
	m = manifest("mcpdb-backup", 1, 5, sha);
	put(b, "manifest.json", m);
	free(m);
	like(verify(b), "dump.pgc: No such file", "a missing dump is named");
	put(b, "dump.pgc", "PGDM");
	like(verify(b), "4 bytes, the manifest says 5: truncated or damaged", "a truncated dump");
	put(b, "dump.pgc", "PGDMX");
	like(verify(b), "does not match the manifest's", "a damaged dump: SHA-256 differs");
	ok(access(b, F_OK) == 0, "verify wrote nothing and removed nothing");
	p = xasprintf("rm -rf '%s'", dir);
	if (system(p) != 0)
		diag("could not remove %s", dir);
	free(p);
	free(b);
	return (done_testing());
}
