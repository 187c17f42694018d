/* mimp-bench-floor.c - the cold-start floor of the app benchmarks: the least a GTK4 +
 * libadwaita application does to show a window (an AdwApplicationWindow with
 * a header bar), registered on the session bus like mimp. Prints the first
 * frame's time and RSS (mimp-bench-frame.h), then quits.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <adwaita.h>

#include "mimp-bench-frame.h"

static void
painted (GtkWidget *widget, gint64 when_us, gpointer data)
{
  g_application_quit (G_APPLICATION (data));
}

static void
activate (GApplication *app)
{
  GtkWidget *window = adw_application_window_new (GTK_APPLICATION (app));
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);

  gtk_box_append (GTK_BOX (box), adw_header_bar_new ());
  adw_application_window_set_content (ADW_APPLICATION_WINDOW (window), box);
  gtk_window_set_default_size (GTK_WINDOW (window), 960, 640);
  bench_watch_first_frame (window, painted, app);
  gtk_window_present (GTK_WINDOW (window));
}

int
main (int argc, char *argv[])
{
  g_autoptr (AdwApplication) app =
      adw_application_new ("io.github.mimp.BenchFloor", G_APPLICATION_DEFAULT_FLAGS);

  g_signal_connect (app, "activate", G_CALLBACK (activate), NULL);
  return g_application_run (G_APPLICATION (app), argc, argv);
}
