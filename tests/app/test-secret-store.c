/* test-secret-store.c - MimpSecretStore against a real gnome-keyring
 *
 * Every case runs in a subprocess on its own private D-Bus session bus
 * (a dbus-daemon started here), so one case may have a gnome-keyring,
 * another none at all, and libsecret's cached connection never leaks
 * from one case into the next. Every keyring call is bounded: the store's
 * own timeout, and test_wait_result's deadline above it.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <adwaita.h>
#include <glib/gstdio.h>
#include <libsecret/secret.h>
#include <string.h>

#include "mimp-account.h"
#include "mimp-application.h"
#include "mimp-history.h"
#include "mimp-secret-store.h"
#include "test-util.h"

typedef struct
{
  char *dir;
  char *address;
  GSubprocess *bus;
  GSubprocess *keyring;
} Session;

static const char bus_config[] =
    "<!DOCTYPE busconfig PUBLIC \"-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN\"\n"
    " \"http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd\">\n"
    "<busconfig>\n"
    "  <type>session</type>\n"
    "  <listen>unix:dir=%s</listen>\n"
    "  <auth>EXTERNAL</auth>\n"
    "  <policy context=\"default\">\n"
    "    <allow send_destination=\"*\" eavesdrop=\"true\"/>\n"
    "    <allow eavesdrop=\"true\"/>\n"
    "    <allow own=\"*\"/>\n"
    "  </policy>\n"
    "%s"
    "</busconfig>\n";

static gboolean
name_has_owner (GDBusConnection *bus, const char *name)
{
  g_autoptr (GVariant) reply = NULL;
  gboolean owned = FALSE;

  reply = g_dbus_connection_call_sync (bus, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                       "org.freedesktop.DBus", "NameHasOwner",
                                       g_variant_new ("(s)", name), G_VARIANT_TYPE ("(b)"),
                                       G_DBUS_CALL_FLAGS_NONE, 2000, NULL, NULL);
  if (reply != NULL)
    g_variant_get (reply, "(b)", &owned);
  return owned;
}

/* Starts a private session bus (with the standard service directories
 * when @activation, so that gcr's prompter can be started by the keyring),
 * and on it, when @keyring, a gnome-keyring whose login collection is
 * created and unlocked with the password "ci". The environment then points
 * at this bus and these directories, for the subprocess to inherit. */
static void
session_start (Session *s, gboolean keyring, gboolean activation)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *config = NULL;
  g_autofree char *config_path = NULL;
  g_autofree char *bus_dir = NULL;
  g_autofree char *runtime = NULL;
  g_autofree char *data = NULL;
  g_autoptr (GDataInputStream) out = NULL;
  g_autoptr (GDBusConnection) bus = NULL;

  memset (s, 0, sizeof *s);
  s->dir = test_make_tmpdir ();
  bus_dir = g_build_filename (s->dir, "bus", NULL);
  runtime = g_build_filename (s->dir, "runtime", NULL);
  data = g_build_filename (s->dir, "data", NULL);
  g_assert_cmpint (g_mkdir (bus_dir, 0700), ==, 0);
  g_assert_cmpint (g_mkdir (runtime, 0700), ==, 0);
  g_assert_cmpint (g_mkdir (data, 0700), ==, 0);

  config = g_strdup_printf (bus_config, bus_dir,
                            activation ? "  <standard_session_servicedirs/>\n" : "");
  config_path = g_build_filename (s->dir, "bus.conf", NULL);
  g_assert_true (g_file_set_contents (config_path, config, -1, &error));
  g_assert_no_error (error);

  s->bus = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_SILENCE,
                             &error, "dbus-daemon", "--nofork", "--print-address=1",
                             "--config-file", config_path, NULL);
  g_assert_no_error (error);
  out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (s->bus));
  s->address = g_data_input_stream_read_line (out, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (s->address);

  g_setenv ("DBUS_SESSION_BUS_ADDRESS", s->address, TRUE);
  g_setenv ("XDG_RUNTIME_DIR", runtime, TRUE);
  g_setenv ("XDG_DATA_HOME", data, TRUE);

  if (keyring)
    {
      g_autoptr (GSubprocessLauncher) launcher = g_subprocess_launcher_new (
          G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_SILENCE);
      gint64 deadline = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;

      s->keyring =
          g_subprocess_launcher_spawn (launcher, &error, "gnome-keyring-daemon", "--foreground",
                                       "--unlock", "--components=secrets", NULL);
      g_assert_no_error (error);
      g_output_stream_write_all (g_subprocess_get_stdin_pipe (s->keyring), "ci", 2, NULL, NULL,
                                 &error);
      g_assert_no_error (error);
      g_output_stream_close (g_subprocess_get_stdin_pipe (s->keyring), NULL, &error);
      g_assert_no_error (error);

      bus = g_dbus_connection_new_for_address_sync (
          s->address,
          G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
              G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
          NULL, NULL, &error);
      g_assert_no_error (error);
      while (!name_has_owner (bus, "org.freedesktop.secrets"))
        {
          if (g_get_monotonic_time () > deadline)
            g_error ("gnome-keyring-daemon did not appear on the bus");
          g_usleep (20000);
        }
    }
}

static void
session_stop (Session *s)
{
  if (s->keyring != NULL)
    {
      g_subprocess_force_exit (s->keyring);
      g_subprocess_wait (s->keyring, NULL, NULL);
    }
  g_subprocess_force_exit (s->bus);
  g_subprocess_wait (s->bus, NULL, NULL);
  g_clear_object (&s->keyring);
  g_clear_object (&s->bus);
  g_free (s->address);
  g_free (s->dir);
}

/* Runs the current test again in a subprocess on a new private session. */
static void
run_in_session (gboolean keyring, gboolean activation)
{
  Session s;

  session_start (&s, keyring, activation);
  g_test_trap_subprocess (NULL, 90 * G_USEC_PER_SEC, G_TEST_SUBPROCESS_INHERIT_STDERR);
  session_stop (&s);
  g_test_trap_assert_passed ();
}

/* ------------------------------------------------------------------ */

static gboolean
store (MimpSecretStore *secrets, const char *server, guint16 port, const char *user,
       const char *password, GError **error)
{
  g_autoptr (GAsyncResult) result = NULL;

  mimp_secret_store_store_async (secrets, "mimp", server, port, user, password, NULL,
                                 test_store_result, &result);
  test_wait_result (&result, mimp_secret_store_get_timeout (secrets) + 10);
  return mimp_secret_store_store_finish (secrets, result, error);
}

static char *
lookup_as (MimpSecretStore *secrets, const char *protocol, const char *server, guint16 port,
           const char *user, GError **error)
{
  g_autoptr (GAsyncResult) result = NULL;

  mimp_secret_store_lookup_async (secrets, protocol, server, port, user, NULL, test_store_result,
                                  &result);
  test_wait_result (&result, mimp_secret_store_get_timeout (secrets) + 10);
  return mimp_secret_store_lookup_finish (secrets, result, error);
}

static char *
lookup (MimpSecretStore *secrets, const char *server, guint16 port, const char *user,
        GError **error)
{
  return lookup_as (secrets, "mimp", server, port, user, error);
}

static gboolean
clear (MimpSecretStore *secrets, const char *server, guint16 port, const char *user, GError **error)
{
  g_autoptr (GAsyncResult) result = NULL;

  mimp_secret_store_clear_async (secrets, "mimp", server, port, user, NULL, test_store_result,
                                 &result);
  test_wait_result (&result, mimp_secret_store_get_timeout (secrets) + 10);
  return mimp_secret_store_clear_finish (secrets, result, error);
}

static void
assert_lookup (MimpSecretStore *secrets, const char *server, guint16 port, const char *user,
               const char *expected)
{
  g_autoptr (GError) error = NULL;
  char *password = lookup (secrets, server, port, user, &error);

  g_assert_no_error (error);
  g_assert_cmpstr (password, ==, expected);
  mimp_secret_password_free (password);
}

static void
test_roundtrip (void)
{
  g_autoptr (MimpSecretStore) secrets = NULL;
  g_autoptr (GError) error = NULL;

  if (!g_test_subprocess ())
    {
      run_in_session (TRUE, FALSE);
      return;
    }

  secrets = mimp_secret_store_new ();
  mimp_secret_store_set_timeout (secrets, 10);

  /* Nothing stored yet: no password, and no error. */
  assert_lookup (secrets, "chat.example", 3290, "alice", NULL);

  g_assert_true (store (secrets, "chat.example", 3290, "alice", "first-secret", &error));
  g_assert_no_error (error);
  g_assert_true (store (secrets, "chat.example", 3291, "alice", "tls-secret", &error));
  g_assert_no_error (error);
  g_assert_true (store (secrets, "chat.example", 3290, "bob", "bobs-secret", &error));
  g_assert_no_error (error);

  /* Found by all three of server, port and user. */
  assert_lookup (secrets, "chat.example", 3290, "alice", "first-secret");
  assert_lookup (secrets, "chat.example", 3291, "alice", "tls-secret");
  assert_lookup (secrets, "chat.example", 3290, "bob", "bobs-secret");
  assert_lookup (secrets, "other.example", 3290, "alice", NULL);

  /* Storing again replaces the password rather than adding a second. */
  g_assert_true (store (secrets, "chat.example", 3290, "alice", "second-secret", &error));
  g_assert_no_error (error);
  assert_lookup (secrets, "chat.example", 3290, "alice", "second-secret");

  /* Clearing removes only that account's password. */
  g_assert_true (clear (secrets, "chat.example", 3290, "alice", &error));
  g_assert_no_error (error);
  assert_lookup (secrets, "chat.example", 3290, "alice", NULL);
  assert_lookup (secrets, "chat.example", 3291, "alice", "tls-secret");
  assert_lookup (secrets, "chat.example", 3290, "bob", "bobs-secret");

  /* Clearing what is not there is not an error. */
  clear (secrets, "chat.example", 3290, "alice", &error);
  g_assert_no_error (error);
}

/* ------------------------------------------------------------------ */

static GBytes *
lookup_key (MimpSecretStore *secrets, const char *account_id, GError **error)
{
  g_autoptr (GAsyncResult) result = NULL;

  mimp_secret_store_lookup_key_async (secrets, account_id, NULL, test_store_result, &result);
  test_wait_result (&result, mimp_secret_store_get_timeout (secrets) + 10);
  return mimp_secret_store_lookup_key_finish (secrets, result, error);
}

static void
store_key (MimpSecretStore *secrets, const char *account_id, GBytes *key)
{
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;

  mimp_secret_store_store_key_async (secrets, account_id, "alice@chat.example", key, NULL,
                                     test_store_result, &result);
  test_wait_result (&result, mimp_secret_store_get_timeout (secrets) + 10);
  g_assert_true (mimp_secret_store_store_key_finish (secrets, result, &error));
  g_assert_no_error (error);
}

/* The storage key of private chats: found by the account's id, never by a
 * password lookup, never removed with the password; a damaged one is
 * refused. */
static void
test_storage_key (void)
{
  static const guint8 bytes[MIMP_SECRET_STORE_KEY_SIZE] = { 1, 2, 3, 250, 251, 252, 0, 9 };
  static const SecretSchema key_schema = {
    APPLICATION_ID ".StorageKey",
    SECRET_SCHEMA_NONE,
    { { "account", SECRET_SCHEMA_ATTRIBUTE_STRING },
      { "kind", SECRET_SCHEMA_ATTRIBUTE_STRING },
      { NULL, 0 } },
    0,
    NULL,
    NULL,
    NULL,
    NULL,
    NULL,
    NULL,
    NULL,
  };
  g_autoptr (MimpSecretStore) secrets = NULL;
  g_autoptr (GBytes) key = g_bytes_new_static (bytes, sizeof bytes);
  g_autoptr (GBytes) found = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GAsyncResult) result = NULL;

  if (!g_test_subprocess ())
    {
      run_in_session (TRUE, FALSE);
      return;
    }

  secrets = mimp_secret_store_new ();
  mimp_secret_store_set_timeout (secrets, 10);

  g_assert_null (lookup_key (secrets, "acc-1", &error));
  g_assert_no_error (error);

  g_assert_true (store (secrets, "chat.example", 3290, "alice", "the-password", &error));
  store_key (secrets, "acc-1", key);
  found = lookup_key (secrets, "acc-1", &error);
  g_assert_no_error (error);
  g_assert_true (g_bytes_equal (found, key));
  g_clear_pointer (&found, g_bytes_unref);
  g_assert_null (lookup_key (secrets, "acc-2", &error));
  g_assert_no_error (error);

  /* The password is still the password, and clearing it leaves the key. */
  assert_lookup (secrets, "chat.example", 3290, "alice", "the-password");
  g_assert_true (clear (secrets, "chat.example", 3290, "alice", &error));
  found = lookup_key (secrets, "acc-1", &error);
  g_assert_no_error (error);
  g_assert_true (g_bytes_equal (found, key));
  g_clear_pointer (&found, g_bytes_unref);

  /* What another program left under the key's name is not a key. */
  g_assert_true (secret_password_store_sync (&key_schema, SECRET_COLLECTION_DEFAULT, "damaged",
                                             "c2hvcnQ=", NULL, &error, "account", "acc-3", "kind",
                                             "e2e-storage-key", NULL));
  g_assert_null (lookup_key (secrets, "acc-3", &error));
  g_assert_error (error, MIMP_SECRET_STORE_ERROR, MIMP_SECRET_STORE_ERROR_FAILED);
  g_clear_error (&error);

  mimp_secret_store_clear_key_async (secrets, "acc-1", NULL, test_store_result, &result);
  test_wait_result (&result, 20);
  g_assert_true (mimp_secret_store_clear_finish (secrets, result, &error));
  g_assert_null (lookup_key (secrets, "acc-1", &error));
  g_assert_no_error (error);
}

/* ------------------------------------------------------------------ */

#define N_CONCURRENT 6

static gboolean
all_results (gpointer data)
{
  GAsyncResult **results = data;

  for (guint i = 0; i < N_CONCURRENT; i++)
    if (results[i] == NULL)
      return FALSE;
  return TRUE;
}

static void
clear_results (GAsyncResult **results)
{
  for (guint i = 0; i < N_CONCURRENT; i++)
    g_clear_object (&results[i]);
}

/* Several accounts starting at once: the calls wait for each other, and
 * every one of them completes. */
static void
test_concurrent (void)
{
  g_autoptr (MimpSecretStore) secrets = NULL;
  g_autoptr (GCancellable) cancellable = NULL;
  GAsyncResult *stored[N_CONCURRENT] = { NULL };
  GAsyncResult *found[N_CONCURRENT] = { NULL };
  GAsyncResult *cancelled = NULL;
  g_autoptr (GError) error = NULL;
  guint max_in_flight = 0;

  if (!g_test_subprocess ())
    {
      run_in_session (TRUE, FALSE);
      return;
    }

  secrets = mimp_secret_store_new ();
  mimp_secret_store_set_timeout (secrets, 10);

  for (guint i = 0; i < N_CONCURRENT; i++)
    {
      g_autofree char *user = g_strdup_printf ("user%u", i);
      g_autofree char *password = g_strdup_printf ("secret-%u", i);

      mimp_secret_store_store_async (secrets, "mimp", "chat.example", 3290, user, password, NULL,
                                     test_store_result, &stored[i]);
    }
  /* One call runs, the others wait for their turn. */
  g_assert_cmpuint (mimp_secret_store_get_in_flight (secrets, NULL), ==, 1);
  g_assert_cmpuint (mimp_secret_store_get_n_pending (secrets), ==, N_CONCURRENT - 1);
  g_assert_true (test_wait_until (all_results, stored, 30));
  for (guint i = 0; i < N_CONCURRENT; i++)
    {
      g_assert_true (mimp_secret_store_store_finish (secrets, stored[i], &error));
      g_assert_no_error (error);
    }

  /* Lookups, with one queued call cancelled by its caller: it answers
   * "cancelled" at once and the others go on. */
  cancellable = g_cancellable_new ();
  for (guint i = 0; i < N_CONCURRENT; i++)
    {
      g_autofree char *user = g_strdup_printf ("user%u", i);

      mimp_secret_store_lookup_async (secrets, "mimp", "chat.example", 3290, user, NULL,
                                      test_store_result, &found[i]);
      if (i == 1)
        mimp_secret_store_lookup_async (secrets, "mimp", "chat.example", 3290, user, cancellable,
                                        test_store_result, &cancelled);
    }
  g_assert_cmpuint (mimp_secret_store_get_n_pending (secrets), ==, N_CONCURRENT);
  g_cancellable_cancel (cancellable);
  test_wait_result (&cancelled, 5);
  g_assert_null (mimp_secret_store_lookup_finish (secrets, cancelled, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);
  g_clear_object (&cancelled);

  g_assert_true (test_wait_until (all_results, found, 30));
  for (guint i = 0; i < N_CONCURRENT; i++)
    {
      g_autofree char *expected = g_strdup_printf ("secret-%u", i);
      char *password = mimp_secret_store_lookup_finish (secrets, found[i], &error);

      g_assert_no_error (error);
      g_assert_cmpstr (password, ==, expected);
      mimp_secret_password_free (password);
    }

  /* Never more than one call in the Secret Service at once. */
  g_assert_cmpuint (mimp_secret_store_get_in_flight (secrets, &max_in_flight), ==, 0);
  g_assert_cmpuint (max_in_flight, ==, 1);
  g_assert_cmpuint (mimp_secret_store_get_n_pending (secrets), ==, 0);
  clear_results (stored);
  clear_results (found);
}

/* ------------------------------------------------------------------ */

static gboolean
dialog_shown (gpointer data)
{
  GListModel *toplevels = gtk_window_get_toplevels ();

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr (GObject) window = g_list_model_get_item (toplevels, i);
      if (ADW_IS_MESSAGE_DIALOG (window) && gtk_widget_get_visible (GTK_WIDGET (window)))
        {
          *(GtkWindow **) data = GTK_WINDOW (window);
          return TRUE;
        }
    }
  return FALSE;
}

static gboolean
needs_password (gpointer account)
{
  return mimp_account_get_status (account) == MIMP_ACCOUNT_STATUS_NEEDS_PASSWORD;
}

static void
test_no_service (void)
{
  g_autoptr (MimpSecretStore) secrets = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (MimpHistory) history = NULL;
  g_autoptr (MimpAccount) account = NULL;
  g_autoptr (MimpAccount) other = NULL;
  g_autoptr (MimpApplication) app = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *db = NULL;
  GtkWindow *dialog = NULL;
  char *password;
  gint64 start;

  if (!g_test_subprocess ())
    {
      run_in_session (FALSE, FALSE);
      return;
    }

  secrets = mimp_secret_store_new ();
  mimp_secret_store_set_timeout (secrets, 10);

  /* Each call fails at once (long before the timeout), saying why. */
  start = g_get_monotonic_time ();
  g_assert_false (store (secrets, "chat.example", 3290, "alice", "a-secret", &error));
  g_assert_error (error, MIMP_SECRET_STORE_ERROR, MIMP_SECRET_STORE_ERROR_UNAVAILABLE);
  g_clear_error (&error);
  password = lookup (secrets, "chat.example", 3290, "alice", &error);
  g_assert_null (password);
  g_assert_error (error, MIMP_SECRET_STORE_ERROR, MIMP_SECRET_STORE_ERROR_UNAVAILABLE);
  g_clear_error (&error);
  g_assert_false (clear (secrets, "chat.example", 3290, "alice", &error));
  g_assert_error (error, MIMP_SECRET_STORE_ERROR, MIMP_SECRET_STORE_ERROR_UNAVAILABLE);
  g_clear_error (&error);
  g_assert_cmpint (g_get_monotonic_time () - start, <, 5 * G_USEC_PER_SEC);

  /* An account asks for its password, for this session only. */
  dir = test_make_tmpdir ();
  db = g_build_filename (dir, "history.db", NULL);
  history = mimp_history_new (db);
  account = mimp_account_new (mimp_protocol_find ("mimp"), NULL, "127.0.0.1", 1, "alice", FALSE);
  mimp_account_set_services (account, history, secrets);
  mimp_account_start (account);
  g_assert_true (test_wait_until (needs_password, account, 15));
  g_assert_nonnull (strstr (mimp_account_get_status_message (account), "No keyring"));
  g_assert_nonnull (strstr (mimp_account_get_status_message (account), "this session only"));
  mimp_account_stop (account);

  /* Saving a new password: the app says it is used for this session only.
   * (This private bus has no accessibility bus.) */
  g_setenv ("GTK_A11Y", "none", TRUE);
  if (!gtk_init_check ())
    {
      g_test_skip ("No display");
      return;
    }
  adw_init ();
  app = mimp_application_new ();
  g_application_set_flags (G_APPLICATION (app), G_APPLICATION_NON_UNIQUE);
  g_assert_true (g_application_register (G_APPLICATION (app), NULL, &error));
  g_assert_no_error (error);
  other = mimp_account_new (mimp_protocol_find ("mimp"), NULL, "127.0.0.1", 1, "bob", FALSE);
  mimp_application_remember_password (app, other, "bobs-secret", NULL);
  g_assert_true (test_wait_until (dialog_shown, &dialog, 15));
  g_assert_true (mimp_account_get_password_is_session_only (other));
  g_assert_cmpstr (adw_message_dialog_get_heading (ADW_MESSAGE_DIALOG (dialog)), ==,
                   "Password Used for This Session Only");
  g_assert_nonnull (strstr (adw_message_dialog_get_body (ADW_MESSAGE_DIALOG (dialog)),
                            "No keyring is available"));
  /* Only the dialog: a registered application that never ran stays
   * exported on the bus (GApplication unexports it in its shutdown). */
  test_watch (dialog);
  gtk_window_destroy (dialog);
  test_assert_finalized (10);
}

/* ------------------------------------------------------------------ */

/* The schema of the keyring items Mimp wrote before accounts had a type. */
static const SecretSchema legacy_schema = {
  APPLICATION_ID,
  SECRET_SCHEMA_NONE,
  {
      { "server", SECRET_SCHEMA_ATTRIBUTE_STRING },
      { "port", SECRET_SCHEMA_ATTRIBUTE_INTEGER },
      { "user", SECRET_SCHEMA_ATTRIBUTE_STRING },
      { NULL, 0 },
  },
  0,
  NULL,
  NULL,
  NULL,
  NULL,
  NULL,
  NULL,
  NULL,
};

static guint
count_items (GHashTable *attributes)
{
  g_autoptr (GError) error = NULL;
  GList *items;
  guint n;

  items = secret_service_search_sync (NULL, NULL, attributes, SECRET_SEARCH_ALL, NULL, &error);
  g_assert_no_error (error);
  n = g_list_length (items);
  g_list_free_full (items, g_object_unref);
  return n;
}

/* A password saved by an older Mimp (no protocol attribute) is found for
 * its MIMP account, and that same item gains the attribute; another account
 * type with the same server, port and user never gets it. */
static void
test_legacy_item (void)
{
  g_autoptr (MimpSecretStore) secrets = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GHashTable) old_keys = NULL;
  g_autoptr (GHashTable) new_keys = NULL;
  char *password;

  if (!g_test_subprocess ())
    {
      run_in_session (TRUE, FALSE);
      return;
    }

  g_assert_true (secret_password_store_sync (
      &legacy_schema, SECRET_COLLECTION_DEFAULT, "Mimp account alice@chat.example", "old-secret",
      NULL, &error, "server", "chat.example", "port", 3290, "user", "alice", NULL));
  g_assert_no_error (error);
  old_keys = secret_attributes_build (&legacy_schema, "server", "chat.example", "port", 3290,
                                      "user", "alice", NULL);
  g_hash_table_insert (old_keys, g_strdup ("xdg:schema"), g_strdup (APPLICATION_ID));
  new_keys = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_hash_table_insert (new_keys, g_strdup ("xdg:schema"), g_strdup (APPLICATION_ID));
  g_hash_table_insert (new_keys, g_strdup ("protocol"), g_strdup ("mimp"));
  g_hash_table_insert (new_keys, g_strdup ("user"), g_strdup ("alice"));
  g_assert_cmpuint (count_items (old_keys), ==, 1);
  g_assert_cmpuint (count_items (new_keys), ==, 0);

  secrets = mimp_secret_store_new ();
  mimp_secret_store_set_timeout (secrets, 10);

  /* Not another account type's. */
  password = lookup_as (secrets, "cryptully", "chat.example", 3290, "alice", &error);
  g_assert_no_error (error);
  g_assert_null (password);
  g_assert_cmpuint (count_items (new_keys), ==, 0);

  /* The MIMP account's: found, and migrated in place (still one item). */
  assert_lookup (secrets, "chat.example", 3290, "alice", "old-secret");
  g_assert_cmpuint (count_items (new_keys), ==, 1);
  g_assert_cmpuint (count_items (old_keys), ==, 1);

  /* Found directly from now on; and clearing the account removes it. */
  assert_lookup (secrets, "chat.example", 3290, "alice", "old-secret");
  g_assert_true (clear (secrets, "chat.example", 3290, "alice", &error));
  g_assert_no_error (error);
  g_assert_cmpuint (count_items (old_keys), ==, 0);
}

/* ------------------------------------------------------------------ */

static void
lock_login_collection (void)
{
  g_autoptr (GDBusConnection) bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, NULL);
  g_autoptr (GVariant) reply = NULL;
  g_autoptr (GError) error = NULL;
  const char *paths[] = { "/org/freedesktop/secrets/collection/login", NULL };

  reply = g_dbus_connection_call_sync (bus, "org.freedesktop.secrets", "/org/freedesktop/secrets",
                                       "org.freedesktop.Secret.Service", "Lock",
                                       g_variant_new ("(^ao)", paths), G_VARIANT_TYPE ("(aoo)"),
                                       G_DBUS_CALL_FLAGS_NONE, 5000, NULL, &error);
  g_assert_no_error (error);
}

static gboolean
no_call_in_flight (gpointer secrets)
{
  return mimp_secret_store_get_in_flight (secrets, NULL) == 0;
}

static gboolean
keyring_running (void)
{
  g_autoptr (GDBusConnection) bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, NULL);

  return bus != NULL && name_has_owner (bus, "org.freedesktop.secrets");
}

/* The login collection is locked; unlocking it needs a prompt. */
static void
check_locked (guint timeout, gboolean declined, gboolean then_store)
{
  g_autoptr (MimpSecretStore) secrets = mimp_secret_store_new ();
  g_autoptr (GError) error = NULL;
  char *password;
  gint64 start;
  gint64 bound = (gint64) (timeout + 3) * G_USEC_PER_SEC;

  mimp_secret_store_set_timeout (secrets, 10);
  g_assert_true (store (secrets, "chat.example", 3290, "alice", "a-secret", &error));
  g_assert_no_error (error);
  assert_lookup (secrets, "chat.example", 3290, "alice", "a-secret");
  lock_login_collection ();
  mimp_secret_store_set_timeout (secrets, timeout);

  start = g_get_monotonic_time ();
  password = lookup (secrets, "chat.example", 3290, "alice", &error);
  g_test_message ("lookup: %s after %" G_GINT64_FORMAT " ms", error ? error->message : "(none)",
                  (g_get_monotonic_time () - start) / 1000);
  g_assert_null (password);
  g_assert_nonnull (error);
  if (declined)
    g_assert_error (error, MIMP_SECRET_STORE_ERROR, MIMP_SECRET_STORE_ERROR_LOCKED);
  else
    g_assert_error (error, MIMP_SECRET_STORE_ERROR, MIMP_SECRET_STORE_ERROR_TIMEOUT);
  g_assert_cmpint (g_get_monotonic_time () - start, <, bound);
  g_clear_error (&error);

  /* The keyring daemon survives the prompt that nobody answered (which
   * stays open: the call keeps its place until someone answers it). */
  test_settle (1000);
  g_assert_true (keyring_running ());
  if (declined)
    g_assert_true (test_wait_until (no_call_in_flight, secrets, 10));

  if (!then_store)
    return;
  start = g_get_monotonic_time ();
  g_assert_false (store (secrets, "chat.example", 3290, "alice", "b-secret", &error));
  g_test_message ("store: %s after %" G_GINT64_FORMAT " ms", error ? error->message : "(none)",
                  (g_get_monotonic_time () - start) / 1000);
  g_assert_true (g_error_matches (error, MIMP_SECRET_STORE_ERROR, MIMP_SECRET_STORE_ERROR_LOCKED) ||
                 g_error_matches (error, MIMP_SECRET_STORE_ERROR, MIMP_SECRET_STORE_ERROR_TIMEOUT));
  g_assert_cmpint (g_get_monotonic_time () - start, <, bound);
}

/* No prompter can be started on this bus: the unlock prompt is dismissed
 * at once, which is what declining it looks like to the app. */
static void
test_locked_declined (void)
{
  if (!g_test_subprocess ())
    {
      run_in_session (TRUE, FALSE);
      return;
    }
  check_locked (5, TRUE, TRUE);
}

/* gcr's prompter can be started on this bus and shows its unlock prompt
 * on the X server; nobody answers it: the store gives up in time. */
static void
test_locked_unanswered (void)
{
  if (!g_test_subprocess ())
    {
      if (!g_file_test ("/usr/share/dbus-1/services/org.gnome.keyring.SystemPrompter.service",
                        G_FILE_TEST_EXISTS))
        {
          g_test_skip ("gcr's prompter (package gcr) is not installed");
          return;
        }
      run_in_session (TRUE, TRUE);
      return;
    }
  check_locked (3, FALSE, FALSE);
}

/* Three lookups at once against a locked keyring whose prompt nobody
 * answers. gnome-keyring 42 aborts when a second unlock starts while the
 * first prompt is still on screen, or when that prompt is dismissed: the
 * store runs one call at a time and never cancels a started one; each
 * call still fails within its own timeout, and the keyring daemon
 * survives. */
static void
test_locked_unanswered_concurrent (void)
{
  g_autoptr (MimpSecretStore) secrets = NULL;
  g_autoptr (GError) error = NULL;
  const guint timeouts[] = { 3, 6, 6 };
  GAsyncResult *results[G_N_ELEMENTS (timeouts)] = { NULL };
  gint64 start;
  guint max_in_flight = 0;

  if (!g_test_subprocess ())
    {
      if (!g_file_test ("/usr/share/dbus-1/services/org.gnome.keyring.SystemPrompter.service",
                        G_FILE_TEST_EXISTS))
        {
          g_test_skip ("gcr's prompter (package gcr) is not installed");
          return;
        }
      run_in_session (TRUE, TRUE);
      return;
    }

  secrets = mimp_secret_store_new ();
  mimp_secret_store_set_timeout (secrets, 10);
  g_assert_true (store (secrets, "chat.example", 3290, "alice", "a-secret", &error));
  g_assert_no_error (error);
  lock_login_collection ();

  start = g_get_monotonic_time ();
  for (guint i = 0; i < G_N_ELEMENTS (timeouts); i++)
    {
      mimp_secret_store_set_timeout (secrets, timeouts[i]);
      mimp_secret_store_lookup_async (secrets, "mimp", "chat.example", 3290, "alice", NULL,
                                      test_store_result, &results[i]);
    }
  for (guint i = 0; i < G_N_ELEMENTS (timeouts); i++)
    {
      char *password;

      test_wait_result (&results[i], timeouts[i] + 10);
      password = mimp_secret_store_lookup_finish (secrets, results[i], &error);
      g_test_message ("lookup %u: %s after %" G_GINT64_FORMAT " ms", i,
                      error ? error->message : "(none)", (g_get_monotonic_time () - start) / 1000);
      g_assert_null (password);
      g_assert_error (error, MIMP_SECRET_STORE_ERROR, MIMP_SECRET_STORE_ERROR_TIMEOUT);
      g_assert_cmpint (g_get_monotonic_time () - start, <,
                       (gint64) (timeouts[i] + 3) * G_USEC_PER_SEC);
      g_clear_error (&error);
      g_clear_object (&results[i]);
    }

  /* Nothing overlapped, and the keyring daemon is still there. */
  test_settle (1000);
  mimp_secret_store_get_in_flight (secrets, &max_in_flight);
  g_assert_cmpuint (max_in_flight, ==, 1);
  g_assert_true (keyring_running ());
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/secret-store/roundtrip", test_roundtrip);
  g_test_add_func ("/secret-store/legacy-item", test_legacy_item);
  g_test_add_func ("/secret-store/storage-key", test_storage_key);
  g_test_add_func ("/secret-store/concurrent", test_concurrent);
  g_test_add_func ("/secret-store/no-service", test_no_service);
  g_test_add_func ("/secret-store/locked-declined", test_locked_declined);
  g_test_add_func ("/secret-store/locked-unanswered", test_locked_unanswered);
  g_test_add_func ("/secret-store/locked-unanswered-concurrent", test_locked_unanswered_concurrent);

  return g_test_run ();
}
