/* cryptully-text.c - chat text to and from the original's HTML
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "cryptully-text.h"

char *
cryptully_text_to_html (const char *text)
{
  return g_markup_escape_text (text, -1);
}

static const struct
{
  const char *name;
  gunichar ch;
} entities[] = {
  { "lt", '<' }, { "gt", '>' }, { "amp", '&' }, { "quot", '"' }, { "apos", '\'' }, { "nbsp", ' ' },
};

/* At '&': appends the character and returns the length used, or 0. */
static gsize
decode_entity (const char *p, const char *end, GString *out)
{
  const char *semi = memchr (p, ';', MIN ((gsize) (end - p), 12));
  g_autofree char *name = NULL;
  guint64 value;

  if (semi == NULL || semi == p + 1)
    return 0;
  name = g_strndup (p + 1, semi - p - 1);
  if (name[0] == '#')
    {
      gboolean hex = name[1] == 'x' || name[1] == 'X';

      if (!g_ascii_string_to_unsigned (name + (hex ? 2 : 1), hex ? 16 : 10, 1, 0x10ffff, &value,
                                       NULL) ||
          !g_unichar_validate ((gunichar) value))
        return 0;
      g_string_append_unichar (out, (gunichar) value);
      return (gsize) (semi - p) + 1;
    }
  for (gsize i = 0; i < G_N_ELEMENTS (entities); i++)
    if (g_ascii_strcasecmp (name, entities[i].name) == 0)
      {
        g_string_append_unichar (out, entities[i].ch);
        return (gsize) (semi - p) + 1;
      }
  return 0;
}

static gboolean
is_line_break_tag (const char *tag, gsize len)
{
  g_autofree char *lower = g_ascii_strdown (tag, (gssize) len);

  return g_str_has_prefix (lower, "<br") || g_str_has_prefix (lower, "</p") ||
         g_str_has_prefix (lower, "</div");
}

char *
cryptully_text_from_html (const char *html, gssize len)
{
  g_autofree char *valid = g_utf8_make_valid (html, len);
  GString *out = g_string_new (NULL);
  const char *end = valid + strlen (valid);

  for (const char *p = valid; p < end;)
    {
      if (*p == '<')
        {
          const char *close = memchr (p, '>', (gsize) (end - p));

          if (close == NULL)
            break; /* an unterminated tag: drop the rest */
          if (is_line_break_tag (p, (gsize) (close - p)))
            g_string_append_c (out, '\n');
          p = close + 1;
        }
      else if (*p == '&')
        {
          gsize used = decode_entity (p, end, out);

          if (used == 0)
            g_string_append_c (out, *p++);
          else
            p += used;
        }
      else
        g_string_append_c (out, *p++);
    }
  /* A decoded &#0; cannot appear (value 0 refused); keep it one string. */
  return g_string_free (out, FALSE);
}
