/* mimp-error.h - the MIMP_ERROR domain
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define MIMP_ERROR (mimp_error_quark ())

/**
 * MimpError:
 *
 * Error codes of the MIMP protocol library. Each names one thing a
 * user-facing message can be built from.
 */
typedef enum
{
  MIMP_ERROR_FAILED,           /* anything not listed below */
  MIMP_ERROR_UNREACHABLE,      /* could not connect (refused, no route, DNS) */
  MIMP_ERROR_TIMEOUT,          /* the server did not answer in time */
  MIMP_ERROR_CLOSED,           /* the connection was closed by the peer or lost */
  MIMP_ERROR_NOT_MIMP,         /* the peer does not speak MIMP (bad magic or version) */
  MIMP_ERROR_PROTOCOL,         /* the peer broke the protocol (bad frame, bad body) */
  MIMP_ERROR_INVALID_PUZZLE,   /* the server sent an invalid key puzzle */
  MIMP_ERROR_INVALID_TOKEN,    /* the server sent a session token we cannot use */
  MIMP_ERROR_TOO_LARGE,        /* a frame or message is over a limit (local or 413) */
  MIMP_ERROR_WRONG_PASSWORD,   /* 401 in answer to the authentication handshake */
  MIMP_ERROR_UNAUTHORIZED,     /* 401 on a later request (token no longer valid) */
  MIMP_ERROR_FORBIDDEN,        /* 403 */
  MIMP_ERROR_NO_SUCH_USER,     /* 404 */
  MIMP_ERROR_BAD_REQUEST,      /* 400 */
  MIMP_ERROR_RATE_LIMITED,     /* 429 */
  MIMP_ERROR_SERVER_ERROR,     /* 500 and other 5xx */
  MIMP_ERROR_UNSUPPORTED,      /* 501 */
  MIMP_ERROR_CERTIFICATE,      /* TLS certificate not trusted */
  MIMP_ERROR_TLS,              /* TLS failed for another reason */
  MIMP_ERROR_INVALID_ARGUMENT, /* bad user name, empty text, ... given by the caller */
} MimpError;

/**
 * MimpErrorKind:
 *
 * What a caller can do about an error: the app, mimp-cli and the client
 * session all decide by this one classification.
 */
typedef enum
{
  MIMP_ERROR_KIND_OTHER,   /* not a MIMP_ERROR, or a fault of the server or of ours */
  MIMP_ERROR_KIND_CONNECT, /* reaching or talking to the server failed: retrying may help */
  MIMP_ERROR_KIND_AUTH,    /* the server did not accept who we are (or not now) */
  MIMP_ERROR_KIND_REFUSED, /* the server refused this request: sending it again will not help */
} MimpErrorKind;

GQuark mimp_error_quark (void);
MimpError mimp_error_from_status (int status, gboolean during_login);
MimpErrorKind mimp_error_get_kind (const GError *error);

G_END_DECLS
