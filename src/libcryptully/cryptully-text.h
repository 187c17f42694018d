/* cryptully-text.h - chat text to and from the original's HTML
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The original Qt client sends HTML (it turns URLs into links) and shows
 * what it receives as rich text. We escape what we send, so that the
 * original shows it as typed, and turn what we receive into plain text:
 * tags dropped (<br> as a newline), entities decoded. Peer HTML is never
 * rendered.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

char *cryptully_text_to_html (const char *text);
char *cryptully_text_from_html (const char *html, gssize len);

G_END_DECLS
