/* mimp-cipher.h - the key puzzle and circular XOR (docs/protocols/mimp.md,
 * sections 1 and 3)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define MIMP_PUZZLE_SIZE 256
#define MIMP_KEY_SIZE 24

gboolean mimp_puzzle_solve (const guint8 *puzzle, gsize len, guint8 key[MIMP_KEY_SIZE],
                            GError **error);
gboolean mimp_puzzle_generate (guint8 puzzle[MIMP_PUZZLE_SIZE], GError **error);
gboolean mimp_random_bytes (void *buf, gsize len, GError **error);
void mimp_xor (guint8 *data, gsize len, const guint8 key[MIMP_KEY_SIZE], gsize position);
gboolean mimp_constant_time_equal (const void *a, const void *b, gsize len);
void mimp_secure_wipe (void *buf, gsize len);
void mimp_secure_free_string (char *str);

G_END_DECLS
