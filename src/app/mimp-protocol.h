/* mimp-protocol.h - an account type: what one chat protocol offers and how
 * an account of that type connects
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "mimp-message-codec.h"
#include "mimp-protocol-session.h"

G_BEGIN_DECLS

typedef struct _MimpAccount MimpAccount;

/* What the UI may offer for an account of this type; it reads these
 * instead of asking which protocol an account speaks. */
typedef enum /*< flags >*/
{
  MIMP_PROTOCOL_STORE_AND_FORWARD = 1 << 0, /* messages to offline peers wait on a server */
  MIMP_PROTOCOL_ROOMS = 1 << 1,             /* group chats */
  MIMP_PROTOCOL_PRESENCE = 1 << 2,          /* who is online */
  MIMP_PROTOCOL_TYPING = 1 << 3,            /* "is typing" */
  MIMP_PROTOCOL_AVATARS = 1 << 4,
  MIMP_PROTOCOL_IMAGES = 1 << 5,
  MIMP_PROTOCOL_REGISTRATION = 1 << 6, /* new accounts can be made from the app */
  MIMP_PROTOCOL_END_TO_END = 1 << 7,   /* only the peers can read the messages */
  MIMP_PROTOCOL_VERIFICATION = 1 << 8, /* the peer's identity can be checked */
  MIMP_PROTOCOL_PASSWORD = 1 << 9,     /* accounts sign in with a password */
  MIMP_PROTOCOL_TLS = 1 << 10,         /* connections can use TLS */
} MimpProtocolCapabilities;

/* Who can read an account's chats, from the worst case up. The UI shows a
 * closed lock for MIMP_SECURITY_VERIFIED only. */
typedef enum
{
  MIMP_SECURITY_ANYONE,     /* anyone on the network path, and the server */
  MIMP_SECURITY_SERVER,     /* the connection is protected; the server's operator can read */
  MIMP_SECURITY_UNVERIFIED, /* end-to-end encrypted, but who is at the other end is not
                             * verified: a server in the middle could read */
  MIMP_SECURITY_VERIFIED,   /* end-to-end encrypted to a verified identity */
} MimpSecurityLevel;

/* A setting of the account type's own, offered as a choice in the account
 * dialog and kept in accounts.ini under @key (e.g. Miricat's dialect). */
typedef struct
{
  const char *key;
  const char *title;               /* marked for translation */
  const char *const *values;       /* NULL-terminated; the first is the default */
  const char *const *value_labels; /* marked for translation, one per value */
  const char *subtitle;            /* marked for translation: why it is asked, or NULL */
} MimpProtocolOption;

#define MIMP_TYPE_PROTOCOL (mimp_protocol_get_type ())
G_DECLARE_DERIVABLE_TYPE (MimpProtocol, mimp_protocol, MIMP, PROTOCOL, GObject)

/**
 * MimpProtocolClass:
 * @id: the protocol's name in accounts.ini, the keyring and the history
 *   ("mimp"); never changes once released
 * @display_name: its name for people, marked for translation
 * @user_title: what the account dialog calls the user's name (marked for
 *   translation: "User Name", "Nickname")
 * @server_title: what it calls the server ("Server", "Relay"), or %NULL
 *   for "Server"
 * @options: settings of its own, ending with one whose @key is %NULL, or
 *   %NULL for none
 * @capabilities: what it offers
 * @max_text: the longest text it sends, in bytes
 * @error_domain: the domain of the errors its sessions report
 * @default_port: the port when the user gives none (@use_tls for
 *   protocols with TLS)
 * @normalize_peer: checks a user or peer name and returns it as the
 *   protocol compares names
 * @describe_error: a sentence for people about an error of @error_domain
 * @get_security: who can read the account's chats (@use_tls for
 *   protocols with TLS)
 * @describe_security: the same in plain words: a sentence, or with @brief
 *   a few words for a list row
 * @create_session: a new, not yet started session for @account
 * @create_codec: the codec @account's messages pass through (end-to-end
 *   encryption); %NULL for the plain codec
 * @test_login_async: connects as @account (not saved yet) with @password
 *   and signs in, to tell the user at once what is wrong; its finish sets
 *   @fingerprint to the certificate's when that is what failed
 * @register_async: creates @account's user on the server, for protocols
 *   with MIMP_PROTOCOL_REGISTRATION
 */
struct _MimpProtocolClass
{
  GObjectClass parent_class;

  const char *id;
  const char *display_name;
  const char *user_title;
  const char *server_title;
  const MimpProtocolOption *options;
  MimpProtocolCapabilities capabilities;
  gsize max_text;
  GQuark error_domain;

  guint16 (*default_port) (MimpProtocol *self, gboolean use_tls);
  gboolean (*normalize_peer) (MimpProtocol *self, const char *name, char **normalized,
                              GError **error);
  char *(*describe_error) (MimpProtocol *self, const GError *error);
  MimpSecurityLevel (*get_security) (MimpProtocol *self, gboolean use_tls);
  char *(*describe_security) (MimpProtocol *self, gboolean use_tls, gboolean brief);
  MimpProtocolSession *(*create_session) (MimpProtocol *self, MimpAccount *account);
  MimpMessageCodec *(*create_codec) (MimpProtocol *self, MimpAccount *account);
  void (*test_login_async) (MimpProtocol *self, MimpAccount *account, const char *password,
                            GCancellable *cancellable, GAsyncReadyCallback callback,
                            gpointer user_data);
  gboolean (*test_login_finish) (MimpProtocol *self, GAsyncResult *result, char **fingerprint,
                                 GError **error);
  void (*register_async) (MimpProtocol *self, MimpAccount *account, const char *password,
                          GCancellable *cancellable, GAsyncReadyCallback callback,
                          gpointer user_data);
  gboolean (*register_finish) (MimpProtocol *self, GAsyncResult *result, GError **error);

  gpointer padding[7];
};

const char *mimp_protocol_get_id (MimpProtocol *self);
const char *mimp_protocol_get_display_name (MimpProtocol *self);
MimpProtocolCapabilities mimp_protocol_get_capabilities (MimpProtocol *self);
gboolean mimp_protocol_has (MimpProtocol *self, MimpProtocolCapabilities capabilities);
gsize mimp_protocol_get_max_text (MimpProtocol *self);
guint16 mimp_protocol_get_default_port (MimpProtocol *self, gboolean use_tls);
gboolean mimp_protocol_normalize_peer (MimpProtocol *self, const char *name, char **normalized,
                                       GError **error);
MimpSecurityLevel mimp_protocol_get_security (MimpProtocol *self, gboolean use_tls);
char *mimp_protocol_describe_security (MimpProtocol *self, gboolean use_tls, gboolean brief);
const char *mimp_security_level_get_icon_name (MimpSecurityLevel level);
MimpProtocolSession *mimp_protocol_create_session (MimpProtocol *self, MimpAccount *account);
MimpMessageCodec *mimp_protocol_create_codec (MimpProtocol *self, MimpAccount *account);
const char *mimp_protocol_get_user_title (MimpProtocol *self);
const char *mimp_protocol_get_server_title (MimpProtocol *self);
const MimpProtocolOption *mimp_protocol_get_options (MimpProtocol *self);
const MimpProtocolOption *mimp_protocol_find_option (MimpProtocol *self, const char *key);
void mimp_protocol_test_login_async (MimpProtocol *self, MimpAccount *account, const char *password,
                                     GCancellable *cancellable, GAsyncReadyCallback callback,
                                     gpointer user_data);
gboolean mimp_protocol_test_login_finish (MimpProtocol *self, GAsyncResult *result,
                                          char **fingerprint, GError **error);
void mimp_protocol_register_async (MimpProtocol *self, MimpAccount *account, const char *password,
                                   GCancellable *cancellable, GAsyncReadyCallback callback,
                                   gpointer user_data);
gboolean mimp_protocol_register_finish (MimpProtocol *self, GAsyncResult *result, GError **error);
gboolean mimp_protocol_parse_server (MimpProtocol *self, const char *text, gboolean use_tls,
                                     char **host, guint16 *port);

/* The registry: every account type the app knows, in the order the Add
 * Account dialog offers them (the built-in ones first). */
void mimp_protocol_register (GType type);
MimpProtocol *mimp_protocol_find (const char *id);
GPtrArray *mimp_protocol_list (void);

/* A sentence for people about any error the app meets: a protocol's (by
 * its domain), the keyring's, or the error's own message. */
char *mimp_describe_error (const GError *error);

G_END_DECLS
