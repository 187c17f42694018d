/* mimp-e2e-worker.c - one thread that owns a MimpE2e and runs the calls
 * made on it in order; each result goes back to the caller's thread-default
 * main context through a GTask.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "mimp-e2e"

#include "config.h"

#include "mimp-e2e-worker.h"

struct _MimpE2eWorker
{
  GObject parent_instance;

  MimpE2e *e2e;
  GThread *thread;
  GAsyncQueue *queue;
  gboolean closed;
};

G_DEFINE_FINAL_TYPE (MimpE2eWorker, mimp_e2e_worker, G_TYPE_OBJECT)

typedef struct
{
  MimpE2eWorkFunc func;
  gpointer data;
  GDestroyNotify data_free;
  GDestroyNotify result_free;
  GTask *task;
  gboolean stop;
} WorkItem;

static void
work_item_free (WorkItem *item)
{
  if (item->data_free != NULL && item->data != NULL)
    item->data_free (item->data);
  g_clear_object (&item->task);
  g_free (item);
}

static gpointer
worker_thread (gpointer user_data)
{
  MimpE2eWorker *self = user_data;

  for (;;)
    {
      WorkItem *item = g_async_queue_pop (self->queue);
      GError *error = NULL;
      gpointer result;

      if (item->stop)
        {
          g_free (item);
          break;
        }
      if (g_task_return_error_if_cancelled (item->task))
        {
          work_item_free (item);
          continue;
        }
      result = item->func (self->e2e, item->data, &error);
      if (error != NULL)
        g_task_return_error (item->task, error);
      else
        g_task_return_pointer (item->task, result, item->result_free);
      work_item_free (item);
    }
  return NULL;
}

static void
mimp_e2e_worker_finalize (GObject *object)
{
  MimpE2eWorker *self = MIMP_E2E_WORKER (object);

  mimp_e2e_worker_close (self);
  g_async_queue_unref (self->queue);

  G_OBJECT_CLASS (mimp_e2e_worker_parent_class)->finalize (object);
}

static void
mimp_e2e_worker_class_init (MimpE2eWorkerClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = mimp_e2e_worker_finalize;
}

static void
mimp_e2e_worker_init (MimpE2eWorker *self)
{
  self->queue = g_async_queue_new ();
}

MimpE2eWorker *
mimp_e2e_worker_new (MimpE2e *e2e)
{
  MimpE2eWorker *self;

  g_return_val_if_fail (MIMP_IS_E2E (e2e), NULL);

  self = g_object_new (MIMP_TYPE_E2E_WORKER, NULL);
  self->e2e = g_object_ref (e2e);
  self->thread = g_thread_new ("mimp-e2e", worker_thread, self);
  return self;
}

void
mimp_e2e_worker_run_async (MimpE2eWorker *self, MimpE2eWorkFunc func, gpointer data,
                           GDestroyNotify data_free, GDestroyNotify result_free,
                           GCancellable *cancellable, GAsyncReadyCallback callback,
                           gpointer user_data)
{
  WorkItem *item;

  g_return_if_fail (MIMP_IS_E2E_WORKER (self));
  g_return_if_fail (func != NULL);

  item = g_new0 (WorkItem, 1);
  item->func = func;
  item->data = data;
  item->data_free = data_free;
  item->result_free = result_free;
  item->task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (item->task, mimp_e2e_worker_run_async);
  if (self->closed)
    {
      g_task_return_new_error (item->task, G_IO_ERROR, G_IO_ERROR_CLOSED,
                               "The private-chat worker is closed");
      work_item_free (item);
      return;
    }
  g_async_queue_push (self->queue, item);
}

gpointer
mimp_e2e_worker_run_finish (MimpE2eWorker *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

void
mimp_e2e_worker_close (MimpE2eWorker *self)
{
  WorkItem *stop;

  g_return_if_fail (MIMP_IS_E2E_WORKER (self));

  if (self->closed)
    return;
  self->closed = TRUE;
  stop = g_new0 (WorkItem, 1);
  stop->stop = TRUE;
  g_async_queue_push (self->queue, stop);
  g_thread_join (self->thread);
  self->thread = NULL;
  g_clear_object (&self->e2e);
}
