/* test-extensions.c - MimpClientSession's extensions for private chats
 * against a real mimpd: FEATURES, the key directory (publish, fetch,
 * count), ephemeral messages; and the fallbacks: a plain MIMP 1.0 server
 * (501), mimpd --no-extensions, a server that closes on unknown packets,
 * an offline session.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include <json-glib/json-glib.h>

#include "mimp-test.h"
#include "mimp.h"

#define TYPING "?MIMPTYPING:1:active"

static MimpClientSession *
session_new (guint16 port, const char *user, const char *password)
{
  MimpClientSession *session = mimp_client_session_new ("127.0.0.1", port, FALSE, user);

  mimp_client_session_set_password (session, password);
  return session;
}

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

/* Synchronous wrappers, for the tests only. */
static gint64
publish (MimpClientSession *session, const char *bundle, GError **error)
{
  g_autoptr (GAsyncResult) result = NULL;
  gint64 left;

  mimp_client_session_publish_keys_async (session, bundle, NULL, test_store_result, &result);
  left = mimp_client_session_publish_keys_finish (session, test_wait_result (&result, TEST_WAIT_S),
                                                  error);
  return left;
}

static gint64
count (MimpClientSession *session, guint32 device, GError **error)
{
  g_autoptr (GAsyncResult) result = NULL;
  gint64 left;

  mimp_client_session_count_keys_async (session, device, NULL, test_store_result, &result);
  left = mimp_client_session_count_keys_finish (session, test_wait_result (&result, TEST_WAIT_S),
                                                error);
  return left;
}

static GPtrArray *
fetch (MimpClientSession *session, const char *user, GError **error)
{
  g_autoptr (GAsyncResult) result = NULL;
  GPtrArray *devices;

  mimp_client_session_fetch_keys_async (session, user, NULL, test_store_result, &result);
  devices = mimp_client_session_fetch_keys_finish (session, test_wait_result (&result, TEST_WAIT_S),
                                                   error);
  return devices;
}

/* A bundle of public test bytes (the server checks form, not keys). */
static char *
bundle_json (guint32 device, guint first_pk, guint n_pk)
{
  GString *out = g_string_new (NULL);
  guint8 key[33];
  g_autofree char *ik = NULL;
  g_autofree char *spk = NULL;
  g_autofree char *sig = NULL;

  for (guint i = 0; i < sizeof key; i++)
    key[i] = (guint8) (i * 7 + device);
  ik = g_base64_encode (key, sizeof key);
  key[0] ^= 0xff;
  spk = g_base64_encode (key, sizeof key);
  sig = g_base64_encode (key, 32);
  g_string_append_printf (out,
                          "{\"device\": %u, \"ik\": \"%s\", \"reg\": 4242, "
                          "\"spk\": {\"id\": 1, \"key\": \"%s\", \"sig\": \"%s\"}, \"pk\": [",
                          device, ik, spk, sig);
  for (guint i = 0; i < n_pk; i++)
    {
      g_autofree char *pk = NULL;

      key[1] = (guint8) i;
      pk = g_base64_encode (key, sizeof key);
      g_string_append_printf (out, "%s{\"id\": %u, \"key\": \"%s\"}", i ? ", " : "", first_pk + i,
                              pk);
    }
  g_string_append (out, "]}");
  return g_string_free (out, FALSE);
}

static JsonObject *
parse_device (const char *json, JsonNode **root)
{
  g_autoptr (GError) error = NULL;

  *root = json_from_string (json, &error);
  g_assert_no_error (error);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (*root));
  return json_node_get_object (*root);
}

typedef struct
{
  GPtrArray *messages;  /* text of every ordinary message */
  GPtrArray *ephemeral; /* "from:text" of every ephemeral one */
  MimpFeatures features_when_online;
  gboolean saw_online;
} Recorder;

static void
messages_cb (MimpClientSession *session, GPtrArray *messages, Recorder *rec)
{
  for (guint i = 0; i < messages->len; i++)
    {
      MimpMessage *m = messages->pdata[i];

      g_assert_false (m->ephemeral);
      g_ptr_array_add (rec->messages, g_strdup (m->text));
    }
}

static void
ephemeral_cb (MimpClientSession *session, const char *from, const char *text, Recorder *rec)
{
  g_ptr_array_add (rec->ephemeral, g_strconcat (from, ":", text, NULL));
}

static void
state_cb (MimpClientSession *session, GParamSpec *pspec, Recorder *rec)
{
  if (mimp_client_session_get_state (session) == MIMP_SESSION_STATE_ONLINE && !rec->saw_online)
    {
      rec->saw_online = TRUE;
      rec->features_when_online = mimp_client_session_get_features (session);
    }
}

static Recorder *
recorder_new (MimpClientSession *session)
{
  Recorder *rec = g_new0 (Recorder, 1);

  rec->messages = g_ptr_array_new_with_free_func (g_free);
  rec->ephemeral = g_ptr_array_new_with_free_func (g_free);
  g_signal_connect (session, "messages-received", G_CALLBACK (messages_cb), rec);
  g_signal_connect (session, "ephemeral-received", G_CALLBACK (ephemeral_cb), rec);
  g_signal_connect (session, "notify::state", G_CALLBACK (state_cb), rec);
  return rec;
}

static void
recorder_free (Recorder *rec)
{
  g_ptr_array_unref (rec->messages);
  g_ptr_array_unref (rec->ephemeral);
  g_free (rec);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Recorder, recorder_free)

typedef struct
{
  GPtrArray *array;
  guint len;
} LenWait;

static gboolean
len_at_least (gpointer data)
{
  LenWait *wait = data;

  return wait->array->len >= wait->len;
}

static void
wait_len (GPtrArray *array, guint len)
{
  LenWait wait = { array, len };

  g_assert_true (test_wait_until (len_at_least, &wait, TEST_WAIT_S));
}

/* Alice and Bob, sessions not started yet, on a server at @port. */
typedef struct
{
  MimpdTestServer *server; /* %NULL for another server */
  MimpClientSession *alice;
  MimpClientSession *bob;
  Recorder *alice_rec;
  Recorder *bob_rec;
} Pair;

static void
pair_init (Pair *pair, guint16 port, const char *alice_pw, const char *bob_pw)
{
  pair->alice = session_new (port, "alice", alice_pw);
  pair->bob = session_new (port, "bob", bob_pw);
  pair->alice_rec = recorder_new (pair->alice);
  pair->bob_rec = recorder_new (pair->bob);
}

/* The same on a real mimpd started with @extra_args. */
static void
pair_init_mimpd (Pair *pair, const char *const *extra_args)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *alice_pw = mimpd_test_server_random_password ();
  g_autofree char *bob_pw = mimpd_test_server_random_password ();
  g_autofree char *alice = g_strconcat ("alice:", alice_pw, NULL);
  g_autofree char *bob = g_strconcat ("bob:", bob_pw, NULL);
  const char *users[] = { alice, bob, NULL };

  pair->server = mimpd_test_server_start_full (users, extra_args, FALSE, &error);
  g_assert_no_error (error);
  pair_init (pair, mimpd_test_server_get_port (pair->server), alice_pw, bob_pw);
}

static void
pair_online (Pair *pair)
{
  mimp_client_session_start (pair->alice);
  mimp_client_session_start (pair->bob);
  wait_state (pair->alice, MIMP_SESSION_STATE_ONLINE);
  wait_state (pair->bob, MIMP_SESSION_STATE_ONLINE);
}

static void
pair_clear (Pair *pair)
{
  mimp_client_session_stop (pair->alice);
  mimp_client_session_stop (pair->bob);
  g_clear_object (&pair->alice);
  g_clear_object (&pair->bob);
  g_clear_pointer (&pair->alice_rec, recorder_free);
  g_clear_pointer (&pair->bob_rec, recorder_free);
  if (pair->server != NULL)
    {
      g_assert_cmpint (mimpd_test_server_stop (pair->server), ==, 0);
      g_clear_pointer (&pair->server, mimpd_test_server_free);
    }
}

/* FEATURES after login, known when ONLINE; the key directory through the
 * session's connection while it receives by push. */
static void
test_keys (void)
{
  Pair pair = { 0 };
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) devices = NULL;
  g_autoptr (JsonNode) root = NULL;
  g_autofree char *bundle = bundle_json (7, 100, 3);
  g_autofree char *big = bundle_json (7, 1000, 101);
  g_autofree char *id = g_uuid_string_random ();
  MimpClientSession *alice, *bob;
  JsonObject *device;
  MimpFeatures features = 0;

  pair_init_mimpd (&pair, NULL);
  alice = pair.alice;
  bob = pair.bob;
  g_assert_cmpint (mimp_client_session_get_features (alice), ==, 0);
  pair_online (&pair);
  g_assert_cmpint (pair.alice_rec->features_when_online, ==,
                   MIMP_FEATURE_KEYS | MIMP_FEATURE_EPHEMERAL | MIMP_FEATURE_PUSH);
  g_object_get (alice, "features", &features, NULL);
  g_assert_cmpint (features, ==, MIMP_FEATURE_KEYS | MIMP_FEATURE_EPHEMERAL | MIMP_FEATURE_PUSH);
  test_settle (300); /* push turned on */

  g_assert_cmpint (publish (bob, bundle, &error), ==, 3);
  g_assert_no_error (error);
  g_assert_cmpint (count (bob, 7, &error), ==, 3);
  g_assert_no_error (error);

  devices = fetch (alice, "Bob", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (devices->len, ==, 1);
  device = parse_device (devices->pdata[0], &root);
  g_assert_cmpint (json_object_get_int_member (device, "device"), ==, 7);
  g_assert_cmpint (json_object_get_int_member (device, "reg"), ==, 4242);
  g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (device, "pk"), "id"),
                   ==, 100);
  g_assert_true (json_object_has_member (device, "spk"));
  g_assert_cmpint (count (bob, 7, &error), ==, 2);
  g_clear_pointer (&devices, g_ptr_array_unref);

  /* Nobody published: an empty list. */
  devices = fetch (bob, "alice", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (devices->len, ==, 0);

  /* The server's errors, in the MIMP_ERROR domain. */
  g_assert_null (fetch (alice, "nobody", &error));
  g_assert_error (error, MIMP_ERROR, MIMP_ERROR_NO_SUCH_USER);
  g_clear_error (&error);
  g_assert_cmpint (publish (bob, big, &error), ==, -1);
  g_assert_error (error, MIMP_ERROR, MIMP_ERROR_TOO_LARGE);
  g_clear_error (&error);
  g_assert_cmpint (publish (bob, "{\"device\": 0}", &error), ==, -1);
  g_assert_error (error, MIMP_ERROR, MIMP_ERROR_BAD_REQUEST);
  g_clear_error (&error);
  /* Refused before sending. */
  g_assert_cmpint (publish (bob, "[1, 2]", &error), ==, -1);
  g_assert_error (error, MIMP_ERROR, MIMP_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_cmpint (publish (bob, "{'single': 'quotes'}", &error), ==, -1);
  g_assert_error (error, MIMP_ERROR, MIMP_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_null (fetch (alice, "no way!", &error));
  g_assert_error (error, MIMP_ERROR, MIMP_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_cmpint (count (bob, 0, &error), ==, -1);
  g_assert_error (error, MIMP_ERROR, MIMP_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  /* The receive loop went on through all of it. */
  mimp_client_session_send (alice, id, "bob", "after the keys");
  wait_len (pair.bob_rec->messages, 1);
  g_assert_cmpstr (pair.bob_rec->messages->pdata[0], ==, "after the keys");
  g_assert_cmpint (mimp_client_session_get_state (bob), ==, MIMP_SESSION_STATE_ONLINE);

  /* Offline: not connected, without asking anyone. */
  mimp_client_session_stop (bob);
  g_assert_cmpint (count (bob, 7, &error), ==, -1);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_CONNECTED);
  pair_clear (&pair);
}

/* Several requests at once on one connection: replies in request order. */
static void
test_keys_pipelined (void)
{
  Pair pair = { 0 };
  g_autofree char *bundle = bundle_json (3, 1, 10);
  GAsyncResult *results[10] = { NULL };
  gint64 seen[10];

  pair_init_mimpd (&pair, NULL);
  pair_online (&pair);
  g_assert_cmpint (publish (pair.bob, bundle, NULL), ==, 10);
  for (guint i = 0; i < G_N_ELEMENTS (results); i++)
    mimp_client_session_fetch_keys_async (pair.alice, "bob", NULL, test_store_result, &results[i]);
  for (guint i = 0; i < G_N_ELEMENTS (results); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (GPtrArray) devices = NULL;
      g_autoptr (JsonNode) root = NULL;
      JsonObject *device;

      devices = mimp_client_session_fetch_keys_finish (
          pair.alice, test_wait_result (&results[i], TEST_WAIT_S), &error);
      g_assert_no_error (error);
      g_assert_cmpuint (devices->len, ==, 1);
      device = parse_device (devices->pdata[0], &root);
      seen[i] = json_object_get_int_member (json_object_get_object_member (device, "pk"), "id");
      g_clear_object (&results[i]);
    }
  for (guint i = 0; i < G_N_ELEMENTS (seen); i++)
    g_assert_cmpint (seen[i], ==, i + 1); /* each once, lowest first */
  g_assert_cmpint (count (pair.bob, 3, NULL), ==, 0);
  pair_clear (&pair);
}

static void
test_fetch_rate_limited (void)
{
  const char *args[] = { "--key-fetch-rate", "2", NULL };
  Pair pair = { 0 };
  g_autoptr (GError) error = NULL;

  pair_init_mimpd (&pair, args);
  pair_online (&pair);
  for (guint i = 0; i < 2; i++)
    {
      g_autoptr (GPtrArray) devices = fetch (pair.alice, "bob", &error);

      g_assert_no_error (error);
      g_assert_nonnull (devices);
    }
  g_assert_null (fetch (pair.alice, "bob", &error));
  g_assert_error (error, MIMP_ERROR, MIMP_ERROR_RATE_LIMITED);
  g_assert_cmpint (mimp_client_session_get_state (pair.alice), ==, MIMP_SESSION_STATE_ONLINE);
  pair_clear (&pair);
}

/* An ephemeral message reaches a push connection through its own signal,
 * never as a message; a later ordinary message arrives as usual. */
static void
test_ephemeral (void)
{
  Pair pair = { 0 };
  g_autofree char *id = g_uuid_string_random ();
  GPtrArray *ephemeral, *messages;

  pair_init_mimpd (&pair, NULL);
  ephemeral = pair.bob_rec->ephemeral;
  messages = pair.bob_rec->messages;
  mimp_client_session_set_receive (pair.alice, FALSE);
  pair_online (&pair);
  test_settle (300); /* bob receives by push */

  mimp_client_session_send_ephemeral (pair.alice, "bob", TYPING);
  wait_len (ephemeral, 1);
  g_assert_cmpstr (ephemeral->pdata[0], ==, "alice:" TYPING);
  g_assert_cmpuint (mimp_client_session_get_outbox_length (pair.alice), ==, 0);

  /* Bob's session polls again at once: a second one arrives too. */
  test_settle (300);
  mimp_client_session_send_ephemeral (pair.alice, "BOB", "?MIMPTYPING:1:idle");
  wait_len (ephemeral, 2);
  g_assert_cmpstr (ephemeral->pdata[1], ==, "alice:?MIMPTYPING:1:idle");

  /* Invalid ones are not sent (nothing to see, nothing breaks). */
  mimp_client_session_send_ephemeral (pair.alice, "bob", "");
  mimp_client_session_send_ephemeral (pair.alice, "not a user!", "x");

  mimp_client_session_send (pair.alice, id, "bob", "ordinary");
  wait_len (messages, 1);
  g_assert_cmpstr (messages->pdata[0], ==, "ordinary");
  test_settle (300);
  g_assert_cmpuint (ephemeral->len, ==, 2);
  g_assert_cmpuint (messages->len, ==, 1);

  /* Bob offline: dropped, never kept for later. */
  mimp_client_session_stop (pair.bob);
  test_settle (200);
  mimp_client_session_send_ephemeral (pair.alice, "bob", TYPING);
  test_settle (300);
  mimp_client_session_start (pair.bob);
  wait_state (pair.bob, MIMP_SESSION_STATE_ONLINE);
  test_settle (500);
  g_assert_cmpuint (ephemeral->len, ==, 2);
  g_assert_cmpuint (messages->len, ==, 1);
  pair_clear (&pair);
}

/* Without extensions (a plain 1.0 server: 501; or mimpd --no-extensions):
 * features 0, key calls NOT_SUPPORTED, send_ephemeral sends nothing, and
 * everything else works as before. */
static void
check_without_extensions (Pair *pair)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *bundle = bundle_json (1, 1, 1);
  g_autofree char *id = g_uuid_string_random ();

  mimp_client_session_set_poll_interval (pair->bob, 1);
  mimp_client_session_set_receive (pair->alice, FALSE);
  pair_online (pair);
  g_assert_true (pair->alice_rec->saw_online);
  g_assert_cmpint (pair->alice_rec->features_when_online, ==, 0);
  g_assert_cmpint (mimp_client_session_get_features (pair->alice), ==, 0);

  g_assert_cmpint (publish (pair->alice, bundle, &error), ==, -1);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED);
  g_clear_error (&error);
  g_assert_null (fetch (pair->alice, "bob", &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED);
  g_clear_error (&error);
  g_assert_cmpint (count (pair->alice, 1, &error), ==, -1);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED);
  g_clear_error (&error);

  /* A plain server would store it as a message: it must not go out. */
  mimp_client_session_send_ephemeral (pair->alice, "bob", TYPING);
  mimp_client_session_send (pair->alice, id, "bob", "plain text");
  wait_len (pair->bob_rec->messages, 1);
  test_settle (1500);
  g_assert_cmpuint (pair->bob_rec->messages->len, ==, 1);
  g_assert_cmpstr (pair->bob_rec->messages->pdata[0], ==, "plain text");
  g_assert_cmpuint (pair->bob_rec->ephemeral->len, ==, 0);
}

static void
test_plain_server (void)
{
  g_autoptr (TestPeer) peer = test_peer_start ("plain");
  Pair pair = { 0 };

  pair_init (&pair, peer->port, peer->alice_pw, peer->bob_pw);
  check_without_extensions (&pair);
  pair_clear (&pair);
}

static void
test_no_extensions (void)
{
  const char *args[] = { "--no-extensions", NULL };
  Pair pair = { 0 };

  pair_init_mimpd (&pair, args);
  check_without_extensions (&pair);
  pair_clear (&pair);
}

/* A server that closes the connection on an unknown packet id: the
 * session is not asked again on the next connection, and goes online. */
static void
test_close_on_unknown (void)
{
  g_autoptr (TestPeer) peer = test_peer_start ("close-on-unknown");
  g_autoptr (MimpClientSession) alice = session_new (peer->port, "alice", peer->alice_pw);

  mimp_client_session_start (alice);
  wait_state (alice, MIMP_SESSION_STATE_WAITING);
  mimp_client_session_reconnect_now (alice);
  wait_state (alice, MIMP_SESSION_STATE_ONLINE);
  g_assert_cmpint (mimp_client_session_get_features (alice), ==, 0);
  mimp_client_session_stop (alice);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/extensions/keys", test_keys);
  g_test_add_func ("/extensions/keys-pipelined", test_keys_pipelined);
  g_test_add_func ("/extensions/fetch-rate-limited", test_fetch_rate_limited);
  g_test_add_func ("/extensions/ephemeral", test_ephemeral);
  g_test_add_func ("/extensions/plain-server", test_plain_server);
  g_test_add_func ("/extensions/no-extensions", test_no_extensions);
  g_test_add_func ("/extensions/close-on-unknown", test_close_on_unknown);

  return g_test_run ();
}
