/* test-cryptully-client.c - CryptullyClient against the test relay and
 * scripted peers (cryptully_relay.py, cryptully_peer.py) on loopback: what
 * mimp-cli does not exercise: verification started here, the typing rule,
 * consent before a chat, a peer starting over, timeouts, disconnecting.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "cryptully.h"

#include "cryptully-test-child.h"

typedef struct
{
  Child *relay;
  guint16 port;
  CryptullyClient *client;
  /* what the client reported */
  GPtrArray *events;
} Fixture;

static void record (Fixture *f, const char *format, ...) G_GNUC_PRINTF (2, 3);

static void
record (Fixture *f, const char *format, ...)
{
  va_list args;

  va_start (args, format);
  g_ptr_array_add (f->events, g_strdup_vprintf (format, args));
  va_end (args);
}

static int
code_of (const GError *error)
{
  return error ? error->code : -1;
}

static void
on_requested (CryptullyClient *c, const char *nick, Fixture *f)
{
  record (f, "requested %s", nick);
}

static void
on_ready (CryptullyClient *c, const char *nick, Fixture *f)
{
  record (f, "ready %s", nick);
}

static void
on_ended (CryptullyClient *c, const char *nick, const GError *error, Fixture *f)
{
  record (f, "ended %s %d", nick, code_of (error));
}

static void
on_message (CryptullyClient *c, const char *nick, const char *text, Fixture *f)
{
  record (f, "message %s %s", nick, text);
}

static void
on_sent (CryptullyClient *c, const char *id, const GError *error, Fixture *f)
{
  record (f, "sent %s %d", id, code_of (error));
}

static void
on_typing (CryptullyClient *c, const char *nick, int state, Fixture *f)
{
  record (f, "typing %s %d", nick, state);
}

static void
on_question (CryptullyClient *c, const char *nick, const char *question, Fixture *f)
{
  record (f, "question %s %s", nick, question);
}

static void
on_smp (CryptullyClient *c, const char *nick, gboolean matched, const GError *error, Fixture *f)
{
  record (f, "smp %s %s %d", nick, matched ? "match" : "no", code_of (error));
}

typedef struct
{
  Fixture *f;
  const char *event;
} EventWait;

static gboolean
event_seen (gpointer data)
{
  EventWait *wait = data;

  for (guint i = 0; i < wait->f->events->len; i++)
    if (g_str_equal (wait->f->events->pdata[i], wait->event))
      {
        g_ptr_array_remove_index (wait->f->events, i);
        return TRUE;
      }
  return FALSE;
}

static void
expect_event (Fixture *f, const char *event)
{
  EventWait wait = { f, event };

  if (!test_wait_until (event_seen, &wait, WAIT_S))
    {
      for (guint i = 0; i < f->events->len; i++)
        g_printerr ("seen: %s\n", (char *) f->events->pdata[i]);
      g_error ("the client did not report: %s", event);
    }
}

static gboolean
is_online (gpointer data)
{
  return cryptully_client_get_state (data) == CRYPTULLY_STATE_ONLINE;
}

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  f->relay = child_spawn ("cryptully_relay.py", NULL);
  f->port = (guint16) g_ascii_strtoull (child_expect (f->relay, ""), NULL, 10);
  g_assert_cmpuint (f->port, >, 0);
  f->events = g_ptr_array_new_with_free_func (g_free);
  f->client = cryptully_client_new ("127.0.0.1", f->port, "Alice");
  cryptully_client_set_register_window (f->client, 200);
  g_signal_connect (f->client, "chat-requested", G_CALLBACK (on_requested), f);
  g_signal_connect (f->client, "chat-ready", G_CALLBACK (on_ready), f);
  g_signal_connect (f->client, "chat-ended", G_CALLBACK (on_ended), f);
  g_signal_connect (f->client, "message-received", G_CALLBACK (on_message), f);
  g_signal_connect (f->client, "send-finished", G_CALLBACK (on_sent), f);
  g_signal_connect (f->client, "typing-changed", G_CALLBACK (on_typing), f);
  g_signal_connect (f->client, "smp-question", G_CALLBACK (on_question), f);
  g_signal_connect (f->client, "smp-finished", G_CALLBACK (on_smp), f);
}

static gboolean
is_gone (gpointer data)
{
  return *(gpointer *) data == NULL;
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  gpointer weak = f->client;

  g_signal_handlers_disconnect_by_data (f->client, f);
  cryptully_client_disconnect (f->client);
  /* Pending reads and writes hold references until their callbacks ran:
   * every one must have let go shortly after. */
  g_object_add_weak_pointer (weak, &weak);
  g_object_unref (f->client);
  g_assert_true (test_wait_until (is_gone, &weak, WAIT_S));
  child_stop (f->relay);
  g_ptr_array_unref (f->events);
}

static void
go_online (Fixture *f)
{
  cryptully_client_start (f->client);
  g_assert_true (test_wait_until (is_online, f->client, WAIT_S));
  g_assert_cmpstr (cryptully_client_get_nick (f->client), ==, "alice");
}

static Child *
peer (Fixture *f, const char *nick, const char *extra, const char *extra2)
{
  g_autofree char *port = g_strdup_printf ("%u", f->port);
  const char *args[] = { "--port", port, "--nick", nick, extra, extra2, NULL };
  Child *child = child_spawn ("cryptully_peer.py", args);

  child_expect (child, "\"registered\"");
  return child;
}

static void
test_chat_and_typing (Fixture *f, gconstpointer data)
{
  Child *bob = peer (f, "bob", NULL, NULL);

  /* Queued while connecting, sent once registered and the chat is ready. */
  cryptully_client_start (f->client);
  cryptully_client_send_message (f->client, "BOB", "m1", "hi <b>bob</b> & co");
  expect_event (f, "ready bob");
  expect_event (f, "sent m1 -1");
  child_expect (bob, "\"text\": \"hi <b>bob</b> & co\"");

  child_send (bob, "[\"msg\", \"alice\", \"a <i>b</i> &amp; c\\nline\"]");
  expect_event (f, "message bob a <i>b</i> &amp; c\nline");
  child_send (bob, "[\"typing\", \"alice\", \"0\"]");
  expect_event (f, "typing bob 0");

  /* One ACTIVE per burst, then IDLE_TEXT after 1.5 s without edits. */
  cryptully_client_text_changed (f->client, "bob", TRUE);
  cryptully_client_text_changed (f->client, "bob", TRUE);
  child_expect (bob, "\"state\": \"0\"");
  child_expect (bob, "\"state\": \"2\"");
  g_assert_false (child_saw (bob, "\"state\": \"0\""));
  /* A message ends the burst without a stop status. */
  cryptully_client_text_changed (f->client, "bob", FALSE);
  child_expect (bob, "\"state\": \"0\"");
  cryptully_client_send_message (f->client, "bob", "m2", "done");
  child_expect (bob, "\"text\": \"done\"");
  expect_event (f, "sent m2 -1");
  g_usleep (1800 * 1000);
  child_send (bob, "[\"msg\", \"alice\", \"marker\"]");
  expect_event (f, "message bob marker");
  g_assert_false (child_saw (bob, "typing"));

  cryptully_client_end_chat (f->client, "bob");
  expect_event (f, "ended bob -1");
  child_expect (bob, "\"ended\"");
  g_assert_false (cryptully_client_is_chat_ready (f->client, "bob"));
  child_stop (bob);
}

static void
test_smp_started_here (Fixture *f, gconstpointer data)
{
  Child *bob = peer (f, "bob", "--smp-answer=blue", NULL);
  Child *tom = peer (f, "tom", "--tamper-proof", "--smp-answer=blue");
  g_autoptr (GError) error = NULL;

  go_online (f);
  g_assert_true (cryptully_client_open_chat (f->client, "bob", NULL));
  expect_event (f, "ready bob");
  g_assert_true (cryptully_client_start_smp (f->client, "bob", "Colour?", "blue", NULL));
  g_assert_false (cryptully_client_start_smp (f->client, "bob", "again", "x", &error));
  g_assert_error (error, CRYPTULLY_ERROR, CRYPTULLY_ERROR_BUSY);
  expect_event (f, "smp bob match -1");
  child_expect (bob, "\"result\": \"match\"");

  g_assert_true (cryptully_client_start_smp (f->client, "bob", "Colour?", "Blue", NULL));
  expect_event (f, "smp bob no 17");
  child_expect (bob, "\"result\": \"mismatch\"");

  /* Answering here, as the responder. */
  child_send (bob, "[\"smp\", \"alice\", \"Pet?\", \"cat\"]");
  expect_event (f, "question bob Pet?");
  g_assert_true (cryptully_client_answer_smp (f->client, "bob", "cat", NULL));
  expect_event (f, "smp bob match -1");
  child_expect (bob, "\"result\": \"match\"");

  /* A tampered proof from the responder. */
  g_assert_true (cryptully_client_open_chat (f->client, "tom", NULL));
  expect_event (f, "ready tom");
  g_assert_true (cryptully_client_start_smp (f->client, "tom", "Colour?", "blue", NULL));
  expect_event (f, "smp tom no 16");
  /* The chat goes on. */
  cryptully_client_send_message (f->client, "tom", "m3", "still fine");
  child_expect (tom, "\"text\": \"still fine\"");
  child_stop (tom);
  child_stop (bob);
}

static void
test_consent (Fixture *f, gconstpointer data)
{
  Child *eve = peer (f, "eve", NULL, NULL);
  g_autoptr (GError) error = NULL;

  go_online (f);
  child_send (eve, "[\"open\", \"alice\"]");
  expect_event (f, "requested eve");
  /* Nothing is answered until the user decides. */
  g_usleep (500 * 1000);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_assert_false (child_saw (eve, "ready"));
  g_assert_true (cryptully_client_reject_chat (f->client, "eve", NULL));
  child_expect (eve, "\"rejected\"");
  g_assert_false (cryptully_client_accept_chat (f->client, "eve", &error));
  g_assert_error (error, CRYPTULLY_ERROR, CRYPTULLY_ERROR_NOT_READY);

  child_send (eve, "[\"open\", \"alice\"]");
  expect_event (f, "requested eve");
  g_assert_true (cryptully_client_accept_chat (f->client, "eve", NULL));
  expect_event (f, "ready eve");
  child_expect (eve, "\"ready\"");

  /* The peer starts over inside a chat: the old one ends, a new request. */
  child_send (eve, "[\"helo-again\", \"alice\"]");
  expect_event (f, "ended eve 0");
  expect_event (f, "requested eve");
  child_stop (eve);
}

static void
test_failures (Fixture *f, gconstpointer data)
{
  Child *mute = peer (f, "mute", "--ignore-helo", NULL);

  cryptully_client_set_handshake_timeout (f->client, 1);
  go_online (f);
  cryptully_client_send_message (f->client, "ghost", "m1", "anyone?");
  expect_event (f, "sent m1 1");
  expect_event (f, "ended ghost 1");
  cryptully_client_send_message (f->client, "mute", "m2", "hello?");
  expect_event (f, "sent m2 102");
  cryptully_client_send_message (f->client, "ALICE", "m3", "me");
  expect_event (f, "sent m3 5");
  cryptully_client_send_message (f->client, "not valid", "m4", "x");
  expect_event (f, "sent m4 12");
  child_stop (mute);
}

static gboolean
is_disconnected (gpointer data)
{
  return cryptully_client_get_state (data) == CRYPTULLY_STATE_DISCONNECTED;
}

static void
test_disconnect (Fixture *f, gconstpointer data)
{
  Child *bob = peer (f, "bob", NULL, NULL);
  g_autoptr (CryptullyClient) taken = NULL;

  go_online (f);
  cryptully_client_send_message (f->client, "bob", "m1", "bye soon");
  expect_event (f, "sent m1 -1");
  cryptully_client_disconnect (f->client);
  g_assert_true (test_wait_until (is_disconnected, f->client, WAIT_S));
  expect_event (f, "ended bob -1");
  child_expect (bob, "\"ended\"");
  g_assert_null (cryptully_client_get_error (f->client));

  /* A client registering a nickname that is online (bob's) fails with 13. */
  taken = cryptully_client_new ("127.0.0.1", f->port, "bob");
  cryptully_client_start (taken);
  while (cryptully_client_get_state (taken) == CRYPTULLY_STATE_CONNECTING)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpint (cryptully_client_get_state (taken), ==, CRYPTULLY_STATE_FAILED);
  g_assert_error ((GError *) cryptully_client_get_error (taken), CRYPTULLY_ERROR,
                  CRYPTULLY_ERROR_NICK_IN_USE);
  child_stop (bob);
}

static void
on_message_to_bob (CryptullyClient *c, const char *nick, const char *text, Fixture *f)
{
  record (f, "bob got %s %s", nick, text);
}

static void
test_two_clients_crossing (Fixture *f, gconstpointer data)
{
  g_autoptr (CryptullyClient) bob = cryptully_client_new ("127.0.0.1", f->port, "bob");
  gpointer weak = NULL;

  cryptully_client_set_register_window (bob, 200);
  g_signal_connect (bob, "message-received", G_CALLBACK (on_message_to_bob), f);
  cryptully_client_start (bob);
  go_online (f);
  g_assert_true (test_wait_until (is_online, bob, WAIT_S));
  /* Both open at once: the HELOs cross; both messages arrive. */
  cryptully_client_send_message (f->client, "bob", "a1", "from alice");
  cryptully_client_send_message (bob, "alice", "b1", "from bob");
  expect_event (f, "message bob from bob");
  expect_event (f, "bob got alice from alice");
  expect_event (f, "sent a1 -1");
  g_assert_true (cryptully_client_is_chat_ready (bob, "ALICE"));

  g_signal_handlers_disconnect_by_data (bob, f);
  cryptully_client_disconnect (bob);
  weak = bob;
  g_object_add_weak_pointer (weak, &weak);
  g_clear_object (&bob);
  g_assert_true (test_wait_until (is_gone, &weak, WAIT_S));
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add ("/cryptully/client/chat-and-typing", Fixture, NULL, fixture_setup,
              test_chat_and_typing, fixture_teardown);
  g_test_add ("/cryptully/client/smp-started-here", Fixture, NULL, fixture_setup,
              test_smp_started_here, fixture_teardown);
  g_test_add ("/cryptully/client/consent", Fixture, NULL, fixture_setup, test_consent,
              fixture_teardown);
  g_test_add ("/cryptully/client/failures", Fixture, NULL, fixture_setup, test_failures,
              fixture_teardown);
  g_test_add ("/cryptully/client/disconnect", Fixture, NULL, fixture_setup, test_disconnect,
              fixture_teardown);
  g_test_add ("/cryptully/client/two-clients-crossing", Fixture, NULL, fixture_setup,
              test_two_clients_crossing, fixture_teardown);
  return g_test_run ();
}
