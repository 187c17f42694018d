/* mimp-search-window.h - search in every chat of every account
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "mimp-account-manager.h"

G_BEGIN_DECLS

#define MIMP_TYPE_SEARCH_WINDOW (mimp_search_window_get_type ())
G_DECLARE_FINAL_TYPE (MimpSearchWindow, mimp_search_window, MIMP, SEARCH_WINDOW, AdwWindow)

MimpSearchWindow *mimp_search_window_new (GtkWindow *parent, MimpAccountManager *accounts);
void mimp_search_window_set_text (MimpSearchWindow *self, const char *text);
GListModel *mimp_search_window_get_results (MimpSearchWindow *self);

G_END_DECLS
