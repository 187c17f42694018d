/* mimp-miricat-session.c - a MimpProtocolSession over libmiricat's
 * MiricatClient
 *
 * A Miricat server is one room: the account's one group chat, whose peer
 * is the server's host name (mimp_miricat_room_for_host()). Messages come
 * with their sender; others coming and going become "joined"/"left" lines
 * of that chat and members-changed. The library does not reconnect, so we
 * do, with a new client each time (both servers want a new connection
 * after a failed login), waiting 1, 2, 4 ... 60 s with jitter between
 * tries. A refused password stops until the user gives another.
 *
 * Servers keep nothing for us and acknowledge nothing: "sent" means written
 * to the socket, acknowledge() has nothing to do, and our own messages come
 * back to us like everyone else's. We drop those echoes here by matching
 * them to what we sent recently (there are no message ids), so that each
 * sent message shows once.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "mimp-protocol"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "mimp-miricat-protocol.h"

/* How long, and how many, sent messages wait for their echo. */
#define ECHO_LIFETIME_US (5 * 60 * G_USEC_PER_SEC)
#define ECHO_MAX 256
/* What an echo of an image is remembered as (a text never starts with NUL). */
#define IMAGE_ECHO_PREFIX "\001image:"

typedef struct
{
  char *local_id;
  char *text;
  gint64 sent_at; /* monotonic µs */
} Echo;

struct _MimpMiricatSession
{
  GObject parent_instance;

  char *host;
  guint16 port;
  MiricatDialect dialect;
  char *user;
  char *room;
  char *password;

  MiricatClient *client;
  MimpProtocolSessionState state;
  GError *error;
  gint64 retry_time; /* monotonic µs, or 0 */
  guint retry_id;
  guint attempts;
  gboolean announced; /* our own "joined" line is in the room's chat */
  GQueue echoes;      /* of Echo, oldest first */
};

static void mimp_miricat_session_iface_init (MimpProtocolSessionInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (MimpMiricatSession, mimp_miricat_session, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (MIMP_TYPE_PROTOCOL_SESSION,
                                                      mimp_miricat_session_iface_init))

static void start_client (MimpMiricatSession *self);

static void
echo_free (Echo *echo)
{
  g_free (echo->local_id);
  g_free (echo->text);
  g_free (echo);
}

/* ------------------------------------------------------------------ */
/* Closing clients                                                    */
/* ------------------------------------------------------------------ */

static gboolean
unref_idle (gpointer data)
{
  g_object_unref (data);
  return G_SOURCE_REMOVE;
}

static void
on_closing_state (MiricatClient *client)
{
  if (miricat_client_get_state (client) == MIRICAT_STATE_CONNECTING ||
      miricat_client_get_state (client) == MIRICAT_STATE_ONLINE)
    return;
  g_signal_handlers_disconnect_by_func (client, on_closing_state, NULL);
  /* Not from inside the client's own signal. */
  g_idle_add (unref_idle, client);
}

/**
 * mimp_miricat_client_close:
 * @client: (transfer full)
 *
 * Disconnects @client (javacat hears that we leave the room) and keeps it
 * until the connection is closed, as the library asks.
 */
void
mimp_miricat_client_close (MiricatClient *client)
{
  miricat_client_disconnect (client);
  if (miricat_client_get_state (client) == MIRICAT_STATE_CONNECTING ||
      miricat_client_get_state (client) == MIRICAT_STATE_ONLINE)
    g_signal_connect (client, "notify::state", G_CALLBACK (on_closing_state), NULL);
  else
    g_idle_add (unref_idle, client);
}

/* ------------------------------------------------------------------ */
/* State                                                              */
/* ------------------------------------------------------------------ */

static void
set_state (MimpMiricatSession *self, MimpProtocolSessionState state)
{
  if (self->state == state)
    return;
  self->state = state;
  g_object_notify (G_OBJECT (self), "state");
}

static void
set_retry_time (MimpMiricatSession *self, gint64 retry_time)
{
  if (self->retry_time == retry_time)
    return;
  self->retry_time = retry_time;
  g_object_notify (G_OBJECT (self), "retry-time");
}

static void
drop_client (MimpMiricatSession *self)
{
  if (self->client == NULL)
    return;
  g_signal_handlers_disconnect_by_data (self->client, self);
  mimp_miricat_client_close (g_steal_pointer (&self->client));
}

static gboolean
retry_cb (gpointer data)
{
  MimpMiricatSession *self = data;

  self->retry_id = 0;
  start_client (self);
  return G_SOURCE_REMOVE;
}

static void
schedule_retry (MimpMiricatSession *self)
{
  guint delay_ms = mimp_protocol_session_backoff_ms (self->attempts);

  self->attempts++;
  g_clear_handle_id (&self->retry_id, g_source_remove);
  self->retry_id = g_timeout_add (delay_ms, retry_cb, self);
  set_retry_time (self, g_get_monotonic_time () + (gint64) delay_ms * 1000);
  set_state (self, MIMP_PROTOCOL_SESSION_STATE_WAITING);
}

static void
emit_members_changed (MimpMiricatSession *self, const char *name, gboolean joined)
{
  mimp_protocol_session_emit_members_changed (MIMP_PROTOCOL_SESSION (self), self->room, name,
                                              joined);
}

static void
emit_one (MimpMiricatSession *self, MimpIncoming *incoming)
{
  g_autoptr (GPtrArray) array =
      g_ptr_array_new_with_free_func ((GDestroyNotify) mimp_incoming_unref);

  g_ptr_array_add (array, incoming);
  mimp_protocol_session_emit_messages_received (MIMP_PROTOCOL_SESSION (self), array);
}

static void
on_client_state (MimpMiricatSession *self)
{
  const GError *error;

  switch (miricat_client_get_state (self->client))
    {
    case MIRICAT_STATE_CONNECTING:
      set_state (self, MIMP_PROTOCOL_SESSION_STATE_CONNECTING);
      break;
    case MIRICAT_STATE_ONLINE:
      self->attempts = 0;
      g_clear_error (&self->error);
      set_retry_time (self, 0);
      set_state (self, MIMP_PROTOCOL_SESSION_STATE_ONLINE);
      /* The room's chat starts with us coming in, once per run: that is
       * also what makes the chat appear before anyone says anything. */
      if (!self->announced)
        {
          self->announced = TRUE;
          emit_one (self, mimp_incoming_new_event (self->room, self->user, MIMP_MESSAGE_KIND_JOINED,
                                                   g_get_real_time () / 1000));
        }
      emit_members_changed (self, self->user, TRUE);
      break;
    case MIRICAT_STATE_FAILED:
    case MIRICAT_STATE_DISCONNECTED:
    default:
      error = miricat_client_get_error (self->client);
      g_clear_error (&self->error);
      self->error = error != NULL ? g_error_copy (error)
                                  : g_error_new_literal (MIRICAT_ERROR, MIRICAT_ERROR_CLOSED,
                                                         "The connection was closed");
      g_debug ("Miricat connection ended (code %d)", self->error->code);
      drop_client (self);
      emit_members_changed (self, self->user, FALSE);
      if (g_error_matches (self->error, MIRICAT_ERROR, MIRICAT_ERROR_WRONG_PASSWORD) ||
          g_error_matches (self->error, MIRICAT_ERROR, MIRICAT_ERROR_PASSWORD_REQUIRED) ||
          g_error_matches (self->error, MIRICAT_ERROR, MIRICAT_ERROR_NOT_REGISTERED))
        {
          set_retry_time (self, 0);
          set_state (self, MIMP_PROTOCOL_SESSION_STATE_NEEDS_PASSWORD);
        }
      else
        schedule_retry (self);
      break;
    }
}

/* ------------------------------------------------------------------ */
/* Receiving                                                          */
/* ------------------------------------------------------------------ */

static void
prune_echoes (MimpMiricatSession *self)
{
  gint64 now = g_get_monotonic_time ();
  Echo *echo;

  while ((echo = g_queue_peek_head (&self->echoes)) != NULL &&
         (now - echo->sent_at > ECHO_LIFETIME_US || self->echoes.length > ECHO_MAX))
    echo_free (g_queue_pop_head (&self->echoes));
}

static void
expect_echo (MimpMiricatSession *self, const char *local_id, char *text)
{
  Echo *echo = g_new0 (Echo, 1);

  echo->local_id = g_strdup (local_id);
  echo->text = text;
  echo->sent_at = g_get_monotonic_time ();
  g_queue_push_tail (&self->echoes, echo);
  prune_echoes (self);
}

/* Whether @text from @sender is the server sending back what we sent (it
 * is forgotten then: the same text sent twice comes back twice). */
static gboolean
take_echo (MimpMiricatSession *self, const char *sender, const char *text)
{
  prune_echoes (self);
  if (g_strcmp0 (sender, self->user) != 0)
    return FALSE;
  for (GList *l = self->echoes.head; l != NULL; l = l->next)
    {
      Echo *echo = l->data;

      if (g_str_equal (echo->text, text))
        {
          echo_free (echo);
          g_queue_delete_link (&self->echoes, l);
          return TRUE;
        }
    }
  return FALSE;
}

static gint64
timestamp_or_now (gint64 timestamp)
{
  return timestamp > 0 ? timestamp : g_get_real_time () / 1000;
}

static void
on_message_received (MimpMiricatSession *self, const char *sender, const char *text,
                     gint64 timestamp)
{
  if (take_echo (self, sender, text))
    return;
  emit_one (self, mimp_incoming_new_in_room (self->room, sender, NULL, text,
                                             timestamp_or_now (timestamp), -1));
}

static void
on_image_received (MimpMiricatSession *self, const char *sender, const char *file_name,
                   gint64 timestamp)
{
  g_autofree char *key = g_strconcat (IMAGE_ECHO_PREFIX, file_name, NULL);
  MimpIncoming *incoming;

  if (take_echo (self, sender, key))
    return;
  incoming =
      mimp_incoming_new_in_room (self->room, sender, NULL, "", timestamp_or_now (timestamp), -1);
  mimp_incoming_set_attachment (incoming, file_name);
  emit_one (self, incoming);
}

static void
on_member (MimpMiricatSession *self, const char *name, gboolean joined)
{
  emit_one (self, mimp_incoming_new_event (
                      self->room, name, joined ? MIMP_MESSAGE_KIND_JOINED : MIMP_MESSAGE_KIND_LEFT,
                      g_get_real_time () / 1000));
  emit_members_changed (self, name, joined);
}

static void
on_member_joined (MimpMiricatSession *self, const char *name)
{
  on_member (self, name, TRUE);
}

static void
on_member_left (MimpMiricatSession *self, const char *name)
{
  on_member (self, name, FALSE);
}

/* The whole list changed (at login, or when the connection ends): no one
 * name to give, so the account and window just read list_members() again. */
static void
on_members_changed (MimpMiricatSession *self)
{
  emit_members_changed (self, NULL, TRUE);
}

static void
on_send_finished (MimpMiricatSession *self, const char *local_id, const GError *error)
{
  /* What never left us will not come back. */
  for (GList *l = self->echoes.head; error != NULL && l != NULL; l = l->next)
    if (g_strcmp0 (((Echo *) l->data)->local_id, local_id) == 0)
      {
        echo_free (l->data);
        g_queue_delete_link (&self->echoes, l);
        break;
      }
  mimp_protocol_session_emit_send_finished (MIMP_PROTOCOL_SESSION (self), local_id, NULL,
                                            error ? 0 : g_get_real_time () / 1000, error);
}

static void
start_client (MimpMiricatSession *self)
{
  g_clear_handle_id (&self->retry_id, g_source_remove);
  drop_client (self);
  self->client = miricat_client_new (self->host, self->port, mimp_miricat_http_port (self->port),
                                     self->dialect, self->user);
  miricat_client_set_password (self->client, self->password);
  g_signal_connect_object (self->client, "notify::state", G_CALLBACK (on_client_state), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->client, "message-received", G_CALLBACK (on_message_received), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->client, "image-received", G_CALLBACK (on_image_received), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->client, "member-joined", G_CALLBACK (on_member_joined), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->client, "member-left", G_CALLBACK (on_member_left), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->client, "members-changed", G_CALLBACK (on_members_changed), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->client, "send-finished", G_CALLBACK (on_send_finished), self,
                           G_CONNECT_SWAPPED);
  set_retry_time (self, 0);
  miricat_client_connect (self->client);
}

/* ------------------------------------------------------------------ */
/* The interface                                                      */
/* ------------------------------------------------------------------ */

static MimpProtocolSessionState
get_state (MimpProtocolSession *session)
{
  return MIMP_MIRICAT_SESSION (session)->state;
}

static const GError *
get_error (MimpProtocolSession *session)
{
  return MIMP_MIRICAT_SESSION (session)->error;
}

static gint64
get_retry_time (MimpProtocolSession *session)
{
  return MIMP_MIRICAT_SESSION (session)->retry_time;
}

static void
set_password (MimpProtocolSession *session, const char *password)
{
  MimpMiricatSession *self = MIMP_MIRICAT_SESSION (session);

  if (self->password != NULL)
    memset (self->password, 0, strlen (self->password));
  g_free (self->password);
  self->password = password != NULL && *password != '\0' ? g_strdup (password) : NULL;
}

static void
reconnect_now (MimpProtocolSession *session)
{
  MimpMiricatSession *self = MIMP_MIRICAT_SESSION (session);

  if (self->state == MIMP_PROTOCOL_SESSION_STATE_ONLINE ||
      self->state == MIMP_PROTOCOL_SESSION_STATE_CONNECTING)
    return;
  self->attempts = 0;
  start_client (self);
}

static void
stop (MimpProtocolSession *session)
{
  MimpMiricatSession *self = MIMP_MIRICAT_SESSION (session);

  g_clear_handle_id (&self->retry_id, g_source_remove);
  drop_client (self);
  set_retry_time (self, 0);
  set_state (self, MIMP_PROTOCOL_SESSION_STATE_OFFLINE);
}

typedef struct
{
  MimpMiricatSession *self;
  char *local_id;
  GError *error;
} Refusal;

static gboolean
refuse_cb (gpointer data)
{
  Refusal *refusal = data;

  mimp_protocol_session_emit_send_finished (MIMP_PROTOCOL_SESSION (refusal->self),
                                            refusal->local_id, NULL, 0, refusal->error);
  g_object_unref (refusal->self);
  g_free (refusal->local_id);
  g_error_free (refusal->error);
  g_free (refusal);
  return G_SOURCE_REMOVE;
}

/* Ends a send that cannot start, from the main loop (never from inside
 * send()). */
static void
refuse_send (MimpMiricatSession *self, const char *local_id, GError *error)
{
  Refusal *refusal = g_new0 (Refusal, 1);

  refusal->self = g_object_ref (self);
  refusal->local_id = g_strdup (local_id);
  refusal->error = error;
  g_idle_add (refuse_cb, refusal);
}

static gboolean
check_send (MimpMiricatSession *self, const char *local_id, const char *peer)
{
  if (g_strcmp0 (peer, self->room) != 0)
    refuse_send (self, local_id,
                 g_error_new_literal (MIRICAT_ERROR, MIRICAT_ERROR_INVALID_ARGUMENT,
                                      _ ("A Miricat server has one room: write there.")));
  else if (self->client == NULL || miricat_client_get_state (self->client) != MIRICAT_STATE_ONLINE)
    refuse_send (self, local_id,
                 g_error_new_literal (MIRICAT_ERROR, MIRICAT_ERROR_NOT_CONNECTED,
                                      "Not connected to the server"));
  else
    return TRUE;
  return FALSE;
}

static void
send (MimpProtocolSession *session, const char *local_id, const char *peer, const char *text)
{
  MimpMiricatSession *self = MIMP_MIRICAT_SESSION (session);

  if (!check_send (self, local_id, peer))
    return;
  expect_echo (self, local_id, g_strdup (text));
  miricat_client_send_text (self->client, local_id, text);
}

static void
send_attachment (MimpProtocolSession *session, const char *local_id, const char *peer,
                 const char *attachment)
{
  MimpMiricatSession *self = MIMP_MIRICAT_SESSION (session);

  if (!check_send (self, local_id, peer))
    return;
  expect_echo (self, local_id, g_strconcat (IMAGE_ECHO_PREFIX, attachment, NULL));
  miricat_client_send_image (self->client, local_id, attachment);
}

/* Nothing is kept on the server: nothing to acknowledge. */
static void
acknowledge (MimpProtocolSession *session, GPtrArray *stored)
{
}

static GStrv
list_members (MimpProtocolSession *session, const char *room)
{
  MimpMiricatSession *self = MIMP_MIRICAT_SESSION (session);

  if (g_strcmp0 (room, self->room) != 0)
    return NULL;
  if (self->client == NULL || miricat_client_get_state (self->client) != MIRICAT_STATE_ONLINE)
    return g_new0 (char *, 1); /* the room, but we do not know who is in it now */
  return miricat_client_get_members (self->client);
}

/* The HTTP calls need an online client (its access token). */
static MiricatClient *
online_client (MimpMiricatSession *self, GTask *task)
{
  if (self->client != NULL && miricat_client_get_state (self->client) == MIRICAT_STATE_ONLINE)
    return self->client;
  g_task_return_new_error (task, MIRICAT_ERROR, MIRICAT_ERROR_NOT_CONNECTED,
                           "Not connected to the server");
  g_object_unref (task);
  return NULL;
}

static void
uploaded (GObject *source, GAsyncResult *result, gpointer data)
{
  g_autoptr (GTask) task = data;
  GError *error = NULL;
  char *file_name = miricat_client_upload_image_finish (MIRICAT_CLIENT (source), result, &error);

  if (file_name != NULL)
    g_task_return_pointer (task, file_name, g_free);
  else
    g_task_return_error (task, error);
}

static void
upload_attachment_async (MimpProtocolSession *session, GBytes *data, const char *content_type,
                         GCancellable *cancellable, GAsyncReadyCallback callback,
                         gpointer user_data)
{
  MimpMiricatSession *self = MIMP_MIRICAT_SESSION (session);
  GTask *task = g_task_new (self, cancellable, callback, user_data);
  MiricatClient *client;

  g_task_set_source_tag (task, upload_attachment_async);
  if ((client = online_client (self, task)) != NULL)
    miricat_client_upload_image_async (client, data, content_type, cancellable, uploaded, task);
}

static char *
upload_attachment_finish (MimpProtocolSession *session, GAsyncResult *result, GError **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
downloaded (GObject *source, GAsyncResult *result, gpointer data)
{
  g_autoptr (GTask) task = data;
  GError *error = NULL;
  GBytes *bytes = miricat_client_download_image_finish (MIRICAT_CLIENT (source), result, &error);

  if (bytes != NULL)
    g_task_return_pointer (task, bytes, (GDestroyNotify) g_bytes_unref);
  else
    g_task_return_error (task, error);
}

static void
load_attachment_async (MimpProtocolSession *session, const char *attachment,
                       GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data)
{
  MimpMiricatSession *self = MIMP_MIRICAT_SESSION (session);
  GTask *task = g_task_new (self, cancellable, callback, user_data);
  MiricatClient *client;

  g_task_set_source_tag (task, load_attachment_async);
  if ((client = online_client (self, task)) != NULL)
    miricat_client_download_image_async (client, attachment, cancellable, downloaded, task);
}

static GBytes *
load_bytes_finish (MimpProtocolSession *session, GAsyncResult *result, GError **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
avatar_fetched (GObject *source, GAsyncResult *result, gpointer data)
{
  g_autoptr (GTask) task = data;
  GError *error = NULL;
  GBytes *avatar = NULL;

  if (miricat_client_fetch_avatar_finish (MIRICAT_CLIENT (source), result, &avatar, &error))
    g_task_return_pointer (task, avatar, (GDestroyNotify) g_bytes_unref);
  else
    g_task_return_error (task, error);
}

static void
load_avatar_async (MimpProtocolSession *session, const char *user, GCancellable *cancellable,
                   GAsyncReadyCallback callback, gpointer user_data)
{
  MimpMiricatSession *self = MIMP_MIRICAT_SESSION (session);
  GTask *task = g_task_new (self, cancellable, callback, user_data);
  MiricatClient *client;

  g_task_set_source_tag (task, load_avatar_async);
  if ((client = online_client (self, task)) != NULL)
    miricat_client_fetch_avatar_async (client, user, cancellable, avatar_fetched, task);
}

static void
avatar_set (GObject *source, GAsyncResult *result, gpointer data)
{
  g_autoptr (GTask) task = data;
  GError *error = NULL;

  if (miricat_client_set_avatar_finish (MIRICAT_CLIENT (source), result, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

static void
set_own_avatar_async (MimpProtocolSession *session, GBytes *data, const char *content_type,
                      GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data)
{
  MimpMiricatSession *self = MIMP_MIRICAT_SESSION (session);
  GTask *task = g_task_new (self, cancellable, callback, user_data);
  MiricatClient *client;

  g_task_set_source_tag (task, set_own_avatar_async);
  if ((client = online_client (self, task)) != NULL)
    miricat_client_set_avatar_async (client, data, content_type, cancellable, avatar_set, task);
}

static gboolean
set_own_avatar_finish (MimpProtocolSession *session, GAsyncResult *result, GError **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
mimp_miricat_session_iface_init (MimpProtocolSessionInterface *iface)
{
  iface->get_state = get_state;
  iface->get_error = get_error;
  iface->get_retry_time = get_retry_time;
  iface->set_password = set_password;
  iface->reconnect_now = reconnect_now;
  iface->stop = stop;
  iface->send = send;
  iface->acknowledge = acknowledge;
  iface->list_members = list_members;
  iface->upload_attachment_async = upload_attachment_async;
  iface->upload_attachment_finish = upload_attachment_finish;
  iface->send_attachment = send_attachment;
  iface->load_attachment_async = load_attachment_async;
  iface->load_attachment_finish = load_bytes_finish;
  iface->load_avatar_async = load_avatar_async;
  iface->load_avatar_finish = load_bytes_finish;
  iface->set_own_avatar_async = set_own_avatar_async;
  iface->set_own_avatar_finish = set_own_avatar_finish;
}

/* ------------------------------------------------------------------ */

static void
mimp_miricat_session_dispose (GObject *object)
{
  MimpMiricatSession *self = MIMP_MIRICAT_SESSION (object);

  g_clear_handle_id (&self->retry_id, g_source_remove);
  drop_client (self);
  G_OBJECT_CLASS (mimp_miricat_session_parent_class)->dispose (object);
}

static void
mimp_miricat_session_finalize (GObject *object)
{
  MimpMiricatSession *self = MIMP_MIRICAT_SESSION (object);

  set_password (MIMP_PROTOCOL_SESSION (self), NULL);
  g_queue_clear_full (&self->echoes, (GDestroyNotify) echo_free);
  g_clear_error (&self->error);
  g_free (self->host);
  g_free (self->user);
  g_free (self->room);
  G_OBJECT_CLASS (mimp_miricat_session_parent_class)->finalize (object);
}

static void
mimp_miricat_session_class_init (MimpMiricatSessionClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = mimp_miricat_session_dispose;
  object_class->finalize = mimp_miricat_session_finalize;
  mimp_protocol_session_implement_properties (object_class);
}

static void
mimp_miricat_session_init (MimpMiricatSession *self)
{
  g_queue_init (&self->echoes);
}

MimpMiricatSession *
mimp_miricat_session_new (const char *host, guint16 port, MiricatDialect dialect, const char *user)
{
  MimpMiricatSession *self = g_object_new (MIMP_TYPE_MIRICAT_SESSION, NULL);

  self->host = g_strdup (host);
  self->port = port ? port : MIRICAT_DEFAULT_PORT;
  self->dialect = dialect;
  self->user = g_strdup (user);
  self->room = mimp_miricat_room_for_host (host);
  return self;
}
