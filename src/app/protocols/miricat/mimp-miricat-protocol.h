/* mimp-miricat-protocol.h - Miricat accounts (libmiricat)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "mimp-protocol.h"
#include "miricat.h"

G_BEGIN_DECLS

#define MIMP_TYPE_MIRICAT_PROTOCOL (mimp_miricat_protocol_get_type ())
G_DECLARE_FINAL_TYPE (MimpMiricatProtocol, mimp_miricat_protocol, MIMP, MIRICAT_PROTOCOL,
                      MimpProtocol)

#define MIMP_TYPE_MIRICAT_SESSION (mimp_miricat_session_get_type ())
G_DECLARE_FINAL_TYPE (MimpMiricatSession, mimp_miricat_session, MIMP, MIRICAT_SESSION, GObject)

MimpMiricatSession *mimp_miricat_session_new (const char *host, guint16 port,
                                              MiricatDialect dialect, const char *user);

/* Disconnects @client (transfer full) and drops it once it is closed. */
void mimp_miricat_client_close (MiricatClient *client);

/* The HTTP side is on the chat port plus one (3072 and 3073 by default, as
 * both servers have them) until the server names its own at login. */
guint16 mimp_miricat_http_port (guint16 port);
/* The peer of an account's one room chat: the server's host, lowercased. */
char *mimp_miricat_room_for_host (const char *host);

G_END_DECLS
