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

/**
 * mimp_error_get_kind:
 * @error: (nullable): any error
 *
 * Returns: what kind of failure @error is; %MIMP_ERROR_KIND_OTHER for
 *   %NULL and for errors of other domains
 */
MimpErrorKind
mimp_error_get_kind (const GError *error)
{
  if (error == NULL || error->domain != MIMP_ERROR)
    return MIMP_ERROR_KIND_OTHER;
  switch ((MimpError) error->code)
    {
    case MIMP_ERROR_UNREACHABLE:
    case MIMP_ERROR_TIMEOUT:
    case MIMP_ERROR_CLOSED:
    case MIMP_ERROR_NOT_MIMP:
    case MIMP_ERROR_PROTOCOL:
    case MIMP_ERROR_INVALID_PUZZLE:
    case MIMP_ERROR_INVALID_TOKEN:
    case MIMP_ERROR_CERTIFICATE:
    case MIMP_ERROR_TLS:
      return MIMP_ERROR_KIND_CONNECT;
    case MIMP_ERROR_WRONG_PASSWORD:
    case MIMP_ERROR_UNAUTHORIZED:
    case MIMP_ERROR_RATE_LIMITED:
      return MIMP_ERROR_KIND_AUTH;
    case MIMP_ERROR_BAD_REQUEST:
    case MIMP_ERROR_FORBIDDEN:
    case MIMP_ERROR_NO_SUCH_USER:
    case MIMP_ERROR_TOO_LARGE:
    case MIMP_ERROR_INVALID_ARGUMENT:
      return MIMP_ERROR_KIND_REFUSED;
    case MIMP_ERROR_FAILED:
    case MIMP_ERROR_SERVER_ERROR:
    case MIMP_ERROR_UNSUPPORTED:
    default:
      return MIMP_ERROR_KIND_OTHER;
    }
}
