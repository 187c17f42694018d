/* mimp-chat-dialogs.h - the dialogs of what only some account types have:
 * a chat request to accept, and question-and-answer verification
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "mimp-account.h"

G_BEGIN_DECLS

GtkWindow *mimp_chat_request_dialog_new (GtkWindow *parent, MimpAccount *account, const char *peer);
GtkWindow *mimp_verification_start_dialog_new (GtkWindow *parent, MimpAccount *account,
                                               const char *peer);
GtkWindow *mimp_verification_answer_dialog_new (GtkWindow *parent, MimpAccount *account,
                                                const char *peer, const char *question);
char *mimp_verification_describe_result (const char *peer, gboolean matched, const GError *error);

G_END_DECLS
