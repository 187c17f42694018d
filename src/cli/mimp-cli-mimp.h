/* mimp-cli-mimp.h - mimp-cli's verbs over MIMP
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <json-glib/json-glib.h>

#include "mimp-cli-protocol.h"
#include "mimp.h"

G_BEGIN_DECLS

int mimp_cli_mimp_run (const MimpCliRequest *request);

/* Shared with the private-chat verbs (mimp-cli-mimp-e2e.c). */
/* Removes @id from @ids (client ids waiting for the server); FALSE if it
 * was not there. */
gboolean mimp_cli_mimp_take_id (GPtrArray *ids, const char *id);
int mimp_cli_mimp_status_for_error (const GError *error);
/* Reads --server, --user and the peer (request->to, when set): EXIT_OK, or
 * the usage status with the reason printed. */
int mimp_cli_mimp_parse_account (const MimpCliRequest *request, char **host, guint16 *port,
                                 char **user, char **peer);
/* A session with the password set (not started), or NULL with *status. */
MimpClientSession *mimp_cli_mimp_new_session (const MimpCliRequest *request, const char *host,
                                              guint16 port, const char *user, int *status);
/* What the session's new state means for a command: -1 to go on, else the
 * exit status (the reason printed). */
int mimp_cli_mimp_state_status (MimpClientSession *session, gboolean *was_online);
/* The members `listen --json` prints for every MIMP message, @text as its
 * text, into an object @builder has open. */
void mimp_cli_mimp_add_message_members (JsonBuilder *builder, const MimpMessage *message,
                                        const char *text);
/* Quits the GMainLoop @loop once mimp_client_session_flush_ack_async ()
 * finished. */
void mimp_cli_mimp_flush_ack_cb (GObject *object, GAsyncResult *result, gpointer loop);
/* The finished @builder's value as one line of JSON. */
char *mimp_cli_json_line (JsonBuilder *builder);

G_END_DECLS
