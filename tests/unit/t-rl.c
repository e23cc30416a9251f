/* t-rl.c - unit tests for the console's word splitting (quotes, escapes, errors). */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "tap.h"
#include "tui/rl.h"

/* Split line and join the words with '|' for one comparison. */
static char *
joined(const char *line, bool lenient, int *n, struct mc_err *err)
{
	char		**v = rlc_split(line, n, lenient, err);
	struct buf	  b;
	int		  i;

	if (v == NULL)
		return (NULL);
	buf_init(&b);
	for (i = 0; i < *n; i++) {
		buf_printf(&b, "%s%s", i ? "|" : "", v[i]);
		free(v[i]);
	}
	ok(v[*n] == NULL, "array is NULL-terminated (%s)", line);
	free(v);
	{
		char	*s = buf_detach(&b);

		buf_done(&b);
		return (s);
	}
}

int
main(void)
{
	struct mc_err	 err = { 0 };
	char		*s;
	int		 n;

	s = joined("migrate  status", false, &n, &err);
	is_str(s, "migrate|status", "blanks separate words");
	is_int(n, 2, "two words");
	free(s);
	s = joined("  redis set k 'a b  c'", false, &n, &err);
	is_str(s, "redis|set|k|a b  c", "single quotes keep blanks");
	free(s);
	s = joined("redis set k \"say \\\"hi\\\" \\\\ \\n\"", false, &n, &err);
	is_str(s, "redis|set|k|say \"hi\" \\ \\n", "double quotes allow \\\" and \\\\ only");
	free(s);
	s = joined("a\\ b c''d \"\"", false, &n, &err);
	is_str(s, "a b|cd|", "backslash escapes; empty quotes make an empty word");
	is_int(n, 3, "three words");
	free(s);
	s = joined("", false, &n, &err);
	is_str(s, "", "empty line: no words");
	is_int(n, 0, "zero words");
	free(s);
	ok(rlc_split("redis set k 'open", &n, false, &err) == NULL, "unterminated quote is an error");
	is_str(err.msg, "unterminated single quote", "the error says which quote");
	s = joined("redis set k \"open wo", true, &n, &err);
	is_str(s, "redis|set|k|open wo", "lenient: the open quote ends the last word");
	free(s);
	return (done_testing());
}
