/* mimp-cipher.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "mimp-cipher"

#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/random.h>

#include "mimp-cipher.h"
#include "mimp-error.h"

/**
 * mimp_puzzle_solve:
 * @puzzle: the body of the server's SCH packet
 * @len: its length; anything but 256 is rejected
 * @key: (out): the 24-byte key
 *
 * `start = puzzle[0]`, `offset = puzzle[255]`, `key[i] = puzzle[start + i*offset]`.
 * A puzzle whose last index would fall outside the 256 bytes is rejected;
 * `offset = 0` is legal and gives one byte repeated.
 */
gboolean
mimp_puzzle_solve (const guint8 *puzzle, gsize len, guint8 key[MIMP_KEY_SIZE], GError **error)
{
  guint start, offset;

  if (len != MIMP_PUZZLE_SIZE)
    {
      g_set_error (error, MIMP_ERROR, MIMP_ERROR_INVALID_PUZZLE,
                   "The server sent an invalid key puzzle (%" G_GSIZE_FORMAT " bytes, not 256)",
                   len);
      return FALSE;
    }
  start = puzzle[0];
  offset = puzzle[MIMP_PUZZLE_SIZE - 1];
  if (start + (MIMP_KEY_SIZE - 1) * offset > MIMP_PUZZLE_SIZE - 1)
    {
      g_set_error (
          error, MIMP_ERROR, MIMP_ERROR_INVALID_PUZZLE,
          "The server sent an invalid key puzzle (start %u and offset %u reach past its end)",
          start, offset);
      return FALSE;
    }
  for (guint i = 0; i < MIMP_KEY_SIZE; i++)
    key[i] = puzzle[start + i * offset];
  return TRUE;
}

gboolean
mimp_random_bytes (void *buf, gsize len, GError **error)
{
  guint8 *p = buf;

  while (len > 0)
    {
      ssize_t n = getrandom (p, len, 0);

      if (n < 0)
        {
          int saved = errno;

          if (saved == EINTR)
            continue;
          g_set_error (error, MIMP_ERROR, MIMP_ERROR_FAILED,
                       "Could not read the system's random source: %s", g_strerror (saved));
          return FALSE;
        }
      p += n;
      len -= (gsize) n;
    }
  return TRUE;
}

/* A uniform value in [lo, hi] from the secure source, by rejection. */
static gboolean
random_in_range (guint lo, guint hi, guint *out, GError **error)
{
  guint span = hi - lo + 1;
  guint limit = 256 - (256 % span);

  g_assert (lo <= hi && span <= 256);
  for (;;)
    {
      guint8 b;

      if (!mimp_random_bytes (&b, 1, error))
        return FALSE;
      if (b < limit)
        {
          *out = lo + b % span;
          return TRUE;
        }
    }
}

/**
 * mimp_puzzle_generate:
 *
 * A puzzle from the secure random source with `1 <= start`, `1 <= offset`
 * and `start + 23*offset <= 254`, so no key byte is the start or offset byte.
 */
gboolean
mimp_puzzle_generate (guint8 puzzle[MIMP_PUZZLE_SIZE], GError **error)
{
  guint start, offset;
  const guint last = MIMP_KEY_SIZE - 1;

  if (!mimp_random_bytes (puzzle, MIMP_PUZZLE_SIZE, error))
    return FALSE;
  if (!random_in_range (1, (254 - 1) / last, &offset, error))
    return FALSE;
  if (!random_in_range (1, 254 - last * offset, &start, error))
    return FALSE;
  puzzle[0] = (guint8) start;
  puzzle[MIMP_PUZZLE_SIZE - 1] = (guint8) offset;
  return TRUE;
}

/**
 * mimp_xor:
 * @data: bytes to encipher or decipher in place
 * @len: how many
 * @key: the 24-byte key
 * @position: the index within the packet body of `data[0]` (0 for a whole body)
 *
 * `body[i] ^= key[i % 24]`. The same call enciphers and deciphers.
 * Works on 96-byte blocks (a multiple of both the key and a vector) so the
 * compiler can vectorise the inner loop.
 */
void
mimp_xor (guint8 *data, gsize len, const guint8 key[MIMP_KEY_SIZE], gsize position)
{
  guint8 block[96];
  gsize phase = position % MIMP_KEY_SIZE;
  gsize i = 0;

  if (len < sizeof block)
    {
      for (; i < len; i++)
        data[i] ^= key[(phase + i) % MIMP_KEY_SIZE];
      return;
    }

  for (gsize j = 0; j < sizeof block; j++)
    block[j] = key[(phase + j) % MIMP_KEY_SIZE];
  for (; i + sizeof block <= len; i += sizeof block)
    for (gsize j = 0; j < sizeof block; j++)
      data[i + j] ^= block[j];
  for (gsize j = 0; i < len; i++, j++)
    data[i] ^= block[j];
}

gboolean
mimp_constant_time_equal (const void *a, const void *b, gsize len)
{
  const volatile guint8 *x = a;
  const volatile guint8 *y = b;
  guint8 diff = 0;

  for (gsize i = 0; i < len; i++)
    diff |= x[i] ^ y[i];
  return diff == 0;
}

void
mimp_secure_wipe (void *buf, gsize len)
{
  if (buf != NULL)
    explicit_bzero (buf, len);
}

void
mimp_secure_free_string (char *str)
{
  if (str == NULL)
    return;
  explicit_bzero (str, strlen (str));
  g_free (str);
}
