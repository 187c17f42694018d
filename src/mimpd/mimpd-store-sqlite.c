/* mimpd-store-sqlite.c - users and waiting messages in SQLite
 *
 * WAL mode. Durability: with synchronous=NORMAL in WAL mode a committed
 * transaction is in the WAL file (written, not fsynced) when COMMIT returns,
 * so it survives the server process being killed (kill -9) but not a power
 * loss; synchronous=FULL fsyncs the WAL on every commit and survives both.
 * The server groups many sends into one commit, so FULL is affordable and is
 * the default (--sync normal lowers it).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "mimpd"

#include "config.h"

#include <sqlite3.h>

#include "mimpd-sent-index.h"
#include "mimpd-store-sqlite.h"

#define SCHEMA_VERSION 5

/* At most this many idempotency records (about 16 MiB of index, 24 while it doubles). */
#define SENT_MAX_DEFAULT 1000000

enum
{
  STMT_USER_ADD,
  STMT_USER_REMOVE,
  STMT_USER_REMOVE_MESSAGES,
  STMT_USER_SET_HASH,
  STMT_USER_GET_HASH,
  STMT_USER_LIST,
  STMT_DATA_VERSION,
  STMT_BEGIN,
  STMT_READ_BEGIN,
  STMT_COMMIT,
  STMT_ROLLBACK,
  STMT_MESSAGE_ADD,
  STMT_SENT_ADD,
  STMT_SENT_GET,
  STMT_SENT_ALL,
  STMT_EXPIRE_FIRST_KEPT,
  STMT_MESSAGES_FETCH,
  STMT_MESSAGES_DROP,
  STMT_EXPIRE,
  STMT_LAST_SEQ,
  STMT_LAST_SEQ_SAVE,
  STMT_SENT_OLDEST,
  STMT_SENT_REMOVE,
  STMT_KEYS_DEVICE_IK,
  STMT_KEYS_DEVICE_COUNT,
  STMT_KEYS_DEVICE_PUT,
  STMT_KEYS_PREKEYS_CLEAR,
  STMT_KEYS_PREKEY_PUT,
  STMT_KEYS_PREKEY_COUNT,
  STMT_KEYS_DEVICES_LIST,
  STMT_KEYS_PREKEY_FIRST,
  STMT_KEYS_PREKEY_DELETE,
  N_STMTS
};

static const char *const stmt_sql[N_STMTS] = {
  [STMT_USER_ADD] = "INSERT INTO users (name, hash) VALUES (?1, ?2)",
  [STMT_USER_REMOVE] = "DELETE FROM users WHERE name = ?1",
  [STMT_USER_REMOVE_MESSAGES] = "DELETE FROM messages WHERE recipient = ?1",
  [STMT_USER_SET_HASH] = "UPDATE users SET hash = ?2 WHERE name = ?1",
  [STMT_USER_GET_HASH] = "SELECT hash FROM users WHERE name = ?1",
  [STMT_USER_LIST] = "SELECT name FROM users ORDER BY name",
  [STMT_DATA_VERSION] = "PRAGMA data_version",
  [STMT_BEGIN] = "BEGIN IMMEDIATE",
  [STMT_READ_BEGIN] = "BEGIN DEFERRED",
  [STMT_COMMIT] = "COMMIT",
  [STMT_ROLLBACK] = "ROLLBACK",
  [STMT_MESSAGE_ADD] = "INSERT INTO messages (seq, id, sender, recipient, text, ts) "
                       "VALUES (?6, ?1, ?2, ?3, ?4, ?5)",
  [STMT_SENT_ADD] = "INSERT INTO sent (sender, client_id, msg_id, ts) VALUES (?1, ?2, ?3, ?4)",
  [STMT_SENT_GET] = "SELECT sender, client_id, msg_id, ts FROM sent WHERE rowid = ?1",
  [STMT_SENT_ALL] = "SELECT rowid, sender, client_id FROM sent",
  /* Rows are appended in time order: expiry cuts the front of the table. */
  /* The first row young enough to keep, stopping at most at the newest row:
   * rowids are not AUTOINCREMENT, and a row inserted after an emptied table
   * would take a rowid the index is about to forget. A row stamped more than
   * a day in the future (the clock went back) is not taken as young. */
  [STMT_EXPIRE_FIRST_KEPT] = "SELECT coalesce((SELECT rowid FROM sent WHERE ts >= ?1 AND "
                             "ts <= ?1 + 8 * 86400000 ORDER BY rowid LIMIT 1), "
                             "(SELECT max(rowid) FROM sent), 0)",
  [STMT_SENT_OLDEST] = "SELECT coalesce(min(rowid), 0) FROM sent",
  [STMT_SENT_REMOVE] = "DELETE FROM sent WHERE rowid = ?1",
  [STMT_MESSAGES_FETCH] = "SELECT seq, id, sender, text, ts FROM messages "
                          "WHERE recipient = ?1 AND seq > ?3 ORDER BY seq LIMIT ?2",
  [STMT_MESSAGES_DROP] = "DELETE FROM messages WHERE recipient = ?1 AND seq <= ?2",
  [STMT_EXPIRE] = "DELETE FROM sent WHERE rowid < ?1",
  /* The highest seq ever given, saved with every commit that gave one.
   * Read under the write lock. */
  [STMT_LAST_SEQ] = "SELECT coalesce((SELECT value FROM meta WHERE key = 'last_seq'), 0)",
  [STMT_LAST_SEQ_SAVE] = "INSERT INTO meta (key, value) VALUES ('last_seq', ?1) "
                         "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
  [STMT_KEYS_DEVICE_IK] = "SELECT ik FROM key_devices WHERE user = ?1 AND device = ?2",
  [STMT_KEYS_DEVICE_COUNT] = "SELECT count(*) FROM key_devices WHERE user = ?1",
  /* An upsert, not INSERT OR REPLACE: a replaced row would cascade to the
   * device's one-time prekeys.
   * `published` orders a user's devices newest publish first: a fetch lists
   * the device in use before one left behind by a reinstall.
   */
  [STMT_KEYS_DEVICE_PUT] =
      "INSERT INTO key_devices (user, device, ik, reg, spk_id, spk, spk_sig, published) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, "
      "(SELECT coalesce (max (published), 0) + 1 FROM key_devices WHERE user = ?1)) "
      "ON CONFLICT (user, device) DO UPDATE SET ik = excluded.ik, "
      "reg = excluded.reg, spk_id = excluded.spk_id, spk = excluded.spk, "
      "spk_sig = excluded.spk_sig, published = excluded.published",
  [STMT_KEYS_PREKEYS_CLEAR] = "DELETE FROM key_prekeys WHERE user = ?1 AND device = ?2",
  [STMT_KEYS_PREKEY_PUT] = "INSERT OR REPLACE INTO key_prekeys (user, device, id, key) "
                           "VALUES (?1, ?2, ?3, ?4)",
  [STMT_KEYS_PREKEY_COUNT] = "SELECT count(*) FROM key_prekeys WHERE user = ?1 AND device = ?2",
  [STMT_KEYS_DEVICES_LIST] = "SELECT device, ik, reg, spk_id, spk, spk_sig FROM key_devices "
                             "WHERE user = ?1 ORDER BY published DESC, device",
  [STMT_KEYS_PREKEY_FIRST] = "SELECT id, key FROM key_prekeys WHERE user = ?1 AND device = ?2 "
                             "ORDER BY id LIMIT 1",
  [STMT_KEYS_PREKEY_DELETE] = "DELETE FROM key_prekeys WHERE user = ?1 AND device = ?2 AND id = ?3",
};

static const char schema_v1[] = "CREATE TABLE users ("
                                "  name TEXT PRIMARY KEY NOT NULL,"
                                "  hash TEXT NOT NULL"
                                ") WITHOUT ROWID;"
                                "CREATE TABLE messages ("
                                "  seq INTEGER PRIMARY KEY AUTOINCREMENT,"
                                "  id TEXT NOT NULL UNIQUE,"
                                "  sender TEXT NOT NULL,"
                                "  recipient TEXT NOT NULL,"
                                "  text TEXT NOT NULL,"
                                "  ts INTEGER NOT NULL"
                                ");"
                                "CREATE INDEX messages_recipient ON messages (recipient, seq);"
                                "CREATE TABLE sent ("
                                "  sender TEXT NOT NULL,"
                                "  client_id TEXT NOT NULL,"
                                "  msg_id TEXT NOT NULL,"
                                "  ts INTEGER NOT NULL,"
                                "  PRIMARY KEY (sender, client_id)"
                                ") WITHOUT ROWID;"
                                "CREATE INDEX sent_ts ON sent (ts);";

/* The idempotency records lose their B-tree keyed by random ids (one dirty
 * page per send) and become an append-only rowid table, looked up through
 * MimpdSentIndex. Rows are copied in time order. */
static const char schema_v2[] = "CREATE TABLE sent_v2 ("
                                "  sender TEXT NOT NULL,"
                                "  client_id TEXT NOT NULL,"
                                "  msg_id TEXT NOT NULL,"
                                "  ts INTEGER NOT NULL"
                                ");"
                                "INSERT INTO sent_v2 (sender, client_id, msg_id, ts)"
                                "  SELECT sender, client_id, msg_id, ts FROM sent ORDER BY ts;"
                                "DROP TABLE sent;"
                                "ALTER TABLE sent_v2 RENAME TO sent;";

/* Messages lose AUTOINCREMENT (an update of sqlite_sequence with every insert)
 * and the UNIQUE index on their random ids (ids are 131 random bits, made by
 * this server): seqs are given by the store, which saves the highest one in
 * meta once per commit, so a seq is never given twice even when every
 * message was delivered and deleted. */
static const char schema_v3[] =
    "CREATE TABLE meta ("
    "  key TEXT PRIMARY KEY NOT NULL,"
    "  value INTEGER NOT NULL"
    ") WITHOUT ROWID;"
    "INSERT INTO meta (key, value) VALUES ('last_seq', max("
    "  coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'messages'), 0),"
    "  coalesce((SELECT max(seq) FROM messages), 0)));"
    "CREATE TABLE messages_v3 ("
    "  seq INTEGER PRIMARY KEY,"
    "  id TEXT NOT NULL,"
    "  sender TEXT NOT NULL,"
    "  recipient TEXT NOT NULL,"
    "  text TEXT NOT NULL,"
    "  ts INTEGER NOT NULL"
    ");"
    "INSERT INTO messages_v3 (seq, id, sender, recipient, text, ts)"
    "  SELECT seq, id, sender, recipient, text, ts FROM messages;"
    "DROP TABLE messages;"
    "ALTER TABLE messages_v3 RENAME TO messages;"
    "CREATE INDEX messages_recipient ON messages (recipient, seq);";

/* The key directory of private chats: each device's identity key,
 * registration id and signed prekey, and its one-time prekeys, each handed
 * out once. Rows go with their user. */
static const char schema_v4[] =
    "CREATE TABLE key_devices ("
    "  user TEXT NOT NULL REFERENCES users (name) ON DELETE CASCADE,"
    "  device INTEGER NOT NULL,"
    "  ik BLOB NOT NULL,"
    "  reg INTEGER NOT NULL,"
    "  spk_id INTEGER NOT NULL,"
    "  spk BLOB NOT NULL,"
    "  spk_sig BLOB NOT NULL,"
    "  published INTEGER NOT NULL DEFAULT 0,"
    "  PRIMARY KEY (user, device)"
    ") WITHOUT ROWID;"
    "CREATE TABLE key_prekeys ("
    "  user TEXT NOT NULL,"
    "  device INTEGER NOT NULL,"
    "  id INTEGER NOT NULL,"
    "  key BLOB NOT NULL,"
    "  PRIMARY KEY (user, device, id),"
    "  FOREIGN KEY (user, device) REFERENCES key_devices (user, device) ON DELETE CASCADE"
    ") WITHOUT ROWID;";

/* Messages in one B-tree keyed by (recipient, seq), without rowids: a send
 * inserts one entry instead of a row and an index entry, a GU reads one range
 * instead of index entries and a row lookup for each, an acknowledgement
 * deletes one range. The highest seq given is in meta alone (since version 3
 * it is saved with every commit that gives one). */
static const char schema_v5[] =
    "INSERT INTO meta (key, value) VALUES ('last_seq', coalesce((SELECT max(seq) FROM messages), "
    "0))"
    "  ON CONFLICT (key) DO UPDATE SET value = max(value, excluded.value);"
    "CREATE TABLE messages_v5 ("
    "  recipient TEXT NOT NULL,"
    "  seq INTEGER NOT NULL,"
    "  id TEXT NOT NULL,"
    "  sender TEXT NOT NULL,"
    "  text TEXT NOT NULL,"
    "  ts INTEGER NOT NULL,"
    "  PRIMARY KEY (recipient, seq)"
    ") WITHOUT ROWID;"
    "INSERT INTO messages_v5 (recipient, seq, id, sender, text, ts)"
    "  SELECT recipient, seq, id, sender, text, ts FROM messages;"
    "DROP TABLE messages;"
    "ALTER TABLE messages_v5 RENAME TO messages;";

typedef struct
{
  MimpdStore parent;
  sqlite3 *db;
  sqlite3_stmt *stmts[N_STMTS];
  gboolean in_transaction;
  gboolean in_read; /* read_begin: a deferred, read-only transaction */

  /* Loaded on first use (admin commands never need it). */
  MimpdSentIndex *sent;
  GArray *sent_added;         /* of SentAdded, this transaction's, undone on rollback */
  gint64 sent_expire_pending; /* records below this rowid go at commit */

  gboolean poisoned; /* a write could not be undone: the group must fail */
  gsize sent_max;

  gint64 last_seq; /* valid in a transaction once read */
  gboolean last_seq_read;
  gboolean last_seq_dirty; /* to save before the commit */

  /* The user names, for the recipient check of every send: loaded on first
   * use, and again when PRAGMA data_version shows a commit of another
   * connection (`mimpd user`); this one's own changes drop them. */
  GHashTable *users;
  gint64 users_version;
  gboolean users_checked; /* in this transaction */
} MimpdStoreSqlite;

typedef struct
{
  guint64 hash;
  gint64 rowid;
} SentAdded;

static void
set_db_error (MimpdStoreSqlite *self, GError **error, const char *what)
{
  g_set_error (error, MIMPD_STORE_ERROR, MIMPD_STORE_ERROR_FAILED, "%s: %s", what,
               sqlite3_errmsg (self->db));
}

static sqlite3_stmt *
stmt (MimpdStoreSqlite *self, guint which)
{
  sqlite3_stmt *s = self->stmts[which];

  sqlite3_reset (s);
  sqlite3_clear_bindings (s);
  return s;
}

static gboolean
exec (MimpdStoreSqlite *self, const char *sql, GError **error)
{
  char *msg = NULL;

  if (sqlite3_exec (self->db, sql, NULL, NULL, &msg) != SQLITE_OK)
    {
      g_set_error (error, MIMPD_STORE_ERROR, MIMPD_STORE_ERROR_FAILED, "Database error: %s",
                   msg ? msg : "unknown");
      sqlite3_free (msg);
      return FALSE;
    }
  return TRUE;
}

static void
sqlite_free (MimpdStore *store)
{
  MimpdStoreSqlite *self = (MimpdStoreSqlite *) store;

  store->vtable->read_end (store);
  if (self->in_transaction)
    {
      g_autoptr (GError) error = NULL;

      if (!store->vtable->commit (store, &error))
        g_warning ("%s", error->message);
    }
  for (guint i = 0; i < N_STMTS; i++)
    sqlite3_finalize (self->stmts[i]);
  sqlite3_close (self->db);
  mimpd_sent_index_free (self->sent);
  g_array_unref (self->sent_added);
  g_clear_pointer (&self->users, g_hash_table_unref);
  g_free (self);
}

static gboolean
sqlite_user_add (MimpdStore *store, const char *name, const char *hash, GError **error)
{
  MimpdStoreSqlite *self = (MimpdStoreSqlite *) store;
  sqlite3_stmt *s = stmt (self, STMT_USER_ADD);
  int rc;

  sqlite3_bind_text (s, 1, name, -1, SQLITE_STATIC);
  sqlite3_bind_text (s, 2, hash, -1, SQLITE_STATIC);
  rc = sqlite3_step (s);
  sqlite3_reset (s);
  if (rc == SQLITE_CONSTRAINT)
    {
      g_set_error (error, MIMPD_STORE_ERROR, MIMPD_STORE_ERROR_EXISTS, "user %s already exists",
                   name);
      return FALSE;
    }
  if (rc != SQLITE_DONE)
    {
      set_db_error (self, error, "Could not add the user");
      return FALSE;
    }
  g_clear_pointer (&self->users, g_hash_table_unref);
  return TRUE;
}

static gboolean
sqlite_user_remove (MimpdStore *store, const char *name, GError **error)
{
  MimpdStoreSqlite *self = (MimpdStoreSqlite *) store;
  sqlite3_stmt *s = stmt (self, STMT_USER_REMOVE);
  int rc;

  if (!exec (self, "BEGIN IMMEDIATE", error))
    return FALSE;
  sqlite3_bind_text (s, 1, name, -1, SQLITE_STATIC);
  rc = sqlite3_step (s);
  sqlite3_reset (s);
  if (rc != SQLITE_DONE)
    goto fail;
  g_clear_pointer (&self->users, g_hash_table_unref);
  if (sqlite3_changes (self->db) == 0)
    {
      exec (self, "ROLLBACK", NULL);
      g_set_error (error, MIMPD_STORE_ERROR, MIMPD_STORE_ERROR_NOT_FOUND, "no user %s", name);
      return FALSE;
    }
  s = stmt (self, STMT_USER_REMOVE_MESSAGES);
  sqlite3_bind_text (s, 1, name, -1, SQLITE_STATIC);
  rc = sqlite3_step (s);
  sqlite3_reset (s);
  if (rc != SQLITE_DONE)
    goto fail;
  return exec (self, "COMMIT", error);

fail:
  set_db_error (self, error, "Could not remove the user");
  exec (self, "ROLLBACK", NULL);
  return FALSE;
}

static gboolean
sqlite_user_set_hash (MimpdStore *store, const char *name, const char *hash, GError **error)
{
  MimpdStoreSqlite *self = (MimpdStoreSqlite *) store;
  sqlite3_stmt *s = stmt (self, STMT_USER_SET_HASH);
  int rc;

  sqlite3_bind_text (s, 1, name, -1, SQLITE_STATIC);
  sqlite3_bind_text (s, 2, hash, -1, SQLITE_STATIC);
  rc = sqlite3_step (s);
  sqlite3_reset (s);
  if (rc != SQLITE_DONE)
    {
      set_db_error (self, error, "Could not set the password");
      return FALSE;
    }
  if (sqlite3_changes (self->db) == 0)
    {
      g_set_error (error, MIMPD_STORE_ERROR, MIMPD_STORE_ERROR_NOT_FOUND, "no user %s", name);
      return FALSE;
    }
  return TRUE;
}

static char *
sqlite_user_get_hash (MimpdStore *store, const char *name, GError **error)
{
  MimpdStoreSqlite *self = (MimpdStoreSqlite *) store;
  sqlite3_stmt *s = stmt (self, STMT_USER_GET_HASH);
  char *hash = NULL;
  int rc;

  sqlite3_bind_text (s, 1, name, -1, SQLITE_STATIC);
  rc = sqlite3_step (s);
  if (rc == SQLITE_ROW)
    hash = g_strdup ((const char *) sqlite3_column_text (s, 0));
  else if (rc != SQLITE_DONE)
    set_db_error (self, error, "Could not look up the user");
  sqlite3_reset (s);
  return hash;
}

static GPtrArray *
sqlite_user_list (MimpdStore *store, GError **error)
{
  MimpdStoreSqlite *self = (MimpdStoreSqlite *) store;
  sqlite3_stmt *s = stmt (self, STMT_USER_LIST);
  g_autoptr (GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  int rc;

  while ((rc = sqlite3_step (s)) == SQLITE_ROW)
    g_ptr_array_add (names, g_strdup ((const char *) sqlite3_column_text (s, 0)));
  sqlite3_reset (s);
  if (rc != SQLITE_DONE)
    {
      set_db_error (self, error, "Could not list the users");
      return NULL;
    }
  return g_steal_pointer (&names);
}

static gboolean
step_done (MimpdStoreSqlite *self, sqlite3_stmt *s, GError **error, const char *what)
{
  int rc = sqlite3_step (s);

  sqlite3_reset (s);
  if (rc != SQLITE_DONE)
    {
      set_db_error (self, error, what);
      return FALSE;
    }
  return TRUE;
}

/* Runs @s, which returns one integer. */
static gboolean
step_int64 (MimpdStoreSqlite *self, sqlite3_stmt *s, gint64 *value, GError **error,
            const char *what)
{
  int rc = sqlite3_step (s);

  if (rc == SQLITE_ROW)
    *value = sqlite3_column_int64 (s, 0);
  sqlite3_reset (s);
  if (rc != SQLITE_ROW)
    {
      set_db_error (self, error, what);
      return FALSE;
    }
  return TRUE;
}

static gboolean
sqlite_user_exists (MimpdStore *store, const char *name, gboolean *exists, GError **error)
{
  MimpdStoreSqlite *self = (MimpdStoreSqlite *) store;

  if (self->users == NULL || !self->users_checked)
    {
      const char *what = "Could not look up the user";
      gint64 version = 0;

      /* Read before the names: a commit in between only loads them again. */
      if (!step_int64 (self, stmt (self, STMT_DATA_VERSION), &version, error, what))
        return FALSE;
      if (self->users == NULL || version != self->users_version)
        {
          g_autoptr (GHashTable) users =
              g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
          sqlite3_stmt *s = stmt (self, STMT_USER_LIST);
          int rc;

          while ((rc = sqlite3_step (s)) == SQLITE_ROW)
            g_hash_table_add (users, g_strdup ((const char *) sqlite3_column_text (s, 0)));
          sqlite3_reset (s);
          if (rc != SQLITE_DONE)
            {
              set_db_error (self, error, what);
              return FALSE;
            }
          g_clear_pointer (&self->users, g_hash_table_unref);
          self->users = g_steal_pointer (&users);
          self->users_version = version;
        }
      /* In a transaction the write lock keeps them as they are. */
      self->users_checked = self->in_transaction;
    }
  *exists = g_hash_table_contains (self->users, name);
  return TRUE;
}

/* Before each write in a group, and before its commit. After some errors
 * (SQLITE_FULL, IOERR, NOMEM, in a read as well as a write) SQLite rolls the
 * whole transaction back by itself: later writes would then run, and commit,
 * on their own. */
static gboolean
writable (MimpdStoreSqlite *self, GError **error)
{
  if (self->poisoned || (self->in_transaction && sqlite3_get_autocommit (self->db)))
    {
      g_set_error (error, MIMPD_STORE_ERROR, MIMPD_STORE_ERROR_FAILED,
                   "The transaction was rolled back after an earlier error");
      return FALSE;
    }
  return TRUE;
}

static void
sqlite_read_end (MimpdStore *store)
{
  MimpdStoreSqlite *self = (MimpdStoreSqlite *) store;

  if (!self->in_read)
    return;
  self->in_read = FALSE;
  if (sqlite3_get_autocommit (self->db) == 0)
    step_done (self, stmt (self, STMT_COMMIT), NULL, "Could not end a read transaction");
}

static gboolean
sqlite_read_begin (MimpdStore *store, GError **error)
{
  MimpdStoreSqlite *self = (MimpdStoreSqlite *) store;

  g_return_val_if_fail (!self->in_transaction && !self->in_read, FALSE);
  if (!step_done (self, stmt (self, STMT_READ_BEGIN), error, "Could not begin a transaction"))
    return FALSE;
  self->in_read = TRUE;
  return TRUE;
}

static gboolean
sqlite_begin (MimpdStore *store, GError **error)
{
  MimpdStoreSqlite *self = (MimpdStoreSqlite *) store;

  g_return_val_if_fail (!self->in_transaction, FALSE);
  sqlite_read_end (store);
  if (!step_done (self, stmt (self, STMT_BEGIN), error, "Could not begin a transaction"))
    return FALSE;
  self->in_transaction = TRUE;
  self->users_checked = FALSE;
  self->last_seq_read = FALSE;
  self->last_seq_dirty = FALSE;
  return TRUE;
}

static gboolean
sqlite_commit (MimpdStore *store, GError **error)
{
  MimpdStoreSqlite *self = (MimpdStoreSqlite *) store;

  g_return_val_if_fail (self->in_transaction, FALSE);
  if (!writable (self, error))
    {
      store->vtable->rollback (store);
      return FALSE;
    }
  if (self->last_seq_dirty)
    {
      sqlite3_stmt *s = stmt (self, STMT_LAST_SEQ_SAVE);

      sqlite3_bind_int64 (s, 1, self->last_seq);
      if (!step_done (self, s, error, "Could not commit"))
        {
          store->vtable->rollback (store);
          return FALSE;
        }
      self->last_seq_dirty = FALSE;
    }
  if (!step_done (self, stmt (self, STMT_COMMIT), error, "Could not commit"))
    {
      store->vtable->rollback (store);
      return FALSE;
    }
  self->in_transaction = FALSE;
  self->users_checked = FALSE;
  g_array_set_size (self->sent_added, 0);
  if (self->sent_expire_pending > 0 && self->sent != NULL)
    mimpd_sent_index_drop_before (self->sent, self->sent_expire_pending);
  self->sent_expire_pending = 0;
  return TRUE;
}

static void
sqlite_rollback (MimpdStore *store)
{
  MimpdStoreSqlite *self = (MimpdStoreSqlite *) store;

  if (sqlite3_get_autocommit (self->db) == 0)
    step_done (self, stmt (self, STMT_ROLLBACK), NULL, "Could not roll back");
  self->in_transaction = FALSE;
  self->users_checked = FALSE;
  self->poisoned = FALSE;
  self->last_seq_read = FALSE;
  self->last_seq_dirty = FALSE;
  for (guint i = 0; i < self->sent_added->len; i++)
    {
      SentAdded *a = &g_array_index (self->sent_added, SentAdded, i);

      mimpd_sent_index_remove (self->sent, a->hash, a->rowid);
    }
  g_array_set_size (self->sent_added, 0);
  self->sent_expire_pending = 0;
}

static MimpdSentIndex *
sent_index (MimpdStoreSqlite *self, GError **error)
{
  g_autoptr (MimpdSentIndex) index = NULL;
  sqlite3_stmt *s;
  int rc;

  if (self->sent != NULL)
    return self->sent;
  index = mimpd_sent_index_new ();
  s = stmt (self, STMT_SENT_ALL);
  while ((rc = sqlite3_step (s)) == SQLITE_ROW)
    mimpd_sent_index_add (index,
                          mimpd_sent_index_hash (index, (const char *) sqlite3_column_text (s, 1),
                                                 (const char *) sqlite3_column_text (s, 2)),
                          sqlite3_column_int64 (s, 0));
  sqlite3_reset (s);
  if (rc != SQLITE_DONE)
    {
      set_db_error (self, error, "Could not read the sent messages");
      return NULL;
    }
  self->sent = g_steal_pointer (&index);
  return self->sent;
}

static void sent_limit (MimpdStoreSqlite *self);

static gboolean
next_seq (MimpdStoreSqlite *self, gint64 *seq, GError **error)
{
  if (!self->last_seq_read)
    {
      sqlite3_stmt *s = stmt (self, STMT_LAST_SEQ);
      int rc = sqlite3_step (s);

      if (rc == SQLITE_ROW)
        self->last_seq = sqlite3_column_int64 (s, 0);
      sqlite3_reset (s);
      if (rc != SQLITE_ROW)
        {
          set_db_error (self, error, "Could not store the message");
          return FALSE;
        }
      self->last_seq_read = TRUE;
    }
  *seq = ++self->last_seq;
  self->last_seq_dirty = TRUE;
  return TRUE;
}

static gboolean
sqlite_message_add (MimpdStore *store, MimpMessage *message, const char *client_id, GError **error)
{
  MimpdStoreSqlite *self = (MimpdStoreSqlite *) store;
  sqlite3_stmt *s;
  SentAdded added = { 0 };
  gint64 seq;

  /* Seqs are given under the write lock: alone, a message is its own group. */
  if (!self->in_transaction)
    {
      if (!store->vtable->begin (store, error))
        return FALSE;
      if (!sqlite_message_add (store, message, client_id, error))
        {
          store->vtable->rollback (store);
          return FALSE;
        }
      return store->vtable->commit (store, error);
    }
  if (!writable (self, error) || !next_seq (self, &seq, error))
    return FALSE;

  /* All or nothing, without a savepoint: the idempotency record first
   * (nothing to undo if it fails), then the message; if that fails, the
   * record is deleted again, and if even that fails the group is lost. */
  if (client_id != NULL)
    {
      if (sent_index (self, error) == NULL)
        return FALSE;
      s = stmt (self, STMT_SENT_ADD);
      sqlite3_bind_text (s, 1, message->from, -1, SQLITE_STATIC);
      sqlite3_bind_text (s, 2, client_id, -1, SQLITE_STATIC);
      sqlite3_bind_text (s, 3, message->id, -1, SQLITE_STATIC);
      sqlite3_bind_int64 (s, 4, message->timestamp);
      if (!step_done (self, s, error, "Could not store the message"))
        return FALSE;
      added.rowid = sqlite3_last_insert_rowid (self->db);
    }

  s = stmt (self, STMT_MESSAGE_ADD);
  sqlite3_bind_int64 (s, 6, seq);
  sqlite3_bind_text (s, 1, message->id, -1, SQLITE_STATIC);
  sqlite3_bind_text (s, 2, message->from, -1, SQLITE_STATIC);
  sqlite3_bind_text (s, 3, message->to, -1, SQLITE_STATIC);
  sqlite3_bind_text (s, 4, message->text, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (s, 5, message->timestamp);
  if (!step_done (self, s, error, "Could not store the message"))
    {
      if (client_id != NULL && writable (self, NULL))
        {
          s = stmt (self, STMT_SENT_REMOVE);
          sqlite3_bind_int64 (s, 1, added.rowid);
          if (!step_done (self, s, NULL, NULL))
            self->poisoned = TRUE;
        }
      return FALSE;
    }
  message->seq = seq;
  if (client_id == NULL)
    return TRUE;

  added.hash = mimpd_sent_index_hash (self->sent, message->from, client_id);
  mimpd_sent_index_add (self->sent, added.hash, added.rowid);
  g_array_append_val (self->sent_added, added);
  sent_limit (self);
  return TRUE;
}

static gboolean
sqlite_sent_lookup (MimpdStore *store, const char *sender, const char *client_id, char **id,
                    gint64 *timestamp, GError **error)
{
  MimpdStoreSqlite *self = (MimpdStoreSqlite *) store;
  MimpdSentIndex *index = sent_index (self, error);
  gsize cursor = 0;
  guint64 hash;
  gint64 rowid;

  if (index == NULL)
    return FALSE;
  hash = mimpd_sent_index_hash (index, sender, client_id);
  while ((rowid = mimpd_sent_index_next (index, hash, &cursor)) > 0)
    {
      sqlite3_stmt *s = stmt (self, STMT_SENT_GET);
      gboolean found = FALSE;
      int rc;

      sqlite3_bind_int64 (s, 1, rowid);
      rc = sqlite3_step (s);
      if (rc == SQLITE_ROW && g_strcmp0 ((const char *) sqlite3_column_text (s, 0), sender) == 0 &&
          g_strcmp0 ((const char *) sqlite3_column_text (s, 1), client_id) == 0)
        {
          *id = g_strdup ((const char *) sqlite3_column_text (s, 2));
          *timestamp = sqlite3_column_int64 (s, 3);
          found = TRUE;
        }
      sqlite3_reset (s);
      if (found)
        return TRUE;
      if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        {
          set_db_error (self, error, "Could not look up a sent message");
          return FALSE;
        }
    }
  return FALSE;
}

static GPtrArray *
sqlite_messages_fetch (MimpdStore *store, const char *recipient, gint64 after_seq, guint limit,
                       GError **error)
{
  MimpdStoreSqlite *self = (MimpdStoreSqlite *) store;
  sqlite3_stmt *s = stmt (self, STMT_MESSAGES_FETCH);
  g_autoptr (GPtrArray) list = g_ptr_array_new_with_free_func ((GDestroyNotify) mimp_message_free);
  int rc;

  sqlite3_bind_text (s, 1, recipient, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (s, 2, limit);
  sqlite3_bind_int64 (s, 3, after_seq);
  while ((rc = sqlite3_step (s)) == SQLITE_ROW)
    {
      MimpMessage *m = g_new0 (MimpMessage, 1);

      m->seq = sqlite3_column_int64 (s, 0);
      m->id = g_strdup ((const char *) sqlite3_column_text (s, 1));
      m->from = g_strdup ((const char *) sqlite3_column_text (s, 2));
      m->to = g_strdup (recipient);
      m->text = g_strdup ((const char *) sqlite3_column_text (s, 3));
      m->timestamp = sqlite3_column_int64 (s, 4);
      g_ptr_array_add (list, m);
    }
  sqlite3_reset (s);
  if (rc != SQLITE_DONE)
    {
      set_db_error (self, error, "Could not read the waiting messages");
      return NULL;
    }
  return g_steal_pointer (&list);
}

static gboolean
sqlite_messages_drop (MimpdStore *store, const char *recipient, gint64 up_to_seq, GError **error)
{
  MimpdStoreSqlite *self = (MimpdStoreSqlite *) store;
  sqlite3_stmt *s = stmt (self, STMT_MESSAGES_DROP);

  if (!writable (self, error))
    return FALSE;
  sqlite3_bind_text (s, 1, recipient, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (s, 2, up_to_seq);
  return step_done (self, s, error, "Could not drop delivered messages");
}

/* Deletes the records below @first_kept; the index forgets them once the
 * deletion is committed. */
static gboolean
sent_forget_before (MimpdStoreSqlite *self, gint64 first_kept, GError **error)
{
  sqlite3_stmt *s = stmt (self, STMT_EXPIRE);

  if (!writable (self, error))
    return FALSE;
  sqlite3_bind_int64 (s, 1, first_kept);
  if (!step_done (self, s, error, "Could not expire old send records"))
    return FALSE;
  if (sqlite3_changes (self->db) == 0)
    return TRUE;
  if (self->in_transaction)
    self->sent_expire_pending = MAX (self->sent_expire_pending, first_kept);
  else if (self->sent != NULL)
    mimpd_sent_index_drop_before (self->sent, first_kept);
  return TRUE;
}

/* Past sent_max records (a flood of sends, all with ids), the oldest go
 * before their seven days, a sixteenth at a time and at most once a group
 * (the index only shrinks at the commit), never the group's own: memory
 * stays bounded, and only a retry of a send older than the newest sent_max
 * can then be taken for a new message. Failing here fails nothing: the
 * records are only kept longer. */
static void
sent_limit (MimpdStoreSqlite *self)
{
  g_autoptr (GError) error = NULL;
  gint64 oldest = 0;
  gint64 bound;

  if (mimpd_sent_index_size (self->sent) <= self->sent_max || self->sent_expire_pending > 0)
    return;
  if (!step_int64 (self, stmt (self, STMT_SENT_OLDEST), &oldest, &error,
                   "Could not expire old send records"))
    goto out;
  bound = oldest + (gint64) self->sent_max / 16;
  if (self->sent_added->len > 0)
    bound = MIN (bound, g_array_index (self->sent_added, SentAdded, 0).rowid);
  if (bound > oldest)
    sent_forget_before (self, bound, &error);
out:
  if (error != NULL)
    g_warning ("Could not drop the oldest send records: %s", error->message);
}

static gboolean
sqlite_expire (MimpdStore *store, gint64 sent_before_ms, GError **error)
{
  MimpdStoreSqlite *self = (MimpdStoreSqlite *) store;
  sqlite3_stmt *s = stmt (self, STMT_EXPIRE_FIRST_KEPT);
  gint64 first_kept = 0;

  sqlite3_bind_int64 (s, 1, sent_before_ms);
  if (!step_int64 (self, s, &first_kept, error, "Could not expire old send records"))
    return FALSE;
  if (first_kept <= 1)
    return TRUE;
  return sent_forget_before (self, first_kept, error);
}

/* --- The key directory ------------------------------------------------------ */

static void
bind_bytes (sqlite3_stmt *s, int column, GBytes *bytes)
{
  gsize len = 0;
  gconstpointer data = g_bytes_get_data (bytes, &len);

  sqlite3_bind_blob (s, column, data ? data : "", (int) len, SQLITE_STATIC);
}

static GBytes *
column_bytes (sqlite3_stmt *s, int column)
{
  const void *data = sqlite3_column_blob (s, column);
  int len = sqlite3_column_bytes (s, column);

  return g_bytes_new (data, (gsize) MAX (len, 0));
}

/* A query returning one integer, with (user, device) bound. */
static gboolean
keys_count_rows (MimpdStoreSqlite *self, guint which, const char *user, gint64 device,
                 gint64 *value, GError **error)
{
  sqlite3_stmt *s = stmt (self, which);

  sqlite3_bind_text (s, 1, user, -1, SQLITE_STATIC);
  if (device >= 0)
    sqlite3_bind_int64 (s, 2, device);
  return step_int64 (self, s, value, error, "Could not count the keys");
}

/* The key operations change several rows: each is all or nothing within
 * the group, through a savepoint (the group's other writes stay). Outside
 * a group, it is its own transaction. */
typedef gboolean (*KeysWork) (MimpdStoreSqlite *self, gpointer data, GError **error);

static gboolean
keys_atomic (MimpdStoreSqlite *self, KeysWork work, gpointer data, GError **error)
{
  MimpdStore *store = (MimpdStore *) self;

  if (!self->in_transaction)
    {
      if (!store->vtable->begin (store, error))
        return FALSE;
      if (!keys_atomic (self, work, data, error))
        {
          store->vtable->rollback (store);
          return FALSE;
        }
      return store->vtable->commit (store, error);
    }
  if (!writable (self, error) || !exec (self, "SAVEPOINT keys", error))
    return FALSE;
  if (!work (self, data, error))
    {
      /* If even the undo fails, the group must not commit half of it. */
      if (!writable (self, NULL) || !exec (self, "ROLLBACK TO keys", NULL) ||
          !exec (self, "RELEASE keys", NULL))
        self->poisoned = TRUE;
      return FALSE;
    }
  if (!exec (self, "RELEASE keys", error))
    {
      self->poisoned = TRUE;
      return FALSE;
    }
  return TRUE;
}

typedef struct
{
  const char *user;
  const MimpdKeyBundle *bundle;
  gint64 left;
  GPtrArray *devices;
} KeysJob;

static gboolean
publish_work (MimpdStoreSqlite *self, gpointer data, GError **error)
{
  KeysJob *job = data;
  const MimpdKeyBundle *b = job->bundle;
  sqlite3_stmt *s = stmt (self, STMT_KEYS_DEVICE_IK);
  gboolean exists = FALSE;
  gboolean ik_changed = FALSE;
  int rc;

  sqlite3_bind_text (s, 1, job->user, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (s, 2, b->device);
  rc = sqlite3_step (s);
  if (rc == SQLITE_ROW)
    {
      g_autoptr (GBytes) old = column_bytes (s, 0);

      exists = TRUE;
      ik_changed = !g_bytes_equal (old, b->ik);
    }
  sqlite3_reset (s);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    {
      set_db_error (self, error, "Could not read the keys");
      return FALSE;
    }
  if (!exists)
    {
      gint64 devices = 0;

      if (!keys_count_rows (self, STMT_KEYS_DEVICE_COUNT, job->user, -1, &devices, error))
        return FALSE;
      if (devices >= MIMPD_KEYS_MAX_DEVICES)
        {
          g_set_error (error, MIMPD_STORE_ERROR, MIMPD_STORE_ERROR_LIMIT,
                       "At most %d devices per user", MIMPD_KEYS_MAX_DEVICES);
          return FALSE;
        }
    }

  s = stmt (self, STMT_KEYS_DEVICE_PUT);
  sqlite3_bind_text (s, 1, job->user, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (s, 2, b->device);
  bind_bytes (s, 3, b->ik);
  sqlite3_bind_int64 (s, 4, b->reg);
  sqlite3_bind_int64 (s, 5, b->spk_id);
  bind_bytes (s, 6, b->spk);
  bind_bytes (s, 7, b->spk_sig);
  if (!step_done (self, s, error, "Could not store the keys"))
    return FALSE;

  if (ik_changed)
    {
      s = stmt (self, STMT_KEYS_PREKEYS_CLEAR);
      sqlite3_bind_text (s, 1, job->user, -1, SQLITE_STATIC);
      sqlite3_bind_int64 (s, 2, b->device);
      if (!step_done (self, s, error, "Could not store the keys"))
        return FALSE;
    }
  for (guint i = 0; i < b->prekeys->len; i++)
    {
      MimpdPreKey *pk = &g_array_index (b->prekeys, MimpdPreKey, i);

      s = stmt (self, STMT_KEYS_PREKEY_PUT);
      sqlite3_bind_text (s, 1, job->user, -1, SQLITE_STATIC);
      sqlite3_bind_int64 (s, 2, b->device);
      sqlite3_bind_int64 (s, 3, pk->id);
      bind_bytes (s, 4, pk->key);
      if (!step_done (self, s, error, "Could not store the keys"))
        return FALSE;
    }
  if (!keys_count_rows (self, STMT_KEYS_PREKEY_COUNT, job->user, b->device, &job->left, error))
    return FALSE;
  if (job->left > MIMPD_KEYS_MAX_PREKEYS_PER_DEVICE)
    {
      g_set_error (error, MIMPD_STORE_ERROR, MIMPD_STORE_ERROR_LIMIT,
                   "At most %d one-time prekeys per device", MIMPD_KEYS_MAX_PREKEYS_PER_DEVICE);
      return FALSE;
    }
  return TRUE;
}

static gboolean
sqlite_keys_publish (MimpdStore *store, const char *user, const MimpdKeyBundle *bundle,
                     gint64 *left, GError **error)
{
  KeysJob job = { user, bundle, 0, NULL };

  if (!keys_atomic ((MimpdStoreSqlite *) store, publish_work, &job, error))
    return FALSE;
  *left = job.left;
  return TRUE;
}

static gboolean
fetch_work (MimpdStoreSqlite *self, gpointer data, GError **error)
{
  KeysJob *job = data;
  sqlite3_stmt *s = stmt (self, STMT_KEYS_DEVICES_LIST);
  int rc;

  sqlite3_bind_text (s, 1, job->user, -1, SQLITE_STATIC);
  while ((rc = sqlite3_step (s)) == SQLITE_ROW)
    {
      MimpdKeyBundle *b = mimpd_key_bundle_new ();

      b->device = (guint32) sqlite3_column_int64 (s, 0);
      b->ik = column_bytes (s, 1);
      b->reg = (guint32) sqlite3_column_int64 (s, 2);
      b->spk_id = (guint32) sqlite3_column_int64 (s, 3);
      b->spk = column_bytes (s, 4);
      b->spk_sig = column_bytes (s, 5);
      g_ptr_array_add (job->devices, b);
    }
  sqlite3_reset (s);
  if (rc != SQLITE_DONE)
    {
      set_db_error (self, error, "Could not read the keys");
      return FALSE;
    }

  /* Each device's lowest one-time prekey, deleted before anyone else can
   * read it: the whole fetch runs on this thread, in this transaction. */
  for (guint i = 0; i < job->devices->len; i++)
    {
      MimpdKeyBundle *b = job->devices->pdata[i];
      MimpdPreKey pk = { 0 };

      s = stmt (self, STMT_KEYS_PREKEY_FIRST);
      sqlite3_bind_text (s, 1, job->user, -1, SQLITE_STATIC);
      sqlite3_bind_int64 (s, 2, b->device);
      rc = sqlite3_step (s);
      if (rc == SQLITE_ROW)
        {
          pk.id = (guint32) sqlite3_column_int64 (s, 0);
          pk.key = column_bytes (s, 1);
        }
      sqlite3_reset (s);
      if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        {
          set_db_error (self, error, "Could not read the keys");
          return FALSE;
        }
      if (pk.key == NULL)
        continue;
      g_array_append_val (b->prekeys, pk);
      s = stmt (self, STMT_KEYS_PREKEY_DELETE);
      sqlite3_bind_text (s, 1, job->user, -1, SQLITE_STATIC);
      sqlite3_bind_int64 (s, 2, b->device);
      sqlite3_bind_int64 (s, 3, pk.id);
      if (!step_done (self, s, error, "Could not hand out a prekey"))
        return FALSE;
    }
  return TRUE;
}

static GPtrArray *
sqlite_keys_fetch (MimpdStore *store, const char *user, GError **error)
{
  g_autoptr (GPtrArray) devices =
      g_ptr_array_new_with_free_func ((GDestroyNotify) mimpd_key_bundle_free);
  KeysJob job = { user, NULL, 0, devices };

  if (!keys_atomic ((MimpdStoreSqlite *) store, fetch_work, &job, error))
    return NULL;
  return g_steal_pointer (&devices);
}

static gboolean
sqlite_keys_count (MimpdStore *store, const char *user, guint32 device, gint64 *left,
                   GError **error)
{
  return keys_count_rows ((MimpdStoreSqlite *) store, STMT_KEYS_PREKEY_COUNT, user, device, left,
                          error);
}

static const MimpdStoreVTable sqlite_vtable = {
  .free = sqlite_free,
  .user_add = sqlite_user_add,
  .user_remove = sqlite_user_remove,
  .user_set_hash = sqlite_user_set_hash,
  .user_get_hash = sqlite_user_get_hash,
  .user_exists = sqlite_user_exists,
  .user_list = sqlite_user_list,
  .begin = sqlite_begin,
  .commit = sqlite_commit,
  .rollback = sqlite_rollback,
  .read_begin = sqlite_read_begin,
  .read_end = sqlite_read_end,
  .message_add = sqlite_message_add,
  .sent_lookup = sqlite_sent_lookup,
  .messages_fetch = sqlite_messages_fetch,
  .messages_drop = sqlite_messages_drop,
  .expire = sqlite_expire,
  .keys_publish = sqlite_keys_publish,
  .keys_fetch = sqlite_keys_fetch,
  .keys_count = sqlite_keys_count,
};

static gboolean
read_version (MimpdStoreSqlite *self, int *version, GError **error)
{
  sqlite3_stmt *s = NULL;

  if (sqlite3_prepare_v2 (self->db, "PRAGMA user_version", -1, &s, NULL) != SQLITE_OK)
    {
      set_db_error (self, error, "Could not read the schema version");
      return FALSE;
    }
  *version = sqlite3_step (s) == SQLITE_ROW ? sqlite3_column_int (s, 0) : 0;
  sqlite3_finalize (s);
  if (*version > SCHEMA_VERSION)
    {
      g_set_error (error, MIMPD_STORE_ERROR, MIMPD_STORE_ERROR_FAILED,
                   "The database has schema version %d, newer than this mimpd knows (%d)", *version,
                   SCHEMA_VERSION);
      return FALSE;
    }
  return TRUE;
}

static gboolean
migrate (MimpdStoreSqlite *self, GError **error)
{
  int version = 0;

  if (!read_version (self, &version, error))
    return FALSE;
  if (version == SCHEMA_VERSION)
    return TRUE;

  /* Again under the write lock: another process (a server and `mimpd user`
   * started together) may have migrated it in between. */
  if (!exec (self, "BEGIN IMMEDIATE", error))
    return FALSE;
  if (!read_version (self, &version, error))
    goto fail;
  if (version < 1 && !exec (self, schema_v1, error))
    goto fail;
  if (version < 2 && !exec (self, schema_v2, error))
    goto fail;
  if (version < 3 && !exec (self, schema_v3, error))
    goto fail;
  if (version < 4 && !exec (self, schema_v4, error))
    goto fail;
  if (version < 5 && !exec (self, schema_v5, error))
    goto fail;
  if (!exec (self, "PRAGMA user_version = " G_STRINGIFY (SCHEMA_VERSION), error))
    goto fail;
  return exec (self, "COMMIT", error);

fail:
  exec (self, "ROLLBACK", NULL);
  return FALSE;
}

MimpdStore *
mimpd_store_sqlite_open (const char *path, gboolean sync_full, GError **error)
{
  MimpdStoreSqlite *self = g_new0 (MimpdStoreSqlite, 1);
  g_autoptr (MimpdStore) store = (MimpdStore *) self;

  self->parent.vtable = &sqlite_vtable;
  self->sent_added = g_array_new (FALSE, FALSE, sizeof (SentAdded));
  self->sent_max = SENT_MAX_DEFAULT;
  /* One thread uses the connection: no SQLite mutexes. */
  if (sqlite3_open_v2 (path, &self->db,
                       SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                       NULL) != SQLITE_OK)
    {
      g_set_error (error, MIMPD_STORE_ERROR, MIMPD_STORE_ERROR_FAILED,
                   "Could not open the database %s: %s", path,
                   self->db ? sqlite3_errmsg (self->db) : "out of memory");
      return NULL;
    }
  sqlite3_busy_timeout (self->db, 5000);
  if (!exec (self, "PRAGMA journal_mode = WAL", error) ||
      !exec (self, sync_full ? "PRAGMA synchronous = FULL" : "PRAGMA synchronous = NORMAL",
             error) ||
      /* Deleted messages are overwritten, not left in free space. */
      !exec (self, "PRAGMA secure_delete = ON", error) ||
      !exec (self, "PRAGMA foreign_keys = ON", error) || !migrate (self, error))
    return NULL;
  for (guint i = 0; i < N_STMTS; i++)
    if (sqlite3_prepare_v3 (self->db, stmt_sql[i], -1, SQLITE_PREPARE_PERSISTENT, &self->stmts[i],
                            NULL) != SQLITE_OK)
      {
        set_db_error (self, error, "Could not prepare a statement");
        return NULL;
      }
  return g_steal_pointer (&store);
}

/* For tests: a smaller bound on the idempotency records. */
void
mimpd_store_sqlite_set_sent_max (MimpdStore *store, gsize max)
{
  ((MimpdStoreSqlite *) store)->sent_max = MAX (max, 16);
}

/* The database's file, absolute ("" for a database in memory). */
const char *
mimpd_store_sqlite_get_filename (MimpdStore *store)
{
  const char *name = sqlite3_db_filename (((MimpdStoreSqlite *) store)->db, "main");

  return name != NULL ? name : "";
}
