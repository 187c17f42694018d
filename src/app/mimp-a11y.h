/* mimp-a11y.h - what GTK 4.8 does not do for screen readers by itself
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

void mimp_a11y_name_controls (GtkWidget *root);
void mimp_a11y_watch_windows (void);

G_END_DECLS
