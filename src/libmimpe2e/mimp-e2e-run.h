/* mimp-e2e-run.h - what mimp-e2e.c shares with its SMP runs
 * (mimp-e2e-verify.c). Not installed, not for callers.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <json-glib/json-glib.h>

#include "mimp-e2e-private.h"
#include "mimp-e2e.h"

G_BEGIN_DECLS

MimpE2eStore *mimp_e2e_get_store (MimpE2e *self);
/* Our identity public key (serialized). */
GBytes *mimp_e2e_get_own_key (MimpE2e *self);
char *mimp_e2e_base64url_encode (const guint8 *data, gsize len);
/* Reading received or stored JSON: a member of exactly the type asked for
 * (an integer also within [@min, @max]), or FALSE/NULL. */
gboolean mimp_e2e_json_get_int (JsonObject *object, const char *name, gint64 min, gint64 max,
                                gint64 *out);
const char *mimp_e2e_json_get_string (JsonObject *object, const char *name);
/* The root of @text when it is a JSON object, or NULL. */
JsonNode *mimp_e2e_json_parse_object (const char *text, gssize len);
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
