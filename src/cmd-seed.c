/* cmd-seed.c - the "seed" command family (placeholder until it lands). */
#include "config.h"

#include "cmd.h"

const struct cmd_entry *const cmd_seed_entries[] = { NULL };
