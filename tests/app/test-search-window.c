/* test-search-window.c - search in the real app: Ctrl+Shift+F's window on a
 * real history, a result opening its chat at the message (its row in sight),
 * the chat read on to the newest, and "Export Chat…" through the file
 * chooser, read back
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <adwaita.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <sqlite3.h>
#include <string.h>

#include "mimp.h"
#include "mimp-application.h"
#include "mimp-chat-view.h"
#include "mimp-history.h"
#include "mimp-message-reveal.h"
#include "mimp-message-row.h"
#include "mimp-search-window.h"
#include "mimp-search.h"
#include "mimp-window.h"
#include "test-util.h"

#define N_BOB 400
#define N_DAVE 300000
/* The message a result opens: far older than the chat's first page. */
#define TARGET_INDEX 37
#define TARGET_TEXT "the blue needle in the haystack"
#define HOSTILE_TEXT "<b>needle</b> & \"co\" <span foreground='red'>x</span>"

static struct
{
  MimpApplication *app;
  char *export_path;
  gboolean ok;
} fx;

static void
write_history (void)
{
  g_autofree char *path = g_build_filename (g_get_user_data_dir (), "mimp", "history.db", NULL);
  g_autofree char *config = g_build_filename (g_get_user_config_dir (), "mimp", NULL);
  g_autofree char *accounts = g_build_filename (config, "accounts.ini", NULL);
  g_autoptr (GString) sql = g_string_new ("BEGIN;");
  g_autoptr (GError) error = NULL;
  gint64 start = g_get_real_time () / 1000 - (gint64) N_BOB * 60000;
  sqlite3 *db = NULL;
  char *errmsg = NULL;

  /* The schema, as the app makes it (then taken back to version 4). */
  {
    g_autoptr (MimpHistory) history = mimp_history_new (path);
    g_autoptr (GAsyncResult) result = NULL;

    mimp_history_get_version_async (history, NULL, test_store_result, &result);
    g_assert_cmpint (
        mimp_history_get_version_finish (history, test_wait_result (&result, 30), &error), ==,
        mimp_history_get_latest_version ());
    g_assert_no_error (error);
  }
  /* Back to version 4, a history from before search, which the app indexes
   * in the background. */
  g_string_append (sql, "DROP TRIGGER messages_search_insert; DROP TRIGGER messages_search_delete;"
                        "DROP TRIGGER messages_search_update; DROP TABLE messages_search;"
                        "DROP TABLE search_index_state; PRAGMA user_version = 4;");
  g_string_append (sql, "INSERT INTO accounts (id, protocol) VALUES ('work', 'mimp');");
  /* Enough older messages in another chat for the build to take a while. */
  g_string_append_printf (
      sql,
      "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < %d) "
      "INSERT INTO messages (account, peer, direction, text, timestamp, state) "
      "SELECT 'work', 'dave', x %% 2, 'old message ' || x, %lld + x, 1 FROM n;"
      "INSERT INTO chats (account, peer, last_activity) VALUES ('work', 'dave', %lld);",
      N_DAVE, (long long) (start - 10 * N_DAVE), (long long) (start - N_DAVE));
  for (int i = 0; i < N_BOB; i++)
    {
      const char *text = i == TARGET_INDEX ? TARGET_TEXT
                         : i == 100        ? HOSTILE_TEXT
                         : i == 200        ? "Café crème at noon?"
                                           : NULL;
      g_autofree char *filler = g_strdup_printf ("message %d about the weather", i);
      char *row = sqlite3_mprintf (
          "INSERT INTO messages (account, peer, direction, text, timestamp, state) VALUES "
          "('work', 'bob', %d, %Q, %lld, 1);",
          i % 3 == 0, text ? text : filler, (long long) (start + i * 60000));
      g_string_append (sql, row);
      sqlite3_free (row);
    }
  g_string_append_printf (sql,
                          "INSERT INTO messages (account, peer, direction, text, timestamp, state) "
                          "VALUES ('work', 'carol', 0, 'a needle for carol', %lld, 1);"
                          "INSERT INTO chats (account, peer, last_activity) VALUES "
                          "('work', 'bob', %lld), ('work', 'carol', %lld); COMMIT;",
                          (long long) start, (long long) (start + N_BOB * 60000),
                          (long long) start);
  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  if (sqlite3_exec (db, sql->str, NULL, NULL, &errmsg) != SQLITE_OK)
    g_error ("SQL failed: %s", errmsg);
  sqlite3_close (db);

  g_assert_cmpint (g_mkdir_with_parents (config, 0700), ==, 0);
  g_assert_true (g_file_set_contents (accounts,
                                      "[account work]\nhost=127.0.0.1\nport=9\nuser=me\n"
                                      "tls=false\nenabled=false\n",
                                      -1, &error));
  g_assert_no_error (error);
}

static MimpWindow *
main_window (void)
{
  return MIMP_WINDOW (mimp_application_get_main_window (fx.app));
}

static MimpSearchWindow *
search_window (void)
{
  return test_find_toplevel (MIMP_TYPE_SEARCH_WINDOW);
}

static gboolean
has_search_window (gpointer data)
{
  return (search_window () != NULL) == GPOINTER_TO_INT (data);
}

static gboolean
n_results (gpointer n)
{
  return search_window () != NULL &&
         g_list_model_get_n_items (mimp_search_window_get_results (search_window ())) ==
             GPOINTER_TO_UINT (n);
}

static gboolean
index_done (gpointer data)
{
  return mimp_history_get_search_progress (
             mimp_account_manager_get_history (mimp_application_get_accounts (fx.app))) >= 1.0;
}

static guint
position_of (GListModel *model, const char *text)
{
  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr (GObject) item = g_list_model_get_item (model, i);
      MimpChatMessage *message = MIMP_IS_SEARCH_RESULT (item)
                                     ? mimp_search_result_get_message (MIMP_SEARCH_RESULT (item))
                                     : MIMP_CHAT_MESSAGE (item);

      if (g_strcmp0 (mimp_chat_message_get_text (message), text) == 0)
        return i;
    }
  return G_MAXUINT;
}

static GtkListView *
messages_view (void)
{
  return GTK_LIST_VIEW (mimp_window_get_messages_view (main_window ()));
}

static gboolean
target_in_sight (gpointer data)
{
  MimpChat *chat = mimp_window_get_chat (main_window ());
  guint position;

  if (chat == NULL || !g_str_equal (mimp_chat_get_peer (chat), "bob"))
    return FALSE;
  position = position_of (G_LIST_MODEL (chat), TARGET_TEXT);
  return position != G_MAXUINT && mimp_message_reveal_is_visible (messages_view (), position);
}

/* The row marked as the one a result opened: the target's. */
static gboolean
target_marked (gpointer data)
{
  for (GtkWidget *c = gtk_widget_get_first_child (GTK_WIDGET (messages_view ())); c != NULL;
       c = gtk_widget_get_next_sibling (c))
    {
      GtkWidget *row = gtk_widget_get_first_child (c);

      if (row != NULL && MIMP_IS_MESSAGE_ROW (row) && gtk_widget_has_css_class (row, "found"))
        return g_str_equal (
            mimp_chat_message_get_text (mimp_message_row_get_message (MIMP_MESSAGE_ROW (row))),
            TARGET_TEXT);
    }
  return FALSE;
}

static gboolean
newest_loaded (gpointer data)
{
  MimpChat *chat = mimp_window_get_chat (main_window ());
  GtkAdjustment *adj = gtk_scrollable_get_vadjustment (GTK_SCROLLABLE (messages_view ()));

  /* Read on as a person scrolling down would. */
  gtk_adjustment_set_value (adj, gtk_adjustment_get_upper (adj));
  return !mimp_chat_get_has_newer (chat) && !mimp_chat_get_loading (chat);
}

static gboolean
chooser_ready (gpointer chooser)
{
  g_autoptr (GFile) chosen = gtk_file_chooser_get_file (chooser);

  return chosen != NULL && g_strcmp0 (g_file_peek_path (chosen), fx.export_path) == 0;
}

static gboolean
file_written (gpointer path)
{
  return g_file_test (path, G_FILE_TEST_EXISTS);
}

/* The snippet labels of the results shown. */
static GtkLabel *
snippet_label (const char *text)
{
  GtkWidget *list = test_find_type (GTK_WIDGET (search_window ()), GTK_TYPE_LIST_VIEW);

  return GTK_LABEL (test_find_label (list, text));
}

static gboolean
phase (gpointer data)
{
  MimpWindow *window = main_window ();
  MimpSearchWindow *search;
  MimpChat *chat;
  GtkLabel *hostile;
  GtkListView *results_view;
  guint position;
  const char *odd[] = { "\"((", "NEAR(", "*", "\"", "a:b OR" };

  gtk_window_set_default_size (GTK_WINDOW (window), 900, 640);

  /* Ctrl+Shift+F, while the index of the old history is being built. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.search-messages", NULL));
  g_assert_true (test_wait_until (has_search_window, GINT_TO_POINTER (TRUE), 10));
  search = search_window ();
  {
    GtkRevealer *indexing = GTK_REVEALER (test_find_type (GTK_WIDGET (search), GTK_TYPE_REVEALER));
    GtkLabel *label = GTK_LABEL (test_find_type (GTK_WIDGET (indexing), GTK_TYPE_LABEL));

    g_assert_false (index_done (NULL));
    g_assert_true (gtk_revealer_get_reveal_child (indexing));
    g_assert_true (g_str_has_prefix (gtk_label_get_text (label), "Indexing… "));
    test_screenshot (GTK_WINDOW (search), "search-indexing");
    g_assert_true (test_wait_until (index_done, NULL, 120));
    g_assert_false (gtk_revealer_get_reveal_child (indexing));
  }

  /* FTS5's syntax and stray signs: no error, never the error page. */
  for (guint i = 0; i < G_N_ELEMENTS (odd); i++)
    {
      mimp_search_window_set_text (search, odd[i]);
      test_settle (250);
      g_assert_cmpstr (gtk_stack_get_visible_child_name (
                           GTK_STACK (test_find_type (GTK_WIDGET (search), GTK_TYPE_STACK))),
                       !=, "error");
    }

  mimp_search_window_set_text (search, "needl");
  g_assert_true (test_wait_until (n_results, GUINT_TO_POINTER (3), 10));
  /* Message text is shown as text: its markup escaped, the match in bold. */
  hostile = snippet_label ("<b>needle</b> & \"co\" <span foreground='red'>x</span>");
  g_assert_nonnull (hostile);
  g_assert_nonnull (strstr (gtk_label_get_label (hostile), "&lt;b&gt;<b>needle</b>&lt;/b&gt;"));
  g_assert_nonnull (snippet_label ("a needle for carol"));
  test_screenshot (GTK_WINDOW (search), "search-results");

  /* Keyboard: Down moves into the results, Enter opens the one focused. */
  results_view = GTK_LIST_VIEW (test_find_type (GTK_WIDGET (search), GTK_TYPE_LIST_VIEW));
  position = position_of (mimp_search_window_get_results (search), TARGET_TEXT);
  g_assert_cmpuint (position, !=, G_MAXUINT);
  g_signal_emit_by_name (results_view, "activate", position);
  g_assert_true (test_wait_until (has_search_window, GINT_TO_POINTER (FALSE), 10));

  /* The chat opens at the message, loaded around it, its row in sight. */
  g_assert_true (test_wait_until (target_in_sight, NULL, 20));
  chat = mimp_window_get_chat (window);
  g_assert_true (mimp_chat_get_has_newer (chat));
  g_assert_true (test_wait_until (target_marked, NULL, 10));
  test_screenshot (GTK_WINDOW (window), "search-opened");
  /* It stays there once the rows around it settled. */
  test_settle (500);
  g_assert_true (target_in_sight (NULL));

  /* Reading on down reaches the newest message, all in order. */
  g_assert_true (test_wait_until (newest_loaded, NULL, 30));
  {
    GListModel *model = G_LIST_MODEL (chat);
    guint n = g_list_model_get_n_items (model);
    g_autoptr (MimpChatMessage) last = g_list_model_get_item (model, n - 1);
    g_autofree char *newest = g_strdup_printf ("message %d about the weather", N_BOB - 1);

    g_assert_cmpstr (mimp_chat_message_get_text (last), ==, newest);
    g_assert_cmpuint (n, ==, N_BOB - TARGET_INDEX + MIMP_CHAT_OLDER_PAGE_SIZE);
  }

  /* Escape closes the search. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.search-messages", NULL));
  g_assert_true (test_wait_until (has_search_window, GINT_TO_POINTER (TRUE), 10));
  g_signal_emit_by_name (test_find_type (GTK_WIDGET (search_window ()), GTK_TYPE_SEARCH_ENTRY),
                         "stop-search");
  g_assert_true (test_wait_until (has_search_window, GINT_TO_POINTER (FALSE), 10));

  /* Export Chat…: the chat's menu, the file chooser, the file read back. */
  {
    GtkWidget *view = test_find_type (GTK_WIDGET (window), MIMP_TYPE_CHAT_VIEW);
    GtkMenuButton *menu = GTK_MENU_BUTTON (test_find_named (view, "chat-menu"));
    GtkFileChooser *chooser;
    g_autoptr (GFile) file = g_file_new_for_path (fx.export_path);
    g_autoptr (JsonParser) parser = json_parser_new ();
    g_autoptr (GError) error = NULL;
    JsonArray *messages;

    g_assert_nonnull (menu);
    gtk_menu_button_popup (menu);
    test_screenshot (GTK_WINDOW (window), "export-menu");
    gtk_menu_button_popdown (menu);

    g_assert_true (gtk_widget_activate_action (view, "chat.export", NULL));
    /* Without a portal, GTK's own file chooser stands in for it. */
    g_assert_true (test_wait_until ((gboolean (*) (gpointer)) test_find_toplevel,
                                    (gpointer) GTK_TYPE_FILE_CHOOSER_DIALOG, 10));
    chooser = test_find_toplevel (GTK_TYPE_FILE_CHOOSER_DIALOG);
    {
      GListModel *filters = gtk_file_chooser_get_filters (chooser);
      g_autoptr (GtkFileFilter) json = g_list_model_get_item (filters, 1);

      g_assert_cmpstr (gtk_file_filter_get_name (json), ==, "JSON");
      gtk_file_chooser_set_filter (chooser, json);
      g_object_unref (filters);
    }
    {
      g_autoptr (GFile) folder = g_file_get_parent (file);
      g_autofree char *name = g_file_get_basename (file);

      g_assert_true (gtk_file_chooser_set_current_folder (chooser, folder, &error));
      g_assert_no_error (error);
      gtk_file_chooser_set_current_name (chooser, name);
      /* The chooser takes the folder in a moment. */
      g_assert_true (test_wait_until (chooser_ready, chooser, 10));
      g_assert_true (gtk_file_chooser_set_file (chooser, file, &error));
      g_assert_no_error (error);
      test_settle (1000);
      g_assert_true (chooser_ready (chooser));
    }
    gtk_dialog_response (GTK_DIALOG (chooser), GTK_RESPONSE_ACCEPT);
    g_assert_true (test_wait_until (file_written, fx.export_path, 30));
    test_settle (300);

    g_assert_true (json_parser_load_from_file (parser, fx.export_path, &error));
    g_assert_no_error (error);
    messages = json_object_get_array_member (json_node_get_object (json_parser_get_root (parser)),
                                             "messages");
    g_assert_cmpuint (json_array_get_length (messages), ==, N_BOB);
    g_assert_cmpstr (
        json_object_get_string_member (json_array_get_object_element (messages, 100), "text"), ==,
        HOSTILE_TEXT);
  }

  fx.ok = TRUE;
  g_application_quit (G_APPLICATION (fx.app));
  return G_SOURCE_REMOVE;
}

static void
test_search_window (void)
{
  g_autofree char *dir = test_make_tmpdir ();

  fx.export_path = g_build_filename (dir, "bob.json", NULL);
  write_history ();
  fx.app = mimp_application_new ();
  test_run_app (G_APPLICATION (fx.app), phase, 300);
  g_assert_true (fx.ok);
  g_clear_object (&fx.app);
  g_free (fx.export_path);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_setenv ("GTK_A11Y", "none", TRUE);
  g_setenv ("GTK_USE_PORTAL", "0", TRUE);
  g_log_set_always_fatal (G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL);
  for (const char *const *d = (const char *const[]){ "mimp-history", "mimp-search-window",
                                                     "mimp-export-dialog", NULL };
       *d; d++)
    g_log_set_fatal_mask (*d, G_LOG_LEVEL_WARNING | G_LOG_LEVEL_CRITICAL);

  if (!gtk_init_check ())
    {
      g_test_skip ("No display");
      return 0;
    }
  adw_init ();
  g_test_add_func ("/search-window/search-open-export", test_search_window);
  return g_test_run ();
}
