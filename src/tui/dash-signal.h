/*
 * dash-signal.h - cancel or terminate one backend from a Dashboard view
 * (the sessions list, the lock tree), behind ui_confirm: the question names
 * the session, and the signal goes, on the job thread, only to the session
 * that was selected (pid and backend_start checked in the same statement).
 * UI thread only, except the job it starts.
 */
#ifndef MCPDB_DASH_SIGNAL_H
#define MCPDB_DASH_SIGNAL_H

#include <stdbool.h>

#include "ui.h"

/* The session to signal, as the operator saw it. Strings are borrowed. */
struct dash_signal_who {
	int		 pid;
	long long	 backend_start_us;	/* 0: hidden (refused) */
	const char	*user;
	const char	*app;
	const char	*state;
	const char	*dur;		/* how long, as shown */
	const char	*query;
};

/*
 * Ask (ui_confirm), then cancel (terminate false) or terminate the session;
 * the outcome goes to the status line. Refuses with a message on a
 * read-only target or when the session's start time is hidden.
 */
void	dash_signal_ask(struct ui *, const struct dash_signal_who *,
	    bool terminate);

#endif
