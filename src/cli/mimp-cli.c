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

#include "cryptully.h"
#include "mimp-cli-cryptully.h"
#include "mimp-cli-mimp.h"
#include "mimp-cli-miricat.h"
#include "mimp-cli-protocol.h"
#include "mimp-e2e.h"
#include "mimp.h"

static char *opt_server = NULL;
static char *opt_user = NULL;
static char *opt_password_file = NULL;
static char *opt_accept_certificate = NULL;
static gboolean opt_tls = FALSE;
static gboolean opt_json = FALSE;
static gboolean opt_verbose = FALSE;
static char *opt_protocol = NULL;
static char *opt_dialect = NULL;
static gint opt_timeout = 30;
static gint64 opt_count = 0;
static gboolean opt_e2e = FALSE;
static char *opt_state = NULL;
static char *opt_question = NULL;
static gboolean opt_stdin_lines = FALSE;
static gboolean opt_echo = FALSE;

static const GOptionEntry entries[] = {
  { "protocol", 'p', 0, G_OPTION_ARG_STRING, &opt_protocol,
    "The account type: mimp (the default) or another listed below", "PROTOCOL" },
  { "server", 's', 0, G_OPTION_ARG_STRING, &opt_server,
    "Server to use (default localhost and the protocol's port: MIMP 3290, or 3291 with --tls; "
    "Miricat 3072)",
    "HOST[:PORT]" },
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
  { "dialect", 0, 0, G_OPTION_ARG_STRING, &opt_dialect,
    "The server's dialect, for protocols that have several (miricat: yemu, the default, or "
    "javacat)",
    "DIALECT" },
  { "e2e", 0, 0, G_OPTION_ARG_NONE, &opt_e2e,
    "MIMP: end-to-end encrypted private chats (send, listen, safety-number, verify, trust)", NULL },
  { "state", 0, 0, G_OPTION_ARG_FILENAME, &opt_state,
    "--e2e: keep the keys and sessions in DIR (default $XDG_DATA_HOME/mimp-cli/e2e)", "DIR" },
  { "stdin-lines", 0, 0, G_OPTION_ARG_NONE, &opt_stdin_lines,
    "send TO - (MIMP): each line of standard input is a message of its own", NULL },
  { "echo", 0, 0, G_OPTION_ARG_NONE, &opt_echo,
    "listen --e2e: answer each message with its own text, encrypted when it came encrypted "
    "(a demo bot)",
    NULL },
  { "question", 0, 0, G_OPTION_ARG_STRING, &opt_question,
    "verify: ask QUESTION (the peer answers it) instead of a shared secret", "QUESTION" },
  { "verbose", 'v', 0, G_OPTION_ARG_NONE, &opt_verbose, "Print debug messages", NULL },
  { NULL },
};

int
mimp_cli_die (int status, const char *format, ...)
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

/* HOST, HOST:PORT, [V6], [V6]:PORT */
gboolean
mimp_cli_parse_server (const char *server, guint16 default_port, char **host, guint16 *port)
{
  /* Without --server, the server on this machine. */
  if (server == NULL || *server == '\0')
    server = "localhost";
  return mimp_address_parse (server, default_port, host, port, NULL);
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
prompt_hidden (const char *label)
{
  struct termios old, quiet;
  FILE *tty = fopen ("/dev/tty", "r+");
  char *password;

  if (tty == NULL)
    return NULL;
  fputs (label, tty);
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
      char *password = prompt_hidden ("Password: ");

      if (password)
        return password;
    }
  g_set_error_literal (error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
                       "no password: set MIMP_PASSWORD, use --password-file, or run on a terminal");
  return NULL;
}

/* verify: the secret (or the answer to --question) comes from MIMP_SMP_SECRET,
 * a prompt on a terminal, or the first line of standard input; never argv. */
static char *
get_smp_secret (GError **error)
{
  const char *env = g_getenv ("MIMP_SMP_SECRET");
  char *secret = NULL;

  if (env != NULL && *env != '\0')
    return g_strdup (env);
  if (isatty (STDIN_FILENO))
    secret = prompt_hidden (opt_question ? "Answer: " : "Shared secret: ");
  else
    secret = read_password_line (stdin);
  if (secret != NULL && (*secret == '\0' || !g_utf8_validate (secret, -1, NULL)))
    mimp_secure_free_string (g_steal_pointer (&secret));
  if (secret == NULL)
    g_set_error_literal (error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
                         "no secret: set MIMP_SMP_SECRET or give it on standard input");
  return secret;
}

/* send --stdin-lines: the non-empty lines of @text (a trailing \r dropped),
 * each a message of its own. */
static char **
split_lines (const char *text, gsize max, GError **error)
{
  g_auto (GStrv) lines = g_strsplit (text, "\n", -1);
  g_autoptr (GPtrArray) texts = g_ptr_array_new_with_free_func (g_free);

  for (char **line = lines; *line; line++)
    {
      gsize len = strlen (*line);

      if (len > 0 && (*line)[len - 1] == '\r')
        (*line)[--len] = '\0';
      if (len == 0)
        continue;
      if (len > max)
        {
          g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
                       "line %u of standard input is over %" G_GSIZE_FORMAT " bytes",
                       (guint) (line - lines) + 1, max);
          return NULL;
        }
      g_ptr_array_add (texts, g_strdup (*line));
    }
  if (texts->len == 0)
    {
      g_set_error_literal (error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
                           "the message must be non-empty UTF-8 text");
      return NULL;
    }
  g_ptr_array_add (texts, NULL);
  return (char **) g_ptr_array_free (g_steal_pointer (&texts), FALSE);
}

/* The most send --stdin-lines reads. */
#define STDIN_LINES_MAX (64 * 1024 * 1024)

/* `send TO -`: the text is standard input (one trailing newline dropped),
 * so that it need not appear on a command line. */
static char *
read_text_from_stdin (gsize max, GError **error)
{
  GString *text = g_string_new (NULL);
  char buf[4096];
  size_t n;

  while ((n = fread (buf, 1, sizeof buf, stdin)) > 0)
    {
      g_string_append_len (text, buf, (gssize) n);
      if (text->len > max + 1)
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

char *
mimp_cli_escape_line (const char *text)
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

gboolean
mimp_cli_print_line (const char *line)
{
  return fputs (line, stdout) >= 0 && fputc ('\n', stdout) >= 0 && fflush (stdout) == 0;
}

/* Each account type mimp-cli speaks. */
static const MimpCliProtocol protocols[] = {
  { "mimp", MIMP_DEFAULT_PORT, MIMP_MESSAGE_TEXT_MAX, mimp_cli_mimp_run,
    "a MIMP server (port 3290, 3291 with --tls)" },
  { "cryptully", CRYPTULLY_DEFAULT_PORT, CRYPTULLY_TEXT_MAX, mimp_cli_cryptully_run,
    "a Cryptully relay (port 9000), no password; listen accepts every chat" },
  { "miricat", MIMP_CLI_MIRICAT_PORT, MIMP_CLI_MIRICAT_TEXT_MAX, mimp_cli_miricat_run,
    "a Miricat server (port 3072), one room; send TO is ignored (write room); --dialect yemu "
    "(the default) or javacat" },
};

static const MimpCliProtocol *
find_protocol (const char *name)
{
  for (gsize i = 0; i < G_N_ELEMENTS (protocols); i++)
    if (g_str_equal (protocols[i].name, name))
      return &protocols[i];
  return NULL;
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
  g_autoptr (GString) description = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *text = NULL;
  g_auto (GStrv) texts = NULL;
  const MimpCliProtocol *protocol;
  MimpCliRequest request = { 0 };
  const char *command;
  gboolean peer_command;

  setlocale (LC_ALL, "");
  g_log_set_writer_func (log_to_stderr, NULL, NULL);

  context = g_option_context_new (
      "send TO TEXT|- | listen | --e2e safety-number PEER | --e2e verify PEER | --e2e trust PEER");
  g_option_context_set_summary (context, "A terminal client for MIMP servers.");
  description = g_string_new (
      "The password comes from the MIMP_PASSWORD environment variable, --password-file,\n"
      "or a prompt when on a terminal; never from the command line.\n"
      "\n"
      "send TO - reads the text from standard input (one trailing newline dropped).\n"
      "\n"
      "listen prints SENDER<TAB>TEXT per message (backslash, tab and newline in TEXT\n"
      "written as \\\\, \\t and \\n), or with --json one object per line with the fields\n"
      "protocol, id, seq, from, to, text and ts (MIMP; the others' are below). Each line\n"
      "is flushed before it is acknowledged.\n"
      "\n"
      "With --e2e (MIMP), messages are end-to-end encrypted; send never falls back to\n"
      "plain text. verify reads the secret from MIMP_SMP_SECRET or standard input.\n"
      "The keys are as safe as the --state directory.\n"
      "\n"
      "Exit status: 0 success, 1 other failure, 2 usage, 3 cannot connect (unreachable,\n"
      "not a MIMP server, TLS or certificate), 4 login refused, 5 message refused,\n"
      "6 not sent because it could not go end-to-end encrypted (--e2e).\n"
      "\n"
      "Protocols (--protocol):");
  for (gsize i = 0; i < G_N_ELEMENTS (protocols); i++)
    g_string_append_printf (description, "\n  %-10s %s", protocols[i].name,
                            protocols[i].summary ? protocols[i].summary : "");
  g_option_context_set_description (context, description->str);
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      mimp_cli_die (0, "%s", error->message);
      usage_hint ();
      return EXIT_USAGE;
    }
  if (opt_verbose)
    g_setenv ("G_MESSAGES_DEBUG", "all", TRUE);

  if (argc < 2)
    {
      mimp_cli_die (0, "no command given (send or listen)");
      usage_hint ();
      return EXIT_USAGE;
    }
  command = argv[1];
  peer_command = g_str_equal (command, "safety-number") || g_str_equal (command, "verify") ||
                 g_str_equal (command, "trust");
  if (g_str_equal (command, "send")     ? argc != 4
      : g_str_equal (command, "listen") ? argc != 2
      : peer_command                    ? argc != 3 || !opt_e2e
                                        : TRUE)
    {
      if (g_str_equal (command, "send"))
        mimp_cli_die (0, "usage: mimp-cli [OPTION…] send TO TEXT");
      else if (g_str_equal (command, "listen"))
        mimp_cli_die (0, "usage: mimp-cli [OPTION…] listen [--json] [--count N]");
      else if (peer_command)
        mimp_cli_die (0, "usage: mimp-cli [OPTION…] --e2e %s PEER", command);
      else
        mimp_cli_die (0, "unknown command '%s' (use send or listen)", command);
      usage_hint ();
      return EXIT_USAGE;
    }
  if (!(protocol = find_protocol (opt_protocol ? opt_protocol : "mimp")))
    return mimp_cli_die (EXIT_USAGE, "unknown protocol '%s'", opt_protocol);
  if (opt_e2e && !g_str_equal (protocol->name, "mimp"))
    return mimp_cli_die (EXIT_USAGE, "--e2e is for MIMP accounts only");
  if ((opt_state || opt_question) && !opt_e2e)
    return mimp_cli_die (EXIT_USAGE, "--state and --question go with --e2e");
  if (opt_echo && !(opt_e2e && g_str_equal (command, "listen")))
    return mimp_cli_die (EXIT_USAGE, "--echo is for listen --e2e only");
  if (opt_stdin_lines && !g_str_equal (command, "send"))
    return mimp_cli_die (EXIT_USAGE, "--stdin-lines is for send only");
  if (opt_question && !g_str_equal (command, "verify"))
    return mimp_cli_die (EXIT_USAGE, "--question is for verify only");
  if (opt_question && (*opt_question == '\0' || !g_utf8_validate (opt_question, -1, NULL)))
    return mimp_cli_die (EXIT_USAGE, "the question must be non-empty UTF-8 text");
  if (opt_timeout <= 0)
    return mimp_cli_die (EXIT_USAGE, "--timeout must be a positive number of seconds");

  if (g_str_equal (command, "send"))
    {
      /* Private messages go in fragments, each one MIMP message. */
      gsize max_text = opt_e2e ? MIMP_E2E_MAX_TEXT : protocol->max_text;

      if (opt_stdin_lines && (!g_str_equal (argv[3], "-") || protocol->run != mimp_cli_mimp_run))
        return mimp_cli_die (EXIT_USAGE, "--stdin-lines goes with MIMP's send TO -");
      if (g_str_equal (argv[3], "-"))
        {
          if (!(text = read_text_from_stdin (opt_stdin_lines ? STDIN_LINES_MAX : max_text, &error)))
            return mimp_cli_die (EXIT_FAILURE_OTHER, "%s", error->message);
        }
      else
        text = g_strdup (argv[3]);
      if (*text == '\0' || !g_utf8_validate (text, -1, NULL))
        return mimp_cli_die (EXIT_USAGE, "the message must be non-empty UTF-8 text");
      if (opt_stdin_lines && !(texts = split_lines (text, max_text, &error)))
        return mimp_cli_die (EXIT_USAGE, "%s", error->message);
      if (!opt_stdin_lines && strlen (text) > max_text)
        return mimp_cli_die (EXIT_REFUSED, "the message is over %" G_GSIZE_FORMAT " bytes",
                             max_text);
      if (!opt_stdin_lines)
        texts = g_strdupv ((char *[]){ text, NULL });
      request.to = argv[2];
      request.text = texts[0];
      request.texts = (const char *const *) texts;
    }
  else if (peer_command)
    request.to = argv[2];

  request.command = command;
  request.server = opt_server;
  request.user = opt_user;
  request.dialect = opt_dialect;
  request.json = opt_json;
  request.count = opt_count;
  request.echo = opt_echo;
  request.timeout = opt_timeout;
  request.use_tls = opt_tls;
  request.accept_certificate = opt_accept_certificate;
  request.get_password = get_password;
  request.e2e = opt_e2e;
  request.state_dir = opt_state;
  request.question = opt_question;
  request.get_smp_secret = get_smp_secret;
  return protocol->run (&request);
}
