/* test-window.c - the window and preferences
 *
 * The window's own checks (composer, F6, Retry, keeping the place while
 * older pages load) build a window of their own on the app's models and
 * an account of the in-memory test protocol: no application, no server.
 *
 * Against a real mimpd and a real gnome-keyring, in the running app: an
 * account edited in Preferences (its password moves in the keyring and
 * it connects again as the new user), and no file or setting the app
 * writes holds a password.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <adwaita.h>
#include <glib/gstdio.h>
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
  gboolean ok;
} fx;

/* A window of its own, on the models and no application. */
static struct
{
  TestModels models;
  GtkCssProvider *css;
  GSettings *settings;
  MimpTestNetwork *net;
  MimpAccount *chats; /* the test protocol's alice */
  MimpWindow *window;
} wx;

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

  /* The server also knows her as alice2 (added before it started: `mimpd
   * user` refuses to change a database a server is using). */

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
  GtkWidget *focus = gtk_root_get_focus (GTK_ROOT (wx.window));
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
  g_autofree char *key = mimp_chat_make_key (mimp_account_get_id (wx.chats), peer);
  return mimp_chat_list_lookup (wx.models.chats, key) != NULL;
}

static void
check_composer_and_regions (void)
{
  MimpWindow *window = wx.window;
  g_autofree char *key = NULL;
  GtkWidget *placeholder;
  GtkWidget *composer;
  GtkWidget *list = mimp_window_get_chat_list_view (window);
  MimpChat *chat;

  mimp_account_send (wx.chats, "bob", "hi bob");
  g_assert_true (test_wait_until (has_chat, (gpointer) "bob", 20));
  key = mimp_chat_make_key (mimp_account_get_id (wx.chats), "bob");
  chat = mimp_chat_list_lookup (wx.models.chats, key);
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
  g_autofree char *key = mimp_chat_make_key (mimp_account_get_id (wx.chats), peer);
  MimpChat *chat = mimp_chat_list_lookup (wx.models.chats, key);
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
  return find_visible_button (GTK_WIDGET (wx.window), "_Retry") != NULL;
}

/* A message to a user the network does not know fails, with Retry; once
 * the user exists, Retry sends it. */
static void
check_retry (void)
{
  MimpWindow *window = wx.window;
  MimpChatMessage *message;
  GtkWidget *retry;

  mimp_account_send (wx.chats, "nobody", "are you there?");
  g_assert_true (test_wait_until (has_chat, (gpointer) "nobody", 20));
  {
    g_autofree char *key = mimp_chat_make_key (mimp_account_get_id (wx.chats), "nobody");
    mimp_window_open_chat (window, mimp_chat_list_lookup (wx.models.chats, key));
  }
  g_assert_true (
      test_wait_until (nobody_in_state, GINT_TO_POINTER (MIMP_MESSAGE_STATE_FAILED), 30));
  message = last_of ("nobody");
  g_assert_true (test_wait_until (retry_shown, NULL, 10));

  mimp_test_network_add_user (wx.net, "nobody", NULL);
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

/* Stores @n messages from @peer to the test account, a second apart. */
static void
store_messages (const char *peer, guint n)
{
  MimpHistory *history = mimp_account_get_history (wx.chats);
  g_autoptr (GPtrArray) batch =
      g_ptr_array_new_with_free_func ((GDestroyNotify) mimp_incoming_unref);
  g_autoptr (GPtrArray) stored = NULL;
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;
  gint64 start = g_get_real_time () / 1000 - 1000 * 1000;

  for (guint i = 0; i < n; i++)
    {
      g_autofree char *id = g_strdup_printf ("%s-%u", peer, i);
      g_autofree char *text = g_strdup_printf ("message %u", i);
      g_ptr_array_add (batch, mimp_incoming_new (peer, mimp_account_get_user (wx.chats), id, text,
                                                 start + i * 1000, -1));
    }
  mimp_history_store_incoming_async (history, mimp_account_get_id (wx.chats), "test", batch, NULL,
                                     test_store_result, &result);
  test_wait_result (&result, 30);
  stored = mimp_history_store_incoming_finish (history, result, &error);
  g_assert_no_error (error);
}

/* Scrolling up through a long chat while older pages come in above: the
 * message at the top of the view only ever gets older (it did jump a
 * page or more forward, and back, after each page). */
static void
check_keep_place (void)
{
  MimpWindow *window = wx.window;
  gint64 deadline;
  GtkAdjustment *adj;
  MimpChat *chat;
  int top;

  store_messages ("carol", 400);
  chat = mimp_chat_list_ensure (wx.models.chats, wx.chats, "carol");
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

static gboolean
at_bottom (gpointer adj)
{
  return gtk_adjustment_get_upper (adj) > gtk_adjustment_get_page_size (adj) &&
         G_APPROX_VALUE (gtk_adjustment_get_value (adj),
                         gtk_adjustment_get_upper (adj) - gtk_adjustment_get_page_size (adj), 1);
}

/* The row showing @message, or %NULL when none is on screen. */
static GtkWidget *
row_of (GtkWidget *widget, MimpChatMessage *message)
{
  if (MIMP_IS_MESSAGE_ROW (widget) &&
      mimp_message_row_get_message (MIMP_MESSAGE_ROW (widget)) == message)
    return widget;
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = row_of (child, message);
      if (found != NULL)
        return found;
    }
  return NULL;
}

/* A chat whose newest messages are long (one of 1,700 characters) opens
 * scrolled to its newest message, fully shown: it opened at the top,
 * the newest cut off below, while the rows' heights settled. */
static void
check_open_at_bottom (void)
{
  MimpWindow *window = wx.window;
  MimpHistory *history = mimp_account_get_history (wx.chats);
  g_autoptr (GPtrArray) batch =
      g_ptr_array_new_with_free_func ((GDestroyNotify) mimp_incoming_unref);
  g_autoptr (GPtrArray) stored = NULL;
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (MimpChatMessage) newest = NULL;
  g_autoptr (GString) long_text = g_string_new (NULL);
  gint64 start = g_get_real_time () / 1000 - 60 * 1000;
  const char *texts[] = { "hi", "are you there?", NULL, "ok", NULL };
  GtkWidget *view = mimp_window_get_messages_view (window);
  GtkAdjustment *adj = gtk_scrollable_get_vadjustment (GTK_SCROLLABLE (view));
  graphene_rect_t bounds;
  MimpChat *chat;
  guint n;

  while (long_text->len < 1700)
    g_string_append (long_text, "a long message that goes on and on, ");
  g_string_truncate (long_text, 1700);
  texts[2] = long_text->str;
  texts[4] = long_text->str + 1100; /* the newest: 600 characters */
  for (guint i = 0; i < G_N_ELEMENTS (texts); i++)
    {
      g_autofree char *id = g_strdup_printf ("dave-%u", i);
      g_ptr_array_add (batch, mimp_incoming_new ("dave", mimp_account_get_user (wx.chats), id,
                                                 texts[i], start + i * 1000, -1));
    }
  mimp_history_store_incoming_async (history, mimp_account_get_id (wx.chats), "test", batch, NULL,
                                     test_store_result, &result);
  test_wait_result (&result, 30);
  stored = mimp_history_store_incoming_finish (history, result, &error);
  g_assert_no_error (error);

  /* From another chat, as a person switching to it. */
  chat = mimp_chat_list_ensure (wx.models.chats, wx.chats, "dave");
  mimp_window_open_chat (window, chat);
  g_assert_true (test_wait_until (chat_settled, chat, 20));
  g_assert_true (test_wait_until (at_bottom, adj, 10));
  test_settle (500);
  g_test_message ("value %.0f upper %.0f page %.0f", gtk_adjustment_get_value (adj),
                  gtk_adjustment_get_upper (adj), gtk_adjustment_get_page_size (adj));
  g_assert_true (at_bottom (adj));

  /* The newest message is on screen, its bottom inside the view. */
  n = g_list_model_get_n_items (G_LIST_MODEL (chat));
  g_assert_cmpuint (n, ==, G_N_ELEMENTS (texts));
  newest = g_list_model_get_item (G_LIST_MODEL (chat), n - 1);
  g_assert_nonnull (row_of (view, newest));
  g_assert_true (gtk_widget_compute_bounds (row_of (view, newest), view, &bounds));
  g_test_message ("newest row y %.0f h %.0f in a view %d high", bounds.origin.y, bounds.size.height,
                  gtk_widget_get_height (view));
  g_assert_cmpfloat (bounds.origin.y + bounds.size.height, <=, gtk_widget_get_height (view) + 1);
  g_assert_cmpfloat (bounds.origin.y + bounds.size.height, >, gtk_widget_get_height (view) / 2.0);
  test_screenshot (GTK_WINDOW (window), "open-long-chat-at-bottom");
}

static gboolean
view_filled (gpointer chat)
{
  GtkAdjustment *adj =
      gtk_scrollable_get_vadjustment (GTK_SCROLLABLE (mimp_window_get_messages_view (wx.window)));

  /* The first page alone would not: the upper bound may still be the
   * last chat's, until the view is laid out again. */
  return g_list_model_get_n_items (G_LIST_MODEL (chat)) > MIMP_CHAT_FIRST_PAGE_SIZE &&
         !mimp_chat_get_loading (chat) &&
         gtk_adjustment_get_upper (adj) > gtk_adjustment_get_page_size (adj);
}

/* Loaded as far as it goes by itself: a page or more above the one seen
 * (pages come while the reader is within a page of the top). */
static gboolean
view_settled (gpointer chat)
{
  GtkAdjustment *adj =
      gtk_scrollable_get_vadjustment (GTK_SCROLLABLE (mimp_window_get_messages_view (wx.window)));

  return !mimp_chat_get_loading (chat) &&
         (gtk_adjustment_get_upper (adj) >= 2 * gtk_adjustment_get_page_size (adj) ||
          !mimp_chat_get_has_more (chat));
}

/* A window taller than the first page: older pages come until the view is
 * full, so that it can be scrolled to the rest (nothing asked for them,
 * as a view that cannot scroll sends no scrolling). */
static void
check_tall_view_fills (void)
{
  MimpChat *chat;

  store_messages ("dave", 100);
  gtk_window_set_default_size (GTK_WINDOW (wx.window), 700, 1000);
  test_settle (300);
  chat = mimp_chat_list_ensure (wx.models.chats, wx.chats, "dave");
  mimp_window_open_chat (wx.window, chat);
  g_assert_true (test_wait_until (view_filled, chat, 10));
  g_assert_true (test_wait_until (view_settled, chat, 10));
  test_settle (500);
  g_assert_false (mimp_chat_get_loading (chat));
  /* Not all of it: only what fills the view. */
  g_assert_true (mimp_chat_get_has_more (chat));
}

static void
window_set_up (void)
{
  /* The app's styles, as AdwApplication loads them: rows have their
   * height. */
  mimp_app_resources_ensure ();
  wx.css = gtk_css_provider_new ();
  gtk_css_provider_load_from_resource (wx.css, "/io/github/mimp/Mimp/style.css");
  gtk_style_context_add_provider_for_display (gdk_display_get_default (),
                                              GTK_STYLE_PROVIDER (wx.css),
                                              GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);
  test_models_set_up (&wx.models);
  wx.settings = g_settings_new ("io.github.mimp.Mimp");
  wx.net = mimp_test_network_new ();
  mimp_test_network_add_user (wx.net, "alice", NULL);
  mimp_test_network_add_user (wx.net, "bob", NULL);
  wx.window = mimp_window_new (NULL, wx.models.accounts, wx.models.chats, NULL, wx.models.secrets,
                               wx.settings);
  g_object_ref_sink (wx.window);
  gtk_window_present (GTK_WINDOW (wx.window));
}

static void
window_add_account (void)
{
  wx.chats = mimp_test_network_new_account (wx.net, "alice");
  test_models_add_online (&wx.models, wx.chats);
}

/* The window, its chat view and every row in them go with the window:
 * nothing else holds them. */
static void
window_tear_down (void)
{
  gtk_window_destroy (GTK_WINDOW (wx.window));
  g_assert_finalize_object (wx.window);
  wx.window = NULL;
  test_models_tear_down (&wx.models);
  g_clear_object (&wx.chats);
  g_clear_object (&wx.net);
  g_clear_object (&wx.settings);
  gtk_style_context_remove_provider_for_display (gdk_display_get_default (),
                                                 GTK_STYLE_PROVIDER (wx.css));
  g_clear_object (&wx.css);
}

/* "+" needs an account to start a chat from: insensitive, and saying
 * why, until there is one. */
static void
check_new_chat_needs_account (void)
{
  GtkWidget *button = test_find_named (GTK_WIDGET (wx.window), "new-chat");

  g_assert_nonnull (button);
  g_assert_false (gtk_widget_is_sensitive (button));
  g_assert_cmpstr (gtk_widget_get_tooltip_text (button), ==, "Add an account to start a chat");
  /* Ctrl+N does nothing either. */
  gtk_widget_activate_action (GTK_WIDGET (wx.window), "win.new-chat", NULL);
  test_settle (100);
  g_assert_null (test_find_toplevel (ADW_TYPE_MESSAGE_DIALOG));

  window_add_account ();
  g_assert_true (gtk_widget_is_sensitive (button));
  g_assert_cmpstr (gtk_widget_get_tooltip_text (button), ==, "New Chat");
}

static gboolean
bob_got (gpointer chat)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (chat));
  g_autoptr (MimpChatMessage) last =
      n > 0 ? g_list_model_get_item (G_LIST_MODEL (chat), n - 1) : NULL;

  return last != NULL && g_strcmp0 (mimp_chat_message_get_text (last), "hello bob") == 0 &&
         mimp_chat_message_get_state (last) == MIMP_MESSAGE_STATE_SENT;
}

/* The chat view on its own, in a plain window: it needs a chat, nothing
 * of the app's window. */
static void
test_chat_view_alone (void)
{
  GtkWidget *window = gtk_window_new ();
  GtkWidget *view = mimp_chat_view_new ();
  GtkWidget *words;
  GtkWidget *back;
  MimpChat *chat;

  window_set_up ();
  window_add_account ();
  chat = mimp_chat_list_ensure (wx.models.chats, wx.chats, "bob");
  g_object_ref (view);
  gtk_window_set_default_size (GTK_WINDOW (window), 800, 600);
  gtk_window_set_child (GTK_WINDOW (window), view);
  gtk_window_present (GTK_WINDOW (window));

  /* No chat: the empty page. */
  test_settle (200);
  g_assert_true (gtk_widget_get_mapped (test_find_named (view, "content-empty")));

  mimp_chat_view_set_chat (MIMP_CHAT_VIEW (view), chat);
  test_settle (200);
  g_assert_false (gtk_widget_get_mapped (test_find_named (view, "content-empty")));
  g_assert_nonnull (test_find_label (view, "bob"));
  words = test_find_named (view, "security-state");
  back = test_find_named (view, "back");
  g_assert_true (gtk_widget_get_mapped (words));
  g_assert_false (gtk_widget_get_visible (back));

  /* Folded: "Back", and no words beside the security icon. */
  mimp_chat_view_set_folded (MIMP_CHAT_VIEW (view), TRUE);
  test_settle (100);
  g_assert_true (gtk_widget_get_visible (back));
  g_assert_false (gtk_widget_get_mapped (words));
  mimp_chat_view_set_folded (MIMP_CHAT_VIEW (view), FALSE);

  /* Sending from the composer, by the view's own action. */
  g_assert_false (gtk_widget_is_sensitive (test_find_named (view, "send")));
  mimp_chat_view_set_composer_text (MIMP_CHAT_VIEW (view), "hello bob");
  g_assert_true (gtk_widget_is_sensitive (test_find_named (view, "send")));
  g_assert_true (gtk_widget_activate_action (view, "chat.send", NULL));
  g_assert_true (test_wait_until (bob_got, chat, 20));
  {
    g_autofree char *left = mimp_chat_view_dup_composer_text (MIMP_CHAT_VIEW (view));
    g_assert_cmpstr (left, ==, "");
  }

  /* The view lets go of the chat, and goes with its window. */
  mimp_chat_view_set_chat (MIMP_CHAT_VIEW (view), NULL);
  g_assert_null (mimp_chat_view_get_chat (MIMP_CHAT_VIEW (view)));
  gtk_window_destroy (GTK_WINDOW (window));
  g_assert_finalize_object (view);
  window_tear_down ();
}

/* The first chat a tall window opens. */
static void
test_window_tall (void)
{
  window_set_up ();
  window_add_account ();
  check_tall_view_fills ();
  window_tear_down ();
}

static void
test_window_chat_view (void)
{
  window_set_up ();
  check_new_chat_needs_account ();
  check_composer_and_regions ();
  check_retry ();
  check_open_at_bottom ();
  check_keep_place ();
  window_tear_down ();
}

/* Once per process: the keyring the passwords go to. */
static void
ensure_keyring (void)
{
  static gboolean started;

  if (!started)
    test_start_keyring ();
  started = TRUE;
}

static gboolean
dialog_settled (gpointer dialog)
{
  return !mimp_account_dialog_get_busy (dialog);
}

static gboolean
has_accounts (gpointer n)
{
  return g_list_model_get_n_items (G_LIST_MODEL (wx.models.accounts)) == GPOINTER_TO_UINT (n);
}

/* The account dialog in both its modes, on the models alone: adding signs
 * in first and says why it cannot (adding nothing); editing shows the
 * account, keeps its type and saves where it connects. */
static void
test_account_dialog (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *server = NULL;
  g_autofree char *moved = NULL;
  g_autofree char *config = NULL;
  g_autofree char *ini = NULL;
  g_autofree char *wrong = mimpd_test_server_random_password ();
  g_autoptr (MimpAccount) account = NULL;
  MimpAccountDialog *dialog;
  GtkWidget *server_row;

  test_world_start (&fx.world, FALSE, NULL);
  ensure_keyring ();
  window_set_up ();
  server = g_strdup_printf ("127.0.0.1:%u", mimpd_test_server_get_port (fx.world.server));

  /* Adding: a wrong password is said, and nothing is added. */
  dialog = mimp_account_dialog_new (wx.models.accounts, wx.models.secrets, GTK_WINDOW (wx.window));
  gtk_window_present (GTK_WINDOW (dialog));
  g_assert_true (gtk_widget_get_sensitive (test_find_named (GTK_WIDGET (dialog), "type")));
  mimp_account_dialog_fill (dialog, server, "alice", wrong, FALSE);
  g_assert_true (mimp_account_dialog_get_can_submit (dialog));
  mimp_account_dialog_submit (dialog);
  g_assert_true (test_wait_until (dialog_settled, dialog, 30));
  g_assert_nonnull (mimp_account_dialog_get_error (dialog));
  g_assert_null (strstr (mimp_account_dialog_get_error (dialog), wrong));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (wx.models.accounts)), ==, 0);

  /* The right one: added, online, its password in the keyring. */
  mimp_account_dialog_fill (dialog, server, "alice", fx.world.alice_pw, FALSE);
  mimp_account_dialog_submit (dialog);
  g_assert_true (test_wait_until (has_accounts, GUINT_TO_POINTER (1), 30));
  account = g_list_model_get_item (G_LIST_MODEL (wx.models.accounts), 0);
  g_assert_true (test_wait_until (online, account, 30));
  g_assert_true (
      test_wait_until (keyring_has, &(KeyWait){ "127.0.0.1", "alice", fx.world.alice_pw }, 20));

  /* Editing: the account as it is, its type fixed. */
  dialog = mimp_account_dialog_new_for_account (wx.models.accounts, wx.models.secrets,
                                                GTK_WINDOW (wx.window), account);
  gtk_window_present (GTK_WINDOW (dialog));
  server_row = test_find_named (GTK_WIDGET (dialog), "server");
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (server_row)), ==, server);
  g_assert_cmpstr (
      gtk_editable_get_text (GTK_EDITABLE (test_find_named (GTK_WIDGET (dialog), "user"))), ==,
      "alice");
  g_assert_false (gtk_widget_get_sensitive (test_find_named (GTK_WIDGET (dialog), "type")));
  g_assert_true (mimp_account_dialog_get_can_submit (dialog));
  gtk_editable_set_text (GTK_EDITABLE (server_row), "not a server");
  g_assert_false (mimp_account_dialog_get_can_submit (dialog));
  g_assert_nonnull (mimp_account_dialog_get_error (dialog));
  /* Saved: the same account, on localhost now, and so in accounts.ini. */
  moved = g_strdup_printf ("localhost:%u", mimpd_test_server_get_port (fx.world.server));
  gtk_editable_set_text (GTK_EDITABLE (server_row), moved);
  mimp_account_dialog_submit (dialog);
  g_assert_cmpstr (mimp_account_get_host (account), ==, "localhost");
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (wx.models.accounts)), ==, 1);
  config = g_build_filename (wx.models.dir, "accounts.ini", NULL);
  g_assert_true (g_file_get_contents (config, &ini, NULL, NULL));
  g_assert_nonnull (strstr (ini, "host=localhost"));
  g_assert_null (strstr (ini, fx.world.alice_pw));
  g_assert_true (test_wait_until (online, account, 30));

  /* accounts.ini cannot be written: the dialog says so and stays, and
   * Save works once it can be. */
  dialog = mimp_account_dialog_new_for_account (wx.models.accounts, wx.models.secrets,
                                                GTK_WINDOW (wx.window), account);
  gtk_window_present (GTK_WINDOW (dialog));
  g_object_add_weak_pointer (G_OBJECT (dialog), (gpointer *) &dialog);
  g_assert_cmpint (g_unlink (config), ==, 0);
  g_assert_cmpint (g_mkdir (config, 0700), ==, 0);
  gtk_editable_set_text (GTK_EDITABLE (test_find_named (GTK_WIDGET (dialog), "server")), server);
  mimp_account_dialog_submit (dialog);
  test_settle (100);
  g_assert_nonnull (dialog);
  g_assert_nonnull (strstr (mimp_account_dialog_get_error (dialog), "could not be saved"));
  g_assert_cmpint (g_rmdir (config), ==, 0);
  mimp_account_dialog_submit (dialog);
  test_settle (100);
  g_assert_null (dialog);
  g_clear_pointer (&ini, g_free);
  g_assert_true (g_file_get_contents (config, &ini, NULL, NULL));
  g_assert_nonnull (strstr (ini, "host=127.0.0.1"));

  window_tear_down ();
  test_world_stop (&fx.world);
}

static gboolean
phase (gpointer data)
{
  check_edit_account ();
  assert_no_password_stored ();

  fx.ok = TRUE;
  g_action_group_activate_action (G_ACTION_GROUP (fx.app), "quit", NULL);
  return G_SOURCE_REMOVE;
}

static void
test_window (void)
{
  g_autoptr (GError) error = NULL;

  test_world_start (&fx.world, FALSE, NULL);
  /* The server also knows alice as alice2, added while it is stopped:
   * `mimpd user` refuses to change a database a server is using. Killed,
   * not stopped: a sanitized mimpd can take longer to exit than the stop
   * waits, and what it committed is on disk either way. */
  mimpd_test_server_kill (fx.world.server);
  g_assert_true (mimpd_test_server_add_user (fx.world.server, "alice2", fx.world.alice_pw, &error));
  g_assert_no_error (error);
  g_assert_true (mimpd_test_server_restart (fx.world.server, &error));
  g_assert_no_error (error);
  ensure_keyring ();

  fx.app = mimp_application_new ();
  test_run_app (G_APPLICATION (fx.app), phase, 200);
  g_assert_true (fx.ok);
  g_clear_object (&fx.account);
  g_clear_object (&fx.app);
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

  /* A row that never showed a failed message has no reason or Retry at
   * all (they are made when first needed); one that did keeps them hidden. */
  g_assert_nonnull (find_visible_button (row, "_Retry"));
  mimp_message_row_set_message (MIMP_MESSAGE_ROW (row), first);
  g_assert_null (find_visible_button (row, "_Retry"));
  g_assert_false (gtk_widget_get_visible (test_find_named (row, "error")));
  {
    g_autoptr (GtkWidget) fresh = g_object_ref_sink (mimp_message_row_new ());

    mimp_message_row_set_message (MIMP_MESSAGE_ROW (fresh), first);
    g_assert_null (test_find_named (fresh, "error"));
    g_assert_null (test_find_named (fresh, "retry"));
    mimp_message_row_set_message (MIMP_MESSAGE_ROW (fresh), NULL);
  }

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
  int line_height = 0;

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
  /* Wrapped: at least two lines of the caption text the time has one of. */
  gtk_widget_measure (gtk_widget_get_first_child (meta), GTK_ORIENTATION_VERTICAL, -1, NULL,
                      &line_height, NULL, NULL);
  g_assert_cmpfloat (error_box.size.height, >=, 1.8 * line_height);
  /* Retry is a button of the usual size (GNOME's 34 px, a click target
   * over 24 px each way), reached with Tab from the row. */
  g_assert_cmpfloat (retry_box.size.height, >=, 34);
  g_assert_cmpfloat (retry_box.size.width, >=, 24);
  g_assert_true (gtk_widget_has_css_class (retry, "flat"));
  g_assert_true (gtk_widget_get_focusable (retry));
  g_assert_true (gtk_widget_child_focus (row, GTK_DIR_TAB_FORWARD));
  while (!gtk_widget_has_focus (retry) && gtk_widget_child_focus (row, GTK_DIR_TAB_FORWARD))
    ;
  g_assert_true (gtk_widget_has_focus (retry));
  test_screenshot (GTK_WINDOW (window), "message-row-failed-narrow");

  /* Sent after all: the reason and Retry go away. */
  mimp_chat_message_set_state (message, MIMP_MESSAGE_STATE_SENT);
  g_assert_false (gtk_widget_get_visible (error));
  g_assert_false (gtk_widget_get_visible (retry));

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
  g_test_add_func ("/window/chat-view", test_window_chat_view);
  g_test_add_func ("/window/tall", test_window_tall);
  g_test_add_func ("/window/chat-view-alone", test_chat_view_alone);
  g_test_add_func ("/window/account-dialog", test_account_dialog);
  g_test_add_func ("/window/edit-account", test_window);
  return g_test_run ();
}
