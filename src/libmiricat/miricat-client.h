/* miricat-client.h - one account on a Miricat server
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "miricat-crypto.h"

G_BEGIN_DECLS

#define MIRICAT_DEFAULT_PORT 3072
#define MIRICAT_DEFAULT_HTTP_PORT 3073
/* The longest text we send, in bytes (neither server sets a limit). */
#define MIRICAT_TEXT_MAX (64 * 1024)
/* Yemu takes each read for a whole packet: a long one that TCP splits is
 * lost, so we keep them short there. */
#define MIRICAT_YEMU_TEXT_MAX 8192
/* The largest HTTP body we download (images, avatars). */
#define MIRICAT_HTTP_BODY_MAX (16 * 1024 * 1024)

typedef enum
{
  MIRICAT_STATE_DISCONNECTED,
  MIRICAT_STATE_CONNECTING,
  MIRICAT_STATE_ONLINE,
  MIRICAT_STATE_FAILED,
} MiricatState;

#define MIRICAT_TYPE_STATE (miricat_state_get_type ())
GType miricat_state_get_type (void);

#define MIRICAT_TYPE_CLIENT (miricat_client_get_type ())
G_DECLARE_FINAL_TYPE (MiricatClient, miricat_client, MIRICAT, CLIENT, GObject)

MiricatClient *miricat_client_new (const char *host, guint16 tcp_port, guint16 http_port,
                                   MiricatDialect dialect, const char *username);
void miricat_client_set_password (MiricatClient *self, const char *password);
void miricat_client_set_timeout (MiricatClient *self, guint seconds);
void miricat_client_connect (MiricatClient *self);
void miricat_client_disconnect (MiricatClient *self);

MiricatState miricat_client_get_state (MiricatClient *self);
const GError *miricat_client_get_error (MiricatClient *self);
MiricatDialect miricat_client_get_dialect (MiricatClient *self);
const char *miricat_client_get_username (MiricatClient *self);
GStrv miricat_client_get_members (MiricatClient *self);
gboolean miricat_client_has_access_token (MiricatClient *self);

void miricat_client_send_text (MiricatClient *self, const char *local_id, const char *text);
void miricat_client_send_image (MiricatClient *self, const char *local_id, const char *file_name);

/* The HTTP side (libsoup). register needs no login; the rest need the
 * access token of an online client. */
void miricat_client_register_async (MiricatClient *self, const char *username, const char *password,
                                    GCancellable *cancellable, GAsyncReadyCallback callback,
                                    gpointer user_data);
gboolean miricat_client_register_finish (MiricatClient *self, GAsyncResult *result, GError **error);
void miricat_client_upload_image_async (MiricatClient *self, GBytes *image,
                                        const char *content_type, GCancellable *cancellable,
                                        GAsyncReadyCallback callback, gpointer user_data);
char *miricat_client_upload_image_finish (MiricatClient *self, GAsyncResult *result,
                                          GError **error);
void miricat_client_download_image_async (MiricatClient *self, const char *file_name,
                                          GCancellable *cancellable, GAsyncReadyCallback callback,
                                          gpointer user_data);
GBytes *miricat_client_download_image_finish (MiricatClient *self, GAsyncResult *result,
                                              GError **error);
void miricat_client_set_avatar_async (MiricatClient *self, GBytes *image, const char *content_type,
                                      GCancellable *cancellable, GAsyncReadyCallback callback,
                                      gpointer user_data);
gboolean miricat_client_set_avatar_finish (MiricatClient *self, GAsyncResult *result,
                                           GError **error);
void miricat_client_fetch_avatar_async (MiricatClient *self, const char *username,
                                        GCancellable *cancellable, GAsyncReadyCallback callback,
                                        gpointer user_data);
gboolean miricat_client_fetch_avatar_finish (MiricatClient *self, GAsyncResult *result,
                                             GBytes **avatar, GError **error);

G_END_DECLS
