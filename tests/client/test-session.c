/* test-session.c - MimpClientSession against a real mimpd and a plain
 * MIMP 1.0 peer: receive loop, acknowledged delivery, outbox retries
 * across a server crash, states
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <signal.h>
#include <string.h>
#include <sys/prctl.h>

#include "mimp.h"
#include "mimpd-test-server.h"

#define DEADLINE_SECONDS 30

typedef struct
{
  MimpdTestServer *server;
  char *alice_password;
  char *bob_password;
} Fixture;

typedef struct
{
  GPtrArray *messages; /* every MimpMessage received, in order */
  GHashTable *sent;    /* client id -> server id ("" for none) */
  GHashTable *failed;  /* client id -> error code */
  gboolean ack;
} Recorder;

static gboolean
wakeup_cb (gpointer user_data)
{
  return G_SOURCE_CONTINUE;
}

typedef gboolean (*Predicate) (gpointer data);

static void
wait_until (Predicate predicate, gpointer data)
{
  gint64 deadline = g_get_monotonic_time () + DEADLINE_SECONDS * G_USEC_PER_SEC;

  while (!predicate (data))
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_main_context_iteration (NULL, TRUE);
    }
}

static void
spin (guint ms)
{
  gint64 end = g_get_monotonic_time () + ms * 1000;

  while (g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, TRUE);
}

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

  wait_until (state_is, &wait);
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

  wait_until (received_at_least, &wait);
}

static void
wait_sent (Recorder *recorder, guint count)
{
  CountWait wait = { recorder, count };

  wait_until (sent_at_least, &wait);
}

static MimpClientSession *
session_new (guint16 port, const char *user, const char *password, gboolean manual_ack)
{
  MimpClientSession *session = mimp_client_session_new ("127.0.0.1", port, FALSE, user);

  mimp_client_session_set_password (session, password);
  mimp_client_session_set_manual_ack (session, manual_ack);
  return session;
}

static void
fixture_setup (Fixture *fixture, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *alice = NULL;
  g_autofree char *bob = NULL;
  const char *users[3];

  fixture->alice_password = mimpd_test_server_random_password ();
  fixture->bob_password = mimpd_test_server_random_password ();
  alice = g_strconcat ("alice:", fixture->alice_password, NULL);
  bob = g_strconcat ("bob:", fixture->bob_password, NULL);
  users[0] = alice;
  users[1] = bob;
  users[2] = NULL;
  fixture->server = mimpd_test_server_start_full (users, NULL, GPOINTER_TO_INT (data), &error);
  g_assert_no_error (error);
}

static void
fixture_teardown (Fixture *fixture, gconstpointer data)
{
  if (mimpd_test_server_get_pid (fixture->server) != 0)
    g_assert_cmpint (mimpd_test_server_stop (fixture->server), ==, 0);
  mimpd_test_server_free (fixture->server);
  g_free (fixture->alice_password);
  g_free (fixture->bob_password);
}

/* Long poll: a message reaches an online session at once, exactly once. */
static void
test_send_receive (Fixture *fixture, gconstpointer data)
{
  guint16 port = mimpd_test_server_get_port (fixture->server);
  g_autoptr (MimpClientSession) alice = session_new (port, "alice", fixture->alice_password, FALSE);
  g_autoptr (MimpClientSession) bob = session_new (port, "bob", fixture->bob_password, TRUE);
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
  spin (300); /* bob's long poll is now held */

  mimp_client_session_send (alice, id1, "bob", "first");
  mimp_client_session_send (alice, id1, "bob", "first"); /* queued once */
  mimp_client_session_send (alice, id2, "bob", "second");
  wait_sent (alice_rec, 2);
  g_assert_cmpuint (mimp_client_session_get_outbox_length (alice), ==, 0);
  wait_received (bob_rec, 2);
  spin (300);
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
test_redelivery (Fixture *fixture, gconstpointer data)
{
  guint16 port = mimpd_test_server_get_port (fixture->server);
  g_autoptr (MimpClientSession) alice = session_new (port, "alice", fixture->alice_password, FALSE);
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
    g_autoptr (MimpClientSession) bob = session_new (port, "bob", fixture->bob_password, TRUE);
    g_autoptr (Recorder) rec = recorder_new (bob, FALSE);

    mimp_client_session_start (bob);
    wait_received (rec, 3);
    first_id = g_strdup (((MimpMessage *) rec->messages->pdata[0])->id);
    mimp_client_session_stop (bob);
  }
  {
    g_autoptr (MimpClientSession) bob = session_new (port, "bob", fixture->bob_password, TRUE);
    g_autoptr (Recorder) rec = recorder_new (bob, TRUE);

    mimp_client_session_start (bob);
    wait_received (rec, 3);
    g_assert_cmpstr (((MimpMessage *) rec->messages->pdata[0])->id, ==, first_id);
    spin (300);
    mimp_client_session_stop (bob);
  }
  {
    g_autoptr (MimpClientSession) bob = session_new (port, "bob", fixture->bob_password, TRUE);
    g_autoptr (Recorder) rec = recorder_new (bob, TRUE);

    mimp_client_session_start (bob);
    wait_state (bob, MIMP_SESSION_STATE_ONLINE);
    spin (500);
    g_assert_cmpuint (rec->messages->len, ==, 0);
    mimp_client_session_stop (bob);
  }
}

/* Messages queued while the server is down are sent after it comes back,
 * each delivered exactly once; the receiver reconnects by itself. */
static void
test_outbox_across_crash (Fixture *fixture, gconstpointer data)
{
  guint16 port = mimpd_test_server_get_port (fixture->server);
  g_autoptr (MimpClientSession) alice = session_new (port, "alice", fixture->alice_password, FALSE);
  g_autoptr (MimpClientSession) bob = session_new (port, "bob", fixture->bob_password, TRUE);
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
  spin (500);
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
test_final_send_error (Fixture *fixture, gconstpointer data)
{
  guint16 port = mimpd_test_server_get_port (fixture->server);
  g_autoptr (MimpClientSession) alice = session_new (port, "alice", fixture->alice_password, FALSE);
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
test_wrong_password (Fixture *fixture, gconstpointer data)
{
  guint16 port = mimpd_test_server_get_port (fixture->server);
  g_autofree char *wrong = g_strconcat (fixture->alice_password, "!", NULL);
  g_autoptr (MimpClientSession) alice = session_new (port, "alice", wrong, FALSE);

  mimp_client_session_start (alice);
  wait_state (alice, MIMP_SESSION_STATE_NEEDS_PASSWORD);
  g_assert_error ((GError *) mimp_client_session_get_error (alice), MIMP_ERROR,
                  MIMP_ERROR_WRONG_PASSWORD);
  /* It does not retry on its own with a password the server refused. */
  spin (1500);
  g_assert_cmpint (mimp_client_session_get_state (alice), ==, MIMP_SESSION_STATE_NEEDS_PASSWORD);

  mimp_client_session_set_password (alice, fixture->alice_password);
  mimp_client_session_reconnect_now (alice);
  wait_state (alice, MIMP_SESSION_STATE_ONLINE);
  g_assert_null (mimp_client_session_get_error (alice));
  mimp_client_session_stop (alice);
}

static void
test_certificate (Fixture *fixture, gconstpointer data)
{
  guint16 port = mimpd_test_server_get_tls_port (fixture->server);
  g_autoptr (MimpClientSession) alice = mimp_client_session_new ("127.0.0.1", port, TRUE, "alice");
  g_autoptr (Recorder) rec = recorder_new (alice, TRUE);
  g_autofree char *fingerprint = NULL;
  g_autofree char *client_id = g_uuid_string_random ();

  mimp_client_session_set_password (alice, fixture->alice_password);
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
die_with_parent (gpointer user_data)
{
  prctl (PR_SET_PDEATHSIG, SIGKILL);
}

static void
test_plain_peer_polling (void)
{
  g_autoptr (GSubprocessLauncher) launcher =
      g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_autoptr (GSubprocess) peer = NULL;
  g_autoptr (GDataInputStream) out = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *script = g_test_build_filename (G_TEST_DIST, "mimp10_server.py", NULL);
  g_autofree char *alice_pw = mimpd_test_server_random_password ();
  g_autofree char *bob_pw = mimpd_test_server_random_password ();
  g_autofree char *users = g_strdup_printf ("alice:%s,bob:%s", alice_pw, bob_pw);
  g_autofree char *line = NULL;
  g_autofree char *client_id = g_uuid_string_random ();
  g_autoptr (MimpClientSession) alice = NULL;
  g_autoptr (MimpClientSession) bob = NULL;
  g_autoptr (Recorder) alice_rec = NULL;
  g_autoptr (Recorder) bob_rec = NULL;
  guint64 port;

  g_subprocess_launcher_setenv (launcher, "MIMP10_USERS", users, TRUE);
  g_subprocess_launcher_set_child_setup (launcher, die_with_parent, NULL, NULL);
  peer = g_subprocess_launcher_spawn (launcher, &error, "/usr/bin/python3", script, NULL);
  g_assert_no_error (error);
  out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (peer));
  line = g_data_input_stream_read_line (out, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_ascii_string_to_unsigned (strrchr (line, ':') + 1, 10, 1, 65535, &port, NULL));

  alice = session_new ((guint16) port, "alice", alice_pw, FALSE);
  bob = session_new ((guint16) port, "bob", bob_pw, TRUE);
  mimp_client_session_set_poll_interval (bob, 1);
  alice_rec = recorder_new (alice, TRUE);
  bob_rec = recorder_new (bob, TRUE);
  mimp_client_session_set_receive (alice, FALSE);
  mimp_client_session_start (alice);
  mimp_client_session_start (bob);
  wait_state (bob, MIMP_SESSION_STATE_ONLINE);
  spin (1500); /* a few empty, immediate answers: the session now polls */

  mimp_client_session_send (alice, client_id, "bob", "polled");
  wait_sent (alice_rec, 1);
  g_assert_cmpstr (g_hash_table_lookup (alice_rec->sent, client_id), ==, "");
  wait_received (bob_rec, 1);
  spin (2500);
  g_assert_cmpuint (bob_rec->messages->len, ==, 1);
  g_assert_cmpstr (((MimpMessage *) bob_rec->messages->pdata[0])->text, ==, "polled");
  g_assert_null (((MimpMessage *) bob_rec->messages->pdata[0])->id);

  mimp_client_session_stop (alice);
  mimp_client_session_stop (bob);
  g_subprocess_force_exit (peer);
  g_subprocess_wait (peer, NULL, NULL);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_timeout_add (50, wakeup_cb, NULL);

#define ADD(path, func, tls)                                                                       \
  g_test_add (path, Fixture, GINT_TO_POINTER (tls), fixture_setup, func, fixture_teardown)

  ADD ("/session/send-receive", test_send_receive, FALSE);
  ADD ("/session/redelivery", test_redelivery, FALSE);
  ADD ("/session/outbox-across-crash", test_outbox_across_crash, FALSE);
  ADD ("/session/final-send-error", test_final_send_error, FALSE);
  ADD ("/session/wrong-password", test_wrong_password, FALSE);
  ADD ("/session/certificate", test_certificate, TRUE);
  g_test_add_func ("/session/plain-peer-polling", test_plain_peer_polling);

  return g_test_run ();
}
