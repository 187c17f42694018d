/* mimp-mimp-protocol.h - MIMP accounts (libmimp)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "mimp-client-session.h"
#include "mimp-packet.h"
#include "mimp-protocol.h"

G_BEGIN_DECLS

/* MIMP_DEFAULT_PORT and MIMP_DEFAULT_TLS_PORT are libmimp's (mimp-packet.h). */

#define MIMP_TYPE_MIMP_PROTOCOL (mimp_mimp_protocol_get_type ())
G_DECLARE_FINAL_TYPE (MimpMimpProtocol, mimp_mimp_protocol, MIMP, MIMP_PROTOCOL, MimpProtocol)

#define MIMP_TYPE_MIMP_SESSION (mimp_mimp_session_get_type ())
G_DECLARE_FINAL_TYPE (MimpMimpSession, mimp_mimp_session, MIMP, MIMP_SESSION, GObject)

MimpMimpSession *mimp_mimp_session_new (const char *host, guint16 port, gboolean use_tls,
                                        const char *user, const char *fingerprint);
/* libmimp's session inside, for the private chats' codec (key directory,
 * its own messages, ephemeral typing notices). */
MimpClientSession *mimp_mimp_session_get_client_session (MimpMimpSession *self);

/* The client ids of what the private chats' codec sends by itself (key
 * answers, verification steps, resends) start with this: their delivery is
 * not a stored message's. */
#define MIMP_MIMP_SESSION_OWN_ID_PREFIX "e2e:"

G_END_DECLS
