/* mimpd-timers.c
 *
 * Each held long poll and each delayed login answer needs a timer. As one
 * GSource each, 10,000 idle connections meant 10,000 sources that every
 * main loop iteration walks (g_main_context_prepare and _check are linear
 * in the number of sources). Here they sit in one ordered sequence behind a
 * single GSource whose ready time is the earliest deadline.
 *
 * Semantics follow g_timeout_add_full (G_PRIORITY_DEFAULT, ...) for one-shot
 * callbacks: the callback runs once, about @ms milliseconds later (its
 * return value is ignored), then @destroy; removing a timer that has not
 * fired calls @destroy only. Timers with the same deadline fire in the order
 * they were added.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "mimpd"

#include "config.h"

#include "mimpd-timers.h"

struct _MimpdTimer
{
  gint64 deadline; /* monotonic µs */
  guint64 serial;
  GSourceFunc func;
  gpointer data;
  GDestroyNotify destroy;
  GSequenceIter *iter; /* %NULL once taken out (firing or removed) */
};

struct _MimpdTimers
{
  GSource *source;
  GSequence *queue; /* of MimpdTimer, by deadline then serial */
  guint64 serial;
};

typedef struct
{
  GSource source;
  MimpdTimers *timers;
} TimersSource;

static gint
timer_compare (gconstpointer a, gconstpointer b, gpointer user_data)
{
  const MimpdTimer *x = a, *y = b;

  if (x->deadline != y->deadline)
    return x->deadline < y->deadline ? -1 : 1;
  return x->serial < y->serial ? -1 : x->serial > y->serial;
}

static void
update_ready_time (MimpdTimers *timers)
{
  GSequenceIter *first = g_sequence_get_begin_iter (timers->queue);

  if (g_sequence_iter_is_end (first))
    g_source_set_ready_time (timers->source, -1);
  else
    g_source_set_ready_time (timers->source, ((MimpdTimer *) g_sequence_get (first))->deadline);
}

static gboolean
timers_dispatch (GSource *source, GSourceFunc callback, gpointer user_data)
{
  MimpdTimers *timers = ((TimersSource *) source)->timers;
  gint64 now = g_source_get_time (source);

  for (;;)
    {
      GSequenceIter *first = g_sequence_get_begin_iter (timers->queue);
      MimpdTimer *timer;

      if (g_sequence_iter_is_end (first))
        break;
      timer = g_sequence_get (first);
      if (timer->deadline > now)
        break;
      g_sequence_remove (first);
      timer->iter = NULL;
      timer->func (timer->data);
      if (timer->destroy != NULL)
        timer->destroy (timer->data);
      g_free (timer);
    }
  update_ready_time (timers);
  return G_SOURCE_CONTINUE;
}

static GSourceFuncs timers_source_funcs = {
  NULL, NULL, timers_dispatch, NULL, NULL, NULL,
};

MimpdTimers *
mimpd_timers_new (void)
{
  MimpdTimers *timers = g_new0 (MimpdTimers, 1);

  timers->queue = g_sequence_new (NULL);
  timers->source = g_source_new (&timers_source_funcs, sizeof (TimersSource));
  ((TimersSource *) timers->source)->timers = timers;
  g_source_set_name (timers->source, "mimpd timers");
  g_source_set_priority (timers->source, G_PRIORITY_DEFAULT);
  g_source_set_ready_time (timers->source, -1);
  g_source_attach (timers->source, NULL);
  return timers;
}

/**
 * mimpd_timers_get_default:
 *
 * The timers of the default main context, made on first use and kept for the
 * life of the process (as the context itself is).
 */
MimpdTimers *
mimpd_timers_get_default (void)
{
  static MimpdTimers *timers;

  if (timers == NULL)
    timers = mimpd_timers_new ();
  return timers;
}

/**
 * mimpd_timers_free:
 *
 * Frees @timers when no timer is pending. Pending timers stay attached to
 * the main context and still fire, as GLib's own timeouts would after their
 * owner is gone.
 */
void
mimpd_timers_free (MimpdTimers *timers)
{
  if (timers == NULL || g_sequence_get_length (timers->queue) > 0)
    return;
  g_source_destroy (timers->source);
  g_source_unref (timers->source);
  g_sequence_free (timers->queue);
  g_free (timers);
}

MimpdTimer *
mimpd_timers_add (MimpdTimers *timers, guint ms, GSourceFunc func, gpointer data,
                  GDestroyNotify destroy)
{
  MimpdTimer *timer = g_new0 (MimpdTimer, 1);

  timer->deadline = g_get_monotonic_time () + (gint64) ms * 1000;
  timer->serial = timers->serial++;
  timer->func = func;
  timer->data = data;
  timer->destroy = destroy;
  timer->iter = g_sequence_insert_sorted (timers->queue, timer, timer_compare, NULL);
  if (g_sequence_iter_is_begin (timer->iter))
    update_ready_time (timers);
  return timer;
}

/**
 * mimpd_timers_remove:
 *
 * Cancels a timer that has not fired: its destroy notify runs, its callback
 * never does. Removing a timer from inside its own callback does nothing.
 */
void
mimpd_timers_remove (MimpdTimers *timers, MimpdTimer *timer)
{
  gboolean was_first;

  if (timer == NULL || timer->iter == NULL)
    return;
  was_first = g_sequence_iter_is_begin (timer->iter);
  g_sequence_remove (timer->iter);
  timer->iter = NULL;
  if (was_first)
    update_ready_time (timers);
  if (timer->destroy != NULL)
    timer->destroy (timer->data);
  g_free (timer);
}

guint
mimpd_timers_count (MimpdTimers *timers)
{
  return (guint) g_sequence_get_length (timers->queue);
}
