/* mimp-e2e-worker.h - runs calls on a MimpE2e on one thread of its own, in
 * the order they were made, so the main loop never waits for a database
 * commit or a key computation.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "mimp-e2e.h"

G_BEGIN_DECLS

/* Runs on the worker thread with the MimpE2e; returns a result (or NULL
 * with @error set, or NULL for "nothing" without error). */
typedef gpointer (*MimpE2eWorkFunc) (MimpE2e *e2e, gpointer data, GError **error);

#define MIMP_TYPE_E2E_WORKER (mimp_e2e_worker_get_type ())
G_DECLARE_FINAL_TYPE (MimpE2eWorker, mimp_e2e_worker, MIMP, E2E_WORKER, GObject)

/* Takes @e2e over: from now on only the worker's thread touches it. */
MimpE2eWorker *mimp_e2e_worker_new (MimpE2e *e2e);

/* Calls @func (@e2e, @data) on the worker thread; @callback runs on the
 * caller's thread-default main context. @data_free frees @data after the
 * call; @result_free frees a result nobody collected. */
void mimp_e2e_worker_run_async (MimpE2eWorker *self, MimpE2eWorkFunc func, gpointer data,
                                GDestroyNotify data_free, GDestroyNotify result_free,
                                GCancellable *cancellable, GAsyncReadyCallback callback,
                                gpointer user_data);
gpointer mimp_e2e_worker_run_finish (MimpE2eWorker *self, GAsyncResult *result, GError **error);

/* Waits for every call made so far, then closes the MimpE2e (blocking; at
 * shutdown). */
void mimp_e2e_worker_close (MimpE2eWorker *self);

G_END_DECLS
