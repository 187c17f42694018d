/* cryptully-crypto.h - Cryptully's key exchange and message protection
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * All on libgcrypt: the original's 4096-bit Diffie-Hellman group, the key
 * material (SHA-512 of the shared secret's ASCII decimal: AES key = bytes
 * 0..31, IV = bytes 32..47), AES-256-CBC with PKCS#7 padding restarted from
 * that IV for every message, HMAC-SHA256 (keyed with the AES key) over the
 * ciphertext, and the encrypted message counter.
 */
#pragma once

#include <gcrypt.h>
#include <glib.h>

G_BEGIN_DECLS

#define CRYPTULLY_KEY_SIZE 32
#define CRYPTULLY_IV_SIZE 16
/* Private DH exponents are this many random bits (the original used
 * OpenSSL's default); 512 bits is over twice the group's ~150-bit security. */
#define CRYPTULLY_DH_EXPONENT_BITS 512

void cryptully_crypto_init (void);

/* Decimal strings of non-negative integers, as the original writes them. */
char *cryptully_mpi_to_decimal (gcry_mpi_t value);
gcry_mpi_t cryptully_mpi_from_decimal (const char *decimal, gsize max_digits);

typedef struct
{
  guint8 key[CRYPTULLY_KEY_SIZE];
  guint8 iv[CRYPTULLY_IV_SIZE];
} CryptullyKeys;

void cryptully_keys_from_secret (const char *secret_decimal, CryptullyKeys *keys);
void cryptully_keys_wipe (CryptullyKeys *keys);

typedef struct _CryptullyDh CryptullyDh;

CryptullyDh *cryptully_dh_new (void);
/* A fixed exponent, big-endian: for known-answer tests. */
CryptullyDh *cryptully_dh_new_with_exponent (const guint8 *exponent, gsize len);
void cryptully_dh_free (CryptullyDh *dh);
/* g^x mod p in decimal, and as the PUB_KEY payload (base64 of that). */
char *cryptully_dh_public_decimal (CryptullyDh *dh);
char *cryptully_dh_public_payload (CryptullyDh *dh);
/* Reads a PUB_KEY payload; refuses 0, 1, p-1 and anything >= p
 * (CRYPTULLY_ERROR_BAD_KEY) or what is not base64 of a decimal number. */
gboolean cryptully_dh_derive (CryptullyDh *dh, const char *payload, CryptullyKeys *keys,
                              GError **error);

typedef struct _CryptullyCipher CryptullyCipher;

CryptullyCipher *cryptully_cipher_new (const CryptullyKeys *keys);
void cryptully_cipher_free (CryptullyCipher *cipher);
/* base64 of each, as the envelope carries them; counts one outgoing message. */
void cryptully_cipher_seal (CryptullyCipher *cipher, const guint8 *data, gsize len, char **payload,
                            char **hmac, char **num);
/* Checks the HMAC (CRYPTULLY_ERROR_BAD_HMAC), then the counter
 * (CRYPTULLY_ERROR_REPLAY, CRYPTULLY_ERROR_DELETION), then decrypts
 * (CRYPTULLY_ERROR_BAD_DECRYPT). */
GBytes *cryptully_cipher_open (CryptullyCipher *cipher, const char *payload, const char *hmac,
                               const char *num, GError **error);
guint64 cryptully_cipher_get_outgoing (CryptullyCipher *cipher);
guint64 cryptully_cipher_get_incoming (CryptullyCipher *cipher);

/* The primitives, exposed for tests. */
GBytes *cryptully_aes_encrypt (const CryptullyKeys *keys, const guint8 *data, gsize len);
GBytes *cryptully_aes_decrypt (const CryptullyKeys *keys, const guint8 *data, gsize len,
                               GError **error);
void cryptully_hmac (const CryptullyKeys *keys, const guint8 *data, gsize len, guint8 out[32]);
gboolean cryptully_equal_secret (const guint8 *a, gsize a_len, const guint8 *b, gsize b_len);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CryptullyDh, cryptully_dh_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CryptullyCipher, cryptully_cipher_free)

G_END_DECLS
