/* cryptully.h - libcryptully's umbrella header
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "cryptully-client.h"
#include "cryptully-crypto.h"
#include "cryptully-envelope.h"
#include "cryptully-error.h"
#include "cryptully-frame.h"
#include "cryptully-smp.h"
#include "cryptully-text.h"
