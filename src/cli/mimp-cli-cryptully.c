/* mimp-cli-cryptully.c - mimp-cli's verbs over Cryptully (libcryptully)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * send: connect, register, run the handshake with TO, send the message, end
 * the chat, exit. listen: accept every chat request (running listen is the
 * user's consent) and print what arrives. No password: a Cryptully relay has
 * no accounts.
 */
#define G_LOG_DOMAIN "mimp-cli"

#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <glib-unix.h>
#include <json-glib/json-glib.h>

#include "cryptully.h"
#include "mimp-cli-cryptully.h"

#define SEND_ID "mimp-cli"

typedef struct
{
  GMainLoop *loop;
  CryptullyClient *client;
  int status;
  gboolean finished;
  gboolean json;
  gint64 count;
  gint64 received;
  int timeout;
  guint timeout_id;
  const char *smp_answer;
} Cli;

static int
status_for_error (const GError *error)
{
  if (error->domain != CRYPTULLY_ERROR)
    return EXIT_FAILURE_OTHER;
  switch (error->code)
    {
    case CRYPTULLY_ERROR_UNREACHABLE:
    case CRYPTULLY_ERROR_TIMEOUT:
    case CRYPTULLY_ERROR_CLOSED:
    case CRYPTULLY_ERROR_NETWORK:
    case CRYPTULLY_ERROR_MALFORMED:
    case CRYPTULLY_ERROR_TOO_LARGE:
    case CRYPTULLY_ERROR_VERSION_MISMATCH:
    case CRYPTULLY_ERROR_SERVER_SHUTDOWN:
    case CRYPTULLY_ERROR_KICKED:
      return EXIT_CONNECT;
    case CRYPTULLY_ERROR_INVALID_NICK:
    case CRYPTULLY_ERROR_NICK_IN_USE:
      return EXIT_AUTH;
    case CRYPTULLY_ERROR_NICK_NOT_FOUND:
    case CRYPTULLY_ERROR_REJECTED:
    case CRYPTULLY_ERROR_SELF_CONNECT:
      return EXIT_REFUSED;
    default:
      return EXIT_FAILURE_OTHER;
    }
}

/* Ends the chats and the registration, then quits with @status. */
static void
finish (Cli *cli, int status)
{
  if (cli->finished)
    return;
  cli->finished = TRUE;
  cli->status = status;
  cryptully_client_disconnect (cli->client);
  if (cryptully_client_get_state (cli->client) != CRYPTULLY_STATE_ONLINE)
    g_main_loop_quit (cli->loop);
}

static void
state_cb (CryptullyClient *client, GParamSpec *pspec, Cli *cli)
{
  const GError *error = cryptully_client_get_error (client);

  switch (cryptully_client_get_state (client))
    {
    case CRYPTULLY_STATE_FAILED:
      if (!cli->finished)
        {
          mimp_cli_die (0, "%s", error ? error->message : "the connection failed");
          cli->status = error ? status_for_error (error) : EXIT_CONNECT;
        }
      cli->finished = TRUE;
      g_main_loop_quit (cli->loop);
      break;
    case CRYPTULLY_STATE_DISCONNECTED:
      g_main_loop_quit (cli->loop);
      break;
    case CRYPTULLY_STATE_CONNECTING:
    case CRYPTULLY_STATE_ONLINE:
    default:
      break;
    }
}

static void
send_finished_cb (CryptullyClient *client, const char *local_id, const GError *error, Cli *cli)
{
  if (g_strcmp0 (local_id, SEND_ID) != 0 || cli->finished)
    return;
  if (error)
    {
      mimp_cli_die (0, "message not sent: %s", error->message);
      finish (cli, status_for_error (error));
      return;
    }
  finish (cli, EXIT_OK);
}

static void
print_or_fail (Cli *cli, const char *line)
{
  if (!mimp_cli_print_line (line))
    {
      mimp_cli_die (0, "cannot write to standard output: %s", g_strerror (errno));
      finish (cli, EXIT_FAILURE_OTHER);
    }
}

/* One JSON object: "protocol" first, then @n pairs of member names and
 * values (a string, or NULL for the integer in @number). */
static char *
json_line (const char *event, const char *from, const char *name, const char *value, gint64 number)
{
  g_autoptr (JsonBuilder) builder = json_builder_new ();
  g_autoptr (JsonGenerator) generator = json_generator_new ();
  g_autoptr (JsonNode) root = NULL;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "protocol");
  json_builder_add_string_value (builder, "cryptully");
  if (event)
    {
      json_builder_set_member_name (builder, "event");
      json_builder_add_string_value (builder, event);
    }
  json_builder_set_member_name (builder, "from");
  json_builder_add_string_value (builder, from);
  json_builder_set_member_name (builder, name);
  if (value)
    json_builder_add_string_value (builder, value);
  else
    json_builder_add_int_value (builder, number);
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  json_generator_set_root (generator, root);
  return json_generator_to_data (generator, NULL);
}

static void
message_received_cb (CryptullyClient *client, const char *nick, const char *text, Cli *cli)
{
  g_autofree char *line = NULL;

  if (cli->finished)
    return;
  if (cli->json)
    line = json_line (NULL, nick, "text", text, 0);
  else
    {
      g_autofree char *escaped = mimp_cli_escape_line (text);

      line = g_strdup_printf ("%s\t%s", nick, escaped);
    }
  print_or_fail (cli, line);
  cli->received++;
  if (cli->count > 0 && cli->received >= cli->count)
    finish (cli, EXIT_OK);
}

static void
typing_changed_cb (CryptullyClient *client, const char *nick, int state, Cli *cli)
{
  g_autofree char *line = NULL;

  if (!cli->json || cli->finished)
    return;
  line = json_line ("typing", nick, "state", NULL, state);
  print_or_fail (cli, line);
}

static void
chat_requested_cb (CryptullyClient *client, const char *nick, Cli *cli)
{
  g_autoptr (GError) error = NULL;

  if (!cryptully_client_accept_chat (client, nick, &error))
    g_debug ("Cannot accept a chat: %s", error->message);
}

static void
smp_question_cb (CryptullyClient *client, const char *nick, const char *question, Cli *cli)
{
  g_autoptr (GError) error = NULL;

  if (cli->smp_answer == NULL)
    {
      g_debug ("A verification question came; no answer set");
      return;
    }
  if (!cryptully_client_answer_smp (client, nick, cli->smp_answer, &error))
    g_debug ("Cannot answer the verification: %s", error->message);
}

static void
smp_finished_cb (CryptullyClient *client, const char *nick, gboolean matched, const GError *error,
                 Cli *cli)
{
  g_autofree char *line = NULL;

  if (cli->finished)
    return;
  if (!cli->json)
    {
      mimp_cli_die (0, "verification with %s: %s", nick,
                    matched ? "the answers match" : error->message);
      return;
    }
  line = json_line ("verification", nick, "result",
                    matched                                           ? "match"
                    : error->code == CRYPTULLY_ERROR_SMP_MATCH_FAILED ? "mismatch"
                                                                      : "invalid",
                    0);
  print_or_fail (cli, line);
}

static void
chat_ended_cb (CryptullyClient *client, const char *nick, const GError *error, Cli *cli)
{
  if (error && error->code != CRYPTULLY_ERROR_CONNECTION_ENDED)
    mimp_cli_die (0, "chat with %s ended: %s", nick, error->message);
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
  mimp_cli_die (0, "gave up after %d seconds: no answer from the relay or the peer", cli->timeout);
  finish (cli, EXIT_CONNECT);
  return G_SOURCE_REMOVE;
}

int
mimp_cli_cryptully_run (const MimpCliRequest *request)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *host = NULL;
  g_autofree char *nick = NULL;
  g_autofree char *to = NULL;
  guint16 port;
  Cli cli = { 0 };
  gboolean sending = g_str_equal (request->command, "send");

  if (!mimp_cli_parse_server (request->server, CRYPTULLY_DEFAULT_PORT, &host, &port))
    return mimp_cli_die (EXIT_USAGE, "cannot read the server '%s' (use HOST or HOST:PORT)",
                         request->server);
  if (request->user == NULL)
    return mimp_cli_die (EXIT_USAGE, "no nickname given (use --user NICK)");
  if (request->use_tls || request->accept_certificate)
    return mimp_cli_die (EXIT_USAGE, "a Cryptully relay has no TLS");
  if (!(nick = cryptully_nick_normalize (request->user, &error)))
    return mimp_cli_die (EXIT_AUTH, "%s", error->message);
  if (sending && !(to = cryptully_nick_normalize (request->to, &error)))
    return mimp_cli_die (EXIT_REFUSED, "%s", error->message);

  cli.loop = g_main_loop_new (NULL, FALSE);
  cli.json = request->json;
  cli.count = request->count;
  cli.timeout = request->timeout;
  cli.smp_answer = g_getenv ("MIMP_CRYPTULLY_SMP_ANSWER");
  cli.client = cryptully_client_new (host, port, nick);
  cryptully_client_set_handshake_timeout (cli.client, (guint) request->timeout);
  g_signal_connect (cli.client, "notify::state", G_CALLBACK (state_cb), &cli);
  if (sending)
    {
      g_signal_connect (cli.client, "send-finished", G_CALLBACK (send_finished_cb), &cli);
      cli.timeout_id = g_timeout_add_seconds ((guint) request->timeout, timeout_cb, &cli);
    }
  else
    {
      /* send reports its one failure through send-finished */
      g_signal_connect (cli.client, "chat-ended", G_CALLBACK (chat_ended_cb), &cli);
      g_signal_connect (cli.client, "chat-requested", G_CALLBACK (chat_requested_cb), &cli);
      g_signal_connect (cli.client, "message-received", G_CALLBACK (message_received_cb), &cli);
      g_signal_connect (cli.client, "typing-changed", G_CALLBACK (typing_changed_cb), &cli);
      g_signal_connect (cli.client, "smp-question", G_CALLBACK (smp_question_cb), &cli);
      g_signal_connect (cli.client, "smp-finished", G_CALLBACK (smp_finished_cb), &cli);
    }
  g_unix_signal_add (SIGINT, signal_cb, &cli);
  g_unix_signal_add (SIGTERM, signal_cb, &cli);
  cryptully_client_start (cli.client);
  if (sending)
    cryptully_client_send_message (cli.client, to, SEND_ID, request->text);
  g_main_loop_run (cli.loop);

  g_clear_handle_id (&cli.timeout_id, g_source_remove);
  g_signal_handlers_disconnect_by_data (cli.client, &cli);
  g_clear_object (&cli.client);
  g_main_loop_unref (cli.loop);
  return cli.status;
}
