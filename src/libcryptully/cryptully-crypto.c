/* cryptully-crypto.c - Diffie-Hellman, key material, AES-CBC, HMAC, counters
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "cryptully"

#include "config.h"

#include <string.h>

#include "cryptully-crypto.h"
#include "cryptully-error.h"

/* The original's group (shanet/Cryptully src/crypto/crypto.py dhPrime): a
 * 4096-bit safe prime, not an RFC group, with generator 2. */
static const char dh_prime_hex[] =
    "a53d56c30fe79d43e3c9a0b678e87c0fcd2e78b15c676838d2a2bd6c299b1e7f"
    "db286d991f62e8f366b0067ae71d3d91dac4738fd744ee180b16c97a54215236"
    "d4d393a4c85d8b390783566c1b0d55421a89fca20b85e0faecded7983d038821"
    "778b6504105f455d8655953d0b62841e9cc1248fa21834bc9f3e3cc1c080cfcb"
    "0b230fd9a2059f5f637395dfa701981fad0dbeb545e2e29cd20f7b6baee93140"
    "39e16ef19f604746fe596d50bb3967da51b948184d8d4511f2c0b8e4b4e3abc4"
    "4144ce1f5968aadd053600a40430ba97ad9e0ad26fe4c444be3f48434a68aa13"
    "2b1677d8442454fe4c6ae9d3b7164e6603f1c8a8f5b5235ba0b9f5b5f86278e4"
    "f69eb4d5388838ef15678535589516a1d85d127da8f46f150613c8a49258be2e"
    "d53c3e161d0049cabb40d15f9042a00c494746753b9794a9f66a93b67498c7c5"
    "9b8253a910457c10353fa8e2edcafdf6c9354a3dc58b5a825c353302d686596c"
    "11e4855e86f3c6810f9a4abf917f69a6083330492aedb5621ebc3fd59778a40e"
    "0a7fa8450c8b2c6fe3923775419b2ea35cd19abe62c50020df991d9fc772d16d"
    "d5208468dc7a9b51c6723495fe0e72e818ee2b2a8581fab2caf6bd914e487657"
    "3b023862286ec88a698be2dd34c03925ab5ca0f50f0b2a246ab852e3779f0cf9"
    "d3e36f9ab9a50602d5e9216c3a29994e81e151accd88ea346d1be6588068e873";

#define DH_MAX_DIGITS 1300 /* a 4096-bit number has at most 1234 decimal digits */

static gcry_mpi_t dh_prime;
static gcry_mpi_t dh_prime_minus_1;
static gcry_mpi_t dh_generator;

void
cryptully_crypto_init (void)
{
  static gsize done = 0;

  if (g_once_init_enter (&done))
    {
      if (!gcry_control (GCRYCTL_INITIALIZATION_FINISHED_P))
        {
          if (!gcry_check_version (GCRYPT_VERSION))
            g_error ("libgcrypt is older than the headers it was built with");
          gcry_control (GCRYCTL_INIT_SECMEM, 65536, 0);
          gcry_control (GCRYCTL_INITIALIZATION_FINISHED, 0);
        }
      if (gcry_mpi_scan (&dh_prime, GCRYMPI_FMT_HEX, dh_prime_hex, 0, NULL) != 0)
        g_error ("cannot read the Cryptully prime");
      dh_prime_minus_1 = gcry_mpi_new (0);
      gcry_mpi_sub_ui (dh_prime_minus_1, dh_prime, 1);
      dh_generator = gcry_mpi_set_ui (NULL, 2);
      g_once_init_leave (&done, 1);
    }
}

/* libgcrypt prints hex only: peel off nine digits at a time. */
char *
cryptully_mpi_to_decimal (gcry_mpi_t value)
{
  g_autoptr (GString) out = g_string_new (NULL);
  gcry_mpi_t rest = gcry_mpi_copy (value);
  gcry_mpi_t billion = gcry_mpi_set_ui (NULL, 1000000000);
  gcry_mpi_t digits = gcry_mpi_new (32);
  char *result;

  while (gcry_mpi_cmp_ui (rest, 0) > 0)
    {
      unsigned int chunk = 0;
      char buf[16];

      gcry_mpi_div (rest, digits, rest, billion, 0);
      gcry_mpi_get_ui (&chunk, digits);
      if (gcry_mpi_cmp_ui (rest, 0) > 0)
        g_snprintf (buf, sizeof buf, "%09u", chunk);
      else
        g_snprintf (buf, sizeof buf, "%u", chunk);
      g_string_prepend (out, buf);
    }
  if (out->len == 0)
    g_string_append_c (out, '0');
  gcry_mpi_release (rest);
  gcry_mpi_release (billion);
  gcry_mpi_release (digits);
  result = g_strndup (out->str, out->len);
  explicit_bzero (out->str, out->len);
  return result;
}

gcry_mpi_t
cryptully_mpi_from_decimal (const char *decimal, gsize max_digits)
{
  gsize len = strlen (decimal);
  gcry_mpi_t value;

  if (len == 0 || len > max_digits)
    return NULL;
  for (gsize i = 0; i < len; i++)
    if (!g_ascii_isdigit (decimal[i]))
      return NULL;
  value = gcry_mpi_new (0);
  for (gsize i = 0; i < len; i++)
    {
      gcry_mpi_mul_ui (value, value, 10);
      gcry_mpi_add_ui (value, value, (unsigned long) (decimal[i] - '0'));
    }
  return value;
}

void
cryptully_keys_from_secret (const char *secret_decimal, CryptullyKeys *keys)
{
  guint8 digest[64];

  gcry_md_hash_buffer (GCRY_MD_SHA512, digest, secret_decimal, strlen (secret_decimal));
  memcpy (keys->key, digest, CRYPTULLY_KEY_SIZE);
  /* The original passes bytes 32..63 as the IV; OpenSSL reads 16 of them. */
  memcpy (keys->iv, digest + CRYPTULLY_KEY_SIZE, CRYPTULLY_IV_SIZE);
  explicit_bzero (digest, sizeof digest);
}

void
cryptully_keys_wipe (CryptullyKeys *keys)
{
  explicit_bzero (keys, sizeof *keys);
}

struct _CryptullyDh
{
  gcry_mpi_t exponent; /* in secure memory */
  gcry_mpi_t public_value;
};

static CryptullyDh *
dh_new_take (gcry_mpi_t exponent)
{
  CryptullyDh *dh = g_new0 (CryptullyDh, 1);

  dh->exponent = exponent;
  dh->public_value = gcry_mpi_new (4096);
  gcry_mpi_powm (dh->public_value, dh_generator, dh->exponent, dh_prime);
  return dh;
}

CryptullyDh *
cryptully_dh_new (void)
{
  gcry_mpi_t exponent;

  cryptully_crypto_init ();
  exponent = gcry_mpi_snew (CRYPTULLY_DH_EXPONENT_BITS);
  gcry_mpi_randomize (exponent, CRYPTULLY_DH_EXPONENT_BITS, GCRY_STRONG_RANDOM);
  gcry_mpi_set_highbit (exponent, CRYPTULLY_DH_EXPONENT_BITS - 1);
  return dh_new_take (exponent);
}

CryptullyDh *
cryptully_dh_new_with_exponent (const guint8 *exponent, gsize len)
{
  gcry_mpi_t x = NULL;

  cryptully_crypto_init ();
  if (gcry_mpi_scan (&x, GCRYMPI_FMT_USG, exponent, len, NULL) != 0)
    g_error ("cannot read a DH exponent");
  return dh_new_take (x);
}

void
cryptully_dh_free (CryptullyDh *dh)
{
  if (dh == NULL)
    return;
  gcry_mpi_release (dh->exponent);
  gcry_mpi_release (dh->public_value);
  g_free (dh);
}

char *
cryptully_dh_public_decimal (CryptullyDh *dh)
{
  return cryptully_mpi_to_decimal (dh->public_value);
}

char *
cryptully_dh_public_payload (CryptullyDh *dh)
{
  g_autofree char *decimal = cryptully_dh_public_decimal (dh);

  return g_base64_encode ((const guchar *) decimal, strlen (decimal));
}

static gboolean
is_base64 (const char *text)
{
  gsize len = strlen (text);

  if (len == 0 || len % 4 != 0)
    return FALSE;
  for (gsize i = 0; i < len; i++)
    if (!g_ascii_isalnum (text[i]) && text[i] != '+' && text[i] != '/' &&
        !(text[i] == '=' && i >= len - 2))
      return FALSE;
  return TRUE;
}

/* base64 decoding of what a peer sent, refusing what is not base64 (GLib's
 * decoder skips stray characters silently). */
static guint8 *
decode_base64 (const char *text, gsize *len)
{
  if (text == NULL || !is_base64 (text))
    return NULL;
  return g_base64_decode (text, len);
}

gboolean
cryptully_dh_derive (CryptullyDh *dh, const char *payload, CryptullyKeys *keys, GError **error)
{
  g_autofree char *decimal = NULL;
  g_autofree char *secret_decimal = NULL;
  gcry_mpi_t peer = NULL;
  gcry_mpi_t secret;
  gsize len = 0;

  if (payload == NULL || strlen (payload) > 4 * DH_MAX_DIGITS ||
      !(decimal = (char *) decode_base64 (payload, &len)))
    {
      cryptully_set_error (error, CRYPTULLY_ERROR_BAD_HANDSHAKE);
      return FALSE;
    }
  decimal = g_realloc (decimal, len + 1);
  decimal[len] = '\0';
  if (strlen (decimal) != len || !(peer = cryptully_mpi_from_decimal (decimal, DH_MAX_DIGITS)))
    {
      cryptully_set_error (error, CRYPTULLY_ERROR_BAD_HANDSHAKE);
      return FALSE;
    }
  /* 0, 1 and p-1 would make the secret known to anyone; >= p is no element. */
  if (gcry_mpi_cmp_ui (peer, 1) <= 0 || gcry_mpi_cmp (peer, dh_prime_minus_1) >= 0)
    {
      gcry_mpi_release (peer);
      cryptully_set_error (error, CRYPTULLY_ERROR_BAD_KEY);
      return FALSE;
    }
  secret = gcry_mpi_snew (4096);
  gcry_mpi_powm (secret, peer, dh->exponent, dh_prime);
  gcry_mpi_release (peer);
  secret_decimal = cryptully_mpi_to_decimal (secret);
  gcry_mpi_release (secret);
  cryptully_keys_from_secret (secret_decimal, keys);
  explicit_bzero (secret_decimal, strlen (secret_decimal));
  return TRUE;
}

/* AES-256-CBC from the fixed IV, PKCS#7 padding. */
GBytes *
cryptully_aes_encrypt (const CryptullyKeys *keys, const guint8 *data, gsize len)
{
  gcry_cipher_hd_t hd = NULL;
  gsize padded = (len / 16 + 1) * 16;
  guint8 *out = g_malloc (padded);
  guint8 pad = (guint8) (padded - len);

  memcpy (out, data, len);
  memset (out + len, pad, pad);
  if (gcry_cipher_open (&hd, GCRY_CIPHER_AES256, GCRY_CIPHER_MODE_CBC, GCRY_CIPHER_SECURE) != 0 ||
      gcry_cipher_setkey (hd, keys->key, CRYPTULLY_KEY_SIZE) != 0 ||
      gcry_cipher_setiv (hd, keys->iv, CRYPTULLY_IV_SIZE) != 0 ||
      gcry_cipher_encrypt (hd, out, padded, NULL, 0) != 0)
    g_error ("AES-256-CBC is not available");
  gcry_cipher_close (hd);
  return g_bytes_new_take (out, padded);
}

GBytes *
cryptully_aes_decrypt (const CryptullyKeys *keys, const guint8 *data, gsize len, GError **error)
{
  gcry_cipher_hd_t hd = NULL;
  guint8 *out;
  guint8 pad;

  if (len == 0 || len % 16 != 0)
    {
      cryptully_set_error (error, CRYPTULLY_ERROR_BAD_DECRYPT);
      return NULL;
    }
  out = g_malloc (len);
  if (gcry_cipher_open (&hd, GCRY_CIPHER_AES256, GCRY_CIPHER_MODE_CBC, GCRY_CIPHER_SECURE) != 0 ||
      gcry_cipher_setkey (hd, keys->key, CRYPTULLY_KEY_SIZE) != 0 ||
      gcry_cipher_setiv (hd, keys->iv, CRYPTULLY_IV_SIZE) != 0 ||
      gcry_cipher_decrypt (hd, out, len, data, len) != 0)
    g_error ("AES-256-CBC is not available");
  gcry_cipher_close (hd);
  /* Only reached after the HMAC checked, so this is no padding oracle. */
  pad = out[len - 1];
  for (guint i = 1; pad >= 1 && pad <= 16 && i <= pad; i++)
    if (out[len - i] != pad)
      pad = 0;
  if (pad < 1 || pad > 16)
    {
      explicit_bzero (out, len);
      g_free (out);
      cryptully_set_error (error, CRYPTULLY_ERROR_BAD_DECRYPT);
      return NULL;
    }
  return g_bytes_new_take (out, len - pad);
}

void
cryptully_hmac (const CryptullyKeys *keys, const guint8 *data, gsize len, guint8 out[32])
{
  gcry_md_hd_t hd = NULL;

  if (gcry_md_open (&hd, GCRY_MD_SHA256, GCRY_MD_FLAG_HMAC | GCRY_MD_FLAG_SECURE) != 0 ||
      gcry_md_setkey (hd, keys->key, CRYPTULLY_KEY_SIZE) != 0)
    g_error ("HMAC-SHA256 is not available");
  gcry_md_write (hd, data, len);
  memcpy (out, gcry_md_read (hd, GCRY_MD_SHA256), 32);
  gcry_md_close (hd);
}

/* Constant time in the contents (the length is not secret). */
gboolean
cryptully_equal_secret (const guint8 *a, gsize a_len, const guint8 *b, gsize b_len)
{
  guint8 diff = 0;

  if (a_len != b_len)
    return FALSE;
  for (gsize i = 0; i < a_len; i++)
    diff |= a[i] ^ b[i];
  return diff == 0;
}

struct _CryptullyCipher
{
  CryptullyKeys keys;
  guint64 outgoing;
  guint64 incoming;
};

CryptullyCipher *
cryptully_cipher_new (const CryptullyKeys *keys)
{
  CryptullyCipher *cipher;

  cryptully_crypto_init ();
  cipher = gcry_calloc_secure (1, sizeof *cipher);
  cipher->keys = *keys;
  return cipher;
}

void
cryptully_cipher_free (CryptullyCipher *cipher)
{
  if (cipher == NULL)
    return;
  explicit_bzero (cipher, sizeof *cipher);
  gcry_free (cipher);
}

static char *
base64_of (GBytes *bytes)
{
  gsize len;
  const guint8 *data = g_bytes_get_data (bytes, &len);

  return g_base64_encode (data, len);
}

void
cryptully_cipher_seal (CryptullyCipher *cipher, const guint8 *data, gsize len, char **payload,
                       char **hmac, char **num)
{
  g_autoptr (GBytes) sealed = cryptully_aes_encrypt (&cipher->keys, data, len);
  g_autofree char *counter = g_strdup_printf ("%" G_GUINT64_FORMAT, cipher->outgoing++);
  g_autoptr (GBytes) sealed_counter =
      cryptully_aes_encrypt (&cipher->keys, (const guint8 *) counter, strlen (counter));
  guint8 mac[32];
  gsize sealed_len;
  const guint8 *sealed_data = g_bytes_get_data (sealed, &sealed_len);

  cryptully_hmac (&cipher->keys, sealed_data, sealed_len, mac);
  *payload = base64_of (sealed);
  *hmac = g_base64_encode (mac, sizeof mac);
  *num = base64_of (sealed_counter);
}

GBytes *
cryptully_cipher_open (CryptullyCipher *cipher, const char *payload, const char *hmac,
                       const char *num, GError **error)
{
  g_autofree guint8 *sealed = NULL;
  g_autofree guint8 *given_mac = NULL;
  g_autofree guint8 *sealed_counter = NULL;
  g_autoptr (GBytes) counter = NULL;
  g_autofree char *counter_text = NULL;
  gsize sealed_len = 0, mac_len = 0, counter_len = 0;
  guint8 mac[32];
  guint64 number;

  sealed = decode_base64 (payload, &sealed_len);
  given_mac = decode_base64 (hmac, &mac_len);
  if (sealed == NULL || given_mac == NULL)
    {
      cryptully_set_error (error, CRYPTULLY_ERROR_BAD_HMAC);
      return NULL;
    }
  cryptully_hmac (&cipher->keys, sealed, sealed_len, mac);
  if (!cryptully_equal_secret (mac, sizeof mac, given_mac, mac_len))
    {
      cryptully_set_error (error, CRYPTULLY_ERROR_BAD_HMAC);
      return NULL;
    }
  if (!(sealed_counter = decode_base64 (num, &counter_len)) ||
      !(counter = cryptully_aes_decrypt (&cipher->keys, sealed_counter, counter_len, NULL)))
    {
      cryptully_set_error (error, CRYPTULLY_ERROR_BAD_DECRYPT);
      return NULL;
    }
  counter_text = g_strndup (g_bytes_get_data (counter, NULL), g_bytes_get_size (counter));
  if (strlen (counter_text) != g_bytes_get_size (counter) ||
      !g_ascii_string_to_unsigned (counter_text, 10, 0, G_MAXUINT64, &number, NULL))
    {
      cryptully_set_error (error, CRYPTULLY_ERROR_BAD_DECRYPT);
      return NULL;
    }
  if (number < cipher->incoming)
    {
      cryptully_set_error (error, CRYPTULLY_ERROR_REPLAY);
      return NULL;
    }
  if (number > cipher->incoming)
    {
      cryptully_set_error (error, CRYPTULLY_ERROR_DELETION);
      return NULL;
    }
  cipher->incoming++;
  return cryptully_aes_decrypt (&cipher->keys, sealed, sealed_len, error);
}

guint64
cryptully_cipher_get_outgoing (CryptullyCipher *cipher)
{
  return cipher->outgoing;
}

guint64
cryptully_cipher_get_incoming (CryptullyCipher *cipher)
{
  return cipher->incoming;
}
