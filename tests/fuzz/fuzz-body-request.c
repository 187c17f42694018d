/* fuzz-body-request.c - the request parsers, as the server reads them
 *
 * Every parser sees every input. Oracles: what a parser accepts holds valid
 * UTF-8 within the protocol's limits, and built again by the client's
 * builders it parses to the same request.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "mimp.h"
#include "fuzz-common.h"

static void
check_string (const char *s, gsize max)
{
  FUZZ_ASSERT (s != NULL);
  FUZZ_ASSERT (g_utf8_validate (s, -1, NULL));
  FUZZ_ASSERT (strlen (s) <= max);
}

int LLVMFuzzerTestOneInput (const guint8 *data, size_t size);

int
LLVMFuzzerTestOneInput (const guint8 *data, size_t size)
{
  MimpLoginRequest login = { 0 };
  MimpSendRequest send = { 0 };
  MimpGetRequest get = { 0 };
  g_autoptr (GError) error = NULL;
  g_autofree char *text = NULL;
  g_autofree char *normalized = NULL;

  (void) mimp_json_check (data, size, NULL);

  if (mimp_body_parse_login_request (data, size, &login, &error))
    {
      g_autoptr (GBytes) again = NULL;
      MimpLoginRequest login2 = { 0 };

      check_string (login.user, G_MAXSIZE);
      check_string (login.password, G_MAXSIZE);
      again = mimp_body_build_login_request (login.user, login.password);
      FUZZ_ASSERT (mimp_body_parse_login_request (g_bytes_get_data (again, NULL),
                                                  g_bytes_get_size (again), &login2, NULL));
      FUZZ_ASSERT (strcmp (login.user, login2.user) == 0);
      FUZZ_ASSERT (strcmp (login.password, login2.password) == 0);
      mimp_login_request_clear (&login2);
    }
  else
    FUZZ_ASSERT (error != NULL);
  mimp_login_request_clear (&login);
  FUZZ_ASSERT (login.user == NULL && login.password == NULL);
  g_clear_error (&error);

  if (mimp_body_parse_send_request (data, size, &send, &error))
    {
      g_autoptr (GBytes) again = NULL;
      MimpSendRequest send2 = { 0 };

      check_string (send.from, G_MAXSIZE);
      check_string (send.to, G_MAXSIZE);
      check_string (send.text, MIMP_MESSAGE_TEXT_MAX);
      FUZZ_ASSERT (send.text[0] != '\0');
      check_string (send.token, G_MAXSIZE);
      if (send.client_id)
        check_string (send.client_id, G_MAXSIZE);
      again =
          mimp_body_build_send_request (send.from, send.to, send.text, send.token, send.client_id);
      FUZZ_ASSERT (mimp_body_parse_send_request (g_bytes_get_data (again, NULL),
                                                 g_bytes_get_size (again), &send2, NULL));
      FUZZ_ASSERT (strcmp (send.from, send2.from) == 0);
      FUZZ_ASSERT (strcmp (send.to, send2.to) == 0);
      FUZZ_ASSERT (strcmp (send.text, send2.text) == 0);
      FUZZ_ASSERT (strcmp (send.token, send2.token) == 0);
      FUZZ_ASSERT (g_strcmp0 (send.client_id, send2.client_id) == 0);
      mimp_send_request_clear (&send2);
    }
  else
    FUZZ_ASSERT (error != NULL);
  mimp_send_request_clear (&send);
  g_clear_error (&error);

  if (mimp_body_parse_get_request (data, size, &get, &error))
    {
      g_autoptr (GBytes) again = NULL;
      MimpGetRequest get2 = { 0 };

      check_string (get.from, G_MAXSIZE);
      check_string (get.token, G_MAXSIZE);
      FUZZ_ASSERT (get.ack >= -1);
      FUZZ_ASSERT (get.wait <= MIMP_GU_WAIT_MAX);
      again = mimp_body_build_get_request (get.from, get.token, get.ack, get.wait);
      FUZZ_ASSERT (mimp_body_parse_get_request (g_bytes_get_data (again, NULL),
                                                g_bytes_get_size (again), &get2, NULL));
      FUZZ_ASSERT (strcmp (get.from, get2.from) == 0);
      FUZZ_ASSERT (strcmp (get.token, get2.token) == 0);
      FUZZ_ASSERT (get.ack == get2.ack);
      FUZZ_ASSERT (get.wait == get2.wait);
      mimp_get_request_clear (&get2);
    }
  else
    FUZZ_ASSERT (error != NULL);
  mimp_get_request_clear (&get);
  g_clear_error (&error);

  /* User names and passwords as C strings (json-glib hands out those). */
  text = g_strndup ((const char *) data, MIN (size, 4096));
  if (mimp_user_name_normalize (text, &normalized, NULL))
    {
      gsize n = strlen (normalized);

      FUZZ_ASSERT (n >= 1 && n <= MIMP_USER_NAME_MAX);
      for (gsize i = 0; i < n; i++)
        FUZZ_ASSERT (g_ascii_islower (normalized[i]) || g_ascii_isdigit (normalized[i]) ||
                     strchr ("._-", normalized[i]) != NULL);
    }
  if (mimp_password_check (text, NULL))
    FUZZ_ASSERT (g_utf8_validate (text, -1, NULL) && strlen (text) >= 1 &&
                 strlen (text) <= MIMP_PASSWORD_MAX);
  return 0;
}
