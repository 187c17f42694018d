/* test-miricat-client.c - MiricatClient against the test server
 * (miricat_server.py) in both dialects: registration, login, members, the
 * access token and its refresh, images uploaded, shared and downloaded,
 * avatars set and fetched (404 is "no avatar"), Yemu's HTTP 500 on tokens,
 * and calls made in the wrong state.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include <glib/gstdio.h>

#include "miricat.h"

typedef struct
{
  GSubprocess *process;
  guint16 port;
  guint16 http_port;
  char *dir;
} Server;

static const char *users_json = "{\"alice\": \"alice-pw\", \"bob\": \"bob-pw\"}";

static Server *
server_start (const char *dialect, const char *extra)
{
  Server *server = g_new0 (Server, 1);
  g_autoptr (GError) error = NULL;
  g_autofree char *users = NULL;
  g_autofree char *line = NULL;
  g_autoptr (GDataInputStream) out = NULL;
  g_autofree char *script =
      g_test_build_filename (G_TEST_DIST, "miricat", "miricat_server.py", NULL);
  g_auto (GStrv) parts = NULL;

  server->dir = g_dir_make_tmp ("miricat-test-XXXXXX", &error);
  g_assert_no_error (error);
  users = g_build_filename (server->dir, "users.json", NULL);
  g_assert_true (g_file_set_contents (users, users_json, -1, NULL));
  server->process =
      g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error, "/usr/bin/python3", script,
                        "--dialect", dialect, "--users", users, "--allow-same-ip",
                        "--token-interval", "0.5", extra ? extra : "--rooms=general", NULL);
  g_assert_no_error (error);
  out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (server->process));
  line = g_data_input_stream_read_line (out, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (line);
  parts = g_strsplit (line, " ", 3);
  g_assert_cmpstr (parts[0], ==, "PORTS");
  server->port = (guint16) g_ascii_strtoull (parts[1], NULL, 10);
  server->http_port = (guint16) g_ascii_strtoull (parts[2], NULL, 10);
  return server;
}

static void
server_stop (Server *server)
{
  g_autofree char *users = g_build_filename (server->dir, "users.json", NULL);

  g_subprocess_force_exit (server->process);
  g_subprocess_wait (server->process, NULL, NULL);
  g_object_unref (server->process);
  g_unlink (users);
  g_rmdir (server->dir);
  g_free (server->dir);
  g_free (server);
}

static gboolean
deadline_cb (gpointer user_data)
{
  g_error ("timed out waiting for %s", (const char *) user_data);
  return G_SOURCE_REMOVE;
}

#define WAIT_FOR(cond)                                                                             \
  do                                                                                               \
    {                                                                                              \
      guint deadline_ = g_timeout_add_seconds (20, deadline_cb, (gpointer) #cond);                 \
      while (!(cond))                                                                              \
        g_main_context_iteration (NULL, TRUE);                                                     \
      g_source_remove (deadline_);                                                                 \
    }                                                                                              \
  while (0)

static void
result_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

static GAsyncResult *
wait_result (GAsyncResult **slot)
{
  WAIT_FOR (*slot != NULL);
  return *slot;
}

static MiricatClient *
client_new (Server *server, MiricatDialect dialect, const char *user, const char *password)
{
  MiricatClient *client =
      miricat_client_new ("127.0.0.1", server->port, server->http_port, dialect, user);

  if (password)
    miricat_client_set_password (client, password);
  miricat_client_set_timeout (client, 10);
  return client;
}

static void
go_online (MiricatClient *client)
{
  miricat_client_connect (client);
  WAIT_FOR (miricat_client_get_state (client) != MIRICAT_STATE_CONNECTING);
  if (miricat_client_get_error (client))
    g_error ("login failed: %s", miricat_client_get_error (client)->message);
  g_assert_cmpint (miricat_client_get_state (client), ==, MIRICAT_STATE_ONLINE);
  {
    MiricatState state = MIRICAT_STATE_FAILED;

    g_object_get (client, "state", &state, NULL);
    g_assert_cmpint (state, ==, MIRICAT_STATE_ONLINE);
  }
}

typedef struct
{
  char *sender;
  char *name;
  guint tokens;
  char *left;
  gboolean sent;
  GError *send_error;
} Seen;

static void
image_cb (MiricatClient *client, const char *sender, const char *name, gint64 ts, Seen *seen)
{
  g_free (seen->sender);
  g_free (seen->name);
  seen->sender = g_strdup (sender);
  seen->name = g_strdup (name);
}

static void
token_cb (MiricatClient *client, Seen *seen)
{
  seen->tokens++;
}

static void
left_cb (MiricatClient *client, const char *name, Seen *seen)
{
  g_free (seen->left);
  seen->left = g_strdup (name);
}

static void
sent_cb (MiricatClient *client, const char *local_id, const GError *error, Seen *seen)
{
  seen->sent = TRUE;
  g_clear_error (&seen->send_error);
  if (error)
    seen->send_error = g_error_copy (error);
}

static gboolean
has_member (MiricatClient *client, const char *name)
{
  g_auto (GStrv) members = miricat_client_get_members (client);

  return g_strv_contains ((const char *const *) members, name);
}

/* A 1x1 PNG, and some bytes that are not one. */
static const guint8 png[] = {
  0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48,
  0x44, 0x52, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00,
  0x00, 0x1f, 0x15, 0xc4, 0x89, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x44, 0x41, 0x54, 0x78,
  0x9c, 0x63, 0xf8, 0xcf, 0xc0, 0xf0, 0x1f, 0x00, 0x05, 0x00, 0x01, 0xff, 0x89, 0x99,
  0x3d, 0x1d, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82,
};

static void
run_http (MiricatDialect dialect)
{
  Server *server = server_start (miricat_dialect_to_string (dialect), NULL);
  g_autoptr (MiricatClient) alice = client_new (server, dialect, "alice", "alice-pw");
  g_autoptr (MiricatClient) bob = client_new (server, dialect, "bob", "bob-pw");
  g_autoptr (MiricatClient) dave = client_new (server, dialect, "dave", "dave-pw");
  g_autoptr (GBytes) image = g_bytes_new_static (png, sizeof png);
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) got = NULL;
  g_autoptr (GBytes) avatar = NULL;
  g_autofree char *name = NULL;
  GAsyncResult *result = NULL;
  Seen seen = { 0 };
  guint tokens_before;

  /* Not online: no token for the HTTP side, no sending. */
  miricat_client_upload_image_async (alice, image, "image/png", NULL, result_cb, &result);
  g_assert_null (miricat_client_upload_image_finish (alice, wait_result (&result), &error));
  g_assert_error (error, MIRICAT_ERROR, MIRICAT_ERROR_NOT_CONNECTED);
  g_clear_error (&error);
  g_clear_object (&result);
  g_signal_connect (alice, "send-finished", G_CALLBACK (sent_cb), &seen);
  miricat_client_send_text (alice, "id-0", "too early");
  WAIT_FOR (seen.sent);
  g_assert_error (seen.send_error, MIRICAT_ERROR, MIRICAT_ERROR_NOT_CONNECTED);

  /* Registration before any login; twice is "taken". */
  miricat_client_register_async (dave, "dave", "dave-pw", NULL, result_cb, &result);
  g_assert_true (miricat_client_register_finish (dave, wait_result (&result), &error));
  g_assert_no_error (error);
  g_clear_object (&result);
  miricat_client_register_async (dave, "dave", "other", NULL, result_cb, &result);
  g_assert_false (miricat_client_register_finish (dave, wait_result (&result), &error));
  g_assert_error (error, MIRICAT_ERROR, MIRICAT_ERROR_USER_EXISTS);
  g_clear_error (&error);
  g_clear_object (&result);
  go_online (dave);

  g_signal_connect (alice, "access-token-changed", G_CALLBACK (token_cb), &seen);
  g_signal_connect (alice, "member-left", G_CALLBACK (left_cb), &seen);
  g_signal_connect (bob, "image-received", G_CALLBACK (image_cb), &seen);
  go_online (alice);
  go_online (bob);
  g_assert_true (miricat_client_has_access_token (alice));
  WAIT_FOR (has_member (alice, "bob") && has_member (bob, "alice"));
  g_assert_true (has_member (alice, "alice"));

  /* The server sends a new token every half second: it is used. */
  tokens_before = seen.tokens;
  WAIT_FOR (seen.tokens >= tokens_before + 2);

  /* An image: uploaded, shared, received, downloaded. */
  miricat_client_upload_image_async (alice, image, "image/png", NULL, result_cb, &result);
  name = miricat_client_upload_image_finish (alice, wait_result (&result), &error);
  g_assert_no_error (error);
  g_assert_true (miricat_file_name_is_valid (name));
  g_assert_true (g_str_has_suffix (name, ".png"));
  g_clear_object (&result);
  seen.sent = FALSE;
  miricat_client_send_image (alice, "id-1", name);
  WAIT_FOR (seen.sent);
  g_assert_no_error (seen.send_error);
  WAIT_FOR (seen.name != NULL);
  g_assert_cmpstr (seen.sender, ==, "alice");
  g_assert_cmpstr (seen.name, ==, name);
  miricat_client_download_image_async (bob, seen.name, NULL, result_cb, &result);
  got = miricat_client_download_image_finish (bob, wait_result (&result), &error);
  g_assert_no_error (error);
  g_assert_true (g_bytes_equal (got, image));
  g_clear_object (&result);
  miricat_client_download_image_async (bob, "missing.png", NULL, result_cb, &result);
  g_assert_null (miricat_client_download_image_finish (bob, wait_result (&result), &error));
  g_assert_error (error, MIRICAT_ERROR, MIRICAT_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_clear_object (&result);

  /* Avatars: none yet is not an error; set, then fetched by another. */
  miricat_client_fetch_avatar_async (bob, "alice", NULL, result_cb, &result);
  g_assert_true (miricat_client_fetch_avatar_finish (bob, wait_result (&result), &avatar, &error));
  g_assert_no_error (error);
  g_assert_null (avatar);
  g_clear_object (&result);
  miricat_client_set_avatar_async (alice, image, "image/png", NULL, result_cb, &result);
  g_assert_true (miricat_client_set_avatar_finish (alice, wait_result (&result), &error));
  g_assert_no_error (error);
  g_clear_object (&result);
  miricat_client_fetch_avatar_async (bob, "alice", NULL, result_cb, &result);
  g_assert_true (miricat_client_fetch_avatar_finish (bob, wait_result (&result), &avatar, &error));
  g_assert_no_error (error);
  g_assert_true (g_bytes_equal (avatar, image));
  g_clear_object (&result);
  miricat_client_set_avatar_async (alice, image, "text/plain", NULL, result_cb, &result);
  g_assert_false (miricat_client_set_avatar_finish (alice, wait_result (&result), &error));
  g_assert_error (error, MIRICAT_ERROR, MIRICAT_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_clear_object (&result);

  /* Bad sends report through send-finished. */
  seen.sent = FALSE;
  miricat_client_send_text (alice, "id-2", "");
  WAIT_FOR (seen.sent);
  g_assert_error (seen.send_error, MIRICAT_ERROR, MIRICAT_ERROR_INVALID_ARGUMENT);
  if (dialect == MIRICAT_DIALECT_YEMU)
    {
      g_autofree char *long_text = g_strnfill (MIRICAT_YEMU_TEXT_MAX + 1, 'x');

      seen.sent = FALSE;
      miricat_client_send_text (alice, "id-4", long_text);
      WAIT_FOR (seen.sent);
      g_assert_error (seen.send_error, MIRICAT_ERROR, MIRICAT_ERROR_TOO_LARGE);
    }
  seen.sent = FALSE;
  miricat_client_send_image (alice, "id-3", "../etc/passwd");
  WAIT_FOR (seen.sent);
  g_assert_error (seen.send_error, MIRICAT_ERROR, MIRICAT_ERROR_INVALID_ARGUMENT);

  /* bob leaves: alice sees it. */
  miricat_client_disconnect (bob);
  WAIT_FOR (miricat_client_get_state (bob) == MIRICAT_STATE_DISCONNECTED);
  WAIT_FOR (seen.left != NULL);
  g_assert_cmpstr (seen.left, ==, "bob");
  g_assert_false (has_member (alice, "bob"));
  miricat_client_disconnect (alice);
  WAIT_FOR (miricat_client_get_state (alice) == MIRICAT_STATE_DISCONNECTED);
  g_assert_false (miricat_client_has_access_token (alice));

  g_free (seen.sender);
  g_free (seen.name);
  g_free (seen.left);
  g_clear_error (&seen.send_error);
  miricat_client_disconnect (dave);
  WAIT_FOR (miricat_client_get_state (dave) == MIRICAT_STATE_DISCONNECTED);
  server_stop (server);
}

static void
test_http_yemu (void)
{
  run_http (MIRICAT_DIALECT_YEMU);
}

static void
test_http_javacat (void)
{
  run_http (MIRICAT_DIALECT_JAVACAT);
}

/* Yemu fails every request carrying the token with HTTP 500: one clear
 * error, no retry. */
static void
test_yemu_token_bug (void)
{
  Server *server = server_start ("yemu", "--yemu-token-bug");
  g_autoptr (MiricatClient) alice = client_new (server, MIRICAT_DIALECT_YEMU, "alice", "alice-pw");
  g_autoptr (GBytes) image = g_bytes_new_static (png, sizeof png);
  g_autoptr (GError) error = NULL;
  GAsyncResult *result = NULL;

  go_online (alice);
  miricat_client_upload_image_async (alice, image, "image/png", NULL, result_cb, &result);
  g_assert_null (miricat_client_upload_image_finish (alice, wait_result (&result), &error));
  g_assert_error (error, MIRICAT_ERROR, MIRICAT_ERROR_SERVER_ERROR);
  g_assert_nonnull (strstr (error->message, "Yemu"));
  g_clear_object (&result);
  miricat_client_disconnect (alice);
  WAIT_FOR (miricat_client_get_state (alice) == MIRICAT_STATE_DISCONNECTED);
  server_stop (server);
}

/* javacat: a server without rooms, and a server whose first room is ours. */
static void
test_javacat_no_room (void)
{
  Server *server = server_start ("javacat", "--rooms=");
  g_autoptr (MiricatClient) alice =
      client_new (server, MIRICAT_DIALECT_JAVACAT, "alice", "alice-pw");

  miricat_client_connect (alice);
  WAIT_FOR (miricat_client_get_state (alice) == MIRICAT_STATE_FAILED);
  g_assert_error (miricat_client_get_error (alice), MIRICAT_ERROR, MIRICAT_ERROR_NO_ROOM);
  server_stop (server);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/miricat/client/yemu", test_http_yemu);
  g_test_add_func ("/miricat/client/javacat", test_http_javacat);
  g_test_add_func ("/miricat/client/yemu-token-bug", test_yemu_token_bug);
  g_test_add_func ("/miricat/client/javacat-no-room", test_javacat_no_room);
  return g_test_run ();
}
