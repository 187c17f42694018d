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

/* The key repeated over 192 bytes, a multiple of the key (24) and of every
 * vector width (16, 32, 64): each block of data is XORed with the same
 * block, which the compiler vectorises. Built for the widest vectors the
 * processor has (target_clones picks at load time). */
#define XOR_BLOCK 192

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && defined(__ELF__)
#define XOR_CLONES __attribute__ ((target_clones ("avx2", "default")))
#else
#define XOR_CLONES
#endif

typedef guint8 XorVec __attribute__ ((vector_size (32)));

XOR_CLONES static void
xor_blocks (guint8 *data, gsize len, const guint8 *block)
{
  XorVec kv[XOR_BLOCK / 32];
  gsize i = 0;
  gsize j = 0;

  memcpy (kv, block, XOR_BLOCK);
  for (; i + XOR_BLOCK <= len; i += XOR_BLOCK)
    for (gsize k = 0; k < XOR_BLOCK / 32; k++)
      {
        XorVec d;

        memcpy (&d, data + i + k * 32, 32);
        d ^= kv[k];
        memcpy (data + i + k * 32, &d, 32);
      }
  /* The rest (under one block): eight bytes at a time, then bytes. */
  for (; i + 8 <= len; i += 8, j += 8)
    {
      guint64 d, k;

      memcpy (&d, data + i, 8);
      memcpy (&k, block + j, 8);
      d ^= k;
      memcpy (data + i, &d, 8);
    }
  for (; i < len; i++, j++)
    data[i] ^= block[j];
}

/**
 * mimp_xor:
 * @data: bytes to encipher or decipher in place
 * @len: how many
 * @key: the 24-byte key
 * @position: the index within the packet body of `data[0]` (0 for a whole body)
 *
 * `body[i] ^= key[i % 24]`. The same call enciphers and deciphers.
 */
void
mimp_xor (guint8 *data, gsize len, const guint8 key[MIMP_KEY_SIZE], gsize position)
{
  guint8 block[XOR_BLOCK];
  gsize phase = position % MIMP_KEY_SIZE;

  if (len == 0)
    return;
  /* The key rotated to the phase, then repeated. */
  memcpy (block, key + phase, MIMP_KEY_SIZE - phase);
  memcpy (block + MIMP_KEY_SIZE - phase, key, phase);
  for (gsize n = MIMP_KEY_SIZE; n < XOR_BLOCK; n *= 2)
    memcpy (block + n, block, MIN (n, XOR_BLOCK - n));
  xor_blocks (data, len, block);
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
