/* mimp-mimp-session.c - a MimpProtocolSession over libmimp's
 * MimpClientSession (manual acknowledgement), so that libmimp stays free
 * of the app's types
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "mimp-protocol"

#include "config.h"

#include "mimp-mimp-protocol.h"
#include "mimp.h"

struct _MimpMimpSession
{
  GObject parent_instance;
  MimpClientSession *session;
  gint64 skipped; /* the highest seq of messages with nothing to store */
};

static void mimp_mimp_session_iface_init (MimpProtocolSessionInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (MimpMimpSession, mimp_mimp_session, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (MIMP_TYPE_PROTOCOL_SESSION,
                                                      mimp_mimp_session_iface_init))

static MimpProtocolSessionState
get_state (MimpProtocolSession *session)
{
  MimpMimpSession *self = MIMP_MIMP_SESSION (session);

  switch (mimp_client_session_get_state (self->session))
    {
    case MIMP_SESSION_STATE_CONNECTING:
      return MIMP_PROTOCOL_SESSION_STATE_CONNECTING;
    case MIMP_SESSION_STATE_ONLINE:
      return MIMP_PROTOCOL_SESSION_STATE_ONLINE;
    case MIMP_SESSION_STATE_WAITING:
      return MIMP_PROTOCOL_SESSION_STATE_WAITING;
    case MIMP_SESSION_STATE_NEEDS_PASSWORD:
      return MIMP_PROTOCOL_SESSION_STATE_NEEDS_PASSWORD;
    case MIMP_SESSION_STATE_NEEDS_CERTIFICATE:
      return MIMP_PROTOCOL_SESSION_STATE_NEEDS_CERTIFICATE;
    case MIMP_SESSION_STATE_OFFLINE:
    default:
      return MIMP_PROTOCOL_SESSION_STATE_OFFLINE;
    }
}

static const GError *
get_error (MimpProtocolSession *session)
{
  return mimp_client_session_get_error (MIMP_MIMP_SESSION (session)->session);
}

static gint64
get_retry_time (MimpProtocolSession *session)
{
  return mimp_client_session_get_retry_time (MIMP_MIMP_SESSION (session)->session);
}

static void
set_password (MimpProtocolSession *session, const char *password)
{
  mimp_client_session_set_password (MIMP_MIMP_SESSION (session)->session, password);
}

static void
reconnect_now (MimpProtocolSession *session)
{
  mimp_client_session_reconnect_now (MIMP_MIMP_SESSION (session)->session);
}

static void
stop (MimpProtocolSession *session)
{
  mimp_client_session_stop (MIMP_MIMP_SESSION (session)->session);
}

static void
send (MimpProtocolSession *session, const char *local_id, const char *peer, const char *text)
{
  mimp_client_session_send (MIMP_MIMP_SESSION (session)->session, local_id, peer, text);
}

/* The server keeps every message up to the highest seq acknowledged. */
static void
acknowledge (MimpProtocolSession *session, GPtrArray *stored)
{
  MimpMimpSession *self = MIMP_MIMP_SESSION (session);
  gint64 highest = self->skipped;

  self->skipped = -1;
  for (guint i = 0; i < stored->len; i++)
    highest = MAX (highest, ((MimpIncoming *) stored->pdata[i])->position);
  if (highest >= 0)
    mimp_client_session_acknowledge (self->session, highest);
}

static void
flush_ack_done (GObject *source, GAsyncResult *result, gpointer data)
{
  g_autoptr (GTask) task = data;
  GError *error = NULL;

  if (mimp_client_session_flush_ack_finish (MIMP_CLIENT_SESSION (source), result, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

static void
flush_ack_async (MimpProtocolSession *session, GCancellable *cancellable,
                 GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task = g_task_new (session, cancellable, callback, user_data);

  g_task_set_source_tag (task, flush_ack_async);
  mimp_client_session_flush_ack_async (MIMP_MIMP_SESSION (session)->session, cancellable,
                                       flush_ack_done, task);
}

static gboolean
flush_ack_finish (MimpProtocolSession *session, GAsyncResult *result, GError **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

static char *
dup_peer_fingerprint (MimpProtocolSession *session)
{
  GTlsCertificate *certificate =
      mimp_client_session_get_peer_certificate (MIMP_MIMP_SESSION (session)->session);

  return certificate ? mimp_certificate_get_fingerprint (certificate) : NULL;
}

static void
set_accepted_certificate (MimpProtocolSession *session, const char *fingerprint)
{
  mimp_client_session_set_accepted_certificate (MIMP_MIMP_SESSION (session)->session, fingerprint);
}

static void
mimp_mimp_session_iface_init (MimpProtocolSessionInterface *iface)
{
  iface->get_state = get_state;
  iface->get_error = get_error;
  iface->get_retry_time = get_retry_time;
  iface->set_password = set_password;
  iface->reconnect_now = reconnect_now;
  iface->stop = stop;
  iface->send = send;
  iface->acknowledge = acknowledge;
  iface->flush_ack_async = flush_ack_async;
  iface->flush_ack_finish = flush_ack_finish;
  iface->dup_peer_fingerprint = dup_peer_fingerprint;
  iface->set_accepted_certificate = set_accepted_certificate;
}

/* ------------------------------------------------------------------ */

static void
on_state (MimpMimpSession *self)
{
  g_object_notify (G_OBJECT (self), "state");
}

static void
on_retry_time (MimpMimpSession *self)
{
  g_object_notify (G_OBJECT (self), "retry-time");
}

static void
on_messages_received (MimpMimpSession *self, GPtrArray *messages)
{
  g_autoptr (GPtrArray) incoming =
      g_ptr_array_new_full (messages->len, (GDestroyNotify) mimp_incoming_unref);

  for (guint i = 0; i < messages->len; i++)
    {
      const MimpMessage *message = messages->pdata[i];

      if (message->from == NULL || message->text == NULL)
        {
          /* Nothing to show or store: acknowledged with the rest. */
          self->skipped = MAX (self->skipped, message->seq);
          continue;
        }
      g_ptr_array_add (incoming,
                       mimp_incoming_new (message->from, message->to, message->id, message->text,
                                          message->timestamp, message->seq));
    }
  mimp_protocol_session_emit_messages_received (MIMP_PROTOCOL_SESSION (self), incoming);
}

static void
on_send_finished (MimpMimpSession *self, const char *client_id, const char *server_id,
                  gint64 timestamp, const GError *error)
{
  /* The codec's own messages are no stored message of the account. */
  if (g_str_has_prefix (client_id, MIMP_MIMP_SESSION_OWN_ID_PREFIX))
    {
      if (error != NULL)
        g_message ("A message of private chats could not be sent: %s", error->message);
      return;
    }
  mimp_protocol_session_emit_send_finished (MIMP_PROTOCOL_SESSION (self), client_id, server_id,
                                            timestamp, error);
}

static void
mimp_mimp_session_dispose (GObject *object)
{
  MimpMimpSession *self = MIMP_MIMP_SESSION (object);

  if (self->session != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->session, self);
      mimp_client_session_stop (self->session);
    }
  g_clear_object (&self->session);
  G_OBJECT_CLASS (mimp_mimp_session_parent_class)->dispose (object);
}

static void
mimp_mimp_session_class_init (MimpMimpSessionClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = mimp_mimp_session_dispose;
  mimp_protocol_session_implement_properties (object_class);
}

static void
mimp_mimp_session_init (MimpMimpSession *self)
{
  self->skipped = -1;
}

MimpMimpSession *
mimp_mimp_session_new (const char *host, guint16 port, gboolean use_tls, const char *user,
                       const char *fingerprint)
{
  MimpMimpSession *self = g_object_new (MIMP_TYPE_MIMP_SESSION, NULL);

  self->session = mimp_client_session_new (host, port, use_tls, user);
  mimp_client_session_set_manual_ack (self->session, TRUE);
  mimp_client_session_set_accepted_certificate (self->session, fingerprint);
  g_signal_connect_object (self->session, "notify::state", G_CALLBACK (on_state), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->session, "notify::retry-time", G_CALLBACK (on_retry_time), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->session, "messages-received", G_CALLBACK (on_messages_received),
                           self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->session, "send-finished", G_CALLBACK (on_send_finished), self,
                           G_CONNECT_SWAPPED);
  return self;
}

MimpClientSession *
mimp_mimp_session_get_client_session (MimpMimpSession *self)
{
  g_return_val_if_fail (MIMP_IS_MIMP_SESSION (self), NULL);
  return self->session;
}
