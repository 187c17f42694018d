/* miricat-crypto.c - key exchange and traffic cipher of both dialects
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Yemu and javacat share the group (RFC 3526 MODP group 5, g = 2), the
 * cipher (AES-256-CTR, IV of 16 zero bytes, restarted for every packet, no
 * MAC) and the framing of encrypted packets (standard base64 with padding).
 * They differ in how the shared secret becomes the AES key and in the hex
 * text of public values:
 *
 * - Yemu: the secret in lowercase hex without leading zeros; its first 32
 *   characters, as ASCII bytes, are the key. It sends hex the same way.
 * - javacat: the secret left-padded to 192 bytes; its first 32 bytes are the
 *   key. It reads hex by byte pairs, so we send an even length.
 */
#define G_LOG_DOMAIN "miricat"

#include "config.h"

#include <string.h>

#include <gcrypt.h>

#include "miricat-crypto.h"
#include "miricat-error.h"

#define MODP5_BYTES 192

static const char modp5_prime_hex[] = "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD1"
                                      "29024E088A67CC74020BBEA63B139B22514A08798E3404DD"
                                      "EF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245"
                                      "E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED"
                                      "EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3D"
                                      "C2007CB8A163BF0598DA48361C55D39A69163FA8FD24CF5F"
                                      "83655D23DCA3AD961C62F356208552BB9ED529077096966D"
                                      "670C354E4ABC9804F1746C08CA237327FFFFFFFFFFFFFFFF";

struct _MiricatDh
{
  gcry_mpi_t prime;
  gcry_mpi_t exponent;
  gcry_mpi_t public_value;
};

static void
ensure_gcrypt (void)
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

gboolean
miricat_dialect_from_string (const char *name, MiricatDialect *dialect)
{
  if (g_strcmp0 (name, "yemu") == 0)
    *dialect = MIRICAT_DIALECT_YEMU;
  else if (g_strcmp0 (name, "javacat") == 0)
    *dialect = MIRICAT_DIALECT_JAVACAT;
  else
    return FALSE;
  return TRUE;
}

const char *
miricat_dialect_to_string (MiricatDialect dialect)
{
  return dialect == MIRICAT_DIALECT_JAVACAT ? "javacat" : "yemu";
}

static MiricatDh *
dh_new_common (gcry_mpi_t exponent)
{
  MiricatDh *dh = g_new0 (MiricatDh, 1);
  gcry_mpi_t g = gcry_mpi_set_ui (NULL, 2);

  gcry_mpi_scan (&dh->prime, GCRYMPI_FMT_HEX, modp5_prime_hex, 0, NULL);
  dh->exponent = exponent;
  dh->public_value = gcry_mpi_new (0);
  gcry_mpi_powm (dh->public_value, g, dh->exponent, dh->prime);
  gcry_mpi_release (g);
  return dh;
}

/**
 * miricat_dh_new:
 *
 * Returns: a key pair with a fresh random 320-bit exponent
 */
MiricatDh *
miricat_dh_new (void)
{
  gcry_mpi_t exponent;

  ensure_gcrypt ();
  exponent = gcry_mpi_snew (320);
  do
    gcry_mpi_randomize (exponent, 320, GCRY_STRONG_RANDOM);
  while (gcry_mpi_cmp_ui (exponent, 2) < 0);
  return dh_new_common (exponent);
}

/**
 * miricat_dh_new_with_exponent:
 * @exponent_hex: the private exponent in hex
 *
 * For known-answer tests only.
 *
 * Returns: (nullable): a key pair, or %NULL when @exponent_hex is not hex
 */
MiricatDh *
miricat_dh_new_with_exponent (const char *exponent_hex)
{
  gcry_mpi_t exponent = NULL;

  ensure_gcrypt ();
  if (gcry_mpi_scan (&exponent, GCRYMPI_FMT_HEX, exponent_hex, 0, NULL) != 0)
    return NULL;
  return dh_new_common (exponent);
}

void
miricat_dh_free (MiricatDh *dh)
{
  if (dh == NULL)
    return;
  gcry_mpi_release (dh->prime);
  gcry_mpi_release (dh->exponent);
  gcry_mpi_release (dh->public_value);
  g_free (dh);
}

/* Unsigned big-endian bytes of @value, at least one byte. */
static guint8 *
mpi_to_bytes (gcry_mpi_t value, gsize *len)
{
  unsigned char *buf = NULL;
  size_t n = 0;
  guint8 *copy;

  gcry_mpi_aprint (GCRYMPI_FMT_USG, &buf, &n, value);
  if (n == 0)
    {
      gcry_free (buf);
      *len = 1;
      return g_malloc0 (1);
    }
  copy = g_memdup2 (buf, n);
  gcry_free (buf);
  *len = n;
  return copy;
}

/* Yemu: lowercase, no leading zeros. javacat: uppercase, even length. */
static char *
mpi_to_hex (gcry_mpi_t value, MiricatDialect dialect)
{
  static const char lower[] = "0123456789abcdef";
  static const char upper[] = "0123456789ABCDEF";
  const char *digits = dialect == MIRICAT_DIALECT_YEMU ? lower : upper;
  gsize len = 0;
  g_autofree guint8 *bytes = mpi_to_bytes (value, &len);
  GString *hex = g_string_sized_new (2 * len + 1);

  for (gsize i = 0; i < len; i++)
    {
      g_string_append_c (hex, digits[bytes[i] >> 4]);
      g_string_append_c (hex, digits[bytes[i] & 0xf]);
    }
  if (dialect == MIRICAT_DIALECT_YEMU)
    {
      gsize zeros = 0;

      while (zeros + 1 < hex->len && hex->str[zeros] == '0')
        zeros++;
      g_string_erase (hex, 0, (gssize) zeros);
    }
  return g_string_free (hex, FALSE);
}

char *
miricat_dh_get_public_hex (MiricatDh *dh, MiricatDialect dialect)
{
  return mpi_to_hex (dh->public_value, dialect);
}

/* The server's public value: hex of either case, any length up to a limit,
 * and a value in [2, p-2] (0, 1 and p-1 would make the secret guessable). */
static gboolean
parse_public_value (MiricatDh *dh, const char *hex, gcry_mpi_t *out, GError **error)
{
  g_autofree char *padded = NULL;
  gcry_mpi_t value = NULL, limit;
  gsize len = hex ? strlen (hex) : 0;

  if (len == 0 || len > MIRICAT_PUBLIC_HEX_MAX)
    {
      g_set_error_literal (error, MIRICAT_ERROR, MIRICAT_ERROR_BAD_KEY,
                           "The server's key exchange value is missing or too long");
      return FALSE;
    }
  for (gsize i = 0; i < len; i++)
    if (!g_ascii_isxdigit (hex[i]))
      {
        g_set_error_literal (error, MIRICAT_ERROR, MIRICAT_ERROR_BAD_KEY,
                             "The server's key exchange value is not hexadecimal");
        return FALSE;
      }
  /* gcry_mpi_scan reads hex as signed: a leading zero keeps it positive. */
  padded = g_strconcat ("00", hex, NULL);
  if (gcry_mpi_scan (&value, GCRYMPI_FMT_HEX, padded, 0, NULL) != 0)
    {
      g_set_error_literal (error, MIRICAT_ERROR, MIRICAT_ERROR_BAD_KEY,
                           "The server's key exchange value cannot be read");
      return FALSE;
    }
  limit = gcry_mpi_new (0);
  gcry_mpi_sub_ui (limit, dh->prime, 1);
  if (gcry_mpi_cmp_ui (value, 1) <= 0 || gcry_mpi_cmp (value, limit) >= 0)
    {
      gcry_mpi_release (limit);
      gcry_mpi_release (value);
      g_set_error_literal (error, MIRICAT_ERROR, MIRICAT_ERROR_BAD_KEY,
                           "The server sent an unsafe key exchange value (0, 1, p-1 or out of "
                           "range)");
      return FALSE;
    }
  gcry_mpi_release (limit);
  *out = value;
  return TRUE;
}

gboolean
miricat_dh_derive_key (MiricatDh *dh, MiricatDialect dialect, const char *peer_hex,
                       guint8 key[MIRICAT_KEY_SIZE], GError **error)
{
  gcry_mpi_t peer = NULL, secret;
  gboolean ok = TRUE;

  if (!parse_public_value (dh, peer_hex, &peer, error))
    return FALSE;
  secret = gcry_mpi_snew (MODP5_BYTES * 8);
  gcry_mpi_powm (secret, peer, dh->exponent, dh->prime);
  gcry_mpi_release (peer);

  if (dialect == MIRICAT_DIALECT_YEMU)
    {
      g_autofree char *hex = mpi_to_hex (secret, MIRICAT_DIALECT_YEMU);
      gsize len = strlen (hex);

      if (len < MIRICAT_KEY_SIZE)
        {
          g_set_error_literal (error, MIRICAT_ERROR, MIRICAT_ERROR_BAD_KEY,
                               "The key exchange gave a shared secret too small to use");
          ok = FALSE;
        }
      else
        memcpy (key, hex, MIRICAT_KEY_SIZE);
      memset (hex, 0, len);
    }
  else
    {
      gsize len = 0;
      g_autofree guint8 *bytes = mpi_to_bytes (secret, &len);
      guint8 padded[MODP5_BYTES] = { 0 };

      /* The secret is below p, so it fits in 192 bytes. */
      g_assert (len <= MODP5_BYTES);
      memcpy (padded + MODP5_BYTES - len, bytes, len);
      memcpy (key, padded, MIRICAT_KEY_SIZE);
      memset (padded, 0, sizeof padded);
      memset (bytes, 0, len);
    }
  gcry_mpi_release (secret);
  return ok;
}

void
miricat_ctr_apply (const guint8 key[MIRICAT_KEY_SIZE], guint8 *data, gsize len)
{
  static const guint8 zero_iv[16] = { 0 };
  gcry_cipher_hd_t cipher = NULL;

  ensure_gcrypt ();
  if (len == 0)
    return;
  if (gcry_cipher_open (&cipher, GCRY_CIPHER_AES256, GCRY_CIPHER_MODE_CTR, 0) != 0 ||
      gcry_cipher_setkey (cipher, key, MIRICAT_KEY_SIZE) != 0 ||
      gcry_cipher_setctr (cipher, zero_iv, sizeof zero_iv) != 0 ||
      gcry_cipher_encrypt (cipher, data, len, NULL, 0) != 0)
    g_error ("AES-256-CTR is not available from libgcrypt");
  gcry_cipher_close (cipher);
}

char *
miricat_encrypt_packet (const guint8 key[MIRICAT_KEY_SIZE], const char *json, gsize len)
{
  g_autofree guint8 *buf = g_memdup2 (json, len);
  char *base64;

  miricat_ctr_apply (key, buf, len);
  base64 = g_base64_encode (buf, len);
  return base64;
}

/* Standard alphabet, a multiple of four characters, padding only at the end. */
gboolean
miricat_base64_is_valid (const char *text, gsize len)
{
  gsize pad = 0;

  if (len == 0 || len % 4 != 0)
    return FALSE;
  if (text[len - 1] == '=')
    pad = text[len - 2] == '=' ? 2 : 1;
  for (gsize i = 0; i < len - pad; i++)
    if (!g_ascii_isalnum (text[i]) && text[i] != '+' && text[i] != '/')
      return FALSE;
  return TRUE;
}

guint8 *
miricat_decrypt_packet (const guint8 key[MIRICAT_KEY_SIZE], const char *base64, gsize len,
                        gsize *out_len, GError **error)
{
  g_autofree char *copy = NULL;
  guint8 *data;

  if (!miricat_base64_is_valid (base64, len))
    {
      g_set_error_literal (error, MIRICAT_ERROR, MIRICAT_ERROR_PROTOCOL,
                           "The server sent data that is neither JSON nor base64");
      return NULL;
    }
  copy = g_strndup (base64, len);
  data = g_base64_decode (copy, out_len);
  miricat_ctr_apply (key, data, *out_len);
  return data;
}
