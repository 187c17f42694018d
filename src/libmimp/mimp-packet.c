/* mimp-packet.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "mimp-packet"

#include "config.h"

#include <string.h>

#include "mimp-error.h"
#include "mimp-packet.h"

/* Below this, a drained buffer is kept for the next frame; above, it is freed. */
#define KEEP_CAPACITY 4096
#define MIN_CAPACITY 256

void
mimp_header_write (guint8 out[MIMP_HEADER_SIZE], guint16 id, guint32 length)
{
  out[0] = MIMP_MAGIC & 0xff;
  out[1] = MIMP_MAGIC >> 8;
  out[2] = MIMP_PROTOCOL_VERSION & 0xff;
  out[3] = MIMP_PROTOCOL_VERSION >> 8;
  out[4] = id & 0xff;
  out[5] = id >> 8;
  out[6] = length & 0xff;
  out[7] = (length >> 8) & 0xff;
  out[8] = (length >> 16) & 0xff;
  out[9] = (length >> 24) & 0xff;
}

void
mimp_header_read (const guint8 in[MIMP_HEADER_SIZE], MimpHeader *header)
{
  header->magic = (guint16) (in[0] | in[1] << 8);
  header->version = (guint16) (in[2] | in[3] << 8);
  header->id = (guint16) (in[4] | in[5] << 8);
  header->length =
      (guint32) in[6] | (guint32) in[7] << 8 | (guint32) in[8] << 16 | (guint32) in[9] << 24;
}

/**
 * mimp_header_check:
 *
 * Checks what cannot be recovered from: the magic, the version and the
 * announced length. An unknown packet id is not an error at this layer.
 */
gboolean
mimp_header_check (const MimpHeader *header, guint32 max_body, GError **error)
{
  if (header->magic != MIMP_MAGIC)
    {
      g_set_error (error, MIMP_ERROR, MIMP_ERROR_NOT_MIMP, "Not a MIMP packet (magic 0x%04X)",
                   header->magic);
      return FALSE;
    }
  if (header->version != MIMP_PROTOCOL_VERSION)
    {
      g_set_error (error, MIMP_ERROR, MIMP_ERROR_NOT_MIMP, "Unsupported MIMP version %u",
                   header->version);
      return FALSE;
    }
  if (header->length > max_body)
    {
      g_set_error (error, MIMP_ERROR, MIMP_ERROR_TOO_LARGE,
                   "Packet body of %u bytes is over the limit of %u bytes", header->length,
                   max_body);
      return FALSE;
    }
  return TRUE;
}

gboolean
mimp_packet_id_is_known (guint16 id)
{
  return mimp_packet_id_name (id) != NULL;
}

const char *
mimp_packet_id_name (guint16 id)
{
  switch (id)
    {
    case MIMP_PACKET_SCH:
      return "SCH";
    case MIMP_PACKET_AH:
      return "AH";
    case MIMP_PACKET_SM:
      return "SM";
    case MIMP_PACKET_GU:
      return "GU";
    case MIMP_PACKET_ERROR:
      return "Error";
    case MIMP_PACKET_FEATURES:
      return "FEATURES";
    case MIMP_PACKET_KEYS:
      return "KEYS";
    case MIMP_PACKET_PUSH:
      return "PUSH";
    case MIMP_PACKET_DELIVER:
      return "DELIVER";
    case MIMP_PACKET_ACK:
      return "ACK";
    default:
      return NULL;
    }
}

struct _MimpFrameReader
{
  guint8 *data;
  gsize capacity;
  gsize start; /* first unconsumed byte */
  gsize end;   /* one past the last buffered byte */
  guint32 max_body;
  gboolean failed;
};

MimpFrameReader *
mimp_frame_reader_new (guint32 max_body)
{
  MimpFrameReader *reader = g_new0 (MimpFrameReader, 1);

  reader->max_body = MIN (max_body, (guint32) MIMP_MAX_BODY_SIZE);
  return reader;
}

void
mimp_frame_reader_free (MimpFrameReader *reader)
{
  if (reader == NULL)
    return;
  g_free (reader->data);
  g_free (reader);
}

static void
compact (MimpFrameReader *reader)
{
  if (reader->start == reader->end)
    {
      reader->start = reader->end = 0;
      if (reader->capacity > KEEP_CAPACITY)
        {
          g_clear_pointer (&reader->data, g_free);
          reader->capacity = 0;
        }
    }
  else if (reader->start > 0)
    {
      memmove (reader->data, reader->data + reader->start, reader->end - reader->start);
      reader->end -= reader->start;
      reader->start = 0;
    }
}

/**
 * mimp_frame_reader_reserve:
 * @want: how many bytes the caller would like to read at most
 * @available: (out): how many bytes may be written at the returned pointer
 *
 * Room to read into without a copy; follow with mimp_frame_reader_commit().
 * The room offered never exceeds what one header plus a maximum body needs,
 * beyond what is already buffered.
 */
guint8 *
mimp_frame_reader_reserve (MimpFrameReader *reader, gsize want, gsize *available)
{
  gsize needed;

  compact (reader);
  want = MAX (want, 1);
  want = MIN (want, (gsize) MIMP_HEADER_SIZE + reader->max_body);
  needed = reader->end + want;
  if (needed > reader->capacity)
    {
      gsize cap = MAX (reader->capacity, (gsize) MIN_CAPACITY);

      while (cap < needed)
        cap *= 2;
      /* Doubling must not offer more than one more frame can use. */
      cap = MIN (cap, reader->end + MIMP_HEADER_SIZE + reader->max_body);
      reader->data = g_realloc (reader->data, cap);
      reader->capacity = cap;
    }
  *available = reader->capacity - reader->end;
  return reader->data + reader->end;
}

void
mimp_frame_reader_commit (MimpFrameReader *reader, gsize len)
{
  g_return_if_fail (reader->end + len <= reader->capacity);
  reader->end += len;
}

void
mimp_frame_reader_push (MimpFrameReader *reader, const guint8 *data, gsize len)
{
  while (len > 0)
    {
      gsize avail;
      guint8 *room = mimp_frame_reader_reserve (reader, len, &avail);
      gsize n = MIN (avail, len);

      memcpy (room, data, n);
      mimp_frame_reader_commit (reader, n);
      data += n;
      len -= n;
    }
}

/**
 * mimp_frame_reader_next:
 * @id: (out): the packet id
 * @body: (out): the body, writable in place (to decipher it), valid until the
 *   next call on @reader
 * @length: (out): the body length
 *
 * Returns: %MIMP_FRAME_READY with a frame, %MIMP_FRAME_NEED_MORE, or
 * %MIMP_FRAME_ERROR when the stream cannot be recovered (bad magic, version or
 * length). Once failed, a reader keeps failing.
 */
MimpFrameStatus
mimp_frame_reader_next (MimpFrameReader *reader, guint16 *id, guint8 **body, guint32 *length,
                        GError **error)
{
  MimpHeader header;
  gsize buffered = reader->end - reader->start;

  if (reader->failed)
    {
      g_set_error_literal (error, MIMP_ERROR, MIMP_ERROR_PROTOCOL, "Stream already failed");
      return MIMP_FRAME_ERROR;
    }
  if (buffered < MIMP_HEADER_SIZE)
    goto need_more;

  mimp_header_read (reader->data + reader->start, &header);
  if (!mimp_header_check (&header, reader->max_body, error))
    {
      reader->failed = TRUE;
      return MIMP_FRAME_ERROR;
    }
  if (buffered - MIMP_HEADER_SIZE < header.length)
    goto need_more;

  *id = header.id;
  *body = reader->data + reader->start + MIMP_HEADER_SIZE;
  *length = header.length;
  reader->start += MIMP_HEADER_SIZE + header.length;
  return MIMP_FRAME_READY;

need_more:
  /* The frames handed out before are done with: drop them, and release a
   * large buffer once empty, so that an idle reader costs a few bytes. */
  compact (reader);
  return MIMP_FRAME_NEED_MORE;
}

/**
 * mimp_frame_reader_trim:
 *
 * Releases the buffer if nothing is buffered. A server with thousands of idle
 * connections calls this after handling what a read brought, so an idle
 * reader holds no buffer at all (otherwise one up to 4 KiB is kept for the
 * next frame).
 */
void
mimp_frame_reader_trim (MimpFrameReader *reader)
{
  if (reader->start == reader->end)
    {
      reader->start = reader->end = 0;
      g_clear_pointer (&reader->data, g_free);
      reader->capacity = 0;
    }
}

gsize
mimp_frame_reader_buffered (MimpFrameReader *reader)
{
  return reader->end - reader->start;
}

gsize
mimp_frame_reader_capacity (MimpFrameReader *reader)
{
  return reader->capacity;
}
