/* test-notify-reply.c - replying from a notification, and "Mark as Read"
 *
 * The app runs with two accounts, alice and bob, on a real mimpd on
 * loopback; bob writes to alice, and alice's notification comes from
 * dbusmock's notification daemon (which records every call). First the
 * daemon lists "inline-reply": the reply is the daemon's
 * NotificationReplied signal (which dbusmock 0.28's template lacks: the
 * test emits it through the mock's EmitSignal), and must reach bob through
 * mimpd and alice's history as a sent message. "Mark as Read" clears the
 * unread count without opening anything. Then a daemon without the
 * capability takes over the bus name: "Reply" opens the chat with the
 * composer focused.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <adwaita.h>
#include <string.h>

#include "mimp-application.h"
#include "mimp-window.h"
#include "mimpd-test-server.h"
#include "test-notify-mock.h"
#include "test-util.h"

static struct
{
  MimpdTestServer *server;
  char *alice_pw;
  char *bob_pw;
  MimpApplication *app;
  MimpAccount *alice;
  MimpAccount *bob;
  gboolean portal; /* as in Flatpak: through the desktop portal */
  gboolean ok;
} fx;

typedef TestNotifyCall Call;

/* What the user does, through the freedesktop server or the portal. */
static gboolean
closed (gpointer data)
{
  TestNotifyCall *call = data;

  if (fx.portal)
    return test_notify_mock_portal_was_removed (call->key);
  return test_notify_mock_was_closed (call->id);
}

static void
reply (TestNotifyCall *call, const char *text)
{
  if (fx.portal)
    test_notify_mock_portal_invoke (call->key, call->reply_purpose_action, text);
  else
    test_notify_mock_reply (call->id, text);
}

static void
invoke (TestNotifyCall *call, const char *action)
{
  if (fx.portal)
    test_notify_mock_portal_invoke (call->key, action, NULL);
  else
    test_notify_mock_invoke (call->id, action);
}

typedef struct
{
  const char *summary;
  const char *body;
  Call *found;
} Wanted;

/* The newest Notify call with that summary and body (bob's account gets
 * notifications too, of what alice sends him). */
static gboolean
find_call (gpointer data)
{
  Wanted *wanted = data;
  g_autoptr (GPtrArray) calls = test_notify_mock_get_calls ();

  for (guint i = calls->len; i > 0; i--)
    {
      Call *call = calls->pdata[i - 1];

      if (g_str_equal (call->summary, wanted->summary) && g_str_equal (call->body, wanted->body))
        {
          wanted->found = g_steal_pointer (&calls->pdata[i - 1]);
          return TRUE;
        }
    }
  return FALSE;
}

static Call *
wait_call (const char *summary, const char *body)
{
  Wanted wanted = { summary, body, NULL };

  g_assert_true (test_wait_until (find_call, &wanted, 20));
  return wanted.found;
}

/* ------------------------------------------------------------------ */

static MimpChat *
chat_of (MimpAccount *account, const char *peer)
{
  g_autofree char *key = mimp_chat_make_key (mimp_account_get_id (account), peer);
  return mimp_chat_list_lookup (mimp_application_get_chats (fx.app), key);
}

static gboolean
has_unread (gpointer n)
{
  MimpChat *chat = chat_of (fx.alice, "bob");
  return chat != NULL && mimp_chat_get_unread (chat) == GPOINTER_TO_UINT (n);
}

/* The newest message of @account's chat with @peer in the history reads
 * @text, and was sent or received (not pending or failed). */
static gboolean
history_ends_with (MimpAccount *account, const char *peer, const char *text, gboolean outgoing)
{
  MimpHistory *history = mimp_account_manager_get_history (mimp_application_get_accounts (fx.app));
  g_autoptr (GPtrArray) page = test_load_chat (history, mimp_account_get_id (account), peer);
  MimpChatMessage *last;

  if (page->len == 0)
    return FALSE;
  last = page->pdata[page->len - 1];
  return g_strcmp0 (mimp_chat_message_get_text (last), text) == 0 &&
         mimp_chat_message_get_outgoing (last) == outgoing &&
         mimp_chat_message_get_state (last) == MIMP_MESSAGE_STATE_SENT;
}

static gboolean
reply_arrived (gpointer text)
{
  /* Sent by alice (accepted by mimpd), and received by bob. */
  return history_ends_with (fx.alice, "bob", text, TRUE) &&
         history_ends_with (fx.bob, "alice", text, FALSE);
}

static MimpWindow *
window (void)
{
  return MIMP_WINDOW (mimp_application_get_main_window (fx.app));
}

static gboolean
composer_focused (gpointer data)
{
  GtkWidget *focus;

  if (window () == NULL || !gtk_widget_get_visible (GTK_WIDGET (window ())) ||
      mimp_window_get_chat (window ()) != chat_of (fx.alice, "bob"))
    return FALSE;
  focus = gtk_window_get_focus (GTK_WINDOW (window ()));
  return focus != NULL && GTK_IS_TEXT_VIEW (focus);
}

static MimpAccount *
add_account (const char *user, const char *password)
{
  MimpAccount *account = mimp_account_new (mimp_protocol_find ("mimp"), NULL, "127.0.0.1",
                                           mimpd_test_server_get_port (fx.server), user, FALSE);

  /* In memory only: this test is not about passwords. */
  mimp_account_use_password (account, password, TRUE);
  mimp_account_manager_add (mimp_application_get_accounts (fx.app), account);
  g_assert_true (test_wait_until (test_account_is_online, account, 30));
  return account;
}

static gboolean
phase (gpointer data)
{
  g_autofree char *title = NULL;
  g_autofree char *alice_name = NULL;
  Call *call;

  /* Running in the background: no window on screen. */
  gtk_widget_set_visible (GTK_WIDGET (window ()), FALSE);
  mimp_window_update_seen (window ());
  fx.alice = add_account ("alice", fx.alice_pw);
  fx.bob = add_account ("bob", fx.bob_pw);
  alice_name = mimp_account_dup_display_name (fx.alice);
  title = g_strdup_printf ("bob · %s", alice_name);

  /* The server takes a reply's text: "Reply" is an inline reply (the
   * portal: a button whose purpose says so). */
  mimp_account_send (fx.bob, "alice", "are you coming?");
  call = wait_call (title, "are you coming?");
  g_assert_true (test_notify_call_has_action (call, "default"));
  if (fx.portal)
    {
      g_assert_cmpstr (call->key, ==, mimp_chat_get_key (chat_of (fx.alice, "bob")));
      g_assert_cmpstr (call->reply_purpose_action, ==, "reply");
    }
  else
    {
      g_assert_true (test_notify_call_has_action (call, "inline-reply"));
      g_assert_false (test_notify_call_has_action (call, "reply"));
    }
  g_assert_true (test_notify_call_has_action (call, "mark-read"));
  g_assert_true (test_wait_until (has_unread, GUINT_TO_POINTER (1), 10));

  reply (call, "on my way");
  /* Stored and sent like a typed message: in alice's history as sent,
   * in bob's as received through mimpd. */
  g_assert_true (test_wait_until (reply_arrived, (gpointer) "on my way", 30));
  g_assert_cmpuint (mimp_chat_get_unread (chat_of (fx.alice, "bob")), ==, 0);
  g_assert_true (test_wait_until (closed, call, 10));
  /* Nothing was opened for it. */
  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (window ())));
  test_notify_call_free (call);

  /* A blank reply sends nothing (and does not fail). */
  mimp_account_send (fx.bob, "alice", "sure?");
  call = wait_call (title, "sure?");
  reply (call, "  \n ");
  g_assert_true (test_wait_until (closed, call, 10));
  test_settle (500);
  g_assert_true (history_ends_with (fx.alice, "bob", "sure?", FALSE));
  test_notify_call_free (call);

  /* "Mark as Read": the chat's count drops to 0, nothing opens. */
  mimp_account_send (fx.bob, "alice", "one");
  mimp_account_send (fx.bob, "alice", "two");
  g_assert_true (test_wait_until (has_unread, GUINT_TO_POINTER (2), 10));
  call = wait_call (title, "two");
  invoke (call, "mark-read");
  g_assert_true (test_wait_until (has_unread, GUINT_TO_POINTER (0), 10));
  g_assert_true (test_wait_until (closed, call, 10));
  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (window ())));
  test_notify_call_free (call);

  /* Read in the app while its notification was up (so withdrawn): a
   * reply typed into it before it went still goes. */
  mimp_account_send (fx.bob, "alice", "still there?");
  call = wait_call (title, "still there?");
  mimp_chat_mark_read (chat_of (fx.alice, "bob"));
  g_assert_true (test_wait_until (closed, call, 10));
  reply (call, "yes, here");
  g_assert_true (test_wait_until (reply_arrived, (gpointer) "yes, here", 30));
  test_notify_call_free (call);

  /* A server without text replies takes over: "Reply" is a button that
   * opens the chat with the composer focused. (The portal's version is
   * the portal's for the session: there, Reply comes without text.) */
  if (!fx.portal)
    {
      test_notify_mock_stop ();
      test_notify_mock_start ("body actions persistence");
    }
  mimp_account_send (fx.bob, "alice", "hello?");
  call = wait_call (title, "hello?");
  g_assert_true (test_notify_call_has_action (call, "reply"));
  g_assert_false (test_notify_call_has_action (call, "inline-reply"));
  g_assert_true (test_notify_call_has_action (call, "mark-read"));
  invoke (call, "reply");
  g_assert_true (test_wait_until (composer_focused, NULL, 20));
  test_screenshot (GTK_WINDOW (window ()),
                   fx.portal ? "notify-reply-portal-button" : "notify-reply-button");
  test_notify_call_free (call);

  fx.ok = TRUE;
  g_action_group_activate_action (G_ACTION_GROUP (fx.app), "quit", NULL);
  return G_SOURCE_REMOVE;
}

static void
test_reply (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *alice = NULL;
  g_autofree char *bob = NULL;

  if (!gtk_init_check ())
    {
      g_test_skip ("No display");
      return;
    }
  adw_init ();
  fx.alice_pw = mimpd_test_server_random_password ();
  fx.bob_pw = mimpd_test_server_random_password ();
  alice = g_strconcat ("alice:", fx.alice_pw, NULL);
  bob = g_strconcat ("bob:", fx.bob_pw, NULL);
  fx.server = mimpd_test_server_start ((const char *[]){ alice, bob, NULL }, &error);
  g_assert_no_error (error);
  /* The accounts keep their private-chat keys there. */
  test_start_keyring ();
  if (fx.portal)
    test_notify_mock_start_portal (2);
  else
    test_notify_mock_start ("body actions inline-reply persistence");

  fx.app = mimp_application_new ();
  test_run_app (G_APPLICATION (fx.app), phase, 200);
  g_assert_true (fx.ok);
  g_clear_object (&fx.alice);
  g_clear_object (&fx.bob);
  g_clear_object (&fx.app);
  test_notify_mock_stop ();

  g_assert_cmpint (mimpd_test_server_stop (fx.server), ==, 0);
  mimpd_test_server_free (fx.server);
  g_free (fx.alice_pw);
  g_free (fx.bob_pw);
}

int
main (int argc, char *argv[])
{
  int status;

  g_test_init (&argc, &argv, NULL);
  g_setenv ("GTK_A11Y", "none", TRUE);
  /* notify-reply-portal: the app as in Flatpak, where the notifier
   * uses the portal (MIMP_NOTIFICATION_PORTAL=1 says so outside it). */
  fx.portal = g_strcmp0 (g_getenv ("MIMP_NOTIFICATION_PORTAL"), "1") == 0;

  g_test_add_func ("/notify-reply/reply-and-mark-read", test_reply);

  status = g_test_run ();
  return status;
}
