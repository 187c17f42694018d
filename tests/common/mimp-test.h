/* mimp-test.h - the test toolkit every C test shares
 *
 * One way to wait, one server world, one plain MIMP 1.0 peer:
 *
 *   - test_wait_until() iterates the default main context until a condition
 *     holds or a deadline passes; every other wait here is built on it.
 *   - TestWorld is a real mimpd (mimpd-test-server.h) on 127.0.0.1 with the
 *     users alice, bob, carol and dave on passwords made at run time.
 *   - TestPeer is tests/mimp10_server.py, a MIMP 1.0 server written from the
 *     protocol text alone, with alice and bob.
 *
 * The app's GTK helpers (running the application, finding widgets, leak
 * checks) are in tests/app/test-util.h, which includes this header.
 * docs/testing.md tells how to write a test with them.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "mimpd-test-server.h"

G_BEGIN_DECLS

/* How long a test waits for something that should happen "now": long
 * enough for a sanitized build on a loaded machine. */
#define TEST_WAIT_S 30

/* Iterates the default main context until @condition (@data) is TRUE;
 * returns FALSE if @timeout_seconds pass first. */
gboolean test_wait_until (gboolean (*condition) (gpointer data), gpointer data,
                          guint timeout_seconds);
/* Waits until *@flag is TRUE; FALSE on timeout. */
gboolean test_wait_flag (gboolean *flag, guint timeout_seconds);
/* An async callback that stores its result in the GAsyncResult ** given as
 * user data, and the wait for it (it fails the test on timeout). */
void test_store_result (GObject *source, GAsyncResult *result, gpointer user_data);
GAsyncResult *test_wait_result (GAsyncResult **result, guint timeout_seconds);
/* Iterates the main context for @ms milliseconds. */
void test_settle (guint ms);
/* A GSpawnChildSetupFunc: the child is killed when the test dies, so that
 * a failed assertion leaves nothing holding meson's pipes. */
void test_die_with_parent (gpointer user_data);
/* A new temporary directory (the caller removes it). */
char *test_make_tmpdir (void);

/* Follows a GListModel through its items-changed signals and checks that
 * each one is in range and leaves the model as the signals describe it:
 * the same items, in the same order, of the model's item type, and NULL
 * past the end. test_model_mirror_check() compares again at any time;
 * test_model_mirror_free() compares a last time. */
typedef struct _TestModelMirror TestModelMirror;
TestModelMirror *test_model_mirror_new (GListModel *model);
void test_model_mirror_check (TestModelMirror *mirror);
void test_model_mirror_free (TestModelMirror *mirror);

/* A real mimpd with four users on random passwords. */
typedef struct
{
  MimpdTestServer *server;
  guint16 port;
  char *alice_pw;
  char *bob_pw;
  char *carol_pw;
  char *dave_pw;
} TestWorld;

/* @tls: listen on a TLS port too; @extra_args: more mimpd options, or %NULL. */
void test_world_start (TestWorld *world, gboolean tls, const char *const *extra_args);
/* Stops the server (asserting a clean exit if it still runs) and frees it. */
void test_world_stop (TestWorld *world);
/* Frees it, killing a server that still runs (for g_auto (TestWorld)). */
void test_world_clear (TestWorld *world);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (TestWorld, test_world_clear)

/* The password of @user (alice, bob, carol or dave). */
const char *test_world_password (TestWorld *world, const char *user);
/* Sends @text from @from to @to with mimp-cli ($MIMP_CLI): the password in
 * its environment and the text on its standard input, never in argv.
 * Asserts that it succeeded. */
void test_world_send (TestWorld *world, const char *from, const char *to, const char *text);

/* The same, as a g_test_add() fixture: data is GINT_TO_POINTER (flags),
 * TEST_WORLD_TLS and TEST_WORLD_NO_EXTENSIONS (mimpd --no-extensions: a
 * server without push, which clients then long-poll). */
#define TEST_WORLD_TLS 1
#define TEST_WORLD_NO_EXTENSIONS 2
void test_world_setup (TestWorld *world, gconstpointer data);
void test_world_teardown (TestWorld *world, gconstpointer data);
#define TEST_WORLD_ADD(path, func, flags)                                                          \
  g_test_add (path, TestWorld, GINT_TO_POINTER (flags), test_world_setup, func, test_world_teardown)

/* tests/mimp10_server.py in @mode, with users alice and bob. */
typedef struct
{
  GSubprocess *process;
  guint16 port;
  char *alice_pw;
  char *bob_pw;
} TestPeer;

TestPeer *test_peer_start (const char *mode);
void test_peer_free (TestPeer *peer);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TestPeer, test_peer_free)

G_END_DECLS
