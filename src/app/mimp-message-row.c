/* mimp-message-row.c
 *
 * Own messages on the right in the accent colour, received ones on the
 * left; time and delivery state under the bubble; when it failed, the
 * reason on its own line under the bubble and Retry after the time.
 * Consecutive messages of one sender are grouped: closer together, the
 * time only under the last one (a sending or failed state always shows).
 * In a room, the first message of a run has its sender's avatar and name,
 * and someone coming in or leaving is a line of its own; those widgets are
 * made only for rooms, so that a row of a chat with one person costs no
 * more than before.
 * All of it follows the bound message's properties, which the chat keeps
 * up to date as messages arrive, so recycled rows stay right.
 * The Retry button activates `chat.retry` with the message's row id.
 * In a private chat, a message that came unencrypted says so under its
 * bubble, one that could not be decrypted says that instead of its text
 * with a button to ask for it again (`chat.request-resend`), and a line
 * over a message says how many never arrived before it; these widgets too
 * are made only for the rows that need them.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "mimp-message-row"

#include "config.h"

#include <adwaita.h>
#include <glib/gi18n.h>

#include "mimp-a11y.h"
#include "mimp-account-manager.h"
#include "mimp-application.h"
#include "mimp-chat-row.h"
#include "mimp-message-row.h"

struct _MimpMessageRow
{
  GtkWidget parent_instance;

  GtkLabel *day_label;    /* a day's first message only, made on first need */
  GtkWidget *content_box; /* rooms only (avatar and bubble), made on first need */
  GtkWidget *bubble_box;
  GtkWidget *avatar;      /* rooms only, made on first need */
  GtkLabel *sender_label; /* rooms only, made on first need */
  GtkLabel *event_label;  /* rooms only, made on first need */
  GtkPicture *picture;    /* images only, made on first need */
  GCancellable *loading;  /* the image or avatar being fetched */
  GtkLabel *text_label;
  GtkWidget *meta_box;
  GtkLabel *time_label;
  GtkImage *state_image;       /* own messages only, made on first need */
  GtkLabel *error_label;       /* failed messages only, made on first need */
  GtkButton *retry_button;     /* failed messages only, made on first need */
  GtkLabel *gap_label;         /* private chats only, made on first need */
  GtkWidget *unencrypted_mark; /* private chats only, made on first need */
  GtkButton *resend_button;    /* private chats only, made on first need */

  MimpChatMessage *message;
  gboolean outgoing; /* the message's line goes to the right */
};

G_DEFINE_FINAL_TYPE (MimpMessageRow, mimp_message_row, GTK_TYPE_WIDGET)

/* The narrowest a bubble's text may wrap to, in characters. */
#define BUBBLE_MIN_CHARS 12

/**
 * mimp_linkify:
 *
 * Returns: Pango markup for @text with web links made clickable
 */
char *
mimp_linkify (const char *text)
{
  static GRegex *regex = NULL;
  g_autoptr (GMatchInfo) match = NULL;
  GString *out = g_string_new (NULL);
  const char *pos = text;

  if (g_once_init_enter (&regex))
    g_once_init_leave (&regex, g_regex_new ("\\bhttps?://[^\\s<>\"]+[^\\s<>\".,;:!?)\\]]",
                                            G_REGEX_OPTIMIZE, 0, NULL));

  g_regex_match (regex, text, 0, &match);
  while (g_match_info_matches (match))
    {
      int start;
      int end;
      g_autofree char *before = NULL;
      g_autofree char *url = NULL;
      g_autofree char *escaped = NULL;

      g_match_info_fetch_pos (match, 0, &start, &end);
      before = g_markup_escape_text (pos, text + start - pos);
      g_string_append (out, before);
      url = g_strndup (text + start, end - start);
      escaped = g_markup_escape_text (url, -1);
      g_string_append_printf (out, "<a href=\"%s\">%s</a>", escaped, escaped);
      pos = text + end;
      g_match_info_next (match, NULL);
    }
  {
    g_autofree char *rest = g_markup_escape_text (pos, -1);
    g_string_append (out, rest);
  }
  return g_string_free (out, FALSE);
}

static void
on_retry_clicked (MimpMessageRow *self)
{
  if (self->message != NULL)
    gtk_widget_activate_action (GTK_WIDGET (self), "chat.retry", "x",
                                mimp_chat_message_get_row_id (self->message));
}

/* Why a message was not sent, on its own line under the bubble (so that it
 * wraps by itself rather than beside Retry), and Retry at the end of the
 * time line: made the first time the row shows a failed message, so that
 * the rows of a long chat, nearly all sent or received, do not pay for
 * them (every new row of a scroll is created and measured). */
static void
ensure_failure_widgets (MimpMessageRow *self)
{
  if (self->retry_button != NULL)
    return;
  self->error_label = GTK_LABEL (gtk_label_new (NULL));
  gtk_widget_set_name (GTK_WIDGET (self->error_label), "error");
  gtk_label_set_wrap (self->error_label, TRUE);
  gtk_label_set_wrap_mode (self->error_label, PANGO_WRAP_WORD_CHAR);
  gtk_label_set_max_width_chars (self->error_label, 50);
  /* Only own messages fail: on the right, like their bubbles. */
  gtk_widget_set_halign (GTK_WIDGET (self->error_label), GTK_ALIGN_END);
  gtk_label_set_xalign (self->error_label, 1.0);
  gtk_label_set_justify (self->error_label, GTK_JUSTIFY_RIGHT);
  gtk_widget_set_margin_start (GTK_WIDGET (self->error_label), 4);
  gtk_widget_set_margin_end (GTK_WIDGET (self->error_label), 4);
  gtk_widget_add_css_class (GTK_WIDGET (self->error_label), "caption");
  gtk_widget_add_css_class (GTK_WIDGET (self->error_label), "error");
  gtk_box_insert_child_after (GTK_BOX (self->bubble_box), GTK_WIDGET (self->error_label),
                              gtk_widget_get_prev_sibling (self->meta_box));

  /* A button of the usual size (34 px high, a click target well over
   * 24 px), in the tab order, named for screen readers by what it does. */
  self->retry_button = GTK_BUTTON (gtk_button_new_with_mnemonic (_ ("_Retry")));
  gtk_widget_set_name (GTK_WIDGET (self->retry_button), "retry");
  gtk_widget_set_valign (GTK_WIDGET (self->retry_button), GTK_ALIGN_CENTER);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->retry_button), _ ("Send the message again"));
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->retry_button),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _ ("Retry sending the message"),
                                  -1);
  gtk_widget_add_css_class (GTK_WIDGET (self->retry_button), "flat");
  g_signal_connect_swapped (self->retry_button, "clicked", G_CALLBACK (on_retry_clicked), self);
  gtk_box_insert_child_after (GTK_BOX (self->meta_box), GTK_WIDGET (self->retry_button),
                              GTK_WIDGET (self->state_image));
}

/* The delivery state after the time: own messages only (received ones
 * have none), so a received message's row does without it. */
static void
ensure_state_image (MimpMessageRow *self)
{
  if (self->state_image != NULL)
    return;
  self->state_image = GTK_IMAGE (gtk_image_new ());
  gtk_image_set_pixel_size (self->state_image, 12);
  gtk_widget_add_css_class (GTK_WIDGET (self->state_image), "dim-label");
  gtk_box_insert_child_after (GTK_BOX (self->meta_box), GTK_WIDGET (self->state_image),
                              GTK_WIDGET (self->time_label));
}

static void
update_state (MimpMessageRow *self)
{
  MimpMessageState state;
  gboolean outgoing;
  gboolean failed;

  if (self->message == NULL)
    return;

  state = mimp_chat_message_get_state (self->message);
  outgoing = mimp_chat_message_get_outgoing (self->message);

  if (self->state_image != NULL && !outgoing)
    gtk_widget_set_visible (GTK_WIDGET (self->state_image), FALSE);
  gtk_widget_set_visible (self->meta_box, mimp_chat_message_get_last_in_group (self->message) ||
                                              (outgoing && state != MIMP_MESSAGE_STATE_SENT) ||
                                              mimp_chat_message_get_protection (self->message) >=
                                                  MIMP_MESSAGE_PROTECTION_UNENCRYPTED);
  if (outgoing)
    {
      ensure_state_image (self);
      gtk_widget_set_visible (GTK_WIDGET (self->state_image), TRUE);
      switch (state)
        {
        case MIMP_MESSAGE_STATE_PENDING:
          gtk_image_set_from_icon_name (self->state_image, "preferences-system-time-symbolic");
          gtk_widget_set_tooltip_text (GTK_WIDGET (self->state_image), _ ("Sending"));
          break;
        case MIMP_MESSAGE_STATE_FAILED:
          gtk_image_set_from_icon_name (self->state_image, "dialog-warning-symbolic");
          gtk_widget_set_tooltip_text (GTK_WIDGET (self->state_image), _ ("Not sent"));
          break;
        case MIMP_MESSAGE_STATE_SENT:
        default:
          gtk_image_set_from_icon_name (self->state_image, "emblem-ok-symbolic");
          gtk_widget_set_tooltip_text (GTK_WIDGET (self->state_image), _ ("Sent"));
          break;
        }
    }
  failed = outgoing && state == MIMP_MESSAGE_STATE_FAILED;
  if (failed)
    ensure_failure_widgets (self);
  if (self->retry_button == NULL)
    return;
  gtk_widget_set_visible (GTK_WIDGET (self->retry_button), failed);
  gtk_widget_set_visible (GTK_WIDGET (self->error_label),
                          failed && mimp_chat_message_get_error (self->message) != NULL);
  gtk_label_set_text (self->error_label, mimp_chat_message_get_error (self->message));
}

/* ------------------------------------------------------------------ */
/* Images and avatars, fetched through the message's account          */
/* ------------------------------------------------------------------ */

/* The largest image shown in a bubble, in pixels. */
#define PICTURE_WIDTH 240
#define PICTURE_HEIGHT 180

static MimpAccount *
message_account (MimpMessageRow *self)
{
  GApplication *app = g_application_get_default ();

  if (!MIMP_IS_APPLICATION (app) || self->message == NULL)
    return NULL;
  return mimp_account_manager_lookup (mimp_application_get_accounts (MIMP_APPLICATION (app)),
                                      mimp_chat_message_get_account_id (self->message));
}

static void
unref_texture (gpointer texture)
{
  if (texture != NULL)
    g_object_unref (texture);
}

/* Avatars by "account/user": a texture, or %NULL for a user who has none. */
static GHashTable *
avatar_cache (void)
{
  static GHashTable *cache;

  if (cache == NULL)
    cache = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, unref_texture);
  return cache;
}

typedef struct
{
  MimpMessageRow *self; /* weak: the row may be gone */
  char *key;
  gboolean avatar;
} FetchData;

static void
fetch_data_free (FetchData *fd)
{
  g_clear_weak_pointer (&fd->self);
  g_free (fd->key);
  g_free (fd);
}

static FetchData *
fetch_data_new (MimpMessageRow *self, const char *key, gboolean avatar)
{
  FetchData *fd = g_new0 (FetchData, 1);

  g_set_weak_pointer (&fd->self, self);
  fd->key = g_strdup (key);
  fd->avatar = avatar;
  return fd;
}

static void
bytes_fetched (GObject *source, GAsyncResult *result, gpointer data)
{
  FetchData *fd = data;
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) bytes = NULL;
  g_autoptr (GdkTexture) texture = NULL;

  bytes = mimp_account_load_bytes_finish (MIMP_ACCOUNT (source), result, &error);
  if (bytes != NULL)
    texture = gdk_texture_new_from_bytes (bytes, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      fetch_data_free (fd);
      return;
    }
  if (fd->avatar)
    /* Kept either way, so that a user without an avatar is asked once. */
    g_hash_table_insert (avatar_cache (), g_strdup (fd->key),
                         texture ? g_object_ref (texture) : NULL);
  if (error != NULL)
    g_debug ("An image could not be shown: %s", error->message);
  if (fd->self != NULL && fd->avatar && texture != NULL && fd->self->avatar != NULL)
    adw_avatar_set_custom_image (ADW_AVATAR (fd->self->avatar), GDK_PAINTABLE (texture));
  else if (fd->self != NULL && !fd->avatar)
    {
      if (texture != NULL)
        gtk_picture_set_paintable (fd->self->picture, GDK_PAINTABLE (texture));
      else
        gtk_widget_set_tooltip_text (GTK_WIDGET (fd->self->picture),
                                     _ ("The image could not be loaded."));
    }
  fetch_data_free (fd);
}

static void
update_picture (MimpMessageRow *self)
{
  const char *attachment = mimp_chat_message_get_attachment (self->message);
  MimpAccount *account;

  if (attachment == NULL && self->picture == NULL)
    return;
  if (self->picture == NULL)
    {
      self->picture = GTK_PICTURE (gtk_picture_new ());
      gtk_widget_set_name (GTK_WIDGET (self->picture), "picture");
      gtk_picture_set_can_shrink (self->picture, TRUE);
      gtk_widget_set_size_request (GTK_WIDGET (self->picture), PICTURE_WIDTH, PICTURE_HEIGHT);
      gtk_widget_add_css_class (GTK_WIDGET (self->picture), "card");
      gtk_box_insert_child_after (GTK_BOX (self->bubble_box), GTK_WIDGET (self->picture),
                                  self->sender_label ? GTK_WIDGET (self->sender_label) : NULL);
      gtk_accessible_update_property (GTK_ACCESSIBLE (self->picture), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                      _ ("Image"), -1);
    }
  gtk_widget_set_visible (GTK_WIDGET (self->picture), attachment != NULL);
  gtk_widget_set_visible (GTK_WIDGET (self->text_label),
                          attachment == NULL || *mimp_chat_message_get_text (self->message));
  gtk_picture_set_paintable (self->picture, NULL);
  if (attachment == NULL || (account = message_account (self)) == NULL)
    return;
  mimp_account_load_attachment_async (account, attachment, self->loading, bytes_fetched,
                                      fetch_data_new (self, attachment, FALSE));
}

static void
update_avatar_image (MimpMessageRow *self, const char *sender)
{
  MimpAccount *account = message_account (self);
  g_autofree char *key = NULL;
  gpointer cached;

  adw_avatar_set_custom_image (ADW_AVATAR (self->avatar), NULL);
  if (account == NULL || sender == NULL ||
      !mimp_protocol_has (mimp_account_get_protocol (account), MIMP_PROTOCOL_AVATARS))
    return;
  key = g_strdup_printf ("%s/%s", mimp_account_get_id (account), sender);
  if (g_hash_table_lookup_extended (avatar_cache (), key, NULL, &cached))
    {
      if (cached != NULL)
        adw_avatar_set_custom_image (ADW_AVATAR (self->avatar), cached);
      return;
    }
  mimp_account_load_avatar_async (account, sender, self->loading, bytes_fetched,
                                  fetch_data_new (self, key, TRUE));
}

/* The bubble, or in a room the box of avatar and bubble: the row's line
 * for the message. A GtkBox around the bubble alone made the list view's
 * measuring of a new row about 4 times as costly (its height for a width
 * asked the wrapped text for its width at every height it tried). */
static GtkWidget *
message_box (MimpMessageRow *self)
{
  return self->content_box != NULL ? self->content_box : self->bubble_box;
}

/* The avatar, sender and event line of room messages: made once for a row
 * that shows one, kept (hidden) when it shows another. */
static void
ensure_room_widgets (MimpMessageRow *self)
{
  if (self->avatar != NULL)
    return;
  /* The bubble moves into a box of its own, after the avatar; the box
   * takes its place, alignment and spacing. */
  self->content_box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  gtk_widget_set_halign (self->bubble_box, self->outgoing ? GTK_ALIGN_END : GTK_ALIGN_START);
  gtk_widget_set_margin_top (self->content_box, gtk_widget_get_margin_top (self->bubble_box));
  gtk_widget_set_margin_top (self->bubble_box, 0);
  gtk_widget_insert_before (self->content_box, GTK_WIDGET (self), self->bubble_box);
  g_object_ref (self->bubble_box);
  gtk_widget_unparent (self->bubble_box);
  gtk_box_append (GTK_BOX (self->content_box), self->bubble_box);
  g_object_unref (self->bubble_box);
  self->avatar = adw_avatar_new (28, NULL, TRUE);
  gtk_widget_set_valign (self->avatar, GTK_ALIGN_START);
  gtk_box_prepend (GTK_BOX (self->content_box), self->avatar);

  self->sender_label = GTK_LABEL (gtk_label_new (NULL));
  gtk_widget_set_name (GTK_WIDGET (self->sender_label), "sender");
  gtk_label_set_xalign (self->sender_label, 0);
  gtk_label_set_ellipsize (self->sender_label, PANGO_ELLIPSIZE_END);
  gtk_widget_set_margin_start (GTK_WIDGET (self->sender_label), 4);
  gtk_widget_add_css_class (GTK_WIDGET (self->sender_label), "caption-heading");
  gtk_box_prepend (GTK_BOX (self->bubble_box), GTK_WIDGET (self->sender_label));

  self->event_label = GTK_LABEL (gtk_label_new (NULL));
  gtk_widget_set_name (GTK_WIDGET (self->event_label), "event");
  gtk_widget_set_halign (GTK_WIDGET (self->event_label), GTK_ALIGN_CENTER);
  gtk_widget_set_margin_top (GTK_WIDGET (self->event_label), 6);
  gtk_label_set_wrap (self->event_label, TRUE);
  gtk_widget_add_css_class (GTK_WIDGET (self->event_label), "caption");
  gtk_widget_add_css_class (GTK_WIDGET (self->event_label), "dim-label");
  gtk_widget_insert_before (GTK_WIDGET (self->event_label), GTK_WIDGET (self), NULL);
}

static void
update_room (MimpMessageRow *self)
{
  const char *sender = mimp_chat_message_get_sender (self->message);
  MimpMessageKind kind = mimp_chat_message_get_kind (self->message);
  gboolean first_of_run;

  if (sender == NULL && self->avatar == NULL)
    return; /* a chat with one person */
  ensure_room_widgets (self);
  first_of_run = !mimp_chat_message_get_grouped (self->message);

  gtk_widget_set_visible (self->content_box, kind == MIMP_MESSAGE_KIND_TEXT);
  gtk_widget_set_visible (GTK_WIDGET (self->event_label), kind != MIMP_MESSAGE_KIND_TEXT);
  if (kind != MIMP_MESSAGE_KIND_TEXT)
    {
      g_autofree char *line =
          /* Translators: a line in a room's chat; %s is who came in or went away */
          g_strdup_printf (kind == MIMP_MESSAGE_KIND_JOINED ? _ ("%s joined") : _ ("%s left"),
                           sender ? sender : "");
      gtk_label_set_text (self->event_label, line);
      return;
    }

  /* The avatar keeps its place under a run, so that the bubbles line up. */
  gtk_widget_set_visible (self->avatar, sender != NULL);
  gtk_widget_set_opacity (self->avatar, first_of_run ? 1.0 : 0.0);
  adw_avatar_set_text (ADW_AVATAR (self->avatar), sender);
  if (first_of_run)
    update_avatar_image (self, sender);
  gtk_widget_set_visible (GTK_WIDGET (self->sender_label), sender != NULL && first_of_run);
  gtk_label_set_text (self->sender_label, sender);
}

/* ------------------------------------------------------------------ */
/* Private chats: what encryption did for the message                 */
/* ------------------------------------------------------------------ */

static void
on_resend_clicked (MimpMessageRow *self)
{
  if (self->message == NULL)
    return;
  gtk_widget_activate_action (GTK_WIDGET (self), "chat.request-resend", "x",
                              mimp_chat_message_get_row_id (self->message));
  gtk_button_set_label (self->resend_button, _ ("Asked to Resend"));
  gtk_widget_set_sensitive (GTK_WIDGET (self->resend_button), FALSE);
}

static void
ensure_protection_widgets (MimpMessageRow *self)
{
  GtkWidget *icon;
  GtkWidget *label;

  if (self->unencrypted_mark != NULL)
    return;
  /* "Not encrypted", in words as well as by its icon. */
  self->unencrypted_mark = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 2);
  gtk_widget_set_name (self->unencrypted_mark, "not-encrypted");
  icon = g_object_new (GTK_TYPE_IMAGE, "icon-name", "channel-insecure-symbolic", "pixel-size", 12,
                       "accessible-role", GTK_ACCESSIBLE_ROLE_PRESENTATION, NULL);
  gtk_box_append (GTK_BOX (self->unencrypted_mark), icon);
  label = gtk_label_new (_ ("Not encrypted"));
  gtk_widget_add_css_class (label, "caption");
  gtk_box_append (GTK_BOX (self->unencrypted_mark), label);
  gtk_widget_set_margin_start (self->unencrypted_mark, 4);
  gtk_widget_set_tooltip_text (self->unencrypted_mark,
                               _ ("This message came without end-to-end encryption: the server "
                                  "could read it, or change it."));
  gtk_box_append (GTK_BOX (self->meta_box), self->unencrypted_mark);

  self->resend_button = GTK_BUTTON (gtk_button_new_with_mnemonic (_ ("Ask to _Resend")));
  gtk_widget_set_name (GTK_WIDGET (self->resend_button), "resend");
  gtk_widget_set_valign (GTK_WIDGET (self->resend_button), GTK_ALIGN_CENTER);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->resend_button),
                               _ ("Ask the sender to send it again"));
  /* Of the usual button size, like Retry. */
  gtk_widget_add_css_class (GTK_WIDGET (self->resend_button), "flat");
  g_signal_connect_swapped (self->resend_button, "clicked", G_CALLBACK (on_resend_clicked), self);
  gtk_box_append (GTK_BOX (self->meta_box), GTK_WIDGET (self->resend_button));
}

/* The text, or what stands for a text that could not be decrypted. */
static void
update_text (MimpMessageRow *self)
{
  const char *text = mimp_chat_message_get_text (self->message);
  g_autofree char *markup = NULL;
  glong length;

  if (mimp_chat_message_get_protection (self->message) == MIMP_MESSAGE_PROTECTION_UNDECRYPTABLE)
    {
      markup = g_strdup_printf ("<i>%s</i>", _ ("Couldn’t decrypt this message"));
      text = _ ("Couldn’t decrypt this message");
    }
  else
    markup = mimp_linkify (text);
  gtk_label_set_markup (self->text_label, markup);
  /* A wrapped label's minimum width is its text laid out at width-chars,
   * or at width 0 when unset: one character a line, and Pango shapes the
   * rest of the text again for every line. The list view measures every
   * new row so, and that was most of a scrolling frame. A minimum of a
   * few characters costs a few lines. A text no longer than that is not
   * wrapped at all, so that its bubble is as wide as the text rather than
   * as that many average characters. */
  length = g_utf8_strlen (text, -1);
  gtk_label_set_wrap (self->text_label, length > BUBBLE_MIN_CHARS);
  gtk_label_set_width_chars (self->text_label, length > BUBBLE_MIN_CHARS ? BUBBLE_MIN_CHARS : -1);
}

static void
update_protection (MimpMessageRow *self)
{
  MimpMessageProtection protection;
  gboolean undecryptable;
  guint missing;

  if (self->message == NULL)
    return;
  protection = mimp_chat_message_get_protection (self->message);
  missing = mimp_chat_message_get_missing_before (self->message);
  undecryptable = protection == MIMP_MESSAGE_PROTECTION_UNDECRYPTABLE;

  if (missing > 0 && self->gap_label == NULL)
    {
      self->gap_label = GTK_LABEL (gtk_label_new (NULL));
      gtk_widget_set_name (GTK_WIDGET (self->gap_label), "gap");
      gtk_widget_set_halign (GTK_WIDGET (self->gap_label), GTK_ALIGN_CENTER);
      gtk_widget_set_margin_top (GTK_WIDGET (self->gap_label), 12);
      gtk_widget_set_margin_bottom (GTK_WIDGET (self->gap_label), 6);
      gtk_label_set_wrap (self->gap_label, TRUE);
      gtk_widget_add_css_class (GTK_WIDGET (self->gap_label), "caption");
      gtk_widget_add_css_class (GTK_WIDGET (self->gap_label), "dim-label");
      gtk_widget_add_css_class (GTK_WIDGET (self->gap_label), "gap");
      gtk_widget_insert_after (GTK_WIDGET (self->gap_label), GTK_WIDGET (self),
                               GTK_WIDGET (self->day_label));
    }
  if (self->gap_label != NULL)
    {
      gtk_widget_set_visible (GTK_WIDGET (self->gap_label), missing > 0);
      if (missing > 0)
        {
          /* Translators: a line in a private chat where messages are missing */
          g_autofree char *line = g_strdup_printf (
              ngettext ("%u message didn’t arrive", "%u messages didn’t arrive", missing), missing);
          gtk_label_set_text (self->gap_label, line);
        }
    }

  if (protection >= MIMP_MESSAGE_PROTECTION_UNENCRYPTED)
    ensure_protection_widgets (self);
  if (self->unencrypted_mark != NULL)
    {
      gtk_widget_set_visible (self->unencrypted_mark,
                              protection == MIMP_MESSAGE_PROTECTION_UNENCRYPTED);
      gtk_widget_set_visible (GTK_WIDGET (self->resend_button),
                              undecryptable && !mimp_chat_message_get_outgoing (self->message));
      gtk_button_set_label (self->resend_button, _ ("Ask to _Resend"));
      gtk_widget_set_sensitive (GTK_WIDGET (self->resend_button), TRUE);
    }
  if (undecryptable)
    gtk_widget_add_css_class (GTK_WIDGET (self->text_label), "dim-label");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self->text_label), "dim-label");
}

static void
on_protection_changed (MimpMessageRow *self)
{
  update_text (self);
  update_protection (self);
  update_state (self);
}

/* The day over a day's first message: one row in hundreds needs it, so it
 * is made for those only (every new row of a scroll is created and
 * styled), first in the row. */
static void
ensure_day_label (MimpMessageRow *self)
{
  if (self->day_label != NULL)
    return;
  self->day_label = GTK_LABEL (gtk_label_new (NULL));
  gtk_widget_set_name (GTK_WIDGET (self->day_label), "day");
  gtk_widget_set_margin_top (GTK_WIDGET (self->day_label), 12);
  gtk_widget_set_margin_bottom (GTK_WIDGET (self->day_label), 6);
  gtk_widget_set_halign (GTK_WIDGET (self->day_label), GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (GTK_WIDGET (self->day_label), "day-separator");
  gtk_widget_add_css_class (GTK_WIDGET (self->day_label), "caption-heading");
  gtk_widget_add_css_class (GTK_WIDGET (self->day_label), "dim-label");
  gtk_widget_insert_after (GTK_WIDGET (self->day_label), GTK_WIDGET (self), NULL);
}

static void
update_layout (MimpMessageRow *self)
{
  gboolean first_of_day;

  if (self->message == NULL)
    return;

  first_of_day = mimp_chat_message_get_first_of_day (self->message);
  if (first_of_day)
    ensure_day_label (self);
  if (self->day_label != NULL)
    gtk_widget_set_visible (GTK_WIDGET (self->day_label), first_of_day);
  if (first_of_day)
    {
      gint64 ts = mimp_chat_message_get_timestamp (self->message);
      g_autoptr (GDateTime) when = mimp_date_time_new_local (ts);
      g_autoptr (GDateTime) now = mimp_date_time_new_local (g_get_real_time () / 1000);
      g_autoptr (GDateTime) yesterday = g_date_time_add_days (now, -1);
      g_autofree char *day = NULL;

      if (when == NULL)
        day = g_strdup ("");
      else if (g_date_time_get_year (when) == g_date_time_get_year (now) &&
               g_date_time_get_day_of_year (when) == g_date_time_get_day_of_year (now))
        day = g_strdup (_ ("Today"));
      else if (g_date_time_get_year (when) == g_date_time_get_year (yesterday) &&
               g_date_time_get_day_of_year (when) == g_date_time_get_day_of_year (yesterday))
        day = g_strdup (_ ("Yesterday"));
      else if (g_date_time_get_year (when) == g_date_time_get_year (now))
        /* Translators: day separator for this year, see strftime(3) */
        day = g_date_time_format (when, _ ("%A, %B %e"));
      else
        day = g_date_time_format (when, _ ("%x"));
      gtk_label_set_text (self->day_label, day);
    }
  gtk_widget_set_margin_top (message_box (self),
                             mimp_chat_message_get_grouped (self->message) ? 2 : 8);
  update_room (self);
}

static void
mimp_message_row_dispose (GObject *object)
{
  MimpMessageRow *self = (MimpMessageRow *) object;

  GtkWidget *child;

  mimp_message_row_set_message (self, NULL);
  g_cancellable_cancel (self->loading);
  g_clear_object (&self->loading);
  gtk_widget_dispose_template (GTK_WIDGET (self), MIMP_TYPE_MESSAGE_ROW);
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL)
    gtk_widget_unparent (child);

  G_OBJECT_CLASS (mimp_message_row_parent_class)->dispose (object);
}

/* The width @child gets in a row @width wide: all of it, or for the
 * message's line (bubble, or avatar and bubble) its natural width at most. */
static int
child_width (MimpMessageRow *self, GtkWidget *child, int width)
{
  int natural = 0;

  if (child != message_box (self) || width < 0)
    return width;
  gtk_widget_measure (child, GTK_ORIENTATION_HORIZONTAL, -1, NULL, &natural, NULL, NULL);
  return MIN (width, natural);
}

/* The row's lines one under the other, as a vertical box would, but the
 * message's line is placed left or right by the row rather than by its
 * halign: GTK 4.8 allocating a start- or end-aligned child asks wrapped
 * text for its width again (1.2-1.6 ms of a new row's 2.3 ms). */
static void
mimp_message_row_measure (GtkWidget *widget, GtkOrientation orientation, int for_size, int *minimum,
                          int *natural, int *minimum_baseline, int *natural_baseline)
{
  MimpMessageRow *self = MIMP_MESSAGE_ROW (widget);

  *minimum = *natural = 0;
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      int child_min = 0;
      int child_nat = 0;

      if (!gtk_widget_should_layout (child))
        continue;
      if (orientation == GTK_ORIENTATION_VERTICAL)
        {
          gtk_widget_measure (child, orientation, child_width (self, child, for_size), &child_min,
                              &child_nat, NULL, NULL);
          *minimum += child_min;
          *natural += child_nat;
        }
      else
        {
          gtk_widget_measure (child, orientation, -1, &child_min, &child_nat, NULL, NULL);
          *minimum = MAX (*minimum, child_min);
          *natural = MAX (*natural, child_nat);
        }
    }
}

static GtkSizeRequestMode
mimp_message_row_get_request_mode (GtkWidget *widget)
{
  return GTK_SIZE_REQUEST_HEIGHT_FOR_WIDTH; /* wrapped text */
}

static void
mimp_message_row_size_allocate (GtkWidget *widget, int width, int height, int baseline)
{
  MimpMessageRow *self = MIMP_MESSAGE_ROW (widget);
  gboolean rtl = gtk_widget_get_direction (widget) == GTK_TEXT_DIR_RTL;
  int y = 0;

  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      int w;
      int h = 0;
      int x = 0;

      if (!gtk_widget_should_layout (child))
        continue;
      w = child_width (self, child, width);
      gtk_widget_measure (child, GTK_ORIENTATION_VERTICAL, w, NULL, &h, NULL, NULL);
      if (child == message_box (self) && self->outgoing != rtl)
        x = width - w;
      gtk_widget_size_allocate (child, &(GtkAllocation){ x, y, w, h }, -1);
      y += h;
    }
}

static void
mimp_message_row_class_init (MimpMessageRowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = mimp_message_row_dispose;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/mimp/Mimp/mimp-message-row.ui");
  gtk_widget_class_bind_template_child (widget_class, MimpMessageRow, bubble_box);
  gtk_widget_class_bind_template_child (widget_class, MimpMessageRow, text_label);
  gtk_widget_class_bind_template_child (widget_class, MimpMessageRow, meta_box);
  gtk_widget_class_bind_template_child (widget_class, MimpMessageRow, time_label);
  widget_class->measure = mimp_message_row_measure;
  widget_class->size_allocate = mimp_message_row_size_allocate;
  widget_class->get_request_mode = mimp_message_row_get_request_mode;
  gtk_widget_class_set_css_name (widget_class, "message");
}

static void
mimp_message_row_init (MimpMessageRow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  mimp_a11y_name_controls (GTK_WIDGET (self));
}

GtkWidget *
mimp_message_row_new (void)
{
  return g_object_new (MIMP_TYPE_MESSAGE_ROW, NULL);
}

MimpChatMessage *
mimp_message_row_get_message (MimpMessageRow *self)
{
  g_return_val_if_fail (MIMP_IS_MESSAGE_ROW (self), NULL);
  return self->message;
}

void
mimp_message_row_set_message (MimpMessageRow *self, MimpChatMessage *message)
{
  g_autofree char *time = NULL;
  gboolean outgoing;

  g_return_if_fail (MIMP_IS_MESSAGE_ROW (self));

  /* Bound again to the same message (it only moved): nothing changes. */
  if (message == self->message)
    return;
  if (self->message != NULL)
    g_signal_handlers_disconnect_by_data (self->message, self);
  g_set_object (&self->message, message);
  /* What was being fetched for the previous message is not wanted now. */
  g_cancellable_cancel (self->loading);
  g_clear_object (&self->loading);
  if (message == NULL)
    return;
  self->loading = g_cancellable_new ();

  outgoing = mimp_chat_message_get_outgoing (message);
  update_text (self);
  time = mimp_format_time (mimp_chat_message_get_timestamp (message), FALSE);
  gtk_label_set_text (self->time_label, time);

  /* The row puts its line left or right itself (see size_allocate ()); in
   * a room's box, the bubble is aligned after the avatar. */
  self->outgoing = outgoing;
  gtk_widget_set_halign (self->bubble_box, self->content_box == NULL ? GTK_ALIGN_FILL
                                           : outgoing                ? GTK_ALIGN_END
                                                                     : GTK_ALIGN_START);
  gtk_widget_queue_allocate (GTK_WIDGET (self));
  gtk_widget_set_halign (self->meta_box, outgoing ? GTK_ALIGN_END : GTK_ALIGN_START);
  if (outgoing)
    {
      gtk_widget_add_css_class (GTK_WIDGET (self), "outgoing");
      gtk_widget_remove_css_class (GTK_WIDGET (self), "incoming");
    }
  else
    {
      gtk_widget_add_css_class (GTK_WIDGET (self), "incoming");
      gtk_widget_remove_css_class (GTK_WIDGET (self), "outgoing");
    }

  g_signal_connect_swapped (message, "notify::state", G_CALLBACK (update_state), self);
  g_signal_connect_swapped (message, "notify::error", G_CALLBACK (update_state), self);
  g_signal_connect_swapped (message, "notify::first-of-day", G_CALLBACK (update_layout), self);
  g_signal_connect_swapped (message, "notify::grouped", G_CALLBACK (update_layout), self);
  g_signal_connect_swapped (message, "notify::last-in-group", G_CALLBACK (update_state), self);
  g_signal_connect_swapped (message, "notify::protection", G_CALLBACK (on_protection_changed),
                            self);
  g_signal_connect_swapped (message, "notify::missing-before", G_CALLBACK (update_protection),
                            self);
  update_protection (self);
  update_state (self);
  update_layout (self);
  update_picture (self);
}
