/* mimpd-store-sqlite.h - the SQLite backend of MimpdStore
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "mimpd-store.h"

G_BEGIN_DECLS

MimpdStore *mimpd_store_sqlite_open (const char *path, gboolean sync_full, GError **error);
void mimpd_store_sqlite_set_sent_max (MimpdStore *store, gsize max);
const char *mimpd_store_sqlite_get_filename (MimpdStore *store);

G_END_DECLS
