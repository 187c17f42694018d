/* mimp-e2e-keys.c - the key exchange of private chats over a MIMP session
 *
 * Publishing: the bundle goes to the key directory when the session comes
 * online; the server's count of one-time prekeys left drives replenishing
 * (new prekeys are published at once, in the same run).
 *
 * A session with a peer: one that exists is used; else the peer's bundle
 * comes from the key directory; else (a plain server, or a peer that never
 * published) a key request goes in-band and the caller waits for the peer's
 * key answer, which mimp_e2e_decrypt() turns into a session.
 *
 * Every MimpE2e call runs on the worker's thread; network calls and the
 * GTask callbacks run on the caller's thread.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "mimp-e2e"

#include "config.h"

#include <json-glib/json-glib.h>

#include "mimp-e2e-keys.h"

/* The key directory takes at most 100 one-time prekeys per request. */
#define PUBLISH_PREKEYS 100
/* Publishing again after replenishing: a bound, in case a server keeps
 * answering with a low count. */
#define PUBLISH_ROUNDS 3
#define KEY_REQUEST_INTERVAL_USEC (60 * G_USEC_PER_SEC)

/* Per worker (one account): when a key request last went to each peer, and
 * whether a publish run is going on. */
typedef struct
{
  GHashTable *key_requests; /* peer -> monotonic µs (gint64 *) */
  gboolean publishing;
  gboolean publish_again;
} KeysState;

static void
keys_state_free (gpointer data)
{
  KeysState *state = data;

  g_hash_table_unref (state->key_requests);
  g_free (state);
}

static KeysState *
keys_state_get (MimpE2eWorker *worker)
{
  KeysState *state = g_object_get_data (G_OBJECT (worker), "mimp-e2e-keys-state");

  if (state == NULL)
    {
      state = g_new0 (KeysState, 1);
      state->key_requests = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
      g_object_set_data_full (G_OBJECT (worker), "mimp-e2e-keys-state", state, keys_state_free);
    }
  return state;
}

/* --- work done on the worker's thread --- */

static gpointer
bundle_work (MimpE2e *e2e, gpointer data, GError **error)
{
  return mimp_e2e_bundle_to_publish (e2e, PUBLISH_PREKEYS, error);
}

/* Counts the one-time prekeys in a bundle to publish. */
static guint
bundle_prekeys (const char *bundle)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  JsonNode *root;
  JsonNode *pk;

  if (!json_parser_load_from_data (parser, bundle, -1, NULL))
    return 0;
  root = json_parser_get_root (parser);
  if (!JSON_NODE_HOLDS_OBJECT (root))
    return 0;
  pk = json_object_get_member (json_node_get_object (root), "pk");
  return pk && JSON_NODE_HOLDS_ARRAY (pk) ? json_array_get_length (json_node_get_array (pk)) : 0;
}

/* After a publish the server answered with @data (the prekeys left): marks
 * the bundle published, replenishes, and returns the next bundle when there
 * are new prekeys to publish (else NULL, without error). */
static gpointer
published_work (MimpE2e *e2e, gpointer data, GError **error)
{
  guint left = GPOINTER_TO_UINT (data);
  g_autofree char *next = NULL;

  if (!mimp_e2e_bundle_published (e2e, error) || !mimp_e2e_replenish (e2e, left, error))
    return NULL;
  if (!(next = mimp_e2e_bundle_to_publish (e2e, PUBLISH_PREKEYS, error)))
    return NULL;
  return bundle_prekeys (next) > 0 ? g_steal_pointer (&next) : NULL;
}

static gpointer
has_session_work (MimpE2e *e2e, gpointer data, GError **error)
{
  return GINT_TO_POINTER (mimp_e2e_has_session (e2e, data));
}

typedef struct
{
  char *peer;
  char *bundle;
} StartData;

static void
start_data_free (gpointer data)
{
  StartData *start = data;

  g_free (start->peer);
  g_free (start->bundle);
  g_free (start);
}

static gpointer
start_session_work (MimpE2e *e2e, gpointer data, GError **error)
{
  StartData *start = data;

  return mimp_e2e_start_session (e2e, start->peer, start->bundle, error) ? GINT_TO_POINTER (TRUE)
                                                                         : NULL;
}

static gpointer
key_request_work (MimpE2e *e2e, gpointer data, GError **error)
{
  return mimp_e2e_key_request (e2e, data, error);
}

/* --- publishing --- */

typedef struct
{
  MimpE2eWorker *worker;
  MimpClientSession *session;
  guint rounds;
} PublishData;

static void
publish_data_free (gpointer data)
{
  PublishData *publish = data;

  g_clear_object (&publish->worker);
  g_clear_object (&publish->session);
  g_free (publish);
}

static void publish_bundle (GTask *task, const char *bundle);
static void bundle_cb (GObject *object, GAsyncResult *result, gpointer user_data);

static void
publish_done (GTask *task, GError *error)
{
  PublishData *publish = g_task_get_task_data (task);
  KeysState *state = keys_state_get (publish->worker);

  if (error == NULL && state->publish_again)
    {
      /* Someone asked while this run went on: count and replenish again. */
      state->publish_again = FALSE;
      publish->rounds = 0;
      mimp_e2e_worker_run_async (publish->worker, bundle_work, NULL, NULL, g_free,
                                 g_task_get_cancellable (task), bundle_cb, task);
      return;
    }
  state->publishing = FALSE;
  if (error)
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
  g_object_unref (task);
}

static void
published_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  GError *error = NULL;
  g_autofree char *next = NULL;

  next = mimp_e2e_worker_run_finish (MIMP_E2E_WORKER (object), result, &error);
  if (error)
    {
      publish_done (task, error);
      return;
    }
  if (next == NULL)
    {
      publish_done (task, NULL);
      return;
    }
  publish_bundle (task, next);
}

static void
publish_keys_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  PublishData *publish = g_task_get_task_data (task);
  GError *error = NULL;
  gint64 left;

  left = mimp_client_session_publish_keys_finish (MIMP_CLIENT_SESSION (object), result, &error);
  if (error)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED))
        {
          /* The server lost its key directory (another server now?). */
          g_clear_error (&error);
        }
      publish_done (task, error);
      return;
    }
  g_debug ("Published the key bundle; %" G_GINT64_FORMAT " one-time prekeys left", left);
  if (++publish->rounds >= PUBLISH_ROUNDS)
    {
      publish_done (task, NULL);
      return;
    }
  mimp_e2e_worker_run_async (publish->worker, published_work,
                             GUINT_TO_POINTER ((guint) CLAMP (left, 0, G_MAXINT)), NULL, g_free,
                             g_task_get_cancellable (task), published_cb, task);
}

static void
publish_bundle (GTask *task, const char *bundle)
{
  PublishData *publish = g_task_get_task_data (task);

  mimp_client_session_publish_keys_async (publish->session, bundle, g_task_get_cancellable (task),
                                          publish_keys_cb, task);
}

static void
bundle_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  GError *error = NULL;
  g_autofree char *bundle = NULL;

  bundle = mimp_e2e_worker_run_finish (MIMP_E2E_WORKER (object), result, &error);
  if (bundle == NULL)
    {
      if (error == NULL)
        error = g_error_new_literal (MIMP_E2E_ERROR, MIMP_E2E_ERROR_FAILED, "No bundle to publish");
      publish_done (task, error);
      return;
    }
  publish_bundle (task, bundle);
}

void
mimp_e2e_keys_publish_async (MimpE2eWorker *worker, MimpClientSession *session,
                             GCancellable *cancellable, GAsyncReadyCallback callback,
                             gpointer user_data)
{
  g_autoptr (GTask) task = NULL;
  PublishData *publish;
  KeysState *state;

  g_return_if_fail (MIMP_IS_E2E_WORKER (worker));
  g_return_if_fail (MIMP_IS_CLIENT_SESSION (session));

  task = g_task_new (worker, cancellable, callback, user_data);
  g_task_set_source_tag (task, mimp_e2e_keys_publish_async);
  if (!(mimp_client_session_get_features (session) & MIMP_FEATURE_KEYS))
    {
      g_task_return_boolean (task, TRUE);
      return;
    }
  state = keys_state_get (worker);
  if (state->publishing)
    {
      /* The run going on counts again when it ends. */
      state->publish_again = TRUE;
      g_task_return_boolean (task, TRUE);
      return;
    }
  state->publishing = TRUE;
  publish = g_new0 (PublishData, 1);
  publish->worker = g_object_ref (worker);
  publish->session = g_object_ref (session);
  g_task_set_task_data (task, publish, publish_data_free);
  mimp_e2e_worker_run_async (worker, bundle_work, NULL, NULL, g_free, cancellable, bundle_cb,
                             g_steal_pointer (&task));
}

gboolean
mimp_e2e_keys_publish_finish (GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (G_IS_TASK (result), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == mimp_e2e_keys_publish_async,
                        FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* --- a session with a peer --- */

typedef struct
{
  MimpE2eWorker *worker;
  MimpClientSession *session;
  char *peer;
} EnsureData;

static void
ensure_data_free (gpointer data)
{
  EnsureData *ensure = data;

  g_clear_object (&ensure->worker);
  g_clear_object (&ensure->session);
  g_free (ensure->peer);
  g_free (ensure);
}

static void
key_request_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  EnsureData *ensure = g_task_get_task_data (task);
  GError *error = NULL;
  g_autofree char *envelope = NULL;
  g_autofree char *client_id = NULL;

  envelope = mimp_e2e_worker_run_finish (MIMP_E2E_WORKER (object), result, &error);
  if (envelope == NULL)
    {
      if (error == NULL)
        error = g_error_new_literal (MIMP_E2E_ERROR, MIMP_E2E_ERROR_FAILED,
                                     "Could not make a key request");
      g_hash_table_remove (keys_state_get (ensure->worker)->key_requests, ensure->peer);
      g_task_return_error (task, error);
      return;
    }
  /* The outbox keeps it and retries until the server takes it. */
  client_id = g_uuid_string_random ();
  mimp_client_session_send (ensure->session, client_id, ensure->peer, envelope);
  g_debug ("Sent a key request in-band");
  g_task_return_int (task, MIMP_E2E_KEYS_WAITING);
}

/* No key directory, or no bundle in it: ask the peer in-band, at most once a
 * minute. */
static void
request_in_band (GTask *task)
{
  EnsureData *ensure = g_task_get_task_data (task);
  KeysState *state = keys_state_get (ensure->worker);
  gint64 *last = g_hash_table_lookup (state->key_requests, ensure->peer);
  gint64 now = g_get_monotonic_time ();

  if (last && now - *last < KEY_REQUEST_INTERVAL_USEC)
    {
      g_task_return_int (task, MIMP_E2E_KEYS_WAITING);
      g_object_unref (task);
      return;
    }
  g_hash_table_insert (state->key_requests, g_strdup (ensure->peer), g_memdup2 (&now, sizeof now));
  mimp_e2e_worker_run_async (ensure->worker, key_request_work, g_strdup (ensure->peer), g_free,
                             g_free, g_task_get_cancellable (task), key_request_cb, task);
}

static void
start_session_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  GError *error = NULL;

  if (!mimp_e2e_worker_run_finish (MIMP_E2E_WORKER (object), result, &error))
    {
      if (error == NULL)
        error = g_error_new_literal (MIMP_E2E_ERROR, MIMP_E2E_ERROR_FAILED,
                                     "Could not start a session");
      g_task_return_error (task, error);
      return;
    }
  g_task_return_int (task, MIMP_E2E_KEYS_READY);
}

static void
fetch_keys_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  EnsureData *ensure = g_task_get_task_data (task);
  GError *error = NULL;
  g_autoptr (GPtrArray) devices = NULL;
  StartData *start;

  devices = mimp_client_session_fetch_keys_finish (MIMP_CLIENT_SESSION (object), result, &error);
  if (devices == NULL)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED))
        {
          g_clear_error (&error);
          request_in_band (task);
          return;
        }
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }
  if (devices->len == 0)
    {
      g_debug ("The peer published no keys; asking in-band");
      request_in_band (task);
      return;
    }
  /* One session per peer for now: the first device. (Each fetch took a
   * one-time prekey of every device; those of the others go unused.) */
  if (devices->len > 1)
    g_debug ("The peer has %u devices; a private chat uses the first one only", devices->len);
  start = g_new0 (StartData, 1);
  start->peer = g_strdup (ensure->peer);
  start->bundle = g_strdup (devices->pdata[0]);
  mimp_e2e_worker_run_async (ensure->worker, start_session_work, start, start_data_free, NULL,
                             g_task_get_cancellable (task), start_session_cb, task);
}

static void
has_session_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  EnsureData *ensure = g_task_get_task_data (task);
  GError *error = NULL;

  if (mimp_e2e_worker_run_finish (MIMP_E2E_WORKER (object), result, &error))
    {
      g_task_return_int (task, MIMP_E2E_KEYS_READY);
      g_object_unref (task);
      return;
    }
  if (error)
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }
  /* The features are known only once online. */
  if (mimp_client_session_get_state (ensure->session) != MIMP_SESSION_STATE_ONLINE)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_CONNECTED,
                               "Not connected: keys can be exchanged only online");
      g_object_unref (task);
      return;
    }
  if (!(mimp_client_session_get_features (ensure->session) & MIMP_FEATURE_KEYS))
    {
      request_in_band (task);
      return;
    }
  mimp_client_session_fetch_keys_async (ensure->session, ensure->peer,
                                        g_task_get_cancellable (task), fetch_keys_cb, task);
}

void
mimp_e2e_keys_ensure_session_async (MimpE2eWorker *worker, MimpClientSession *session,
                                    const char *peer, GCancellable *cancellable,
                                    GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr (GTask) task = NULL;
  EnsureData *ensure;

  g_return_if_fail (MIMP_IS_E2E_WORKER (worker));
  g_return_if_fail (MIMP_IS_CLIENT_SESSION (session));
  g_return_if_fail (peer != NULL);

  task = g_task_new (worker, cancellable, callback, user_data);
  g_task_set_source_tag (task, mimp_e2e_keys_ensure_session_async);
  ensure = g_new0 (EnsureData, 1);
  ensure->worker = g_object_ref (worker);
  ensure->session = g_object_ref (session);
  ensure->peer = g_strdup (peer);
  g_task_set_task_data (task, ensure, ensure_data_free);
  mimp_e2e_worker_run_async (worker, has_session_work, g_strdup (peer), g_free, NULL, cancellable,
                             has_session_cb, g_steal_pointer (&task));
}

MimpE2eKeysOutcome
mimp_e2e_keys_ensure_session_finish (GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (G_IS_TASK (result), MIMP_E2E_KEYS_WAITING);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) ==
                            mimp_e2e_keys_ensure_session_async,
                        MIMP_E2E_KEYS_WAITING);
  return (MimpE2eKeysOutcome) g_task_propagate_int (G_TASK (result), error);
}
