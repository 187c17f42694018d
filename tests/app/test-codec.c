/* test-codec.c - the account's side of the codec seam (mimp-message-codec.h)
 *
 * What an end-to-end codec needs from MimpAccount, checked with a toy
 * codec on the in-memory test protocol: a message made into several texts
 * goes as that many messages and is sent when all are (failed when one
 * fails, and a retry encodes the same client id again); a message the
 * codec holds back (WAIT) stays pending until the codec says the peer is
 * ready; what the codec drops from a received batch (a key exchange) is
 * still acknowledged, after the codec heard that the batch is stored; a
 * record's protection and gap reach the history.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "mimp-account-manager.h"
#include "mimp-history.h"
#include "mimp-incoming.h"
#include "mimp-message-codec.h"
#include "mimp-test-protocol.h"
#include "test-util.h"

/* ------------------------------------------------------------------ */
/* A toy codec: "T:" and four characters per text; "CTRL:" is its own;  */
/* "BAD" cannot be read; anything else arrived unencrypted.            */
/* ------------------------------------------------------------------ */

#define TOY_PART 4

#define TOY_TYPE_CODEC (toy_codec_get_type ())
G_DECLARE_FINAL_TYPE (ToyCodec, toy_codec, TOY, CODEC, GObject)

struct _ToyCodec
{
  GObject parent_instance;
  GHashTable *waiting; /* peers whose messages must wait */
  GPtrArray *sent;     /* client ids the account said were sent */
  guint n_stored;      /* received records the account said were stored */
  guint n_encoded;
  MimpProtocolSession *session;
};

static void toy_codec_iface_init (MimpMessageCodecInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (ToyCodec, toy_codec, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (MIMP_TYPE_MESSAGE_CODEC,
                                                      toy_codec_iface_init))

static ToyCodec *last_codec;

static void
toy_decode_async (MimpMessageCodec *codec, const char *account_id, GPtrArray *incoming,
                  GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr (GTask) task = g_task_new (codec, cancellable, callback, user_data);
  GPtrArray *out = g_ptr_array_new_with_free_func ((GDestroyNotify) mimp_incoming_unref);

  for (guint i = 0; i < incoming->len; i++)
    {
      const MimpIncoming *in = incoming->pdata[i];

      if (g_str_has_prefix (in->text, "CTRL:"))
        continue;
      if (g_str_equal (in->text, "BAD"))
        g_ptr_array_add (
            out, mimp_incoming_copy_decoded (in, "", MIMP_MESSAGE_PROTECTION_UNDECRYPTABLE, 0));
      else if (g_str_has_prefix (in->text, "T:"))
        g_ptr_array_add (out, mimp_incoming_copy_decoded (in, in->text + 2,
                                                          MIMP_MESSAGE_PROTECTION_ENCRYPTED, 3));
      else
        g_ptr_array_add (
            out, mimp_incoming_copy_decoded (in, in->text, MIMP_MESSAGE_PROTECTION_UNENCRYPTED, 0));
    }
  g_task_return_pointer (task, out, (GDestroyNotify) g_ptr_array_unref);
}

static GPtrArray *
toy_decode_finish (MimpMessageCodec *codec, GAsyncResult *result, GError **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
toy_encode_async (MimpMessageCodec *codec, const char *account_id, const char *peer,
                  const char *client_id, const char *text, GCancellable *cancellable,
                  GAsyncReadyCallback callback, gpointer user_data)
{
  ToyCodec *self = TOY_CODEC (codec);
  g_autoptr (GTask) task = g_task_new (codec, cancellable, callback, user_data);
  GPtrArray *texts;
  size_t len = strlen (text);

  self->n_encoded++;
  if (g_hash_table_contains (self->waiting, peer))
    {
      g_task_return_new_error (task, MIMP_MESSAGE_CODEC_ERROR, MIMP_MESSAGE_CODEC_ERROR_WAIT,
                               "No keys yet");
      return;
    }
  texts = g_ptr_array_new_with_free_func (g_free);
  for (size_t at = 0; at < len; at += TOY_PART)
    g_ptr_array_add (texts, g_strdup_printf ("T:%.*s", TOY_PART, text + at));
  g_task_return_pointer (task, texts, (GDestroyNotify) g_ptr_array_unref);
}

static GPtrArray *
toy_encode_finish (MimpMessageCodec *codec, GAsyncResult *result, GError **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
toy_stored (MimpMessageCodec *codec, const char *account_id, GPtrArray *received)
{
  TOY_CODEC (codec)->n_stored += received->len;
}

static void
toy_sent (MimpMessageCodec *codec, const char *account_id, const char *client_id)
{
  g_ptr_array_add (TOY_CODEC (codec)->sent, g_strdup (client_id));
}

static void
toy_attach (MimpMessageCodec *codec, MimpProtocolSession *session)
{
  TOY_CODEC (codec)->session = session;
}

static void
toy_codec_iface_init (MimpMessageCodecInterface *iface)
{
  iface->decode_async = toy_decode_async;
  iface->decode_finish = toy_decode_finish;
  iface->encode_async = toy_encode_async;
  iface->encode_finish = toy_encode_finish;
  iface->stored = toy_stored;
  iface->sent = toy_sent;
  iface->attach = toy_attach;
}

static void
toy_codec_finalize (GObject *object)
{
  ToyCodec *self = TOY_CODEC (object);

  g_hash_table_unref (self->waiting);
  g_ptr_array_unref (self->sent);
  if (last_codec == self)
    last_codec = NULL;
  G_OBJECT_CLASS (toy_codec_parent_class)->finalize (object);
}

static void
toy_codec_class_init (ToyCodecClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = toy_codec_finalize;
}

static void
toy_codec_init (ToyCodec *self)
{
  self->waiting = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->sent = g_ptr_array_new_with_free_func (g_free);
}

static MimpMessageCodec *
toy_codec_new (MimpAccount *account)
{
  last_codec = g_object_new (TOY_TYPE_CODEC, NULL);
  return MIMP_MESSAGE_CODEC (last_codec);
}

/* ------------------------------------------------------------------ */

typedef struct
{
  TestModels m;
  MimpTestNetwork *net;
  MimpAccount *alice;
  ToyCodec *codec;
} Fixture;

static void
fixture_set_up (Fixture *fx, gconstpointer data)
{
  test_models_set_up (&fx->m);
  fx->net = mimp_test_network_new ();
  mimp_test_network_add_user (fx->net, "alice", NULL);
  mimp_test_network_add_user (fx->net, "bob", NULL);
  mimp_test_protocol_set_codec_factory (toy_codec_new);
  fx->alice = mimp_test_network_new_account (fx->net, "alice");
  mimp_test_protocol_set_codec_factory (NULL);
  fx->codec = last_codec;
  g_assert_nonnull (fx->codec);
  test_models_add_online (&fx->m, fx->alice);
  g_assert_nonnull (fx->codec->session);
}

static void
fixture_tear_down (Fixture *fx, gconstpointer data)
{
  test_models_tear_down (&fx->m);
  g_clear_object (&fx->alice);
  g_clear_object (&fx->net);
}

static GPtrArray *
load_chat (Fixture *fx, const char *peer)
{
  return test_load_chat (fx->m.history, mimp_account_get_id (fx->alice), peer);
}

typedef struct
{
  Fixture *fx;
  const char *peer;
  guint n;
  MimpMessageState state;
} ChatWait;

static gboolean
chat_has (gpointer data)
{
  ChatWait *wait = data;
  g_autoptr (GPtrArray) page = load_chat (wait->fx, wait->peer);

  if (page->len != wait->n)
    return FALSE;
  for (guint i = 0; i < page->len; i++)
    if (mimp_chat_message_get_state (page->pdata[i]) != wait->state)
      return FALSE;
  return TRUE;
}

static void
wait_chat (Fixture *fx, const char *peer, guint n, MimpMessageState state)
{
  ChatWait wait = { fx, peer, n, state };

  if (!test_wait_until (chat_has, &wait, 30))
    g_error ("The chat with %s never had %u messages in state %d", peer, n, state);
}

/* A message made into three texts goes as three messages, and is sent
 * when all three are. */
static void
test_parts (Fixture *fx, gconstpointer data)
{
  const char *const texts[] = { "T:hell", "T:o wo", "T:rld!", NULL };
  g_autoptr (GPtrArray) page = NULL;

  mimp_account_send (fx->alice, "bob", "hello world!");
  wait_chat (fx, "bob", 1, MIMP_MESSAGE_STATE_SENT);
  mimp_test_network_assert_mailbox (fx->net, "bob", texts);
  page = load_chat (fx, "bob");
  g_assert_cmpstr (mimp_chat_message_get_text (page->pdata[0]), ==, "hello world!");
  g_assert_cmpuint (fx->codec->sent->len, ==, 1);
  g_assert_cmpstr (fx->codec->sent->pdata[0], ==, mimp_chat_message_get_client_id (page->pdata[0]));
}

/* One text of three fails: the message failed; Retry encodes the same
 * client id again and sends all of it. */
static void
test_part_fails (Fixture *fx, gconstpointer data)
{
  g_autoptr (GError) refused =
      g_error_new_literal (MIMP_TEST_PROTOCOL_ERROR, MIMP_TEST_PROTOCOL_ERROR_REFUSED, "Refused");
  g_autoptr (GPtrArray) page = NULL;
  g_autoptr (GPtrArray) mailbox = NULL;

  mimp_test_network_fail_next_send (fx->net, "alice", refused);
  mimp_account_send (fx->alice, "bob", "hello world!");
  wait_chat (fx, "bob", 1, MIMP_MESSAGE_STATE_FAILED);
  g_assert_cmpuint (fx->codec->sent->len, ==, 0);

  page = load_chat (fx, "bob");
  mimp_account_retry (fx->alice, page->pdata[0]);
  wait_chat (fx, "bob", 1, MIMP_MESSAGE_STATE_SENT);
  g_assert_cmpuint (fx->codec->sent->len, ==, 1);
  mailbox = mimp_test_network_dup_mailbox (fx->net, "bob");
  /* Two parts of the first try, three of the second. */
  g_assert_cmpuint (mailbox->len, ==, 5);
  g_assert_cmpstr (((MimpIncoming *) mailbox->pdata[4])->text, ==, "T:rld!");
}

/* The codec holds a message back until the peer is ready; the others'
 * messages do not wait for it. */
static void
test_wait_until_ready (Fixture *fx, gconstpointer data)
{
  const char *const none[] = { NULL };
  const char *const bob[] = { "T:hi b", "T:ob", NULL };
  const char *const carol[] = { "T:hi", NULL };

  mimp_test_network_add_user (fx->net, "carol", NULL);
  g_hash_table_add (fx->codec->waiting, g_strdup ("bob"));
  mimp_account_send (fx->alice, "bob", "hi bob");
  mimp_account_send (fx->alice, "carol", "hi");
  wait_chat (fx, "carol", 1, MIMP_MESSAGE_STATE_SENT);
  test_settle (200);
  wait_chat (fx, "bob", 1, MIMP_MESSAGE_STATE_PENDING);
  mimp_test_network_assert_mailbox (fx->net, "bob", none);

  /* Ready for carol changes nothing for bob. */
  mimp_message_codec_emit_ready (MIMP_MESSAGE_CODEC (fx->codec), "carol");
  test_settle (200);
  wait_chat (fx, "bob", 1, MIMP_MESSAGE_STATE_PENDING);

  g_hash_table_remove (fx->codec->waiting, "bob");
  mimp_message_codec_emit_ready (MIMP_MESSAGE_CODEC (fx->codec), "bob");
  wait_chat (fx, "bob", 1, MIMP_MESSAGE_STATE_SENT);
  mimp_test_network_assert_mailbox (fx->net, "bob", bob);
  mimp_test_network_assert_mailbox (fx->net, "carol", carol);
}

static gboolean
all_acknowledged (gpointer data)
{
  Fixture *fx = data;
  return mimp_test_network_get_acknowledged (fx->net, "alice") == 4;
}

/* What the codec keeps to itself is acknowledged with the rest, after the
 * codec heard that the batch is stored; protection and gaps are kept. */
static void
test_receive (Fixture *fx, gconstpointer data)
{
  g_autoptr (GPtrArray) page = NULL;
  gint64 now = g_get_real_time () / 1000;
  const char *texts[] = { "T:hi", "BAD", "plain", "CTRL:key answer" };

  for (guint i = 0; i < G_N_ELEMENTS (texts); i++)
    g_free (mimp_test_network_inject (fx->net, "bob", "alice", texts[i], now + i));
  if (!test_wait_until (all_acknowledged, fx, 30))
    g_error ("The batch was not acknowledged to its end: %" G_GINT64_FORMAT,
             mimp_test_network_get_acknowledged (fx->net, "alice"));
  g_assert_cmpuint (fx->codec->n_stored, ==, 4);

  page = load_chat (fx, "bob");
  g_assert_cmpuint (page->len, ==, 3);
  g_assert_cmpstr (mimp_chat_message_get_text (page->pdata[0]), ==, "hi");
  g_assert_cmpint (mimp_chat_message_get_protection (page->pdata[0]), ==,
                   MIMP_MESSAGE_PROTECTION_ENCRYPTED);
  g_assert_cmpuint (mimp_chat_message_get_missing_before (page->pdata[0]), ==, 3);
  g_assert_cmpstr (mimp_chat_message_get_text (page->pdata[1]), ==, "");
  g_assert_cmpint (mimp_chat_message_get_protection (page->pdata[1]), ==,
                   MIMP_MESSAGE_PROTECTION_UNDECRYPTABLE);
  g_assert_cmpint (mimp_chat_message_get_protection (page->pdata[2]), ==,
                   MIMP_MESSAGE_PROTECTION_UNENCRYPTED);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("/codec/parts", test_parts);
  ADD ("/codec/part-fails", test_part_fails);
  ADD ("/codec/wait-until-ready", test_wait_until_ready);
  ADD ("/codec/receive", test_receive);
#undef ADD

  return g_test_run ();
}
