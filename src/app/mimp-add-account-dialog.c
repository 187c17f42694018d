/* mimp-add-account-dialog.c
 *
 * Logs in with a MimpConnection before anything is saved, and says
 * precisely what went wrong: wrong password, unreachable, not a MIMP
 * server, invalid puzzle, or an untrusted certificate with its SHA-256
 * fingerprint and a way to trust (pin) it.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "mimp-add-account-dialog"

#include "config.h"

#include <glib/gi18n.h>

#include "mimp.h"
#include "mimp-connection.h"
#include "mimp-add-account-dialog.h"
#include "mimp-protocol.h"

#define TEST_TIMEOUT 15

struct _MimpAddAccountDialog
{
  AdwWindow parent_instance;

  GtkButton *cancel_button;
  GtkButton *add_button;
  GtkSpinner *spinner;
  AdwEntryRow *server_row;
  AdwEntryRow *user_row;
  AdwPasswordEntryRow *password_row;
  GtkSwitch *tls_switch;
  GtkLabel *error_label;
  GtkButton *trust_button;
  GtkWidget *fields_group;

  MimpApplication *application;
  MimpConnection *connection;
  MimpProtocol *protocol; /* the account type; only MIMP accounts can be added so far */
  GCancellable *cancellable;
  char *fingerprint; /* of a certificate shown to the user */
  char *trusted;     /* the fingerprint the user chose to trust */
};

G_DEFINE_FINAL_TYPE (MimpAddAccountDialog, mimp_add_account_dialog, ADW_TYPE_WINDOW)

static void
set_busy (MimpAddAccountDialog *self, gboolean busy)
{
  gtk_widget_set_visible (GTK_WIDGET (self->spinner), busy);
  gtk_spinner_set_spinning (self->spinner, busy);
  gtk_widget_set_sensitive (self->fields_group, !busy);
  gtk_widget_set_sensitive (GTK_WIDGET (self->add_button), !busy);
}

static void
show_error (MimpAddAccountDialog *self, const char *text)
{
  gtk_label_set_text (self->error_label, text ? text : "");
  gtk_widget_set_visible (GTK_WIDGET (self->error_label), text != NULL);
}

gboolean
mimp_add_account_dialog_get_busy (MimpAddAccountDialog *self)
{
  return self->connection != NULL;
}

const char *
mimp_add_account_dialog_get_error (MimpAddAccountDialog *self)
{
  return gtk_widget_get_visible (GTK_WIDGET (self->error_label))
             ? gtk_label_get_text (self->error_label)
             : NULL;
}

static void
update_add_sensitive (MimpAddAccountDialog *self)
{
  gboolean ok = *gtk_editable_get_text (GTK_EDITABLE (self->server_row)) != '\0' &&
                *gtk_editable_get_text (GTK_EDITABLE (self->user_row)) != '\0' &&
                *gtk_editable_get_text (GTK_EDITABLE (self->password_row)) != '\0';

  if (self->connection == NULL)
    gtk_widget_set_sensitive (GTK_WIDGET (self->add_button), ok);
  gtk_widget_set_visible (GTK_WIDGET (self->trust_button), FALSE);
}

static void
login_done (GObject *source, GAsyncResult *result, gpointer data)
{
  MimpAddAccountDialog *self = data;
  MimpConnection *connection = MIMP_CONNECTION (source);
  g_autoptr (GError) error = NULL;

  if (!mimp_connection_login_finish (connection, result, &error))
    {
      g_autofree char *message = NULL;

      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          g_object_unref (self);
          return;
        }
      g_clear_object (&self->connection);
      set_busy (self, FALSE);

      if (g_error_matches (error, MIMP_ERROR, MIMP_ERROR_CERTIFICATE))
        {
          GTlsCertificate *certificate = mimp_connection_get_peer_certificate (connection);

          g_free (self->fingerprint);
          self->fingerprint = certificate ? mimp_certificate_get_fingerprint (certificate) : NULL;
          message = g_strdup_printf (_ ("The server’s certificate is not trusted by your system. "
                                        "Its SHA-256 fingerprint is\n%s\nTrust it only if it "
                                        "matches what your server’s administrator told you."),
                                     self->fingerprint ? self->fingerprint : _ ("(unknown)"));
          gtk_widget_set_visible (GTK_WIDGET (self->trust_button), self->fingerprint != NULL);
        }
      else
        message = mimp_describe_error (error);
      show_error (self, message);
      g_object_unref (self);
      return;
    }

  /* It works: save the account and its password. */
  {
    MimpAccountManager *manager = mimp_application_get_accounts (self->application);
    g_autoptr (MimpAccount) account = NULL;
    const char *password = gtk_editable_get_text (GTK_EDITABLE (self->password_row));

    account = mimp_account_new (self->protocol, NULL, mimp_connection_get_host (connection),
                                mimp_connection_get_port (connection),
                                mimp_connection_get_user (connection)
                                    ? mimp_connection_get_user (connection)
                                    : gtk_editable_get_text (GTK_EDITABLE (self->user_row)),
                                mimp_connection_get_use_tls (connection));
    mimp_connection_close (connection);
    g_clear_object (&self->connection);
    mimp_account_set_fingerprint (account, self->trusted);
    mimp_account_use_password (account, password, FALSE);
    mimp_account_manager_add (manager, account);
    mimp_application_remember_password (self->application, account, password,
                                        gtk_window_get_transient_for (GTK_WINDOW (self)));
    set_busy (self, FALSE);
    gtk_window_close (GTK_WINDOW (self));
  }
  g_object_unref (self);
}

void
mimp_add_account_dialog_submit (MimpAddAccountDialog *self)
{
  g_autofree char *host = NULL;
  g_autofree char *user = NULL;
  g_autoptr (GError) error = NULL;
  const char *password;
  gboolean use_tls;
  guint16 port;

  if (self->connection != NULL)
    return;

  use_tls = gtk_switch_get_active (self->tls_switch);
  if (!mimp_protocol_parse_server (self->protocol,
                                   gtk_editable_get_text (GTK_EDITABLE (self->server_row)), use_tls,
                                   &host, &port))
    {
      show_error (self, _ ("Enter a server as a host name or address, optionally followed by "
                           ":port."));
      return;
    }
  if (!mimp_protocol_normalize_peer (
          self->protocol, gtk_editable_get_text (GTK_EDITABLE (self->user_row)), &user, &error))
    {
      show_error (self, _ ("User names are 1 to 32 characters: a–z, 0–9, dot, dash and "
                           "underscore."));
      return;
    }
  password = gtk_editable_get_text (GTK_EDITABLE (self->password_row));
  if (!mimp_password_check (password, NULL))
    {
      show_error (self, _ ("Enter the password (1 to 1024 bytes)."));
      return;
    }
  if (mimp_account_manager_find (mimp_application_get_accounts (self->application), self->protocol,
                                 host, port, user) != NULL)
    {
      show_error (self, _ ("This account has been added already."));
      return;
    }

  show_error (self, NULL);
  gtk_widget_set_visible (GTK_WIDGET (self->trust_button), FALSE);
  set_busy (self, TRUE);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  self->connection = mimp_connection_new (host, port, use_tls);
  mimp_connection_set_timeout (self->connection, TEST_TIMEOUT);
  if (self->trusted != NULL)
    mimp_connection_set_accepted_certificate (self->connection, self->trusted);
  mimp_connection_login_async (self->connection, user, password, self->cancellable, login_done,
                               g_object_ref (self));
}

void
mimp_add_account_dialog_trust (MimpAddAccountDialog *self)
{
  if (self->fingerprint == NULL)
    return;
  g_free (self->trusted);
  self->trusted = g_strdup (self->fingerprint);
  mimp_add_account_dialog_submit (self);
}

void
mimp_add_account_dialog_fill (MimpAddAccountDialog *self, const char *server, const char *user,
                              const char *password, gboolean use_tls)
{
  gtk_editable_set_text (GTK_EDITABLE (self->server_row), server ? server : "");
  gtk_editable_set_text (GTK_EDITABLE (self->user_row), user ? user : "");
  gtk_editable_set_text (GTK_EDITABLE (self->password_row), password ? password : "");
  gtk_switch_set_active (self->tls_switch, use_tls);
}

static void
on_cancel (MimpAddAccountDialog *self)
{
  gtk_window_close (GTK_WINDOW (self));
}

static void
mimp_add_account_dialog_dispose (GObject *object)
{
  MimpAddAccountDialog *self = (MimpAddAccountDialog *) object;

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->connection);
  gtk_widget_dispose_template (GTK_WIDGET (self), MIMP_TYPE_ADD_ACCOUNT_DIALOG);

  G_OBJECT_CLASS (mimp_add_account_dialog_parent_class)->dispose (object);
}

static void
mimp_add_account_dialog_finalize (GObject *object)
{
  MimpAddAccountDialog *self = (MimpAddAccountDialog *) object;

  g_free (self->fingerprint);
  g_free (self->trusted);

  G_OBJECT_CLASS (mimp_add_account_dialog_parent_class)->finalize (object);
}

static void
mimp_add_account_dialog_class_init (MimpAddAccountDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = mimp_add_account_dialog_dispose;
  object_class->finalize = mimp_add_account_dialog_finalize;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/mimp/Mimp/mimp-add-account-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, MimpAddAccountDialog, cancel_button);
  gtk_widget_class_bind_template_child (widget_class, MimpAddAccountDialog, add_button);
  gtk_widget_class_bind_template_child (widget_class, MimpAddAccountDialog, spinner);
  gtk_widget_class_bind_template_child (widget_class, MimpAddAccountDialog, server_row);
  gtk_widget_class_bind_template_child (widget_class, MimpAddAccountDialog, user_row);
  gtk_widget_class_bind_template_child (widget_class, MimpAddAccountDialog, password_row);
  gtk_widget_class_bind_template_child (widget_class, MimpAddAccountDialog, tls_switch);
  gtk_widget_class_bind_template_child (widget_class, MimpAddAccountDialog, error_label);
  gtk_widget_class_bind_template_child (widget_class, MimpAddAccountDialog, trust_button);
  gtk_widget_class_bind_template_child (widget_class, MimpAddAccountDialog, fields_group);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
mimp_add_account_dialog_init (MimpAddAccountDialog *self)
{
  self->protocol = mimp_protocol_find ("mimp");
  gtk_widget_init_template (GTK_WIDGET (self));

  g_signal_connect_swapped (self->cancel_button, "clicked", G_CALLBACK (on_cancel), self);
  g_signal_connect_swapped (self->add_button, "clicked",
                            G_CALLBACK (mimp_add_account_dialog_submit), self);
  g_signal_connect_swapped (self->trust_button, "clicked",
                            G_CALLBACK (mimp_add_account_dialog_trust), self);
  g_signal_connect_swapped (self->server_row, "changed", G_CALLBACK (update_add_sensitive), self);
  g_signal_connect_swapped (self->user_row, "changed", G_CALLBACK (update_add_sensitive), self);
  g_signal_connect_swapped (self->password_row, "changed", G_CALLBACK (update_add_sensitive), self);
  g_signal_connect_swapped (self->password_row, "entry-activated",
                            G_CALLBACK (mimp_add_account_dialog_submit), self);
  gtk_window_set_default_widget (GTK_WINDOW (self), GTK_WIDGET (self->add_button));
}

MimpAddAccountDialog *
mimp_add_account_dialog_new (MimpApplication *application, GtkWindow *parent)
{
  MimpAddAccountDialog *self =
      g_object_new (MIMP_TYPE_ADD_ACCOUNT_DIALOG, "transient-for", parent, NULL);

  self->application = application;
  return self;
}
