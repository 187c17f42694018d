/* mimp-application.h - the application: accounts, chats, notifications
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "mimp-account-manager.h"
#include "mimp-chat-list.h"
#include "mimp-notifier.h"
#include "mimp-secret-store.h"

G_BEGIN_DECLS

#define MIMP_TYPE_APPLICATION (mimp_application_get_type ())
G_DECLARE_FINAL_TYPE (MimpApplication, mimp_application, MIMP, APPLICATION, AdwApplication)

MimpApplication *mimp_application_new (void);
MimpAccountManager *mimp_application_get_accounts (MimpApplication *self);
MimpChatList *mimp_application_get_chats (MimpApplication *self);
MimpNotifier *mimp_application_get_notifier (MimpApplication *self);
MimpSecretStore *mimp_application_get_secrets (MimpApplication *self);
GSettings *mimp_application_get_settings (MimpApplication *self);
GtkWindow *mimp_application_get_main_window (MimpApplication *self);
void mimp_application_open_chat (MimpApplication *self, const char *key);
void mimp_application_remember_password (MimpApplication *self, MimpAccount *account,
                                         const char *password, GtkWindow *parent);

G_END_DECLS
