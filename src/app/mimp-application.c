/* mimp-application.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "mimp-application"

#include "config.h"

#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "mimp-a11y.h"
#include "mimp-account-dialog.h"
#include "mimp-app-resources.h"
#include "mimp-application.h"
#include "mimp-history.h"
#include "mimp-password.h"
#include "mimp-preferences-window.h"
#include "mimp-window.h"

struct _MimpApplication
{
  AdwApplication parent_instance;

  GSettings *settings;
  MimpHistory *history;
  MimpSecretStore *secrets;
  MimpAccountManager *accounts;
  MimpChatList *chats;
  MimpNotifier *notifier;
  MimpWindow *window;

  gboolean held;
  gboolean quitting;
  gboolean start_in_background;
  char *add_account;
  char *add_password;
};

G_DEFINE_FINAL_TYPE (MimpApplication, mimp_application, ADW_TYPE_APPLICATION)

MimpAccountManager *
mimp_application_get_accounts (MimpApplication *self)
{
  return self->accounts;
}

MimpChatList *
mimp_application_get_chats (MimpApplication *self)
{
  return self->chats;
}

MimpNotifier *
mimp_application_get_notifier (MimpApplication *self)
{
  return self->notifier;
}

MimpSecretStore *
mimp_application_get_secrets (MimpApplication *self)
{
  return self->secrets;
}

GSettings *
mimp_application_get_settings (MimpApplication *self)
{
  return self->settings;
}

GtkWindow *
mimp_application_get_main_window (MimpApplication *self)
{
  return GTK_WINDOW (self->window);
}

/* ------------------------------------------------------------------ */
/* Passwords                                                          */
/* ------------------------------------------------------------------ */

/**
 * mimp_application_remember_password:
 *
 * Saves @password in the app's keyring: see mimp_remember_password ().
 */
void
mimp_application_remember_password (MimpApplication *self, MimpAccount *account,
                                    const char *password, GtkWindow *parent)
{
  mimp_remember_password (self->secrets, account, password, parent);
}

/* ------------------------------------------------------------------ */
/* Notifications                                                      */
/* ------------------------------------------------------------------ */

static void
on_message_received (MimpApplication *self, MimpChat *chat, MimpChatMessage *message)
{
  g_autofree char *title = NULL;

  if (chat == mimp_chat_list_get_seen_chat (self->chats))
    return;
  if (g_list_model_get_n_items (G_LIST_MODEL (self->accounts)) > 1)
    {
      g_autofree char *account = mimp_account_dup_display_name (mimp_chat_get_account (chat));
      title = g_strdup_printf ("%s · %s", mimp_chat_get_peer (chat), account);
    }
  else
    title = g_strdup (mimp_chat_get_peer (chat));
  mimp_notifier_message_received (self->notifier, mimp_chat_get_key (chat), title,
                                  mimp_chat_message_get_text (message));
}

/* A click, or "Reply" where the server cannot take the text: the chat,
 * with the composer focused (mimp_window_open_chat() focuses it). */
static void
on_notification_activated (MimpApplication *self, const char *key)
{
  mimp_application_open_chat (self, key);
}

static void
on_notification_mark_read (MimpApplication *self, const char *key)
{
  MimpChat *chat = mimp_chat_list_lookup (self->chats, key);

  if (chat != NULL)
    mimp_chat_mark_read (chat);
}

/* Typed into the notification: sent as if typed into the composer (stored
 * in the outbox first, retried like any message); the chat is read. */
static void
on_notification_replied (MimpApplication *self, const char *key, const char *text)
{
  MimpChat *chat = mimp_chat_list_lookup (self->chats, key);
  g_autofree char *stripped = g_strstrip (g_strdup (text));

  if (chat == NULL)
    {
      /* Its account was removed meanwhile: nothing can send it; say so
       * where the user looks rather than drop it unseen. */
      mimp_application_open_chat (self, key);
      mimp_window_show_toast (self->window,
                              _ ("The reply was not sent: its chat's account no longer exists"));
      return;
    }
  mimp_chat_mark_read (chat);
  if (*stripped == '\0')
    return;
  mimp_chat_send (chat, text);
}

static void
on_chat_unread (MimpApplication *self, GParamSpec *pspec, MimpChatList *chats)
{
  /* Read somewhere (or all read): withdraw what no longer applies. */
  guint n = g_list_model_get_n_items (G_LIST_MODEL (chats));

  for (guint i = 0; i < n; i++)
    {
      g_autoptr (MimpChat) chat = g_list_model_get_item (G_LIST_MODEL (chats), i);
      if (mimp_chat_get_unread (chat) == 0)
        mimp_notifier_withdraw (self->notifier, mimp_chat_get_key (chat));
    }
}

/* ------------------------------------------------------------------ */
/* Window and background                                              */
/* ------------------------------------------------------------------ */

static void quit_after_flushing (MimpApplication *self);

static gboolean
on_window_close_request (GtkWindow *window, MimpApplication *self)
{
  if (!g_settings_get_boolean (self->settings, "run-in-background"))
    {
      quit_after_flushing (self);
      return TRUE;
    }

  /* Keep running: accounts stay connected and notifications come. */
  gtk_widget_set_visible (GTK_WIDGET (window), FALSE);
  if (!self->held)
    {
      g_application_hold (G_APPLICATION (self));
      self->held = TRUE;
    }
  mimp_window_update_seen (MIMP_WINDOW (window));
  return TRUE;
}

static MimpWindow *
ensure_window (MimpApplication *self)
{
  if (self->window == NULL)
    {
      self->window = mimp_window_new (GTK_APPLICATION (self), self->accounts, self->chats,
                                      self->notifier, self->secrets, self->settings);
      g_object_add_weak_pointer (G_OBJECT (self->window), (gpointer *) &self->window);
      g_signal_connect (self->window, "close-request", G_CALLBACK (on_window_close_request), self);
    }
  return self->window;
}

void
mimp_application_open_chat (MimpApplication *self, const char *key)
{
  MimpChat *chat = mimp_chat_list_lookup (self->chats, key);
  MimpWindow *window = ensure_window (self);

  gtk_window_present (GTK_WINDOW (window));
  if (chat != NULL)
    mimp_window_open_chat (window, chat);
}

static void
mimp_application_activate (GApplication *app)
{
  MimpApplication *self = MIMP_APPLICATION (app);

  if (self->start_in_background)
    {
      /* Started at login: connect, notify, but show nothing yet. */
      self->start_in_background = FALSE;
      if (!self->held)
        {
          g_application_hold (app);
          self->held = TRUE;
        }
      return;
    }
  gtk_window_present (GTK_WINDOW (ensure_window (self)));
}

/* ------------------------------------------------------------------ */
/* Actions                                                            */
/* ------------------------------------------------------------------ */

static void
acks_flushed (GObject *source, GAsyncResult *result, gpointer data)
{
  g_autoptr (MimpApplication) self = data;

  if (!mimp_account_manager_flush_acks_finish (MIMP_ACCOUNT_MANAGER (source), result, NULL))
    g_debug ("Quitting without every acknowledgement told to the server");
  /* Really quits, also when running in the background. */
  if (self->held)
    {
      self->held = FALSE;
      g_application_release (G_APPLICATION (self));
    }
  if (self->window != NULL)
    gtk_window_destroy (GTK_WINDOW (self->window));
  g_application_release (G_APPLICATION (self));
  g_application_quit (G_APPLICATION (self));
}

/* Tells the servers which received messages are stored (so they do not
 * come again next time), waiting one second at most, then quits. */
static void
quit_after_flushing (MimpApplication *self)
{
  if (self->quitting)
    return;
  self->quitting = TRUE;
  g_application_hold (G_APPLICATION (self));
  if (self->window != NULL)
    gtk_widget_set_visible (GTK_WIDGET (self->window), FALSE);
  mimp_account_manager_flush_acks_async (self->accounts, 1000, NULL, acks_flushed,
                                         g_object_ref (self));
}

static void
quit_activated (GSimpleAction *action, GVariant *parameter, gpointer data)
{
  quit_after_flushing (data);
}

static void
show_preferences (MimpApplication *self, const char *page)
{
  MimpPreferencesWindow *window =
      mimp_preferences_window_new (self, GTK_WINDOW (ensure_window (self)));

  if (page != NULL)
    mimp_preferences_window_show_page (window, page);
  gtk_window_present (GTK_WINDOW (window));
}

static void
preferences_activated (GSimpleAction *action, GVariant *parameter, gpointer data)
{
  show_preferences (data, NULL);
}

static void
accounts_activated (GSimpleAction *action, GVariant *parameter, gpointer data)
{
  show_preferences (data, "accounts");
}

static void
add_account_activated (GSimpleAction *action, GVariant *parameter, gpointer data)
{
  MimpApplication *self = data;
  GtkWindow *parent = gtk_application_get_active_window (GTK_APPLICATION (self));
  MimpAccountDialog *dialog = mimp_account_dialog_new (
      self->accounts, self->secrets, parent ? parent : GTK_WINDOW (ensure_window (self)));

  gtk_window_present (GTK_WINDOW (dialog));
}

/* Reads --add-account's [TYPE:]USER@HOST[:PORT], TYPE an account type's
 * id (mimp the default). */
static gboolean
parse_account_spec (const char *spec, MimpProtocol **protocol, char **host, guint16 *port,
                    char **user)
{
  g_autofree char *name = NULL;
  const char *at = strrchr (spec, '@');
  const char *colon = strchr (spec, ':');

  *protocol = mimp_protocol_find ("mimp");
  if (at != NULL && colon != NULL && colon < at)
    {
      g_autofree char *type = g_strndup (spec, colon - spec);

      *protocol = mimp_protocol_find (type);
      spec = colon + 1;
    }
  if (at != NULL)
    name = g_strndup (spec, at - spec);
  if (*protocol == NULL || at == NULL ||
      !mimp_protocol_parse_server (*protocol, at + 1, FALSE, host, port))
    return FALSE;
  if (!mimp_protocol_normalize_peer (*protocol, name, user, NULL))
    {
      g_clear_pointer (host, g_free);
      return FALSE;
    }
  return TRUE;
}

/* `mimp --add-account SPEC` while Mimp already runs: the new process
 * passes SPEC here (never the password), and the Add Account dialog
 * opens filled in, for the password to be typed and the account tried. */
static void
add_account_for_activated (GSimpleAction *action, GVariant *parameter, gpointer data)
{
  MimpApplication *self = data;
  g_autofree char *user = NULL;
  g_autofree char *host = NULL;
  g_autofree char *server = NULL;
  guint16 port;
  MimpProtocol *protocol;
  MimpAccountDialog *dialog;

  gtk_window_present (GTK_WINDOW (ensure_window (self)));
  dialog = mimp_account_dialog_new (self->accounts, self->secrets, GTK_WINDOW (self->window));
  if (parse_account_spec (g_variant_get_string (parameter, NULL), &protocol, &host, &port, &user))
    {
      server = g_strdup_printf ("%s:%u", host, port);
      mimp_account_dialog_set_protocol (dialog, mimp_protocol_get_id (protocol));
      mimp_account_dialog_fill (dialog, server, user, NULL, FALSE);
    }
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
help_activated (GSimpleAction *action, GVariant *parameter, gpointer data)
{
  MimpApplication *self = data;

  gtk_show_uri (GTK_WINDOW (ensure_window (self)), "help:mimp", GDK_CURRENT_TIME);
}

static void
about_activated (GSimpleAction *action, GVariant *parameter, gpointer data)
{
  MimpApplication *self = data;
  const char *developers[] = { "The Mimp developers", NULL };

  adw_show_about_window (
      GTK_WINDOW (ensure_window (self)), "application-name", _ ("Mimp"), "application-icon",
      APPLICATION_ID, "version", PACKAGE_VERSION, "developer-name", _ ("The Mimp developers"),
      "developers", developers, "license-type", GTK_LICENSE_GPL_3_0, "comments",
      _ ("Chat over MIMP from several accounts at once"), "website", "https://github.com/mimp/mimp",
      "issue-url", "https://github.com/mimp/mimp/issues", NULL);
}

static void
open_chat_activated (GSimpleAction *action, GVariant *parameter, gpointer data)
{
  mimp_application_open_chat (data, g_variant_get_string (parameter, NULL));
}

static const GActionEntry app_actions[] = {
  { "quit", quit_activated, NULL, NULL, NULL, { 0 } },
  { "preferences", preferences_activated, NULL, NULL, NULL, { 0 } },
  { "accounts", accounts_activated, NULL, NULL, NULL, { 0 } },
  { "add-account", add_account_activated, NULL, NULL, NULL, { 0 } },
  { "add-account-for", add_account_for_activated, "s", NULL, NULL, { 0 } },
  { "help", help_activated, NULL, NULL, NULL, { 0 } },
  { "about", about_activated, NULL, NULL, NULL, { 0 } },
  { "open-chat", open_chat_activated, "s", NULL, NULL, { 0 } },
};

/* ------------------------------------------------------------------ */
/* Start at login                                                     */
/* ------------------------------------------------------------------ */

static void
update_autostart (MimpApplication *self)
{
  g_autofree char *dir = g_build_filename (g_get_user_config_dir (), "autostart", NULL);
  g_autofree char *path = g_build_filename (dir, APPLICATION_ID ".desktop", NULL);
  gboolean wanted = g_settings_get_boolean (self->settings, "start-at-login") &&
                    g_settings_get_boolean (self->settings, "run-in-background");

  if (wanted)
    {
      g_autoptr (GKeyFile) keyfile = g_key_file_new ();
      g_autoptr (GError) error = NULL;

      g_key_file_set_string (keyfile, "Desktop Entry", "Type", "Application");
      g_key_file_set_string (keyfile, "Desktop Entry", "Name", "Mimp");
      g_key_file_set_string (keyfile, "Desktop Entry", "Exec", "mimp --background");
      g_key_file_set_string (keyfile, "Desktop Entry", "Icon", APPLICATION_ID);
      g_key_file_set_boolean (keyfile, "Desktop Entry", "NoDisplay", TRUE);
      g_key_file_set_boolean (keyfile, "Desktop Entry", "X-GNOME-Autostart-enabled", TRUE);
      if (g_mkdir_with_parents (dir, 0700) != 0 || !g_key_file_save_to_file (keyfile, path, &error))
        g_warning ("Could not write %s: %s", path, error ? error->message : g_strerror (errno));
    }
  else if (g_file_test (path, G_FILE_TEST_EXISTS) && g_unlink (path) != 0)
    g_warning ("Could not remove %s: %s", path, g_strerror (errno));
}

/* ------------------------------------------------------------------ */
/* Lifecycle                                                          */
/* ------------------------------------------------------------------ */

static void
chats_loaded (GObject *source, GAsyncResult *result, gpointer data)
{
  g_autoptr (MimpApplication) self = data;
  g_autoptr (GError) error = NULL;

  if (!mimp_chat_list_load_finish (MIMP_CHAT_LIST (source), result, &error))
    {
      g_warning ("Could not load the chats: %s", error->message);
      if (self->window != NULL)
        {
          g_autofree char *text =
              g_strdup_printf (_ ("The history could not be opened: %s"), error->message);
          mimp_window_show_toast (self->window, text);
        }
      return;
    }
  if (self->window != NULL)
    {
      g_autofree char *last = g_settings_get_string (self->settings, "last-chat");
      MimpChat *chat = mimp_chat_list_lookup (self->chats, last);

      if (chat != NULL && mimp_window_get_chat (self->window) == NULL)
        mimp_window_open_chat (self->window, chat);
    }
}

static void
add_account_from_command_line (MimpApplication *self)
{
  g_autofree char *user = NULL;
  g_autofree char *host = NULL;
  guint16 port;
  MimpAccount *existing;
  MimpProtocol *protocol;

  if (!parse_account_spec (self->add_account, &protocol, &host, &port, &user))
    return; /* handle_local_options said why */
  existing = mimp_account_manager_find (self->accounts, protocol, host, port, user);
  if (existing != NULL)
    {
      if (self->add_password != NULL)
        mimp_account_use_password (existing, self->add_password, FALSE);
      return;
    }
  {
    g_autoptr (MimpAccount) account = mimp_account_new (protocol, NULL, host, port, user, FALSE);

    if (self->add_password != NULL)
      mimp_account_use_password (account, self->add_password, FALSE);
    mimp_account_manager_add (self->accounts, account);
    if (self->add_password != NULL)
      mimp_application_remember_password (self, account, self->add_password, NULL);
  }
}

static void
mimp_application_startup (GApplication *app)
{
  MimpApplication *self = MIMP_APPLICATION (app);
  g_autoptr (GError) error = NULL;
  const char *quit_accels[] = { "<Control>q", NULL };
  const char *prefs_accels[] = { "<Control>comma", NULL };
  const char *help_accels[] = { "F1", NULL };

  G_APPLICATION_CLASS (mimp_application_parent_class)->startup (app);
  mimp_a11y_watch_windows ();

  g_action_map_add_action_entries (G_ACTION_MAP (self), app_actions, G_N_ELEMENTS (app_actions),
                                   self);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "app.quit", quit_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "app.preferences", prefs_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "app.help", help_accels);

  self->settings = g_settings_new (APPLICATION_ID);
  self->history = mimp_history_new (NULL);
  self->secrets = mimp_secret_store_new ();
  self->accounts = mimp_account_manager_new (self->history, self->secrets, NULL);
  self->chats = mimp_chat_list_new (self->accounts);
  self->notifier = mimp_notifier_new ();
  /* After the chat list's first request: indexing yields to it. */
  mimp_history_build_search_index (self->history);

  g_settings_bind (self->settings, "notifications", self->notifier, "enabled", G_SETTINGS_BIND_GET);
  g_settings_bind (self->settings, "notification-show-text", self->notifier, "show-text",
                   G_SETTINGS_BIND_GET);
  g_signal_connect_swapped (self->settings, "changed::start-at-login",
                            G_CALLBACK (update_autostart), self);
  g_signal_connect_swapped (self->settings, "changed::run-in-background",
                            G_CALLBACK (update_autostart), self);
  g_signal_connect_swapped (self->chats, "message-received", G_CALLBACK (on_message_received),
                            self);
  g_signal_connect_swapped (self->chats, "notify::unread", G_CALLBACK (on_chat_unread), self);
  g_signal_connect_swapped (self->notifier, "activated", G_CALLBACK (on_notification_activated),
                            self);
  g_signal_connect_swapped (self->notifier, "reply-requested",
                            G_CALLBACK (on_notification_activated), self);
  g_signal_connect_swapped (self->notifier, "mark-read", G_CALLBACK (on_notification_mark_read),
                            self);
  g_signal_connect_swapped (self->notifier, "replied", G_CALLBACK (on_notification_replied), self);

  if (!mimp_account_manager_load (self->accounts, &error))
    g_warning ("%s", error->message);
  mimp_chat_list_load_async (self->chats, NULL, chats_loaded, g_object_ref (self));
  if (self->add_account != NULL)
    add_account_from_command_line (self);
  mimp_account_manager_start_all (self->accounts);
}

static void
mimp_application_shutdown (GApplication *app)
{
  MimpApplication *self = MIMP_APPLICATION (app);

  if (self->notifier != NULL)
    mimp_notifier_withdraw_all (self->notifier);
  if (self->accounts != NULL)
    mimp_account_manager_stop_all (self->accounts);
  if (self->history != NULL)
    mimp_history_close (self->history);

  G_APPLICATION_CLASS (mimp_application_parent_class)->shutdown (app);
}

static int
mimp_application_handle_local_options (GApplication *app, GVariantDict *options)
{
  MimpApplication *self = MIMP_APPLICATION (app);
  const char *account = NULL;

  if (g_variant_dict_contains (options, "version"))
    {
      g_print ("mimp %s\n", PACKAGE_VERSION);
      return 0;
    }
  if (g_variant_dict_contains (options, "background"))
    self->start_in_background = TRUE;
  if (g_variant_dict_lookup (options, "add-account", "&s", &account))
    {
      /* The password comes from the environment, never from argv. */
      const char *password = g_getenv ("MIMP_PASSWORD");
      g_autofree char *host = NULL;
      g_autofree char *user = NULL;
      g_autoptr (GError) error = NULL;
      MimpProtocol *protocol;
      guint16 port;

      if (!parse_account_spec (account, &protocol, &host, &port, &user))
        {
          g_printerr (_ ("mimp: --add-account wants [TYPE:]USER@HOST[:PORT]\n"));
          return 1;
        }
      self->add_account = g_strdup (account);
      self->add_password = password ? g_strdup (password) : NULL;
      g_unsetenv ("MIMP_PASSWORD");

      /* Mimp may run already: then the running instance opens its Add
       * Account dialog with this filled in. */
      if (!g_application_register (app, NULL, &error))
        {
          g_printerr ("mimp: %s\n", error->message);
          return 1;
        }
      if (g_application_get_is_remote (app))
        {
          if (self->add_password != NULL)
            g_printerr (_ ("mimp: Mimp is already running: type the password in its Add Account "
                           "window\n"));
          g_action_group_activate_action (G_ACTION_GROUP (app), "add-account-for",
                                          g_variant_new_string (account));
          g_dbus_connection_flush_sync (g_application_get_dbus_connection (app), NULL, NULL);
          return 0;
        }
    }
  return -1;
}

static void
mimp_application_dispose (GObject *object)
{
  MimpApplication *self = (MimpApplication *) object;

  g_clear_object (&self->chats);
  g_clear_object (&self->accounts);
  g_clear_object (&self->notifier);
  g_clear_object (&self->secrets);
  g_clear_object (&self->history);
  g_clear_object (&self->settings);

  G_OBJECT_CLASS (mimp_application_parent_class)->dispose (object);
}

static void
mimp_application_finalize (GObject *object)
{
  MimpApplication *self = (MimpApplication *) object;

  g_free (self->add_account);
  if (self->add_password != NULL)
    {
      memset (self->add_password, 0, strlen (self->add_password));
      g_free (self->add_password);
    }

  G_OBJECT_CLASS (mimp_application_parent_class)->finalize (object);
}

static void
mimp_application_class_init (MimpApplicationClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);

  object_class->dispose = mimp_application_dispose;
  object_class->finalize = mimp_application_finalize;
  app_class->startup = mimp_application_startup;
  app_class->shutdown = mimp_application_shutdown;
  app_class->activate = mimp_application_activate;
  app_class->handle_local_options = mimp_application_handle_local_options;
}

static void
mimp_application_init (MimpApplication *self)
{
  const GOptionEntry entries[] = {
    { "version", 0, 0, G_OPTION_ARG_NONE, NULL, N_ ("Show the version and exit"), NULL },
    { "background", 0, 0, G_OPTION_ARG_NONE, NULL, N_ ("Start in the background, without a window"),
      NULL },
    { "add-account", 0, 0, G_OPTION_ARG_STRING, NULL,
      N_ ("Add an account (its password is read from the MIMP_PASSWORD environment variable)"),
      N_ ("[TYPE:]USER@HOST[:PORT]") },
    { NULL },
  };

  g_application_add_main_option_entries (G_APPLICATION (self), entries);
  g_application_set_option_context_summary (G_APPLICATION (self),
                                            _ ("Chat over MIMP from several accounts at once."));
}

MimpApplication *
mimp_application_new (void)
{
  mimp_app_resources_ensure ();
  g_set_application_name (_ ("Mimp"));
  return g_object_new (MIMP_TYPE_APPLICATION, "application-id", APPLICATION_ID, "flags",
                       G_APPLICATION_DEFAULT_FLAGS, "resource-base-path", "/io/github/mimp/Mimp",
                       NULL);
}
