/* mimp-error.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "mimp-error.h"

/* clang-format would put spaces around the hyphens, and the macro
 * registers the name as written. */
// clang-format off
G_DEFINE_QUARK (mimp-error-quark, mimp_error)
// clang-format on

/**
 * mimp_error_from_status:
 * @status: the code of an Error packet (HTTP-like)
 * @during_login: whether the request was the authentication handshake
 *
 * Returns: the #MimpError a server's Error packet code stands for
 */
MimpError
mimp_error_from_status (int status, gboolean during_login)
{
  switch (status)
    {
    case 400:
      return MIMP_ERROR_BAD_REQUEST;
    case 401:
      return during_login ? MIMP_ERROR_WRONG_PASSWORD : MIMP_ERROR_UNAUTHORIZED;
    case 403:
      return MIMP_ERROR_FORBIDDEN;
    case 404:
      return MIMP_ERROR_NO_SUCH_USER;
    case 413:
      return MIMP_ERROR_TOO_LARGE;
    case 429:
      return MIMP_ERROR_RATE_LIMITED;
    case 501:
      return MIMP_ERROR_UNSUPPORTED;
    default:
      if (status >= 500 && status < 600)
        return MIMP_ERROR_SERVER_ERROR;
      return MIMP_ERROR_FAILED;
    }
}
