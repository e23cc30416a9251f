/*
 * metrics.c - pure rate and ratio maths with restart detection, the
 * operator's judgements on Redis memory and persistence, sparkline series
 * and number formatting. See metrics.h for the model.
 */
#include "config.h"

#include "metrics.h"

#include <math.h>		/* isnan only: nothing here links libm (see bench/RESULTS-tui.md) */
#include <stdio.h>
#include <string.h>

void
metrics_sample_init(struct metrics_sample *s)
{
	int	i;

	memset(s, 0, sizeof(*s));
	s->uptime_s = -1;
	for (i = 0; i < METRICS_NCTR; i++)
		s->c[i] = -1;
}

enum metrics_break
metrics_compare(const struct metrics_sample *prev,
    const struct metrics_sample *cur)
{
	int	i;

	if (prev == NULL)
		return (METRICS_FIRST);
	if (cur->t_us <= prev->t_us)
		return (METRICS_CLOCK);
	if (prev->id[0] != '\0' && cur->id[0] != '\0' &&
	    strcmp(prev->id, cur->id) != 0)
		return (METRICS_RESTART);
	if (prev->uptime_s >= 0 && cur->uptime_s >= 0 &&
	    cur->uptime_s < prev->uptime_s)
		return (METRICS_RESTART);
	if (prev->reset_mark != cur->reset_mark)
		return (METRICS_RESET);
	for (i = 0; i < METRICS_NCTR; i++)
		if (prev->c[i] >= 0 && cur->c[i] >= 0 && cur->c[i] < prev->c[i])
			return (METRICS_RESET);
	return (METRICS_CONTINUE);
}

enum metrics_break
metrics_push(struct metrics_window *w, const struct metrics_sample *cur)
{
	enum metrics_break	brk;

	brk = metrics_compare(metrics_back(w, 0), cur);
	if (brk != METRICS_CONTINUE) {
		if (brk == METRICS_RESTART || brk == METRICS_RESET)
			w->breaks++;
		w->n = 0;
		w->head = 0;
		w->baseline_t_us = cur->t_us;
	} else
		w->head = (w->head + 1) % METRICS_WINDOW;
	w->s[w->head] = *cur;
	if (w->n < METRICS_WINDOW)
		w->n++;
	w->last_break = brk;
	return (brk);
}

const struct metrics_sample *
metrics_back(const struct metrics_window *w, int back)
{
	if (back < 0 || back >= w->n)
		return (NULL);
	return (&w->s[(w->head - back + METRICS_WINDOW) % METRICS_WINDOW]);
}

const struct metrics_sample *
metrics_base(const struct metrics_window *w, int64_t span_us)
{
	const struct metrics_sample	*cur, *s, *best;
	int				 i;

	if ((cur = metrics_back(w, 0)) == NULL)
		return (NULL);
	best = cur;
	for (i = 1; i < w->n; i++) {
		s = metrics_back(w, i);
		if (cur->t_us - s->t_us > span_us)
			break;
		best = s;
	}
	return (best);
}

const struct metrics_sample *
metrics_rate_base(const struct metrics_window *w, int64_t span_us)
{
	const struct metrics_sample	*b = metrics_base(w, span_us);

	if (b != NULL && b == metrics_back(w, 0) && w->n > 1)
		b = metrics_back(w, 1);
	return (b);
}

int64_t
metrics_delta(const struct metrics_sample *base,
    const struct metrics_sample *cur, int i)
{
	if (base == NULL || cur == NULL || i < 0 || i >= METRICS_NCTR)
		return (-1);
	if (base->c[i] < 0 || cur->c[i] < 0 || cur->c[i] < base->c[i])
		return (-1);
	return (cur->c[i] - base->c[i]);
}

double
metrics_rate(const struct metrics_sample *base,
    const struct metrics_sample *cur, int i)
{
	int64_t	d = metrics_delta(base, cur, i);

	if (d < 0 || cur->t_us <= base->t_us)
		return (-1);
	return ((double)d * 1e6 / (double)(cur->t_us - base->t_us));
}

double
metrics_ratio(double num, double den, double min_den)
{
	if (!(den > 0) || den < min_den || num < 0 || isnan(num))
		return (-1);
	return (num / den);
}

const char *
metrics_break_name(enum metrics_break b)
{
	switch (b) {
	case METRICS_CONTINUE:
		return ("continue");
	case METRICS_FIRST:
		return ("first sample");
	case METRICS_RESTART:
		return ("restart");
	case METRICS_RESET:
		return ("stats reset");
	case METRICS_CLOCK:
		return ("clock");
	}
	return ("?");
}

/* ---- Redis -------------------------------------------------------------- */

void
metrics_redis_sample(const struct rds_info *in, int64_t t_us,
    struct metrics_sample *s)
{
	metrics_sample_init(s);
	s->t_us = t_us;
	snprintf(s->id, sizeof(s->id), "%s", in->run_id);
	s->uptime_s = in->uptime_s;
	s->c[MR_COMMANDS] = in->total_commands_processed;
	s->c[MR_HITS] = in->keyspace_hits;
	s->c[MR_MISSES] = in->keyspace_misses;
	s->c[MR_EXPIRED] = in->expired_keys;
	s->c[MR_EVICTED] = in->evicted_keys;
	s->c[MR_REJECTED] = in->rejected_connections;
	s->c[MR_ERRORS] = in->total_error_replies;
	s->c[MR_CONNS] = in->total_connections_received;
	if (in->used_cpu_sys >= 0 && in->used_cpu_user >= 0)
		s->c[MR_CPU_MS] = (int64_t)((in->used_cpu_sys +
		    in->used_cpu_user) * 1000.0 + 0.5);
}

void
metrics_redis_rates(const struct metrics_window *w, int64_t rate_span_us,
    int64_t span_us, struct redis_rates *r)
{
	const struct metrics_sample	*cur, *prev, *base;
	int64_t				 h, m;
	double				 cpu;

	memset(r, 0, sizeof(*r));
	r->brk = w->last_break;
	r->ops_per_s = r->hits_per_s = r->misses_per_s = r->expired_per_s = -1;
	r->evicted_per_s = r->rejected_per_s = r->errors_per_s = -1;
	r->cpu_pct = r->hit_ratio = -1;
	r->lookups = r->evicted_window = r->expired_window = -1;
	if ((cur = metrics_back(w, 0)) == NULL)
		return;
	if ((prev = metrics_rate_base(w, rate_span_us)) != cur) {
		r->ops_per_s = metrics_rate(prev, cur, MR_COMMANDS);
		r->hits_per_s = metrics_rate(prev, cur, MR_HITS);
		r->misses_per_s = metrics_rate(prev, cur, MR_MISSES);
		r->expired_per_s = metrics_rate(prev, cur, MR_EXPIRED);
		r->evicted_per_s = metrics_rate(prev, cur, MR_EVICTED);
		r->rejected_per_s = metrics_rate(prev, cur, MR_REJECTED);
		r->errors_per_s = metrics_rate(prev, cur, MR_ERRORS);
		cpu = metrics_rate(prev, cur, MR_CPU_MS);
		r->cpu_pct = cpu < 0 ? -1 : cpu / 10.0;	/* ms/s -> % */
	}
	base = metrics_base(w, span_us);
	if (base == NULL || base == cur)
		return;
	r->window_s = (double)(cur->t_us - base->t_us) / 1e6;
	h = metrics_delta(base, cur, MR_HITS);
	m = metrics_delta(base, cur, MR_MISSES);
	if (h >= 0 && m >= 0) {
		r->lookups = h + m;
		r->hit_ratio = metrics_ratio((double)h, (double)(h + m),
		    METRICS_MIN_LOOKUPS);
	}
	r->evicted_window = metrics_delta(base, cur, MR_EVICTED);
	r->expired_window = metrics_delta(base, cur, MR_EXPIRED);
}

enum metrics_level
metrics_redis_memory(const struct rds_info *in, char *buf, size_t len)
{
	char			a[32], b[32];
	double			ratio;
	enum metrics_level	lvl;
	bool			noevict, cannot;

	if (in->used_memory < 0) {
		snprintf(buf, len, "unknown");
		return (METRICS_NA);
	}
	metrics_fmt_bytes(in->used_memory, a, sizeof(a));
	if (in->maxmemory <= 0) {
		if (in->total_system_memory > 0) {
			ratio = (double)in->used_memory /
			    (double)in->total_system_memory;
			snprintf(buf, len, "%s used, unbounded (maxmemory 0; "
			    "%.0f%% of RAM)", a, ratio * 100);
			return (ratio >= 0.9 ? METRICS_WARN : METRICS_OK);
		}
		snprintf(buf, len, "%s used, unbounded (maxmemory 0)", a);
		return (METRICS_OK);
	}
	ratio = (double)in->used_memory / (double)in->maxmemory;
	metrics_fmt_bytes(in->maxmemory, b, sizeof(b));
	noevict = in->maxmemory_policy[0] == '\0' ||
	    strcmp(in->maxmemory_policy, "noeviction") == 0;
	/* volatile-* only evicts keys with a TTL: with none it cannot evict */
	cannot = strncmp(in->maxmemory_policy, "volatile-", 9) == 0 &&
	    in->total_expires == 0;
	lvl = ratio >= 0.95 ? METRICS_CRIT : ratio >= 0.8 ? METRICS_WARN :
	    METRICS_OK;
	if (in->errorstat_oom > 0 && lvl == METRICS_OK)
		lvl = METRICS_WARN;
	snprintf(buf, len, "%s of %s (%.0f%%), policy %s%s", a, b,
	    ratio * 100, in->maxmemory_policy[0] ? in->maxmemory_policy : "?",
	    cannot ? " cannot evict: no key has a TTL" :
	    lvl != METRICS_OK && noevict ? ": writes fail with OOM at the limit" :
	    lvl != METRICS_OK ? ": evicting keys near the limit" : "");
	return (lvl);
}

/* The usable slots: what is left for ordinary roles. */
int
metrics_pg_conn_usable(int max_connections, int reserved)
{
	int	u = max_connections - (reserved > 0 ? reserved : 0);

	return (u > 0 ? u : 0);
}

/* Saturated at METRICS_PG_CONN_WARN_PCT % of the usable slots. */
bool
metrics_pg_conn_saturated(long in_use, long usable)
{
	return (usable > 0 && in_use * 100 >= usable *
	    (long)METRICS_PG_CONN_WARN_PCT);
}

enum metrics_level
metrics_redis_frag(const struct rds_info *in, char *buf, size_t len)
{
	char	a[32];

	if (in->frag_ratio < 0 || in->used_memory < 0) {
		snprintf(buf, len, "unknown");
		return (METRICS_NA);
	}
	if (in->used_memory < METRICS_FRAG_FLOOR) {
		metrics_fmt_bytes(METRICS_FRAG_FLOOR, a, sizeof(a));
		snprintf(buf, len, "%.2f (not judged under %s used)",
		    in->frag_ratio, a);
		return (METRICS_NA);
	}
	if (in->frag_ratio < 1.0) {
		snprintf(buf, len, "%.2f: RSS below used memory, swapping?",
		    in->frag_ratio);
		return (METRICS_CRIT);
	}
	if (in->frag_ratio > 1.5) {
		snprintf(buf, len, "%.2f: fragmented (RSS %.0f%% over used)",
		    in->frag_ratio, (in->frag_ratio - 1) * 100);
		return (METRICS_WARN);
	}
	snprintf(buf, len, "%.2f", in->frag_ratio);
	return (METRICS_OK);
}

/* Append "; part" (or just part when buf is empty) to buf. */
static void
metrics_join(char *buf, size_t len, const char *part)
{
	size_t	n = strlen(buf);

	if (n + 1 >= len)
		return;
	snprintf(buf + n, len - n, "%s%s", n > 0 ? "; " : "", part);
}

enum metrics_level
metrics_redis_persistence(const struct rds_info *in, int save_points,
    int64_t now_s, char *buf, size_t len)
{
	char			part[128], cnt[32], dur[32];
	enum metrics_level	lvl = METRICS_OK;
	int64_t			age = -1;

	buf[0] = '\0';
	if (in->rdb_last_save_time > 0 && now_s > 0)
		age = now_s >= in->rdb_last_save_time ? now_s -
		    in->rdb_last_save_time : 0;
	if (in->loading == 1) {
		metrics_join(buf, len, "loading the dataset from disk");
		lvl = METRICS_WARN;
	}
	if (save_points == 0 && in->aof_enabled == 0) {
		if (in->rdb_changes_since_last_save > 0) {
			snprintf(part, sizeof(part), "no persistence (no save "
			    "points, AOF off): %s change%s would be lost on "
			    "restart", metrics_fmt_count(
			    in->rdb_changes_since_last_save, cnt, sizeof(cnt)),
			    in->rdb_changes_since_last_save == 1 ? "" : "s");
		} else
			snprintf(part, sizeof(part), "no persistence (no save "
			    "points, AOF off)");
		metrics_join(buf, len, part);
	} else if (in->rdb_changes_since_last_save > 0) {
		metrics_fmt_count(in->rdb_changes_since_last_save, cnt,
		    sizeof(cnt));
		if (age >= 0) {
			snprintf(part, sizeof(part),
			    "%s change%s unsaved for %s",
			    cnt, in->rdb_changes_since_last_save == 1 ? "" : "s",
			    metrics_fmt_duration((double)age, dur,
			    sizeof(dur)));
			if (age > 2 * 3600 && in->aof_enabled != 1 &&
			    lvl < METRICS_WARN)
				lvl = METRICS_WARN;
		} else
			snprintf(part, sizeof(part), "%s change%s unsaved", cnt,
			    in->rdb_changes_since_last_save == 1 ? "" : "s");
		metrics_join(buf, len, part);
	} else if (in->rdb_changes_since_last_save == 0) {
		if (age >= 0)
			snprintf(part, sizeof(part),
			    "all changes saved (%s ago)",
			    metrics_fmt_duration((double)age, dur,
			    sizeof(dur)));
		else
			snprintf(part, sizeof(part), "all changes saved");
		metrics_join(buf, len, part);
	}
	if (strcmp(in->rdb_last_bgsave_status, "err") == 0) {
		metrics_join(buf, len, "last bgsave failed");
		lvl = METRICS_CRIT;
	}
	if (in->rdb_bgsave_in_progress == 1)
		metrics_join(buf, len, "bgsave running");
	if (in->aof_enabled == 1) {
		if (strcmp(in->aof_last_write_status, "err") == 0) {
			metrics_join(buf, len, "AOF writes failing");
			lvl = METRICS_CRIT;
		} else
			metrics_join(buf, len,
			    in->aof_rewrite_in_progress == 1 ?
			    "AOF on, rewrite running" : "AOF on");
	}
	if (buf[0] == '\0') {
		snprintf(buf, len, "unknown");
		return (METRICS_NA);
	}
	return (lvl);
}

/* ---- PostgreSQL ------------------------------------------------------------- */

void
metrics_pg_sample(const struct pg_counters *in, int64_t t_us,
    struct metrics_sample *s)
{
	metrics_sample_init(s);
	s->t_us = t_us;
	snprintf(s->id, sizeof(s->id), "%s", in->postmaster_start);
	s->uptime_s = in->uptime_s;
	s->reset_mark = in->stats_reset_epoch;
	s->c[MP_COMMITS] = in->commits;
	s->c[MP_ROLLBACKS] = in->rollbacks;
	s->c[MP_HITS] = in->blks_hit;
	s->c[MP_READS] = in->blks_read;
	s->c[MP_DEADLOCKS] = in->deadlocks;
	s->c[MP_TEMP_FILES] = in->temp_files;
	s->c[MP_TEMP_BYTES] = in->temp_bytes;
	s->c[MP_CONFLICTS] = in->conflicts;
	s->c[MP_INSERTED] = in->inserted;
	s->c[MP_UPDATED] = in->updated;
	s->c[MP_DELETED] = in->deleted;
	s->c[MP_RETURNED] = in->returned;
}

void
metrics_pg_rates(const struct metrics_window *w, int64_t rate_span_us,
    int64_t span_us, struct pg_rates *r)
{
	const struct metrics_sample	*cur, *prev, *base;
	double				 c, rb, a, b, d;
	int64_t				 dc, dr, dh, dd;

	memset(r, 0, sizeof(*r));
	r->brk = w->last_break;
	r->tps = r->commits_per_s = r->rollbacks_per_s = r->rollback_ratio = -1;
	r->hit_ratio = r->temp_bytes_per_s = r->rows_per_s = -1;
	r->deadlocks_window = r->temp_files_window = -1;
	if ((cur = metrics_back(w, 0)) == NULL)
		return;
	if ((prev = metrics_rate_base(w, rate_span_us)) != cur) {
		c = metrics_rate(prev, cur, MP_COMMITS);
		rb = metrics_rate(prev, cur, MP_ROLLBACKS);
		r->commits_per_s = c;
		r->rollbacks_per_s = rb;
		if (c >= 0 && rb >= 0)
			r->tps = c + rb;
		r->temp_bytes_per_s = metrics_rate(prev, cur, MP_TEMP_BYTES);
		a = metrics_rate(prev, cur, MP_INSERTED);
		b = metrics_rate(prev, cur, MP_UPDATED);
		d = metrics_rate(prev, cur, MP_DELETED);
		if (a >= 0 && b >= 0 && d >= 0)
			r->rows_per_s = a + b + d;
	}
	base = metrics_base(w, span_us);
	if (base == NULL || base == cur)
		return;
	r->window_s = (double)(cur->t_us - base->t_us) / 1e6;
	dc = metrics_delta(base, cur, MP_COMMITS);
	dr = metrics_delta(base, cur, MP_ROLLBACKS);
	if (dc >= 0 && dr >= 0)
		r->rollback_ratio = metrics_ratio((double)dr, (double)(dc + dr),
		    1);
	dh = metrics_delta(base, cur, MP_HITS);
	dd = metrics_delta(base, cur, MP_READS);
	if (dh >= 0 && dd >= 0)
		r->hit_ratio = metrics_ratio((double)dh, (double)(dh + dd),
		    METRICS_MIN_BLOCKS);
	r->deadlocks_window = metrics_delta(base, cur, MP_DEADLOCKS);
	r->temp_files_window = metrics_delta(base, cur, MP_TEMP_FILES);
}

/* ---- Series ------------------------------------------------------------------ */

void
metrics_series_push(struct metrics_series *s, double v)
{
	s->v[s->head] = isnan(v) || v < 0 ? -1.0f : (float)v;
	s->head = (s->head + 1) % METRICS_SERIES_LEN;
	if (s->n < METRICS_SERIES_LEN)
		s->n++;
}

int
metrics_series_copy(const struct metrics_series *s, float *out, int max)
{
	int	i, n = s->n < max ? s->n : max;
	int	start = (s->head - n + METRICS_SERIES_LEN) % METRICS_SERIES_LEN;

	for (i = 0; i < n; i++)
		out[i] = s->v[(start + i) % METRICS_SERIES_LEN];
	return (n);
}

/* ---- Formatting ---------------------------------------------------------------- */

char *
metrics_fmt_count(int64_t v, char *buf, size_t len)
{
	char	tmp[32], out[48];
	size_t	n, i, o = 0;

	if (v < 0) {
		snprintf(buf, len, "?");
		return (buf);
	}
	n = (size_t)snprintf(tmp, sizeof(tmp), "%lld", (long long)v);
	for (i = 0; i < n; i++) {
		if (i > 0 && (n - i) % 3 == 0)
			out[o++] = ',';
		out[o++] = tmp[i];
	}
	out[o] = '\0';
	snprintf(buf, len, "%s", out);
	return (buf);
}

char *
metrics_fmt_bytes(int64_t v, char *buf, size_t len)
{
	static const char *const unit[] = { "B", "KiB", "MiB", "GiB", "TiB",
	    "PiB" };
	double	d = (double)v;
	int	u = 0;

	if (v < 0) {
		snprintf(buf, len, "?");
		return (buf);
	}
	while (d >= 1024 && u < 5) {
		d /= 1024;
		u++;
	}
	if (u == 0)
		snprintf(buf, len, "%lld B", (long long)v);
	else if (d < 10)
		snprintf(buf, len, "%.2f %s", d, unit[u]);
	else if (d < 100)
		snprintf(buf, len, "%.1f %s", d, unit[u]);
	else
		snprintf(buf, len, "%.0f %s", d, unit[u]);
	return (buf);
}

char *
metrics_fmt_duration(double s, char *buf, size_t len)
{
	long long	t;

	if (isnan(s) || s < 0) {
		snprintf(buf, len, "-");
		return (buf);
	}
	if (s < 1) {
		snprintf(buf, len, "%.0f ms", s * 1000);
		return (buf);
	}
	if (s < 10) {
		snprintf(buf, len, "%.1f s", s);
		return (buf);
	}
	t = (long long)s;
	if (s < 60)
		snprintf(buf, len, "%.0f s", s);
	else if (t < 3600)
		snprintf(buf, len, "%lld min", t / 60);
	else if (t < 86400)
		snprintf(buf, len, "%lld h %02lld min", t / 3600,
		    (t % 3600) / 60);
	else
		snprintf(buf, len, "%lld d %02lld h", t / 86400,
		    (t % 86400) / 3600);
	return (buf);
}

char *
metrics_fmt_pct(double r, char *buf, size_t len)
{
	if (isnan(r) || r < 0)
		snprintf(buf, len, "n/a");
	else if (r >= 1.0)
		snprintf(buf, len, "100%%");
	else if (r * 100 >= 99.95)
		/* never round a miss up to 100% */
		snprintf(buf, len, "99.9%%");
	else
		snprintf(buf, len, "%.1f%%", r * 100);
	return (buf);
}

char *
metrics_fmt_rate(double r, char *buf, size_t len)
{
	if (isnan(r) || r < 0)
		snprintf(buf, len, "-");
	else if (r == 0)
		snprintf(buf, len, "0");
	else if (r < 10)
		snprintf(buf, len, "%.1f", r);
	else if (r < 100000)
		metrics_fmt_count((int64_t)(r + 0.5), buf, len);
	else if (r < 1e6)
		snprintf(buf, len, "%.1fk", r / 1e3);
	else
		snprintf(buf, len, "%.1fM", r / 1e6);
	return (buf);
}
