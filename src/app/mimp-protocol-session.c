/* mimp-protocol-session.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "mimp-app-enums.h"
#include "mimp-protocol-session.h"

G_DEFINE_INTERFACE (MimpProtocolSession, mimp_protocol_session, G_TYPE_OBJECT)

enum
{
  MESSAGES_RECEIVED,
  SEND_FINISHED,
  TYPING_CHANGED,
  CHAT_REQUESTED,
  VERIFICATION_ASKED,
  VERIFICATION_FINISHED,
  MEMBERS_CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
mimp_protocol_session_default_init (MimpProtocolSessionInterface *iface)
{
  g_object_interface_install_property (
      iface, g_param_spec_enum ("state", NULL, NULL, MIMP_TYPE_PROTOCOL_SESSION_STATE,
                                MIMP_PROTOCOL_SESSION_STATE_OFFLINE,
                                G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));
  g_object_interface_install_property (
      iface, g_param_spec_int64 ("retry-time", NULL, NULL, 0, G_MAXINT64, 0,
                                 G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));

  signals[MESSAGES_RECEIVED] =
      g_signal_new ("messages-received", G_TYPE_FROM_INTERFACE (iface), G_SIGNAL_RUN_LAST, 0, NULL,
                    NULL, NULL, G_TYPE_NONE, 1, G_TYPE_PTR_ARRAY);
  signals[SEND_FINISHED] = g_signal_new (
      "send-finished", G_TYPE_FROM_INTERFACE (iface), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
      G_TYPE_NONE, 4, G_TYPE_STRING, G_TYPE_STRING, G_TYPE_INT64, G_TYPE_POINTER);
  signals[TYPING_CHANGED] =
      g_signal_new ("typing-changed", G_TYPE_FROM_INTERFACE (iface), G_SIGNAL_RUN_LAST, 0, NULL,
                    NULL, NULL, G_TYPE_NONE, 2, G_TYPE_STRING, MIMP_TYPE_TYPING_STATE);
  signals[CHAT_REQUESTED] =
      g_signal_new ("chat-requested", G_TYPE_FROM_INTERFACE (iface), G_SIGNAL_RUN_LAST, 0, NULL,
                    NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
  signals[VERIFICATION_ASKED] =
      g_signal_new ("verification-asked", G_TYPE_FROM_INTERFACE (iface), G_SIGNAL_RUN_LAST, 0, NULL,
                    NULL, NULL, G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_STRING);
  signals[VERIFICATION_FINISHED] = g_signal_new (
      "verification-finished", G_TYPE_FROM_INTERFACE (iface), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
      NULL, G_TYPE_NONE, 3, G_TYPE_STRING, G_TYPE_BOOLEAN, G_TYPE_POINTER);
  signals[MEMBERS_CHANGED] =
      g_signal_new ("members-changed", G_TYPE_FROM_INTERFACE (iface), G_SIGNAL_RUN_LAST, 0, NULL,
                    NULL, NULL, G_TYPE_NONE, 3, G_TYPE_STRING, G_TYPE_STRING, G_TYPE_BOOLEAN);
}

#define IFACE(self) MIMP_PROTOCOL_SESSION_GET_IFACE (self)

enum
{
  PROP_0,
  PROP_STATE,
  PROP_RETRY_TIME,
};

static void
session_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  MimpProtocolSession *self = MIMP_PROTOCOL_SESSION (object);

  switch (prop_id)
    {
    case PROP_STATE:
      g_value_set_enum (value, mimp_protocol_session_get_state (self));
      break;
    case PROP_RETRY_TIME:
      g_value_set_int64 (value, mimp_protocol_session_get_retry_time (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

/**
 * mimp_protocol_session_backoff_ms:
 * @failed_attempts: how many attempts in a row failed before this wait
 *
 * For implementations that reconnect by themselves: the wait before the
 * next attempt, 1, 2, 4 ... 60 s, each with ±25 % jitter so that the many
 * clients of a restarted server do not all come back at once (as libmimp's
 * session waits).
 *
 * Returns: the wait, in milliseconds
 */
guint
mimp_protocol_session_backoff_ms (guint failed_attempts)
{
  guint base = MIN (60u, 1u << MIN (failed_attempts, 6u));

  return (guint) (base * 1000 * g_random_double_range (0.75, 1.25));
}

/**
 * mimp_protocol_session_implement_properties:
 *
 * For an implementation's class_init: makes the interface's `state` and
 * `retry-time` properties read the interface's getters. The class has no
 * properties of its own then.
 */
void
mimp_protocol_session_implement_properties (GObjectClass *object_class)
{
  object_class->get_property = session_get_property;
  g_object_class_override_property (object_class, PROP_STATE, "state");
  g_object_class_override_property (object_class, PROP_RETRY_TIME, "retry-time");
}

MimpProtocolSessionState
mimp_protocol_session_get_state (MimpProtocolSession *self)
{
  g_return_val_if_fail (MIMP_IS_PROTOCOL_SESSION (self), MIMP_PROTOCOL_SESSION_STATE_OFFLINE);
  return IFACE (self)->get_state (self);
}

const GError *
mimp_protocol_session_get_error (MimpProtocolSession *self)
{
  g_return_val_if_fail (MIMP_IS_PROTOCOL_SESSION (self), NULL);
  return IFACE (self)->get_error (self);
}

gint64
mimp_protocol_session_get_retry_time (MimpProtocolSession *self)
{
  g_return_val_if_fail (MIMP_IS_PROTOCOL_SESSION (self), 0);
  return IFACE (self)->get_retry_time ? IFACE (self)->get_retry_time (self) : 0;
}

void
mimp_protocol_session_set_password (MimpProtocolSession *self, const char *password)
{
  g_return_if_fail (MIMP_IS_PROTOCOL_SESSION (self));
  if (IFACE (self)->set_password)
    IFACE (self)->set_password (self, password);
}

void
mimp_protocol_session_reconnect_now (MimpProtocolSession *self)
{
  g_return_if_fail (MIMP_IS_PROTOCOL_SESSION (self));
  IFACE (self)->reconnect_now (self);
}

void
mimp_protocol_session_stop (MimpProtocolSession *self)
{
  g_return_if_fail (MIMP_IS_PROTOCOL_SESSION (self));
  IFACE (self)->stop (self);
}

void
mimp_protocol_session_send (MimpProtocolSession *self, const char *local_id, const char *peer,
                            const char *text)
{
  g_return_if_fail (MIMP_IS_PROTOCOL_SESSION (self));
  g_return_if_fail (local_id != NULL && peer != NULL && text != NULL);
  IFACE (self)->send (self, local_id, peer, text);
}

void
mimp_protocol_session_acknowledge (MimpProtocolSession *self, GPtrArray *stored)
{
  g_return_if_fail (MIMP_IS_PROTOCOL_SESSION (self));
  g_return_if_fail (stored != NULL);
  if (IFACE (self)->acknowledge)
    IFACE (self)->acknowledge (self, stored);
}

static void
flush_ack_nothing (MimpProtocolSession *self, GCancellable *cancellable,
                   GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr (GTask) task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, flush_ack_nothing);
  g_task_return_boolean (task, TRUE);
}

/**
 * mimp_protocol_session_flush_ack_async:
 *
 * Tells the server now what is stored, for protocols that keep messages
 * until they are acknowledged; succeeds at once for the others.
 */
void
mimp_protocol_session_flush_ack_async (MimpProtocolSession *self, GCancellable *cancellable,
                                       GAsyncReadyCallback callback, gpointer user_data)
{
  g_return_if_fail (MIMP_IS_PROTOCOL_SESSION (self));
  if (IFACE (self)->flush_ack_async)
    IFACE (self)->flush_ack_async (self, cancellable, callback, user_data);
  else
    flush_ack_nothing (self, cancellable, callback, user_data);
}

gboolean
mimp_protocol_session_flush_ack_finish (MimpProtocolSession *self, GAsyncResult *result,
                                        GError **error)
{
  g_return_val_if_fail (MIMP_IS_PROTOCOL_SESSION (self), FALSE);
  if (g_async_result_is_tagged (result, flush_ack_nothing))
    return g_task_propagate_boolean (G_TASK (result), error);
  return IFACE (self)->flush_ack_finish (self, result, error);
}

char *
mimp_protocol_session_dup_peer_fingerprint (MimpProtocolSession *self)
{
  g_return_val_if_fail (MIMP_IS_PROTOCOL_SESSION (self), NULL);
  return IFACE (self)->dup_peer_fingerprint ? IFACE (self)->dup_peer_fingerprint (self) : NULL;
}

void
mimp_protocol_session_set_accepted_certificate (MimpProtocolSession *self, const char *fingerprint)
{
  g_return_if_fail (MIMP_IS_PROTOCOL_SESSION (self));
  if (IFACE (self)->set_accepted_certificate)
    IFACE (self)->set_accepted_certificate (self, fingerprint);
}

void
mimp_protocol_session_emit_messages_received (MimpProtocolSession *self, GPtrArray *messages)
{
  g_signal_emit (self, signals[MESSAGES_RECEIVED], 0, messages);
}

void
mimp_protocol_session_emit_send_finished (MimpProtocolSession *self, const char *local_id,
                                          const char *remote_id, gint64 timestamp,
                                          const GError *error)
{
  g_signal_emit (self, signals[SEND_FINISHED], 0, local_id, remote_id, timestamp, error);
}

/* ------------------------------------------------------------------ */
/* What only some protocols have                                      */
/* ------------------------------------------------------------------ */

void
mimp_protocol_session_send_typing (MimpProtocolSession *self, const char *peer,
                                   MimpTypingState state)
{
  g_return_if_fail (MIMP_IS_PROTOCOL_SESSION (self));
  g_return_if_fail (peer != NULL);
  if (IFACE (self)->send_typing)
    IFACE (self)->send_typing (self, peer, state);
}

void
mimp_protocol_session_answer_chat_request (MimpProtocolSession *self, const char *peer,
                                           gboolean accept)
{
  g_return_if_fail (MIMP_IS_PROTOCOL_SESSION (self));
  g_return_if_fail (peer != NULL);
  g_return_if_fail (IFACE (self)->answer_chat_request != NULL);
  IFACE (self)->answer_chat_request (self, peer, accept);
}

void
mimp_protocol_session_start_verification (MimpProtocolSession *self, const char *peer,
                                          const char *question, const char *answer)
{
  g_return_if_fail (MIMP_IS_PROTOCOL_SESSION (self));
  g_return_if_fail (peer != NULL && answer != NULL);
  g_return_if_fail (IFACE (self)->start_verification != NULL);
  IFACE (self)->start_verification (self, peer, question, answer);
}

void
mimp_protocol_session_answer_verification (MimpProtocolSession *self, const char *peer,
                                           const char *answer)
{
  g_return_if_fail (MIMP_IS_PROTOCOL_SESSION (self));
  g_return_if_fail (peer != NULL && answer != NULL);
  g_return_if_fail (IFACE (self)->answer_verification != NULL);
  IFACE (self)->answer_verification (self, peer, answer);
}

/**
 * mimp_protocol_session_list_members:
 *
 * Returns: (transfer full) (nullable): who is in @room now, or %NULL when
 *   the protocol has no rooms or does not know yet
 */
GStrv
mimp_protocol_session_list_members (MimpProtocolSession *self, const char *room)
{
  g_return_val_if_fail (MIMP_IS_PROTOCOL_SESSION (self), NULL);
  g_return_val_if_fail (room != NULL, NULL);
  return IFACE (self)->list_members ? IFACE (self)->list_members (self, room) : NULL;
}

void
mimp_protocol_session_emit_typing_changed (MimpProtocolSession *self, const char *peer,
                                           MimpTypingState state)
{
  g_signal_emit (self, signals[TYPING_CHANGED], 0, peer, state);
}

void
mimp_protocol_session_emit_chat_requested (MimpProtocolSession *self, const char *peer)
{
  g_signal_emit (self, signals[CHAT_REQUESTED], 0, peer);
}

void
mimp_protocol_session_emit_verification_asked (MimpProtocolSession *self, const char *peer,
                                               const char *question)
{
  g_signal_emit (self, signals[VERIFICATION_ASKED], 0, peer, question);
}

void
mimp_protocol_session_emit_verification_finished (MimpProtocolSession *self, const char *peer,
                                                  gboolean matched, const GError *error)
{
  g_signal_emit (self, signals[VERIFICATION_FINISHED], 0, peer, matched, error);
}

void
mimp_protocol_session_emit_members_changed (MimpProtocolSession *self, const char *room,
                                            const char *name, gboolean joined)
{
  g_signal_emit (self, signals[MEMBERS_CHANGED], 0, room, name, joined);
}

/* ------------------------------------------------------------------ */
/* Images and avatars                                                 */
/* ------------------------------------------------------------------ */

/* What a session without the capability answers. */
static void
unsupported_async (gpointer self, gpointer tag, GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr (GTask) task = g_task_new (self, NULL, callback, user_data);

  g_task_set_source_tag (task, tag);
  g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                           "This account type cannot do that");
}

void
mimp_protocol_session_upload_attachment_async (MimpProtocolSession *self, GBytes *data,
                                               const char *content_type, GCancellable *cancellable,
                                               GAsyncReadyCallback callback, gpointer user_data)
{
  g_return_if_fail (MIMP_IS_PROTOCOL_SESSION (self));
  g_return_if_fail (data != NULL && content_type != NULL);
  if (IFACE (self)->upload_attachment_async == NULL)
    unsupported_async (self, mimp_protocol_session_upload_attachment_async, callback, user_data);
  else
    IFACE (self)->upload_attachment_async (self, data, content_type, cancellable, callback,
                                           user_data);
}

/**
 * mimp_protocol_session_upload_attachment_finish:
 *
 * Returns: (transfer full): the protocol's reference to the stored image
 */
char *
mimp_protocol_session_upload_attachment_finish (MimpProtocolSession *self, GAsyncResult *result,
                                                GError **error)
{
  g_return_val_if_fail (MIMP_IS_PROTOCOL_SESSION (self), NULL);
  if (g_async_result_is_tagged (result, mimp_protocol_session_upload_attachment_async))
    return g_task_propagate_pointer (G_TASK (result), error);
  return IFACE (self)->upload_attachment_finish (self, result, error);
}

void
mimp_protocol_session_send_attachment (MimpProtocolSession *self, const char *local_id,
                                       const char *peer, const char *attachment)
{
  g_return_if_fail (MIMP_IS_PROTOCOL_SESSION (self));
  g_return_if_fail (local_id != NULL && peer != NULL && attachment != NULL);
  if (IFACE (self)->send_attachment != NULL)
    {
      IFACE (self)->send_attachment (self, local_id, peer, attachment);
      return;
    }
  {
    g_autoptr (GError) error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                                                    "This account type cannot send images");
    mimp_protocol_session_emit_send_finished (self, local_id, NULL, 0, error);
  }
}

void
mimp_protocol_session_load_attachment_async (MimpProtocolSession *self, const char *attachment,
                                             GCancellable *cancellable,
                                             GAsyncReadyCallback callback, gpointer user_data)
{
  g_return_if_fail (MIMP_IS_PROTOCOL_SESSION (self));
  g_return_if_fail (attachment != NULL);
  if (IFACE (self)->load_attachment_async == NULL)
    unsupported_async (self, mimp_protocol_session_load_attachment_async, callback, user_data);
  else
    IFACE (self)->load_attachment_async (self, attachment, cancellable, callback, user_data);
}

/**
 * mimp_protocol_session_load_attachment_finish:
 *
 * Returns: (transfer full): the image's bytes
 */
GBytes *
mimp_protocol_session_load_attachment_finish (MimpProtocolSession *self, GAsyncResult *result,
                                              GError **error)
{
  g_return_val_if_fail (MIMP_IS_PROTOCOL_SESSION (self), NULL);
  if (g_async_result_is_tagged (result, mimp_protocol_session_load_attachment_async))
    return g_task_propagate_pointer (G_TASK (result), error);
  return IFACE (self)->load_attachment_finish (self, result, error);
}

void
mimp_protocol_session_load_avatar_async (MimpProtocolSession *self, const char *user,
                                         GCancellable *cancellable, GAsyncReadyCallback callback,
                                         gpointer user_data)
{
  g_return_if_fail (MIMP_IS_PROTOCOL_SESSION (self));
  g_return_if_fail (user != NULL);
  if (IFACE (self)->load_avatar_async == NULL)
    unsupported_async (self, mimp_protocol_session_load_avatar_async, callback, user_data);
  else
    IFACE (self)->load_avatar_async (self, user, cancellable, callback, user_data);
}

/**
 * mimp_protocol_session_load_avatar_finish:
 *
 * Returns: (transfer full) (nullable): the avatar's image, or %NULL
 *   without an error when the user has none
 */
GBytes *
mimp_protocol_session_load_avatar_finish (MimpProtocolSession *self, GAsyncResult *result,
                                          GError **error)
{
  g_return_val_if_fail (MIMP_IS_PROTOCOL_SESSION (self), NULL);
  if (g_async_result_is_tagged (result, mimp_protocol_session_load_avatar_async))
    return g_task_propagate_pointer (G_TASK (result), error);
  return IFACE (self)->load_avatar_finish (self, result, error);
}

void
mimp_protocol_session_set_own_avatar_async (MimpProtocolSession *self, GBytes *data,
                                            const char *content_type, GCancellable *cancellable,
                                            GAsyncReadyCallback callback, gpointer user_data)
{
  g_return_if_fail (MIMP_IS_PROTOCOL_SESSION (self));
  g_return_if_fail (data != NULL && content_type != NULL);
  if (IFACE (self)->set_own_avatar_async == NULL)
    unsupported_async (self, mimp_protocol_session_set_own_avatar_async, callback, user_data);
  else
    IFACE (self)->set_own_avatar_async (self, data, content_type, cancellable, callback, user_data);
}

gboolean
mimp_protocol_session_set_own_avatar_finish (MimpProtocolSession *self, GAsyncResult *result,
                                             GError **error)
{
  g_return_val_if_fail (MIMP_IS_PROTOCOL_SESSION (self), FALSE);
  if (g_async_result_is_tagged (result, mimp_protocol_session_set_own_avatar_async))
    return g_task_propagate_boolean (G_TASK (result), error);
  return IFACE (self)->set_own_avatar_finish (self, result, error);
}
