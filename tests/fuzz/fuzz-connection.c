/* fuzz-connection.c - MimpConnection (the client) fed a server's byte
 * stream from memory
 *
 * Input: one control byte, then what a server sends. Once the stream has
 * carried a valid key puzzle (an SCH frame of 256 bytes), the harness
 * enciphers the body of every later complete frame with its key, so the
 * fuzzer writes replies in plain text. The client logs in as alice; if that
 * succeeds it sends requests (which ones: the control byte), one more each
 * time one completes, up to eight. The stream then ends.
 *
 * Oracles: the login and every request complete (with a result or an
 * error) once the stream ends; what they return is valid; the connection
 * is finalized when dropped; no critical, no sanitizer report, no leak.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "mimp.h"
#include "mimp-connection-private.h"
#include "fuzz-common.h"

typedef struct
{
  MimpConnection *connection;
  guint8 control;
  gboolean login_done;
  guint started;
  guint finished;
} Fuzz;

int LLVMFuzzerInitialize (int *argc, char ***argv);
int LLVMFuzzerTestOneInput (const guint8 *data, size_t size);

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  g_log_set_always_fatal (G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_ERROR);
  return 0;
}

static void start_next (Fuzz *f);

static void
send_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Fuzz *f = user_data;
  g_autoptr (GError) error = NULL;
  g_autofree char *id = NULL;
  gint64 ts = 0;

  if (mimp_connection_send_message_finish (MIMP_CONNECTION (source), result, &id, &ts, &error))
    FUZZ_ASSERT (id == NULL || g_utf8_validate (id, -1, NULL));
  else
    FUZZ_ASSERT (error != NULL && id == NULL);
  f->finished++;
  start_next (f);
}

static void
get_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Fuzz *f = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) messages = NULL;
  gboolean more = FALSE;

  messages = mimp_connection_get_unread_finish (MIMP_CONNECTION (source), result, &more, &error);
  if (messages != NULL)
    {
      FUZZ_ASSERT (error == NULL);
      for (guint i = 0; i < messages->len; i++)
        {
          MimpMessage *m = messages->pdata[i];

          FUZZ_ASSERT (m->from != NULL && g_utf8_validate (m->from, -1, NULL));
          FUZZ_ASSERT (m->text != NULL && g_utf8_validate (m->text, -1, NULL));
        }
    }
  else
    FUZZ_ASSERT (error != NULL && !more);
  f->finished++;
  start_next (f);
}

static void
start_next (Fuzz *f)
{
  guint n = f->started;

  if (n >= 8 || mimp_connection_get_state (f->connection) != MIMP_CONNECTION_STATE_READY)
    return;
  f->started++;
  /* One bit of the control byte per request: SM or GU. */
  if (f->control & (1u << n))
    mimp_connection_send_message_async (f->connection, "bob", "hello", n & 1 ? "client-id" : NULL,
                                        NULL, send_cb, f);
  else
    mimp_connection_get_unread_async (f->connection, n & 1 ? 0 : -1, n & 2 ? 25 : 0, NULL, get_cb,
                                      f);
}

static void
login_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Fuzz *f = user_data;
  g_autoptr (GError) error = NULL;

  f->login_done = TRUE;
  if (mimp_connection_login_finish (MIMP_CONNECTION (source), result, &error))
    {
      FUZZ_ASSERT (mimp_connection_get_state (f->connection) == MIMP_CONNECTION_STATE_READY);
      /* Two at once (pipelined), then one more as each completes. */
      start_next (f);
      start_next (f);
    }
  else
    FUZZ_ASSERT (error != NULL);
}

int
LLVMFuzzerTestOneInput (const guint8 *data, size_t size)
{
  g_autoptr (GByteArray) stream = g_byte_array_new ();
  g_autoptr (GInputStream) in = NULL;
  g_autoptr (GOutputStream) out = NULL;
  g_autoptr (GIOStream) io = NULL;
  guint8 key[MIMP_KEY_SIZE];
  gboolean have_key = FALSE;
  Fuzz f = { 0 };
  gsize pos = 0;
  guint spins = 0;

  if (size < 1)
    return 0;
  f.control = data[0];
  data++;
  size--;

  while (pos < size)
    {
      MimpHeader h;
      gsize at = stream->len;

      if (size - pos < MIMP_HEADER_SIZE)
        goto raw;
      mimp_header_read (data + pos, &h);
      if (h.length > size - pos - MIMP_HEADER_SIZE)
        goto raw;
      g_byte_array_append (stream, data + pos, MIMP_HEADER_SIZE + h.length);
      if (h.id == MIMP_PACKET_SCH && !have_key)
        have_key = mimp_puzzle_solve (data + pos + MIMP_HEADER_SIZE, h.length, key, NULL);
      else if (h.id != MIMP_PACKET_SCH && have_key)
        mimp_xor (stream->data + at + MIMP_HEADER_SIZE, h.length, key, 0);
      pos += MIMP_HEADER_SIZE + h.length;
      continue;
    raw:
      g_byte_array_append (stream, data + pos, size - pos);
      break;
    }

  in = g_memory_input_stream_new_from_data (g_memdup2 (stream->data, stream->len), stream->len,
                                            g_free);
  out = g_memory_output_stream_new_resizable ();
  io = g_simple_io_stream_new (in, out);

  f.connection = mimp_connection_new ("fuzz.invalid", MIMP_DEFAULT_PORT, FALSE);
  g_object_add_weak_pointer (G_OBJECT (f.connection), (gpointer *) &f.connection);
  mimp_connection_login_on_stream_async (f.connection, io, "alice", "pw", NULL, login_cb, &f);

  /* The stream ends, so everything completes without waiting for a timer. */
  while (!(f.login_done && f.finished == f.started))
    {
      FUZZ_ASSERT (++spins < 100000);
      g_main_context_iteration (NULL, TRUE);
    }
  mimp_connection_close (f.connection);
  g_object_unref (f.connection);
  /* Closing the streams may finish in a worker thread: give it 5 s. */
  for (guint i = 0; i < 50000 && f.connection != NULL; i++)
    if (!g_main_context_iteration (NULL, FALSE))
      g_usleep (100);
  FUZZ_ASSERT (f.connection == NULL);
  while (g_main_context_pending (NULL))
    g_main_context_iteration (NULL, FALSE);
  return 0;
}
