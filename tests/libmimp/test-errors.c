/* test-errors.c - the MIMP_ERROR domain: its name and the one
 * classification of its codes (mimp_error_get_kind)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <gio/gio.h>

#include "mimp-error.h"

static void
test_domain_name (void)
{
  g_assert_cmpstr (g_quark_to_string (MIMP_ERROR), ==, "mimp-error-quark");
}

static MimpErrorKind
kind_of (GQuark domain, int code)
{
  g_autoptr (GError) error = g_error_new_literal (domain, code, "x");

  return mimp_error_get_kind (error);
}

static void
test_kinds (void)
{
  const struct
  {
    MimpError code;
    MimpErrorKind kind;
  } table[] = {
    { MIMP_ERROR_FAILED, MIMP_ERROR_KIND_OTHER },
    { MIMP_ERROR_UNREACHABLE, MIMP_ERROR_KIND_CONNECT },
    { MIMP_ERROR_TIMEOUT, MIMP_ERROR_KIND_CONNECT },
    { MIMP_ERROR_CLOSED, MIMP_ERROR_KIND_CONNECT },
    { MIMP_ERROR_NOT_MIMP, MIMP_ERROR_KIND_CONNECT },
    { MIMP_ERROR_PROTOCOL, MIMP_ERROR_KIND_CONNECT },
    { MIMP_ERROR_INVALID_PUZZLE, MIMP_ERROR_KIND_CONNECT },
    { MIMP_ERROR_INVALID_TOKEN, MIMP_ERROR_KIND_CONNECT },
    { MIMP_ERROR_TOO_LARGE, MIMP_ERROR_KIND_REFUSED },
    { MIMP_ERROR_WRONG_PASSWORD, MIMP_ERROR_KIND_AUTH },
    { MIMP_ERROR_UNAUTHORIZED, MIMP_ERROR_KIND_AUTH },
    { MIMP_ERROR_FORBIDDEN, MIMP_ERROR_KIND_REFUSED },
    { MIMP_ERROR_NO_SUCH_USER, MIMP_ERROR_KIND_REFUSED },
    { MIMP_ERROR_BAD_REQUEST, MIMP_ERROR_KIND_REFUSED },
    { MIMP_ERROR_RATE_LIMITED, MIMP_ERROR_KIND_AUTH },
    { MIMP_ERROR_SERVER_ERROR, MIMP_ERROR_KIND_OTHER },
    { MIMP_ERROR_UNSUPPORTED, MIMP_ERROR_KIND_OTHER },
    { MIMP_ERROR_CERTIFICATE, MIMP_ERROR_KIND_CONNECT },
    { MIMP_ERROR_TLS, MIMP_ERROR_KIND_CONNECT },
    { MIMP_ERROR_INVALID_ARGUMENT, MIMP_ERROR_KIND_REFUSED },
  };

  /* Every code is in the table: a new code must be classified here. */
  g_assert_cmpuint (G_N_ELEMENTS (table), ==, MIMP_ERROR_INVALID_ARGUMENT + 1);
  for (guint i = 0; i < G_N_ELEMENTS (table); i++)
    {
      g_assert_cmpint (table[i].code, ==, i);
      g_assert_cmpint (kind_of (MIMP_ERROR, table[i].code), ==, table[i].kind);
    }
  g_assert_cmpint (mimp_error_get_kind (NULL), ==, MIMP_ERROR_KIND_OTHER);
  g_assert_cmpint (kind_of (G_IO_ERROR, G_IO_ERROR_TIMED_OUT), ==, MIMP_ERROR_KIND_OTHER);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/errors/domain-name", test_domain_name);
  g_test_add_func ("/errors/kinds", test_kinds);
  return g_test_run ();
}
