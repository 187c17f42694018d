/* mimp-a11y.c
 *
 * GTK 4.8 names a button whose label has a mnemonic after both its
 * accessible label, which it sets to the label as written, and the label
 * widget inside it that labels it: "_Send Anyway Send Anyway", which a
 * screen reader reads out, underscore and all. Without the accessible
 * label the name is what is seen ("Send Anyway").
 *
 * Some controls libadwaita 1.2 builds have no name at all, and GTK 4.8
 * then gives their type's name ("GtkListBox"): the list of a group of
 * rows, the list in a combo row's popover, a password row's button that
 * shows the password, a switch in a row, a search entry. They are named
 * after what they belong to.
 *
 * mimp_a11y_watch_windows() does this for every window (message dialogs
 * too) when it is shown.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <adwaita.h>
#include <glib/gi18n.h>

#include "mimp-a11y.h"

/* Sets @label, without mnemonic underscores, as @widget's name. */
static void
set_label (GtkWidget *widget, const char *label)
{
  g_autoptr (GString) name = NULL;

  if (label == NULL || *label == '\0')
    return;
  name = g_string_new (label);
  for (gsize i = 0; i < name->len; i++)
    if (name->str[i] == '_')
      g_string_erase (name, i, 1); /* "__" leaves one "_" */
  gtk_accessible_update_property (GTK_ACCESSIBLE (widget), GTK_ACCESSIBLE_PROPERTY_LABEL, name->str,
                                  -1);
}

static void
name_controls (GtkWidget *widget, const char *group_title, const char *row_title,
               gboolean in_password_row)
{
  if (GTK_IS_BUTTON (widget) && gtk_button_get_use_underline (GTK_BUTTON (widget)) &&
      gtk_button_get_label (GTK_BUTTON (widget)) != NULL)
    gtk_accessible_reset_property (GTK_ACCESSIBLE (widget), GTK_ACCESSIBLE_PROPERTY_LABEL);
  else if (GTK_IS_BUTTON (widget) && in_password_row)
    set_label (widget, _ ("Show Password"));
  else if (GTK_IS_LIST_BOX (widget) && group_title != NULL)
    set_label (widget, group_title);
  else if (GTK_IS_LIST_VIEW (widget) && row_title != NULL)
    set_label (widget, row_title);
  else if (GTK_IS_SWITCH (widget) && row_title != NULL)
    set_label (widget, row_title);
  else if (GTK_IS_SEARCH_ENTRY (widget))
    {
      g_autofree char *placeholder = NULL;

      g_object_get (widget, "placeholder-text", &placeholder, NULL);
      set_label (widget, placeholder != NULL && *placeholder != '\0' ? placeholder : _ ("Search"));
    }

  if (ADW_IS_MESSAGE_DIALOG (widget))
    group_title = adw_message_dialog_get_heading (ADW_MESSAGE_DIALOG (widget));
  if (ADW_IS_PREFERENCES_GROUP (widget))
    {
      group_title = adw_preferences_group_get_title (ADW_PREFERENCES_GROUP (widget));
      /* A group without a title: its rows are what it is about. */
      if ((group_title == NULL || *group_title == '\0') &&
          GTK_IS_WINDOW (gtk_widget_get_root (widget)))
        group_title = gtk_window_get_title (GTK_WINDOW (gtk_widget_get_root (widget)));
    }
  /* A combo row's list, an action row's switch: named after the row. */
  if (ADW_IS_COMBO_ROW (widget) || ADW_IS_ACTION_ROW (widget))
    row_title = adw_preferences_row_get_title (ADW_PREFERENCES_ROW (widget));
  if (ADW_IS_PASSWORD_ENTRY_ROW (widget))
    in_password_row = TRUE;
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    name_controls (child, group_title, row_title, in_password_row);
}

/**
 * mimp_a11y_name_controls:
 * @root: a widget; it and everything under it is looked at
 *
 * Names what GTK 4.8 and libadwaita 1.2 leave badly named under @root (see
 * the top of the file). Call it once the widgets are built (and in a
 * window, once it has its title), and again after a label changes.
 */
void
mimp_a11y_name_controls (GtkWidget *root)
{
  g_return_if_fail (GTK_IS_WIDGET (root));
  name_controls (root, NULL, NULL, FALSE);
}

static void
window_mapped (GtkWidget *window)
{
  mimp_a11y_name_controls (window);
}

static void
toplevels_changed (GListModel *toplevels, guint position, guint removed, guint added)
{
  for (guint i = position; i < position + added; i++)
    {
      g_autoptr (GtkWidget) window = g_list_model_get_item (toplevels, i);

      g_signal_connect_after (window, "map", G_CALLBACK (window_mapped), NULL);
    }
}

/**
 * mimp_a11y_watch_windows:
 *
 * From now on, names the controls of every window when it is shown
 * (mimp_a11y_name_controls()), dialogs built in code included.
 */
void
mimp_a11y_watch_windows (void)
{
  static gsize watching = 0;

  if (g_once_init_enter (&watching))
    {
      GListModel *toplevels = gtk_window_get_toplevels ();

      toplevels_changed (toplevels, 0, 0, g_list_model_get_n_items (toplevels));
      g_signal_connect (toplevels, "items-changed", G_CALLBACK (toplevels_changed), NULL);
      g_once_init_leave (&watching, 1);
    }
}
