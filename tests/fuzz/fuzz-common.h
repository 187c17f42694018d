/* fuzz-common.h - what the fuzz targets share
 *
 * Each target defines LLVMFuzzerTestOneInput(). Built with clang and
 * -fsanitize=fuzzer it is a libFuzzer binary; built with any compiler and
 * replay-main.c it replays files (the seed corpus and every input that ever
 * found a bug) as a normal unit test.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>
#include <stdio.h>
#include <stdlib.h>

/* An oracle failure: abort, so libFuzzer and the replay both report it. */
#define FUZZ_ASSERT(expr)                                                                          \
  do                                                                                               \
    {                                                                                              \
      if (G_UNLIKELY (!(expr)))                                                                    \
        {                                                                                          \
          fprintf (stderr, "%s:%d: fuzz oracle failed: %s\n", __FILE__, __LINE__, #expr);          \
          abort ();                                                                                \
        }                                                                                          \
    }                                                                                              \
  while (0)
