/* mimp-connection-private.h - MimpConnection on a stream it did not open
 *
 * Not part of the public API (mimp.h does not include it): tests and
 * fuzzers use it to feed a connection a server's byte stream from memory.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "mimp-connection.h"

G_BEGIN_DECLS

void mimp_connection_login_on_stream_async (MimpConnection *self, GIOStream *stream,
                                            const char *user, const char *password,
                                            GCancellable *cancellable, GAsyncReadyCallback callback,
                                            gpointer user_data);

G_END_DECLS
