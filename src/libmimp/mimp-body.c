/* mimp-body.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "mimp-body"

#include "config.h"

#include <string.h>

#include <json-glib/json-glib.h>

#include "mimp-body.h"
#include "mimp-cipher.h"
#include "mimp-error.h"

G_DEFINE_BOXED_TYPE (MimpMessage, mimp_message, mimp_message_copy, mimp_message_free)

MimpMessage *
mimp_message_new (const char *id, gint64 seq, const char *from, const char *to, const char *text,
                  gint64 timestamp)
{
  MimpMessage *message = g_new0 (MimpMessage, 1);

  message->id = g_strdup (id);
  message->seq = seq;
  message->from = g_strdup (from);
  message->to = g_strdup (to);
  message->text = g_strdup (text);
  message->timestamp = timestamp;
  return message;
}

MimpMessage *
mimp_message_copy (const MimpMessage *message)
{
  MimpMessage *copy = mimp_message_new (message->id, message->seq, message->from, message->to,
                                        message->text, message->timestamp);

  copy->ephemeral = message->ephemeral;
  return copy;
}

void
mimp_message_free (MimpMessage *message)
{
  if (message == NULL)
    return;
  g_free (message->id);
  g_free (message->from);
  g_free (message->to);
  g_free (message->text);
  g_free (message);
}

void
mimp_login_request_clear (MimpLoginRequest *request)
{
  g_clear_pointer (&request->user, g_free);
  g_clear_pointer (&request->password, mimp_secure_free_string);
}

void
mimp_send_request_clear (MimpSendRequest *request)
{
  g_clear_pointer (&request->from, g_free);
  g_clear_pointer (&request->to, g_free);
  g_clear_pointer (&request->text, g_free);
  g_clear_pointer (&request->token, mimp_secure_free_string);
  g_clear_pointer (&request->client_id, g_free);
  request->ephemeral = FALSE;
}

void
mimp_get_request_clear (MimpGetRequest *request)
{
  g_clear_pointer (&request->from, g_free);
  g_clear_pointer (&request->token, mimp_secure_free_string);
  request->ack = -1;
  request->wait = 0;
}

/**
 * mimp_user_name_normalize:
 *
 * 1 to 32 characters of `[a-z0-9._-]` after lowercasing ASCII letters.
 */
gboolean
mimp_user_name_normalize (const char *name, char **normalized, GError **error)
{
  gsize len = name ? strlen (name) : 0;
  char *out;

  if (len == 0 || len > MIMP_USER_NAME_MAX)
    {
      g_set_error (error, MIMP_ERROR, MIMP_ERROR_INVALID_ARGUMENT,
                   "A user name has 1 to %d characters", MIMP_USER_NAME_MAX);
      return FALSE;
    }
  out = g_ascii_strdown (name, (gssize) len);
  for (gsize i = 0; i < len; i++)
    {
      char c = out[i];

      if (!(g_ascii_islower (c) || g_ascii_isdigit (c) || c == '.' || c == '_' || c == '-'))
        {
          g_free (out);
          g_set_error_literal (
              error, MIMP_ERROR, MIMP_ERROR_INVALID_ARGUMENT,
              "A user name may contain only letters a-z, digits, '.', '_' and '-'");
          return FALSE;
        }
    }
  *normalized = out;
  return TRUE;
}

gboolean
mimp_password_check (const char *password, GError **error)
{
  gsize len = password ? strlen (password) : 0;

  if (len == 0 || len > MIMP_PASSWORD_MAX)
    {
      g_set_error (error, MIMP_ERROR, MIMP_ERROR_INVALID_ARGUMENT, "A password has 1 to %d bytes",
                   MIMP_PASSWORD_MAX);
      return FALSE;
    }
  if (!g_utf8_validate (password, (gssize) len, NULL))
    {
      g_set_error_literal (error, MIMP_ERROR, MIMP_ERROR_INVALID_ARGUMENT,
                           "A password must be valid UTF-8");
      return FALSE;
    }
  return TRUE;
}

/* Outside strings, strict JSON has only whitespace, structure, numbers and
 * the words true, false and null. */
static gboolean
is_json_token_char (guint8 c)
{
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == ',' || c == ':' || c == '-' ||
         c == '+' || c == '.' || g_ascii_isalnum (c);
}

/* The value of four hex digits at @at, or -1. */
static int
hex4 (const guint8 *body, gsize len, gsize at)
{
  int value = 0;

  if (at + 4 > len)
    return -1;
  for (gsize k = at; k < at + 4; k++)
    {
      if (!g_ascii_isxdigit (body[k]))
        return -1;
      value = value * 16 + g_ascii_xdigit_value (body[k]);
    }
  return value;
}

/**
 * mimp_json_check:
 *
 * What must hold before a body is handed to a JSON parser: valid UTF-8 with
 * no NUL byte, and nesting no deeper than %MIMP_JSON_MAX_DEPTH (a recursive
 * parser fed a megabyte of `[` would otherwise exhaust the stack).
 *
 * The nesting is counted outside strings, so this scanner and the parser
 * must agree on where strings are. json-glib is more lenient than JSON
 * (single-quoted strings, comments, `\u` with fewer than four hex digits, a
 * lone surrogate swallowing the bytes after it), and each of those would hide
 * brackets from the count; so the lexical structure is checked strictly here:
 * outside strings only JSON tokens, inside strings only JSON's escapes, with
 * surrogates only in pairs.
 */
gboolean
mimp_json_check (const guint8 *body, gsize len, GError **error)
{
  guint depth = 0;
  gboolean in_string = FALSE;

  if (!g_utf8_validate_len ((const char *) body, len, NULL))
    {
      g_set_error_literal (error, MIMP_ERROR, MIMP_ERROR_BAD_REQUEST, "Body is not valid UTF-8");
      return FALSE;
    }
  for (gsize i = 0; i < len; i++)
    {
      guint8 c = body[i];

      if (in_string)
        {
          if (c == '"')
            in_string = FALSE;
          else if (c == '\\')
            {
              guint8 e = i + 1 < len ? body[i + 1] : 0;
              int unit = e == 'u' ? hex4 (body, len, i + 2) : -1;

              if (unit >= 0xd800 && unit <= 0xdbff)
                {
                  /* Only as the first half of a pair: json-glib reads the
                   * two bytes after any surrogate as the "\u" of its pair. */
                  int low = i + 7 < len && body[i + 6] == '\\' && body[i + 7] == 'u'
                                ? hex4 (body, len, i + 8)
                                : -1;

                  if (low < 0xdc00 || low > 0xdfff)
                    goto bad_escape;
                  i += 11;
                }
              else if (unit >= 0xdc00 && unit <= 0xdfff)
                goto bad_escape;
              else if (unit >= 0)
                i += 5;
              else if (e != 0 && e != 'u' && strchr ("\"\\/bfnrt", e) != NULL)
                i += 1;
              else
                goto bad_escape;
            }
        }
      else if (c == '"')
        in_string = TRUE;
      else if (c == '[' || c == '{')
        {
          if (++depth > MIMP_JSON_MAX_DEPTH)
            {
              g_set_error (error, MIMP_ERROR, MIMP_ERROR_BAD_REQUEST,
                           "JSON nested deeper than %d levels", MIMP_JSON_MAX_DEPTH);
              return FALSE;
            }
        }
      else if (c == ']' || c == '}')
        {
          if (depth > 0)
            depth--;
        }
      else if (!is_json_token_char (c))
        {
          g_set_error (error, MIMP_ERROR, MIMP_ERROR_BAD_REQUEST,
                       "Unexpected character 0x%02X in JSON", c);
          return FALSE;
        }
    }
  return TRUE;

bad_escape:
  g_set_error_literal (error, MIMP_ERROR, MIMP_ERROR_BAD_REQUEST,
                       "Invalid escape in a JSON string");
  return FALSE;
}

static JsonNode *
parse_json (const guint8 *body, gsize len, GError **error)
{
  g_autoptr (JsonParser) parser = NULL;
  g_autoptr (GError) local_error = NULL;

  if (len == 0)
    {
      g_set_error_literal (error, MIMP_ERROR, MIMP_ERROR_BAD_REQUEST, "Body is empty");
      return NULL;
    }
  if (!mimp_json_check (body, len, error))
    return NULL;

  parser = json_parser_new_immutable ();
  if (!json_parser_load_from_data (parser, (const char *) body, (gssize) len, &local_error))
    {
      g_set_error (error, MIMP_ERROR, MIMP_ERROR_BAD_REQUEST, "Body is not JSON: %s",
                   local_error->message);
      return NULL;
    }
  if (json_parser_get_root (parser) == NULL)
    {
      g_set_error_literal (error, MIMP_ERROR, MIMP_ERROR_BAD_REQUEST, "Body is empty JSON");
      return NULL;
    }
  return json_parser_steal_root (parser);
}

static JsonObject *
parse_object (const guint8 *body, gsize len, JsonNode **root, GError **error)
{
  *root = parse_json (body, len, error);
  if (*root == NULL)
    return NULL;
  if (!JSON_NODE_HOLDS_OBJECT (*root))
    {
      g_set_error_literal (error, MIMP_ERROR, MIMP_ERROR_BAD_REQUEST, "Body is not a JSON object");
      g_clear_pointer (root, json_node_unref);
      return NULL;
    }
  return json_node_get_object (*root);
}

/**
 * mimp_json_parse_object:
 * @root: (out): the parsed document, to unref; %NULL on error
 *
 * Parses @body, checked first with mimp_json_check(), as a JSON object.
 * Errors are %MIMP_ERROR_BAD_REQUEST.
 *
 * Returns: (transfer none): the object, owned by @root
 */
JsonObject *
mimp_json_parse_object (const guint8 *body, gsize len, JsonNode **root, GError **error)
{
  return parse_object (body, len, root, error);
}

/* A string member; %NULL with @error set when absent or of another type. */
static char *
get_string (JsonObject *object, const char *name, gboolean required, GError **error)
{
  JsonNode *node = json_object_get_member (object, name);
  const char *value;

  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    {
      if (required)
        g_set_error (error, MIMP_ERROR, MIMP_ERROR_BAD_REQUEST, "Missing field \"%s\"", name);
      return NULL;
    }
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    {
      g_set_error (error, MIMP_ERROR, MIMP_ERROR_BAD_REQUEST, "Field \"%s\" is not a string", name);
      return NULL;
    }
  value = json_node_get_string (node);
  if (!g_utf8_validate (value, -1, NULL))
    {
      g_set_error (error, MIMP_ERROR, MIMP_ERROR_BAD_REQUEST, "Field \"%s\" is not valid UTF-8",
                   name);
      return NULL;
    }
  return g_strdup (value);
}

/* An integer member (a JSON number with an integral value). */
static gboolean
get_int (JsonObject *object, const char *name, gboolean *present, gint64 *value, GError **error)
{
  JsonNode *node = json_object_get_member (object, name);
  GType type;

  *present = FALSE;
  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return TRUE;
  type = JSON_NODE_HOLDS_VALUE (node) ? json_node_get_value_type (node) : G_TYPE_INVALID;
  if (type == G_TYPE_INT64)
    *value = json_node_get_int (node);
  else if (type == G_TYPE_DOUBLE)
    {
      double d = json_node_get_double (node);

      if (d != d || d < -9.0e15 || d > 9.0e15 || (double) (gint64) d != d)
        goto bad;
      *value = (gint64) d;
    }
  else
    goto bad;
  *present = TRUE;
  return TRUE;

bad:
  g_set_error (error, MIMP_ERROR, MIMP_ERROR_BAD_REQUEST, "Field \"%s\" is not an integer", name);
  return FALSE;
}

/* A boolean member; absent or null is %FALSE. */
static gboolean
get_bool (JsonObject *object, const char *name, gboolean *value, GError **error)
{
  JsonNode *node = json_object_get_member (object, name);

  *value = FALSE;
  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return TRUE;
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_BOOLEAN)
    {
      g_set_error (error, MIMP_ERROR, MIMP_ERROR_BAD_REQUEST, "Field \"%s\" is not a boolean",
                   name);
      return FALSE;
    }
  *value = json_node_get_boolean (node);
  return TRUE;
}

/* --- Fast path for the server's requests --------------------------------
 *
 * json-glib costs about 50,000 instructions to parse a 200-byte SM request
 * (profile of mimpd under mimp-bench), more than all the rest of relaying a
 * message but storage. Requests as clients write them are flat objects of
 * strings and integers, so they are read here directly, within a strict
 * subset whose result is certainly the one json-glib gives: plain strings
 * (no \u escape, no control character), integers of at most 15 digits,
 * true/false/null, no nesting, no repeated wanted member, nothing after the
 * object. Anything else, and anything that would be an error (a missing
 * member, a member of another type), goes to json-glib as before, which
 * decides and words the error. mimp_json_check() has run first, so the
 * body is valid UTF-8. */

typedef enum
{
  FAST_ABSENT,
  FAST_STRING,
  FAST_INT,
  FAST_BOOL,  /* true (num 1), false (num 0) */
  FAST_OTHER, /* null */
} FastKind;

typedef struct
{
  const char *name;
  FastKind kind;
  char *str; /* FAST_STRING: unescaped, owned */
  gint64 num;
} FastField;

static void
fast_fields_clear (FastField *fields, guint n)
{
  for (guint i = 0; i < n; i++)
    {
      if (fields[i].str != NULL)
        {
          mimp_secure_wipe (fields[i].str, strlen (fields[i].str));
          g_clear_pointer (&fields[i].str, g_free);
        }
      fields[i].kind = FAST_ABSENT;
    }
}

static gsize
fast_ws (const guint8 *b, gsize len, gsize i)
{
  while (i < len && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r'))
    i++;
  return i;
}

/* A string at b[i] == '"'; returns the index after it, or 0 to bail.
 * With @out, the unescaped text is stored there. */
static gsize
fast_string (const guint8 *b, gsize len, gsize i, char **out)
{
  gsize start = ++i;
  gboolean escaped = FALSE;
  GString *text;

  for (; i < len && b[i] != '"'; i++)
    {
      if (b[i] < 0x20)
        return 0;
      if (b[i] == '\\')
        {
          if (i + 1 >= len || strchr ("\"\\/bfnrt", b[i + 1]) == NULL || b[i + 1] == '\0')
            return 0;
          escaped = TRUE;
          i++;
        }
    }
  if (i >= len)
    return 0;
  if (out == NULL)
    return i + 1;
  if (!escaped)
    {
      *out = g_strndup ((const char *) b + start, i - start);
      return i + 1;
    }
  text = g_string_sized_new (i - start);
  for (gsize k = start; k < i; k++)
    {
      char c = (char) b[k];

      if (c == '\\')
        {
          switch (b[++k])
            {
            case 'b':
              c = '\b';
              break;
            case 'f':
              c = '\f';
              break;
            case 'n':
              c = '\n';
              break;
            case 'r':
              c = '\r';
              break;
            case 't':
              c = '\t';
              break;
            default:
              c = (char) b[k]; /* " \ / */
              break;
            }
        }
      g_string_append_c (text, c);
    }
  *out = g_string_free (text, FALSE);
  return i + 1;
}

/* Reads a flat object; FALSE means "ask json-glib". */
static gboolean
fast_parse_flat (const guint8 *b, gsize len, FastField *fields, guint n_fields)
{
  gsize i = fast_ws (b, len, 0);
  gboolean first = TRUE;

  if (i >= len || b[i] != '{')
    return FALSE;
  i++;
  for (;;)
    {
      FastField *field = NULL;
      gsize key_start, key_len;

      i = fast_ws (b, len, i);
      if (i < len && b[i] == '}' && first)
        break;
      if (i >= len || b[i] != '"')
        goto bail;
      key_start = i + 1;
      if ((i = fast_string (b, len, i, NULL)) == 0)
        goto bail;
      key_len = i - 1 - key_start;
      for (guint f = 0; f < n_fields; f++)
        if (strlen (fields[f].name) == key_len &&
            memcmp (fields[f].name, b + key_start, key_len) == 0)
          field = &fields[f];
      if (field != NULL && field->kind != FAST_ABSENT)
        goto bail; /* repeated */
      i = fast_ws (b, len, i);
      if (i >= len || b[i] != ':')
        goto bail;
      i = fast_ws (b, len, i + 1);
      if (i >= len)
        goto bail;
      if (b[i] == '"')
        {
          char **out = field ? &field->str : NULL;

          if ((i = fast_string (b, len, i, out)) == 0)
            goto bail;
          if (field)
            field->kind = FAST_STRING;
        }
      else if (b[i] == '-' || g_ascii_isdigit (b[i]))
        {
          gboolean negative = b[i] == '-';
          gint64 value = 0;
          gsize digits = 0;

          if (negative)
            i++;
          if (i >= len || !g_ascii_isdigit (b[i]) || b[i] == '0')
            {
              /* A lone 0 is fine; 0 followed by digits, or -0, is not ours. */
              if (i < len && b[i] == '0' && !negative &&
                  (i + 1 >= len || !g_ascii_isdigit (b[i + 1])))
                {
                  i++;
                  digits = 1;
                }
              else
                goto bail;
            }
          /* Past 15 digits the value is not ours (below), and would overflow. */
          for (; i < len && g_ascii_isdigit (b[i]); i++, digits++)
            if (digits < 15)
              value = value * 10 + (b[i] - '0');
          if (digits > 15 || (i < len && (b[i] == '.' || b[i] == 'e' || b[i] == 'E')))
            goto bail;
          if (field)
            {
              field->kind = FAST_INT;
              field->num = negative ? -value : value;
            }
        }
      else if (len - i >= 4 && (memcmp (b + i, "true", 4) == 0 || memcmp (b + i, "null", 4) == 0))
        {
          if (field)
            {
              field->kind = b[i] == 't' ? FAST_BOOL : FAST_OTHER;
              field->num = 1;
            }
          i += 4;
        }
      else if (len - i >= 5 && memcmp (b + i, "false", 5) == 0)
        {
          i += 5;
          if (field)
            {
              field->kind = FAST_BOOL;
              field->num = 0;
            }
        }
      else
        goto bail;
      first = FALSE;
      i = fast_ws (b, len, i);
      if (i < len && b[i] == ',')
        {
          i++;
          continue;
        }
      if (i < len && b[i] == '}')
        break;
      goto bail;
    }
  i = fast_ws (b, len, i + 1);
  if (i != len)
    goto bail;
  return TRUE;

bail:
  fast_fields_clear (fields, n_fields);
  return FALSE;
}

/* The fast path applies: the body passes mimp_json_check() and is a flat
 * object in which every wanted member is absent or of the given kind
 * (absent only if not @required). */
static gboolean
fast_parse_request (const guint8 *body, gsize len, FastField *fields, guint n_fields,
                    const FastKind *kinds, const gboolean *required)
{
  if (len == 0 || !mimp_json_check (body, len, NULL) ||
      !fast_parse_flat (body, len, fields, n_fields))
    return FALSE;
  for (guint f = 0; f < n_fields; f++)
    {
      if (fields[f].kind == FAST_ABSENT ? required[f] : fields[f].kind != kinds[f])
        {
          fast_fields_clear (fields, n_fields);
          return FALSE;
        }
    }
  return TRUE;
}

gboolean
mimp_body_parse_login_request (const guint8 *body, gsize len, MimpLoginRequest *request,
                               GError **error)
{
  g_autoptr (JsonNode) root = NULL;
  JsonObject *object;

  memset (request, 0, sizeof *request);
  {
    FastField f[] = { { "uf" }, { "up" } };
    static const FastKind kinds[] = { FAST_STRING, FAST_STRING };
    static const gboolean required[] = { TRUE, TRUE };

    if (fast_parse_request (body, len, f, G_N_ELEMENTS (f), kinds, required))
      {
        request->user = f[0].str;
        request->password = f[1].str;
        return TRUE;
      }
  }
  if (!(object = parse_object (body, len, &root, error)))
    return FALSE;
  if (!(request->user = get_string (object, "uf", TRUE, error)) ||
      !(request->password = get_string (object, "up", TRUE, error)))
    {
      mimp_login_request_clear (request);
      return FALSE;
    }
  return TRUE;
}

gboolean
mimp_body_parse_send_request (const guint8 *body, gsize len, MimpSendRequest *request,
                              GError **error)
{
  g_autoptr (JsonNode) root = NULL;
  g_autoptr (GError) local_error = NULL;
  JsonObject *object;

  memset (request, 0, sizeof *request);
  {
    FastField f[] = { { "uf" }, { "ut" }, { "ms" }, { "token" }, { "id" }, { "ephemeral" } };
    static const FastKind kinds[] = { FAST_STRING, FAST_STRING, FAST_STRING,
                                      FAST_STRING, FAST_STRING, FAST_BOOL };
    static const gboolean required[] = { TRUE, TRUE, TRUE, TRUE, FALSE, FALSE };

    if (fast_parse_request (body, len, f, G_N_ELEMENTS (f), kinds, required))
      {
        request->from = f[0].str;
        request->to = f[1].str;
        request->text = f[2].str;
        request->token = f[3].str;
        request->client_id = f[4].str;
        request->ephemeral = f[5].kind == FAST_BOOL && f[5].num == 1;
        goto check;
      }
  }
  if (!(object = parse_object (body, len, &root, error)))
    return FALSE;
  if (!(request->from = get_string (object, "uf", TRUE, error)) ||
      !(request->to = get_string (object, "ut", TRUE, error)) ||
      !(request->text = get_string (object, "ms", TRUE, error)) ||
      !(request->token = get_string (object, "token", TRUE, error)))
    goto fail;
  request->client_id = get_string (object, "id", FALSE, &local_error);
  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      goto fail;
    }
  if (!get_bool (object, "ephemeral", &request->ephemeral, error))
    goto fail;
check:
  if (request->text[0] == '\0')
    {
      g_set_error_literal (error, MIMP_ERROR, MIMP_ERROR_BAD_REQUEST, "Message text is empty");
      goto fail;
    }
  if (strlen (request->text) > MIMP_MESSAGE_TEXT_MAX)
    {
      g_set_error (error, MIMP_ERROR, MIMP_ERROR_TOO_LARGE, "Message text is over %d bytes",
                   MIMP_MESSAGE_TEXT_MAX);
      goto fail;
    }
  if (request->client_id != NULL &&
      (request->client_id[0] == '\0' || strlen (request->client_id) > 64))
    {
      g_set_error_literal (error, MIMP_ERROR, MIMP_ERROR_BAD_REQUEST,
                           "Field \"id\" must have 1 to 64 characters");
      goto fail;
    }
  return TRUE;

fail:
  mimp_send_request_clear (request);
  return FALSE;
}

gboolean
mimp_body_parse_get_request (const guint8 *body, gsize len, MimpGetRequest *request, GError **error)
{
  g_autoptr (JsonNode) root = NULL;
  JsonObject *object;
  gboolean present;
  gint64 value = 0;

  memset (request, 0, sizeof *request);
  request->ack = -1;
  {
    FastField f[] = { { "uf" }, { "token" }, { "ack" }, { "wait" } };
    static const FastKind kinds[] = { FAST_STRING, FAST_STRING, FAST_INT, FAST_INT };
    static const gboolean required[] = { TRUE, TRUE, FALSE, FALSE };

    if (fast_parse_request (body, len, f, G_N_ELEMENTS (f), kinds, required))
      {
        request->from = f[0].str;
        request->token = f[1].str;
        if (f[2].kind == FAST_INT)
          request->ack = MAX (f[2].num, 0);
        if (f[3].kind == FAST_INT && f[3].num > 0)
          request->wait = (guint) MIN (f[3].num, MIMP_GU_WAIT_MAX);
        return TRUE;
      }
  }
  if (!(object = parse_object (body, len, &root, error)))
    return FALSE;
  if (!(request->from = get_string (object, "uf", TRUE, error)) ||
      !(request->token = get_string (object, "token", TRUE, error)))
    goto fail;
  if (!get_int (object, "ack", &present, &value, error))
    goto fail;
  if (present)
    request->ack = MAX (value, 0);
  if (!get_int (object, "wait", &present, &value, error))
    goto fail;
  if (present && value > 0)
    request->wait = (guint) MIN (value, MIMP_GU_WAIT_MAX);
  return TRUE;

fail:
  mimp_get_request_clear (request);
  return FALSE;
}

/**
 * mimp_json_append_string:
 *
 * Appends @str as a JSON string literal. @str must be valid UTF-8.
 */
void
mimp_json_append_string (GString *out, const char *str)
{
  static const char hex[] = "0123456789abcdef";
  const char *run = str;
  const char *p;

  g_string_append_c (out, '"');
  for (p = str; *p; p++)
    {
      guchar c = (guchar) *p;
      const char *esc = NULL;

      if (c >= 0x20 && c != '"' && c != '\\')
        continue;
      g_string_append_len (out, run, p - run);
      run = p + 1;
      switch (c)
        {
        case '"':
          esc = "\\\"";
          break;
        case '\\':
          esc = "\\\\";
          break;
        case '\n':
          esc = "\\n";
          break;
        case '\r':
          esc = "\\r";
          break;
        case '\t':
          esc = "\\t";
          break;
        default:
          break;
        }
      if (esc)
        g_string_append (out, esc);
      else
        {
          char u[6] = { '\\', 'u', '0', '0', hex[c >> 4], hex[c & 0xf] };

          g_string_append_len (out, u, sizeof u);
        }
    }
  g_string_append_len (out, run, p - run);
  g_string_append_c (out, '"');
}

/* Decimal digits of @value, without printf's format parsing (servers build
 * several numbers per message). */
static void
append_int (GString *out, gint64 value)
{
  char digits[24];
  char *p = digits + sizeof digits;
  guint64 v = value < 0 ? -(guint64) value : (guint64) value;

  do
    *--p = '0' + v % 10;
  while ((v /= 10) != 0);
  if (value < 0)
    *--p = '-';
  g_string_append_len (out, p, digits + sizeof digits - p);
}

void
mimp_body_append_send_reply (GString *out, const char *id, gint64 timestamp)
{
  g_string_append (out, "{\"id\":");
  mimp_json_append_string (out, id);
  g_string_append (out, ",\"ts\":");
  append_int (out, timestamp);
  g_string_append_c (out, '}');
}

void
mimp_body_append_message (GString *out, const MimpMessage *message)
{
  /* id, seq and ut are optional in a MimpMessage: absent ones are left out. */
  g_string_append_c (out, '{');
  if (message->id != NULL)
    {
      g_string_append (out, "\"id\":");
      mimp_json_append_string (out, message->id);
      g_string_append_c (out, ',');
    }
  if (message->seq >= 0)
    {
      g_string_append (out, "\"seq\":");
      append_int (out, message->seq);
      g_string_append_c (out, ',');
    }
  g_string_append (out, "\"uf\":");
  mimp_json_append_string (out, message->from);
  if (message->to != NULL)
    {
      g_string_append (out, ",\"ut\":");
      mimp_json_append_string (out, message->to);
    }
  g_string_append (out, ",\"ms\":");
  mimp_json_append_string (out, message->text);
  g_string_append (out, ",\"ts\":");
  append_int (out, message->timestamp);
  g_string_append_c (out, '}');
}

void
mimp_body_append_error (GString *out, int code, const char *message)
{
  g_string_append_printf (out, "{\"code\":%d,\"error\":", code);
  mimp_json_append_string (out, message);
  g_string_append_c (out, '}');
}

GBytes *
mimp_body_build_login_request (const char *user, const char *password)
{
  GString *out = g_string_sized_new (64);

  g_string_append (out, "{\"uf\":");
  mimp_json_append_string (out, user);
  g_string_append (out, ",\"up\":");
  mimp_json_append_string (out, password);
  g_string_append_c (out, '}');
  return g_string_free_to_bytes (out);
}

GBytes *
mimp_body_build_send_request (const char *from, const char *to, const char *text, const char *token,
                              const char *client_id)
{
  GString *out = g_string_sized_new (128 + strlen (text));

  g_string_append (out, "{\"uf\":");
  mimp_json_append_string (out, from);
  g_string_append (out, ",\"ut\":");
  mimp_json_append_string (out, to);
  g_string_append (out, ",\"ms\":");
  mimp_json_append_string (out, text);
  g_string_append (out, ",\"token\":");
  mimp_json_append_string (out, token);
  if (client_id != NULL)
    {
      g_string_append (out, ",\"id\":");
      mimp_json_append_string (out, client_id);
    }
  g_string_append_c (out, '}');
  return g_string_free_to_bytes (out);
}

GBytes *
mimp_body_build_get_request (const char *from, const char *token, gint64 ack, guint wait)
{
  GString *out = g_string_sized_new (96);

  g_string_append (out, "{\"uf\":");
  mimp_json_append_string (out, from);
  g_string_append (out, ",\"token\":");
  mimp_json_append_string (out, token);
  if (ack >= 0)
    g_string_append_printf (out, ",\"ack\":%" G_GINT64_FORMAT, ack);
  if (wait > 0)
    g_string_append_printf (out, ",\"wait\":%u", MIN (wait, (guint) MIMP_GU_WAIT_MAX));
  g_string_append_c (out, '}');
  return g_string_free_to_bytes (out);
}

/**
 * mimp_body_build_request:
 * @members: (nullable): JSON object members to follow `uf` and `token`
 *   (`"op":"count","device":3`), already valid JSON
 *
 * The body of an extension request: `{"uf":..,"token":..,MEMBERS}`.
 */
GBytes *
mimp_body_build_request (const char *from, const char *token, const char *members)
{
  GString *out = g_string_sized_new (64 + (members ? strlen (members) : 0));

  g_string_append (out, "{\"uf\":");
  mimp_json_append_string (out, from);
  g_string_append (out, ",\"token\":");
  mimp_json_append_string (out, token);
  if (members != NULL && members[0] != '\0')
    {
      g_string_append_c (out, ',');
      g_string_append (out, members);
    }
  g_string_append_c (out, '}');
  return g_string_free_to_bytes (out);
}

static gboolean
is_printable_ascii (const guint8 *s, gsize len)
{
  for (gsize i = 0; i < len; i++)
    if (s[i] < 0x21 || s[i] > 0x7e)
      return FALSE;
  return TRUE;
}

/**
 * mimp_body_parse_token:
 *
 * A 16-byte body of printable ASCII is the token as-is; a JSON object with a
 * string field `token` is accepted too.
 */
gboolean
mimp_body_parse_token (const guint8 *body, gsize len, char **token, GError **error)
{
  g_autoptr (JsonNode) root = NULL;
  JsonObject *object;
  char *value;

  if (len == MIMP_TOKEN_LENGTH && is_printable_ascii (body, len) && body[0] != '{')
    {
      *token = g_strndup ((const char *) body, len);
      return TRUE;
    }
  object = parse_object (body, len, &root, NULL);
  value = object ? get_string (object, "token", TRUE, NULL) : NULL;
  if (value != NULL && value[0] != '\0' && strlen (value) <= 256 &&
      is_printable_ascii ((const guint8 *) value, strlen (value)))
    {
      *token = value;
      return TRUE;
    }
  g_free (value);
  g_set_error_literal (error, MIMP_ERROR, MIMP_ERROR_INVALID_TOKEN,
                       "The server sent a session token this client cannot use");
  return FALSE;
}

/**
 * mimp_body_parse_send_reply:
 *
 * Any SM reply is success; `id` and `ts` are taken when the body is a JSON
 * object that has them (otherwise %NULL and 0).
 */
gboolean
mimp_body_parse_send_reply (const guint8 *body, gsize len, char **id, gint64 *timestamp,
                            GError **error)
{
  g_autoptr (JsonNode) root = NULL;
  JsonObject *object;
  gboolean present = FALSE;
  gint64 ts = 0;

  *id = NULL;
  *timestamp = 0;
  if (len == 0)
    return TRUE;
  object = parse_object (body, len, &root, NULL);
  if (object == NULL)
    return TRUE;
  *id = get_string (object, "id", FALSE, NULL);
  if (get_int (object, "ts", &present, &ts, NULL) && present)
    *timestamp = ts;
  return TRUE;
}

static MimpMessage *
message_from_node (JsonNode *node, gint64 now, GError **error)
{
  g_autoptr (MimpMessage) message = NULL;
  g_autoptr (GError) local_error = NULL;
  JsonObject *object;
  gboolean present;
  gint64 value = 0;

  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      g_set_error_literal (error, MIMP_ERROR, MIMP_ERROR_PROTOCOL,
                           "A message in the server's reply is not a JSON object");
      return NULL;
    }
  object = json_node_get_object (node);
  message = g_new0 (MimpMessage, 1);
  message->seq = -1;
  message->timestamp = now;
  if (!(message->from = get_string (object, "uf", TRUE, &local_error)) ||
      !(message->text = get_string (object, "ms", TRUE, &local_error)))
    goto bad;
  message->id = get_string (object, "id", FALSE, &local_error);
  if (local_error)
    goto bad;
  message->to = get_string (object, "ut", FALSE, &local_error);
  if (local_error)
    goto bad;
  if (!get_int (object, "seq", &present, &value, &local_error))
    goto bad;
  if (present && value >= 0)
    message->seq = value;
  if (!get_int (object, "ts", &present, &value, &local_error))
    goto bad;
  if (present)
    message->timestamp = value;
  if (!get_bool (object, "ephemeral", &message->ephemeral, &local_error))
    goto bad;
  return g_steal_pointer (&message);

bad:
  g_set_error (error, MIMP_ERROR, MIMP_ERROR_PROTOCOL,
               "A message in the server's reply is invalid: %s", local_error->message);
  return NULL;
}

/**
 * mimp_body_parse_get_reply:
 * @now: the timestamp for messages that carry none
 * @messages: (out): a #GPtrArray of #MimpMessage, oldest first
 * @more: (out): whether the server has more waiting
 *
 * Accepts `{"messages": [...], "more": bool}` and a bare array; an empty body
 * is read as no message.
 */
gboolean
mimp_body_parse_get_reply (const guint8 *body, gsize len, gint64 now, GPtrArray **messages,
                           gboolean *more, GError **error)
{
  g_autoptr (JsonNode) root = NULL;
  g_autoptr (GPtrArray) list = g_ptr_array_new_with_free_func ((GDestroyNotify) mimp_message_free);
  g_autoptr (GError) local_error = NULL;
  JsonArray *array = NULL;

  *more = FALSE;
  if (len == 0)
    {
      *messages = g_steal_pointer (&list);
      return TRUE;
    }
  if (!(root = parse_json (body, len, &local_error)))
    {
      g_set_error (error, MIMP_ERROR, MIMP_ERROR_PROTOCOL,
                   "The server's unread messages are not valid: %s", local_error->message);
      return FALSE;
    }
  if (JSON_NODE_HOLDS_ARRAY (root))
    array = json_node_get_array (root);
  else if (JSON_NODE_HOLDS_OBJECT (root))
    {
      JsonObject *object = json_node_get_object (root);
      JsonNode *node = json_object_get_member (object, "messages");
      JsonNode *more_node = json_object_get_member (object, "more");

      if (node != NULL && JSON_NODE_HOLDS_ARRAY (node))
        array = json_node_get_array (node);
      else if (node != NULL && !JSON_NODE_HOLDS_NULL (node))
        {
          g_set_error_literal (error, MIMP_ERROR, MIMP_ERROR_PROTOCOL,
                               "The server's unread messages are not a list");
          return FALSE;
        }
      if (more_node != NULL && JSON_NODE_HOLDS_VALUE (more_node) &&
          json_node_get_value_type (more_node) == G_TYPE_BOOLEAN)
        *more = json_node_get_boolean (more_node);
    }
  else
    {
      g_set_error_literal (error, MIMP_ERROR, MIMP_ERROR_PROTOCOL,
                           "The server's unread messages are neither a list nor an object");
      return FALSE;
    }

  for (guint i = 0; array != NULL && i < json_array_get_length (array); i++)
    {
      MimpMessage *message = message_from_node (json_array_get_element (array, i), now, error);

      if (message == NULL)
        return FALSE;
      g_ptr_array_add (list, message);
    }
  *messages = g_steal_pointer (&list);
  return TRUE;
}

/**
 * mimp_body_parse_error:
 *
 * Reads `{"code": N, "error": "..."}`. Returns %FALSE when the body has no
 * integer code; @message is %NULL when absent.
 */
gboolean
mimp_body_parse_error (const guint8 *body, gsize len, int *code, char **message)
{
  g_autoptr (JsonNode) root = NULL;
  JsonObject *object;
  gboolean present = FALSE;
  gint64 value = 0;

  *code = 0;
  *message = NULL;
  if (!(object = parse_object (body, len, &root, NULL)))
    return FALSE;
  if (!get_int (object, "code", &present, &value, NULL) || !present || value < 0 || value > 999)
    return FALSE;
  *code = (int) value;
  *message = get_string (object, "error", FALSE, NULL);
  return TRUE;
}
