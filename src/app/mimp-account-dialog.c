/* mimp-account-dialog.c
 *
 * One dialog for adding and editing accounts of every type. The type comes
 * first; its fields follow what the type says of itself (mimp-protocol.h):
 * what the user's name is called, whether there is a password, TLS, a
 * choice of its own (Miricat's dialect) or registration. A new account
 * signs in once (the protocol's test_login) before anything is saved, and
 * the dialog says precisely what went wrong: wrong password, unreachable,
 * not that kind of server, or an untrusted certificate with its SHA-256
 * fingerprint and a way to trust (pin) it. Editing keeps the account, its
 * chats and its type; its password moves with it in the keyring.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "mimp-account-dialog"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "mimp-account-dialog.h"
#include "mimp-password.h"
#include "mimp-protocol.h"

/* The longest password the app hands to any protocol, in bytes. */
#define PASSWORD_MAX 1024

struct _MimpAccountDialog
{
  AdwWindow parent_instance;

  GtkButton *cancel_button;
  GtkButton *add_button;
  GtkSpinner *spinner;
  GtkWidget *form;
  AdwComboRow *type_row;
  AdwPreferencesGroup *fields_group;
  AdwEntryRow *server_row;
  AdwEntryRow *user_row;
  AdwPasswordEntryRow *password_row;
  GtkWidget *tls_row;
  GtkSwitch *tls_switch;
  GtkWidget *register_row;
  GtkSwitch *register_switch;
  GtkLabel *security_label;
  GtkLabel *error_label;
  GtkButton *trust_button;

  MimpAccountManager *accounts; /* where a new account goes */
  MimpSecretStore *secrets;     /* where its password goes */
  MimpAccount *account;         /* the account edited, or NULL when adding */
  MimpAccount *trying;          /* the new account while it signs in */
  GPtrArray *protocols;         /* the types offered, as in the type row */
  MimpProtocol *protocol;
  GPtrArray *option_rows; /* AdwComboRow, one per option of the type */
  GCancellable *cancellable;
  char *fingerprint; /* of a certificate shown to the user */
  char *trusted;     /* the fingerprint the user chose to trust */
};

G_DEFINE_FINAL_TYPE (MimpAccountDialog, mimp_account_dialog, ADW_TYPE_WINDOW)

static void validate (MimpAccountDialog *self);

static void
set_busy (MimpAccountDialog *self, gboolean busy)
{
  gtk_widget_set_visible (GTK_WIDGET (self->spinner), busy);
  gtk_spinner_set_spinning (self->spinner, busy);
  gtk_widget_set_sensitive (self->form, !busy);
  validate (self);
}

static void
show_error (MimpAccountDialog *self, const char *text)
{
  gtk_label_set_text (self->error_label, text ? text : "");
  gtk_widget_set_visible (GTK_WIDGET (self->error_label), text != NULL);
}

gboolean
mimp_account_dialog_get_busy (MimpAccountDialog *self)
{
  g_return_val_if_fail (MIMP_IS_ACCOUNT_DIALOG (self), FALSE);
  return self->trying != NULL;
}

const char *
mimp_account_dialog_get_error (MimpAccountDialog *self)
{
  g_return_val_if_fail (MIMP_IS_ACCOUNT_DIALOG (self), NULL);
  return gtk_widget_get_visible (GTK_WIDGET (self->error_label))
             ? gtk_label_get_text (self->error_label)
             : NULL;
}

gboolean
mimp_account_dialog_get_can_submit (MimpAccountDialog *self)
{
  g_return_val_if_fail (MIMP_IS_ACCOUNT_DIALOG (self), FALSE);
  return gtk_widget_get_sensitive (GTK_WIDGET (self->add_button));
}

static gboolean
needs_password (MimpAccountDialog *self)
{
  return self->account == NULL && mimp_protocol_has (self->protocol, MIMP_PROTOCOL_PASSWORD);
}

static gboolean
use_tls (MimpAccountDialog *self)
{
  return mimp_protocol_has (self->protocol, MIMP_PROTOCOL_TLS) &&
         gtk_switch_get_active (self->tls_switch);
}

/* ------------------------------------------------------------------ */
/* The fields                                                         */
/* ------------------------------------------------------------------ */

typedef struct
{
  char *host;
  guint16 port;
  char *user;
} Fields;

static void
fields_clear (Fields *fields)
{
  g_clear_pointer (&fields->host, g_free);
  g_clear_pointer (&fields->user, g_free);
}

/* Reads the fields. Returns %NULL when they make an account, else why not
 * (or "" when a field is simply empty: nothing to say yet). */
static const char *
parse (MimpAccountDialog *self, Fields *fields)
{
  const char *server = gtk_editable_get_text (GTK_EDITABLE (self->server_row));
  const char *user = gtk_editable_get_text (GTK_EDITABLE (self->user_row));
  const char *password = gtk_editable_get_text (GTK_EDITABLE (self->password_row));
  MimpAccount *existing;
  g_autoptr (GError) error = NULL;

  memset (fields, 0, sizeof *fields);
  if (*server == '\0' || *user == '\0' || (needs_password (self) && *password == '\0'))
    return "";
  if (!mimp_protocol_parse_server (self->protocol, server, use_tls (self), &fields->host,
                                   &fields->port))
    return _ ("Enter a server as a host name or address, optionally followed by :port.");
  if (!mimp_protocol_normalize_peer (self->protocol, user, &fields->user, &error))
    {
      fields_clear (fields);
      /* The protocol's own rule, e.g. which characters a name may have. */
      return g_intern_string (error->message);
    }
  if (needs_password (self) && strlen (password) > PASSWORD_MAX)
    {
      fields_clear (fields);
      return _ ("The password is too long.");
    }
  existing = mimp_account_manager_find (self->accounts, self->protocol, fields->host, fields->port,
                                        fields->user);
  if (existing != NULL && existing != self->account)
    {
      fields_clear (fields);
      return _ ("This account has been added already.");
    }
  return NULL;
}

static void
validate (MimpAccountDialog *self)
{
  Fields fields;
  const char *why = parse (self, &fields);

  fields_clear (&fields);
  gtk_widget_set_sensitive (GTK_WIDGET (self->add_button), why == NULL && self->trying == NULL);
  if (self->trying == NULL)
    show_error (self, why != NULL && *why != '\0' ? why : NULL);
}

static void
on_field_changed (MimpAccountDialog *self)
{
  gtk_widget_set_visible (GTK_WIDGET (self->trust_button), FALSE);
  validate (self);
}

static void
update_security (MimpAccountDialog *self)
{
  g_autofree char *words = mimp_protocol_describe_security (self->protocol, use_tls (self), FALSE);

  gtk_label_set_label (self->security_label, words);
}

/* Shows the fields of @protocol's accounts. */
static void
set_protocol (MimpAccountDialog *self, MimpProtocol *protocol)
{
  guint16 port;
  g_autofree char *server_title = NULL;

  if (self->protocol == protocol)
    return;
  self->protocol = protocol;

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->user_row),
                                 mimp_protocol_get_user_title (protocol));
  port = mimp_protocol_get_default_port (protocol, FALSE);
  /* Translators: the server field's title: "Server" or "Relay", then the port used when none
   * is given */
  server_title = g_strdup_printf (_ ("%s (host, or host:port; port %u unless given)"),
                                  mimp_protocol_get_server_title (protocol), port);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->server_row), server_title);
  gtk_widget_set_visible (GTK_WIDGET (self->password_row), needs_password (self));
  gtk_widget_set_visible (self->tls_row, mimp_protocol_has (protocol, MIMP_PROTOCOL_TLS));
  if (mimp_protocol_has (protocol, MIMP_PROTOCOL_TLS))
    {
      g_autofree char *subtitle =
          g_strdup_printf (_ ("Encrypts the connection to the server (port %u unless given)"),
                           mimp_protocol_get_default_port (protocol, TRUE));
      adw_action_row_set_subtitle (ADW_ACTION_ROW (self->tls_row), subtitle);
    }
  gtk_widget_set_visible (self->register_row,
                          self->account == NULL &&
                              mimp_protocol_has (protocol, MIMP_PROTOCOL_REGISTRATION));
  gtk_switch_set_active (self->register_switch, FALSE);

  /* The type's own choices, each a row of its own. */
  for (guint i = 0; i < self->option_rows->len; i++)
    adw_preferences_group_remove (self->fields_group, self->option_rows->pdata[i]);
  g_ptr_array_set_size (self->option_rows, 0);
  for (const MimpProtocolOption *option = mimp_protocol_get_options (protocol);
       option != NULL && option->key != NULL; option++)
    {
      g_autoptr (GtkStringList) labels = gtk_string_list_new (NULL);
      AdwComboRow *row = ADW_COMBO_ROW (adw_combo_row_new ());
      const char *current =
          self->account ? mimp_account_get_option (self->account, option->key) : option->values[0];

      for (guint i = 0; option->values[i] != NULL; i++)
        {
          gtk_string_list_append (labels, _ (option->value_labels[i]));
          if (g_str_equal (option->values[i], current))
            adw_combo_row_set_selected (row, i);
        }
      adw_combo_row_set_model (row, G_LIST_MODEL (labels));
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), _ (option->title));
      if (option->subtitle != NULL)
        adw_action_row_set_subtitle (ADW_ACTION_ROW (row), _ (option->subtitle));
      g_object_set_data (G_OBJECT (row), "option", (gpointer) option);
      for (guint i = 0; option->values[i] != NULL; i++)
        if (g_str_equal (option->values[i], current))
          adw_combo_row_set_selected (row, i);
      adw_preferences_group_add (self->fields_group, GTK_WIDGET (row));
      g_ptr_array_add (self->option_rows, row);
    }
  update_security (self);
  validate (self);
}

static void
on_type_selected (MimpAccountDialog *self)
{
  guint selected = adw_combo_row_get_selected (self->type_row);

  if (selected < self->protocols->len)
    set_protocol (self, self->protocols->pdata[selected]);
}

/**
 * mimp_account_dialog_set_protocol:
 *
 * Chooses the type of the account to add, as the type row does.
 *
 * Returns: whether @protocol_id is a type the dialog offers
 */
gboolean
mimp_account_dialog_set_protocol (MimpAccountDialog *self, const char *protocol_id)
{
  g_return_val_if_fail (MIMP_IS_ACCOUNT_DIALOG (self), FALSE);
  g_return_val_if_fail (self->account == NULL, FALSE);

  for (guint i = 0; i < self->protocols->len; i++)
    if (g_str_equal (mimp_protocol_get_id (self->protocols->pdata[i]), protocol_id))
      {
        adw_combo_row_set_selected (self->type_row, i);
        return TRUE;
      }
  return FALSE;
}

/**
 * mimp_account_dialog_set_option:
 *
 * Chooses @value for the type's option @key, as its row does.
 */
gboolean
mimp_account_dialog_set_option (MimpAccountDialog *self, const char *key, const char *value)
{
  g_return_val_if_fail (MIMP_IS_ACCOUNT_DIALOG (self), FALSE);

  for (guint i = 0; i < self->option_rows->len; i++)
    {
      const MimpProtocolOption *option = g_object_get_data (self->option_rows->pdata[i], "option");

      if (!g_str_equal (option->key, key))
        continue;
      for (guint j = 0; option->values[j] != NULL; j++)
        if (g_str_equal (option->values[j], value))
          {
            adw_combo_row_set_selected (self->option_rows->pdata[i], j);
            return TRUE;
          }
    }
  return FALSE;
}

/* The options chosen in their rows, as the account keeps them. */
static void
apply_options (MimpAccountDialog *self, MimpAccount *account)
{
  for (guint i = 0; i < self->option_rows->len; i++)
    {
      const MimpProtocolOption *option = g_object_get_data (self->option_rows->pdata[i], "option");
      guint selected = adw_combo_row_get_selected (self->option_rows->pdata[i]);

      if (selected < g_strv_length ((char **) option->values))
        mimp_account_set_option (account, option->key, option->values[selected]);
    }
}

void
mimp_account_dialog_fill (MimpAccountDialog *self, const char *server, const char *user,
                          const char *password, gboolean tls)
{
  g_return_if_fail (MIMP_IS_ACCOUNT_DIALOG (self));
  gtk_editable_set_text (GTK_EDITABLE (self->server_row), server ? server : "");
  gtk_editable_set_text (GTK_EDITABLE (self->user_row), user ? user : "");
  gtk_editable_set_text (GTK_EDITABLE (self->password_row), password ? password : "");
  gtk_switch_set_active (self->tls_switch, tls);
}

/* ------------------------------------------------------------------ */
/* Adding: register if asked, sign in once, then save                 */
/* ------------------------------------------------------------------ */

static void
login_failed (MimpAccountDialog *self, GError *error)
{
  g_autofree char *message = NULL;

  g_clear_object (&self->trying);
  set_busy (self, FALSE);
  if (self->fingerprint != NULL)
    {
      message = g_strdup_printf (_ ("The server’s certificate is not trusted by your system. "
                                    "Its SHA-256 fingerprint is\n%s\nTrust it only if it "
                                    "matches what your server’s administrator told you."),
                                 self->fingerprint);
      gtk_widget_set_visible (GTK_WIDGET (self->trust_button), TRUE);
    }
  else
    message = mimp_describe_error (error);
  show_error (self, message);
}

static void
login_done (GObject *source, GAsyncResult *result, gpointer data)
{
  g_autoptr (MimpAccountDialog) self = data;
  g_autoptr (GError) error = NULL;
  g_autoptr (MimpAccount) account = NULL;
  MimpAccountManager *manager;
  const char *password;

  g_clear_pointer (&self->fingerprint, g_free);
  if (!mimp_protocol_test_login_finish (MIMP_PROTOCOL (source), result, &self->fingerprint, &error))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        login_failed (self, error);
      return;
    }

  /* It works: save the account and its password. */
  account = g_steal_pointer (&self->trying);
  manager = self->accounts;
  password = gtk_editable_get_text (GTK_EDITABLE (self->password_row));
  if (needs_password (self))
    mimp_account_use_password (account, password, FALSE);
  mimp_account_manager_add (manager, account);
  if (needs_password (self))
    mimp_remember_password (self->secrets, account, password,
                            gtk_window_get_transient_for (GTK_WINDOW (self)));
  set_busy (self, FALSE);
  gtk_window_close (GTK_WINDOW (self));
}

static void
sign_in (MimpAccountDialog *self)
{
  mimp_protocol_test_login_async (self->protocol, self->trying,
                                  gtk_editable_get_text (GTK_EDITABLE (self->password_row)),
                                  self->cancellable, login_done, g_object_ref (self));
}

static void
registered (GObject *source, GAsyncResult *result, gpointer data)
{
  g_autoptr (MimpAccountDialog) self = data;
  g_autoptr (GError) error = NULL;

  if (!mimp_protocol_register_finish (MIMP_PROTOCOL (source), result, &error))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        login_failed (self, error);
      return;
    }
  /* Created: the switch is off from now on, so that a retry signs in. */
  gtk_switch_set_active (self->register_switch, FALSE);
  sign_in (self);
}

static void
save_edit (MimpAccountDialog *self, Fields *fields)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GHashTable) options = g_hash_table_new (g_str_hash, g_str_equal);

  for (guint i = 0; i < self->option_rows->len; i++)
    {
      const MimpProtocolOption *option = g_object_get_data (self->option_rows->pdata[i], "option");
      guint selected = adw_combo_row_get_selected (self->option_rows->pdata[i]);

      g_hash_table_insert (options, (gpointer) option->key, (gpointer) option->values[selected]);
    }
  mimp_account_change_server (self->account, fields->host, fields->port, fields->user,
                              use_tls (self), options);
  if (!mimp_account_manager_save (self->accounts, &error))
    {
      /* The dialog stays, saying so: Save tries again. */
      /* Translators: %s says why */
      g_autofree char *text = g_strdup_printf (
          _ ("The account connects to the new server now, but could not be saved for the next "
             "start: %s"),
          error->message);

      show_error (self, text);
      return;
    }
  gtk_window_close (GTK_WINDOW (self));
}

void
mimp_account_dialog_submit (MimpAccountDialog *self)
{
  Fields fields;
  const char *why;

  g_return_if_fail (MIMP_IS_ACCOUNT_DIALOG (self));

  if (self->trying != NULL)
    return;
  why = parse (self, &fields);
  if (why != NULL)
    {
      show_error (self, *why != '\0' ? why : _ ("Fill in every field."));
      return;
    }
  if (self->account != NULL)
    {
      save_edit (self, &fields);
      fields_clear (&fields);
      return;
    }

  show_error (self, NULL);
  gtk_widget_set_visible (GTK_WIDGET (self->trust_button), FALSE);
  self->trying = mimp_account_new (self->protocol, NULL, fields.host, fields.port, fields.user,
                                   use_tls (self));
  fields_clear (&fields);
  mimp_account_set_fingerprint (self->trying, self->trusted);
  apply_options (self, self->trying);
  set_busy (self, TRUE);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  if (gtk_widget_get_visible (self->register_row) && gtk_switch_get_active (self->register_switch))
    mimp_protocol_register_async (self->protocol, self->trying,
                                  gtk_editable_get_text (GTK_EDITABLE (self->password_row)),
                                  self->cancellable, registered, g_object_ref (self));
  else
    sign_in (self);
}

void
mimp_account_dialog_trust (MimpAccountDialog *self)
{
  g_return_if_fail (MIMP_IS_ACCOUNT_DIALOG (self));

  if (self->fingerprint == NULL)
    return;
  g_free (self->trusted);
  self->trusted = g_strdup (self->fingerprint);
  mimp_account_dialog_submit (self);
}

/* ------------------------------------------------------------------ */

static void
on_cancel (MimpAccountDialog *self)
{
  gtk_window_close (GTK_WINDOW (self));
}

static void
mimp_account_dialog_dispose (GObject *object)
{
  MimpAccountDialog *self = (MimpAccountDialog *) object;

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->trying);
  g_clear_object (&self->account);
  g_clear_object (&self->accounts);
  g_clear_object (&self->secrets);
  gtk_widget_dispose_template (GTK_WIDGET (self), MIMP_TYPE_ACCOUNT_DIALOG);

  G_OBJECT_CLASS (mimp_account_dialog_parent_class)->dispose (object);
}

static void
mimp_account_dialog_finalize (GObject *object)
{
  MimpAccountDialog *self = (MimpAccountDialog *) object;

  g_ptr_array_unref (self->protocols);
  g_ptr_array_unref (self->option_rows);
  g_free (self->fingerprint);
  g_free (self->trusted);

  G_OBJECT_CLASS (mimp_account_dialog_parent_class)->finalize (object);
}

static void
mimp_account_dialog_class_init (MimpAccountDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = mimp_account_dialog_dispose;
  object_class->finalize = mimp_account_dialog_finalize;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/mimp/Mimp/mimp-account-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, MimpAccountDialog, cancel_button);
  gtk_widget_class_bind_template_child (widget_class, MimpAccountDialog, add_button);
  gtk_widget_class_bind_template_child (widget_class, MimpAccountDialog, spinner);
  gtk_widget_class_bind_template_child (widget_class, MimpAccountDialog, form);
  gtk_widget_class_bind_template_child (widget_class, MimpAccountDialog, type_row);
  gtk_widget_class_bind_template_child (widget_class, MimpAccountDialog, fields_group);
  gtk_widget_class_bind_template_child (widget_class, MimpAccountDialog, server_row);
  gtk_widget_class_bind_template_child (widget_class, MimpAccountDialog, user_row);
  gtk_widget_class_bind_template_child (widget_class, MimpAccountDialog, password_row);
  gtk_widget_class_bind_template_child (widget_class, MimpAccountDialog, tls_row);
  gtk_widget_class_bind_template_child (widget_class, MimpAccountDialog, tls_switch);
  gtk_widget_class_bind_template_child (widget_class, MimpAccountDialog, register_row);
  gtk_widget_class_bind_template_child (widget_class, MimpAccountDialog, register_switch);
  gtk_widget_class_bind_template_child (widget_class, MimpAccountDialog, security_label);
  gtk_widget_class_bind_template_child (widget_class, MimpAccountDialog, error_label);
  gtk_widget_class_bind_template_child (widget_class, MimpAccountDialog, trust_button);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
mimp_account_dialog_init (MimpAccountDialog *self)
{
  g_autoptr (GtkStringList) names = gtk_string_list_new (NULL);

  gtk_widget_init_template (GTK_WIDGET (self));
  self->option_rows = g_ptr_array_new ();
  self->protocols = mimp_protocol_list ();
  for (guint i = 0; i < self->protocols->len; i++)
    gtk_string_list_append (names, mimp_protocol_get_display_name (self->protocols->pdata[i]));
  adw_combo_row_set_model (self->type_row, G_LIST_MODEL (names));

  g_signal_connect_swapped (self->cancel_button, "clicked", G_CALLBACK (on_cancel), self);
  g_signal_connect_swapped (self->add_button, "clicked", G_CALLBACK (mimp_account_dialog_submit),
                            self);
  g_signal_connect_swapped (self->trust_button, "clicked", G_CALLBACK (mimp_account_dialog_trust),
                            self);
  g_signal_connect_swapped (self->server_row, "changed", G_CALLBACK (on_field_changed), self);
  g_signal_connect_swapped (self->user_row, "changed", G_CALLBACK (on_field_changed), self);
  g_signal_connect_swapped (self->password_row, "changed", G_CALLBACK (on_field_changed), self);
  g_signal_connect_swapped (self->tls_switch, "notify::active", G_CALLBACK (on_field_changed),
                            self);
  g_signal_connect_swapped (self->tls_switch, "notify::active", G_CALLBACK (update_security), self);
  g_signal_connect_swapped (self->server_row, "entry-activated",
                            G_CALLBACK (mimp_account_dialog_submit), self);
  g_signal_connect_swapped (self->user_row, "entry-activated",
                            G_CALLBACK (mimp_account_dialog_submit), self);
  g_signal_connect_swapped (self->password_row, "entry-activated",
                            G_CALLBACK (mimp_account_dialog_submit), self);
  gtk_window_set_default_widget (GTK_WINDOW (self), GTK_WIDGET (self->add_button));
}

static MimpAccountDialog *
dialog_new (MimpAccountManager *accounts, MimpSecretStore *secrets, GtkWindow *parent)
{
  MimpAccountDialog *self = g_object_new (MIMP_TYPE_ACCOUNT_DIALOG, "transient-for", parent, NULL);

  self->accounts = g_object_ref (accounts);
  self->secrets = g_object_ref (secrets);
  return self;
}

/**
 * mimp_account_dialog_new:
 * @accounts: the accounts, which the new one joins once it signed in
 * @secrets: the keyring, for its password
 * @parent: (nullable): the window it is over
 *
 * Returns: the dialog that adds an account, of the first type (MIMP)
 */
MimpAccountDialog *
mimp_account_dialog_new (MimpAccountManager *accounts, MimpSecretStore *secrets, GtkWindow *parent)
{
  MimpAccountDialog *self = dialog_new (accounts, secrets, parent);

  set_protocol (self, self->protocols->pdata[0]);
  g_signal_connect_swapped (self->type_row, "notify::selected", G_CALLBACK (on_type_selected),
                            self);
  return self;
}

/**
 * mimp_account_dialog_new_for_account:
 * @accounts: the accounts @account is one of
 * @secrets: the keyring
 * @parent: (nullable): the window it is over
 * @account: the account to edit
 *
 * Returns: the dialog that edits where and as whom @account connects; its
 *   type cannot change (it is part of the account's identity)
 */
MimpAccountDialog *
mimp_account_dialog_new_for_account (MimpAccountManager *accounts, MimpSecretStore *secrets,
                                     GtkWindow *parent, MimpAccount *account)
{
  MimpAccountDialog *self = dialog_new (accounts, secrets, parent);
  MimpProtocol *protocol = mimp_account_get_protocol (account);
  const char *host = mimp_account_get_host (account);
  guint16 port = mimp_account_get_port (account);
  g_autofree char *server = NULL;

  self->account = g_object_ref (account);
  gtk_window_set_title (GTK_WINDOW (self), _ ("Edit Account"));
  gtk_button_set_label (self->add_button, _ ("_Save"));
  for (guint i = 0; i < self->protocols->len; i++)
    if (self->protocols->pdata[i] == protocol)
      adw_combo_row_set_selected (self->type_row, i);
  gtk_widget_set_sensitive (GTK_WIDGET (self->type_row), FALSE);
  set_protocol (self, protocol);

  if (port == mimp_protocol_get_default_port (protocol, mimp_account_get_use_tls (account)))
    server = g_strdup (host);
  else if (strchr (host, ':') != NULL)
    server = g_strdup_printf ("[%s]:%u", host, port);
  else
    server = g_strdup_printf ("%s:%u", host, port);
  mimp_account_dialog_fill (self, server, mimp_account_get_user (account), NULL,
                            mimp_account_get_use_tls (account));
  adw_preferences_group_set_description (
      self->fields_group, _ ("Its chats stay with it; its password moves with it in the keyring, "
                             "and it connects again."));
  return self;
}
