/* mimp-body.h - build and parse the JSON bodies of each packet
 *
 * Exact in what it writes, tolerant in what it reads (docs/protocols/mimp.md).
 * Pure: no I/O. Bodies here are plain (deciphered) bytes.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib-object.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

#define MIMP_TOKEN_LENGTH 16
#define MIMP_USER_NAME_MAX 32
#define MIMP_PASSWORD_MAX 1024
#define MIMP_MESSAGE_TEXT_MAX (16 * 1024)
#define MIMP_GU_MAX_MESSAGES 500
#define MIMP_GU_WAIT_MAX 60
#define MIMP_JSON_MAX_DEPTH 32

/**
 * MimpMessage:
 * @id: the server's message id, or %NULL from a server that sends none
 * @seq: the per-recipient sequence number, or -1 when absent
 * @from: the sender (`uf`)
 * @to: the recipient (`ut`), or %NULL when absent
 * @text: the message text (`ms`)
 * @timestamp: server time in milliseconds since the Unix epoch
 * @ephemeral: an ephemeral message (extension): never stored by the
 *   server, without @id and @seq, and never acknowledged
 */
typedef struct
{
  char *id;
  gint64 seq;
  char *from;
  char *to;
  char *text;
  gint64 timestamp;
  gboolean ephemeral;
} MimpMessage;

#define MIMP_TYPE_MESSAGE (mimp_message_get_type ())
GType mimp_message_get_type (void) G_GNUC_CONST;
MimpMessage *mimp_message_new (const char *id, gint64 seq, const char *from, const char *to,
                               const char *text, gint64 timestamp);
MimpMessage *mimp_message_copy (const MimpMessage *message);
void mimp_message_free (MimpMessage *message);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (MimpMessage, mimp_message_free)

/* Requests as the server reads them. */
typedef struct
{
  char *user;
  char *password; /* wiped on clear */
} MimpLoginRequest;

typedef struct
{
  char *from;
  char *to;
  char *text;
  char *token;
  char *client_id;    /* extension: idempotent sends; %NULL when absent */
  gboolean ephemeral; /* extension: relayed to a waiting long poll only, never stored */
} MimpSendRequest;

typedef struct
{
  char *from;
  char *token;
  gint64 ack; /* extension: -1 when absent */
  guint wait; /* extension: 0 when absent, else 1..60 seconds */
} MimpGetRequest;

void mimp_login_request_clear (MimpLoginRequest *request);
void mimp_send_request_clear (MimpSendRequest *request);
void mimp_get_request_clear (MimpGetRequest *request);

gboolean mimp_user_name_normalize (const char *name, char **normalized, GError **error);
gboolean mimp_password_check (const char *password, GError **error);
gboolean mimp_json_check (const guint8 *body, gsize len, GError **error);
JsonObject *mimp_json_parse_object (const guint8 *body, gsize len, JsonNode **root, GError **error);

/* Server side: parse requests (errors are MIMP_ERROR_BAD_REQUEST or
 * MIMP_ERROR_TOO_LARGE, which map to 400 and 413). */
gboolean mimp_body_parse_login_request (const guint8 *body, gsize len, MimpLoginRequest *request,
                                        GError **error);
gboolean mimp_body_parse_send_request (const guint8 *body, gsize len, MimpSendRequest *request,
                                       GError **error);
gboolean mimp_body_parse_get_request (const guint8 *body, gsize len, MimpGetRequest *request,
                                      GError **error);

/* Server side: build replies into @out (appended). */
void mimp_body_append_send_reply (GString *out, const char *id, gint64 timestamp);
void mimp_body_append_message (GString *out, const MimpMessage *message);
void mimp_body_append_error (GString *out, int code, const char *message);
void mimp_json_append_string (GString *out, const char *str);

/* Client side: build requests. */
GBytes *mimp_body_build_login_request (const char *user, const char *password);
GBytes *mimp_body_build_send_request (const char *from, const char *to, const char *text,
                                      const char *token, const char *client_id);
GBytes *mimp_body_build_get_request (const char *from, const char *token, gint64 ack, guint wait);
GBytes *mimp_body_build_request (const char *from, const char *token, const char *members);

/* Client side: parse replies, tolerantly. */
gboolean mimp_body_parse_token (const guint8 *body, gsize len, char **token, GError **error);
gboolean mimp_body_parse_send_reply (const guint8 *body, gsize len, char **id, gint64 *timestamp,
                                     GError **error);
gboolean mimp_body_parse_get_reply (const guint8 *body, gsize len, gint64 now, GPtrArray **messages,
                                    gboolean *more, GError **error);
gboolean mimp_body_parse_error (const guint8 *body, gsize len, int *code, char **message);

G_END_DECLS
