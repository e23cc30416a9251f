/*
 * fuzz-util.h - helpers shared by the libFuzzer harnesses in tests/fuzz/:
 * report a violated property (abort, so libFuzzer saves the input), search
 * outputs for a secret marker, and scratch files for parsers that read files.
 */
#ifndef MCPDB_FUZZ_UTIL_H
#define MCPDB_FUZZ_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The libFuzzer entry point every harness defines. */
int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * The secret marker: a password that no fuzz-chosen text can contain
 * (harnesses strip byte 0x01 and "%01" from everything else).
 */
#define FUZZ_MARK	"\001PW"
#define FUZZ_MARK_ENC	"%01PW"		/* percent-encoded */
#define FUZZ_MARK_ESC	"\\u0001PW"	/* JSON-escaped (conf_echo_raw) */

/* Print "fuzz: property violated: ..." and the text, then abort(). */
void	fuzz_fail(const char *what, const char *text)
	    __attribute__((noreturn));
/* True when needle occurs in hay (NULL hay: false). */
bool	fuzz_has(const char *hay, const char *needle);
/* True when s contains the marker raw, percent-encoded or JSON-escaped. */
bool	fuzz_has_mark(const char *s);
/* A NUL-terminated copy of data with NUL bytes dropped. Caller frees. */
char	*fuzz_cstr(const uint8_t *data, size_t size);
/* A private scratch directory (made once per process under $TMPDIR). */
const char *fuzz_tmpdir(void);
/* Write len bytes to path (mode 0600, truncated); aborts on failure. */
void	fuzz_write(const char *path, const void *data, size_t len);
/* Remove every plain file in dir (not recursive). */
void	fuzz_clear_dir(const char *dir);

#endif
