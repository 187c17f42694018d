/* mimp-image-file.h - choosing an image file and reading it, for sending
 * it or making it an avatar
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

GtkFileChooserNative *mimp_image_chooser_new (GtkWindow *parent, const char *title,
                                              const char *accept_label);
void mimp_image_file_read_async (GFile *file, gsize max_size, GCancellable *cancellable,
                                 GAsyncReadyCallback callback, gpointer user_data);
GBytes *mimp_image_file_read_finish (GAsyncResult *result, char **content_type, GError **error);

G_END_DECLS
