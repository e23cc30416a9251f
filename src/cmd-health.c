/* cmd-health.c - the "health" command family (placeholder until it lands). */
#include "config.h"

#include "cmd.h"

const struct cmd_entry *const cmd_health_entries[] = { NULL };
