/* mimp-mimp-protocol.c - the MIMP account type
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "mimp-protocol"

#include "config.h"

#include <glib/gi18n.h>

#include "mimp-account.h"
#include "mimp-e2e-codec.h"
#include "mimp-mimp-protocol.h"
#include "mimp-connection.h"
#include "mimp.h"

struct _MimpMimpProtocol
{
  MimpProtocol parent_instance;
};

G_DEFINE_FINAL_TYPE (MimpMimpProtocol, mimp_mimp_protocol, MIMP_TYPE_PROTOCOL)

static guint16
mimp_mimp_protocol_default_port (MimpProtocol *protocol, gboolean use_tls)
{
  return use_tls ? MIMP_DEFAULT_TLS_PORT : MIMP_DEFAULT_PORT;
}

static gboolean
mimp_mimp_protocol_normalize_peer (MimpProtocol *protocol, const char *name, char **normalized,
                                   GError **error)
{
  return mimp_user_name_normalize (name, normalized, error);
}

static char *
mimp_mimp_protocol_describe_error (MimpProtocol *protocol, const GError *error)
{
  switch ((MimpError) error->code)
    {
    case MIMP_ERROR_UNREACHABLE:
      return g_strdup (_ ("The server could not be reached. Check the address and your "
                          "network connection."));
    case MIMP_ERROR_TIMEOUT:
      return g_strdup (_ ("The server did not answer in time."));
    case MIMP_ERROR_CLOSED:
      return g_strdup (_ ("The connection to the server was lost."));
    case MIMP_ERROR_NOT_MIMP:
      return g_strdup (_ ("This is not a MIMP server. Check the address and port."));
    case MIMP_ERROR_PROTOCOL:
      return g_strdup (_ ("The server broke the MIMP protocol."));
    case MIMP_ERROR_INVALID_PUZZLE:
      return g_strdup (_ ("The server sent an invalid key puzzle."));
    case MIMP_ERROR_INVALID_TOKEN:
      return g_strdup (_ ("The server sent a session token this app cannot use."));
    case MIMP_ERROR_TOO_LARGE:
      return g_strdup (_ ("The message is too long."));
    case MIMP_ERROR_WRONG_PASSWORD:
      return g_strdup (_ ("The user name or password is wrong."));
    case MIMP_ERROR_UNAUTHORIZED:
    case MIMP_ERROR_FORBIDDEN:
      return g_strdup (_ ("The server refused the request."));
    case MIMP_ERROR_NO_SUCH_USER:
      return g_strdup (_ ("There is no such user on this server."));
    case MIMP_ERROR_RATE_LIMITED:
      return g_strdup (_ ("Too many attempts. Wait a little and try again."));
    case MIMP_ERROR_SERVER_ERROR:
      return g_strdup (_ ("The server had a problem. Try again later."));
    case MIMP_ERROR_CERTIFICATE:
      return g_strdup (_ ("The server’s certificate is not trusted."));
    case MIMP_ERROR_TLS:
      return g_strdup_printf (_ ("A secure connection could not be made: %s"), error->message);
    case MIMP_ERROR_INVALID_ARGUMENT:
    case MIMP_ERROR_BAD_REQUEST:
    case MIMP_ERROR_UNSUPPORTED:
    case MIMP_ERROR_FAILED:
    default:
      return g_strdup (error->message);
    }
}

static MimpSecurityLevel
mimp_mimp_protocol_get_security (MimpProtocol *protocol, gboolean use_tls)
{
  return use_tls ? MIMP_SECURITY_SERVER : MIMP_SECURITY_ANYONE;
}

static char *
mimp_mimp_protocol_describe_security (MimpProtocol *protocol, gboolean use_tls, gboolean brief)
{
  if (brief)
    return g_strdup (use_tls ? _ ("readable by the server") : _ ("not encrypted"));
  if (use_tls)
    return g_strdup (_ ("Not end-to-end encrypted: the server’s operator can read these "
                        "messages. The connection to the server is protected by TLS."));
  return g_strdup (_ ("Not encrypted: the server’s operator, and anyone on the network "
                      "between you and the server, can read these messages."));
}

static MimpProtocolSession *
mimp_mimp_protocol_create_session (MimpProtocol *protocol, MimpAccount *account)
{
  return MIMP_PROTOCOL_SESSION (
      mimp_mimp_session_new (mimp_account_get_host (account), mimp_account_get_port (account),
                             mimp_account_get_use_tls (account), mimp_account_get_user (account),
                             mimp_account_get_fingerprint (account)));
}

static MimpMessageCodec *
mimp_mimp_protocol_create_codec (MimpProtocol *protocol, MimpAccount *account)
{
  return mimp_e2e_codec_new (account);
}

/* How long signing in may take before the account dialog says so. */
#define TEST_LOGIN_TIMEOUT 15

static void
login_done (GObject *source, GAsyncResult *result, gpointer data)
{
  g_autoptr (GTask) task = data;
  MimpConnection *connection = MIMP_CONNECTION (source);
  GError *error = NULL;

  if (mimp_connection_login_finish (connection, result, &error))
    {
      mimp_connection_close (connection);
      g_task_return_boolean (task, TRUE);
      return;
    }
  if (g_error_matches (error, MIMP_ERROR, MIMP_ERROR_CERTIFICATE))
    {
      GTlsCertificate *certificate = mimp_connection_get_peer_certificate (connection);

      g_task_set_task_data (
          task, certificate ? mimp_certificate_get_fingerprint (certificate) : NULL, g_free);
    }
  g_task_return_error (task, error);
}

static void
mimp_mimp_protocol_test_login_async (MimpProtocol *protocol, MimpAccount *account,
                                     const char *password, GCancellable *cancellable,
                                     GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task = g_task_new (protocol, cancellable, callback, user_data);
  g_autoptr (MimpConnection) connection = NULL;

  g_task_set_source_tag (task, mimp_mimp_protocol_test_login_async);
  connection =
      mimp_connection_new (mimp_account_get_host (account), mimp_account_get_port (account),
                           mimp_account_get_use_tls (account));
  mimp_connection_set_timeout (connection, TEST_LOGIN_TIMEOUT);
  mimp_connection_set_accepted_certificate (connection, mimp_account_get_fingerprint (account));
  /* The task keeps the connection until the login is over. */
  g_object_set_data_full (G_OBJECT (task), "connection", g_object_ref (connection), g_object_unref);
  mimp_connection_login_async (connection, mimp_account_get_user (account), password, cancellable,
                               login_done, task);
}

static gboolean
mimp_mimp_protocol_test_login_finish (MimpProtocol *protocol, GAsyncResult *result,
                                      char **fingerprint, GError **error)
{
  if (fingerprint != NULL)
    *fingerprint = g_strdup (g_task_get_task_data (G_TASK (result)));
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
mimp_mimp_protocol_class_init (MimpMimpProtocolClass *klass)
{
  MimpProtocolClass *protocol_class = MIMP_PROTOCOL_CLASS (klass);

  protocol_class->id = "mimp";
  protocol_class->display_name = N_ ("MIMP");
  protocol_class->user_title = N_ ("User Name");
  /* End-to-end encryption, verification and typing are private chats'
   * (mimp-e2e-codec.c); typing needs a server with ephemeral messages. */
  protocol_class->capabilities = MIMP_PROTOCOL_STORE_AND_FORWARD | MIMP_PROTOCOL_PASSWORD |
                                 MIMP_PROTOCOL_TLS | MIMP_PROTOCOL_END_TO_END |
                                 MIMP_PROTOCOL_VERIFICATION | MIMP_PROTOCOL_TYPING;
  protocol_class->max_text = MIMP_MESSAGE_TEXT_MAX;
  protocol_class->error_domain = MIMP_ERROR;
  protocol_class->default_port = mimp_mimp_protocol_default_port;
  protocol_class->normalize_peer = mimp_mimp_protocol_normalize_peer;
  protocol_class->describe_error = mimp_mimp_protocol_describe_error;
  protocol_class->get_security = mimp_mimp_protocol_get_security;
  protocol_class->describe_security = mimp_mimp_protocol_describe_security;
  protocol_class->create_session = mimp_mimp_protocol_create_session;
  protocol_class->create_codec = mimp_mimp_protocol_create_codec;
  protocol_class->test_login_async = mimp_mimp_protocol_test_login_async;
  protocol_class->test_login_finish = mimp_mimp_protocol_test_login_finish;
}

static void
mimp_mimp_protocol_init (MimpMimpProtocol *self)
{
}
