/* mimp-mimp-protocol.h - MIMP accounts (libmimp)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "mimp-protocol.h"

G_BEGIN_DECLS

#define MIMP_DEFAULT_PORT 3290
#define MIMP_DEFAULT_TLS_PORT 3291

#define MIMP_TYPE_MIMP_PROTOCOL (mimp_mimp_protocol_get_type ())
G_DECLARE_FINAL_TYPE (MimpMimpProtocol, mimp_mimp_protocol, MIMP, MIMP_PROTOCOL, MimpProtocol)

#define MIMP_TYPE_MIMP_SESSION (mimp_mimp_session_get_type ())
G_DECLARE_FINAL_TYPE (MimpMimpSession, mimp_mimp_session, MIMP, MIMP_SESSION, GObject)

MimpMimpSession *mimp_mimp_session_new (const char *host, guint16 port, gboolean use_tls,
                                        const char *user, const char *fingerprint);

G_END_DECLS
