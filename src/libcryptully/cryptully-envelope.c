/* cryptully-envelope.c - reading and writing the envelope
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The envelope is a flat object of strings, so it is read by a small strict
 * scanner rather than a general JSON parser: nothing nests, nothing
 * recurses, and a wrong type is an error naming the field.
 */
#include "config.h"

#include <string.h>

#include "cryptully-envelope.h"
#include "cryptully-error.h"
#include "cryptully-frame.h"

static const char *const field_names[] = {
  "serverCommand", "clientCommand", "sourceNick", "destNick", "payload", "hmac", "error", "num",
};
#define N_FIELDS G_N_ELEMENTS (field_names)

static char **
field (CryptullyEnvelope *envelope, guint i)
{
  char **fields[] = {
    &envelope->server_command, &envelope->client_command,
    &envelope->source_nick,    &envelope->dest_nick,
    &envelope->payload,        &envelope->hmac,
    &envelope->error,          &envelope->num,
  };

  return fields[i];
}

CryptullyEnvelope *
cryptully_envelope_new (const char *server_command, const char *client_command)
{
  CryptullyEnvelope *envelope = g_new0 (CryptullyEnvelope, 1);

  envelope->server_command = g_strdup (server_command);
  envelope->client_command = g_strdup (client_command);
  return envelope;
}

void
cryptully_envelope_free (CryptullyEnvelope *envelope)
{
  if (envelope == NULL)
    return;
  for (guint i = 0; i < N_FIELDS; i++)
    g_free (*field (envelope, i));
  g_free (envelope);
}

typedef struct
{
  const char *p;
  const char *end;
  GError **error;
} Scanner;

static gboolean
fail (Scanner *s, const char *what)
{
  g_set_error (s->error, CRYPTULLY_ERROR, CRYPTULLY_ERROR_MALFORMED, "Invalid envelope: %s", what);
  return FALSE;
}

static void
skip_ws (Scanner *s)
{
  while (s->p < s->end && (*s->p == ' ' || *s->p == '\t' || *s->p == '\n' || *s->p == '\r'))
    s->p++;
}

static int
hex4 (Scanner *s)
{
  int value = 0;

  if (s->end - s->p < 4)
    return -1;
  for (int i = 0; i < 4; i++, s->p++)
    {
      if (!g_ascii_isxdigit (*s->p))
        return -1;
      value = value * 16 + g_ascii_xdigit_value (*s->p);
    }
  return value;
}

/* At the opening quote; leaves s->p after the closing one. */
static char *
scan_string (Scanner *s)
{
  g_autoptr (GString) out = g_string_new (NULL);

  s->p++;
  while (s->p < s->end && *s->p != '"')
    {
      guchar c = (guchar) *s->p;

      if (c < 0x20)
        return fail (s, "control character in a string"), NULL;
      if (c != '\\')
        {
          g_string_append_c (out, (char) c);
          s->p++;
          continue;
        }
      if (++s->p >= s->end)
        break;
      c = (guchar) *s->p++;
      switch (c)
        {
        case '"':
        case '\\':
        case '/':
          g_string_append_c (out, (char) c);
          break;
        case 'b':
          g_string_append_c (out, '\b');
          break;
        case 'f':
          g_string_append_c (out, '\f');
          break;
        case 'n':
          g_string_append_c (out, '\n');
          break;
        case 'r':
          g_string_append_c (out, '\r');
          break;
        case 't':
          g_string_append_c (out, '\t');
          break;
        case 'u':
          {
            int unit = hex4 (s);
            gunichar ch;

            if (unit < 0 || (unit >= 0xdc00 && unit <= 0xdfff))
              return fail (s, "bad \\u escape"), NULL;
            ch = (gunichar) unit;
            if (unit >= 0xd800 && unit <= 0xdbff)
              {
                int low;

                if (s->end - s->p < 2 || s->p[0] != '\\' || s->p[1] != 'u')
                  return fail (s, "lone surrogate"), NULL;
                s->p += 2;
                low = hex4 (s);
                if (low < 0xdc00 || low > 0xdfff)
                  return fail (s, "lone surrogate"), NULL;
                ch = 0x10000 + (((gunichar) unit - 0xd800) << 10) + ((gunichar) low - 0xdc00);
              }
            if (ch == 0)
              return fail (s, "NUL in a string"), NULL;
            g_string_append_unichar (out, ch);
            break;
          }
        default:
          return fail (s, "bad escape"), NULL;
        }
    }
  if (s->p >= s->end)
    return fail (s, "unterminated string"), NULL;
  s->p++;
  if (!g_utf8_validate_len (out->str, out->len, NULL))
    return fail (s, "a string is not UTF-8"), NULL;
  return g_string_free (g_steal_pointer (&out), FALSE);
}

static gboolean
scan_word (Scanner *s, const char *word)
{
  gsize n = strlen (word);

  if ((gsize) (s->end - s->p) < n || memcmp (s->p, word, n) != 0)
    return FALSE;
  s->p += n;
  return TRUE;
}

/* A number, true or false: accepted and ignored for keys we do not know. */
static gboolean
skip_scalar (Scanner *s)
{
  const char *start = s->p;

  if (scan_word (s, "true") || scan_word (s, "false"))
    return TRUE;
  while (s->p < s->end && strchr ("+-.0123456789eE", *s->p) != NULL)
    s->p++;
  return s->p > start;
}

CryptullyEnvelope *
cryptully_envelope_parse (const char *data, gsize len, GError **error)
{
  g_autoptr (CryptullyEnvelope) envelope = g_new0 (CryptullyEnvelope, 1);
  gboolean seen[N_FIELDS] = { FALSE };
  Scanner s;

  if (data == NULL) /* an empty frame's GBytes has no data pointer */
    data = "";
  s = (Scanner){ data, data + len, error };

  skip_ws (&s);
  if (s.p >= s.end || *s.p != '{')
    return fail (&s, "not a JSON object"), NULL;
  s.p++;
  skip_ws (&s);
  if (s.p < s.end && *s.p == '}')
    s.p++;
  else
    for (;;)
      {
        g_autofree char *key = NULL;
        g_autofree char *value = NULL;
        gboolean is_null = FALSE;
        int index = -1;

        skip_ws (&s);
        if (s.p >= s.end || *s.p != '"')
          return fail (&s, "expected a key"), NULL;
        if (!(key = scan_string (&s)))
          return NULL;
        skip_ws (&s);
        if (s.p >= s.end || *s.p++ != ':')
          return fail (&s, "expected ':'"), NULL;
        skip_ws (&s);
        for (guint i = 0; i < N_FIELDS; i++)
          if (g_str_equal (key, field_names[i]))
            index = (int) i;
        if (s.p < s.end && *s.p == '"')
          {
            if (!(value = scan_string (&s)))
              return NULL;
          }
        else if (scan_word (&s, "null"))
          is_null = TRUE;
        else if (index >= 0)
          {
            g_set_error (error, CRYPTULLY_ERROR, CRYPTULLY_ERROR_MALFORMED,
                         "Invalid envelope: %s is not a string", field_names[index]);
            return NULL;
          }
        else if (!skip_scalar (&s))
          return fail (&s, "unexpected value"), NULL;
        if (index >= 0)
          {
            char **slot = field (envelope, (guint) index);

            g_free (*slot);
            *slot = is_null || g_str_equal (value, "None") ? NULL : g_steal_pointer (&value);
            seen[index] = TRUE;
          }
        skip_ws (&s);
        if (s.p < s.end && *s.p == ',')
          {
            s.p++;
            continue;
          }
        if (s.p < s.end && *s.p == '}')
          {
            s.p++;
            break;
          }
        return fail (&s, "expected ',' or '}'"), NULL;
      }
  skip_ws (&s);
  if (s.p != s.end)
    return fail (&s, "data after the object"), NULL;
  for (guint i = 0; i < N_FIELDS; i++)
    if (!seen[i])
      {
        g_set_error (error, CRYPTULLY_ERROR, CRYPTULLY_ERROR_MALFORMED,
                     "Invalid envelope: %s is missing", field_names[i]);
        return NULL;
      }
  return g_steal_pointer (&envelope);
}

static void
append_json_string (GString *out, const char *value)
{
  /* Callers only put text here; stay valid and ASCII whatever they pass. */
  g_autofree char *valid = g_utf8_make_valid (value, -1);

  g_string_append_c (out, '"');
  for (const char *p = valid; *p; p = g_utf8_next_char (p))
    {
      gunichar ch = g_utf8_get_char (p);

      if (ch == '"' || ch == '\\')
        g_string_append_printf (out, "\\%c", (char) ch);
      else if (ch >= 0x20 && ch < 0x7f)
        g_string_append_c (out, (char) ch);
      else if (ch < 0x10000)
        g_string_append_printf (out, "\\u%04x", ch);
      else
        g_string_append_printf (out, "\\u%04x\\u%04x", 0xd800 + ((ch - 0x10000) >> 10),
                                0xdc00 + ((ch - 0x10000) & 0x3ff));
    }
  g_string_append_c (out, '"');
}

char *
cryptully_envelope_to_json (const CryptullyEnvelope *envelope, gsize *len)
{
  GString *out = g_string_new ("{");

  for (guint i = 0; i < N_FIELDS; i++)
    {
      const char *value = *field ((CryptullyEnvelope *) envelope, i);

      if (i > 0)
        g_string_append (out, ", ");
      g_string_append_printf (out, "\"%s\": ", field_names[i]);
      if (value != NULL)
        append_json_string (out, value);
      else if (g_str_equal (field_names[i], "payload"))
        g_string_append (out, "null");
      else
        g_string_append (out, "\"None\"");
    }
  g_string_append_c (out, '}');
  if (len)
    *len = out->len;
  return g_string_free (out, FALSE);
}

GBytes *
cryptully_envelope_to_frame (const CryptullyEnvelope *envelope)
{
  gsize len;
  g_autofree char *json = cryptully_envelope_to_json (envelope, &len);

  return cryptully_frame_encode (json, len);
}
