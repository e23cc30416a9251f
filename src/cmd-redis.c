/* cmd-redis.c - the "redis" command family (placeholder until it lands). */
#include "config.h"

#include "cmd.h"

const struct cmd_entry *const cmd_redis_entries[] = { NULL };
