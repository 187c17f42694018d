/* mimpd-hub.h - what all connections of one server share
 *
 * The store, the commit group, the long-poll waiters, the login queue and
 * the login throttle. Sessions (mimpd-session.h) call into the hub; the hub
 * calls back into sessions when a commit, a wake-up or a password check
 * completes. Everything runs on the main thread except Argon2id, which runs
 * in worker threads.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "mimpd-store.h"
#include "mimpd-throttle.h"

G_BEGIN_DECLS

typedef struct _MimpdHub MimpdHub;
typedef struct _MimpdSession MimpdSession;

MimpdHub *mimpd_hub_new (MimpdStore *store, guint32 max_body);
void mimpd_hub_free (MimpdHub *hub);
MimpdStore *mimpd_hub_get_store (MimpdHub *hub);
MimpdThrottle *mimpd_hub_get_throttle (MimpdHub *hub);
guint32 mimpd_hub_get_max_body (MimpdHub *hub);

/* Extensions beyond MIMP 1.0 and idempotent sends, ack and long poll
 * (FEATURES, KEYS, ephemeral messages): on by default. Off, the server
 * answers their packets with 501 and ignores "ephemeral", as a plain 1.0
 * server does. */
#define MIMPD_KEY_FETCH_RATE_DEFAULT 30 /* per requester and minute */
#define MIMPD_EPHEMERAL_RATE_DEFAULT 20 /* per sender and second */
void mimpd_hub_set_extensions (MimpdHub *hub, gboolean enabled);
gboolean mimpd_hub_get_extensions (MimpdHub *hub);
void mimpd_hub_set_rates (MimpdHub *hub, guint key_fetches_per_minute, guint ephemeral_per_second);
gboolean mimpd_hub_key_fetch_allowed (MimpdHub *hub, const char *user);
gboolean mimpd_hub_ephemeral_allowed (MimpdHub *hub, const char *user);

/* Commit groups. */
gboolean mimpd_hub_write_begin (MimpdHub *hub, GError **error);
gboolean mimpd_hub_in_group (MimpdHub *hub);
void mimpd_hub_await_commit (MimpdHub *hub, MimpdSession *session, gpointer slot);
void mimpd_hub_pending_send_add (MimpdHub *hub, const char *sender, const char *client_id,
                                 const char *id, gint64 timestamp);
gboolean mimpd_hub_pending_send_lookup (MimpdHub *hub, const char *sender, const char *client_id,
                                        char **id, gint64 *timestamp);
void mimpd_hub_message_added (MimpdHub *hub, const char *recipient, gint64 seq);
gboolean mimpd_hub_is_committed (MimpdHub *hub, gint64 seq);
void mimpd_hub_flush (MimpdHub *hub);
guint64 mimpd_hub_get_commits (MimpdHub *hub);
gboolean mimpd_hub_is_busy (MimpdHub *hub);

/* Long polls. */
void mimpd_hub_wait_add (MimpdHub *hub, const char *user, MimpdSession *session, gpointer slot);
void mimpd_hub_wait_remove (MimpdHub *hub, const char *user, gpointer slot);
gboolean mimpd_hub_deliver_ephemeral (MimpdHub *hub, const MimpMessage *message);

/* Push connections (docs/protocols/mimp.md, PUSH). */
void mimpd_hub_push_add (MimpdHub *hub, const char *user, MimpdSession *session);
void mimpd_hub_push_remove (MimpdHub *hub, const char *user, MimpdSession *session);

/* Password checks, at most a few at a time. */
void mimpd_hub_login_submit (MimpdHub *hub, MimpdSession *session, gpointer slot,
                             const char *password, const char *hash);

G_END_DECLS
