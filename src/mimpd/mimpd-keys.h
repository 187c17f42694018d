/* mimpd-keys.h - the FEATURES and KEYS requests: parsing and replies
 *
 * Pure: bodies in, structures and JSON out, no store and no I/O, so the
 * parsers can be fuzzed on their own (tests/fuzz/fuzz-keys-request.c).
 * The wire format is in docs/protocols/mimp.md.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "mimpd-store.h"

G_BEGIN_DECLS

/* The largest KEYS or FEATURES body: a publish of 100 one-time prekeys of
 * 64 bytes is under 12 KiB. A larger body is refused (413) before any
 * JSON parser builds a tree of it. */
#define MIMPD_KEYS_MAX_BODY (64 * 1024)

typedef enum
{
  MIMPD_KEYS_OP_PUBLISH,
  MIMPD_KEYS_OP_FETCH,
  MIMPD_KEYS_OP_COUNT,
} MimpdKeysOp;

typedef struct
{
  char *from;  /* `uf` */
  char *token; /* wiped on clear */
  MimpdKeysOp op;
  MimpdKeyBundle *bundle; /* publish */
  char *user;             /* fetch: as sent, not normalised */
  guint32 device;         /* count */
} MimpdKeysRequest;

void mimpd_keys_request_clear (MimpdKeysRequest *request);

/* Errors are MIMP_ERROR_BAD_REQUEST (400) or MIMP_ERROR_TOO_LARGE (413). */
gboolean mimpd_keys_parse_request (const guint8 *body, gsize len, MimpdKeysRequest *request,
                                   GError **error);
gboolean mimpd_features_parse_request (const guint8 *body, gsize len, char **from, char **token,
                                       GError **error);

void mimpd_keys_append_publish_reply (GString *out, gint64 left);
void mimpd_keys_append_fetch_reply (GString *out, const char *user, GPtrArray *devices);
void mimpd_keys_append_count_reply (GString *out, guint32 device, gint64 left);
void mimpd_features_append_reply (GString *out, gboolean keys, gboolean ephemeral, gboolean push);

G_END_DECLS
