/* test-body.c - building and parsing the JSON bodies
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include <json-glib/json-glib.h>

#include "mimp.h"

/* Awkward text: quotes, backslash, every kind of control character, DEL,
 * and non-ASCII UTF-8 (2, 3 and 4 bytes), which is written as it is. */
#define AWKWARD "a\"b\\c/d\n\r\t\x01\x1f\x7f é€😀"
#define AWKWARD_JSON "\"a\\\"b\\\\c/d\\n\\r\\t\\u0001\\u001f\x7f é€😀\""

static const guint8 *
u8 (const char *str)
{
  return (const guint8 *) str;
}

static void
assert_bytes (GBytes *bytes, const char *expected)
{
  gsize len = 0;
  const char *data = g_bytes_get_data (bytes, &len);

  g_assert_cmpmem (data, len, expected, strlen (expected));
}

/* Parses @bytes with json-glib, independently of libmimp. */
static JsonNode *
json_parse (const char *data, gsize len)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GError) error = NULL;

  g_assert_true (json_parser_load_from_data (parser, data, (gssize) len, &error));
  g_assert_no_error (error);
  return json_node_ref (json_parser_get_root (parser));
}

static JsonNode *
json_parse_bytes (GBytes *bytes)
{
  gsize len = 0;
  const char *data = g_bytes_get_data (bytes, &len);

  return json_parse (data, len);
}

static GString *
string_new_with (const char *prefix, char fill, gsize count, const char *suffix)
{
  GString *s = g_string_new (prefix);

  for (gsize i = 0; i < count; i++)
    g_string_append_c (s, fill);
  g_string_append (s, suffix);
  return s;
}

/* Writers */

static void
test_json_string (void)
{
  g_autoptr (GString) out = g_string_new ("x");
  g_autoptr (JsonNode) node = NULL;

  mimp_json_append_string (out, AWKWARD);
  g_assert_cmpstr (out->str, ==, "x" AWKWARD_JSON);

  node = json_parse (out->str + 1, out->len - 1);
  g_assert_cmpstr (json_node_get_string (node), ==, AWKWARD);

  g_string_truncate (out, 0);
  mimp_json_append_string (out, "");
  g_assert_cmpstr (out->str, ==, "\"\"");

  /* Every control character, escaped and read back. */
  for (guint c = 1; c < 0x20; c++)
    {
      char in[4] = { 'a', (char) c, 'b', 0 };
      g_autoptr (JsonNode) back = NULL;

      g_string_truncate (out, 0);
      mimp_json_append_string (out, in);
      for (gsize i = 0; i < out->len; i++)
        g_assert_cmpuint ((guchar) out->str[i], >=, 0x20);
      back = json_parse (out->str, out->len);
      g_assert_cmpstr (json_node_get_string (back), ==, in);
    }
}

static void
test_build_login (void)
{
  g_autoptr (GBytes) plain = mimp_body_build_login_request ("alice", "secret");
  g_autoptr (GBytes) awkward = mimp_body_build_login_request ("bob", AWKWARD);
  g_autoptr (JsonNode) node = NULL;
  JsonObject *object;

  assert_bytes (plain, "{\"uf\":\"alice\",\"up\":\"secret\"}");
  assert_bytes (awkward, "{\"uf\":\"bob\",\"up\":" AWKWARD_JSON "}");

  node = json_parse_bytes (awkward);
  object = json_node_get_object (node);
  g_assert_cmpuint (json_object_get_size (object), ==, 2);
  g_assert_cmpstr (json_object_get_string_member (object, "uf"), ==, "bob");
  g_assert_cmpstr (json_object_get_string_member (object, "up"), ==, AWKWARD);
}

static void
test_build_send (void)
{
  g_autoptr (GBytes) plain =
      mimp_body_build_send_request ("alice", "bob", "hi", "ABCDEFGHijkl0123", NULL);
  g_autoptr (GBytes) with_id = mimp_body_build_send_request (
      "alice", "bob", AWKWARD, "ABCDEFGHijkl0123", "0b6f1c9e-3c1d-4a8e-9f3a-2f6d1e0c7b5a");
  g_autoptr (JsonNode) node = NULL;
  JsonObject *object;

  assert_bytes (plain,
                "{\"uf\":\"alice\",\"ut\":\"bob\",\"ms\":\"hi\",\"token\":\"ABCDEFGHijkl0123\"}");
  assert_bytes (with_id, "{\"uf\":\"alice\",\"ut\":\"bob\",\"ms\":" AWKWARD_JSON
                         ",\"token\":\"ABCDEFGHijkl0123\","
                         "\"id\":\"0b6f1c9e-3c1d-4a8e-9f3a-2f6d1e0c7b5a\"}");

  node = json_parse_bytes (with_id);
  object = json_node_get_object (node);
  g_assert_cmpuint (json_object_get_size (object), ==, 5);
  g_assert_cmpstr (json_object_get_string_member (object, "ms"), ==, AWKWARD);
  g_assert_cmpstr (json_object_get_string_member (object, "id"), ==,
                   "0b6f1c9e-3c1d-4a8e-9f3a-2f6d1e0c7b5a");
}

static void
test_build_get (void)
{
  struct
  {
    gint64 ack;
    guint wait;
    const char *expected;
  } cases[] = {
    { -1, 0, "{\"uf\":\"alice\",\"token\":\"T\"}" },
    { -5, 0, "{\"uf\":\"alice\",\"token\":\"T\"}" },
    { 0, 0, "{\"uf\":\"alice\",\"token\":\"T\",\"ack\":0}" },
    { 17, 0, "{\"uf\":\"alice\",\"token\":\"T\",\"ack\":17}" },
    { G_GINT64_CONSTANT (9007199254740991), 0,
      "{\"uf\":\"alice\",\"token\":\"T\",\"ack\":9007199254740991}" },
    { -1, 25, "{\"uf\":\"alice\",\"token\":\"T\",\"wait\":25}" },
    { -1, 1, "{\"uf\":\"alice\",\"token\":\"T\",\"wait\":1}" },
    { -1, 60, "{\"uf\":\"alice\",\"token\":\"T\",\"wait\":60}" },
    { -1, 61, "{\"uf\":\"alice\",\"token\":\"T\",\"wait\":60}" },
    { -1, G_MAXUINT, "{\"uf\":\"alice\",\"token\":\"T\",\"wait\":60}" },
    { 3, 25, "{\"uf\":\"alice\",\"token\":\"T\",\"ack\":3,\"wait\":25}" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GBytes) bytes =
          mimp_body_build_get_request ("alice", "T", cases[i].ack, cases[i].wait);
      g_autoptr (JsonNode) node = json_parse_bytes (bytes);

      assert_bytes (bytes, cases[i].expected);
      g_assert_true (JSON_NODE_HOLDS_OBJECT (node));
    }
}

static void
test_build_replies (void)
{
  g_autoptr (GString) out = g_string_new (NULL);
  g_autoptr (MimpMessage) full =
      mimp_message_new ("m-1", 17, "alice", "bob", AWKWARD, G_GINT64_CONSTANT (1763769600000));
  g_autoptr (MimpMessage) bare = mimp_message_new (NULL, -1, "alice", NULL, "hi", 5);
  g_autoptr (JsonNode) node = NULL;
  JsonObject *object;

  mimp_body_append_send_reply (out, "m-1", G_GINT64_CONSTANT (1763769600000));
  g_assert_cmpstr (out->str, ==, "{\"id\":\"m-1\",\"ts\":1763769600000}");

  g_string_truncate (out, 0);
  mimp_body_append_error (out, 401, "Wrong \"user\" or password");
  g_assert_cmpstr (out->str, ==, "{\"code\":401,\"error\":\"Wrong \\\"user\\\" or password\"}");

  g_string_truncate (out, 0);
  mimp_body_append_message (out, full);
  g_assert_cmpstr (out->str, ==,
                   "{\"id\":\"m-1\",\"seq\":17,\"uf\":\"alice\",\"ut\":\"bob\",\"ms\":" AWKWARD_JSON
                   ",\"ts\":1763769600000}");
  node = json_parse (out->str, out->len);
  object = json_node_get_object (node);
  g_assert_cmpint (json_object_get_int_member (object, "seq"), ==, 17);
  g_assert_cmpint (json_object_get_int_member (object, "ts"), ==, 1763769600000);
  g_assert_cmpstr (json_object_get_string_member (object, "ms"), ==, AWKWARD);

  /* A message without id, seq or recipient leaves them out. */
  g_string_truncate (out, 0);
  mimp_body_append_message (out, bare);
  g_assert_cmpstr (out->str, ==, "{\"uf\":\"alice\",\"ms\":\"hi\",\"ts\":5}");
}

static void
test_message_boxed (void)
{
  g_autoptr (MimpMessage) message = mimp_message_new ("id", 3, "alice", "bob", "text", 42);
  g_autoptr (MimpMessage) copy = NULL;

  g_assert_true (G_TYPE_IS_BOXED (MIMP_TYPE_MESSAGE));
  copy = g_boxed_copy (MIMP_TYPE_MESSAGE, message);
  g_assert_true (copy != message);
  g_assert_true (copy->text != message->text);
  g_assert_cmpstr (copy->id, ==, "id");
  g_assert_cmpint (copy->seq, ==, 3);
  g_assert_cmpstr (copy->from, ==, "alice");
  g_assert_cmpstr (copy->to, ==, "bob");
  g_assert_cmpstr (copy->text, ==, "text");
  g_assert_cmpint (copy->timestamp, ==, 42);
  mimp_message_free (NULL);
}

/* Building then parsing gives back what went in. */
static void
test_round_trip (void)
{
  g_autoptr (GBytes) login = mimp_body_build_login_request ("alice", AWKWARD);
  g_autoptr (GBytes) send = mimp_body_build_send_request ("alice", "bob", AWKWARD, "tok", "cid");
  g_autoptr (GBytes) get = mimp_body_build_get_request ("alice", "tok", 9, 30);
  g_autoptr (GString) reply = g_string_new ("{\"messages\":[");
  g_autoptr (GPtrArray) messages = NULL;
  g_autoptr (GError) error = NULL;
  MimpLoginRequest lr;
  MimpSendRequest sr;
  MimpGetRequest gr;
  gboolean more = TRUE;
  gsize len;
  const guint8 *data;

  data = g_bytes_get_data (login, &len);
  g_assert_true (mimp_body_parse_login_request (data, len, &lr, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (lr.user, ==, "alice");
  g_assert_cmpstr (lr.password, ==, AWKWARD);
  mimp_login_request_clear (&lr);
  g_assert_null (lr.user);
  g_assert_null (lr.password);

  data = g_bytes_get_data (send, &len);
  g_assert_true (mimp_body_parse_send_request (data, len, &sr, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (sr.from, ==, "alice");
  g_assert_cmpstr (sr.to, ==, "bob");
  g_assert_cmpstr (sr.text, ==, AWKWARD);
  g_assert_cmpstr (sr.token, ==, "tok");
  g_assert_cmpstr (sr.client_id, ==, "cid");
  mimp_send_request_clear (&sr);

  data = g_bytes_get_data (get, &len);
  g_assert_true (mimp_body_parse_get_request (data, len, &gr, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (gr.from, ==, "alice");
  g_assert_cmpstr (gr.token, ==, "tok");
  g_assert_cmpint (gr.ack, ==, 9);
  g_assert_cmpuint (gr.wait, ==, 30);
  mimp_get_request_clear (&gr);

  for (guint i = 0; i < 3; i++)
    {
      g_autofree char *id = g_strdup_printf ("m%u", i);
      g_autoptr (MimpMessage) m = mimp_message_new (id, 100 + i, "bob", "alice", AWKWARD, 1000 * i);

      if (i > 0)
        g_string_append_c (reply, ',');
      mimp_body_append_message (reply, m);
    }
  g_string_append (reply, "],\"more\":true}");
  g_assert_true (
      mimp_body_parse_get_reply (u8 (reply->str), reply->len, 7, &messages, &more, &error));
  g_assert_no_error (error);
  g_assert_true (more);
  g_assert_cmpuint (messages->len, ==, 3);
  for (guint i = 0; i < 3; i++)
    {
      MimpMessage *m = g_ptr_array_index (messages, i);
      g_autofree char *id = g_strdup_printf ("m%u", i);

      g_assert_cmpstr (m->id, ==, id);
      g_assert_cmpint (m->seq, ==, 100 + i);
      g_assert_cmpstr (m->from, ==, "bob");
      g_assert_cmpstr (m->to, ==, "alice");
      g_assert_cmpstr (m->text, ==, AWKWARD);
      g_assert_cmpint (m->timestamp, ==, 1000 * i);
    }
}

/* Server side: what every parser must refuse */

typedef gboolean (*ParseFunc) (const guint8 *body, gsize len, GError **error);

static gboolean
parse_login (const guint8 *body, gsize len, GError **error)
{
  MimpLoginRequest request;
  gboolean ok = mimp_body_parse_login_request (body, len, &request, error);

  if (ok)
    mimp_login_request_clear (&request);
  else
    g_assert_true (request.user == NULL && request.password == NULL);
  return ok;
}

static gboolean
parse_send (const guint8 *body, gsize len, GError **error)
{
  MimpSendRequest request;
  gboolean ok = mimp_body_parse_send_request (body, len, &request, error);

  if (ok)
    mimp_send_request_clear (&request);
  else
    g_assert_true (request.from == NULL && request.to == NULL && request.text == NULL &&
                   request.token == NULL && request.client_id == NULL);
  return ok;
}

static gboolean
parse_get (const guint8 *body, gsize len, GError **error)
{
  MimpGetRequest request;
  gboolean ok = mimp_body_parse_get_request (body, len, &request, error);

  if (ok)
    mimp_get_request_clear (&request);
  else
    g_assert_true (request.from == NULL && request.token == NULL);
  return ok;
}

static void
assert_rejected_len (ParseFunc parse, const guint8 *body, gsize len, int code)
{
  g_autoptr (GError) error = NULL;

  if (parse (body, len, &error))
    g_error ("accepted: %.*s", (int) MIN (len, 200), body);
  g_assert_error (error, MIMP_ERROR, code);
  g_assert_nonnull (error->message);
}

static void
assert_rejected (ParseFunc parse, const char *body, int code)
{
  assert_rejected_len (parse, u8 (body), strlen (body), code);
}

static void
assert_accepted (ParseFunc parse, const char *body)
{
  g_autoptr (GError) error = NULL;

  if (!parse (u8 (body), strlen (body), &error))
    g_error ("rejected: %s: %s", body, error->message);
}

/* Bodies that are not a JSON object at all, for every request parser. */
static void
test_requests_not_objects (void)
{
  static const char *const bad[] = {
    "",
    " ",
    "\n\t ",
    "null",
    "true",
    "42",
    "\"uf\"",
    "[]",
    "[{\"uf\":\"alice\",\"up\":\"x\",\"ut\":\"bob\",\"ms\":\"hi\",\"token\":\"t\"}]",
    "{",
    "}",
    "{\"uf\":",
    "{\"uf\":\"alice\"",
    "{uf:\"alice\"}",
    "{'uf':'alice','up':'x'}",
    "{\"uf\":\"alice\",}",
    "hello",
    "GET / HTTP/1.1\r\n\r\n",
    "{\"uf\":\"alice\",\"up\":\"x\",\"ut\":\"bob\",\"ms\":\"hi\",\"token\":\"t\"} trailing",
    "/* c */{\"uf\":\"alice\",\"up\":\"x\",\"ut\":\"bob\",\"ms\":\"hi\",\"token\":\"t\"}",
    "var a = {\"uf\":\"alice\",\"up\":\"x\",\"ut\":\"bob\",\"ms\":\"hi\",\"token\":\"t\"};",
  };
  static const ParseFunc parsers[] = { parse_login, parse_send, parse_get };

  for (guint p = 0; p < G_N_ELEMENTS (parsers); p++)
    {
      for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
        assert_rejected (parsers[p], bad[i], MIMP_ERROR_BAD_REQUEST);
      /* An empty body with a NULL pointer. */
      assert_rejected_len (parsers[p], NULL, 0, MIMP_ERROR_BAD_REQUEST);
    }
}

/* Bytes that are not UTF-8 or that hold a NUL. */
static void
test_requests_bad_bytes (void)
{
  static const char ok[] =
      "{\"uf\":\"alice\",\"up\":\"x\",\"ut\":\"bob\",\"ms\":\"hi\",\"token\":\"t\"}";
  static const char *const bad[] = {
    "{\"uf\":\"al\xffice\",\"up\":\"x\",\"ut\":\"bob\",\"ms\":\"hi\",\"token\":\"t\"}",
    "{\"uf\":\"alice\",\"up\":\"\xc3\",\"ut\":\"bob\",\"ms\":\"hi\",\"token\":\"t\"}",
    "{\"uf\":\"alice\",\"up\":\"x\",\"ut\":\"bob\",\"ms\":\"\xed\xa0\x80\",\"token\":\"t\"}",
    "{\"uf\":\"alice\",\"up\":\"x\",\"ut\":\"bob\",\"ms\":\"\xc0\xaf\",\"token\":\"t\"}",
    "{\"uf\":\"alice\",\"up\":\"x\",\"ut\":\"bob\",\"ms\":\"\xf4\x90\x80\x80\",\"token\":\"t\"}",
    "\xef\xbb\xbf{\"uf\":\"alice\",\"up\":\"x\",\"ut\":\"bob\",\"ms\":\"hi\",\"token\":\"t\"}",
  };
  static const ParseFunc parsers[] = { parse_login, parse_send, parse_get };
  g_autofree guint8 *with_nul = NULL;
  gsize len = strlen (ok);

  for (guint p = 0; p < G_N_ELEMENTS (parsers); p++)
    {
      assert_accepted (parsers[p], ok);
      for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
        assert_rejected (parsers[p], bad[i], MIMP_ERROR_BAD_REQUEST);

      /* A NUL inside a string, between tokens, and after the object. */
      with_nul = g_memdup2 (ok, len + 1);
      with_nul[9] = 0;
      assert_rejected_len (parsers[p], with_nul, len, MIMP_ERROR_BAD_REQUEST);
      g_clear_pointer (&with_nul, g_free);
      with_nul = g_memdup2 (ok, len + 1);
      with_nul[13] = 0;
      assert_rejected_len (parsers[p], with_nul, len, MIMP_ERROR_BAD_REQUEST);
      g_clear_pointer (&with_nul, g_free);
      with_nul = g_memdup2 (ok, len + 1);
      assert_rejected_len (parsers[p], with_nul, len + 1, MIMP_ERROR_BAD_REQUEST);
      g_clear_pointer (&with_nul, g_free);
    }
}

static void
test_login_request (void)
{
  MimpLoginRequest request;
  g_autoptr (GError) error = NULL;
  const char *body =
      " {\n \"up\" : \"pässwörd\" , \"uf\" : \"Alice\", \"extra\": [1, {\"x\": null}] }\n";

  g_assert_true (mimp_body_parse_login_request (u8 (body), strlen (body), &request, &error));
  g_assert_no_error (error);
  /* Taken as sent; normalising the user name is the server's next step. */
  g_assert_cmpstr (request.user, ==, "Alice");
  g_assert_cmpstr (request.password, ==, "pässwörd");
  mimp_login_request_clear (&request);

  assert_rejected (parse_login, "{}", MIMP_ERROR_BAD_REQUEST);
  assert_rejected (parse_login, "{\"uf\":\"alice\"}", MIMP_ERROR_BAD_REQUEST);
  assert_rejected (parse_login, "{\"up\":\"x\"}", MIMP_ERROR_BAD_REQUEST);
  assert_rejected (parse_login, "{\"uf\":null,\"up\":\"x\"}", MIMP_ERROR_BAD_REQUEST);
  assert_rejected (parse_login, "{\"uf\":42,\"up\":\"x\"}", MIMP_ERROR_BAD_REQUEST);
  assert_rejected (parse_login, "{\"uf\":\"alice\",\"up\":1234}", MIMP_ERROR_BAD_REQUEST);
  assert_rejected (parse_login, "{\"uf\":\"alice\",\"up\":true}", MIMP_ERROR_BAD_REQUEST);
  assert_rejected (parse_login, "{\"uf\":[\"alice\"],\"up\":\"x\"}", MIMP_ERROR_BAD_REQUEST);
  assert_rejected (parse_login, "{\"uf\":{\"n\":\"alice\"},\"up\":\"x\"}", MIMP_ERROR_BAD_REQUEST);
  assert_rejected (parse_login, "{\"UF\":\"alice\",\"UP\":\"x\"}", MIMP_ERROR_BAD_REQUEST);
}

static void
test_send_request (void)
{
  MimpSendRequest request;
  g_autoptr (GError) error = NULL;
  const char *body = "{\"uf\":\"alice\",\"ut\":\"bob\",\"ms\":\"h\\u00e9\\ud83d\\ude00\\n\","
                     "\"token\":\"ABCDEFGHijkl0123\"}";

  g_assert_true (mimp_body_parse_send_request (u8 (body), strlen (body), &request, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (request.from, ==, "alice");
  g_assert_cmpstr (request.to, ==, "bob");
  g_assert_cmpstr (request.text, ==, "hé😀\n");
  g_assert_cmpstr (request.token, ==, "ABCDEFGHijkl0123");
  g_assert_null (request.client_id);
  mimp_send_request_clear (&request);

  /* Missing fields, and fields of the wrong type. */
  assert_rejected (parse_send, "{\"ut\":\"b\",\"ms\":\"m\",\"token\":\"t\"}",
                   MIMP_ERROR_BAD_REQUEST);
  assert_rejected (parse_send, "{\"uf\":\"a\",\"ms\":\"m\",\"token\":\"t\"}",
                   MIMP_ERROR_BAD_REQUEST);
  assert_rejected (parse_send, "{\"uf\":\"a\",\"ut\":\"b\",\"token\":\"t\"}",
                   MIMP_ERROR_BAD_REQUEST);
  assert_rejected (parse_send, "{\"uf\":\"a\",\"ut\":\"b\",\"ms\":\"m\"}", MIMP_ERROR_BAD_REQUEST);
  assert_rejected (parse_send, "{\"uf\":1,\"ut\":\"b\",\"ms\":\"m\",\"token\":\"t\"}",
                   MIMP_ERROR_BAD_REQUEST);
  assert_rejected (parse_send,
                   "{\"uf\":\"a\",\"ut\":\"b\",\"ms\":{\"text\":\"m\"},\"token\":\"t\"}",
                   MIMP_ERROR_BAD_REQUEST);
  assert_rejected (parse_send, "{\"uf\":\"a\",\"ut\":\"b\",\"ms\":[\"m\"],\"token\":\"t\"}",
                   MIMP_ERROR_BAD_REQUEST);
  assert_rejected (parse_send, "{\"uf\":\"a\",\"ut\":\"b\",\"ms\":\"m\",\"token\":12345}",
                   MIMP_ERROR_BAD_REQUEST);
  assert_rejected (parse_send, "{\"uf\":\"a\",\"ut\":false,\"ms\":\"m\",\"token\":\"t\"}",
                   MIMP_ERROR_BAD_REQUEST);
  assert_rejected (parse_send, "{\"uf\":\"a\",\"ut\":\"b\",\"ms\":null,\"token\":\"t\"}",
                   MIMP_ERROR_BAD_REQUEST);

  /* Empty text. */
  assert_rejected (parse_send, "{\"uf\":\"a\",\"ut\":\"b\",\"ms\":\"\",\"token\":\"t\"}",
                   MIMP_ERROR_BAD_REQUEST);

  /* The optional client id. */
  body = "{\"uf\":\"a\",\"ut\":\"b\",\"ms\":\"m\",\"token\":\"t\",\"id\":\"c-1\"}";
  g_assert_true (mimp_body_parse_send_request (u8 (body), strlen (body), &request, &error));
  g_assert_cmpstr (request.client_id, ==, "c-1");
  mimp_send_request_clear (&request);
  body = "{\"uf\":\"a\",\"ut\":\"b\",\"ms\":\"m\",\"token\":\"t\",\"id\":null}";
  g_assert_true (mimp_body_parse_send_request (u8 (body), strlen (body), &request, &error));
  g_assert_null (request.client_id);
  mimp_send_request_clear (&request);
  assert_rejected (parse_send, "{\"uf\":\"a\",\"ut\":\"b\",\"ms\":\"m\",\"token\":\"t\",\"id\":7}",
                   MIMP_ERROR_BAD_REQUEST);
  assert_rejected (parse_send,
                   "{\"uf\":\"a\",\"ut\":\"b\",\"ms\":\"m\",\"token\":\"t\",\"id\":\"\"}",
                   MIMP_ERROR_BAD_REQUEST);
  {
    g_autoptr (GString) id64 = string_new_with (
        "{\"uf\":\"a\",\"ut\":\"b\",\"ms\":\"m\",\"token\":\"t\",\"id\":\"", 'x', 64, "\"}");
    g_autoptr (GString) id65 = string_new_with (
        "{\"uf\":\"a\",\"ut\":\"b\",\"ms\":\"m\",\"token\":\"t\",\"id\":\"", 'x', 65, "\"}");

    assert_accepted (parse_send, id64->str);
    assert_rejected (parse_send, id65->str, MIMP_ERROR_BAD_REQUEST);
  }
}

static void
test_send_request_text_limit (void)
{
  const char *head = "{\"uf\":\"a\",\"ut\":\"b\",\"token\":\"t\",\"ms\":\"";
  g_autoptr (GString) exact = string_new_with (head, 'x', MIMP_MESSAGE_TEXT_MAX, "\"}");
  g_autoptr (GString) over = string_new_with (head, 'x', MIMP_MESSAGE_TEXT_MAX + 1, "\"}");
  g_autoptr (GString) wide = g_string_new (head);
  g_autoptr (GString) escaped = g_string_new (head);
  MimpSendRequest request;
  g_autoptr (GError) error = NULL;

  g_assert_cmpint (MIMP_MESSAGE_TEXT_MAX, ==, 16384);
  g_assert_true (mimp_body_parse_send_request (u8 (exact->str), exact->len, &request, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (strlen (request.text), ==, 16384);
  mimp_send_request_clear (&request);
  assert_rejected (parse_send, over->str, MIMP_ERROR_TOO_LARGE);

  /* The limit counts bytes of UTF-8, not characters: 8192 × é is 16 KiB exactly. */
  for (guint i = 0; i < 8192; i++)
    g_string_append (wide, "é");
  g_string_append (wide, "\"}");
  assert_accepted (parse_send, wide->str);
  g_string_insert (wide, strlen (head), "x");
  assert_rejected (parse_send, wide->str, MIMP_ERROR_TOO_LARGE);

  /* And the text as decoded, not as escaped on the wire: 16384 × \n. */
  for (guint i = 0; i < 16384; i++)
    g_string_append (escaped, "\\n");
  g_string_append (escaped, "\"}");
  assert_accepted (parse_send, escaped->str);
}

static MimpGetRequest
get_ok (const char *body)
{
  MimpGetRequest request;
  g_autoptr (GError) error = NULL;

  if (!mimp_body_parse_get_request (u8 (body), strlen (body), &request, &error))
    g_error ("rejected: %s: %s", body, error->message);
  return request;
}

static void
test_get_request (void)
{
  struct
  {
    const char *extra;
    gint64 ack;
    guint wait;
  } cases[] = {
    { "", -1, 0 },
    { ",\"ack\":null,\"wait\":null", -1, 0 },
    { ",\"ack\":0", 0, 0 },
    { ",\"ack\":17", 17, 0 },
    { ",\"ack\":17.0", 17, 0 },
    { ",\"ack\":9007199254740991", G_GINT64_CONSTANT (9007199254740991), 0 },
    { ",\"ack\":-5", 0, 0 },
    { ",\"wait\":1", -1, 1 },
    { ",\"wait\":25", -1, 25 },
    { ",\"wait\":60", -1, 60 },
    { ",\"wait\":61", -1, 60 },
    { ",\"wait\":3600000000", -1, 60 },
    { ",\"wait\":0", -1, 0 },
    { ",\"wait\":-1", -1, 0 },
    { ",\"wait\":-9000000000", -1, 0 },
    { ",\"ack\":4,\"wait\":25", 4, 25 },
  };
  MimpGetRequest request;

  request = get_ok ("{\"uf\":\"alice\",\"token\":\"ABCDEFGHijkl0123\"}");
  g_assert_cmpstr (request.from, ==, "alice");
  g_assert_cmpstr (request.token, ==, "ABCDEFGHijkl0123");
  g_assert_cmpint (request.ack, ==, -1);
  g_assert_cmpuint (request.wait, ==, 0);
  mimp_get_request_clear (&request);

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *body =
          g_strdup_printf ("{\"uf\":\"alice\",\"token\":\"T\"%s}", cases[i].extra);

      request = get_ok (body);
      g_assert_cmpint (request.ack, ==, cases[i].ack);
      g_assert_cmpuint (request.wait, ==, cases[i].wait);
      mimp_get_request_clear (&request);
      g_assert_null (request.from);
      g_assert_cmpint (request.ack, ==, -1);
    }

  assert_rejected (parse_get, "{\"token\":\"T\"}", MIMP_ERROR_BAD_REQUEST);
  assert_rejected (parse_get, "{\"uf\":\"alice\"}", MIMP_ERROR_BAD_REQUEST);
  assert_rejected (parse_get, "{\"uf\":7,\"token\":\"T\"}", MIMP_ERROR_BAD_REQUEST);
  assert_rejected (parse_get, "{\"uf\":\"alice\",\"token\":{}}", MIMP_ERROR_BAD_REQUEST);
  assert_rejected (parse_get, "{\"uf\":\"alice\",\"token\":\"T\",\"ack\":\"5\"}",
                   MIMP_ERROR_BAD_REQUEST);
  assert_rejected (parse_get, "{\"uf\":\"alice\",\"token\":\"T\",\"ack\":true}",
                   MIMP_ERROR_BAD_REQUEST);
  assert_rejected (parse_get, "{\"uf\":\"alice\",\"token\":\"T\",\"ack\":[5]}",
                   MIMP_ERROR_BAD_REQUEST);
  assert_rejected (parse_get, "{\"uf\":\"alice\",\"token\":\"T\",\"ack\":5.5}",
                   MIMP_ERROR_BAD_REQUEST);
  assert_rejected (parse_get, "{\"uf\":\"alice\",\"token\":\"T\",\"ack\":1e300}",
                   MIMP_ERROR_BAD_REQUEST);
  assert_rejected (parse_get, "{\"uf\":\"alice\",\"token\":\"T\",\"wait\":\"25\"}",
                   MIMP_ERROR_BAD_REQUEST);
  assert_rejected (parse_get, "{\"uf\":\"alice\",\"token\":\"T\",\"wait\":{}}",
                   MIMP_ERROR_BAD_REQUEST);
}

/* mimp_json_check: UTF-8, NUL, nesting, and a lexical structure the parser agrees with. */

static void
assert_json_check (const char *body, gboolean expected)
{
  g_autoptr (GError) error = NULL;
  gboolean ok = mimp_json_check (u8 (body), strlen (body), &error);

  if (ok != expected)
    g_error ("mimp_json_check (%s) is %s", body, ok ? "TRUE" : "FALSE");
  if (!ok)
    g_assert_error (error, MIMP_ERROR, MIMP_ERROR_BAD_REQUEST);
}

static void
test_json_check (void)
{
  g_autoptr (GString) deep32 = string_new_with ("", '[', 32, "");
  g_autoptr (GString) deep33 = string_new_with ("", '[', 33, "");
  g_autoptr (GString) in_string = string_new_with ("{\"ms\":\"", '[', 1000, "\"}");

  assert_json_check ("", TRUE);
  assert_json_check ("{\"a\":[1,-2.5e+3,true,false,null,\"x\"]}", TRUE);
  assert_json_check (" \t\r\n{}", TRUE);
  assert_json_check ("{\"e\":\"\\\"\\\\\\/\\b\\f\\n\\r\\t\\u00e9\\uD83D\\uDE00\"}", TRUE);
  assert_json_check ("{\"raw\":\"é€😀\x01\x7f\"}", TRUE);

  /* Depth 32 is the limit, counted over objects and arrays. */
  for (guint i = 0; i < 32; i++)
    g_string_append_c (deep32, ']');
  assert_json_check (deep32->str, TRUE);
  assert_json_check (deep33->str, FALSE);
  assert_json_check ("{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":"
                     "{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":"
                     "{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":[[",
                     FALSE);
  /* Closing brackets bring it down again. */
  g_string_append (deep32, deep32->str);
  assert_json_check (deep32->str, TRUE);

  /* Brackets inside strings do not count, escaped quotes do not end them. */
  assert_json_check (in_string->str, TRUE);
  g_string_insert (in_string, 8, "\\\"");
  assert_json_check (in_string->str, TRUE);
  g_string_insert (in_string, 8, "\\\\\"");
  assert_json_check (in_string->str, FALSE);

  /* Not UTF-8, NUL bytes. */
  assert_json_check ("{\"a\":\"\xff\"}", FALSE);
  assert_json_check ("\xc3(", FALSE);
  g_assert_false (mimp_json_check (u8 ("{}\0"), 3, NULL));
  g_assert_false (mimp_json_check (u8 ("{\"a\0\":1}"), 8, NULL));

  /* What json-glib reads beyond JSON, and which would hide brackets from the count. */
  assert_json_check ("['a']", FALSE);
  assert_json_check ("[/* c */1]", FALSE);
  assert_json_check ("[// c\n1]", FALSE);
  assert_json_check ("# c\n[1]", FALSE);
  assert_json_check ("var a = [1];", FALSE);
  assert_json_check ("[\"\\x41\"]", FALSE);
  assert_json_check ("[\"\\0\"]", FALSE);
  assert_json_check ("[\"\\'\"]", FALSE);
  assert_json_check ("[\"\\u12\"]", FALSE);
  assert_json_check ("[\"\\u12G4\"]", FALSE);
  assert_json_check ("[\"\\", FALSE);
  assert_json_check ("[\"\\u", FALSE);
  assert_json_check ("[\"\\ud800\"]", FALSE);
  assert_json_check ("[\"\\udc00\"]", FALSE);
  assert_json_check ("[\"\\ud800\\u0041\"]", FALSE);
  assert_json_check ("[\"\\ud800\\ud800\"]", FALSE);
  assert_json_check ("[\"\\udc00\\ud800\"]", FALSE);
  assert_json_check ("[\"\\ud800\\\"]", FALSE);
  assert_json_check ("[\"\\uDBFF\\uDFFF\"]", TRUE);
  /* An unterminated string is the parser's business. */
  assert_json_check ("[\"abc", TRUE);
}

/* A megabyte of nesting, disguised or not, is refused quickly and without a crash. */
static void
test_deep_nesting (void)
{
  static const char *const prefixes[] = {
    "",
    "{\"uf\":",
    "[/*\"*/",
    "['\"',",
    "[\"\\u1\"\",",
    "[\"\\ud800\",\",",
    "[\"\\udc00\",\",",
    "[\"\\x\"\",",
    "// \"\n",
    "# \"\n",
  };
  static const ParseFunc parsers[] = { parse_login, parse_send, parse_get };

  for (guint i = 0; i < G_N_ELEMENTS (prefixes); i++)
    for (char open = '['; open != 0; open = open == '[' ? '{' : 0)
      {
        g_autoptr (GString) body = string_new_with (prefixes[i], open, 1024 * 1024, "");
        gint64 started = g_get_monotonic_time ();
        GPtrArray *messages = NULL;
        gboolean more = FALSE;
        char *token = NULL;
        char *id = NULL;
        gint64 ts = 0;
        int code = 0;
        char *message = NULL;

        for (guint p = 0; p < G_N_ELEMENTS (parsers); p++)
          assert_rejected_len (parsers[p], u8 (body->str), body->len, MIMP_ERROR_BAD_REQUEST);

        /* The client's parsers too. */
        g_assert_false (
            mimp_body_parse_get_reply (u8 (body->str), body->len, 0, &messages, &more, NULL));
        g_assert_false (mimp_body_parse_token (u8 (body->str), body->len, &token, NULL));
        g_assert_true (mimp_body_parse_send_reply (u8 (body->str), body->len, &id, &ts, NULL));
        g_assert_null (id);
        g_assert_false (mimp_body_parse_error (u8 (body->str), body->len, &code, &message));

        /* Seven parses of a megabyte: well under a second each. */
        g_assert_cmpint (g_get_monotonic_time () - started, <, 2 * G_USEC_PER_SEC);
      }
}

/* Client side: tolerant readings */

/* @len -1 for a NUL-terminated @body */
static void
assert_token (const char *body, gssize slen, const char *expected)
{
  gsize len = slen < 0 ? strlen (body) : (gsize) slen;
  g_autoptr (GError) error = NULL;
  g_autofree char *token = NULL;

  if (!mimp_body_parse_token (u8 (body), len, &token, &error))
    g_error ("token refused: %.*s: %s", (int) len, body, error->message);
  g_assert_cmpstr (token, ==, expected);
}

static void
assert_no_token (const char *body, gssize slen)
{
  gsize len = slen < 0 ? strlen (body) : (gsize) slen;
  g_autoptr (GError) error = NULL;
  char *token = NULL;

  if (mimp_body_parse_token (u8 (body), len, &token, &error))
    g_error ("token accepted: %.*s -> %s", (int) len, body, token);
  g_assert_error (error, MIMP_ERROR, MIMP_ERROR_INVALID_TOKEN);
  g_assert_null (token);
}

static void
test_token (void)
{
  /* 16 bytes of printable ASCII, as they are. */
  assert_token ("ABCDEFGHijkl0123", -1, "ABCDEFGHijkl0123");
  assert_token ("~!@#$%^&*()_+-=?", -1, "~!@#$%^&*()_+-=?");
  assert_token ("\"quoted-token!!\"", -1, "\"quoted-token!!\"");
  /* A JSON object with a string token. */
  assert_token ("{\"token\":\"ABCDEFGHijkl0123\"}", -1, "ABCDEFGHijkl0123");
  assert_token ("{\"token\":\"abcd\"}", -1, "abcd");
  assert_token (" { \"ok\": true, \"token\" : \"x-1\" } ", -1, "x-1");

  /* Anything else. */
  assert_no_token ("", -1);
  assert_no_token ("ABCDEFGHijkl012", -1);
  assert_no_token ("ABCDEFGHijkl01234", -1);
  assert_no_token ("ABCDEFGH\x01jkl0123", 16);
  assert_no_token ("ABCDEFGHijkl012\x80", 16);
  assert_no_token ("ABCDEFGHijkl012\n", -1);
  assert_no_token ("ABCDEFGH\0ijkl012", 16);
  assert_no_token ("\xff\xfe\xfd\xfc\xfb\xfa\xf9\xf8\xf7\xf6\xf5\xf4\xf3\xf2\xf1\xf0", 16);
  assert_no_token ("éééééééé", 16);
  assert_no_token ("{\"id\":\"ABCDEFGHijkl0123\"}", -1);
  assert_no_token ("{\"token\":12345678}", -1);
  assert_no_token ("{\"token\":null}", -1);
  assert_no_token ("{\"token\":\"\"}", -1);
  assert_no_token ("{\"token\":\"has space\"}", -1);
  assert_no_token ("{\"token\":\"t\\u00e9\"}", -1);
  assert_no_token ("[\"ABCDEFGHijkl0123\"]", -1);
  assert_no_token ("\"ABCDEFGHijkl0123\"", -1);
  assert_no_token ("{\"token\":\"ABCDEFGHijkl0123\"", -1);
}

static void
test_send_reply (void)
{
  static const struct
  {
    const char *body;
    const char *id;
    gint64 ts;
  } cases[] = {
    { "", NULL, 0 },
    { "{}", NULL, 0 },
    { "{\"id\":\"m-1\",\"ts\":1763769600000}", "m-1", G_GINT64_CONSTANT (1763769600000) },
    { "{\"id\":\"m-1\"}", "m-1", 0 },
    { "{\"ts\":5}", NULL, 5 },
    { "{\"id\":5,\"ts\":\"x\"}", NULL, 0 },
    { "{\"id\":\"m\",\"ts\":1.5}", "m", 0 },
    { "OK", NULL, 0 },
    { "[1,2,3]", NULL, 0 },
    { "{{{{", NULL, 0 },
    { "\xff\xfe", NULL, 0 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GError) error = NULL;
      char stale[] = "stale";
      char *id = stale; /* an out argument: overwritten, never freed */
      gint64 ts = -7;

      g_assert_true (mimp_body_parse_send_reply (u8 (cases[i].body), strlen (cases[i].body), &id,
                                                 &ts, &error));
      g_assert_no_error (error);
      g_assert_cmpstr (id, ==, cases[i].id);
      g_assert_cmpint (ts, ==, cases[i].ts);
      g_free (id);
    }
  {
    /* Binary with NUL bytes. */
    static const guint8 binary[] = { 0, 1, 2, 0xff, 0, '{' };
    char *id = NULL;
    gint64 ts = 0;

    g_assert_true (mimp_body_parse_send_reply (binary, sizeof binary, &id, &ts, NULL));
    g_assert_null (id);
  }
}

static GPtrArray *
get_reply_ok (const char *body, gint64 now, gboolean *more)
{
  g_autoptr (GError) error = NULL;
  GPtrArray *messages = NULL;

  if (!mimp_body_parse_get_reply (u8 (body), strlen (body), now, &messages, more, &error))
    g_error ("GU reply refused: %s: %s", body, error->message);
  g_assert_nonnull (messages);
  return messages;
}

static void
assert_get_reply_refused (const char *body)
{
  g_autoptr (GError) error = NULL;
  GPtrArray *messages = NULL;
  gboolean more = FALSE;

  if (mimp_body_parse_get_reply (u8 (body), strlen (body), 0, &messages, &more, &error))
    g_error ("GU reply accepted: %s", body);
  g_assert_error (error, MIMP_ERROR, MIMP_ERROR_PROTOCOL);
  g_assert_null (messages);
}

static void
test_get_reply (void)
{
  const gint64 now = G_GINT64_CONSTANT (1763769600123);
  g_autoptr (GPtrArray) messages = NULL;
  gboolean more = TRUE;
  MimpMessage *m;

  /* Our server's form. */
  messages =
      get_reply_ok ("{\"messages\":[{\"id\":\"a\",\"seq\":17,\"uf\":\"bob\",\"ut\":\"alice\","
                    "\"ms\":\"one\",\"ts\":1763769600000},{\"id\":\"b\",\"seq\":18,\"uf\":"
                    "\"carol\",\"ut\":\"alice\",\"ms\":\"two\",\"ts\":1763769600001}],"
                    "\"more\":true}",
                    now, &more);
  g_assert_true (more);
  g_assert_cmpuint (messages->len, ==, 2);
  m = g_ptr_array_index (messages, 0);
  g_assert_cmpstr (m->id, ==, "a");
  g_assert_cmpint (m->seq, ==, 17);
  g_assert_cmpstr (m->from, ==, "bob");
  g_assert_cmpstr (m->to, ==, "alice");
  g_assert_cmpstr (m->text, ==, "one");
  g_assert_cmpint (m->timestamp, ==, G_GINT64_CONSTANT (1763769600000));
  m = g_ptr_array_index (messages, 1);
  g_assert_cmpstr (m->id, ==, "b");
  g_assert_cmpstr (m->from, ==, "carol");
  g_assert_cmpint (m->timestamp, ==, G_GINT64_CONSTANT (1763769600001));
  g_clear_pointer (&messages, g_ptr_array_unref);

  /* A bare array, with only uf and ms: no id, no recipient, seq -1, ts now. */
  more = TRUE;
  messages =
      get_reply_ok ("[{\"uf\":\"bob\",\"ms\":\"hi\"}, {\"ms\":\"yo\",\"uf\":\"eve\"}]", now, &more);
  g_assert_false (more);
  g_assert_cmpuint (messages->len, ==, 2);
  m = g_ptr_array_index (messages, 0);
  g_assert_null (m->id);
  g_assert_cmpint (m->seq, ==, -1);
  g_assert_cmpstr (m->from, ==, "bob");
  g_assert_null (m->to);
  g_assert_cmpstr (m->text, ==, "hi");
  g_assert_cmpint (m->timestamp, ==, now);
  m = g_ptr_array_index (messages, 1);
  g_assert_cmpstr (m->from, ==, "eve");
  g_assert_cmpstr (m->text, ==, "yo");
  g_clear_pointer (&messages, g_ptr_array_unref);

  /* Nothing waiting, in every form. */
  {
    static const char *const empty[] = {
      "", "[]", "{}", "{\"messages\":[]}", "{\"messages\":null}", "{\"more\":false}",
    };

    for (guint i = 0; i < G_N_ELEMENTS (empty); i++)
      {
        more = TRUE;
        messages = get_reply_ok (empty[i], now, &more);
        g_assert_cmpuint (messages->len, ==, 0);
        g_assert_false (more);
        g_clear_pointer (&messages, g_ptr_array_unref);
      }
  }
  messages = get_reply_ok ("{\"more\":true}", now, &more);
  g_assert_cmpuint (messages->len, ==, 0);
  g_assert_true (more);
  g_clear_pointer (&messages, g_ptr_array_unref);
  /* more that is not a boolean is not true. */
  messages = get_reply_ok ("{\"messages\":[],\"more\":1}", now, &more);
  g_assert_false (more);
  g_clear_pointer (&messages, g_ptr_array_unref);

  /* seq: negative and null read as absent; ts: null is absent, and explicit 0 is kept. */
  messages = get_reply_ok ("[{\"uf\":\"a\",\"ms\":\"m\",\"seq\":-3,\"ts\":null},"
                           "{\"uf\":\"a\",\"ms\":\"m\",\"seq\":null,\"ts\":0},"
                           "{\"uf\":\"a\",\"ms\":\"m\",\"seq\":0,\"id\":null,\"ut\":null},"
                           "{\"uf\":\"a\",\"ms\":\"m\",\"seq\":4.0,\"extra\":{\"x\":[1]}}]",
                           now, &more);
  g_assert_cmpuint (messages->len, ==, 4);
  m = g_ptr_array_index (messages, 0);
  g_assert_cmpint (m->seq, ==, -1);
  g_assert_cmpint (m->timestamp, ==, now);
  m = g_ptr_array_index (messages, 1);
  g_assert_cmpint (m->seq, ==, -1);
  g_assert_cmpint (m->timestamp, ==, 0);
  m = g_ptr_array_index (messages, 2);
  g_assert_cmpint (m->seq, ==, 0);
  g_assert_null (m->id);
  g_assert_null (m->to);
  m = g_ptr_array_index (messages, 3);
  g_assert_cmpint (m->seq, ==, 4);
  g_clear_pointer (&messages, g_ptr_array_unref);

  /* What cannot be read. */
  assert_get_reply_refused ("[1]");
  assert_get_reply_refused ("[\"hi\"]");
  assert_get_reply_refused ("[null]");
  assert_get_reply_refused ("[[{\"uf\":\"a\",\"ms\":\"m\"}]]");
  assert_get_reply_refused ("[{\"uf\":\"a\",\"ms\":\"m\"}, 2]");
  assert_get_reply_refused ("[{\"ms\":\"m\"}]");
  assert_get_reply_refused ("[{\"uf\":\"a\"}]");
  assert_get_reply_refused ("[{\"uf\":1,\"ms\":\"m\"}]");
  assert_get_reply_refused ("[{\"uf\":\"a\",\"ms\":{}}]");
  assert_get_reply_refused ("[{\"uf\":\"a\",\"ms\":\"m\",\"id\":1}]");
  assert_get_reply_refused ("[{\"uf\":\"a\",\"ms\":\"m\",\"ut\":[]}]");
  assert_get_reply_refused ("[{\"uf\":\"a\",\"ms\":\"m\",\"seq\":\"1\"}]");
  assert_get_reply_refused ("[{\"uf\":\"a\",\"ms\":\"m\",\"ts\":\"yesterday\"}]");
  assert_get_reply_refused ("{\"messages\":[{\"uf\":\"a\"}]}");
  assert_get_reply_refused ("{\"messages\":5}");
  assert_get_reply_refused ("{\"messages\":{\"uf\":\"a\",\"ms\":\"m\"}}");
  assert_get_reply_refused ("\"messages\"");
  assert_get_reply_refused ("42");
  assert_get_reply_refused ("null");
  assert_get_reply_refused ("not json");
  assert_get_reply_refused ("[{\"uf\":\"a\",\"ms\":\"\xff\"}]");
}

static void
test_get_reply_many (void)
{
  g_autoptr (GString) body = g_string_new ("{\"messages\":[");
  g_autoptr (GPtrArray) messages = NULL;
  gboolean more = TRUE;

  for (guint i = 0; i < MIMP_GU_MAX_MESSAGES; i++)
    {
      g_autofree char *id = g_strdup_printf ("%u", i);
      g_autoptr (MimpMessage) m = mimp_message_new (id, i + 1, "bob", "alice", id, i);

      if (i > 0)
        g_string_append_c (body, ',');
      mimp_body_append_message (body, m);
    }
  g_string_append (body, "],\"more\":false}");
  messages = get_reply_ok (body->str, 0, &more);
  g_assert_false (more);
  g_assert_cmpuint (messages->len, ==, MIMP_GU_MAX_MESSAGES);
  for (guint i = 0; i < MIMP_GU_MAX_MESSAGES; i++)
    {
      MimpMessage *m = g_ptr_array_index (messages, i);
      g_autofree char *id = g_strdup_printf ("%u", i);

      g_assert_cmpstr (m->text, ==, id);
      g_assert_cmpint (m->seq, ==, i + 1);
    }
}

static void
test_error_body (void)
{
  static const struct
  {
    const char *body;
    gboolean ok;
    int code;
    const char *message;
  } cases[] = {
    { "{\"code\":401,\"error\":\"Wrong user name or password\"}", TRUE, 401,
      "Wrong user name or password" },
    { "{\"error\":\"Too large\",\"code\":413}", TRUE, 413, "Too large" },
    { "{\"code\":404}", TRUE, 404, NULL },
    { "{\"code\":500,\"error\":42}", TRUE, 500, NULL },
    { "{\"code\":429.0,\"error\":\"slow down\"}", TRUE, 429, "slow down" },
    { "{\"code\":0}", TRUE, 0, NULL },
    { "{\"code\":999}", TRUE, 999, NULL },
    { "{\"code\":1000}", FALSE, 0, NULL },
    { "{\"code\":-1}", FALSE, 0, NULL },
    { "{\"code\":\"401\"}", FALSE, 0, NULL },
    { "{\"code\":null}", FALSE, 0, NULL },
    { "{\"error\":\"no code\"}", FALSE, 0, NULL },
    { "{}", FALSE, 0, NULL },
    { "[401]", FALSE, 0, NULL },
    { "401", FALSE, 0, NULL },
    { "Unauthorized", FALSE, 0, NULL },
    { "", FALSE, 0, NULL },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      int code = -5;
      g_autofree char *message = NULL;

      g_assert_cmpint (
          mimp_body_parse_error (u8 (cases[i].body), strlen (cases[i].body), &code, &message), ==,
          cases[i].ok);
      g_assert_cmpint (code, ==, cases[i].code);
      g_assert_cmpstr (message, ==, cases[i].message);
    }

  /* What our server writes, read back. */
  {
    g_autoptr (GString) out = g_string_new (NULL);
    g_autofree char *message = NULL;
    int code = 0;

    mimp_body_append_error (out, 403, AWKWARD);
    g_assert_true (mimp_body_parse_error (u8 (out->str), out->len, &code, &message));
    g_assert_cmpint (code, ==, 403);
    g_assert_cmpstr (message, ==, AWKWARD);
  }
}

static void
test_error_status (void)
{
  g_assert_cmpint (mimp_error_from_status (400, FALSE), ==, MIMP_ERROR_BAD_REQUEST);
  g_assert_cmpint (mimp_error_from_status (401, TRUE), ==, MIMP_ERROR_WRONG_PASSWORD);
  g_assert_cmpint (mimp_error_from_status (401, FALSE), ==, MIMP_ERROR_UNAUTHORIZED);
  g_assert_cmpint (mimp_error_from_status (403, FALSE), ==, MIMP_ERROR_FORBIDDEN);
  g_assert_cmpint (mimp_error_from_status (404, FALSE), ==, MIMP_ERROR_NO_SUCH_USER);
  g_assert_cmpint (mimp_error_from_status (413, FALSE), ==, MIMP_ERROR_TOO_LARGE);
  g_assert_cmpint (mimp_error_from_status (429, TRUE), ==, MIMP_ERROR_RATE_LIMITED);
  g_assert_cmpint (mimp_error_from_status (500, FALSE), ==, MIMP_ERROR_SERVER_ERROR);
  g_assert_cmpint (mimp_error_from_status (501, FALSE), ==, MIMP_ERROR_UNSUPPORTED);
  g_assert_cmpint (mimp_error_from_status (503, FALSE), ==, MIMP_ERROR_SERVER_ERROR);
  g_assert_cmpint (mimp_error_from_status (418, FALSE), ==, MIMP_ERROR_FAILED);
  g_assert_cmpint (mimp_error_from_status (0, FALSE), ==, MIMP_ERROR_FAILED);
  g_assert_cmpint (mimp_error_from_status (600, FALSE), ==, MIMP_ERROR_FAILED);
}

/* User names and passwords */

static void
assert_user (const char *name, const char *expected)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *normalized = NULL;
  gboolean ok = mimp_user_name_normalize (name, &normalized, &error);

  if (expected == NULL)
    {
      if (ok)
        g_error ("user name accepted: %s -> %s", name, normalized);
      g_assert_error (error, MIMP_ERROR, MIMP_ERROR_INVALID_ARGUMENT);
      g_assert_null (normalized);
    }
  else
    {
      if (!ok)
        g_error ("user name refused: %s: %s", name, error->message);
      g_assert_cmpstr (normalized, ==, expected);
    }
}

static void
test_user_name (void)
{
  assert_user ("alice", "alice");
  assert_user ("Alice", "alice");
  assert_user ("ALICE.Smith_2-x", "alice.smith_2-x");
  assert_user ("a", "a");
  assert_user ("0", "0");
  assert_user ("._-", "._-");
  assert_user ("abcdefghijklmnopqrstuvwxyz012345", "abcdefghijklmnopqrstuvwxyz012345");
  assert_user ("ABCDEFGHIJKLMNOPQRSTUVWXYZ012345", "abcdefghijklmnopqrstuvwxyz012345");

  assert_user ("abcdefghijklmnopqrstuvwxyz0123456", NULL);
  assert_user ("", NULL);
  assert_user (NULL, NULL);
  assert_user ("al ice", NULL);
  assert_user (" alice", NULL);
  assert_user ("alice\n", NULL);
  assert_user ("al@ce", NULL);
  assert_user ("a/b", NULL);
  assert_user ("a\\b", NULL);
  assert_user ("a+b", NULL);
  assert_user ("a\"b", NULL);
  assert_user ("ålice", NULL);
  assert_user ("ÄLICE", NULL);
  assert_user ("alice\xff", NULL);
  /* Turkish dotted capital I is not an ASCII letter to lowercase. */
  assert_user ("İ", NULL);
}

static void
assert_password (const char *password, gboolean expected)
{
  g_autoptr (GError) error = NULL;
  gboolean ok = mimp_password_check (password, &error);

  g_assert_cmpint (ok, ==, expected);
  if (!ok)
    g_assert_error (error, MIMP_ERROR, MIMP_ERROR_INVALID_ARGUMENT);
}

static void
test_password (void)
{
  g_autoptr (GString) exact = string_new_with ("", 'p', 1024, "");
  g_autoptr (GString) over = string_new_with ("", 'p', 1025, "");
  g_autoptr (GString) wide = g_string_new (NULL);

  assert_password ("x", TRUE);
  assert_password (" ", TRUE);
  assert_password ("correct horse battery staple", TRUE);
  assert_password ("pässwörd€😀", TRUE);
  assert_password ("tab\tand \"quotes\"", TRUE);
  assert_password (exact->str, TRUE);
  assert_password (over->str, FALSE);
  assert_password ("", FALSE);
  assert_password (NULL, FALSE);
  assert_password ("\xff", FALSE);
  assert_password ("abc\xc3", FALSE);
  assert_password ("\xed\xa0\x80", FALSE);

  /* Bytes, not characters: 512 × é is 1024 bytes, 513 is over. */
  for (guint i = 0; i < 512; i++)
    g_string_append (wide, "é");
  assert_password (wide->str, TRUE);
  g_string_append (wide, "é");
  assert_password (wide->str, FALSE);
}

/* The server reads flat requests without json-glib (mimp-body.c, fast
 * path). Each body is parsed as it is and with a member "zz":[] put first,
 * which the fast path never takes: json-glib then decides. Both readings
 * must agree exactly, error messages included. */
static const char *const fast_path_bodies[] = {
  "{\"uf\":\"alice\",\"ut\":\"bob\",\"ms\":\"hi\",\"token\":\"ABCDEFGHIJKLMNOP\"}",
  " {\"uf\" : \"alice\" "
  ",\n\t\"ut\":\"bob\",\"ms\":\"a\\\"b\\\\c\\/d\\n\\t\\r\\b\\f\",\"token\":\"t\"} \n",
  "{\"uf\":\"alice\",\"ut\":\"bob\",\"ms\":\"h\\u00e9\\ud83d\\ude00\",\"token\":\"t\"}",
  "{\"uf\":\"alice\",\"ut\":\"bob\",\"ms\":\"caf\xc3\xa9\",\"token\":\"t\",\"id\":\"x-1\"}",
  "{\"uf\":\"alice\",\"ut\":\"bob\",\"ms\":\"hi\",\"token\":\"t\",\"id\":null}",
  "{\"uf\":\"alice\",\"ut\":\"bob\",\"ms\":\"hi\",\"token\":\"t\",\"id\":7}",
  "{\"uf\":\"alice\",\"ut\":\"bob\",\"ms\":\"\",\"token\":\"t\"}",
  "{\"uf\":\"alice\",\"ut\":\"bob\",\"token\":\"t\"}",
  "{\"uf\":\"alice\",\"ut\":\"bob\",\"ms\":\"hi\",\"token\":\"t\",\"ephemeral\":true}",
  "{\"uf\":\"alice\",\"ut\":\"bob\",\"ms\":\"hi\",\"token\":\"t\",\"ephemeral\":false}",
  "{\"uf\":\"alice\",\"ut\":\"bob\",\"ms\":\"hi\",\"token\":\"t\",\"ephemeral\":null}",
  "{\"uf\":\"alice\",\"ut\":\"bob\",\"ms\":\"hi\",\"token\":\"t\",\"ephemeral\":1}",
  "{\"uf\":\"alice\",\"ut\":\"bob\",\"ms\":\"hi\",\"token\":\"t\",\"ephemeral\":\"true\"}",
  "{\"ephemeral\":true,\"ephemeral\":false,\"uf\":\"a\",\"ut\":\"b\",\"ms\":\"m\",\"token\":\"t\"}",
  "{\"uf\":\"alice\",\"uf\":\"eve\",\"ut\":\"bob\",\"ms\":\"hi\",\"token\":\"t\"}",
  "{\"uf\":\"alice\",\"ut\":\"bob\",\"ms\":\"hi\",\"token\":\"t\",\"x\":true,\"y\":false,"
  "\"z\":null,\"n\":-12,\"f\":1.5,\"e\":1e3}",
  "{\"uf\":\"alice\",\"ut\":\"bob\",\"ms\":\"hi\",\"token\":\"t\"}x",
  "{\"uf\":\"alice\",\"ut\":\"bob\",\"ms\":\"hi\",\"token\":\"t\",}",
  "{\"uf\":\"alice\",\"ut\":\"bob\",\"ms\":\"a\tb\",\"token\":\"t\"}",
  "{\"uf\":\"alice\",\"token\":\"t\"}",
  "{\"uf\":\"alice\",\"token\":\"t\",\"ack\":17,\"wait\":25}",
  "{\"uf\":\"alice\",\"token\":\"t\",\"ack\":0,\"wait\":0}",
  "{\"uf\":\"alice\",\"token\":\"t\",\"ack\":-3,\"wait\":600}",
  "{\"uf\":\"alice\",\"token\":\"t\",\"ack\":1.0,\"wait\":2.5}",
  "{\"uf\":\"alice\",\"token\":\"t\",\"ack\":123456789012345,\"wait\":1}",
  "{\"uf\":\"alice\",\"token\":\"t\",\"ack\":1234567890123456789,\"wait\":1}",
  "{\"uf\":\"alice\",\"token\":\"t\",\"ack\":\"5\"}",
  "{\"uf\":\"alice\",\"token\":\"t\",\"ack\":null,\"wait\":true}",
  "{\"uf\":\"alice\",\"token\":\"t\",\"ack\":-0,\"wait\":007}",
  "{\"uf\":\"alice\",\"up\":\"pass word\"}",
  "{\"uf\":\"alice\",\"up\":\"p\\\\w\"}",
  "{\"uf\":\"alice\",\"up\":12}",
  "{\"uf\":1,\"up\":\"x\"}",
  "{}",
  "[]",
  "{\"uf\":\"alice\"",
};

/* An error as "error CODE: MESSAGE", without json-glib's position (which
 * the inserted member shifts). */
static char *
describe_error (const GError *error)
{
  const char *at = strstr (error->message, "<data>:");
  int len = at ? (int) (at - error->message) : (int) strlen (error->message);

  return g_strdup_printf ("error %d: %.*s", error->code, len, error->message);
}

static char *
describe_send (const char *body)
{
  MimpSendRequest r = { 0 };
  g_autoptr (GError) error = NULL;
  char *text;

  if (!mimp_body_parse_send_request ((const guint8 *) body, strlen (body), &r, &error))
    return describe_error (error);
  text = g_strdup_printf ("%s|%s|%s|%s|%s|%s", r.from, r.to, r.text, r.token,
                          r.client_id ? r.client_id : "(none)", r.ephemeral ? "eph" : "-");
  mimp_send_request_clear (&r);
  return text;
}

static char *
describe_get (const char *body)
{
  MimpGetRequest r = { 0 };
  g_autoptr (GError) error = NULL;
  char *text;

  if (!mimp_body_parse_get_request ((const guint8 *) body, strlen (body), &r, &error))
    return describe_error (error);
  text = g_strdup_printf ("%s|%s|%" G_GINT64_FORMAT "|%u", r.from, r.token, r.ack, r.wait);
  mimp_get_request_clear (&r);
  return text;
}

static char *
describe_login (const char *body)
{
  MimpLoginRequest r = { 0 };
  g_autoptr (GError) error = NULL;
  char *text;

  if (!mimp_body_parse_login_request ((const guint8 *) body, strlen (body), &r, &error))
    return describe_error (error);
  text = g_strdup_printf ("%s|%s", r.user, r.password);
  mimp_login_request_clear (&r);
  return text;
}

static void
test_fast_path_agrees (void)
{
  for (gsize i = 0; i < G_N_ELEMENTS (fast_path_bodies); i++)
    {
      const char *body = fast_path_bodies[i];
      const char *brace = strchr (body, '{');
      g_autofree char *slow = NULL;

      if (brace == NULL)
        continue;
      slow = g_strdup_printf ("%.*s{\"zz\":[],%s", (int) (brace - body), body, brace + 1);
      if (strcmp (brace + 1, "}") == 0)
        continue; /* "{}" has no member to put one before */
      {
        g_autofree char *a = describe_send (body);
        g_autofree char *b = describe_send (slow);
        g_autofree char *c = describe_get (body);
        g_autofree char *d = describe_get (slow);
        g_autofree char *e = describe_login (body);
        g_autofree char *f = describe_login (slow);

        g_test_message ("%s -> %s / %s / %s", body, a, c, e);
        g_assert_cmpstr (a, ==, b);
        g_assert_cmpstr (c, ==, d);
        g_assert_cmpstr (e, ==, f);
      }
    }
}

/* Extensions: ephemeral messages both ways, extension requests, objects. */
static void
test_extensions (void)
{
  MimpSendRequest request = { 0 };
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) messages = NULL;
  g_autoptr (GBytes) built = NULL;
  g_autoptr (JsonNode) root = NULL;
  g_autoptr (MimpMessage) copy = NULL;
  MimpMessage *m;
  JsonObject *object;
  gboolean more = TRUE;
  const char *body = "{\"uf\":\"a\",\"ut\":\"b\",\"ms\":\"t\",\"token\":\"k\",\"ephemeral\":true}";
  const char *reply =
      "{\"messages\":[{\"uf\":\"alice\",\"ut\":\"bob\",\"ms\":\"?MIMPTYPING:1:idle\","
      "\"ts\":5,\"ephemeral\":true},{\"id\":\"m\",\"seq\":3,\"uf\":\"a\",\"ms\":\"x\","
      "\"ephemeral\":false}],\"more\":false}";
  const char *bad = "{\"messages\":[{\"uf\":\"a\",\"ms\":\"x\",\"ephemeral\":\"yes\"}]}";
  gsize len = 0;
  const char *data;

  g_assert_true (mimp_body_parse_send_request (u8 (body), strlen (body), &request, &error));
  g_assert_true (request.ephemeral);
  mimp_send_request_clear (&request);
  g_assert_false (request.ephemeral);

  g_assert_true (
      mimp_body_parse_get_reply (u8 (reply), strlen (reply), 0, &messages, &more, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (messages->len, ==, 2);
  m = messages->pdata[0];
  g_assert_true (m->ephemeral);
  g_assert_null (m->id);
  g_assert_cmpint (m->seq, ==, -1);
  g_assert_cmpstr (m->text, ==, "?MIMPTYPING:1:idle");
  copy = mimp_message_copy (m);
  g_assert_true (copy->ephemeral);
  g_assert_false (((MimpMessage *) messages->pdata[1])->ephemeral);
  g_clear_pointer (&messages, g_ptr_array_unref);
  g_assert_false (mimp_body_parse_get_reply (u8 (bad), strlen (bad), 0, &messages, &more, &error));
  g_assert_error (error, MIMP_ERROR, MIMP_ERROR_PROTOCOL);
  g_clear_error (&error);

  built = mimp_body_build_request ("alice", "TOKEN", "\"op\":\"count\",\"device\":3");
  data = g_bytes_get_data (built, &len);
  object = mimp_json_parse_object (u8 (data), len, &root, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (json_object_get_string_member (object, "uf"), ==, "alice");
  g_assert_cmpstr (json_object_get_string_member (object, "token"), ==, "TOKEN");
  g_assert_cmpint (json_object_get_int_member (object, "device"), ==, 3);
  g_clear_pointer (&built, g_bytes_unref);
  g_clear_pointer (&root, json_node_unref);
  built = mimp_body_build_request ("alice", "TOKEN", NULL);
  data = g_bytes_get_data (built, &len);
  g_assert_cmpmem (data, len, "{\"uf\":\"alice\",\"token\":\"TOKEN\"}", 30);

  g_assert_null (mimp_json_parse_object (u8 ("[1]"), 3, &root, &error));
  g_assert_null (root);
  g_assert_error (error, MIMP_ERROR, MIMP_ERROR_BAD_REQUEST);
  g_clear_error (&error);
  g_assert_null (mimp_json_parse_object (u8 ("{'a':1}"), 7, &root, &error));
  g_assert_error (error, MIMP_ERROR, MIMP_ERROR_BAD_REQUEST);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/body/json-string", test_json_string);
  g_test_add_func ("/body/build/login", test_build_login);
  g_test_add_func ("/body/build/send", test_build_send);
  g_test_add_func ("/body/build/get", test_build_get);
  g_test_add_func ("/body/build/replies", test_build_replies);
  g_test_add_func ("/body/message-boxed", test_message_boxed);
  g_test_add_func ("/body/round-trip", test_round_trip);
  g_test_add_func ("/body/request/not-objects", test_requests_not_objects);
  g_test_add_func ("/body/request/bad-bytes", test_requests_bad_bytes);
  g_test_add_func ("/body/request/login", test_login_request);
  g_test_add_func ("/body/request/send", test_send_request);
  g_test_add_func ("/body/request/send-text-limit", test_send_request_text_limit);
  g_test_add_func ("/body/request/get", test_get_request);
  g_test_add_func ("/body/json-check", test_json_check);
  g_test_add_func ("/body/deep-nesting", test_deep_nesting);
  g_test_add_func ("/body/reply/token", test_token);
  g_test_add_func ("/body/reply/send", test_send_reply);
  g_test_add_func ("/body/reply/get", test_get_reply);
  g_test_add_func ("/body/reply/get-many", test_get_reply_many);
  g_test_add_func ("/body/reply/error", test_error_body);
  g_test_add_func ("/body/error-status", test_error_status);
  g_test_add_func ("/body/user-name", test_user_name);
  g_test_add_func ("/body/password", test_password);
  g_test_add_func ("/body/fast-path-agrees", test_fast_path_agrees);
  g_test_add_func ("/body/extensions", test_extensions);

  return g_test_run ();
}
