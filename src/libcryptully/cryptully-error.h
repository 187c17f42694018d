/* cryptully-error.h - the CRYPTULLY_ERROR domain
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define CRYPTULLY_ERROR (cryptully_error_quark ())

/**
 * CryptullyError:
 *
 * Codes 0 to 20 are the original Cryptully's error numbers (the decimal
 * string in an envelope's `error` field means the same thing); codes from
 * 100 on are ours, for what the original did not name.
 */
typedef enum
{
  CRYPTULLY_ERROR_CONNECTION_ENDED = 0,
  CRYPTULLY_ERROR_NICK_NOT_FOUND = 1,
  CRYPTULLY_ERROR_REJECTED = 2,
  CRYPTULLY_ERROR_BAD_HANDSHAKE = 3,
  CRYPTULLY_ERROR_CLIENT_EXISTS = 4,
  CRYPTULLY_ERROR_SELF_CONNECT = 5,
  CRYPTULLY_ERROR_SERVER_SHUTDOWN = 6,
  CRYPTULLY_ERROR_INVALID_COMMAND = 7,
  CRYPTULLY_ERROR_ALREADY_CONNECTED = 8,
  CRYPTULLY_ERROR_NETWORK = 9,
  CRYPTULLY_ERROR_BAD_HMAC = 10,
  CRYPTULLY_ERROR_BAD_DECRYPT = 11,
  CRYPTULLY_ERROR_INVALID_NICK = 12,
  CRYPTULLY_ERROR_NICK_IN_USE = 13,
  CRYPTULLY_ERROR_CLOSED = 14,
  CRYPTULLY_ERROR_KICKED = 15,
  CRYPTULLY_ERROR_SMP_CHECK_FAILED = 16,
  CRYPTULLY_ERROR_SMP_MATCH_FAILED = 17,
  CRYPTULLY_ERROR_REPLAY = 18,
  CRYPTULLY_ERROR_DELETION = 19,
  CRYPTULLY_ERROR_VERSION_MISMATCH = 20,
  /* Ours */
  CRYPTULLY_ERROR_MALFORMED = 100,   /* a frame or envelope that is not what the protocol says */
  CRYPTULLY_ERROR_TOO_LARGE = 101,   /* a frame over CRYPTULLY_FRAME_MAX, or a text too long */
  CRYPTULLY_ERROR_TIMEOUT = 102,     /* no answer in time (handshake, connection) */
  CRYPTULLY_ERROR_UNREACHABLE = 103, /* could not connect to the relay */
  CRYPTULLY_ERROR_BAD_KEY = 104,     /* a Diffie-Hellman public value we must refuse */
  CRYPTULLY_ERROR_BUSY = 105,        /* e.g. a verification is already running */
  CRYPTULLY_ERROR_NOT_READY = 106,   /* no such chat, or not connected */
} CryptullyError;

GQuark cryptully_error_quark (void);
const char *cryptully_error_describe (int code);
GError *cryptully_error_new (int code);
void cryptully_set_error (GError **error, int code);
/* The code carried by an envelope's `error` field; -1 when absent or not a
 * number the original defines. */
int cryptully_error_code_from_wire (const char *value);

G_END_DECLS
