/* mimp-e2e-verify.c - SMP runs and safety numbers of private chats, on
 * mimp-e2e-smp.h (libotr's SMP engine): the step messages travel inside
 * encrypted t=smp inner messages, a run's state is sealed in the database.
 *
 * The body of a t=smp inner message is a JSON object: "op" ("start",
 * "step" or "abort"), "run" (the run id, 32 hex digits, chosen by the
 * initiator), "q" (start only: the question; absent for a shared secret),
 * "msg" (start and step: the engine's message, standard base64).
 *
 * At most one run per peer. Two starts that cross resolve by the lower run
 * id: that run goes on, the other is dropped on both sides. At most 3
 * failed runs per peer per day: a run counts as failed when it starts (or
 * is answered) and is forgiven when it matches.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "mimp-e2e"

#include "config.h"

#include <gcrypt.h>
#include <json-glib/json-glib.h>
#include <string.h>

#include "mimp-e2e-run.h"
#include "mimp-e2e-smp.h"

#define RUN_ID_LEN 16
#define MAX_FAILED_RUNS 3
#define MAX_QUESTION 1024
#define MAX_STEP_MESSAGE 4096

typedef enum
{
  ROLE_INITIATOR,
  ROLE_RESPONDER,
} Role;

/* A run as kept in the database (sealed). */
typedef struct
{
  Role role;
  char *run;         /* hex */
  gboolean question; /* asked with a question (else a shared secret) */
  gboolean asked;    /* responder: waiting for the user's answer */
  GBytes *peer_key;  /* the peer's identity key the secret was bound to */
  MimpE2eSmp *smp;
} Run;

static void
run_free (Run *run)
{
  if (run == NULL)
    return;
  g_free (run->run);
  g_clear_pointer (&run->peer_key, g_bytes_unref);
  g_clear_pointer (&run->smp, mimp_e2e_smp_free);
  g_free (run);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC (Run, run_free)

static GBytes *
decode_b64 (const char *text, gsize max)
{
  gsize len = 0;
  guint8 *data;

  if (text == NULL || strlen (text) == 0 || strlen (text) > max * 4 / 3 + 4)
    return NULL;
  for (const char *p = text; *p != '\0'; p++)
    if (!g_ascii_isalnum (*p) && *p != '+' && *p != '/' && *p != '=')
      return NULL;
  data = g_base64_decode (text, &len);
  if (len == 0 || len > max)
    {
      g_free (data);
      return NULL;
    }
  return g_bytes_new_take (data, len);
}

static gboolean
valid_run_id (const char *run)
{
  if (run == NULL || strlen (run) != RUN_ID_LEN * 2)
    return FALSE;
  for (const char *p = run; *p != '\0'; p++)
    if (!g_ascii_isxdigit (*p) || g_ascii_isupper (*p))
      return FALSE;
  return TRUE;
}

static GBytes *
run_id_bytes (const char *run)
{
  guint8 bytes[RUN_ID_LEN];

  for (gsize i = 0; i < RUN_ID_LEN; i++)
    bytes[i] =
        (guint8) ((g_ascii_xdigit_value (run[2 * i]) << 4) | g_ascii_xdigit_value (run[2 * i + 1]));
  return g_bytes_new (bytes, sizeof bytes);
}

/* --- the smp table --- */

static Run *
run_load (MimpE2e *self, const char *peer)
{
  MimpE2eStore *store = mimp_e2e_get_store (self);
  sqlite3_stmt *stmt = mimp_e2e_store_prepare (
      store, "SELECT state FROM smp WHERE account = ?1 AND peer = ?2", NULL);
  g_autoptr (GBytes) plain = NULL;
  g_autoptr (JsonNode) root = NULL;
  g_autoptr (Run) run = NULL;
  g_autoptr (GBytes) engine = NULL;
  JsonObject *object;
  gint64 role = 0, question = 0, asked = 0;

  if (stmt == NULL)
    return NULL;
  sqlite3_bind_text (stmt, 2, peer, -1, SQLITE_STATIC);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    plain = mimp_e2e_store_unseal (store, "smp", peer, sqlite3_column_blob (stmt, 0),
                                   sqlite3_column_bytes (stmt, 0));
  sqlite3_reset (stmt);
  if (plain == NULL)
    return NULL;
  root = mimp_e2e_json_parse_object (g_bytes_get_data (plain, NULL),
                                     (gssize) g_bytes_get_size (plain));
  object = root != NULL ? json_node_get_object (root) : NULL;
  explicit_bzero ((char *) g_bytes_get_data (plain, NULL), g_bytes_get_size (plain));
  if (object == NULL || !mimp_e2e_json_get_int (object, "role", G_MININT64, G_MAXINT64, &role) ||
      !mimp_e2e_json_get_int (object, "question", G_MININT64, G_MAXINT64, &question) ||
      !mimp_e2e_json_get_int (object, "asked", G_MININT64, G_MAXINT64, &asked) ||
      !valid_run_id (mimp_e2e_json_get_string (object, "run")))
    return NULL;
  run = g_new0 (Run, 1);
  run->role = role == ROLE_RESPONDER ? ROLE_RESPONDER : ROLE_INITIATOR;
  run->run = g_strdup (mimp_e2e_json_get_string (object, "run"));
  run->question = question != 0;
  run->asked = asked != 0;
  run->peer_key = decode_b64 (mimp_e2e_json_get_string (object, "peer_key"), 64);
  engine = decode_b64 (mimp_e2e_json_get_string (object, "engine"), 65536);
  if (run->peer_key == NULL || engine == NULL)
    return NULL;
  run->smp = mimp_e2e_smp_load (engine);
  if (run->smp == NULL)
    return NULL;
  return g_steal_pointer (&run);
}

static gboolean
run_save (MimpE2e *self, const char *peer, Run *run, GError **error)
{
  MimpE2eStore *store = mimp_e2e_get_store (self);
  g_autoptr (JsonBuilder) builder = json_builder_new ();
  g_autoptr (JsonNode) root = NULL;
  g_autoptr (GBytes) engine = mimp_e2e_smp_save (run->smp);
  g_autofree char *engine_b64 = NULL;
  g_autofree char *key_b64 = NULL;
  g_autofree char *json = NULL;
  g_autoptr (GBytes) sealed = NULL;
  sqlite3_stmt *stmt;

  if (engine == NULL)
    {
      g_set_error (error, MIMP_E2E_ERROR, MIMP_E2E_ERROR_FAILED, "Cannot save the SMP run");
      return FALSE;
    }
  engine_b64 = g_base64_encode (g_bytes_get_data (engine, NULL), g_bytes_get_size (engine));
  key_b64 =
      g_base64_encode (g_bytes_get_data (run->peer_key, NULL), g_bytes_get_size (run->peer_key));
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "role");
  json_builder_add_int_value (builder, run->role);
  json_builder_set_member_name (builder, "run");
  json_builder_add_string_value (builder, run->run);
  json_builder_set_member_name (builder, "question");
  json_builder_add_int_value (builder, run->question);
  json_builder_set_member_name (builder, "asked");
  json_builder_add_int_value (builder, run->asked);
  json_builder_set_member_name (builder, "peer_key");
  json_builder_add_string_value (builder, key_b64);
  json_builder_set_member_name (builder, "engine");
  json_builder_add_string_value (builder, engine_b64);
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  json = json_to_string (root, FALSE);
  explicit_bzero (engine_b64, strlen (engine_b64));
  sealed = mimp_e2e_store_seal (store, "smp", peer, json, strlen (json));
  explicit_bzero (json, strlen (json));
  stmt = mimp_e2e_store_prepare (
      store, "INSERT OR REPLACE INTO smp (account, peer, state) VALUES (?1, ?2, ?3)", error);
  if (stmt == NULL || sealed == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 2, peer, -1, SQLITE_STATIC);
  sqlite3_bind_blob (stmt, 3, g_bytes_get_data (sealed, NULL), g_bytes_get_size (sealed),
                     SQLITE_STATIC);
  return mimp_e2e_store_step_done (store, stmt, error);
}

static gboolean
exec_peer (MimpE2e *self, const char *sql, const char *peer, GError **error)
{
  MimpE2eStore *store = mimp_e2e_get_store (self);
  sqlite3_stmt *stmt = mimp_e2e_store_prepare (store, sql, error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 2, peer, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 3, g_get_real_time () / G_USEC_PER_SEC);
  return mimp_e2e_store_step_done (store, stmt, error);
}

static gboolean
run_delete (MimpE2e *self, const char *peer, GError **error)
{
  return exec_peer (self, "DELETE FROM smp WHERE account = ?1 AND peer = ?2", peer, error);
}

/* A run counts as failed from its start; a match forgives it. */
static gboolean
count_failure (MimpE2e *self, const char *peer, GError **error)
{
  return exec_peer (self, "INSERT INTO smp_failures (account, peer, ts) VALUES (?1, ?2, ?3)", peer,
                    error);
}

static gboolean
forgive_failure (MimpE2e *self, const char *peer, GError **error)
{
  return exec_peer (self,
                    "DELETE FROM smp_failures WHERE rowid = (SELECT rowid FROM smp_failures"
                    " WHERE account = ?1 AND peer = ?2 ORDER BY ts DESC LIMIT 1)",
                    peer, error);
}

static gboolean
check_limit (MimpE2e *self, const char *peer, GError **error)
{
  MimpE2eStore *store = mimp_e2e_get_store (self);
  sqlite3_stmt *stmt = mimp_e2e_store_prepare (
      store, "SELECT count(*) FROM smp_failures WHERE account = ?1 AND peer = ?2 AND ts > ?3",
      error);
  gint64 failed = 0;

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 2, peer, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 3, g_get_real_time () / G_USEC_PER_SEC - 24 * 3600);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    failed = sqlite3_column_int64 (stmt, 0);
  sqlite3_reset (stmt);
  if (failed >= MAX_FAILED_RUNS)
    {
      g_set_error (error, MIMP_E2E_ERROR, MIMP_E2E_ERROR_SMP_LIMIT,
                   "Too many failed verifications with this contact today; try again tomorrow");
      return FALSE;
    }
  return TRUE;
}

static GBytes *
peer_key (MimpE2e *self, const char *peer, GError **error)
{
  MimpE2eIdentity identity;
  GBytes *key;

  if (!mimp_e2e_store_get_identity (mimp_e2e_get_store (self), peer, &identity, error))
    return NULL;
  key = g_steal_pointer (&identity.key);
  mimp_e2e_identity_clear (&identity);
  if (key == NULL)
    g_set_error (error, MIMP_E2E_ERROR, MIMP_E2E_ERROR_NO_SESSION,
                 "The contact's key is not known yet");
  return key;
}

/* The inner body of an SMP message. */
static char *
smp_body (const char *op, const char *run, const char *question, GBytes *message)
{
  g_autoptr (JsonBuilder) builder = json_builder_new ();
  g_autoptr (JsonNode) root = NULL;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "op");
  json_builder_add_string_value (builder, op);
  json_builder_set_member_name (builder, "run");
  json_builder_add_string_value (builder, run);
  if (question != NULL)
    {
      json_builder_set_member_name (builder, "q");
      json_builder_add_string_value (builder, question);
    }
  if (message != NULL)
    {
      g_autofree char *b64 =
          g_base64_encode (g_bytes_get_data (message, NULL), g_bytes_get_size (message));

      json_builder_set_member_name (builder, "msg");
      json_builder_add_string_value (builder, b64);
    }
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  return json_to_string (root, FALSE);
}

static char *
send_smp (MimpE2e *self, const char *peer, const char *op, const char *run, const char *question,
          GBytes *message, GError **error)
{
  g_autofree char *body = smp_body (op, run, question, message);

  return mimp_e2e_encrypt_control (self, peer, "smp", body, TRUE, error);
}

/* Runs @func in one transaction; the envelope it returns is committed. */
static char *
in_transaction (MimpE2e *self, char *(*func) (MimpE2e *, gpointer, GError **), gpointer data,
                GError **error)
{
  MimpE2eStore *store = mimp_e2e_get_store (self);
  g_autoptr (GError) local_error = NULL;
  char *envelope;

  if (!mimp_e2e_store_begin (store, error))
    return NULL;
  envelope = func (self, data, &local_error);
  if (local_error != NULL)
    {
      g_free (envelope);
      mimp_e2e_store_rollback (store);
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }
  if (!mimp_e2e_store_commit (store, error))
    g_clear_pointer (&envelope, g_free);
  return envelope;
}

typedef struct
{
  const char *peer;
  const char *question;
  const char *secret;
} SmpCall;

static gboolean
check_sendable (MimpE2e *self, const char *peer, GError **error)
{
  MimpE2eTrust trust = mimp_e2e_get_trust (self, peer);

  if (trust == MIMP_E2E_TRUST_KEY_CHANGED)
    {
      g_set_error (error, MIMP_E2E_ERROR, MIMP_E2E_ERROR_KEY_CHANGED,
                   "The contact's key changed since it was verified");
      return FALSE;
    }
  if (!mimp_e2e_has_session (self, peer))
    {
      g_set_error (error, MIMP_E2E_ERROR, MIMP_E2E_ERROR_NO_SESSION,
                   "No private session with this contact yet");
      return FALSE;
    }
  return TRUE;
}

static char *
start_locked (MimpE2e *self, gpointer data, GError **error)
{
  SmpCall *call = data;
  guint8 id[RUN_ID_LEN];
  g_autoptr (Run) run = g_new0 (Run, 1);
  g_autoptr (GBytes) run_bytes = NULL;
  g_autoptr (GBytes) bound = NULL;
  g_autoptr (GBytes) first = NULL;

  if (!check_sendable (self, call->peer, error) || !check_limit (self, call->peer, error))
    return NULL;
  run->peer_key = peer_key (self, call->peer, error);
  if (run->peer_key == NULL)
    return NULL;
  gcry_randomize (id, sizeof id, GCRY_STRONG_RANDOM);
  run_bytes = g_bytes_new (id, sizeof id);
  run->run = g_malloc (RUN_ID_LEN * 2 + 1);
  for (gsize i = 0; i < RUN_ID_LEN; i++)
    g_snprintf (run->run + 2 * i, 3, "%02x", id[i]);
  run->role = ROLE_INITIATOR;
  run->question = call->question != NULL;
  bound = mimp_e2e_smp_bind_secret (mimp_e2e_get_own_key (self), run->peer_key, run_bytes,
                                    call->secret);
  if (bound == NULL)
    {
      g_set_error (error, MIMP_E2E_ERROR, MIMP_E2E_ERROR_SMP_STATE,
                   "The answer is empty or not text");
      return NULL;
    }
  run->smp = mimp_e2e_smp_new ();
  first = mimp_e2e_smp_initiate (run->smp, bound);
  if (first == NULL)
    {
      g_set_error (error, MIMP_E2E_ERROR, MIMP_E2E_ERROR_FAILED, "Cannot start the SMP run");
      return NULL;
    }
  /* A run of ours that goes on is replaced. */
  if (!run_save (self, call->peer, run, error) || !count_failure (self, call->peer, error))
    return NULL;
  return send_smp (self, call->peer, "start", run->run, call->question, first, error);
}

char *
mimp_e2e_smp_start (MimpE2e *self, const char *peer, const char *question, const char *secret,
                    GError **error)
{
  SmpCall call = { peer, question, secret };

  g_return_val_if_fail (MIMP_IS_E2E (self), NULL);
  g_return_val_if_fail (peer != NULL && secret != NULL, NULL);

  if (question != NULL &&
      (strlen (question) > MAX_QUESTION || !g_utf8_validate (question, -1, NULL)))
    {
      g_set_error (error, MIMP_E2E_ERROR, MIMP_E2E_ERROR_TOO_LONG, "The question is too long");
      return NULL;
    }
  return in_transaction (self, start_locked, &call, error);
}

static char *
answer_locked (MimpE2e *self, gpointer data, GError **error)
{
  SmpCall *call = data;
  g_autoptr (Run) run = run_load (self, call->peer);
  g_autoptr (GBytes) run_bytes = NULL;
  g_autoptr (GBytes) bound = NULL;
  g_autoptr (GBytes) second = NULL;

  if (run == NULL || run->role != ROLE_RESPONDER || !run->asked)
    {
      g_set_error (error, MIMP_E2E_ERROR, MIMP_E2E_ERROR_SMP_STATE,
                   "No verification waits for an answer");
      return NULL;
    }
  if (!check_sendable (self, call->peer, error) || !check_limit (self, call->peer, error))
    return NULL;
  run_bytes = run_id_bytes (run->run);
  bound = mimp_e2e_smp_bind_secret (run->peer_key, mimp_e2e_get_own_key (self), run_bytes,
                                    call->secret);
  if (bound == NULL)
    {
      g_set_error (error, MIMP_E2E_ERROR, MIMP_E2E_ERROR_SMP_STATE,
                   "The answer is empty or not text");
      return NULL;
    }
  second = mimp_e2e_smp_respond (run->smp, bound);
  if (second == NULL)
    {
      g_set_error (error, MIMP_E2E_ERROR, MIMP_E2E_ERROR_SMP_STATE,
                   "The verification cannot be answered now");
      return NULL;
    }
  run->asked = FALSE;
  if (!run_save (self, call->peer, run, error) || !count_failure (self, call->peer, error))
    return NULL;
  return send_smp (self, call->peer, "step", run->run, NULL, second, error);
}

char *
mimp_e2e_smp_answer (MimpE2e *self, const char *peer, const char *secret, GError **error)
{
  SmpCall call = { peer, NULL, secret };

  g_return_val_if_fail (MIMP_IS_E2E (self), NULL);
  g_return_val_if_fail (peer != NULL && secret != NULL, NULL);

  return in_transaction (self, answer_locked, &call, error);
}

static char *
abort_locked (MimpE2e *self, gpointer data, GError **error)
{
  SmpCall *call = data;
  g_autoptr (Run) run = run_load (self, call->peer);

  if (run == NULL)
    return NULL;
  if (!run_delete (self, call->peer, error))
    return NULL;
  if (!mimp_e2e_has_session (self, call->peer))
    return NULL;
  return send_smp (self, call->peer, "abort", run->run, NULL, NULL, error);
}

char *
mimp_e2e_smp_abort (MimpE2e *self, const char *peer, GError **error)
{
  SmpCall call = { peer, NULL, NULL };

  g_return_val_if_fail (MIMP_IS_E2E (self), NULL);
  g_return_val_if_fail (peer != NULL, NULL);

  return in_transaction (self, abort_locked, &call, error);
}

char *
mimp_e2e_safety_number (MimpE2e *self, const char *own_user, const char *peer, GError **error)
{
  g_autoptr (GBytes) key = NULL;

  g_return_val_if_fail (MIMP_IS_E2E (self), NULL);
  g_return_val_if_fail (own_user != NULL && peer != NULL, NULL);

  key = peer_key (self, peer, error);
  if (key == NULL)
    return NULL;
  return mimp_e2e_smp_safety_number (own_user, mimp_e2e_get_own_key (self), peer, key);
}

/* --- received steps --- */

static gboolean
reply_abort (MimpE2e *self, const char *peer, const char *run, MimpE2eResult *result,
             GError **error)
{
  char *envelope = send_smp (self, peer, "abort", run, NULL, NULL, error);

  if (envelope == NULL)
    return FALSE;
  g_ptr_array_add (result->replies, envelope);
  return TRUE;
}

static gboolean
receive_start (MimpE2e *self, const char *peer, const char *run_id, JsonObject *object,
               GBytes *message, MimpE2eResult *result, GError **error)
{
  g_autoptr (Run) ours = run_load (self, peer);
  g_autoptr (Run) run = NULL;
  const char *question = mimp_e2e_json_get_string (object, "q");
  JsonNode *q_node = json_object_get_member (object, "q");

  if (q_node != NULL && (question == NULL || strlen (question) > MAX_QUESTION))
    {
      result->smp_event = MIMP_E2E_SMP_FAILED;
      return reply_abort (self, peer, run_id, result, error);
    }
  /* Crossed starts: the lower run id goes on. */
  if (ours != NULL && ours->role == ROLE_INITIATOR && strcmp (ours->run, run_id) < 0)
    return TRUE;
  if (ours != NULL && ours->role == ROLE_INITIATOR && !forgive_failure (self, peer, error))
    return FALSE;

  run = g_new0 (Run, 1);
  run->role = ROLE_RESPONDER;
  run->run = g_strdup (run_id);
  run->question = question != NULL;
  run->asked = TRUE;
  run->peer_key = peer_key (self, peer, error);
  if (run->peer_key == NULL)
    return FALSE;
  run->smp = mimp_e2e_smp_new ();
  if (mimp_e2e_smp_receive_start (run->smp, message) == MIMP_E2E_SMP_STEP_ERROR)
    {
      result->smp_event = MIMP_E2E_SMP_FAILED;
      return run_delete (self, peer, error) && reply_abort (self, peer, run_id, result, error);
    }
  if (!run_save (self, peer, run, error))
    return FALSE;
  result->smp_event = MIMP_E2E_SMP_ASKED;
  result->smp_question = g_strdup (question);
  return TRUE;
}

static gboolean
receive_step (MimpE2e *self, const char *peer, const char *run_id, GBytes *message,
              MimpE2eResult *result, GError **error)
{
  g_autoptr (Run) run = run_load (self, peer);
  g_autoptr (GBytes) out = NULL;
  MimpE2eSmpStep step;

  /* A step of a run that is gone (aborted, replaced): ignored. */
  if (run == NULL || strcmp (run->run, run_id) != 0 || run->asked)
    return TRUE;
  step = mimp_e2e_smp_step (run->smp, message, &out);
  if (out != NULL)
    {
      char *envelope = send_smp (self, peer, "step", run->run, NULL, out, error);

      if (envelope == NULL)
        return FALSE;
      g_ptr_array_add (result->replies, envelope);
    }
  switch (step)
    {
    case MIMP_E2E_SMP_STEP_CONTINUE:
      result->smp_event = MIMP_E2E_SMP_WAITING;
      return run_save (self, peer, run, error);
    case MIMP_E2E_SMP_STEP_MATCH:
      result->smp_event = MIMP_E2E_SMP_SUCCEEDED;
      /* The asker trusts the answerer's key; a shared secret verifies both. */
      result->smp_we_verified = run->role == ROLE_INITIATOR || !run->question;
      result->smp_they_verified = run->role == ROLE_RESPONDER || !run->question;
      if (result->smp_we_verified &&
          !mimp_e2e_store_set_verified_key (mimp_e2e_get_store (self), peer, run->peer_key, error))
        return FALSE;
      return forgive_failure (self, peer, error) && run_delete (self, peer, error);
    case MIMP_E2E_SMP_STEP_NO_MATCH:
      result->smp_event = MIMP_E2E_SMP_FAILED;
      return run_delete (self, peer, error);
    case MIMP_E2E_SMP_STEP_ERROR:
    default:
      result->smp_event = MIMP_E2E_SMP_FAILED;
      return run_delete (self, peer, error) && reply_abort (self, peer, run->run, result, error);
    }
}

gboolean
mimp_e2e_smp_receive (MimpE2e *self, const char *peer, const char *body, MimpE2eResult *result,
                      GError **error)
{
  g_autoptr (JsonNode) root = mimp_e2e_json_parse_object (body, -1);
  g_autoptr (GBytes) message = NULL;
  JsonObject *object = root != NULL ? json_node_get_object (root) : NULL;
  const char *op, *run_id;

  if (object == NULL)
    return TRUE;
  op = mimp_e2e_json_get_string (object, "op");
  run_id = mimp_e2e_json_get_string (object, "run");
  if (op == NULL || !valid_run_id (run_id))
    return TRUE;

  if (g_str_equal (op, "abort"))
    {
      g_autoptr (Run) run = run_load (self, peer);

      if (run == NULL || strcmp (run->run, run_id) != 0)
        return TRUE;
      result->smp_event = MIMP_E2E_SMP_FAILED;
      return run_delete (self, peer, error);
    }
  message = decode_b64 (mimp_e2e_json_get_string (object, "msg"), MAX_STEP_MESSAGE);
  if (message == NULL)
    return TRUE;
  if (g_str_equal (op, "start"))
    return receive_start (self, peer, run_id, object, message, result, error);
  if (g_str_equal (op, "step"))
    return receive_step (self, peer, run_id, message, result, error);
  return TRUE;
}
