/* mimp-account-banner.h - an account's problem, above the chat list
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "mimp-account.h"

G_BEGIN_DECLS

#define MIMP_TYPE_ACCOUNT_BANNER (mimp_account_banner_get_type ())
G_DECLARE_FINAL_TYPE (MimpAccountBanner, mimp_account_banner, MIMP, ACCOUNT_BANNER, GtkWidget)

GtkWidget *mimp_account_banner_new (MimpAccount *account, gboolean show_account);
MimpAccount *mimp_account_banner_get_account (MimpAccountBanner *self);
const char *mimp_account_banner_get_text (MimpAccountBanner *self);

G_END_DECLS
