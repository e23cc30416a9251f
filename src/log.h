/*
 * log.h - structured logging: levels, text or JSON lines, child loggers that
 * carry context fields, a file sink and an in-memory ring for the TUI's log
 * pane. Every message and field value is passed through redact_text() before
 * it is stored or written, so secrets never reach a sink.
 *
 * Model: one root logger owns the sinks (stderr or a file, plus an optional
 * ring) behind one mutex; children share the root's sinks and add fields.
 * All functions are thread-safe.
 */
#ifndef MCPDB_LOG_H
#define MCPDB_LOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"

enum log_level {
	LOGL_TRACE,
	LOGL_DEBUG,
	LOGL_INFO,
	LOGL_WARN,
	LOGL_ERROR,
	LOGL_OFF,
};

enum log_format {
	LOGF_TEXT,	/* 2026-11-27T09:37:57.123Z WARN pool: message key=value ... */
	LOGF_JSON,	/* {"ts":"...","level":"warn","msg":"...","component":"pool",...} */
};

struct logger;

/* One entry of the ring buffer, as copied out by log_ring_copy. */
struct log_entry {
	int64_t		ts_us;		/* wall clock, microseconds since the epoch */
	enum log_level	level;
	char		line[480];	/* the formatted text line, redacted */
};

/* Parse "trace".."error"/"off" (case-insensitive). Returns -1 and sets err on junk. */
int	log_level_parse(const char *, enum log_level *, struct mc_err *);
/* Parse "text"/"json". */
int	log_format_parse(const char *, enum log_format *, struct mc_err *);
/* "trace".."error". */
const char *log_level_name(enum log_level);

/* A root logger writing to stderr at the given level. Caller frees with log_free. */
struct logger	*log_new(enum log_level, enum log_format);
/* Change level/format at run time (root and all children see it). */
void	log_set_level(struct logger *, enum log_level);
void	log_set_format(struct logger *, enum log_format);
enum log_level log_get_level(const struct logger *);
/*
 * Send output to an append-only file (created 0600) instead of stderr;
 * path NULL goes back to stderr. Returns -1 and sets err when the file can't
 * be opened (the previous sink stays).
 */
int	log_set_file(struct logger *, const char *, struct mc_err *);
/* Stop writing to stderr at all (the TUI: logs must never hit the screen). */
void	log_set_quiet_stderr(struct logger *, bool);
/* Keep the last n entries in memory (0 turns the ring off). */
void	log_set_ring(struct logger *, size_t);
/*
 * Copy up to max entries with level >= min, oldest first, into out; when
 * more match, the newest max are copied. Returns the number copied. The ring
 * only sees entries at or above the logger's level.
 */
size_t	log_ring_copy(struct logger *, enum log_level min, struct log_entry *out, size_t max);

/*
 * A child logger that shares parent's sinks and adds one context field
 * (e.g. "component", "pool"). Value is copied (redacted). Free with
 * log_free; the root must outlive its children. A NULL parent gives NULL.
 * In text lines "component" is shown as a "pool: " prefix; when a key
 * repeats along the chain, the innermost value wins.
 */
struct logger	*log_child(struct logger *, const char *key, const char *value);
/* Free a root or child (NULL is fine). */
void	log_free(struct logger *);

bool	log_enabled(const struct logger *, enum log_level);
/* Log a formatted message (NULL logger: no-op). */
void	log_msg(struct logger *, enum log_level, const char *, ...)
	    __attribute__((format(printf, 3, 4)));
/*
 * Log a message with extra fields: pairs of const char * key, value, ended
 * by NULL. Example: log_kv(l, LOGL_INFO, "applied", "version", "0003", "ms", "12", NULL);
 * msg is not a format string. A NULL value also ends the list. Values of
 * secret-looking keys (redact_key_is_secret: "password", "token"...) are
 * written as "***".
 */
void	log_kv(struct logger *, enum log_level, const char *msg, ...)
	    __attribute__((sentinel));

#define log_trace(l, ...)	log_msg((l), LOGL_TRACE, __VA_ARGS__)
#define log_debug(l, ...)	log_msg((l), LOGL_DEBUG, __VA_ARGS__)
#define log_info(l, ...)	log_msg((l), LOGL_INFO, __VA_ARGS__)
#define log_warn(l, ...)	log_msg((l), LOGL_WARN, __VA_ARGS__)
#define log_error(l, ...)	log_msg((l), LOGL_ERROR, __VA_ARGS__)

#endif
