/* mimp-e2e-smp.h - the Socialist Millionaire Protocol for private chats
 * (libotr's exported engine, sm.h), with the secret bound to both identity
 * keys and the run as OTR v3 binds it; answer normalisation; safety numbers.
 *
 * Pure computation: no database, no network. mimp-e2e.c keeps a run's state
 * (mimp_e2e_smp_save/load) in its database and carries the step messages
 * inside encrypted envelopes.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* After libgcrypt is initialised (gcry_check_version and
 * GCRYCTL_INITIALIZATION_FINISHED, by the caller): otrl_sm_init() only, never
 * otrl_init(), which installs libgcrypt handlers for the whole process.
 * Idempotent; mimp_e2e_smp_new() calls it too. */
void mimp_e2e_smp_init (void);

/* NFKC, case-folded, trimmed, runs of white space to one space: answers are
 * not case-sensitive, and full-width letters, ligatures and the like equal
 * their plain forms (why NFKC: mimp-e2e-smp.c). NULL if not UTF-8. */
char *mimp_e2e_smp_normalize (const char *answer);

/* SHA-256 over "Mimp SMP v1", the initiator's and the responder's identity
 * keys (length-prefixed), the 16-byte run id and the normalised secret.
 * 32 bytes, zeroed when freed. NULL when a key is empty, the run id is not
 * 16 bytes, or the secret is not UTF-8 or empty once normalised. */
GBytes *mimp_e2e_smp_bind_secret (GBytes *initiator_key, GBytes *responder_key, GBytes *run_id,
                                  const char *secret);

typedef struct _MimpE2eSmp MimpE2eSmp;

typedef enum
{
  MIMP_E2E_SMP_STEP_CONTINUE, /* send *out and wait for the next message */
  MIMP_E2E_SMP_STEP_MATCH,    /* finished: the secrets are equal (send *out if set) */
  MIMP_E2E_SMP_STEP_NO_MATCH, /* finished: they differ (send *out if set) */
  MIMP_E2E_SMP_STEP_ERROR,    /* malformed or out-of-order input: abort the run */
} MimpE2eSmpStep;

/* The engine's calls are named apart from mimp-e2e.h's mimp_e2e_smp_start(),
 * mimp_e2e_smp_answer() and mimp_e2e_safety_number() (the API for callers),
 * which are built on them. */
MimpE2eSmp *mimp_e2e_smp_new (void);
void mimp_e2e_smp_free (MimpE2eSmp *smp);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (MimpE2eSmp, mimp_e2e_smp_free)

/* Initiator, first message (OTR's step 1); NULL unless the run is new. */
GBytes *mimp_e2e_smp_initiate (MimpE2eSmp *smp, GBytes *bound_secret);
/* Responder: keeps the first message until the user answered. */
MimpE2eSmpStep mimp_e2e_smp_receive_start (MimpE2eSmp *smp, GBytes *message);
/* Responder, after the user answered: the second message; NULL unless
 * receive_start succeeded and nothing was answered yet. */
GBytes *mimp_e2e_smp_respond (MimpE2eSmp *smp, GBytes *bound_secret);
/* Both sides, for every later message: the next message in *out. */
MimpE2eSmpStep mimp_e2e_smp_step (MimpE2eSmp *smp, GBytes *message, GBytes **out);

/* A run's state as bytes (for the database) and back; NULL on bad input.
 * The bytes hold the run's secrets (the bound secret until it is used, the
 * exponents): store them only sealed. They are zeroed when freed. A finished
 * or failed run keeps only its result. */
GBytes *mimp_e2e_smp_save (MimpE2eSmp *smp);
MimpE2eSmp *mimp_e2e_smp_load (GBytes *saved);

/* The safety number of two parties: 12 groups of 5 digits separated by
 * spaces, 30 digits per party (iterated SHA-512 over the party's identity
 * key and name, as libsignal's displayable fingerprint), the lower party's
 * digits first so both sides see the same string. NULL if a key is empty. */
char *mimp_e2e_smp_safety_number (const char *own_name, GBytes *own_key, const char *peer_name,
                                  GBytes *peer_key);

G_END_DECLS
