/* mimp-preferences-window.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "mimp-preferences-window"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "mimp-account-dialog.h"
#include "mimp-image-file.h"
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
      mimp_protocol_has (mimp_account_get_protocol (account), MIMP_PROTOCOL_PASSWORD)
          ? _ ("%s will be disconnected and its password removed from the keyring. Keep its "
               "messages on this computer?")
          : _ ("%s will be disconnected. Keep its messages on this computer?"),
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
/* The user's own avatar, for account types with avatars              */
/* ------------------------------------------------------------------ */

/* The largest avatar the app reads, in bytes. */
#define AVATAR_MAX (2 * 1024 * 1024)

static void
show_toast (MimpPreferencesWindow *self, const char *text)
{
  adw_preferences_window_add_toast (ADW_PREFERENCES_WINDOW (self), adw_toast_new (text));
}

static void
avatar_set (GObject *source, GAsyncResult *result, gpointer data)
{
  g_autoptr (MimpPreferencesWindow) self = data;
  g_autoptr (GError) error = NULL;

  if (mimp_account_set_own_avatar_finish (MIMP_ACCOUNT (source), result, &error))
    show_toast (self, _ ("Avatar set"));
  else
    {
      g_autofree char *reason = mimp_describe_error (error);
      /* Translators: %s says why */
      g_autofree char *text = g_strdup_printf (_ ("The avatar was not set: %s"), reason);

      show_toast (self, text);
    }
}

typedef struct
{
  MimpPreferencesWindow *self;
  MimpAccount *account;
} AvatarData;

static void
avatar_read (GObject *source, GAsyncResult *result, gpointer data)
{
  AvatarData *ad = data;
  g_autoptr (MimpPreferencesWindow) self = ad->self;
  g_autoptr (MimpAccount) account = ad->account;
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) bytes = NULL;
  g_autofree char *mime = NULL;

  g_free (ad);
  bytes = mimp_image_file_read_finish (result, &mime, &error);
  if (bytes == NULL)
    {
      show_toast (self, error->message);
      return;
    }
  mimp_account_set_own_avatar_async (account, bytes, mime, NULL, avatar_set, g_object_ref (self));
}

/**
 * mimp_preferences_window_set_avatar_from_file:
 *
 * Makes the image in @file the user's avatar on @account's server; a toast
 * says how it went.
 */
void
mimp_preferences_window_set_avatar_from_file (MimpPreferencesWindow *self, MimpAccount *account,
                                              GFile *file)
{
  AvatarData *ad;

  g_return_if_fail (MIMP_IS_PREFERENCES_WINDOW (self));
  g_return_if_fail (MIMP_IS_ACCOUNT (account) && G_IS_FILE (file));

  ad = g_new0 (AvatarData, 1);
  ad->self = g_object_ref (self);
  ad->account = g_object_ref (account);
  mimp_image_file_read_async (file, AVATAR_MAX, NULL, avatar_read, ad);
}

static void
avatar_chosen (GtkNativeDialog *chooser, int response, MimpPreferencesWindow *self)
{
  g_autoptr (GFile) file = NULL;

  if (response == GTK_RESPONSE_ACCEPT)
    file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));
  if (file != NULL)
    mimp_preferences_window_set_avatar_from_file (
        self, g_object_get_data (G_OBJECT (chooser), "account"), file);
  g_object_unref (chooser);
}

static void
on_avatar_clicked (GtkButton *button, MimpPreferencesWindow *self)
{
  MimpAccount *account = g_object_get_data (G_OBJECT (button), "account");
  GtkFileChooserNative *chooser =
      mimp_image_chooser_new (GTK_WINDOW (self), _ ("Choose an Avatar"), _ ("_Set Avatar"));

  g_object_set_data_full (G_OBJECT (chooser), "account", g_object_ref (account), g_object_unref);
  g_signal_connect_object (chooser, "response", G_CALLBACK (avatar_chosen), self, 0);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

/* ------------------------------------------------------------------ */
/* Editing an account                                                 */
/* ------------------------------------------------------------------ */

/**
 * mimp_preferences_window_edit_account:
 *
 * Opens the dialog that edits @account (its server, port, user name and
 * its type's own settings).
 *
 * Returns: (transfer none): the dialog
 */
GtkWindow *
mimp_preferences_window_edit_account (MimpPreferencesWindow *self, MimpAccount *account)
{
  MimpAccountDialog *dialog = mimp_account_dialog_new_for_account (
      mimp_application_get_accounts (self->application),
      mimp_application_get_secrets (self->application), GTK_WINDOW (self), account);

  g_signal_connect_object (dialog, "destroy", G_CALLBACK (rebuild_accounts), self,
                           G_CONNECT_SWAPPED);
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
      if (mimp_protocol_has (mimp_account_get_protocol (account), MIMP_PROTOCOL_AVATARS))
        {
          GtkWidget *avatar = gtk_button_new_from_icon_name ("avatar-default-symbolic");

          gtk_widget_set_valign (avatar, GTK_ALIGN_CENTER);
          gtk_widget_add_css_class (avatar, "flat");
          gtk_widget_set_name (avatar, "set-avatar");
          gtk_widget_set_tooltip_text (avatar, _ ("Set Avatar…"));
          gtk_accessible_update_property (GTK_ACCESSIBLE (avatar), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                          _ ("Set Avatar…"), -1);
          g_object_set_data (G_OBJECT (avatar), "account", account);
          g_signal_connect (avatar, "clicked", G_CALLBACK (on_avatar_clicked), self);
          adw_action_row_add_suffix (ADW_ACTION_ROW (row), avatar);
        }
      gtk_widget_set_valign (password, GTK_ALIGN_CENTER);
      gtk_widget_add_css_class (password, "flat");
      gtk_widget_set_tooltip_text (password, _ ("Enter Password"));
      gtk_accessible_update_property (GTK_ACCESSIBLE (password), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                      _ ("Enter Password"), -1);
      g_object_set_data (G_OBJECT (password), "account", account);
      g_signal_connect (password, "clicked", G_CALLBACK (on_password_clicked), self);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), password);
      /* Only for the types that have passwords. */
      gtk_widget_set_visible (password, mimp_protocol_has (mimp_account_get_protocol (account),
                                                           MIMP_PROTOCOL_PASSWORD));

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
