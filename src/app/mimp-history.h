/* mimp-history.h - the message history in SQLite, worked on one thread
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "mimp-chat-message.h"

G_BEGIN_DECLS

#define MIMP_HISTORY_ERROR (mimp_history_error_quark ())

typedef enum
{
  MIMP_HISTORY_ERROR_FAILED,  /* SQLite reported an error */
  MIMP_HISTORY_ERROR_OPEN,    /* the database could not be opened */
  MIMP_HISTORY_ERROR_TOO_NEW, /* written by a newer Mimp */
  MIMP_HISTORY_ERROR_NOT_FOUND,
  MIMP_HISTORY_ERROR_CLOSED,
} MimpHistoryError;

GQuark mimp_history_error_quark (void);

/* One row of the chats table, with the newest message for a preview. */
typedef struct
{
  char *account_id;
  char *peer;
  guint unread;
  char *draft;
  gint64 last_activity;
  char *last_text;
  gboolean last_outgoing;
  int privacy;          /* MimpChatPrivacy as last known, or -1 */
  gboolean unencrypted; /* the user chose to send without end-to-end encryption */
} MimpHistoryChat;

void mimp_history_chat_free (MimpHistoryChat *chat);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (MimpHistoryChat, mimp_history_chat_free)

#define MIMP_HISTORY_PAGE_SIZE 50

#define MIMP_TYPE_HISTORY (mimp_history_get_type ())
G_DECLARE_FINAL_TYPE (MimpHistory, mimp_history, MIMP, HISTORY, GObject)

MimpHistory *mimp_history_new (const char *path);
char *mimp_history_get_default_path (void);
const char *mimp_history_get_path (MimpHistory *self);
int mimp_history_get_latest_version (void);
void mimp_history_close (MimpHistory *self);

void mimp_history_get_version_async (MimpHistory *self, GCancellable *cancellable,
                                     GAsyncReadyCallback callback, gpointer user_data);
int mimp_history_get_version_finish (MimpHistory *self, GAsyncResult *result, GError **error);

void mimp_history_store_incoming_async (MimpHistory *self, const char *account_id,
                                        const char *protocol, GPtrArray *messages,
                                        GCancellable *cancellable, GAsyncReadyCallback callback,
                                        gpointer user_data);
GPtrArray *mimp_history_store_incoming_finish (MimpHistory *self, GAsyncResult *result,
                                               GError **error);

void mimp_history_add_outgoing_async (MimpHistory *self, const char *account_id,
                                      const char *protocol, const char *peer, const char *client_id,
                                      const char *text, gint64 timestamp, GCancellable *cancellable,
                                      GAsyncReadyCallback callback, gpointer user_data);
void mimp_history_add_outgoing_with_attachment_async (
    MimpHistory *self, const char *account_id, const char *protocol, const char *peer,
    const char *client_id, const char *text, const char *attachment, gint64 timestamp,
    GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data);
void mimp_history_add_outgoing_protected_async (MimpHistory *self, const char *account_id,
                                                const char *protocol, const char *peer,
                                                const char *client_id, const char *text,
                                                MimpMessageProtection protection, gint64 timestamp,
                                                GCancellable *cancellable,
                                                GAsyncReadyCallback callback, gpointer user_data);
MimpChatMessage *mimp_history_add_outgoing_finish (MimpHistory *self, GAsyncResult *result,
                                                   GError **error);

void mimp_history_set_state_async (MimpHistory *self, const char *account_id, const char *client_id,
                                   MimpMessageState state, const char *server_id,
                                   const char *error_message, GCancellable *cancellable,
                                   GAsyncReadyCallback callback, gpointer user_data);
MimpChatMessage *mimp_history_set_state_finish (MimpHistory *self, GAsyncResult *result,
                                                GError **error);

void mimp_history_find_outgoing_async (MimpHistory *self, const char *account_id,
                                       const char *client_id, GCancellable *cancellable,
                                       GAsyncReadyCallback callback, gpointer user_data);
MimpChatMessage *mimp_history_find_outgoing_finish (MimpHistory *self, GAsyncResult *result,
                                                    GError **error);
void mimp_history_set_pending_protection_async (MimpHistory *self, const char *account_id,
                                                const char *peer, MimpMessageProtection protection,
                                                GCancellable *cancellable,
                                                GAsyncReadyCallback callback, gpointer user_data);
GPtrArray *mimp_history_set_pending_protection_finish (MimpHistory *self, GAsyncResult *result,
                                                       GError **error);

void mimp_history_list_outbox_async (MimpHistory *self, const char *account_id,
                                     GCancellable *cancellable, GAsyncReadyCallback callback,
                                     gpointer user_data);
GPtrArray *mimp_history_list_outbox_finish (MimpHistory *self, GAsyncResult *result,
                                            GError **error);

void mimp_history_load_page_async (MimpHistory *self, const char *account_id, const char *peer,
                                   MimpChatMessage *before, guint limit, GCancellable *cancellable,
                                   GAsyncReadyCallback callback, gpointer user_data);
void mimp_history_load_page_after_async (MimpHistory *self, const char *account_id,
                                         const char *peer, MimpChatMessage *after, guint limit,
                                         GCancellable *cancellable, GAsyncReadyCallback callback,
                                         gpointer user_data);
GPtrArray *mimp_history_load_page_finish (MimpHistory *self, GAsyncResult *result, GError **error);

void mimp_history_list_chats_async (MimpHistory *self, GCancellable *cancellable,
                                    GAsyncReadyCallback callback, gpointer user_data);
GPtrArray *mimp_history_list_chats_finish (MimpHistory *self, GAsyncResult *result, GError **error);

void mimp_history_ensure_chat_async (MimpHistory *self, const char *account_id, const char *peer,
                                     GCancellable *cancellable, GAsyncReadyCallback callback,
                                     gpointer user_data);
void mimp_history_mark_read_async (MimpHistory *self, const char *account_id, const char *peer,
                                   GCancellable *cancellable, GAsyncReadyCallback callback,
                                   gpointer user_data);
void mimp_history_set_draft_async (MimpHistory *self, const char *account_id, const char *peer,
                                   const char *draft, GCancellable *cancellable,
                                   GAsyncReadyCallback callback, gpointer user_data);
void mimp_history_set_chat_privacy_async (MimpHistory *self, const char *account_id,
                                          const char *peer, int privacy, gboolean unencrypted,
                                          GCancellable *cancellable, GAsyncReadyCallback callback,
                                          gpointer user_data);
void mimp_history_delete_account_async (MimpHistory *self, const char *account_id,
                                        GCancellable *cancellable, GAsyncReadyCallback callback,
                                        gpointer user_data);
gboolean mimp_history_update_finish (MimpHistory *self, GAsyncResult *result, GError **error);

/* Full-text search over every chat (mimp-search.h). */
void mimp_history_build_search_index (MimpHistory *self);
double mimp_history_get_search_progress (MimpHistory *self);
const GError *mimp_history_get_search_index_error (MimpHistory *self);
void mimp_history_search_async (MimpHistory *self, const char *text, guint limit,
                                GCancellable *cancellable, GAsyncReadyCallback callback,
                                gpointer user_data);
GPtrArray *mimp_history_search_finish (MimpHistory *self, GAsyncResult *result, GError **error);

/* For tests and diagnostics: the query plan of the page query. */
void mimp_history_explain_page_async (MimpHistory *self, GCancellable *cancellable,
                                      GAsyncReadyCallback callback, gpointer user_data);
char *mimp_history_explain_page_finish (MimpHistory *self, GAsyncResult *result, GError **error);

G_END_DECLS
