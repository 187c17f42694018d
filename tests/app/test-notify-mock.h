/* test-notify-mock.h - dbusmock's notification daemon for the app tests
 *
 * testing.md's recipe: `python3 -m dbusmock --template notification_daemon`
 * on the session bus, which records every call. What the app asked for is
 * read back with the mock's GetMethodCalls; what the user does (a click, a
 * button, a typed reply) is a signal emitted through the mock's EmitSignal.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef struct
{
  guint id;       /* the id the daemon answered */
  guint replaces; /* replaces_id asked for */
  char *summary;
  char *body;
  char **actions;             /* key, label, key, label, … */
  char *key;                  /* the portal's: the application's id of it */
  char *reply_purpose_action; /* the portal's: the button that takes text */
} TestNotifyCall;

/* Starts the daemon with @capabilities (space-separated) and waits until it
 * owns org.freedesktop.Notifications; stop it before starting another. */
void test_notify_mock_start (const char *capabilities);
void test_notify_mock_stop (void);
/* Every Notify call the running daemon had, in order: TestNotifyCall. */
GPtrArray *test_notify_mock_get_calls (void);
guint test_notify_mock_n_calls (void);
/* Whether CloseNotification was called with @id. */
gboolean test_notify_mock_was_closed (guint id);
/* The user invoked @action (e.g. "default") of notification @id. */
void test_notify_mock_invoke (guint id, const char *action);
/* The user typed @text into notification @id (NotificationReplied, which
 * the template of dbusmock 0.28 does not emit by itself). */
void test_notify_mock_reply (guint id, const char *text);
void test_notify_call_free (gpointer call);

/* The desktop portal's org.freedesktop.portal.Notification of @version
 * instead (a plain dbusmock object with the methods added), for the app
 * in Flatpak (MIMP_NOTIFICATION_PORTAL=1). test_notify_mock_get_calls(),
 * test_notify_mock_was_closed() then read its AddNotification and
 * RemoveNotification calls; call->id counts them from 1. */
void test_notify_mock_start_portal (guint version);
gboolean test_notify_mock_portal_was_removed (const char *key);
/* ActionInvoked (key, @action, [@text if not NULL]). */
void test_notify_mock_portal_invoke (const char *key, const char *action, const char *text);
gboolean test_notify_call_has_action (TestNotifyCall *call, const char *action);

G_END_DECLS
