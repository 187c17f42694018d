/* mimp-e2e-codec.c
 *
 * The codec of a MIMP account's private chats. Its state (identity, ratchet
 * sessions, trust) is libmimpe2e's, in `e2e/<account>.db` next to the
 * history, sealed with a storage key kept in the Secret Service
 * (mimp-secret-store.h); it is opened the first time it is needed, and all
 * work on it runs on a MimpE2eWorker's thread.
 *
 * Every one-to-one chat tries to be private: a message waits (the codec
 * answers MIMP_MESSAGE_CODEC_ERROR_WAIT) until there is a session with the
 * peer (key directory, or an in-band key request answered when the peer
 * comes online), and goes unencrypted only when the user chose so for a
 * peer without keys; a chat that had a session never falls back.
 *
 * A locked keyring blocks nothing: a batch with envelopes in it waits on
 * the server (decode fails; the account retries it), the account says
 * `e2e-locked`, and the keyring is asked again at most every 30 seconds.
 *
 * Received: every text goes through mimp_e2e_decrypt() with the server's
 * id, in order; what it made is stored by the account, and only then is the
 * library told (mimp_e2e_delivered()) and the batch acknowledged, so a
 * crash in between gets the same result again. Control messages (key
 * exchange, verification, resend requests) are handled here and dropped;
 * their replies go out through the MIMP session with client ids of their
 * own (MIMP_MIMP_SESSION_OWN_ID_PREFIX). Typing notices go as ephemeral
 * messages, encrypted in private chats, `?MIMPTYPING:1:` in plain ones,
 * and only to servers that offer ephemeral messages.
 *
 * Nothing here logs a message's text, a key or a verification secret.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "mimp-e2e-codec"

#include "config.h"

#include <errno.h>
#include <string.h>

#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "mimp-account.h"
#include "mimp-app-enums.h"
#include "mimp-e2e-codec-private.h"
#include "mimp-e2e-keys.h"
#include "mimp-history.h"
#include "mimp-incoming.h"
#include "protocols/mimp/mimp-mimp-protocol.h"

/* After the keyring failed, do not ask it again sooner (each lookup may
 * show an unlock prompt). */
#define OPEN_RETRY_USEC (30 * G_USEC_PER_SEC)

static void mimp_e2e_codec_iface_init (MimpMessageCodecInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (MimpE2eCodec, mimp_e2e_codec, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (MIMP_TYPE_MESSAGE_CODEC,
                                                      mimp_e2e_codec_iface_init))

enum
{
  PROP_0,
  PROP_LOCKED,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];
guint mimp_e2e_codec_signals[N_SIGNALS];

static void ensure_session (MimpE2eCodec *self, const char *peer);

/* ------------------------------------------------------------------ */
/* Small things                                                       */
/* ------------------------------------------------------------------ */

gboolean
mimp_e2e_codec_is_self (MimpE2eCodec *self, const char *peer)
{
  return g_strcmp0 (peer, mimp_account_get_user (self->account)) == 0;
}

/* A chat is private once a session was made with the peer: from then on
 * plain text in it is marked, and it never falls back. */
gboolean
mimp_e2e_codec_privacy_is_private (MimpChatPrivacy privacy)
{
  return privacy == MIMP_CHAT_PRIVACY_UNVERIFIED || privacy == MIMP_CHAT_PRIVACY_VERIFIED ||
         privacy == MIMP_CHAT_PRIVACY_KEY_CHANGED;
}

MimpChatPrivacy
mimp_e2e_codec_privacy_from_trust (MimpE2eCodec *self, const char *peer, MimpE2eTrust trust)
{
  if (mimp_e2e_codec_is_self (self, peer))
    return MIMP_CHAT_PRIVACY_NONE;
  switch (trust)
    {
    case MIMP_E2E_TRUST_UNVERIFIED:
      return MIMP_CHAT_PRIVACY_UNVERIFIED;
    case MIMP_E2E_TRUST_VERIFIED:
      return MIMP_CHAT_PRIVACY_VERIFIED;
    case MIMP_E2E_TRUST_KEY_CHANGED:
      return MIMP_CHAT_PRIVACY_KEY_CHANGED;
    case MIMP_E2E_TRUST_NONE:
    default:
      return g_hash_table_contains (self->unencrypted, peer) ? MIMP_CHAT_PRIVACY_NONE
                                                             : MIMP_CHAT_PRIVACY_WAITING;
    }
}

void
mimp_e2e_codec_set_privacy (MimpE2eCodec *self, const char *peer, MimpChatPrivacy privacy)
{
  gpointer old = g_hash_table_lookup (self->privacy, peer);

  if (old != NULL && GPOINTER_TO_INT (old) - 1 == (int) privacy)
    return;
  g_hash_table_insert (self->privacy, g_strdup (peer), GINT_TO_POINTER (privacy + 1));
  g_debug ("A chat's privacy is now %d", privacy);
  g_signal_emit (self, mimp_e2e_codec_signals[PRIVACY_CHANGED], 0, peer, privacy);
}

/* What is known of a peer's chat now, or (before the state is open) what
 * the history kept. */
gboolean
mimp_e2e_codec_known_privacy (MimpE2eCodec *self, const char *peer, MimpChatPrivacy *privacy)
{
  gpointer value = g_hash_table_lookup (self->privacy, peer);

  if (value == NULL)
    value = g_hash_table_lookup (self->last_known, peer);
  if (value == NULL)
    return FALSE;
  *privacy = GPOINTER_TO_INT (value) - 1;
  return TRUE;
}

static void
set_locked (MimpE2eCodec *self, gboolean locked)
{
  if (self->locked == locked)
    return;
  self->locked = locked;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LOCKED]);
}

/* Messages to @peer that waited may go now. */
void
mimp_e2e_codec_peer_ready (MimpE2eCodec *self, const char *peer)
{
  g_hash_table_remove (self->waiting_peers, peer);
  mimp_message_codec_emit_ready (MIMP_MESSAGE_CODEC (self), peer);
}

/* Sends one of the codec's own messages (a key answer, a verification step,
 * a resend) to @peer. */
void
mimp_e2e_codec_send_own (MimpE2eCodec *self, const char *peer, const char *text)
{
  g_autofree char *uuid = NULL;
  g_autofree char *id = NULL;

  if (self->session == NULL)
    {
      g_debug ("A message of private chats was dropped: the account is offline");
      return;
    }
  uuid = g_uuid_string_random ();
  id = g_strconcat (MIMP_MIMP_SESSION_OWN_ID_PREFIX, uuid, NULL);
  mimp_client_session_send (self->session, id, peer, text);
}

char *
mimp_e2e_codec_secret_dup (const char *secret)
{
  return g_strdup (secret);
}

void
mimp_e2e_codec_secret_free (gpointer secret)
{
  if (secret != NULL)
    memset (secret, 0, strlen (secret));
  g_free (secret);
}

/* ------------------------------------------------------------------ */
/* Opening the state                                                  */
/* ------------------------------------------------------------------ */

typedef struct
{
  GTask *task;
  MimpE2eCodecThen then;
} Waiter;

static void open_state (MimpE2eCodec *self);

/* Runs @then with @task (which it takes) once the state is open, or at once
 * (with self->worker %NULL) when it cannot be opened now. */
void
mimp_e2e_codec_with_worker (MimpE2eCodec *self, GTask *task, MimpE2eCodecThen then)
{
  Waiter *waiter;

  if (self->worker != NULL)
    {
      then (self, task);
      return;
    }
  waiter = g_new0 (Waiter, 1);
  waiter->task = task;
  waiter->then = then;
  g_queue_push_tail (&self->waiters, waiter);
  open_state (self);
}

static void
run_waiters (MimpE2eCodec *self)
{
  Waiter *waiter;

  g_object_ref (self);
  while ((waiter = g_queue_pop_head (&self->waiters)) != NULL)
    {
      waiter->then (self, waiter->task);
      g_free (waiter);
    }
  g_object_unref (self);
}

/**
 * mimp_e2e_codec_get_path:
 *
 * Returns: (transfer full): where the state of the account's private chats
 *   is: `e2e/<account>.db` beside the history
 */
char *
mimp_e2e_codec_get_path (MimpE2eCodec *self)
{
  MimpHistory *history;
  g_autofree char *dir = NULL;
  g_autofree char *name = NULL;
  gboolean plain = TRUE;

  g_return_val_if_fail (MIMP_IS_E2E_CODEC (self), NULL);

  history = mimp_account_get_history (self->account);
  dir = history ? g_path_get_dirname (mimp_history_get_path (history))
                : g_build_filename (g_get_user_data_dir (), "mimp", NULL);
  for (const char *c = self->account_id; *c != '\0'; c++)
    plain &= g_ascii_isalnum (*c) || *c == '-' || *c == '_';
  /* An id that is not a plain file name is not used as one. */
  name = plain
             ? g_strconcat (self->account_id, ".db", NULL)
             : g_strconcat (g_compute_checksum_for_string (G_CHECKSUM_SHA256, self->account_id, -1),
                            ".db", NULL);
  return g_build_filename (dir, "e2e", name, NULL);
}

/* The state that no key in the keyring opens any more is kept, moved
 * aside, and a new one begins (contacts will see a new key). */
static void
move_aside (const char *path)
{
  g_autofree char *aside = NULL;

  if (!g_file_test (path, G_FILE_TEST_EXISTS))
    return;
  aside = g_strdup_printf ("%s.unreadable-%" G_GINT64_FORMAT, path, g_get_real_time () / 1000000);
  if (g_rename (path, aside) != 0)
    {
      g_warning ("Could not move aside the unreadable state of private chats: %s",
                 g_strerror (errno));
      return;
    }
  /* Its write-ahead log goes with it: SQLite would otherwise replay it into
   * the new database. */
  for (guint i = 0; i < 2; i++)
    {
      const char *suffix = i == 0 ? "-wal" : "-shm";
      g_autofree char *from = g_strconcat (path, suffix, NULL);
      g_autofree char *to = g_strconcat (aside, suffix, NULL);

      if (g_file_test (from, G_FILE_TEST_EXISTS) && g_rename (from, to) != 0)
        g_warning ("Could not move aside the log of private chats' old state: %s",
                   g_strerror (errno));
    }
  g_warning ("The keyring has no key that opens the state of an account's private chats: it "
             "was moved aside and a new one begins (contacts will see a new key)");
}

static void
open_failed (MimpE2eCodec *self, gboolean locked)
{
  self->opening = FALSE;
  self->next_open_attempt = g_get_monotonic_time () + OPEN_RETRY_USEC;
  set_locked (self, locked);
  run_waiters (self);
}

static void load_chats (MimpE2eCodec *self);
static void refresh_privacy (MimpE2eCodec *self, GPtrArray *peers);

static void
open_work (GTask *task, gpointer source, gpointer data, GCancellable *cancellable)
{
  MimpE2eCodec *self = source;
  GBytes *key = data;
  g_autofree char *path = mimp_e2e_codec_get_path (self);
  g_autofree char *dir = g_path_get_dirname (path);
  GError *error = NULL;
  MimpE2e *e2e;

  if (g_mkdir_with_parents (dir, 0700) != 0 || g_chmod (dir, 0700) != 0)
    {
      g_task_return_new_error (task, G_IO_ERROR, g_io_error_from_errno (errno),
                               "Could not make the folder of private chats: %s",
                               g_strerror (errno));
      return;
    }
  e2e = mimp_e2e_open (path, self->account_id, key, &error);
  if (e2e == NULL && g_error_matches (error, MIMP_E2E_ERROR, MIMP_E2E_ERROR_STORAGE_KEY))
    {
      g_clear_error (&error);
      move_aside (path);
      e2e = mimp_e2e_open (path, self->account_id, key, &error);
    }
  if (e2e == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, e2e, g_object_unref);
}

static void
opened (GObject *source, GAsyncResult *result, gpointer data)
{
  MimpE2eCodec *self = MIMP_E2E_CODEC (source);
  g_autoptr (GError) error = NULL;
  g_autoptr (MimpE2e) e2e = g_task_propagate_pointer (G_TASK (result), &error);

  if (e2e == NULL)
    {
      g_warning ("Could not open the state of private chats: %s", error->message);
      open_failed (self, FALSE);
      return;
    }
  self->worker = mimp_e2e_worker_new (e2e);
  self->opening = FALSE;
  set_locked (self, FALSE);
  refresh_privacy (self, self->known_peers);
  run_waiters (self);
}

static void
open_with_key (MimpE2eCodec *self, GBytes *key)
{
  g_autoptr (GTask) task = g_task_new (self, self->cancellable, opened, NULL);

  g_task_set_source_tag (task, open_with_key);
  g_task_set_task_data (task, g_bytes_ref (key), (GDestroyNotify) g_bytes_unref);
  g_task_run_in_thread (task, open_work);
}

static void
key_stored (GObject *source, GAsyncResult *result, gpointer data)
{
  g_autoptr (MimpE2eCodec) self = data;
  GBytes *key = g_object_get_data (G_OBJECT (self), "new-key");
  g_autoptr (GError) error = NULL;

  if (!mimp_secret_store_store_key_finish (MIMP_SECRET_STORE (source), result, &error))
    {
      /* Never seal anything with a key that would be lost at the next
       * start. */
      g_message ("Could not keep the key of private chats in the keyring: %s", error->message);
      g_object_set_data (G_OBJECT (self), "new-key", NULL);
      open_failed (self, TRUE);
      return;
    }
  open_with_key (self, key);
  g_object_set_data (G_OBJECT (self), "new-key", NULL);
}

static void
key_looked_up (GObject *source, GAsyncResult *result, gpointer data)
{
  g_autoptr (MimpE2eCodec) self = data;
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) key = NULL;
  g_autofree char *path = NULL;
  g_autofree char *name = NULL;

  key = mimp_secret_store_lookup_key_finish (MIMP_SECRET_STORE (source), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (error != NULL)
    {
      g_message ("The key of private chats is not at hand: %s", error->message);
      open_failed (self, TRUE);
      return;
    }
  if (key != NULL)
    {
      open_with_key (self, key);
      return;
    }

  /* The first time (or the key is gone): a new key, kept before use. */
  path = mimp_e2e_codec_get_path (self);
  move_aside (path);
  key = mimp_e2e_new_storage_key ();
  g_object_set_data_full (G_OBJECT (self), "new-key", g_bytes_ref (key),
                          (GDestroyNotify) g_bytes_unref);
  name = mimp_account_dup_display_name (self->account);
  mimp_secret_store_store_key_async (MIMP_SECRET_STORE (source), self->account_id, name, key,
                                     self->cancellable, key_stored, g_object_ref (self));
}

/* The user's choices come first (the history), then the key. */
static void
open_state (MimpE2eCodec *self)
{
  if (self->worker != NULL || self->opening)
    return;
  if (self->forgotten || mimp_account_get_secrets (self->account) == NULL ||
      mimp_account_get_history (self->account) == NULL ||
      g_get_monotonic_time () < self->next_open_attempt)
    {
      run_waiters (self);
      return;
    }
  self->opening = TRUE;
  if (self->chats_loaded)
    mimp_secret_store_lookup_key_async (mimp_account_get_secrets (self->account), self->account_id,
                                        self->cancellable, key_looked_up, g_object_ref (self));
  else
    load_chats (self);
}

/* ------------------------------------------------------------------ */
/* What the history knows of the chats                                */
/* ------------------------------------------------------------------ */

typedef struct
{
  MimpE2eCodec *self;
  GPtrArray *peers;
} TrustData;

static void
trust_data_free (gpointer data)
{
  g_ptr_array_unref (data);
}

/* Worker: the trust of each peer in @data, as an array of ints. */
static gpointer
trust_work (MimpE2e *e2e, gpointer data, GError **error)
{
  GPtrArray *peers = data;
  GArray *trust = g_array_sized_new (FALSE, FALSE, sizeof (int), peers->len);

  for (guint i = 0; i < peers->len; i++)
    {
      int value = mimp_e2e_get_trust (e2e, peers->pdata[i]);
      g_array_append_val (trust, value);
    }
  return trust;
}

static void
trust_known (GObject *source, GAsyncResult *result, gpointer data)
{
  TrustData *td = data;
  g_autoptr (MimpE2eCodec) self = td->self;
  g_autoptr (GPtrArray) peers = td->peers;
  g_autoptr (GError) error = NULL;
  g_autoptr (GArray) trust = NULL;

  g_free (td);
  trust = mimp_e2e_worker_run_finish (MIMP_E2E_WORKER (source), result, &error);
  if (trust == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_message ("Could not read the trust of private chats: %s", error->message);
      return;
    }
  for (guint i = 0; i < peers->len; i++)
    {
      const char *peer = peers->pdata[i];
      MimpE2eTrust value = g_array_index (trust, int, i);

      mimp_e2e_codec_set_privacy (self, peer,
                                  mimp_e2e_codec_privacy_from_trust (self, peer, value));
      if (value != MIMP_E2E_TRUST_NONE && value != MIMP_E2E_TRUST_KEY_CHANGED &&
          g_hash_table_contains (self->waiting_peers, peer))
        mimp_e2e_codec_peer_ready (self, peer);
    }
}

/* Reads the trust of @peers again and says what it means for their chats. */
static void
refresh_privacy (MimpE2eCodec *self, GPtrArray *peers)
{
  TrustData *td;

  if (self->worker == NULL || peers->len == 0)
    return;
  td = g_new0 (TrustData, 1);
  td->self = g_object_ref (self);
  td->peers = g_ptr_array_ref (peers);
  mimp_e2e_worker_run_async (self->worker, trust_work, g_ptr_array_ref (peers), trust_data_free,
                             (GDestroyNotify) g_array_unref, self->cancellable, trust_known, td);
}

void
mimp_e2e_codec_refresh_peer (MimpE2eCodec *self, const char *peer)
{
  g_autoptr (GPtrArray) peers = g_ptr_array_new_with_free_func (g_free);

  g_ptr_array_add (peers, g_strdup (peer));
  refresh_privacy (self, peers);
}

static void
chats_listed (GObject *source, GAsyncResult *result, gpointer data)
{
  g_autoptr (MimpE2eCodec) self = data;
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) chats = NULL;

  self->chats_loading = FALSE;
  chats = mimp_history_list_chats_finish (MIMP_HISTORY (source), result, &error);
  if (chats == NULL)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      g_message ("Could not read the chats of private chats: %s", error->message);
      chats = g_ptr_array_new ();
    }
  self->chats_loaded = TRUE;
  for (guint i = 0; i < chats->len; i++)
    {
      MimpHistoryChat *chat = chats->pdata[i];

      if (g_strcmp0 (chat->account_id, self->account_id) != 0)
        continue;
      if (chat->unencrypted)
        g_hash_table_add (self->unencrypted, g_strdup (chat->peer));
      if (chat->privacy >= 0)
        g_hash_table_insert (self->last_known, g_strdup (chat->peer),
                             GINT_TO_POINTER (chat->privacy + 1));
      g_ptr_array_add (self->known_peers, g_strdup (chat->peer));
    }
  if (self->opening)
    {
      self->opening = FALSE;
      open_state (self);
    }
}

/* Once: the user's choices and the last known privacy of each chat (what
 * the trust says now is read once the state is open). */
static void
load_chats (MimpE2eCodec *self)
{
  MimpHistory *history = mimp_account_get_history (self->account);

  if (self->chats_loaded || self->chats_loading || history == NULL)
    return;
  self->chats_loading = TRUE;
  mimp_history_list_chats_async (history, self->cancellable, chats_listed, g_object_ref (self));
}

/* ------------------------------------------------------------------ */
/* Decoding                                                           */
/* ------------------------------------------------------------------ */

typedef struct
{
  GPtrArray *results; /* MimpE2eResult, or NULL for a record passed on as it is */
  GHashTable *trust;  /* peer -> GINT_TO_POINTER (MimpE2eTrust + 1) after the batch */
} Decoded;

static void
decoded_free (gpointer data)
{
  Decoded *decoded = data;

  g_ptr_array_unref (decoded->results);
  g_hash_table_unref (decoded->trust);
  g_free (decoded);
}

/* Only a person's text can be an envelope: what else a protocol might
 * bring (a room's events, an image) passes as it is. */
static gboolean
is_decodable (const MimpIncoming *in)
{
  return in->kind == MIMP_MESSAGE_KIND_TEXT && in->sender == NULL && in->attachment == NULL;
}

static gpointer
decode_work (MimpE2e *e2e, gpointer data, GError **error)
{
  GPtrArray *incoming = data;
  Decoded *decoded = g_new0 (Decoded, 1);

  decoded->results = g_ptr_array_new_with_free_func ((GDestroyNotify) mimp_e2e_result_free);
  decoded->trust = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  for (guint i = 0; i < incoming->len; i++)
    {
      const MimpIncoming *in = incoming->pdata[i];
      MimpE2eResult *result = NULL;

      if (is_decodable (in))
        {
          result = mimp_e2e_decrypt (e2e, in->peer, in->remote_id, in->text, error);
          if (result == NULL)
            {
              decoded_free (decoded);
              return NULL;
            }
        }
      g_ptr_array_add (decoded->results, result);
      g_hash_table_insert (decoded->trust, g_strdup (in->peer),
                           GINT_TO_POINTER (mimp_e2e_get_trust (e2e, in->peer) + 1));
    }
  return decoded;
}

MimpTypingState
mimp_e2e_codec_typing_from_e2e (MimpE2eTyping typing)
{
  switch (typing)
    {
    case MIMP_E2E_TYPING_ACTIVE:
      return MIMP_TYPING_ACTIVE;
    case MIMP_E2E_TYPING_IDLE:
      return MIMP_TYPING_PAUSED;
    case MIMP_E2E_TYPING_CLEARED:
    default:
      return MIMP_TYPING_STOPPED;
    }
}

/* What a control message says, and what goes back. */
static void
handle_result (MimpE2eCodec *self, const char *peer, MimpE2eResult *result)
{
  for (guint i = 0; result->replies != NULL && i < result->replies->len; i++)
    mimp_e2e_codec_send_own (self, peer, result->replies->pdata[i]);
  if (result->key_changed)
    g_message ("A peer's key of private chats changed");
  if (result->session_ready)
    mimp_e2e_codec_peer_ready (self, peer);
  if (result->resend_requested && result->resend_ids != NULL)
    mimp_e2e_codec_resend (self, peer, result->resend_ids);
  if (result->has_typing)
    g_signal_emit (self, mimp_e2e_codec_signals[TYPING_CHANGED], 0, peer,
                   mimp_e2e_codec_typing_from_e2e (result->typing));
  switch (result->smp_event)
    {
    case MIMP_E2E_SMP_ASKED:
      g_signal_emit (self, mimp_e2e_codec_signals[VERIFICATION_ASKED], 0, peer,
                     result->smp_question);
      break;
    case MIMP_E2E_SMP_SUCCEEDED:
      if (result->smp_they_verified)
        g_signal_emit (self, mimp_e2e_codec_signals[VERIFIED_BY_PEER], 0, peer);
      if (result->smp_we_verified)
        g_signal_emit (self, mimp_e2e_codec_signals[VERIFICATION_FINISHED], 0, peer, TRUE, NULL);
      break;
    case MIMP_E2E_SMP_FAILED:
      g_signal_emit (self, mimp_e2e_codec_signals[VERIFICATION_FINISHED], 0, peer, FALSE, NULL);
      break;
    case MIMP_E2E_SMP_NONE:
    case MIMP_E2E_SMP_WAITING:
    default:
      break;
    }
}

static void
decode_done (GObject *source, GAsyncResult *result, gpointer data)
{
  g_autoptr (GTask) task = data;
  MimpE2eCodec *self = g_task_get_source_object (task);
  GPtrArray *incoming = g_task_get_task_data (task);
  g_autoptr (GPtrArray) out = NULL;
  g_autoptr (GError) error = NULL;
  Decoded *decoded;
  GHashTableIter iter;
  gpointer key;
  gpointer value;

  decoded = mimp_e2e_worker_run_finish (MIMP_E2E_WORKER (source), result, &error);
  if (decoded == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  /* The chats' privacy first: it decides how plain text is marked. */
  g_hash_table_iter_init (&iter, decoded->trust);
  while (g_hash_table_iter_next (&iter, &key, &value))
    mimp_e2e_codec_set_privacy (
        self, key, mimp_e2e_codec_privacy_from_trust (self, key, GPOINTER_TO_INT (value) - 1));

  out = g_ptr_array_new_with_free_func ((GDestroyNotify) mimp_incoming_unref);
  for (guint i = 0; i < incoming->len; i++)
    {
      const MimpIncoming *in = incoming->pdata[i];
      MimpE2eResult *r = decoded->results->pdata[i];
      MimpChatPrivacy privacy = MIMP_CHAT_PRIVACY_NONE;

      if (r == NULL)
        {
          g_ptr_array_add (out, mimp_incoming_ref ((MimpIncoming *) in));
          continue;
        }
      handle_result (self, in->peer, r);
      switch (r->status)
        {
        case MIMP_E2E_PLAIN:
          mimp_e2e_codec_known_privacy (self, in->peer, &privacy);
          g_ptr_array_add (
              out, mimp_incoming_copy_decoded (in, in->text,
                                               mimp_e2e_codec_privacy_is_private (privacy) &&
                                                       !mimp_e2e_codec_is_self (self, in->peer)
                                                   ? MIMP_MESSAGE_PROTECTION_UNENCRYPTED
                                                   : MIMP_MESSAGE_PROTECTION_NONE,
                                               0));
          break;
        case MIMP_E2E_MESSAGE:
          g_ptr_array_add (out, mimp_incoming_copy_decoded (
                                    in, r->text, MIMP_MESSAGE_PROTECTION_ENCRYPTED, r->missing));
          break;
        case MIMP_E2E_UNDECRYPTABLE:
          g_debug ("A message could not be decrypted: %s", r->reason ? r->reason : "no reason");
          g_ptr_array_add (out, mimp_incoming_copy_decoded (
                                    in, "", MIMP_MESSAGE_PROTECTION_UNDECRYPTABLE, r->missing));
          break;
        case MIMP_E2E_PARTIAL:
        case MIMP_E2E_CONTROL:
        case MIMP_E2E_DUPLICATE:
        default:
          break; /* kept by the library, handled here, or seen before */
        }
    }
  decoded_free (decoded);
  g_task_return_pointer (task, g_steal_pointer (&out), (GDestroyNotify) g_ptr_array_unref);
}

static gboolean
has_envelope (GPtrArray *incoming)
{
  for (guint i = 0; i < incoming->len; i++)
    {
      const MimpIncoming *in = incoming->pdata[i];
      if (is_decodable (in) && g_str_has_prefix (in->text, MIMP_E2E_PREFIX))
        return TRUE;
    }
  return FALSE;
}

static void
decode_then (MimpE2eCodec *self, GTask *task)
{
  GPtrArray *incoming = g_task_get_task_data (task);
  g_autoptr (GPtrArray) out = NULL;

  if (self->worker != NULL)
    {
      mimp_e2e_worker_run_async (self->worker, decode_work, g_ptr_array_ref (incoming),
                                 (GDestroyNotify) g_ptr_array_unref, decoded_free,
                                 g_task_get_cancellable (task), decode_done, task);
      return;
    }
  if (has_envelope (incoming))
    {
      /* Waits on the server until the keyring opens. */
      g_task_return_new_error (task, MIMP_MESSAGE_CODEC_ERROR, MIMP_MESSAGE_CODEC_ERROR_WAIT,
                               "The keyring is not open: encrypted messages wait until it is");
      g_object_unref (task);
      return;
    }
  /* Plain text needs no key: marked by what the history kept. */
  out = g_ptr_array_new_with_free_func ((GDestroyNotify) mimp_incoming_unref);
  for (guint i = 0; i < incoming->len; i++)
    {
      const MimpIncoming *in = incoming->pdata[i];
      MimpChatPrivacy privacy = MIMP_CHAT_PRIVACY_NONE;

      if (!is_decodable (in))
        g_ptr_array_add (out, mimp_incoming_ref ((MimpIncoming *) in));
      else
        g_ptr_array_add (out, mimp_incoming_copy_decoded (
                                  in, in->text,
                                  mimp_e2e_codec_known_privacy (self, in->peer, &privacy) &&
                                          mimp_e2e_codec_privacy_is_private (privacy)
                                      ? MIMP_MESSAGE_PROTECTION_UNENCRYPTED
                                      : MIMP_MESSAGE_PROTECTION_NONE,
                                  0));
    }
  g_task_return_pointer (task, g_steal_pointer (&out), (GDestroyNotify) g_ptr_array_unref);
  g_object_unref (task);
}

static void
codec_decode_async (MimpMessageCodec *codec, const char *account_id, GPtrArray *incoming,
                    GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data)
{
  MimpE2eCodec *self = MIMP_E2E_CODEC (codec);
  GTask *task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, codec_decode_async);
  g_task_set_task_data (task, g_ptr_array_ref (incoming), (GDestroyNotify) g_ptr_array_unref);
  mimp_e2e_codec_with_worker (self, task, decode_then);
}

static GPtrArray *
codec_decode_finish (MimpMessageCodec *codec, GAsyncResult *result, GError **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* Worker: the library may forget what it kept for these server ids. */
static gpointer
delivered_work (MimpE2e *e2e, gpointer data, GError **error)
{
  GPtrArray *ids = data;

  for (guint i = 0; i < ids->len; i++)
    if (!mimp_e2e_delivered (e2e, ids->pdata[i], error))
      return NULL;
  return NULL;
}

static void
work_logged (GObject *source, GAsyncResult *result, gpointer data)
{
  g_autoptr (GError) error = NULL;
  gpointer out = mimp_e2e_worker_run_finish (MIMP_E2E_WORKER (source), result, &error);

  if (error != NULL && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_message ("%s: %s", (const char *) data, error->message);
  g_assert (out == NULL);
}

static void
codec_stored (MimpMessageCodec *codec, const char *account_id, GPtrArray *received)
{
  MimpE2eCodec *self = MIMP_E2E_CODEC (codec);
  GPtrArray *ids;

  if (self->worker == NULL)
    return;
  ids = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; i < received->len; i++)
    {
      const MimpIncoming *in = received->pdata[i];
      if (in->remote_id != NULL && is_decodable (in))
        g_ptr_array_add (ids, g_strdup (in->remote_id));
    }
  mimp_e2e_worker_run_async (self->worker, delivered_work, ids, (GDestroyNotify) g_ptr_array_unref,
                             NULL, NULL, work_logged,
                             (gpointer) "Could not forget delivered messages");
}

/* ------------------------------------------------------------------ */
/* Encoding                                                           */
/* ------------------------------------------------------------------ */

typedef struct
{
  char *peer;
  char *id;
  char *text;
  gboolean unencrypted; /* the user chose to send unencrypted to this peer */
} EncodeIn;

static void
encode_in_free (gpointer data)
{
  EncodeIn *in = data;

  g_free (in->peer);
  g_free (in->id);
  g_free (in->text);
  g_free (in);
}

typedef struct
{
  GPtrArray *envelopes; /* or NULL: send the text as it is */
  MimpE2eTrust trust;
} Encoded;

static void
encoded_free (gpointer data)
{
  Encoded *encoded = data;

  g_clear_pointer (&encoded->envelopes, g_ptr_array_unref);
  g_free (encoded);
}

static gpointer
encode_work (MimpE2e *e2e, gpointer data, GError **error)
{
  EncodeIn *in = data;
  Encoded *encoded = g_new0 (Encoded, 1);

  encoded->trust = mimp_e2e_get_trust (e2e, in->peer);
  /* Unencrypted only by the user's choice, and only while the peer has no
   * keys: a chat that was private stays private. */
  if (encoded->trust == MIMP_E2E_TRUST_NONE && in->unencrypted)
    return encoded;
  encoded->envelopes = mimp_e2e_encrypt (e2e, in->peer, in->id, in->text, error);
  if (encoded->envelopes == NULL)
    {
      encoded_free (encoded);
      return NULL;
    }
  return encoded;
}

static void
return_wait (GTask *task, const char *why)
{
  g_task_return_new_error (task, MIMP_MESSAGE_CODEC_ERROR, MIMP_MESSAGE_CODEC_ERROR_WAIT, "%s",
                           why);
}

static GPtrArray *
one_text (const char *text)
{
  GPtrArray *texts = g_ptr_array_new_with_free_func (g_free);

  g_ptr_array_add (texts, g_strdup (text));
  return texts;
}

static void
encode_done (GObject *source, GAsyncResult *result, gpointer data)
{
  g_autoptr (GTask) task = data;
  MimpE2eCodec *self = g_task_get_source_object (task);
  EncodeIn *in = g_task_get_task_data (task);
  g_autoptr (GError) error = NULL;
  Encoded *encoded;

  encoded = mimp_e2e_worker_run_finish (MIMP_E2E_WORKER (source), result, &error);
  if (encoded == NULL)
    {
      if (g_error_matches (error, MIMP_E2E_ERROR, MIMP_E2E_ERROR_NO_SESSION))
        {
          g_hash_table_add (self->waiting_peers, g_strdup (in->peer));
          if (!g_hash_table_contains (self->unencrypted, in->peer))
            mimp_e2e_codec_set_privacy (self, in->peer, MIMP_CHAT_PRIVACY_WAITING);
          ensure_session (self, in->peer);
          return_wait (task, "No session with the peer yet");
        }
      else if (g_error_matches (error, MIMP_E2E_ERROR, MIMP_E2E_ERROR_KEY_CHANGED))
        {
          g_hash_table_add (self->waiting_peers, g_strdup (in->peer));
          mimp_e2e_codec_set_privacy (self, in->peer, MIMP_CHAT_PRIVACY_KEY_CHANGED);
          return_wait (task, "The peer's key changed");
        }
      else if (g_error_matches (error, MIMP_E2E_ERROR, MIMP_E2E_ERROR_TOO_LONG))
        g_task_return_new_error (task, MIMP_MESSAGE_CODEC_ERROR, MIMP_MESSAGE_CODEC_ERROR_FAILED,
                                 "%s", _ ("The message is too long for a private chat."));
      else
        g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  mimp_e2e_codec_set_privacy (self, in->peer,
                              mimp_e2e_codec_privacy_from_trust (self, in->peer, encoded->trust));
  if (encoded->envelopes == NULL)
    g_task_return_pointer (task, one_text (in->text), (GDestroyNotify) g_ptr_array_unref);
  else
    g_task_return_pointer (task, g_ptr_array_ref (encoded->envelopes),
                           (GDestroyNotify) g_ptr_array_unref);
  encoded_free (encoded);
}

static void
encode_then (MimpE2eCodec *self, GTask *task)
{
  EncodeIn *in = g_task_get_task_data (task);

  if (self->worker == NULL)
    {
      MimpChatPrivacy privacy = MIMP_CHAT_PRIVACY_WAITING;

      /* Without the keys, a message goes only where the user chose to send
       * unencrypted and no session was ever made: nothing leaves
       * unencrypted because the keys are not at hand. */
      mimp_e2e_codec_known_privacy (self, in->peer, &privacy);
      if (g_hash_table_contains (self->unencrypted, in->peer) &&
          !mimp_e2e_codec_privacy_is_private (privacy))
        g_task_return_pointer (task, one_text (in->text), (GDestroyNotify) g_ptr_array_unref);
      else
        {
          g_hash_table_add (self->waiting_peers, g_strdup (in->peer));
          return_wait (task, "The keyring is not open");
        }
      g_object_unref (task);
      return;
    }
  in->unencrypted = g_hash_table_contains (self->unencrypted, in->peer);
  mimp_e2e_worker_run_async (self->worker, encode_work, in, NULL, encoded_free,
                             g_task_get_cancellable (task), encode_done, task);
}

static void
codec_encode_async (MimpMessageCodec *codec, const char *account_id, const char *peer,
                    const char *client_id, const char *text, GCancellable *cancellable,
                    GAsyncReadyCallback callback, gpointer user_data)
{
  MimpE2eCodec *self = MIMP_E2E_CODEC (codec);
  GTask *task = g_task_new (self, cancellable, callback, user_data);
  EncodeIn *in;

  g_task_set_source_tag (task, codec_encode_async);
  if (mimp_e2e_codec_is_self (self, peer))
    {
      /* A note to oneself has nobody to exchange keys with. */
      g_task_return_pointer (task, one_text (text), (GDestroyNotify) g_ptr_array_unref);
      g_object_unref (task);
      return;
    }
  in = g_new0 (EncodeIn, 1);
  in->peer = g_strdup (peer);
  in->id = g_strdup (client_id);
  in->text = g_strdup (text);
  g_task_set_task_data (task, in, encode_in_free);
  mimp_e2e_codec_with_worker (self, task, encode_then);
}

static GPtrArray *
codec_encode_finish (MimpMessageCodec *codec, GAsyncResult *result, GError **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

static gpointer
sent_work (MimpE2e *e2e, gpointer data, GError **error)
{
  mimp_e2e_sent (e2e, data, error);
  return NULL;
}

static void
codec_sent (MimpMessageCodec *codec, const char *account_id, const char *client_id)
{
  MimpE2eCodec *self = MIMP_E2E_CODEC (codec);

  if (self->worker != NULL)
    mimp_e2e_worker_run_async (self->worker, sent_work, g_strdup (client_id), g_free, NULL, NULL,
                               work_logged, (gpointer) "Could not forget a sent message");
}

/* ------------------------------------------------------------------ */
/* Sessions with peers                                                */
/* ------------------------------------------------------------------ */

PeerData *
mimp_e2e_codec_peer_data_new (MimpE2eCodec *self, const char *peer)
{
  PeerData *pd = g_new0 (PeerData, 1);

  pd->self = g_object_ref (self);
  pd->peer = g_strdup (peer);
  return pd;
}

void
mimp_e2e_codec_peer_data_free (PeerData *pd)
{
  g_object_unref (pd->self);
  g_free (pd->peer);
  g_free (pd);
}

static void
session_ensured (GObject *source, GAsyncResult *result, gpointer data)
{
  g_autoptr (PeerData) pd = data;
  MimpE2eCodec *self = pd->self;
  g_autoptr (GError) error = NULL;
  MimpE2eKeysOutcome outcome;

  g_hash_table_remove (self->ensuring, pd->peer);
  outcome = mimp_e2e_keys_ensure_session_finish (result, &error);
  if (error != NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_message ("Could not exchange keys for a private chat: %s", error->message);
      return;
    }
  if (outcome == MIMP_E2E_KEYS_READY)
    {
      mimp_e2e_codec_refresh_peer (self, pd->peer);
      mimp_e2e_codec_peer_ready (self, pd->peer);
    }
  /* WAITING: a key request went in-band; the peer's answer makes the
   * session (session_ready in a decrypted result). */
}

static void
ensure_session (MimpE2eCodec *self, const char *peer)
{
  if (self->worker == NULL || self->session == NULL ||
      mimp_client_session_get_state (self->session) != MIMP_SESSION_STATE_ONLINE ||
      g_hash_table_contains (self->ensuring, peer))
    return;
  g_hash_table_add (self->ensuring, g_strdup (peer));
  mimp_e2e_keys_ensure_session_async (self->worker, self->session, peer, self->cancellable,
                                      session_ensured, mimp_e2e_codec_peer_data_new (self, peer));
}

static void
published (GObject *source, GAsyncResult *result, gpointer data)
{
  g_autoptr (MimpE2eCodec) self = data;
  g_autoptr (GError) error = NULL;

  if (!mimp_e2e_keys_publish_finish (result, &error) &&
      !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_message ("Could not publish the keys of private chats: %s", error->message);
}

/* Online: publish the keys, and try again for the peers whose messages
 * wait for a session. */
static void
online_then (MimpE2eCodec *self, GTask *task)
{
  g_autoptr (GList) peers = NULL;

  g_object_unref (task);
  if (self->worker == NULL || self->session == NULL)
    return;
  mimp_e2e_keys_publish_async (self->worker, self->session, self->cancellable, published,
                               g_object_ref (self));
  peers = g_hash_table_get_keys (self->waiting_peers);
  for (GList *l = peers; l != NULL; l = l->next)
    {
      /* Those that waited for the keyring may go at once. */
      mimp_message_codec_emit_ready (MIMP_MESSAGE_CODEC (self), l->data);
      ensure_session (self, l->data);
    }
}

static void
on_session_state (MimpE2eCodec *self)
{
  if (self->session != NULL &&
      mimp_client_session_get_state (self->session) == MIMP_SESSION_STATE_ONLINE)
    mimp_e2e_codec_with_worker (self, g_task_new (self, NULL, NULL, NULL), online_then);
}

/* ------------------------------------------------------------------ */
/* The rest of the interface                                          */
/* ------------------------------------------------------------------ */

static void
codec_attach (MimpMessageCodec *codec, MimpProtocolSession *session)
{
  MimpE2eCodec *self = MIMP_E2E_CODEC (codec);

  if (self->session != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->session, self);
      g_clear_object (&self->session);
    }
  if (session == NULL || !MIMP_IS_MIMP_SESSION (session))
    return;
  self->session = g_object_ref (mimp_mimp_session_get_client_session (MIMP_MIMP_SESSION (session)));
  g_signal_connect_object (self->session, "notify::state", G_CALLBACK (on_session_state), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->session, "ephemeral-received",
                           G_CALLBACK (mimp_e2e_codec_on_ephemeral), self, G_CONNECT_SWAPPED);
  on_session_state (self);
}

static void
mimp_e2e_codec_iface_init (MimpMessageCodecInterface *iface)
{
  iface->decode_async = codec_decode_async;
  iface->decode_finish = codec_decode_finish;
  iface->encode_async = codec_encode_async;
  iface->encode_finish = codec_encode_finish;
  iface->stored = codec_stored;
  iface->sent = codec_sent;
  iface->attach = codec_attach;
}

/**
 * mimp_e2e_codec_get_locked:
 *
 * Returns: whether the keyring that holds the storage key could not be
 *   read the last time it was asked (encrypted messages wait)
 */
gboolean
mimp_e2e_codec_get_locked (MimpE2eCodec *self)
{
  g_return_val_if_fail (MIMP_IS_E2E_CODEC (self), FALSE);
  return self->locked;
}

/**
 * mimp_e2e_codec_get_privacy:
 *
 * Returns: whether the privacy of the chat with @peer is known (now, or as
 *   the history kept it), and then sets @privacy
 */
gboolean
mimp_e2e_codec_get_privacy (MimpE2eCodec *self, const char *peer, MimpChatPrivacy *privacy)
{
  g_return_val_if_fail (MIMP_IS_E2E_CODEC (self), FALSE);
  g_return_val_if_fail (peer != NULL && privacy != NULL, FALSE);
  return mimp_e2e_codec_known_privacy (self, peer, privacy);
}

/**
 * mimp_e2e_codec_set_unencrypted:
 *
 * The user chose to send to @peer, who has no keys, without end-to-end
 * encryption: the chat is not private (until the peer has keys), and the
 * messages that waited may go.
 */
void
mimp_e2e_codec_set_unencrypted (MimpE2eCodec *self, const char *peer)
{
  MimpChatPrivacy privacy;

  g_return_if_fail (MIMP_IS_E2E_CODEC (self));
  g_return_if_fail (peer != NULL);

  g_hash_table_add (self->unencrypted, g_strdup (peer));
  if (!mimp_e2e_codec_known_privacy (self, peer, &privacy) || privacy == MIMP_CHAT_PRIVACY_WAITING)
    mimp_e2e_codec_set_privacy (self, peer, MIMP_CHAT_PRIVACY_NONE);
  mimp_e2e_codec_peer_ready (self, peer);
}

/**
 * mimp_e2e_codec_get_unencrypted:
 *
 * Returns: whether the user chose to send to @peer without end-to-end
 *   encryption
 */
gboolean
mimp_e2e_codec_get_unencrypted (MimpE2eCodec *self, const char *peer)
{
  g_return_val_if_fail (MIMP_IS_E2E_CODEC (self), FALSE);
  return g_hash_table_contains (self->unencrypted, peer);
}

static void
key_forgotten (GObject *source, GAsyncResult *result, gpointer data)
{
  g_autoptr (GError) error = NULL;

  if (!mimp_secret_store_clear_finish (MIMP_SECRET_STORE (source), result, &error))
    g_message ("Could not remove the key of private chats from the keyring: %s", error->message);
}

/**
 * mimp_e2e_codec_forget:
 *
 * The account is removed with its history: its private chats' state (the
 * database and the storage key) goes too. The codec is of no use after.
 */
void
mimp_e2e_codec_forget (MimpE2eCodec *self)
{
  g_autofree char *path = NULL;
  MimpSecretStore *secrets;
  const char *suffixes[] = { "", "-wal", "-shm", "-journal" };

  g_return_if_fail (MIMP_IS_E2E_CODEC (self));

  self->forgotten = TRUE;
  g_cancellable_cancel (self->cancellable);
  if (self->worker != NULL)
    mimp_e2e_worker_close (self->worker);
  g_clear_object (&self->worker);
  path = mimp_e2e_codec_get_path (self);
  for (guint i = 0; i < G_N_ELEMENTS (suffixes); i++)
    {
      g_autofree char *name = g_strconcat (path, suffixes[i], NULL);

      if (g_remove (name) != 0 && errno != ENOENT)
        g_message ("Could not remove the state of private chats: %s", g_strerror (errno));
    }
  secrets = mimp_account_get_secrets (self->account);
  if (secrets != NULL)
    mimp_secret_store_clear_key_async (secrets, self->account_id, NULL, key_forgotten, NULL);
}

static void
mimp_e2e_codec_dispose (GObject *object)
{
  MimpE2eCodec *self = MIMP_E2E_CODEC (object);

  g_cancellable_cancel (self->cancellable);
  if (self->session != NULL)
    g_signal_handlers_disconnect_by_data (self->session, self);
  g_clear_object (&self->session);
  if (self->worker != NULL)
    mimp_e2e_worker_close (self->worker);
  g_clear_object (&self->worker);
  run_waiters (self);

  G_OBJECT_CLASS (mimp_e2e_codec_parent_class)->dispose (object);
}

static void
mimp_e2e_codec_finalize (GObject *object)
{
  MimpE2eCodec *self = MIMP_E2E_CODEC (object);

  g_free (self->account_id);
  g_hash_table_unref (self->privacy);
  g_hash_table_unref (self->last_known);
  g_hash_table_unref (self->unencrypted);
  g_hash_table_unref (self->waiting_peers);
  g_hash_table_unref (self->ensuring);
  g_ptr_array_unref (self->known_peers);
  g_clear_object (&self->cancellable);

  G_OBJECT_CLASS (mimp_e2e_codec_parent_class)->finalize (object);
}

static void
mimp_e2e_codec_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  MimpE2eCodec *self = MIMP_E2E_CODEC (object);

  switch (prop_id)
    {
    case PROP_LOCKED:
      g_value_set_boolean (value, self->locked);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
mimp_e2e_codec_class_init (MimpE2eCodecClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = mimp_e2e_codec_dispose;
  object_class->finalize = mimp_e2e_codec_finalize;
  object_class->get_property = mimp_e2e_codec_get_property;

  properties[PROP_LOCKED] =
      g_param_spec_boolean ("locked", NULL, NULL, FALSE,
                            G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  mimp_e2e_codec_signals[PRIVACY_CHANGED] =
      g_signal_new ("privacy-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                    NULL, G_TYPE_NONE, 2, G_TYPE_STRING, MIMP_TYPE_CHAT_PRIVACY);
  mimp_e2e_codec_signals[TYPING_CHANGED] =
      g_signal_new ("typing-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                    NULL, G_TYPE_NONE, 2, G_TYPE_STRING, MIMP_TYPE_TYPING_STATE);
  mimp_e2e_codec_signals[VERIFICATION_ASKED] =
      g_signal_new ("verification-asked", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
                    NULL, NULL, G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_STRING);
  mimp_e2e_codec_signals[VERIFICATION_FINISHED] =
      g_signal_new ("verification-finished", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
                    NULL, NULL, G_TYPE_NONE, 3, G_TYPE_STRING, G_TYPE_BOOLEAN, G_TYPE_POINTER);
  mimp_e2e_codec_signals[VERIFIED_BY_PEER] =
      g_signal_new ("verified-by-peer", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                    NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
  /* A message decoded outside a received batch (one that came as an
   * ephemeral message): the account stores it; there is nothing to
   * acknowledge. */
  mimp_e2e_codec_signals[MESSAGE_DECODED] =
      g_signal_new ("message-decoded", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                    NULL, G_TYPE_NONE, 1, MIMP_TYPE_INCOMING);
}

static void
mimp_e2e_codec_init (MimpE2eCodec *self)
{
  self->privacy = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->last_known = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->unencrypted = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->waiting_peers = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->ensuring = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->known_peers = g_ptr_array_new_with_free_func (g_free);
  self->cancellable = g_cancellable_new ();
}

/**
 * mimp_e2e_codec_new:
 * @account: the MIMP account whose private chats it encodes; it owns the
 *   codec and outlives it
 */
MimpMessageCodec *
mimp_e2e_codec_new (MimpAccount *account)
{
  MimpE2eCodec *self = g_object_new (MIMP_TYPE_E2E_CODEC, NULL);

  self->account = account;
  self->account_id = g_strdup (mimp_account_get_id (account));
  return MIMP_MESSAGE_CODEC (self);
}
