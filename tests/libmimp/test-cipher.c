/* test-cipher.c - the key puzzle and circular XOR
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "mimp.h"

/* The source text, literally:
 *
 *   start = puzzle[0]; offset = puzzle[255]
 *   for i in range(24): puzzle[start + (i * offset)]
 *
 * computed naively, with an index outside the 256 bytes meaning "invalid". */
static gboolean
oracle_solve (const guint8 puzzle[256], guint8 key[24])
{
  int start = puzzle[0];
  int offset = puzzle[255];

  for (int i = 0; i < 24; i++)
    {
      int index = start + (i * offset);

      if (index > 255)
        return FALSE;
      key[i] = puzzle[index];
    }
  return TRUE;
}

static void
fill_random (guint8 *buf, gsize len)
{
  for (gsize i = 0; i < len; i++)
    buf[i] = (guint8) g_test_rand_int_range (0, 256);
}

/* A puzzle whose byte i is i ^ 0x5A, except start and offset. */
static void
make_puzzle (guint8 puzzle[256], guint8 start, guint8 offset)
{
  for (guint i = 0; i < 256; i++)
    puzzle[i] = (guint8) (i ^ 0x5A);
  puzzle[0] = start;
  puzzle[255] = offset;
}

static void
assert_solves (const guint8 puzzle[256])
{
  guint8 key[MIMP_KEY_SIZE];
  guint8 expected[MIMP_KEY_SIZE];
  g_autoptr (GError) error = NULL;

  g_assert_true (oracle_solve (puzzle, expected));
  memset (key, 0xEE, sizeof key);
  g_assert_true (mimp_puzzle_solve (puzzle, 256, key, &error));
  g_assert_no_error (error);
  g_assert_cmpmem (key, sizeof key, expected, sizeof expected);
}

static void
assert_invalid (const guint8 *puzzle, gsize len)
{
  guint8 key[MIMP_KEY_SIZE];
  g_autoptr (GError) error = NULL;

  g_assert_false (mimp_puzzle_solve (puzzle, len, key, &error));
  g_assert_error (error, MIMP_ERROR, MIMP_ERROR_INVALID_PUZZLE);
}

static void
test_puzzle_known (void)
{
  guint8 puzzle[256];
  guint8 key[MIMP_KEY_SIZE];

  /* start 1, offset 10: bytes 1, 11, ..., 231. */
  make_puzzle (puzzle, 1, 10);
  g_assert_true (mimp_puzzle_solve (puzzle, sizeof puzzle, key, NULL));
  for (guint i = 0; i < MIMP_KEY_SIZE; i++)
    g_assert_cmphex (key[i], ==, (1 + 10 * i) ^ 0x5A);
  assert_solves (puzzle);

  /* start 0 with offset 1: the key starts with the start byte itself. */
  make_puzzle (puzzle, 0, 1);
  g_assert_true (mimp_puzzle_solve (puzzle, sizeof puzzle, key, NULL));
  g_assert_cmphex (key[0], ==, 0);
  for (guint i = 1; i < MIMP_KEY_SIZE; i++)
    g_assert_cmphex (key[i], ==, i ^ 0x5A);
}

static void
test_puzzle_offset_zero (void)
{
  guint8 puzzle[256];
  guint8 key[MIMP_KEY_SIZE];

  /* One byte repeated, computed as written. */
  make_puzzle (puzzle, 7, 0);
  g_assert_true (mimp_puzzle_solve (puzzle, sizeof puzzle, key, NULL));
  for (guint i = 0; i < MIMP_KEY_SIZE; i++)
    g_assert_cmphex (key[i], ==, 7 ^ 0x5A);

  /* start 0, offset 0: the start byte, 0, repeated. */
  make_puzzle (puzzle, 0, 0);
  g_assert_true (mimp_puzzle_solve (puzzle, sizeof puzzle, key, NULL));
  for (guint i = 0; i < MIMP_KEY_SIZE; i++)
    g_assert_cmphex (key[i], ==, 0);

  /* start 255, offset 0: valid, the offset byte (0) repeated. */
  make_puzzle (puzzle, 255, 0);
  g_assert_true (mimp_puzzle_solve (puzzle, sizeof puzzle, key, NULL));
  for (guint i = 0; i < MIMP_KEY_SIZE; i++)
    g_assert_cmphex (key[i], ==, 0);
}

static void
test_puzzle_edges (void)
{
  guint8 puzzle[256];
  guint8 key[MIMP_KEY_SIZE];

  /* start + 23*offset == 255: valid, and the last key byte is the offset byte. */
  make_puzzle (puzzle, 2, 11);
  g_assert_true (mimp_puzzle_solve (puzzle, sizeof puzzle, key, NULL));
  g_assert_cmphex (key[0], ==, 2 ^ 0x5A);
  g_assert_cmphex (key[22], ==, (2 + 22 * 11) ^ 0x5A);
  g_assert_cmphex (key[23], ==, 11);
  assert_solves (puzzle);

  make_puzzle (puzzle, 209, 2); /* 209 + 46 = 255 */
  g_assert_true (mimp_puzzle_solve (puzzle, sizeof puzzle, key, NULL));
  g_assert_cmphex (key[23], ==, 2);
  make_puzzle (puzzle, 232, 1); /* 232 + 23 = 255 */
  g_assert_true (mimp_puzzle_solve (puzzle, sizeof puzzle, key, NULL));
  g_assert_cmphex (key[23], ==, 1);

  /* start + 23*offset == 256: invalid. */
  make_puzzle (puzzle, 3, 11);
  assert_invalid (puzzle, sizeof puzzle);
  make_puzzle (puzzle, 233, 1);
  assert_invalid (puzzle, sizeof puzzle);
  make_puzzle (puzzle, 210, 2);
  assert_invalid (puzzle, sizeof puzzle);

  /* Far beyond. */
  make_puzzle (puzzle, 255, 1);
  assert_invalid (puzzle, sizeof puzzle);
  make_puzzle (puzzle, 0, 12); /* 276 */
  assert_invalid (puzzle, sizeof puzzle);
  make_puzzle (puzzle, 255, 255);
  assert_invalid (puzzle, sizeof puzzle);
  make_puzzle (puzzle, 0, 255);
  assert_invalid (puzzle, sizeof puzzle);
}

static void
test_puzzle_sizes (void)
{
  g_autofree guint8 *buf = g_malloc0 (1024);

  /* All-zero content is a valid puzzle at 256 bytes (start 0, offset 0)... */
  assert_solves (buf);
  /* ... and never at another size. */
  assert_invalid (buf, 0);
  assert_invalid (buf, 1);
  assert_invalid (buf, 24);
  assert_invalid (buf, 255);
  assert_invalid (buf, 257);
  assert_invalid (buf, 512);
  assert_invalid (buf, 1024);
}

/* Every (start, offset) pair, against the source text's pseudo-code. */
static void
test_puzzle_all_pairs (void)
{
  guint8 puzzle[256];
  guint valid = 0;

  for (guint start = 0; start < 256; start++)
    for (guint offset = 0; offset < 256; offset++)
      {
        guint8 expected[MIMP_KEY_SIZE];
        guint8 key[MIMP_KEY_SIZE];
        gboolean oracle_ok;

        make_puzzle (puzzle, (guint8) start, (guint8) offset);
        oracle_ok = oracle_solve (puzzle, expected);
        g_assert_cmpint (mimp_puzzle_solve (puzzle, sizeof puzzle, key, NULL), ==, oracle_ok);
        g_assert_cmpint (oracle_ok, ==, start + 23 * offset <= 255);
        if (oracle_ok)
          {
            g_assert_cmpmem (key, sizeof key, expected, sizeof expected);
            valid++;
          }
      }
  /* sum over offset 0..11 of the starts with start + 23*offset <= 255 */
  g_assert_cmpuint (valid, ==, 256 + 233 + 210 + 187 + 164 + 141 + 118 + 95 + 72 + 49 + 26 + 3);
}

/* Random contents, random valid start and offset, against the oracle. */
static void
test_puzzle_random (void)
{
  guint8 puzzle[256];

  for (guint round = 0; round < 5000; round++)
    {
      guint offset = (guint) g_test_rand_int_range (0, 12);
      guint start = (guint) g_test_rand_int_range (0, (gint32) (255 - 23 * offset) + 1);

      fill_random (puzzle, sizeof puzzle);
      puzzle[0] = (guint8) start;
      puzzle[255] = (guint8) offset;
      assert_solves (puzzle);
    }
  /* And random puzzles as they come, valid or not. */
  for (guint round = 0; round < 5000; round++)
    {
      guint8 expected[MIMP_KEY_SIZE];
      guint8 key[MIMP_KEY_SIZE];
      gboolean ok;

      fill_random (puzzle, sizeof puzzle);
      ok = oracle_solve (puzzle, expected);
      g_assert_cmpint (mimp_puzzle_solve (puzzle, sizeof puzzle, key, NULL), ==, ok);
      if (ok)
        g_assert_cmpmem (key, sizeof key, expected, sizeof expected);
    }
}

static void
test_puzzle_generate (void)
{
  gboolean seen_offset[12] = { FALSE };
  guint8 first[256];
  gboolean varied = FALSE;

  for (guint round = 0; round < 3000; round++)
    {
      guint8 puzzle[256];
      guint8 key[MIMP_KEY_SIZE];
      g_autoptr (GError) error = NULL;
      guint start, offset;

      g_assert_true (mimp_puzzle_generate (puzzle, &error));
      g_assert_no_error (error);
      start = puzzle[0];
      offset = puzzle[255];
      g_assert_cmpuint (start, >=, 1);
      g_assert_cmpuint (offset, >=, 1);
      g_assert_cmpuint (start + 23 * offset, <=, 254);
      seen_offset[offset] = TRUE;

      g_assert_true (mimp_puzzle_solve (puzzle, sizeof puzzle, key, &error));
      g_assert_no_error (error);
      for (guint i = 0; i < MIMP_KEY_SIZE; i++)
        g_assert_cmphex (key[i], ==, puzzle[start + i * offset]);
      assert_solves (puzzle);

      if (round == 0)
        memcpy (first, puzzle, sizeof first);
      else if (memcmp (first, puzzle, sizeof first) != 0)
        varied = TRUE;
    }
  g_assert_true (varied);
  /* Every legal offset turns up (each has probability 1/11 per draw). */
  for (guint offset = 1; offset <= 11; offset++)
    g_assert_true (seen_offset[offset]);
}

static void
test_random_bytes (void)
{
  g_autofree guint8 *a = g_malloc0 (4096);
  g_autofree guint8 *b = g_malloc0 (4096);
  guint zeros = 0;

  g_assert_true (mimp_random_bytes (a, 0, NULL));
  g_assert_true (mimp_random_bytes (a, 4096, NULL));
  g_assert_true (mimp_random_bytes (b, 4096, NULL));
  g_assert_true (memcmp (a, b, 4096) != 0);
  for (guint i = 0; i < 4096; i++)
    zeros += a[i] == 0;
  /* About 16 expected; a zeroed buffer would give 4096. */
  g_assert_cmpuint (zeros, <, 100);
}

static void
naive_xor (guint8 *data, gsize len, const guint8 *key, gsize position)
{
  for (gsize i = 0; i < len; i++)
    data[i] = data[i] ^ key[(position + i) % 24];
}

static const guint8 test_key[MIMP_KEY_SIZE] = {
  0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0A, 0x0B, 0x0C,
  0x0D, 0x0E, 0x0F, 0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0xF8,
};

static void
test_xor_known (void)
{
  guint8 data[50];
  guint8 text[] = "{\"uf\":\"a\"}";
  static const guint8 text_ciphered[] = {
    0x7A, 0x20, 0x76, 0x62, 0x27, 0x3C, 0x25, 0x69, 0x2B, 0x77
  };

  /* Zeros become the key, repeated from index 0. */
  memset (data, 0, sizeof data);
  mimp_xor (data, sizeof data, test_key, 0);
  g_assert_cmpmem (data, 24, test_key, 24);
  g_assert_cmpmem (data + 24, 24, test_key, 24);
  g_assert_cmphex (data[48], ==, 0x01);
  g_assert_cmphex (data[49], ==, 0x02);

  /* At position 5, the key from its sixth byte. */
  memset (data, 0, sizeof data);
  mimp_xor (data, 30, test_key, 5);
  g_assert_cmpmem (data, 19, test_key + 5, 19);
  g_assert_cmpmem (data + 19, 11, test_key, 11);

  /* A position that is a multiple of 24 is the same as 0. */
  memset (data, 0, sizeof data);
  mimp_xor (data, 24, test_key, 48);
  g_assert_cmpmem (data, 24, test_key, 24);

  /* A JSON body, worked out by hand. */
  mimp_xor (text, 10, test_key, 0);
  g_assert_cmpmem (text, 10, text_ciphered, sizeof text_ciphered);
  mimp_xor (text, 10, test_key, 0);
  g_assert_cmpmem (text, 10, "{\"uf\":\"a\"}", 10);

  /* Nothing to do. */
  mimp_xor (NULL, 0, test_key, 0);
}

static void
test_xor_naive (void)
{
  guint8 key[MIMP_KEY_SIZE];
  guint8 data[301];
  guint8 expected[301];

  fill_random (key, sizeof key);
  for (gsize len = 0; len <= 300; len++)
    for (gsize position = 0; position < 50; position++)
      {
        fill_random (data, len + 1);
        memcpy (expected, data, len + 1);
        naive_xor (expected, len, key, position);
        mimp_xor (data, len, key, position);
        g_assert_cmpmem (data, len + 1, expected, len + 1); /* and not a byte past */
      }
}

static void
test_xor_involution (void)
{
  guint8 key[MIMP_KEY_SIZE];
  guint8 data[300];
  guint8 orig[300];

  for (guint round = 0; round < 1000; round++)
    {
      gsize len = (gsize) g_test_rand_int_range (0, 301);
      gsize position = (gsize) g_test_rand_int_range (0, 100000);

      fill_random (key, sizeof key);
      fill_random (orig, sizeof orig);
      memcpy (data, orig, sizeof data);
      mimp_xor (data, len, key, position);
      if (len > 0)
        g_assert_cmphex (data[0], ==, orig[0] ^ key[position % 24]);
      mimp_xor (data, len, key, position);
      g_assert_cmpmem (data, sizeof data, orig, sizeof orig);
    }
}

static void
test_xor_large (void)
{
  const gsize len = 1024 * 1024;
  g_autofree guint8 *data = g_malloc (len + 7);
  g_autofree guint8 *expected = g_malloc (len + 7);
  guint8 key[MIMP_KEY_SIZE];

  fill_random (key, sizeof key);
  for (gsize i = 0; i < len + 7; i++)
    data[i] = (guint8) (i * 2654435761u >> 13);
  memcpy (expected, data, len + 7);

  naive_xor (expected, len, key, 0);
  mimp_xor (data, len, key, 0);
  g_assert_true (memcmp (data, expected, len + 7) == 0);

  /* Unaligned start, odd length, odd position. */
  naive_xor (expected + 3, len - 1, key, 13);
  mimp_xor (data + 3, len - 1, key, 13);
  g_assert_true (memcmp (data, expected, len + 7) == 0);
}

/* Ciphering a body in arbitrary chunks, each with its position, is ciphering it whole. */
static void
test_xor_chunks (void)
{
  const gsize len = 5000;
  g_autofree guint8 *whole = g_malloc (len);
  g_autofree guint8 *chunked = g_malloc (len);
  guint8 key[MIMP_KEY_SIZE];

  for (guint round = 0; round < 300; round++)
    {
      gsize pos = 0;
      gsize max_chunk = (gsize) g_test_rand_int_range (1, 400);

      fill_random (key, sizeof key);
      fill_random (whole, len);
      memcpy (chunked, whole, len);
      mimp_xor (whole, len, key, 0);
      while (pos < len)
        {
          /* MIN evaluates its arguments twice: draw the number first. */
          gsize n = (gsize) g_test_rand_int_range (0, (gint32) max_chunk + 1);

          n = MIN (n, len - pos);

          mimp_xor (chunked + pos, n, key, pos);
          pos += n;
        }
      g_assert_true (memcmp (whole, chunked, len) == 0);
    }

  /* Every two-piece split of a 300-byte body. */
  for (gsize split = 0; split <= 300; split++)
    {
      fill_random (whole, 300);
      memcpy (chunked, whole, 300);
      mimp_xor (whole, 300, test_key, 0);
      mimp_xor (chunked, split, test_key, 0);
      mimp_xor (chunked + split, 300 - split, test_key, split);
      g_assert_cmpmem (whole, 300, chunked, 300);
    }
}

static void
test_constant_time_equal (void)
{
  guint8 a[64];
  guint8 b[64];

  fill_random (a, sizeof a);
  memcpy (b, a, sizeof b);
  g_assert_true (mimp_constant_time_equal (a, b, sizeof a));
  g_assert_true (mimp_constant_time_equal (a, a, sizeof a));
  g_assert_true (mimp_constant_time_equal (a, b, 0));
  g_assert_true (mimp_constant_time_equal ("ABCDEFGHijkl0123", "ABCDEFGHijkl0123", 16));
  g_assert_false (mimp_constant_time_equal ("ABCDEFGHijkl0123", "ABCDEFGHijkl0124", 16));
  g_assert_false (mimp_constant_time_equal ("BBCDEFGHijkl0123", "ABCDEFGHijkl0123", 16));
  /* Only the first @len bytes count. */
  g_assert_true (mimp_constant_time_equal ("ABCx", "ABCy", 3));

  /* Any single flipped bit anywhere is seen. */
  for (gsize i = 0; i < sizeof a; i++)
    for (guint bit = 0; bit < 8; bit++)
      {
        b[i] ^= (guint8) (1u << bit);
        g_assert_false (mimp_constant_time_equal (a, b, sizeof a));
        g_assert_true (mimp_constant_time_equal (a, b, i));
        b[i] ^= (guint8) (1u << bit);
      }
  g_assert_true (mimp_constant_time_equal (a, b, sizeof a));
}

static void
test_secure_wipe (void)
{
  guint8 buf[32];
  char *str = g_strdup ("secret password");

  memset (buf, 0xAA, sizeof buf);
  mimp_secure_wipe (buf, 16);
  for (guint i = 0; i < 16; i++)
    g_assert_cmphex (buf[i], ==, 0);
  for (guint i = 16; i < 32; i++)
    g_assert_cmphex (buf[i], ==, 0xAA);
  mimp_secure_wipe (NULL, 10);
  mimp_secure_free_string (str);
  mimp_secure_free_string (NULL);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/cipher/puzzle/known", test_puzzle_known);
  g_test_add_func ("/cipher/puzzle/offset-zero", test_puzzle_offset_zero);
  g_test_add_func ("/cipher/puzzle/edges", test_puzzle_edges);
  g_test_add_func ("/cipher/puzzle/sizes", test_puzzle_sizes);
  g_test_add_func ("/cipher/puzzle/all-pairs", test_puzzle_all_pairs);
  g_test_add_func ("/cipher/puzzle/random", test_puzzle_random);
  g_test_add_func ("/cipher/puzzle/generate", test_puzzle_generate);
  g_test_add_func ("/cipher/random-bytes", test_random_bytes);
  g_test_add_func ("/cipher/xor/known", test_xor_known);
  g_test_add_func ("/cipher/xor/naive", test_xor_naive);
  g_test_add_func ("/cipher/xor/involution", test_xor_involution);
  g_test_add_func ("/cipher/xor/large", test_xor_large);
  g_test_add_func ("/cipher/xor/chunks", test_xor_chunks);
  g_test_add_func ("/cipher/constant-time-equal", test_constant_time_equal);
  g_test_add_func ("/cipher/secure-wipe", test_secure_wipe);

  return g_test_run ();
}
