/* mimp-client-session.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "mimp-session"

#include "config.h"

#include "mimp-cipher.h"
#include "mimp-client-session.h"
#include "mimp-connection.h"
#include "mimp-error.h"

#define LONG_POLL_SECONDS 25
#define DEFAULT_POLL_INTERVAL 5
#define MAX_BACKOFF_SECONDS 60
#define OUTBOX_RETRY_SECONDS 5
/* An empty answer to a long poll sooner than this means the server does
 * not hold GU (a plain 1.0 server): poll on a timer instead. */
#define HELD_THRESHOLD_USEC (G_USEC_PER_SEC / 2)

typedef struct
{
  char *client_id;
  char *to;
  char *text;
  gboolean in_flight;
} OutboxItem;

struct _MimpClientSession
{
  GObject parent_instance;

  char *host;
  guint16 port;
  gboolean use_tls;
  char *user;
  char *password;
  char *accepted_fingerprint;
  gboolean manual_ack;
  gboolean receive;
  guint poll_interval;

  MimpSessionState state;
  GError *error;
  gboolean started;

  MimpConnection *connection;
  GCancellable *cancellable;
  GTlsCertificate *peer_certificate;

  guint attempts;
  guint retry_id;
  gint64 retry_time;
  GNetworkMonitor *monitor;

  GQueue outbox;
  guint outbox_retry_id;

  gboolean gu_pending;
  gboolean gu_interrupted;
  gint64 gu_sent_at;
  gboolean server_holds;
  guint poll_id;
  gint64 acked_seq;
  gint64 sent_ack;     /* highest ack the server has been sent */
  gint64 awaiting_seq; /* highest delivered seq not yet acknowledged, or -1 */
};

enum
{
  PROP_0,
  PROP_STATE,
  PROP_RETRY_TIME,
  PROP_OUTBOX_LENGTH,
  N_PROPS
};

enum
{
  MESSAGES_RECEIVED,
  SEND_FINISHED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (MimpClientSession, mimp_client_session, G_TYPE_OBJECT)

GType
mimp_session_state_get_type (void)
{
  static gsize type_id = 0;

  if (g_once_init_enter (&type_id))
    {
      static const GEnumValue values[] = {
        { MIMP_SESSION_STATE_OFFLINE, "MIMP_SESSION_STATE_OFFLINE", "offline" },
        { MIMP_SESSION_STATE_CONNECTING, "MIMP_SESSION_STATE_CONNECTING", "connecting" },
        { MIMP_SESSION_STATE_ONLINE, "MIMP_SESSION_STATE_ONLINE", "online" },
        { MIMP_SESSION_STATE_WAITING, "MIMP_SESSION_STATE_WAITING", "waiting" },
        { MIMP_SESSION_STATE_NEEDS_PASSWORD, "MIMP_SESSION_STATE_NEEDS_PASSWORD",
          "needs-password" },
        { MIMP_SESSION_STATE_NEEDS_CERTIFICATE, "MIMP_SESSION_STATE_NEEDS_CERTIFICATE",
          "needs-certificate" },
        { 0, NULL, NULL },
      };
      GType type = g_enum_register_static (g_intern_static_string ("MimpSessionState"), values);

      g_once_init_leave (&type_id, type);
    }
  return type_id;
}

static void
outbox_item_free (OutboxItem *item)
{
  g_free (item->client_id);
  g_free (item->to);
  g_free (item->text);
  g_free (item);
}

static void
set_state (MimpClientSession *self, MimpSessionState state, const GError *error)
{
  if (error != self->error)
    {
      g_clear_error (&self->error);
      if (error)
        self->error = g_error_copy (error);
    }
  if (self->state == state)
    return;
  g_debug ("Session state %d -> %d", self->state, state);
  self->state = state;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
}

static void
notify_outbox_length (MimpClientSession *self)
{
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_OUTBOX_LENGTH]);
}

static void poll_now (MimpClientSession *self);
static void flush_outbox (MimpClientSession *self);
static void connect_now (MimpClientSession *self);

static void
drop_connection (MimpClientSession *self)
{
  g_clear_handle_id (&self->poll_id, g_source_remove);
  g_clear_handle_id (&self->outbox_retry_id, g_source_remove);
  if (self->cancellable)
    {
      g_cancellable_cancel (self->cancellable);
      g_clear_object (&self->cancellable);
    }
  if (self->connection)
    {
      g_signal_handlers_disconnect_by_data (self->connection, self);
      mimp_connection_close (self->connection);
      g_clear_object (&self->connection);
    }
  self->gu_pending = FALSE;
  for (GList *l = self->outbox.head; l; l = l->next)
    ((OutboxItem *) l->data)->in_flight = FALSE;
}

static gboolean
retry_cb (gpointer user_data)
{
  MimpClientSession *self = user_data;

  self->retry_id = 0;
  connect_now (self);
  return G_SOURCE_REMOVE;
}

/* Backoff: 1, 2, 4, ... 60 seconds, each with ±25 % jitter so that many
 * clients of a restarted server do not come back at the same instant. */
static void
schedule_retry (MimpClientSession *self, const GError *error)
{
  guint base = MIN ((guint) MAX_BACKOFF_SECONDS, 1u << MIN (self->attempts, 6u));
  gint64 delay_ms = (gint64) (base * 1000 * g_random_double_range (0.75, 1.25));

  drop_connection (self);
  self->attempts++;
  g_clear_handle_id (&self->retry_id, g_source_remove);
  self->retry_id = g_timeout_add ((guint) delay_ms, retry_cb, self);
  self->retry_time = g_get_monotonic_time () + delay_ms * 1000;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RETRY_TIME]);
  set_state (self, MIMP_SESSION_STATE_WAITING, error);
}

static void
connection_lost (MimpClientSession *self, const GError *error)
{
  g_debug ("Connection lost: %s", error->message);
  schedule_retry (self, error);
}

static void
connection_closed_cb (MimpConnection *connection, const GError *error, MimpClientSession *self)
{
  connection_lost (self, error);
}

static gboolean
is_final_send_error (const GError *error)
{
  if (error->domain != MIMP_ERROR)
    return FALSE;
  switch ((MimpError) error->code)
    {
    case MIMP_ERROR_BAD_REQUEST:
    case MIMP_ERROR_FORBIDDEN:
    case MIMP_ERROR_NO_SUCH_USER:
    case MIMP_ERROR_TOO_LARGE:
    case MIMP_ERROR_INVALID_ARGUMENT:
      return TRUE;
    case MIMP_ERROR_FAILED:
    case MIMP_ERROR_UNREACHABLE:
    case MIMP_ERROR_TIMEOUT:
    case MIMP_ERROR_CLOSED:
    case MIMP_ERROR_NOT_MIMP:
    case MIMP_ERROR_PROTOCOL:
    case MIMP_ERROR_INVALID_PUZZLE:
    case MIMP_ERROR_INVALID_TOKEN:
    case MIMP_ERROR_WRONG_PASSWORD:
    case MIMP_ERROR_UNAUTHORIZED:
    case MIMP_ERROR_RATE_LIMITED:
    case MIMP_ERROR_SERVER_ERROR:
    case MIMP_ERROR_UNSUPPORTED:
    case MIMP_ERROR_CERTIFICATE:
    case MIMP_ERROR_TLS:
    default:
      return FALSE;
    }
}

static gboolean
outbox_retry_cb (gpointer user_data)
{
  MimpClientSession *self = user_data;

  self->outbox_retry_id = 0;
  flush_outbox (self);
  return G_SOURCE_REMOVE;
}

typedef struct
{
  MimpClientSession *self;
  char *client_id;
} SendData;

static void
send_data_free (SendData *data)
{
  g_clear_object (&data->self);
  g_free (data->client_id);
  g_free (data);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SendData, send_data_free)

static GList *
find_outbox_item (MimpClientSession *self, const char *client_id)
{
  for (GList *l = self->outbox.head; l; l = l->next)
    if (g_strcmp0 (((OutboxItem *) l->data)->client_id, client_id) == 0)
      return l;
  return NULL;
}

static void
send_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (SendData) data = user_data;
  MimpClientSession *self = data->self;
  g_autoptr (GError) error = NULL;
  g_autofree char *server_id = NULL;
  gint64 timestamp = 0;
  GList *link;
  OutboxItem *item;

  if (mimp_connection_send_message_finish (MIMP_CONNECTION (object), result, &server_id, &timestamp,
                                           &error))
    {
      link = find_outbox_item (self, data->client_id);
      if (link)
        {
          outbox_item_free (link->data);
          g_queue_delete_link (&self->outbox, link);
          notify_outbox_length (self);
        }
      g_signal_emit (self, signals[SEND_FINISHED], 0, data->client_id, server_id, timestamp, NULL);
      return;
    }

  link = find_outbox_item (self, data->client_id);
  if (link == NULL || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  item = link->data;
  item->in_flight = FALSE;

  if (is_final_send_error (error))
    {
      g_queue_delete_link (&self->outbox, link);
      notify_outbox_length (self);
      g_signal_emit (self, signals[SEND_FINISHED], 0, item->client_id, NULL, (gint64) 0, error);
      outbox_item_free (item);
      return;
    }
  if (MIMP_CONNECTION (object) != self->connection)
    return; /* that connection is gone; the reconnect sends it again */
  if (g_error_matches (error, MIMP_ERROR, MIMP_ERROR_UNAUTHORIZED) ||
      mimp_connection_get_state (self->connection) != MIMP_CONNECTION_STATE_READY)
    {
      connection_lost (self, error);
      return;
    }
  /* 429 or 5xx: the server is there but could not take it now. */
  if (self->outbox_retry_id == 0)
    self->outbox_retry_id = g_timeout_add_seconds (OUTBOX_RETRY_SECONDS, outbox_retry_cb, self);
}

static void
flush_outbox (MimpClientSession *self)
{
  if (self->state != MIMP_SESSION_STATE_ONLINE || self->connection == NULL)
    return;
  for (GList *l = self->outbox.head; l; l = l->next)
    {
      OutboxItem *item = l->data;
      SendData *data;

      if (item->in_flight)
        continue;
      item->in_flight = TRUE;
      if (self->gu_pending)
        self->gu_interrupted = TRUE;
      data = g_new0 (SendData, 1);
      data->self = g_object_ref (self);
      data->client_id = g_strdup (item->client_id);
      mimp_connection_send_message_async (self->connection, item->to, item->text, item->client_id,
                                          self->cancellable, send_cb, data);
    }
}

static gboolean
poll_timeout_cb (gpointer user_data)
{
  MimpClientSession *self = user_data;

  self->poll_id = 0;
  poll_now (self);
  return G_SOURCE_REMOVE;
}

static void
get_unread_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (MimpClientSession) self = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) messages = NULL;
  gboolean more = FALSE;
  gboolean interrupted;
  gint64 elapsed;
  gint64 highest = -1;

  messages = mimp_connection_get_unread_finish (MIMP_CONNECTION (object), result, &more, &error);
  if (MIMP_CONNECTION (object) != self->connection)
    return;
  self->gu_pending = FALSE;
  interrupted = self->gu_interrupted;
  self->gu_interrupted = FALSE;
  if (messages == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        connection_lost (self, error);
      return;
    }

  elapsed = g_get_monotonic_time () - self->gu_sent_at;
  if (messages->len == 0 && !interrupted)
    self->server_holds = elapsed >= HELD_THRESHOLD_USEC;

  for (guint i = 0; i < messages->len; i++)
    highest = MAX (highest, ((MimpMessage *) messages->pdata[i])->seq);
  /* Messages at or below what we acknowledged are ones we already passed
   * on: a server that lost our acknowledgement (a crash before it committed
   * the drop) sends them again. */
  for (guint i = messages->len; i > 0; i--)
    {
      gint64 seq = ((MimpMessage *) messages->pdata[i - 1])->seq;

      if (seq >= 0 && seq <= self->acked_seq)
        g_ptr_array_remove_index (messages, i - 1);
    }

  if (messages->len > 0)
    {
      if (self->manual_ack && highest >= 0)
        self->awaiting_seq = highest;
      g_signal_emit (self, signals[MESSAGES_RECEIVED], 0, messages);
      if (!self->manual_ack)
        self->acked_seq = MAX (self->acked_seq, highest);
    }

  if (messages->len > 0 || more || self->server_holds || interrupted)
    poll_now (self);
  else if (self->poll_id == 0)
    self->poll_id = g_timeout_add_seconds (self->poll_interval, poll_timeout_cb, self);
}

static void
poll_now (MimpClientSession *self)
{
  if (!self->receive || self->state != MIMP_SESSION_STATE_ONLINE || self->connection == NULL ||
      self->gu_pending || self->awaiting_seq >= 0)
    return;
  g_clear_handle_id (&self->poll_id, g_source_remove);
  self->gu_pending = TRUE;
  self->gu_interrupted = FALSE;
  self->gu_sent_at = g_get_monotonic_time ();
  /* ack 0 on a fresh session asks for acknowledged delivery from the start. */
  self->sent_ack = MAX (self->acked_seq, 0);
  mimp_connection_get_unread_async (self->connection, self->sent_ack, LONG_POLL_SECONDS,
                                    self->cancellable, get_unread_cb, g_object_ref (self));
}

static void
login_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (MimpClientSession) self = user_data;
  MimpConnection *connection = MIMP_CONNECTION (object);
  g_autoptr (GError) error = NULL;

  if (!mimp_connection_login_finish (connection, result, &error))
    {
      if (connection != self->connection ||
          g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      g_set_object (&self->peer_certificate, mimp_connection_get_peer_certificate (connection));
      if (g_error_matches (error, MIMP_ERROR, MIMP_ERROR_WRONG_PASSWORD))
        {
          drop_connection (self);
          set_state (self, MIMP_SESSION_STATE_NEEDS_PASSWORD, error);
        }
      else if (g_error_matches (error, MIMP_ERROR, MIMP_ERROR_CERTIFICATE))
        {
          drop_connection (self);
          set_state (self, MIMP_SESSION_STATE_NEEDS_CERTIFICATE, error);
        }
      else if (g_error_matches (error, MIMP_ERROR, MIMP_ERROR_INVALID_ARGUMENT))
        {
          drop_connection (self);
          set_state (self, MIMP_SESSION_STATE_OFFLINE, error);
        }
      else
        schedule_retry (self, error);
      return;
    }
  if (connection != self->connection)
    return;

  self->attempts = 0;
  g_set_object (&self->peer_certificate, mimp_connection_get_peer_certificate (connection));
  g_signal_connect (connection, "closed", G_CALLBACK (connection_closed_cb), self);
  set_state (self, MIMP_SESSION_STATE_ONLINE, NULL);
  flush_outbox (self);
  poll_now (self);
}

static void
connect_now (MimpClientSession *self)
{
  g_autoptr (GError) error = NULL;

  drop_connection (self);
  g_clear_handle_id (&self->retry_id, g_source_remove);
  /* A batch handed on and never acknowledged (its consumer stopped before
   * storing it) is still on the server, which sends it again to the new
   * connection: waiting for its acknowledgement would stop receiving for
   * good. */
  self->awaiting_seq = -1;
  if (self->password == NULL)
    {
      error = g_error_new_literal (MIMP_ERROR, MIMP_ERROR_WRONG_PASSWORD, "No password was given");
      set_state (self, MIMP_SESSION_STATE_NEEDS_PASSWORD, error);
      return;
    }
  self->cancellable = g_cancellable_new ();
  self->connection = mimp_connection_new (self->host, self->port, self->use_tls);
  mimp_connection_set_accepted_certificate (self->connection, self->accepted_fingerprint);
  set_state (self, MIMP_SESSION_STATE_CONNECTING, self->error);
  mimp_connection_login_async (self->connection, self->user, self->password, self->cancellable,
                               login_cb, g_object_ref (self));
}

static void
network_changed_cb (GNetworkMonitor *monitor, gboolean available, MimpClientSession *self)
{
  if (available && self->state == MIMP_SESSION_STATE_WAITING)
    {
      g_debug ("Network is back; reconnecting now");
      self->attempts = 0;
      connect_now (self);
    }
}

/**
 * mimp_client_session_start:
 *
 * Connects and stays connected until mimp_client_session_stop().
 */
void
mimp_client_session_start (MimpClientSession *self)
{
  g_return_if_fail (MIMP_IS_CLIENT_SESSION (self));

  self->started = TRUE;
  if (self->state == MIMP_SESSION_STATE_ONLINE || self->state == MIMP_SESSION_STATE_CONNECTING)
    return;
  self->attempts = 0;
  connect_now (self);
}

void
mimp_client_session_stop (MimpClientSession *self)
{
  g_return_if_fail (MIMP_IS_CLIENT_SESSION (self));

  self->started = FALSE;
  drop_connection (self);
  g_clear_handle_id (&self->retry_id, g_source_remove);
  set_state (self, MIMP_SESSION_STATE_OFFLINE, NULL);
}

/**
 * mimp_client_session_reconnect_now:
 *
 * Skips the wait before the next attempt (a "Reconnect" button).
 */
void
mimp_client_session_reconnect_now (MimpClientSession *self)
{
  g_return_if_fail (MIMP_IS_CLIENT_SESSION (self));

  self->started = TRUE;
  self->attempts = 0;
  connect_now (self);
}

/**
 * mimp_client_session_send:
 * @client_id: a UUID generated once for this message and kept across
 *   retries and restarts
 *
 * Queues a message. It is sent when online and retried after every
 * reconnect until the server answers; `send-finished` reports the outcome.
 * Queuing a client id that is already queued does nothing.
 */
void
mimp_client_session_send (MimpClientSession *self, const char *client_id, const char *to,
                          const char *text)
{
  OutboxItem *item;

  g_return_if_fail (MIMP_IS_CLIENT_SESSION (self));
  g_return_if_fail (client_id != NULL && to != NULL && text != NULL);

  if (find_outbox_item (self, client_id))
    return;
  item = g_new0 (OutboxItem, 1);
  item->client_id = g_strdup (client_id);
  item->to = g_strdup (to);
  item->text = g_strdup (text);
  g_queue_push_tail (&self->outbox, item);
  notify_outbox_length (self);
  flush_outbox (self);
}

static void
flush_ack_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  g_autoptr (GPtrArray) messages = NULL;
  GError *error = NULL;

  /* Messages in this reply were not dropped (the request carried an ack):
   * they come again in a later session. */
  messages = mimp_connection_get_unread_finish (MIMP_CONNECTION (object), result, NULL, &error);
  if (messages == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

/**
 * mimp_client_session_flush_ack_async:
 *
 * Tells the server now, rather than with the next long poll, which messages
 * were acknowledged: for a consumer about to quit. Does nothing when no
 * message carried a `seq` (a plain 1.0 server, which must not be sent a GU
 * here because it would drop what it returns).
 */
void
mimp_client_session_flush_ack_async (MimpClientSession *self, GCancellable *cancellable,
                                     GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr (GTask) task = NULL;

  g_return_if_fail (MIMP_IS_CLIENT_SESSION (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, mimp_client_session_flush_ack_async);
  if (self->acked_seq <= self->sent_ack)
    {
      g_task_return_boolean (task, TRUE);
      return;
    }
  if (self->state != MIMP_SESSION_STATE_ONLINE || self->connection == NULL)
    {
      g_task_return_new_error (task, MIMP_ERROR, MIMP_ERROR_CLOSED, "Not connected");
      return;
    }
  self->sent_ack = self->acked_seq;
  if (self->gu_pending)
    self->gu_interrupted = TRUE;
  mimp_connection_get_unread_async (self->connection, self->acked_seq, 0, cancellable, flush_ack_cb,
                                    g_steal_pointer (&task));
}

gboolean
mimp_client_session_flush_ack_finish (MimpClientSession *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

guint
mimp_client_session_get_outbox_length (MimpClientSession *self)
{
  g_return_val_if_fail (MIMP_IS_CLIENT_SESSION (self), 0);
  return self->outbox.length;
}

/**
 * mimp_client_session_acknowledge:
 * @seq: the highest `seq` the consumer has stored durably
 *
 * With manual-ack, lets the session tell the server (with the next request)
 * that messages up to @seq may be dropped, and ask for more.
 */
void
mimp_client_session_acknowledge (MimpClientSession *self, gint64 seq)
{
  g_return_if_fail (MIMP_IS_CLIENT_SESSION (self));

  self->acked_seq = MAX (self->acked_seq, seq);
  if (self->awaiting_seq >= 0 && seq >= self->awaiting_seq)
    {
      self->awaiting_seq = -1;
      poll_now (self);
    }
}

void
mimp_client_session_set_password (MimpClientSession *self, const char *password)
{
  g_return_if_fail (MIMP_IS_CLIENT_SESSION (self));
  g_clear_pointer (&self->password, mimp_secure_free_string);
  self->password = g_strdup (password);
}

void
mimp_client_session_set_accepted_certificate (MimpClientSession *self, const char *fingerprint)
{
  g_return_if_fail (MIMP_IS_CLIENT_SESSION (self));
  g_free (self->accepted_fingerprint);
  self->accepted_fingerprint = g_strdup (fingerprint);
}

/**
 * mimp_client_session_set_manual_ack:
 *
 * When %TRUE, the consumer of `messages-received` acknowledges with
 * mimp_client_session_acknowledge() after storing; set before start.
 */
void
mimp_client_session_set_manual_ack (MimpClientSession *self, gboolean manual_ack)
{
  g_return_if_fail (MIMP_IS_CLIENT_SESSION (self));
  self->manual_ack = !!manual_ack;
}

/**
 * mimp_client_session_set_poll_interval:
 *
 * Seconds between polls when the server does not support long poll.
 */
void
mimp_client_session_set_poll_interval (MimpClientSession *self, guint seconds)
{
  g_return_if_fail (MIMP_IS_CLIENT_SESSION (self));
  self->poll_interval = CLAMP (seconds, 1, 25);
}

/**
 * mimp_client_session_set_receive:
 *
 * Whether the session asks for messages at all (%TRUE by default). A
 * send-only client turns it off so it takes nobody's messages.
 */
void
mimp_client_session_set_receive (MimpClientSession *self, gboolean receive)
{
  g_return_if_fail (MIMP_IS_CLIENT_SESSION (self));
  self->receive = !!receive;
  if (receive)
    poll_now (self);
}

const char *
mimp_client_session_get_host (MimpClientSession *self)
{
  g_return_val_if_fail (MIMP_IS_CLIENT_SESSION (self), NULL);
  return self->host;
}

guint16
mimp_client_session_get_port (MimpClientSession *self)
{
  g_return_val_if_fail (MIMP_IS_CLIENT_SESSION (self), 0);
  return self->port;
}

gboolean
mimp_client_session_get_use_tls (MimpClientSession *self)
{
  g_return_val_if_fail (MIMP_IS_CLIENT_SESSION (self), FALSE);
  return self->use_tls;
}

const char *
mimp_client_session_get_user (MimpClientSession *self)
{
  g_return_val_if_fail (MIMP_IS_CLIENT_SESSION (self), NULL);
  return self->user;
}

MimpSessionState
mimp_client_session_get_state (MimpClientSession *self)
{
  g_return_val_if_fail (MIMP_IS_CLIENT_SESSION (self), MIMP_SESSION_STATE_OFFLINE);
  return self->state;
}

/**
 * mimp_client_session_get_error:
 *
 * Returns: (nullable): why the session is not online (in WAITING,
 * NEEDS_PASSWORD, NEEDS_CERTIFICATE, and OFFLINE after a bad setting)
 */
const GError *
mimp_client_session_get_error (MimpClientSession *self)
{
  g_return_val_if_fail (MIMP_IS_CLIENT_SESSION (self), NULL);
  return self->error;
}

/**
 * mimp_client_session_get_retry_time:
 *
 * Returns: the monotonic time (µs) of the next attempt while WAITING
 */
gint64
mimp_client_session_get_retry_time (MimpClientSession *self)
{
  g_return_val_if_fail (MIMP_IS_CLIENT_SESSION (self), 0);
  return self->retry_time;
}

/**
 * mimp_client_session_get_peer_certificate:
 *
 * Returns: (transfer none) (nullable): the server's certificate, also when
 * it was not trusted (to show its fingerprint)
 */
GTlsCertificate *
mimp_client_session_get_peer_certificate (MimpClientSession *self)
{
  g_return_val_if_fail (MIMP_IS_CLIENT_SESSION (self), NULL);
  return self->peer_certificate;
}

MimpClientSession *
mimp_client_session_new (const char *host, guint16 port, gboolean use_tls, const char *user)
{
  MimpClientSession *self = g_object_new (MIMP_TYPE_CLIENT_SESSION, NULL);

  self->host = g_strdup (host);
  self->port = port;
  self->use_tls = use_tls;
  self->user = g_strdup (user);
  return self;
}

static void
mimp_client_session_dispose (GObject *object)
{
  MimpClientSession *self = MIMP_CLIENT_SESSION (object);

  drop_connection (self);
  g_clear_handle_id (&self->retry_id, g_source_remove);
  if (self->monitor)
    g_signal_handlers_disconnect_by_data (self->monitor, self);
  g_clear_object (&self->monitor);
  g_clear_object (&self->peer_certificate);

  G_OBJECT_CLASS (mimp_client_session_parent_class)->dispose (object);
}

static void
mimp_client_session_finalize (GObject *object)
{
  MimpClientSession *self = MIMP_CLIENT_SESSION (object);

  g_queue_clear_full (&self->outbox, (GDestroyNotify) outbox_item_free);
  g_clear_pointer (&self->password, mimp_secure_free_string);
  g_clear_error (&self->error);
  g_free (self->host);
  g_free (self->user);
  g_free (self->accepted_fingerprint);

  G_OBJECT_CLASS (mimp_client_session_parent_class)->finalize (object);
}

static void
mimp_client_session_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  MimpClientSession *self = MIMP_CLIENT_SESSION (object);

  switch (prop_id)
    {
    case PROP_STATE:
      g_value_set_enum (value, self->state);
      break;
    case PROP_RETRY_TIME:
      g_value_set_int64 (value, self->retry_time);
      break;
    case PROP_OUTBOX_LENGTH:
      g_value_set_uint (value, self->outbox.length);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
mimp_client_session_class_init (MimpClientSessionClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = mimp_client_session_dispose;
  object_class->finalize = mimp_client_session_finalize;
  object_class->get_property = mimp_client_session_get_property;

  properties[PROP_STATE] =
      g_param_spec_enum ("state", NULL, NULL, MIMP_TYPE_SESSION_STATE, MIMP_SESSION_STATE_OFFLINE,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_RETRY_TIME] =
      g_param_spec_int64 ("retry-time", NULL, NULL, 0, G_MAXINT64, 0,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_OUTBOX_LENGTH] =
      g_param_spec_uint ("outbox-length", NULL, NULL, 0, G_MAXUINT, 0,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[MESSAGES_RECEIVED] =
      g_signal_new ("messages-received", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
                    NULL, NULL, G_TYPE_NONE, 1, G_TYPE_PTR_ARRAY);
  signals[SEND_FINISHED] =
      g_signal_new ("send-finished", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                    NULL, G_TYPE_NONE, 4, G_TYPE_STRING, G_TYPE_STRING, G_TYPE_INT64, G_TYPE_ERROR);
}

static void
mimp_client_session_init (MimpClientSession *self)
{
  self->receive = TRUE;
  self->poll_interval = DEFAULT_POLL_INTERVAL;
  self->acked_seq = -1;
  self->sent_ack = 0;
  self->awaiting_seq = -1;
  self->server_holds = TRUE;
  g_queue_init (&self->outbox);
  self->monitor = g_object_ref (g_network_monitor_get_default ());
  g_signal_connect (self->monitor, "network-changed", G_CALLBACK (network_changed_cb), self);
}
