/* miricat-packet.c - framing, parsing and building of Miricat packets
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Framing differs by dialect:
 *
 * - Yemu writes each packet with no delimiter: a plaintext packet is a JSON
 *   object, an encrypted one the base64 text of its ciphertext, and two of
 *   them may arrive in one read. We split by brace matching: a plaintext
 *   object ends where its braces balance; an encrypted one is decoded and
 *   deciphered from where it starts (the key stream restarts for every
 *   packet), and where its JSON object ends tells how many base64 characters
 *   it took (four for every three bytes, the last group padded).
 * - javacat writes one packet per line; plaintext and encrypted lines are
 *   mixed, and plaintext ones are followed by an empty line.
 *
 * Every buffer is bounded by the reader's maximum packet size.
 */
#define G_LOG_DOMAIN "miricat"

#include "config.h"

#include <string.h>

#include <json-glib/json-glib.h>

#include "miricat-error.h"
#include "miricat-packet.h"

#define MAX_MEMBERS 10000

static gboolean
is_space (char c)
{
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/**
 * miricat_json_scan_object:
 * @data: bytes that should start with a JSON object (after white space)
 * @len: their length
 * @end: (out): where the object ends (one past its closing brace)
 *
 * Finds the end of the first JSON object by matching braces and brackets
 * outside strings. It does not check the JSON between them (the parser does);
 * it rejects nesting deeper than %MIRICAT_MAX_DEPTH.
 */
MiricatJsonScan
miricat_json_scan_object (const char *data, gsize len, gsize *end)
{
  char stack[MIRICAT_MAX_DEPTH];
  guint depth = 0;
  gboolean in_string = FALSE, escaped = FALSE;
  gsize i = 0;

  while (i < len && is_space (data[i]))
    i++;
  if (i == len)
    return MIRICAT_JSON_INCOMPLETE;
  if (data[i] != '{')
    return MIRICAT_JSON_INVALID;
  for (; i < len; i++)
    {
      char c = data[i];

      if (in_string)
        {
          if (escaped)
            escaped = FALSE;
          else if (c == '\\')
            escaped = TRUE;
          else if (c == '"')
            in_string = FALSE;
          continue;
        }
      switch (c)
        {
        case '"':
          in_string = TRUE;
          break;
        case '{':
        case '[':
          if (depth == MIRICAT_MAX_DEPTH)
            return MIRICAT_JSON_INVALID;
          stack[depth++] = c == '{' ? '}' : ']';
          break;
        case '}':
        case ']':
          if (depth == 0 || stack[depth - 1] != c)
            return MIRICAT_JSON_INVALID;
          if (--depth == 0)
            {
              *end = i + 1;
              return MIRICAT_JSON_COMPLETE;
            }
          break;
        default:
          break;
        }
    }
  return MIRICAT_JSON_INCOMPLETE;
}

struct _MiricatReader
{
  MiricatDialect dialect;
  gsize max_packet;
  GByteArray *buf;
  guint8 key[MIRICAT_KEY_SIZE];
  gboolean has_key;
  GError *failure; /* once failed, always failed */
};

MiricatReader *
miricat_reader_new (MiricatDialect dialect, gsize max_packet)
{
  MiricatReader *reader = g_new0 (MiricatReader, 1);

  reader->dialect = dialect;
  reader->max_packet = max_packet;
  reader->buf = g_byte_array_new ();
  return reader;
}

void
miricat_reader_free (MiricatReader *reader)
{
  if (reader == NULL)
    return;
  memset (reader->key, 0, sizeof reader->key);
  g_byte_array_unref (reader->buf);
  g_clear_error (&reader->failure);
  g_free (reader);
}

void
miricat_reader_set_key (MiricatReader *reader, const guint8 key[MIRICAT_KEY_SIZE])
{
  memcpy (reader->key, key, MIRICAT_KEY_SIZE);
  reader->has_key = TRUE;
}

void
miricat_reader_push (MiricatReader *reader, const guint8 *data, gsize len)
{
  if (reader->failure == NULL)
    g_byte_array_append (reader->buf, data, (guint) len);
}

gsize
miricat_reader_buffered (MiricatReader *reader)
{
  return reader->buf->len;
}

static MiricatReadStatus
fail (MiricatReader *reader, GError **error, MiricatError code, const char *message)
{
  if (reader->failure == NULL)
    {
      reader->failure = g_error_new_literal (MIRICAT_ERROR, code, message);
      g_byte_array_set_size (reader->buf, 0);
    }
  if (error)
    *error = g_error_copy (reader->failure);
  return MIRICAT_READ_ERROR;
}

static MiricatReadStatus
too_large (MiricatReader *reader, GError **error)
{
  return fail (reader, error, MIRICAT_ERROR_TOO_LARGE,
               "The server sent a packet over the size limit");
}

static gboolean
is_base64_char (guint8 c)
{
  return g_ascii_isalnum (c) || c == '+' || c == '/';
}

static MiricatReadStatus
next_yemu (MiricatReader *reader, char **json, gsize *len, GError **error)
{
  const char *data;
  gsize avail, run = 0, pad = 0, needed, usable, end = 0, plain_len = 0, consumed;
  gsize limit = (reader->max_packet / 3 + 1) * 4;
  gboolean capped = FALSE, padded, tail_pending;
  g_autofree guint8 *plain = NULL;
  g_autofree char *copy = NULL;
  MiricatJsonScan scan;

  {
    gsize skip = 0;

    while (skip < reader->buf->len && is_space ((char) reader->buf->data[skip]))
      skip++;
    g_byte_array_remove_range (reader->buf, 0, (guint) skip);
  }
  data = (const char *) reader->buf->data;
  avail = reader->buf->len;
  if (avail == 0)
    return MIRICAT_READ_NEED_MORE;

  if (data[0] == '{')
    {
      /* Look no further than one byte past the limit, so that the verdict
       * does not depend on how much has arrived. */
      scan = miricat_json_scan_object (data, MIN (avail, reader->max_packet + 1), &end);
      if (scan == MIRICAT_JSON_INVALID)
        return fail (reader, error, MIRICAT_ERROR_PROTOCOL, "The server sent invalid JSON");
      if (scan == MIRICAT_JSON_INCOMPLETE)
        return avail > reader->max_packet ? too_large (reader, error) : MIRICAT_READ_NEED_MORE;
      if (end > reader->max_packet)
        return too_large (reader, error);
      *json = g_strndup (data, end);
      *len = end;
      g_byte_array_remove_range (reader->buf, 0, (guint) end);
      return MIRICAT_READ_READY;
    }

  if (!is_base64_char ((guint8) data[0]))
    return fail (reader, error, MIRICAT_ERROR_PROTOCOL,
                 "The server sent data that is neither JSON nor base64");
  if (!reader->has_key)
    return fail (reader, error, MIRICAT_ERROR_PROTOCOL,
                 "The server sent encrypted data before the key exchange");

  while (run < avail && is_base64_char ((guint8) data[run]))
    run++;
  /* Only the '=' that complete the last group belong to this blob (one
   * more would be the next packet's, and broken). */
  needed = (4 - run % 4) % 4;
  while (needed <= 2 && pad < needed && run + pad < avail && data[run + pad] == '=')
    pad++;
  /* Decode whole groups: up to the padding when it is complete, else only
   * what comes before the last, partial group. Whether what follows is
   * broken matters only if the packet is not complete before it. */
  padded = pad > 0 && pad == needed;
  tail_pending = run + pad == avail;
  usable = padded ? run + pad : run / 4 * 4;
  /* Unpadded blobs run together: decode no more than one packet can take. */
  if (usable > limit)
    {
      usable = limit;
      capped = TRUE;
    }
  if (usable == 0)
    {
      if (tail_pending)
        return MIRICAT_READ_NEED_MORE;
      return fail (reader, error, MIRICAT_ERROR_PROTOCOL, "The server sent broken base64");
    }

  copy = g_strndup (data, usable);
  plain = g_base64_decode (copy, &plain_len);
  miricat_ctr_apply (reader->key, plain, plain_len);
  scan = miricat_json_scan_object ((const char *) plain, plain_len, &end);
  if (scan == MIRICAT_JSON_INVALID)
    return fail (reader, error, MIRICAT_ERROR_PROTOCOL,
                 "The server sent a packet that does not decrypt to JSON");
  if (scan == MIRICAT_JSON_INCOMPLETE)
    {
      if (capped)
        return too_large (reader, error);
      /* A padded blob is complete: it must hold the whole object. So must
       * one that something other than base64 follows. */
      if (!padded && tail_pending)
        return MIRICAT_READ_NEED_MORE;
      return fail (reader, error, MIRICAT_ERROR_PROTOCOL,
                   "The server sent a truncated encrypted packet");
    }
  /* The object fills whole groups of three bytes (another blob may follow
   * unpadded), or ends exactly where the padded blob ends. */
  if (end % 3 == 0)
    consumed = end / 3 * 4;
  else if (padded && !capped && end == plain_len)
    consumed = usable;
  else
    return fail (reader, error, MIRICAT_ERROR_PROTOCOL,
                 "The server sent an encrypted packet with trailing data");
  if (end > reader->max_packet)
    return too_large (reader, error);
  *json = g_strndup ((const char *) plain, end);
  *len = end;
  memset (plain, 0, plain_len);
  g_byte_array_remove_range (reader->buf, 0, (guint) consumed);
  return MIRICAT_READ_READY;
}

static MiricatReadStatus
next_javacat (MiricatReader *reader, char **json, gsize *len, GError **error)
{
  for (;;)
    {
      const char *data = (const char *) reader->buf->data;
      const char *newline = reader->buf->len ? memchr (data, '\n', reader->buf->len) : NULL;
      gsize line_len, start = 0;
      g_autofree char *line = NULL;

      if (newline == NULL)
        return reader->buf->len > reader->max_packet ? too_large (reader, error)
                                                     : MIRICAT_READ_NEED_MORE;
      line_len = (gsize) (newline - data);
      if (line_len > reader->max_packet)
        return too_large (reader, error);
      line = g_strndup (data, line_len);
      g_byte_array_remove_range (reader->buf, 0, (guint) line_len + 1);
      while (line_len > 0 && is_space (line[line_len - 1]))
        line[--line_len] = '\0';
      while (start < line_len && is_space (line[start]))
        start++;
      if (start == line_len)
        continue; /* the empty line after a plaintext packet */
      if (line[start] == '{')
        {
          *len = line_len - start;
          *json = g_strndup (line + start, *len);
          return MIRICAT_READ_READY;
        }
      if (!reader->has_key)
        return fail (reader, error, MIRICAT_ERROR_PROTOCOL,
                     miricat_base64_is_valid (line + start, line_len - start)
                         ? "The server sent encrypted data before the key exchange"
                         : "The server sent data that is neither JSON nor base64");
      {
        g_autoptr (GError) local = NULL;
        gsize plain_len = 0;
        guint8 *plain = miricat_decrypt_packet (reader->key, line + start, line_len - start,
                                                &plain_len, &local);

        if (plain == NULL)
          return fail (reader, error, (MiricatError) local->code, local->message);
        /* javacat enciphers its "\n" with the packet. */
        while (plain_len > 0 && is_space ((char) plain[plain_len - 1]))
          plain_len--;
        *json = g_strndup ((const char *) plain, plain_len);
        *len = strlen (*json);
        memset (plain, 0, plain_len);
        g_free (plain);
        return MIRICAT_READ_READY;
      }
    }
}

/**
 * miricat_reader_next:
 * @json: (out): the next packet's JSON text, NUL-terminated
 * @len: (out): its length
 *
 * Returns: %MIRICAT_READ_READY with a packet, %MIRICAT_READ_NEED_MORE, or
 *   %MIRICAT_READ_ERROR (for good: the connection must be closed)
 */
MiricatReadStatus
miricat_reader_next (MiricatReader *reader, char **json, gsize *len, GError **error)
{
  MiricatReadStatus status;

  if (reader->failure)
    {
      if (error)
        *error = g_error_copy (reader->failure);
      return MIRICAT_READ_ERROR;
    }
  if (reader->dialect == MIRICAT_DIALECT_YEMU)
    status = next_yemu (reader, json, len, error);
  else
    status = next_javacat (reader, json, len, error);
  if (status == MIRICAT_READ_READY && memchr (*json, '\0', *len) != NULL)
    {
      g_clear_pointer (json, g_free);
      return fail (reader, error, MIRICAT_ERROR_PROTOCOL, "The server sent a NUL byte");
    }
  return status;
}

/* Parsing */

void
miricat_packet_free (MiricatPacket *packet)
{
  if (packet == NULL)
    return;
  g_free (packet->type_name);
  g_free (packet->public_key);
  g_free (packet->http);
  if (packet->token)
    memset (packet->token, 0, strlen (packet->token));
  g_free (packet->token);
  g_strfreev (packet->members);
  g_free (packet->user);
  if (packet->text)
    memset (packet->text, 0, strlen (packet->text));
  g_free (packet->text);
  g_free (packet);
}

/* Names the HTTP side gives to files: what is safe in a URL path. */
gboolean
miricat_file_name_is_valid (const char *name)
{
  gsize len = name ? strlen (name) : 0;

  if (len == 0 || len > MIRICAT_FILE_NAME_MAX || name[0] == '.')
    return FALSE;
  for (gsize i = 0; i < len; i++)
    if (!g_ascii_isalnum (name[i]) && name[i] != '.' && name[i] != '_' && name[i] != '-')
      return FALSE;
  return TRUE;
}

static char *
dup_string (JsonObject *object, const char *name)
{
  JsonNode *node = object ? json_object_get_member (object, name) : NULL;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return g_strdup (json_node_get_string (node));
}

static gboolean
get_int (JsonObject *object, const char *name, gint64 *value)
{
  JsonNode *node = object ? json_object_get_member (object, name) : NULL;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_INT64)
    return FALSE;
  *value = json_node_get_int (node);
  return TRUE;
}

static char **
dup_members (JsonObject *object, const char *name)
{
  JsonNode *node = object ? json_object_get_member (object, name) : NULL;
  GPtrArray *names = g_ptr_array_new ();
  JsonArray *array;

  if (node && JSON_NODE_HOLDS_ARRAY (node))
    {
      array = json_node_get_array (node);
      for (guint i = 0; i < json_array_get_length (array) && names->len < MAX_MEMBERS; i++)
        {
          JsonNode *item = json_array_get_element (array, i);
          const char *member;
          gboolean seen = FALSE;

          if (!JSON_NODE_HOLDS_VALUE (item) || json_node_get_value_type (item) != G_TYPE_STRING)
            continue;
          member = json_node_get_string (item);
          /* Yemu lists clients that have not logged in as "". */
          if (member == NULL || *member == '\0')
            continue;
          for (guint j = 0; j < names->len && !seen; j++)
            seen = g_str_equal (names->pdata[j], member);
          if (!seen)
            g_ptr_array_add (names, g_strdup (member));
        }
    }
  g_ptr_array_add (names, NULL);
  return (char **) g_ptr_array_free (names, FALSE);
}

static gboolean
require (MiricatPacket *packet, gboolean ok, GError **error)
{
  if (!ok)
    g_set_error (error, MIRICAT_ERROR, MIRICAT_ERROR_PROTOCOL,
                 "The server sent a %s packet without its data", packet->type_name);
  return ok;
}

/* Yemu's numbering (lib/src/types/ResponseTypes.dart: the enum index). */
static gboolean
parse_yemu (MiricatPacket *packet, gint64 type, JsonObject *data, GError **error)
{
  switch (type)
    {
    case 0:
      packet->kind = MIRICAT_PACKET_HANDSHAKE;
      packet->public_key = dup_string (data, "publicKey");
      return require (packet, packet->public_key != NULL, error);
    case 1:
      packet->kind = MIRICAT_PACKET_ACCEPTED;
      packet->http = dup_string (data, "http");
      packet->token = dup_string (data, "accessToken");
      return require (packet, data != NULL, error);
    case 7:
      packet->kind = MIRICAT_PACKET_MESSAGE;
      packet->user = dup_string (data, "username");
      packet->text = dup_string (data, "message");
      return require (packet, packet->user && packet->text, error);
    case 8:
      packet->kind = MIRICAT_PACKET_JOINED;
      packet->user = dup_string (data, "username");
      packet->members = dup_members (data, "allUsers");
      return require (packet, packet->user != NULL, error);
    case 9:
      packet->kind = MIRICAT_PACKET_LEFT;
      packet->user = dup_string (data, "username");
      return require (packet, packet->user != NULL, error);
    case 12:
      packet->kind = MIRICAT_PACKET_TOKEN;
      packet->token = dup_string (data, "accessToken");
      return require (packet, packet->token != NULL, error);
    case 2:
    case 3:
      packet->error = MIRICAT_ERROR_PASSWORD_REQUIRED;
      break;
    case 4:
      packet->error = MIRICAT_ERROR_WRONG_PASSWORD;
      break;
    case 5:
      packet->error = MIRICAT_ERROR_ALREADY_CONNECTED;
      break;
    case 6:
    case 13:
      packet->error = MIRICAT_ERROR_NOT_REGISTERED;
      break;
    case 11:
      packet->error = MIRICAT_ERROR_REFUSED;
      break;
    case 10:
    case 14:
    case 15:
      packet->error = MIRICAT_ERROR_PROTOCOL;
      break;
    default:
      g_set_error (error, MIRICAT_ERROR, MIRICAT_ERROR_PROTOCOL,
                   "The server sent an unknown packet type %" G_GINT64_FORMAT, type);
      return FALSE;
    }
  packet->kind = MIRICAT_PACKET_ERROR;
  return TRUE;
}

static const struct
{
  const char *name;
  MiricatError error;
} javacat_errors[] = {
  { "UserPasswordRequired", MIRICAT_ERROR_PASSWORD_REQUIRED },
  { "UserPasswordInvalid", MIRICAT_ERROR_WRONG_PASSWORD },
  { "UserNotFound", MIRICAT_ERROR_NOT_REGISTERED },
  { "UnsupportedVersion", MIRICAT_ERROR_UNSUPPORTED_VERSION },
  { "UserAlreadyExists", MIRICAT_ERROR_USER_EXISTS },
  { "PacketDataIncorrect", MIRICAT_ERROR_PROTOCOL },
  { "AuthDataIncorrect", MIRICAT_ERROR_PROTOCOL },
  { "MessageDataIncorrect", MIRICAT_ERROR_REFUSED },
  { "RoomNotFound", MIRICAT_ERROR_NO_ROOM },
  { "RoomDontExists", MIRICAT_ERROR_NO_ROOM },
  { "AccessDenied", MIRICAT_ERROR_REFUSED },
  { "HeartbeatTimeout", MIRICAT_ERROR_TIMEOUT },
};

static gboolean
parse_javacat (MiricatPacket *packet, const char *type, JsonObject *data, GError **error)
{
  if (g_str_equal (type, "Handshake.Handshake"))
    {
      packet->kind = MIRICAT_PACKET_HANDSHAKE;
      packet->public_key = dup_string (data, "publicKey");
      return require (packet, packet->public_key != NULL, error);
    }
  if (g_str_equal (type, "Authentication.Accepted"))
    {
      JsonNode *rooms = data ? json_object_get_member (data, "rooms") : NULL;

      packet->kind = MIRICAT_PACKET_ACCEPTED;
      packet->http = dup_string (data, "http");
      if (!get_int (data, "heartbeatRate", &packet->heartbeat_rate))
        packet->heartbeat_rate = 0;
      /* One room for us: the first the server lists. */
      if (rooms && JSON_NODE_HOLDS_ARRAY (rooms) &&
          json_array_get_length (json_node_get_array (rooms)) > 0)
        {
          JsonNode *first = json_array_get_element (json_node_get_array (rooms), 0);
          JsonObject *room = JSON_NODE_HOLDS_OBJECT (first) ? json_node_get_object (first) : NULL;

          packet->has_room = get_int (room, "id", &packet->room_id);
          packet->members = dup_members (room, "allUsers");
        }
      return require (packet, data != NULL, error);
    }
  if (g_str_equal (type, "Authentication.UpdateAccessToken"))
    {
      packet->kind = MIRICAT_PACKET_TOKEN;
      packet->token = dup_string (data, "accessToken");
      return require (packet, packet->token != NULL, error);
    }
  if (g_str_equal (type, "Message.TextMessage") || g_str_equal (type, "Message.ImageMessage"))
    {
      gboolean image = g_str_equal (type, "Message.ImageMessage");

      packet->kind = image ? MIRICAT_PACKET_IMAGE : MIRICAT_PACKET_MESSAGE;
      packet->user = dup_string (data, "user");
      packet->text = dup_string (data, image ? "image" : "text");
      if (!get_int (data, "time", &packet->timestamp) || packet->timestamp < 0)
        packet->timestamp = 0;
      if (image && packet->text && !miricat_file_name_is_valid (packet->text))
        {
          g_set_error_literal (error, MIRICAT_ERROR, MIRICAT_ERROR_PROTOCOL,
                               "The server sent an image message with an unusable file name");
          return FALSE;
        }
      return require (packet, packet->user && packet->text, error);
    }
  if (g_str_equal (type, "Room.Joined") || g_str_equal (type, "Room.Left"))
    {
      packet->kind =
          g_str_equal (type, "Room.Joined") ? MIRICAT_PACKET_JOINED : MIRICAT_PACKET_LEFT;
      packet->user = dup_string (data, "user");
      packet->has_room = get_int (data, "room", &packet->room_id);
      if (packet->kind == MIRICAT_PACKET_JOINED)
        packet->members = dup_members (data, "allUsers");
      return require (packet, packet->user != NULL, error);
    }
  if (g_str_has_prefix (type, "Error."))
    {
      packet->kind = MIRICAT_PACKET_ERROR;
      packet->error = MIRICAT_ERROR_FAILED;
      for (gsize i = 0; i < G_N_ELEMENTS (javacat_errors); i++)
        if (g_str_equal (type + strlen ("Error."), javacat_errors[i].name))
          packet->error = javacat_errors[i].error;
      return TRUE;
    }
  if (g_str_has_prefix (type, "Room.") || g_str_has_prefix (type, "User.") ||
      g_str_has_prefix (type, "Heartbeat."))
    {
      packet->kind = MIRICAT_PACKET_OTHER;
      return TRUE;
    }
  g_set_error_literal (error, MIRICAT_ERROR, MIRICAT_ERROR_PROTOCOL,
                       "The server sent an unknown packet type");
  return FALSE;
}

/**
 * miricat_packet_parse:
 *
 * Reads one packet from the server. Anything that is not one JSON object
 * with a type this dialect knows is a protocol error.
 */
MiricatPacket *
miricat_packet_parse (MiricatDialect dialect, const char *json, gsize len, GError **error)
{
  g_autoptr (JsonParser) parser = NULL;
  g_autoptr (MiricatPacket) packet = NULL;
  JsonObject *root, *data = NULL;
  JsonNode *type, *data_node;
  gsize end = 0;

  if (!g_utf8_validate (json, (gssize) len, NULL) ||
      miricat_json_scan_object (json, len, &end) != MIRICAT_JSON_COMPLETE)
    {
      g_set_error_literal (error, MIRICAT_ERROR, MIRICAT_ERROR_PROTOCOL,
                           "The server sent invalid JSON");
      return NULL;
    }
  for (gsize i = end; i < len; i++)
    if (!is_space (json[i]))
      {
        g_set_error_literal (error, MIRICAT_ERROR, MIRICAT_ERROR_PROTOCOL,
                             "The server sent invalid JSON");
        return NULL;
      }
  parser = json_parser_new_immutable ();
  if (!json_parser_load_from_data (parser, json, (gssize) len, NULL))
    {
      g_set_error_literal (error, MIRICAT_ERROR, MIRICAT_ERROR_PROTOCOL,
                           "The server sent invalid JSON");
      return NULL;
    }
  root = json_node_get_object (json_parser_get_root (parser));
  type = json_object_get_member (root, "type");
  data_node = json_object_get_member (root, "data");
  if (data_node && JSON_NODE_HOLDS_OBJECT (data_node))
    data = json_node_get_object (data_node);

  packet = g_new0 (MiricatPacket, 1);
  if (dialect == MIRICAT_DIALECT_YEMU && type && JSON_NODE_HOLDS_VALUE (type) &&
      json_node_get_value_type (type) == G_TYPE_INT64)
    {
      packet->type_name = g_strdup_printf ("%" G_GINT64_FORMAT, json_node_get_int (type));
      if (!parse_yemu (packet, json_node_get_int (type), data, error))
        return NULL;
    }
  else if (dialect == MIRICAT_DIALECT_JAVACAT && type && JSON_NODE_HOLDS_VALUE (type) &&
           json_node_get_value_type (type) == G_TYPE_STRING)
    {
      packet->type_name = g_strdup (json_node_get_string (type));
      if (!parse_javacat (packet, packet->type_name, data, error))
        return NULL;
    }
  else
    {
      g_set_error_literal (
          error, MIRICAT_ERROR, MIRICAT_ERROR_PROTOCOL,
          "The server sent a packet without a type of this dialect (is the dialect right?)");
      return NULL;
    }
  return g_steal_pointer (&packet);
}

/* Building */

static JsonBuilder *
begin_packet (MiricatDialect dialect, int yemu_type, const char *javacat_type)
{
  JsonBuilder *builder = json_builder_new ();

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "type");
  if (dialect == MIRICAT_DIALECT_YEMU)
    json_builder_add_int_value (builder, yemu_type);
  else
    json_builder_add_string_value (builder, javacat_type);
  json_builder_set_member_name (builder, "data");
  json_builder_begin_object (builder);
  return builder;
}

static char *
end_packet (JsonBuilder *builder, gboolean with_room, gint64 room_id)
{
  g_autoptr (JsonGenerator) generator = json_generator_new ();
  g_autoptr (JsonNode) root = NULL;

  json_builder_end_object (builder);
  if (with_room)
    {
      json_builder_set_member_name (builder, "room");
      json_builder_add_int_value (builder, room_id);
    }
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  g_object_unref (builder);
  json_generator_set_root (generator, root);
  return json_generator_to_data (generator, NULL);
}

static void
add_string (JsonBuilder *builder, const char *name, const char *value)
{
  json_builder_set_member_name (builder, name);
  json_builder_add_string_value (builder, value);
}

char *
miricat_packet_build_handshake (MiricatDialect dialect, const char *public_hex)
{
  JsonBuilder *builder = begin_packet (dialect, 0, "Handshake.Handshake");

  if (dialect == MIRICAT_DIALECT_JAVACAT)
    add_string (builder, "version", "2.0.0");
  add_string (builder, "publicKey", public_hex);
  return end_packet (builder, FALSE, 0);
}

char *
miricat_packet_build_login (MiricatDialect dialect, const char *user, const char *password)
{
  JsonBuilder *builder = begin_packet (dialect, 1, "Authentication.Login");

  add_string (builder, "username", user);
  if (password)
    add_string (builder, "password", password);
  return end_packet (builder, FALSE, 0);
}

char *
miricat_packet_build_text (MiricatDialect dialect, gint64 room_id, const char *text)
{
  JsonBuilder *builder = begin_packet (dialect, 2, "Message.CreateTextMessage");

  add_string (builder, dialect == MIRICAT_DIALECT_YEMU ? "message" : "text", text);
  return end_packet (builder, dialect == MIRICAT_DIALECT_JAVACAT, room_id);
}

char *
miricat_packet_build_image (MiricatDialect dialect, gint64 room_id, const char *file_name)
{
  g_autofree char *text = NULL;
  JsonBuilder *builder;

  if (dialect == MIRICAT_DIALECT_YEMU)
    {
      text = g_strconcat (MIRICAT_IMAGE_MARKER, file_name, NULL);
      return miricat_packet_build_text (dialect, room_id, text);
    }
  builder = begin_packet (dialect, 2, "Message.CreateImageMessage");
  add_string (builder, "image", file_name);
  return end_packet (builder, TRUE, room_id);
}

/* javacat's Room.Join and Room.Leave. */
char *
miricat_packet_build_room (const char *type, gint64 room_id)
{
  JsonBuilder *builder = begin_packet (MIRICAT_DIALECT_JAVACAT, 0, type);

  json_builder_set_member_name (builder, "room");
  json_builder_add_int_value (builder, room_id);
  return end_packet (builder, FALSE, 0);
}

char *
miricat_packet_build_ping (void)
{
  return g_strdup ("{\"type\":\"Heartbeat.Ping\"}");
}
