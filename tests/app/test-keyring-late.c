/* test-keyring-late.c - a keyring that answers after the store's timeout
 *
 * A real gnome-keyring holds the password; the test stops the daemon
 * (SIGSTOP) so that the lookups the store makes run into its timeout (one
 * second here), then lets it go on (SIGCONT): the answer, which used to be
 * dropped, comes late. The store then tells it (password-found), and an
 * account that had given up and asked for its password connects to a real
 * mimpd with it.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <signal.h>
#include <string.h>

#include "mimp-account.h"
#include "mimp-secret-store.h"
#include "mimpd-test-server.h"
#include "test-util.h"

typedef struct
{
  char *protocol;
  char *server;
  guint port;
  char *user;
  gboolean matched; /* the password was the stored one */
  guint n;
} Found;

static const char *expected_password;

static void
on_password_found (MimpSecretStore *store, const char *protocol, const char *server, guint port,
                   const char *user, const char *password, Found *found)
{
  g_free (found->protocol);
  g_free (found->server);
  g_free (found->user);
  found->protocol = g_strdup (protocol);
  found->server = g_strdup (server);
  found->port = port;
  found->user = g_strdup (user);
  found->matched = g_strcmp0 (password, expected_password) == 0;
  found->n++;
}

static gboolean
found_two (gpointer data)
{
  return ((Found *) data)->n == 2;
}

/* The process that owns the Secret Service on this session bus. */
static GPid
keyring_pid (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GDBusConnection) bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, &error);
  g_autoptr (GVariant) reply = NULL;
  guint32 pid = 0;

  g_assert_no_error (error);
  reply = g_dbus_connection_call_sync (
      bus, "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
      "GetConnectionUnixProcessID", g_variant_new ("(s)", "org.freedesktop.secrets"),
      G_VARIANT_TYPE ("(u)"), G_DBUS_CALL_FLAGS_NONE, 5000, NULL, &error);
  g_assert_no_error (error);
  g_variant_get (reply, "(u)", &pid);
  g_assert_cmpuint (pid, >, 0);
  return (GPid) pid;
}

static gboolean
needs_password (gpointer account)
{
  return mimp_account_get_status (account) == MIMP_ACCOUNT_STATUS_NEEDS_PASSWORD;
}

static void
test_late_answer (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (MimpdTestServer) server = NULL;
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (MimpAccount) account = NULL;
  g_autofree char *password = mimpd_test_server_random_password ();
  g_autofree char *user = g_strconcat ("alice:", password, NULL);
  g_autofree char *looked_up = NULL;
  TestModels models = { 0 };
  Found found = { 0 };
  guint16 port;
  GPid keyring;

  server = mimpd_test_server_start ((const char *[]){ user, NULL }, &error);
  g_assert_no_error (error);
  port = mimpd_test_server_get_port (server);
  expected_password = password;

  test_start_keyring ();
  test_models_set_up (&models);
  g_signal_connect (models.secrets, "password-found", G_CALLBACK (on_password_found), &found);
  mimp_secret_store_store_async (models.secrets, "mimp", "127.0.0.1", port, "alice", password, NULL,
                                 test_store_result, &result);
  g_assert_true (
      mimp_secret_store_store_finish (models.secrets, test_wait_result (&result, 30), &error));
  g_assert_no_error (error);
  g_clear_object (&result);

  /* The keyring stops answering: the caller gets a timeout error. */
  mimp_secret_store_set_timeout (models.secrets, 1);
  keyring = keyring_pid ();
  g_assert_cmpint (kill (keyring, SIGSTOP), ==, 0);
  mimp_secret_store_lookup_async (models.secrets, "mimp", "127.0.0.1", port, "alice", NULL,
                                  test_store_result, &result);
  looked_up =
      mimp_secret_store_lookup_finish (models.secrets, test_wait_result (&result, 10), &error);
  g_assert_error (error, MIMP_SECRET_STORE_ERROR, MIMP_SECRET_STORE_ERROR_TIMEOUT);
  g_assert_null (looked_up);
  g_clear_error (&error);
  g_clear_object (&result);
  g_assert_cmpuint (found.n, ==, 0);

  /* The account starts while it is stopped: it asks for its password. */
  account = mimp_account_new (mimp_protocol_find ("mimp"), NULL, "127.0.0.1", port, "alice", FALSE);
  mimp_account_manager_add (models.accounts, account);
  g_assert_true (test_wait_until (needs_password, account, 10));

  /* The keyring answers both lookups after all (the account's, which
   * timed out waiting for its turn, runs then). */
  g_assert_cmpint (kill (keyring, SIGCONT), ==, 0);
  g_assert_true (test_wait_until (found_two, &found, 20));
  g_assert_cmpstr (found.protocol, ==, "mimp");
  g_assert_cmpstr (found.server, ==, "127.0.0.1");
  g_assert_cmpuint (found.port, ==, port);
  g_assert_cmpstr (found.user, ==, "alice");
  g_assert_true (found.matched);
  /* The account picked it up and connected. */
  if (!test_wait_until (test_account_is_online, account, 30))
    g_error ("The account did not connect: %s", mimp_account_get_status_message (account));
  g_assert_cmpuint (found.n, ==, 2);
  g_assert_cmpuint (mimp_secret_store_get_n_pending (models.secrets), ==, 0);

  test_models_tear_down (&models);
  g_assert_cmpint (mimpd_test_server_stop (server), ==, 0);
  g_free (found.protocol);
  g_free (found.server);
  g_free (found.user);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/keyring-late/late-answer", test_late_answer);
  return g_test_run ();
}
