/* test-models.c - the app's models, on the in-memory test protocol
 *
 * MimpChatList (order by last activity, unread counts), MimpChat (paging
 * through the history), the outbox states of sent messages (pending, then
 * sent or failed, and Retry), and that nothing is shown twice, also when
 * the network delivers again what was not acknowledged, or when storing a
 * batch fails. The history and the account are the real ones; only the
 * wire is the test protocol's (mimp-test-protocol.h). Telling a real mimpd
 * what is stored (flush-acks) runs against a real mimpd.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gstdio.h>
#include <sqlite3.h>
#include <string.h>

#include "mimp.h"
#include "mimp-account-manager.h"
#include "mimp-chat-list.h"
#include "mimp-history.h"
#include "mimp-test-protocol.h"
#include "test-util.h"

typedef struct
{
  TestModels m;
  MimpTestNetwork *net; /* the wire of most tests */
  TestWorld world;      /* or a real mimpd */
  MimpChatList *chats;  /* m.chats, or the one a test looks at */
  MimpAccount *alice;
  gint64 start; /* a minute ago: before every message a test sends */
} Fixture;

static void
receive (Fixture *fx, const char *from, const char *text, guint seconds)
{
  g_autofree char *id =
      mimp_test_network_inject (fx->net, from, "alice", text, fx->start + seconds * 1000);

  g_assert_nonnull (id);
}

/* The network was told that all it has for alice is stored. */
static gboolean
all_acknowledged (gpointer data)
{
  Fixture *fx = data;
  g_autoptr (GPtrArray) mailbox = mimp_test_network_dup_mailbox (fx->net, "alice");

  return mimp_test_network_get_acknowledged (fx->net, "alice") == (gint64) mailbox->len;
}

static void
fixture_set_up (Fixture *fx, gconstpointer data)
{
  test_models_set_up (&fx->m);
  fx->chats = g_object_ref (fx->m.chats);
  fx->start = g_get_real_time () / 1000 - 60 * 1000;
  fx->net = mimp_test_network_new ();
  mimp_test_network_add_user (fx->net, "alice", NULL);
  mimp_test_network_add_user (fx->net, "bob", NULL);
  mimp_test_network_add_user (fx->net, "carol", NULL);
  fx->alice = mimp_test_network_new_account (fx->net, "alice");
  test_models_add_online (&fx->m, fx->alice);
}

static void
server_fixture_set_up (Fixture *fx, gconstpointer data)
{
  test_world_start (&fx->world, FALSE, NULL);
  test_models_set_up (&fx->m);
  fx->chats = g_object_ref (fx->m.chats);
  fx->alice = mimp_account_new (mimp_protocol_find ("mimp"), NULL, "127.0.0.1", fx->world.port,
                                "alice", FALSE);
  /* Kept in memory only: this test has no keyring (and does not wait long
   * for the one D-Bus would start, which nobody unlocks). */
  mimp_account_use_password (fx->alice, fx->world.alice_pw, TRUE);
  mimp_secret_store_set_timeout (fx->m.secrets, 2);
  test_models_add_online (&fx->m, fx->alice);
}

static void
fixture_tear_down (Fixture *fx, gconstpointer data)
{
  test_models_tear_down (&fx->m);
  g_clear_object (&fx->alice);
  g_clear_object (&fx->chats);
  g_clear_object (&fx->net);
  test_world_stop (&fx->world);
}

static MimpChat *
chat_at (MimpChatList *chats, guint position)
{
  g_autoptr (MimpChat) chat = g_list_model_get_item (G_LIST_MODEL (chats), position);
  return chat; /* the list keeps it */
}

static MimpChat *
chat_of (Fixture *fx, const char *peer)
{
  g_autofree char *key = mimp_chat_make_key (mimp_account_get_id (fx->alice), peer);
  return mimp_chat_list_lookup (fx->chats, key);
}

typedef struct
{
  Fixture *fx;
  const char *peer;
  guint unread;
} UnreadWait;

static gboolean
has_unread (gpointer data)
{
  UnreadWait *w = data;
  MimpChat *chat = chat_of (w->fx, w->peer);
  return chat != NULL && mimp_chat_get_unread (chat) == w->unread;
}

static void
wait_unread (Fixture *fx, const char *peer, guint unread)
{
  UnreadWait w = { fx, peer, unread };

  if (!test_wait_until (has_unread, &w, 30))
    g_error ("%s's chat never had %u unread", peer, unread);
}

/* Counts the changes a view would see, to check the model tells them. */
static void
on_items_changed (GListModel *model, guint position, guint removed, guint added, guint *changes)
{
  (*changes)++;
}

static gboolean
preview_is_mine (gpointer chat)
{
  return g_strcmp0 (mimp_chat_get_preview (chat), "You: see you") == 0;
}

typedef struct
{
  Fixture *fx;
  const char *peer;
} FirstWait;

static gboolean
is_first (gpointer data)
{
  FirstWait *w = data;
  return chat_at (w->fx->chats, 0) == chat_of (w->fx, w->peer);
}

/* The list moves chats once per main loop iteration, before the frame. */
static void
wait_first (Fixture *fx, const char *peer)
{
  FirstWait w = { fx, peer };

  if (!test_wait_until (is_first, &w, 10))
    g_error ("%s's chat never came first", peer);
}

static void
test_chat_list_order (Fixture *fx, gconstpointer data)
{
  g_autoptr (MimpChatList) restored = NULL;
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;
  guint changes = 0;

  g_signal_connect (fx->chats, "items-changed", G_CALLBACK (on_items_changed), &changes);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (fx->chats)), ==, 0);

  receive (fx, "bob", "one", 1);
  wait_unread (fx, "bob", 1);
  /* A chat's activity is when its newest message came (or the message's
   * time, if later): a later millisecond. */
  g_usleep (5000);
  receive (fx, "carol", "two", 2);
  wait_unread (fx, "carol", 1);
  /* A later millisecond than carol's, or the two tie. */
  g_usleep (5000);
  receive (fx, "bob", "three", 3);
  receive (fx, "bob", "four", 4);
  wait_unread (fx, "bob", 3);
  wait_first (fx, "bob");

  /* Newest activity first: bob wrote last. */
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (fx->chats)), ==, 2);
  g_assert_true (chat_at (fx->chats, 0) == chat_of (fx, "bob"));
  g_assert_true (chat_at (fx->chats, 1) == chat_of (fx, "carol"));
  g_assert_cmpuint (mimp_chat_list_get_unread (fx->chats), ==, 4);
  g_assert_cmpstr (mimp_chat_get_preview (chat_of (fx, "bob")), ==, "four");
  g_assert_cmpuint (changes, >=, 3);

  /* Carol writes again: her chat moves up. */
  g_usleep (5000);
  receive (fx, "carol", "five", 5);
  wait_unread (fx, "carol", 2);
  wait_first (fx, "carol");
  g_assert_true (chat_at (fx->chats, 0) == chat_of (fx, "carol"));
  g_assert_true (chat_at (fx->chats, 1) == chat_of (fx, "bob"));
  g_assert_cmpuint (mimp_chat_list_get_unread (fx->chats), ==, 5);

  /* Reading bob's chat: his count drops to 0, the total to carol's. */
  mimp_chat_mark_read (chat_of (fx, "bob"));
  g_assert_cmpuint (mimp_chat_get_unread (chat_of (fx, "bob")), ==, 0);
  g_assert_cmpuint (mimp_chat_list_get_unread (fx->chats), ==, 2);

  /* Own message: bob's chat is the newest again, and no unread. */
  g_usleep (5000);
  mimp_chat_send (chat_of (fx, "bob"), "see you");
  g_assert_true (test_wait_until (preview_is_mine, chat_of (fx, "bob"), 10));
  wait_first (fx, "bob");
  g_assert_cmpuint (mimp_chat_list_get_unread (fx->chats), ==, 2);

  /* A new list over the same history finds the same order and counts
   * (what the app sees after a restart). */
  restored = mimp_chat_list_new (fx->m.accounts);
  mimp_chat_list_load_async (restored, NULL, test_store_result, &result);
  test_wait_result (&result, 20);
  g_assert_true (mimp_chat_list_load_finish (restored, result, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (restored)), ==, 2);
  g_assert_cmpstr (mimp_chat_get_peer (chat_at (restored, 0)), ==, "bob");
  g_assert_cmpstr (mimp_chat_get_peer (chat_at (restored, 1)), ==, "carol");
  g_assert_cmpuint (mimp_chat_get_unread (chat_at (restored, 0)), ==, 0);
  g_assert_cmpuint (mimp_chat_get_unread (chat_at (restored, 1)), ==, 2);
  g_assert_cmpuint (mimp_chat_list_get_unread (restored), ==, 2);

  g_signal_handlers_disconnect_by_func (fx->chats, on_items_changed, &changes);
}

/* ------------------------------------------------------------------ */

static gboolean
not_loading (gpointer chat)
{
  return mimp_chat_get_loaded (chat) && !mimp_chat_get_loading (chat);
}

static void
on_chat_changed (GListModel *model, guint position, guint removed, guint added, guint *at)
{
  at[0] = position;
  at[1] = added;
}

/* Each message is the last of its group exactly when the next one does
 * not continue it, and the newest always is. */
static void
assert_groups (MimpChat *chat)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (chat));
  guint n_groups = 0;

  for (guint i = 0; i < n; i++)
    {
      g_autoptr (MimpChatMessage) message = g_list_model_get_item (G_LIST_MODEL (chat), i);
      g_autoptr (MimpChatMessage) next = NULL;

      if (i + 1 < n)
        next = g_list_model_get_item (G_LIST_MODEL (chat), i + 1);
      g_assert_cmpint (mimp_chat_message_get_last_in_group (message), ==,
                       next == NULL || !mimp_chat_message_get_grouped (next));
      g_assert_cmpint (mimp_chat_message_get_grouped (message), ==,
                       i > 0 && !mimp_chat_message_get_first_of_day (message));
      n_groups += mimp_chat_message_get_last_in_group (message);
    }
  g_assert_cmpuint (n_groups, <=, 2);
}

static void
test_paging (Fixture *fx, gconstpointer data)
{
  /* The last page short, whatever the page sizes. */
  const guint total =
      MIMP_CHAT_FIRST_PAGE_SIZE + MIMP_CHAT_OLDER_PAGE_SIZE + MIMP_CHAT_OLDER_PAGE_SIZE / 2 + 1;
  g_autoptr (GPtrArray) batch =
      g_ptr_array_new_with_free_func ((GDestroyNotify) mimp_incoming_unref);
  g_autoptr (GPtrArray) stored = NULL;
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (MimpChatMessage) first = NULL;
  g_autoptr (MimpChatMessage) last = NULL;
  gint64 start = g_get_real_time () / 1000 - total * 1000;
  guint change[2] = { G_MAXUINT, 0 };
  TestModelMirror *mirror;
  MimpChat *chat;

  /* History already holds a long conversation with bob. */
  for (guint i = 0; i < total; i++)
    {
      g_autofree char *id = g_strdup_printf ("old-%u", i);
      g_autofree char *text = g_strdup_printf ("message %u", i);
      g_ptr_array_add (batch, mimp_incoming_new ("bob", "alice", id, text, start + i * 1000, -1));
    }
  mimp_history_store_incoming_async (fx->m.history, mimp_account_get_id (fx->alice), "test", batch,
                                     NULL, test_store_result, &result);
  test_wait_result (&result, 30);
  stored = mimp_history_store_incoming_finish (fx->m.history, result, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (stored->len, ==, total);

  chat = mimp_chat_list_ensure (fx->chats, fx->alice, "bob");
  mirror = test_model_mirror_new (G_LIST_MODEL (chat));
  g_signal_connect (chat, "items-changed", G_CALLBACK (on_chat_changed), change);
  g_assert_false (mimp_chat_get_loaded (chat));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (chat)), ==, 0);

  /* Opening: the newest messages only, about a window's worth. */
  mimp_chat_load_older (chat);
  g_assert_true (mimp_chat_get_loading (chat));
  g_assert_true (test_wait_until (not_loading, chat, 20));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (chat)), ==, MIMP_CHAT_FIRST_PAGE_SIZE);
  g_assert_true (mimp_chat_get_has_more (chat));
  last = g_list_model_get_item (G_LIST_MODEL (chat), MIMP_CHAT_FIRST_PAGE_SIZE - 1);
  {
    g_autofree char *newest = g_strdup_printf ("message %u", total - 1);

    g_assert_cmpstr (mimp_chat_message_get_text (last), ==, newest);
  }

  /* Scrolling up: the page before, inserted at the top. */
  mimp_chat_load_older (chat);
  g_assert_true (test_wait_until (not_loading, chat, 20));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (chat)), ==,
                    MIMP_CHAT_FIRST_PAGE_SIZE + MIMP_CHAT_OLDER_PAGE_SIZE);
  g_assert_cmpuint (change[0], ==, 0);
  g_assert_cmpuint (change[1], ==, MIMP_CHAT_OLDER_PAGE_SIZE);
  g_assert_true (mimp_chat_get_has_more (chat));

  /* The last, short page: then nothing more to load. */
  mimp_chat_load_older (chat);
  g_assert_true (test_wait_until (not_loading, chat, 20));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (chat)), ==, total);
  g_assert_false (mimp_chat_get_has_more (chat));
  mimp_chat_load_older (chat);
  g_assert_false (mimp_chat_get_loading (chat));

  /* Oldest first, in order, each once. */
  for (guint i = 0; i < total; i++)
    {
      g_autoptr (MimpChatMessage) message = g_list_model_get_item (G_LIST_MODEL (chat), i);
      g_autofree char *text = g_strdup_printf ("message %u", i);
      g_assert_cmpstr (mimp_chat_message_get_text (message), ==, text);
    }
  first = g_list_model_get_item (G_LIST_MODEL (chat), 0);
  g_assert_true (mimp_chat_message_get_first_of_day (first));
  /* One sender, a second apart: one group (split only at midnight), whose
   * last message is the newest. */
  assert_groups (chat);
  g_assert_true (mimp_chat_message_get_last_in_group (last));

  /* A live message comes at the end. */
  g_free (mimp_test_network_inject (fx->net, "bob", "alice", "live", g_get_real_time () / 1000));
  wait_unread (fx, "bob", 1);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (chat)), ==, total + 1);
  g_clear_object (&last);
  last = g_list_model_get_item (G_LIST_MODEL (chat), total);
  g_assert_cmpstr (mimp_chat_message_get_text (last), ==, "live");
  /* It continues the group: the message before it is no longer the last. */
  assert_groups (chat);
  g_assert_true (mimp_chat_message_get_last_in_group (last));
  if (mimp_chat_message_get_grouped (last))
    {
      g_autoptr (MimpChatMessage) before = g_list_model_get_item (G_LIST_MODEL (chat), total - 1);
      g_assert_false (mimp_chat_message_get_last_in_group (before));
    }

  /* Off screen, the chat lets its messages go (they are in the history);
   * one arriving then counts but is not kept; opened again, the chat loads
   * its newest page, which has both. */
  mimp_chat_unload (chat);
  g_assert_false (mimp_chat_get_loaded (chat));
  g_assert_true (mimp_chat_get_has_more (chat));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (chat)), ==, 0);
  g_free (
      mimp_test_network_inject (fx->net, "bob", "alice", "while away", g_get_real_time () / 1000));
  wait_unread (fx, "bob", 2);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (chat)), ==, 0);
  mimp_chat_load_older (chat);
  g_assert_true (test_wait_until (not_loading, chat, 20));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (chat)), ==, MIMP_CHAT_FIRST_PAGE_SIZE);
  g_clear_object (&last);
  last = g_list_model_get_item (G_LIST_MODEL (chat), MIMP_CHAT_FIRST_PAGE_SIZE - 1);
  g_assert_cmpstr (mimp_chat_message_get_text (last), ==, "while away");
  {
    g_autoptr (MimpChatMessage) before =
        g_list_model_get_item (G_LIST_MODEL (chat), MIMP_CHAT_FIRST_PAGE_SIZE - 2);
    g_assert_cmpstr (mimp_chat_message_get_text (before), ==, "live");
  }
  g_signal_handlers_disconnect_by_func (chat, on_chat_changed, change);
  test_model_mirror_free (mirror);
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

static gboolean
has_messages (gpointer chat)
{
  return g_list_model_get_n_items (chat) > 0;
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
  return message != NULL && mimp_chat_message_get_state (message) == w->state;
}

static void
wait_state (MimpChat *chat, MimpMessageState state)
{
  StateWait w = { chat, state };

  if (!test_wait_until (last_in_state, &w, 30))
    g_error ("The last message never reached state %d", state);
}

static void
on_state (MimpChatMessage *message, GParamSpec *pspec, GArray *states)
{
  MimpMessageState state = mimp_chat_message_get_state (message);
  g_array_append_val (states, state);
}

static void
test_outbox (Fixture *fx, gconstpointer data)
{
  g_autoptr (GArray) states = g_array_new (FALSE, FALSE, sizeof (MimpMessageState));
  g_autoptr (GError) no_such_user = g_error_new_literal (
      MIMP_TEST_PROTOCOL_ERROR, MIMP_TEST_PROTOCOL_ERROR_NO_SUCH_USER, "No user frank");
  g_autofree char *reason = mimp_describe_error (no_such_user);
  g_autofree char *client_id = NULL;
  MimpChat *bob = mimp_chat_list_ensure (fx->chats, fx->alice, "bob");
  MimpChat *frank = mimp_chat_list_ensure (fx->chats, fx->alice, "frank");
  MimpChatMessage *message;

  mimp_chat_load_older (bob);
  mimp_chat_load_older (frank);
  g_assert_true (test_wait_until (not_loading, bob, 20));
  g_assert_true (test_wait_until (not_loading, frank, 20));

  /* Pending (stored, with a client id), then sent with the server's id. */
  mimp_chat_send (bob, "hello bob");
  g_assert_true (test_wait_until (has_messages, bob, 20));
  message = last_message (bob);
  g_assert_true (mimp_chat_message_get_outgoing (message));
  g_assert_nonnull (mimp_chat_message_get_client_id (message));
  wait_state (bob, MIMP_MESSAGE_STATE_SENT);
  g_assert_nonnull (mimp_chat_message_get_server_id (message));
  g_assert_null (mimp_chat_message_get_error (message));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (bob)), ==, 1);

  /* No such user: failed, with the reason. */
  mimp_chat_send (frank, "hello frank");
  g_assert_true (test_wait_until (has_messages, frank, 20));
  message = last_message (frank);
  client_id = g_strdup (mimp_chat_message_get_client_id (message));
  wait_state (frank, MIMP_MESSAGE_STATE_FAILED);
  g_assert_nonnull (mimp_chat_message_get_error (message));
  g_test_message ("failed: %s", mimp_chat_message_get_error (message));
  /* In the protocol's words. */
  g_assert_cmpstr (mimp_chat_message_get_error (message), ==, reason);

  /* Frank gets an account; Retry sends the same message (same client
   * id, same row): pending again, then sent. */
  mimp_test_network_add_user (fx->net, "frank", NULL);
  g_signal_connect (message, "notify::state", G_CALLBACK (on_state), states);
  mimp_chat_retry (frank, message);
  wait_state (frank, MIMP_MESSAGE_STATE_SENT);
  g_assert_cmpuint (states->len, >=, 2);
  g_assert_cmpint (g_array_index (states, MimpMessageState, 0), ==, MIMP_MESSAGE_STATE_PENDING);
  g_assert_cmpint (g_array_index (states, MimpMessageState, states->len - 1), ==,
                   MIMP_MESSAGE_STATE_SENT);
  g_assert_true (last_message (frank) == message);
  g_assert_cmpstr (mimp_chat_message_get_client_id (message), ==, client_id);
  g_assert_null (mimp_chat_message_get_error (message));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (frank)), ==, 1);
  g_signal_handlers_disconnect_by_func (message, on_state, states);
  mimp_test_network_assert_mailbox (fx->net, "frank", (const char *[]){ "hello frank", NULL });
  mimp_test_network_assert_mailbox (fx->net, "bob", (const char *[]){ "hello bob", NULL });
}

/* A send that fails for a reason of the protocol's own (final): failed
 * with the protocol's sentence for it; Retry sends it again with the same
 * client id, and it arrives once. */
static void
test_send_error (Fixture *fx, gconstpointer data)
{
  g_autoptr (GError) refused =
      g_error_new_literal (MIMP_TEST_PROTOCOL_ERROR, MIMP_TEST_PROTOCOL_ERROR_REFUSED, "refused");
  g_autofree char *reason = mimp_describe_error (refused);
  g_autofree char *client_id = NULL;
  g_autofree char *server_id = NULL;
  MimpChat *bob = mimp_chat_list_ensure (fx->chats, fx->alice, "bob");
  g_autoptr (GPtrArray) mailbox = NULL;
  MimpChatMessage *message;

  /* Not the error's own message: the protocol's sentence for its code. */
  g_assert_cmpstr (reason, !=, refused->message);
  mimp_chat_load_older (bob);
  g_assert_true (test_wait_until (not_loading, bob, 20));

  mimp_test_network_fail_next_send (fx->net, "alice", refused);
  mimp_chat_send (bob, "try me");
  wait_state (bob, MIMP_MESSAGE_STATE_FAILED);
  message = last_message (bob);
  client_id = g_strdup (mimp_chat_message_get_client_id (message));
  g_assert_nonnull (client_id);
  g_assert_cmpstr (mimp_chat_message_get_error (message), ==, reason);
  g_assert_null (mimp_chat_message_get_server_id (message));
  mimp_test_network_assert_mailbox (fx->net, "bob", (const char *[]){ NULL });

  mimp_chat_retry (bob, message);
  wait_state (bob, MIMP_MESSAGE_STATE_SENT);
  g_assert_true (last_message (bob) == message);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (bob)), ==, 1);
  g_assert_cmpstr (mimp_chat_message_get_client_id (message), ==, client_id);
  g_assert_null (mimp_chat_message_get_error (message));
  mailbox = mimp_test_network_dup_mailbox (fx->net, "bob");
  g_assert_cmpuint (mailbox->len, ==, 1);
  g_assert_cmpstr (((MimpIncoming *) mailbox->pdata[0])->text, ==, "try me");
  g_assert_cmpstr (((MimpIncoming *) mailbox->pdata[0])->peer, ==, "alice");
  server_id = g_strdup (((MimpIncoming *) mailbox->pdata[0])->remote_id);
  g_assert_cmpstr (mimp_chat_message_get_server_id (message), ==, server_id);
}

/* ------------------------------------------------------------------ */

static gboolean
n_items_is (gpointer data)
{
  gpointer *args = data;
  return g_list_model_get_n_items (args[0]) == GPOINTER_TO_UINT (args[1]);
}

static void
test_dedupe (Fixture *fx, gconstpointer data)
{
  g_autoptr (GPtrArray) batch =
      g_ptr_array_new_with_free_func ((GDestroyNotify) mimp_incoming_unref);
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) stored = NULL;
  MimpChat *bob = mimp_chat_list_ensure (fx->chats, fx->alice, "bob");
  MimpChat *self_chat = mimp_chat_list_ensure (fx->chats, fx->alice, "alice");
  gint64 now = g_get_real_time () / 1000;

  mimp_chat_load_older (bob);
  mimp_chat_load_older (self_chat);
  g_assert_true (test_wait_until (not_loading, bob, 20));
  g_assert_true (test_wait_until (not_loading, self_chat, 20));

  /* A message from bob, delivered, then delivered again with the same
   * server id (a redelivery after a lost acknowledgement): shown once. */
  receive (fx, "bob", "only once", 1);
  wait_unread (fx, "bob", 1);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (bob)), ==, 1);
  g_ptr_array_add (batch, mimp_incoming_new ("bob", "alice",
                                             mimp_chat_message_get_server_id (last_message (bob)),
                                             "only once", now, -1));
  mimp_history_store_incoming_async (fx->m.history, mimp_account_get_id (fx->alice), "test", batch,
                                     NULL, test_store_result, &result);
  test_wait_result (&result, 20);
  stored = mimp_history_store_incoming_finish (fx->m.history, result, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (stored->len, ==, 0);
  /* And the same row announced twice is added once. */
  mimp_chat_add_message (bob, last_message (bob), FALSE);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (bob)), ==, 1);

  /* Alice writes to herself: the server delivers her own message back to
   * her; the chat shows it once, as hers. */
  mimp_chat_send (self_chat, "note to self");
  wait_state (self_chat, MIMP_MESSAGE_STATE_SENT);
  receive (fx, "bob", "after", 2);
  wait_unread (fx, "bob", 2);
  g_assert_true (test_wait_until (n_items_is, (gpointer[]){ self_chat, GUINT_TO_POINTER (1) }, 5));
  /* The echo did come back, and the account is done with it (stored or
   * dropped, and acknowledged): no late echo can show up after this. */
  mimp_test_network_assert_mailbox (fx->net, "alice",
                                    (const char *[]){ "only once", "note to self", "after", NULL });
  g_assert_true (test_wait_until (all_acknowledged, fx, 10));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (self_chat)), ==, 1);
  g_assert_true (mimp_chat_message_get_outgoing (last_message (self_chat)));
  g_assert_cmpuint (mimp_chat_get_unread (self_chat), ==, 0);
}

/* ------------------------------------------------------------------ */

static void
on_message_added (MimpAccount *account, MimpChatMessage *message, guint *added)
{
  (*added)++;
}

typedef struct
{
  Fixture *fx;
  guint delivered;
} DeliveredWait;

static gboolean
delivered_and_acknowledged (gpointer data)
{
  DeliveredWait *w = data;

  return mimp_test_network_get_n_delivered (w->fx->net, "alice") == w->delivered &&
         all_acknowledged (w->fx);
}

static gboolean
alice_waiting (gpointer data)
{
  Fixture *fx = data;
  return mimp_account_get_status (fx->alice) == MIMP_ACCOUNT_STATUS_WAITING;
}

/* The network never heard the acknowledgement (it crashed before it
 * committed it, say): after a reconnect it delivers the message again,
 * and the app shows it once, counts it once and announces it once. */
static void
test_redelivery (Fixture *fx, gconstpointer data)
{
  g_autoptr (GError) closed =
      g_error_new_literal (MIMP_TEST_PROTOCOL_ERROR, MIMP_TEST_PROTOCOL_ERROR_CLOSED, "closed");
  g_autofree char *reason = mimp_describe_error (closed);
  MimpChat *bob = mimp_chat_list_ensure (fx->chats, fx->alice, "bob");
  guint added = 0;

  mimp_chat_load_older (bob);
  g_assert_true (test_wait_until (not_loading, bob, 20));
  g_signal_connect (fx->alice, "message-added", G_CALLBACK (on_message_added), &added);

  mimp_test_network_set_losing_acks (fx->net, TRUE);
  receive (fx, "bob", "only once", 1);
  receive (fx, "bob", "and this", 2);
  wait_unread (fx, "bob", 2);
  g_assert_cmpuint (mimp_test_network_get_n_delivered (fx->net, "alice"), ==, 2);
  g_assert_cmpint (mimp_test_network_get_acknowledged (fx->net, "alice"), ==, 0);
  mimp_test_network_set_losing_acks (fx->net, FALSE);

  /* The connection drops and comes back: both come again, and this time
   * the acknowledgement arrives. */
  mimp_test_network_set_online (fx->net, "alice", FALSE);
  g_assert_true (test_wait_until (alice_waiting, fx, 10));
  g_assert_cmpstr (mimp_account_get_status_message (fx->alice), ==, reason);
  mimp_test_network_set_online (fx->net, "alice", TRUE);
  g_assert_true (test_wait_until (test_account_is_online, fx->alice, 10));
  g_assert_true (test_wait_until (delivered_and_acknowledged, &(DeliveredWait){ fx, 4 }, 10));

  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (bob)), ==, 2);
  g_assert_cmpstr (mimp_chat_message_get_text (last_message (bob)), ==, "and this");
  g_assert_cmpuint (mimp_chat_get_unread (bob), ==, 2);
  g_assert_cmpuint (mimp_chat_list_get_unread (fx->chats), ==, 2);
  g_assert_cmpuint (added, ==, 2);

  /* What comes next comes once. */
  receive (fx, "bob", "new", 3);
  wait_unread (fx, "bob", 3);
  g_assert_true (test_wait_until (delivered_and_acknowledged, &(DeliveredWait){ fx, 5 }, 10));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (bob)), ==, 3);
  g_assert_cmpuint (added, ==, 3);
  g_signal_handlers_disconnect_by_func (fx->alice, on_message_added, &added);
}

/* Runs what is due on the main context now. While the network holds
 * deliveries, no other thread has work for this test. */
static void
drain (void)
{
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

/* A burst while the network held deliveries comes in order, in batches,
 * each message once, when the hold ends. */
static void
test_burst (Fixture *fx, gconstpointer data)
{
  const guint each = 60;
  MimpChat *bob;

  mimp_test_network_set_holding (fx->net, TRUE);
  for (guint i = 0; i < each; i++)
    {
      g_autofree char *text = g_strdup_printf ("message %u", i);

      /* A fifth of a second apart, bob first. */
      g_free (mimp_test_network_inject (fx->net, "bob", "alice", text, fx->start + 200 * i));
      g_free (
          mimp_test_network_inject (fx->net, "carol", "alice", text, fx->start + 200 * i + 100));
    }
  drain ();
  g_assert_cmpuint (mimp_test_network_get_n_delivered (fx->net, "alice"), ==, 0);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (fx->chats)), ==, 0);

  mimp_test_network_set_holding (fx->net, FALSE);
  wait_unread (fx, "bob", each);
  wait_unread (fx, "carol", each);
  g_assert_true (test_wait_until (all_acknowledged, fx, 10));
  g_assert_cmpuint (mimp_test_network_get_n_delivered (fx->net, "alice"), ==, 2 * each);
  g_assert_cmpuint (mimp_chat_list_get_unread (fx->chats), ==, 2 * each);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (fx->chats)), ==, 2);
  g_assert_cmpstr (mimp_chat_get_preview (chat_of (fx, "bob")), ==, "message 59");

  bob = chat_of (fx, "bob");
  mimp_chat_load_older (bob);
  g_assert_true (test_wait_until (not_loading, bob, 20));
  while (mimp_chat_get_has_more (bob))
    {
      mimp_chat_load_older (bob);
      g_assert_true (test_wait_until (not_loading, bob, 20));
    }
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (bob)), ==, each);
  for (guint i = 0; i < each; i++)
    {
      g_autoptr (MimpChatMessage) message = g_list_model_get_item (G_LIST_MODEL (bob), i);
      g_autofree char *text = g_strdup_printf ("message %u", i);

      g_assert_cmpstr (mimp_chat_message_get_text (message), ==, text);
    }
}

/* Sent while the account is cut off: pending, with the reason on the
 * account; sent once it is back, and delivered once. */
static void
test_offline_outbox (Fixture *fx, gconstpointer data)
{
  g_autoptr (GError) unreachable = g_error_new_literal (
      MIMP_TEST_PROTOCOL_ERROR, MIMP_TEST_PROTOCOL_ERROR_UNREACHABLE, "unreachable");
  g_autofree char *reason = mimp_describe_error (unreachable);
  MimpChat *bob = mimp_chat_list_ensure (fx->chats, fx->alice, "bob");

  mimp_chat_load_older (bob);
  g_assert_true (test_wait_until (not_loading, bob, 20));
  mimp_test_network_set_online (fx->net, "alice", FALSE);
  g_assert_true (test_wait_until (alice_waiting, fx, 10));
  /* A new attempt (Reconnect) does not get through either. */
  mimp_account_reconnect (fx->alice);
  g_assert_true (test_wait_until (alice_waiting, fx, 10));
  g_assert_cmpstr (mimp_account_get_status_message (fx->alice), ==, reason);

  mimp_chat_send (bob, "when you can");
  wait_state (bob, MIMP_MESSAGE_STATE_PENDING);
  drain ();
  g_assert_cmpint (mimp_chat_message_get_state (last_message (bob)), ==,
                   MIMP_MESSAGE_STATE_PENDING);
  mimp_test_network_assert_mailbox (fx->net, "bob", (const char *[]){ NULL });

  mimp_test_network_set_online (fx->net, "alice", TRUE);
  wait_state (bob, MIMP_MESSAGE_STATE_SENT);
  g_assert_true (mimp_account_get_status (fx->alice) == MIMP_ACCOUNT_STATUS_ONLINE);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (bob)), ==, 1);
  mimp_test_network_assert_mailbox (fx->net, "bob", (const char *[]){ "when you can", NULL });
}

static gboolean
needs_password (gpointer account)
{
  return mimp_account_get_status (account) == MIMP_ACCOUNT_STATUS_NEEDS_PASSWORD;
}

/* A protocol with passwords: a wrong one is refused in the protocol's
 * words, the right one signs in. */
static void
test_password (Fixture *fx, gconstpointer data)
{
  g_autoptr (GError) wrong = g_error_new_literal (MIMP_TEST_PROTOCOL_ERROR,
                                                  MIMP_TEST_PROTOCOL_ERROR_WRONG_PASSWORD, "wrong");
  g_autofree char *reason = mimp_describe_error (wrong);
  g_autoptr (MimpAccount) dave = NULL;

  mimp_test_protocol_set_capabilities (MIMP_PROTOCOL_STORE_AND_FORWARD | MIMP_PROTOCOL_PASSWORD);
  g_assert_true (mimp_protocol_has (mimp_test_protocol_get (), MIMP_PROTOCOL_PASSWORD));
  mimp_test_network_add_user (fx->net, "dave", "right");
  dave = mimp_test_network_new_account (fx->net, "dave");
  /* Kept in memory only: this test has no keyring. */
  mimp_account_use_password (dave, "wrong", TRUE);
  mimp_account_manager_add (fx->m.accounts, dave);
  g_assert_true (test_wait_until (needs_password, dave, 10));
  g_assert_cmpstr (mimp_account_get_status_message (dave), ==, reason);

  mimp_account_use_password (dave, "right", TRUE);
  g_assert_true (test_wait_until (test_account_is_online, dave, 10));
  mimp_test_protocol_set_capabilities (MIMP_PROTOCOL_STORE_AND_FORWARD);
}

static void
exec_on (const char *db_path, const char *sql)
{
  sqlite3 *db = NULL;
  char *message = NULL;

  g_assert_cmpint (sqlite3_open_v2 (db_path, &db, SQLITE_OPEN_READWRITE, NULL), ==, SQLITE_OK);
  sqlite3_busy_timeout (db, 10000);
  if (sqlite3_exec (db, sql, NULL, NULL, &message) != SQLITE_OK)
    g_error ("%s: %s", sql, message);
  sqlite3_close (db);
}

static gboolean
is_store_failure (const char *domain, const char *message)
{
  return g_strcmp0 (domain, "mimp-account") == 0 &&
         g_str_has_prefix (message, "Could not store received messages");
}

/* The account's warning that a store failed is what this test is after:
 * it is noted (and not fatal); any other warning still is. */
static void
on_account_warning (const char *domain, GLogLevelFlags level, const char *message, gpointer data)
{
  if (is_store_failure (domain, message))
    *(gboolean *) data = TRUE;
  else
    g_printerr ("%s: %s\n", domain, message);
}

static gboolean
store_failure_not_fatal (const char *domain, GLogLevelFlags level, const char *message,
                         gpointer data)
{
  return !is_store_failure (domain, message);
}

static gboolean
is_true (gpointer data)
{
  return *(gboolean *) data;
}

/* Storing a batch fails (the disk is full, say): it is not acknowledged,
 * so the network keeps it, and the account stores it a little later. */
static void
test_store_fails (Fixture *fx, gconstpointer data)
{
  g_autofree char *db = g_build_filename (fx->m.dir, "history.db", NULL);
  g_autoptr (GAsyncResult) result = NULL;
  gboolean failed = FALSE;
  guint handler;

  /* The history opens (and makes) its file on first use. */
  mimp_history_get_version_async (fx->m.history, NULL, test_store_result, &result);
  g_assert_cmpint (
      mimp_history_get_version_finish (fx->m.history, test_wait_result (&result, 10), NULL), ==,
      mimp_history_get_latest_version ());
  handler = g_log_set_handler ("mimp-account", G_LOG_LEVEL_WARNING | G_LOG_FLAG_FATAL,
                               on_account_warning, &failed);
  g_test_log_set_fatal_handler (store_failure_not_fatal, NULL);
  /* Every insert of a received message fails, as SQLite reports it. */
  exec_on (db, "CREATE TRIGGER full_disk BEFORE INSERT ON messages WHEN NEW.direction = 0 "
               "BEGIN SELECT RAISE (ABORT, 'database or disk is full'); END");

  receive (fx, "bob", "kept by the network", 1);
  g_assert_true (test_wait_until (is_true, &failed, 10));
  g_assert_cmpuint (mimp_test_network_get_n_delivered (fx->net, "alice"), ==, 1);
  g_assert_cmpint (mimp_test_network_get_acknowledged (fx->net, "alice"), ==, 0);
  g_assert_null (chat_of (fx, "bob"));

  exec_on (db, "DROP TRIGGER full_disk");
  /* Stored now, by the account's own retry (not a redelivery), and only
   * then acknowledged. */
  wait_unread (fx, "bob", 1);
  g_assert_true (test_wait_until (all_acknowledged, fx, 10));
  g_assert_cmpuint (mimp_test_network_get_n_delivered (fx->net, "alice"), ==, 1);
  g_assert_cmpstr (mimp_chat_get_preview (chat_of (fx, "bob")), ==, "kept by the network");
  g_test_log_set_fatal_handler (NULL, NULL);
  g_log_remove_handler ("mimp-account", handler);
}

/* ------------------------------------------------------------------ */

static void
test_flush_acks (Fixture *fx, gconstpointer data)
{
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (MimpHistory) history = NULL;
  g_autoptr (MimpAccountManager) accounts = NULL;
  g_autoptr (MimpChatList) chats = NULL;
  g_autofree char *db = g_build_filename (fx->m.dir, "second.db", NULL);
  g_autofree char *config = g_build_filename (fx->m.dir, "second.ini", NULL);
  gint64 start;

  test_world_send (&fx->world, "bob", "alice", "stored once");
  test_world_send (&fx->world, "bob", "alice", "stored twice");
  wait_unread (fx, "bob", 2);

  /* As the app quits: every online account tells the server, in time. */
  start = g_get_monotonic_time ();
  mimp_account_manager_flush_acks_async (fx->m.accounts, 1000, NULL, test_store_result, &result);
  test_wait_result (&result, 5);
  g_assert_true (mimp_account_manager_flush_acks_finish (fx->m.accounts, result, &error));
  g_assert_no_error (error);
  g_assert_cmpint (g_get_monotonic_time () - start, <, 1500 * 1000);

  /* The caller may stop waiting: at once, not at the timeout, and told so;
   * and a cancellable already cancelled stops it before it starts. */
  for (guint already = 0; already < 2; already++)
    {
      g_autoptr (GCancellable) cancellable = g_cancellable_new ();
      g_autoptr (GAsyncResult) cancelled = NULL;
      g_autoptr (GError) cancel_error = NULL;

      if (already)
        g_cancellable_cancel (cancellable);
      start = g_get_monotonic_time ();
      mimp_account_manager_flush_acks_async (fx->m.accounts, 20000, cancellable, test_store_result,
                                             &cancelled);
      g_cancellable_cancel (cancellable);
      test_wait_result (&cancelled, 5);
      g_assert_false (
          mimp_account_manager_flush_acks_finish (fx->m.accounts, cancelled, &cancel_error));
      g_assert_error (cancel_error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
      g_assert_cmpint (g_get_monotonic_time () - start, <, 5 * G_USEC_PER_SEC);
    }
  mimp_account_manager_stop_all (fx->m.accounts);

  /* The same user from an empty history: nothing comes again, but a new
   * message does. */
  history = mimp_history_new (db);
  accounts = mimp_account_manager_new (history, fx->m.secrets, config);
  chats = mimp_chat_list_new (accounts);
  g_clear_object (&fx->alice);
  fx->alice = mimp_account_new (mimp_protocol_find ("mimp"), NULL, "127.0.0.1", fx->world.port,
                                "alice", FALSE);
  mimp_account_use_password (fx->alice, fx->world.alice_pw, TRUE);
  mimp_account_manager_add (accounts, fx->alice);
  g_assert_true (test_wait_until (test_account_is_online, fx->alice, 30));
  g_clear_object (&fx->chats);
  fx->chats = g_object_ref (chats);
  test_world_send (&fx->world, "bob", "alice", "new");
  wait_unread (fx, "bob", 1);
  g_assert_cmpstr (mimp_chat_get_preview (chat_of (fx, "bob")), ==, "new");
  mimp_account_manager_stop_all (accounts);
  mimp_history_close (history);
}

static gboolean
e2e_locked (gpointer account)
{
  return mimp_account_get_e2e_locked (account);
}

/* How many private-chat envelopes mimpd still holds for @user (not
 * acknowledged yet). */
static int
held_for (Fixture *fx, const char *user)
{
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;
  int n = -1;

  if (sqlite3_open_v2 (mimpd_test_server_get_database (fx->world.server), &db, SQLITE_OPEN_READONLY,
                       NULL) == SQLITE_OK &&
      sqlite3_prepare_v2 (db,
                          "SELECT count(*) FROM messages WHERE recipient = ? AND "
                          "text LIKE '?MIMPE2E:%'",
                          -1, &stmt, NULL) == SQLITE_OK)
    {
      sqlite3_bind_text (stmt, 1, user, -1, SQLITE_TRANSIENT);
      if (sqlite3_step (stmt) == SQLITE_ROW)
        n = sqlite3_column_int (stmt, 0);
    }
  sqlite3_finalize (stmt);
  sqlite3_close (db);
  return n;
}

/* Private chats without a keyring (none answers here): the account says so,
 * plain messages still come in, an encrypted one waits on the server,
 * unacknowledged, and what alice writes waits for keys rather than leave
 * unencrypted. */
static void
test_keyring_locked (Fixture *fx, gconstpointer data)
{
  g_autofree char *state = test_make_tmpdir ();
  g_autofree char *server = g_strdup_printf ("127.0.0.1:%u", fx->world.port);
  const char *argv[] = {
    g_getenv ("MIMP_CLI"), "--server", server, "--user", "bob", "--e2e", "--state", state,
    "--timeout",           "2",        "send", "alice",  "-",   NULL
  };
  g_autoptr (GSubprocessLauncher) launcher =
      g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDERR_SILENCE);
  g_autoptr (GSubprocess) cli = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) page = NULL;

  g_assert_true (test_wait_until (e2e_locked, fx->alice, 30));

  test_world_send (&fx->world, "bob", "alice", "plain hello");
  wait_unread (fx, "bob", 1);

  /* bob's mimp-cli --e2e asks alice for her keys in-band: an envelope. */
  g_assert_cmpint (held_for (fx, "alice"), ==, 0);
  g_subprocess_launcher_setenv (launcher, "MIMP_PASSWORD", fx->world.bob_pw, TRUE);
  cli = g_subprocess_launcher_spawnv (launcher, argv, &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (cli, "a secret", NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  /* Still there after the account tried it again. */
  test_settle (7000);
  g_assert_cmpint (held_for (fx, "alice"), >=, 1);
  g_assert_cmpuint (mimp_chat_get_unread (chat_of (fx, "bob")), ==, 1);

  /* alice's message to bob waits for his keys. */
  mimp_account_send (fx->alice, "bob", "waits for keys");
  test_settle (2000);
  page = test_load_chat (fx->m.history, mimp_account_get_id (fx->alice), "bob");
  g_assert_cmpuint (page->len, ==, 2);
  g_assert_cmpstr (mimp_chat_message_get_text (page->pdata[1]), ==, "waits for keys");
  g_assert_cmpint (mimp_chat_message_get_state (page->pdata[1]), ==, MIMP_MESSAGE_STATE_PENDING);
  g_assert_cmpint (mimp_chat_message_get_protection (page->pdata[1]), ==,
                   MIMP_MESSAGE_PROTECTION_ENCRYPTED);
  g_assert_cmpint (held_for (fx, "bob"), ==, 0);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/models/chat-list-order", Fixture, NULL, fixture_set_up, test_chat_list_order,
              fixture_tear_down);
  g_test_add ("/models/paging", Fixture, NULL, fixture_set_up, test_paging, fixture_tear_down);
  g_test_add ("/models/outbox", Fixture, NULL, fixture_set_up, test_outbox, fixture_tear_down);
  g_test_add ("/models/send-error", Fixture, NULL, fixture_set_up, test_send_error,
              fixture_tear_down);
  g_test_add ("/models/flush-acks", Fixture, NULL, server_fixture_set_up, test_flush_acks,
              fixture_tear_down);
  g_test_add ("/models/keyring-locked", Fixture, NULL, server_fixture_set_up, test_keyring_locked,
              fixture_tear_down);
  g_test_add ("/models/dedupe", Fixture, NULL, fixture_set_up, test_dedupe, fixture_tear_down);
  g_test_add ("/models/redelivery", Fixture, NULL, fixture_set_up, test_redelivery,
              fixture_tear_down);
  g_test_add ("/models/store-fails", Fixture, NULL, fixture_set_up, test_store_fails,
              fixture_tear_down);
  g_test_add ("/models/burst", Fixture, NULL, fixture_set_up, test_burst, fixture_tear_down);
  g_test_add ("/models/offline-outbox", Fixture, NULL, fixture_set_up, test_offline_outbox,
              fixture_tear_down);
  g_test_add ("/models/password", Fixture, NULL, fixture_set_up, test_password, fixture_tear_down);

  return g_test_run ();
}
