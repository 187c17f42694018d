/* mimp-preferences-window.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "mimp-preferences-window"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "mimp-preferences-window.h"

struct _MimpPreferencesWindow
{
  AdwPreferencesWindow parent_instance;

  GtkSwitch *notifications_switch;
  GtkSwitch *show_text_switch;
  GtkWidget *show_text_row;
  GtkSwitch *background_switch;
  GtkSwitch *autostart_switch;
  GtkWidget *autostart_row;
  AdwPreferencesPage *accounts_page;
  AdwPreferencesGroup *accounts_group;
  GList *account_rows;

  MimpApplication *application;
};

G_DEFINE_FINAL_TYPE (MimpPreferencesWindow, mimp_preferences_window, ADW_TYPE_PREFERENCES_WINDOW)

static void rebuild_accounts (MimpPreferencesWindow *self);

static void
remove_response (AdwMessageDialog *dialog, const char *response, MimpPreferencesWindow *self)
{
  MimpAccount *account = g_object_get_data (G_OBJECT (dialog), "account");
  MimpAccountManager *manager = mimp_application_get_accounts (self->application);

  if (g_strcmp0 (response, "keep") == 0)
    mimp_account_manager_remove (manager, account, TRUE);
  else if (g_strcmp0 (response, "delete") == 0)
    mimp_account_manager_remove (manager, account, FALSE);
}

static void
on_remove_clicked (GtkButton *button, MimpPreferencesWindow *self)
{
  MimpAccount *account = g_object_get_data (G_OBJECT (button), "account");
  g_autofree char *name = mimp_account_dup_display_name (account);
  g_autofree char *body = g_strdup_printf (
      _ ("%s will be disconnected and its password removed from the keyring. Keep its messages on "
         "this computer?"),
      name);
  AdwMessageDialog *dialog =
      ADW_MESSAGE_DIALOG (adw_message_dialog_new (GTK_WINDOW (self), _ ("Remove Account?"), body));

  adw_message_dialog_add_responses (dialog, "cancel", _ ("_Cancel"), "keep",
                                    _ ("Remove, _Keep History"), "delete",
                                    _ ("Remove and _Delete History"), NULL);
  adw_message_dialog_set_response_appearance (dialog, "delete", ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_close_response (dialog, "cancel");
  g_object_set_data_full (G_OBJECT (dialog), "account", g_object_ref (account), g_object_unref);
  g_signal_connect (dialog, "response", G_CALLBACK (remove_response), self);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
on_password_clicked (GtkButton *button, MimpPreferencesWindow *self)
{
  MimpAccount *account = g_object_get_data (G_OBJECT (button), "account");
  GtkWindow *main_window = mimp_application_get_main_window (self->application);

  if (main_window != NULL)
    {
      gtk_widget_activate_action (GTK_WIDGET (main_window), "win.enter-password", "s",
                                  mimp_account_get_id (account));
      gtk_window_close (GTK_WINDOW (self));
    }
}

/* ------------------------------------------------------------------ */
/* Editing an account                                                 */
/* ------------------------------------------------------------------ */

typedef struct
{
  MimpPreferencesWindow *self; /* not owned: the dialog is its transient */
  MimpAccount *account;
  AdwEntryRow *server_row;
  AdwEntryRow *user_row;
  GtkSwitch *tls_switch;
  GtkLabel *error_label;
} EditData;

static void
edit_data_free (gpointer data)
{
  EditData *ed = data;

  g_object_unref (ed->account);
  g_free (ed);
}

/* Parses the fields; on failure says why in @why (transfer none). */
static gboolean
edit_parse (EditData *ed, char **host, guint16 *port, char **user, const char **why)
{
  MimpAccountManager *manager = mimp_application_get_accounts (ed->self->application);
  MimpProtocol *protocol = mimp_account_get_protocol (ed->account);
  gboolean use_tls = gtk_switch_get_active (ed->tls_switch);
  MimpAccount *existing;

  *why = NULL;
  if (!mimp_protocol_parse_server (protocol, gtk_editable_get_text (GTK_EDITABLE (ed->server_row)),
                                   use_tls, host, port))
    {
      *why = _ ("Enter a server name, with a port after a colon if it is not the usual one.");
      return FALSE;
    }
  if (!mimp_protocol_normalize_peer (protocol, gtk_editable_get_text (GTK_EDITABLE (ed->user_row)),
                                     user, NULL))
    {
      *why = _ ("Enter a user name.");
      g_clear_pointer (host, g_free);
      return FALSE;
    }
  existing = mimp_account_manager_find (manager, protocol, *host, *port, *user);
  if (existing != NULL && existing != ed->account)
    {
      *why = _ ("There is already an account for this user on this server.");
      g_clear_pointer (host, g_free);
      g_clear_pointer (user, g_free);
      return FALSE;
    }
  return TRUE;
}

static void
edit_validate (AdwMessageDialog *dialog)
{
  EditData *ed = g_object_get_data (G_OBJECT (dialog), "edit");
  g_autofree char *host = NULL;
  g_autofree char *user = NULL;
  guint16 port = 0;
  const char *why = NULL;
  gboolean ok = edit_parse (ed, &host, &port, &user, &why);

  adw_message_dialog_set_response_enabled (dialog, "save", ok);
  gtk_label_set_label (ed->error_label, why ? why : "");
  gtk_widget_set_visible (GTK_WIDGET (ed->error_label), why != NULL);
}

static void
edit_response (AdwMessageDialog *dialog, const char *response, MimpPreferencesWindow *self)
{
  EditData *ed = g_object_get_data (G_OBJECT (dialog), "edit");
  g_autofree char *host = NULL;
  g_autofree char *user = NULL;
  guint16 port = 0;
  const char *why = NULL;

  if (g_strcmp0 (response, "save") != 0 || !edit_parse (ed, &host, &port, &user, &why))
    return;
  mimp_account_change_server (ed->account, host, port, user,
                              gtk_switch_get_active (ed->tls_switch));
  rebuild_accounts (self);
}

/**
 * mimp_preferences_window_edit_account:
 *
 * Opens the dialog that edits @account's server, port, user name and TLS.
 *
 * Returns: (transfer none): the dialog
 */
GtkWindow *
mimp_preferences_window_edit_account (MimpPreferencesWindow *self, MimpAccount *account)
{
  g_autofree char *server = NULL;
  guint16 default_port = mimp_protocol_get_default_port (mimp_account_get_protocol (account),
                                                         mimp_account_get_use_tls (account));
  const char *host = mimp_account_get_host (account);
  EditData *ed = g_new0 (EditData, 1);
  AdwMessageDialog *dialog;
  GtkWidget *box;
  GtkWidget *list;
  GtkWidget *tls_row;

  ed->self = self;
  ed->account = g_object_ref (account);

  if (mimp_account_get_port (account) == default_port)
    server = g_strdup (host);
  else if (strchr (host, ':') != NULL)
    server = g_strdup_printf ("[%s]:%u", host, mimp_account_get_port (account));
  else
    server = g_strdup_printf ("%s:%u", host, mimp_account_get_port (account));

  dialog = ADW_MESSAGE_DIALOG (adw_message_dialog_new (
      GTK_WINDOW (self), _ ("Edit Account"),
      _ ("Its password moves with it in the keyring, and it connects again.")));
  adw_message_dialog_add_responses (dialog, "cancel", _ ("_Cancel"), "save", _ ("_Save"), NULL);
  adw_message_dialog_set_response_appearance (dialog, "save", ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response (dialog, "save");
  adw_message_dialog_set_close_response (dialog, "cancel");

  box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 12);
  list = gtk_list_box_new ();
  gtk_list_box_set_selection_mode (GTK_LIST_BOX (list), GTK_SELECTION_NONE);
  gtk_widget_add_css_class (list, "boxed-list");

  ed->server_row = ADW_ENTRY_ROW (adw_entry_row_new ());
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (ed->server_row), _ ("Server"));
  gtk_editable_set_text (GTK_EDITABLE (ed->server_row), server);
  gtk_list_box_append (GTK_LIST_BOX (list), GTK_WIDGET (ed->server_row));

  ed->user_row = ADW_ENTRY_ROW (adw_entry_row_new ());
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (ed->user_row), _ ("User Name"));
  gtk_editable_set_text (GTK_EDITABLE (ed->user_row), mimp_account_get_user (account));
  gtk_list_box_append (GTK_LIST_BOX (list), GTK_WIDGET (ed->user_row));

  tls_row = adw_action_row_new ();
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (tls_row), _ ("Use TLS"));
  ed->tls_switch = GTK_SWITCH (gtk_switch_new ());
  gtk_switch_set_active (ed->tls_switch, mimp_account_get_use_tls (account));
  gtk_widget_set_valign (GTK_WIDGET (ed->tls_switch), GTK_ALIGN_CENTER);
  adw_action_row_add_suffix (ADW_ACTION_ROW (tls_row), GTK_WIDGET (ed->tls_switch));
  adw_action_row_set_activatable_widget (ADW_ACTION_ROW (tls_row), GTK_WIDGET (ed->tls_switch));
  gtk_list_box_append (GTK_LIST_BOX (list), tls_row);
  gtk_box_append (GTK_BOX (box), list);

  ed->error_label = GTK_LABEL (gtk_label_new (NULL));
  gtk_label_set_wrap (ed->error_label, TRUE);
  gtk_label_set_xalign (ed->error_label, 0);
  gtk_widget_add_css_class (GTK_WIDGET (ed->error_label), "error");
  gtk_widget_set_visible (GTK_WIDGET (ed->error_label), FALSE);
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (ed->error_label));
  adw_message_dialog_set_extra_child (dialog, box);

  g_object_set_data_full (G_OBJECT (dialog), "edit", ed, edit_data_free);
  g_signal_connect_swapped (ed->server_row, "changed", G_CALLBACK (edit_validate), dialog);
  g_signal_connect_swapped (ed->user_row, "changed", G_CALLBACK (edit_validate), dialog);
  g_signal_connect_swapped (ed->tls_switch, "notify::active", G_CALLBACK (edit_validate), dialog);
  g_signal_connect (dialog, "response", G_CALLBACK (edit_response), self);
  edit_validate (dialog);
  gtk_window_present (GTK_WINDOW (dialog));
  return GTK_WINDOW (dialog);
}

static void
on_edit_clicked (GtkButton *button, MimpPreferencesWindow *self)
{
  mimp_preferences_window_edit_account (self, g_object_get_data (G_OBJECT (button), "account"));
}

static void
update_subtitle (AdwActionRow *row)
{
  MimpAccount *account = g_object_get_data (G_OBJECT (row), "account");
  const char *status;

  switch (mimp_account_get_status (account))
    {
    case MIMP_ACCOUNT_STATUS_ONLINE:
      status = _ ("Online");
      break;
    case MIMP_ACCOUNT_STATUS_CONNECTING:
      status = _ ("Connecting…");
      break;
    case MIMP_ACCOUNT_STATUS_DISABLED:
      status = _ ("Disabled");
      break;
    case MIMP_ACCOUNT_STATUS_WAITING:
    case MIMP_ACCOUNT_STATUS_OFFLINE:
    case MIMP_ACCOUNT_STATUS_NEEDS_PASSWORD:
    case MIMP_ACCOUNT_STATUS_NEEDS_CERTIFICATE:
    default:
      status = mimp_account_get_status_message (account) ? mimp_account_get_status_message (account)
                                                         : _ ("Offline");
      break;
    }
  {
    /* Who can read this account's chats, in a few words, after its status. */
    g_autofree char *security = mimp_protocol_describe_security (
        mimp_account_get_protocol (account), mimp_account_get_use_tls (account), TRUE);
    /* Translators: an account's status, then who can read its chats (e.g. "not encrypted") */
    g_autofree char *text = g_strdup_printf (_ ("%s · %s"), status, security);

    adw_action_row_set_subtitle (row, text);
  }
}

static void
rebuild_accounts (MimpPreferencesWindow *self)
{
  MimpAccountManager *manager = mimp_application_get_accounts (self->application);
  guint n = g_list_model_get_n_items (G_LIST_MODEL (manager));

  for (GList *l = self->account_rows; l != NULL; l = l->next)
    adw_preferences_group_remove (self->accounts_group, l->data);
  g_clear_pointer (&self->account_rows, g_list_free);

  if (n == 0)
    {
      GtkWidget *row = adw_action_row_new ();
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), _ ("No accounts yet"));
      adw_preferences_group_add (self->accounts_group, row);
      self->account_rows = g_list_append (self->account_rows, row);
      return;
    }

  for (guint i = 0; i < n; i++)
    {
      g_autoptr (MimpAccount) account = g_list_model_get_item (G_LIST_MODEL (manager), i);
      g_autofree char *name = mimp_account_dup_display_name (account);
      GtkWidget *row = adw_action_row_new ();
      GtkWidget *enabled = gtk_switch_new ();
      GtkWidget *edit = gtk_button_new_from_icon_name ("document-edit-symbolic");
      GtkWidget *password = gtk_button_new_from_icon_name ("dialog-password-symbolic");
      GtkWidget *remove = gtk_button_new_from_icon_name ("user-trash-symbolic");

      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), name);
      g_object_set_data_full (G_OBJECT (row), "account", g_object_ref (account), g_object_unref);
      update_subtitle (ADW_ACTION_ROW (row));
      g_signal_connect_object (account, "notify::status", G_CALLBACK (update_subtitle), row,
                               G_CONNECT_SWAPPED);
      g_signal_connect_object (account, "notify::status-message", G_CALLBACK (update_subtitle), row,
                               G_CONNECT_SWAPPED);

      gtk_widget_set_valign (enabled, GTK_ALIGN_CENTER);
      gtk_widget_set_tooltip_text (enabled, _ ("Enabled"));
      g_object_bind_property (account, "enabled", enabled, "active",
                              G_BINDING_BIDIRECTIONAL | G_BINDING_SYNC_CREATE);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), enabled);

      gtk_widget_set_valign (edit, GTK_ALIGN_CENTER);
      gtk_widget_add_css_class (edit, "flat");
      gtk_widget_set_tooltip_text (edit, _ ("Edit Account"));
      gtk_accessible_update_property (GTK_ACCESSIBLE (edit), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                      _ ("Edit Account"), -1);
      g_object_set_data (G_OBJECT (edit), "account", account);
      g_signal_connect (edit, "clicked", G_CALLBACK (on_edit_clicked), self);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), edit);
      gtk_widget_set_valign (password, GTK_ALIGN_CENTER);
      gtk_widget_add_css_class (password, "flat");
      gtk_widget_set_tooltip_text (password, _ ("Enter Password"));
      gtk_accessible_update_property (GTK_ACCESSIBLE (password), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                      _ ("Enter Password"), -1);
      g_object_set_data (G_OBJECT (password), "account", account);
      g_signal_connect (password, "clicked", G_CALLBACK (on_password_clicked), self);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), password);

      gtk_widget_set_valign (remove, GTK_ALIGN_CENTER);
      gtk_widget_add_css_class (remove, "flat");
      gtk_widget_set_tooltip_text (remove, _ ("Remove Account"));
      gtk_accessible_update_property (GTK_ACCESSIBLE (remove), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                      _ ("Remove Account"), -1);
      g_object_set_data (G_OBJECT (remove), "account", account);
      g_signal_connect (remove, "clicked", G_CALLBACK (on_remove_clicked), self);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), remove);

      adw_preferences_group_add (self->accounts_group, row);
      self->account_rows = g_list_append (self->account_rows, row);
    }
}

static void
mimp_preferences_window_dispose (GObject *object)
{
  MimpPreferencesWindow *self = (MimpPreferencesWindow *) object;

  g_clear_pointer (&self->account_rows, g_list_free);
  gtk_widget_dispose_template (GTK_WIDGET (self), MIMP_TYPE_PREFERENCES_WINDOW);

  G_OBJECT_CLASS (mimp_preferences_window_parent_class)->dispose (object);
}

static void
mimp_preferences_window_class_init (MimpPreferencesWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = mimp_preferences_window_dispose;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/mimp/Mimp/mimp-preferences-window.ui");
  gtk_widget_class_bind_template_child (widget_class, MimpPreferencesWindow, notifications_switch);
  gtk_widget_class_bind_template_child (widget_class, MimpPreferencesWindow, show_text_switch);
  gtk_widget_class_bind_template_child (widget_class, MimpPreferencesWindow, show_text_row);
  gtk_widget_class_bind_template_child (widget_class, MimpPreferencesWindow, background_switch);
  gtk_widget_class_bind_template_child (widget_class, MimpPreferencesWindow, autostart_switch);
  gtk_widget_class_bind_template_child (widget_class, MimpPreferencesWindow, autostart_row);
  gtk_widget_class_bind_template_child (widget_class, MimpPreferencesWindow, accounts_page);
  gtk_widget_class_bind_template_child (widget_class, MimpPreferencesWindow, accounts_group);
}

static void
mimp_preferences_window_init (MimpPreferencesWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

MimpPreferencesWindow *
mimp_preferences_window_new (MimpApplication *application, GtkWindow *parent)
{
  MimpPreferencesWindow *self = g_object_new (MIMP_TYPE_PREFERENCES_WINDOW, "transient-for", parent,
                                              "application", application, NULL);
  GSettings *settings = mimp_application_get_settings (application);

  self->application = application;
  g_settings_bind (settings, "notifications", self->notifications_switch, "active",
                   G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (settings, "notification-show-text", self->show_text_switch, "active",
                   G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (settings, "notifications", self->show_text_row, "sensitive",
                   G_SETTINGS_BIND_GET);
  g_settings_bind (settings, "run-in-background", self->background_switch, "active",
                   G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (settings, "start-at-login", self->autostart_switch, "active",
                   G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (settings, "run-in-background", self->autostart_row, "sensitive",
                   G_SETTINGS_BIND_GET);

  g_signal_connect_object (mimp_application_get_accounts (application), "items-changed",
                           G_CALLBACK (rebuild_accounts), self, G_CONNECT_SWAPPED);
  rebuild_accounts (self);
  return self;
}

void
mimp_preferences_window_show_page (MimpPreferencesWindow *self, const char *name)
{
  adw_preferences_window_set_visible_page_name (ADW_PREFERENCES_WINDOW (self), name);
}
