/* test-cryptully.c - libcryptully's pure layers: framing, envelope, key
 * derivation (known answers computed by tests/cryptully/cryptully_wire.py
 * with Python integers), AES-CBC/HMAC/counters, HTML text, SMP.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "cryptully.h"

/* Fixed DH exponents: 0x0123456789abcdef and 0xfedcba9876543210, each
 * repeated eight times (512 bits). */
#define KAT_KEY "b23216addc30fe5f7cec10cdfda7dc9daaa3bacda12c6f3d16e371efd222148a"
#define KAT_IV "78bed0add711bb110d86f938094532a2"
#define KAT_A_DECIMAL_SHA256 "2ed1eaeba2d3a44e49c6fd16384095cba3c6dfa95c8b79859e9820e5b4dd5320"
#define KAT_B_PAYLOAD_SHA256 "d18990e214baf2068d5ab7cfcb5153e50178a3d490e509f0d94f0d14af6522ba"

static CryptullyDh *
kat_dh (const char *pattern)
{
  guint8 exponent[64];

  for (gsize i = 0; i < sizeof exponent; i++)
    {
      char hex[3] = { pattern[(2 * i) % 16], pattern[(2 * i + 1) % 16], 0 };

      exponent[i] = (guint8) g_ascii_strtoull (hex, NULL, 16);
    }
  return cryptully_dh_new_with_exponent (exponent, sizeof exponent);
}

static char *
hex_of (const guint8 *data, gsize len)
{
  GString *out = g_string_new (NULL);

  for (gsize i = 0; i < len; i++)
    g_string_append_printf (out, "%02x", data[i]);
  return g_string_free (out, FALSE);
}

static void
kat_keys (CryptullyKeys *keys)
{
  g_autoptr (CryptullyDh) a = kat_dh ("0123456789abcdef");
  g_autoptr (CryptullyDh) b = kat_dh ("fedcba9876543210");
  g_autofree char *payload = cryptully_dh_public_payload (b);
  g_autoptr (GError) error = NULL;

  g_assert_true (cryptully_dh_derive (a, payload, keys, &error));
  g_assert_no_error (error);
}

static void
test_frame_split (void)
{
  const char *json[] = { "{}", "{\"a\": 1}", "" };
  g_autoptr (GByteArray) stream = g_byte_array_new ();

  for (gsize i = 0; i < G_N_ELEMENTS (json); i++)
    {
      g_autoptr (GBytes) frame = cryptully_frame_encode (json[i], strlen (json[i]));

      g_byte_array_append (stream, g_bytes_get_data (frame, NULL), g_bytes_get_size (frame));
    }
  /* Every way of cutting the stream in two gives the same frames. */
  for (guint cut = 0; cut <= stream->len; cut++)
    {
      g_autoptr (CryptullyFrameReader) reader = cryptully_frame_reader_new (64);
      guint n = 0;

      for (int part = 0; part < 2; part++)
        {
          GBytes *frame = NULL;

          if (part == 0)
            cryptully_frame_reader_push (reader, stream->data, cut);
          else
            cryptully_frame_reader_push (reader, stream->data + cut, stream->len - cut);
          while (cryptully_frame_reader_next (reader, &frame, NULL) == CRYPTULLY_FRAME_READY)
            {
              g_assert_cmpmem (g_bytes_get_data (frame, NULL), g_bytes_get_size (frame), json[n],
                               strlen (json[n]));
              g_bytes_unref (frame);
              n++;
            }
        }
      g_assert_cmpuint (n, ==, G_N_ELEMENTS (json));
      g_assert_true (cryptully_frame_reader_check_eof (reader, NULL));
    }
}

static void
test_frame_limits (void)
{
  g_autoptr (CryptullyFrameReader) reader = cryptully_frame_reader_new (CRYPTULLY_FRAME_MAX);
  g_autoptr (CryptullyFrameReader) truncated = cryptully_frame_reader_new (CRYPTULLY_FRAME_MAX);
  g_autoptr (GError) error = NULL;
  const guint8 huge[] = { 0xff, 0xff, 0xff, 0xff, '{' };
  const guint8 just_over[] = { 0x00, 0x10, 0x00, 0x01 };
  const guint8 partial[] = { 0x00, 0x00, 0x00, 0x10, '{', '"' };
  GBytes *frame = NULL;

  /* Refused from the header alone, holding nothing. */
  cryptully_frame_reader_push (reader, huge, sizeof huge);
  g_assert_cmpint (cryptully_frame_reader_next (reader, &frame, &error), ==, CRYPTULLY_FRAME_ERROR);
  g_assert_error (error, CRYPTULLY_ERROR, CRYPTULLY_ERROR_TOO_LARGE);
  g_assert_cmpuint (cryptully_frame_reader_buffered (reader), ==, 0);
  g_clear_error (&error);
  /* A failed reader keeps failing and keeps nothing. */
  cryptully_frame_reader_push (reader, huge, sizeof huge);
  g_assert_cmpuint (cryptully_frame_reader_buffered (reader), ==, 0);
  g_assert_cmpint (cryptully_frame_reader_next (reader, &frame, &error), ==, CRYPTULLY_FRAME_ERROR);
  g_clear_error (&error);

  g_clear_pointer (&reader, cryptully_frame_reader_free);
  reader = cryptully_frame_reader_new (CRYPTULLY_FRAME_MAX);
  cryptully_frame_reader_push (reader, just_over, sizeof just_over);
  g_assert_cmpint (cryptully_frame_reader_next (reader, &frame, &error), ==, CRYPTULLY_FRAME_ERROR);
  g_assert_error (error, CRYPTULLY_ERROR, CRYPTULLY_ERROR_TOO_LARGE);
  g_clear_error (&error);

  cryptully_frame_reader_push (truncated, partial, sizeof partial);
  g_assert_cmpint (cryptully_frame_reader_next (truncated, &frame, NULL), ==,
                   CRYPTULLY_FRAME_NEED_MORE);
  g_assert_false (cryptully_frame_reader_check_eof (truncated, &error));
  g_assert_error (error, CRYPTULLY_ERROR, CRYPTULLY_ERROR_MALFORMED);
}

static void
test_envelope_roundtrip (void)
{
  g_autoptr (CryptullyEnvelope) envelope = cryptully_envelope_new ("REL", "HELO");
  g_autoptr (CryptullyEnvelope) back = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *json = NULL;
  gsize len;

  envelope->source_nick = g_strdup ("alice");
  envelope->dest_nick = g_strdup ("b\"\\\n\xc3\xbc\xf0\x9f\x98\x80");
  json = cryptully_envelope_to_json (envelope, &len);
  /* As the original sender writes it: payload null, the other absent
   * values "None"; ASCII only. */
  g_assert_nonnull (strstr (json, "\"payload\": null"));
  g_assert_nonnull (strstr (json, "\"hmac\": \"None\""));
  g_assert_nonnull (strstr (json, "\\u00fc\\ud83d\\ude00"));
  for (gsize i = 0; i < len; i++)
    g_assert_cmpint ((guchar) json[i], <, 0x80);

  back = cryptully_envelope_parse (json, len, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (back->server_command, ==, "REL");
  g_assert_cmpstr (back->client_command, ==, "HELO");
  g_assert_cmpstr (back->dest_nick, ==, envelope->dest_nick);
  g_assert_null (back->payload);
  g_assert_null (back->hmac);
  g_assert_null (back->num);
}

static void
test_envelope_invalid (void)
{
  static const char *const bad[] = {
    "",
    "[]",
    "{",
    "{\"serverCommand\": \"REL\"}", /* missing keys */
    "{\"serverCommand\": 1, \"clientCommand\": \"None\", \"sourceNick\": \"None\", "
    "\"destNick\": \"None\", \"payload\": \"None\", \"hmac\": \"None\", \"error\": \"None\", "
    "\"num\": \"None\"}", /* a number */
    "{\"serverCommand\": {\"a\": 1}, \"clientCommand\": \"None\", \"sourceNick\": \"None\", "
    "\"destNick\": \"None\", \"payload\": \"None\", \"hmac\": \"None\", \"error\": \"None\", "
    "\"num\": \"None\"}",                        /* nested */
    "{\"serverCommand\": \"\\ud800\"}",          /* lone surrogate */
    "{\"serverCommand\": \"\\x\"}",              /* bad escape */
    "{\"serverCommand\": \"a\nb\"}",             /* raw control character */
    "{\"serverCommand\": \"\xff\"}",             /* not UTF-8 */
    "{\"x\": [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]}", /* nothing nests */
    "{\"serverCommand\": \"\\u0000\"}",          /* NUL */
    "{\"a\": \"b\"} x",                          /* trailing data */
    "{\"serverCommand\": \"REL\",}",             /* trailing comma */
    "{\"serverCommand\": \"unterminated",
  };

  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (CryptullyEnvelope) envelope =
          cryptully_envelope_parse (bad[i], strlen (bad[i]), &error);

      g_assert_null (envelope);
      g_assert_error (error, CRYPTULLY_ERROR, CRYPTULLY_ERROR_MALFORMED);
    }
}

static void
test_envelope_none (void)
{
  const char *json = "{\"serverCommand\": \"REL\", \"clientCommand\": \"MSG\", \"sourceNick\": "
                     "\"bob\", \"destNick\": \"alice\", \"payload\": \"None\", \"hmac\": null, "
                     "\"error\": \"7\", \"num\": \"None\", \"extra\": 12.5e3}";
  g_autoptr (GError) error = NULL;
  g_autoptr (CryptullyEnvelope) envelope = cryptully_envelope_parse (json, strlen (json), &error);

  g_assert_no_error (error);
  g_assert_null (envelope->payload);
  g_assert_null (envelope->hmac);
  g_assert_cmpstr (envelope->error, ==, "7");
  g_assert_cmpint (cryptully_error_code_from_wire (envelope->error), ==, 7);
  g_assert_cmpint (cryptully_error_code_from_wire ("21"), ==, -1);
  g_assert_cmpint (cryptully_error_code_from_wire (NULL), ==, -1);
}

static void
test_kdf_known_answer (void)
{
  g_autoptr (CryptullyDh) a = kat_dh ("0123456789abcdef");
  g_autoptr (CryptullyDh) b = kat_dh ("fedcba9876543210");
  g_autofree char *a_decimal = cryptully_dh_public_decimal (a);
  g_autofree char *b_payload = cryptully_dh_public_payload (b);
  g_autofree char *a_sha = g_compute_checksum_for_string (G_CHECKSUM_SHA256, a_decimal, -1);
  g_autofree char *b_sha = g_compute_checksum_for_string (G_CHECKSUM_SHA256, b_payload, -1);
  g_autofree char *key = NULL;
  g_autofree char *iv = NULL;
  CryptullyKeys keys, other;
  g_autofree char *a_payload = cryptully_dh_public_payload (a);

  g_assert_cmpstr (a_sha, ==, KAT_A_DECIMAL_SHA256);
  g_assert_cmpstr (b_sha, ==, KAT_B_PAYLOAD_SHA256);
  kat_keys (&keys);
  key = hex_of (keys.key, sizeof keys.key);
  iv = hex_of (keys.iv, sizeof keys.iv);
  g_assert_cmpstr (key, ==, KAT_KEY);
  g_assert_cmpstr (iv, ==, KAT_IV);
  /* Both sides agree. */
  g_assert_true (cryptully_dh_derive (b, a_payload, &other, NULL));
  g_assert_cmpmem (&keys, sizeof keys, &other, sizeof other);
}

static char *
payload_for (const char *decimal)
{
  return g_base64_encode ((const guchar *) decimal, strlen (decimal));
}

static void
test_dh_rejects (void)
{
  g_autoptr (CryptullyDh) dh = kat_dh ("0123456789abcdef");
  /* p - 1, p and p + 1 in decimal come from the prime itself. */
  gcry_mpi_t p = NULL;
  static const char *const bad_key[] = { "0", "1" };
  static const char *const bad_form[] = { "", "-5", "12a", "1 2", "99999999999999999999x" };

  for (gsize i = 0; i < G_N_ELEMENTS (bad_key); i++)
    {
      g_autofree char *payload = payload_for (bad_key[i]);
      g_autoptr (GError) error = NULL;
      CryptullyKeys keys;

      g_assert_false (cryptully_dh_derive (dh, payload, &keys, &error));
      g_assert_error (error, CRYPTULLY_ERROR, CRYPTULLY_ERROR_BAD_KEY);
    }
  for (gsize i = 0; i < G_N_ELEMENTS (bad_form); i++)
    {
      g_autofree char *payload = payload_for (bad_form[i]);
      g_autoptr (GError) error = NULL;
      CryptullyKeys keys;

      g_assert_false (cryptully_dh_derive (dh, payload, &keys, &error));
      g_assert_error (error, CRYPTULLY_ERROR, CRYPTULLY_ERROR_BAD_HANDSHAKE);
    }
  {
    g_autoptr (GError) error = NULL;
    CryptullyKeys keys;

    g_assert_false (cryptully_dh_derive (dh, "not base64!", &keys, &error));
    g_assert_error (error, CRYPTULLY_ERROR, CRYPTULLY_ERROR_BAD_HANDSHAKE);
    g_clear_error (&error);
    g_assert_false (cryptully_dh_derive (dh, NULL, &keys, &error));
    g_assert_error (error, CRYPTULLY_ERROR, CRYPTULLY_ERROR_BAD_HANDSHAKE);
  }

  /* p - 1, p, p + 1 */
  g_assert_cmpint (
      gcry_mpi_scan (&p, GCRYMPI_FMT_HEX,
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
                     "d3e36f9ab9a50602d5e9216c3a29994e81e151accd88ea346d1be6588068e873",
                     0, NULL),
      ==, 0);
  gcry_mpi_sub_ui (p, p, 1);
  for (int i = 0; i < 3; i++, gcry_mpi_add_ui (p, p, 1))
    {
      g_autofree char *decimal = cryptully_mpi_to_decimal (p);
      g_autofree char *payload = payload_for (decimal);
      g_autoptr (GError) error = NULL;
      CryptullyKeys keys;

      g_assert_false (cryptully_dh_derive (dh, payload, &keys, &error));
      g_assert_error (error, CRYPTULLY_ERROR, CRYPTULLY_ERROR_BAD_KEY);
    }
  gcry_mpi_release (p);
}

static void
test_decimal (void)
{
  static const char *const values[] = {
    "0", "7", "999999999", "1000000000", "1000000001", "123456789012345678901234567890"
  };

  for (gsize i = 0; i < G_N_ELEMENTS (values); i++)
    {
      gcry_mpi_t value = cryptully_mpi_from_decimal (values[i], 100);
      g_autofree char *back = cryptully_mpi_to_decimal (value);

      g_assert_cmpstr (back, ==, values[i]);
      gcry_mpi_release (value);
    }
  g_assert_null (cryptully_mpi_from_decimal ("12345", 4));
  g_assert_null (cryptully_mpi_from_decimal ("", 4));
}

static void
test_cipher_known_answer (void)
{
  CryptullyKeys keys;
  g_autoptr (CryptullyCipher) out = NULL;
  g_autoptr (CryptullyCipher) in = NULL;
  g_autofree char *payload = NULL;
  g_autofree char *hmac = NULL;
  g_autofree char *num = NULL;
  g_autoptr (GBytes) text = NULL;
  g_autoptr (GError) error = NULL;

  kat_keys (&keys);
  out = cryptully_cipher_new (&keys);
  in = cryptully_cipher_new (&keys);
  cryptully_cipher_seal (out, (const guint8 *) "hello", 5, &payload, &hmac, &num);
  /* As computed by cryptully_wire.py (python3-cryptography). */
  g_assert_cmpstr (payload, ==, "7z67ydK5lYZh8EQFvF6ywg==");
  g_assert_cmpstr (hmac, ==, "KY06xO8x1EE+rRwH5ayRLLK5L8bvRHRHkSjxFRJZS24=");
  g_assert_cmpstr (num, ==, "3xu3Om8HGD9YA3frk+JFZg==");
  text = cryptully_cipher_open (in, payload, hmac, num, &error);
  g_assert_no_error (error);
  g_assert_cmpmem (g_bytes_get_data (text, NULL), g_bytes_get_size (text), "hello", 5);

  /* The same message again: replayed. */
  g_assert_null (cryptully_cipher_open (in, payload, hmac, num, &error));
  g_assert_error (error, CRYPTULLY_ERROR, CRYPTULLY_ERROR_REPLAY);
  g_clear_error (&error);
  g_clear_pointer (&payload, g_free);
  g_clear_pointer (&hmac, g_free);
  g_clear_pointer (&num, g_free);

  cryptully_cipher_seal (out, (const guint8 *) "caf\xc3\xa9", 5, &payload, &hmac, &num);
  g_assert_cmpstr (payload, ==, "+a6B0LxDVUDd46SXbLpnyg==");
  g_assert_cmpstr (num, ==, "A2j6asvIQNKi01NmMDADMA==");
  g_clear_pointer (&payload, g_free);
  g_clear_pointer (&hmac, g_free);
  g_clear_pointer (&num, g_free);

  /* Number 1 never arrives; 2 does: deleted. */
  cryptully_cipher_seal (out, (const guint8 *) "x", 1, &payload, &hmac, &num);
  g_assert_null (cryptully_cipher_open (in, payload, hmac, num, &error));
  g_assert_error (error, CRYPTULLY_ERROR, CRYPTULLY_ERROR_DELETION);
  g_clear_error (&error);
  g_assert_cmpuint (cryptully_cipher_get_incoming (in), ==, 1);
  g_assert_cmpuint (cryptully_cipher_get_outgoing (out), ==, 3);

  /* Any change to the ciphertext or the HMAC: bad HMAC, before anything. */
  g_assert_null (cryptully_cipher_open (in, "7z67ydK5lYZh8EQFvF6ywA==", hmac, num, &error));
  g_assert_error (error, CRYPTULLY_ERROR, CRYPTULLY_ERROR_BAD_HMAC);
  g_clear_error (&error);
  g_assert_null (cryptully_cipher_open (in, payload, "KY06", num, &error));
  g_assert_error (error, CRYPTULLY_ERROR, CRYPTULLY_ERROR_BAD_HMAC);
  g_clear_error (&error);
  g_assert_null (cryptully_cipher_open (in, NULL, NULL, NULL, &error));
  g_assert_error (error, CRYPTULLY_ERROR, CRYPTULLY_ERROR_BAD_HMAC);
  g_clear_error (&error);
  cryptully_keys_wipe (&keys);
}

static void
test_cipher_bad_decrypt (void)
{
  CryptullyKeys keys;
  g_autoptr (CryptullyCipher) in = NULL;
  g_autoptr (GBytes) block = NULL;
  g_autoptr (GBytes) sealed_num = NULL;
  g_autofree char *payload = NULL;
  g_autofree char *hmac = NULL;
  g_autofree char *num = NULL;
  g_autoptr (GError) error = NULL;
  guint8 mac[32];

  kat_keys (&keys);
  in = cryptully_cipher_new (&keys);
  /* The first block of a two-block ciphertext: valid HMAC, no valid padding. */
  block = cryptully_aes_encrypt (&keys, (const guint8 *) "0123456789abcdef", 16);
  payload = g_base64_encode (g_bytes_get_data (block, NULL), 16);
  cryptully_hmac (&keys, g_bytes_get_data (block, NULL), 16, mac);
  hmac = g_base64_encode (mac, sizeof mac);
  sealed_num = cryptully_aes_encrypt (&keys, (const guint8 *) "0", 1);
  num = g_base64_encode (g_bytes_get_data (sealed_num, NULL), g_bytes_get_size (sealed_num));
  g_assert_null (cryptully_cipher_open (in, payload, hmac, num, &error));
  g_assert_error (error, CRYPTULLY_ERROR, CRYPTULLY_ERROR_BAD_DECRYPT);
  g_clear_error (&error);
  /* A counter that is no number. */
  g_clear_pointer (&sealed_num, g_bytes_unref);
  g_clear_pointer (&num, g_free);
  sealed_num = cryptully_aes_encrypt (&keys, (const guint8 *) "1x", 2);
  num = g_base64_encode (g_bytes_get_data (sealed_num, NULL), g_bytes_get_size (sealed_num));
  g_assert_null (cryptully_cipher_open (in, payload, hmac, num, &error));
  g_assert_error (error, CRYPTULLY_ERROR, CRYPTULLY_ERROR_BAD_DECRYPT);
  g_assert_false (cryptully_equal_secret (mac, 32, mac, 31));
  g_assert_true (cryptully_equal_secret (mac, 32, mac, 32));
  cryptully_keys_wipe (&keys);
}

static void
test_text_html (void)
{
  g_autofree char *sent = cryptully_text_to_html ("a <b> & \"c\"");
  g_autofree char *plain =
      cryptully_text_from_html ("<a href=\"x\">link</a> &lt;b&gt; &amp;amp; &#233;&#x263A; "
                                "&bogus; line<br>two &",
                                -1);
  g_autofree char *cut = cryptully_text_from_html ("ok <script", -1);

  g_assert_cmpstr (sent, ==, "a &lt;b&gt; &amp; &quot;c&quot;");
  g_assert_cmpstr (plain, ==, "link <b> &amp; \xc3\xa9\xe2\x98\xba &bogus; line\ntwo &");
  g_assert_cmpstr (cut, ==, "ok ");
}

/* The test peers' deterministic randomness: SHA-512 (seed "/" counter)
 * blocks, a fresh run of blocks per request. */
typedef struct
{
  const char *seed;
  guint counter;
} TestRand;

static void
test_random (guint8 *buf, gsize len, gpointer user_data)
{
  TestRand *rand = user_data;

  for (gsize done = 0; done < len; done += 64)
    {
      g_autofree char *input = g_strdup_printf ("%s/%u", rand->seed, rand->counter++);
      guint8 block[64];

      gcry_md_hash_buffer (GCRY_MD_SHA512, block, input, strlen (input));
      memcpy (buf + done, block, MIN (64, len - done));
    }
}

static gboolean
run_smp (const char *answer_a, const char *answer_b, gboolean *match_a, gboolean *match_b)
{
  g_autoptr (CryptullySmp) a = cryptully_smp_new (answer_a);
  g_autoptr (CryptullySmp) b = cryptully_smp_new (answer_b);
  g_autoptr (GBytes) m1 = cryptully_smp_step1 (a);
  g_autoptr (GBytes) m2 = cryptully_smp_step2 (b, m1, NULL);
  g_autoptr (GBytes) m3 = cryptully_smp_step3 (a, m2, NULL);
  g_autoptr (GBytes) m4 = cryptully_smp_step4 (b, m3, match_b, NULL);

  return cryptully_smp_step5 (a, m4, match_a, NULL);
}

static void
test_smp_match (void)
{
  gboolean match_a = FALSE, match_b = FALSE;

  g_assert_true (run_smp ("blue", "blue", &match_a, &match_b));
  g_assert_true (match_a && match_b);
  g_assert_true (run_smp ("", "", &match_a, &match_b));
  g_assert_true (match_a && match_b);
  g_assert_true (run_smp ("blue", "Blue", &match_a, &match_b));
  g_assert_false (match_a || match_b);
}

static void
test_smp_known_answer (void)
{
  TestRand rand = { "kat", 0 };
  g_autoptr (CryptullySmp) smp = cryptully_smp_new ("blue");
  g_autoptr (GBytes) m1 = NULL;
  g_autofree char *sha = NULL;

  /* The same exponents as cryptully_wire.Smp ("blue", Rand ("kat")). */
  cryptully_smp_set_random_func (smp, test_random, &rand);
  m1 = cryptully_smp_step1 (smp);
  g_assert_cmpuint (g_bytes_get_size (m1), ==, 1112);
  sha = g_compute_checksum_for_bytes (G_CHECKSUM_SHA256, m1);
  g_assert_cmpstr (sha, ==, "61ed0e827250fb132c4cd91ed142fdee9601c6ed63f04622ad416915f97e9e35");
}

static GBytes *
tamper (GBytes *bytes, gsize at)
{
  gsize len = g_bytes_get_size (bytes);
  guint8 *copy = g_memdup2 (g_bytes_get_data (bytes, NULL), len);

  copy[at] ^= 0x01;
  return g_bytes_new_take (copy, len);
}

static void
test_smp_checks (void)
{
  g_autoptr (CryptullySmp) a = cryptully_smp_new ("x");
  g_autoptr (GBytes) m1 = cryptully_smp_step1 (a);
  gsize len = g_bytes_get_size (m1);
  /* Flipped bits anywhere, g2a = 1, the list cut short, a value over 256
   * bytes, a message out of order. */
  const guint8 one[] = { 0, 0, 0, 1, 1 };
  const guint8 huge[] = { 0, 0, 1, 1 };

  for (gsize at = 4; at < len; at += len / 7)
    {
      g_autoptr (CryptullySmp) b = cryptully_smp_new ("x");
      g_autoptr (GBytes) bad = tamper (m1, at);
      g_autoptr (GError) error = NULL;

      g_assert_null (cryptully_smp_step2 (b, bad, &error));
      g_assert_error (error, CRYPTULLY_ERROR, CRYPTULLY_ERROR_SMP_CHECK_FAILED);
    }
  {
    g_autoptr (GByteArray) forged = g_byte_array_new ();
    g_autoptr (CryptullySmp) b = cryptully_smp_new ("x");
    g_autoptr (GBytes) bytes = NULL;
    g_autoptr (GError) error = NULL;

    const guint8 *data = g_bytes_get_data (m1, NULL);
    gsize first = 4 + (((gsize) data[2] << 8) | data[3]);

    /* g2a replaced by 1, the rest (its proof included) unchanged */
    g_byte_array_append (forged, one, sizeof one);
    g_byte_array_append (forged, data + first, (guint) (len - first));
    bytes = g_byte_array_free_to_bytes (g_steal_pointer (&forged));
    g_assert_null (cryptully_smp_step2 (b, bytes, &error));
    g_assert_error (error, CRYPTULLY_ERROR, CRYPTULLY_ERROR_SMP_CHECK_FAILED);
  }
  {
    g_autoptr (CryptullySmp) b = cryptully_smp_new ("x");
    g_autoptr (GBytes) cut = g_bytes_new_from_bytes (m1, 0, len - 1);
    g_autoptr (GBytes) over = g_bytes_new (huge, sizeof huge);
    g_autoptr (GError) error = NULL;

    g_assert_null (cryptully_smp_step2 (b, cut, &error));
    g_assert_error (error, CRYPTULLY_ERROR, CRYPTULLY_ERROR_SMP_CHECK_FAILED);
    g_clear_error (&error);
    g_assert_null (cryptully_smp_step2 (b, over, &error));
    g_assert_error (error, CRYPTULLY_ERROR, CRYPTULLY_ERROR_SMP_CHECK_FAILED);
  }
  {
    /* Out of order: the initiator handed an SMP1 of its own. */
    g_autoptr (GError) error = NULL;
    gboolean match = TRUE;

    g_assert_null (cryptully_smp_step4 (a, m1, &match, &error));
    g_assert_error (error, CRYPTULLY_ERROR, CRYPTULLY_ERROR_SMP_CHECK_FAILED);
    g_assert_false (match);
  }
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  cryptully_crypto_init ();
  g_test_add_func ("/cryptully/frame/split", test_frame_split);
  g_test_add_func ("/cryptully/frame/limits", test_frame_limits);
  g_test_add_func ("/cryptully/envelope/roundtrip", test_envelope_roundtrip);
  g_test_add_func ("/cryptully/envelope/invalid", test_envelope_invalid);
  g_test_add_func ("/cryptully/envelope/none", test_envelope_none);
  g_test_add_func ("/cryptully/kdf/known-answer", test_kdf_known_answer);
  g_test_add_func ("/cryptully/dh/rejects", test_dh_rejects);
  g_test_add_func ("/cryptully/decimal", test_decimal);
  g_test_add_func ("/cryptully/cipher/known-answer", test_cipher_known_answer);
  g_test_add_func ("/cryptully/cipher/bad-decrypt", test_cipher_bad_decrypt);
  g_test_add_func ("/cryptully/text/html", test_text_html);
  g_test_add_func ("/cryptully/smp/match", test_smp_match);
  g_test_add_func ("/cryptully/smp/known-answer", test_smp_known_answer);
  g_test_add_func ("/cryptully/smp/checks", test_smp_checks);
  return g_test_run ();
}
