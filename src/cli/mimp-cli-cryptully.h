/* mimp-cli-cryptully.h - mimp-cli's verbs over Cryptully
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "mimp-cli-protocol.h"

G_BEGIN_DECLS

int mimp_cli_cryptully_run (const MimpCliRequest *request);

G_END_DECLS
