/* mimp-miricat-protocol.c - the Miricat account type: a server that is one
 * room, in one of two dialects the user chooses (they cannot be told apart
 * on the wire)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "mimp-protocol"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "mimp-account.h"
#include "mimp-miricat-protocol.h"

struct _MimpMiricatProtocol
{
  MimpProtocol parent_instance;
};

G_DEFINE_FINAL_TYPE (MimpMiricatProtocol, mimp_miricat_protocol, MIMP_TYPE_PROTOCOL)

/* The longest user name we accept (neither server sets one). */
#define USER_NAME_MAX 64
/* How long signing in or registering may take before the dialog says so. */
#define TEST_LOGIN_TIMEOUT 15

static const char *const dialect_values[] = { "yemu", "javacat", NULL };
static const char *const dialect_labels[] = {
  N_ ("Miricat 1.0 (Yemu)"),
  N_ ("Miricat 2.0 (javacat)"),
  NULL,
};

static const MimpProtocolOption miricat_options[] = {
  { "dialect", N_ ("Server Version"), dialect_values, dialect_labels,
    /* Translators: the two versions of Miricat cannot be told apart on the
     * wire, so the user must know which one the server runs */
    N_ ("Ask the server’s operator") },
  { NULL },
};

guint16
mimp_miricat_http_port (guint16 port)
{
  return port < G_MAXUINT16 ? port + 1 : MIRICAT_DEFAULT_HTTP_PORT;
}

char *
mimp_miricat_room_for_host (const char *host)
{
  return g_ascii_strdown (host, -1);
}

static MiricatDialect
account_dialect (MimpAccount *account)
{
  MiricatDialect dialect = MIRICAT_DIALECT_YEMU;

  miricat_dialect_from_string (mimp_account_get_option (account, "dialect"), &dialect);
  return dialect;
}

static guint16
mimp_miricat_protocol_default_port (MimpProtocol *protocol, gboolean use_tls)
{
  return MIRICAT_DEFAULT_PORT;
}

/* Names are compared as they are; Yemu mangles anything but ASCII, so we
 * keep to printable ASCII without spaces. */
static gboolean
mimp_miricat_protocol_normalize_peer (MimpProtocol *protocol, const char *name, char **normalized,
                                      GError **error)
{
  g_autofree char *stripped = g_strstrip (g_strdup (name));
  gsize length = strlen (stripped);

  if (length == 0 || length > USER_NAME_MAX)
    {
      g_set_error (error, MIRICAT_ERROR, MIRICAT_ERROR_INVALID_ARGUMENT,
                   _ ("A Miricat user name has 1 to %d characters."), USER_NAME_MAX);
      return FALSE;
    }
  for (const char *p = stripped; *p != '\0'; p++)
    if (!g_ascii_isgraph (*p))
      {
        g_set_error_literal (error, MIRICAT_ERROR, MIRICAT_ERROR_INVALID_ARGUMENT,
                             _ ("A Miricat user name has only letters, digits and punctuation "
                                "from the English alphabet, without spaces."));
        return FALSE;
      }
  *normalized = g_steal_pointer (&stripped);
  return TRUE;
}

static char *
mimp_miricat_protocol_describe_error (MimpProtocol *protocol, const GError *error)
{
  switch ((MiricatError) error->code)
    {
    case MIRICAT_ERROR_UNREACHABLE:
      return g_strdup (_ ("The server could not be reached. Check the address and your "
                          "network connection."));
    case MIRICAT_ERROR_TIMEOUT:
      return g_strdup (_ ("The server did not answer in time. Check that the server version "
                          "is the one it runs."));
    case MIRICAT_ERROR_CLOSED:
      return g_strdup (_ ("The connection to the server was lost."));
    case MIRICAT_ERROR_PROTOCOL:
    case MIRICAT_ERROR_UNSUPPORTED_VERSION:
      return g_strdup (_ ("The server does not speak this version of Miricat. Check the "
                          "server version and the port."));
    case MIRICAT_ERROR_TOO_LARGE:
      return g_strdup (_ ("The message or image is too large for this server."));
    case MIRICAT_ERROR_BAD_KEY:
      return g_strdup (_ ("The server sent an unusable encryption key. It may be broken, or "
                          "someone may be interfering with the connection."));
    case MIRICAT_ERROR_NOT_REGISTERED:
      return g_strdup (_ ("There is no such user on this server. Create the user first."));
    case MIRICAT_ERROR_PASSWORD_REQUIRED:
      return g_strdup (_ ("This server needs a password."));
    case MIRICAT_ERROR_WRONG_PASSWORD:
      return g_strdup (_ ("The user name or password is wrong."));
    case MIRICAT_ERROR_ALREADY_CONNECTED:
      return g_strdup (_ ("This user is signed in elsewhere already (a Yemu server also "
                          "allows only one user per network address)."));
    case MIRICAT_ERROR_REFUSED:
      return g_strdup (_ ("The server refused the request."));
    case MIRICAT_ERROR_NO_ROOM:
      return g_strdup (_ ("The server has no room to join."));
    case MIRICAT_ERROR_NOT_CONNECTED:
      return g_strdup (_ ("The account is not connected. Try again once it is online."));
    case MIRICAT_ERROR_NO_HTTP:
      return g_strdup (_ ("The server does not offer this (its web side is missing or "
                          "turned off)."));
    case MIRICAT_ERROR_UNAUTHORIZED:
      return g_strdup (_ ("The server did not accept this app’s access. Reconnect and try "
                          "again."));
    case MIRICAT_ERROR_NOT_FOUND:
      return g_strdup (_ ("The server does not have this image any more."));
    case MIRICAT_ERROR_USER_EXISTS:
      return g_strdup (_ ("This user name is taken. Choose another one, or turn off "
                          "creating the user to sign in."));
    case MIRICAT_ERROR_SERVER_ERROR:
      /* Translators: %s is the library's (English) account of what failed,
       * e.g. that Yemu servers fail every request with an access token */
      return g_strdup_printf (_ ("The server had a problem: %s"), error->message);
    case MIRICAT_ERROR_INVALID_ARGUMENT:
    case MIRICAT_ERROR_FAILED:
    default:
      return g_strdup (error->message);
    }
}

static MimpSecurityLevel
mimp_miricat_protocol_get_security (MimpProtocol *protocol, gboolean use_tls)
{
  return MIMP_SECURITY_ANYONE;
}

static char *
mimp_miricat_protocol_describe_security (MimpProtocol *protocol, gboolean use_tls, gboolean brief)
{
  if (brief)
    return g_strdup (_ ("readable by the server, weak encryption"));
  return g_strdup (_ ("Readable by the server, and the traffic encryption is weak (the same key "
                      "stream for every packet): not private."));
}

static MimpProtocolSession *
mimp_miricat_protocol_create_session (MimpProtocol *protocol, MimpAccount *account)
{
  return MIMP_PROTOCOL_SESSION (
      mimp_miricat_session_new (mimp_account_get_host (account), mimp_account_get_port (account),
                                account_dialect (account), mimp_account_get_user (account)));
}

static MiricatClient *
client_for (MimpAccount *account)
{
  guint16 port = mimp_account_get_port (account);
  MiricatClient *client =
      miricat_client_new (mimp_account_get_host (account), port, mimp_miricat_http_port (port),
                          account_dialect (account), mimp_account_get_user (account));

  miricat_client_set_timeout (client, TEST_LOGIN_TIMEOUT);
  return client;
}

static void
test_login_state (MiricatClient *client, GParamSpec *pspec, GTask *task)
{
  switch (miricat_client_get_state (client))
    {
    case MIRICAT_STATE_ONLINE:
      g_signal_handlers_disconnect_by_func (client, test_login_state, task);
      mimp_miricat_client_close (g_object_ref (client));
      g_task_return_boolean (task, TRUE);
      g_object_unref (task);
      break;
    case MIRICAT_STATE_FAILED:
    case MIRICAT_STATE_DISCONNECTED:
      g_signal_handlers_disconnect_by_func (client, test_login_state, task);
      if (miricat_client_get_error (client) != NULL)
        g_task_return_error (task, g_error_copy (miricat_client_get_error (client)));
      else
        g_task_return_new_error (task, MIRICAT_ERROR, MIRICAT_ERROR_CLOSED,
                                 "The connection was closed");
      g_object_unref (task);
      break;
    case MIRICAT_STATE_CONNECTING:
    default:
      break;
    }
}

static void
mimp_miricat_protocol_test_login_async (MimpProtocol *protocol, MimpAccount *account,
                                        const char *password, GCancellable *cancellable,
                                        GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task = g_task_new (protocol, cancellable, callback, user_data);
  MiricatClient *client = client_for (account);

  g_task_set_source_tag (task, mimp_miricat_protocol_test_login_async);
  /* The task keeps the client until the login is over. */
  g_task_set_task_data (task, client, g_object_unref);
  miricat_client_set_password (client, password != NULL && *password != '\0' ? password : NULL);
  g_signal_connect (client, "notify::state", G_CALLBACK (test_login_state), task);
  miricat_client_connect (client);
}

static gboolean
mimp_miricat_protocol_test_login_finish (MimpProtocol *protocol, GAsyncResult *result,
                                         char **fingerprint, GError **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
registered (GObject *source, GAsyncResult *result, gpointer data)
{
  g_autoptr (GTask) task = data;
  GError *error = NULL;

  if (miricat_client_register_finish (MIRICAT_CLIENT (source), result, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

static void
mimp_miricat_protocol_register_async (MimpProtocol *protocol, MimpAccount *account,
                                      const char *password, GCancellable *cancellable,
                                      GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task = g_task_new (protocol, cancellable, callback, user_data);
  MiricatClient *client = client_for (account);

  g_task_set_source_tag (task, mimp_miricat_protocol_register_async);
  g_task_set_task_data (task, client, g_object_unref);
  miricat_client_register_async (client, mimp_account_get_user (account), password, cancellable,
                                 registered, task);
}

static gboolean
mimp_miricat_protocol_register_finish (MimpProtocol *protocol, GAsyncResult *result, GError **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
mimp_miricat_protocol_class_init (MimpMiricatProtocolClass *klass)
{
  MimpProtocolClass *protocol_class = MIMP_PROTOCOL_CLASS (klass);

  protocol_class->id = "miricat";
  protocol_class->display_name = N_ ("Miricat");
  protocol_class->user_title = N_ ("User Name");
  protocol_class->options = miricat_options;
  protocol_class->capabilities = MIMP_PROTOCOL_ROOMS | MIMP_PROTOCOL_PRESENCE |
                                 MIMP_PROTOCOL_AVATARS | MIMP_PROTOCOL_IMAGES |
                                 MIMP_PROTOCOL_REGISTRATION | MIMP_PROTOCOL_PASSWORD;
  /* The smaller of the two dialects' limits: Yemu loses longer packets. */
  protocol_class->max_text = MIN (MIRICAT_YEMU_TEXT_MAX, MIRICAT_TEXT_MAX);
  protocol_class->error_domain = MIRICAT_ERROR;
  protocol_class->default_port = mimp_miricat_protocol_default_port;
  protocol_class->normalize_peer = mimp_miricat_protocol_normalize_peer;
  protocol_class->describe_error = mimp_miricat_protocol_describe_error;
  protocol_class->get_security = mimp_miricat_protocol_get_security;
  protocol_class->describe_security = mimp_miricat_protocol_describe_security;
  protocol_class->create_session = mimp_miricat_protocol_create_session;
  protocol_class->test_login_async = mimp_miricat_protocol_test_login_async;
  protocol_class->test_login_finish = mimp_miricat_protocol_test_login_finish;
  protocol_class->register_async = mimp_miricat_protocol_register_async;
  protocol_class->register_finish = mimp_miricat_protocol_register_finish;
}

static void
mimp_miricat_protocol_init (MimpMiricatProtocol *self)
{
}
