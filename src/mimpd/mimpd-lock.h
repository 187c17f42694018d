/* mimpd-lock.h - one server per database, and no `mimpd user` beside it
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum
{
  /* The server: alone on the database for its whole life. */
  MIMPD_LOCK_SERVE,
  /* A `mimpd user` command: beside other commands, never beside a server. */
  MIMPD_LOCK_ADMIN,
} MimpdLockMode;

int mimpd_lock_database (const char *database, MimpdLockMode mode, GError **error);

G_END_DECLS
