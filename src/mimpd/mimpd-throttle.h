/* mimpd-throttle.h - slowing down password guessing
 *
 * Counts failed logins per address and per user within a window. Before a
 * 401 the server waits a delay that grows with the failures; past a limit
 * it answers 429 without checking the password. Both tables are bounded.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define MIMPD_THROTTLE_WINDOW_US (5 * 60 * G_USEC_PER_SEC)
#define MIMPD_THROTTLE_MAX_PER_USER 10
#define MIMPD_THROTTLE_MAX_PER_ADDR 20
#define MIMPD_THROTTLE_MAX_ENTRIES 10000

typedef struct _MimpdThrottle MimpdThrottle;

MimpdThrottle *mimpd_throttle_new (void);
void mimpd_throttle_free (MimpdThrottle *throttle);
gboolean mimpd_throttle_blocked (MimpdThrottle *throttle, const char *address, const char *user,
                                 gint64 now_us);
guint mimpd_throttle_failure (MimpdThrottle *throttle, const char *address, const char *user,
                              gint64 now_us);
void mimpd_throttle_success (MimpdThrottle *throttle, const char *user);
guint mimpd_throttle_size (MimpdThrottle *throttle);

/* A request rate per key (a user): at most @max in each window of
 * @window_us; further requests are refused until the window ends. The
 * table is bounded like the throttle's. */
typedef struct _MimpdRateLimit MimpdRateLimit;

MimpdRateLimit *mimpd_rate_limit_new (guint max, gint64 window_us);
void mimpd_rate_limit_free (MimpdRateLimit *limit);
void mimpd_rate_limit_set_max (MimpdRateLimit *limit, guint max);
gboolean mimpd_rate_limit_take (MimpdRateLimit *limit, const char *key, gint64 now_us);
guint mimpd_rate_limit_size (MimpdRateLimit *limit);

/* New connections per source: a token bucket per IPv4 address and per IPv6
 * /64 (what one subscriber usually gets), @rate tokens a second up to
 * @burst. The table is bounded like the throttle's. */
#define MIMPD_ACCEPT_RATE_DEFAULT 50
#define MIMPD_ACCEPT_BURST_DEFAULT 200

typedef struct _MimpdAcceptLimit MimpdAcceptLimit;

MimpdAcceptLimit *mimpd_accept_limit_new (guint rate, guint burst);
void mimpd_accept_limit_free (MimpdAcceptLimit *limit);
gboolean mimpd_accept_limit_take (MimpdAcceptLimit *limit, GInetAddress *address, gint64 now_us);
guint mimpd_accept_limit_size (MimpdAcceptLimit *limit);

G_END_DECLS
