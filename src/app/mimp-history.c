/* mimp-history.c
 *
 * All SQLite work happens on one worker thread, which alone touches the
 * database handle; every worker function asserts it. Callers use
 * _async/_finish pairs and get their results in their own main context.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "mimp-history"

#include "config.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "mimp-app-resources.h"
#include "mimp-history.h"
#include "mimp-incoming.h"
#include "mimp-search.h"

#define MIGRATIONS_PATH "/io/github/mimp/Mimp/migrations"

/* clang-format would put spaces around the hyphens, and the macro
 * registers the name as written. */
// clang-format off
G_DEFINE_QUARK (mimp-history-error-quark, mimp_history_error)
// clang-format on

typedef void (*WorkerFunc) (MimpHistory *self, GTask *task, gpointer data);

typedef struct
{
  GTask *task;
  WorkerFunc func;
} Job;

struct _MimpHistory
{
  GObject parent_instance;

  char *path;
  GThread *thread;
  GAsyncQueue *queue;
  gboolean closed;

  /* The background build of the search index (main thread). */
  double search_progress;
  GError *index_error;
  gboolean indexing;

  /* Only ever touched on the worker thread. */
  GThread *worker;
  sqlite3 *db;
  GError *open_error;
};

G_DEFINE_FINAL_TYPE (MimpHistory, mimp_history, G_TYPE_OBJECT)

enum
{
  PROP_0,
  PROP_SEARCH_PROGRESS,
  N_PROPS
};

static GParamSpec *history_properties[N_PROPS];

#define ASSERT_WORKER(self) g_assert (g_thread_self () == (self)->worker)

void
mimp_history_chat_free (MimpHistoryChat *chat)
{
  if (chat == NULL)
    return;
  g_free (chat->account_id);
  g_free (chat->peer);
  g_free (chat->draft);
  g_free (chat->last_text);
  g_free (chat);
}

/* ------------------------------------------------------------------ */
/* Worker thread                                                      */
/* ------------------------------------------------------------------ */

static gboolean
unref_in_context (gpointer data)
{
  g_object_unref (data);
  return G_SOURCE_REMOVE;
}

static gpointer
worker_main (gpointer data)
{
  MimpHistory *self = data;

  self->worker = g_thread_self ();

  for (;;)
    {
      Job *job = g_async_queue_pop (self->queue);
      GSource *source;

      if (job->func == NULL)
        {
          g_free (job);
          break;
        }

      if (!g_task_return_error_if_cancelled (job->task))
        job->func (self, job->task, g_task_get_task_data (job->task));

      /* The last reference to the task (and through it to self) must go
       * away in the caller's context, never here. */
      source = g_idle_source_new ();
      g_source_set_callback (source, unref_in_context, job->task, NULL);
      g_source_set_static_name (source, "[mimp-history] unref");
      g_source_attach (source, g_task_get_context (job->task));
      g_source_unref (source);
      g_free (job);
    }

  if (self->db != NULL)
    {
      sqlite3_close (self->db);
      self->db = NULL;
    }
  g_clear_error (&self->open_error);

  return NULL;
}

static void
push_job (MimpHistory *self, GTask *task, WorkerFunc func)
{
  Job *job;

  if (self->closed)
    {
      g_task_return_new_error (task, MIMP_HISTORY_ERROR, MIMP_HISTORY_ERROR_CLOSED,
                               "The history is closed");
      g_object_unref (task);
      return;
    }

  job = g_new0 (Job, 1);
  job->task = task; /* owned by the job now */
  job->func = func;
  g_async_queue_push (self->queue, job);
}

static void
set_sqlite_error (GError **error, sqlite3 *db, const char *what)
{
  g_set_error (error, MIMP_HISTORY_ERROR, MIMP_HISTORY_ERROR_FAILED, "%s: %s", what,
               db ? sqlite3_errmsg (db) : "no database");
}

static gboolean
exec_sql (MimpHistory *self, const char *sql, GError **error)
{
  char *errmsg = NULL;

  ASSERT_WORKER (self);

  if (sqlite3_exec (self->db, sql, NULL, NULL, &errmsg) != SQLITE_OK)
    {
      g_set_error (error, MIMP_HISTORY_ERROR, MIMP_HISTORY_ERROR_FAILED, "%s",
                   errmsg ? errmsg : "SQLite error");
      sqlite3_free (errmsg);
      return FALSE;
    }
  return TRUE;
}

static int
query_version (MimpHistory *self)
{
  sqlite3_stmt *stmt = NULL;
  int version = -1;

  ASSERT_WORKER (self);

  if (sqlite3_prepare_v2 (self->db, "PRAGMA user_version", -1, &stmt, NULL) == SQLITE_OK &&
      sqlite3_step (stmt) == SQLITE_ROW)
    version = sqlite3_column_int (stmt, 0);
  sqlite3_finalize (stmt);
  return version;
}

static int
compare_names (gconstpointer a, gconstpointer b)
{
  return g_strcmp0 (*(char *const *) a, *(char *const *) b);
}

/* Migrations are resources named NNN-what.sql; version N is reached by
 * running file N. Returns them sorted. */
static char **
list_migrations (void)
{
  g_autoptr (GError) error = NULL;
  char **names;

  mimp_app_resources_ensure ();
  names = g_resources_enumerate_children (MIGRATIONS_PATH, G_RESOURCE_LOOKUP_FLAGS_NONE, &error);
  if (names == NULL)
    g_error ("No SQL migrations in the resources: %s", error->message);
  qsort (names, g_strv_length (names), sizeof (char *), compare_names);
  return names;
}

int
mimp_history_get_latest_version (void)
{
  g_auto (GStrv) names = list_migrations ();
  return (int) g_strv_length (names);
}

static gboolean
migrate (MimpHistory *self, GError **error)
{
  g_auto (GStrv) names = list_migrations ();
  int latest = (int) g_strv_length (names);
  int version = query_version (self);

  ASSERT_WORKER (self);

  if (version < 0)
    {
      set_sqlite_error (error, self->db, "Could not read the schema version");
      return FALSE;
    }
  if (version > latest)
    {
      g_set_error (error, MIMP_HISTORY_ERROR, MIMP_HISTORY_ERROR_TOO_NEW,
                   "The history was written by a newer version of Mimp (schema %d, this one "
                   "knows %d)",
                   version, latest);
      return FALSE;
    }

  for (int i = version; i < latest; i++)
    {
      g_autofree char *resource = g_strdup_printf ("%s/%s", MIGRATIONS_PATH, names[i]);
      g_autoptr (GBytes) bytes = NULL;
      g_autofree char *sql = NULL;
      g_autofree char *set_version = NULL;
      int number = (int) g_ascii_strtoll (names[i], NULL, 10);

      if (number != i + 1)
        g_error ("Migration %s is out of order (expected %03d)", names[i], i + 1);

      bytes = g_resources_lookup_data (resource, G_RESOURCE_LOOKUP_FLAGS_NONE, NULL);
      g_assert (bytes != NULL);
      sql = g_strndup (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
      set_version = g_strdup_printf ("PRAGMA user_version = %d", i + 1);

      g_debug ("Migrating history to schema %d", i + 1);
      if (!exec_sql (self, "BEGIN IMMEDIATE", error))
        return FALSE;
      if (!exec_sql (self, sql, error) || !exec_sql (self, set_version, error) ||
          !exec_sql (self, "COMMIT", error))
        {
          exec_sql (self, "ROLLBACK", NULL);
          g_prefix_error (error, "Migration to schema %d failed: ", i + 1);
          return FALSE;
        }
    }

  return TRUE;
}

static gboolean
ensure_open (MimpHistory *self, GError **error)
{
  g_autofree char *dir = NULL;
  int rc;

  ASSERT_WORKER (self);

  if (self->db != NULL)
    return TRUE;
  if (self->open_error != NULL)
    {
      g_propagate_error (error, g_error_copy (self->open_error));
      return FALSE;
    }

  dir = g_path_get_dirname (self->path);
  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      int errsv = errno;
      g_set_error (&self->open_error, MIMP_HISTORY_ERROR, MIMP_HISTORY_ERROR_OPEN,
                   "Could not create %s: %s", dir, g_strerror (errsv));
      goto failed;
    }

  rc = sqlite3_open_v2 (self->path, &self->db,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
  if (rc != SQLITE_OK)
    {
      g_set_error (&self->open_error, MIMP_HISTORY_ERROR, MIMP_HISTORY_ERROR_OPEN,
                   "Could not open the history: %s",
                   self->db ? sqlite3_errmsg (self->db) : sqlite3_errstr (rc));
      goto failed;
    }
  sqlite3_busy_timeout (self->db, 5000);

  /* WAL, and a full sync at every commit: an incoming message is
   * acknowledged to the server only after it is stored, so it must
   * survive a power cut too. */
  if (!exec_sql (self, "PRAGMA journal_mode = WAL", &self->open_error) ||
      !exec_sql (self, "PRAGMA synchronous = FULL", &self->open_error) ||
      !exec_sql (self, "PRAGMA foreign_keys = ON", &self->open_error) ||
      !migrate (self, &self->open_error))
    {
      g_prefix_error (&self->open_error, "Could not open the history: ");
      goto failed;
    }

  return TRUE;

failed:
  if (self->db != NULL)
    {
      sqlite3_close (self->db);
      self->db = NULL;
    }
  if (self->open_error->domain == MIMP_HISTORY_ERROR &&
      self->open_error->code == MIMP_HISTORY_ERROR_FAILED)
    self->open_error->code = MIMP_HISTORY_ERROR_OPEN;
  g_propagate_error (error, g_error_copy (self->open_error));
  return FALSE;
}

static sqlite3_stmt *
prepare (MimpHistory *self, const char *sql, GError **error)
{
  sqlite3_stmt *stmt = NULL;

  ASSERT_WORKER (self);

  if (sqlite3_prepare_v2 (self->db, sql, -1, &stmt, NULL) != SQLITE_OK)
    {
      set_sqlite_error (error, self->db, "Could not prepare a query");
      return NULL;
    }
  return stmt;
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (sqlite3_stmt, sqlite3_finalize)

#define MESSAGE_COLUMNS                                                                            \
  "id, account, peer, direction, client_id, server_id, text, timestamp, state, seq, error, "       \
  "sender, kind, attachment, protection, missing_before"

static MimpChatMessage *
message_from_row (sqlite3_stmt *stmt)
{
  MimpChatMessage *message;

  message = mimp_chat_message_new (
      sqlite3_column_int64 (stmt, 0), (const char *) sqlite3_column_text (stmt, 1),
      (const char *) sqlite3_column_text (stmt, 2), sqlite3_column_int (stmt, 3) == 1,
      (const char *) sqlite3_column_text (stmt, 6), sqlite3_column_int64 (stmt, 7),
      sqlite3_column_int (stmt, 8));
  mimp_chat_message_set_client_id (message, (const char *) sqlite3_column_text (stmt, 4));
  mimp_chat_message_set_server_id (message, (const char *) sqlite3_column_text (stmt, 5));
  if (sqlite3_column_type (stmt, 9) != SQLITE_NULL)
    mimp_chat_message_set_seq (message, sqlite3_column_int64 (stmt, 9));
  mimp_chat_message_set_error (message, (const char *) sqlite3_column_text (stmt, 10));
  mimp_chat_message_set_sender (message, (const char *) sqlite3_column_text (stmt, 11));
  mimp_chat_message_set_kind (message, sqlite3_column_int (stmt, 12));
  mimp_chat_message_set_attachment (message, (const char *) sqlite3_column_text (stmt, 13));
  mimp_chat_message_set_protection (message, sqlite3_column_int (stmt, 14));
  mimp_chat_message_set_missing_before (message, (guint) MAX (0, sqlite3_column_int (stmt, 15)));
  return message;
}

static MimpChatMessage *
load_row (MimpHistory *self, gint64 row_id, GError **error)
{
  g_autoptr (sqlite3_stmt) stmt = NULL;

  ASSERT_WORKER (self);

  stmt = prepare (self, "SELECT " MESSAGE_COLUMNS " FROM messages WHERE id = ?", error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, row_id);
  if (sqlite3_step (stmt) != SQLITE_ROW)
    {
      set_sqlite_error (error, self->db, "Could not read a stored message");
      return NULL;
    }
  return message_from_row (stmt);
}

static gboolean
touch_chat (MimpHistory *self, const char *account_id, const char *peer, gint64 activity,
            guint new_unread, GError **error)
{
  g_autoptr (sqlite3_stmt) stmt = NULL;

  ASSERT_WORKER (self);

  stmt =
      prepare (self,
               "INSERT INTO chats (account, peer, unread, last_activity) VALUES (?1, ?2, ?3, ?4) "
               "ON CONFLICT (account, peer) DO UPDATE SET unread = unread + ?3, "
               "last_activity = MAX(last_activity, ?4)",
               error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, account_id, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 2, peer, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int (stmt, 3, (int) new_unread);
  sqlite3_bind_int64 (stmt, 4, activity);
  if (sqlite3_step (stmt) != SQLITE_DONE)
    {
      set_sqlite_error (error, self->db, "Could not update a chat");
      return FALSE;
    }
  return TRUE;
}

/* ------------------------------------------------------------------ */
/* Object                                                             */
/* ------------------------------------------------------------------ */

static void
mimp_history_dispose (GObject *object)
{
  MimpHistory *self = (MimpHistory *) object;

  mimp_history_close (self);

  G_OBJECT_CLASS (mimp_history_parent_class)->dispose (object);
}

static void
mimp_history_finalize (GObject *object)
{
  MimpHistory *self = (MimpHistory *) object;

  g_clear_pointer (&self->queue, g_async_queue_unref);
  g_clear_error (&self->index_error);
  g_free (self->path);

  G_OBJECT_CLASS (mimp_history_parent_class)->finalize (object);
}

static void
mimp_history_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  MimpHistory *self = MIMP_HISTORY (object);

  switch (prop_id)
    {
    case PROP_SEARCH_PROGRESS:
      g_value_set_double (value, self->search_progress);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
mimp_history_class_init (MimpHistoryClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = mimp_history_dispose;
  object_class->finalize = mimp_history_finalize;
  object_class->get_property = mimp_history_get_property;

  /**
   * MimpHistory:search-progress:
   *
   * How much of the history the search index covers (0 to 1), or -1 before
   * it is known: see mimp_history_build_search_index().
   */
  history_properties[PROP_SEARCH_PROGRESS] =
      g_param_spec_double ("search-progress", NULL, NULL, -1.0, 1.0, -1.0,
                           G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, history_properties);
}

static void
mimp_history_init (MimpHistory *self)
{
  self->queue = g_async_queue_new ();
  self->search_progress = -1.0;
}

char *
mimp_history_get_default_path (void)
{
  return g_build_filename (g_get_user_data_dir (), "mimp", "history.db", NULL);
}

/**
 * mimp_history_new:
 * @path: (nullable): the database file, or %NULL for the default in
 *   `$XDG_DATA_HOME/mimp/history.db`
 *
 * Starts the worker thread. The database is opened (and migrated) by the
 * first request; its errors are reported by every request.
 */
MimpHistory *
mimp_history_new (const char *path)
{
  MimpHistory *self = g_object_new (MIMP_TYPE_HISTORY, NULL);

  self->path = path ? g_strdup (path) : mimp_history_get_default_path ();
  self->thread = g_thread_new ("mimp-history", worker_main, self);

  return self;
}

const char *
mimp_history_get_path (MimpHistory *self)
{
  g_return_val_if_fail (MIMP_IS_HISTORY (self), NULL);
  return self->path;
}

/**
 * mimp_history_close:
 *
 * Lets the worker finish the requests already queued, closes the database
 * and joins the thread. Later requests fail with %MIMP_HISTORY_ERROR_CLOSED.
 */
void
mimp_history_close (MimpHistory *self)
{
  g_return_if_fail (MIMP_IS_HISTORY (self));

  if (self->closed)
    return;
  self->closed = TRUE;

  g_async_queue_push (self->queue, g_new0 (Job, 1));
  g_thread_join (g_steal_pointer (&self->thread));
}

static GTask *
new_task (MimpHistory *self, gpointer source_tag, GCancellable *cancellable,
          GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, source_tag);
  return task;
}

/* ------------------------------------------------------------------ */
/* get_version                                                        */
/* ------------------------------------------------------------------ */

static void
get_version_worker (MimpHistory *self, GTask *task, gpointer data)
{
  GError *error = NULL;

  ASSERT_WORKER (self);

  if (!ensure_open (self, &error))
    g_task_return_error (task, error);
  else
    g_task_return_int (task, query_version (self));
}

void
mimp_history_get_version_async (MimpHistory *self, GCancellable *cancellable,
                                GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task;

  g_return_if_fail (MIMP_IS_HISTORY (self));

  task = new_task (self, mimp_history_get_version_async, cancellable, callback, user_data);
  push_job (self, task, get_version_worker);
}

int
mimp_history_get_version_finish (MimpHistory *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), -1);
  return (int) g_task_propagate_int (G_TASK (result), error);
}

/* ------------------------------------------------------------------ */
/* store_incoming                                                     */
/* ------------------------------------------------------------------ */

typedef struct
{
  char *account_id;
  char *protocol;
  char *peer;
  char *client_id;
  char *server_id;
  char *text;
  char *error_message;
  char *attachment;
  gint64 timestamp;
  MimpMessageState state;
  MimpMessageProtection protection;
  int privacy;
  gboolean unencrypted;
  GPtrArray *messages;
  MimpChatMessage *before; /* for a page after it, when after is set */
  gboolean after;
  guint limit;
} Request;

static void
request_free (gpointer data)
{
  Request *request = data;

  g_free (request->account_id);
  g_free (request->protocol);
  g_free (request->peer);
  g_free (request->client_id);
  g_free (request->server_id);
  g_free (request->text);
  g_free (request->error_message);
  g_free (request->attachment);
  g_clear_pointer (&request->messages, g_ptr_array_unref);
  g_clear_object (&request->before);
  g_free (request);
}

static Request *
request_new (GTask *task, const char *account_id, const char *peer)
{
  Request *request = g_new0 (Request, 1);

  request->account_id = g_strdup (account_id);
  request->peer = g_strdup (peer);
  g_task_set_task_data (task, request, request_free);
  return request;
}

/* Records the account's type the first time it stores anything (inside
 * the caller's transaction). */
static gboolean
note_account (MimpHistory *self, Request *request, GError **error)
{
  g_autoptr (sqlite3_stmt) insert = NULL;

  insert = prepare (self, "INSERT OR IGNORE INTO accounts (id, protocol) VALUES (?, ?)", error);
  if (insert == NULL)
    return FALSE;
  sqlite3_bind_text (insert, 1, request->account_id, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (insert, 2, request->protocol, -1, SQLITE_TRANSIENT);
  if (sqlite3_step (insert) != SQLITE_DONE)
    {
      set_sqlite_error (error, self->db, "Could not record an account");
      return FALSE;
    }
  return TRUE;
}

static gboolean
store_incoming_in_transaction (MimpHistory *self, Request *request, GPtrArray *stored,
                               GError **error)
{
  g_autoptr (sqlite3_stmt) insert = NULL;
  g_autoptr (sqlite3_stmt) echo = NULL;
  g_autoptr (GHashTable) per_peer = g_hash_table_new (g_str_hash, g_str_equal);
  GHashTableIter iter;
  gpointer key;
  gpointer value;

  ASSERT_WORKER (self);

  if (!note_account (self, request, error))
    return FALSE;
  insert = prepare (self,
                    "INSERT OR IGNORE INTO messages "
                    "(account, peer, direction, server_id, text, timestamp, state, seq, sender, "
                    "kind, attachment, protection, missing_before) "
                    "VALUES (?, ?, 0, ?, ?, ?, 1, ?, ?, ?, ?, ?, ?)",
                    error);
  if (insert == NULL)
    return FALSE;
  /* A message to oneself comes back from the server: it is already there
   * as sent, by its server id, or (when the send's reply has not been
   * recorded yet) as the same text still waiting for one. */
  echo = prepare (self,
                  "SELECT 1 FROM messages WHERE account = ?1 AND peer = ?2 AND direction = 1 "
                  "AND (server_id = ?3 OR (?4 AND server_id IS NULL AND text = ?5)) LIMIT 1",
                  error);
  if (echo == NULL)
    return FALSE;

  for (guint i = 0; i < request->messages->len; i++)
    {
      MimpIncoming *message = g_ptr_array_index (request->messages, i);
      g_autoptr (MimpChatMessage) row = NULL;

      sqlite3_reset (echo);
      sqlite3_bind_text (echo, 1, request->account_id, -1, SQLITE_TRANSIENT);
      sqlite3_bind_text (echo, 2, message->peer, -1, SQLITE_TRANSIENT);
      if (message->remote_id != NULL)
        sqlite3_bind_text (echo, 3, message->remote_id, -1, SQLITE_TRANSIENT);
      else
        sqlite3_bind_null (echo, 3);
      sqlite3_bind_int (echo, 4, g_strcmp0 (message->peer, message->to) == 0);
      sqlite3_bind_text (echo, 5, message->text, -1, SQLITE_TRANSIENT);
      switch (sqlite3_step (echo))
        {
        case SQLITE_ROW:
          g_debug ("Dropped the echo of an own message");
          continue;
        case SQLITE_DONE:
          break;
        default:
          set_sqlite_error (error, self->db, "Could not look for a sent message");
          return FALSE;
        }

      sqlite3_reset (insert);
      sqlite3_bind_text (insert, 1, request->account_id, -1, SQLITE_TRANSIENT);
      sqlite3_bind_text (insert, 2, message->peer, -1, SQLITE_TRANSIENT);
      if (message->remote_id != NULL)
        sqlite3_bind_text (insert, 3, message->remote_id, -1, SQLITE_TRANSIENT);
      else
        sqlite3_bind_null (insert, 3);
      sqlite3_bind_text (insert, 4, message->text, -1, SQLITE_TRANSIENT);
      sqlite3_bind_int64 (insert, 5, message->timestamp);
      if (message->position >= 0)
        sqlite3_bind_int64 (insert, 6, message->position);
      else
        sqlite3_bind_null (insert, 6);
      sqlite3_bind_text (insert, 7, message->sender, -1, SQLITE_TRANSIENT);
      sqlite3_bind_int (insert, 8, message->kind);
      sqlite3_bind_text (insert, 9, message->attachment, -1, SQLITE_TRANSIENT);
      sqlite3_bind_int (insert, 10, message->protection);
      sqlite3_bind_int64 (insert, 11, message->missing_before);

      if (sqlite3_step (insert) != SQLITE_DONE)
        {
          set_sqlite_error (error, self->db, "Could not store a received message");
          return FALSE;
        }
      if (sqlite3_changes (self->db) == 0)
        {
          g_debug ("Dropped a message delivered twice");
          continue;
        }

      row = load_row (self, sqlite3_last_insert_rowid (self->db), error);
      if (row == NULL)
        return FALSE;
      /* Only what someone wrote is unread, and makes the chat active;
       * someone coming or going is not. */
      g_hash_table_insert (per_peer, (gpointer) mimp_chat_message_get_peer (row),
                           GUINT_TO_POINTER (GPOINTER_TO_UINT (g_hash_table_lookup (
                                                 per_peer, mimp_chat_message_get_peer (row))) +
                                             (message->kind == MIMP_MESSAGE_KIND_TEXT)));
      g_ptr_array_add (stored, g_steal_pointer (&row));
    }

  g_hash_table_iter_init (&iter, per_peer);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      gint64 newest = 0;

      for (guint i = 0; i < stored->len; i++)
        {
          MimpChatMessage *row = g_ptr_array_index (stored, i);
          if (g_str_equal (mimp_chat_message_get_peer (row), key) &&
              mimp_chat_message_get_kind (row) == MIMP_MESSAGE_KIND_TEXT)
            newest = MAX (newest, mimp_chat_message_get_timestamp (row));
        }
      if (!touch_chat (self, request->account_id, key, newest, GPOINTER_TO_UINT (value), error))
        return FALSE;
    }

  return TRUE;
}

static void
store_incoming_worker (MimpHistory *self, GTask *task, gpointer data)
{
  Request *request = data;
  g_autoptr (GPtrArray) stored = g_ptr_array_new_with_free_func (g_object_unref);
  GError *error = NULL;

  ASSERT_WORKER (self);

  if (!ensure_open (self, &error) || !exec_sql (self, "BEGIN IMMEDIATE", &error))
    {
      g_task_return_error (task, error);
      return;
    }
  if (!store_incoming_in_transaction (self, request, stored, &error) ||
      !exec_sql (self, "COMMIT", &error))
    {
      exec_sql (self, "ROLLBACK", NULL);
      g_task_return_error (task, error);
      return;
    }

  g_task_return_pointer (task, g_steal_pointer (&stored), (GDestroyNotify) g_ptr_array_unref);
}

/**
 * mimp_history_store_incoming_async:
 * @protocol: the account's type (mimp_protocol_get_id())
 * @messages: (element-type MimpIncoming): received messages, oldest first
 *
 * Stores @messages in one transaction, dropping those whose server id is
 * already stored for @account_id, and counts them as unread in their chats.
 * When the result is delivered they are on disk and may be acknowledged.
 */
void
mimp_history_store_incoming_async (MimpHistory *self, const char *account_id, const char *protocol,
                                   GPtrArray *messages, GCancellable *cancellable,
                                   GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task;
  Request *request;

  g_return_if_fail (MIMP_IS_HISTORY (self));
  g_return_if_fail (account_id != NULL && protocol != NULL);
  g_return_if_fail (messages != NULL);

  task = new_task (self, mimp_history_store_incoming_async, cancellable, callback, user_data);
  request = request_new (task, account_id, NULL);
  request->protocol = g_strdup (protocol);
  /* Records are immutable once handed on: shared, not copied. */
  request->messages = g_ptr_array_new_full (messages->len, (GDestroyNotify) mimp_incoming_unref);
  for (guint i = 0; i < messages->len; i++)
    g_ptr_array_add (request->messages, mimp_incoming_ref (g_ptr_array_index (messages, i)));
  push_job (self, task, store_incoming_worker);
}

/**
 * mimp_history_store_incoming_finish:
 *
 * Returns: (transfer container) (element-type MimpChatMessage): the newly
 *   stored messages (duplicates left out)
 */
GPtrArray *
mimp_history_store_incoming_finish (MimpHistory *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ------------------------------------------------------------------ */
/* add_outgoing                                                       */
/* ------------------------------------------------------------------ */

static void
add_outgoing_worker (MimpHistory *self, GTask *task, gpointer data)
{
  Request *request = data;
  g_autoptr (sqlite3_stmt) insert = NULL;
  g_autoptr (MimpChatMessage) row = NULL;
  GError *error = NULL;

  ASSERT_WORKER (self);

  if (!ensure_open (self, &error) || !exec_sql (self, "BEGIN IMMEDIATE", &error))
    goto failed;

  if (!note_account (self, request, &error))
    goto rollback;
  insert = prepare (self,
                    "INSERT INTO messages (account, peer, direction, client_id, text, timestamp, "
                    "state, attachment, protection) VALUES (?, ?, 1, ?, ?, ?, 0, ?, ?)",
                    &error);
  if (insert == NULL)
    goto rollback;
  sqlite3_bind_text (insert, 1, request->account_id, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (insert, 2, request->peer, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (insert, 3, request->client_id, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (insert, 4, request->text, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (insert, 5, request->timestamp);
  sqlite3_bind_text (insert, 6, request->attachment, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int (insert, 7, request->protection);
  if (sqlite3_step (insert) != SQLITE_DONE)
    {
      set_sqlite_error (&error, self->db, "Could not store a message to send");
      goto rollback;
    }
  row = load_row (self, sqlite3_last_insert_rowid (self->db), &error);
  if (row == NULL ||
      !touch_chat (self, request->account_id, request->peer, request->timestamp, 0, &error))
    goto rollback;
  if (!exec_sql (self, "COMMIT", &error))
    goto rollback;

  g_task_return_pointer (task, g_steal_pointer (&row), g_object_unref);
  return;

rollback:
  exec_sql (self, "ROLLBACK", NULL);
failed:
  g_task_return_error (task, error);
}

/**
 * mimp_history_add_outgoing_async:
 *
 * Stores a message to send as pending (the outbox) with its client id.
 * Send it only once this has finished.
 */
void
mimp_history_add_outgoing_async (MimpHistory *self, const char *account_id, const char *protocol,
                                 const char *peer, const char *client_id, const char *text,
                                 gint64 timestamp, GCancellable *cancellable,
                                 GAsyncReadyCallback callback, gpointer user_data)
{
  mimp_history_add_outgoing_with_attachment_async (self, account_id, protocol, peer, client_id,
                                                   text, NULL, timestamp, cancellable, callback,
                                                   user_data);
}

static void add_outgoing (MimpHistory *self, const char *account_id, const char *protocol,
                          const char *peer, const char *client_id, const char *text,
                          const char *attachment, MimpMessageProtection protection,
                          gint64 timestamp, GCancellable *cancellable, GAsyncReadyCallback callback,
                          gpointer user_data);

/**
 * mimp_history_add_outgoing_with_attachment_async:
 * @attachment: (nullable): the protocol's reference to an image already
 *   uploaded, sent with the message
 *
 * As mimp_history_add_outgoing_async(), for a message with an image.
 */
void
mimp_history_add_outgoing_with_attachment_async (MimpHistory *self, const char *account_id,
                                                 const char *protocol, const char *peer,
                                                 const char *client_id, const char *text,
                                                 const char *attachment, gint64 timestamp,
                                                 GCancellable *cancellable,
                                                 GAsyncReadyCallback callback, gpointer user_data)
{
  add_outgoing (self, account_id, protocol, peer, client_id, text, attachment,
                MIMP_MESSAGE_PROTECTION_NONE, timestamp, cancellable, callback, user_data);
}

/**
 * mimp_history_add_outgoing_protected_async:
 * @protection: how it will leave: %MIMP_MESSAGE_PROTECTION_ENCRYPTED in a
 *   private chat (where it only ever leaves encrypted)
 *
 * As mimp_history_add_outgoing_async(), in a chat that may be private.
 */
void
mimp_history_add_outgoing_protected_async (MimpHistory *self, const char *account_id,
                                           const char *protocol, const char *peer,
                                           const char *client_id, const char *text,
                                           MimpMessageProtection protection, gint64 timestamp,
                                           GCancellable *cancellable, GAsyncReadyCallback callback,
                                           gpointer user_data)
{
  add_outgoing (self, account_id, protocol, peer, client_id, text, NULL, protection, timestamp,
                cancellable, callback, user_data);
}

static void
add_outgoing (MimpHistory *self, const char *account_id, const char *protocol, const char *peer,
              const char *client_id, const char *text, const char *attachment,
              MimpMessageProtection protection, gint64 timestamp, GCancellable *cancellable,
              GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task;
  Request *request;

  g_return_if_fail (MIMP_IS_HISTORY (self));
  g_return_if_fail (account_id != NULL && protocol != NULL && peer != NULL && client_id != NULL &&
                    text != NULL);

  task = new_task (self, mimp_history_add_outgoing_async, cancellable, callback, user_data);
  request = request_new (task, account_id, peer);
  request->protocol = g_strdup (protocol);
  request->client_id = g_strdup (client_id);
  request->text = g_strdup (text);
  request->attachment = g_strdup (attachment);
  request->protection = protection;
  request->timestamp = timestamp;
  push_job (self, task, add_outgoing_worker);
}

MimpChatMessage *
mimp_history_add_outgoing_finish (MimpHistory *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ------------------------------------------------------------------ */
/* set_state                                                          */
/* ------------------------------------------------------------------ */

static void
set_state_worker (MimpHistory *self, GTask *task, gpointer data)
{
  Request *request = data;
  g_autoptr (sqlite3_stmt) update = NULL;
  g_autoptr (sqlite3_stmt) select = NULL;
  GError *error = NULL;

  ASSERT_WORKER (self);

  if (!ensure_open (self, &error))
    goto failed;

  /* A server id another row already has (a retry the server answered
   * twice) is not stored twice. */
  update = prepare (self,
                    "UPDATE messages SET state = ?1, "
                    "server_id = CASE WHEN ?2 IS NULL OR EXISTS (SELECT 1 FROM messages m "
                    "WHERE m.account = ?3 AND m.direction = 1 AND m.server_id = ?2 "
                    "AND m.client_id IS NOT ?4) THEN server_id ELSE ?2 END, "
                    "error = ?5 WHERE account = ?3 AND client_id = ?4 AND direction = 1",
                    &error);
  if (update == NULL)
    goto failed;
  sqlite3_bind_int (update, 1, request->state);
  if (request->server_id)
    sqlite3_bind_text (update, 2, request->server_id, -1, SQLITE_TRANSIENT);
  else
    sqlite3_bind_null (update, 2);
  sqlite3_bind_text (update, 3, request->account_id, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (update, 4, request->client_id, -1, SQLITE_TRANSIENT);
  if (request->error_message)
    sqlite3_bind_text (update, 5, request->error_message, -1, SQLITE_TRANSIENT);
  else
    sqlite3_bind_null (update, 5);
  if (sqlite3_step (update) != SQLITE_DONE)
    {
      set_sqlite_error (&error, self->db, "Could not update a sent message");
      goto failed;
    }

  select = prepare (
      self, "SELECT " MESSAGE_COLUMNS " FROM messages WHERE account = ? AND client_id = ?", &error);
  if (select == NULL)
    goto failed;
  sqlite3_bind_text (select, 1, request->account_id, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (select, 2, request->client_id, -1, SQLITE_TRANSIENT);
  if (sqlite3_step (select) != SQLITE_ROW)
    {
      g_set_error (&error, MIMP_HISTORY_ERROR, MIMP_HISTORY_ERROR_NOT_FOUND,
                   "No stored message has this client id");
      goto failed;
    }
  g_task_return_pointer (task, message_from_row (select), g_object_unref);
  return;

failed:
  g_task_return_error (task, error);
}

/**
 * mimp_history_set_state_async:
 * @server_id: (nullable): the server's id once sent
 * @error_message: (nullable): why it failed
 *
 * Records the delivery state of the outgoing message with @client_id.
 */
void
mimp_history_set_state_async (MimpHistory *self, const char *account_id, const char *client_id,
                              MimpMessageState state, const char *server_id,
                              const char *error_message, GCancellable *cancellable,
                              GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task;
  Request *request;

  g_return_if_fail (MIMP_IS_HISTORY (self));
  g_return_if_fail (account_id != NULL && client_id != NULL);

  task = new_task (self, mimp_history_set_state_async, cancellable, callback, user_data);
  request = request_new (task, account_id, NULL);
  request->client_id = g_strdup (client_id);
  request->state = state;
  request->server_id = g_strdup (server_id);
  request->error_message = g_strdup (error_message);
  push_job (self, task, set_state_worker);
}

MimpChatMessage *
mimp_history_set_state_finish (MimpHistory *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void return_rows (MimpHistory *self, GTask *task, sqlite3_stmt *stmt, gboolean reverse);

/* ------------------------------------------------------------------ */
/* find_outgoing                                                      */
/* ------------------------------------------------------------------ */

static void
find_outgoing_worker (MimpHistory *self, GTask *task, gpointer data)
{
  Request *request = data;
  g_autoptr (sqlite3_stmt) select = NULL;
  GError *error = NULL;

  ASSERT_WORKER (self);

  if (!ensure_open (self, &error) ||
      !(select = prepare (self,
                          "SELECT " MESSAGE_COLUMNS " FROM messages WHERE account = ? AND "
                          "client_id = ? AND direction = 1",
                          &error)))
    {
      g_task_return_error (task, error);
      return;
    }
  sqlite3_bind_text (select, 1, request->account_id, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (select, 2, request->client_id, -1, SQLITE_TRANSIENT);
  if (sqlite3_step (select) != SQLITE_ROW)
    {
      g_task_return_new_error (task, MIMP_HISTORY_ERROR, MIMP_HISTORY_ERROR_NOT_FOUND,
                               "No stored message has this client id");
      return;
    }
  g_task_return_pointer (task, message_from_row (select), g_object_unref);
}

/**
 * mimp_history_find_outgoing_async:
 *
 * Finds the outgoing message with @client_id (to send it again when the
 * peer of a private chat could not read it); fails with
 * %MIMP_HISTORY_ERROR_NOT_FOUND when there is none.
 */
void
mimp_history_find_outgoing_async (MimpHistory *self, const char *account_id, const char *client_id,
                                  GCancellable *cancellable, GAsyncReadyCallback callback,
                                  gpointer user_data)
{
  GTask *task;
  Request *request;

  g_return_if_fail (MIMP_IS_HISTORY (self));
  g_return_if_fail (account_id != NULL && client_id != NULL);

  task = new_task (self, mimp_history_find_outgoing_async, cancellable, callback, user_data);
  request = request_new (task, account_id, NULL);
  request->client_id = g_strdup (client_id);
  push_job (self, task, find_outgoing_worker);
}

MimpChatMessage *
mimp_history_find_outgoing_finish (MimpHistory *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ------------------------------------------------------------------ */
/* set_pending_protection                                             */
/* ------------------------------------------------------------------ */

static void
set_pending_protection_worker (MimpHistory *self, GTask *task, gpointer data)
{
  Request *request = data;
  g_autoptr (sqlite3_stmt) update = NULL;
  g_autoptr (sqlite3_stmt) select = NULL;
  GError *error = NULL;

  ASSERT_WORKER (self);

  if (!ensure_open (self, &error) ||
      !(update = prepare (self,
                          "UPDATE messages SET protection = ?3 WHERE account = ?1 AND peer = ?2 "
                          "AND direction = 1 AND state = 0",
                          &error)))
    {
      g_task_return_error (task, error);
      return;
    }
  sqlite3_bind_text (update, 1, request->account_id, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (update, 2, request->peer, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int (update, 3, request->protection);
  if (sqlite3_step (update) != SQLITE_DONE)
    {
      set_sqlite_error (&error, self->db, "Could not update messages to send");
      g_task_return_error (task, error);
      return;
    }
  if (!(select = prepare (self,
                          "SELECT " MESSAGE_COLUMNS " FROM messages WHERE id IN (SELECT id FROM "
                          "outbox WHERE account = ?1 AND peer = ?2) ORDER BY id",
                          &error)))
    {
      g_task_return_error (task, error);
      return;
    }
  sqlite3_bind_text (select, 1, request->account_id, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (select, 2, request->peer, -1, SQLITE_TRANSIENT);
  return_rows (self, task, select, FALSE);
}

/**
 * mimp_history_set_pending_protection_async:
 *
 * Records how the messages to @peer that wait in the outbox will leave (the
 * user chose to send them unencrypted).
 */
void
mimp_history_set_pending_protection_async (MimpHistory *self, const char *account_id,
                                           const char *peer, MimpMessageProtection protection,
                                           GCancellable *cancellable, GAsyncReadyCallback callback,
                                           gpointer user_data)
{
  GTask *task;
  Request *request;

  g_return_if_fail (MIMP_IS_HISTORY (self));
  g_return_if_fail (account_id != NULL && peer != NULL);

  task =
      new_task (self, mimp_history_set_pending_protection_async, cancellable, callback, user_data);
  request = request_new (task, account_id, peer);
  request->protection = protection;
  push_job (self, task, set_pending_protection_worker);
}

/**
 * mimp_history_set_pending_protection_finish:
 *
 * Returns: (transfer container) (element-type MimpChatMessage): the
 *   messages to @peer waiting in the outbox, as they are now
 */
GPtrArray *
mimp_history_set_pending_protection_finish (MimpHistory *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ------------------------------------------------------------------ */
/* list_outbox and load_page                                          */
/* ------------------------------------------------------------------ */

static void
return_rows (MimpHistory *self, GTask *task, sqlite3_stmt *stmt, gboolean reverse)
{
  g_autoptr (GPtrArray) rows = g_ptr_array_new_with_free_func (g_object_unref);
  int rc;

  ASSERT_WORKER (self);

  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_ptr_array_add (rows, message_from_row (stmt));
  if (rc != SQLITE_DONE)
    {
      GError *error = NULL;
      set_sqlite_error (&error, self->db, "Could not read the history");
      g_task_return_error (task, error);
      return;
    }
  if (reverse)
    for (guint i = 0; i < rows->len / 2; i++)
      {
        gpointer tmp = rows->pdata[i];
        rows->pdata[i] = rows->pdata[rows->len - 1 - i];
        rows->pdata[rows->len - 1 - i] = tmp;
      }
  g_task_return_pointer (task, g_steal_pointer (&rows), (GDestroyNotify) g_ptr_array_unref);
}

static void
list_outbox_worker (MimpHistory *self, GTask *task, gpointer data)
{
  Request *request = data;
  g_autoptr (sqlite3_stmt) stmt = NULL;
  GError *error = NULL;

  ASSERT_WORKER (self);

  if (!ensure_open (self, &error) ||
      !(stmt = prepare (self,
                        "SELECT " MESSAGE_COLUMNS " FROM messages WHERE id IN "
                        "(SELECT id FROM outbox WHERE account = ?) ORDER BY id",
                        &error)))
    {
      g_task_return_error (task, error);
      return;
    }
  sqlite3_bind_text (stmt, 1, request->account_id, -1, SQLITE_TRANSIENT);
  return_rows (self, task, stmt, FALSE);
}

/**
 * mimp_history_list_outbox_async:
 *
 * Lists the pending outgoing messages of @account_id in the order they were
 * written, to queue them again after a restart.
 */
void
mimp_history_list_outbox_async (MimpHistory *self, const char *account_id,
                                GCancellable *cancellable, GAsyncReadyCallback callback,
                                gpointer user_data)
{
  GTask *task;

  g_return_if_fail (MIMP_IS_HISTORY (self));
  g_return_if_fail (account_id != NULL);

  task = new_task (self, mimp_history_list_outbox_async, cancellable, callback, user_data);
  request_new (task, account_id, NULL);
  push_job (self, task, list_outbox_worker);
}

GPtrArray *
mimp_history_list_outbox_finish (MimpHistory *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

#define PAGE_QUERY                                                                                 \
  "SELECT " MESSAGE_COLUMNS " FROM messages WHERE account = ?1 AND peer = ?2 "                     \
  "AND (timestamp, id) < (?3, ?4) ORDER BY timestamp DESC, id DESC LIMIT ?5"

#define PAGE_AFTER_QUERY                                                                           \
  "SELECT " MESSAGE_COLUMNS " FROM messages WHERE account = ?1 AND peer = ?2 "                     \
  "AND (timestamp, id) > (?3, ?4) ORDER BY timestamp, id LIMIT ?5"

/* A page older than request->before (the newest page without one), or newer
 * than it with request->after; oldest first either way. */
static void
load_page_worker (MimpHistory *self, GTask *task, gpointer data)
{
  Request *request = data;
  g_autoptr (sqlite3_stmt) stmt = NULL;
  GError *error = NULL;

  ASSERT_WORKER (self);

  if (!ensure_open (self, &error) ||
      !(stmt = prepare (self, request->after ? PAGE_AFTER_QUERY : PAGE_QUERY, &error)))
    {
      g_task_return_error (task, error);
      return;
    }
  sqlite3_bind_text (stmt, 1, request->account_id, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 2, request->peer, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (
      stmt, 3, request->before ? mimp_chat_message_get_timestamp (request->before) : G_MAXINT64);
  sqlite3_bind_int64 (
      stmt, 4, request->before ? mimp_chat_message_get_row_id (request->before) : G_MAXINT64);
  sqlite3_bind_int (stmt, 5, (int) request->limit);
  return_rows (self, task, stmt, !request->after);
}

/**
 * mimp_history_load_page_after_async:
 * @after: a message of the chat
 *
 * Loads up to @limit messages of one chat newer than @after, oldest first,
 * by the same keyset as mimp_history_load_page_async() (a chat opened at an
 * older message, read towards the newest). Finish with
 * mimp_history_load_page_finish().
 */
void
mimp_history_load_page_after_async (MimpHistory *self, const char *account_id, const char *peer,
                                    MimpChatMessage *after, guint limit, GCancellable *cancellable,
                                    GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task;
  Request *request;

  g_return_if_fail (MIMP_IS_HISTORY (self));
  g_return_if_fail (account_id != NULL && peer != NULL);
  g_return_if_fail (MIMP_IS_CHAT_MESSAGE (after));

  task = new_task (self, mimp_history_load_page_async, cancellable, callback, user_data);
  request = request_new (task, account_id, peer);
  request->before = g_object_ref (after);
  request->after = TRUE;
  request->limit = limit ? limit : MIMP_HISTORY_PAGE_SIZE;
  push_job (self, task, load_page_worker);
}

/**
 * mimp_history_load_page_async:
 * @before: (nullable): the oldest message shown so far, or %NULL for the
 *   newest page
 *
 * Loads up to @limit messages of one chat older than @before, by keyset
 * pagination on (timestamp, id) over an index: as fast for a chat of a
 * million messages as for one of ten.
 */
void
mimp_history_load_page_async (MimpHistory *self, const char *account_id, const char *peer,
                              MimpChatMessage *before, guint limit, GCancellable *cancellable,
                              GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task;
  Request *request;

  g_return_if_fail (MIMP_IS_HISTORY (self));
  g_return_if_fail (account_id != NULL && peer != NULL);
  g_return_if_fail (before == NULL || MIMP_IS_CHAT_MESSAGE (before));

  task = new_task (self, mimp_history_load_page_async, cancellable, callback, user_data);
  request = request_new (task, account_id, peer);
  request->before = before ? g_object_ref (before) : NULL;
  request->limit = limit ? limit : MIMP_HISTORY_PAGE_SIZE;
  push_job (self, task, load_page_worker);
}

/**
 * mimp_history_load_page_finish:
 *
 * Returns: (transfer container) (element-type MimpChatMessage): the page,
 *   oldest first; empty when there is nothing older
 */
GPtrArray *
mimp_history_load_page_finish (MimpHistory *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
explain_page_worker (MimpHistory *self, GTask *task, gpointer data)
{
  g_autoptr (sqlite3_stmt) stmt = NULL;
  g_autoptr (GString) plan = g_string_new (NULL);
  GError *error = NULL;

  ASSERT_WORKER (self);

  if (!ensure_open (self, &error) ||
      !(stmt = prepare (self, "EXPLAIN QUERY PLAN " PAGE_QUERY, &error)))
    {
      g_task_return_error (task, error);
      return;
    }
  while (sqlite3_step (stmt) == SQLITE_ROW)
    g_string_append_printf (plan, "%s\n", sqlite3_column_text (stmt, 3));
  g_task_return_pointer (task, g_string_free (g_steal_pointer (&plan), FALSE), g_free);
}

void
mimp_history_explain_page_async (MimpHistory *self, GCancellable *cancellable,
                                 GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task;

  g_return_if_fail (MIMP_IS_HISTORY (self));

  task = new_task (self, mimp_history_explain_page_async, cancellable, callback, user_data);
  push_job (self, task, explain_page_worker);
}

char *
mimp_history_explain_page_finish (MimpHistory *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ------------------------------------------------------------------ */
/* chats                                                              */
/* ------------------------------------------------------------------ */

static void
list_chats_worker (MimpHistory *self, GTask *task, gpointer data)
{
  g_autoptr (sqlite3_stmt) stmt = NULL;
  g_autoptr (GPtrArray) chats =
      g_ptr_array_new_with_free_func ((GDestroyNotify) mimp_history_chat_free);
  GError *error = NULL;
  int rc;

  ASSERT_WORKER (self);

  if (!ensure_open (self, &error) ||
      !(stmt = prepare (self,
                        "SELECT c.account, c.peer, c.unread, c.draft, c.last_activity, "
                        "m.text, m.direction, c.privacy, c.unencrypted FROM chats c LEFT JOIN "
                        "messages m ON m.id = "
                        "(SELECT id FROM messages WHERE account = c.account AND peer = c.peer "
                        "AND kind = 0 ORDER BY timestamp DESC, id DESC LIMIT 1) "
                        "ORDER BY c.last_activity DESC",
                        &error)))
    {
      g_task_return_error (task, error);
      return;
    }

  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      MimpHistoryChat *chat = g_new0 (MimpHistoryChat, 1);

      chat->account_id = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
      chat->peer = g_strdup ((const char *) sqlite3_column_text (stmt, 1));
      chat->unread = (guint) MAX (0, sqlite3_column_int (stmt, 2));
      chat->draft = g_strdup ((const char *) sqlite3_column_text (stmt, 3));
      chat->last_activity = sqlite3_column_int64 (stmt, 4);
      chat->last_text = g_strdup ((const char *) sqlite3_column_text (stmt, 5));
      chat->last_outgoing = sqlite3_column_int (stmt, 6) == 1;
      chat->privacy =
          sqlite3_column_type (stmt, 7) == SQLITE_NULL ? -1 : sqlite3_column_int (stmt, 7);
      chat->unencrypted = sqlite3_column_int (stmt, 8) != 0;
      g_ptr_array_add (chats, chat);
    }
  if (rc != SQLITE_DONE)
    {
      set_sqlite_error (&error, self->db, "Could not list the chats");
      g_task_return_error (task, error);
      return;
    }

  g_task_return_pointer (task, g_steal_pointer (&chats), (GDestroyNotify) g_ptr_array_unref);
}

void
mimp_history_list_chats_async (MimpHistory *self, GCancellable *cancellable,
                               GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task;

  g_return_if_fail (MIMP_IS_HISTORY (self));

  task = new_task (self, mimp_history_list_chats_async, cancellable, callback, user_data);
  push_job (self, task, list_chats_worker);
}

/**
 * mimp_history_list_chats_finish:
 *
 * Returns: (transfer container) (element-type MimpHistoryChat): every chat,
 *   newest activity first
 */
GPtrArray *
mimp_history_list_chats_finish (MimpHistory *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

typedef enum
{
  UPDATE_ENSURE,
  UPDATE_MARK_READ,
  UPDATE_DRAFT,
  UPDATE_DELETE_ACCOUNT,
  UPDATE_PRIVACY,
} UpdateKind;

static void
update_worker (MimpHistory *self, GTask *task, gpointer data)
{
  Request *request = data;
  g_autoptr (sqlite3_stmt) stmt = NULL;
  GError *error = NULL;
  const char *sql = NULL;

  ASSERT_WORKER (self);

  switch ((UpdateKind) request->state)
    {
    case UPDATE_ENSURE:
      sql = "INSERT INTO chats (account, peer, last_activity) VALUES (?1, ?2, ?3) "
            "ON CONFLICT (account, peer) DO NOTHING";
      break;
    case UPDATE_MARK_READ:
      sql = "UPDATE chats SET unread = 0 WHERE account = ?1 AND peer = ?2";
      break;
    case UPDATE_DRAFT:
      sql = "UPDATE chats SET draft = ?3 WHERE account = ?1 AND peer = ?2";
      break;
    case UPDATE_DELETE_ACCOUNT:
      break;
    case UPDATE_PRIVACY:
      sql = "UPDATE chats SET privacy = ?3, unencrypted = ?4 WHERE account = ?1 AND peer = ?2";
      break;
    default:
      g_assert_not_reached ();
    }

  if (!ensure_open (self, &error))
    goto failed;

  if ((UpdateKind) request->state == UPDATE_DELETE_ACCOUNT)
    {
      char *script =
          sqlite3_mprintf ("BEGIN IMMEDIATE; DELETE FROM messages WHERE account = %Q; "
                           "DELETE FROM chats WHERE account = %Q; "
                           "DELETE FROM accounts WHERE id = %Q; COMMIT;",
                           request->account_id, request->account_id, request->account_id);
      gboolean ok = exec_sql (self, script, &error);

      sqlite3_free (script);
      if (!ok)
        {
          exec_sql (self, "ROLLBACK", NULL);
          goto failed;
        }
      g_task_return_boolean (task, TRUE);
      return;
    }

  stmt = prepare (self, sql, &error);
  if (stmt == NULL)
    goto failed;
  sqlite3_bind_text (stmt, 1, request->account_id, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 2, request->peer, -1, SQLITE_TRANSIENT);
  if ((UpdateKind) request->state == UPDATE_ENSURE)
    sqlite3_bind_int64 (stmt, 3, request->timestamp);
  else if ((UpdateKind) request->state == UPDATE_DRAFT && request->text && *request->text)
    sqlite3_bind_text (stmt, 3, request->text, -1, SQLITE_TRANSIENT);
  else if ((UpdateKind) request->state == UPDATE_DRAFT)
    sqlite3_bind_null (stmt, 3);
  else if ((UpdateKind) request->state == UPDATE_PRIVACY)
    {
      sqlite3_bind_int (stmt, 3, request->privacy);
      sqlite3_bind_int (stmt, 4, request->unencrypted);
    }
  if (sqlite3_step (stmt) != SQLITE_DONE)
    {
      set_sqlite_error (&error, self->db, "Could not update a chat");
      goto failed;
    }
  g_task_return_boolean (task, TRUE);
  return;

failed:
  g_task_return_error (task, error);
}

static GTask *
new_update (MimpHistory *self, UpdateKind kind, const char *account_id, const char *peer,
            const char *text, gpointer source_tag, GCancellable *cancellable,
            GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task = new_task (self, source_tag, cancellable, callback, user_data);
  Request *request = request_new (task, account_id, peer);

  request->state = (MimpMessageState) kind;
  request->text = g_strdup (text);
  request->timestamp = g_get_real_time () / 1000;
  return task;
}

static void
start_update (MimpHistory *self, UpdateKind kind, const char *account_id, const char *peer,
              const char *text, gpointer source_tag, GCancellable *cancellable,
              GAsyncReadyCallback callback, gpointer user_data)
{
  push_job (
      self,
      new_update (self, kind, account_id, peer, text, source_tag, cancellable, callback, user_data),
      update_worker);
}

/**
 * mimp_history_ensure_chat_async:
 *
 * Creates the chat (with the current time as its activity) unless it exists.
 */
void
mimp_history_ensure_chat_async (MimpHistory *self, const char *account_id, const char *peer,
                                GCancellable *cancellable, GAsyncReadyCallback callback,
                                gpointer user_data)
{
  g_return_if_fail (MIMP_IS_HISTORY (self));
  g_return_if_fail (account_id != NULL && peer != NULL);
  start_update (self, UPDATE_ENSURE, account_id, peer, NULL, mimp_history_ensure_chat_async,
                cancellable, callback, user_data);
}

void
mimp_history_mark_read_async (MimpHistory *self, const char *account_id, const char *peer,
                              GCancellable *cancellable, GAsyncReadyCallback callback,
                              gpointer user_data)
{
  g_return_if_fail (MIMP_IS_HISTORY (self));
  g_return_if_fail (account_id != NULL && peer != NULL);
  start_update (self, UPDATE_MARK_READ, account_id, peer, NULL, mimp_history_mark_read_async,
                cancellable, callback, user_data);
}

void
mimp_history_set_draft_async (MimpHistory *self, const char *account_id, const char *peer,
                              const char *draft, GCancellable *cancellable,
                              GAsyncReadyCallback callback, gpointer user_data)
{
  g_return_if_fail (MIMP_IS_HISTORY (self));
  g_return_if_fail (account_id != NULL && peer != NULL);
  start_update (self, UPDATE_DRAFT, account_id, peer, draft, mimp_history_set_draft_async,
                cancellable, callback, user_data);
}

void
mimp_history_delete_account_async (MimpHistory *self, const char *account_id,
                                   GCancellable *cancellable, GAsyncReadyCallback callback,
                                   gpointer user_data)
{
  g_return_if_fail (MIMP_IS_HISTORY (self));
  g_return_if_fail (account_id != NULL);
  start_update (self, UPDATE_DELETE_ACCOUNT, account_id, "", NULL,
                mimp_history_delete_account_async, cancellable, callback, user_data);
}

/**
 * mimp_history_set_chat_privacy_async:
 * @privacy: the chat's MimpChatPrivacy, as last known
 * @unencrypted: whether the user chose to send to @peer (who has no keys)
 *   without end-to-end encryption
 *
 * Records a chat's privacy, to show it before the keys are at hand. Does
 * nothing for a chat that has no row yet.
 */
void
mimp_history_set_chat_privacy_async (MimpHistory *self, const char *account_id, const char *peer,
                                     int privacy, gboolean unencrypted, GCancellable *cancellable,
                                     GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task;
  Request *request;

  g_return_if_fail (MIMP_IS_HISTORY (self));
  g_return_if_fail (account_id != NULL && peer != NULL);

  task = new_update (self, UPDATE_PRIVACY, account_id, peer, NULL,
                     mimp_history_set_chat_privacy_async, cancellable, callback, user_data);
  request = g_task_get_task_data (task);
  request->privacy = privacy;
  request->unencrypted = !!unencrypted;
  push_job (self, task, update_worker);
}

/**
 * mimp_history_update_finish:
 *
 * Finishes mimp_history_ensure_chat_async(), mimp_history_mark_read_async(),
 * mimp_history_set_draft_async(), mimp_history_set_chat_privacy_async() and
 * mimp_history_delete_account_async().
 */
gboolean
mimp_history_update_finish (MimpHistory *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* ------------------------------------------------------------------ */
/* Full-text search (migration 005)                                   */
/* ------------------------------------------------------------------ */

/* How long one chunk of the background index build may hold the worker: the
 * requests queued behind it wait at most this long. */
#define INDEX_CHUNK_US (50 * G_TIME_SPAN_MILLISECOND)
#define INDEX_STEP_ROWS 500

static gboolean
step_done (MimpHistory *self, sqlite3_stmt *stmt, const char *what, GError **error)
{
  if (sqlite3_step (stmt) != SQLITE_DONE)
    {
      set_sqlite_error (error, self->db, what);
      return FALSE;
    }
  return TRUE;
}

/* One step: indexes up to INDEX_STEP_ROWS messages just below *below and
 * moves *below down past them (to 0 when none is left below). */
static gboolean
index_step (MimpHistory *self, gint64 *below, GError **error)
{
  g_autoptr (sqlite3_stmt) bound = NULL;
  g_autoptr (sqlite3_stmt) insert = NULL;
  gint64 low = 0;

  bound = prepare (
      self,
      "SELECT id FROM messages WHERE id < ?1 ORDER BY id DESC LIMIT 1 OFFSET " G_STRINGIFY (
          INDEX_STEP_ROWS) " - 1",
      error);
  if (bound == NULL)
    return FALSE;
  sqlite3_bind_int64 (bound, 1, *below);
  if (sqlite3_step (bound) == SQLITE_ROW)
    low = sqlite3_column_int64 (bound, 0);

  insert = prepare (self,
                    "INSERT INTO messages_search (rowid, text) SELECT id, text FROM messages "
                    "WHERE id >= ?1 AND id < ?2 AND kind = 0",
                    error);
  if (insert == NULL)
    return FALSE;
  sqlite3_bind_int64 (insert, 1, low);
  sqlite3_bind_int64 (insert, 2, *below);
  if (!step_done (self, insert, "Could not index messages for search", error))
    return FALSE;
  *below = low;
  return TRUE;
}

static gboolean
index_chunk_in_transaction (MimpHistory *self, double *progress, GError **error)
{
  g_autoptr (sqlite3_stmt) state = NULL;
  g_autoptr (sqlite3_stmt) oldest = NULL;
  g_autoptr (sqlite3_stmt) save = NULL;
  gint64 start = g_get_monotonic_time ();
  gint64 below, top, min_id;

  state = prepare (self, "SELECT below, top FROM search_index_state", error);
  if (state == NULL)
    return FALSE;
  if (sqlite3_step (state) != SQLITE_ROW)
    {
      set_sqlite_error (error, self->db, "Could not read the search index's state");
      return FALSE;
    }
  below = sqlite3_column_int64 (state, 0);
  top = sqlite3_column_int64 (state, 1);

  oldest = prepare (self, "SELECT MIN(id) FROM messages", error);
  if (oldest == NULL || sqlite3_step (oldest) != SQLITE_ROW)
    {
      if (oldest != NULL)
        set_sqlite_error (error, self->db, "Could not read the history");
      return FALSE;
    }
  min_id = sqlite3_column_type (oldest, 0) == SQLITE_NULL ? G_MAXINT64
                                                          : sqlite3_column_int64 (oldest, 0);

  while (below > 0 && below > min_id && g_get_monotonic_time () - start < INDEX_CHUNK_US)
    if (!index_step (self, &below, error))
      return FALSE;
  /* Nothing left below: from now on every message is indexed as it is
   * stored, whatever id it gets. */
  if (below <= min_id)
    below = 0;

  save = prepare (self, "UPDATE search_index_state SET below = ?1", error);
  if (save == NULL)
    return FALSE;
  sqlite3_bind_int64 (save, 1, below);
  if (!step_done (self, save, "Could not save the search index's state", error))
    return FALSE;

  if (below == 0 || top <= min_id)
    *progress = 1.0;
  else
    *progress = CLAMP ((double) (top - below) / (double) (top - min_id), 0.0, 0.999);
  return TRUE;
}

static void
index_chunk_worker (MimpHistory *self, GTask *task, gpointer data)
{
  GError *error = NULL;
  double progress = 0.0;

  ASSERT_WORKER (self);

  if (!ensure_open (self, &error) || !exec_sql (self, "BEGIN IMMEDIATE", &error))
    {
      g_task_return_error (task, error);
      return;
    }
  if (!index_chunk_in_transaction (self, &progress, &error) || !exec_sql (self, "COMMIT", &error))
    {
      exec_sql (self, "ROLLBACK", NULL);
      g_prefix_error (&error, "Could not build the search index: ");
      g_task_return_error (task, error);
      return;
    }
  g_task_return_pointer (task, g_memdup2 (&progress, sizeof progress), g_free);
}

static void push_index_chunk (MimpHistory *self);

static void
index_chunk_done (GObject *source, GAsyncResult *result, gpointer data)
{
  MimpHistory *self = MIMP_HISTORY (source);
  g_autoptr (GError) error = NULL;
  g_autofree double *progress = g_task_propagate_pointer (G_TASK (result), &error);

  if (progress == NULL)
    {
      self->indexing = FALSE;
      if (!g_error_matches (error, MIMP_HISTORY_ERROR, MIMP_HISTORY_ERROR_CLOSED))
        {
          g_warning ("%s", error->message);
          g_clear_error (&self->index_error);
          self->index_error = g_steal_pointer (&error);
          g_object_notify_by_pspec (G_OBJECT (self), history_properties[PROP_SEARCH_PROGRESS]);
        }
      return;
    }

  if (*progress != self->search_progress)
    {
      self->search_progress = *progress;
      g_object_notify_by_pspec (G_OBJECT (self), history_properties[PROP_SEARCH_PROGRESS]);
    }
  if (*progress >= 1.0 || self->closed)
    self->indexing = FALSE;
  else
    push_index_chunk (self);
}

static void
push_index_chunk (MimpHistory *self)
{
  GTask *task = new_task (self, mimp_history_build_search_index, NULL, index_chunk_done, NULL);

  push_job (self, task, index_chunk_worker);
}

/**
 * mimp_history_build_search_index:
 *
 * Indexes the messages stored before full-text search came (or before an
 * interrupted build stopped), newest first, in chunks of about 50 ms on the
 * worker with the other requests in between, until all are indexed;
 * #MimpHistory:search-progress follows it. Messages stored meanwhile are
 * indexed as they are stored. Does nothing while a build runs.
 */
void
mimp_history_build_search_index (MimpHistory *self)
{
  g_return_if_fail (MIMP_IS_HISTORY (self));

  if (self->indexing || self->search_progress >= 1.0 || self->closed)
    return;
  self->indexing = TRUE;
  g_clear_error (&self->index_error);
  push_index_chunk (self);
}

/**
 * mimp_history_get_search_progress:
 *
 * Returns: how much of the history the search index covers, from 0 to 1 (1:
 *   all of it), or -1 until the first chunk of mimp_history_build_search_index()
 *   has reported.
 */
double
mimp_history_get_search_progress (MimpHistory *self)
{
  g_return_val_if_fail (MIMP_IS_HISTORY (self), -1.0);
  return self->search_progress;
}

/**
 * mimp_history_get_search_index_error:
 *
 * Returns: (nullable): why the last build of the search index stopped, or %NULL
 */
const GError *
mimp_history_get_search_index_error (MimpHistory *self)
{
  g_return_val_if_fail (MIMP_IS_HISTORY (self), NULL);
  return self->index_error;
}

/* Newest first, by row id: FTS5 walks its index backwards and stops at the
 * limit, however many messages match. */
#define SEARCH_QUERY                                                                               \
  "SELECT " MESSAGE_COLUMNS                                                                        \
  ", s.snip FROM (SELECT rowid AS rid, snippet(messages_search, 0, '" MIMP_SEARCH_MATCH_START      \
  "', '" MIMP_SEARCH_MATCH_END "', '…', 16) AS snip "                                            \
  "FROM messages_search WHERE messages_search MATCH ?1 ORDER BY rowid DESC LIMIT ?2) AS s "        \
  "JOIN messages ON messages.id = s.rid ORDER BY messages.id DESC"

static void
search_worker (MimpHistory *self, GTask *task, gpointer data)
{
  Request *request = data;
  g_autoptr (sqlite3_stmt) stmt = NULL;
  g_autoptr (GPtrArray) results = g_ptr_array_new_with_free_func (g_object_unref);
  GError *error = NULL;
  int rc;

  ASSERT_WORKER (self);

  if (!ensure_open (self, &error) || !(stmt = prepare (self, SEARCH_QUERY, &error)))
    {
      g_task_return_error (task, error);
      return;
    }
  sqlite3_bind_text (stmt, 1, request->text, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int (stmt, 2, (int) request->limit);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      g_autoptr (MimpChatMessage) message = message_from_row (stmt);

      g_ptr_array_add (
          results, mimp_search_result_new (message, (const char *) sqlite3_column_text (stmt, 16)));
    }
  if (rc != SQLITE_DONE)
    {
      set_sqlite_error (&error, self->db, "Could not search the history");
      g_task_return_error (task, error);
      return;
    }
  g_task_return_pointer (task, g_steal_pointer (&results), (GDestroyNotify) g_ptr_array_unref);
}

/**
 * mimp_history_search_async:
 * @text: what the user typed; any text is safe (see mimp_search_build_query())
 * @limit: the most results to return
 *
 * Finds the newest @limit messages, in every chat of every account, with all
 * the words of @text (the last also as a prefix). While
 * mimp_history_build_search_index() runs, the messages it has not reached yet
 * are not found.
 */
void
mimp_history_search_async (MimpHistory *self, const char *text, guint limit,
                           GCancellable *cancellable, GAsyncReadyCallback callback,
                           gpointer user_data)
{
  GTask *task;
  Request *request;
  g_autofree char *query = NULL;

  g_return_if_fail (MIMP_IS_HISTORY (self));
  g_return_if_fail (text != NULL);

  task = new_task (self, mimp_history_search_async, cancellable, callback, user_data);
  query = mimp_search_build_query (text);
  if (query == NULL || limit == 0)
    {
      g_task_return_pointer (task, g_ptr_array_new_with_free_func (g_object_unref),
                             (GDestroyNotify) g_ptr_array_unref);
      g_object_unref (task);
      return;
    }
  request = request_new (task, NULL, NULL);
  request->text = g_steal_pointer (&query);
  request->limit = limit;
  push_job (self, task, search_worker);
}

/**
 * mimp_history_search_finish:
 *
 * Returns: (transfer container): the #MimpSearchResult found, newest first
 */
GPtrArray *
mimp_history_search_finish (MimpHistory *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}
