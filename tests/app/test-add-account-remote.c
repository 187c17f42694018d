/* test-add-account-remote.c - `mimp --add-account` while Mimp already runs
 *
 * This process runs the app as the primary instance on the session bus;
 * the test then starts the real `mimp` binary with --add-account, as a
 * person would from a terminal. That second process hands the account to
 * the running one and exits; the running one opens its Add Account dialog
 * filled in. The password given in MIMP_PASSWORD is not passed on (it is
 * typed in the dialog) and never printed. A malformed account is refused
 * by the second process with a clear message, and nothing opens.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <adwaita.h>
#include <string.h>

#include "mimp-account-dialog.h"
#include "mimp-application.h"
#include "test-util.h"

static struct
{
  MimpApplication *app;
  gboolean ok;
} fx;

typedef struct
{
  GSubprocess *process;
  char *out;
  char *err;
  gboolean done;
} Run;

static void
communicated (GObject *source, GAsyncResult *result, gpointer data)
{
  Run *run = data;
  g_autoptr (GError) error = NULL;

  g_subprocess_communicate_utf8_finish (G_SUBPROCESS (source), result, &run->out, &run->err,
                                        &error);
  g_assert_no_error (error);
  run->done = TRUE;
}

static gboolean
run_done (gpointer data)
{
  return ((Run *) data)->done;
}

/* Runs `mimp --add-account @spec` with a password in its environment,
 * while this process's main loop goes on; returns its exit status. */
static int
run_mimp (const char *spec, const char *password, char **err_out)
{
  g_autoptr (GSubprocessLauncher) launcher =
      g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_autoptr (GError) error = NULL;
  Run run = { 0 };
  int status;

  g_subprocess_launcher_setenv (launcher, "MIMP_PASSWORD", password, TRUE);
  run.process = g_subprocess_launcher_spawn (launcher, &error, g_getenv ("MIMP_APP"),
                                             "--add-account", spec, NULL);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8_async (run.process, NULL, NULL, communicated, &run);
  g_assert_true (test_wait_until (run_done, &run, 30));
  g_assert_true (g_subprocess_get_if_exited (run.process));
  status = g_subprocess_get_exit_status (run.process);
  g_assert_null (strstr (run.out, password));
  g_assert_null (strstr (run.err, password));
  *err_out = g_steal_pointer (&run.err);
  g_free (run.out);
  g_object_unref (run.process);
  return status;
}

static gboolean
dialog_shown (gpointer data)
{
  return test_find_toplevel (MIMP_TYPE_ACCOUNT_DIALOG) != NULL;
}

/* Whether an entry row under @widget reads @text. */
static gboolean
has_entry_text (GtkWidget *widget, const char *text)
{
  if (ADW_IS_ENTRY_ROW (widget) && gtk_widget_get_visible (widget) &&
      g_strcmp0 (gtk_editable_get_text (GTK_EDITABLE (widget)), text) == 0)
    return TRUE;
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    if (has_entry_text (child, text))
      return TRUE;
  return FALSE;
}

static guint
n_dialogs (void)
{
  GListModel *toplevels = gtk_window_get_toplevels ();
  guint n = 0;

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr (GObject) window = g_list_model_get_item (toplevels, i);

      if (MIMP_IS_ACCOUNT_DIALOG (window) && gtk_widget_get_visible (GTK_WIDGET (window)))
        n++;
    }
  return n;
}

static gboolean
phase (gpointer data)
{
  g_autofree char *password = g_strdup_printf ("pw-%08x", g_random_int ());
  g_autofree char *err = NULL;
  GtkWidget *dialog;

  g_assert_null (test_find_toplevel (MIMP_TYPE_ACCOUNT_DIALOG));

  /* A second mimp hands the account over and exits. */
  g_assert_cmpint (run_mimp ("bob@127.0.0.1:4242", password, &err), ==, 0);
  g_assert_nonnull (strstr (err, "type the password"));
  g_clear_pointer (&err, g_free);
  g_assert_true (test_wait_until (dialog_shown, NULL, 20));
  dialog = test_find_toplevel (MIMP_TYPE_ACCOUNT_DIALOG);
  test_settle (300);
  g_assert_true (has_entry_text (dialog, "127.0.0.1:4242"));
  g_assert_true (has_entry_text (dialog, "bob"));
  g_assert_false (has_entry_text (dialog, password));
  test_screenshot (GTK_WINDOW (dialog), "add-account-remote");
  /* Nothing is added before it is tried and saved in the dialog. */
  g_assert_cmpuint (
      g_list_model_get_n_items (G_LIST_MODEL (mimp_application_get_accounts (fx.app))), ==, 0);

  /* A malformed account: refused there, with the expected form. */
  g_assert_cmpint (run_mimp ("no-server-here", password, &err), ==, 1);
  g_assert_nonnull (strstr (err, "[TYPE:]USER@HOST[:PORT]"));
  test_settle (500);
  g_assert_cmpuint (n_dialogs (), ==, 1);

  fx.ok = TRUE;
  g_action_group_activate_action (G_ACTION_GROUP (fx.app), "quit", NULL);
  return G_SOURCE_REMOVE;
}

static gboolean
start_phase (gpointer data)
{
  phase (data);
  return G_SOURCE_REMOVE;
}

static void
activated (GApplication *app)
{
  static gboolean started;

  if (!started)
    g_timeout_add (200, start_phase, NULL);
  started = TRUE;
}

static void
test_remote (void)
{
  g_autoptr (GError) error = NULL;

  if (!gtk_init_check ())
    {
      g_test_skip ("No display");
      return;
    }
  adw_init ();
  fx.app = mimp_application_new ();
  /* Unique, as `mimp` runs: the second process finds it on the bus. */
  g_signal_connect_after (fx.app, "activate", G_CALLBACK (activated), NULL);
  g_assert_cmpint (g_application_run (G_APPLICATION (fx.app), 0, NULL), ==, 0);
  g_assert_true (fx.ok);
  g_clear_object (&fx.app);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_setenv ("GTK_A11Y", "none", TRUE);
  g_test_add_func ("/add-account-remote/hand-over", test_remote);
  return g_test_run ();
}
