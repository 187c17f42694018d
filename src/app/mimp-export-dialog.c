/* mimp-export-dialog.c
 *
 * GtkFileChooserNative asks where to save (inside Flatpak the file chooser
 * portal does, and the app gets access to the file chosen and nothing
 * else: no permission in the manifest). The format is the chooser's filter
 * ("Plain Text" or "JSON"), or else the file name's extension. The export
 * runs on a thread of its own (mimp-export.c); a toast on the chat says how
 * it went.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "mimp-export-dialog"

#include "config.h"

#include <glib/gi18n.h>

#include "mimp-account.h"
#include "mimp-export-dialog.h"

typedef struct
{
  MimpChatView *view;
  MimpChat *chat;
  GtkFileFilter *json_filter;
} ExportDialog;

static void
export_dialog_free (ExportDialog *dialog)
{
  g_clear_object (&dialog->view);
  g_clear_object (&dialog->chat);
  g_clear_object (&dialog->json_filter);
  g_free (dialog);
}

/**
 * mimp_export_format_for_file:
 * @filter: (nullable): the filter the user chose, whose name is the format's
 *
 * Returns: JSON for the JSON filter or, without a filter, a name ending in
 *   ".json"; plain text otherwise
 */
MimpExportFormat
mimp_export_format_for_file (GFile *file, GtkFileFilter *filter)
{
  g_autofree char *name = g_file_get_basename (file);

  if (filter != NULL)
    return g_strcmp0 (g_object_get_data (G_OBJECT (filter), "mimp-format"), "json") == 0
               ? MIMP_EXPORT_FORMAT_JSON
               : MIMP_EXPORT_FORMAT_TEXT;
  return name != NULL && g_str_has_suffix (name, ".json") ? MIMP_EXPORT_FORMAT_JSON
                                                          : MIMP_EXPORT_FORMAT_TEXT;
}

static void
exported (GObject *source, GAsyncResult *result, gpointer data)
{
  g_autoptr (MimpChatView) view = data;
  g_autoptr (GError) error = NULL;
  guint64 n = 0;
  g_autofree char *text = NULL;

  if (!mimp_export_chat_finish (result, &n, &error))
    {
      /* The error names the file or the history's problem, never message
       * text. */
      g_warning ("Could not export a chat: %s", error->message);
      /* Translators: %s is why, e.g. "Permission denied" */
      text = g_strdup_printf (_ ("Could not export the chat: %s"), error->message);
    }
  else
    text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "Exported %" G_GUINT64_FORMAT " message",
                                         "Exported %" G_GUINT64_FORMAT " messages", n),
                            n);
  mimp_chat_view_show_toast (view, text);
}

static void
on_response (GtkNativeDialog *native, int response, ExportDialog *dialog)
{
  g_autoptr (GFile) file = NULL;
  GtkFileFilter *filter;
  MimpAccount *account = mimp_chat_get_account (dialog->chat);
  g_autofree char *account_name = NULL;

  if (response == GTK_RESPONSE_ACCEPT)
    file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (native));
  if (file != NULL)
    {
      filter = gtk_file_chooser_get_filter (GTK_FILE_CHOOSER (native));
      account_name = mimp_account_dup_display_name (account);
      mimp_export_chat_async (mimp_account_get_history (account), mimp_account_get_id (account),
                              account_name, mimp_chat_get_peer (dialog->chat),
                              mimp_export_format_for_file (file, filter), file, NULL, exported,
                              g_object_ref (dialog->view));
    }
  export_dialog_free (dialog);
  g_object_unref (native);
}

static GtkFileFilter *
new_filter (const char *name, const char *format, const char *pattern, const char *mime)
{
  GtkFileFilter *filter = gtk_file_filter_new ();

  gtk_file_filter_set_name (filter, name);
  gtk_file_filter_add_pattern (filter, pattern);
  gtk_file_filter_add_mime_type (filter, mime);
  g_object_set_data_full (G_OBJECT (filter), "mimp-format", g_strdup (format), g_free);
  return filter;
}

/**
 * mimp_export_dialog_run:
 * @view: the chat view (for the dialog's parent and the toast)
 * @chat: the chat to export
 */
void
mimp_export_dialog_run (MimpChatView *view, MimpChat *chat)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (view));
  GtkFileChooserNative *native;
  ExportDialog *dialog = g_new0 (ExportDialog, 1);
  g_autoptr (GtkFileFilter) text_filter = NULL;
  g_autofree char *name = NULL;
  g_autofree char *safe = NULL;

  /* Translators: the save dialog's title and button */
  native = gtk_file_chooser_native_new (_ ("Export Chat"),
                                        GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                        GTK_FILE_CHOOSER_ACTION_SAVE, _ ("_Export"), NULL);
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (native), TRUE);
  text_filter = new_filter (_ ("Plain Text"), "text", "*.txt", "text/plain");
  dialog->json_filter = new_filter (_ ("JSON"), "json", "*.json", "application/json");
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (native), text_filter);
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (native), dialog->json_filter);
  gtk_file_chooser_set_filter (GTK_FILE_CHOOSER (native), text_filter);
  /* A file name from the peer's name, without what a file name cannot hold. */
  safe = g_strdup (mimp_chat_get_peer (chat));
  g_strdelimit (safe, "/\\:", '_');
  /* Translators: the suggested file name of an exported chat; %s is the peer */
  name = g_strdup_printf (_ ("Chat with %s.txt"), safe);
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (native), name);

  dialog->view = g_object_ref (view);
  dialog->chat = g_object_ref (chat);
  g_signal_connect (native, "response", G_CALLBACK (on_response), dialog);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (native));
}
