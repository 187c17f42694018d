/* test-session.c - MimpClientSession against a real mimpd and a plain
 * MIMP 1.0 peer: receive loop, acknowledged delivery, outbox retries
 * across a server crash, states
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "mimp.h"
#include "mimp-test.h"

typedef struct
{
  GPtrArray *messages; /* every MimpMessage received, in order */
  GHashTable *sent;    /* client id -> server id ("" for none) */
  GHashTable *failed;  /* client id -> error code */
  gboolean ack;
} Recorder;

static void
messages_received_cb (MimpClientSession *session, GPtrArray *messages, Recorder *recorder)
{
  gint64 highest = -1;

  for (guint i = 0; i < messages->len; i++)
    {
      MimpMessage *message = messages->pdata[i];

      g_ptr_array_add (recorder->messages, mimp_message_copy (message));
      highest = MAX (highest, message->seq);
    }
  if (recorder->ack)
    mimp_client_session_acknowledge (session, highest);
}

static void
send_finished_cb (MimpClientSession *session, const char *client_id, const char *server_id,
                  gint64 timestamp, const GError *error, Recorder *recorder)
{
  if (error)
    g_hash_table_insert (recorder->failed, g_strdup (client_id), GINT_TO_POINTER (error->code));
  else
    g_hash_table_insert (recorder->sent, g_strdup (client_id),
                         g_strdup (server_id ? server_id : ""));
}

static Recorder *
recorder_new (MimpClientSession *session, gboolean ack)
{
  Recorder *recorder = g_new0 (Recorder, 1);

  recorder->messages = g_ptr_array_new_with_free_func ((GDestroyNotify) mimp_message_free);
  recorder->sent = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  recorder->failed = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  recorder->ack = ack;
  g_signal_connect (session, "messages-received", G_CALLBACK (messages_received_cb), recorder);
  g_signal_connect (session, "send-finished", G_CALLBACK (send_finished_cb), recorder);
  return recorder;
}

static void
recorder_free (Recorder *recorder)
{
  g_ptr_array_unref (recorder->messages);
  g_hash_table_unref (recorder->sent);
  g_hash_table_unref (recorder->failed);
  g_free (recorder);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Recorder, recorder_free)

typedef struct
{
  MimpClientSession *session;
  MimpSessionState state;
} StateWait;

static gboolean
state_is (gpointer data)
{
  StateWait *wait = data;

  return mimp_client_session_get_state (wait->session) == wait->state;
}

static void
wait_state (MimpClientSession *session, MimpSessionState state)
{
  StateWait wait = { session, state };

  g_assert_true (test_wait_until (state_is, &wait, TEST_WAIT_S));
}

typedef struct
{
  Recorder *recorder;
  guint count;
} CountWait;

static gboolean
received_at_least (gpointer data)
{
  CountWait *wait = data;

  return wait->recorder->messages->len >= wait->count;
}

static gboolean
sent_at_least (gpointer data)
{
  CountWait *wait = data;

  return g_hash_table_size (wait->recorder->sent) + g_hash_table_size (wait->recorder->failed) >=
         wait->count;
}

static void
wait_received (Recorder *recorder, guint count)
{
  CountWait wait = { recorder, count };

  g_assert_true (test_wait_until (received_at_least, &wait, TEST_WAIT_S));
}

static void
wait_sent (Recorder *recorder, guint count)
{
  CountWait wait = { recorder, count };

  g_assert_true (test_wait_until (sent_at_least, &wait, TEST_WAIT_S));
}

static MimpClientSession *
session_new (guint16 port, const char *user, const char *password, gboolean manual_ack)
{
  MimpClientSession *session = mimp_client_session_new ("127.0.0.1", port, FALSE, user);

  mimp_client_session_set_password (session, password);
  mimp_client_session_set_manual_ack (session, manual_ack);
  return session;
}

/* Long poll: a message reaches an online session at once, exactly once. */
static void
test_send_receive (TestWorld *fixture, gconstpointer data)
{
  guint16 port = mimpd_test_server_get_port (fixture->server);
  g_autoptr (MimpClientSession) alice = session_new (port, "alice", fixture->alice_pw, FALSE);
  g_autoptr (MimpClientSession) bob = session_new (port, "bob", fixture->bob_pw, TRUE);
  g_autoptr (Recorder) alice_rec = recorder_new (alice, TRUE);
  g_autoptr (Recorder) bob_rec = recorder_new (bob, TRUE);
  g_autofree char *id1 = g_uuid_string_random ();
  g_autofree char *id2 = g_uuid_string_random ();
  MimpMessage *message;

  mimp_client_session_set_receive (alice, FALSE);
  mimp_client_session_start (alice);
  mimp_client_session_start (bob);
  wait_state (alice, MIMP_SESSION_STATE_ONLINE);
  wait_state (bob, MIMP_SESSION_STATE_ONLINE);
  test_settle (300); /* bob's long poll is now held */

  mimp_client_session_send (alice, id1, "bob", "first");
  mimp_client_session_send (alice, id1, "bob", "first"); /* queued once */
  mimp_client_session_send (alice, id2, "bob", "second");
  wait_sent (alice_rec, 2);
  g_assert_cmpuint (mimp_client_session_get_outbox_length (alice), ==, 0);
  wait_received (bob_rec, 2);
  test_settle (300);
  g_assert_cmpuint (bob_rec->messages->len, ==, 2);
  message = bob_rec->messages->pdata[0];
  g_assert_cmpstr (message->text, ==, "first");
  g_assert_cmpstr (message->id, ==, g_hash_table_lookup (alice_rec->sent, id1));
  g_assert_cmpstr (((MimpMessage *) bob_rec->messages->pdata[1])->text, ==, "second");

  mimp_client_session_stop (alice);
  mimp_client_session_stop (bob);
  g_assert_cmpint (mimp_client_session_get_state (bob), ==, MIMP_SESSION_STATE_OFFLINE);
}

/* Messages delivered but not acknowledged come again (same ids) to the
 * next session; acknowledged ones do not. */
static void
test_redelivery (TestWorld *fixture, gconstpointer data)
{
  guint16 port = mimpd_test_server_get_port (fixture->server);
  g_autoptr (MimpClientSession) alice = session_new (port, "alice", fixture->alice_pw, FALSE);
  g_autoptr (Recorder) alice_rec = recorder_new (alice, TRUE);
  g_autofree char *first_id = NULL;

  mimp_client_session_set_receive (alice, FALSE);
  mimp_client_session_start (alice);
  for (guint i = 0; i < 3; i++)
    {
      g_autofree char *client_id = g_uuid_string_random ();
      g_autofree char *text = g_strdup_printf ("m%u", i);

      mimp_client_session_send (alice, client_id, "bob", text);
    }
  wait_sent (alice_rec, 3);

  {
    /* A consumer that "crashes" before storing: it never acknowledges. */
    g_autoptr (MimpClientSession) bob = session_new (port, "bob", fixture->bob_pw, TRUE);
    g_autoptr (Recorder) rec = recorder_new (bob, FALSE);

    mimp_client_session_start (bob);
    wait_received (rec, 3);
    first_id = g_strdup (((MimpMessage *) rec->messages->pdata[0])->id);
    mimp_client_session_stop (bob);
  }
  {
    g_autoptr (MimpClientSession) bob = session_new (port, "bob", fixture->bob_pw, TRUE);
    g_autoptr (Recorder) rec = recorder_new (bob, TRUE);

    mimp_client_session_start (bob);
    wait_received (rec, 3);
    g_assert_cmpstr (((MimpMessage *) rec->messages->pdata[0])->id, ==, first_id);
    test_settle (300);
    mimp_client_session_stop (bob);
  }
  {
    g_autoptr (MimpClientSession) bob = session_new (port, "bob", fixture->bob_pw, TRUE);
    g_autoptr (Recorder) rec = recorder_new (bob, TRUE);

    mimp_client_session_start (bob);
    wait_state (bob, MIMP_SESSION_STATE_ONLINE);
    test_settle (500);
    g_assert_cmpuint (rec->messages->len, ==, 0);
    mimp_client_session_stop (bob);
  }
}

/* Messages queued while the server is down are sent after it comes back,
 * each delivered exactly once; the receiver reconnects by itself. */
/* The same session, stopped before its consumer stored (and acknowledged)
 * a batch and started again, gets that batch again and goes on receiving. */
static void
test_unacknowledged_across_restart (TestWorld *fixture, gconstpointer data)
{
  guint16 port = mimpd_test_server_get_port (fixture->server);
  g_autoptr (MimpClientSession) alice = session_new (port, "alice", fixture->alice_pw, FALSE);
  g_autoptr (Recorder) alice_rec = recorder_new (alice, TRUE);
  g_autoptr (MimpClientSession) bob = session_new (port, "bob", fixture->bob_pw, TRUE);
  g_autoptr (Recorder) rec = recorder_new (bob, FALSE);
  g_autofree char *first_id = NULL;

  mimp_client_session_set_receive (alice, FALSE);
  mimp_client_session_start (alice);
  mimp_client_session_send (alice, "u1", "bob", "kept until stored");
  wait_sent (alice_rec, 1);

  mimp_client_session_start (bob);
  wait_received (rec, 1);
  first_id = g_strdup (((MimpMessage *) rec->messages->pdata[0])->id);
  mimp_client_session_stop (bob);

  mimp_client_session_start (bob);
  wait_received (rec, 2);
  g_assert_cmpstr (((MimpMessage *) rec->messages->pdata[1])->id, ==, first_id);
  mimp_client_session_acknowledge (bob, ((MimpMessage *) rec->messages->pdata[1])->seq);

  /* And what comes next still arrives. */
  mimp_client_session_send (alice, "u2", "bob", "after the restart");
  wait_sent (alice_rec, 2);
  wait_received (rec, 3);
  g_assert_cmpstr (((MimpMessage *) rec->messages->pdata[2])->text, ==, "after the restart");
  mimp_client_session_stop (bob);
  mimp_client_session_stop (alice);
}

static void
test_outbox_across_crash (TestWorld *fixture, gconstpointer data)
{
  guint16 port = mimpd_test_server_get_port (fixture->server);
  g_autoptr (MimpClientSession) alice = session_new (port, "alice", fixture->alice_pw, FALSE);
  g_autoptr (MimpClientSession) bob = session_new (port, "bob", fixture->bob_pw, TRUE);
  g_autoptr (Recorder) alice_rec = recorder_new (alice, TRUE);
  g_autoptr (Recorder) bob_rec = recorder_new (bob, TRUE);
  g_autoptr (GError) error = NULL;
  g_autoptr (GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);

  mimp_client_session_set_receive (alice, FALSE);
  mimp_client_session_start (alice);
  mimp_client_session_start (bob);
  wait_state (alice, MIMP_SESSION_STATE_ONLINE);
  wait_state (bob, MIMP_SESSION_STATE_ONLINE);

  mimpd_test_server_kill (fixture->server);
  wait_state (alice, MIMP_SESSION_STATE_WAITING);
  wait_state (bob, MIMP_SESSION_STATE_WAITING);
  g_assert_nonnull (mimp_client_session_get_error (alice));
  g_assert_cmpint (mimp_client_session_get_retry_time (alice), >, g_get_monotonic_time ());

  for (guint i = 0; i < 5; i++)
    {
      g_autofree char *client_id = g_uuid_string_random ();
      g_autofree char *text = g_strdup_printf ("queued %u", i);

      mimp_client_session_send (alice, client_id, "bob", text);
    }
  g_assert_cmpuint (mimp_client_session_get_outbox_length (alice), ==, 5);

  g_assert_true (mimpd_test_server_restart (fixture->server, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (mimpd_test_server_get_port (fixture->server), ==, port);

  wait_sent (alice_rec, 5);
  g_assert_cmpuint (g_hash_table_size (alice_rec->failed), ==, 0);
  wait_received (bob_rec, 5);
  test_settle (500);
  g_assert_cmpuint (bob_rec->messages->len, ==, 5);
  for (guint i = 0; i < 5; i++)
    {
      MimpMessage *message = bob_rec->messages->pdata[i];
      g_autofree char *expected = g_strdup_printf ("queued %u", i);

      g_assert_cmpstr (message->text, ==, expected);
      g_assert_false (g_hash_table_contains (seen, message->id));
      g_hash_table_add (seen, message->id);
    }
  mimp_client_session_stop (alice);
  mimp_client_session_stop (bob);
}

static void
test_final_send_error (TestWorld *fixture, gconstpointer data)
{
  guint16 port = mimpd_test_server_get_port (fixture->server);
  g_autoptr (MimpClientSession) alice = session_new (port, "alice", fixture->alice_pw, FALSE);
  g_autoptr (Recorder) rec = recorder_new (alice, TRUE);
  g_autofree char *lost = g_uuid_string_random ();
  g_autofree char *fine = g_uuid_string_random ();

  mimp_client_session_set_receive (alice, FALSE);
  mimp_client_session_start (alice);
  mimp_client_session_send (alice, lost, "nobody", "into the void");
  mimp_client_session_send (alice, fine, "bob", "hello");
  wait_sent (rec, 2);
  g_assert_cmpint (GPOINTER_TO_INT (g_hash_table_lookup (rec->failed, lost)), ==,
                   MIMP_ERROR_NO_SUCH_USER);
  g_assert_true (g_hash_table_contains (rec->sent, fine));
  g_assert_cmpint (mimp_client_session_get_state (alice), ==, MIMP_SESSION_STATE_ONLINE);
  mimp_client_session_stop (alice);
}

static void
test_wrong_password (TestWorld *fixture, gconstpointer data)
{
  guint16 port = mimpd_test_server_get_port (fixture->server);
  g_autofree char *wrong = g_strconcat (fixture->alice_pw, "!", NULL);
  g_autoptr (MimpClientSession) alice = session_new (port, "alice", wrong, FALSE);

  mimp_client_session_start (alice);
  wait_state (alice, MIMP_SESSION_STATE_NEEDS_PASSWORD);
  g_assert_error ((GError *) mimp_client_session_get_error (alice), MIMP_ERROR,
                  MIMP_ERROR_WRONG_PASSWORD);
  /* It does not retry on its own with a password the server refused. */
  test_settle (1500);
  g_assert_cmpint (mimp_client_session_get_state (alice), ==, MIMP_SESSION_STATE_NEEDS_PASSWORD);

  mimp_client_session_set_password (alice, fixture->alice_pw);
  mimp_client_session_reconnect_now (alice);
  wait_state (alice, MIMP_SESSION_STATE_ONLINE);
  g_assert_null (mimp_client_session_get_error (alice));
  mimp_client_session_stop (alice);
}

static void
test_certificate (TestWorld *fixture, gconstpointer data)
{
  guint16 port = mimpd_test_server_get_tls_port (fixture->server);
  g_autoptr (MimpClientSession) alice = mimp_client_session_new ("127.0.0.1", port, TRUE, "alice");
  g_autoptr (Recorder) rec = recorder_new (alice, TRUE);
  g_autofree char *fingerprint = NULL;
  g_autofree char *client_id = g_uuid_string_random ();

  mimp_client_session_set_password (alice, fixture->alice_pw);
  mimp_client_session_start (alice);
  wait_state (alice, MIMP_SESSION_STATE_NEEDS_CERTIFICATE);
  g_assert_error ((GError *) mimp_client_session_get_error (alice), MIMP_ERROR,
                  MIMP_ERROR_CERTIFICATE);
  g_assert_nonnull (mimp_client_session_get_peer_certificate (alice));
  fingerprint = mimp_certificate_get_fingerprint (mimp_client_session_get_peer_certificate (alice));

  /* The user reviewed and trusted it. */
  mimp_client_session_set_accepted_certificate (alice, fingerprint);
  mimp_client_session_reconnect_now (alice);
  wait_state (alice, MIMP_SESSION_STATE_ONLINE);
  mimp_client_session_send (alice, client_id, "bob", "over TLS");
  wait_sent (rec, 1);
  g_assert_true (g_hash_table_contains (rec->sent, client_id));
  mimp_client_session_stop (alice);
}

/* Plain 1.0 server: it answers GU at once and drops what it returns; the
 * session falls back to polling on a timer and still delivers. */
static void
test_plain_peer_polling (void)
{
  g_autoptr (TestPeer) peer = test_peer_start ("plain");
  g_autofree char *client_id = g_uuid_string_random ();
  g_autoptr (MimpClientSession) alice = NULL;
  g_autoptr (MimpClientSession) bob = NULL;
  g_autoptr (Recorder) alice_rec = NULL;
  g_autoptr (Recorder) bob_rec = NULL;

  alice = session_new (peer->port, "alice", peer->alice_pw, FALSE);
  bob = session_new (peer->port, "bob", peer->bob_pw, TRUE);
  mimp_client_session_set_poll_interval (bob, 1);
  alice_rec = recorder_new (alice, TRUE);
  bob_rec = recorder_new (bob, TRUE);
  mimp_client_session_set_receive (alice, FALSE);
  mimp_client_session_start (alice);
  mimp_client_session_start (bob);
  wait_state (bob, MIMP_SESSION_STATE_ONLINE);
  test_settle (1500); /* a few empty, immediate answers: the session now polls */

  mimp_client_session_send (alice, client_id, "bob", "polled");
  wait_sent (alice_rec, 1);
  g_assert_cmpstr (g_hash_table_lookup (alice_rec->sent, client_id), ==, "");
  wait_received (bob_rec, 1);
  test_settle (2500);
  g_assert_cmpuint (bob_rec->messages->len, ==, 1);
  g_assert_cmpstr (((MimpMessage *) bob_rec->messages->pdata[0])->text, ==, "polled");
  g_assert_null (((MimpMessage *) bob_rec->messages->pdata[0])->id);

  mimp_client_session_stop (alice);
  mimp_client_session_stop (bob);
}

/* A server that loses acknowledgements sends acknowledged messages again:
 * the session passes each on once. */
static void
test_lost_ack_not_repeated (void)
{
  g_autoptr (TestPeer) peer = test_peer_start ("lost-ack");
  g_autoptr (MimpClientSession) alice = NULL;
  g_autoptr (MimpClientSession) bob = NULL;
  g_autoptr (Recorder) alice_rec = NULL;
  g_autoptr (Recorder) bob_rec = NULL;

  alice = session_new (peer->port, "alice", peer->alice_pw, FALSE);
  bob = session_new (peer->port, "bob", peer->bob_pw, FALSE);
  mimp_client_session_set_poll_interval (bob, 1);
  alice_rec = recorder_new (alice, TRUE);
  bob_rec = recorder_new (bob, TRUE);
  mimp_client_session_set_receive (alice, FALSE);
  mimp_client_session_start (alice);
  mimp_client_session_start (bob);
  wait_state (bob, MIMP_SESSION_STATE_ONLINE);

  mimp_client_session_send (alice, "c1", "bob", "once");
  wait_received (bob_rec, 1);
  mimp_client_session_send (alice, "c2", "bob", "twice?");
  wait_received (bob_rec, 2);
  test_settle (2500); /* several more polls, each answered with both */
  g_assert_cmpuint (bob_rec->messages->len, ==, 2);
  g_assert_cmpstr (((MimpMessage *) bob_rec->messages->pdata[0])->text, ==, "once");
  g_assert_cmpstr (((MimpMessage *) bob_rec->messages->pdata[1])->text, ==, "twice?");

  mimp_client_session_stop (alice);
  mimp_client_session_stop (bob);
}

/* With a server that offers push the session uses it; without (plain
 * mimpd --no-extensions) it long-polls. Either way a message arrives. */
static void
test_push_or_long_poll (TestWorld *fixture, gconstpointer data)
{
  gboolean plain = (GPOINTER_TO_INT (data) & TEST_WORLD_NO_EXTENSIONS) != 0;
  guint16 port = mimpd_test_server_get_port (fixture->server);
  g_autoptr (MimpClientSession) alice = session_new (port, "alice", fixture->alice_pw, FALSE);
  g_autoptr (MimpClientSession) bob = session_new (port, "bob", fixture->bob_pw, FALSE);
  g_autoptr (Recorder) alice_rec = recorder_new (alice, TRUE);
  g_autoptr (Recorder) bob_rec = recorder_new (bob, TRUE);

  mimp_client_session_set_receive (alice, FALSE);
  mimp_client_session_start (alice);
  mimp_client_session_start (bob);
  wait_state (bob, MIMP_SESSION_STATE_ONLINE);
  g_assert_cmpint (!!(mimp_client_session_get_features (bob) & MIMP_FEATURE_PUSH), ==, !plain);
  for (guint i = 0; i < 20; i++)
    {
      g_autofree char *client_id = g_strdup_printf ("p%u", i);
      g_autofree char *text = g_strdup_printf ("n%u", i);

      mimp_client_session_send (alice, client_id, "bob", text);
    }
  wait_received (bob_rec, 20);
  test_settle (300);
  g_assert_cmpuint (bob_rec->messages->len, ==, 20);
  for (guint i = 0; i < 20; i++)
    {
      g_autofree char *text = g_strdup_printf ("n%u", i);

      g_assert_cmpstr (((MimpMessage *) bob_rec->messages->pdata[i])->text, ==, text);
    }
  mimp_client_session_stop (bob);

  /* All acknowledged (by ACK packets or GU acks): a new session gets none. */
  {
    g_autoptr (MimpClientSession) again = session_new (port, "bob", fixture->bob_pw, FALSE);
    g_autoptr (Recorder) rec = recorder_new (again, TRUE);

    mimp_client_session_start (again);
    wait_state (again, MIMP_SESSION_STATE_ONLINE);
    test_settle (500);
    g_assert_cmpuint (rec->messages->len, ==, 0);
    mimp_client_session_stop (again);
  }
  mimp_client_session_stop (alice);
}

/* manual-ack over push: one batch at a time, as with GU; what is pushed
 * meanwhile is handed on once the consumer acknowledged. */
static void
test_push_manual_ack_batches (TestWorld *fixture, gconstpointer data)
{
  guint16 port = mimpd_test_server_get_port (fixture->server);
  g_autoptr (MimpClientSession) alice = session_new (port, "alice", fixture->alice_pw, FALSE);
  g_autoptr (MimpClientSession) bob = session_new (port, "bob", fixture->bob_pw, TRUE);
  g_autoptr (Recorder) alice_rec = recorder_new (alice, TRUE);
  g_autoptr (Recorder) bob_rec = recorder_new (bob, FALSE);
  gint64 seq;

  mimp_client_session_set_receive (alice, FALSE);
  mimp_client_session_start (alice);
  mimp_client_session_start (bob);
  wait_state (bob, MIMP_SESSION_STATE_ONLINE);
  g_assert_true (mimp_client_session_get_features (bob) & MIMP_FEATURE_PUSH);
  mimp_client_session_send (alice, "b1", "bob", "first");
  wait_received (bob_rec, 1);

  mimp_client_session_send (alice, "b2", "bob", "second");
  mimp_client_session_send (alice, "b3", "bob", "third");
  wait_sent (alice_rec, 3);
  test_settle (500);
  g_assert_cmpuint (bob_rec->messages->len, ==, 1); /* held until the ack */

  seq = ((MimpMessage *) bob_rec->messages->pdata[0])->seq;
  mimp_client_session_acknowledge (bob, seq);
  wait_received (bob_rec, 3);
  g_assert_cmpstr (((MimpMessage *) bob_rec->messages->pdata[1])->text, ==, "second");
  g_assert_cmpstr (((MimpMessage *) bob_rec->messages->pdata[2])->text, ==, "third");

  /* Not acknowledged: they come again on the next connection, once. */
  mimp_client_session_reconnect_now (bob);
  wait_received (bob_rec, 5);
  test_settle (300);
  g_assert_cmpuint (bob_rec->messages->len, ==, 5);
  g_assert_cmpstr (((MimpMessage *) bob_rec->messages->pdata[3])->id, ==,
                   ((MimpMessage *) bob_rec->messages->pdata[1])->id);
  mimp_client_session_stop (bob);
  mimp_client_session_stop (alice);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  /* mimpd offers push, so these run over push; the long-poll copies run
   * against mimpd --no-extensions. */
  TEST_WORLD_ADD ("/session/send-receive", test_send_receive, 0);
  TEST_WORLD_ADD ("/session/redelivery", test_redelivery, 0);
  TEST_WORLD_ADD ("/session/unacknowledged-across-restart", test_unacknowledged_across_restart, 0);
  TEST_WORLD_ADD ("/session/outbox-across-crash", test_outbox_across_crash, 0);
  TEST_WORLD_ADD ("/session/push", test_push_or_long_poll, 0);
  TEST_WORLD_ADD ("/session/push-manual-ack-batches", test_push_manual_ack_batches, 0);
  TEST_WORLD_ADD ("/session/long-poll/send-receive", test_send_receive, TEST_WORLD_NO_EXTENSIONS);
  TEST_WORLD_ADD ("/session/long-poll/redelivery", test_redelivery, TEST_WORLD_NO_EXTENSIONS);
  TEST_WORLD_ADD ("/session/long-poll/unacknowledged-across-restart",
                  test_unacknowledged_across_restart, TEST_WORLD_NO_EXTENSIONS);
  TEST_WORLD_ADD ("/session/long-poll/outbox-across-crash", test_outbox_across_crash,
                  TEST_WORLD_NO_EXTENSIONS);
  TEST_WORLD_ADD ("/session/long-poll", test_push_or_long_poll, TEST_WORLD_NO_EXTENSIONS);
  TEST_WORLD_ADD ("/session/final-send-error", test_final_send_error, 0);
  TEST_WORLD_ADD ("/session/wrong-password", test_wrong_password, 0);
  TEST_WORLD_ADD ("/session/certificate", test_certificate, TEST_WORLD_TLS);
  g_test_add_func ("/session/plain-peer-polling", test_plain_peer_polling);
  g_test_add_func ("/session/lost-ack-not-repeated", test_lost_ack_not_repeated);

  return g_test_run ();
}
