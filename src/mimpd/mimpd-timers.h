/* mimpd-timers.h - many one-shot timers behind one GSource
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _MimpdTimers MimpdTimers;
typedef struct _MimpdTimer MimpdTimer;

MimpdTimers *mimpd_timers_get_default (void);
MimpdTimers *mimpd_timers_new (void);
void mimpd_timers_free (MimpdTimers *timers);
MimpdTimer *mimpd_timers_add (MimpdTimers *timers, guint ms, GSourceFunc func, gpointer data,
                              GDestroyNotify destroy);
void mimpd_timers_remove (MimpdTimers *timers, MimpdTimer *timer);
guint mimpd_timers_count (MimpdTimers *timers);

G_END_DECLS
