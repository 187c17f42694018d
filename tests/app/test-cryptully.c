/* test-cryptully.c - Cryptully accounts: the real MimpAccount, MimpHistory
 * and MimpCryptullySession against the test relay and scripted peers
 * (tests/cryptully/cryptully_relay.py, cryptully_peer.py) on loopback
 *
 * Chat both ways (stored in the history), typing both ways, chat requests
 * accepted and declined, question checks (SMP) that match and that do not,
 * a message to a nickname that is not online (failed with the reason, then
 * Retry once it is), and the relay going away and coming back.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "cryptully.h"
#include "cryptully-test-child.h"
#include "protocols/cryptully/mimp-cryptully-protocol.h"
#include "mimp-account-manager.h"
#include "mimp-chat-list.h"
#include "mimp-history.h"
#include "test-util.h"

typedef struct
{
  Child *relay;
  guint16 port;
  char *dir;
  MimpHistory *history;
  MimpSecretStore *secrets;
  MimpAccountManager *accounts;
  MimpChatList *chats;
  MimpAccount *carol;
  GPtrArray *events; /* what the account reported, as text */
} Fixture;

static void
on_chat_requested (MimpAccount *account, const char *peer, Fixture *fx)
{
  g_ptr_array_add (fx->events, g_strdup_printf ("requested %s", peer));
}

static void
on_verification_asked (MimpAccount *account, const char *peer, const char *question, Fixture *fx)
{
  g_ptr_array_add (fx->events, g_strdup_printf ("asked %s %s", peer, question));
}

static void
on_verification_finished (MimpAccount *account, const char *peer, gboolean matched,
                          const GError *error, Fixture *fx)
{
  g_ptr_array_add (fx->events,
                   g_strdup_printf ("verified %s %s %d", peer, matched ? "match" : "no-match",
                                    error ? error->code : -1));
}

typedef struct
{
  Fixture *fx;
  const char *event;
} EventWait;

static gboolean
event_seen (gpointer data)
{
  EventWait *w = data;

  for (guint i = 0; i < w->fx->events->len; i++)
    if (g_str_equal (w->fx->events->pdata[i], w->event))
      {
        g_ptr_array_remove_index (w->fx->events, i);
        return TRUE;
      }
  return FALSE;
}

static void
expect_event (Fixture *fx, const char *event)
{
  EventWait w = { fx, event };

  if (!test_wait_until (event_seen, &w, WAIT_S))
    {
      g_autofree char *seen = NULL;

      g_ptr_array_add (fx->events, NULL);
      seen = g_strjoinv ("; ", (char **) fx->events->pdata);
      g_error ("The account never reported “%s” (it reported: %s)", event, seen);
    }
}

static gboolean
status_is (gpointer data)
{
  gpointer *args = data;
  return mimp_account_get_status (args[0]) == (MimpAccountStatus) GPOINTER_TO_INT (args[1]);
}

static void
wait_status (MimpAccount *account, MimpAccountStatus status, guint seconds)
{
  gpointer args[] = { account, GINT_TO_POINTER (status) };

  if (!test_wait_until (status_is, args, seconds))
    g_error ("The account never reached status %d (it is %d: %s)", status,
             mimp_account_get_status (account), mimp_account_get_status_message (account));
}

static Child *
relay_start (guint16 port)
{
  g_autofree char *port_text = g_strdup_printf ("%u", port);
  const char *args[] = { "--port", port_text, NULL };

  return child_spawn ("cryptully_relay.py", port ? args : NULL);
}

static Child *
peer_start (Fixture *fx, const char *nick, const char *const *extra)
{
  g_autofree char *port = g_strdup_printf ("%u", fx->port);
  g_autoptr (GPtrArray) args = g_ptr_array_new ();
  Child *peer;

  g_ptr_array_add (args, (gpointer) "--port");
  g_ptr_array_add (args, port);
  g_ptr_array_add (args, (gpointer) "--nick");
  g_ptr_array_add (args, (gpointer) nick);
  for (; extra && *extra; extra++)
    g_ptr_array_add (args, (gpointer) *extra);
  g_ptr_array_add (args, NULL);
  peer = child_spawn ("cryptully_peer.py", (const char *const *) args->pdata);
  child_expect (peer, "\"registered\"");
  return peer;
}

static void
fixture_set_up (Fixture *fx, gconstpointer data)
{
  g_autofree char *db = NULL;
  g_autofree char *config = NULL;

  fx->relay = relay_start (0);
  fx->port = (guint16) g_ascii_strtoull (child_expect (fx->relay, ""), NULL, 10);
  g_assert_cmpuint (fx->port, >, 0);
  fx->events = g_ptr_array_new_with_free_func (g_free);

  fx->dir = test_make_tmpdir ();
  db = g_build_filename (fx->dir, "history.db", NULL);
  config = g_build_filename (fx->dir, "accounts.ini", NULL);
  fx->history = mimp_history_new (db);
  fx->secrets = mimp_secret_store_new ();
  fx->accounts = mimp_account_manager_new (fx->history, fx->secrets, config);
  fx->chats = mimp_chat_list_new (fx->accounts);

  fx->carol = mimp_account_new (mimp_protocol_find ("cryptully"), NULL, "127.0.0.1", fx->port,
                                "carol", FALSE);
  g_signal_connect (fx->carol, "chat-requested", G_CALLBACK (on_chat_requested), fx);
  g_signal_connect (fx->carol, "verification-asked", G_CALLBACK (on_verification_asked), fx);
  g_signal_connect (fx->carol, "verification-finished", G_CALLBACK (on_verification_finished), fx);
  /* No password: it connects at once. */
  mimp_account_manager_add (fx->accounts, fx->carol);
  wait_status (fx->carol, MIMP_ACCOUNT_STATUS_ONLINE, WAIT_S);
}

static void
fixture_tear_down (Fixture *fx, gconstpointer data)
{
  g_signal_handlers_disconnect_by_data (fx->carol, fx);
  mimp_account_manager_stop_all (fx->accounts);
  g_clear_object (&fx->carol);
  g_clear_object (&fx->chats);
  g_clear_object (&fx->accounts);
  g_clear_object (&fx->secrets);
  mimp_history_close (fx->history);
  g_clear_object (&fx->history);
  if (fx->relay)
    child_stop (fx->relay);
  g_ptr_array_unref (fx->events);
  g_free (fx->dir);
}

/* ------------------------------------------------------------------ */

static MimpChatMessage *
last_message (MimpChat *chat)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (chat));
  g_autoptr (MimpChatMessage) message = NULL;

  if (n == 0)
    return NULL;
  message = g_list_model_get_item (G_LIST_MODEL (chat), n - 1);
  return message; /* the chat keeps it */
}

typedef struct
{
  MimpChat *chat;
  MimpMessageState state;
} StateWait;

static gboolean
last_in_state (gpointer data)
{
  StateWait *w = data;
  MimpChatMessage *message = last_message (w->chat);

  return message != NULL && mimp_chat_message_get_outgoing (message) &&
         mimp_chat_message_get_state (message) == w->state;
}

static void
wait_state (MimpChat *chat, MimpMessageState state)
{
  StateWait w = { chat, state };

  if (!test_wait_until (last_in_state, &w, WAIT_S))
    g_error ("The last message never reached state %d", state);
}

typedef struct
{
  MimpChat *chat;
  const char *text;
} TextWait;

static gboolean
last_incoming_is (gpointer data)
{
  TextWait *w = data;
  MimpChatMessage *message = last_message (w->chat);

  return message != NULL && !mimp_chat_message_get_outgoing (message) &&
         g_strcmp0 (mimp_chat_message_get_text (message), w->text) == 0;
}

static void
wait_incoming (MimpChat *chat, const char *text)
{
  TextWait w = { chat, text };

  if (!test_wait_until (last_incoming_is, &w, WAIT_S))
    g_error ("“%s” never arrived", text);
}

static gboolean
peer_typing_is (gpointer data)
{
  gpointer *args = data;
  return mimp_chat_get_peer_typing (args[0]) == (MimpTypingState) GPOINTER_TO_INT (args[1]);
}

static void
wait_peer_typing (MimpChat *chat, MimpTypingState state)
{
  gpointer args[] = { chat, GINT_TO_POINTER (state) };

  if (!test_wait_until (peer_typing_is, args, WAIT_S))
    g_error ("The peer's typing state never became %d", state);
}

static gboolean
not_loading (gpointer chat)
{
  return mimp_chat_get_loaded (chat) && !mimp_chat_get_loading (chat);
}

static MimpChat *
open_chat (Fixture *fx, const char *peer)
{
  MimpChat *chat = mimp_chat_list_ensure (fx->chats, fx->carol, peer);

  mimp_chat_load_older (chat);
  g_assert_true (test_wait_until (not_loading, chat, WAIT_S));
  return chat;
}

/* ------------------------------------------------------------------ */

static void
test_chat (Fixture *fx, gconstpointer data)
{
  Child *alice = peer_start (fx, "alice", NULL);
  MimpChat *chat = open_chat (fx, "alice");
  g_autoptr (MimpChat) reread = NULL;
  MimpChatMessage *message;

  /* Out: the chat opens (handshake), the message is sent, then stored as
   * sent. */
  mimp_chat_send (chat, "hello alice");
  child_expect (alice, "\"request\"");
  child_expect (alice, "\"ready\"");
  child_expect (alice, "\"text\": \"hello alice\"");
  wait_state (chat, MIMP_MESSAGE_STATE_SENT);
  message = last_message (chat);
  g_assert_null (mimp_chat_message_get_error (message));

  /* Typing from the peer: typing, stopped with text, then a message ends
   * it. */
  child_send (alice, "[\"typing\", \"carol\", \"0\"]");
  wait_peer_typing (chat, MIMP_TYPING_ACTIVE);
  child_send (alice, "[\"typing\", \"carol\", \"2\"]");
  wait_peer_typing (chat, MIMP_TYPING_PAUSED);
  child_send (alice, "[\"typing\", \"carol\", \"0\"]");
  wait_peer_typing (chat, MIMP_TYPING_ACTIVE);
  child_send (alice, "[\"msg\", \"carol\", \"hi carol <3\"]");
  wait_incoming (chat, "hi carol <3");
  g_assert_cmpint (mimp_chat_get_peer_typing (chat), ==, MIMP_TYPING_STOPPED);
  g_assert_cmpuint (mimp_chat_get_unread (chat), ==, 1);
  child_send (alice, "[\"typing\", \"carol\", \"1\"]");
  child_send (alice, "[\"typing\", \"carol\", \"0\"]");
  wait_peer_typing (chat, MIMP_TYPING_ACTIVE);
  child_send (alice, "[\"typing\", \"carol\", \"1\"]");
  wait_peer_typing (chat, MIMP_TYPING_STOPPED);

  /* Typing to the peer: the composer's rule (typing, then after 1.5 s
   * stopped with text left). */
  mimp_chat_composer_changed (chat, TRUE);
  child_expect (alice, "\"state\": \"0\"");
  child_expect (alice, "\"state\": \"2\"");

  /* Stored in the history: a new chat object reads both back. */
  reread = mimp_chat_new (fx->carol, "alice");
  mimp_chat_load_older (reread);
  g_assert_true (test_wait_until (not_loading, reread, WAIT_S));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (reread)), ==, 2);
  message = last_message (reread);
  g_assert_cmpstr (mimp_chat_message_get_text (message), ==, "hi carol <3");

  /* The peer leaves: its typing state goes with it. */
  child_send (alice, "[\"typing\", \"carol\", \"0\"]");
  wait_peer_typing (chat, MIMP_TYPING_ACTIVE);
  child_send (alice, "[\"end\", \"carol\"]");
  wait_peer_typing (chat, MIMP_TYPING_STOPPED);
  child_stop (alice);
}

static void
test_chat_requests (Fixture *fx, gconstpointer data)
{
  Child *alice = peer_start (fx, "alice", NULL);
  Child *dave = peer_start (fx, "dave", NULL);
  MimpChat *chat;

  /* Accepted: the handshake runs, then messages flow. */
  child_send (alice, "[\"open\", \"carol\"]");
  expect_event (fx, "requested alice");
  g_assert_false (child_saw (alice, "\"ready\""));
  mimp_account_answer_chat_request (fx->carol, "alice", TRUE);
  child_expect (alice, "\"ready\"");
  child_send (alice, "[\"msg\", \"carol\", \"thanks for accepting\"]");
  chat = open_chat (fx, "alice");
  wait_incoming (chat, "thanks for accepting");

  /* Declined: the requester hears so, and nothing is stored. */
  child_send (dave, "[\"open\", \"carol\"]");
  expect_event (fx, "requested dave");
  mimp_account_answer_chat_request (fx->carol, "dave", FALSE);
  child_expect (dave, "\"rejected\"");
  chat = open_chat (fx, "dave");
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (chat)), ==, 0);

  child_stop (dave);

  /* Our own request declined: the message fails, saying so. */
  {
    const char *reject[] = { "--reject", NULL };
    Child *erin = peer_start (fx, "erin", reject);

    chat = open_chat (fx, "erin");
    mimp_chat_send (chat, "may I?");
    child_expect (erin, "\"request\"");
    wait_state (chat, MIMP_MESSAGE_STATE_FAILED);
    g_assert_cmpstr (mimp_chat_message_get_error (last_message (chat)), ==,
                     "erin declined the chat.");
    child_stop (erin);
  }
  child_stop (alice);
}

static void
test_verification (Fixture *fx, gconstpointer data)
{
  const char *args[] = { "--smp-answer", "blue", NULL };
  Child *alice = peer_start (fx, "alice", args);
  MimpChat *chat = open_chat (fx, "alice");

  /* No chat yet: the check cannot start, and says so. */
  mimp_account_start_verification (fx->carol, "alice", "Favourite colour?", "blue");
  expect_event (fx, "verified alice no-match 106");

  mimp_chat_send (chat, "let us check");
  wait_state (chat, MIMP_MESSAGE_STATE_SENT);

  /* Started here: the same answer, then a different one. */
  mimp_account_start_verification (fx->carol, "alice", "Favourite colour?", "blue");
  child_expect (alice, "\"question\": \"Favourite colour?\"");
  expect_event (fx, "verified alice match -1");
  child_expect (alice, "\"result\": \"match\"");
  mimp_account_start_verification (fx->carol, "alice", "Favourite colour?", "red");
  expect_event (fx, "verified alice no-match -1");
  child_expect (alice, "\"result\": \"mismatch\"");

  /* Asked by the peer: the question reaches the account; the answer is
   * checked (each run over on both sides before the next starts). */
  child_send (alice, "[\"smp\", \"carol\", \"Pet?\", \"cat\"]");
  expect_event (fx, "asked alice Pet?");
  mimp_account_answer_verification (fx->carol, "alice", "cat");
  expect_event (fx, "verified alice match -1");
  child_expect (alice, "\"result\": \"match\"");

  child_send (alice, "[\"smp\", \"carol\", \"Pet?\", \"cat\"]");
  expect_event (fx, "asked alice Pet?");
  mimp_account_answer_verification (fx->carol, "alice", "dog");
  expect_event (fx, "verified alice no-match -1");
  child_expect (alice, "\"result\": \"mismatch\"");

  /* Whatever a check says, the level stays "not verified". */
  g_assert_cmpint (mimp_protocol_get_security (mimp_account_get_protocol (fx->carol), FALSE), ==,
                   MIMP_SECURITY_UNVERIFIED);
  child_stop (alice);
}

static void
test_offline_peer (Fixture *fx, gconstpointer data)
{
  MimpChat *chat = open_chat (fx, "bob");
  g_autofree char *client_id = NULL;
  MimpChatMessage *message;
  Child *bob;

  /* Not online: failed, with the sentence that says why and what to do. */
  mimp_chat_send (chat, "are you there?");
  wait_state (chat, MIMP_MESSAGE_STATE_FAILED);
  message = last_message (chat);
  client_id = g_strdup (mimp_chat_message_get_client_id (message));
  g_assert_cmpstr (mimp_chat_message_get_error (message), ==,
                   "bob is not online. Cryptully cannot keep messages for later: try again "
                   "when they are.");
  /* The account stays online. */
  g_assert_cmpint (mimp_account_get_status (fx->carol), ==, MIMP_ACCOUNT_STATUS_ONLINE);

  /* Bob comes online; Retry sends the same message (same row). */
  bob = peer_start (fx, "bob", NULL);
  mimp_chat_retry (chat, message);
  child_expect (bob, "\"text\": \"are you there?\"");
  wait_state (chat, MIMP_MESSAGE_STATE_SENT);
  g_assert_true (last_message (chat) == message);
  g_assert_cmpstr (mimp_chat_message_get_client_id (message), ==, client_id);
  g_assert_null (mimp_chat_message_get_error (message));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (chat)), ==, 1);
  child_stop (bob);
}

static void
test_relay_restart (Fixture *fx, gconstpointer data)
{
  MimpChat *chat = open_chat (fx, "alice");
  Child *alice;

  /* The relay goes away: waiting, with the reason and a retry time. */
  child_stop (fx->relay);
  fx->relay = NULL;
  wait_status (fx->carol, MIMP_ACCOUNT_STATUS_WAITING, WAIT_S);
  g_assert_nonnull (mimp_account_get_status_message (fx->carol));
  g_assert_cmpint (mimp_account_get_retry_time (fx->carol), >, 0);

  /* A message written meanwhile waits for the connection. */
  mimp_chat_send (chat, "after the outage");
  g_assert_true (test_wait_until (not_loading, chat, WAIT_S));

  /* It comes back on the same port: online again, by itself. */
  fx->relay = relay_start (fx->port);
  g_assert_cmpuint (g_ascii_strtoull (child_expect (fx->relay, ""), NULL, 10), ==, fx->port);
  alice = peer_start (fx, "alice", NULL);
  wait_status (fx->carol, MIMP_ACCOUNT_STATUS_ONLINE, 40);
  child_expect (alice, "\"text\": \"after the outage\"");
  wait_state (chat, MIMP_MESSAGE_STATE_SENT);
  child_stop (alice);
}

/* A message held for the connection survives the account being switched
 * off: still pending (nothing failed it), sent once it is on again. */
static void
test_disabled_while_waiting (Fixture *fx, gconstpointer data)
{
  MimpChat *chat = open_chat (fx, "alice");
  MimpChatMessage *message;
  Child *alice;

  child_stop (fx->relay);
  fx->relay = NULL;
  wait_status (fx->carol, MIMP_ACCOUNT_STATUS_WAITING, WAIT_S);
  mimp_chat_send (chat, "kept for later");
  g_assert_true (
      test_wait_until (last_in_state, &(StateWait){ chat, MIMP_MESSAGE_STATE_PENDING }, WAIT_S));
  message = last_message (chat);
  mimp_account_set_enabled (fx->carol, FALSE);
  wait_status (fx->carol, MIMP_ACCOUNT_STATUS_DISABLED, WAIT_S);
  test_wait_until (last_in_state, &(StateWait){ chat, MIMP_MESSAGE_STATE_FAILED }, 2);
  g_assert_cmpint (mimp_chat_message_get_state (message), ==, MIMP_MESSAGE_STATE_PENDING);

  fx->relay = relay_start (fx->port);
  child_expect (fx->relay, "");
  alice = peer_start (fx, "alice", NULL);
  mimp_account_set_enabled (fx->carol, TRUE);
  wait_status (fx->carol, MIMP_ACCOUNT_STATUS_ONLINE, WAIT_S);
  child_expect (alice, "\"text\": \"kept for later\"");
  wait_state (chat, MIMP_MESSAGE_STATE_SENT);
  g_assert_true (last_message (chat) == message);
  child_stop (alice);
}

static void
test_change_nickname (Fixture *fx, gconstpointer data)
{
  Child *alice = peer_start (fx, "alice", NULL);
  MimpChat *chat;

  /* Edited as the account dialog does: connected again as the new nickname,
   * on the same account (no password to move). */
  mimp_account_change_server (fx->carol, "127.0.0.1", fx->port, "caroline", FALSE, NULL);
  wait_status (fx->carol, MIMP_ACCOUNT_STATUS_ONLINE, WAIT_S);
  g_assert_cmpstr (mimp_account_get_user (fx->carol), ==, "caroline");
  child_send (alice, "[\"open\", \"caroline\"]");
  expect_event (fx, "requested alice");
  mimp_account_answer_chat_request (fx->carol, "alice", TRUE);
  child_expect (alice, "\"ready\"");
  child_send (alice, "[\"msg\", \"caroline\", \"found you\"]");
  chat = open_chat (fx, "alice");
  wait_incoming (chat, "found you");
  /* The old nickname is free again. */
  child_send (alice, "[\"open\", \"carol\"]");
  child_expect (alice, "\"relay-error\"");
  child_stop (alice);
}

/* The account type as the rest of the app reads it. */
static void
test_protocol (void)
{
  MimpProtocol *protocol = mimp_protocol_find ("cryptully");
  g_autoptr (GPtrArray) list = mimp_protocol_list ();
  g_autoptr (GError) error = NULL;
  g_autofree char *nick = NULL;
  g_autofree char *brief = NULL;
  const int codes[] = { 0,  1,  2,  3,  4,  5,  6,  7,   8,   9,   10,  11,  12,  13,
                        14, 15, 16, 17, 18, 19, 20, 100, 101, 102, 103, 104, 105, 106 };

  g_assert_nonnull (protocol);
  /* Offered after MIMP. */
  g_assert_cmpuint (list->len, >=, 2);
  g_assert_cmpstr (mimp_protocol_get_id (list->pdata[0]), ==, "mimp");
  g_assert_true (g_ptr_array_find (list, protocol, NULL));
  g_assert_cmpstr (mimp_protocol_get_display_name (protocol), ==, "Cryptully");
  g_assert_cmpstr (mimp_protocol_get_user_title (protocol), ==, "Nickname");
  g_assert_cmpuint (mimp_protocol_get_default_port (protocol, FALSE), ==, 9000);
  g_assert_cmpuint (mimp_protocol_get_capabilities (protocol), ==,
                    MIMP_PROTOCOL_TYPING | MIMP_PROTOCOL_END_TO_END | MIMP_PROTOCOL_VERIFICATION);

  /* Never more than earned. */
  g_assert_cmpint (mimp_protocol_get_security (protocol, FALSE), ==, MIMP_SECURITY_UNVERIFIED);
  g_assert_cmpstr (mimp_security_level_get_icon_name (mimp_protocol_get_security (protocol, TRUE)),
                   !=, "channel-secure-symbolic");
  brief = mimp_protocol_describe_security (protocol, FALSE, TRUE);
  g_assert_cmpstr (brief, ==, "end-to-end encrypted, not verified");

  g_assert_true (mimp_protocol_normalize_peer (protocol, "Alice42", &nick, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (nick, ==, "alice42");
  g_clear_pointer (&nick, g_free);
  g_assert_false (mimp_protocol_normalize_peer (protocol, "al ice", &nick, &error));
  g_assert_error (error, CRYPTULLY_ERROR, CRYPTULLY_ERROR_INVALID_NICK);
  g_assert_null (nick);

  /* Every error has a sentence of its own, not the library's words. */
  for (guint i = 0; i < G_N_ELEMENTS (codes); i++)
    {
      g_autoptr (GError) e = cryptully_error_new (codes[i]);
      g_autofree char *text = mimp_describe_error (e);

      g_assert_cmpstr (text, !=, cryptully_error_describe (codes[i]));
      g_assert_true (g_str_has_suffix (text, "."));
    }
  /* About one peer: named. */
  {
    g_autoptr (GError) offline = cryptully_error_new (CRYPTULLY_ERROR_NICK_NOT_FOUND);
    g_autoptr (GError) named = mimp_cryptully_error_for_peer (offline, "bob");
    g_autofree char *text = mimp_describe_error (named);

    g_assert_cmpstr (text, ==,
                     "bob is not online. Cryptully cannot keep messages for later: try again "
                     "when they are.");
  }
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/cryptully/protocol", test_protocol);
  g_test_add ("/cryptully/chat", Fixture, NULL, fixture_set_up, test_chat, fixture_tear_down);
  g_test_add ("/cryptully/chat-requests", Fixture, NULL, fixture_set_up, test_chat_requests,
              fixture_tear_down);
  g_test_add ("/cryptully/verification", Fixture, NULL, fixture_set_up, test_verification,
              fixture_tear_down);
  g_test_add ("/cryptully/offline-peer", Fixture, NULL, fixture_set_up, test_offline_peer,
              fixture_tear_down);
  g_test_add ("/cryptully/relay-restart", Fixture, NULL, fixture_set_up, test_relay_restart,
              fixture_tear_down);
  g_test_add ("/cryptully/disabled-while-waiting", Fixture, NULL, fixture_set_up,
              test_disabled_while_waiting, fixture_tear_down);
  g_test_add ("/cryptully/change-nickname", Fixture, NULL, fixture_set_up, test_change_nickname,
              fixture_tear_down);
  return g_test_run ();
}
