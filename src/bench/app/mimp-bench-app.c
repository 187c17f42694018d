/* mimp-bench-app.c - the app benchmarks (docs/benchmarks.md), driven by
 * build-aux/bench-app.sh. It runs the real MimpApplication in process (the
 * code of `mimp`, linked from mimp-app-core; the app itself has no benchmark
 * hook) and watches it from outside through the frame clock and the models:
 *
 *   mimp-bench-app start
 *       prints "first-frame US RSS_KIB" at the main window's first frame, quits
 *   mimp-bench-app chat --key ACCOUNT/PEER [--messages N] [--pages-per-frame P]
 *       opens the chat, then scrolls back through N messages; prints a JSON line
 *   mimp-bench-app search --key ACCOUNT/PEER
 *       on a history from before search: waits for the background index build
 *       (watching the main loop meanwhile), then times searches through the
 *       history's API against loading the chat's newest page; prints a JSON line
 *   mimp-bench-app burst --account ID --count N   (password in MIMP_BENCH_PASSWORD)
 *       enables the account, prints "ready", waits for N received messages;
 *       prints a JSON line with the longest main-loop stall and when all were shown
 *   mimp-bench-app soak --account A,B,C --count N [--switch-ms MS]
 *       hours of use: enables the accounts (one password, MIMP_BENCH_PASSWORD),
 *       prints "ready", then opens the next chat of the list every MS while it
 *       waits for N received messages; samples RSS every second and prints a
 *       JSON line with RSS at ready, after the first tenth, the highest, at the
 *       end, and the main loop's stalls (the longest, how many over 50 ms)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>
#include <locale.h>
#include <stdlib.h>
#include <time.h>

#include "mimp-application.h"
#include "mimp-bench-frame.h"
#include "mimp-history.h"
#include "mimp-window.h"

static char *opt_key;
static char *opt_account;
static int opt_messages = 10000;
static double opt_pages_per_frame = 1.0;
static int opt_count = 1000;
static double opt_timeout = 120;
static gboolean opt_no_notifications;
static int opt_switch_ms = 2000;

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
  GArray *work_us;      /* per frame: update (tick callbacks) to after-paint */
  GArray *work_cpu_us;  /* per frame: the main thread's CPU time in the same */
  GArray *page_cpu_us;  /* the same, for frames after a page of older messages came */
  GArray *other_cpu_us; /* and for the others */
  gboolean page_added;
  gint64 frame_begin_cpu;
  gint64 max_interval; /* between frames */
  /* burst and soak */
  GPtrArray *accounts;
  guint received;
  gint64 last_tick;
  gint64 max_gap;
  gint64 max_gap_cpu; /* the most CPU time the main thread spent between two ticks */
  gint64 last_tick_cpu;
  guint cpu_stalls_over_50ms;
  gint64 idle_max_gap;
  gint64 t_ready;
  gint64 t_stored;
  gboolean stored;
  gboolean measuring;
  /* soak */
  guint stalls_over_50ms;
  guint switches;
  gint64 switch_max; /* the longest mimp_application_open_chat () call */
  guint next_chat;
  long rss_ready;
  long rss_warm; /* after the first tenth of the messages */
  long rss_max;
  gint64 t_done;
} Bench;

static gint64 scroll_start;
static gint64 t_main; /* when main() began: the search index build starts with the app */
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

/* The main thread's CPU time, in microseconds. */
static gint64
thread_cpu_us (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec * G_USEC_PER_SEC + ts.tv_nsec / 1000;
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
  g_array_sort (b->work_cpu_us, compare_i64);
  g_array_sort (b->page_cpu_us, compare_i64);
  g_array_sort (b->other_cpu_us, compare_i64);
  printf ("{\"open_ms\": %.2f, \"messages_before\": %u, \"scrolled\": %u, \"scroll_s\": %.2f, "
          "\"frames\": %u, \"p50_ms\": %.2f, \"p99_ms\": %.2f, \"max_ms\": %.2f, "
          "\"max_interval_ms\": %.2f, \"rss_open_kib\": %ld, \"rss_growth_kib\": %ld, "
          "\"cpu_p50_ms\": %.2f, \"cpu_p99_ms\": %.2f, \"cpu_max_ms\": %.2f, "
          "\"page_frames\": %u, \"page_cpu_p50_ms\": %.2f, \"other_cpu_p99_ms\": %.2f, "
          "\"other_cpu_max_ms\": %.2f, \"complete\": %s}\n",
          b->t_open / 1000.0, b->n0, scrolled, elapsed / 1e6, b->work_us->len,
          percentile_ms (b->work_us, 0.50), percentile_ms (b->work_us, 0.99),
          percentile_ms (b->work_us, 1.0), b->max_interval / 1000.0, b->rss0, rss1 - b->rss0,
          percentile_ms (b->work_cpu_us, 0.50), percentile_ms (b->work_cpu_us, 0.99),
          percentile_ms (b->work_cpu_us, 1.0), b->page_cpu_us->len,
          percentile_ms (b->page_cpu_us, 0.5), percentile_ms (b->other_cpu_us, 0.99),
          percentile_ms (b->other_cpu_us, 1.0),
          scrolled >= (guint) opt_messages ? "true" : "false");
  fflush (stdout);
  finish (b, 0);
}

static void
on_page_added (Bench *b, guint position, guint removed, guint added)
{
  if (position == 0 && added > 0)
    b->page_added = TRUE;
}

static void
on_update (GdkFrameClock *clock, Bench *b)
{
  b->frame_begin = g_get_monotonic_time ();
  b->frame_begin_cpu = thread_cpu_us ();
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
      g_signal_connect_swapped (model, "items-changed", G_CALLBACK (on_page_added), b);
      if (!b->scrolling)
        chat_done (b, 0, 0);
      return;
    }
  if (!b->scrolling)
    return;
  if (b->frame_begin > 0)
    {
      gint64 cpu = thread_cpu_us () - b->frame_begin_cpu;

      g_array_append_val (b->work_us, (gint64){ now - b->frame_begin });
      g_array_append_val (b->work_cpu_us, cpu);
      /* The frame laying out a page of older messages, or any other. */
      g_array_append_val (b->page_added ? b->page_cpu_us : b->other_cpu_us, cpu);
    }
  b->page_added = FALSE;
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

/* A gap between two ticks is a stall; the main thread's CPU time in it says
 * how much of it the app was working rather than waiting (for a blocking
 * call, or for a core: the benchmark machine is shared). */
static gboolean
stall_tick (gpointer data)
{
  Bench *b = data;
  gint64 now = g_get_monotonic_time ();
  gint64 cpu = thread_cpu_us ();

  if (b->last_tick > 0)
    {
      if (b->measuring && now - b->last_tick > 50000)
        b->stalls_over_50ms++;
      if (b->measuring && cpu - b->last_tick_cpu > 50000)
        b->cpu_stalls_over_50ms++;
      if (b->measuring)
        {
          b->max_gap = MAX (b->max_gap, now - b->last_tick);
          b->max_gap_cpu = MAX (b->max_gap_cpu, cpu - b->last_tick_cpu);
        }
      else
        b->idle_max_gap = MAX (b->idle_max_gap, now - b->last_tick);
    }
  b->last_tick = now;
  b->last_tick_cpu = cpu;
  return G_SOURCE_CONTINUE;
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

/* --- search: the background index build, then queries ----------------- */

/* Over the fixture's text ("Message N lorem ipsum dolor sit amet, ..."):
 * words in almost every message, two together, a prefix, a number in one
 * message, a word in none. */
static const char *const search_queries[] = { "lorem",  "dolor sit", "incid",       "mess",
                                              "123456", "xyzzy",     "magna aliqua" };
#define SEARCH_RUNS 7

typedef struct
{
  Bench *b;
  MimpHistory *history;
  gint64 t_start;
  gint64 t_built;
  guint query; /* index into search_queries, G_N_ELEMENTS for the page baseline */
  guint run;
  gint64 t_call;
  guint n_results;
  GArray *times; /* gint64 µs, this query's runs */
  GString *json;
  GArray *all_search; /* every search's µs */
} SearchBench;

static void search_next (SearchBench *s);

static gint64
median_us (GArray *times)
{
  g_array_sort (times, compare_i64);
  return g_array_index (times, gint64, times->len / 2);
}

static void
search_record (SearchBench *s, guint n)
{
  gint64 us = g_get_monotonic_time () - s->t_call;

  g_array_append_val (s->times, us);
  s->n_results = n;
  if (++s->run < SEARCH_RUNS)
    {
      search_next (s);
      return;
    }
  /* The first run of each reads the index from disk into the page cache:
   * kept, the median is of the runs. */
  if (s->query < G_N_ELEMENTS (search_queries))
    {
      gint64 first = g_array_index (s->times, gint64, 0);
      gint64 median = median_us (s->times); /* sorts */
      gint64 max = g_array_index (s->times, gint64, s->times->len - 1);

      g_array_append_vals (s->all_search, s->times->data, s->times->len);
      g_string_append_printf (s->json,
                              "%s{\"query\": \"%s\", \"results\": %u, \"median_ms\": %.2f, "
                              "\"first_ms\": %.2f, \"max_ms\": %.2f}",
                              s->query > 0 ? ", " : "", search_queries[s->query], s->n_results,
                              median / 1000.0, first / 1000.0, max / 1000.0);
    }
  else
    {
      Bench *b = s->b;
      gint64 page = median_us (s->times);

      g_array_sort (s->all_search, compare_i64);
      printf ("{\"index_build_s\": %.2f, \"index_stall_max_ms\": %.2f, "
              "\"search_median_ms\": %.2f, \"search_p90_ms\": %.2f, \"search_max_ms\": %.2f, "
              "\"page_median_ms\": %.2f, \"queries\": [%s], \"rss_kib\": %ld}\n",
              (s->t_built - s->t_start) / 1e6, b->max_gap / 1000.0,
              percentile_ms (s->all_search, 0.5), percentile_ms (s->all_search, 0.9),
              percentile_ms (s->all_search, 1.0), page / 1000.0, s->json->str, bench_rss_kib ());
      fflush (stdout);
      finish (b, 0);
      return;
    }
  s->query++;
  s->run = 0;
  g_array_set_size (s->times, 0);
  search_next (s);
}

static void
search_done (GObject *source, GAsyncResult *result, gpointer data)
{
  SearchBench *s = data;
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) found = mimp_history_search_finish (s->history, result, &error);

  if (found == NULL)
    {
      g_printerr ("mimp-bench-app: search failed: %s\n", error->message);
      finish (s->b, 1);
      return;
    }
  search_record (s, found->len);
}

static void
page_done (GObject *source, GAsyncResult *result, gpointer data)
{
  SearchBench *s = data;
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) page = mimp_history_load_page_finish (s->history, result, &error);

  if (page == NULL)
    {
      g_printerr ("mimp-bench-app: page failed: %s\n", error->message);
      finish (s->b, 1);
      return;
    }
  search_record (s, page->len);
}

static void
search_next (SearchBench *s)
{
  s->t_call = g_get_monotonic_time ();
  if (s->query < G_N_ELEMENTS (search_queries))
    /* As many as the search window asks for. */
    mimp_history_search_async (s->history, search_queries[s->query], 200, NULL, search_done, s);
  else
    {
      /* The baseline: what opening the chat asks of the history (its newest
       * 20 messages), timed the same way in the same process. */
      g_auto (GStrv) key = g_strsplit (opt_key, "/", 2);
      mimp_history_load_page_async (s->history, key[0], key[1] ? key[1] : "", NULL, 20, NULL,
                                    page_done, s);
    }
}

static void
on_search_progress (MimpHistory *history, GParamSpec *pspec, SearchBench *s)
{
  if (mimp_history_get_search_progress (history) < 1.0 || s->t_built != 0)
    return;
  s->t_built = g_get_monotonic_time ();
  s->b->measuring = FALSE;
  search_next (s);
}

static void
start_search_bench (Bench *b)
{
  SearchBench *s = g_new0 (SearchBench, 1);

  s->b = b;
  s->history = mimp_account_manager_get_history (mimp_application_get_accounts (b->app));
  s->t_start = t_main;
  /* The longest main-loop stall while the index is built (the app must stay
   * responsive), as in the burst, from the window's first frame on. */
  b->measuring = TRUE;
  g_timeout_add_full (G_PRIORITY_HIGH, 1, stall_tick, b, NULL);
  s->times = g_array_new (FALSE, FALSE, sizeof (gint64));
  s->all_search = g_array_new (FALSE, FALSE, sizeof (gint64));
  s->json = g_string_new (NULL);
  g_signal_connect (s->history, "notify::search-progress", G_CALLBACK (on_search_progress), s);
  on_search_progress (s->history, NULL, s);
}

/* --- soak: hours of use, several accounts, the window switching chats -- */

static gboolean
soak_sample_rss (gpointer data)
{
  Bench *b = data;

  if (b->stored)
    return G_SOURCE_REMOVE;
  b->rss_max = MAX (b->rss_max, bench_rss_kib ());
  return G_SOURCE_CONTINUE;
}

/* The next chat of the list, as a person going through them would. */
static gboolean
soak_switch_chat (gpointer data)
{
  Bench *b = data;
  GListModel *chats = G_LIST_MODEL (mimp_application_get_chats (b->app));
  guint n = g_list_model_get_n_items (chats);
  g_autoptr (MimpChat) chat = NULL;
  gint64 t0;

  if (b->stored)
    return G_SOURCE_REMOVE;
  if (n == 0)
    return G_SOURCE_CONTINUE;
  chat = g_list_model_get_item (chats, b->next_chat++ % n);
  t0 = g_get_monotonic_time ();
  mimp_application_open_chat (b->app, mimp_chat_get_key (chat));
  b->switch_max = MAX (b->switch_max, g_get_monotonic_time () - t0);
  b->switches++;
  return G_SOURCE_CONTINUE;
}

/* All received: a few seconds for what the app does after a burst (the
 * chat list's idles, a flush of the history), then the figures. */
static gboolean
soak_report (gpointer data)
{
  Bench *b = data;
  long rss_end = bench_rss_kib ();

  b->measuring = FALSE;
  b->rss_max = MAX (b->rss_max, rss_end);
  printf ("{\"received\": %u, \"accounts\": %u, \"chats\": %u, \"switches\": %u, "
          "\"receive_s\": %.2f, \"rss_ready_kib\": %ld, \"rss_warm_kib\": %ld, "
          "\"rss_max_kib\": %ld, \"rss_end_kib\": %ld, \"rss_growth_kib\": %ld, "
          "\"rss_growth_warm_kib\": %ld, \"stall_max_ms\": %.2f, \"stalls_over_50ms\": %u, "
          "\"idle_stall_max_ms\": %.2f, \"stall_cpu_max_ms\": %.2f, "
          "\"cpu_stalls_over_50ms\": %u, \"switch_max_ms\": %.2f}\n",
          b->received, b->accounts->len,
          g_list_model_get_n_items (G_LIST_MODEL (mimp_application_get_chats (b->app))),
          b->switches, (b->t_done - b->t_ready) / 1e6, b->rss_ready, b->rss_warm, b->rss_max,
          rss_end, rss_end - b->rss_ready, rss_end - b->rss_warm, b->max_gap / 1000.0,
          b->stalls_over_50ms, b->idle_max_gap / 1000.0, b->max_gap_cpu / 1000.0,
          b->cpu_stalls_over_50ms, b->switch_max / 1000.0);
  fflush (stdout);
  finish (b, 0);
  return G_SOURCE_REMOVE;
}

static void
on_soak_message_received (MimpChatList *chats, MimpChat *chat, MimpChatMessage *message, Bench *b)
{
  if (b->stored)
    return;
  if (++b->received == (guint) MAX (1, opt_count / 10))
    b->rss_warm = bench_rss_kib ();
  if (b->received >= (guint) opt_count)
    {
      b->stored = TRUE;
      b->t_done = g_get_monotonic_time ();
      g_timeout_add (3000, soak_report, b);
    }
}

/* --- burst and soak: the accounts online, then go ---------------------- */

static gboolean
go (gpointer data)
{
  Bench *b = data;

  b->measuring = TRUE;
  b->t_ready = g_get_monotonic_time ();
  if (g_str_equal (b->mode, "soak"))
    {
      b->rss_ready = b->rss_max = bench_rss_kib ();
      g_timeout_add (1000, soak_sample_rss, b);
      g_timeout_add (opt_switch_ms, soak_switch_chat, b);
    }
  printf ("ready %" G_GINT64_FORMAT "\n", b->t_ready);
  fflush (stdout);
  return G_SOURCE_REMOVE;
}

static gboolean
wait_online (gpointer data)
{
  Bench *b = data;

  for (guint i = 0; i < b->accounts->len; i++)
    if (mimp_account_get_status (b->accounts->pdata[i]) != MIMP_ACCOUNT_STATUS_ONLINE)
      return G_SOURCE_CONTINUE;
  /* One second of the idle main loop as the stall baseline, then go. The
   * soak's probe runs every 10 ms, not every 1 ms as in the burst: a
   * high-priority source that is due at every iteration keeps the idle
   * sources from running at all (the chat list's, the notifier's), and
   * half an hour of that would measure the probe. A gap over 10 ms is a
   * stall of gap - 10 ms at most. */
  g_timeout_add_full (G_PRIORITY_HIGH, g_str_equal (b->mode, "soak") ? 10 : 1, stall_tick, b, NULL);
  g_timeout_add (1000, go, b);
  return G_SOURCE_REMOVE;
}

/* Enables the accounts of --account (one password for all), counting what
 * they receive with @received. */
static void
start_accounts (Bench *b, GCallback received)
{
  const char *password = g_getenv ("MIMP_BENCH_PASSWORD");
  g_auto (GStrv) ids = g_strsplit (opt_account, ",", -1);

  b->accounts = g_ptr_array_new ();
  for (guint i = 0; ids[i] != NULL; i++)
    {
      MimpAccount *account =
          mimp_account_manager_lookup (mimp_application_get_accounts (b->app), ids[i]);

      if (account == NULL || password == NULL)
        {
          g_printerr ("mimp-bench-app: no account %s or no MIMP_BENCH_PASSWORD\n", ids[i]);
          finish (b, 1);
          return;
        }
      g_ptr_array_add (b->accounts, account);
    }
  g_signal_connect (mimp_application_get_chats (b->app), "message-received", received, b);
  for (guint i = 0; i < b->accounts->len; i++)
    {
      mimp_account_use_password (b->accounts->pdata[i], password, TRUE);
      mimp_account_set_enabled (b->accounts->pdata[i], TRUE);
    }
  g_timeout_add (5, wait_online, b);
}

/* --- common ----------------------------------------------------------- */

static void
first_frame (GtkWidget *window, gint64 when_us, gpointer data)
{
  Bench *b = data;

  b->clock = gtk_widget_get_frame_clock (window);
  if (g_str_equal (b->mode, "start"))
    finish (b, 0);
  else if (g_str_equal (b->mode, "search"))
    start_search_bench (b);
  else if (g_str_equal (b->mode, "chat"))
    {
      g_signal_connect (b->clock, "update", G_CALLBACK (on_update), b);
      g_signal_connect_after (b->clock, "after-paint", G_CALLBACK (on_after_paint), b);
      g_timeout_add (1, wait_for_chat, b);
    }
  else if (g_str_equal (b->mode, "soak"))
    start_accounts (b, G_CALLBACK (on_soak_message_received));
  else
    {
      g_signal_connect_after (b->clock, "after-paint", G_CALLBACK (on_burst_after_paint), b);
      if (opt_no_notifications)
        g_settings_set_boolean (mimp_application_get_settings (b->app), "notifications", FALSE);
      start_accounts (b, G_CALLBACK (on_message_received));
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
  g_autoptr (GOptionContext) context = g_option_context_new ("start|chat|search|burst|soak");
  g_autoptr (GError) error = NULL;
  GOptionEntry entries[] = {
    { "key", 0, 0, G_OPTION_ARG_STRING, &opt_key, "chat: ACCOUNT/PEER to open", "KEY" },
    { "messages", 0, 0, G_OPTION_ARG_INT, &opt_messages, "chat: messages to scroll back", "N" },
    { "pages-per-frame", 0, 0, G_OPTION_ARG_DOUBLE, &opt_pages_per_frame,
      "chat: scroll speed, in view heights per frame", "P" },
    { "account", 0, 0, G_OPTION_ARG_STRING, &opt_account,
      "burst: the account's id; soak: the accounts' ids, separated by commas", "ID" },
    { "count", 0, 0, G_OPTION_ARG_INT, &opt_count, "burst, soak: messages to wait for", "N" },
    { "switch-ms", 0, 0, G_OPTION_ARG_INT, &opt_switch_ms,
      "soak: open the next chat every MS milliseconds", "MS" },
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
        g_str_equal (argv[1], "burst") || g_str_equal (argv[1], "search") ||
        g_str_equal (argv[1], "soak")) ||
      ((g_str_equal (argv[1], "chat") || g_str_equal (argv[1], "search")) && opt_key == NULL) ||
      ((g_str_equal (argv[1], "burst") || g_str_equal (argv[1], "soak")) && opt_account == NULL) ||
      opt_switch_ms <= 0)
    {
      g_printerr ("usage: mimp-bench-app start | chat --key K | search --key K | burst --account "
                  "ID | soak --account A,B,C%s%s\n",
                  error ? ": " : "", error ? error->message : "");
      return 2;
    }

  b.mode = argv[1];
  t_main = g_get_monotonic_time ();

  b.work_us = g_array_new (FALSE, FALSE, sizeof (gint64));
  b.work_cpu_us = g_array_new (FALSE, FALSE, sizeof (gint64));
  b.page_cpu_us = g_array_new (FALSE, FALSE, sizeof (gint64));
  b.other_cpu_us = g_array_new (FALSE, FALSE, sizeof (gint64));
  app = mimp_application_new ();
  b.app = app;
  g_signal_connect (app, "window-added", G_CALLBACK (on_window_added), &b);
  g_timeout_add ((guint) (opt_timeout * 1000), on_timeout, &b);
  return g_application_run (G_APPLICATION (app), 1, app_argv);
}
