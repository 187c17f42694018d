/* mimp-chat-list.h - every chat of every account, newest activity first
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "mimp-account-manager.h"
#include "mimp-chat.h"
#include "mimp-item-list.h"

G_BEGIN_DECLS

#define MIMP_TYPE_CHAT_LIST (mimp_chat_list_get_type ())
G_DECLARE_FINAL_TYPE (MimpChatList, mimp_chat_list, MIMP, CHAT_LIST, MimpItemList)

MimpChatList *mimp_chat_list_new (MimpAccountManager *manager);
void mimp_chat_list_load_async (MimpChatList *self, GCancellable *cancellable,
                                GAsyncReadyCallback callback, gpointer user_data);
gboolean mimp_chat_list_load_finish (MimpChatList *self, GAsyncResult *result, GError **error);
MimpChat *mimp_chat_list_lookup (MimpChatList *self, const char *key);
MimpChat *mimp_chat_list_ensure (MimpChatList *self, MimpAccount *account, const char *peer);
void mimp_chat_list_set_seen_chat (MimpChatList *self, MimpChat *chat);
MimpChat *mimp_chat_list_get_seen_chat (MimpChatList *self);
guint mimp_chat_list_get_unread (MimpChatList *self);

G_END_DECLS
