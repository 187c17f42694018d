/* mimp-cryptully-protocol.c - the Cryptully account type
 *
 * An account is a relay and a nickname; there is no password and no TLS.
 * Chats are end-to-end encrypted, but nothing proves who is at the other
 * end: a relay that puts itself in the middle reads everything, and a
 * successful question check (SMP) does not tell it apart (both sides talk
 * to the relay, which can pass the check on). So the level is
 * MIMP_SECURITY_UNVERIFIED and stays so, whatever a check says.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "mimp-protocol"

#include "config.h"

#include <glib/gi18n.h>

#include "cryptully.h"
#include "mimp-account.h"
#include "mimp-cryptully-protocol.h"

struct _MimpCryptullyProtocol
{
  MimpProtocol parent_instance;
};

G_DEFINE_FINAL_TYPE (MimpCryptullyProtocol, mimp_cryptully_protocol, MIMP_TYPE_PROTOCOL)

static guint16
mimp_cryptully_protocol_default_port (MimpProtocol *protocol, gboolean use_tls)
{
  return CRYPTULLY_DEFAULT_PORT;
}

static gboolean
mimp_cryptully_protocol_normalize_peer (MimpProtocol *protocol, const char *name, char **normalized,
                                        GError **error)
{
  *normalized = cryptully_nick_normalize (name, NULL);
  if (*normalized == NULL)
    g_set_error_literal (error, CRYPTULLY_ERROR, CRYPTULLY_ERROR_INVALID_NICK,
                         _ ("A nickname has only letters and digits, at most 32 of them."));
  return *normalized != NULL;
}

/* The errors that are about one peer, in a sentence that names them. */
static char *
describe_for_peer (int code, const char *peer)
{
  switch (code)
    {
    case CRYPTULLY_ERROR_NICK_NOT_FOUND:
      return g_strdup_printf (_ ("%s is not online. Cryptully cannot keep messages for later: "
                                 "try again when they are."),
                              peer);
    case CRYPTULLY_ERROR_REJECTED:
      return g_strdup_printf (_ ("%s declined the chat."), peer);
    case CRYPTULLY_ERROR_CONNECTION_ENDED:
      return g_strdup_printf (_ ("The chat with %s ended before the message was sent."), peer);
    case CRYPTULLY_ERROR_BAD_HANDSHAKE:
      return g_strdup_printf (_ ("The key exchange with %s failed."), peer);
    default:
      return NULL;
    }
}

/**
 * mimp_cryptully_error_for_peer:
 *
 * Returns: (transfer full): a copy of @error whose message names @peer
 *   when the error is about them
 */
GError *
mimp_cryptully_error_for_peer (const GError *error, const char *peer)
{
  g_autofree char *message = NULL;

  if (error->domain == CRYPTULLY_ERROR && peer != NULL &&
      (message = describe_for_peer (error->code, peer)) != NULL)
    return g_error_new_literal (CRYPTULLY_ERROR, error->code, message);
  return g_error_copy (error);
}

static char *
mimp_cryptully_protocol_describe_error (MimpProtocol *protocol, const GError *error)
{
  /* Named by mimp_cryptully_error_for_peer (): its sentence. */
  if ((error->code == CRYPTULLY_ERROR_NICK_NOT_FOUND || error->code == CRYPTULLY_ERROR_REJECTED ||
       error->code == CRYPTULLY_ERROR_CONNECTION_ENDED ||
       error->code == CRYPTULLY_ERROR_BAD_HANDSHAKE) &&
      g_strcmp0 (error->message, cryptully_error_describe (error->code)) != 0)
    return g_strdup (error->message);

  switch ((CryptullyError) error->code)
    {
    case CRYPTULLY_ERROR_CONNECTION_ENDED:
      return g_strdup (_ ("The chat was ended."));
    case CRYPTULLY_ERROR_NICK_NOT_FOUND:
      return g_strdup (_ ("The other person is not online. Cryptully cannot keep messages for "
                          "later: try again when they are."));
    case CRYPTULLY_ERROR_REJECTED:
      return g_strdup (_ ("The other person declined the chat."));
    case CRYPTULLY_ERROR_BAD_HANDSHAKE:
      return g_strdup (_ ("The key exchange with the other person failed."));
    case CRYPTULLY_ERROR_CLIENT_EXISTS:
    case CRYPTULLY_ERROR_ALREADY_CONNECTED:
      return g_strdup (_ ("A chat with this nickname is already open."));
    case CRYPTULLY_ERROR_SELF_CONNECT:
      return g_strdup (_ ("You cannot chat with yourself."));
    case CRYPTULLY_ERROR_SERVER_SHUTDOWN:
      return g_strdup (_ ("The relay is shutting down."));
    case CRYPTULLY_ERROR_INVALID_COMMAND:
      return g_strdup (_ ("The other side sent something Cryptully does not allow, so the chat "
                          "was closed."));
    case CRYPTULLY_ERROR_NETWORK:
    case CRYPTULLY_ERROR_CLOSED:
      return g_strdup (_ ("The connection to the relay was lost."));
    case CRYPTULLY_ERROR_BAD_HMAC:
      return g_strdup (_ ("A message failed its integrity check, so the chat was closed: "
                          "someone may have changed it on the way."));
    case CRYPTULLY_ERROR_BAD_DECRYPT:
      return g_strdup (_ ("A message could not be decrypted, so the chat was closed."));
    case CRYPTULLY_ERROR_INVALID_NICK:
      return g_strdup (_ ("A nickname has only letters and digits, at most 32 of them."));
    case CRYPTULLY_ERROR_NICK_IN_USE:
      return g_strdup (_ ("This nickname is already in use on this relay. Choose another one, "
                          "or try again later."));
    case CRYPTULLY_ERROR_KICKED:
      return g_strdup (_ ("The relay’s operator disconnected you."));
    case CRYPTULLY_ERROR_SMP_CHECK_FAILED:
      return g_strdup (_ ("The check failed: the other side sent invalid verification "
                          "messages."));
    case CRYPTULLY_ERROR_SMP_MATCH_FAILED:
      return g_strdup (_ ("The answers do not match."));
    case CRYPTULLY_ERROR_REPLAY:
      return g_strdup (_ ("A message arrived twice, so the chat was closed."));
    case CRYPTULLY_ERROR_DELETION:
      return g_strdup (_ ("Messages went missing on the way, so the chat was closed."));
    case CRYPTULLY_ERROR_VERSION_MISMATCH:
      return g_strdup (_ ("The relay speaks another version of Cryptully."));
    case CRYPTULLY_ERROR_MALFORMED:
      return g_strdup (_ ("This is not a Cryptully relay. Check the address and port."));
    case CRYPTULLY_ERROR_TOO_LARGE:
      return g_strdup (_ ("The message is too long."));
    case CRYPTULLY_ERROR_TIMEOUT:
      return g_strdup (_ ("No answer came in time."));
    case CRYPTULLY_ERROR_UNREACHABLE:
      return g_strdup (_ ("The relay could not be reached. Check the address and your network "
                          "connection."));
    case CRYPTULLY_ERROR_BAD_KEY:
      return g_strdup (_ ("The other side sent a key that is not safe to use, so the chat was "
                          "closed."));
    case CRYPTULLY_ERROR_BUSY:
      return g_strdup (_ ("A check is already running in this chat."));
    case CRYPTULLY_ERROR_NOT_READY:
      return g_strdup (_ ("There is no open chat with this person yet. Send a message first."));
    default:
      return g_strdup (error->message);
    }
}

static MimpSecurityLevel
mimp_cryptully_protocol_get_security (MimpProtocol *protocol, gboolean use_tls)
{
  return MIMP_SECURITY_UNVERIFIED;
}

static char *
mimp_cryptully_protocol_describe_security (MimpProtocol *protocol, gboolean use_tls, gboolean brief)
{
  if (brief)
    return g_strdup (_ ("end-to-end encrypted, not verified"));
  return g_strdup (_ ("End-to-end encrypted, but the identity of the other person is not "
                      "verified: the relay could read the messages by putting itself in the "
                      "middle."));
}

static MimpProtocolSession *
mimp_cryptully_protocol_create_session (MimpProtocol *protocol, MimpAccount *account)
{
  return MIMP_PROTOCOL_SESSION (mimp_cryptully_session_new (mimp_account_get_host (account),
                                                            mimp_account_get_port (account),
                                                            mimp_account_get_user (account)));
}

/* ------------------------------------------------------------------ */
/* Test login: connect, register the nickname, leave                  */
/* ------------------------------------------------------------------ */

typedef struct
{
  CryptullyClient *client;
  GCancellable *cancellable;
  gulong cancelled_id;
  gboolean done;
} TestLogin;

static void
test_login_free (TestLogin *login)
{
  if (login->cancelled_id)
    g_cancellable_disconnect (login->cancellable, login->cancelled_id);
  g_clear_object (&login->cancellable);
  if (login->client)
    cryptully_client_disconnect (login->client);
  g_clear_object (&login->client);
  g_free (login);
}

/* Returns the result once; the task (and the client with it) goes from
 * an idle callback, never inside the client's own signal. */
static void
test_login_finish_with (GTask *task, GError *error)
{
  TestLogin *login = g_task_get_task_data (task);

  if (login->done)
    {
      g_clear_error (&error);
      return;
    }
  login->done = TRUE;
  g_signal_handlers_disconnect_by_data (login->client, task);
  if (error != NULL)
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
  g_idle_add (G_SOURCE_FUNC (g_object_unref), task);
}

static void
test_login_state (CryptullyClient *client, GParamSpec *pspec, GTask *task)
{
  const GError *error = cryptully_client_get_error (client);

  switch (cryptully_client_get_state (client))
    {
    case CRYPTULLY_STATE_ONLINE:
      test_login_finish_with (task, NULL);
      break;
    case CRYPTULLY_STATE_FAILED:
    case CRYPTULLY_STATE_DISCONNECTED:
      test_login_finish_with (task, error ? g_error_copy (error)
                                          : cryptully_error_new (CRYPTULLY_ERROR_CLOSED));
      break;
    case CRYPTULLY_STATE_CONNECTING:
    default:
      break;
    }
}

static void
test_login_cancelled (GCancellable *cancellable, GTask *task)
{
  test_login_finish_with (
      task, g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED, "Operation was cancelled"));
}

static void
mimp_cryptully_protocol_test_login_async (MimpProtocol *protocol, MimpAccount *account,
                                          const char *password, GCancellable *cancellable,
                                          GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task = g_task_new (protocol, cancellable, callback, user_data);
  TestLogin *login = g_new0 (TestLogin, 1);

  /* The task's own reference is released by test_login_finish_with (). */
  g_task_set_source_tag (task, mimp_cryptully_protocol_test_login_async);
  g_task_set_task_data (task, login, (GDestroyNotify) test_login_free);
  login->client =
      cryptully_client_new (mimp_account_get_host (account), mimp_account_get_port (account),
                            mimp_account_get_user (account));
  g_signal_connect (login->client, "notify::state", G_CALLBACK (test_login_state), task);
  cryptully_client_start (login->client);
  if (cancellable != NULL)
    {
      login->cancellable = g_object_ref (cancellable);
      login->cancelled_id =
          g_cancellable_connect (cancellable, G_CALLBACK (test_login_cancelled), task, NULL);
    }
}

static gboolean
mimp_cryptully_protocol_test_login_finish (MimpProtocol *protocol, GAsyncResult *result,
                                           char **fingerprint, GError **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
mimp_cryptully_protocol_class_init (MimpCryptullyProtocolClass *klass)
{
  MimpProtocolClass *protocol_class = MIMP_PROTOCOL_CLASS (klass);

  protocol_class->id = "cryptully";
  protocol_class->display_name = N_ ("Cryptully");
  protocol_class->server_title = N_ ("Relay");
  protocol_class->user_title = N_ ("Nickname");
  protocol_class->capabilities =
      MIMP_PROTOCOL_TYPING | MIMP_PROTOCOL_END_TO_END | MIMP_PROTOCOL_VERIFICATION;
  protocol_class->max_text = CRYPTULLY_TEXT_MAX;
  protocol_class->error_domain = CRYPTULLY_ERROR;
  protocol_class->default_port = mimp_cryptully_protocol_default_port;
  protocol_class->normalize_peer = mimp_cryptully_protocol_normalize_peer;
  protocol_class->describe_error = mimp_cryptully_protocol_describe_error;
  protocol_class->get_security = mimp_cryptully_protocol_get_security;
  protocol_class->describe_security = mimp_cryptully_protocol_describe_security;
  protocol_class->create_session = mimp_cryptully_protocol_create_session;
  protocol_class->test_login_async = mimp_cryptully_protocol_test_login_async;
  protocol_class->test_login_finish = mimp_cryptully_protocol_test_login_finish;
}

static void
mimp_cryptully_protocol_init (MimpCryptullyProtocol *self)
{
}
