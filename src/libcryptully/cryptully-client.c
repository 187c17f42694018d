/* cryptully-client.c - one registered nickname on a Cryptully relay
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * One TCP connection to the relay carries every chat, keyed by the peer's
 * lowercased nickname. All I/O is asynchronous on the thread-default main
 * context; nothing blocks and there are no threads.
 *
 * Where the original is silent we say what happened: registration (the
 * relay acknowledges nothing: no ERR within the register window means done),
 * replayed or skipped message numbers, bad HMACs and undecryptable messages
 * end the chat with a reason, the responder of a verification learns its
 * result too, and every handshake has a timeout.
 */
#define G_LOG_DOMAIN "cryptully"

#include "config.h"

#include <string.h>

#include "cryptully-client.h"
#include "cryptully-crypto.h"
#include "cryptully-envelope.h"
#include "cryptully-error.h"
#include "cryptully-frame.h"
#include "cryptully-smp.h"
#include "cryptully-text.h"

#define PROTOCOL_VERSION "1"
#define CRYPTULLY_CLOSE_TIMEOUT_S 5

typedef enum
{
  CHAT_WAIT_ONLINE, /* we open it once registered */
  CHAT_WAIT_REDY,   /* HELO sent */
  CHAT_WAIT_KEY,    /* our PUB_KEY sent, waiting for theirs */
  CHAT_REQUESTED,   /* HELO received; waiting for the user */
  CHAT_RESPONDING,  /* REDY sent, waiting for their PUB_KEY */
  CHAT_READY,
} ChatState;

typedef struct
{
  char *local_id;
  char *text;
} Pending;

typedef struct
{
  CryptullyClient *client; /* not a reference: the client owns its chats */
  char *nick;
  ChatState state;
  CryptullyDh *dh;
  CryptullyCipher *cipher;
  GQueue pending;
  guint timeout_id;
  /* Verification */
  CryptullySmp *smp;
  gboolean smp_initiator;
  gboolean smp_asked; /* SMP0 received, answer not given yet */
  GBytes *smp1;       /* SMP1 kept until the user answers */
  /* Typing */
  guint typing_id;
  gboolean typing_sent;
  gboolean has_text;
} Chat;

typedef struct
{
  GBytes *frame;
  char *local_id;
} OutItem;

struct _CryptullyClient
{
  GObject parent_instance;

  char *host;
  guint16 port;
  char *nick;
  CryptullyState state;
  GError *error;
  guint handshake_timeout;
  guint register_window;

  GCancellable *cancellable;
  GSocketConnection *connection;
  CryptullyFrameReader *reader;
  guint8 read_buf[8192];
  GQueue out;
  gboolean writing;
  gboolean closing;
  guint generation; /* counts closed connections, so a callback knows its own */
  guint register_id;
  guint connect_timeout_id;
  guint close_timeout_id;

  GHashTable *chats; /* nick -> Chat */
};

G_DEFINE_FINAL_TYPE (CryptullyClient, cryptully_client, G_TYPE_OBJECT)

enum
{
  PROP_0,
  PROP_STATE,
  PROP_ERROR,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum
{
  CHAT_REQUESTED_SIGNAL,
  CHAT_READY_SIGNAL,
  CHAT_ENDED,
  MESSAGE_RECEIVED,
  SEND_FINISHED,
  TYPING_CHANGED,
  SMP_QUESTION,
  SMP_FINISHED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void read_next (CryptullyClient *self);
static void write_next (CryptullyClient *self);

char *
cryptully_nick_normalize (const char *nick, GError **error)
{
  gsize len = nick ? strlen (nick) : 0;

  if (len == 0 || len > CRYPTULLY_NICK_MAX)
    goto bad;
  for (gsize i = 0; i < len; i++)
    if (!g_ascii_isalnum (nick[i]))
      goto bad;
  return g_ascii_strdown (nick, -1);

bad:
  cryptully_set_error (error, CRYPTULLY_ERROR_INVALID_NICK);
  return NULL;
}

static void
pending_free (Pending *pending)
{
  g_free (pending->local_id);
  if (pending->text)
    explicit_bzero (pending->text, strlen (pending->text));
  g_free (pending->text);
  g_free (pending);
}

static void
out_item_free (OutItem *item)
{
  g_bytes_unref (item->frame);
  g_free (item->local_id);
  g_free (item);
}

static void
chat_free (Chat *chat)
{
  Pending *pending;

  while ((pending = g_queue_pop_head (&chat->pending)))
    pending_free (pending);
  g_clear_handle_id (&chat->timeout_id, g_source_remove);
  g_clear_handle_id (&chat->typing_id, g_source_remove);
  g_clear_pointer (&chat->dh, cryptully_dh_free);
  g_clear_pointer (&chat->cipher, cryptully_cipher_free);
  g_clear_pointer (&chat->smp, cryptully_smp_free);
  g_clear_pointer (&chat->smp1, g_bytes_unref);
  g_free (chat->nick);
  g_free (chat);
}

/* Sending */

static void
queue_frame (CryptullyClient *self, GBytes *frame, const char *local_id)
{
  OutItem *item = g_new0 (OutItem, 1);

  item->frame = frame;
  item->local_id = g_strdup (local_id);
  g_queue_push_tail (&self->out, item);
  write_next (self);
}

static void
send_server_command (CryptullyClient *self, const char *command, const char *payload)
{
  g_autoptr (CryptullyEnvelope) envelope = cryptully_envelope_new (command, NULL);

  envelope->source_nick = g_strdup (self->nick);
  envelope->payload = g_strdup (payload);
  queue_frame (self, cryptully_envelope_to_frame (envelope), NULL);
}

/* A plaintext client command (handshake, END, ERR, REJ). */
static void
send_plain (CryptullyClient *self, const char *nick, const char *command, const char *payload,
            int error_code)
{
  g_autoptr (CryptullyEnvelope) envelope = cryptully_envelope_new ("REL", command);

  envelope->source_nick = g_strdup (self->nick);
  envelope->dest_nick = g_strdup (nick);
  envelope->payload = g_strdup (payload);
  if (error_code >= 0)
    envelope->error = g_strdup_printf ("%d", error_code);
  queue_frame (self, cryptully_envelope_to_frame (envelope), NULL);
}

static void
send_sealed (CryptullyClient *self, Chat *chat, const char *command, const guint8 *data, gsize len,
             const char *local_id)
{
  g_autoptr (CryptullyEnvelope) envelope = cryptully_envelope_new ("REL", command);

  envelope->source_nick = g_strdup (self->nick);
  envelope->dest_nick = g_strdup (chat->nick);
  cryptully_cipher_seal (chat->cipher, data, len, &envelope->payload, &envelope->hmac,
                         &envelope->num);
  queue_frame (self, cryptully_envelope_to_frame (envelope), local_id);
}

static void
send_sealed_text (CryptullyClient *self, Chat *chat, const char *command, const char *text)
{
  send_sealed (self, chat, command, (const guint8 *) text, strlen (text), NULL);
}

typedef struct
{
  CryptullyClient *self;
  char *local_id;
  GError *error;
} LateResult;

static gboolean
emit_late_result (gpointer user_data)
{
  LateResult *result = user_data;

  g_signal_emit (result->self, signals[SEND_FINISHED], 0, result->local_id, result->error);
  g_object_unref (result->self);
  g_free (result->local_id);
  g_error_free (result->error);
  g_free (result);
  return G_SOURCE_REMOVE;
}

/* send-finished with an error, from the main loop rather than inside the
 * caller's send_message (). */
static void
fail_send_later (CryptullyClient *self, const char *local_id, GError *error)
{
  LateResult *result = g_new0 (LateResult, 1);

  result->self = g_object_ref (self);
  result->local_id = g_strdup (local_id);
  result->error = error;
  g_idle_add (emit_late_result, result);
}

/* Chats */

static Chat *
lookup_chat (CryptullyClient *self, const char *nick)
{
  g_autofree char *key = cryptully_nick_normalize (nick, NULL);

  return key ? g_hash_table_lookup (self->chats, key) : NULL;
}

/* Removes the chat, fails what it still had to send, tells the peer (END, or
 * ERR during a handshake) when @tell, and emits chat-ended with @reason
 * (NULL: ended here by the user). */
static void
chat_end (CryptullyClient *self, Chat *chat, GError *reason, gboolean tell)
{
  Pending *pending;

  if (tell && chat->state != CHAT_WAIT_ONLINE && self->connection && !self->closing)
    {
      if (chat->state == CHAT_READY || reason == NULL)
        send_plain (self, chat->nick, "END", NULL, -1);
      else
        send_plain (self, chat->nick, "ERR", NULL, reason->code);
    }
  g_hash_table_steal (self->chats, chat->nick);
  while ((pending = g_queue_pop_head (&chat->pending)))
    {
      g_autoptr (GError) error =
          reason ? g_error_copy (reason) : cryptully_error_new (CRYPTULLY_ERROR_CONNECTION_ENDED);

      g_signal_emit (self, signals[SEND_FINISHED], 0, pending->local_id, error);
      pending_free (pending);
    }
  if (reason)
    g_debug ("A chat ended: %s", reason->message);
  g_signal_emit (self, signals[CHAT_ENDED], 0, chat->nick, reason);
  chat_free (chat);
  g_clear_error (&reason); /* ours: the callers hand it over */
}

static gboolean
handshake_timeout_cb (gpointer user_data)
{
  Chat *chat = user_data;

  chat->timeout_id = 0;
  chat_end (chat->client, chat, cryptully_error_new (CRYPTULLY_ERROR_TIMEOUT), TRUE);
  return G_SOURCE_REMOVE;
}

static void
arm_handshake_timeout (CryptullyClient *self, Chat *chat)
{
  g_clear_handle_id (&chat->timeout_id, g_source_remove);
  chat->timeout_id = g_timeout_add_seconds (self->handshake_timeout, handshake_timeout_cb, chat);
}

static Chat *
chat_new (CryptullyClient *self, const char *nick, ChatState state)
{
  Chat *chat = g_new0 (Chat, 1);

  chat->client = self;
  chat->nick = g_strdup (nick);
  chat->state = state;
  g_queue_init (&chat->pending);
  g_hash_table_insert (self->chats, chat->nick, chat);
  return chat;
}

static void
chat_send_helo (CryptullyClient *self, Chat *chat)
{
  chat->state = CHAT_WAIT_REDY;
  chat->dh = cryptully_dh_new ();
  send_plain (self, chat->nick, "HELO", NULL, -1);
  arm_handshake_timeout (self, chat);
}

static void
stop_typing_timer (Chat *chat)
{
  g_clear_handle_id (&chat->typing_id, g_source_remove);
  chat->typing_sent = FALSE;
}

static void
chat_send_text (CryptullyClient *self, Chat *chat, const char *local_id, const char *text)
{
  g_autofree char *html = cryptully_text_to_html (text);

  /* As the original: a message ends the typing burst without a stop status. */
  stop_typing_timer (chat);
  send_sealed (self, chat, "MSG", (const guint8 *) html, strlen (html), local_id);
  explicit_bzero (html, strlen (html));
}

static void
chat_ready (CryptullyClient *self, Chat *chat)
{
  g_autofree char *nick = g_strdup (chat->nick);
  Pending *pending;

  g_clear_handle_id (&chat->timeout_id, g_source_remove);
  g_clear_pointer (&chat->dh, cryptully_dh_free);
  chat->state = CHAT_READY;
  g_signal_emit (self, signals[CHAT_READY_SIGNAL], 0, nick);
  /* A handler may have ended the chat (freeing it) or the connection. */
  chat = g_hash_table_lookup (self->chats, nick);
  if (chat == NULL || chat->state != CHAT_READY || self->state != CRYPTULLY_STATE_ONLINE)
    return;
  while ((pending = g_queue_pop_head (&chat->pending)))
    {
      chat_send_text (self, chat, pending->local_id, pending->text);
      pending_free (pending);
    }
}

static gboolean
chat_take_key (CryptullyClient *self, Chat *chat, const char *payload)
{
  CryptullyKeys keys;
  GError *error = NULL;

  if (!cryptully_dh_derive (chat->dh, payload, &keys, &error))
    {
      chat_end (self, chat, error, TRUE);
      return FALSE;
    }
  chat->cipher = cryptully_cipher_new (&keys);
  cryptully_keys_wipe (&keys);
  return TRUE;
}

/* Verification */

static void
smp_finish (CryptullyClient *self, Chat *chat, gboolean matched, GError *error)
{
  g_clear_pointer (&chat->smp, cryptully_smp_free);
  g_clear_pointer (&chat->smp1, g_bytes_unref);
  chat->smp_asked = FALSE;
  g_signal_emit (self, signals[SMP_FINISHED], 0, chat->nick, matched, error);
  g_clear_error (&error); /* ours: the callers hand it over */
}

static void
smp_respond (CryptullyClient *self, Chat *chat)
{
  g_autoptr (GBytes) smp2 = NULL;
  GError *error = NULL;

  if (!(smp2 = cryptully_smp_step2 (chat->smp, chat->smp1, &error)))
    {
      smp_finish (self, chat, FALSE, error);
      return;
    }
  g_clear_pointer (&chat->smp1, g_bytes_unref);
  send_sealed (self, chat, "SMP2", g_bytes_get_data (smp2, NULL), g_bytes_get_size (smp2), NULL);
}

static void
handle_smp (CryptullyClient *self, Chat *chat, int step, GBytes *payload)
{
  g_autoptr (GBytes) reply = NULL;
  GError *error = NULL;
  gboolean matched = FALSE;

  switch (step)
    {
    case 0:
      {
        g_autofree char *question =
            g_utf8_make_valid (g_bytes_get_data (payload, NULL), g_bytes_get_size (payload));

        /* A new request replaces whatever ran before. */
        g_clear_pointer (&chat->smp, cryptully_smp_free);
        g_clear_pointer (&chat->smp1, g_bytes_unref);
        chat->smp_asked = TRUE;
        g_signal_emit (self, signals[SMP_QUESTION], 0, chat->nick, question);
        return;
      }
    case 1:
      if (chat->smp_initiator && chat->smp)
        break;
      g_clear_pointer (&chat->smp1, g_bytes_unref);
      chat->smp1 = g_bytes_ref (payload);
      if (chat->smp)
        smp_respond (self, chat);
      return;
    case 2:
      if (!chat->smp || !chat->smp_initiator)
        break;
      if (!(reply = cryptully_smp_step3 (chat->smp, payload, &error)))
        {
          smp_finish (self, chat, FALSE, error);
          return;
        }
      send_sealed (self, chat, "SMP3", g_bytes_get_data (reply, NULL), g_bytes_get_size (reply),
                   NULL);
      return;
    case 3:
      if (!chat->smp || chat->smp_initiator)
        break;
      if (!(reply = cryptully_smp_step4 (chat->smp, payload, &matched, &error)))
        {
          smp_finish (self, chat, FALSE, error);
          return;
        }
      send_sealed (self, chat, "SMP4", g_bytes_get_data (reply, NULL), g_bytes_get_size (reply),
                   NULL);
      /* The original's responder never tells its user; we do. */
      smp_finish (self, chat, matched,
                  matched ? NULL : cryptully_error_new (CRYPTULLY_ERROR_SMP_MATCH_FAILED));
      return;
    case 4:
      if (!chat->smp || !chat->smp_initiator)
        break;
      if (!cryptully_smp_step5 (chat->smp, payload, &matched, &error))
        {
          smp_finish (self, chat, FALSE, error);
          return;
        }
      smp_finish (self, chat, matched,
                  matched ? NULL : cryptully_error_new (CRYPTULLY_ERROR_SMP_MATCH_FAILED));
      return;
    default:
      break;
    }
  smp_finish (self, chat, FALSE, cryptully_error_new (CRYPTULLY_ERROR_SMP_CHECK_FAILED));
}

/* Receiving */

static void
handle_loop_command (CryptullyClient *self, Chat *chat, const CryptullyEnvelope *envelope)
{
  const char *command = envelope->client_command;
  g_autoptr (GBytes) payload = NULL;
  GError *error = NULL;
  gsize len;
  const char *data;

  if (!g_str_equal (command, "MSG") && !g_str_equal (command, "TYPING") &&
      !(g_str_has_prefix (command, "SMP") && strlen (command) == 4 && command[3] >= '0' &&
        command[3] <= '4'))
    {
      chat_end (self, chat, cryptully_error_new (CRYPTULLY_ERROR_INVALID_COMMAND), TRUE);
      return;
    }
  if (!(payload = cryptully_cipher_open (chat->cipher, envelope->payload, envelope->hmac,
                                         envelope->num, &error)))
    {
      chat_end (self, chat, error, TRUE);
      return;
    }
  data = g_bytes_get_data (payload, &len);
  if (g_str_equal (command, "MSG"))
    {
      g_autofree char *text = cryptully_text_from_html (data ? data : "", (gssize) len);

      g_signal_emit (self, signals[MESSAGE_RECEIVED], 0, chat->nick, text);
      explicit_bzero (text, strlen (text));
    }
  else if (g_str_equal (command, "TYPING"))
    {
      if (len == 1 && data[0] >= '0' && data[0] <= '2')
        g_signal_emit (self, signals[TYPING_CHANGED], 0, chat->nick, data[0] - '0');
    }
  else
    handle_smp (self, chat, command[3] - '0', payload);
}

static void
handle_chat_command (CryptullyClient *self, Chat *chat, const CryptullyEnvelope *envelope)
{
  const char *command = envelope->client_command;
  gboolean handshaking = chat->state != CHAT_READY;

  if (g_str_equal (command, "END"))
    {
      chat_end (self, chat, cryptully_error_new (CRYPTULLY_ERROR_CONNECTION_ENDED), FALSE);
      return;
    }
  if (g_str_equal (command, "ERR"))
    {
      int code = cryptully_error_code_from_wire (envelope->error);

      if (handshaking || code < 0)
        code = handshaking ? CRYPTULLY_ERROR_BAD_HANDSHAKE : CRYPTULLY_ERROR_INVALID_COMMAND;
      chat_end (self, chat, cryptully_error_new (code), FALSE);
      return;
    }
  switch (chat->state)
    {
    case CHAT_WAIT_REDY:
      if (g_str_equal (command, "HELO"))
        {
          /* Both sides opened at once. The smaller nickname answers as
           * the responder (its user wanted this chat: no question asked);
           * the other keeps waiting for REDY. */
          if (strcmp (self->nick, chat->nick) < 0)
            {
              chat->state = CHAT_RESPONDING;
              send_plain (self, chat->nick, "REDY", NULL, -1);
              arm_handshake_timeout (self, chat);
            }
          return;
        }
      if (g_str_equal (command, "REJ"))
        {
          chat_end (self, chat, cryptully_error_new (CRYPTULLY_ERROR_REJECTED), FALSE);
          return;
        }
      if (g_str_equal (command, "REDY"))
        {
          g_autofree char *key = cryptully_dh_public_payload (chat->dh);

          send_plain (self, chat->nick, "PUB_KEY", key, -1);
          chat->state = CHAT_WAIT_KEY;
          return;
        }
      break;
    case CHAT_WAIT_KEY:
      if (g_str_equal (command, "PUB_KEY"))
        {
          if (chat_take_key (self, chat, envelope->payload))
            chat_ready (self, chat);
          return;
        }
      break;
    case CHAT_RESPONDING:
      if (g_str_equal (command, "PUB_KEY"))
        {
          g_autofree char *key = NULL;

          if (!chat_take_key (self, chat, envelope->payload))
            return;
          key = cryptully_dh_public_payload (chat->dh);
          send_plain (self, chat->nick, "PUB_KEY", key, -1);
          chat_ready (self, chat);
          return;
        }
      break;
    case CHAT_REQUESTED:
      if (g_str_equal (command, "HELO"))
        return; /* asked twice; still up to the user */
      break;
    case CHAT_READY:
      handle_loop_command (self, chat, envelope);
      return;
    case CHAT_WAIT_ONLINE:
    default:
      break;
    }
  chat_end (self, chat, cryptully_error_new (CRYPTULLY_ERROR_BAD_HANDSHAKE), TRUE);
}

static void fail (CryptullyClient *self, GError *error);

static void
go_online (CryptullyClient *self)
{
  GHashTableIter iter;
  Chat *chat;

  g_clear_handle_id (&self->register_id, g_source_remove);
  g_clear_handle_id (&self->connect_timeout_id, g_source_remove);
  if (self->state == CRYPTULLY_STATE_ONLINE)
    return;
  self->state = CRYPTULLY_STATE_ONLINE;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
  if (self->state != CRYPTULLY_STATE_ONLINE)
    return;
  g_hash_table_iter_init (&iter, self->chats);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &chat))
    if (chat->state == CHAT_WAIT_ONLINE)
      chat_send_helo (self, chat);
}

static guint
count_requests (CryptullyClient *self)
{
  GHashTableIter iter;
  Chat *chat;
  guint n = 0;

  g_hash_table_iter_init (&iter, self->chats);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &chat))
    n += chat->state == CHAT_REQUESTED || chat->state == CHAT_RESPONDING;
  return n;
}

static void
handle_envelope (CryptullyClient *self, const CryptullyEnvelope *envelope)
{
  const char *server_command = envelope->server_command ? envelope->server_command : "";
  g_autofree char *source = NULL;
  Chat *chat;

  if (g_str_equal (server_command, "ERR"))
    {
      int code = cryptully_error_code_from_wire (envelope->error);
      g_autofree char *dest = cryptully_nick_normalize (envelope->dest_nick, NULL);

      if (code == CRYPTULLY_ERROR_NICK_NOT_FOUND && self->state == CRYPTULLY_STATE_ONLINE)
        {
          if (dest && (chat = g_hash_table_lookup (self->chats, dest)))
            chat_end (self, chat, cryptully_error_new (code), FALSE);
          return;
        }
      fail (self, cryptully_error_new (code >= 0 ? code : CRYPTULLY_ERROR_INVALID_COMMAND));
      return;
    }
  if (g_str_equal (server_command, "END"))
    {
      int code = cryptully_error_code_from_wire (envelope->error);

      fail (self, cryptully_error_new (code > 0 ? code : CRYPTULLY_ERROR_SERVER_SHUTDOWN));
      return;
    }
  if (!g_str_equal (server_command, "REL") || envelope->client_command == NULL ||
      !(source = cryptully_nick_normalize (envelope->source_nick, NULL)))
    {
      g_debug ("Ignoring an envelope that is no relayed client command");
      return;
    }
  /* Something relayed to us: the registration went through. */
  go_online (self);
  if (self->state != CRYPTULLY_STATE_ONLINE)
    return;

  chat = g_hash_table_lookup (self->chats, source);
  if (chat && chat->state == CHAT_READY && g_str_equal (envelope->client_command, "HELO"))
    {
      /* The peer started over (its side of the old chat is gone). */
      chat_end (self, chat, cryptully_error_new (CRYPTULLY_ERROR_CONNECTION_ENDED), FALSE);
      chat = NULL;
    }
  if (chat)
    {
      handle_chat_command (self, chat, envelope);
      return;
    }
  if (g_str_equal (envelope->client_command, "HELO"))
    {
      if (g_str_equal (source, self->nick) || count_requests (self) >= CRYPTULLY_REQUESTS_MAX)
        {
          g_debug ("Ignoring a chat request (own nickname, or too many waiting)");
          return;
        }
      chat_new (self, source, CHAT_REQUESTED);
      g_signal_emit (self, signals[CHAT_REQUESTED_SIGNAL], 0, source);
      return;
    }
  /* As the original, anything else from a stranger gets ERR 7 (with the
   * destNick the original forgot); nothing answers END, ERR or REJ. */
  if (!g_str_equal (envelope->client_command, "END") &&
      !g_str_equal (envelope->client_command, "ERR") &&
      !g_str_equal (envelope->client_command, "REJ"))
    send_plain (self, source, "ERR", NULL, CRYPTULLY_ERROR_INVALID_COMMAND);
}

/* Connection */

static void
set_state (CryptullyClient *self, CryptullyState state)
{
  if (self->state == state)
    return;
  self->state = state;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
}

static void
close_connection (CryptullyClient *self)
{
  OutItem *item;

  g_clear_handle_id (&self->register_id, g_source_remove);
  g_clear_handle_id (&self->connect_timeout_id, g_source_remove);
  g_clear_handle_id (&self->close_timeout_id, g_source_remove);
  self->generation++;
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  if (self->connection)
    g_io_stream_close_async (G_IO_STREAM (self->connection), G_PRIORITY_DEFAULT, NULL, NULL, NULL);
  g_clear_object (&self->connection);
  g_clear_pointer (&self->reader, cryptully_frame_reader_free);
  while ((item = g_queue_pop_head (&self->out)))
    {
      if (item->local_id)
        {
          g_autoptr (GError) error = cryptully_error_new (CRYPTULLY_ERROR_CLOSED);

          g_signal_emit (self, signals[SEND_FINISHED], 0, item->local_id, error);
        }
      out_item_free (item);
    }
  self->writing = FALSE;
  self->closing = FALSE;
}

static void
end_all_chats (CryptullyClient *self, const GError *reason, gboolean tell)
{
  g_autoptr (GList) chats = g_hash_table_get_values (self->chats);

  for (GList *l = chats; l; l = l->next)
    chat_end (self, l->data, reason ? g_error_copy (reason) : NULL, tell);
}

static void
fail (CryptullyClient *self, GError *error)
{
  g_autoptr (GError) owned = error;

  if (self->state == CRYPTULLY_STATE_FAILED || self->state == CRYPTULLY_STATE_DISCONNECTED)
    return;
  g_debug ("Connection failed: %s", error->message);
  close_connection (self);
  end_all_chats (self, error, FALSE);
  g_clear_error (&self->error);
  self->error = g_steal_pointer (&owned);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ERROR]);
  set_state (self, CRYPTULLY_STATE_FAILED);
}

static void
write_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (CryptullyClient) self = user_data;
  g_autoptr (GError) error = NULL;
  OutItem *item;

  if (!g_output_stream_write_all_finish (G_OUTPUT_STREAM (object), result, NULL, &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      if (self->closing)
        {
          close_connection (self);
          set_state (self, CRYPTULLY_STATE_DISCONNECTED);
          return;
        }
      fail (self, cryptully_error_new (CRYPTULLY_ERROR_NETWORK));
      return;
    }
  self->writing = FALSE;
  item = g_queue_pop_head (&self->out);
  if (item && item->local_id)
    g_signal_emit (self, signals[SEND_FINISHED], 0, item->local_id, NULL);
  g_clear_pointer (&item, out_item_free);
  write_next (self);
}

static void
write_next (CryptullyClient *self)
{
  OutItem *item;
  gsize len;
  const guint8 *data;

  if (self->writing || self->connection == NULL)
    return;
  if (!(item = g_queue_peek_head (&self->out)))
    {
      if (self->closing)
        {
          close_connection (self);
          set_state (self, CRYPTULLY_STATE_DISCONNECTED);
        }
      return;
    }
  self->writing = TRUE;
  data = g_bytes_get_data (item->frame, &len);
  g_output_stream_write_all_async (g_io_stream_get_output_stream (G_IO_STREAM (self->connection)),
                                   data, len, G_PRIORITY_DEFAULT, self->cancellable, write_cb,
                                   g_object_ref (self));
}

static void
read_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (CryptullyClient) self = user_data;
  g_autoptr (GError) error = NULL;
  gssize n = g_input_stream_read_finish (G_INPUT_STREAM (object), result, &error);
  guint generation = self->generation;

  if (n < 0 && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (n <= 0)
    {
      if (self->closing)
        return; /* the relay closed after our END: fine */
      if (n == 0 && self->reader && !cryptully_frame_reader_check_eof (self->reader, &error))
        fail (self, g_steal_pointer (&error));
      else
        fail (self,
              cryptully_error_new (n == 0 ? CRYPTULLY_ERROR_CLOSED : CRYPTULLY_ERROR_NETWORK));
      return;
    }
  cryptully_frame_reader_push (self->reader, self->read_buf, (gsize) n);
  for (;;)
    {
      g_autoptr (GBytes) frame = NULL;
      g_autoptr (CryptullyEnvelope) envelope = NULL;
      CryptullyFrameStatus status;
      gsize len;
      const char *data;

      /* A handler may have closed or failed the connection. */
      if (self->generation != generation || self->reader == NULL)
        return;
      status = cryptully_frame_reader_next (self->reader, &frame, &error);
      if (status == CRYPTULLY_FRAME_NEED_MORE)
        break;
      if (status == CRYPTULLY_FRAME_ERROR)
        {
          fail (self, g_steal_pointer (&error));
          return;
        }
      data = g_bytes_get_data (frame, &len);
      if (!(envelope = cryptully_envelope_parse (data, len, &error)))
        {
          fail (self, g_steal_pointer (&error));
          return;
        }
      handle_envelope (self, envelope);
    }
  read_next (self);
}

static void
read_next (CryptullyClient *self)
{
  g_input_stream_read_async (g_io_stream_get_input_stream (G_IO_STREAM (self->connection)),
                             self->read_buf, sizeof self->read_buf, G_PRIORITY_DEFAULT,
                             self->cancellable, read_cb, g_object_ref (self));
}

static gboolean
register_window_cb (gpointer user_data)
{
  CryptullyClient *self = user_data;

  self->register_id = 0;
  go_online (self);
  return G_SOURCE_REMOVE;
}

static gboolean
connect_timeout_cb (gpointer user_data)
{
  CryptullyClient *self = user_data;

  self->connect_timeout_id = 0;
  fail (self, cryptully_error_new (CRYPTULLY_ERROR_TIMEOUT));
  return G_SOURCE_REMOVE;
}

static void
connect_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (CryptullyClient) self = user_data;
  g_autoptr (GError) error = NULL;
  GSocketConnection *connection;

  connection = g_socket_client_connect_to_host_finish (G_SOCKET_CLIENT (object), result, &error);
  if (connection == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        fail (self,
              g_error_new (CRYPTULLY_ERROR, CRYPTULLY_ERROR_UNREACHABLE, "%s: %s",
                           cryptully_error_describe (CRYPTULLY_ERROR_UNREACHABLE), error->message));
      return;
    }
  self->connection = connection;
  self->reader = cryptully_frame_reader_new (CRYPTULLY_FRAME_MAX);
  read_next (self);
  send_server_command (self, "VERSION", PROTOCOL_VERSION);
  send_server_command (self, "REG", NULL);
  self->register_id = g_timeout_add (self->register_window, register_window_cb, self);
}

void
cryptully_client_start (CryptullyClient *self)
{
  g_autoptr (GSocketClient) client = NULL;

  g_return_if_fail (CRYPTULLY_IS_CLIENT (self));
  if (self->state == CRYPTULLY_STATE_CONNECTING || self->state == CRYPTULLY_STATE_ONLINE)
    return;
  g_clear_error (&self->error);
  set_state (self, CRYPTULLY_STATE_CONNECTING);
  client = g_socket_client_new ();
  g_socket_client_connect_to_host_async (client, self->host, self->port, self->cancellable,
                                         connect_cb, g_object_ref (self));
  self->connect_timeout_id =
      g_timeout_add_seconds (CRYPTULLY_CONNECT_TIMEOUT_S, connect_timeout_cb, self);
}

static gboolean
close_timeout_cb (gpointer user_data)
{
  CryptullyClient *self = user_data;

  self->close_timeout_id = 0;
  close_connection (self);
  set_state (self, CRYPTULLY_STATE_DISCONNECTED);
  return G_SOURCE_REMOVE;
}

void
cryptully_client_disconnect (CryptullyClient *self)
{
  g_return_if_fail (CRYPTULLY_IS_CLIENT (self));
  if (self->connection == NULL || self->closing)
    {
      close_connection (self);
      end_all_chats (self, NULL, FALSE);
      if (self->state != CRYPTULLY_STATE_FAILED)
        set_state (self, CRYPTULLY_STATE_DISCONNECTED);
      return;
    }
  end_all_chats (self, NULL, TRUE);
  send_server_command (self, "END", NULL);
  /* Closes once the queue is written (write_next), or after a while if the
   * relay does not read. */
  self->closing = TRUE;
  self->close_timeout_id =
      g_timeout_add_seconds (CRYPTULLY_CLOSE_TIMEOUT_S, close_timeout_cb, self);
  write_next (self);
}

/* Public API */

CryptullyClient *
cryptully_client_new (const char *host, guint16 port, const char *nick)
{
  CryptullyClient *self = g_object_new (CRYPTULLY_TYPE_CLIENT, NULL);

  self->host = g_strdup (host);
  self->port = port ? port : CRYPTULLY_DEFAULT_PORT;
  self->nick = g_ascii_strdown (nick, -1);
  return self;
}

CryptullyState
cryptully_client_get_state (CryptullyClient *self)
{
  return self->state;
}

const GError *
cryptully_client_get_error (CryptullyClient *self)
{
  return self->error;
}

const char *
cryptully_client_get_nick (CryptullyClient *self)
{
  return self->nick;
}

void
cryptully_client_set_handshake_timeout (CryptullyClient *self, guint seconds)
{
  self->handshake_timeout = MAX (seconds, 1);
}

void
cryptully_client_set_register_window (CryptullyClient *self, guint milliseconds)
{
  self->register_window = milliseconds;
}

static gboolean
check_online (CryptullyClient *self, GError **error)
{
  if (self->state == CRYPTULLY_STATE_CONNECTING || self->state == CRYPTULLY_STATE_ONLINE)
    return TRUE;
  cryptully_set_error (error, CRYPTULLY_ERROR_NOT_READY);
  return FALSE;
}

/* The chat with @nick, opened (HELO) when there is none. */
static Chat *
ensure_chat (CryptullyClient *self, const char *nick, GError **error)
{
  g_autofree char *key = NULL;
  Chat *chat;

  if (!check_online (self, error) || !(key = cryptully_nick_normalize (nick, error)))
    return NULL;
  if (g_str_equal (key, self->nick))
    {
      cryptully_set_error (error, CRYPTULLY_ERROR_SELF_CONNECT);
      return NULL;
    }
  if ((chat = g_hash_table_lookup (self->chats, key)))
    return chat;
  chat = chat_new (self, key, CHAT_WAIT_ONLINE);
  if (self->state == CRYPTULLY_STATE_ONLINE)
    chat_send_helo (self, chat);
  return chat;
}

gboolean
cryptully_client_open_chat (CryptullyClient *self, const char *nick, GError **error)
{
  g_return_val_if_fail (CRYPTULLY_IS_CLIENT (self), FALSE);
  return ensure_chat (self, nick, error) != NULL;
}

static Chat *
requested_chat (CryptullyClient *self, const char *nick, GError **error)
{
  Chat *chat = lookup_chat (self, nick);

  if (chat == NULL || chat->state != CHAT_REQUESTED || self->state != CRYPTULLY_STATE_ONLINE)
    {
      cryptully_set_error (error, CRYPTULLY_ERROR_NOT_READY);
      return NULL;
    }
  return chat;
}

gboolean
cryptully_client_accept_chat (CryptullyClient *self, const char *nick, GError **error)
{
  Chat *chat;

  g_return_val_if_fail (CRYPTULLY_IS_CLIENT (self), FALSE);
  if (!(chat = requested_chat (self, nick, error)))
    return FALSE;
  chat->state = CHAT_RESPONDING;
  chat->dh = cryptully_dh_new ();
  send_plain (self, chat->nick, "REDY", NULL, -1);
  arm_handshake_timeout (self, chat);
  return TRUE;
}

gboolean
cryptully_client_reject_chat (CryptullyClient *self, const char *nick, GError **error)
{
  Chat *chat;

  g_return_val_if_fail (CRYPTULLY_IS_CLIENT (self), FALSE);
  if (!(chat = requested_chat (self, nick, error)))
    return FALSE;
  send_plain (self, chat->nick, "REJ", NULL, -1);
  chat_end (self, chat, NULL, FALSE);
  return TRUE;
}

void
cryptully_client_end_chat (CryptullyClient *self, const char *nick)
{
  Chat *chat;

  g_return_if_fail (CRYPTULLY_IS_CLIENT (self));
  if ((chat = lookup_chat (self, nick)))
    chat_end (self, chat, NULL, TRUE);
}

gboolean
cryptully_client_is_chat_ready (CryptullyClient *self, const char *nick)
{
  Chat *chat = lookup_chat (self, nick);

  return chat != NULL && chat->state == CHAT_READY;
}

void
cryptully_client_send_message (CryptullyClient *self, const char *nick, const char *local_id,
                               const char *text)
{
  GError *error = NULL;
  Chat *chat;

  g_return_if_fail (CRYPTULLY_IS_CLIENT (self));
  g_return_if_fail (text != NULL);
  if (strlen (text) > CRYPTULLY_TEXT_MAX)
    {
      fail_send_later (self, local_id, cryptully_error_new (CRYPTULLY_ERROR_TOO_LARGE));
      return;
    }
  if (!(chat = ensure_chat (self, nick, &error)))
    {
      fail_send_later (self, local_id, error);
      return;
    }
  if (chat->state == CHAT_READY && self->state == CRYPTULLY_STATE_ONLINE)
    chat_send_text (self, chat, local_id, text);
  else
    {
      Pending *pending = g_new0 (Pending, 1);

      pending->local_id = g_strdup (local_id);
      pending->text = g_strdup (text);
      g_queue_push_tail (&chat->pending, pending);
    }
}

static Chat *
ready_chat (CryptullyClient *self, const char *nick, GError **error)
{
  Chat *chat = lookup_chat (self, nick);

  if (chat == NULL || chat->state != CHAT_READY || self->state != CRYPTULLY_STATE_ONLINE)
    {
      cryptully_set_error (error, CRYPTULLY_ERROR_NOT_READY);
      return NULL;
    }
  return chat;
}

gboolean
cryptully_client_send_typing (CryptullyClient *self, const char *nick, CryptullyTyping state,
                              GError **error)
{
  char status[2] = { (char) ('0' + state), '\0' };
  Chat *chat;

  g_return_val_if_fail (CRYPTULLY_IS_CLIENT (self), FALSE);
  g_return_val_if_fail (state <= CRYPTULLY_TYPING_IDLE_TEXT, FALSE);
  if (!(chat = ready_chat (self, nick, error)))
    return FALSE;
  send_sealed_text (self, chat, "TYPING", status);
  return TRUE;
}

static gboolean
typing_idle_cb (gpointer user_data)
{
  Chat *chat = user_data;

  chat->typing_id = 0;
  chat->typing_sent = FALSE;
  cryptully_client_send_typing (
      chat->client, chat->nick,
      chat->has_text ? CRYPTULLY_TYPING_IDLE_TEXT : CRYPTULLY_TYPING_IDLE_EMPTY, NULL);
  return G_SOURCE_REMOVE;
}

void
cryptully_client_text_changed (CryptullyClient *self, const char *nick, gboolean has_text)
{
  Chat *chat;

  g_return_if_fail (CRYPTULLY_IS_CLIENT (self));
  if (!(chat = ready_chat (self, nick, NULL)))
    return;
  chat->has_text = has_text;
  if (!chat->typing_sent)
    {
      chat->typing_sent = TRUE;
      cryptully_client_send_typing (self, nick, CRYPTULLY_TYPING_ACTIVE, NULL);
    }
  g_clear_handle_id (&chat->typing_id, g_source_remove);
  chat->typing_id = g_timeout_add (CRYPTULLY_TYPING_IDLE_MS, typing_idle_cb, chat);
}

gboolean
cryptully_client_start_smp (CryptullyClient *self, const char *nick, const char *question,
                            const char *answer, GError **error)
{
  g_autoptr (GBytes) smp1 = NULL;
  Chat *chat;

  g_return_val_if_fail (CRYPTULLY_IS_CLIENT (self), FALSE);
  g_return_val_if_fail (question != NULL && answer != NULL, FALSE);
  if (strlen (question) > CRYPTULLY_TEXT_MAX || strlen (answer) > CRYPTULLY_SMP_ANSWER_MAX)
    {
      cryptully_set_error (error, CRYPTULLY_ERROR_TOO_LARGE);
      return FALSE;
    }
  if (!(chat = ready_chat (self, nick, error)))
    return FALSE;
  if (chat->smp != NULL)
    {
      cryptully_set_error (error, CRYPTULLY_ERROR_BUSY);
      return FALSE;
    }
  chat->smp = cryptully_smp_new (answer);
  chat->smp_initiator = TRUE;
  chat->smp_asked = FALSE;
  g_clear_pointer (&chat->smp1, g_bytes_unref);
  send_sealed_text (self, chat, "SMP0", question);
  smp1 = cryptully_smp_step1 (chat->smp);
  send_sealed (self, chat, "SMP1", g_bytes_get_data (smp1, NULL), g_bytes_get_size (smp1), NULL);
  return TRUE;
}

gboolean
cryptully_client_answer_smp (CryptullyClient *self, const char *nick, const char *answer,
                             GError **error)
{
  Chat *chat;

  g_return_val_if_fail (CRYPTULLY_IS_CLIENT (self), FALSE);
  g_return_val_if_fail (answer != NULL, FALSE);
  if (strlen (answer) > CRYPTULLY_SMP_ANSWER_MAX)
    {
      cryptully_set_error (error, CRYPTULLY_ERROR_TOO_LARGE);
      return FALSE;
    }
  if (!(chat = ready_chat (self, nick, error)))
    return FALSE;
  if (!chat->smp_asked || chat->smp != NULL)
    {
      cryptully_set_error (error, chat->smp ? CRYPTULLY_ERROR_BUSY : CRYPTULLY_ERROR_NOT_READY);
      return FALSE;
    }
  chat->smp_asked = FALSE;
  chat->smp = cryptully_smp_new (answer);
  chat->smp_initiator = FALSE;
  if (chat->smp1)
    smp_respond (self, chat);
  return TRUE;
}

/* GObject */

static void
cryptully_client_dispose (GObject *object)
{
  CryptullyClient *self = CRYPTULLY_CLIENT (object);

  close_connection (self);
  g_clear_pointer (&self->chats, g_hash_table_destroy);
  G_OBJECT_CLASS (cryptully_client_parent_class)->dispose (object);
}

static void
cryptully_client_finalize (GObject *object)
{
  CryptullyClient *self = CRYPTULLY_CLIENT (object);

  g_clear_object (&self->cancellable);
  g_clear_error (&self->error);
  g_free (self->host);
  g_free (self->nick);
  G_OBJECT_CLASS (cryptully_client_parent_class)->finalize (object);
}

static void
cryptully_client_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  CryptullyClient *self = CRYPTULLY_CLIENT (object);

  switch (prop_id)
    {
    case PROP_STATE:
      g_value_set_int (value, self->state);
      break;
    case PROP_ERROR:
      g_value_set_boxed (value, self->error);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
cryptully_client_class_init (CryptullyClientClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = cryptully_client_dispose;
  object_class->finalize = cryptully_client_finalize;
  object_class->get_property = cryptully_client_get_property;

  properties[PROP_STATE] =
      g_param_spec_int ("state", NULL, NULL, CRYPTULLY_STATE_DISCONNECTED, CRYPTULLY_STATE_FAILED,
                        CRYPTULLY_STATE_DISCONNECTED, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_ERROR] = g_param_spec_boxed ("error", NULL, NULL, G_TYPE_ERROR,
                                               G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /* A stranger asked to chat: answer with accept_chat () or reject_chat (). */
  signals[CHAT_REQUESTED_SIGNAL] =
      g_signal_new ("chat-requested", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                    NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
  signals[CHAT_READY_SIGNAL] =
      g_signal_new ("chat-ready", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                    G_TYPE_NONE, 1, G_TYPE_STRING);
  /* The error is NULL when the chat was ended here. */
  signals[CHAT_ENDED] =
      g_signal_new ("chat-ended", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                    G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_ERROR);
  signals[MESSAGE_RECEIVED] =
      g_signal_new ("message-received", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                    NULL, G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_STRING);
  signals[SEND_FINISHED] =
      g_signal_new ("send-finished", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                    NULL, G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_ERROR);
  signals[TYPING_CHANGED] =
      g_signal_new ("typing-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                    NULL, G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_INT);
  signals[SMP_QUESTION] =
      g_signal_new ("smp-question", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                    NULL, G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_STRING);
  signals[SMP_FINISHED] =
      g_signal_new ("smp-finished", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                    NULL, G_TYPE_NONE, 3, G_TYPE_STRING, G_TYPE_BOOLEAN, G_TYPE_ERROR);
}

static void
cryptully_client_init (CryptullyClient *self)
{
  self->cancellable = g_cancellable_new ();
  self->handshake_timeout = CRYPTULLY_HANDSHAKE_TIMEOUT_S;
  self->register_window = CRYPTULLY_REGISTER_WINDOW_MS;
  self->chats = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify) chat_free);
  g_queue_init (&self->out);
  cryptully_crypto_init ();
}
