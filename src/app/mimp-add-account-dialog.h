/* mimp-add-account-dialog.h - add an account, tested before it is saved
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "mimp-application.h"

G_BEGIN_DECLS

#define MIMP_TYPE_ADD_ACCOUNT_DIALOG (mimp_add_account_dialog_get_type ())
G_DECLARE_FINAL_TYPE (MimpAddAccountDialog, mimp_add_account_dialog, MIMP, ADD_ACCOUNT_DIALOG,
                      AdwWindow)

MimpAddAccountDialog *mimp_add_account_dialog_new (MimpApplication *application, GtkWindow *parent);
void mimp_add_account_dialog_fill (MimpAddAccountDialog *self, const char *server, const char *user,
                                   const char *password, gboolean use_tls);
void mimp_add_account_dialog_submit (MimpAddAccountDialog *self);
const char *mimp_add_account_dialog_get_error (MimpAddAccountDialog *self);
gboolean mimp_add_account_dialog_get_busy (MimpAddAccountDialog *self);
void mimp_add_account_dialog_trust (MimpAddAccountDialog *self);

G_END_DECLS
