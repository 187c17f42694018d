/* cryptully-test-child.h - the test relay and scripted peers
 * (cryptully_relay.py, cryptully_peer.py) as child processes, for the C
 * tests of libcryptully and of the app
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "mimp-test.h"

G_BEGIN_DECLS

#define WAIT_S 20

/* A child process: commands written to its standard input, its standard
 * output read line by line in the main loop. */
typedef struct
{
  GSubprocess *proc;
  GDataInputStream *out;
  GPtrArray *lines;
  guint next; /* first line not consumed yet */
} Child;

/* @script is one of tests/cryptully/'s (found through G_TEST_SRCDIR). */
Child *child_spawn (const char *script, const char *const *args);
void child_stop (Child *child);
void child_send (Child *child, const char *json);
/* The next line containing @needle (earlier lines are passed over). */
const char *child_expect (Child *child, const char *needle);
/* Whether any line since the last expectation contains @needle. */
gboolean child_saw (Child *child, const char *needle);

G_END_DECLS
