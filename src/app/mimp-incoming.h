/* mimp-incoming.h - one received message, whatever protocol brought it
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib-object.h>

#include "mimp-chat-message.h"

G_BEGIN_DECLS

/**
 * MimpIncoming:
 * @peer: the chat it belongs to: who sent it, or the room it was said in
 * @sender: in a room, who said it; %NULL in a chat with one person
 * @to: whom it was addressed to, when the protocol says (lets the history
 *   recognise the echo of a message sent to oneself), or %NULL
 * @remote_id: the protocol's id for it, used to drop a message delivered
 *   twice, or %NULL when the protocol has none
 * @text: the text, already decoded by the chat's codec
 * @timestamp: milliseconds since the epoch
 * @position: where the protocol's acknowledgement stands once this message
 *   is stored (MIMP: the server's seq), or -1
 * @kind: a message, or (in a room) its sender coming or going
 * @attachment: the protocol's reference to an image sent with it (see
 *   mimp_protocol_session_load_attachment_async()), or %NULL
 * @protection: what end-to-end encryption did for it (set by the codec)
 * @missing_before: in a private chat, how many messages from the peer
 *   never arrived just before this one (set by the codec)
 *
 * Immutable once handed on; reference-counted.
 */
typedef struct
{
  char *peer;
  char *sender;
  char *to;
  char *remote_id;
  char *text;
  gint64 timestamp;
  gint64 position;
  MimpMessageKind kind;
  char *attachment;
  MimpMessageProtection protection;
  guint missing_before;
} MimpIncoming;

#define MIMP_TYPE_INCOMING (mimp_incoming_get_type ())
GType mimp_incoming_get_type (void) G_GNUC_CONST;

MimpIncoming *mimp_incoming_new (const char *peer, const char *to, const char *remote_id,
                                 const char *text, gint64 timestamp, gint64 position);
MimpIncoming *mimp_incoming_ref (MimpIncoming *incoming);
void mimp_incoming_unref (MimpIncoming *incoming);
MimpIncoming *mimp_incoming_new_in_room (const char *room, const char *sender,
                                         const char *remote_id, const char *text, gint64 timestamp,
                                         gint64 position);
MimpIncoming *mimp_incoming_new_event (const char *room, const char *who, MimpMessageKind kind,
                                       gint64 timestamp);
void mimp_incoming_set_attachment (MimpIncoming *incoming, const char *attachment);
MimpIncoming *mimp_incoming_copy_with_text (const MimpIncoming *incoming, const char *text);
MimpIncoming *mimp_incoming_copy_decoded (const MimpIncoming *incoming, const char *text,
                                          MimpMessageProtection protection, guint missing_before);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (MimpIncoming, mimp_incoming_unref)

G_END_DECLS
