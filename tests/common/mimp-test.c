/* mimp-test.c - the test toolkit every C test shares (mimp-test.h)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <signal.h>
#include <string.h>
#include <sys/prctl.h>

#include "mimp-test.h"

static gboolean
wake_up (gpointer data)
{
  return G_SOURCE_CONTINUE;
}

/* A timeout that only wakes the main context. At the lowest priority: a
 * context dispatches only its highest-priority ready sources, and when a
 * condition takes longer to check than the period (a D-Bus call under ASan)
 * a default-priority wake-up would be ready at every iteration and starve
 * the idle callbacks the test is waiting for. */
static guint
add_wake_up (void)
{
  return g_timeout_add_full (G_MAXINT, 5, wake_up, NULL, NULL);
}

gboolean
test_wait_until (gboolean (*condition) (gpointer data), gpointer data, guint timeout_seconds)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) timeout_seconds * G_USEC_PER_SEC;
  /* Blocks in the main context instead of polling it, so that a waiting
   * test leaves the CPU to the server and the app it waits for (a sanitized
   * run on two loaded cores needs it); the wake-up every few milliseconds
   * checks the deadline, and conditions that no main-loop event announces
   * (a file, a D-Bus name, another process). */
  guint wake_id = add_wake_up ();
  gboolean met;

  while (!(met = condition (data)) && g_get_monotonic_time () <= deadline)
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (wake_id);
  return met;
}

static gboolean
flag_is_set (gpointer data)
{
  return *(gboolean *) data;
}

gboolean
test_wait_flag (gboolean *flag, guint timeout_seconds)
{
  return test_wait_until (flag_is_set, flag, timeout_seconds);
}

void
test_store_result (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GAsyncResult **out = user_data;

  g_assert_null (*out);
  *out = g_object_ref (result);
}

static gboolean
result_is_set (gpointer data)
{
  return *(GAsyncResult **) data != NULL;
}

GAsyncResult *
test_wait_result (GAsyncResult **result, guint timeout_seconds)
{
  if (!test_wait_until (result_is_set, result, timeout_seconds))
    g_error ("Timed out after %u s waiting for an asynchronous result", timeout_seconds);
  return *result;
}

void
test_settle (guint ms)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) ms * 1000;
  guint wake_id = add_wake_up ();

  while (g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (wake_id);
}

void
test_die_with_parent (gpointer user_data)
{
  prctl (PR_SET_PDEATHSIG, SIGKILL);
}

char *
test_make_tmpdir (void)
{
  g_autoptr (GError) error = NULL;
  char *dir = g_dir_make_tmp ("mimp-test-XXXXXX", &error);

  g_assert_no_error (error);
  return dir;
}

struct _TestModelMirror
{
  GListModel *model;
  GPtrArray *items; /* what the signals said the model holds */
  gulong handler;
};

void
test_model_mirror_check (TestModelMirror *mirror)
{
  guint n = g_list_model_get_n_items (mirror->model);
  GType type = g_list_model_get_item_type (mirror->model);
  g_autoptr (GObject) beyond = g_list_model_get_item (mirror->model, n);

  g_assert_cmpuint (n, ==, mirror->items->len);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr (GObject) item = g_list_model_get_item (mirror->model, i);

      g_assert_true (item == mirror->items->pdata[i]);
      g_assert_true (G_TYPE_CHECK_INSTANCE_TYPE (item, type));
    }
  g_assert_null (beyond);
}

static void
mirror_items_changed (GListModel *model, guint position, guint removed, guint added,
                      TestModelMirror *mirror)
{
  g_assert_cmpuint (position + removed, <=, mirror->items->len);
  g_ptr_array_remove_range (mirror->items, position, removed);
  for (guint i = 0; i < added; i++)
    g_ptr_array_insert (mirror->items, position + i, g_list_model_get_item (model, position + i));
  test_model_mirror_check (mirror);
}

TestModelMirror *
test_model_mirror_new (GListModel *model)
{
  TestModelMirror *mirror = g_new0 (TestModelMirror, 1);
  guint n = g_list_model_get_n_items (model);

  mirror->model = g_object_ref (model);
  mirror->items = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = 0; i < n; i++)
    g_ptr_array_add (mirror->items, g_list_model_get_item (model, i));
  mirror->handler =
      g_signal_connect (model, "items-changed", G_CALLBACK (mirror_items_changed), mirror);
  test_model_mirror_check (mirror);
  return mirror;
}

void
test_model_mirror_free (TestModelMirror *mirror)
{
  test_model_mirror_check (mirror);
  g_signal_handler_disconnect (mirror->model, mirror->handler);
  g_ptr_array_unref (mirror->items);
  g_object_unref (mirror->model);
  g_free (mirror);
}

void
test_world_start (TestWorld *world, gboolean tls, const char *const *extra_args)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *alice = NULL;
  g_autofree char *bob = NULL;
  g_autofree char *carol = NULL;
  g_autofree char *dave = NULL;

  world->alice_pw = mimpd_test_server_random_password ();
  world->bob_pw = mimpd_test_server_random_password ();
  world->carol_pw = mimpd_test_server_random_password ();
  world->dave_pw = mimpd_test_server_random_password ();
  alice = g_strconcat ("alice:", world->alice_pw, NULL);
  bob = g_strconcat ("bob:", world->bob_pw, NULL);
  carol = g_strconcat ("carol:", world->carol_pw, NULL);
  dave = g_strconcat ("dave:", world->dave_pw, NULL);
  world->server = mimpd_test_server_start_full ((const char *[]){ alice, bob, carol, dave, NULL },
                                                extra_args, tls, &error);
  g_assert_no_error (error);
  world->port = mimpd_test_server_get_port (world->server);
}

void
test_world_stop (TestWorld *world)
{
  if (world->server != NULL && mimpd_test_server_get_pid (world->server) != 0)
    g_assert_cmpint (mimpd_test_server_stop (world->server), ==, 0);
  test_world_clear (world);
}

void
test_world_clear (TestWorld *world)
{
  g_clear_pointer (&world->server, mimpd_test_server_free);
  g_clear_pointer (&world->alice_pw, g_free);
  g_clear_pointer (&world->bob_pw, g_free);
  g_clear_pointer (&world->carol_pw, g_free);
  g_clear_pointer (&world->dave_pw, g_free);
}

const char *
test_world_password (TestWorld *world, const char *user)
{
  const char *names[] = { "alice", "bob", "carol", "dave" };
  const char *passwords[] = { world->alice_pw, world->bob_pw, world->carol_pw, world->dave_pw };

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    if (g_str_equal (names[i], user))
      return passwords[i];
  g_error ("The test world has no user %s", user);
}

void
test_world_send (TestWorld *world, const char *from, const char *to, const char *text)
{
  g_autofree char *server = g_strdup_printf ("127.0.0.1:%u", world->port);
  const char *argv[] = {
    g_getenv ("MIMP_CLI"), "--server", server, "--user", from, "send", to, "-", NULL
  };
  g_autoptr (GSubprocessLauncher) launcher =
      g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_SILENCE);
  g_autoptr (GSubprocess) cli = NULL;
  g_autoptr (GError) error = NULL;

  g_assert_nonnull (argv[0]);
  g_subprocess_launcher_setenv (launcher, "MIMP_PASSWORD", test_world_password (world, from), TRUE);
  cli = g_subprocess_launcher_spawnv (launcher, argv, &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (cli, text, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (cli));
  g_assert_cmpint (g_subprocess_get_exit_status (cli), ==, 0);
}

void
test_world_setup (TestWorld *world, gconstpointer data)
{
  static const char *const no_extensions[] = { "--no-extensions", NULL };
  int flags = GPOINTER_TO_INT (data);

  test_world_start (world, (flags & TEST_WORLD_TLS) != 0,
                    (flags & TEST_WORLD_NO_EXTENSIONS) ? no_extensions : NULL);
}

void
test_world_teardown (TestWorld *world, gconstpointer data)
{
  test_world_stop (world);
}

TestPeer *
test_peer_start (const char *mode)
{
  g_autoptr (GSubprocessLauncher) launcher =
      g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_autoptr (GError) error = NULL;
  g_autoptr (GDataInputStream) out = NULL;
  g_autofree char *script = g_test_build_filename (G_TEST_DIST, "mimp10_server.py", NULL);
  g_autofree char *users = NULL;
  g_autofree char *line = NULL;
  const char *python = g_getenv ("PYTHON") ? g_getenv ("PYTHON") : "/usr/bin/python3";
  TestPeer *peer = g_new0 (TestPeer, 1);
  guint64 port;

  peer->alice_pw = mimpd_test_server_random_password ();
  peer->bob_pw = mimpd_test_server_random_password ();
  users = g_strdup_printf ("alice:%s,bob:%s", peer->alice_pw, peer->bob_pw);
  /* The passwords go in the environment, never in argv. */
  g_subprocess_launcher_setenv (launcher, "MIMP10_USERS", users, TRUE);
  g_subprocess_launcher_set_child_setup (launcher, test_die_with_parent, NULL, NULL);
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
test_peer_free (TestPeer *peer)
{
  g_subprocess_force_exit (peer->process);
  g_subprocess_wait (peer->process, NULL, NULL);
  g_object_unref (peer->process);
  g_free (peer->alice_pw);
  g_free (peer->bob_pw);
  g_free (peer);
}
