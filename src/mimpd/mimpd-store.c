/* mimpd-store.c - the storage interface's dispatch
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "mimpd"

#include "config.h"

#include "mimpd-store.h"
#include "mimpd-store-sqlite.h"

/* clang-format would put spaces around the hyphens, and the macro
 * registers the name as written. */
// clang-format off
G_DEFINE_QUARK (mimpd-store-error-quark, mimpd_store_error)
// clang-format on

/**
 * mimpd_store_open:
 * @path: a SQLite database file (the only backend so far)
 * @sync_full: whether every commit also survives power loss (see
 *   mimpd-store-sqlite.c)
 */
MimpdStore *
mimpd_store_open (const char *path, gboolean sync_full, GError **error)
{
  return mimpd_store_sqlite_open (path, sync_full, error);
}

void
mimpd_store_free (MimpdStore *store)
{
  if (store != NULL)
    store->vtable->free (store);
}

gboolean
mimpd_store_user_add (MimpdStore *store, const char *name, const char *hash, GError **error)
{
  return store->vtable->user_add (store, name, hash, error);
}

gboolean
mimpd_store_user_remove (MimpdStore *store, const char *name, GError **error)
{
  return store->vtable->user_remove (store, name, error);
}

gboolean
mimpd_store_user_set_hash (MimpdStore *store, const char *name, const char *hash, GError **error)
{
  return store->vtable->user_set_hash (store, name, hash, error);
}

/* Returns: the user's hash, or %NULL (without @error) when there is no such user. */
char *
mimpd_store_user_get_hash (MimpdStore *store, const char *name, GError **error)
{
  return store->vtable->user_get_hash (store, name, error);
}

/* Sets @exists to whether the user @name exists; %FALSE only on @error. The
 * recipient check of every send: cheaper than reading the hash. */
gboolean
mimpd_store_user_exists (MimpdStore *store, const char *name, gboolean *exists, GError **error)
{
  return store->vtable->user_exists (store, name, exists, error);
}

GPtrArray *
mimpd_store_user_list (MimpdStore *store, GError **error)
{
  return store->vtable->user_list (store, error);
}

gboolean
mimpd_store_begin (MimpdStore *store, GError **error)
{
  return store->vtable->begin (store, error);
}

gboolean
mimpd_store_commit (MimpdStore *store, GError **error)
{
  return store->vtable->commit (store, error);
}

void
mimpd_store_rollback (MimpdStore *store)
{
  store->vtable->rollback (store);
}

gboolean
mimpd_store_read_begin (MimpdStore *store, GError **error)
{
  return store->vtable->read_begin (store, error);
}

void
mimpd_store_read_end (MimpdStore *store)
{
  store->vtable->read_end (store);
}

gboolean
mimpd_store_message_add (MimpdStore *store, MimpMessage *message, const char *client_id,
                         GError **error)
{
  return store->vtable->message_add (store, message, client_id, error);
}

/* Returns: %TRUE with @id and @timestamp when (@sender, @client_id) was stored. */
gboolean
mimpd_store_sent_lookup (MimpdStore *store, const char *sender, const char *client_id, char **id,
                         gint64 *timestamp, GError **error)
{
  return store->vtable->sent_lookup (store, sender, client_id, id, timestamp, error);
}

/* Returns: (element-type MimpMessage): the oldest @limit messages waiting for @recipient. */
GPtrArray *
mimpd_store_messages_fetch (MimpdStore *store, const char *recipient, guint limit, GError **error)
{
  return store->vtable->messages_fetch (store, recipient, 0, limit, error);
}

/* Push (docs/protocols/mimp.md): what a connection has not been given yet. */
GPtrArray *
mimpd_store_messages_fetch_after (MimpdStore *store, const char *recipient, gint64 after_seq,
                                  guint limit, GError **error)
{
  return store->vtable->messages_fetch (store, recipient, after_seq, limit, error);
}

gboolean
mimpd_store_messages_drop (MimpdStore *store, const char *recipient, gint64 up_to_seq,
                           GError **error)
{
  return store->vtable->messages_drop (store, recipient, up_to_seq, error);
}

gboolean
mimpd_store_expire (MimpdStore *store, gint64 sent_before_ms, GError **error)
{
  return store->vtable->expire (store, sent_before_ms, error);
}

MimpdKeyBundle *
mimpd_key_bundle_new (void)
{
  MimpdKeyBundle *bundle = g_new0 (MimpdKeyBundle, 1);

  bundle->prekeys = g_array_new (FALSE, TRUE, sizeof (MimpdPreKey));
  return bundle;
}

void
mimpd_key_bundle_free (MimpdKeyBundle *bundle)
{
  if (bundle == NULL)
    return;
  g_clear_pointer (&bundle->ik, g_bytes_unref);
  g_clear_pointer (&bundle->spk, g_bytes_unref);
  g_clear_pointer (&bundle->spk_sig, g_bytes_unref);
  for (guint i = 0; i < bundle->prekeys->len; i++)
    g_clear_pointer (&g_array_index (bundle->prekeys, MimpdPreKey, i).key, g_bytes_unref);
  g_array_unref (bundle->prekeys);
  g_free (bundle);
}

/**
 * mimpd_store_keys_publish:
 * @left: (out): the one-time prekeys stored for the device afterwards
 *
 * Stores or replaces the device's identity key, registration id and signed
 * prekey, and adds its one-time prekeys (the same id replaces). A changed
 * identity key drops the device's old one-time prekeys. All or nothing:
 * %MIMPD_STORE_ERROR_LIMIT past %MIMPD_KEYS_MAX_DEVICES devices or
 * %MIMPD_KEYS_MAX_PREKEYS_PER_DEVICE prekeys, and nothing changed.
 */
gboolean
mimpd_store_keys_publish (MimpdStore *store, const char *user, const MimpdKeyBundle *bundle,
                          gint64 *left, GError **error)
{
  return store->vtable->keys_publish (store, user, bundle, left, error);
}

/**
 * mimpd_store_keys_fetch:
 *
 * Returns: (element-type MimpdKeyBundle): every device of @user, each with
 * at most one one-time prekey, which is deleted in the same transaction;
 * %NULL on error.
 */
GPtrArray *
mimpd_store_keys_fetch (MimpdStore *store, const char *user, GError **error)
{
  return store->vtable->keys_fetch (store, user, error);
}

gboolean
mimpd_store_keys_count (MimpdStore *store, const char *user, guint32 device, gint64 *left,
                        GError **error)
{
  return store->vtable->keys_count (store, user, device, left, error);
}
