/* mimpd-sent-index.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "mimpd"

#include "config.h"

#include "mimp.h"
#include "mimpd-sent-index.h"

#define EMPTY 0
#define TOMBSTONE (-1)
#define MIN_SLOTS 1024

typedef struct
{
  guint64 hash;
  gint64 rowid; /* > 0: a record; EMPTY; TOMBSTONE */
} Slot;

struct _MimpdSentIndex
{
  Slot *slots;
  gsize mask;
  gsize used;
  gsize tombstones;
  guint64 seed;
};

MimpdSentIndex *
mimpd_sent_index_new (void)
{
  MimpdSentIndex *index = g_new0 (MimpdSentIndex, 1);

  /* Seeded per process, so nobody can choose ids that collide on purpose. */
  if (!mimp_random_bytes ((guint8 *) &index->seed, sizeof index->seed, NULL))
    g_error ("The system's random source failed");
  index->slots = g_new0 (Slot, MIN_SLOTS);
  index->mask = MIN_SLOTS - 1;
  return index;
}

void
mimpd_sent_index_free (MimpdSentIndex *index)
{
  if (index == NULL)
    return;
  g_free (index->slots);
  g_free (index);
}

static inline guint64
mix (guint64 h)
{
  /* splitmix64's finaliser. */
  h ^= h >> 30;
  h *= G_GUINT64_CONSTANT (0xbf58476d1ce4e5b9);
  h ^= h >> 27;
  h *= G_GUINT64_CONSTANT (0x94d049bb133111eb);
  return h ^ (h >> 31);
}

static inline guint64
hash_bytes (guint64 h, const char *s)
{
  for (; *s != '\0'; s++)
    h = (h ^ (guint8) *s) * G_GUINT64_CONSTANT (0x100000001b3);
  return mix (h);
}

guint64
mimpd_sent_index_hash (MimpdSentIndex *index, const char *sender, const char *client_id)
{
  /* Hashing the sender's hash keeps ("ab", "c") apart from ("a", "bc"). */
  return hash_bytes (hash_bytes (index->seed, sender), client_id);
}

static void
resize (MimpdSentIndex *index, gsize n_slots)
{
  Slot *old = index->slots;
  gsize old_n = index->mask + 1;

  index->slots = g_new0 (Slot, n_slots);
  index->mask = n_slots - 1;
  index->used = 0;
  index->tombstones = 0;
  for (gsize i = 0; i < old_n; i++)
    if (old[i].rowid > 0)
      mimpd_sent_index_add (index, old[i].hash, old[i].rowid);
  g_free (old);
}

void
mimpd_sent_index_add (MimpdSentIndex *index, guint64 hash, gint64 rowid)
{
  gsize i;

  g_return_if_fail (rowid > 0);
  if ((index->used + index->tombstones + 1) * 2 > index->mask + 1)
    {
      gsize n = index->mask + 1;

      /* Grow when live records fill it; otherwise only sweep tombstones. */
      if ((index->used + 1) * 4 > n)
        n *= 2;
      resize (index, n);
    }
  for (i = hash & index->mask; index->slots[i].rowid > 0; i = (i + 1) & index->mask)
    ;
  if (index->slots[i].rowid == TOMBSTONE)
    index->tombstones--;
  index->slots[i].hash = hash;
  index->slots[i].rowid = rowid;
  index->used++;
}

void
mimpd_sent_index_remove (MimpdSentIndex *index, guint64 hash, gint64 rowid)
{
  for (gsize i = hash & index->mask; index->slots[i].rowid != EMPTY; i = (i + 1) & index->mask)
    if (index->slots[i].rowid == rowid && index->slots[i].hash == hash)
      {
        index->slots[i].rowid = TOMBSTONE;
        index->used--;
        index->tombstones++;
        return;
      }
}

/**
 * mimpd_sent_index_next:
 * @cursor: set to 0 before the first call
 *
 * Returns: the next rowid stored under @hash, or 0 when there is none.
 */
gint64
mimpd_sent_index_next (MimpdSentIndex *index, guint64 hash, gsize *cursor)
{
  for (gsize n = *cursor; n <= index->mask; n++)
    {
      Slot *slot = &index->slots[(hash + n) & index->mask];

      if (slot->rowid == EMPTY)
        break;
      if (slot->rowid > 0 && slot->hash == hash)
        {
          *cursor = n + 1;
          return slot->rowid;
        }
    }
  *cursor = index->mask + 1;
  return 0;
}

/* Forgets every record below @rowid (the expired ones) and shrinks. */
void
mimpd_sent_index_drop_before (MimpdSentIndex *index, gint64 rowid)
{
  gsize n = index->mask + 1;

  for (gsize i = 0; i <= index->mask; i++)
    if (index->slots[i].rowid > 0 && index->slots[i].rowid < rowid)
      {
        index->slots[i].rowid = TOMBSTONE;
        index->used--;
        index->tombstones++;
      }
  while (n > MIN_SLOTS && index->used * 8 < n)
    n /= 2;
  resize (index, n);
}

gsize
mimpd_sent_index_size (MimpdSentIndex *index)
{
  return index->used;
}
