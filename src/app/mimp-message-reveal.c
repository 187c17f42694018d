/* mimp-message-reveal.c
 *
 * GTK 4.8's GtkListView has no scroll_to(), and a row's height is known
 * only once its widget is made and measured, which moves the adjustment's
 * upper bound under the rows estimated so far. So, frame by frame: while
 * the row has no widget in sight, the list's own "list.scroll-to-item"
 * brings it in; once it has one, the adjustment centres it; this goes on
 * until the row stays where it is for a few frames with an unchanged upper
 * bound (the heights around it settled), or a deadline. Then the message is
 * marked for a moment ("found", style.css), and the caller told.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "mimp-message-reveal"

#include "config.h"

#include "mimp-message-reveal.h"
#include "mimp-message-row.h"

#define SETTLED_FRAMES 3
#define DEADLINE_US (3 * G_USEC_PER_SEC)
#define MARK_MS 2000

typedef struct
{
  guint position;
  guint settled;
  gint64 deadline;
  double last_upper;
  GSourceFunc done;
  gpointer data;
} Reveal;

/* The message row showing @position's item, if it has one now. */
static GtkWidget *
find_row (GtkListView *view, guint position)
{
  GtkSelectionModel *model = gtk_list_view_get_model (view);
  g_autoptr (GObject) item = NULL;

  if (model == NULL || position >= g_list_model_get_n_items (G_LIST_MODEL (model)))
    return NULL;
  item = g_list_model_get_item (G_LIST_MODEL (model), position);
  for (GtkWidget *child = gtk_widget_get_first_child (GTK_WIDGET (view)); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *row = gtk_widget_get_first_child (child);

      if (row != NULL && MIMP_IS_MESSAGE_ROW (row) &&
          (GObject *) mimp_message_row_get_message (MIMP_MESSAGE_ROW (row)) == item &&
          gtk_widget_get_mapped (row))
        return row;
    }
  return NULL;
}

/* Where the row is in the view, or FALSE without one. */
static gboolean
row_bounds (GtkListView *view, guint position, GtkWidget **row, graphene_rect_t *bounds)
{
  *row = find_row (view, position);
  return *row != NULL && gtk_widget_compute_bounds (*row, GTK_WIDGET (view), bounds);
}

/**
 * mimp_message_reveal_is_visible:
 *
 * Returns: whether the row of @position is within the view's viewport
 *   (its top edge, for a row taller than the view)
 */
gboolean
mimp_message_reveal_is_visible (GtkListView *view, guint position)
{
  GtkWidget *row;
  graphene_rect_t bounds;
  double height = gtk_widget_get_height (GTK_WIDGET (view));

  if (!row_bounds (view, position, &row, &bounds))
    return FALSE;
  return bounds.origin.y >= 0 &&
         (bounds.origin.y + bounds.size.height <= height || bounds.origin.y < height / 2);
}

typedef struct
{
  GtkWidget *row;
  GSourceFunc done;
  gpointer data;
} Mark;

static gboolean
unmark (gpointer data)
{
  Mark *mark = data;

  if (mark->row != NULL)
    gtk_widget_remove_css_class (mark->row, "found");
  if (mark->done != NULL)
    mark->done (mark->data);
  g_clear_object (&mark->row);
  g_free (mark);
  return G_SOURCE_REMOVE;
}

static gboolean
reveal_tick (GtkWidget *widget, GdkFrameClock *clock, gpointer data)
{
  GtkListView *view = GTK_LIST_VIEW (widget);
  Reveal *reveal = data;
  GtkAdjustment *adj = gtk_scrollable_get_vadjustment (GTK_SCROLLABLE (view));
  double upper = gtk_adjustment_get_upper (adj);
  double page = gtk_adjustment_get_page_size (adj);
  GtkWidget *row;
  graphene_rect_t bounds;

  if (!row_bounds (view, reveal->position, &row, &bounds))
    {
      /* Its row is not made yet: the list scrolls to it (at an edge). */
      reveal->settled = 0;
      gtk_widget_activate_action (widget, "list.scroll-to-item", "u", reveal->position);
    }
  else
    {
      double offset = bounds.origin.y + MIN (bounds.size.height, page) / 2 - page / 2;
      double value = CLAMP (gtk_adjustment_get_value (adj) + offset, 0, MAX (0, upper - page));

      if (ABS (value - gtk_adjustment_get_value (adj)) > 1)
        {
          reveal->settled = 0;
          gtk_adjustment_set_value (adj, value);
        }
      else if (upper == reveal->last_upper)
        reveal->settled++;
      else
        reveal->settled = 0;
    }
  reveal->last_upper = upper;

  if (reveal->settled < SETTLED_FRAMES && g_get_monotonic_time () < reveal->deadline)
    return G_SOURCE_CONTINUE;
  g_debug ("Message %u %s after %u settled frames", reveal->position,
           row != NULL ? "in sight" : "not found", reveal->settled);
  {
    Mark *mark = g_new0 (Mark, 1);

    /* The caller leaves the model alone until the mark is gone: GTK 4.8
     * binds its rows by position, and a changed model would move the mark
     * to another message. */
    mark->row = row != NULL ? g_object_ref (row) : NULL;
    mark->done = reveal->done;
    mark->data = reveal->data;
    if (row != NULL)
      gtk_widget_add_css_class (row, "found");
    g_timeout_add (row != NULL ? MARK_MS : 0, unmark, mark);
  }
  g_object_set_data (G_OBJECT (widget), "mimp-message-reveal", NULL);
  return G_SOURCE_REMOVE;
}

static void
remove_tick (gpointer data)
{
  g_free (data);
}

/**
 * mimp_message_reveal:
 * @view: a chat's message list (rows are #MimpMessageRow)
 * @position: the message to show
 * @done: (nullable): called when it is in place and its mark gone (not
 *   when replaced by a later call)
 *
 * Scrolls @view until the message at @position is in the middle of the
 * view (as far as the list allows) and stays there, then marks it for a
 * moment. A later call replaces an earlier one still running.
 */
void
mimp_message_reveal (GtkListView *view, guint position, GSourceFunc done, gpointer data)
{
  Reveal *reveal;
  guint id;

  g_return_if_fail (GTK_IS_LIST_VIEW (view));

  id = GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (view), "mimp-message-reveal"));
  if (id != 0)
    gtk_widget_remove_tick_callback (GTK_WIDGET (view), id);
  reveal = g_new0 (Reveal, 1);
  reveal->position = position;
  reveal->deadline = g_get_monotonic_time () + DEADLINE_US;
  reveal->last_upper = -1;
  reveal->done = done;
  reveal->data = data;
  id = gtk_widget_add_tick_callback (GTK_WIDGET (view), reveal_tick, reveal, remove_tick);
  g_object_set_data (G_OBJECT (view), "mimp-message-reveal", GUINT_TO_POINTER (id));
}
