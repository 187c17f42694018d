/* cryptully-smp.h - the Socialist Millionaire Protocol as Cryptully runs it
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Why not libotr's SMP: it works in RFC 3526 group 5 (1536 bits), hashes a
 * version byte plus MPIs and serialises with counts and MPI headers; the
 * original Cryptully uses group 14 (2048 bits), SHA-256 over the version
 * digit and the decimal strings of the values, and its own packList format
 * (4-byte big-endian length + big-endian magnitude per value, no count).
 * None of these can be configured in libotr, so this is the protocol written
 * directly on libgcrypt's MPI primitives, step for step as the original.
 *
 *   initiator                responder
 *   step1 -> SMP1 ------------> step2 -> SMP2
 *   step3 (SMP2) -> SMP3 -----> step4 (SMP3) -> SMP4, match
 *   step5 (SMP4) -> match
 *
 * Every group element received must lie in [2, p-2] and every proof must
 * check, else CRYPTULLY_ERROR_SMP_CHECK_FAILED. The secret is only the
 * answer's bytes (nothing binds it to the session).
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Longest value accepted in a packed list: a group element has 256 bytes. */
#define CRYPTULLY_SMP_VALUE_MAX 256

typedef struct _CryptullySmp CryptullySmp;

/* Fills @buf with random bytes; the default is gcry_randomize. Tests set a
 * deterministic one to get fixed exponents. */
typedef void (*CryptullyRandomFunc) (guint8 *buf, gsize len, gpointer user_data);

CryptullySmp *cryptully_smp_new (const char *answer);
void cryptully_smp_free (CryptullySmp *smp);
void cryptully_smp_set_random_func (CryptullySmp *smp, CryptullyRandomFunc func,
                                    gpointer user_data);

GBytes *cryptully_smp_step1 (CryptullySmp *smp);
GBytes *cryptully_smp_step2 (CryptullySmp *smp, GBytes *smp1, GError **error);
GBytes *cryptully_smp_step3 (CryptullySmp *smp, GBytes *smp2, GError **error);
GBytes *cryptully_smp_step4 (CryptullySmp *smp, GBytes *smp3, gboolean *match, GError **error);
gboolean cryptully_smp_step5 (CryptullySmp *smp, GBytes *smp4, gboolean *match, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CryptullySmp, cryptully_smp_free)

G_END_DECLS
