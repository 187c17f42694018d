/* mimp-app-resources.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "mimp-app-resources.h"
#include "mimp-resources.h"

/**
 * mimp_app_resources_ensure:
 *
 * Registers the bundle once. Registered by hand rather than by a
 * constructor, which a static library would drop.
 */
void
mimp_app_resources_ensure (void)
{
  static gsize done = 0;

  if (g_once_init_enter (&done))
    {
      mimp_register_resource ();
      g_once_init_leave (&done, 1);
    }
}
