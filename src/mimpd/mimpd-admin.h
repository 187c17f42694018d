/* mimpd-admin.h - the `mimpd user ...` commands
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

int mimpd_admin_run (const char *database, const char *password_file, char **args);

G_END_DECLS
