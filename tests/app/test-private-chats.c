/* test-private-chats.c - private chats of MIMP accounts, end to end
 *
 * Two real MimpAccounts (alice and bob, each with its own history and
 * private-chat state) through a real mimpd with the key directory, or
 * through tests/mimp10_server.py (a plain MIMP 1.0 server: 501 to FEATURES
 * and KEYS), with a real gnome-keyring holding the storage keys:
 * - a first message to a user who is offline, through the key directory,
 *   read by bob when he comes online, marked encrypted on both sides, with
 *   no plaintext in mimpd's database nor in either private-chat state;
 * - the same through a plain 1.0 server: the chat waits for bob's keys until
 *   he has been online once, then the message leaves encrypted;
 * - typing as ephemeral messages, verification with a question (a wrong
 *   answer fails, the right one verifies, on both sides), safety numbers;
 * - bob reinstalls: alice's verified chat says the key changed and her
 *   message waits until she accepts the new key;
 * - bob's app killed (SIGKILL) between storing a message and acknowledging
 *   it: nothing lost, nothing doubled, and the session goes on.
 * No message text, password or answer is ever put in argv or a log here.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib-unix.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <signal.h>
#include <sqlite3.h>
#include <string.h>
#include <sys/prctl.h>

#include "mimp-account-manager.h"
#include "mimp-chat.h"
#include "mimp-client-session.h"
#include "mimp-e2e-codec.h"
#include "mimp-history.h"
#include "test-util.h"

#define FIRST_TEXT "the eagle lands at noon"
#define REPLY_TEXT "roger, the eagle has landed"

typedef struct
{
  TestModels m;
  TestWorld world; /* or: */
  TestPeer *plain; /* mimp10_server.py */
  guint16 port;
  const char *alice_pw; /* on whichever of them runs */
  const char *bob_pw;
  MimpAccount *alice;
  MimpAccount *bob;
} Fixture;

/* ------------------------------------------------------------------ */
/* Servers and accounts                                               */
/* ------------------------------------------------------------------ */

static MimpAccount *
new_account (Fixture *fx, const char *user, const char *password)
{
  MimpAccount *account =
      mimp_account_new (mimp_protocol_find ("mimp"), NULL, "127.0.0.1", fx->port, user, FALSE);

  /* The password for this session only: the keyring holds the storage
   * keys of private chats, which is what this test is about. */
  mimp_account_use_password (account, password, TRUE);
  return account;
}

static void
fixture_set_up (Fixture *fx, gconstpointer data)
{
  test_models_set_up (&fx->m);
  if (g_strcmp0 (data, "plain") == 0)
    {
      /* A MIMP 1.0 server written from the text alone: no key directory. */
      fx->plain = test_peer_start ("plain");
      fx->port = fx->plain->port;
      fx->alice_pw = fx->plain->alice_pw;
      fx->bob_pw = fx->plain->bob_pw;
    }
  else
    {
      test_world_start (&fx->world, FALSE, NULL);
      fx->port = fx->world.port;
      fx->alice_pw = fx->world.alice_pw;
      fx->bob_pw = fx->world.bob_pw;
    }
  fx->alice = new_account (fx, "alice", fx->alice_pw);
  fx->bob = new_account (fx, "bob", fx->bob_pw);
}

static void
fixture_tear_down (Fixture *fx, gconstpointer data)
{
  test_models_tear_down (&fx->m);
  g_clear_object (&fx->alice);
  g_clear_object (&fx->bob);
  test_world_stop (&fx->world);
  g_clear_pointer (&fx->plain, test_peer_free);
}

/* ------------------------------------------------------------------ */
/* Looking                                                            */
/* ------------------------------------------------------------------ */

typedef struct
{
  Fixture *fx;
  MimpAccount *account;
  const char *peer;
  gboolean outgoing;
  const char *text;
  MimpMessageState state;
  MimpMessageProtection protection;
  guint count;
} Look;

/* How many messages of @look's chat match it. */
static guint
count_matching (Look *look)
{
  g_autoptr (GPtrArray) page =
      test_load_chat (look->fx->m.history, mimp_account_get_id (look->account), look->peer);
  guint n = 0;

  for (guint i = 0; i < page->len; i++)
    {
      MimpChatMessage *message = page->pdata[i];

      if (mimp_chat_message_get_outgoing (message) == look->outgoing &&
          g_strcmp0 (mimp_chat_message_get_text (message), look->text) == 0 &&
          mimp_chat_message_get_state (message) == look->state &&
          mimp_chat_message_get_protection (message) == look->protection)
        n++;
    }
  return n;
}

static gboolean
has_matching (gpointer data)
{
  return count_matching (data) >= 1;
}

/* Waits until @account's chat with @peer holds the message; asserts that
 * it is there once only. */
static void
wait_message (Fixture *fx, MimpAccount *account, const char *peer, gboolean outgoing,
              const char *text, MimpMessageState state, MimpMessageProtection protection)
{
  Look look = { fx, account, peer, outgoing, text, state, protection, 0 };

  if (!test_wait_until (has_matching, &look, 60))
    g_error ("%s never had the %s message in state %d, protection %d",
             mimp_account_get_user (account), outgoing ? "outgoing" : "received", state,
             protection);
  test_settle (300); /* time for a double to show */
  g_assert_cmpuint (count_matching (&look), ==, 1);
}

typedef struct
{
  MimpChat *chat;
  MimpChatPrivacy privacy;
} PrivacyWait;

static gboolean
has_privacy (gpointer data)
{
  PrivacyWait *wait = data;
  return mimp_chat_get_privacy (wait->chat) == wait->privacy;
}

static void
wait_privacy (MimpChat *chat, MimpChatPrivacy privacy)
{
  PrivacyWait wait = { chat, privacy };

  if (!test_wait_until (has_privacy, &wait, 60))
    g_error ("The chat with %s never became %d (it is %d)", mimp_chat_get_peer (chat), privacy,
             mimp_chat_get_privacy (chat));
}

static MimpChat *
chat_with (Fixture *fx, MimpAccount *account, const char *peer)
{
  return mimp_chat_list_ensure (fx->m.chats, account, peer);
}

/* Whether @needle is anywhere in the bytes of @path (and its journal). */
static gboolean
file_contains (const char *path, const char *needle)
{
  const char *suffixes[] = { "", "-wal", "-journal" };

  for (guint i = 0; i < G_N_ELEMENTS (suffixes); i++)
    {
      g_autofree char *name = g_strconcat (path, suffixes[i], NULL);
      g_autofree char *bytes = NULL;
      gsize len = 0;

      if (!g_file_get_contents (name, &bytes, &len, NULL))
        continue;
      if (memmem (bytes, len, needle, strlen (needle)) != NULL)
        return TRUE;
    }
  return FALSE;
}

static char *
e2e_path (MimpAccount *account)
{
  /* The codec is the account's own; its path is what it says. */
  g_autoptr (MimpMessageCodec) codec =
      mimp_protocol_create_codec (mimp_protocol_find ("mimp"), account);

  return mimp_e2e_codec_get_path (MIMP_E2E_CODEC (codec));
}

/* The storage key is in the keyring only: neither raw nor as the keyring
 * holds it (base64) in the state it seals, nor in the history. */
static void
assert_key_not_on_disk (Fixture *fx, MimpAccount *account, const char *state)
{
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) key = NULL;
  g_autofree char *text = NULL;
  g_autofree char *raw = NULL;
  gsize size = 0;
  const char *files[] = { state, mimp_history_get_path (fx->m.history) };

  mimp_secret_store_lookup_key_async (fx->m.secrets, mimp_account_get_id (account), NULL,
                                      test_store_result, &result);
  key = mimp_secret_store_lookup_key_finish (fx->m.secrets, test_wait_result (&result, 30), &error);
  g_assert_no_error (error);
  g_assert_nonnull (key);
  text = g_base64_encode (g_bytes_get_data (key, &size), g_bytes_get_size (key));
  for (guint i = 0; i < G_N_ELEMENTS (files); i++)
    {
      gsize len = 0;

      g_clear_pointer (&raw, g_free);
      g_assert_true (g_file_get_contents (files[i], &raw, &len, NULL));
      g_assert_null (memmem (raw, len, g_bytes_get_data (key, NULL), size));
      g_assert_false (file_contains (files[i], text));
    }
}

static gboolean
bob_published (gpointer data)
{
  Fixture *fx = data;
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;
  gboolean found = FALSE;

  if (sqlite3_open_v2 (mimpd_test_server_get_database (fx->world.server), &db, SQLITE_OPEN_READONLY,
                       NULL) == SQLITE_OK &&
      sqlite3_prepare_v2 (db, "SELECT count(*) FROM key_prekeys WHERE user = 'bob'", -1, &stmt,
                          NULL) == SQLITE_OK &&
      sqlite3_step (stmt) == SQLITE_ROW)
    found = sqlite3_column_int (stmt, 0) > 0;
  sqlite3_finalize (stmt);
  sqlite3_close (db);
  return found;
}

/* alice comes online and writes to bob, encrypted. Returns her chat with
 * him. */
static MimpChat *
alice_writes_first (Fixture *fx)
{
  MimpChat *alice_chat;

  test_models_add_online (&fx->m, fx->alice);
  alice_chat = chat_with (fx, fx->alice, "bob");
  mimp_chat_send (alice_chat, FIRST_TEXT);
  wait_message (fx, fx->alice, "bob", TRUE, FIRST_TEXT, MIMP_MESSAGE_STATE_SENT,
                MIMP_MESSAGE_PROTECTION_ENCRYPTED);
  wait_privacy (alice_chat, MIMP_CHAT_PRIVACY_UNVERIFIED);
  return alice_chat;
}

/* @bob (a process) runs until his keys are in the directory, and stops;
 * then alice writes to him. */
static MimpChat *
first_to_offline_bob (Fixture *fx, GSubprocess *bob)
{
  g_assert_true (test_wait_until (bob_published, fx, 60));
  g_subprocess_send_signal (bob, SIGTERM);
  g_assert_true (g_subprocess_wait (bob, NULL, NULL));
  g_object_unref (bob);
  return alice_writes_first (fx);
}

/* ------------------------------------------------------------------ */
/* Through the key directory                                          */
/* ------------------------------------------------------------------ */

typedef struct
{
  char *peer;
  char *question;
  gboolean asked;
  gboolean finished;
  gboolean matched;
  gboolean verified_by_peer;
  MimpTypingState typing;
  gboolean typed;
} Events;

static void
on_asked (MimpAccount *account, const char *peer, const char *question, Events *events)
{
  g_free (events->question);
  events->question = g_strdup (question);
  events->asked = TRUE;
}

static void
on_finished (MimpAccount *account, const char *peer, gboolean matched, const GError *error,
             Events *events)
{
  events->finished = TRUE;
  events->matched = matched;
}

static void
on_verified_by_peer (MimpAccount *account, const char *peer, Events *events)
{
  events->verified_by_peer = TRUE;
}

static void
on_typing (MimpAccount *account, const char *peer, MimpTypingState state, Events *events)
{
  events->typing = state;
  events->typed = TRUE;
}

static void
watch (MimpAccount *account, Events *events)
{
  g_signal_connect (account, "verification-asked", G_CALLBACK (on_asked), events);
  g_signal_connect (account, "verification-finished", G_CALLBACK (on_finished), events);
  g_signal_connect (account, "verified-by-peer", G_CALLBACK (on_verified_by_peer), events);
  g_signal_connect (account, "typing-changed", G_CALLBACK (on_typing), events);
}

static gboolean
flag_set (gpointer flag)
{
  return *(gboolean *) flag;
}

static char *
safety_number (MimpAccount *account, const char *peer)
{
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;
  char *number;

  mimp_account_e2e_safety_number_async (account, peer, NULL, test_store_result, &result);
  number = mimp_account_e2e_safety_number_finish (account, test_wait_result (&result, 30), &error);
  g_assert_no_error (error);
  return number;
}

/* Typing notices are relayed only to a waiting long poll: said again until
 * one arrives. */
static void
wait_typing (Fixture *fx, MimpChat *from_chat, Events *to_events)
{
  to_events->typed = FALSE;
  for (guint i = 0; i < 40 && !to_events->typed; i++)
    {
      mimp_account_send_typing (mimp_chat_get_account (from_chat), mimp_chat_get_peer (from_chat),
                                i % 2 ? MIMP_TYPING_PAUSED : MIMP_TYPING_ACTIVE);
      test_settle (250);
    }
  g_assert_true (to_events->typed);
}

static void
test_key_directory (Fixture *fx, gconstpointer data)
{
  Events alice_events = { 0 };
  Events bob_events = { 0 };
  g_autofree char *alice_state = NULL;
  g_autofree char *bob_state = NULL;
  g_autofree char *alice_number = NULL;
  g_autofree char *bob_number = NULL;
  MimpChat *alice_chat;
  MimpChat *bob_chat;

  /* bob has been online once: his keys are in the directory. */
  test_models_add_online (&fx->m, fx->bob);
  g_assert_true (test_wait_until (bob_published, fx, 30));
  mimp_account_set_enabled (fx->bob, FALSE);

  /* alice writes to bob, who is offline: the chat is private at once. */
  alice_chat = alice_writes_first (fx);

  /* What the server keeps is not the text. */
  g_assert_false (file_contains (mimpd_test_server_get_database (fx->world.server), FIRST_TEXT));

  /* bob comes online and reads it. */
  mimp_account_set_enabled (fx->bob, TRUE);
  wait_message (fx, fx->bob, "alice", FALSE, FIRST_TEXT, MIMP_MESSAGE_STATE_SENT,
                MIMP_MESSAGE_PROTECTION_ENCRYPTED);
  bob_chat = chat_with (fx, fx->bob, "alice");
  wait_privacy (bob_chat, MIMP_CHAT_PRIVACY_UNVERIFIED);

  mimp_chat_send (bob_chat, REPLY_TEXT);
  wait_message (fx, fx->alice, "bob", FALSE, REPLY_TEXT, MIMP_MESSAGE_STATE_SENT,
                MIMP_MESSAGE_PROTECTION_ENCRYPTED);
  g_assert_false (file_contains (mimpd_test_server_get_database (fx->world.server), REPLY_TEXT));

  /* Neither private-chat state holds a text. */
  alice_state = e2e_path (fx->alice);
  bob_state = e2e_path (fx->bob);
  g_assert_true (g_file_test (alice_state, G_FILE_TEST_EXISTS));
  g_assert_true (g_file_test (bob_state, G_FILE_TEST_EXISTS));
  g_assert_false (file_contains (alice_state, FIRST_TEXT));
  g_assert_false (file_contains (bob_state, FIRST_TEXT));
  g_assert_false (file_contains (alice_state, REPLY_TEXT));
  assert_key_not_on_disk (fx, fx->alice, alice_state);
  assert_key_not_on_disk (fx, fx->bob, bob_state);

  /* Typing, encrypted, as ephemeral messages. */
  watch (fx->alice, &alice_events);
  watch (fx->bob, &bob_events);
  wait_typing (fx, alice_chat, &bob_events);

  /* The same safety number on both sides. */
  alice_number = safety_number (fx->alice, "bob");
  bob_number = safety_number (fx->bob, "alice");
  g_assert_cmpuint (strlen (alice_number), ==, 12 * 5 + 11);
  g_assert_cmpstr (alice_number, ==, bob_number);

  /* A question with the wrong answer fails on alice's side... */
  mimp_account_start_verification (fx->alice, "bob", "Where did we meet?", "The Harbour Cafe");
  g_assert_true (test_wait_until (flag_set, &bob_events.asked, 60));
  g_assert_cmpstr (bob_events.question, ==, "Where did we meet?");
  mimp_account_answer_verification (fx->bob, "alice", "at the station");
  g_assert_true (test_wait_until (flag_set, &alice_events.finished, 60));
  g_assert_false (alice_events.matched);
  g_assert_cmpint (mimp_chat_get_privacy (alice_chat), ==, MIMP_CHAT_PRIVACY_UNVERIFIED);

  /* ...and the right one (not case-sensitive) verifies bob to alice, and
   * tells bob that alice verified him. */
  alice_events.finished = FALSE;
  bob_events.asked = FALSE;
  mimp_account_start_verification (fx->alice, "bob", "Where did we meet?", "The Harbour Cafe");
  g_assert_true (test_wait_until (flag_set, &bob_events.asked, 60));
  mimp_account_answer_verification (fx->bob, "alice", "  the harbour   cafe ");
  g_assert_true (test_wait_until (flag_set, &alice_events.finished, 60));
  g_assert_true (alice_events.matched);
  g_assert_true (test_wait_until (flag_set, &bob_events.verified_by_peer, 60));
  wait_privacy (alice_chat, MIMP_CHAT_PRIVACY_VERIFIED);
  g_assert_cmpint (mimp_chat_get_privacy (bob_chat), ==, MIMP_CHAT_PRIVACY_UNVERIFIED);

  /* A shared secret (no question) is mutual: bob verifies alice too. */
  bob_events.asked = FALSE;
  bob_events.finished = FALSE;
  alice_events.finished = FALSE;
  alice_events.verified_by_peer = FALSE;
  mimp_account_start_verification (fx->alice, "bob", NULL, "Blue Whale");
  g_assert_true (test_wait_until (flag_set, &bob_events.asked, 60));
  g_assert_null (bob_events.question);
  mimp_account_answer_verification (fx->bob, "alice", "blue whale");
  g_assert_true (test_wait_until (flag_set, &bob_events.finished, 60));
  g_assert_true (bob_events.matched);
  g_assert_true (test_wait_until (flag_set, &alice_events.finished, 60));
  g_assert_true (alice_events.matched);
  wait_privacy (bob_chat, MIMP_CHAT_PRIVACY_VERIFIED);
  g_assert_cmpint (mimp_chat_get_privacy (alice_chat), ==, MIMP_CHAT_PRIVACY_VERIFIED);

  g_signal_handlers_disconnect_by_data (fx->alice, &alice_events);
  g_signal_handlers_disconnect_by_data (fx->bob, &bob_events);
  g_free (alice_events.question);
  g_free (bob_events.question);
}

/* ------------------------------------------------------------------ */
/* Marks on what arrives                                              */
/* ------------------------------------------------------------------ */

static void
raw_sent (MimpClientSession *session, const char *client_id, const char *server_id,
          gint64 timestamp, const GError *error, gboolean *done)
{
  g_assert_no_error ((GError *) error);
  *done = TRUE;
}

/* Sends @text as bob straight through libmimp, past his app: what a
 * server (or anyone with bob's password) could put in the chat. */
static void
raw_send_as_bob (Fixture *fx, const char *text)
{
  g_autoptr (MimpClientSession) session =
      mimp_client_session_new ("127.0.0.1", fx->port, FALSE, "bob");
  g_autofree char *client_id = g_uuid_string_random ();
  gboolean done = FALSE;

  mimp_client_session_set_password (session, fx->bob_pw);
  mimp_client_session_set_receive (session, FALSE);
  g_signal_connect (session, "send-finished", G_CALLBACK (raw_sent), &done);
  mimp_client_session_start (session);
  mimp_client_session_send (session, client_id, "alice", text);
  g_assert_true (test_wait_until (flag_set, &done, 30));
  mimp_client_session_stop (session);
}

typedef struct
{
  Fixture *fx;
  MimpMessageProtection protection;
} MarkWait;

static gboolean
has_mark (gpointer data)
{
  MarkWait *wait = data;
  g_autoptr (GPtrArray) page =
      test_load_chat (wait->fx->m.history, mimp_account_get_id (wait->fx->alice), "bob");

  for (guint i = 0; i < page->len; i++)
    if (mimp_chat_message_get_protection (page->pdata[i]) == wait->protection)
      return TRUE;
  return FALSE;
}

static void
test_marks (Fixture *fx, gconstpointer data)
{
  MarkWait unencrypted = { fx, MIMP_MESSAGE_PROTECTION_UNENCRYPTED };
  MarkWait undecryptable = { fx, MIMP_MESSAGE_PROTECTION_UNDECRYPTABLE };
  g_autoptr (GPtrArray) page = NULL;
  MimpChat *alice_chat;

  test_models_add_online (&fx->m, fx->bob);
  test_models_add_online (&fx->m, fx->alice);
  g_assert_true (test_wait_until (bob_published, fx, 30));
  alice_chat = chat_with (fx, fx->alice, "bob");
  mimp_chat_send (chat_with (fx, fx->bob, "alice"), REPLY_TEXT);
  wait_message (fx, fx->alice, "bob", FALSE, REPLY_TEXT, MIMP_MESSAGE_STATE_SENT,
                MIMP_MESSAGE_PROTECTION_ENCRYPTED);
  wait_privacy (alice_chat, MIMP_CHAT_PRIVACY_UNVERIFIED);

  /* Plain text in a private chat is shown, marked. */
  raw_send_as_bob (fx, "plain words in a private chat");
  g_assert_true (test_wait_until (has_mark, &unencrypted, 30));
  wait_message (fx, fx->alice, "bob", FALSE, "plain words in a private chat",
                MIMP_MESSAGE_STATE_SENT, MIMP_MESSAGE_PROTECTION_UNENCRYPTED);
  g_assert_cmpint (mimp_chat_get_privacy (alice_chat), ==, MIMP_CHAT_PRIVACY_UNVERIFIED);

  /* What looks like an envelope but is not one is a mark, never text. */
  raw_send_as_bob (fx, "?MIMPE2E:1:M:bm90IGEgcmVhbCBlbnZlbG9wZQ");
  g_assert_true (test_wait_until (has_mark, &undecryptable, 30));
  wait_message (fx, fx->alice, "bob", FALSE, "", MIMP_MESSAGE_STATE_SENT,
                MIMP_MESSAGE_PROTECTION_UNDECRYPTABLE);

  /* alice asks bob to send again: what she has is not doubled, and the
   * chat goes on. */
  mimp_account_e2e_request_resend (fx->alice, "bob");
  test_settle (3000);
  mimp_chat_send (chat_with (fx, fx->bob, "alice"), FIRST_TEXT);
  wait_message (fx, fx->alice, "bob", FALSE, FIRST_TEXT, MIMP_MESSAGE_STATE_SENT,
                MIMP_MESSAGE_PROTECTION_ENCRYPTED);
  wait_message (fx, fx->alice, "bob", FALSE, REPLY_TEXT, MIMP_MESSAGE_STATE_SENT,
                MIMP_MESSAGE_PROTECTION_ENCRYPTED);
  page = test_load_chat (fx->m.history, mimp_account_get_id (fx->alice), "bob");
  g_assert_cmpuint (page->len, ==, 4);
}

/* ------------------------------------------------------------------ */
/* With mimp-cli --e2e at the other end                               */
/* ------------------------------------------------------------------ */

/* Runs `mimp-cli --e2e` as bob with @args, his keys in @state; the
 * password comes from the environment (texts go on standard input). */
static GSubprocess *
bob_cli (Fixture *fx, const char *state, const char *const *args, GSubprocessFlags flags)
{
  g_autoptr (GSubprocessLauncher) launcher = g_subprocess_launcher_new (flags);
  g_autofree char *server = g_strdup_printf ("127.0.0.1:%u", fx->port);
  g_autoptr (GStrvBuilder) builder = g_strv_builder_new ();
  g_auto (GStrv) argv = NULL;
  g_autoptr (GError) error = NULL;
  GSubprocess *cli;

  g_strv_builder_add_many (builder, g_getenv ("MIMP_CLI"), "--server", server, "--user", "bob",
                           "--e2e", "--state", state, NULL);
  g_strv_builder_addv (builder, (const char **) args);
  argv = g_strv_builder_end (builder);
  g_subprocess_launcher_setenv (launcher, "MIMP_PASSWORD", fx->bob_pw, TRUE);
  g_subprocess_launcher_set_child_setup (launcher, test_die_with_parent, NULL, NULL);
  cli = g_subprocess_launcher_spawnv (launcher, (const char *const *) argv, &error);
  g_assert_no_error (error);
  return cli;
}

static void
test_with_cli (Fixture *fx, gconstpointer data)
{
  g_autofree char *state = test_make_tmpdir ();
  g_autoptr (GSubprocess) cli = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autofree char *out = NULL;
  JsonObject *message;

  /* bob's mimp-cli has been online once: his keys are in the directory. */
  first_to_offline_bob (fx, bob_cli (fx, state, (const char *[]){ "listen", NULL },
                                     G_SUBPROCESS_FLAGS_STDOUT_SILENCE));

  /* bob's listen reads it, and says it was end-to-end encrypted. */
  cli = bob_cli (fx, state, (const char *[]){ "--json", "listen", "--count", "1", NULL },
                 G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_assert_true (g_subprocess_communicate_utf8 (cli, NULL, NULL, &out, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (cli));
  g_assert_cmpint (g_subprocess_get_exit_status (cli), ==, 0);
  g_clear_object (&cli);
  g_assert_true (json_parser_load_from_data (parser, out, -1, &error));
  g_assert_no_error (error);
  message = json_node_get_object (json_parser_get_root (parser));
  g_assert_cmpstr (json_object_get_string_member (message, "from"), ==, "alice");
  g_assert_cmpstr (json_object_get_string_member (message, "text"), ==, FIRST_TEXT);
  g_assert_true (json_object_get_boolean_member (message, "e2e"));

  /* bob answers; the app shows it, encrypted. */
  cli = bob_cli (fx, state, (const char *[]){ "send", "alice", "-", NULL },
                 G_SUBPROCESS_FLAGS_STDIN_PIPE);
  g_assert_true (g_subprocess_communicate_utf8 (cli, REPLY_TEXT, NULL, NULL, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpint (g_subprocess_get_exit_status (cli), ==, 0);
  wait_message (fx, fx->alice, "bob", FALSE, REPLY_TEXT, MIMP_MESSAGE_STATE_SENT,
                MIMP_MESSAGE_PROTECTION_ENCRYPTED);
  g_assert_false (file_contains (mimpd_test_server_get_database (fx->world.server), FIRST_TEXT));
  g_assert_false (file_contains (mimpd_test_server_get_database (fx->world.server), REPLY_TEXT));
}

/* ------------------------------------------------------------------ */
/* Unencrypted, by the user's choice                                  */
/* ------------------------------------------------------------------ */

static void
test_unencrypted_by_choice (Fixture *fx, gconstpointer data)
{
  Events bob_events = { 0 };
  MimpChat *alice_chat;

  test_models_add_online (&fx->m, fx->bob);
  test_models_add_online (&fx->m, fx->alice);
  watch (fx->bob, &bob_events);
  alice_chat = chat_with (fx, fx->alice, "bob");
  g_assert_cmpint (mimp_chat_get_privacy (alice_chat), ==, MIMP_CHAT_PRIVACY_WAITING);

  /* Before any key was exchanged, alice chooses to write unencrypted: the
   * chat says so, and her text and typing go as they are. */
  mimp_account_e2e_send_unencrypted (fx->alice, "bob");
  wait_privacy (alice_chat, MIMP_CHAT_PRIVACY_NONE);
  mimp_chat_send (alice_chat, FIRST_TEXT);
  wait_message (fx, fx->alice, "bob", TRUE, FIRST_TEXT, MIMP_MESSAGE_STATE_SENT,
                MIMP_MESSAGE_PROTECTION_NONE);
  wait_message (fx, fx->bob, "alice", FALSE, FIRST_TEXT, MIMP_MESSAGE_STATE_SENT,
                MIMP_MESSAGE_PROTECTION_NONE);
  g_assert_true (file_contains (mimpd_test_server_get_database (fx->world.server), FIRST_TEXT));
  wait_typing (fx, alice_chat, &bob_events);

  /* bob writes encrypted (he has alice's keys): from then on the chat is
   * private on alice's side too, and it does not fall back. */
  mimp_chat_send (chat_with (fx, fx->bob, "alice"), REPLY_TEXT);
  wait_message (fx, fx->alice, "bob", FALSE, REPLY_TEXT, MIMP_MESSAGE_STATE_SENT,
                MIMP_MESSAGE_PROTECTION_ENCRYPTED);
  wait_privacy (alice_chat, MIMP_CHAT_PRIVACY_UNVERIFIED);
  mimp_chat_send (alice_chat, "now we are private");
  wait_message (fx, fx->bob, "alice", FALSE, "now we are private", MIMP_MESSAGE_STATE_SENT,
                MIMP_MESSAGE_PROTECTION_ENCRYPTED);
  g_assert_false (
      file_contains (mimpd_test_server_get_database (fx->world.server), "now we are private"));
  g_signal_handlers_disconnect_by_data (fx->bob, &bob_events);
  g_free (bob_events.question);
}

/* ------------------------------------------------------------------ */
/* Through a plain MIMP 1.0 server                                    */
/* ------------------------------------------------------------------ */

static gboolean
still_pending (gpointer data)
{
  return FALSE;
}

static void
test_in_band (Fixture *fx, gconstpointer data)
{
  MimpChat *alice_chat;
  g_autoptr (GPtrArray) page = NULL;

  /* bob has never been online: there is no key directory to ask. */
  test_models_add_online (&fx->m, fx->alice);
  alice_chat = chat_with (fx, fx->alice, "bob");
  mimp_chat_send (alice_chat, FIRST_TEXT);
  wait_message (fx, fx->alice, "bob", TRUE, FIRST_TEXT, MIMP_MESSAGE_STATE_PENDING,
                MIMP_MESSAGE_PROTECTION_ENCRYPTED);
  wait_privacy (alice_chat, MIMP_CHAT_PRIVACY_WAITING);
  test_wait_until (still_pending, NULL, 3);
  wait_message (fx, fx->alice, "bob", TRUE, FIRST_TEXT, MIMP_MESSAGE_STATE_PENDING,
                MIMP_MESSAGE_PROTECTION_ENCRYPTED);

  /* bob comes online once: his app answers the key request, and the
   * message leaves, encrypted. */
  test_models_add_online (&fx->m, fx->bob);
  wait_message (fx, fx->bob, "alice", FALSE, FIRST_TEXT, MIMP_MESSAGE_STATE_SENT,
                MIMP_MESSAGE_PROTECTION_ENCRYPTED);
  wait_message (fx, fx->alice, "bob", TRUE, FIRST_TEXT, MIMP_MESSAGE_STATE_SENT,
                MIMP_MESSAGE_PROTECTION_ENCRYPTED);
  wait_privacy (alice_chat, MIMP_CHAT_PRIVACY_UNVERIFIED);

  /* The key request is no message in bob's chat. */
  page = test_load_chat (fx->m.history, mimp_account_get_id (fx->bob), "alice");
  g_assert_cmpuint (page->len, ==, 1);
}

/* ------------------------------------------------------------------ */
/* bob's keyring is reset, his account stays                          */
/* ------------------------------------------------------------------ */

static void
test_keyring_lost (Fixture *fx, gconstpointer data)
{
  g_autofree char *bob_state = NULL;
  g_autofree char *bob_id = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *aside_prefix = NULL;
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GDir) listing = NULL;
  const char *name;
  guint aside = 0;
  MimpChat *alice_chat;
  MimpAccount *old_bob = fx->bob;

  test_models_add_online (&fx->m, fx->bob);
  test_models_add_online (&fx->m, fx->alice);
  alice_chat = chat_with (fx, fx->alice, "bob");
  mimp_chat_send (alice_chat, FIRST_TEXT);
  wait_message (fx, fx->bob, "alice", FALSE, FIRST_TEXT, MIMP_MESSAGE_STATE_SENT,
                MIMP_MESSAGE_PROTECTION_ENCRYPTED);

  /* The keyring lost bob's storage key; his account, history and sealed
   * state stay. */
  bob_state = e2e_path (old_bob);
  bob_id = g_strdup (mimp_account_get_id (old_bob));
  mimp_account_manager_remove (fx->m.accounts, old_bob, TRUE);
  g_clear_object (&old_bob);
  fx->bob = NULL;
  g_assert_true (g_file_test (bob_state, G_FILE_TEST_EXISTS));
  mimp_secret_store_clear_key_async (fx->m.secrets, bob_id, NULL, test_store_result, &result);
  g_assert_true (
      mimp_secret_store_clear_finish (fx->m.secrets, test_wait_result (&result, 30), &error));
  g_assert_no_error (error);

  /* The same account starts again: the state no key opens is moved aside
   * (never opened with a wrong key, never deleted), and a new identity
   * begins, which alice takes as a changed key. */
  g_test_expect_message ("mimp-e2e-codec", G_LOG_LEVEL_WARNING, "*moved aside*");
  fx->bob =
      mimp_account_new (mimp_protocol_find ("mimp"), bob_id, "127.0.0.1", fx->port, "bob", FALSE);
  mimp_account_use_password (fx->bob, fx->bob_pw, TRUE);
  test_models_add_online (&fx->m, fx->bob);
  mimp_chat_send (chat_with (fx, fx->bob, "alice"), REPLY_TEXT);
  wait_message (fx, fx->alice, "bob", FALSE, REPLY_TEXT, MIMP_MESSAGE_STATE_SENT,
                MIMP_MESSAGE_PROTECTION_ENCRYPTED);
  g_test_assert_expected_messages ();

  g_assert_true (g_file_test (bob_state, G_FILE_TEST_EXISTS));
  dir = g_path_get_dirname (bob_state);
  aside_prefix = g_strconcat (strrchr (bob_state, G_DIR_SEPARATOR) + 1, ".unreadable-", NULL);
  listing = g_dir_open (dir, 0, &error);
  g_assert_no_error (error);
  while ((name = g_dir_read_name (listing)) != NULL)
    if (g_str_has_prefix (name, aside_prefix) && strchr (name + strlen (aside_prefix), '-') == NULL)
      aside++;
  g_assert_cmpuint (aside, ==, 1);
}

/* ------------------------------------------------------------------ */
/* bob reinstalls                                                     */
/* ------------------------------------------------------------------ */

static void
test_key_change (Fixture *fx, gconstpointer data)
{
  g_autofree char *bob_state = NULL;
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;
  MimpChat *alice_chat;
  MimpChat *bob_chat;
  MimpAccount *old_bob = fx->bob;

  test_models_add_online (&fx->m, fx->bob);
  test_models_add_online (&fx->m, fx->alice);
  alice_chat = chat_with (fx, fx->alice, "bob");
  mimp_chat_send (alice_chat, FIRST_TEXT);
  wait_message (fx, fx->bob, "alice", FALSE, FIRST_TEXT, MIMP_MESSAGE_STATE_SENT,
                MIMP_MESSAGE_PROTECTION_ENCRYPTED);
  /* alice compared safety numbers with bob by other means. */
  mimp_account_e2e_set_verified (fx->alice, "bob", TRUE);
  wait_privacy (alice_chat, MIMP_CHAT_PRIVACY_VERIFIED);

  /* bob's app is installed anew: removing his account with its history
   * took his private chats' state and storage key away. */
  bob_state = e2e_path (old_bob);
  g_assert_true (g_file_test (bob_state, G_FILE_TEST_EXISTS));
  mimp_account_manager_remove (fx->m.accounts, old_bob, FALSE);
  g_assert_false (g_file_test (bob_state, G_FILE_TEST_EXISTS));
  mimp_secret_store_lookup_key_async (fx->m.secrets, mimp_account_get_id (old_bob), NULL,
                                      test_store_result, &result);
  g_assert_null (
      mimp_secret_store_lookup_key_finish (fx->m.secrets, test_wait_result (&result, 30), &error));
  g_assert_no_error (error);
  fx->bob = new_account (fx, "bob", fx->bob_pw);
  g_object_unref (old_bob);
  test_models_add_online (&fx->m, fx->bob);

  /* bob writes with his new key: alice's chat says it changed... */
  bob_chat = chat_with (fx, fx->bob, "alice");
  mimp_chat_send (bob_chat, REPLY_TEXT);
  wait_privacy (alice_chat, MIMP_CHAT_PRIVACY_KEY_CHANGED);

  /* ...and what she writes waits until she accepts the new key. */
  mimp_chat_send (alice_chat, "are you still you?");
  wait_message (fx, fx->alice, "bob", TRUE, "are you still you?", MIMP_MESSAGE_STATE_PENDING,
                MIMP_MESSAGE_PROTECTION_ENCRYPTED);
  test_settle (2000);
  wait_message (fx, fx->alice, "bob", TRUE, "are you still you?", MIMP_MESSAGE_STATE_PENDING,
                MIMP_MESSAGE_PROTECTION_ENCRYPTED);
  mimp_account_e2e_accept_key_change (fx->alice, "bob");
  wait_privacy (alice_chat, MIMP_CHAT_PRIVACY_UNVERIFIED);
  wait_message (fx, fx->bob, "alice", FALSE, "are you still you?", MIMP_MESSAGE_STATE_SENT,
                MIMP_MESSAGE_PROTECTION_ENCRYPTED);
}

/* ------------------------------------------------------------------ */
/* Killed between storing and acknowledging                           */
/* ------------------------------------------------------------------ */

/* The child: bob's app (account id, history and state in @dir), online
 * until SIGTERM. */
static int
child_main (const char *dir, const char *port_s)
{
  g_autofree char *db = g_build_filename (dir, "history.db", NULL);
  g_autofree char *password = g_strdup (g_getenv ("MIMP_PASSWORD"));
  g_autoptr (MimpHistory) history = NULL;
  g_autoptr (MimpSecretStore) secrets = NULL;
  g_autoptr (MimpAccount) bob = NULL;
  g_autoptr (GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  guint64 port = 0;

  prctl (PR_SET_PDEATHSIG, SIGKILL);
  if (password == NULL || !g_ascii_string_to_unsigned (port_s, 10, 1, 65535, &port, NULL))
    return 1;
  g_unsetenv ("MIMP_PASSWORD");
  history = mimp_history_new (db);
  secrets = mimp_secret_store_new ();
  bob = mimp_account_new (mimp_protocol_find ("mimp"), "bob-app", "127.0.0.1", (guint16) port,
                          "bob", FALSE);
  mimp_account_set_services (bob, history, secrets);
  mimp_account_use_password (bob, password, TRUE); /* starts it */
  g_unix_signal_add (SIGTERM, (GSourceFunc) g_main_loop_quit, loop);
  g_main_loop_run (loop);
  mimp_account_stop (bob);
  g_clear_object (&bob);
  mimp_history_close (history);
  return 0;
}

static GSubprocess *
spawn_bob (Fixture *fx, const char *dir, gboolean kill_after_store)
{
  g_autoptr (GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_NONE);
  g_autofree char *self_exe = g_file_read_link ("/proc/self/exe", NULL);
  g_autofree char *port = g_strdup_printf ("%u", fx->port);
  g_autoptr (GError) error = NULL;
  GSubprocess *child;

  g_subprocess_launcher_setenv (launcher, "MIMP_PASSWORD", fx->bob_pw, TRUE);
  if (kill_after_store)
    g_subprocess_launcher_setenv (launcher, "MIMP_TEST_KILL_AFTER_STORE", "1", TRUE);
  g_subprocess_launcher_set_child_setup (launcher, test_die_with_parent, NULL, NULL);
  child = g_subprocess_launcher_spawn (launcher, &error, self_exe, "--child", dir, port, NULL);
  g_assert_no_error (error);
  return child;
}

/* How many received messages from alice with @text bob's history holds
 * (read from the file: the child owns it). */
static int
bob_count (const char *dir, const char *text)
{
  g_autofree char *db_path = g_build_filename (dir, "history.db", NULL);
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;
  int n = -1;

  if (sqlite3_open_v2 (db_path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
      sqlite3_prepare_v2 (db,
                          "SELECT count(*) FROM messages WHERE peer = 'alice' AND direction = 0 "
                          "AND text = ? AND protection = 1",
                          -1, &stmt, NULL) == SQLITE_OK)
    {
      sqlite3_bind_text (stmt, 1, text, -1, SQLITE_TRANSIENT);
      if (sqlite3_step (stmt) == SQLITE_ROW)
        n = sqlite3_column_int (stmt, 0);
    }
  sqlite3_finalize (stmt);
  sqlite3_close (db);
  return n;
}

typedef struct
{
  const char *dir;
  const char *text;
} BobHas;

static gboolean
bob_has (gpointer data)
{
  BobHas *has = data;
  return bob_count (has->dir, has->text) >= 1;
}

static void
wait_child_signaled (GSubprocess *child)
{
  g_autoptr (GError) error = NULL;

  g_assert_true (g_subprocess_wait (child, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_signaled (child));
  g_assert_cmpint (g_subprocess_get_term_sig (child), ==, SIGKILL);
}

static void
test_killed (Fixture *fx, gconstpointer data)
{
  g_autofree char *dir = test_make_tmpdir ();
  BobHas first = { dir, FIRST_TEXT };
  BobHas second = { dir, REPLY_TEXT };
  GSubprocess *child;
  MimpChat *alice_chat;

  /* bob's app once, to publish his keys. */
  alice_chat = first_to_offline_bob (fx, spawn_bob (fx, dir, FALSE));

  /* bob's app dies right after storing it, before telling the server. */
  child = spawn_bob (fx, dir, TRUE);
  wait_child_signaled (child);
  g_clear_object (&child);
  g_assert_cmpint (bob_count (dir, FIRST_TEXT), ==, 1);

  /* Started again, it gets the message again: kept once; then the next. */
  child = spawn_bob (fx, dir, FALSE);
  test_settle (1500);
  mimp_chat_send (alice_chat, REPLY_TEXT);
  g_assert_true (test_wait_until (bob_has, &second, 60));
  test_settle (500);
  g_subprocess_send_signal (child, SIGTERM);
  g_assert_true (g_subprocess_wait_check (child, NULL, NULL));
  g_clear_object (&child);
  g_assert_true (bob_has (&first));
  g_assert_cmpint (bob_count (dir, FIRST_TEXT), ==, 1);
  g_assert_cmpint (bob_count (dir, REPLY_TEXT), ==, 1);
}

int
main (int argc, char *argv[])
{
  if (argc == 4 && g_str_equal (argv[1], "--child"))
    return child_main (argv[2], argv[3]);

  g_test_init (&argc, &argv, NULL);
  test_start_keyring ();

#define ADD(path, kind, func)                                                                      \
  g_test_add (path, Fixture, kind, fixture_set_up, func, fixture_tear_down)
  ADD ("/private-chats/key-directory", NULL, test_key_directory);
  ADD ("/private-chats/with-cli", NULL, test_with_cli);
  ADD ("/private-chats/marks", NULL, test_marks);
  ADD ("/private-chats/unencrypted-by-choice", NULL, test_unencrypted_by_choice);
  ADD ("/private-chats/in-band", "plain", test_in_band);
  ADD ("/private-chats/key-change", NULL, test_key_change);
  ADD ("/private-chats/keyring-lost", NULL, test_keyring_lost);
  ADD ("/private-chats/killed", NULL, test_killed);
#undef ADD

  return g_test_run ();
}
