/*
 * prom.h - a small writer of the Prometheus text exposition format, version
 * 0.0.4: metric families with HELP and TYPE, samples with escaped labels.
 *
 * Model (client_golang's registry, reduced): a page is a list of families
 * in the order they were first declared; each family owns the lines of its
 * samples. Samples may be added to any declared family at any time, and
 * prom_render still prints every family once, HELP and TYPE first, with
 * all its samples together, as the format requires. A family that got no
 * sample is left out (a server that is down simply has no figures).
 *
 * Names are the caller's constants: a bad metric or label name is a
 * programmer error (assert). Label values come from data and are escaped.
 */
#ifndef MCPDB_PROM_H
#define MCPDB_PROM_H

#include <stddef.h>

#include "buf.h"

/* The Content-Type of a rendered page. */
#define PROM_CONTENT_TYPE	"text/plain; version=0.0.4; charset=utf-8"

enum prom_type {
	PROM_COUNTER,
	PROM_GAUGE,
	PROM_SUMMARY,
	PROM_HISTOGRAM,
	PROM_UNTYPED,
};

struct prom;

/* An empty page. Caller frees with prom_free. */
struct prom	*prom_new(void);
void	prom_free(struct prom *);

/*
 * Declare family name (help is copied). Declaring a name again is a no-op
 * when the type matches (and asserts otherwise), so callers need not track
 * what was declared.
 */
void	prom_family(struct prom *, const char *name, enum prom_type,
	    const char *help);

/*
 * Add one sample to the declared family name: metric name + suffix (NULL or
 * "", or "_sum", "_count", "_bucket" for summaries and histograms) with
 * labels, an array of name, value, name, value ..., NULL (NULL array: no
 * labels). Label values are escaped; a NULL value skips that label.
 */
void	prom_addv(struct prom *, const char *name, const char *suffix,
	    double value, const char *const *labels);
/* Like prom_addv with the labels as arguments, ending with NULL. */
void	prom_add(struct prom *, const char *name, double value, ...)
	    __attribute__((sentinel));

/* Number of samples added so far (all families). */
size_t	prom_nsamples(const struct prom *);

/* Append the page to out: families in declaration order. */
void	prom_render(const struct prom *, struct buf *out);

/*
 * Format a sample value: integers without exponent, "NaN", "+Inf", "-Inf",
 * otherwise the shortest "%.*g" that reads back the same. Returns buf.
 */
char	*prom_fmt_value(double, char *buf, size_t len);

/* Append s to out escaped as a label value (backslash, quote, newline). */
void	prom_escape_label(struct buf *out, const char *s);

#endif
