/* mimp-cli-miricat.h - mimp-cli's verbs over Miricat
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "mimp-cli-protocol.h"

G_BEGIN_DECLS

/* MIRICAT_DEFAULT_PORT and MIRICAT_TEXT_MAX (checked in mimp-cli-miricat.c). */
#define MIMP_CLI_MIRICAT_PORT 3072
#define MIMP_CLI_MIRICAT_TEXT_MAX (64 * 1024)

int mimp_cli_miricat_run (const MimpCliRequest *request);

G_END_DECLS
