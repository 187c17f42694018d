/* miricat-crypto.h - DH on RFC 3526 group 5, the dialects' key derivations,
 * AES-256-CTR with the zero IV and the base64 framing of encrypted packets
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/**
 * MiricatDialect:
 * @MIRICAT_DIALECT_YEMU: Miricat 1.0 as the Yemu server speaks it
 * @MIRICAT_DIALECT_JAVACAT: Miricat 2.0.0 as the javacat server speaks it
 *
 * The two cannot be told apart on the wire: the caller chooses.
 */
typedef enum
{
  MIRICAT_DIALECT_YEMU,
  MIRICAT_DIALECT_JAVACAT,
} MiricatDialect;

#define MIRICAT_KEY_SIZE 32
/* The longest public value we read: 1536 bits in hex, with room for a sign
 * byte and some leading zeros. */
#define MIRICAT_PUBLIC_HEX_MAX 512

gboolean miricat_dialect_from_string (const char *name, MiricatDialect *dialect);
const char *miricat_dialect_to_string (MiricatDialect dialect);

typedef struct _MiricatDh MiricatDh;

MiricatDh *miricat_dh_new (void);
MiricatDh *miricat_dh_new_with_exponent (const char *exponent_hex);
char *miricat_dh_get_public_hex (MiricatDh *dh, MiricatDialect dialect);
gboolean miricat_dh_derive_key (MiricatDh *dh, MiricatDialect dialect, const char *peer_hex,
                                guint8 key[MIRICAT_KEY_SIZE], GError **error);
void miricat_dh_free (MiricatDh *dh);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MiricatDh, miricat_dh_free)

/* The key stream restarts at the zero IV for every packet. */
void miricat_ctr_apply (const guint8 key[MIRICAT_KEY_SIZE], guint8 *data, gsize len);
char *miricat_encrypt_packet (const guint8 key[MIRICAT_KEY_SIZE], const char *json, gsize len);
gboolean miricat_base64_is_valid (const char *text, gsize len);
guint8 *miricat_decrypt_packet (const guint8 key[MIRICAT_KEY_SIZE], const char *base64, gsize len,
                                gsize *out_len, GError **error);

G_END_DECLS
