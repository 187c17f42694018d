/* mimp-cli-mimp-e2e.h - mimp-cli's private chats over MIMP (--e2e)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "mimp-cli-protocol.h"

G_BEGIN_DECLS

/* send, listen, safety-number, verify and trust with --e2e. */
int mimp_cli_mimp_e2e_run (const MimpCliRequest *request);

G_END_DECLS
