/*
 * fuzz-rdsinfo.c - libFuzzer harness for the Redis INFO parser
 * (rds-info.h).
 *
 * Input: INFO text. Properties:
 *   - every "key:value" line the parser accepts is found with the same
 *     value: for a sample of integer, number and string fields, an
 *     independent line scan (last well-formed line wins) predicts what the
 *     struct holds, "unknown" (-1 or "") when no line gave the key;
 *   - total_keys is the sum of the keyspace rows' keys (saturating), row
 *     counts stay within their arrays, the ratios are in range or -1,
 *     rds_info_loading() is true exactly when the last good "loading" was 1;
 *   - the result is -1 exactly when no field was recognised;
 *   - the same text with LF line ends turned into CRLF parses identically.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "fuzz-util.h"
#include "rds-info.h"
#include "xmem.h"

/* Fields checked against the independent scan. */
enum fz_kind { FZ_I64, FZ_DBL, FZ_STR };
struct fz_field {
	const char	*key;
	enum fz_kind	 kind;
	size_t		 off;
	size_t		 size;
};

#define FZ_I(k, f)	{ k, FZ_I64, offsetof(struct rds_info, f), 0 }
#define FZ_D(k, f)	{ k, FZ_DBL, offsetof(struct rds_info, f), 0 }
#define FZ_S(k, f)	{ k, FZ_STR, offsetof(struct rds_info, f), \
			    sizeof(((struct rds_info *)0)->f) }

static const struct fz_field fz_fields[] = {
	FZ_S("redis_version", version),
	FZ_S("role", role),
	FZ_S("master_host", master_host),
	FZ_S("maxmemory_policy", maxmemory_policy),
	FZ_S("rdb_last_bgsave_status", rdb_last_bgsave_status),
	FZ_I("used_memory", used_memory),
	FZ_I("maxmemory", maxmemory),
	FZ_I("connected_clients", connected_clients),
	FZ_I("loading", loading),
	FZ_I("keyspace_hits", keyspace_hits),
	FZ_I("keyspace_misses", keyspace_misses),
	FZ_I("master_port", master_port),
	FZ_I("connected_slaves", connected_slaves),
	FZ_D("mem_fragmentation_ratio", frag_ratio),
	FZ_D("used_cpu_sys", used_cpu_sys),
};

/* Whole-value integer as INFO writes it (strtoll, nothing after). */
static bool
fz_i64(const char *v, size_t n, int64_t *out)
{
	char		*t, *end;
	long long	 x;
	bool		 ok;

	if (n == 0 || n >= 32)
		return (false);
	t = xstrndup(v, n);
	errno = 0;
	x = strtoll(t, &end, 10);
	ok = errno == 0 && *end == '\0' && strlen(t) == n;
	free(t);
	if (ok)
		*out = x;
	return (ok);
}

/* Whole-value double (strtod, nothing after). */
static bool
fz_dbl(const char *v, size_t n, double *out)
{
	char	*t, *end;
	double	 x;
	bool	 ok;

	if (n == 0 || n >= 48)
		return (false);
	t = xstrndup(v, n);
	errno = 0;
	x = strtod(t, &end);
	ok = errno == 0 && *end == '\0' && strlen(t) == n;
	free(t);
	if (ok)
		*out = x;
	return (ok);
}

/* Check field f of in against the last good "key:value" line of text. */
static void
fz_check_field(const struct fz_field *f, const char *text, size_t len,
    const struct rds_info *in)
{
	const char	*p = text, *end = text + len, *nl, *colon;
	const char	*base = (const char *)in, *sv = NULL;
	size_t		 llen, klen = strlen(f->key), svlen = 0, n;
	int64_t		 iv = -1, x;
	double		 dv = -1.0, d;

	while (p < end) {
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;
		llen = (size_t)(nl - p);
		if (llen > 0 && p[llen - 1] == '\r')
			llen--;
		colon = llen > 0 && p[0] != '#' ? memchr(p, ':', llen) : NULL;
		if (colon != NULL && (size_t)(colon - p) == klen &&
		    memcmp(p, f->key, klen) == 0) {
			n = llen - klen - 1;
			if (f->kind == FZ_I64 && fz_i64(colon + 1, n, &x))
				iv = x;
			else if (f->kind == FZ_DBL && fz_dbl(colon + 1, n, &d))
				dv = d;
			else if (f->kind == FZ_STR) {
				sv = colon + 1;
				svlen = n;
			}
		}
		p = nl + 1;
	}
	switch (f->kind) {
	case FZ_I64:
		if (*(const int64_t *)(const void *)(base + f->off) != iv)
			fuzz_fail("an integer field differs from its line",
			    f->key);
		break;
	case FZ_DBL:
		d = *(const double *)(const void *)(base + f->off);
		if (!(d == dv || (d != d && dv != dv)))
			fuzz_fail("a number field differs from its line",
			    f->key);
		break;
	case FZ_STR:
		if (svlen >= f->size)
			svlen = f->size - 1;
		if ((sv != NULL && memcmp(base + f->off, sv, svlen) != 0) ||
		    base[f->off + svlen] != '\0')
			fuzz_fail("a string field differs from its line",
			    f->key);
		break;
	}
}

/* Invariants of the struct that hold whatever the text was. */
static void
fz_check_struct(const struct rds_info *in)
{
	size_t	i;
	int64_t	sum = 0;
	double	r;

	if (in->ndbs > RDS_INFO_MAXDB || in->nslaves > RDS_INFO_MAXSLAVES)
		fuzz_fail("more rows than the arrays hold", NULL);
	for (i = 0; i < in->ndbs; i++) {
		if (in->dbs[i].keys < 0)
			fuzz_fail("a keyspace row with unknown keys", NULL);
		sum = in->dbs[i].keys > INT64_MAX - sum ? INT64_MAX :
		    sum + in->dbs[i].keys;
	}
	if (in->total_keys != sum)
		fuzz_fail("total_keys is not the sum of the rows", NULL);
	r = rds_info_hit_ratio(in);
	if (r != -1.0 && !(r >= 0.0 && r <= 1.0))
		fuzz_fail("hit ratio out of [0,1]", NULL);
	r = rds_info_mem_ratio(in);
	if (r != -1.0 && !(r >= 0.0))
		fuzz_fail("memory ratio negative", NULL);
	if (rds_info_loading(in) != (in->loading == 1))
		fuzz_fail("loading flag disagrees with loading:1", NULL);
}

/* libFuzzer entry point: one input, every property above. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rds_info	*a = xmalloc(sizeof(*a)), *b = xmalloc(sizeof(*b));
	struct mc_err	 err = { 0 };
	const char	*text = (const char *)data;
	char		*crlf;
	size_t		 i, n = 0;
	int		 rc;

	rc = rds_info_parse(text, size, a, &err);
	if ((rc == -1) != (a->nfields == 0))
		fuzz_fail("return value disagrees with nfields", err.msg);
	for (i = 0; i < sizeof(fz_fields) / sizeof(fz_fields[0]); i++)
		fz_check_field(&fz_fields[i], text, size, a);
	fz_check_struct(a);
	if (memchr(text, '\r', size) == NULL) {
		crlf = xmalloc(2 * size + 1);
		for (i = 0; i < size; i++) {
			if (text[i] == '\n')
				crlf[n++] = '\r';
			crlf[n++] = text[i];
		}
		if (rds_info_parse(crlf, n, b, NULL) != rc ||
		    memcmp(a, b, sizeof(*a)) != 0)
			fuzz_fail("CRLF line ends parse differently", NULL);
		free(crlf);
	}
	free(a);
	free(b);
	return (0);
}
