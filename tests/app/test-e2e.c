/* test-e2e.c - the app end to end, under Xvfb, against a real mimpd
 *
 * Adds two accounts through the real add-account dialog (a wrong password
 * first), receives messages sent by mimp-cli, checks unread counts and the
 * notifications (dbusmock's daemon), sends from the composer, takes
 * screenshots, quits, starts again and finds the history.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <adwaita.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>

#include "mimp-account-dialog.h"
#include "mimp-application.h"
#include "mimp-preferences-window.h"
#include "mimp-window.h"
#include "test-util.h"

typedef struct
{
  TestWorld world;
  char *notify_log;
  char *shots;
  GPid dbusmock;
  MimpApplication *app;
  gboolean phase_ok;
} Fixture;

static Fixture fx;

static void
screenshot (const char *name)
{
  g_autofree char *path = g_strdup_printf ("%s/%s.png", fx.shots, name);
  const char *argv[] = { "/usr/bin/import", "-window", "root", path, NULL };
  g_autoptr (GError) error = NULL;
  int status = 0;

  test_settle (700);
  if (!g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, NULL, NULL, &status,
                     &error) ||
      !g_spawn_check_wait_status (status, &error))
    g_test_message ("screenshot %s failed: %s", name, error->message);
  else
    g_test_message ("screenshot: %s", path);
}

static MimpWindow *
main_window (void)
{
  return MIMP_WINDOW (mimp_application_get_main_window (fx.app));
}

static gboolean
dialog_idle (gpointer dialog)
{
  return !mimp_account_dialog_get_busy (dialog);
}

static gboolean
account_online (gpointer data)
{
  MimpAccountManager *accounts = mimp_application_get_accounts (fx.app);
  guint n = g_list_model_get_n_items (G_LIST_MODEL (accounts));

  for (guint i = 0; i < n; i++)
    {
      g_autoptr (MimpAccount) account = g_list_model_get_item (G_LIST_MODEL (accounts), i);
      if (g_str_equal (mimp_account_get_user (account), data))
        return mimp_account_get_status (account) == MIMP_ACCOUNT_STATUS_ONLINE;
    }
  return FALSE;
}

static MimpAccount *
account_by_user (const char *user)
{
  MimpAccountManager *accounts = mimp_application_get_accounts (fx.app);
  g_autofree char *host = g_strdup ("127.0.0.1");

  return mimp_account_manager_find (accounts, mimp_protocol_find ("mimp"), host, fx.world.port,
                                    user);
}

static void
add_account_via_dialog (const char *user, const char *password)
{
  g_autofree char *server = g_strdup_printf ("127.0.0.1:%u", fx.world.port);
  MimpAccountDialog *dialog;

  g_action_group_activate_action (G_ACTION_GROUP (fx.app), "add-account", NULL);
  dialog = test_find_toplevel (MIMP_TYPE_ACCOUNT_DIALOG);
  g_assert_nonnull (dialog);

  if (g_str_equal (user, "alice"))
    {
      /* A wrong password first: the dialog says so and saves nothing. */
      mimp_account_dialog_fill (dialog, server, user, "not-the-password", FALSE);
      mimp_account_dialog_submit (dialog);
      g_assert_true (test_wait_until (dialog_idle, dialog, 30));
      g_assert_nonnull (mimp_account_dialog_get_error (dialog));
      g_assert_nonnull (strstr (mimp_account_dialog_get_error (dialog), "password is wrong"));
      g_assert_cmpuint (
          g_list_model_get_n_items (G_LIST_MODEL (mimp_application_get_accounts (fx.app))), ==, 0);
      screenshot ("add-account-wrong-password");

      /* Nobody listening on this port: unreachable. */
      mimp_account_dialog_fill (dialog, "127.0.0.1:1", user, password, FALSE);
      mimp_account_dialog_submit (dialog);
      g_assert_true (test_wait_until (dialog_idle, dialog, 30));
      g_assert_nonnull (strstr (mimp_account_dialog_get_error (dialog), "could not be reached"));
    }

  mimp_account_dialog_fill (dialog, server, user, password, FALSE);
  mimp_account_dialog_submit (dialog);
  g_assert_true (test_wait_until (account_online, (gpointer) user, 30));
}

static MimpChat *
chat_of (const char *user, const char *peer)
{
  MimpAccount *account = account_by_user (user);
  g_autofree char *key = NULL;

  if (account == NULL)
    return NULL;
  key = g_strdup_printf ("%s/%s", mimp_account_get_id (account), peer);
  return mimp_chat_list_lookup (mimp_application_get_chats (fx.app), key);
}

static gboolean
bob_unread_2 (gpointer data)
{
  MimpChat *chat = chat_of ("alice", "bob");
  MimpChat *dave_chat = chat_of ("dave", "bob");
  return chat != NULL && mimp_chat_get_unread (chat) == 2 && dave_chat != NULL &&
         mimp_chat_get_unread (dave_chat) == 1;
}

static guint
count_in_log (const char *what, const char *also)
{
  g_autofree char *contents = NULL;
  g_auto (GStrv) lines = NULL;
  guint n = 0;

  if (!g_file_get_contents (fx.notify_log, &contents, NULL, NULL))
    return 0;
  lines = g_strsplit (contents, "\n", -1);
  for (guint i = 0; lines[i]; i++)
    if (strstr (lines[i], what) && (also == NULL || strstr (lines[i], also)))
      n++;
  return n;
}

static gboolean
notified_both (gpointer data)
{
  return count_in_log (" Notify ", "see you at five") >= 1 &&
         count_in_log (" Notify ", "bob · dave") >= 1;
}

static gboolean
closed_one (gpointer data)
{
  return count_in_log ("CloseNotification", NULL) >= 1;
}

static gboolean
last_sent (gpointer data)
{
  MimpChat *chat = data;
  guint n = g_list_model_get_n_items (G_LIST_MODEL (chat));
  g_autoptr (MimpChatMessage) last = NULL;

  if (n == 0)
    return FALSE;
  last = g_list_model_get_item (G_LIST_MODEL (chat), n - 1);
  return mimp_chat_message_get_outgoing (last) &&
         mimp_chat_message_get_state (last) == MIMP_MESSAGE_STATE_SENT;
}

static gboolean
chat_waits_for_keys (gpointer data)
{
  return mimp_chat_get_privacy (data) == MIMP_CHAT_PRIVACY_WAITING &&
         g_list_model_get_n_items (G_LIST_MODEL (data)) > 0;
}

static void
assert_empty_page (MimpWindow *window, const char *title, const char *in_description)
{
  AdwStatusPage *page = ADW_STATUS_PAGE (test_find_named (GTK_WIDGET (window), "content-empty"));

  g_assert_cmpstr (adw_status_page_get_title (page), ==, title);
  g_assert_nonnull (strstr (adw_status_page_get_description (page), in_description));
}

static gboolean
phase1 (gpointer data)
{
  MimpWindow *window = main_window ();
  MimpChat *chat;
  GtkWidget *prefs;
  g_autofree char *contents = NULL;

  g_assert_nonnull (window);
  screenshot ("main-empty");
  /* No account yet: the content pane points to Add Account, not to +. */
  assert_empty_page (window, "No Account Yet", "Add Account");

  add_account_via_dialog ("alice", fx.world.alice_pw);
  assert_empty_page (window, "No Chat Selected", "Start a chat with +");
  add_account_via_dialog ("dave", fx.world.dave_pw);

  test_world_send (&fx.world, "bob", "alice", "hey, are you there?");
  test_world_send (&fx.world, "bob", "alice", "see you at five");
  test_world_send (&fx.world, "bob", "dave", "hi dave");
  g_assert_true (test_wait_until (bob_unread_2, NULL, 30));
  g_assert_cmpuint (mimp_chat_list_get_unread (mimp_application_get_chats (fx.app)), ==, 3);

  /* Notifications: one per chat, showing its newest message; a message
   * that arrives once the first is shown updates it (replaces_id not 0),
   * messages that arrive together give one update. The title names the
   * account. */
  g_assert_true (test_wait_until (notified_both, NULL, 20));
  g_file_get_contents (fx.notify_log, &contents, NULL, NULL);
  g_test_message ("notification log:\n%s", contents);
  g_assert_cmpuint (count_in_log (" Notify \"Mimp\" 0 ", "bob · alice"), ==, 1);
  g_assert_cmpuint (count_in_log (" Notify \"Mimp\" ", "bob · alice"), >=, 1);
  g_assert_cmpuint (count_in_log (" Notify \"Mimp\" ", "bob · alice"), <=, 2);
  g_assert_cmpuint (count_in_log (" Notify \"Mimp\" 0 ", "bob · dave"), ==, 1);
  g_assert_cmpuint (count_in_log (" Notify ", "see you at five"), ==, 1);
  screenshot ("main-unread");

  /* Open the chat: read, notification withdrawn. */
  chat = chat_of ("alice", "bob");
  mimp_window_open_chat (window, chat);
  gtk_window_present (GTK_WINDOW (window));
  mimp_chat_list_set_seen_chat (mimp_application_get_chats (fx.app), chat);
  mimp_notifier_withdraw (mimp_application_get_notifier (fx.app), mimp_chat_get_key (chat));
  g_assert_cmpuint (mimp_chat_get_unread (chat), ==, 0);
  g_assert_true (test_wait_until (closed_one, NULL, 10));

  /* Send from the composer. bob's mimp-cli has no keys: the message waits
   * for them (a private chat never falls back by itself) until the user
   * chooses to send unencrypted to bob. */
  mimp_window_set_composer_text (window, "yes! see you at five");
  gtk_widget_activate_action (GTK_WIDGET (mimp_window_get_chat_view (window)), "chat.send", NULL);
  g_assert_true (test_wait_until (chat_waits_for_keys, chat, 30));
  g_assert_false (last_sent (chat));
  mimp_account_e2e_send_unencrypted (mimp_chat_get_account (chat), "bob");
  g_assert_true (test_wait_until (last_sent, chat, 30));
  g_assert_cmpint (mimp_chat_get_privacy (chat), ==, MIMP_CHAT_PRIVACY_NONE);
  {
    g_autofree char *left = mimp_window_dup_composer_text (window);
    g_assert_cmpstr (left, ==, "");
  }
  screenshot ("main-wide");

  gtk_window_set_default_size (GTK_WINDOW (window), 380, 680);
  screenshot ("main-narrow");
  gtk_window_set_default_size (GTK_WINDOW (window), 960, 640);

  g_action_group_activate_action (G_ACTION_GROUP (fx.app), "preferences", NULL);
  prefs = test_find_toplevel (MIMP_TYPE_PREFERENCES_WINDOW);
  g_assert_nonnull (prefs);
  screenshot ("preferences");
  mimp_preferences_window_show_page (MIMP_PREFERENCES_WINDOW (prefs), "accounts");
  screenshot ("preferences-accounts");
  gtk_window_destroy (GTK_WINDOW (prefs));

  fx.phase_ok = TRUE;
  g_action_group_activate_action (G_ACTION_GROUP (fx.app), "quit", NULL);
  return G_SOURCE_REMOVE;
}

static gboolean
chats_restored (gpointer data)
{
  return chat_of ("alice", "bob") != NULL;
}

static gboolean
messages_loaded (gpointer data)
{
  return mimp_chat_get_loaded (data) && !mimp_chat_get_loading (data);
}

static gboolean
phase2 (gpointer data)
{
  MimpChat *chat;
  guint n;
  g_autoptr (MimpChatMessage) first = NULL;
  g_autoptr (MimpChatMessage) last = NULL;

  g_assert_cmpuint (
      g_list_model_get_n_items (G_LIST_MODEL (mimp_application_get_accounts (fx.app))), ==, 2);
  g_assert_true (test_wait_until (chats_restored, NULL, 20));
  chat = chat_of ("alice", "bob");
  mimp_window_open_chat (main_window (), chat);
  g_assert_true (test_wait_until (messages_loaded, chat, 20));
  n = g_list_model_get_n_items (G_LIST_MODEL (chat));
  g_assert_cmpuint (n, ==, 3);
  first = g_list_model_get_item (G_LIST_MODEL (chat), 0);
  last = g_list_model_get_item (G_LIST_MODEL (chat), n - 1);
  g_assert_cmpstr (mimp_chat_message_get_text (first), ==, "hey, are you there?");
  g_assert_true (mimp_chat_message_get_first_of_day (first));
  g_assert_true (mimp_chat_message_get_outgoing (last));
  g_assert_cmpint (mimp_chat_message_get_state (last), ==, MIMP_MESSAGE_STATE_SENT);
  /* Both accounts come online again with the passwords from the keyring. */
  g_assert_true (test_wait_until (account_online, (gpointer) "alice", 30));
  g_assert_true (test_wait_until (account_online, (gpointer) "dave", 30));
  screenshot ("after-restart");

  fx.phase_ok = TRUE;
  g_action_group_activate_action (G_ACTION_GROUP (fx.app), "quit", NULL);
  return G_SOURCE_REMOVE;
}

static void
run_phase (GSourceFunc phase)
{
  fx.app = mimp_application_new ();
  fx.phase_ok = FALSE;
  test_run_app (G_APPLICATION (fx.app), phase, 300);
  g_clear_object (&fx.app);
  test_assert_finalized (10);
  g_assert_true (fx.phase_ok);
}

static gboolean
has_owner (gpointer name)
{
  g_autoptr (GDBusConnection) bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, NULL);
  g_autoptr (GVariant) reply = NULL;
  gboolean owned = FALSE;

  reply = g_dbus_connection_call_sync (
      bus, "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus", "NameHasOwner",
      g_variant_new ("(s)", (const char *) name), G_VARIANT_TYPE ("(b)"), 0, 2000, NULL, NULL);
  if (reply)
    g_variant_get (reply, "(b)", &owned);
  return owned;
}

static void
start_services (void)
{
  const char *mock[] = { "/usr/bin/python3",
                         "-m",
                         "dbusmock",
                         "--template",
                         "notification_daemon",
                         "-l",
                         fx.notify_log,
                         "-p",
                         "{\"capabilities\": \"body actions persistence\"}",
                         NULL };
  g_autoptr (GError) error = NULL;

  test_start_keyring ();
  g_assert_true (g_spawn_async (NULL, (char **) mock, NULL, G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL,
                                &fx.dbusmock, &error));
  g_assert_no_error (error);
  g_assert_true (test_wait_until (has_owner, (gpointer) "org.freedesktop.Notifications", 20));
  g_assert_true (test_wait_until (has_owner, (gpointer) "org.freedesktop.secrets", 20));
}

static void
test_e2e (void)
{
  test_world_start (&fx.world, FALSE, NULL);
  fx.shots = g_build_filename (g_getenv ("G_TEST_BUILDDIR"), "app", "screenshots", NULL);
  g_mkdir_with_parents (fx.shots, 0755);
  fx.notify_log = g_build_filename (g_get_user_runtime_dir (), "notifications.log", NULL);
  start_services ();

  run_phase (phase1);
  run_phase (phase2);

  kill (fx.dbusmock, SIGTERM);
  g_spawn_close_pid (fx.dbusmock);
  test_world_stop (&fx.world);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  /* GTK may warn about the bare X server; our own domains stay fatal. */
  g_log_set_always_fatal (G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL);
  for (const char *const *d =
           (const char *const[]){ "mimp-account", "mimp-history", "mimp-window", "mimp-chat",
                                  "mimp-chat-list", "mimp-application", NULL };
       *d; d++)
    g_log_set_fatal_mask (*d, G_LOG_LEVEL_WARNING | G_LOG_LEVEL_CRITICAL);

  if (!gtk_init_check ())
    {
      g_test_skip ("No display");
      return 0;
    }
  adw_init ();
  g_test_add_func ("/app/e2e", test_e2e);
  return g_test_run ();
}
