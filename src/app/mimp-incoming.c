/* mimp-incoming.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "mimp-incoming.h"

G_DEFINE_BOXED_TYPE (MimpIncoming, mimp_incoming, mimp_incoming_ref, mimp_incoming_unref)

static void
incoming_clear (MimpIncoming *incoming)
{
  g_free (incoming->peer);
  g_free (incoming->sender);
  g_free (incoming->attachment);
  g_free (incoming->to);
  g_free (incoming->remote_id);
  g_free (incoming->text);
}

MimpIncoming *
mimp_incoming_new (const char *peer, const char *to, const char *remote_id, const char *text,
                   gint64 timestamp, gint64 position)
{
  MimpIncoming *incoming = g_atomic_rc_box_new0 (MimpIncoming);

  g_return_val_if_fail (peer != NULL && text != NULL, NULL);
  incoming->peer = g_strdup (peer);
  incoming->to = g_strdup (to);
  incoming->remote_id = g_strdup (remote_id);
  incoming->text = g_strdup (text);
  incoming->timestamp = timestamp;
  incoming->position = position;
  return incoming;
}

/**
 * mimp_incoming_new_in_room:
 * @room: the room's id, which is the chat's peer
 * @sender: who said it
 */
MimpIncoming *
mimp_incoming_new_in_room (const char *room, const char *sender, const char *remote_id,
                           const char *text, gint64 timestamp, gint64 position)
{
  MimpIncoming *incoming;

  g_return_val_if_fail (sender != NULL, NULL);
  incoming = mimp_incoming_new (room, NULL, remote_id, text, timestamp, position);
  incoming->sender = g_strdup (sender);
  return incoming;
}

/**
 * mimp_incoming_new_event:
 * @who: who came into @room or left it
 *
 * Returns: a record of @who joining or leaving @room, kept in the history
 *   as a line of the room's chat (its text is @who)
 */
MimpIncoming *
mimp_incoming_new_event (const char *room, const char *who, MimpMessageKind kind, gint64 timestamp)
{
  MimpIncoming *incoming;

  g_return_val_if_fail (kind != MIMP_MESSAGE_KIND_TEXT, NULL);
  incoming = mimp_incoming_new_in_room (room, who, NULL, who, timestamp, -1);
  incoming->kind = kind;
  return incoming;
}

/**
 * mimp_incoming_set_attachment:
 *
 * For the session that makes @incoming, before handing it on.
 */
void
mimp_incoming_set_attachment (MimpIncoming *incoming, const char *attachment)
{
  g_free (incoming->attachment);
  incoming->attachment = g_strdup (attachment);
}

MimpIncoming *
mimp_incoming_ref (MimpIncoming *incoming)
{
  return g_atomic_rc_box_acquire (incoming);
}

void
mimp_incoming_unref (MimpIncoming *incoming)
{
  g_atomic_rc_box_release_full (incoming, (GDestroyNotify) incoming_clear);
}

/**
 * mimp_incoming_copy_with_text:
 *
 * Returns: a new record like @incoming with @text instead (what a codec
 *   hands on after decoding)
 */
MimpIncoming *
mimp_incoming_copy_with_text (const MimpIncoming *incoming, const char *text)
{
  MimpIncoming *copy = mimp_incoming_new (incoming->peer, incoming->to, incoming->remote_id, text,
                                          incoming->timestamp, incoming->position);

  copy->sender = g_strdup (incoming->sender);
  copy->kind = incoming->kind;
  copy->attachment = g_strdup (incoming->attachment);
  copy->protection = incoming->protection;
  copy->missing_before = incoming->missing_before;
  return copy;
}

/**
 * mimp_incoming_copy_decoded:
 * @text: what the message says (empty for one that could not be decrypted)
 * @protection: what end-to-end encryption did for it
 * @missing_before: messages from the peer that never arrived before it
 *
 * Returns: a new record like @incoming, as an end-to-end codec hands it on
 */
MimpIncoming *
mimp_incoming_copy_decoded (const MimpIncoming *incoming, const char *text,
                            MimpMessageProtection protection, guint missing_before)
{
  MimpIncoming *copy = mimp_incoming_copy_with_text (incoming, text);

  copy->protection = protection;
  copy->missing_before = missing_before;
  return copy;
}
