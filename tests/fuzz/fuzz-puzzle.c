/* fuzz-puzzle.c - the key puzzle solver and the circular XOR
 *
 * Oracles: a puzzle is accepted exactly when it has 256 bytes and
 * start + 23 * offset stays within them; the key is what
 * docs/protocols/mimp.md (sections 1 and 3) says; XOR with that key twice
 * gives the input back, at any position, and a run split in two equals a
 * run in one go.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "mimp.h"
#include "fuzz-common.h"

int LLVMFuzzerTestOneInput (const guint8 *data, size_t size);

int
LLVMFuzzerTestOneInput (const guint8 *data, size_t size)
{
  g_autoptr (GError) error = NULL;
  guint8 key[MIMP_KEY_SIZE];
  gboolean ok;
  gboolean expect;
  g_autofree guint8 *a = NULL;
  g_autofree guint8 *b = NULL;
  gsize cut, position;

  memset (key, 0xEE, sizeof key);
  ok = mimp_puzzle_solve (data, size, key, &error);
  expect = size == MIMP_PUZZLE_SIZE &&
           (guint) data[0] + (MIMP_KEY_SIZE - 1) * (guint) data[MIMP_PUZZLE_SIZE - 1] <= 255;
  FUZZ_ASSERT (ok == expect);
  FUZZ_ASSERT (ok == (error == NULL));
  if (!ok)
    {
      FUZZ_ASSERT (g_error_matches (error, MIMP_ERROR, MIMP_ERROR_INVALID_PUZZLE));
      /* Use some key anyway for the XOR checks below. */
      for (guint i = 0; i < MIMP_KEY_SIZE; i++)
        key[i] = size > 0 ? data[i % size] : (guint8) i;
    }
  else
    for (guint i = 0; i < MIMP_KEY_SIZE; i++)
      FUZZ_ASSERT (key[i] == data[data[0] + i * data[MIMP_PUZZLE_SIZE - 1]]);

  if (size == 0)
    return 0;
  a = g_memdup2 (data, size);
  b = g_memdup2 (data, size);
  position = data[size - 1];
  cut = data[0] % (size + 1);
  mimp_xor (a, size, key, position);
  mimp_xor (b, cut, key, position);
  mimp_xor (b + cut, size - cut, key, position + cut);
  FUZZ_ASSERT (memcmp (a, b, size) == 0);
  for (gsize i = 0; i < size; i++)
    FUZZ_ASSERT (a[i] == (data[i] ^ key[(position + i) % MIMP_KEY_SIZE]));
  mimp_xor (a, size, key, position);
  FUZZ_ASSERT (memcmp (a, data, size) == 0);

  FUZZ_ASSERT (mimp_constant_time_equal (a, data, size));
  a[size / 2] ^= 1;
  FUZZ_ASSERT (!mimp_constant_time_equal (a, data, size));
  return 0;
}
