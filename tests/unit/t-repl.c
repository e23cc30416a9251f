/*
 * t-repl.c - repl.c without a server: how many lines a sample has, what
 * each says, how bad each is under the thresholds (the Dashboard's flags),
 * and the problems in words.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "repl.h"
#include "tap.h"

/* A primary with one streaming standby and no slots. */
static void
repl_primary(struct repl *r)
{
	memset(r, 0, sizeof(*r));
	r->backlog_bytes = -1;
	r->since_replay_s = -1;
	r->nstandbys = 1;
	snprintf(r->standbys[0].name, sizeof(r->standbys[0].name), "s1");
	snprintf(r->standbys[0].client, sizeof(r->standbys[0].client),
	    "10.0.0.2");
	snprintf(r->standbys[0].state, sizeof(r->standbys[0].state),
	    "streaming");
	snprintf(r->standbys[0].sync_state, sizeof(r->standbys[0].sync_state),
	    "async");
	r->standbys[0].replay_lag_bytes = 1000;
	r->standbys[0].replay_lag_s = 0.5;
}

int
main(void)
{
	struct conf_replication	 th = { 64 * 1024 * 1024, 60 }, off = { 0, 0 };
	struct repl		 r;
	struct buf		 b;
	const char		*label;
	char			*s;

	repl_primary(&r);
	is_int(repl_nlines(&r), 1, "a primary with one standby: one line");
	s = repl_line(&r, 0, &label);
	is_str(label, "standby", "... labelled standby");
	like(s, "s1 (10.0.0.2) streaming, async", "... with name, client, "
	    "state");
	free(s);
	is_int(repl_line_level(&r, 0, &th), REPL_OK, "... streaming: ok");
	r.standbys[0].replay_lag_bytes = 100 * 1024 * 1024;
	is_int(repl_line_level(&r, 0, &th), REPL_WARN,
	    "lag over max_lag_bytes: warn");
	is_int(repl_line_level(&r, 0, &off), REPL_OK,
	    "... not when the threshold is off (0)");
	r.standbys[0].replay_lag_bytes = 0;
	r.standbys[0].replay_lag_s = 90;
	is_int(repl_line_level(&r, 0, &th), REPL_WARN,
	    "replay lag over max_lag_s: warn");
	r.standbys[0].replay_lag_s = 0;
	snprintf(r.standbys[0].state, sizeof(r.standbys[0].state), "catchup");
	is_int(repl_line_level(&r, 0, &th), REPL_WARN, "catchup: warn");
	r.standbys[0].state[0] = '\0';
	is_int(repl_line_level(&r, 0, &th), REPL_WARN,
	    "state hidden (no pg_monitor): warn, never ok");

	/* Slots: an inactive one is bad, and said in words. */
	repl_primary(&r);
	r.nslots = 2;
	snprintf(r.slots[0].name, sizeof(r.slots[0].name), "live");
	snprintf(r.slots[0].type, sizeof(r.slots[0].type), "physical");
	r.slots[0].active = true;
	r.slots[0].retained_bytes = 0;
	snprintf(r.slots[1].name, sizeof(r.slots[1].name), "ghost");
	snprintf(r.slots[1].type, sizeof(r.slots[1].type), "physical");
	r.slots[1].retained_bytes = 3 * 1024 * 1024;
	is_int(repl_nlines(&r), 3, "one standby and two slots: three lines");
	is_int(repl_line_level(&r, 1, &th), REPL_OK, "an active slot: ok");
	is_int(repl_line_level(&r, 2, &th), REPL_BAD, "an inactive slot: bad");
	s = repl_line(&r, 2, &label);
	is_str(label, "slot", "... labelled slot");
	like(s, "ghost (physical) INACTIVE, retains 3.0 MB of WAL",
	    "... INACTIVE with the WAL it retains");
	free(s);
	buf_init(&b);
	is_int(repl_problems(&r, &th, &b), 1, "one problem");
	like(b.data, "the disk fills until it reconnects", "... in words");
	buf_done(&b);
	snprintf(r.slots[1].wal_status, sizeof(r.slots[1].wal_status), "lost");
	r.slots[1].active = true;
	is_int(repl_line_level(&r, 2, &th), REPL_BAD, "a slot that lost WAL: "
	    "bad");
	r.slots_hidden = true;
	r.nslots = 0;
	snprintf(r.slots_error, sizeof(r.slots_error), "not visible");
	is_int(repl_nlines(&r), 2, "slots hidden: a line saying so");
	is_int(repl_line_level(&r, 1, &th), REPL_WARN, "... a warning, not ok");

	/* A standby: its receiver. */
	memset(&r, 0, sizeof(r));
	r.in_recovery = true;
	r.backlog_bytes = 0;
	r.since_replay_s = 5;
	is_int(repl_nlines(&r), 1, "a standby: one line");
	is_int(repl_line_level(&r, 0, &th), REPL_BAD,
	    "no WAL receiver: bad");
	r.receiver = true;
	snprintf(r.receiver_status, sizeof(r.receiver_status), "streaming");
	is_int(repl_line_level(&r, 0, &th), REPL_OK, "receiver streaming: ok");
	r.backlog_bytes = 1024;
	r.since_replay_s = 120;
	is_int(repl_line_level(&r, 0, &th), REPL_WARN,
	    "WAL waiting and nothing replayed for 120 s: warn");
	r.backlog_bytes = 0;
	is_int(repl_line_level(&r, 0, &th), REPL_OK,
	    "... not when nothing waits (an idle primary)");

	/* A failed sample says so. */
	memset(&r, 0, sizeof(r));
	snprintf(r.error, sizeof(r.error), "timeout");
	is_int(repl_nlines(&r), 1, "a failed sample: one line");
	s = repl_line(&r, 0, &label);
	is_str(s, "not sampled: timeout", "... saying why");
	free(s);
	is_int(repl_line_level(&r, 0, &th), REPL_WARN, "... as a warning");
	return (done_testing());
}
