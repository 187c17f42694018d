/* mimp-protocol-session.h - what an account asks of its protocol's session
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "mimp-incoming.h"

G_BEGIN_DECLS

typedef enum
{
  MIMP_PROTOCOL_SESSION_STATE_OFFLINE,           /* not started, or stopped */
  MIMP_PROTOCOL_SESSION_STATE_CONNECTING,        /* connecting, handshaking or logging in */
  MIMP_PROTOCOL_SESSION_STATE_ONLINE,            /* signed in, receiving */
  MIMP_PROTOCOL_SESSION_STATE_WAITING,           /* lost or failed; retrying at retry-time */
  MIMP_PROTOCOL_SESSION_STATE_NEEDS_PASSWORD,    /* the server refused the password */
  MIMP_PROTOCOL_SESSION_STATE_NEEDS_CERTIFICATE, /* the TLS certificate is not trusted */
} MimpProtocolSessionState;

/* Cryptully's three typing states, which Mimp uses for every protocol that
 * has typing notifications. */
typedef enum
{
  MIMP_TYPING_STOPPED, /* not typing, the composer is empty */
  MIMP_TYPING_ACTIVE,  /* typing now */
  MIMP_TYPING_PAUSED,  /* stopped typing, with text left in the composer */
} MimpTypingState;

#define MIMP_TYPE_PROTOCOL_SESSION (mimp_protocol_session_get_type ())
G_DECLARE_INTERFACE (MimpProtocolSession, mimp_protocol_session, MIMP, PROTOCOL_SESSION, GObject)

/**
 * MimpProtocolSessionInterface:
 *
 * One account's connection through one protocol, kept alive by the
 * protocol (reconnects, keep-alives). Implementations notify `state` and
 * `retry-time` (both installed here; the retry time is on the monotonic
 * clock, in microseconds, as g_get_monotonic_time() gives it, and 0 when no
 * attempt is due) and emit:
 * - `messages-received` (GPtrArray of #MimpIncoming, oldest first): the
 *   account decodes and stores them, then calls acknowledge() with the same
 *   array; nothing more may be asked of the server before that.
 * - `send-finished` (local id, remote id or %NULL, timestamp ms or 0,
 *   GError or %NULL): the end of one send(); an error is final for that
 *   message (the account marks it failed and offers Retry).
 *
 * dup_peer_fingerprint (the SHA-256 fingerprint of the certificate the
 * server showed) and set_accepted_certificate (the one to trust) are for
 * protocols with TLS; the others leave them %NULL.
 *
 * The rest is for protocols with the matching capability
 * (mimp-protocol.h); the others leave them %NULL:
 * - typing (MIMP_PROTOCOL_TYPING): send_typing(), and the signal
 *   `typing-changed` (peer, #MimpTypingState);
 * - chats that need the user's consent before they start (Cryptully):
 *   the signal `chat-requested` (peer), answered with answer_chat_request();
 * - verification (MIMP_PROTOCOL_VERIFICATION): start_verification()
 *   (question or %NULL, answer), the signal `verification-asked` (peer,
 *   question) answered with answer_verification(), and the signal
 *   `verification-finished` (peer, matched, GError or %NULL);
 * - rooms (MIMP_PROTOCOL_ROOMS): messages in a room come with the room as
 *   their peer and the author as their sender; list_members() and the
 *   signal `members-changed` (room, name, joined) tell who is in it;
 * - images (MIMP_PROTOCOL_IMAGES): upload_attachment() stores an image
 *   where the peer can fetch it and returns the protocol's reference to it,
 *   send_attachment() sends that reference (ending in `send-finished` like
 *   send()), a received one comes as #MimpIncoming.attachment, and
 *   load_attachment() fetches it;
 * - avatars (MIMP_PROTOCOL_AVATARS): load_avatar() (%NULL without an error
 *   when the user has none) and set_own_avatar().
 */
struct _MimpProtocolSessionInterface
{
  GTypeInterface g_iface;

  MimpProtocolSessionState (*get_state) (MimpProtocolSession *self);
  const GError *(*get_error) (MimpProtocolSession *self);
  gint64 (*get_retry_time) (MimpProtocolSession *self);
  void (*set_password) (MimpProtocolSession *self, const char *password);
  void (*reconnect_now) (MimpProtocolSession *self);
  void (*stop) (MimpProtocolSession *self);
  void (*send) (MimpProtocolSession *self, const char *local_id, const char *peer,
                const char *text);
  void (*acknowledge) (MimpProtocolSession *self, GPtrArray *stored);
  void (*flush_ack_async) (MimpProtocolSession *self, GCancellable *cancellable,
                           GAsyncReadyCallback callback, gpointer user_data);
  gboolean (*flush_ack_finish) (MimpProtocolSession *self, GAsyncResult *result, GError **error);
  char *(*dup_peer_fingerprint) (MimpProtocolSession *self);
  void (*set_accepted_certificate) (MimpProtocolSession *self, const char *fingerprint);

  void (*send_typing) (MimpProtocolSession *self, const char *peer, MimpTypingState state);
  void (*answer_chat_request) (MimpProtocolSession *self, const char *peer, gboolean accept);
  void (*start_verification) (MimpProtocolSession *self, const char *peer, const char *question,
                              const char *answer);
  void (*answer_verification) (MimpProtocolSession *self, const char *peer, const char *answer);
  GStrv (*list_members) (MimpProtocolSession *self, const char *room);

  void (*upload_attachment_async) (MimpProtocolSession *self, GBytes *data,
                                   const char *content_type, GCancellable *cancellable,
                                   GAsyncReadyCallback callback, gpointer user_data);
  char *(*upload_attachment_finish) (MimpProtocolSession *self, GAsyncResult *result,
                                     GError **error);
  void (*send_attachment) (MimpProtocolSession *self, const char *local_id, const char *peer,
                           const char *attachment);
  void (*load_attachment_async) (MimpProtocolSession *self, const char *attachment,
                                 GCancellable *cancellable, GAsyncReadyCallback callback,
                                 gpointer user_data);
  GBytes *(*load_attachment_finish) (MimpProtocolSession *self, GAsyncResult *result,
                                     GError **error);
  void (*load_avatar_async) (MimpProtocolSession *self, const char *user, GCancellable *cancellable,
                             GAsyncReadyCallback callback, gpointer user_data);
  GBytes *(*load_avatar_finish) (MimpProtocolSession *self, GAsyncResult *result, GError **error);
  void (*set_own_avatar_async) (MimpProtocolSession *self, GBytes *data, const char *content_type,
                                GCancellable *cancellable, GAsyncReadyCallback callback,
                                gpointer user_data);
  gboolean (*set_own_avatar_finish) (MimpProtocolSession *self, GAsyncResult *result,
                                     GError **error);
};

MimpProtocolSessionState mimp_protocol_session_get_state (MimpProtocolSession *self);
const GError *mimp_protocol_session_get_error (MimpProtocolSession *self);
gint64 mimp_protocol_session_get_retry_time (MimpProtocolSession *self);
void mimp_protocol_session_set_password (MimpProtocolSession *self, const char *password);
void mimp_protocol_session_reconnect_now (MimpProtocolSession *self);
void mimp_protocol_session_stop (MimpProtocolSession *self);
void mimp_protocol_session_send (MimpProtocolSession *self, const char *local_id, const char *peer,
                                 const char *text);
void mimp_protocol_session_acknowledge (MimpProtocolSession *self, GPtrArray *stored);
void mimp_protocol_session_flush_ack_async (MimpProtocolSession *self, GCancellable *cancellable,
                                            GAsyncReadyCallback callback, gpointer user_data);
gboolean mimp_protocol_session_flush_ack_finish (MimpProtocolSession *self, GAsyncResult *result,
                                                 GError **error);
char *mimp_protocol_session_dup_peer_fingerprint (MimpProtocolSession *self);
void mimp_protocol_session_set_accepted_certificate (MimpProtocolSession *self,
                                                     const char *fingerprint);

void mimp_protocol_session_send_typing (MimpProtocolSession *self, const char *peer,
                                        MimpTypingState state);
void mimp_protocol_session_answer_chat_request (MimpProtocolSession *self, const char *peer,
                                                gboolean accept);
void mimp_protocol_session_start_verification (MimpProtocolSession *self, const char *peer,
                                               const char *question, const char *answer);
void mimp_protocol_session_answer_verification (MimpProtocolSession *self, const char *peer,
                                                const char *answer);
GStrv mimp_protocol_session_list_members (MimpProtocolSession *self, const char *room);
void mimp_protocol_session_upload_attachment_async (MimpProtocolSession *self, GBytes *data,
                                                    const char *content_type,
                                                    GCancellable *cancellable,
                                                    GAsyncReadyCallback callback,
                                                    gpointer user_data);
char *mimp_protocol_session_upload_attachment_finish (MimpProtocolSession *self,
                                                      GAsyncResult *result, GError **error);
void mimp_protocol_session_send_attachment (MimpProtocolSession *self, const char *local_id,
                                            const char *peer, const char *attachment);
void mimp_protocol_session_load_attachment_async (MimpProtocolSession *self, const char *attachment,
                                                  GCancellable *cancellable,
                                                  GAsyncReadyCallback callback, gpointer user_data);
GBytes *mimp_protocol_session_load_attachment_finish (MimpProtocolSession *self,
                                                      GAsyncResult *result, GError **error);
void mimp_protocol_session_load_avatar_async (MimpProtocolSession *self, const char *user,
                                              GCancellable *cancellable,
                                              GAsyncReadyCallback callback, gpointer user_data);
GBytes *mimp_protocol_session_load_avatar_finish (MimpProtocolSession *self, GAsyncResult *result,
                                                  GError **error);
void mimp_protocol_session_set_own_avatar_async (MimpProtocolSession *self, GBytes *data,
                                                 const char *content_type,
                                                 GCancellable *cancellable,
                                                 GAsyncReadyCallback callback, gpointer user_data);
gboolean mimp_protocol_session_set_own_avatar_finish (MimpProtocolSession *self,
                                                      GAsyncResult *result, GError **error);

/* For implementations. */
void mimp_protocol_session_implement_properties (GObjectClass *object_class);
guint mimp_protocol_session_backoff_ms (guint failed_attempts);
void mimp_protocol_session_emit_messages_received (MimpProtocolSession *self, GPtrArray *messages);
void mimp_protocol_session_emit_send_finished (MimpProtocolSession *self, const char *local_id,
                                               const char *remote_id, gint64 timestamp,
                                               const GError *error);
void mimp_protocol_session_emit_typing_changed (MimpProtocolSession *self, const char *peer,
                                                MimpTypingState state);
void mimp_protocol_session_emit_chat_requested (MimpProtocolSession *self, const char *peer);
void mimp_protocol_session_emit_verification_asked (MimpProtocolSession *self, const char *peer,
                                                    const char *question);
void mimp_protocol_session_emit_verification_finished (MimpProtocolSession *self, const char *peer,
                                                       gboolean matched, const GError *error);
void mimp_protocol_session_emit_members_changed (MimpProtocolSession *self, const char *room,
                                                 const char *name, gboolean joined);

G_END_DECLS
