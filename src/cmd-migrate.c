/* cmd-migrate.c - the "migrate" command family (placeholder until it lands). */
#include "config.h"

#include "cmd.h"

const struct cmd_entry *const cmd_migrate_entries[] = { NULL };
