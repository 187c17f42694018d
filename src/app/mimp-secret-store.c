/* mimp-secret-store.c
 *
 * Every call is bounded by a timeout: a locked keyring whose prompt nobody
 * answers, or a Secret Service that never replies, ends in an error the
 * app can explain instead of a hang.
 *
 * gnome-keyring 42 aborts (gkd-secret-unlock.c, perform_next_unlock) when
 * a second unlock starts while an unlock prompt is open, and also when an
 * open unlock prompt is dismissed, which is what cancelling a libsecret
 * call does. So calls run one at a time, in the order they were made, and
 * a call that has started is never cancelled: when its timeout passes or
 * its caller cancels it, the caller gets its answer at once, and the call
 * keeps its place until libsecret returns (D-Bus calls end within D-Bus's
 * own timeout; only an open prompt can take longer, and while it is open
 * no other call may start). A queued call's timeout runs from the moment
 * it was made, so waiting for its turn never makes a caller wait longer.
 *
 * Passwords are keyed by protocol, server, port and user. Items stored before
 * accounts had a type carry no protocol: a MIMP lookup that finds nothing
 * looks for such an item and, when it finds one, gives it the protocol
 * attribute in place (the same item: nothing is copied or lost).
 *
 * The storage key of an account's private chats is an item of a schema of
 * its own, keyed by the account's id (which stays when the account moves to
 * another server), so that no password lookup or clear ever touches it.
 *
 * A lookup answered by its timeout goes on (see above), or still runs when
 * its turn comes if it was waiting for it: when it finds the password after all (the keyring was
 * unlocked late, or answered slowly), the store emits MimpSecretStore::password-found with it, so
 * that the account it was for can connect then instead of waiting for a restart.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "mimp-secret-store"

#include "config.h"

#include <libsecret/secret.h>
#include <string.h>

#include "mimp-secret-store.h"

/* clang-format would put spaces around the hyphens, and the macro
 * registers the name as written. */
// clang-format off
G_DEFINE_QUARK (mimp-secret-store-error-quark, mimp_secret_store_error)
// clang-format on

struct _MimpSecretStore
{
  GObject parent_instance;
  guint timeout;
  GQueue pending;  /* of owned GTask, not started yet */
  GTask *running;  /* owned; the call libsecret is working on */
  guint in_flight; /* 0 or 1 */
  guint max_in_flight;
};

G_DEFINE_FINAL_TYPE (MimpSecretStore, mimp_secret_store, G_TYPE_OBJECT)

enum
{
  PASSWORD_FOUND,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static const SecretSchema *
get_schema (void)
{
  static const SecretSchema schema = {
    APPLICATION_ID,
    SECRET_SCHEMA_NONE,
    {
        { "protocol", SECRET_SCHEMA_ATTRIBUTE_STRING },
        { "server", SECRET_SCHEMA_ATTRIBUTE_STRING },
        { "port", SECRET_SCHEMA_ATTRIBUTE_INTEGER },
        { "user", SECRET_SCHEMA_ATTRIBUTE_STRING },
        { NULL, 0 },
    },
    0,
    NULL,
    NULL,
    NULL,
    NULL,
    NULL,
    NULL,
    NULL,
  };
  return &schema;
}

static const SecretSchema *
get_key_schema (void)
{
  static const SecretSchema schema = {
    APPLICATION_ID ".StorageKey",
    SECRET_SCHEMA_NONE,
    {
        { "account", SECRET_SCHEMA_ATTRIBUTE_STRING },
        { "kind", SECRET_SCHEMA_ATTRIBUTE_STRING },
        { NULL, 0 },
    },
    0,
    NULL,
    NULL,
    NULL,
    NULL,
    NULL,
    NULL,
    NULL,
  };
  return &schema;
}

#define KEY_KIND "e2e-storage-key"

/* Items stored before accounts had a type were all MIMP accounts. */
#define LEGACY_PROTOCOL "mimp"

static void
mimp_secret_store_dispose (GObject *object)
{
  MimpSecretStore *self = MIMP_SECRET_STORE (object);

  /* Every call holds a reference on the store: nothing is queued here. */
  g_assert (self->running == NULL && g_queue_is_empty (&self->pending));
  G_OBJECT_CLASS (mimp_secret_store_parent_class)->dispose (object);
}

static void
mimp_secret_store_class_init (MimpSecretStoreClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = mimp_secret_store_dispose;

  /**
   * MimpSecretStore::password-found:
   * @protocol: the account type's id
   * @server: the server's host
   * @port: the server's port
   * @user: the user name
   * @password: the password (never to be logged)
   *
   * A lookup whose caller got a timeout error found the password after
   * all.
   */
  signals[PASSWORD_FOUND] = g_signal_new (
      "password-found", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
      G_TYPE_NONE, 5, G_TYPE_STRING, G_TYPE_STRING, G_TYPE_UINT, G_TYPE_STRING, G_TYPE_STRING);
}

static void
mimp_secret_store_init (MimpSecretStore *self)
{
  self->timeout = MIMP_SECRET_STORE_DEFAULT_TIMEOUT;
}

MimpSecretStore *
mimp_secret_store_new (void)
{
  return g_object_new (MIMP_TYPE_SECRET_STORE, NULL);
}

void
mimp_secret_store_set_timeout (MimpSecretStore *self, guint seconds)
{
  g_return_if_fail (MIMP_IS_SECRET_STORE (self));
  self->timeout = MAX (1, seconds);
}

guint
mimp_secret_store_get_timeout (MimpSecretStore *self)
{
  g_return_val_if_fail (MIMP_IS_SECRET_STORE (self), 0);
  return self->timeout;
}

/**
 * mimp_secret_store_get_in_flight:
 *
 * For tests: how many calls the Secret Service is working on now (0 or 1),
 * and through @max_in_flight the most there ever were at once.
 */
guint
mimp_secret_store_get_in_flight (MimpSecretStore *self, guint *max_in_flight)
{
  g_return_val_if_fail (MIMP_IS_SECRET_STORE (self), 0);
  if (max_in_flight != NULL)
    *max_in_flight = self->max_in_flight;
  return self->in_flight;
}

/**
 * mimp_secret_store_get_n_pending:
 *
 * For tests: how many calls wait for their turn.
 */
guint
mimp_secret_store_get_n_pending (MimpSecretStore *self)
{
  g_return_val_if_fail (MIMP_IS_SECRET_STORE (self), 0);
  return self->pending.length;
}

void
mimp_secret_password_free (char *password)
{
  if (password != NULL)
    secret_password_free (password);
}

/* ------------------------------------------------------------------ */

typedef void (*OpStartFunc) (GTask *task);

typedef struct
{
  OpStartFunc start;
  gboolean started;
  guint cancel_idle_id;
  GCancellable *outer;
  gulong outer_handler;
  guint timeout_id;
  guint timeout;
  gboolean timed_out;
  gboolean returned;
  GTask *task; /* not owned */
  const SecretSchema *schema;
  GHashTable *attributes;
  char *label;
  char *password;
  SecretService *service;
  gboolean legacy; /* looking for an item stored without a protocol */
  SecretItem *item;
} Op;

static void
op_free (gpointer data)
{
  Op *op = data;

  g_clear_handle_id (&op->timeout_id, g_source_remove);
  g_clear_handle_id (&op->cancel_idle_id, g_source_remove);
  if (op->outer_handler)
    g_cancellable_disconnect (op->outer, op->outer_handler);
  g_clear_object (&op->outer);
  g_clear_pointer (&op->attributes, g_hash_table_unref);
  g_free (op->label);
  if (op->password)
    secret_password_free (op->password);
  g_clear_object (&op->service);
  g_clear_object (&op->item);
  g_free (op);
}

static void start_next (MimpSecretStore *self);
static void lookup_start (GTask *task);

/* A password lookup that timed out before its turn still runs when its
 * turn comes: what it finds goes to MimpSecretStore::password-found. */
static gboolean
op_runs_late (Op *op)
{
  return op->timed_out && op->start == lookup_start &&
         !(op->outer != NULL && g_cancellable_is_cancelled (op->outer));
}

/* libsecret called back: the next call may start. */
static void
op_release (GTask *task)
{
  MimpSecretStore *self = g_task_get_source_object (task);

  if (self->running != task)
    return;
  self->in_flight--;
  g_clear_object (&self->running);
  start_next (self);
}

/* Removes a call that has not started from the queue. */
static void
op_dequeue (GTask *task)
{
  MimpSecretStore *self = g_task_get_source_object (task);
  GList *link = g_queue_find (&self->pending, task);

  if (link != NULL)
    {
      g_queue_delete_link (&self->pending, link);
      g_object_unref (task);
    }
}

static gboolean
op_timed_out (gpointer data)
{
  GTask *task = data;
  Op *op = g_task_get_task_data (task);

  op->timeout_id = 0;
  op->timed_out = TRUE;
  /* Answer now; a started call goes on (see the top of this file). */
  if (!op->returned)
    {
      op->returned = TRUE;
      g_task_return_new_error (task, MIMP_SECRET_STORE_ERROR, MIMP_SECRET_STORE_ERROR_TIMEOUT,
                               "The keyring did not answer within %u seconds", op->timeout);
    }
  if (!op->started && !op_runs_late (op))
    op_dequeue (task);
  return G_SOURCE_REMOVE;
}

/* The caller cancelled: it gets its answer now; a call that has started
 * goes on (see the top of this file). */
static gboolean
op_cancel (gpointer data)
{
  GTask *task = data;
  Op *op = g_task_get_task_data (task);

  op->cancel_idle_id = 0;
  if (!op->returned)
    {
      op->returned = TRUE;
      g_clear_handle_id (&op->timeout_id, g_source_remove);
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED, "Cancelled");
    }
  if (!op->started)
    op_dequeue (task);
  return G_SOURCE_REMOVE;
}

/* May run in the middle of g_cancellable_connect() or of another thread's
 * g_cancellable_cancel(): leaves the work to the main context. */
static void
outer_cancelled (GCancellable *outer, gpointer data)
{
  GTask *task = data;
  Op *op = g_task_get_task_data (task);

  if (op->cancel_idle_id == 0)
    op->cancel_idle_id =
        g_idle_add_full (G_PRIORITY_DEFAULT, op_cancel, g_object_ref (task), g_object_unref);
}

static void
start_next (MimpSecretStore *self)
{
  while (self->running == NULL && !g_queue_is_empty (&self->pending))
    {
      GTask *task = g_queue_pop_head (&self->pending);
      Op *op = g_task_get_task_data (task);

      if (op->returned && !op_runs_late (op))
        {
          g_object_unref (task);
          continue;
        }
      self->running = task;
      self->in_flight++;
      self->max_in_flight = MAX (self->max_in_flight, self->in_flight);
      op->started = TRUE;
      op->start (task);
    }
}

/* Waits for its turn, then runs op->start. */
static void
op_enqueue (GTask *task)
{
  MimpSecretStore *self = g_task_get_source_object (task);

  g_queue_push_tail (&self->pending, g_object_ref (task));
  start_next (self);
}

static GTask *
op_task_new (MimpSecretStore *self, gpointer source_tag, OpStartFunc start, const char *protocol,
             const char *server, guint16 port, const char *user, GCancellable *cancellable,
             GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);
  Op *op = g_new0 (Op, 1);

  g_task_set_source_tag (task, source_tag);
  /* Cancellation is reported as our own error below. */
  g_task_set_check_cancellable (task, FALSE);

  op->start = start;
  op->timeout = self->timeout;
  op->schema = get_schema ();
  if (protocol != NULL)
    op->attributes = secret_attributes_build (get_schema (), "protocol", protocol, "server", server,
                                              "port", (int) port, "user", user, NULL);
  op->task = task;
  g_task_set_task_data (task, op, op_free);
  /* Both hold the task without a reference: op_free removes them. */
  op->timeout_id = g_timeout_add_seconds (self->timeout, op_timed_out, task);
  if (cancellable != NULL)
    {
      op->outer = g_object_ref (cancellable);
      op->outer_handler =
          g_cancellable_connect (cancellable, G_CALLBACK (outer_cancelled), task, NULL);
    }
  return task;
}

/* Returns whether the task was answered already (by the timeout), and
 * marks it answered. */
static gboolean
op_set_returned (GTask *task)
{
  Op *op = g_task_get_task_data (task);
  gboolean was = op->returned;

  op->returned = TRUE;
  g_clear_handle_id (&op->timeout_id, g_source_remove);
  return was;
}

/* Turns what libsecret reported into an error a person can act on. */
static void
op_return_error (GTask *task, GError *error)
{
  Op *op = g_task_get_task_data (task);
  GError *mapped;

  if (op->returned)
    {
      g_clear_error (&error);
      return;
    }
  op->returned = TRUE;
  if (op->timed_out)
    mapped = g_error_new (MIMP_SECRET_STORE_ERROR, MIMP_SECRET_STORE_ERROR_TIMEOUT,
                          "The keyring did not answer within %u seconds", op->timeout);
  else if (op->outer != NULL && g_cancellable_is_cancelled (op->outer))
    mapped = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED, "Cancelled");
  else if (g_error_matches (error, SECRET_ERROR, SECRET_ERROR_IS_LOCKED) ||
           g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    mapped = g_error_new_literal (MIMP_SECRET_STORE_ERROR, MIMP_SECRET_STORE_ERROR_LOCKED,
                                  "The keyring is locked");
  else if (error != NULL && (error->domain == G_DBUS_ERROR || error->domain == G_IO_ERROR))
    mapped = g_error_new (MIMP_SECRET_STORE_ERROR, MIMP_SECRET_STORE_ERROR_UNAVAILABLE,
                          "No keyring is available (%s)", error->message);
  else
    mapped = g_error_new (MIMP_SECRET_STORE_ERROR, MIMP_SECRET_STORE_ERROR_FAILED,
                          "The keyring failed: %s", error ? error->message : "unknown error");

  g_clear_error (&error);
  g_task_return_error (task, mapped);
}

/* Answers a lookup with @password (taken), or, when its caller had its
 * timeout error already, tells whoever listens that it came late (not
 * when the caller cancelled: it no longer wants it). */
static void
op_return_password (GTask *task, char *password)
{
  Op *op = g_task_get_task_data (task);
  MimpSecretStore *self = g_task_get_source_object (task);

  if (!op_set_returned (task))
    {
      g_task_return_pointer (task, password, (GDestroyNotify) mimp_secret_password_free);
      return;
    }
  if (op->timed_out && !(op->outer != NULL && g_cancellable_is_cancelled (op->outer)))
    {
      const char *port = g_hash_table_lookup (op->attributes, "port");

      g_debug ("A password lookup answered after its timeout");
      g_signal_emit (self, signals[PASSWORD_FOUND], 0,
                     op->legacy ? LEGACY_PROTOCOL
                                : g_hash_table_lookup (op->attributes, "protocol"),
                     g_hash_table_lookup (op->attributes, "server"),
                     port ? (guint) g_ascii_strtoull (port, NULL, 10) : 0,
                     g_hash_table_lookup (op->attributes, "user"), password);
    }
  mimp_secret_password_free (password);
}

/* ------------------------------------------------------------------ */
/* store                                                              */
/* ------------------------------------------------------------------ */

static void
store_done (GObject *source, GAsyncResult *result, gpointer data)
{
  g_autoptr (GTask) task = data;
  GError *error = NULL;

  op_release (task);
  if (!secret_password_store_finish (result, &error))
    op_return_error (task, error);
  else if (((Op *) g_task_get_task_data (task))->timed_out)
    op_return_error (task, NULL);
  else if (!op_set_returned (task))
    g_task_return_boolean (task, TRUE);
}

static void
store_start (GTask *task)
{
  Op *op = g_task_get_task_data (task);

  secret_password_storev (op->schema, op->attributes, SECRET_COLLECTION_DEFAULT, op->label,
                          op->password, NULL, store_done, g_object_ref (task));
}

void
mimp_secret_store_store_async (MimpSecretStore *self, const char *protocol, const char *server,
                               guint16 port, const char *user, const char *password,
                               GCancellable *cancellable, GAsyncReadyCallback callback,
                               gpointer user_data)
{
  g_autoptr (GTask) task = NULL;
  Op *op;

  g_return_if_fail (MIMP_IS_SECRET_STORE (self));
  g_return_if_fail (protocol != NULL && server != NULL && user != NULL && password != NULL);

  task = op_task_new (self, mimp_secret_store_store_async, store_start, protocol, server, port,
                      user, cancellable, callback, user_data);
  op = g_task_get_task_data (task);
  /* The keyring item's label, e.g. "Mimp account alice@example.org" */
  op->label = g_strdup_printf ("Mimp account %s@%s", user, server);
  /* Kept until its turn comes; wiped when freed. */
  op->password = g_strdup (password);
  op_enqueue (task);
}

gboolean
mimp_secret_store_store_finish (MimpSecretStore *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* ------------------------------------------------------------------ */
/* lookup: service, search (unlocking), then the secret                */
/* ------------------------------------------------------------------ */

/* Of what a search without the protocol found, only items without one. */
static GList *
keep_legacy_items (GList *items)
{
  GList *kept = NULL;

  for (GList *l = items; l != NULL; l = l->next)
    {
      g_autoptr (GHashTable) attributes = secret_item_get_attributes (l->data);

      if (g_hash_table_contains (attributes, "protocol"))
        g_object_unref (l->data);
      else
        kept = g_list_prepend (kept, l->data);
    }
  g_list_free (items);
  return g_list_reverse (kept);
}

static void
legacy_migrated (GObject *source, GAsyncResult *result, gpointer data)
{
  g_autoptr (GTask) task = data;
  Op *op = g_task_get_task_data (task);
  g_autoptr (GError) error = NULL;
  char *password = g_steal_pointer (&op->password);

  op_release (task);
  if (!secret_item_set_attributes_finish (SECRET_ITEM (source), result, &error))
    g_message ("Could not give a keyring item its protocol: %s", error->message);
  else
    g_debug ("Gave a keyring item from an older version its protocol");
  op_return_password (task, password);
}

static void
lookup_searched (GObject *source, GAsyncResult *result, gpointer data)
{
  g_autoptr (GTask) task = data;
  Op *op = g_task_get_task_data (task);
  GError *error = NULL;
  GList *items;
  SecretItem *item;
  SecretValue *value;
  char *password = NULL;

  items = secret_service_search_finish (SECRET_SERVICE (source), result, &error);
  if (error == NULL && op->legacy)
    items = keep_legacy_items (items);
  if (error == NULL && items == NULL && !op->legacy &&
      g_strcmp0 (g_hash_table_lookup (op->attributes, "protocol"), LEGACY_PROTOCOL) == 0)
    {
      /* Perhaps stored before accounts had a type: look once more (the
       * call keeps its place). */
      op->legacy = TRUE;
      g_hash_table_remove (op->attributes, "protocol");
      secret_service_search (op->service, op->schema, op->attributes,
                             SECRET_SEARCH_UNLOCK | SECRET_SEARCH_LOAD_SECRETS | SECRET_SEARCH_ALL,
                             NULL, lookup_searched, g_steal_pointer (&task));
      return;
    }
  if (error != NULL)
    {
      op_release (task);
      g_list_free_full (items, g_object_unref);
      op_return_error (task, error);
      return;
    }
  if (items == NULL)
    {
      op_release (task);
      if (!op_set_returned (task))
        g_task_return_pointer (task, NULL, NULL); /* nothing stored */
      return;
    }

  item = items->data;
  if (secret_item_get_locked (item))
    {
      /* The unlock prompt was declined or could not be shown. */
      op_release (task);
      g_list_free_full (items, g_object_unref);
      op_return_error (task, g_error_new_literal (SECRET_ERROR, SECRET_ERROR_IS_LOCKED, "locked"));
      return;
    }

  value = secret_item_get_secret (item);
  if (value != NULL)
    {
      password = g_strdup (secret_value_get_text (value));
      secret_value_unref (value);
    }
  if (op->legacy && password != NULL)
    {
      /* Give the old item its protocol, then answer. */
      g_autoptr (GHashTable) attributes = secret_item_get_attributes (item);

      g_hash_table_insert (attributes, g_strdup ("protocol"), g_strdup (LEGACY_PROTOCOL));
      op->item = g_object_ref (item);
      op->password = password;
      g_list_free_full (items, g_object_unref);
      secret_item_set_attributes (op->item, get_schema (), attributes, NULL, legacy_migrated,
                                  g_object_ref (task));
      return;
    }
  g_list_free_full (items, g_object_unref);
  op_release (task);

  if (password == NULL)
    op_return_error (task, g_error_new_literal (SECRET_ERROR, SECRET_ERROR_PROTOCOL,
                                                "the stored password is not text"));
  else
    op_return_password (task, password);
}

static void
lookup_got_service (GObject *source, GAsyncResult *result, gpointer data)
{
  g_autoptr (GTask) task = data;
  Op *op = g_task_get_task_data (task);
  GError *error = NULL;

  op->service = secret_service_get_finish (result, &error);
  /* Timed out, it goes on: the password may still come (see the top). */
  if (op->service == NULL)
    {
      op_release (task);
      op_return_error (task, error);
      return;
    }

  secret_service_search (op->service, op->schema, op->attributes,
                         SECRET_SEARCH_UNLOCK | SECRET_SEARCH_LOAD_SECRETS | SECRET_SEARCH_ALL,
                         NULL, lookup_searched, g_steal_pointer (&task));
}

static void
lookup_start (GTask *task)
{
  secret_service_get (SECRET_SERVICE_OPEN_SESSION, NULL, lookup_got_service, g_object_ref (task));
}

void
mimp_secret_store_lookup_async (MimpSecretStore *self, const char *protocol, const char *server,
                                guint16 port, const char *user, GCancellable *cancellable,
                                GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr (GTask) task = NULL;

  g_return_if_fail (MIMP_IS_SECRET_STORE (self));
  g_return_if_fail (protocol != NULL && server != NULL && user != NULL);

  task = op_task_new (self, mimp_secret_store_lookup_async, lookup_start, protocol, server, port,
                      user, cancellable, callback, user_data);
  op_enqueue (task);
}

/**
 * mimp_secret_store_lookup_finish:
 *
 * Returns: (transfer full) (nullable): the password (free it with
 *   mimp_secret_password_free()), or %NULL without an error when none is
 *   stored
 */
char *
mimp_secret_store_lookup_finish (MimpSecretStore *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ------------------------------------------------------------------ */
/* clear                                                              */
/* ------------------------------------------------------------------ */

static void
clear_done (GObject *source, GAsyncResult *result, gpointer data)
{
  g_autoptr (GTask) task = data;
  GError *error = NULL;

  op_release (task);
  secret_password_clear_finish (result, &error);
  if (error != NULL || ((Op *) g_task_get_task_data (task))->timed_out)
    op_return_error (task, error);
  else if (!op_set_returned (task))
    g_task_return_boolean (task, TRUE);
}

static void
clear_start (GTask *task)
{
  Op *op = g_task_get_task_data (task);

  secret_password_clearv (op->schema, op->attributes, NULL, clear_done, g_object_ref (task));
}

void
mimp_secret_store_clear_async (MimpSecretStore *self, const char *protocol, const char *server,
                               guint16 port, const char *user, GCancellable *cancellable,
                               GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr (GTask) task = NULL;

  g_return_if_fail (MIMP_IS_SECRET_STORE (self));
  g_return_if_fail (protocol != NULL && server != NULL && user != NULL);

  task = op_task_new (self, mimp_secret_store_clear_async, clear_start, protocol, server, port,
                      user, cancellable, callback, user_data);
  op_enqueue (task);
}

gboolean
mimp_secret_store_clear_finish (MimpSecretStore *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* ------------------------------------------------------------------ */
/* The storage key of private chats                                   */
/* ------------------------------------------------------------------ */

/* Wipes a key's bytes before freeing them. */
static void
key_free (gpointer data)
{
  memset (data, 0, MIMP_SECRET_STORE_KEY_SIZE);
  g_free (data);
}

static GTask *
key_task_new (MimpSecretStore *self, gpointer source_tag, OpStartFunc start, const char *account_id,
              GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task =
      op_task_new (self, source_tag, start, NULL, NULL, 0, NULL, cancellable, callback, user_data);
  Op *op = g_task_get_task_data (task);

  op->schema = get_key_schema ();
  op->attributes =
      secret_attributes_build (op->schema, "account", account_id, "kind", KEY_KIND, NULL);
  return task;
}

/**
 * mimp_secret_store_store_key_async:
 * @account_id: the account whose private chats @key opens
 * @name: the account as people know it (for the item's label)
 * @key: the storage key (stored as base64 text)
 *
 * Keeps the storage key of an account's private chats, replacing one
 * stored before.
 */
void
mimp_secret_store_store_key_async (MimpSecretStore *self, const char *account_id, const char *name,
                                   GBytes *key, GCancellable *cancellable,
                                   GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr (GTask) task = NULL;
  Op *op;
  gsize size;
  const guchar *data;

  g_return_if_fail (MIMP_IS_SECRET_STORE (self));
  g_return_if_fail (account_id != NULL && name != NULL && key != NULL);

  task = key_task_new (self, mimp_secret_store_store_key_async, store_start, account_id,
                       cancellable, callback, user_data);
  op = g_task_get_task_data (task);
  /* The keyring item's label, e.g. "Mimp private chats of alice@example.org" */
  op->label = g_strdup_printf ("Mimp private chats of %s", name);
  data = g_bytes_get_data (key, &size);
  op->password = g_base64_encode (data, size);
  op_enqueue (task);
}

gboolean
mimp_secret_store_store_key_finish (MimpSecretStore *self, GAsyncResult *result, GError **error)
{
  return mimp_secret_store_store_finish (self, result, error);
}

/**
 * mimp_secret_store_lookup_key_async:
 *
 * Finds the storage key of @account_id's private chats.
 */
void
mimp_secret_store_lookup_key_async (MimpSecretStore *self, const char *account_id,
                                    GCancellable *cancellable, GAsyncReadyCallback callback,
                                    gpointer user_data)
{
  g_autoptr (GTask) task = NULL;

  g_return_if_fail (MIMP_IS_SECRET_STORE (self));
  g_return_if_fail (account_id != NULL);

  task = key_task_new (self, mimp_secret_store_lookup_key_async, lookup_start, account_id,
                       cancellable, callback, user_data);
  op_enqueue (task);
}

/**
 * mimp_secret_store_lookup_key_finish:
 *
 * Returns: (transfer full) (nullable): the key, or %NULL without an error
 *   when none is stored
 */
GBytes *
mimp_secret_store_lookup_key_finish (MimpSecretStore *self, GAsyncResult *result, GError **error)
{
  g_autoptr (GError) local_error = NULL;
  char *text;
  guchar *data;
  gsize size = 0;

  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  text = g_task_propagate_pointer (G_TASK (result), &local_error);
  if (text == NULL)
    {
      if (local_error != NULL)
        g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }
  /* Whatever the item holds, only a well-formed key is handed on. */
  data = g_base64_decode (text, &size);
  mimp_secret_password_free (text);
  if (size != MIMP_SECRET_STORE_KEY_SIZE)
    {
      if (data != NULL)
        memset (data, 0, size);
      g_free (data);
      g_set_error_literal (error, MIMP_SECRET_STORE_ERROR, MIMP_SECRET_STORE_ERROR_FAILED,
                           "The keyring holds a damaged key for private chats");
      return NULL;
    }
  return g_bytes_new_with_free_func (data, size, key_free, data);
}

void
mimp_secret_store_clear_key_async (MimpSecretStore *self, const char *account_id,
                                   GCancellable *cancellable, GAsyncReadyCallback callback,
                                   gpointer user_data)
{
  g_autoptr (GTask) task = NULL;

  g_return_if_fail (MIMP_IS_SECRET_STORE (self));
  g_return_if_fail (account_id != NULL);

  task = key_task_new (self, mimp_secret_store_clear_key_async, clear_start, account_id,
                       cancellable, callback, user_data);
  op_enqueue (task);
}
