/* mimp-address.c - reading a server address as a user types it
 *
 * The app's account editor and mimp-cli's --server both read addresses
 * with this one function, so that both accept and refuse the same ones.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "mimp-address.h"
#include "mimp-error.h"

static gboolean
fail (GError **error)
{
  g_set_error_literal (error, MIMP_ERROR, MIMP_ERROR_INVALID_ARGUMENT,
                       "Not a server address: use HOST, HOST:PORT or [IPv6]:PORT");
  return FALSE;
}

/**
 * mimp_address_parse:
 * @text: "host", "host:port", "[v6]" or "[v6]:port" (a bare IPv6 address
 *   such as "::1" is a host without a port); white space around it is
 *   ignored
 * @default_port: the port when @text names none
 * @host: (out): the host name or address, without brackets
 * @port: (out): the port, 1 to 65535
 *
 * Returns: whether @text is a server address; if not, a
 *   %MIMP_ERROR_INVALID_ARGUMENT error that does not repeat @text, and
 *   @host and @port are left alone
 */
gboolean
mimp_address_parse (const char *text, guint16 default_port, char **host, guint16 *port,
                    GError **error)
{
  g_autofree char *stripped = g_strstrip (g_strdup (text != NULL ? text : ""));
  g_autofree char *name = NULL;
  const char *colon = NULL;
  guint64 value = default_port;

  g_return_val_if_fail (host != NULL && port != NULL, FALSE);

  if (*stripped == '\0' || strpbrk (stripped, " \t/@") != NULL)
    return fail (error);
  if (stripped[0] == '[')
    {
      const char *end = strchr (stripped, ']');

      if (end == NULL || end == stripped + 1)
        return fail (error);
      name = g_strndup (stripped + 1, end - stripped - 1);
      if (strchr (name, ':') == NULL)
        return fail (error); /* brackets are for IPv6 addresses only */
      if (end[1] == ':')
        colon = end + 1;
      else if (end[1] != '\0')
        return fail (error);
    }
  else
    {
      colon = strrchr (stripped, ':');
      if (colon != NULL && strchr (stripped, ':') != colon)
        colon = NULL; /* a bare IPv6 address */
      name = colon != NULL ? g_strndup (stripped, colon - stripped) : g_strdup (stripped);
    }
  if (*name == '\0' || strpbrk (name, "[]") != NULL)
    return fail (error);
  /* A name with a colon can only be an IPv6 address. */
  if (strchr (name, ':') != NULL && !g_hostname_is_ip_address (name))
    return fail (error);
  if (colon != NULL && !g_ascii_string_to_unsigned (colon + 1, 10, 1, 65535, &value, NULL))
    return fail (error);
  if (value == 0)
    return fail (error);
  *host = g_steal_pointer (&name);
  *port = (guint16) value;
  return TRUE;
}
