/* mimp-app-resources.h - the app's GResource bundle
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

void mimp_app_resources_ensure (void);

G_END_DECLS
