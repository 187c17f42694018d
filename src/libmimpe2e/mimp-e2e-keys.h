/* mimp-e2e-keys.h - the key exchange of private chats over a MIMP session:
 * publishing and replenishing the key-directory bundle, and making a
 * session with a peer (from the key directory, or in-band when the server
 * has no key directory). Shared by the app and mimp-cli.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "mimp-client-session.h"
#include "mimp-e2e-worker.h"

G_BEGIN_DECLS

/* Call when @session comes online. With the key directory: publishes the
 * bundle and keeps at least 20 one-time prekeys there; without it: does
 * nothing and finishes TRUE. */
void mimp_e2e_keys_publish_async (MimpE2eWorker *worker, MimpClientSession *session,
                                  GCancellable *cancellable, GAsyncReadyCallback callback,
                                  gpointer user_data);
gboolean mimp_e2e_keys_publish_finish (GAsyncResult *result, GError **error);

typedef enum
{
  MIMP_E2E_KEYS_READY,   /* a session exists now: encrypt and send */
  MIMP_E2E_KEYS_WAITING, /* a key request went in-band: wait for session_ready
                            from mimp_e2e_decrypt() (the peer must come online once) */
} MimpE2eKeysOutcome;

/* Makes sure there is a session with @peer: nothing to do if there is one;
 * else fetches @peer's bundle from the key directory and starts a session
 * (with the first device listed: one session per peer for now); else (no
 * key directory, or no bundle published) sends a key request in-band
 * through @session's outbox, at most once a minute per peer, and finishes
 * WAITING. Errors: G_IO_ERROR_NOT_CONNECTED when there is no session and
 * @session is not online (call again once it is), the server's MIMP_ERROR
 * (no such user, 429), MIMP_E2E_ERROR_BAD_BUNDLE. */
void mimp_e2e_keys_ensure_session_async (MimpE2eWorker *worker, MimpClientSession *session,
                                         const char *peer, GCancellable *cancellable,
                                         GAsyncReadyCallback callback, gpointer user_data);
MimpE2eKeysOutcome mimp_e2e_keys_ensure_session_finish (GAsyncResult *result, GError **error);

G_END_DECLS
