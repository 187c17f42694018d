/* mimp-bench-frame.h - the first-frame probe shared by mimp-bench-app and
 * mimp-bench-floor (docs/benchmarks.md, App; build-aux/bench-app.sh)
 *
 * Both print "first-frame MONOTONIC_US RSS_KIB" on standard output when the
 * window's frame clock finishes painting its first frame, so the driver can
 * subtract the CLOCK_MONOTONIC time it took just before exec.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>
#include <stdio.h>

static inline long
bench_rss_kib (void)
{
  g_autofree char *status = NULL;
  const char *line;

  if (!g_file_get_contents ("/proc/self/status", &status, NULL, NULL))
    return -1;
  line = strstr (status, "VmRSS:");
  return line ? strtol (line + strlen ("VmRSS:"), NULL, 10) : -1;
}

typedef void (*BenchFirstFrameFunc) (GtkWidget *widget, gint64 when_us, gpointer data);

typedef struct
{
  BenchFirstFrameFunc func;
  gpointer data;
  GtkWidget *widget;
  gulong handler;
} BenchFirstFrame;

static inline void
bench_first_frame_painted (GdkFrameClock *clock, BenchFirstFrame *probe)
{
  gint64 now = g_get_monotonic_time ();

  g_signal_handler_disconnect (clock, probe->handler);
  printf ("first-frame %" G_GINT64_FORMAT " %ld\n", now, bench_rss_kib ());
  fflush (stdout);
  if (probe->func != NULL)
    probe->func (probe->widget, now, probe->data);
  g_free (probe);
}

static inline void
bench_first_frame_realized (GtkWidget *widget, BenchFirstFrame *probe)
{
  GdkFrameClock *clock = gtk_widget_get_frame_clock (widget);

  g_signal_handlers_disconnect_by_func (widget, bench_first_frame_realized, probe);
  probe->handler =
      g_signal_connect_after (clock, "after-paint", G_CALLBACK (bench_first_frame_painted), probe);
}

/* Calls func (if any) once the first frame of widget's window was painted. */
static inline void
bench_watch_first_frame (GtkWidget *widget, BenchFirstFrameFunc func, gpointer data)
{
  BenchFirstFrame *probe = g_new0 (BenchFirstFrame, 1);

  probe->func = func;
  probe->data = data;
  probe->widget = widget;
  if (gtk_widget_get_realized (widget))
    bench_first_frame_realized (widget, probe);
  else
    g_signal_connect_after (widget, "realize", G_CALLBACK (bench_first_frame_realized), probe);
}
