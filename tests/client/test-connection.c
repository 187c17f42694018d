/* test-connection.c - MimpConnection against a real mimpd and a plain
 * MIMP 1.0 peer, on loopback
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <signal.h>
#include <string.h>

#include "mimp.h"
#include "mimp-test.h"

static MimpConnection *
login (guint16 port, const char *user, const char *password, GError **error)
{
  g_autoptr (MimpConnection) connection = mimp_connection_new ("127.0.0.1", port, FALSE);
  g_autoptr (GAsyncResult) result = NULL;

  mimp_connection_login_async (connection, user, password, NULL, test_store_result, &result);
  if (!mimp_connection_login_finish (connection, test_wait_result (&result, TEST_WAIT_S), error))
    return NULL;
  return g_steal_pointer (&connection);
}

static char *
send_sync (MimpConnection *connection, const char *to, const char *text, const char *client_id,
           GError **error)
{
  g_autoptr (GAsyncResult) result = NULL;
  char *id = NULL;
  gint64 ts = 0;

  mimp_connection_send_message_async (connection, to, text, client_id, NULL, test_store_result,
                                      &result);
  if (!mimp_connection_send_message_finish (connection, test_wait_result (&result, TEST_WAIT_S),
                                            &id, &ts, error))
    return NULL;
  return id ? id : g_strdup ("");
}

static GPtrArray *
get_unread_sync (MimpConnection *connection, gint64 ack, guint wait, GError **error)
{
  g_autoptr (GAsyncResult) result = NULL;

  mimp_connection_get_unread_async (connection, ack, wait, NULL, test_store_result, &result);
  return mimp_connection_get_unread_finish (connection, test_wait_result (&result, TEST_WAIT_S),
                                            NULL, error);
}

static void
test_login (TestWorld *fixture, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (MimpConnection) connection = NULL;

  /* User names are lowercased before they are sent. */
  connection =
      login (mimpd_test_server_get_port (fixture->server), "Alice", fixture->alice_pw, &error);
  g_assert_no_error (error);
  g_assert_cmpint (mimp_connection_get_state (connection), ==, MIMP_CONNECTION_STATE_READY);
  g_assert_cmpstr (mimp_connection_get_user (connection), ==, "alice");
  mimp_connection_close (connection);
  g_assert_cmpint (mimp_connection_get_state (connection), ==, MIMP_CONNECTION_STATE_DISCONNECTED);
}

static void
test_wrong_password (TestWorld *fixture, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (MimpConnection) connection = NULL;
  g_autofree char *wrong = g_strconcat (fixture->alice_pw, "x", NULL);

  connection = login (mimpd_test_server_get_port (fixture->server), "alice", wrong, &error);
  g_assert_error (error, MIMP_ERROR, MIMP_ERROR_WRONG_PASSWORD);
  g_assert_null (connection);
  g_clear_error (&error);

  connection = login (mimpd_test_server_get_port (fixture->server), "nobody", wrong, &error);
  g_assert_error (error, MIMP_ERROR, MIMP_ERROR_WRONG_PASSWORD);
}

static void
test_send_receive (TestWorld *fixture, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (MimpConnection) alice = NULL;
  g_autoptr (MimpConnection) bob = NULL;
  g_autoptr (GPtrArray) messages = NULL;
  g_autofree char *id = NULL;
  const char *text = "Hello \"Bob\" \\ ünïcode ✓\nsecond line\ttab";
  MimpMessage *message;
  gint64 before = g_get_real_time () / 1000;

  alice = login (mimpd_test_server_get_port (fixture->server), "alice", fixture->alice_pw, &error);
  g_assert_no_error (error);
  bob = login (mimpd_test_server_get_port (fixture->server), "bob", fixture->bob_pw, &error);
  g_assert_no_error (error);

  id = send_sync (alice, "bob", text, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (strlen (id), >, 0);

  messages = get_unread_sync (bob, 0, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (messages->len, ==, 1);
  message = messages->pdata[0];
  g_assert_cmpstr (message->id, ==, id);
  g_assert_cmpstr (message->from, ==, "alice");
  g_assert_cmpstr (message->to, ==, "bob");
  g_assert_cmpstr (message->text, ==, text);
  g_assert_cmpint (message->seq, >, 0);
  g_assert_cmpint (message->timestamp, >=, before - 1000);
  g_assert_cmpint (message->timestamp, <=, g_get_real_time () / 1000 + 1000);
}

static void
test_send_errors (TestWorld *fixture, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (MimpConnection) alice = NULL;
  g_autofree char *id = NULL;
  g_autofree char *big = g_strnfill (MIMP_MESSAGE_TEXT_MAX + 1, 'x');
  g_autofree char *ok = NULL;

  alice = login (mimpd_test_server_get_port (fixture->server), "alice", fixture->alice_pw, &error);
  g_assert_no_error (error);

  id = send_sync (alice, "nobody", "hi", NULL, &error);
  g_assert_error (error, MIMP_ERROR, MIMP_ERROR_NO_SUCH_USER);
  g_clear_error (&error);

  id = send_sync (alice, "bob", big, NULL, &error);
  g_assert_error (error, MIMP_ERROR, MIMP_ERROR_TOO_LARGE);
  g_clear_error (&error);

  id = send_sync (alice, "bob", "", NULL, &error);
  g_assert_error (error, MIMP_ERROR, MIMP_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  id = send_sync (alice, "no spaces", "hi", NULL, &error);
  g_assert_error (error, MIMP_ERROR, MIMP_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  /* After a 4xx the connection stays usable. */
  big[MIMP_MESSAGE_TEXT_MAX] = '\0';
  ok = send_sync (alice, "bob", big, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (mimp_connection_get_state (alice), ==, MIMP_CONNECTION_STATE_READY);
}

typedef struct
{
  GString *order;
  guint outstanding;
} PipelineData;

static void
pipelined_send_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  PipelineData *data = user_data;
  g_autoptr (GError) error = NULL;
  g_autofree char *id = NULL;

  mimp_connection_send_message_finish (MIMP_CONNECTION (object), result, &id, NULL, &error);
  g_string_append_printf (data->order, "%s;", error ? "E" : "S");
  data->outstanding--;
}

static void
pipelined_get_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  PipelineData *data = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) messages = NULL;

  messages = mimp_connection_get_unread_finish (MIMP_CONNECTION (object), result, NULL, &error);
  g_assert_no_error (error);
  g_string_append_printf (data->order, "G%u;", messages->len);
  data->outstanding--;
}

/* Requests sent back to back, with an error among them, are answered in
 * the order they were sent. */
static void
test_pipelined (TestWorld *fixture, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (MimpConnection) bob = NULL;
  PipelineData pipe = { g_string_new (NULL), 0 };

  bob = login (mimpd_test_server_get_port (fixture->server), "bob", fixture->bob_pw, &error);
  g_assert_no_error (error);

  for (guint i = 0; i < 3; i++)
    {
      mimp_connection_send_message_async (bob, "bob", "to myself", NULL, NULL, pipelined_send_cb,
                                          &pipe);
      pipe.outstanding++;
    }
  mimp_connection_send_message_async (bob, "nobody", "lost", NULL, NULL, pipelined_send_cb, &pipe);
  pipe.outstanding++;
  mimp_connection_get_unread_async (bob, 0, 0, NULL, pipelined_get_cb, &pipe);
  pipe.outstanding++;
  mimp_connection_send_message_async (bob, "bob", "after", NULL, NULL, pipelined_send_cb, &pipe);
  pipe.outstanding++;
  mimp_connection_get_unread_async (bob, 0, 0, NULL, pipelined_get_cb, &pipe);
  pipe.outstanding++;

  while (pipe.outstanding > 0)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpstr (pipe.order->str, ==, "S;S;S;E;G3;S;G4;");
  g_string_free (pipe.order, TRUE);
}

typedef struct
{
  GPtrArray *messages;
  gint64 answered_at;
  gboolean done;
} GetData;

static void
get_into_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  GetData *data = user_data;
  g_autoptr (GError) error = NULL;

  data->messages =
      mimp_connection_get_unread_finish (MIMP_CONNECTION (object), result, NULL, &error);
  g_assert_no_error (error);
  data->answered_at = g_get_monotonic_time ();
  data->done = TRUE;
}

/* A long poll is answered as soon as a message for the user is committed. */
static void
test_long_poll (TestWorld *fixture, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (MimpConnection) alice = NULL;
  g_autoptr (MimpConnection) bob = NULL;
  g_autofree char *id = NULL;
  GetData get = { 0 };
  gint64 sent;

  alice = login (mimpd_test_server_get_port (fixture->server), "alice", fixture->alice_pw, &error);
  g_assert_no_error (error);
  bob = login (mimpd_test_server_get_port (fixture->server), "bob", fixture->bob_pw, &error);
  g_assert_no_error (error);

  mimp_connection_get_unread_async (bob, 0, 30, NULL, get_into_cb, &get);
  /* Held: nothing comes for a while. */
  test_settle (500);
  g_assert_false (get.done);

  id = send_sync (alice, "bob", "wake up", NULL, &error);
  g_assert_no_error (error);
  sent = g_get_monotonic_time ();
  g_assert_true (test_wait_flag (&get.done, TEST_WAIT_S));
  g_assert_cmpuint (get.messages->len, ==, 1);
  g_assert_cmpstr (((MimpMessage *) get.messages->pdata[0])->text, ==, "wake up");
  /* Woken by the message, far sooner than the 30 s wait. */
  g_assert_cmpint (get.answered_at - sent, <, 10 * G_USEC_PER_SEC);
  g_ptr_array_unref (get.messages);
}

/* A held GU is answered at once when the same connection sends another
 * request, and its answer comes first. */
static void
test_held_poll_ended (TestWorld *fixture, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (MimpConnection) bob = NULL;
  g_autoptr (GAsyncResult) result = NULL;
  GetData get = { 0 };
  gint64 start;

  bob = login (mimpd_test_server_get_port (fixture->server), "bob", fixture->bob_pw, &error);
  g_assert_no_error (error);

  start = g_get_monotonic_time ();
  mimp_connection_get_unread_async (bob, 0, 30, NULL, get_into_cb, &get);
  mimp_connection_send_message_async (bob, "alice", "meanwhile", NULL, NULL, test_store_result,
                                      &result);
  test_wait_result (&result, TEST_WAIT_S);
  g_assert_true (get.done);
  g_assert_cmpint (get.answered_at - start, <, 10 * G_USEC_PER_SEC);
  g_assert_cmpuint (get.messages->len, ==, 0);
  g_assert_true (mimp_connection_send_message_finish (bob, result, NULL, NULL, &error));
  g_assert_no_error (error);
  g_ptr_array_unref (get.messages);
}

/* With acknowledged delivery, what was returned but not acknowledged comes
 * again on a new connection; acknowledged messages never do. */
static void
test_ack_redelivery (TestWorld *fixture, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (MimpConnection) alice = NULL;
  g_autoptr (MimpConnection) bob = NULL;
  g_autoptr (GPtrArray) first = NULL;
  g_autoptr (GPtrArray) again = NULL;
  g_autoptr (GPtrArray) after_ack = NULL;
  g_autofree char *id1 = NULL;
  g_autofree char *id2 = NULL;
  guint16 port = mimpd_test_server_get_port (fixture->server);
  gint64 seq1;

  alice = login (port, "alice", fixture->alice_pw, &error);
  g_assert_no_error (error);
  id1 = send_sync (alice, "bob", "one", NULL, &error);
  g_assert_no_error (error);
  id2 = send_sync (alice, "bob", "two", NULL, &error);
  g_assert_no_error (error);

  bob = login (port, "bob", fixture->bob_pw, &error);
  g_assert_no_error (error);
  first = get_unread_sync (bob, 0, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (first->len, ==, 2);
  seq1 = ((MimpMessage *) first->pdata[0])->seq;
  g_assert_cmpint (((MimpMessage *) first->pdata[1])->seq, >, seq1);
  /* The connection drops before anything is acknowledged. */
  mimp_connection_close (bob);
  g_clear_object (&bob);

  bob = login (port, "bob", fixture->bob_pw, &error);
  g_assert_no_error (error);
  again = get_unread_sync (bob, seq1, 0, &error);
  g_assert_no_error (error);
  /* "one" was acknowledged by that request; "two" comes again, same id. */
  g_assert_cmpuint (again->len, ==, 1);
  g_assert_cmpstr (((MimpMessage *) again->pdata[0])->id, ==, id2);

  after_ack = get_unread_sync (bob, ((MimpMessage *) again->pdata[0])->seq, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (after_ack->len, ==, 0);
}

/* A retry with the same client id gets the same answer and is delivered once. */
static void
test_idempotent_retry (TestWorld *fixture, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (MimpConnection) alice = NULL;
  g_autoptr (MimpConnection) alice2 = NULL;
  g_autoptr (MimpConnection) bob = NULL;
  g_autoptr (GPtrArray) messages = NULL;
  g_autofree char *client_id = g_uuid_string_random ();
  g_autofree char *id1 = NULL;
  g_autofree char *id2 = NULL;
  guint16 port = mimpd_test_server_get_port (fixture->server);

  alice = login (port, "alice", fixture->alice_pw, &error);
  g_assert_no_error (error);
  id1 = send_sync (alice, "bob", "only once", client_id, &error);
  g_assert_no_error (error);
  mimp_connection_close (alice);

  alice2 = login (port, "alice", fixture->alice_pw, &error);
  g_assert_no_error (error);
  id2 = send_sync (alice2, "bob", "only once", client_id, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (id1, ==, id2);

  bob = login (port, "bob", fixture->bob_pw, &error);
  g_assert_no_error (error);
  messages = get_unread_sync (bob, 0, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (messages->len, ==, 1);
}

/* Without ack, GU has the plain 1.0 meaning: returned messages are gone. */
static void
test_plain_get_drops (TestWorld *fixture, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (MimpConnection) alice = NULL;
  g_autoptr (MimpConnection) bob = NULL;
  g_autoptr (GPtrArray) first = NULL;
  g_autoptr (GPtrArray) second = NULL;
  g_autofree char *id = NULL;
  guint16 port = mimpd_test_server_get_port (fixture->server);

  alice = login (port, "alice", fixture->alice_pw, &error);
  g_assert_no_error (error);
  id = send_sync (alice, "bob", "plain", NULL, &error);
  g_assert_no_error (error);
  bob = login (port, "bob", fixture->bob_pw, &error);
  g_assert_no_error (error);
  first = get_unread_sync (bob, -1, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (first->len, ==, 1);
  second = get_unread_sync (bob, -1, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (second->len, ==, 0);
}

/* Messages acknowledged to the sender survive kill -9 of the server. */
static void
test_survives_kill (TestWorld *fixture, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (MimpConnection) alice = NULL;
  g_autoptr (MimpConnection) bob = NULL;
  g_autoptr (GPtrArray) messages = NULL;
  g_autofree char *id = NULL;

  alice = login (mimpd_test_server_get_port (fixture->server), "alice", fixture->alice_pw, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < 20; i++)
    {
      g_autofree char *text = g_strdup_printf ("durable %u", i);

      g_free (id);
      id = send_sync (alice, "bob", text, NULL, &error);
      g_assert_no_error (error);
    }
  mimpd_test_server_kill (fixture->server);
  g_assert_true (mimpd_test_server_restart (fixture->server, &error));
  g_assert_no_error (error);

  bob = login (mimpd_test_server_get_port (fixture->server), "bob", fixture->bob_pw, &error);
  g_assert_no_error (error);
  messages = get_unread_sync (bob, 0, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (messages->len, ==, 20);
  g_assert_cmpstr (((MimpMessage *) messages->pdata[19])->text, ==, "durable 19");
}

/* A server that stops answering fails the connection with a timeout once
 * a request has waited longer than the connection's timeout. */
static void
test_stalled_server (TestWorld *fixture, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (MimpConnection) alice = NULL;
  g_autofree char *id = NULL;
  GPid pid = mimpd_test_server_get_pid (fixture->server);
  gint64 start;

  alice = login (mimpd_test_server_get_port (fixture->server), "alice", fixture->alice_pw, &error);
  g_assert_no_error (error);
  mimp_connection_set_timeout (alice, 2);

  g_assert_cmpint (kill (pid, SIGSTOP), ==, 0);
  start = g_get_monotonic_time ();
  id = send_sync (alice, "bob", "into a stalled server", NULL, &error);
  g_assert_cmpint (kill (pid, SIGCONT), ==, 0);
  g_assert_error (error, MIMP_ERROR, MIMP_ERROR_TIMEOUT);
  g_assert_cmpint (g_get_monotonic_time () - start, >=, 2 * G_USEC_PER_SEC);
  g_assert_cmpint (g_get_monotonic_time () - start, <, 6 * G_USEC_PER_SEC);
  g_assert_cmpint (mimp_connection_get_state (alice), ==, MIMP_CONNECTION_STATE_FAILED);
}

static void
test_unreachable (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GSocket) socket = NULL;
  g_autoptr (GSocketAddress) any = NULL;
  g_autoptr (GSocketAddress) bound = NULL;
  g_autoptr (GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr (MimpConnection) connection = NULL;
  guint16 port;

  /* A port that was free a moment ago, with nothing listening on it. */
  socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, &error);
  g_assert_no_error (error);
  any = g_inet_socket_address_new (loopback, 0);
  g_assert_true (g_socket_bind (socket, any, FALSE, &error));
  bound = g_socket_get_local_address (socket, &error);
  port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
  g_socket_close (socket, NULL);

  connection = login (port, "alice", "whatever", &error);
  g_assert_error (error, MIMP_ERROR, MIMP_ERROR_UNREACHABLE);
}

static void
test_plain_peer (void)
{
  g_autoptr (TestPeer) peer = test_peer_start ("plain");
  g_autoptr (GError) error = NULL;
  g_autoptr (MimpConnection) alice = NULL;
  g_autoptr (MimpConnection) bob = NULL;
  g_autoptr (GPtrArray) messages = NULL;
  g_autoptr (GPtrArray) none = NULL;
  g_autofree char *id = NULL;
  g_autofree char *client_id = g_uuid_string_random ();
  MimpMessage *message;
  gint64 now = g_get_real_time () / 1000;

  alice = login (peer->port, "alice", peer->alice_pw, &error);
  g_assert_no_error (error);
  bob = login (peer->port, "bob", peer->bob_pw, &error);
  g_assert_no_error (error);

  /* An empty SM reply is success, with no id. */
  id = send_sync (alice, "bob", "hello from 1.0", client_id, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (id, ==, "");

  /* A bare array with only uf and ms; extensions in the request ignored. */
  messages = get_unread_sync (bob, 0, 25, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (messages->len, ==, 1);
  message = messages->pdata[0];
  g_assert_cmpstr (message->from, ==, "alice");
  g_assert_cmpstr (message->text, ==, "hello from 1.0");
  g_assert_null (message->id);
  g_assert_cmpint (message->seq, ==, -1);
  g_assert_cmpint (message->timestamp, >=, now - 1000);

  none = get_unread_sync (bob, 0, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (none->len, ==, 0);
}

static void
test_peer_ask_first (void)
{
  g_autoptr (TestPeer) peer = test_peer_start ("ask-first");
  g_autoptr (GError) error = NULL;
  g_autoptr (MimpConnection) alice = NULL;
  gint64 start = g_get_monotonic_time ();

  /* The server waits for the client to ask for the puzzle: we ask after 1 s. */
  alice = login (peer->port, "alice", peer->alice_pw, &error);
  g_assert_no_error (error);
  g_assert_cmpint (g_get_monotonic_time () - start, >=, G_USEC_PER_SEC / 2);
}

static void
test_peer_json_token (void)
{
  g_autoptr (TestPeer) peer = test_peer_start ("json-token");
  g_autoptr (GError) error = NULL;
  g_autoptr (MimpConnection) alice = NULL;

  alice = login (peer->port, "alice", peer->alice_pw, &error);
  g_assert_no_error (error);
}

static void
check_peer_error (const char *mode, guint timeout, MimpError expected)
{
  g_autoptr (TestPeer) peer = test_peer_start (mode);
  g_autoptr (GError) error = NULL;
  g_autoptr (MimpConnection) connection = mimp_connection_new ("127.0.0.1", peer->port, FALSE);
  g_autoptr (GAsyncResult) result = NULL;

  if (timeout)
    mimp_connection_set_timeout (connection, timeout);
  mimp_connection_login_async (connection, "alice", peer->alice_pw, NULL, test_store_result,
                               &result);
  g_assert_false (
      mimp_connection_login_finish (connection, test_wait_result (&result, TEST_WAIT_S), &error));
  g_assert_error (error, MIMP_ERROR, (gint) expected);
  g_test_message ("%s: %s", mode, error->message);
  g_assert_cmpint (mimp_connection_get_state (connection), !=, MIMP_CONNECTION_STATE_READY);
}

static void
test_peer_errors (void)
{
  check_peer_error ("bad-puzzle", 0, MIMP_ERROR_INVALID_PUZZLE);
  check_peer_error ("short-puzzle", 0, MIMP_ERROR_INVALID_PUZZLE);
  check_peer_error ("not-mimp", 0, MIMP_ERROR_NOT_MIMP);
  check_peer_error ("bad-token", 0, MIMP_ERROR_INVALID_TOKEN);
  check_peer_error ("silent", 2, MIMP_ERROR_TIMEOUT);
  check_peer_error ("close-after-puzzle", 0, MIMP_ERROR_CLOSED);
}

/* Each Error code a server may send maps to the MIMP_ERROR code the app
 * words its message from; after a 4xx the connection stays usable. */
static void
test_peer_error_codes (void)
{
  static const struct
  {
    int status;
    MimpError login;
    MimpError send;
  } cases[] = {
    { 400, MIMP_ERROR_BAD_REQUEST, MIMP_ERROR_BAD_REQUEST },
    { 401, MIMP_ERROR_WRONG_PASSWORD, MIMP_ERROR_UNAUTHORIZED },
    { 403, MIMP_ERROR_FORBIDDEN, MIMP_ERROR_FORBIDDEN },
    { 404, MIMP_ERROR_NO_SUCH_USER, MIMP_ERROR_NO_SUCH_USER },
    { 413, MIMP_ERROR_TOO_LARGE, MIMP_ERROR_TOO_LARGE },
    { 429, MIMP_ERROR_RATE_LIMITED, MIMP_ERROR_RATE_LIMITED },
    { 500, MIMP_ERROR_SERVER_ERROR, MIMP_ERROR_SERVER_ERROR },
    { 503, MIMP_ERROR_SERVER_ERROR, MIMP_ERROR_SERVER_ERROR },
    { 501, MIMP_ERROR_UNSUPPORTED, MIMP_ERROR_UNSUPPORTED },
    { 418, MIMP_ERROR_FAILED, MIMP_ERROR_FAILED },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *login_mode = g_strdup_printf ("login-error:%d", cases[i].status);
      g_autofree char *send_mode = g_strdup_printf ("sm-error:%d", cases[i].status);
      g_autoptr (TestPeer) peer = test_peer_start (send_mode);
      g_autoptr (GError) error = NULL;
      g_autoptr (MimpConnection) alice = NULL;
      g_autofree char *id = NULL;

      check_peer_error (login_mode, 0, cases[i].login);

      alice = login (peer->port, "alice", peer->alice_pw, &error);
      g_assert_no_error (error);
      id = send_sync (alice, "bob", "hi", NULL, &error);
      g_assert_error (error, MIMP_ERROR, (gint) cases[i].send);
      g_assert_cmpint (mimp_connection_get_state (alice), ==, MIMP_CONNECTION_STATE_READY);
    }
}

static void
test_peer_bad_replies (void)
{
  g_autoptr (GError) error = NULL;

  {
    g_autoptr (TestPeer) peer = test_peer_start ("wrong-reply");
    g_autoptr (MimpConnection) alice = login (peer->port, "alice", peer->alice_pw, &error);
    g_autofree char *id = NULL;

    g_assert_no_error (error);
    id = send_sync (alice, "bob", "hi", NULL, &error);
    g_assert_error (error, MIMP_ERROR, MIMP_ERROR_PROTOCOL);
    g_clear_error (&error);
    g_assert_cmpint (mimp_connection_get_state (alice), ==, MIMP_CONNECTION_STATE_FAILED);
  }
  {
    g_autoptr (TestPeer) peer = test_peer_start ("garbage-gu");
    g_autoptr (MimpConnection) bob = login (peer->port, "bob", peer->bob_pw, &error);
    g_autoptr (GPtrArray) messages = NULL;

    g_assert_no_error (error);
    messages = get_unread_sync (bob, 0, 0, &error);
    g_assert_error (error, MIMP_ERROR, MIMP_ERROR_PROTOCOL);
    g_assert_null (messages);
  }
}

/* TLS ------------------------------------------------------------------ */

static void
test_tls (TestWorld *fixture, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (MimpConnection) refused = NULL;
  g_autoptr (MimpConnection) pinned = NULL;
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GAsyncResult) result2 = NULL;
  g_autoptr (GTlsCertificate) expected = NULL;
  g_autofree char *fingerprint = NULL;
  g_autofree char *expected_fingerprint = NULL;
  g_autofree char *id = NULL;
  guint16 port = mimpd_test_server_get_tls_port (fixture->server);

  g_assert_cmpuint (port, >, 0);
  expected =
      g_tls_certificate_new_from_file (mimpd_test_server_get_tls_cert (fixture->server), &error);
  g_assert_no_error (error);
  expected_fingerprint = mimp_certificate_get_fingerprint (expected);

  /* A self-signed certificate is refused by default, and shown. */
  refused = mimp_connection_new ("127.0.0.1", port, TRUE);
  mimp_connection_login_async (refused, "alice", fixture->alice_pw, NULL, test_store_result,
                               &result);
  g_assert_false (
      mimp_connection_login_finish (refused, test_wait_result (&result, TEST_WAIT_S), &error));
  g_assert_error (error, MIMP_ERROR, MIMP_ERROR_CERTIFICATE);
  g_assert_nonnull (mimp_connection_get_peer_certificate (refused));
  fingerprint = mimp_certificate_get_fingerprint (mimp_connection_get_peer_certificate (refused));
  g_assert_cmpstr (fingerprint, ==, expected_fingerprint);
  g_assert_nonnull (strstr (error->message, fingerprint));
  g_clear_error (&error);

  /* Accepted once pinned. */
  pinned = mimp_connection_new ("127.0.0.1", port, TRUE);
  mimp_connection_set_accepted_certificate (pinned, fingerprint);
  mimp_connection_login_async (pinned, "alice", fixture->alice_pw, NULL, test_store_result,
                               &result2);
  g_assert_true (
      mimp_connection_login_finish (pinned, test_wait_result (&result2, TEST_WAIT_S), &error));
  g_assert_no_error (error);
  id = send_sync (pinned, "bob", "over TLS", NULL, &error);
  g_assert_no_error (error);
}

static void
test_cancel_login (void)
{
  g_autoptr (TestPeer) peer = test_peer_start ("silent");
  g_autoptr (GError) error = NULL;
  g_autoptr (MimpConnection) connection = mimp_connection_new ("127.0.0.1", peer->port, FALSE);
  g_autoptr (GCancellable) cancellable = g_cancellable_new ();
  g_autoptr (GAsyncResult) result = NULL;

  mimp_connection_login_async (connection, "alice", "pw", cancellable, test_store_result, &result);
  for (guint i = 0; i < 10; i++)
    g_main_context_iteration (NULL, FALSE);
  g_cancellable_cancel (cancellable);
  g_assert_false (
      mimp_connection_login_finish (connection, test_wait_result (&result, TEST_WAIT_S), &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  TEST_WORLD_ADD ("/connection/login", test_login, FALSE);
  TEST_WORLD_ADD ("/connection/wrong-password", test_wrong_password, FALSE);
  TEST_WORLD_ADD ("/connection/send-receive", test_send_receive, FALSE);
  TEST_WORLD_ADD ("/connection/send-errors", test_send_errors, FALSE);
  TEST_WORLD_ADD ("/connection/pipelined", test_pipelined, FALSE);
  TEST_WORLD_ADD ("/connection/long-poll", test_long_poll, FALSE);
  TEST_WORLD_ADD ("/connection/held-poll-ended", test_held_poll_ended, FALSE);
  TEST_WORLD_ADD ("/connection/ack-redelivery", test_ack_redelivery, FALSE);
  TEST_WORLD_ADD ("/connection/idempotent-retry", test_idempotent_retry, FALSE);
  TEST_WORLD_ADD ("/connection/plain-get-drops", test_plain_get_drops, FALSE);
  TEST_WORLD_ADD ("/connection/survives-kill", test_survives_kill, FALSE);
  TEST_WORLD_ADD ("/connection/tls", test_tls, TRUE);
  TEST_WORLD_ADD ("/connection/stalled-server", test_stalled_server, FALSE);
  g_test_add_func ("/connection/unreachable", test_unreachable);
  g_test_add_func ("/connection/cancel-login", test_cancel_login);
  g_test_add_func ("/interop/plain-peer", test_plain_peer);
  g_test_add_func ("/interop/ask-first", test_peer_ask_first);
  g_test_add_func ("/interop/json-token", test_peer_json_token);
  g_test_add_func ("/interop/errors", test_peer_errors);
  g_test_add_func ("/interop/bad-replies", test_peer_bad_replies);
  g_test_add_func ("/interop/error-codes", test_peer_error_codes);

  return g_test_run ();
}
