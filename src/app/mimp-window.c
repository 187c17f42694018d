/* mimp-window.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "mimp-window"

#include "config.h"

#include <glib/gi18n.h>

#include "mimp-account-banner.h"
#include "mimp-chat-dialogs.h"
#include "mimp-image-file.h"
#include "mimp-chat-row.h"
#include "mimp-message-row.h"
#include "mimp-verification-dialog.h"
#include "mimp-window.h"

struct _MimpWindow
{
  AdwApplicationWindow parent_instance;

  /* template */
  AdwToastOverlay *toast_overlay;
  AdwLeaflet *leaflet;
  GtkWidget *sidebar;
  GtkWidget *content;
  GtkSearchEntry *search_entry;
  GtkWidget *banner_box;
  GtkStack *sidebar_stack;
  GtkListView *chat_list_view;
  GtkButton *back_button;
  AdwWindowTitle *chat_title;
  GtkMenuButton *security_button;
  GtkImage *security_icon;
  GtkLabel *security_state_label;
  GtkLabel *security_heading;
  GtkLabel *security_label;
  GtkWidget *verify_button;
  GtkWidget *send_unencrypted_button;
  GtkWidget *accept_key_button;
  GtkRevealer *key_change_revealer;
  GtkWidget *key_change_box;
  GtkLabel *key_change_label;
  GtkWidget *attach_button;
  GtkMenuButton *members_button;
  GtkListBox *members_list;
  gboolean setting_composer; /* the composer's text is being set, not typed */
  GtkStack *content_stack;
  AdwStatusPage *empty_page;
  GtkScrolledWindow *messages_scroller;
  GtkListView *messages_view;
  GtkTextView *composer_view;
  GtkLabel *composer_placeholder;
  GtkButton *send_button;

  MimpApplication *application;
  MimpChatList *chats;
  MimpAccountManager *accounts;
  GtkFilterListModel *filtered;
  GtkStringFilter *filter;
  GtkSingleSelection *selection;
  MimpChat *chat;
  gboolean syncing_selection;
  GHashTable *verifications; /* "account\npeer" -> MimpVerificationDialog, not owned */

  /* scrolling */
  gboolean stick_to_bottom;
  gboolean keep_place;
  guint keep_place_id;
  guint reselect_id;
};

G_DEFINE_FINAL_TYPE (MimpWindow, mimp_window, ADW_TYPE_APPLICATION_WINDOW)

/* The sidebar's empty states, and what the content pane says while no
 * chat is open: there is nothing to choose or start before an account. */
static void
update_sidebar_stack (MimpWindow *self)
{
  if (g_list_model_get_n_items (G_LIST_MODEL (self->accounts)) == 0)
    {
      gtk_stack_set_visible_child_name (self->sidebar_stack, "no-accounts");
      adw_status_page_set_title (self->empty_page, _ ("No Account Yet"));
      adw_status_page_set_description (
          self->empty_page, _ ("Add an account with “Add Account” in the list to start chatting"));
    }
  else if (g_list_model_get_n_items (G_LIST_MODEL (self->chats)) == 0)
    {
      gtk_stack_set_visible_child_name (self->sidebar_stack, "no-chats");
      adw_status_page_set_title (self->empty_page, _ ("No Chat Selected"));
      adw_status_page_set_description (self->empty_page, _ ("Start a chat with +"));
    }
  else
    {
      gtk_stack_set_visible_child_name (self->sidebar_stack, "chats");
      adw_status_page_set_title (self->empty_page, _ ("No Chat Selected"));
      adw_status_page_set_description (self->empty_page,
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
  MimpNotifier *notifier = mimp_application_get_notifier (self->application);
  MimpChat *seen = NULL;

  if (self->chat != NULL && gtk_window_is_active (GTK_WINDOW (self)) &&
      gtk_widget_get_visible (GTK_WIDGET (self)) &&
      (!adw_leaflet_get_folded (self->leaflet) ||
       adw_leaflet_get_visible_child (self->leaflet) == self->content))
    seen = self->chat;

  mimp_chat_list_set_seen_chat (self->chats, seen);
  mimp_notifier_set_visible_chat (notifier, seen ? mimp_chat_get_key (seen) : NULL);
  if (seen != NULL)
    mimp_notifier_withdraw (notifier, mimp_chat_get_key (seen));
}

/* ------------------------------------------------------------------ */
/* Chat list                                                          */
/* ------------------------------------------------------------------ */

static void
select_current_chat (MimpWindow *self)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->selection));
  guint position = GTK_INVALID_LIST_POSITION;

  for (guint i = 0; i < n && self->chat != NULL; i++)
    {
      g_autoptr (MimpChat) chat = g_list_model_get_item (G_LIST_MODEL (self->selection), i);
      if (chat == self->chat)
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
  if (self->chat != NULL &&
      mimp_account_manager_lookup (
          self->accounts, mimp_account_get_id (mimp_chat_get_account (self->chat))) == NULL)
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

/* ------------------------------------------------------------------ */
/* Messages                                                           */
/* ------------------------------------------------------------------ */

static void
message_row_setup (GtkSignalListItemFactory *factory, GtkListItem *item, gpointer data)
{
  gtk_list_item_set_activatable (item, FALSE);
  gtk_list_item_set_selectable (item, FALSE);
  gtk_list_item_set_child (item, mimp_message_row_new ());
}

static void
message_row_bind (GtkSignalListItemFactory *factory, GtkListItem *item, gpointer data)
{
  mimp_message_row_set_message (MIMP_MESSAGE_ROW (gtk_list_item_get_child (item)),
                                gtk_list_item_get_item (item));
}

static GtkAdjustment *
vadjustment (MimpWindow *self)
{
  return gtk_scrollable_get_vadjustment (GTK_SCROLLABLE (self->messages_view));
}

static void
scroll_to_bottom (MimpWindow *self)
{
  GtkAdjustment *adj = vadjustment (self);

  gtk_adjustment_set_value (adj,
                            gtk_adjustment_get_upper (adj) - gtk_adjustment_get_page_size (adj));
}

static void
maybe_load_older (MimpWindow *self)
{
  GtkAdjustment *adj = vadjustment (self);

  if (self->chat == NULL || !mimp_chat_get_loaded (self->chat) ||
      mimp_chat_get_loading (self->chat) || !mimp_chat_get_has_more (self->chat))
    return;
  /* Near the top, or the first page does not fill the view. */
  if (gtk_adjustment_get_value (adj) < gtk_adjustment_get_page_size (adj) ||
      gtk_adjustment_get_upper (adj) <= gtk_adjustment_get_page_size (adj))
    mimp_chat_load_older (self->chat);
}

static void
on_value_changed (GtkAdjustment *adj, MimpWindow *self)
{
  double bottom = gtk_adjustment_get_upper (adj) - gtk_adjustment_get_page_size (adj);

  self->stick_to_bottom = gtk_adjustment_get_value (adj) >= bottom - 4;
  maybe_load_older (self);
}

static void
on_upper_changed (GtkAdjustment *adj, GParamSpec *pspec, MimpWindow *self)
{
  /* While a page of older messages is prepended, the list view keeps the
   * rows on screen in place by itself (its anchor is a row, not an
   * offset): moving the adjustment by the growth as well threw the reader
   * a page or more away, and the view realised a whole new set of rows. */
  if (!self->keep_place && self->stick_to_bottom)
    scroll_to_bottom (self);
}

static void
on_page_size_changed (GtkAdjustment *adj, GParamSpec *pspec, MimpWindow *self)
{
  if (self->stick_to_bottom)
    scroll_to_bottom (self);
}

static gboolean
end_keep_place (gpointer data)
{
  MimpWindow *self = data;

  self->keep_place = FALSE;
  self->keep_place_id = 0;
  maybe_load_older (self);
  return G_SOURCE_REMOVE;
}

static void
on_messages_changed (MimpWindow *self, guint position, guint removed, guint added)
{
  if (position == 0 && added > 0 && removed == 0 &&
      g_list_model_get_n_items (G_LIST_MODEL (self->chat)) > added)
    {
      /* A page of older messages was prepended. */
      self->keep_place = !self->stick_to_bottom;
      g_clear_handle_id (&self->keep_place_id, g_source_remove);
      self->keep_place_id = g_timeout_add (300, end_keep_place, self);
    }
  else if (self->stick_to_bottom)
    {
#if GTK_CHECK_VERSION(4, 12, 0)
      guint n = g_list_model_get_n_items (G_LIST_MODEL (self->chat));
      if (n > 0)
        gtk_list_view_scroll_to (self->messages_view, n - 1, GTK_LIST_SCROLL_NONE, NULL);
#else
      scroll_to_bottom (self);
#endif
    }
}

/* ------------------------------------------------------------------ */
/* Composer                                                           */
/* ------------------------------------------------------------------ */

char *
mimp_window_dup_composer_text (MimpWindow *self)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (self->composer_view);
  GtkTextIter start;
  GtkTextIter end;

  gtk_text_buffer_get_bounds (buffer, &start, &end);
  return gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
}

void
mimp_window_set_composer_text (MimpWindow *self, const char *text)
{
  self->setting_composer = TRUE;
  gtk_text_buffer_set_text (gtk_text_view_get_buffer (self->composer_view), text ? text : "", -1);
  self->setting_composer = FALSE;
}

static gboolean
is_blank (const char *text)
{
  for (const char *p = text; *p; p = g_utf8_next_char (p))
    if (!g_unichar_isspace (g_utf8_get_char (p)))
      return FALSE;
  return TRUE;
}

static void
on_composer_changed (MimpWindow *self)
{
  g_autofree char *text = mimp_window_dup_composer_text (self);
  gboolean can_send = self->chat != NULL && !is_blank (text);

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.send", can_send);
  if (self->chat != NULL && !self->setting_composer)
    mimp_chat_composer_changed (self->chat, *text != '\0');
  /* GtkTextView has no placeholder of its own. */
  gtk_widget_set_visible (GTK_WIDGET (self->composer_placeholder),
                          self->chat != NULL && *text == '\0');
}

/* F6 and Shift+F6: the chat list, the messages, the composer, in turn. */
static void
cycle_region_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  MimpWindow *self = MIMP_WINDOW (widget);
  gboolean backwards = parameter != NULL && g_variant_get_boolean (parameter);
  gboolean folded = adw_leaflet_get_folded (self->leaflet);
  gboolean content_shown = adw_leaflet_get_visible_child (self->leaflet) == self->content;
  GtkWidget *regions[3];
  GtkWidget *focus = gtk_root_get_focus (GTK_ROOT (self));
  guint n = 0;
  guint current = 0;

  if (!folded || !content_shown)
    regions[n++] = GTK_WIDGET (self->chat_list_view);
  if (self->chat != NULL && (!folded || content_shown))
    {
      regions[n++] = GTK_WIDGET (self->messages_view);
      regions[n++] = GTK_WIDGET (self->composer_view);
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
      regions[current] != GTK_WIDGET (self->composer_view))
    gtk_widget_child_focus (regions[current], GTK_DIR_TAB_FORWARD);
}

static void
send_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  MimpWindow *self = MIMP_WINDOW (widget);
  g_autofree char *text = mimp_window_dup_composer_text (self);

  if (self->chat == NULL || is_blank (text))
    return;
  if (strlen (text) >
      mimp_protocol_get_max_text (mimp_account_get_protocol (mimp_chat_get_account (self->chat))))
    {
      mimp_window_show_toast (self, _ ("The message is too long to send."));
      return;
    }
  self->stick_to_bottom = TRUE;
  mimp_chat_send (self->chat, g_strchomp (text));
  mimp_window_set_composer_text (self, NULL);
  mimp_chat_set_draft (self->chat, NULL);
}

static gboolean
on_composer_key (GtkEventControllerKey *controller, guint keyval, guint keycode,
                 GdkModifierType state, MimpWindow *self)
{
  if ((keyval == GDK_KEY_Return || keyval == GDK_KEY_KP_Enter) &&
      !(state & (GDK_SHIFT_MASK | GDK_CONTROL_MASK | GDK_ALT_MASK)))
    {
      gtk_widget_activate_action (GTK_WIDGET (self), "win.send", NULL);
      return TRUE;
    }
  if (keyval == GDK_KEY_Escape)
    {
      gtk_widget_grab_focus (GTK_WIDGET (self->messages_view));
      return TRUE;
    }
  return FALSE;
}

/* ------------------------------------------------------------------ */
/* Opening a chat                                                     */
/* ------------------------------------------------------------------ */

static void
save_draft (MimpWindow *self)
{
  g_autofree char *text = NULL;

  if (self->chat == NULL)
    return;
  text = mimp_window_dup_composer_text (self);
  mimp_chat_set_draft (self->chat, is_blank (text) ? NULL : text);
}

/* The chat's subtitle: the peer typing, where the protocol says so, or the
 * account the chat belongs to. */
static void
update_chat_subtitle (MimpWindow *self)
{
  g_autofree char *text = NULL;

  if (self->chat == NULL)
    return;
  switch (mimp_chat_get_peer_typing (self->chat))
    {
    case MIMP_TYPING_ACTIVE:
      /* Translators: %s is who is typing a message to you */
      text = g_strdup_printf (_ ("%s is typing…"), mimp_chat_get_peer (self->chat));
      break;
    case MIMP_TYPING_PAUSED:
      /* Translators: %s stopped typing, but has text waiting to be sent */
      text = g_strdup_printf (_ ("%s has entered text"), mimp_chat_get_peer (self->chat));
      break;
    case MIMP_TYPING_STOPPED:
    default:
      text = mimp_account_dup_display_name (mimp_chat_get_account (self->chat));
      break;
    }
  adw_window_title_set_subtitle (self->chat_title, text);
}

/* The composer's placeholder: whom the message goes to, and why it waits
 * when it does. */
static void
update_composer_hint (MimpWindow *self)
{
  g_autofree char *hint = NULL;
  const char *peer;

  if (self->chat == NULL)
    return;
  peer = mimp_chat_get_peer (self->chat);
  switch (mimp_chat_get_privacy (self->chat))
    {
    case MIMP_CHAT_PRIVACY_KEY_CHANGED:
      /* Translators: the composer's placeholder while sending is paused; %s is the peer */
      hint = g_strdup_printf (_ ("Sending paused: check %s’s new key"), peer);
      break;
    case MIMP_CHAT_PRIVACY_WAITING:
      /* Translators: the composer's placeholder; %s is whom the message goes to */
      hint = g_strdup_printf (_ ("Message %s (sent when they’re online)"), peer);
      break;
    case MIMP_CHAT_PRIVACY_NONE:
    case MIMP_CHAT_PRIVACY_UNVERIFIED:
    case MIMP_CHAT_PRIVACY_VERIFIED:
    default:
      /* Translators: the composer's placeholder; %s is whom the message goes to */
      hint = g_strdup_printf (_ ("Message %s"), peer);
      break;
    }
  gtk_label_set_label (self->composer_placeholder, hint);
}

static const char *
security_level_label (MimpSecurityLevel level)
{
  switch (level)
    {
    case MIMP_SECURITY_VERIFIED:
      return _ ("Verified");
    case MIMP_SECURITY_UNVERIFIED:
      return _ ("Encrypted, not verified");
    case MIMP_SECURITY_SERVER:
      return _ ("Not end-to-end encrypted");
    case MIMP_SECURITY_ANYONE:
    default:
      return _ ("Not encrypted");
    }
}

/* The header bar's minimum width with the security button's words @width
 * wide. */
static int
header_min_with_words (GtkWidget *header, GtkWidget *words, int width)
{
  int header_min = 0;

  gtk_widget_set_size_request (words, width, -1);
  gtk_widget_measure (header, GTK_ORIENTATION_HORIZONTAL, -1, &header_min, NULL, NULL, NULL);
  return header_min;
}

/* The security button's words, beside its icon, where there is room:
 * never in a narrow (folded) window, and never so wide that the chat pane
 * could no longer be as narrow as it may be, or folding the window would
 * need a width it does not have yet (the words are hidden only once it
 * folded). The header bar keeps the title centred unless its sides need
 * more than their minimum, so the words ask for the width they get: the
 * widest that keeps the header bar within the pane's narrowest. */
static void
update_security_words (MimpWindow *self)
{
  GtkWidget *words = GTK_WIDGET (self->security_state_label);
  GtkWidget *header =
      gtk_widget_get_ancestor (GTK_WIDGET (self->security_button), ADW_TYPE_HEADER_BAR);
  g_autoptr (PangoLayout) layout = NULL;
  int pane_min = 0;
  int natural = 0;
  int low;
  int high;

  gtk_widget_set_size_request (words, -1, -1);
  gtk_widget_set_visible (words, FALSE);
  if (self->chat == NULL || adw_leaflet_get_folded (self->leaflet))
    return;
  gtk_widget_get_size_request (self->content, &pane_min, NULL);
  layout = gtk_widget_create_pango_layout (words, gtk_label_get_text (self->security_state_label));
  pango_layout_get_pixel_size (layout, &natural, NULL);
  gtk_widget_set_visible (words, TRUE);
  if (header_min_with_words (header, words, natural) <= pane_min)
    return;
  /* The widest that fits, to a few pixels. */
  low = 0;
  high = natural;
  while (high - low > 4)
    {
      int middle = (low + high) / 2;

      if (header_min_with_words (header, words, middle) <= pane_min)
        low = middle;
      else
        high = middle;
    }
  if (low < natural / 2)
    {
      gtk_widget_set_size_request (words, -1, -1);
      gtk_widget_set_visible (words, FALSE);
      return;
    }
  gtk_widget_set_size_request (words, low, -1);
}

/* Who can read the chat: in a private chat, its state (a lock only for an
 * encrypted one, closed only when verified); otherwise as its account's
 * type says. The words say it too, never the icon alone. */
static void
update_security (MimpWindow *self)
{
  MimpAccount *account;
  MimpProtocol *protocol;
  MimpSecurityLevel level;
  MimpChatPrivacy privacy;
  gboolean use_tls;
  const char *peer;
  const char *label;
  const char *icon;
  g_autofree char *sentence = NULL;
  g_autofree char *accessible = NULL;
  gboolean can_verify;

  if (self->security_button == NULL) /* disposed */
    return;
  gtk_widget_set_visible (GTK_WIDGET (self->security_button), self->chat != NULL);
  if (self->chat == NULL)
    {
      gtk_revealer_set_reveal_child (self->key_change_revealer, FALSE);
      return;
    }
  account = mimp_chat_get_account (self->chat);
  protocol = mimp_account_get_protocol (account);
  use_tls = mimp_account_get_use_tls (account);
  level = mimp_protocol_get_security (protocol, use_tls);
  privacy = mimp_chat_get_privacy (self->chat);
  peer = mimp_chat_get_peer (self->chat);
  /* Verification of the chat's own kind (Cryptully's), or of a private chat. */
  can_verify =
      mimp_protocol_has (protocol, MIMP_PROTOCOL_VERIFICATION) && level >= MIMP_SECURITY_UNVERIFIED;
  switch (privacy)
    {
    case MIMP_CHAT_PRIVACY_WAITING:
      label = _ ("Waiting for keys");
      icon = "preferences-system-time-symbolic";
      /* Translators: %s is whom the chat is with */
      sentence = g_strdup_printf (
          _ ("Your messages will be sent encrypted once %s has been online."), peer);
      can_verify = FALSE;
      break;
    case MIMP_CHAT_PRIVACY_UNVERIFIED:
      label = _ ("Encrypted, not verified");
      icon = mimp_security_level_get_icon_name (MIMP_SECURITY_UNVERIFIED);
      /* Translators: %s is whom the chat is with */
      sentence = g_strdup_printf (_ ("The server can’t read these messages. You haven’t "
                                     "confirmed this is really %s’s key."),
                                  peer);
      can_verify = TRUE;
      break;
    case MIMP_CHAT_PRIVACY_VERIFIED:
      label = _ ("Verified");
      icon = mimp_security_level_get_icon_name (MIMP_SECURITY_VERIFIED);
      /* Translators: %s is whom the chat is with */
      sentence = g_strdup_printf (_ ("You verified %s’s key."), peer);
      can_verify = TRUE;
      break;
    case MIMP_CHAT_PRIVACY_KEY_CHANGED:
      label = _ ("Key changed");
      icon = "dialog-error-symbolic";
      /* Translators: %s is whom the chat is with */
      sentence = g_strdup_printf (_ ("%s’s key is different from the one you verified. Sending "
                                     "is paused."),
                                  peer);
      can_verify = TRUE;
      break;
    case MIMP_CHAT_PRIVACY_NONE:
    default:
      label = security_level_label (level);
      icon = mimp_security_level_get_icon_name (level);
      if (mimp_protocol_has (protocol, MIMP_PROTOCOL_END_TO_END) && level == MIMP_SECURITY_ANYONE)
        sentence = g_strdup (_ ("Anyone on the network and the server can read these messages."));
      else if (mimp_protocol_has (protocol, MIMP_PROTOCOL_END_TO_END) &&
               level == MIMP_SECURITY_SERVER)
        sentence = g_strdup (_ ("Encrypted on the way to the server. The server can read these "
                                "messages."));
      else
        sentence = mimp_protocol_describe_security (protocol, use_tls, FALSE);
      break;
    }

  if (privacy != MIMP_CHAT_PRIVACY_NONE && mimp_account_get_e2e_locked (account))
    {
      char *locked = g_strconcat (
          sentence, " ", _ ("Your keyring is locked: encrypted messages wait until you unlock it."),
          NULL);

      g_free (sentence);
      sentence = locked;
    }
  gtk_image_set_from_icon_name (self->security_icon, icon);
  gtk_label_set_label (self->security_state_label, label);
  update_security_words (self);
  gtk_label_set_label (self->security_heading, label);
  gtk_label_set_label (self->security_label, sentence);
  gtk_widget_set_visible (self->verify_button, can_verify);
  gtk_widget_set_visible (self->send_unencrypted_button, privacy == MIMP_CHAT_PRIVACY_WAITING);
  gtk_widget_set_visible (self->accept_key_button, privacy == MIMP_CHAT_PRIVACY_KEY_CHANGED);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.verify", can_verify);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.send-unencrypted",
                                 privacy == MIMP_CHAT_PRIVACY_WAITING);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.accept-key",
                                 privacy == MIMP_CHAT_PRIVACY_KEY_CHANGED);
  gtk_widget_set_visible (self->attach_button, mimp_protocol_has (protocol, MIMP_PROTOCOL_IMAGES));
  /* Translators: the security button's name for screen readers; %s is its state */
  accessible = g_strdup_printf (_ ("Who can read this chat: %s"), label);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->security_button),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, accessible,
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, sentence, -1);

  if (privacy == MIMP_CHAT_PRIVACY_KEY_CHANGED)
    {
      /* Translators: the bar over a chat whose peer's key changed; %s is the peer */
      g_autofree char *bar =
          g_strdup_printf (_ ("%s’s key changed. Messages are paused until you check it."), peer);
      gtk_label_set_label (self->key_change_label, bar);
    }
  gtk_orientable_set_orientation (GTK_ORIENTABLE (self->key_change_box),
                                  adw_leaflet_get_folded (self->leaflet)
                                      ? GTK_ORIENTATION_VERTICAL
                                      : GTK_ORIENTATION_HORIZONTAL);
  gtk_revealer_set_reveal_child (self->key_change_revealer,
                                 privacy == MIMP_CHAT_PRIVACY_KEY_CHANGED);
  update_composer_hint (self);
}

/* Who is in the room the chat is, when it is one (the account knows its
 * members; a chat with one person has none). */
static void
update_members (MimpWindow *self)
{
  g_auto (GStrv) members = NULL;
  GtkWidget *child;

  if (self->chat != NULL)
    members = mimp_account_dup_members (mimp_chat_get_account (self->chat),
                                        mimp_chat_get_peer (self->chat));
  gtk_widget_set_visible (GTK_WIDGET (self->members_button), members != NULL);
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->members_list))) != NULL)
    gtk_list_box_remove (self->members_list, child);
  for (guint i = 0; members != NULL && members[i] != NULL; i++)
    {
      GtkWidget *row = adw_action_row_new ();
      GtkWidget *avatar = adw_avatar_new (32, members[i], TRUE);

      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), members[i]);
      adw_action_row_add_prefix (ADW_ACTION_ROW (row), avatar);
      gtk_list_box_append (self->members_list, row);
    }
  if (members != NULL)
    {
      /* Translators: the members button's tooltip; %u is how many are in the room */
      g_autofree char *tooltip = g_strdup_printf (
          ngettext ("%u Member", "%u Members", g_strv_length (members)), g_strv_length (members));
      gtk_widget_set_tooltip_text (GTK_WIDGET (self->members_button), tooltip);
    }
}

static void
on_members_changed (MimpWindow *self, MimpAccount *account, const char *room)
{
  if (self->chat != NULL && mimp_chat_get_account (self->chat) == account &&
      g_strcmp0 (mimp_chat_get_peer (self->chat), room) == 0)
    {
      update_members (self);
      update_security_words (self);
    }
}

/* The largest image the app reads to send, in bytes. */
#define IMAGE_MAX (8 * 1024 * 1024)

static void
image_sent (GObject *source, GAsyncResult *result, gpointer data)
{
  g_autoptr (MimpWindow) self = data;
  g_autoptr (GError) error = NULL;

  if (!mimp_account_send_image_finish (MIMP_ACCOUNT (source), result, &error))
    {
      g_autofree char *reason = mimp_describe_error (error);
      /* Translators: %s says why */
      g_autofree char *text = g_strdup_printf (_ ("The image was not sent: %s"), reason);

      mimp_window_show_toast (self, text);
    }
}

static void
image_read (GObject *source, GAsyncResult *result, gpointer data)
{
  g_autoptr (MimpWindow) self = data;
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) bytes = NULL;
  g_autofree char *mime = NULL;

  bytes = mimp_image_file_read_finish (result, &mime, &error);
  if (bytes == NULL)
    {
      mimp_window_show_toast (self, error->message);
      return;
    }
  if (self->chat == NULL)
    return;
  mimp_account_send_image_async (mimp_chat_get_account (self->chat),
                                 mimp_chat_get_peer (self->chat), bytes, mime, NULL, image_sent,
                                 g_object_ref (self));
}

static void
image_chosen (GtkNativeDialog *chooser, int response, MimpWindow *self)
{
  g_autoptr (GFile) file = NULL;

  if (response == GTK_RESPONSE_ACCEPT)
    file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));
  if (file != NULL)
    mimp_image_file_read_async (file, IMAGE_MAX, NULL, image_read, g_object_ref (self));
  g_object_unref (chooser);
}

static void
attach_image_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  MimpWindow *self = MIMP_WINDOW (widget);
  GtkFileChooserNative *chooser;

  if (self->chat == NULL)
    return;
  chooser = mimp_image_chooser_new (GTK_WINDOW (self), _ ("Send an Image"), _ ("_Send"));
  g_signal_connect (chooser, "response", G_CALLBACK (image_chosen), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

/* ------------------------------------------------------------------ */
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

static void
verify_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  MimpWindow *self = MIMP_WINDOW (widget);
  MimpVerificationDialog *dialog;

  if (self->chat == NULL)
    return;
  gtk_menu_button_popdown (self->security_button);
  dialog = ensure_verification (self, mimp_chat_get_account (self->chat),
                                mimp_chat_get_peer (self->chat));
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
  if (self->chat != NULL && mimp_chat_get_account (self->chat) == account &&
      g_strcmp0 (mimp_chat_get_peer (self->chat), peer) == 0)
    {
      adw_toast_set_button_label (toast, _ ("_Verify…"));
      adw_toast_set_action_name (toast, "win.verify");
    }
  adw_toast_overlay_add_toast (self->toast_overlay, toast);
}

static void
send_unencrypted_response (AdwMessageDialog *dialog, const char *response, MimpWindow *self)
{
  MimpAccount *account = g_object_get_data (G_OBJECT (dialog), "account");
  const char *peer = g_object_get_data (G_OBJECT (dialog), "peer");

  if (g_str_equal (response, "send"))
    mimp_account_e2e_send_unencrypted (account, peer);
}

static GtkWidget *
chat_message_dialog (MimpWindow *self, const char *heading, const char *body)
{
  GtkWidget *dialog = adw_message_dialog_new (GTK_WINDOW (self), heading, body);

  g_object_set_data_full (G_OBJECT (dialog), "account",
                          g_object_ref (mimp_chat_get_account (self->chat)), g_object_unref);
  g_object_set_data_full (G_OBJECT (dialog), "peer", g_strdup (mimp_chat_get_peer (self->chat)),
                          g_free);
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  return dialog;
}

/* Sending unencrypted to a peer without keys: the user's choice, after
 * saying plainly who can read the messages then. */
static void
send_unencrypted_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  MimpWindow *self = MIMP_WINDOW (widget);
  g_autofree char *heading = NULL;
  g_autofree char *body = NULL;
  const char *peer;
  GtkWidget *dialog;

  if (self->chat == NULL || mimp_chat_get_privacy (self->chat) != MIMP_CHAT_PRIVACY_WAITING)
    return;
  gtk_menu_button_popdown (self->security_button);
  peer = mimp_chat_get_peer (self->chat);
  /* Translators: %s is whom the messages go to */
  heading = g_strdup_printf (_ ("Send Unencrypted to %s?"), peer);
  if (mimp_account_get_use_tls (mimp_chat_get_account (self->chat)))
    /* Translators: %s is whom the messages go to */
    body = g_strdup_printf (_ ("There are no keys for %s yet. If you send now, your waiting and "
                               "next messages are not end-to-end encrypted: the server can read "
                               "them. The chat will say so."),
                            peer);
  else
    body = g_strdup_printf (_ ("There are no keys for %s yet. If you send now, your waiting and "
                               "next messages are not encrypted at all: the server, and anyone "
                               "on the network between you, can read them. The chat will say "
                               "so."),
                            peer);
  dialog = chat_message_dialog (self, heading, body);
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog), "cancel", _ ("_Keep Waiting"),
                                    "send", _ ("_Send Unencrypted"), NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "send",
                                              ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  g_signal_connect_object (dialog, "response", G_CALLBACK (send_unencrypted_response), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
accept_key_response (AdwMessageDialog *dialog, const char *response, MimpWindow *self)
{
  MimpAccount *account = g_object_get_data (G_OBJECT (dialog), "account");
  const char *peer = g_object_get_data (G_OBJECT (dialog), "peer");

  if (g_str_equal (response, "accept"))
    mimp_account_e2e_accept_key_change (account, peer);
  else if (g_str_equal (response, "verify"))
    gtk_widget_activate_action (GTK_WIDGET (self), "win.verify", NULL);
}

/* Taking a changed key without checking it: behind a question that says
 * what it risks. */
static void
accept_key_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  MimpWindow *self = MIMP_WINDOW (widget);
  g_autofree char *heading = NULL;
  g_autofree char *body = NULL;
  const char *peer;
  GtkWidget *dialog;

  if (self->chat == NULL || mimp_chat_get_privacy (self->chat) != MIMP_CHAT_PRIVACY_KEY_CHANGED)
    return;
  gtk_menu_button_popdown (self->security_button);
  peer = mimp_chat_get_peer (self->chat);
  /* Translators: %s is whose key changed */
  heading = g_strdup_printf (_ ("Accept %s’s New Key?"), peer);
  body = g_strdup_printf (_ ("Accept it only if you know why it changed, for example because %s "
                             "set up Mimp again. Otherwise someone could be intercepting this "
                             "chat: verify first. Once accepted, the messages that waited are "
                             "sent, and the chat is no longer verified."),
                          peer);
  dialog = chat_message_dialog (self, heading, body);
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog), "cancel", _ ("_Cancel"), "verify",
                                    _ ("_Verify First"), "accept", _ ("_Accept New Key"), NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "accept",
                                              ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "verify",
                                              ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "verify");
  g_signal_connect_object (dialog, "response", G_CALLBACK (accept_key_response), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
on_chat_requested (MimpWindow *self, MimpAccount *account, const char *peer)
{
  gtk_window_present (mimp_chat_request_dialog_new (GTK_WINDOW (self), account, peer));
}

void
mimp_window_open_chat (MimpWindow *self, MimpChat *chat)
{
  g_autoptr (GtkNoSelection) model = NULL;

  g_return_if_fail (MIMP_IS_WINDOW (self));

  if (chat != self->chat)
    {
      save_draft (self);
      if (self->chat != NULL)
        {
          g_signal_handlers_disconnect_by_func (self->chat, on_messages_changed, self);
          g_signal_handlers_disconnect_by_func (self->chat, update_chat_subtitle, self);
          g_signal_handlers_disconnect_by_func (self->chat, update_security, self);
          g_signal_handlers_disconnect_by_func (mimp_chat_get_account (self->chat), update_security,
                                                self);
        }
      g_set_object (&self->chat, chat);

      if (chat != NULL)
        {
          model = gtk_no_selection_new (g_object_ref (G_LIST_MODEL (chat)));
          self->stick_to_bottom = TRUE;
          self->keep_place = FALSE;
          gtk_list_view_set_model (self->messages_view, GTK_SELECTION_MODEL (model));
          g_signal_connect_swapped (chat, "items-changed", G_CALLBACK (on_messages_changed), self);
          if (!mimp_chat_get_loaded (chat))
            mimp_chat_load_older (chat);
          adw_window_title_set_title (self->chat_title, mimp_chat_get_peer (chat));
          g_signal_connect_swapped (chat, "notify::peer-typing", G_CALLBACK (update_chat_subtitle),
                                    self);
          update_chat_subtitle (self);
          g_signal_connect_swapped (chat, "notify::privacy", G_CALLBACK (update_security), self);
          g_signal_connect_object (mimp_chat_get_account (chat), "notify::e2e-locked",
                                   G_CALLBACK (update_security), self, G_CONNECT_SWAPPED);
          mimp_window_set_composer_text (self, mimp_chat_get_draft (chat));
          gtk_stack_set_visible_child_name (self->content_stack, "chat");
          g_settings_set_string (mimp_application_get_settings (self->application), "last-chat",
                                 mimp_chat_get_key (chat));
        }
      else
        {
          gtk_list_view_set_model (self->messages_view, NULL);
          adw_window_title_set_title (self->chat_title, "");
          adw_window_title_set_subtitle (self->chat_title, "");
          mimp_window_set_composer_text (self, NULL);
          gtk_stack_set_visible_child_name (self->content_stack, "empty");
        }
      on_composer_changed (self);
      update_members (self); /* first: its button takes room from the security button's words */
      update_security (self);
      select_current_chat (self);
    }

  if (chat != NULL)
    {
      adw_leaflet_set_visible_child (self->leaflet, self->content);
      gtk_widget_grab_focus (GTK_WIDGET (self->composer_view));
    }
  mimp_window_update_seen (self);
}

MimpChat *
mimp_window_get_chat (MimpWindow *self)
{
  g_return_val_if_fail (MIMP_IS_WINDOW (self), NULL);
  return self->chat;
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
  return GTK_WIDGET (self->messages_view);
}

static void
on_back (MimpWindow *self)
{
  adw_leaflet_navigate (self->leaflet, ADW_NAVIGATION_DIRECTION_BACK);
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

  if (g_list_model_get_n_items (G_LIST_MODEL (self->accounts)) == 0)
    {
      gtk_widget_activate_action (widget, "app.add-account", NULL);
      return;
    }

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
  if (self->chat != NULL)
    {
      guint position;
      for (position = 0; position < g_list_model_get_n_items (G_LIST_MODEL (self->accounts));
           position++)
        {
          g_autoptr (MimpAccount) account =
              g_list_model_get_item (G_LIST_MODEL (self->accounts), position);
          if (account == mimp_chat_get_account (self->chat))
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
    mimp_application_remember_password (self->application, account, password, GTK_WINDOW (self));
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

static void
retry_activated (GSimpleAction *action, GVariant *parameter, gpointer data)
{
  MimpWindow *self = data;
  gint64 row_id = g_variant_get_int64 (parameter);
  guint n;

  if (self->chat == NULL)
    return;
  n = g_list_model_get_n_items (G_LIST_MODEL (self->chat));
  for (guint i = n; i > 0; i--)
    {
      g_autoptr (MimpChatMessage) message =
          g_list_model_get_item (G_LIST_MODEL (self->chat), i - 1);
      if (mimp_chat_message_get_row_id (message) == row_id)
        {
          mimp_chat_retry (self->chat, message);
          return;
        }
    }
}

/* A message of the open chat could not be decrypted: ask its sender to
 * send what failed again (the account limits how often). */
static void
request_resend_activated (GSimpleAction *action, GVariant *parameter, gpointer data)
{
  MimpWindow *self = data;

  if (self->chat == NULL)
    return;
  mimp_account_e2e_request_resend (mimp_chat_get_account (self->chat),
                                   mimp_chat_get_peer (self->chat));
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
  GSettings *settings = mimp_application_get_settings (self->application);
  int width;
  int height;

  save_draft (self);
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

  g_clear_handle_id (&self->keep_place_id, g_source_remove);
  g_clear_handle_id (&self->reselect_id, g_source_remove);
  /* The chat may outlive the window: none of its handlers may stay. */
  if (self->chat != NULL)
    g_signal_handlers_disconnect_by_data (self->chat, self);
  g_clear_pointer (&self->verifications, g_hash_table_unref);
  if (self->chats != NULL)
    mimp_chat_list_set_seen_chat (self->chats, NULL);
  g_clear_object (&self->chat);
  g_clear_object (&self->selection);
  g_clear_object (&self->chats);
  g_clear_object (&self->accounts);
  gtk_widget_dispose_template (GTK_WIDGET (self), MIMP_TYPE_WINDOW);

  G_OBJECT_CLASS (mimp_window_parent_class)->dispose (object);
}

static void
mimp_window_class_init (MimpWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);

  object_class->dispose = mimp_window_dispose;
  window_class->close_request = mimp_window_close_request;

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/mimp/Mimp/mimp-window.ui");
  gtk_widget_class_bind_template_child (widget_class, MimpWindow, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, MimpWindow, leaflet);
  gtk_widget_class_bind_template_child (widget_class, MimpWindow, sidebar);
  gtk_widget_class_bind_template_child (widget_class, MimpWindow, content);
  gtk_widget_class_bind_template_child (widget_class, MimpWindow, search_entry);
  gtk_widget_class_bind_template_child (widget_class, MimpWindow, banner_box);
  gtk_widget_class_bind_template_child (widget_class, MimpWindow, sidebar_stack);
  gtk_widget_class_bind_template_child (widget_class, MimpWindow, chat_list_view);
  gtk_widget_class_bind_template_child (widget_class, MimpWindow, back_button);
  gtk_widget_class_bind_template_child (widget_class, MimpWindow, chat_title);
  gtk_widget_class_bind_template_child (widget_class, MimpWindow, security_button);
  gtk_widget_class_bind_template_child (widget_class, MimpWindow, security_icon);
  gtk_widget_class_bind_template_child (widget_class, MimpWindow, security_state_label);
  gtk_widget_class_bind_template_child (widget_class, MimpWindow, security_heading);
  gtk_widget_class_bind_template_child (widget_class, MimpWindow, security_label);
  gtk_widget_class_bind_template_child (widget_class, MimpWindow, verify_button);
  gtk_widget_class_bind_template_child (widget_class, MimpWindow, send_unencrypted_button);
  gtk_widget_class_bind_template_child (widget_class, MimpWindow, accept_key_button);
  gtk_widget_class_bind_template_child (widget_class, MimpWindow, key_change_revealer);
  gtk_widget_class_bind_template_child (widget_class, MimpWindow, key_change_box);
  gtk_widget_class_bind_template_child (widget_class, MimpWindow, key_change_label);
  gtk_widget_class_bind_template_child (widget_class, MimpWindow, attach_button);
  gtk_widget_class_install_action (widget_class, "win.attach-image", NULL, attach_image_action);
  gtk_widget_class_bind_template_child (widget_class, MimpWindow, members_button);
  gtk_widget_class_bind_template_child (widget_class, MimpWindow, members_list);
  gtk_widget_class_install_action (widget_class, "win.verify", NULL, verify_action);
  gtk_widget_class_install_action (widget_class, "win.send-unencrypted", NULL,
                                   send_unencrypted_action);
  gtk_widget_class_install_action (widget_class, "win.accept-key", NULL, accept_key_action);
  gtk_widget_class_bind_template_child (widget_class, MimpWindow, content_stack);
  gtk_widget_class_bind_template_child (widget_class, MimpWindow, empty_page);
  gtk_widget_class_bind_template_child (widget_class, MimpWindow, messages_scroller);
  gtk_widget_class_bind_template_child (widget_class, MimpWindow, messages_view);
  gtk_widget_class_bind_template_child (widget_class, MimpWindow, composer_view);
  gtk_widget_class_bind_template_child (widget_class, MimpWindow, composer_placeholder);
  gtk_widget_class_bind_template_child (widget_class, MimpWindow, send_button);

  gtk_widget_class_install_action (widget_class, "win.send", NULL, send_action);
  gtk_widget_class_install_action (widget_class, "win.new-chat", NULL, new_chat_action);
  gtk_widget_class_install_action (widget_class, "win.search", NULL, search_action);
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

static void
mimp_window_init (MimpWindow *self)
{
  GtkListItemFactory *factory;
  GtkEventController *keys;
  g_autoptr (GSimpleActionGroup) chat_actions = g_simple_action_group_new ();
  g_autoptr (GSimpleAction) retry = g_simple_action_new ("retry", G_VARIANT_TYPE_INT64);
  g_autoptr (GSimpleAction) resend = g_simple_action_new ("request-resend", G_VARIANT_TYPE_INT64);

  gtk_widget_init_template (GTK_WIDGET (self));
  self->verifications = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  factory = gtk_signal_list_item_factory_new ();
  g_signal_connect (factory, "setup", G_CALLBACK (message_row_setup), self);
  g_signal_connect (factory, "bind", G_CALLBACK (message_row_bind), self);
  gtk_list_view_set_factory (self->messages_view, factory);
  g_object_unref (factory);

  factory = gtk_signal_list_item_factory_new ();
  g_signal_connect (factory, "setup", G_CALLBACK (chat_row_setup), self);
  g_signal_connect (factory, "bind", G_CALLBACK (chat_row_bind), self);
  gtk_list_view_set_factory (self->chat_list_view, factory);
  g_object_unref (factory);
  g_signal_connect_swapped (self->chat_list_view, "activate", G_CALLBACK (on_chat_row_activate),
                            self);

  g_signal_connect (vadjustment (self), "value-changed", G_CALLBACK (on_value_changed), self);
  g_signal_connect (vadjustment (self), "notify::upper", G_CALLBACK (on_upper_changed), self);
  g_signal_connect (vadjustment (self), "notify::page-size", G_CALLBACK (on_page_size_changed),
                    self);

  keys = gtk_event_controller_key_new ();
  gtk_event_controller_set_propagation_phase (keys, GTK_PHASE_CAPTURE);
  g_signal_connect (keys, "key-pressed", G_CALLBACK (on_composer_key), self);
  gtk_widget_add_controller (GTK_WIDGET (self->composer_view), keys);
  g_signal_connect_swapped (gtk_text_view_get_buffer (self->composer_view), "changed",
                            G_CALLBACK (on_composer_changed), self);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.send", FALSE);

  g_signal_connect_swapped (self->back_button, "clicked", G_CALLBACK (on_back), self);
  g_signal_connect (self, "notify::is-active", G_CALLBACK (mimp_window_update_seen), NULL);
  g_signal_connect_swapped (self->leaflet, "notify::folded", G_CALLBACK (mimp_window_update_seen),
                            self);
  g_signal_connect_swapped (self->leaflet, "notify::folded", G_CALLBACK (update_security), self);
  g_signal_connect_swapped (self->leaflet, "notify::visible-child",
                            G_CALLBACK (mimp_window_update_seen), self);

  g_signal_connect (retry, "activate", G_CALLBACK (retry_activated), self);
  g_action_map_add_action (G_ACTION_MAP (chat_actions), G_ACTION (retry));
  g_signal_connect (resend, "activate", G_CALLBACK (request_resend_activated), self);
  g_action_map_add_action (G_ACTION_MAP (chat_actions), G_ACTION (resend));
  gtk_widget_insert_action_group (GTK_WIDGET (self), "chat", G_ACTION_GROUP (chat_actions));
}

MimpWindow *
mimp_window_new (MimpApplication *application)
{
  MimpWindow *self = g_object_new (MIMP_TYPE_WINDOW, "application", application, NULL);
  GSettings *settings = mimp_application_get_settings (application);
  GtkExpression *expression;

  self->application = application;
  self->chats = g_object_ref (mimp_application_get_chats (application));
  self->accounts = g_object_ref (mimp_application_get_accounts (application));

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
  g_signal_connect_object (self->accounts, "members-changed", G_CALLBACK (on_members_changed), self,
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

  return self;
}
