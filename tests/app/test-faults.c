/* test-faults.c - the app's account and history under faults (docs/hardening.md)
 *
 * /app-faults/app-killed: a child process (this binary with --child) runs the
 * app's MimpAccount and MimpHistory on one directory, receiving from bob
 * (a libmimp sender) and sending its own messages to carol. It is SIGKILLed
 * at seeded random moments and started again on the same directory. At the
 * end every message acknowledged to bob is in the history exactly once, and
 * every message the history holds as outgoing reached carol (`mimp-cli
 * listen --json`) exactly once.
 *
 * /app-faults/server-faults: the account in this process while mimpd is
 * stalled (SIGSTOP/SIGCONT) and killed and restarted: a high-priority timer
 * never sees a gap over 200 ms, the account shows waiting with a reason and
 * comes back online, and nothing is lost or doubled.
 *
 * MIMP_FAULT_SEED chooses the kill moments (printed). Passwords travel in
 * the environment, message texts never in argv.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib-unix.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <stdlib.h>
#include <signal.h>
#include <sqlite3.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "mimp.h"
#include "mimp-account.h"
#include "mimp-history.h"
#include "mimp-secret-store.h"
#include "test-util.h"

#define ACCOUNT_ID "faults"
#define CHILD_SENDS 25 /* in the last run; the killed runs send until killed */
#define CHILD_INTERVAL_MS 30
#define KILLS 6
#define BOB_SENDS 200
#define MAX_GAP_MS 200
#define PROXY_DELAY_MS 150

/* ------------------------------------------------------------------ */
/* The child: the app's account and history, no UI                    */
/* ------------------------------------------------------------------ */

typedef struct
{
  MimpAccount *account;
  guint run;
  guint sent;
  guint limit;
  GMainLoop *loop;
} Child;

static gboolean
child_send (gpointer data)
{
  Child *c = data;
  g_autofree char *text = NULL;

  if (c->sent >= c->limit)
    return G_SOURCE_REMOVE;
  text = g_strdup_printf ("run %u message %u", c->run, c->sent++);
  mimp_account_send (c->account, "carol", text);
  return G_SOURCE_CONTINUE;
}

static gboolean
child_quit (gpointer data)
{
  g_main_loop_quit (((Child *) data)->loop);
  return G_SOURCE_REMOVE;
}

static int
child_main (const char *dir, guint16 port, guint run, guint limit)
{
  g_autofree char *db = g_build_filename (dir, "history.db", NULL);
  g_autofree char *password = g_strdup (g_getenv ("MIMP_PASSWORD"));
  g_autoptr (MimpHistory) history = NULL;
  g_autoptr (MimpSecretStore) secrets = NULL;
  Child c = { 0 };

  prctl (PR_SET_PDEATHSIG, SIGKILL);
  if (getppid () == 1 || password == NULL)
    return 1;
  g_unsetenv ("MIMP_PASSWORD");

  history = mimp_history_new (db);
  secrets = mimp_secret_store_new ();
  c.run = run;
  c.limit = limit;
  c.loop = g_main_loop_new (NULL, FALSE);
  c.account =
      mimp_account_new (mimp_protocol_find ("mimp"), ACCOUNT_ID, "127.0.0.1", port, "alice", FALSE);
  mimp_account_set_services (c.account, history, secrets);
  /* carol's mimp-cli has no keys: the user chose to send to her
   * unencrypted (and the keyring D-Bus would start is not waited for). */
  mimp_secret_store_set_timeout (secrets, 2);
  mimp_account_e2e_send_unencrypted (c.account, "carol");
  mimp_account_use_password (c.account, password, TRUE); /* starts it */
  g_timeout_add (CHILD_INTERVAL_MS, child_send, &c);
  g_unix_signal_add (SIGTERM, child_quit, &c);
  g_main_loop_run (c.loop);

  mimp_account_stop (c.account);
  g_clear_object (&c.account);
  mimp_history_close (history);
  g_main_loop_unref (c.loop);
  return 0;
}

/* ------------------------------------------------------------------ */
/* Helpers of the parent                                              */
/* ------------------------------------------------------------------ */

/* carol's `mimp-cli listen --json`, counting what arrives */
typedef struct
{
  GSubprocess *process;
  GDataInputStream *out;
  GHashTable *ids;   /* server id -> count */
  GHashTable *texts; /* text from alice -> count */
  guint lines;
  guint duplicate_ids;
  gboolean eof;
} Listener;

static void read_next_line (Listener *l);

static void
line_read (GObject *source, GAsyncResult *result, gpointer data)
{
  Listener *l = data;
  g_autoptr (GError) error = NULL;
  g_autofree char *line = NULL;
  g_autoptr (JsonParser) parser = json_parser_new ();
  JsonObject *object;
  const char *id;
  const char *text;

  line = g_data_input_stream_read_line_finish_utf8 (G_DATA_INPUT_STREAM (source), result, NULL,
                                                    &error);
  if (line == NULL)
    {
      l->eof = TRUE;
      return;
    }
  g_assert_true (json_parser_load_from_data (parser, line, -1, NULL));
  object = json_node_get_object (json_parser_get_root (parser));
  id = json_object_get_string_member (object, "id");
  text = json_object_get_string_member (object, "text");
  l->lines++;
  if (g_hash_table_contains (l->ids, id))
    l->duplicate_ids++;
  g_hash_table_insert (l->ids, g_strdup (id),
                       GUINT_TO_POINTER (GPOINTER_TO_UINT (g_hash_table_lookup (l->ids, id)) + 1));
  if (g_strcmp0 (json_object_get_string_member (object, "from"), "alice") == 0)
    g_hash_table_insert (
        l->texts, g_strdup (text),
        GUINT_TO_POINTER (GPOINTER_TO_UINT (g_hash_table_lookup (l->texts, text)) + 1));
  read_next_line (l);
}

static void
read_next_line (Listener *l)
{
  g_data_input_stream_read_line_async (l->out, G_PRIORITY_DEFAULT, NULL, line_read, l);
}

static Listener *
listener_start (MimpdTestServer *server, const char *user, const char *password)
{
  Listener *l = g_new0 (Listener, 1);
  g_autofree char *address = g_strdup_printf ("127.0.0.1:%u", mimpd_test_server_get_port (server));
  const char *argv[] = {
    g_getenv ("MIMP_CLI"), "--server", address, "--user", user, "listen", "--json", NULL
  };
  g_autoptr (GSubprocessLauncher) launcher = g_subprocess_launcher_new (
      G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_SILENCE);
  g_autoptr (GError) error = NULL;

  g_subprocess_launcher_setenv (launcher, "MIMP_PASSWORD", password, TRUE);
  g_subprocess_launcher_set_child_setup (launcher, test_die_with_parent, NULL, NULL);
  l->process = g_subprocess_launcher_spawnv (launcher, argv, &error);
  g_assert_no_error (error);
  l->out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (l->process));
  l->ids = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  l->texts = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  read_next_line (l);
  return l;
}

static void
listener_free (Listener *l)
{
  g_subprocess_send_signal (l->process, SIGTERM);
  g_subprocess_wait (l->process, NULL, NULL);
  /* Let the pending read see the end. */
  while (!l->eof)
    g_main_context_iteration (NULL, TRUE);
  g_object_unref (l->out);
  g_object_unref (l->process);
  g_hash_table_unref (l->ids);
  g_hash_table_unref (l->texts);
  g_free (l);
}

/* bob, sending to alice through libmimp, counting acknowledgements */
typedef struct
{
  MimpClientSession *session;
  GHashTable *acked; /* server id */
  guint queued;
  guint finished;
  guint failed;
  guint limit;
  guint timer;
} Sender;

static void
on_bob_finished (MimpClientSession *session, const char *client_id, const char *server_id,
                 gint64 timestamp, const GError *error, Sender *s)
{
  s->finished++;
  if (error != NULL)
    s->failed++;
  else
    g_hash_table_add (s->acked, g_strdup (server_id));
}

static void
sender_send (Sender *s)
{
  g_autofree char *client_id = g_uuid_string_random ();
  g_autofree char *text = g_strdup_printf ("bob message %u", s->queued++);

  mimp_client_session_send (s->session, client_id, "alice", text);
}

static gboolean
sender_tick (gpointer data)
{
  Sender *s = data;

  if (s->queued >= s->limit)
    {
      s->timer = 0;
      return G_SOURCE_REMOVE;
    }
  sender_send (s);
  return G_SOURCE_CONTINUE;
}

static Sender *
sender_start (MimpdTestServer *server, const char *password, guint limit, guint interval_ms)
{
  Sender *s = g_new0 (Sender, 1);

  s->session =
      mimp_client_session_new ("127.0.0.1", mimpd_test_server_get_port (server), FALSE, "bob");
  mimp_client_session_set_password (s->session, password);
  mimp_client_session_set_receive (s->session, FALSE);
  g_signal_connect (s->session, "send-finished", G_CALLBACK (on_bob_finished), s);
  mimp_client_session_start (s->session);
  s->acked = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  s->limit = limit;
  if (interval_ms > 0)
    s->timer = g_timeout_add (interval_ms, sender_tick, s);
  return s;
}

static void
sender_free (Sender *s)
{
  g_clear_handle_id (&s->timer, g_source_remove);
  mimp_client_session_stop (s->session);
  g_object_unref (s->session);
  g_hash_table_unref (s->acked);
  g_free (s);
}

static gint64
query_int (sqlite3 *db, const char *sql)
{
  sqlite3_stmt *stmt = NULL;
  gint64 value;

  g_assert_cmpint (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  value = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  return value;
}

/* -1 while the history has no tables yet (a child just started). */
static gint64
try_query_int (sqlite3 *db, const char *sql)
{
  sqlite3_stmt *stmt = NULL;
  gint64 value = -1;

  if (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL) != SQLITE_OK)
    return -1;
  if (sqlite3_step (stmt) == SQLITE_ROW)
    value = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  return value;
}

static sqlite3 *
open_db (const char *path)
{
  sqlite3 *db = NULL;

  g_assert_cmpint (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
  sqlite3_busy_timeout (db, 5000);
  return db;
}

typedef struct
{
  const char *db_path;
  Sender *bob;
  Listener *carol;
  const char *final_sql; /* counts the last child's messages, or NULL */
} Progress;

/* Everything bob sent was answered and is stored; nothing pending; carol
 * has as many of alice's messages as the history holds outgoing. */
static gboolean
all_settled (gpointer data)
{
  Progress *p = data;
  sqlite3 *db;
  gint64 incoming, pending, outgoing;

  if (p->bob->finished < p->bob->queued || p->bob->queued < p->bob->limit)
    return FALSE;
  if (!g_file_test (p->db_path, G_FILE_TEST_EXISTS))
    return FALSE;
  db = open_db (p->db_path);
  incoming = try_query_int (db, "SELECT count(*) FROM messages WHERE direction = 0");
  pending = try_query_int (db, "SELECT count(*) FROM messages WHERE direction = 1 AND state = 0");
  outgoing = try_query_int (db, "SELECT count(*) FROM messages WHERE direction = 1");
  /* The last child has stored all it sends: nothing will be added. */
  if (p->final_sql != NULL && try_query_int (db, p->final_sql) < CHILD_SENDS)
    outgoing = -1;
  sqlite3_close (db);
  return incoming >= 0 && pending >= 0 && outgoing >= 0 &&
         incoming >= g_hash_table_size (p->bob->acked) && pending == 0 &&
         g_hash_table_size (p->carol->texts) >= (guint) outgoing;
}

typedef struct
{
  guint acked;
  guint stored_in;
  guint outgoing;
  guint failed_out;
  guint delivered;
} Figures;

/* The exactly-once checks, shared by both tests. */
static void
check_counts (const char *db_path, Sender *bob, Listener *carol, Figures *f)
{
  sqlite3 *db = open_db (db_path);
  sqlite3_stmt *stmt = NULL;
  GHashTableIter iter;
  gpointer key, value;
  guint missing = 0;

  f->acked = g_hash_table_size (bob->acked);
  f->stored_in = query_int (db, "SELECT count(*) FROM messages WHERE direction = 0");
  /* Each acknowledged message once, by server id; no text twice. */
  g_assert_cmpint (query_int (db, "SELECT count(*) FROM (SELECT server_id FROM messages "
                                  "WHERE direction = 0 GROUP BY server_id HAVING count(*) > 1)"),
                   ==, 0);
  g_assert_cmpint (query_int (db, "SELECT count(*) FROM (SELECT text FROM messages "
                                  "WHERE direction = 0 GROUP BY text HAVING count(*) > 1)"),
                   ==, 0);
  g_assert_cmpint (sqlite3_prepare_v2 (db,
                                       "SELECT count(*) FROM messages WHERE direction = 0 "
                                       "AND server_id = ?",
                                       -1, &stmt, NULL),
                   ==, SQLITE_OK);
  g_hash_table_iter_init (&iter, bob->acked);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    {
      sqlite3_reset (stmt);
      sqlite3_bind_text (stmt, 1, key, -1, SQLITE_TRANSIENT);
      g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
      if (sqlite3_column_int (stmt, 0) != 1)
        missing++;
    }
  sqlite3_finalize (stmt);
  g_assert_cmpuint (missing, ==, 0);
  g_assert_cmpuint (bob->failed, ==, 0);
  /* Nothing stored that bob was not told about: acked == stored. */
  g_assert_cmpuint (f->stored_in, ==, f->acked);

  /* Every stored outgoing message at carol's exactly once. */
  f->outgoing = query_int (db, "SELECT count(*) FROM messages WHERE direction = 1");
  f->failed_out =
      query_int (db, "SELECT count(*) FROM messages WHERE direction = 1 AND state <> 1");
  g_assert_cmpint (sqlite3_prepare_v2 (db, "SELECT text, state FROM messages WHERE direction = 1",
                                       -1, &stmt, NULL),
                   ==, SQLITE_OK);
  missing = 0;
  while (sqlite3_step (stmt) == SQLITE_ROW)
    {
      const char *text = (const char *) sqlite3_column_text (stmt, 0);
      guint seen = GPOINTER_TO_UINT (g_hash_table_lookup (carol->texts, text));
      if (seen != 1)
        {
          g_test_message ("an outgoing message of the history reached carol %u times "
                          "(state %d)",
                          seen, sqlite3_column_int (stmt, 1));
          missing++;
        }
    }
  sqlite3_finalize (stmt);
  sqlite3_close (db);
  g_assert_cmpuint (missing, ==, 0);
  g_assert_cmpuint (f->failed_out, ==, 0);
  g_assert_cmpuint (carol->duplicate_ids, ==, 0);
  /* And nothing at carol's that the history does not hold. */
  f->delivered = 0;
  g_hash_table_iter_init (&iter, carol->texts);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      g_assert_cmpuint (GPOINTER_TO_UINT (value), ==, 1);
      f->delivered++;
    }
  g_assert_cmpuint (f->delivered, ==, f->outgoing);
}

/* ------------------------------------------------------------------ */
/* The app killed at random moments                                   */
/* ------------------------------------------------------------------ */

static GSubprocess *
spawn_child (const char *dir, guint16 port, guint run, guint limit, const char *password)
{
  g_autofree char *self_exe = g_file_read_link ("/proc/self/exe", NULL);
  g_autofree char *port_s = g_strdup_printf ("%u", port);
  g_autofree char *run_s = g_strdup_printf ("%u", run);
  g_autofree char *limit_s = g_strdup_printf ("%u", limit);
  const char *argv[] = { self_exe, "--child", dir, port_s, run_s, limit_s, NULL };
  g_autoptr (GSubprocessLauncher) launcher =
      g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE);
  g_autoptr (GError) error = NULL;
  GSubprocess *child;

  g_subprocess_launcher_setenv (launcher, "MIMP_PASSWORD", password, TRUE);
  g_subprocess_launcher_set_child_setup (launcher, test_die_with_parent, NULL, NULL);
  child = g_subprocess_launcher_spawnv (launcher, argv, &error);
  g_assert_no_error (error);
  return child;
}

/* The history's files (database, WAL, shared memory), then the directory. */
static void
remove_tmpdir (const char *dir)
{
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;

  while (d != NULL && (name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);
      g_remove (path);
    }
  g_rmdir (dir);
}

static guint32
fault_seed (void)
{
  const char *env = g_getenv ("MIMP_FAULT_SEED");
  return env != NULL ? (guint32) g_ascii_strtoull (env, NULL, 10) : 20261122;
}

static void
test_app_killed (void)
{
  g_auto (TestWorld) world = { 0 };
  g_autoptr (GError) error = NULL;
  MimpdTestServer *server;
  g_autofree char *dir = test_make_tmpdir ();
  g_autofree char *db_path = g_build_filename (dir, "history.db", NULL);
  guint32 seed = fault_seed ();
  g_autoptr (GRand) rand = g_rand_new_with_seed (seed);
  Listener *carol;
  Sender *bob;
  Progress progress;
  GSubprocess *child;
  Figures f;
  guint waited = 0;
  gint64 pending_at_kills = 0;
  guint stalled_kills = 0;
  g_autofree char *final_sql = g_strdup_printf ("SELECT count(*) FROM messages WHERE direction = 1 "
                                                "AND text LIKE 'run %u message %%'",
                                                KILLS);

  test_world_start (&world, FALSE, NULL);
  server = world.server;

  carol = listener_start (server, "carol", world.carol_pw);
  bob = sender_start (server, world.bob_pw, BOB_SENDS, 20);

  for (guint run = 0; run < KILLS; run++)
    {
      guint ms = g_rand_int_range (rand, 100, 1200);

      gboolean stall = g_rand_boolean (rand);

      child =
          spawn_child (dir, mimpd_test_server_get_port (server), run, G_MAXUINT, world.alice_pw);
      test_settle (ms);
      waited += ms;
      /* Half the time the kill comes while mimpd holds the app's sends
       * unanswered: they were written but not acknowledged, and are sent
       * again (same client ids) after the restart. */
      if (stall)
        {
          kill (mimpd_test_server_get_pid (server), SIGSTOP);
          test_settle (250);
          stalled_kills++;
        }
      g_subprocess_force_exit (child);
      g_subprocess_wait (child, NULL, NULL);
      g_assert_true (g_subprocess_get_if_signaled (child));
      g_object_unref (child);
      if (stall)
        kill (mimpd_test_server_get_pid (server), SIGCONT);
      if (g_file_test (db_path, G_FILE_TEST_EXISTS))
        {
          sqlite3 *db = open_db (db_path);
          pending_at_kills += MAX (0, try_query_int (db, "SELECT count(*) FROM messages "
                                                         "WHERE direction = 1 AND state = 0"));
          sqlite3_close (db);
        }
    }

  child =
      spawn_child (dir, mimpd_test_server_get_port (server), KILLS, CHILD_SENDS, world.alice_pw);
  progress = (Progress){ db_path, bob, carol, final_sql };
  g_assert_true (test_wait_until (all_settled, &progress, 30));
  test_settle (500); /* time for a double to show */
  g_subprocess_send_signal (child, SIGTERM);
  g_subprocess_wait (child, NULL, NULL);
  g_assert_true (g_subprocess_get_if_exited (child));
  g_assert_cmpint (g_subprocess_get_exit_status (child), ==, 0);
  g_object_unref (child);

  check_counts (db_path, bob, carol, &f);
  g_test_message ("figures app-killed: seed %u, %u kills (%u with mimpd stalled) over %u ms; bob: "
                  "%u sent, %u acked, "
                  "%u in history; app: %u stored outgoing (%" G_GINT64_FORMAT " pending at the "
                  "kills, sent again at restart), %u delivered once, %u failed",
                  seed, KILLS, stalled_kills, waited, bob->queued, f.acked, f.stored_in, f.outgoing,
                  pending_at_kills, f.delivered, f.failed_out);

  sender_free (bob);
  listener_free (carol);
  g_assert_cmpint (mimpd_test_server_stop (server), ==, 0);
  remove_tmpdir (dir);
}

/* ------------------------------------------------------------------ */
/* The server stalled and restarted, the account in this process      */
/* ------------------------------------------------------------------ */

typedef struct
{
  gint64 last;
  gint64 max_gap;
  gboolean paused;
} Ticker;

static gboolean
tick (gpointer data)
{
  Ticker *t = data;
  gint64 now = g_get_monotonic_time ();

  if (!t->paused && t->last != 0)
    t->max_gap = MAX (t->max_gap, now - t->last);
  t->last = now;
  return G_SOURCE_CONTINUE;
}

static void
on_status (MimpAccount *account, GParamSpec *pspec, GPtrArray *log)
{
  g_ptr_array_add (log, g_strdup_printf ("%d:%s", mimp_account_get_status (account),
                                         mimp_account_get_status_message (account)
                                             ? mimp_account_get_status_message (account)
                                             : ""));
}

static gboolean
is_online (gpointer account)
{
  return mimp_account_get_status (account) == MIMP_ACCOUNT_STATUS_ONLINE;
}

static gboolean
waited_with_reason (GPtrArray *log, guint from)
{
  g_autofree char *prefix = g_strdup_printf ("%d:", MIMP_ACCOUNT_STATUS_WAITING);

  for (guint i = from; i < log->len; i++)
    if (g_str_has_prefix (log->pdata[i], prefix) && strlen (log->pdata[i]) > strlen (prefix))
      return TRUE;
  return FALSE;
}

static void
send_some (MimpAccount *alice, Sender *bob, guint n, guint *sent)
{
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *text = g_strdup_printf ("alice message %u", (*sent)++);
      mimp_account_send (alice, "carol", text);
      bob->limit++;
      sender_send (bob);
    }
}

static void
test_server_faults (void)
{
  g_auto (TestWorld) world = { 0 };
  g_autoptr (GError) error = NULL;
  MimpdTestServer *server;
  g_autofree char *dir = test_make_tmpdir ();
  g_autofree char *db_path = g_build_filename (dir, "history.db", NULL);
  g_autoptr (MimpHistory) history = NULL;
  g_autoptr (MimpSecretStore) secrets = NULL;
  g_autoptr (MimpAccount) alice = NULL;
  g_autoptr (GPtrArray) log = g_ptr_array_new_with_free_func (g_free);
  Ticker ticker = { 0 };
  Listener *carol;
  Sender *bob;
  Progress progress;
  Figures f;
  guint sent = 0, mark, tick_id;
  gint64 stall_gap, down_gap, back_online_ms, t0;

  test_world_start (&world, FALSE, NULL);
  server = world.server;

  history = mimp_history_new (db_path);
  secrets = mimp_secret_store_new ();
  alice = mimp_account_new (mimp_protocol_find ("mimp"), ACCOUNT_ID, "127.0.0.1",
                            mimpd_test_server_get_port (server), "alice", FALSE);
  g_signal_connect (alice, "notify::status", G_CALLBACK (on_status), log);
  mimp_account_set_services (alice, history, secrets);
  /* carol's mimp-cli has no keys: the user chose to send to her
   * unencrypted (and the keyring D-Bus would start is not waited for). */
  mimp_secret_store_set_timeout (secrets, 2);
  mimp_account_e2e_send_unencrypted (alice, "carol");
  mimp_account_use_password (alice, world.alice_pw, TRUE);
  g_assert_true (test_wait_until (is_online, alice, 30));
  carol = listener_start (server, "carol", world.carol_pw);
  bob = sender_start (server, world.bob_pw, 0, 0);
  progress = (Progress){ db_path, bob, carol, NULL };
  tick_id = g_timeout_add_full (G_PRIORITY_HIGH, 10, tick, &ticker, NULL);

  send_some (alice, bob, 20, &sent);
  g_assert_true (test_wait_until (all_settled, &progress, 30));

  /* Stalled: the process is stopped, its sockets stay open. */
  kill (mimpd_test_server_get_pid (server), SIGSTOP);
  ticker.max_gap = 0;
  send_some (alice, bob, 10, &sent);
  test_settle (3000);
  stall_gap = ticker.max_gap;
  kill (mimpd_test_server_get_pid (server), SIGCONT);
  g_assert_true (test_wait_until (all_settled, &progress, 40));
  g_assert_true (is_online (alice));

  /* Killed and restarted. */
  mark = log->len;
  mimpd_test_server_kill (server);
  ticker.max_gap = 0;
  send_some (alice, bob, 10, &sent);
  test_settle (2000);
  down_gap = ticker.max_gap;
  for (guint i = mark; i < log->len; i++)
    g_test_message ("status %s", (char *) log->pdata[i]);
  g_assert_true (waited_with_reason (log, mark));
  mark = log->len;
  ticker.paused = TRUE; /* the restart blocks this thread */
  g_assert_true (mimpd_test_server_restart (server, &error));
  g_assert_no_error (error);
  ticker.paused = FALSE;
  ticker.last = 0;
  t0 = g_get_monotonic_time ();
  g_assert_true (test_wait_until (is_online, alice, 30));
  back_online_ms = (g_get_monotonic_time () - t0) / 1000;
  g_assert_true (test_wait_until (all_settled, &progress, 40));
  g_source_remove (tick_id);

  for (guint i = mark; i < log->len; i++)
    g_test_message ("status %s", (char *) log->pdata[i]);
  check_counts (db_path, bob, carol, &f);
  g_test_message ("figures server-faults: max main-loop gap %" G_GINT64_FORMAT
                  " ms stalled 3 s, %" G_GINT64_FORMAT " ms server down 2 s; online again "
                  "%" G_GINT64_FORMAT " ms after the restart; bob %u acked, %u in history; "
                  "app %u stored outgoing, %u delivered once",
                  stall_gap / 1000, down_gap / 1000, back_online_ms, f.acked, f.stored_in,
                  f.outgoing, f.delivered);
  g_assert_cmpint (stall_gap, <, MAX_GAP_MS * 1000);
  g_assert_cmpint (down_gap, <, MAX_GAP_MS * 1000);

  mimp_account_stop (alice);
  sender_free (bob);
  listener_free (carol);
  mimp_history_close (history);
  g_assert_cmpint (mimpd_test_server_stop (server), ==, 0);
  remove_tmpdir (dir);
}

/* ------------------------------------------------------------------ */
/* A server that answers slowly: a delaying proxy in its own thread    */
/* ------------------------------------------------------------------ */

typedef struct
{
  GThread *thread;
  GMainContext *context;
  GMainLoop *loop;
  GCancellable *cancellable;
  GMutex lock;
  GCond ready;
  guint16 port;
  guint16 upstream;
  guint delay_ms;
  guint pumps;
  guint64 chunks;
} Proxy;

typedef struct
{
  Proxy *proxy;
  GIOStream *from;
  GIOStream *to;
  guint8 buffer[16384];
  gsize length;
} Pump;

static void pump_read (Pump *pump);

static void
pump_end (Pump *pump)
{
  g_io_stream_close (pump->from, NULL, NULL);
  g_io_stream_close (pump->to, NULL, NULL);
  g_object_unref (pump->from);
  g_object_unref (pump->to);
  pump->proxy->pumps--;
  g_free (pump);
}

static void
pump_written (GObject *source, GAsyncResult *result, gpointer data)
{
  Pump *pump = data;

  if (!g_output_stream_write_all_finish (G_OUTPUT_STREAM (source), result, NULL, NULL))
    pump_end (pump);
  else
    pump_read (pump);
}

static gboolean
pump_write (gpointer data)
{
  Pump *pump = data;

  g_output_stream_write_all_async (g_io_stream_get_output_stream (pump->to), pump->buffer,
                                   pump->length, G_PRIORITY_DEFAULT, pump->proxy->cancellable,
                                   pump_written, pump);
  return G_SOURCE_REMOVE;
}

static void
pump_got (GObject *source, GAsyncResult *result, gpointer data)
{
  Pump *pump = data;
  gssize n = g_input_stream_read_finish (G_INPUT_STREAM (source), result, NULL);
  g_autoptr (GSource) delay = NULL;

  if (n <= 0 || g_cancellable_is_cancelled (pump->proxy->cancellable))
    {
      pump_end (pump);
      return;
    }
  pump->length = n;
  pump->proxy->chunks++;
  delay = g_timeout_source_new (pump->proxy->delay_ms);
  g_source_set_callback (delay, pump_write, pump, NULL);
  g_source_attach (delay, pump->proxy->context);
}

static void
pump_read (Pump *pump)
{
  g_input_stream_read_async (g_io_stream_get_input_stream (pump->from), pump->buffer,
                             sizeof pump->buffer, G_PRIORITY_DEFAULT, pump->proxy->cancellable,
                             pump_got, pump);
}

static void
pump_start (Proxy *proxy, GIOStream *from, GIOStream *to)
{
  Pump *pump = g_new0 (Pump, 1);

  pump->proxy = proxy;
  pump->from = g_object_ref (from);
  pump->to = g_object_ref (to);
  proxy->pumps++;
  pump_read (pump);
}

static gboolean
proxy_incoming (GSocketService *service, GSocketConnection *connection, GObject *source,
                gpointer data)
{
  Proxy *proxy = data;
  g_autoptr (GSocketClient) client = g_socket_client_new ();
  g_autoptr (GSocketConnection) upstream = NULL;

  upstream = g_socket_client_connect_to_host (client, "127.0.0.1", proxy->upstream, NULL, NULL);
  if (upstream == NULL)
    return TRUE; /* the connection is dropped */
  pump_start (proxy, G_IO_STREAM (connection), G_IO_STREAM (upstream));
  pump_start (proxy, G_IO_STREAM (upstream), G_IO_STREAM (connection));
  return TRUE;
}

static gpointer
proxy_main (gpointer data)
{
  Proxy *proxy = data;
  g_autoptr (GSocketService) service = NULL;
  g_autoptr (GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr (GSocketAddress) address = g_inet_socket_address_new (loopback, 0);
  g_autoptr (GSocketAddress) bound = NULL;
  g_autoptr (GError) error = NULL;

  g_main_context_push_thread_default (proxy->context);
  service = g_socket_service_new ();
  g_socket_listener_add_address (G_SOCKET_LISTENER (service), address, G_SOCKET_TYPE_STREAM,
                                 G_SOCKET_PROTOCOL_TCP, NULL, &bound, &error);
  g_assert_no_error (error);
  g_signal_connect (service, "incoming", G_CALLBACK (proxy_incoming), proxy);
  g_socket_service_start (service);

  g_mutex_lock (&proxy->lock);
  proxy->port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
  g_cond_signal (&proxy->ready);
  g_mutex_unlock (&proxy->lock);

  g_main_loop_run (proxy->loop);

  g_socket_service_stop (service);
  g_socket_listener_close (G_SOCKET_LISTENER (service));
  g_cancellable_cancel (proxy->cancellable);
  while (proxy->pumps > 0)
    g_main_context_iteration (proxy->context, TRUE);
  g_main_context_pop_thread_default (proxy->context);
  return NULL;
}

static Proxy *
proxy_start (guint16 upstream, guint delay_ms)
{
  Proxy *proxy = g_new0 (Proxy, 1);

  proxy->upstream = upstream;
  proxy->delay_ms = delay_ms;
  proxy->context = g_main_context_new ();
  proxy->loop = g_main_loop_new (proxy->context, FALSE);
  proxy->cancellable = g_cancellable_new ();
  g_mutex_init (&proxy->lock);
  g_cond_init (&proxy->ready);
  g_mutex_lock (&proxy->lock);
  proxy->thread = g_thread_new ("delaying-proxy", proxy_main, proxy);
  while (proxy->port == 0)
    g_cond_wait (&proxy->ready, &proxy->lock);
  g_mutex_unlock (&proxy->lock);
  return proxy;
}

static gboolean
proxy_quit (gpointer data)
{
  g_main_loop_quit (((Proxy *) data)->loop);
  return G_SOURCE_REMOVE;
}

static void
proxy_free (Proxy *proxy)
{
  g_main_context_invoke (proxy->context, proxy_quit, proxy);
  g_thread_join (proxy->thread);
  g_main_loop_unref (proxy->loop);
  g_main_context_unref (proxy->context);
  g_object_unref (proxy->cancellable);
  g_mutex_clear (&proxy->lock);
  g_cond_clear (&proxy->ready);
  g_free (proxy);
}

/* The account talks to mimpd through a proxy that holds every chunk, each
 * way, for PROXY_DELAY_MS: the UI stays responsive, the account stays online
 * (no flapping), nothing is lost or doubled. */
static void
test_slow_server (void)
{
  g_auto (TestWorld) world = { 0 };
  g_autoptr (GError) error = NULL;
  MimpdTestServer *server;
  g_autofree char *dir = test_make_tmpdir ();
  g_autofree char *db_path = g_build_filename (dir, "history.db", NULL);
  g_autoptr (MimpHistory) history = NULL;
  g_autoptr (MimpSecretStore) secrets = NULL;
  g_autoptr (MimpAccount) alice = NULL;
  g_autoptr (GPtrArray) log = g_ptr_array_new_with_free_func (g_free);
  Ticker ticker = { 0 };
  Listener *carol;
  Sender *bob;
  Progress progress;
  Proxy *proxy;
  Figures f;
  guint sent = 0, mark, tick_id;
  gint64 t0, online_ms, settle_ms;

  test_world_start (&world, FALSE, NULL);
  server = world.server;
  proxy = proxy_start (mimpd_test_server_get_port (server), PROXY_DELAY_MS);

  tick_id = g_timeout_add_full (G_PRIORITY_HIGH, 10, tick, &ticker, NULL);
  history = mimp_history_new (db_path);
  secrets = mimp_secret_store_new ();
  alice = mimp_account_new (mimp_protocol_find ("mimp"), ACCOUNT_ID, "127.0.0.1", proxy->port,
                            "alice", FALSE);
  g_signal_connect (alice, "notify::status", G_CALLBACK (on_status), log);
  mimp_account_set_services (alice, history, secrets);
  /* carol's mimp-cli has no keys: the user chose to send to her
   * unencrypted (and the keyring D-Bus would start is not waited for). */
  mimp_secret_store_set_timeout (secrets, 2);
  mimp_account_e2e_send_unencrypted (alice, "carol");
  t0 = g_get_monotonic_time ();
  mimp_account_use_password (alice, world.alice_pw, TRUE);
  g_assert_true (test_wait_until (is_online, alice, 30));
  online_ms = (g_get_monotonic_time () - t0) / 1000;
  mark = log->len;
  carol = listener_start (server, "carol", world.carol_pw);
  bob = sender_start (server, world.bob_pw, 0, 0);
  progress = (Progress){ db_path, bob, carol, NULL };

  t0 = g_get_monotonic_time ();
  send_some (alice, bob, 30, &sent);
  g_assert_true (test_wait_until (all_settled, &progress, 40));
  settle_ms = (g_get_monotonic_time () - t0) / 1000;
  g_source_remove (tick_id);

  for (guint i = 0; i < log->len; i++)
    g_test_message ("status %s", (char *) log->pdata[i]);
  check_counts (db_path, bob, carol, &f);
  g_test_message ("figures slow-server: %u ms each way per chunk (%" G_GUINT64_FORMAT
                  " chunks); online after %" G_GINT64_FORMAT " ms; 30 each way settled in "
                  "%" G_GINT64_FORMAT " ms; max main-loop gap %" G_GINT64_FORMAT " ms; "
                  "status changes while online %u; bob %u acked, %u in history; app %u stored "
                  "outgoing, %u delivered once",
                  PROXY_DELAY_MS, proxy->chunks, online_ms, settle_ms, ticker.max_gap / 1000,
                  log->len - mark, f.acked, f.stored_in, f.outgoing, f.delivered);
  g_assert_cmpint (ticker.max_gap, <, MAX_GAP_MS * 1000);
  g_assert_cmpuint (log->len, ==, mark); /* online throughout */

  mimp_account_stop (alice);
  sender_free (bob);
  listener_free (carol);
  mimp_history_close (history);
  proxy_free (proxy);
  g_assert_cmpint (mimpd_test_server_stop (server), ==, 0);
  remove_tmpdir (dir);
}

int
main (int argc, char **argv)
{
  if (argc == 6 && g_str_equal (argv[1], "--child"))
    return child_main (argv[2], (guint16) atoi (argv[3]), (guint) atoi (argv[4]),
                       (guint) g_ascii_strtoull (argv[5], NULL, 10));

  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/app-faults/app-killed", test_app_killed);
  g_test_add_func ("/app-faults/server-faults", test_server_faults);
  g_test_add_func ("/app-faults/slow-server", test_slow_server);
  return g_test_run ();
}
