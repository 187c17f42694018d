/* mimp-cryptully-protocol.h - Cryptully accounts (libcryptully)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "mimp-protocol.h"

G_BEGIN_DECLS

#define MIMP_TYPE_CRYPTULLY_PROTOCOL (mimp_cryptully_protocol_get_type ())
G_DECLARE_FINAL_TYPE (MimpCryptullyProtocol, mimp_cryptully_protocol, MIMP, CRYPTULLY_PROTOCOL,
                      MimpProtocol)

#define MIMP_TYPE_CRYPTULLY_SESSION (mimp_cryptully_session_get_type ())
G_DECLARE_FINAL_TYPE (MimpCryptullySession, mimp_cryptully_session, MIMP, CRYPTULLY_SESSION,
                      GObject)

MimpCryptullySession *mimp_cryptully_session_new (const char *host, guint16 port, const char *nick);

/* A copy of @error that names @peer, for the errors that are about one
 * peer (not online, rejected, ...); describe_error then says who. */
GError *mimp_cryptully_error_for_peer (const GError *error, const char *peer);

G_END_DECLS
