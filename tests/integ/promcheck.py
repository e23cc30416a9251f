#!/usr/bin/env python3
"""promcheck.py - a strict checker of the Prometheus text exposition format
0.0.4 plus the promtool lint rules mcpdb's metrics must follow; used by
tests/integ/t-metrics.sh when promtool is not installed.

Reads the page on stdin (or FILE). Exit 0 when it is valid, 1 with one line
per problem ("line N: ...") otherwise. Checks: line syntax, names, label
escaping, HELP/TYPE at most once per family and before its samples, every
family has both, each family's samples in one group, no duplicate series,
values, summary/histogram structure, and the lint rules (counters end in
_total and nothing else does, no _count/_sum/_bucket outside summaries and
histograms, base units, no abbreviated units, snake_case).
"""
import math
import re
import sys

NAME = re.compile(r'[a-zA-Z_:][a-zA-Z0-9_:]*')
LABEL = re.compile(r'[a-zA-Z_][a-zA-Z0-9_]*')
TYPES = {'counter', 'gauge', 'summary', 'histogram', 'untyped'}
ABBREV = {'s', 'ms', 'us', 'ns', 'sec', 'secs', 'min', 'mins', 'hr', 'hrs',
          'kb', 'mb', 'gb', 'tb', 'pb', 'kib', 'mib', 'gib'}
NONBASE = {'milliseconds', 'microseconds', 'nanoseconds', 'minutes', 'hours',
           'days', 'weeks', 'kilobytes', 'megabytes', 'gigabytes',
           'terabytes', 'percent', 'bits'}
TYPEWORDS = {'counter', 'gauge', 'histogram', 'summary', 'untyped'}


def parse_value(s):
    if s in ('NaN', '+Inf', '-Inf', 'Inf'):
        return float(s.replace('Inf', 'inf').replace('NaN', 'nan'))
    if not re.fullmatch(r'[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?', s):
        raise ValueError(s)
    return float(s)


def parse_labels(s, i, problems, ln):
    """Parse {a="b",...} starting at s[i] == '{'. Returns (labels, end)."""
    labels = []
    i += 1
    while True:
        if i < len(s) and s[i] == '}':
            return labels, i + 1
        m = LABEL.match(s, i)
        if not m:
            raise ValueError('bad label name at column %d' % (i + 1))
        name = m.group(0)
        i = m.end()
        if s[i:i + 2] != '="':
            raise ValueError('want =" after label %s' % name)
        i += 2
        val = []
        while True:
            if i >= len(s):
                raise ValueError('unterminated label value')
            c = s[i]
            if c == '\\':
                nxt = s[i + 1:i + 2]
                if nxt not in ('\\', '"', 'n'):
                    raise ValueError('bad escape \\%s in label %s' % (nxt, name))
                val.append({'\\': '\\', '"': '"', 'n': '\n'}[nxt])
                i += 2
                continue
            if c == '"':
                i += 1
                break
            val.append(c)
            i += 1
        if name.startswith('__'):
            problems.append('line %d: reserved label name %s' % (ln, name))
        if any(n == name for n, _ in labels):
            problems.append('line %d: label %s twice' % (ln, name))
        labels.append((name, ''.join(val)))
        if i < len(s) and s[i] == ',':
            i += 1
            if i < len(s) and s[i] == '}':
                raise ValueError('trailing comma in labels')
            continue
        if i < len(s) and s[i] == '}':
            return labels, i + 1
        raise ValueError('want , or } after label %s' % name)


def family_of(name, types):
    if name in types:
        return name
    for suf in ('_bucket', '_sum', '_count'):
        if name.endswith(suf) and name[:-len(suf)] in types and \
                types[name[:-len(suf)]] in ('summary', 'histogram'):
            return name[:-len(suf)]
    return name


def lint(fam, typ, problems):
    words = fam.split('_')
    if fam != fam.lower() or re.search(r'[a-z][A-Z]', fam):
        problems.append('%s: metric names should be snake_case' % fam)
    if typ == 'counter' and not fam.endswith('_total'):
        problems.append('%s: counter metrics should have "_total" suffix' % fam)
    if typ != 'counter' and fam.endswith('_total'):
        problems.append('%s: non-counter metrics should not have "_total" suffix' % fam)
    if typ not in ('summary', 'histogram'):
        for suf in ('_count', '_sum', '_bucket'):
            if fam.endswith(suf):
                problems.append('%s: non-histogram and non-summary metrics should not have "%s" suffix' % (fam, suf))
    for w in words[1:]:
        if w in ABBREV:
            problems.append('%s: metric names should not contain abbreviated units (%s)' % (fam, w))
        if w in NONBASE:
            problems.append('%s: use base unit instead of %s' % (fam, w))
        if w in TYPEWORDS:
            problems.append('%s: metric name should not include type "%s"' % (fam, w))


def check(text):
    problems = []
    helps, types, seen_samples, closed = {}, {}, {}, set()
    series = set()
    summaries = {}     # (family, labels-without-quantile) -> set of parts
    current = None
    if text and not text.endswith('\n'):
        problems.append('the page does not end with a newline')
    for ln, line in enumerate(text.split('\n'), 1):
        if line == '':
            continue
        if line.startswith('#'):
            m = re.match(r'# (HELP|TYPE) (\S+)(?: (.*))?$', line)
            if not m:
                if line.startswith('# HELP') or line.startswith('# TYPE'):
                    problems.append('line %d: malformed %s' % (ln, line[:6]))
                continue
            kind, name, rest = m.group(1), m.group(2), m.group(3) or ''
            if not NAME.fullmatch(name):
                problems.append('line %d: bad metric name %r' % (ln, name))
            if name in closed or (name in seen_samples and name != current):
                problems.append('line %d: %s for %s after its samples' % (ln, kind, name))
            if kind == 'HELP':
                if name in helps:
                    problems.append('line %d: second HELP for %s' % (ln, name))
                if re.search(r'\\[^\\n]|\\$', rest):
                    problems.append('line %d: bad escape in HELP' % ln)
                if rest.strip() == '':
                    problems.append('line %d: empty HELP for %s' % (ln, name))
                helps[name] = rest
            else:
                if name in types:
                    problems.append('line %d: second TYPE for %s' % (ln, name))
                if rest not in TYPES:
                    problems.append('line %d: unknown type %r' % (ln, rest))
                if name in seen_samples:
                    problems.append('line %d: TYPE for %s after its samples' % (ln, name))
                types[name] = rest
            if current is not None and current != name:
                closed.add(current)
            current = name
            continue
        m = NAME.match(line)
        if not m:
            problems.append('line %d: bad metric name' % ln)
            continue
        name = m.group(0)
        i = m.end()
        labels = []
        try:
            if i < len(line) and line[i] == '{':
                labels, i = parse_labels(line, i, problems, ln)
            rest = line[i:]
            if not rest.startswith(' '):
                raise ValueError('want a space before the value')
            parts = rest[1:].split(' ')
            if len(parts) > 2 or parts[0] == '':
                raise ValueError('want VALUE [TIMESTAMP]')
            value = parse_value(parts[0])
            if len(parts) == 2 and not re.fullmatch(r'-?\d+', parts[1]):
                raise ValueError('bad timestamp %r' % parts[1])
        except ValueError as e:
            problems.append('line %d: %s' % (ln, e))
            continue
        fam = family_of(name, types)
        if fam in closed:
            problems.append('line %d: %s samples not together (family seen before)' % (ln, fam))
        if current is not None and current != fam:
            closed.add(current)
        current = fam
        seen_samples[fam] = True
        key = (name, tuple(sorted(labels)))
        if key in series:
            problems.append('line %d: duplicate series %s%s' % (ln, name, dict(labels)))
        series.add(key)
        typ = types.get(fam, 'untyped')
        lnames = [n for n, _ in labels]
        if typ == 'counter' and (math.isnan(value) or value < 0):
            problems.append('line %d: counter %s is negative or NaN' % (ln, name))
        if typ == 'summary':
            rest_l = tuple(sorted(l for l in labels if l[0] != 'quantile'))
            parts_seen = summaries.setdefault((fam, rest_l), set())
            if name == fam:
                q = dict(labels).get('quantile')
                if q is None:
                    problems.append('line %d: summary sample without quantile' % ln)
                else:
                    try:
                        qv = parse_value(q)
                        if not 0 <= qv <= 1:
                            raise ValueError
                    except ValueError:
                        problems.append('line %d: bad quantile %r' % (ln, q))
                parts_seen.add('q')
            else:
                if 'quantile' in lnames:
                    problems.append('line %d: quantile label on %s' % (ln, name))
                parts_seen.add(name[len(fam):])
        elif typ == 'histogram':
            if name == fam + '_bucket' and 'le' not in lnames:
                problems.append('line %d: bucket without le' % ln)
            if name == fam:
                problems.append('line %d: histogram sample without suffix' % ln)
        else:
            if 'quantile' in lnames or 'le' in lnames:
                problems.append('line %d: le/quantile label on a %s' % (ln, typ))
    for fam in seen_samples:
        if fam not in types:
            problems.append('%s: no TYPE' % fam)
        if fam not in helps:
            problems.append('%s: no HELP' % fam)
        lint(fam, types.get(fam, 'untyped'), problems)
    for (fam, _), parts in summaries.items():
        if '_count' not in parts:
            problems.append('%s: summary without _count' % fam)
    return problems


def main():
    text = open(sys.argv[1]).read() if len(sys.argv) > 1 else sys.stdin.read()
    problems = check(text)
    for p in problems:
        print(p)
    return 1 if problems else 0


if __name__ == '__main__':
    sys.exit(main())
