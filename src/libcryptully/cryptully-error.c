/* cryptully-error.c - the CRYPTULLY_ERROR domain and its messages
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "cryptully-error.h"

/* clang-format would put spaces around the hyphens, and the macro
 * registers the name as written. */
// clang-format off
G_DEFINE_QUARK (cryptully-error-quark, cryptully_error)
// clang-format on

/* User-readable; never containing message text, nicknames or keys. */
const char *
cryptully_error_describe (int code)
{
  switch (code)
    {
    case CRYPTULLY_ERROR_CONNECTION_ENDED:
      return "The chat was ended";
    case CRYPTULLY_ERROR_NICK_NOT_FOUND:
      return "Nickname not online";
    case CRYPTULLY_ERROR_REJECTED:
      return "The chat request was rejected";
    case CRYPTULLY_ERROR_BAD_HANDSHAKE:
      return "The key exchange went wrong";
    case CRYPTULLY_ERROR_CLIENT_EXISTS:
      return "A chat with this nickname exists already";
    case CRYPTULLY_ERROR_SELF_CONNECT:
      return "You cannot chat with yourself";
    case CRYPTULLY_ERROR_SERVER_SHUTDOWN:
      return "The relay is shutting down";
    case CRYPTULLY_ERROR_INVALID_COMMAND:
      return "The other side sent an invalid command";
    case CRYPTULLY_ERROR_ALREADY_CONNECTED:
      return "Already chatting with this nickname";
    case CRYPTULLY_ERROR_NETWORK:
      return "Network error";
    case CRYPTULLY_ERROR_BAD_HMAC:
      return "A message failed its integrity check (bad HMAC); the chat was closed";
    case CRYPTULLY_ERROR_BAD_DECRYPT:
      return "A message could not be decrypted; the chat was closed";
    case CRYPTULLY_ERROR_INVALID_NICK:
      return "Invalid nickname (letters and digits only, at most 32)";
    case CRYPTULLY_ERROR_NICK_IN_USE:
      return "Nickname already in use on this relay";
    case CRYPTULLY_ERROR_CLOSED:
      return "The connection was closed";
    case CRYPTULLY_ERROR_KICKED:
      return "The relay's operator disconnected you";
    case CRYPTULLY_ERROR_SMP_CHECK_FAILED:
      return "The verification messages were invalid (a proof did not check)";
    case CRYPTULLY_ERROR_SMP_MATCH_FAILED:
      return "The verification answers do not match";
    case CRYPTULLY_ERROR_REPLAY:
      return "A message was replayed (old message number); the chat was closed";
    case CRYPTULLY_ERROR_DELETION:
      return "Messages were deleted in transit (message number skipped); the chat was closed";
    case CRYPTULLY_ERROR_VERSION_MISMATCH:
      return "The relay speaks another protocol version";
    case CRYPTULLY_ERROR_MALFORMED:
      return "The relay sent data that is not Cryptully";
    case CRYPTULLY_ERROR_TOO_LARGE:
      return "A message is over the size limit";
    case CRYPTULLY_ERROR_TIMEOUT:
      return "No answer in time";
    case CRYPTULLY_ERROR_UNREACHABLE:
      return "Cannot connect to the relay";
    case CRYPTULLY_ERROR_BAD_KEY:
      return "The other side sent an unacceptable key";
    case CRYPTULLY_ERROR_BUSY:
      return "A verification is already running";
    case CRYPTULLY_ERROR_NOT_READY:
      return "Not connected";
    default:
      return "Unknown error";
    }
}

GError *
cryptully_error_new (int code)
{
  return g_error_new_literal (CRYPTULLY_ERROR, code, cryptully_error_describe (code));
}

void
cryptully_set_error (GError **error, int code)
{
  g_set_error_literal (error, CRYPTULLY_ERROR, code, cryptully_error_describe (code));
}

int
cryptully_error_code_from_wire (const char *value)
{
  guint64 code;

  if (value == NULL || !g_ascii_string_to_unsigned (value, 10, 0, 20, &code, NULL))
    return -1;
  return (int) code;
}
