/* mimp-account.c
 *
 * An account is a protocol (its type), a server, a user and the account's
 * session, which the protocol makes (mimp-protocol.h). Incoming messages
 * pass the codec (mimp-message-codec.h) and are stored in the history
 * before they are acknowledged; outgoing ones are stored as pending with
 * their client id, pass the codec and are handed to the session, and the
 * pending ones are queued again at every start. Nothing here knows which
 * protocol it drives.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "mimp-account"

#include "config.h"

#include <glib/gi18n.h>
#include <signal.h>
#include <string.h>

#include "mimp-account.h"
#include "mimp-app-enums.h"
#include "mimp-chat.h"
#include "mimp-e2e-codec.h"
#include "mimp-incoming.h"
#include "mimp-message-codec.h"

struct _MimpAccount
{
  GObject parent_instance;

  char *id;
  MimpProtocol *protocol;
  MimpMessageCodec *codec;
  char *host;
  char *user;
  char *fingerprint;
  GHashTable *options; /* the type's own settings (MimpProtocolOption), key to value */
  guint16 port;
  guint use_tls : 1;
  guint enabled : 1;
  guint started : 1;
  guint session_only : 1;

  MimpHistory *history;
  MimpSecretStore *secrets;
  MimpProtocolSession *session;
  GCancellable *cancellable;
  char *password;

  MimpAccountStatus status;
  char *status_message;
  GHashTable *queued;  /* client ids handed to the session */
  GHashTable *parts;   /* client id of a message sent in several texts to its Parts */
  GHashTable *part_of; /* the derived client id of a later text to its message's */
  guint store_retry_id;
  GPtrArray *unstored;         /* a batch whose decoding or storing failed, retried */
  GPtrArray *unstored_decoded; /* what the codec made of it, if that is not what failed */
  GQueue unannounced;          /* MimpChatMessage stored, `message-added` to come */
  guint announce_id;

  gboolean e2e_locked; /* the storage key of private chats cannot be read now */
};

/* The codec of private chats, for account types that have them. */
static MimpE2eCodec *
get_e2e (MimpAccount *self)
{
  return MIMP_IS_E2E_CODEC (self->codec) ? MIMP_E2E_CODEC (self->codec) : NULL;
}

G_DEFINE_FINAL_TYPE (MimpAccount, mimp_account, G_TYPE_OBJECT)

enum
{
  PROP_0,
  PROP_ID,
  PROP_DISPLAY_NAME,
  PROP_ENABLED,
  PROP_FINGERPRINT,
  PROP_STATUS,
  PROP_STATUS_MESSAGE,
  PROP_RETRY_TIME,
  PROP_E2E_LOCKED,
  N_PROPS
};

enum
{
  MESSAGE_ADDED,
  MESSAGE_UPDATED,
  TYPING_CHANGED,
  CHAT_REQUESTED,
  VERIFICATION_ASKED,
  VERIFICATION_FINISHED,
  MEMBERS_CHANGED,
  VERIFIED_BY_PEER,
  PRIVACY_CHANGED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

static void store_batch (MimpAccount *self, GPtrArray *received, GPtrArray *messages);
static void decode_batch (MimpAccount *self, GPtrArray *messages);
static void on_typing_changed (MimpAccount *self, const char *peer, MimpTypingState state);
static void on_chat_requested (MimpAccount *self, const char *peer);
static void on_verification_asked (MimpAccount *self, const char *peer, const char *question);
static void on_verification_finished (MimpAccount *self, const char *peer, gboolean matched,
                                      const GError *error);
static void on_members_changed (MimpAccount *self, const char *room, const char *name,
                                gboolean joined);
static void on_send_finished (MimpAccount *self, const char *client_id, const char *server_id,
                              gint64 timestamp, const GError *error);

/* ------------------------------------------------------------------ */

/* ------------------------------------------------------------------ */

static void
set_status (MimpAccount *self, MimpAccountStatus status, const char *message)
{
  gboolean changed = FALSE;

  /* Both notifications after both fields are set: a handler of either one
   * sees the new status with its own reason, not the previous one's. */
  g_object_freeze_notify (G_OBJECT (self));
  if (self->status != status)
    {
      self->status = status;
      changed = TRUE;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATUS]);
    }
  if (g_strcmp0 (self->status_message, message) != 0)
    {
      g_free (self->status_message);
      self->status_message = g_strdup (message);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATUS_MESSAGE]);
    }
  g_object_thaw_notify (G_OBJECT (self));
  if (changed)
    g_debug ("Account %s is now %d", self->id, status);
}

static void
sync_status_from_session (MimpAccount *self)
{
  MimpProtocolSessionState state;
  const GError *error;
  g_autofree char *reason = NULL;

  if (self->session == NULL)
    return;

  state = mimp_protocol_session_get_state (self->session);
  error = mimp_protocol_session_get_error (self->session);
  if (error != NULL)
    reason = mimp_describe_error (error);

  switch (state)
    {
    case MIMP_PROTOCOL_SESSION_STATE_OFFLINE:
      if (self->status != MIMP_ACCOUNT_STATUS_NEEDS_PASSWORD &&
          self->status != MIMP_ACCOUNT_STATUS_DISABLED)
        set_status (self, MIMP_ACCOUNT_STATUS_OFFLINE, reason);
      break;
    case MIMP_PROTOCOL_SESSION_STATE_CONNECTING:
      set_status (self, MIMP_ACCOUNT_STATUS_CONNECTING, NULL);
      break;
    case MIMP_PROTOCOL_SESSION_STATE_ONLINE:
      set_status (self, MIMP_ACCOUNT_STATUS_ONLINE, NULL);
      break;
    case MIMP_PROTOCOL_SESSION_STATE_WAITING:
      set_status (self, MIMP_ACCOUNT_STATUS_WAITING, reason);
      break;
    case MIMP_PROTOCOL_SESSION_STATE_NEEDS_PASSWORD:
      set_status (self, MIMP_ACCOUNT_STATUS_NEEDS_PASSWORD,
                  reason ? reason : _ ("The server refused the password."));
      break;
    case MIMP_PROTOCOL_SESSION_STATE_NEEDS_CERTIFICATE:
      set_status (self, MIMP_ACCOUNT_STATUS_NEEDS_CERTIFICATE,
                  _ ("The server’s certificate is not trusted."));
      break;
    default:
      break;
    }
}

static void
on_session_state (MimpAccount *self)
{
  sync_status_from_session (self);
}

static void
on_retry_time (MimpAccount *self)
{
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RETRY_TIME]);
}

/* ------------------------------------------------------------------ */
/* Receiving: store, then acknowledge                                 */
/* ------------------------------------------------------------------ */

static gboolean retry_store (gpointer data);

/* Keeps a batch that could not be handled now (not acknowledged: the
 * server keeps it too) and tries again shortly: from storing @decoded
 * when the codec had made it, else from decoding. */
static void
retry_later (MimpAccount *self, GPtrArray *received, GPtrArray *decoded)
{
  if (self->unstored != NULL || !self->started)
    return;
  self->unstored = g_ptr_array_ref (received);
  self->unstored_decoded = decoded ? g_ptr_array_ref (decoded) : NULL;
  self->store_retry_id = g_timeout_add_seconds (5, retry_store, self);
}

static gboolean
retry_store (gpointer data)
{
  MimpAccount *self = data;
  g_autoptr (GPtrArray) batch = g_steal_pointer (&self->unstored);
  g_autoptr (GPtrArray) decoded = g_steal_pointer (&self->unstored_decoded);

  self->store_retry_id = 0;
  if (batch != NULL && decoded != NULL)
    store_batch (self, batch, decoded);
  else if (batch != NULL)
    decode_batch (self, batch);
  return G_SOURCE_REMOVE;
}

/* A stored batch is announced (`message-added`) a few milliseconds' worth
 * at a time, the rest from an idle callback, so that a burst of messages
 * never holds the main loop for long (frames are drawn in between). The
 * account's other signals announce what is left first, to keep the order. */
#define ANNOUNCE_SLICE_US 4000

/* Announces the unannounced messages until @deadline (monotonic), or all
 * of them if @deadline is negative. */
static void
announce (MimpAccount *self, gint64 deadline)
{
  MimpChatMessage *message;

  g_object_ref (self);
  while ((deadline < 0 || g_get_monotonic_time () < deadline) &&
         (message = g_queue_pop_head (&self->unannounced)) != NULL)
    {
      g_signal_emit (self, signals[MESSAGE_ADDED], 0, message);
      g_object_unref (message);
    }
  g_object_unref (self);
}

static gboolean
announce_some (gpointer data)
{
  MimpAccount *self = data;

  announce (self, g_get_monotonic_time () + ANNOUNCE_SLICE_US);
  if (!g_queue_is_empty (&self->unannounced))
    return G_SOURCE_CONTINUE;
  self->announce_id = 0;
  return G_SOURCE_REMOVE;
}

static void
announce_all (MimpAccount *self)
{
  announce (self, -1);
}

typedef struct
{
  MimpAccount *self;
  GPtrArray *received;
  GPtrArray *messages;
} StoreData;

static void
store_done (GObject *source, GAsyncResult *result, gpointer data)
{
  StoreData *sd = data;
  MimpAccount *self = sd->self;
  g_autoptr (GPtrArray) received = sd->received;
  g_autoptr (GPtrArray) messages = sd->messages;
  g_autoptr (GPtrArray) stored = NULL;
  g_autoptr (GError) error = NULL;

  g_free (sd);
  stored = mimp_history_store_incoming_finish (MIMP_HISTORY (source), result, &error);
  if (stored == NULL)
    {
      if (!g_error_matches (error, MIMP_HISTORY_ERROR, MIMP_HISTORY_ERROR_CLOSED))
        {
          /* Not acknowledged: the server keeps them. Try again shortly. */
          g_warning ("Could not store received messages: %s", error->message);
          if (received != NULL)
            retry_later (self, received, messages);
        }
      g_object_unref (self);
      return;
    }

  /* For the crash tests of private chats (tests/app/test-private-chats.c):
   * dies between storing a received message and acknowledging it. */
  if (G_UNLIKELY (stored->len > 0 && g_getenv ("MIMP_TEST_KILL_AFTER_STORE") != NULL))
    raise (SIGKILL);

  /* The batch as it came is acknowledged, with what the codec kept to
   * itself (a key exchange, a verification step). */
  if (received != NULL)
    {
      mimp_message_codec_stored (self->codec, self->id, received);
      if (self->session != NULL)
        mimp_protocol_session_acknowledge (self->session, received);
    }

  for (guint i = 0; i < stored->len; i++)
    g_queue_push_tail (&self->unannounced, g_object_ref (stored->pdata[i]));
  announce (self, g_get_monotonic_time () + ANNOUNCE_SLICE_US);
  if (!g_queue_is_empty (&self->unannounced) && self->announce_id == 0)
    self->announce_id = g_idle_add_full (G_PRIORITY_DEFAULT_IDLE, announce_some,
                                         g_object_ref (self), g_object_unref);

  g_object_unref (self);
}

/* Stores @messages, what the codec made of @received (the batch as it
 * came, acknowledged once stored; %NULL for messages with nothing to
 * acknowledge). */
static void
store_batch (MimpAccount *self, GPtrArray *received, GPtrArray *messages)
{
  StoreData *sd = g_new0 (StoreData, 1);

  sd->self = g_object_ref (self);
  sd->received = received ? g_ptr_array_ref (received) : NULL;
  sd->messages = g_ptr_array_ref (messages);
  mimp_history_store_incoming_async (self->history, self->id, mimp_protocol_get_id (self->protocol),
                                     messages, NULL, store_done, sd);
}

typedef struct
{
  MimpAccount *self;
  GPtrArray *messages;
} DecodeData;

static void
decoded (GObject *source, GAsyncResult *result, gpointer data)
{
  DecodeData *dd = data;
  g_autoptr (MimpAccount) self = dd->self;
  g_autoptr (GPtrArray) received = dd->messages;
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) messages = NULL;

  g_free (dd);
  messages = mimp_message_codec_decode_finish (MIMP_MESSAGE_CODEC (source), result, &error);
  if (messages != NULL)
    {
      store_batch (self, received, messages);
      return;
    }
  if (g_error_matches (error, MIMP_MESSAGE_CODEC_ERROR, MIMP_MESSAGE_CODEC_ERROR_WAIT))
    {
      /* Expected (the keys are not at hand): the server keeps them. */
      g_debug ("Received messages wait: %s", error->message);
      retry_later (self, received, NULL);
    }
  else if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_warning ("Could not decode received messages: %s", error->message);
      retry_later (self, received, NULL);
    }
}

/* A codec hands on a record for a message it cannot read (saying so), so
 * one bad message never holds up the rest; an error means the whole batch
 * cannot be handled now (its keys are not at hand, say). */
static void
decode_batch (MimpAccount *self, GPtrArray *messages)
{
  DecodeData *dd = g_new0 (DecodeData, 1);

  dd->self = g_object_ref (self);
  dd->messages = g_ptr_array_ref (messages);
  mimp_message_codec_decode_async (self->codec, self->id, messages, self->cancellable, decoded, dd);
}

static void
on_messages_received (MimpAccount *self, GPtrArray *messages)
{
  g_debug ("Account %s received %u messages", self->id, messages->len);
  decode_batch (self, messages);
}

/* ------------------------------------------------------------------ */
/* Sending                                                            */
/* ------------------------------------------------------------------ */

typedef struct
{
  MimpAccount *self;
  char *client_id;
  char *peer;
} EncodeData;

/* A message the codec made into several texts (fragments of a long private
 * message): each goes as a message of its own, the first with the
 * message's client id, the others with derived ones ("<id>/2", ...). The
 * message is sent when all are, failed when one fails. */
typedef struct
{
  guint left;
  char *server_id; /* of the first text */
  GError *error;   /* the first failure */
} Parts;

static void
parts_free (Parts *parts)
{
  g_free (parts->server_id);
  g_clear_error (&parts->error);
  g_free (parts);
}

static void
send_texts (MimpAccount *self, const char *client_id, const char *peer, GPtrArray *texts)
{
  Parts *parts;

  if (texts->len == 1)
    {
      mimp_protocol_session_send (self->session, client_id, peer, texts->pdata[0]);
      return;
    }
  parts = g_new0 (Parts, 1);
  parts->left = texts->len;
  g_hash_table_replace (self->parts, g_strdup (client_id), parts);
  for (guint i = 1; i < texts->len; i++)
    g_hash_table_replace (self->part_of, g_strdup_printf ("%s/%u", client_id, i + 1),
                          g_strdup (client_id));
  mimp_protocol_session_send (self->session, client_id, peer, texts->pdata[0]);
  for (guint i = 1; i < texts->len; i++)
    {
      g_autofree char *part_id = g_strdup_printf ("%s/%u", client_id, i + 1);
      mimp_protocol_session_send (self->session, part_id, peer, texts->pdata[i]);
    }
}

static void
encoded (GObject *source, GAsyncResult *result, gpointer data)
{
  EncodeData *ed = data;
  MimpAccount *self = ed->self;
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) texts = NULL;

  texts = mimp_message_codec_encode_finish (MIMP_MESSAGE_CODEC (source), result, &error);
  if (!g_hash_table_contains (self->queued, ed->client_id) || self->session == NULL)
    ; /* stopped meanwhile: queued again at the next start */
  else if (g_error_matches (error, MIMP_MESSAGE_CODEC_ERROR, MIMP_MESSAGE_CODEC_ERROR_WAIT))
    /* Stays pending: queued again when the codec says the peer is ready. */
    g_hash_table_remove (self->queued, ed->client_id);
  else if (texts == NULL)
    on_send_finished (self, ed->client_id, NULL, 0, error);
  else if (texts->len == 0)
    g_critical ("A codec made nothing of a message to send");
  else
    send_texts (self, ed->client_id, ed->peer, texts);
  g_object_unref (ed->self);
  g_free (ed->client_id);
  g_free (ed->peer);
  g_free (ed);
}

static void
queue_send (MimpAccount *self, MimpChatMessage *message)
{
  const char *client_id = mimp_chat_message_get_client_id (message);
  EncodeData *ed;

  if (self->session == NULL || client_id == NULL)
    return;
  g_hash_table_add (self->queued, g_strdup (client_id));
  if (mimp_chat_message_get_attachment (message) != NULL)
    {
      /* An image goes as its reference: it was stored where the peer
       * fetches it when it was attached. */
      mimp_protocol_session_send_attachment (self->session, client_id,
                                             mimp_chat_message_get_peer (message),
                                             mimp_chat_message_get_attachment (message));
      return;
    }
  ed = g_new0 (EncodeData, 1);
  ed->self = g_object_ref (self);
  ed->client_id = g_strdup (client_id);
  ed->peer = g_strdup (mimp_chat_message_get_peer (message));
  mimp_message_codec_encode_async (self->codec, self->id, ed->peer, client_id,
                                   mimp_chat_message_get_text (message), NULL, encoded, ed);
}

static void
state_stored (GObject *source, GAsyncResult *result, gpointer data)
{
  g_autoptr (MimpAccount) self = data;
  g_autoptr (GError) error = NULL;
  g_autoptr (MimpChatMessage) row = NULL;

  row = mimp_history_set_state_finish (MIMP_HISTORY (source), result, &error);
  if (row == NULL)
    {
      if (!g_error_matches (error, MIMP_HISTORY_ERROR, MIMP_HISTORY_ERROR_CLOSED))
        g_warning ("Could not record a delivery state: %s", error->message);
      return;
    }
  announce_all (self);
  g_signal_emit (self, signals[MESSAGE_UPDATED], 0, row);
}

static void
on_send_finished (MimpAccount *self, const char *client_id, const char *server_id, gint64 timestamp,
                  const GError *error)
{
  g_autofree char *reason = NULL;
  g_autofree char *part_id = NULL;
  g_autofree char *first_id = NULL;
  g_autofree char *first_server_id = NULL;
  g_autoptr (GError) first_error = NULL;
  Parts *parts;

  /* One text of a message sent in several: the message is done when all
   * of them are. */
  if (g_hash_table_steal_extended (self->part_of, client_id, (gpointer *) &part_id,
                                   (gpointer *) &first_id))
    client_id = first_id;
  if ((parts = g_hash_table_lookup (self->parts, client_id)) != NULL)
    {
      if (first_id == NULL && server_id != NULL)
        parts->server_id = g_strdup (server_id);
      if (error != NULL && parts->error == NULL)
        parts->error = g_error_copy (error);
      if (--parts->left > 0)
        return;
      first_server_id = g_steal_pointer (&parts->server_id);
      first_error = g_steal_pointer (&parts->error);
      g_hash_table_remove (self->parts, client_id);
      server_id = first_server_id;
      error = first_error;
    }

  /* What the codec sent by itself (a key request, say) is no stored
   * message; nor is anything after a stop (queued again at the start). */
  if (!g_hash_table_remove (self->queued, client_id))
    {
      g_debug ("A send the account did not queue finished");
      return;
    }
  if (error == NULL)
    mimp_message_codec_sent (self->codec, self->id, client_id);
  if (error != NULL)
    reason = mimp_describe_error (error);
  mimp_history_set_state_async (self->history, self->id, client_id,
                                error ? MIMP_MESSAGE_STATE_FAILED : MIMP_MESSAGE_STATE_SENT,
                                server_id, reason, NULL, state_stored, g_object_ref (self));
}

static void
outgoing_stored (GObject *source, GAsyncResult *result, gpointer data)
{
  g_autoptr (MimpAccount) self = data;
  g_autoptr (GError) error = NULL;
  g_autoptr (MimpChatMessage) row = NULL;

  row = mimp_history_add_outgoing_finish (MIMP_HISTORY (source), result, &error);
  if (row == NULL)
    {
      g_warning ("Could not store a message to send: %s", error->message);
      return;
    }
  announce_all (self);
  g_signal_emit (self, signals[MESSAGE_ADDED], 0, row);
  queue_send (self, row);
}

static void
attachment_uploaded (GObject *source, GAsyncResult *result, gpointer data)
{
  g_autoptr (GTask) task = data;
  MimpAccount *self = g_task_get_source_object (task);
  const char *peer = g_task_get_task_data (task);
  GError *error = NULL;
  g_autofree char *attachment = NULL;
  g_autofree char *client_id = NULL;

  attachment = mimp_protocol_session_upload_attachment_finish (MIMP_PROTOCOL_SESSION (source),
                                                               result, &error);
  if (attachment == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  /* Stored and sent as any message from here: pending, then sent or failed
   * with Retry (which sends the same reference again). */
  client_id = g_uuid_string_random ();
  mimp_history_add_outgoing_with_attachment_async (
      self->history, self->id, mimp_protocol_get_id (self->protocol), peer, client_id, "",
      attachment, g_get_real_time () / 1000, NULL, outgoing_stored, g_object_ref (self));
  g_task_return_boolean (task, TRUE);
}

/**
 * mimp_account_send_image_async:
 * @data: the image, as a file holds it
 * @content_type: its type (image/png, image/jpeg, ...)
 *
 * Stores the image where @peer can fetch it (the account must be online,
 * and its type have MIMP_PROTOCOL_IMAGES), then sends it as a message:
 * `message-added` announces it, `message-updated` its delivery. The result
 * says whether the image could be stored; a failure to send it later shows
 * on the message, with Retry.
 */
void
mimp_account_send_image_async (MimpAccount *self, const char *peer, GBytes *data,
                               const char *content_type, GCancellable *cancellable,
                               GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr (GTask) task = NULL;

  g_return_if_fail (MIMP_IS_ACCOUNT (self));
  g_return_if_fail (peer != NULL && data != NULL && content_type != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, mimp_account_send_image_async);
  g_task_set_task_data (task, g_strdup (peer), g_free);
  if (self->session == NULL || self->status != MIMP_ACCOUNT_STATUS_ONLINE)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_CONNECTED,
                               _ ("The account is not connected: send the image when it is."));
      return;
    }
  mimp_protocol_session_upload_attachment_async (self->session, data, content_type, cancellable,
                                                 attachment_uploaded, g_steal_pointer (&task));
}

gboolean
mimp_account_send_image_finish (MimpAccount *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
bytes_loaded (GObject *source, GAsyncResult *result, gpointer data)
{
  g_autoptr (GTask) task = data;
  GError *error = NULL;
  GBytes *bytes;

  if (g_task_get_source_tag (task) == mimp_account_load_avatar_async)
    bytes =
        mimp_protocol_session_load_avatar_finish (MIMP_PROTOCOL_SESSION (source), result, &error);
  else
    bytes = mimp_protocol_session_load_attachment_finish (MIMP_PROTOCOL_SESSION (source), result,
                                                          &error);
  if (error != NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, bytes, (GDestroyNotify) g_bytes_unref);
}

static GTask *
session_task (MimpAccount *self, gpointer tag, GCancellable *cancellable,
              GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, tag);
  if (self->session == NULL)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_CONNECTED,
                               _ ("The account is not connected."));
      g_clear_object (&task);
    }
  return task;
}

/**
 * mimp_account_load_attachment_async:
 *
 * Fetches the image a message refers to (mimp_chat_message_get_attachment()).
 */
void
mimp_account_load_attachment_async (MimpAccount *self, const char *attachment,
                                    GCancellable *cancellable, GAsyncReadyCallback callback,
                                    gpointer user_data)
{
  GTask *task;

  g_return_if_fail (MIMP_IS_ACCOUNT (self));
  g_return_if_fail (attachment != NULL);
  if ((task = session_task (self, mimp_account_load_attachment_async, cancellable, callback,
                            user_data)) != NULL)
    mimp_protocol_session_load_attachment_async (self->session, attachment, cancellable,
                                                 bytes_loaded, task);
}

/**
 * mimp_account_load_avatar_async:
 *
 * Fetches @user's avatar; the result is %NULL without an error when they
 * have none.
 */
void
mimp_account_load_avatar_async (MimpAccount *self, const char *user, GCancellable *cancellable,
                                GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task;

  g_return_if_fail (MIMP_IS_ACCOUNT (self));
  g_return_if_fail (user != NULL);
  if ((task = session_task (self, mimp_account_load_avatar_async, cancellable, callback,
                            user_data)) != NULL)
    mimp_protocol_session_load_avatar_async (self->session, user, cancellable, bytes_loaded, task);
}

/**
 * mimp_account_load_bytes_finish:
 *
 * Finishes mimp_account_load_attachment_async() and
 * mimp_account_load_avatar_async().
 *
 * Returns: (transfer full) (nullable): the image's bytes
 */
GBytes *
mimp_account_load_bytes_finish (MimpAccount *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
own_avatar_set (GObject *source, GAsyncResult *result, gpointer data)
{
  g_autoptr (GTask) task = data;
  GError *error = NULL;

  if (mimp_protocol_session_set_own_avatar_finish (MIMP_PROTOCOL_SESSION (source), result, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

/**
 * mimp_account_set_own_avatar_async:
 *
 * Makes @data the user's avatar on the server, for account types with
 * MIMP_PROTOCOL_AVATARS; the account must be online.
 */
void
mimp_account_set_own_avatar_async (MimpAccount *self, GBytes *data, const char *content_type,
                                   GCancellable *cancellable, GAsyncReadyCallback callback,
                                   gpointer user_data)
{
  GTask *task;

  g_return_if_fail (MIMP_IS_ACCOUNT (self));
  g_return_if_fail (data != NULL && content_type != NULL);
  if ((task = session_task (self, mimp_account_set_own_avatar_async, cancellable, callback,
                            user_data)) != NULL)
    mimp_protocol_session_set_own_avatar_async (self->session, data, content_type, cancellable,
                                                own_avatar_set, task);
}

gboolean
mimp_account_set_own_avatar_finish (MimpAccount *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

/**
 * mimp_account_send:
 *
 * Stores the message as pending with a new client id, then queues it.
 * `message-added` announces it; `message-updated` its delivery.
 */
void
mimp_account_send (MimpAccount *self, const char *peer, const char *text)
{
  g_autofree char *client_id = NULL;

  g_return_if_fail (MIMP_IS_ACCOUNT (self));
  g_return_if_fail (self->history != NULL);
  g_return_if_fail (peer != NULL && text != NULL);

  client_id = g_uuid_string_random ();
  /* In a private chat a message only ever leaves encrypted. */
  mimp_history_add_outgoing_protected_async (
      self->history, self->id, mimp_protocol_get_id (self->protocol), peer, client_id, text,
      get_e2e (self) != NULL && g_strcmp0 (peer, self->user) != 0 &&
              mimp_account_get_chat_privacy (self, peer, MIMP_CHAT_PRIVACY_WAITING) !=
                  MIMP_CHAT_PRIVACY_NONE
          ? MIMP_MESSAGE_PROTECTION_ENCRYPTED
          : MIMP_MESSAGE_PROTECTION_NONE,
      g_get_real_time () / 1000, NULL, outgoing_stored, g_object_ref (self));
}

static void
retry_stored (GObject *source, GAsyncResult *result, gpointer data)
{
  g_autoptr (MimpAccount) self = data;
  g_autoptr (GError) error = NULL;
  g_autoptr (MimpChatMessage) row = NULL;

  row = mimp_history_set_state_finish (MIMP_HISTORY (source), result, &error);
  if (row == NULL)
    {
      g_warning ("Could not retry a message: %s", error->message);
      return;
    }
  announce_all (self);
  g_signal_emit (self, signals[MESSAGE_UPDATED], 0, row);
  queue_send (self, row);
}

/**
 * mimp_account_retry:
 *
 * Sends a failed message again, with the same client id.
 */
void
mimp_account_retry (MimpAccount *self, MimpChatMessage *message)
{
  g_return_if_fail (MIMP_IS_ACCOUNT (self));
  g_return_if_fail (MIMP_IS_CHAT_MESSAGE (message));
  g_return_if_fail (mimp_chat_message_get_client_id (message) != NULL);

  mimp_history_set_state_async (self->history, self->id, mimp_chat_message_get_client_id (message),
                                MIMP_MESSAGE_STATE_PENDING, NULL, NULL, NULL, retry_stored,
                                g_object_ref (self));
}

typedef struct
{
  MimpAccount *self;
  char *peer; /* only this peer's messages, or NULL for all */
} OutboxData;

static void
outbox_listed (GObject *source, GAsyncResult *result, gpointer data)
{
  OutboxData *od = data;
  g_autoptr (MimpAccount) self = od->self;
  g_autofree char *peer = od->peer;
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) rows = NULL;

  g_free (od);
  rows = mimp_history_list_outbox_finish (MIMP_HISTORY (source), result, &error);
  if (rows == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_warning ("Could not read the outbox: %s", error->message);
      return;
    }
  g_debug ("Account %s: %u messages waiting in the outbox", self->id, rows->len);
  for (guint i = 0; i < rows->len; i++)
    if ((peer == NULL || g_strcmp0 (mimp_chat_message_get_peer (rows->pdata[i]), peer) == 0) &&
        !g_hash_table_contains (self->queued, mimp_chat_message_get_client_id (rows->pdata[i])))
      queue_send (self, rows->pdata[i]);
}

/* Queues the stored messages waiting to be sent (to @peer only, unless
 * %NULL) that are not queued yet. */
static void
queue_outbox (MimpAccount *self, const char *peer)
{
  OutboxData *od = g_new0 (OutboxData, 1);

  od->self = g_object_ref (self);
  od->peer = g_strdup (peer);
  mimp_history_list_outbox_async (self->history, self->id, self->cancellable, outbox_listed, od);
}

/* The codec says that messages to @peer that waited (no keys yet, or a
 * changed key not yet accepted) may go now. */
static void
on_codec_ready (MimpAccount *self, const char *peer)
{
  if (self->started && self->history != NULL)
    queue_outbox (self, peer);
}

/* ------------------------------------------------------------------ */
/* What only some protocols have: passed on to the UI                 */
/* ------------------------------------------------------------------ */

static void
on_typing_changed (MimpAccount *self, const char *peer, MimpTypingState state)
{
  g_signal_emit (self, signals[TYPING_CHANGED], 0, peer, state);
}

static void
on_chat_requested (MimpAccount *self, const char *peer)
{
  g_signal_emit (self, signals[CHAT_REQUESTED], 0, peer);
}

static void
on_verification_asked (MimpAccount *self, const char *peer, const char *question)
{
  g_signal_emit (self, signals[VERIFICATION_ASKED], 0, peer, question);
}

static void
on_verification_finished (MimpAccount *self, const char *peer, gboolean matched,
                          const GError *error)
{
  g_signal_emit (self, signals[VERIFICATION_FINISHED], 0, peer, matched, error);
}

static void
on_members_changed (MimpAccount *self, const char *room, const char *name, gboolean joined)
{
  g_signal_emit (self, signals[MEMBERS_CHANGED], 0, room, name, joined);
}

/**
 * mimp_account_send_typing:
 *
 * Tells @peer whether the user is typing, where the protocol has typing
 * notifications; does nothing elsewhere or while offline.
 */
void
mimp_account_send_typing (MimpAccount *self, const char *peer, MimpTypingState state)
{
  g_return_if_fail (MIMP_IS_ACCOUNT (self));
  if (self->session == NULL || self->status != MIMP_ACCOUNT_STATUS_ONLINE ||
      !mimp_protocol_has (self->protocol, MIMP_PROTOCOL_TYPING))
    return;
  if (get_e2e (self) != NULL)
    mimp_e2e_codec_send_typing (get_e2e (self), peer, state);
  else
    mimp_protocol_session_send_typing (self->session, peer, state);
}

void
mimp_account_answer_chat_request (MimpAccount *self, const char *peer, gboolean accept)
{
  g_return_if_fail (MIMP_IS_ACCOUNT (self));
  if (self->session != NULL)
    mimp_protocol_session_answer_chat_request (self->session, peer, accept);
}

void
mimp_account_start_verification (MimpAccount *self, const char *peer, const char *question,
                                 const char *answer)
{
  g_return_if_fail (MIMP_IS_ACCOUNT (self));
  g_return_if_fail (mimp_protocol_has (self->protocol, MIMP_PROTOCOL_VERIFICATION));
  if (get_e2e (self) != NULL)
    mimp_e2e_codec_start_verification (get_e2e (self), peer, question, answer);
  else if (self->session != NULL)
    mimp_protocol_session_start_verification (self->session, peer, question, answer);
}

void
mimp_account_answer_verification (MimpAccount *self, const char *peer, const char *answer)
{
  g_return_if_fail (MIMP_IS_ACCOUNT (self));
  if (get_e2e (self) != NULL)
    mimp_e2e_codec_answer_verification (get_e2e (self), peer, answer);
  else if (self->session != NULL)
    mimp_protocol_session_answer_verification (self->session, peer, answer);
}

/* ------------------------------------------------------------------ */
/* Private chats                                                      */
/* ------------------------------------------------------------------ */

/**
 * mimp_account_get_e2e_locked:
 *
 * Returns: whether the keyring holding the key of the account's private
 *   chats is locked or unavailable (encrypted messages wait until it opens)
 */
gboolean
mimp_account_get_e2e_locked (MimpAccount *self)
{
  g_return_val_if_fail (MIMP_IS_ACCOUNT (self), FALSE);
  return self->e2e_locked;
}

static void
safety_number_made (GObject *source, GAsyncResult *result, gpointer data)
{
  g_autoptr (GTask) task = data;
  GError *error = NULL;
  char *number = mimp_e2e_codec_safety_number_finish (MIMP_E2E_CODEC (source), result, &error);

  if (number == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, number, g_free);
}

/**
 * mimp_account_e2e_safety_number_async:
 *
 * The safety number of the private chat with @peer: 12 groups of 5 digits
 * that both sides see alike, to compare by other means.
 */
void
mimp_account_e2e_safety_number_async (MimpAccount *self, const char *peer,
                                      GCancellable *cancellable, GAsyncReadyCallback callback,
                                      gpointer user_data)
{
  g_autoptr (GTask) task = NULL;

  g_return_if_fail (MIMP_IS_ACCOUNT (self));
  g_return_if_fail (peer != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, mimp_account_e2e_safety_number_async);
  if (get_e2e (self) == NULL)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                               _ ("This chat is not end-to-end encrypted."));
      return;
    }
  mimp_e2e_codec_safety_number_async (get_e2e (self), peer, cancellable, safety_number_made,
                                      g_steal_pointer (&task));
}

/**
 * mimp_account_e2e_safety_number_finish:
 *
 * Returns: (transfer full): the safety number
 */
char *
mimp_account_e2e_safety_number_finish (MimpAccount *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

/**
 * mimp_account_e2e_accept_key_change:
 *
 * The user saw that @peer's key changed and accepts the new one (not
 * verified): the messages that waited are sent.
 */
void
mimp_account_e2e_accept_key_change (MimpAccount *self, const char *peer)
{
  g_return_if_fail (MIMP_IS_ACCOUNT (self));
  g_return_if_fail (peer != NULL);
  if (get_e2e (self) != NULL)
    mimp_e2e_codec_accept_key_change (get_e2e (self), peer);
}

/**
 * mimp_account_e2e_set_verified:
 *
 * The user compared safety numbers with @peer by other means (or takes
 * that back).
 */
void
mimp_account_e2e_set_verified (MimpAccount *self, const char *peer, gboolean verified)
{
  g_return_if_fail (MIMP_IS_ACCOUNT (self));
  g_return_if_fail (peer != NULL);
  if (get_e2e (self) != NULL)
    mimp_e2e_codec_set_verified (get_e2e (self), peer, verified);
}

/**
 * mimp_account_e2e_request_resend:
 *
 * Asks @peer to send again what could not be decrypted (at most once a
 * minute).
 */
void
mimp_account_e2e_request_resend (MimpAccount *self, const char *peer)
{
  g_return_if_fail (MIMP_IS_ACCOUNT (self));
  g_return_if_fail (peer != NULL);
  if (get_e2e (self) != NULL)
    mimp_e2e_codec_request_resend (get_e2e (self), peer);
}

static void
pending_marked (GObject *source, GAsyncResult *result, gpointer data)
{
  g_autoptr (MimpAccount) self = data;
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) rows = NULL;

  rows = mimp_history_set_pending_protection_finish (MIMP_HISTORY (source), result, &error);
  if (rows == NULL)
    {
      if (!g_error_matches (error, MIMP_HISTORY_ERROR, MIMP_HISTORY_ERROR_CLOSED))
        g_warning ("Could not mark messages to send unencrypted: %s", error->message);
      return;
    }
  announce_all (self);
  for (guint i = 0; i < rows->len; i++)
    g_signal_emit (self, signals[MESSAGE_UPDATED], 0, rows->pdata[i]);
}

static void
privacy_stored (GObject *source, GAsyncResult *result, gpointer data)
{
  g_autoptr (GError) error = NULL;

  if (!mimp_history_update_finish (MIMP_HISTORY (source), result, &error) &&
      !g_error_matches (error, MIMP_HISTORY_ERROR, MIMP_HISTORY_ERROR_CLOSED))
    g_warning ("Could not record a chat's privacy: %s", error->message);
}

/* The codec learned something about a chat's privacy: passed on, and kept
 * in the history to show it before the keys are at hand next time. */
static void
on_privacy_changed (MimpAccount *self, const char *peer, MimpChatPrivacy privacy)
{
  if (self->history != NULL)
    mimp_history_set_chat_privacy_async (self->history, self->id, peer, privacy,
                                         privacy == MIMP_CHAT_PRIVACY_NONE &&
                                             mimp_e2e_codec_get_unencrypted (get_e2e (self), peer),
                                         NULL, privacy_stored, NULL);
  g_signal_emit (self, signals[PRIVACY_CHANGED], 0, peer, privacy);
}

static void
on_e2e_locked (MimpAccount *self)
{
  gboolean locked = mimp_e2e_codec_get_locked (get_e2e (self));

  if (self->e2e_locked == locked)
    return;
  self->e2e_locked = locked;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_E2E_LOCKED]);
}

/* A message the codec decoded outside a received batch: stored as one,
 * with nothing to acknowledge. */
static void
on_message_decoded (MimpAccount *self, MimpIncoming *incoming)
{
  g_autoptr (GPtrArray) messages =
      g_ptr_array_new_with_free_func ((GDestroyNotify) mimp_incoming_unref);

  if (self->history == NULL)
    return;
  g_ptr_array_add (messages, mimp_incoming_ref (incoming));
  store_batch (self, NULL, messages);
}

static void
on_verified_by_peer (MimpAccount *self, const char *peer)
{
  g_signal_emit (self, signals[VERIFIED_BY_PEER], 0, peer);
}

/**
 * mimp_account_e2e_send_unencrypted:
 *
 * The user chose, for the chat with @peer (who has no keys), to send
 * without end-to-end encryption: the waiting messages go unencrypted and
 * the chat says so (MIMP_CHAT_PRIVACY_NONE). Never done automatically.
 */
void
mimp_account_e2e_send_unencrypted (MimpAccount *self, const char *peer)
{
  g_return_if_fail (MIMP_IS_ACCOUNT (self));
  g_return_if_fail (peer != NULL);

  if (get_e2e (self) == NULL || self->history == NULL)
    return;
  /* The waiting messages say how they leave; then they go (the history
   * answers in order, so they are marked before they are listed). */
  mimp_history_set_pending_protection_async (self->history, self->id, peer,
                                             MIMP_MESSAGE_PROTECTION_NONE, NULL, pending_marked,
                                             g_object_ref (self));
  mimp_history_set_chat_privacy_async (self->history, self->id, peer, MIMP_CHAT_PRIVACY_NONE, TRUE,
                                       NULL, privacy_stored, NULL);
  mimp_e2e_codec_set_unencrypted (get_e2e (self), peer);
}

/**
 * mimp_account_e2e_forget:
 *
 * The account is removed with its history: the state of its private chats
 * and their storage key go too.
 */
void
mimp_account_e2e_forget (MimpAccount *self)
{
  g_return_if_fail (MIMP_IS_ACCOUNT (self));
  if (get_e2e (self) != NULL)
    mimp_e2e_codec_forget (get_e2e (self));
}

/**
 * mimp_account_get_chat_privacy:
 * @fallback: what to answer when the account knows nothing yet
 *
 * Returns: whether the chat with @peer is private, as far as the account's
 *   codec knows (now, or as the history kept it); `privacy-changed` says
 *   when it changes
 */
MimpChatPrivacy
mimp_account_get_chat_privacy (MimpAccount *self, const char *peer, MimpChatPrivacy fallback)
{
  MimpChatPrivacy privacy;

  g_return_val_if_fail (MIMP_IS_ACCOUNT (self), fallback);
  g_return_val_if_fail (peer != NULL, fallback);

  if (get_e2e (self) == NULL)
    return MIMP_CHAT_PRIVACY_NONE;
  if (mimp_e2e_codec_get_privacy (get_e2e (self), peer, &privacy))
    return privacy;
  return fallback;
}

/**
 * mimp_account_dup_members:
 *
 * Returns: (transfer full) (nullable): who is in @room now, as far as the
 *   account knows
 */
GStrv
mimp_account_dup_members (MimpAccount *self, const char *room)
{
  g_return_val_if_fail (MIMP_IS_ACCOUNT (self), NULL);
  return self->session ? mimp_protocol_session_list_members (self->session, room) : NULL;
}

/* ------------------------------------------------------------------ */
/* Lifecycle                                                          */
/* ------------------------------------------------------------------ */

static void
ensure_session (MimpAccount *self)
{
  if (self->session != NULL)
    return;

  self->session = mimp_protocol_create_session (self->protocol, self);
  g_signal_connect_object (self->session, "notify::state", G_CALLBACK (on_session_state), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->session, "notify::retry-time", G_CALLBACK (on_retry_time), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->session, "messages-received", G_CALLBACK (on_messages_received),
                           self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->session, "send-finished", G_CALLBACK (on_send_finished), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->session, "typing-changed", G_CALLBACK (on_typing_changed), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->session, "chat-requested", G_CALLBACK (on_chat_requested), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->session, "verification-asked", G_CALLBACK (on_verification_asked),
                           self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->session, "verification-finished",
                           G_CALLBACK (on_verification_finished), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->session, "members-changed", G_CALLBACK (on_members_changed), self,
                           G_CONNECT_SWAPPED);
  mimp_message_codec_attach (self->codec, self->session);
}

static void
connect_with_password (MimpAccount *self)
{
  ensure_session (self);
  mimp_protocol_session_set_password (self->session, self->password);
  /* Starts it, or connects again at once with the new password. */
  mimp_protocol_session_reconnect_now (self->session);
  sync_status_from_session (self);
}

static void
password_looked_up (GObject *source, GAsyncResult *result, gpointer data)
{
  g_autoptr (MimpAccount) self = data;
  g_autoptr (GError) error = NULL;
  char *password;

  password = mimp_secret_store_lookup_finish (MIMP_SECRET_STORE (source), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) || !self->started)
    {
      mimp_secret_password_free (password);
      return;
    }
  if (password != NULL)
    {
      mimp_secret_password_free (self->password);
      self->password = password;
      self->session_only = FALSE;
      connect_with_password (self);
      return;
    }
  if (error != NULL)
    {
      g_autofree char *reason = mimp_describe_error (error);
      g_autofree char *message =
          g_strdup_printf (_ ("%s Enter the password to use it for this session only."), reason);
      set_status (self, MIMP_ACCOUNT_STATUS_NEEDS_PASSWORD, message);
    }
  else
    set_status (self, MIMP_ACCOUNT_STATUS_NEEDS_PASSWORD, _ ("No password is saved."));
}

/**
 * mimp_account_start:
 *
 * Queues the stored outbox again, finds the password (memory, then the
 * keyring) and connects. Does nothing for a disabled account.
 */
void
mimp_account_start (MimpAccount *self)
{
  g_return_if_fail (MIMP_IS_ACCOUNT (self));
  g_return_if_fail (self->history != NULL && self->secrets != NULL);

  if (!self->enabled)
    {
      set_status (self, MIMP_ACCOUNT_STATUS_DISABLED, NULL);
      return;
    }
  if (self->started)
    return;
  self->started = TRUE;

  ensure_session (self);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  queue_outbox (self, NULL);

  if (self->password != NULL || !mimp_protocol_has (self->protocol, MIMP_PROTOCOL_PASSWORD))
    {
      connect_with_password (self);
      return;
    }
  set_status (self, MIMP_ACCOUNT_STATUS_CONNECTING, NULL);
  mimp_secret_store_lookup_async (self->secrets, mimp_protocol_get_id (self->protocol), self->host,
                                  self->port, self->user, self->cancellable, password_looked_up,
                                  g_object_ref (self));
}

void
mimp_account_stop (MimpAccount *self)
{
  g_return_if_fail (MIMP_IS_ACCOUNT (self));

  self->started = FALSE;
  g_cancellable_cancel (self->cancellable);
  g_clear_handle_id (&self->store_retry_id, g_source_remove);
  g_clear_pointer (&self->unstored, g_ptr_array_unref);
  g_clear_pointer (&self->unstored_decoded, g_ptr_array_unref);
  if (self->session != NULL)
    mimp_protocol_session_stop (self->session);
  g_hash_table_remove_all (self->queued);
  g_hash_table_remove_all (self->parts);
  g_hash_table_remove_all (self->part_of);
  set_status (self, self->enabled ? MIMP_ACCOUNT_STATUS_OFFLINE : MIMP_ACCOUNT_STATUS_DISABLED,
              NULL);
}

void
mimp_account_reconnect (MimpAccount *self)
{
  g_return_if_fail (MIMP_IS_ACCOUNT (self));

  if (!self->started)
    mimp_account_start (self);
  else if (self->session != NULL &&
           (self->password != NULL || !mimp_protocol_has (self->protocol, MIMP_PROTOCOL_PASSWORD)))
    mimp_protocol_session_reconnect_now (self->session);
}

/**
 * mimp_account_use_password:
 * @session_only: %TRUE when the password is kept in memory only (the
 *   keyring being unavailable or declined)
 *
 * Connects with @password. Storing it in the keyring is the caller's job.
 */
void
mimp_account_use_password (MimpAccount *self, const char *password, gboolean session_only)
{
  g_return_if_fail (MIMP_IS_ACCOUNT (self));
  g_return_if_fail (password != NULL);

  mimp_secret_password_free (self->password);
  self->password = g_strdup (password);
  self->session_only = !!session_only;
  if (!self->enabled || self->history == NULL)
    return; /* kept for when it starts */
  if (!self->started)
    {
      mimp_account_start (self);
      return;
    }
  connect_with_password (self);
}

void
mimp_account_set_password_is_session_only (MimpAccount *self, gboolean session_only)
{
  g_return_if_fail (MIMP_IS_ACCOUNT (self));
  self->session_only = !!session_only;
}

gboolean
mimp_account_get_password_is_session_only (MimpAccount *self)
{
  g_return_val_if_fail (MIMP_IS_ACCOUNT (self), FALSE);
  return self->session_only;
}

char *
mimp_account_dup_peer_fingerprint (MimpAccount *self)
{
  g_return_val_if_fail (MIMP_IS_ACCOUNT (self), NULL);

  if (self->session == NULL)
    return NULL;
  return mimp_protocol_session_dup_peer_fingerprint (self->session);
}

/**
 * mimp_account_trust_certificate:
 *
 * Pins the certificate the server showed and connects again.
 */
void
mimp_account_trust_certificate (MimpAccount *self)
{
  g_autofree char *fingerprint = NULL;

  g_return_if_fail (MIMP_IS_ACCOUNT (self));

  fingerprint = mimp_account_dup_peer_fingerprint (self);
  if (fingerprint == NULL)
    return;
  mimp_account_set_fingerprint (self, fingerprint);
  if (self->session != NULL)
    mimp_protocol_session_reconnect_now (self->session);
}

/* ------------------------------------------------------------------ */
/* Object                                                             */
/* ------------------------------------------------------------------ */

static void on_password_found (MimpAccount *self, const char *protocol, const char *server,
                               guint port, const char *user, const char *password);

static void
mimp_account_dispose (GObject *object)
{
  MimpAccount *self = (MimpAccount *) object;

  if (self->session != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->session, self);
      mimp_protocol_session_stop (self->session);
    }
  if (self->codec != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->codec, self);
      mimp_message_codec_attach (self->codec, NULL);
    }
  g_clear_object (&self->session);
  g_clear_object (&self->codec);
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_handle_id (&self->store_retry_id, g_source_remove);
  g_clear_pointer (&self->unstored, g_ptr_array_unref);
  g_clear_pointer (&self->unstored_decoded, g_ptr_array_unref);
  g_clear_handle_id (&self->announce_id, g_source_remove);
  g_queue_clear_full (&self->unannounced, g_object_unref);
  g_clear_object (&self->history);
  if (self->secrets != NULL)
    g_signal_handlers_disconnect_by_func (self->secrets, on_password_found, self);
  g_clear_object (&self->secrets);

  G_OBJECT_CLASS (mimp_account_parent_class)->dispose (object);
}

static void
mimp_account_finalize (GObject *object)
{
  MimpAccount *self = (MimpAccount *) object;

  g_free (self->id);
  g_clear_object (&self->protocol);
  g_free (self->host);
  g_free (self->user);
  g_free (self->fingerprint);
  g_free (self->status_message);
  mimp_secret_password_free (self->password);
  g_hash_table_unref (self->queued);
  g_hash_table_unref (self->parts);
  g_hash_table_unref (self->part_of);
  g_hash_table_unref (self->options);

  G_OBJECT_CLASS (mimp_account_parent_class)->finalize (object);
}

static void
mimp_account_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  MimpAccount *self = MIMP_ACCOUNT (object);

  switch (prop_id)
    {
    case PROP_ID:
      g_value_set_string (value, self->id);
      break;
    case PROP_DISPLAY_NAME:
      g_value_take_string (value, mimp_account_dup_display_name (self));
      break;
    case PROP_ENABLED:
      g_value_set_boolean (value, self->enabled);
      break;
    case PROP_FINGERPRINT:
      g_value_set_string (value, self->fingerprint);
      break;
    case PROP_STATUS:
      g_value_set_enum (value, self->status);
      break;
    case PROP_STATUS_MESSAGE:
      g_value_set_string (value, self->status_message);
      break;
    case PROP_RETRY_TIME:
      g_value_set_int64 (value, mimp_account_get_retry_time (self));
      break;
    case PROP_E2E_LOCKED:
      g_value_set_boolean (value, self->e2e_locked);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
mimp_account_set_property (GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  MimpAccount *self = MIMP_ACCOUNT (object);

  switch (prop_id)
    {
    case PROP_ENABLED:
      mimp_account_set_enabled (self, g_value_get_boolean (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
mimp_account_class_init (MimpAccountClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = mimp_account_dispose;
  object_class->finalize = mimp_account_finalize;
  object_class->get_property = mimp_account_get_property;
  object_class->set_property = mimp_account_set_property;

  properties[PROP_ID] =
      g_param_spec_string ("id", NULL, NULL, NULL, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_DISPLAY_NAME] = g_param_spec_string ("display-name", NULL, NULL, NULL,
                                                       G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_ENABLED] =
      g_param_spec_boolean ("enabled", NULL, NULL, TRUE,
                            G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_FINGERPRINT] =
      g_param_spec_string ("fingerprint", NULL, NULL, NULL,
                           G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_STATUS] = g_param_spec_enum (
      "status", NULL, NULL, MIMP_TYPE_ACCOUNT_STATUS, MIMP_ACCOUNT_STATUS_OFFLINE,
      G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_STATUS_MESSAGE] =
      g_param_spec_string ("status-message", NULL, NULL, NULL,
                           G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_RETRY_TIME] =
      g_param_spec_int64 ("retry-time", NULL, NULL, 0, G_MAXINT64, 0,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /* Private chats: the key that opens their state is in the keyring, which
   * is locked or unavailable; encrypted messages wait (unacknowledged, on
   * the server) until it can be read: "unlock your keyring". */
  properties[PROP_E2E_LOCKED] =
      g_param_spec_boolean ("e2e-locked", NULL, NULL, FALSE,
                            G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * MimpAccount::message-added:
   * @message: a message now stored: received (new, never a duplicate) or
   *   about to be sent (pending)
   */
  signals[MESSAGE_ADDED] =
      g_signal_new ("message-added", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                    NULL, G_TYPE_NONE, 1, MIMP_TYPE_CHAT_MESSAGE);
  /**
   * MimpAccount::message-updated:
   * @message: a fresh copy of a stored outgoing message whose delivery
   *   state changed
   */
  signals[MESSAGE_UPDATED] =
      g_signal_new ("message-updated", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                    NULL, G_TYPE_NONE, 1, MIMP_TYPE_CHAT_MESSAGE);
  /* The session's signals for what only some protocols have, passed on
   * (mimp-protocol-session.h). */
  signals[TYPING_CHANGED] =
      g_signal_new ("typing-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                    NULL, G_TYPE_NONE, 2, G_TYPE_STRING, MIMP_TYPE_TYPING_STATE);
  signals[CHAT_REQUESTED] =
      g_signal_new ("chat-requested", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                    NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
  signals[VERIFICATION_ASKED] =
      g_signal_new ("verification-asked", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
                    NULL, NULL, G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_STRING);
  signals[VERIFICATION_FINISHED] =
      g_signal_new ("verification-finished", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
                    NULL, NULL, G_TYPE_NONE, 3, G_TYPE_STRING, G_TYPE_BOOLEAN, G_TYPE_POINTER);
  signals[MEMBERS_CHANGED] =
      g_signal_new ("members-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                    NULL, G_TYPE_NONE, 3, G_TYPE_STRING, G_TYPE_STRING, G_TYPE_BOOLEAN);
  /**
   * MimpAccount::verified-by-peer:
   * @peer: who verified us
   *
   * In a private chat, the peer's verification run succeeded on their
   * side: they now trust our key (a question we answered, or a shared
   * secret). `verification-finished` tells what it did on ours ("Alice
   * verified you. Verify Alice too?").
   */
  signals[VERIFIED_BY_PEER] =
      g_signal_new ("verified-by-peer", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                    NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
  /**
   * MimpAccount::privacy-changed:
   * @peer: whose chat
   * @privacy: the chat's #MimpChatPrivacy now
   */
  signals[PRIVACY_CHANGED] =
      g_signal_new ("privacy-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                    NULL, G_TYPE_NONE, 2, G_TYPE_STRING, MIMP_TYPE_CHAT_PRIVACY);
}

static void
mimp_account_init (MimpAccount *self)
{
  self->enabled = TRUE;
  self->status = MIMP_ACCOUNT_STATUS_OFFLINE;
  self->queued = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->parts =
      g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) parts_free);
  self->part_of = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->options = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
}

/**
 * mimp_account_new:
 * @protocol: the account type, registered (mimp_protocol_find())
 * @id: (nullable): the account's id, or %NULL for a new one
 * @use_tls: connect with TLS, for protocols that offer it
 *
 * Returns: the account, not started
 */
MimpAccount *
mimp_account_new (MimpProtocol *protocol, const char *id, const char *host, guint16 port,
                  const char *user, gboolean use_tls)
{
  MimpAccount *self;
  char *normalized = NULL;

  g_return_val_if_fail (MIMP_IS_PROTOCOL (protocol), NULL);
  g_return_val_if_fail (host != NULL && user != NULL, NULL);

  self = g_object_new (MIMP_TYPE_ACCOUNT, NULL);
  self->id = id ? g_strdup (id) : g_uuid_string_random ();
  self->protocol = g_object_ref (protocol);
  self->host = g_strdup (host);
  self->port = port;
  /* Names are kept as the protocol compares them. */
  self->user = mimp_protocol_normalize_peer (protocol, user, &normalized, NULL) ? normalized
                                                                                : g_strdup (user);
  self->use_tls = use_tls && mimp_protocol_has (protocol, MIMP_PROTOCOL_TLS);
  self->codec = mimp_protocol_create_codec (protocol, self);
  g_signal_connect_object (self->codec, "ready", G_CALLBACK (on_codec_ready), self,
                           G_CONNECT_SWAPPED);
  if (get_e2e (self) != NULL)
    {
      g_signal_connect_object (self->codec, "privacy-changed", G_CALLBACK (on_privacy_changed),
                               self, G_CONNECT_SWAPPED);
      g_signal_connect_object (self->codec, "notify::locked", G_CALLBACK (on_e2e_locked), self,
                               G_CONNECT_SWAPPED);
      g_signal_connect_object (self->codec, "typing-changed", G_CALLBACK (on_typing_changed), self,
                               G_CONNECT_SWAPPED);
      g_signal_connect_object (self->codec, "verification-asked",
                               G_CALLBACK (on_verification_asked), self, G_CONNECT_SWAPPED);
      g_signal_connect_object (self->codec, "verification-finished",
                               G_CALLBACK (on_verification_finished), self, G_CONNECT_SWAPPED);
      g_signal_connect_object (self->codec, "verified-by-peer", G_CALLBACK (on_verified_by_peer),
                               self, G_CONNECT_SWAPPED);
      g_signal_connect_object (self->codec, "message-decoded", G_CALLBACK (on_message_decoded),
                               self, G_CONNECT_SWAPPED);
    }
  return self;
}

/**
 * mimp_account_get_option:
 * @key: one of the account type's options (mimp_protocol_get_options())
 *
 * Returns: the option's value: the one set, or the option's default
 */
const char *
mimp_account_get_option (MimpAccount *self, const char *key)
{
  const MimpProtocolOption *option;
  const char *value;

  g_return_val_if_fail (MIMP_IS_ACCOUNT (self), NULL);

  option = mimp_protocol_find_option (self->protocol, key);
  g_return_val_if_fail (option != NULL, NULL);
  value = g_hash_table_lookup (self->options, key);
  return value ? value : option->values[0];
}

/**
 * mimp_account_set_option:
 *
 * Sets one of the account type's options; a value the option does not
 * offer is refused (returns %FALSE). Takes effect at the next connection.
 */
gboolean
mimp_account_set_option (MimpAccount *self, const char *key, const char *value)
{
  const MimpProtocolOption *option;

  g_return_val_if_fail (MIMP_IS_ACCOUNT (self), FALSE);
  g_return_val_if_fail (key != NULL && value != NULL, FALSE);

  option = mimp_protocol_find_option (self->protocol, key);
  if (option == NULL || !g_strv_contains ((const char *const *) option->values, value))
    return FALSE;
  g_hash_table_insert (self->options, g_strdup (key), g_strdup (value));
  return TRUE;
}

MimpProtocol *
mimp_account_get_protocol (MimpAccount *self)
{
  g_return_val_if_fail (MIMP_IS_ACCOUNT (self), NULL);
  return self->protocol;
}

/* The keyring answered our lookup after its timeout (the account then
 * said it needs a password): use it now, unless one was typed meanwhile. */
static void
on_password_found (MimpAccount *self, const char *protocol, const char *server, guint port,
                   const char *user, const char *password)
{
  if (!self->started || self->password != NULL ||
      g_strcmp0 (protocol, mimp_protocol_get_id (self->protocol)) != 0 ||
      g_strcmp0 (server, self->host) != 0 || port != self->port ||
      g_strcmp0 (user, self->user) != 0)
    return;
  g_debug ("The keyring answered late: connecting");
  self->password = g_strdup (password);
  self->session_only = FALSE;
  connect_with_password (self);
}

void
mimp_account_set_services (MimpAccount *self, MimpHistory *history, MimpSecretStore *secrets)
{
  g_return_if_fail (MIMP_IS_ACCOUNT (self));
  g_set_object (&self->history, history);
  if (self->secrets != secrets && self->secrets != NULL)
    g_signal_handlers_disconnect_by_func (self->secrets, on_password_found, self);
  if (g_set_object (&self->secrets, secrets) && secrets != NULL)
    g_signal_connect_object (secrets, "password-found", G_CALLBACK (on_password_found), self,
                             G_CONNECT_SWAPPED);
}

MimpHistory *
mimp_account_get_history (MimpAccount *self)
{
  g_return_val_if_fail (MIMP_IS_ACCOUNT (self), NULL);
  return self->history;
}

MimpSecretStore *
mimp_account_get_secrets (MimpAccount *self)
{
  g_return_val_if_fail (MIMP_IS_ACCOUNT (self), NULL);
  return self->secrets;
}

const char *
mimp_account_get_id (MimpAccount *self)
{
  g_return_val_if_fail (MIMP_IS_ACCOUNT (self), NULL);
  return self->id;
}

const char *
mimp_account_get_host (MimpAccount *self)
{
  g_return_val_if_fail (MIMP_IS_ACCOUNT (self), NULL);
  return self->host;
}

guint16
mimp_account_get_port (MimpAccount *self)
{
  g_return_val_if_fail (MIMP_IS_ACCOUNT (self), 0);
  return self->port;
}

const char *
mimp_account_get_user (MimpAccount *self)
{
  g_return_val_if_fail (MIMP_IS_ACCOUNT (self), NULL);
  return self->user;
}

gboolean
mimp_account_get_use_tls (MimpAccount *self)
{
  g_return_val_if_fail (MIMP_IS_ACCOUNT (self), FALSE);
  return self->use_tls;
}

char *
mimp_account_dup_display_name (MimpAccount *self)
{
  guint16 default_port;

  g_return_val_if_fail (MIMP_IS_ACCOUNT (self), NULL);

  default_port = mimp_protocol_get_default_port (self->protocol, self->use_tls);
  if (self->port == default_port)
    return g_strdup_printf ("%s@%s", self->user, self->host);
  return g_strdup_printf ("%s@%s:%u", self->user, self->host, self->port);
}

gboolean
mimp_account_get_enabled (MimpAccount *self)
{
  g_return_val_if_fail (MIMP_IS_ACCOUNT (self), FALSE);
  return self->enabled;
}

void
mimp_account_set_enabled (MimpAccount *self, gboolean enabled)
{
  g_return_if_fail (MIMP_IS_ACCOUNT (self));

  enabled = !!enabled;
  if (self->enabled == (guint) enabled)
    return;
  self->enabled = enabled;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ENABLED]);

  if (self->history == NULL)
    return;
  if (enabled)
    mimp_account_start (self);
  else
    mimp_account_stop (self);
}

const char *
mimp_account_get_fingerprint (MimpAccount *self)
{
  g_return_val_if_fail (MIMP_IS_ACCOUNT (self), NULL);
  return self->fingerprint;
}

void
mimp_account_set_fingerprint (MimpAccount *self, const char *fingerprint)
{
  g_return_if_fail (MIMP_IS_ACCOUNT (self));

  if (g_strcmp0 (self->fingerprint, fingerprint) == 0)
    return;
  g_free (self->fingerprint);
  self->fingerprint = g_strdup (fingerprint);
  if (self->session != NULL)
    mimp_protocol_session_set_accepted_certificate (self->session, fingerprint);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FINGERPRINT]);
}

MimpAccountStatus
mimp_account_get_status (MimpAccount *self)
{
  g_return_val_if_fail (MIMP_IS_ACCOUNT (self), MIMP_ACCOUNT_STATUS_OFFLINE);
  return self->status;
}

const char *
mimp_account_get_status_message (MimpAccount *self)
{
  g_return_val_if_fail (MIMP_IS_ACCOUNT (self), NULL);
  return self->status_message;
}

gint64
mimp_account_get_retry_time (MimpAccount *self)
{
  g_return_val_if_fail (MIMP_IS_ACCOUNT (self), 0);
  return self->session ? mimp_protocol_session_get_retry_time (self->session) : 0;
}

static void
flush_ack_done (GObject *source, GAsyncResult *result, gpointer data)
{
  g_autoptr (GTask) task = data;
  GError *error = NULL;

  if (mimp_protocol_session_flush_ack_finish (MIMP_PROTOCOL_SESSION (source), result, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

/**
 * mimp_account_flush_ack_async:
 *
 * Tells the server now which received messages are stored, so that they
 * are not delivered again after the app quits. Succeeds at once when the
 * account is not online (there is nothing it could tell).
 */
void
mimp_account_flush_ack_async (MimpAccount *self, GCancellable *cancellable,
                              GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr (GTask) task = NULL;

  g_return_if_fail (MIMP_IS_ACCOUNT (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, mimp_account_flush_ack_async);
  if (self->session == NULL || self->status != MIMP_ACCOUNT_STATUS_ONLINE)
    {
      g_task_return_boolean (task, TRUE);
      return;
    }
  mimp_protocol_session_flush_ack_async (self->session, cancellable, flush_ack_done,
                                         g_steal_pointer (&task));
}

gboolean
mimp_account_flush_ack_finish (MimpAccount *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* ------------------------------------------------------------------ */
/* Editing                                                            */
/* ------------------------------------------------------------------ */

typedef struct
{
  MimpAccount *self;
  char *old_host;
  guint16 old_port;
  char *old_user;
  char *password;
  gboolean restart;
} MoveData;

static void
move_data_free (MoveData *md)
{
  g_object_unref (md->self);
  g_free (md->old_host);
  g_free (md->old_user);
  mimp_secret_password_free (md->password);
  g_free (md);
}

static void
old_password_cleared (GObject *source, GAsyncResult *result, gpointer data)
{
  g_autoptr (GError) error = NULL;

  if (!mimp_secret_store_clear_finish (MIMP_SECRET_STORE (source), result, &error))
    g_message ("Could not remove the old password from the keyring: %s", error->message);
}

static void
new_password_stored (GObject *source, GAsyncResult *result, gpointer data)
{
  MoveData *md = data;
  g_autoptr (GError) error = NULL;

  if (mimp_secret_store_store_finish (MIMP_SECRET_STORE (source), result, &error))
    /* Only once the new one is safe: the old one goes. */
    mimp_secret_store_clear_async (md->self->secrets, mimp_protocol_get_id (md->self->protocol),
                                   md->old_host, md->old_port, md->old_user, NULL,
                                   old_password_cleared, NULL);
  else
    {
      g_message ("Could not move a password in the keyring: %s", error->message);
      md->self->session_only = TRUE;
    }
  move_data_free (md);
}

static void
move_password (MoveData *md)
{
  MimpAccount *self = md->self;

  if (md->password != NULL && self->password == NULL)
    {
      self->password = g_strdup (md->password);
      self->session_only = FALSE;
    }
  if (md->restart)
    mimp_account_start (self);
  if (md->password == NULL)
    {
      move_data_free (md);
      return;
    }
  mimp_secret_store_store_async (self->secrets, mimp_protocol_get_id (self->protocol), self->host,
                                 self->port, self->user, md->password, NULL, new_password_stored,
                                 md);
}

static void
old_password_looked_up (GObject *source, GAsyncResult *result, gpointer data)
{
  MoveData *md = data;
  g_autoptr (GError) error = NULL;

  md->password = mimp_secret_store_lookup_finish (MIMP_SECRET_STORE (source), result, &error);
  if (error != NULL)
    g_message ("Could not read a password to move it: %s", error->message);
  move_password (md);
}

/**
 * mimp_account_change_server:
 *
 * Edits where and as whom the account connects, and the type's own
 * settings in @options (key to value; %NULL to keep them). Its chats and
 * history stay with it; its password moves in the keyring to the new server,
 * port and user (a password kept for this session only stays in memory);
 * a trusted certificate is forgotten when the server changes. The account
 * reconnects if it was enabled.
 */
void
mimp_account_change_server (MimpAccount *self, const char *host, guint16 port, const char *user,
                            gboolean use_tls, GHashTable *options)
{
  MoveData *md;
  gboolean key_changed;
  gboolean server_changed;
  gboolean options_changed = FALSE;
  GHashTableIter iter;
  gpointer key;
  gpointer value;

  g_return_if_fail (MIMP_IS_ACCOUNT (self));
  g_return_if_fail (host != NULL && user != NULL && port != 0);

  server_changed =
      g_strcmp0 (self->host, host) != 0 || self->port != port || self->use_tls != !!use_tls;
  key_changed =
      g_strcmp0 (self->host, host) != 0 || self->port != port || g_strcmp0 (self->user, user) != 0;
  if (options != NULL)
    {
      g_hash_table_iter_init (&iter, options);
      while (g_hash_table_iter_next (&iter, &key, &value))
        options_changed |= g_strcmp0 (mimp_account_get_option (self, key), value) != 0;
    }
  if (!server_changed && !key_changed && !options_changed)
    return;

  md = g_new0 (MoveData, 1);
  md->self = g_object_ref (self);
  md->old_host = g_strdup (self->host);
  md->old_port = self->port;
  md->old_user = g_strdup (self->user);
  md->restart = self->enabled;

  /* The session was made for the old server and user. */
  mimp_account_stop (self);
  if (self->session != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->session, self);
      mimp_message_codec_attach (self->codec, NULL);
      g_clear_object (&self->session);
    }

  g_free (self->host);
  self->host = g_strdup (host);
  self->port = port;
  g_free (self->user);
  self->user = g_strdup (user);
  self->use_tls = use_tls && mimp_protocol_has (self->protocol, MIMP_PROTOCOL_TLS);
  if (options != NULL)
    {
      g_hash_table_iter_init (&iter, options);
      while (g_hash_table_iter_next (&iter, &key, &value))
        mimp_account_set_option (self, key, value);
    }
  if (server_changed)
    mimp_account_set_fingerprint (self, NULL);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DISPLAY_NAME]);

  /* No password to move for the types that have none. */
  if (!key_changed || self->secrets == NULL ||
      !mimp_protocol_has (self->protocol, MIMP_PROTOCOL_PASSWORD))
    {
      if (md->restart)
        mimp_account_start (self);
      move_data_free (md);
      return;
    }
  if (self->password != NULL)
    {
      if (!self->session_only)
        md->password = g_strdup (self->password);
      move_password (md);
      return;
    }
  mimp_secret_store_lookup_async (self->secrets, mimp_protocol_get_id (self->protocol),
                                  md->old_host, md->old_port, md->old_user, NULL,
                                  old_password_looked_up, md);
}
