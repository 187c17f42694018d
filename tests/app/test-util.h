/* test-util.h - helpers shared by the app tests
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "mimp-account-manager.h"
#include "mimp-test.h"
#include "mimp-chat-list.h"

G_BEGIN_DECLS

/* Waits until @revealer's child is shown (@revealed) or hidden, its
 * transition over: a slow (sanitized) run takes longer than a settle. */
gboolean test_wait_revealed (GtkRevealer *revealer, gboolean revealed, guint timeout_seconds);
/* history.db in @dir. */
char *test_history_path (const char *dir);
/* Runs @sql on the SQLite file @path through a connection of its own (fails
 * the test on an SQL error). */
void test_exec_sql (const char *path, const char *sql);
/* The newest 200 messages of a chat as the history holds them, oldest
 * first (asserts that it could read them). */
GPtrArray *test_load_chat (MimpHistory *history, const char *account_id, const char *peer);
/* A small image (64 x 48, a gradient from r, g, b), as a PNG file holds it. */
GBytes *test_make_png (guint8 r, guint8 g, guint8 b);
/* The first widget named @name in the tree under @widget, or %NULL. */
GtkWidget *test_find_named (GtkWidget *widget, const char *name);
/* Starts gnome-keyring-daemon with an unlocked login collection on this
 * session bus (docs/testing.md); asserts that it started. */
void test_start_keyring (void);

/* What the app's models stand on, as the application sets it up: a history
 * in a new temporary directory, a secret store, an account manager (its
 * accounts.ini beside the history) and the chat list over it. */
typedef struct
{
  char *dir;
  MimpHistory *history;
  MimpSecretStore *secrets;
  MimpAccountManager *accounts;
  MimpChatList *chats;
  /* The two list models, followed through every change (mimp-test.h). */
  TestModelMirror *accounts_mirror;
  TestModelMirror *chats_mirror;
} TestModels;

void test_models_set_up (TestModels *models);
void test_models_tear_down (TestModels *models);
/* Adds @account to the manager (which starts it) and waits until it is
 * online; asserts that it gets there. */
void test_models_add_online (TestModels *models, MimpAccount *account);
gboolean test_account_is_online (gpointer account);

/* Leak checks for widget tests: test_watch() each window, widget or model a
 * test makes (the application too); at its end, test_assert_finalized()
 * destroys the watched windows still open, lets the main context finish
 * what they started, and fails the test, naming the types, if any watched
 * object is still alive after @timeout_seconds. */
void test_watch (gpointer object);
void test_assert_finalized (guint timeout_seconds);

/* Runs @app (its main loop) and calls @phase once, @delay_ms after it is
 * activated: a test's checks run in @phase, which quits the app. It
 * test_watch()es the app and every window open when the phase starts or
 * when the app has quit: drop your own references to them, then call
 * test_assert_finalized(). */
void test_run_app (GApplication *app, GSourceFunc phase, guint delay_ms);
/* The first widget of @type in the tree under @widget, or %NULL. */
GtkWidget *test_find_type (GtkWidget *widget, GType type);
/* The first visible label under @widget that reads @text, or %NULL; and
 * how many visible labels under @widget read @text. */
GtkWidget *test_find_label (GtkWidget *widget, const char *text);
guint test_count_labels (GtkWidget *widget, const char *text);
/* The first visible toplevel window of @type, or %NULL. */
gpointer test_find_toplevel (GType type);
/* Saves @window as the screen shows it to screenshots/@name.png under the
 * test build directory (there is no window manager: it sits at 0,0). */
void test_screenshot (GtkWindow *window, const char *name);

G_END_DECLS
