/* fuzz-body-reply.c - the reply parsers, as the client reads them
 *
 * Token, SM reply, GU reply (message lists included) and Error, on every
 * input. Oracles: what is accepted is valid UTF-8; a GU reply written again
 * by the server's own builders parses to the same messages; an Error
 * written again by the server parses to the same code and text.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "mimp.h"
#include "fuzz-common.h"

static void
check_utf8 (const char *s)
{
  if (s != NULL)
    FUZZ_ASSERT (g_utf8_validate (s, -1, NULL));
}

static void
check_same_message (const MimpMessage *a, const MimpMessage *b)
{
  FUZZ_ASSERT (g_strcmp0 (a->id, b->id) == 0);
  FUZZ_ASSERT (g_strcmp0 (a->from, b->from) == 0);
  FUZZ_ASSERT (g_strcmp0 (a->to, b->to) == 0);
  FUZZ_ASSERT (g_strcmp0 (a->text, b->text) == 0);
  FUZZ_ASSERT (a->seq == b->seq);
  FUZZ_ASSERT (a->timestamp == b->timestamp);
}

int LLVMFuzzerTestOneInput (const guint8 *data, size_t size);

int
LLVMFuzzerTestOneInput (const guint8 *data, size_t size)
{
  const gint64 now = 1763769600000;
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) messages = NULL;
  g_autofree char *token = NULL;
  g_autofree char *id = NULL;
  g_autofree char *message = NULL;
  gboolean more = FALSE;
  gint64 ts = -1;
  int code = -1;

  if (mimp_body_parse_token (data, size, &token, &error))
    {
      FUZZ_ASSERT (token != NULL && token[0] != '\0' && strlen (token) <= 256);
      for (const char *p = token; *p; p++)
        FUZZ_ASSERT (*p >= 0x21 && *p <= 0x7e);
    }
  else
    FUZZ_ASSERT (error != NULL && token == NULL);
  g_clear_error (&error);

  FUZZ_ASSERT (mimp_body_parse_send_reply (data, size, &id, &ts, NULL));
  check_utf8 (id);

  if (mimp_body_parse_get_reply (data, size, now, &messages, &more, &error))
    {
      g_autoptr (GString) again = g_string_new ("{\"messages\":[");
      g_autoptr (GPtrArray) messages2 = NULL;
      gboolean more2 = !more;

      FUZZ_ASSERT (messages != NULL);
      for (guint i = 0; i < messages->len; i++)
        {
          MimpMessage *m = messages->pdata[i];

          FUZZ_ASSERT (m->from != NULL && m->text != NULL);
          check_utf8 (m->id);
          check_utf8 (m->from);
          check_utf8 (m->to);
          check_utf8 (m->text);
          FUZZ_ASSERT (m->seq >= -1);
          if (i > 0)
            g_string_append_c (again, ',');
          mimp_body_append_message (again, m);
        }
      g_string_append_printf (again, "],\"more\":%s}", more ? "true" : "false");
      FUZZ_ASSERT (mimp_body_parse_get_reply ((const guint8 *) again->str, again->len, now + 1,
                                              &messages2, &more2, NULL));
      FUZZ_ASSERT (more == more2);
      FUZZ_ASSERT (messages2->len == messages->len);
      for (guint i = 0; i < messages->len; i++)
        {
          MimpMessage *copy = mimp_message_copy (messages->pdata[i]);

          check_same_message (messages->pdata[i], copy);
          mimp_message_free (copy);
          check_same_message (messages->pdata[i], messages2->pdata[i]);
        }
    }
  else
    FUZZ_ASSERT (error != NULL && messages == NULL);
  g_clear_error (&error);

  if (mimp_body_parse_error (data, size, &code, &message))
    {
      g_autoptr (GString) again = g_string_new (NULL);
      g_autofree char *message2 = NULL;
      int code2 = -1;

      FUZZ_ASSERT (code >= 0 && code <= 999);
      check_utf8 (message);
      mimp_body_append_error (again, code, message ? message : "");
      FUZZ_ASSERT (
          mimp_body_parse_error ((const guint8 *) again->str, again->len, &code2, &message2));
      FUZZ_ASSERT (code == code2);
      FUZZ_ASSERT (strcmp (message ? message : "", message2) == 0);
    }
  else
    FUZZ_ASSERT (message == NULL);
  return 0;
}
