/*
 * t-rdskeys.c - unit tests for the top-N of sampled keys: kept sorted,
 * largest first; only the N biggest stay (the smallest is dropped, its name
 * freed); unknown sizes are not ranked; ranking by LFU frequency works the
 * same way.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rdskeys.h"
#include "tap.h"

int
main(void)
{
	struct rdskeys_key	 top[RDSKEYS_TOP], k;
	size_t			 n = 0, i;
	char			 name[32];
	bool			 sorted = true;

	memset(&k, 0, sizeof(k));
	for (i = 0; i < 25; i++) {
		snprintf(name, sizeof(name), "k%zu", i);
		k.name = name;
		k.mem = (long long)((i * 7) % 25) * 100;	/* a permutation of 0..2400 */
		k.freq = (int)i;
		rdskeys_top(top, &n, &k, false);
	}
	is_int((long long)n, RDSKEYS_TOP, "ten keys kept of 25");
	is_int(top[0].mem, 2400, "the biggest first");
	is_int(top[RDSKEYS_TOP - 1].mem, 1500, "the tenth biggest last");
	for (i = 1; i < n; i++)
		if (top[i].mem > top[i - 1].mem)
			sorted = false;
	ok(sorted, "sorted, largest first");
	k.name = (char *)"unknown";
	k.mem = -1;
	rdskeys_top(top, &n, &k, false);
	ok(strcmp(top[RDSKEYS_TOP - 1].name, "unknown") != 0, "an unknown size is not ranked");
	for (i = 0; i < n; i++)
		free(top[i].name);

	n = 0;
	for (i = 0; i < 3; i++) {
		snprintf(name, sizeof(name), "h%zu", i);
		k.name = name;
		k.mem = 1;
		k.freq = (int)(i * 10);
		rdskeys_top(top, &n, &k, true);
	}
	is_int((long long)n, 3, "fewer keys than N: all kept");
	is_str(top[0].name, "h2", "by LFU frequency: the hottest first");
	for (i = 0; i < n; i++)
		free(top[i].name);
	return (done_testing());
}
