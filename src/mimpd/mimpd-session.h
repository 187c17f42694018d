/* mimpd-session.h - the protocol state machine of one connection
 *
 * Drivable from memory: bytes go in through mimpd_session_feed() (or
 * mimpd_session_reserve()/mimpd_session_commit_input() to read without a
 * copy), enciphered replies come out through mimpd_session_peek_output() and
 * mimpd_session_consume_output(). No socket is involved, so the state machine
 * can be fuzzed on its own; mimpd-server.c is the socket glue.
 *
 * Replies come strictly in request order: each request takes a reply slot in
 * a FIFO, and a slot that waits (an AH under Argon2id, an SM until its
 * commit, a held GU) holds back the slots behind it. When such a slot
 * completes later, the session calls its notify function so the glue writes
 * what became ready.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "mimpd-hub.h"

G_BEGIN_DECLS

/* Stop taking requests while this much output waits to be read by the
 * client, or this many replies are outstanding (backpressure). */
#define MIMPD_SESSION_MAX_PENDING_OUTPUT (256 * 1024)
#define MIMPD_SESSION_MAX_PENDING_SLOTS 256

/* Push: stop pushing messages while this much output waits to be read;
 * resume below half of it. */
#define MIMPD_SESSION_PUSH_THRESHOLD (64 * 1024)

typedef void (*MimpdSessionNotify) (MimpdSession *session, gpointer user_data);

MimpdSession *mimpd_session_new (MimpdHub *hub, const char *address, MimpdSessionNotify notify,
                                 gpointer user_data);
MimpdSession *mimpd_session_ref (MimpdSession *session);
void mimpd_session_unref (MimpdSession *session);
void mimpd_session_close (MimpdSession *session);
void mimpd_session_shutdown (MimpdSession *session);

guint8 *mimpd_session_reserve (MimpdSession *session, gsize want, gsize *available);
void mimpd_session_commit_input (MimpdSession *session, gsize len);
void mimpd_session_feed (MimpdSession *session, const guint8 *data, gsize len);
void mimpd_session_resume (MimpdSession *session);

const guint8 *mimpd_session_peek_output (MimpdSession *session, gsize *len);
void mimpd_session_consume_output (MimpdSession *session, gsize len);

gboolean mimpd_session_wants_input (MimpdSession *session);
gboolean mimpd_session_should_close (MimpdSession *session);
gboolean mimpd_session_is_authenticated (MimpdSession *session);
gsize mimpd_session_memory (MimpdSession *session);

/* Called by the hub. */
void mimpd_session_slot_committed (MimpdSession *session, gpointer slot, gboolean ok);
void mimpd_session_slot_wake (MimpdSession *session, gpointer slot);
gboolean mimpd_session_slot_takes_ephemeral (MimpdSession *session, gpointer slot);
void mimpd_session_slot_ephemeral (MimpdSession *session, gpointer slot,
                                   const MimpMessage *message);
void mimpd_session_push_wake (MimpdSession *session);
gboolean mimpd_session_push_ephemeral (MimpdSession *session, const MimpMessage *message);
void mimpd_session_login_done (MimpdSession *session, gpointer slot, gboolean ok);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MimpdSession, mimpd_session_unref)

G_END_DECLS
