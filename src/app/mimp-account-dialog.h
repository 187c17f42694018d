/* mimp-account-dialog.h - add an account of any type (tested before it is
 * saved), or edit one
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "mimp-account-manager.h"
#include "mimp-secret-store.h"

G_BEGIN_DECLS

#define MIMP_TYPE_ACCOUNT_DIALOG (mimp_account_dialog_get_type ())
G_DECLARE_FINAL_TYPE (MimpAccountDialog, mimp_account_dialog, MIMP, ACCOUNT_DIALOG, AdwWindow)

MimpAccountDialog *mimp_account_dialog_new (MimpAccountManager *accounts, MimpSecretStore *secrets,
                                            GtkWindow *parent);
MimpAccountDialog *mimp_account_dialog_new_for_account (MimpAccountManager *accounts,
                                                        MimpSecretStore *secrets, GtkWindow *parent,
                                                        MimpAccount *account);
gboolean mimp_account_dialog_set_protocol (MimpAccountDialog *self, const char *protocol_id);
gboolean mimp_account_dialog_set_option (MimpAccountDialog *self, const char *key,
                                         const char *value);
void mimp_account_dialog_fill (MimpAccountDialog *self, const char *server, const char *user,
                               const char *password, gboolean use_tls);
void mimp_account_dialog_submit (MimpAccountDialog *self);
const char *mimp_account_dialog_get_error (MimpAccountDialog *self);
gboolean mimp_account_dialog_get_busy (MimpAccountDialog *self);
gboolean mimp_account_dialog_get_can_submit (MimpAccountDialog *self);
void mimp_account_dialog_trust (MimpAccountDialog *self);

G_END_DECLS
