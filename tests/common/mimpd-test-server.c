/* mimpd-test-server.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>

#include <glib/gstdio.h>

#include "mimpd-test-server.h"

#define START_TIMEOUT_US (20 * G_USEC_PER_SEC)
#define STOP_TIMEOUT_US (15 * G_USEC_PER_SEC)

struct _MimpdTestServer
{
  char *dir;
  char *database;
  char *cert;
  char *key;
  GStrv extra_args;
  GSubprocess *process;
  guint16 port;
  guint16 tls_port;
};

static const char *
mimpd_path (GError **error)
{
  const char *path = g_getenv ("MIMPD");

  if (path == NULL || *path == '\0')
    g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                         "$MIMPD is not set (run the test through meson)");
  return path;
}

static void
die_with_parent (gpointer user_data)
{
  /* A test that fails an assertion must not leave a server holding meson's pipes. */
  prctl (PR_SET_PDEATHSIG, SIGKILL);
}

static GSubprocessLauncher *
launcher_new (GSubprocessFlags flags)
{
  GSubprocessLauncher *launcher = g_subprocess_launcher_new (flags);

  g_subprocess_launcher_set_child_setup (launcher, die_with_parent, NULL, NULL);
  g_subprocess_launcher_setenv (launcher, "MIMPD_ARGON2_TEST_COST", "1", TRUE);
  return launcher;
}

char *
mimpd_test_server_random_password (void)
{
  static const char chars[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  char *s = g_malloc (17);

  for (guint i = 0; i < 16; i++)
    s[i] = chars[g_random_int_range (0, 62)];
  s[16] = '\0';
  return s;
}

int
mimpd_test_server_admin (MimpdTestServer *server, const char *const *args, const char *password,
                         char **err_out)
{
  g_autoptr (GSubprocessLauncher) launcher = NULL;
  g_autoptr (GSubprocess) process = NULL;
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  g_autoptr (GError) error = NULL;
  g_autofree char *input = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  const char *path = mimpd_path (&error);

  if (path == NULL)
    {
      if (err_out)
        *err_out = g_strdup (error->message);
      return -1;
    }
  g_ptr_array_add (argv, (gpointer) path);
  g_ptr_array_add (argv, (gpointer) "--database");
  g_ptr_array_add (argv, server->database);
  for (guint i = 0; args != NULL && args[i] != NULL; i++)
    g_ptr_array_add (argv, (gpointer) args[i]);
  g_ptr_array_add (argv, NULL);

  launcher = launcher_new (G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                           G_SUBPROCESS_FLAGS_STDERR_PIPE);
  process = g_subprocess_launcher_spawnv (launcher, (const char *const *) argv->pdata, &error);
  if (process == NULL)
    {
      if (err_out)
        *err_out = g_strdup (error->message);
      return -1;
    }
  input = password ? g_strconcat (password, "\n", NULL) : g_strdup ("");
  if (!g_subprocess_communicate_utf8 (process, input, NULL, &out, &err, &error))
    {
      if (err_out)
        *err_out = g_strdup (error->message);
      return -1;
    }
  if (err_out)
    *err_out = g_steal_pointer (&err);
  if (!g_subprocess_get_if_exited (process))
    return -1;
  return g_subprocess_get_exit_status (process);
}

gboolean
mimpd_test_server_add_user (MimpdTestServer *server, const char *name, const char *password,
                            GError **error)
{
  const char *args[] = { "user", "add", name, NULL };
  g_autofree char *err = NULL;

  if (mimpd_test_server_admin (server, args, password, &err) != 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "mimpd user add %s failed: %s", name,
                   err ? err : "");
      return FALSE;
    }
  return TRUE;
}

static gboolean
make_certificate (MimpdTestServer *server, GError **error)
{
  g_autofree char *template = g_build_filename (server->dir, "cert.cfg", NULL);
  const char *cfg = "cn = localhost\n"
                    "dns_name = localhost\n"
                    "ip_address = 127.0.0.1\n"
                    "expiration_days = 2\n"
                    "tls_www_server\n"
                    "signing_key\n"
                    "encryption_key\n";
  g_autoptr (GSubprocess) p = NULL;

  server->cert = g_build_filename (server->dir, "cert.pem", NULL);
  server->key = g_build_filename (server->dir, "key.pem", NULL);
  if (!g_file_set_contents (template, cfg, -1, error))
    return FALSE;
  p = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_SILENCE,
                        error, "certtool", "--generate-privkey", "--key-type=ecdsa", "--outfile",
                        server->key, NULL);
  if (p == NULL || !g_subprocess_wait_check (p, NULL, error))
    return FALSE;
  g_clear_object (&p);
  p = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_SILENCE,
                        error, "certtool", "--generate-self-signed", "--load-privkey", server->key,
                        "--template", template, "--outfile", server->cert, NULL);
  return p != NULL && g_subprocess_wait_check (p, NULL, error);
}

typedef struct
{
  GMainContext *context;
  char *line;
  gboolean done;
  GError *error;
} LineRead;

static void
line_read_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  LineRead *r = user_data;

  r->line = g_data_input_stream_read_line_finish_utf8 (G_DATA_INPUT_STREAM (source), result, NULL,
                                                       &r->error);
  r->done = TRUE;
}

static gboolean
deadline_cb (gpointer user_data)
{
  return G_SOURCE_CONTINUE;
}

/* Reads one line of stdout with a deadline, without touching the caller's
 * main context. */
static char *
read_line (GDataInputStream *in, gint64 deadline, GError **error)
{
  g_autoptr (GMainContext) context = g_main_context_new ();
  g_autoptr (GCancellable) cancellable = g_cancellable_new ();
  LineRead r = { context, NULL, FALSE, NULL };
  GSource *tick;

  g_main_context_push_thread_default (context);
  tick = g_timeout_source_new (50);
  g_source_set_callback (tick, deadline_cb, NULL, NULL);
  g_source_attach (tick, context);
  g_data_input_stream_read_line_async (in, G_PRIORITY_DEFAULT, cancellable, line_read_cb, &r);
  while (!r.done)
    {
      if (g_get_monotonic_time () > deadline)
        g_cancellable_cancel (cancellable);
      g_main_context_iteration (context, TRUE);
    }
  g_source_destroy (tick);
  g_source_unref (tick);
  g_main_context_pop_thread_default (context);
  if (r.error != NULL)
    {
      if (g_error_matches (r.error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          g_clear_error (&r.error);
          g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                               "mimpd did not start listening in time");
          return NULL;
        }
      g_propagate_error (error, r.error);
      return NULL;
    }
  if (r.line == NULL)
    g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                         "mimpd exited before listening (see its stderr in the test log)");
  return r.line;
}

static gboolean
launch (MimpdTestServer *server, GError **error)
{
  g_autoptr (GSubprocessLauncher) launcher = NULL;
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  g_autoptr (GDataInputStream) in = NULL;
  g_autofree char *port_arg = g_strdup_printf ("%u", server->port);
  g_autofree char *tls_port_arg = g_strdup_printf ("%u", server->tls_port);
  const char *path = mimpd_path (error);
  gint64 deadline = g_get_monotonic_time () + START_TIMEOUT_US;
  guint want = server->cert ? 2 : 1;

  if (path == NULL)
    return FALSE;
  g_ptr_array_add (argv, (gpointer) path);
  g_ptr_array_add (argv, (gpointer) "--database");
  g_ptr_array_add (argv, server->database);
  g_ptr_array_add (argv, (gpointer) "--listen");
  g_ptr_array_add (argv, (gpointer) "127.0.0.1");
  g_ptr_array_add (argv, (gpointer) "--port");
  g_ptr_array_add (argv, port_arg);
  if (server->cert)
    {
      g_ptr_array_add (argv, (gpointer) "--tls-cert");
      g_ptr_array_add (argv, server->cert);
      g_ptr_array_add (argv, (gpointer) "--tls-key");
      g_ptr_array_add (argv, server->key);
      g_ptr_array_add (argv, (gpointer) "--tls-port");
      g_ptr_array_add (argv, tls_port_arg);
    }
  for (guint i = 0; server->extra_args && server->extra_args[i]; i++)
    g_ptr_array_add (argv, server->extra_args[i]);
  g_ptr_array_add (argv, NULL);

  /* stderr goes to the test's stderr, so the test log shows the server's. */
  launcher = launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  server->process =
      g_subprocess_launcher_spawnv (launcher, (const char *const *) argv->pdata, error);
  if (server->process == NULL)
    return FALSE;
  in = g_data_input_stream_new (g_subprocess_get_stdout_pipe (server->process));
  for (guint i = 0; i < want; i++)
    {
      g_autofree char *line = read_line (in, deadline, error);
      g_autofree char *digits = NULL;
      const char *colon;
      guint64 port = 0;

      if (line == NULL)
        {
          mimpd_test_server_kill (server);
          return FALSE;
        }
      colon = line ? strrchr (line, ':') : NULL;
      if (colon != NULL)
        digits = g_strndup (colon + 1, strspn (colon + 1, "0123456789"));
      if (line == NULL || !g_str_has_prefix (line, "mimpd: listening on ") || colon == NULL ||
          !g_ascii_string_to_unsigned (digits, 10, 1, 65535, &port, NULL))
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "Unexpected output from mimpd: %s",
                       line);
          mimpd_test_server_kill (server);
          return FALSE;
        }
      if (g_str_has_suffix (line, "(TLS)"))
        server->tls_port = (guint16) port;
      else
        server->port = (guint16) port;
    }
  return TRUE;
}

MimpdTestServer *
mimpd_test_server_start_full (const char *const *users, const char *const *extra_args, gboolean tls,
                              GError **error)
{
  g_autoptr (MimpdTestServer) server = g_new0 (MimpdTestServer, 1);

  server->dir = g_dir_make_tmp ("mimpd-test-XXXXXX", error);
  if (server->dir == NULL)
    return NULL;
  server->database = g_build_filename (server->dir, "mimpd.db", NULL);
  server->extra_args = g_strdupv ((char **) extra_args);
  for (guint i = 0; users != NULL && users[i] != NULL; i++)
    {
      const char *colon = strchr (users[i], ':');
      g_autofree char *name = NULL;

      if (colon == NULL)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                       "A user is \"name:password\"");
          return NULL;
        }
      name = g_strndup (users[i], colon - users[i]);
      if (!mimpd_test_server_add_user (server, name, colon + 1, error))
        return NULL;
    }
  if (tls && !make_certificate (server, error))
    return NULL;
  if (!launch (server, error))
    return NULL;
  return g_steal_pointer (&server);
}

MimpdTestServer *
mimpd_test_server_start (const char *const *users, GError **error)
{
  return mimpd_test_server_start_full (users, NULL, FALSE, error);
}

guint16
mimpd_test_server_get_port (MimpdTestServer *server)
{
  return server->port;
}

guint16
mimpd_test_server_get_tls_port (MimpdTestServer *server)
{
  return server->tls_port;
}

const char *
mimpd_test_server_get_tls_cert (MimpdTestServer *server)
{
  return server->cert;
}

const char *
mimpd_test_server_get_database (MimpdTestServer *server)
{
  return server->database;
}

GPid
mimpd_test_server_get_pid (MimpdTestServer *server)
{
  const char *id = server->process ? g_subprocess_get_identifier (server->process) : NULL;

  return id ? (GPid) g_ascii_strtoll (id, NULL, 10) : 0;
}

/* Waits for the process with a deadline; %FALSE when it did not exit.
 * GSubprocess reaps the child in GLib's worker thread, which clears its
 * identifier. */
static gboolean
wait_exit (GSubprocess *process, gint64 timeout_us)
{
  gint64 deadline = g_get_monotonic_time () + timeout_us;

  while (g_subprocess_get_identifier (process) != NULL)
    {
      if (g_get_monotonic_time () > deadline)
        return FALSE;
      g_usleep (5000);
    }
  return TRUE;
}

int
mimpd_test_server_stop (MimpdTestServer *server)
{
  int status;

  if (server->process == NULL)
    return -1;
  g_subprocess_send_signal (server->process, SIGTERM);
  if (!wait_exit (server->process, STOP_TIMEOUT_US))
    {
      mimpd_test_server_kill (server);
      return -1;
    }
  status = g_subprocess_get_if_exited (server->process)
               ? g_subprocess_get_exit_status (server->process)
               : -1;
  g_clear_object (&server->process);
  return status;
}

void
mimpd_test_server_kill (MimpdTestServer *server)
{
  if (server->process == NULL)
    return;
  g_subprocess_force_exit (server->process);
  g_subprocess_wait (server->process, NULL, NULL);
  g_clear_object (&server->process);
}

gboolean
mimpd_test_server_restart (MimpdTestServer *server, GError **error)
{
  /* Same ports, so a client reconnects to the server it knew. */
  if (server->process != NULL)
    mimpd_test_server_kill (server);
  return launch (server, error);
}

static void
remove_dir (const char *path)
{
  g_autoptr (GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  if (dir == NULL)
    return;
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      g_unlink (child);
    }
  g_rmdir (path);
}

void
mimpd_test_server_free (MimpdTestServer *server)
{
  if (server == NULL)
    return;
  mimpd_test_server_kill (server);
  if (server->dir)
    remove_dir (server->dir);
  g_free (server->dir);
  g_free (server->database);
  g_free (server->cert);
  g_free (server->key);
  g_strfreev (server->extra_args);
  g_free (server);
}
