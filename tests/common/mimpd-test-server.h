/* mimpd-test-server.h - start a real mimpd for a test
 *
 * The server runs on 127.0.0.1 with `--port 0` (a free port), a database in
 * its own temporary directory, and the users given, added through
 * `mimpd user add NAME` with the password on standard input. The binary is
 * $MIMPD (tests/meson.build's test_env sets it). Argon2id runs at a test cost
 * (MIMPD_ARGON2_TEST_COST=1) so logins are fast.
 *
 *   const char *users[] = { "alice:secret1", "bob:secret2", NULL };
 *   g_autoptr (GError) error = NULL;
 *   MimpdTestServer *server = mimpd_test_server_start (users, &error);
 *
 *   g_assert_no_error (error);
 *   ... connect to 127.0.0.1:mimpd_test_server_get_port (server) ...
 *   g_assert_cmpint (mimpd_test_server_stop (server), ==, 0);   (SIGTERM, exit status)
 *   mimpd_test_server_free (server);                           (removes the directory)
 *
 * Generate passwords at run time (mimpd_test_server_random_password()):
 * never commit one. All calls block the calling thread (with a timeout)
 * and run no main context the caller can see.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef struct _MimpdTestServer MimpdTestServer;

/* @users: %NULL-terminated "name:password" strings, or %NULL. */
MimpdTestServer *mimpd_test_server_start (const char *const *users, GError **error);
/* @extra_args: more mimpd options (e.g. "--max-body", "131072"), or %NULL.
 * @tls: whether to generate a self-signed certificate (certtool) and
 * listen on a TLS port too. */
MimpdTestServer *mimpd_test_server_start_full (const char *const *users,
                                               const char *const *extra_args, gboolean tls,
                                               GError **error);
guint16 mimpd_test_server_get_port (MimpdTestServer *server);
guint16 mimpd_test_server_get_tls_port (MimpdTestServer *server);
/* The PEM certificate file of the TLS port (to trust it in a test), or %NULL. */
const char *mimpd_test_server_get_tls_cert (MimpdTestServer *server);
const char *mimpd_test_server_get_database (MimpdTestServer *server);
/* The process id, 0 when stopped. */
GPid mimpd_test_server_get_pid (MimpdTestServer *server);

/* Runs `mimpd --database DB ARGS...` with @password (if not %NULL) as one
 * line on stdin; returns its exit status, stderr in @err_out if not %NULL. */
int mimpd_test_server_admin (MimpdTestServer *server, const char *const *args, const char *password,
                             char **err_out);
/* `mimpd user add`: only while the server is stopped (mimpd refuses to
 * change a database a running server is using). */
gboolean mimpd_test_server_add_user (MimpdTestServer *server, const char *name,
                                     const char *password, GError **error);

/* SIGTERM and wait: returns the exit status (0 for a clean exit), or -1 when
 * it did not exit in time (it is then killed) or was killed by a signal. */
int mimpd_test_server_stop (MimpdTestServer *server);
/* SIGKILL and wait (a crash). */
void mimpd_test_server_kill (MimpdTestServer *server);
/* Starts it again on the same database and the same ports. */
gboolean mimpd_test_server_restart (MimpdTestServer *server, GError **error);
/* Stops it if running (SIGKILL) and removes its directory. */
void mimpd_test_server_free (MimpdTestServer *server);

/* 16 random characters [A-Za-z0-9]. */
char *mimpd_test_server_random_password (void);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MimpdTestServer, mimpd_test_server_free)

G_END_DECLS
