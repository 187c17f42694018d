/* mimp-connection.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "mimp-connection"

#include "config.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>

#include "mimp-body.h"
#include "mimp-cipher.h"
#include "mimp-connection-private.h"
#include "mimp-connection.h"
#include "mimp-error.h"
#include "mimp-packet.h"

#define DEFAULT_TIMEOUT_SECONDS 15
#define ASK_PUZZLE_AFTER_MS 1000
#define READ_CHUNK 16384

/**
 * MimpConnection:
 *
 * One MIMP session on one TCP or TLS connection: connect, key puzzle,
 * authentication, then requests answered strictly in order. Every
 * operation is asynchronous on the thread-default main context; nothing
 * blocks. A connection is used once: after it closed or failed, make a new
 * one (MimpClientSession does this). Pending reads hold a reference, so
 * end a connection with mimp_connection_close () rather than by dropping
 * the last reference.
 *
 * Signals: `closed` (const GError *error) when a ready connection ends
 * other than by mimp_connection_close(); `delivered` (GPtrArray of
 * MimpMessage) for each DELIVER packet a push connection gets
 * (docs/protocols/mimp.md, section 14): never a reply, so it may come
 * between any two replies once PUSH was sent.
 */

typedef struct
{
  guint16 packet_id;
  GTask *task; /* NULL once returned early (cancelled) */
  GSource *cancel_source;
  gint64 deadline; /* monotonic µs */
} Request;

struct _MimpConnection
{
  GObject parent_instance;

  char *host;
  guint16 port;
  gboolean use_tls;
  guint timeout;
  char *accepted_fingerprint;

  MimpConnectionState state;
  gboolean closing;
  char *user;
  char *token;

  GSocketClient *client;
  GSocketConnection *connection;
  GIOStream *given_stream; /* mimp_connection_login_on_stream_async () */
  GIOStream *stream;
  GInputStream *input;
  GOutputStream *output;
  GCancellable *io_cancellable;
  GTlsCertificate *peer_certificate;
  GTlsCertificateFlags peer_certificate_errors;

  MimpFrameReader *reader;
  guint8 puzzle[MIMP_PUZZLE_SIZE];
  guint8 key[MIMP_KEY_SIZE];
  gboolean have_key;

  GByteArray *pending_out;
  GBytes *writing;

  GTask *login_task;
  GSource *login_cancel_source;
  char *login_password;
  guint ask_puzzle_id;
  guint login_timeout_id;

  GQueue requests;
  guint watchdog_id;
  gboolean push_asked; /* PUSH sent: DELIVER packets may come */
};

enum
{
  PROP_0,
  PROP_HOST,
  PROP_PORT,
  PROP_USE_TLS,
  PROP_STATE,
  N_PROPS
};

enum
{
  CLOSED,
  DELIVERED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (MimpConnection, mimp_connection, G_TYPE_OBJECT)

GType
mimp_connection_state_get_type (void)
{
  static gsize type_id = 0;

  if (g_once_init_enter (&type_id))
    {
      static const GEnumValue values[] = {
        { MIMP_CONNECTION_STATE_DISCONNECTED, "MIMP_CONNECTION_STATE_DISCONNECTED",
          "disconnected" },
        { MIMP_CONNECTION_STATE_CONNECTING, "MIMP_CONNECTION_STATE_CONNECTING", "connecting" },
        { MIMP_CONNECTION_STATE_HANDSHAKING, "MIMP_CONNECTION_STATE_HANDSHAKING", "handshaking" },
        { MIMP_CONNECTION_STATE_AUTHENTICATING, "MIMP_CONNECTION_STATE_AUTHENTICATING",
          "authenticating" },
        { MIMP_CONNECTION_STATE_READY, "MIMP_CONNECTION_STATE_READY", "ready" },
        { MIMP_CONNECTION_STATE_FAILED, "MIMP_CONNECTION_STATE_FAILED", "failed" },
        { 0, NULL, NULL },
      };
      GType type = g_enum_register_static (g_intern_static_string ("MimpConnectionState"), values);

      g_once_init_leave (&type_id, type);
    }
  return type_id;
}

static void
set_state (MimpConnection *self, MimpConnectionState state)
{
  if (self->state == state)
    return;
  self->state = state;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
}

static void
clear_source (GSource **source)
{
  if (*source == NULL)
    return;
  g_source_destroy (*source);
  g_clear_pointer (source, g_source_unref);
}

static void
request_free (Request *request)
{
  clear_source (&request->cancel_source);
  g_clear_object (&request->task);
  g_free (request);
}

/* Ends the connection: every pending operation fails with @error. */
static void
fail (MimpConnection *self, const GError *error)
{
  G_GNUC_UNUSED g_autoptr (GObject) hold = g_object_ref (G_OBJECT (self));
  gboolean was_ready = self->state == MIMP_CONNECTION_STATE_READY;
  Request *request;

  if (self->state == MIMP_CONNECTION_STATE_FAILED ||
      self->state == MIMP_CONNECTION_STATE_DISCONNECTED)
    return;

  g_debug ("Connection to %s:%u ends: %s", self->host, self->port, error->message);
  g_clear_handle_id (&self->ask_puzzle_id, g_source_remove);
  g_clear_handle_id (&self->login_timeout_id, g_source_remove);
  g_clear_handle_id (&self->watchdog_id, g_source_remove);
  g_cancellable_cancel (self->io_cancellable);
  if (self->stream)
    g_io_stream_close_async (self->stream, G_PRIORITY_DEFAULT, NULL, NULL, NULL);
  g_clear_pointer (&self->token, mimp_secure_free_string);
  g_clear_pointer (&self->login_password, mimp_secure_free_string);
  mimp_secure_wipe (self->key, sizeof self->key);

  set_state (self, g_error_matches (error, MIMP_ERROR, MIMP_ERROR_CLOSED)
                       ? MIMP_CONNECTION_STATE_DISCONNECTED
                       : MIMP_CONNECTION_STATE_FAILED);

  clear_source (&self->login_cancel_source);
  if (self->login_task)
    {
      /* g_task_return_*() keeps the caller's reference: drop ours after. */
      g_autoptr (GTask) task = g_steal_pointer (&self->login_task);

      g_task_return_error (task, g_error_copy (error));
    }
  while ((request = g_queue_pop_head (&self->requests)))
    {
      if (request->task)
        {
          g_autoptr (GTask) task = g_steal_pointer (&request->task);

          g_task_return_error (task, g_error_copy (error));
        }
      request_free (request);
    }
  if (was_ready && !self->closing)
    g_signal_emit (self, signals[CLOSED], 0, error);
}

static void
fail_literal (MimpConnection *self, MimpError code, const char *message)
{
  g_autoptr (GError) error = g_error_new_literal (MIMP_ERROR, code, message);

  fail (self, error);
}

static void write_pending (MimpConnection *self);

/* Wipes a buffer this connection alone holds before it is freed. */
static void
wipe_bytes (GBytes *bytes)
{
  gsize len = 0;
  gconstpointer data = bytes ? g_bytes_get_data (bytes, &len) : NULL;

  mimp_secure_wipe ((gpointer) data, len);
}

static void
write_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (MimpConnection) self = user_data;
  g_autoptr (GError) error = NULL;

  if (!g_output_stream_write_all_finish (G_OUTPUT_STREAM (object), result, NULL, &error))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          g_autoptr (GError) closed =
              g_error_new (MIMP_ERROR, MIMP_ERROR_CLOSED, "Connection lost: %s", error->message);
          fail (self, closed);
        }
      return;
    }
  /* What went out held the token (and the password, in the login). */
  wipe_bytes (self->writing);
  g_clear_pointer (&self->writing, g_bytes_unref);
  write_pending (self);
}

static void
write_pending (MimpConnection *self)
{
  gsize size;
  gconstpointer data;

  if (self->writing != NULL || self->pending_out->len == 0 || self->output == NULL ||
      g_cancellable_is_cancelled (self->io_cancellable))
    return;
  self->writing = g_byte_array_free_to_bytes (g_steal_pointer (&self->pending_out));
  self->pending_out = g_byte_array_new ();
  data = g_bytes_get_data (self->writing, &size);
  g_output_stream_write_all_async (self->output, data, size, G_PRIORITY_DEFAULT,
                                   self->io_cancellable, write_cb, g_object_ref (self));
}

/* Queues one packet; @body is enciphered here unless it is an SCH. */
static void
queue_packet (MimpConnection *self, guint16 packet_id, const guint8 *body, gsize len)
{
  guint8 header[MIMP_HEADER_SIZE];
  guint offset;

  mimp_header_write (header, packet_id, (guint32) len);
  g_byte_array_append (self->pending_out, header, sizeof header);
  offset = self->pending_out->len;
  if (len > 0)
    g_byte_array_append (self->pending_out, body, (guint) len);
  if (packet_id != MIMP_PACKET_SCH)
    mimp_xor (self->pending_out->data + offset, len, self->key, 0);
  write_pending (self);
}

static void
queue_packet_bytes (MimpConnection *self, guint16 packet_id, GBytes *body)
{
  gsize len;
  const guint8 *data = g_bytes_get_data (body, &len);

  queue_packet (self, packet_id, data, len);
}

static char *
describe_status (int code, gboolean during_login)
{
  switch (code)
    {
    case 400:
      return g_strdup ("The server could not understand the request");
    case 401:
      return g_strdup (during_login ? "Wrong user name or password"
                                    : "The server no longer accepts this session");
    case 403:
      return g_strdup ("The server does not allow this");
    case 404:
      return g_strdup ("There is no such user on this server");
    case 413:
      return g_strdup ("The message is too long for the server");
    case 429:
      return g_strdup ("Too many attempts; the server asks to wait before trying again");
    case 501:
      return g_strdup ("The server does not support this request");
    default:
      if (code >= 500 && code < 600)
        return g_strdup_printf ("The server had a problem (error %d)", code);
      return g_strdup_printf ("The server answered with error %d", code);
    }
}

static GError *
error_from_packet (const guint8 *body, gsize len, gboolean during_login)
{
  g_autofree char *server_text = NULL;
  g_autofree char *text = NULL;
  int code;

  if (!mimp_body_parse_error (body, len, &code, &server_text))
    return g_error_new_literal (MIMP_ERROR, MIMP_ERROR_PROTOCOL,
                                "The server sent an error this client cannot read");
  g_debug ("Server error %d: %s", code, server_text ? server_text : "(no text)");
  text = describe_status (code, during_login);
  return g_error_new_literal (MIMP_ERROR, mimp_error_from_status (code, during_login), text);
}

static void
login_succeeded (MimpConnection *self, const guint8 *body, gsize len)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GTask) task = NULL;
  char *token = NULL;

  if (!mimp_body_parse_token (body, len, &token, &error))
    {
      fail (self, error);
      return;
    }
  self->token = token;
  g_clear_handle_id (&self->login_timeout_id, g_source_remove);
  g_clear_pointer (&self->login_password, mimp_secure_free_string);
  clear_source (&self->login_cancel_source);
  set_state (self, MIMP_CONNECTION_STATE_READY);
  task = g_steal_pointer (&self->login_task);
  g_task_return_boolean (task, TRUE);
}

static void
handle_puzzle (MimpConnection *self, const guint8 *body, gsize len)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) login = NULL;

  if (self->have_key)
    {
      /* A repeat of the same puzzle (the answer to our asking) is ignored. */
      if (len == MIMP_PUZZLE_SIZE && memcmp (body, self->puzzle, len) == 0)
        return;
      fail_literal (self, MIMP_ERROR_PROTOCOL, "The server changed the key puzzle mid-session");
      return;
    }
  if (self->state != MIMP_CONNECTION_STATE_HANDSHAKING)
    {
      fail_literal (self, MIMP_ERROR_PROTOCOL, "The server sent a key puzzle at the wrong time");
      return;
    }
  if (!mimp_puzzle_solve (body, len, self->key, &error))
    {
      fail (self, error);
      return;
    }
  memcpy (self->puzzle, body, MIMP_PUZZLE_SIZE);
  self->have_key = TRUE;
  g_clear_handle_id (&self->ask_puzzle_id, g_source_remove);

  set_state (self, MIMP_CONNECTION_STATE_AUTHENTICATING);
  login = mimp_body_build_login_request (self->user, self->login_password);
  queue_packet_bytes (self, MIMP_PACKET_AH, login);
  wipe_bytes (login);
  g_clear_pointer (&self->login_password, mimp_secure_free_string);
}

static void
complete_request (MimpConnection *self, Request *request, guint16 packet_id, const guint8 *body,
                  gsize len)
{
  g_autoptr (GTask) task = g_steal_pointer (&request->task);
  g_autoptr (GError) error = NULL;

  if (packet_id == MIMP_PACKET_ERROR)
    {
      if (task)
        g_task_return_error (task, error_from_packet (body, len, FALSE));
      return;
    }
  if (task == NULL)
    return;

  if (g_task_get_source_tag (task) == mimp_connection_request_async)
    g_task_return_pointer (task, g_bytes_new (body, len), (GDestroyNotify) g_bytes_unref);
  else if (packet_id == MIMP_PACKET_SM)
    {
      char *id = NULL;
      gint64 ts = 0;

      mimp_body_parse_send_reply (body, len, &id, &ts, NULL);
      g_object_set_data_full (G_OBJECT (task), "mimp-server-id", id, g_free);
      g_object_set_data_full (G_OBJECT (task), "mimp-timestamp", g_memdup2 (&ts, sizeof ts),
                              g_free);
      g_task_return_boolean (task, TRUE);
    }
  else
    {
      GPtrArray *messages = NULL;
      gboolean more = FALSE;

      if (!mimp_body_parse_get_reply (body, len, g_get_real_time () / 1000, &messages, &more,
                                      &error))
        {
          g_task_return_error (task, g_error_copy (error));
          fail (self, error);
          return;
        }
      g_object_set_data (G_OBJECT (task), "mimp-more", GINT_TO_POINTER (more));
      g_task_return_pointer (task, messages, (GDestroyNotify) g_ptr_array_unref);
    }
}

/* Pushed messages: the body of a GU reply, outside the request order. */
static gboolean
handle_delivered (MimpConnection *self, const guint8 *body, gsize len)
{
  g_autoptr (GPtrArray) messages = NULL;
  g_autoptr (GError) error = NULL;
  gboolean more = FALSE;

  if (!mimp_body_parse_get_reply (body, len, g_get_real_time () / 1000, &messages, &more, &error))
    {
      fail (self, error);
      return FALSE;
    }
  g_object_ref (self);
  g_signal_emit (self, signals[DELIVERED], 0, messages);
  g_object_unref (self);
  return self->state == MIMP_CONNECTION_STATE_READY;
}

/* Returns FALSE when the connection failed while handling the packet. */
static gboolean
handle_packet (MimpConnection *self, guint16 packet_id, guint8 *body, gsize len)
{
  Request *request;

  if (packet_id == MIMP_PACKET_SCH)
    {
      handle_puzzle (self, body, len);
      return self->state != MIMP_CONNECTION_STATE_FAILED;
    }
  if (!self->have_key)
    {
      if (packet_id == MIMP_PACKET_ERROR)
        {
          /* A server may refuse before any puzzle (too many connections). */
          fail_literal (self, MIMP_ERROR_PROTOCOL,
                        "The server refused the connection before the key exchange");
        }
      else
        fail_literal (self, MIMP_ERROR_PROTOCOL, "The server did not start with a key puzzle");
      return FALSE;
    }

  mimp_xor (body, len, self->key, 0);

  if (self->state == MIMP_CONNECTION_STATE_AUTHENTICATING)
    {
      if (packet_id == MIMP_PACKET_AH)
        {
          login_succeeded (self, body, len);
          mimp_secure_wipe (body, len); /* the token, deciphered in place */
        }
      else if (packet_id == MIMP_PACKET_ERROR)
        {
          g_autoptr (GError) error = error_from_packet (body, len, TRUE);

          fail (self, error);
        }
      else
        fail_literal (self, MIMP_ERROR_PROTOCOL,
                      "The server answered the login with the wrong packet");
      return self->state == MIMP_CONNECTION_STATE_READY;
    }

  if (packet_id == MIMP_PACKET_DELIVER && self->push_asked)
    return handle_delivered (self, body, len);

  request = g_queue_peek_head (&self->requests);
  if (request == NULL)
    {
      fail_literal (self, MIMP_ERROR_PROTOCOL, "The server sent a packet nobody asked for");
      return FALSE;
    }
  if (packet_id != MIMP_PACKET_ERROR && packet_id != request->packet_id)
    {
      fail_literal (self, MIMP_ERROR_PROTOCOL, "The server answered with the wrong packet");
      return FALSE;
    }
  g_queue_pop_head (&self->requests);
  complete_request (self, request, packet_id, body, len);
  request_free (request);
  if (g_queue_is_empty (&self->requests))
    g_clear_handle_id (&self->watchdog_id, g_source_remove);
  return self->state == MIMP_CONNECTION_STATE_READY;
}

static void start_read (MimpConnection *self);

static void
read_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (MimpConnection) self = user_data;
  g_autoptr (GError) error = NULL;
  gssize n = g_input_stream_read_finish (G_INPUT_STREAM (object), result, &error);

  if (n < 0)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          g_autoptr (GError) closed =
              g_error_new (MIMP_ERROR, MIMP_ERROR_CLOSED, "Connection lost: %s", error->message);
          fail (self, closed);
        }
      return;
    }
  if (n == 0)
    {
      fail_literal (self, MIMP_ERROR_CLOSED,
                    self->state == MIMP_CONNECTION_STATE_READY
                        ? "The server closed the connection"
                        : "The server closed the connection before the login completed");
      return;
    }

  mimp_frame_reader_commit (self->reader, (gsize) n);
  for (;;)
    {
      guint16 packet_id;
      guint8 *body;
      guint32 len;
      MimpFrameStatus status =
          mimp_frame_reader_next (self->reader, &packet_id, &body, &len, &error);

      if (status == MIMP_FRAME_NEED_MORE)
        break;
      if (status == MIMP_FRAME_ERROR)
        {
          if (g_error_matches (error, MIMP_ERROR, MIMP_ERROR_NOT_MIMP) && !self->have_key)
            {
              g_clear_error (&error);
              g_set_error (&error, MIMP_ERROR, MIMP_ERROR_NOT_MIMP, "%s:%u is not a MIMP server",
                           self->host, self->port);
            }
          else if (!g_error_matches (error, MIMP_ERROR, MIMP_ERROR_NOT_MIMP))
            error->code = MIMP_ERROR_PROTOCOL;
          fail (self, error);
          return;
        }
      if (!handle_packet (self, packet_id, body, len))
        return;
    }
  start_read (self);
}

static void
start_read (MimpConnection *self)
{
  gsize avail;
  guint8 *room = mimp_frame_reader_reserve (self->reader, READ_CHUNK, &avail);

  g_input_stream_read_async (self->input, room, avail, G_PRIORITY_DEFAULT, self->io_cancellable,
                             read_cb, g_object_ref (self));
}

static gboolean
ask_puzzle_cb (gpointer user_data)
{
  MimpConnection *self = user_data;

  self->ask_puzzle_id = 0;
  g_debug ("No key puzzle after %d ms; asking for one", ASK_PUZZLE_AFTER_MS);
  queue_packet (self, MIMP_PACKET_SCH, NULL, 0);
  return G_SOURCE_REMOVE;
}

static gboolean
login_timeout_cb (gpointer user_data)
{
  MimpConnection *self = user_data;
  g_autoptr (GError) error = NULL;

  self->login_timeout_id = 0;
  error = g_error_new (MIMP_ERROR, MIMP_ERROR_TIMEOUT, "%s:%u did not answer within %u seconds",
                       self->host, self->port, self->timeout);
  fail (self, error);
  return G_SOURCE_REMOVE;
}

char *
mimp_certificate_get_fingerprint (GTlsCertificate *certificate)
{
  g_autoptr (GByteArray) der = NULL;
  g_autoptr (GChecksum) checksum = NULL;
  guint8 digest[32];
  gsize digest_len = sizeof digest;
  GString *out;

  g_return_val_if_fail (G_IS_TLS_CERTIFICATE (certificate), NULL);
  g_object_get (certificate, "certificate", &der, NULL);
  if (der == NULL)
    return NULL;
  checksum = g_checksum_new (G_CHECKSUM_SHA256);
  g_checksum_update (checksum, der->data, der->len);
  g_checksum_get_digest (checksum, digest, &digest_len);
  out = g_string_sized_new (96);
  for (gsize i = 0; i < digest_len; i++)
    g_string_append_printf (out, i ? ":%02X" : "%02X", digest[i]);
  return g_string_free (out, FALSE);
}

/**
 * mimp_tls_version_acceptable:
 *
 * Whether @tls negotiated TLS 1.2 or later (both the client and mimpd
 * refuse less, whatever the TLS backend allows).
 */
gboolean
mimp_tls_version_acceptable (GTlsConnection *tls)
{
  switch (g_tls_connection_get_protocol_version (tls))
    {
    case G_TLS_PROTOCOL_VERSION_TLS_1_2:
    case G_TLS_PROTOCOL_VERSION_TLS_1_3:
      return TRUE;
    case G_TLS_PROTOCOL_VERSION_UNKNOWN:
    case G_TLS_PROTOCOL_VERSION_SSL_3_0:
    case G_TLS_PROTOCOL_VERSION_TLS_1_0:
    case G_TLS_PROTOCOL_VERSION_TLS_1_1:
    case G_TLS_PROTOCOL_VERSION_DTLS_1_0:
    case G_TLS_PROTOCOL_VERSION_DTLS_1_2:
    default:
      return FALSE;
    }
}

static gboolean
accept_certificate_cb (GTlsConnection *tls, GTlsCertificate *certificate,
                       GTlsCertificateFlags errors, gpointer user_data)
{
  MimpConnection *self = user_data;
  g_autofree char *fingerprint = mimp_certificate_get_fingerprint (certificate);

  g_set_object (&self->peer_certificate, certificate);
  self->peer_certificate_errors = errors;
  return self->accepted_fingerprint != NULL && fingerprint != NULL &&
         g_ascii_strcasecmp (fingerprint, self->accepted_fingerprint) == 0;
}

static void
socket_client_event_cb (GSocketClient *client, GSocketClientEvent event,
                        GSocketConnectable *connectable, GIOStream *connection, gpointer user_data)
{
  if (event == G_SOCKET_CLIENT_TLS_HANDSHAKING && G_IS_TLS_CONNECTION (connection))
    g_signal_connect_object (connection, "accept-certificate", G_CALLBACK (accept_certificate_cb),
                             user_data, 0);
}

static GError *
connect_error (MimpConnection *self, GError *error)
{
  g_autofree char *fingerprint = NULL;

  if (error->domain == G_TLS_ERROR && self->peer_certificate != NULL &&
      (error->code == G_TLS_ERROR_BAD_CERTIFICATE || self->peer_certificate_errors != 0))
    {
      fingerprint = mimp_certificate_get_fingerprint (self->peer_certificate);
      return g_error_new (MIMP_ERROR, MIMP_ERROR_CERTIFICATE,
                          "The certificate of %s is not trusted (SHA-256 fingerprint %s)",
                          self->host, fingerprint ? fingerprint : "unknown");
    }
  if (error->domain == G_TLS_ERROR)
    return g_error_new (MIMP_ERROR, MIMP_ERROR_TLS, "Secure connection to %s failed: %s",
                        self->host, error->message);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT))
    return g_error_new (MIMP_ERROR, MIMP_ERROR_TIMEOUT, "%s:%u did not answer in time", self->host,
                        self->port);
  return g_error_new (MIMP_ERROR, MIMP_ERROR_UNREACHABLE, "Cannot reach %s:%u: %s", self->host,
                      self->port, error->message);
}

/* Connected: wait for the key puzzle. */
static void
start_on_stream (MimpConnection *self, GIOStream *stream)
{
  self->stream = stream;
  self->input = g_io_stream_get_input_stream (self->stream);
  self->output = g_io_stream_get_output_stream (self->stream);

  set_state (self, MIMP_CONNECTION_STATE_HANDSHAKING);
  self->ask_puzzle_id = g_timeout_add (ASK_PUZZLE_AFTER_MS, ask_puzzle_cb, self);
  start_read (self);
}

static void
connect_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (MimpConnection) self = user_data;
  g_autoptr (GError) error = NULL;
  GSocketConnection *connection;
  GSocket *socket;

  connection = g_socket_client_connect_to_host_finish (G_SOCKET_CLIENT (object), result, &error);
  if (self->state != MIMP_CONNECTION_STATE_CONNECTING)
    {
      /* Timed out, cancelled or closed meanwhile. */
      if (connection)
        g_io_stream_close_async (G_IO_STREAM (connection), G_PRIORITY_DEFAULT, NULL, NULL, NULL);
      g_clear_object (&connection);
      return;
    }
  if (connection == NULL)
    {
      g_autoptr (GError) mapped = NULL;

      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          fail (self, error);
          return;
        }
      mapped = connect_error (self, error);
      fail (self, mapped);
      return;
    }

  if (G_IS_TCP_WRAPPER_CONNECTION (connection))
    {
      GIOStream *base =
          g_tcp_wrapper_connection_get_base_io_stream (G_TCP_WRAPPER_CONNECTION (connection));

      if (G_IS_TLS_CONNECTION (base) && !mimp_tls_version_acceptable (G_TLS_CONNECTION (base)))
        {
          g_autoptr (GError) old = g_error_new (
              MIMP_ERROR, MIMP_ERROR_TLS,
              "Secure connection to %s failed: the server uses an outdated TLS version",
              self->host);

          g_io_stream_close_async (G_IO_STREAM (connection), G_PRIORITY_DEFAULT, NULL, NULL, NULL);
          g_object_unref (connection);
          fail (self, old);
          return;
        }
    }
  self->connection = connection;
  socket = g_socket_connection_get_socket (connection);
  if (socket != NULL)
    g_socket_set_option (socket, IPPROTO_TCP, TCP_NODELAY, 1, NULL);
  start_on_stream (self, G_IO_STREAM (connection));
}

static gboolean
login_cancelled_cb (GCancellable *cancellable, gpointer user_data)
{
  MimpConnection *self = user_data;
  g_autoptr (GError) error =
      g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED, "Login cancelled");

  g_clear_pointer (&self->login_cancel_source, g_source_unref);
  fail (self, error);
  return G_SOURCE_REMOVE;
}

/* A source on the thread-default context that runs @func once @cancellable
 * is cancelled; NULL without a cancellable. */
static GSource *
watch_cancellable (GCancellable *cancellable, GCancellableSourceFunc func, gpointer data)
{
  GSource *source;

  if (cancellable == NULL)
    return NULL;
  source = g_cancellable_source_new (cancellable);
  g_source_set_callback (source, G_SOURCE_FUNC (func), data, NULL);
  g_source_attach (source, g_main_context_get_thread_default ());
  return source;
}

/**
 * mimp_connection_login_async:
 *
 * Connects, solves the key puzzle and authenticates. Fails with a
 * %MIMP_ERROR code that says what went wrong: %MIMP_ERROR_UNREACHABLE,
 * %MIMP_ERROR_TIMEOUT, %MIMP_ERROR_NOT_MIMP, %MIMP_ERROR_INVALID_PUZZLE,
 * %MIMP_ERROR_WRONG_PASSWORD, %MIMP_ERROR_RATE_LIMITED,
 * %MIMP_ERROR_INVALID_TOKEN, %MIMP_ERROR_CERTIFICATE (then
 * mimp_connection_get_peer_certificate() has the certificate) and so on.
 */
static void
login_start (MimpConnection *self, GIOStream *stream, const char *user, const char *password,
             GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr (GTask) task = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *normalized = NULL;

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, mimp_connection_login_async);

  if (self->state != MIMP_CONNECTION_STATE_DISCONNECTED || self->client != NULL ||
      self->given_stream != NULL)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_PENDING,
                               "A connection can log in only once");
      return;
    }
  if (!mimp_user_name_normalize (user, &normalized, &error) ||
      !mimp_password_check (password, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  self->user = g_steal_pointer (&normalized);
  self->login_password = g_strdup (password);
  self->login_task = g_steal_pointer (&task);
  self->io_cancellable = g_cancellable_new ();
  self->login_cancel_source = watch_cancellable (cancellable, login_cancelled_cb, self);

  if (stream != NULL)
    {
      self->given_stream = g_object_ref (stream);
      self->login_timeout_id = g_timeout_add_seconds (self->timeout, login_timeout_cb, self);
      start_on_stream (self, stream);
      return;
    }

  self->client = g_socket_client_new ();
  /* No g_socket_client_set_timeout (): it would also time out reads, and a
   * long poll is silent for longer. The login timeout covers connecting. */
  g_socket_client_set_tls (self->client, self->use_tls);
  g_signal_connect_object (self->client, "event", G_CALLBACK (socket_client_event_cb), self, 0);

  set_state (self, MIMP_CONNECTION_STATE_CONNECTING);
  self->login_timeout_id = g_timeout_add_seconds (self->timeout, login_timeout_cb, self);
  g_socket_client_connect_to_host_async (self->client, self->host, self->port, self->io_cancellable,
                                         connect_cb, g_object_ref (self));
}

void
mimp_connection_login_async (MimpConnection *self, const char *user, const char *password,
                             GCancellable *cancellable, GAsyncReadyCallback callback,
                             gpointer user_data)
{
  g_return_if_fail (MIMP_IS_CONNECTION (self));
  login_start (self, NULL, user, password, cancellable, callback, user_data);
}

/**
 * mimp_connection_login_on_stream_async:
 * @stream: a stream already connected to a server (or to anything that
 *   plays one: memory streams, a socket pair)
 *
 * Like mimp_connection_login_async() without connecting: solves the key
 * puzzle read from @stream and authenticates. Finish with
 * mimp_connection_login_finish(). For tests and fuzzers: the connection can
 * be fed a server's byte stream from memory.
 */
void
mimp_connection_login_on_stream_async (MimpConnection *self, GIOStream *stream, const char *user,
                                       const char *password, GCancellable *cancellable,
                                       GAsyncReadyCallback callback, gpointer user_data)
{
  g_return_if_fail (MIMP_IS_CONNECTION (self));
  g_return_if_fail (G_IS_IO_STREAM (stream));
  login_start (self, stream, user, password, cancellable, callback, user_data);
}

gboolean
mimp_connection_login_finish (MimpConnection *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

static gboolean
watchdog_cb (gpointer user_data)
{
  MimpConnection *self = user_data;
  Request *request = g_queue_peek_head (&self->requests);

  if (request != NULL && g_get_monotonic_time () > request->deadline)
    {
      g_autoptr (GError) error = g_error_new (MIMP_ERROR, MIMP_ERROR_TIMEOUT,
                                              "%s:%u stopped answering", self->host, self->port);

      self->watchdog_id = 0;
      fail (self, error);
      return G_SOURCE_REMOVE;
    }
  return G_SOURCE_CONTINUE;
}

static gboolean
request_cancelled_cb (GCancellable *cancellable, gpointer user_data)
{
  Request *request = user_data;

  /* The reply still comes, in order, and is then dropped. */
  g_clear_pointer (&request->cancel_source, g_source_unref);
  if (request->task)
    {
      g_autoptr (GTask) task = g_steal_pointer (&request->task);

      g_task_return_error_if_cancelled (task);
    }
  return G_SOURCE_REMOVE;
}

static void
start_request (MimpConnection *self, GTask *task, guint16 packet_id, GBytes *body,
               guint extra_seconds)
{
  Request *request;

  if (self->state != MIMP_CONNECTION_STATE_READY)
    {
      g_task_return_new_error (task, MIMP_ERROR, MIMP_ERROR_CLOSED, "Not connected");
      g_object_unref (task);
      return;
    }
  request = g_new0 (Request, 1);
  request->packet_id = packet_id;
  request->task = task;
  request->deadline =
      g_get_monotonic_time () + (gint64) (self->timeout + extra_seconds) * G_USEC_PER_SEC;
  request->cancel_source =
      watch_cancellable (g_task_get_cancellable (task), request_cancelled_cb, request);
  g_queue_push_tail (&self->requests, request);
  queue_packet_bytes (self, packet_id, body);
  if (self->watchdog_id == 0)
    self->watchdog_id = g_timeout_add_seconds (1, watchdog_cb, self);
}

/**
 * mimp_connection_send_message_async:
 * @client_id: (nullable): the message's client id (idempotent sends), kept
 *   across retries
 *
 * Sends one message. Checks locally what the server would refuse (empty
 * text, text over 16 KiB, a bad user name) before sending.
 */
void
mimp_connection_send_message_async (MimpConnection *self, const char *to, const char *text,
                                    const char *client_id, GCancellable *cancellable,
                                    GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr (GTask) task = NULL;
  g_autoptr (GBytes) body = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *recipient = NULL;

  g_return_if_fail (MIMP_IS_CONNECTION (self));
  g_return_if_fail (text != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, mimp_connection_send_message_async);

  if (!mimp_user_name_normalize (to, &recipient, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  if (text[0] == '\0' || !g_utf8_validate (text, -1, NULL))
    {
      g_task_return_new_error (task, MIMP_ERROR, MIMP_ERROR_INVALID_ARGUMENT,
                               "A message must be non-empty UTF-8 text");
      return;
    }
  if (strlen (text) > MIMP_MESSAGE_TEXT_MAX)
    {
      g_task_return_new_error (task, MIMP_ERROR, MIMP_ERROR_TOO_LARGE,
                               "A message may be at most %d bytes long", MIMP_MESSAGE_TEXT_MAX);
      return;
    }
  if (self->state != MIMP_CONNECTION_STATE_READY)
    {
      g_task_return_new_error (task, MIMP_ERROR, MIMP_ERROR_CLOSED, "Not connected");
      return;
    }
  body = mimp_body_build_send_request (self->user, recipient, text, self->token, client_id);
  start_request (self, g_steal_pointer (&task), MIMP_PACKET_SM, body, 0);
}

/**
 * mimp_connection_send_message_finish:
 * @server_id: (out) (optional) (nullable): the server's message id, or %NULL
 *   from a plain 1.0 server
 * @timestamp: (out) (optional): the server's time of the message, or 0
 */
gboolean
mimp_connection_send_message_finish (MimpConnection *self, GAsyncResult *result, char **server_id,
                                     gint64 *timestamp, GError **error)
{
  const gint64 *ts;

  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  if (!g_task_propagate_boolean (G_TASK (result), error))
    return FALSE;
  if (server_id)
    *server_id = g_strdup (g_object_get_data (G_OBJECT (result), "mimp-server-id"));
  ts = g_object_get_data (G_OBJECT (result), "mimp-timestamp");
  if (timestamp)
    *timestamp = ts ? *ts : 0;
  return TRUE;
}

/**
 * mimp_connection_get_unread_async:
 * @ack: the highest `seq` stored durably, or -1 for plain 1.0 behaviour
 * @wait: seconds the server may hold the reply (long poll), or 0
 *
 * Asks for waiting messages. A held request is answered at once when
 * another request is sent on this connection.
 */
void
mimp_connection_get_unread_async (MimpConnection *self, gint64 ack, guint wait,
                                  GCancellable *cancellable, GAsyncReadyCallback callback,
                                  gpointer user_data)
{
  g_autoptr (GTask) task = NULL;
  g_autoptr (GBytes) body = NULL;

  g_return_if_fail (MIMP_IS_CONNECTION (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, mimp_connection_get_unread_async);
  if (self->state != MIMP_CONNECTION_STATE_READY)
    {
      g_task_return_new_error (task, MIMP_ERROR, MIMP_ERROR_CLOSED, "Not connected");
      return;
    }
  wait = MIN (wait, (guint) MIMP_GU_WAIT_MAX);
  body = mimp_body_build_get_request (self->user, self->token, ack, wait);
  start_request (self, g_steal_pointer (&task), MIMP_PACKET_GU, body, wait);
}

/**
 * mimp_connection_get_unread_finish:
 * @more: (out) (optional): whether the server has more messages waiting
 *
 * Returns: (transfer container): a #GPtrArray of #MimpMessage, oldest first
 */
GPtrArray *
mimp_connection_get_unread_finish (MimpConnection *self, GAsyncResult *result, gboolean *more,
                                   GError **error)
{
  GPtrArray *messages;

  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  messages = g_task_propagate_pointer (G_TASK (result), error);
  if (more)
    *more = messages ? GPOINTER_TO_INT (g_object_get_data (G_OBJECT (result), "mimp-more")) : FALSE;
  return messages;
}

/**
 * mimp_connection_request_async:
 * @packet_id: the request's packet id (an extension's, or SM for an
 *   ephemeral message)
 * @members: (nullable): JSON object members to follow `uf` and `token`, as
 *   valid JSON (`"op":"count","device":3`)
 *
 * Sends `{"uf":USER,"token":TOKEN,MEMBERS}` in the connection's request
 * order. The reply must carry @packet_id; an Error packet fails with its
 * #MimpError (501: %MIMP_ERROR_UNSUPPORTED).
 */
void
mimp_connection_request_async (MimpConnection *self, guint16 packet_id, const char *members,
                               GCancellable *cancellable, GAsyncReadyCallback callback,
                               gpointer user_data)
{
  g_autoptr (GTask) task = NULL;
  g_autoptr (GBytes) body = NULL;

  g_return_if_fail (MIMP_IS_CONNECTION (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, mimp_connection_request_async);
  if (self->state != MIMP_CONNECTION_STATE_READY)
    {
      g_task_return_new_error (task, MIMP_ERROR, MIMP_ERROR_CLOSED, "Not connected");
      return;
    }
  body = mimp_body_build_request (self->user, self->token, members);
  if (packet_id == MIMP_PACKET_PUSH)
    self->push_asked = TRUE;
  start_request (self, g_steal_pointer (&task), packet_id, body, 0);
  wipe_bytes (body); /* the token, and an ephemeral message's text */
}

/**
 * mimp_connection_acknowledge:
 * @ack: the highest `seq` stored durably
 *
 * On a push connection (after a PUSH request), tells the server that the
 * messages up to @ack may be dropped: an ACK packet, which gets no reply
 * and takes no place in the request order.
 */
void
mimp_connection_acknowledge (MimpConnection *self, gint64 ack)
{
  g_autoptr (GBytes) body = NULL;

  g_return_if_fail (MIMP_IS_CONNECTION (self));
  g_return_if_fail (ack >= 0);

  if (self->state != MIMP_CONNECTION_STATE_READY || !self->push_asked)
    return;
  body = mimp_body_build_get_request (self->user, self->token, ack, 0);
  queue_packet_bytes (self, MIMP_PACKET_ACK, body);
  wipe_bytes (body);
}

/**
 * mimp_connection_request_finish:
 *
 * Returns: (transfer full): the reply's body, deciphered
 */
GBytes *
mimp_connection_request_finish (MimpConnection *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

/**
 * mimp_connection_close:
 *
 * Closes the connection; pending operations fail with %MIMP_ERROR_CLOSED.
 * Does not emit `closed`.
 */
void
mimp_connection_close (MimpConnection *self)
{
  g_autoptr (GError) error = NULL;
  g_return_if_fail (MIMP_IS_CONNECTION (self));

  if (self->state == MIMP_CONNECTION_STATE_DISCONNECTED && self->client == NULL)
    return;
  error = g_error_new_literal (MIMP_ERROR, MIMP_ERROR_CLOSED, "Connection closed");
  self->closing = TRUE;
  fail (self, error);
}

const char *
mimp_connection_get_host (MimpConnection *self)
{
  g_return_val_if_fail (MIMP_IS_CONNECTION (self), NULL);
  return self->host;
}

guint16
mimp_connection_get_port (MimpConnection *self)
{
  g_return_val_if_fail (MIMP_IS_CONNECTION (self), 0);
  return self->port;
}

gboolean
mimp_connection_get_use_tls (MimpConnection *self)
{
  g_return_val_if_fail (MIMP_IS_CONNECTION (self), FALSE);
  return self->use_tls;
}

const char *
mimp_connection_get_user (MimpConnection *self)
{
  g_return_val_if_fail (MIMP_IS_CONNECTION (self), NULL);
  return self->user;
}

MimpConnectionState
mimp_connection_get_state (MimpConnection *self)
{
  g_return_val_if_fail (MIMP_IS_CONNECTION (self), MIMP_CONNECTION_STATE_FAILED);
  return self->state;
}

/**
 * mimp_connection_set_timeout:
 *
 * Seconds allowed for connecting and logging in, and for a server to answer
 * a request (beyond a long poll's wait). Default 15.
 */
void
mimp_connection_set_timeout (MimpConnection *self, guint seconds)
{
  g_return_if_fail (MIMP_IS_CONNECTION (self));
  self->timeout = MAX (seconds, 1);
}

/**
 * mimp_connection_set_accepted_certificate:
 * @fingerprint: (nullable): the SHA-256 fingerprint (as from
 *   mimp_certificate_get_fingerprint()) of a certificate the user accepted
 *
 * A certificate the system does not trust is accepted only when its
 * fingerprint is this one.
 */
void
mimp_connection_set_accepted_certificate (MimpConnection *self, const char *fingerprint)
{
  g_return_if_fail (MIMP_IS_CONNECTION (self));
  g_free (self->accepted_fingerprint);
  self->accepted_fingerprint = g_strdup (fingerprint);
}

/**
 * mimp_connection_get_peer_certificate:
 *
 * Returns: (transfer none) (nullable): the server's TLS certificate, once
 * the handshake has seen it (also after it was rejected)
 */
GTlsCertificate *
mimp_connection_get_peer_certificate (MimpConnection *self)
{
  g_return_val_if_fail (MIMP_IS_CONNECTION (self), NULL);
  return self->peer_certificate;
}

MimpConnection *
mimp_connection_new (const char *host, guint16 port, gboolean use_tls)
{
  return g_object_new (MIMP_TYPE_CONNECTION, "host", host, "port", (guint) port, "use-tls", use_tls,
                       NULL);
}

static void
mimp_connection_dispose (GObject *object)
{
  MimpConnection *self = MIMP_CONNECTION (object);

  if (self->io_cancellable)
    g_cancellable_cancel (self->io_cancellable);
  g_clear_handle_id (&self->ask_puzzle_id, g_source_remove);
  g_clear_handle_id (&self->login_timeout_id, g_source_remove);
  g_clear_handle_id (&self->watchdog_id, g_source_remove);
  clear_source (&self->login_cancel_source);
  if (self->stream && !g_io_stream_is_closed (self->stream))
    g_io_stream_close_async (self->stream, G_PRIORITY_DEFAULT, NULL, NULL, NULL);
  g_clear_object (&self->connection);
  g_clear_object (&self->given_stream);
  self->stream = NULL;
  self->input = NULL;
  self->output = NULL;
  g_clear_object (&self->client);
  g_clear_object (&self->peer_certificate);

  G_OBJECT_CLASS (mimp_connection_parent_class)->dispose (object);
}

static void
mimp_connection_finalize (GObject *object)
{
  MimpConnection *self = MIMP_CONNECTION (object);

  g_assert (self->login_task == NULL);
  g_assert (g_queue_is_empty (&self->requests));
  g_clear_object (&self->io_cancellable);
  g_clear_pointer (&self->reader, mimp_frame_reader_free);
  if (self->pending_out)
    mimp_secure_wipe (self->pending_out->data, self->pending_out->len);
  g_clear_pointer (&self->pending_out, g_byte_array_unref);
  wipe_bytes (self->writing);
  g_clear_pointer (&self->writing, g_bytes_unref);
  g_clear_pointer (&self->token, mimp_secure_free_string);
  g_clear_pointer (&self->login_password, mimp_secure_free_string);
  mimp_secure_wipe (self->key, sizeof self->key);
  g_free (self->host);
  g_free (self->user);
  g_free (self->accepted_fingerprint);

  G_OBJECT_CLASS (mimp_connection_parent_class)->finalize (object);
}

static void
mimp_connection_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  MimpConnection *self = MIMP_CONNECTION (object);

  switch (prop_id)
    {
    case PROP_HOST:
      g_value_set_string (value, self->host);
      break;
    case PROP_PORT:
      g_value_set_uint (value, self->port);
      break;
    case PROP_USE_TLS:
      g_value_set_boolean (value, self->use_tls);
      break;
    case PROP_STATE:
      g_value_set_enum (value, self->state);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
mimp_connection_set_property (GObject *object, guint prop_id, const GValue *value,
                              GParamSpec *pspec)
{
  MimpConnection *self = MIMP_CONNECTION (object);

  switch (prop_id)
    {
    case PROP_HOST:
      self->host = g_value_dup_string (value);
      break;
    case PROP_PORT:
      self->port = (guint16) g_value_get_uint (value);
      break;
    case PROP_USE_TLS:
      self->use_tls = g_value_get_boolean (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
mimp_connection_class_init (MimpConnectionClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = mimp_connection_dispose;
  object_class->finalize = mimp_connection_finalize;
  object_class->get_property = mimp_connection_get_property;
  object_class->set_property = mimp_connection_set_property;

  properties[PROP_HOST] =
      g_param_spec_string ("host", NULL, NULL, "localhost",
                           G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_PORT] =
      g_param_spec_uint ("port", NULL, NULL, 1, G_MAXUINT16, MIMP_DEFAULT_PORT,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_USE_TLS] =
      g_param_spec_boolean ("use-tls", NULL, NULL, FALSE,
                            G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_STATE] = g_param_spec_enum (
      "state", NULL, NULL, MIMP_TYPE_CONNECTION_STATE, MIMP_CONNECTION_STATE_DISCONNECTED,
      G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[CLOSED] = g_signal_new ("closed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
                                  NULL, NULL, G_TYPE_NONE, 1, G_TYPE_ERROR);
  signals[DELIVERED] = g_signal_new ("delivered", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                     NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_PTR_ARRAY);
}

static void
mimp_connection_init (MimpConnection *self)
{
  self->timeout = DEFAULT_TIMEOUT_SECONDS;
  self->reader = mimp_frame_reader_new (MIMP_MAX_BODY_SIZE);
  self->pending_out = g_byte_array_new ();
  g_queue_init (&self->requests);
}
