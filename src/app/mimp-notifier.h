/* mimp-notifier.h - desktop notifications for received messages
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

#define MIMP_TYPE_NOTIFIER (mimp_notifier_get_type ())
G_DECLARE_FINAL_TYPE (MimpNotifier, mimp_notifier, MIMP, NOTIFIER, GObject)

MimpNotifier *mimp_notifier_new (void);
void mimp_notifier_set_enabled (MimpNotifier *self, gboolean enabled);
gboolean mimp_notifier_get_enabled (MimpNotifier *self);
void mimp_notifier_set_show_text (MimpNotifier *self, gboolean show_text);
gboolean mimp_notifier_get_show_text (MimpNotifier *self);
gboolean mimp_notifier_get_inline_reply (MimpNotifier *self);
void mimp_notifier_set_visible_chat (MimpNotifier *self, const char *chat_key);
gboolean mimp_notifier_message_received (MimpNotifier *self, const char *chat_key,
                                         const char *title, const char *text);
void mimp_notifier_withdraw (MimpNotifier *self, const char *chat_key);
void mimp_notifier_withdraw_all (MimpNotifier *self);
guint mimp_notifier_get_n_shown (MimpNotifier *self);

G_END_DECLS
