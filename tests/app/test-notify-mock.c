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

#define PORTAL_NAME "org.freedesktop.portal.Desktop"
#define PORTAL_PATH "/org/freedesktop/portal/desktop"
#define PORTAL_IFACE "org.freedesktop.portal.Notification"

static GPid mock_pid;
static GDBusConnection *bus;
static gboolean portal; /* the mock is the portal's */

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
      get_bus (), portal ? PORTAL_NAME : NOTIFY_NAME, portal ? PORTAL_PATH : NOTIFY_PATH,
      MOCK_IFACE, method, args, reply_type ? G_VARIANT_TYPE (reply_type) : NULL,
      G_DBUS_CALL_FLAGS_NONE, 5000, NULL, &error);

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
  g_free (call->key);
  g_free (call->reply_purpose_action);
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

/* AddNotification (s id, a{sv} notification) as a TestNotifyCall. */
static TestNotifyCall *
portal_call (GVariantIter *args, guint id)
{
  TestNotifyCall *call = g_new0 (TestNotifyCall, 1);
  g_autoptr (GVariant) key = NULL;
  g_autoptr (GVariant) notification = NULL;
  g_autoptr (GVariant) buttons = NULL;
  g_autoptr (GPtrArray) actions = g_ptr_array_new ();
  GVariantDict dict;
  const char *text;

  g_variant_iter_next (args, "v", &key);
  g_variant_iter_next (args, "v", &notification);
  call->id = id;
  call->key = g_variant_dup_string (key, NULL);
  g_variant_dict_init (&dict, notification);
  call->summary = g_variant_dict_lookup (&dict, "title", "&s", &text) ? g_strdup (text) : NULL;
  call->body = g_variant_dict_lookup (&dict, "body", "&s", &text) ? g_strdup (text) : NULL;
  if (g_variant_dict_lookup (&dict, "default-action", "&s", &text))
    {
      g_ptr_array_add (actions, g_strdup (text));
      g_ptr_array_add (actions, g_strdup (""));
    }
  buttons = g_variant_dict_lookup_value (&dict, "buttons", G_VARIANT_TYPE ("aa{sv}"));
  for (gsize i = 0; buttons != NULL && i < g_variant_n_children (buttons); i++)
    {
      g_autoptr (GVariant) button = g_variant_get_child_value (buttons, i);
      GVariantDict button_dict;
      const char *action = NULL;
      const char *label = NULL;
      const char *purpose = NULL;

      g_variant_dict_init (&button_dict, button);
      g_variant_dict_lookup (&button_dict, "action", "&s", &action);
      g_variant_dict_lookup (&button_dict, "label", "&s", &label);
      g_ptr_array_add (actions, g_strdup (action));
      g_ptr_array_add (actions, g_strdup (label));
      if (g_variant_dict_lookup (&button_dict, "purpose", "&s", &purpose) &&
          g_str_equal (purpose, "im.reply-with-text"))
        call->reply_purpose_action = g_strdup (action);
      g_variant_dict_clear (&button_dict);
    }
  g_variant_dict_clear (&dict);
  g_ptr_array_add (actions, NULL);
  call->actions = (char **) g_ptr_array_free (g_steal_pointer (&actions), FALSE);
  return call;
}

/* Notify (susssasa{sv}i) as a TestNotifyCall. */
static TestNotifyCall *
notify_call (GVariantIter *args, guint *next_id)
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

  call->replaces = g_variant_get_uint32 (replaces);
  call->id = call->replaces ? call->replaces : (*next_id)++;
  call->summary = g_variant_dup_string (summary, NULL);
  call->body = g_variant_dup_string (body, NULL);
  call->actions = g_variant_dup_strv (actions, NULL);
  return call;
}

/* The daemon counts new notifications from 1 and keeps the id of a
 * replaced one. */
GPtrArray *
test_notify_mock_get_calls (void)
{
  g_autoptr (GVariant) reply = mock_call (
      "GetMethodCalls", g_variant_new ("(s)", portal ? "AddNotification" : "Notify"), "(a(tav))");
  g_autoptr (GVariantIter) iter = NULL;
  GPtrArray *calls = g_ptr_array_new_with_free_func (test_notify_call_free);
  GVariantIter *args;
  guint64 timestamp;
  guint next_id = 1;

  g_variant_get (reply, "(a(tav))", &iter);
  while (g_variant_iter_next (iter, "(tav)", &timestamp, &args))
    {
      if (portal)
        {
          g_ptr_array_add (calls, portal_call (args, next_id++));
          g_variant_iter_free (args);
          continue;
        }
      g_ptr_array_add (calls, notify_call (args, &next_id));
      g_variant_iter_free (args);
    }
  return calls;
}

guint
test_notify_mock_n_calls (void)
{
  g_autoptr (GPtrArray) calls = test_notify_mock_get_calls ();
  return calls->len;
}

/* Whether @method was called with a first argument @matches accepts. */
static gboolean
was_called (const char *method, gboolean (*matches) (GVariant *value, gconstpointer wanted),
            gconstpointer wanted)
{
  g_autoptr (GVariant) reply =
      mock_call ("GetMethodCalls", g_variant_new ("(s)", method), "(a(tav))");
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
      if (value != NULL && matches (value, wanted))
        found = TRUE;
    }
  return found;
}

static gboolean
is_key (GVariant *value, gconstpointer key)
{
  return g_variant_is_of_type (value, G_VARIANT_TYPE_STRING) &&
         g_str_equal (g_variant_get_string (value, NULL), key);
}

/* The template declares CloseNotification's argument an int32; the spec
 * a uint32. */
static gboolean
is_id (GVariant *value, gconstpointer id)
{
  return (g_variant_is_of_type (value, G_VARIANT_TYPE_UINT32) &&
          g_variant_get_uint32 (value) == GPOINTER_TO_UINT (id)) ||
         (g_variant_is_of_type (value, G_VARIANT_TYPE_INT32) &&
          (guint) g_variant_get_int32 (value) == GPOINTER_TO_UINT (id));
}

gboolean
test_notify_mock_portal_was_removed (const char *key)
{
  return was_called ("RemoveNotification", is_key, key);
}

void
test_notify_mock_portal_invoke (const char *key, const char *action, const char *text)
{
  g_autoptr (GVariant) reply = NULL;
  GVariantBuilder args;
  GVariantBuilder parameter;

  g_variant_builder_init (&parameter, G_VARIANT_TYPE ("av"));
  /* Version 2 passes platform data (an activation token) too. */
  g_variant_builder_add (&parameter, "v", g_variant_new_parsed ("@a{sv} {}"));
  if (text != NULL)
    g_variant_builder_add (&parameter, "v", g_variant_new_string (text));
  g_variant_builder_init (&args, G_VARIANT_TYPE ("av"));
  g_variant_builder_add (&args, "v", g_variant_new_string (key));
  g_variant_builder_add (&args, "v", g_variant_new_string (action));
  g_variant_builder_add (&args, "v", g_variant_builder_end (&parameter));
  reply = mock_call ("EmitSignal",
                     g_variant_new ("(sssav)", PORTAL_IFACE, "ActionInvoked", "ssav", &args), NULL);
}

gboolean
test_notify_mock_was_closed (guint id)
{
  return was_called ("CloseNotification", is_id, GUINT_TO_POINTER (id));
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
      "NameHasOwner", g_variant_new ("(s)", portal ? PORTAL_NAME : NOTIFY_NAME),
      G_VARIANT_TYPE ("(b)"), G_DBUS_CALL_FLAGS_NONE, 2000, NULL, NULL);
  gboolean owned = FALSE;

  if (reply != NULL)
    g_variant_get (reply, "(b)", &owned);
  return owned == GPOINTER_TO_INT (data);
}

static void
spawn_mock (const char *const *argv)
{
  g_autoptr (GError) error = NULL;

  g_assert_true (g_spawn_async (NULL, (char **) argv, NULL, G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL,
                                &mock_pid, &error));
  g_assert_no_error (error);
  if (!test_wait_until (daemon_owns_name, GINT_TO_POINTER (TRUE), 20))
    g_error ("The dbusmock notification service did not start");
}

void
test_notify_mock_start (const char *capabilities)
{
  g_autofree char *parameters = g_strdup_printf ("{\"capabilities\": \"%s\"}", capabilities);
  const char *argv[] = { "/usr/bin/python3",    "-m", "dbusmock", "--template",
                         "notification_daemon", "-p", parameters, NULL };

  g_assert_cmpint (mock_pid, ==, 0);
  portal = FALSE;
  spawn_mock (argv);
}

void
test_notify_mock_start_portal (guint version)
{
  const char *argv[] = { "/usr/bin/python3", "-m",         "dbusmock", PORTAL_NAME,
                         PORTAL_PATH,        PORTAL_IFACE, NULL };
  g_autoptr (GVariant) reply = NULL;

  g_assert_cmpint (mock_pid, ==, 0);
  portal = TRUE;
  spawn_mock (argv);
  reply = mock_call ("AddMethod",
                     g_variant_new ("(sssss)", PORTAL_IFACE, "AddNotification", "sa{sv}", "", ""),
                     NULL);
  g_clear_pointer (&reply, g_variant_unref);
  reply =
      mock_call ("AddMethod",
                 g_variant_new ("(sssss)", PORTAL_IFACE, "RemoveNotification", "s", "", ""), NULL);
  g_clear_pointer (&reply, g_variant_unref);
  reply = mock_call (
      "AddProperty",
      g_variant_new ("(ssv)", PORTAL_IFACE, "version", g_variant_new_uint32 (version)), NULL);
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
