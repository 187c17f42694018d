/* test-chat-features.c - what only some account types have, in the window:
 * rooms (sender names and avatars, members, joined/left lines), typing
 * (both ways, with the 1.5 s rule), images and avatars. On the in-memory
 * test protocol with those capabilities, in the real window; saves a
 * screenshot of a room (screenshots/room.png under the build directory).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <adwaita.h>
#include <string.h>

#include "mimp-application.h"
#include "mimp-chat-list.h"
#include "mimp-test-protocol.h"
#include "mimp-window.h"
#include "test-util.h"

static struct
{
  MimpApplication *app;
  MimpTestNetwork *net;
  MimpAccount *alice;
  gboolean ok;
} fx;

static MimpWindow *
window (void)
{
  return MIMP_WINDOW (gtk_application_get_active_window (GTK_APPLICATION (fx.app)));
}

static MimpChat *
chat_of (const char *peer)
{
  g_autofree char *key = mimp_chat_make_key (mimp_account_get_id (fx.alice), peer);

  return mimp_chat_list_lookup (mimp_application_get_chats (fx.app), key);
}

static gboolean
has_chat (gpointer peer)
{
  return chat_of (peer) != NULL;
}

/* The first visible widget of @type under @widget whose label is @text. */
static GtkWidget *
find_label_text (GtkWidget *widget, const char *text)
{
  if (GTK_IS_LABEL (widget) && gtk_widget_is_visible (widget) &&
      g_strcmp0 (gtk_label_get_text (GTK_LABEL (widget)), text) == 0)
    return widget;
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_label_text (child, text);
      if (found != NULL)
        return found;
    }
  return NULL;
}

static guint
count_labels (GtkWidget *widget, const char *text)
{
  guint n = GTK_IS_LABEL (widget) && gtk_widget_is_visible (widget) &&
            g_strcmp0 (gtk_label_get_text (GTK_LABEL (widget)), text) == 0;

  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    n += count_labels (child, text);
  return n;
}

static gboolean
label_shown (gpointer text)
{
  return find_label_text (GTK_WIDGET (window ()), text) != NULL;
}

static GtkWidget *
find_shown_picture (GtkWidget *widget)
{
  if (GTK_IS_PICTURE (widget) && gtk_widget_is_visible (widget) &&
      gtk_picture_get_paintable (GTK_PICTURE (widget)) != NULL)
    return widget;
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_shown_picture (child);
      if (found != NULL)
        return found;
    }
  return NULL;
}

static gboolean
picture_shown (gpointer data)
{
  return find_shown_picture (GTK_WIDGET (window ())) != NULL;
}

static gboolean
subtitle_is (gpointer text)
{
  AdwWindowTitle *title = ADW_WINDOW_TITLE (test_find_named (GTK_WIDGET (window ()), "chat-title"));

  return g_strcmp0 (adw_window_title_get_subtitle (title), text) == 0;
}

static gboolean
peer_told (gpointer state)
{
  return (int) mimp_test_network_get_typing (fx.net, "alice", "bob") == GPOINTER_TO_INT (state);
}

static guint
n_messages (gpointer peer)
{
  MimpChat *chat = chat_of (peer);

  return chat ? g_list_model_get_n_items (G_LIST_MODEL (chat)) : 0;
}

static gboolean
room_stored (gpointer data)
{
  return chat_of ("lobby") != NULL && mimp_chat_get_unread (chat_of ("lobby")) == 4;
}

static gboolean
room_loaded (gpointer data)
{
  return n_messages ((gpointer) "lobby") == 7;
}

/* A room: who said what (names and avatars on the first message of a run),
 * who came in, the members, and an image in its bubble. */
static void
check_room (void)
{
  g_autoptr (GBytes) image = test_make_png (200, 80, 40);
  g_autoptr (GBytes) avatar = test_make_png (40, 120, 220);
  g_autofree char *reference = mimp_test_network_add_attachment (fx.net, image);
  gint64 now = g_get_real_time () / 1000;
  GtkWidget *members_button;
  GtkWidget *members_list;
  guint n_rows = 0;

  mimp_test_network_set_avatar (fx.net, "bob", avatar);
  mimp_test_network_set_member (fx.net, "lobby", "alice", TRUE, "alice", now - 60000);
  mimp_test_network_set_member (fx.net, "lobby", "bob", TRUE, "alice", now - 50000);
  mimp_test_network_inject_in_room (fx.net, "lobby", "bob", "alice", "Hello, everyone!", NULL,
                                    now - 40000);
  mimp_test_network_inject_in_room (fx.net, "lobby", "bob", "alice", "Look at this:", NULL,
                                    now - 39000);
  mimp_test_network_inject_in_room (fx.net, "lobby", "bob", "alice", "", reference, now - 38000);
  mimp_test_network_set_member (fx.net, "lobby", "carol", TRUE, "alice", now - 30000);
  mimp_test_network_inject_in_room (fx.net, "lobby", "carol", "alice", "Nice colours.", NULL,
                                    now - 20000);
  /* Joining is a line of the chat, neither unread nor the preview. */
  g_assert_true (test_wait_until (room_stored, NULL, 10));
  test_settle (200);
  g_assert_cmpuint (mimp_chat_get_unread (chat_of ("lobby")), ==, 4);
  g_assert_cmpstr (mimp_chat_get_preview (chat_of ("lobby")), ==, "Nice colours.");

  mimp_window_open_chat (window (), chat_of ("lobby"));
  g_assert_true (test_wait_until (room_loaded, NULL, 10));
  g_assert_true (test_wait_until (label_shown, (gpointer) "carol joined", 10));
  g_assert_true (test_wait_until (label_shown, (gpointer) "Hello, everyone!", 10));
  /* The sender's name once per run: bob's two texts and image are one run. */
  g_assert_cmpuint (count_labels (mimp_window_get_messages_view (window ()), "bob"), ==, 1);
  g_assert_true (label_shown ((gpointer) "carol"));
  g_assert_true (test_wait_until (picture_shown, NULL, 10));

  /* Members: those in the room now. */
  members_button = test_find_named (GTK_WIDGET (window ()), "members");
  g_assert_true (gtk_widget_get_visible (members_button));
  members_list =
      test_find_type (GTK_WIDGET (gtk_menu_button_get_popover (GTK_MENU_BUTTON (members_button))),
                      GTK_TYPE_LIST_BOX);
  for (GtkWidget *row = gtk_widget_get_first_child (members_list); row != NULL;
       row = gtk_widget_get_next_sibling (row))
    n_rows++;
  g_assert_cmpuint (n_rows, ==, 3);
  mimp_test_network_set_member (fx.net, "lobby", "carol", FALSE, "alice", now - 10000);
  g_assert_true (test_wait_until (label_shown, (gpointer) "carol left", 10));
  n_rows = 0;
  for (GtkWidget *row = gtk_widget_get_first_child (members_list); row != NULL;
       row = gtk_widget_get_next_sibling (row))
    n_rows++;
  g_assert_cmpuint (n_rows, ==, 2);

  test_screenshot (GTK_WINDOW (window ()), "room");
}

/* Typing, both ways, in a chat with one person. */
static void
check_typing (void)
{
  GtkTextBuffer *buffer;
  AdwWindowTitle *title;
  g_autofree char *account_name = mimp_account_dup_display_name (fx.alice);

  g_free (mimp_test_network_inject (fx.net, "bob", "alice", "are you there?",
                                    g_get_real_time () / 1000));
  g_assert_true (test_wait_until (has_chat, (gpointer) "bob", 10));
  mimp_window_open_chat (window (), chat_of ("bob"));
  title = ADW_WINDOW_TITLE (test_find_named (GTK_WIDGET (window ()), "chat-title"));
  g_assert_cmpstr (adw_window_title_get_subtitle (title), ==, account_name);

  mimp_test_network_set_typing (fx.net, "bob", "alice", MIMP_TYPING_ACTIVE);
  g_assert_true (test_wait_until (subtitle_is, (gpointer) "bob is typing…", 5));
  test_screenshot (GTK_WINDOW (window ()), "typing");
  mimp_test_network_set_typing (fx.net, "bob", "alice", MIMP_TYPING_PAUSED);
  g_assert_true (test_wait_until (subtitle_is, (gpointer) "bob has entered text", 5));
  /* A message ends it. */
  g_free (mimp_test_network_inject (fx.net, "bob", "alice", "here", g_get_real_time () / 1000));
  g_assert_true (test_wait_until (subtitle_is, account_name, 5));

  /* What the user types is told to the peer, and after 1.5 s of quiet,
   * that they stopped with text left (or with none). */
  buffer = gtk_text_view_get_buffer (
      GTK_TEXT_VIEW (test_find_type (GTK_WIDGET (window ()), GTK_TYPE_TEXT_VIEW)));
  gtk_text_buffer_insert_at_cursor (buffer, "hel", -1);
  g_assert_true (test_wait_until (peer_told, GINT_TO_POINTER (MIMP_TYPING_ACTIVE), 2));
  g_assert_true (test_wait_until (peer_told, GINT_TO_POINTER (MIMP_TYPING_PAUSED), 4));
  gtk_text_buffer_set_text (buffer, "", -1);
  g_assert_true (test_wait_until (peer_told, GINT_TO_POINTER (MIMP_TYPING_ACTIVE), 2));
  g_assert_true (test_wait_until (peer_told, GINT_TO_POINTER (MIMP_TYPING_STOPPED), 4));
}

/* An image the user sends is stored with the account type, then sent as a
 * message, and shown. */
static void
check_send_image (void)
{
  g_autoptr (GBytes) image = test_make_png (30, 160, 90);
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) mailbox = NULL;
  MimpIncoming *last;

  mimp_account_send_image_async (fx.alice, "bob", image, "image/png", NULL, test_store_result,
                                 &result);
  g_assert_true (mimp_account_send_image_finish (fx.alice, test_wait_result (&result, 10), &error));
  g_assert_no_error (error);
  test_settle (300);
  mailbox = mimp_test_network_dup_mailbox (fx.net, "bob");
  g_assert_cmpuint (mailbox->len, >=, 1);
  last = mailbox->pdata[mailbox->len - 1];
  g_assert_nonnull (last->attachment);
  g_assert_cmpstr (last->text, ==, "");
}

static gboolean
phase (gpointer data)
{
  fx.net = mimp_test_network_new ();
  mimp_test_network_add_user (fx.net, "alice", NULL);
  mimp_test_network_add_user (fx.net, "bob", NULL);
  fx.alice = mimp_test_network_new_account (fx.net, "alice");
  mimp_account_manager_add (mimp_application_get_accounts (fx.app), fx.alice);
  g_assert_true (test_wait_until (test_account_is_online, fx.alice, 10));

  check_room ();
  check_typing ();
  check_send_image ();

  fx.ok = TRUE;
  g_action_group_activate_action (G_ACTION_GROUP (fx.app), "quit", NULL);
  return G_SOURCE_REMOVE;
}

static void
test_chat_features (void)
{
  mimp_test_protocol_set_capabilities (MIMP_PROTOCOL_STORE_AND_FORWARD | MIMP_PROTOCOL_ROOMS |
                                       MIMP_PROTOCOL_TYPING | MIMP_PROTOCOL_IMAGES |
                                       MIMP_PROTOCOL_AVATARS);
  fx.app = mimp_application_new ();
  test_run_app (G_APPLICATION (fx.app), phase, 200);
  g_assert_true (fx.ok);
  g_clear_object (&fx.alice);
  g_clear_object (&fx.app);
  g_clear_object (&fx.net);
  test_assert_finalized (10);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_setenv ("GTK_A11Y", "none", TRUE);
  g_log_set_always_fatal (G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL);
  if (!gtk_init_check ())
    {
      g_test_skip ("No display");
      return 0;
    }
  adw_init ();
  g_test_add_func ("/chat-features/room-typing-images", test_chat_features);
  return g_test_run ();
}
