/* mimp-e2e.h - private chats for MIMP: end-to-end encrypted sessions
 * (libomemo-c, the Signal design: X3DH + Double Ratchet), the in-band
 * envelope, fragments and padding, trust, SMP verification and safety
 * numbers. No GTK and no networking: the caller moves the strings this
 * library makes (envelopes for the MIMP text field, key-directory bundles)
 * over its own connection.
 *
 * Threading: a MimpE2e is not thread-safe. Use it from one thread only; the
 * app runs it on one worker thread (mimp-e2e-worker.h), mimp-cli calls it
 * directly.
 *
 * Durability: every call that changes state (a ratchet step, a one-time
 * prekey used, a fragment held, an outgoing message encrypted) commits it to
 * the database before it returns. A caller that stores what it got and then
 * acknowledges to the server loses nothing if it is killed at any point: a
 * message delivered twice is recognised (MIMP_E2E_DUPLICATE) and an outgoing
 * message encrypted once is sent again with the same bytes.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define MIMP_E2E_ERROR (mimp_e2e_error_quark ())
GQuark mimp_e2e_error_quark (void);

typedef enum
{
  MIMP_E2E_ERROR_FAILED,      /* anything else (database, library) */
  MIMP_E2E_ERROR_STORAGE_KEY, /* the storage key does not open this database */
  MIMP_E2E_ERROR_NO_SESSION,  /* no session with the peer yet: fetch a bundle or ask in-band */
  MIMP_E2E_ERROR_KEY_CHANGED, /* a verified peer's key changed: sending pauses until accepted */
  MIMP_E2E_ERROR_BAD_BUNDLE,  /* a bundle that does not parse or whose signature is wrong */
  MIMP_E2E_ERROR_TOO_LONG,    /* text over MIMP_E2E_MAX_TEXT */
  MIMP_E2E_ERROR_SMP_LIMIT,   /* too many failed verification runs with this peer today */
  MIMP_E2E_ERROR_SMP_STATE,   /* no such run, or a step out of order */
} MimpE2eError;

/* The prefix of every envelope in the MIMP text field. */
#define MIMP_E2E_PREFIX "?MIMPE2E:"
/* Longest text of one logical message (8 fragments of up to 8 KiB of
 * inner plaintext each, the text JSON-escaped inside). */
#define MIMP_E2E_MAX_TEXT (56 * 1024)
/* Longest envelope made: fits the server's 16 KiB text limit. */
#define MIMP_E2E_MAX_ENVELOPE 12288

typedef enum
{
  MIMP_E2E_TRUST_NONE,        /* no session and no known key */
  MIMP_E2E_TRUST_UNVERIFIED,  /* encrypted; key trusted on first use */
  MIMP_E2E_TRUST_VERIFIED,    /* encrypted; this exact key was verified */
  MIMP_E2E_TRUST_KEY_CHANGED, /* the key differs from the one verified; sending paused */
} MimpE2eTrust;

typedef enum
{
  MIMP_E2E_TYPING_ACTIVE,  /* typing */
  MIMP_E2E_TYPING_IDLE,    /* stopped, text left in the composer */
  MIMP_E2E_TYPING_CLEARED, /* stopped, composer empty */
} MimpE2eTyping;

typedef enum
{
  MIMP_E2E_PLAIN,         /* not an envelope: unencrypted text (mark it if the chat is private) */
  MIMP_E2E_MESSAGE,       /* a complete decrypted text message */
  MIMP_E2E_PARTIAL,       /* a fragment, held until the rest arrives */
  MIMP_E2E_CONTROL,       /* handled inside (key request/answer, SMP step, resend request,
                             typing, session hello); see the result's fields */
  MIMP_E2E_DUPLICATE,     /* seen before (replay or redelivery): drop it */
  MIMP_E2E_UNDECRYPTABLE, /* looked like an envelope but could not be read (tampered,
                             forged, no session, too far ahead): show a mark, never text */
} MimpE2eStatus;

typedef enum
{
  MIMP_E2E_SMP_NONE,
  MIMP_E2E_SMP_ASKED,     /* the peer asks a question (or a shared secret when question is NULL) */
  MIMP_E2E_SMP_WAITING,   /* our run goes on; nothing to show yet */
  MIMP_E2E_SMP_SUCCEEDED, /* the secrets matched: see smp_we_verified / smp_they_verified */
  MIMP_E2E_SMP_FAILED,    /* they did not match, or the peer aborted */
} MimpE2eSmpEvent;

/**
 * MimpE2eResult:
 * What one received text turned into. All strings owned by the result.
 */
typedef struct
{
  MimpE2eStatus status;
  char *text;                /* MESSAGE: the text; PLAIN: the text as received */
  char *message_id;          /* the sender's logical message id (MESSAGE, PARTIAL) */
  gint64 timestamp;          /* the sender's clock, ms since the epoch (MESSAGE) */
  guint missing;             /* messages from this peer that never arrived before this one */
  gboolean session_ready;    /* CONTROL: a session was just made (flush what waited for it) */
  gboolean resend_requested; /* CONTROL: the peer could not read some of ours */
  GPtrArray *resend_ids;     /* their logical message ids (char *), when resend_requested */
  gboolean has_typing;       /* CONTROL: a typing state */
  MimpE2eTyping typing;
  MimpE2eSmpEvent smp_event;
  char *smp_question;         /* SMP_ASKED: the question, NULL for a shared secret */
  gboolean smp_we_verified;   /* SMP_SUCCEEDED: we now trust the peer's key */
  gboolean smp_they_verified; /* SMP_SUCCEEDED: the peer now trusts ours */
  GPtrArray *replies;         /* envelopes (char *) to send back to the peer at once
                                 (key answer, SMP next step, resend request), may be empty */
  char *reason;               /* UNDECRYPTABLE: a sentence for the log, never key or text */
  gboolean key_changed;       /* the peer's identity key differs from the one known before
                                 (trust is KEY_CHANGED if it had been verified, else the new
                                 key is taken, still UNVERIFIED: tell the user) */
} MimpE2eResult;

void mimp_e2e_result_free (MimpE2eResult *result);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (MimpE2eResult, mimp_e2e_result_free)

#define MIMP_TYPE_E2E (mimp_e2e_get_type ())
G_DECLARE_FINAL_TYPE (MimpE2e, mimp_e2e, MIMP, E2E, GObject)

/* Opens (creating on first use: identity key pair, registration and device
 * id, signed prekey, 100 one-time prekeys) the state of @account (e.g.
 * "alice@localhost:3290") in the SQLite file @path (0600; its directory
 * 0700). Secrets in it are sealed with @storage_key (32 bytes; the app keeps
 * it in the Secret Service). A wrong key fails with
 * MIMP_E2E_ERROR_STORAGE_KEY. */
MimpE2e *mimp_e2e_open (const char *path, const char *account, GBytes *storage_key, GError **error);
/* 32 random bytes for a new storage key. */
GBytes *mimp_e2e_new_storage_key (void);

guint32 mimp_e2e_get_device_id (MimpE2e *self);

/* --- Key directory (docs/protocols/mimp.md, "Key directory") --- */

/* The JSON object (a string) to publish: {"device", "ik", "reg", "spk":
 * {"id","key","sig"}, "pk": [{"id","key"}, ...]} with the one-time prekeys
 * not yet published (at most @max_prekeys; 0 for none). */
char *mimp_e2e_bundle_to_publish (MimpE2e *self, guint max_prekeys, GError **error);
/* The server has them: do not publish these again. */
gboolean mimp_e2e_bundle_published (MimpE2e *self, GError **error);
/* The server says @left one-time prekeys remain: makes new ones when fewer
 * than 20 remain (published by the next mimp_e2e_bundle_to_publish()).
 * Rotates the signed prekey after 30 days, keeping old ones 30 days more. */
gboolean mimp_e2e_replenish (MimpE2e *self, guint left, GError **error);
/* Makes a session with @peer from one device entry of a key-directory fetch
 * reply (a JSON object string). Checks the signature; a key different from
 * a verified one gives KEY_CHANGED trust. */
gboolean mimp_e2e_start_session (MimpE2e *self, const char *peer, const char *bundle_json,
                                 GError **error);

/* --- In-band key exchange (servers without the key directory) --- */

/* A key request envelope (kind R), with a readable sentence for plain
 * clients after it. Send it when start_session is impossible; the peer's
 * app answers with a key answer (kind K) that decrypt() turns into a
 * session (session_ready). Only one answer, to a request made here within
 * 30 days, is taken: others are ignored (CONTROL without session_ready). */
char *mimp_e2e_key_request (MimpE2e *self, const char *peer, GError **error);

/* --- Messages --- */

gboolean mimp_e2e_has_session (MimpE2e *self, const char *peer);
/* Encrypts @text for @peer as the logical message @message_id (the caller's
 * id, kept across retries): returns the envelopes (char *) to send in order,
 * one MIMP message each. Calling again with the same @message_id returns the
 * same envelopes without a new ratchet step. Fails with NO_SESSION,
 * KEY_CHANGED or TOO_LONG. */
GPtrArray *mimp_e2e_encrypt (MimpE2e *self, const char *peer, const char *message_id,
                             const char *text, GError **error);
/* An ephemeral typing state, encrypted (not kept for retries). */
char *mimp_e2e_encrypt_typing (MimpE2e *self, const char *peer, MimpE2eTyping typing,
                               GError **error);
/* Forgets the stored envelopes of @message_id (after the server took them). */
gboolean mimp_e2e_sent (MimpE2e *self, const char *message_id, GError **error);
/* Reads one received text from @peer. @server_id is the server's message id
 * (NULL from a plain server, which cannot redeliver). The result is kept
 * (sealed) until mimp_e2e_delivered(): a redelivery of the same server id
 * before that returns the same result again (no new ratchet step), after
 * it a DUPLICATE. An error means the database could not be written:
 * nothing was consumed; try again later. */
MimpE2eResult *mimp_e2e_decrypt (MimpE2e *self, const char *peer, const char *server_id,
                                 const char *text, GError **error);
/* The text of one of our last 50 messages to @peer (within a day), to
 * encrypt again after resend_requested; NULL when no longer kept. */
char *mimp_e2e_get_sent_text (MimpE2e *self, const char *peer, const char *message_id);
/* The caller stored (or showed) the result of @server_id: forget the kept
 * result; from now on a redelivery is a DUPLICATE. */
gboolean mimp_e2e_delivered (MimpE2e *self, const char *server_id, GError **error);
/* After an UNDECRYPTABLE message: an envelope that asks the peer to resend
 * what it sent lately (rate-limited: NULL without error when asked within a
 * minute). */
char *mimp_e2e_request_resend (MimpE2e *self, const char *peer, GError **error);

/* --- Trust and verification --- */

MimpE2eTrust mimp_e2e_get_trust (MimpE2e *self, const char *peer);
/* The user saw the key-change warning and accepts the new key (unverified). */
gboolean mimp_e2e_accept_key_change (MimpE2e *self, const char *peer, GError **error);
/* The user compared safety numbers by other means. */
gboolean mimp_e2e_set_verified (MimpE2e *self, const char *peer, gboolean verified, GError **error);
/* 12 groups of 5 digits separated by spaces, the same on both sides; NULL
 * with NO_SESSION when the peer's key is unknown. */
char *mimp_e2e_safety_number (MimpE2e *self, const char *own_user, const char *peer,
                              GError **error);
/* Starts a Socialist Millionaire run: with @question (one-way: success makes
 * us trust the peer) or without (shared secret: both sides type it; success
 * is mutual). Returns the first envelope to send. */
char *mimp_e2e_smp_start (MimpE2e *self, const char *peer, const char *question, const char *secret,
                          GError **error);
/* Answers the peer's run (after SMP_ASKED). Returns the envelope to send. */
char *mimp_e2e_smp_answer (MimpE2e *self, const char *peer, const char *secret, GError **error);
/* Gives up a run; returns the abort envelope to send (NULL if none runs). */
char *mimp_e2e_smp_abort (MimpE2e *self, const char *peer, GError **error);

G_END_DECLS
