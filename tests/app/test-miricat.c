/* test-miricat.c - Miricat accounts in the app, against the test server
 * (tests/miricat/miricat_server.py) on loopback, in both dialects
 *
 * The real MimpAccount and MimpHistory over the Miricat session: the room's
 * messages stored with their sender, joined/left lines and the members,
 * sending (our own echo stored once), an image each way (loaded back
 * through the account), the own avatar set and fetched, and the server
 * going away and coming back. Then, in the real app: registration and a
 * wrong password through the Add Account dialog, and screenshots of a room
 * and of the dialog (screenshots/miricat-*.png under the build directory).
 *
 * Another member of the room ("bob") is a MiricatClient of libmiricat.
 * Passwords go to the server in a users file, never on a command line.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <adwaita.h>
#include <glib/gstdio.h>
#include <string.h>

#include "mimp-account-dialog.h"
#include "mimp-application.h"
#include "mimp-chat-list.h"
#include "mimp-preferences-window.h"
#include "mimp-window.h"
#include "miricat.h"
#include "test-util.h"

#define ROOM "127.0.0.1"

static const char *users_json = "{\"alice\": \"alice-secret\", \"bob\": \"bob-secret\"}";

/* ------------------------------------------------------------------ */
/* The server                                                         */
/* ------------------------------------------------------------------ */

typedef struct
{
  GSubprocess *process;
  char *dialect;
  char *dir;
  guint16 port;
} Server;

static void
server_spawn (Server *server, guint16 port)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *users = g_build_filename (server->dir, "users.json", NULL);
  g_autofree char *script =
      g_test_build_filename (G_TEST_DIST, "miricat", "miricat_server.py", NULL);
  g_autofree char *port_arg = g_strdup_printf ("--port=%u", port);
  g_autoptr (GDataInputStream) out = NULL;
  g_autofree char *line = NULL;
  g_auto (GStrv) parts = NULL;

  server->process =
      g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error, "/usr/bin/python3", script,
                        "--dialect", server->dialect, "--users", users, "--allow-same-ip",
                        port != 0 ? port_arg : "--adjacent-ports", NULL);
  g_assert_no_error (error);
  out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (server->process));
  line = g_data_input_stream_read_line (out, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (line);
  parts = g_strsplit (line, " ", 3);
  g_assert_cmpstr (parts[0], ==, "PORTS");
  server->port = (guint16) g_ascii_strtoull (parts[1], NULL, 10);
  /* The app looks for the HTTP side on the next port. */
  g_assert_cmpuint (g_ascii_strtoull (parts[2], NULL, 10), ==, server->port + 1);
}

static Server *
server_start (const char *dialect)
{
  Server *server = g_new0 (Server, 1);
  g_autofree char *users = NULL;

  server->dialect = g_strdup (dialect);
  server->dir = test_make_tmpdir ();
  users = g_build_filename (server->dir, "users.json", NULL);
  g_assert_true (g_file_set_contents (users, users_json, -1, NULL));
  server_spawn (server, 0);
  return server;
}

static void
server_kill (Server *server)
{
  g_subprocess_force_exit (server->process);
  g_subprocess_wait (server->process, NULL, NULL);
  g_clear_object (&server->process);
}

static void
server_stop (Server *server)
{
  g_autofree char *users = g_build_filename (server->dir, "users.json", NULL);

  if (server->process != NULL)
    server_kill (server);
  g_unlink (users);
  g_rmdir (server->dir);
  g_free (server->dir);
  g_free (server->dialect);
  g_free (server);
}

/* ------------------------------------------------------------------ */
/* Helpers                                                            */
/* ------------------------------------------------------------------ */

static MimpAccount *
new_account (Server *server, const char *user, const char *password)
{
  MimpAccount *account = mimp_account_new (mimp_protocol_find ("miricat"), NULL, "127.0.0.1",
                                           server->port, user, FALSE);

  g_assert_true (mimp_account_set_option (account, "dialect", server->dialect));
  if (password != NULL)
    mimp_account_use_password (account, password, TRUE);
  return account;
}

typedef struct
{
  TestModels m;
  Server *server;
  MimpAccount *alice;
  MiricatClient *bob;
  GPtrArray *bob_heard; /* "sender\ttext" or "sender\timage:NAME" */
} Fixture;

/* The room's chat as the history holds it, oldest first. */
static GPtrArray *
load_room (Fixture *fx)
{
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;
  GPtrArray *page;

  mimp_history_load_page_async (fx->m.history, mimp_account_get_id (fx->alice), ROOM, NULL, 200,
                                NULL, test_store_result, &result);
  page = mimp_history_load_page_finish (fx->m.history, test_wait_result (&result, 10), &error);
  g_assert_no_error (error);
  return page;
}

typedef struct
{
  Fixture *fx;
  const char *sender;
  const char *text;
  MimpMessageKind kind;
  gboolean attachment;
} Wanted;

static guint
count_stored (Wanted *wanted)
{
  g_autoptr (GPtrArray) page = load_room (wanted->fx);
  guint n = 0;

  for (guint i = 0; i < page->len; i++)
    {
      MimpChatMessage *message = page->pdata[i];

      if (mimp_chat_message_get_kind (message) == wanted->kind &&
          (wanted->sender == NULL ||
           g_strcmp0 (mimp_chat_message_get_sender (message), wanted->sender) == 0) &&
          (wanted->text == NULL ||
           g_strcmp0 (mimp_chat_message_get_text (message), wanted->text) == 0) &&
          (mimp_chat_message_get_attachment (message) != NULL) == wanted->attachment)
        n++;
    }
  return n;
}

static gboolean
is_stored (gpointer data)
{
  return count_stored (data) > 0;
}

static gboolean
bob_is_online (gpointer data)
{
  return miricat_client_get_state (data) == MIRICAT_STATE_ONLINE;
}

static gboolean
bob_is_closed (gpointer data)
{
  return miricat_client_get_state (data) == MIRICAT_STATE_DISCONNECTED;
}

static gboolean
has_member (MimpAccount *account, const char *name)
{
  g_auto (GStrv) members = mimp_account_dup_members (account, ROOM);

  return members != NULL && g_strv_contains ((const char *const *) members, name);
}

static gboolean
bob_is_member (gpointer account)
{
  return has_member (account, "bob");
}

static gboolean
bob_is_not_member (gpointer account)
{
  return !has_member (account, "bob");
}

static gboolean
account_is_waiting (gpointer account)
{
  return mimp_account_get_status (account) == MIMP_ACCOUNT_STATUS_WAITING;
}

static gboolean
account_needs_password (gpointer account)
{
  return mimp_account_get_status (account) == MIMP_ACCOUNT_STATUS_NEEDS_PASSWORD;
}

static void
on_bob_message (Fixture *fx, const char *sender, const char *text, gint64 timestamp)
{
  g_ptr_array_add (fx->bob_heard, g_strdup_printf ("%s\t%s", sender, text));
}

static void
on_bob_image (Fixture *fx, const char *sender, const char *file_name, gint64 timestamp)
{
  g_ptr_array_add (fx->bob_heard, g_strdup_printf ("%s\timage:%s", sender, file_name));
}

typedef struct
{
  Fixture *fx;
  const char *prefix;
} Heard;

static const char *
bob_heard (Fixture *fx, const char *prefix)
{
  for (guint i = 0; i < fx->bob_heard->len; i++)
    if (g_str_has_prefix (fx->bob_heard->pdata[i], prefix))
      return fx->bob_heard->pdata[i];
  return NULL;
}

static gboolean
bob_has_heard (gpointer data)
{
  Heard *heard = data;

  return bob_heard (heard->fx, heard->prefix) != NULL;
}

static MiricatClient *
bob_connect (Fixture *fx)
{
  MiricatDialect dialect = MIRICAT_DIALECT_YEMU;
  MiricatClient *bob;

  g_assert_true (miricat_dialect_from_string (fx->server->dialect, &dialect));
  bob = miricat_client_new ("127.0.0.1", fx->server->port, fx->server->port + 1, dialect, "bob");
  miricat_client_set_password (bob, "bob-secret");
  g_signal_connect_swapped (bob, "message-received", G_CALLBACK (on_bob_message), fx);
  g_signal_connect_swapped (bob, "image-received", G_CALLBACK (on_bob_image), fx);
  miricat_client_connect (bob);
  g_assert_true (test_wait_until (bob_is_online, bob, 20));
  return bob;
}

static void
bob_disconnect (Fixture *fx)
{
  miricat_client_disconnect (fx->bob);
  g_assert_true (test_wait_until (bob_is_closed, fx->bob, 10));
  g_clear_object (&fx->bob);
}

static GBytes *
wait_bytes (MimpAccount *account, GAsyncResult **result)
{
  g_autoptr (GError) error = NULL;
  GBytes *bytes = mimp_account_load_bytes_finish (account, test_wait_result (result, 20), &error);

  g_assert_no_error (error);
  g_clear_object (result);
  return bytes;
}

/* ------------------------------------------------------------------ */
/* The account over the session, in one dialect                       */
/* ------------------------------------------------------------------ */

static void
check_room (Fixture *fx)
{
  Wanted own_join = { fx, "alice", NULL, MIMP_MESSAGE_KIND_JOINED, FALSE };
  Wanted bob_join = { fx, "bob", NULL, MIMP_MESSAGE_KIND_JOINED, FALSE };
  Wanted hello = { fx, "bob", "Hello from bob", MIMP_MESSAGE_KIND_TEXT, FALSE };
  Heard own_echo = { fx, "bob\tHello from bob" };

  /* Coming in is the first line of the room's chat. */
  g_assert_true (test_wait_until (is_stored, &own_join, 10));
  fx->bob = bob_connect (fx);
  g_assert_true (test_wait_until (is_stored, &bob_join, 10));
  g_assert_true (test_wait_until (bob_is_member, fx->alice, 10));
  g_assert_true (has_member (fx->alice, "alice"));
  /* A chat with someone else is no room. */
  g_assert_null (mimp_account_dup_members (fx->alice, "bob"));

  miricat_client_send_text (fx->bob, "b1", "Hello from bob");
  g_assert_true (test_wait_until (is_stored, &hello, 10));
  /* The server sends a message back to its sender too (what the account
   * must not store twice, below). */
  g_assert_true (test_wait_until (bob_has_heard, &own_echo, 10));
  test_settle (300);
  g_assert_cmpuint (count_stored (&hello), ==, 1);
}

static void
check_send (Fixture *fx)
{
  Wanted sent = { fx, NULL, "Hi bob, from alice", MIMP_MESSAGE_KIND_TEXT, FALSE };
  Wanted echo = { fx, "alice", "Hi bob, from alice", MIMP_MESSAGE_KIND_TEXT, FALSE };
  Heard heard = { fx, "alice\tHi bob, from alice" };
  g_autoptr (GPtrArray) page = NULL;
  MimpChatMessage *last = NULL;

  mimp_account_send (fx->alice, ROOM, "Hi bob, from alice");
  g_assert_true (test_wait_until (bob_has_heard, &heard, 10));
  /* Both servers send it back to us too: it is stored once, as ours. */
  test_settle (800);
  g_assert_cmpuint (count_stored (&sent), ==, 1);
  g_assert_cmpuint (count_stored (&echo), ==, 0);
  page = load_room (fx);
  for (guint i = 0; i < page->len; i++)
    if (g_strcmp0 (mimp_chat_message_get_text (page->pdata[i]), "Hi bob, from alice") == 0)
      last = page->pdata[i];
  g_assert_nonnull (last);
  g_assert_true (mimp_chat_message_get_outgoing (last));
  g_assert_cmpint (mimp_chat_message_get_state (last), ==, MIMP_MESSAGE_STATE_SENT);

  /* The same text from bob is his, and stored. */
  miricat_client_send_text (fx->bob, "b2", "Hi bob, from alice");
  echo.sender = "bob";
  g_assert_true (test_wait_until (is_stored, &echo, 10));
}

static void
check_images (Fixture *fx)
{
  g_autoptr (GBytes) ours = test_make_png (200, 80, 40);
  g_autoptr (GBytes) theirs = test_make_png (30, 160, 90);
  g_autoptr (GBytes) loaded = NULL;
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *file_name = NULL;
  Heard heard = { fx, "alice\timage:" };
  Wanted our_image = { fx, NULL, NULL, MIMP_MESSAGE_KIND_TEXT, TRUE };
  Wanted their_image = { fx, "bob", NULL, MIMP_MESSAGE_KIND_TEXT, TRUE };
  g_autoptr (GPtrArray) page = NULL;
  const char *attachment = NULL;

  /* Ours: uploaded, shared in the room, shown once. */
  mimp_account_send_image_async (fx->alice, ROOM, ours, "image/png", NULL, test_store_result,
                                 &result);
  g_assert_true (
      mimp_account_send_image_finish (fx->alice, test_wait_result (&result, 20), &error));
  g_assert_no_error (error);
  g_clear_object (&result);
  g_assert_true (test_wait_until (bob_has_heard, &heard, 10));
  test_settle (800);
  g_assert_cmpuint (count_stored (&our_image), ==, 1);

  /* Theirs: an upload of bob's, shared, then loaded through the account. */
  miricat_client_upload_image_async (fx->bob, theirs, "image/png", NULL, test_store_result,
                                     &result);
  file_name = miricat_client_upload_image_finish (fx->bob, test_wait_result (&result, 20), &error);
  g_assert_no_error (error);
  g_clear_object (&result);
  miricat_client_send_image (fx->bob, "b3", file_name);
  g_assert_true (test_wait_until (is_stored, &their_image, 10));
  page = load_room (fx);
  for (guint i = 0; i < page->len; i++)
    if (g_strcmp0 (mimp_chat_message_get_sender (page->pdata[i]), "bob") == 0 &&
        mimp_chat_message_get_attachment (page->pdata[i]) != NULL)
      attachment = mimp_chat_message_get_attachment (page->pdata[i]);
  g_assert_cmpstr (attachment, ==, file_name);
  mimp_account_load_attachment_async (fx->alice, attachment, NULL, test_store_result, &result);
  loaded = wait_bytes (fx->alice, &result);
  g_assert_true (g_bytes_equal (loaded, theirs));
}

static void
check_avatars (Fixture *fx)
{
  g_autoptr (GBytes) avatar = test_make_png (40, 120, 220);
  g_autoptr (GBytes) loaded = NULL;
  g_autoptr (GBytes) none = NULL;
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;

  mimp_account_set_own_avatar_async (fx->alice, avatar, "image/png", NULL, test_store_result,
                                     &result);
  g_assert_true (
      mimp_account_set_own_avatar_finish (fx->alice, test_wait_result (&result, 20), &error));
  g_assert_no_error (error);
  g_clear_object (&result);
  mimp_account_load_avatar_async (fx->alice, "alice", NULL, test_store_result, &result);
  loaded = wait_bytes (fx->alice, &result);
  g_assert_nonnull (loaded);
  g_assert_true (g_bytes_equal (loaded, avatar));
  /* bob has none: no avatar, and no error. */
  mimp_account_load_avatar_async (fx->alice, "bob", NULL, test_store_result, &result);
  none = wait_bytes (fx->alice, &result);
  g_assert_null (none);
}

static void
check_leave (Fixture *fx)
{
  Wanted bob_left = { fx, "bob", NULL, MIMP_MESSAGE_KIND_LEFT, FALSE };

  bob_disconnect (fx);
  g_assert_true (test_wait_until (is_stored, &bob_left, 10));
  g_assert_true (test_wait_until (bob_is_not_member, fx->alice, 10));
}

/* The server goes away: the account waits and tries again, and is online
 * once the server is back. */
static void
check_server_away (Fixture *fx)
{
  Wanted message = { fx, "bob", "Back again", MIMP_MESSAGE_KIND_TEXT, FALSE };
  guint16 port = fx->server->port;

  server_kill (fx->server);
  g_assert_true (test_wait_until (account_is_waiting, fx->alice, 10));
  /* The next attempt is due soon, on the clock the banner counts down on. */
  g_assert_cmpint (mimp_account_get_retry_time (fx->alice), >,
                   g_get_monotonic_time () - G_USEC_PER_SEC);
  g_assert_cmpint (mimp_account_get_retry_time (fx->alice), <,
                   g_get_monotonic_time () + 76 * G_USEC_PER_SEC);
  /* Let a retry or two fail. */
  test_settle (2500);
  g_assert_cmpint (mimp_account_get_status (fx->alice), !=, MIMP_ACCOUNT_STATUS_ONLINE);
  server_spawn (fx->server, port);
  g_assert_true (test_wait_until (test_account_is_online, fx->alice, 30));
  fx->bob = bob_connect (fx);
  miricat_client_send_text (fx->bob, "b4", "Back again");
  g_assert_true (test_wait_until (is_stored, &message, 10));
  bob_disconnect (fx);
}

static void
test_dialect (gconstpointer data)
{
  Fixture fx = { 0 };

  fx.server = server_start (data);
  fx.bob_heard = g_ptr_array_new_with_free_func (g_free);
  test_models_set_up (&fx.m);
  fx.alice = new_account (fx.server, "alice", "alice-secret");
  test_models_add_online (&fx.m, fx.alice);

  check_room (&fx);
  check_send (&fx);
  check_images (&fx);
  check_avatars (&fx);
  check_leave (&fx);
  check_server_away (&fx);

  g_clear_object (&fx.alice);
  test_models_tear_down (&fx.m);
  g_ptr_array_unref (fx.bob_heard);
  server_stop (fx.server);
}

/* A refused password stops the tries until the user gives another. */
static void
test_wrong_password (void)
{
  TestModels m = { 0 };
  Server *server = server_start ("yemu");
  g_autoptr (MimpAccount) account = NULL;

  test_models_set_up (&m);
  account = new_account (server, "alice", "not-the-password");
  mimp_account_manager_add (m.accounts, account);
  g_assert_true (test_wait_until (account_needs_password, account, 20));
  g_assert_nonnull (mimp_account_get_status_message (account));
  mimp_account_use_password (account, "alice-secret", TRUE);
  g_assert_true (test_wait_until (test_account_is_online, account, 20));
  test_models_tear_down (&m);
  server_stop (server);
}

/* ------------------------------------------------------------------ */
/* In the app: the account dialog, and screenshots                    */
/* ------------------------------------------------------------------ */

static struct
{
  MimpApplication *app;
  Server *server;
  MimpAccount *carol;
  gboolean ok;
} ax;

static MimpWindow *
main_window (void)
{
  return MIMP_WINDOW (mimp_application_get_main_window (ax.app));
}

/* The switch of the row titled @title under @widget. */
static GtkSwitch *
find_row_switch (GtkWidget *widget, const char *title)
{
  if (ADW_IS_PREFERENCES_ROW (widget) &&
      g_strcmp0 (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (widget)), title) == 0)
    return GTK_SWITCH (test_find_type (widget, GTK_TYPE_SWITCH));
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkSwitch *found = find_row_switch (child, title);
      if (found != NULL)
        return found;
    }
  return NULL;
}

static gboolean
dialog_settled (gpointer dialog)
{
  return !mimp_account_dialog_get_busy (dialog) &&
         (mimp_account_dialog_get_error (dialog) != NULL || !gtk_widget_get_visible (dialog));
}

static MimpAccount *
find_account (const char *user)
{
  return mimp_account_manager_find (mimp_application_get_accounts (ax.app),
                                    mimp_protocol_find ("miricat"), "127.0.0.1", ax.server->port,
                                    user);
}

static gboolean
carol_is_online (gpointer data)
{
  MimpAccount *account = find_account ("carol");

  return account != NULL && test_account_is_online (account);
}

static MimpAccountDialog *
open_dialog (const char *user, const char *password)
{
  MimpAccountDialog *dialog =
      mimp_account_dialog_new (mimp_application_get_accounts (ax.app),
                               mimp_application_get_secrets (ax.app), GTK_WINDOW (main_window ()));
  g_autofree char *server = g_strdup_printf ("127.0.0.1:%u", ax.server->port);

  g_assert_true (mimp_account_dialog_set_protocol (dialog, "miricat"));
  g_assert_true (mimp_account_dialog_set_option (dialog, "dialect", "javacat"));
  mimp_account_dialog_fill (dialog, server, user, password, FALSE);
  gtk_window_present (GTK_WINDOW (dialog));
  return dialog;
}

/* A new user, created on the server from the dialog, then signed in; and a
 * wrong password, which the dialog explains. */
static void
check_dialog (void)
{
  g_autoptr (MimpAccountDialog) dialog = g_object_ref (open_dialog ("carol", "carol-secret"));
  GtkSwitch *create = find_row_switch (GTK_WIDGET (dialog), "_Create This User on the Server");

  g_assert_nonnull (create);
  g_assert_true (gtk_widget_is_visible (GTK_WIDGET (create)));
  gtk_switch_set_active (create, TRUE);
  test_screenshot (GTK_WINDOW (dialog), "miricat-add-account");
  mimp_account_dialog_submit (dialog);
  g_assert_true (test_wait_until (dialog_settled, dialog, 30));
  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (dialog)));
  g_assert_true (test_wait_until (carol_is_online, NULL, 30));
  g_assert_cmpstr (mimp_account_get_option (find_account ("carol"), "dialect"), ==, "javacat");

  g_clear_object (&dialog);
  /* A name that is taken cannot be created again. */
  dialog = g_object_ref (open_dialog ("bob", "bob-secret"));
  gtk_switch_set_active (find_row_switch (GTK_WIDGET (dialog), "_Create This User on the Server"),
                         TRUE);
  mimp_account_dialog_submit (dialog);
  g_assert_true (test_wait_until (dialog_settled, dialog, 30));
  g_assert_nonnull (strstr (mimp_account_dialog_get_error (dialog), "taken"));
  g_assert_null (find_account ("bob"));
  gtk_window_destroy (GTK_WINDOW (dialog));
  g_clear_object (&dialog);

  dialog = g_object_ref (open_dialog ("bob", "not-bob-secret"));
  mimp_account_dialog_submit (dialog);
  g_assert_true (test_wait_until (dialog_settled, dialog, 30));
  g_assert_cmpstr (mimp_account_dialog_get_error (dialog), ==,
                   "The user name or password is wrong.");
  g_assert_null (find_account ("bob"));
  gtk_window_destroy (GTK_WINDOW (dialog));
}

static MimpChat *
room_chat (void)
{
  g_autofree char *key = mimp_chat_make_key (mimp_account_get_id (ax.carol), ROOM);

  return mimp_chat_list_lookup (mimp_application_get_chats (ax.app), key);
}

static gboolean
room_exists (gpointer data)
{
  return room_chat () != NULL;
}

static gboolean
room_has (gpointer n)
{
  return room_chat () != NULL &&
         g_list_model_get_n_items (G_LIST_MODEL (room_chat ())) >= GPOINTER_TO_UINT (n);
}

static GtkWidget *
find_shown_picture (GtkWidget *widget, int min_width)
{
  if (GTK_IS_PICTURE (widget) && gtk_widget_is_visible (widget) &&
      gtk_picture_get_paintable (GTK_PICTURE (widget)) != NULL &&
      gtk_widget_get_width (widget) >= min_width)
    return widget;
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_shown_picture (child, min_width);
      if (found != NULL)
        return found;
    }
  return NULL;
}

static gboolean
image_shown (gpointer data)
{
  return find_shown_picture (mimp_window_get_messages_view (main_window ()), 40) != NULL;
}

static void
done_cb (GObject *source, GAsyncResult *result, gpointer data)
{
  *(gboolean *) data = TRUE;
}

static gboolean
flag_set (gpointer data)
{
  return *(gboolean *) data;
}

/* A room with members, avatars and an image, from carol's side. */
static void
check_room_screenshot (void)
{
  Fixture fx = { 0 };
  g_autoptr (GBytes) image = test_make_png (200, 80, 40);
  g_autoptr (GBytes) bob_avatar = test_make_png (40, 120, 220);
  g_autoptr (GBytes) carol_avatar = test_make_png (220, 60, 140);
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *file_name = NULL;
  gboolean done = FALSE;
  GtkWidget *members;

  ax.carol = g_object_ref (find_account ("carol"));
  fx.server = ax.server;
  fx.bob_heard = g_ptr_array_new_with_free_func (g_free);
  fx.bob = bob_connect (&fx);
  mimp_account_set_own_avatar_async (ax.carol, carol_avatar, "image/png", NULL, done_cb, &done);
  g_assert_true (test_wait_until (flag_set, &done, 20));
  miricat_client_set_avatar_async (fx.bob, bob_avatar, "image/png", NULL, test_store_result,
                                   &result);
  g_assert_true (miricat_client_set_avatar_finish (fx.bob, test_wait_result (&result, 20), &error));
  g_assert_no_error (error);
  g_clear_object (&result);

  miricat_client_send_text (fx.bob, "b1", "Hello, Carol! Welcome to the room.");
  miricat_client_upload_image_async (fx.bob, image, "image/png", NULL, test_store_result, &result);
  file_name = miricat_client_upload_image_finish (fx.bob, test_wait_result (&result, 20), &error);
  g_assert_no_error (error);
  miricat_client_send_text (fx.bob, "b2", "Here is the picture I took:");
  miricat_client_send_image (fx.bob, "b3", file_name);
  g_assert_true (test_wait_until (room_exists, NULL, 20));
  /* Wait for bob's image to be stored before opening the chat. */
  test_settle (1000);
  mimp_window_open_chat (main_window (), room_chat ());
  test_settle (500);
  mimp_chat_send (room_chat (), "Thanks, it looks great.");
  /* carol joined, bob joined, two texts, the image, carol's reply */
  g_assert_true (test_wait_until (room_has, GUINT_TO_POINTER (6), 20));
  g_assert_true (test_wait_until (image_shown, NULL, 20));
  /* Our reply came back from the server too, and shows once. */
  test_settle (800);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (room_chat ())), ==, 6);
  members = test_find_named (GTK_WIDGET (main_window ()), "members");
  g_assert_true (gtk_widget_get_visible (members));
  gtk_menu_button_popup (GTK_MENU_BUTTON (members));
  test_screenshot (GTK_WINDOW (main_window ()), "miricat-room");
  gtk_menu_button_popdown (GTK_MENU_BUTTON (members));

  bob_disconnect (&fx);
  g_ptr_array_unref (fx.bob_heard);
}

/* The user's avatar, set from Preferences (the file chooser's choice
 * given directly), as others see it. */
static void
check_preferences_avatar (void)
{
  MimpPreferencesWindow *prefs = mimp_preferences_window_new (ax.app, GTK_WINDOW (main_window ()));
  g_autoptr (GBytes) avatar = test_make_png (250, 200, 30);
  g_autoptr (GBytes) seen = NULL;
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = test_make_tmpdir ();
  g_autofree char *path = g_build_filename (dir, "me.png", NULL);
  g_autoptr (GFile) file = g_file_new_for_path (path);
  GtkWidget *button;
  Fixture fx = { 0 };

  g_assert_true (g_file_set_contents (path, g_bytes_get_data (avatar, NULL),
                                      (gssize) g_bytes_get_size (avatar), NULL));
  mimp_preferences_window_show_page (prefs, "accounts");
  gtk_window_present (GTK_WINDOW (prefs));
  test_settle (300);
  /* The action is there for Miricat accounts. */
  button = test_find_named (GTK_WIDGET (prefs), "set-avatar");
  g_assert_nonnull (button);
  g_assert_true (gtk_widget_is_visible (button));
  test_screenshot (GTK_WINDOW (prefs), "miricat-preferences");
  mimp_preferences_window_set_avatar_from_file (prefs, ax.carol, file);

  fx.server = ax.server;
  fx.bob_heard = g_ptr_array_new_with_free_func (g_free);
  fx.bob = bob_connect (&fx);
  for (int i = 0; i < 100 && (seen == NULL || !g_bytes_equal (seen, avatar)); i++)
    {
      test_settle (100);
      g_clear_pointer (&seen, g_bytes_unref);
      miricat_client_fetch_avatar_async (fx.bob, "carol", NULL, test_store_result, &result);
      g_assert_true (miricat_client_fetch_avatar_finish (fx.bob, test_wait_result (&result, 10),
                                                         &seen, &error));
      g_assert_no_error (error);
      g_clear_object (&result);
    }
  g_assert_nonnull (seen);
  g_assert_true (g_bytes_equal (seen, avatar));
  bob_disconnect (&fx);
  g_ptr_array_unref (fx.bob_heard);
  gtk_window_destroy (GTK_WINDOW (prefs));
  g_unlink (path);
  g_rmdir (dir);
}

static gboolean
phase (gpointer data)
{
  gtk_window_set_default_size (GTK_WINDOW (main_window ()), 1000, 700);
  check_dialog ();
  check_room_screenshot ();
  check_preferences_avatar ();
  ax.ok = TRUE;
  g_action_group_activate_action (G_ACTION_GROUP (ax.app), "quit", NULL);
  return G_SOURCE_REMOVE;
}

static void
test_app (void)
{
  if (!gtk_init_check ())
    {
      g_test_skip ("No display");
      return;
    }
  adw_init ();
  ax.server = server_start ("javacat");
  test_start_keyring ();
  ax.app = mimp_application_new ();
  test_run_app (G_APPLICATION (ax.app), phase, 200);
  g_assert_true (ax.ok);
  g_clear_object (&ax.carol);
  g_clear_object (&ax.app);
  test_assert_finalized (10);
  server_stop (ax.server);
}

/* What the type says about itself, which the dialogs and the window read. */
static void
test_type (void)
{
  MimpProtocol *miricat = mimp_protocol_find ("miricat");
  g_autoptr (GPtrArray) list = mimp_protocol_list ();
  const MimpProtocolOption *dialect;
  g_autofree char *name = NULL;
  g_autofree char *brief = NULL;
  g_autofree char *words = NULL;
  g_autofree char *said = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GError) wrong = NULL;

  g_assert_nonnull (miricat);
  g_assert_cmpstr (mimp_protocol_get_id (list->pdata[0]), ==, "mimp");
  /* Offered in the account dialog, after MIMP. */
  g_assert_true (g_ptr_array_find (list, miricat, NULL));
  g_assert_true (list->pdata[0] != (gpointer) miricat);
  g_assert_cmpstr (mimp_protocol_get_display_name (miricat), ==, "Miricat");
  g_assert_true (mimp_protocol_has (
      miricat, MIMP_PROTOCOL_ROOMS | MIMP_PROTOCOL_PRESENCE | MIMP_PROTOCOL_AVATARS |
                   MIMP_PROTOCOL_IMAGES | MIMP_PROTOCOL_REGISTRATION | MIMP_PROTOCOL_PASSWORD));
  g_assert_false (mimp_protocol_has (miricat, MIMP_PROTOCOL_TLS));
  g_assert_false (mimp_protocol_has (miricat, MIMP_PROTOCOL_STORE_AND_FORWARD));
  g_assert_false (mimp_protocol_has (miricat, MIMP_PROTOCOL_END_TO_END));
  g_assert_cmpuint (mimp_protocol_get_max_text (miricat), ==, MIRICAT_YEMU_TEXT_MAX);
  g_assert_cmpuint (mimp_protocol_get_default_port (miricat, FALSE), ==, 3072);

  dialect = mimp_protocol_find_option (miricat, "dialect");
  g_assert_nonnull (dialect);
  g_assert_cmpstr (dialect->values[0], ==, "yemu");
  g_assert_cmpstr (dialect->values[1], ==, "javacat");
  g_assert_null (dialect->values[2]);

  g_assert_true (mimp_protocol_normalize_peer (miricat, " Alice_2 ", &name, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (name, ==, "Alice_2");
  g_assert_false (mimp_protocol_normalize_peer (miricat, "a b", &name, &error));
  g_assert_error (error, MIRICAT_ERROR, MIRICAT_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_false (mimp_protocol_normalize_peer (miricat, "", &name, &error));
  g_clear_error (&error);
  g_assert_false (mimp_protocol_normalize_peer (miricat, "zoë", &name, &error));
  g_clear_error (&error);

  /* Never more than it has earned. */
  g_assert_cmpint (mimp_protocol_get_security (miricat, FALSE), ==, MIMP_SECURITY_ANYONE);
  brief = mimp_protocol_describe_security (miricat, FALSE, TRUE);
  g_assert_cmpstr (brief, ==, "readable by the server, weak encryption");
  words = mimp_protocol_describe_security (miricat, FALSE, FALSE);
  g_assert_nonnull (strstr (words, "not private"));

  wrong = g_error_new_literal (MIRICAT_ERROR, MIRICAT_ERROR_WRONG_PASSWORD, "refused");
  said = mimp_describe_error (wrong);
  g_assert_cmpstr (said, ==, "The user name or password is wrong.");
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_setenv ("GTK_A11Y", "none", TRUE);
  g_log_set_always_fatal (G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL);
  g_test_add_func ("/miricat/type", test_type);
  g_test_add_data_func ("/miricat/account/yemu", "yemu", test_dialect);
  g_test_add_data_func ("/miricat/account/javacat", "javacat", test_dialect);
  g_test_add_func ("/miricat/account/wrong-password", test_wrong_password);
  g_test_add_func ("/miricat/app/dialog-and-room", test_app);
  return g_test_run ();
}
