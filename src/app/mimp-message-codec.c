/* mimp-message-codec.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "mimp-incoming.h"
#include "mimp-message-codec.h"

/* clang-format would put spaces around the hyphens, and the macro
 * registers the name as written. */
// clang-format off
G_DEFINE_QUARK (mimp-message-codec-error-quark, mimp_message_codec_error)
// clang-format on

G_DEFINE_INTERFACE (MimpMessageCodec, mimp_message_codec, G_TYPE_OBJECT)

enum
{
  READY,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
mimp_message_codec_default_init (MimpMessageCodecInterface *iface)
{
  /**
   * MimpMessageCodec::ready:
   * @peer: whose messages may go now
   *
   * Messages to @peer that waited (%MIMP_MESSAGE_CODEC_ERROR_WAIT) may be
   * encoded again.
   */
  signals[READY] = g_signal_new ("ready", G_TYPE_FROM_INTERFACE (iface), G_SIGNAL_RUN_LAST, 0, NULL,
                                 NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
}

void
mimp_message_codec_decode_async (MimpMessageCodec *self, const char *account_id,
                                 GPtrArray *incoming, GCancellable *cancellable,
                                 GAsyncReadyCallback callback, gpointer user_data)
{
  g_return_if_fail (MIMP_IS_MESSAGE_CODEC (self));
  g_return_if_fail (account_id != NULL && incoming != NULL);
  MIMP_MESSAGE_CODEC_GET_IFACE (self)->decode_async (self, account_id, incoming, cancellable,
                                                     callback, user_data);
}

/**
 * mimp_message_codec_decode_finish:
 *
 * Returns: (transfer container) (element-type MimpIncoming): what to store
 */
GPtrArray *
mimp_message_codec_decode_finish (MimpMessageCodec *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (MIMP_IS_MESSAGE_CODEC (self), NULL);
  return MIMP_MESSAGE_CODEC_GET_IFACE (self)->decode_finish (self, result, error);
}

void
mimp_message_codec_encode_async (MimpMessageCodec *self, const char *account_id, const char *peer,
                                 const char *client_id, const char *text, GCancellable *cancellable,
                                 GAsyncReadyCallback callback, gpointer user_data)
{
  g_return_if_fail (MIMP_IS_MESSAGE_CODEC (self));
  g_return_if_fail (account_id != NULL && peer != NULL && client_id != NULL && text != NULL);
  MIMP_MESSAGE_CODEC_GET_IFACE (self)->encode_async (self, account_id, peer, client_id, text,
                                                     cancellable, callback, user_data);
}

/**
 * mimp_message_codec_encode_finish:
 *
 * Returns: (transfer container) (element-type utf8): the texts to hand to
 *   the session, in order, one message each (at least one)
 */
GPtrArray *
mimp_message_codec_encode_finish (MimpMessageCodec *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (MIMP_IS_MESSAGE_CODEC (self), NULL);
  return MIMP_MESSAGE_CODEC_GET_IFACE (self)->encode_finish (self, result, error);
}

/**
 * mimp_message_codec_stored:
 * @received: (element-type MimpIncoming): a batch as it was received
 *
 * The history stored what the codec made of @received; the account
 * acknowledges it next.
 */
void
mimp_message_codec_stored (MimpMessageCodec *self, const char *account_id, GPtrArray *received)
{
  MimpMessageCodecInterface *iface;

  g_return_if_fail (MIMP_IS_MESSAGE_CODEC (self));
  g_return_if_fail (account_id != NULL && received != NULL);

  iface = MIMP_MESSAGE_CODEC_GET_IFACE (self);
  if (iface->stored != NULL)
    iface->stored (self, account_id, received);
}

/**
 * mimp_message_codec_sent:
 *
 * The server took every text of the outgoing message @client_id.
 */
void
mimp_message_codec_sent (MimpMessageCodec *self, const char *account_id, const char *client_id)
{
  MimpMessageCodecInterface *iface;

  g_return_if_fail (MIMP_IS_MESSAGE_CODEC (self));
  g_return_if_fail (account_id != NULL && client_id != NULL);

  iface = MIMP_MESSAGE_CODEC_GET_IFACE (self);
  if (iface->sent != NULL)
    iface->sent (self, account_id, client_id);
}

/**
 * mimp_message_codec_attach:
 * @session: (nullable): the account's session, or %NULL
 *
 * Gives the codec the session its own messages go through.
 */
void
mimp_message_codec_attach (MimpMessageCodec *self, MimpProtocolSession *session)
{
  MimpMessageCodecInterface *iface;

  g_return_if_fail (MIMP_IS_MESSAGE_CODEC (self));
  g_return_if_fail (session == NULL || MIMP_IS_PROTOCOL_SESSION (session));

  iface = MIMP_MESSAGE_CODEC_GET_IFACE (self);
  if (iface->attach != NULL)
    iface->attach (self, session);
}

/* For implementations. */
void
mimp_message_codec_emit_ready (MimpMessageCodec *self, const char *peer)
{
  g_return_if_fail (MIMP_IS_MESSAGE_CODEC (self));
  g_signal_emit (self, signals[READY], 0, peer);
}

/* ------------------------------------------------------------------ */

struct _MimpPlainCodec
{
  GObject parent_instance;
};

static void mimp_plain_codec_iface_init (MimpMessageCodecInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (MimpPlainCodec, mimp_plain_codec, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (MIMP_TYPE_MESSAGE_CODEC,
                                                      mimp_plain_codec_iface_init))

static void
plain_decode_async (MimpMessageCodec *self, const char *account_id, GPtrArray *incoming,
                    GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr (GTask) task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, plain_decode_async);
  g_task_return_pointer (task, g_ptr_array_ref (incoming), (GDestroyNotify) g_ptr_array_unref);
}

static GPtrArray *
plain_decode_finish (MimpMessageCodec *self, GAsyncResult *result, GError **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
plain_encode_async (MimpMessageCodec *self, const char *account_id, const char *peer,
                    const char *client_id, const char *text, GCancellable *cancellable,
                    GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr (GTask) task = g_task_new (self, cancellable, callback, user_data);
  GPtrArray *texts = g_ptr_array_new_with_free_func (g_free);

  g_task_set_source_tag (task, plain_encode_async);
  g_ptr_array_add (texts, g_strdup (text));
  g_task_return_pointer (task, texts, (GDestroyNotify) g_ptr_array_unref);
}

static GPtrArray *
plain_encode_finish (MimpMessageCodec *self, GAsyncResult *result, GError **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
mimp_plain_codec_iface_init (MimpMessageCodecInterface *iface)
{
  iface->decode_async = plain_decode_async;
  iface->decode_finish = plain_decode_finish;
  iface->encode_async = plain_encode_async;
  iface->encode_finish = plain_encode_finish;
}

static void
mimp_plain_codec_class_init (MimpPlainCodecClass *klass)
{
}

static void
mimp_plain_codec_init (MimpPlainCodec *self)
{
}

MimpMessageCodec *
mimp_plain_codec_new (void)
{
  return g_object_new (MIMP_TYPE_PLAIN_CODEC, NULL);
}
