/* cmd-schema.c - the "schema" command family (placeholder until it lands). */
#include "config.h"

#include "cmd.h"

const struct cmd_entry *const cmd_schema_entries[] = { NULL };
