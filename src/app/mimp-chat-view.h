/* mimp-chat-view.h - the open chat: its header, messages and composer
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "mimp-chat.h"

G_BEGIN_DECLS

#define MIMP_TYPE_CHAT_VIEW (mimp_chat_view_get_type ())
G_DECLARE_FINAL_TYPE (MimpChatView, mimp_chat_view, MIMP, CHAT_VIEW, GtkWidget)

GtkWidget *mimp_chat_view_new (void);
MimpChat *mimp_chat_view_get_chat (MimpChatView *self);
void mimp_chat_view_set_chat (MimpChatView *self, MimpChat *chat);
gboolean mimp_chat_view_get_folded (MimpChatView *self);
void mimp_chat_view_set_folded (MimpChatView *self, gboolean folded);
void mimp_chat_view_set_empty_state (MimpChatView *self, const char *title,
                                     const char *description);
void mimp_chat_view_save_draft (MimpChatView *self);
char *mimp_chat_view_dup_composer_text (MimpChatView *self);
void mimp_chat_view_set_composer_text (MimpChatView *self, const char *text);
void mimp_chat_view_focus_composer (MimpChatView *self);
void mimp_chat_view_show_toast (MimpChatView *self, const char *text);
GtkWidget *mimp_chat_view_get_messages_view (MimpChatView *self);
GtkWidget *mimp_chat_view_get_composer_view (MimpChatView *self);

G_END_DECLS
