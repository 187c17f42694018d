/* test-accounts.c - accounts.ini: account types, and files from before them
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "mimp-account-manager.h"
#include "mimp-account.h"
#include "test-util.h"

/* accounts.ini as Mimp wrote it before accounts had a type. */
static const char v1_accounts[] = "[account a1]\n"
                                  "host=chat.example\n"
                                  "port=3290\n"
                                  "user=alice\n"
                                  "tls=false\n"
                                  "enabled=true\n"
                                  "\n"
                                  "[account a2]\n"
                                  "host=secure.example\n"
                                  "port=4000\n"
                                  "user=bob\n"
                                  "tls=true\n"
                                  "enabled=false\n"
                                  "fingerprint=AB:CD\n";

typedef struct
{
  char *dir;
  char *config;
  MimpHistory *history;
  MimpSecretStore *secrets;
} Fixture;

static void
fixture_set_up (Fixture *fx, gconstpointer data)
{
  g_autofree char *db = NULL;

  fx->dir = test_make_tmpdir ();
  db = g_build_filename (fx->dir, "history.db", NULL);
  fx->config = g_build_filename (fx->dir, "accounts.ini", NULL);
  fx->history = mimp_history_new (db);
  fx->secrets = mimp_secret_store_new ();
}

static void
fixture_tear_down (Fixture *fx, gconstpointer data)
{
  mimp_history_close (fx->history);
  g_clear_object (&fx->history);
  g_clear_object (&fx->secrets);
  g_free (fx->config);
  g_free (fx->dir);
}

static MimpAccountManager *
load (Fixture *fx)
{
  g_autoptr (GError) error = NULL;
  MimpAccountManager *manager = mimp_account_manager_new (fx->history, fx->secrets, fx->config);

  g_assert_true (mimp_account_manager_load (manager, &error));
  g_assert_no_error (error);
  return manager;
}

static void
test_v1_file (Fixture *fx, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (MimpAccountManager) manager = NULL;
  g_autoptr (MimpAccountManager) again = NULL;
  g_autoptr (GKeyFile) saved = g_key_file_new ();
  g_autofree char *protocol = NULL;
  MimpAccount *alice;
  MimpAccount *bob;

  g_assert_true (g_file_set_contents (fx->config, v1_accounts, -1, &error));
  manager = load (fx);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (manager)), ==, 2);

  /* Every account in an old file is a MIMP account, with all it had. */
  alice = mimp_account_manager_lookup (manager, "a1");
  bob = mimp_account_manager_lookup (manager, "a2");
  g_assert_nonnull (alice);
  g_assert_nonnull (bob);
  g_assert_cmpstr (mimp_protocol_get_id (mimp_account_get_protocol (alice)), ==, "mimp");
  g_assert_cmpstr (mimp_protocol_get_id (mimp_account_get_protocol (bob)), ==, "mimp");
  g_assert_cmpstr (mimp_account_get_host (bob), ==, "secure.example");
  g_assert_cmpuint (mimp_account_get_port (bob), ==, 4000);
  g_assert_true (mimp_account_get_use_tls (bob));
  g_assert_cmpstr (mimp_account_get_fingerprint (bob), ==, "AB:CD");
  g_assert_false (mimp_account_get_enabled (bob));
  g_assert_true (mimp_account_manager_find (manager, mimp_protocol_find ("mimp"), "chat.example",
                                            3290, "alice") == alice);

  /* Saved again, the type is written down. */
  g_assert_true (mimp_account_manager_save (manager, &error));
  g_assert_no_error (error);
  g_assert_true (g_key_file_load_from_file (saved, fx->config, G_KEY_FILE_NONE, &error));
  g_assert_no_error (error);
  protocol = g_key_file_get_string (saved, "account a1", "protocol", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (protocol, ==, "mimp");

  again = load (fx);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (again)), ==, 2);
  g_assert_cmpstr (mimp_account_get_fingerprint (mimp_account_manager_lookup (again, "a2")), ==,
                   "AB:CD");
}

/* An account of a type this build does not know is left out, with a
 * warning, and the others load. */
static void
test_unknown_type (Fixture *fx, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (MimpAccountManager) manager = NULL;
  g_autofree char *text = g_strconcat (
      v1_accounts, "\n[account a3]\nprotocol=carrier-pigeon\nhost=loft\nport=1\nuser=coo\n", NULL);

  g_assert_true (g_file_set_contents (fx->config, text, -1, &error));
  g_test_expect_message ("mimp-account-manager", G_LOG_LEVEL_WARNING,
                         "*unknown type (carrier-pigeon)*");
  manager = load (fx);
  g_test_assert_expected_messages ();
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (manager)), ==, 2);
  g_assert_null (mimp_account_manager_lookup (manager, "a3"));
}

/* What the UI reads of the MIMP type instead of asking "is this MIMP?". */
static void
test_mimp_type (void)
{
  MimpProtocol *mimp = mimp_protocol_find ("mimp");
  g_autoptr (GPtrArray) all = mimp_protocol_list ();
  g_autofree char *plain = NULL;
  g_autofree char *tls = NULL;
  g_autofree char *name = NULL;
  g_autoptr (GError) error = NULL;
  char *host = NULL;
  guint16 port = 0;

  g_assert_nonnull (mimp);
  g_assert_true (all->pdata[0] == mimp);
  g_assert_null (mimp_protocol_find ("no-such-type"));
  g_assert_true (mimp_protocol_has (mimp, MIMP_PROTOCOL_STORE_AND_FORWARD | MIMP_PROTOCOL_TLS));
  /* Private chats: end to end, verification, and typing where the server
   * has ephemeral messages. */
  g_assert_true (mimp_protocol_has (mimp, MIMP_PROTOCOL_END_TO_END | MIMP_PROTOCOL_VERIFICATION |
                                              MIMP_PROTOCOL_TYPING));
  g_assert_cmpuint (mimp_protocol_get_default_port (mimp, FALSE), ==, 3290);
  g_assert_cmpuint (mimp_protocol_get_default_port (mimp, TRUE), ==, 3291);
  g_assert_cmpuint (mimp_protocol_get_max_text (mimp), ==, 16384);

  g_assert_true (mimp_protocol_parse_server (mimp, " chat.example ", TRUE, &host, &port));
  g_assert_cmpstr (host, ==, "chat.example");
  g_assert_cmpuint (port, ==, 3291);
  g_clear_pointer (&host, g_free);
  g_assert_false (mimp_protocol_parse_server (mimp, "a b", FALSE, &host, &port));
  g_assert_true (mimp_protocol_normalize_peer (mimp, "Alice", &name, &error));
  g_assert_cmpstr (name, ==, "alice");
  g_clear_pointer (&name, g_free);
  g_assert_false (mimp_protocol_normalize_peer (mimp, "no spaces", &name, &error));
  g_assert_nonnull (error);

  /* Honest words: without TLS anyone on the way can read; with TLS the
   * operator still can. */
  plain = mimp_protocol_describe_security (mimp, FALSE, FALSE);
  tls = mimp_protocol_describe_security (mimp, TRUE, FALSE);
  g_assert_cmpint (mimp_protocol_get_security (mimp, FALSE), ==, MIMP_SECURITY_ANYONE);
  g_assert_cmpint (mimp_protocol_get_security (mimp, TRUE), ==, MIMP_SECURITY_SERVER);
  g_assert_cmpstr (mimp_security_level_get_icon_name (MIMP_SECURITY_SERVER), !=,
                   "channel-secure-symbolic");
  g_assert_nonnull (strstr (plain, "anyone on the network"));
  g_assert_nonnull (strstr (tls, "operator can read"));
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/accounts/v1-file", Fixture, NULL, fixture_set_up, test_v1_file, fixture_tear_down);
  g_test_add ("/accounts/unknown-type", Fixture, NULL, fixture_set_up, test_unknown_type,
              fixture_tear_down);
  g_test_add_func ("/accounts/mimp-type", test_mimp_type);
  return g_test_run ();
}
