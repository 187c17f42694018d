/* mimp-account-manager.h - the configured accounts, a GListModel
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "mimp-account.h"
#include "mimp-item-list.h"

G_BEGIN_DECLS

#define MIMP_TYPE_ACCOUNT_MANAGER (mimp_account_manager_get_type ())
G_DECLARE_FINAL_TYPE (MimpAccountManager, mimp_account_manager, MIMP, ACCOUNT_MANAGER, MimpItemList)

MimpAccountManager *mimp_account_manager_new (MimpHistory *history, MimpSecretStore *secrets,
                                              const char *config_path);
MimpHistory *mimp_account_manager_get_history (MimpAccountManager *self);
MimpSecretStore *mimp_account_manager_get_secrets (MimpAccountManager *self);
gboolean mimp_account_manager_load (MimpAccountManager *self, GError **error);
gboolean mimp_account_manager_save (MimpAccountManager *self, GError **error);
void mimp_account_manager_start_all (MimpAccountManager *self);
void mimp_account_manager_stop_all (MimpAccountManager *self);
void mimp_account_manager_flush_acks_async (MimpAccountManager *self, guint timeout_ms,
                                            GCancellable *cancellable, GAsyncReadyCallback callback,
                                            gpointer user_data);
gboolean mimp_account_manager_flush_acks_finish (MimpAccountManager *self, GAsyncResult *result,
                                                 GError **error);
MimpAccount *mimp_account_manager_lookup (MimpAccountManager *self, const char *id);
MimpAccount *mimp_account_manager_find (MimpAccountManager *self, MimpProtocol *protocol,
                                        const char *host, guint16 port, const char *user);
void mimp_account_manager_add (MimpAccountManager *self, MimpAccount *account);
void mimp_account_manager_remove (MimpAccountManager *self, MimpAccount *account,
                                  gboolean keep_history);

G_END_DECLS
