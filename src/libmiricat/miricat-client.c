/* miricat-client.c - one account on a Miricat server: the TCP side
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A Miricat server is one room for us. The client connects, runs the DH
 * handshake, logs in and (javacat) joins the first room the server lists
 * after login; then it is online: it reports messages, members joining and
 * leaving, and new access tokens, and sends text.
 *
 * The server never acknowledges a message. "Sent" here means "written to
 * the socket": send-finished reports that, or the error that prevented it.
 *
 * Everything is asynchronous GIO on the thread-default main context. Reads
 * are bounded by MIRICAT_MAX_PACKET; the handshake and login must finish
 * within the timeout (30 s unless set).
 */
#define G_LOG_DOMAIN "miricat"

#include "config.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>

#include "miricat-client-private.h"
#include "miricat-error.h"

#define READ_CHUNK (64 * 1024)
#define CLOSE_GRACE_MS 2000
#define MAX_MEMBERS 10000 /* a server cannot make the list grow without end */

typedef struct
{
  GBytes *data;
  char *local_id; /* NULL for our own packets */
} Pending;

enum
{
  PROP_0,
  PROP_STATE,
  PROP_ERROR,
  N_PROPS
};

enum
{
  MESSAGE_RECEIVED,
  IMAGE_RECEIVED,
  MEMBER_JOINED,
  MEMBER_LEFT,
  MEMBERS_CHANGED,
  ACCESS_TOKEN_CHANGED,
  SEND_FINISHED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (MiricatClient, miricat_client, G_TYPE_OBJECT)

G_DEFINE_ENUM_TYPE (MiricatState, miricat_state,
                    G_DEFINE_ENUM_VALUE (MIRICAT_STATE_DISCONNECTED, "disconnected"),
                    G_DEFINE_ENUM_VALUE (MIRICAT_STATE_CONNECTING, "connecting"),
                    G_DEFINE_ENUM_VALUE (MIRICAT_STATE_ONLINE, "online"),
                    G_DEFINE_ENUM_VALUE (MIRICAT_STATE_FAILED, "failed"))

static void
pending_free (Pending *pending)
{
  g_bytes_unref (pending->data);
  g_free (pending->local_id);
  g_free (pending);
}

static void
secure_free (char *text)
{
  if (text)
    {
      memset (text, 0, strlen (text));
      g_free (text);
    }
}

static void
set_state (MiricatClient *self, MiricatState state)
{
  if (self->state == state)
    return;
  self->state = state;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
}

/* Sends that never reached the socket: each gets its send-finished. */
static void
drop_pending (MiricatClient *self, const GError *error)
{
  Pending *pending;

  while ((pending = g_queue_pop_head (&self->writes)))
    {
      if (pending->local_id)
        g_signal_emit (self, signals[SEND_FINISHED], 0, pending->local_id, error);
      pending_free (pending);
    }
}

static void
teardown (MiricatClient *self)
{
  g_cancellable_cancel (self->read_cancellable);
  g_cancellable_cancel (self->write_cancellable);
  g_clear_object (&self->read_cancellable);
  g_clear_object (&self->write_cancellable);
  g_clear_handle_id (&self->deadline_id, g_source_remove);
  g_clear_handle_id (&self->heartbeat_id, g_source_remove);
  if (self->connection)
    g_io_stream_close_async (G_IO_STREAM (self->connection), G_PRIORITY_DEFAULT, NULL, NULL, NULL);
  g_clear_object (&self->connection);
  g_clear_pointer (&self->reader, miricat_reader_free);
  g_clear_pointer (&self->dh, miricat_dh_free);
  memset (self->key, 0, sizeof self->key);
  self->has_key = FALSE;
  self->writing = FALSE;
  self->phase = PHASE_NONE;
  if (self->token)
    {
      g_clear_pointer (&self->token, secure_free);
      g_signal_emit (self, signals[ACCESS_TOKEN_CHANGED], 0);
    }
  if (self->members->len > 0)
    {
      g_ptr_array_set_size (self->members, 0);
      g_signal_emit (self, signals[MEMBERS_CHANGED], 0);
    }
}

/* Takes @error. */
static void
fail (MiricatClient *self, GError *error)
{
  g_autoptr (GError) owned = error;

  if (self->phase == PHASE_NONE)
    return;
  g_object_ref (self);
  g_debug ("Connection failed: %s", owned->message);
  g_clear_error (&self->error);
  self->error = g_error_copy (owned);
  drop_pending (self, owned);
  teardown (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ERROR]);
  set_state (self, MIRICAT_STATE_FAILED);
  g_object_unref (self);
}

static void
fail_literal (MiricatClient *self, MiricatError code, const char *message)
{
  fail (self, g_error_new_literal (MIRICAT_ERROR, code, message));
}

static const char *
message_for_server_error (MiricatClient *self, MiricatError code)
{
  switch (code)
    {
    case MIRICAT_ERROR_PASSWORD_REQUIRED:
      return "The server requires a password for this user";
    case MIRICAT_ERROR_WRONG_PASSWORD:
      return "The server refused the password";
    case MIRICAT_ERROR_NOT_REGISTERED:
      return "This user is not registered on the server";
    case MIRICAT_ERROR_ALREADY_CONNECTED:
      return self->dialect == MIRICAT_DIALECT_YEMU
                 ? "This user, or another client from this address, is already connected"
                 : "This user is already connected";
    case MIRICAT_ERROR_UNSUPPORTED_VERSION:
      return "The server does not speak Miricat 2.0.0 (is it a Yemu server?)";
    case MIRICAT_ERROR_REFUSED:
      return "The server refused the request";
    case MIRICAT_ERROR_NO_ROOM:
      return "The server has no room to join";
    case MIRICAT_ERROR_TIMEOUT:
      return "The server dropped the connection for missed heartbeats";
    case MIRICAT_ERROR_USER_EXISTS:
      return "This user name is taken";
    case MIRICAT_ERROR_PROTOCOL:
      return "The server rejected our data as malformed (is the dialect right?)";
    case MIRICAT_ERROR_FAILED:
    case MIRICAT_ERROR_UNREACHABLE:
    case MIRICAT_ERROR_CLOSED:
    case MIRICAT_ERROR_TOO_LARGE:
    case MIRICAT_ERROR_BAD_KEY:
    case MIRICAT_ERROR_NOT_CONNECTED:
    case MIRICAT_ERROR_NO_HTTP:
    case MIRICAT_ERROR_UNAUTHORIZED:
    case MIRICAT_ERROR_NOT_FOUND:
    case MIRICAT_ERROR_SERVER_ERROR:
    case MIRICAT_ERROR_INVALID_ARGUMENT:
    default:
      return "The server reported an error";
    }
}

/* Writing */

static void pump_writes (MiricatClient *self);

static void
finish_close (MiricatClient *self)
{
  g_autoptr (GError) error = g_error_new_literal (MIRICAT_ERROR, MIRICAT_ERROR_NOT_CONNECTED,
                                                  "Disconnected before the message was sent");

  g_object_ref (self);
  drop_pending (self, error);
  teardown (self);
  set_state (self, MIRICAT_STATE_DISCONNECTED);
  g_object_unref (self);
}

static void
write_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  MiricatClient *self = user_data;
  g_autoptr (GError) error = NULL;
  Pending *pending;

  if (!g_output_stream_write_all_finish (G_OUTPUT_STREAM (object), result, NULL, &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      if (self->phase == PHASE_CLOSING)
        finish_close (self);
      else
        fail (self, g_error_new (MIRICAT_ERROR, MIRICAT_ERROR_CLOSED,
                                 "Lost the connection to the server: %s", error->message));
      return;
    }
  g_object_ref (self);
  self->writing = FALSE;
  pending = g_queue_pop_head (&self->writes);
  if (pending && pending->local_id)
    g_signal_emit (self, signals[SEND_FINISHED], 0, pending->local_id, NULL);
  g_clear_pointer (&pending, pending_free);
  if (self->phase == PHASE_CLOSING && g_queue_is_empty (&self->writes))
    finish_close (self);
  else
    pump_writes (self);
  g_object_unref (self);
}

static void
pump_writes (MiricatClient *self)
{
  Pending *pending;
  gsize len = 0;
  const void *data;

  if (self->writing || self->connection == NULL || g_queue_is_empty (&self->writes))
    return;
  pending = g_queue_peek_head (&self->writes);
  data = g_bytes_get_data (pending->data, &len);
  self->writing = TRUE;
  g_output_stream_write_all_async (g_io_stream_get_output_stream (G_IO_STREAM (self->connection)),
                                   data, len, G_PRIORITY_DEFAULT, self->write_cancellable, write_cb,
                                   self);
}

/* One packet per write (Yemu reads one packet per read), one per line for
 * javacat. Encrypted packets are base64 of the AES-CTR ciphertext. */
static void
queue_packet (MiricatClient *self, char *json, gboolean encrypt, const char *local_id)
{
  Pending *pending = g_new0 (Pending, 1);
  char *wire;

  if (encrypt)
    {
      wire = miricat_encrypt_packet (self->key, json, strlen (json));
      memset (json, 0, strlen (json)); /* it may hold the password or a message */
    }
  else
    wire = g_strdup (json);
  g_free (json);
  if (self->dialect == MIRICAT_DIALECT_JAVACAT)
    {
      char *line = g_strconcat (wire, "\n", NULL);

      g_free (wire);
      wire = line;
    }
  pending->data = g_bytes_new_take (wire, strlen (wire));
  pending->local_id = g_strdup (local_id);
  g_queue_push_tail (&self->writes, pending);
  pump_writes (self);
}

/* Incoming packets */

static gboolean
has_member (MiricatClient *self, const char *name)
{
  for (guint i = 0; i < self->members->len; i++)
    if (g_str_equal (self->members->pdata[i], name))
      return TRUE;
  return FALSE;
}

static void
set_members (MiricatClient *self, char **names)
{
  g_ptr_array_set_size (self->members, 0);
  for (char **p = names; p && *p; p++)
    g_ptr_array_add (self->members, g_strdup (*p));
  if (!has_member (self, self->username))
    g_ptr_array_add (self->members, g_strdup (self->username));
}

static void
go_online (MiricatClient *self)
{
  self->phase = PHASE_ONLINE;
  g_clear_handle_id (&self->deadline_id, g_source_remove);
  g_clear_pointer (&self->dh, miricat_dh_free);
  g_signal_emit (self, signals[MEMBERS_CHANGED], 0);
  set_state (self, MIRICAT_STATE_ONLINE);
}

static gboolean
heartbeat_cb (gpointer user_data)
{
  MiricatClient *self = user_data;

  queue_packet (self, miricat_packet_build_ping (), TRUE, NULL);
  return G_SOURCE_CONTINUE;
}

/* The port of the server's HTTP side: "host:port", "http://host:port/",
 * "null:3073" (Yemu without http_address) or null (no HTTP). We always use
 * the host we connected to (so a token never goes to another host). */
static void
set_http (MiricatClient *self, const char *http)
{
  const char *colon;
  guint64 port = 0;

  self->http_known = TRUE;
  self->http_enabled = http != NULL && *http != '\0';
  self->server_http_port = self->http_port;
  if (!self->http_enabled)
    return;
  colon = strrchr (http, ':');
  if (colon)
    {
      g_autofree char *digits = g_strndup (colon + 1, strcspn (colon + 1, "/"));

      if (g_ascii_string_to_unsigned (digits, 10, 1, 65535, &port, NULL))
        self->server_http_port = (guint16) port;
    }
}

static void
set_token (MiricatClient *self, char **token)
{
  if (*token == NULL)
    return;
  g_clear_pointer (&self->token, secure_free);
  self->token = g_steal_pointer (token);
  g_signal_emit (self, signals[ACCESS_TOKEN_CHANGED], 0);
}

static void
handle_handshake (MiricatClient *self, MiricatPacket *packet)
{
  GError *error = NULL;

  if (self->phase != PHASE_HANDSHAKE)
    {
      fail_literal (self, MIRICAT_ERROR_PROTOCOL, "The server repeated the handshake");
      return;
    }
  if (!miricat_dh_derive_key (self->dh, self->dialect, packet->public_key, self->key, &error))
    {
      fail (self, error);
      return;
    }
  self->has_key = TRUE;
  miricat_reader_set_key (self->reader, self->key);
  self->phase = PHASE_LOGIN;
  queue_packet (self, miricat_packet_build_login (self->dialect, self->username, self->password),
                TRUE, NULL);
}

static void
handle_accepted (MiricatClient *self, MiricatPacket *packet)
{
  if (self->phase != PHASE_LOGIN)
    {
      fail_literal (self, MIRICAT_ERROR_PROTOCOL, "The server accepted a login we did not send");
      return;
    }
  set_http (self, packet->http);
  set_token (self, &packet->token);
  if (self->dialect == MIRICAT_DIALECT_YEMU)
    {
      set_members (self, NULL);
      go_online (self);
      return;
    }
  if (!packet->has_room)
    {
      fail_literal (self, MIRICAT_ERROR_NO_ROOM, "The server has no room to join");
      return;
    }
  self->room_id = packet->room_id;
  set_members (self, packet->members);
  if (packet->heartbeat_rate > 0)
    {
      guint interval = (guint) CLAMP (packet->heartbeat_rate, 500, 600000);

      self->heartbeat_id = g_timeout_add (interval, heartbeat_cb, self);
    }
  self->phase = PHASE_JOINING;
  /* Join the room: javacat answers a non-root user with AccessDenied and
   * then joins anyway, broadcasting Room.Joined. */
  queue_packet (self, miricat_packet_build_room ("Room.Join", self->room_id), TRUE, NULL);
}

static void
handle_joined (MiricatClient *self, MiricatPacket *packet)
{
  gboolean self_joined = g_str_equal (packet->user, self->username);

  if (self->dialect == MIRICAT_DIALECT_JAVACAT && packet->has_room &&
      packet->room_id != self->room_id)
    return;
  if (self->phase == PHASE_JOINING && self_joined)
    {
      set_members (self, packet->members);
      go_online (self);
      return;
    }
  if (self->phase != PHASE_ONLINE)
    return;
  if (self_joined)
    {
      set_members (self, packet->members);
      g_signal_emit (self, signals[MEMBERS_CHANGED], 0);
      return;
    }
  if (!has_member (self, packet->user) && self->members->len < MAX_MEMBERS)
    {
      g_ptr_array_add (self->members, g_strdup (packet->user));
      g_signal_emit (self, signals[MEMBER_JOINED], 0, packet->user);
      g_signal_emit (self, signals[MEMBERS_CHANGED], 0);
    }
}

static void
handle_left (MiricatClient *self, MiricatPacket *packet)
{
  if (self->phase != PHASE_ONLINE || g_str_equal (packet->user, self->username))
    return;
  if (self->dialect == MIRICAT_DIALECT_JAVACAT && packet->has_room &&
      packet->room_id != self->room_id)
    return;
  for (guint i = 0; i < self->members->len; i++)
    if (g_str_equal (self->members->pdata[i], packet->user))
      {
        g_ptr_array_remove_index (self->members, i);
        g_signal_emit (self, signals[MEMBER_LEFT], 0, packet->user);
        g_signal_emit (self, signals[MEMBERS_CHANGED], 0);
        return;
      }
}

static void
handle_message (MiricatClient *self, MiricatPacket *packet)
{
  const char *text = packet->text;

  /* Yemu broadcasts to clients that have not logged in yet: not for us. */
  if (self->phase != PHASE_ONLINE)
    return;
  if (packet->kind == MIRICAT_PACKET_IMAGE)
    g_signal_emit (self, signals[IMAGE_RECEIVED], 0, packet->user, text, packet->timestamp);
  else if (self->dialect == MIRICAT_DIALECT_YEMU && g_str_has_prefix (text, MIRICAT_IMAGE_MARKER) &&
           miricat_file_name_is_valid (text + strlen (MIRICAT_IMAGE_MARKER)))
    g_signal_emit (self, signals[IMAGE_RECEIVED], 0, packet->user,
                   text + strlen (MIRICAT_IMAGE_MARKER), packet->timestamp);
  else
    g_signal_emit (self, signals[MESSAGE_RECEIVED], 0, packet->user, text, packet->timestamp);
}

static void
handle_error (MiricatClient *self, MiricatPacket *packet)
{
  MiricatError code = (MiricatError) packet->error;

  if (self->phase == PHASE_JOINING && g_strcmp0 (packet->type_name, "Error.AccessDenied") == 0)
    {
      g_debug ("Ignoring AccessDenied before Room.Joined (javacat joins anyway)");
      return;
    }
  if (self->phase == PHASE_ONLINE && code != MIRICAT_ERROR_TIMEOUT &&
      code != MIRICAT_ERROR_ALREADY_CONNECTED)
    {
      /* The server does not say which request it refused. */
      g_debug ("The server reported error %s", packet->type_name);
      return;
    }
  fail_literal (self, code == MIRICAT_ERROR_FAILED ? MIRICAT_ERROR_REFUSED : code,
                message_for_server_error (self, code));
}

static void
handle_packet (MiricatClient *self, const char *json, gsize len)
{
  GError *error = NULL;
  g_autoptr (MiricatPacket) packet = miricat_packet_parse (self->dialect, json, len, &error);

  if (packet == NULL)
    {
      fail (self, error);
      return;
    }
  g_debug ("Packet %s", packet->type_name);
  switch (packet->kind)
    {
    case MIRICAT_PACKET_HANDSHAKE:
      handle_handshake (self, packet);
      break;
    case MIRICAT_PACKET_ACCEPTED:
      handle_accepted (self, packet);
      break;
    case MIRICAT_PACKET_TOKEN:
      if (self->phase >= PHASE_JOINING)
        set_token (self, &packet->token);
      break;
    case MIRICAT_PACKET_MESSAGE:
    case MIRICAT_PACKET_IMAGE:
      handle_message (self, packet);
      break;
    case MIRICAT_PACKET_JOINED:
      handle_joined (self, packet);
      break;
    case MIRICAT_PACKET_LEFT:
      handle_left (self, packet);
      break;
    case MIRICAT_PACKET_ERROR:
      handle_error (self, packet);
      break;
    case MIRICAT_PACKET_OTHER:
    default:
      break;
    }
}

static void start_read (MiricatClient *self);

static void
read_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  MiricatClient *self = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (GCancellable) cancellable = NULL;
  gssize n = g_input_stream_read_finish (G_INPUT_STREAM (object), result, &error);

  if (n < 0 && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (n < 0)
    {
      fail (self, g_error_new (MIRICAT_ERROR, MIRICAT_ERROR_CLOSED,
                               "Lost the connection to the server: %s", error->message));
      return;
    }
  if (n == 0)
    {
      fail_literal (self, MIRICAT_ERROR_CLOSED,
                    self->phase == PHASE_ONLINE ? "The server closed the connection"
                                                : "The server closed the connection during login");
      return;
    }
  g_object_ref (self);
  cancellable = g_object_ref (self->read_cancellable);
  miricat_reader_push (self->reader, self->read_buffer, (gsize) n);
  while (!g_cancellable_is_cancelled (cancellable))
    {
      g_autofree char *json = NULL;
      gsize len = 0;
      GError *read_error = NULL;
      MiricatReadStatus status = miricat_reader_next (self->reader, &json, &len, &read_error);

      if (status == MIRICAT_READ_NEED_MORE)
        break;
      if (status == MIRICAT_READ_ERROR)
        {
          fail (self, read_error);
          break;
        }
      handle_packet (self, json, len);
      if (json)
        memset (json, 0, len);
    }
  if (!g_cancellable_is_cancelled (cancellable))
    start_read (self);
  g_object_unref (self);
}

static void
start_read (MiricatClient *self)
{
  g_input_stream_read_async (g_io_stream_get_input_stream (G_IO_STREAM (self->connection)),
                             self->read_buffer, READ_CHUNK, G_PRIORITY_DEFAULT,
                             self->read_cancellable, read_cb, self);
}

static gboolean
deadline_cb (gpointer user_data)
{
  MiricatClient *self = user_data;

  self->deadline_id = 0;
  if (self->phase == PHASE_CLOSING)
    finish_close (self);
  else
    fail_literal (self, MIRICAT_ERROR_TIMEOUT, "The server did not complete the login in time");
  return G_SOURCE_REMOVE;
}

static void
connect_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  MiricatClient *self = user_data;
  g_autoptr (GError) error = NULL;
  GSocketConnection *connection =
      g_socket_client_connect_to_host_finish (G_SOCKET_CLIENT (object), result, &error);
  g_autofree char *public_hex = NULL;

  if (connection == NULL)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      fail (self,
            g_error_new (MIRICAT_ERROR, MIRICAT_ERROR_UNREACHABLE, "Cannot connect to %s:%u: %s",
                         self->host, self->tcp_port, error->message));
      return;
    }
  self->connection = connection;
  /* Yemu takes each read for one packet: do not hold small writes back. */
  g_socket_set_option (g_socket_connection_get_socket (connection), IPPROTO_TCP, TCP_NODELAY, 1,
                       NULL);
  self->reader = miricat_reader_new (self->dialect, MIRICAT_MAX_PACKET);
  self->dh = miricat_dh_new ();
  public_hex = miricat_dh_get_public_hex (self->dh, self->dialect);
  self->phase = PHASE_HANDSHAKE;
  queue_packet (self, miricat_packet_build_handshake (self->dialect, public_hex), FALSE, NULL);
  start_read (self);
}

/**
 * miricat_client_connect:
 *
 * Connects, runs the handshake and logs in (and, for javacat, joins the
 * first room). #MiricatClient:state becomes online or failed.
 */
void
miricat_client_connect (MiricatClient *self)
{
  g_return_if_fail (MIRICAT_IS_CLIENT (self));

  if (self->phase != PHASE_NONE)
    return;
  g_clear_error (&self->error);
  self->read_cancellable = g_cancellable_new ();
  self->write_cancellable = g_cancellable_new ();
  self->phase = PHASE_CONNECTING;
  self->deadline_id = g_timeout_add_seconds (self->timeout, deadline_cb, self);
  set_state (self, MIRICAT_STATE_CONNECTING);
  g_socket_client_connect_to_host_async (self->socket_client, self->host, self->tcp_port,
                                         self->read_cancellable, connect_cb, self);
}

/**
 * miricat_client_disconnect:
 *
 * Leaves the room (javacat: Room.Leave, so that others see us leave) and
 * closes the connection once what was queued is written. The state becomes
 * disconnected then: keep a reference until it has.
 */
void
miricat_client_disconnect (MiricatClient *self)
{
  g_return_if_fail (MIRICAT_IS_CLIENT (self));

  if (self->phase == PHASE_NONE || self->phase == PHASE_CLOSING)
    {
      if (self->phase == PHASE_NONE)
        set_state (self, MIRICAT_STATE_DISCONNECTED);
      return;
    }
  g_cancellable_cancel (self->read_cancellable);
  g_clear_handle_id (&self->heartbeat_id, g_source_remove);
  g_clear_handle_id (&self->deadline_id, g_source_remove);
  if (self->phase == PHASE_ONLINE && self->dialect == MIRICAT_DIALECT_JAVACAT)
    queue_packet (self, miricat_packet_build_room ("Room.Leave", self->room_id), TRUE, NULL);
  self->phase = PHASE_CLOSING;
  if (!self->writing && g_queue_is_empty (&self->writes))
    {
      finish_close (self);
      return;
    }
  self->deadline_id = g_timeout_add (CLOSE_GRACE_MS, deadline_cb, self);
}

typedef struct
{
  MiricatClient *self;
  char *local_id;
  GError *error;
} FailedSend;

static gboolean
report_failed_send_cb (gpointer user_data)
{
  FailedSend *failed = user_data;

  g_signal_emit (failed->self, signals[SEND_FINISHED], 0, failed->local_id, failed->error);
  g_object_unref (failed->self);
  g_free (failed->local_id);
  g_error_free (failed->error);
  g_free (failed);
  return G_SOURCE_REMOVE;
}

/* send-finished with @error (taken), from the main loop: never from
 * inside the caller's call. */
static void
report_failed_send (MiricatClient *self, const char *local_id, GError *error)
{
  FailedSend *failed = g_new0 (FailedSend, 1);

  failed->self = g_object_ref (self);
  failed->local_id = g_strdup (local_id);
  failed->error = error;
  g_idle_add (report_failed_send_cb, failed);
}

static gboolean
check_send (MiricatClient *self, const char *local_id, const char *text)
{
  guint max = self->dialect == MIRICAT_DIALECT_YEMU ? MIRICAT_YEMU_TEXT_MAX : MIRICAT_TEXT_MAX;
  GError *error = NULL;

  if (self->phase != PHASE_ONLINE)
    error = g_error_new_literal (MIRICAT_ERROR, MIRICAT_ERROR_NOT_CONNECTED,
                                 "Not connected to the server");
  else if (text == NULL || *text == '\0' || !g_utf8_validate (text, -1, NULL))
    error = g_error_new_literal (MIRICAT_ERROR, MIRICAT_ERROR_INVALID_ARGUMENT,
                                 "The message must be non-empty UTF-8 text");
  else if (strlen (text) > max)
    error =
        g_error_new (MIRICAT_ERROR, MIRICAT_ERROR_TOO_LARGE, "The message is over %u bytes", max);
  if (error == NULL)
    return TRUE;
  report_failed_send (self, local_id, error);
  return FALSE;
}

/**
 * miricat_client_send_text:
 * @local_id: the caller's id for this message, given back by send-finished
 *
 * Sends @text to the room. send-finished follows once the packet is
 * written to the socket (the server sends no acknowledgement), or with the
 * error that prevented it.
 */
void
miricat_client_send_text (MiricatClient *self, const char *local_id, const char *text)
{
  g_return_if_fail (MIRICAT_IS_CLIENT (self));
  g_return_if_fail (local_id != NULL);

  if (check_send (self, local_id, text))
    queue_packet (self, miricat_packet_build_text (self->dialect, self->room_id, text), TRUE,
                  local_id);
}

/**
 * miricat_client_send_image:
 * @file_name: what miricat_client_upload_image_finish() returned
 *
 * Shares an uploaded image in the room: javacat's Message.CreateImageMessage,
 * or on Yemu (whose protocol has no image message) a text message whose
 * whole text is MIRICAT_IMAGE_MARKER and the file name: our convention.
 */
void
miricat_client_send_image (MiricatClient *self, const char *local_id, const char *file_name)
{
  g_return_if_fail (MIRICAT_IS_CLIENT (self));
  g_return_if_fail (local_id != NULL);

  if (!miricat_file_name_is_valid (file_name))
    report_failed_send (self, local_id,
                        g_error_new_literal (MIRICAT_ERROR, MIRICAT_ERROR_INVALID_ARGUMENT,
                                             "Not a file name the server gave"));
  else if (check_send (self, local_id, file_name))
    queue_packet (self, miricat_packet_build_image (self->dialect, self->room_id, file_name), TRUE,
                  local_id);
}

/* Construction and properties */

MiricatClient *
miricat_client_new (const char *host, guint16 tcp_port, guint16 http_port, MiricatDialect dialect,
                    const char *username)
{
  MiricatClient *self;

  g_return_val_if_fail (host != NULL, NULL);
  g_return_val_if_fail (username != NULL, NULL);

  self = g_object_new (MIRICAT_TYPE_CLIENT, NULL);
  self->host = g_strdup (host);
  self->tcp_port = tcp_port ? tcp_port : MIRICAT_DEFAULT_PORT;
  self->http_port = http_port ? http_port : MIRICAT_DEFAULT_HTTP_PORT;
  self->server_http_port = self->http_port;
  self->dialect = dialect;
  self->username = g_strdup (username);
  return self;
}

void
miricat_client_set_password (MiricatClient *self, const char *password)
{
  g_return_if_fail (MIRICAT_IS_CLIENT (self));

  g_clear_pointer (&self->password, secure_free);
  self->password = g_strdup (password);
}

/* How long the handshake and login may take, in seconds. */
void
miricat_client_set_timeout (MiricatClient *self, guint seconds)
{
  g_return_if_fail (MIRICAT_IS_CLIENT (self));

  self->timeout = seconds > 0 ? seconds : 30;
}

MiricatState
miricat_client_get_state (MiricatClient *self)
{
  g_return_val_if_fail (MIRICAT_IS_CLIENT (self), MIRICAT_STATE_DISCONNECTED);
  return self->state;
}

const GError *
miricat_client_get_error (MiricatClient *self)
{
  g_return_val_if_fail (MIRICAT_IS_CLIENT (self), NULL);
  return self->error;
}

MiricatDialect
miricat_client_get_dialect (MiricatClient *self)
{
  return self->dialect;
}

const char *
miricat_client_get_username (MiricatClient *self)
{
  return self->username;
}

/**
 * miricat_client_get_members:
 *
 * Returns: (transfer full): the names in the room, ourselves included
 */
GStrv
miricat_client_get_members (MiricatClient *self)
{
  GStrvBuilder *builder = g_strv_builder_new ();
  GStrv members;

  for (guint i = 0; i < self->members->len; i++)
    g_strv_builder_add (builder, self->members->pdata[i]);
  members = g_strv_builder_end (builder);
  g_strv_builder_unref (builder);
  return members;
}

gboolean
miricat_client_has_access_token (MiricatClient *self)
{
  return self->token != NULL;
}

static void
miricat_client_dispose (GObject *object)
{
  MiricatClient *self = MIRICAT_CLIENT (object);

  g_queue_clear_full (&self->writes, (GDestroyNotify) pending_free);
  teardown (self);
  miricat_client_http_clear (self);
  G_OBJECT_CLASS (miricat_client_parent_class)->dispose (object);
}

static void
miricat_client_finalize (GObject *object)
{
  MiricatClient *self = MIRICAT_CLIENT (object);

  g_free (self->host);
  g_free (self->username);
  g_clear_pointer (&self->password, secure_free);
  g_clear_error (&self->error);
  g_clear_object (&self->socket_client);
  g_free (self->read_buffer);
  g_ptr_array_unref (self->members);
  G_OBJECT_CLASS (miricat_client_parent_class)->finalize (object);
}

static void
miricat_client_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  MiricatClient *self = MIRICAT_CLIENT (object);

  switch (prop_id)
    {
    case PROP_STATE:
      g_value_set_enum (value, self->state);
      break;
    case PROP_ERROR:
      g_value_set_boxed (value, self->error);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
miricat_client_class_init (MiricatClientClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = miricat_client_dispose;
  object_class->finalize = miricat_client_finalize;
  object_class->get_property = miricat_client_get_property;

  properties[PROP_STATE] =
      g_param_spec_enum ("state", NULL, NULL, MIRICAT_TYPE_STATE, MIRICAT_STATE_DISCONNECTED,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_ERROR] =
      g_param_spec_boxed ("error", NULL, NULL, G_TYPE_ERROR,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /* (sender, text, timestamp): the timestamp is the server's, in Unix
   * milliseconds (javacat), or 0 where the dialect has none (Yemu). */
  signals[MESSAGE_RECEIVED] =
      g_signal_new ("message-received", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                    NULL, G_TYPE_NONE, 3, G_TYPE_STRING, G_TYPE_STRING, G_TYPE_INT64);
  /* (sender, file_name, timestamp): download it with download_image. */
  signals[IMAGE_RECEIVED] =
      g_signal_new ("image-received", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                    NULL, G_TYPE_NONE, 3, G_TYPE_STRING, G_TYPE_STRING, G_TYPE_INT64);
  /* Other users; our own arrival is the state becoming online. */
  signals[MEMBER_JOINED] =
      g_signal_new ("member-joined", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                    NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
  signals[MEMBER_LEFT] = g_signal_new ("member-left", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                       0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
  signals[MEMBERS_CHANGED] = g_signal_new ("members-changed", G_TYPE_FROM_CLASS (klass),
                                           G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  signals[ACCESS_TOKEN_CHANGED] =
      g_signal_new ("access-token-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
                    NULL, NULL, G_TYPE_NONE, 0);
  /* (local_id, error or NULL): NULL once the packet is written. */
  signals[SEND_FINISHED] =
      g_signal_new ("send-finished", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                    NULL, G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_ERROR | G_SIGNAL_TYPE_STATIC_SCOPE);
}

static void
miricat_client_init (MiricatClient *self)
{
  self->timeout = 30;
  self->socket_client = g_socket_client_new ();
  self->read_buffer = g_malloc (READ_CHUNK);
  self->members = g_ptr_array_new_with_free_func (g_free);
  g_queue_init (&self->writes);
}
