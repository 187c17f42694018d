/* test-search.c - full-text search over the history (migration 005, the
 * background index build) and the export of a chat, on real SQLite files
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <sqlite3.h>

#include "mimp-export.h"
#include "mimp-history.h"
#include "mimp-incoming.h"
#include "mimp-search.h"
#include "test-util.h"

/* FTS5's own check of the index: with @complete, that it holds exactly the
 * messages (kind 0) of the history, else only that it is sound. Returns how
 * many messages it holds. */
static gint64
check_index (const char *path, gboolean complete)
{
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;
  char *errmsg = NULL;
  gint64 count;

  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  if (sqlite3_exec (db,
                    complete ? "INSERT INTO messages_search (messages_search, rank) "
                               "VALUES ('integrity-check', 1)"
                             : "INSERT INTO messages_search (messages_search) "
                               "VALUES ('integrity-check')",
                    NULL, NULL, &errmsg) != SQLITE_OK)
    g_error ("The search index is not consistent: %s", errmsg);
  g_assert_cmpint (
      sqlite3_prepare_v2 (db, "SELECT COUNT(*) FROM messages_search_docsize", -1, &stmt, NULL), ==,
      SQLITE_OK);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  count = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  sqlite3_close (db);
  return count;
}

static int
get_version (MimpHistory *history)
{
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;
  int version;

  mimp_history_get_version_async (history, NULL, test_store_result, &result);
  version = mimp_history_get_version_finish (history, test_wait_result (&result, 30), &error);
  g_assert_no_error (error);
  return version;
}

static void
store (MimpHistory *history, const char *account, const char *from, const char *const *texts,
       gint64 ts)
{
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) stored = NULL;
  g_autoptr (GPtrArray) messages =
      g_ptr_array_new_with_free_func ((GDestroyNotify) mimp_incoming_unref);
  static int serial;

  for (guint i = 0; texts[i] != NULL; i++)
    {
      g_autofree char *id = g_strdup_printf ("srv-%d", ++serial);
      g_ptr_array_add (messages, mimp_incoming_new (from, "me", id, texts[i], ts + i, serial));
    }
  mimp_history_store_incoming_async (history, account, "mimp", messages, NULL, test_store_result,
                                     &result);
  stored = mimp_history_store_incoming_finish (history, test_wait_result (&result, 30), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (stored->len, ==, messages->len);
}

static GPtrArray *
search (MimpHistory *history, const char *text)
{
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;
  GPtrArray *results;

  mimp_history_search_async (history, text, 50, NULL, test_store_result, &result);
  results = mimp_history_search_finish (history, test_wait_result (&result, 30), &error);
  g_assert_no_error (error);
  return results;
}

static const char *
result_text (GPtrArray *results, guint i)
{
  return mimp_chat_message_get_text (mimp_search_result_get_message (results->pdata[i]));
}

static void
test_query (void)
{
  struct
  {
    const char *text;
    const char *query;
  } cases[] = {
    { "hello", "\"hello\"*" },
    { "hello ", "\"hello\"" },
    { "see you", "\"see\" \"you\"*" },
    { "\"quoted\" words\"", "\"quoted\" \"words\"" },
    { "a* NEAR(b c) OR d", "\"a\" \"NEAR\" \"b\" \"c\" \"OR\" \"d\"" },
    { "a* NEAR(b c) OR de", "\"a\" \"NEAR\" \"b\" \"c\" \"OR\" \"de\"*" },
    { "((unbalanced", "\"unbalanced\"*" },
    { "col:umn -x ^y", "\"col\" \"umn\" \"x\" \"y\"" },
    { "Café crème", "\"Café\" \"crème\"*" },
    { "日本語", "\"日本語\"*" },
    { "", NULL },
    { "  ", NULL },
    { "\"*()^:-+", NULL },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *query = mimp_search_build_query (cases[i].text);
      g_assert_cmpstr (query, ==, cases[i].query);
    }
  /* Not UTF-8: made valid, never passed on as it is. */
  {
    g_autofree char *query = mimp_search_build_query ("ab\xff\xfe"
                                                      "cd");
    g_assert_true (g_utf8_validate (query, -1, NULL));
  }
}

static void
test_markup (void)
{
  g_autofree char *plain = mimp_search_snippet_to_markup ("no match here");
  g_autofree char *marked = mimp_search_snippet_to_markup (
      "say <b>hi</b> & " MIMP_SEARCH_MATCH_START "hello" MIMP_SEARCH_MATCH_END "\nto\t'you'\"");
  g_autofree char *unclosed = mimp_search_snippet_to_markup (MIMP_SEARCH_MATCH_START "a<");
  g_autofree char *empty = mimp_search_snippet_to_markup ("");

  g_assert_cmpstr (plain, ==, "no match here");
  g_assert_cmpstr (marked, ==,
                   "say &lt;b&gt;hi&lt;/b&gt; &amp; <b>hello</b> to &apos;you&apos;&quot;");
  g_assert_cmpstr (unclosed, ==, "<b>a&lt;</b>");
  g_assert_cmpstr (empty, ==, "");
  /* Pango takes each of them. */
  g_assert_true (pango_parse_markup (marked, -1, 0, NULL, NULL, NULL, NULL));
  g_assert_true (pango_parse_markup (unclosed, -1, 0, NULL, NULL, NULL, NULL));
}

/* Every chat of every account; diacritics ignored; the last word a prefix;
 * FTS5's syntax in the query only text; changes and deletes keep the index
 * in step. */
static void
test_search (void)
{
  g_autofree char *dir = test_make_tmpdir ();
  g_autofree char *path = test_history_path (dir);
  g_autoptr (MimpHistory) history = mimp_history_new (path);
  g_autoptr (GPtrArray) results = NULL;
  const char *bob[] = { "Meet at the café at five", "NEAR(the AND end) \"quoted\" * OR",
                        "nothing to see", NULL };
  const char *carol[] = { "the cafe is closed", "Ünïcödé straße", NULL };
  const char *dave[] = { "cafeteria food", NULL };
  const char *hostile[] = { "((( unbalanced \"\"\" ***", NULL };
  const char *queries[] = {
    "(((", "\"",    "unbalanced \"", "*",     "NEAR(", "a:b",  "-",
    "^",   "\"\"*", "AND",           "OR OR", "NOT",   "x\"y", "'; DROP TABLE messages; --"
  };

  g_assert_cmpint (get_version (history), ==, mimp_history_get_latest_version ());
  store (history, "work", "bob", bob, 1000);
  store (history, "home", "carol", carol, 2000);
  store (history, "home", "dave", dave, 3000);
  store (history, "home", "eve", hostile, 4000);

  results = search (history, "CAFE ");
  g_assert_cmpuint (results->len, ==, 2);
  /* Newest first; both accounts. */
  g_assert_cmpstr (result_text (results, 0), ==, "the cafe is closed");
  g_assert_cmpstr (result_text (results, 1), ==, "Meet at the café at five");
  g_assert_cmpstr (
      mimp_chat_message_get_account_id (mimp_search_result_get_message (results->pdata[1])), ==,
      "work");
  g_assert_cmpstr (mimp_search_result_get_markup (results->pdata[1]), ==,
                   "Meet at the <b>café</b> at five");
  g_clear_pointer (&results, g_ptr_array_unref);

  /* As the user types: the last word is a prefix. */
  results = search (history, "cafe");
  g_assert_cmpuint (results->len, ==, 3);
  g_assert_cmpstr (result_text (results, 0), ==, "cafeteria food");
  g_clear_pointer (&results, g_ptr_array_unref);

  results = search (history, "unicode STRASSE");
  g_assert_cmpuint (results->len, ==, 0);
  g_clear_pointer (&results, g_ptr_array_unref);
  results = search (history, "unicode stra");
  g_assert_cmpuint (results->len, ==, 1);
  g_clear_pointer (&results, g_ptr_array_unref);

  /* The syntax of FTS5 typed as a query is text: no error, the words found. */
  results = search (history, "NEAR(the AND end) \"quoted\" * OR");
  g_assert_cmpuint (results->len, ==, 1);
  g_assert_cmpstr (result_text (results, 0), ==, bob[1]);
  g_clear_pointer (&results, g_ptr_array_unref);
  for (guint i = 0; i < G_N_ELEMENTS (queries); i++)
    {
      results = search (history, queries[i]);
      g_clear_pointer (&results, g_ptr_array_unref);
    }
  results = search (history, "(((  unbal");
  g_assert_cmpuint (results->len, ==, 1);
  g_clear_pointer (&results, g_ptr_array_unref);

  /* A deleted account's messages leave the index with them. */
  {
    g_autoptr (GAsyncResult) result = NULL;
    g_autoptr (GError) error = NULL;

    mimp_history_delete_account_async (history, "work", NULL, test_store_result, &result);
    g_assert_true (mimp_history_update_finish (history, test_wait_result (&result, 30), &error));
    g_assert_no_error (error);
  }
  results = search (history, "cafe ");
  g_assert_cmpuint (results->len, ==, 1);
  g_clear_pointer (&results, g_ptr_array_unref);

  mimp_history_close (history);
  test_exec_sql (path, "UPDATE messages SET text = 'a tea shop' WHERE text = 'the cafe is closed'");
  g_assert_cmpint (check_index (path, TRUE), ==, 4);
}

static gboolean
index_done (gpointer data)
{
  return mimp_history_get_search_progress (data) >= 1.0 ||
         mimp_history_get_search_index_error (data) != NULL;
}

static void
on_progress (MimpHistory *history, GParamSpec *pspec, GArray *seen)
{
  double progress = mimp_history_get_search_progress (history);
  g_array_append_val (seen, progress);
}

static gboolean
two_chunks_seen (gpointer data)
{
  return ((GArray *) data)->len >= 2;
}

/* A history from before search (version 4) with many messages: migration 5
 * is instant, the index is built in the background in chunks (progress
 * reported, other requests served meanwhile), and a build stopped halfway
 * goes on where it stopped when the history is opened again. */
static void
test_background_build (void)
{
  g_autofree char *dir = test_make_tmpdir ();
  g_autofree char *path = test_history_path (dir);
  g_autoptr (GArray) seen = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr (GPtrArray) results = NULL;
  const char *live[] = { "zebra arrives live", NULL };
  const int total = 200000;

  {
    g_autoptr (MimpHistory) history = mimp_history_new (path);
    g_assert_cmpint (get_version (history), ==, mimp_history_get_latest_version ());
  }
  /* Back to version 4, as a history from before search, with its messages. */
  test_exec_sql (
      path, "DROP TRIGGER messages_search_insert; DROP TRIGGER messages_search_delete;"
            "DROP TRIGGER messages_search_update; DROP TABLE messages_search;"
            "DROP TABLE search_index_state; PRAGMA user_version = 4;"
            "BEGIN;"
            "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < 200000) "
            "INSERT INTO messages (account, peer, direction, server_id, text, timestamp, state) "
            "SELECT 'acc', 'p' || (x % 7), x % 2, 's' || x, 'message number ' || x || "
            "CASE WHEN x % 1000 = 0 THEN ' needle' ELSE '' END, 1600000000000 + x, 1 FROM n;"
            "COMMIT;");

  {
    g_autoptr (MimpHistory) history = mimp_history_new (path);

    g_signal_connect (history, "notify::search-progress", G_CALLBACK (on_progress), seen);
    g_assert_cmpint (get_version (history), ==, mimp_history_get_latest_version ());
    g_assert_cmpfloat (mimp_history_get_search_progress (history), <, 0.0);
    mimp_history_build_search_index (history);
    /* A message stored now is found at once, whatever the build's progress. */
    store (history, "acc", "p1", live, 1700000000000);
    results = search (history, "zebra");
    g_assert_cmpuint (results->len, ==, 1);
    g_clear_pointer (&results, g_ptr_array_unref);

    g_assert_true (test_wait_until (two_chunks_seen, seen, 60));
    mimp_history_close (history);
  }
  g_test_message ("stopped after %u chunks at %.1f%%", seen->len,
                  g_array_index (seen, double, seen->len - 1) * 100);
  g_assert_cmpfloat (g_array_index (seen, double, seen->len - 1), <, 1.0);
  g_assert_cmpfloat (g_array_index (seen, double, 0), >, 0.0);
  /* What is indexed so far is consistent. */
  g_assert_cmpint (check_index (path, FALSE), <, total + 1);

  {
    g_autoptr (MimpHistory) history = mimp_history_new (path);
    double resumed;

    g_array_set_size (seen, 0);
    g_signal_connect (history, "notify::search-progress", G_CALLBACK (on_progress), seen);
    mimp_history_build_search_index (history);
    g_assert_true (test_wait_until (index_done, history, 240));
    g_assert_null (mimp_history_get_search_index_error (history));
    resumed = g_array_index (seen, double, 0);
    g_test_message ("resumed at %.1f%%, done after %u chunks", resumed * 100, seen->len);
    for (guint i = 1; i < seen->len; i++)
      g_assert_cmpfloat (g_array_index (seen, double, i), >=, g_array_index (seen, double, i - 1));

    results = search (history, "needle");
    g_assert_cmpuint (results->len, ==, 50);
    g_clear_pointer (&results, g_ptr_array_unref);
    results = search (history, "number 1000 needle");
    g_assert_cmpuint (results->len, ==, 1);
    g_assert_cmpstr (result_text (results, 0), ==, "message number 1000 needle");
    g_clear_pointer (&results, g_ptr_array_unref);
  }
  /* Each message once: none twice after the resumed build. */
  g_assert_cmpint (check_index (path, TRUE), ==, total + 1);
}

static MimpChatMessage *
add_outgoing (MimpHistory *history, const char *client_id, const char *text, gint64 ts)
{
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;
  MimpChatMessage *row;

  mimp_history_add_outgoing_async (history, "acc", "mimp", "bob", client_id, text, ts, NULL,
                                   test_store_result, &result);
  row = mimp_history_add_outgoing_finish (history, test_wait_result (&result, 30), &error);
  g_assert_no_error (error);
  return row;
}

static void
set_state (MimpHistory *history, const char *client_id, MimpMessageState state,
           const char *error_message)
{
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (MimpChatMessage) row = NULL;

  mimp_history_set_state_async (history, "acc", client_id, state, NULL, error_message, NULL,
                                test_store_result, &result);
  row = mimp_history_set_state_finish (history, test_wait_result (&result, 30), &error);
  g_assert_no_error (error);
}

static guint64 export(MimpHistory *history, MimpExportFormat format, GFile *file, GError **error)
{
  g_autoptr (GAsyncResult) result = NULL;
  guint64 n = 0;

  mimp_export_chat_async (history, "acc", "Alice (work)", "bob", format, file, NULL,
                          test_store_result, &result);
  if (!mimp_export_chat_finish (test_wait_result (&result, 60), &n, error))
    return G_MAXUINT64;
  return n;
}

static const char *
expected_state (MimpChatMessage *message)
{
  if (!mimp_chat_message_get_outgoing (message))
    return "received";
  switch (mimp_chat_message_get_state (message))
    {
    case MIMP_MESSAGE_STATE_PENDING:
      return "pending";
    case MIMP_MESSAGE_STATE_FAILED:
      return "failed";
    case MIMP_MESSAGE_STATE_SENT:
    default:
      return "sent";
    }
}

/* An export's time: ISO 8601 with milliseconds and the local offset, naming
 * the message's instant. */
static void
check_time (const char *text, MimpChatMessage *message)
{
  g_autoptr (GDateTime) parsed = g_date_time_new_from_iso8601 (text, NULL);

  g_assert_nonnull (parsed);
  g_assert_true (g_regex_match_simple (
      "^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}\\+05:45$", text, 0, 0));
  g_assert_cmpint (g_date_time_to_unix (parsed) * 1000 +
                       g_date_time_get_microsecond (parsed) / 1000,
                   ==, mimp_chat_message_get_timestamp (message));
}

/* A chat with hostile text (newlines, quotes, markup, unicode, 16 KiB, a
 * carriage return) and each delivery state, exported as JSON (read back with
 * json-glib and compared with the history) and as text (compared with the
 * format it promises); the files are the user's only. */
static void
test_export (void)
{
  g_autofree char *dir = test_make_tmpdir ();
  g_autofree char *path = test_history_path (dir);
  g_autofree char *json_path = g_build_filename (dir, "chat.json", NULL);
  g_autofree char *text_path = g_build_filename (dir, "chat.txt", NULL);
  g_autoptr (GFile) json_file = g_file_new_for_path (json_path);
  g_autoptr (GFile) text_file = g_file_new_for_path (text_path);
  g_autoptr (MimpHistory) history = mimp_history_new (path);
  g_autoptr (GString) big = g_string_new (NULL);
  g_autoptr (GPtrArray) chat = NULL;
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GError) error = NULL;
  g_autofree char *contents = NULL;
  g_autoptr (GString) expected = g_string_new (NULL);
  g_autoptr (MimpChatMessage) m1 = NULL;
  g_autoptr (MimpChatMessage) m2 = NULL;
  g_autoptr (MimpChatMessage) m3 = NULL;
  JsonObject *root;
  JsonArray *messages;
  GStatBuf st;
  const char *body;

  while (big->len < 16 * 1024)
    g_string_append (big, "16 KiB of \"text\" ünïcødé 🙂 <b>&amp; ");
  {
    const char *texts[] = { "first line\nsecond \"quoted\" line\n\n  indented\nlast",
                            "{\"json\": [1, 2]}, \\ backslash, </script> & <b>markup</b>",
                            "日本語のテキスト — emoji 🙂👍🏽, RTL עברית",
                            big->str,
                            "windows\r\nline",
                            "",
                            NULL };
    store (history, "acc", "bob", texts, 1700000000123);
  }
  m1 = add_outgoing (history, "c1", "my answer\nin two lines", 1700000100456);
  m2 = add_outgoing (history, "c2", "not sent yet", 1700000200000);
  m3 = add_outgoing (history, "c3", "refused \"one\"", 1700000300000);
  set_state (history, "c1", MIMP_MESSAGE_STATE_SENT, NULL);
  set_state (history, "c3", MIMP_MESSAGE_STATE_FAILED, "Too large");
  chat = test_load_chat (history, "acc", "bob");
  g_assert_cmpuint (chat->len, ==, 9);

  g_assert_cmpuint (export(history, MIMP_EXPORT_FORMAT_JSON, json_file, &error), ==, 9);
  g_assert_no_error (error);
  g_assert_cmpint (g_stat (json_path, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);

  g_assert_true (json_parser_load_from_file (parser, json_path, &error));
  g_assert_no_error (error);
  root = json_node_get_object (json_parser_get_root (parser));
  g_assert_cmpstr (json_object_get_string_member (root, "format"), ==, "mimp-chat-export");
  g_assert_cmpint (json_object_get_int_member (root, "version"), ==, 1);
  g_assert_cmpstr (json_object_get_string_member (root, "account"), ==, "acc");
  g_assert_cmpstr (json_object_get_string_member (root, "account_name"), ==, "Alice (work)");
  g_assert_cmpstr (json_object_get_string_member (root, "peer"), ==, "bob");
  messages = json_object_get_array_member (root, "messages");
  g_assert_cmpuint (json_array_get_length (messages), ==, chat->len);
  for (guint i = 0; i < chat->len; i++)
    {
      MimpChatMessage *message = chat->pdata[i];
      JsonObject *object = json_array_get_object_element (messages, i);

      g_assert_cmpint (json_object_get_int_member (object, "id"), ==,
                       mimp_chat_message_get_row_id (message));
      g_assert_cmpstr (json_object_get_string_member (object, "text"), ==,
                       mimp_chat_message_get_text (message));
      g_assert_cmpstr (json_object_get_string_member (object, "direction"), ==,
                       mimp_chat_message_get_outgoing (message) ? "sent" : "received");
      g_assert_cmpstr (json_object_get_string_member (object, "state"), ==,
                       expected_state (message));
      g_assert_cmpstr (json_object_get_string_member_with_default (object, "error", NULL), ==,
                       mimp_chat_message_get_error (message));
      check_time (json_object_get_string_member (object, "time"), message);
    }
  g_assert_cmpstr (expected_state (m1), ==, "pending"); /* as stored, before set_state */
  g_assert_cmpstr (
      json_object_get_string_member (json_array_get_object_element (messages, 6), "state"), ==,
      "sent");
  g_assert_cmpstr (
      json_object_get_string_member (json_array_get_object_element (messages, 7), "state"), ==,
      "pending");
  g_assert_cmpstr (
      json_object_get_string_member (json_array_get_object_element (messages, 8), "error"), ==,
      "Too large");
  (void) m2;
  (void) m3;

  g_assert_cmpuint (export(history, MIMP_EXPORT_FORMAT_TEXT, text_file, &error), ==, 9);
  g_assert_no_error (error);
  g_assert_true (g_file_get_contents (text_path, &contents, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (g_str_has_prefix (contents, "Mimp chat export\nAccount: Alice (work) (acc)\n"
                                             "Peer: bob\nExported: "));
  body = strstr (contents, "\n\n");
  g_assert_nonnull (body);
  for (guint i = 0; i < chat->len; i++)
    {
      MimpChatMessage *message = chat->pdata[i];
      g_autofree char *time = mimp_export_format_time (mimp_chat_message_get_timestamp (message));
      g_auto (GStrv) lines = g_strsplit (mimp_chat_message_get_text (message), "\n", -1);

      check_time (time, message);
      g_string_append_printf (expected, "[%s] %s (%s)", time,
                              mimp_chat_message_get_outgoing (message) ? "Alice (work)" : "bob",
                              expected_state (message));
      if (mimp_chat_message_get_error (message))
        g_string_append_printf (expected, " [%s]", mimp_chat_message_get_error (message));
      g_string_append (expected, ":");
      for (guint j = 0; lines[j] != NULL; j++)
        {
          gsize len = strlen (lines[j]);

          if (len > 0 && lines[j][len - 1] == '\r') /* a Windows line end */
            lines[j][len - 1] = '\0';
          g_string_append_printf (expected, "%s%s", j == 0 ? " " : "\n  ", lines[j]);
        }
      g_string_append_c (expected, '\n');
    }
  if (!g_str_equal (body + 2, expected->str))
    {
      gsize at = 0;

      while (body[2 + at] == expected->str[at])
        at++;
      g_error ("The text export differs at byte %" G_GSIZE_FORMAT ": \"%.60s\" instead of "
               "\"%.60s\"",
               at, body + 2 + at, expected->str + at);
    }

  /* A file that cannot be written: a clear error, the history untouched. */
  {
    g_autofree char *missing = g_build_filename (dir, "no-such-dir", "chat.txt", NULL);
    g_autoptr (GFile) nowhere = g_file_new_for_path (missing);
    g_autoptr (GPtrArray) again = NULL;

    g_assert_cmpuint (export(history, MIMP_EXPORT_FORMAT_TEXT, nowhere, &error), ==, G_MAXUINT64);
    g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
    again = test_load_chat (history, "acc", "bob");
    g_assert_cmpuint (again->len, ==, chat->len);
  }
}

int
main (int argc, char *argv[])
{
  /* A zone with an odd offset, so the offset is really written. */
  g_setenv ("TZ", "XYZ-05:45", TRUE);
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/search/query", test_query);
  g_test_add_func ("/search/markup", test_markup);
  g_test_add_func ("/search/search", test_search);
  g_test_add_func ("/search/background-build", test_background_build);
  g_test_add_func ("/search/export", test_export);

  return g_test_run ();
}
