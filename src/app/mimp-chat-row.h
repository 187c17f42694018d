/* mimp-chat-row.h - a chat in the sidebar list
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "mimp-chat.h"

G_BEGIN_DECLS

#define MIMP_TYPE_CHAT_ROW (mimp_chat_row_get_type ())
G_DECLARE_FINAL_TYPE (MimpChatRow, mimp_chat_row, MIMP, CHAT_ROW, GtkWidget)

GtkWidget *mimp_chat_row_new (void);
void mimp_chat_row_set_chat (MimpChatRow *self, MimpChat *chat, gboolean show_account);
char *mimp_format_time (gint64 timestamp_ms, gboolean short_form);

G_END_DECLS
