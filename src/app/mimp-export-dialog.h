/* mimp-export-dialog.h - "Export Chat…": where to, which format, and the export
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "mimp-chat-view.h"
#include "mimp-export.h"

G_BEGIN_DECLS

void mimp_export_dialog_run (MimpChatView *view, MimpChat *chat);
MimpExportFormat mimp_export_format_for_file (GFile *file, GtkFileFilter *filter);

G_END_DECLS
