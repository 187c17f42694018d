/* mimp-chat-dialogs.c
 *
 * Verification here is the question-and-answer kind (the Socialist
 * Millionaire Protocol): it shows that both people typed the same answer.
 * Where the protocol does not bind the answer to the keys of the session
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
  AdwEntryRow *question_row;
  AdwEntryRow *answer_row;
} DialogData;

static void
dialog_data_free (gpointer data)
{
  DialogData *dd = data;

  g_object_unref (dd->account);
  g_free (dd->peer);
  g_free (dd);
}

static DialogData *
dialog_data_new (GtkWidget *dialog, MimpAccount *account, const char *peer)
{
  DialogData *dd = g_new0 (DialogData, 1);

  dd->account = g_object_ref (account);
  dd->peer = g_strdup (peer);
  g_object_set_data_full (G_OBJECT (dialog), "chat-dialog", dd, dialog_data_free);
  return dd;
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

static GtkWidget *
entry_list (AdwEntryRow **first, const char *first_title, AdwEntryRow **second,
            const char *second_title)
{
  GtkWidget *list = gtk_list_box_new ();

  gtk_list_box_set_selection_mode (GTK_LIST_BOX (list), GTK_SELECTION_NONE);
  gtk_widget_add_css_class (list, "boxed-list");
  if (first != NULL)
    {
      *first = ADW_ENTRY_ROW (adw_entry_row_new ());
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (*first), first_title);
      gtk_list_box_append (GTK_LIST_BOX (list), GTK_WIDGET (*first));
    }
  *second = ADW_ENTRY_ROW (adw_entry_row_new ());
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (*second), second_title);
  gtk_list_box_append (GTK_LIST_BOX (list), GTK_WIDGET (*second));
  return list;
}

static void
answer_changed (AdwMessageDialog *dialog)
{
  DialogData *dd = g_object_get_data (G_OBJECT (dialog), "chat-dialog");
  const char *answer = gtk_editable_get_text (GTK_EDITABLE (dd->answer_row));

  adw_message_dialog_set_response_enabled (dialog, "verify", *answer != '\0');
}

static void
start_response (AdwMessageDialog *dialog, const char *response)
{
  DialogData *dd = g_object_get_data (G_OBJECT (dialog), "chat-dialog");
  const char *question = gtk_editable_get_text (GTK_EDITABLE (dd->question_row));

  if (!g_str_equal (response, "verify"))
    return;
  mimp_account_start_verification (dd->account, dd->peer, *question ? question : NULL,
                                   gtk_editable_get_text (GTK_EDITABLE (dd->answer_row)));
}

/**
 * mimp_verification_start_dialog_new:
 *
 * Asks @peer a question whose answer only the two of them know.
 */
GtkWindow *
mimp_verification_start_dialog_new (GtkWindow *parent, MimpAccount *account, const char *peer)
{
  g_autofree char *body = NULL;
  GtkWidget *dialog;
  DialogData *dd;

  body = g_strdup_printf (_ ("Ask %s something only the two of you know. If both answers are "
                             "the same, you both typed the same answer; the answer itself is "
                             "never sent. Answers must match exactly, capitals included."),
                          peer);
  dialog = adw_message_dialog_new (parent, _ ("Ask a Question"), body);
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog), "cancel", _ ("_Cancel"), "verify",
                                    _ ("_Ask"), NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "verify",
                                              ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_response_enabled (ADW_MESSAGE_DIALOG (dialog), "verify", FALSE);
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  dd = dialog_data_new (dialog, account, peer);
  adw_message_dialog_set_extra_child (
      ADW_MESSAGE_DIALOG (dialog),
      entry_list (&dd->question_row, _ ("Question"), &dd->answer_row, _ ("Answer")));
  g_signal_connect_swapped (dd->answer_row, "changed", G_CALLBACK (answer_changed), dialog);
  g_signal_connect (dialog, "response", G_CALLBACK (start_response), NULL);
  return GTK_WINDOW (dialog);
}

static void
answer_response (AdwMessageDialog *dialog, const char *response)
{
  DialogData *dd = g_object_get_data (G_OBJECT (dialog), "chat-dialog");

  /* Not answering is an answer too: the check then fails on both sides. */
  mimp_account_answer_verification (dd->account, dd->peer,
                                    g_str_equal (response, "verify")
                                        ? gtk_editable_get_text (GTK_EDITABLE (dd->answer_row))
                                        : "");
}

/**
 * mimp_verification_answer_dialog_new:
 *
 * Shows @peer's question and takes the user's answer.
 */
GtkWindow *
mimp_verification_answer_dialog_new (GtkWindow *parent, MimpAccount *account, const char *peer,
                                     const char *question)
{
  g_autofree char *heading = NULL;
  g_autofree char *body = NULL;
  GtkWidget *dialog;
  DialogData *dd;

  /* Translators: %s is who asks */
  heading = g_strdup_printf (_ ("%s Asks a Question"), peer);
  if (question != NULL && *question != '\0')
    body = g_strdup_printf (_ ("“%s”\n\nYour answer is never sent: only whether it is the same "
                               "as theirs. Answers must match exactly, capitals included."),
                            question);
  else
    body = g_strdup (_ ("They did not write a question: type the secret you agreed on. It is "
                        "never sent: only whether it is the same as theirs."));
  dialog = adw_message_dialog_new (parent, heading, body);
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog), "cancel", _ ("_Do Not Answer"),
                                    "verify", _ ("_Answer"), NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "verify",
                                              ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_response_enabled (ADW_MESSAGE_DIALOG (dialog), "verify", FALSE);
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  dd = dialog_data_new (dialog, account, peer);
  adw_message_dialog_set_extra_child (ADW_MESSAGE_DIALOG (dialog),
                                      entry_list (NULL, NULL, &dd->answer_row, _ ("Answer")));
  g_signal_connect_swapped (dd->answer_row, "changed", G_CALLBACK (answer_changed), dialog);
  g_signal_connect (dialog, "response", G_CALLBACK (answer_response), NULL);
  return GTK_WINDOW (dialog);
}

/**
 * mimp_verification_describe_result:
 *
 * Returns: what a verification's end means, without claiming more than it
 *   proves
 */
char *
mimp_verification_describe_result (const char *peer, gboolean matched, const GError *error)
{
  if (error != NULL)
    {
      g_autofree char *reason = mimp_describe_error (error);

      /* Translators: %s is whom the check was with, then why it failed */
      return g_strdup_printf (_ ("The check with %s did not finish: %s"), peer, reason);
    }
  if (matched)
    return g_strdup_printf (_ ("%s gave the same answer. This shows only that you both typed it; "
                               "it does not prove that nobody is in the middle."),
                            peer);
  return g_strdup_printf (_ ("%s gave a different answer, or someone interfered. Do not trust "
                             "this chat with secrets."),
                          peer);
}
