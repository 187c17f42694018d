/* mimp-message-row.h - one message bubble in a chat
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "mimp-chat-message.h"

G_BEGIN_DECLS

#define MIMP_TYPE_MESSAGE_ROW (mimp_message_row_get_type ())
G_DECLARE_FINAL_TYPE (MimpMessageRow, mimp_message_row, MIMP, MESSAGE_ROW, GtkWidget)

GtkWidget *mimp_message_row_new (void);
void mimp_message_row_set_message (MimpMessageRow *self, MimpChatMessage *message);
MimpChatMessage *mimp_message_row_get_message (MimpMessageRow *self);
char *mimp_linkify (const char *text);

G_END_DECLS
