/* mimp-secret-store.h - account passwords in the Secret Service
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define MIMP_SECRET_STORE_ERROR (mimp_secret_store_error_quark ())

typedef enum
{
  MIMP_SECRET_STORE_ERROR_UNAVAILABLE, /* no Secret Service on the session bus */
  MIMP_SECRET_STORE_ERROR_LOCKED,      /* the keyring is locked and was not unlocked */
  MIMP_SECRET_STORE_ERROR_TIMEOUT,     /* the keyring did not answer in time */
  MIMP_SECRET_STORE_ERROR_FAILED,
} MimpSecretStoreError;

GQuark mimp_secret_store_error_quark (void);

#define MIMP_SECRET_STORE_DEFAULT_TIMEOUT                                                          \
  20 /* seconds, leaving time to type an unlock password                                           \
      */

#define MIMP_TYPE_SECRET_STORE (mimp_secret_store_get_type ())
G_DECLARE_FINAL_TYPE (MimpSecretStore, mimp_secret_store, MIMP, SECRET_STORE, GObject)

MimpSecretStore *mimp_secret_store_new (void);
void mimp_secret_store_set_timeout (MimpSecretStore *self, guint seconds);
guint mimp_secret_store_get_timeout (MimpSecretStore *self);
guint mimp_secret_store_get_in_flight (MimpSecretStore *self, guint *max_in_flight);
guint mimp_secret_store_get_n_pending (MimpSecretStore *self);

void mimp_secret_store_store_async (MimpSecretStore *self, const char *protocol, const char *server,
                                    guint16 port, const char *user, const char *password,
                                    GCancellable *cancellable, GAsyncReadyCallback callback,
                                    gpointer user_data);
gboolean mimp_secret_store_store_finish (MimpSecretStore *self, GAsyncResult *result,
                                         GError **error);

void mimp_secret_store_lookup_async (MimpSecretStore *self, const char *protocol,
                                     const char *server, guint16 port, const char *user,
                                     GCancellable *cancellable, GAsyncReadyCallback callback,
                                     gpointer user_data);
char *mimp_secret_store_lookup_finish (MimpSecretStore *self, GAsyncResult *result, GError **error);

void mimp_secret_store_clear_async (MimpSecretStore *self, const char *protocol, const char *server,
                                    guint16 port, const char *user, GCancellable *cancellable,
                                    GAsyncReadyCallback callback, gpointer user_data);
gboolean mimp_secret_store_clear_finish (MimpSecretStore *self, GAsyncResult *result,
                                         GError **error);

/* The storage key of an account's private chats (32 bytes), kept under
 * the account's id in an item no password call touches. Clearing it
 * finishes with mimp_secret_store_clear_finish(). */
#define MIMP_SECRET_STORE_KEY_SIZE 32

void mimp_secret_store_store_key_async (MimpSecretStore *self, const char *account_id,
                                        const char *name, GBytes *key, GCancellable *cancellable,
                                        GAsyncReadyCallback callback, gpointer user_data);
gboolean mimp_secret_store_store_key_finish (MimpSecretStore *self, GAsyncResult *result,
                                             GError **error);
void mimp_secret_store_lookup_key_async (MimpSecretStore *self, const char *account_id,
                                         GCancellable *cancellable, GAsyncReadyCallback callback,
                                         gpointer user_data);
GBytes *mimp_secret_store_lookup_key_finish (MimpSecretStore *self, GAsyncResult *result,
                                             GError **error);
void mimp_secret_store_clear_key_async (MimpSecretStore *self, const char *account_id,
                                        GCancellable *cancellable, GAsyncReadyCallback callback,
                                        gpointer user_data);

void mimp_secret_password_free (char *password);

G_END_DECLS
