/* miricat-error.h - the MIRICAT_ERROR domain
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define MIRICAT_ERROR (miricat_error_quark ())

/**
 * MiricatError:
 *
 * Error codes of the Miricat library. Each names one thing a user-facing
 * message can be built from; messages never carry passwords, tokens or
 * message text.
 */
typedef enum
{
  MIRICAT_ERROR_FAILED,              /* anything not listed below */
  MIRICAT_ERROR_UNREACHABLE,         /* could not connect (refused, no route, DNS) */
  MIRICAT_ERROR_TIMEOUT,             /* the server did not answer in time */
  MIRICAT_ERROR_CLOSED,              /* the connection was closed or lost */
  MIRICAT_ERROR_PROTOCOL,            /* the server broke the protocol (garbage, bad JSON) */
  MIRICAT_ERROR_TOO_LARGE,           /* a packet, line or HTTP body over our limit */
  MIRICAT_ERROR_BAD_KEY,             /* the server's DH public value is unusable */
  MIRICAT_ERROR_UNSUPPORTED_VERSION, /* the server does not speak our dialect's version */
  MIRICAT_ERROR_NOT_REGISTERED,      /* no such user on a server that requires registration */
  MIRICAT_ERROR_PASSWORD_REQUIRED,   /* the server wants a password and none was given */
  MIRICAT_ERROR_WRONG_PASSWORD,      /* the password was refused */
  MIRICAT_ERROR_ALREADY_CONNECTED,   /* the name (or, on Yemu, the address) is online already */
  MIRICAT_ERROR_REFUSED,             /* the server refused a message or request */
  MIRICAT_ERROR_NO_ROOM,             /* a javacat server without any room */
  MIRICAT_ERROR_NOT_CONNECTED,       /* the call needs an online client */
  MIRICAT_ERROR_NO_HTTP,             /* the server has no HTTP side */
  MIRICAT_ERROR_UNAUTHORIZED,        /* HTTP 401/403: the access token was not accepted */
  MIRICAT_ERROR_NOT_FOUND,           /* HTTP 404 */
  MIRICAT_ERROR_USER_EXISTS,         /* registration: the name is taken */
  MIRICAT_ERROR_SERVER_ERROR,        /* HTTP 5xx */
  MIRICAT_ERROR_INVALID_ARGUMENT,    /* bad user name, empty text, ... given by the caller */
} MiricatError;

GQuark miricat_error_quark (void);

G_END_DECLS
