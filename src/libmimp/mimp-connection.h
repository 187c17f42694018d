/* mimp-connection.h - one MIMP session over TCP or TLS
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "mimp-body.h"

G_BEGIN_DECLS

typedef enum
{
  MIMP_CONNECTION_STATE_DISCONNECTED,
  MIMP_CONNECTION_STATE_CONNECTING,
  MIMP_CONNECTION_STATE_HANDSHAKING,
  MIMP_CONNECTION_STATE_AUTHENTICATING,
  MIMP_CONNECTION_STATE_READY,
  MIMP_CONNECTION_STATE_FAILED,
} MimpConnectionState;

GType mimp_connection_state_get_type (void) G_GNUC_CONST;
#define MIMP_TYPE_CONNECTION_STATE (mimp_connection_state_get_type ())

#define MIMP_TYPE_CONNECTION (mimp_connection_get_type ())
G_DECLARE_FINAL_TYPE (MimpConnection, mimp_connection, MIMP, CONNECTION, GObject)

MimpConnection *mimp_connection_new (const char *host, guint16 port, gboolean use_tls);
const char *mimp_connection_get_host (MimpConnection *self);
guint16 mimp_connection_get_port (MimpConnection *self);
gboolean mimp_connection_get_use_tls (MimpConnection *self);
const char *mimp_connection_get_user (MimpConnection *self);
MimpConnectionState mimp_connection_get_state (MimpConnection *self);
void mimp_connection_set_timeout (MimpConnection *self, guint seconds);
void mimp_connection_set_accepted_certificate (MimpConnection *self, const char *fingerprint);
GTlsCertificate *mimp_connection_get_peer_certificate (MimpConnection *self);

void mimp_connection_login_async (MimpConnection *self, const char *user, const char *password,
                                  GCancellable *cancellable, GAsyncReadyCallback callback,
                                  gpointer user_data);
gboolean mimp_connection_login_finish (MimpConnection *self, GAsyncResult *result, GError **error);

void mimp_connection_send_message_async (MimpConnection *self, const char *to, const char *text,
                                         const char *client_id, GCancellable *cancellable,
                                         GAsyncReadyCallback callback, gpointer user_data);
gboolean mimp_connection_send_message_finish (MimpConnection *self, GAsyncResult *result,
                                              char **server_id, gint64 *timestamp, GError **error);

void mimp_connection_get_unread_async (MimpConnection *self, gint64 ack, guint wait,
                                       GCancellable *cancellable, GAsyncReadyCallback callback,
                                       gpointer user_data);
GPtrArray *mimp_connection_get_unread_finish (MimpConnection *self, GAsyncResult *result,
                                              gboolean *more, GError **error);

void mimp_connection_request_async (MimpConnection *self, guint16 packet_id, const char *members,
                                    GCancellable *cancellable, GAsyncReadyCallback callback,
                                    gpointer user_data);
GBytes *mimp_connection_request_finish (MimpConnection *self, GAsyncResult *result, GError **error);
void mimp_connection_acknowledge (MimpConnection *self, gint64 ack);

void mimp_connection_close (MimpConnection *self);

char *mimp_certificate_get_fingerprint (GTlsCertificate *certificate);
gboolean mimp_tls_version_acceptable (GTlsConnection *tls);

G_END_DECLS
