/* test-miricat.c - libmiricat's pieces without a network: key exchange and
 * key derivations (known answers computed independently with Python's
 * integers), AES-256-CTR with the zero IV, hex formats, the checks of the
 * server's DH value, the Yemu splitter, javacat's lines and the parser.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "miricat.h"

#define P_MINUS_1                                                                                  \
  "ffffffffffffffffc90fdaa22168c234c4c6628b80dc1cd129024e088a67cc74020bbea63b139b22514a08798e34"   \
  "04ddef9519b3cd3a431b302b0a6df25f14374fe1356d6d51c245e485b576625e7ec6f44c42e9a637ed6b0bff5cb6f4" \
  "06b7edee386bfb5a899fa5ae9f24117c4b1fe649286651ece45b3dc2007cb8a163bf0598da48361c55d39a69163fa8" \
  "fd24cf5f83655d23dca3ad961c62f356208552bb9ed529077096966d670c354e4abc9804f1746c08ca237327ffffff" \
  "fffffffffe"

/* Client exponent and server public value 2^0x133: the shared secret has a
 * leading zero byte (javacat pads it) and no leading zero hex digit past it. */
#define KAT_EXPONENT "1234567890abcdef1234567890abcdef"
#define KAT_SERVER_PUBLIC "8" /* followed by 76 zeros */

static const guint8 test_key[MIRICAT_KEY_SIZE] = {
  0,  1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11, 12, 13, 14, 15,
  16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31,
};

static char *
server_public (void)
{
  GString *hex = g_string_new (KAT_SERVER_PUBLIC);

  for (int i = 0; i < 76; i++)
    g_string_append_c (hex, '0');
  return g_string_free (hex, FALSE);
}

static void
test_public_hex (void)
{
  g_autoptr (MiricatDh) dh = miricat_dh_new_with_exponent (KAT_EXPONENT);
  g_autoptr (MiricatDh) small = miricat_dh_new_with_exponent ("03");
  g_autofree char *yemu = miricat_dh_get_public_hex (dh, MIRICAT_DIALECT_YEMU);
  g_autofree char *javacat = miricat_dh_get_public_hex (dh, MIRICAT_DIALECT_JAVACAT);
  g_autofree char *small_yemu = miricat_dh_get_public_hex (small, MIRICAT_DIALECT_YEMU);
  g_autofree char *small_javacat = miricat_dh_get_public_hex (small, MIRICAT_DIALECT_JAVACAT);

  g_assert_cmpuint (strlen (yemu), ==, 384);
  g_assert_true (g_str_has_prefix (yemu, "604ccfad0b6d5dacb1903a79c6e573a1d7a353ab"));
  g_assert_cmpuint (strlen (javacat), ==, 384);
  g_assert_true (g_str_has_prefix (javacat, "604CCFAD0B6D5DACB1903A79C6E573A1D7A353AB"));
  /* 2^3: Yemu writes no leading zero, javacat needs byte pairs. */
  g_assert_cmpstr (small_yemu, ==, "8");
  g_assert_cmpstr (small_javacat, ==, "08");
}

static void
test_key_derivation (void)
{
  g_autoptr (MiricatDh) dh = miricat_dh_new_with_exponent (KAT_EXPONENT);
  g_autofree char *peer = server_public ();
  g_autofree char *upper = g_ascii_strup (peer, -1);
  static const guint8 javacat_expected[MIRICAT_KEY_SIZE] = {
    0x00, 0x3c, 0xce, 0xa1, 0x02, 0xdf, 0x24, 0x69, 0x0e, 0x43, 0x86, 0x84, 0xdb, 0xe3, 0x8d, 0xd3,
    0x25, 0x1a, 0x93, 0x9c, 0x8a, 0x2a, 0x94, 0x30, 0x4d, 0xc2, 0xb8, 0xf3, 0xb4, 0x58, 0xa0, 0x5b,
  };
  guint8 key[MIRICAT_KEY_SIZE];
  g_autoptr (GError) error = NULL;

  g_assert_true (miricat_dh_derive_key (dh, MIRICAT_DIALECT_YEMU, peer, key, &error));
  g_assert_no_error (error);
  g_assert_cmpmem (key, sizeof key, "3ccea102df24690e438684dbe38dd325", 32);

  /* javacat sends uppercase hex, maybe with a sign byte. */
  g_assert_true (miricat_dh_derive_key (dh, MIRICAT_DIALECT_JAVACAT, upper, key, &error));
  g_assert_cmpmem (key, sizeof key, javacat_expected, sizeof javacat_expected);
  {
    g_autofree char *signed_hex = g_strconcat ("00", upper, NULL);

    g_assert_true (miricat_dh_derive_key (dh, MIRICAT_DIALECT_JAVACAT, signed_hex, key, &error));
    g_assert_cmpmem (key, sizeof key, javacat_expected, sizeof javacat_expected);
  }
}

static void
test_bad_public_values (void)
{
  g_autoptr (MiricatDh) dh = miricat_dh_new ();
  const char *bad[] = {
    "",
    "0",
    "00",
    "1",
    "01",
    P_MINUS_1,
    "xyz",
    "12 34",
    "-5",
    /* p itself and above */
    P_MINUS_1 "0",
  };
  g_autofree char *p = g_strdup (P_MINUS_1);
  g_autofree char *long_hex = g_strnfill (MIRICAT_PUBLIC_HEX_MAX + 1, 'a');
  guint8 key[MIRICAT_KEY_SIZE];

  p[strlen (p) - 1] = 'f'; /* p - 1 + 1 */
  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    for (int d = 0; d < 2; d++)
      {
        g_autoptr (GError) error = NULL;

        g_assert_false (miricat_dh_derive_key (dh, d, bad[i], key, &error));
        g_assert_error (error, MIRICAT_ERROR, MIRICAT_ERROR_BAD_KEY);
      }
  for (int d = 0; d < 2; d++)
    {
      g_autoptr (GError) e1 = NULL;
      g_autoptr (GError) e2 = NULL;
      g_autoptr (GError) e3 = NULL;

      g_assert_false (miricat_dh_derive_key (dh, d, p, key, &e1));
      g_assert_error (e1, MIRICAT_ERROR, MIRICAT_ERROR_BAD_KEY);
      g_assert_false (miricat_dh_derive_key (dh, d, long_hex, key, &e2));
      g_assert_error (e2, MIRICAT_ERROR, MIRICAT_ERROR_BAD_KEY);
      g_assert_false (miricat_dh_derive_key (dh, d, NULL, key, &e3));
      g_assert_error (e3, MIRICAT_ERROR, MIRICAT_ERROR_BAD_KEY);
    }
  /* 2 is fine. */
  g_assert_true (miricat_dh_derive_key (dh, MIRICAT_DIALECT_JAVACAT, "02", key, NULL));
}

static void
test_both_sides_agree (void)
{
  g_autoptr (MiricatDh) a = miricat_dh_new ();
  g_autoptr (MiricatDh) b = miricat_dh_new ();

  for (int d = 0; d < 2; d++)
    {
      g_autofree char *pa = miricat_dh_get_public_hex (a, d);
      g_autofree char *pb = miricat_dh_get_public_hex (b, d);
      guint8 ka[MIRICAT_KEY_SIZE], kb[MIRICAT_KEY_SIZE];

      g_assert_true (miricat_dh_derive_key (a, d, pb, ka, NULL));
      g_assert_true (miricat_dh_derive_key (b, d, pa, kb, NULL));
      g_assert_cmpmem (ka, sizeof ka, kb, sizeof kb);
      if (d == MIRICAT_DIALECT_YEMU)
        for (int i = 0; i < MIRICAT_KEY_SIZE; i++)
          g_assert_true (g_ascii_isxdigit (ka[i]) && !g_ascii_isupper (ka[i]));
      else
        g_assert_cmpuint (strlen (pa) % 2, ==, 0);
    }
}

static void
test_ctr (void)
{
  const char *plain = "{\"type\":2,\"data\":{\"message\":\"hi\"}}";
  g_autofree char *blob = miricat_encrypt_packet (test_key, plain, strlen (plain));
  g_autofree char *second = NULL;
  g_autofree guint8 *back = NULL;
  gsize len = 0;

  g_assert_cmpstr (blob, ==, "ibJ0z1osveqb37gOvFoWosomVMMvyuyEwZO5C2qqXx9zwQ==");
  /* The key stream restarts for every packet (the zero IV every time). */
  second = miricat_encrypt_packet (test_key, "{\"type\":9,\"data\":{\"username\":\"bob\"}}",
                                   strlen ("{\"type\":9,\"data\":{\"username\":\"bob\"}}"));
  g_assert_cmpstr (second, ==, "ibJ0z1osveqQ37gOvFoWosomVNs53O2Lx5v+E3LgVFJsnsij");
  back = miricat_decrypt_packet (test_key, blob, strlen (blob), &len, NULL);
  g_assert_cmpmem (back, len, plain, strlen (plain));

  g_assert_false (miricat_base64_is_valid ("abc", 3));
  g_assert_false (miricat_base64_is_valid ("ab=c", 4));
  g_assert_false (miricat_base64_is_valid ("a===", 4));
  g_assert_false (miricat_base64_is_valid ("ab\ncd", 5));
  g_assert_true (miricat_base64_is_valid ("ab==", 4));
  g_assert_null (miricat_decrypt_packet (test_key, "!!!!", 4, &len, NULL));
}

/* Feeds @stream to a Yemu reader in pieces of @piece bytes; returns the
 * packets joined by '|', or "ERROR:<code>". */
static char *
split (MiricatDialect dialect, const char *stream, gsize piece)
{
  g_autoptr (MiricatReader) reader = miricat_reader_new (dialect, 4096);
  GString *out = g_string_new (NULL);
  gsize len = strlen (stream);

  miricat_reader_set_key (reader, test_key);
  for (gsize pos = 0; pos < len || pos == 0; pos += piece)
    {
      miricat_reader_push (reader, (const guint8 *) stream + pos, MIN (piece, len - pos));
      for (;;)
        {
          g_autofree char *json = NULL;
          g_autoptr (GError) error = NULL;
          gsize n = 0;
          MiricatReadStatus status = miricat_reader_next (reader, &json, &n, &error);

          if (status == MIRICAT_READ_NEED_MORE)
            break;
          if (status == MIRICAT_READ_ERROR)
            {
              g_string_append_printf (out, "ERROR:%d", error->code);
              return g_string_free (out, FALSE);
            }
          g_assert_cmpuint (strlen (json), ==, n);
          if (out->len)
            g_string_append_c (out, '|');
          g_string_append (out, json);
        }
      if (len == 0)
        break;
    }
  return g_string_free (out, FALSE);
}

static void
check_split (MiricatDialect dialect, const char *stream, const char *expected)
{
  for (gsize piece = 1; piece <= strlen (stream) + 1; piece++)
    {
      g_autofree char *got = split (dialect, stream, piece);

      if (g_strcmp0 (got, expected) != 0)
        g_error ("pieces of %" G_GSIZE_FORMAT ": got %s, expected %s", piece, got, expected);
    }
}

static void
test_yemu_splitter (void)
{
  const char *a = "{\"type\":2,\"data\":{\"message\":\"hi\"}}";
  const char *b = "{\"type\":9,\"data\":{\"username\":\"bob\"}}";
  g_autofree char *ea = miricat_encrypt_packet (test_key, a, strlen (a));
  g_autofree char *eb = miricat_encrypt_packet (test_key, b, strlen (b));
  /* 36 bytes: a multiple of three, so its base64 has no padding. */
  const char *c = "{\"type\":7,\"data\":{\"a\":\"bb\",\"c\":\"d\"}}";
  g_autofree char *ec = miricat_encrypt_packet (test_key, c, strlen (c));
  g_autofree char *s1 = g_strconcat ("{\"type\":1,\"data\":{\"http\":\"null:3073\"}}", ea, NULL);
  g_autofree char *s2 = g_strconcat (ec, eb, NULL);
  g_autofree char *s3 = g_strconcat (ec, ec, "{\"type\":4,\"data\":\"x}{\"}", ea, NULL);
  g_autofree char *e1 = g_strconcat ("{\"type\":1,\"data\":{\"http\":\"null:3073\"}}|", a, NULL);
  g_autofree char *e2 = g_strconcat (c, "|", b, NULL);
  g_autofree char *e3 = g_strconcat (c, "|", c, "|{\"type\":4,\"data\":\"x}{\"}|", a, NULL);
  g_autofree char *truncated = g_strndup (ea, strlen (ea) - 6);
  g_autofree char *err_protocol = g_strdup_printf ("ERROR:%d", MIRICAT_ERROR_PROTOCOL);

  g_assert_cmpuint (strlen (c) % 3, ==, 0);
  g_assert_null (strchr (ec, '='));
  check_split (MIRICAT_DIALECT_YEMU, s1, e1);
  check_split (MIRICAT_DIALECT_YEMU, s2, e2);
  check_split (MIRICAT_DIALECT_YEMU, s3, e3);
  /* White space between packets is skipped. */
  check_split (MIRICAT_DIALECT_YEMU, " {\"a\":[1,{}]} \n{}", "{\"a\":[1,{}]}|{}");
  /* Garbage, a closing brace first, or a padded blob without an object. */
  check_split (MIRICAT_DIALECT_YEMU, "\x01\x02", err_protocol);
  check_split (MIRICAT_DIALECT_YEMU, "}", err_protocol);
  check_split (MIRICAT_DIALECT_YEMU, "{]", err_protocol);
  check_split (MIRICAT_DIALECT_YEMU, "QUJD", err_protocol);
  /* Padding beyond what completes the last group belongs to nothing. */
  {
    g_autofree char *extra = g_strconcat (ea, "=", NULL);
    g_autofree char *expected = g_strconcat (a, err_protocol, NULL);

    check_split (MIRICAT_DIALECT_YEMU, extra, expected);
  }
  /* A truncated packet is never a packet. */
  check_split (MIRICAT_DIALECT_YEMU, truncated, "");
  check_split (MIRICAT_DIALECT_YEMU, "{\"a\":\"}", "");
}

static void
test_yemu_limits (void)
{
  g_autoptr (MiricatReader) reader = miricat_reader_new (MIRICAT_DIALECT_YEMU, 1000);
  g_autoptr (MiricatReader) plain = miricat_reader_new (MIRICAT_DIALECT_YEMU, 1000);
  g_autoptr (MiricatReader) deep = miricat_reader_new (MIRICAT_DIALECT_YEMU, 1000);
  g_autoptr (GError) error = NULL;
  g_autofree char *big = g_strnfill (2000, 'A');
  g_autofree char *nested = g_strnfill (MIRICAT_MAX_DEPTH + 1, '[');
  char *json = NULL;
  gsize len;

  /* Encrypted data before the key exchange. */
  miricat_reader_push (reader, (const guint8 *) "QUJD", 4);
  g_assert_cmpint (miricat_reader_next (reader, &json, &len, &error), ==, MIRICAT_READ_ERROR);
  g_assert_error (error, MIRICAT_ERROR, MIRICAT_ERROR_PROTOCOL);
  g_clear_error (&error);
  /* A failed reader stays failed and holds nothing. */
  miricat_reader_push (reader, (const guint8 *) "{}", 2);
  g_assert_cmpint (miricat_reader_next (reader, &json, &len, &error), ==, MIRICAT_READ_ERROR);
  g_assert_cmpuint (miricat_reader_buffered (reader), ==, 0);
  g_clear_error (&error);

  miricat_reader_push (plain, (const guint8 *) "{\"a\":\"", 6);
  miricat_reader_push (plain, (const guint8 *) big, 2000);
  g_assert_cmpint (miricat_reader_next (plain, &json, &len, &error), ==, MIRICAT_READ_ERROR);
  g_assert_error (error, MIRICAT_ERROR, MIRICAT_ERROR_TOO_LARGE);
  g_clear_error (&error);

  miricat_reader_push (deep, (const guint8 *) "{\"a\":", 5);
  miricat_reader_push (deep, (const guint8 *) nested, strlen (nested));
  g_assert_cmpint (miricat_reader_next (deep, &json, &len, &error), ==, MIRICAT_READ_ERROR);
  g_assert_error (error, MIRICAT_ERROR, MIRICAT_ERROR_PROTOCOL);
}

static void
test_javacat_lines (void)
{
  const char *a = "{\"type\":\"Room.Left\",\"data\":{\"room\":1,\"user\":\"bob\"}}\n";
  g_autofree char *ea = miricat_encrypt_packet (test_key, a, strlen (a));
  g_autofree char *stream =
      g_strconcat ("{\"type\":\"Error.UserNotFound\",\"data\":null}\n\n", ea, "\r\n", NULL);
  g_autofree char *expected =
      g_strconcat ("{\"type\":\"Error.UserNotFound\",\"data\":null}|",
                   "{\"type\":\"Room.Left\",\"data\":{", "\"room\":1,\"user\":\"bob\"}}", NULL);
  g_autofree char *err_protocol = g_strdup_printf ("ERROR:%d", MIRICAT_ERROR_PROTOCOL);
  g_autofree char *err_large = g_strdup_printf ("ERROR:%d", MIRICAT_ERROR_TOO_LARGE);
  g_autofree char *long_line = g_strnfill (5000, 'A');

  check_split (MIRICAT_DIALECT_JAVACAT, stream, expected);
  check_split (MIRICAT_DIALECT_JAVACAT, "not base64!\n", err_protocol);
  check_split (MIRICAT_DIALECT_JAVACAT, long_line, err_large);
}

static MiricatPacket *
parse (MiricatDialect dialect, const char *json, MiricatError *code)
{
  g_autoptr (GError) error = NULL;
  MiricatPacket *packet = miricat_packet_parse (dialect, json, strlen (json), &error);

  *code = error ? (MiricatError) error->code : (MiricatError) -1;
  return packet;
}

static void
test_parse (void)
{
  MiricatError code;
  g_autoptr (MiricatPacket) accepted =
      parse (MIRICAT_DIALECT_JAVACAT,
             "{\"type\":\"Authentication.Accepted\",\"data\":{\"http\":\"http://localhost:3073\","
             "\"rooms\":[{\"id\":7,\"name\":\"a\",\"allUsers\":[\"x\",\"\",\"x\",3]},{\"id\":8}],"
             "\"heartbeatRate\":10000}}",
             &code);
  g_autoptr (MiricatPacket) add = parse (
      MIRICAT_DIALECT_YEMU,
      "{\"type\":8,\"data\":{\"username\":\"bob\",\"allUsers\":[\"\",\"alice\",\"bob\"]}}", &code);
  g_autoptr (MiricatPacket) error =
      parse (MIRICAT_DIALECT_YEMU, "{\"type\":4,\"data\":\"x\"}", &code);
  g_autoptr (MiricatPacket) jerror = parse (
      MIRICAT_DIALECT_JAVACAT, "{\"type\":\"Error.UnsupportedVersion\",\"data\":null}", &code);
  g_autoptr (MiricatPacket) text = parse (
      MIRICAT_DIALECT_JAVACAT,
      "{\"type\":\"Message.TextMessage\",\"data\":{\"text\":\"hi\",\"user\":\"bob\",\"time\":5}}",
      &code);

  g_assert_nonnull (accepted);
  g_assert_cmpint (accepted->kind, ==, MIRICAT_PACKET_ACCEPTED);
  g_assert_true (accepted->has_room);
  g_assert_cmpint (accepted->room_id, ==, 7);
  g_assert_cmpint (accepted->heartbeat_rate, ==, 10000);
  g_assert_cmpuint (g_strv_length (accepted->members), ==, 1);
  g_assert_cmpint (add->kind, ==, MIRICAT_PACKET_JOINED);
  g_assert_cmpstr (add->user, ==, "bob");
  g_assert_cmpuint (g_strv_length (add->members), ==, 2);
  g_assert_cmpint (error->kind, ==, MIRICAT_PACKET_ERROR);
  g_assert_cmpint (error->error, ==, MIRICAT_ERROR_WRONG_PASSWORD);
  g_assert_cmpint (jerror->error, ==, MIRICAT_ERROR_UNSUPPORTED_VERSION);
  g_assert_cmpint (text->kind, ==, MIRICAT_PACKET_MESSAGE);
  g_assert_cmpint (text->timestamp, ==, 5);

  /* Wrong dialect, bad JSON, missing data, unknown types, bad file names. */
  g_assert_null (parse (MIRICAT_DIALECT_YEMU, "{\"type\":\"Handshake.Handshake\"}", &code));
  g_assert_cmpint (code, ==, MIRICAT_ERROR_PROTOCOL);
  g_assert_null (parse (MIRICAT_DIALECT_JAVACAT, "{\"type\":0}", &code));
  g_assert_null (parse (MIRICAT_DIALECT_YEMU, "{\"type\":0} x", &code));
  g_assert_null (parse (MIRICAT_DIALECT_YEMU, "{\"type\":0,}", &code));
  g_assert_null (parse (MIRICAT_DIALECT_YEMU, "{\"type\":0,\"data\":{}}", &code));
  g_assert_null (parse (MIRICAT_DIALECT_YEMU, "{\"type\":99,\"data\":{}}", &code));
  g_assert_null (parse (MIRICAT_DIALECT_YEMU, "{\"type\":7,\"data\":{\"username\":1}}", &code));
  g_assert_null (parse (MIRICAT_DIALECT_JAVACAT, "{\"type\":\"Nope.Nope\"}", &code));
  g_assert_null (parse (MIRICAT_DIALECT_JAVACAT,
                        "{\"type\":\"Message.ImageMessage\",\"data\":{\"image\":\"../x\","
                        "\"user\":\"a\"}}",
                        &code));
  g_assert_cmpint (code, ==, MIRICAT_ERROR_PROTOCOL);
  g_assert_true (miricat_file_name_is_valid ("0cc175b9c0f1b6a831c399e2697726.png"));
  g_assert_false (miricat_file_name_is_valid (".."));
  g_assert_false (miricat_file_name_is_valid ("a/b"));
  g_assert_false (miricat_file_name_is_valid (""));
}

static void
test_build (void)
{
  g_autofree char *hs = miricat_packet_build_handshake (MIRICAT_DIALECT_JAVACAT, "0A");
  g_autofree char *login = miricat_packet_build_login (MIRICAT_DIALECT_YEMU, "al\"ice", NULL);
  g_autofree char *text = miricat_packet_build_text (MIRICAT_DIALECT_JAVACAT, 3, "hi");
  g_autofree char *image = miricat_packet_build_image (MIRICAT_DIALECT_YEMU, 0, "a.png");

  g_assert_cmpstr (hs, ==,
                   "{\"type\":\"Handshake.Handshake\",\"data\":{\"version\":\"2.0.0\","
                   "\"publicKey\":\"0A\"}}");
  g_assert_cmpstr (login, ==, "{\"type\":1,\"data\":{\"username\":\"al\\\"ice\"}}");
  g_assert_cmpstr (
      text, ==, "{\"type\":\"Message.CreateTextMessage\",\"data\":{\"text\":\"hi\"},\"room\":3}");
  g_assert_cmpstr (image, ==, "{\"type\":2,\"data\":{\"message\":\"miricat-image:a.png\"}}");
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/miricat/dh/public-hex", test_public_hex);
  g_test_add_func ("/miricat/dh/key-derivation", test_key_derivation);
  g_test_add_func ("/miricat/dh/bad-public-values", test_bad_public_values);
  g_test_add_func ("/miricat/dh/both-sides-agree", test_both_sides_agree);
  g_test_add_func ("/miricat/ctr", test_ctr);
  g_test_add_func ("/miricat/reader/yemu-splitter", test_yemu_splitter);
  g_test_add_func ("/miricat/reader/yemu-limits", test_yemu_limits);
  g_test_add_func ("/miricat/reader/javacat-lines", test_javacat_lines);
  g_test_add_func ("/miricat/packet/parse", test_parse);
  g_test_add_func ("/miricat/packet/build", test_build);
  return g_test_run ();
}
