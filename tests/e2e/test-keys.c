/* test-keys.c - the key exchange over a MIMP session (mimp-e2e-keys.c)
 * against a real mimpd (the key directory) and the plain MIMP 1.0 peer
 * (tests/mimp10_server.py, no key directory): publishing, a session from
 * the directory, the in-band key request and its once-a-minute limit.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gstdio.h>

#include "mimp-test.h"
#include "mimp-e2e-keys.h"
#include "mimp.h"

typedef struct
{
  char *dir;
  MimpClientSession *session;
  MimpE2eWorker *worker;
  guint32 device;
  GPtrArray *received; /* texts (char *) that reached this user */
} Party;

static void
messages_received_cb (MimpClientSession *session, GPtrArray *messages, Party *party)
{
  for (guint i = 0; i < messages->len; i++)
    g_ptr_array_add (party->received, g_strdup (((MimpMessage *) messages->pdata[i])->text));
}

static gboolean
is_online (gpointer data)
{
  return mimp_client_session_get_state (data) == MIMP_SESSION_STATE_ONLINE;
}

/* @user's state in a new directory and a session, online when @port is not 0. */
static Party *
party_new (const char *user, const char *password, guint16 port)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) key = mimp_e2e_new_storage_key ();
  g_autofree char *path = NULL;
  g_autofree char *account = g_strdup_printf ("%s@127.0.0.1:%u", user, port);
  Party *party = g_new0 (Party, 1);
  MimpE2e *e2e;

  party->dir = g_dir_make_tmp ("mimp-e2e-keys-XXXXXX", &error);
  g_assert_no_error (error);
  path = g_build_filename (party->dir, "e2e.db", NULL);
  e2e = mimp_e2e_open (path, account, key, &error);
  g_assert_no_error (error);
  party->device = mimp_e2e_get_device_id (e2e);
  party->worker = mimp_e2e_worker_new (e2e);
  party->received = g_ptr_array_new_with_free_func (g_free);
  party->session = mimp_client_session_new ("127.0.0.1", port ? port : 1, FALSE, user);
  mimp_client_session_set_password (party->session, password);
  mimp_client_session_set_poll_interval (party->session, 1);
  g_signal_connect (party->session, "messages-received", G_CALLBACK (messages_received_cb), party);
  if (port)
    {
      mimp_client_session_start (party->session);
      g_assert_true (test_wait_until (is_online, party->session, TEST_WAIT_S));
    }
  return party;
}

static void
party_free (Party *party)
{
  g_autoptr (GDir) dir = NULL;
  const char *name;

  mimp_client_session_stop (party->session);
  g_signal_handlers_disconnect_by_data (party->session, party);
  g_clear_object (&party->session);
  mimp_e2e_worker_close (party->worker);
  g_assert_finalize_object (party->worker);
  g_ptr_array_unref (party->received);
  dir = g_dir_open (party->dir, 0, NULL);
  while (dir && (name = g_dir_read_name (dir)))
    {
      g_autofree char *path = g_build_filename (party->dir, name, NULL);

      g_unlink (path);
    }
  g_rmdir (party->dir);
  g_free (party->dir);
  g_free (party);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Party, party_free)

/* --- the key operations, each waited for --- */

static gboolean
publish (Party *party, GError **error)
{
  g_autoptr (GAsyncResult) result = NULL;
  gboolean ok;

  mimp_e2e_keys_publish_async (party->worker, party->session, NULL, test_store_result, &result);
  ok = mimp_e2e_keys_publish_finish (test_wait_result (&result, TEST_WAIT_S), error);
  return ok;
}

static MimpE2eKeysOutcome
ensure (Party *party, const char *peer, GError **error)
{
  g_autoptr (GAsyncResult) result = NULL;
  MimpE2eKeysOutcome outcome;

  mimp_e2e_keys_ensure_session_async (party->worker, party->session, peer, NULL, test_store_result,
                                      &result);
  outcome = mimp_e2e_keys_ensure_session_finish (test_wait_result (&result, TEST_WAIT_S), error);
  return outcome;
}

static gint64
count_keys (Party *party)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GAsyncResult) result = NULL;
  gint64 left;

  mimp_client_session_count_keys_async (party->session, party->device, NULL, test_store_result,
                                        &result);
  left = mimp_client_session_count_keys_finish (party->session,
                                                test_wait_result (&result, TEST_WAIT_S), &error);
  g_assert_no_error (error);
  return left;
}

static gboolean
has_message (gpointer data)
{
  return ((Party *) data)->received->len > 0;
}

/* --- the tests --- */

static void
test_directory (TestWorld *fixture, gconstpointer data)
{
  guint16 port = mimpd_test_server_get_port (fixture->server);
  g_autoptr (Party) alice = party_new ("alice", fixture->alice_pw, port);
  g_autoptr (Party) bob = party_new ("bob", fixture->bob_pw, port);
  g_autoptr (GError) error = NULL;

  g_assert_true (mimp_client_session_get_features (alice->session) & MIMP_FEATURE_KEYS);
  g_assert_true (publish (alice, &error));
  g_assert_no_error (error);
  g_assert_cmpint (count_keys (alice), ==, 100);
  /* Publishing again adds nothing: those prekeys are on the server. */
  g_assert_true (publish (alice, &error));
  g_assert_cmpint (count_keys (alice), ==, 100);

  /* bob gets a session from the directory, taking one of alice's prekeys. */
  mimp_client_session_set_receive (bob->session, FALSE);
  g_assert_cmpint (ensure (bob, "alice", &error), ==, MIMP_E2E_KEYS_READY);
  g_assert_no_error (error);
  g_assert_cmpint (count_keys (alice), ==, 99);
  /* It exists now: no second fetch. */
  g_assert_cmpint (ensure (bob, "alice", &error), ==, MIMP_E2E_KEYS_READY);
  g_assert_cmpint (count_keys (alice), ==, 99);

  /* No such user: the server's error, no key request. */
  ensure (bob, "nobody", &error);
  g_assert_error (error, MIMP_ERROR, MIMP_ERROR_NO_SUCH_USER);
}

static gboolean
fetch_one (Party *party, const char *peer)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) devices = NULL;
  g_autoptr (GAsyncResult) result = NULL;

  mimp_client_session_fetch_keys_async (party->session, peer, NULL, test_store_result, &result);
  devices = mimp_client_session_fetch_keys_finish (party->session,
                                                   test_wait_result (&result, TEST_WAIT_S), &error);
  g_assert_no_error (error);
  return devices->len == 1;
}

static void
test_replenish (void)
{
  const char *args[] = { "--key-fetch-rate", "1000", NULL };
  g_autoptr (GError) error = NULL;
  g_autoptr (Party) alice = NULL;
  g_autoptr (Party) bob = NULL;
  TestWorld world = { 0 };

  test_world_start (&world, FALSE, args);
  alice = party_new ("alice", world.alice_pw, world.port);
  bob = party_new ("bob", world.bob_pw, world.port);
  g_assert_true (publish (alice, &error));
  g_assert_no_error (error);
  /* Others take 85 of the 100 one-time prekeys; at 15, publishing makes
   * and publishes new ones. */
  for (guint i = 0; i < 85; i++)
    g_assert_true (fetch_one (bob, "alice"));
  g_assert_cmpint (count_keys (alice), ==, 15);
  g_assert_true (publish (alice, &error));
  g_assert_no_error (error);
  g_assert_cmpint (count_keys (alice), >=, 20);
  g_assert_cmpint (count_keys (alice), <=, 115);
  g_clear_pointer (&alice, party_free);
  g_clear_pointer (&bob, party_free);
  test_world_stop (&world);
}

static void
test_in_band_when_nothing_published (TestWorld *fixture, gconstpointer data)
{
  guint16 port = mimpd_test_server_get_port (fixture->server);
  g_autoptr (Party) alice = party_new ("alice", fixture->alice_pw, port);
  g_autoptr (Party) bob = party_new ("bob", fixture->bob_pw, port);
  g_autoptr (GError) error = NULL;

  /* bob never published: a key request goes to him, once a minute at most. */
  mimp_client_session_set_receive (alice->session, FALSE);
  g_assert_cmpint (ensure (alice, "bob", &error), ==, MIMP_E2E_KEYS_WAITING);
  g_assert_no_error (error);
  g_assert_cmpint (ensure (alice, "bob", &error), ==, MIMP_E2E_KEYS_WAITING);
  g_assert_no_error (error);
  g_assert_true (test_wait_until (has_message, bob, TEST_WAIT_S));
  test_settle (1500);
  g_assert_cmpuint (bob->received->len, ==, 1);
  g_assert_true (g_str_has_prefix (bob->received->pdata[0], MIMP_E2E_PREFIX "1:R:"));
}

static void
test_plain_server (void)
{
  g_autoptr (TestPeer) peer = test_peer_start ("plain");
  g_autoptr (Party) alice = party_new ("alice", peer->alice_pw, peer->port);
  g_autoptr (Party) bob = party_new ("bob", peer->bob_pw, peer->port);
  g_autoptr (GError) error = NULL;

  /* No key directory: publishing does nothing and succeeds. */
  g_assert_cmpint (mimp_client_session_get_features (alice->session), ==, 0);
  g_assert_true (publish (alice, &error));
  g_assert_no_error (error);
  mimp_client_session_set_receive (alice->session, FALSE);
  g_assert_cmpint (ensure (alice, "bob", &error), ==, MIMP_E2E_KEYS_WAITING);
  g_assert_no_error (error);
  g_assert_true (test_wait_until (has_message, bob, TEST_WAIT_S));
  g_assert_true (g_str_has_prefix (bob->received->pdata[0], MIMP_E2E_PREFIX "1:R:"));
}

static void
test_offline (void)
{
  g_autofree char *password = mimpd_test_server_random_password ();
  g_autoptr (Party) alice = party_new ("alice", password, 0);
  g_autoptr (GError) error = NULL;

  /* Nothing to publish to; a session cannot be made offline. */
  g_assert_true (publish (alice, &error));
  g_assert_no_error (error);
  ensure (alice, "bob", &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_CONNECTED);
  g_assert_cmpuint (mimp_client_session_get_outbox_length (alice->session), ==, 0);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  TEST_WORLD_ADD ("/e2e-keys/directory", test_directory, FALSE);
  TEST_WORLD_ADD ("/e2e-keys/in-band-when-nothing-published", test_in_band_when_nothing_published,
                  FALSE);
  g_test_add_func ("/e2e-keys/replenish", test_replenish);
  g_test_add_func ("/e2e-keys/plain-server", test_plain_server);
  g_test_add_func ("/e2e-keys/offline", test_offline);
  return g_test_run ();
}
