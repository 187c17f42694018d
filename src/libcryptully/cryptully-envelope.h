/* cryptully-envelope.h - the JSON envelope every Cryptully frame carries
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/**
 * CryptullyEnvelope:
 *
 * The original's eight string fields. NULL stands for Python's None, which
 * the original writes either as the string "None" or as JSON null (a sender
 * emits `"payload": null` for commands without payload, the relay turns it
 * into "None"); both read as NULL here.
 */
typedef struct
{
  char *server_command;
  char *client_command;
  char *source_nick;
  char *dest_nick;
  char *payload;
  char *hmac;
  char *error;
  char *num;
} CryptullyEnvelope;

CryptullyEnvelope *cryptully_envelope_new (const char *server_command, const char *client_command);
void cryptully_envelope_free (CryptullyEnvelope *envelope);
/* Strict, non-recursive: one JSON object; all eight keys present, each a
 * string or null; other keys may hold only strings, numbers, true, false or
 * null. The error is CRYPTULLY_ERROR_MALFORMED and says what is wrong. */
CryptullyEnvelope *cryptully_envelope_parse (const char *data, gsize len, GError **error);
/* ASCII-only JSON (anything else as \u escapes); NULL fields as the original
 * sender writes them: "payload": null, the others "None". */
char *cryptully_envelope_to_json (const CryptullyEnvelope *envelope, gsize *len);
GBytes *cryptully_envelope_to_frame (const CryptullyEnvelope *envelope);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CryptullyEnvelope, cryptully_envelope_free)

G_END_DECLS
