/* mimp-search-window.c
 *
 * The words typed go to the history's full-text search as the user types
 * (GtkSearchEntry's short delay; an older search still running is
 * cancelled). Each result shows its chat, account and date above the text
 * around the matches, the matching words in bold. Enter, a click or a tap
 * opens the chat at the message ("message-activated"); Escape closes.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "mimp-search-window"

#include "config.h"

#include <glib/gi18n.h>

#include "mimp-account.h"
#include "mimp-chat-row.h"
#include "mimp-history.h"
#include "mimp-search-window.h"
#include "mimp-search.h"

/* The newest this many results: a search is for finding a message, not
 * for reading a whole history. */
#define MAX_RESULTS 200

struct _MimpSearchWindow
{
  AdwWindow parent_instance;

  GtkSearchEntry *entry;
  GtkRevealer *indexing_revealer;
  GtkLabel *indexing_label;
  GtkProgressBar *indexing_bar;
  GtkStack *stack;
  AdwStatusPage *error_page;
  GtkListView *list;

  MimpAccountManager *accounts;
  MimpHistory *history;
  GListStore *results;
  GtkSingleSelection *selection;
  GCancellable *cancellable;
};

G_DEFINE_FINAL_TYPE (MimpSearchWindow, mimp_search_window, ADW_TYPE_WINDOW)

enum
{
  SIGNAL_MESSAGE_ACTIVATED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
update_progress (MimpSearchWindow *self)
{
  double progress = mimp_history_get_search_progress (self->history);
  const GError *error = mimp_history_get_search_index_error (self->history);
  g_autofree char *text = NULL;

  if (error != NULL)
    /* Translators: the search index could not be completed */
    text = g_strdup (_ ("Indexing stopped: older messages may not be found"));
  else if (progress < 1.0)
    /* Translators: %d is a percentage; the search index is being built */
    text = g_strdup_printf (_ ("Indexing… %d%% — older messages are not found yet"),
                            (int) (MAX (progress, 0.0) * 100));
  if (text != NULL)
    {
      gtk_label_set_text (self->indexing_label, text);
      gtk_progress_bar_set_fraction (self->indexing_bar, MAX (progress, 0.0));
    }
  gtk_widget_set_visible (GTK_WIDGET (self->indexing_bar), error == NULL);
  gtk_revealer_set_reveal_child (self->indexing_revealer, text != NULL);
}

static void
search_done (GObject *source, GAsyncResult *result, gpointer data)
{
  MimpSearchWindow *self = data;
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) found = NULL;

  found = mimp_history_search_finish (MIMP_HISTORY (source), result, &error);
  if (found == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          /* The history's error in words (never the query: it may be
           * message text). */
          adw_status_page_set_description (self->error_page, error->message);
          gtk_stack_set_visible_child_name (self->stack, "error");
          g_list_store_remove_all (self->results);
        }
      g_object_unref (self);
      return;
    }

  g_list_store_splice (self->results, 0, g_list_model_get_n_items (G_LIST_MODEL (self->results)),
                       found->pdata, found->len);
  gtk_stack_set_visible_child_name (self->stack, found->len > 0 ? "results" : "none");
  if (found->len > 0)
    gtk_single_selection_set_selected (self->selection, 0);
  g_object_unref (self);
}

static void
on_search_changed (MimpSearchWindow *self)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->entry));
  g_autofree char *query = mimp_search_build_query (text);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);

  if (query == NULL)
    {
      g_list_store_remove_all (self->results);
      gtk_stack_set_visible_child_name (self->stack, "start");
      return;
    }
  self->cancellable = g_cancellable_new ();
  mimp_history_search_async (self->history, text, MAX_RESULTS, self->cancellable, search_done,
                             g_object_ref (self));
}

static void
activate_position (MimpSearchWindow *self, guint position)
{
  g_autoptr (MimpSearchResult) result = NULL;
  g_autoptr (MimpChatMessage) message = NULL;

  result = g_list_model_get_item (G_LIST_MODEL (self->results), position);
  if (result == NULL)
    return;
  message = g_object_ref (mimp_search_result_get_message (result));
  g_signal_emit (self, signals[SIGNAL_MESSAGE_ACTIVATED], 0, message);
  gtk_window_close (GTK_WINDOW (self));
}

static void
on_list_activate (MimpSearchWindow *self, guint position)
{
  activate_position (self, position);
}

static void
on_entry_activate (MimpSearchWindow *self)
{
  guint selected = gtk_single_selection_get_selected (self->selection);

  if (selected != GTK_INVALID_LIST_POSITION)
    activate_position (self, selected);
}

static void
on_stop_search (MimpSearchWindow *self)
{
  gtk_window_close (GTK_WINDOW (self));
}

/* Down from the entry goes to the results, with the first one focused. */
static gboolean
on_entry_key (GtkEventControllerKey *controller, guint keyval, guint keycode, GdkModifierType state,
              MimpSearchWindow *self)
{
  if ((keyval == GDK_KEY_Down || keyval == GDK_KEY_KP_Down) &&
      g_list_model_get_n_items (G_LIST_MODEL (self->results)) > 0)
    return gtk_widget_child_focus (GTK_WIDGET (self->list), GTK_DIR_TAB_FORWARD);
  return FALSE;
}

static void
setup_row (GtkSignalListItemFactory *factory, GtkListItem *item, gpointer data)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 3);
  GtkWidget *top = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  GtkWidget *peer = gtk_label_new (NULL);
  GtkWidget *account = gtk_label_new (NULL);
  GtkWidget *time = gtk_label_new (NULL);
  GtkWidget *snippet = gtk_label_new (NULL);

  gtk_widget_set_margin_top (box, 6);
  gtk_widget_set_margin_bottom (box, 6);
  gtk_label_set_xalign (GTK_LABEL (peer), 0);
  gtk_label_set_ellipsize (GTK_LABEL (peer), PANGO_ELLIPSIZE_END);
  gtk_widget_add_css_class (peer, "heading");
  gtk_label_set_xalign (GTK_LABEL (account), 0);
  gtk_label_set_ellipsize (GTK_LABEL (account), PANGO_ELLIPSIZE_END);
  gtk_widget_set_hexpand (account, TRUE);
  gtk_widget_add_css_class (account, "dim-label");
  gtk_label_set_xalign (GTK_LABEL (time), 1);
  gtk_widget_add_css_class (time, "dim-label");
  gtk_widget_add_css_class (time, "caption");
  gtk_widget_add_css_class (time, "numeric");
  gtk_label_set_xalign (GTK_LABEL (snippet), 0);
  gtk_label_set_ellipsize (GTK_LABEL (snippet), PANGO_ELLIPSIZE_END);
  gtk_label_set_single_line_mode (GTK_LABEL (snippet), TRUE);
  gtk_label_set_use_markup (GTK_LABEL (snippet), TRUE);
  gtk_box_append (GTK_BOX (top), peer);
  gtk_box_append (GTK_BOX (top), account);
  gtk_box_append (GTK_BOX (top), time);
  gtk_box_append (GTK_BOX (box), top);
  gtk_box_append (GTK_BOX (box), snippet);
  g_object_set_data (G_OBJECT (box), "peer", peer);
  g_object_set_data (G_OBJECT (box), "account", account);
  g_object_set_data (G_OBJECT (box), "time", time);
  g_object_set_data (G_OBJECT (box), "snippet", snippet);
  gtk_list_item_set_child (item, box);
}

static void
bind_row (GtkSignalListItemFactory *factory, GtkListItem *item, MimpSearchWindow *self)
{
  GtkWidget *box = gtk_list_item_get_child (item);
  MimpSearchResult *result = gtk_list_item_get_item (item);
  MimpChatMessage *message = mimp_search_result_get_message (result);
  MimpAccount *account =
      mimp_account_manager_lookup (self->accounts, mimp_chat_message_get_account_id (message));
  g_autofree char *account_name = account ? mimp_account_dup_display_name (account) : NULL;
  g_autofree char *time = mimp_format_time (mimp_chat_message_get_timestamp (message), TRUE);
  g_autofree char *date = NULL;
  g_autoptr (GDateTime) when = mimp_date_time_new_local (mimp_chat_message_get_timestamp (message));
  const char *sender = mimp_chat_message_get_sender (message);
  g_autofree char *chat = NULL;
  g_autofree char *description = NULL;

  if (mimp_chat_message_get_outgoing (message))
    /* Translators: a search result: a message you sent in the chat with %s */
    chat = g_strdup_printf (_ ("You to %s"), mimp_chat_message_get_peer (message));
  else if (sender != NULL)
    /* Translators: a search result in a room: "sender in room" */
    chat = g_strdup_printf (_ ("%s in %s"), sender, mimp_chat_message_get_peer (message));
  else
    chat = g_strdup (mimp_chat_message_get_peer (message));
  if (account_name == NULL)
    account_name = g_strdup (mimp_chat_message_get_account_id (message));

  gtk_label_set_text (g_object_get_data (G_OBJECT (box), "peer"), chat);
  gtk_label_set_text (g_object_get_data (G_OBJECT (box), "account"), account_name);
  gtk_label_set_text (g_object_get_data (G_OBJECT (box), "time"), time);
  gtk_label_set_markup (g_object_get_data (G_OBJECT (box), "snippet"),
                        mimp_search_result_get_markup (result));
  if (when != NULL)
    {
      /* Translators: the full date and time of a search result, strftime(3) */
      date = g_date_time_format (when, _ ("%c"));
      gtk_widget_set_tooltip_text (g_object_get_data (G_OBJECT (box), "time"), date);
    }
  /* Translators: how a screen reader names a search result: chat, account, date */
  description = g_strdup_printf (_ ("%s, %s, %s"), chat, account_name, date ? date : time);
  gtk_accessible_update_property (GTK_ACCESSIBLE (box), GTK_ACCESSIBLE_PROPERTY_LABEL, description,
                                  -1);
}

static void
mimp_search_window_dispose (GObject *object)
{
  MimpSearchWindow *self = MIMP_SEARCH_WINDOW (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  if (self->history != NULL)
    g_signal_handlers_disconnect_by_data (self->history, self);
  g_clear_object (&self->history);
  g_clear_object (&self->accounts);
  g_clear_object (&self->selection);
  g_clear_object (&self->results);
  gtk_widget_dispose_template (GTK_WIDGET (self), MIMP_TYPE_SEARCH_WINDOW);

  G_OBJECT_CLASS (mimp_search_window_parent_class)->dispose (object);
}

static void
mimp_search_window_class_init (MimpSearchWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = mimp_search_window_dispose;

  /**
   * MimpSearchWindow::message-activated:
   * @message: the #MimpChatMessage chosen
   *
   * The user chose a result; the window closes after this.
   */
  signals[SIGNAL_MESSAGE_ACTIVATED] =
      g_signal_new ("message-activated", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
                    NULL, NULL, G_TYPE_NONE, 1, MIMP_TYPE_CHAT_MESSAGE);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/mimp/Mimp/mimp-search-window.ui");
  gtk_widget_class_bind_template_child (widget_class, MimpSearchWindow, entry);
  gtk_widget_class_bind_template_child (widget_class, MimpSearchWindow, indexing_revealer);
  gtk_widget_class_bind_template_child (widget_class, MimpSearchWindow, indexing_label);
  gtk_widget_class_bind_template_child (widget_class, MimpSearchWindow, indexing_bar);
  gtk_widget_class_bind_template_child (widget_class, MimpSearchWindow, stack);
  gtk_widget_class_bind_template_child (widget_class, MimpSearchWindow, error_page);
  gtk_widget_class_bind_template_child (widget_class, MimpSearchWindow, list);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
mimp_search_window_init (MimpSearchWindow *self)
{
  GtkListItemFactory *factory = gtk_signal_list_item_factory_new ();
  GtkEventController *keys = gtk_event_controller_key_new ();

  gtk_widget_init_template (GTK_WIDGET (self));

  self->results = g_list_store_new (MIMP_TYPE_SEARCH_RESULT);
  self->selection = gtk_single_selection_new (g_object_ref (G_LIST_MODEL (self->results)));
  g_signal_connect (factory, "setup", G_CALLBACK (setup_row), NULL);
  g_signal_connect (factory, "bind", G_CALLBACK (bind_row), self);
  gtk_list_view_set_factory (self->list, factory);
  g_object_unref (factory);
  gtk_list_view_set_model (self->list, GTK_SELECTION_MODEL (self->selection));

  g_signal_connect_swapped (self->entry, "search-changed", G_CALLBACK (on_search_changed), self);
  g_signal_connect_swapped (self->entry, "activate", G_CALLBACK (on_entry_activate), self);
  g_signal_connect_swapped (self->entry, "stop-search", G_CALLBACK (on_stop_search), self);
  g_signal_connect_swapped (self->list, "activate", G_CALLBACK (on_list_activate), self);

  /* Typing anywhere in the window goes to the entry. */
  gtk_search_entry_set_key_capture_widget (self->entry, GTK_WIDGET (self));
  g_signal_connect (keys, "key-pressed", G_CALLBACK (on_entry_key), self);
  gtk_widget_add_controller (GTK_WIDGET (self->entry), keys);
}

/**
 * mimp_search_window_new:
 * @parent: the main window (the search is modal to it)
 * @accounts: whose history is searched, and who names the accounts
 */
MimpSearchWindow *
mimp_search_window_new (GtkWindow *parent, MimpAccountManager *accounts)
{
  MimpSearchWindow *self = g_object_new (MIMP_TYPE_SEARCH_WINDOW, "transient-for", parent, NULL);

  self->accounts = g_object_ref (accounts);
  self->history = g_object_ref (mimp_account_manager_get_history (accounts));
  g_signal_connect_swapped (self->history, "notify::search-progress", G_CALLBACK (update_progress),
                            self);
  update_progress (self);
  /* Goes on if it stopped (an error, or the history was new). */
  mimp_history_build_search_index (self->history);
  return self;
}

/* Searches for @text as if the user typed it (tests, and a search started
 * elsewhere). */
void
mimp_search_window_set_text (MimpSearchWindow *self, const char *text)
{
  g_return_if_fail (MIMP_IS_SEARCH_WINDOW (self));
  gtk_editable_set_text (GTK_EDITABLE (self->entry), text);
}

/**
 * mimp_search_window_get_results:
 *
 * Returns: (transfer none): the #MimpSearchResult shown, newest first
 */
GListModel *
mimp_search_window_get_results (MimpSearchWindow *self)
{
  g_return_val_if_fail (MIMP_IS_SEARCH_WINDOW (self), NULL);
  return G_LIST_MODEL (self->results);
}
