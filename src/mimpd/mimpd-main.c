/* mimpd-main.c - the MIMP server: command line, start and clean shutdown
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "mimpd"

#include "config.h"

#include <errno.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include <glib-unix.h>
#include <gio/gio.h>

#include "mimp.h"
#include "mimpd-admin.h"
#include "mimpd-hub.h"
#include "mimpd-lock.h"
#include "mimpd-password.h"
#include "mimpd-server.h"
#include "mimpd-store-sqlite.h"
#include "mimpd-store.h"
#include "mimpd-throttle.h"

#define SHUTDOWN_GRACE_US (5 * G_USEC_PER_SEC)
#define SENT_EXPIRY_MS ((gint64) 7 * 24 * 3600 * 1000)
#define EXPIRE_INTERVAL_S 3600
#define MIN_BODY_LIMIT (128 * 1024)
#define MMAP_THRESHOLD (1024 * 1024)

static char *opt_database;
static char *opt_listen;
static int opt_port = MIMP_DEFAULT_PORT;
static int opt_tls_port = MIMP_DEFAULT_TLS_PORT;
static char *opt_tls_cert;
static char *opt_tls_key;
static char *opt_password_file;
static char *opt_sync;
static int opt_max_body = MIMP_MAX_BODY_SIZE;
static int opt_max_connections = 20000;
static int opt_max_unauth = 256;
static int opt_idle_timeout = 120;
static int opt_login_timeout = 30;
static int opt_accept_rate = MIMPD_ACCEPT_RATE_DEFAULT;
static int opt_accept_burst = MIMPD_ACCEPT_BURST_DEFAULT;
static gboolean opt_no_extensions;
static int opt_key_fetch_rate = MIMPD_KEY_FETCH_RATE_DEFAULT;
static int opt_ephemeral_rate = MIMPD_EPHEMERAL_RATE_DEFAULT;
static gboolean opt_verbose;
static gboolean opt_version;

static const GOptionEntry entries[] = {
  { "database", 'd', 0, G_OPTION_ARG_FILENAME, &opt_database,
    "The SQLite database (default: $XDG_DATA_HOME/mimpd/mimpd.db)", "FILE" },
  { "listen", 'l', 0, G_OPTION_ARG_STRING, &opt_listen,
    "The IP address to listen on (default 127.0.0.1: this machine only; "
    "0.0.0.0 or :: serve the network)",
    "ADDR" },
  { "port", 'p', 0, G_OPTION_ARG_INT, &opt_port, "The MIMP port (default 3290; 0 picks a free one)",
    "N" },
  { "tls-cert", 0, 0, G_OPTION_ARG_FILENAME, &opt_tls_cert,
    "PEM certificate (chain) for the TLS port", "FILE" },
  { "tls-key", 0, 0, G_OPTION_ARG_FILENAME, &opt_tls_key, "PEM private key for the TLS port",
    "FILE" },
  { "tls-port", 0, 0, G_OPTION_ARG_INT, &opt_tls_port,
    "The MIMP-over-TLS port, with --tls-cert and --tls-key (default 3291; 0 picks a free one)",
    "N" },
  { "max-body", 0, 0, G_OPTION_ARG_INT, &opt_max_body,
    "Largest packet body in bytes, 131072 to 1048576 (default 1048576)", "N" },
  { "max-connections", 0, 0, G_OPTION_ARG_INT, &opt_max_connections,
    "Most connections at once (default 20000)", "N" },
  { "max-unauthenticated", 0, 0, G_OPTION_ARG_INT, &opt_max_unauth,
    "Most connections from one address that have not logged in; a new one closes the oldest "
    "(default 256)",
    "N" },
  { "idle-timeout", 0, 0, G_OPTION_ARG_INT, &opt_idle_timeout,
    "Close a connection that sent nothing for this many seconds (default 120)", "S" },
  { "login-timeout", 0, 0, G_OPTION_ARG_INT, &opt_login_timeout,
    "Close a connection that has not logged in after this many seconds (default 30)", "S" },
  { "accept-rate", 0, 0, G_OPTION_ARG_INT, &opt_accept_rate,
    "Most new connections per second from one IPv4 address or IPv6 /64, after a burst; further "
    "ones are closed at once (default 50; 0: no limit)",
    "N" },
  { "accept-burst", 0, 0, G_OPTION_ARG_INT, &opt_accept_burst,
    "New connections one address may open at once before --accept-rate applies (default 200)",
    "N" },
  { "sync", 0, 0, G_OPTION_ARG_STRING, &opt_sync,
    "Durability of commits: full (default; survives a crash of the machine) or normal "
    "(survives a crash of mimpd, not of the machine)",
    "full|normal" },
  { "no-extensions", 0, 0, G_OPTION_ARG_NONE, &opt_no_extensions,
    "Offer only MIMP 1.0 and its compatible additions: no FEATURES, no key directory (KEYS) for "
    "private chats, no ephemeral messages, no push; their packets get 501 as from a plain "
    "server",
    NULL },
  { "key-fetch-rate", 0, 0, G_OPTION_ARG_INT, &opt_key_fetch_rate,
    "Key directory: most key fetches per user and minute, then 429 (default 30)", "N" },
  { "ephemeral-rate", 0, 0, G_OPTION_ARG_INT, &opt_ephemeral_rate,
    "Most ephemeral messages (typing notices) per sender and second, then 429 (default 20)", "N" },
  { "password-file", 0, 0, G_OPTION_ARG_FILENAME, &opt_password_file,
    "user add/passwd: read the password from the first line of FILE instead of standard input",
    "FILE" },
  { "verbose", 'v', 0, G_OPTION_ARG_NONE, &opt_verbose, "Log debugging messages", NULL },
  { "version", 0, 0, G_OPTION_ARG_NONE, &opt_version, "Show the version", NULL },
  { NULL }
};

typedef struct
{
  GMainLoop *loop;
  MimpdServer *server;
  MimpdHub *hub;
  gboolean stopping;
  gint64 deadline;
  guint drain_source;
} Daemon;

static int fail (const char *format, ...) G_GNUC_PRINTF (1, 2);

static int
fail (const char *format, ...)
{
  va_list args;

  va_start (args, format);
  fputs ("mimpd: ", stderr);
  vfprintf (stderr, format, args);
  fputc ('\n', stderr);
  va_end (args);
  return 1;
}

/* Every log line goes to stderr: stdout carries only the "listening on" lines
 * that scripts read (GLib's default writer sends debug messages to stdout). */
static GLogWriterOutput
log_writer (GLogLevelFlags level, const GLogField *fields, gsize n_fields, gpointer user_data)
{
  g_autofree char *line = NULL;
  const char *domain = NULL;

  for (gsize i = 0; i < n_fields; i++)
    if (strcmp (fields[i].key, "GLIB_DOMAIN") == 0 && fields[i].length < 0)
      domain = fields[i].value;
  if (g_log_writer_default_would_drop (level, domain))
    return G_LOG_WRITER_HANDLED;
  line = g_log_writer_format_fields (level, fields, n_fields,
                                     g_log_writer_supports_color (fileno (stderr)));
  fprintf (stderr, "%s\n", line);
  fflush (stderr);
  return G_LOG_WRITER_HANDLED;
}

static gboolean
drain_cb (gpointer data)
{
  Daemon *daemon = data;

  if ((mimpd_server_is_drained (daemon->server) && !mimpd_hub_is_busy (daemon->hub)) ||
      g_get_monotonic_time () > daemon->deadline)
    {
      daemon->drain_source = 0;
      g_main_loop_quit (daemon->loop);
      return G_SOURCE_REMOVE;
    }
  return G_SOURCE_CONTINUE;
}

static gboolean
signal_cb (gpointer data)
{
  Daemon *daemon = data;

  if (daemon->stopping)
    return G_SOURCE_CONTINUE;
  g_message ("Stopping");
  daemon->stopping = TRUE;
  daemon->deadline = g_get_monotonic_time () + SHUTDOWN_GRACE_US;
  mimpd_server_stop (daemon->server);
  daemon->drain_source = g_timeout_add (10, drain_cb, daemon);
  return G_SOURCE_CONTINUE;
}

static void
expire_sent (MimpdHub *hub)
{
  g_autoptr (GError) error = NULL;

  if (!mimpd_hub_write_begin (hub, &error) ||
      !mimpd_store_expire (mimpd_hub_get_store (hub), g_get_real_time () / 1000 - SENT_EXPIRY_MS,
                           &error))
    g_warning ("%s", error->message);
}

static gboolean
expire_cb (gpointer data)
{
  expire_sent (data);
  return G_SOURCE_CONTINUE;
}

static void
raise_fd_limit (void)
{
  struct rlimit rl;

  if (getrlimit (RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max)
    {
      rl.rlim_cur = rl.rlim_max;
      if (setrlimit (RLIMIT_NOFILE, &rl) != 0)
        g_debug ("Could not raise the open file limit");
    }
}

static int
serve (const char *database, gboolean sync_full)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (MimpdStore) store = NULL;
  g_autoptr (GTlsCertificate) certificate = NULL;
  MimpdServerOptions options = { 0 };
  Daemon daemon = { 0 };
  guint expire_source;

  if ((opt_tls_cert == NULL) != (opt_tls_key == NULL))
    return fail ("--tls-cert and --tls-key go together");
  if (opt_port < 0 || opt_port > 65535 || opt_tls_port < 0 || opt_tls_port > 65535)
    return fail ("a port is 0 to 65535");
  if (opt_max_body < MIN_BODY_LIMIT || opt_max_body > MIMP_MAX_BODY_SIZE)
    return fail ("--max-body must be %d to %d", MIN_BODY_LIMIT, MIMP_MAX_BODY_SIZE);
  if (opt_max_connections < 1 || opt_max_unauth < 1 || opt_idle_timeout < 1 ||
      opt_login_timeout < 1 || opt_key_fetch_rate < 1 || opt_ephemeral_rate < 1)
    return fail ("limits and timeouts must be at least 1");
  if (opt_accept_rate < 0 || opt_accept_burst < 1)
    return fail ("--accept-rate must be at least 0 (no limit) and --accept-burst at least 1");

  if (opt_tls_cert != NULL)
    {
      if (!g_tls_backend_supports_tls (g_tls_backend_get_default ()))
        return fail ("TLS is not available (is glib-networking installed?)");
      certificate = g_tls_certificate_new_from_files (opt_tls_cert, opt_tls_key, &error);
      if (certificate == NULL)
        return fail ("cannot load the TLS certificate: %s", error->message);
    }

  raise_fd_limit ();
  signal (SIGPIPE, SIG_IGN);

  store = mimpd_store_open (database, sync_full, &error);
  if (store == NULL)
    return fail ("%s", error->message);
  /* One server per database (mimpd-lock.c): a second would keep its own
   * index of sent ids (retries sent to it would be taken for new messages)
   * and its own long polls. The lock goes when the process does. */
  if (mimpd_lock_database (mimpd_store_sqlite_get_filename (store), MIMPD_LOCK_SERVE, &error) == -1)
    return fail ("%s", error->message);

  daemon.hub = mimpd_hub_new (store, (guint32) opt_max_body);
  mimpd_hub_set_extensions (daemon.hub, !opt_no_extensions);
  mimpd_hub_set_rates (daemon.hub, (guint) opt_key_fetch_rate, (guint) opt_ephemeral_rate);
  options.listen_address = opt_listen ? opt_listen : "127.0.0.1";
  options.port = (guint16) opt_port;
  options.tls_port = (guint16) opt_tls_port;
  options.certificate = certificate;
  options.max_connections = (guint) opt_max_connections;
  options.max_unauthenticated_per_address = (guint) opt_max_unauth;
  options.idle_timeout_s = (guint) opt_idle_timeout;
  options.login_timeout_s = (guint) opt_login_timeout;
  options.accept_rate = (guint) opt_accept_rate;
  options.accept_burst = (guint) opt_accept_burst;
  daemon.server = mimpd_server_new (daemon.hub, &options);
  if (!mimpd_server_start (daemon.server, &error))
    {
      mimpd_server_free (daemon.server);
      mimpd_hub_free (daemon.hub);
      return fail ("cannot listen on %s: %s", options.listen_address, error->message);
    }

  expire_sent (daemon.hub);
  expire_source = g_timeout_add_seconds (EXPIRE_INTERVAL_S, expire_cb, daemon.hub);

  printf ("mimpd: listening on %s:%u\n", options.listen_address,
          mimpd_server_get_port (daemon.server));
  if (certificate != NULL)
    printf ("mimpd: listening on %s:%u (TLS)\n", options.listen_address,
            mimpd_server_get_tls_port (daemon.server));
  fflush (stdout);
  g_message ("Serving %s (durability: synchronous=%s; %s)", database, sync_full ? "FULL" : "NORMAL",
             opt_no_extensions ? "no extensions"
                               : "extensions: key directory, ephemeral messages, push");

  daemon.loop = g_main_loop_new (NULL, FALSE);
  g_unix_signal_add (SIGTERM, signal_cb, &daemon);
  g_unix_signal_add (SIGINT, signal_cb, &daemon);
  g_main_loop_run (daemon.loop);

  /* Commit what is still pending before anything goes away. */
  mimpd_hub_flush (daemon.hub);
  g_source_remove (expire_source);
  g_clear_handle_id (&daemon.drain_source, g_source_remove);
  mimpd_server_free (daemon.server);
  mimpd_hub_free (daemon.hub);
  g_main_loop_unref (daemon.loop);
  g_message ("Stopped");
  return 0;
}

static char *
default_database (void)
{
  return g_build_filename (g_get_user_data_dir (), "mimpd", "mimpd.db", NULL);
}

int
main (int argc, char *argv[])
{
  g_autoptr (GOptionContext) context = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *database = NULL;
  g_autofree char *dir = NULL;
  gboolean sync_full = TRUE;

  /* Blocks of 1 MiB and more get their own mapping, returned to the system
   * when freed. glibc's default threshold rises to the size of any mapped
   * block once it is freed (up to 32 MiB), so after the first login each
   * Argon2id buffer (19 MiB, on a worker thread) came from that thread's
   * arena, which kept it: RSS 7 -> 85 MiB after 24 logins, 4 at once,
   * and 7.8 MiB with this. Setting the threshold turns that rise off. */
  mallopt (M_MMAP_THRESHOLD, MMAP_THRESHOLD);
  g_log_set_writer_func (log_writer, NULL, NULL);
  /* TLS 1.2 at least. glib-networking's GnuTLS backend reads this before
   * its first TLS connection; an administrator's own setting wins.
   * mimpd-server.c also closes connections that negotiated less, whatever
   * the backend. */
  g_setenv ("G_TLS_GNUTLS_PRIORITY", "NORMAL:-VERS-SSL3.0:-VERS-TLS1.0:-VERS-TLS1.1", FALSE);
  context = g_option_context_new ("[user add|remove|passwd NAME | user list]");
  g_option_context_set_summary (context, "The MIMP instant-messaging server.\n\n"
                                         "Without a command it serves. \"user add NAME\" and "
                                         "\"user passwd NAME\" read the password\n"
                                         "from standard input (one line) or --password-file; "
                                         "never from the command line.");
  g_option_context_set_description (context,
                                    "Listening on 127.0.0.1 serves this machine only; use "
                                    "--listen 0.0.0.0 (or ::) to serve the network,\n"
                                    "and prefer the TLS port there: plain MIMP is readable "
                                    "by anyone on the path.\n\n"
                                    "Private chats: mimpd keeps a key directory (public keys "
                                    "that clients publish so others can\n"
                                    "start end-to-end encrypted chats with them while they are "
                                    "offline) and relays ephemeral\n"
                                    "messages (typing notices) without storing them. It never "
                                    "sees the text of an encrypted\n"
                                    "message, but it does see who writes to whom and when.\n"
                                    "It also pushes new messages to clients that ask for it. "
                                    "--no-extensions turns all three off.");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    return fail ("%s", error->message);
  if (opt_version)
    {
      printf ("mimpd %s\n", PACKAGE_VERSION);
      return 0;
    }
  if (opt_verbose)
    {
      g_setenv ("G_MESSAGES_DEBUG", G_LOG_DOMAIN, TRUE);
      g_log_set_debug_enabled (TRUE);
    }
  if (opt_sync != NULL)
    {
      if (strcmp (opt_sync, "full") == 0)
        sync_full = TRUE;
      else if (strcmp (opt_sync, "normal") == 0)
        sync_full = FALSE;
      else
        return fail ("--sync is full or normal");
    }

  if (!mimpd_password_init (&error))
    return fail ("%s", error->message);

  database = opt_database ? g_strdup (opt_database) : default_database ();
  dir = g_path_get_dirname (database);
  /* A "file:" URI (SQLite reads it) names no directory to create here. */
  if (!g_str_has_prefix (database, "file:") && g_mkdir_with_parents (dir, 0700) != 0)
    return fail ("cannot create %s: %s", dir, g_strerror (errno));

  if (argc >= 2 && strcmp (argv[1], "user") == 0)
    return mimpd_admin_run (database, opt_password_file, argv + 2);
  if (argc >= 2)
    return fail ("unknown command \"%s\" (see --help)", argv[1]);
  return serve (database, sync_full);
}
