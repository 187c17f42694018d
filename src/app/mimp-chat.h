/* mimp-chat.h - one conversation: a GListModel of its messages, paged
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "mimp-account.h"
#include "mimp-chat-message.h"
#include "mimp-item-list.h"

G_BEGIN_DECLS

/* Whether a chat with one person is private (end-to-end encrypted), as the
 * chat header says it. */
typedef enum
{
  MIMP_CHAT_PRIVACY_NONE,        /* not end-to-end encrypted (the account type has none, or the
                                    user chose to send unencrypted to a peer without keys) */
  MIMP_CHAT_PRIVACY_WAITING,     /* waiting for the peer's keys (in-band: until the peer has
                                    been online once) */
  MIMP_CHAT_PRIVACY_UNVERIFIED,  /* encrypted; the peer's key is trusted on first use */
  MIMP_CHAT_PRIVACY_VERIFIED,    /* encrypted to a verified key */
  MIMP_CHAT_PRIVACY_KEY_CHANGED, /* the verified key changed: sending paused until the user
                                    acknowledges (mimp_account_e2e_accept_key_change()) */
} MimpChatPrivacy;

#define MIMP_TYPE_CHAT (mimp_chat_get_type ())

/* Messages loaded when a chat opens: about a window's height, so that the
 * first frame lays out only what it shows. */
#define MIMP_CHAT_FIRST_PAGE_SIZE 20
/* Older messages, loaded while scrolling back. GTK 4.8's list view makes
 * the rows of a prepended page in the frame after it (scrolling through
 * rows already loaded makes none), about 3 ms of CPU each: pages of 20
 * made those frames 80-115 ms of main-thread CPU, pages of 6 35-50 ms,
 * spread over more frames (docs/benchmarks-notes.md, App). */
#define MIMP_CHAT_OLDER_PAGE_SIZE 6
G_DECLARE_FINAL_TYPE (MimpChat, mimp_chat, MIMP, CHAT, MimpItemList)

MimpChat *mimp_chat_new (MimpAccount *account, const char *peer);
MimpAccount *mimp_chat_get_account (MimpChat *self);
const char *mimp_chat_get_peer (MimpChat *self);
const char *mimp_chat_get_key (MimpChat *self);
char *mimp_chat_make_key (const char *account_id, const char *peer);
guint mimp_chat_get_unread (MimpChat *self);
gint64 mimp_chat_get_last_activity (MimpChat *self);
const char *mimp_chat_get_preview (MimpChat *self);
const char *mimp_chat_get_draft (MimpChat *self);
void mimp_chat_set_draft (MimpChat *self, const char *draft);
gboolean mimp_chat_get_loading (MimpChat *self);
gboolean mimp_chat_get_has_more (MimpChat *self);
gboolean mimp_chat_get_loaded (MimpChat *self);

void mimp_chat_restore (MimpChat *self, guint unread, const char *draft, gint64 last_activity,
                        const char *last_text, gboolean last_outgoing);
void mimp_chat_load_older (MimpChat *self);
void mimp_chat_load_newer (MimpChat *self);
gboolean mimp_chat_get_has_newer (MimpChat *self);
void mimp_chat_load_around_async (MimpChat *self, MimpChatMessage *target,
                                  GCancellable *cancellable, GAsyncReadyCallback callback,
                                  gpointer user_data);
gboolean mimp_chat_load_around_finish (MimpChat *self, GAsyncResult *result, guint *position,
                                       GError **error);
void mimp_chat_unload (MimpChat *self);
void mimp_chat_add_message (MimpChat *self, MimpChatMessage *message, gboolean seen);
void mimp_chat_update_message (MimpChat *self, MimpChatMessage *message);
void mimp_chat_mark_read (MimpChat *self);
void mimp_chat_send (MimpChat *self, const char *text);
void mimp_chat_retry (MimpChat *self, MimpChatMessage *message);
void mimp_chat_composer_changed (MimpChat *self, gboolean has_text);
MimpTypingState mimp_chat_get_peer_typing (MimpChat *self);
MimpChatPrivacy mimp_chat_get_privacy (MimpChat *self);
/* Implemented by the account (mimp-account.c), declared here beside the
 * type it returns. */
MimpChatPrivacy mimp_account_get_chat_privacy (MimpAccount *account, const char *peer,
                                               MimpChatPrivacy fallback);
void mimp_chat_set_privacy (MimpChat *self, MimpChatPrivacy privacy);

G_END_DECLS
