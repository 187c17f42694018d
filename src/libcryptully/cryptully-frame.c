/* cryptully-frame.c - a bounded streaming reader of Cryptully frames
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "cryptully-error.h"
#include "cryptully-frame.h"

struct _CryptullyFrameReader
{
  GByteArray *buf; /* bytes pushed and not yet handed out */
  gsize max;
  gboolean failed;
};

CryptullyFrameReader *
cryptully_frame_reader_new (gsize max)
{
  CryptullyFrameReader *reader = g_new0 (CryptullyFrameReader, 1);

  reader->buf = g_byte_array_new ();
  reader->max = max;
  return reader;
}

void
cryptully_frame_reader_free (CryptullyFrameReader *reader)
{
  if (reader == NULL)
    return;
  g_byte_array_unref (reader->buf);
  g_free (reader);
}

/* The buffer only ever holds what was pushed: the announced length is never
 * used to allocate. A caller that pushes what it read and then takes every
 * ready frame holds at most one frame plus one read. */
void
cryptully_frame_reader_push (CryptullyFrameReader *reader, const guint8 *data, gsize len)
{
  if (reader->failed || len == 0)
    return;
  g_byte_array_append (reader->buf, data, (guint) len);
}

static guint32
announced_length (const guint8 *p)
{
  return ((guint32) p[0] << 24) | ((guint32) p[1] << 16) | ((guint32) p[2] << 8) | p[3];
}

CryptullyFrameStatus
cryptully_frame_reader_next (CryptullyFrameReader *reader, GBytes **frame, GError **error)
{
  guint32 len;

  *frame = NULL;
  if (reader->failed)
    {
      g_set_error_literal (error, CRYPTULLY_ERROR, CRYPTULLY_ERROR_MALFORMED,
                           "The stream broke earlier");
      return CRYPTULLY_FRAME_ERROR;
    }
  if (reader->buf->len < CRYPTULLY_FRAME_HEADER)
    return CRYPTULLY_FRAME_NEED_MORE;
  len = announced_length (reader->buf->data);
  if (len > reader->max)
    {
      reader->failed = TRUE;
      g_byte_array_set_size (reader->buf, 0);
      g_set_error (error, CRYPTULLY_ERROR, CRYPTULLY_ERROR_TOO_LARGE,
                   "A frame announced %u bytes, over the limit of %" G_GSIZE_FORMAT, len,
                   reader->max);
      return CRYPTULLY_FRAME_ERROR;
    }
  if (reader->buf->len - CRYPTULLY_FRAME_HEADER < len)
    return CRYPTULLY_FRAME_NEED_MORE;
  *frame = g_bytes_new (reader->buf->data + CRYPTULLY_FRAME_HEADER, len);
  g_byte_array_remove_range (reader->buf, 0, CRYPTULLY_FRAME_HEADER + len);
  return CRYPTULLY_FRAME_READY;
}

gsize
cryptully_frame_reader_buffered (CryptullyFrameReader *reader)
{
  return reader->buf->len;
}

gboolean
cryptully_frame_reader_check_eof (CryptullyFrameReader *reader, GError **error)
{
  if (reader->buf->len == 0 && !reader->failed)
    return TRUE;
  g_set_error_literal (error, CRYPTULLY_ERROR, CRYPTULLY_ERROR_MALFORMED,
                       "The connection ended inside a frame");
  return FALSE;
}

GBytes *
cryptully_frame_encode (const char *json, gsize len)
{
  guint8 *out = g_malloc (CRYPTULLY_FRAME_HEADER + len);

  out[0] = (len >> 24) & 0xff;
  out[1] = (len >> 16) & 0xff;
  out[2] = (len >> 8) & 0xff;
  out[3] = len & 0xff;
  memcpy (out + CRYPTULLY_FRAME_HEADER, json, len);
  return g_bytes_new_take (out, CRYPTULLY_FRAME_HEADER + len);
}
