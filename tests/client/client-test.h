/* client-test.h - what the client tests share: a real mimpd with alice and
 * bob, the plain MIMP 1.0 peer, and waiting on the main context with a
 * deadline
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "mimpd-test-server.h"

G_BEGIN_DECLS

#define CLIENT_TEST_DEADLINE_SECONDS 30

typedef struct
{
  MimpdTestServer *server;
  char *alice_password;
  char *bob_password;
} ClientFixture;

/* @data: GINT_TO_POINTER of CLIENT_TEST_TLS (serve TLS too) and
 * CLIENT_TEST_NO_EXTENSIONS (mimpd --no-extensions: no push, long polls). */
#define CLIENT_TEST_TLS 1
#define CLIENT_TEST_NO_EXTENSIONS 2
void client_fixture_setup (ClientFixture *fixture, gconstpointer data);
void client_fixture_teardown (ClientFixture *fixture, gconstpointer data);

#define CLIENT_TEST_ADD(path, func, tls)                                                           \
  g_test_add (path, ClientFixture, GINT_TO_POINTER (tls), client_fixture_setup, func,              \
              client_fixture_teardown)

/* tests/mimp10_server.py in @mode, with users alice and bob. */
typedef struct
{
  GSubprocess *process;
  guint16 port;
  char *alice_password;
  char *bob_password;
} ClientTestPeer;

ClientTestPeer *client_test_peer_start (const char *mode);
void client_test_peer_free (ClientTestPeer *peer);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ClientTestPeer, client_test_peer_free)

/* Call once from main(): wakes the main context regularly so that every
 * wait below can check its deadline. */
void client_test_init (void);
void client_test_wait_until (gboolean (*predicate) (gpointer data), gpointer data);
void client_test_wait_flag (gboolean *flag);
void client_test_spin (guint milliseconds);

G_END_DECLS
