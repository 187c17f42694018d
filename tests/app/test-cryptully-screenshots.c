/* test-cryptully-screenshots.c - a Cryptully account in the app, for review
 *
 * Against the test relay and a scripted peer: a Cryptully chat with the
 * peer typing ("alice is typing…" in the header), then with the security
 * popover open (its honest words and "Verify…"; without a
 * compositor the popover's transparent margin shows black), and the Add Account
 * dialog with the Cryptully type chosen (no password row) showing why a
 * nickname that is taken cannot be added, and the accounts in Preferences
 * with their few words on who can read them. Each is checked, then saved,
 * cropped to its window, under the build directory (app/screenshots/).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <adwaita.h>
#include <glib/gstdio.h>
#include <string.h>

#include "cryptully-test-child.h"
#include "mimp-account-dialog.h"
#include "mimp-application.h"
#include "mimp-preferences-window.h"
#include "mimp-window.h"
#include "test-util.h"

#define ACCOUNT_ID "cryptully-account"

static struct
{
  Child *relay;
  Child *alice;
  Child *bob;
  guint16 port;
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
has_incoming (gpointer peer)
{
  MimpChat *chat = chat_of (peer);
  return chat != NULL && mimp_chat_get_unread (chat) > 0;
}

static gboolean
peer_typing (gpointer peer)
{
  MimpChat *chat = chat_of (peer);
  return chat != NULL && mimp_chat_get_peer_typing (chat) == MIMP_TYPING_ACTIVE;
}

static gboolean
dialog_idle (gpointer dialog)
{
  return !mimp_account_dialog_get_busy (dialog);
}

static gboolean
two_accounts (gpointer data)
{
  return g_list_model_get_n_items (G_LIST_MODEL (mimp_application_get_accounts (fx.app))) == 2;
}

/* The first widget under @widget whose tooltip is @tooltip. */
static GtkWidget *
find_by_tooltip (GtkWidget *widget, const char *tooltip)
{
  if (g_strcmp0 (gtk_widget_get_tooltip_text (widget), tooltip) == 0)
    return widget;
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_by_tooltip (child, tooltip);
      if (found != NULL)
        return found;
    }
  return NULL;
}

/* Whether a label under @widget reads @text. */
static gboolean
has_label (GtkWidget *widget, const char *text)
{
  if (GTK_IS_LABEL (widget) && g_strcmp0 (gtk_label_get_label (GTK_LABEL (widget)), text) == 0)
    return gtk_widget_get_mapped (widget);
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    if (has_label (child, text))
      return TRUE;
  return FALSE;
}

static void
chat_with_typing (MimpWindow *window)
{
  GtkWidget *security;
  GtkPopover *popover;
  MimpChat *chat;

  /* A chat both ways, then alice typing. */
  mimp_account_send (account (), "alice", "Hi Alice! Is the relay on your server now?");
  child_expect (fx.alice, "\"ready\"");
  child_expect (fx.alice, "\"msg\"");
  child_send (fx.alice, "[\"msg\", \"carol\", \"Yes, since this morning. Ask me the question "
                        "we agreed on, to check it is me.\"]");
  g_assert_true (test_wait_until (has_incoming, (gpointer) "alice", WAIT_S));
  chat = chat_of ("alice");
  mimp_window_open_chat (window, chat);
  child_send (fx.alice, "[\"typing\", \"carol\", \"0\"]");
  g_assert_true (test_wait_until (peer_typing, (gpointer) "alice", WAIT_S));
  test_settle (300);
  g_assert_true (has_label (GTK_WIDGET (window), "alice is typing…"));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (chat)), ==, 2);
  test_screenshot (GTK_WINDOW (window), "cryptully-chat-typing");

  /* Who can read it: not a closed lock; the honest words. */
  security = test_find_named (GTK_WIDGET (window), "security");
  g_assert_nonnull (security);
  g_assert_cmpstr (gtk_menu_button_get_icon_name (GTK_MENU_BUTTON (security)), !=,
                   "channel-secure-symbolic");
  gtk_menu_button_popup (GTK_MENU_BUTTON (security));
  test_settle (300);
  popover = gtk_menu_button_get_popover (GTK_MENU_BUTTON (security));
  g_assert_true (has_label (GTK_WIDGET (popover),
                            "End-to-end encrypted, but the identity of the other person is not "
                            "verified: the relay could read the messages by putting itself in "
                            "the middle."));
  test_screenshot (GTK_WINDOW (window), "cryptully-chat-security");
  gtk_menu_button_popdown (GTK_MENU_BUTTON (security));
}

static void
add_account_nick_taken (void)
{
  g_autofree char *server = g_strdup_printf ("127.0.0.1:%u", fx.port);
  MimpAccountDialog *dialog;

  g_action_group_activate_action (G_ACTION_GROUP (fx.app), "add-account", NULL);
  dialog = test_find_toplevel (MIMP_TYPE_ACCOUNT_DIALOG);
  g_assert_nonnull (dialog);
  g_assert_true (mimp_account_dialog_set_protocol (dialog, "cryptully"));
  /* No password for Cryptully. */
  g_assert_false (gtk_widget_get_visible (test_find_named (GTK_WIDGET (dialog), "password")));
  g_assert_cmpstr (adw_preferences_row_get_title (
                       ADW_PREFERENCES_ROW (test_find_named (GTK_WIDGET (dialog), "user"))),
                   ==, "Nickname");

  /* Not a nickname: said at once. */
  mimp_account_dialog_fill (dialog, server, "not a nick", NULL, FALSE);
  g_assert_false (mimp_account_dialog_get_can_submit (dialog));
  g_assert_cmpstr (mimp_account_dialog_get_error (dialog), ==,
                   "A nickname has only letters and digits, at most 32 of them.");

  /* alice is on the relay already: the relay refuses, the dialog says so. */
  mimp_account_dialog_fill (dialog, server, "alice", NULL, FALSE);
  g_assert_true (mimp_account_dialog_get_can_submit (dialog));
  mimp_account_dialog_submit (dialog);
  g_assert_true (test_wait_until (dialog_idle, dialog, WAIT_S));
  g_assert_cmpstr (mimp_account_dialog_get_error (dialog), ==,
                   "This nickname is already in use on this relay. Choose another one, or try "
                   "again later.");
  g_assert_cmpuint (
      g_list_model_get_n_items (G_LIST_MODEL (mimp_application_get_accounts (fx.app))), ==, 1);
  test_screenshot (GTK_WINDOW (dialog), "add-account-cryptully");

  /* A free nickname: added, and the dialog closes. */
  mimp_account_dialog_fill (dialog, server, "dave", NULL, FALSE);
  mimp_account_dialog_submit (dialog);
  g_assert_true (test_wait_until (two_accounts, NULL, WAIT_S));
  test_settle (100);
  g_assert_null (test_find_toplevel (MIMP_TYPE_ACCOUNT_DIALOG));
}

static gboolean
has_message_dialog (gpointer data)
{
  return test_find_toplevel (ADW_TYPE_MESSAGE_DIALOG) != NULL;
}

static gboolean
no_message_dialog (gpointer data)
{
  return test_find_toplevel (ADW_TYPE_MESSAGE_DIALOG) == NULL;
}

/* Clicks the button labelled @label under @widget, as the user would. */
static gboolean
click (GtkWidget *widget, const char *label)
{
  if (GTK_IS_BUTTON (widget) && g_strcmp0 (gtk_button_get_label (GTK_BUTTON (widget)), label) == 0)
    {
      g_signal_emit_by_name (widget, "clicked");
      return TRUE;
    }
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    if (click (child, label))
      return TRUE;
  return FALSE;
}

/* A stranger asks to chat: the window asks the user, who accepts. */
static void
chat_request (void)
{
  AdwMessageDialog *dialog;

  child_send (fx.bob, "[\"open\", \"carol\"]");
  g_assert_true (test_wait_until (has_message_dialog, NULL, WAIT_S));
  dialog = test_find_toplevel (ADW_TYPE_MESSAGE_DIALOG);
  g_assert_cmpstr (adw_message_dialog_get_heading (dialog), ==, "Chat with bob?");
  g_assert_false (child_saw (fx.bob, "\"ready\""));
  test_screenshot (GTK_WINDOW (dialog), "cryptully-chat-request");
  g_assert_true (click (GTK_WIDGET (dialog), "_Accept"));
  g_assert_true (test_wait_until (no_message_dialog, NULL, WAIT_S));
  child_expect (fx.bob, "\"ready\"");
}

static gboolean
verification_shown (gpointer data)
{
  return test_find_toplevel (MIMP_TYPE_VERIFICATION_DIALOG) != NULL;
}

static gboolean
verification_result (gpointer dialog)
{
  return g_strcmp0 (mimp_verification_dialog_get_page (dialog), MIMP_VERIFICATION_PAGE_RESULT) == 0;
}

/* alice asks a question: the window shows it, the user answers, and the
 * result says no more than it proves. */
static void
question_check (MimpWindow *window)
{
  MimpVerificationDialog *dialog;
  GtkWidget *answer;

  child_send (fx.alice, "[\"smp\", \"carol\", \"Where did we meet?\", \"climbing\"]");
  g_assert_true (test_wait_until (verification_shown, NULL, WAIT_S));
  dialog = test_find_toplevel (MIMP_TYPE_VERIFICATION_DIALOG);
  g_assert_cmpstr (mimp_verification_dialog_get_page (dialog), ==, MIMP_VERIFICATION_PAGE_ANSWER);
  g_assert_true (has_label (GTK_WIDGET (dialog), "alice Asks a Question"));
  g_assert_true (has_label (GTK_WIDGET (dialog), "Where did we meet?"));
  /* Cryptully compares answers as typed; no safety numbers. */
  g_assert_true (has_label (GTK_WIDGET (dialog),
                            "Your answer is never sent: only whether it is the same as theirs. "
                            "Answers must match exactly, capitals included."));
  g_assert_null (test_find_named (GTK_WIDGET (dialog), MIMP_VERIFICATION_PAGE_NUMBER));
  answer = test_find_named (GTK_WIDGET (dialog), "answer-entry");
  g_assert_nonnull (answer);
  gtk_editable_set_text (GTK_EDITABLE (answer), "climbing");
  test_screenshot (GTK_WINDOW (dialog), "cryptully-question");
  g_assert_true (click (GTK_WIDGET (dialog), "_Answer"));
  child_expect (fx.alice, "\"result\": \"match\"");
  g_assert_true (test_wait_until (verification_result, dialog, WAIT_S));
  g_assert_cmpstr (mimp_verification_dialog_get_result_description (dialog), ==,
                   "alice gave the same answer. This shows only that you both typed it; it does "
                   "not prove that nobody is in the middle.");
  test_screenshot (GTK_WINDOW (dialog), "cryptully-check-result");
  gtk_window_close (GTK_WINDOW (dialog));
  test_settle (300);
  g_assert_null (mimp_window_get_verification (window, account (), "alice"));
}

/* The accounts in Preferences: each row says who can read its chats. */
static void
preferences_accounts (void)
{
  MimpPreferencesWindow *prefs;

  g_action_group_activate_action (G_ACTION_GROUP (fx.app), "preferences", NULL);
  prefs = test_find_toplevel (MIMP_TYPE_PREFERENCES_WINDOW);
  g_assert_nonnull (prefs);
  mimp_preferences_window_show_page (prefs, "accounts");
  test_settle (300);
  g_assert_true (has_label (GTK_WIDGET (prefs), "Online · end-to-end encrypted, not verified"));
  /* No password to enter for a Cryptully account. */
  g_assert_false (gtk_widget_get_visible (find_by_tooltip (GTK_WIDGET (prefs), "Enter Password")));
  test_screenshot (GTK_WINDOW (prefs), "preferences-accounts-cryptully");
  gtk_window_destroy (GTK_WINDOW (prefs));
}

static gboolean
phase (gpointer data)
{
  MimpWindow *window = MIMP_WINDOW (mimp_application_get_main_window (fx.app));

  /* As wide as the screen: the security popover, at the right end of the
   * header bar, then fits on it (it is placed within the screen). */
  gtk_window_set_default_size (GTK_WINDOW (window), 1280, 660);
  g_assert_true (test_wait_until (online, NULL, WAIT_S));
  chat_with_typing (window);
  question_check (window);
  chat_request ();
  add_account_nick_taken ();
  preferences_accounts ();

  fx.ok = TRUE;
  g_action_group_activate_action (G_ACTION_GROUP (fx.app), "quit", NULL);
  return G_SOURCE_REMOVE;
}

static void
write_account (void)
{
  g_autoptr (GKeyFile) keyfile = g_key_file_new ();
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = g_build_filename (g_get_user_config_dir (), "mimp", NULL);
  g_autofree char *path = g_build_filename (dir, "accounts.ini", NULL);
  const char *group = "account " ACCOUNT_ID;

  g_key_file_set_string (keyfile, group, "protocol", "cryptully");
  g_key_file_set_string (keyfile, group, "host", "127.0.0.1");
  g_key_file_set_integer (keyfile, group, "port", fx.port);
  g_key_file_set_string (keyfile, group, "user", "carol");
  g_key_file_set_boolean (keyfile, group, "tls", FALSE);
  g_key_file_set_boolean (keyfile, group, "enabled", TRUE);
  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  g_assert_true (g_key_file_save_to_file (keyfile, path, &error));
  g_assert_no_error (error);
}

static void
test_screenshots (void)
{
  g_autofree char *port = NULL;

  fx.relay = child_spawn ("cryptully_relay.py", NULL);
  fx.port = (guint16) g_ascii_strtoull (child_expect (fx.relay, ""), NULL, 10);
  g_assert_cmpuint (fx.port, >, 0);
  port = g_strdup_printf ("%u", fx.port);
  fx.alice = child_spawn ("cryptully_peer.py",
                          (const char *const[]){ "--port", port, "--nick", "alice", NULL });
  child_expect (fx.alice, "\"registered\"");
  fx.bob = child_spawn ("cryptully_peer.py",
                        (const char *const[]){ "--port", port, "--nick", "bob", NULL });
  child_expect (fx.bob, "\"registered\"");

  test_start_keyring ();
  write_account ();

  fx.app = mimp_application_new ();
  test_run_app (G_APPLICATION (fx.app), phase, 300);
  g_assert_true (fx.ok);
  g_clear_object (&fx.app);
  test_assert_finalized (10);

  child_stop (fx.bob);
  child_stop (fx.alice);
  child_stop (fx.relay);
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
  g_test_add_func ("/cryptully-screenshots", test_screenshots);
  return g_test_run ();
}
