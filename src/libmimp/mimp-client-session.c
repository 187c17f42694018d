/* mimp-client-session.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "mimp-session"

#include "config.h"

#include <string.h>

#include "mimp-cipher.h"
#include "mimp-client-session.h"
#include "mimp-connection.h"
#include "mimp-error.h"
#include "mimp-packet.h"

#define LONG_POLL_SECONDS 25
#define DEFAULT_POLL_INTERVAL 5
#define MAX_BACKOFF_SECONDS 60
#define OUTBOX_RETRY_SECONDS 5
/* An empty answer to a long poll sooner than this means the server does
 * not hold GU (a plain 1.0 server): poll on a timer instead. */
#define HELD_THRESHOLD_USEC (G_USEC_PER_SEC / 2)
/* Push with manual-ack: messages pushed while a batch awaits its
 * acknowledgement wait here; past this many the connection is dropped and
 * made again (the server pushes the unacknowledged ones again). */
#define PUSH_BACKLOG_MAX 5000
/* A push connection that receives nothing sends nothing: PUSH again (with
 * the acknowledgement) this often keeps it from the server's idle timeout
 * (120 s) and, by its reply, shows that the server is still there. */
#define PUSH_KEEPALIVE_SECONDS 25

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

  gboolean push_pending;   /* PUSH sent on this connection, no answer yet */
  gboolean pushing;        /* the server pushes on this connection: no GU */
  GPtrArray *push_backlog; /* of MimpMessage, pushed while a batch awaits its ack */
  guint push_keepalive_id;

  MimpFeatures features;
  gboolean features_pending; /* FEATURES asked on this connection, no answer yet */
  gboolean features_skip;    /* the last connection was lost while asking: not next time */
};

enum
{
  PROP_0,
  PROP_STATE,
  PROP_RETRY_TIME,
  PROP_OUTBOX_LENGTH,
  PROP_FEATURES,
  N_PROPS
};

enum
{
  MESSAGES_RECEIVED,
  SEND_FINISHED,
  EPHEMERAL_RECEIVED,
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

GType
mimp_features_get_type (void)
{
  static gsize type_id = 0;

  if (g_once_init_enter (&type_id))
    {
      static const GFlagsValue values[] = {
        { MIMP_FEATURE_NONE, "MIMP_FEATURE_NONE", "none" },
        { MIMP_FEATURE_KEYS, "MIMP_FEATURE_KEYS", "keys" },
        { MIMP_FEATURE_EPHEMERAL, "MIMP_FEATURE_EPHEMERAL", "ephemeral" },
        { MIMP_FEATURE_PUSH, "MIMP_FEATURE_PUSH", "push" },
        { 0, NULL, NULL },
      };
      GType type = g_flags_register_static (g_intern_static_string ("MimpFeatures"), values);

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
  g_clear_handle_id (&self->push_keepalive_id, g_source_remove);
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
  self->features_pending = FALSE;
  self->push_pending = FALSE;
  self->pushing = FALSE;
  /* Not handed on, so not acknowledged: the next connection gets them. */
  g_ptr_array_set_size (self->push_backlog, 0);
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
  /* A server that closes (or never answers) on an unknown packet id is
   * not asked again on the next connection: features stay as they were. */
  if (self->features_pending)
    self->features_skip = TRUE;
  schedule_retry (self, error);
}

static void
connection_closed_cb (MimpConnection *connection, const GError *error, MimpClientSession *self)
{
  connection_lost (self, error);
}

/* A request the server refused fails for good; anything else is sent
 * again on the next connection. */
static gboolean
is_final_send_error (const GError *error)
{
  return mimp_error_get_kind (error) == MIMP_ERROR_KIND_REFUSED;
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

/* Hands received messages on: ephemeral ones to `ephemeral-received`, the
 * others (less those already acknowledged) to `messages-received`, then
 * acknowledges them unless the consumer does (manual-ack). Returns the
 * highest seq handed on, or -1. */
static gint64
hand_on (MimpClientSession *self, GPtrArray *messages)
{
  g_autoptr (GPtrArray) ephemeral = NULL;
  gint64 highest = -1;

  /* Ephemeral messages have no seq and are never acknowledged: they go
   * their own way. */
  ephemeral = g_ptr_array_new_with_free_func ((GDestroyNotify) mimp_message_free);
  for (guint i = 0; i < messages->len;)
    {
      if (((MimpMessage *) messages->pdata[i])->ephemeral)
        g_ptr_array_add (ephemeral, g_ptr_array_steal_index (messages, i));
      else
        i++;
    }
  for (guint i = 0; i < ephemeral->len; i++)
    {
      MimpMessage *m = ephemeral->pdata[i];

      g_signal_emit (self, signals[EPHEMERAL_RECEIVED], 0, m->from, m->text);
    }

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

  if (messages->len == 0)
    return -1;
  if (self->manual_ack && highest >= 0)
    self->awaiting_seq = highest;
  g_signal_emit (self, signals[MESSAGES_RECEIVED], 0, messages);
  if (!self->manual_ack)
    self->acked_seq = MAX (self->acked_seq, highest);
  return highest;
}

static void
get_unread_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (MimpClientSession) self = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) messages = NULL;
  gboolean more = FALSE;
  gboolean interrupted;
  gboolean had_messages;
  gint64 elapsed;

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
  had_messages = messages->len > 0;
  if (!had_messages && !interrupted)
    self->server_holds = elapsed >= HELD_THRESHOLD_USEC;
  hand_on (self, messages);

  if (had_messages || more || self->server_holds || interrupted)
    poll_now (self);
  else if (self->poll_id == 0)
    self->poll_id = g_timeout_add_seconds (self->poll_interval, poll_timeout_cb, self);
}

static void
poll_now (MimpClientSession *self)
{
  if (!self->receive || self->state != MIMP_SESSION_STATE_ONLINE || self->connection == NULL ||
      self->gu_pending || self->awaiting_seq >= 0 || self->pushing || self->push_pending)
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

/* The reply (or failure) of FEATURES or PUSH, asked at login: %FALSE when
 * it is stale (an earlier connection's) or the connection is gone (then
 * "closed" handles it); else clears *@pending. */
static gboolean
reply_is_current (MimpClientSession *self, GObject *object, GBytes *reply, const GError *error,
                  gboolean *pending)
{
  if (MIMP_CONNECTION (object) != self->connection || !*pending)
    return FALSE;
  if (reply == NULL &&
      (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) ||
       mimp_connection_get_state (self->connection) != MIMP_CONNECTION_STATE_READY))
    return FALSE;
  *pending = FALSE;
  return TRUE;
}

/* --- Push (docs/protocols/mimp.md, section 14) ------------------------------ */

/* Tells the server what was acknowledged, without a reply. */
static void
push_acknowledge (MimpClientSession *self)
{
  if (!self->pushing || self->connection == NULL || self->acked_seq <= self->sent_ack)
    return;
  self->sent_ack = self->acked_seq;
  mimp_connection_acknowledge (self->connection, self->acked_seq);
}

/* Hands on what was pushed while the last batch awaited its
 * acknowledgement, as the next batch. */
static void
push_hand_on_backlog (MimpClientSession *self)
{
  g_autoptr (GPtrArray) batch = NULL;

  if (self->push_backlog->len == 0 || self->awaiting_seq >= 0)
    return;
  batch = g_steal_pointer (&self->push_backlog);
  self->push_backlog = g_ptr_array_new_with_free_func ((GDestroyNotify) mimp_message_free);
  hand_on (self, batch);
  push_acknowledge (self);
}

static void
delivered_cb (MimpConnection *connection, GPtrArray *messages, MimpClientSession *self)
{
  if (connection != self->connection)
    return;
  /* manual-ack: one batch at a time, as with GU. */
  if (self->awaiting_seq >= 0 || self->push_backlog->len > 0)
    {
      while (messages->len > 0)
        g_ptr_array_add (self->push_backlog, g_ptr_array_steal_index (messages, 0));
      if (self->push_backlog->len > PUSH_BACKLOG_MAX)
        {
          g_autoptr (GError) error = g_error_new (
              MIMP_ERROR, MIMP_ERROR_PROTOCOL,
              "Over %u pushed messages wait for their acknowledgement", PUSH_BACKLOG_MAX);

          connection_lost (self, error);
        }
      return;
    }
  hand_on (self, messages);
  push_acknowledge (self);
}

static char *
push_members (MimpClientSession *self)
{
  self->sent_ack = MAX (self->acked_seq, 0);
  return g_strdup_printf ("\"ack\":%" G_GINT64_FORMAT, self->sent_ack);
}

/* A lost server shows as a request without an answer: the connection's
 * watchdog fails it and "closed" brings the next one. */
static void
push_keepalive_done_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) reply =
      mimp_connection_request_finish (MIMP_CONNECTION (object), result, &error);

  if (reply == NULL)
    g_debug ("Keepalive: %s", error->message);
}

static gboolean
push_keepalive_cb (gpointer user_data)
{
  MimpClientSession *self = user_data;
  g_autofree char *members = NULL;

  if (!self->pushing || self->connection == NULL)
    {
      self->push_keepalive_id = 0;
      return G_SOURCE_REMOVE;
    }
  members = push_members (self);
  mimp_connection_request_async (self->connection, MIMP_PACKET_PUSH, members, self->cancellable,
                                 push_keepalive_done_cb, NULL);
  return G_SOURCE_CONTINUE;
}

static void
push_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (MimpClientSession) self = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) reply = NULL;

  reply = mimp_connection_request_finish (MIMP_CONNECTION (object), result, &error);
  if (!reply_is_current (self, object, reply, error, &self->push_pending))
    return;
  if (reply == NULL)
    {
      /* Listed but refused: long poll as without it. */
      g_debug ("No push: %s", error->message);
      poll_now (self);
      return;
    }
  self->pushing = TRUE;
  self->push_keepalive_id = g_timeout_add_seconds (PUSH_KEEPALIVE_SECONDS, push_keepalive_cb, self);
}

/* Turns push on for this connection, acknowledging what was stored: the
 * server pushes every message still waiting, then each new one. */
static void
push_start (MimpClientSession *self)
{
  g_autofree char *members = NULL;

  if (!self->receive || self->connection == NULL || self->push_pending || self->pushing)
    return;
  members = push_members (self);
  self->push_pending = TRUE;
  mimp_connection_request_async (self->connection, MIMP_PACKET_PUSH, members, self->cancellable,
                                 push_cb, g_object_ref (self));
}

static void
set_features (MimpClientSession *self, MimpFeatures features)
{
  if (self->features == features)
    return;
  self->features = features;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FEATURES]);
}

static void
go_online (MimpClientSession *self, MimpFeatures features)
{
  set_features (self, features);
  set_state (self, MIMP_SESSION_STATE_ONLINE, NULL);
  flush_outbox (self);
  if (features & MIMP_FEATURE_PUSH)
    push_start (self);
  else
    poll_now (self);
}

/* `{"features": ["keys", "ephemeral", ...]}`; unknown names are skipped,
 * anything unreadable is no feature. */
static MimpFeatures
parse_features (GBytes *reply)
{
  g_autoptr (JsonNode) root = NULL;
  gsize len = 0;
  const guint8 *data = g_bytes_get_data (reply, &len);
  MimpFeatures features = 0;
  JsonObject *object = mimp_json_parse_object (data, len, &root, NULL);
  JsonNode *list;

  if (object == NULL)
    return 0;
  list = json_object_get_member (object, "features");
  if (list == NULL || !JSON_NODE_HOLDS_ARRAY (list))
    return 0;
  for (guint i = 0; i < json_array_get_length (json_node_get_array (list)); i++)
    {
      JsonNode *node = json_array_get_element (json_node_get_array (list), i);
      const char *name;

      if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
        continue;
      name = json_node_get_string (node);
      if (strcmp (name, "keys") == 0)
        features |= MIMP_FEATURE_KEYS;
      else if (strcmp (name, "ephemeral") == 0)
        features |= MIMP_FEATURE_EPHEMERAL;
      else if (strcmp (name, "push") == 0)
        features |= MIMP_FEATURE_PUSH;
    }
  return features;
}

static void
features_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (MimpClientSession) self = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) reply = NULL;

  reply = mimp_connection_request_finish (MIMP_CONNECTION (object), result, &error);
  if (!reply_is_current (self, object, reply, error, &self->features_pending))
    return;
  if (reply == NULL)
    g_debug ("No extensions: %s", error->message); /* 501 from a plain server */
  go_online (self, reply ? parse_features (reply) : 0);
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
  g_signal_connect (connection, "delivered", G_CALLBACK (delivered_cb), self);
  if (self->features_skip)
    {
      self->features_skip = FALSE;
      go_online (self, self->features);
      return;
    }
  /* Before ONLINE, so features are known by then; a plain server answers 501. */
  self->features_pending = TRUE;
  mimp_connection_request_async (connection, MIMP_PACKET_FEATURES, NULL, self->cancellable,
                                 features_cb, g_object_ref (self));
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
  push_acknowledge (self);
  if (self->awaiting_seq >= 0 && seq >= self->awaiting_seq)
    {
      self->awaiting_seq = -1;
      push_hand_on_backlog (self);
      poll_now (self);
    }
}

/* --- Extensions: key directory, ephemeral messages -------------------------- */

/**
 * mimp_client_session_get_features:
 *
 * Returns: the extensions the server offered at the last login (asked
 * before the session goes ONLINE); 0 before any login and from a plain
 * MIMP 1.0 server
 */
MimpFeatures
mimp_client_session_get_features (MimpClientSession *self)
{
  g_return_val_if_fail (MIMP_IS_CLIENT_SESSION (self), 0);
  return self->features;
}

typedef enum
{
  KEYS_PUBLISH,
  KEYS_FETCH,
  KEYS_COUNT,
} KeysOp;

static GError *
keys_error (GError *error)
{
  if (g_error_matches (error, MIMP_ERROR, MIMP_ERROR_UNSUPPORTED))
    {
      g_error_free (error);
      return g_error_new_literal (G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                                  "The server has no key directory");
    }
  if (g_error_matches (error, MIMP_ERROR, MIMP_ERROR_CLOSED))
    {
      g_error_free (error);
      return g_error_new_literal (G_IO_ERROR, G_IO_ERROR_NOT_CONNECTED, "Not connected");
    }
  return error;
}

static gboolean
reply_int (JsonObject *object, const char *name, gint64 *value)
{
  JsonNode *node = json_object_get_member (object, name);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_INT64 || json_node_get_int (node) < 0)
    return FALSE;
  *value = json_node_get_int (node);
  return TRUE;
}

static void
keys_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  g_autoptr (GBytes) reply = NULL;
  g_autoptr (JsonNode) root = NULL;
  GError *error = NULL;
  KeysOp op = GPOINTER_TO_INT (g_task_get_task_data (task));
  const guint8 *data;
  gsize len = 0;
  JsonObject *object_reply;
  gint64 left = 0;

  reply = mimp_connection_request_finish (MIMP_CONNECTION (object), result, &error);
  if (reply == NULL)
    {
      g_task_return_error (task, keys_error (error));
      return;
    }
  data = g_bytes_get_data (reply, &len);
  if (!(object_reply = mimp_json_parse_object (data, len, &root, NULL)))
    goto bad;

  if (op == KEYS_FETCH)
    {
      JsonNode *devices = json_object_get_member (object_reply, "devices");
      g_autoptr (GPtrArray) list = g_ptr_array_new_with_free_func (g_free);

      if (devices == NULL || !JSON_NODE_HOLDS_ARRAY (devices))
        goto bad;
      for (guint i = 0; i < json_array_get_length (json_node_get_array (devices)); i++)
        {
          JsonNode *device = json_array_get_element (json_node_get_array (devices), i);

          if (!JSON_NODE_HOLDS_OBJECT (device))
            goto bad;
          g_ptr_array_add (list, json_to_string (device, FALSE));
        }
      g_task_return_pointer (task, g_steal_pointer (&list), (GDestroyNotify) g_ptr_array_unref);
      return;
    }
  if (!reply_int (object_reply, "left", &left))
    goto bad;
  g_task_return_int (task, (gssize) left);
  return;

bad:
  g_task_return_new_error (task, MIMP_ERROR, MIMP_ERROR_PROTOCOL,
                           "The server's key directory sent a reply this client cannot read");
}

/* Sends a KEYS request with @members on the live connection. */
static void
keys_request (MimpClientSession *self, GTask *task_in, KeysOp op, const char *members)
{
  g_autoptr (GTask) task = task_in;
  GCancellable *cancellable = g_task_get_cancellable (task);

  g_task_set_task_data (task, GINT_TO_POINTER (op), NULL);
  if (self->state != MIMP_SESSION_STATE_ONLINE || self->connection == NULL)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_CONNECTED, "Not connected");
      return;
    }
  if (!(self->features & MIMP_FEATURE_KEYS))
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                               "The server has no key directory");
      return;
    }
  /* The held long poll is answered at once: not a sign of a plain server. */
  if (self->gu_pending)
    self->gu_interrupted = TRUE;
  mimp_connection_request_async (self->connection, MIMP_PACKET_KEYS, members, cancellable, keys_cb,
                                 g_steal_pointer (&task));
}

/**
 * mimp_client_session_publish_keys_async:
 * @bundle_json: a JSON object `{"device", "ik", "reg", "spk", "pk"}` as the
 *   KEYS publish request carries it (docs/protocols/mimp.md)
 *
 * Publishes this device's keys in the server's key directory, on the
 * session's connection. Fails with %G_IO_ERROR_NOT_CONNECTED when not
 * ONLINE, %G_IO_ERROR_NOT_SUPPORTED without a key directory, and the
 * server's error (#MIMP_ERROR) otherwise.
 */
void
mimp_client_session_publish_keys_async (MimpClientSession *self, const char *bundle_json,
                                        GCancellable *cancellable, GAsyncReadyCallback callback,
                                        gpointer user_data)
{
  g_autoptr (GTask) task = NULL;
  g_autoptr (JsonNode) root = NULL;
  g_autofree char *bundle = NULL;
  g_autofree char *members = NULL;

  g_return_if_fail (MIMP_IS_CLIENT_SESSION (self));
  g_return_if_fail (bundle_json != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, mimp_client_session_publish_keys_async);
  /* Written out again by json-glib: only JSON goes on the wire. */
  if (!mimp_json_parse_object ((const guint8 *) bundle_json, strlen (bundle_json), &root, NULL))
    {
      g_task_return_new_error (task, MIMP_ERROR, MIMP_ERROR_INVALID_ARGUMENT,
                               "The key bundle is not a JSON object");
      return;
    }
  bundle = json_to_string (root, FALSE);
  members = g_strconcat ("\"op\":\"publish\",\"bundle\":", bundle, NULL);
  keys_request (self, g_steal_pointer (&task), KEYS_PUBLISH, members);
}

/**
 * mimp_client_session_publish_keys_finish:
 *
 * Returns: the one-time prekeys the server now holds for the device, or
 * -1 with @error set
 */
gint64
mimp_client_session_publish_keys_finish (MimpClientSession *self, GAsyncResult *result,
                                         GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), -1);
  return g_task_propagate_int (G_TASK (result), error);
}

/**
 * mimp_client_session_fetch_keys_async:
 *
 * Fetches @user's published keys; each device entry carries at most one
 * one-time prekey, which the server hands out only once. The server limits
 * how often one user may fetch (429: %MIMP_ERROR_RATE_LIMITED).
 */
void
mimp_client_session_fetch_keys_async (MimpClientSession *self, const char *user,
                                      GCancellable *cancellable, GAsyncReadyCallback callback,
                                      gpointer user_data)
{
  g_autoptr (GTask) task = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *name = NULL;
  g_autoptr (GString) members = g_string_new ("\"op\":\"fetch\",\"user\":");

  g_return_if_fail (MIMP_IS_CLIENT_SESSION (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, mimp_client_session_fetch_keys_async);
  if (!mimp_user_name_normalize (user, &name, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  mimp_json_append_string (members, name);
  keys_request (self, g_steal_pointer (&task), KEYS_FETCH, members->str);
}

/**
 * mimp_client_session_fetch_keys_finish:
 *
 * Returns: (transfer container) (element-type utf8): one JSON object
 * string per device (`{"device", "ik", "reg", "spk", "pk"}`, `pk` possibly
 * null), possibly none; %NULL with @error set
 */
GPtrArray *
mimp_client_session_fetch_keys_finish (MimpClientSession *self, GAsyncResult *result,
                                       GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

/**
 * mimp_client_session_count_keys_async:
 * @device: this user's device id (1 to 2^31-1)
 *
 * Asks how many one-time prekeys the server still holds for @device.
 */
void
mimp_client_session_count_keys_async (MimpClientSession *self, guint32 device,
                                      GCancellable *cancellable, GAsyncReadyCallback callback,
                                      gpointer user_data)
{
  g_autoptr (GTask) task = NULL;
  g_autofree char *members = NULL;

  g_return_if_fail (MIMP_IS_CLIENT_SESSION (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, mimp_client_session_count_keys_async);
  if (device == 0 || device > G_MAXINT32)
    {
      g_task_return_new_error (task, MIMP_ERROR, MIMP_ERROR_INVALID_ARGUMENT,
                               "A device id is 1 to 2147483647");
      return;
    }
  members = g_strdup_printf ("\"op\":\"count\",\"device\":%u", device);
  keys_request (self, g_steal_pointer (&task), KEYS_COUNT, members);
}

/**
 * mimp_client_session_count_keys_finish:
 *
 * Returns: the one-time prekeys left, or -1 with @error set
 */
gint64
mimp_client_session_count_keys_finish (MimpClientSession *self, GAsyncResult *result,
                                       GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), -1);
  return g_task_propagate_int (G_TASK (result), error);
}

static void
ephemeral_sent_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) reply = NULL;

  /* Fire and forget: whether it was delivered does not matter. */
  reply = mimp_connection_request_finish (MIMP_CONNECTION (object), result, &error);
  if (reply == NULL && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_debug ("An ephemeral message was refused: %s", error->message);
}

/**
 * mimp_client_session_send_ephemeral:
 *
 * Sends an ephemeral message (a typing notice): the server hands it only
 * to a long poll of @to that waits at that moment and never stores it.
 * Fire and forget: not in the outbox, never retried, no signal. Does
 * nothing when offline or when the server does not offer
 * %MIMP_FEATURE_EPHEMERAL (a plain server would store it as a message).
 */
void
mimp_client_session_send_ephemeral (MimpClientSession *self, const char *to, const char *text)
{
  g_autofree char *recipient = NULL;
  g_autoptr (GString) members = NULL;

  g_return_if_fail (MIMP_IS_CLIENT_SESSION (self));
  g_return_if_fail (to != NULL && text != NULL);

  if (self->state != MIMP_SESSION_STATE_ONLINE || self->connection == NULL ||
      !(self->features & MIMP_FEATURE_EPHEMERAL))
    return;
  if (!mimp_user_name_normalize (to, &recipient, NULL) || text[0] == '\0' ||
      strlen (text) > MIMP_MESSAGE_TEXT_MAX || !g_utf8_validate (text, -1, NULL))
    {
      g_debug ("Not sending an invalid ephemeral message");
      return;
    }
  members = g_string_sized_new (64 + strlen (text));
  g_string_append (members, "\"ut\":");
  mimp_json_append_string (members, recipient);
  g_string_append (members, ",\"ms\":");
  mimp_json_append_string (members, text);
  g_string_append (members, ",\"ephemeral\":true");
  if (self->gu_pending)
    self->gu_interrupted = TRUE;
  mimp_connection_request_async (self->connection, MIMP_PACKET_SM, members->str, self->cancellable,
                                 ephemeral_sent_cb, NULL);
  mimp_secure_wipe (members->str, members->len);
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
  g_clear_pointer (&self->push_backlog, g_ptr_array_unref);
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
    case PROP_FEATURES:
      g_value_set_flags (value, self->features);
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
  properties[PROP_FEATURES] =
      g_param_spec_flags ("features", NULL, NULL, MIMP_TYPE_FEATURES, 0,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[MESSAGES_RECEIVED] =
      g_signal_new ("messages-received", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
                    NULL, NULL, G_TYPE_NONE, 1, G_TYPE_PTR_ARRAY);
  signals[SEND_FINISHED] =
      g_signal_new ("send-finished", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                    NULL, G_TYPE_NONE, 4, G_TYPE_STRING, G_TYPE_STRING, G_TYPE_INT64, G_TYPE_ERROR);
  signals[EPHEMERAL_RECEIVED] =
      g_signal_new ("ephemeral-received", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
                    NULL, NULL, G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_STRING);
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
  self->push_backlog = g_ptr_array_new_with_free_func ((GDestroyNotify) mimp_message_free);
  self->monitor = g_object_ref (g_network_monitor_get_default ());
  g_signal_connect (self->monitor, "network-changed", G_CALLBACK (network_changed_cb), self);
}
