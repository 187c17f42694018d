/* mimp-chat-dialogs.c
 *
 * A chat request to accept, and what a verification's end means when its
 * dialog (mimp-verification-dialog.c) is no longer open. Where the
 * protocol does not bind the answer to the keys of the session
 * (Cryptully), a server in the middle can pass it on unchanged, so the
 * words used never claim more than that, and no lock is shown for it.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "mimp-chat-dialogs"

#include "config.h"

#include <glib/gi18n.h>

#include "mimp-chat-dialogs.h"

typedef struct
{
  MimpAccount *account;
  char *peer;
} DialogData;

static void
dialog_data_free (gpointer data)
{
  DialogData *dd = data;

  g_object_unref (dd->account);
  g_free (dd->peer);
  g_free (dd);
}

static void
dialog_data_new (GtkWidget *dialog, MimpAccount *account, const char *peer)
{
  DialogData *dd = g_new0 (DialogData, 1);

  dd->account = g_object_ref (account);
  dd->peer = g_strdup (peer);
  g_object_set_data_full (G_OBJECT (dialog), "chat-dialog", dd, dialog_data_free);
}

/* ------------------------------------------------------------------ */

static void
request_response (AdwMessageDialog *dialog, const char *response)
{
  DialogData *dd = g_object_get_data (G_OBJECT (dialog), "chat-dialog");

  mimp_account_answer_chat_request (dd->account, dd->peer, g_str_equal (response, "accept"));
}

/**
 * mimp_chat_request_dialog_new:
 *
 * Asks whether to accept a chat someone unknown wants to start; nothing is
 * answered to them until the user chooses (closing the dialog declines).
 */
GtkWindow *
mimp_chat_request_dialog_new (GtkWindow *parent, MimpAccount *account, const char *peer)
{
  g_autofree char *name = mimp_account_dup_display_name (account);
  g_autofree char *heading = NULL;
  g_autofree char *body = NULL;
  GtkWidget *dialog;

  /* Translators: %s is who wants to chat */
  heading = g_strdup_printf (_ ("Chat with %s?"), peer);
  /* Translators: %s is the account the request came to */
  body = g_strdup_printf (_ ("Someone using the name %s wants to start a chat with you (%s). "
                             "Names on this relay are not checked: accept only if you expect "
                             "them."),
                          peer, name);
  dialog = adw_message_dialog_new (parent, heading, body);
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog), "decline", _ ("_Decline"),
                                    "accept", _ ("_Accept"), NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "accept",
                                              ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "decline");
  dialog_data_new (dialog, account, peer);
  g_signal_connect (dialog, "response", G_CALLBACK (request_response), NULL);
  return GTK_WINDOW (dialog);
}

/* ------------------------------------------------------------------ */

/**
 * mimp_verification_describe_result:
 * @bound: whether the check was bound to the chat's keys (a private chat),
 *   so that a match rules out someone in the middle
 *
 * Returns: what a verification's end means, without claiming more than it
 *   proves
 */
char *
mimp_verification_describe_result (const char *peer, gboolean bound, gboolean matched,
                                   const GError *error)
{
  if (error != NULL)
    {
      g_autofree char *reason = mimp_describe_error (error);

      /* Translators: %s is whom the check was with, then why it failed */
      return g_strdup_printf (_ ("The check with %s did not finish: %s"), peer, reason);
    }
  if (matched && bound)
    /* Translators: %s is whom the check was with */
    return g_strdup_printf (_ ("You verified %s."), peer);
  if (matched)
    return g_strdup_printf (_ ("%s gave the same answer. This shows only that you both typed it; "
                               "it does not prove that nobody is in the middle."),
                            peer);
  if (bound)
    return g_strdup (_ ("The answers didn’t match. Either an answer was different, or someone is "
                        "intercepting this chat."));
  return g_strdup_printf (_ ("%s gave a different answer, or someone interfered. Do not trust "
                             "this chat with secrets."),
                          peer);
}
