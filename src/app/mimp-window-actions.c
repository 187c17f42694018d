/* mimp-window-actions.c - the window's actions
 *
 * The "win." actions: starting a chat, the account banners' password,
 * certificate and reconnect, search, back, and moving between the
 * window's regions with F6. The open chat's own actions are the chat
 * view's ("chat.").
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "mimp-window"

#include "config.h"

#include <glib/gi18n.h>

#include "mimp-password.h"
#include "mimp-window-private.h"

/* F6 and Shift+F6: the chat list, the messages, the composer, in turn. */
static void
cycle_region_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  MimpWindow *self = MIMP_WINDOW (widget);
  gboolean backwards = parameter != NULL && g_variant_get_boolean (parameter);
  gboolean folded = adw_leaflet_get_folded (self->leaflet);
  gboolean content_shown =
      adw_leaflet_get_visible_child (self->leaflet) == GTK_WIDGET (self->chat_view);
  GtkWidget *regions[3];
  GtkWidget *focus = gtk_root_get_focus (GTK_ROOT (self));
  guint n = 0;
  guint current = 0;

  if (!folded || !content_shown)
    regions[n++] = GTK_WIDGET (self->chat_list_view);
  if (mimp_window_get_chat (self) != NULL && (!folded || content_shown))
    {
      regions[n++] = mimp_chat_view_get_messages_view (self->chat_view);
      regions[n++] = mimp_chat_view_get_composer_view (self->chat_view);
    }
  if (n == 0)
    return;
  for (guint i = 0; i < n; i++)
    if (focus != NULL && (focus == regions[i] || gtk_widget_is_ancestor (focus, regions[i])))
      current = i + 1;
  if (current == 0) /* focus outside every region: start at the first */
    current = backwards ? 1 : n;
  current = backwards ? (current + n - 2) % n : current % n;
  if (!gtk_widget_grab_focus (regions[current]) &&
      regions[current] != mimp_chat_view_get_composer_view (self->chat_view))
    gtk_widget_child_focus (regions[current], GTK_DIR_TAB_FORWARD);
}

/* The open chat's back button, in a folded window: to the chat list. */
static void
back_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  MimpWindow *self = MIMP_WINDOW (widget);

  adw_leaflet_navigate (self->leaflet, ADW_NAVIGATION_DIRECTION_BACK);
}

/* The verification of the open chat's peer, as the chat's own "Verify…"
 * (a toast offers it too). */
static void
verify_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  MimpWindow *self = MIMP_WINDOW (widget);

  gtk_widget_activate_action (GTK_WIDGET (self->chat_view), "chat.verify", NULL);
}

/* ------------------------------------------------------------------ */
/* Dialogs                                                            */
/* ------------------------------------------------------------------ */

static MimpAccount *
account_from_param (MimpWindow *self, GVariant *parameter)
{
  return mimp_account_manager_lookup (self->accounts, g_variant_get_string (parameter, NULL));
}

static void
new_chat_response (AdwMessageDialog *dialog, const char *response, MimpWindow *self)
{
  AdwComboRow *combo = g_object_get_data (G_OBJECT (dialog), "combo");
  GtkEditable *entry = g_object_get_data (G_OBJECT (dialog), "entry");
  g_autofree char *name = NULL;
  g_autoptr (GError) error = NULL;
  MimpAccount *account;
  MimpChat *chat;

  if (g_strcmp0 (response, "start") != 0)
    return;
  account = adw_combo_row_get_selected_item (combo);
  if (account == NULL)
    return;
  if (!mimp_protocol_normalize_peer (mimp_account_get_protocol (account),
                                     gtk_editable_get_text (entry), &name, &error))
    {
      mimp_window_show_toast (self, error->message);
      return;
    }
  chat = mimp_chat_list_ensure (self->chats, account, name);
  mimp_window_open_chat (self, chat);
}

static void
on_new_chat_name_changed (GtkEditable *entry, AdwMessageDialog *dialog)
{
  AdwComboRow *combo = g_object_get_data (G_OBJECT (dialog), "combo");
  MimpAccount *account = adw_combo_row_get_selected_item (combo);
  g_autofree char *name = NULL;

  adw_message_dialog_set_response_enabled (
      dialog, "start",
      account != NULL && mimp_protocol_normalize_peer (mimp_account_get_protocol (account),
                                                       gtk_editable_get_text (entry), &name, NULL));
}

static void
on_new_chat_entry_activate (AdwEntryRow *entry, AdwMessageDialog *dialog)
{
  if (adw_message_dialog_get_response_enabled (dialog, "start"))
    {
      adw_message_dialog_response (dialog, "start");
      gtk_window_close (GTK_WINDOW (dialog));
    }
}

static void
new_chat_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  MimpWindow *self = MIMP_WINDOW (widget);
  AdwMessageDialog *dialog;
  GtkWidget *list;
  AdwComboRow *combo;
  GtkWidget *entry;

  /* Disabled meanwhile: see update_sidebar_stack (). */
  if (g_list_model_get_n_items (G_LIST_MODEL (self->accounts)) == 0)
    return;

  dialog = ADW_MESSAGE_DIALOG (adw_message_dialog_new (GTK_WINDOW (self), _ ("New Chat"), NULL));
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog), "cancel", _ ("_Cancel"), "start",
                                    _ ("_Start Chat"), NULL);
  adw_message_dialog_set_response_appearance (dialog, "start", ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response (dialog, "start");
  adw_message_dialog_set_close_response (dialog, "cancel");
  adw_message_dialog_set_response_enabled (dialog, "start", FALSE);

  list = gtk_list_box_new ();
  gtk_list_box_set_selection_mode (GTK_LIST_BOX (list), GTK_SELECTION_NONE);
  gtk_widget_add_css_class (list, "boxed-list");

  combo = ADW_COMBO_ROW (adw_combo_row_new ());
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (combo), _ ("Account"));
  adw_combo_row_set_expression (
      combo, gtk_property_expression_new (MIMP_TYPE_ACCOUNT, NULL, "display-name"));
  adw_combo_row_set_model (combo, G_LIST_MODEL (self->accounts));
  if (mimp_window_get_chat (self) != NULL)
    {
      MimpAccount *current = mimp_chat_get_account (mimp_window_get_chat (self));
      guint position;
      for (position = 0; position < g_list_model_get_n_items (G_LIST_MODEL (self->accounts));
           position++)
        {
          g_autoptr (MimpAccount) account =
              g_list_model_get_item (G_LIST_MODEL (self->accounts), position);
          if (account == current)
            adw_combo_row_set_selected (combo, position);
        }
    }
  gtk_list_box_append (GTK_LIST_BOX (list), GTK_WIDGET (combo));

  entry = adw_entry_row_new ();
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (entry), _ ("User Name"));
  gtk_list_box_append (GTK_LIST_BOX (list), entry);
  g_signal_connect (entry, "changed", G_CALLBACK (on_new_chat_name_changed), dialog);
  adw_entry_row_set_activates_default (ADW_ENTRY_ROW (entry), FALSE);
  g_signal_connect (entry, "entry-activated", G_CALLBACK (on_new_chat_entry_activate), dialog);

  adw_message_dialog_set_extra_child (dialog, list);
  g_object_set_data (G_OBJECT (dialog), "combo", combo);
  g_object_set_data (G_OBJECT (dialog), "entry", entry);
  g_signal_connect (dialog, "response", G_CALLBACK (new_chat_response), self);
  gtk_window_present (GTK_WINDOW (dialog));
  gtk_widget_grab_focus (entry);
}

static void
password_response (AdwMessageDialog *dialog, const char *response, MimpWindow *self)
{
  MimpAccount *account = g_object_get_data (G_OBJECT (dialog), "account");
  GtkEditable *entry = g_object_get_data (G_OBJECT (dialog), "entry");
  GtkCheckButton *remember = g_object_get_data (G_OBJECT (dialog), "remember");
  const char *password = gtk_editable_get_text (entry);

  if (g_strcmp0 (response, "connect") != 0 || *password == '\0')
    return;
  mimp_account_use_password (account, password, !gtk_check_button_get_active (remember));
  if (gtk_check_button_get_active (remember))
    mimp_remember_password (self->secrets, account, password, GTK_WINDOW (self));
  gtk_editable_set_text (entry, "");
}

static void
enter_password_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  MimpWindow *self = MIMP_WINDOW (widget);
  MimpAccount *account = account_from_param (self, parameter);
  g_autofree char *name = NULL;
  g_autofree char *body = NULL;
  AdwMessageDialog *dialog;
  GtkWidget *box;
  GtkWidget *list;
  GtkWidget *entry;
  GtkWidget *remember;

  if (account == NULL)
    return;
  name = mimp_account_dup_display_name (account);
  body = g_strdup_printf (
      _ ("For %s. %s"), name,
      mimp_account_get_status_message (account) ? mimp_account_get_status_message (account) : "");
  dialog =
      ADW_MESSAGE_DIALOG (adw_message_dialog_new (GTK_WINDOW (self), _ ("Enter Password"), body));
  adw_message_dialog_add_responses (dialog, "cancel", _ ("_Cancel"), "connect", _ ("C_onnect"),
                                    NULL);
  adw_message_dialog_set_response_appearance (dialog, "connect", ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response (dialog, "connect");
  adw_message_dialog_set_close_response (dialog, "cancel");

  box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 12);
  list = gtk_list_box_new ();
  gtk_list_box_set_selection_mode (GTK_LIST_BOX (list), GTK_SELECTION_NONE);
  gtk_widget_add_css_class (list, "boxed-list");
  entry = adw_password_entry_row_new ();
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (entry), _ ("Password"));
  adw_entry_row_set_activates_default (ADW_ENTRY_ROW (entry), TRUE);
  gtk_list_box_append (GTK_LIST_BOX (list), entry);
  gtk_box_append (GTK_BOX (box), list);
  remember = gtk_check_button_new_with_mnemonic (_ ("_Remember in the keyring"));
  gtk_check_button_set_active (GTK_CHECK_BUTTON (remember),
                               !mimp_account_get_password_is_session_only (account));
  gtk_box_append (GTK_BOX (box), remember);
  adw_message_dialog_set_extra_child (dialog, box);

  g_object_set_data_full (G_OBJECT (dialog), "account", g_object_ref (account), g_object_unref);
  g_object_set_data (G_OBJECT (dialog), "entry", entry);
  g_object_set_data (G_OBJECT (dialog), "remember", remember);
  g_signal_connect (dialog, "response", G_CALLBACK (password_response), self);
  gtk_window_present (GTK_WINDOW (dialog));
  gtk_widget_grab_focus (entry);
}

static void
certificate_response (AdwMessageDialog *dialog, const char *response, MimpWindow *self)
{
  MimpAccount *account = g_object_get_data (G_OBJECT (dialog), "account");

  if (g_strcmp0 (response, "trust") == 0)
    mimp_account_trust_certificate (account);
}

static void
review_certificate_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  MimpWindow *self = MIMP_WINDOW (widget);
  MimpAccount *account = account_from_param (self, parameter);
  g_autofree char *fingerprint = NULL;
  g_autofree char *body = NULL;
  AdwMessageDialog *dialog;

  if (account == NULL)
    return;
  fingerprint = mimp_account_dup_peer_fingerprint (account);
  body = g_strdup_printf (_ ("The server %s presented a certificate your system does not trust. "
                             "Its SHA-256 fingerprint is:\n\n%s\n\nTrust it only if it matches the "
                             "fingerprint your server’s administrator gave you."),
                          mimp_account_get_host (account),
                          fingerprint ? fingerprint : _ ("(unknown)"));
  dialog = ADW_MESSAGE_DIALOG (
      adw_message_dialog_new (GTK_WINDOW (self), _ ("Untrusted Certificate"), body));
  adw_message_dialog_add_responses (dialog, "cancel", _ ("_Cancel"), "trust",
                                    _ ("_Trust and Connect"), NULL);
  adw_message_dialog_set_response_appearance (dialog, "trust", ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_response_enabled (dialog, "trust", fingerprint != NULL);
  adw_message_dialog_set_close_response (dialog, "cancel");
  g_object_set_data_full (G_OBJECT (dialog), "account", g_object_ref (account), g_object_unref);
  g_signal_connect (dialog, "response", G_CALLBACK (certificate_response), self);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
reconnect_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  MimpAccount *account = account_from_param (MIMP_WINDOW (widget), parameter);

  if (account != NULL)
    mimp_account_reconnect (account);
}

static void
search_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  MimpWindow *self = MIMP_WINDOW (widget);

  adw_leaflet_set_visible_child (self->leaflet, self->sidebar);
  gtk_widget_grab_focus (GTK_WIDGET (self->search_entry));
}

void
_mimp_window_class_actions_init (MimpWindowClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  gtk_widget_class_install_action (widget_class, "win.new-chat", NULL, new_chat_action);
  gtk_widget_class_install_action (widget_class, "win.search", NULL, search_action);
  gtk_widget_class_install_action (widget_class, "win.back", NULL, back_action);
  gtk_widget_class_install_action (widget_class, "win.verify", NULL, verify_action);
  gtk_widget_class_install_action (widget_class, "win.reconnect", "s", reconnect_action);
  gtk_widget_class_install_action (widget_class, "win.enter-password", "s", enter_password_action);
  gtk_widget_class_install_action (widget_class, "win.review-certificate", "s",
                                   review_certificate_action);
  gtk_widget_class_install_action (widget_class, "win.cycle-region", "b", cycle_region_action);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_n, GDK_CONTROL_MASK, "win.new-chat",
                                       NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_F6, 0, "win.cycle-region", "b", FALSE);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_F6, GDK_SHIFT_MASK, "win.cycle-region",
                                       "b", TRUE);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_f, GDK_CONTROL_MASK, "win.search",
                                       NULL);
}
