/* mimpd-throttle.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "mimpd"

#include "config.h"

#include <string.h>

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

/* Still full of live entries after a sweep: forget one rather than grow. */
static void
evict_if_full (GHashTable *table)
{
  GHashTableIter iter;

  if (g_hash_table_size (table) < MIMPD_THROTTLE_MAX_ENTRIES)
    return;
  g_hash_table_iter_init (&iter, table);
  if (g_hash_table_iter_next (&iter, NULL, NULL))
    g_hash_table_iter_remove (&iter);
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
      evict_if_full (table);
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
      evict_if_full (self->by_key);
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

/* --- New connections per source -------------------------------------------- */

#define SWEEP_INTERVAL_US G_USEC_PER_SEC

typedef struct
{
  guint64 prefix; /* the IPv4 address, or the IPv6 /64 */
  guint8 family;  /* 4 or 6 */
  double tokens;
  gint64 last;
} Bucket;

struct _MimpdAcceptLimit
{
  GHashTable *buckets; /* Bucket -> itself */
  double rate;         /* tokens per microsecond */
  double burst;
  gint64 refill_us; /* time for an empty bucket to fill */
  gint64 last_sweep;
};

/* Seeded per process, so that nobody chooses addresses that collide on
 * purpose. */
static guint64 bucket_seed;

static guint
bucket_hash (gconstpointer p)
{
  const Bucket *b = p;
  guint64 h = (b->prefix ^ bucket_seed) + b->family;

  /* splitmix64's finaliser */
  h ^= h >> 30;
  h *= G_GUINT64_CONSTANT (0xbf58476d1ce4e5b9);
  h ^= h >> 27;
  h *= G_GUINT64_CONSTANT (0x94d049bb133111eb);
  return (guint) (h ^ (h >> 31));
}

static gboolean
bucket_equal (gconstpointer a, gconstpointer b)
{
  const Bucket *x = a, *y = b;

  return x->prefix == y->prefix && x->family == y->family;
}

MimpdAcceptLimit *
mimpd_accept_limit_new (guint rate, guint burst)
{
  MimpdAcceptLimit *self = g_new0 (MimpdAcceptLimit, 1);

  g_return_val_if_fail (rate > 0 && burst > 0, NULL);
  while (bucket_seed == 0)
    bucket_seed = ((guint64) g_random_int () << 32) | g_random_int ();
  self->buckets = g_hash_table_new_full (bucket_hash, bucket_equal, NULL, g_free);
  self->rate = rate / (double) G_USEC_PER_SEC;
  self->burst = burst;
  self->refill_us = (gint64) (burst * (double) G_USEC_PER_SEC / rate) + 1;
  return self;
}

void
mimpd_accept_limit_free (MimpdAcceptLimit *self)
{
  if (self == NULL)
    return;
  g_hash_table_unref (self->buckets);
  g_free (self);
}

/* A bucket that has filled up again is as good as none. */
static gboolean
bucket_full (gpointer key, gpointer value, gpointer user_data)
{
  const Bucket *b = value;
  const gint64 *args = user_data; /* now, refill_us */

  return args[0] - b->last >= args[1];
}

/* The key of @address: an IPv4 address (IPv4-mapped IPv6 included) or an
 * IPv6 /64. */
static void
bucket_key (GInetAddress *address, Bucket *key)
{
  const guint8 *bytes = g_inet_address_to_bytes (address);
  static const guint8 mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

  key->prefix = 0;
  if (g_inet_address_get_family (address) == G_SOCKET_FAMILY_IPV4)
    {
      key->family = 4;
      memcpy (&key->prefix, bytes, 4);
    }
  else if (memcmp (bytes, mapped, sizeof mapped) == 0)
    {
      key->family = 4;
      memcpy (&key->prefix, bytes + 12, 4);
    }
  else
    {
      key->family = 6;
      memcpy (&key->prefix, bytes, 8);
    }
}

/**
 * mimpd_accept_limit_take:
 *
 * Counts a new connection from @address. Returns: %FALSE when its source
 * is over the rate (the connection is to be closed at once).
 */
gboolean
mimpd_accept_limit_take (MimpdAcceptLimit *self, GInetAddress *address, gint64 now)
{
  Bucket key;
  Bucket *b;

  bucket_key (address, &key);
  b = g_hash_table_lookup (self->buckets, &key);
  if (b == NULL)
    {
      if (g_hash_table_size (self->buckets) >= MIMPD_THROTTLE_MAX_ENTRIES &&
          now - self->last_sweep >= SWEEP_INTERVAL_US)
        {
          gint64 args[2] = { now, self->refill_us };

          self->last_sweep = now;
          g_hash_table_foreach_remove (self->buckets, bucket_full, args);
        }
      evict_if_full (self->buckets);
      b = g_memdup2 (&key, sizeof key);
      b->tokens = self->burst;
      b->last = now;
      g_hash_table_add (self->buckets, b);
    }
  else if (now > b->last)
    {
      b->tokens = MIN (self->burst, b->tokens + (now - b->last) * self->rate);
      b->last = now;
    }
  if (b->tokens < 1.0)
    return FALSE;
  b->tokens -= 1.0;
  return TRUE;
}

guint
mimpd_accept_limit_size (MimpdAcceptLimit *self)
{
  return g_hash_table_size (self->buckets);
}
