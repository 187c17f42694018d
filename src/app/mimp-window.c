/* mimp-window.c - the main window: the chat list beside the open chat
 *
 * The window holds the sidebar (the chat list, its search and the account
 * banners) and a MimpChatView for the open chat, and keeps the
 * verification dialogs, one per peer. Its actions are in
 * mimp-window-actions.c, as Text Editor splits its window.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "mimp-window"

#include "config.h"

#include <glib/gi18n.h>

#include "mimp-account-banner.h"
#include "mimp-chat-dialogs.h"
#include "mimp-chat-row.h"
#include "mimp-verification-dialog.h"
#include "mimp-window-private.h"

G_DEFINE_FINAL_TYPE (MimpWindow, mimp_window, ADW_TYPE_APPLICATION_WINDOW)

enum
{
  PROP_0,
  PROP_ACCOUNTS,
  PROP_CHATS,
  PROP_NOTIFIER,
  PROP_SECRETS,
  PROP_SETTINGS,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* The sidebar's empty states, and what the content pane says while no
 * chat is open: there is nothing to choose or start before an account. */
static void
update_sidebar_stack (MimpWindow *self)
{
  gboolean has_accounts = g_list_model_get_n_items (G_LIST_MODEL (self->accounts)) > 0;

  /* A chat needs an account to be started from: "+" says so meanwhile. */
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.new-chat", has_accounts);
  gtk_widget_set_tooltip_text (
      self->new_chat_button, has_accounts ? _ ("New Chat") : _ ("Add an account to start a chat"));
  if (has_accounts)
    gtk_accessible_reset_property (GTK_ACCESSIBLE (self->new_chat_button),
                                   GTK_ACCESSIBLE_PROPERTY_DESCRIPTION);
  else
    gtk_accessible_update_property (GTK_ACCESSIBLE (self->new_chat_button),
                                    GTK_ACCESSIBLE_PROPERTY_DESCRIPTION,
                                    _ ("Add an account to start a chat"), -1);
  if (!has_accounts)
    {
      gtk_stack_set_visible_child_name (self->sidebar_stack, "no-accounts");
      mimp_chat_view_set_empty_state (
          self->chat_view, _ ("No Account Yet"),
          _ ("Add an account with “Add Account” in the list to start chatting"));
    }
  else if (g_list_model_get_n_items (G_LIST_MODEL (self->chats)) == 0)
    {
      gtk_stack_set_visible_child_name (self->sidebar_stack, "no-chats");
      mimp_chat_view_set_empty_state (self->chat_view, _ ("No Chat Selected"),
                                      _ ("Start a chat with +"));
    }
  else
    {
      gtk_stack_set_visible_child_name (self->sidebar_stack, "chats");
      mimp_chat_view_set_empty_state (self->chat_view, _ ("No Chat Selected"),
                                      _ ("Choose a chat in the list, or start one with +"));
    }
}

static void
rebuild_banners (MimpWindow *self)
{
  GtkWidget *child;
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->accounts));

  while ((child = gtk_widget_get_first_child (self->banner_box)) != NULL)
    gtk_box_remove (GTK_BOX (self->banner_box), child);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr (MimpAccount) account = g_list_model_get_item (G_LIST_MODEL (self->accounts), i);
      gtk_box_append (GTK_BOX (self->banner_box), mimp_account_banner_new (account, TRUE));
    }
}

void
mimp_window_update_seen (MimpWindow *self)
{
  MimpChat *seen = NULL;

  if (mimp_window_get_chat (self) != NULL && gtk_window_is_active (GTK_WINDOW (self)) &&
      gtk_widget_get_visible (GTK_WIDGET (self)) &&
      (!adw_leaflet_get_folded (self->leaflet) ||
       adw_leaflet_get_visible_child (self->leaflet) == GTK_WIDGET (self->chat_view)))
    seen = mimp_window_get_chat (self);

  mimp_chat_list_set_seen_chat (self->chats, seen);
  if (self->notifier == NULL)
    return;
  mimp_notifier_set_visible_chat (self->notifier, seen ? mimp_chat_get_key (seen) : NULL);
  if (seen != NULL)
    mimp_notifier_withdraw (self->notifier, mimp_chat_get_key (seen));
}

/* ------------------------------------------------------------------ */
/* Chat list                                                          */
/* ------------------------------------------------------------------ */

static void
select_current_chat (MimpWindow *self)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->selection));
  guint position = GTK_INVALID_LIST_POSITION;

  for (guint i = 0; i < n && mimp_window_get_chat (self) != NULL; i++)
    {
      g_autoptr (MimpChat) chat = g_list_model_get_item (G_LIST_MODEL (self->selection), i);
      if (chat == mimp_window_get_chat (self))
        {
          position = i;
          break;
        }
    }
  if (gtk_single_selection_get_selected (self->selection) == position)
    return;
  self->syncing_selection = TRUE;
  gtk_single_selection_set_selected (self->selection, position);
  self->syncing_selection = FALSE;
}

static gboolean
reselect_idle (gpointer data)
{
  MimpWindow *self = data;

  self->reselect_id = 0;
  select_current_chat (self);
  return G_SOURCE_REMOVE;
}

static void
on_chats_changed (MimpWindow *self)
{
  update_sidebar_stack (self);
  /* A chat moving to the top is removed and inserted: keep it selected. */
  if (self->reselect_id == 0)
    self->reselect_id = g_idle_add_full (G_PRIORITY_HIGH, reselect_idle, self, NULL);
}

static void
on_accounts_changed (MimpWindow *self)
{
  update_sidebar_stack (self);
  rebuild_banners (self);
  /* Rows show the account only when there are several: rebind them. */
  gtk_list_view_set_model (self->chat_list_view, NULL);
  gtk_list_view_set_model (self->chat_list_view, GTK_SELECTION_MODEL (self->selection));
  if (mimp_window_get_chat (self) != NULL &&
      mimp_account_manager_lookup (self->accounts, mimp_account_get_id (mimp_chat_get_account (
                                                       mimp_window_get_chat (self)))) == NULL)
    mimp_window_open_chat (self, NULL);
}

static void
on_selected (MimpWindow *self)
{
  MimpChat *chat;

  if (self->syncing_selection)
    return;
  chat = gtk_single_selection_get_selected_item (self->selection);
  if (chat != NULL)
    mimp_window_open_chat (self, chat);
}

static void
on_chat_row_activate (MimpWindow *self, guint position)
{
  g_autoptr (MimpChat) chat = g_list_model_get_item (G_LIST_MODEL (self->selection), position);

  if (chat != NULL)
    mimp_window_open_chat (self, chat);
}

static void
chat_row_setup (GtkSignalListItemFactory *factory, GtkListItem *item, gpointer data)
{
  gtk_list_item_set_child (item, mimp_chat_row_new ());
}

/* GTK 4.8's list views unbind and bind a row again for a mere change of
 * its position (every row below a chat that moved, every row after a page
 * of older messages was prepended). So rows have no unbind handler: a row
 * keeps its item until it is bound to another one or disposed, and binding
 * the same item again costs nothing. */
static void
chat_row_bind (GtkSignalListItemFactory *factory, GtkListItem *item, MimpWindow *self)
{
  gboolean several = g_list_model_get_n_items (G_LIST_MODEL (self->accounts)) > 1;

  mimp_chat_row_set_chat (MIMP_CHAT_ROW (gtk_list_item_get_child (item)),
                          gtk_list_item_get_item (item), several);
}

/* Verification and private chats                                     */
/* ------------------------------------------------------------------ */

static char *
verification_key (MimpAccount *account, const char *peer)
{
  return g_strdup_printf ("%s\n%s", mimp_account_get_id (account), peer);
}

static void
on_verification_dialog_destroy (MimpVerificationDialog *dialog, MimpWindow *self)
{
  g_autofree char *key = verification_key (mimp_verification_dialog_get_account (dialog),
                                           mimp_verification_dialog_get_peer (dialog));

  if (g_hash_table_lookup (self->verifications, key) == dialog)
    g_hash_table_remove (self->verifications, key);
}

/* The open verification with @peer, if any. */
static MimpVerificationDialog *
lookup_verification (MimpWindow *self, MimpAccount *account, const char *peer)
{
  g_autofree char *key = verification_key (account, peer);

  return g_hash_table_lookup (self->verifications, key);
}

/* Whether the chat with @peer is a private one: its verification is bound
 * to the keys and has safety numbers. */
static gboolean
is_private (MimpWindow *self, MimpAccount *account, const char *peer)
{
  g_autofree char *key = mimp_chat_make_key (mimp_account_get_id (account), peer);
  MimpChat *chat = mimp_chat_list_lookup (self->chats, key);

  return chat != NULL && mimp_chat_get_privacy (chat) != MIMP_CHAT_PRIVACY_NONE;
}

static MimpVerificationDialog *
ensure_verification (MimpWindow *self, MimpAccount *account, const char *peer)
{
  MimpVerificationDialog *dialog = lookup_verification (self, account, peer);

  if (dialog == NULL)
    {
      dialog = mimp_verification_dialog_new (GTK_WINDOW (self), account, peer,
                                             is_private (self, account, peer));
      g_hash_table_insert (self->verifications, verification_key (account, peer), dialog);
      g_signal_connect_object (dialog, "destroy", G_CALLBACK (on_verification_dialog_destroy), self,
                               0);
    }
  return dialog;
}

/* The open chat's "Verify…": the dialog with its peer, on its first page
 * unless a run is under way. */
static void
on_verify (MimpWindow *self, MimpAccount *account, const char *peer)
{
  MimpVerificationDialog *dialog = ensure_verification (self, account, peer);

  if (!mimp_verification_dialog_get_waiting (dialog))
    mimp_verification_dialog_show_page (dialog, MIMP_VERIFICATION_PAGE_METHODS);
  gtk_window_present (GTK_WINDOW (dialog));
}

/**
 * mimp_window_get_verification:
 *
 * Returns: (transfer none) (nullable): the verification dialog open for
 *   @peer of @account
 */
MimpVerificationDialog *
mimp_window_get_verification (MimpWindow *self, MimpAccount *account, const char *peer)
{
  g_return_val_if_fail (MIMP_IS_WINDOW (self), NULL);
  return lookup_verification (self, account, peer);
}

static void
on_verification_asked (MimpWindow *self, MimpAccount *account, const char *peer,
                       const char *question)
{
  MimpVerificationDialog *dialog = ensure_verification (self, account, peer);

  mimp_verification_dialog_asked (dialog, question);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
on_verification_finished (MimpWindow *self, MimpAccount *account, const char *peer,
                          gboolean matched, const GError *error)
{
  MimpVerificationDialog *dialog = lookup_verification (self, account, peer);
  g_autofree char *text = NULL;

  if (dialog != NULL)
    {
      mimp_verification_dialog_finished (dialog, matched, error);
      return;
    }
  text = mimp_verification_describe_result (peer, is_private (self, account, peer), matched, error);
  mimp_window_show_toast (self, text);
}

static void
on_verified_by_peer (MimpWindow *self, MimpAccount *account, const char *peer)
{
  MimpVerificationDialog *dialog = lookup_verification (self, account, peer);
  MimpChat *chat = mimp_window_get_chat (self);
  g_autofree char *text = NULL;
  AdwToast *toast;

  if (dialog != NULL)
    {
      mimp_verification_dialog_verified_by_peer (dialog);
      return;
    }
  /* Translators: %s checked who you are */
  text = g_strdup_printf (_ ("%s verified you."), peer);
  toast = adw_toast_new (text);
  /* In their chat: offered to verify them in turn. */
  if (chat != NULL && mimp_chat_get_account (chat) == account &&
      g_strcmp0 (mimp_chat_get_peer (chat), peer) == 0)
    {
      adw_toast_set_button_label (toast, _ ("_Verify…"));
      adw_toast_set_action_name (toast, "win.verify");
    }
  adw_toast_overlay_add_toast (self->toast_overlay, toast);
}
static void
on_chat_requested (MimpWindow *self, MimpAccount *account, const char *peer)
{
  gtk_window_present (mimp_chat_request_dialog_new (GTK_WINDOW (self), account, peer));
}

void
mimp_window_open_chat (MimpWindow *self, MimpChat *chat)
{
  g_return_if_fail (MIMP_IS_WINDOW (self));

  if (chat != mimp_window_get_chat (self))
    {
      mimp_chat_view_set_chat (self->chat_view, chat);
      if (chat != NULL)
        g_settings_set_string (self->settings, "last-chat", mimp_chat_get_key (chat));
      select_current_chat (self);
    }

  if (chat != NULL)
    {
      adw_leaflet_set_visible_child (self->leaflet, GTK_WIDGET (self->chat_view));
      mimp_chat_view_focus_composer (self->chat_view);
    }
  mimp_window_update_seen (self);
}

MimpChat *
mimp_window_get_chat (MimpWindow *self)
{
  g_return_val_if_fail (MIMP_IS_WINDOW (self), NULL);
  return mimp_chat_view_get_chat (self->chat_view);
}

void
mimp_window_show_toast (MimpWindow *self, const char *text)
{
  g_return_if_fail (MIMP_IS_WINDOW (self));
  adw_toast_overlay_add_toast (self->toast_overlay, adw_toast_new (text));
}

GtkWidget *
mimp_window_get_banner_box (MimpWindow *self)
{
  return self->banner_box;
}

GtkWidget *
mimp_window_get_chat_list_view (MimpWindow *self)
{
  return GTK_WIDGET (self->chat_list_view);
}

GtkWidget *
mimp_window_get_messages_view (MimpWindow *self)
{
  return mimp_chat_view_get_messages_view (self->chat_view);
}

MimpChatView *
mimp_window_get_chat_view (MimpWindow *self)
{
  return self->chat_view;
}

char *
mimp_window_dup_composer_text (MimpWindow *self)
{
  return mimp_chat_view_dup_composer_text (self->chat_view);
}

void
mimp_window_set_composer_text (MimpWindow *self, const char *text)
{
  mimp_chat_view_set_composer_text (self->chat_view, text);
}

static void
on_send_failed (MimpWindow *self, MimpAccount *account, MimpChatMessage *message)
{
  if (mimp_chat_message_get_state (message) == MIMP_MESSAGE_STATE_FAILED)
    {
      g_autofree char *text = g_strdup_printf (_ ("A message to %s could not be sent"),
                                               mimp_chat_message_get_peer (message));
      mimp_window_show_toast (self, text);
    }
}

/* ------------------------------------------------------------------ */
/* Object                                                             */
/* ------------------------------------------------------------------ */

static gboolean
mimp_window_close_request (GtkWindow *window)
{
  MimpWindow *self = MIMP_WINDOW (window);
  GSettings *settings = self->settings;
  int width;
  int height;

  mimp_chat_view_save_draft (self->chat_view);
  gtk_window_get_default_size (window, &width, &height);
  g_settings_set_int (settings, "window-width", width);
  g_settings_set_int (settings, "window-height", height);
  g_settings_set_boolean (settings, "window-maximized", gtk_window_is_maximized (window));

  return GTK_WINDOW_CLASS (mimp_window_parent_class)->close_request (window);
}

static void
mimp_window_dispose (GObject *object)
{
  MimpWindow *self = (MimpWindow *) object;

  g_clear_handle_id (&self->reselect_id, g_source_remove);
  g_clear_pointer (&self->verifications, g_hash_table_unref);
  if (self->chats != NULL)
    mimp_chat_list_set_seen_chat (self->chats, NULL);
  g_clear_object (&self->selection);
  g_clear_object (&self->chats);
  g_clear_object (&self->accounts);
  g_clear_object (&self->notifier);
  g_clear_object (&self->secrets);
  g_clear_object (&self->settings);
  gtk_widget_dispose_template (GTK_WIDGET (self), MIMP_TYPE_WINDOW);

  G_OBJECT_CLASS (mimp_window_parent_class)->dispose (object);
}

static void
mimp_window_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  MimpWindow *self = MIMP_WINDOW (object);

  switch (prop_id)
    {
    case PROP_ACCOUNTS:
      g_value_set_object (value, self->accounts);
      break;
    case PROP_CHATS:
      g_value_set_object (value, self->chats);
      break;
    case PROP_NOTIFIER:
      g_value_set_object (value, self->notifier);
      break;
    case PROP_SECRETS:
      g_value_set_object (value, self->secrets);
      break;
    case PROP_SETTINGS:
      g_value_set_object (value, self->settings);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
mimp_window_set_property (GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  MimpWindow *self = MIMP_WINDOW (object);

  switch (prop_id)
    {
    case PROP_ACCOUNTS:
      self->accounts = g_value_dup_object (value);
      break;
    case PROP_CHATS:
      self->chats = g_value_dup_object (value);
      break;
    case PROP_NOTIFIER:
      self->notifier = g_value_dup_object (value);
      break;
    case PROP_SECRETS:
      self->secrets = g_value_dup_object (value);
      break;
    case PROP_SETTINGS:
      self->settings = g_value_dup_object (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
mimp_window_constructed (GObject *object)
{
  MimpWindow *self = MIMP_WINDOW (object);
  GSettings *settings = self->settings;
  GtkExpression *expression;

  G_OBJECT_CLASS (mimp_window_parent_class)->constructed (object);
  g_return_if_fail (self->accounts != NULL && self->chats != NULL && self->secrets != NULL &&
                    self->settings != NULL);

  gtk_window_set_default_size (GTK_WINDOW (self), g_settings_get_int (settings, "window-width"),
                               g_settings_get_int (settings, "window-height"));
  if (g_settings_get_boolean (settings, "window-maximized"))
    gtk_window_maximize (GTK_WINDOW (self));

  expression = gtk_property_expression_new (MIMP_TYPE_CHAT, NULL, "peer");
  self->filter = gtk_string_filter_new (expression);
  gtk_string_filter_set_match_mode (self->filter, GTK_STRING_FILTER_MATCH_MODE_SUBSTRING);
  g_object_bind_property (self->search_entry, "text", self->filter, "search", G_BINDING_DEFAULT);
  self->filtered = gtk_filter_list_model_new (g_object_ref (G_LIST_MODEL (self->chats)),
                                              GTK_FILTER (self->filter));
  self->selection = gtk_single_selection_new (G_LIST_MODEL (self->filtered));
  gtk_single_selection_set_autoselect (self->selection, FALSE);
  gtk_single_selection_set_can_unselect (self->selection, TRUE);
  gtk_single_selection_set_selected (self->selection, GTK_INVALID_LIST_POSITION);
  gtk_list_view_set_model (self->chat_list_view, GTK_SELECTION_MODEL (self->selection));
  g_signal_connect_swapped (self->selection, "notify::selected-item", G_CALLBACK (on_selected),
                            self);

  g_signal_connect_object (self->chats, "items-changed", G_CALLBACK (on_chats_changed), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->accounts, "items-changed", G_CALLBACK (on_accounts_changed), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->accounts, "message-updated", G_CALLBACK (on_send_failed), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->accounts, "chat-requested", G_CALLBACK (on_chat_requested), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->accounts, "verification-asked", G_CALLBACK (on_verification_asked),
                           self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->accounts, "verification-finished",
                           G_CALLBACK (on_verification_finished), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->accounts, "verified-by-peer", G_CALLBACK (on_verified_by_peer),
                           self, G_CONNECT_SWAPPED);
  update_sidebar_stack (self);
  rebuild_banners (self);
}

static void
mimp_window_class_init (MimpWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);

  object_class->get_property = mimp_window_get_property;
  object_class->set_property = mimp_window_set_property;
  object_class->constructed = mimp_window_constructed;
  object_class->dispose = mimp_window_dispose;
  window_class->close_request = mimp_window_close_request;

  /* What the window shows and works on, given rather than looked up, so
   * that a test can build a window of its own. */
  properties[PROP_ACCOUNTS] =
      g_param_spec_object ("accounts", NULL, NULL, MIMP_TYPE_ACCOUNT_MANAGER,
                           G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_CHATS] =
      g_param_spec_object ("chats", NULL, NULL, MIMP_TYPE_CHAT_LIST,
                           G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  /* Without one, the window withdraws no notification. */
  properties[PROP_NOTIFIER] =
      g_param_spec_object ("notifier", NULL, NULL, MIMP_TYPE_NOTIFIER,
                           G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_SECRETS] =
      g_param_spec_object ("secrets", NULL, NULL, MIMP_TYPE_SECRET_STORE,
                           G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  /* The window's size, and the last chat open. */
  properties[PROP_SETTINGS] =
      g_param_spec_object ("settings", NULL, NULL, G_TYPE_SETTINGS,
                           G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  g_type_ensure (MIMP_TYPE_CHAT_VIEW);
  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/mimp/Mimp/mimp-window.ui");
  gtk_widget_class_bind_template_child (widget_class, MimpWindow, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, MimpWindow, leaflet);
  gtk_widget_class_bind_template_child (widget_class, MimpWindow, sidebar);
  gtk_widget_class_bind_template_child (widget_class, MimpWindow, chat_view);
  gtk_widget_class_bind_template_child (widget_class, MimpWindow, new_chat_button);
  gtk_widget_class_bind_template_child (widget_class, MimpWindow, search_entry);
  gtk_widget_class_bind_template_child (widget_class, MimpWindow, banner_box);
  gtk_widget_class_bind_template_child (widget_class, MimpWindow, sidebar_stack);
  gtk_widget_class_bind_template_child (widget_class, MimpWindow, chat_list_view);

  _mimp_window_class_actions_init (klass);
}

static void
mimp_window_init (MimpWindow *self)
{
  GtkListItemFactory *factory;

  gtk_widget_init_template (GTK_WIDGET (self));
  self->verifications = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  factory = gtk_signal_list_item_factory_new ();
  g_signal_connect (factory, "setup", G_CALLBACK (chat_row_setup), self);
  g_signal_connect (factory, "bind", G_CALLBACK (chat_row_bind), self);
  gtk_list_view_set_factory (self->chat_list_view, factory);
  g_object_unref (factory);
  g_signal_connect_swapped (self->chat_list_view, "activate", G_CALLBACK (on_chat_row_activate),
                            self);

  g_signal_connect_swapped (self->chat_view, "verify", G_CALLBACK (on_verify), self);
  g_signal_connect (self, "notify::is-active", G_CALLBACK (mimp_window_update_seen), NULL);
  g_signal_connect_swapped (self->leaflet, "notify::folded", G_CALLBACK (mimp_window_update_seen),
                            self);
  g_signal_connect_swapped (self->leaflet, "notify::visible-child",
                            G_CALLBACK (mimp_window_update_seen), self);
}

/**
 * mimp_window_new:
 * @application: (nullable): the application the window belongs to
 * @accounts: the accounts
 * @chats: the chats of @accounts
 * @notifier: (nullable): the notifications to withdraw of the chat shown
 * @secrets: the keyring, to keep a password typed in the window
 * @settings: the app's settings: the window's size, the last chat open
 *
 * Returns: (transfer none): a new window
 */
MimpWindow *
mimp_window_new (GtkApplication *application, MimpAccountManager *accounts, MimpChatList *chats,
                 MimpNotifier *notifier, MimpSecretStore *secrets, GSettings *settings)
{
  return g_object_new (MIMP_TYPE_WINDOW, "application", application, "accounts", accounts, "chats",
                       chats, "notifier", notifier, "secrets", secrets, "settings", settings, NULL);
}
