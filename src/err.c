/* err.c - setting, prefixing and naming mcpdb errors. */
#include "config.h"

#include "err.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

int
mc_err_vset(struct mc_err *err, enum mc_code code, const char *fmt, va_list ap)
{
	if (err == NULL)
		return (-1);
	err->code = code;
	err->sys_errno = 0;
	err->sqlstate[0] = '\0';
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	return (-1);
}

int
mc_err_set(struct mc_err *err, enum mc_code code, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	mc_err_vset(err, code, fmt, ap);
	va_end(ap);
	return (-1);
}

int
mc_err_sys(struct mc_err *err, const char *fmt, ...)
{
	va_list	ap;
	int	saved = errno;
	size_t	len;

	if (err == NULL)
		return (-1);
	va_start(ap, fmt);
	mc_err_vset(err, MC_E_SYS, fmt, ap);
	va_end(ap);
	len = strlen(err->msg);
	snprintf(err->msg + len, sizeof(err->msg) - len, ": %s", strerror(saved));
	err->sys_errno = saved;
	errno = saved;
	return (-1);
}

int
mc_err_prefix(struct mc_err *err, const char *fmt, ...)
{
	va_list	ap;
	char	old[sizeof(err->msg)];
	int	n;

	if (err == NULL)
		return (-1);
	memcpy(old, err->msg, sizeof(old));
	va_start(ap, fmt);
	n = vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	if (n >= 0 && (size_t)n < sizeof(err->msg))
		snprintf(err->msg + n, sizeof(err->msg) - n, "%s", old);
	return (-1);
}

void
mc_err_clear(struct mc_err *err)
{
	if (err == NULL)
		return;
	err->code = MC_OK;
	err->sys_errno = 0;
	err->sqlstate[0] = '\0';
	err->msg[0] = '\0';
}

int
mc_err_copy(struct mc_err *dst, const struct mc_err *src)
{
	if (dst != NULL && src != NULL && dst != src)
		*dst = *src;
	return (-1);
}

const char *
mc_code_name(enum mc_code code)
{
	static const char *const names[] = {
		[MC_OK] = "ok", [MC_E_SYS] = "system", [MC_E_USAGE] = "usage",
		[MC_E_CONFIG] = "config", [MC_E_INPUT] = "input",
		[MC_E_CONNECT] = "connect", [MC_E_QUERY] = "query",
		[MC_E_TIMEOUT] = "timeout", [MC_E_BREAKER] = "breaker_open",
		[MC_E_REDIS] = "redis", [MC_E_NOTFOUND] = "not_found",
		[MC_E_REFUSED] = "refused", [MC_E_STATE] = "state",
		[MC_E_LOCKED] = "locked", [MC_E_CANCELLED] = "cancelled",
		[MC_E_INTERNAL] = "internal",
	};

	if ((unsigned)code >= sizeof(names) / sizeof(names[0]) || names[code] == NULL)
		return ("unknown");
	return (names[code]);
}

int
mc_err_exit_status(const struct mc_err *err)
{
	if (err != NULL && (err->code == MC_E_USAGE || err->code == MC_E_CONFIG))
		return (2);
	return (1);
}
