/* mimp-message-codec.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "mimp-incoming.h"
#include "mimp-message-codec.h"

G_DEFINE_INTERFACE (MimpMessageCodec, mimp_message_codec, G_TYPE_OBJECT)

static void
mimp_message_codec_default_init (MimpMessageCodecInterface *iface)
{
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
                                 const char *text, GCancellable *cancellable,
                                 GAsyncReadyCallback callback, gpointer user_data)
{
  g_return_if_fail (MIMP_IS_MESSAGE_CODEC (self));
  g_return_if_fail (account_id != NULL && peer != NULL && text != NULL);
  MIMP_MESSAGE_CODEC_GET_IFACE (self)->encode_async (self, account_id, peer, text, cancellable,
                                                     callback, user_data);
}

/**
 * mimp_message_codec_encode_finish:
 *
 * Returns: (transfer full): the text to hand to the session
 */
char *
mimp_message_codec_encode_finish (MimpMessageCodec *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (MIMP_IS_MESSAGE_CODEC (self), NULL);
  return MIMP_MESSAGE_CODEC_GET_IFACE (self)->encode_finish (self, result, error);
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
                    const char *text, GCancellable *cancellable, GAsyncReadyCallback callback,
                    gpointer user_data)
{
  g_autoptr (GTask) task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, plain_encode_async);
  g_task_return_pointer (task, g_strdup (text), g_free);
}

static char *
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
