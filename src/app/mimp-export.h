/* mimp-export.h - one chat's history written to a file, as text or JSON
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "mimp-history.h"

G_BEGIN_DECLS

typedef enum
{
  MIMP_EXPORT_FORMAT_TEXT, /* one message a block, for reading */
  MIMP_EXPORT_FORMAT_JSON, /* one object, for programs */
} MimpExportFormat;

void mimp_export_chat_async (MimpHistory *history, const char *account_id, const char *account_name,
                             const char *peer, MimpExportFormat format, GFile *file,
                             GCancellable *cancellable, GAsyncReadyCallback callback,
                             gpointer user_data);
gboolean mimp_export_chat_finish (GAsyncResult *result, guint64 *n_messages, GError **error);

char *mimp_export_format_time (gint64 timestamp_ms);

G_END_DECLS
