/* mimp-protocol.c
 *
 * Protocols register once (mimp_protocols_register_builtin(), or a test's
 * own) and live for the whole process, one instance each, as libpurple's
 * protocol manager keeps them. Nothing outside protocols/ names one.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "mimp-protocol"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "mimp-address.h"
#include "mimp-protocol.h"
#include "mimp-secret-store.h"
#include "protocols/cryptully/mimp-cryptully-protocol.h"
#include "protocols/mimp/mimp-mimp-protocol.h"
#include "protocols/miricat/mimp-miricat-protocol.h"

G_DEFINE_ABSTRACT_TYPE (MimpProtocol, mimp_protocol, G_TYPE_OBJECT)

static GPtrArray *registry; /* of owned MimpProtocol, in registration order */

static void ensure_builtin (void);

static void
mimp_protocol_class_init (MimpProtocolClass *klass)
{
}

static void
mimp_protocol_init (MimpProtocol *self)
{
}

#define CLASS(self) MIMP_PROTOCOL_GET_CLASS (self)

const char *
mimp_protocol_get_id (MimpProtocol *self)
{
  g_return_val_if_fail (MIMP_IS_PROTOCOL (self), NULL);
  return CLASS (self)->id;
}

const char *
mimp_protocol_get_display_name (MimpProtocol *self)
{
  g_return_val_if_fail (MIMP_IS_PROTOCOL (self), NULL);
  return _ (CLASS (self)->display_name);
}

MimpProtocolCapabilities
mimp_protocol_get_capabilities (MimpProtocol *self)
{
  g_return_val_if_fail (MIMP_IS_PROTOCOL (self), 0);
  return CLASS (self)->capabilities;
}

/**
 * mimp_protocol_has:
 *
 * Returns: whether the protocol offers all of @capabilities
 */
gboolean
mimp_protocol_has (MimpProtocol *self, MimpProtocolCapabilities capabilities)
{
  g_return_val_if_fail (MIMP_IS_PROTOCOL (self), FALSE);
  return (CLASS (self)->capabilities & capabilities) == capabilities;
}

gsize
mimp_protocol_get_max_text (MimpProtocol *self)
{
  g_return_val_if_fail (MIMP_IS_PROTOCOL (self), 0);
  return CLASS (self)->max_text;
}

guint16
mimp_protocol_get_default_port (MimpProtocol *self, gboolean use_tls)
{
  g_return_val_if_fail (MIMP_IS_PROTOCOL (self), 0);
  return CLASS (self)->default_port (self, use_tls);
}

gboolean
mimp_protocol_normalize_peer (MimpProtocol *self, const char *name, char **normalized,
                              GError **error)
{
  g_return_val_if_fail (MIMP_IS_PROTOCOL (self), FALSE);
  g_return_val_if_fail (name != NULL && normalized != NULL, FALSE);
  return CLASS (self)->normalize_peer (self, name, normalized, error);
}

MimpSecurityLevel
mimp_protocol_get_security (MimpProtocol *self, gboolean use_tls)
{
  g_return_val_if_fail (MIMP_IS_PROTOCOL (self), MIMP_SECURITY_ANYONE);
  return CLASS (self)->get_security (self, use_tls);
}

char *
mimp_protocol_describe_security (MimpProtocol *self, gboolean use_tls, gboolean brief)
{
  g_return_val_if_fail (MIMP_IS_PROTOCOL (self), NULL);
  return CLASS (self)->describe_security (self, use_tls, brief);
}

/**
 * mimp_security_level_get_icon_name:
 *
 * Returns: the symbolic icon for @level: a closed lock only for a verified
 *   end-to-end chat, never for less
 */
const char *
mimp_security_level_get_icon_name (MimpSecurityLevel level)
{
  switch (level)
    {
    case MIMP_SECURITY_VERIFIED:
      return "channel-secure-symbolic";
    case MIMP_SECURITY_UNVERIFIED:
      return "dialog-warning-symbolic";
    case MIMP_SECURITY_SERVER:
      return "network-server-symbolic";
    case MIMP_SECURITY_ANYONE:
    default:
      return "channel-insecure-symbolic";
    }
}

MimpProtocolSession *
mimp_protocol_create_session (MimpProtocol *self, MimpAccount *account)
{
  g_return_val_if_fail (MIMP_IS_PROTOCOL (self), NULL);
  return CLASS (self)->create_session (self, account);
}

/**
 * mimp_protocol_create_codec:
 *
 * Returns: (transfer full): the codec @account's messages pass through:
 *   the type's own (end-to-end encryption), or the plain one
 */
MimpMessageCodec *
mimp_protocol_create_codec (MimpProtocol *self, MimpAccount *account)
{
  g_return_val_if_fail (MIMP_IS_PROTOCOL (self), NULL);
  if (CLASS (self)->create_codec != NULL)
    return CLASS (self)->create_codec (self, account);
  return mimp_plain_codec_new ();
}

const char *
mimp_protocol_get_user_title (MimpProtocol *self)
{
  g_return_val_if_fail (MIMP_IS_PROTOCOL (self), NULL);
  return CLASS (self)->user_title ? _ (CLASS (self)->user_title) : _ ("User Name");
}

const char *
mimp_protocol_get_server_title (MimpProtocol *self)
{
  g_return_val_if_fail (MIMP_IS_PROTOCOL (self), NULL);
  return CLASS (self)->server_title ? _ (CLASS (self)->server_title) : _ ("Server");
}

/**
 * mimp_protocol_get_options:
 *
 * Returns: (nullable): the type's own settings, ending with one whose key
 *   is %NULL
 */
const MimpProtocolOption *
mimp_protocol_get_options (MimpProtocol *self)
{
  g_return_val_if_fail (MIMP_IS_PROTOCOL (self), NULL);
  return CLASS (self)->options;
}

const MimpProtocolOption *
mimp_protocol_find_option (MimpProtocol *self, const char *key)
{
  const MimpProtocolOption *option = mimp_protocol_get_options (self);

  for (; option != NULL && option->key != NULL; option++)
    if (g_str_equal (option->key, key))
      return option;
  return NULL;
}

void
mimp_protocol_test_login_async (MimpProtocol *self, MimpAccount *account, const char *password,
                                GCancellable *cancellable, GAsyncReadyCallback callback,
                                gpointer user_data)
{
  g_return_if_fail (MIMP_IS_PROTOCOL (self));
  CLASS (self)->test_login_async (self, account, password, cancellable, callback, user_data);
}

gboolean
mimp_protocol_test_login_finish (MimpProtocol *self, GAsyncResult *result, char **fingerprint,
                                 GError **error)
{
  g_return_val_if_fail (MIMP_IS_PROTOCOL (self), FALSE);
  if (fingerprint != NULL)
    *fingerprint = NULL;
  return CLASS (self)->test_login_finish (self, result, fingerprint, error);
}

void
mimp_protocol_register_async (MimpProtocol *self, MimpAccount *account, const char *password,
                              GCancellable *cancellable, GAsyncReadyCallback callback,
                              gpointer user_data)
{
  g_return_if_fail (MIMP_IS_PROTOCOL (self));
  g_return_if_fail (mimp_protocol_has (self, MIMP_PROTOCOL_REGISTRATION));
  CLASS (self)->register_async (self, account, password, cancellable, callback, user_data);
}

gboolean
mimp_protocol_register_finish (MimpProtocol *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (MIMP_IS_PROTOCOL (self), FALSE);
  return CLASS (self)->register_finish (self, result, error);
}

/**
 * mimp_protocol_parse_server:
 * @text: "host" or "host:port" (or "[v6]:port"), as mimp_address_parse()
 *   reads it
 *
 * Returns: whether @text is a usable server address; without a port the
 *   protocol's default is used
 */
gboolean
mimp_protocol_parse_server (MimpProtocol *self, const char *text, gboolean use_tls, char **host,
                            guint16 *port)
{
  g_return_val_if_fail (MIMP_IS_PROTOCOL (self), FALSE);

  return mimp_address_parse (text, mimp_protocol_get_default_port (self, use_tls), host, port,
                             NULL);
}

/* ------------------------------------------------------------------ */
/* Registry                                                           */
/* ------------------------------------------------------------------ */

/**
 * mimp_protocol_register:
 * @type: a subtype of #MimpProtocol
 *
 * Makes the protocol known to every part of the app. Registering a type
 * twice, or two types with one id, is a programming error.
 */
void
mimp_protocol_register (GType type)
{
  MimpProtocol *protocol;

  g_return_if_fail (g_type_is_a (type, MIMP_TYPE_PROTOCOL));

  ensure_builtin ();
  protocol = g_object_new (type, NULL);
  g_return_if_fail (CLASS (protocol)->id != NULL);
  if (mimp_protocol_find (CLASS (protocol)->id) != NULL)
    {
      g_critical ("Protocol %s registered twice", CLASS (protocol)->id);
      g_object_unref (protocol);
      return;
    }
  g_ptr_array_add (registry, protocol);
}

/* The protocols the app ships with come first, registered on first use
 * of the registry (from the main thread, as all of the app's objects). */
static void
ensure_builtin (void)
{
  if (registry != NULL)
    return;
  registry = g_ptr_array_new_with_free_func (g_object_unref);
  mimp_protocol_register (MIMP_TYPE_MIMP_PROTOCOL);
  mimp_protocol_register (MIMP_TYPE_CRYPTULLY_PROTOCOL);
  mimp_protocol_register (MIMP_TYPE_MIRICAT_PROTOCOL);
}

/**
 * mimp_protocol_find:
 *
 * Returns: (transfer none) (nullable): the registered protocol with @id
 */
MimpProtocol *
mimp_protocol_find (const char *id)
{
  ensure_builtin ();
  if (id == NULL)
    return NULL;
  for (guint i = 0; i < registry->len; i++)
    if (g_str_equal (CLASS (registry->pdata[i])->id, id))
      return registry->pdata[i];
  return NULL;
}

/**
 * mimp_protocol_list:
 *
 * Returns: (transfer container) (element-type MimpProtocol): the registered
 *   protocols, in registration order
 */
GPtrArray *
mimp_protocol_list (void)
{
  GPtrArray *list = g_ptr_array_new_with_free_func (g_object_unref);

  ensure_builtin ();
  for (guint i = 0; i < registry->len; i++)
    g_ptr_array_add (list, g_object_ref (registry->pdata[i]));
  return list;
}

/* ------------------------------------------------------------------ */

char *
mimp_describe_error (const GError *error)
{
  if (error == NULL)
    return g_strdup (_ ("Unknown error"));

  ensure_builtin ();
  for (guint i = 0; i < registry->len; i++)
    {
      MimpProtocol *protocol = registry->pdata[i];

      if (CLASS (protocol)->error_domain == error->domain && CLASS (protocol)->describe_error)
        return CLASS (protocol)->describe_error (protocol, error);
    }
  if (error->domain == MIMP_SECRET_STORE_ERROR)
    {
      switch ((MimpSecretStoreError) error->code)
        {
        case MIMP_SECRET_STORE_ERROR_UNAVAILABLE:
          return g_strdup (_ ("No keyring is available to keep passwords."));
        case MIMP_SECRET_STORE_ERROR_LOCKED:
          return g_strdup (_ ("The keyring is locked."));
        case MIMP_SECRET_STORE_ERROR_TIMEOUT:
          return g_strdup (_ ("The keyring did not answer."));
        case MIMP_SECRET_STORE_ERROR_FAILED:
        default:
          return g_strdup (error->message);
        }
    }
  return g_strdup (error->message);
}
