/* mimpd-throttle.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "mimpd"

#include "config.h"

#include "mimpd-throttle.h"

/* Delay before a 401: 0 for the first failure, then 250 ms doubling per
 * failure, at most 4 s. With the limits above a guesser gets at most 10
 * tries per user (20 per address) every 5 minutes. */
#define DELAY_BASE_MS 250
#define DELAY_MAX_MS 4000

typedef struct
{
  guint failures;
  gint64 window_start;
} Entry;

struct _MimpdThrottle
{
  GHashTable *by_address;
  GHashTable *by_user;
};

MimpdThrottle *
mimpd_throttle_new (void)
{
  MimpdThrottle *self = g_new0 (MimpdThrottle, 1);

  self->by_address = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->by_user = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  return self;
}

void
mimpd_throttle_free (MimpdThrottle *self)
{
  if (self == NULL)
    return;
  g_hash_table_unref (self->by_address);
  g_hash_table_unref (self->by_user);
  g_free (self);
}

static guint
current (GHashTable *table, const char *key, gint64 now)
{
  Entry *e = key ? g_hash_table_lookup (table, key) : NULL;

  if (e == NULL || now - e->window_start > MIMPD_THROTTLE_WINDOW_US)
    return 0;
  return e->failures;
}

gboolean
mimpd_throttle_blocked (MimpdThrottle *self, const char *address, const char *user, gint64 now)
{
  return current (self->by_user, user, now) >= MIMPD_THROTTLE_MAX_PER_USER ||
         current (self->by_address, address, now) >= MIMPD_THROTTLE_MAX_PER_ADDR;
}

static gboolean
expired (gpointer key, gpointer value, gpointer user_data)
{
  const Entry *e = value;
  gint64 now = *(gint64 *) user_data;

  return now - e->window_start > MIMPD_THROTTLE_WINDOW_US;
}

static guint
bump (GHashTable *table, const char *key, gint64 now)
{
  Entry *e;

  if (key == NULL)
    return 0;
  e = g_hash_table_lookup (table, key);
  if (e == NULL)
    {
      if (g_hash_table_size (table) >= MIMPD_THROTTLE_MAX_ENTRIES)
        g_hash_table_foreach_remove (table, expired, &now);
      if (g_hash_table_size (table) >= MIMPD_THROTTLE_MAX_ENTRIES)
        {
          /* Still full of live entries: forget one rather than grow. */
          GHashTableIter iter;

          g_hash_table_iter_init (&iter, table);
          if (g_hash_table_iter_next (&iter, NULL, NULL))
            g_hash_table_iter_remove (&iter);
        }
      e = g_new0 (Entry, 1);
      e->window_start = now;
      g_hash_table_insert (table, g_strdup (key), e);
    }
  else if (now - e->window_start > MIMPD_THROTTLE_WINDOW_US)
    {
      e->failures = 0;
      e->window_start = now;
    }
  return ++e->failures;
}

/**
 * mimpd_throttle_failure:
 *
 * Records a failed login. Returns: how long to wait before answering, in ms.
 */
guint
mimpd_throttle_failure (MimpdThrottle *self, const char *address, const char *user, gint64 now)
{
  guint by_address = bump (self->by_address, address, now);
  guint by_user = bump (self->by_user, user, now);
  guint n = MAX (by_address, by_user);
  guint delay;

  if (n <= 1)
    return 0;
  delay = DELAY_BASE_MS << MIN (n - 2, 8u);
  return MIN (delay, (guint) DELAY_MAX_MS);
}

void
mimpd_throttle_success (MimpdThrottle *self, const char *user)
{
  g_hash_table_remove (self->by_user, user);
}

guint
mimpd_throttle_size (MimpdThrottle *self)
{
  return g_hash_table_size (self->by_address) + g_hash_table_size (self->by_user);
}

/* --- Request rates --------------------------------------------------------- */

typedef struct
{
  guint count;
  gint64 window_start;
} RateEntry;

struct _MimpdRateLimit
{
  GHashTable *by_key; /* key -> RateEntry */
  guint max;
  gint64 window;
};

MimpdRateLimit *
mimpd_rate_limit_new (guint max, gint64 window_us)
{
  MimpdRateLimit *self = g_new0 (MimpdRateLimit, 1);

  self->by_key = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->max = max;
  self->window = window_us;
  return self;
}

void
mimpd_rate_limit_free (MimpdRateLimit *self)
{
  if (self == NULL)
    return;
  g_hash_table_unref (self->by_key);
  g_free (self);
}

void
mimpd_rate_limit_set_max (MimpdRateLimit *self, guint max)
{
  self->max = max;
}

static gboolean
rate_expired (gpointer key, gpointer value, gpointer user_data)
{
  const RateEntry *e = value;
  const gint64 *args = user_data; /* now, window */

  return args[0] - e->window_start > args[1];
}

/**
 * mimpd_rate_limit_take:
 *
 * Counts one request of @key. Returns: %FALSE when @key is over its rate
 * (the request is to be refused with 429).
 */
gboolean
mimpd_rate_limit_take (MimpdRateLimit *self, const char *key, gint64 now)
{
  RateEntry *e = g_hash_table_lookup (self->by_key, key);

  if (e == NULL)
    {
      if (g_hash_table_size (self->by_key) >= MIMPD_THROTTLE_MAX_ENTRIES)
        {
          gint64 args[2] = { now, self->window };

          g_hash_table_foreach_remove (self->by_key, rate_expired, args);
        }
      if (g_hash_table_size (self->by_key) >= MIMPD_THROTTLE_MAX_ENTRIES)
        {
          /* Still full of live entries: forget one rather than grow. */
          GHashTableIter iter;

          g_hash_table_iter_init (&iter, self->by_key);
          if (g_hash_table_iter_next (&iter, NULL, NULL))
            g_hash_table_iter_remove (&iter);
        }
      e = g_new0 (RateEntry, 1);
      e->window_start = now;
      g_hash_table_insert (self->by_key, g_strdup (key), e);
    }
  else if (now - e->window_start > self->window)
    {
      e->count = 0;
      e->window_start = now;
    }
  if (e->count >= self->max)
    return FALSE;
  e->count++;
  return TRUE;
}

guint
mimpd_rate_limit_size (MimpdRateLimit *self)
{
  return g_hash_table_size (self->by_key);
}
