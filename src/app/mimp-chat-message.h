/* mimp-chat-message.h - one stored message as a list item
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

typedef enum
{
  MIMP_MESSAGE_STATE_PENDING, /* stored, not yet accepted by the server */
  MIMP_MESSAGE_STATE_SENT,    /* accepted by the server (or received) */
  MIMP_MESSAGE_STATE_FAILED,  /* the server refused it for good */
} MimpMessageState;

typedef enum
{
  MIMP_MESSAGE_KIND_TEXT,   /* a message someone wrote */
  MIMP_MESSAGE_KIND_JOINED, /* in a room: its sender came in */
  MIMP_MESSAGE_KIND_LEFT,   /* in a room: its sender went away */
} MimpMessageKind;

/* What end-to-end encryption did for one message (private chats). */
typedef enum
{
  MIMP_MESSAGE_PROTECTION_NONE,          /* a chat that is not private */
  MIMP_MESSAGE_PROTECTION_ENCRYPTED,     /* sent or received end-to-end encrypted */
  MIMP_MESSAGE_PROTECTION_UNENCRYPTED,   /* arrived unencrypted in a private chat: marked */
  MIMP_MESSAGE_PROTECTION_UNDECRYPTABLE, /* could not be decrypted: the text is empty; a resend
                                            can be asked (mimp_account_e2e_request_resend()) */
} MimpMessageProtection;

#define MIMP_TYPE_CHAT_MESSAGE (mimp_chat_message_get_type ())
G_DECLARE_FINAL_TYPE (MimpChatMessage, mimp_chat_message, MIMP, CHAT_MESSAGE, GObject)

MimpChatMessage *mimp_chat_message_new (gint64 row_id, const char *account_id, const char *peer,
                                        gboolean outgoing, const char *text, gint64 timestamp,
                                        MimpMessageState state);
gint64 mimp_chat_message_get_row_id (MimpChatMessage *self);
const char *mimp_chat_message_get_account_id (MimpChatMessage *self);
const char *mimp_chat_message_get_peer (MimpChatMessage *self);
gboolean mimp_chat_message_get_outgoing (MimpChatMessage *self);
const char *mimp_chat_message_get_text (MimpChatMessage *self);
gint64 mimp_chat_message_get_timestamp (MimpChatMessage *self);
MimpMessageState mimp_chat_message_get_state (MimpChatMessage *self);
void mimp_chat_message_set_state (MimpChatMessage *self, MimpMessageState state);
const char *mimp_chat_message_get_client_id (MimpChatMessage *self);
void mimp_chat_message_set_client_id (MimpChatMessage *self, const char *client_id);
const char *mimp_chat_message_get_server_id (MimpChatMessage *self);
void mimp_chat_message_set_server_id (MimpChatMessage *self, const char *server_id);
const char *mimp_chat_message_get_error (MimpChatMessage *self);
void mimp_chat_message_set_error (MimpChatMessage *self, const char *error);
const char *mimp_chat_message_get_sender (MimpChatMessage *self);
MimpMessageKind mimp_chat_message_get_kind (MimpChatMessage *self);
const char *mimp_chat_message_get_attachment (MimpChatMessage *self);
void mimp_chat_message_set_attachment (MimpChatMessage *self, const char *attachment);
void mimp_chat_message_set_kind (MimpChatMessage *self, MimpMessageKind kind);
void mimp_chat_message_set_sender (MimpChatMessage *self, const char *sender);
gint64 mimp_chat_message_get_seq (MimpChatMessage *self);
void mimp_chat_message_set_seq (MimpChatMessage *self, gint64 seq);
gboolean mimp_chat_message_get_first_of_day (MimpChatMessage *self);
void mimp_chat_message_set_first_of_day (MimpChatMessage *self, gboolean first_of_day);
gboolean mimp_chat_message_get_grouped (MimpChatMessage *self);
void mimp_chat_message_set_grouped (MimpChatMessage *self, gboolean grouped);
gboolean mimp_chat_message_get_last_in_group (MimpChatMessage *self);
void mimp_chat_message_set_last_in_group (MimpChatMessage *self, gboolean last_in_group);
MimpMessageProtection mimp_chat_message_get_protection (MimpChatMessage *self);
void mimp_chat_message_set_protection (MimpChatMessage *self, MimpMessageProtection protection);
guint mimp_chat_message_get_missing_before (MimpChatMessage *self);
void mimp_chat_message_set_missing_before (MimpChatMessage *self, guint missing_before);
void mimp_chat_message_update_from (MimpChatMessage *self, MimpChatMessage *other);

GDateTime *mimp_date_time_new_local (gint64 timestamp_ms);

G_END_DECLS
