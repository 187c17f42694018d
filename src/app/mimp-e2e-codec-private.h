/* mimp-e2e-codec-private.h - what the two halves of MimpE2eCodec share:
 * mimp-e2e-codec.c (the state, decoding, encoding, sessions with peers)
 * and mimp-e2e-codec-peer.c (typing, verification, trust, resends)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "mimp-account.h"
#include "mimp-e2e-codec.h"
#include "mimp-e2e-keys.h"

G_BEGIN_DECLS

struct _MimpE2eCodec
{
  GObject parent_instance;

  MimpAccount *account; /* not owned: the account owns the codec */
  char *account_id;

  MimpE2eWorker *worker; /* once the state is open */
  gboolean opening;
  GQueue waiters; /* Waiter: calls waiting for the state to open */
  gint64 next_open_attempt;
  gboolean locked;
  gboolean forgotten; /* the account was removed: nothing is made again */
  gboolean chats_loading;
  gboolean chats_loaded;
  GPtrArray *known_peers; /* the peers of the account's chats in the history */

  MimpClientSession *session; /* attached */
  GHashTable *privacy;        /* peer -> GINT_TO_POINTER (MimpChatPrivacy + 1) */
  GHashTable *last_known;     /* peer -> the privacy the history kept, + 1 */
  GHashTable *unencrypted;    /* peers the user chose to send unencrypted to */
  GHashTable *waiting_peers;  /* peers whose messages wait for a session */
  GHashTable *ensuring;       /* peers a session is being made with now */
  GCancellable *cancellable;
};

enum
{
  PRIVACY_CHANGED,
  TYPING_CHANGED,
  VERIFICATION_ASKED,
  VERIFICATION_FINISHED,
  VERIFIED_BY_PEER,
  MESSAGE_DECODED,
  N_SIGNALS
};

extern guint mimp_e2e_codec_signals[N_SIGNALS];

/* A call about one peer, for a worker's callback. */
typedef struct
{
  MimpE2eCodec *self;
  char *peer;
} PeerData;

PeerData *mimp_e2e_codec_peer_data_new (MimpE2eCodec *self, const char *peer);
void mimp_e2e_codec_peer_data_free (PeerData *pd);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PeerData, mimp_e2e_codec_peer_data_free)

typedef void (*MimpE2eCodecThen) (MimpE2eCodec *self, GTask *task);
void mimp_e2e_codec_with_worker (MimpE2eCodec *self, GTask *task, MimpE2eCodecThen then);

gboolean mimp_e2e_codec_is_self (MimpE2eCodec *self, const char *peer);
gboolean mimp_e2e_codec_privacy_is_private (MimpChatPrivacy privacy);
MimpChatPrivacy mimp_e2e_codec_privacy_from_trust (MimpE2eCodec *self, const char *peer,
                                                   MimpE2eTrust trust);
void mimp_e2e_codec_set_privacy (MimpE2eCodec *self, const char *peer, MimpChatPrivacy privacy);
gboolean mimp_e2e_codec_known_privacy (MimpE2eCodec *self, const char *peer,
                                       MimpChatPrivacy *privacy);
void mimp_e2e_codec_peer_ready (MimpE2eCodec *self, const char *peer);
void mimp_e2e_codec_refresh_peer (MimpE2eCodec *self, const char *peer);
void mimp_e2e_codec_send_own (MimpE2eCodec *self, const char *peer, const char *text);
char *mimp_e2e_codec_secret_dup (const char *secret);
void mimp_e2e_codec_secret_free (gpointer secret);
MimpTypingState mimp_e2e_codec_typing_from_e2e (MimpE2eTyping typing);

/* mimp-e2e-codec-peer.c */
void mimp_e2e_codec_resend (MimpE2eCodec *self, const char *peer, GPtrArray *ids);
void mimp_e2e_codec_on_ephemeral (MimpE2eCodec *self, const char *from, const char *text);

G_END_DECLS
