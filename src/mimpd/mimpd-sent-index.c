/* mimpd-sent-index.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "mimpd"

#include "config.h"

#include "mimp.h"
#include "mimpd-sent-index.h"

#define EMPTY 0
#define TOMBSTONE G_MAXUINT32
#define MAX_ROW (G_MAXUINT32 - 1)
#define MIN_SLOTS 1024

/* 8 bytes: the low 32 bits of the hash, and the rowid less the index's
 * base. The slot's position comes from the low bits of the hash, so a
 * resize needs nothing else; the other stored bits tell most candidates
 * apart (a false candidate only costs the store one read of a row). */
typedef struct
{
  guint32 hash;
  guint32 row; /* rowid - base, 1 to MAX_ROW; EMPTY; TOMBSTONE */
} Slot;

struct _MimpdSentIndex
{
  Slot *slots;
  gsize mask;
  gsize used;
  gsize tombstones;
  gint64 base;
  guint64 seed;
};

#define LIVE(slot) ((slot)->row != EMPTY && (slot)->row != TOMBSTONE)

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
insert (MimpdSentIndex *index, guint32 hash, guint32 row)
{
  gsize i;

  for (i = hash & index->mask; LIVE (&index->slots[i]); i = (i + 1) & index->mask)
    ;
  if (index->slots[i].row == TOMBSTONE)
    index->tombstones--;
  index->slots[i].hash = hash;
  index->slots[i].row = row;
  index->used++;
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
    if (LIVE (&old[i]))
      insert (index, old[i].hash, old[i].row);
  g_free (old);
}

static void
forget (MimpdSentIndex *index, Slot *slot)
{
  slot->row = TOMBSTONE;
  index->used--;
  index->tombstones++;
}

/* Makes room for @rowid below MAX_ROW past the base: the base moves to
 * just below the oldest record. Should the records span more than MAX_ROW
 * rowids (four billion sends, where the store keeps at most a million
 * records), the oldest are forgotten, as the store forgets them past its
 * bound. */
static void
rebase (MimpdSentIndex *index, gint64 rowid)
{
  gint64 lo = rowid, hi = rowid, base;

  for (gsize i = 0; i <= index->mask; i++)
    if (LIVE (&index->slots[i]))
      {
        gint64 r = index->base + index->slots[i].row;

        lo = MIN (lo, r);
        hi = MAX (hi, r);
      }
  base = hi - lo < MAX_ROW ? lo - 1 : hi - MAX_ROW;
  for (gsize i = 0; i <= index->mask; i++)
    {
      Slot *slot = &index->slots[i];

      if (!LIVE (slot))
        continue;
      if (index->base + slot->row <= base)
        forget (index, slot);
      else
        slot->row = (guint32) (index->base + slot->row - base);
    }
  index->base = base;
}

void
mimpd_sent_index_add (MimpdSentIndex *index, guint64 hash, gint64 rowid)
{
  g_return_if_fail (rowid > 0);
  if (rowid <= index->base || rowid - index->base > MAX_ROW)
    {
      rebase (index, rowid);
      if (rowid <= index->base)
        return; /* older than the newest MAX_ROW: as if forgotten */
    }
  /* At most three quarters full, tombstones included; when live records
   * fill half of it, twice the size: 8 bytes a slot, 11 to 21 bytes a
   * record. */
  if ((index->used + index->tombstones + 1) * 4 > (index->mask + 1) * 3)
    {
      gsize n = index->mask + 1;

      if ((index->used + 1) * 2 > n)
        n *= 2;
      resize (index, n);
    }
  insert (index, (guint32) hash, (guint32) (rowid - index->base));
}

void
mimpd_sent_index_remove (MimpdSentIndex *index, guint64 hash, gint64 rowid)
{
  guint32 row;

  if (rowid <= index->base || rowid - index->base > MAX_ROW)
    return;
  row = (guint32) (rowid - index->base);
  for (gsize i = hash & index->mask; index->slots[i].row != EMPTY; i = (i + 1) & index->mask)
    if (index->slots[i].row == row && index->slots[i].hash == (guint32) hash)
      {
        forget (index, &index->slots[i]);
        return;
      }
}

/**
 * mimpd_sent_index_next:
 * @cursor: set to 0 before the first call
 *
 * Returns: the next rowid stored under @hash (a candidate: only 32 bits of
 *   the hash are kept), or 0 when there is none.
 */
gint64
mimpd_sent_index_next (MimpdSentIndex *index, guint64 hash, gsize *cursor)
{
  for (gsize n = *cursor; n <= index->mask; n++)
    {
      Slot *slot = &index->slots[(hash + n) & index->mask];

      if (slot->row == EMPTY)
        break;
      if (slot->row != TOMBSTONE && slot->hash == (guint32) hash)
        {
          *cursor = n + 1;
          return index->base + slot->row;
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
    if (LIVE (&index->slots[i]) && index->base + index->slots[i].row < rowid)
      forget (index, &index->slots[i]);
  while (n > MIN_SLOTS && index->used * 4 < n)
    n /= 2;
  resize (index, n);
}

gsize
mimpd_sent_index_size (MimpdSentIndex *index)
{
  return index->used;
}
