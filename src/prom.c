/*
 * prom.c - the Prometheus text format writer: families in declaration
 * order, each with HELP and TYPE once and its samples together.
 *
 * Escaping per the format: in HELP text a backslash and a line feed become
 * "\\" and "\n"; in a label value a double quote also becomes "\"". Metric
 * names match [a-zA-Z_:][a-zA-Z0-9_:]*, label names [a-zA-Z_][a-zA-Z0-9_]*
 * and must not start with "__" (reserved).
 */
#include "config.h"

#include "prom.h"

#include <assert.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xmem.h"

#define PROM_MAX_LABELS	16	/* label pairs of one prom_add call */

/* One family and the rendered lines of its samples. */
struct prom_fam {
	char		*name;
	char		*help;
	enum prom_type	 type;
	struct buf	 lines;
	size_t		 n;
};

struct prom {
	struct prom_fam	*fams;
	size_t		 n, cap;
	size_t		 nsamples;
};

/* The TYPE keyword of t. */
static const char *
prom_type_name(enum prom_type t)
{
	switch (t) {
	case PROM_COUNTER:
		return ("counter");
	case PROM_GAUGE:
		return ("gauge");
	case PROM_SUMMARY:
		return ("summary");
	case PROM_HISTOGRAM:
		return ("histogram");
	default:
		return ("untyped");
	}
}

/* Is s a valid metric name (label name when label is true)? */
static bool
prom_valid_name(const char *s, bool label)
{
	size_t	i;

	if (s == NULL || s[0] == '\0')
		return (false);
	if (label && s[0] == '_' && s[1] == '_')
		return (false);
	for (i = 0; s[i] != '\0'; i++) {
		char	c = s[i];

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    c == '_' || (!label && c == ':'))
			continue;
		if (i > 0 && c >= '0' && c <= '9')
			continue;
		return (false);
	}
	return (true);
}

struct prom *
prom_new(void)
{
	return (xcalloc(1, sizeof(struct prom)));
}

void
prom_free(struct prom *p)
{
	size_t	i;

	if (p == NULL)
		return;
	for (i = 0; i < p->n; i++) {
		free(p->fams[i].name);
		free(p->fams[i].help);
		buf_done(&p->fams[i].lines);
	}
	free(p->fams);
	free(p);
}

/* The family called name, or NULL. */
static struct prom_fam *
prom_find(const struct prom *p, const char *name)
{
	size_t	i;

	for (i = p->n; i > 0; i--) {	/* recent ones are asked for most */
		if (strcmp(p->fams[i - 1].name, name) == 0)
			return (&p->fams[i - 1]);
	}
	return (NULL);
}

void
prom_family(struct prom *p, const char *name, enum prom_type type,
    const char *help)
{
	struct prom_fam	*f;

	assert(prom_valid_name(name, false));
	if ((f = prom_find(p, name)) != NULL) {
		assert(f->type == type);
		if (f->help[0] == '\0' && help != NULL && help[0] != '\0') {
			free(f->help);
			f->help = xstrdup(help);
		}
		return;
	}
	if (p->n == p->cap) {
		p->cap = p->cap ? p->cap * 2 : 64;
		p->fams = xreallocarray(p->fams, p->cap, sizeof(*p->fams));
	}
	f = &p->fams[p->n++];
	memset(f, 0, sizeof(*f));
	f->name = xstrdup(name);
	f->help = xstrdup(help != NULL ? help : "");
	f->type = type;
	buf_init(&f->lines);
}

char *
prom_fmt_value(double v, char *buf, size_t len)
{
	int	prec;

	if (isnan(v))
		snprintf(buf, len, "NaN");
	else if (isinf(v))
		snprintf(buf, len, "%s", v > 0 ? "+Inf" : "-Inf");
	else if (v == floor(v) && fabs(v) < 9007199254740992.0)	/* 2^53 */
		snprintf(buf, len, "%.0f", v);
	else {
		for (prec = 15; prec < 17; prec++) {
			snprintf(buf, len, "%.*g", prec, v);
			if (strtod(buf, NULL) == v)
				break;
		}
		snprintf(buf, len, "%.*g", prec, v);
	}
	return (buf);
}

void
prom_escape_label(struct buf *out, const char *s)
{
	for (; *s != '\0'; s++) {
		if (*s == '\\')
			buf_puts(out, "\\\\");
		else if (*s == '"')
			buf_puts(out, "\\\"");
		else if (*s == '\n')
			buf_puts(out, "\\n");
		else
			buf_putc(out, *s);
	}
}

/* Append help text escaped for a HELP line (backslash, newline). */
static void
prom_escape_help(struct buf *out, const char *s)
{
	for (; *s != '\0'; s++) {
		if (*s == '\\')
			buf_puts(out, "\\\\");
		else if (*s == '\n')
			buf_puts(out, "\\n");
		else
			buf_putc(out, *s);
	}
}

void
prom_addv(struct prom *p, const char *name, const char *suffix, double value,
    const char *const *labels)
{
	struct prom_fam	*f = prom_find(p, name);
	char		 v[64];
	bool		 any = false;
	size_t		 i;

	assert(f != NULL);	/* declare the family first */
	buf_puts(&f->lines, name);
	if (suffix != NULL)
		buf_puts(&f->lines, suffix);
	for (i = 0; labels != NULL && labels[i] != NULL; i += 2) {
		assert(prom_valid_name(labels[i], true));
		if (labels[i + 1] == NULL)
			continue;
		buf_putc(&f->lines, any ? ',' : '{');
		any = true;
		buf_puts(&f->lines, labels[i]);
		buf_puts(&f->lines, "=\"");
		prom_escape_label(&f->lines, labels[i + 1]);
		buf_putc(&f->lines, '"');
	}
	if (any)
		buf_putc(&f->lines, '}');
	buf_putc(&f->lines, ' ');
	buf_puts(&f->lines, prom_fmt_value(value, v, sizeof(v)));
	buf_putc(&f->lines, '\n');
	f->n++;
	p->nsamples++;
}

void
prom_add(struct prom *p, const char *name, double value, ...)
{
	const char	*labels[PROM_MAX_LABELS * 2 + 1];
	const char	*s;
	va_list		 ap;
	size_t		 n = 0;

	va_start(ap, value);
	/* pairs: a NULL name ends the list; a NULL value is kept (skipped) */
	while ((s = va_arg(ap, const char *)) != NULL) {
		assert(n + 2 < sizeof(labels) / sizeof(labels[0]));
		labels[n++] = s;
		labels[n++] = va_arg(ap, const char *);
	}
	va_end(ap);
	labels[n] = NULL;
	prom_addv(p, name, NULL, value, labels);
}

size_t
prom_nsamples(const struct prom *p)
{
	return (p->nsamples);
}

void
prom_render(const struct prom *p, struct buf *out)
{
	size_t	i;

	for (i = 0; i < p->n; i++) {
		const struct prom_fam	*f = &p->fams[i];

		if (f->n == 0)
			continue;
		buf_printf(out, "# HELP %s ", f->name);
		prom_escape_help(out, f->help);
		buf_printf(out, "\n# TYPE %s %s\n", f->name,
		    prom_type_name(f->type));
		buf_append(out, f->lines.data, f->lines.len);
	}
}
