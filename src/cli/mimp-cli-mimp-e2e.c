/* mimp-cli-mimp-e2e.c - mimp-cli's private chats over MIMP (--e2e)
 *
 * The state (keys, sessions) lives in one directory, --state or
 * $XDG_DATA_HOME/mimp-cli/e2e: e2e.db, sealed with the 32 random bytes of
 * storage-key beside it. Unlike the app, which keeps its storage key in the
 * Secret Service, the CLI's private chats are only as safe as that
 * directory. One mimp-cli at a time uses it (a lock file).
 *
 * Every MimpE2e call goes through a MimpE2eWorker (mimp-e2e-keys.c needs
 * one). Received messages are read one at a time, in order: decrypted (the
 * ratchet step is committed), printed, marked delivered, then acknowledged;
 * a crash anywhere makes the server deliver it again, and the library
 * hands the same result back until it was marked delivered.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "mimp-cli"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib-unix.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include "mimp-cli-mimp-e2e.h"
#include "mimp-cli-mimp.h"
#include "mimp-e2e-keys.h"

#define STORAGE_KEY_BYTES 32
/* At the end, how long replies (key answers, verification steps) may take
 * to reach the server. */
#define DRAIN_SECONDS 10
#define ENVELOPE_KIND_PREKEY MIMP_E2E_PREFIX "1:P:"
#define READ_IDS_MAX 4096

/* --- test-only crash points ---
 *
 * MIMP_CLI_TEST_CRASH=POINT[:N] kills the process with SIGKILL the Nth time
 * (default: the first) it reaches POINT: after-decrypt (a message's ratchet
 * step committed, nothing printed), before-ack (printed and marked
 * delivered, not acknowledged), after-encrypt (a message encrypted, nothing
 * sent). For the crash tests in tests/e2e; not a user feature. */
static void
test_crash_point (const char *point)
{
  static guint64 hits = 0;
  const char *env = g_getenv ("MIMP_CLI_TEST_CRASH");
  gsize len = strlen (point);
  guint64 n = 1;

  if (env == NULL || strncmp (env, point, len) != 0 || (env[len] != '\0' && env[len] != ':'))
    return;
  if (env[len] == ':' && !g_ascii_string_to_unsigned (env + len + 1, 10, 1, G_MAXUINT32, &n, NULL))
    return;
  if (++hits < n)
    return;
  fflush (stdout);
  fflush (stderr);
  raise (SIGKILL);
}

/* --- the state directory --- */

static char *
state_dir_path (const MimpCliRequest *request)
{
  if (request->state_dir)
    return g_strdup (request->state_dir);
  return g_build_filename (g_get_user_data_dir (), "mimp-cli", "e2e", NULL);
}

static gboolean
prepare_state_dir (const char *dir, GError **error)
{
  GStatBuf st;

  if (g_mkdir_with_parents (dir, 0700) != 0 || g_stat (dir, &st) != 0)
    {
      int saved = errno;

      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved), "cannot create %s: %s",
                   dir, g_strerror (saved));
      return FALSE;
    }
  if (!S_ISDIR (st.st_mode) || st.st_uid != getuid () || (st.st_mode & 077) != 0)
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_PERM,
                   "%s must be a directory of yours that only you can open (chmod 700): it "
                   "holds your private keys",
                   dir);
      return FALSE;
    }
  return TRUE;
}

/* One mimp-cli at a time per state directory: two would step the same
 * ratchets from two copies. Returns the locked file (closed at exit). */
static int
lock_state_dir (const char *dir, GError **error)
{
  g_autofree char *path = g_build_filename (dir, "lock", NULL);
  int fd = open (path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);

  if (fd < 0)
    {
      int saved = errno;

      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved), "cannot open %s: %s", path,
                   g_strerror (saved));
      return -1;
    }
  if (flock (fd, LOCK_EX | LOCK_NB) != 0)
    {
      int saved = errno;

      close (fd);
      if (saved == EWOULDBLOCK)
        g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_EXIST,
                     "another mimp-cli is using the private chats in %s (one at a time: stop "
                     "it, or give each its own --state)",
                     dir);
      else
        g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved), "cannot lock %s: %s",
                     path, g_strerror (saved));
      return -1;
    }
  return fd;
}

static GBytes *
create_storage_key (const char *path, GError **error)
{
  g_autofree char *tmp = g_strconcat (path, ".new", NULL);
  g_autoptr (GBytes) key = mimp_e2e_new_storage_key ();
  gsize size;
  const guint8 *data = g_bytes_get_data (key, &size);
  int fd;

  g_unlink (tmp);
  fd = open (tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0 || write (fd, data, size) != (gssize) size || fsync (fd) != 0 || close (fd) != 0 ||
      rename (tmp, path) != 0)
    {
      int saved = errno;

      if (fd >= 0)
        close (fd);
      g_unlink (tmp);
      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved), "cannot write %s: %s",
                   path, g_strerror (saved));
      return NULL;
    }
  return g_steal_pointer (&key);
}

/* DIR/storage-key: 32 random bytes, made on first use, 0600. */
static GBytes *
load_storage_key (const char *dir, GError **error)
{
  g_autofree char *path = g_build_filename (dir, "storage-key", NULL);
  guint8 buf[STORAGE_KEY_BYTES];
  struct stat st;
  GBytes *key;
  ssize_t n;
  int fd;

  fd = open (path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0 && errno == ENOENT)
    return create_storage_key (path, error);
  if (fd < 0)
    {
      int saved = errno;

      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved), "cannot read %s: %s", path,
                   g_strerror (saved));
      return NULL;
    }
  if (fstat (fd, &st) != 0 || !S_ISREG (st.st_mode) || st.st_size != STORAGE_KEY_BYTES ||
      (st.st_mode & 077) != 0 || (n = read (fd, buf, sizeof buf)) != (ssize_t) sizeof buf)
    {
      close (fd);
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
                   "%s is not a storage key (%d bytes that only you can read)", path,
                   STORAGE_KEY_BYTES);
      return NULL;
    }
  close (fd);
  key = g_bytes_new (buf, sizeof buf);
  mimp_secure_wipe (buf, sizeof buf);
  return key;
}

/* Opens (and locks) the private-chat state of @user on @host:@port. */
static MimpE2e *
open_state (const MimpCliRequest *request, const char *host, guint16 port, const char *user,
            int *lock_fd, GError **error)
{
  g_autofree char *dir = state_dir_path (request);
  g_autofree char *path = NULL;
  g_autofree char *account = NULL;
  g_autoptr (GBytes) key = NULL;
  g_autoptr (GError) local_error = NULL;
  MimpE2e *e2e;

  if (!prepare_state_dir (dir, error) || (*lock_fd = lock_state_dir (dir, error)) < 0)
    return NULL;
  if (!(key = load_storage_key (dir, error)))
    return NULL;
  path = g_build_filename (dir, "e2e.db", NULL);
  account = g_strdup_printf ("%s@%s:%u", user, host, port);
  if (!(e2e = mimp_e2e_open (path, account, key, &local_error)))
    {
      if (g_error_matches (local_error, MIMP_E2E_ERROR, MIMP_E2E_ERROR_STORAGE_KEY))
        g_set_error (error, MIMP_E2E_ERROR, MIMP_E2E_ERROR_STORAGE_KEY,
                     "%s/storage-key does not open %s: was one of them replaced?", dir, path);
      else
        g_propagate_prefixed_error (error, g_steal_pointer (&local_error),
                                    "cannot open %s: ", path);
    }
  return e2e;
}

/* --- the running command --- */

typedef struct
{
  const MimpCliRequest *request;
  GMainLoop *loop;
  MimpClientSession *session;
  MimpE2eWorker *worker;
  char *user;
  char *peer; /* send, verify */
  int status; /* -1 while running */
  gboolean was_online;
  gboolean started;
  gboolean sending;
  gboolean verifying;
  guint timeout_id;

  /* Receiving: one message at a time, in order. */
  GQueue incoming; /* Incoming * */
  gboolean reading;
  gboolean acknowledged;
  gint64 counted;
  GHashTable *read_ids; /* server ids read lately in this run (the state knows them all) */
  char *smp_secret;     /* verify: ours; listen: MIMP_SMP_SECRET, to answer with */

  /* send */
  gboolean waiting_keys;
  gboolean encrypting;
  GPtrArray *message_ids; /* one per text of the request, the client id of its first envelope */
  GPtrArray *unsent;      /* client ids of envelopes the server has not taken */
  gboolean all_sent;

  /* verify */
  gboolean smp_running;
} E2eCli;

typedef struct
{
  MimpMessage *message;
  gboolean ephemeral;
} Incoming;

static void
incoming_free (Incoming *incoming)
{
  mimp_message_free (incoming->message);
  g_free (incoming);
}

/* One message being read. */
typedef struct
{
  E2eCli *cli;
  Incoming *incoming;
  gboolean counted;
} Reading;

static void
reading_free (Reading *reading)
{
  incoming_free (reading->incoming);
  g_free (reading);
}

/* Ends the command with @status; a message being read is finished first
 * (printed, marked, acknowledged). */
static void
finish (E2eCli *cli, int status)
{
  if (cli->status >= 0)
    return;
  cli->status = status;
  if (!cli->reading)
    g_main_loop_quit (cli->loop);
}

/* The end of reading one message, when something went wrong. */
static void
fail_reading (E2eCli *cli, int status)
{
  cli->reading = FALSE;
  if (cli->status >= 0)
    g_main_loop_quit (cli->loop);
  else
    finish (cli, status);
}

static void
send_envelope (E2eCli *cli, const char *to, const char *envelope)
{
  g_autofree char *client_id = g_uuid_string_random ();

  mimp_client_session_send (cli->session, client_id, to, envelope);
}

static void maybe_done_sending (E2eCli *cli);
static void session_ready (E2eCli *cli);
static void read_next (E2eCli *cli);

/* --- reading what arrives --- */

typedef struct
{
  char *peer;
  char *server_id;
  char *text;
  const char *smp_secret; /* owned by the E2eCli, which outlives the worker */
  gboolean echo;          /* listen --echo */
} ReadData;

typedef struct
{
  MimpE2eResult *result;
  MimpE2eTrust trust;
  char *resend_request; /* after an undecryptable message */
  char *smp_answer;     /* listen with MIMP_SMP_SECRET, after SMP_ASKED */
  GPtrArray *resent;    /* envelopes of our messages the peer asked for again */
  GPtrArray *echo;      /* listen --echo: the envelopes of the answer */
} Read;

static void
read_data_free (gpointer data)
{
  ReadData *read = data;

  g_free (read->peer);
  g_free (read->server_id);
  g_free (read->text);
  g_free (read);
}

static void
read_free (gpointer data)
{
  Read *read = data;

  g_clear_pointer (&read->result, mimp_e2e_result_free);
  g_free (read->resend_request);
  g_free (read->smp_answer);
  g_clear_pointer (&read->resent, g_ptr_array_unref);
  g_clear_pointer (&read->echo, g_ptr_array_unref);
  g_free (read);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Read, read_free)

/* The peer could not read some of our messages: those still kept are
 * encrypted again (same ids: the peer drops what it already has). Best
 * effort: the peer asks again if these are lost too. */
static GPtrArray *
resend_texts (MimpE2e *e2e, const char *peer, GPtrArray *ids)
{
  GPtrArray *all = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; ids && i < ids->len; i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (GPtrArray) envelopes = NULL;
      char *text = mimp_e2e_get_sent_text (e2e, peer, ids->pdata[i]);

      if (text == NULL)
        continue;
      envelopes = mimp_e2e_encrypt (e2e, peer, ids->pdata[i], text, &error);
      mimp_secure_free_string (text);
      if (envelopes == NULL || !mimp_e2e_sent (e2e, ids->pdata[i], &error))
        {
          g_debug ("A message not sent again: %s", error ? error->message : "no envelopes");
          continue;
        }
      for (guint j = 0; j < envelopes->len; j++)
        g_ptr_array_add (all, g_strdup (envelopes->pdata[j]));
    }
  return all;
}

/* listen --echo: the text of a private message, encrypted back to its
 * sender. The answer's id is made from the message's, so a redelivery after
 * a crash makes the same envelopes (the library keeps them) rather than a
 * second answer. Best effort, like a resend. */
static GPtrArray *
echo_envelopes (MimpE2e *e2e, const char *peer, const MimpE2eResult *result)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *id = g_strconcat ("echo:", result->message_id, NULL);
  GPtrArray *envelopes;

  if (result->text == NULL || *result->text == '\0' || result->message_id == NULL)
    return NULL;
  if (!(envelopes = mimp_e2e_encrypt (e2e, peer, id, result->text, &error)) ||
      !mimp_e2e_sent (e2e, id, &error))
    {
      g_debug ("No echo: %s", error ? error->message : "no envelopes");
      g_clear_pointer (&envelopes, g_ptr_array_unref);
    }
  return envelopes;
}

static gpointer
read_work (MimpE2e *e2e, gpointer data, GError **error)
{
  ReadData *in = data;
  g_autoptr (GError) local_error = NULL;
  Read *out;
  MimpE2eResult *result;

  if (!(result = mimp_e2e_decrypt (e2e, in->peer, in->server_id, in->text, error)))
    return NULL;
  out = g_new0 (Read, 1);
  out->result = result;
  out->trust = mimp_e2e_get_trust (e2e, in->peer);
  if (result->status == MIMP_E2E_UNDECRYPTABLE &&
      !(out->resend_request = mimp_e2e_request_resend (e2e, in->peer, &local_error)) && local_error)
    g_debug ("No resend request: %s", local_error->message);
  g_clear_error (&local_error);
  if (result->status == MIMP_E2E_CONTROL && result->resend_requested)
    out->resent = resend_texts (e2e, in->peer, result->resend_ids);
  if (in->echo && result->status == MIMP_E2E_MESSAGE)
    out->echo = echo_envelopes (e2e, in->peer, result);
  if (result->status == MIMP_E2E_CONTROL && result->smp_event == MIMP_E2E_SMP_ASKED &&
      in->smp_secret &&
      !(out->smp_answer = mimp_e2e_smp_answer (e2e, in->peer, in->smp_secret, &local_error)))
    g_debug ("Verification not answered: %s", local_error->message);
  return out;
}

static gpointer
delivered_work (MimpE2e *e2e, gpointer data, GError **error)
{
  return mimp_e2e_delivered (e2e, data, error) ? GINT_TO_POINTER (TRUE) : NULL;
}

static const char *
typing_name (MimpE2eTyping typing)
{
  switch (typing)
    {
    case MIMP_E2E_TYPING_ACTIVE:
      return "active";
    case MIMP_E2E_TYPING_IDLE:
      return "idle";
    case MIMP_E2E_TYPING_CLEARED:
    default:
      return "cleared";
    }
}

static gboolean
print_or_fail (E2eCli *cli, const char *line)
{
  if (mimp_cli_print_line (line))
    return TRUE;
  mimp_cli_die (0, "cannot write to standard output: %s", g_strerror (errno));
  if (cli->reading)
    fail_reading (cli, EXIT_FAILURE_OTHER);
  else
    finish (cli, EXIT_FAILURE_OTHER);
  return FALSE;
}

static void
print_typing (E2eCli *cli, const char *from, const char *state, gboolean e2e)
{
  g_autoptr (JsonBuilder) builder = json_builder_new ();
  g_autofree char *line = NULL;

  if (!cli->request->json)
    return;
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "protocol");
  json_builder_add_string_value (builder, "mimp");
  json_builder_set_member_name (builder, "event");
  json_builder_add_string_value (builder, "typing");
  json_builder_set_member_name (builder, "from");
  json_builder_add_string_value (builder, from);
  json_builder_set_member_name (builder, "state");
  json_builder_add_string_value (builder, state);
  json_builder_set_member_name (builder, "e2e");
  json_builder_add_boolean_value (builder, e2e);
  json_builder_end_object (builder);
  line = mimp_cli_json_line (builder);
  print_or_fail (cli, line);
}

/* One line for a message: MESSAGE, PLAIN or UNDECRYPTABLE. */
static gboolean
print_message (E2eCli *cli, const MimpMessage *message, const Read *read)
{
  const MimpE2eResult *result = read->result;
  gboolean e2e = result->status == MIMP_E2E_MESSAGE;
  gboolean undecryptable = result->status == MIMP_E2E_UNDECRYPTABLE;
  const char *text = e2e ? result->text : undecryptable ? "" : message->text;
  g_autofree char *line = NULL;

  if (cli->request->json)
    {
      g_autoptr (JsonBuilder) builder = json_builder_new ();

      json_builder_begin_object (builder);
      mimp_cli_mimp_add_message_members (builder, message, text);
      json_builder_set_member_name (builder, "e2e");
      json_builder_add_boolean_value (builder, e2e);
      json_builder_set_member_name (builder, "verified");
      json_builder_add_boolean_value (builder, e2e && read->trust == MIMP_E2E_TRUST_VERIFIED);
      if (undecryptable)
        {
          json_builder_set_member_name (builder, "status");
          json_builder_add_string_value (builder, "undecryptable");
          json_builder_set_member_name (builder, "reason");
          json_builder_add_string_value (builder, result->reason ? result->reason : "");
        }
      if (e2e && result->missing > 0)
        {
          json_builder_set_member_name (builder, "missing");
          json_builder_add_int_value (builder, result->missing);
        }
      if (result->key_changed)
        {
          json_builder_set_member_name (builder, "key_changed");
          json_builder_add_boolean_value (builder, TRUE);
        }
      json_builder_end_object (builder);
      line = mimp_cli_json_line (builder);
    }
  else
    {
      g_autofree char *escaped = NULL;
      g_autofree char *missing = NULL;

      if (undecryptable)
        escaped = mimp_cli_escape_line (result->reason ? result->reason : "");
      else
        escaped = mimp_cli_escape_line (text);
      if (e2e && result->missing > 0)
        missing = g_strdup_printf (" [%u missing before this]", result->missing);
      /* User names have no spaces: the marks after the sender are
       * unambiguous. */
      line = g_strdup_printf ("%s%s%s%s\t%s", message->from,
                              e2e             ? ""
                              : undecryptable ? " [undecryptable]"
                                              : " [not encrypted]",
                              result->key_changed ? " [key changed]" : "", missing ? missing : "",
                              escaped);
    }
  return print_or_fail (cli, line);
}

static void
print_verification (E2eCli *cli, const char *from, const char *result, const char *question)
{
  g_autoptr (JsonBuilder) builder = NULL;
  g_autofree char *line = NULL;

  if (!cli->request->json)
    {
      if (g_str_equal (result, "asked"))
        mimp_cli_die (0, "%s asks to verify you%s", from,
                      cli->smp_secret ? "; answered with MIMP_SMP_SECRET"
                                      : " (set MIMP_SMP_SECRET to answer)");
      else
        mimp_cli_die (0, "verification with %s: %s", from, result);
      return;
    }
  builder = json_builder_new ();
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "protocol");
  json_builder_add_string_value (builder, "mimp");
  json_builder_set_member_name (builder, "event");
  json_builder_add_string_value (builder, "verification");
  json_builder_set_member_name (builder, "from");
  json_builder_add_string_value (builder, from);
  json_builder_set_member_name (builder, "result");
  json_builder_add_string_value (builder, result);
  if (question)
    {
      json_builder_set_member_name (builder, "question");
      json_builder_add_string_value (builder, question);
    }
  json_builder_end_object (builder);
  line = mimp_cli_json_line (builder);
  print_or_fail (cli, line);
}

/* A verification step of ours (verify) or the peer's (listen). */
static void
handle_smp (E2eCli *cli, const char *from, const MimpE2eResult *result)
{
  gboolean ours = cli->verifying && cli->smp_running && g_strcmp0 (from, cli->peer) == 0;

  switch (result->smp_event)
    {
    case MIMP_E2E_SMP_ASKED:
      if (!ours)
        print_verification (cli, from, "asked", result->smp_question);
      break;
    case MIMP_E2E_SMP_SUCCEEDED:
      if (ours)
        {
          cli->smp_running = FALSE;
          if (result->smp_we_verified)
            {
              print_or_fail (cli, "verified");
              finish (cli, EXIT_OK);
            }
          else
            {
              print_or_fail (cli, "not verified");
              finish (cli, EXIT_FAILURE_OTHER);
            }
        }
      else
        print_verification (cli, from, result->smp_they_verified ? "verified-you" : "succeeded",
                            NULL);
      break;
    case MIMP_E2E_SMP_FAILED:
      if (ours)
        {
          cli->smp_running = FALSE;
          mimp_cli_die (0, "the answers did not match: either an answer was different, or "
                           "someone is intercepting this chat");
          print_or_fail (cli, "not verified");
          finish (cli, EXIT_FAILURE_OTHER);
        }
      else
        print_verification (cli, from, "failed", NULL);
      break;
    case MIMP_E2E_SMP_WAITING:
    case MIMP_E2E_SMP_NONE:
    default:
      break;
    }
}

static void
acknowledge (E2eCli *cli, const Incoming *incoming)
{
  if (incoming->message->seq >= 0 && !incoming->ephemeral)
    {
      mimp_client_session_acknowledge (cli->session, incoming->message->seq);
      cli->acknowledged = TRUE;
    }
}

static void
after_read (E2eCli *cli, const Incoming *incoming, gboolean counted)
{
  const MimpMessage *message = incoming->message;

  if (message->id)
    {
      /* A shortcut for redeliveries, bounded: the state says DUPLICATE too. */
      if (g_hash_table_size (cli->read_ids) >= READ_IDS_MAX)
        g_hash_table_remove_all (cli->read_ids);
      g_hash_table_add (cli->read_ids, g_strdup (message->id));
    }
  if (counted)
    {
      cli->counted++;
      test_crash_point ("before-ack");
    }
  acknowledge (cli, incoming);
  cli->reading = FALSE;
  if (cli->status >= 0)
    {
      /* finish () waited for this message. */
      g_main_loop_quit (cli->loop);
      return;
    }
  if (cli->request->count > 0 && cli->counted >= cli->request->count && !cli->sending &&
      !cli->verifying)
    {
      finish (cli, EXIT_OK);
      return;
    }
  read_next (cli);
  maybe_done_sending (cli);
}

static void
delivered_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  Reading *reading = user_data;
  E2eCli *cli = reading->cli;
  g_autoptr (GError) error = NULL;

  if (!mimp_e2e_worker_run_finish (MIMP_E2E_WORKER (object), result, &error))
    {
      /* Printed but not marked: it would come again as new. Stop before
       * acknowledging, so nothing is lost either. */
      mimp_cli_die (0, "cannot update the private-chat state: %s",
                    error ? error->message : "unknown error");
      fail_reading (cli, EXIT_FAILURE_OTHER);
    }
  else
    after_read (cli, reading->incoming, reading->counted);
  reading_free (reading);
}

static void
read_cb (GObject *object, GAsyncResult *res, gpointer user_data)
{
  Reading *reading = user_data;
  E2eCli *cli = reading->cli;
  const MimpMessage *message = reading->incoming->message;
  g_autoptr (GError) error = NULL;
  g_autoptr (Read) read = NULL;
  MimpE2eResult *result;

  read = mimp_e2e_worker_run_finish (MIMP_E2E_WORKER (object), res, &error);
  if (read == NULL)
    {
      /* Nothing was consumed: not acknowledged, it comes again. */
      mimp_cli_die (0, "cannot read a private message: %s",
                    error ? error->message : "unknown error");
      fail_reading (cli, EXIT_FAILURE_OTHER);
      reading_free (reading);
      return;
    }
  result = read->result;
  if (result->status == MIMP_E2E_MESSAGE)
    test_crash_point ("after-decrypt");

  switch (result->status)
    {
    case MIMP_E2E_MESSAGE:
    case MIMP_E2E_UNDECRYPTABLE:
      if (!print_message (cli, message, read))
        {
          reading_free (reading);
          return;
        }
      reading->counted = TRUE;
      if (result->status == MIMP_E2E_UNDECRYPTABLE)
        g_debug ("A message from %s could not be decrypted: %s", message->from,
                 result->reason ? result->reason : "no reason given");
      break;
    case MIMP_E2E_PLAIN:
      if (reading->incoming->ephemeral)
        break;
      if (!print_message (cli, message, read))
        {
          reading_free (reading);
          return;
        }
      reading->counted = TRUE;
      break;
    case MIMP_E2E_CONTROL:
      if (result->has_typing)
        print_typing (cli, message->from, typing_name (result->typing), TRUE);
      if (result->smp_event != MIMP_E2E_SMP_NONE)
        handle_smp (cli, message->from, result);
      break;
    case MIMP_E2E_PARTIAL:
    case MIMP_E2E_DUPLICATE:
    default:
      break;
    }

  if (result->key_changed && !reading->counted)
    g_printerr ("mimp-cli: %s's key changed: compare safety numbers (mimp-cli --e2e "
                "safety-number %s)\n",
                message->from, message->from);
  for (guint i = 0; result->replies && i < result->replies->len; i++)
    send_envelope (cli, message->from, result->replies->pdata[i]);
  if (read->smp_answer)
    send_envelope (cli, message->from, read->smp_answer);
  if (read->resend_request)
    send_envelope (cli, message->from, read->resend_request);
  for (guint i = 0; read->resent && i < read->resent->len; i++)
    send_envelope (cli, message->from, read->resent->pdata[i]);
  for (guint i = 0; read->echo && i < read->echo->len; i++)
    send_envelope (cli, message->from, read->echo->pdata[i]);
  if (cli->request->echo && result->status == MIMP_E2E_PLAIN && !reading->incoming->ephemeral &&
      *message->text != '\0')
    /* It came unencrypted (its sender has no private chats): so does the
     * answer. */
    send_envelope (cli, message->from, message->text);
  if (g_str_has_prefix (message->text, ENVELOPE_KIND_PREKEY) && cli->was_online)
    /* A one-time prekey of ours was used: count and replenish. */
    mimp_e2e_keys_publish_async (cli->worker, cli->session, NULL, NULL, NULL);
  if (result->status == MIMP_E2E_CONTROL && result->session_ready &&
      g_strcmp0 (message->from, cli->peer) == 0)
    session_ready (cli);

  if (message->id == NULL || result->status == MIMP_E2E_DUPLICATE)
    {
      after_read (cli, reading->incoming, reading->counted);
      reading_free (reading);
      return;
    }
  mimp_e2e_worker_run_async (cli->worker, delivered_work, g_strdup (message->id), g_free, NULL,
                             NULL, delivered_cb, reading);
}

static void
read_next (E2eCli *cli)
{
  Incoming *incoming;
  g_autofree char *peer = NULL;
  ReadData *data;
  Reading *reading;

  while (!cli->reading && cli->status < 0 && (incoming = g_queue_pop_head (&cli->incoming)))
    {
      const MimpMessage *message = incoming->message;

      if (message->id && g_hash_table_contains (cli->read_ids, message->id))
        {
          /* Read in this run already (a redelivery under a new seq). */
          acknowledge (cli, incoming);
          incoming_free (incoming);
          continue;
        }
      if (!mimp_user_name_normalize (message->from, &peer, NULL))
        peer = g_strdup (message->from); /* read as plain text: not a peer of ours */
      cli->reading = TRUE;
      data = g_new0 (ReadData, 1);
      data->peer = g_steal_pointer (&peer);
      data->server_id = g_strdup (message->id);
      data->text = g_strdup (message->text);
      data->smp_secret = cli->smp_secret;
      data->echo = cli->request->echo;
      reading = g_new0 (Reading, 1);
      reading->cli = cli;
      reading->incoming = incoming;
      mimp_e2e_worker_run_async (cli->worker, read_work, data, read_data_free, read_free, NULL,
                                 read_cb, reading);
    }
}

static void
messages_received_cb (MimpClientSession *session, GPtrArray *messages, E2eCli *cli)
{
  for (guint i = 0; i < messages->len; i++)
    {
      Incoming *incoming = g_new0 (Incoming, 1);

      incoming->message = mimp_message_copy (messages->pdata[i]);
      g_queue_push_tail (&cli->incoming, incoming);
    }
  read_next (cli);
}

static void
ephemeral_received_cb (MimpClientSession *session, const char *from, const char *text, E2eCli *cli)
{
  static const char typing_prefix[] = "?MIMPTYPING:1:";
  Incoming *incoming;

  if (g_str_has_prefix (text, typing_prefix))
    {
      const char *state = text + strlen (typing_prefix);

      if (g_str_equal (state, "active") || g_str_equal (state, "idle") ||
          g_str_equal (state, "cleared"))
        print_typing (cli, from, state, FALSE);
      return;
    }
  if (!g_str_has_prefix (text, MIMP_E2E_PREFIX))
    return;
  incoming = g_new0 (Incoming, 1);
  incoming->message = mimp_message_new (NULL, -1, from, cli->user, text, g_get_real_time () / 1000);
  incoming->ephemeral = TRUE;
  g_queue_push_tail (&cli->incoming, incoming);
  read_next (cli);
}

/* --- send --- */

/* The arguments of a call on the worker: strings of the E2eCli or the
 * request, which outlive the worker. */
typedef struct
{
  const char *peer;
  const char *first;
  const char *second;
} PeerCall;

static PeerCall *
peer_call_new (const char *peer, const char *first, const char *second)
{
  PeerCall *call = g_new0 (PeerCall, 1);

  call->peer = peer;
  call->first = first;
  call->second = second;
  return call;
}

/* The messages of a send, for the worker (the E2eCli's, which outlive it). */
typedef struct
{
  const char *peer;
  GPtrArray *message_ids;
  const char *const *texts;
} SendCall;

static SendCall *
send_call_new (E2eCli *cli)
{
  SendCall *call = g_new0 (SendCall, 1);

  call->peer = cli->peer;
  call->message_ids = cli->message_ids;
  call->texts = cli->request->texts;
  return call;
}

/* Every message, in order: its envelopes (a GPtrArray of them). A failure
 * stops at that message; those before stay encrypted in the state, unsent. */
static gpointer
encrypt_work (MimpE2e *e2e, gpointer data, GError **error)
{
  SendCall *call = data;
  g_autoptr (GPtrArray) all = g_ptr_array_new_with_free_func ((GDestroyNotify) g_ptr_array_unref);

  for (guint i = 0; i < call->message_ids->len; i++)
    {
      GPtrArray *envelopes =
          mimp_e2e_encrypt (e2e, call->peer, call->message_ids->pdata[i], call->texts[i], error);

      if (envelopes == NULL)
        return NULL;
      g_ptr_array_add (all, envelopes);
    }
  return g_steal_pointer (&all);
}

static gpointer
sent_work (MimpE2e *e2e, gpointer data, GError **error)
{
  SendCall *call = data;

  for (guint i = 0; i < call->message_ids->len; i++)
    if (!mimp_e2e_sent (e2e, call->message_ids->pdata[i], error))
      return NULL;
  return GINT_TO_POINTER (TRUE);
}

static void
not_private (E2eCli *cli, const GError *error)
{
  if (g_error_matches (error, MIMP_E2E_ERROR, MIMP_E2E_ERROR_KEY_CHANGED))
    mimp_cli_die (0,
                  "%s's key changed since you verified it; nothing was sent. Compare safety "
                  "numbers (mimp-cli --e2e safety-number %s), then accept the new key with "
                  "mimp-cli --e2e trust %s",
                  cli->peer, cli->peer, cli->peer);
  else
    mimp_cli_die (0, "no private chat with %s: %s; nothing was sent", cli->peer, error->message);
  finish (cli, EXIT_NOT_PRIVATE);
}

static void
sent_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  E2eCli *cli = user_data;
  g_autoptr (GError) error = NULL;

  /* The server has the message; a failure here only keeps a copy. */
  if (!mimp_e2e_worker_run_finish (MIMP_E2E_WORKER (object), result, &error) && error)
    g_debug ("The sent message stays in the private-chat state: %s", error->message);
  cli->all_sent = TRUE;
  maybe_done_sending (cli);
}

/* send ends when the server took every envelope and what arrived meanwhile
 * was read. */
static void
maybe_done_sending (E2eCli *cli)
{
  if (cli->sending && cli->all_sent && !cli->reading && g_queue_is_empty (&cli->incoming))
    finish (cli, EXIT_OK);
}

static void
send_finished_cb (MimpClientSession *session, const char *client_id, const char *server_id,
                  gint64 timestamp, const GError *error, E2eCli *cli)
{
  if (!mimp_cli_mimp_take_id (cli->unsent, client_id))
    {
      if (error)
        g_debug ("A reply was refused: %s", error->message);
      return;
    }
  if (error)
    {
      mimp_cli_die (0, "message not sent: %s", error->message);
      finish (cli, mimp_cli_mimp_status_for_error (error));
      return;
    }
  if (cli->unsent->len == 0)
    mimp_e2e_worker_run_async (cli->worker, sent_work, send_call_new (cli), g_free, NULL, NULL,
                               sent_cb, cli);
}

static void
encrypt_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  E2eCli *cli = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) all = NULL;

  all = mimp_e2e_worker_run_finish (MIMP_E2E_WORKER (object), result, &error);
  if (all == NULL)
    {
      if (g_error_matches (error, MIMP_E2E_ERROR, MIMP_E2E_ERROR_TOO_LONG))
        {
          mimp_cli_die (0, "message not sent: %s", error->message);
          finish (cli, EXIT_REFUSED);
        }
      else if (error && error->domain == MIMP_E2E_ERROR && error->code != MIMP_E2E_ERROR_FAILED)
        not_private (cli, error);
      else
        {
          mimp_cli_die (0, "cannot encrypt the message: %s",
                        error ? error->message : "unknown error");
          finish (cli, EXIT_FAILURE_OTHER);
        }
      return;
    }
  test_crash_point ("after-encrypt");
  cli->unsent = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; i < all->len; i++)
    {
      GPtrArray *envelopes = all->pdata[i];
      const char *message_id = cli->message_ids->pdata[i];

      for (guint j = 0; j < envelopes->len; j++)
        {
          /* Each envelope is a MIMP message of its own, with its own client id. */
          char *id = j == 0 ? g_strdup (message_id) : g_strdup_printf ("%s-%u", message_id, j);

          g_ptr_array_add (cli->unsent, id);
          mimp_client_session_send (cli->session, id, cli->peer, envelopes->pdata[j]);
        }
    }
}

static void
encrypt_and_send (E2eCli *cli)
{
  if (cli->encrypting)
    return;
  cli->encrypting = TRUE;
  mimp_e2e_worker_run_async (cli->worker, encrypt_work, send_call_new (cli), g_free,
                             (GDestroyNotify) g_ptr_array_unref, NULL, encrypt_cb, cli);
}

/* --- verify --- */

/* first: the question (or NULL), second: the secret. */
static gpointer
smp_start_work (MimpE2e *e2e, gpointer data, GError **error)
{
  PeerCall *call = data;

  return mimp_e2e_smp_start (e2e, call->peer, call->first, call->second, error);
}

static gpointer
smp_abort_work (MimpE2e *e2e, gpointer data, GError **error)
{
  return mimp_e2e_smp_abort (e2e, data, error);
}

static void
smp_start_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  E2eCli *cli = user_data;
  g_autoptr (GError) error = NULL;
  g_autofree char *envelope = NULL;

  envelope = mimp_e2e_worker_run_finish (MIMP_E2E_WORKER (object), result, &error);
  if (envelope == NULL)
    {
      if (g_error_matches (error, MIMP_E2E_ERROR, MIMP_E2E_ERROR_SMP_LIMIT))
        mimp_cli_die (0, "too many failed verifications with %s today; try again tomorrow",
                      cli->peer);
      else if (g_error_matches (error, MIMP_E2E_ERROR, MIMP_E2E_ERROR_KEY_CHANGED))
        {
          not_private (cli, error);
          return;
        }
      else
        mimp_cli_die (0, "cannot start the verification: %s",
                      error ? error->message : "unknown error");
      finish (cli, EXIT_FAILURE_OTHER);
      return;
    }
  cli->smp_running = TRUE;
  send_envelope (cli, cli->peer, envelope);
  g_printerr ("mimp-cli: waiting for %s to answer\n", cli->peer);
}

static void
start_verification (E2eCli *cli)
{
  if (cli->smp_running)
    return;
  mimp_e2e_worker_run_async (cli->worker, smp_start_work,
                             peer_call_new (cli->peer, cli->request->question, cli->smp_secret),
                             g_free, g_free, NULL, smp_start_cb, cli);
}

/* --- starting, once online --- */

static void
session_ready (E2eCli *cli)
{
  cli->waiting_keys = FALSE;
  if (cli->sending)
    {
      /* The key answer is in: take nobody's messages from now on. */
      mimp_client_session_set_receive (cli->session, FALSE);
      encrypt_and_send (cli);
    }
  else if (cli->verifying)
    start_verification (cli);
}

static void
ensure_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  E2eCli *cli = user_data;
  g_autoptr (GError) error = NULL;
  MimpE2eKeysOutcome outcome;

  outcome = mimp_e2e_keys_ensure_session_finish (result, &error);
  if (error)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_CONNECTED))
        {
          /* Lost on the way: try again when back online. */
          cli->started = FALSE;
          return;
        }
      if (error->domain == MIMP_ERROR)
        {
          mimp_cli_die (0, "cannot get %s's keys: %s", cli->peer, error->message);
          finish (cli, mimp_cli_mimp_status_for_error (error));
        }
      else
        not_private (cli, error);
      return;
    }
  if (outcome == MIMP_E2E_KEYS_READY)
    {
      session_ready (cli);
      return;
    }
  if (!cli->waiting_keys)
    g_printerr ("mimp-cli: Waiting for %s to come online once to exchange keys\n", cli->peer);
  cli->waiting_keys = TRUE;
  /* The key answer comes as a message: listen meanwhile. */
  mimp_client_session_set_receive (cli->session, TRUE);
}

static void
publish_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  E2eCli *cli = user_data;
  g_autoptr (GError) error = NULL;

  /* Publishing lets others start chats with us; ours go on without it. */
  if (!mimp_e2e_keys_publish_finish (result, &error))
    g_debug ("Keys not published: %s", error->message);
  if (cli->status >= 0 || cli->started)
    return;
  cli->started = TRUE;
  if (cli->sending || cli->verifying)
    mimp_e2e_keys_ensure_session_async (cli->worker, cli->session, cli->peer, NULL, ensure_cb, cli);
}

static void
state_cb (MimpClientSession *session, GParamSpec *pspec, E2eCli *cli)
{
  int status = mimp_cli_mimp_state_status (session, &cli->was_online);

  if (status >= 0)
    {
      finish (cli, status);
      return;
    }
  if (mimp_client_session_get_state (session) == MIMP_SESSION_STATE_ONLINE)
    mimp_e2e_keys_publish_async (cli->worker, session, NULL, publish_cb, cli);
}

/* --- timeouts and the end --- */

static gboolean
signal_cb (gpointer user_data)
{
  finish (user_data, EXIT_OK);
  return G_SOURCE_REMOVE;
}

static gboolean
timeout_cb (gpointer user_data)
{
  E2eCli *cli = user_data;
  const GError *error = mimp_client_session_get_error (cli->session);

  cli->timeout_id = 0;
  if (cli->waiting_keys)
    {
      mimp_cli_die (0,
                    "gave up after %d seconds: %s has not been online to exchange keys; nothing "
                    "was sent",
                    cli->request->timeout, cli->peer);
      finish (cli, EXIT_NOT_PRIVATE);
    }
  else if (cli->verifying && cli->was_online)
    {
      mimp_cli_die (0, "gave up after %d seconds: no answer from %s", cli->request->timeout,
                    cli->peer);
      if (cli->smp_running)
        {
          cli->smp_running = FALSE;
          mimp_e2e_worker_run_async (cli->worker, smp_abort_work, g_strdup (cli->peer), g_free,
                                     g_free, NULL, NULL, NULL);
        }
      print_or_fail (cli, "not verified");
      finish (cli, EXIT_FAILURE_OTHER);
    }
  else
    {
      mimp_cli_die (0, "gave up after %d seconds: %s", cli->request->timeout,
                    error ? error->message : "no answer from the server");
      finish (cli, EXIT_CONNECT);
    }
  return G_SOURCE_REMOVE;
}

static void
outbox_length_cb (MimpClientSession *session, GParamSpec *pspec, E2eCli *cli)
{
  if (mimp_client_session_get_outbox_length (session) == 0)
    g_main_loop_quit (cli->loop);
}

static gboolean
drain_timeout_cb (gpointer user_data)
{
  E2eCli *cli = user_data;

  g_debug ("Replies not all sent within %d seconds", DRAIN_SECONDS);
  g_main_loop_quit (cli->loop);
  return G_SOURCE_REMOVE;
}

/* Replies (key answers, verification steps) and the last acknowledgement
 * go out before the process ends. */
static void
drain (E2eCli *cli)
{
  mimp_client_session_set_receive (cli->session, FALSE);
  if (mimp_client_session_get_outbox_length (cli->session) > 0 &&
      mimp_client_session_get_state (cli->session) == MIMP_SESSION_STATE_ONLINE)
    {
      gulong handler = g_signal_connect (cli->session, "notify::outbox-length",
                                         G_CALLBACK (outbox_length_cb), cli);
      guint timeout_id = g_timeout_add_seconds (DRAIN_SECONDS, drain_timeout_cb, cli);

      g_main_loop_run (cli->loop);
      g_clear_handle_id (&timeout_id, g_source_remove);
      g_signal_handler_disconnect (cli->session, handler);
    }
  if (cli->acknowledged)
    {
      mimp_client_session_flush_ack_async (cli->session, NULL, mimp_cli_mimp_flush_ack_cb,
                                           cli->loop);
      g_main_loop_run (cli->loop);
    }
}

/* --- commands without the network --- */

static int
run_offline (const MimpCliRequest *request, MimpE2e *e2e, const char *user, const char *peer)
{
  g_autoptr (GError) error = NULL;

  if (g_str_equal (request->command, "safety-number"))
    {
      g_autofree char *number = mimp_e2e_safety_number (e2e, user, peer, &error);

      if (number == NULL)
        {
          if (g_error_matches (error, MIMP_E2E_ERROR, MIMP_E2E_ERROR_NO_SESSION))
            return mimp_cli_die (EXIT_FAILURE_OTHER,
                                 "%s's key is not known yet: send or receive a private "
                                 "message first",
                                 peer);
          return mimp_cli_die (EXIT_FAILURE_OTHER, "%s", error->message);
        }
      return mimp_cli_print_line (number) ? EXIT_OK : EXIT_FAILURE_OTHER;
    }
  /* trust */
  if (mimp_e2e_get_trust (e2e, peer) != MIMP_E2E_TRUST_KEY_CHANGED)
    {
      g_printerr ("mimp-cli: %s's key did not change: nothing to accept\n", peer);
      return EXIT_OK;
    }
  if (!mimp_e2e_accept_key_change (e2e, peer, &error))
    return mimp_cli_die (EXIT_FAILURE_OTHER, "%s", error->message);
  g_printerr ("mimp-cli: %s's new key is accepted (not verified); verify it with "
              "mimp-cli --e2e verify %s\n",
              peer, peer);
  return EXIT_OK;
}

int
mimp_cli_mimp_e2e_run (const MimpCliRequest *request)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *host = NULL;
  g_autofree char *user = NULL;
  g_autofree char *peer = NULL;
  g_autoptr (MimpE2e) e2e = NULL;
  E2eCli cli = { 0 };
  guint16 port;
  int lock_fd = -1;
  int status;

  if ((status = mimp_cli_mimp_parse_account (request, &host, &port, &user, &peer)) != EXIT_OK)
    return status;
  if (peer && g_str_equal (peer, user))
    return mimp_cli_die (EXIT_USAGE, "a private chat needs someone else than yourself");
  cli.verifying = g_str_equal (request->command, "verify");
  if (cli.verifying && !(cli.smp_secret = request->get_smp_secret (&error)))
    return mimp_cli_die (EXIT_USAGE, "%s", error->message);
  if (!(e2e = open_state (request, host, port, user, &lock_fd, &error)))
    {
      mimp_secure_free_string (cli.smp_secret);
      if (lock_fd >= 0)
        close (lock_fd);
      return mimp_cli_die (EXIT_FAILURE_OTHER, "%s", error->message);
    }
  if (g_str_equal (request->command, "safety-number") || g_str_equal (request->command, "trust"))
    {
      status = run_offline (request, e2e, user, peer);
      g_clear_object (&e2e);
      close (lock_fd);
      return status;
    }
  if (!(cli.session = mimp_cli_mimp_new_session (request, host, port, user, &status)))
    {
      mimp_secure_free_string (cli.smp_secret);
      close (lock_fd);
      return status;
    }

  cli.request = request;
  cli.status = -1;
  cli.loop = g_main_loop_new (NULL, FALSE);
  cli.user = user;
  cli.peer = peer;
  cli.sending = g_str_equal (request->command, "send");
  cli.read_ids = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_queue_init (&cli.incoming);
  if (!cli.verifying && g_getenv ("MIMP_SMP_SECRET") && *g_getenv ("MIMP_SMP_SECRET"))
    cli.smp_secret = g_strdup (g_getenv ("MIMP_SMP_SECRET"));
  cli.worker = mimp_e2e_worker_new (g_steal_pointer (&e2e));

  /* Received messages are printed before they are acknowledged. send
   * receives only while it waits for a key answer. */
  mimp_client_session_set_manual_ack (cli.session, TRUE);
  mimp_client_session_set_receive (cli.session, !cli.sending);
  /* A plain server has no long poll: ask often while waiting for an answer. */
  if (cli.sending || cli.verifying)
    mimp_client_session_set_poll_interval (cli.session, 1);
  g_signal_connect (cli.session, "notify::state", G_CALLBACK (state_cb), &cli);
  g_signal_connect (cli.session, "messages-received", G_CALLBACK (messages_received_cb), &cli);
  g_signal_connect (cli.session, "ephemeral-received", G_CALLBACK (ephemeral_received_cb), &cli);
  g_signal_connect (cli.session, "send-finished", G_CALLBACK (send_finished_cb), &cli);
  if (cli.sending)
    {
      cli.message_ids = g_ptr_array_new_with_free_func (g_free);
      for (const char *const *text = request->texts; *text; text++)
        g_ptr_array_add (cli.message_ids, g_uuid_string_random ());
    }
  if (cli.sending || cli.verifying)
    cli.timeout_id = g_timeout_add_seconds ((guint) request->timeout, timeout_cb, &cli);

  g_unix_signal_add (SIGINT, signal_cb, &cli);
  g_unix_signal_add (SIGTERM, signal_cb, &cli);
  mimp_client_session_start (cli.session);
  g_main_loop_run (cli.loop);
  g_clear_handle_id (&cli.timeout_id, g_source_remove);

  drain (&cli);
  mimp_client_session_stop (cli.session);
  g_signal_handlers_disconnect_by_data (cli.session, &cli);
  /* Waits for what the worker still does (a delivered mark, ...). */
  mimp_e2e_worker_close (cli.worker);
  g_clear_object (&cli.worker);
  g_clear_object (&cli.session);
  close (lock_fd);
  g_queue_clear_full (&cli.incoming, (GDestroyNotify) incoming_free);
  g_hash_table_unref (cli.read_ids);
  g_clear_pointer (&cli.unsent, g_ptr_array_unref);
  g_clear_pointer (&cli.message_ids, g_ptr_array_unref);
  mimp_secure_free_string (cli.smp_secret);
  g_main_loop_unref (cli.loop);
  return cli.status;
}
