/* mimp-test-protocol.h - an account type whose wire is in memory, for tests
 *
 * Only the wire is fake: accounts of this type are real MimpAccounts with
 * the real history. A MimpTestNetwork is the server: it keeps each user's
 * mailbox, numbers what it delivers, and delivers again whatever was not
 * acknowledged when a session connects anew (at-least-once, like mimpd).
 * Everything happens from idle callbacks of the default main context: no
 * timers, no sockets, no threads.
 *
 *   net = mimp_test_network_new ();
 *   mimp_test_network_add_user (net, "alice", NULL);
 *   account = mimp_test_network_new_account (net, "alice");
 *   mimp_account_manager_add (manager, account);   (it connects)
 *   mimp_test_network_inject (net, "bob", "alice", "hi", timestamp_ms);
 *
 * A message to a user the network does not know fails, as mimpd's would.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "mimp-account.h"
#include "mimp-protocol.h"

G_BEGIN_DECLS

#define MIMP_TEST_PROTOCOL_ERROR (mimp_test_protocol_error_quark ())

typedef enum
{
  MIMP_TEST_PROTOCOL_ERROR_FAILED,
  MIMP_TEST_PROTOCOL_ERROR_UNREACHABLE, /* no network at the host, or the user is cut off */
  MIMP_TEST_PROTOCOL_ERROR_CLOSED,      /* the connection was lost */
  MIMP_TEST_PROTOCOL_ERROR_WRONG_PASSWORD,
  MIMP_TEST_PROTOCOL_ERROR_NO_SUCH_USER,
  MIMP_TEST_PROTOCOL_ERROR_REFUSED, /* the network would not take the message */
  MIMP_TEST_PROTOCOL_ERROR_TOO_LARGE,
  MIMP_TEST_PROTOCOL_ERROR_INVALID_NAME,
} MimpTestProtocolError;

GQuark mimp_test_protocol_error_quark (void);

/* The account type: id "test", display name "Test", store-and-forward,
 * no password and no TLS unless a test sets other capabilities. */
#define MIMP_TYPE_TEST_PROTOCOL (mimp_test_protocol_get_type ())
G_DECLARE_FINAL_TYPE (MimpTestProtocol, mimp_test_protocol, MIMP, TEST_PROTOCOL, MimpProtocol)

#define MIMP_TEST_PROTOCOL_PORT 7
#define MIMP_TEST_PROTOCOL_MAX_TEXT 4096

MimpProtocol *mimp_test_protocol_get (void);
void mimp_test_protocol_set_capabilities (MimpProtocolCapabilities capabilities);
/* The codec of the accounts made from now on (the plain one by default). */
typedef MimpMessageCodec *(*MimpTestCodecFactory) (MimpAccount *account);
void mimp_test_protocol_set_codec_factory (MimpTestCodecFactory factory);

/* The server. */
#define MIMP_TYPE_TEST_NETWORK (mimp_test_network_get_type ())
G_DECLARE_FINAL_TYPE (MimpTestNetwork, mimp_test_network, MIMP, TEST_NETWORK, GObject)

MimpTestNetwork *mimp_test_network_new (void);
const char *mimp_test_network_get_host (MimpTestNetwork *self);
void mimp_test_network_add_user (MimpTestNetwork *self, const char *user, const char *password);
MimpAccount *mimp_test_network_new_account (MimpTestNetwork *self, const char *user);

/* Test controls. */
char *mimp_test_network_inject (MimpTestNetwork *self, const char *from, const char *to,
                                const char *text, gint64 timestamp);
void mimp_test_network_set_online (MimpTestNetwork *self, const char *user, gboolean online);
void mimp_test_network_set_holding (MimpTestNetwork *self, gboolean holding);
void mimp_test_network_set_losing_acks (MimpTestNetwork *self, gboolean losing);
void mimp_test_network_fail_next_send (MimpTestNetwork *self, const char *user,
                                       const GError *error);

/* Rooms, typing, images and avatars (for a test that sets the matching
 * capabilities with mimp_test_protocol_set_capabilities()). */
void mimp_test_network_inject_in_room (MimpTestNetwork *self, const char *room, const char *sender,
                                       const char *to, const char *text, const char *attachment,
                                       gint64 timestamp);
void mimp_test_network_set_member (MimpTestNetwork *self, const char *room, const char *name,
                                   gboolean joined, const char *to, gint64 timestamp);
void mimp_test_network_set_typing (MimpTestNetwork *self, const char *from, const char *to,
                                   MimpTypingState state);
MimpTypingState mimp_test_network_get_typing (MimpTestNetwork *self, const char *from,
                                              const char *to);
guint mimp_test_network_get_n_verifications (MimpTestNetwork *self);
char *mimp_test_network_add_attachment (MimpTestNetwork *self, GBytes *data);
void mimp_test_network_set_avatar (MimpTestNetwork *self, const char *user, GBytes *data);

/* What the network saw. */
GPtrArray *mimp_test_network_dup_mailbox (MimpTestNetwork *self, const char *user);
void mimp_test_network_assert_mailbox (MimpTestNetwork *self, const char *user,
                                       const char *const *texts);
guint mimp_test_network_get_n_delivered (MimpTestNetwork *self, const char *user);
gint64 mimp_test_network_get_acknowledged (MimpTestNetwork *self, const char *user);

G_END_DECLS
