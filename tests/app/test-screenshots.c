/* test-screenshots.c - the app as a person sees it, for review
 *
 * Against a real mimpd (plain and TLS) and a real gnome-keyring, with a
 * history of a few days: the main window wide and narrow (day separators,
 * sent and failed messages), the empty state, the add-account dialog with
 * an error and with a certificate's fingerprint, and both preferences
 * pages. Each is checked for what it must show, then saved, cropped to its
 * window, under the build directory (screenshots/); data/screenshots/ holds
 * the reviewed copies the AppStream metainfo shows.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <adwaita.h>
#include <glib/gstdio.h>
#include <string.h>

#include "mimp.h"
#include "mimp-account-dialog.h"
#include "mimp-application.h"
#include "mimp-history.h"
#include "mimp-preferences-window.h"
#include "mimp-window.h"
#include "test-util.h"

#define ACCOUNT_ID "screenshot-account"

static struct
{
  TestWorld world;
  MimpApplication *app;
  gboolean ok;
} fx;

static MimpAccount *
account (void)
{
  return mimp_account_manager_lookup (mimp_application_get_accounts (fx.app), ACCOUNT_ID);
}

static gboolean
online (gpointer data)
{
  return account () != NULL && mimp_account_get_status (account ()) == MIMP_ACCOUNT_STATUS_ONLINE;
}

static MimpChat *
chat_of (const char *peer)
{
  g_autofree char *key = mimp_chat_make_key (ACCOUNT_ID, peer);
  return mimp_chat_list_lookup (mimp_application_get_chats (fx.app), key);
}

static gboolean
chat_loaded (gpointer peer)
{
  MimpChat *chat = chat_of (peer);
  return chat != NULL && mimp_chat_get_loaded (chat) && !mimp_chat_get_loading (chat);
}

static gboolean
dialog_idle (gpointer dialog)
{
  return !mimp_account_dialog_get_busy (dialog);
}

static guint
count_state (MimpChat *chat, MimpMessageState state)
{
  guint n = 0;

  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (chat)); i++)
    {
      g_autoptr (MimpChatMessage) message = g_list_model_get_item (G_LIST_MODEL (chat), i);
      if (mimp_chat_message_get_outgoing (message) &&
          mimp_chat_message_get_state (message) == state)
        n++;
    }
  return n;
}

static guint
count_first_of_day (MimpChat *chat)
{
  guint n = 0;

  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (chat)); i++)
    {
      g_autoptr (MimpChatMessage) message = g_list_model_get_item (G_LIST_MODEL (chat), i);
      n += mimp_chat_message_get_first_of_day (message);
    }
  return n;
}

static gboolean
has_chat (gpointer peer)
{
  return chat_of (peer) != NULL;
}

static gboolean
two_sent (gpointer chat)
{
  return count_state (chat, MIMP_MESSAGE_STATE_SENT) >= 2;
}

static gboolean
phase (gpointer data)
{
  MimpWindow *window = MIMP_WINDOW (mimp_application_get_main_window (fx.app));
  MimpChat *bob;
  MimpAccountDialog *dialog;
  MimpPreferencesWindow *prefs;
  g_autofree char *server = NULL;

  gtk_window_set_default_size (GTK_WINDOW (window), 1000, 660);
  g_assert_true (test_wait_until (online, NULL, 30));
  g_assert_true (test_wait_until (has_chat, (gpointer) "bob", 20));
  bob = chat_of ("bob");
  mimp_window_open_chat (window, bob);
  g_assert_true (test_wait_until (chat_loaded, (gpointer) "bob", 20));
  /* The pending message from the history goes out once online. */
  g_assert_true (test_wait_until (two_sent, bob, 30));
  g_assert_cmpuint (count_state (bob, MIMP_MESSAGE_STATE_FAILED), ==, 1);
  g_assert_cmpuint (count_state (bob, MIMP_MESSAGE_STATE_SENT), >=, 2);
  g_assert_cmpuint (count_first_of_day (bob), ==, 2);
  test_screenshot (GTK_WINDOW (window), "main-window");

  gtk_window_set_default_size (GTK_WINDOW (window), 400, 700);
  test_settle (300);
  test_screenshot (GTK_WINDOW (window), "narrow");
  gtk_window_set_default_size (GTK_WINDOW (window), 1000, 660);
  test_settle (300);

  /* Adding an account: a wrong password, then an untrusted certificate. */
  g_action_group_activate_action (G_ACTION_GROUP (fx.app), "add-account", NULL);
  dialog = test_find_toplevel (MIMP_TYPE_ACCOUNT_DIALOG);
  g_assert_nonnull (dialog);
  server = g_strdup_printf ("127.0.0.1:%u", fx.world.port);
  mimp_account_dialog_fill (dialog, server, "bob", "not-the-password", FALSE);
  mimp_account_dialog_submit (dialog);
  g_assert_true (test_wait_until (dialog_idle, dialog, 30));
  g_assert_nonnull (strstr (mimp_account_dialog_get_error (dialog), "password is wrong"));
  test_screenshot (GTK_WINDOW (dialog), "add-account-error");

  g_free (server);
  server = g_strdup_printf ("127.0.0.1:%u", mimpd_test_server_get_tls_port (fx.world.server));
  mimp_account_dialog_fill (dialog, server, "bob", fx.world.bob_pw, TRUE);
  mimp_account_dialog_submit (dialog);
  g_assert_true (test_wait_until (dialog_idle, dialog, 30));
  g_assert_nonnull (strstr (mimp_account_dialog_get_error (dialog), "SHA-256"));
  test_screenshot (GTK_WINDOW (dialog), "add-account");
  gtk_window_destroy (GTK_WINDOW (dialog));

  g_action_group_activate_action (G_ACTION_GROUP (fx.app), "preferences", NULL);
  prefs = test_find_toplevel (MIMP_TYPE_PREFERENCES_WINDOW);
  g_assert_nonnull (prefs);
  test_screenshot (GTK_WINDOW (prefs), "preferences");
  mimp_preferences_window_show_page (prefs, "accounts");
  test_screenshot (GTK_WINDOW (prefs), "preferences-accounts");
  {
    GtkWindow *edit = mimp_preferences_window_edit_account (prefs, account ());
    test_screenshot (edit, "edit-account");
    gtk_window_destroy (edit);
  }
  gtk_window_destroy (GTK_WINDOW (prefs));

  /* Without accounts: the empty state. */
  mimp_account_manager_remove (mimp_application_get_accounts (fx.app), account (), TRUE);
  test_screenshot (GTK_WINDOW (window), "empty");

  fx.ok = TRUE;
  g_action_group_activate_action (G_ACTION_GROUP (fx.app), "quit", NULL);
  return G_SOURCE_REMOVE;
}

/* ------------------------------------------------------------------ */

/* Today, @minute minutes ago (or at midnight, if that is earlier). */
static gint64
minutes_ago (int minute)
{
  g_autoptr (GDateTime) now = g_date_time_new_now_local ();
  gint64 then = g_get_real_time () / 1000 - (gint64) minute * 60 * 1000;
  gint64 midnight = (g_date_time_to_unix (now) - g_date_time_get_hour (now) * 3600 -
                     g_date_time_get_minute (now) * 60 - g_date_time_get_second (now)) *
                    1000;

  return MAX (then, midnight);
}

static gint64
at_day (int days_ago, int hour, int minute)
{
  g_autoptr (GDateTime) now = g_date_time_new_now_local ();
  g_autoptr (GDateTime) day = g_date_time_add_days (now, -days_ago);
  g_autoptr (GDateTime) then =
      g_date_time_new_local (g_date_time_get_year (day), g_date_time_get_month (day),
                             g_date_time_get_day_of_month (day), hour, minute, 0);
  g_autoptr (GDateTime) clamped =
      g_date_time_compare (then, now) > 0 ? g_date_time_ref (now) : g_date_time_ref (then);

  return g_date_time_to_unix (clamped) * 1000;
}

/* @days_ago days ago at @hour:@minute; with a negative @hour, today
 * @minute minutes ago. */
static gint64
at (int days_ago, int hour, int minute)
{
  return hour < 0 ? minutes_ago (minute) : at_day (days_ago, hour, minute);
}

static void
history_done (GAsyncResult **result)
{
  test_wait_result (result, 30);
  g_clear_object (result);
}

/* A history of a few days, written before the app starts. */
static void
write_history (void)
{
  g_autoptr (MimpHistory) history = mimp_history_new (NULL);
  g_autoptr (GPtrArray) incoming =
      g_ptr_array_new_with_free_func ((GDestroyNotify) mimp_incoming_unref);
  g_autoptr (GAsyncResult) result = NULL;
  struct
  {
    const char *from;
    const char *text;
    int days_ago;
    int hour;
    int minute;
  } in[] = {
    { "carol", "Thanks, see you on Monday!", 4, 18, 2 },
    { "bob", "Are we still on for the climbing session?", 1, 17, 40 },
    { "bob", "I can bring the spare rope if you need it", 1, 17, 41 },
    { "bob", "Morning! Running ten minutes late, sorry", 0, -1, 14 },
  };
  const char *user = "alice";

  for (guint i = 0; i < G_N_ELEMENTS (in); i++)
    {
      g_autofree char *id = g_strdup_printf ("history-%u", i);
      g_ptr_array_add (incoming,
                       mimp_incoming_new (in[i].from, user, id, in[i].text,
                                          at (in[i].days_ago, in[i].hour, in[i].minute), -1));
    }
  mimp_history_store_incoming_async (history, ACCOUNT_ID, "mimp", incoming, NULL, test_store_result,
                                     &result);
  history_done (&result);

  mimp_history_add_outgoing_async (history, ACCOUNT_ID, "mimp", "carol", "out-0", "Bye!",
                                   at (4, 18, 5), NULL, test_store_result, &result);
  history_done (&result);
  mimp_history_set_state_async (history, ACCOUNT_ID, "out-0", MIMP_MESSAGE_STATE_SENT, "srv-c0",
                                NULL, NULL, test_store_result, &result);
  history_done (&result);
  mimp_history_add_outgoing_async (history, ACCOUNT_ID, "mimp", "bob", "out-1",
                                   "Yes! Half past six at the usual place", at (1, 17, 45), NULL,
                                   test_store_result, &result);
  history_done (&result);
  mimp_history_set_state_async (history, ACCOUNT_ID, "out-1", MIMP_MESSAGE_STATE_SENT, "srv-b1",
                                NULL, NULL, test_store_result, &result);
  history_done (&result);
  mimp_history_add_outgoing_async (history, ACCOUNT_ID, "mimp", "bob", "out-2",
                                   "Sure, bring it — mine is getting old", at (1, 17, 46), NULL,
                                   test_store_result, &result);
  history_done (&result);
  mimp_history_set_state_async (history, ACCOUNT_ID, "out-2", MIMP_MESSAGE_STATE_FAILED, NULL,
                                "The message is too large for the server.", NULL, test_store_result,
                                &result);
  history_done (&result);
  /* Still in the outbox: sent when the app comes online. */
  mimp_history_add_outgoing_async (history, ACCOUNT_ID, "mimp", "bob", "out-3",
                                   "No problem, I will get us a coffee", at (0, -1, 12), NULL,
                                   test_store_result, &result);
  history_done (&result);
  mimp_history_mark_read_async (history, ACCOUNT_ID, "bob", NULL, test_store_result, &result);
  history_done (&result);
  /* bob's mimp-cli has no keys: the user chose to send to him unencrypted
   * (else the message in the outbox would wait for his keys). */
  mimp_history_set_chat_privacy_async (history, ACCOUNT_ID, "bob", 0, TRUE, NULL, test_store_result,
                                       &result);
  history_done (&result);
  mimp_history_close (history);
}

static void
write_account (void)
{
  g_autoptr (GKeyFile) keyfile = g_key_file_new ();
  g_autoptr (GError) error = NULL;
  g_autoptr (MimpSecretStore) secrets = mimp_secret_store_new ();
  g_autoptr (GAsyncResult) result = NULL;
  g_autofree char *dir = g_build_filename (g_get_user_config_dir (), "mimp", NULL);
  g_autofree char *path = g_build_filename (dir, "accounts.ini", NULL);
  const char *group = "account " ACCOUNT_ID;

  g_key_file_set_string (keyfile, group, "host", "127.0.0.1");
  g_key_file_set_integer (keyfile, group, "port", fx.world.port);
  g_key_file_set_string (keyfile, group, "user", "alice");
  g_key_file_set_boolean (keyfile, group, "tls", FALSE);
  g_key_file_set_boolean (keyfile, group, "enabled", TRUE);
  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  g_assert_true (g_key_file_save_to_file (keyfile, path, &error));
  g_assert_no_error (error);

  mimp_secret_store_set_timeout (secrets, 10);
  mimp_secret_store_store_async (secrets, "mimp", "127.0.0.1", fx.world.port, "alice",
                                 fx.world.alice_pw, NULL, test_store_result, &result);
  test_wait_result (&result, 20);
  g_assert_true (mimp_secret_store_store_finish (secrets, result, &error));
  g_assert_no_error (error);
}

static void
test_screenshots (void)
{
  /* One server, plain and TLS: alice signs in on the plain port, bob on
   * the TLS one. */
  test_world_start (&fx.world, TRUE, NULL);
  test_start_keyring ();
  write_history ();
  write_account ();

  fx.app = mimp_application_new ();
  test_run_app (G_APPLICATION (fx.app), phase, 300);
  g_assert_true (fx.ok);
  g_clear_object (&fx.app);
  test_assert_finalized (10);

  test_world_stop (&fx.world);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_setenv ("GTK_A11Y", "none", TRUE);
  g_log_set_always_fatal (G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL);

  if (!gtk_init_check ())
    {
      g_test_skip ("No display");
      return 0;
    }
  adw_init ();
  g_test_add_func ("/screenshots", test_screenshots);
  return g_test_run ();
}
