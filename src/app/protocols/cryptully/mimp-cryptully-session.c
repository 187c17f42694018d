/* mimp-cryptully-session.c - a MimpProtocolSession over libcryptully's
 * CryptullyClient, so that libcryptully stays free of the app's types
 *
 * One client per connection attempt: a failed one is replaced, after a
 * backoff, by a new one. Cryptully keeps nothing for later, so:
 * - a message is sent when the client says it was written to the relay,
 *   and fails (for good: the account offers Retry) when the peer is not
 *   online, declines, or the chat or the connection ends first;
 * - sends asked for while there is no connection wait here for the next;
 * - acknowledging is a no-op.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "mimp-protocol"

#include "config.h"

#include <string.h>

#include "cryptully.h"
#include "mimp-cryptully-protocol.h"

typedef struct
{
  char *local_id;
  char *peer;
  char *text;
} Held;

struct _MimpCryptullySession
{
  GObject parent_instance;

  char *host;
  guint16 port;
  char *nick;

  CryptullyClient *client; /* the current attempt, or NULL */
  gboolean started;
  MimpProtocolSessionState state;
  GError *error;
  guint attempts;
  guint retry_id;
  gint64 retry_time;

  GQueue held;           /* of Held: sends waiting for a connection */
  GHashTable *inflight;  /* local id -> peer, handed to the client */
  GHashTable *verifying; /* peers with a check running */
};

static void mimp_cryptully_session_iface_init (MimpProtocolSessionInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (MimpCryptullySession, mimp_cryptully_session, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (MIMP_TYPE_PROTOCOL_SESSION,
                                                      mimp_cryptully_session_iface_init))

static void start_client (MimpCryptullySession *self);

static void
held_free (Held *held)
{
  g_free (held->local_id);
  g_free (held->peer);
  if (held->text)
    explicit_bzero (held->text, strlen (held->text));
  g_free (held->text);
  g_free (held);
}

static void
set_state (MimpCryptullySession *self, MimpProtocolSessionState state)
{
  if (self->state == state)
    return;
  self->state = state;
  g_object_notify (G_OBJECT (self), "state");
}

static gint64
now_ms (void)
{
  return g_get_real_time () / 1000;
}

/* Typing: Cryptully's wire numbers and Mimp's states */

static MimpTypingState
typing_from_wire (int wire)
{
  switch (wire)
    {
    case CRYPTULLY_TYPING_ACTIVE:
      return MIMP_TYPING_ACTIVE;
    case CRYPTULLY_TYPING_IDLE_TEXT:
      return MIMP_TYPING_PAUSED;
    case CRYPTULLY_TYPING_IDLE_EMPTY:
    default:
      return MIMP_TYPING_STOPPED;
    }
}

static CryptullyTyping
typing_to_wire (MimpTypingState state)
{
  switch (state)
    {
    case MIMP_TYPING_ACTIVE:
      return CRYPTULLY_TYPING_ACTIVE;
    case MIMP_TYPING_PAUSED:
      return CRYPTULLY_TYPING_IDLE_TEXT;
    case MIMP_TYPING_STOPPED:
    default:
      return CRYPTULLY_TYPING_IDLE_EMPTY;
    }
}

/* ------------------------------------------------------------------ */
/* The client's signals                                               */
/* ------------------------------------------------------------------ */

static gboolean
retry_cb (gpointer data)
{
  MimpCryptullySession *self = data;

  self->retry_id = 0;
  start_client (self);
  return G_SOURCE_REMOVE;
}

static void
schedule_retry (MimpCryptullySession *self)
{
  guint delay_ms = mimp_protocol_session_backoff_ms (self->attempts);

  self->attempts++;
  g_clear_handle_id (&self->retry_id, g_source_remove);
  self->retry_id = g_timeout_add (delay_ms, retry_cb, self);
  self->retry_time = g_get_monotonic_time () + (gint64) delay_ms * 1000;
  g_object_notify (G_OBJECT (self), "retry-time");
  set_state (self, MIMP_PROTOCOL_SESSION_STATE_WAITING);
}

static void
on_client_state (CryptullyClient *client, GParamSpec *pspec, MimpCryptullySession *self)
{
  const GError *error;

  if (client != self->client)
    return;
  switch (cryptully_client_get_state (client))
    {
    case CRYPTULLY_STATE_CONNECTING:
      set_state (self, MIMP_PROTOCOL_SESSION_STATE_CONNECTING);
      break;
    case CRYPTULLY_STATE_ONLINE:
      self->attempts = 0;
      g_clear_error (&self->error);
      set_state (self, MIMP_PROTOCOL_SESSION_STATE_ONLINE);
      break;
    case CRYPTULLY_STATE_FAILED:
    case CRYPTULLY_STATE_DISCONNECTED:
    default:
      if (!self->started)
        break;
      error = cryptully_client_get_error (client);
      g_clear_error (&self->error);
      self->error = error ? g_error_copy (error) : cryptully_error_new (CRYPTULLY_ERROR_CLOSED);
      g_debug ("Cryptully connection lost: %s", self->error->message);
      schedule_retry (self);
      break;
    }
}

static void
on_send_finished (CryptullyClient *client, const char *local_id, const GError *error,
                  MimpCryptullySession *self)
{
  g_autofree char *key = NULL;
  g_autofree char *peer = NULL;
  g_autoptr (GError) named = NULL;

  if (local_id == NULL || !g_hash_table_steal_extended (self->inflight, local_id, (gpointer *) &key,
                                                        (gpointer *) &peer))
    return; /* not ours any more (stopped meanwhile) */
  if (error != NULL)
    named = mimp_cryptully_error_for_peer (error, peer);
  mimp_protocol_session_emit_send_finished (MIMP_PROTOCOL_SESSION (self), local_id, NULL,
                                            error ? 0 : now_ms (), named);
}

static void
on_message_received (CryptullyClient *client, const char *nick, const char *text,
                     MimpCryptullySession *self)
{
  g_autoptr (GPtrArray) incoming =
      g_ptr_array_new_with_free_func ((GDestroyNotify) mimp_incoming_unref);

  /* No id and no position: Cryptully neither numbers nor keeps messages. */
  g_ptr_array_add (incoming, mimp_incoming_new (nick, self->nick, NULL, text, now_ms (), -1));
  mimp_protocol_session_emit_messages_received (MIMP_PROTOCOL_SESSION (self), incoming);
}

static void
on_typing_changed (CryptullyClient *client, const char *nick, int wire, MimpCryptullySession *self)
{
  mimp_protocol_session_emit_typing_changed (MIMP_PROTOCOL_SESSION (self), nick,
                                             typing_from_wire (wire));
}

static void
on_chat_requested (CryptullyClient *client, const char *nick, MimpCryptullySession *self)
{
  mimp_protocol_session_emit_chat_requested (MIMP_PROTOCOL_SESSION (self), nick);
}

static void
finish_verification (MimpCryptullySession *self, const char *peer, gboolean matched,
                     const GError *error)
{
  g_hash_table_remove (self->verifying, peer);
  mimp_protocol_session_emit_verification_finished (MIMP_PROTOCOL_SESSION (self), peer, matched,
                                                    error);
}

static void
on_chat_ended (CryptullyClient *client, const char *nick, const GError *reason,
               MimpCryptullySession *self)
{
  /* The client failed what the chat still had to send (send-finished). */
  mimp_protocol_session_emit_typing_changed (MIMP_PROTOCOL_SESSION (self), nick,
                                             MIMP_TYPING_STOPPED);
  if (g_hash_table_contains (self->verifying, nick))
    {
      g_autoptr (GError) error =
          reason ? g_error_copy (reason) : cryptully_error_new (CRYPTULLY_ERROR_CONNECTION_ENDED);

      finish_verification (self, nick, FALSE, error);
    }
}

static void
on_smp_question (CryptullyClient *client, const char *nick, const char *question,
                 MimpCryptullySession *self)
{
  g_hash_table_add (self->verifying, g_strdup (nick));
  mimp_protocol_session_emit_verification_asked (MIMP_PROTOCOL_SESSION (self), nick, question);
}

static void
on_smp_finished (CryptullyClient *client, const char *nick, gboolean matched, const GError *error,
                 MimpCryptullySession *self)
{
  /* Different answers are a result, not a check that did not finish. */
  if (g_error_matches (error, CRYPTULLY_ERROR, CRYPTULLY_ERROR_SMP_MATCH_FAILED))
    error = NULL;
  finish_verification (self, nick, matched, error);
}

/* ------------------------------------------------------------------ */
/* Connection attempts                                                */
/* ------------------------------------------------------------------ */

/* Lets the current client go without hearing from it again: what it had
 * to send stays pending in the outbox, queued again at the next start. */
static void
drop_client (MimpCryptullySession *self)
{
  g_hash_table_remove_all (self->inflight);
  if (self->verifying)
    g_hash_table_remove_all (self->verifying);
  if (self->client == NULL)
    return;
  g_signal_handlers_disconnect_by_data (self->client, self);
  cryptully_client_disconnect (self->client);
  g_clear_object (&self->client);
}

static gboolean
client_usable (MimpCryptullySession *self)
{
  CryptullyState state =
      self->client ? cryptully_client_get_state (self->client) : CRYPTULLY_STATE_DISCONNECTED;

  return state == CRYPTULLY_STATE_CONNECTING || state == CRYPTULLY_STATE_ONLINE;
}

static void
submit (MimpCryptullySession *self, const char *local_id, const char *peer, const char *text)
{
  g_hash_table_insert (self->inflight, g_strdup (local_id), g_strdup (peer));
  /* Opens the chat (with its handshake) when needed. */
  cryptully_client_send_message (self->client, peer, local_id, text);
}

static void
start_client (MimpCryptullySession *self)
{
  Held *held;

  /* A failed client has already failed what it had; the rest is ours. */
  if (self->client != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->client, self);
      cryptully_client_disconnect (self->client);
      g_clear_object (&self->client);
    }
  g_hash_table_remove_all (self->inflight);
  g_hash_table_remove_all (self->verifying);
  g_clear_handle_id (&self->retry_id, g_source_remove);

  self->client = cryptully_client_new (self->host, self->port, self->nick);
  g_signal_connect (self->client, "notify::state", G_CALLBACK (on_client_state), self);
  g_signal_connect (self->client, "send-finished", G_CALLBACK (on_send_finished), self);
  g_signal_connect (self->client, "message-received", G_CALLBACK (on_message_received), self);
  g_signal_connect (self->client, "typing-changed", G_CALLBACK (on_typing_changed), self);
  g_signal_connect (self->client, "chat-requested", G_CALLBACK (on_chat_requested), self);
  g_signal_connect (self->client, "chat-ended", G_CALLBACK (on_chat_ended), self);
  g_signal_connect (self->client, "smp-question", G_CALLBACK (on_smp_question), self);
  g_signal_connect (self->client, "smp-finished", G_CALLBACK (on_smp_finished), self);
  cryptully_client_start (self->client);

  /* Sends asked for while there was no connection: chats open once the
   * nickname is registered. */
  while ((held = g_queue_pop_head (&self->held)))
    {
      submit (self, held->local_id, held->peer, held->text);
      held_free (held);
    }
}

/* ------------------------------------------------------------------ */
/* MimpProtocolSession                                                */
/* ------------------------------------------------------------------ */

static MimpProtocolSessionState
get_state (MimpProtocolSession *session)
{
  return MIMP_CRYPTULLY_SESSION (session)->state;
}

static const GError *
get_error (MimpProtocolSession *session)
{
  return MIMP_CRYPTULLY_SESSION (session)->error;
}

static gint64
get_retry_time (MimpProtocolSession *session)
{
  MimpCryptullySession *self = MIMP_CRYPTULLY_SESSION (session);

  return self->state == MIMP_PROTOCOL_SESSION_STATE_WAITING ? self->retry_time : 0;
}

static void
set_password (MimpProtocolSession *session, const char *password)
{
  /* Cryptully has no passwords. */
}

static void
reconnect_now (MimpProtocolSession *session)
{
  MimpCryptullySession *self = MIMP_CRYPTULLY_SESSION (session);

  self->started = TRUE;
  if (client_usable (self))
    return;
  start_client (self);
}

static void
stop (MimpProtocolSession *session)
{
  MimpCryptullySession *self = MIMP_CRYPTULLY_SESSION (session);

  self->started = FALSE;
  self->attempts = 0;
  g_clear_handle_id (&self->retry_id, g_source_remove);
  drop_client (self);
  g_queue_clear_full (&self->held, (GDestroyNotify) held_free);
  g_clear_error (&self->error);
  set_state (self, MIMP_PROTOCOL_SESSION_STATE_OFFLINE);
}

static void
send (MimpProtocolSession *session, const char *local_id, const char *peer, const char *text)
{
  MimpCryptullySession *self = MIMP_CRYPTULLY_SESSION (session);
  Held *held;

  if (client_usable (self))
    {
      submit (self, local_id, peer, text);
      return;
    }
  held = g_new0 (Held, 1);
  held->local_id = g_strdup (local_id);
  held->peer = g_strdup (peer);
  held->text = g_strdup (text);
  g_queue_push_tail (&self->held, held);
}

/* Cryptully keeps nothing: there is nothing to acknowledge. */
static void
acknowledge (MimpProtocolSession *session, GPtrArray *stored)
{
}

static void
flush_ack_async (MimpProtocolSession *session, GCancellable *cancellable,
                 GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr (GTask) task = g_task_new (session, cancellable, callback, user_data);

  g_task_set_source_tag (task, flush_ack_async);
  g_task_return_boolean (task, TRUE);
}

static gboolean
flush_ack_finish (MimpProtocolSession *session, GAsyncResult *result, GError **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
send_typing (MimpProtocolSession *session, const char *peer, MimpTypingState state)
{
  MimpCryptullySession *self = MIMP_CRYPTULLY_SESSION (session);

  /* Only in an open chat; typing alone never opens one. */
  if (self->client != NULL && cryptully_client_is_chat_ready (self->client, peer))
    cryptully_client_send_typing (self->client, peer, typing_to_wire (state), NULL);
}

static void
answer_chat_request (MimpProtocolSession *session, const char *peer, gboolean accept)
{
  MimpCryptullySession *self = MIMP_CRYPTULLY_SESSION (session);
  g_autoptr (GError) error = NULL;
  gboolean done;

  if (self->client == NULL)
    return;
  if (accept)
    done = cryptully_client_accept_chat (self->client, peer, &error);
  else
    done = cryptully_client_reject_chat (self->client, peer, &error);
  if (!done)
    g_debug ("Could not answer a chat request: %s", error->message);
}

static void
start_verification (MimpProtocolSession *session, const char *peer, const char *question,
                    const char *answer)
{
  MimpCryptullySession *self = MIMP_CRYPTULLY_SESSION (session);
  g_autoptr (GError) error = NULL;

  if (self->client == NULL)
    error = cryptully_error_new (CRYPTULLY_ERROR_NOT_READY);
  else if (cryptully_client_start_smp (self->client, peer, question ? question : "", answer,
                                       &error))
    {
      g_hash_table_add (self->verifying, g_strdup (peer));
      return;
    }
  finish_verification (self, peer, FALSE, error);
}

static void
answer_verification (MimpProtocolSession *session, const char *peer, const char *answer)
{
  MimpCryptullySession *self = MIMP_CRYPTULLY_SESSION (session);
  g_autoptr (GError) error = NULL;

  if (self->client == NULL)
    error = cryptully_error_new (CRYPTULLY_ERROR_NOT_READY);
  else if (cryptully_client_answer_smp (self->client, peer, answer, &error))
    return;
  finish_verification (self, peer, FALSE, error);
}

static void
mimp_cryptully_session_iface_init (MimpProtocolSessionInterface *iface)
{
  iface->get_state = get_state;
  iface->get_error = get_error;
  iface->get_retry_time = get_retry_time;
  iface->set_password = set_password;
  iface->reconnect_now = reconnect_now;
  iface->stop = stop;
  iface->send = send;
  iface->acknowledge = acknowledge;
  iface->flush_ack_async = flush_ack_async;
  iface->flush_ack_finish = flush_ack_finish;
  iface->send_typing = send_typing;
  iface->answer_chat_request = answer_chat_request;
  iface->start_verification = start_verification;
  iface->answer_verification = answer_verification;
}

/* ------------------------------------------------------------------ */

static void
mimp_cryptully_session_dispose (GObject *object)
{
  MimpCryptullySession *self = MIMP_CRYPTULLY_SESSION (object);

  g_clear_handle_id (&self->retry_id, g_source_remove);
  drop_client (self);
  g_queue_clear_full (&self->held, (GDestroyNotify) held_free);
  G_OBJECT_CLASS (mimp_cryptully_session_parent_class)->dispose (object);
}

static void
mimp_cryptully_session_finalize (GObject *object)
{
  MimpCryptullySession *self = MIMP_CRYPTULLY_SESSION (object);

  g_clear_pointer (&self->inflight, g_hash_table_unref);
  g_clear_pointer (&self->verifying, g_hash_table_unref);
  g_clear_error (&self->error);
  g_free (self->host);
  g_free (self->nick);
  G_OBJECT_CLASS (mimp_cryptully_session_parent_class)->finalize (object);
}

static void
mimp_cryptully_session_class_init (MimpCryptullySessionClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = mimp_cryptully_session_dispose;
  object_class->finalize = mimp_cryptully_session_finalize;
  mimp_protocol_session_implement_properties (object_class);
}

static void
mimp_cryptully_session_init (MimpCryptullySession *self)
{
  g_queue_init (&self->held);
  self->inflight = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->verifying = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
}

MimpCryptullySession *
mimp_cryptully_session_new (const char *host, guint16 port, const char *nick)
{
  MimpCryptullySession *self = g_object_new (MIMP_TYPE_CRYPTULLY_SESSION, NULL);

  self->host = g_strdup (host);
  self->port = port ? port : CRYPTULLY_DEFAULT_PORT;
  self->nick = g_ascii_strdown (nick ? nick : "", -1);
  return self;
}
