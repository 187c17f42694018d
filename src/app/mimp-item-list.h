/* mimp-item-list.h - the one GListModel implementation of the app's models
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define MIMP_TYPE_ITEM_LIST (mimp_item_list_get_type ())
G_DECLARE_DERIVABLE_TYPE (MimpItemList, mimp_item_list, MIMP, ITEM_LIST, GObject)

struct _MimpItemListClass
{
  GObjectClass parent_class;

  /* The type of every item: a subclass sets it in its class_init. */
  GType item_type;
};

/* For subclasses only: the items (each holds a reference), which the
 * subclass orders and changes itself, emitting items-changed for what it
 * changed. The array lives as long as the list; it is emptied when the
 * list is disposed. */
GPtrArray *mimp_item_list_get_items (MimpItemList *self);

G_END_DECLS
