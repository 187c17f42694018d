/* test-provider.c - known-answer tests of libmimpe2e's libgcrypt crypto
 * provider for libomemo-c and of the storage seal.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "mimp-e2e-private.h"

static signal_crypto_provider provider;

static guint8 *
unhex (const char *hex, gsize *len)
{
  gsize n = strlen (hex) / 2;
  guint8 *out = g_malloc (MAX (n, 1));

  for (gsize i = 0; i < n; i++)
    out[i] =
        (guint8) ((g_ascii_xdigit_value (hex[2 * i]) << 4) | g_ascii_xdigit_value (hex[2 * i + 1]));
  *len = n;
  return out;
}

static void
assert_buffer_hex (signal_buffer *buffer, const char *hex)
{
  gsize len;
  g_autofree guint8 *expected = unhex (hex, &len);

  g_assert_nonnull (buffer);
  g_assert_cmpmem (signal_buffer_data (buffer), signal_buffer_len (buffer), expected, len);
}

static void
test_random (void)
{
  guint8 a[32] = { 0 }, b[32] = { 0 }, zero[32] = { 0 };

  g_assert_cmpint (provider.random_func (a, sizeof a, NULL), ==, 0);
  g_assert_cmpint (provider.random_func (b, sizeof b, NULL), ==, 0);
  g_assert_true (memcmp (a, b, sizeof a) != 0);
  g_assert_true (memcmp (a, zero, sizeof a) != 0);
}

/* RFC 4231, test case 2. */
static void
test_hmac (void)
{
  void *ctx = NULL;
  signal_buffer *out = NULL;
  const char *data = "what do ya want ";
  const char *rest = "for nothing?";

  g_assert_cmpint (provider.hmac_sha256_init_func (&ctx, (const guint8 *) "Jefe", 4, NULL), ==, 0);
  g_assert_cmpint (
      provider.hmac_sha256_update_func (ctx, (const guint8 *) data, strlen (data), NULL), ==, 0);
  g_assert_cmpint (
      provider.hmac_sha256_update_func (ctx, (const guint8 *) rest, strlen (rest), NULL), ==, 0);
  g_assert_cmpint (provider.hmac_sha256_final_func (ctx, &out, NULL), ==, 0);
  provider.hmac_sha256_cleanup_func (ctx, NULL);
  assert_buffer_hex (out, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  signal_buffer_free (out);
}

/* FIPS 180-2, "abc". */
static void
test_sha512 (void)
{
  void *ctx = NULL;
  signal_buffer *out = NULL;

  g_assert_cmpint (provider.sha512_digest_init_func (&ctx, NULL), ==, 0);
  g_assert_cmpint (provider.sha512_digest_update_func (ctx, (const guint8 *) "ab", 2, NULL), ==, 0);
  g_assert_cmpint (provider.sha512_digest_update_func (ctx, (const guint8 *) "c", 1, NULL), ==, 0);
  g_assert_cmpint (provider.sha512_digest_final_func (ctx, &out, NULL), ==, 0);
  provider.sha512_digest_cleanup_func (ctx, NULL);
  assert_buffer_hex (out, "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
                          "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f");
  signal_buffer_free (out);
}

typedef struct
{
  const char *key, *iv, *plain, *cipher;
} Vector;

/* NIST SP 800-38A F.2.1 (AES-128-CBC) and F.2.5 (AES-256-CBC): the first
 * block; PKCS#7 adds a block of padding to a whole block. */
static void
test_cbc (void)
{
  const Vector vectors[] = {
    { "2b7e151628aed2a6abf7158809cf4f3c", "000102030405060708090a0b0c0d0e0f",
      "6bc1bee22e409f96e93d7e117393172a", "7649abac8119b246cee98e9b12e9197d" },
    { "603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4",
      "000102030405060708090a0b0c0d0e0f", "6bc1bee22e409f96e93d7e117393172a",
      "f58c4c04d6e5f1ba779eabfb5f7bfbd6" },
  };

  for (gsize v = 0; v < G_N_ELEMENTS (vectors); v++)
    {
      gsize key_len, iv_len, plain_len, cipher_len;
      g_autofree guint8 *key = unhex (vectors[v].key, &key_len);
      g_autofree guint8 *iv = unhex (vectors[v].iv, &iv_len);
      g_autofree guint8 *plain = unhex (vectors[v].plain, &plain_len);
      g_autofree guint8 *cipher = unhex (vectors[v].cipher, &cipher_len);
      signal_buffer *out = NULL, *back = NULL;
      guint8 *bytes;

      g_assert_cmpint (provider.encrypt_func (&out, SG_CIPHER_AES_CBC_PKCS5, key, key_len, iv,
                                              iv_len, plain, plain_len, NULL),
                       ==, 0);
      g_assert_cmpuint (signal_buffer_len (out), ==, 32);
      g_assert_cmpmem (signal_buffer_data (out), 16, cipher, cipher_len);
      g_assert_cmpint (provider.decrypt_func (&back, SG_CIPHER_AES_CBC_PKCS5, key, key_len, iv,
                                              iv_len, signal_buffer_data (out),
                                              signal_buffer_len (out), NULL),
                       ==, 0);
      g_assert_cmpmem (signal_buffer_data (back), signal_buffer_len (back), plain, plain_len);
      signal_buffer_free (back);
      back = NULL;

      /* Broken padding (last byte changed) and a partial block fail. */
      bytes = signal_buffer_data (out);
      bytes[31] ^= 0x01;
      bytes[15] ^= 0x01;
      g_assert_cmpint (provider.decrypt_func (&back, SG_CIPHER_AES_CBC_PKCS5, key, key_len, iv,
                                              iv_len, bytes, 32, NULL),
                       <, 0);
      g_assert_null (back);
      g_assert_cmpint (provider.decrypt_func (&back, SG_CIPHER_AES_CBC_PKCS5, key, key_len, iv,
                                              iv_len, bytes, 20, NULL),
                       <, 0);
      signal_buffer_free (out);
    }
}

/* Padding of a short input: 5 bytes get 11 bytes of 0x0b. */
static void
test_cbc_padding (void)
{
  guint8 key[16] = { 1 }, iv[16] = { 2 };
  signal_buffer *out = NULL, *back = NULL;

  g_assert_cmpint (provider.encrypt_func (&out, SG_CIPHER_AES_CBC_PKCS5, key, 16, iv, 16,
                                          (const guint8 *) "hello", 5, NULL),
                   ==, 0);
  g_assert_cmpuint (signal_buffer_len (out), ==, 16);
  g_assert_cmpint (provider.decrypt_func (&back, SG_CIPHER_AES_CBC_PKCS5, key, 16, iv, 16,
                                          signal_buffer_data (out), 16, NULL),
                   ==, 0);
  g_assert_cmpmem (signal_buffer_data (back), signal_buffer_len (back), "hello", 5);
  signal_buffer_free (out);
  signal_buffer_free (back);
  /* A bad key length. */
  g_assert_cmpint (provider.encrypt_func (&out, SG_CIPHER_AES_CBC_PKCS5, key, 15, iv, 16,
                                          (const guint8 *) "hello", 5, NULL),
                   <, 0);
}

/* NIST SP 800-38A F.5.1 (AES-128-CTR), two blocks. */
static void
test_ctr (void)
{
  gsize key_len, iv_len, plain_len, cipher_len;
  g_autofree guint8 *key = unhex ("2b7e151628aed2a6abf7158809cf4f3c", &key_len);
  g_autofree guint8 *iv = unhex ("f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff", &iv_len);
  g_autofree guint8 *plain =
      unhex ("6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e51", &plain_len);
  g_autofree guint8 *cipher =
      unhex ("874d6191b620e3261bef6864990db6ce9806f66b7970fdff8617187bb9fffdff", &cipher_len);
  signal_buffer *out = NULL, *back = NULL;

  g_assert_cmpint (provider.encrypt_func (&out, SG_CIPHER_AES_CTR_NOPADDING, key, key_len, iv,
                                          iv_len, plain, plain_len, NULL),
                   ==, 0);
  g_assert_cmpmem (signal_buffer_data (out), signal_buffer_len (out), cipher, cipher_len);
  g_assert_cmpint (provider.decrypt_func (&back, SG_CIPHER_AES_CTR_NOPADDING, key, key_len, iv,
                                          iv_len, cipher, 20, NULL),
                   ==, 0);
  g_assert_cmpmem (signal_buffer_data (back), signal_buffer_len (back), plain, 20);
  signal_buffer_free (out);
  signal_buffer_free (back);
}

/* RFC 8452 C.2 (AEAD_AES_256_GCM_SIV), read through mimp_e2e_unseal, and
 * the seal's own round trip. */
static void
test_seal (void)
{
  gsize key_len, in_len, in2_len;
  g_autofree guint8 *key =
      unhex ("0100000000000000000000000000000000000000000000000000000000000000", &key_len);
  g_autofree guint8 *in = unhex ("030000000000000000000000"
                                 "07f5f4169bbf55a8400cd47ea6fd400f",
                                 &in_len);
  g_autofree guint8 *in2 = unhex ("030000000000000000000000"
                                  "c2ef328e5c71c83b843122130f7364b761e0b97427e3df28",
                                  &in2_len);
  g_autoptr (GBytes) empty = mimp_e2e_unseal (key, in, in_len, "");
  g_autoptr (GBytes) eight = mimp_e2e_unseal (key, in2, in2_len, "");
  g_autoptr (GBytes) sealed = NULL;
  g_autoptr (GBytes) opened = NULL;
  guint8 other[32] = { 0 };
  guint8 *bytes;
  gsize len;

  g_assert_nonnull (empty);
  g_assert_cmpuint (g_bytes_get_size (empty), ==, 0);
  g_assert_nonnull (eight);
  g_assert_cmpmem (g_bytes_get_data (eight, NULL), g_bytes_get_size (eight), "\x01\0\0\0\0\0\0\0",
                   8);
  in2[12] ^= 1;
  g_assert_null (mimp_e2e_unseal (key, in2, in2_len, ""));

  sealed = mimp_e2e_seal (key, "secret", 6, "table:row");
  g_assert_nonnull (sealed);
  bytes = g_bytes_unref_to_data (g_steal_pointer (&sealed), &len);
  g_assert_null (memmem (bytes, len, "secret", 6));
  opened = mimp_e2e_unseal (key, bytes, len, "table:row");
  g_assert_nonnull (opened);
  g_assert_cmpmem (g_bytes_get_data (opened, NULL), g_bytes_get_size (opened), "secret", 6);
  /* Another row, another key, a changed byte: all refused. */
  g_assert_null (mimp_e2e_unseal (key, bytes, len, "table:other"));
  g_assert_null (mimp_e2e_unseal (other, bytes, len, "table:row"));
  for (gsize i = 0; i < len; i++)
    {
      bytes[i] ^= 0x80;
      g_assert_null (mimp_e2e_unseal (key, bytes, len, "table:row"));
      bytes[i] ^= 0x80;
    }
  g_assert_null (mimp_e2e_unseal (key, bytes, 10, "table:row"));
  g_free (bytes);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  mimp_e2e_gcrypt_init ();
  mimp_e2e_provider_fill (&provider);

  g_test_add_func ("/e2e/provider/random", test_random);
  g_test_add_func ("/e2e/provider/hmac-sha256", test_hmac);
  g_test_add_func ("/e2e/provider/sha512", test_sha512);
  g_test_add_func ("/e2e/provider/aes-cbc", test_cbc);
  g_test_add_func ("/e2e/provider/aes-cbc-padding", test_cbc_padding);
  g_test_add_func ("/e2e/provider/aes-ctr", test_ctr);
  g_test_add_func ("/e2e/provider/seal", test_seal);
  return g_test_run ();
}
