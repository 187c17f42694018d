/* test-error-domains.c - every error domain the app sees is registered
 * under its own name
 *
 * G_DEFINE_QUARK registers its first argument as written, and clang-format
 * once spaced the hyphens in those names ("mimp - error - quark"). The names
 * show in g_assert_error failures and any D-Bus error mapping.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "cryptully-error.h"
#include "miricat-error.h"
#include "mimp-e2e.h"
#include "mimp-error.h"
#include "mimp-history.h"
#include "mimp-message-codec.h"
#include "mimp-secret-store.h"

static void
test_names (void)
{
  g_assert_cmpstr (g_quark_to_string (MIMP_ERROR), ==, "mimp-error-quark");
  g_assert_cmpstr (g_quark_to_string (MIMP_E2E_ERROR), ==, "mimp-e2e-error-quark");
  g_assert_cmpstr (g_quark_to_string (CRYPTULLY_ERROR), ==, "cryptully-error-quark");
  g_assert_cmpstr (g_quark_to_string (MIRICAT_ERROR), ==, "miricat-error-quark");
  g_assert_cmpstr (g_quark_to_string (MIMP_HISTORY_ERROR), ==, "mimp-history-error-quark");
  g_assert_cmpstr (g_quark_to_string (MIMP_SECRET_STORE_ERROR), ==,
                   "mimp-secret-store-error-quark");
  g_assert_cmpstr (g_quark_to_string (MIMP_MESSAGE_CODEC_ERROR), ==,
                   "mimp-message-codec-error-quark");
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/error-domains/names", test_names);
  return g_test_run ();
}
