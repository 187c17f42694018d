/* mimp-message-codec.h - the step between a chat and the wire where
 * end-to-end encryption sits
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "mimp-protocol-session.h"

G_BEGIN_DECLS

#define MIMP_MESSAGE_CODEC_ERROR (mimp_message_codec_error_quark ())
GQuark mimp_message_codec_error_quark (void);

typedef enum
{
  /* Not an error: the message cannot leave yet (no keys of the peer yet,
   * or the peer's key changed and the user has not accepted it). It stays
   * pending; the codec emits `ready` for the peer when it can go. */
  MIMP_MESSAGE_CODEC_ERROR_WAIT,
  MIMP_MESSAGE_CODEC_ERROR_FAILED,
} MimpMessageCodecError;

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
 * @encode_async: turns the text of one stored outgoing message (@client_id,
 *   kept across retries: a codec with a ratchet returns the same bytes
 *   again for it) into the texts to send, in order, each as a message of
 *   its own (a long private message goes in fragments); fails with
 *   %MIMP_MESSAGE_CODEC_ERROR_WAIT when the message must wait
 * @stored: optional; the history stored what decode_async() made of
 *   @received (the batch as it came), which is about to be acknowledged
 * @sent: optional; the server took every text of @client_id
 * @attach: optional; the session the codec's own messages go through (key
 *   exchange, verification, typing), or %NULL when the account drops it
 *
 * Calls on one account finish in the order they were made. The signal
 * `ready` (peer) says that messages to @peer that waited may go now.
 */
struct _MimpMessageCodecInterface
{
  GTypeInterface g_iface;

  void (*decode_async) (MimpMessageCodec *self, const char *account_id, GPtrArray *incoming,
                        GCancellable *cancellable, GAsyncReadyCallback callback,
                        gpointer user_data);
  GPtrArray *(*decode_finish) (MimpMessageCodec *self, GAsyncResult *result, GError **error);
  void (*encode_async) (MimpMessageCodec *self, const char *account_id, const char *peer,
                        const char *client_id, const char *text, GCancellable *cancellable,
                        GAsyncReadyCallback callback, gpointer user_data);
  GPtrArray *(*encode_finish) (MimpMessageCodec *self, GAsyncResult *result, GError **error);
  void (*stored) (MimpMessageCodec *self, const char *account_id, GPtrArray *received);
  void (*sent) (MimpMessageCodec *self, const char *account_id, const char *client_id);
  void (*attach) (MimpMessageCodec *self, MimpProtocolSession *session);
};

void mimp_message_codec_decode_async (MimpMessageCodec *self, const char *account_id,
                                      GPtrArray *incoming, GCancellable *cancellable,
                                      GAsyncReadyCallback callback, gpointer user_data);
GPtrArray *mimp_message_codec_decode_finish (MimpMessageCodec *self, GAsyncResult *result,
                                             GError **error);
void mimp_message_codec_encode_async (MimpMessageCodec *self, const char *account_id,
                                      const char *peer, const char *client_id, const char *text,
                                      GCancellable *cancellable, GAsyncReadyCallback callback,
                                      gpointer user_data);
GPtrArray *mimp_message_codec_encode_finish (MimpMessageCodec *self, GAsyncResult *result,
                                             GError **error);
void mimp_message_codec_stored (MimpMessageCodec *self, const char *account_id,
                                GPtrArray *received);
void mimp_message_codec_sent (MimpMessageCodec *self, const char *account_id,
                              const char *client_id);
void mimp_message_codec_attach (MimpMessageCodec *self, MimpProtocolSession *session);
void mimp_message_codec_emit_ready (MimpMessageCodec *self, const char *peer);

/* The codec of chats without end-to-end encryption: hands everything on
 * unchanged. */
#define MIMP_TYPE_PLAIN_CODEC (mimp_plain_codec_get_type ())
G_DECLARE_FINAL_TYPE (MimpPlainCodec, mimp_plain_codec, MIMP, PLAIN_CODEC, GObject)

MimpMessageCodec *mimp_plain_codec_new (void);

G_END_DECLS
