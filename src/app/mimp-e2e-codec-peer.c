/* mimp-e2e-codec-peer.c - MimpE2eCodec's dealings with one peer: typing
 * notices (ephemeral messages), verification (the Socialist Millionaire
 * Protocol), safety numbers, trust, and resending what the peer could not
 * read. Nothing here logs a text, a key or a secret.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "mimp-e2e-codec"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "mimp-app-enums.h"
#include "mimp-e2e-codec-private.h"
#include "mimp-incoming.h"

/* A typing notice in a chat the user keeps unencrypted. */
#define TYPING_PREFIX "?MIMPTYPING:1:"

/* ------------------------------------------------------------------ */
/* Typing                                                             */
/* ------------------------------------------------------------------ */

static const char *
typing_word (MimpTypingState state)
{
  switch (state)
    {
    case MIMP_TYPING_ACTIVE:
      return "active";
    case MIMP_TYPING_PAUSED:
      return "idle";
    case MIMP_TYPING_STOPPED:
    default:
      return "cleared";
    }
}

static MimpE2eTyping
typing_to_e2e (MimpTypingState state)
{
  switch (state)
    {
    case MIMP_TYPING_ACTIVE:
      return MIMP_E2E_TYPING_ACTIVE;
    case MIMP_TYPING_PAUSED:
      return MIMP_E2E_TYPING_IDLE;
    case MIMP_TYPING_STOPPED:
    default:
      return MIMP_E2E_TYPING_CLEARED;
    }
}

typedef struct
{
  char *peer;
  MimpE2eTyping typing;
} TypingIn;

static void
typing_in_free (gpointer data)
{
  TypingIn *in = data;

  g_free (in->peer);
  g_free (in);
}

static gpointer
typing_work (MimpE2e *e2e, gpointer data, GError **error)
{
  TypingIn *in = data;

  return mimp_e2e_encrypt_typing (e2e, in->peer, in->typing, error);
}

static void
typing_encrypted (GObject *source, GAsyncResult *result, gpointer data)
{
  g_autoptr (PeerData) pd = data;
  g_autoptr (GError) error = NULL;
  g_autofree char *envelope = mimp_e2e_worker_run_finish (MIMP_E2E_WORKER (source), result, &error);

  if (envelope != NULL && pd->self->session != NULL)
    mimp_client_session_send_ephemeral (pd->self->session, pd->peer, envelope);
}

/**
 * mimp_e2e_codec_send_typing:
 *
 * Tells @peer whether the user is typing, as an ephemeral message (never
 * stored by the server): encrypted in a private chat, plain in a chat the
 * user chose to keep unencrypted, not at all while keys are awaited or the
 * server has no ephemeral messages.
 */
void
mimp_e2e_codec_send_typing (MimpE2eCodec *self, const char *peer, MimpTypingState state)
{
  MimpChatPrivacy privacy;
  TypingIn *in;

  g_return_if_fail (MIMP_IS_E2E_CODEC (self));

  if (self->session == NULL || mimp_e2e_codec_is_self (self, peer) ||
      !(mimp_client_session_get_features (self->session) & MIMP_FEATURE_EPHEMERAL) ||
      !mimp_e2e_codec_known_privacy (self, peer, &privacy))
    return;
  if (privacy == MIMP_CHAT_PRIVACY_NONE)
    {
      g_autofree char *text = g_strconcat (TYPING_PREFIX, typing_word (state), NULL);
      mimp_client_session_send_ephemeral (self->session, peer, text);
      return;
    }
  if ((privacy != MIMP_CHAT_PRIVACY_UNVERIFIED && privacy != MIMP_CHAT_PRIVACY_VERIFIED) ||
      self->worker == NULL)
    return;
  in = g_new0 (TypingIn, 1);
  in->peer = g_strdup (peer);
  in->typing = typing_to_e2e (state);
  mimp_e2e_worker_run_async (self->worker, typing_work, in, typing_in_free, g_free,
                             self->cancellable, typing_encrypted,
                             mimp_e2e_codec_peer_data_new (self, peer));
}

typedef struct
{
  char *from;
  char *text;
} EphemeralIn;

static void
ephemeral_in_free (gpointer data)
{
  EphemeralIn *in = data;

  g_free (in->from);
  g_free (in->text);
  g_free (in);
}

/* Worker: what an encrypted ephemeral message carries. */
static gpointer
ephemeral_decrypt_work (MimpE2e *e2e, gpointer data, GError **error)
{
  EphemeralIn *in = data;

  return mimp_e2e_decrypt (e2e, in->from, NULL, in->text, error);
}

static void
ephemeral_decrypted (GObject *source, GAsyncResult *result, gpointer data)
{
  g_autoptr (PeerData) pd = data;
  g_autoptr (GError) error = NULL;
  g_autoptr (MimpE2eResult) decrypted =
      mimp_e2e_worker_run_finish (MIMP_E2E_WORKER (source), result, &error);
  g_autoptr (MimpIncoming) plain = NULL;
  g_autoptr (MimpIncoming) incoming = NULL;

  if (decrypted == NULL)
    return;
  if (decrypted->status == MIMP_E2E_CONTROL && decrypted->has_typing)
    {
      g_signal_emit (pd->self, mimp_e2e_codec_signals[TYPING_CHANGED], 0, pd->peer,
                     mimp_e2e_codec_typing_from_e2e (decrypted->typing));
      return;
    }
  if (decrypted->status != MIMP_E2E_MESSAGE)
    return;
  /* A message of the chat sent as an ephemeral one (a server replaying
   * what it stored): its ratchet step is taken, so it would never show
   * when it comes the usual way. It is stored as any other. */
  g_message ("A private message arrived as an ephemeral one");
  plain = mimp_incoming_new (pd->peer, mimp_account_get_user (pd->self->account), NULL, "",
                             g_get_real_time () / 1000, -1);
  incoming = mimp_incoming_copy_decoded (plain, decrypted->text, MIMP_MESSAGE_PROTECTION_ENCRYPTED,
                                         decrypted->missing);
  g_signal_emit (pd->self, mimp_e2e_codec_signals[MESSAGE_DECODED], 0, incoming);
}

void
mimp_e2e_codec_on_ephemeral (MimpE2eCodec *self, const char *from, const char *text)
{
  MimpChatPrivacy privacy = MIMP_CHAT_PRIVACY_NONE;
  EphemeralIn *in;

  if (g_str_has_prefix (text, TYPING_PREFIX))
    {
      const char *word = text + strlen (TYPING_PREFIX);
      MimpTypingState state;

      /* A plain notice means nothing in a private chat: anyone on the
       * server's side could have made it. */
      if (mimp_e2e_codec_known_privacy (self, from, &privacy) &&
          mimp_e2e_codec_privacy_is_private (privacy))
        return;
      if (g_str_equal (word, "active"))
        state = MIMP_TYPING_ACTIVE;
      else if (g_str_equal (word, "idle"))
        state = MIMP_TYPING_PAUSED;
      else if (g_str_equal (word, "cleared"))
        state = MIMP_TYPING_STOPPED;
      else
        return;
      g_signal_emit (self, mimp_e2e_codec_signals[TYPING_CHANGED], 0, from, state);
      return;
    }
  if (!g_str_has_prefix (text, MIMP_E2E_PREFIX) || self->worker == NULL)
    return;
  in = g_new0 (EphemeralIn, 1);
  in->from = g_strdup (from);
  in->text = g_strdup (text);
  mimp_e2e_worker_run_async (self->worker, ephemeral_decrypt_work, in, ephemeral_in_free, g_free,
                             self->cancellable, ephemeral_decrypted,
                             mimp_e2e_codec_peer_data_new (self, from));
}

/* ------------------------------------------------------------------ */
/* Verification, trust and resends                                    */
/* ------------------------------------------------------------------ */

typedef struct
{
  char *peer;
  char *question;
  char *secret;
  char *own_user;
  gboolean flag;
  GPtrArray *ids;
} PeerIn;

static void
peer_in_free (gpointer data)
{
  PeerIn *in = data;

  g_free (in->peer);
  g_free (in->question);
  mimp_e2e_codec_secret_free (in->secret);
  g_free (in->own_user);
  g_clear_pointer (&in->ids, g_ptr_array_unref);
  g_free (in);
}

static PeerIn *
peer_in_new (const char *peer)
{
  PeerIn *in = g_new0 (PeerIn, 1);

  in->peer = g_strdup (peer);
  return in;
}

/* Runs @func with @in on the worker; @done gets a PeerData for @peer.
 * Nothing happens while the state is not open (the caller said why). */
static gboolean
run_for_peer (MimpE2eCodec *self, MimpE2eWorkFunc func, PeerIn *in, GDestroyNotify result_free,
              GAsyncReadyCallback done)
{
  if (self->worker == NULL)
    {
      peer_in_free (in);
      return FALSE;
    }
  mimp_e2e_worker_run_async (self->worker, func, in, peer_in_free, result_free, self->cancellable,
                             done, mimp_e2e_codec_peer_data_new (self, in->peer));
  return TRUE;
}

static void
envelope_made (GObject *source, GAsyncResult *result, gpointer data)
{
  g_autoptr (PeerData) pd = data;
  g_autoptr (GError) error = NULL;
  g_autofree char *envelope = mimp_e2e_worker_run_finish (MIMP_E2E_WORKER (source), result, &error);

  if (envelope != NULL)
    mimp_e2e_codec_send_own (pd->self, pd->peer, envelope);
  else if (error != NULL && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_message ("A message of private chats could not be made: %s", error->message);
}

static void
verification_step_made (GObject *source, GAsyncResult *result, gpointer data)
{
  g_autoptr (PeerData) pd = data;
  g_autoptr (GError) error = NULL;
  g_autofree char *envelope = mimp_e2e_worker_run_finish (MIMP_E2E_WORKER (source), result, &error);

  if (envelope != NULL)
    {
      mimp_e2e_codec_send_own (pd->self, pd->peer, envelope);
      return;
    }
  if (error == NULL)
    error = g_error_new_literal (MIMP_E2E_ERROR, MIMP_E2E_ERROR_SMP_STATE,
                                 _ ("No verification is going on with this contact."));
  else if (g_error_matches (error, MIMP_E2E_ERROR, MIMP_E2E_ERROR_NO_SESSION))
    {
      g_clear_error (&error);
      error = g_error_new_literal (MIMP_E2E_ERROR, MIMP_E2E_ERROR_NO_SESSION,
                                   _ ("This chat is not end-to-end encrypted yet: there is "
                                      "nothing to verify."));
    }
  else if (g_error_matches (error, MIMP_E2E_ERROR, MIMP_E2E_ERROR_SMP_LIMIT))
    {
      g_clear_error (&error);
      error = g_error_new_literal (
          MIMP_E2E_ERROR, MIMP_E2E_ERROR_SMP_LIMIT,
          _ ("Too many verifications with this contact failed today. Try again tomorrow, or "
             "compare safety numbers."));
    }
  g_signal_emit (pd->self, mimp_e2e_codec_signals[VERIFICATION_FINISHED], 0, pd->peer, FALSE,
                 error);
}

static gpointer
smp_start_work (MimpE2e *e2e, gpointer data, GError **error)
{
  PeerIn *in = data;

  return mimp_e2e_smp_start (e2e, in->peer, in->question, in->secret, error);
}

static gpointer
smp_answer_work (MimpE2e *e2e, gpointer data, GError **error)
{
  PeerIn *in = data;

  return mimp_e2e_smp_answer (e2e, in->peer, in->secret, error);
}

static void
verification_impossible (MimpE2eCodec *self, const char *peer)
{
  g_autoptr (GError) error =
      g_error_new_literal (MIMP_E2E_ERROR, MIMP_E2E_ERROR_NO_SESSION,
                           _ ("This chat is not end-to-end encrypted yet: there is nothing to "
                              "verify."));

  g_signal_emit (self, mimp_e2e_codec_signals[VERIFICATION_FINISHED], 0, peer, FALSE, error);
}

/**
 * mimp_e2e_codec_start_verification:
 * @question: (nullable): a question only the peer can answer (one-way),
 *   or %NULL for a secret both type (mutual)
 *
 * Starts a Socialist Millionaire run; the result comes as
 * `verification-finished` (and `verified-by-peer` for what the peer
 * learned).
 */
void
mimp_e2e_codec_start_verification (MimpE2eCodec *self, const char *peer, const char *question,
                                   const char *secret)
{
  PeerIn *in;

  g_return_if_fail (MIMP_IS_E2E_CODEC (self));
  g_return_if_fail (peer != NULL && secret != NULL);

  in = peer_in_new (peer);
  in->question = g_strdup (question);
  in->secret = mimp_e2e_codec_secret_dup (secret);
  if (!run_for_peer (self, smp_start_work, in, g_free, verification_step_made))
    verification_impossible (self, peer);
}

void
mimp_e2e_codec_answer_verification (MimpE2eCodec *self, const char *peer, const char *secret)
{
  PeerIn *in;

  g_return_if_fail (MIMP_IS_E2E_CODEC (self));
  g_return_if_fail (peer != NULL && secret != NULL);

  in = peer_in_new (peer);
  in->secret = mimp_e2e_codec_secret_dup (secret);
  if (!run_for_peer (self, smp_answer_work, in, g_free, verification_step_made))
    verification_impossible (self, peer);
}

static gpointer
safety_number_work (MimpE2e *e2e, gpointer data, GError **error)
{
  PeerIn *in = data;

  return mimp_e2e_safety_number (e2e, in->own_user, in->peer, error);
}

static void
safety_number_made (GObject *source, GAsyncResult *result, gpointer data)
{
  g_autoptr (GTask) task = data;
  GError *error = NULL;
  char *number = mimp_e2e_worker_run_finish (MIMP_E2E_WORKER (source), result, &error);

  if (number == NULL)
    {
      if (g_error_matches (error, MIMP_E2E_ERROR, MIMP_E2E_ERROR_NO_SESSION))
        {
          g_clear_error (&error);
          error = g_error_new_literal (MIMP_E2E_ERROR, MIMP_E2E_ERROR_NO_SESSION,
                                       _ ("There is no safety number yet: no keys have been "
                                          "exchanged with this contact."));
        }
      g_task_return_error (task, error);
    }
  else
    g_task_return_pointer (task, number, g_free);
}

static void
safety_number_then (MimpE2eCodec *self, GTask *task)
{
  PeerIn *in;

  if (self->worker == NULL)
    {
      g_task_return_new_error (task, MIMP_E2E_ERROR, MIMP_E2E_ERROR_STORAGE_KEY, "%s",
                               _ ("The keyring is locked: unlock it to see the safety number."));
      g_object_unref (task);
      return;
    }
  in = peer_in_new (g_task_get_task_data (task));
  in->own_user = g_strdup (mimp_account_get_user (self->account));
  mimp_e2e_worker_run_async (self->worker, safety_number_work, in, peer_in_free, g_free,
                             g_task_get_cancellable (task), safety_number_made, task);
}

void
mimp_e2e_codec_safety_number_async (MimpE2eCodec *self, const char *peer, GCancellable *cancellable,
                                    GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task;

  g_return_if_fail (MIMP_IS_E2E_CODEC (self));
  g_return_if_fail (peer != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, mimp_e2e_codec_safety_number_async);
  g_task_set_task_data (task, g_strdup (peer), g_free);
  mimp_e2e_codec_with_worker (self, task, safety_number_then);
}

char *
mimp_e2e_codec_safety_number_finish (MimpE2eCodec *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

static gpointer
trust_change_work (MimpE2e *e2e, gpointer data, GError **error)
{
  PeerIn *in = data;
  gboolean ok;

  if (in->ids != NULL) /* accept the new key */
    ok = mimp_e2e_accept_key_change (e2e, in->peer, error);
  else
    ok = mimp_e2e_set_verified (e2e, in->peer, in->flag, error);
  return ok ? GINT_TO_POINTER (mimp_e2e_get_trust (e2e, in->peer) + 1) : NULL;
}

static void
trust_changed (GObject *source, GAsyncResult *result, gpointer data)
{
  g_autoptr (PeerData) pd = data;
  g_autoptr (GError) error = NULL;
  gpointer trust = mimp_e2e_worker_run_finish (MIMP_E2E_WORKER (source), result, &error);
  MimpChatPrivacy privacy;

  if (trust == NULL)
    {
      if (error != NULL && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_message ("Could not change the trust of a private chat: %s", error->message);
      return;
    }
  privacy = mimp_e2e_codec_privacy_from_trust (pd->self, pd->peer, GPOINTER_TO_INT (trust) - 1);
  mimp_e2e_codec_set_privacy (pd->self, pd->peer, privacy);
  if (privacy != MIMP_CHAT_PRIVACY_KEY_CHANGED)
    mimp_e2e_codec_peer_ready (pd->self, pd->peer);
}

void
mimp_e2e_codec_accept_key_change (MimpE2eCodec *self, const char *peer)
{
  PeerIn *in;

  g_return_if_fail (MIMP_IS_E2E_CODEC (self));
  g_return_if_fail (peer != NULL);

  in = peer_in_new (peer);
  in->ids = g_ptr_array_new (); /* marks "accept" */
  run_for_peer (self, trust_change_work, in, NULL, trust_changed);
}

void
mimp_e2e_codec_set_verified (MimpE2eCodec *self, const char *peer, gboolean verified)
{
  PeerIn *in;

  g_return_if_fail (MIMP_IS_E2E_CODEC (self));
  g_return_if_fail (peer != NULL);

  in = peer_in_new (peer);
  in->flag = verified;
  run_for_peer (self, trust_change_work, in, NULL, trust_changed);
}

static gpointer
request_resend_work (MimpE2e *e2e, gpointer data, GError **error)
{
  PeerIn *in = data;

  return mimp_e2e_request_resend (e2e, in->peer, error);
}

/**
 * mimp_e2e_codec_request_resend:
 *
 * Asks @peer to send again what could not be decrypted (at most once a
 * minute: more often does nothing).
 */
void
mimp_e2e_codec_request_resend (MimpE2eCodec *self, const char *peer)
{
  g_return_if_fail (MIMP_IS_E2E_CODEC (self));
  g_return_if_fail (peer != NULL);

  run_for_peer (self, request_resend_work, peer_in_new (peer), g_free, envelope_made);
}

/* Worker: our messages @in->ids to @in->peer, encrypted again (those still
 * kept), as envelopes in order. */
static gpointer
resend_work (MimpE2e *e2e, gpointer data, GError **error)
{
  PeerIn *in = data;
  GPtrArray *all = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; i < in->ids->len; i++)
    {
      g_autofree char *text = mimp_e2e_get_sent_text (e2e, in->peer, in->ids->pdata[i]);
      g_autoptr (GPtrArray) envelopes = NULL;

      if (text == NULL)
        continue;
      envelopes = mimp_e2e_encrypt (e2e, in->peer, in->ids->pdata[i], text, error);
      memset (text, 0, strlen (text));
      if (envelopes == NULL)
        {
          g_ptr_array_unref (all);
          return NULL;
        }
      for (guint j = 0; j < envelopes->len; j++)
        g_ptr_array_add (all, g_strdup (envelopes->pdata[j]));
    }
  return all;
}

static void
resent (GObject *source, GAsyncResult *result, gpointer data)
{
  g_autoptr (PeerData) pd = data;
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) envelopes =
      mimp_e2e_worker_run_finish (MIMP_E2E_WORKER (source), result, &error);

  if (envelopes == NULL)
    {
      if (error != NULL && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_message ("Could not send messages again: %s", error->message);
      return;
    }
  for (guint i = 0; i < envelopes->len; i++)
    mimp_e2e_codec_send_own (pd->self, pd->peer, envelopes->pdata[i]);
}

/* The peer could not read some of our messages: they go again. */
void
mimp_e2e_codec_resend (MimpE2eCodec *self, const char *peer, GPtrArray *ids)
{
  PeerIn *in = peer_in_new (peer);

  in->ids = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; i < ids->len; i++)
    g_ptr_array_add (in->ids, g_strdup (ids->pdata[i]));
  run_for_peer (self, resend_work, in, (GDestroyNotify) g_ptr_array_unref, resent);
}
