/* mimp-e2e-store.c - the SQLite database of private chats and the four
 * libomemo-c stores on it (identity, prekeys, signed prekeys, sessions).
 * Secrets are sealed (mimp_e2e_seal) with the table, the row key and the
 * account as associated data, so a sealed cell cannot be moved to another
 * row or account. The callers wrap every libomemo-c call in one
 * transaction: the stores write into it and nothing is committed here.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "mimp-e2e"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <glib/gstdio.h>
#include <string.h>

#include "mimp-e2e-private.h"
#include "mimp-e2e.h"

#define SCHEMA_VERSION 2

static const char pragmas[] = "PRAGMA journal_mode=WAL;"
                              "PRAGMA synchronous=FULL;"
                              "PRAGMA secure_delete=ON;";

/* The tables of SCHEMA_VERSION. */
static const char schema[] =
    "CREATE TABLE IF NOT EXISTS meta (account TEXT NOT NULL, name TEXT NOT NULL, value BLOB,"
    " PRIMARY KEY (account, name));"
    "CREATE TABLE IF NOT EXISTS prekeys (account TEXT NOT NULL, id INTEGER NOT NULL,"
    " record BLOB NOT NULL, published INTEGER NOT NULL DEFAULT 0,"
    " PRIMARY KEY (account, id));"
    "CREATE TABLE IF NOT EXISTS signed_prekeys (account TEXT NOT NULL, id INTEGER NOT NULL,"
    " record BLOB NOT NULL, created INTEGER NOT NULL, PRIMARY KEY (account, id));"
    "CREATE TABLE IF NOT EXISTS identities (account TEXT NOT NULL, peer TEXT NOT NULL,"
    " key BLOB, verified_key BLOB, PRIMARY KEY (account, peer));"
    "CREATE TABLE IF NOT EXISTS sessions (account TEXT NOT NULL, peer TEXT NOT NULL,"
    " device INTEGER NOT NULL, record BLOB NOT NULL, PRIMARY KEY (account, peer, device));"
    "CREATE TABLE IF NOT EXISTS peers (account TEXT NOT NULL, peer TEXT NOT NULL,"
    " send_seq INTEGER NOT NULL DEFAULT 0, recv_seq INTEGER NOT NULL DEFAULT 0,"
    " resend_asked INTEGER NOT NULL DEFAULT 0, inband_pk INTEGER NOT NULL DEFAULT 0,"
    " requested INTEGER NOT NULL DEFAULT 0,"
    " PRIMARY KEY (account, peer));"
    "CREATE TABLE IF NOT EXISTS seen (account TEXT NOT NULL, peer TEXT NOT NULL,"
    " id TEXT NOT NULL, ts INTEGER NOT NULL, PRIMARY KEY (account, peer, id));"
    "CREATE TABLE IF NOT EXISTS fragments (account TEXT NOT NULL, peer TEXT NOT NULL,"
    " msg_id TEXT NOT NULL, idx INTEGER NOT NULL, n INTEGER NOT NULL, body BLOB NOT NULL,"
    " ts INTEGER NOT NULL, PRIMARY KEY (account, peer, msg_id, idx));"
    "CREATE TABLE IF NOT EXISTS outbox (account TEXT NOT NULL, message_id TEXT NOT NULL,"
    " idx INTEGER NOT NULL, peer TEXT NOT NULL, envelope TEXT NOT NULL,"
    " PRIMARY KEY (account, peer, message_id, idx));"
    "CREATE TABLE IF NOT EXISTS sent (account TEXT NOT NULL, peer TEXT NOT NULL,"
    " message_id TEXT NOT NULL, text BLOB NOT NULL, ts INTEGER NOT NULL,"
    " PRIMARY KEY (account, peer, message_id));"
    "CREATE TABLE IF NOT EXISTS own (account TEXT NOT NULL, hash BLOB NOT NULL,"
    " ts INTEGER NOT NULL, PRIMARY KEY (account, hash));"
    "CREATE TABLE IF NOT EXISTS smp (account TEXT NOT NULL, peer TEXT NOT NULL,"
    " state BLOB NOT NULL, PRIMARY KEY (account, peer));"
    "CREATE TABLE IF NOT EXISTS pending (account TEXT NOT NULL, server_id TEXT NOT NULL,"
    " result BLOB NOT NULL, ts INTEGER NOT NULL, PRIMARY KEY (account, server_id));"
    "CREATE TABLE IF NOT EXISTS smp_failures (account TEXT NOT NULL, peer TEXT NOT NULL,"
    " ts INTEGER NOT NULL);";

/* Version 1 (the first development snapshot) had no peers.requested and
 * keyed the outbox without the peer: before and after the tables above. */
static const char migrate_1_before[] =
    "ALTER TABLE peers ADD COLUMN requested INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE outbox RENAME TO outbox_v1;";
static const char migrate_1_after[] =
    "INSERT OR IGNORE INTO outbox (account, message_id, idx, peer, envelope)"
    " SELECT account, message_id, idx, peer, envelope FROM outbox_v1;"
    "DROP TABLE outbox_v1;";

static int
user_version (sqlite3 *db)
{
  sqlite3_stmt *stmt = NULL;
  int version = -1;

  if (sqlite3_prepare_v2 (db, "PRAGMA user_version", -1, &stmt, NULL) == SQLITE_OK &&
      sqlite3_step (stmt) == SQLITE_ROW)
    version = sqlite3_column_int (stmt, 0);
  sqlite3_finalize (stmt);
  return version;
}

/* Creates or migrates the tables, in one transaction. */
static gboolean
prepare_schema (sqlite3 *db, GError **error)
{
  g_autofree char *set_version = g_strdup_printf ("PRAGMA user_version=%d;", SCHEMA_VERSION);
  char *message = NULL;
  int version;

  if (sqlite3_exec (db, pragmas, NULL, NULL, &message) != SQLITE_OK ||
      sqlite3_exec (db, "BEGIN IMMEDIATE", NULL, NULL, &message) != SQLITE_OK)
    goto fail;
  version = user_version (db);
  if (version < 0 || version > SCHEMA_VERSION)
    {
      sqlite3_exec (db, "ROLLBACK", NULL, NULL, NULL);
      g_set_error (error, MIMP_E2E_ERROR, MIMP_E2E_ERROR_FAILED,
                   "The private-chat database was made by a newer Mimp");
      return FALSE;
    }
  if ((version == 1 && sqlite3_exec (db, migrate_1_before, NULL, NULL, &message) != SQLITE_OK) ||
      sqlite3_exec (db, schema, NULL, NULL, &message) != SQLITE_OK ||
      (version == 1 && sqlite3_exec (db, migrate_1_after, NULL, NULL, &message) != SQLITE_OK) ||
      sqlite3_exec (db, set_version, NULL, NULL, &message) != SQLITE_OK ||
      sqlite3_exec (db, "COMMIT", NULL, NULL, &message) != SQLITE_OK)
    goto fail;
  return TRUE;

fail:
  sqlite3_exec (db, "ROLLBACK", NULL, NULL, NULL);
  g_set_error (error, MIMP_E2E_ERROR, MIMP_E2E_ERROR_FAILED,
               "Cannot prepare the private-chat database: %s",
               message != NULL ? message : "unknown error");
  sqlite3_free (message);
  return FALSE;
}

sqlite3 *
mimp_e2e_store_open_db (const char *path, GError **error)
{
  g_autofree char *dir = g_path_get_dirname (path);
  sqlite3 *db = NULL;
  int fd;

  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      int saved = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                   "Cannot make the directory of the private-chat database: %s",
                   g_strerror (saved));
      return NULL;
    }
  /* Create the file 0600 before SQLite does (with the umask). */
  fd = g_open (path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0)
    {
      int saved = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                   "Cannot open the private-chat database: %s", g_strerror (saved));
      return NULL;
    }
  close (fd);
  if (g_chmod (path, 0600) != 0)
    g_debug ("cannot chmod the private-chat database");

  if (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) != SQLITE_OK)
    {
      g_set_error (error, MIMP_E2E_ERROR, MIMP_E2E_ERROR_FAILED,
                   "Cannot open the private-chat database: %s",
                   db != NULL ? sqlite3_errmsg (db) : "out of memory");
      sqlite3_close (db);
      return NULL;
    }
  sqlite3_busy_timeout (db, 5000);
  if (!prepare_schema (db, error))
    {
      sqlite3_close (db);
      return NULL;
    }
  return db;
}

void
mimp_e2e_store_close (MimpE2eStore *store)
{
  g_clear_pointer (&store->statements, g_hash_table_unref);
  if (store->db != NULL)
    sqlite3_close (store->db);
  store->db = NULL;
  g_clear_pointer (&store->account, g_free);
  memset (store->key, 0, sizeof store->key);
}

void
mimp_e2e_store_set_error (MimpE2eStore *store, GError **error)
{
  g_set_error (error, MIMP_E2E_ERROR, MIMP_E2E_ERROR_FAILED, "The private-chat database failed: %s",
               sqlite3_errmsg (store->db));
}

gboolean
mimp_e2e_store_exec (MimpE2eStore *store, const char *sql, GError **error)
{
  if (sqlite3_exec (store->db, sql, NULL, NULL, NULL) != SQLITE_OK)
    {
      mimp_e2e_store_set_error (store, error);
      return FALSE;
    }
  return TRUE;
}

gboolean
mimp_e2e_store_begin (MimpE2eStore *store, GError **error)
{
  return mimp_e2e_store_exec (store, "BEGIN IMMEDIATE", error);
}

gboolean
mimp_e2e_store_commit (MimpE2eStore *store, GError **error)
{
  if (!mimp_e2e_store_exec (store, "COMMIT", error))
    {
      mimp_e2e_store_rollback (store);
      return FALSE;
    }
  return TRUE;
}

void
mimp_e2e_store_rollback (MimpE2eStore *store)
{
  if (store->db != NULL && !sqlite3_get_autocommit (store->db))
    sqlite3_exec (store->db, "ROLLBACK", NULL, NULL, NULL);
}

static void
finalize_statement (gpointer stmt)
{
  sqlite3_finalize (stmt);
}

sqlite3_stmt *
mimp_e2e_store_prepare (MimpE2eStore *store, const char *sql, GError **error)
{
  sqlite3_stmt *stmt;

  if (store->statements == NULL)
    store->statements = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, finalize_statement);
  /* SQL strings are literals: the pointer is a stable key. */
  stmt = g_hash_table_lookup (store->statements, sql);
  if (stmt == NULL)
    {
      if (sqlite3_prepare_v2 (store->db, sql, -1, &stmt, NULL) != SQLITE_OK)
        {
          mimp_e2e_store_set_error (store, error);
          return NULL;
        }
      g_hash_table_insert (store->statements, (gpointer) sql, stmt);
    }
  sqlite3_reset (stmt);
  sqlite3_clear_bindings (stmt);
  sqlite3_bind_text (stmt, 1, store->account, -1, SQLITE_TRANSIENT);
  return stmt;
}

gboolean
mimp_e2e_store_step_done (MimpE2eStore *store, sqlite3_stmt *stmt, GError **error)
{
  int rc = sqlite3_step (stmt);

  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      mimp_e2e_store_set_error (store, error);
      return FALSE;
    }
  return TRUE;
}

char *
mimp_e2e_store_aad (MimpE2eStore *store, const char *table, const char *row)
{
  return g_strdup_printf ("mimp-e2e:%zu:%s:%zu:%s:%zu:%s", strlen (table), table, strlen (row), row,
                          strlen (store->account), store->account);
}

GBytes *
mimp_e2e_store_seal (MimpE2eStore *store, const char *table, const char *row, const void *data,
                     gsize len)
{
  g_autofree char *aad = mimp_e2e_store_aad (store, table, row);

  return mimp_e2e_seal (store->key, data, len, aad);
}

GBytes *
mimp_e2e_store_unseal (MimpE2eStore *store, const char *table, const char *row, const void *data,
                       gsize len)
{
  g_autofree char *aad = mimp_e2e_store_aad (store, table, row);

  return mimp_e2e_unseal (store->key, data, len, aad);
}

GBytes *
mimp_e2e_store_get_meta (MimpE2eStore *store, const char *name, gboolean sealed, gboolean *found,
                         GError **error)
{
  sqlite3_stmt *stmt = mimp_e2e_store_prepare (
      store, "SELECT value FROM meta WHERE account = ?1 AND name = ?2", error);
  GBytes *value = NULL;
  int rc;

  *found = FALSE;
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_text (stmt, 2, name, -1, SQLITE_STATIC);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    {
      const void *blob = sqlite3_column_blob (stmt, 0);
      gsize len = sqlite3_column_bytes (stmt, 0);

      *found = TRUE;
      if (sealed)
        {
          value = mimp_e2e_store_unseal (store, "meta", name, blob, len);
          if (value == NULL)
            g_set_error (error, MIMP_E2E_ERROR, MIMP_E2E_ERROR_STORAGE_KEY,
                         "The storage key does not open the private-chat database");
        }
      else
        value = g_bytes_new (blob, len);
    }
  else if (rc != SQLITE_DONE)
    mimp_e2e_store_set_error (store, error);
  sqlite3_reset (stmt);
  return value;
}

gboolean
mimp_e2e_store_set_meta (MimpE2eStore *store, const char *name, const void *data, gsize len,
                         gboolean sealed, GError **error)
{
  sqlite3_stmt *stmt = mimp_e2e_store_prepare (
      store, "INSERT OR REPLACE INTO meta (account, name, value) VALUES (?1, ?2, ?3)", error);
  g_autoptr (GBytes) value = NULL;

  if (stmt == NULL)
    return FALSE;
  value = sealed ? mimp_e2e_store_seal (store, "meta", name, data, len) : g_bytes_new (data, len);
  if (value == NULL)
    {
      g_set_error (error, MIMP_E2E_ERROR, MIMP_E2E_ERROR_FAILED, "Cannot seal a secret");
      return FALSE;
    }
  sqlite3_bind_text (stmt, 2, name, -1, SQLITE_STATIC);
  sqlite3_bind_blob (stmt, 3, g_bytes_get_data (value, NULL), g_bytes_get_size (value),
                     SQLITE_STATIC);
  return mimp_e2e_store_step_done (store, stmt, error);
}

gint64
mimp_e2e_store_get_int (MimpE2eStore *store, const char *name, gint64 fallback)
{
  gboolean found = FALSE;
  g_autoptr (GBytes) value = mimp_e2e_store_get_meta (store, name, FALSE, &found, NULL);
  gint64 result = fallback;

  if (value != NULL && g_bytes_get_size (value) == sizeof (gint64))
    memcpy (&result, g_bytes_get_data (value, NULL), sizeof result);
  return result;
}

gboolean
mimp_e2e_store_set_int (MimpE2eStore *store, const char *name, gint64 value, GError **error)
{
  return mimp_e2e_store_set_meta (store, name, &value, sizeof value, FALSE, error);
}

/* --- libomemo-c's session store --- */

static char *
address_row (const signal_protocol_address *address)
{
  return g_strdup_printf ("%.*s:%d", (int) address->name_len, address->name, address->device_id);
}

static int
session_load (signal_buffer **record, signal_buffer **user_record,
              const signal_protocol_address *address, void *user_data)
{
  MimpE2eStore *store = user_data;
  sqlite3_stmt *stmt = mimp_e2e_store_prepare (
      store, "SELECT record FROM sessions WHERE account = ?1 AND peer = ?2 AND device = ?3", NULL);
  g_autofree char *row = address_row (address);
  int result = 0;

  if (stmt == NULL)
    return SG_ERR_UNKNOWN;
  sqlite3_bind_text (stmt, 2, address->name, (int) address->name_len, SQLITE_STATIC);
  sqlite3_bind_int (stmt, 3, address->device_id);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    {
      g_autoptr (GBytes) plain = mimp_e2e_store_unseal (
          store, "sessions", row, sqlite3_column_blob (stmt, 0), sqlite3_column_bytes (stmt, 0));
      if (plain == NULL)
        result = SG_ERR_UNKNOWN;
      else
        {
          *record = signal_buffer_create (g_bytes_get_data (plain, NULL), g_bytes_get_size (plain));
          result = 1;
        }
    }
  sqlite3_reset (stmt);
  return result;
}

static int
session_sub_devices (signal_int_list **sessions, const char *name, size_t name_len, void *user_data)
{
  MimpE2eStore *store = user_data;
  sqlite3_stmt *stmt = mimp_e2e_store_prepare (
      store, "SELECT device FROM sessions WHERE account = ?1 AND peer = ?2", NULL);
  signal_int_list *list = signal_int_list_alloc ();
  int count = 0;

  if (stmt == NULL || list == NULL)
    {
      if (list != NULL)
        signal_int_list_free (list);
      return SG_ERR_UNKNOWN;
    }
  sqlite3_bind_text (stmt, 2, name, (int) name_len, SQLITE_STATIC);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    {
      signal_int_list_push_back (list, sqlite3_column_int (stmt, 0));
      count++;
    }
  sqlite3_reset (stmt);
  *sessions = list;
  return count;
}

static int
session_store (const signal_protocol_address *address, uint8_t *record, size_t record_len,
               uint8_t *user_record, size_t user_record_len, void *user_data)
{
  MimpE2eStore *store = user_data;
  sqlite3_stmt *stmt =
      mimp_e2e_store_prepare (store,
                              "INSERT OR REPLACE INTO sessions (account, peer, device, record)"
                              " VALUES (?1, ?2, ?3, ?4)",
                              NULL);
  g_autofree char *row = address_row (address);
  g_autoptr (GBytes) sealed = mimp_e2e_store_seal (store, "sessions", row, record, record_len);
  int rc;

  if (stmt == NULL || sealed == NULL)
    return SG_ERR_UNKNOWN;
  sqlite3_bind_text (stmt, 2, address->name, (int) address->name_len, SQLITE_STATIC);
  sqlite3_bind_int (stmt, 3, address->device_id);
  sqlite3_bind_blob (stmt, 4, g_bytes_get_data (sealed, NULL), g_bytes_get_size (sealed),
                     SQLITE_STATIC);
  rc = sqlite3_step (stmt);
  sqlite3_reset (stmt);
  return rc == SQLITE_DONE ? SG_SUCCESS : SG_ERR_UNKNOWN;
}

static int
session_contains (const signal_protocol_address *address, void *user_data)
{
  MimpE2eStore *store = user_data;
  sqlite3_stmt *stmt = mimp_e2e_store_prepare (
      store, "SELECT 1 FROM sessions WHERE account = ?1 AND peer = ?2 AND device = ?3", NULL);
  int result;

  if (stmt == NULL)
    return 0;
  sqlite3_bind_text (stmt, 2, address->name, (int) address->name_len, SQLITE_STATIC);
  sqlite3_bind_int (stmt, 3, address->device_id);
  result = sqlite3_step (stmt) == SQLITE_ROW ? 1 : 0;
  sqlite3_reset (stmt);
  return result;
}

static int
session_delete (const signal_protocol_address *address, void *user_data)
{
  MimpE2eStore *store = user_data;
  sqlite3_stmt *stmt = mimp_e2e_store_prepare (
      store, "DELETE FROM sessions WHERE account = ?1 AND peer = ?2 AND device = ?3", NULL);
  int rc;

  if (stmt == NULL)
    return SG_ERR_UNKNOWN;
  sqlite3_bind_text (stmt, 2, address->name, (int) address->name_len, SQLITE_STATIC);
  sqlite3_bind_int (stmt, 3, address->device_id);
  rc = sqlite3_step (stmt);
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    return SG_ERR_UNKNOWN;
  return sqlite3_changes (store->db) > 0 ? 1 : 0;
}

static int
session_delete_all (const char *name, size_t name_len, void *user_data)
{
  MimpE2eStore *store = user_data;
  sqlite3_stmt *stmt =
      mimp_e2e_store_prepare (store, "DELETE FROM sessions WHERE account = ?1 AND peer = ?2", NULL);
  int rc;

  if (stmt == NULL)
    return SG_ERR_UNKNOWN;
  sqlite3_bind_text (stmt, 2, name, (int) name_len, SQLITE_STATIC);
  rc = sqlite3_step (stmt);
  sqlite3_reset (stmt);
  return rc == SQLITE_DONE ? sqlite3_changes (store->db) : SG_ERR_UNKNOWN;
}

/* --- prekeys and signed prekeys --- */

static int
key_load (MimpE2eStore *store, const char *table, const char *sql, signal_buffer **record,
          uint32_t id)
{
  sqlite3_stmt *stmt = mimp_e2e_store_prepare (store, sql, NULL);
  g_autofree char *row = g_strdup_printf ("%u", id);
  int result = SG_ERR_INVALID_KEY_ID;

  if (stmt == NULL)
    return SG_ERR_UNKNOWN;
  sqlite3_bind_int64 (stmt, 2, id);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    {
      g_autoptr (GBytes) plain = mimp_e2e_store_unseal (
          store, table, row, sqlite3_column_blob (stmt, 0), sqlite3_column_bytes (stmt, 0));
      if (plain == NULL)
        result = SG_ERR_UNKNOWN;
      else
        {
          *record = signal_buffer_create (g_bytes_get_data (plain, NULL), g_bytes_get_size (plain));
          result = SG_SUCCESS;
        }
    }
  sqlite3_reset (stmt);
  return result;
}

static int
key_contains (MimpE2eStore *store, const char *sql, uint32_t id)
{
  sqlite3_stmt *stmt = mimp_e2e_store_prepare (store, sql, NULL);
  int result;

  if (stmt == NULL)
    return 0;
  sqlite3_bind_int64 (stmt, 2, id);
  result = sqlite3_step (stmt) == SQLITE_ROW ? 1 : 0;
  sqlite3_reset (stmt);
  return result;
}

static int
key_remove (MimpE2eStore *store, const char *sql, uint32_t id)
{
  sqlite3_stmt *stmt = mimp_e2e_store_prepare (store, sql, NULL);
  int rc;

  if (stmt == NULL)
    return SG_ERR_UNKNOWN;
  sqlite3_bind_int64 (stmt, 2, id);
  rc = sqlite3_step (stmt);
  sqlite3_reset (stmt);
  return rc == SQLITE_DONE ? SG_SUCCESS : SG_ERR_UNKNOWN;
}

static int
key_store (MimpE2eStore *store, const char *table, const char *sql, uint32_t id,
           const uint8_t *record, size_t len, gint64 extra)
{
  sqlite3_stmt *stmt = mimp_e2e_store_prepare (store, sql, NULL);
  g_autofree char *row = g_strdup_printf ("%u", id);
  g_autoptr (GBytes) sealed = mimp_e2e_store_seal (store, table, row, record, len);
  int rc;

  if (stmt == NULL || sealed == NULL)
    return SG_ERR_UNKNOWN;
  sqlite3_bind_int64 (stmt, 2, id);
  sqlite3_bind_blob (stmt, 3, g_bytes_get_data (sealed, NULL), g_bytes_get_size (sealed),
                     SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 4, extra);
  rc = sqlite3_step (stmt);
  sqlite3_reset (stmt);
  return rc == SQLITE_DONE ? SG_SUCCESS : SG_ERR_UNKNOWN;
}

static int
prekey_load (signal_buffer **record, uint32_t id, void *user_data)
{
  return key_load (user_data, "prekeys",
                   "SELECT record FROM prekeys WHERE account = ?1 AND id = ?2", record, id);
}

static int
prekey_store (uint32_t id, uint8_t *record, size_t len, void *user_data)
{
  return key_store (user_data, "prekeys",
                    "INSERT OR REPLACE INTO prekeys (account, id, record, published)"
                    " VALUES (?1, ?2, ?3, ?4)",
                    id, record, len, 0);
}

static int
prekey_contains (uint32_t id, void *user_data)
{
  return key_contains (user_data, "SELECT 1 FROM prekeys WHERE account = ?1 AND id = ?2", id);
}

static int
prekey_remove (uint32_t id, void *user_data)
{
  return key_remove (user_data, "DELETE FROM prekeys WHERE account = ?1 AND id = ?2", id);
}

static int
signed_prekey_load (signal_buffer **record, uint32_t id, void *user_data)
{
  return key_load (user_data, "signed_prekeys",
                   "SELECT record FROM signed_prekeys WHERE account = ?1 AND id = ?2", record, id);
}

static int
signed_prekey_store (uint32_t id, uint8_t *record, size_t len, void *user_data)
{
  return key_store (user_data, "signed_prekeys",
                    "INSERT OR REPLACE INTO signed_prekeys (account, id, record, created)"
                    " VALUES (?1, ?2, ?3, ?4)",
                    id, record, len, g_get_real_time () / G_USEC_PER_SEC);
}

static int
signed_prekey_contains (uint32_t id, void *user_data)
{
  return key_contains (user_data, "SELECT 1 FROM signed_prekeys WHERE account = ?1 AND id = ?2",
                       id);
}

static int
signed_prekey_remove (uint32_t id, void *user_data)
{
  return key_remove (user_data, "DELETE FROM signed_prekeys WHERE account = ?1 AND id = ?2", id);
}

/* --- identities and trust --- */

void
mimp_e2e_identity_clear (MimpE2eIdentity *identity)
{
  g_clear_pointer (&identity->key, g_bytes_unref);
  g_clear_pointer (&identity->verified_key, g_bytes_unref);
}

gboolean
mimp_e2e_store_get_identity (MimpE2eStore *store, const char *peer, MimpE2eIdentity *identity,
                             GError **error)
{
  sqlite3_stmt *stmt = mimp_e2e_store_prepare (
      store, "SELECT key, verified_key FROM identities WHERE account = ?1 AND peer = ?2", error);
  int rc;

  memset (identity, 0, sizeof *identity);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 2, peer, -1, SQLITE_STATIC);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    {
      if (sqlite3_column_type (stmt, 0) == SQLITE_BLOB)
        identity->key = g_bytes_new (sqlite3_column_blob (stmt, 0), sqlite3_column_bytes (stmt, 0));
      if (sqlite3_column_type (stmt, 1) == SQLITE_BLOB)
        identity->verified_key =
            g_bytes_new (sqlite3_column_blob (stmt, 1), sqlite3_column_bytes (stmt, 1));
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    {
      mimp_e2e_store_set_error (store, error);
      return FALSE;
    }
  return TRUE;
}

static gboolean
store_identity (MimpE2eStore *store, const char *peer, gsize peer_len, GBytes *key,
                GBytes *verified_key)
{
  sqlite3_stmt *stmt = mimp_e2e_store_prepare (store,
                                               "INSERT OR REPLACE INTO identities (account, peer, "
                                               "key, verified_key) VALUES (?1, ?2, ?3, ?4)",
                                               NULL);
  int rc;

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 2, peer, (int) peer_len, SQLITE_STATIC);
  if (key != NULL)
    sqlite3_bind_blob (stmt, 3, g_bytes_get_data (key, NULL), g_bytes_get_size (key),
                       SQLITE_STATIC);
  if (verified_key != NULL)
    sqlite3_bind_blob (stmt, 4, g_bytes_get_data (verified_key, NULL),
                       g_bytes_get_size (verified_key), SQLITE_STATIC);
  rc = sqlite3_step (stmt);
  sqlite3_reset (stmt);
  return rc == SQLITE_DONE;
}

gboolean
mimp_e2e_store_set_verified_key (MimpE2eStore *store, const char *peer, GBytes *key, GError **error)
{
  MimpE2eIdentity identity;
  gboolean ok;

  if (!mimp_e2e_store_get_identity (store, peer, &identity, error))
    return FALSE;
  ok = store_identity (store, peer, strlen (peer), identity.key, key);
  mimp_e2e_identity_clear (&identity);
  if (!ok)
    mimp_e2e_store_set_error (store, error);
  return ok;
}

static int
identity_get_key_pair (signal_buffer **public_data, signal_buffer **private_data, void *user_data)
{
  MimpE2eStore *store = user_data;
  gboolean found = FALSE;
  g_autoptr (GBytes) pub = mimp_e2e_store_get_meta (store, "identity_public", FALSE, &found, NULL);
  g_autoptr (GBytes) priv = mimp_e2e_store_get_meta (store, "identity_private", TRUE, &found, NULL);

  if (pub == NULL || priv == NULL)
    return SG_ERR_UNKNOWN;
  *public_data = signal_buffer_create (g_bytes_get_data (pub, NULL), g_bytes_get_size (pub));
  *private_data = signal_buffer_create (g_bytes_get_data (priv, NULL), g_bytes_get_size (priv));
  return SG_SUCCESS;
}

static int
identity_get_registration_id (void *user_data, uint32_t *registration_id)
{
  gint64 id = mimp_e2e_store_get_int (user_data, "registration_id", -1);

  if (id < 0)
    return SG_ERR_UNKNOWN;
  *registration_id = (uint32_t) id;
  return SG_SUCCESS;
}

static gboolean
is_own_key (MimpE2eStore *store, const uint8_t *key_data, size_t key_len)
{
  return store->own_public != NULL && key_len == store->own_public_len &&
         memcmp (key_data, store->own_public, key_len) == 0;
}

/* Trust on first use: a new key of an unverified peer is taken (and
 * reported); a new key of a verified peer is taken too, but the verified
 * key stays, which makes the trust KEY_CHANGED until the user accepts. */
static int
identity_save (const signal_protocol_address *address, uint8_t *key_data, size_t key_len,
               void *user_data)
{
  MimpE2eStore *store = user_data;
  g_autofree char *peer = g_strndup (address->name, address->name_len);
  g_autoptr (GBytes) key = NULL;
  MimpE2eIdentity identity;
  gboolean ok;

  if (key_data == NULL)
    return SG_SUCCESS;
  if (is_own_key (store, key_data, key_len))
    {
      store->reflection = TRUE;
      return SG_ERR_UNTRUSTED_IDENTITY;
    }
  if (!mimp_e2e_store_get_identity (store, peer, &identity, NULL))
    return SG_ERR_UNKNOWN;
  key = g_bytes_new (key_data, key_len);
  if (identity.key != NULL && !g_bytes_equal (identity.key, key))
    store->key_changed = TRUE;
  ok = store_identity (store, address->name, address->name_len, key, identity.verified_key);
  mimp_e2e_identity_clear (&identity);
  return ok ? SG_SUCCESS : SG_ERR_UNKNOWN;
}

static int
identity_is_trusted (const signal_protocol_address *address, uint8_t *key_data, size_t key_len,
                     void *user_data)
{
  MimpE2eStore *store = user_data;

  /* Our own key coming back is a reflection, never a peer. */
  if (is_own_key (store, key_data, key_len))
    {
      store->reflection = TRUE;
      return 0;
    }
  return 1;
}

void
mimp_e2e_store_attach (MimpE2eStore *store, signal_protocol_store_context *ctx)
{
  signal_protocol_session_store session = {
    .load_session_func = session_load,
    .get_sub_device_sessions_func = session_sub_devices,
    .store_session_func = session_store,
    .contains_session_func = session_contains,
    .delete_session_func = session_delete,
    .delete_all_sessions_func = session_delete_all,
    .user_data = store,
  };
  signal_protocol_pre_key_store prekeys = {
    .load_pre_key = prekey_load,
    .store_pre_key = prekey_store,
    .contains_pre_key = prekey_contains,
    .remove_pre_key = prekey_remove,
    .user_data = store,
  };
  signal_protocol_signed_pre_key_store signed_prekeys = {
    .load_signed_pre_key = signed_prekey_load,
    .store_signed_pre_key = signed_prekey_store,
    .contains_signed_pre_key = signed_prekey_contains,
    .remove_signed_pre_key = signed_prekey_remove,
    .user_data = store,
  };
  signal_protocol_identity_key_store identity = {
    .get_identity_key_pair = identity_get_key_pair,
    .get_local_registration_id = identity_get_registration_id,
    .save_identity = identity_save,
    .is_trusted_identity = identity_is_trusted,
    .user_data = store,
  };

  signal_protocol_store_context_set_session_store (ctx, &session);
  signal_protocol_store_context_set_pre_key_store (ctx, &prekeys);
  signal_protocol_store_context_set_signed_pre_key_store (ctx, &signed_prekeys);
  signal_protocol_store_context_set_identity_key_store (ctx, &identity);
}
