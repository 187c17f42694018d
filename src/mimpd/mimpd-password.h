/* mimpd-password.h - Argon2id password hashes (libgcrypt)
 *
 * Hashes are stored as PHC strings,
 * `$argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>` (unpadded base64), so the
 * parameters travel with each hash and can change later.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

gboolean mimpd_password_init (GError **error);
char *mimpd_password_hash (const char *password, GError **error);
gboolean mimpd_password_verify (const char *password, const char *encoded);
const char *mimpd_password_dummy_hash (void);

void mimpd_password_verify_async (const char *password, const char *encoded,
                                  GCancellable *cancellable, GAsyncReadyCallback callback,
                                  gpointer user_data);
gboolean mimpd_password_verify_finish (GAsyncResult *result, GError **error);

G_END_DECLS
