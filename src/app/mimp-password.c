/* mimp-password.c - keeping a password the user typed
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "mimp-password"

#include "config.h"

#include <glib/gi18n.h>

#include "mimp-password.h"

typedef struct
{
  MimpAccount *account;
  GtkWindow *parent;
} RememberData;

static void
password_stored (GObject *source, GAsyncResult *result, gpointer data)
{
  RememberData *rd = data;
  g_autoptr (GError) error = NULL;

  if (!mimp_secret_store_store_finish (MIMP_SECRET_STORE (source), result, &error))
    {
      g_autofree char *reason = mimp_describe_error (error);
      g_autofree char *name = mimp_account_dup_display_name (rd->account);
      g_autofree char *body = g_strdup_printf (
          _ ("%s The password of %s is not saved anywhere: it is used for this session only, and "
             "you will be asked for it after Mimp restarts."),
          reason, name);
      GtkWidget *dialog =
          adw_message_dialog_new (rd->parent, _ ("Password Used for This Session Only"), body);

      g_message ("Could not save a password in the keyring: %s", error->message);
      mimp_account_set_password_is_session_only (rd->account, TRUE);
      adw_message_dialog_add_response (ADW_MESSAGE_DIALOG (dialog), "ok", _ ("_OK"));
      gtk_window_present (GTK_WINDOW (dialog));
    }
  g_object_unref (rd->account);
  g_clear_object (&rd->parent);
  g_free (rd);
}

/**
 * mimp_remember_password:
 * @secrets: the keyring
 * @account: whose password it is
 * @password: the password
 * @parent: (nullable): the window to say it over, if it fails
 *
 * Saves @password in the keyring. If the keyring is unavailable, locked
 * and not unlocked, or does not answer, says so: the password then stays
 * in memory for this session only, and nowhere else.
 */
void
mimp_remember_password (MimpSecretStore *secrets, MimpAccount *account, const char *password,
                        GtkWindow *parent)
{
  RememberData *rd = g_new0 (RememberData, 1);

  rd->account = g_object_ref (account);
  rd->parent = parent ? g_object_ref (parent) : NULL;
  mimp_secret_store_store_async (
      secrets, mimp_protocol_get_id (mimp_account_get_protocol (account)),
      mimp_account_get_host (account), mimp_account_get_port (account),
      mimp_account_get_user (account), password, NULL, password_stored, rd);
}
