/* test-store.c - the SQLite store and its in-memory index of sent ids
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include <glib/gstdio.h>
#include <sqlite3.h>

#include "mimpd-sent-index.h"
#include "mimpd-store-sqlite.h"
#include "mimpd-store.h"

static void
remove_db (const char *dir, const char *path)
{
  for (guint i = 0; i < 3; i++)
    {
      g_autofree char *f = g_strconcat (path, (const char *[]){ "", "-wal", "-shm" }[i], NULL);

      g_remove (f);
    }
  g_rmdir (dir);
}

static void
test_index_collisions (void)
{
  g_autoptr (MimpdSentIndex) index = mimpd_sent_index_new ();
  gsize cursor = 0;
  gint64 got[3] = { 0 };

  /* Several rowids under one hash come back, one per call, then 0. */
  for (gint64 r = 1; r <= 3; r++)
    mimpd_sent_index_add (index, 42, r);
  for (guint i = 0; i < 3; i++)
    got[i] = mimpd_sent_index_next (index, 42, &cursor);
  g_assert_cmpint (got[0] + got[1] + got[2], ==, 6);
  g_assert_cmpint (mimpd_sent_index_next (index, 42, &cursor), ==, 0);

  mimpd_sent_index_remove (index, 42, 2);
  cursor = 0;
  g_assert_cmpint (mimpd_sent_index_next (index, 42, &cursor), !=, 2);
  g_assert_cmpint (mimpd_sent_index_next (index, 42, &cursor), !=, 2);
  g_assert_cmpint (mimpd_sent_index_next (index, 42, &cursor), ==, 0);
  g_assert_cmpuint (mimpd_sent_index_size (index), ==, 2);
}

static void
test_index_grow_and_expire (void)
{
  g_autoptr (MimpdSentIndex) index = mimpd_sent_index_new ();
  const gint64 n = 100000;

  for (gint64 r = 1; r <= n; r++)
    mimpd_sent_index_add (index, (guint64) r * G_GUINT64_CONSTANT (0x9e3779b97f4a7c15), r);
  g_assert_cmpuint (mimpd_sent_index_size (index), ==, n);
  for (gint64 r = 1; r <= n; r += 997)
    {
      gsize cursor = 0;

      g_assert_cmpint (mimpd_sent_index_next (
                           index, (guint64) r * G_GUINT64_CONSTANT (0x9e3779b97f4a7c15), &cursor),
                       ==, r);
    }
  mimpd_sent_index_drop_before (index, n - 9);
  g_assert_cmpuint (mimpd_sent_index_size (index), ==, 10);
  for (gint64 r = 1; r <= n; r++)
    {
      gsize cursor = 0;
      gint64 found = mimpd_sent_index_next (
          index, (guint64) r * G_GUINT64_CONSTANT (0x9e3779b97f4a7c15), &cursor);

      g_assert_cmpint (found, ==, r > n - 10 ? r : 0);
    }
}

/* Rowids far from 1, and spans past what a slot's 32 bits hold. */
static void
test_index_far_rowids (void)
{
  g_autoptr (MimpdSentIndex) index = mimpd_sent_index_new ();
  const gint64 far = G_GINT64_CONSTANT (1) << 40;
  gsize cursor = 0;

  for (gint64 r = far; r < far + 1000; r++)
    mimpd_sent_index_add (index, (guint64) r * G_GUINT64_CONSTANT (0x9e3779b97f4a7c15), r);
  for (gint64 r = far; r < far + 1000; r += 7)
    {
      cursor = 0;
      g_assert_cmpint (mimpd_sent_index_next (
                           index, (guint64) r * G_GUINT64_CONSTANT (0x9e3779b97f4a7c15), &cursor),
                       ==, r);
    }
  /* An older one still fits below them. */
  mimpd_sent_index_add (index, 7, far - 5);
  cursor = 0;
  g_assert_cmpint (mimpd_sent_index_next (index, 7, &cursor), ==, far - 5);
  /* One more than 2^32 - 2 rowids past the oldest: the oldest are
   * forgotten, the newest kept. */
  mimpd_sent_index_add (index, 8, far + G_MAXUINT32);
  cursor = 0;
  g_assert_cmpint (mimpd_sent_index_next (index, 8, &cursor), ==, far + G_MAXUINT32);
  cursor = 0;
  g_assert_cmpint (mimpd_sent_index_next (index, 7, &cursor), ==, 0);
  cursor = 0;
  g_assert_cmpint (mimpd_sent_index_next (
                       index, (guint64) far * G_GUINT64_CONSTANT (0x9e3779b97f4a7c15), &cursor),
                   ==, 0);
  cursor = 0;
  g_assert_cmpint (
      mimpd_sent_index_next (index, (guint64) (far + 999) * G_GUINT64_CONSTANT (0x9e3779b97f4a7c15),
                             &cursor),
      ==, far + 999);
  /* Older than everything it can hold: not added. */
  mimpd_sent_index_add (index, 9, 3);
  cursor = 0;
  g_assert_cmpint (mimpd_sent_index_next (index, 9, &cursor), ==, 0);
  mimpd_sent_index_remove (index, 8, far + G_MAXUINT32);
  cursor = 0;
  g_assert_cmpint (mimpd_sent_index_next (index, 8, &cursor), ==, 0);
}

static void
add_message (MimpdStore *store, const char *id, const char *from, const char *client_id, gint64 ts)
{
  g_autoptr (GError) error = NULL;
  MimpMessage m = { 0 };

  m.id = (char *) id;
  m.from = (char *) from;
  m.to = (char *) "bob";
  m.text = (char *) "hello";
  m.timestamp = ts;
  g_assert_true (mimpd_store_message_add (store, &m, client_id, &error));
  g_assert_no_error (error);
}

static gboolean
lookup (MimpdStore *store, const char *sender, const char *client_id, const char *want_id)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *id = NULL;
  gint64 ts = 0;
  gboolean found = mimpd_store_sent_lookup (store, sender, client_id, &id, &ts, &error);

  g_assert_no_error (error);
  if (found)
    g_assert_cmpstr (id, ==, want_id);
  return found;
}

static void
test_sent_rollback_and_expire (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (MimpdStore) store = mimpd_store_open (":memory:", FALSE, &error);

  g_assert_no_error (error);
  g_assert_true (mimpd_store_begin (store, &error));
  add_message (store, "m1", "alice", "c1", 1000);
  g_assert_true (lookup (store, "alice", "c1", "m1"));
  g_assert_true (mimpd_store_commit (store, &error));

  /* A rolled-back send is forgotten by the index too. */
  g_assert_true (mimpd_store_begin (store, &error));
  add_message (store, "m2", "alice", "c2", 2000);
  g_assert_true (lookup (store, "alice", "c2", "m2"));
  mimpd_store_rollback (store);
  g_assert_false (lookup (store, "alice", "c2", NULL));

  /* The pair is the key: another sender, or the halves moved, is not it. */
  g_assert_false (lookup (store, "bob", "c1", NULL));
  g_assert_false (lookup (store, "alic", "ec1", NULL));

  g_assert_true (mimpd_store_begin (store, &error));
  add_message (store, "m3", "alice", "c3", 3000);
  g_assert_true (mimpd_store_commit (store, &error));

  /* Expiry removes records older than the cut, in the table and the index. */
  g_assert_true (mimpd_store_begin (store, &error));
  g_assert_true (mimpd_store_expire (store, 2500, &error));
  /* The transaction sees its own deletion; the index forgets at the commit. */
  g_assert_false (lookup (store, "alice", "c1", NULL));
  g_assert_true (mimpd_store_commit (store, &error));
  g_assert_false (lookup (store, "alice", "c1", NULL));
  g_assert_true (lookup (store, "alice", "c3", "m3"));

  /* The newest record stays even when it is old (see the next test). */
  g_assert_true (mimpd_store_expire (store, 10000, &error));
  g_assert_true (lookup (store, "alice", "c3", "m3"));
  g_assert_no_error (error);
}

static MimpdStore *
open_file_store (char **dir, char **path)
{
  g_autoptr (GError) error = NULL;
  MimpdStore *store;

  *dir = g_dir_make_tmp ("mimpd-store-XXXXXX", &error);
  g_assert_no_error (error);
  *path = g_build_filename (*dir, "store.db", NULL);
  store = mimpd_store_open (*path, FALSE, &error);
  g_assert_no_error (error);
  return store;
}

static void
test_sent_expire_edges (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *path = NULL;
  g_autoptr (MimpdStore) store = open_file_store (&dir, &path);

  g_assert_true (mimpd_store_begin (store, &error));
  add_message (store, "m1", "alice", "c1", 1000);
  g_assert_true (mimpd_store_commit (store, &error));

  /* Everything expired, then a send in the same group: its record, taking
   * the next rowid, must not be forgotten with the expired ones. */
  g_assert_true (mimpd_store_begin (store, &error));
  g_assert_true (mimpd_store_expire (store, 5000, &error));
  add_message (store, "m2", "alice", "c2", 6000);
  g_assert_true (mimpd_store_commit (store, &error));
  g_assert_true (lookup (store, "alice", "c2", "m2"));

  /* A record stamped far in the future (the clock went back since) does
   * not hold back the expiry of the ones after it. */
  add_message (store, "m3", "alice", "c3", G_GINT64_CONSTANT (1000000000000));
  add_message (store, "m4", "alice", "c4", 7000);
  g_assert_true (mimpd_store_expire (store, 6500, &error));
  g_assert_false (lookup (store, "alice", "c2", NULL));
  g_assert_false (lookup (store, "alice", "c3", NULL));
  g_assert_true (lookup (store, "alice", "c4", "m4"));
  g_assert_no_error (error);
  g_clear_pointer (&store, mimpd_store_free);
  remove_db (dir, path);
}

/* A flood of sends with ids: the records (and their index) stay bounded,
 * the oldest going first. */
static void
test_sent_bounded (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (MimpdStore) store = mimpd_store_open (":memory:", FALSE, &error);

  mimpd_store_sqlite_set_sent_max (store, 16);
  for (guint i = 0; i < 40; i++)
    {
      g_autofree char *id = g_strdup_printf ("m%u", i);
      g_autofree char *client_id = g_strdup_printf ("c%u", i);

      add_message (store, id, "alice", client_id, 1000 + i);
      /* Once past the bound, only the newest are kept. */
      if (i == 39)
        for (guint j = 0; j < 40; j++)
          {
            g_autofree char *want = g_strdup_printf ("m%u", j);
            g_autofree char *cid = g_strdup_printf ("c%u", j);

            g_assert_cmpint (lookup (store, "alice", cid, want), ==, j >= 24);
          }
    }
}

/* Past the bound inside one busy group: the group's own records all stay,
 * and older ones go at most once per group. */
static void
test_sent_bounded_in_group (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (MimpdStore) store = mimpd_store_open (":memory:", FALSE, &error);

  mimpd_store_sqlite_set_sent_max (store, 160);
  for (guint i = 0; i < 160; i++)
    {
      g_autofree char *id = g_strdup_printf ("old%u", i);

      add_message (store, id, "alice", id, 1000 + i);
    }
  g_assert_true (mimpd_store_begin (store, &error));
  for (guint i = 0; i < 40; i++)
    {
      g_autofree char *id = g_strdup_printf ("new%u", i);

      add_message (store, id, "alice", id, 2000 + i);
    }
  g_assert_true (mimpd_store_commit (store, &error));
  for (guint i = 0; i < 40; i++)
    {
      g_autofree char *id = g_strdup_printf ("new%u", i);

      g_assert_true (lookup (store, "alice", id, id));
    }
  /* A sixteenth of the bound went, once: old0..old9 (not more). */
  g_assert_false (lookup (store, "alice", "old9", NULL));
  g_assert_true (lookup (store, "alice", "old10", "old10"));
  g_assert_true (lookup (store, "alice", "old159", "old159"));
}

static void
exec_sql (const char *path, const char *sql)
{
  sqlite3 *db = NULL;

  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db, sql, NULL, NULL, NULL), ==, SQLITE_OK);
  sqlite3_close (db);
}

/* A send that fails half way leaves nothing: no message, no record that a
 * retry would find; and the group goes on. */
static void
test_message_add_all_or_nothing (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *path = NULL;
  g_autoptr (MimpdStore) store = open_file_store (&dir, &path);
  g_autoptr (GPtrArray) waiting = NULL;
  MimpMessage m = { 0 };

  exec_sql (path, "CREATE TRIGGER fail_message BEFORE INSERT ON messages WHEN NEW.text = 'boom'"
                  " BEGIN SELECT RAISE(ABORT, 'injected'); END;"
                  "CREATE TRIGGER fail_sent BEFORE INSERT ON sent WHEN NEW.client_id = 'cs'"
                  " BEGIN SELECT RAISE(ABORT, 'injected'); END;");
  m.from = (char *) "alice";
  m.to = (char *) "bob";
  m.timestamp = 1000;
  g_assert_true (mimpd_store_begin (store, &error));

  /* The message fails after its record was written: the record goes too. */
  m.id = (char *) "m-boom";
  m.text = (char *) "boom";
  g_assert_false (mimpd_store_message_add (store, &m, "cb", &error));
  g_assert_nonnull (error);
  g_clear_error (&error);
  g_assert_false (lookup (store, "alice", "cb", NULL));

  /* The record fails: no message. */
  m.id = (char *) "m-cs";
  m.text = (char *) "fine";
  g_assert_false (mimpd_store_message_add (store, &m, "cs", &error));
  g_clear_error (&error);

  add_message (store, "m-ok", "alice", "ok", 1000);
  g_assert_true (mimpd_store_commit (store, &error));
  waiting = mimpd_store_messages_fetch (store, "bob", 10, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (waiting->len, ==, 1);
  g_assert_cmpstr (((MimpMessage *) waiting->pdata[0])->id, ==, "m-ok");
  g_assert_false (lookup (store, "alice", "cb", NULL));
  g_assert_false (lookup (store, "alice", "cs", NULL));
  g_assert_true (lookup (store, "alice", "ok", "m-ok"));
  g_clear_pointer (&store, mimpd_store_free);
  remove_db (dir, path);
}

/* When SQLite rolls the whole transaction back by itself (here a trigger's
 * RAISE(ROLLBACK); in life SQLITE_FULL or IOERR), nothing more is written in
 * that group and its commit fails: writes must not commit on their own. */
static void
test_transaction_rolled_back_by_sqlite (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *path = NULL;
  g_autoptr (MimpdStore) store = open_file_store (&dir, &path);
  g_autoptr (GPtrArray) waiting = NULL;
  MimpMessage m = { 0 };

  exec_sql (path, "CREATE TRIGGER roll_back BEFORE INSERT ON messages WHEN NEW.text = 'gone'"
                  " BEGIN SELECT RAISE(ROLLBACK, 'injected'); END;");
  g_assert_true (mimpd_store_begin (store, &error));
  add_message (store, "m1", "alice", "c1", 1000);
  m.id = (char *) "m2";
  m.from = (char *) "alice";
  m.to = (char *) "bob";
  m.text = (char *) "gone";
  g_assert_false (mimpd_store_message_add (store, &m, "c2", &error));
  g_clear_error (&error);

  m.id = (char *) "m3";
  m.text = (char *) "after";
  g_assert_false (mimpd_store_message_add (store, &m, "c3", &error));
  g_clear_error (&error);
  g_assert_false (mimpd_store_messages_drop (store, "bob", 100, &error));
  g_clear_error (&error);
  g_assert_false (mimpd_store_commit (store, &error));
  g_clear_error (&error);

  waiting = mimpd_store_messages_fetch (store, "bob", 10, &error);
  g_assert_cmpuint (waiting->len, ==, 0);
  g_assert_false (lookup (store, "alice", "c1", NULL));
  g_assert_false (lookup (store, "alice", "c3", NULL));

  /* The next group works. */
  add_message (store, "m4", "alice", "c4", 1000);
  g_assert_true (lookup (store, "alice", "c4", "m4"));
  g_clear_pointer (&store, mimpd_store_free);
  remove_db (dir, path);
}

static gboolean
user_exists (MimpdStore *store, const char *name)
{
  g_autoptr (GError) error = NULL;
  gboolean exists = (gboolean) -1;

  g_assert_true (mimpd_store_user_exists (store, name, &exists, &error));
  g_assert_no_error (error);
  g_assert_true (exists == TRUE || exists == FALSE);
  return exists;
}

/* The recipient check answers from memory, as the users table does now:
 * after this connection's changes, another process's (`mimpd user`, here a
 * second store and plain SQL), inside and outside a group, and after a
 * rollback. */
static void
test_user_exists (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *path = NULL;
  g_autoptr (MimpdStore) store = open_file_store (&dir, &path);
  g_autoptr (MimpdStore) other = mimpd_store_open (path, FALSE, &error);

  g_assert_no_error (error);
  g_assert_false (user_exists (store, "bob"));
  g_assert_true (mimpd_store_user_add (store, "bob", "x", &error));
  g_assert_true (user_exists (store, "bob"));
  g_assert_false (user_exists (store, "carol"));

  /* Another process adds one, outside and then inside a group. */
  g_assert_true (mimpd_store_user_add (other, "carol", "x", &error));
  g_assert_true (user_exists (store, "carol"));
  g_assert_true (mimpd_store_user_add (other, "dave", "x", &error));
  g_assert_true (mimpd_store_begin (store, &error));
  g_assert_true (user_exists (store, "dave"));
  g_assert_true (user_exists (store, "bob"));
  mimpd_store_rollback (store);

  /* ... and removes them; the next group sees it at once. */
  g_assert_true (mimpd_store_user_remove (other, "carol", &error));
  g_assert_true (mimpd_store_begin (store, &error));
  g_assert_false (user_exists (store, "carol"));
  g_assert_true (mimpd_store_commit (store, &error));
  exec_sql (path, "DELETE FROM users WHERE name = 'dave'");
  g_assert_false (user_exists (store, "dave"));
  g_assert_true (user_exists (store, "bob"));

  /* This connection's own removal. */
  g_assert_true (mimpd_store_user_remove (store, "bob", &error));
  g_assert_false (user_exists (store, "bob"));
  g_assert_false (user_exists (other, "carol"));
  g_assert_no_error (error);

  g_clear_pointer (&other, mimpd_store_free);
  g_clear_pointer (&store, mimpd_store_free);
  remove_db (dir, path);
}

/* The schema of version 1, as mimpd 0.1 created it. */
static const char schema_v1[] =
    "CREATE TABLE users (name TEXT PRIMARY KEY NOT NULL, hash TEXT NOT NULL) WITHOUT ROWID;"
    "CREATE TABLE messages (seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE,"
    "  sender TEXT NOT NULL, recipient TEXT NOT NULL, text TEXT NOT NULL, ts INTEGER NOT NULL);"
    "CREATE INDEX messages_recipient ON messages (recipient, seq);"
    "CREATE TABLE sent (sender TEXT NOT NULL, client_id TEXT NOT NULL, msg_id TEXT NOT NULL,"
    "  ts INTEGER NOT NULL, PRIMARY KEY (sender, client_id)) WITHOUT ROWID;"
    "CREATE INDEX sent_ts ON sent (ts);"
    "INSERT INTO users VALUES ('bob', 'x');"
    "INSERT INTO messages VALUES (7, 'old', 'alice', 'bob', 'waiting', 5);"
    /* Messages up to 20 were given, 8-20 delivered and deleted. */
    "UPDATE sqlite_sequence SET seq = 20 WHERE name = 'messages';"
    "INSERT INTO sent VALUES ('alice', 'late', 'm-late', 900), ('alice', 'early', 'm-early', 100);"
    "PRAGMA user_version = 1;";

static void
test_migrate_v1 (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("mimpd-store-XXXXXX", &error);
  g_autofree char *path = g_build_filename (dir, "v1.db", NULL);
  g_autoptr (MimpdStore) store = NULL;
  g_autoptr (GPtrArray) waiting = NULL;
  MimpMessage m = { 0 };
  sqlite3 *db = NULL;

  g_assert_no_error (error);
  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db, schema_v1, NULL, NULL, NULL), ==, SQLITE_OK);
  sqlite3_close (db);

  store = mimpd_store_open (path, FALSE, &error);
  g_assert_no_error (error);
  g_assert_true (lookup (store, "alice", "late", "m-late"));
  g_assert_true (lookup (store, "alice", "early", "m-early"));
  waiting = mimpd_store_messages_fetch (store, "bob", 10, &error);
  g_assert_cmpuint (waiting->len, ==, 1);
  g_assert_cmpint (((MimpMessage *) waiting->pdata[0])->seq, ==, 7);

  /* Sequence numbers go on after the highest ever given (not after the
   * highest waiting); expiry keeps time order. */
  m.id = (char *) "new";
  m.from = (char *) "alice";
  m.to = (char *) "bob";
  m.text = (char *) "hi";
  m.timestamp = 1000;
  g_assert_true (mimpd_store_message_add (store, &m, "newer", &error));
  g_assert_cmpint (m.seq, ==, 21);
  g_assert_true (mimpd_store_expire (store, 500, &error));
  g_assert_false (lookup (store, "alice", "early", NULL));
  g_assert_true (lookup (store, "alice", "late", "m-late"));
  g_assert_true (lookup (store, "alice", "newer", "new"));
  g_clear_pointer (&store, mimpd_store_free);

  /* Opening it again is a no-op (version 5 now) and the records are there. */
  store = mimpd_store_open (path, FALSE, &error);
  g_assert_no_error (error);
  g_assert_true (lookup (store, "alice", "newer", "new"));
  g_clear_pointer (&store, mimpd_store_free);
  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  {
    sqlite3_stmt *s = NULL;

    sqlite3_prepare_v2 (db, "PRAGMA user_version", -1, &s, NULL);
    g_assert_cmpint (sqlite3_step (s), ==, SQLITE_ROW);
    g_assert_cmpint (sqlite3_column_int (s, 0), ==, 5);
    sqlite3_finalize (s);
  }
  sqlite3_close (db);
  remove_db (dir, path);
}

/* In the open group: the message's seq, or 0 when the store refused it. */
static gint64
add_in_group_to (MimpdStore *store, const char *to, const char *id, const char *text)
{
  g_autoptr (GError) error = NULL;
  MimpMessage m = { 0 };

  m.id = (char *) id;
  m.from = (char *) "alice";
  m.to = (char *) to;
  m.text = (char *) text;
  m.timestamp = 1;
  if (!mimpd_store_message_add (store, &m, NULL, &error))
    return 0;
  return m.seq;
}

static gint64
add_in_group (MimpdStore *store, const char *id, const char *text)
{
  return add_in_group_to (store, "bob", id, text);
}

/* In a group of its own. */
static gint64
add_to_bob (MimpdStore *store, const char *id)
{
  g_autoptr (GError) error = NULL;
  gint64 seq;

  g_assert_true (mimpd_store_begin (store, &error));
  seq = add_in_group (store, id, "hi");
  g_assert_cmpint (seq, >, 0);
  g_assert_true (mimpd_store_commit (store, &error));
  g_assert_no_error (error);
  return seq;
}

/* A seq is never given twice: not after every message was delivered and
 * deleted, not after a rolled-back group, not across a restart. Clients
 * acknowledge by seq, so a reused one would drop a new message unread. */
static void
test_seq_never_reused (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("mimpd-store-XXXXXX", &error);
  g_autofree char *path = g_build_filename (dir, "seq.db", NULL);
  g_autoptr (MimpdStore) store = mimpd_store_open (path, FALSE, &error);
  MimpMessage m = { 0 };
  gint64 a, b, c, d;

  g_assert_no_error (error);
  a = add_to_bob (store, "a");
  b = add_to_bob (store, "b");
  g_assert_cmpint (b, >, a);
  g_assert_true (mimpd_store_messages_drop (store, "bob", b, &error));

  /* Given in a group that rolled back: may be given again, never lower. */
  m.id = (char *) "lost";
  m.from = (char *) "alice";
  m.to = (char *) "bob";
  m.text = (char *) "x";
  g_assert_true (mimpd_store_begin (store, &error));
  g_assert_true (mimpd_store_message_add (store, &m, NULL, &error));
  g_assert_cmpint (m.seq, >, b);
  mimpd_store_rollback (store);

  c = add_to_bob (store, "c");
  g_assert_cmpint (c, >, b);
  g_assert_true (mimpd_store_messages_drop (store, "bob", c, &error));
  g_clear_pointer (&store, mimpd_store_free);

  store = mimpd_store_open (path, FALSE, &error);
  g_assert_no_error (error);
  d = add_to_bob (store, "d");
  g_assert_cmpint (d, >, c);
  g_clear_pointer (&store, mimpd_store_free);
  remove_db (dir, path);
}

/* Bob's waiting messages as "id id ...", in the order they come. */
static char *
waiting_ids (MimpdStore *store)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) waiting =
      mimpd_store_messages_fetch (store, "bob", MIMP_GU_MAX_MESSAGES + 1, &error);
  g_autoptr (GString) ids = g_string_new (NULL);

  g_assert_no_error (error);
  for (guint i = 0; i < waiting->len; i++)
    {
      MimpMessage *m = waiting->pdata[i];

      g_assert_cmpstr (m->to, ==, "bob");
      g_string_append_printf (ids, "%s%s", i > 0 ? " " : "", m->id);
    }
  return g_string_free (g_steal_pointer (&ids), FALSE);
}

#define assert_waiting(store, want)                                                                \
  G_STMT_START                                                                                     \
  {                                                                                                \
    g_autofree char *got_ = waiting_ids (store);                                                   \
    g_assert_cmpstr (got_, ==, want);                                                              \
  }                                                                                                \
  G_STMT_END

/* What a long poll reads is what the database holds: in a group, after
 * adds and drops, a rollback, a drop outside a group, many messages, another
 * process's changes, and a transaction SQLite rolled back by itself. (Any
 * copy kept in memory to save the queries must answer the same.) */
static void
test_waiting_as_stored (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *path = NULL;
  g_autoptr (MimpdStore) store = open_file_store (&dir, &path);
  g_autoptr (MimpdStore) other = NULL;
  g_autoptr (GString) many = g_string_new (NULL);
  gint64 a, b, last = 0;

  g_assert_true (mimpd_store_begin (store, &error));
  assert_waiting (store, "");
  a = add_in_group (store, "a", "hi");
  b = add_in_group (store, "b", "hi");
  assert_waiting (store, "a b");
  g_assert_true (mimpd_store_messages_drop (store, "bob", a, &error));
  assert_waiting (store, "b");
  g_assert_true (mimpd_store_commit (store, &error));

  g_assert_true (mimpd_store_begin (store, &error));
  assert_waiting (store, "b");
  g_assert_cmpint (add_in_group (store, "c", "hi"), >, b);
  assert_waiting (store, "b c");
  mimpd_store_rollback (store);
  g_assert_true (mimpd_store_begin (store, &error));
  assert_waiting (store, "b");
  g_assert_true (mimpd_store_commit (store, &error));

  /* Dropped outside a group (committed at once). */
  g_assert_true (mimpd_store_messages_drop (store, "bob", b, &error));
  g_assert_true (mimpd_store_begin (store, &error));
  assert_waiting (store, "");
  g_assert_true (mimpd_store_commit (store, &error));

  /* Another process adds, then deletes (as `mimpd user remove` does). */
  other = mimpd_store_open (path, FALSE, &error);
  g_assert_no_error (error);
  add_to_bob (other, "x");
  g_assert_true (mimpd_store_begin (store, &error));
  assert_waiting (store, "x");
  g_assert_true (mimpd_store_commit (store, &error));
  exec_sql (path, "DELETE FROM messages");
  g_assert_true (mimpd_store_begin (store, &error));
  assert_waiting (store, "");

  /* Many at once, in order. */
  for (guint i = 0; i < 100; i++)
    {
      g_autofree char *id = g_strdup_printf ("m%03u", i);

      last = add_in_group (store, id, "many");
      g_string_append_printf (many, "%s%s", i > 0 ? " " : "", id);
    }
  assert_waiting (store, many->str);
  g_assert_true (mimpd_store_commit (store, &error));
  g_assert_true (mimpd_store_begin (store, &error));
  assert_waiting (store, many->str);
  g_assert_true (mimpd_store_messages_drop (store, "bob", last, &error));
  assert_waiting (store, "");
  g_assert_true (mimpd_store_commit (store, &error));

  /* SQLite rolls the transaction back by itself: what it took back is
   * not read. */
  exec_sql (path, "CREATE TRIGGER roll_back BEFORE INSERT ON messages WHEN NEW.text = 'gone'"
                  " BEGIN SELECT RAISE(ROLLBACK, 'injected'); END;");
  g_assert_true (mimpd_store_begin (store, &error));
  assert_waiting (store, "");
  g_assert_cmpint (add_in_group (store, "y", "hi"), >, 0);
  assert_waiting (store, "y");
  g_assert_cmpint (add_in_group (store, "z", "gone"), ==, 0);
  assert_waiting (store, "");
  g_assert_false (mimpd_store_commit (store, &error));
  g_clear_error (&error);
  g_assert_true (mimpd_store_begin (store, &error));
  assert_waiting (store, "");
  g_assert_true (mimpd_store_commit (store, &error));
  g_assert_no_error (error);

  g_clear_pointer (&other, mimpd_store_free);
  g_clear_pointer (&store, mimpd_store_free);
  remove_db (dir, path);
}

/* Acknowledgements drop one recipient's messages up to a seq, and nothing
 * else: a seq of another recipient's message, one beyond the last given,
 * one below what was already dropped; in a group that rolls back, nothing;
 * after a restart, what was committed stays dropped. */
static void
test_ack_edges (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *path = NULL;
  g_autoptr (MimpdStore) store = open_file_store (&dir, &path);
  g_autoptr (GPtrArray) carol = NULL;
  gint64 b1, c1, b2, b3;

  g_assert_true (mimpd_store_begin (store, &error));
  b1 = add_in_group (store, "b1", "hi");
  c1 = add_in_group_to (store, "carol", "c1", "hi");
  b2 = add_in_group (store, "b2", "hi");
  g_assert_cmpint (b1, >, 0);
  g_assert_true (mimpd_store_commit (store, &error));

  /* Carol's seq, between Bob's two: Bob's first goes, Carol's stays. */
  g_assert_cmpint (b1, <, c1);
  g_assert_cmpint (c1, <, b2);
  g_assert_true (mimpd_store_messages_drop (store, "bob", c1, &error));
  assert_waiting (store, "b2");
  carol = mimpd_store_messages_fetch (store, "carol", 10, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (carol->len, ==, 1);

  /* Below what was dropped: nothing changes. In a group rolled back:
   * nothing is dropped. */
  g_assert_true (mimpd_store_messages_drop (store, "bob", b1, &error));
  assert_waiting (store, "b2");
  g_assert_true (mimpd_store_begin (store, &error));
  g_assert_true (mimpd_store_messages_drop (store, "bob", b2, &error));
  assert_waiting (store, "");
  mimpd_store_rollback (store);
  assert_waiting (store, "b2");

  /* Beyond the last seq given: everything waiting goes, later messages
   * come. */
  g_assert_true (mimpd_store_messages_drop (store, "bob", G_MAXINT64, &error));
  assert_waiting (store, "");
  g_assert_true (mimpd_store_begin (store, &error));
  b3 = add_in_group (store, "b3", "hi");
  g_assert_true (mimpd_store_commit (store, &error));
  g_assert_cmpint (b3, >, b2);
  assert_waiting (store, "b3");

  /* Committed drops hold after a restart. */
  g_clear_pointer (&store, mimpd_store_free);
  store = mimpd_store_open (path, FALSE, &error);
  g_assert_no_error (error);
  assert_waiting (store, "b3");
  g_clear_pointer (&carol, g_ptr_array_unref);
  carol = mimpd_store_messages_fetch (store, "carol", 10, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (carol->len, ==, 1);
  g_assert_cmpstr (((MimpMessage *) carol->pdata[0])->id, ==, "c1");
  g_clear_pointer (&store, mimpd_store_free);
  remove_db (dir, path);
}

/* Version 4's messages: a rowid table and an index on (recipient, seq). */
static const char schema_v4_messages[] =
    "CREATE TABLE users (name TEXT PRIMARY KEY NOT NULL, hash TEXT NOT NULL) WITHOUT ROWID;"
    "CREATE TABLE meta (key TEXT PRIMARY KEY NOT NULL, value INTEGER NOT NULL) WITHOUT ROWID;"
    "CREATE TABLE messages (seq INTEGER PRIMARY KEY, id TEXT NOT NULL, sender TEXT NOT NULL,"
    "  recipient TEXT NOT NULL, text TEXT NOT NULL, ts INTEGER NOT NULL);"
    "CREATE INDEX messages_recipient ON messages (recipient, seq);"
    "CREATE TABLE sent (sender TEXT NOT NULL, client_id TEXT NOT NULL, msg_id TEXT NOT NULL,"
    "  ts INTEGER NOT NULL);"
    "CREATE TABLE key_devices (user TEXT NOT NULL, device INTEGER NOT NULL, ik BLOB NOT NULL,"
    "  reg INTEGER NOT NULL, spk_id INTEGER NOT NULL, spk BLOB NOT NULL, spk_sig BLOB NOT NULL,"
    "  published INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (user, device)) WITHOUT ROWID;"
    "CREATE TABLE key_prekeys (user TEXT NOT NULL, device INTEGER NOT NULL, id INTEGER NOT NULL,"
    "  key BLOB NOT NULL, PRIMARY KEY (user, device, id)) WITHOUT ROWID;"
    "INSERT INTO messages VALUES (12, 'b12', 'alice', 'bob', 'one', 5),"
    "  (14, 'c14', 'alice', 'carol', 'two', 6), (13, 'b13', 'alice', 'bob', 'three', 7);"
    /* A saved last seq below a waiting message: the higher one wins. */
    "INSERT INTO meta VALUES ('last_seq', 10);"
    "PRAGMA user_version = 4;";

/* From version 4, the waiting messages move to the table keyed by
 * (recipient, seq), in order, each recipient's own, and seqs go on above
 * the highest ever given. */
static void
test_migrate_v4 (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *path = NULL;
  g_autoptr (MimpdStore) store = NULL;
  sqlite3 *db = NULL;

  dir = g_dir_make_tmp ("mimpd-store-XXXXXX", &error);
  g_assert_no_error (error);
  path = g_build_filename (dir, "v4.db", NULL);
  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db, schema_v4_messages, NULL, NULL, NULL), ==, SQLITE_OK);
  sqlite3_close (db);

  store = mimpd_store_open (path, FALSE, &error);
  g_assert_no_error (error);
  assert_waiting (store, "b12 b13");
  g_assert_cmpint (add_to_bob (store, "b15"), ==, 15);
  assert_waiting (store, "b12 b13 b15");
  g_assert_true (mimpd_store_messages_drop (store, "bob", 13, &error));
  assert_waiting (store, "b15");
  g_clear_pointer (&store, mimpd_store_free);

  store = mimpd_store_open (path, FALSE, &error);
  g_assert_no_error (error);
  assert_waiting (store, "b15");
  g_assert_cmpint (add_to_bob (store, "b16"), ==, 16);
  {
    g_autoptr (GPtrArray) carol = mimpd_store_messages_fetch (store, "carol", 10, &error);

    g_assert_no_error (error);
    g_assert_cmpuint (carol->len, ==, 1);
    g_assert_cmpstr (((MimpMessage *) carol->pdata[0])->text, ==, "two");
    g_assert_cmpint (((MimpMessage *) carol->pdata[0])->seq, ==, 14);
  }
  g_clear_pointer (&store, mimpd_store_free);
  remove_db (dir, path);
}

static MimpdKeyBundle *
key_bundle (guint32 device, guint8 ik_tag, guint first_pk, guint n_pk)
{
  MimpdKeyBundle *b = mimpd_key_bundle_new ();
  guint8 key[32];

  memset (key, ik_tag, sizeof key);
  b->device = device;
  b->ik = g_bytes_new (key, sizeof key);
  b->reg = 77;
  b->spk_id = 5;
  b->spk = g_bytes_new (key, 16);
  b->spk_sig = g_bytes_new (key, 8);
  for (guint i = 0; i < n_pk; i++)
    {
      MimpdPreKey pk = { first_pk + i, NULL };

      key[0] = (guint8) i;
      pk.key = g_bytes_new (key, sizeof key);
      g_array_append_val (b->prekeys, pk);
    }
  return b;
}

static gint64
keys_left (MimpdStore *store, const char *user, guint32 device)
{
  g_autoptr (GError) error = NULL;
  gint64 left = -1;

  g_assert_true (mimpd_store_keys_count (store, user, device, &left, &error));
  g_assert_no_error (error);
  return left;
}

/* The key directory: each prekey handed out once, limits all or nothing
 * (inside a group, whose other writes stay), keys go with their user. */
static void
test_keys (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *path = NULL;
  g_autoptr (MimpdStore) store = open_file_store (&dir, &path);
  g_autoptr (GPtrArray) devices = NULL;
  g_autoptr (MimpdKeyBundle) b = NULL;
  MimpdKeyBundle *got;
  gint64 left = 0;

  g_assert_true (mimpd_store_user_add (store, "bob", "$hash", &error));
  g_assert_true (mimpd_store_user_add (store, "carol", "$hash", &error));

  b = key_bundle (9, 1, 10, 3);
  g_assert_true (mimpd_store_keys_publish (store, "bob", b, &left, &error));
  g_assert_no_error (error);
  g_assert_cmpint (left, ==, 3);

  devices = mimpd_store_keys_fetch (store, "bob", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (devices->len, ==, 1);
  got = devices->pdata[0];
  g_assert_cmpuint (got->device, ==, 9);
  g_assert_cmpuint (got->reg, ==, 77);
  g_assert_cmpuint (got->spk_id, ==, 5);
  g_assert_true (g_bytes_equal (got->ik, b->ik));
  g_assert_true (g_bytes_equal (got->spk_sig, b->spk_sig));
  g_assert_cmpuint (got->prekeys->len, ==, 1);
  g_assert_cmpuint (g_array_index (got->prekeys, MimpdPreKey, 0).id, ==, 10);
  g_assert_cmpint (keys_left (store, "bob", 9), ==, 2);
  g_clear_pointer (&devices, g_ptr_array_unref);
  g_clear_pointer (&b, mimpd_key_bundle_free);

  /* Over the per-device limit, in a group: refused whole, the group's
   * other writes stay. */
  g_assert_true (mimpd_store_begin (store, &error));
  b = key_bundle (9, 1, 100, MIMPD_KEYS_MAX_PREKEYS_PER_DEVICE - 2);
  g_assert_true (mimpd_store_keys_publish (store, "bob", b, &left, &error));
  g_assert_cmpint (left, ==, MIMPD_KEYS_MAX_PREKEYS_PER_DEVICE);
  g_clear_pointer (&b, mimpd_key_bundle_free);
  b = key_bundle (9, 1, 1000, 1);
  g_assert_false (mimpd_store_keys_publish (store, "bob", b, &left, &error));
  g_assert_error (error, MIMPD_STORE_ERROR, MIMPD_STORE_ERROR_LIMIT);
  g_clear_error (&error);
  g_clear_pointer (&b, mimpd_key_bundle_free);
  g_assert_true (mimpd_store_commit (store, &error));
  g_assert_cmpint (keys_left (store, "bob", 9), ==, MIMPD_KEYS_MAX_PREKEYS_PER_DEVICE);

  /* Too many devices. */
  for (guint32 d = 1; d < MIMPD_KEYS_MAX_DEVICES; d++)
    {
      b = key_bundle (d, 2, 1, 1);
      g_assert_true (mimpd_store_keys_publish (store, "bob", b, &left, &error));
      g_clear_pointer (&b, mimpd_key_bundle_free);
    }
  b = key_bundle (100, 2, 1, 1);
  g_assert_false (mimpd_store_keys_publish (store, "bob", b, &left, &error));
  g_assert_error (error, MIMPD_STORE_ERROR, MIMPD_STORE_ERROR_LIMIT);
  g_clear_error (&error);
  g_clear_pointer (&b, mimpd_key_bundle_free);

  /* A changed identity key drops the old prekeys. */
  b = key_bundle (9, 3, 5000, 1);
  g_assert_true (mimpd_store_keys_publish (store, "bob", b, &left, &error));
  g_assert_cmpint (left, ==, 1);
  g_clear_pointer (&b, mimpd_key_bundle_free);

  /* A failure half way (a trigger on the third prekey) leaves nothing. */
  exec_sql (path, "CREATE TRIGGER fail_pk BEFORE INSERT ON key_prekeys WHEN NEW.id = 7002"
                  " BEGIN SELECT RAISE(ABORT, 'injected'); END;");
  g_assert_true (mimpd_store_begin (store, &error));
  b = key_bundle (9, 4, 7000, 5);
  g_assert_false (mimpd_store_keys_publish (store, "bob", b, &left, &error));
  g_assert_nonnull (error);
  g_clear_error (&error);
  g_clear_pointer (&b, mimpd_key_bundle_free);
  g_assert_true (mimpd_store_commit (store, &error));
  devices = mimpd_store_keys_fetch (store, "bob", &error);
  g_assert_no_error (error);
  for (guint i = 0; i < devices->len; i++)
    if (((MimpdKeyBundle *) devices->pdata[i])->device == 9)
      {
        guint8 three[32];

        memset (three, 3, sizeof three);
        got = devices->pdata[i];
        g_assert_cmpmem (g_bytes_get_data (got->ik, NULL), g_bytes_get_size (got->ik), three,
                         sizeof three);
        g_assert_cmpuint (g_array_index (got->prekeys, MimpdPreKey, 0).id, ==, 5000);
      }
  g_clear_pointer (&devices, g_ptr_array_unref);

  /* Nothing for carol; bob's keys go with bob. */
  devices = mimpd_store_keys_fetch (store, "carol", &error);
  g_assert_cmpuint (devices->len, ==, 0);
  g_clear_pointer (&devices, g_ptr_array_unref);
  g_assert_true (mimpd_store_user_remove (store, "bob", &error));
  g_assert_no_error (error);
  g_assert_cmpint (keys_left (store, "bob", 1), ==, 0);
  devices = mimpd_store_keys_fetch (store, "bob", &error);
  g_assert_cmpuint (devices->len, ==, 0);
  g_clear_pointer (&devices, g_ptr_array_unref);

  g_clear_pointer (&store, mimpd_store_free);
  remove_db (dir, path);
}

/* Push: fetching after a seq, and a read transaction that the next write
 * group ends by itself (mimpd_hub_flush reads the wake-ups in one). */
static void
test_fetch_after_and_read_transaction (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *path = NULL;
  g_autoptr (MimpdStore) store = open_file_store (&dir, &path);
  g_autoptr (GPtrArray) all = NULL;
  g_autoptr (GPtrArray) after = NULL;
  g_autoptr (GPtrArray) later = NULL;
  gint64 first;

  g_assert_true (mimpd_store_begin (store, &error));
  add_message (store, "m1", "alice", NULL, 1000);
  add_message (store, "m2", "alice", NULL, 1001);
  add_message (store, "m3", "alice", NULL, 1002);
  g_assert_true (mimpd_store_commit (store, &error));

  g_assert_true (mimpd_store_read_begin (store, &error));
  all = mimpd_store_messages_fetch_after (store, "bob", 0, 10, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (all->len, ==, 3);
  first = ((MimpMessage *) all->pdata[0])->seq;
  after = mimpd_store_messages_fetch_after (store, "bob", first, 1, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (after->len, ==, 1);
  g_assert_cmpstr (((MimpMessage *) after->pdata[0])->id, ==, "m2");

  /* A write group begun inside the read transaction ends it first. */
  g_assert_true (mimpd_store_begin (store, &error));
  g_assert_true (mimpd_store_messages_drop (store, "bob", first, &error));
  add_message (store, "m4", "alice", NULL, 1003);
  g_assert_true (mimpd_store_commit (store, &error));
  mimpd_store_read_end (store); /* already ended: nothing to do */

  later = mimpd_store_messages_fetch_after (store, "bob", first, 10, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (later->len, ==, 3);
  g_assert_cmpstr (((MimpMessage *) later->pdata[0])->id, ==, "m2");
  g_assert_cmpstr (((MimpMessage *) later->pdata[2])->id, ==, "m4");
  g_clear_pointer (&store, mimpd_store_free);
  remove_db (dir, path);
}

/* The domain is registered under its own name (clang-format once spaced
 * the hyphens of G_DEFINE_QUARK's argument). */
static void
test_error_domain (void)
{
  g_assert_cmpstr (g_quark_to_string (MIMPD_STORE_ERROR), ==, "mimpd-store-error-quark");
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/store/error-domain", test_error_domain);
  g_test_add_func ("/store/index-collisions", test_index_collisions);
  g_test_add_func ("/store/index-grow-and-expire", test_index_grow_and_expire);
  g_test_add_func ("/store/index-far-rowids", test_index_far_rowids);
  g_test_add_func ("/store/sent-rollback-and-expire", test_sent_rollback_and_expire);
  g_test_add_func ("/store/sent-expire-edges", test_sent_expire_edges);
  g_test_add_func ("/store/sent-bounded", test_sent_bounded);
  g_test_add_func ("/store/sent-bounded-in-group", test_sent_bounded_in_group);
  g_test_add_func ("/store/rolled-back-by-sqlite", test_transaction_rolled_back_by_sqlite);
  g_test_add_func ("/store/message-add-all-or-nothing", test_message_add_all_or_nothing);
  g_test_add_func ("/store/migrate-v1", test_migrate_v1);
  g_test_add_func ("/store/migrate-v4", test_migrate_v4);
  g_test_add_func ("/store/seq-never-reused", test_seq_never_reused);
  g_test_add_func ("/store/waiting-as-stored", test_waiting_as_stored);
  g_test_add_func ("/store/ack-edges", test_ack_edges);
  g_test_add_func ("/store/keys", test_keys);
  g_test_add_func ("/store/fetch-after-and-read-transaction",
                   test_fetch_after_and_read_transaction);
  g_test_add_func ("/store/user-exists", test_user_exists);
  return g_test_run ();
}
