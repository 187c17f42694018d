/* mimp-window.h - the main window: chat list and the open chat
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "mimp-account-manager.h"
#include "mimp-chat.h"
#include "mimp-chat-list.h"
#include "mimp-chat-view.h"
#include "mimp-notifier.h"
#include "mimp-secret-store.h"
#include "mimp-verification-dialog.h"

G_BEGIN_DECLS

#define MIMP_TYPE_WINDOW (mimp_window_get_type ())
G_DECLARE_FINAL_TYPE (MimpWindow, mimp_window, MIMP, WINDOW, AdwApplicationWindow)

MimpWindow *mimp_window_new (GtkApplication *application, MimpAccountManager *accounts,
                             MimpChatList *chats, MimpNotifier *notifier, MimpSecretStore *secrets,
                             GSettings *settings);
void mimp_window_open_chat (MimpWindow *self, MimpChat *chat);
MimpChat *mimp_window_get_chat (MimpWindow *self);
MimpChatView *mimp_window_get_chat_view (MimpWindow *self);
void mimp_window_show_toast (MimpWindow *self, const char *text);
void mimp_window_set_composer_text (MimpWindow *self, const char *text);
char *mimp_window_dup_composer_text (MimpWindow *self);
GtkWidget *mimp_window_get_banner_box (MimpWindow *self);
GtkWidget *mimp_window_get_chat_list_view (MimpWindow *self);
GtkWidget *mimp_window_get_messages_view (MimpWindow *self);
void mimp_window_update_seen (MimpWindow *self);
MimpVerificationDialog *mimp_window_get_verification (MimpWindow *self, MimpAccount *account,
                                                      const char *peer);

G_END_DECLS
