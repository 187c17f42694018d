/* test-private-chat-live.c - a private chat and its verification, for real
 *
 * Two MIMP accounts of one app (alice and dave) on a real mimpd, with a
 * real keyring: alice writes to dave, the chat becomes private on both
 * sides and the header says "Encrypted, not verified"; then alice asks a
 * question through the verification dialog, dave's side shows it in the
 * same dialog, dave answers, and the result shows on both sides: alice's
 * chat is then "Verified", with a closed lock, and dave is offered to
 * verify alice in turn. Both see the same safety number. Then dave
 * installs the app anew: alice's chat says his key changed (header, bar,
 * composer) until she accepts the new key. Screenshots under
 * app/screenshots/private-live-*.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <adwaita.h>
#include <string.h>

#include "mimp-application.h"
#include "mimp-chat-list.h"
#include "mimp-verification-dialog.h"
#include "mimp-window.h"
#include "test-util.h"

#define WAIT_S 60

static struct
{
  TestWorld world;
  MimpApplication *app;
  gboolean ok;
} fx;

static MimpWindow *
window (void)
{
  return MIMP_WINDOW (mimp_application_get_main_window (fx.app));
}

static MimpAccount *
account (const char *user)
{
  return mimp_account_manager_lookup (mimp_application_get_accounts (fx.app), user);
}

static gboolean
both_online (gpointer data)
{
  return account ("alice") != NULL && account ("dave") != NULL &&
         mimp_account_get_status (account ("alice")) == MIMP_ACCOUNT_STATUS_ONLINE &&
         mimp_account_get_status (account ("dave")) == MIMP_ACCOUNT_STATUS_ONLINE;
}

static MimpChat *
chat_of (const char *user, const char *peer)
{
  g_autofree char *key = mimp_chat_make_key (user, peer);

  return mimp_chat_list_lookup (mimp_application_get_chats (fx.app), key);
}

static gboolean
both_private (gpointer data)
{
  MimpChat *alice = chat_of ("alice", "dave");
  MimpChat *dave = chat_of ("dave", "alice");

  return alice != NULL && dave != NULL &&
         mimp_chat_get_privacy (alice) == MIMP_CHAT_PRIVACY_UNVERIFIED &&
         mimp_chat_get_privacy (dave) == MIMP_CHAT_PRIVACY_UNVERIFIED;
}

static gboolean
asked (gpointer data)
{
  MimpVerificationDialog *dialog =
      mimp_window_get_verification (window (), account ("dave"), "alice");

  return dialog != NULL &&
         g_strcmp0 (mimp_verification_dialog_get_page (dialog), MIMP_VERIFICATION_PAGE_ANSWER) == 0;
}

static gboolean
has_result (gpointer dialog)
{
  return g_strcmp0 (mimp_verification_dialog_get_page (dialog), MIMP_VERIFICATION_PAGE_RESULT) == 0;
}

static gboolean
alice_verified (gpointer data)
{
  return mimp_chat_get_privacy (chat_of ("alice", "dave")) == MIMP_CHAT_PRIVACY_VERIFIED;
}

/* The header's state, whole (its words are a short form of it). */
static const char *
header_state (void)
{
  GtkWidget *security = test_find_named (GTK_WIDGET (window ()), "security");

  return gtk_widget_get_tooltip_text (security);
}

static void
click_named (GtkWidget *under, const char *name)
{
  GtkWidget *button = test_find_named (under, name);

  g_assert_nonnull (button);
  g_assert_true (gtk_widget_is_sensitive (button));
  g_signal_emit_by_name (button, "clicked");
  test_settle (200);
}

static gboolean
number_shown (gpointer dialog)
{
  return gtk_widget_get_visible (test_find_named (GTK_WIDGET (dialog), "safety-number"));
}

static char *
safety_number_of (const char *user, const char *peer)
{
  MimpVerificationDialog *dialog =
      mimp_verification_dialog_new (GTK_WINDOW (window ()), account (user), peer, TRUE);
  char *number;

  gtk_window_present (GTK_WINDOW (dialog));
  mimp_verification_dialog_show_page (dialog, MIMP_VERIFICATION_PAGE_NUMBER);
  g_assert_true (test_wait_until (number_shown, dialog, WAIT_S));
  g_assert_true (gtk_widget_is_sensitive (test_find_named (GTK_WIDGET (dialog), "match")));
  number = g_strdup (
      gtk_label_get_text (GTK_LABEL (test_find_named (GTK_WIDGET (dialog), "safety-number"))));
  if (g_str_equal (user, "dave"))
    test_screenshot (GTK_WINDOW (dialog), "private-live-number");
  gtk_window_destroy (GTK_WINDOW (dialog));
  return number;
}

static void
safety_numbers (void)
{
  g_autofree char *alice = safety_number_of ("alice", "dave");
  g_autofree char *dave = safety_number_of ("dave", "alice");

  g_assert_true (g_regex_match_simple ("^([0-9]{5} ){3}[0-9]{5}\\n([0-9]{5} ){3}[0-9]{5}\\n"
                                       "([0-9]{5} ){3}[0-9]{5}$",
                                       alice, 0, 0));
  g_assert_cmpstr (alice, ==, dave);
}

static gboolean
alice_key_changed (gpointer data)
{
  return mimp_chat_get_privacy (chat_of ("alice", "dave")) == MIMP_CHAT_PRIVACY_KEY_CHANGED;
}

static gboolean
alice_unverified (gpointer data)
{
  return mimp_chat_get_privacy (chat_of ("alice", "dave")) == MIMP_CHAT_PRIVACY_UNVERIFIED;
}

static gboolean
account_online (gpointer account)
{
  return mimp_account_get_status (account) == MIMP_ACCOUNT_STATUS_ONLINE;
}

/* dave installs the app anew: alice's verified chat says his key changed,
 * in its header and in the bar over the messages, until she accepts the
 * new key through the bar (behind a confirmation). */
static void
key_change (void)
{
  MimpAccountManager *accounts = mimp_application_get_accounts (fx.app);
  g_autoptr (MimpAccount) dave = NULL;
  GtkWidget *bar = test_find_named (GTK_WIDGET (window ()), "key-change-bar");
  AdwMessageDialog *confirm;

  mimp_account_manager_remove (accounts, account ("dave"), TRUE);
  dave = mimp_account_new (mimp_protocol_find ("mimp"), "dave-again", "127.0.0.1", fx.world.port,
                           "dave", FALSE);
  mimp_account_use_password (dave, fx.world.dave_pw, TRUE);
  mimp_account_manager_add (accounts, dave);
  g_assert_true (test_wait_until (account_online, dave, WAIT_S));
  mimp_account_send (dave, "alice", "New laptop, same dave.");
  g_assert_true (test_wait_until (alice_key_changed, NULL, WAIT_S));
  test_settle (500);

  g_assert_cmpstr (header_state (), ==, "Key changed");
  g_assert_true (test_wait_revealed (GTK_REVEALER (bar), TRUE, WAIT_S));
  g_assert_nonnull (test_find_label (bar, "dave’s key changed. Messages are paused until you "
                                          "check it."));
  g_assert_nonnull (
      test_find_label (GTK_WIDGET (window ()), "Sending paused: check dave’s new key"));
  test_screenshot (GTK_WINDOW (window ()), "private-live-key-changed");

  click_named (bar, "key-change-accept");
  confirm = test_find_toplevel (ADW_TYPE_MESSAGE_DIALOG);
  g_assert_nonnull (confirm);
  adw_message_dialog_response (confirm, "accept");
  gtk_window_close (GTK_WINDOW (confirm));
  g_assert_true (test_wait_until (alice_unverified, NULL, WAIT_S));
  test_settle (500);
  g_assert_cmpstr (header_state (), ==, "Encrypted, not verified");
  g_assert_false (gtk_revealer_get_reveal_child (GTK_REVEALER (bar)));
}

static gboolean
phase (gpointer data)
{
  MimpVerificationDialog *asking;
  MimpVerificationDialog *answering;
  GtkWidget *widget;

  gtk_window_set_default_size (GTK_WINDOW (window ()), 960, 640);
  g_assert_true (test_wait_until (both_online, NULL, WAIT_S));

  /* The first message makes the chat private on both sides. */
  mimp_account_send (account ("alice"), "dave", "Hi dave, is this chat private now?");
  g_assert_true (test_wait_until (both_private, NULL, WAIT_S));
  mimp_window_open_chat (window (), chat_of ("alice", "dave"));
  test_settle (500);
  g_assert_cmpstr (header_state (), ==, "Encrypted, not verified");
  test_screenshot (GTK_WINDOW (window ()), "private-live-unverified");

  /* alice asks a question. */
  gtk_widget_activate_action (GTK_WIDGET (window ()), "win.verify", NULL);
  test_settle (300);
  asking = mimp_window_get_verification (window (), account ("alice"), "dave");
  g_assert_nonnull (asking);
  widget = GTK_WIDGET (asking);
  g_signal_emit_by_name (test_find_named (widget, MIMP_VERIFICATION_PAGE_QUESTION), "activated");
  test_settle (200);
  gtk_editable_set_text (GTK_EDITABLE (test_find_named (widget, "question-entry")),
                         "Which city did we meet in?");
  gtk_editable_set_text (GTK_EDITABLE (test_find_named (widget, "question-answer")), "Test City");
  click_named (widget, "ask");
  g_assert_cmpstr (mimp_verification_dialog_get_page (asking), ==, MIMP_VERIFICATION_PAGE_WAITING);
  gtk_window_close (GTK_WINDOW (asking)); /* hidden until the result */

  /* dave's side gets the question in the same dialog, and answers with
   * other capitals: answers are not case-sensitive. */
  g_assert_true (test_wait_until (asked, NULL, WAIT_S));
  answering = mimp_window_get_verification (window (), account ("dave"), "alice");
  widget = GTK_WIDGET (answering);
  g_assert_nonnull (test_find_label (widget, "Which city did we meet in?"));
  gtk_editable_set_text (GTK_EDITABLE (test_find_named (widget, "answer-entry")), "test city");
  test_screenshot (GTK_WINDOW (answering), "private-live-answer");
  click_named (widget, "answer");

  /* Both sides see the result; alice's chat is verified. */
  g_assert_true (test_wait_until (has_result, asking, WAIT_S));
  g_assert_cmpstr (mimp_verification_dialog_get_result_title (asking), ==, "Verified");
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (asking)));
  test_screenshot (GTK_WINDOW (asking), "private-live-verified");
  gtk_window_close (GTK_WINDOW (asking));
  g_assert_true (test_wait_until (has_result, answering, WAIT_S));
  g_test_message ("dave's side: %s", mimp_verification_dialog_get_result_title (answering));
  g_assert_cmpstr (mimp_verification_dialog_get_result_title (answering), ==, "alice Verified You");
  test_screenshot (GTK_WINDOW (answering), "private-live-verified-you");
  gtk_window_close (GTK_WINDOW (answering));

  g_assert_true (test_wait_until (alice_verified, NULL, WAIT_S));
  test_settle (300);
  g_assert_cmpstr (header_state (), ==, "Verified");
  test_screenshot (GTK_WINDOW (window ()), "private-live-verified-chat");

  /* Safety numbers: both sides see the same, twelve groups of five. */
  safety_numbers ();
  key_change ();

  fx.ok = TRUE;
  g_action_group_activate_action (G_ACTION_GROUP (fx.app), "quit", NULL);
  return G_SOURCE_REMOVE;
}

static void
write_accounts (void)
{
  g_autoptr (GKeyFile) keyfile = g_key_file_new ();
  g_autoptr (GError) error = NULL;
  g_autoptr (MimpSecretStore) secrets = mimp_secret_store_new ();
  g_autofree char *dir = g_build_filename (g_get_user_config_dir (), "mimp", NULL);
  g_autofree char *path = g_build_filename (dir, "accounts.ini", NULL);
  const char *users[] = { "alice", "dave" };
  const char *passwords[] = { fx.world.alice_pw, fx.world.dave_pw };

  mimp_secret_store_set_timeout (secrets, 10);
  for (guint i = 0; i < G_N_ELEMENTS (users); i++)
    {
      g_autofree char *group = g_strdup_printf ("account %s", users[i]);
      g_autoptr (GAsyncResult) result = NULL;

      g_key_file_set_string (keyfile, group, "host", "127.0.0.1");
      g_key_file_set_integer (keyfile, group, "port", fx.world.port);
      g_key_file_set_string (keyfile, group, "user", users[i]);
      g_key_file_set_boolean (keyfile, group, "tls", FALSE);
      g_key_file_set_boolean (keyfile, group, "enabled", TRUE);
      mimp_secret_store_store_async (secrets, "mimp", "127.0.0.1", fx.world.port, users[i],
                                     passwords[i], NULL, test_store_result, &result);
      test_wait_result (&result, 20);
      g_assert_true (mimp_secret_store_store_finish (secrets, result, &error));
      g_assert_no_error (error);
    }
  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  g_assert_true (g_key_file_save_to_file (keyfile, path, &error));
  g_assert_no_error (error);
}

static void
test_private_chat_live (void)
{
  test_world_start (&fx.world, FALSE, NULL);
  test_start_keyring ();
  write_accounts ();

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
  g_object_set (gtk_settings_get_default (), "gtk-decoration-layout", "appmenu:close", NULL);
  g_test_add_func ("/private-chat/live", test_private_chat_live);
  return g_test_run ();
}
