/* mimp.h - the MIMP protocol library
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "mimp-error.h"
#include "mimp-address.h"
#include "mimp-packet.h"
#include "mimp-cipher.h"
#include "mimp-body.h"
#include "mimp-connection.h"
#include "mimp-client-session.h"
