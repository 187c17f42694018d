/* mimpd-keys.c
 *
 * Decisions where the extension leaves room:
 * - Keys and signatures are standard base64 with padding, read strictly
 *   (GLib's decoder skips characters it does not know, which would accept
 *   anything): empty, misspelt or misaligned input is 400; a key over 64
 *   bytes or a signature over 128 is 413, like too many one-time prekeys.
 * - Members a request does not need are ignored, as elsewhere in MIMP.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "mimpd"

#include "config.h"

#include <string.h>

#include "mimpd-keys.h"

#define DEVICE_MAX G_GINT64_CONSTANT (2147483647)
#define UINT32_MAX_VALUE G_GINT64_CONSTANT (4294967295)

void
mimpd_keys_request_clear (MimpdKeysRequest *request)
{
  g_clear_pointer (&request->from, g_free);
  g_clear_pointer (&request->token, mimp_secure_free_string);
  g_clear_pointer (&request->bundle, mimpd_key_bundle_free);
  g_clear_pointer (&request->user, g_free);
  request->device = 0;
}

static JsonObject *
parse_object (const guint8 *body, gsize len, JsonNode **root, GError **error)
{
  *root = NULL;
  if (len > MIMPD_KEYS_MAX_BODY)
    {
      g_set_error (error, MIMP_ERROR, MIMP_ERROR_TOO_LARGE, "Request over %d bytes",
                   MIMPD_KEYS_MAX_BODY);
      return NULL;
    }
  /* UTF-8, no NUL, nesting bounded: checked before any parser sees it. */
  return mimp_json_parse_object (body, len, root, error);
}

static const char *
get_string (JsonObject *object, const char *name, GError **error)
{
  JsonNode *node = json_object_get_member (object, name);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_STRING)
    {
      g_set_error (error, MIMP_ERROR, MIMP_ERROR_BAD_REQUEST,
                   node == NULL ? "Missing field \"%s\"" : "Field \"%s\" is not a string", name);
      return NULL;
    }
  return json_node_get_string (node);
}

static JsonObject *
get_object (JsonObject *object, const char *name, GError **error)
{
  JsonNode *node = json_object_get_member (object, name);

  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    {
      g_set_error (error, MIMP_ERROR, MIMP_ERROR_BAD_REQUEST,
                   node == NULL ? "Missing field \"%s\"" : "Field \"%s\" is not an object", name);
      return NULL;
    }
  return json_node_get_object (node);
}

/* An integer member within [@min, @max]. */
static gboolean
get_int (JsonObject *object, const char *name, gint64 min, gint64 max, gint64 *value,
         GError **error)
{
  JsonNode *node = json_object_get_member (object, name);
  GType type = node && JSON_NODE_HOLDS_VALUE (node) ? json_node_get_value_type (node) : 0;
  gint64 v;

  if (type == G_TYPE_INT64)
    v = json_node_get_int (node);
  else if (type == G_TYPE_DOUBLE)
    {
      double d = json_node_get_double (node);

      if (d != d || d < -9.0e15 || d > 9.0e15 || (double) (gint64) d != d)
        goto bad;
      v = (gint64) d;
    }
  else
    goto bad;
  if (v < min || v > max)
    goto bad;
  *value = v;
  return TRUE;

bad:
  g_set_error (error, MIMP_ERROR, MIMP_ERROR_BAD_REQUEST,
               node == NULL ? "Missing field \"%s\""
                            : "Field \"%s\" is not an integer in the allowed range",
               name);
  return FALSE;
}

static gboolean
is_b64_char (char c)
{
  return g_ascii_isalnum (c) || c == '+' || c == '/';
}

/* Standard base64 with padding, strictly; 1 to @max decoded bytes. */
static GBytes *
get_b64 (JsonObject *object, const char *name, gsize max, GError **error)
{
  const char *text = get_string (object, name, error);
  gsize len, pad = 0, out_len = 0;
  guchar *out;

  if (text == NULL)
    return NULL;
  len = strlen (text);
  /* Longer than any acceptable value: refuse before decoding. */
  if (len > (max + 2) / 3 * 4)
    {
      g_set_error (error, MIMP_ERROR, MIMP_ERROR_TOO_LARGE,
                   "Field \"%s\" is over %" G_GSIZE_FORMAT " bytes", name, max);
      return NULL;
    }
  if (len > 0 && text[len - 1] == '=')
    pad = len > 1 && text[len - 2] == '=' ? 2 : 1;
  if (len == 0 || len % 4 != 0)
    goto bad;
  for (gsize i = 0; i < len - pad; i++)
    if (!is_b64_char (text[i]))
      goto bad;
  out = g_base64_decode (text, &out_len);
  if (out_len == 0 || out_len > max)
    {
      g_free (out);
      if (out_len == 0)
        goto bad;
      g_set_error (error, MIMP_ERROR, MIMP_ERROR_TOO_LARGE,
                   "Field \"%s\" is over %" G_GSIZE_FORMAT " bytes", name, max);
      return NULL;
    }
  return g_bytes_new_take (out, out_len);

bad:
  g_set_error (error, MIMP_ERROR, MIMP_ERROR_BAD_REQUEST, "Field \"%s\" is not base64", name);
  return NULL;
}

static gboolean
parse_bundle (JsonObject *object, MimpdKeyBundle *bundle, GError **error)
{
  JsonObject *spk;
  JsonNode *pk_node;
  gint64 v = 0;

  if (!get_int (object, "device", 1, DEVICE_MAX, &v, error))
    return FALSE;
  bundle->device = (guint32) v;
  if (!get_int (object, "reg", 0, UINT32_MAX_VALUE, &v, error))
    return FALSE;
  bundle->reg = (guint32) v;
  if (!(bundle->ik = get_b64 (object, "ik", MIMPD_KEYS_MAX_KEY_BYTES, error)))
    return FALSE;
  if (!(spk = get_object (object, "spk", error)))
    return FALSE;
  if (!get_int (spk, "id", 0, UINT32_MAX_VALUE, &v, error))
    return FALSE;
  bundle->spk_id = (guint32) v;
  if (!(bundle->spk = get_b64 (spk, "key", MIMPD_KEYS_MAX_KEY_BYTES, error)) ||
      !(bundle->spk_sig = get_b64 (spk, "sig", MIMPD_KEYS_MAX_SIG_BYTES, error)))
    return FALSE;

  pk_node = json_object_get_member (object, "pk");
  if (pk_node == NULL || JSON_NODE_HOLDS_NULL (pk_node))
    return TRUE;
  if (!JSON_NODE_HOLDS_ARRAY (pk_node))
    {
      g_set_error_literal (error, MIMP_ERROR, MIMP_ERROR_BAD_REQUEST, "Field \"pk\" is not a list");
      return FALSE;
    }
  if (json_array_get_length (json_node_get_array (pk_node)) > MIMPD_KEYS_MAX_PREKEYS_PER_REQUEST)
    {
      g_set_error (error, MIMP_ERROR, MIMP_ERROR_TOO_LARGE,
                   "At most %d one-time prekeys per request", MIMPD_KEYS_MAX_PREKEYS_PER_REQUEST);
      return FALSE;
    }
  for (guint i = 0; i < json_array_get_length (json_node_get_array (pk_node)); i++)
    {
      JsonNode *node = json_array_get_element (json_node_get_array (pk_node), i);
      MimpdPreKey pk = { 0 };

      if (!JSON_NODE_HOLDS_OBJECT (node))
        {
          g_set_error_literal (error, MIMP_ERROR, MIMP_ERROR_BAD_REQUEST,
                               "A one-time prekey is not an object");
          return FALSE;
        }
      if (!get_int (json_node_get_object (node), "id", 0, UINT32_MAX_VALUE, &v, error))
        return FALSE;
      pk.id = (guint32) v;
      if (!(pk.key = get_b64 (json_node_get_object (node), "key", MIMPD_KEYS_MAX_KEY_BYTES, error)))
        return FALSE;
      g_array_append_val (bundle->prekeys, pk);
    }
  return TRUE;
}

/**
 * mimpd_keys_parse_request:
 *
 * Reads a KEYS request: `uf`, `token`, `op` and what the op needs.
 */
gboolean
mimpd_keys_parse_request (const guint8 *body, gsize len, MimpdKeysRequest *request, GError **error)
{
  g_autoptr (JsonNode) root = NULL;
  JsonObject *object;
  const char *op;
  const char *s;
  gint64 v = 0;

  memset (request, 0, sizeof *request);
  if (!(object = parse_object (body, len, &root, error)))
    return FALSE;
  if (!(s = get_string (object, "uf", error)))
    goto fail;
  request->from = g_strdup (s);
  if (!(s = get_string (object, "token", error)))
    goto fail;
  request->token = g_strdup (s);
  if (!(op = get_string (object, "op", error)))
    goto fail;

  if (strcmp (op, "publish") == 0)
    {
      JsonObject *bundle = get_object (object, "bundle", error);

      request->op = MIMPD_KEYS_OP_PUBLISH;
      if (bundle == NULL)
        goto fail;
      request->bundle = mimpd_key_bundle_new ();
      if (!parse_bundle (bundle, request->bundle, error))
        goto fail;
    }
  else if (strcmp (op, "fetch") == 0)
    {
      request->op = MIMPD_KEYS_OP_FETCH;
      if (!(s = get_string (object, "user", error)))
        goto fail;
      request->user = g_strdup (s);
    }
  else if (strcmp (op, "count") == 0)
    {
      request->op = MIMPD_KEYS_OP_COUNT;
      if (!get_int (object, "device", 1, DEVICE_MAX, &v, error))
        goto fail;
      request->device = (guint32) v;
    }
  else
    {
      g_set_error_literal (error, MIMP_ERROR, MIMP_ERROR_BAD_REQUEST,
                           "Field \"op\" is not publish, fetch or count");
      goto fail;
    }
  return TRUE;

fail:
  mimpd_keys_request_clear (request);
  return FALSE;
}

gboolean
mimpd_features_parse_request (const guint8 *body, gsize len, char **from, char **token,
                              GError **error)
{
  g_autoptr (JsonNode) root = NULL;
  JsonObject *object;
  const char *uf, *tok;

  *from = *token = NULL;
  if (!(object = parse_object (body, len, &root, error)))
    return FALSE;
  if (!(uf = get_string (object, "uf", error)) || !(tok = get_string (object, "token", error)))
    return FALSE;
  *from = g_strdup (uf);
  *token = g_strdup (tok);
  return TRUE;
}

static void
append_b64 (GString *out, GBytes *bytes)
{
  gsize len = 0;
  const guchar *data = g_bytes_get_data (bytes, &len);
  g_autofree char *text = g_base64_encode (data, len);

  g_string_append_c (out, '"');
  g_string_append (out, text);
  g_string_append_c (out, '"');
}

void
mimpd_keys_append_publish_reply (GString *out, gint64 left)
{
  g_string_append_printf (out, "{\"op\":\"publish\",\"left\":%" G_GINT64_FORMAT "}", left);
}

void
mimpd_keys_append_fetch_reply (GString *out, const char *user, GPtrArray *devices)
{
  g_string_append (out, "{\"op\":\"fetch\",\"user\":");
  mimp_json_append_string (out, user);
  g_string_append (out, ",\"devices\":[");
  for (guint i = 0; i < devices->len; i++)
    {
      MimpdKeyBundle *b = devices->pdata[i];

      if (i > 0)
        g_string_append_c (out, ',');
      g_string_append_printf (out, "{\"device\":%u,\"ik\":", b->device);
      append_b64 (out, b->ik);
      g_string_append_printf (out, ",\"reg\":%u,\"spk\":{\"id\":%u,\"key\":", b->reg, b->spk_id);
      append_b64 (out, b->spk);
      g_string_append (out, ",\"sig\":");
      append_b64 (out, b->spk_sig);
      g_string_append (out, "},\"pk\":");
      if (b->prekeys->len > 0)
        {
          MimpdPreKey *pk = &g_array_index (b->prekeys, MimpdPreKey, 0);

          g_string_append_printf (out, "{\"id\":%u,\"key\":", pk->id);
          append_b64 (out, pk->key);
          g_string_append_c (out, '}');
        }
      else
        g_string_append (out, "null");
      g_string_append_c (out, '}');
    }
  g_string_append (out, "]}");
}

void
mimpd_keys_append_count_reply (GString *out, guint32 device, gint64 left)
{
  g_string_append_printf (out, "{\"op\":\"count\",\"device\":%u,\"left\":%" G_GINT64_FORMAT "}",
                          device, left);
}

void
mimpd_features_append_reply (GString *out, gboolean keys, gboolean ephemeral, gboolean push)
{
  const char *names[] = { keys ? "keys" : NULL, ephemeral ? "ephemeral" : NULL,
                          push ? "push" : NULL };
  gboolean first = TRUE;

  g_string_append (out, "{\"features\":[");
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      if (names[i] == NULL)
        continue;
      g_string_append_printf (out, first ? "\"%s\"" : ",\"%s\"", names[i]);
      first = FALSE;
    }
  g_string_append (out, "]}");
}
