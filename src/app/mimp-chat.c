/* mimp-chat.c
 *
 * Messages are loaded from the history a page at a time: the newest page
 * when the chat is first shown, older ones as the view scrolls up.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "mimp-chat"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "mimp-app-enums.h"
#include "mimp-chat.h"

#define GROUP_WINDOW_MS (5 * 60 * 1000)

/* Cryptully's rule, used for every protocol with typing notifications:
 * after this long without a key press the user has stopped typing. */
#define TYPING_IDLE_MS 1500

struct _MimpChat
{
  MimpItemList parent_instance;

  MimpAccount *account;
  char *peer;
  char *key;
  char *draft;
  char *preview;
  gint64 last_activity;
  guint unread;

  GPtrArray *items; /* MimpChatMessage, oldest first */
  GCancellable *cancellable;
  guint page_size; /* of the page loading */
  guint loading : 1;
  guint loaded : 1;
  guint has_more : 1;
  guint has_newer : 1; /* opened at an older message: the newest are not loaded */

  MimpTypingState peer_typing; /* what the peer last said */
  MimpTypingState own_typing;  /* what we last said to the peer */
  guint typing_idle_id;
  gboolean composer_has_text;

  MimpChatPrivacy privacy;
};

G_DEFINE_FINAL_TYPE (MimpChat, mimp_chat, MIMP_TYPE_ITEM_LIST)

enum
{
  PROP_0,
  PROP_PEER,
  PROP_ACCOUNT,
  PROP_UNREAD,
  PROP_LAST_ACTIVITY,
  PROP_PREVIEW,
  PROP_LOADING,
  PROP_HAS_MORE,
  PROP_PEER_TYPING,
  PROP_PRIVACY,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
mimp_chat_dispose (GObject *object)
{
  MimpChat *self = (MimpChat *) object;

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_handle_id (&self->typing_idle_id, g_source_remove);
  if (self->account != NULL)
    g_signal_handlers_disconnect_by_data (self->account, self);
  g_clear_object (&self->account);
  self->items = NULL; /* MimpItemList's, which empties it */

  G_OBJECT_CLASS (mimp_chat_parent_class)->dispose (object);
}

static void
mimp_chat_finalize (GObject *object)
{
  MimpChat *self = (MimpChat *) object;

  g_free (self->peer);
  g_free (self->key);
  g_free (self->draft);
  g_free (self->preview);

  G_OBJECT_CLASS (mimp_chat_parent_class)->finalize (object);
}

static void
mimp_chat_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  MimpChat *self = MIMP_CHAT (object);

  switch (prop_id)
    {
    case PROP_PEER:
      g_value_set_string (value, self->peer);
      break;
    case PROP_ACCOUNT:
      g_value_set_object (value, self->account);
      break;
    case PROP_UNREAD:
      g_value_set_uint (value, self->unread);
      break;
    case PROP_LAST_ACTIVITY:
      g_value_set_int64 (value, self->last_activity);
      break;
    case PROP_PREVIEW:
      g_value_set_string (value, self->preview);
      break;
    case PROP_LOADING:
      g_value_set_boolean (value, self->loading);
      break;
    case PROP_HAS_MORE:
      g_value_set_boolean (value, self->has_more);
      break;
    case PROP_PEER_TYPING:
      g_value_set_enum (value, self->peer_typing);
      break;
    case PROP_PRIVACY:
      g_value_set_enum (value, self->privacy);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
mimp_chat_set_property (GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  MimpChat *self = MIMP_CHAT (object);

  switch (prop_id)
    {
    case PROP_PRIVACY:
      mimp_chat_set_privacy (self, g_value_get_enum (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
mimp_chat_class_init (MimpChatClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  MIMP_ITEM_LIST_CLASS (klass)->item_type = MIMP_TYPE_CHAT_MESSAGE;
  object_class->dispose = mimp_chat_dispose;
  object_class->finalize = mimp_chat_finalize;
  object_class->get_property = mimp_chat_get_property;
  object_class->set_property = mimp_chat_set_property;

  properties[PROP_PEER] =
      g_param_spec_string ("peer", NULL, NULL, NULL, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_ACCOUNT] = g_param_spec_object ("account", NULL, NULL, MIMP_TYPE_ACCOUNT,
                                                  G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_UNREAD] =
      g_param_spec_uint ("unread", NULL, NULL, 0, G_MAXUINT, 0,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_LAST_ACTIVITY] =
      g_param_spec_int64 ("last-activity", NULL, NULL, 0, G_MAXINT64, 0,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_PREVIEW] =
      g_param_spec_string ("preview", NULL, NULL, NULL,
                           G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_LOADING] =
      g_param_spec_boolean ("loading", NULL, NULL, FALSE,
                            G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_HAS_MORE] =
      g_param_spec_boolean ("has-more", NULL, NULL, TRUE,
                            G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_PEER_TYPING] =
      g_param_spec_enum ("peer-typing", NULL, NULL, MIMP_TYPE_TYPING_STATE, MIMP_TYPING_STOPPED,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /* Whether the chat is end-to-end encrypted (MimpChatPrivacy): what the
   * header shows. The account keeps it up to date. */
  properties[PROP_PRIVACY] =
      g_param_spec_enum ("privacy", NULL, NULL, MIMP_TYPE_CHAT_PRIVACY, MIMP_CHAT_PRIVACY_NONE,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
mimp_chat_init (MimpChat *self)
{
  self->items = mimp_item_list_get_items (MIMP_ITEM_LIST (self));
  self->cancellable = g_cancellable_new ();
  self->has_more = TRUE;
}

static void
set_peer_typing (MimpChat *self, MimpTypingState state)
{
  if (self->peer_typing == state)
    return;
  self->peer_typing = state;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PEER_TYPING]);
}

static void
on_typing_changed (MimpChat *self, const char *peer, MimpTypingState state)
{
  if (g_strcmp0 (peer, self->peer) == 0)
    set_peer_typing (self, state);
}

static void
on_privacy_changed (MimpChat *self, const char *peer, MimpChatPrivacy privacy)
{
  if (g_strcmp0 (peer, self->peer) == 0)
    mimp_chat_set_privacy (self, privacy);
}

/* A peer that went away (or we did) is not typing any more. */
static void
on_account_status (MimpChat *self)
{
  if (mimp_account_get_status (self->account) != MIMP_ACCOUNT_STATUS_ONLINE)
    {
      set_peer_typing (self, MIMP_TYPING_STOPPED);
      self->own_typing = MIMP_TYPING_STOPPED;
      g_clear_handle_id (&self->typing_idle_id, g_source_remove);
    }
}

static void
say_typing (MimpChat *self, MimpTypingState state)
{
  if (self->own_typing == state)
    return;
  self->own_typing = state;
  mimp_account_send_typing (self->account, self->peer, state);
}

static gboolean
typing_idle (gpointer data)
{
  MimpChat *self = data;

  self->typing_idle_id = 0;
  say_typing (self, self->composer_has_text ? MIMP_TYPING_PAUSED : MIMP_TYPING_STOPPED);
  return G_SOURCE_REMOVE;
}

/**
 * mimp_chat_composer_changed:
 * @has_text: whether the composer holds text now
 *
 * Called at every change the user makes in the composer: the peer is told
 * "typing", and after 1.5 s without a change "stopped" (with or without
 * text left), where the account's protocol has typing notifications.
 */
void
mimp_chat_composer_changed (MimpChat *self, gboolean has_text)
{
  g_return_if_fail (MIMP_IS_CHAT (self));

  if (!mimp_protocol_has (mimp_account_get_protocol (self->account), MIMP_PROTOCOL_TYPING))
    return;
  self->composer_has_text = has_text;
  say_typing (self, MIMP_TYPING_ACTIVE);
  g_clear_handle_id (&self->typing_idle_id, g_source_remove);
  self->typing_idle_id = g_timeout_add (TYPING_IDLE_MS, typing_idle, self);
}

MimpTypingState
mimp_chat_get_peer_typing (MimpChat *self)
{
  g_return_val_if_fail (MIMP_IS_CHAT (self), MIMP_TYPING_STOPPED);
  return self->peer_typing;
}

MimpChatPrivacy
mimp_chat_get_privacy (MimpChat *self)
{
  g_return_val_if_fail (MIMP_IS_CHAT (self), MIMP_CHAT_PRIVACY_NONE);
  return self->privacy;
}

void
mimp_chat_set_privacy (MimpChat *self, MimpChatPrivacy privacy)
{
  g_return_if_fail (MIMP_IS_CHAT (self));

  if (self->privacy == privacy)
    return;
  self->privacy = privacy;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PRIVACY]);
}

char *
mimp_chat_make_key (const char *account_id, const char *peer)
{
  return g_strdup_printf ("%s/%s", account_id, peer);
}

MimpChat *
mimp_chat_new (MimpAccount *account, const char *peer)
{
  MimpChat *self;

  g_return_val_if_fail (MIMP_IS_ACCOUNT (account), NULL);
  g_return_val_if_fail (peer != NULL, NULL);

  self = g_object_new (MIMP_TYPE_CHAT, NULL);
  self->account = g_object_ref (account);
  self->peer = g_strdup (peer);
  self->key = mimp_chat_make_key (mimp_account_get_id (account), peer);
  g_signal_connect_swapped (account, "typing-changed", G_CALLBACK (on_typing_changed), self);
  g_signal_connect_swapped (account, "privacy-changed", G_CALLBACK (on_privacy_changed), self);
  /* Until the account knows better: every chat of a type with private
   * chats tries to be one. */
  self->privacy = mimp_account_get_chat_privacy (account, peer, MIMP_CHAT_PRIVACY_WAITING);
  g_signal_connect_swapped (account, "notify::status", G_CALLBACK (on_account_status), self);
  return self;
}

MimpAccount *
mimp_chat_get_account (MimpChat *self)
{
  g_return_val_if_fail (MIMP_IS_CHAT (self), NULL);
  return self->account;
}

const char *
mimp_chat_get_peer (MimpChat *self)
{
  g_return_val_if_fail (MIMP_IS_CHAT (self), NULL);
  return self->peer;
}

const char *
mimp_chat_get_key (MimpChat *self)
{
  g_return_val_if_fail (MIMP_IS_CHAT (self), NULL);
  return self->key;
}

guint
mimp_chat_get_unread (MimpChat *self)
{
  g_return_val_if_fail (MIMP_IS_CHAT (self), 0);
  return self->unread;
}

gint64
mimp_chat_get_last_activity (MimpChat *self)
{
  g_return_val_if_fail (MIMP_IS_CHAT (self), 0);
  return self->last_activity;
}

const char *
mimp_chat_get_preview (MimpChat *self)
{
  g_return_val_if_fail (MIMP_IS_CHAT (self), NULL);
  return self->preview;
}

const char *
mimp_chat_get_draft (MimpChat *self)
{
  g_return_val_if_fail (MIMP_IS_CHAT (self), NULL);
  return self->draft;
}

gboolean
mimp_chat_get_loading (MimpChat *self)
{
  g_return_val_if_fail (MIMP_IS_CHAT (self), FALSE);
  return self->loading;
}

gboolean
mimp_chat_get_has_more (MimpChat *self)
{
  g_return_val_if_fail (MIMP_IS_CHAT (self), FALSE);
  return self->has_more;
}

gboolean
mimp_chat_get_loaded (MimpChat *self)
{
  g_return_val_if_fail (MIMP_IS_CHAT (self), FALSE);
  return self->loaded;
}

static MimpHistory *
get_history (MimpChat *self)
{
  return mimp_account_get_history (self->account);
}

static void
set_unread (MimpChat *self, guint unread)
{
  if (self->unread == unread)
    return;
  self->unread = unread;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_UNREAD]);
}

static void
set_preview (MimpChat *self, const char *text, gboolean outgoing, gint64 activity)
{
  g_autofree char *line = NULL;

  if (text != NULL)
    {
      /* One line: the first line of the text. */
      const char *newline = strchr (text, '\n');
      g_autofree char *first = newline ? g_strndup (text, newline - text) : g_strdup (text);

      /* Translators: the preview of your own last message in the chat list */
      line = outgoing ? g_strdup_printf (_ ("You: %s"), first) : g_steal_pointer (&first);
    }
  if (g_strcmp0 (line, self->preview) != 0)
    {
      g_free (self->preview);
      self->preview = g_steal_pointer (&line);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PREVIEW]);
    }
  if (activity > self->last_activity)
    {
      self->last_activity = activity;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LAST_ACTIVITY]);
    }
}

/**
 * mimp_chat_restore:
 *
 * Sets what the history's chats table knows, without loading messages.
 */
void
mimp_chat_restore (MimpChat *self, guint unread, const char *draft, gint64 last_activity,
                   const char *last_text, gboolean last_outgoing)
{
  g_return_if_fail (MIMP_IS_CHAT (self));

  set_unread (self, unread);
  g_free (self->draft);
  self->draft = g_strdup (draft);
  set_preview (self, last_text, last_outgoing, last_activity);
}

static void history_updated (GObject *source, GAsyncResult *result, gpointer data);

static gboolean
same_day (gint64 a_ms, gint64 b_ms)
{
  g_autoptr (GDateTime) a = mimp_date_time_new_local (a_ms);
  g_autoptr (GDateTime) b = mimp_date_time_new_local (b_ms);

  if (a == NULL || b == NULL)
    return FALSE;
  return g_date_time_get_year (a) == g_date_time_get_year (b) &&
         g_date_time_get_day_of_year (a) == g_date_time_get_day_of_year (b);
}

/* Day separators and grouping depend on the previous message; whether
 * the previous one is the last of its group depends on this one. The
 * newest message is always the last of its group. */
static void
update_decorations (MimpChat *self, guint position)
{
  MimpChatMessage *message;
  MimpChatMessage *previous;
  gboolean first_of_day;

  if (position >= self->items->len)
    return;
  message = self->items->pdata[position];
  previous = position > 0 ? self->items->pdata[position - 1] : NULL;

  first_of_day = previous == NULL || !same_day (mimp_chat_message_get_timestamp (previous),
                                                mimp_chat_message_get_timestamp (message));
  mimp_chat_message_set_first_of_day (message, first_of_day);
  mimp_chat_message_set_grouped (
      message,
      !first_of_day && previous != NULL &&
          mimp_chat_message_get_outgoing (previous) == mimp_chat_message_get_outgoing (message) &&
          mimp_chat_message_get_kind (previous) == MIMP_MESSAGE_KIND_TEXT &&
          mimp_chat_message_get_kind (message) == MIMP_MESSAGE_KIND_TEXT &&
          g_strcmp0 (mimp_chat_message_get_sender (previous),
                     mimp_chat_message_get_sender (message)) == 0 &&
          mimp_chat_message_get_timestamp (message) - mimp_chat_message_get_timestamp (previous) <
              GROUP_WINDOW_MS);
  if (previous != NULL)
    mimp_chat_message_set_last_in_group (previous, !mimp_chat_message_get_grouped (message));
  if (position + 1 == self->items->len)
    mimp_chat_message_set_last_in_group (message, TRUE);
}

/* The page a load brought; NULL when it was cancelled, or failed (said, and
 * the loading over). */
static GPtrArray *
finish_page (MimpChat *self, GObject *source, GAsyncResult *result)
{
  g_autoptr (GError) error = NULL;
  GPtrArray *page = mimp_history_load_page_finish (MIMP_HISTORY (source), result, &error);

  if (page == NULL && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_warning ("Could not load messages: %s", error->message);
      self->loading = FALSE;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LOADING]);
    }
  return page;
}

static void
page_loaded (GObject *source, GAsyncResult *result, gpointer data)
{
  MimpChat *self = data;
  g_autoptr (GPtrArray) page = finish_page (self, source, result);

  if (page == NULL)
    {
      g_object_unref (self);
      return;
    }

  self->loading = FALSE;
  self->loaded = TRUE;
  if (page->len < self->page_size)
    {
      self->has_more = FALSE;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_HAS_MORE]);
    }

  if (page->len > 0)
    {
      /* Drop rows that arrived live while the page was loading. */
      g_autoptr (GPtrArray) fresh = g_ptr_array_new_with_free_func (g_object_unref);

      for (guint i = 0; i < page->len; i++)
        {
          gint64 row_id = mimp_chat_message_get_row_id (page->pdata[i]);
          gboolean known = FALSE;

          for (guint j = 0; j < self->items->len && !known; j++)
            known = mimp_chat_message_get_row_id (self->items->pdata[j]) == row_id;
          if (!known)
            g_ptr_array_add (fresh, g_object_ref (page->pdata[i]));
        }
      for (guint i = 0; i < fresh->len; i++)
        g_ptr_array_insert (self->items, (int) i, g_object_ref (fresh->pdata[i]));
      for (guint i = 0; i <= fresh->len && i < self->items->len; i++)
        update_decorations (self, i);
      if (fresh->len > 0)
        g_list_model_items_changed (G_LIST_MODEL (self), 0, 0, fresh->len);
    }
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LOADING]);
  g_object_unref (self);
}

/**
 * mimp_chat_load_older:
 *
 * Loads the newest page if nothing is loaded yet, else the page before the
 * oldest message loaded. Does nothing while loading or when all is loaded.
 */
void
mimp_chat_load_older (MimpChat *self)
{
  MimpHistory *history;

  g_return_if_fail (MIMP_IS_CHAT (self));

  if (self->loading || (self->loaded && !self->has_more))
    return;
  history = get_history (self);
  g_return_if_fail (history != NULL);

  self->loading = TRUE;
  self->page_size = self->loaded ? MIMP_CHAT_OLDER_PAGE_SIZE : MIMP_CHAT_FIRST_PAGE_SIZE;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LOADING]);
  mimp_history_load_page_async (history, mimp_account_get_id (self->account), self->peer,
                                self->items->len > 0 ? self->items->pdata[0] : NULL,
                                self->page_size, self->cancellable, page_loaded,
                                g_object_ref (self));
}

/**
 * mimp_chat_unload:
 *
 * Lets go of the loaded messages of a chat no longer on screen: they are in
 * the history, and opening the chat again loads its newest page, as the
 * first time. Otherwise every chat once opened kept every message it got
 * for as long as the app ran (the soak's three accounts and twenty chats:
 * 57 MiB over 100,000 messages), and opening it again laid out rows for up
 * to 200 of them. Does nothing while a page is loading (it is wanted).
 */
void
mimp_chat_unload (MimpChat *self)
{
  guint n;

  g_return_if_fail (MIMP_IS_CHAT (self));

  if (self->loading || !self->loaded)
    return;
  n = self->items->len;
  g_ptr_array_set_size (self->items, 0);
  self->loaded = FALSE;
  if (!self->has_more)
    {
      self->has_more = TRUE;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_HAS_MORE]);
    }
  if (n > 0)
    g_list_model_items_changed (G_LIST_MODEL (self), 0, n, 0);
}

/**
 * mimp_chat_add_message:
 * @seen: whether the chat is on screen (a received message is not unread)
 *
 * A message just stored: updates the preview and unread count, and shows
 * it if the messages are loaded.
 */
void
mimp_chat_add_message (MimpChat *self, MimpChatMessage *message, gboolean seen)
{
  g_return_if_fail (MIMP_IS_CHAT (self));
  g_return_if_fail (MIMP_IS_CHAT_MESSAGE (message));

  if (mimp_chat_message_get_kind (message) != MIMP_MESSAGE_KIND_TEXT)
    ; /* a line in the room's chat only: no preview, not unread */
  else if (mimp_chat_message_get_outgoing (message))
    set_preview (self, mimp_chat_message_get_text (message), TRUE,
                 MAX (mimp_chat_message_get_timestamp (message), g_get_real_time () / 1000));
  else
    {
      set_preview (self, mimp_chat_message_get_text (message), FALSE,
                   MAX (mimp_chat_message_get_timestamp (message), g_get_real_time () / 1000));
      /* A message ends the peer's typing, as it does in Cryptully. */
      set_peer_typing (self, MIMP_TYPING_STOPPED);
      if (!seen)
        set_unread (self, self->unread + 1);
      else /* the history counted it as unread when storing it */
        mimp_history_mark_read_async (get_history (self), mimp_account_get_id (self->account),
                                      self->peer, NULL, history_updated, NULL);
    }

  /* Opened at an older message: it comes with the newer pages. */
  if ((self->loaded || self->loading) && !self->has_newer)
    {
      for (guint i = 0; i < self->items->len; i++)
        if (mimp_chat_message_get_row_id (self->items->pdata[i]) ==
            mimp_chat_message_get_row_id (message))
          return;
      g_ptr_array_add (self->items, g_object_ref (message));
      update_decorations (self, self->items->len - 1);
      g_list_model_items_changed (G_LIST_MODEL (self), self->items->len - 1, 0, 1);
    }
}

void
mimp_chat_update_message (MimpChat *self, MimpChatMessage *message)
{
  g_return_if_fail (MIMP_IS_CHAT (self));

  for (guint i = self->items->len; i > 0; i--)
    {
      MimpChatMessage *item = self->items->pdata[i - 1];
      if (mimp_chat_message_get_row_id (item) == mimp_chat_message_get_row_id (message))
        {
          mimp_chat_message_update_from (item, message);
          return;
        }
    }
}

static void
history_updated (GObject *source, GAsyncResult *result, gpointer data)
{
  g_autoptr (GError) error = NULL;

  if (!mimp_history_update_finish (MIMP_HISTORY (source), result, &error) &&
      !g_error_matches (error, MIMP_HISTORY_ERROR, MIMP_HISTORY_ERROR_CLOSED))
    g_warning ("Could not update a chat: %s", error->message);
}

void
mimp_chat_mark_read (MimpChat *self)
{
  g_return_if_fail (MIMP_IS_CHAT (self));

  if (self->unread == 0)
    return;
  set_unread (self, 0);
  mimp_history_mark_read_async (get_history (self), mimp_account_get_id (self->account), self->peer,
                                NULL, history_updated, NULL);
}

void
mimp_chat_set_draft (MimpChat *self, const char *draft)
{
  g_return_if_fail (MIMP_IS_CHAT (self));

  if (draft != NULL && *draft == '\0')
    draft = NULL;
  if (g_strcmp0 (self->draft, draft) == 0)
    return;
  g_free (self->draft);
  self->draft = g_strdup (draft);
  mimp_history_set_draft_async (get_history (self), mimp_account_get_id (self->account), self->peer,
                                draft, NULL, history_updated, NULL);
}

/* ------------------------------------------------------------------ */
/* Opening a chat at one message (a search result)                   */
/* ------------------------------------------------------------------ */

/* Messages loaded after the one a chat is opened at: about a window's
 * height, as when a chat opens at its newest. */
#define AROUND_NEWER 20

static void
replace_items (MimpChat *self, GPtrArray *items)
{
  guint removed = self->items->len;

  /* In place: the array is MimpItemList's, which the list model reads. */
  g_ptr_array_set_size (self->items, 0);
  for (guint i = 0; i < items->len; i++)
    g_ptr_array_add (self->items, g_object_ref (items->pdata[i]));
  for (guint i = 0; i < self->items->len; i++)
    update_decorations (self, i);
  g_list_model_items_changed (G_LIST_MODEL (self), 0, removed, self->items->len);
}

/* Drops the loads under way: a new view of the chat replaces what they
 * were loading for. */
static void
restart_loading (MimpChat *self)
{
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  self->loading = TRUE;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LOADING]);
}

static void
show_newest (MimpChat *self)
{
  g_autoptr (GPtrArray) none = NULL;

  if (!self->has_newer)
    return;
  restart_loading (self);
  self->loading = FALSE;
  self->loaded = FALSE;
  self->has_newer = FALSE;
  self->has_more = TRUE;
  none = g_ptr_array_new_with_free_func (g_object_unref);
  replace_items (self, none);
  mimp_chat_load_older (self);
}

typedef struct
{
  MimpChatMessage *target;
  GPtrArray *older;
} Around;

static void
around_free (gpointer data)
{
  Around *around = data;

  g_clear_object (&around->target);
  g_clear_pointer (&around->older, g_ptr_array_unref);
  g_free (around);
}

static void
around_failed (MimpChat *self, GTask *task, GError *error)
{
  if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      self->loading = FALSE;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LOADING]);
    }
  g_task_return_error (task, error);
  g_object_unref (task);
}

static void
around_newer_loaded (GObject *source, GAsyncResult *result, gpointer data)
{
  GTask *task = data;
  MimpChat *self = g_task_get_source_object (task);
  Around *around = g_task_get_task_data (task);
  GError *error = NULL;
  g_autoptr (GPtrArray) newer = NULL;
  g_autoptr (GPtrArray) items = NULL;
  guint position;

  newer = mimp_history_load_page_finish (MIMP_HISTORY (source), result, &error);
  if (newer == NULL)
    {
      around_failed (self, task, error);
      return;
    }

  items = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = 0; i < around->older->len; i++)
    g_ptr_array_add (items, g_object_ref (around->older->pdata[i]));
  position = items->len;
  g_ptr_array_add (items, g_object_ref (around->target));
  for (guint i = 0; i < MIN (newer->len, AROUND_NEWER); i++)
    g_ptr_array_add (items, g_object_ref (newer->pdata[i]));

  self->loading = FALSE;
  self->loaded = TRUE;
  self->has_more = around->older->len == MIMP_CHAT_OLDER_PAGE_SIZE;
  self->has_newer = newer->len > AROUND_NEWER;
  replace_items (self, items);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_HAS_MORE]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LOADING]);
  g_task_return_int (task, position);
  g_object_unref (task);
}

static void
around_older_loaded (GObject *source, GAsyncResult *result, gpointer data)
{
  GTask *task = data;
  MimpChat *self = g_task_get_source_object (task);
  Around *around = g_task_get_task_data (task);
  GError *error = NULL;

  around->older = mimp_history_load_page_finish (MIMP_HISTORY (source), result, &error);
  if (around->older == NULL)
    {
      around_failed (self, task, error);
      return;
    }
  /* One more than shown: whether there are newer ones still. */
  mimp_history_load_page_after_async (MIMP_HISTORY (source), mimp_account_get_id (self->account),
                                      self->peer, around->target, AROUND_NEWER + 1,
                                      self->cancellable, around_newer_loaded, task);
}

/**
 * mimp_chat_load_around_async:
 * @target: a message of this chat (a search result)
 *
 * Makes sure @target is in the model: when it is not loaded, the model is
 * replaced by a page of older messages, @target and a page of newer ones
 * (mimp_chat_load_older() and mimp_chat_load_newer() read on from there).
 * Finish with mimp_chat_load_around_finish() for its position.
 */
void
mimp_chat_load_around_async (MimpChat *self, MimpChatMessage *target, GCancellable *cancellable,
                             GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task;
  Around *around;

  g_return_if_fail (MIMP_IS_CHAT (self));
  g_return_if_fail (MIMP_IS_CHAT_MESSAGE (target));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, mimp_chat_load_around_async);
  for (guint i = 0; i < self->items->len; i++)
    if (mimp_chat_message_get_row_id (self->items->pdata[i]) ==
        mimp_chat_message_get_row_id (target))
      {
        g_task_return_int (task, i);
        g_object_unref (task);
        return;
      }

  around = g_new0 (Around, 1);
  around->target = g_object_ref (target);
  g_task_set_task_data (task, around, around_free);
  restart_loading (self);
  mimp_history_load_page_async (get_history (self), mimp_account_get_id (self->account), self->peer,
                                target, MIMP_CHAT_OLDER_PAGE_SIZE, self->cancellable,
                                around_older_loaded, task);
}

/**
 * mimp_chat_load_around_finish:
 * @position: (out): where the message is in the model
 */
gboolean
mimp_chat_load_around_finish (MimpChat *self, GAsyncResult *result, guint *position, GError **error)
{
  gssize found;

  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  found = g_task_propagate_int (G_TASK (result), error);
  if (found < 0)
    return FALSE;
  if (position != NULL)
    *position = (guint) found;
  return TRUE;
}

static void
newer_loaded (GObject *source, GAsyncResult *result, gpointer data)
{
  MimpChat *self = data;
  g_autoptr (GPtrArray) page = finish_page (self, source, result);
  guint added = 0;

  if (page == NULL)
    {
      g_object_unref (self);
      return;
    }

  self->loading = FALSE;
  self->has_newer = page->len == MIMP_CHAT_OLDER_PAGE_SIZE;
  for (guint i = 0; i < page->len; i++)
    {
      g_ptr_array_add (self->items, g_object_ref (page->pdata[i]));
      added++;
    }
  /* Each also settles whether the one before it ends its group. */
  for (guint i = self->items->len - added; i < self->items->len; i++)
    update_decorations (self, i);
  if (added > 0)
    g_list_model_items_changed (G_LIST_MODEL (self), self->items->len - added, 0, added);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LOADING]);
  g_object_unref (self);
}

/**
 * mimp_chat_load_newer:
 *
 * In a chat opened at an older message (mimp_chat_load_around_async()),
 * loads the page after the newest message loaded. Does nothing while
 * loading or when the newest messages are loaded.
 */
void
mimp_chat_load_newer (MimpChat *self)
{
  g_return_if_fail (MIMP_IS_CHAT (self));

  if (self->loading || !self->has_newer || self->items->len == 0)
    return;
  self->loading = TRUE;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LOADING]);
  mimp_history_load_page_after_async (get_history (self), mimp_account_get_id (self->account),
                                      self->peer, self->items->pdata[self->items->len - 1],
                                      MIMP_CHAT_OLDER_PAGE_SIZE, self->cancellable, newer_loaded,
                                      g_object_ref (self));
}

gboolean
mimp_chat_get_has_newer (MimpChat *self)
{
  g_return_val_if_fail (MIMP_IS_CHAT (self), FALSE);
  return self->has_newer;
}

void
mimp_chat_send (MimpChat *self, const char *text)
{
  g_return_if_fail (MIMP_IS_CHAT (self));
  g_return_if_fail (text != NULL && *text != '\0');

  /* The message itself ends "typing" on the other side: nothing more is
   * said, as Cryptully does. */
  g_clear_handle_id (&self->typing_idle_id, g_source_remove);
  self->own_typing = MIMP_TYPING_STOPPED;
  self->composer_has_text = FALSE;
  /* What is sent is seen at the bottom, with the newest messages. */
  show_newest (self);
  mimp_account_send (self->account, self->peer, text);
}

void
mimp_chat_retry (MimpChat *self, MimpChatMessage *message)
{
  g_return_if_fail (MIMP_IS_CHAT (self));
  mimp_account_retry (self->account, message);
}
