/* mimp-search.h - full-text search over the history: the query a user's words
 * make, and one result
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "mimp-chat-message.h"

G_BEGIN_DECLS

/* What the history puts around each matching word of a snippet: control
 * characters, which message text does not keep (mimp_search_snippet_to_markup()
 * drops the ones it has). */
#define MIMP_SEARCH_MATCH_START "\x01"
#define MIMP_SEARCH_MATCH_END "\x02"

char *mimp_search_build_query (const char *text);
char *mimp_search_snippet_to_markup (const char *snippet);

#define MIMP_TYPE_SEARCH_RESULT (mimp_search_result_get_type ())
G_DECLARE_FINAL_TYPE (MimpSearchResult, mimp_search_result, MIMP, SEARCH_RESULT, GObject)

MimpSearchResult *mimp_search_result_new (MimpChatMessage *message, const char *snippet);
MimpChatMessage *mimp_search_result_get_message (MimpSearchResult *self);
const char *mimp_search_result_get_snippet (MimpSearchResult *self);
const char *mimp_search_result_get_markup (MimpSearchResult *self);

G_END_DECLS
