/* test-window.c - the window and preferences, against a real mimpd and a
 * real gnome-keyring
 *
 * Edits an account in Preferences (its password moves in the keyring and
 * it connects again as the new user), checks the composer's placeholder
 * and F6, and that no file or setting the app writes holds a password.
 * The chat view's checks (composer, Retry, keeping the place while older
 * pages load) run on a second account, of the in-memory test protocol:
 * their point is the window, not the server.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <adwaita.h>
#include <stdlib.h>
#include <string.h>

#include "mimp.h"
#include "mimp-app-resources.h"
#include "mimp-application.h"
#include "mimp-message-row.h"
#include "mimp-preferences-window.h"
#include "mimp-test-protocol.h"
#include "mimp-window.h"
#include "mimp-account-dialog.h"
#include "test-util.h"

static struct
{
  TestWorld world;
  MimpApplication *app;
  MimpAccount *account; /* MIMP, on the server */
  MimpTestNetwork *net;
  MimpAccount *chats; /* the test protocol's, for the chat view */
  gboolean ok;
} fx;

static gboolean
online (gpointer account)
{
  return mimp_account_get_status (account) == MIMP_ACCOUNT_STATUS_ONLINE;
}

static gboolean
online_as (gpointer user)
{
  return g_str_equal (mimp_account_get_user (fx.account), user) && online (fx.account);
}

static char *
keyring_lookup (const char *host, guint16 port, const char *user)
{
  g_autoptr (MimpSecretStore) secrets = mimp_secret_store_new ();
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;
  char *password;

  mimp_secret_store_set_timeout (secrets, 10);
  mimp_secret_store_lookup_async (secrets, "mimp", host, port, user, NULL, test_store_result,
                                  &result);
  test_wait_result (&result, 20);
  password = mimp_secret_store_lookup_finish (secrets, result, &error);
  g_assert_no_error (error);
  return password;
}

typedef struct
{
  const char *host;
  const char *user;
  const char *password;
} KeyWait;

static gboolean
keyring_has (gpointer data)
{
  KeyWait *w = data;
  char *password = keyring_lookup (w->host, fx.world.port, w->user);
  gboolean ok = g_strcmp0 (password, w->password) == 0;

  mimp_secret_password_free (password);
  return ok;
}

static void
assert_no_password_in_file (const char *path)
{
  g_autofree char *contents = NULL;
  gsize length = 0;

  if (!g_file_get_contents (path, &contents, &length, NULL))
    return;
  g_test_message ("checked %s (%" G_GSIZE_FORMAT " bytes)", path, length);
  g_assert_null (g_strstr_len (contents, length, fx.world.alice_pw));
}

static void
assert_no_password_stored (void)
{
  GSettings *settings = mimp_application_get_settings (fx.app);
  g_autoptr (GSettingsSchema) schema = NULL;
  g_auto (GStrv) keys = NULL;
  g_autofree char *config =
      g_build_filename (g_get_user_config_dir (), "mimp", "accounts.ini", NULL);
  g_autofree char *db = g_build_filename (g_get_user_data_dir (), "mimp", "history.db", NULL);
  g_autofree char *wal = g_strconcat (db, "-wal", NULL);
  g_autofree char *ini = NULL;

  g_assert_true (g_file_get_contents (config, &ini, NULL, NULL));
  g_assert_nonnull (strstr (ini, "alice2"));
  assert_no_password_in_file (config);
  assert_no_password_in_file (db);
  assert_no_password_in_file (wal);

  g_object_get (settings, "settings-schema", &schema, NULL);
  keys = g_settings_schema_list_keys (schema);
  for (guint i = 0; keys[i] != NULL; i++)
    {
      g_autoptr (GVariant) value = g_settings_get_value (settings, keys[i]);
      g_autofree char *text = g_variant_print (value, FALSE);
      g_assert_null (strstr (text, fx.world.alice_pw));
    }
}

static void
check_edit_account (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *old_pw = NULL;
  g_autofree char *server = NULL;
  MimpPreferencesWindow *prefs;
  MimpAccountDialog *dialog;
  GtkWidget *server_row;
  GtkWidget *user_row;
  guint16 port = fx.world.port;
  guint n_accounts;

  /* alice, signed in, with her password in the keyring. */
  fx.account =
      mimp_account_new (mimp_protocol_find ("mimp"), NULL, "127.0.0.1", port, "alice", FALSE);
  mimp_account_use_password (fx.account, fx.world.alice_pw, FALSE);
  mimp_account_manager_add (mimp_application_get_accounts (fx.app), fx.account);
  mimp_application_remember_password (fx.app, fx.account, fx.world.alice_pw, NULL);
  g_assert_true (test_wait_until (online, fx.account, 30));
  g_assert_true (
      test_wait_until (keyring_has, &(KeyWait){ "127.0.0.1", "alice", fx.world.alice_pw }, 20));

  /* The server knows her under a new name now. */
  g_assert_true (mimpd_test_server_add_user (fx.world.server, "alice2", fx.world.alice_pw, &error));
  g_assert_no_error (error);

  g_action_group_activate_action (G_ACTION_GROUP (fx.app), "accounts", NULL);
  prefs = NULL;
  {
    GListModel *toplevels = gtk_window_get_toplevels ();
    for (guint i = 0; i < g_list_model_get_n_items (toplevels) && prefs == NULL; i++)
      {
        g_autoptr (GObject) window = g_list_model_get_item (toplevels, i);
        if (MIMP_IS_PREFERENCES_WINDOW (window))
          prefs = MIMP_PREFERENCES_WINDOW (window);
      }
  }
  g_assert_nonnull (prefs);
  dialog = MIMP_ACCOUNT_DIALOG (mimp_preferences_window_edit_account (prefs, fx.account));
  server = g_strdup_printf ("127.0.0.1:%u", port);
  server_row = test_find_named (GTK_WIDGET (dialog), "server");
  user_row = test_find_named (GTK_WIDGET (dialog), "user");
  g_assert_true (ADW_IS_ENTRY_ROW (server_row));
  g_assert_true (ADW_IS_ENTRY_ROW (user_row));
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (server_row)), ==, server);
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (user_row)), ==, "alice");
  g_assert_true (mimp_account_dialog_get_can_submit (dialog));
  /* Its type is part of the account: shown, not changeable. */
  g_assert_false (gtk_widget_get_sensitive (test_find_named (GTK_WIDGET (dialog), "type")));

  /* Not a server: cannot be saved, and says why. */
  gtk_editable_set_text (GTK_EDITABLE (server_row), "not a server");
  g_assert_false (mimp_account_dialog_get_can_submit (dialog));
  g_assert_nonnull (mimp_account_dialog_get_error (dialog));
  g_assert_cmpstr (mimp_account_dialog_get_error (dialog), !=, "");

  g_free (server);
  server = g_strdup_printf ("localhost:%u", port);
  gtk_editable_set_text (GTK_EDITABLE (server_row), server);
  gtk_editable_set_text (GTK_EDITABLE (user_row), "alice2");
  g_assert_true (mimp_account_dialog_get_can_submit (dialog));
  g_assert_null (mimp_account_dialog_get_error (dialog));
  mimp_account_dialog_submit (dialog);

  /* Connected again as alice2 on localhost; the same account (its chats
   * stay), the password moved in the keyring. */
  g_assert_true (test_wait_until (online_as, (gpointer) "alice2", 30));
  g_assert_cmpstr (mimp_account_get_host (fx.account), ==, "localhost");
  n_accounts = g_list_model_get_n_items (G_LIST_MODEL (mimp_application_get_accounts (fx.app)));
  g_assert_cmpuint (n_accounts, ==, 1);
  g_assert_true (
      test_wait_until (keyring_has, &(KeyWait){ "localhost", "alice2", fx.world.alice_pw }, 20));
  g_assert_true (test_wait_until (keyring_has, &(KeyWait){ "127.0.0.1", "alice", NULL }, 20));
  old_pw = keyring_lookup ("127.0.0.1", port, "alice");
  g_assert_null (old_pw);

  gtk_window_destroy (GTK_WINDOW (prefs));
  test_settle (100);
}

static gboolean
has_focus_in (GtkWidget *region)
{
  GtkWidget *focus = gtk_root_get_focus (GTK_ROOT (mimp_application_get_main_window (fx.app)));
  return focus != NULL && (focus == region || gtk_widget_is_ancestor (focus, region));
}

static GtkWidget *
find_label (GtkWidget *widget, const char *text)
{
  if (GTK_IS_LABEL (widget) && g_strcmp0 (gtk_label_get_label (GTK_LABEL (widget)), text) == 0)
    return widget;
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_label (child, text);
      if (found != NULL)
        return found;
    }
  return NULL;
}

static gboolean
has_chat (gpointer peer)
{
  g_autofree char *key = mimp_chat_make_key (mimp_account_get_id (fx.chats), peer);
  return mimp_chat_list_lookup (mimp_application_get_chats (fx.app), key) != NULL;
}

static void
check_composer_and_regions (void)
{
  MimpWindow *window = MIMP_WINDOW (mimp_application_get_main_window (fx.app));
  g_autofree char *key = NULL;
  GtkWidget *placeholder;
  GtkWidget *composer;
  GtkWidget *list = mimp_window_get_chat_list_view (window);
  MimpChat *chat;

  mimp_account_send (fx.chats, "bob", "hi bob");
  g_assert_true (test_wait_until (has_chat, (gpointer) "bob", 20));
  key = mimp_chat_make_key (mimp_account_get_id (fx.chats), "bob");
  chat = mimp_chat_list_lookup (mimp_application_get_chats (fx.app), key);
  gtk_window_present (GTK_WINDOW (window));
  mimp_window_open_chat (window, chat);
  test_settle (200);

  /* "Message bob" while the composer is empty. */
  placeholder = find_label (GTK_WIDGET (window), "Message bob");
  g_assert_nonnull (placeholder);
  g_assert_true (gtk_widget_get_visible (placeholder));
  mimp_window_set_composer_text (window, "typing");
  g_assert_false (gtk_widget_get_visible (placeholder));
  mimp_window_set_composer_text (window, NULL);
  g_assert_true (gtk_widget_get_visible (placeholder));

  /* F6 goes around: composer (focused on opening), chat list, messages,
   * composer; Shift+F6 back. */
  composer = test_find_type (GTK_WIDGET (window), GTK_TYPE_TEXT_VIEW);
  g_assert_true (has_focus_in (composer));
  gtk_widget_activate_action (GTK_WIDGET (window), "win.cycle-region", "b", FALSE);
  g_assert_true (has_focus_in (list));
  gtk_widget_activate_action (GTK_WIDGET (window), "win.cycle-region", "b", FALSE);
  g_assert_false (has_focus_in (list));
  g_assert_false (has_focus_in (composer));
  gtk_widget_activate_action (GTK_WIDGET (window), "win.cycle-region", "b", FALSE);
  g_assert_true (has_focus_in (composer));
  gtk_widget_activate_action (GTK_WIDGET (window), "win.cycle-region", "b", TRUE);
  g_assert_false (has_focus_in (composer));
  g_assert_false (has_focus_in (list));
  gtk_widget_activate_action (GTK_WIDGET (window), "win.cycle-region", "b", TRUE);
  g_assert_true (has_focus_in (list));
}

static GtkWidget *
find_visible_button (GtkWidget *widget, const char *label)
{
  if (!gtk_widget_get_visible (widget))
    return NULL;
  if (GTK_IS_BUTTON (widget) && g_strcmp0 (gtk_button_get_label (GTK_BUTTON (widget)), label) == 0)
    return widget;
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_visible_button (child, label);
      if (found != NULL)
        return found;
    }
  return NULL;
}

static MimpChatMessage *
last_of (const char *peer)
{
  g_autofree char *key = mimp_chat_make_key (mimp_account_get_id (fx.chats), peer);
  MimpChat *chat = mimp_chat_list_lookup (mimp_application_get_chats (fx.app), key);
  g_autoptr (MimpChatMessage) message = NULL;
  guint n;

  if (chat == NULL || (n = g_list_model_get_n_items (G_LIST_MODEL (chat))) == 0)
    return NULL;
  message = g_list_model_get_item (G_LIST_MODEL (chat), n - 1);
  return message; /* the chat keeps it */
}

static gboolean
nobody_in_state (gpointer state)
{
  MimpChatMessage *message = last_of ("nobody");
  return message != NULL && (int) mimp_chat_message_get_state (message) == GPOINTER_TO_INT (state);
}

static gboolean
retry_shown (gpointer data)
{
  return find_visible_button (GTK_WIDGET (mimp_application_get_main_window (fx.app)), "_Retry") !=
         NULL;
}

/* A message to a user the network does not know fails, with Retry; once
 * the user exists, Retry sends it. */
static void
check_retry (void)
{
  MimpWindow *window = MIMP_WINDOW (mimp_application_get_main_window (fx.app));
  MimpChatMessage *message;
  GtkWidget *retry;

  mimp_account_send (fx.chats, "nobody", "are you there?");
  g_assert_true (test_wait_until (has_chat, (gpointer) "nobody", 20));
  {
    g_autofree char *key = mimp_chat_make_key (mimp_account_get_id (fx.chats), "nobody");
    mimp_window_open_chat (window,
                           mimp_chat_list_lookup (mimp_application_get_chats (fx.app), key));
  }
  g_assert_true (
      test_wait_until (nobody_in_state, GINT_TO_POINTER (MIMP_MESSAGE_STATE_FAILED), 30));
  message = last_of ("nobody");
  g_assert_true (test_wait_until (retry_shown, NULL, 10));

  mimp_test_network_add_user (fx.net, "nobody", NULL);
  retry = find_visible_button (GTK_WIDGET (window), "_Retry");
  g_signal_emit_by_name (retry, "clicked");
  g_assert_true (test_wait_until (nobody_in_state, GINT_TO_POINTER (MIMP_MESSAGE_STATE_SENT), 30));
  g_assert_true (last_of ("nobody") == message);
  test_settle (200);
  g_assert_false (retry_shown (NULL));
}

/* The message row at the top of the chat's view. */
static MimpChatMessage *
top_message (MimpWindow *window)
{
  GtkWidget *view = mimp_window_get_messages_view (window);
  GtkWidget *hit = gtk_widget_pick (view, gtk_widget_get_width (view) / 2.0, 2, GTK_PICK_DEFAULT);

  while (hit != NULL && !MIMP_IS_MESSAGE_ROW (hit))
    hit = gtk_widget_get_parent (hit);
  return hit != NULL ? mimp_message_row_get_message (MIMP_MESSAGE_ROW (hit)) : NULL;
}

static gboolean
chat_settled (gpointer chat)
{
  return mimp_chat_get_loaded (chat) && !mimp_chat_get_loading (chat);
}

static int
top_number (MimpWindow *window)
{
  MimpChatMessage *top = top_message (window);
  const char *text = top ? mimp_chat_message_get_text (top) : NULL;

  g_assert_nonnull (text);
  g_assert_true (g_str_has_prefix (text, "message "));
  return atoi (text + strlen ("message "));
}

/* Scrolling up through a long chat while older pages come in above: the
 * message at the top of the view only ever gets older (it did jump a
 * page or more forward, and back, after each page). */
static void
check_keep_place (void)
{
  MimpWindow *window = MIMP_WINDOW (mimp_application_get_main_window (fx.app));
  MimpHistory *history = mimp_account_get_history (fx.chats);
  g_autoptr (GPtrArray) batch =
      g_ptr_array_new_with_free_func ((GDestroyNotify) mimp_incoming_unref);
  g_autoptr (GPtrArray) stored = NULL;
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;
  gint64 start = g_get_real_time () / 1000 - 1000 * 1000;
  gint64 deadline;
  GtkAdjustment *adj;
  MimpChat *chat;
  int top;

  for (guint i = 0; i < 400; i++)
    {
      g_autofree char *id = g_strdup_printf ("carol-%u", i);
      g_autofree char *text = g_strdup_printf ("message %u", i);
      g_ptr_array_add (batch, mimp_incoming_new ("carol", mimp_account_get_user (fx.chats), id,
                                                 text, start + i * 1000, -1));
    }
  mimp_history_store_incoming_async (history, mimp_account_get_id (fx.chats), "test", batch, NULL,
                                     test_store_result, &result);
  test_wait_result (&result, 30);
  stored = mimp_history_store_incoming_finish (history, result, &error);
  g_assert_no_error (error);

  chat = mimp_chat_list_ensure (mimp_application_get_chats (fx.app), fx.chats, "carol");
  mimp_window_open_chat (window, chat);
  g_assert_true (test_wait_until (chat_settled, chat, 20));
  test_settle (300);

  adj = gtk_scrollable_get_vadjustment (GTK_SCROLLABLE (mimp_window_get_messages_view (window)));
  top = top_number (window);
  deadline = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;
  while (top > 0 && g_get_monotonic_time () < deadline)
    {
      int now;

      gtk_adjustment_set_value (
          adj, MAX (0, gtk_adjustment_get_value (adj) - gtk_adjustment_get_page_size (adj) / 3));
      test_settle (20);
      now = top_number (window);
      if (now > top)
        g_error ("The top of the view went from message %d to %d (%u loaded)", top, now,
                 g_list_model_get_n_items (G_LIST_MODEL (chat)));
      top = now;
    }
  g_assert_cmpint (top, ==, 0);
  g_assert_false (mimp_chat_get_has_more (chat));
}

/* The second account, for the chat view's checks. */
static void
add_test_account (void)
{
  fx.net = mimp_test_network_new ();
  mimp_test_network_add_user (fx.net, "alice", NULL);
  mimp_test_network_add_user (fx.net, "bob", NULL);
  fx.chats = mimp_test_network_new_account (fx.net, "alice");
  mimp_account_manager_add (mimp_application_get_accounts (fx.app), fx.chats);
  g_assert_true (test_wait_until (online, fx.chats, 10));
}

static gboolean
phase (gpointer data)
{
  check_edit_account ();
  add_test_account ();
  check_composer_and_regions ();
  check_retry ();
  check_keep_place ();
  assert_no_password_stored ();

  fx.ok = TRUE;
  g_action_group_activate_action (G_ACTION_GROUP (fx.app), "quit", NULL);
  return G_SOURCE_REMOVE;
}

static void
test_window (void)
{
  test_world_start (&fx.world, FALSE, NULL);
  test_start_keyring ();

  fx.app = mimp_application_new ();
  test_run_app (G_APPLICATION (fx.app), phase, 200);
  g_assert_true (fx.ok);
  g_clear_object (&fx.account);
  g_clear_object (&fx.chats);
  g_clear_object (&fx.app);
  g_clear_object (&fx.net);
  test_assert_finalized (10);

  test_world_stop (&fx.world);
}

static gboolean
meta_visible (GtkWidget *row)
{
  return gtk_widget_get_visible (test_find_named (row, "meta"));
}

/* The time goes under the last message of a group only, a sending or
 * failed state always shows, and a recycled row follows the message it
 * is bound to now. */
static void
test_message_row_grouping (void)
{
  gint64 now = g_get_real_time () / 1000;
  g_autoptr (MimpChatMessage) first =
      mimp_chat_message_new (1, "a", "bob", FALSE, "hi", now - 60000, MIMP_MESSAGE_STATE_SENT);
  g_autoptr (MimpChatMessage) own =
      mimp_chat_message_new (2, "a", "bob", TRUE, "hello", now, MIMP_MESSAGE_STATE_PENDING);
  GtkWidget *row;

  mimp_app_resources_ensure ();
  row = g_object_ref_sink (mimp_message_row_new ());

  /* A message followed by one of its group: no time under it. */
  mimp_chat_message_set_last_in_group (first, FALSE);
  mimp_message_row_set_message (MIMP_MESSAGE_ROW (row), first);
  g_assert_false (meta_visible (row));
  /* The next one went away (or is not grouped with it any more). */
  mimp_chat_message_set_last_in_group (first, TRUE);
  g_assert_true (meta_visible (row));

  /* Recycled for an own message inside a group: sending shows, sent
   * hides, failed shows again; the old message no longer drives it. */
  mimp_chat_message_set_last_in_group (own, FALSE);
  mimp_message_row_set_message (MIMP_MESSAGE_ROW (row), own);
  g_assert_true (meta_visible (row));
  mimp_chat_message_set_state (own, MIMP_MESSAGE_STATE_SENT);
  g_assert_false (meta_visible (row));
  mimp_chat_message_set_last_in_group (first, FALSE);
  mimp_chat_message_set_last_in_group (first, TRUE);
  g_assert_false (meta_visible (row));
  mimp_chat_message_set_state (own, MIMP_MESSAGE_STATE_FAILED);
  g_assert_true (meta_visible (row));

  mimp_message_row_set_message (MIMP_MESSAGE_ROW (row), NULL);
  g_assert_finalize_object (row);
}

static gboolean
has_width (gpointer widget)
{
  return gtk_widget_get_width (widget) > 0 && gtk_widget_get_mapped (widget);
}

static graphene_rect_t
bounds_in (GtkWidget *widget, GtkWidget *ancestor)
{
  graphene_rect_t bounds;

  g_assert_true (gtk_widget_compute_bounds (widget, ancestor, &bounds));
  return bounds;
}

/* A failed message in a narrow window: the reason on its own line under
 * the bubble (wrapping by itself, not beside Retry), then the time, the
 * warning and Retry on one line under it. */
static void
test_message_row_failed_narrow (void)
{
  g_autoptr (MimpChatMessage) message =
      mimp_chat_message_new (1, "a", "bob", TRUE, "Sure, bring it — mine is getting old",
                             g_get_real_time () / 1000, MIMP_MESSAGE_STATE_FAILED);
  GtkWidget *window;
  GtkWidget *row;
  GtkWidget *error;
  GtkWidget *meta;
  GtkWidget *retry;
  graphene_rect_t bubble_box;
  graphene_rect_t error_box;
  graphene_rect_t meta_box;
  graphene_rect_t retry_box;

  g_autoptr (GtkCssProvider) css = gtk_css_provider_new ();

  /* The app's styles, as AdwApplication loads them. */
  mimp_app_resources_ensure ();
  gtk_css_provider_load_from_resource (css, "/io/github/mimp/Mimp/style.css");
  gtk_style_context_add_provider_for_display (gdk_display_get_default (), GTK_STYLE_PROVIDER (css),
                                              GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);
  mimp_chat_message_set_error (message, "The message is too large for the server, which "
                                        "accepts messages of up to 64 KiB.");
  row = mimp_message_row_new ();
  mimp_message_row_set_message (MIMP_MESSAGE_ROW (row), message);
  window = gtk_window_new ();
  gtk_window_set_default_size (GTK_WINDOW (window), 300, 300);
  gtk_window_set_child (GTK_WINDOW (window), row);
  gtk_window_present (GTK_WINDOW (window));

  error = test_find_named (row, "error");
  meta = test_find_named (row, "meta");
  retry = find_visible_button (row, "_Retry");
  g_assert_nonnull (retry);
  g_assert_true (gtk_widget_get_visible (error));
  g_assert_true (test_wait_until (has_width, error, 10));
  test_settle (100);

  /* Not inside the time line. */
  g_assert_true (gtk_widget_get_parent (error) != meta);
  g_assert_true (gtk_widget_is_ancestor (retry, meta));
  bubble_box = bounds_in (gtk_widget_get_prev_sibling (error), row);
  error_box = bounds_in (error, row);
  meta_box = bounds_in (meta, row);
  retry_box = bounds_in (retry, row);
  g_test_message ("bubble y %.0f h %.0f, reason y %.0f h %.0f w %.0f, time line y %.0f h %.0f",
                  bubble_box.origin.y, bubble_box.size.height, error_box.origin.y,
                  error_box.size.height, error_box.size.width, meta_box.origin.y,
                  meta_box.size.height);
  /* Reason under the bubble, time line under the reason. */
  g_assert_cmpfloat (error_box.origin.y, >=, bubble_box.origin.y + bubble_box.size.height);
  g_assert_cmpfloat (meta_box.origin.y, >=, error_box.origin.y + error_box.size.height);
  /* The reason wraps within the window; Retry stays a small button. */
  g_assert_cmpfloat (error_box.size.width, <=, 300);
  g_assert_cmpfloat (error_box.size.height, >, meta_box.size.height);
  g_assert_cmpfloat (retry_box.size.height, <=, 30);
  g_assert_true (gtk_widget_has_css_class (retry, "flat"));

  gtk_window_destroy (GTK_WINDOW (window));
  gtk_style_context_remove_provider_for_display (gdk_display_get_default (),
                                                 GTK_STYLE_PROVIDER (css));
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_setenv ("GTK_A11Y", "none", TRUE);
  /* GTK may warn about the bare X server; our own domains stay fatal. */
  g_log_set_always_fatal (G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL);
  for (const char *const *d = (const char *const[]){ "mimp-account", "mimp-history", "mimp-window",
                                                     "mimp-preferences-window", NULL };
       *d; d++)
    g_log_set_fatal_mask (*d, G_LOG_LEVEL_WARNING | G_LOG_LEVEL_CRITICAL);

  if (!gtk_init_check ())
    {
      g_test_skip ("No display");
      return 0;
    }
  adw_init ();
  g_test_add_func ("/window/message-row-grouping", test_message_row_grouping);
  g_test_add_func ("/window/message-row-failed-narrow", test_message_row_failed_narrow);
  g_test_add_func ("/window/edit-account-composer-regions", test_window);
  return g_test_run ();
}
