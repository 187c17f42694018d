/* mimp-cli-miricat.c - mimp-cli's verbs over Miricat (libmiricat's MiricatClient)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A Miricat server is one room: `send TO TEXT` sends TEXT to it (TO must be
 * "room" or is ignored), `listen` prints what is said there. --dialect says
 * which server it is (yemu, the default, or javacat): they cannot be told
 * apart on the wire. "Sent" means written to the socket: the server sends
 * no acknowledgement.
 */
#define G_LOG_DOMAIN "mimp-cli"

#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <glib-unix.h>
#include <json-glib/json-glib.h>

#include "mimp-cli-miricat.h"
#include "mimp.h"
#include "miricat.h"

#define CLOSE_TIMEOUT_S 5

G_STATIC_ASSERT (MIMP_CLI_MIRICAT_PORT == MIRICAT_DEFAULT_PORT);
G_STATIC_ASSERT (MIMP_CLI_MIRICAT_TEXT_MAX == MIRICAT_TEXT_MAX);

typedef struct
{
  GMainLoop *loop;
  MiricatClient *client;
  int status;
  gboolean done;
  gboolean sending;
  gboolean json;
  gint64 count;
  gint64 received;
  const char *text;
  int timeout;
  guint timeout_id;
} Cli;

static int
status_for_error (const GError *error)
{
  if (error->domain != MIRICAT_ERROR)
    return EXIT_FAILURE_OTHER;
  switch ((MiricatError) error->code)
    {
    case MIRICAT_ERROR_UNREACHABLE:
    case MIRICAT_ERROR_TIMEOUT:
    case MIRICAT_ERROR_CLOSED:
    case MIRICAT_ERROR_PROTOCOL:
    case MIRICAT_ERROR_TOO_LARGE:
    case MIRICAT_ERROR_BAD_KEY:
    case MIRICAT_ERROR_UNSUPPORTED_VERSION:
    case MIRICAT_ERROR_NO_ROOM:
      return EXIT_CONNECT;
    case MIRICAT_ERROR_NOT_REGISTERED:
    case MIRICAT_ERROR_PASSWORD_REQUIRED:
    case MIRICAT_ERROR_WRONG_PASSWORD:
    case MIRICAT_ERROR_ALREADY_CONNECTED:
      return EXIT_AUTH;
    case MIRICAT_ERROR_REFUSED:
    case MIRICAT_ERROR_INVALID_ARGUMENT:
      return EXIT_REFUSED;
    case MIRICAT_ERROR_FAILED:
    case MIRICAT_ERROR_NOT_CONNECTED:
    case MIRICAT_ERROR_NO_HTTP:
    case MIRICAT_ERROR_UNAUTHORIZED:
    case MIRICAT_ERROR_NOT_FOUND:
    case MIRICAT_ERROR_USER_EXISTS:
    case MIRICAT_ERROR_SERVER_ERROR:
    default:
      return EXIT_FAILURE_OTHER;
    }
}

static void
finish (Cli *cli, int status)
{
  if (cli->done)
    return;
  cli->done = TRUE;
  cli->status = status;
  g_main_loop_quit (cli->loop);
}

static void
state_cb (MiricatClient *client, GParamSpec *pspec, Cli *cli)
{
  const GError *error = miricat_client_get_error (client);

  switch (miricat_client_get_state (client))
    {
    case MIRICAT_STATE_ONLINE:
      if (cli->sending)
        {
          g_autofree char *id = g_uuid_string_random ();

          miricat_client_send_text (client, id, cli->text);
        }
      break;
    case MIRICAT_STATE_FAILED:
      mimp_cli_die (0, "%s", error ? error->message : "the connection failed");
      finish (cli, error ? status_for_error (error) : EXIT_CONNECT);
      break;
    case MIRICAT_STATE_DISCONNECTED:
    case MIRICAT_STATE_CONNECTING:
    default:
      break;
    }
}

static void
send_finished_cb (MiricatClient *client, const char *local_id, const GError *error, Cli *cli)
{
  if (error)
    {
      mimp_cli_die (0, "message not sent: %s", error->message);
      /* Here "too large" is the message's size, not a packet of the server's. */
      finish (cli, g_error_matches (error, MIRICAT_ERROR, MIRICAT_ERROR_TOO_LARGE)
                       ? EXIT_REFUSED
                       : status_for_error (error));
      return;
    }
  finish (cli, EXIT_OK);
}

static gboolean
print_or_fail (Cli *cli, const char *line)
{
  if (mimp_cli_print_line (line))
    return TRUE;
  mimp_cli_die (0, "cannot write to standard output: %s", g_strerror (errno));
  finish (cli, EXIT_FAILURE_OTHER);
  return FALSE;
}

static char *
json_line (const char *first_name, ...)
{
  g_autoptr (JsonBuilder) builder = json_builder_new ();
  g_autoptr (JsonGenerator) generator = json_generator_new ();
  g_autoptr (JsonNode) root = NULL;
  const char *name;
  va_list args;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "protocol");
  json_builder_add_string_value (builder, "miricat");
  va_start (args, first_name);
  for (name = first_name; name; name = va_arg (args, const char *))
    {
      json_builder_set_member_name (builder, name);
      if (g_str_equal (name, "ts"))
        json_builder_add_int_value (builder, va_arg (args, gint64));
      else
        json_builder_add_string_value (builder, va_arg (args, const char *));
    }
  va_end (args);
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  json_generator_set_root (generator, root);
  return json_generator_to_data (generator, NULL);
}

/* A text (@image FALSE) or an image's file name said in the room. */
static void
print_message (Cli *cli, const char *sender, const char *text, gboolean image, gint64 timestamp)
{
  g_autofree char *line = NULL;

  if (cli->done)
    return;
  if (cli->json)
    line = json_line ("from", sender, image ? "image" : "text", text, "ts", timestamp, NULL);
  else
    {
      g_autofree char *from = mimp_cli_escape_line (sender);
      g_autofree char *escaped = mimp_cli_escape_line (text);

      line = image ? g_strdup_printf ("%s\t[image %s]", from, escaped)
                   : g_strdup_printf ("%s\t%s", from, escaped);
    }
  if (!print_or_fail (cli, line))
    return;
  cli->received++;
  if (cli->count > 0 && cli->received >= cli->count)
    finish (cli, EXIT_OK);
}

static void
message_cb (MiricatClient *client, const char *sender, const char *text, gint64 timestamp, Cli *cli)
{
  print_message (cli, sender, text, FALSE, timestamp);
}

static void
image_cb (MiricatClient *client, const char *sender, const char *file_name, gint64 timestamp,
          Cli *cli)
{
  print_message (cli, sender, file_name, TRUE, timestamp);
}

static void
member_event (Cli *cli, const char *event, const char *name)
{
  g_autofree char *line = NULL;

  /* Events only in JSON: the plain format is SENDER<TAB>TEXT per message. */
  if (cli->done || !cli->json)
    return;
  line = json_line ("event", event, "user", name, NULL);
  print_or_fail (cli, line);
}

static void
joined_cb (MiricatClient *client, const char *name, Cli *cli)
{
  member_event (cli, "joined", name);
}

static void
left_cb (MiricatClient *client, const char *name, Cli *cli)
{
  member_event (cli, "left", name);
}

static gboolean
signal_cb (gpointer user_data)
{
  finish (user_data, EXIT_OK);
  return G_SOURCE_REMOVE;
}

static gboolean
timeout_cb (gpointer user_data)
{
  Cli *cli = user_data;

  cli->timeout_id = 0;
  if (!cli->done)
    {
      mimp_cli_die (0, "gave up after %d seconds: the message was not written", cli->timeout);
      finish (cli, EXIT_CONNECT);
    }
  return G_SOURCE_REMOVE;
}

static void
closed_cb (MiricatClient *client, GParamSpec *pspec, GMainLoop *loop)
{
  if (miricat_client_get_state (client) != MIRICAT_STATE_ONLINE &&
      miricat_client_get_state (client) != MIRICAT_STATE_CONNECTING)
    g_main_loop_quit (loop);
}

static gboolean
close_timeout_cb (gpointer user_data)
{
  g_main_loop_quit (user_data);
  return G_SOURCE_REMOVE;
}

/* Leave the room properly (javacat: Room.Leave), for a bounded time. */
static void
disconnect_and_wait (Cli *cli)
{
  guint timeout_id;

  if (miricat_client_get_state (cli->client) != MIRICAT_STATE_ONLINE &&
      miricat_client_get_state (cli->client) != MIRICAT_STATE_CONNECTING)
    return;
  g_signal_handlers_disconnect_by_data (cli->client, cli);
  g_signal_connect (cli->client, "notify::state", G_CALLBACK (closed_cb), cli->loop);
  timeout_id = g_timeout_add_seconds (CLOSE_TIMEOUT_S, close_timeout_cb, cli->loop);
  miricat_client_disconnect (cli->client);
  if (miricat_client_get_state (cli->client) == MIRICAT_STATE_ONLINE ||
      miricat_client_get_state (cli->client) == MIRICAT_STATE_CONNECTING)
    g_main_loop_run (cli->loop);
  g_source_remove (timeout_id);
}

int
mimp_cli_miricat_run (const MimpCliRequest *request)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *host = NULL;
  char *password = NULL;
  guint16 port;
  MiricatDialect dialect = MIRICAT_DIALECT_YEMU;
  Cli cli = { 0 };
  guint sigint_id, sigterm_id;

  if (request->dialect && !miricat_dialect_from_string (request->dialect, &dialect))
    return mimp_cli_die (EXIT_USAGE, "unknown dialect '%s' (use yemu or javacat)",
                         request->dialect);
  if (request->use_tls || request->accept_certificate)
    return mimp_cli_die (EXIT_USAGE, "Miricat servers have no TLS");
  if (!mimp_cli_parse_server (request->server, MIRICAT_DEFAULT_PORT, &host, &port))
    return mimp_cli_die (EXIT_USAGE, "cannot read the server '%s' (use HOST or HOST:PORT)",
                         request->server);
  if (request->user == NULL || *request->user == '\0')
    return mimp_cli_die (EXIT_USAGE, "no user name given (use --user NAME)");
  if (!g_utf8_validate (request->user, -1, NULL) || strlen (request->user) > 256)
    return mimp_cli_die (EXIT_USAGE, "the user name must be UTF-8 text of at most 256 bytes");
  if (g_str_equal (request->command, "send") && !g_str_equal (request->to, "room"))
    g_debug ("A Miricat server is one room: the recipient is ignored");

  /* javacat always wants a password; a Yemu server without registration
   * takes any name without one. */
  if (!(password = request->get_password (&error)))
    {
      if (dialect == MIRICAT_DIALECT_JAVACAT)
        return mimp_cli_die (EXIT_USAGE, "%s", error->message);
      g_clear_error (&error);
    }

  cli.loop = g_main_loop_new (NULL, FALSE);
  cli.json = request->json;
  cli.count = request->count;
  cli.timeout = request->timeout;
  cli.sending = g_str_equal (request->command, "send");
  cli.text = request->text;
  cli.client = miricat_client_new (host, port, MIRICAT_DEFAULT_HTTP_PORT, dialect, request->user);
  miricat_client_set_timeout (cli.client, (guint) request->timeout);
  if (password)
    miricat_client_set_password (cli.client, password);
  mimp_secure_free_string (password);

  g_signal_connect (cli.client, "notify::state", G_CALLBACK (state_cb), &cli);
  if (cli.sending)
    {
      g_signal_connect (cli.client, "send-finished", G_CALLBACK (send_finished_cb), &cli);
      /* The client gives up on the login itself after the timeout; this
       * is for a write that never finishes. */
      cli.timeout_id = g_timeout_add_seconds ((guint) request->timeout + 1, timeout_cb, &cli);
    }
  else
    {
      g_signal_connect (cli.client, "message-received", G_CALLBACK (message_cb), &cli);
      g_signal_connect (cli.client, "image-received", G_CALLBACK (image_cb), &cli);
      g_signal_connect (cli.client, "member-joined", G_CALLBACK (joined_cb), &cli);
      g_signal_connect (cli.client, "member-left", G_CALLBACK (left_cb), &cli);
    }
  sigint_id = g_unix_signal_add (SIGINT, signal_cb, &cli);
  sigterm_id = g_unix_signal_add (SIGTERM, signal_cb, &cli);
  miricat_client_connect (cli.client);
  g_main_loop_run (cli.loop);

  g_clear_handle_id (&cli.timeout_id, g_source_remove);
  g_source_remove (sigint_id);
  g_source_remove (sigterm_id);
  disconnect_and_wait (&cli);
  g_clear_object (&cli.client);
  g_main_loop_unref (cli.loop);
  return cli.status;
}
