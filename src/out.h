/*
 * out.h - command output. Human mode prints aligned tables and text lines for
 * terminals (colour only when allowed: a TTY and no NO_COLOR); JSON mode
 * prints exactly one JSON document per command (cJSON). The sink is a FILE
 * (CLI) or a line callback (the TUI console's scrollable panel). Text that
 * comes from outside (table cells, out_value) is escaped for the terminal
 * unless --raw (out_set_raw) asks for it as received.
 */
#ifndef MCPDB_OUT_H
#define MCPDB_OUT_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include <cjson/cJSON.h>

/* A table of strings: a value type whose container owns its cells. */
struct table {
	char	*title;		/* may be NULL */
	size_t	 ncols;
	size_t	 nrows;
	char	**cols;		/* ncols column names */
	char	**cells;	/* nrows * ncols, row-major; NULL cell = SQL NULL */
	size_t	 cap;		/* rows allocated */
};

/* A new table with ncols columns named by the following const char * args. Caller frees. */
struct table	*table_new(const char *title, size_t ncols, ...);
/* A new table with ncols columns named by names[] (copied). Caller frees. */
struct table	*table_new_cols(const char *title, size_t ncols, const char *const *names);
/* Append a row of ncols const char * values (NULL allowed); values are copied. */
void	table_add(struct table *, ...);
/* Append a row from an array of ncols values (copied). */
void	table_add_row(struct table *, const char *const *vals);
/* Cell accessor (borrowed). */
const char *table_cell(const struct table *, size_t row, size_t col);
void	table_free(struct table *);
/* An array of objects {col: value}, numbers left as strings. Caller owns. */
cJSON	*table_to_json(const struct table *);

struct out;

/* Output to fp; json selects JSON mode; color allows ANSI colour. Caller frees. */
struct out	*out_new_file(FILE *, bool json, bool color);
/* Output as lines to cb (each call one line without '\n'). Caller frees. */
struct out	*out_new_lines(void (*cb)(void *, const char *), void *, bool json);
void	out_free(struct out *);
/*
 * Streaming output: flush after every write, and when the reader has gone
 * (EPIPE: `mcpdb redis subscribe ch | head -1`) set *stop so the command ends.
 */
void	out_set_stream(struct out *, volatile sig_atomic_t *stop);
/*
 * --raw: print values and table cells exactly as received. Otherwise (and
 * always for a line sink, the TUI console) control characters and other
 * unsafe text in them are escaped (esc.h). Only for a FILE sink.
 */
void	out_set_raw(struct out *, bool raw);
bool	out_is_json(const struct out *);
bool	out_color(const struct out *);
/* Human text (may contain several lines); ignored in JSON mode. */
void	out_printf(struct out *, const char *, ...) __attribute__((format(printf, 2, 3)));
/*
 * A remark about the output, one line ("(N bytes, first M shown ...)"): on
 * stderr for a FILE sink (also in JSON mode), so the data on stdout stays
 * clean; a line of its own in a line sink (not in JSON mode).
 */
void	out_note(struct out *, const char *, ...) __attribute__((format(printf, 2, 3)));
/*
 * A value from outside (a Redis value, a message) of n bytes, NUL bytes
 * allowed, escaped unless raw; nothing is added (no newline). Ignored in
 * JSON mode. A big value is written in slices, never copied whole.
 */
void	out_value(struct out *, const char *s, size_t n);
/* An aligned table (title, header, rule, rows; cells escaped unless raw); ignored in JSON mode. */
void	out_table(struct out *, const struct table *);
/* Emit the JSON document (JSON mode only); takes ownership of doc. */
void	out_doc(struct out *, cJSON *doc);
/* Wrap s in an ANSI colour when colour is on ("red", "green", "yellow", "bold", "dim"). Borrowed until the next call. */
const char *out_paint(struct out *, const char *color, const char *s);

#endif
