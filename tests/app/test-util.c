/* test-util.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <sqlite3.h>

#include "test-util.h"

typedef struct
{
  GtkRevealer *revealer;
  gboolean revealed;
} RevealWait;

static gboolean
reveal_done (gpointer data)
{
  RevealWait *w = data;

  return gtk_revealer_get_child_revealed (w->revealer) == w->revealed;
}

gboolean
test_wait_revealed (GtkRevealer *revealer, gboolean revealed, guint timeout_seconds)
{
  RevealWait w = { revealer, revealed };

  return test_wait_until (reveal_done, &w, timeout_seconds);
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

char *
test_history_path (const char *dir)
{
  return g_build_filename (dir, "history.db", NULL);
}

void
test_exec_sql (const char *path, const char *sql)
{
  sqlite3 *db = NULL;
  char *errmsg = NULL;

  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  if (sqlite3_exec (db, sql, NULL, NULL, &errmsg) != SQLITE_OK)
    g_error ("SQL failed: %s", errmsg);
  sqlite3_close (db);
}

GPtrArray *
test_load_chat (MimpHistory *history, const char *account_id, const char *peer)
{
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;
  GPtrArray *page;

  mimp_history_load_page_async (history, account_id, peer, NULL, 200, NULL, test_store_result,
                                &result);
  page = mimp_history_load_page_finish (history, test_wait_result (&result, 30), &error);
  g_assert_no_error (error);
  return page;
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
test_models_set_up (TestModels *models)
{
  g_autofree char *db = NULL;
  g_autofree char *config = NULL;

  models->dir = test_make_tmpdir ();
  db = g_build_filename (models->dir, "history.db", NULL);
  config = g_build_filename (models->dir, "accounts.ini", NULL);
  models->history = mimp_history_new (db);
  models->secrets = mimp_secret_store_new ();
  models->accounts = mimp_account_manager_new (models->history, models->secrets, config);
  models->chats = mimp_chat_list_new (models->accounts);
  models->accounts_mirror = test_model_mirror_new (G_LIST_MODEL (models->accounts));
  models->chats_mirror = test_model_mirror_new (G_LIST_MODEL (models->chats));
}

void
test_models_tear_down (TestModels *models)
{
  g_clear_pointer (&models->chats_mirror, test_model_mirror_free);
  g_clear_pointer (&models->accounts_mirror, test_model_mirror_free);
  mimp_account_manager_stop_all (models->accounts);
  g_clear_object (&models->chats);
  g_clear_object (&models->accounts);
  g_clear_object (&models->secrets);
  mimp_history_close (models->history);
  g_clear_object (&models->history);
  g_clear_pointer (&models->dir, g_free);
}

gboolean
test_account_is_online (gpointer account)
{
  return mimp_account_get_status (account) == MIMP_ACCOUNT_STATUS_ONLINE;
}

void
test_models_add_online (TestModels *models, MimpAccount *account)
{
  mimp_account_manager_add (models->accounts, account);
  if (!test_wait_until (test_account_is_online, account, 30))
    g_error ("The account never came online: %s", mimp_account_get_status_message (account));
}

typedef struct
{
  gpointer object; /* a weak pointer */
  char *type_name;
} Watched;

static GPtrArray *watched; /* of Watched *, each at a fixed address */

void
test_watch (gpointer object)
{
  Watched *w;

  g_return_if_fail (G_IS_OBJECT (object));
  if (watched == NULL)
    watched = g_ptr_array_new ();
  for (guint i = 0; i < watched->len; i++)
    if (((Watched *) watched->pdata[i])->object == object)
      return;
  w = g_new0 (Watched, 1);
  w->object = object;
  w->type_name = g_strdup (G_OBJECT_TYPE_NAME (object));
  g_object_add_weak_pointer (object, &w->object);
  g_ptr_array_add (watched, w);
}

static gboolean
all_finalized (gpointer data)
{
  for (guint i = 0; i < watched->len; i++)
    if (((Watched *) watched->pdata[i])->object != NULL)
      return FALSE;
  return TRUE;
}

void
test_assert_finalized (guint timeout_seconds)
{
  g_autoptr (GString) alive = g_string_new (NULL);

  if (watched == NULL)
    return;
  for (guint i = 0; i < watched->len; i++)
    {
      Watched *w = watched->pdata[i];

      if (w->object != NULL && GTK_IS_WINDOW (w->object))
        gtk_window_destroy (w->object);
    }
  test_wait_until (all_finalized, NULL, timeout_seconds);
  for (guint i = 0; i < watched->len; i++)
    {
      Watched *w = watched->pdata[i];

      if (w->object != NULL)
        {
          g_string_append_printf (alive, " %s (%u refs)", w->type_name,
                                  G_OBJECT (w->object)->ref_count);
          g_object_remove_weak_pointer (w->object, &w->object);
        }
      g_free (w->type_name);
      g_free (w);
    }
  g_clear_pointer (&watched, g_ptr_array_unref);
  if (alive->len > 0)
    g_error ("Still alive after the test:%s", alive->str);
}

static GSourceFunc app_phase;
static guint app_delay;

static void
watch_toplevels (void)
{
  GListModel *toplevels = gtk_window_get_toplevels (); /* transfer none */

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr (GObject) window = g_list_model_get_item (toplevels, i);

      test_watch (window);
    }
}

static gboolean
phase_watching (gpointer phase)
{
  watch_toplevels ();
  return ((GSourceFunc) phase) (NULL);
}

static void
app_activated (GApplication *app)
{
  if (app_phase != NULL)
    g_timeout_add (app_delay, phase_watching, app_phase);
  app_phase = NULL;
}

void
test_run_app (GApplication *app, GSourceFunc phase, guint delay_ms)
{
  app_phase = phase;
  app_delay = delay_ms;
  test_watch (app);
  g_application_set_flags (app, G_APPLICATION_NON_UNIQUE);
  g_signal_connect_after (app, "activate", G_CALLBACK (app_activated), NULL);
  g_application_run (app, 0, NULL);
  watch_toplevels ();
}

GtkWidget *
test_find_type (GtkWidget *widget, GType type)
{
  if (G_TYPE_CHECK_INSTANCE_TYPE (widget, type))
    return widget;
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = test_find_type (child, type);
      if (found != NULL)
        return found;
    }
  return NULL;
}

GtkWidget *
test_find_label (GtkWidget *widget, const char *text)
{
  if (GTK_IS_LABEL (widget) && gtk_widget_is_visible (widget) &&
      g_strcmp0 (gtk_label_get_text (GTK_LABEL (widget)), text) == 0)
    return widget;
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = test_find_label (child, text);
      if (found != NULL)
        return found;
    }
  return NULL;
}

guint
test_count_labels (GtkWidget *widget, const char *text)
{
  guint n = GTK_IS_LABEL (widget) && gtk_widget_is_visible (widget) &&
            g_strcmp0 (gtk_label_get_text (GTK_LABEL (widget)), text) == 0;

  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    n += test_count_labels (child, text);
  return n;
}

gpointer
test_find_toplevel (GType type)
{
  GListModel *toplevels = gtk_window_get_toplevels (); /* transfer none */

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr (GObject) window = g_list_model_get_item (toplevels, i);
      if (G_TYPE_CHECK_INSTANCE_TYPE (window, type) && gtk_widget_get_visible (GTK_WIDGET (window)))
        return window;
    }
  return NULL;
}

void
test_screenshot (GtkWindow *window, const char *name)
{
  g_autofree char *dir =
      g_build_filename (g_getenv ("G_TEST_BUILDDIR"), "app", "screenshots", NULL);
  g_autofree char *path = NULL;
  g_autofree char *crop = NULL;
  g_autoptr (GError) error = NULL;
  int status = 0;
  double x = 0;
  double y = 0;

  g_mkdir_with_parents (dir, 0755);
  path = g_strdup_printf ("%s/%s.png", dir, name);
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

/* A small image, as a PNG file holds it. */
GBytes *
test_make_png (guint8 r, guint8 g, guint8 b)
{
  const int width = 64;
  const int height = 48;
  g_autofree guint8 *pixels = g_malloc (width * height * 3);
  g_autoptr (GBytes) data = NULL;
  g_autoptr (GdkTexture) texture = NULL;

  for (int i = 0; i < width * height; i++)
    {
      pixels[i * 3] = r;
      pixels[i * 3 + 1] = (guint8) (g + (i % width));
      pixels[i * 3 + 2] = b;
    }
  data = g_bytes_new (pixels, width * height * 3);
  texture = gdk_memory_texture_new (width, height, GDK_MEMORY_R8G8B8, data, width * 3);
  return gdk_texture_save_to_png_bytes (texture);
}
