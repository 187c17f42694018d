/* mimp-image-file.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "mimp-image-file.h"

/**
 * mimp_image_chooser_new:
 *
 * Returns: (transfer full): a chooser for one PNG, JPEG or GIF image; in a
 *   sandbox it is the portal's, and the app sees only the file chosen
 */
GtkFileChooserNative *
mimp_image_chooser_new (GtkWindow *parent, const char *title, const char *accept_label)
{
  GtkFileChooserNative *chooser;
  g_autoptr (GtkFileFilter) filter = gtk_file_filter_new ();

  chooser =
      gtk_file_chooser_native_new (title, parent, GTK_FILE_CHOOSER_ACTION_OPEN, accept_label, NULL);
  gtk_file_filter_set_name (filter, _ ("Images"));
  gtk_file_filter_add_mime_type (filter, "image/png");
  gtk_file_filter_add_mime_type (filter, "image/jpeg");
  gtk_file_filter_add_mime_type (filter, "image/gif");
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (chooser), filter);
  return chooser;
}

static void
read_done (GObject *source, GAsyncResult *result, gpointer data)
{
  g_autoptr (GTask) task = data;
  gsize max_size = GPOINTER_TO_SIZE (g_task_get_task_data (task));
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) bytes = NULL;
  g_autofree char *type = NULL;
  char *mime;

  bytes = g_file_load_bytes_finish (G_FILE (source), result, NULL, &error);
  if (bytes == NULL)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_FAILED, "%s",
                               _ ("The image could not be read."));
      return;
    }
  if (g_bytes_get_size (bytes) > max_size)
    {
      g_autofree char *limit = g_format_size (max_size);

      /* Translators: %s is the largest size allowed, e.g. "8.4 MB" */
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NO_SPACE,
                               _ ("The image is too large (%s at most)."), limit);
      return;
    }
  type =
      g_content_type_guess (NULL, g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes), NULL);
  mime = g_content_type_get_mime_type (type);
  if (mime == NULL || !g_str_has_prefix (mime, "image/"))
    {
      g_free (mime);
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "%s",
                               _ ("This file is not an image."));
      return;
    }
  g_object_set_data_full (G_OBJECT (task), "content-type", mime, g_free);
  g_task_return_pointer (task, g_steal_pointer (&bytes), (GDestroyNotify) g_bytes_unref);
}

/**
 * mimp_image_file_read_async:
 * @max_size: the largest file accepted, in bytes
 *
 * Reads an image file whole, checking its size and that it is an image;
 * errors are sentences for people.
 */
void
mimp_image_file_read_async (GFile *file, gsize max_size, GCancellable *cancellable,
                            GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task = g_task_new (NULL, cancellable, callback, user_data);

  g_task_set_source_tag (task, mimp_image_file_read_async);
  g_task_set_task_data (task, GSIZE_TO_POINTER (max_size), NULL);
  g_file_load_bytes_async (file, cancellable, read_done, task);
}

/**
 * mimp_image_file_read_finish:
 * @content_type: (out): the image's MIME type
 *
 * Returns: (transfer full): the image's bytes
 */
GBytes *
mimp_image_file_read_finish (GAsyncResult *result, char **content_type, GError **error)
{
  GBytes *bytes = g_task_propagate_pointer (G_TASK (result), error);

  if (bytes != NULL && content_type != NULL)
    *content_type = g_strdup (g_object_get_data (G_OBJECT (result), "content-type"));
  return bytes;
}
