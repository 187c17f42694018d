/* mimp-verification-dialog.c
 *
 * One dialog for every way of checking who is at the other end of a chat,
 * for every account type that can: first a choice of method, then its page,
 * then "waiting for the answer", then the result; and, on the other side,
 * the question to answer. The methods are those of pidgin-otr, in plain
 * words:
 *   - Ask a Question (one-way: the asker learns the peer is who they say),
 *   - Use a Shared Secret (mutual: both type the same secret),
 *   - Compare Safety Numbers (private chats only: both see the same
 *     number when nobody is in between; the user says they match).
 * The first two are the Socialist Millionaire Protocol, run by the account.
 * In a private chat the answer is bound to both keys, so a match means
 * nobody is in the middle, and answers are not case-sensitive; where the
 * protocol does not bind it (Cryptully), a match only shows both typed the
 * same answer, answers must match exactly, and the words say no more.
 * Closing the dialog while waiting only hides it: the result shows it
 * again. Closing it before answering a question is an answer too (none):
 * the check then fails on both sides.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "mimp-verification-dialog"

#include "config.h"

#include <glib/gi18n.h>

#include "mimp-verification-dialog.h"

typedef enum
{
  ROLE_NONE,
  ROLE_ASKED_QUESTION, /* this side asked a question */
  ROLE_ASKED_SECRET,   /* this side started a shared-secret check */
  ROLE_ANSWERING_QUESTION,
  ROLE_ANSWERING_SECRET,
} Role;

struct _MimpVerificationDialog
{
  AdwWindow parent_instance;

  MimpAccount *account;
  char *peer;
  gboolean private_chat;
  Role role;
  gboolean waiting;
  gboolean answered;
  GCancellable *cancellable;
  char *result_title;
  char *result_description;

  AdwWindowTitle *title;
  GtkWidget *back_button;
  GtkStack *stack;

  AdwEntryRow *question_row;
  AdwEntryRow *question_answer_row;
  GtkWidget *ask_button;

  AdwPasswordEntryRow *secret_row;
  GtkWidget *secret_button;

  GtkLabel *number_label;
  GtkSpinner *number_spinner;
  GtkLabel *number_error;
  GtkWidget *copy_button;
  GtkWidget *match_button;

  AdwPreferencesGroup *answer_group;
  GtkLabel *question_label;
  AdwEntryRow *answer_row;
  AdwPasswordEntryRow *answer_secret_row;
  GtkWidget *answer_button;

  AdwStatusPage *waiting_page;
  AdwStatusPage *result_page;
  GtkWidget *verify_back_button;
  GtkWidget *try_again_button;
};

G_DEFINE_FINAL_TYPE (MimpVerificationDialog, mimp_verification_dialog, ADW_TYPE_WINDOW)

/* ------------------------------------------------------------------ */
/* Helpers                                                            */
/* ------------------------------------------------------------------ */

static GtkWidget *
pill_button (const char *label, gboolean suggested)
{
  GtkWidget *button = gtk_button_new_with_mnemonic (label);

  gtk_widget_set_halign (button, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (button, "pill");
  if (suggested)
    gtk_widget_add_css_class (button, "suggested-action");
  return button;
}

/* A box for a page's buttons, centred under its rows. */
static GtkBox *
button_box (AdwPreferencesPage *page)
{
  AdwPreferencesGroup *group = ADW_PREFERENCES_GROUP (adw_preferences_group_new ());
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 12);

  adw_preferences_group_add (group, box);
  adw_preferences_page_add (page, group);
  return GTK_BOX (box);
}

static const char *
case_note (MimpVerificationDialog *self)
{
  return self->private_chat ? _ ("Answers are not case-sensitive.")
                            : _ ("Answers must match exactly, capitals included.");
}

/**
 * mimp_verification_format_safety_number:
 *
 * Returns: @number's digits in groups of five, four groups a line
 */
char *
mimp_verification_format_safety_number (const char *number)
{
  GString *out = g_string_new (NULL);
  guint digits = 0;

  for (const char *p = number; p != NULL && *p != '\0'; p++)
    {
      if (!g_ascii_isdigit (*p))
        continue;
      if (digits > 0 && digits % 20 == 0)
        g_string_append_c (out, '\n');
      else if (digits > 0 && digits % 5 == 0)
        g_string_append_c (out, ' ');
      g_string_append_c (out, *p);
      digits++;
    }
  return g_string_free (out, FALSE);
}

/* ------------------------------------------------------------------ */
/* Pages                                                              */
/* ------------------------------------------------------------------ */

static void
update_back_button (MimpVerificationDialog *self)
{
  const char *page = gtk_stack_get_visible_child_name (self->stack);

  gtk_widget_set_visible (self->back_button,
                          g_strcmp0 (page, MIMP_VERIFICATION_PAGE_QUESTION) == 0 ||
                              g_strcmp0 (page, MIMP_VERIFICATION_PAGE_SECRET) == 0 ||
                              g_strcmp0 (page, MIMP_VERIFICATION_PAGE_NUMBER) == 0);
}

static void safety_number_load (MimpVerificationDialog *self);

void
mimp_verification_dialog_show_page (MimpVerificationDialog *self, const char *page)
{
  GtkWidget *focus = NULL;

  g_return_if_fail (MIMP_IS_VERIFICATION_DIALOG (self));
  g_return_if_fail (gtk_stack_get_child_by_name (self->stack, page) != NULL);

  if (g_str_equal (page, MIMP_VERIFICATION_PAGE_NUMBER))
    {
      g_return_if_fail (self->private_chat);
      safety_number_load (self);
    }
  gtk_stack_set_visible_child_name (self->stack, page);
  update_back_button (self);
  if (g_str_equal (page, MIMP_VERIFICATION_PAGE_QUESTION))
    focus = GTK_WIDGET (self->question_row);
  else if (g_str_equal (page, MIMP_VERIFICATION_PAGE_SECRET))
    focus = GTK_WIDGET (self->secret_row);
  else if (g_str_equal (page, MIMP_VERIFICATION_PAGE_ANSWER))
    focus = gtk_widget_get_visible (GTK_WIDGET (self->answer_row))
                ? GTK_WIDGET (self->answer_row)
                : GTK_WIDGET (self->answer_secret_row);
  if (focus != NULL)
    gtk_widget_grab_focus (focus);
}

const char *
mimp_verification_dialog_get_page (MimpVerificationDialog *self)
{
  g_return_val_if_fail (MIMP_IS_VERIFICATION_DIALOG (self), NULL);
  return gtk_stack_get_visible_child_name (self->stack);
}

static void
on_back (MimpVerificationDialog *self)
{
  mimp_verification_dialog_show_page (self, MIMP_VERIFICATION_PAGE_METHODS);
}

static void
show_waiting (MimpVerificationDialog *self)
{
  g_autofree char *title = NULL;

  self->waiting = TRUE;
  if (self->role == ROLE_ASKED_QUESTION || self->role == ROLE_ASKED_SECRET)
    {
      /* Translators: %s is whom the question or secret went to */
      title = g_strdup_printf (_ ("Waiting for %s to answer…"), self->peer);
      adw_status_page_set_description (
          self->waiting_page,
          _ ("They have to be online to answer. You can close this window: the result will show "
             "when it arrives."));
    }
  else
    {
      title = g_strdup (_ ("Checking the Answer…"));
      adw_status_page_set_description (
          self->waiting_page,
          _ ("You can close this window: the result will show when it arrives."));
    }
  adw_status_page_set_title (self->waiting_page, title);
  mimp_verification_dialog_show_page (self, MIMP_VERIFICATION_PAGE_WAITING);
}

/* ------------------------------------------------------------------ */
/* Asking                                                             */
/* ------------------------------------------------------------------ */

static gboolean
is_blank (const char *text)
{
  for (const char *p = text; *p; p = g_utf8_next_char (p))
    if (!g_unichar_isspace (g_utf8_get_char (p)))
      return FALSE;
  return TRUE;
}

static const char *
text_of (gpointer editable)
{
  return gtk_editable_get_text (GTK_EDITABLE (editable));
}

static void
update_ask_buttons (MimpVerificationDialog *self)
{
  gtk_widget_set_sensitive (self->ask_button, !is_blank (text_of (self->question_row)) &&
                                                  !is_blank (text_of (self->question_answer_row)));
  gtk_widget_set_sensitive (self->secret_button, !is_blank (text_of (self->secret_row)));
  gtk_widget_set_sensitive (
      self->answer_button,
      !is_blank (text_of (gtk_widget_get_visible (GTK_WIDGET (self->answer_row))
                              ? (gpointer) self->answer_row
                              : (gpointer) self->answer_secret_row)));
}

static void
clear_entries (MimpVerificationDialog *self)
{
  /* Secrets stay in the dialog no longer than needed. */
  gtk_editable_set_text (GTK_EDITABLE (self->question_answer_row), "");
  gtk_editable_set_text (GTK_EDITABLE (self->secret_row), "");
  gtk_editable_set_text (GTK_EDITABLE (self->answer_row), "");
  gtk_editable_set_text (GTK_EDITABLE (self->answer_secret_row), "");
}

static void
on_ask (MimpVerificationDialog *self)
{
  if (!gtk_widget_get_sensitive (self->ask_button))
    return;
  self->role = ROLE_ASKED_QUESTION;
  mimp_account_start_verification (self->account, self->peer, text_of (self->question_row),
                                   text_of (self->question_answer_row));
  clear_entries (self);
  show_waiting (self);
}

static void
on_secret (MimpVerificationDialog *self)
{
  if (!gtk_widget_get_sensitive (self->secret_button))
    return;
  self->role = ROLE_ASKED_SECRET;
  mimp_account_start_verification (self->account, self->peer, NULL, text_of (self->secret_row));
  clear_entries (self);
  show_waiting (self);
}

/* ------------------------------------------------------------------ */
/* Answering                                                          */
/* ------------------------------------------------------------------ */

void
mimp_verification_dialog_asked (MimpVerificationDialog *self, const char *question)
{
  gboolean secret = question == NULL || *question == '\0';
  g_autofree char *title = NULL;
  g_autofree char *description = NULL;

  g_return_if_fail (MIMP_IS_VERIFICATION_DIALOG (self));

  self->role = secret ? ROLE_ANSWERING_SECRET : ROLE_ANSWERING_QUESTION;
  self->answered = FALSE;
  self->waiting = FALSE;
  clear_entries (self);
  if (secret)
    {
      /* Translators: %s wants to check who you are */
      title = g_strdup_printf (_ ("%s Wants to Verify"), self->peer);
      description = g_strdup_printf (
          _ ("Type the secret you agreed on with %s. It is never sent: only whether it is the "
             "same as theirs. %s"),
          self->peer, case_note (self));
    }
  else
    {
      /* Translators: %s asks you a question to check who you are */
      title = g_strdup_printf (_ ("%s Asks a Question"), self->peer);
      description = g_strdup_printf (
          _ ("Your answer is never sent: only whether it is the same as theirs. %s"),
          case_note (self));
    }
  adw_preferences_group_set_title (self->answer_group, title);
  adw_preferences_group_set_description (self->answer_group, description);
  gtk_label_set_text (self->question_label, secret ? "" : question);
  gtk_widget_set_visible (GTK_WIDGET (self->question_label), !secret);
  gtk_widget_set_visible (GTK_WIDGET (self->answer_row), !secret);
  gtk_widget_set_visible (GTK_WIDGET (self->answer_secret_row), secret);
  update_ask_buttons (self);
  mimp_verification_dialog_show_page (self, MIMP_VERIFICATION_PAGE_ANSWER);
}

static void
answer (MimpVerificationDialog *self, const char *text)
{
  if (self->answered ||
      (self->role != ROLE_ANSWERING_QUESTION && self->role != ROLE_ANSWERING_SECRET))
    return;
  self->answered = TRUE;
  mimp_account_answer_verification (self->account, self->peer, text);
}

static void
on_answer (MimpVerificationDialog *self)
{
  if (!gtk_widget_get_sensitive (self->answer_button))
    return;
  answer (self, text_of (self->role == ROLE_ANSWERING_SECRET ? (gpointer) self->answer_secret_row
                                                             : (gpointer) self->answer_row));
  clear_entries (self);
  show_waiting (self);
}

static void
on_decline (MimpVerificationDialog *self)
{
  /* Not answering is an answer too: the check then fails on both sides. */
  answer (self, "");
  clear_entries (self);
  gtk_window_destroy (GTK_WINDOW (self));
}

/* ------------------------------------------------------------------ */
/* The result                                                         */
/* ------------------------------------------------------------------ */

static void
set_result (MimpVerificationDialog *self, const char *icon, char *title, char *description)
{
  g_free (self->result_title);
  g_free (self->result_description);
  self->result_title = title;
  self->result_description = description;
  adw_status_page_set_icon_name (self->result_page, icon);
  adw_status_page_set_title (self->result_page, title);
  adw_status_page_set_description (self->result_page, description);
}

void
mimp_verification_dialog_finished (MimpVerificationDialog *self, gboolean matched,
                                   const GError *error)
{
  gboolean secret = self->role == ROLE_ASKED_SECRET || self->role == ROLE_ANSWERING_SECRET;
  gboolean verify_back = FALSE;

  g_return_if_fail (MIMP_IS_VERIFICATION_DIALOG (self));

  self->waiting = FALSE;
  clear_entries (self);
  if (error != NULL)
    set_result (self, "dialog-warning-symbolic", g_strdup (_ ("Verification Didn’t Finish")),
                mimp_describe_error (error));
  else if (!matched)
    set_result (self, "dialog-warning-symbolic", g_strdup (_ ("Verification Failed")),
                g_strdup (secret ? _ ("The secrets didn’t match. Either a secret was typed "
                                      "differently, or someone is intercepting this chat.")
                                 : _ ("The answers didn’t match. Either an answer was different, "
                                      "or someone is intercepting this chat.")));
  else if (!self->private_chat)
    /* Cryptully: the answer is not bound to the keys; claim no more. */
    set_result (self, "emblem-ok-symbolic", g_strdup (_ ("Same Answer")),
                g_strdup_printf (_ ("%s gave the same answer. This shows only that you both typed "
                                    "it; it does not prove that nobody is in the middle."),
                                 self->peer));
  else if (self->role == ROLE_ANSWERING_QUESTION)
    {
      /* One-way: the peer knows it is you; you don't know it is them yet. */
      verify_back = TRUE;
      set_result (self, "emblem-ok-symbolic",
                  /* Translators: %s checked who you are */
                  g_strdup_printf (_ ("%s Verified You"), self->peer),
                  g_strdup_printf (_ ("%s verified you. Verify %s too?"), self->peer, self->peer));
    }
  else
    set_result (self, "channel-secure-symbolic", g_strdup (_ ("Verified")),
                g_strdup_printf (_ ("You verified %s."), self->peer));

  gtk_widget_set_visible (self->verify_back_button, verify_back);
  gtk_widget_set_visible (self->try_again_button,
                          (error != NULL || !matched) && (self->role == ROLE_ASKED_QUESTION ||
                                                          self->role == ROLE_ASKED_SECRET));
  self->role = ROLE_NONE;
  mimp_verification_dialog_show_page (self, MIMP_VERIFICATION_PAGE_RESULT);
  gtk_window_present (GTK_WINDOW (self));
}

/**
 * mimp_verification_dialog_verified_by_peer:
 *
 * The peer's check made them trust this side's key: says so, and offers
 * to verify them in turn.
 */
void
mimp_verification_dialog_verified_by_peer (MimpVerificationDialog *self)
{
  g_return_if_fail (MIMP_IS_VERIFICATION_DIALOG (self));

  self->role = ROLE_ANSWERING_QUESTION;
  mimp_verification_dialog_finished (self, TRUE, NULL);
}

const char *
mimp_verification_dialog_get_result_title (MimpVerificationDialog *self)
{
  g_return_val_if_fail (MIMP_IS_VERIFICATION_DIALOG (self), NULL);
  return self->result_title;
}

const char *
mimp_verification_dialog_get_result_description (MimpVerificationDialog *self)
{
  g_return_val_if_fail (MIMP_IS_VERIFICATION_DIALOG (self), NULL);
  return self->result_description;
}

gboolean
mimp_verification_dialog_get_waiting (MimpVerificationDialog *self)
{
  g_return_val_if_fail (MIMP_IS_VERIFICATION_DIALOG (self), FALSE);
  return self->waiting;
}

/* ------------------------------------------------------------------ */
/* Safety numbers                                                     */
/* ------------------------------------------------------------------ */

/**
 * mimp_verification_dialog_set_safety_number:
 *
 * Shows @number, as the account worked it out (tests set it directly).
 */
void
mimp_verification_dialog_set_safety_number (MimpVerificationDialog *self, const char *number)
{
  g_autofree char *grouped = NULL;

  g_return_if_fail (MIMP_IS_VERIFICATION_DIALOG (self));
  g_return_if_fail (self->private_chat);

  gtk_spinner_stop (self->number_spinner);
  gtk_widget_set_visible (GTK_WIDGET (self->number_spinner), FALSE);
  gtk_widget_set_visible (GTK_WIDGET (self->number_error), FALSE);
  grouped = mimp_verification_format_safety_number (number);
  gtk_label_set_text (self->number_label, grouped);
  gtk_widget_set_visible (GTK_WIDGET (self->number_label), TRUE);
  gtk_widget_set_sensitive (self->copy_button, TRUE);
  gtk_widget_set_sensitive (self->match_button, TRUE);
}

static void
safety_number_done (GObject *source, GAsyncResult *result, gpointer data)
{
  g_autoptr (MimpVerificationDialog) self = data;
  g_autoptr (GError) error = NULL;
  g_autofree char *number = NULL;

  number = mimp_account_e2e_safety_number_finish (MIMP_ACCOUNT (source), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (number == NULL)
    {
      g_autofree char *reason = mimp_describe_error (error);
      /* Translators: %s says why */
      g_autofree char *text = g_strdup_printf (_ ("The safety number isn’t available: %s"), reason);

      gtk_spinner_stop (self->number_spinner);
      gtk_widget_set_visible (GTK_WIDGET (self->number_spinner), FALSE);
      gtk_label_set_text (self->number_error, text);
      gtk_widget_set_visible (GTK_WIDGET (self->number_error), TRUE);
      return;
    }
  mimp_verification_dialog_set_safety_number (self, number);
}

static void
safety_number_load (MimpVerificationDialog *self)
{
  if (gtk_widget_get_visible (GTK_WIDGET (self->number_label)) ||
      gtk_spinner_get_spinning (self->number_spinner))
    return;
  gtk_widget_set_visible (GTK_WIDGET (self->number_error), FALSE);
  gtk_widget_set_visible (GTK_WIDGET (self->number_spinner), TRUE);
  gtk_spinner_start (self->number_spinner);
  mimp_account_e2e_safety_number_async (self->account, self->peer, self->cancellable,
                                        safety_number_done, g_object_ref (self));
}

static void
on_copy (MimpVerificationDialog *self)
{
  g_autofree char *line = g_strdup (gtk_label_get_text (self->number_label));

  g_strdelimit (line, "\n", ' ');
  gdk_clipboard_set_text (gtk_widget_get_clipboard (GTK_WIDGET (self)), line);
  gtk_button_set_label (GTK_BUTTON (self->copy_button), _ ("Copied"));
}

static void
match_response (AdwMessageDialog *dialog, const char *response, MimpVerificationDialog *self)
{
  if (!g_str_equal (response, "verify"))
    return;
  mimp_account_e2e_set_verified (self->account, self->peer, TRUE);
  self->role = ROLE_ASKED_QUESTION; /* the same result: this side verified the peer */
  mimp_verification_dialog_finished (self, TRUE, NULL);
}

static void
on_match (MimpVerificationDialog *self)
{
  g_autofree char *heading = NULL;
  g_autofree char *body = NULL;
  GtkWidget *dialog;

  /* Translators: %s is whom the user compared safety numbers with */
  heading = g_strdup_printf (_ ("Mark %s as Verified?"), self->peer);
  body = g_strdup_printf (_ ("Do this only if every digit is the same as in the number %s sees, "
                             "compared in person or on a call where you recognised them."),
                          self->peer);
  dialog = adw_message_dialog_new (GTK_WINDOW (self), heading, body);
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog), "cancel", _ ("_Cancel"), "verify",
                                    _ ("_Mark as Verified"), NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "verify",
                                              ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  g_signal_connect_object (dialog, "response", G_CALLBACK (match_response), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

/* ------------------------------------------------------------------ */
/* Building                                                           */
/* ------------------------------------------------------------------ */

static GtkWidget *
method_row (MimpVerificationDialog *self, const char *name, const char *icon, const char *title,
            const char *subtitle)
{
  GtkWidget *row = adw_action_row_new ();

  gtk_widget_set_name (row, name);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  adw_preferences_row_set_use_underline (ADW_PREFERENCES_ROW (row), TRUE);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
  adw_action_row_add_prefix (ADW_ACTION_ROW (row), gtk_image_new_from_icon_name (icon));
  adw_action_row_add_suffix (ADW_ACTION_ROW (row),
                             gtk_image_new_from_icon_name ("go-next-symbolic"));
  gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), TRUE);
  return row;
}

static void
on_method_activated (MimpVerificationDialog *self, AdwActionRow *row)
{
  mimp_verification_dialog_show_page (self, gtk_widget_get_name (GTK_WIDGET (row)));
}

static GtkWidget *
build_methods (MimpVerificationDialog *self)
{
  AdwPreferencesPage *page = ADW_PREFERENCES_PAGE (adw_preferences_page_new ());
  AdwPreferencesGroup *group = ADW_PREFERENCES_GROUP (adw_preferences_group_new ());
  g_autofree char *description = NULL;
  g_autofree char *question = NULL;
  GtkWidget *row;

  /* Translators: %s is whom the chat is with */
  description = g_strdup_printf (_ ("Check that you are really writing to %s, and that nobody "
                                    "is in between. Choose how:"),
                                 self->peer);
  adw_preferences_group_set_description (group, description);
  /* Translators: %s answers the question */
  question = g_strdup_printf (_ ("%s answers a question only the two of you know"), self->peer);
  row = method_row (self, MIMP_VERIFICATION_PAGE_QUESTION, "dialog-question-symbolic",
                    _ ("_Ask a Question"), question);
  g_signal_connect_swapped (row, "activated", G_CALLBACK (on_method_activated), self);
  adw_preferences_group_add (group, row);
  row = method_row (self, MIMP_VERIFICATION_PAGE_SECRET, "dialog-password-symbolic",
                    _ ("Use a Shared _Secret"), _ ("You both type a secret you agreed on"));
  g_signal_connect_swapped (row, "activated", G_CALLBACK (on_method_activated), self);
  adw_preferences_group_add (group, row);
  if (self->private_chat)
    {
      row =
          method_row (self, MIMP_VERIFICATION_PAGE_NUMBER, "view-grid-symbolic",
                      _ ("Compare Safety _Numbers"), _ ("Compare a number in person or on a call"));
      g_signal_connect_swapped (row, "activated", G_CALLBACK (on_method_activated), self);
      adw_preferences_group_add (group, row);
    }
  adw_preferences_page_add (page, group);
  return GTK_WIDGET (page);
}

static AdwEntryRow *
entry_row (AdwPreferencesGroup *group, const char *name, const char *title, gboolean password,
           MimpVerificationDialog *self, GCallback activate)
{
  GtkWidget *row = password ? adw_password_entry_row_new () : adw_entry_row_new ();

  gtk_widget_set_name (row, name);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  g_signal_connect_swapped (row, "changed", G_CALLBACK (update_ask_buttons), self);
  if (activate != NULL)
    {
      adw_entry_row_set_activates_default (ADW_ENTRY_ROW (row), FALSE);
      g_signal_connect_swapped (row, "entry-activated", activate, self);
    }
  adw_preferences_group_add (group, row);
  return ADW_ENTRY_ROW (row);
}

static GtkWidget *
build_question (MimpVerificationDialog *self)
{
  AdwPreferencesPage *page = ADW_PREFERENCES_PAGE (adw_preferences_page_new ());
  AdwPreferencesGroup *group = ADW_PREFERENCES_GROUP (adw_preferences_group_new ());
  GtkBox *buttons;
  g_autofree char *description = NULL;

  adw_preferences_group_set_title (group, _ ("Ask a Question"));
  /* Translators: %s is who is asked; the last %s says whether capitals count */
  description = g_strdup_printf (_ ("Ask %s something only the two of you know, and type the "
                                    "answer you expect. Your answer is never sent: only whether "
                                    "it is the same as theirs. %s"),
                                 self->peer, case_note (self));
  adw_preferences_group_set_description (group, description);
  self->question_row = entry_row (group, "question-entry", _ ("Question"), FALSE, self, NULL);
  self->question_answer_row =
      entry_row (group, "question-answer", _ ("Answer"), FALSE, self, G_CALLBACK (on_ask));
  adw_preferences_page_add (page, group);

  buttons = button_box (page);
  self->ask_button = pill_button (_ ("_Ask"), TRUE);
  gtk_widget_set_name (self->ask_button, "ask");
  g_signal_connect_swapped (self->ask_button, "clicked", G_CALLBACK (on_ask), self);
  gtk_box_append (buttons, self->ask_button);
  return GTK_WIDGET (page);
}

static GtkWidget *
build_secret (MimpVerificationDialog *self)
{
  AdwPreferencesPage *page = ADW_PREFERENCES_PAGE (adw_preferences_page_new ());
  AdwPreferencesGroup *group = ADW_PREFERENCES_GROUP (adw_preferences_group_new ());
  GtkBox *buttons;
  g_autofree char *description = NULL;

  adw_preferences_group_set_title (group, _ ("Use a Shared Secret"));
  /* Translators: %s is whom the secret is shared with; the last %s says whether capitals count */
  description = g_strdup_printf (_ ("Agree on a secret with %s in person or on a call, not in "
                                    "this chat. You both type it; it is never sent, only whether "
                                    "both are the same. %s"),
                                 self->peer, case_note (self));
  adw_preferences_group_set_description (group, description);
  self->secret_row = ADW_PASSWORD_ENTRY_ROW (
      entry_row (group, "secret-entry", _ ("Shared Secret"), TRUE, self, G_CALLBACK (on_secret)));
  adw_preferences_page_add (page, group);

  buttons = button_box (page);
  self->secret_button = pill_button (_ ("_Verify"), TRUE);
  gtk_widget_set_name (self->secret_button, "verify-secret");
  g_signal_connect_swapped (self->secret_button, "clicked", G_CALLBACK (on_secret), self);
  gtk_box_append (buttons, self->secret_button);
  return GTK_WIDGET (page);
}

static GtkWidget *
build_number (MimpVerificationDialog *self)
{
  AdwPreferencesPage *page = ADW_PREFERENCES_PAGE (adw_preferences_page_new ());
  AdwPreferencesGroup *group = ADW_PREFERENCES_GROUP (adw_preferences_group_new ());
  GtkBox *buttons;
  g_autofree char *description = NULL;
  GtkWidget *card = gtk_box_new (GTK_ORIENTATION_VERTICAL, 12);

  adw_preferences_group_set_title (group, _ ("Compare Safety Numbers"));
  /* Translators: %s is whom the numbers are compared with */
  description = g_strdup_printf (_ ("Compare this number with the one %s sees, in person or on a "
                                    "call. It is the same on both sides only when nobody is in "
                                    "between."),
                                 self->peer);
  adw_preferences_group_set_description (group, description);

  gtk_widget_add_css_class (card, "card");
  gtk_widget_add_css_class (card, "safety-number");
  self->number_spinner = GTK_SPINNER (gtk_spinner_new ());
  gtk_widget_set_size_request (GTK_WIDGET (self->number_spinner), 32, 32);
  gtk_widget_set_margin_top (GTK_WIDGET (self->number_spinner), 18);
  gtk_widget_set_margin_bottom (GTK_WIDGET (self->number_spinner), 18);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->number_spinner),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _ ("Working out the number"), -1);
  gtk_box_append (GTK_BOX (card), GTK_WIDGET (self->number_spinner));

  self->number_label = GTK_LABEL (gtk_label_new (NULL));
  gtk_widget_set_name (GTK_WIDGET (self->number_label), "safety-number");
  gtk_label_set_selectable (self->number_label, TRUE);
  gtk_label_set_justify (self->number_label, GTK_JUSTIFY_CENTER);
  gtk_widget_set_visible (GTK_WIDGET (self->number_label), FALSE);
  gtk_widget_set_margin_top (GTK_WIDGET (self->number_label), 18);
  gtk_widget_set_margin_start (GTK_WIDGET (self->number_label), 12);
  gtk_widget_set_margin_end (GTK_WIDGET (self->number_label), 12);
  gtk_widget_add_css_class (GTK_WIDGET (self->number_label), "monospace");
  gtk_widget_add_css_class (GTK_WIDGET (self->number_label), "title-4");
  gtk_box_append (GTK_BOX (card), GTK_WIDGET (self->number_label));

  self->number_error = GTK_LABEL (gtk_label_new (NULL));
  gtk_label_set_wrap (self->number_error, TRUE);
  gtk_widget_set_visible (GTK_WIDGET (self->number_error), FALSE);
  gtk_widget_set_margin_top (GTK_WIDGET (self->number_error), 18);
  gtk_widget_set_margin_bottom (GTK_WIDGET (self->number_error), 18);
  gtk_widget_set_margin_start (GTK_WIDGET (self->number_error), 12);
  gtk_widget_set_margin_end (GTK_WIDGET (self->number_error), 12);
  gtk_widget_add_css_class (GTK_WIDGET (self->number_error), "error");
  gtk_box_append (GTK_BOX (card), GTK_WIDGET (self->number_error));

  self->copy_button = gtk_button_new_with_mnemonic (_ ("_Copy"));
  gtk_widget_set_name (self->copy_button, "copy");
  gtk_widget_set_halign (self->copy_button, GTK_ALIGN_CENTER);
  gtk_widget_set_margin_bottom (self->copy_button, 12);
  gtk_widget_set_sensitive (self->copy_button, FALSE);
  gtk_widget_set_tooltip_text (self->copy_button, _ ("Copy the safety number"));
  gtk_widget_add_css_class (self->copy_button, "flat");
  g_signal_connect_swapped (self->copy_button, "clicked", G_CALLBACK (on_copy), self);
  gtk_box_append (GTK_BOX (card), self->copy_button);
  adw_preferences_group_add (group, card);
  adw_preferences_page_add (page, group);

  buttons = button_box (page);
  self->match_button = pill_button (_ ("They _Match"), TRUE);
  gtk_widget_set_name (self->match_button, "match");
  gtk_widget_set_sensitive (self->match_button, FALSE);
  g_signal_connect_swapped (self->match_button, "clicked", G_CALLBACK (on_match), self);
  gtk_box_append (buttons, self->match_button);
  return GTK_WIDGET (page);
}

static GtkWidget *
build_answer (MimpVerificationDialog *self)
{
  AdwPreferencesPage *page = ADW_PREFERENCES_PAGE (adw_preferences_page_new ());
  AdwPreferencesGroup *rows = ADW_PREFERENCES_GROUP (adw_preferences_group_new ());
  GtkBox *buttons;
  GtkWidget *decline;

  self->answer_group = ADW_PREFERENCES_GROUP (adw_preferences_group_new ());
  self->question_label = GTK_LABEL (gtk_label_new (NULL));
  gtk_widget_set_name (GTK_WIDGET (self->question_label), "question");
  gtk_label_set_wrap (self->question_label, TRUE);
  gtk_label_set_wrap_mode (self->question_label, PANGO_WRAP_WORD_CHAR);
  gtk_label_set_xalign (self->question_label, 0);
  gtk_widget_add_css_class (GTK_WIDGET (self->question_label), "title-4");
  gtk_label_set_selectable (self->question_label, TRUE);
  /* The question first, then where the answer goes (a group shows its rows
   * before its other children). */
  adw_preferences_group_add (self->answer_group, GTK_WIDGET (self->question_label));
  adw_preferences_page_add (page, self->answer_group);
  self->answer_row =
      entry_row (rows, "answer-entry", _ ("Your Answer"), FALSE, self, G_CALLBACK (on_answer));
  self->answer_secret_row = ADW_PASSWORD_ENTRY_ROW (
      entry_row (rows, "answer-secret", _ ("Shared Secret"), TRUE, self, G_CALLBACK (on_answer)));
  adw_preferences_page_add (page, rows);

  buttons = button_box (page);
  self->answer_button = pill_button (_ ("_Answer"), TRUE);
  gtk_widget_set_name (self->answer_button, "answer");
  g_signal_connect_swapped (self->answer_button, "clicked", G_CALLBACK (on_answer), self);
  gtk_box_append (buttons, self->answer_button);
  decline = pill_button (_ ("_Don’t Answer"), FALSE);
  gtk_widget_set_name (decline, "decline");
  g_signal_connect_swapped (decline, "clicked", G_CALLBACK (on_decline), self);
  gtk_box_append (buttons, decline);
  return GTK_WIDGET (page);
}

static GtkWidget *
build_waiting (MimpVerificationDialog *self)
{
  GtkWidget *spinner = gtk_spinner_new ();

  self->waiting_page = ADW_STATUS_PAGE (adw_status_page_new ());
  gtk_widget_add_css_class (GTK_WIDGET (self->waiting_page), "compact");
  gtk_widget_set_size_request (spinner, 32, 32);
  gtk_widget_set_halign (spinner, GTK_ALIGN_CENTER);
  gtk_spinner_start (GTK_SPINNER (spinner));
  gtk_accessible_update_property (GTK_ACCESSIBLE (spinner), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _ ("Waiting"), -1);
  adw_status_page_set_child (self->waiting_page, spinner);
  return GTK_WIDGET (self->waiting_page);
}

static void
on_close_clicked (MimpVerificationDialog *self)
{
  gtk_window_close (GTK_WINDOW (self));
}

static GtkWidget *
build_result (MimpVerificationDialog *self)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 12);
  GtkWidget *close;
  g_autofree char *verify = NULL;

  self->result_page = ADW_STATUS_PAGE (adw_status_page_new ());
  gtk_widget_add_css_class (GTK_WIDGET (self->result_page), "compact");
  /* Translators: verifying in turn the person who verified you */
  verify = g_strdup_printf (_ ("_Verify %s…"), self->peer);
  self->verify_back_button = pill_button (verify, TRUE);
  gtk_widget_set_name (self->verify_back_button, "verify-back");
  g_signal_connect_swapped (self->verify_back_button, "clicked", G_CALLBACK (on_back), self);
  gtk_box_append (GTK_BOX (box), self->verify_back_button);
  self->try_again_button = pill_button (_ ("_Try Again"), FALSE);
  gtk_widget_set_name (self->try_again_button, "try-again");
  g_signal_connect_swapped (self->try_again_button, "clicked", G_CALLBACK (on_back), self);
  gtk_box_append (GTK_BOX (box), self->try_again_button);
  close = pill_button (_ ("_Close"), FALSE);
  g_signal_connect_swapped (close, "clicked", G_CALLBACK (on_close_clicked), self);
  gtk_box_append (GTK_BOX (box), close);
  adw_status_page_set_child (self->result_page, box);
  return GTK_WIDGET (self->result_page);
}

static gboolean
close_request (GtkWindow *window)
{
  MimpVerificationDialog *self = MIMP_VERIFICATION_DIALOG (window);

  clear_entries (self);
  if (self->waiting)
    {
      /* Kept, hidden, to show the result when it comes. */
      gtk_widget_set_visible (GTK_WIDGET (self), FALSE);
      return TRUE;
    }
  if (g_strcmp0 (gtk_stack_get_visible_child_name (self->stack), MIMP_VERIFICATION_PAGE_ANSWER) ==
      0)
    answer (self, "");
  return GTK_WINDOW_CLASS (mimp_verification_dialog_parent_class)->close_request (window);
}

static void
mimp_verification_dialog_dispose (GObject *object)
{
  MimpVerificationDialog *self = MIMP_VERIFICATION_DIALOG (object);

  g_cancellable_cancel (self->cancellable);
  G_OBJECT_CLASS (mimp_verification_dialog_parent_class)->dispose (object);
}

static void
mimp_verification_dialog_finalize (GObject *object)
{
  MimpVerificationDialog *self = MIMP_VERIFICATION_DIALOG (object);

  g_clear_object (&self->cancellable);
  g_clear_object (&self->account);
  g_free (self->peer);
  g_free (self->result_title);
  g_free (self->result_description);
  G_OBJECT_CLASS (mimp_verification_dialog_parent_class)->finalize (object);
}

static void
mimp_verification_dialog_class_init (MimpVerificationDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);

  object_class->dispose = mimp_verification_dialog_dispose;
  object_class->finalize = mimp_verification_dialog_finalize;
  window_class->close_request = close_request;
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
mimp_verification_dialog_init (MimpVerificationDialog *self)
{
  self->cancellable = g_cancellable_new ();
}

static void
build (MimpVerificationDialog *self)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  GtkWidget *header = adw_header_bar_new ();
  g_autofree char *title = NULL;
  g_autofree char *account_name = NULL;

  /* Translators: the verification dialog's title; %s is whom the chat is with */
  title = g_strdup_printf (_ ("Verify %s"), self->peer);
  gtk_window_set_title (GTK_WINDOW (self), title);
  /* Which of the user's accounts it is for, as the chat's header says. */
  account_name = mimp_account_dup_display_name (self->account);
  self->title = ADW_WINDOW_TITLE (adw_window_title_new (title, account_name));
  adw_header_bar_set_title_widget (ADW_HEADER_BAR (header), GTK_WIDGET (self->title));
  self->back_button = gtk_button_new_from_icon_name ("go-previous-symbolic");
  gtk_widget_set_tooltip_text (self->back_button, _ ("Back"));
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->back_button), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _ ("Back"), -1);
  g_signal_connect_swapped (self->back_button, "clicked", G_CALLBACK (on_back), self);
  adw_header_bar_pack_start (ADW_HEADER_BAR (header), self->back_button);
  gtk_box_append (GTK_BOX (box), header);

  self->stack = GTK_STACK (gtk_stack_new ());
  gtk_stack_set_transition_type (self->stack, GTK_STACK_TRANSITION_TYPE_CROSSFADE);
  gtk_widget_set_vexpand (GTK_WIDGET (self->stack), TRUE);
  gtk_stack_add_named (self->stack, build_methods (self), MIMP_VERIFICATION_PAGE_METHODS);
  gtk_stack_add_named (self->stack, build_question (self), MIMP_VERIFICATION_PAGE_QUESTION);
  gtk_stack_add_named (self->stack, build_secret (self), MIMP_VERIFICATION_PAGE_SECRET);
  if (self->private_chat)
    gtk_stack_add_named (self->stack, build_number (self), MIMP_VERIFICATION_PAGE_NUMBER);
  gtk_stack_add_named (self->stack, build_answer (self), MIMP_VERIFICATION_PAGE_ANSWER);
  gtk_stack_add_named (self->stack, build_waiting (self), MIMP_VERIFICATION_PAGE_WAITING);
  gtk_stack_add_named (self->stack, build_result (self), MIMP_VERIFICATION_PAGE_RESULT);
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (self->stack));
  adw_window_set_content (ADW_WINDOW (self), box);
  update_ask_buttons (self);
  update_back_button (self);
}

/**
 * mimp_verification_dialog_new:
 * @private_chat: whether the chat is a private one (its verification is
 *   bound to the keys, answers are not case-sensitive, and it has safety
 *   numbers), rather than an account type's own (Cryptully)
 *
 * Returns: (transfer none): a dialog showing the choice of method
 */
MimpVerificationDialog *
mimp_verification_dialog_new (GtkWindow *parent, MimpAccount *account, const char *peer,
                              gboolean private_chat)
{
  MimpVerificationDialog *self;

  g_return_val_if_fail (MIMP_IS_ACCOUNT (account), NULL);
  g_return_val_if_fail (peer != NULL, NULL);

  self = g_object_new (MIMP_TYPE_VERIFICATION_DIALOG, "modal", TRUE, "transient-for", parent,
                       "default-width", 420, "default-height", 520, "width-request", 300,
                       "height-request", 300, NULL);
  self->account = g_object_ref (account);
  self->peer = g_strdup (peer);
  self->private_chat = private_chat;
  build (self);
  return self;
}

MimpAccount *
mimp_verification_dialog_get_account (MimpVerificationDialog *self)
{
  g_return_val_if_fail (MIMP_IS_VERIFICATION_DIALOG (self), NULL);
  return self->account;
}

const char *
mimp_verification_dialog_get_peer (MimpVerificationDialog *self)
{
  g_return_val_if_fail (MIMP_IS_VERIFICATION_DIALOG (self), NULL);
  return self->peer;
}
