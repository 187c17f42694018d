/* mimp-notifier.c
 *
 * One notification per chat, updated in place (same id) rather than
 * stacked; its default action opens the chat; withdrawn when the chat is
 * read. Whether a chat is on screen in a focused window is told by the
 * window through mimp_notifier_set_visible_chat().
 *
 * libnotify's notify_notification_show() is a synchronous D-Bus call, so
 * it never runs from mimp_notifier_message_received(): that only records
 * the newest message of the chat and queues the chat; an idle callback of
 * low priority shows one queued chat per run. A burst of messages thus
 * costs one call per chat, showing the newest message (or the count).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "mimp-notifier"

#include "config.h"

#include <glib/gi18n.h>
#include <libnotify/notify.h>

#include "mimp-notifier.h"

typedef struct
{
  MimpNotifier *notifier; /* not owned */
  char *chat_key;
  NotifyNotification *notification;
  char *title; /* what the next show says */
  char *body;
  guint count;
  gulong closed_handler;
  guint queued : 1; /* in MimpNotifier.queue, to be shown */
  guint shown : 1;  /* shown at least once: close it when withdrawn */
} Entry;

struct _MimpNotifier
{
  GObject parent_instance;

  GHashTable *entries; /* chat key → Entry */
  GQueue queue;        /* Entry (borrowed) to show, oldest first */
  guint show_id;
  char *visible_chat;
  guint enabled : 1;
  guint show_text : 1;
};

G_DEFINE_FINAL_TYPE (MimpNotifier, mimp_notifier, G_TYPE_OBJECT)

enum
{
  ACTIVATED,
  N_SIGNALS
};

enum
{
  PROP_0,
  PROP_ENABLED,
  PROP_SHOW_TEXT,
  N_PROPS
};

static guint signals[N_SIGNALS];
static GParamSpec *properties[N_PROPS];

static void
mimp_notifier_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  MimpNotifier *self = MIMP_NOTIFIER (object);

  switch (prop_id)
    {
    case PROP_ENABLED:
      g_value_set_boolean (value, self->enabled);
      break;
    case PROP_SHOW_TEXT:
      g_value_set_boolean (value, self->show_text);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
mimp_notifier_set_property (GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  MimpNotifier *self = MIMP_NOTIFIER (object);

  switch (prop_id)
    {
    case PROP_ENABLED:
      mimp_notifier_set_enabled (self, g_value_get_boolean (value));
      break;
    case PROP_SHOW_TEXT:
      mimp_notifier_set_show_text (self, g_value_get_boolean (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static gboolean
unref_later (gpointer data)
{
  g_object_unref (data);
  return G_SOURCE_REMOVE;
}

static void
entry_free (gpointer data)
{
  Entry *entry = data;

  if (entry->queued)
    g_queue_remove (&entry->notifier->queue, entry);
  g_clear_signal_handler (&entry->closed_handler, entry->notification);
  /* We may be inside one of the notification's own callbacks. */
  g_idle_add (unref_later, g_steal_pointer (&entry->notification));
  g_free (entry->chat_key);
  g_free (entry->title);
  g_free (entry->body);
  g_free (entry);
}

static void
mimp_notifier_finalize (GObject *object)
{
  MimpNotifier *self = (MimpNotifier *) object;

  g_clear_handle_id (&self->show_id, g_source_remove);
  g_clear_pointer (&self->entries, g_hash_table_unref);
  g_free (self->visible_chat);

  G_OBJECT_CLASS (mimp_notifier_parent_class)->finalize (object);
}

static void
mimp_notifier_class_init (MimpNotifierClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = mimp_notifier_finalize;
  object_class->get_property = mimp_notifier_get_property;
  object_class->set_property = mimp_notifier_set_property;

  properties[PROP_ENABLED] = g_param_spec_boolean ("enabled", NULL, NULL, TRUE,
                                                   G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS);
  properties[PROP_SHOW_TEXT] = g_param_spec_boolean ("show-text", NULL, NULL, TRUE,
                                                     G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * MimpNotifier::activated:
   * @chat_key: the chat whose notification was clicked
   */
  signals[ACTIVATED] = g_signal_new ("activated", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                     NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
}

static void
mimp_notifier_init (MimpNotifier *self)
{
  self->entries = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, entry_free);
  self->enabled = TRUE;
  self->show_text = TRUE;
}

MimpNotifier *
mimp_notifier_new (void)
{
  if (!notify_is_initted ())
    notify_init ("Mimp");
  return g_object_new (MIMP_TYPE_NOTIFIER, NULL);
}

void
mimp_notifier_set_enabled (MimpNotifier *self, gboolean enabled)
{
  g_return_if_fail (MIMP_IS_NOTIFIER (self));

  self->enabled = !!enabled;
  if (!enabled)
    mimp_notifier_withdraw_all (self);
}

gboolean
mimp_notifier_get_enabled (MimpNotifier *self)
{
  g_return_val_if_fail (MIMP_IS_NOTIFIER (self), FALSE);
  return self->enabled;
}

void
mimp_notifier_set_show_text (MimpNotifier *self, gboolean show_text)
{
  g_return_if_fail (MIMP_IS_NOTIFIER (self));
  self->show_text = !!show_text;
}

gboolean
mimp_notifier_get_show_text (MimpNotifier *self)
{
  g_return_val_if_fail (MIMP_IS_NOTIFIER (self), FALSE);
  return self->show_text;
}

/**
 * mimp_notifier_set_visible_chat:
 * @chat_key: (nullable): the chat on screen in a focused window, or %NULL
 *
 * Messages of this chat do not notify; its notification is withdrawn.
 */
void
mimp_notifier_set_visible_chat (MimpNotifier *self, const char *chat_key)
{
  g_return_if_fail (MIMP_IS_NOTIFIER (self));

  g_free (self->visible_chat);
  self->visible_chat = g_strdup (chat_key);
}

static void
on_action (NotifyNotification *notification, char *action, gpointer data)
{
  Entry *entry = data;
  MimpNotifier *self = entry->notifier;
  g_autofree char *chat_key = g_strdup (entry->chat_key);

  g_debug ("Notification action %s", action);
  g_object_ref (self);
  g_signal_emit (self, signals[ACTIVATED], 0, chat_key);
  mimp_notifier_withdraw (self, chat_key);
  g_object_unref (self);
}

static void
on_closed (NotifyNotification *notification, gpointer data)
{
  Entry *entry = data;

  /* Dismissed by the user or the server: the next message starts anew. */
  g_hash_table_remove (entry->notifier->entries, entry->chat_key);
}

static gboolean
show_next (gpointer data)
{
  MimpNotifier *self = data;
  g_autoptr (GError) error = NULL;
  Entry *entry = g_queue_pop_head (&self->queue);

  if (entry == NULL)
    {
      self->show_id = 0;
      return G_SOURCE_REMOVE;
    }
  entry->queued = FALSE;
  notify_notification_update (entry->notification, entry->title, entry->body,
                              "chat-message-new-symbolic");
  if (notify_notification_show (entry->notification, &error))
    entry->shown = TRUE;
  else
    {
      g_message ("Could not show a notification: %s", error->message);
      g_hash_table_remove (self->entries, entry->chat_key);
    }
  if (g_queue_is_empty (&self->queue))
    {
      self->show_id = 0;
      return G_SOURCE_REMOVE;
    }
  return G_SOURCE_CONTINUE;
}

/**
 * mimp_notifier_message_received:
 * @chat_key: identifies the chat (account and peer)
 * @title: who sent it, as shown (peer, with the account when useful)
 * @text: the message text
 *
 * Queues the chat's notification, shown or updated shortly (from an idle
 * callback) with the newest message.
 *
 * Returns: whether a notification will be shown or updated
 */
gboolean
mimp_notifier_message_received (MimpNotifier *self, const char *chat_key, const char *title,
                                const char *text)
{
  Entry *entry;

  g_return_val_if_fail (MIMP_IS_NOTIFIER (self), FALSE);
  g_return_val_if_fail (chat_key != NULL && title != NULL, FALSE);

  if (!self->enabled || g_strcmp0 (chat_key, self->visible_chat) == 0)
    return FALSE;

  entry = g_hash_table_lookup (self->entries, chat_key);
  if (entry == NULL)
    {
      entry = g_new0 (Entry, 1);
      entry->notifier = self;
      entry->chat_key = g_strdup (chat_key);
      entry->notification = notify_notification_new (title, NULL, "chat-message-new-symbolic");
      notify_notification_set_hint_string (entry->notification, "desktop-entry", APPLICATION_ID);
      notify_notification_set_category (entry->notification, "im.received");
      /* The default action is what a click on the notification does. */
      notify_notification_add_action (entry->notification, "default", _ ("Open"), on_action, entry,
                                      NULL);
      entry->closed_handler =
          g_signal_connect (entry->notification, "closed", G_CALLBACK (on_closed), entry);
      g_hash_table_insert (self->entries, entry->chat_key, entry);
    }
  entry->count++;

  g_free (entry->title);
  entry->title = g_strdup (title);
  g_free (entry->body);
  if (self->show_text)
    entry->body = g_strdup (text);
  else
    entry->body = g_strdup_printf (
        g_dngettext (GETTEXT_PACKAGE, "%u new message", "%u new messages", entry->count),
        entry->count);

  if (!entry->queued)
    {
      entry->queued = TRUE;
      g_queue_push_tail (&self->queue, entry);
    }
  if (self->show_id == 0)
    self->show_id = g_idle_add_full (G_PRIORITY_LOW, show_next, self, NULL);
  return TRUE;
}

/* Closes what the server shows of @entry, which is then removed. */
static void
close_entry (Entry *entry)
{
  g_clear_signal_handler (&entry->closed_handler, entry->notification);
  if (entry->shown)
    notify_notification_close (entry->notification, NULL);
}

/**
 * mimp_notifier_withdraw:
 *
 * Closes the notification of a chat that has been read.
 */
void
mimp_notifier_withdraw (MimpNotifier *self, const char *chat_key)
{
  Entry *entry;

  g_return_if_fail (MIMP_IS_NOTIFIER (self));

  entry = g_hash_table_lookup (self->entries, chat_key);
  if (entry == NULL)
    return;

  close_entry (entry);
  g_hash_table_remove (self->entries, chat_key);
}

void
mimp_notifier_withdraw_all (MimpNotifier *self)
{
  GHashTableIter iter;
  Entry *entry;

  g_return_if_fail (MIMP_IS_NOTIFIER (self));

  g_hash_table_iter_init (&iter, self->entries);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &entry))
    {
      close_entry (entry);
      g_hash_table_iter_remove (&iter);
    }
}

guint
mimp_notifier_get_n_shown (MimpNotifier *self)
{
  g_return_val_if_fail (MIMP_IS_NOTIFIER (self), 0);
  return g_hash_table_size (self->entries);
}
