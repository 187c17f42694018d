/* miricat-client-http.c - the HTTP side of a Miricat server (libsoup)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Plain HTTP on the host we connected to, at the port the server's Accepted
 * packet names (Yemu without http_address says "null:3073") or the one we
 * were given. Every request but registration carries the access token as
 * the bare Authorization header, the newest the server sent. Bodies are read
 * up to a limit. Nothing here is retried: Yemu answers every request that
 * carries a token with HTTP 500 (a bug of the server), and that is reported
 * as it is.
 */
#define G_LOG_DOMAIN "miricat"

#include "config.h"

#include <string.h>

#include <json-glib/json-glib.h>

#include "miricat-client-private.h"
#include "miricat-error.h"

#define SMALL_BODY_MAX (64 * 1024)
#define HTTP_CHUNK (64 * 1024)

typedef struct
{
  SoupMessage *message;
  GInputStream *stream;
  GByteArray *body;
  gsize max_body;
  gboolean with_token;
} Request;

typedef struct
{
  guint status;
  GBytes *body;
  gboolean with_token;
} Response;

static void
request_free (Request *request)
{
  g_clear_object (&request->message);
  g_clear_object (&request->stream);
  g_clear_pointer (&request->body, g_byte_array_unref);
  g_free (request);
}

static void
response_free (Response *response)
{
  g_bytes_unref (response->body);
  g_free (response);
}

void
miricat_client_http_clear (MiricatClient *self)
{
  if (self->soup)
    soup_session_abort (self->soup);
  g_clear_object (&self->soup);
}

static SoupSession *
get_session (MiricatClient *self)
{
  if (self->soup == NULL)
    self->soup = soup_session_new_with_options ("timeout", self->timeout, "idle-timeout", 30,
                                                "user-agent", "mimp", NULL);
  return self->soup;
}

static char *
build_url (MiricatClient *self, const char *path)
{
  return g_uri_join (G_URI_FLAGS_ENCODED_PATH, "http", NULL, self->host,
                     self->http_known ? self->server_http_port : self->http_port, path, NULL, NULL);
}

/* Requests that need the token need an online client with an HTTP side. */
static gboolean
check_token (MiricatClient *self, GError **error)
{
  if (self->http_known && !self->http_enabled)
    {
      g_set_error_literal (error, MIRICAT_ERROR, MIRICAT_ERROR_NO_HTTP,
                           "The server has no HTTP side (no images or avatars)");
      return FALSE;
    }
  if (self->state != MIRICAT_STATE_ONLINE || self->token == NULL)
    {
      g_set_error_literal (error, MIRICAT_ERROR, MIRICAT_ERROR_NOT_CONNECTED,
                           "Images and avatars need a connected account");
      return FALSE;
    }
  return TRUE;
}

static void read_cb (GObject *object, GAsyncResult *result, gpointer user_data);

static void
return_response (GTask *task)
{
  Request *request = g_task_get_task_data (task);
  Response *response = g_new0 (Response, 1);

  response->status = soup_message_get_status (request->message);
  response->body = g_byte_array_free_to_bytes (g_steal_pointer (&request->body));
  response->with_token = request->with_token;
  g_task_return_pointer (task, response, (GDestroyNotify) response_free);
}

static void
read_more (GTask *task)
{
  Request *request = g_task_get_task_data (task);

  g_input_stream_read_bytes_async (request->stream, HTTP_CHUNK, G_PRIORITY_DEFAULT,
                                   g_task_get_cancellable (task), read_cb, task);
}

static void
read_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  Request *request = g_task_get_task_data (task);
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) bytes =
      g_input_stream_read_bytes_finish (G_INPUT_STREAM (object), result, &error);

  if (bytes == NULL)
    {
      g_task_return_new_error (task, MIRICAT_ERROR, MIRICAT_ERROR_CLOSED,
                               "Lost the HTTP connection: %s", error->message);
      return;
    }
  if (g_bytes_get_size (bytes) == 0)
    {
      return_response (task);
      return;
    }
  if (request->body->len + g_bytes_get_size (bytes) > request->max_body)
    {
      g_task_return_new_error (task, MIRICAT_ERROR, MIRICAT_ERROR_TOO_LARGE,
                               "The server's answer is over %" G_GSIZE_FORMAT " bytes",
                               request->max_body);
      return;
    }
  g_byte_array_append (request->body, g_bytes_get_data (bytes, NULL),
                       (guint) g_bytes_get_size (bytes));
  read_more (g_steal_pointer (&task));
}

static void
send_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  Request *request = g_task_get_task_data (task);
  g_autoptr (GError) error = NULL;
  goffset length;

  request->stream = soup_session_send_finish (SOUP_SESSION (object), result, &error);
  if (request->stream == NULL)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_task_return_error (task, g_steal_pointer (&error));
      else
        g_task_return_new_error (task, MIRICAT_ERROR, MIRICAT_ERROR_UNREACHABLE,
                                 "Cannot reach the server's HTTP side: %s", error->message);
      return;
    }
  length = soup_message_headers_get_content_length (
      soup_message_get_response_headers (request->message));
  if (length > 0 && (guint64) length > request->max_body)
    {
      g_task_return_new_error (task, MIRICAT_ERROR, MIRICAT_ERROR_TOO_LARGE,
                               "The server's answer is over %" G_GSIZE_FORMAT " bytes",
                               request->max_body);
      return;
    }
  read_more (g_steal_pointer (&task));
}

/* Sends @message; the task returns a Response. */
static void
send_request (MiricatClient *self, SoupMessage *message, gboolean with_token, gsize max_body,
              GTask *task)
{
  Request *request = g_new0 (Request, 1);

  if (with_token)
    soup_message_headers_replace (soup_message_get_request_headers (message), "Authorization",
                                  self->token);
  request->message = message;
  request->body = g_byte_array_new ();
  request->max_body = max_body;
  request->with_token = with_token;
  g_task_set_task_data (task, request, (GDestroyNotify) request_free);
  soup_session_send_async (get_session (self), message, G_PRIORITY_DEFAULT,
                           g_task_get_cancellable (task), send_cb, task);
}

/* The error for a status that is not 2xx (nor 404 when @not_found_ok). */
static gboolean
check_status (MiricatClient *self, Response *response, gboolean not_found_ok, GError **error)
{
  guint status = response->status;

  if ((status >= 200 && status < 300) || (status == 404 && not_found_ok))
    return TRUE;
  if ((status == 401 || status == 403) && self->dialect == MIRICAT_DIALECT_JAVACAT)
    g_set_error_literal (error, MIRICAT_ERROR, MIRICAT_ERROR_UNAUTHORIZED,
                         "The server did not accept the access token (javacat servers accept "
                         "only the token of their oldest connection)");
  else if (status == 401 || status == 403)
    g_set_error_literal (error, MIRICAT_ERROR, MIRICAT_ERROR_UNAUTHORIZED,
                         "The server did not accept the access token");
  else if (status == 404)
    g_set_error_literal (error, MIRICAT_ERROR, MIRICAT_ERROR_NOT_FOUND,
                         "The server does not have it (HTTP 404)");
  else if (status == 413)
    g_set_error_literal (error, MIRICAT_ERROR, MIRICAT_ERROR_TOO_LARGE,
                         "The file is too large for the server");
  else if (status == 415)
    g_set_error_literal (error, MIRICAT_ERROR, MIRICAT_ERROR_REFUSED,
                         "The server does not take this type of file");
  else if (status == 500 && response->with_token && self->dialect == MIRICAT_DIALECT_YEMU)
    g_set_error_literal (error, MIRICAT_ERROR, MIRICAT_ERROR_SERVER_ERROR,
                         "The server failed the request (HTTP 500): Yemu servers fail every "
                         "request that carries the access token, so images and avatars do not "
                         "work with them");
  else if (status >= 500)
    g_set_error (error, MIRICAT_ERROR, MIRICAT_ERROR_SERVER_ERROR,
                 "The server failed the request (HTTP %u)", status);
  else
    g_set_error (error, MIRICAT_ERROR, MIRICAT_ERROR_REFUSED,
                 "The server refused the request (HTTP %u)", status);
  return FALSE;
}

/* The answer to the task of send_request(), as a Response, or the error
 * for its status. */
static Response *
finish_request (MiricatClient *self, GAsyncResult *result, gboolean not_found_ok, GError **error)
{
  Response *response = g_task_propagate_pointer (G_TASK (result), error);

  if (response && !check_status (self, response, not_found_ok, error))
    g_clear_pointer (&response, response_free);
  return response;
}

/* Registration */

void
miricat_client_register_async (MiricatClient *self, const char *username, const char *password,
                               GCancellable *cancellable, GAsyncReadyCallback callback,
                               gpointer user_data)
{
  g_autoptr (GTask) task = g_task_new (self, cancellable, callback, user_data);
  g_autoptr (JsonBuilder) builder = json_builder_new ();
  g_autoptr (JsonGenerator) generator = json_generator_new ();
  g_autoptr (JsonNode) root = NULL;
  g_autofree char *url = build_url (self, "/register");
  g_autofree char *body = NULL;
  g_autoptr (GBytes) bytes = NULL;
  SoupMessage *message;
  gsize len = 0;

  g_task_set_source_tag (task, miricat_client_register_async);
  if (username == NULL || *username == '\0' || password == NULL || *password == '\0')
    {
      g_task_return_new_error (task, MIRICAT_ERROR, MIRICAT_ERROR_INVALID_ARGUMENT,
                               "Registration needs a user name and a password");
      return;
    }
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "username");
  json_builder_add_string_value (builder, username);
  json_builder_set_member_name (builder, "password");
  json_builder_add_string_value (builder, password);
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  json_generator_set_root (generator, root);
  body = json_generator_to_data (generator, &len);
  bytes = g_bytes_new_take (g_steal_pointer (&body), len);
  message = soup_message_new ("POST", url);
  soup_message_set_request_body_from_bytes (message, "application/json", bytes);
  send_request (self, message, FALSE, SMALL_BODY_MAX, g_steal_pointer (&task));
}

gboolean
miricat_client_register_finish (MiricatClient *self, GAsyncResult *result, GError **error)
{
  Response *response = g_task_propagate_pointer (G_TASK (result), error);
  gboolean ok = FALSE;
  gsize len = 0;
  const char *body;

  if (response == NULL)
    return FALSE;
  body = g_bytes_get_data (response->body, &len);
  if (response->status == 400 && len > 0 && g_strstr_len (body, (gssize) len, "exists"))
    g_set_error_literal (error, MIRICAT_ERROR, MIRICAT_ERROR_USER_EXISTS,
                         "This user name is taken");
  else if (response->status == 404 || response->status == 405)
    g_set_error_literal (error, MIRICAT_ERROR, MIRICAT_ERROR_NO_HTTP,
                         "The server does not offer registration");
  else
    ok = check_status (self, response, FALSE, error);
  response_free (response);
  return ok;
}

/* Images */

static const char *
extension_for (const char *content_type)
{
  static const struct
  {
    const char *type;
    const char *ext;
  } types[] = {
    { "image/png", "png" },   { "image/jpeg", "jpg" }, { "image/gif", "gif" },
    { "image/webp", "webp" }, { "image/bmp", "bmp" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (types); i++)
    if (g_strcmp0 (content_type, types[i].type) == 0)
      return types[i].ext;
  return NULL;
}

static SoupMessage *
new_upload (MiricatClient *self, const char *path, const char *field, GBytes *image,
            const char *content_type, GError **error)
{
  const char *ext = extension_for (content_type);
  g_autofree char *url = NULL;
  g_autofree char *file_name = NULL;
  SoupMultipart *multipart;
  SoupMessage *message;

  if (!check_token (self, error))
    return NULL;
  if (ext == NULL)
    {
      g_set_error_literal (error, MIRICAT_ERROR, MIRICAT_ERROR_INVALID_ARGUMENT,
                           "Only PNG, JPEG, GIF, WebP and BMP images can be sent");
      return NULL;
    }
  if (image == NULL || g_bytes_get_size (image) == 0 ||
      g_bytes_get_size (image) > MIRICAT_HTTP_BODY_MAX)
    {
      g_set_error_literal (error, MIRICAT_ERROR, MIRICAT_ERROR_INVALID_ARGUMENT,
                           "The image is empty or too large");
      return NULL;
    }
  url = build_url (self, path);
  file_name = g_strconcat (field, ".", ext, NULL);
  multipart = soup_multipart_new (SOUP_FORM_MIME_TYPE_MULTIPART);
  soup_multipart_append_form_file (multipart, field, file_name, content_type, image);
  /* Yemu's POST /images wants the sender's name as well. */
  soup_multipart_append_form_string (multipart, "username", self->username);
  message = soup_message_new_from_multipart (url, multipart);
  soup_multipart_free (multipart);
  return message;
}

/* Yemu answers `{file: NAME}` (a Dart map as text), javacat JSON. */
static char *
parse_file_name (GBytes *body, GError **error)
{
  gsize len = 0;
  const char *data = g_bytes_get_data (body, &len);
  g_autofree char *text = g_strstrip (g_strndup (data ? data : "", len));
  g_autoptr (JsonParser) parser = json_parser_new ();
  char *name = NULL;

  if (json_parser_load_from_data (parser, text, -1, NULL) &&
      JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    {
      JsonObject *object = json_node_get_object (json_parser_get_root (parser));
      JsonNode *file = json_object_get_member (object, "file");

      if (file && JSON_NODE_HOLDS_VALUE (file) && json_node_get_value_type (file) == G_TYPE_STRING)
        name = g_strdup (json_node_get_string (file));
    }
  else if (g_str_has_prefix (text, "{") && g_str_has_suffix (text, "}"))
    {
      g_autofree char *inner = g_strstrip (g_strndup (text + 1, strlen (text) - 2));

      if (g_str_has_prefix (inner, "file:"))
        name = g_strdup (g_strstrip (inner + strlen ("file:")));
    }
  if (name == NULL || !miricat_file_name_is_valid (name))
    {
      g_free (name);
      g_set_error_literal (error, MIRICAT_ERROR, MIRICAT_ERROR_PROTOCOL,
                           "The server's answer to the upload names no usable file");
      return NULL;
    }
  return name;
}

/**
 * miricat_client_upload_image_async:
 *
 * Uploads an image (POST /images). The result is the server's file name, to
 * be shared with miricat_client_send_image().
 */
void
miricat_client_upload_image_async (MiricatClient *self, GBytes *image, const char *content_type,
                                   GCancellable *cancellable, GAsyncReadyCallback callback,
                                   gpointer user_data)
{
  g_autoptr (GTask) task = g_task_new (self, cancellable, callback, user_data);
  GError *error = NULL;
  SoupMessage *message;

  g_task_set_source_tag (task, miricat_client_upload_image_async);
  if (!(message = new_upload (self, "/images", "image", image, content_type, &error)))
    {
      g_task_return_error (task, error);
      return;
    }
  send_request (self, message, TRUE, SMALL_BODY_MAX, g_steal_pointer (&task));
}

char *
miricat_client_upload_image_finish (MiricatClient *self, GAsyncResult *result, GError **error)
{
  Response *response = finish_request (self, result, FALSE, error);
  char *name;

  if (response == NULL)
    return NULL;
  name = parse_file_name (response->body, error);
  response_free (response);
  return name;
}

static void
get_file (MiricatClient *self, const char *path, GTask *task)
{
  GError *error = NULL;
  g_autofree char *url = NULL;

  if (!check_token (self, &error))
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }
  url = build_url (self, path);
  send_request (self, soup_message_new ("GET", url), TRUE, MIRICAT_HTTP_BODY_MAX, task);
}

/**
 * miricat_client_download_image_async:
 * @file_name: as image-received gave it
 *
 * Downloads an image (GET /images/NAME), at most %MIRICAT_HTTP_BODY_MAX bytes.
 */
void
miricat_client_download_image_async (MiricatClient *self, const char *file_name,
                                     GCancellable *cancellable, GAsyncReadyCallback callback,
                                     gpointer user_data)
{
  g_autoptr (GTask) task = g_task_new (self, cancellable, callback, user_data);
  g_autofree char *path = NULL;

  g_task_set_source_tag (task, miricat_client_download_image_async);
  if (!miricat_file_name_is_valid (file_name))
    {
      g_task_return_new_error (task, MIRICAT_ERROR, MIRICAT_ERROR_INVALID_ARGUMENT,
                               "Not a file name the server gave");
      return;
    }
  path = g_strconcat ("/images/", file_name, NULL);
  get_file (self, path, g_steal_pointer (&task));
}

GBytes *
miricat_client_download_image_finish (MiricatClient *self, GAsyncResult *result, GError **error)
{
  Response *response = finish_request (self, result, FALSE, error);
  GBytes *bytes;

  if (response == NULL)
    return NULL;
  bytes = g_bytes_ref (response->body);
  response_free (response);
  return bytes;
}

/* Avatars */

static char *
avatar_path (const char *username)
{
  g_autofree char *escaped = g_uri_escape_string (username, NULL, FALSE);

  return g_strdup_printf ("/user/%s/avatar", escaped);
}

void
miricat_client_set_avatar_async (MiricatClient *self, GBytes *image, const char *content_type,
                                 GCancellable *cancellable, GAsyncReadyCallback callback,
                                 gpointer user_data)
{
  g_autoptr (GTask) task = g_task_new (self, cancellable, callback, user_data);
  g_autofree char *path = avatar_path (self->username);
  GError *error = NULL;
  SoupMessage *message;

  g_task_set_source_tag (task, miricat_client_set_avatar_async);
  if (!(message = new_upload (self, path, "avatar", image, content_type, &error)))
    {
      g_task_return_error (task, error);
      return;
    }
  send_request (self, message, TRUE, SMALL_BODY_MAX, g_steal_pointer (&task));
}

gboolean
miricat_client_set_avatar_finish (MiricatClient *self, GAsyncResult *result, GError **error)
{
  Response *response = finish_request (self, result, FALSE, error);

  if (response == NULL)
    return FALSE;
  response_free (response);
  return TRUE;
}

void
miricat_client_fetch_avatar_async (MiricatClient *self, const char *username,
                                   GCancellable *cancellable, GAsyncReadyCallback callback,
                                   gpointer user_data)
{
  g_autoptr (GTask) task = g_task_new (self, cancellable, callback, user_data);
  g_autofree char *path = NULL;

  g_task_set_source_tag (task, miricat_client_fetch_avatar_async);
  if (username == NULL || *username == '\0')
    {
      g_task_return_new_error (task, MIRICAT_ERROR, MIRICAT_ERROR_INVALID_ARGUMENT,
                               "No user name given");
      return;
    }
  path = avatar_path (username);
  get_file (self, path, g_steal_pointer (&task));
}

/**
 * miricat_client_fetch_avatar_finish:
 * @avatar: (out) (nullable): the image, or %NULL when the user has none
 *
 * A user without an avatar (HTTP 404) is not an error.
 */
gboolean
miricat_client_fetch_avatar_finish (MiricatClient *self, GAsyncResult *result, GBytes **avatar,
                                    GError **error)
{
  Response *response = finish_request (self, result, TRUE, error);

  *avatar = NULL;
  if (response == NULL)
    return FALSE;
  if (response->status != 404)
    *avatar = g_bytes_ref (response->body);
  response_free (response);
  return TRUE;
}
