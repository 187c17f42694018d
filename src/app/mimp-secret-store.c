/* mimp-secret-store.c
 *
 * Every call is bounded by a timeout: a locked keyring whose prompt nobody
 * answers, or a Secret Service that never replies, ends in an error the
 * app can explain instead of a hang.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "mimp-secret-store"

#include "config.h"

#include <libsecret/secret.h>

#include "mimp-secret-store.h"

G_DEFINE_QUARK (mimp - secret - store - error - quark, mimp_secret_store_error)

struct _MimpSecretStore
{
  GObject parent_instance;
  guint timeout;
};

G_DEFINE_FINAL_TYPE (MimpSecretStore, mimp_secret_store, G_TYPE_OBJECT)

static const SecretSchema *
get_schema (void)
{
  static const SecretSchema schema = {
    APPLICATION_ID,
    SECRET_SCHEMA_NONE,
    {
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

static void
mimp_secret_store_class_init (MimpSecretStoreClass *klass)
{
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

void
mimp_secret_password_free (char *password)
{
  if (password != NULL)
    secret_password_free (password);
}

/* ------------------------------------------------------------------ */

typedef struct
{
  GCancellable *inner;
  GCancellable *outer;
  gulong outer_handler;
  guint timeout_id;
  guint timeout;
  gboolean timed_out;
  gboolean returned;
  GTask *task; /* not owned */
  GHashTable *attributes;
  char *label;
  char *password;
  SecretService *service;
} Op;

static void
op_free (gpointer data)
{
  Op *op = data;

  g_clear_handle_id (&op->timeout_id, g_source_remove);
  if (op->outer_handler)
    g_cancellable_disconnect (op->outer, op->outer_handler);
  g_clear_object (&op->outer);
  g_clear_object (&op->inner);
  g_clear_pointer (&op->attributes, g_hash_table_unref);
  g_free (op->label);
  if (op->password)
    secret_password_free (op->password);
  g_clear_object (&op->service);
  g_free (op);
}

static gboolean
op_timed_out (gpointer data)
{
  Op *op = data;

  op->timeout_id = 0;
  op->timed_out = TRUE;
  g_cancellable_cancel (op->inner);
  /* Answer now: libsecret may take its time to notice. */
  if (!op->returned)
    {
      op->returned = TRUE;
      g_task_return_new_error (op->task, MIMP_SECRET_STORE_ERROR, MIMP_SECRET_STORE_ERROR_TIMEOUT,
                               "The keyring did not answer within %u seconds", op->timeout);
    }
  return G_SOURCE_REMOVE;
}

static void
outer_cancelled (GCancellable *outer, gpointer data)
{
  g_cancellable_cancel (G_CANCELLABLE (data));
}

static GTask *
op_task_new (MimpSecretStore *self, gpointer source_tag, const char *server, guint16 port,
             const char *user, GCancellable *cancellable, GAsyncReadyCallback callback,
             gpointer user_data)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);
  Op *op = g_new0 (Op, 1);

  g_task_set_source_tag (task, source_tag);
  /* Cancellation is reported as our own error below. */
  g_task_set_check_cancellable (task, FALSE);

  op->inner = g_cancellable_new ();
  op->timeout = self->timeout;
  if (cancellable != NULL)
    {
      op->outer = g_object_ref (cancellable);
      op->outer_handler = g_cancellable_connect (cancellable, G_CALLBACK (outer_cancelled),
                                                 g_object_ref (op->inner), g_object_unref);
    }
  op->timeout_id = g_timeout_add_seconds (self->timeout, op_timed_out, op);
  op->attributes = secret_attributes_build (get_schema (), "server", server, "port", (int) port,
                                            "user", user, NULL);
  op->task = task;
  g_task_set_task_data (task, op, op_free);
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

/* ------------------------------------------------------------------ */
/* store                                                              */
/* ------------------------------------------------------------------ */

static void
store_done (GObject *source, GAsyncResult *result, gpointer data)
{
  g_autoptr (GTask) task = data;
  GError *error = NULL;

  if (!secret_password_store_finish (result, &error))
    op_return_error (task, error);
  else if (((Op *) g_task_get_task_data (task))->timed_out)
    op_return_error (task, NULL);
  else if (!op_set_returned (task))
    g_task_return_boolean (task, TRUE);
}

void
mimp_secret_store_store_async (MimpSecretStore *self, const char *server, guint16 port,
                               const char *user, const char *password, GCancellable *cancellable,
                               GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr (GTask) task = NULL;
  g_autofree char *label = NULL;
  Op *op;

  g_return_if_fail (MIMP_IS_SECRET_STORE (self));
  g_return_if_fail (server != NULL && user != NULL && password != NULL);

  task = op_task_new (self, mimp_secret_store_store_async, server, port, user, cancellable,
                      callback, user_data);
  op = g_task_get_task_data (task);
  /* Translators: the keyring item's label, e.g. "Mimp account alice@example.org" */
  label = g_strdup_printf ("Mimp account %s@%s", user, server);
  secret_password_storev (get_schema (), op->attributes, SECRET_COLLECTION_DEFAULT, label, password,
                          op->inner, store_done, g_steal_pointer (&task));
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
  if (error != NULL || op->timed_out)
    {
      op_return_error (task, error);
      return;
    }
  if (items == NULL)
    {
      if (!op_set_returned (task))
        g_task_return_pointer (task, NULL, NULL); /* nothing stored */
      return;
    }

  item = items->data;
  if (secret_item_get_locked (item))
    {
      /* The unlock prompt was declined or could not be shown. */
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
  g_list_free_full (items, g_object_unref);

  if (password == NULL)
    op_return_error (task, g_error_new_literal (SECRET_ERROR, SECRET_ERROR_PROTOCOL,
                                                "the stored password is not text"));
  else if (!op_set_returned (task))
    g_task_return_pointer (task, password, (GDestroyNotify) mimp_secret_password_free);
  else
    mimp_secret_password_free (password);
}

static void
lookup_got_service (GObject *source, GAsyncResult *result, gpointer data)
{
  g_autoptr (GTask) task = data;
  Op *op = g_task_get_task_data (task);
  GError *error = NULL;

  op->service = secret_service_get_finish (result, &error);
  if (op->service == NULL || op->timed_out)
    {
      op_return_error (task, error);
      return;
    }

  secret_service_search (op->service, get_schema (), op->attributes,
                         SECRET_SEARCH_UNLOCK | SECRET_SEARCH_LOAD_SECRETS | SECRET_SEARCH_ALL,
                         op->inner, lookup_searched, g_steal_pointer (&task));
}

void
mimp_secret_store_lookup_async (MimpSecretStore *self, const char *server, guint16 port,
                                const char *user, GCancellable *cancellable,
                                GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr (GTask) task = NULL;
  Op *op;

  g_return_if_fail (MIMP_IS_SECRET_STORE (self));
  g_return_if_fail (server != NULL && user != NULL);

  task = op_task_new (self, mimp_secret_store_lookup_async, server, port, user, cancellable,
                      callback, user_data);
  op = g_task_get_task_data (task);
  secret_service_get (SECRET_SERVICE_OPEN_SESSION, op->inner, lookup_got_service,
                      g_steal_pointer (&task));
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

  secret_password_clear_finish (result, &error);
  if (error != NULL || ((Op *) g_task_get_task_data (task))->timed_out)
    op_return_error (task, error);
  else if (!op_set_returned (task))
    g_task_return_boolean (task, TRUE);
}

void
mimp_secret_store_clear_async (MimpSecretStore *self, const char *server, guint16 port,
                               const char *user, GCancellable *cancellable,
                               GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr (GTask) task = NULL;
  Op *op;

  g_return_if_fail (MIMP_IS_SECRET_STORE (self));
  g_return_if_fail (server != NULL && user != NULL);

  task = op_task_new (self, mimp_secret_store_clear_async, server, port, user, cancellable,
                      callback, user_data);
  op = g_task_get_task_data (task);
  secret_password_clearv (get_schema (), op->attributes, op->inner, clear_done,
                          g_steal_pointer (&task));
}

gboolean
mimp_secret_store_clear_finish (MimpSecretStore *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}
