/* mimp-e2e-private.h - the pieces of libmimpe2e shared between its files:
 * the libgcrypt crypto provider of libomemo-c, the storage seal and the
 * SQLite stores. Not installed, not for callers.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>
#include <signal_protocol.h>
#include <sqlite3.h>

G_BEGIN_DECLS

/* --- mimp-e2e-provider.c --- */

/* Initialises libgcrypt once (unless the program already did). */
void mimp_e2e_gcrypt_init (void);
/* The libomemo-c crypto provider on libgcrypt. */
void mimp_e2e_provider_fill (signal_crypto_provider *provider);

/* AES-256-GCM-SIV under @key (32 bytes): nonce (12) || ciphertext || tag (16). */
GBytes *mimp_e2e_seal (const guint8 *key, const void *data, gsize len, const char *aad);
/* NULL when the key or the associated data do not match, or on bad input. */
GBytes *mimp_e2e_unseal (const guint8 *key, const void *data, gsize len, const char *aad);

/* --- mimp-e2e-store.c --- */

typedef struct
{
  sqlite3 *db;
  GHashTable *statements; /* SQL -> sqlite3_stmt */
  char *account;
  guint8 key[32];
  const guint8 *own_public; /* the identity public key (serialized), for reflections */
  gsize own_public_len;
  /* Set by save_identity during one call: the peer's key changed. */
  gboolean key_changed;
  gboolean reflection;
} MimpE2eStore;

/* Opens (creating the schema) @path. */
sqlite3 *mimp_e2e_store_open_db (const char *path, GError **error);
gboolean mimp_e2e_store_exec (MimpE2eStore *store, const char *sql, GError **error);
gboolean mimp_e2e_store_begin (MimpE2eStore *store, GError **error);
gboolean mimp_e2e_store_commit (MimpE2eStore *store, GError **error);
void mimp_e2e_store_rollback (MimpE2eStore *store);
void mimp_e2e_store_set_error (MimpE2eStore *store, GError **error);

/* Sealed or plain values of the account's meta table. */
GBytes *mimp_e2e_store_get_meta (MimpE2eStore *store, const char *name, gboolean sealed,
                                 gboolean *found, GError **error);
gboolean mimp_e2e_store_set_meta (MimpE2eStore *store, const char *name, const void *data,
                                  gsize len, gboolean sealed, GError **error);
gint64 mimp_e2e_store_get_int (MimpE2eStore *store, const char *name, gint64 fallback);
gboolean mimp_e2e_store_set_int (MimpE2eStore *store, const char *name, gint64 value,
                                 GError **error);

/* Steps @stmt once and resets it: FALSE with @error unless it is done. */
gboolean mimp_e2e_store_step_done (MimpE2eStore *store, sqlite3_stmt *stmt, GError **error);
/* Prepares @sql on the store's database (cached); NULL with @error set. */
sqlite3_stmt *mimp_e2e_store_prepare (MimpE2eStore *store, const char *sql, GError **error);

/* The associated data of a sealed cell: table, row key and account. */
char *mimp_e2e_store_aad (MimpE2eStore *store, const char *table, const char *row);
GBytes *mimp_e2e_store_seal (MimpE2eStore *store, const char *table, const char *row,
                             const void *data, gsize len);
GBytes *mimp_e2e_store_unseal (MimpE2eStore *store, const char *table, const char *row,
                               const void *data, gsize len);
void mimp_e2e_store_close (MimpE2eStore *store);

/* Registers the four libomemo-c stores on @ctx. */
void mimp_e2e_store_attach (MimpE2eStore *store, signal_protocol_store_context *ctx);

/* The peer's identity row. */
typedef struct
{
  GBytes *key;          /* NULL when unknown */
  GBytes *verified_key; /* NULL when not verified */
} MimpE2eIdentity;

void mimp_e2e_identity_clear (MimpE2eIdentity *identity);
gboolean mimp_e2e_store_get_identity (MimpE2eStore *store, const char *peer,
                                      MimpE2eIdentity *identity, GError **error);
gboolean mimp_e2e_store_set_verified_key (MimpE2eStore *store, const char *peer, GBytes *key,
                                          GError **error);

G_END_DECLS
