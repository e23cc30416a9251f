/* tap.c - a tiny TAP producer for mcpdb's tests. */
#include "config.h"

#include "tap.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int	tap_planned = -1;
static int	tap_run;
static int	tap_failed;

/* Print one "ok"/"not ok" line with the description. */
static bool
tap_result(bool cond, const char *directive, const char *fmt, va_list ap)
{
	tap_run++;
	if (!cond && directive == NULL)
		tap_failed++;
	printf("%sok %d - ", cond ? "" : "not ", tap_run);
	vprintf(fmt, ap);
	if (directive != NULL)
		printf(" # %s", directive);
	printf("\n");
	fflush(stdout);
	return (cond);
}

void
plan(int n)
{
	tap_planned = n;
	printf("1..%d\n", n);
	fflush(stdout);
}

void
skip_all(const char *fmt, ...)
{
	va_list	ap;

	printf("1..0 # SKIP ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	exit(0);
}

bool
ok(bool cond, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	cond = tap_result(cond, NULL, fmt, ap);
	va_end(ap);
	return (cond);
}

bool
is_int(long long got, long long want, const char *fmt, ...)
{
	va_list	ap;
	bool	r;

	va_start(ap, fmt);
	r = tap_result(got == want, NULL, fmt, ap);
	va_end(ap);
	if (!r)
		diag("     got: %lld\n#   expected: %lld", got, want);
	return (r);
}

bool
is_str(const char *got, const char *want, const char *fmt, ...)
{
	va_list	ap;
	bool	r, eq;

	eq = (got == NULL || want == NULL) ? got == want : strcmp(got, want) == 0;
	va_start(ap, fmt);
	r = tap_result(eq, NULL, fmt, ap);
	va_end(ap);
	if (!r)
		diag("     got: '%s'\n#   expected: '%s'", got ? got : "(null)",
		    want ? want : "(null)");
	return (r);
}

bool
like(const char *hay, const char *needle, const char *fmt, ...)
{
	va_list	ap;
	bool	r;

	va_start(ap, fmt);
	r = tap_result(hay != NULL && strstr(hay, needle) != NULL, NULL, fmt, ap);
	va_end(ap);
	if (!r)
		diag("   '%s'\n#   does not contain '%s'", hay ? hay : "(null)", needle);
	return (r);
}

bool
unlike(const char *hay, const char *needle, const char *fmt, ...)
{
	va_list	ap;
	bool	r;

	va_start(ap, fmt);
	r = tap_result(hay == NULL || strstr(hay, needle) == NULL, NULL, fmt, ap);
	va_end(ap);
	if (!r)
		diag("   '%s'\n#   unexpectedly contains '%s'", hay, needle);
	return (r);
}

void
skip(int n, const char *fmt, ...)
{
	va_list	ap;
	char	why[256];

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	while (n-- > 0) {
		tap_run++;
		printf("ok %d # SKIP %s\n", tap_run, why);
	}
	fflush(stdout);
}

void
diag(const char *fmt, ...)
{
	va_list	ap;

	printf("# ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
}

int
done_testing(void)
{
	if (tap_planned < 0)
		printf("1..%d\n", tap_run);
	else if (tap_planned != tap_run)
		diag("planned %d tests but ran %d", tap_planned, tap_run);
	fflush(stdout);
	return (tap_failed > 0 || (tap_planned >= 0 && tap_planned != tap_run));
}

void
bail_out(const char *fmt, ...)
{
	va_list	ap;

	printf("Bail out! ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	exit(1);
}
