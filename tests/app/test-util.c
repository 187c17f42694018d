/* test-util.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "test-util.h"

void
test_store_result (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GAsyncResult **out = user_data;

  g_assert_null (*out);
  *out = g_object_ref (result);
}

GAsyncResult *
test_wait_result (GAsyncResult **result, guint timeout_seconds)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) timeout_seconds * G_USEC_PER_SEC;

  while (*result == NULL)
    {
      if (g_get_monotonic_time () > deadline)
        g_error ("Timed out after %u s waiting for an asynchronous result", timeout_seconds);
      g_main_context_iteration (NULL, FALSE);
      if (*result == NULL)
        g_usleep (1000);
    }
  return *result;
}

gboolean
test_wait_until (gboolean (*condition) (gpointer data), gpointer data, guint timeout_seconds)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) timeout_seconds * G_USEC_PER_SEC;

  while (!condition (data))
    {
      if (g_get_monotonic_time () > deadline)
        return FALSE;
      if (!g_main_context_iteration (NULL, FALSE))
        g_usleep (2000);
    }
  return TRUE;
}

char *
test_make_tmpdir (void)
{
  g_autoptr (GError) error = NULL;
  char *dir = g_dir_make_tmp ("mimp-app-test-XXXXXX", &error);

  g_assert_no_error (error);
  return dir;
}

GtkWidget *
test_find_named (GtkWidget *widget, const char *name)
{
  if (g_strcmp0 (gtk_widget_get_name (widget), name) == 0)
    return widget;
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = test_find_named (child, name);
      if (found != NULL)
        return found;
    }
  return NULL;
}

void
test_start_keyring (void)
{
  const char *argv[] = { "/bin/sh", "-c",
                         "printf ci | gnome-keyring-daemon --unlock --components=secrets "
                         ">/dev/null",
                         NULL };
  g_autoptr (GError) error = NULL;
  int status = 0;

  g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, NULL, NULL,
                               &status, &error));
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (status, &error));
}

void
test_settle (guint ms)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) ms * 1000;

  while (g_get_monotonic_time () < deadline)
    if (!g_main_context_iteration (NULL, FALSE))
      g_usleep (2000);
}

void
test_screenshot (GtkWindow *window, const char *dir, const char *name)
{
  g_autofree char *path = g_strdup_printf ("%s/%s.png", dir, name);
  g_autofree char *crop = NULL;
  g_autoptr (GError) error = NULL;
  int status = 0;
  double x = 0;
  double y = 0;

  test_settle (800);
  /* Leave out the shadow around the client-side decorations. */
  gtk_native_get_surface_transform (GTK_NATIVE (window), &x, &y);
  crop = g_strdup_printf ("%dx%d+%d+%d", gtk_widget_get_width (GTK_WIDGET (window)),
                          gtk_widget_get_height (GTK_WIDGET (window)), (int) x, (int) y);
  {
    const char *argv[] = { "/usr/bin/import", "-window", "root", "-crop", crop,
                           "+repage",         path,      NULL };
    g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, NULL,
                                 NULL, &status, &error));
    g_assert_no_error (error);
    g_assert_true (g_spawn_check_wait_status (status, &error));
  }
  g_test_message ("screenshot: %s (%s)", path, crop);
}
