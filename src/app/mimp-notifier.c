/* mimp-notifier.c
 *
 * One notification per chat, updated in place (same id) rather than
 * stacked; its default action opens the chat; withdrawn when the chat is
 * read. Whether a chat is on screen in a focused window is told by the
 * window through mimp_notifier_set_visible_chat().
 *
 * A client of org.freedesktop.Notifications of our own, every call
 * asynchronous: libnotify's show is a blocking D-Bus call, and libnotify
 * 0.8 cannot add a text reply. mimp_notifier_message_received() only
 * records the newest message of the chat and queues the chat; an idle
 * callback of low priority sends the queued chats' Notify calls. A burst
 * of messages thus costs one call per chat, showing the newest message
 * (or the count). While a chat's Notify call is on its way (its id not
 * known yet) the chat waits and is shown again when the id comes, so an
 * update always replaces the notification rather than adding one.
 *
 * Buttons: when the server lists the "inline-reply" capability, "Reply"
 * is an inline reply (the text comes in NotificationReplied and is sent
 * in the chat); otherwise "Reply" opens the chat with the composer
 * focused. "Mark as read" beside it.
 *
 * Inside Flatpak the sandbox has no access to org.freedesktop.Notifications
 * (the manifest grants none): notifications go through the desktop
 * portal's org.freedesktop.portal.Notification instead, with the chat's key
 * as the notification's id and non-exported action names, which the portal
 * reports in its ActionInvoked signal. From version 2 of the portal, the
 * Reply button has the purpose "im.reply-with-text" and the typed text
 * comes with the action. MIMP_NOTIFICATION_PORTAL=1 chooses the portal
 * outside Flatpak too (the tests do; GTK_USE_PORTAL would move GLib's
 * network monitor and more to the portal as well).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "mimp-notifier"

#include "config.h"

#include <gio/gio.h>
#include <glib/gi18n.h>

#include "mimp-notifier.h"

#define NOTIFY_NAME "org.freedesktop.Notifications"
#define NOTIFY_PATH "/org/freedesktop/Notifications"
#define NOTIFY_IFACE "org.freedesktop.Notifications"
#define NOTIFY_TIMEOUT_MS 10000

#define ACTION_OPEN "default"
#define ACTION_REPLY "reply"
#define ACTION_INLINE_REPLY "inline-reply"
#define ACTION_MARK_READ "mark-read"

#define PORTAL_NAME "org.freedesktop.portal.Desktop"
#define PORTAL_PATH "/org/freedesktop/portal/desktop"
#define PORTAL_IFACE "org.freedesktop.portal.Notification"
#define PORTAL_REPLY_VERSION 2

/* Withdrawn notifications whose late replies are still taken. */
#define MAX_GONE 256

typedef struct
{
  int ref_count;
  MimpNotifier *notifier; /* not owned */
  char *chat_key;
  guint32 id;  /* the server's id, 0 before the first answer */
  char *title; /* what the next show says */
  char *body;
  guint count;
  guint queued : 1;    /* in MimpNotifier.queue, to be shown */
  guint in_flight : 1; /* a Notify call is on its way */
  guint again : 1;     /* updated while in flight: show once more */
  guint removed : 1;   /* no longer in MimpNotifier.entries */
} Entry;

struct _MimpNotifier
{
  GObject parent_instance;

  GDBusConnection *bus;
  guint signal_ids[3];
  guint owner_watch;
  GCancellable *cancellable;
  GHashTable *entries; /* chat key → Entry */
  GHashTable *gone;    /* server id → chat key, of notifications withdrawn */
  GQueue queue;        /* Entry (borrowed) to show, oldest first */
  guint show_id;
  char *visible_chat;
  guint enabled : 1;
  guint show_text : 1;
  guint caps_known : 1;
  guint caps_asked : 1;
  guint inline_reply : 1;
  guint portal : 1; /* through org.freedesktop.portal.Notification */
};

G_DEFINE_FINAL_TYPE (MimpNotifier, mimp_notifier, G_TYPE_OBJECT)

enum
{
  ACTIVATED,
  REPLY_REQUESTED,
  MARK_READ,
  REPLIED,
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

static Entry *
entry_ref (Entry *entry)
{
  entry->ref_count++;
  return entry;
}

static void
entry_unref (gpointer data)
{
  Entry *entry = data;

  if (--entry->ref_count > 0)
    return;
  g_free (entry->chat_key);
  g_free (entry->title);
  g_free (entry->body);
  g_free (entry);
}

/* The hash table's destroy function: the entry leaves the notifier (an
 * answer on its way still holds it). */
/* A reply typed into a withdrawn notification may still come (the server
 * may show it a while after we closed it): its chat is kept for that. */
static void
remember_gone (MimpNotifier *self, Entry *entry)
{
  if (entry->id == 0 || self->portal)
    return;
  if (g_hash_table_size (self->gone) >= MAX_GONE)
    g_hash_table_remove_all (self->gone);
  g_hash_table_insert (self->gone, GUINT_TO_POINTER (entry->id), g_strdup (entry->chat_key));
}

static void
entry_remove (gpointer data)
{
  Entry *entry = data;

  MimpNotifier *self = entry->notifier;

  if (entry->queued)
    g_queue_remove (&self->queue, entry);
  entry->queued = FALSE;
  entry->removed = TRUE;
  remember_gone (self, entry);
  entry_unref (entry);
}

static Entry *
find_by_id (MimpNotifier *self, guint32 id)
{
  GHashTableIter iter;
  Entry *entry;

  if (id == 0)
    return NULL;
  g_hash_table_iter_init (&iter, self->entries);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &entry))
    if (entry->id == id)
      return entry;
  return NULL;
}

static void
close_entry (MimpNotifier *self, Entry *entry)
{
  if (self->bus == NULL)
    return;
  if (self->portal)
    {
      if (entry->id != 0)
        g_dbus_connection_call (self->bus, PORTAL_NAME, PORTAL_PATH, PORTAL_IFACE,
                                "RemoveNotification", g_variant_new ("(s)", entry->chat_key), NULL,
                                G_DBUS_CALL_FLAGS_NONE, NOTIFY_TIMEOUT_MS, NULL, NULL, NULL);
      return;
    }
  if (entry->id == 0)
    return;
  g_dbus_connection_call (self->bus, NOTIFY_NAME, NOTIFY_PATH, NOTIFY_IFACE, "CloseNotification",
                          g_variant_new ("(u)", entry->id), NULL, G_DBUS_CALL_FLAGS_NONE,
                          NOTIFY_TIMEOUT_MS, NULL, NULL, NULL);
}

/* Tells what the user did with a notification, then forgets it: the next
 * message of the chat starts a new one. */
static void
entry_acted_on (MimpNotifier *self, Entry *entry, guint signal_id, const char *text)
{
  g_autofree char *chat_key = g_strdup (entry->chat_key);

  g_object_ref (self);
  /* Servers close a notification whose action was invoked unless it is
   * resident; closing it again is harmless. */
  close_entry (self, entry);
  g_hash_table_remove (self->entries, chat_key);
  if (text != NULL)
    g_signal_emit (self, signals[signal_id], 0, chat_key, text);
  else
    g_signal_emit (self, signals[signal_id], 0, chat_key);
  g_object_unref (self);
}

static void
on_notify_signal (GDBusConnection *bus, const char *sender, const char *path, const char *iface,
                  const char *name, GVariant *parameters, gpointer data)
{
  MimpNotifier *self = data;
  guint32 id;
  Entry *entry;

  if (g_str_equal (name, "ActionInvoked") &&
      g_variant_is_of_type (parameters, G_VARIANT_TYPE ("(us)")))
    {
      const char *action;

      g_variant_get (parameters, "(u&s)", &id, &action);
      entry = find_by_id (self, id);
      if (entry == NULL)
        return;
      g_debug ("Notification action %s", action);
      if (g_str_equal (action, ACTION_OPEN))
        entry_acted_on (self, entry, ACTIVATED, NULL);
      else if (g_str_equal (action, ACTION_REPLY))
        entry_acted_on (self, entry, REPLY_REQUESTED, NULL);
      else if (g_str_equal (action, ACTION_MARK_READ))
        entry_acted_on (self, entry, MARK_READ, NULL);
      /* ACTION_INLINE_REPLY is answered by NotificationReplied. */
    }
  else if (g_str_equal (name, "NotificationReplied") &&
           g_variant_is_of_type (parameters, G_VARIANT_TYPE ("(us)")))
    {
      const char *text;

      g_variant_get (parameters, "(u&s)", &id, &text);
      entry = find_by_id (self, id);
      if (entry != NULL)
        entry_acted_on (self, entry, REPLIED, text);
      else if (g_hash_table_contains (self->gone, GUINT_TO_POINTER (id)))
        {
          /* Withdrawn meanwhile (the chat was read): the reply still goes. */
          g_autofree char *chat_key =
              g_strdup (g_hash_table_lookup (self->gone, GUINT_TO_POINTER (id)));

          g_hash_table_remove (self->gone, GUINT_TO_POINTER (id));
          g_signal_emit (self, signals[REPLIED], 0, chat_key, text);
        }
      else
        g_warning ("A reply came for notification %u, which Mimp did not show", id);
    }
  else if (g_str_equal (name, "NotificationClosed") &&
           g_variant_is_of_type (parameters, G_VARIANT_TYPE ("(uu)")))
    {
      g_variant_get (parameters, "(uu)", &id, NULL);
      entry = find_by_id (self, id);
      /* Dismissed by the user or the server: the next message starts
       * anew. One updated while closing stays queued with a new id. */
      if (entry != NULL && !entry->queued && !entry->in_flight)
        g_hash_table_remove (self->entries, entry->chat_key);
      else if (entry != NULL)
        entry->id = 0;
    }
}

/* The portal's ActionInvoked (s id, s action, av parameter): the id is
 * the chat's key; a reply's text is the parameter's string (our buttons
 * have no target, so it is the only one). */
static void
on_portal_signal (GDBusConnection *bus, const char *sender, const char *path, const char *iface,
                  const char *name, GVariant *parameters, gpointer data)
{
  MimpNotifier *self = data;
  g_autoptr (GVariant) parameter = NULL;
  g_autoptr (GVariant) text = NULL;
  const char *id;
  const char *action;
  Entry *entry;

  if (!g_variant_is_of_type (parameters, G_VARIANT_TYPE ("(ssav)")))
    return;
  g_variant_get (parameters, "(&s&s@av)", &id, &action, &parameter);
  entry = g_hash_table_lookup (self->entries, id);
  for (gsize i = g_variant_n_children (parameter); i > 0 && text == NULL; i--)
    {
      g_autoptr (GVariant) child = g_variant_get_child_value (parameter, i - 1);
      g_autoptr (GVariant) value = g_variant_get_variant (child);

      if (g_variant_is_of_type (value, G_VARIANT_TYPE_STRING))
        text = g_steal_pointer (&value);
    }
  if (entry == NULL)
    {
      /* Withdrawn meanwhile (the chat was read): the portal's id is the
       * chat's key, so the reply still goes. */
      if (text != NULL && g_str_equal (action, ACTION_REPLY))
        g_signal_emit (self, signals[REPLIED], 0, id, g_variant_get_string (text, NULL));
      return;
    }
  g_debug ("Notification action %s", action);
  if (g_str_equal (action, ACTION_OPEN))
    entry_acted_on (self, entry, ACTIVATED, NULL);
  else if (g_str_equal (action, ACTION_REPLY) && text != NULL)
    entry_acted_on (self, entry, REPLIED, g_variant_get_string (text, NULL));
  else if (g_str_equal (action, ACTION_REPLY))
    entry_acted_on (self, entry, REPLY_REQUESTED, NULL);
  else if (g_str_equal (action, ACTION_MARK_READ))
    entry_acted_on (self, entry, MARK_READ, NULL);
}

static gboolean show_next (gpointer data);

static void
queue_show (MimpNotifier *self)
{
  if (self->show_id == 0 && self->caps_known && !g_queue_is_empty (&self->queue))
    self->show_id = g_idle_add_full (G_PRIORITY_LOW, show_next, self, NULL);
}

static void
got_capabilities (GObject *source, GAsyncResult *result, gpointer data)
{
  g_autoptr (MimpNotifier) self = data;
  g_autoptr (GError) error = NULL;
  g_autoptr (GVariant) reply =
      g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result, &error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  self->inline_reply = FALSE;
  if (reply != NULL && self->portal)
    {
      g_autoptr (GVariant) version = NULL;

      g_variant_get (reply, "(v)", &version);
      self->inline_reply = g_variant_is_of_type (version, G_VARIANT_TYPE_UINT32) &&
                           g_variant_get_uint32 (version) >= PORTAL_REPLY_VERSION;
    }
  else if (reply != NULL)
    {
      g_autofree const char **caps = NULL;

      g_variant_get (reply, "(^a&s)", &caps);
      self->inline_reply = g_strv_contains (caps, ACTION_INLINE_REPLY);
    }
  else
    g_debug ("No notification capabilities: %s", error->message);
  self->caps_known = TRUE;
  queue_show (self);
}

static void
ask_capabilities (MimpNotifier *self)
{
  if (self->bus == NULL)
    {
      self->caps_known = TRUE;
      return;
    }
  self->caps_asked = TRUE;
  if (self->portal)
    {
      g_dbus_connection_call (self->bus, PORTAL_NAME, PORTAL_PATH,
                              "org.freedesktop.DBus.Properties", "Get",
                              g_variant_new ("(ss)", PORTAL_IFACE, "version"),
                              G_VARIANT_TYPE ("(v)"), G_DBUS_CALL_FLAGS_NONE, NOTIFY_TIMEOUT_MS,
                              self->cancellable, got_capabilities, g_object_ref (self));
      return;
    }
  g_dbus_connection_call (self->bus, NOTIFY_NAME, NOTIFY_PATH, NOTIFY_IFACE, "GetCapabilities",
                          NULL, G_VARIANT_TYPE ("(as)"), G_DBUS_CALL_FLAGS_NONE, NOTIFY_TIMEOUT_MS,
                          self->cancellable, got_capabilities, g_object_ref (self));
}

/* Another server took over (or the first one started): its capabilities
 * and ids are its own. */
static void
on_owner_changed (GDBusConnection *bus, const char *name, const char *owner, gpointer data)
{
  MimpNotifier *self = data;
  GHashTableIter iter;
  Entry *entry;

  g_hash_table_iter_init (&iter, self->entries);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &entry))
    entry->id = 0;
  if (self->caps_asked)
    ask_capabilities (self);
}

static void
on_owner_vanished (GDBusConnection *bus, const char *name, gpointer data)
{
  on_owner_changed (bus, name, NULL, data);
}

static void
mimp_notifier_dispose (GObject *object)
{
  MimpNotifier *self = (MimpNotifier *) object;

  g_cancellable_cancel (self->cancellable);
  for (guint i = 0; i < G_N_ELEMENTS (self->signal_ids); i++)
    if (self->signal_ids[i] != 0)
      {
        g_dbus_connection_signal_unsubscribe (self->bus, self->signal_ids[i]);
        self->signal_ids[i] = 0;
      }
  g_clear_handle_id (&self->owner_watch, g_bus_unwatch_name);
  g_clear_handle_id (&self->show_id, g_source_remove);
  if (self->entries != NULL)
    g_hash_table_remove_all (self->entries);

  G_OBJECT_CLASS (mimp_notifier_parent_class)->dispose (object);
}

static void
mimp_notifier_finalize (GObject *object)
{
  MimpNotifier *self = (MimpNotifier *) object;

  g_clear_pointer (&self->entries, g_hash_table_unref);
  g_clear_pointer (&self->gone, g_hash_table_unref);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->bus);
  g_free (self->visible_chat);

  G_OBJECT_CLASS (mimp_notifier_parent_class)->finalize (object);
}

static void
mimp_notifier_class_init (MimpNotifierClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = mimp_notifier_dispose;
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
  /**
   * MimpNotifier::reply-requested:
   * @chat_key: the chat whose "Reply" button was pressed, where the server
   *   cannot take the text itself: open it with the composer focused
   */
  signals[REPLY_REQUESTED] =
      g_signal_new ("reply-requested", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                    NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
  /**
   * MimpNotifier::mark-read:
   * @chat_key: the chat whose "Mark as read" button was pressed
   */
  signals[MARK_READ] = g_signal_new ("mark-read", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                     NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
  /**
   * MimpNotifier::replied:
   * @chat_key: the chat whose notification was replied to
   * @text: what the user typed into the notification, to be sent
   */
  signals[REPLIED] = g_signal_new ("replied", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
                                   NULL, NULL, G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_STRING);
}

static void
mimp_notifier_init (MimpNotifier *self)
{
  g_autoptr (GError) error = NULL;
  const char *names[] = { "ActionInvoked", "NotificationReplied", "NotificationClosed" };

  self->gone = g_hash_table_new_full (NULL, NULL, NULL, g_free);
  self->entries = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, entry_remove);
  self->enabled = TRUE;
  self->show_text = TRUE;
  self->cancellable = g_cancellable_new ();

  /* Already connected by GApplication: this does not block. */
  self->bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, &error);
  if (self->bus == NULL)
    {
      g_message ("No session bus, so no notifications: %s", error->message);
      return;
    }
  self->portal = g_file_test ("/.flatpak-info", G_FILE_TEST_EXISTS) ||
                 g_strcmp0 (g_getenv ("MIMP_NOTIFICATION_PORTAL"), "1") == 0;
  if (self->portal)
    {
      self->signal_ids[0] = g_dbus_connection_signal_subscribe (
          self->bus, PORTAL_NAME, PORTAL_IFACE, "ActionInvoked", PORTAL_PATH, NULL,
          G_DBUS_SIGNAL_FLAGS_NONE, on_portal_signal, self, NULL);
      return;
    }
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    self->signal_ids[i] = g_dbus_connection_signal_subscribe (
        self->bus, NOTIFY_NAME, NOTIFY_IFACE, names[i], NOTIFY_PATH, NULL, G_DBUS_SIGNAL_FLAGS_NONE,
        on_notify_signal, self, NULL);
  self->owner_watch =
      g_bus_watch_name_on_connection (self->bus, NOTIFY_NAME, G_BUS_NAME_WATCHER_FLAGS_NONE,
                                      on_owner_changed, on_owner_vanished, self, NULL);
}

MimpNotifier *
mimp_notifier_new (void)
{
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
 * mimp_notifier_get_inline_reply:
 *
 * Returns: whether the notification server takes a reply's text itself
 *   (known after the first notification was queued)
 */
gboolean
mimp_notifier_get_inline_reply (MimpNotifier *self)
{
  g_return_val_if_fail (MIMP_IS_NOTIFIER (self), FALSE);
  return self->inline_reply;
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
notified (GObject *source, GAsyncResult *result, gpointer data)
{
  Entry *entry = data;
  MimpNotifier *self = entry->notifier;
  g_autoptr (GError) error = NULL;
  g_autoptr (GVariant) reply =
      g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result, &error);

  entry->in_flight = FALSE;
  if (reply == NULL)
    {
      if (!entry->removed)
        {
          g_message ("Could not show a notification: %s", error->message);
          g_hash_table_remove (self->entries, entry->chat_key);
        }
    }
  else
    {
      /* The portal's notifications are known by the chat's key. */
      if (self->portal)
        entry->id = 1;
      else
        g_variant_get (reply, "(u)", &entry->id);
      if (entry->removed)
        {
          /* Read while it was on its way. */
          remember_gone (self, entry);
          close_entry (self, entry);
        }
      else if (entry->again)
        {
          entry->again = FALSE;
          if (!entry->queued)
            {
              entry->queued = TRUE;
              g_queue_push_tail (&self->queue, entry);
            }
          queue_show (self);
        }
    }
  entry_unref (entry);
  g_object_unref (self);
}

static void
send_portal (MimpNotifier *self, Entry *entry)
{
  GVariantBuilder notification;
  GVariantBuilder buttons;
  GVariantBuilder button;

  g_variant_builder_init (&buttons, G_VARIANT_TYPE ("aa{sv}"));
  g_variant_builder_init (&button, G_VARIANT_TYPE ("a{sv}"));
  g_variant_builder_add (&button, "{sv}", "label", g_variant_new_string (_ ("Reply")));
  g_variant_builder_add (&button, "{sv}", "action", g_variant_new_string (ACTION_REPLY));
  if (self->inline_reply)
    g_variant_builder_add (&button, "{sv}", "purpose", g_variant_new_string ("im.reply-with-text"));
  g_variant_builder_add_value (&buttons, g_variant_builder_end (&button));
  g_variant_builder_init (&button, G_VARIANT_TYPE ("a{sv}"));
  g_variant_builder_add (&button, "{sv}", "label", g_variant_new_string (_ ("Mark as Read")));
  g_variant_builder_add (&button, "{sv}", "action", g_variant_new_string (ACTION_MARK_READ));
  g_variant_builder_add_value (&buttons, g_variant_builder_end (&button));

  g_variant_builder_init (&notification, G_VARIANT_TYPE ("a{sv}"));
  g_variant_builder_add (&notification, "{sv}", "title", g_variant_new_string (entry->title));
  g_variant_builder_add (&notification, "{sv}", "body", g_variant_new_string (entry->body ?: ""));
  g_variant_builder_add (&notification, "{sv}", "default-action",
                         g_variant_new_string (ACTION_OPEN));
  if (self->inline_reply)
    g_variant_builder_add (&notification, "{sv}", "category", g_variant_new_string ("im.received"));
  g_variant_builder_add (&notification, "{sv}", "buttons", g_variant_builder_end (&buttons));

  entry->in_flight = TRUE;
  g_object_ref (self); /* released in notified () */
  g_dbus_connection_call (
      self->bus, PORTAL_NAME, PORTAL_PATH, PORTAL_IFACE, "AddNotification",
      g_variant_new ("(s@a{sv})", entry->chat_key, g_variant_builder_end (&notification)),
      G_VARIANT_TYPE ("()"), G_DBUS_CALL_FLAGS_NONE, NOTIFY_TIMEOUT_MS, NULL, notified,
      entry_ref (entry));
}

static void
send_notify (MimpNotifier *self, Entry *entry)
{
  GVariantBuilder actions;
  GVariantBuilder hints;

  g_variant_builder_init (&actions, G_VARIANT_TYPE ("as"));
  /* The default action is what a click on the notification does. */
  g_variant_builder_add (&actions, "s", ACTION_OPEN);
  g_variant_builder_add (&actions, "s", _ ("Open"));
  g_variant_builder_add (&actions, "s", self->inline_reply ? ACTION_INLINE_REPLY : ACTION_REPLY);
  g_variant_builder_add (&actions, "s", _ ("Reply"));
  g_variant_builder_add (&actions, "s", ACTION_MARK_READ);
  g_variant_builder_add (&actions, "s", _ ("Mark as Read"));

  g_variant_builder_init (&hints, G_VARIANT_TYPE ("a{sv}"));
  g_variant_builder_add (&hints, "{sv}", "desktop-entry", g_variant_new_string (APPLICATION_ID));
  g_variant_builder_add (&hints, "{sv}", "category", g_variant_new_string ("im.received"));
  if (self->inline_reply)
    g_variant_builder_add (&hints, "{sv}", "x-kde-reply-placeholder-text",
                           g_variant_new_string (_ ("Write a reply…")));

  entry->in_flight = TRUE;
  g_object_ref (self); /* released in notified () */
  g_dbus_connection_call (self->bus, NOTIFY_NAME, NOTIFY_PATH, NOTIFY_IFACE, "Notify",
                          g_variant_new ("(susssasa{sv}i)", g_get_application_name () ?: "Mimp",
                                         entry->id, "chat-message-new-symbolic", entry->title,
                                         entry->body ?: "", &actions, &hints, -1),
                          G_VARIANT_TYPE ("(u)"), G_DBUS_CALL_FLAGS_NONE, NOTIFY_TIMEOUT_MS, NULL,
                          notified, entry_ref (entry));
}

static gboolean
show_next (gpointer data)
{
  MimpNotifier *self = data;
  Entry *entry = g_queue_pop_head (&self->queue);

  if (entry != NULL)
    {
      entry->queued = FALSE;
      if (entry->in_flight)
        entry->again = TRUE; /* shown once its id is known */
      else if (self->portal)
        send_portal (self, entry);
      else
        send_notify (self, entry);
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

  if (!self->enabled || self->bus == NULL || g_strcmp0 (chat_key, self->visible_chat) == 0)
    return FALSE;

  entry = g_hash_table_lookup (self->entries, chat_key);
  if (entry == NULL)
    {
      entry = g_new0 (Entry, 1);
      entry->ref_count = 1;
      entry->notifier = self;
      entry->chat_key = g_strdup (chat_key);
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
  if (!self->caps_asked)
    ask_capabilities (self);
  queue_show (self);
  return TRUE;
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

  /* One still on its way is closed when its id comes (notified ()). */
  close_entry (self, entry);
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
      close_entry (self, entry);
      g_hash_table_iter_remove (&iter);
    }
  /* Sent before the app may quit. */
  if (self->bus != NULL)
    g_dbus_connection_flush (self->bus, NULL, NULL, NULL);
}

guint
mimp_notifier_get_n_shown (MimpNotifier *self)
{
  g_return_val_if_fail (MIMP_IS_NOTIFIER (self), 0);
  return g_hash_table_size (self->entries);
}
