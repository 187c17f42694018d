/* mimp-item-list.c - the one GListModel implementation of the app's models
 *
 * The account manager, a chat's messages and the chat list are list models
 * over an array they order themselves: the chat list re-sorts in place once
 * per main loop iteration (docs/benchmarks-notes.md, "App") and emits one
 * items-changed for the moved range, which a GListStore cannot do without
 * removing and adding every item. They derive from this class, which holds
 * the array and answers the GListModel calls.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "mimp-item-list.h"

typedef struct
{
  GPtrArray *items;
} MimpItemListPrivate;

static void list_model_iface_init (GListModelInterface *iface);

G_DEFINE_TYPE_WITH_CODE (MimpItemList, mimp_item_list, G_TYPE_OBJECT,
                         G_ADD_PRIVATE (MimpItemList)
                             G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL, list_model_iface_init))

static GType
get_item_type (GListModel *model)
{
  return MIMP_ITEM_LIST_GET_CLASS (model)->item_type;
}

static guint
get_n_items (GListModel *model)
{
  MimpItemListPrivate *priv = mimp_item_list_get_instance_private (MIMP_ITEM_LIST (model));

  return priv->items->len;
}

static gpointer
get_item (GListModel *model, guint position)
{
  MimpItemListPrivate *priv = mimp_item_list_get_instance_private (MIMP_ITEM_LIST (model));

  if (position >= priv->items->len)
    return NULL;
  return g_object_ref (priv->items->pdata[position]);
}

static void
list_model_iface_init (GListModelInterface *iface)
{
  iface->get_item_type = get_item_type;
  iface->get_n_items = get_n_items;
  iface->get_item = get_item;
}

static void
mimp_item_list_dispose (GObject *object)
{
  MimpItemListPrivate *priv = mimp_item_list_get_instance_private (MIMP_ITEM_LIST (object));

  /* Without items-changed: nobody may hold a disposed list. */
  g_ptr_array_set_size (priv->items, 0);
  G_OBJECT_CLASS (mimp_item_list_parent_class)->dispose (object);
}

static void
mimp_item_list_finalize (GObject *object)
{
  MimpItemListPrivate *priv = mimp_item_list_get_instance_private (MIMP_ITEM_LIST (object));

  g_ptr_array_unref (priv->items);
  G_OBJECT_CLASS (mimp_item_list_parent_class)->finalize (object);
}

static void
mimp_item_list_class_init (MimpItemListClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = mimp_item_list_dispose;
  object_class->finalize = mimp_item_list_finalize;
  klass->item_type = G_TYPE_OBJECT;
}

static void
mimp_item_list_init (MimpItemList *self)
{
  MimpItemListPrivate *priv = mimp_item_list_get_instance_private (self);

  priv->items = g_ptr_array_new_with_free_func (g_object_unref);
}

GPtrArray *
mimp_item_list_get_items (MimpItemList *self)
{
  MimpItemListPrivate *priv = mimp_item_list_get_instance_private (self);

  g_return_val_if_fail (MIMP_IS_ITEM_LIST (self), NULL);
  return priv->items;
}
