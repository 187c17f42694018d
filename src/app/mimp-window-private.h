/* mimp-window-private.h - what the window's files share
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "mimp-chat-view.h"
#include "mimp-window.h"

G_BEGIN_DECLS

struct _MimpWindow
{
  AdwApplicationWindow parent_instance;

  /* template */
  AdwToastOverlay *toast_overlay;
  AdwLeaflet *leaflet;
  GtkWidget *sidebar;
  MimpChatView *chat_view;
  GtkWidget *new_chat_button;
  GtkSearchEntry *search_entry;
  GtkWidget *banner_box;
  GtkStack *sidebar_stack;
  GtkListView *chat_list_view;

  /* given at construction */
  MimpAccountManager *accounts;
  MimpChatList *chats;
  MimpNotifier *notifier; /* nullable */
  MimpSecretStore *secrets;
  GSettings *settings;

  GtkFilterListModel *filtered;
  GtkStringFilter *filter;
  GtkSingleSelection *selection;
  gboolean syncing_selection;
  GHashTable *verifications; /* "account\npeer" -> MimpVerificationDialog, not owned */
  guint reselect_id;
};

void _mimp_window_class_actions_init (MimpWindowClass *klass);

G_END_DECLS
