/* mimp-chat-message.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "mimp-chat-message"

#include "config.h"

#include "mimp-app-enums.h"
#include "mimp-chat-message.h"

struct _MimpChatMessage
{
  GObject parent_instance;

  gint64 row_id;
  char *account_id;
  char *peer;
  char *text;
  char *client_id;
  char *server_id;
  char *error;
  char *sender;
  MimpMessageKind kind;
  char *attachment;
  gint64 timestamp;
  gint64 seq;
  MimpMessageState state;
  MimpMessageProtection protection;
  guint missing_before;
  guint outgoing : 1;
  guint first_of_day : 1;
  guint grouped : 1;
  guint last_in_group : 1;
};

G_DEFINE_FINAL_TYPE (MimpChatMessage, mimp_chat_message, G_TYPE_OBJECT)

enum
{
  PROP_0,
  PROP_TEXT,
  PROP_OUTGOING,
  PROP_TIMESTAMP,
  PROP_STATE,
  PROP_ERROR,
  PROP_FIRST_OF_DAY,
  PROP_GROUPED,
  PROP_LAST_IN_GROUP,
  PROP_PROTECTION,
  PROP_MISSING_BEFORE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static gboolean
set_str (char **field, const char *value)
{
  if (g_strcmp0 (*field, value) == 0)
    return FALSE;
  g_free (*field);
  *field = g_strdup (value);
  return TRUE;
}

static void
mimp_chat_message_finalize (GObject *object)
{
  MimpChatMessage *self = (MimpChatMessage *) object;

  g_free (self->account_id);
  g_free (self->peer);
  g_free (self->text);
  g_free (self->client_id);
  g_free (self->server_id);
  g_free (self->error);
  g_free (self->sender);
  g_free (self->attachment);

  G_OBJECT_CLASS (mimp_chat_message_parent_class)->finalize (object);
}

static void
mimp_chat_message_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  MimpChatMessage *self = MIMP_CHAT_MESSAGE (object);

  switch (prop_id)
    {
    case PROP_TEXT:
      g_value_set_string (value, self->text);
      break;
    case PROP_OUTGOING:
      g_value_set_boolean (value, self->outgoing);
      break;
    case PROP_TIMESTAMP:
      g_value_set_int64 (value, self->timestamp);
      break;
    case PROP_STATE:
      g_value_set_enum (value, self->state);
      break;
    case PROP_ERROR:
      g_value_set_string (value, self->error);
      break;
    case PROP_FIRST_OF_DAY:
      g_value_set_boolean (value, self->first_of_day);
      break;
    case PROP_GROUPED:
      g_value_set_boolean (value, self->grouped);
      break;
    case PROP_LAST_IN_GROUP:
      g_value_set_boolean (value, self->last_in_group);
      break;
    case PROP_PROTECTION:
      g_value_set_enum (value, self->protection);
      break;
    case PROP_MISSING_BEFORE:
      g_value_set_uint (value, self->missing_before);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
mimp_chat_message_set_property (GObject *object, guint prop_id, const GValue *value,
                                GParamSpec *pspec)
{
  MimpChatMessage *self = MIMP_CHAT_MESSAGE (object);

  switch (prop_id)
    {
    case PROP_STATE:
      mimp_chat_message_set_state (self, g_value_get_enum (value));
      break;
    case PROP_ERROR:
      mimp_chat_message_set_error (self, g_value_get_string (value));
      break;
    case PROP_FIRST_OF_DAY:
      mimp_chat_message_set_first_of_day (self, g_value_get_boolean (value));
      break;
    case PROP_GROUPED:
      mimp_chat_message_set_grouped (self, g_value_get_boolean (value));
      break;
    case PROP_LAST_IN_GROUP:
      mimp_chat_message_set_last_in_group (self, g_value_get_boolean (value));
      break;
    case PROP_PROTECTION:
      mimp_chat_message_set_protection (self, g_value_get_enum (value));
      break;
    case PROP_MISSING_BEFORE:
      mimp_chat_message_set_missing_before (self, g_value_get_uint (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
mimp_chat_message_class_init (MimpChatMessageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = mimp_chat_message_finalize;
  object_class->get_property = mimp_chat_message_get_property;
  object_class->set_property = mimp_chat_message_set_property;

  properties[PROP_TEXT] =
      g_param_spec_string ("text", NULL, NULL, NULL, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_OUTGOING] = g_param_spec_boolean ("outgoing", NULL, NULL, FALSE,
                                                    G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_TIMESTAMP] = g_param_spec_int64 ("timestamp", NULL, NULL, G_MININT64, G_MAXINT64,
                                                   0, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_STATE] =
      g_param_spec_enum ("state", NULL, NULL, MIMP_TYPE_MESSAGE_STATE, MIMP_MESSAGE_STATE_SENT,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_ERROR] =
      g_param_spec_string ("error", NULL, NULL, NULL,
                           G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_FIRST_OF_DAY] =
      g_param_spec_boolean ("first-of-day", NULL, NULL, FALSE,
                            G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_GROUPED] =
      g_param_spec_boolean ("grouped", NULL, NULL, FALSE,
                            G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /* Whether the next message does not continue this one's group: the
   * time goes under the last message of a group only. */
  properties[PROP_LAST_IN_GROUP] =
      g_param_spec_boolean ("last-in-group", NULL, NULL, TRUE,
                            G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /* What end-to-end encryption did for it (MimpMessageProtection). */
  properties[PROP_PROTECTION] = g_param_spec_enum (
      "protection", NULL, NULL, MIMP_TYPE_MESSAGE_PROTECTION, MIMP_MESSAGE_PROTECTION_NONE,
      G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /* In a private chat: how many messages from the peer never arrived just
   * before this one (a gap line: "1 message didn't arrive"). */
  properties[PROP_MISSING_BEFORE] =
      g_param_spec_uint ("missing-before", NULL, NULL, 0, G_MAXUINT, 0,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
mimp_chat_message_init (MimpChatMessage *self)
{
  self->seq = -1;
  self->last_in_group = TRUE;
}

MimpChatMessage *
mimp_chat_message_new (gint64 row_id, const char *account_id, const char *peer, gboolean outgoing,
                       const char *text, gint64 timestamp, MimpMessageState state)
{
  MimpChatMessage *self = g_object_new (MIMP_TYPE_CHAT_MESSAGE, NULL);

  self->row_id = row_id;
  self->account_id = g_strdup (account_id);
  self->peer = g_strdup (peer);
  self->outgoing = !!outgoing;
  self->text = g_strdup (text);
  self->timestamp = timestamp;
  self->state = state;

  return self;
}

gint64
mimp_chat_message_get_row_id (MimpChatMessage *self)
{
  g_return_val_if_fail (MIMP_IS_CHAT_MESSAGE (self), 0);
  return self->row_id;
}

const char *
mimp_chat_message_get_account_id (MimpChatMessage *self)
{
  g_return_val_if_fail (MIMP_IS_CHAT_MESSAGE (self), NULL);
  return self->account_id;
}

const char *
mimp_chat_message_get_peer (MimpChatMessage *self)
{
  g_return_val_if_fail (MIMP_IS_CHAT_MESSAGE (self), NULL);
  return self->peer;
}

gboolean
mimp_chat_message_get_outgoing (MimpChatMessage *self)
{
  g_return_val_if_fail (MIMP_IS_CHAT_MESSAGE (self), FALSE);
  return self->outgoing;
}

const char *
mimp_chat_message_get_text (MimpChatMessage *self)
{
  g_return_val_if_fail (MIMP_IS_CHAT_MESSAGE (self), NULL);
  return self->text;
}

gint64
mimp_chat_message_get_timestamp (MimpChatMessage *self)
{
  g_return_val_if_fail (MIMP_IS_CHAT_MESSAGE (self), 0);
  return self->timestamp;
}

MimpMessageState
mimp_chat_message_get_state (MimpChatMessage *self)
{
  g_return_val_if_fail (MIMP_IS_CHAT_MESSAGE (self), MIMP_MESSAGE_STATE_SENT);
  return self->state;
}

void
mimp_chat_message_set_state (MimpChatMessage *self, MimpMessageState state)
{
  g_return_if_fail (MIMP_IS_CHAT_MESSAGE (self));

  if (self->state == state)
    return;
  self->state = state;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
}

const char *
mimp_chat_message_get_client_id (MimpChatMessage *self)
{
  g_return_val_if_fail (MIMP_IS_CHAT_MESSAGE (self), NULL);
  return self->client_id;
}

void
mimp_chat_message_set_client_id (MimpChatMessage *self, const char *client_id)
{
  g_return_if_fail (MIMP_IS_CHAT_MESSAGE (self));
  set_str (&self->client_id, client_id);
}

const char *
mimp_chat_message_get_server_id (MimpChatMessage *self)
{
  g_return_val_if_fail (MIMP_IS_CHAT_MESSAGE (self), NULL);
  return self->server_id;
}

void
mimp_chat_message_set_server_id (MimpChatMessage *self, const char *server_id)
{
  g_return_if_fail (MIMP_IS_CHAT_MESSAGE (self));
  set_str (&self->server_id, server_id);
}

/**
 * mimp_chat_message_get_sender:
 *
 * Returns: (nullable): in a room, who wrote the message; %NULL in a chat
 *   with one person
 */
const char *
mimp_chat_message_get_sender (MimpChatMessage *self)
{
  g_return_val_if_fail (MIMP_IS_CHAT_MESSAGE (self), NULL);
  return self->sender;
}

/**
 * mimp_chat_message_get_attachment:
 *
 * Returns: (nullable): the protocol's reference to the image sent with the
 *   message (its account loads it), or %NULL
 */
const char *
mimp_chat_message_get_attachment (MimpChatMessage *self)
{
  g_return_val_if_fail (MIMP_IS_CHAT_MESSAGE (self), NULL);
  return self->attachment;
}

void
mimp_chat_message_set_attachment (MimpChatMessage *self, const char *attachment)
{
  g_return_if_fail (MIMP_IS_CHAT_MESSAGE (self));
  g_free (self->attachment);
  self->attachment = g_strdup (attachment);
}

MimpMessageKind
mimp_chat_message_get_kind (MimpChatMessage *self)
{
  g_return_val_if_fail (MIMP_IS_CHAT_MESSAGE (self), MIMP_MESSAGE_KIND_TEXT);
  return self->kind;
}

void
mimp_chat_message_set_kind (MimpChatMessage *self, MimpMessageKind kind)
{
  g_return_if_fail (MIMP_IS_CHAT_MESSAGE (self));
  self->kind = kind;
}

void
mimp_chat_message_set_sender (MimpChatMessage *self, const char *sender)
{
  g_return_if_fail (MIMP_IS_CHAT_MESSAGE (self));
  g_free (self->sender);
  self->sender = g_strdup (sender);
}

const char *
mimp_chat_message_get_error (MimpChatMessage *self)
{
  g_return_val_if_fail (MIMP_IS_CHAT_MESSAGE (self), NULL);
  return self->error;
}

void
mimp_chat_message_set_error (MimpChatMessage *self, const char *error)
{
  g_return_if_fail (MIMP_IS_CHAT_MESSAGE (self));

  if (set_str (&self->error, error))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ERROR]);
}

gint64
mimp_chat_message_get_seq (MimpChatMessage *self)
{
  g_return_val_if_fail (MIMP_IS_CHAT_MESSAGE (self), -1);
  return self->seq;
}

void
mimp_chat_message_set_seq (MimpChatMessage *self, gint64 seq)
{
  g_return_if_fail (MIMP_IS_CHAT_MESSAGE (self));
  self->seq = seq;
}

gboolean
mimp_chat_message_get_first_of_day (MimpChatMessage *self)
{
  g_return_val_if_fail (MIMP_IS_CHAT_MESSAGE (self), FALSE);
  return self->first_of_day;
}

void
mimp_chat_message_set_first_of_day (MimpChatMessage *self, gboolean first_of_day)
{
  g_return_if_fail (MIMP_IS_CHAT_MESSAGE (self));

  first_of_day = !!first_of_day;
  if (self->first_of_day == (guint) first_of_day)
    return;
  self->first_of_day = first_of_day;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FIRST_OF_DAY]);
}

gboolean
mimp_chat_message_get_grouped (MimpChatMessage *self)
{
  g_return_val_if_fail (MIMP_IS_CHAT_MESSAGE (self), FALSE);
  return self->grouped;
}

void
mimp_chat_message_set_grouped (MimpChatMessage *self, gboolean grouped)
{
  g_return_if_fail (MIMP_IS_CHAT_MESSAGE (self));

  grouped = !!grouped;
  if (self->grouped == (guint) grouped)
    return;
  self->grouped = grouped;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_GROUPED]);
}

gboolean
mimp_chat_message_get_last_in_group (MimpChatMessage *self)
{
  g_return_val_if_fail (MIMP_IS_CHAT_MESSAGE (self), TRUE);
  return self->last_in_group;
}

void
mimp_chat_message_set_last_in_group (MimpChatMessage *self, gboolean last_in_group)
{
  g_return_if_fail (MIMP_IS_CHAT_MESSAGE (self));

  last_in_group = !!last_in_group;
  if (self->last_in_group == (guint) last_in_group)
    return;
  self->last_in_group = last_in_group;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LAST_IN_GROUP]);
}

MimpMessageProtection
mimp_chat_message_get_protection (MimpChatMessage *self)
{
  g_return_val_if_fail (MIMP_IS_CHAT_MESSAGE (self), MIMP_MESSAGE_PROTECTION_NONE);
  return self->protection;
}

void
mimp_chat_message_set_protection (MimpChatMessage *self, MimpMessageProtection protection)
{
  g_return_if_fail (MIMP_IS_CHAT_MESSAGE (self));

  if (self->protection == protection)
    return;
  self->protection = protection;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PROTECTION]);
}

guint
mimp_chat_message_get_missing_before (MimpChatMessage *self)
{
  g_return_val_if_fail (MIMP_IS_CHAT_MESSAGE (self), 0);
  return self->missing_before;
}

void
mimp_chat_message_set_missing_before (MimpChatMessage *self, guint missing_before)
{
  g_return_if_fail (MIMP_IS_CHAT_MESSAGE (self));

  if (self->missing_before == missing_before)
    return;
  self->missing_before = missing_before;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MISSING_BEFORE]);
}

/**
 * mimp_chat_message_update_from:
 *
 * Takes the delivery fields (state, server id, error, protection) of
 * @other, a fresher copy of the same stored row.
 */
void
mimp_chat_message_update_from (MimpChatMessage *self, MimpChatMessage *other)
{
  g_return_if_fail (MIMP_IS_CHAT_MESSAGE (self));
  g_return_if_fail (MIMP_IS_CHAT_MESSAGE (other));

  mimp_chat_message_set_server_id (self, other->server_id);
  mimp_chat_message_set_error (self, other->error);
  mimp_chat_message_set_sender (self, other->sender);
  mimp_chat_message_set_kind (self, other->kind);
  mimp_chat_message_set_attachment (self, other->attachment);
  mimp_chat_message_set_protection (self, other->protection);
  mimp_chat_message_set_missing_before (self, other->missing_before);
  mimp_chat_message_set_state (self, other->state);
}

/* The local time zone, read again once a minute. GLib 2.74's
 * g_time_zone_new_local() parses /etc/localtime on every call when TZ is
 * not set (its cache compares the zone's name with TZ), and every message
 * row, day separator and chat preview needs local time. */
G_LOCK_DEFINE_STATIC (local_zone);

/**
 * mimp_date_time_new_local:
 * @timestamp_ms: milliseconds since the epoch
 *
 * Returns: (nullable): @timestamp_ms in the local time zone
 */
GDateTime *
mimp_date_time_new_local (gint64 timestamp_ms)
{
  static GTimeZone *zone;
  static gint64 read_at;
  g_autoptr (GTimeZone) local = NULL;
  g_autoptr (GDateTime) utc = g_date_time_new_from_unix_utc (timestamp_ms / 1000);
  gint64 now = g_get_monotonic_time ();

  if (utc == NULL)
    return NULL;
  G_LOCK (local_zone);
  if (zone == NULL || now - read_at > 60 * G_USEC_PER_SEC)
    {
      g_clear_pointer (&zone, g_time_zone_unref);
      zone = g_time_zone_new_local ();
      read_at = now;
    }
  local = g_time_zone_ref (zone);
  G_UNLOCK (local_zone);
  return g_date_time_to_timezone (utc, local);
}
