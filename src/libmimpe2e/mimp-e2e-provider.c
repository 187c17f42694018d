/* mimp-e2e-provider.c - libomemo-c's crypto provider on libgcrypt (as Dino
 * does), and the AES-256-GCM-SIV seal of the secrets in the database.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "mimp-e2e"

#include "config.h"

#include <gcrypt.h>
#include <string.h>

#include "mimp-e2e-private.h"

void
mimp_e2e_gcrypt_init (void)
{
  static gsize done = 0;

  if (g_once_init_enter (&done))
    {
      if (!gcry_control (GCRYCTL_INITIALIZATION_FINISHED_P))
        {
          gcry_check_version (NULL);
          gcry_control (GCRYCTL_DISABLE_SECMEM, 0);
          gcry_control (GCRYCTL_INITIALIZATION_FINISHED, 0);
        }
      g_once_init_leave (&done, 1);
    }
}

static int
provider_random (uint8_t *data, size_t len, void *user_data)
{
  gcry_randomize (data, len, GCRY_STRONG_RANDOM);
  return SG_SUCCESS;
}

static int
provider_hmac_init (void **context, const uint8_t *key, size_t key_len, void *user_data)
{
  gcry_mac_hd_t hd = NULL;

  if (gcry_mac_open (&hd, GCRY_MAC_HMAC_SHA256, 0, NULL) != 0)
    return SG_ERR_UNKNOWN;
  if (gcry_mac_setkey (hd, key, key_len) != 0)
    {
      gcry_mac_close (hd);
      return SG_ERR_UNKNOWN;
    }
  *context = hd;
  return SG_SUCCESS;
}

static int
provider_hmac_update (void *context, const uint8_t *data, size_t len, void *user_data)
{
  return gcry_mac_write (context, data, len) == 0 ? SG_SUCCESS : SG_ERR_UNKNOWN;
}

static int
provider_hmac_final (void *context, signal_buffer **output, void *user_data)
{
  guint8 mac[32];
  size_t len = sizeof mac;

  if (gcry_mac_read (context, mac, &len) != 0 || len != sizeof mac)
    return SG_ERR_UNKNOWN;
  *output = signal_buffer_create (mac, len);
  return *output != NULL ? SG_SUCCESS : SG_ERR_NOMEM;
}

static void
provider_hmac_cleanup (void *context, void *user_data)
{
  if (context != NULL)
    gcry_mac_close (context);
}

static int
provider_sha512_init (void **context, void *user_data)
{
  gcry_md_hd_t hd = NULL;

  if (gcry_md_open (&hd, GCRY_MD_SHA512, 0) != 0)
    return SG_ERR_UNKNOWN;
  *context = hd;
  return SG_SUCCESS;
}

static int
provider_sha512_update (void *context, const uint8_t *data, size_t len, void *user_data)
{
  gcry_md_write (context, data, len);
  return SG_SUCCESS;
}

static int
provider_sha512_final (void *context, signal_buffer **output, void *user_data)
{
  const guint8 *digest = gcry_md_read (context, GCRY_MD_SHA512);

  if (digest == NULL)
    return SG_ERR_UNKNOWN;
  *output = signal_buffer_create (digest, 64);
  gcry_md_reset (context);
  return *output != NULL ? SG_SUCCESS : SG_ERR_NOMEM;
}

static void
provider_sha512_cleanup (void *context, void *user_data)
{
  if (context != NULL)
    gcry_md_close (context);
}

static int
aes_algo (size_t key_len)
{
  switch (key_len)
    {
    case 16:
      return GCRY_CIPHER_AES128;
    case 24:
      return GCRY_CIPHER_AES192;
    case 32:
      return GCRY_CIPHER_AES256;
    default:
      return 0;
    }
}

/* AES in CBC with PKCS#7 padding, or CTR without padding, as libomemo-c's
 * signal_encrypt/signal_decrypt expect. */
static int
provider_crypt (gboolean encrypt, signal_buffer **output, int cipher, const uint8_t *key,
                size_t key_len, const uint8_t *iv, size_t iv_len, const uint8_t *input,
                size_t input_len)
{
  gcry_cipher_hd_t hd = NULL;
  int algo = aes_algo (key_len);
  int mode;
  guint8 *buf = NULL;
  gsize buf_len = input_len;
  int result = SG_ERR_UNKNOWN;

  *output = NULL;
  if (algo == 0 || iv_len != 16)
    return SG_ERR_INVAL;
  if (cipher == SG_CIPHER_AES_CBC_PKCS5)
    mode = GCRY_CIPHER_MODE_CBC;
  else if (cipher == SG_CIPHER_AES_CTR_NOPADDING)
    mode = GCRY_CIPHER_MODE_CTR;
  else
    return SG_ERR_INVAL;

  if (mode == GCRY_CIPHER_MODE_CBC)
    {
      if (encrypt)
        buf_len = (input_len / 16 + 1) * 16;
      else if (input_len == 0 || input_len % 16 != 0)
        return SG_ERR_INVAL;
    }
  buf = g_malloc0 (MAX (buf_len, 1));
  memcpy (buf, input, input_len);
  if (mode == GCRY_CIPHER_MODE_CBC && encrypt)
    memset (buf + input_len, (int) (buf_len - input_len), buf_len - input_len);

  if (gcry_cipher_open (&hd, algo, mode, 0) != 0)
    goto out;
  if (gcry_cipher_setkey (hd, key, key_len) != 0)
    goto out;
  if (mode == GCRY_CIPHER_MODE_CBC ? gcry_cipher_setiv (hd, iv, iv_len) != 0
                                   : gcry_cipher_setctr (hd, iv, iv_len) != 0)
    goto out;
  if ((encrypt ? gcry_cipher_encrypt (hd, buf, buf_len, NULL, 0)
               : gcry_cipher_decrypt (hd, buf, buf_len, NULL, 0)) != 0)
    goto out;

  if (mode == GCRY_CIPHER_MODE_CBC && !encrypt)
    {
      guint pad = buf[buf_len - 1];
      guint bad = 0;

      if (pad == 0 || pad > 16)
        {
          result = SG_ERR_UNKNOWN;
          goto out;
        }
      for (guint i = 0; i < pad; i++)
        bad |= buf[buf_len - 1 - i] ^ pad;
      if (bad != 0)
        goto out;
      buf_len -= pad;
    }
  *output = signal_buffer_create (buf, buf_len);
  result = *output != NULL ? SG_SUCCESS : SG_ERR_NOMEM;

out:
  if (hd != NULL)
    gcry_cipher_close (hd);
  if (buf != NULL)
    {
      memset (buf, 0, MAX (buf_len, 1));
      g_free (buf);
    }
  return result;
}

static int
provider_encrypt (signal_buffer **output, int cipher, const uint8_t *key, size_t key_len,
                  const uint8_t *iv, size_t iv_len, const uint8_t *plaintext, size_t plaintext_len,
                  void *user_data)
{
  return provider_crypt (TRUE, output, cipher, key, key_len, iv, iv_len, plaintext, plaintext_len);
}

static int
provider_decrypt (signal_buffer **output, int cipher, const uint8_t *key, size_t key_len,
                  const uint8_t *iv, size_t iv_len, const uint8_t *ciphertext,
                  size_t ciphertext_len, void *user_data)
{
  return provider_crypt (FALSE, output, cipher, key, key_len, iv, iv_len, ciphertext,
                         ciphertext_len);
}

void
mimp_e2e_provider_fill (signal_crypto_provider *provider)
{
  memset (provider, 0, sizeof *provider);
  provider->random_func = provider_random;
  provider->hmac_sha256_init_func = provider_hmac_init;
  provider->hmac_sha256_update_func = provider_hmac_update;
  provider->hmac_sha256_final_func = provider_hmac_final;
  provider->hmac_sha256_cleanup_func = provider_hmac_cleanup;
  provider->sha512_digest_init_func = provider_sha512_init;
  provider->sha512_digest_update_func = provider_sha512_update;
  provider->sha512_digest_final_func = provider_sha512_final;
  provider->sha512_digest_cleanup_func = provider_sha512_cleanup;
  provider->encrypt_func = provider_encrypt;
  provider->decrypt_func = provider_decrypt;
}

#define SEAL_NONCE 12
#define SEAL_TAG 16

GBytes *
mimp_e2e_seal (const guint8 *key, const void *data, gsize len, const char *aad)
{
  gcry_cipher_hd_t hd = NULL;
  guint8 *out = g_malloc (SEAL_NONCE + len + SEAL_TAG);
  gboolean ok = FALSE;

  gcry_create_nonce (out, SEAL_NONCE);
  memcpy (out + SEAL_NONCE, data, len);
  if (gcry_cipher_open (&hd, GCRY_CIPHER_AES256, GCRY_CIPHER_MODE_GCM_SIV, 0) == 0 &&
      gcry_cipher_setkey (hd, key, 32) == 0 && gcry_cipher_setiv (hd, out, SEAL_NONCE) == 0 &&
      gcry_cipher_authenticate (hd, aad, strlen (aad)) == 0 &&
      gcry_cipher_encrypt (hd, out + SEAL_NONCE, len, NULL, 0) == 0 &&
      gcry_cipher_gettag (hd, out + SEAL_NONCE + len, SEAL_TAG) == 0)
    ok = TRUE;
  if (hd != NULL)
    gcry_cipher_close (hd);
  if (!ok)
    {
      g_free (out);
      return NULL;
    }
  return g_bytes_new_take (out, SEAL_NONCE + len + SEAL_TAG);
}

GBytes *
mimp_e2e_unseal (const guint8 *key, const void *data, gsize len, const char *aad)
{
  gcry_cipher_hd_t hd = NULL;
  const guint8 *in = data;
  guint8 *out;
  gsize out_len;
  gboolean ok = FALSE;

  if (data == NULL || len < SEAL_NONCE + SEAL_TAG)
    return NULL;
  out_len = len - SEAL_NONCE - SEAL_TAG;
  out = g_malloc (MAX (out_len, 1));
  if (gcry_cipher_open (&hd, GCRY_CIPHER_AES256, GCRY_CIPHER_MODE_GCM_SIV, 0) == 0 &&
      gcry_cipher_setkey (hd, key, 32) == 0 && gcry_cipher_setiv (hd, in, SEAL_NONCE) == 0 &&
      gcry_cipher_authenticate (hd, aad, strlen (aad)) == 0 &&
      gcry_cipher_set_decryption_tag (hd, in + SEAL_NONCE + out_len, SEAL_TAG) == 0 &&
      gcry_cipher_decrypt (hd, out, out_len, in + SEAL_NONCE, out_len) == 0)
    ok = TRUE;
  if (hd != NULL)
    gcry_cipher_close (hd);
  if (!ok)
    {
      memset (out, 0, MAX (out_len, 1));
      g_free (out);
      return NULL;
    }
  return g_bytes_new_take (out, out_len);
}
