/* mimp-e2e-verify.c - SMP runs and safety numbers of private chats, on
 * mimp-e2e-smp.h: the step messages travel inside encrypted t=smp inner
 * messages; a run's state is sealed in the database.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "mimp-e2e"

#include "config.h"

#include "mimp-e2e-run.h"

gboolean
mimp_e2e_smp_receive (MimpE2e *self, const char *peer, const char *body, MimpE2eResult *result,
                      GError **error)
{
  /* Until the SMP engine is in: a run from the peer fails at once. */
  result->smp_event = MIMP_E2E_SMP_FAILED;
  return TRUE;
}
