/* client-test.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <signal.h>
#include <string.h>
#include <sys/prctl.h>

#include "client-test.h"

void
client_fixture_setup (ClientFixture *fixture, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *alice = NULL;
  g_autofree char *bob = NULL;
  const char *users[3];
  const char *no_extensions[] = { "--no-extensions", NULL };
  int flags = GPOINTER_TO_INT (data);

  fixture->alice_password = mimpd_test_server_random_password ();
  fixture->bob_password = mimpd_test_server_random_password ();
  alice = g_strconcat ("alice:", fixture->alice_password, NULL);
  bob = g_strconcat ("bob:", fixture->bob_password, NULL);
  users[0] = alice;
  users[1] = bob;
  users[2] = NULL;
  fixture->server = mimpd_test_server_start_full (
      users, (flags & CLIENT_TEST_NO_EXTENSIONS) ? no_extensions : NULL,
      (flags & CLIENT_TEST_TLS) != 0, &error);
  g_assert_no_error (error);
}

void
client_fixture_teardown (ClientFixture *fixture, gconstpointer data)
{
  if (mimpd_test_server_get_pid (fixture->server) != 0)
    g_assert_cmpint (mimpd_test_server_stop (fixture->server), ==, 0);
  mimpd_test_server_free (fixture->server);
  g_free (fixture->alice_password);
  g_free (fixture->bob_password);
}

static void
die_with_parent (gpointer user_data)
{
  /* A failed assertion must not leave the peer holding meson's pipes. */
  prctl (PR_SET_PDEATHSIG, SIGKILL);
}

ClientTestPeer *
client_test_peer_start (const char *mode)
{
  g_autoptr (GSubprocessLauncher) launcher =
      g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_autoptr (GError) error = NULL;
  g_autoptr (GDataInputStream) out = NULL;
  g_autofree char *script = g_test_build_filename (G_TEST_DIST, "mimp10_server.py", NULL);
  g_autofree char *users = NULL;
  g_autofree char *line = NULL;
  const char *python = g_getenv ("PYTHON") ? g_getenv ("PYTHON") : "/usr/bin/python3";
  ClientTestPeer *peer = g_new0 (ClientTestPeer, 1);
  guint64 port;

  peer->alice_password = mimpd_test_server_random_password ();
  peer->bob_password = mimpd_test_server_random_password ();
  users = g_strdup_printf ("alice:%s,bob:%s", peer->alice_password, peer->bob_password);
  g_subprocess_launcher_setenv (launcher, "MIMP10_USERS", users, TRUE);
  g_subprocess_launcher_set_child_setup (launcher, die_with_parent, NULL, NULL);
  peer->process =
      g_subprocess_launcher_spawn (launcher, &error, python, script, "--mode", mode, NULL);
  g_assert_no_error (error);
  out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (peer->process));
  line = g_data_input_stream_read_line (out, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (line);
  g_assert_true (g_str_has_prefix (line, "listening on 127.0.0.1:"));
  g_assert_true (g_ascii_string_to_unsigned (strrchr (line, ':') + 1, 10, 1, 65535, &port, NULL));
  peer->port = (guint16) port;
  return peer;
}

void
client_test_peer_free (ClientTestPeer *peer)
{
  g_subprocess_force_exit (peer->process);
  g_subprocess_wait (peer->process, NULL, NULL);
  g_object_unref (peer->process);
  g_free (peer->alice_password);
  g_free (peer->bob_password);
  g_free (peer);
}

static gboolean
wakeup_cb (gpointer user_data)
{
  return G_SOURCE_CONTINUE;
}

void
client_test_init (void)
{
  g_timeout_add (50, wakeup_cb, NULL);
}

void
client_test_wait_until (gboolean (*predicate) (gpointer data), gpointer data)
{
  gint64 deadline = g_get_monotonic_time () + CLIENT_TEST_DEADLINE_SECONDS * G_USEC_PER_SEC;

  while (!predicate (data))
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_main_context_iteration (NULL, TRUE);
    }
}

static gboolean
flag_is_set (gpointer data)
{
  return *(gboolean *) data;
}

void
client_test_wait_flag (gboolean *flag)
{
  client_test_wait_until (flag_is_set, flag);
}

void
client_test_spin (guint milliseconds)
{
  gint64 end = g_get_monotonic_time () + (gint64) milliseconds * 1000;

  while (g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, TRUE);
}
