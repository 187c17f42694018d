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
  MIMPD_STORE_ERROR_LIMIT, /* too many devices or one-time prekeys (413) */
} MimpdStoreError;

typedef struct _MimpdStore MimpdStore;

/* The key directory (KEYS packet, docs/protocols/mimp.md). */
#define MIMPD_KEYS_MAX_PREKEYS_PER_REQUEST 100
#define MIMPD_KEYS_MAX_PREKEYS_PER_DEVICE 200
#define MIMPD_KEYS_MAX_DEVICES 8
#define MIMPD_KEYS_MAX_KEY_BYTES 64
#define MIMPD_KEYS_MAX_SIG_BYTES 128

typedef struct
{
  guint32 id;
  GBytes *key;
} MimpdPreKey;

/**
 * MimpdKeyBundle:
 *
 * One device's published keys: its identity key, registration id, signed
 * prekey and one-time prekeys (in a fetch result, at most one).
 */
typedef struct
{
  guint32 device; /* 1 .. 2^31-1 */
  GBytes *ik;
  guint32 reg;
  guint32 spk_id;
  GBytes *spk;
  GBytes *spk_sig;
  GArray *prekeys; /* of MimpdPreKey */
} MimpdKeyBundle;

MimpdKeyBundle *mimpd_key_bundle_new (void);
void mimpd_key_bundle_free (MimpdKeyBundle *bundle);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (MimpdKeyBundle, mimpd_key_bundle_free)

typedef struct
{
  void (*free) (MimpdStore *store);

  /* Users: names are normalised; hashes are PHC strings. */
  gboolean (*user_add) (MimpdStore *store, const char *name, const char *hash, GError **error);
  gboolean (*user_remove) (MimpdStore *store, const char *name, GError **error);
  gboolean (*user_set_hash) (MimpdStore *store, const char *name, const char *hash, GError **error);
  char *(*user_get_hash) (MimpdStore *store, const char *name, GError **error);
  gboolean (*user_exists) (MimpdStore *store, const char *name, gboolean *exists, GError **error);
  GPtrArray *(*user_list) (MimpdStore *store, GError **error);

  /* Group transactions. */
  gboolean (*begin) (MimpdStore *store, GError **error);
  gboolean (*commit) (MimpdStore *store, GError **error);
  void (*rollback) (MimpdStore *store);
  /* A read-only transaction outside the groups, so that a run of reads
   * (the wake-ups after a commit) shares one snapshot and one read lock.
   * It never waits for a writer; end it before the next begin. */
  gboolean (*read_begin) (MimpdStore *store, GError **error);
  void (*read_end) (MimpdStore *store);

  /* Messages. message_add fills in @message->seq. */
  gboolean (*message_add) (MimpdStore *store, MimpMessage *message, const char *client_id,
                           GError **error);
  gboolean (*sent_lookup) (MimpdStore *store, const char *sender, const char *client_id, char **id,
                           gint64 *timestamp, GError **error);
  /* The waiting messages with a seq above @after_seq, oldest first. */
  GPtrArray *(*messages_fetch) (MimpdStore *store, const char *recipient, gint64 after_seq,
                                guint limit, GError **error);
  gboolean (*messages_drop) (MimpdStore *store, const char *recipient, gint64 up_to_seq,
                             GError **error);
  gboolean (*expire) (MimpdStore *store, gint64 sent_before_ms, GError **error);

  /* The key directory; writes in the open group. */
  gboolean (*keys_publish) (MimpdStore *store, const char *user, const MimpdKeyBundle *bundle,
                            gint64 *left, GError **error);
  GPtrArray *(*keys_fetch) (MimpdStore *store, const char *user, GError **error);
  gboolean (*keys_count) (MimpdStore *store, const char *user, guint32 device, gint64 *left,
                          GError **error);
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
gboolean mimpd_store_user_exists (MimpdStore *store, const char *name, gboolean *exists,
                                  GError **error);
GPtrArray *mimpd_store_user_list (MimpdStore *store, GError **error);
gboolean mimpd_store_begin (MimpdStore *store, GError **error);
gboolean mimpd_store_commit (MimpdStore *store, GError **error);
void mimpd_store_rollback (MimpdStore *store);
gboolean mimpd_store_read_begin (MimpdStore *store, GError **error);
void mimpd_store_read_end (MimpdStore *store);
gboolean mimpd_store_message_add (MimpdStore *store, MimpMessage *message, const char *client_id,
                                  GError **error);
gboolean mimpd_store_sent_lookup (MimpdStore *store, const char *sender, const char *client_id,
                                  char **id, gint64 *timestamp, GError **error);
GPtrArray *mimpd_store_messages_fetch (MimpdStore *store, const char *recipient, guint limit,
                                       GError **error);
GPtrArray *mimpd_store_messages_fetch_after (MimpdStore *store, const char *recipient,
                                             gint64 after_seq, guint limit, GError **error);
gboolean mimpd_store_messages_drop (MimpdStore *store, const char *recipient, gint64 up_to_seq,
                                    GError **error);
gboolean mimpd_store_expire (MimpdStore *store, gint64 sent_before_ms, GError **error);
gboolean mimpd_store_keys_publish (MimpdStore *store, const char *user,
                                   const MimpdKeyBundle *bundle, gint64 *left, GError **error);
GPtrArray *mimpd_store_keys_fetch (MimpdStore *store, const char *user, GError **error);
gboolean mimpd_store_keys_count (MimpdStore *store, const char *user, guint32 device, gint64 *left,
                                 GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MimpdStore, mimpd_store_free)

G_END_DECLS
