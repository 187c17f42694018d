/* mimp-e2e-run.h - what mimp-e2e.c shares with its SMP runs
 * (mimp-e2e-verify.c). Not installed, not for callers.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "mimp-e2e-private.h"
#include "mimp-e2e.h"

G_BEGIN_DECLS

MimpE2eStore *mimp_e2e_get_store (MimpE2e *self);
/* Our identity public key (serialized). */
GBytes *mimp_e2e_get_own_key (MimpE2e *self);
char *mimp_e2e_base64url_encode (const guint8 *data, gsize len);
/* Inside a transaction: an encrypted control message of @kind. */
char *mimp_e2e_encrypt_control (MimpE2e *self, const char *peer, const char *kind, const char *body,
                                gboolean with_seq, GError **error);
/* For tests and fuzzing: @inner (any bytes) padded with spaces to a
 * multiple of 256 and encrypted for @peer as it is, in a transaction of
 * its own. */
char *mimp_e2e_encrypt_raw (MimpE2e *self, const char *peer, const char *inner, gsize len,
                            GError **error);
/* Inside a transaction. */
gboolean mimp_e2e_set_verified_locked (MimpE2e *self, const char *peer, gboolean verified,
                                       GError **error);
/* Inside a transaction: an SMP step from @peer (the body of a t=smp inner
 * message): fills the result's smp fields and replies. FALSE with @error
 * only on a database error. */
gboolean mimp_e2e_smp_receive (MimpE2e *self, const char *peer, const char *body,
                               MimpE2eResult *result, GError **error);

G_END_DECLS
