/* mimp-client-session.h - one account's lasting session: reconnects,
 * receive loop, acknowledged delivery and an outbox
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "mimp-body.h"

G_BEGIN_DECLS

typedef enum
{
  MIMP_SESSION_STATE_OFFLINE,           /* not started, or stopped */
  MIMP_SESSION_STATE_CONNECTING,        /* connecting, handshaking or logging in */
  MIMP_SESSION_STATE_ONLINE,            /* logged in, receiving */
  MIMP_SESSION_STATE_WAITING,           /* lost or failed; retrying at retry-time */
  MIMP_SESSION_STATE_NEEDS_PASSWORD,    /* the server refused the password */
  MIMP_SESSION_STATE_NEEDS_CERTIFICATE, /* TLS certificate not trusted */
} MimpSessionState;

GType mimp_session_state_get_type (void) G_GNUC_CONST;
#define MIMP_TYPE_SESSION_STATE (mimp_session_state_get_type ())

/**
 * MimpFeatures:
 * @MIMP_FEATURE_KEYS: the key directory of private chats (KEYS packet)
 * @MIMP_FEATURE_EPHEMERAL: ephemeral messages (typing notices)
 * @MIMP_FEATURE_PUSH: messages pushed as they arrive (PUSH packet), used
 *   instead of long polls
 *
 * The extensions a server offers (its FEATURES reply; none from a plain
 * MIMP 1.0 server, which answers 501). docs/protocols/mimp.md.
 */
typedef enum /*< flags >*/
{
  MIMP_FEATURE_NONE = 0,
  MIMP_FEATURE_KEYS = 1 << 0,
  MIMP_FEATURE_EPHEMERAL = 1 << 1,
  MIMP_FEATURE_PUSH = 1 << 2,
} MimpFeatures;

GType mimp_features_get_type (void) G_GNUC_CONST;
#define MIMP_TYPE_FEATURES (mimp_features_get_type ())

/**
 * MimpClientSession:
 *
 * Owns a #MimpConnection for one account and keeps it alive: reconnects with
 * backoff and jitter (and at once when the network comes back), runs the
 * receive loop (long poll with `wait` 25 when the server holds GU, a timer of
 * poll-interval seconds when it answers at once), acknowledged delivery, and
 * an outbox whose messages keep their client id and are retried after every
 * reconnect until the server answers.
 *
 * Properties: `state` (#MimpSessionState, notify::state), `retry-time`
 * (monotonic µs of the next attempt while WAITING), `outbox-length`,
 * `features` (#MimpFeatures: asked with FEATURES right after each login,
 * known once ONLINE; 0 from a plain server).
 *
 * Signals:
 * - `messages-received` (GPtrArray *messages): #MimpMessage items, oldest
 *   first. With manual-ack the consumer stores them durably, then calls
 *   mimp_client_session_acknowledge() with the highest `seq` it stored; the
 *   session asks for more only after that. Without manual-ack the session
 *   acknowledges as soon as the signal returns. Redelivered messages (same
 *   id) may come again after a crash or lost reply: consumers drop
 *   duplicates by id.
 * - `send-finished` (const char *client_id, const char *server_id,
 *   gint64 timestamp, const GError *error): error is %NULL on success; a
 *   non-%NULL error is final (no such user, too large, ...). Transient
 *   failures are retried and not signalled. server_id may be %NULL from a
 *   plain 1.0 server.
 * - `ephemeral-received` (const char *from, const char *text): an ephemeral
 *   message (a typing notice) that arrived in a long poll. Never in
 *   `messages-received`, never acknowledged, never stored by the server.
 */
#define MIMP_TYPE_CLIENT_SESSION (mimp_client_session_get_type ())
G_DECLARE_FINAL_TYPE (MimpClientSession, mimp_client_session, MIMP, CLIENT_SESSION, GObject)

MimpClientSession *mimp_client_session_new (const char *host, guint16 port, gboolean use_tls,
                                            const char *user);
const char *mimp_client_session_get_host (MimpClientSession *self);
guint16 mimp_client_session_get_port (MimpClientSession *self);
gboolean mimp_client_session_get_use_tls (MimpClientSession *self);
const char *mimp_client_session_get_user (MimpClientSession *self);
MimpSessionState mimp_client_session_get_state (MimpClientSession *self);
const GError *mimp_client_session_get_error (MimpClientSession *self);
gint64 mimp_client_session_get_retry_time (MimpClientSession *self);
GTlsCertificate *mimp_client_session_get_peer_certificate (MimpClientSession *self);

void mimp_client_session_set_password (MimpClientSession *self, const char *password);
void mimp_client_session_set_accepted_certificate (MimpClientSession *self,
                                                   const char *fingerprint);
void mimp_client_session_set_manual_ack (MimpClientSession *self, gboolean manual_ack);
void mimp_client_session_set_poll_interval (MimpClientSession *self, guint seconds);
void mimp_client_session_set_receive (MimpClientSession *self, gboolean receive);

void mimp_client_session_start (MimpClientSession *self);
void mimp_client_session_stop (MimpClientSession *self);
void mimp_client_session_reconnect_now (MimpClientSession *self);

void mimp_client_session_send (MimpClientSession *self, const char *client_id, const char *to,
                               const char *text);
guint mimp_client_session_get_outbox_length (MimpClientSession *self);
void mimp_client_session_flush_ack_async (MimpClientSession *self, GCancellable *cancellable,
                                          GAsyncReadyCallback callback, gpointer user_data);
gboolean mimp_client_session_flush_ack_finish (MimpClientSession *self, GAsyncResult *result,
                                               GError **error);
void mimp_client_session_acknowledge (MimpClientSession *self, gint64 seq);

/* Extensions (docs/protocols/mimp.md). */
MimpFeatures mimp_client_session_get_features (MimpClientSession *self);

void mimp_client_session_publish_keys_async (MimpClientSession *self, const char *bundle_json,
                                             GCancellable *cancellable,
                                             GAsyncReadyCallback callback, gpointer user_data);
gint64 mimp_client_session_publish_keys_finish (MimpClientSession *self, GAsyncResult *result,
                                                GError **error);
void mimp_client_session_fetch_keys_async (MimpClientSession *self, const char *user,
                                           GCancellable *cancellable, GAsyncReadyCallback callback,
                                           gpointer user_data);
GPtrArray *mimp_client_session_fetch_keys_finish (MimpClientSession *self, GAsyncResult *result,
                                                  GError **error);
void mimp_client_session_count_keys_async (MimpClientSession *self, guint32 device,
                                           GCancellable *cancellable, GAsyncReadyCallback callback,
                                           gpointer user_data);
gint64 mimp_client_session_count_keys_finish (MimpClientSession *self, GAsyncResult *result,
                                              GError **error);

void mimp_client_session_send_ephemeral (MimpClientSession *self, const char *to, const char *text);

G_END_DECLS
