/* mimp-cli.c - a terminal client for scripts and admins
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "mimp-cli"

#include "config.h"

#include <errno.h>
#include <locale.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include <glib-unix.h>
#include <json-glib/json-glib.h>

#include "mimp.h"

/* Exit statuses a script can rely on (also in mimp-cli(1) and the README). */
enum
{
  EXIT_OK = 0,
  EXIT_FAILURE_OTHER = 1,
  EXIT_USAGE = 2,
  EXIT_CONNECT = 3, /* unreachable, timeout, not a MIMP server, TLS or certificate */
  EXIT_AUTH = 4,    /* wrong user name or password, or too many attempts */
  EXIT_REFUSED = 5, /* the server refused the message (no such user, too long, ...) */
};

typedef struct
{
  GMainLoop *loop;
  MimpClientSession *session;
  int status;
  gboolean was_online;
  gboolean json;
  gint64 count;
  gint64 received;
  char *client_id;
} Cli;

static char *opt_server = NULL;
static char *opt_user = NULL;
static char *opt_password_file = NULL;
static char *opt_accept_certificate = NULL;
static gboolean opt_tls = FALSE;
static gboolean opt_json = FALSE;
static gboolean opt_verbose = FALSE;
static gint opt_timeout = 30;
static gint64 opt_count = 0;

static const GOptionEntry entries[] = {
  { "server", 's', 0, G_OPTION_ARG_STRING, &opt_server,
    "Server to use (default localhost; port 3290, or 3291 with --tls)", "HOST[:PORT]" },
  { "user", 'u', 0, G_OPTION_ARG_STRING, &opt_user, "Your user name", "NAME" },
  { "tls", 0, 0, G_OPTION_ARG_NONE, &opt_tls, "Connect with TLS (mimps)", NULL },
  { "password-file", 0, 0, G_OPTION_ARG_FILENAME, &opt_password_file,
    "Read the password from the first line of FILE", "FILE" },
  { "accept-certificate", 0, 0, G_OPTION_ARG_STRING, &opt_accept_certificate,
    "Trust the server certificate with this SHA-256 fingerprint", "FINGERPRINT" },
  { "timeout", 't', 0, G_OPTION_ARG_INT, &opt_timeout, "Give up sending after SECONDS (default 30)",
    "SECONDS" },
  { "json", 0, 0, G_OPTION_ARG_NONE, &opt_json, "listen: print one JSON object per line", NULL },
  { "count", 'n', 0, G_OPTION_ARG_INT64, &opt_count, "listen: exit after N messages", "N" },
  { "verbose", 'v', 0, G_OPTION_ARG_NONE, &opt_verbose, "Print debug messages", NULL },
  { NULL },
};

static int G_GNUC_PRINTF (2, 3) die (int status, const char *format, ...)
{
  va_list args;

  fputs ("mimp-cli: ", stderr);
  va_start (args, format);
  vfprintf (stderr, format, args);
  va_end (args);
  fputc ('\n', stderr);
  return status;
}

/* Every log message goes to standard error, so that what `listen` prints on
 * standard output stays one message per line (GLib's default writer puts
 * debug and info messages on standard output). */
static GLogWriterOutput
log_to_stderr (GLogLevelFlags level, const GLogField *fields, gsize n_fields, gpointer user_data)
{
  g_autofree char *line = NULL;
  const char *domain = NULL;

  for (gsize i = 0; i < n_fields; i++)
    if (g_str_equal (fields[i].key, "GLIB_DOMAIN"))
      domain = fields[i].value;
  if (g_log_writer_default_would_drop (level, domain))
    return G_LOG_WRITER_HANDLED;
  line = g_log_writer_format_fields (level, fields, n_fields, isatty (STDERR_FILENO));
  fprintf (stderr, "%s\n", line);
  fflush (stderr);
  return G_LOG_WRITER_HANDLED;
}

static int
status_for_error (const GError *error)
{
  if (error->domain != MIMP_ERROR)
    return EXIT_FAILURE_OTHER;
  switch ((MimpError) error->code)
    {
    case MIMP_ERROR_UNREACHABLE:
    case MIMP_ERROR_TIMEOUT:
    case MIMP_ERROR_CLOSED:
    case MIMP_ERROR_NOT_MIMP:
    case MIMP_ERROR_PROTOCOL:
    case MIMP_ERROR_INVALID_PUZZLE:
    case MIMP_ERROR_INVALID_TOKEN:
    case MIMP_ERROR_CERTIFICATE:
    case MIMP_ERROR_TLS:
      return EXIT_CONNECT;
    case MIMP_ERROR_WRONG_PASSWORD:
    case MIMP_ERROR_UNAUTHORIZED:
    case MIMP_ERROR_RATE_LIMITED:
      return EXIT_AUTH;
    case MIMP_ERROR_BAD_REQUEST:
    case MIMP_ERROR_FORBIDDEN:
    case MIMP_ERROR_NO_SUCH_USER:
    case MIMP_ERROR_TOO_LARGE:
    case MIMP_ERROR_INVALID_ARGUMENT:
      return EXIT_REFUSED;
    case MIMP_ERROR_FAILED:
    case MIMP_ERROR_SERVER_ERROR:
    case MIMP_ERROR_UNSUPPORTED:
    default:
      return EXIT_FAILURE_OTHER;
    }
}

/* HOST, HOST:PORT, [V6], [V6]:PORT */
static gboolean
parse_server (const char *server, gboolean tls, char **host, guint16 *port)
{
  const char *colon = NULL;
  guint64 value;

  *port = tls ? MIMP_DEFAULT_TLS_PORT : MIMP_DEFAULT_PORT;
  if (server == NULL || *server == '\0')
    {
      *host = g_strdup ("localhost");
      return TRUE;
    }
  if (server[0] == '[')
    {
      const char *end = strchr (server, ']');

      if (end == NULL || end == server + 1)
        return FALSE;
      *host = g_strndup (server + 1, end - server - 1);
      if (end[1] == ':')
        colon = end + 1;
      else if (end[1] != '\0')
        return FALSE;
    }
  else
    {
      colon = strrchr (server, ':');
      if (colon && strchr (server, ':') != colon)
        colon = NULL; /* a bare IPv6 address */
      *host = colon ? g_strndup (server, colon - server) : g_strdup (server);
      if (**host == '\0')
        return FALSE;
    }
  if (colon)
    {
      if (!g_ascii_string_to_unsigned (colon + 1, 10, 1, 65535, &value, NULL))
        return FALSE;
      *port = (guint16) value;
    }
  return TRUE;
}

static char *
read_password_line (FILE *stream)
{
  char buf[MIMP_PASSWORD_MAX + 2];
  size_t len;

  if (fgets (buf, sizeof buf, stream) == NULL)
    return NULL;
  len = strlen (buf);
  if (len > 0 && buf[len - 1] == '\n')
    buf[--len] = '\0';
  if (len > 0 && buf[len - 1] == '\r')
    buf[--len] = '\0';
  {
    char *password = g_strdup (buf);

    mimp_secure_wipe (buf, sizeof buf);
    return password;
  }
}

static char *
prompt_password (void)
{
  struct termios old, quiet;
  FILE *tty = fopen ("/dev/tty", "r+");
  char *password;

  if (tty == NULL)
    return NULL;
  fputs ("Password: ", tty);
  fflush (tty);
  if (tcgetattr (fileno (tty), &old) == 0)
    {
      quiet = old;
      quiet.c_lflag &= ~(tcflag_t) ECHO;
      tcsetattr (fileno (tty), TCSAFLUSH, &quiet);
    }
  password = read_password_line (tty);
  tcsetattr (fileno (tty), TCSAFLUSH, &old);
  fputc ('\n', tty);
  fclose (tty);
  return password;
}

static char *
get_password (GError **error)
{
  const char *env = g_getenv ("MIMP_PASSWORD");

  if (env != NULL && *env != '\0')
    return g_strdup (env);
  if (opt_password_file != NULL)
    {
      FILE *file = fopen (opt_password_file, "r");
      char *password;

      if (file == NULL)
        {
          int saved = errno;

          g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved),
                       "cannot read the password file %s: %s", opt_password_file,
                       g_strerror (saved));
          return NULL;
        }
      password = read_password_line (file);
      fclose (file);
      if (password == NULL)
        g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL, "the password file %s is empty",
                     opt_password_file);
      return password;
    }
  if (isatty (STDIN_FILENO))
    {
      char *password = prompt_password ();

      if (password)
        return password;
    }
  g_set_error_literal (error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
                       "no password: set MIMP_PASSWORD, use --password-file, or run on a terminal");
  return NULL;
}

/* `send TO -`: the text is standard input (one trailing newline dropped),
 * so that it need not appear on a command line. */
static char *
read_text_from_stdin (GError **error)
{
  GString *text = g_string_new (NULL);
  char buf[4096];
  size_t n;

  while ((n = fread (buf, 1, sizeof buf, stdin)) > 0)
    {
      g_string_append_len (text, buf, (gssize) n);
      if (text->len > MIMP_MESSAGE_TEXT_MAX + 1)
        break; /* too long either way; the check below says so */
    }
  if (ferror (stdin))
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_IO, "cannot read standard input: %s",
                   g_strerror (errno));
      g_string_free (text, TRUE);
      return NULL;
    }
  if (memchr (text->str, '\0', text->len) != NULL)
    {
      g_set_error_literal (error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
                           "the message on standard input contains a NUL byte");
      g_string_free (text, TRUE);
      return NULL;
    }
  if (text->len > 0 && text->str[text->len - 1] == '\n')
    g_string_truncate (text, text->len - 1);
  return g_string_free (text, FALSE);
}

static void
finish (Cli *cli, int status)
{
  cli->status = status;
  g_main_loop_quit (cli->loop);
}

static void
state_cb (MimpClientSession *session, GParamSpec *pspec, Cli *cli)
{
  const GError *error = mimp_client_session_get_error (session);

  switch (mimp_client_session_get_state (session))
    {
    case MIMP_SESSION_STATE_ONLINE:
      cli->was_online = TRUE;
      break;
    case MIMP_SESSION_STATE_WAITING:
      /* A first attempt that fails is reported at once; a connection lost
       * later is retried (with the same client id) until the timeout. */
      if (!cli->was_online && error)
        {
          die (0, "%s", error->message);
          finish (cli, status_for_error (error));
        }
      else if (error)
        g_debug ("Connection lost (%s); retrying", error->message);
      break;
    case MIMP_SESSION_STATE_NEEDS_PASSWORD:
    case MIMP_SESSION_STATE_NEEDS_CERTIFICATE:
    case MIMP_SESSION_STATE_OFFLINE:
      if (error)
        {
          die (0, "%s", error->message);
          finish (cli, status_for_error (error));
        }
      break;
    case MIMP_SESSION_STATE_CONNECTING:
    default:
      break;
    }
}

static void
send_finished_cb (MimpClientSession *session, const char *client_id, const char *server_id,
                  gint64 timestamp, const GError *error, Cli *cli)
{
  if (g_strcmp0 (client_id, cli->client_id) != 0)
    return;
  if (error)
    {
      die (0, "message not sent: %s", error->message);
      finish (cli, status_for_error (error));
      return;
    }
  finish (cli, EXIT_OK);
}

static char *
escape_line (const char *text)
{
  GString *out = g_string_sized_new (strlen (text));

  for (const char *p = text; *p; p++)
    {
      switch (*p)
        {
        case '\\':
          g_string_append (out, "\\\\");
          break;
        case '\n':
          g_string_append (out, "\\n");
          break;
        case '\r':
          g_string_append (out, "\\r");
          break;
        case '\t':
          g_string_append (out, "\\t");
          break;
        default:
          g_string_append_c (out, *p);
        }
    }
  return g_string_free (out, FALSE);
}

static char *
message_to_json (const MimpMessage *message)
{
  g_autoptr (JsonBuilder) builder = json_builder_new ();
  g_autoptr (JsonGenerator) generator = json_generator_new ();
  g_autoptr (JsonNode) root = NULL;

  json_builder_begin_object (builder);
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
  json_builder_add_string_value (builder, message->text);
  json_builder_set_member_name (builder, "ts");
  json_builder_add_int_value (builder, message->timestamp);
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  json_generator_set_root (generator, root);
  return json_generator_to_data (generator, NULL);
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
          g_autofree char *text = escape_line (message->text);

          line = g_strdup_printf ("%s\t%s", message->from, text);
        }
      /* A line is "stored" once it reached our standard output. */
      if (fputs (line, stdout) < 0 || fputc ('\n', stdout) < 0 || fflush (stdout) != 0)
        {
          die (0, "cannot write to standard output: %s", g_strerror (errno));
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

  die (0, "gave up after %d seconds: %s", opt_timeout,
       mimp_client_session_get_error (cli->session)
           ? mimp_client_session_get_error (cli->session)->message
           : "no answer from the server");
  finish (cli, EXIT_CONNECT);
  return G_SOURCE_REMOVE;
}

static void
flush_ack_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  Cli *cli = user_data;
  g_autoptr (GError) error = NULL;

  if (!mimp_client_session_flush_ack_finish (MIMP_CLIENT_SESSION (object), result, &error))
    g_debug ("Final acknowledgement not sent (%s); those messages come again", error->message);
  g_main_loop_quit (cli->loop);
}

static void
usage_hint (void)
{
  fputs ("Try 'mimp-cli --help'.\n", stderr);
}

int
main (int argc, char *argv[])
{
  g_autoptr (GOptionContext) context = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *host = NULL;
  g_autofree char *user = NULL;
  char *password = NULL;
  g_autofree char *text = NULL;
  const char *command;
  guint16 port;
  Cli cli = { 0 };
  guint timeout_id = 0;

  setlocale (LC_ALL, "");
  g_log_set_writer_func (log_to_stderr, NULL, NULL);

  context = g_option_context_new ("send TO TEXT|- | listen");
  g_option_context_set_summary (context, "A terminal client for MIMP servers.");
  g_option_context_set_description (
      context, "The password comes from the MIMP_PASSWORD environment variable, --password-file,\n"
               "or a prompt when on a terminal; never from the command line.\n"
               "\n"
               "send TO - reads the text from standard input (one trailing newline dropped).\n"
               "\n"
               "listen prints SENDER<TAB>TEXT per message (backslash, tab and newline in TEXT\n"
               "written as \\\\, \\t and \\n), or with --json one object per line with the fields\n"
               "id, seq, from, to, text and ts. Each line is flushed before it is acknowledged.\n"
               "\n"
               "Exit status: 0 success, 1 other failure, 2 usage, 3 cannot connect (unreachable,\n"
               "not a MIMP server, TLS or certificate), 4 login refused, 5 message refused.");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      die (0, "%s", error->message);
      usage_hint ();
      return EXIT_USAGE;
    }
  if (opt_verbose)
    g_setenv ("G_MESSAGES_DEBUG", "all", TRUE);

  if (argc < 2)
    {
      die (0, "no command given (send or listen)");
      usage_hint ();
      return EXIT_USAGE;
    }
  command = argv[1];
  if (g_str_equal (command, "send") ? argc != 4 : !g_str_equal (command, "listen") || argc != 2)
    {
      if (g_str_equal (command, "send"))
        die (0, "usage: mimp-cli [OPTION…] send TO TEXT");
      else if (g_str_equal (command, "listen"))
        die (0, "usage: mimp-cli [OPTION…] listen [--json] [--count N]");
      else
        die (0, "unknown command '%s' (use send or listen)", command);
      usage_hint ();
      return EXIT_USAGE;
    }
  if (!parse_server (opt_server, opt_tls, &host, &port))
    return die (EXIT_USAGE, "cannot read the server '%s' (use HOST or HOST:PORT)", opt_server);
  if (opt_user == NULL)
    return die (EXIT_USAGE, "no user name given (use --user NAME)");
  if (!mimp_user_name_normalize (opt_user, &user, &error))
    return die (EXIT_USAGE, "%s", error->message);
  if (opt_timeout <= 0)
    return die (EXIT_USAGE, "--timeout must be a positive number of seconds");

  if (g_str_equal (command, "send"))
    {
      g_autofree char *to = NULL;

      if (g_str_equal (argv[3], "-"))
        {
          if (!(text = read_text_from_stdin (&error)))
            return die (EXIT_FAILURE_OTHER, "%s", error->message);
        }
      else
        text = g_strdup (argv[3]);
      if (!mimp_user_name_normalize (argv[2], &to, &error))
        return die (EXIT_USAGE, "%s", error->message);
      if (*text == '\0' || !g_utf8_validate (text, -1, NULL))
        return die (EXIT_USAGE, "the message must be non-empty UTF-8 text");
      if (strlen (text) > MIMP_MESSAGE_TEXT_MAX)
        return die (EXIT_REFUSED, "the message is over %d bytes", MIMP_MESSAGE_TEXT_MAX);
    }

  if (!(password = get_password (&error)))
    return die (EXIT_USAGE, "%s", error->message);
  if (!mimp_password_check (password, &error))
    {
      mimp_secure_free_string (password);
      return die (EXIT_USAGE, "%s", error->message);
    }

  cli.loop = g_main_loop_new (NULL, FALSE);
  cli.json = opt_json;
  cli.count = opt_count;
  cli.session = mimp_client_session_new (host, port, opt_tls, user);
  mimp_client_session_set_password (cli.session, password);
  mimp_secure_free_string (password);
  mimp_client_session_set_accepted_certificate (cli.session, opt_accept_certificate);
  g_signal_connect (cli.session, "notify::state", G_CALLBACK (state_cb), &cli);

  if (g_str_equal (command, "send"))
    {
      cli.client_id = g_uuid_string_random ();
      mimp_client_session_set_receive (cli.session, FALSE);
      g_signal_connect (cli.session, "send-finished", G_CALLBACK (send_finished_cb), &cli);
      mimp_client_session_send (cli.session, cli.client_id, argv[2], text);
      timeout_id = g_timeout_add_seconds ((guint) opt_timeout, timeout_cb, &cli);
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

  if (g_str_equal (command, "listen") && cli.received > 0)
    {
      /* Tell the server what was printed, so it is not delivered again. */
      mimp_client_session_flush_ack_async (cli.session, NULL, flush_ack_cb, &cli);
      g_main_loop_run (cli.loop);
    }
  g_clear_handle_id (&timeout_id, g_source_remove);
  mimp_client_session_stop (cli.session);
  g_clear_object (&cli.session);
  g_main_loop_unref (cli.loop);
  g_free (cli.client_id);
  return cli.status;
}
