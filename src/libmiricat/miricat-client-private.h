/* miricat-client-private.h - what miricat-client.c and miricat-client-http.c share
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <libsoup/soup.h>

#include "miricat-client.h"
#include "miricat-packet.h"

G_BEGIN_DECLS

typedef enum
{
  PHASE_NONE,
  PHASE_CONNECTING,
  PHASE_HANDSHAKE,
  PHASE_LOGIN,
  PHASE_JOINING, /* javacat: logged in, joining the room */
  PHASE_ONLINE,
  PHASE_CLOSING, /* flushing the last packets before closing */
} Phase;

struct _MiricatClient
{
  GObject parent_instance;

  char *host;
  guint16 tcp_port;
  guint16 http_port; /* as given; the server's Accepted may name another */
  MiricatDialect dialect;
  char *username;
  char *password;
  guint timeout;

  MiricatState state;
  GError *error;
  Phase phase;

  GSocketClient *socket_client;
  GSocketConnection *connection;
  GCancellable *read_cancellable;
  GCancellable *write_cancellable;
  guint8 *read_buffer;
  MiricatReader *reader;
  MiricatDh *dh;
  guint8 key[MIRICAT_KEY_SIZE];
  gboolean has_key;
  GQueue writes; /* of Pending */
  gboolean writing;
  guint deadline_id;
  guint heartbeat_id;
  gint64 room_id;
  GPtrArray *members;

  /* HTTP */
  char *token;
  gboolean http_known;   /* the server told us about its HTTP side */
  gboolean http_enabled; /* ... and it has one */
  guint16 server_http_port;
  SoupSession *soup;
};

void miricat_client_http_clear (MiricatClient *self);

G_END_DECLS
