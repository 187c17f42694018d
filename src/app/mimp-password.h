/* mimp-password.h - keeping a password the user typed
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "mimp-account.h"
#include "mimp-secret-store.h"

G_BEGIN_DECLS

void mimp_remember_password (MimpSecretStore *secrets, MimpAccount *account, const char *password,
                             GtkWindow *parent);

G_END_DECLS
