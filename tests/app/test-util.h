/* test-util.h - helpers shared by the app tests
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* Waits (iterating the default main context) until *result is set. */
GAsyncResult *test_wait_result (GAsyncResult **result, guint timeout_seconds);
void test_store_result (GObject *source, GAsyncResult *result, gpointer user_data);
gboolean test_wait_until (gboolean (*condition) (gpointer data), gpointer data,
                          guint timeout_seconds);
char *test_make_tmpdir (void);
/* The first widget named @name in the tree under @widget, or %NULL. */
GtkWidget *test_find_named (GtkWidget *widget, const char *name);
/* Starts gnome-keyring-daemon with an unlocked login collection on this
 * session bus (testing.md); asserts that it started. */
void test_start_keyring (void);
/* Runs the main loop for @ms milliseconds. */
void test_settle (guint ms);
/* Saves @window as it is on the screen to @dir/@name.png (no window
 * manager: every window sits at 0,0), without the shadow around it. */
void test_screenshot (GtkWindow *window, const char *dir, const char *name);

G_END_DECLS
