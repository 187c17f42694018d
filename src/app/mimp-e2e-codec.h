/* mimp-e2e-codec.h - private chats of a MIMP account: the codec that
 * encrypts and decrypts them (libmimpe2e), its key exchange, typing and
 * verification
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "mimp-chat.h"
#include "mimp-message-codec.h"

G_BEGIN_DECLS

#define MIMP_TYPE_E2E_CODEC (mimp_e2e_codec_get_type ())
G_DECLARE_FINAL_TYPE (MimpE2eCodec, mimp_e2e_codec, MIMP, E2E_CODEC, GObject)

MimpMessageCodec *mimp_e2e_codec_new (MimpAccount *account);
char *mimp_e2e_codec_get_path (MimpE2eCodec *self);
gboolean mimp_e2e_codec_get_locked (MimpE2eCodec *self);
gboolean mimp_e2e_codec_get_privacy (MimpE2eCodec *self, const char *peer,
                                     MimpChatPrivacy *privacy);
void mimp_e2e_codec_set_unencrypted (MimpE2eCodec *self, const char *peer);
gboolean mimp_e2e_codec_get_unencrypted (MimpE2eCodec *self, const char *peer);

void mimp_e2e_codec_send_typing (MimpE2eCodec *self, const char *peer, MimpTypingState state);
void mimp_e2e_codec_start_verification (MimpE2eCodec *self, const char *peer, const char *question,
                                        const char *secret);
void mimp_e2e_codec_answer_verification (MimpE2eCodec *self, const char *peer, const char *secret);
void mimp_e2e_codec_safety_number_async (MimpE2eCodec *self, const char *peer,
                                         GCancellable *cancellable, GAsyncReadyCallback callback,
                                         gpointer user_data);
char *mimp_e2e_codec_safety_number_finish (MimpE2eCodec *self, GAsyncResult *result,
                                           GError **error);
void mimp_e2e_codec_accept_key_change (MimpE2eCodec *self, const char *peer);
void mimp_e2e_codec_set_verified (MimpE2eCodec *self, const char *peer, gboolean verified);
void mimp_e2e_codec_request_resend (MimpE2eCodec *self, const char *peer);
void mimp_e2e_codec_forget (MimpE2eCodec *self);

G_END_DECLS
