/* mimp-account.h - one configured account and its client session
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "mimp-chat-message.h"
#include "mimp-history.h"
#include "mimp-protocol.h"
#include "mimp-secret-store.h"

G_BEGIN_DECLS

typedef enum
{
  MIMP_ACCOUNT_STATUS_DISABLED,
  MIMP_ACCOUNT_STATUS_OFFLINE,
  MIMP_ACCOUNT_STATUS_CONNECTING,
  MIMP_ACCOUNT_STATUS_ONLINE,
  MIMP_ACCOUNT_STATUS_WAITING,           /* offline, retrying at retry-time */
  MIMP_ACCOUNT_STATUS_NEEDS_PASSWORD,    /* refused, or none stored, or keyring locked */
  MIMP_ACCOUNT_STATUS_NEEDS_CERTIFICATE, /* the TLS certificate is not trusted yet */
} MimpAccountStatus;

#define MIMP_TYPE_ACCOUNT (mimp_account_get_type ())
G_DECLARE_FINAL_TYPE (MimpAccount, mimp_account, MIMP, ACCOUNT, GObject)

MimpAccount *mimp_account_new (MimpProtocol *protocol, const char *id, const char *host,
                               guint16 port, const char *user, gboolean use_tls);
const char *mimp_account_get_id (MimpAccount *self);
MimpProtocol *mimp_account_get_protocol (MimpAccount *self);
const char *mimp_account_get_option (MimpAccount *self, const char *key);
gboolean mimp_account_set_option (MimpAccount *self, const char *key, const char *value);
const char *mimp_account_get_host (MimpAccount *self);
guint16 mimp_account_get_port (MimpAccount *self);
const char *mimp_account_get_user (MimpAccount *self);
gboolean mimp_account_get_use_tls (MimpAccount *self);
char *mimp_account_dup_display_name (MimpAccount *self);
gboolean mimp_account_get_enabled (MimpAccount *self);
void mimp_account_set_enabled (MimpAccount *self, gboolean enabled);
const char *mimp_account_get_fingerprint (MimpAccount *self);
void mimp_account_set_fingerprint (MimpAccount *self, const char *fingerprint);
MimpAccountStatus mimp_account_get_status (MimpAccount *self);
const char *mimp_account_get_status_message (MimpAccount *self);
gint64 mimp_account_get_retry_time (MimpAccount *self);
char *mimp_account_dup_peer_fingerprint (MimpAccount *self);
gboolean mimp_account_get_password_is_session_only (MimpAccount *self);
void mimp_account_set_password_is_session_only (MimpAccount *self, gboolean session_only);

void mimp_account_set_services (MimpAccount *self, MimpHistory *history, MimpSecretStore *secrets);
MimpHistory *mimp_account_get_history (MimpAccount *self);
MimpSecretStore *mimp_account_get_secrets (MimpAccount *self);
void mimp_account_start (MimpAccount *self);
void mimp_account_stop (MimpAccount *self);
void mimp_account_reconnect (MimpAccount *self);
void mimp_account_use_password (MimpAccount *self, const char *password, gboolean session_only);
void mimp_account_trust_certificate (MimpAccount *self);

void mimp_account_send (MimpAccount *self, const char *peer, const char *text);
void mimp_account_send_typing (MimpAccount *self, const char *peer, MimpTypingState state);
void mimp_account_answer_chat_request (MimpAccount *self, const char *peer, gboolean accept);
void mimp_account_start_verification (MimpAccount *self, const char *peer, const char *question,
                                      const char *answer);
void mimp_account_answer_verification (MimpAccount *self, const char *peer, const char *answer);

/* Private chats (end-to-end encryption), for account types with
 * MIMP_PROTOCOL_END_TO_END. Verification runs through
 * mimp_account_start_verification() (question, or %NULL for a shared
 * secret) and mimp_account_answer_verification(). */
gboolean mimp_account_get_e2e_locked (MimpAccount *self);
void mimp_account_e2e_safety_number_async (MimpAccount *self, const char *peer,
                                           GCancellable *cancellable, GAsyncReadyCallback callback,
                                           gpointer user_data);
char *mimp_account_e2e_safety_number_finish (MimpAccount *self, GAsyncResult *result,
                                             GError **error);
void mimp_account_e2e_accept_key_change (MimpAccount *self, const char *peer);
void mimp_account_e2e_set_verified (MimpAccount *self, const char *peer, gboolean verified);
void mimp_account_e2e_request_resend (MimpAccount *self, const char *peer);
void mimp_account_e2e_send_unencrypted (MimpAccount *self, const char *peer);
void mimp_account_e2e_forget (MimpAccount *self);
GStrv mimp_account_dup_members (MimpAccount *self, const char *room);
void mimp_account_send_image_async (MimpAccount *self, const char *peer, GBytes *data,
                                    const char *content_type, GCancellable *cancellable,
                                    GAsyncReadyCallback callback, gpointer user_data);
gboolean mimp_account_send_image_finish (MimpAccount *self, GAsyncResult *result, GError **error);
void mimp_account_load_attachment_async (MimpAccount *self, const char *attachment,
                                         GCancellable *cancellable, GAsyncReadyCallback callback,
                                         gpointer user_data);
void mimp_account_load_avatar_async (MimpAccount *self, const char *user, GCancellable *cancellable,
                                     GAsyncReadyCallback callback, gpointer user_data);
GBytes *mimp_account_load_bytes_finish (MimpAccount *self, GAsyncResult *result, GError **error);
void mimp_account_set_own_avatar_async (MimpAccount *self, GBytes *data, const char *content_type,
                                        GCancellable *cancellable, GAsyncReadyCallback callback,
                                        gpointer user_data);
gboolean mimp_account_set_own_avatar_finish (MimpAccount *self, GAsyncResult *result,
                                             GError **error);
void mimp_account_retry (MimpAccount *self, MimpChatMessage *message);
void mimp_account_change_server (MimpAccount *self, const char *host, guint16 port,
                                 const char *user, gboolean use_tls, GHashTable *options);
void mimp_account_flush_ack_async (MimpAccount *self, GCancellable *cancellable,
                                   GAsyncReadyCallback callback, gpointer user_data);
gboolean mimp_account_flush_ack_finish (MimpAccount *self, GAsyncResult *result, GError **error);

G_END_DECLS
