/* mimp-bench-app.c - the app benchmarks (docs/benchmarks.md), driven by
 * build-aux/bench-app.sh. It runs the real MimpApplication in process (the
 * code of `mimp`, linked from mimp-app-core; the app itself has no benchmark
 * hook) and watches it from outside through the frame clock and the models:
 *
 *   mimp-bench-app start
 *       prints "first-frame US RSS_KIB" at the main window's first frame, quits
 *   mimp-bench-app chat --key ACCOUNT/PEER [--messages N] [--pages-per-frame P]
 *       opens the chat, then scrolls back through N messages; prints a JSON line
 *   mimp-bench-app burst --account ID --count N   (password in MIMP_BENCH_PASSWORD)
 *       enables the account, prints "ready", waits for N received messages;
 *       prints a JSON line with the longest main-loop stall and when all were shown
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>
#include <locale.h>
#include <stdlib.h>

#include "mimp-application.h"
#include "mimp-bench-frame.h"
#include "mimp-window.h"

static char *opt_key;
static char *opt_account;
static int opt_messages = 10000;
static double opt_pages_per_frame = 1.0;
static int opt_count = 1000;
static double opt_timeout = 120;
static gboolean opt_no_notifications;

typedef struct
{
  MimpApplication *app;
  const char *mode;
  GtkWidget *window;
  GdkFrameClock *clock;
  gint64 t_open;
  gint64 frame_begin;
  gint64 last_frame_time;
  gboolean opened;
  gboolean scrolling;
  guint n0;
  long rss0;
  GArray *work_us;     /* per frame: update (tick callbacks) to after-paint */
  gint64 max_interval; /* between frames */
  /* burst */
  MimpAccount *account;
  guint received;
  gint64 last_tick;
  gint64 max_gap;
  gint64 idle_max_gap;
  gint64 t_ready;
  gint64 t_stored;
  gboolean stored;
  gboolean measuring;
} Bench;

static gint64 scroll_start;
static GListModel *messages_model (Bench *b);

static void
finish (Bench *b, int status)
{
  if (status != 0)
    exit (status);
  g_application_quit (G_APPLICATION (b->app));
}

static void chat_done (Bench *b, guint scrolled, gint64 elapsed);

static gboolean
on_timeout (gpointer data)
{
  Bench *b = data;

  if (b->scrolling)
    {
      /* Report how far it got: the figures of a partial scroll are still figures. */
      GListModel *model = messages_model (b);

      b->scrolling = FALSE;
      chat_done (b, g_list_model_get_n_items (model) - b->n0,
                 g_get_monotonic_time () - scroll_start);
      return G_SOURCE_REMOVE;
    }
  g_printerr ("mimp-bench-app: %s did not finish within %.0f s\n", ((Bench *) data)->mode,
              opt_timeout);
  exit (2);
  return G_SOURCE_REMOVE;
}

static int
compare_i64 (gconstpointer a, gconstpointer b)
{
  gint64 x = *(const gint64 *) a, y = *(const gint64 *) b;
  return x < y ? -1 : x > y;
}

static double
percentile_ms (GArray *sorted, double p)
{
  guint i;

  if (sorted->len == 0)
    return 0;
  i = (guint) (p * (sorted->len - 1) + 0.5);
  return g_array_index (sorted, gint64, i) / 1000.0;
}

static GListModel *
messages_model (Bench *b)
{
  GtkWidget *view = mimp_window_get_messages_view (MIMP_WINDOW (b->window));
  GtkSelectionModel *model = gtk_list_view_get_model (GTK_LIST_VIEW (view));

  return model ? G_LIST_MODEL (model) : NULL;
}

static GtkAdjustment *
messages_adjustment (Bench *b)
{
  GtkWidget *view = mimp_window_get_messages_view (MIMP_WINDOW (b->window));

  return gtk_scrollable_get_vadjustment (GTK_SCROLLABLE (view));
}

/* --- chat: open, then scroll back ------------------------------------- */

static void
chat_done (Bench *b, guint scrolled, gint64 elapsed)
{
  long rss1 = bench_rss_kib ();

  g_array_sort (b->work_us, compare_i64);
  printf ("{\"open_ms\": %.2f, \"messages_before\": %u, \"scrolled\": %u, \"scroll_s\": %.2f, "
          "\"frames\": %u, \"p50_ms\": %.2f, \"p99_ms\": %.2f, \"max_ms\": %.2f, "
          "\"max_interval_ms\": %.2f, \"rss_open_kib\": %ld, \"rss_growth_kib\": %ld, "
          "\"complete\": %s}\n",
          b->t_open / 1000.0, b->n0, scrolled, elapsed / 1e6, b->work_us->len,
          percentile_ms (b->work_us, 0.50), percentile_ms (b->work_us, 0.99),
          percentile_ms (b->work_us, 1.0), b->max_interval / 1000.0, b->rss0, rss1 - b->rss0,
          scrolled >= (guint) opt_messages ? "true" : "false");
  fflush (stdout);
  finish (b, 0);
}

static void
on_update (GdkFrameClock *clock, Bench *b)
{
  b->frame_begin = g_get_monotonic_time ();
}

static void
on_after_paint (GdkFrameClock *clock, Bench *b)
{
  gint64 now = g_get_monotonic_time ();
  gint64 frame_time = gdk_frame_clock_get_frame_time (clock);
  GListModel *model;
  guint n;

  if (!b->opened)
    {
      model = messages_model (b);
      if (b->t_open == 0 || model == NULL || g_list_model_get_n_items (model) == 0)
        return;
      b->opened = TRUE;
      b->t_open = now - b->t_open; /* from now on: the time it took */
      b->n0 = g_list_model_get_n_items (model);
      b->rss0 = bench_rss_kib ();
      b->scrolling = opt_messages > 0;
      scroll_start = now;
      b->last_frame_time = 0;
      if (!b->scrolling)
        chat_done (b, 0, 0);
      return;
    }
  if (!b->scrolling)
    return;
  if (b->frame_begin > 0)
    g_array_append_val (b->work_us, (gint64){ now - b->frame_begin });
  b->frame_begin = 0;
  if (b->last_frame_time > 0)
    b->max_interval = MAX (b->max_interval, frame_time - b->last_frame_time);
  b->last_frame_time = frame_time;

  n = g_list_model_get_n_items (messages_model (b));
  if (n >= b->n0 + (guint) opt_messages)
    {
      b->scrolling = FALSE;
      chat_done (b, n - b->n0, now - scroll_start);
    }
}

static gboolean
scroll_tick (GtkWidget *widget, GdkFrameClock *clock, gpointer data)
{
  Bench *b = data;
  GtkAdjustment *adj;

  if (!b->opened)
    return G_SOURCE_CONTINUE;
  if (!b->scrolling)
    return G_SOURCE_REMOVE;
  adj = messages_adjustment (b);
  gtk_adjustment_set_value (adj,
                            MAX (gtk_adjustment_get_lower (adj),
                                 gtk_adjustment_get_value (adj) -
                                     opt_pages_per_frame * gtk_adjustment_get_page_size (adj)));
  return G_SOURCE_CONTINUE;
}

static gboolean
wait_for_chat (gpointer data)
{
  Bench *b = data;

  if (mimp_chat_list_lookup (mimp_application_get_chats (b->app), opt_key) == NULL)
    return G_SOURCE_CONTINUE;
  b->t_open = g_get_monotonic_time ();
  mimp_application_open_chat (b->app, opt_key);
  gtk_widget_add_tick_callback (mimp_window_get_messages_view (MIMP_WINDOW (b->window)),
                                scroll_tick, b, NULL);
  return G_SOURCE_REMOVE;
}

/* --- burst: receive N messages, watch the main loop ------------------- */

static gboolean
stall_tick (gpointer data)
{
  Bench *b = data;
  gint64 now = g_get_monotonic_time ();

  if (b->last_tick > 0)
    {
      if (b->measuring)
        b->max_gap = MAX (b->max_gap, now - b->last_tick);
      else
        b->idle_max_gap = MAX (b->idle_max_gap, now - b->last_tick);
    }
  b->last_tick = now;
  return G_SOURCE_CONTINUE;
}

static gboolean
burst_ready (gpointer data)
{
  Bench *b = data;

  b->measuring = TRUE;
  b->t_ready = g_get_monotonic_time ();
  printf ("ready %" G_GINT64_FORMAT "\n", b->t_ready);
  fflush (stdout);
  return G_SOURCE_REMOVE;
}

static gboolean
wait_online (gpointer data)
{
  Bench *b = data;

  if (mimp_account_get_status (b->account) != MIMP_ACCOUNT_STATUS_ONLINE)
    return G_SOURCE_CONTINUE;
  /* One second of the idle main loop as the stall baseline, then go. */
  g_timeout_add_full (G_PRIORITY_HIGH, 1, stall_tick, b, NULL);
  g_timeout_add (1000, burst_ready, b);
  return G_SOURCE_REMOVE;
}

static void
on_message_received (MimpChatList *chats, MimpChat *chat, MimpChatMessage *message, Bench *b)
{
  if (++b->received >= (guint) opt_count && !b->stored)
    {
      b->stored = TRUE;
      b->t_stored = g_get_monotonic_time ();
      gtk_widget_queue_draw (b->window);
    }
}

static void
on_burst_after_paint (GdkFrameClock *clock, Bench *b)
{
  gint64 now = g_get_monotonic_time ();

  if (!b->stored)
    return;
  g_signal_handlers_disconnect_by_func (clock, on_burst_after_paint, b);
  printf ("{\"received\": %u, \"stored_us\": %" G_GINT64_FORMAT ", \"shown_us\": %" G_GINT64_FORMAT
          ", \"stall_max_ms\": %.2f, \"idle_stall_max_ms\": %.2f, \"rss_kib\": %ld}\n",
          b->received, b->t_stored, now, b->max_gap / 1000.0, b->idle_max_gap / 1000.0,
          bench_rss_kib ());
  fflush (stdout);
  finish (b, 0);
}

/* --- common ----------------------------------------------------------- */

static void
first_frame (GtkWidget *window, gint64 when_us, gpointer data)
{
  Bench *b = data;

  b->clock = gtk_widget_get_frame_clock (window);
  if (g_str_equal (b->mode, "start"))
    finish (b, 0);
  else if (g_str_equal (b->mode, "chat"))
    {
      g_signal_connect (b->clock, "update", G_CALLBACK (on_update), b);
      g_signal_connect_after (b->clock, "after-paint", G_CALLBACK (on_after_paint), b);
      g_timeout_add (1, wait_for_chat, b);
    }
  else
    {
      const char *password = g_getenv ("MIMP_BENCH_PASSWORD");

      b->account =
          mimp_account_manager_lookup (mimp_application_get_accounts (b->app), opt_account);
      if (b->account == NULL || password == NULL)
        {
          g_printerr ("mimp-bench-app: no account %s or no MIMP_BENCH_PASSWORD\n", opt_account);
          finish (b, 1);
          return;
        }
      g_signal_connect (mimp_application_get_chats (b->app), "message-received",
                        G_CALLBACK (on_message_received), b);
      g_signal_connect_after (b->clock, "after-paint", G_CALLBACK (on_burst_after_paint), b);
      if (opt_no_notifications)
        g_settings_set_boolean (mimp_application_get_settings (b->app), "notifications", FALSE);
      mimp_account_use_password (b->account, password, TRUE);
      mimp_account_set_enabled (b->account, TRUE);
      g_timeout_add (5, wait_online, b);
    }
}

static void
on_window_added (GtkApplication *app, GtkWindow *window, Bench *b)
{
  if (b->window != NULL || !MIMP_IS_WINDOW (window))
    return;
  b->window = GTK_WIDGET (window);
  bench_watch_first_frame (b->window, first_frame, b);
}

int
main (int argc, char *argv[])
{
  g_autoptr (MimpApplication) app = NULL;
  g_autoptr (GOptionContext) context = g_option_context_new ("start|chat|burst");
  g_autoptr (GError) error = NULL;
  GOptionEntry entries[] = {
    { "key", 0, 0, G_OPTION_ARG_STRING, &opt_key, "chat: ACCOUNT/PEER to open", "KEY" },
    { "messages", 0, 0, G_OPTION_ARG_INT, &opt_messages, "chat: messages to scroll back", "N" },
    { "pages-per-frame", 0, 0, G_OPTION_ARG_DOUBLE, &opt_pages_per_frame,
      "chat: scroll speed, in view heights per frame", "P" },
    { "account", 0, 0, G_OPTION_ARG_STRING, &opt_account, "burst: the account's id", "ID" },
    { "count", 0, 0, G_OPTION_ARG_INT, &opt_count, "burst: messages to wait for", "N" },
    { "no-notifications", 0, 0, G_OPTION_ARG_NONE, &opt_no_notifications,
      "burst: with notifications turned off in the preferences", NULL },
    { "timeout", 0, 0, G_OPTION_ARG_DOUBLE, &opt_timeout, "give up after S seconds", "S" },
    { NULL },
  };
  Bench b = { 0 };
  char *app_argv[] = { argv[0], NULL };

  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error) || argc != 2 ||
      !(g_str_equal (argv[1], "start") || g_str_equal (argv[1], "chat") ||
        g_str_equal (argv[1], "burst")) ||
      (g_str_equal (argv[1], "chat") && opt_key == NULL) ||
      (g_str_equal (argv[1], "burst") && opt_account == NULL))
    {
      g_printerr ("usage: mimp-bench-app start | chat --key K | burst --account ID%s%s\n",
                  error ? ": " : "", error ? error->message : "");
      return 2;
    }

  b.mode = argv[1];
  b.work_us = g_array_new (FALSE, FALSE, sizeof (gint64));
  app = mimp_application_new ();
  b.app = app;
  g_signal_connect (app, "window-added", G_CALLBACK (on_window_added), &b);
  g_timeout_add ((guint) (opt_timeout * 1000), on_timeout, &b);
  return g_application_run (G_APPLICATION (app), 1, app_argv);
}
