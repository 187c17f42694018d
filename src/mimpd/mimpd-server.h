/* mimpd-server.h - sockets: listening, accepting, reading and writing
 *
 * The socket glue around MimpdSession: one GSocketService per port (plain
 * and, with a certificate, TLS), pollable streams, one nonblocking write for
 * all ready replies, timeouts and connection limits.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "mimpd-hub.h"

G_BEGIN_DECLS

typedef struct
{
  const char *listen_address;
  guint16 port;
  guint16 tls_port;
  GTlsCertificate *certificate; /* %NULL: no TLS port */
  guint max_connections;
  guint max_unauthenticated_per_address;
  guint idle_timeout_s;
  guint login_timeout_s;
  guint accept_rate; /* new connections per second per source, 0: no limit */
  guint accept_burst;
} MimpdServerOptions;

typedef struct _MimpdServer MimpdServer;

MimpdServer *mimpd_server_new (MimpdHub *hub, const MimpdServerOptions *options);
gboolean mimpd_server_start (MimpdServer *server, GError **error);
guint16 mimpd_server_get_port (MimpdServer *server);
guint16 mimpd_server_get_tls_port (MimpdServer *server);
void mimpd_server_stop (MimpdServer *server);
gboolean mimpd_server_is_drained (MimpdServer *server);
void mimpd_server_free (MimpdServer *server);

G_END_DECLS
