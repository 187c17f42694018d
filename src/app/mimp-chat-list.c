/* mimp-chat-list.c
 *
 * Listens to the account manager: each stored message goes to its chat
 * (created on first contact), which moves to its place by last activity.
 * The moves of one main loop iteration are made together, before the
 * next frame: a burst of messages to many chats re-sorts the list once,
 * not once per message.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "mimp-chat-list"

#include "config.h"

#include <string.h>

#include "mimp-chat-list.h"

struct _MimpChatList
{
  MimpItemList parent_instance;

  MimpAccountManager *manager;
  GPtrArray *chats;    /* MimpChat, newest activity first */
  GHashTable *by_key;  /* key → MimpChat (borrowed) */
  MimpChat *seen_chat; /* on screen in a focused window */
  guint sort_id;
};

G_DEFINE_FINAL_TYPE (MimpChatList, mimp_chat_list, MIMP_TYPE_ITEM_LIST)

enum
{
  PROP_0,
  PROP_UNREAD,
  N_PROPS
};

enum
{
  MESSAGE_RECEIVED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

guint
mimp_chat_list_get_unread (MimpChatList *self)
{
  guint unread = 0;

  g_return_val_if_fail (MIMP_IS_CHAT_LIST (self), 0);

  for (guint i = 0; i < self->chats->len; i++)
    unread += mimp_chat_get_unread (self->chats->pdata[i]);
  return unread;
}

static guint
position_for (MimpChatList *self, MimpChat *chat)
{
  gint64 activity = mimp_chat_get_last_activity (chat);
  guint position = 0;

  while (position < self->chats->len &&
         (self->chats->pdata[position] == chat ||
          mimp_chat_get_last_activity (self->chats->pdata[position]) >= activity))
    position++;
  return position;
}

static int
compare_activity (gconstpointer a, gconstpointer b)
{
  gint64 activity_a = mimp_chat_get_last_activity (*(MimpChat **) a);
  gint64 activity_b = mimp_chat_get_last_activity (*(MimpChat **) b);

  return activity_a < activity_b ? 1 : activity_a > activity_b ? -1 : 0;
}

/* Puts the chats in order of activity (a stable sort: equal ones keep
 * their order) and tells the one range that changed. */
static gboolean
sort_chats (gpointer data)
{
  MimpChatList *self = data;
  g_autoptr (GPtrArray) sorted = g_ptr_array_sized_new (self->chats->len);
  guint first = 0;
  guint last;

  self->sort_id = 0;
  for (guint i = 0; i < self->chats->len; i++)
    g_ptr_array_add (sorted, self->chats->pdata[i]);
  g_ptr_array_sort (sorted, compare_activity);
  while (first < sorted->len && sorted->pdata[first] == self->chats->pdata[first])
    first++;
  if (first == sorted->len)
    return G_SOURCE_REMOVE;
  last = sorted->len - 1;
  while (sorted->pdata[last] == self->chats->pdata[last])
    last--;
  memcpy (self->chats->pdata + first, sorted->pdata + first,
          (last - first + 1) * sizeof (gpointer));
  g_list_model_items_changed (G_LIST_MODEL (self), first, last - first + 1, last - first + 1);
  return G_SOURCE_REMOVE;
}

static void
on_chat_activity (MimpChat *chat, GParamSpec *pspec, MimpChatList *self)
{
  if (self->sort_id == 0)
    self->sort_id = g_idle_add_full (G_PRIORITY_HIGH_IDLE, sort_chats, self, NULL);
}

static void
on_chat_unread (MimpChat *chat, GParamSpec *pspec, MimpChatList *self)
{
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_UNREAD]);
}

static MimpChat *
insert_chat (MimpChatList *self, MimpAccount *account, const char *peer)
{
  g_autoptr (MimpChat) chat = mimp_chat_new (account, peer);
  guint position = position_for (self, chat);

  g_signal_connect (chat, "notify::last-activity", G_CALLBACK (on_chat_activity), self);
  g_signal_connect (chat, "notify::unread", G_CALLBACK (on_chat_unread), self);
  g_ptr_array_insert (self->chats, (int) position, g_object_ref (chat));
  g_hash_table_insert (self->by_key, (gpointer) mimp_chat_get_key (chat), chat);
  g_list_model_items_changed (G_LIST_MODEL (self), position, 0, 1);
  return chat;
}

MimpChat *
mimp_chat_list_lookup (MimpChatList *self, const char *key)
{
  g_return_val_if_fail (MIMP_IS_CHAT_LIST (self), NULL);
  return key ? g_hash_table_lookup (self->by_key, key) : NULL;
}

static void
chat_ensured (GObject *source, GAsyncResult *result, gpointer data)
{
  g_autoptr (GError) error = NULL;

  if (!mimp_history_update_finish (MIMP_HISTORY (source), result, &error))
    g_warning ("Could not store a new chat: %s", error->message);
}

/**
 * mimp_chat_list_ensure:
 *
 * Returns: (transfer none): the chat with @peer on @account, created (and
 *   stored) if it is new
 */
MimpChat *
mimp_chat_list_ensure (MimpChatList *self, MimpAccount *account, const char *peer)
{
  g_autofree char *key = NULL;
  MimpChat *chat;

  g_return_val_if_fail (MIMP_IS_CHAT_LIST (self), NULL);

  key = mimp_chat_make_key (mimp_account_get_id (account), peer);
  chat = g_hash_table_lookup (self->by_key, key);
  if (chat != NULL)
    return chat;

  chat = insert_chat (self, account, peer);
  mimp_chat_restore (chat, 0, NULL, g_get_real_time () / 1000, NULL, FALSE);
  mimp_history_ensure_chat_async (mimp_account_get_history (account), mimp_account_get_id (account),
                                  peer, NULL, chat_ensured, NULL);
  return chat;
}

void
mimp_chat_list_set_seen_chat (MimpChatList *self, MimpChat *chat)
{
  g_return_if_fail (MIMP_IS_CHAT_LIST (self));

  self->seen_chat = chat;
  if (chat != NULL)
    mimp_chat_mark_read (chat);
}

MimpChat *
mimp_chat_list_get_seen_chat (MimpChatList *self)
{
  g_return_val_if_fail (MIMP_IS_CHAT_LIST (self), NULL);
  return self->seen_chat;
}

static void
on_message_added (MimpChatList *self, MimpAccount *account, MimpChatMessage *message)
{
  MimpChat *chat = mimp_chat_list_ensure (self, account, mimp_chat_message_get_peer (message));
  gboolean seen = chat == self->seen_chat;

  mimp_chat_add_message (chat, message, seen);
  /* Someone coming into a room or leaving it is shown, not announced. */
  if (!mimp_chat_message_get_outgoing (message) &&
      mimp_chat_message_get_kind (message) == MIMP_MESSAGE_KIND_TEXT)
    g_signal_emit (self, signals[MESSAGE_RECEIVED], 0, chat, message);
}

static void
on_message_updated (MimpChatList *self, MimpAccount *account, MimpChatMessage *message)
{
  g_autofree char *key =
      mimp_chat_make_key (mimp_account_get_id (account), mimp_chat_message_get_peer (message));
  MimpChat *chat = g_hash_table_lookup (self->by_key, key);

  if (chat != NULL)
    mimp_chat_update_message (chat, message);
}

static void
on_account_removed (MimpChatList *self, MimpAccount *account)
{
  for (guint i = self->chats->len; i > 0; i--)
    {
      MimpChat *chat = self->chats->pdata[i - 1];

      if (mimp_chat_get_account (chat) != account)
        continue;
      if (chat == self->seen_chat)
        self->seen_chat = NULL;
      g_signal_handlers_disconnect_by_data (chat, self);
      g_hash_table_remove (self->by_key, mimp_chat_get_key (chat));
      g_ptr_array_remove_index (self->chats, i - 1);
      g_list_model_items_changed (G_LIST_MODEL (self), i - 1, 1, 0);
    }
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_UNREAD]);
}

static void
mimp_chat_list_dispose (GObject *object)
{
  MimpChatList *self = (MimpChatList *) object;

  g_clear_handle_id (&self->sort_id, g_source_remove);
  if (self->chats != NULL)
    for (guint i = 0; i < self->chats->len; i++)
      g_signal_handlers_disconnect_by_data (self->chats->pdata[i], self);
  g_clear_pointer (&self->by_key, g_hash_table_unref);
  self->chats = NULL; /* MimpItemList's, which empties it */
  g_clear_object (&self->manager);

  G_OBJECT_CLASS (mimp_chat_list_parent_class)->dispose (object);
}

static void
mimp_chat_list_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  MimpChatList *self = MIMP_CHAT_LIST (object);

  switch (prop_id)
    {
    case PROP_UNREAD:
      g_value_set_uint (value, mimp_chat_list_get_unread (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
mimp_chat_list_class_init (MimpChatListClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  MIMP_ITEM_LIST_CLASS (klass)->item_type = MIMP_TYPE_CHAT;
  object_class->dispose = mimp_chat_list_dispose;
  object_class->get_property = mimp_chat_list_get_property;

  properties[PROP_UNREAD] =
      g_param_spec_uint ("unread", NULL, NULL, 0, G_MAXUINT, 0,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * MimpChatList::message-received:
   *
   * A new received message was stored in @chat (for the notifier).
   */
  signals[MESSAGE_RECEIVED] =
      g_signal_new ("message-received", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                    NULL, G_TYPE_NONE, 2, MIMP_TYPE_CHAT, MIMP_TYPE_CHAT_MESSAGE);
}

static void
mimp_chat_list_init (MimpChatList *self)
{
  self->chats = mimp_item_list_get_items (MIMP_ITEM_LIST (self));
  self->by_key = g_hash_table_new (g_str_hash, g_str_equal);
}

MimpChatList *
mimp_chat_list_new (MimpAccountManager *manager)
{
  MimpChatList *self = g_object_new (MIMP_TYPE_CHAT_LIST, NULL);

  self->manager = g_object_ref (manager);
  g_signal_connect_object (manager, "message-added", G_CALLBACK (on_message_added), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (manager, "message-updated", G_CALLBACK (on_message_updated), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (manager, "account-removed", G_CALLBACK (on_account_removed), self,
                           G_CONNECT_SWAPPED);
  return self;
}

static void
chats_listed (GObject *source, GAsyncResult *result, gpointer data)
{
  g_autoptr (GTask) task = data;
  MimpChatList *self = g_task_get_source_object (task);
  g_autoptr (GPtrArray) chats = NULL;
  GError *error = NULL;

  chats = mimp_history_list_chats_finish (MIMP_HISTORY (source), result, &error);
  if (chats == NULL)
    {
      g_task_return_error (task, error);
      return;
    }

  for (guint i = 0; i < chats->len; i++)
    {
      MimpHistoryChat *row = chats->pdata[i];
      MimpAccount *account = mimp_account_manager_lookup (self->manager, row->account_id);
      g_autofree char *key = NULL;
      MimpChat *chat;

      if (account == NULL)
        continue; /* history kept from a removed account */
      key = mimp_chat_make_key (row->account_id, row->peer);
      chat = g_hash_table_lookup (self->by_key, key);
      if (chat == NULL)
        {
          chat = insert_chat (self, account, row->peer);
          mimp_chat_restore (chat, row->unread, row->draft, row->last_activity, row->last_text,
                             row->last_outgoing);
          if (row->privacy >= 0)
            mimp_chat_set_privacy (
                chat, mimp_account_get_chat_privacy (account, row->peer, row->privacy));
        }
    }
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_UNREAD]);
  g_task_return_boolean (task, TRUE);
}

/**
 * mimp_chat_list_load_async:
 *
 * Fills the list from the history's chats (messages load when shown).
 */
void
mimp_chat_list_load_async (MimpChatList *self, GCancellable *cancellable,
                           GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task;

  g_return_if_fail (MIMP_IS_CHAT_LIST (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, mimp_chat_list_load_async);
  mimp_history_list_chats_async (mimp_account_manager_get_history (self->manager), cancellable,
                                 chats_listed, task);
}

gboolean
mimp_chat_list_load_finish (MimpChatList *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}
