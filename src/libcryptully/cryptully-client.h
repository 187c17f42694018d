/* cryptully-client.h - one registered nickname on a Cryptully relay
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define CRYPTULLY_DEFAULT_PORT 9000
#define CRYPTULLY_NICK_MAX 32
/* The relay acknowledges nothing: registration counts as done when no ERR
 * came back within this window. */
#define CRYPTULLY_REGISTER_WINDOW_MS 1000
#define CRYPTULLY_HANDSHAKE_TIMEOUT_S 30
#define CRYPTULLY_CONNECT_TIMEOUT_S 15
/* The original's TYPING_TIMEOUT. */
#define CRYPTULLY_TYPING_IDLE_MS 1500
/* Longest text send_message (and a verification question) accepts, in
 * bytes; the longest verification answer. */
#define CRYPTULLY_TEXT_MAX (64 * 1024)
#define CRYPTULLY_SMP_ANSWER_MAX 1024
/* Chat requests waiting for the user or for the requester's key; more are
 * ignored until some are done (a relay cannot make us hold, or compute keys
 * for, an unbounded number). */
#define CRYPTULLY_REQUESTS_MAX 32

typedef enum
{
  CRYPTULLY_STATE_DISCONNECTED,
  CRYPTULLY_STATE_CONNECTING,
  CRYPTULLY_STATE_ONLINE,
  CRYPTULLY_STATE_FAILED,
} CryptullyState;

typedef enum
{
  CRYPTULLY_TYPING_ACTIVE = 0,     /* typing */
  CRYPTULLY_TYPING_IDLE_EMPTY = 1, /* stopped, nothing left in the entry */
  CRYPTULLY_TYPING_IDLE_TEXT = 2,  /* stopped, text left in the entry */
} CryptullyTyping;

#define CRYPTULLY_TYPE_CLIENT (cryptully_client_get_type ())
G_DECLARE_FINAL_TYPE (CryptullyClient, cryptully_client, CRYPTULLY, CLIENT, GObject)

/* Lowercased copy of a valid nickname (ASCII letters and digits, 1 to 32),
 * or NULL with CRYPTULLY_ERROR_INVALID_NICK. */
char *cryptully_nick_normalize (const char *nick, GError **error);

CryptullyClient *cryptully_client_new (const char *host, guint16 port, const char *nick);
void cryptully_client_start (CryptullyClient *self);
/* Ends every chat (END to each peer, then END to the relay) and closes once
 * that was written; the state becomes DISCONNECTED. */
void cryptully_client_disconnect (CryptullyClient *self);
CryptullyState cryptully_client_get_state (CryptullyClient *self);
const GError *cryptully_client_get_error (CryptullyClient *self);
const char *cryptully_client_get_nick (CryptullyClient *self);
void cryptully_client_set_handshake_timeout (CryptullyClient *self, guint seconds);
void cryptully_client_set_register_window (CryptullyClient *self, guint milliseconds);

gboolean cryptully_client_open_chat (CryptullyClient *self, const char *nick, GError **error);
gboolean cryptully_client_accept_chat (CryptullyClient *self, const char *nick, GError **error);
gboolean cryptully_client_reject_chat (CryptullyClient *self, const char *nick, GError **error);
void cryptully_client_end_chat (CryptullyClient *self, const char *nick);
gboolean cryptully_client_is_chat_ready (CryptullyClient *self, const char *nick);

/* Opens the chat when needed; "send-finished" tells when the message was
 * written to the relay or why not. */
void cryptully_client_send_message (CryptullyClient *self, const char *nick, const char *local_id,
                                    const char *text);
gboolean cryptully_client_send_typing (CryptullyClient *self, const char *nick,
                                       CryptullyTyping state, GError **error);
/* "typing-changed" reports TYPING as received; as in the original, a
 * message received should also clear the typing status shown.
 * The original's rule, for an entry: call on every edit; sends ACTIVE (once
 * per burst) and, after CRYPTULLY_TYPING_IDLE_MS without edits, IDLE_TEXT or
 * IDLE_EMPTY. Sending a message stops the timer without a stop status. */
void cryptully_client_text_changed (CryptullyClient *self, const char *nick, gboolean has_text);

gboolean cryptully_client_start_smp (CryptullyClient *self, const char *nick, const char *question,
                                     const char *answer, GError **error);
gboolean cryptully_client_answer_smp (CryptullyClient *self, const char *nick, const char *answer,
                                      GError **error);

G_END_DECLS
