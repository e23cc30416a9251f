/* fuzz-util.c - helpers shared by the libFuzzer harnesses (fuzz-util.h). */
#include "config.h"

#include "fuzz-util.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "xmem.h"

/* Report a violated property with the offending text, then abort. */
void
fuzz_fail(const char *what, const char *text)
{
	fprintf(stderr, "fuzz: property violated: %s\n", what);
	if (text != NULL) {
		fputs("fuzz: text: ", stderr);
		for (; *text != '\0'; text++)
			if ((unsigned char)*text < 0x20 ||
			    (unsigned char)*text > 0x7e)
				fprintf(stderr, "\\x%02x",
				    (unsigned char)*text);
			else
				fputc(*text, stderr);
		fputc('\n', stderr);
	}
	abort();
}

/* Plain substring search (no libc call for libFuzzer to learn from). */
bool
fuzz_has(const char *hay, const char *needle)
{
	size_t	i, n = strlen(needle);

	if (hay == NULL)
		return (false);
	for (; *hay != '\0'; hay++) {
		for (i = 0; i < n && hay[i] == needle[i]; i++)
			;
		if (i == n)
			return (true);
	}
	return (false);
}

/* The marker in any of the forms an output could carry it. */
bool
fuzz_has_mark(const char *s)
{
	return (fuzz_has(s, FUZZ_MARK) || fuzz_has(s, FUZZ_MARK_ENC) ||
	    fuzz_has(s, FUZZ_MARK_ESC));
}

/* Copy data without its NUL bytes and terminate it. */
char *
fuzz_cstr(const uint8_t *data, size_t size)
{
	char	*s = xmalloc(size + 1);
	size_t	 i, o = 0;

	for (i = 0; i < size; i++)
		if (data[i] != 0)
			s[o++] = (char)data[i];
	s[o] = '\0';
	return (s);
}

/* Make the scratch directory on first use. */
const char *
fuzz_tmpdir(void)
{
	static char	*dir;
	const char	*t;

	if (dir != NULL)
		return (dir);
	t = getenv("TMPDIR");
	dir = xasprintf("%s/mcpdb-fuzz.XXXXXX", t != NULL && *t != '\0' ?
	    t : "/tmp");
	if (mkdtemp(dir) == NULL) {
		perror("fuzz: mkdtemp");
		abort();
	}
	return (dir);
}

/* Write a whole file. */
void
fuzz_write(const char *path, const void *data, size_t len)
{
	int		 fd;
	const char	*p = data;
	ssize_t		 n;

	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd == -1) {
		perror(path);
		abort();
	}
	while (len > 0) {
		if ((n = write(fd, p, len)) <= 0) {
			perror(path);
			abort();
		}
		p += n;
		len -= (size_t)n;
	}
	close(fd);
}

/* Unlink the files of dir. */
void
fuzz_clear_dir(const char *dir)
{
	DIR		*d;
	struct dirent	*e;
	char		*p;

	if ((d = opendir(dir)) == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		p = xasprintf("%s/%s", dir, e->d_name);
		unlink(p);
		free(p);
	}
	closedir(d);
}
