/* mimpd-session.c
 *
 * Decisions where docs/protocols/mimp.md leaves room:
 * - SCH before login: the same puzzle again. SCH after login: 400 (a client
 *   asks only while it waits for the puzzle, so this is a confused client).
 * - AH after a successful login, or while one is being checked: 400; the
 *   first login stays in force.
 * - A user name that is not valid is treated as an unknown user: the
 *   password is still checked against a dummy hash and the answer is 401.
 * - Framing errors get 400 (bad magic or version) or 413 (length over the
 *   limit), then the connection is closed once the replies before it went out.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "mimpd"

#include "config.h"

#include <string.h>

#include "mimpd-keys.h"
#include "mimpd-password.h"
#include "mimpd-session.h"
#include "mimpd-timers.h"

typedef enum
{
  SLOT_READY,  /* reply built */
  SLOT_LOGIN,  /* AH: the password is being checked */
  SLOT_DELAY,  /* AH: failed, waiting the throttle's delay before the 401 */
  SLOT_COMMIT, /* reply built, waits for the group commit */
  SLOT_HELD,   /* GU long poll */
} SlotState;

typedef struct
{
  SlotState state;
  guint16 id; /* packet id of the reply */
  gboolean close_after;
  GString *body; /* plain; %NULL for an empty body */
  /* AH */
  char *user;
  gboolean user_exists;
  /* GU */
  gboolean ack_mode;
  MimpdTimer *timer;
  /* PUSH: pushing starts once this reply is in the output */
  gboolean starts_push;
} Slot;

struct _MimpdSession
{
  gatomicrefcount ref_count;
  MimpdHub *hub;
  char *address;
  MimpdSessionNotify notify;
  gpointer notify_data;

  MimpFrameReader *reader;
  GQueue slots; /* of Slot */
  GString *out; /* enciphered bytes to write; %NULL when drained */
  gsize out_pos;

  guint8 puzzle[MIMP_PUZZLE_SIZE];
  guint8 key[MIMP_KEY_SIZE];
  char *user; /* set once authenticated */
  char token[MIMP_TOKEN_LENGTH + 1];
  gboolean login_pending;
  gboolean knows_extensions; /* asked FEATURES or PUSH: takes ephemeral messages */
  gboolean push;             /* PUSH turned on: messages go out as DELIVER packets */
  gboolean push_stalled;     /* stopped at the output threshold: refill once drained */
  gint64 push_seq;           /* the highest seq pushed on this connection */
  gboolean closing;          /* take no more requests; close once drained */
  gboolean closed;           /* the glue is gone */
  gboolean in_process;
};

static const char base62[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

typedef struct
{
  guint8 *bytes;
  gsize size;
  gsize used;
} RandomPool;

static void
random_base62_from (RandomPool *pool, char *out, gsize len)
{
  gsize n = 0;

  while (n < len)
    {
      if (pool->used == pool->size)
        {
          if (!mimp_random_bytes (pool->bytes, pool->size, NULL))
            g_error ("The system's random source failed");
          pool->used = 0;
        }
      /* 248 = 4 * 62: rejection keeps the choice uniform. */
      if (pool->bytes[pool->used] < 248)
        out[n++] = base62[pool->bytes[pool->used] % 62];
      pool->used++;
    }
  out[len] = '\0';
}

/* Tokens are secrets: fresh bytes each time, wiped after use. */
static void
random_base62 (char *out, gsize len)
{
  guint8 bytes[64];
  RandomPool pool = { bytes, sizeof bytes, sizeof bytes };

  random_base62_from (&pool, out, len);
  mimp_secure_wipe (bytes, sizeof bytes);
}

/* Message ids are public: drawn from a pool refilled 4 KiB at a time
 * instead of one getrandom call per message. Main thread only. */
static void
random_message_id (char *out, gsize len)
{
  static guint8 bytes[4096];
  static RandomPool pool = { bytes, sizeof bytes, sizeof bytes };

  random_base62_from (&pool, out, len);
}

/* A timer on a slot keeps its session alive until it fires or is removed. */
typedef struct
{
  MimpdSession *session;
  Slot *slot;
} SlotTimer;

static void
slot_timer_free (SlotTimer *t)
{
  mimpd_session_unref (t->session);
  g_free (t);
}

/* All slot timers share one GSource (mimpd-timers.c): one each would make
 * every main loop iteration walk 10,000 sources with 10,000 idle clients. */
static MimpdTimer *
slot_timer_add (MimpdSession *self, Slot *slot, guint ms, GSourceFunc func)
{
  SlotTimer *t = g_new0 (SlotTimer, 1);

  t->session = mimpd_session_ref (self);
  t->slot = slot;
  return mimpd_timers_add (mimpd_timers_get_default (), ms, func, t,
                           (GDestroyNotify) slot_timer_free);
}

static void
slot_timer_cancel (Slot *slot)
{
  MimpdTimer *timer = g_steal_pointer (&slot->timer);

  mimpd_timers_remove (mimpd_timers_get_default (), timer);
}

static void
slot_free (Slot *slot)
{
  slot_timer_cancel (slot);
  if (slot->body != NULL)
    {
      mimp_secure_wipe (slot->body->str, slot->body->len);
      g_string_free (slot->body, TRUE);
    }
  g_free (slot->user);
  g_free (slot);
}

static Slot *
slot_push (MimpdSession *self, SlotState state, guint16 id)
{
  Slot *slot = g_new0 (Slot, 1);

  slot->state = state;
  slot->id = id;
  g_queue_push_tail (&self->slots, slot);
  return slot;
}

static void
slot_set_error (Slot *slot, int code, const char *message)
{
  slot->id = MIMP_PACKET_ERROR;
  if (slot->body == NULL)
    slot->body = g_string_sized_new (64);
  g_string_truncate (slot->body, 0);
  mimp_body_append_error (slot->body, code, message);
  slot->state = SLOT_READY;
}

static void
push_error (MimpdSession *self, int code, const char *message)
{
  slot_set_error (slot_push (self, SLOT_READY, MIMP_PACKET_ERROR), code, message);
}

MimpdSession *
mimpd_session_new (MimpdHub *hub, const char *address, MimpdSessionNotify notify,
                   gpointer user_data)
{
  MimpdSession *self = g_new0 (MimpdSession, 1);
  Slot *slot;

  g_atomic_ref_count_init (&self->ref_count);
  self->hub = hub;
  self->address = g_strdup (address ? address : "");
  self->notify = notify;
  self->notify_data = user_data;
  self->reader = mimp_frame_reader_new (mimpd_hub_get_max_body (hub));
  g_queue_init (&self->slots);

  if (!mimp_puzzle_generate (self->puzzle, NULL) ||
      !mimp_puzzle_solve (self->puzzle, sizeof self->puzzle, self->key, NULL))
    g_error ("The system's random source failed");

  /* The server speaks first: the puzzle, as soon as the connection is up. */
  slot = slot_push (self, SLOT_READY, MIMP_PACKET_SCH);
  slot->body = g_string_new_len ((const char *) self->puzzle, sizeof self->puzzle);
  return self;
}

MimpdSession *
mimpd_session_ref (MimpdSession *self)
{
  g_atomic_ref_count_inc (&self->ref_count);
  return self;
}

/* The output holds replies enciphered with a key anyone on the path saw,
 * tokens among them: wipe it before giving it back. */
static void
output_free (GString *out)
{
  mimp_secure_wipe (out->str, out->allocated_len);
  g_string_free (out, TRUE);
}

void
mimpd_session_unref (MimpdSession *self)
{
  if (!g_atomic_ref_count_dec (&self->ref_count))
    return;
  g_queue_clear_full (&self->slots, (GDestroyNotify) slot_free);
  mimp_frame_reader_free (self->reader);
  if (self->out != NULL)
    output_free (self->out);
  g_free (self->user);
  g_free (self->address);
  mimp_secure_wipe (self->token, sizeof self->token);
  mimp_secure_wipe (self->key, sizeof self->key);
  g_free (self);
}

/**
 * mimpd_session_close:
 *
 * The connection is gone: drop long polls and timers. Work in flight (a
 * password check, a commit) still completes, its reply is dropped.
 */
void
mimpd_session_close (MimpdSession *self)
{
  if (self->closed)
    return;
  self->closed = TRUE;
  self->closing = TRUE;
  if (self->push)
    mimpd_hub_push_remove (self->hub, self->user, self);
  for (GList *l = self->slots.head; l != NULL; l = l->next)
    {
      Slot *slot = l->data;

      slot_timer_cancel (slot);
      if (slot->state == SLOT_HELD)
        mimpd_hub_wait_remove (self->hub, self->user, slot);
      if (slot->state == SLOT_HELD || slot->state == SLOT_DELAY)
        slot_set_error (slot, 500, "Connection closed");
    }
}

gboolean
mimpd_session_is_authenticated (MimpdSession *self)
{
  return self->user != NULL;
}

static gsize
pending_output (MimpdSession *self)
{
  return self->out ? self->out->len - self->out_pos : 0;
}

/* Appends one enciphered packet to the output. */
static void
output_append (MimpdSession *self, guint16 id, const GString *body)
{
  guint8 header[MIMP_HEADER_SIZE];
  gsize len = body ? body->len : 0;
  gsize at;

  if (self->out == NULL)
    self->out = g_string_sized_new (MAX (len + MIMP_HEADER_SIZE, 128));
  mimp_header_write (header, id, (guint32) len);
  g_string_append_len (self->out, (const char *) header, sizeof header);
  at = self->out->len;
  if (len > 0)
    {
      g_string_append_len (self->out, body->str, (gssize) len);
      if (id != MIMP_PACKET_SCH)
        mimp_xor ((guint8 *) self->out->str + at, len, self->key, 0);
    }
}

static void push_start (MimpdSession *self);

/* Moves the ready replies at the head of the FIFO into the output. */
static void
drain_slots (MimpdSession *self)
{
  Slot *slot;

  while ((slot = g_queue_peek_head (&self->slots)) && slot->state == SLOT_READY)
    {
      gboolean starts_push = slot->starts_push && slot->id == MIMP_PACKET_PUSH;

      g_queue_pop_head (&self->slots);
      if (!self->closed)
        output_append (self, slot->id, slot->body);
      if (slot->close_after)
        self->closing = TRUE;
      slot_free (slot);
      /* Pushed messages come only after the PUSH reply. */
      if (starts_push && !self->closed)
        push_start (self);
    }
}

static void
changed (MimpdSession *self)
{
  drain_slots (self);
  /* While taking requests, the glue looks at the output afterwards anyway. */
  if (!self->closed && !self->in_process && self->notify != NULL)
    self->notify (self, self->notify_data);
}

static gboolean
token_ok (MimpdSession *self, const char *token)
{
  if (self->user == NULL || token == NULL || strlen (token) != MIMP_TOKEN_LENGTH)
    return FALSE;
  return mimp_constant_time_equal (token, self->token, MIMP_TOKEN_LENGTH);
}

static int
error_code (const GError *error)
{
  if (g_error_matches (error, MIMP_ERROR, MIMP_ERROR_TOO_LARGE))
    return 413;
  return 400;
}

/* JSON may spell a NUL character as \u0000, which json-glib's C strings end
 * at: "pw\u0000anything" would read as "pw". No field of a request may
 * contain one, so such a body is refused before it is parsed. */
static gboolean
has_nul_escape (const guint8 *body, gsize len)
{
  for (gsize i = 0; i + 1 < len; i++)
    {
      if (body[i] != '\\')
        continue;
      if (body[i + 1] == 'u' && i + 5 < len && body[i + 2] == '0' && body[i + 3] == '0' &&
          body[i + 4] == '0' && body[i + 5] == '0')
        return TRUE;
      i++; /* skip the escaped character */
    }
  return FALSE;
}

static gboolean
check_body (MimpdSession *self, const guint8 *body, gsize len)
{
  if (has_nul_escape (body, len))
    {
      push_error (self, 400, "Strings may not contain NUL characters");
      return FALSE;
    }
  return TRUE;
}

/* --- AH ------------------------------------------------------------------ */

static void
handle_login (MimpdSession *self, const guint8 *body, gsize len)
{
  MimpLoginRequest request = { 0 };
  g_autoptr (GError) error = NULL;
  g_autofree char *user = NULL;
  g_autofree char *hash = NULL;
  MimpdStore *store = mimpd_hub_get_store (self->hub);
  Slot *slot;

  if (self->user != NULL || self->login_pending)
    {
      push_error (self, 400, "Already authenticated on this connection");
      return;
    }
  if (!check_body (self, body, len))
    return;
  if (!mimp_body_parse_login_request (body, len, &request, &error))
    {
      push_error (self, 400, error->message);
      return;
    }
  if (!mimp_user_name_normalize (request.user, &user, NULL))
    user = NULL;
  if (mimpd_throttle_blocked (mimpd_hub_get_throttle (self->hub), self->address, user,
                              g_get_monotonic_time ()))
    {
      g_debug ("Login throttled for %s from %s", user ? user : "(invalid name)", self->address);
      push_error (self, 429, "Too many failed logins, try again later");
      mimp_login_request_clear (&request);
      return;
    }
  if (user != NULL)
    hash = mimpd_store_user_get_hash (store, user, &error);
  if (error != NULL)
    {
      g_warning ("%s", error->message);
      push_error (self, 500, "Server error");
      mimp_login_request_clear (&request);
      return;
    }

  slot = slot_push (self, SLOT_LOGIN, MIMP_PACKET_AH);
  slot->user = g_strdup (user);
  slot->user_exists = hash != NULL;
  self->login_pending = TRUE;
  mimpd_hub_login_submit (self->hub, self, slot, request.password,
                          hash ? hash : mimpd_password_dummy_hash ());
  mimp_login_request_clear (&request);
}

static gboolean
login_delay_cb (gpointer data)
{
  SlotTimer *t = data;
  MimpdSession *self = t->session;
  Slot *slot = t->slot;

  slot->timer = NULL;
  slot_set_error (slot, 401, "Wrong user name or password");
  changed (self);
  return G_SOURCE_REMOVE;
}

void
mimpd_session_login_done (MimpdSession *self, gpointer slot_ptr, gboolean ok)
{
  Slot *slot = slot_ptr;
  MimpdThrottle *throttle = mimpd_hub_get_throttle (self->hub);
  guint delay;

  self->login_pending = FALSE;
  if (ok && slot->user_exists)
    {
      if (!self->closed)
        {
          random_base62 (self->token, MIMP_TOKEN_LENGTH);
          self->user = g_strdup (slot->user);
          slot->body = g_string_new_len (self->token, MIMP_TOKEN_LENGTH);
          g_debug ("User %s logged in from %s", self->user, self->address);
        }
      mimpd_throttle_success (throttle, slot->user);
      slot->state = SLOT_READY;
      changed (self);
      return;
    }

  delay = mimpd_throttle_failure (throttle, self->address, slot->user, g_get_monotonic_time ());
  g_debug ("Failed login for %s from %s, answering in %u ms",
           slot->user ? slot->user : "(invalid name)", self->address, delay);
  if (delay == 0 || self->closed)
    {
      slot_set_error (slot, 401, "Wrong user name or password");
      changed (self);
      return;
    }
  slot->state = SLOT_DELAY;
  slot->timer = slot_timer_add (self, slot, delay, login_delay_cb);
}

/* --- SM ------------------------------------------------------------------ */

/* SM and GU: the token is this connection's, and `uf` is its user (401,
 * 403 pushed otherwise). */
static gboolean
user_is_self (MimpdSession *self, const char *uf)
{
  g_autofree char *from = NULL;

  return mimp_user_name_normalize (uf, &from, NULL) && strcmp (from, self->user) == 0;
}

static gboolean
sender_ok (MimpdSession *self, const char *token, const char *uf)
{
  if (!token_ok (self, token))
    {
      push_error (self, 401, "Invalid session token");
      return FALSE;
    }
  if (!user_is_self (self, uf))
    {
      push_error (self, 403, "\"uf\" is not the user of this session");
      return FALSE;
    }
  return TRUE;
}

static void
handle_send (MimpdSession *self, const guint8 *body, gsize len)
{
  MimpSendRequest request = { 0 };
  g_autoptr (GError) error = NULL;
  const char *from = self->user;
  g_autofree char *to = NULL;
  g_autofree char *id = NULL;
  MimpdStore *store = mimpd_hub_get_store (self->hub);
  MimpMessage message = { 0 };
  gboolean exists = FALSE;
  gint64 ts = 0;
  Slot *slot;

  if (!check_body (self, body, len))
    return;
  if (!mimp_body_parse_send_request (body, len, &request, &error))
    {
      push_error (self, error_code (error), error->message);
      return;
    }
  if (!sender_ok (self, request.token, request.from))
    goto out;
  if (mimp_user_name_normalize (request.to, &to, NULL) &&
      !mimpd_store_user_exists (store, to, &exists, &error))
    goto fail;
  if (!exists)
    {
      push_error (self, 404, "No such user");
      goto out;
    }

  /* Ephemeral: to the recipient's waiting long polls, or nowhere; never
   * stored. Without the extensions the field is ignored, as a plain 1.0
   * server ignores it. */
  if (request.ephemeral && mimpd_hub_get_extensions (self->hub))
    {
      gboolean delivered;

      if (!mimpd_hub_ephemeral_allowed (self->hub, from))
        {
          push_error (self, 429, "Too many ephemeral messages, slow down");
          goto out;
        }
      message.from = self->user;
      message.to = to;
      message.text = request.text;
      message.seq = -1;
      message.timestamp = g_get_real_time () / 1000;
      delivered = mimpd_hub_deliver_ephemeral (self->hub, &message);
      slot = slot_push (self, SLOT_READY, MIMP_PACKET_SM);
      slot->body = g_string_sized_new (48);
      g_string_append_printf (slot->body, "{\"ts\":%" G_GINT64_FORMAT ",\"delivered\":%s}",
                              message.timestamp, delivered ? "true" : "false");
      goto out;
    }

  /* Idempotent sends: a retry gets the first reply. */
  if (request.client_id != NULL)
    {
      if (mimpd_hub_pending_send_lookup (self->hub, from, request.client_id, &id, &ts))
        {
          slot = slot_push (self, SLOT_COMMIT, MIMP_PACKET_SM);
          slot->body = g_string_sized_new (48);
          mimp_body_append_send_reply (slot->body, id, ts);
          mimpd_hub_await_commit (self->hub, self, slot);
          goto out;
        }
      if (mimpd_store_sent_lookup (store, from, request.client_id, &id, &ts, &error))
        {
          slot = slot_push (self, SLOT_READY, MIMP_PACKET_SM);
          slot->body = g_string_sized_new (48);
          mimp_body_append_send_reply (slot->body, id, ts);
          goto out;
        }
      if (error != NULL)
        goto fail;
    }

  id = g_malloc (23);
  random_message_id (id, 22);
  message.id = id;
  message.from = self->user;
  message.to = to;
  message.text = request.text;
  message.timestamp = g_get_real_time () / 1000;
  if (!mimpd_hub_write_begin (self->hub, &error) ||
      !mimpd_store_message_add (store, &message, request.client_id, &error))
    goto fail;
  if (request.client_id != NULL)
    mimpd_hub_pending_send_add (self->hub, from, request.client_id, id, message.timestamp);
  mimpd_hub_message_added (self->hub, to, message.seq);

  slot = slot_push (self, SLOT_COMMIT, MIMP_PACKET_SM);
  slot->body = g_string_sized_new (48);
  mimp_body_append_send_reply (slot->body, id, message.timestamp);
  mimpd_hub_await_commit (self->hub, self, slot);
  goto out;

fail:
  g_warning ("Could not store a message: %s", error->message);
  push_error (self, 500, "Server error");
out:
  mimp_send_request_clear (&request);
}

/* --- GU ------------------------------------------------------------------ */

/* Drops the messages up to @ack, in the open group (an acknowledgement need
 * not be durable before anything else: a lost one brings the messages
 * again, and clients drop duplicates). */
static gboolean
drop_acknowledged (MimpdSession *self, gint64 ack)
{
  g_autoptr (GError) error = NULL;

  if (ack <= 0)
    return TRUE;
  if (!mimpd_hub_write_begin (self->hub, &error) ||
      !mimpd_store_messages_drop (mimpd_hub_get_store (self->hub), self->user, ack, &error))
    {
      g_warning ("Could not drop acknowledged messages: %s", error->message);
      return FALSE;
    }
  return TRUE;
}

/* Sets @body to `{"messages":[...],"more":B}` with the first of @messages:
 * at most MIMP_GU_MAX_MESSAGES, within the body limit, and with
 * @committed_only none from the open commit group on. Returns how many it
 * took, the last one's seq in @last_seq. */
static guint
append_messages (MimpdSession *self, GString *body, GPtrArray *messages, gboolean committed_only,
                 gint64 *last_seq)
{
  gsize limit = mimpd_hub_get_max_body (self->hub);
  guint added = 0;

  g_string_assign (body, "{\"messages\":[");
  for (guint i = 0; i < messages->len && added < MIMP_GU_MAX_MESSAGES; i++)
    {
      MimpMessage *m = g_ptr_array_index (messages, i);
      gsize before = body->len;

      if (committed_only && !mimpd_hub_is_committed (self->hub, m->seq))
        break;
      if (added > 0)
        g_string_append_c (body, ',');
      mimp_body_append_message (body, m);
      /* Leave room for the closing `],"more":false}`. */
      if (body->len + 16 > limit && added > 0)
        {
          g_string_truncate (body, before);
          break;
        }
      *last_seq = m->seq;
      added++;
    }
  g_string_append (body, added < messages->len ? "],\"more\":true}" : "],\"more\":false}");
  return added;
}

/* Answers a GU into @slot from what is waiting now. With @hold_if_empty,
 * an empty answer is held instead (long poll); returns whether it was. */
static gboolean
answer_get (MimpdSession *self, Slot *slot, gboolean hold_if_empty)
{
  MimpdStore *store = mimpd_hub_get_store (self->hub);
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) messages = NULL;
  gint64 last_seq = -1;
  guint added;

  /* Plain 1.0 drops what it returns: open the group first, so that the
   * drop and what was read belong to one group (opening it may commit the
   * previous one, and a failed commit would take back what was read). */
  if (!slot->ack_mode && !mimpd_hub_write_begin (self->hub, &error))
    goto fail;
  messages = mimpd_store_messages_fetch (store, self->user, MIMP_GU_MAX_MESSAGES + 1, &error);
  if (messages == NULL)
    goto fail;
  if (messages->len == 0 && hold_if_empty)
    return TRUE;

  if (slot->body == NULL)
    slot->body = g_string_sized_new (64);
  added = append_messages (self, slot->body, messages, FALSE, &last_seq);

  /* Plain 1.0: what was returned is dropped (committed before the reply). */
  if (!slot->ack_mode && added > 0 &&
      !mimpd_store_messages_drop (store, self->user, last_seq, &error))
    goto fail;
  slot->id = MIMP_PACKET_GU;
  /* A reply waits for the commit when it carries a message of the open
   * group, or when plain 1.0 dropped what it returns. An acknowledgement
   * (ack mode) need not be durable first: if it is lost in a crash the
   * messages come again, and clients drop what they already have
   * (MimpClientSession by seq; the app also by id, as the protocol asks). */
  if (mimpd_hub_in_group (self->hub) &&
      ((!slot->ack_mode && added > 0) ||
       (added > 0 && !mimpd_hub_is_committed (self->hub, last_seq))))
    {
      slot->state = SLOT_COMMIT;
      mimpd_hub_await_commit (self->hub, self, slot);
    }
  else
    slot->state = SLOT_READY;
  return FALSE;

fail:
  g_warning ("Could not read waiting messages: %s", error->message);
  slot_set_error (slot, 500, "Server error");
  return FALSE;
}

static gboolean
held_timeout_cb (gpointer data)
{
  SlotTimer *t = data;
  MimpdSession *self = t->session;
  Slot *slot = t->slot;

  slot->timer = NULL;
  if (slot->state == SLOT_HELD)
    {
      mimpd_hub_wait_remove (self->hub, self->user, slot);
      answer_get (self, slot, FALSE);
    }
  changed (self);
  return G_SOURCE_REMOVE;
}

void
mimpd_session_slot_wake (MimpdSession *self, gpointer slot_ptr)
{
  Slot *slot = slot_ptr;

  if (slot->state != SLOT_HELD || self->closed)
    return;
  if (answer_get (self, slot, TRUE))
    {
      /* Another connection of the same user took the messages first: keep
       * waiting for the rest of the time. */
      mimpd_hub_wait_add (self->hub, self->user, self, slot);
      return;
    }
  slot_timer_cancel (slot);
  changed (self);
}

gboolean
mimpd_session_slot_takes_ephemeral (MimpdSession *self, gpointer slot_ptr)
{
  Slot *slot = slot_ptr;

  return slot->state == SLOT_HELD && !self->closed && self->knows_extensions;
}

/* Sets @body to a GU reply with the ephemeral @message alone. */
static void
append_ephemeral (GString *body, const MimpMessage *message)
{
  g_string_assign (body, "{\"messages\":[");
  mimp_body_append_message (body, message);
  g_string_truncate (body, body->len - 1); /* the message's '}' */
  g_string_append (body, ",\"ephemeral\":true}],\"more\":false}");
}

/* Answers the held GU @slot with the ephemeral @message alone: no id, no
 * seq, nothing to acknowledge. The hub has already removed the waiter. */
void
mimpd_session_slot_ephemeral (MimpdSession *self, gpointer slot_ptr, const MimpMessage *message)
{
  Slot *slot = slot_ptr;

  if (!mimpd_session_slot_takes_ephemeral (self, slot))
    return;
  slot_timer_cancel (slot);
  if (slot->body == NULL)
    slot->body = g_string_sized_new (128);
  append_ephemeral (slot->body, message);
  slot->id = MIMP_PACKET_GU;
  slot->state = SLOT_READY;
  changed (self);
}

/* A new request ends every held GU of this connection at once. */
static void
release_held (MimpdSession *self)
{
  for (GList *l = self->slots.head; l != NULL; l = l->next)
    {
      Slot *slot = l->data;

      if (slot->state == SLOT_HELD)
        {
          slot_timer_cancel (slot);
          mimpd_hub_wait_remove (self->hub, self->user, slot);
          answer_get (self, slot, FALSE);
        }
    }
}

/* GU and PUSH share the request form `{"uf", "token", "ack"?, "wait"?}`.
 * Returns whether it is valid and the connection's user's (the error is
 * pushed otherwise); @request is to be cleared either way. */
static gboolean
parse_get_form (MimpdSession *self, const guint8 *body, gsize len, MimpGetRequest *request)
{
  g_autoptr (GError) error = NULL;

  if (!check_body (self, body, len))
    return FALSE;
  if (!mimp_body_parse_get_request (body, len, request, &error))
    {
      push_error (self, error_code (error), error->message);
      return FALSE;
    }
  return sender_ok (self, request->token, request->from);
}

static void
handle_get (MimpdSession *self, const guint8 *body, gsize len)
{
  MimpGetRequest request = { 0 };
  Slot *slot;

  if (!parse_get_form (self, body, len, &request))
    goto out;

  slot = slot_push (self, SLOT_READY, MIMP_PACKET_GU);
  slot->ack_mode = request.ack >= 0;
  if (!drop_acknowledged (self, request.ack))
    {
      slot_set_error (slot, 500, "Server error");
      goto out;
    }
  if (answer_get (self, slot, request.wait > 0))
    {
      slot->state = SLOT_HELD;
      slot->timer = slot_timer_add (self, slot, request.wait * 1000, held_timeout_cb);
      mimpd_hub_wait_add (self->hub, self->user, self, slot);
    }
out:
  mimp_get_request_clear (&request);
}

/* --- PUSH and ACK (extension) ---------------------------------------------- */

/* Pushes the committed messages this connection was not given yet, as
 * DELIVER packets, while its unread output stays under the threshold; past
 * it, stops until the client has read (mimpd_session_consume_output). The
 * messages stay stored until acknowledged either way. */
static void
push_fill (MimpdSession *self)
{
  MimpdStore *store = mimpd_hub_get_store (self->hub);

  if (!self->push || self->closed)
    return;
  self->push_stalled = FALSE;
  for (;;)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (GPtrArray) messages = NULL;
      g_autoptr (GString) body = NULL;
      guint added;

      if (pending_output (self) >= MIMPD_SESSION_PUSH_THRESHOLD)
        {
          self->push_stalled = TRUE;
          return;
        }
      messages = mimpd_store_messages_fetch_after (store, self->user, self->push_seq,
                                                   MIMP_GU_MAX_MESSAGES, &error);
      if (messages == NULL)
        {
          /* Tried again at the next wake-up; nothing is lost. */
          g_warning ("Could not read messages to push: %s", error->message);
          return;
        }
      if (messages->len == 0)
        return;
      body = g_string_sized_new (256);
      added = append_messages (self, body, messages, TRUE, &self->push_seq);
      if (added > 0)
        output_append (self, MIMP_PACKET_DELIVER, body);
      mimp_secure_wipe (body->str, body->len);
      /* Stopped at an uncommitted message (the wake-up after its commit
       * comes), or took all there was. */
      if (added == 0 || (added == messages->len && messages->len < MIMP_GU_MAX_MESSAGES))
        return;
    }
}

static void
push_start (MimpdSession *self)
{
  if (self->push)
    return;
  self->push = TRUE;
  mimpd_hub_push_add (self->hub, self->user, self);
  push_fill (self);
}

/* The hub: a commit stored messages for this connection's user. */
void
mimpd_session_push_wake (MimpdSession *self)
{
  push_fill (self);
  changed (self);
}

/* The hub: an ephemeral message for this connection's user. Dropped (and
 * %FALSE returned) while the client does not read. */
gboolean
mimpd_session_push_ephemeral (MimpdSession *self, const MimpMessage *message)
{
  g_autoptr (GString) body = NULL;

  if (!self->push || self->closed || pending_output (self) >= MIMPD_SESSION_PUSH_THRESHOLD)
    return FALSE;
  body = g_string_sized_new (128);
  append_ephemeral (body, message);
  output_append (self, MIMP_PACKET_DELIVER, body);
  mimp_secure_wipe (body->str, body->len);
  changed (self);
  return TRUE;
}

/* PUSH: `{"uf", "token", "ack"?}`, the form of a GU request ("wait" is
 * ignored). Replies `{"push":true}`; pushing starts after that reply. */
static void
handle_push (MimpdSession *self, const guint8 *body, gsize len)
{
  MimpGetRequest request = { 0 };
  Slot *slot;

  if (parse_get_form (self, body, len, &request))
    {
      if (!drop_acknowledged (self, request.ack))
        push_error (self, 500, "Server error");
      else
        {
          slot = slot_push (self, SLOT_READY, MIMP_PACKET_PUSH);
          slot->body = g_string_new ("{\"push\":true}");
          slot->starts_push = TRUE;
          self->knows_extensions = TRUE;
        }
    }
  mimp_get_request_clear (&request);
}

/* ACK: `{"uf", "token", "ack": N}` on a push connection, never answered.
 * Since no reply slot is taken, a bad ACK cannot be answered in order: it
 * gets an Error and the connection closes. */
static void
handle_ack (MimpdSession *self, const guint8 *body, gsize len)
{
  MimpGetRequest request = { 0 };
  g_autoptr (GError) error = NULL;
  int code = 400;
  const char *message = NULL;

  if (!self->push)
    message = "ACK before PUSH";
  else if (has_nul_escape (body, len))
    message = "Strings may not contain NUL characters";
  else if (!mimp_body_parse_get_request (body, len, &request, &error))
    {
      code = error_code (error);
      message = error->message;
    }
  else if (!token_ok (self, request.token))
    {
      code = 401;
      message = "Invalid session token";
    }
  else if (!user_is_self (self, request.from))
    {
      code = 403;
      message = "\"uf\" is not the user of this session";
    }
  else if (request.ack < 0)
    message = "ACK without \"ack\"";
  else if (!drop_acknowledged (self, request.ack))
    {
      code = 500;
      message = "Server error";
    }
  if (message != NULL)
    {
      push_error (self, code, message);
      ((Slot *) g_queue_peek_tail (&self->slots))->close_after = TRUE;
      self->closing = TRUE;
    }
  mimp_get_request_clear (&request);
}

/* --- FEATURES and KEYS (extensions) ---------------------------------------- */

static void
handle_features (MimpdSession *self, const guint8 *body, gsize len)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *from = NULL;
  char *token = NULL;
  Slot *slot;

  if (!check_body (self, body, len))
    return;
  if (!mimpd_features_parse_request (body, len, &from, &token, &error))
    {
      push_error (self, error_code (error), error->message);
      return;
    }
  if (sender_ok (self, token, from))
    {
      slot = slot_push (self, SLOT_READY, MIMP_PACKET_FEATURES);
      slot->body = g_string_sized_new (48);
      mimpd_features_append_reply (slot->body, TRUE, TRUE, TRUE);
      self->knows_extensions = TRUE;
    }
  mimp_secure_free_string (token);
}

static void
keys_store_error (MimpdSession *self, GError *error)
{
  if (g_error_matches (error, MIMPD_STORE_ERROR, MIMPD_STORE_ERROR_LIMIT))
    {
      push_error (self, 413, error->message);
      return;
    }
  g_warning ("Key directory: %s", error->message);
  push_error (self, 500, "Server error");
}

static void
handle_keys (MimpdSession *self, const guint8 *body, gsize len)
{
  MimpdKeysRequest request = { 0 };
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) devices = NULL;
  g_autofree char *user = NULL;
  g_autofree char *hash = NULL;
  MimpdStore *store = mimpd_hub_get_store (self->hub);
  gint64 left = 0;
  Slot *slot;

  if (!check_body (self, body, len))
    return;
  if (!mimpd_keys_parse_request (body, len, &request, &error))
    {
      push_error (self, error_code (error), error->message);
      return;
    }
  if (!sender_ok (self, request.token, request.from))
    goto out;

  switch (request.op)
    {
    case MIMPD_KEYS_OP_PUBLISH:
      if (!mimpd_hub_write_begin (self->hub, &error) ||
          !mimpd_store_keys_publish (store, self->user, request.bundle, &left, &error))
        {
          keys_store_error (self, error);
          goto out;
        }
      /* Answered once the keys are durable. */
      slot = slot_push (self, SLOT_COMMIT, MIMP_PACKET_KEYS);
      slot->body = g_string_sized_new (48);
      mimpd_keys_append_publish_reply (slot->body, left);
      mimpd_hub_await_commit (self->hub, self, slot);
      break;

    case MIMPD_KEYS_OP_FETCH:
      /* Counted before anything else, unknown users too. */
      if (!mimpd_hub_key_fetch_allowed (self->hub, self->user))
        {
          push_error (self, 429, "Too many key requests, try again later");
          goto out;
        }
      if (mimp_user_name_normalize (request.user, &user, NULL))
        hash = mimpd_store_user_get_hash (store, user, &error);
      if (error != NULL)
        {
          keys_store_error (self, error);
          goto out;
        }
      if (hash == NULL)
        {
          push_error (self, 404, "No such user");
          goto out;
        }
      if (!mimpd_hub_write_begin (self->hub, &error) ||
          !(devices = mimpd_store_keys_fetch (store, user, &error)))
        {
          keys_store_error (self, error);
          goto out;
        }
      /* The prekeys handed out are gone once this is committed; if the
       * commit fails the reply is a 500, so none is handed out twice. */
      slot = slot_push (self, SLOT_COMMIT, MIMP_PACKET_KEYS);
      slot->body = g_string_sized_new (256);
      mimpd_keys_append_fetch_reply (slot->body, user, devices);
      mimpd_hub_await_commit (self->hub, self, slot);
      break;

    case MIMPD_KEYS_OP_COUNT:
      if (!mimpd_store_keys_count (store, self->user, request.device, &left, &error))
        {
          keys_store_error (self, error);
          goto out;
        }
      slot = slot_push (self, SLOT_READY, MIMP_PACKET_KEYS);
      slot->body = g_string_sized_new (64);
      mimpd_keys_append_count_reply (slot->body, request.device, left);
      break;

    default:
      g_assert_not_reached ();
    }
out:
  mimpd_keys_request_clear (&request);
}

/* --- Dispatch --------------------------------------------------------------- */

static void
handle_frame (MimpdSession *self, guint16 id, guint8 *body, gsize len)
{
  Slot *slot;

  release_held (self);
  if (id != MIMP_PACKET_SCH && id != MIMP_PACKET_ERROR && mimp_packet_id_is_known (id))
    mimp_xor (body, len, self->key, 0);

  switch (id)
    {
    case MIMP_PACKET_SCH:
      if (self->user != NULL)
        push_error (self, 400, "Already authenticated; the key does not change");
      else
        {
          slot = slot_push (self, SLOT_READY, MIMP_PACKET_SCH);
          slot->body = g_string_new_len ((const char *) self->puzzle, sizeof self->puzzle);
        }
      break;
    case MIMP_PACKET_AH:
      handle_login (self, body, len);
      break;
    case MIMP_PACKET_SM:
      if (self->user == NULL)
        push_error (self, 401, "Not authenticated");
      else
        handle_send (self, body, len);
      break;
    case MIMP_PACKET_GU:
      if (self->user == NULL)
        push_error (self, 401, "Not authenticated");
      else
        handle_get (self, body, len);
      break;
    case MIMP_PACKET_FEATURES:
    case MIMP_PACKET_KEYS:
    case MIMP_PACKET_PUSH:
    case MIMP_PACKET_ACK:
      if (!mimpd_hub_get_extensions (self->hub))
        push_error (self, 501, "Unknown packet id");
      else if (self->user == NULL)
        push_error (self, 401, "Not authenticated");
      else if (id == MIMP_PACKET_FEATURES)
        handle_features (self, body, len);
      else if (id == MIMP_PACKET_KEYS)
        handle_keys (self, body, len);
      else if (id == MIMP_PACKET_PUSH)
        handle_push (self, body, len);
      else
        handle_ack (self, body, len);
      break;
    case MIMP_PACKET_ERROR:
      push_error (self, 400, "A client never sends an Error packet");
      ((Slot *) g_queue_peek_tail (&self->slots))->close_after = TRUE;
      self->closing = TRUE;
      break;
    default:
      push_error (self, 501, "Unknown packet id");
      break;
    }
  /* Mark the request's text and password as gone from the buffer. */
  mimp_secure_wipe (body, len);
}

gboolean
mimpd_session_wants_input (MimpdSession *self)
{
  return !self->closing && pending_output (self) < MIMPD_SESSION_MAX_PENDING_OUTPUT &&
         self->slots.length < MIMPD_SESSION_MAX_PENDING_SLOTS;
}

static void
process (MimpdSession *self)
{
  if (self->in_process)
    return;
  self->in_process = TRUE;
  while (mimpd_session_wants_input (self))
    {
      g_autoptr (GError) error = NULL;
      guint16 id = 0;
      guint8 *body = NULL;
      guint32 len = 0;
      MimpFrameStatus status;

      status = mimp_frame_reader_next (self->reader, &id, &body, &len, &error);
      if (status == MIMP_FRAME_NEED_MORE)
        break;
      if (status == MIMP_FRAME_ERROR)
        {
          Slot *slot;

          g_debug ("Framing error from %s: %s", self->address, error->message);
          release_held (self);
          push_error (self, error_code (error), error->message);
          slot = g_queue_peek_tail (&self->slots);
          slot->close_after = TRUE;
          self->closing = TRUE;
          break;
        }
      handle_frame (self, id, body, len);
      drain_slots (self);
    }
  drain_slots (self);
  self->in_process = FALSE;
}

/**
 * mimpd_session_shutdown:
 *
 * The server is stopping: take no further request, answer held long polls
 * now, and let the replies already owed go out.
 */
void
mimpd_session_shutdown (MimpdSession *self)
{
  if (self->closing)
    return;
  self->closing = TRUE;
  release_held (self);
  drain_slots (self);
}

guint8 *
mimpd_session_reserve (MimpdSession *self, gsize want, gsize *available)
{
  return mimp_frame_reader_reserve (self->reader, want, available);
}

void
mimpd_session_commit_input (MimpdSession *self, gsize len)
{
  mimp_frame_reader_commit (self->reader, len);
  process (self);
  /* An idle connection keeps no read buffer (capacity at 10,000 connections). */
  mimp_frame_reader_trim (self->reader);
}

void
mimpd_session_feed (MimpdSession *self, const guint8 *data, gsize len)
{
  mimp_frame_reader_push (self->reader, data, len);
  process (self);
}

/* Takes requests again after backpressure, from what is already buffered. */
void
mimpd_session_resume (MimpdSession *self)
{
  process (self);
}

const guint8 *
mimpd_session_peek_output (MimpdSession *self, gsize *len)
{
  drain_slots (self);
  if (self->out == NULL)
    {
      *len = 0;
      return NULL;
    }
  *len = self->out->len - self->out_pos;
  return (const guint8 *) self->out->str + self->out_pos;
}

void
mimpd_session_consume_output (MimpdSession *self, gsize len)
{
  g_return_if_fail (self->out != NULL && self->out_pos + len <= self->out->len);
  self->out_pos += len;
  if (self->out_pos == self->out->len)
    {
      /* Drained: give the memory back, an idle connection keeps nothing. */
      output_free (g_steal_pointer (&self->out));
      self->out_pos = 0;
    }
  /* The client reads again: push what waited meanwhile. */
  if (self->push_stalled && pending_output (self) < MIMPD_SESSION_PUSH_THRESHOLD / 2)
    push_fill (self);
}

gboolean
mimpd_session_should_close (MimpdSession *self)
{
  return self->closing && self->out == NULL && g_queue_is_empty (&self->slots);
}

void
mimpd_session_slot_committed (MimpdSession *self, gpointer slot_ptr, gboolean ok)
{
  Slot *slot = slot_ptr;

  if (slot->state != SLOT_COMMIT)
    return;
  if (ok)
    slot->state = SLOT_READY;
  else
    slot_set_error (slot, 500, "Server error: could not store");
  changed (self);
}

gsize
mimpd_session_memory (MimpdSession *self)
{
  gsize n = sizeof *self + mimp_frame_reader_capacity (self->reader);

  if (self->out != NULL)
    n += self->out->allocated_len;
  for (GList *l = self->slots.head; l != NULL; l = l->next)
    {
      Slot *slot = l->data;

      n += sizeof *slot + (slot->body ? slot->body->allocated_len : 0);
    }
  return n;
}
