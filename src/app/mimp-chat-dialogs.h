/* mimp-chat-dialogs.h - the dialogs of what only some account types have:
 * a chat request to accept, and what a verification's result means
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "mimp-account.h"

G_BEGIN_DECLS

GtkWindow *mimp_chat_request_dialog_new (GtkWindow *parent, MimpAccount *account, const char *peer);
char *mimp_verification_describe_result (const char *peer, gboolean bound, gboolean matched,
                                         const GError *error);

G_END_DECLS
