/* mimpd-hub.c
 *
 * Commit groups: the first write opens a transaction and schedules an idle
 * callback at G_PRIORITY_DEFAULT_IDLE. Reads from sockets run at the default
 * priority, so every request that is already readable on any connection is
 * handled (and written into the same transaction) before the group commits.
 * Under load many sends share one commit; alone, a send commits at once.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "mimpd"

#include "config.h"

#include "mimpd-hub.h"
#include "mimpd-password.h"
#include "mimpd-session.h"

/* A group commits at the latest after this many writes, so one transaction
 * (and the replies it holds) stays small under heavy load. */
#define MAX_GROUP_WRITES 2000

/* ... and at the latest this long after its first write, even when the main
 * loop never goes idle (a flood of connections keeps the listener ready at
 * the default priority and would starve the idle commit forever). */
#define MAX_GROUP_DELAY_MS 20

typedef struct
{
  MimpdSession *session;
  gpointer slot;
} Waiter;

typedef struct
{
  char *id;
  gint64 timestamp;
} PendingSend;

typedef struct
{
  MimpdHub *hub;
  MimpdSession *session;
  gpointer slot;
  char *password;
  char *hash;
} LoginJob;

struct _MimpdHub
{
  MimpdStore *store;
  MimpdThrottle *throttle;
  guint32 max_body;
  gboolean extensions;
  MimpdRateLimit *key_fetches;
  MimpdRateLimit *ephemeral;

  gboolean in_group;
  gboolean in_read; /* the wake-ups after a commit read in one transaction */
  guint group_writes;
  guint commit_source;
  guint commit_deadline;
  GArray *awaiting;          /* of Waiter, released at commit */
  GHashTable *pending_sends; /* "sender\nclient id" -> PendingSend */
  GHashTable *dirty;         /* recipients written in this group */
  gint64 group_first_seq;    /* of the first message written in it, or 0 */
  guint64 commits;

  GHashTable *waiters; /* user -> GQueue of Waiter* */
  GHashTable *pushers; /* user -> GPtrArray of MimpdSession (push connections) */

  GQueue logins; /* of LoginJob, not started yet */
  guint logins_running;
  guint logins_max;
};

static void
pending_send_free (PendingSend *p)
{
  g_free (p->id);
  g_free (p);
}

static void
waiter_queue_free (GQueue *queue)
{
  Waiter *w;

  while ((w = g_queue_pop_head (queue)))
    {
      mimpd_session_unref (w->session);
      g_free (w);
    }
  g_queue_free (queue);
}

MimpdHub *
mimpd_hub_new (MimpdStore *store, guint32 max_body)
{
  MimpdHub *hub = g_new0 (MimpdHub, 1);

  hub->store = store;
  hub->throttle = mimpd_throttle_new ();
  hub->max_body = max_body;
  hub->extensions = TRUE;
  hub->key_fetches = mimpd_rate_limit_new (MIMPD_KEY_FETCH_RATE_DEFAULT, 60 * G_USEC_PER_SEC);
  hub->ephemeral = mimpd_rate_limit_new (MIMPD_EPHEMERAL_RATE_DEFAULT, G_USEC_PER_SEC);
  hub->awaiting = g_array_new (FALSE, FALSE, sizeof (Waiter));
  hub->pending_sends =
      g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) pending_send_free);
  hub->dirty = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  hub->waiters =
      g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) waiter_queue_free);
  hub->pushers =
      g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) g_ptr_array_unref);
  g_queue_init (&hub->logins);
  hub->logins_max = CLAMP (g_get_num_processors (), 2, 8);
  return hub;
}

void
mimpd_hub_free (MimpdHub *hub)
{
  if (hub == NULL)
    return;
  mimpd_hub_flush (hub);
  g_clear_handle_id (&hub->commit_source, g_source_remove);
  g_clear_handle_id (&hub->commit_deadline, g_source_remove);
  g_array_unref (hub->awaiting);
  g_hash_table_unref (hub->pending_sends);
  g_hash_table_unref (hub->dirty);
  g_hash_table_unref (hub->waiters);
  g_hash_table_unref (hub->pushers);
  mimpd_throttle_free (hub->throttle);
  mimpd_rate_limit_free (hub->key_fetches);
  mimpd_rate_limit_free (hub->ephemeral);
  g_free (hub);
}

MimpdStore *
mimpd_hub_get_store (MimpdHub *hub)
{
  return hub->store;
}

MimpdThrottle *
mimpd_hub_get_throttle (MimpdHub *hub)
{
  return hub->throttle;
}

guint32
mimpd_hub_get_max_body (MimpdHub *hub)
{
  return hub->max_body;
}

void
mimpd_hub_set_extensions (MimpdHub *hub, gboolean enabled)
{
  hub->extensions = !!enabled;
}

gboolean
mimpd_hub_get_extensions (MimpdHub *hub)
{
  return hub->extensions;
}

void
mimpd_hub_set_rates (MimpdHub *hub, guint key_fetches_per_minute, guint ephemeral_per_second)
{
  mimpd_rate_limit_set_max (hub->key_fetches, key_fetches_per_minute);
  mimpd_rate_limit_set_max (hub->ephemeral, ephemeral_per_second);
}

/* Counts a key fetch of @user: %FALSE past the rate (429). Draining someone's
 * one-time prekeys must be slow. */
gboolean
mimpd_hub_key_fetch_allowed (MimpdHub *hub, const char *user)
{
  return mimpd_rate_limit_take (hub->key_fetches, user, g_get_monotonic_time ());
}

gboolean
mimpd_hub_ephemeral_allowed (MimpdHub *hub, const char *user)
{
  return mimpd_rate_limit_take (hub->ephemeral, user, g_get_monotonic_time ());
}

gboolean
mimpd_hub_is_busy (MimpdHub *hub)
{
  return hub->logins_running > 0 || !g_queue_is_empty (&hub->logins);
}

guint64
mimpd_hub_get_commits (MimpdHub *hub)
{
  return hub->commits;
}

static void wake_user (MimpdHub *hub, const char *user);

/**
 * mimpd_hub_flush:
 *
 * Commits the open group, if any, then releases every reply that waited for
 * it (a 500 instead when the commit failed) and wakes the long polls of the
 * recipients written to.
 */
void
mimpd_hub_flush (MimpdHub *hub)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GArray) awaiting = NULL;
  g_autoptr (GHashTable) dirty = NULL;
  gboolean ok;

  g_clear_handle_id (&hub->commit_source, g_source_remove);
  g_clear_handle_id (&hub->commit_deadline, g_source_remove);
  if (!hub->in_group)
    return;

  ok = mimpd_store_commit (hub->store, &error);
  if (!ok)
    g_warning ("Commit failed, %u replies get an error: %s", hub->awaiting->len, error->message);
  hub->commits++;
  hub->in_group = FALSE;
  hub->group_writes = 0;
  hub->group_first_seq = 0;
  g_hash_table_remove_all (hub->pending_sends);

  /* Callbacks may open the next group: swap the lists out first. */
  awaiting = g_steal_pointer (&hub->awaiting);
  hub->awaiting = g_array_new (FALSE, FALSE, sizeof (Waiter));
  dirty = g_steal_pointer (&hub->dirty);
  hub->dirty = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  for (guint i = 0; i < awaiting->len; i++)
    {
      Waiter *w = &g_array_index (awaiting, Waiter, i);

      mimpd_session_slot_committed (w->session, w->slot, ok);
      mimpd_session_unref (w->session);
    }
  if (ok && g_hash_table_size (dirty) > 0)
    {
      g_autoptr (GError) read_error = NULL;
      GHashTableIter iter;
      gpointer user;

      /* Every woken push connection and long poll reads what is waiting:
       * one read transaction for all of them instead of a WAL read lock
       * taken and released by each. A write (an ack, a plain GU's drop)
       * ends it first (mimpd_hub_write_begin). */
      hub->in_read = mimpd_store_read_begin (hub->store, &read_error);
      if (!hub->in_read)
        g_debug ("Reading without a transaction: %s", read_error->message);
      g_hash_table_iter_init (&iter, dirty);
      while (g_hash_table_iter_next (&iter, &user, NULL))
        wake_user (hub, user);
      if (hub->in_read)
        {
          hub->in_read = FALSE;
          mimpd_store_read_end (hub->store);
        }
    }
}

static gboolean
commit_cb (gpointer data)
{
  MimpdHub *hub = data;

  hub->commit_source = 0;
  mimpd_hub_flush (hub);
  return G_SOURCE_REMOVE;
}

static gboolean
commit_deadline_cb (gpointer data)
{
  MimpdHub *hub = data;

  hub->commit_deadline = 0;
  mimpd_hub_flush (hub);
  return G_SOURCE_REMOVE;
}

/**
 * mimpd_hub_write_begin:
 *
 * Makes sure a group transaction is open before a write.
 */
gboolean
mimpd_hub_write_begin (MimpdHub *hub, GError **error)
{
  if (hub->in_group && hub->group_writes >= MAX_GROUP_WRITES)
    mimpd_hub_flush (hub);
  if (!hub->in_group)
    {
      if (hub->in_read)
        {
          hub->in_read = FALSE;
          mimpd_store_read_end (hub->store);
        }
      if (!mimpd_store_begin (hub->store, error))
        return FALSE;
      hub->in_group = TRUE;
      hub->commit_source = g_idle_add_full (G_PRIORITY_DEFAULT_IDLE, commit_cb, hub, NULL);
      hub->commit_deadline = g_timeout_add (MAX_GROUP_DELAY_MS, commit_deadline_cb, hub);
    }
  hub->group_writes++;
  return TRUE;
}

gboolean
mimpd_hub_in_group (MimpdHub *hub)
{
  return hub->in_group;
}

/**
 * mimpd_hub_is_committed:
 *
 * Whether the message with @seq is committed. Seqs only grow, so every
 * message below the first one written in the open group is.
 */
gboolean
mimpd_hub_is_committed (MimpdHub *hub, gint64 seq)
{
  return hub->group_first_seq == 0 || seq < hub->group_first_seq;
}

void
mimpd_hub_await_commit (MimpdHub *hub, MimpdSession *session, gpointer slot)
{
  Waiter w = { mimpd_session_ref (session), slot };

  g_return_if_fail (hub->in_group);
  g_array_append_val (hub->awaiting, w);
}

static char *
pending_key (const char *sender, const char *client_id)
{
  return g_strconcat (sender, "\n", client_id, NULL);
}

void
mimpd_hub_pending_send_add (MimpdHub *hub, const char *sender, const char *client_id,
                            const char *id, gint64 timestamp)
{
  PendingSend *p = g_new0 (PendingSend, 1);

  p->id = g_strdup (id);
  p->timestamp = timestamp;
  g_hash_table_replace (hub->pending_sends, pending_key (sender, client_id), p);
}

gboolean
mimpd_hub_pending_send_lookup (MimpdHub *hub, const char *sender, const char *client_id, char **id,
                               gint64 *timestamp)
{
  g_autofree char *key = pending_key (sender, client_id);
  PendingSend *p = g_hash_table_lookup (hub->pending_sends, key);

  if (p == NULL)
    return FALSE;
  *id = g_strdup (p->id);
  *timestamp = p->timestamp;
  return TRUE;
}

/* A message for @recipient was written with @seq in the open group. */
void
mimpd_hub_message_added (MimpdHub *hub, const char *recipient, gint64 seq)
{
  g_return_if_fail (hub->in_group);
  if (hub->group_first_seq == 0)
    hub->group_first_seq = seq;
  if (!g_hash_table_contains (hub->dirty, recipient))
    g_hash_table_add (hub->dirty, g_strdup (recipient));
}

void
mimpd_hub_wait_add (MimpdHub *hub, const char *user, MimpdSession *session, gpointer slot)
{
  GQueue *queue = g_hash_table_lookup (hub->waiters, user);
  Waiter *w = g_new0 (Waiter, 1);

  if (queue == NULL)
    {
      queue = g_queue_new ();
      g_hash_table_insert (hub->waiters, g_strdup (user), queue);
    }
  w->session = mimpd_session_ref (session);
  w->slot = slot;
  g_queue_push_tail (queue, w);
}

void
mimpd_hub_wait_remove (MimpdHub *hub, const char *user, gpointer slot)
{
  GQueue *queue = g_hash_table_lookup (hub->waiters, user);

  if (queue == NULL)
    return;
  for (GList *l = queue->head; l != NULL; l = l->next)
    {
      Waiter *w = l->data;

      if (w->slot == slot)
        {
          g_queue_delete_link (queue, l);
          mimpd_session_unref (w->session);
          g_free (w);
          break;
        }
    }
  if (g_queue_is_empty (queue))
    g_hash_table_remove (hub->waiters, user);
}

/* The push connections of @user, referenced, in a new array (%NULL for
 * none): waking one may close another. */
static GPtrArray *
pushers_copy (MimpdHub *hub, const char *user)
{
  GPtrArray *sessions = g_hash_table_lookup (hub->pushers, user);
  GPtrArray *copy;

  if (sessions == NULL)
    return NULL;
  copy = g_ptr_array_new_full (sessions->len, (GDestroyNotify) mimpd_session_unref);
  for (guint i = 0; i < sessions->len; i++)
    g_ptr_array_add (copy, mimpd_session_ref (sessions->pdata[i]));
  return copy;
}

static void
wake_user (MimpdHub *hub, const char *user)
{
  g_autofree char *key = NULL;
  g_autoptr (GPtrArray) pushers = pushers_copy (hub, user);
  GQueue *queue = NULL;
  Waiter *w;

  for (guint i = 0; pushers != NULL && i < pushers->len; i++)
    mimpd_session_push_wake (pushers->pdata[i]);
  if (!g_hash_table_steal_extended (hub->waiters, user, (gpointer *) &key, (gpointer *) &queue))
    return;
  while ((w = g_queue_pop_head (queue)))
    {
      mimpd_session_slot_wake (w->session, w->slot);
      mimpd_session_unref (w->session);
      g_free (w);
    }
  g_queue_free (queue);
}

/* @session of @user turned push on: it is woken after each commit that
 * stored messages for @user, and given @user's ephemeral messages. */
void
mimpd_hub_push_add (MimpdHub *hub, const char *user, MimpdSession *session)
{
  GPtrArray *sessions = g_hash_table_lookup (hub->pushers, user);

  if (sessions == NULL)
    {
      sessions = g_ptr_array_new_with_free_func ((GDestroyNotify) mimpd_session_unref);
      g_hash_table_insert (hub->pushers, g_strdup (user), sessions);
    }
  g_ptr_array_add (sessions, mimpd_session_ref (session));
}

void
mimpd_hub_push_remove (MimpdHub *hub, const char *user, MimpdSession *session)
{
  GPtrArray *sessions = g_hash_table_lookup (hub->pushers, user);

  if (sessions == NULL)
    return;
  g_ptr_array_remove_fast (sessions, session);
  if (sessions->len == 0)
    g_hash_table_remove (hub->pushers, user);
}

/**
 * mimpd_hub_deliver_ephemeral:
 *
 * Hands @message to every push connection of its recipient and every long
 * poll of it that is waiting now on a connection that knows ephemeral
 * messages (it asked FEATURES); it is never stored. Returns: whether one
 * took it.
 */
gboolean
mimpd_hub_deliver_ephemeral (MimpdHub *hub, const MimpMessage *message)
{
  GQueue *queue;
  g_autoptr (GPtrArray) pushers = pushers_copy (hub, message->to);
  g_autoptr (GPtrArray) taken = NULL;
  gboolean pushed = FALSE;
  GList *l;

  for (guint i = 0; pushers != NULL && i < pushers->len; i++)
    pushed |= mimpd_session_push_ephemeral (pushers->pdata[i], message);
  queue = g_hash_table_lookup (hub->waiters, message->to);
  if (queue == NULL)
    return pushed;
  /* Take the waiters out first: answering one may let its session read
   * further requests, and a new long poll would change this queue. */
  taken = g_ptr_array_new ();
  l = queue->head;
  while (l != NULL)
    {
      GList *next = l->next;
      Waiter *w = l->data;

      if (mimpd_session_slot_takes_ephemeral (w->session, w->slot))
        {
          g_ptr_array_add (taken, w);
          g_queue_delete_link (queue, l);
        }
      l = next;
    }
  if (g_queue_is_empty (queue))
    g_hash_table_remove (hub->waiters, message->to);
  for (guint i = 0; i < taken->len; i++)
    {
      Waiter *w = taken->pdata[i];

      mimpd_session_slot_ephemeral (w->session, w->slot, message);
      mimpd_session_unref (w->session);
      g_free (w);
    }
  return pushed || taken->len > 0;
}

static void login_start_next (MimpdHub *hub);

static void
login_job_free (LoginJob *job)
{
  mimpd_session_unref (job->session);
  mimp_secure_free_string (job->password);
  g_free (job->hash);
  g_free (job);
}

static void
login_verified_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  LoginJob *job = user_data;
  MimpdHub *hub = job->hub;
  gboolean ok = mimpd_password_verify_finish (result, NULL);

  hub->logins_running--;
  mimpd_session_login_done (job->session, job->slot, ok);
  login_job_free (job);
  login_start_next (hub);
}

static void
login_start_next (MimpdHub *hub)
{
  while (hub->logins_running < hub->logins_max && !g_queue_is_empty (&hub->logins))
    {
      LoginJob *job = g_queue_pop_head (&hub->logins);

      hub->logins_running++;
      mimpd_password_verify_async (job->password, job->hash, NULL, login_verified_cb, job);
    }
}

void
mimpd_hub_login_submit (MimpdHub *hub, MimpdSession *session, gpointer slot, const char *password,
                        const char *hash)
{
  LoginJob *job = g_new0 (LoginJob, 1);

  job->hub = hub;
  job->session = mimpd_session_ref (session);
  job->slot = slot;
  job->password = g_strdup (password);
  job->hash = g_strdup (hash);
  g_queue_push_tail (&hub->logins, job);
  login_start_next (hub);
}
