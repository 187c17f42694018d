/* miricat-error.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "miricat-error.h"

G_DEFINE_QUARK (miricat - error - quark, miricat_error)
