/* mimp-address.h - reading a server address as a user types it
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

gboolean mimp_address_parse (const char *text, guint16 default_port, char **host, guint16 *port,
                             GError **error);

G_END_DECLS
