/* miricat.h - the Miricat protocol library (no GTK)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "miricat-client.h"
#include "miricat-crypto.h"
#include "miricat-error.h"
#include "miricat-packet.h"
