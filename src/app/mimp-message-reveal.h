/* mimp-message-reveal.h - bring one message of a chat's list into sight
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

void mimp_message_reveal (GtkListView *view, guint position, GSourceFunc done, gpointer data);
gboolean mimp_message_reveal_is_visible (GtkListView *view, guint position);

G_END_DECLS
