/* test-notify-mock.c - dbusmock's notification daemon for the app tests
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <signal.h>

#include "test-notify-mock.h"
#include "test-util.h"

#define MOCK_IFACE "org.freedesktop.DBus.Mock"
#define NOTIFY_PATH "/org/freedesktop/Notifications"
#define NOTIFY_NAME "org.freedesktop.Notifications"

static GPid mock_pid;
static GDBusConnection *bus;

static GDBusConnection *
get_bus (void)
{
  g_autoptr (GError) error = NULL;

  if (bus == NULL)
    bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, &error);
  g_assert_no_error (error);
  return bus;
}

static GVariant *
mock_call (const char *method, GVariant *args, const char *reply_type)
{
  g_autoptr (GError) error = NULL;
  GVariant *reply = g_dbus_connection_call_sync (
      get_bus (), NOTIFY_NAME, NOTIFY_PATH, MOCK_IFACE, method, args,
      reply_type ? G_VARIANT_TYPE (reply_type) : NULL, G_DBUS_CALL_FLAGS_NONE, 5000, NULL, &error);

  g_assert_no_error (error);
  return reply;
}

void
test_notify_call_free (gpointer data)
{
  TestNotifyCall *call = data;

  if (call == NULL)
    return;
  g_free (call->summary);
  g_free (call->body);
  g_strfreev (call->actions);
  g_free (call);
}

gboolean
test_notify_call_has_action (TestNotifyCall *call, const char *action)
{
  for (guint i = 0; call->actions[i] != NULL && call->actions[i + 1] != NULL; i += 2)
    if (g_str_equal (call->actions[i], action))
      return TRUE;
  return FALSE;
}

/* The daemon counts new notifications from 1 and keeps the id of a
 * replaced one. */
GPtrArray *
test_notify_mock_get_calls (void)
{
  g_autoptr (GVariant) reply =
      mock_call ("GetMethodCalls", g_variant_new ("(s)", "Notify"), "(a(tav))");
  g_autoptr (GVariantIter) iter = NULL;
  GPtrArray *calls = g_ptr_array_new_with_free_func (test_notify_call_free);
  GVariantIter *args;
  guint64 timestamp;
  guint next_id = 1;

  g_variant_get (reply, "(a(tav))", &iter);
  while (g_variant_iter_next (iter, "(tav)", &timestamp, &args))
    {
      TestNotifyCall *call = g_new0 (TestNotifyCall, 1);
      g_autoptr (GVariant) app = NULL;
      g_autoptr (GVariant) replaces = NULL;
      g_autoptr (GVariant) icon = NULL;
      g_autoptr (GVariant) summary = NULL;
      g_autoptr (GVariant) body = NULL;
      g_autoptr (GVariant) actions = NULL;

      g_variant_iter_next (args, "v", &app);
      g_variant_iter_next (args, "v", &replaces);
      g_variant_iter_next (args, "v", &icon);
      g_variant_iter_next (args, "v", &summary);
      g_variant_iter_next (args, "v", &body);
      g_variant_iter_next (args, "v", &actions);
      g_variant_iter_free (args);

      call->replaces = g_variant_get_uint32 (replaces);
      call->id = call->replaces ? call->replaces : next_id++;
      call->summary = g_variant_dup_string (summary, NULL);
      call->body = g_variant_dup_string (body, NULL);
      call->actions = g_variant_dup_strv (actions, NULL);
      g_ptr_array_add (calls, call);
    }
  return calls;
}

guint
test_notify_mock_n_calls (void)
{
  g_autoptr (GPtrArray) calls = test_notify_mock_get_calls ();
  return calls->len;
}

gboolean
test_notify_mock_was_closed (guint id)
{
  g_autoptr (GVariant) reply =
      mock_call ("GetMethodCalls", g_variant_new ("(s)", "CloseNotification"), "(a(tav))");
  g_autoptr (GVariantIter) iter = NULL;
  GVariantIter *args;
  guint64 timestamp;
  gboolean found = FALSE;

  g_variant_get (reply, "(a(tav))", &iter);
  while (g_variant_iter_next (iter, "(tav)", &timestamp, &args))
    {
      g_autoptr (GVariant) value = NULL;

      g_variant_iter_next (args, "v", &value);
      g_variant_iter_free (args);
      /* The template declares the argument an int32; the spec a uint32. */
      if ((g_variant_is_of_type (value, G_VARIANT_TYPE_UINT32) &&
           g_variant_get_uint32 (value) == id) ||
          (g_variant_is_of_type (value, G_VARIANT_TYPE_INT32) &&
           (guint) g_variant_get_int32 (value) == id))
        found = TRUE;
    }
  return found;
}

static void
emit (const char *signal, guint id, const char *text)
{
  g_autoptr (GVariant) reply = NULL;
  GVariantBuilder args;

  g_variant_builder_init (&args, G_VARIANT_TYPE ("av"));
  g_variant_builder_add (&args, "v", g_variant_new_uint32 (id));
  g_variant_builder_add (&args, "v", g_variant_new_string (text));
  reply =
      mock_call ("EmitSignal", g_variant_new ("(sssav)", NOTIFY_NAME, signal, "us", &args), NULL);
}

void
test_notify_mock_invoke (guint id, const char *action)
{
  emit ("ActionInvoked", id, action);
}

void
test_notify_mock_reply (guint id, const char *text)
{
  emit ("NotificationReplied", id, text);
}

static gboolean
daemon_owns_name (gpointer data)
{
  g_autoptr (GVariant) reply = g_dbus_connection_call_sync (
      get_bus (), "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
      "NameHasOwner", g_variant_new ("(s)", NOTIFY_NAME), G_VARIANT_TYPE ("(b)"),
      G_DBUS_CALL_FLAGS_NONE, 2000, NULL, NULL);
  gboolean owned = FALSE;

  if (reply != NULL)
    g_variant_get (reply, "(b)", &owned);
  return owned == GPOINTER_TO_INT (data);
}

void
test_notify_mock_start (const char *capabilities)
{
  g_autofree char *parameters = g_strdup_printf ("{\"capabilities\": \"%s\"}", capabilities);
  const char *argv[] = { "/usr/bin/python3",    "-m", "dbusmock", "--template",
                         "notification_daemon", "-p", parameters, NULL };
  g_autoptr (GError) error = NULL;

  g_assert_cmpint (mock_pid, ==, 0);
  g_assert_true (g_spawn_async (NULL, (char **) argv, NULL, G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL,
                                &mock_pid, &error));
  g_assert_no_error (error);
  if (!test_wait_until (daemon_owns_name, GINT_TO_POINTER (TRUE), 20))
    g_error ("The dbusmock notification daemon did not start");
}

void
test_notify_mock_stop (void)
{
  if (mock_pid == 0)
    return;
  kill (mock_pid, SIGTERM);
  g_spawn_close_pid (mock_pid);
  mock_pid = 0;
  g_assert_true (test_wait_until (daemon_owns_name, GINT_TO_POINTER (FALSE), 20));
}
