/* mimp-export.c
 *
 * An export reads the chat through a connection of its own, read-only, in a
 * thread of its own (a GTask run in a thread): a long chat is read in one
 * snapshot (WAL lets the history worker go on storing meanwhile) and neither
 * the UI nor incoming messages wait for it. The file is written with
 * g_file_replace(): a reader sees the old file or the whole new one, never
 * half of it, and a failed export leaves the old file as it was.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "mimp-export"

#include "config.h"

#include <json-glib/json-glib.h>
#include <sqlite3.h>

#include "mimp-chat-message.h"
#include "mimp-export.h"

typedef struct
{
  char *path;
  char *account_id;
  char *account_name;
  char *peer;
  MimpExportFormat format;
  GFile *file;
  guint64 n_messages;
} Export;

static void
export_free (gpointer data)
{
  Export *export = data;

  g_free (export->path);
  g_free (export->account_id);
  g_free (export->account_name);
  g_free (export->peer);
  g_clear_object (&export->file);
  g_free (export);
}

/**
 * mimp_export_format_time:
 * @timestamp_ms: milliseconds since the epoch
 *
 * Returns: (transfer full): the time in ISO 8601 in the local time zone, with
 *   its offset and milliseconds, e.g. `2026-12-07T14:02:11.250+01:00`
 */
char *
mimp_export_format_time (gint64 timestamp_ms)
{
  gint64 seconds = timestamp_ms / 1000;
  int ms = (int) (timestamp_ms % 1000);
  g_autoptr (GDateTime) utc = NULL;
  g_autoptr (GTimeZone) zone = g_time_zone_new_local ();
  g_autoptr (GDateTime) local = NULL;
  g_autofree char *date = NULL;
  g_autofree char *offset = NULL;

  if (ms < 0)
    {
      seconds--;
      ms += 1000;
    }
  utc = g_date_time_new_from_unix_utc (seconds);
  if (utc == NULL)
    return g_strdup ("");
  local = g_date_time_to_timezone (utc, zone);
  date = g_date_time_format (local, "%Y-%m-%dT%H:%M:%S");
  offset = g_date_time_format (local, "%:z");
  return g_strdup_printf ("%s.%03d%s", date, ms, offset);
}

static const char *
state_name (gboolean outgoing, MimpMessageState state)
{
  if (!outgoing)
    return "received";
  switch (state)
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

static const char *
kind_name (MimpMessageKind kind)
{
  switch (kind)
    {
    case MIMP_MESSAGE_KIND_JOINED:
      return "joined";
    case MIMP_MESSAGE_KIND_LEFT:
      return "left";
    case MIMP_MESSAGE_KIND_TEXT:
    default:
      return "message";
    }
}

static gboolean
write_all (GOutputStream *out, const char *text, GCancellable *cancellable, GError **error)
{
  return g_output_stream_write_all (out, text, strlen (text), NULL, cancellable, error);
}

/* Who wrote a message, as the text format names them. */
static const char *
author (Export *export, gboolean outgoing, const char *sender)
{
  if (outgoing)
    return export->account_name;
  return sender != NULL ? sender : export->peer;
}

static char *
text_header (Export *export)
{
  g_autofree char *now = mimp_export_format_time (g_get_real_time () / 1000);

  /* The first lines of an exported chat; the format's words stay English, like
   * JSON's keys, so a program can read any export. */
  return g_strdup_printf ("Mimp chat export\n"
                          "Account: %s (%s)\n"
                          "Peer: %s\n"
                          "Exported: %s\n"
                          "Format: [time] author (state): text; further lines of a message "
                          "begin with two spaces\n\n",
                          export->account_name, export->account_id, export->peer, now);
}

static char *
text_message (Export *export, gboolean outgoing, const char *sender, MimpMessageKind kind,
              const char *text, gint64 timestamp, MimpMessageState state, const char *error)
{
  g_autofree char *time = mimp_export_format_time (timestamp);
  g_auto (GStrv) lines = g_strsplit (text, "\n", -1);
  GString *block = g_string_new (NULL);

  g_string_append_printf (block, "[%s] %s (%s)", time, author (export, outgoing, sender),
                          kind == MIMP_MESSAGE_KIND_TEXT ? state_name (outgoing, state)
                                                         : kind_name (kind));
  if (error != NULL && state == MIMP_MESSAGE_STATE_FAILED)
    g_string_append_printf (block, " [%s]", error);
  g_string_append (block, ":");
  for (guint i = 0; lines[i] != NULL; i++)
    {
      const char *line = lines[i];
      gsize len = strlen (line);

      if (len > 0 && line[len - 1] == '\r')
        len--;
      g_string_append (block, i == 0 ? " " : "\n  ");
      g_string_append_len (block, line, (gssize) len);
    }
  g_string_append_c (block, '\n');
  return g_string_free (block, FALSE);
}

static char *
json_message (gint64 row_id, gboolean outgoing, const char *sender, MimpMessageKind kind,
              const char *text, gint64 timestamp, MimpMessageState state, const char *error,
              const char *attachment, int protection)
{
  g_autoptr (JsonBuilder) builder = json_builder_new ();
  g_autoptr (JsonNode) node = NULL;
  g_autofree char *time = mimp_export_format_time (timestamp);
  static const char *const protections[] = { "none", "encrypted", "unencrypted", "undecryptable" };

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "id");
  json_builder_add_int_value (builder, row_id);
  json_builder_set_member_name (builder, "time");
  json_builder_add_string_value (builder, time);
  json_builder_set_member_name (builder, "direction");
  json_builder_add_string_value (builder, outgoing ? "sent" : "received");
  json_builder_set_member_name (builder, "kind");
  json_builder_add_string_value (builder, kind_name (kind));
  if (sender != NULL)
    {
      json_builder_set_member_name (builder, "sender");
      json_builder_add_string_value (builder, sender);
    }
  json_builder_set_member_name (builder, "text");
  json_builder_add_string_value (builder, text);
  json_builder_set_member_name (builder, "state");
  json_builder_add_string_value (builder, state_name (outgoing, state));
  if (error != NULL)
    {
      json_builder_set_member_name (builder, "error");
      json_builder_add_string_value (builder, error);
    }
  if (attachment != NULL)
    {
      json_builder_set_member_name (builder, "attachment");
      json_builder_add_string_value (builder, attachment);
    }
  json_builder_set_member_name (builder, "protection");
  json_builder_add_string_value (
      builder, protections[CLAMP (protection, 0, (int) G_N_ELEMENTS (protections) - 1)]);
  json_builder_end_object (builder);
  node = json_builder_get_root (builder);
  return json_to_string (node, FALSE);
}

static char *
json_string (const char *value)
{
  g_autoptr (JsonNode) node = json_node_init_string (json_node_alloc (), value);
  return json_to_string (node, FALSE);
}

static char *
json_header (Export *export)
{
  g_autofree char *now = mimp_export_format_time (g_get_real_time () / 1000);
  g_autofree char *account_id = json_string (export->account_id);
  g_autofree char *account_name = json_string (export->account_name);
  g_autofree char *peer = json_string (export->peer);
  g_autofree char *exported = json_string (now);

  return g_strdup_printf ("{\"format\":\"mimp-chat-export\",\"version\":1,\"account\":%s,"
                          "\"account_name\":%s,\"peer\":%s,\"exported\":%s,\"messages\":[\n",
                          account_id, account_name, peer, exported);
}

static void
set_sqlite_error (GError **error, sqlite3 *db, const char *what)
{
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "%s: %s", what,
               db ? sqlite3_errmsg (db) : "no database");
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (sqlite3_stmt, sqlite3_finalize)

static gboolean
write_export (Export *export, sqlite3 *db, GOutputStream *out, GCancellable *cancellable,
              GError **error)
{
  g_autoptr (sqlite3_stmt) stmt = NULL;
  g_autofree char *header = NULL;
  gboolean json = export->format == MIMP_EXPORT_FORMAT_JSON;
  int rc;

  if (sqlite3_prepare_v2 (db,
                          "SELECT id, direction, sender, kind, text, timestamp, state, error, "
                          "attachment, protection FROM messages WHERE account = ?1 AND peer = ?2 "
                          "ORDER BY timestamp, id",
                          -1, &stmt, NULL) != SQLITE_OK)
    {
      set_sqlite_error (error, db, "Could not read the chat");
      return FALSE;
    }
  sqlite3_bind_text (stmt, 1, export->account_id, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 2, export->peer, -1, SQLITE_TRANSIENT);

  header = json ? json_header (export) : text_header (export);
  if (!write_all (out, header, cancellable, error))
    return FALSE;

  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      gboolean outgoing = sqlite3_column_int (stmt, 1) == 1;
      const char *sender = (const char *) sqlite3_column_text (stmt, 2);
      MimpMessageKind kind = sqlite3_column_int (stmt, 3);
      const char *text = (const char *) sqlite3_column_text (stmt, 4);
      gint64 timestamp = sqlite3_column_int64 (stmt, 5);
      MimpMessageState state = sqlite3_column_int (stmt, 6);
      const char *failure = (const char *) sqlite3_column_text (stmt, 7);
      g_autofree char *valid = g_utf8_make_valid (text ? text : "", -1);
      g_autofree char *chunk = NULL;

      if (json)
        {
          g_autofree char *object = json_message (
              sqlite3_column_int64 (stmt, 0), outgoing, sender, kind, valid, timestamp, state,
              failure, (const char *) sqlite3_column_text (stmt, 8), sqlite3_column_int (stmt, 9));
          chunk = g_strconcat (export->n_messages > 0 ? ",\n" : "", object, NULL);
        }
      else
        chunk = text_message (export, outgoing, sender, kind, valid, timestamp, state, failure);
      if (!write_all (out, chunk, cancellable, error))
        return FALSE;
      export->n_messages++;
    }
  if (rc != SQLITE_DONE)
    {
      set_sqlite_error (error, db, "Could not read the chat");
      return FALSE;
    }
  return !json || write_all (out, "\n]}\n", cancellable, error);
}

static void
export_thread (GTask *task, gpointer source, gpointer data, GCancellable *cancellable)
{
  Export *export = data;
  sqlite3 *db = NULL;
  g_autoptr (GFileOutputStream) out = NULL;
  GError *error = NULL;
  gboolean existed;
  gboolean ok;

  if (sqlite3_open_v2 (export->path, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL) !=
      SQLITE_OK)
    {
      set_sqlite_error (&error, db, "Could not open the history");
      sqlite3_close (db);
      g_task_return_error (task, error);
      return;
    }
  sqlite3_busy_timeout (db, 5000);

  /* GLib writes a new file in place (only an existing one through a
   * temporary file): a failed export removes what it wrote of a new one. */
  existed = g_file_query_exists (export->file, cancellable);
  out = g_file_replace (export->file, NULL, FALSE, G_FILE_CREATE_PRIVATE, cancellable, &error);
  if (out == NULL)
    {
      sqlite3_close (db);
      g_task_return_error (task, error);
      return;
    }

  /* One read transaction: the whole chat as it was when the export began. */
  ok = sqlite3_exec (db, "BEGIN", NULL, NULL, NULL) == SQLITE_OK;
  if (!ok)
    set_sqlite_error (&error, db, "Could not read the chat");
  ok = ok && write_export (export, db, G_OUTPUT_STREAM (out), cancellable, &error);
  sqlite3_exec (db, "COMMIT", NULL, NULL, NULL);
  sqlite3_close (db);

  if (!ok)
    {
      /* Closing a replaced file after a cancel leaves the old one in place. */
      g_autoptr (GCancellable) cancelled = g_cancellable_new ();

      g_cancellable_cancel (cancelled);
      g_output_stream_close (G_OUTPUT_STREAM (out), cancelled, NULL);
      if (!existed)
        g_file_delete (export->file, NULL, NULL);
      g_task_return_error (task, error);
      return;
    }
  if (!g_output_stream_close (G_OUTPUT_STREAM (out), cancellable, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  g_task_return_boolean (task, TRUE);
}

/**
 * mimp_export_chat_async:
 * @history: the history, open (its file is read through a connection of the
 *   export's own)
 * @account_name: how the account is named for the user (the author of the
 *   messages sent)
 * @file: where to write; replaced when the whole export is written
 *
 * Writes every message of the chat with @peer, oldest first, with its time
 * (ISO 8601 with the offset), author, delivery state and text, in @format.
 */
void
mimp_export_chat_async (MimpHistory *history, const char *account_id, const char *account_name,
                        const char *peer, MimpExportFormat format, GFile *file,
                        GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr (GTask) task = NULL;
  Export *export;

  g_return_if_fail (MIMP_IS_HISTORY (history));
  g_return_if_fail (account_id != NULL && peer != NULL);
  g_return_if_fail (G_IS_FILE (file));

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, mimp_export_chat_async);
  export = g_new0 (Export, 1);
  export->path = g_strdup (mimp_history_get_path (history));
  export->account_id = g_strdup (account_id);
  export->account_name = g_strdup (account_name ? account_name : account_id);
  export->peer = g_strdup (peer);
  export->format = format;
  export->file = g_object_ref (file);
  g_task_set_task_data (task, export, export_free);
  g_task_run_in_thread (task, export_thread);
}

/**
 * mimp_export_chat_finish:
 * @n_messages: (out) (optional): how many messages were written
 */
gboolean
mimp_export_chat_finish (GAsyncResult *result, guint64 *n_messages, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);

  if (!g_task_propagate_boolean (G_TASK (result), error))
    return FALSE;
  if (n_messages != NULL)
    *n_messages = ((Export *) g_task_get_task_data (G_TASK (result)))->n_messages;
  return TRUE;
}
