/* test-notifier.c - notifications against dbusmock's notification daemon
 *
 * The daemon records every call; GetMethodCalls tells what the app asked
 * for, and EmitSignal ActionInvoked is a click. First MimpNotifier on its
 * own, then the app: which messages notify, and what a click and reading
 * the chat do. The app's account is of the in-memory test protocol: what
 * it receives goes through the real account and history to the notifier.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <adwaita.h>
#include <string.h>

#include "mimp-application.h"
#include "mimp-notifier.h"
#include "mimp-test-protocol.h"
#include "mimp-window.h"
#include "test-notify-mock.h"
#include "test-util.h"

typedef TestNotifyCall Call;

static GPtrArray *
get_notify_calls (void)
{
  return test_notify_mock_get_calls ();
}

static guint
n_notify_calls (void)
{
  return test_notify_mock_n_calls ();
}

static Call *
last_call (GPtrArray *calls)
{
  g_assert_cmpuint (calls->len, >, 0);
  return calls->pdata[calls->len - 1];
}

static gboolean
was_closed (guint id)
{
  return test_notify_mock_was_closed (id);
}

static void
click (guint id)
{
  test_notify_mock_invoke (id, "default");
}

/* The daemon has a Notify call once the notifier's idle callback made it. */
static gboolean
has_n_calls (gpointer n)
{
  return n_notify_calls () >= GPOINTER_TO_UINT (n);
}

/* ------------------------------------------------------------------ */
/* MimpNotifier                                                       */
/* ------------------------------------------------------------------ */

static void
on_activated (MimpNotifier *notifier, const char *key, char **out)
{
  g_free (*out);
  *out = g_strdup (key);
}

static gboolean
is_set (gpointer data)
{
  return *(char **) data != NULL;
}

/* The notifier shows from an idle callback: wait for the daemon to have
 * @n more Notify calls than @before, and check that no more come. */
static GPtrArray *
wait_notify_calls (guint before, guint n)
{
  GPtrArray *calls;

  g_assert_true (test_wait_until (has_n_calls, GUINT_TO_POINTER (before + n), 10));
  test_settle (100);
  calls = get_notify_calls ();
  g_assert_cmpuint (calls->len, ==, before + n);
  return calls;
}

static void
test_one_per_chat (void)
{
  g_autoptr (MimpNotifier) notifier = mimp_notifier_new ();
  g_autoptr (GPtrArray) calls = NULL;
  guint before = n_notify_calls ();
  guint first_id;
  Call *call;

  g_assert_true (mimp_notifier_message_received (notifier, "a/bob", "bob", "first"));
  g_assert_true (mimp_notifier_message_received (notifier, "a/carol", "carol", "hello"));
  g_assert_cmpuint (mimp_notifier_get_n_shown (notifier), ==, 2);

  calls = wait_notify_calls (before, 2);
  call = calls->pdata[before];
  g_assert_cmpuint (call->replaces, ==, 0);
  g_assert_cmpstr (call->summary, ==, "bob");
  g_assert_cmpstr (call->body, ==, "first");
  g_assert_true (test_notify_call_has_action (call, "default"));
  first_id = call->id;
  call = calls->pdata[before + 1];
  g_assert_cmpuint (call->replaces, ==, 0);
  g_assert_cmpuint (call->id, !=, first_id);
  g_assert_cmpstr (call->summary, ==, "carol");

  /* The next message of bob's chat updates its notification. */
  g_assert_true (mimp_notifier_message_received (notifier, "a/bob", "bob", "second"));
  g_assert_cmpuint (mimp_notifier_get_n_shown (notifier), ==, 2);
  g_clear_pointer (&calls, g_ptr_array_unref);
  calls = wait_notify_calls (before, 3);
  call = last_call (calls);
  g_assert_cmpuint (call->replaces, ==, first_id);
  g_assert_cmpstr (call->summary, ==, "bob");
  g_assert_cmpstr (call->body, ==, "second");

  mimp_notifier_withdraw_all (notifier);
}

/* A burst: one update per chat, showing the newest message. */
static void
test_burst (void)
{
  g_autoptr (MimpNotifier) notifier = mimp_notifier_new ();
  g_autoptr (GPtrArray) calls = NULL;
  guint before = n_notify_calls ();
  Call *call;

  for (guint i = 0; i < 50; i++)
    {
      g_autofree char *text = g_strdup_printf ("message %u", i);
      g_assert_true (mimp_notifier_message_received (notifier, "a/bob", "bob", text));
      g_assert_true (mimp_notifier_message_received (notifier, "a/carol", "carol", text));
    }
  calls = wait_notify_calls (before, 2);
  call = calls->pdata[before];
  g_assert_cmpstr (call->summary, ==, "bob");
  g_assert_cmpstr (call->body, ==, "message 49");
  call = calls->pdata[before + 1];
  g_assert_cmpstr (call->summary, ==, "carol");
  g_assert_cmpstr (call->body, ==, "message 49");

  /* Read before it was shown: nothing shown, nothing to close. */
  mimp_notifier_message_received (notifier, "a/dave", "dave", "hi");
  mimp_notifier_withdraw (notifier, "a/dave");
  test_settle (200);
  g_assert_cmpuint (n_notify_calls (), ==, before + 2);
  mimp_notifier_withdraw_all (notifier);
}

static void
test_privacy (void)
{
  g_autoptr (MimpNotifier) notifier = mimp_notifier_new ();
  g_autoptr (GPtrArray) calls = NULL;
  guint before = n_notify_calls ();
  Call *call;

  mimp_notifier_set_show_text (notifier, FALSE);
  g_assert_true (mimp_notifier_message_received (notifier, "a/bob", "bob", "secret plans"));
  g_assert_true (mimp_notifier_message_received (notifier, "a/bob", "bob", "more plans"));
  calls = wait_notify_calls (before, 1);
  g_assert_cmpstr (last_call (calls)->body, ==, "2 new messages");
  g_assert_true (mimp_notifier_message_received (notifier, "a/bob", "bob", "last plans"));
  g_clear_pointer (&calls, g_ptr_array_unref);
  calls = wait_notify_calls (before, 2);
  for (guint i = before; i < calls->len; i++)
    {
      call = calls->pdata[i];
      g_assert_cmpstr (call->summary, ==, "bob");
      g_assert_null (strstr (call->body, "plans"));
    }
  g_assert_cmpstr (last_call (calls)->body, ==, "3 new messages");
  mimp_notifier_withdraw_all (notifier);
}

static void
test_disabled_and_visible (void)
{
  g_autoptr (MimpNotifier) notifier = mimp_notifier_new ();
  guint before = n_notify_calls ();

  /* Off: nothing, not even for another chat. */
  mimp_notifier_set_enabled (notifier, FALSE);
  g_assert_false (mimp_notifier_message_received (notifier, "a/bob", "bob", "one"));
  g_assert_false (mimp_notifier_message_received (notifier, "a/carol", "carol", "two"));
  /* On, but bob's chat is on screen: only carol's message notifies. */
  mimp_notifier_set_enabled (notifier, TRUE);
  mimp_notifier_set_visible_chat (notifier, "a/bob");
  g_assert_false (mimp_notifier_message_received (notifier, "a/bob", "bob", "three"));
  g_assert_true (mimp_notifier_message_received (notifier, "a/carol", "carol", "four"));
  test_settle (200);
  g_assert_cmpuint (n_notify_calls (), ==, before + 1);
  mimp_notifier_withdraw_all (notifier);
}

static void
test_click_and_withdraw (void)
{
  g_autoptr (MimpNotifier) notifier = mimp_notifier_new ();
  g_autoptr (GPtrArray) calls = NULL;
  g_autofree char *activated = NULL;
  guint before;
  guint bob_id;
  guint carol_id;

  g_signal_connect (notifier, "activated", G_CALLBACK (on_activated), &activated);
  before = n_notify_calls ();
  mimp_notifier_message_received (notifier, "a/bob", "bob", "one");
  mimp_notifier_message_received (notifier, "a/carol", "carol", "two");
  calls = wait_notify_calls (before, 2);
  bob_id = ((Call *) calls->pdata[calls->len - 2])->id;
  carol_id = ((Call *) calls->pdata[calls->len - 1])->id;

  /* A click on carol's notification activates carol's chat. */
  click (carol_id);
  g_assert_true (test_wait_until (is_set, &activated, 10));
  g_assert_cmpstr (activated, ==, "a/carol");
  g_assert_cmpuint (mimp_notifier_get_n_shown (notifier), ==, 1);

  /* Bob's chat was read: its notification is closed. */
  g_assert_false (was_closed (bob_id));
  mimp_notifier_withdraw (notifier, "a/bob");
  g_assert_cmpuint (mimp_notifier_get_n_shown (notifier), ==, 0);
  test_settle (100);
  g_assert_true (was_closed (bob_id));

  /* The next message of bob's starts a new notification. */
  mimp_notifier_message_received (notifier, "a/bob", "bob", "three");
  g_clear_pointer (&calls, g_ptr_array_unref);
  calls = wait_notify_calls (before, 3);
  g_assert_cmpuint (last_call (calls)->replaces, ==, 0);
  g_assert_cmpuint (last_call (calls)->id, !=, bob_id);
  mimp_notifier_withdraw_all (notifier);
}

/* ------------------------------------------------------------------ */
/* The app                                                            */
/* ------------------------------------------------------------------ */

typedef struct
{
  MimpApplication *app;
  MimpTestNetwork *net;
  MimpAccount *account;
  gboolean ok;
} App;

static App fx;

/* A message for alice from @peer arrives on the network. */
static void
receive (const char *peer, const char *text)
{
  g_free (mimp_test_network_inject (fx.net, peer, "alice", text, g_get_real_time () / 1000));
}

static MimpChat *
chat_of (const char *peer)
{
  g_autofree char *key = mimp_chat_make_key (mimp_account_get_id (fx.account), peer);
  return mimp_chat_list_lookup (mimp_application_get_chats (fx.app), key);
}

static MimpWindow *
window (void)
{
  return MIMP_WINDOW (mimp_application_get_main_window (fx.app));
}

static gboolean
window_active (gpointer data)
{
  return window () != NULL && gtk_window_is_active (GTK_WINDOW (window ()));
}

static gboolean
window_shows (gpointer peer)
{
  return window () != NULL && mimp_window_get_chat (window ()) == chat_of (peer);
}

static gboolean
closed (gpointer id)
{
  return was_closed (GPOINTER_TO_UINT (id));
}

static gboolean
erin_has_unread (gpointer data)
{
  return chat_of ("erin") != NULL && mimp_chat_get_unread (chat_of ("erin")) == 1;
}

static gboolean
app_phase (gpointer data)
{
  GSettings *settings = mimp_application_get_settings (fx.app);
  g_autoptr (GPtrArray) calls = NULL;
  guint n;
  guint carol_id;
  guint dave_id;

  fx.net = mimp_test_network_new ();
  mimp_test_network_add_user (fx.net, "alice", NULL);
  fx.account = mimp_test_network_new_account (fx.net, "alice");
  mimp_account_manager_add (mimp_application_get_accounts (fx.app), fx.account);
  g_assert_true (test_wait_until (test_account_is_online, fx.account, 10));

  /* A first message from bob: no chat on screen, it notifies. */
  n = n_notify_calls ();
  receive ("bob", "hi alice");
  g_assert_true (test_wait_until (has_n_calls, GUINT_TO_POINTER (n + 1), 10));
  calls = get_notify_calls ();
  g_assert_cmpstr (last_call (calls)->summary, ==, "bob");
  g_assert_cmpstr (last_call (calls)->body, ==, "hi alice");
  g_assert_cmpuint (mimp_chat_get_unread (chat_of ("bob")), ==, 1);

  /* Bob's chat on screen in the focused window: read at once, no
   * notification for bob's next message, but one for carol's. */
  gtk_window_present (GTK_WINDOW (window ()));
  g_assert_true (test_wait_until (window_active, NULL, 10));
  mimp_window_open_chat (window (), chat_of ("bob"));
  g_assert_true (mimp_chat_list_get_seen_chat (mimp_application_get_chats (fx.app)) ==
                 chat_of ("bob"));
  g_assert_cmpuint (mimp_chat_get_unread (chat_of ("bob")), ==, 0);
  /* Opening it closed its notification. */
  g_assert_true (test_wait_until (closed, GUINT_TO_POINTER (last_call (calls)->id), 10));
  n = n_notify_calls ();
  receive ("bob", "are you there?");
  receive ("carol", "lunch?");
  g_assert_true (test_wait_until (has_n_calls, GUINT_TO_POINTER (n + 1), 10));
  test_settle (300);
  g_clear_pointer (&calls, g_ptr_array_unref);
  calls = get_notify_calls ();
  g_assert_cmpuint (calls->len, ==, n + 1);
  g_assert_cmpstr (last_call (calls)->summary, ==, "carol");
  g_assert_cmpuint (mimp_chat_get_unread (chat_of ("bob")), ==, 0);
  g_assert_cmpuint (mimp_chat_get_unread (chat_of ("carol")), ==, 1);
  carol_id = last_call (calls)->id;

  /* The window hidden (running in the background): bob's chat is no
   * longer on screen, his messages notify again; one more from carol
   * updates her notification. */
  gtk_widget_set_visible (GTK_WIDGET (window ()), FALSE);
  mimp_window_update_seen (window ());
  n = n_notify_calls ();
  receive ("bob", "hello?");
  receive ("carol", "at noon");
  g_assert_true (test_wait_until (has_n_calls, GUINT_TO_POINTER (n + 2), 10));
  g_clear_pointer (&calls, g_ptr_array_unref);
  calls = get_notify_calls ();
  g_assert_cmpstr (((Call *) calls->pdata[n])->summary, ==, "bob");
  g_assert_cmpuint (((Call *) calls->pdata[n])->replaces, ==, 0);
  g_assert_cmpstr (last_call (calls)->body, ==, "at noon");
  g_assert_cmpuint (last_call (calls)->replaces, ==, carol_id);

  /* A click on carol's notification shows the window with her chat. */
  click (carol_id);
  g_assert_true (test_wait_until (window_shows, (gpointer) "carol", 10));
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (window ())));

  /* Privacy: the sender only, not the text. */
  g_settings_set_boolean (settings, "notification-show-text", FALSE);
  gtk_widget_set_visible (GTK_WIDGET (window ()), FALSE);
  mimp_window_update_seen (window ());
  n = n_notify_calls ();
  receive ("dave", "my pin is 1234");
  g_assert_true (test_wait_until (has_n_calls, GUINT_TO_POINTER (n + 1), 10));
  g_clear_pointer (&calls, g_ptr_array_unref);
  calls = get_notify_calls ();
  g_assert_cmpstr (last_call (calls)->summary, ==, "dave");
  g_assert_null (strstr (last_call (calls)->body, "1234"));
  dave_id = last_call (calls)->id;

  /* Read elsewhere (marked read): its notification is closed. */
  mimp_chat_mark_read (chat_of ("dave"));
  g_assert_true (test_wait_until (closed, GUINT_TO_POINTER (dave_id), 10));

  /* Notifications off: nothing more. */
  g_settings_set_boolean (settings, "notifications", FALSE);
  n = n_notify_calls ();
  receive ("erin", "anyone?");
  receive ("bob", "bye");
  g_assert_true (test_wait_until (erin_has_unread, NULL, 10));
  test_settle (500);
  g_assert_cmpuint (n_notify_calls (), ==, n);
  g_assert_cmpuint (mimp_chat_get_unread (chat_of ("erin")), ==, 1);

  fx.ok = TRUE;
  g_action_group_activate_action (G_ACTION_GROUP (fx.app), "quit", NULL);
  return G_SOURCE_REMOVE;
}

static void
test_app (void)
{
  if (!gtk_init_check ())
    {
      g_test_skip ("No display");
      return;
    }
  adw_init ();
  fx.app = mimp_application_new ();
  test_run_app (G_APPLICATION (fx.app), app_phase, 200);
  g_assert_true (fx.ok);
  g_clear_object (&fx.account);
  g_clear_object (&fx.app);
  g_clear_object (&fx.net);
  test_assert_finalized (10);
}

/* ------------------------------------------------------------------ */

int
main (int argc, char *argv[])
{
  int status;

  g_test_init (&argc, &argv, NULL);
  g_setenv ("GTK_A11Y", "none", TRUE);
  test_notify_mock_start ("body actions persistence");

  g_test_add_func ("/notifier/one-per-chat", test_one_per_chat);
  g_test_add_func ("/notifier/burst", test_burst);
  g_test_add_func ("/notifier/privacy", test_privacy);
  g_test_add_func ("/notifier/disabled-and-visible", test_disabled_and_visible);
  g_test_add_func ("/notifier/click-and-withdraw", test_click_and_withdraw);
  g_test_add_func ("/notifier/app", test_app);

  status = g_test_run ();
  test_notify_mock_stop ();
  return status;
}
