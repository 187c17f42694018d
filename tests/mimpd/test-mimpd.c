/* test-mimpd.c - mimpd through the test helper, and its session state
 * machine driven from memory (no socket)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "mimp.h"
#include "mimpd-hub.h"
#include "mimpd-password.h"
#include "mimpd-session.h"
#include "mimpd-store.h"
#include "mimpd-test-server.h"

/* --- a blocking client over a real socket -------------------------------- */

typedef struct
{
  GSocketConnection *connection;
  guint8 key[MIMP_KEY_SIZE];
} Client;

static void
client_read_exact (Client *c, guint8 *buf, gsize len)
{
  g_autoptr (GError) error = NULL;
  gsize got = 0;

  g_input_stream_read_all (g_io_stream_get_input_stream (G_IO_STREAM (c->connection)), buf, len,
                           &got, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (got, ==, len);
}

static guint16
client_recv (Client *c, GBytes **body)
{
  guint8 header[MIMP_HEADER_SIZE];
  MimpHeader h;
  guint8 *buf;

  client_read_exact (c, header, sizeof header);
  mimp_header_read (header, &h);
  g_assert_true (mimp_header_check (&h, MIMP_MAX_BODY_SIZE, NULL));
  buf = g_malloc (h.length + 1);
  client_read_exact (c, buf, h.length);
  if (h.id != MIMP_PACKET_SCH)
    mimp_xor (buf, h.length, c->key, 0);
  buf[h.length] = '\0';
  *body = g_bytes_new_take (buf, h.length);
  return h.id;
}

static void
client_send (Client *c, guint16 id, const char *json)
{
  g_autoptr (GError) error = NULL;
  gsize len = strlen (json);
  g_autofree guint8 *frame = g_malloc (MIMP_HEADER_SIZE + len);

  mimp_header_write (frame, id, (guint32) len);
  memcpy (frame + MIMP_HEADER_SIZE, json, len);
  mimp_xor (frame + MIMP_HEADER_SIZE, len, c->key, 0);
  g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (c->connection)), frame,
                             MIMP_HEADER_SIZE + len, NULL, NULL, &error);
  g_assert_no_error (error);
}

static Client *
client_connect (guint16 port)
{
  g_autoptr (GSocketClient) sc = g_socket_client_new ();
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) puzzle = NULL;
  Client *c = g_new0 (Client, 1);

  g_socket_client_set_timeout (sc, 10);
  c->connection = g_socket_client_connect_to_host (sc, "127.0.0.1", port, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (client_recv (c, &puzzle), ==, MIMP_PACKET_SCH);
  g_assert_true (mimp_puzzle_solve (g_bytes_get_data (puzzle, NULL), g_bytes_get_size (puzzle),
                                    c->key, &error));
  return c;
}

static void
client_free (Client *c)
{
  g_object_unref (c->connection);
  g_free (c);
}

static void
test_helper_roundtrip (void)
{
  g_autofree char *pa = mimpd_test_server_random_password ();
  g_autofree char *pb = mimpd_test_server_random_password ();
  g_autofree char *ua = g_strconcat ("alice:", pa, NULL);
  g_autofree char *ub = g_strconcat ("bob:", pb, NULL);
  const char *users[] = { ua, ub, NULL };
  g_autoptr (GError) error = NULL;
  g_autoptr (MimpdTestServer) server = mimpd_test_server_start (users, &error);
  g_autoptr (GBytes) body = NULL;
  g_autofree char *token = NULL;
  g_autofree char *json = NULL;
  g_autoptr (GPtrArray) messages = NULL;
  gboolean more = TRUE;
  Client *a, *b;

  g_assert_no_error (error);
  g_assert_cmpuint (mimpd_test_server_get_port (server), >, 0);
  g_assert_cmpint (mimpd_test_server_get_pid (server), >, 0);

  a = client_connect (mimpd_test_server_get_port (server));
  json = g_strdup_printf ("{\"uf\":\"alice\",\"up\":\"%s\"}", pa);
  client_send (a, MIMP_PACKET_AH, json);
  g_assert_cmpuint (client_recv (a, &body), ==, MIMP_PACKET_AH);
  g_assert_true (mimp_body_parse_token (g_bytes_get_data (body, NULL), g_bytes_get_size (body),
                                        &token, &error));
  g_assert_cmpuint (strlen (token), ==, 16);
  g_clear_pointer (&body, g_bytes_unref);
  g_clear_pointer (&json, g_free);

  json =
      g_strdup_printf ("{\"uf\":\"alice\",\"ut\":\"bob\",\"ms\":\"hi\",\"token\":\"%s\"}", token);
  client_send (a, MIMP_PACKET_SM, json);
  g_assert_cmpuint (client_recv (a, &body), ==, MIMP_PACKET_SM);
  g_clear_pointer (&body, g_bytes_unref);
  g_clear_pointer (&json, g_free);
  g_clear_pointer (&token, g_free);

  b = client_connect (mimpd_test_server_get_port (server));
  json = g_strdup_printf ("{\"uf\":\"bob\",\"up\":\"%s\"}", pb);
  client_send (b, MIMP_PACKET_AH, json);
  g_assert_cmpuint (client_recv (b, &body), ==, MIMP_PACKET_AH);
  token = g_strndup (g_bytes_get_data (body, NULL), g_bytes_get_size (body));
  g_clear_pointer (&body, g_bytes_unref);
  g_clear_pointer (&json, g_free);
  json = g_strdup_printf ("{\"uf\":\"bob\",\"token\":\"%s\"}", token);
  client_send (b, MIMP_PACKET_GU, json);
  g_assert_cmpuint (client_recv (b, &body), ==, MIMP_PACKET_GU);
  g_assert_true (mimp_body_parse_get_reply (g_bytes_get_data (body, NULL), g_bytes_get_size (body),
                                            0, &messages, &more, &error));
  g_assert_cmpuint (messages->len, ==, 1);
  g_assert_false (more);
  g_assert_cmpstr (((MimpMessage *) messages->pdata[0])->text, ==, "hi");
  g_assert_cmpstr (((MimpMessage *) messages->pdata[0])->from, ==, "alice");

  client_free (a);
  client_free (b);
  g_assert_cmpint (mimpd_test_server_stop (server), ==, 0);
  g_assert_cmpint (mimpd_test_server_get_pid (server), ==, 0);
}

/* --- the session from memory ---------------------------------------------- */

typedef struct
{
  MimpdStore *store;
  MimpdHub *hub;
  MimpdSession *session;
  guint8 key[MIMP_KEY_SIZE];
} Mem;

static void
mem_setup (Mem *m)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *hash = NULL;
  gsize len;
  const guint8 *out;
  MimpHeader h;

  g_assert_true (mimpd_password_init (&error));
  m->store = mimpd_store_open (":memory:", FALSE, &error);
  g_assert_no_error (error);
  hash = mimpd_password_hash ("pw", &error);
  g_assert_true (mimpd_store_user_add (m->store, "alice", hash, &error));
  m->hub = mimpd_hub_new (m->store, MIMP_MAX_BODY_SIZE);
  m->session = mimpd_session_new (m->hub, "test", NULL, NULL);

  out = mimpd_session_peek_output (m->session, &len);
  g_assert_cmpuint (len, ==, MIMP_HEADER_SIZE + MIMP_PUZZLE_SIZE);
  mimp_header_read (out, &h);
  g_assert_cmpuint (h.id, ==, MIMP_PACKET_SCH);
  g_assert_true (mimp_puzzle_solve (out + MIMP_HEADER_SIZE, MIMP_PUZZLE_SIZE, m->key, &error));
  mimpd_session_consume_output (m->session, len);
}

static void
mem_teardown (Mem *m)
{
  mimpd_session_close (m->session);
  mimpd_session_unref (m->session);
  mimpd_hub_free (m->hub);
  mimpd_store_free (m->store);
}

static void
mem_feed (Mem *m, guint16 id, const char *json)
{
  gsize len = strlen (json);
  g_autofree guint8 *frame = g_malloc (MIMP_HEADER_SIZE + len);

  mimp_header_write (frame, id, (guint32) len);
  memcpy (frame + MIMP_HEADER_SIZE, json, len);
  mimp_xor (frame + MIMP_HEADER_SIZE, len, m->key, 0);
  /* One byte at a time: the state machine must not care how bytes arrive. */
  for (gsize i = 0; i < MIMP_HEADER_SIZE + len; i++)
    mimpd_session_feed (m->session, frame + i, 1);
}

static int
mem_error_code (Mem *m)
{
  gsize len;
  const guint8 *out = mimpd_session_peek_output (m->session, &len);
  g_autofree guint8 *body = NULL;
  g_autofree char *message = NULL;
  MimpHeader h;
  int code = 0;

  g_assert_cmpuint (len, >=, MIMP_HEADER_SIZE);
  mimp_header_read (out, &h);
  g_assert_cmpuint (h.id, ==, MIMP_PACKET_ERROR);
  g_assert_cmpuint (len, ==, MIMP_HEADER_SIZE + h.length);
  body = g_memdup2 (out + MIMP_HEADER_SIZE, h.length);
  mimp_xor (body, h.length, m->key, 0);
  g_assert_true (mimp_body_parse_error (body, h.length, &code, &message));
  mimpd_session_consume_output (m->session, len);
  return code;
}

static void
test_session_memory (void)
{
  Mem m = { 0 };
  gsize len;

  mem_setup (&m);
  mem_feed (&m, MIMP_PACKET_GU, "{\"uf\":\"alice\",\"token\":\"AAAAAAAAAAAAAAAA\"}");
  g_assert_cmpint (mem_error_code (&m), ==, 401);
  mem_feed (&m, 0x1234, "");
  g_assert_cmpint (mem_error_code (&m), ==, 501);
  mem_feed (&m, MIMP_PACKET_AH, "[1,2]");
  g_assert_cmpint (mem_error_code (&m), ==, 400);
  g_assert_true (mimpd_session_wants_input (m.session));

  /* A login goes to a worker thread: nothing comes out until it is done. */
  mem_feed (&m, MIMP_PACKET_AH, "{\"uf\":\"ALICE\",\"up\":\"pw\"}");
  while (mimpd_session_peek_output (m.session, &len) == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_assert_true (mimpd_session_is_authenticated (m.session));

  mimpd_session_consume_output (m.session, len);
  mem_feed (&m, MIMP_PACKET_ERROR, "{}");
  g_assert_cmpint (mem_error_code (&m), ==, 400);
  g_assert_true (mimpd_session_should_close (m.session));
  mem_teardown (&m);
}

/* A default-priority source that is always ready: what a flood of
 * connections does to the listener. */
static gboolean
busy_cb (gpointer data)
{
  return G_SOURCE_CONTINUE;
}

static void
test_commit_not_starved (void)
{
  Mem m = { 0 };
  g_autofree char *token = NULL;
  g_autofree char *json = NULL;
  gint64 deadline;
  guint busy;
  gsize len;
  const guint8 *out;
  MimpHeader h;

  mem_setup (&m);
  mem_feed (&m, MIMP_PACKET_AH, "{\"uf\":\"alice\",\"up\":\"pw\"}");
  while ((out = mimpd_session_peek_output (m.session, &len)) == NULL)
    g_main_context_iteration (NULL, TRUE);
  mimp_header_read (out, &h);
  g_assert_cmpuint (h.id, ==, MIMP_PACKET_AH);
  token = g_memdup2 (out + MIMP_HEADER_SIZE, MIMP_TOKEN_LENGTH + 1);
  mimp_xor ((guint8 *) token, MIMP_TOKEN_LENGTH, m.key, 0);
  token[MIMP_TOKEN_LENGTH] = '\0';
  mimpd_session_consume_output (m.session, len);

  /* The main loop never goes idle; the send must still be committed and
   * answered within a bounded time. */
  busy = g_idle_add_full (G_PRIORITY_DEFAULT, busy_cb, NULL, NULL);
  json =
      g_strdup_printf ("{\"uf\":\"alice\",\"ut\":\"alice\",\"ms\":\"x\",\"token\":\"%s\"}", token);
  mem_feed (&m, MIMP_PACKET_SM, json);
  deadline = g_get_monotonic_time () + 2 * G_USEC_PER_SEC;
  while (mimpd_session_peek_output (m.session, &len) == NULL && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, FALSE);
  g_source_remove (busy);
  out = mimpd_session_peek_output (m.session, &len);
  g_assert_nonnull (out);
  mimp_header_read (out, &h);
  g_assert_cmpuint (h.id, ==, MIMP_PACKET_SM);
  mimpd_session_consume_output (m.session, len);
  mem_teardown (&m);
}

/* The request rates of the extensions: per key, per window, bounded. */
static void
test_rate_limit (void)
{
  MimpdRateLimit *limit = mimpd_rate_limit_new (3, G_USEC_PER_SEC);
  gint64 t = 1000 * G_USEC_PER_SEC;

  for (guint i = 0; i < 3; i++)
    g_assert_true (mimpd_rate_limit_take (limit, "alice", t + i));
  g_assert_false (mimpd_rate_limit_take (limit, "alice", t + 10));
  g_assert_true (mimpd_rate_limit_take (limit, "bob", t + 10)); /* per key */
  g_assert_false (mimpd_rate_limit_take (limit, "alice", t + G_USEC_PER_SEC));
  g_assert_true (mimpd_rate_limit_take (limit, "alice", t + G_USEC_PER_SEC + 1)); /* new window */

  /* A flood of keys never grows the table past its bound. */
  for (guint i = 0; i < MIMPD_THROTTLE_MAX_ENTRIES + 500; i++)
    {
      g_autofree char *key = g_strdup_printf ("user%u", i);

      mimpd_rate_limit_take (limit, key, t + 2 * G_USEC_PER_SEC);
    }
  g_assert_cmpuint (mimpd_rate_limit_size (limit), <=, MIMPD_THROTTLE_MAX_ENTRIES);
  mimpd_rate_limit_free (limit);
}

static gboolean
accept_from (MimpdAcceptLimit *limit, const char *address, gint64 now)
{
  g_autoptr (GInetAddress) a = g_inet_address_new_from_string (address);

  g_assert_nonnull (a);
  return mimpd_accept_limit_take (limit, a, now);
}

static void
test_accept_limit (void)
{
  MimpdAcceptLimit *limit = mimpd_accept_limit_new (2, 4); /* 2/s after a burst of 4 */
  gint64 t = 1000 * G_USEC_PER_SEC;
  guint ok = 0;

  for (guint i = 0; i < 4; i++)
    g_assert_true (accept_from (limit, "192.0.2.1", t));
  g_assert_false (accept_from (limit, "192.0.2.1", t));
  /* Another address has its own bucket; the IPv4-mapped spelling is the same. */
  g_assert_true (accept_from (limit, "192.0.2.2", t));
  g_assert_false (accept_from (limit, "::ffff:192.0.2.1", t));
  /* Half a second gives one token back, not two. */
  g_assert_true (accept_from (limit, "192.0.2.1", t + G_USEC_PER_SEC / 2));
  g_assert_false (accept_from (limit, "192.0.2.1", t + G_USEC_PER_SEC / 2));
  /* Over ten seconds at most the rate gets through, whatever is tried. */
  for (guint i = 1; i <= 1000; i++)
    ok += accept_from (limit, "192.0.2.1", t + G_USEC_PER_SEC / 2 + i * 10000);
  g_assert_cmpuint (ok, >=, 19);
  g_assert_cmpuint (ok, <=, 20);
  /* IPv6: one bucket per /64. */
  for (guint i = 0; i < 4; i++)
    {
      g_autofree char *a = g_strdup_printf ("2001:db8:1:2::%x", i + 1);

      g_assert_true (accept_from (limit, a, t));
    }
  g_assert_false (accept_from (limit, "2001:db8:1:2:ffff::1", t));
  g_assert_true (accept_from (limit, "2001:db8:1:3::1", t));
  /* Bounded, however many sources. */
  for (guint i = 0; i < MIMPD_THROTTLE_MAX_ENTRIES + 500; i++)
    {
      g_autofree char *a = g_strdup_printf ("10.%u.%u.%u", i >> 16, (i >> 8) & 255, i & 255);

      g_assert_true (accept_from (limit, a, t));
    }
  g_assert_cmpuint (mimpd_accept_limit_size (limit), <=, MIMPD_THROTTLE_MAX_ENTRIES);
  mimpd_accept_limit_free (limit);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_setenv ("MIMPD_ARGON2_TEST_COST", "1", TRUE);
  g_test_add_func ("/mimpd/helper-roundtrip", test_helper_roundtrip);
  g_test_add_func ("/mimpd/session-memory", test_session_memory);
  g_test_add_func ("/mimpd/commit-not-starved", test_commit_not_starved);
  g_test_add_func ("/mimpd/rate-limit", test_rate_limit);
  g_test_add_func ("/mimpd/accept-limit", test_accept_limit);
  return g_test_run ();
}
