/* test-history.c - MimpHistory: migrations, dedupe, paging, outbox
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gstdio.h>
#include <sqlite3.h>
#include <unistd.h>

#include "mimp.h"
#include "mimp-history.h"
#include "mimp-incoming.h"
#include "test-util.h"

static int
get_version (MimpHistory *history, GError **error)
{
  g_autoptr (GAsyncResult) result = NULL;

  mimp_history_get_version_async (history, NULL, test_store_result, &result);
  return mimp_history_get_version_finish (history, test_wait_result (&result, 30), error);
}

static GPtrArray *
store (MimpHistory *history, const char *account, GPtrArray *messages)
{
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;
  GPtrArray *stored;

  mimp_history_store_incoming_async (history, account, "mimp", messages, NULL, test_store_result,
                                     &result);
  stored = mimp_history_store_incoming_finish (history, test_wait_result (&result, 30), &error);
  g_assert_no_error (error);
  return stored;
}

static GPtrArray *
load_page (MimpHistory *history, const char *account, const char *peer, MimpChatMessage *before)
{
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;
  GPtrArray *page;

  mimp_history_load_page_async (history, account, peer, before, 50, NULL, test_store_result,
                                &result);
  page = mimp_history_load_page_finish (history, test_wait_result (&result, 30), &error);
  g_assert_no_error (error);
  return page;
}

static GPtrArray *
list_outbox (MimpHistory *history, const char *account)
{
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;
  GPtrArray *rows;

  mimp_history_list_outbox_async (history, account, NULL, test_store_result, &result);
  rows = mimp_history_list_outbox_finish (history, test_wait_result (&result, 30), &error);
  g_assert_no_error (error);
  return rows;
}

static GPtrArray *
list_chats (MimpHistory *history)
{
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;
  GPtrArray *chats;

  mimp_history_list_chats_async (history, NULL, test_store_result, &result);
  chats = mimp_history_list_chats_finish (history, test_wait_result (&result, 30), &error);
  g_assert_no_error (error);
  return chats;
}

static MimpChatMessage *
add_outgoing (MimpHistory *history, const char *account, const char *peer, const char *client_id,
              const char *text)
{
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;
  MimpChatMessage *row;

  mimp_history_add_outgoing_async (history, account, "mimp", peer, client_id, text,
                                   g_get_real_time () / 1000, NULL, test_store_result, &result);
  row = mimp_history_add_outgoing_finish (history, test_wait_result (&result, 30), &error);
  g_assert_no_error (error);
  return row;
}

static MimpChatMessage *
set_state (MimpHistory *history, const char *account, const char *client_id, MimpMessageState state,
           const char *server_id, const char *error_message)
{
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;
  MimpChatMessage *row;

  mimp_history_set_state_async (history, account, client_id, state, server_id, error_message, NULL,
                                test_store_result, &result);
  row = mimp_history_set_state_finish (history, test_wait_result (&result, 30), &error);
  g_assert_no_error (error);
  return row;
}

static void
update_done (MimpHistory *history, GAsyncResult **result)
{
  g_autoptr (GError) error = NULL;

  mimp_history_update_finish (history, test_wait_result (result, 30), &error);
  g_assert_no_error (error);
  g_clear_object (result);
}

static GPtrArray *
make_messages (const char *from, int first, int count, gint64 ts)
{
  GPtrArray *messages = g_ptr_array_new_with_free_func ((GDestroyNotify) mimp_incoming_unref);

  for (int i = first; i < first + count; i++)
    {
      g_autofree char *id = g_strdup_printf ("srv-%d", i);
      g_autofree char *text = g_strdup_printf ("message %d", i);
      g_ptr_array_add (messages, mimp_incoming_new (from, "me", id, text, ts + i, i));
    }
  return messages;
}

static void
test_fresh (void)
{
  g_autofree char *dir = test_make_tmpdir ();
  g_autofree char *path = test_history_path (dir);
  g_autoptr (MimpHistory) history = mimp_history_new (path);
  g_autoptr (GError) error = NULL;

  g_assert_cmpint (mimp_history_get_latest_version (), >=, 2);
  g_assert_cmpint (get_version (history, &error), ==, mimp_history_get_latest_version ());
  g_assert_no_error (error);
  g_assert_true (g_file_test (path, G_FILE_TEST_EXISTS));
}

static void
test_migrate_v1 (void)
{
  g_autofree char *dir = test_make_tmpdir ();
  g_autofree char *path = test_history_path (dir);
  g_autofree char *fixture = NULL;
  g_autofree char *sql = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (MimpHistory) history = NULL;
  g_autoptr (GPtrArray) page = NULL;
  g_autoptr (GPtrArray) outbox = NULL;
  g_autoptr (GPtrArray) chats = NULL;
  MimpHistoryChat *chat;

  fixture = g_test_build_filename (G_TEST_DIST, "app", "fixtures", "history-v1.sql", NULL);
  g_file_get_contents (fixture, &sql, NULL, &error);
  g_assert_no_error (error);
  test_exec_sql (path, sql);

  history = mimp_history_new (path);
  g_assert_cmpint (get_version (history, &error), ==, mimp_history_get_latest_version ());
  g_assert_no_error (error);

  page = load_page (history, "acc1", "bob", NULL);
  g_assert_cmpuint (page->len, ==, 2);
  g_assert_cmpstr (mimp_chat_message_get_text (page->pdata[0]), ==, "hello from version one");
  g_assert_false (mimp_chat_message_get_outgoing (page->pdata[0]));
  g_assert_true (mimp_chat_message_get_outgoing (page->pdata[1]));
  g_assert_null (mimp_chat_message_get_error (page->pdata[1]));

  /* The pending row written by version 1 is in the outbox view of version 2. */
  outbox = list_outbox (history, "acc1");
  g_assert_cmpuint (outbox->len, ==, 1);
  g_assert_cmpstr (mimp_chat_message_get_client_id (outbox->pdata[0]), ==, "c-pending-1");

  chats = list_chats (history);
  g_assert_cmpuint (chats->len, ==, 1);
  chat = chats->pdata[0];
  g_assert_cmpuint (chat->unread, ==, 1);
  g_assert_cmpstr (chat->draft, ==, "half a thought");
  g_assert_cmpstr (chat->last_text, ==, "still waiting to be sent");
  g_assert_true (chat->last_outgoing);
}

/* Reads one text value from the database file, for what no API shows. */
static char *
query_text (const char *path, const char *sql)
{
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;
  char *value = NULL;

  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL), ==, SQLITE_OK);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    value = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
  sqlite3_finalize (stmt);
  sqlite3_close (db);
  return value;
}

/* A history from before account types: every account in it was MIMP, and
 * after the migration each has that type once, while its messages, the
 * failed send's reason and the outbox stay as they were. */
static void
test_migrate_v2 (void)
{
  g_autofree char *dir = test_make_tmpdir ();
  g_autofree char *path = test_history_path (dir);
  g_autofree char *fixture = NULL;
  g_autofree char *sql = NULL;
  g_autofree char *types = NULL;
  g_autofree char *new_type = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (MimpHistory) history = NULL;
  g_autoptr (GPtrArray) page = NULL;
  g_autoptr (GPtrArray) outbox = NULL;
  g_autoptr (GPtrArray) more = NULL;
  g_autoptr (GPtrArray) batch =
      g_ptr_array_new_with_free_func ((GDestroyNotify) mimp_incoming_unref);

  fixture = g_test_build_filename (G_TEST_DIST, "app", "fixtures", "history-v2.sql", NULL);
  g_file_get_contents (fixture, &sql, NULL, &error);
  g_assert_no_error (error);
  test_exec_sql (path, sql);

  history = mimp_history_new (path);
  g_assert_cmpint (get_version (history, &error), ==, mimp_history_get_latest_version ());
  g_assert_no_error (error);

  page = load_page (history, "acc1", "bob", NULL);
  g_assert_cmpuint (page->len, ==, 2);
  g_assert_cmpstr (mimp_chat_message_get_text (page->pdata[0]), ==, "hello from version two");
  g_assert_cmpint (mimp_chat_message_get_seq (page->pdata[0]), ==, 7);
  g_assert_cmpint (mimp_chat_message_get_state (page->pdata[1]), ==, MIMP_MESSAGE_STATE_FAILED);
  g_assert_cmpstr (mimp_chat_message_get_error (page->pdata[1]), ==,
                   "There is no such user on this server.");
  outbox = list_outbox (history, "acc2");
  g_assert_cmpuint (outbox->len, ==, 1);
  g_assert_cmpstr (mimp_chat_message_get_client_id (outbox->pdata[0]), ==, "c-pending-2");

  /* A delivered-twice message is still dropped by its id after the move. */
  g_ptr_array_add (
      batch, mimp_incoming_new ("bob", "me", "s1", "hello from version two", 1700000000000, 7));
  more = store (history, "acc1", batch);
  g_assert_cmpuint (more->len, ==, 0);

  mimp_history_close (history);
  types = query_text (path, "SELECT group_concat (id || '=' || protocol, ',') FROM "
                            "(SELECT * FROM accounts ORDER BY id)");
  g_assert_cmpstr (types, ==, "acc1=mimp,acc2=mimp,acc3=mimp");

  /* A new account's type is recorded with the first thing it stores. */
  g_clear_object (&history);
  history = mimp_history_new (path);
  g_clear_pointer (&batch, g_ptr_array_unref);
  batch = g_ptr_array_new_with_free_func ((GDestroyNotify) mimp_incoming_unref);
  g_ptr_array_add (batch, mimp_incoming_new ("eve", "me", "x1", "hi", 1700000004000, 1));
  {
    g_autoptr (GAsyncResult) result = NULL;
    g_autoptr (GPtrArray) stored = NULL;

    mimp_history_store_incoming_async (history, "acc4", "cryptully", batch, NULL, test_store_result,
                                       &result);
    stored = mimp_history_store_incoming_finish (history, test_wait_result (&result, 30), &error);
    g_assert_no_error (error);
    g_assert_cmpuint (stored->len, ==, 1);
  }
  mimp_history_close (history);
  new_type = query_text (path, "SELECT protocol FROM accounts WHERE id = 'acc4'");
  g_assert_cmpstr (new_type, ==, "cryptully");
}

/* In a room the chat's peer is the room and each message keeps its author. */
static void
test_room_sender (void)
{
  g_autofree char *dir = test_make_tmpdir ();
  g_autofree char *path = test_history_path (dir);
  g_autoptr (MimpHistory) history = mimp_history_new (path);
  g_autoptr (GPtrArray) batch =
      g_ptr_array_new_with_free_func ((GDestroyNotify) mimp_incoming_unref);
  g_autoptr (GPtrArray) stored = NULL;
  g_autoptr (GPtrArray) page = NULL;

  g_ptr_array_add (batch, mimp_incoming_new_in_room ("room", "alice", NULL, "hi all", 1000, -1));
  g_ptr_array_add (batch, mimp_incoming_new_in_room ("room", "bob", NULL, "hello", 2000, -1));
  stored = store (history, "acc", batch);
  g_assert_cmpuint (stored->len, ==, 2);
  g_assert_cmpstr (mimp_chat_message_get_sender (stored->pdata[0]), ==, "alice");

  page = load_page (history, "acc", "room", NULL);
  g_assert_cmpuint (page->len, ==, 2);
  g_assert_cmpstr (mimp_chat_message_get_peer (page->pdata[0]), ==, "room");
  g_assert_cmpstr (mimp_chat_message_get_sender (page->pdata[0]), ==, "alice");
  g_assert_cmpstr (mimp_chat_message_get_sender (page->pdata[1]), ==, "bob");
  g_assert_cmpstr (mimp_chat_message_get_text (page->pdata[1]), ==, "hello");
}

static void
test_too_new (void)
{
  g_autofree char *dir = test_make_tmpdir ();
  g_autofree char *path = test_history_path (dir);
  g_autoptr (GError) error = NULL;
  g_autoptr (MimpHistory) history = NULL;

  test_exec_sql (path, "CREATE TABLE future (x); PRAGMA user_version = 999;");
  history = mimp_history_new (path);
  g_assert_cmpint (get_version (history, &error), ==, -1);
  g_assert_error (error, MIMP_HISTORY_ERROR, MIMP_HISTORY_ERROR_TOO_NEW);
}

static void
test_broken_migration_rolls_back (void)
{
  g_autofree char *dir = test_make_tmpdir ();
  g_autofree char *path = test_history_path (dir);
  g_autoptr (GError) error = NULL;
  g_autoptr (MimpHistory) history = NULL;
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;

  /* Version 1 with a column 002 is about to add: its ALTER TABLE fails,
   * and nothing of 002 may remain. */
  test_exec_sql (path,
                 "CREATE TABLE messages (id INTEGER PRIMARY KEY, account TEXT, peer TEXT, "
                 "direction INTEGER, client_id TEXT, server_id TEXT, text TEXT, timestamp "
                 "INTEGER, state INTEGER, seq INTEGER, error TEXT); PRAGMA user_version = 1;");
  history = mimp_history_new (path);
  g_assert_cmpint (get_version (history, &error), ==, -1);
  g_assert_error (error, MIMP_HISTORY_ERROR, MIMP_HISTORY_ERROR_OPEN);
  mimp_history_close (history);

  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (db, "PRAGMA user_version", -1, &stmt, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  g_assert_cmpint (sqlite3_column_int (stmt, 0), ==, 1);
  sqlite3_finalize (stmt);
  g_assert_cmpint (sqlite3_prepare_v2 (db, "SELECT * FROM outbox", -1, &stmt, NULL), !=, SQLITE_OK);
  sqlite3_finalize (stmt);
  sqlite3_close (db);
}

/* Private chats (migration 4): what encryption did for each message, the
 * gap before it, the chat's privacy and the user's choice to send
 * unencrypted, all kept; the waiting messages of a peer change together. */
static void
test_private_chats (void)
{
  g_autofree char *dir = test_make_tmpdir ();
  g_autofree char *path = test_history_path (dir);
  g_autoptr (MimpHistory) history = mimp_history_new (path);
  g_autoptr (GPtrArray) batch =
      g_ptr_array_new_with_free_func ((GDestroyNotify) mimp_incoming_unref);
  g_autoptr (MimpIncoming) received =
      mimp_incoming_new ("bob", "me", "s1", "?MIMPE2E:1:M:x", 1000, 1);
  g_autoptr (GPtrArray) stored = NULL;
  g_autoptr (GPtrArray) page = NULL;
  g_autoptr (GPtrArray) pending = NULL;
  g_autoptr (GPtrArray) chats = NULL;
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (MimpChatMessage) row = NULL;
  g_autoptr (MimpChatMessage) found = NULL;
  g_autoptr (GError) error = NULL;

  g_ptr_array_add (
      batch, mimp_incoming_copy_decoded (received, "", MIMP_MESSAGE_PROTECTION_UNDECRYPTABLE, 0));
  g_ptr_array_add (batch, mimp_incoming_new ("bob", "me", "s2", "plain", 2000, 2));
  ((MimpIncoming *) batch->pdata[1])->protection = MIMP_MESSAGE_PROTECTION_UNENCRYPTED;
  g_ptr_array_add (batch, mimp_incoming_copy_decoded (batch->pdata[1], "after a gap",
                                                      MIMP_MESSAGE_PROTECTION_ENCRYPTED, 2));
  g_free (((MimpIncoming *) batch->pdata[2])->remote_id);
  ((MimpIncoming *) batch->pdata[2])->remote_id = g_strdup ("s3");
  stored = store (history, "acc", batch);
  g_assert_cmpuint (stored->len, ==, 3);

  mimp_history_add_outgoing_protected_async (history, "acc", "mimp", "bob", "c1", "secret words",
                                             MIMP_MESSAGE_PROTECTION_ENCRYPTED, 3000, NULL,
                                             test_store_result, &result);
  row = mimp_history_add_outgoing_finish (history, test_wait_result (&result, 30), &error);
  g_assert_no_error (error);
  g_clear_object (&result);
  g_assert_cmpint (mimp_chat_message_get_protection (row), ==, MIMP_MESSAGE_PROTECTION_ENCRYPTED);

  page = load_page (history, "acc", "bob", NULL);
  g_assert_cmpuint (page->len, ==, 4);
  g_assert_cmpint (mimp_chat_message_get_protection (page->pdata[0]), ==,
                   MIMP_MESSAGE_PROTECTION_UNDECRYPTABLE);
  g_assert_cmpstr (mimp_chat_message_get_text (page->pdata[0]), ==, "");
  g_assert_cmpint (mimp_chat_message_get_protection (page->pdata[1]), ==,
                   MIMP_MESSAGE_PROTECTION_UNENCRYPTED);
  g_assert_cmpuint (mimp_chat_message_get_missing_before (page->pdata[1]), ==, 0);
  g_assert_cmpint (mimp_chat_message_get_protection (page->pdata[2]), ==,
                   MIMP_MESSAGE_PROTECTION_ENCRYPTED);
  g_assert_cmpuint (mimp_chat_message_get_missing_before (page->pdata[2]), ==, 2);

  /* The user chooses to send unencrypted: the waiting message says so. */
  mimp_history_set_pending_protection_async (history, "acc", "bob", MIMP_MESSAGE_PROTECTION_NONE,
                                             NULL, test_store_result, &result);
  pending =
      mimp_history_set_pending_protection_finish (history, test_wait_result (&result, 30), &error);
  g_assert_no_error (error);
  g_clear_object (&result);
  g_assert_cmpuint (pending->len, ==, 1);
  g_assert_cmpint (mimp_chat_message_get_protection (pending->pdata[0]), ==,
                   MIMP_MESSAGE_PROTECTION_NONE);

  mimp_history_find_outgoing_async (history, "acc", "c1", NULL, test_store_result, &result);
  found = mimp_history_find_outgoing_finish (history, test_wait_result (&result, 30), &error);
  g_assert_no_error (error);
  g_clear_object (&result);
  g_assert_cmpstr (mimp_chat_message_get_text (found), ==, "secret words");
  mimp_history_find_outgoing_async (history, "acc", "nope", NULL, test_store_result, &result);
  g_assert_null (
      mimp_history_find_outgoing_finish (history, test_wait_result (&result, 30), &error));
  g_assert_error (error, MIMP_HISTORY_ERROR, MIMP_HISTORY_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_clear_object (&result);

  chats = list_chats (history);
  g_assert_cmpuint (chats->len, ==, 1);
  g_assert_cmpint (((MimpHistoryChat *) chats->pdata[0])->privacy, ==, -1);
  g_assert_false (((MimpHistoryChat *) chats->pdata[0])->unencrypted);
  g_clear_pointer (&chats, g_ptr_array_unref);
  mimp_history_set_chat_privacy_async (history, "acc", "bob", 0, TRUE, NULL, test_store_result,
                                       &result);
  update_done (history, &result);
  /* No row is made for a chat that has none. */
  mimp_history_set_chat_privacy_async (history, "acc", "carol", 2, FALSE, NULL, test_store_result,
                                       &result);
  update_done (history, &result);
  chats = list_chats (history);
  g_assert_cmpuint (chats->len, ==, 1);
  g_assert_cmpint (((MimpHistoryChat *) chats->pdata[0])->privacy, ==, 0);
  g_assert_true (((MimpHistoryChat *) chats->pdata[0])->unencrypted);
}

static void
test_dedupe_and_unread (void)
{
  g_autofree char *dir = test_make_tmpdir ();
  g_autofree char *path = test_history_path (dir);
  g_autoptr (MimpHistory) history = mimp_history_new (path);
  g_autoptr (GPtrArray) first = make_messages ("bob", 1, 3, 1000);
  g_autoptr (GPtrArray) again = make_messages ("bob", 2, 3, 1000); /* 2 and 3 come again */
  g_autoptr (GPtrArray) stored1 = NULL;
  g_autoptr (GPtrArray) stored2 = NULL;
  g_autoptr (GPtrArray) stored3 = NULL;
  g_autoptr (GPtrArray) chats = NULL;
  g_autoptr (GPtrArray) page = NULL;
  g_autoptr (GAsyncResult) result = NULL;

  stored1 = store (history, "acc", first);
  g_assert_cmpuint (stored1->len, ==, 3);
  stored2 = store (history, "acc", again);
  g_assert_cmpuint (stored2->len, ==, 1);
  g_assert_cmpstr (mimp_chat_message_get_server_id (stored2->pdata[0]), ==, "srv-4");
  /* The same server id on another account is another message. */
  stored3 = store (history, "other", first);
  g_assert_cmpuint (stored3->len, ==, 3);

  page = load_page (history, "acc", "bob", NULL);
  g_assert_cmpuint (page->len, ==, 4);

  chats = list_chats (history);
  g_assert_cmpuint (chats->len, ==, 2);
  for (guint i = 0; i < chats->len; i++)
    {
      MimpHistoryChat *chat = chats->pdata[i];
      g_assert_cmpuint (chat->unread, ==, g_str_equal (chat->account_id, "acc") ? 4 : 3);
    }
  g_clear_pointer (&chats, g_ptr_array_unref);

  mimp_history_mark_read_async (history, "acc", "bob", NULL, test_store_result, &result);
  update_done (history, &result);
  mimp_history_set_draft_async (history, "acc", "bob", "draft text", NULL, test_store_result,
                                &result);
  update_done (history, &result);
  chats = list_chats (history);
  for (guint i = 0; i < chats->len; i++)
    {
      MimpHistoryChat *chat = chats->pdata[i];
      if (g_str_equal (chat->account_id, "acc"))
        {
          g_assert_cmpuint (chat->unread, ==, 0);
          g_assert_cmpstr (chat->draft, ==, "draft text");
        }
    }
}

/* A message to oneself comes back as a received one: not shown twice,
 * whether the send's reply (with the server id) was recorded first or not.
 * The same text from someone else is a message of its own. */
static void
test_own_echo (void)
{
  g_autofree char *dir = test_make_tmpdir ();
  g_autofree char *path = test_history_path (dir);
  g_autoptr (MimpHistory) history = mimp_history_new (path);
  g_autoptr (MimpChatMessage) first = NULL;
  g_autoptr (MimpChatMessage) second = NULL;
  g_autoptr (MimpChatMessage) sent = NULL;
  g_autoptr (GPtrArray) echo1 =
      g_ptr_array_new_with_free_func ((GDestroyNotify) mimp_incoming_unref);
  g_autoptr (GPtrArray) echo2 =
      g_ptr_array_new_with_free_func ((GDestroyNotify) mimp_incoming_unref);
  g_autoptr (GPtrArray) other =
      g_ptr_array_new_with_free_func ((GDestroyNotify) mimp_incoming_unref);
  g_autoptr (GPtrArray) stored1 = NULL;
  g_autoptr (GPtrArray) stored2 = NULL;
  g_autoptr (GPtrArray) stored3 = NULL;
  g_autoptr (GPtrArray) page = NULL;

  /* Sent and recorded with its server id, then echoed. */
  first = add_outgoing (history, "acc", "me", "c-1", "note one");
  sent = set_state (history, "acc", "c-1", MIMP_MESSAGE_STATE_SENT, "srv-1", NULL);
  g_ptr_array_add (echo1, mimp_incoming_new ("me", "me", "srv-1", "note one", 1000, 1));
  stored1 = store (history, "acc", echo1);
  g_assert_cmpuint (stored1->len, ==, 0);

  /* Echoed before the reply to the send was recorded. */
  second = add_outgoing (history, "acc", "me", "c-2", "note two");
  g_ptr_array_add (echo2, mimp_incoming_new ("me", "me", "srv-2", "note two", 2000, 2));
  stored2 = store (history, "acc", echo2);
  g_assert_cmpuint (stored2->len, ==, 0);

  /* bob happens to write the same as a pending message of ours to him. */
  g_clear_object (&second);
  second = add_outgoing (history, "acc", "bob", "c-3", "ok");
  g_ptr_array_add (other, mimp_incoming_new ("bob", "me", "srv-3", "ok", 3000, 3));
  stored3 = store (history, "acc", other);
  g_assert_cmpuint (stored3->len, ==, 1);

  page = load_page (history, "acc", "me", NULL);
  g_assert_cmpuint (page->len, ==, 2);
  for (guint i = 0; i < page->len; i++)
    g_assert_true (mimp_chat_message_get_outgoing (page->pdata[i]));
}

static void
test_paging (void)
{
  g_autofree char *dir = test_make_tmpdir ();
  g_autofree char *path = test_history_path (dir);
  g_autoptr (MimpHistory) history = mimp_history_new (path);
  g_autoptr (GPtrArray) messages = make_messages ("bob", 0, 120, 5000);
  g_autoptr (GPtrArray) stored = NULL;
  g_autoptr (GPtrArray) noise = make_messages ("carol", 1000, 10, 5000);
  g_autoptr (GPtrArray) noise_stored = NULL;
  g_autoptr (GPtrArray) page1 = NULL;
  g_autoptr (GPtrArray) page2 = NULL;
  g_autoptr (GPtrArray) page3 = NULL;
  g_autoptr (GPtrArray) page4 = NULL;

  /* Same timestamp for two messages: the row id breaks the tie. */
  ((MimpIncoming *) messages->pdata[60])->timestamp =
      ((MimpIncoming *) messages->pdata[59])->timestamp;
  stored = store (history, "acc", messages);
  noise_stored = store (history, "acc", noise);

  page1 = load_page (history, "acc", "bob", NULL);
  g_assert_cmpuint (page1->len, ==, 50);
  g_assert_cmpstr (mimp_chat_message_get_text (page1->pdata[0]), ==, "message 70");
  g_assert_cmpstr (mimp_chat_message_get_text (page1->pdata[49]), ==, "message 119");

  page2 = load_page (history, "acc", "bob", page1->pdata[0]);
  g_assert_cmpuint (page2->len, ==, 50);
  g_assert_cmpstr (mimp_chat_message_get_text (page2->pdata[0]), ==, "message 20");
  g_assert_cmpstr (mimp_chat_message_get_text (page2->pdata[49]), ==, "message 69");

  page3 = load_page (history, "acc", "bob", page2->pdata[0]);
  g_assert_cmpuint (page3->len, ==, 20);
  g_assert_cmpstr (mimp_chat_message_get_text (page3->pdata[0]), ==, "message 0");

  page4 = load_page (history, "acc", "bob", page3->pdata[0]);
  g_assert_cmpuint (page4->len, ==, 0);
}

static void
test_outbox_states (void)
{
  g_autofree char *dir = test_make_tmpdir ();
  g_autofree char *path = test_history_path (dir);
  g_autoptr (MimpHistory) history = mimp_history_new (path);
  g_autoptr (MimpChatMessage) a = NULL;
  g_autoptr (MimpChatMessage) b = NULL;
  g_autoptr (MimpChatMessage) c = NULL;
  g_autoptr (MimpChatMessage) sent = NULL;
  g_autoptr (MimpChatMessage) failed = NULL;
  g_autoptr (MimpChatMessage) retried = NULL;
  g_autoptr (GPtrArray) outbox = NULL;
  g_autoptr (GPtrArray) outbox2 = NULL;
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;

  a = add_outgoing (history, "acc", "bob", "cid-a", "first");
  b = add_outgoing (history, "acc", "bob", "cid-b", "second");
  c = add_outgoing (history, "acc", "carol", "cid-c", "third");
  g_assert_cmpint (mimp_chat_message_get_state (a), ==, MIMP_MESSAGE_STATE_PENDING);
  g_assert_true (mimp_chat_message_get_outgoing (a));

  outbox = list_outbox (history, "acc");
  g_assert_cmpuint (outbox->len, ==, 3);
  g_assert_cmpstr (mimp_chat_message_get_client_id (outbox->pdata[0]), ==, "cid-a");
  g_assert_cmpstr (mimp_chat_message_get_client_id (outbox->pdata[2]), ==, "cid-c");

  sent = set_state (history, "acc", "cid-a", MIMP_MESSAGE_STATE_SENT, "srv-9", NULL);
  g_assert_cmpint (mimp_chat_message_get_state (sent), ==, MIMP_MESSAGE_STATE_SENT);
  g_assert_cmpstr (mimp_chat_message_get_server_id (sent), ==, "srv-9");
  failed = set_state (history, "acc", "cid-b", MIMP_MESSAGE_STATE_FAILED, NULL, "No such user");
  g_assert_cmpstr (mimp_chat_message_get_error (failed), ==, "No such user");

  outbox2 = list_outbox (history, "acc");
  g_assert_cmpuint (outbox2->len, ==, 1);
  g_assert_cmpstr (mimp_chat_message_get_client_id (outbox2->pdata[0]), ==, "cid-c");

  /* Retry: back to pending, error cleared. */
  retried = set_state (history, "acc", "cid-b", MIMP_MESSAGE_STATE_PENDING, NULL, NULL);
  g_assert_null (mimp_chat_message_get_error (retried));

  /* A client id is stored once. */
  mimp_history_add_outgoing_async (history, "acc", "mimp", "bob", "cid-a", "dup", 1, NULL,
                                   test_store_result, &result);
  g_assert_null (
      mimp_history_add_outgoing_finish (history, test_wait_result (&result, 30), &error));
  g_assert_error (error, MIMP_HISTORY_ERROR, MIMP_HISTORY_ERROR_FAILED);
  g_clear_error (&error);
  g_clear_object (&result);

  /* An unknown client id is reported. */
  mimp_history_set_state_async (history, "acc", "nope", MIMP_MESSAGE_STATE_SENT, NULL, NULL, NULL,
                                test_store_result, &result);
  g_assert_null (mimp_history_set_state_finish (history, test_wait_result (&result, 30), &error));
  g_assert_error (error, MIMP_HISTORY_ERROR, MIMP_HISTORY_ERROR_NOT_FOUND);
}

/* The child stores outgoing messages and dies without closing anything,
 * right after being told they are stored; the parent finds them pending. */
static char *
crash_db_path (int parent_pid)
{
  g_autofree char *name = g_strdup_printf ("mimp-test-crash-%d.db", parent_pid);
  return g_build_filename (g_get_tmp_dir (), name, NULL);
}

static void
test_outbox_crash (void)
{
  g_autofree char *path = NULL;

  if (g_test_subprocess ())
    {
      g_autofree char *child_path = crash_db_path (getppid ());
      MimpHistory *history = mimp_history_new (child_path);

      for (int i = 0; i < 5; i++)
        {
          g_autofree char *cid = g_strdup_printf ("crash-%d", i);
          g_autoptr (MimpChatMessage) row = add_outgoing (history, "acc", "bob", cid, "text");
          g_assert_nonnull (row);
        }
      /* Acknowledged as stored: now crash hard. */
      _exit (3);
    }

  path = crash_db_path (getpid ());
  g_test_trap_subprocess (NULL, 60 * G_USEC_PER_SEC, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_failed ();

  {
    g_autoptr (MimpHistory) history = mimp_history_new (path);
    g_autoptr (GPtrArray) outbox = list_outbox (history, "acc");

    g_assert_cmpuint (outbox->len, ==, 5);
    for (guint i = 0; i < outbox->len; i++)
      {
        g_autofree char *cid = g_strdup_printf ("crash-%u", i);
        g_assert_cmpstr (mimp_chat_message_get_client_id (outbox->pdata[i]), ==, cid);
      }
  }
  for (const char *suffix = ""; suffix != NULL; suffix = g_str_equal (suffix, "")       ? "-wal"
                                                         : g_str_equal (suffix, "-wal") ? "-shm"
                                                                                        : NULL)
    {
      g_autofree char *file = g_strconcat (path, suffix, NULL);
      g_unlink (file);
    }
}

static gint64
time_newest_page (MimpHistory *history, const char *peer, guint expect)
{
  gint64 best = G_MAXINT64;

  for (int round = 0; round < 5; round++)
    {
      gint64 start = g_get_monotonic_time ();
      g_autoptr (GPtrArray) page = load_page (history, "acc", peer, NULL);
      g_autoptr (GPtrArray) older = NULL;

      g_assert_cmpuint (page->len, ==, expect);
      older = load_page (history, "acc", peer, page->pdata[0]);
      best = MIN (best, g_get_monotonic_time () - start);
    }
  return best;
}

static void
test_million (void)
{
  g_autofree char *dir = test_make_tmpdir ();
  g_autofree char *path = test_history_path (dir);
  g_autoptr (GError) error = NULL;
  g_autoptr (GAsyncResult) result = NULL;
  g_autofree char *plan = NULL;
  gint64 big;
  gint64 small;

  {
    g_autoptr (MimpHistory) history = mimp_history_new (path);
    g_assert_cmpint (get_version (history, &error), >, 0);
  }

  test_exec_sql (
      path, "BEGIN;"
            "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < 1000000) "
            "INSERT INTO messages (account, peer, direction, server_id, text, timestamp, "
            "state) SELECT 'acc', 'big', x % 2, 's' || x, 'message number ' || x, "
            "1600000000000 + x * 1000, 1 FROM n;"
            "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < 10) "
            "INSERT INTO messages (account, peer, direction, server_id, text, timestamp, "
            "state) SELECT 'acc', 'small', 0, 't' || x, 'hi ' || x, 1600000000000 + x, 1 "
            "FROM n;"
            "INSERT INTO chats (account, peer, last_activity) VALUES ('acc', 'big', 1), "
            "('acc', 'small', 2);"
            "COMMIT;");

  {
    g_autoptr (MimpHistory) history = mimp_history_new (path);

    mimp_history_explain_page_async (history, NULL, test_store_result, &result);
    plan = mimp_history_explain_page_finish (history, test_wait_result (&result, 30), &error);
    g_assert_no_error (error);
    g_test_message ("page query plan: %s", plan);
    g_assert_nonnull (strstr (plan, "messages_chat"));
    g_assert_null (strstr (plan, "TEMP B-TREE"));

    big = time_newest_page (history, "big", 50);
    small = time_newest_page (history, "small", 10);
    g_test_message ("newest page + one older page: 1,000,000 messages %" G_GINT64_FORMAT
                    " µs, 10 messages %" G_GINT64_FORMAT " µs",
                    big, small);
    /* Both are a few hundred µs; allow for a loaded machine. */
    g_assert_cmpint (big, <, MAX (small * 10, 50000));
  }
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/history/fresh", test_fresh);
  g_test_add_func ("/history/migrate-v1", test_migrate_v1);
  g_test_add_func ("/history/migrate-v2", test_migrate_v2);
  g_test_add_func ("/history/room-sender", test_room_sender);
  g_test_add_func ("/history/too-new", test_too_new);
  g_test_add_func ("/history/broken-migration-rolls-back", test_broken_migration_rolls_back);
  g_test_add_func ("/history/dedupe-and-unread", test_dedupe_and_unread);
  g_test_add_func ("/history/private-chats", test_private_chats);
  g_test_add_func ("/history/own-echo", test_own_echo);
  g_test_add_func ("/history/paging", test_paging);
  g_test_add_func ("/history/outbox-states", test_outbox_states);
  g_test_add_func ("/history/outbox-crash", test_outbox_crash);
  g_test_add_func ("/history/million", test_million);

  return g_test_run ();
}
