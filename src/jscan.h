/*
 * jscan.h - strict JSON syntax check with exact error positions, run before
 * cJSON so that a syntax error says where (line, column) and why.
 */
#ifndef MCPDB_JSCAN_H
#define MCPDB_JSCAN_H

#include <stddef.h>

#include "err.h"

#define JSCAN_DEPTH_MAX	64	/* JSON nesting the scanner accepts */

/*
 * Check that start[0..len) is exactly one JSON document (a BOM, if any,
 * already skipped). On error sets err (with code) to
 * "FILE:LINE:COL: JSON syntax error near 'X': why" (or "... at end of
 * file: why", or "FILE: the file is empty ...") and returns -1.
 */
int	jscan_check(const char *file, const char *start, size_t len,
	    enum mc_code code, struct mc_err *);

/*
 * jscan_check, and a member name repeated within one object is an error
 * too: "FILE:LINE:COL: key.path: duplicate key (first at line L, column
 * C)", at the second occurrence (names compared as written).
 */
int	jscan_check_unique(const char *file, const char *start, size_t len,
	    enum mc_code code, struct mc_err *);

/* 1-based line and column (in characters, not bytes) of at in start. */
void	jscan_linecol(const char *start, const char *at, int *line,
	    int *col);

#endif
