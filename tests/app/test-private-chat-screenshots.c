/* test-private-chat-screenshots.c - private chats as a person sees them
 *
 * On the in-memory test protocol with end-to-end capabilities, in the real
 * window, with the chat's privacy and the messages' protection set
 * directly (the logic that sets them is tested elsewhere): each state of
 * the chat header (its words, icon, accessible name, popover sentence and
 * actions; the key-change bar only when the key changed; the composer
 * saying why sending is paused), the confirmations behind "Send
 * Unencrypted…" and "Accept New Key…", the verification dialog through
 * each method, waiting, failure and success, the answer to a peer's
 * question, and the marks of messages that came unencrypted, could not be
 * decrypted, or never arrived; wide and narrow. Each is checked, then saved
 * under the build directory (app/screenshots/private-*.png).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <adwaita.h>
#include <string.h>

#include "mimp-application.h"
#include "mimp-chat-list.h"
#include "mimp-test-protocol.h"
#include "mimp-verification-dialog.h"
#include "mimp-window.h"
#include "test-util.h"

#define WIDE_WIDTH 960
#define NARROW_WIDTH 360
#define HEIGHT 640

static struct
{
  MimpApplication *app;
  MimpTestNetwork *net;
  MimpAccount *alice;
  gboolean ok;
} fx;

static MimpWindow *
window (void)
{
  return MIMP_WINDOW (gtk_application_get_active_window (GTK_APPLICATION (fx.app)));
}

static MimpChat *
chat_of (const char *peer)
{
  g_autofree char *key = mimp_chat_make_key (mimp_account_get_id (fx.alice), peer);

  return mimp_chat_list_lookup (mimp_application_get_chats (fx.app), key);
}

static GtkWidget *
named (GtkWidget *under, const char *name)
{
  GtkWidget *widget = test_find_named (under, name);

  g_assert_nonnull (widget);
  return widget;
}

static gboolean
has_chat (gpointer peer)
{
  return chat_of (peer) != NULL;
}

static gboolean
has_messages (gpointer n)
{
  MimpChat *chat = chat_of ("bob");

  return mimp_chat_get_loaded (chat) && !mimp_chat_get_loading (chat) &&
         g_list_model_get_n_items (G_LIST_MODEL (chat)) >= GPOINTER_TO_UINT (n);
}

static void
assert_accessible_label (GtkWidget *widget, const char *label)
{
  g_autofree char *differs = gtk_test_accessible_check_property (
      GTK_ACCESSIBLE (widget), GTK_ACCESSIBLE_PROPERTY_LABEL, label);

  if (differs != NULL)
    g_error ("accessible label of %s: %s, not %s", gtk_widget_get_name (widget), differs, label);
}

static void
assert_accessible_description (GtkWidget *widget, const char *description)
{
  g_autofree char *differs = gtk_test_accessible_check_property (
      GTK_ACCESSIBLE (widget), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, description);

  if (differs != NULL)
    g_error ("accessible description of %s: %s, not %s", gtk_widget_get_name (widget), differs,
             description);
}

static void
set_width (int width)
{
  gtk_window_set_default_size (GTK_WINDOW (window ()), width, HEIGHT);
  test_settle (400);
  /* The default size counts the decorations' shadow too. */
  g_assert_cmpint (gtk_widget_get_width (GTK_WIDGET (window ())), <=, width);
  g_assert_cmpint (gtk_widget_get_width (GTK_WIDGET (window ())), >=, width - 40);
}

/* ------------------------------------------------------------------ */
/* The header in each state                                           */
/* ------------------------------------------------------------------ */

typedef struct
{
  MimpChatPrivacy privacy;
  const char *name;
  const char *label;
  const char *word; /* the label, short, in the header */
  const char *icon;
  const char *sentence;
  gboolean verify;
  gboolean send_unencrypted;
  gboolean accept_key;
} State;

static const State states[] = {
  { MIMP_CHAT_PRIVACY_NONE, "none", "Not encrypted", "Not encrypted", "channel-insecure-symbolic",
    "Anyone on the network and the server can read these messages.", FALSE, FALSE, FALSE },
  { MIMP_CHAT_PRIVACY_WAITING, "waiting", "Waiting for keys", "Waiting",
    "preferences-system-time-symbolic",
    "Your messages will be sent encrypted once bob has been online.", FALSE, TRUE, FALSE },
  { MIMP_CHAT_PRIVACY_UNVERIFIED, "unverified", "Encrypted, not verified", "Unverified", NULL,
    "The server can’t read these messages. You haven’t confirmed this is really bob’s key.", TRUE,
    FALSE, FALSE },
  { MIMP_CHAT_PRIVACY_VERIFIED, "verified", "Verified", "Verified", "channel-secure-symbolic",
    "You verified bob’s key.", TRUE, FALSE, FALSE },
  { MIMP_CHAT_PRIVACY_KEY_CHANGED, "key-changed", "Key changed", "Key changed",
    "dialog-error-symbolic", "bob’s key is different from the one you verified. Sending is paused.",
    TRUE, FALSE, TRUE },
};

static void
check_header (const State *state, gboolean wide)
{
  GtkWidget *win = GTK_WIDGET (window ());
  GtkWidget *security = named (win, "security");
  GtkWidget *state_label = named (security, "security-state");
  GtkImage *icon = GTK_IMAGE (test_find_type (security, GTK_TYPE_IMAGE));
  GtkPopover *popover = gtk_menu_button_get_popover (GTK_MENU_BUTTON (security));
  GtkWidget *bar = named (win, "key-change-bar");
  g_autofree char *accessible = g_strdup_printf ("Who can read this chat: %s", state->label);
  const char *icon_name = gtk_image_get_icon_name (icon);
  const char *placeholder;

  g_assert_true (gtk_widget_get_mapped (security));
  /* A short word in the header, the whole label in the tooltip, the
   * popover and the accessible name. */
  g_assert_cmpstr (gtk_label_get_text (GTK_LABEL (state_label)), ==, state->word);
  g_assert_cmpstr (gtk_widget_get_tooltip_text (security), ==, state->label);
  /* The words in the header when there is room; the accessible name always. */
  g_assert_cmpint (gtk_widget_get_mapped (state_label), ==, wide);
  /* Whole, with GNOME's title buttons (close only) or all three. */
  if (wide)
    g_assert_false (pango_layout_is_ellipsized (gtk_label_get_layout (GTK_LABEL (state_label))));
  assert_accessible_label (security, accessible);
  assert_accessible_description (security, state->sentence);
  if (state->icon != NULL)
    g_assert_cmpstr (icon_name, ==, state->icon);
  /* Each state its own icon; a closed lock for a verified chat only. */
  for (guint i = 0; i < G_N_ELEMENTS (states); i++)
    if (states[i].privacy != state->privacy && states[i].privacy != MIMP_CHAT_PRIVACY_NONE)
      g_assert_cmpstr (icon_name, !=,
                       states[i].icon != NULL
                           ? states[i].icon
                           : mimp_security_level_get_icon_name (MIMP_SECURITY_UNVERIFIED));
  g_assert_cmpint (g_strcmp0 (icon_name, "channel-secure-symbolic") == 0, ==,
                   state->privacy == MIMP_CHAT_PRIVACY_VERIFIED);

  g_assert_cmpstr (
      gtk_label_get_text (GTK_LABEL (named (GTK_WIDGET (popover), "security-heading"))), ==,
      state->label);
  g_assert_cmpstr (
      gtk_label_get_text (GTK_LABEL (named (GTK_WIDGET (popover), "security-sentence"))), ==,
      state->sentence);
  g_assert_cmpstr (
      gtk_label_get_text (GTK_LABEL (named (GTK_WIDGET (popover), "security-metadata"))), ==,
      "The server still sees who you talk to, when, and roughly how much.");
  g_assert_cmpint (gtk_widget_get_visible (named (GTK_WIDGET (popover), "verify")), ==,
                   state->verify);
  g_assert_cmpint (gtk_widget_get_visible (named (GTK_WIDGET (popover), "send-unencrypted")), ==,
                   state->send_unencrypted);
  g_assert_cmpint (gtk_widget_get_visible (named (GTK_WIDGET (popover), "accept-key")), ==,
                   state->accept_key);

  /* The bar only when the key changed, and the composer says why it waits. */
  g_assert_true (
      test_wait_revealed (GTK_REVEALER (bar), state->privacy == MIMP_CHAT_PRIVACY_KEY_CHANGED, 10));
  placeholder =
      state->privacy == MIMP_CHAT_PRIVACY_KEY_CHANGED ? "Sending paused: check bob’s new key"
      : state->privacy == MIMP_CHAT_PRIVACY_WAITING   ? "Message bob (sent when they’re online)"
                                                      : "Message bob";
  g_assert_nonnull (test_find_label (win, placeholder));
  if (state->privacy == MIMP_CHAT_PRIVACY_KEY_CHANGED)
    {
      g_assert_cmpstr (gtk_label_get_text (GTK_LABEL (named (bar, "key-change-text"))), ==,
                       "bob’s key changed. Messages are paused until you check it.");
      g_assert_true (gtk_widget_get_mapped (named (bar, "key-change-verify")));
      g_assert_true (gtk_widget_get_mapped (named (bar, "key-change-accept")));
    }
}

static void
set_privacy (MimpChatPrivacy privacy)
{
  mimp_chat_set_privacy (chat_of ("bob"), privacy);
  test_settle (400);
}

static void
header_states (void)
{
  GtkWidget *security = named (GTK_WIDGET (window ()), "security");

  for (guint i = 0; i < G_N_ELEMENTS (states); i++)
    {
      g_autofree char *name = g_strdup_printf ("private-%s", states[i].name);
      g_autofree char *popover_name = g_strdup_printf ("private-%s-popover", states[i].name);

      set_privacy (states[i].privacy);
      check_header (&states[i], TRUE);
      test_screenshot (GTK_WINDOW (window ()), name);
      gtk_menu_button_popup (GTK_MENU_BUTTON (security));
      test_settle (300);
      g_assert_true (gtk_widget_get_mapped (
          named (GTK_WIDGET (gtk_menu_button_get_popover (GTK_MENU_BUTTON (security))),
                 "security-sentence")));
      test_screenshot (GTK_WINDOW (window ()), popover_name);
      gtk_menu_button_popdown (GTK_MENU_BUTTON (security));
      test_settle (200);
    }

  /* With minimize and maximize too, as some set them up: the words still
   * whole. */
  g_object_set (gtk_settings_get_default (), "gtk-decoration-layout",
                "appmenu:minimize,maximize,close", NULL);
  for (guint i = 0; i < G_N_ELEMENTS (states); i++)
    {
      set_privacy (states[i].privacy);
      check_header (&states[i], TRUE);
      if (states[i].privacy == MIMP_CHAT_PRIVACY_UNVERIFIED)
        test_screenshot (GTK_WINDOW (window ()), "private-unverified-window-buttons");
    }
  g_object_set (gtk_settings_get_default (), "gtk-decoration-layout", "appmenu:close", NULL);

  /* Narrow: the words leave the header (the accessible name stays), the
   * bar's buttons go under its words. */
  set_width (NARROW_WIDTH);
  check_header (&states[G_N_ELEMENTS (states) - 1], FALSE);
  test_screenshot (GTK_WINDOW (window ()), "private-key-changed-narrow");
  set_privacy (MIMP_CHAT_PRIVACY_WAITING);
  check_header (&states[1], FALSE);
  test_screenshot (GTK_WINDOW (window ()), "private-waiting-narrow");
  set_width (WIDE_WIDTH);
}

/* ------------------------------------------------------------------ */
/* Confirmations                                                      */
/* ------------------------------------------------------------------ */

static AdwMessageDialog *
shown_message_dialog (void)
{
  AdwMessageDialog *dialog = test_find_toplevel (ADW_TYPE_MESSAGE_DIALOG);

  g_assert_nonnull (dialog);
  return dialog;
}

/* Answers @dialog as a click on @response would. */
static void
respond (AdwMessageDialog *dialog, const char *response)
{
  adw_message_dialog_response (dialog, response);
  gtk_window_close (GTK_WINDOW (dialog));
  test_settle (300);
}

static void
confirmations (void)
{
  AdwMessageDialog *dialog;

  set_privacy (MIMP_CHAT_PRIVACY_WAITING);
  gtk_widget_activate_action (GTK_WIDGET (mimp_window_get_chat_view (window ())),
                              "chat.send-unencrypted", NULL);
  test_settle (300);
  dialog = shown_message_dialog ();
  g_assert_cmpstr (adw_message_dialog_get_heading (dialog), ==, "Send Unencrypted to bob?");
  /* Says plainly who can read them (the test network has no TLS). */
  g_assert_nonnull (strstr (adw_message_dialog_get_body (dialog),
                            "the server, and anyone on the network between you, can read them"));
  g_assert_cmpstr (adw_message_dialog_get_response_label (dialog, "cancel"), ==, "_Keep Waiting");
  g_assert_cmpint (adw_message_dialog_get_response_appearance (dialog, "send"), ==,
                   ADW_RESPONSE_DESTRUCTIVE);
  test_screenshot (GTK_WINDOW (dialog), "private-send-unencrypted");
  respond (dialog, "cancel");
  g_assert_null (test_find_toplevel (ADW_TYPE_MESSAGE_DIALOG));
  /* Keeping on waiting changed nothing. */
  g_assert_cmpint (mimp_chat_get_privacy (chat_of ("bob")), ==, MIMP_CHAT_PRIVACY_WAITING);

  /* Only offered where it means something. */
  set_privacy (MIMP_CHAT_PRIVACY_UNVERIFIED);
  g_assert_false (gtk_widget_is_sensitive (
      named (GTK_WIDGET (window ()), "key-change-accept"))); /* its action is off */

  set_privacy (MIMP_CHAT_PRIVACY_KEY_CHANGED);
  g_assert_true (gtk_widget_is_sensitive (named (GTK_WIDGET (window ()), "key-change-accept")));
  g_signal_emit_by_name (named (GTK_WIDGET (window ()), "key-change-accept"), "clicked");
  test_settle (300);
  dialog = shown_message_dialog ();
  g_assert_cmpstr (adw_message_dialog_get_heading (dialog), ==, "Accept bob’s New Key?");
  g_assert_nonnull (strstr (adw_message_dialog_get_body (dialog), "intercepting"));
  g_assert_cmpstr (adw_message_dialog_get_default_response (dialog), ==, "verify");
  test_screenshot (GTK_WINDOW (dialog), "private-accept-key");
  respond (dialog, "cancel");
  g_assert_null (test_find_toplevel (ADW_TYPE_MESSAGE_DIALOG));
}

/* ------------------------------------------------------------------ */
/* The verification dialog                                            */
/* ------------------------------------------------------------------ */

static MimpVerificationDialog *
verification (void)
{
  return mimp_window_get_verification (window (), fx.alice, "bob");
}

static void
click_named (GtkWidget *under, const char *name)
{
  GtkWidget *button = named (under, name);

  g_assert_true (gtk_widget_is_sensitive (button));
  g_signal_emit_by_name (button, "clicked");
  test_settle (300);
}

static void
assert_page (MimpVerificationDialog *dialog, const char *page)
{
  g_assert_cmpstr (mimp_verification_dialog_get_page (dialog), ==, page);
}

static void
emit_finished (gboolean matched)
{
  g_signal_emit_by_name (fx.alice, "verification-finished", "bob", matched, NULL);
  test_settle (300);
}

static void
verification_dialog (void)
{
  MimpVerificationDialog *dialog;
  GtkWidget *widget;
  AdwMessageDialog *confirm;
  guint started;

  set_privacy (MIMP_CHAT_PRIVACY_UNVERIFIED);
  gtk_widget_activate_action (GTK_WIDGET (window ()), "win.verify", NULL);
  test_settle (400);
  dialog = verification ();
  g_assert_nonnull (dialog);
  g_assert_true (gtk_widget_get_mapped (GTK_WIDGET (dialog)));
  assert_page (dialog, MIMP_VERIFICATION_PAGE_METHODS);
  widget = GTK_WIDGET (dialog);
  g_assert_true (gtk_widget_get_mapped (named (widget, MIMP_VERIFICATION_PAGE_QUESTION)));
  g_assert_true (gtk_widget_get_mapped (named (widget, MIMP_VERIFICATION_PAGE_SECRET)));
  g_assert_true (gtk_widget_get_mapped (named (widget, MIMP_VERIFICATION_PAGE_NUMBER)));
  g_assert_cmpstr (gtk_window_get_title (GTK_WINDOW (dialog)), ==, "Verify bob");
  test_screenshot (GTK_WINDOW (dialog), "private-verify-methods");

  /* Ask a Question: the answer is needed before asking. */
  g_signal_emit_by_name (named (widget, MIMP_VERIFICATION_PAGE_QUESTION), "activated");
  test_settle (300);
  assert_page (dialog, MIMP_VERIFICATION_PAGE_QUESTION);
  g_assert_nonnull (test_find_label (widget,
                                     "Ask bob something only the two of you know, and type "
                                     "the answer you expect. Your answer is never sent: only "
                                     "whether it is the same as theirs. Answers are not "
                                     "case-sensitive."));
  gtk_editable_set_text (GTK_EDITABLE (named (widget, "question-entry")),
                         "Where did we first meet?");
  g_assert_false (gtk_widget_is_sensitive (named (widget, "ask")));
  gtk_editable_set_text (GTK_EDITABLE (named (widget, "question-answer")), "test answer");
  g_assert_true (gtk_widget_is_sensitive (named (widget, "ask")));
  test_screenshot (GTK_WINDOW (dialog), "private-verify-question");
  started = mimp_test_network_get_n_verifications (fx.net);
  click_named (widget, "ask");
  g_assert_cmpuint (mimp_test_network_get_n_verifications (fx.net), ==, started + 1);
  assert_page (dialog, MIMP_VERIFICATION_PAGE_WAITING);
  g_assert_nonnull (test_find_label (widget, "Waiting for bob to answer…"));
  /* Nothing of the answer stays in the dialog. */
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (named (widget, "question-answer"))), ==,
                   "");
  test_screenshot (GTK_WINDOW (dialog), "private-verify-waiting");

  /* Closed while waiting: hidden, and back with the result. */
  gtk_window_close (GTK_WINDOW (dialog));
  test_settle (300);
  g_assert_true (verification () == dialog);
  g_assert_false (gtk_widget_get_visible (widget));
  emit_finished (FALSE);
  g_assert_true (gtk_widget_get_mapped (widget));
  assert_page (dialog, MIMP_VERIFICATION_PAGE_RESULT);
  g_assert_cmpstr (mimp_verification_dialog_get_result_title (dialog), ==, "Verification Failed");
  g_assert_cmpstr (mimp_verification_dialog_get_result_description (dialog), ==,
                   "The answers didn’t match. Either an answer was different, or someone is "
                   "intercepting this chat.");
  g_assert_true (gtk_widget_get_visible (named (widget, "try-again")));
  test_screenshot (GTK_WINDOW (dialog), "private-verify-failed");

  /* A shared secret: mutual. */
  click_named (widget, "try-again");
  assert_page (dialog, MIMP_VERIFICATION_PAGE_METHODS);
  g_signal_emit_by_name (named (widget, MIMP_VERIFICATION_PAGE_SECRET), "activated");
  test_settle (300);
  assert_page (dialog, MIMP_VERIFICATION_PAGE_SECRET);
  g_assert_true (ADW_IS_PASSWORD_ENTRY_ROW (named (widget, "secret-entry")));
  g_assert_false (gtk_widget_is_sensitive (named (widget, "verify-secret")));
  gtk_editable_set_text (GTK_EDITABLE (named (widget, "secret-entry")), "test secret");
  test_screenshot (GTK_WINDOW (dialog), "private-verify-secret");
  click_named (widget, "verify-secret");
  g_assert_cmpuint (mimp_test_network_get_n_verifications (fx.net), ==, started + 2);
  assert_page (dialog, MIMP_VERIFICATION_PAGE_WAITING);
  emit_finished (TRUE);
  assert_page (dialog, MIMP_VERIFICATION_PAGE_RESULT);
  g_assert_cmpstr (mimp_verification_dialog_get_result_title (dialog), ==, "Verified");
  g_assert_cmpstr (mimp_verification_dialog_get_result_description (dialog), ==,
                   "You verified bob.");
  g_assert_false (gtk_widget_get_visible (named (widget, "try-again")));
  test_screenshot (GTK_WINDOW (dialog), "private-verify-verified");

  /* Safety numbers: grouped, then "They Match" behind a confirmation. */
  mimp_verification_dialog_show_page (dialog, MIMP_VERIFICATION_PAGE_NUMBER);
  test_settle (300);
  g_assert_false (gtk_widget_is_sensitive (named (widget, "match")));
  mimp_verification_dialog_set_safety_number (
      dialog, "05218 49193 06441 27783 05926 31047 28915 63004 81772 64900 35182 20417");
  g_assert_cmpstr (gtk_label_get_text (GTK_LABEL (named (widget, "safety-number"))), ==,
                   "05218 49193 06441 27783\n05926 31047 28915 63004\n81772 64900 35182 20417");
  g_assert_true (gtk_label_get_selectable (GTK_LABEL (named (widget, "safety-number"))));
  g_assert_true (gtk_widget_has_css_class (named (widget, "safety-number"), "monospace"));
  test_screenshot (GTK_WINDOW (dialog), "private-verify-number");
  click_named (widget, "copy");
  g_assert_cmpstr (gtk_button_get_label (GTK_BUTTON (named (widget, "copy"))), ==, "Copied");
  click_named (widget, "match");
  confirm = shown_message_dialog ();
  g_assert_cmpstr (adw_message_dialog_get_heading (confirm), ==, "Mark bob as Verified?");
  test_screenshot (GTK_WINDOW (confirm), "private-verify-number-confirm");
  respond (confirm, "verify");
  assert_page (dialog, MIMP_VERIFICATION_PAGE_RESULT);
  g_assert_cmpstr (mimp_verification_dialog_get_result_description (dialog), ==,
                   "You verified bob.");

  /* Closed after the result: gone. */
  gtk_window_close (GTK_WINDOW (dialog));
  test_settle (300);
  g_assert_null (verification ());
}

static gboolean
mismatch_toast_shown (gpointer data)
{
  return test_find_label (GTK_WIDGET (window ()),
                          "The answers didn’t match. Either an answer was different, or someone "
                          "is intercepting this chat.") != NULL;
}

static void
answer_dialog (void)
{
  MimpVerificationDialog *dialog;
  GtkWidget *widget;
  guint started = mimp_test_network_get_n_verifications (fx.net);

  g_signal_emit_by_name (fx.alice, "verification-asked", "bob", "Which café did we meet at?");
  test_settle (400);
  dialog = verification ();
  g_assert_nonnull (dialog);
  widget = GTK_WIDGET (dialog);
  g_assert_true (gtk_widget_get_mapped (widget));
  assert_page (dialog, MIMP_VERIFICATION_PAGE_ANSWER);
  g_assert_nonnull (test_find_label (widget, "bob Asks a Question"));
  g_assert_nonnull (test_find_label (widget, "Which café did we meet at?"));
  g_assert_nonnull (test_find_label (widget,
                                     "Your answer is never sent: only whether it is the same "
                                     "as theirs. Answers are not case-sensitive."));
  g_assert_false (gtk_widget_is_sensitive (named (widget, "answer")));
  gtk_editable_set_text (GTK_EDITABLE (named (widget, "answer-entry")), "test answer");
  g_assert_true (gtk_widget_is_sensitive (named (widget, "answer")));
  test_screenshot (GTK_WINDOW (dialog), "private-verify-answer");
  click_named (widget, "answer");
  g_assert_cmpuint (mimp_test_network_get_n_verifications (fx.net), ==, started + 1);
  assert_page (dialog, MIMP_VERIFICATION_PAGE_WAITING);
  g_assert_nonnull (test_find_label (widget, "Checking the Answer…"));

  /* The peer now trusts this side; offered to verify them in turn. */
  g_signal_emit_by_name (fx.alice, "verified-by-peer", "bob");
  test_settle (300);
  assert_page (dialog, MIMP_VERIFICATION_PAGE_RESULT);
  g_assert_cmpstr (mimp_verification_dialog_get_result_title (dialog), ==, "bob Verified You");
  g_assert_cmpstr (mimp_verification_dialog_get_result_description (dialog), ==,
                   "bob verified you. Verify bob too?");
  g_assert_true (gtk_widget_get_visible (named (widget, "verify-back")));
  test_screenshot (GTK_WINDOW (dialog), "private-verify-verified-you");
  click_named (widget, "verify-back");
  assert_page (dialog, MIMP_VERIFICATION_PAGE_METHODS);
  gtk_window_close (GTK_WINDOW (dialog));
  test_settle (300);
  g_assert_null (verification ());

  /* A shared secret asked, then not answered: answered with nothing. */
  g_signal_emit_by_name (fx.alice, "verification-asked", "bob", NULL);
  test_settle (300);
  dialog = verification ();
  widget = GTK_WIDGET (dialog);
  g_assert_nonnull (test_find_label (widget, "bob Wants to Verify"));
  g_assert_true (gtk_widget_get_mapped (named (widget, "answer-secret")));
  g_assert_false (gtk_widget_get_mapped (named (widget, "answer-entry")));
  test_screenshot (GTK_WINDOW (dialog), "private-verify-answer-secret");
  gtk_window_close (GTK_WINDOW (dialog));
  test_settle (300);
  g_assert_cmpuint (mimp_test_network_get_n_verifications (fx.net), ==, started + 2);
  g_assert_null (verification ());

  /* Results with no dialog open (it was closed, or the app restarted): a
   * toast says them, in a private chat's words. */
  g_signal_emit_by_name (fx.alice, "verified-by-peer", "bob");
  test_settle (300);
  g_assert_null (verification ());
  g_assert_nonnull (test_find_label (GTK_WIDGET (window ()), "bob verified you."));
  test_screenshot (GTK_WINDOW (window ()), "private-verified-you-toast");
  /* Toasts take turns: this one shows when the first one goes. */
  emit_finished (FALSE);
  g_assert_true (test_wait_until (mismatch_toast_shown, NULL, 10));
}

/* An account type whose verification is not bound to keys (Cryptully):
 * the same dialog, with no safety numbers and exact answers. */
static void
unbound_dialog (void)
{
  MimpVerificationDialog *dialog =
      mimp_verification_dialog_new (GTK_WINDOW (window ()), fx.alice, "carol", FALSE);
  GtkWidget *widget = GTK_WIDGET (dialog);

  gtk_window_present (GTK_WINDOW (dialog));
  test_settle (300);
  g_assert_null (test_find_named (widget, MIMP_VERIFICATION_PAGE_NUMBER));
  mimp_verification_dialog_asked (dialog, "Our first climbing gym?");
  test_settle (200);
  g_assert_nonnull (test_find_label (widget,
                                     "Your answer is never sent: only whether it is the same "
                                     "as theirs. Answers must match exactly, capitals "
                                     "included."));
  gtk_editable_set_text (GTK_EDITABLE (named (widget, "answer-entry")), "test answer");
  click_named (widget, "answer");
  mimp_verification_dialog_finished (dialog, TRUE, NULL);
  test_settle (200);
  g_assert_cmpstr (mimp_verification_dialog_get_result_description (dialog), ==,
                   "carol gave the same answer. This shows only that you both typed it; it does "
                   "not prove that nobody is in the middle.");
  gtk_window_destroy (GTK_WINDOW (dialog));
  test_settle (200);
}

/* ------------------------------------------------------------------ */
/* Message marks                                                      */
/* ------------------------------------------------------------------ */

static MimpChatMessage *
message_with_text (const char *text)
{
  MimpChat *chat = chat_of ("bob");

  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (chat)); i++)
    {
      g_autoptr (MimpChatMessage) message = g_list_model_get_item (G_LIST_MODEL (chat), i);
      if (g_strcmp0 (mimp_chat_message_get_text (message), text) == 0)
        return message;
    }
  g_assert_not_reached ();
}

static void
check_marks (void)
{
  GtkWidget *view = mimp_window_get_messages_view (window ());

  g_assert_cmpuint (test_count_labels (view, "Not encrypted"), ==, 1);
  g_assert_cmpuint (test_count_labels (view, "Couldn’t decrypt this message"), ==, 1);
  g_assert_cmpuint (test_count_labels (view, "2 messages didn’t arrive"), ==, 1);
  g_assert_cmpuint (test_count_labels (view, "1 message didn’t arrive"), ==, 1);
  g_assert_true (gtk_widget_get_mapped (named (view, "resend")));
  /* The mark is words, not only an icon, and says more on hover. */
  g_assert_nonnull (gtk_widget_get_tooltip_text (named (view, "not-encrypted")));
}

static void
message_marks (void)
{
  GtkWidget *view = mimp_window_get_messages_view (window ());
  MimpChatMessage *undecryptable;

  set_privacy (MIMP_CHAT_PRIVACY_UNVERIFIED);
  mimp_chat_message_set_protection (message_with_text ("Hi! Mimp is set up on my laptop now."),
                                    MIMP_MESSAGE_PROTECTION_ENCRYPTED);
  mimp_chat_message_set_missing_before (message_with_text ("Did you get the photos?"), 2);
  mimp_chat_message_set_protection (message_with_text ("Did you get the photos?"),
                                    MIMP_MESSAGE_PROTECTION_ENCRYPTED);
  undecryptable = message_with_text ("(lost)");
  mimp_chat_message_set_protection (undecryptable, MIMP_MESSAGE_PROTECTION_UNDECRYPTABLE);
  mimp_chat_message_set_missing_before (undecryptable, 1);
  mimp_chat_message_set_protection (
      message_with_text ("Sent from the web, where I have no keys yet"),
      MIMP_MESSAGE_PROTECTION_UNENCRYPTED);
  test_settle (400);
  /* What could not be decrypted shows no text of its own. */
  g_assert_cmpuint (test_count_labels (view, "(lost)"), ==, 0);
  check_marks ();
  test_screenshot (GTK_WINDOW (window ()), "private-marks");

  set_width (NARROW_WIDTH);
  check_marks ();
  test_screenshot (GTK_WINDOW (window ()), "private-marks-narrow");

  click_named (view, "resend");
  g_assert_cmpstr (gtk_button_get_label (GTK_BUTTON (named (view, "resend"))), ==,
                   "Asked to Resend");
  g_assert_false (gtk_widget_is_sensitive (named (view, "resend")));

  /* A row of a plain message keeps no mark. */
  mimp_chat_message_set_protection (undecryptable, MIMP_MESSAGE_PROTECTION_ENCRYPTED);
  mimp_chat_message_set_missing_before (undecryptable, 0);
  test_settle (300);
  g_assert_cmpuint (test_count_labels (view, "Couldn’t decrypt this message"), ==, 0);
  g_assert_cmpuint (test_count_labels (view, "1 message didn’t arrive"), ==, 0);
  g_assert_cmpuint (test_count_labels (view, "(lost)"), ==, 1);
  set_width (WIDE_WIDTH);
}

/* ------------------------------------------------------------------ */

static gboolean
phase (gpointer data)
{
  static const char *texts[] = {
    "Hi! Mimp is set up on my laptop now.",
    "Shall we keep this chat private from now on?",
    "Did you get the photos?",
    "(lost)",
    "Sent from the web, where I have no keys yet",
  };
  gint64 now = g_get_real_time () / 1000;

  fx.net = mimp_test_network_new ();
  mimp_test_network_add_user (fx.net, "alice", NULL);
  mimp_test_network_add_user (fx.net, "bob", NULL);
  fx.alice = mimp_test_network_new_account (fx.net, "alice");
  mimp_account_manager_add (mimp_application_get_accounts (fx.app), fx.alice);
  g_assert_true (test_wait_until (test_account_is_online, fx.alice, 10));
  for (guint i = 0; i < G_N_ELEMENTS (texts); i++)
    g_free (mimp_test_network_inject (fx.net, "bob", "alice", texts[i],
                                      now - (G_N_ELEMENTS (texts) - i) * 60000));
  g_assert_true (test_wait_until (has_chat, (gpointer) "bob", 10));

  set_width (WIDE_WIDTH);
  mimp_window_open_chat (window (), chat_of ("bob"));
  g_assert_true (test_wait_until (has_messages, GUINT_TO_POINTER (G_N_ELEMENTS (texts)), 10));
  mimp_chat_send (chat_of ("bob"), "Yes, let’s.");
  test_settle (300);

  header_states ();
  confirmations ();
  verification_dialog ();
  answer_dialog ();
  unbound_dialog ();
  message_marks ();

  fx.ok = TRUE;
  g_action_group_activate_action (G_ACTION_GROUP (fx.app), "quit", NULL);
  return G_SOURCE_REMOVE;
}

static void
test_private_chat_screenshots (void)
{
  mimp_test_protocol_set_capabilities (MIMP_PROTOCOL_STORE_AND_FORWARD | MIMP_PROTOCOL_END_TO_END |
                                       MIMP_PROTOCOL_VERIFICATION);
  fx.app = mimp_application_new ();
  test_run_app (G_APPLICATION (fx.app), phase, 200);
  g_assert_true (fx.ok);
  g_clear_object (&fx.alice);
  g_clear_object (&fx.app);
  g_clear_object (&fx.net);
  test_assert_finalized (10);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  /* The test context keeps the accessible properties the checks read. */
  g_setenv ("GTK_A11Y", "test", TRUE);
  g_log_set_always_fatal (G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL);
  if (!gtk_init_check ())
    {
      g_test_skip ("No display");
      return 0;
    }
  adw_init ();
  /* GNOME's default title buttons, as people see the window. */
  g_object_set (gtk_settings_get_default (), "gtk-decoration-layout", "appmenu:close", NULL);
  g_test_add_func ("/private-chat/screenshots", test_private_chat_screenshots);
  return g_test_run ();
}
