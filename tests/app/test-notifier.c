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
#include <signal.h>
#include <string.h>

#include "mimp-application.h"
#include "mimp-notifier.h"
#include "mimp-test-protocol.h"
#include "mimp-window.h"
#include "test-util.h"

#define MOCK_IFACE "org.freedesktop.DBus.Mock"
#define NOTIFY_PATH "/org/freedesktop/Notifications"
#define NOTIFY_NAME "org.freedesktop.Notifications"

typedef struct
{
  guint id;       /* the id the daemon answered */
  guint replaces; /* replaces_id asked for */
  char *summary;
  char *body;
  gboolean default_action;
} Call;

static GPid mock_pid;
static GDBusConnection *bus;

static void
call_free (gpointer data)
{
  Call *call = data;

  g_free (call->summary);
  g_free (call->body);
  g_free (call);
}

static GVariant *
mock_call (const char *method, GVariant *args, const char *reply_type)
{
  g_autoptr (GError) error = NULL;
  GVariant *reply = g_dbus_connection_call_sync (
      bus, NOTIFY_NAME, NOTIFY_PATH, MOCK_IFACE, method, args,
      reply_type ? G_VARIANT_TYPE (reply_type) : NULL, G_DBUS_CALL_FLAGS_NONE, 5000, NULL, &error);

  g_assert_no_error (error);
  return reply;
}

/* Every Notify call so far, in order, with the id the daemon gave (it
 * counts new notifications from 1 and keeps the id of a replaced one). */
static GPtrArray *
get_notify_calls (void)
{
  g_autoptr (GVariant) reply =
      mock_call ("GetMethodCalls", g_variant_new ("(s)", "Notify"), "(a(tav))");
  g_autoptr (GVariantIter) iter = NULL;
  GPtrArray *calls = g_ptr_array_new_with_free_func (call_free);
  GVariantIter *args;
  guint64 timestamp;
  guint next_id = 1;

  g_variant_get (reply, "(a(tav))", &iter);
  while (g_variant_iter_next (iter, "(tav)", &timestamp, &args))
    {
      Call *call = g_new0 (Call, 1);
      g_autoptr (GVariant) app = NULL;
      g_autoptr (GVariant) replaces = NULL;
      g_autoptr (GVariant) icon = NULL;
      g_autoptr (GVariant) summary = NULL;
      g_autoptr (GVariant) body = NULL;
      g_autoptr (GVariant) actions = NULL;
      g_autofree const char **strv = NULL;

      g_variant_iter_next (args, "v", &app);
      g_variant_iter_next (args, "v", &replaces);
      g_variant_iter_next (args, "v", &icon);
      g_variant_iter_next (args, "v", &summary);
      g_variant_iter_next (args, "v", &body);
      g_variant_iter_next (args, "v", &actions);
      g_variant_iter_free (args);

      call->replaces = g_variant_get_uint32 (replaces);
      call->id = call->replaces ? call->replaces : next_id++;
      call->summary = g_variant_dup_string (summary, NULL);
      call->body = g_variant_dup_string (body, NULL);
      strv = g_variant_get_strv (actions, NULL);
      call->default_action = strv[0] != NULL && g_str_equal (strv[0], "default");
      g_ptr_array_add (calls, call);
    }
  return calls;
}

static guint
n_notify_calls (void)
{
  g_autoptr (GPtrArray) calls = get_notify_calls ();
  return calls->len;
}

static Call *
last_call (GPtrArray *calls)
{
  g_assert_cmpuint (calls->len, >, 0);
  return calls->pdata[calls->len - 1];
}

/* The ids CloseNotification was called with, in order. */
static GArray *
get_closed (void)
{
  g_autoptr (GVariant) reply =
      mock_call ("GetMethodCalls", g_variant_new ("(s)", "CloseNotification"), "(a(tav))");
  g_autoptr (GVariantIter) iter = NULL;
  GArray *ids = g_array_new (FALSE, FALSE, sizeof (guint));
  GVariantIter *args;
  guint64 timestamp;

  g_variant_get (reply, "(a(tav))", &iter);
  while (g_variant_iter_next (iter, "(tav)", &timestamp, &args))
    {
      g_autoptr (GVariant) id = NULL;
      guint value;

      g_variant_iter_next (args, "v", &id);
      g_variant_iter_free (args);
      value = (guint) g_variant_get_int32 (id);
      g_array_append_val (ids, value);
    }
  return ids;
}

static gboolean
was_closed (guint id)
{
  g_autoptr (GArray) ids = get_closed ();

  for (guint i = 0; i < ids->len; i++)
    if (g_array_index (ids, guint, i) == id)
      return TRUE;
  return FALSE;
}

static void
click (guint id)
{
  g_autoptr (GVariant) reply = NULL;
  GVariantBuilder args;

  g_variant_builder_init (&args, G_VARIANT_TYPE ("av"));
  g_variant_builder_add (&args, "v", g_variant_new_uint32 (id));
  g_variant_builder_add (&args, "v", g_variant_new_string ("default"));
  reply = mock_call ("EmitSignal",
                     g_variant_new ("(sssav)", NOTIFY_NAME, "ActionInvoked", "us", &args), NULL);
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
  g_assert_true (call->default_action);
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

static gboolean
daemon_up (gpointer data)
{
  g_autoptr (GVariant) reply = g_dbus_connection_call_sync (
      bus, "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus", "NameHasOwner",
      g_variant_new ("(s)", NOTIFY_NAME), G_VARIANT_TYPE ("(b)"), G_DBUS_CALL_FLAGS_NONE, 2000,
      NULL, NULL);
  gboolean owned = FALSE;

  if (reply != NULL)
    g_variant_get (reply, "(b)", &owned);
  return owned;
}

static void
start_daemon (void)
{
  g_autofree char *log = g_build_filename (g_get_user_runtime_dir (), "notify.log", NULL);
  const char *argv[] = { "/usr/bin/python3",
                         "-m",
                         "dbusmock",
                         "--template",
                         "notification_daemon",
                         "-l",
                         log,
                         "-p",
                         "{\"capabilities\": \"body actions persistence\"}",
                         NULL };
  g_autoptr (GError) error = NULL;

  bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_spawn_async (NULL, (char **) argv, NULL, G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL,
                                &mock_pid, &error));
  g_assert_no_error (error);
  if (!test_wait_until (daemon_up, NULL, 20))
    g_error ("The dbusmock notification daemon did not start");
}

int
main (int argc, char *argv[])
{
  int status;

  g_test_init (&argc, &argv, NULL);
  g_setenv ("GTK_A11Y", "none", TRUE);
  start_daemon ();

  g_test_add_func ("/notifier/one-per-chat", test_one_per_chat);
  g_test_add_func ("/notifier/burst", test_burst);
  g_test_add_func ("/notifier/privacy", test_privacy);
  g_test_add_func ("/notifier/disabled-and-visible", test_disabled_and_visible);
  g_test_add_func ("/notifier/click-and-withdraw", test_click_and_withdraw);
  g_test_add_func ("/notifier/app", test_app);

  status = g_test_run ();
  kill (mock_pid, SIGTERM);
  g_spawn_close_pid (mock_pid);
  g_clear_object (&bus);
  return status;
}
