/* cryptully-frame.h - Cryptully's framing: 4-byte big-endian length + JSON
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The original has no limit. Ours is 1 MiB: a 4096-bit public value is
 * about 1.7 KB of base64 and a chat message a few KB, so this leaves room
 * for long texts while a hostile length prefix costs nothing (the reader
 * checks the announced length before it keeps any more bytes). */
#define CRYPTULLY_FRAME_MAX (1024 * 1024)
#define CRYPTULLY_FRAME_HEADER 4

typedef enum
{
  CRYPTULLY_FRAME_NEED_MORE,
  CRYPTULLY_FRAME_READY,
  CRYPTULLY_FRAME_ERROR,
} CryptullyFrameStatus;

typedef struct _CryptullyFrameReader CryptullyFrameReader;

CryptullyFrameReader *cryptully_frame_reader_new (gsize max);
void cryptully_frame_reader_free (CryptullyFrameReader *reader);
void cryptully_frame_reader_push (CryptullyFrameReader *reader, const guint8 *data, gsize len);
CryptullyFrameStatus cryptully_frame_reader_next (CryptullyFrameReader *reader, GBytes **frame,
                                                  GError **error);
gsize cryptully_frame_reader_buffered (CryptullyFrameReader *reader);
/* An incomplete frame at the end of the stream is an error. */
gboolean cryptully_frame_reader_check_eof (CryptullyFrameReader *reader, GError **error);

GBytes *cryptully_frame_encode (const char *json, gsize len);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CryptullyFrameReader, cryptully_frame_reader_free)

G_END_DECLS
