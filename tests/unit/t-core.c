/* t-core.c - unit tests for err, xmem and buf. */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <stdlib.h>

#include "buf.h"
#include "err.h"
#include "tap.h"
#include "xmem.h"

int
main(void)
{
	struct mc_err	err = { 0 };
	struct buf	b;
	char		*s, big[2000];

	is_int(mc_err_set(&err, MC_E_CONFIG, "targets.%s: bad", "prod"), -1, "mc_err_set returns -1");
	is_str(err.msg, "targets.prod: bad", "message formatted");
	is_int(mc_err_exit_status(&err), 2, "config errors exit 2");
	mc_err_prefix(&err, "file %s: ", "x.json");
	is_str(err.msg, "file x.json: targets.prod: bad", "prefix prepends context");
	errno = ENOENT;
	mc_err_sys(&err, "open %s", "/nope");
	is_str(err.msg, "open /nope: No such file or directory", "sys error appends strerror");
	is_int(err.sys_errno, ENOENT, "sys_errno kept");
	is_int(mc_err_exit_status(&err), 1, "other errors exit 1");
	is_str(mc_code_name(MC_E_BREAKER), "breaker_open", "code names are stable");
	is_int(mc_err_set(NULL, MC_E_SYS, "x"), -1, "NULL err is allowed");
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	mc_err_set(&err, MC_E_INPUT, "%s", big);
	is_int((long long)strlen(err.msg), (long long)sizeof(err.msg) - 1, "long messages are cut, not overflowed");
	mc_err_clear(&err);
	is_int(err.code, MC_OK, "clear resets the code");

	buf_init(&b);
	buf_puts(&b, "abc");
	buf_printf(&b, "-%d-%s", 42, big);
	is_int((long long)b.len, (long long)(3 + 4 + strlen(big)), "buf grows past its first capacity");
	ok(strncmp(b.data, "abc-42-aaa", 10) == 0, "buf content is the concatenation");
	buf_putc(&b, 'z');
	is_int(b.data[b.len - 1], 'z', "buf_putc appends");
	s = buf_detach(&b);
	is_int((long long)b.len, 0, "detach leaves an empty buf");
	free(s);
	buf_done(&b);

	s = xasprintf("%s=%d", "n", 7);
	is_str(s, "n=7", "xasprintf formats");
	free(s);
	s = xstrndup("hello", 3);
	is_str(s, "hel", "xstrndup cuts");
	free(s);
	ok(xstrdup(NULL) == NULL, "xstrdup(NULL) is NULL");
	return (done_testing());
}
