/* test-address.c - mimp_address_parse(), the one reader of server
 * addresses (the app's account editor and mimp-cli's --server)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "mimp-address.h"
#include "mimp-error.h"

static void
check_good (const char *text, const char *host, guint16 port)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *got_host = NULL;
  guint16 got_port = 0;

  g_test_message ("good: %s", text);
  g_assert_true (mimp_address_parse (text, 3290, &got_host, &got_port, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (got_host, ==, host);
  g_assert_cmpuint (got_port, ==, port);
}

static void
test_good (void)
{
  check_good ("example.org", "example.org", 3290);
  check_good ("example.org:4000", "example.org", 4000);
  check_good ("  example.org:4000\n", "example.org", 4000);
  check_good ("127.0.0.1:1", "127.0.0.1", 1);
  check_good ("localhost:65535", "localhost", 65535);
  check_good ("[::1]:4000", "::1", 4000);
  check_good ("[::1]", "::1", 3290);
  check_good ("::1", "::1", 3290);
  check_good ("fe80::1:2", "fe80::1:2", 3290);
}

static void
test_bad (void)
{
  const char *bad[] = {
    "",           "   ",        ":4000",           "host:",
    "host:0",     "host:65536", "host:-1",         "host:4x",
    "host:4000:", "[::1",       "[]:4000",         "[::1]x",
    "[::1]:",     "a b",        "http://host",     "alice@host",
    "host/path",  "[[::1]]",    "[example.org]:1", "::g",
    NULL,
  };

  for (guint i = 0; bad[i] != NULL; i++)
    {
      g_autoptr (GError) error = NULL;
      char *host = NULL;
      guint16 port = 7;

      g_test_message ("bad: '%s'", bad[i]);
      g_assert_false (mimp_address_parse (bad[i], 3290, &host, &port, &error));
      g_assert_error (error, MIMP_ERROR, MIMP_ERROR_INVALID_ARGUMENT);
      g_assert_null (host);
      g_assert_cmpuint (port, ==, 7);
    }
  /* NULL reads as nothing typed. */
  {
    g_autoptr (GError) error = NULL;
    char *host = NULL;
    guint16 port = 0;

    g_assert_false (mimp_address_parse (NULL, 3290, &host, &port, &error));
    g_assert_error (error, MIMP_ERROR, MIMP_ERROR_INVALID_ARGUMENT);
  }
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/address/good", test_good);
  g_test_add_func ("/address/bad", test_bad);
  return g_test_run ();
}
