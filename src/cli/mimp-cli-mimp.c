/* mimp-cli-mimp.c - mimp-cli's verbs over MIMP (libmimp's MimpClientSession)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "mimp-cli"

#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <glib-unix.h>
#include <json-glib/json-glib.h>

#include "mimp-cli-mimp-e2e.h"
#include "mimp-cli-mimp.h"
#include "mimp.h"

typedef struct
{
  GMainLoop *loop;
  MimpClientSession *session;
  int status;
  gboolean was_online;
  gboolean json;
  gint64 count;
  gint64 received;
  GPtrArray *unsent; /* send: the client ids the server has not taken yet */
  int timeout;
  guint timeout_id;
} Cli;

gboolean
mimp_cli_mimp_take_id (GPtrArray *ids, const char *id)
{
  for (guint i = 0; ids && i < ids->len; i++)
    if (g_str_equal (ids->pdata[i], id))
      {
        g_ptr_array_remove_index (ids, i);
        return TRUE;
      }
  return FALSE;
}

int
mimp_cli_mimp_status_for_error (const GError *error)
{
  switch (mimp_error_get_kind (error))
    {
    case MIMP_ERROR_KIND_CONNECT:
      return EXIT_CONNECT;
    case MIMP_ERROR_KIND_AUTH:
      return EXIT_AUTH;
    case MIMP_ERROR_KIND_REFUSED:
      return EXIT_REFUSED;
    case MIMP_ERROR_KIND_OTHER:
    default:
      return EXIT_FAILURE_OTHER;
    }
}

static void
finish (Cli *cli, int status)
{
  cli->status = status;
  g_main_loop_quit (cli->loop);
}

int
mimp_cli_mimp_state_status (MimpClientSession *session, gboolean *was_online)
{
  const GError *error = mimp_client_session_get_error (session);

  switch (mimp_client_session_get_state (session))
    {
    case MIMP_SESSION_STATE_ONLINE:
      *was_online = TRUE;
      break;
    case MIMP_SESSION_STATE_WAITING:
      /* A first attempt that fails is reported at once; a connection lost
       * later is retried (with the same client id) until the timeout. */
      if (!*was_online && error)
        {
          mimp_cli_die (0, "%s", error->message);
          return mimp_cli_mimp_status_for_error (error);
        }
      else if (error)
        g_debug ("Connection lost (%s); retrying", error->message);
      break;
    case MIMP_SESSION_STATE_NEEDS_PASSWORD:
    case MIMP_SESSION_STATE_NEEDS_CERTIFICATE:
    case MIMP_SESSION_STATE_OFFLINE:
      if (error)
        {
          mimp_cli_die (0, "%s", error->message);
          return mimp_cli_mimp_status_for_error (error);
        }
      break;
    case MIMP_SESSION_STATE_CONNECTING:
    default:
      break;
    }
  return -1;
}

static void
state_cb (MimpClientSession *session, GParamSpec *pspec, Cli *cli)
{
  int status = mimp_cli_mimp_state_status (session, &cli->was_online);

  if (status >= 0)
    finish (cli, status);
}

static void
send_finished_cb (MimpClientSession *session, const char *client_id, const char *server_id,
                  gint64 timestamp, const GError *error, Cli *cli)
{
  if (!mimp_cli_mimp_take_id (cli->unsent, client_id))
    return;
  if (error)
    {
      mimp_cli_die (0, "message not sent: %s", error->message);
      finish (cli, mimp_cli_mimp_status_for_error (error));
      return;
    }
  if (cli->unsent->len == 0)
    finish (cli, EXIT_OK);
}

void
mimp_cli_mimp_add_message_members (JsonBuilder *builder, const MimpMessage *message,
                                   const char *text)
{
  json_builder_set_member_name (builder, "protocol");
  json_builder_add_string_value (builder, "mimp");
  json_builder_set_member_name (builder, "id");
  if (message->id)
    json_builder_add_string_value (builder, message->id);
  else
    json_builder_add_null_value (builder);
  json_builder_set_member_name (builder, "seq");
  json_builder_add_int_value (builder, message->seq);
  json_builder_set_member_name (builder, "from");
  json_builder_add_string_value (builder, message->from);
  json_builder_set_member_name (builder, "to");
  if (message->to)
    json_builder_add_string_value (builder, message->to);
  else
    json_builder_add_null_value (builder);
  json_builder_set_member_name (builder, "text");
  json_builder_add_string_value (builder, text);
  json_builder_set_member_name (builder, "ts");
  json_builder_add_int_value (builder, message->timestamp);
}

char *
mimp_cli_json_line (JsonBuilder *builder)
{
  g_autoptr (JsonGenerator) generator = json_generator_new ();
  g_autoptr (JsonNode) root = json_builder_get_root (builder);

  json_generator_set_root (generator, root);
  return json_generator_to_data (generator, NULL);
}

static char *
message_to_json (const MimpMessage *message)
{
  g_autoptr (JsonBuilder) builder = json_builder_new ();

  json_builder_begin_object (builder);
  mimp_cli_mimp_add_message_members (builder, message, message->text);
  json_builder_end_object (builder);
  return mimp_cli_json_line (builder);
}

static void
messages_received_cb (MimpClientSession *session, GPtrArray *messages, Cli *cli)
{
  gint64 highest = -1;

  for (guint i = 0; i < messages->len; i++)
    {
      const MimpMessage *message = messages->pdata[i];
      g_autofree char *line = NULL;

      if (cli->json)
        line = message_to_json (message);
      else
        {
          g_autofree char *text = mimp_cli_escape_line (message->text);

          line = g_strdup_printf ("%s\t%s", message->from, text);
        }
      /* A line is "stored" once it reached our standard output. */
      if (!mimp_cli_print_line (line))
        {
          mimp_cli_die (0, "cannot write to standard output: %s", g_strerror (errno));
          finish (cli, EXIT_FAILURE_OTHER);
          break;
        }
      highest = MAX (highest, message->seq);
      cli->received++;
      if (cli->count > 0 && cli->received >= cli->count)
        break;
    }
  /* Acknowledge only what was written: the rest comes again next time. */
  if (highest >= 0)
    mimp_client_session_acknowledge (session, highest);
  if (cli->count > 0 && cli->received >= cli->count)
    {
      mimp_client_session_set_receive (session, FALSE);
      finish (cli, EXIT_OK);
    }
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
  mimp_cli_die (0, "gave up after %d seconds: %s", cli->timeout,
                mimp_client_session_get_error (cli->session)
                    ? mimp_client_session_get_error (cli->session)->message
                    : "no answer from the server");
  finish (cli, EXIT_CONNECT);
  return G_SOURCE_REMOVE;
}

void
mimp_cli_mimp_flush_ack_cb (GObject *object, GAsyncResult *result, gpointer loop)
{
  g_autoptr (GError) error = NULL;

  if (!mimp_client_session_flush_ack_finish (MIMP_CLIENT_SESSION (object), result, &error))
    g_debug ("Final acknowledgement not sent (%s); those messages come again", error->message);
  g_main_loop_quit (loop);
}

int
mimp_cli_mimp_parse_account (const MimpCliRequest *request, char **host, guint16 *port, char **user,
                             char **peer)
{
  g_autoptr (GError) error = NULL;

  if (!mimp_cli_parse_server (request->server,
                              request->use_tls ? MIMP_DEFAULT_TLS_PORT : MIMP_DEFAULT_PORT, host,
                              port))
    return mimp_cli_die (EXIT_USAGE, "cannot read the server '%s' (use HOST or HOST:PORT)",
                         request->server);
  if (request->user == NULL)
    return mimp_cli_die (EXIT_USAGE, "no user name given (use --user NAME)");
  if (!mimp_user_name_normalize (request->user, user, &error))
    return mimp_cli_die (EXIT_USAGE, "%s", error->message);
  if (request->to != NULL && !mimp_user_name_normalize (request->to, peer, &error))
    return mimp_cli_die (EXIT_USAGE, "%s", error->message);
  return EXIT_OK;
}

MimpClientSession *
mimp_cli_mimp_new_session (const MimpCliRequest *request, const char *host, guint16 port,
                           const char *user, int *status)
{
  g_autoptr (GError) error = NULL;
  MimpClientSession *session;
  char *password = NULL;

  if (!(password = request->get_password (&error)))
    {
      *status = mimp_cli_die (EXIT_USAGE, "%s", error->message);
      return NULL;
    }
  if (!mimp_password_check (password, &error))
    {
      mimp_secure_free_string (password);
      *status = mimp_cli_die (EXIT_USAGE, "%s", error->message);
      return NULL;
    }
  session = mimp_client_session_new (host, port, request->use_tls, user);
  mimp_client_session_set_password (session, password);
  mimp_secure_free_string (password);
  mimp_client_session_set_accepted_certificate (session, request->accept_certificate);
  *status = EXIT_OK;
  return session;
}

int
mimp_cli_mimp_run (const MimpCliRequest *request)
{
  g_autofree char *host = NULL;
  g_autofree char *user = NULL;
  g_autofree char *to = NULL;
  guint16 port;
  Cli cli = { 0 };
  gboolean sending = g_str_equal (request->command, "send");
  int status;

  if (request->e2e)
    return mimp_cli_mimp_e2e_run (request);
  if ((status = mimp_cli_mimp_parse_account (request, &host, &port, &user, &to)) != EXIT_OK)
    return status;
  if (!(cli.session = mimp_cli_mimp_new_session (request, host, port, user, &status)))
    return status;

  cli.loop = g_main_loop_new (NULL, FALSE);
  cli.json = request->json;
  cli.count = request->count;
  cli.timeout = request->timeout;
  g_signal_connect (cli.session, "notify::state", G_CALLBACK (state_cb), &cli);

  if (sending)
    {
      cli.unsent = g_ptr_array_new_with_free_func (g_free);
      mimp_client_session_set_receive (cli.session, FALSE);
      g_signal_connect (cli.session, "send-finished", G_CALLBACK (send_finished_cb), &cli);
      /* In order, each with its own client id. */
      for (const char *const *text = request->texts; *text; text++)
        {
          char *client_id = g_uuid_string_random ();

          g_ptr_array_add (cli.unsent, client_id);
          mimp_client_session_send (cli.session, client_id, request->to, *text);
        }
      cli.timeout_id = g_timeout_add_seconds ((guint) request->timeout, timeout_cb, &cli);
    }
  else
    {
      mimp_client_session_set_manual_ack (cli.session, TRUE);
      g_signal_connect (cli.session, "messages-received", G_CALLBACK (messages_received_cb), &cli);
    }

  g_unix_signal_add (SIGINT, signal_cb, &cli);
  g_unix_signal_add (SIGTERM, signal_cb, &cli);
  mimp_client_session_start (cli.session);
  g_main_loop_run (cli.loop);

  if (!sending && cli.received > 0)
    {
      /* Tell the server what was printed, so it is not delivered again. */
      mimp_client_session_flush_ack_async (cli.session, NULL, mimp_cli_mimp_flush_ack_cb, cli.loop);
      g_main_loop_run (cli.loop);
    }
  g_clear_handle_id (&cli.timeout_id, g_source_remove);
  mimp_client_session_stop (cli.session);
  g_clear_object (&cli.session);
  g_main_loop_unref (cli.loop);
  g_clear_pointer (&cli.unsent, g_ptr_array_unref);
  return cli.status;
}
