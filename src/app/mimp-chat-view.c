/* mimp-chat-view.c - the open chat: its header, messages and composer
 *
 * The content pane of the window, as Text Editor's EditorPage sits in its
 * EditorWindow: the messages of one chat with their scrolling and paging,
 * the composer, who can read the chat (the header's privacy words, the
 * key-change bar, "waiting for keys" and "send unencrypted") and the
 * actions on the open chat, in the "chat." group. It knows nothing of the
 * application: the window gives it the chat to show and whether the window
 * is folded, and hears "verify" when the user wants to check the peer.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "mimp-chat-view"

#include "config.h"

#include <glib/gi18n.h>

#include "mimp-chat-dialogs.h"
#include "mimp-chat-view.h"
#include "mimp-export-dialog.h"
#include "mimp-message-reveal.h"
#include "mimp-image-file.h"
#include "mimp-message-row.h"

struct _MimpChatView
{
  GtkWidget parent_instance;

  /* template */
  AdwToastOverlay *toast_overlay;
  AdwHeaderBar *header_bar;
  GtkWidget *back_button;
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
  GtkMenuButton *chat_menu_button;
  GtkListBox *members_list;
  GtkStack *content_stack;
  AdwStatusPage *empty_page;
  GtkScrolledWindow *messages_scroller;
  GtkListView *messages_view;
  GtkLabel *announcer;
  GtkTextView *composer_view;
  GtkLabel *composer_placeholder;
  GtkButton *send_button;

  MimpChat *chat;
  gboolean folded;
  gboolean setting_composer; /* the composer's text is being set, not typed */

  /* scrolling */
  gboolean stick_to_bottom;
  gboolean keep_place;
  guint keep_place_id;
  /* bringing one message into sight (mimp_chat_view_show_message ()) */
  GCancellable *reveal_cancellable;
  gboolean revealing;
  guint pin_bottom_id; /* a tick callback: see queue_pin_bottom () */
  double last_upper;   /* the adjustment's bounds at its last value-changed */
  double last_page;
};

G_DEFINE_FINAL_TYPE (MimpChatView, mimp_chat_view, GTK_TYPE_WIDGET)

enum
{
  PROP_0,
  PROP_CHAT,
  PROP_FOLDED,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum
{
  VERIFY,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void update_security (MimpChatView *self);

/* The window the view is in, for its dialogs. */
static GtkWindow *
parent_window (MimpChatView *self)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));

  return GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL;
}

void
mimp_chat_view_show_toast (MimpChatView *self, const char *text)
{
  g_return_if_fail (MIMP_IS_CHAT_VIEW (self));
  adw_toast_overlay_add_toast (self->toast_overlay, adw_toast_new (text));
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
vadjustment (MimpChatView *self)
{
  return gtk_scrollable_get_vadjustment (GTK_SCROLLABLE (self->messages_view));
}

static void
scroll_to_bottom (MimpChatView *self)
{
  GtkAdjustment *adj = vadjustment (self);

  gtk_adjustment_set_value (adj,
                            gtk_adjustment_get_upper (adj) - gtk_adjustment_get_page_size (adj));
}

static gboolean
pin_bottom_tick (GtkWidget *widget, GdkFrameClock *clock, gpointer data)
{
  MimpChatView *self = data;

  self->pin_bottom_id = 0;
  if (self->stick_to_bottom && !self->keep_place)
    {
      scroll_to_bottom (self);
      /* Where the list view is now: a reader's next scroll counts as one. */
      self->last_upper = gtk_adjustment_get_upper (vadjustment (self));
      self->last_page = gtk_adjustment_get_page_size (vadjustment (self));
    }
  return G_SOURCE_REMOVE;
}

/* Back to the bottom at the start of the next frame. GTK 4.8's list view
 * changes the adjustment's upper bound while it lays its rows out (as it
 * measures rows it had only estimated) with its own value-changed handler
 * blocked: a value set from notify::upper there is kept by the adjustment
 * but never reaches the list view, which stays where it was. A chat with
 * long newest messages opened at the top with the newest cut off below.
 * From the frame's update phase it does reach it; the next layout may
 * change the upper bound again and queue another, until the heights
 * settle or the reader scrolls away (stick_to_bottom). */
static void
queue_pin_bottom (MimpChatView *self)
{
  if (self->pin_bottom_id == 0)
    self->pin_bottom_id = gtk_widget_add_tick_callback (GTK_WIDGET (self->messages_view),
                                                        pin_bottom_tick, self, NULL);
}

static void
maybe_load_older (MimpChatView *self)
{
  GtkAdjustment *adj = vadjustment (self);

  if (self->chat == NULL || self->revealing || !mimp_chat_get_loaded (self->chat) ||
      mimp_chat_get_loading (self->chat) || !mimp_chat_get_has_more (self->chat))
    return;
  /* Near the top, or the first page does not fill the view. */
  if (gtk_adjustment_get_value (adj) < gtk_adjustment_get_page_size (adj) ||
      gtk_adjustment_get_upper (adj) <= gtk_adjustment_get_page_size (adj))
    mimp_chat_load_older (self->chat);
}

/* A chat opened at an older message reads on towards the newest near the
 * bottom. */
static void
maybe_load_newer (MimpChatView *self)
{
  GtkAdjustment *adj = vadjustment (self);
  double bottom = gtk_adjustment_get_upper (adj) - gtk_adjustment_get_page_size (adj);

  if (self->chat == NULL || self->revealing || !mimp_chat_get_has_newer (self->chat) ||
      mimp_chat_get_loading (self->chat))
    return;
  if (gtk_adjustment_get_value (adj) > bottom - gtk_adjustment_get_page_size (adj))
    mimp_chat_load_newer (self->chat);
}

static void
on_value_changed (GtkAdjustment *adj, MimpChatView *self)
{
  double upper = gtk_adjustment_get_upper (adj);
  double page = gtk_adjustment_get_page_size (adj);

  /* The list view moving the value as it lays out (the bounds changed with
   * it) is not the reader scrolling away from the bottom. Not while newer
   * messages are still to load either: that bottom is not the chat's. */
  if (upper == self->last_upper && page == self->last_page)
    self->stick_to_bottom = !self->revealing && self->chat != NULL &&
                            !mimp_chat_get_has_newer (self->chat) &&
                            gtk_adjustment_get_value (adj) >= upper - page - 4;
  else if (self->stick_to_bottom && !self->revealing)
    queue_pin_bottom (self);
  self->last_upper = upper;
  self->last_page = page;
  maybe_load_older (self);
  maybe_load_newer (self);
}

static void
on_upper_changed (GtkAdjustment *adj, GParamSpec *pspec, MimpChatView *self)
{
  /* While a page of older messages is prepended, the list view keeps the
   * rows on screen in place by itself (its anchor is a row, not an
   * offset): moving the adjustment by the growth as well threw the reader
   * a page or more away, and the view realised a whole new set of rows. */
  if (!self->keep_place && self->stick_to_bottom && !self->revealing)
    queue_pin_bottom (self);
}

static void
on_page_size_changed (GtkAdjustment *adj, GParamSpec *pspec, MimpChatView *self)
{
  if (self->stick_to_bottom && !self->revealing)
    queue_pin_bottom (self);
}

static gboolean
end_keep_place (gpointer data)
{
  MimpChatView *self = data;

  self->keep_place = FALSE;
  self->keep_place_id = 0;
  maybe_load_older (self);
  return G_SOURCE_REMOVE;
}

/* A message that arrived in the open chat, for screen readers: GTK 4.14
 * announces it; GTK 4.8 has no announcements, so it becomes the text of a
 * label whose role is status, which AT-SPI reports as a name change of a
 * status bar (the closest to a live region GTK 4.8 exposes). */
static void
announce_incoming (MimpChatView *self, guint position, guint added)
{
  for (guint i = position; i < position + added; i++)
    {
      g_autoptr (MimpChatMessage) message = g_list_model_get_item (G_LIST_MODEL (self->chat), i);
      const char *text = mimp_chat_message_get_text (message);
      const char *sender = mimp_chat_message_get_sender (message);
      g_autofree char *said = NULL;

      if (mimp_chat_message_get_outgoing (message))
        continue;
      if (sender == NULL || *sender == '\0')
        sender = mimp_chat_get_peer (self->chat);
      if (text != NULL && *text != '\0')
        /* Said by screen readers for a message in the open chat: sender, text */
        said = g_strdup_printf (_ ("%s: %s"), sender, text);
      else
        said = g_strdup_printf (_ ("New message from %s"), sender);
#if GTK_CHECK_VERSION(4, 14, 0)
      gtk_accessible_announce (GTK_ACCESSIBLE (self), said,
                               GTK_ACCESSIBLE_ANNOUNCEMENT_PRIORITY_MEDIUM);
#endif
      gtk_label_set_text (self->announcer, said);
      gtk_accessible_update_property (GTK_ACCESSIBLE (self->announcer),
                                      GTK_ACCESSIBLE_PROPERTY_LABEL, said, -1);
    }
}

static void
on_messages_changed (MimpChatView *self, guint position, guint removed, guint added)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->chat));
  gboolean page = position == 0 && added > 0 && removed == 0;

  /* Appended at the end (not a page of older ones, nor a state change). */
  if (removed == 0 && added > 0 && position > 0 && position + added == n &&
      mimp_chat_get_loaded (self->chat))
    announce_incoming (self, position, added);

  /* Once a page is laid out, the first one too, another one if the view
   * is not full yet: nothing else would ask for it, as a view that cannot
   * scroll sends no scrolling. */
  if (page)
    {
      g_clear_handle_id (&self->keep_place_id, g_source_remove);
      self->keep_place_id = g_timeout_add (300, end_keep_place, self);
    }
  if (page && n > added)
    {
      /* A page of older messages was prepended. */
      self->keep_place = !self->stick_to_bottom;
    }
  else if (self->stick_to_bottom && !self->revealing)
    {
#if GTK_CHECK_VERSION(4, 12, 0)
      if (n > 0)
        gtk_list_view_scroll_to (self->messages_view, n - 1, GTK_LIST_SCROLL_NONE, NULL);
#else
      queue_pin_bottom (self);
#endif
    }
}

/* ------------------------------------------------------------------ */
/* Composer                                                           */
/* ------------------------------------------------------------------ */

char *
mimp_chat_view_dup_composer_text (MimpChatView *self)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (self->composer_view);
  GtkTextIter start;
  GtkTextIter end;

  gtk_text_buffer_get_bounds (buffer, &start, &end);
  return gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
}

void
mimp_chat_view_set_composer_text (MimpChatView *self, const char *text)
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
on_composer_changed (MimpChatView *self)
{
  g_autofree char *text = mimp_chat_view_dup_composer_text (self);
  gboolean can_send = self->chat != NULL && !is_blank (text);

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "chat.send", can_send);
  if (self->chat != NULL && !self->setting_composer)
    mimp_chat_composer_changed (self->chat, *text != '\0');
  /* GtkTextView has no placeholder of its own. */
  gtk_widget_set_visible (GTK_WIDGET (self->composer_placeholder),
                          self->chat != NULL && *text == '\0');
}

static void
send_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  MimpChatView *self = MIMP_CHAT_VIEW (widget);
  g_autofree char *text = mimp_chat_view_dup_composer_text (self);

  if (self->chat == NULL || is_blank (text))
    return;
  if (strlen (text) >
      mimp_protocol_get_max_text (mimp_account_get_protocol (mimp_chat_get_account (self->chat))))
    {
      mimp_chat_view_show_toast (self, _ ("The message is too long to send."));
      return;
    }
  self->stick_to_bottom = TRUE;
  mimp_chat_send (self->chat, g_strchomp (text));
  mimp_chat_view_set_composer_text (self, NULL);
  mimp_chat_set_draft (self->chat, NULL);
}

static gboolean
on_composer_key (GtkEventControllerKey *controller, guint keyval, guint keycode,
                 GdkModifierType state, MimpChatView *self)
{
  if ((keyval == GDK_KEY_Return || keyval == GDK_KEY_KP_Enter) &&
      !(state & (GDK_SHIFT_MASK | GDK_CONTROL_MASK | GDK_ALT_MASK)))
    {
      gtk_widget_activate_action (GTK_WIDGET (self), "chat.send", NULL);
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
/* Header: subtitle, privacy, members                                  */
/* ------------------------------------------------------------------ */

void
mimp_chat_view_save_draft (MimpChatView *self)
{
  g_autofree char *text = NULL;

  if (self->chat == NULL)
    return;
  text = mimp_chat_view_dup_composer_text (self);
  mimp_chat_set_draft (self->chat, is_blank (text) ? NULL : text);
}

/* The chat's subtitle: the peer typing, where the protocol says so, or the
 * account the chat belongs to. */
static void
update_chat_subtitle (MimpChatView *self)
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
update_composer_hint (MimpChatView *self)
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

/* The few words beside the security icon: the label shortened, so that
 * they fit the header beside the window's buttons. */
static const char *
security_level_word (MimpSecurityLevel level)
{
  switch (level)
    {
    case MIMP_SECURITY_VERIFIED:
      /* Translators: beside the chat's security icon; keep it short */
      return C_ ("security", "Verified");
    case MIMP_SECURITY_UNVERIFIED:
      /* Translators: beside the chat's security icon, for "Encrypted, not verified"; keep it short
       */
      return C_ ("security", "Unverified");
    case MIMP_SECURITY_SERVER:
      /* Translators: beside the chat's security icon, for "Not end-to-end encrypted"; keep it
       * short */
      return C_ ("security", "Server can read");
    case MIMP_SECURITY_ANYONE:
    default:
      /* Translators: beside the chat's security icon; keep it short */
      return C_ ("security", "Not encrypted");
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
update_security_words (MimpChatView *self)
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
  if (self->chat == NULL || self->folded)
    return;
  gtk_widget_get_size_request (GTK_WIDGET (self), &pane_min, NULL);
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
update_security (MimpChatView *self)
{
  MimpAccount *account;
  MimpProtocol *protocol;
  MimpSecurityLevel level;
  MimpChatPrivacy privacy;
  gboolean use_tls;
  const char *peer;
  const char *label; /* what the state is called */
  const char *word;  /* the same, short, for the header */
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
      /* Translators: beside the chat's security icon, for "Waiting for keys"; keep it short */
      word = C_ ("security", "Waiting");
      icon = "preferences-system-time-symbolic";
      /* Translators: %s is whom the chat is with */
      sentence = g_strdup_printf (
          _ ("Your messages will be sent encrypted once %s has been online."), peer);
      can_verify = FALSE;
      break;
    case MIMP_CHAT_PRIVACY_UNVERIFIED:
      label = _ ("Encrypted, not verified");
      word = security_level_word (MIMP_SECURITY_UNVERIFIED);
      icon = mimp_security_level_get_icon_name (MIMP_SECURITY_UNVERIFIED);
      /* Translators: %s is whom the chat is with */
      sentence = g_strdup_printf (_ ("The server can’t read these messages. You haven’t "
                                     "confirmed this is really %s’s key."),
                                  peer);
      can_verify = TRUE;
      break;
    case MIMP_CHAT_PRIVACY_VERIFIED:
      label = _ ("Verified");
      word = security_level_word (MIMP_SECURITY_VERIFIED);
      icon = mimp_security_level_get_icon_name (MIMP_SECURITY_VERIFIED);
      /* Translators: %s is whom the chat is with */
      sentence = g_strdup_printf (_ ("You verified %s’s key."), peer);
      can_verify = TRUE;
      break;
    case MIMP_CHAT_PRIVACY_KEY_CHANGED:
      label = _ ("Key changed");
      /* Translators: beside the chat's security icon; keep it short */
      word = C_ ("security", "Key changed");
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
      word = security_level_word (level);
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
  gtk_label_set_label (self->security_state_label, word);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->security_button), label);
  update_security_words (self);
  gtk_label_set_label (self->security_heading, label);
  gtk_label_set_label (self->security_label, sentence);
  gtk_widget_set_visible (self->verify_button, can_verify);
  gtk_widget_set_visible (self->send_unencrypted_button, privacy == MIMP_CHAT_PRIVACY_WAITING);
  gtk_widget_set_visible (self->accept_key_button, privacy == MIMP_CHAT_PRIVACY_KEY_CHANGED);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "chat.verify", can_verify);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "chat.send-unencrypted",
                                 privacy == MIMP_CHAT_PRIVACY_WAITING);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "chat.accept-key",
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
                                  self->folded ? GTK_ORIENTATION_VERTICAL
                                               : GTK_ORIENTATION_HORIZONTAL);
  gtk_revealer_set_reveal_child (self->key_change_revealer,
                                 privacy == MIMP_CHAT_PRIVACY_KEY_CHANGED);
  update_composer_hint (self);
}

/* Who is in the room the chat is, when it is one (the account knows its
 * members; a chat with one person has none). */
static void
update_members (MimpChatView *self)
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

/* The largest image the app reads to send, in bytes. */
#define IMAGE_MAX (8 * 1024 * 1024)

static void
image_sent (GObject *source, GAsyncResult *result, gpointer data)
{
  g_autoptr (MimpChatView) self = data;
  g_autoptr (GError) error = NULL;

  if (!mimp_account_send_image_finish (MIMP_ACCOUNT (source), result, &error))
    {
      g_autofree char *reason = mimp_describe_error (error);
      /* Translators: %s says why */
      g_autofree char *text = g_strdup_printf (_ ("The image was not sent: %s"), reason);

      mimp_chat_view_show_toast (self, text);
    }
}

static void
image_read (GObject *source, GAsyncResult *result, gpointer data)
{
  g_autoptr (MimpChatView) self = data;
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) bytes = NULL;
  g_autofree char *mime = NULL;

  bytes = mimp_image_file_read_finish (result, &mime, &error);
  if (bytes == NULL)
    {
      mimp_chat_view_show_toast (self, error->message);
      return;
    }
  if (self->chat == NULL)
    return;
  mimp_account_send_image_async (mimp_chat_get_account (self->chat),
                                 mimp_chat_get_peer (self->chat), bytes, mime, NULL, image_sent,
                                 g_object_ref (self));
}

static void
image_chosen (GtkNativeDialog *chooser, int response, MimpChatView *self)
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
  MimpChatView *self = MIMP_CHAT_VIEW (widget);
  GtkFileChooserNative *chooser;

  if (self->chat == NULL)
    return;
  chooser = mimp_image_chooser_new (parent_window (self), _ ("Send an Image"), _ ("_Send"));
  g_signal_connect (chooser, "response", G_CALLBACK (image_chosen), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

static void
send_unencrypted_response (AdwMessageDialog *dialog, const char *response, MimpChatView *self)
{
  MimpAccount *account = g_object_get_data (G_OBJECT (dialog), "account");
  const char *peer = g_object_get_data (G_OBJECT (dialog), "peer");

  if (g_str_equal (response, "send"))
    mimp_account_e2e_send_unencrypted (account, peer);
}

static GtkWidget *
chat_message_dialog (MimpChatView *self, const char *heading, const char *body)
{
  GtkWidget *dialog = adw_message_dialog_new (parent_window (self), heading, body);

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
  MimpChatView *self = MIMP_CHAT_VIEW (widget);
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
accept_key_response (AdwMessageDialog *dialog, const char *response, MimpChatView *self)
{
  MimpAccount *account = g_object_get_data (G_OBJECT (dialog), "account");
  const char *peer = g_object_get_data (G_OBJECT (dialog), "peer");

  if (g_str_equal (response, "accept"))
    mimp_account_e2e_accept_key_change (account, peer);
  else if (g_str_equal (response, "verify"))
    gtk_widget_activate_action (GTK_WIDGET (self), "chat.verify", NULL);
}

/* Taking a changed key without checking it: behind a question that says
 * what it risks. */
static void
accept_key_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  MimpChatView *self = MIMP_CHAT_VIEW (widget);
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
retry_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  MimpChatView *self = MIMP_CHAT_VIEW (widget);
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
request_resend_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  MimpChatView *self = MIMP_CHAT_VIEW (widget);

  if (self->chat == NULL)
    return;
  mimp_account_e2e_request_resend (mimp_chat_get_account (self->chat),
                                   mimp_chat_get_peer (self->chat));
}

/* The key-change bar's and the security popover's "Verify…": the window
 * keeps the verification dialogs, one per peer, and opens or shows it. */
static void
verify_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  MimpChatView *self = MIMP_CHAT_VIEW (widget);

  if (self->chat == NULL)
    return;
  gtk_menu_button_popdown (self->security_button);
  g_signal_emit (self, signals[VERIFY], 0, mimp_chat_get_account (self->chat),
                 mimp_chat_get_peer (self->chat));
}

/* ------------------------------------------------------------------ */
/* The open chat                                                      */
/* ------------------------------------------------------------------ */

static void
on_chat_members_changed (MimpChatView *self, const char *room, const char *member, gboolean joined)
{
  if (self->chat != NULL && g_strcmp0 (mimp_chat_get_peer (self->chat), room) == 0)
    {
      update_members (self);
      update_security_words (self);
    }
}

static void
disconnect_chat (MimpChatView *self)
{
  if (self->chat == NULL)
    return;
  g_signal_handlers_disconnect_by_data (self->chat, self);
  g_signal_handlers_disconnect_by_data (mimp_chat_get_account (self->chat), self);
}

/**
 * mimp_chat_view_set_chat:
 * @chat: (nullable): the chat to show, or %NULL for none
 *
 * Shows @chat, after keeping what was typed for the chat shown before as
 * its draft.
 */
void
mimp_chat_view_set_chat (MimpChatView *self, MimpChat *chat)
{
  g_autoptr (GtkNoSelection) model = NULL;
  g_autoptr (MimpChat) previous = NULL;

  g_return_if_fail (MIMP_IS_CHAT_VIEW (self));
  g_return_if_fail (chat == NULL || MIMP_IS_CHAT (chat));

  if (chat == self->chat)
    return;
  g_cancellable_cancel (self->reveal_cancellable);
  g_clear_object (&self->reveal_cancellable);
  self->revealing = FALSE;
  mimp_chat_view_save_draft (self);
  disconnect_chat (self);
  previous = g_steal_pointer (&self->chat);
  g_set_object (&self->chat, chat);

  if (chat != NULL)
    {
      MimpAccount *account = mimp_chat_get_account (chat);

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
      g_signal_connect_swapped (account, "notify::e2e-locked", G_CALLBACK (update_security), self);
      g_signal_connect_swapped (account, "members-changed", G_CALLBACK (on_chat_members_changed),
                                self);
      mimp_chat_view_set_composer_text (self, mimp_chat_get_draft (chat));
      gtk_stack_set_visible_child_name (self->content_stack, "chat");
    }
  else
    {
      gtk_list_view_set_model (self->messages_view, NULL);
      adw_window_title_set_title (self->chat_title, "");
      adw_window_title_set_subtitle (self->chat_title, "");
      mimp_chat_view_set_composer_text (self, NULL);
      gtk_stack_set_visible_child_name (self->content_stack, "empty");
    }
  gtk_widget_set_sensitive (GTK_WIDGET (self->chat_menu_button), chat != NULL);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "chat.export", chat != NULL);
  on_composer_changed (self);
  update_members (self); /* first: its button takes room from the security button's words */
  update_security (self);
  /* Out of the list view now: its messages are in the history. */
  if (previous != NULL)
    mimp_chat_unload (previous);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CHAT]);
}

static gboolean
reveal_done (gpointer data)
{
  MimpChatView *self = data;

  self->revealing = FALSE;
  maybe_load_older (self);
  maybe_load_newer (self);
  return G_SOURCE_REMOVE;
}

static void
around_loaded (GObject *source, GAsyncResult *result, gpointer data)
{
  g_autoptr (MimpChatView) self = data;
  g_autoptr (GError) error = NULL;
  guint position = 0;

  if (!mimp_chat_load_around_finish (MIMP_CHAT (source), result, &position, &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      self->revealing = FALSE;
      g_warning ("Could not load the messages around a search result: %s", error->message);
      mimp_chat_view_show_toast (self, _ ("The message could not be loaded"));
      return;
    }
  mimp_message_reveal (self->messages_view, position, reveal_done, self);
}

/**
 * mimp_chat_view_show_message:
 * @message: a message of the chat shown (a search result)
 *
 * Loads the messages around @message when they are not loaded, scrolls
 * until it is in the middle of the view and marks it for a moment.
 */
void
mimp_chat_view_show_message (MimpChatView *self, MimpChatMessage *message)
{
  g_return_if_fail (MIMP_IS_CHAT_VIEW (self));
  g_return_if_fail (MIMP_IS_CHAT_MESSAGE (message));
  g_return_if_fail (self->chat != NULL);

  g_cancellable_cancel (self->reveal_cancellable);
  g_clear_object (&self->reveal_cancellable);
  self->reveal_cancellable = g_cancellable_new ();
  self->revealing = TRUE;
  self->stick_to_bottom = FALSE;
  mimp_chat_load_around_async (self->chat, message, self->reveal_cancellable, around_loaded,
                               g_object_ref (self));
}

/**
 * mimp_chat_view_get_chat:
 *
 * Returns: (transfer none) (nullable): the chat shown
 */
MimpChat *
mimp_chat_view_get_chat (MimpChatView *self)
{
  g_return_val_if_fail (MIMP_IS_CHAT_VIEW (self), NULL);
  return self->chat;
}

gboolean
mimp_chat_view_get_folded (MimpChatView *self)
{
  g_return_val_if_fail (MIMP_IS_CHAT_VIEW (self), FALSE);
  return self->folded;
}

/* Whether the window shows one pane at a time: no words beside the
 * security icon then, and the key-change bar's buttons under its words. */
void
mimp_chat_view_set_folded (MimpChatView *self, gboolean folded)
{
  g_return_if_fail (MIMP_IS_CHAT_VIEW (self));

  folded = !!folded;
  if (folded == self->folded)
    return;
  self->folded = folded;
  adw_header_bar_set_show_start_title_buttons (self->header_bar, folded);
  gtk_widget_set_visible (self->back_button, folded);
  update_security (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FOLDED]);
}

/* What the pane says while no chat is open. */
void
mimp_chat_view_set_empty_state (MimpChatView *self, const char *title, const char *description)
{
  g_return_if_fail (MIMP_IS_CHAT_VIEW (self));
  adw_status_page_set_title (self->empty_page, title);
  adw_status_page_set_description (self->empty_page, description);
}

void
mimp_chat_view_focus_composer (MimpChatView *self)
{
  g_return_if_fail (MIMP_IS_CHAT_VIEW (self));
  gtk_widget_grab_focus (GTK_WIDGET (self->composer_view));
}

GtkWidget *
mimp_chat_view_get_messages_view (MimpChatView *self)
{
  g_return_val_if_fail (MIMP_IS_CHAT_VIEW (self), NULL);
  return GTK_WIDGET (self->messages_view);
}

GtkWidget *
mimp_chat_view_get_composer_view (MimpChatView *self)
{
  g_return_val_if_fail (MIMP_IS_CHAT_VIEW (self), NULL);
  return GTK_WIDGET (self->composer_view);
}

/* ------------------------------------------------------------------ */
/* Object                                                             */
/* ------------------------------------------------------------------ */

static void
mimp_chat_view_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  MimpChatView *self = MIMP_CHAT_VIEW (object);

  switch (prop_id)
    {
    case PROP_CHAT:
      g_value_set_object (value, self->chat);
      break;
    case PROP_FOLDED:
      g_value_set_boolean (value, self->folded);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
mimp_chat_view_set_property (GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  MimpChatView *self = MIMP_CHAT_VIEW (object);

  switch (prop_id)
    {
    case PROP_CHAT:
      mimp_chat_view_set_chat (self, g_value_get_object (value));
      break;
    case PROP_FOLDED:
      mimp_chat_view_set_folded (self, g_value_get_boolean (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
export_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  MimpChatView *self = MIMP_CHAT_VIEW (widget);

  if (self->chat != NULL)
    mimp_export_dialog_run (self, self->chat);
}

static void
mimp_chat_view_dispose (GObject *object)
{
  MimpChatView *self = MIMP_CHAT_VIEW (object);

  g_clear_handle_id (&self->keep_place_id, g_source_remove);
  g_cancellable_cancel (self->reveal_cancellable);
  g_clear_object (&self->reveal_cancellable);
  if (self->pin_bottom_id != 0)
    gtk_widget_remove_tick_callback (GTK_WIDGET (self->messages_view), self->pin_bottom_id);
  self->pin_bottom_id = 0;
  /* The chat outlives the view: none of its handlers may stay. */
  disconnect_chat (self);
  g_clear_object (&self->chat);
  gtk_widget_dispose_template (GTK_WIDGET (self), MIMP_TYPE_CHAT_VIEW);

  G_OBJECT_CLASS (mimp_chat_view_parent_class)->dispose (object);
}

static void
mimp_chat_view_class_init (MimpChatViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->get_property = mimp_chat_view_get_property;
  object_class->set_property = mimp_chat_view_set_property;
  object_class->dispose = mimp_chat_view_dispose;

  properties[PROP_CHAT] =
      g_param_spec_object ("chat", NULL, NULL, MIMP_TYPE_CHAT,
                           G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_FOLDED] =
      g_param_spec_boolean ("folded", NULL, NULL, FALSE,
                            G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * MimpChatView::verify:
   * @account: the chat's account
   * @peer: whom the chat is with
   *
   * The user asked to check that the peer is who they say.
   */
  signals[VERIFY] = g_signal_new ("verify", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
                                  NULL, NULL, G_TYPE_NONE, 2, MIMP_TYPE_ACCOUNT, G_TYPE_STRING);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/mimp/Mimp/mimp-chat-view.ui");
  gtk_widget_class_bind_template_child (widget_class, MimpChatView, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, MimpChatView, header_bar);
  gtk_widget_class_bind_template_child (widget_class, MimpChatView, announcer);
  gtk_widget_class_bind_template_child (widget_class, MimpChatView, back_button);
  gtk_widget_class_bind_template_child (widget_class, MimpChatView, chat_title);
  gtk_widget_class_bind_template_child (widget_class, MimpChatView, security_button);
  gtk_widget_class_bind_template_child (widget_class, MimpChatView, security_icon);
  gtk_widget_class_bind_template_child (widget_class, MimpChatView, security_state_label);
  gtk_widget_class_bind_template_child (widget_class, MimpChatView, security_heading);
  gtk_widget_class_bind_template_child (widget_class, MimpChatView, security_label);
  gtk_widget_class_bind_template_child (widget_class, MimpChatView, verify_button);
  gtk_widget_class_bind_template_child (widget_class, MimpChatView, send_unencrypted_button);
  gtk_widget_class_bind_template_child (widget_class, MimpChatView, accept_key_button);
  gtk_widget_class_bind_template_child (widget_class, MimpChatView, key_change_revealer);
  gtk_widget_class_bind_template_child (widget_class, MimpChatView, key_change_box);
  gtk_widget_class_bind_template_child (widget_class, MimpChatView, key_change_label);
  gtk_widget_class_bind_template_child (widget_class, MimpChatView, attach_button);
  gtk_widget_class_bind_template_child (widget_class, MimpChatView, members_button);
  gtk_widget_class_bind_template_child (widget_class, MimpChatView, members_list);
  gtk_widget_class_bind_template_child (widget_class, MimpChatView, content_stack);
  gtk_widget_class_bind_template_child (widget_class, MimpChatView, empty_page);
  gtk_widget_class_bind_template_child (widget_class, MimpChatView, messages_scroller);
  gtk_widget_class_bind_template_child (widget_class, MimpChatView, chat_menu_button);
  gtk_widget_class_bind_template_child (widget_class, MimpChatView, messages_view);
  gtk_widget_class_bind_template_child (widget_class, MimpChatView, composer_view);
  gtk_widget_class_bind_template_child (widget_class, MimpChatView, composer_placeholder);
  gtk_widget_class_bind_template_child (widget_class, MimpChatView, send_button);

  gtk_widget_class_install_action (widget_class, "chat.send", NULL, send_action);
  gtk_widget_class_install_action (widget_class, "chat.export", NULL, export_action);
  gtk_widget_class_install_action (widget_class, "chat.attach-image", NULL, attach_image_action);
  gtk_widget_class_install_action (widget_class, "chat.verify", NULL, verify_action);
  gtk_widget_class_install_action (widget_class, "chat.send-unencrypted", NULL,
                                   send_unencrypted_action);
  gtk_widget_class_install_action (widget_class, "chat.accept-key", NULL, accept_key_action);
  gtk_widget_class_install_action (widget_class, "chat.retry", "x", retry_action);
  gtk_widget_class_install_action (widget_class, "chat.request-resend", "x", request_resend_action);
}

static void
mimp_chat_view_init (MimpChatView *self)
{
  GtkListItemFactory *factory;
  GtkEventController *keys;

  gtk_widget_init_template (GTK_WIDGET (self));

  factory = gtk_signal_list_item_factory_new ();
  g_signal_connect (factory, "setup", G_CALLBACK (message_row_setup), self);
  g_signal_connect (factory, "bind", G_CALLBACK (message_row_bind), self);
  gtk_list_view_set_factory (self->messages_view, factory);
  g_object_unref (factory);

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
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "chat.send", FALSE);
  update_security (self);
}

GtkWidget *
mimp_chat_view_new (void)
{
  return g_object_new (MIMP_TYPE_CHAT_VIEW, NULL);
}
