/* mimp-bench-store.c - the server's store alone, as the server drives it
 *
 * What SQLite costs per relayed message without the network: rounds that
 * stand for one pass of mimpd's main loop under load. Each round opens a
 * commit group, acknowledges what the previous round delivered (each
 * recipient's GU with "ack", then its empty read before the long poll is
 * held), checks and stores a group of sends with client ids, commits with
 * the durability asked for, then reads each woken recipient's messages as
 * its long poll does. A file database in a temporary directory.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "mimp-bench"

#include "config.h"

#include <stdio.h>
#include <sys/resource.h>

#include <glib/gstdio.h>

#include "mimp-bench.h"
#include "mimpd-store.h"

#define RECIPIENTS 100

static double
cpu_seconds (void)
{
  struct rusage ru;

  getrusage (RUSAGE_SELF, &ru);
  return (double) ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + (double) ru.ru_stime.tv_sec +
         ru.ru_stime.tv_usec / 1e6;
}

/* Adds the number of messages read to @fetched. */
static gboolean
fetch (MimpdStore *store, const char *user, gint64 *last_seq, guint64 *fetched, GError **error)
{
  g_autoptr (GPtrArray) waiting =
      mimpd_store_messages_fetch (store, user, MIMP_GU_MAX_MESSAGES + 1, error);

  if (waiting == NULL)
    return FALSE;
  if (waiting->len > 0)
    *last_seq = ((MimpMessage *) waiting->pdata[waiting->len - 1])->seq;
  *fetched += waiting->len;
  return TRUE;
}

static gboolean
run_round (MimpdStore *store, char **users, gint64 *to_ack, guint group, const char *text,
           guint64 *counter, guint64 *fetched, GError **error)
{
  gboolean woken[RECIPIENTS] = { FALSE };

  if (!mimpd_store_begin (store, error))
    return FALSE;
  for (guint r = 0; r < RECIPIENTS; r++)
    {
      gint64 unused = 0;

      if (to_ack[r] == 0)
        continue;
      if (!mimpd_store_messages_drop (store, users[r], to_ack[r], error) ||
          !fetch (store, users[r], &unused, fetched, error))
        return FALSE;
      to_ack[r] = 0;
    }
  for (guint i = 0; i < group; i++)
    {
      guint from = g_random_int_range (0, RECIPIENTS);
      guint to = g_random_int_range (0, RECIPIENTS);
      char id[24], client_id[24];
      MimpMessage m = { 0 };
      gboolean exists = FALSE;

      g_snprintf (id, sizeof id, "m%020" G_GUINT64_FORMAT, *counter);
      g_snprintf (client_id, sizeof client_id, "c%020" G_GUINT64_FORMAT, *counter);
      (*counter)++;
      if (!mimpd_store_user_exists (store, users[to], &exists, error))
        return FALSE;
      g_assert (exists);
      m.id = id;
      m.from = users[from];
      m.to = users[to];
      m.text = (char *) text;
      m.timestamp = g_get_real_time () / 1000;
      if (!mimpd_store_message_add (store, &m, client_id, error))
        return FALSE;
      woken[to] = TRUE;
    }
  if (!mimpd_store_commit (store, error))
    return FALSE;
  for (guint r = 0; r < RECIPIENTS; r++)
    if (woken[r] && !fetch (store, users[r], &to_ack[r], fetched, error))
      return FALSE;
  return TRUE;
}

/**
 * bench_store_run:
 *
 * Relays messages through the store for about @seconds in groups of
 * @group, and prints CPU and wall time per message as JSON.
 */
int
bench_store_run (double seconds, guint group, guint text_size, gboolean sync_full)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("mimp-bench-store-XXXXXX", &error);
  g_autofree char *path = NULL;
  g_autofree char *text = NULL;
  g_autoptr (MimpdStore) store = NULL;
  char *users[RECIPIENTS];
  gint64 to_ack[RECIPIENTS] = { 0 };
  guint64 counter = 0, rounds = 0, fetched = 0;
  double cpu0, cpu1;
  gint64 t0, t1;
  gboolean ok = TRUE;

  if (dir == NULL)
    {
      g_printerr ("mimp-bench: %s\n", error->message);
      return 1;
    }
  path = g_build_filename (dir, "store.db", NULL);
  text = g_strnfill (MAX (text_size, 1), 'x');
  store = mimpd_store_open (path, sync_full, &error);
  for (guint r = 0; r < RECIPIENTS; r++)
    {
      users[r] = g_strdup_printf ("bench%u", r);
      if (store != NULL && !mimpd_store_user_add (store, users[r], "x", &error))
        g_clear_pointer (&store, mimpd_store_free);
    }

  /* A second of warm-up, then the measured rounds. */
  t0 = bench_now_ns ();
  while (store != NULL && ok && bench_now_ns () - t0 < 1000000000)
    ok = run_round (store, users, to_ack, group, text, &counter, &fetched, &error);
  counter = fetched = 0;
  t0 = bench_now_ns ();
  cpu0 = cpu_seconds ();
  while (store != NULL && ok && (t1 = bench_now_ns ()) - t0 < (gint64) (seconds * 1e9))
    {
      ok = run_round (store, users, to_ack, group, text, &counter, &fetched, &error);
      rounds++;
    }
  cpu1 = cpu_seconds ();
  t1 = bench_now_ns ();

  g_clear_pointer (&store, mimpd_store_free);
  for (guint i = 0; i < 3; i++)
    {
      g_autofree char *f = g_strconcat (path, (const char *[]){ "", "-wal", "-shm" }[i], NULL);

      g_remove (f);
    }
  g_rmdir (dir);
  for (guint r = 0; r < RECIPIENTS; r++)
    g_free (users[r]);
  if (error != NULL)
    {
      g_printerr ("mimp-bench: %s\n", error->message);
      return 1;
    }
  /* Each message is read once, after the commit that stored it: the
   * acknowledged ones never again. */
  printf ("{\n\"store\": {\"messages\": %" G_GUINT64_FORMAT ", \"delivered\": %" G_GUINT64_FORMAT
          ", \"group\": %u, \"rounds\": %" G_GUINT64_FORMAT ", \"sync\": \"%s\",\n"
          "  \"cpu_us_per_msg\": %.3f, \"wall_us_per_msg\": %.3f}\n}\n",
          counter, fetched, group, rounds, sync_full ? "full" : "normal",
          (cpu1 - cpu0) * 1e6 / (double) MAX (counter, 1),
          (double) (t1 - t0) / 1e3 / (double) MAX (counter, 1));
  return 0;
}
