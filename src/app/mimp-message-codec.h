/* mimp-message-codec.h - the step between a chat and the wire where
 * end-to-end encryption sits
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define MIMP_TYPE_MESSAGE_CODEC (mimp_message_codec_get_type ())
G_DECLARE_INTERFACE (MimpMessageCodec, mimp_message_codec, MIMP, MESSAGE_CODEC, GObject)

/**
 * MimpMessageCodecInterface:
 * @decode_async: turns received #MimpIncoming records into what is stored
 *   and shown (a record may be dropped, e.g. a key exchange, or its text
 *   replaced); runs before the history stores them, so that nothing is
 *   acknowledged to the server before it is decoded and on disk. A message
 *   it cannot read becomes a record that says so; an error means the whole
 *   batch cannot be handled now, and the account tries it again later
 * @encode_async: turns the text of one stored outgoing message into what is
 *   sent, just before it is handed to the session (a retry encodes again)
 *
 * Calls on one account finish in the order they were made.
 */
struct _MimpMessageCodecInterface
{
  GTypeInterface g_iface;

  void (*decode_async) (MimpMessageCodec *self, const char *account_id, GPtrArray *incoming,
                        GCancellable *cancellable, GAsyncReadyCallback callback,
                        gpointer user_data);
  GPtrArray *(*decode_finish) (MimpMessageCodec *self, GAsyncResult *result, GError **error);
  void (*encode_async) (MimpMessageCodec *self, const char *account_id, const char *peer,
                        const char *text, GCancellable *cancellable, GAsyncReadyCallback callback,
                        gpointer user_data);
  char *(*encode_finish) (MimpMessageCodec *self, GAsyncResult *result, GError **error);
};

void mimp_message_codec_decode_async (MimpMessageCodec *self, const char *account_id,
                                      GPtrArray *incoming, GCancellable *cancellable,
                                      GAsyncReadyCallback callback, gpointer user_data);
GPtrArray *mimp_message_codec_decode_finish (MimpMessageCodec *self, GAsyncResult *result,
                                             GError **error);
void mimp_message_codec_encode_async (MimpMessageCodec *self, const char *account_id,
                                      const char *peer, const char *text, GCancellable *cancellable,
                                      GAsyncReadyCallback callback, gpointer user_data);
char *mimp_message_codec_encode_finish (MimpMessageCodec *self, GAsyncResult *result,
                                        GError **error);

/* The codec of chats without end-to-end encryption: hands everything on
 * unchanged. */
#define MIMP_TYPE_PLAIN_CODEC (mimp_plain_codec_get_type ())
G_DECLARE_FINAL_TYPE (MimpPlainCodec, mimp_plain_codec, MIMP, PLAIN_CODEC, GObject)

MimpMessageCodec *mimp_plain_codec_new (void);

G_END_DECLS
