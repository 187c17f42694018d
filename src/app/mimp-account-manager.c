/* mimp-account-manager.c
 *
 * Account settings live in a key file ($XDG_CONFIG_HOME/mimp/accounts.ini),
 * one group per account; passwords never do (mimp-secret-store.c).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "mimp-account-manager"

#include "config.h"

#include <errno.h>
#include <string.h>

#include "mimp-account-manager.h"

struct _MimpAccountManager
{
  MimpItemList parent_instance;

  GPtrArray *accounts;
  MimpHistory *history;
  MimpSecretStore *secrets;
  char *config_path;
};

G_DEFINE_FINAL_TYPE (MimpAccountManager, mimp_account_manager, MIMP_TYPE_ITEM_LIST)

enum
{
  MESSAGE_ADDED,
  MESSAGE_UPDATED,
  ACCOUNT_REMOVED,
  CHAT_REQUESTED,
  VERIFICATION_ASKED,
  VERIFICATION_FINISHED,
  MEMBERS_CHANGED,
  VERIFIED_BY_PEER,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
mimp_account_manager_dispose (GObject *object)
{
  MimpAccountManager *self = (MimpAccountManager *) object;

  if (self->accounts != NULL)
    for (guint i = 0; i < self->accounts->len; i++)
      g_signal_handlers_disconnect_by_data (self->accounts->pdata[i], self);
  self->accounts = NULL; /* MimpItemList's, which empties it */
  g_clear_object (&self->history);
  g_clear_object (&self->secrets);

  G_OBJECT_CLASS (mimp_account_manager_parent_class)->dispose (object);
}

static void
mimp_account_manager_finalize (GObject *object)
{
  MimpAccountManager *self = (MimpAccountManager *) object;

  g_free (self->config_path);

  G_OBJECT_CLASS (mimp_account_manager_parent_class)->finalize (object);
}

static void
mimp_account_manager_class_init (MimpAccountManagerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  MIMP_ITEM_LIST_CLASS (klass)->item_type = MIMP_TYPE_ACCOUNT;
  object_class->dispose = mimp_account_manager_dispose;
  object_class->finalize = mimp_account_manager_finalize;

  signals[MESSAGE_ADDED] =
      g_signal_new ("message-added", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                    NULL, G_TYPE_NONE, 2, MIMP_TYPE_ACCOUNT, MIMP_TYPE_CHAT_MESSAGE);
  signals[MESSAGE_UPDATED] =
      g_signal_new ("message-updated", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                    NULL, G_TYPE_NONE, 2, MIMP_TYPE_ACCOUNT, MIMP_TYPE_CHAT_MESSAGE);
  signals[ACCOUNT_REMOVED] =
      g_signal_new ("account-removed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                    NULL, G_TYPE_NONE, 1, MIMP_TYPE_ACCOUNT);
  /* An account's signals of the same names (mimp-account.c), with the
   * account first, for the window. */
  signals[CHAT_REQUESTED] =
      g_signal_new ("chat-requested", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                    NULL, G_TYPE_NONE, 2, MIMP_TYPE_ACCOUNT, G_TYPE_STRING);
  signals[VERIFICATION_ASKED] =
      g_signal_new ("verification-asked", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
                    NULL, NULL, G_TYPE_NONE, 3, MIMP_TYPE_ACCOUNT, G_TYPE_STRING, G_TYPE_STRING);
  signals[VERIFICATION_FINISHED] = g_signal_new (
      "verification-finished", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
      G_TYPE_NONE, 4, MIMP_TYPE_ACCOUNT, G_TYPE_STRING, G_TYPE_BOOLEAN, G_TYPE_POINTER);
  signals[MEMBERS_CHANGED] = g_signal_new (
      "members-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
      G_TYPE_NONE, 4, MIMP_TYPE_ACCOUNT, G_TYPE_STRING, G_TYPE_STRING, G_TYPE_BOOLEAN);
  signals[VERIFIED_BY_PEER] =
      g_signal_new ("verified-by-peer", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                    NULL, G_TYPE_NONE, 2, MIMP_TYPE_ACCOUNT, G_TYPE_STRING);
}

static void
mimp_account_manager_init (MimpAccountManager *self)
{
  self->accounts = mimp_item_list_get_items (MIMP_ITEM_LIST (self));
}

MimpAccountManager *
mimp_account_manager_new (MimpHistory *history, MimpSecretStore *secrets, const char *config_path)
{
  MimpAccountManager *self = g_object_new (MIMP_TYPE_ACCOUNT_MANAGER, NULL);

  self->history = g_object_ref (history);
  self->secrets = g_object_ref (secrets);
  self->config_path =
      config_path ? g_strdup (config_path)
                  : g_build_filename (g_get_user_config_dir (), "mimp", "accounts.ini", NULL);
  return self;
}

MimpHistory *
mimp_account_manager_get_history (MimpAccountManager *self)
{
  g_return_val_if_fail (MIMP_IS_ACCOUNT_MANAGER (self), NULL);
  return self->history;
}

MimpSecretStore *
mimp_account_manager_get_secrets (MimpAccountManager *self)
{
  g_return_val_if_fail (MIMP_IS_ACCOUNT_MANAGER (self), NULL);
  return self->secrets;
}

static void
on_message_added (MimpAccount *account, MimpChatMessage *message, MimpAccountManager *self)
{
  g_signal_emit (self, signals[MESSAGE_ADDED], 0, account, message);
}

static void
on_message_updated (MimpAccount *account, MimpChatMessage *message, MimpAccountManager *self)
{
  g_signal_emit (self, signals[MESSAGE_UPDATED], 0, account, message);
}

static void
on_chat_requested (MimpAccount *account, const char *peer, MimpAccountManager *self)
{
  g_signal_emit (self, signals[CHAT_REQUESTED], 0, account, peer);
}

static void
on_verification_asked (MimpAccount *account, const char *peer, const char *question,
                       MimpAccountManager *self)
{
  g_signal_emit (self, signals[VERIFICATION_ASKED], 0, account, peer, question);
}

static void
on_verification_finished (MimpAccount *account, const char *peer, gboolean matched,
                          const GError *error, MimpAccountManager *self)
{
  g_signal_emit (self, signals[VERIFICATION_FINISHED], 0, account, peer, matched, error);
}

static void
on_verified_by_peer (MimpAccount *account, const char *peer, MimpAccountManager *self)
{
  g_signal_emit (self, signals[VERIFIED_BY_PEER], 0, account, peer);
}

static void
on_members_changed (MimpAccount *account, const char *room, const char *name, gboolean joined,
                    MimpAccountManager *self)
{
  g_signal_emit (self, signals[MEMBERS_CHANGED], 0, account, room, name, joined);
}

static void
on_account_changed (MimpAccountManager *self)
{
  g_autoptr (GError) error = NULL;

  if (!mimp_account_manager_save (self, &error))
    g_warning ("Could not save the accounts: %s", error->message);
}

static void
append (MimpAccountManager *self, MimpAccount *account)
{
  mimp_account_set_services (account, self->history, self->secrets);
  g_signal_connect (account, "message-added", G_CALLBACK (on_message_added), self);
  g_signal_connect (account, "message-updated", G_CALLBACK (on_message_updated), self);
  g_signal_connect (account, "chat-requested", G_CALLBACK (on_chat_requested), self);
  g_signal_connect (account, "verification-asked", G_CALLBACK (on_verification_asked), self);
  g_signal_connect (account, "verification-finished", G_CALLBACK (on_verification_finished), self);
  g_signal_connect (account, "members-changed", G_CALLBACK (on_members_changed), self);
  g_signal_connect (account, "verified-by-peer", G_CALLBACK (on_verified_by_peer), self);
  g_signal_connect_swapped (account, "notify::enabled", G_CALLBACK (on_account_changed), self);
  g_signal_connect_swapped (account, "notify::fingerprint", G_CALLBACK (on_account_changed), self);
  g_signal_connect_swapped (account, "notify::display-name", G_CALLBACK (on_account_changed), self);
  g_ptr_array_add (self->accounts, g_object_ref (account));
}

gboolean
mimp_account_manager_load (MimpAccountManager *self, GError **error)
{
  g_autoptr (GKeyFile) keyfile = g_key_file_new ();
  g_autoptr (GError) local_error = NULL;
  g_auto (GStrv) groups = NULL;
  guint old_len;

  g_return_val_if_fail (MIMP_IS_ACCOUNT_MANAGER (self), FALSE);

  if (!g_key_file_load_from_file (keyfile, self->config_path, G_KEY_FILE_NONE, &local_error))
    {
      if (g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        return TRUE;
      g_propagate_prefixed_error (error, g_steal_pointer (&local_error),
                                  "Could not read %s: ", self->config_path);
      return FALSE;
    }

  old_len = self->accounts->len;
  groups = g_key_file_get_groups (keyfile, NULL);
  for (guint i = 0; groups[i] != NULL; i++)
    {
      g_autoptr (MimpAccount) account = NULL;
      g_autofree char *host = NULL;
      g_autofree char *user = NULL;
      g_autofree char *fingerprint = NULL;
      g_autofree char *protocol_id = NULL;
      MimpProtocol *protocol;
      const char *id;
      int port;

      if (!g_str_has_prefix (groups[i], "account "))
        continue;
      id = groups[i] + strlen ("account ");
      host = g_key_file_get_string (keyfile, groups[i], "host", NULL);
      user = g_key_file_get_string (keyfile, groups[i], "user", NULL);
      port = g_key_file_get_integer (keyfile, groups[i], "port", NULL);
      /* Files from before account types hold MIMP accounts only. */
      protocol_id = g_key_file_get_string (keyfile, groups[i], "protocol", NULL);
      protocol = mimp_protocol_find (protocol_id ? protocol_id : "mimp");
      if (protocol == NULL)
        {
          /* Kept out of the list, and so out of the file once it is saved
           * again: say so. */
          g_warning ("Skipping an account of an unknown type (%s) in %s", protocol_id,
                     self->config_path);
          continue;
        }
      if (host == NULL || user == NULL || port <= 0 || port > 65535 ||
          mimp_account_manager_lookup (self, id) != NULL)
        {
          g_warning ("Skipping a broken account entry in %s", self->config_path);
          continue;
        }
      account = mimp_account_new (protocol, id, host, (guint16) port, user,
                                  g_key_file_get_boolean (keyfile, groups[i], "tls", NULL));
      for (const MimpProtocolOption *option = mimp_protocol_get_options (protocol);
           option != NULL && option->key != NULL; option++)
        {
          g_autofree char *value = g_key_file_get_string (keyfile, groups[i], option->key, NULL);

          if (value != NULL && !mimp_account_set_option (account, option->key, value))
            g_warning ("Ignoring an unknown %s (%s) in %s", option->key, value, self->config_path);
        }
      fingerprint = g_key_file_get_string (keyfile, groups[i], "fingerprint", NULL);
      if (fingerprint != NULL && *fingerprint != '\0')
        mimp_account_set_fingerprint (account, fingerprint);
      if (g_key_file_has_key (keyfile, groups[i], "enabled", NULL))
        mimp_account_set_enabled (account,
                                  g_key_file_get_boolean (keyfile, groups[i], "enabled", NULL));
      append (self, account);
    }

  if (self->accounts->len != old_len)
    g_list_model_items_changed (G_LIST_MODEL (self), old_len, 0, self->accounts->len - old_len);
  return TRUE;
}

gboolean
mimp_account_manager_save (MimpAccountManager *self, GError **error)
{
  g_autoptr (GKeyFile) keyfile = g_key_file_new ();
  g_autofree char *dir = NULL;

  g_return_val_if_fail (MIMP_IS_ACCOUNT_MANAGER (self), FALSE);

  for (guint i = 0; i < self->accounts->len; i++)
    {
      MimpAccount *account = self->accounts->pdata[i];
      g_autofree char *group = g_strdup_printf ("account %s", mimp_account_get_id (account));

      g_key_file_set_string (keyfile, group, "protocol",
                             mimp_protocol_get_id (mimp_account_get_protocol (account)));
      g_key_file_set_string (keyfile, group, "host", mimp_account_get_host (account));
      g_key_file_set_integer (keyfile, group, "port", mimp_account_get_port (account));
      g_key_file_set_string (keyfile, group, "user", mimp_account_get_user (account));
      g_key_file_set_boolean (keyfile, group, "tls", mimp_account_get_use_tls (account));
      g_key_file_set_boolean (keyfile, group, "enabled", mimp_account_get_enabled (account));
      for (const MimpProtocolOption *option =
               mimp_protocol_get_options (mimp_account_get_protocol (account));
           option != NULL && option->key != NULL; option++)
        g_key_file_set_string (keyfile, group, option->key,
                               mimp_account_get_option (account, option->key));
      if (mimp_account_get_fingerprint (account) != NULL)
        g_key_file_set_string (keyfile, group, "fingerprint",
                               mimp_account_get_fingerprint (account));
    }

  dir = g_path_get_dirname (self->config_path);
  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      int errsv = errno;
      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (errsv), "Could not create %s: %s",
                   dir, g_strerror (errsv));
      return FALSE;
    }
  return g_key_file_save_to_file (keyfile, self->config_path, error);
}

void
mimp_account_manager_start_all (MimpAccountManager *self)
{
  g_return_if_fail (MIMP_IS_ACCOUNT_MANAGER (self));

  for (guint i = 0; i < self->accounts->len; i++)
    mimp_account_start (self->accounts->pdata[i]);
}

void
mimp_account_manager_stop_all (MimpAccountManager *self)
{
  g_return_if_fail (MIMP_IS_ACCOUNT_MANAGER (self));

  for (guint i = 0; i < self->accounts->len; i++)
    mimp_account_stop (self->accounts->pdata[i]);
}

MimpAccount *
mimp_account_manager_lookup (MimpAccountManager *self, const char *id)
{
  g_return_val_if_fail (MIMP_IS_ACCOUNT_MANAGER (self), NULL);

  for (guint i = 0; i < self->accounts->len; i++)
    if (g_strcmp0 (mimp_account_get_id (self->accounts->pdata[i]), id) == 0)
      return self->accounts->pdata[i];
  return NULL;
}

/**
 * mimp_account_manager_find:
 *
 * Returns: (transfer none) (nullable): the account of type @protocol for
 *   @user on @host:@port
 */
MimpAccount *
mimp_account_manager_find (MimpAccountManager *self, MimpProtocol *protocol, const char *host,
                           guint16 port, const char *user)
{
  g_return_val_if_fail (MIMP_IS_ACCOUNT_MANAGER (self), NULL);

  for (guint i = 0; i < self->accounts->len; i++)
    {
      MimpAccount *account = self->accounts->pdata[i];
      if (mimp_account_get_protocol (account) == protocol &&
          g_ascii_strcasecmp (mimp_account_get_host (account), host) == 0 &&
          mimp_account_get_port (account) == port &&
          g_ascii_strcasecmp (mimp_account_get_user (account), user) == 0)
        return account;
    }
  return NULL;
}

/**
 * mimp_account_manager_add:
 *
 * Adds and saves @account, and starts it.
 */
void
mimp_account_manager_add (MimpAccountManager *self, MimpAccount *account)
{
  g_autoptr (GError) error = NULL;

  g_return_if_fail (MIMP_IS_ACCOUNT_MANAGER (self));
  g_return_if_fail (MIMP_IS_ACCOUNT (account));

  append (self, account);
  if (!mimp_account_manager_save (self, &error))
    g_warning ("Could not save the accounts: %s", error->message);
  g_list_model_items_changed (G_LIST_MODEL (self), self->accounts->len - 1, 0, 1);
  mimp_account_start (account);
}

static void
secret_cleared (GObject *source, GAsyncResult *result, gpointer data)
{
  g_autoptr (GError) error = NULL;

  if (!mimp_secret_store_clear_finish (MIMP_SECRET_STORE (source), result, &error))
    g_warning ("Could not remove a password from the keyring: %s", error->message);
}

static void
history_deleted (GObject *source, GAsyncResult *result, gpointer data)
{
  g_autoptr (GError) error = NULL;

  if (!mimp_history_update_finish (MIMP_HISTORY (source), result, &error))
    g_warning ("Could not delete an account's history: %s", error->message);
}

/**
 * mimp_account_manager_remove:
 * @keep_history: whether the account's messages stay in the history
 *
 * Stops and forgets @account and removes its password from the keyring.
 */
void
mimp_account_manager_remove (MimpAccountManager *self, MimpAccount *account, gboolean keep_history)
{
  g_autoptr (MimpAccount) hold = NULL;
  g_autoptr (GError) error = NULL;
  guint position;

  g_return_if_fail (MIMP_IS_ACCOUNT_MANAGER (self));
  g_return_if_fail (MIMP_IS_ACCOUNT (account));

  if (!g_ptr_array_find (self->accounts, account, &position))
    return;

  hold = g_object_ref (account);
  mimp_account_stop (account);
  g_signal_handlers_disconnect_by_data (account, self);
  g_ptr_array_remove_index (self->accounts, position);
  if (!mimp_account_manager_save (self, &error))
    g_warning ("Could not save the accounts: %s", error->message);
  g_list_model_items_changed (G_LIST_MODEL (self), position, 1, 0);

  mimp_secret_store_clear_async (self->secrets,
                                 mimp_protocol_get_id (mimp_account_get_protocol (account)),
                                 mimp_account_get_host (account), mimp_account_get_port (account),
                                 mimp_account_get_user (account), NULL, secret_cleared, NULL);
  if (!keep_history)
    {
      mimp_history_delete_account_async (self->history, mimp_account_get_id (account), NULL,
                                         history_deleted, NULL);
      mimp_account_e2e_forget (account);
    }
  g_signal_emit (self, signals[ACCOUNT_REMOVED], 0, account);
}

typedef struct
{
  guint pending;
  guint timeout_id;
  GCancellable *cancellable; /* the accounts' operations */
  GCancellable *caller;      /* the caller's, or NULL */
  gulong caller_id;
} FlushData;

static void
flush_data_free (gpointer data)
{
  FlushData *fd = data;

  g_clear_handle_id (&fd->timeout_id, g_source_remove);
  g_clear_object (&fd->cancellable);
  g_clear_object (&fd->caller);
  g_free (fd);
}

/* Answers the task once (the accounts still answering find pending at 0),
 * and stops listening to the caller's cancellable: not from its own
 * handler, where disconnecting would deadlock. */
static void
flush_return (GTask *task, GError *error, gboolean from_cancel_handler)
{
  FlushData *fd = g_task_get_task_data (task);

  fd->pending = 0;
  g_clear_handle_id (&fd->timeout_id, g_source_remove);
  if (fd->caller_id != 0 && !from_cancel_handler)
    g_cancellable_disconnect (fd->caller, fd->caller_id);
  fd->caller_id = 0;
  if (error != NULL)
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, !g_cancellable_is_cancelled (fd->cancellable));
}

static void
flush_cancelled (GCancellable *caller, gpointer data)
{
  GTask *task = data; /* borrowed: the handler is gone before the task */
  FlushData *fd = g_task_get_task_data (task);

  if (fd->pending == 0)
    return;
  g_cancellable_cancel (fd->cancellable);
  flush_return (task, g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED, "Cancelled"), TRUE);
}

static gboolean
flush_timed_out (gpointer data)
{
  GTask *task = data;
  FlushData *fd = g_task_get_task_data (task);

  fd->timeout_id = 0;
  g_debug ("Not every account could tell the server what it stored in time");
  g_cancellable_cancel (fd->cancellable);
  if (fd->pending > 0)
    flush_return (task, NULL, FALSE);
  return G_SOURCE_REMOVE;
}

static void
account_flushed (GObject *source, GAsyncResult *result, gpointer data)
{
  g_autoptr (GTask) task = data;
  FlushData *fd = g_task_get_task_data (task);
  g_autoptr (GError) error = NULL;

  if (!mimp_account_flush_ack_finish (MIMP_ACCOUNT (source), result, &error) &&
      !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_debug ("An account could not acknowledge: %s", error->message);
  if (fd->pending == 0)
    return; /* answered by the timeout or the caller's cancellable */
  if (--fd->pending == 0)
    flush_return (task, NULL, FALSE);
}

/**
 * mimp_account_manager_flush_acks_async:
 * @timeout_ms: how long to wait at most
 * @cancellable: (nullable): stops waiting (and the accounts' requests)
 *
 * Asks every online account to tell the server now which messages it has
 * stored (mimp_account_flush_ack_async()), for the app about to quit.
 * Finishes with %TRUE when all have, %FALSE when the time ran out, and
 * %G_IO_ERROR_CANCELLED when @cancellable was cancelled first.
 */
void
mimp_account_manager_flush_acks_async (MimpAccountManager *self, guint timeout_ms,
                                       GCancellable *cancellable, GAsyncReadyCallback callback,
                                       gpointer user_data)
{
  g_autoptr (GTask) task = NULL;
  FlushData *fd;

  g_return_if_fail (MIMP_IS_ACCOUNT_MANAGER (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, mimp_account_manager_flush_acks_async);
  if (g_task_return_error_if_cancelled (task))
    return;
  fd = g_new0 (FlushData, 1);
  fd->cancellable = g_cancellable_new ();
  g_task_set_task_data (task, fd, flush_data_free);

  for (guint i = 0; i < self->accounts->len; i++)
    {
      MimpAccount *account = self->accounts->pdata[i];

      if (mimp_account_get_status (account) != MIMP_ACCOUNT_STATUS_ONLINE)
        continue;
      fd->pending++;
      mimp_account_flush_ack_async (account, fd->cancellable, account_flushed, g_object_ref (task));
    }
  if (fd->pending == 0)
    {
      g_task_return_boolean (task, TRUE);
      return;
    }
  fd->timeout_id = g_timeout_add_full (G_PRIORITY_DEFAULT, timeout_ms, flush_timed_out,
                                       g_object_ref (task), g_object_unref);
  if (cancellable != NULL)
    {
      fd->caller = g_object_ref (cancellable);
      fd->caller_id = g_cancellable_connect (cancellable, G_CALLBACK (flush_cancelled), task, NULL);
    }
}

gboolean
mimp_account_manager_flush_acks_finish (MimpAccountManager *self, GAsyncResult *result,
                                        GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}
