/* mimp-search.c
 *
 * A user's words never reach FTS5's query syntax as they are: each word (a
 * run of letters, digits and marks, as the unicode61 tokenizer cuts text) is
 * put in double quotes, so quotes, *, NEAR, AND, OR, parentheses and colons
 * are only text. All the words must match; the last one also matches as a
 * prefix while the user is still typing it (from its second letter: one
 * letter stands for too many words to be worth the wait).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "mimp-search"

#include "config.h"

#include "mimp-search.h"

/* Letters, numbers, marks and private use: what unicode61 keeps in a token
 * (anything else, FTS5 re-cuts inside the quotes anyway). */
static gboolean
is_word_char (gunichar c)
{
  GUnicodeType type = g_unichar_type (c);

  return g_unichar_isalnum (c) || type == G_UNICODE_LETTER_NUMBER ||
         type == G_UNICODE_OTHER_NUMBER || type == G_UNICODE_SPACING_MARK ||
         type == G_UNICODE_ENCLOSING_MARK || type == G_UNICODE_NON_SPACING_MARK ||
         type == G_UNICODE_PRIVATE_USE;
}

/**
 * mimp_search_build_query:
 * @text: what the user typed (UTF-8, possibly invalid)
 *
 * Returns: (transfer full) (nullable): an FTS5 query matching messages with
 *   every word of @text, the last as a prefix when @text ends in it (not in a
 *   space or a punctuation mark);
 *   %NULL when @text has no word.
 */
char *
mimp_search_build_query (const char *text)
{
  g_autofree char *valid = NULL;
  GString *query;
  GString *word;
  gboolean prefix;
  guint n_words = 0;
  glong last_length = 0;

  if (text == NULL)
    return NULL;
  valid = g_utf8_make_valid (text, -1);
  query = g_string_new (NULL);
  word = g_string_new (NULL);
  /* Still typing the last word when the text ends in one. */
  prefix = *valid != '\0' &&
           is_word_char (g_utf8_get_char (g_utf8_find_prev_char (valid, valid + strlen (valid))));

  for (const char *p = valid;; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (c != 0 && is_word_char (c))
        {
          g_string_append_unichar (word, c);
          continue;
        }
      if (word->len > 0)
        {
          /* Only word characters are in it, so no quote: the quoting is
           * what makes every operator a plain word. */
          if (query->len > 0)
            g_string_append_c (query, ' ');
          g_string_append_printf (query, "\"%s\"", word->str);
          last_length = g_utf8_strlen (word->str, -1);
          g_string_truncate (word, 0);
          n_words++;
        }
      if (c == 0)
        break;
    }
  g_string_free (word, TRUE);

  if (n_words == 0)
    {
      g_string_free (query, TRUE);
      return NULL;
    }
  if (prefix && last_length >= 2)
    g_string_append_c (query, '*');
  return g_string_free (query, FALSE);
}

/**
 * mimp_search_snippet_to_markup:
 * @snippet: text from the history with each match between
 *   %MIMP_SEARCH_MATCH_START and %MIMP_SEARCH_MATCH_END
 *
 * Returns: (transfer full): Pango markup with the matches in bold, on one
 *   line; everything else of @snippet escaped (message text is anyone's).
 */
char *
mimp_search_snippet_to_markup (const char *snippet)
{
  g_autofree char *valid = g_utf8_make_valid (snippet ? snippet : "", -1);
  GString *markup = g_string_new (NULL);
  GString *run = g_string_new (NULL);
  gboolean in_match = FALSE;

  for (const char *p = valid;; p++)
    {
      char c = *p;

      if (c == '\0' || c == MIMP_SEARCH_MATCH_START[0] || c == MIMP_SEARCH_MATCH_END[0])
        {
          g_autofree char *escaped = g_markup_escape_text (run->str, (gssize) run->len);

          if (run->len > 0)
            g_string_append_printf (markup, in_match ? "<b>%s</b>" : "%s", escaped);
          g_string_truncate (run, 0);
          if (c == '\0')
            break;
          in_match = c == MIMP_SEARCH_MATCH_START[0];
          continue;
        }
      /* One line: other control characters (newlines, tabs, the rest)
       * become spaces, and Pango markup never sees them. */
      g_string_append_c (run, (guchar) c < 0x20 || c == 0x7f ? ' ' : c);
    }
  g_string_free (run, TRUE);
  return g_string_free (markup, FALSE);
}

struct _MimpSearchResult
{
  GObject parent_instance;

  MimpChatMessage *message;
  char *snippet;
  char *markup;
};

G_DEFINE_FINAL_TYPE (MimpSearchResult, mimp_search_result, G_TYPE_OBJECT)

static void
mimp_search_result_finalize (GObject *object)
{
  MimpSearchResult *self = MIMP_SEARCH_RESULT (object);

  g_clear_object (&self->message);
  g_free (self->snippet);
  g_free (self->markup);
  G_OBJECT_CLASS (mimp_search_result_parent_class)->finalize (object);
}

static void
mimp_search_result_class_init (MimpSearchResultClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = mimp_search_result_finalize;
}

static void
mimp_search_result_init (MimpSearchResult *self)
{
}

/**
 * mimp_search_result_new:
 * @message: the message that matched
 * @snippet: its text around the matches, marked as the history gives it
 */
MimpSearchResult *
mimp_search_result_new (MimpChatMessage *message, const char *snippet)
{
  MimpSearchResult *self = g_object_new (MIMP_TYPE_SEARCH_RESULT, NULL);

  self->message = g_object_ref (message);
  self->snippet = g_strdup (snippet ? snippet : "");
  return self;
}

MimpChatMessage *
mimp_search_result_get_message (MimpSearchResult *self)
{
  g_return_val_if_fail (MIMP_IS_SEARCH_RESULT (self), NULL);
  return self->message;
}

const char *
mimp_search_result_get_snippet (MimpSearchResult *self)
{
  g_return_val_if_fail (MIMP_IS_SEARCH_RESULT (self), NULL);
  return self->snippet;
}

/* The snippet as Pango markup, made the first time it is asked for. */
const char *
mimp_search_result_get_markup (MimpSearchResult *self)
{
  g_return_val_if_fail (MIMP_IS_SEARCH_RESULT (self), NULL);
  if (self->markup == NULL)
    self->markup = mimp_search_snippet_to_markup (self->snippet);
  return self->markup;
}
