/* mimp-chat-row.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "mimp-chat-row"

#include "config.h"

#include <adwaita.h>
#include <glib/gi18n.h>

#include "mimp-chat-row.h"

struct _MimpChatRow
{
  GtkWidget parent_instance;

  GtkWidget *box;
  AdwAvatar *avatar;
  GtkLabel *peer_label;
  GtkLabel *account_label;
  GtkLabel *time_label;
  GtkLabel *preview_label;
  GtkLabel *unread_label;

  MimpChat *chat;
  gboolean show_account;
};

G_DEFINE_FINAL_TYPE (MimpChatRow, mimp_chat_row, GTK_TYPE_WIDGET)

/**
 * mimp_format_time:
 * @short_form: for the chat list: time today, weekday this week, else date
 *
 * Returns: a localised time for @timestamp_ms
 */
char *
mimp_format_time (gint64 timestamp_ms, gboolean short_form)
{
  g_autoptr (GDateTime) when = mimp_date_time_new_local (timestamp_ms);
  g_autoptr (GDateTime) now = NULL;
  GTimeSpan age;

  if (when == NULL)
    return g_strdup ("");
  if (!short_form)
    /* Translators: time of a message, see strftime(3) */
    return g_date_time_format (when, _ ("%H:%M"));

  now = mimp_date_time_new_local (g_get_real_time () / 1000);
  if (now == NULL)
    return g_strdup ("");
  age = g_date_time_difference (now, when);
  if (g_date_time_get_year (when) == g_date_time_get_year (now) &&
      g_date_time_get_day_of_year (when) == g_date_time_get_day_of_year (now))
    return g_date_time_format (when, _ ("%H:%M"));
  if (age < 6 * G_TIME_SPAN_DAY)
    /* Translators: weekday of a message in the last week */
    return g_date_time_format (when, _ ("%a"));
  /* Translators: date of an older message */
  return g_date_time_format (when, _ ("%x"));
}

/* What a screen reader says for the chat: GTK 4.8 names the list's row
 * (which holds this widget and takes the focus) after nothing, so it is
 * named here, as is this widget. */
static void
update_accessible_name (MimpChatRow *self, guint n_unread, const char *preview)
{
  GtkWidget *list_row = gtk_widget_get_parent (GTK_WIDGET (self));
  g_autoptr (GString) name = g_string_new (mimp_chat_get_peer (self->chat));

  if (self->show_account)
    g_string_append_printf (name, " %s", gtk_label_get_text (self->account_label));
  if (n_unread > 0)
    {
      g_string_append (name, ", ");
      /* Read by screen readers in the chat list */
      g_string_append_printf (
          name, g_dngettext (GETTEXT_PACKAGE, "%u unread message", "%u unread messages", n_unread),
          n_unread);
    }
  if (mimp_chat_get_draft (self->chat) != NULL)
    /* Read by screen readers in the chat list, before the draft's text */
    g_string_append_printf (name, ", %s %s", _ ("draft:"), mimp_chat_get_draft (self->chat));
  else if (preview != NULL && *preview != '\0')
    g_string_append_printf (name, ", %s", preview);

  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL, name->str,
                                  -1);
  if (list_row != NULL)
    gtk_accessible_update_property (GTK_ACCESSIBLE (list_row), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                    name->str, -1);
}

static void
update (MimpChatRow *self)
{
  g_autofree char *time = NULL;
  g_autofree char *unread = NULL;
  guint n_unread;
  const char *preview;

  if (self->chat == NULL)
    return;

  n_unread = mimp_chat_get_unread (self->chat);
  preview = mimp_chat_get_draft (self->chat) ? NULL : mimp_chat_get_preview (self->chat);

  gtk_label_set_text (self->peer_label, mimp_chat_get_peer (self->chat));
  if (n_unread > 0)
    gtk_widget_add_css_class (GTK_WIDGET (self->peer_label), "heading");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self->peer_label), "heading");

  if (mimp_chat_get_draft (self->chat) != NULL)
    {
      g_autofree char *escaped = g_markup_escape_text (mimp_chat_get_draft (self->chat), -1);
      /* Translators: chat list preview of an unsent draft */
      g_autofree char *markup = g_strdup_printf (_ ("<i>Draft:</i> %s"), escaped);
      gtk_label_set_markup (self->preview_label, markup);
    }
  else
    gtk_label_set_text (self->preview_label, preview ? preview : "");

  if (mimp_chat_get_last_activity (self->chat) > 0)
    time = mimp_format_time (mimp_chat_get_last_activity (self->chat), TRUE);
  gtk_label_set_text (self->time_label, time ? time : "");

  unread = g_strdup_printf ("%u", n_unread);
  gtk_label_set_text (self->unread_label, unread);
  gtk_widget_set_visible (GTK_WIDGET (self->unread_label), n_unread > 0);
  update_accessible_name (self, n_unread, preview);
}

static void
mimp_chat_row_dispose (GObject *object)
{
  MimpChatRow *self = (MimpChatRow *) object;

  mimp_chat_row_set_chat (self, NULL, FALSE);
  gtk_widget_dispose_template (GTK_WIDGET (self), MIMP_TYPE_CHAT_ROW);

  G_OBJECT_CLASS (mimp_chat_row_parent_class)->dispose (object);
}

static void
mimp_chat_row_class_init (MimpChatRowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = mimp_chat_row_dispose;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/mimp/Mimp/mimp-chat-row.ui");
  gtk_widget_class_bind_template_child (widget_class, MimpChatRow, box);
  gtk_widget_class_bind_template_child (widget_class, MimpChatRow, avatar);
  gtk_widget_class_bind_template_child (widget_class, MimpChatRow, peer_label);
  gtk_widget_class_bind_template_child (widget_class, MimpChatRow, account_label);
  gtk_widget_class_bind_template_child (widget_class, MimpChatRow, time_label);
  gtk_widget_class_bind_template_child (widget_class, MimpChatRow, preview_label);
  gtk_widget_class_bind_template_child (widget_class, MimpChatRow, unread_label);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
}

static void
mimp_chat_row_init (MimpChatRow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

GtkWidget *
mimp_chat_row_new (void)
{
  return g_object_new (MIMP_TYPE_CHAT_ROW, NULL);
}

void
mimp_chat_row_set_chat (MimpChatRow *self, MimpChat *chat, gboolean show_account)
{
  g_return_if_fail (MIMP_IS_CHAT_ROW (self));

  /* Bound again to the same chat (it only moved): nothing changes. */
  if (chat == self->chat && show_account == self->show_account)
    return;
  if (self->chat != NULL)
    g_signal_handlers_disconnect_by_func (self->chat, update, self);
  g_set_object (&self->chat, chat);
  self->show_account = show_account;
  if (chat == NULL)
    return;

  adw_avatar_set_text (self->avatar, mimp_chat_get_peer (chat));
  if (show_account)
    {
      g_autofree char *name = mimp_account_dup_display_name (mimp_chat_get_account (chat));
      g_autofree char *label = g_strdup_printf ("· %s", name);
      gtk_label_set_text (self->account_label, label);
    }
  else
    gtk_label_set_text (self->account_label, "");

  g_signal_connect_swapped (chat, "notify::unread", G_CALLBACK (update), self);
  g_signal_connect_swapped (chat, "notify::preview", G_CALLBACK (update), self);
  g_signal_connect_swapped (chat, "notify::last-activity", G_CALLBACK (update), self);
  update (self);
}
