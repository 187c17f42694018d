/* mimp-verification-dialog.h - checking that a chat's peer is who they
 * say: by a question, a shared secret or (in private chats) a safety number
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "mimp-account.h"

G_BEGIN_DECLS

#define MIMP_TYPE_VERIFICATION_DIALOG (mimp_verification_dialog_get_type ())
G_DECLARE_FINAL_TYPE (MimpVerificationDialog, mimp_verification_dialog, MIMP, VERIFICATION_DIALOG,
                      AdwWindow)

/* What the dialog shows: its pages, by name. */
#define MIMP_VERIFICATION_PAGE_METHODS "methods"
#define MIMP_VERIFICATION_PAGE_QUESTION "question"
#define MIMP_VERIFICATION_PAGE_SECRET "secret"
#define MIMP_VERIFICATION_PAGE_NUMBER "number"
#define MIMP_VERIFICATION_PAGE_ANSWER "answer"
#define MIMP_VERIFICATION_PAGE_WAITING "waiting"
#define MIMP_VERIFICATION_PAGE_RESULT "result"

MimpVerificationDialog *mimp_verification_dialog_new (GtkWindow *parent, MimpAccount *account,
                                                      const char *peer, gboolean private_chat);
MimpAccount *mimp_verification_dialog_get_account (MimpVerificationDialog *self);
const char *mimp_verification_dialog_get_peer (MimpVerificationDialog *self);
const char *mimp_verification_dialog_get_page (MimpVerificationDialog *self);
void mimp_verification_dialog_show_page (MimpVerificationDialog *self, const char *page);
gboolean mimp_verification_dialog_get_waiting (MimpVerificationDialog *self);
void mimp_verification_dialog_asked (MimpVerificationDialog *self, const char *question);
void mimp_verification_dialog_finished (MimpVerificationDialog *self, gboolean matched,
                                        const GError *error);
void mimp_verification_dialog_verified_by_peer (MimpVerificationDialog *self);
const char *mimp_verification_dialog_get_result_title (MimpVerificationDialog *self);
const char *mimp_verification_dialog_get_result_description (MimpVerificationDialog *self);
void mimp_verification_dialog_set_safety_number (MimpVerificationDialog *self, const char *number);
char *mimp_verification_format_safety_number (const char *number);

G_END_DECLS
