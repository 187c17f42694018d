/* mimpd-store.h - where users and waiting messages live
 *
 * A small interface (a vtable) so a second backend (PostgreSQL, for several
 * servers behind a load balancer) can be added without touching the
 * protocol code. All calls are made from the server's main thread.
 *
 * Writes happen inside a group transaction: the server opens it with
 * mimpd_store_begin() before the first write of a group, runs many writes
 * from many connections, and ends it with mimpd_store_commit(); replies that
 * depend on those writes are sent only after the commit returned.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "mimp.h"

G_BEGIN_DECLS

#define MIMPD_STORE_ERROR (mimpd_store_error_quark ())

typedef enum
{
  MIMPD_STORE_ERROR_FAILED,
  MIMPD_STORE_ERROR_EXISTS,
  MIMPD_STORE_ERROR_NOT_FOUND,
} MimpdStoreError;

typedef struct _MimpdStore MimpdStore;

typedef struct
{
  void (*free) (MimpdStore *store);

  /* Users: names are normalised; hashes are PHC strings. */
  gboolean (*user_add) (MimpdStore *store, const char *name, const char *hash, GError **error);
  gboolean (*user_remove) (MimpdStore *store, const char *name, GError **error);
  gboolean (*user_set_hash) (MimpdStore *store, const char *name, const char *hash, GError **error);
  char *(*user_get_hash) (MimpdStore *store, const char *name, GError **error);
  GPtrArray *(*user_list) (MimpdStore *store, GError **error);

  /* Group transactions. */
  gboolean (*begin) (MimpdStore *store, GError **error);
  gboolean (*commit) (MimpdStore *store, GError **error);
  void (*rollback) (MimpdStore *store);

  /* Messages. message_add fills in @message->seq. */
  gboolean (*message_add) (MimpdStore *store, MimpMessage *message, const char *client_id,
                           GError **error);
  gboolean (*sent_lookup) (MimpdStore *store, const char *sender, const char *client_id, char **id,
                           gint64 *timestamp, GError **error);
  GPtrArray *(*messages_fetch) (MimpdStore *store, const char *recipient, guint limit,
                                GError **error);
  gboolean (*messages_drop) (MimpdStore *store, const char *recipient, gint64 up_to_seq,
                             GError **error);
  gboolean (*expire) (MimpdStore *store, gint64 sent_before_ms, GError **error);
} MimpdStoreVTable;

struct _MimpdStore
{
  const MimpdStoreVTable *vtable;
};

GQuark mimpd_store_error_quark (void);

MimpdStore *mimpd_store_open (const char *path, gboolean sync_full, GError **error);
void mimpd_store_free (MimpdStore *store);

gboolean mimpd_store_user_add (MimpdStore *store, const char *name, const char *hash,
                               GError **error);
gboolean mimpd_store_user_remove (MimpdStore *store, const char *name, GError **error);
gboolean mimpd_store_user_set_hash (MimpdStore *store, const char *name, const char *hash,
                                    GError **error);
char *mimpd_store_user_get_hash (MimpdStore *store, const char *name, GError **error);
GPtrArray *mimpd_store_user_list (MimpdStore *store, GError **error);
gboolean mimpd_store_begin (MimpdStore *store, GError **error);
gboolean mimpd_store_commit (MimpdStore *store, GError **error);
void mimpd_store_rollback (MimpdStore *store);
gboolean mimpd_store_message_add (MimpdStore *store, MimpMessage *message, const char *client_id,
                                  GError **error);
gboolean mimpd_store_sent_lookup (MimpdStore *store, const char *sender, const char *client_id,
                                  char **id, gint64 *timestamp, GError **error);
GPtrArray *mimpd_store_messages_fetch (MimpdStore *store, const char *recipient, guint limit,
                                       GError **error);
gboolean mimpd_store_messages_drop (MimpdStore *store, const char *recipient, gint64 up_to_seq,
                                    GError **error);
gboolean mimpd_store_expire (MimpdStore *store, gint64 sent_before_ms, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MimpdStore, mimpd_store_free)

G_END_DECLS
