/* fuzz-frame-reader.c - the frame reader fed a byte stream split anywhere
 *
 * Input: one byte choosing the body limit, then the stream. The stream goes
 * into one reader at once and into a second one in pieces whose sizes come
 * from a generator seeded by the input, alternating push() with
 * reserve()/commit(). Both must hand out the same frames and fail at the same
 * point, and no reader may hold more than two frames' worth of memory.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "mimp.h"
#include "fuzz-common.h"

/* Pieces are at most 64 bytes. */
#define SPLIT_BOUND(max_body) MAX (256, 2 * ((gsize) MIMP_HEADER_SIZE + (max_body)) + 64)

typedef struct
{
  GByteArray *log; /* id, length, body of each frame; 0xFF then the error */
  gboolean failed;
} Result;

static void
take_frames (MimpFrameReader *reader, Result *result, guint32 max_body, gsize bound)
{
  for (;;)
    {
      g_autoptr (GError) error = NULL;
      guint16 id = 0;
      guint8 *body = NULL;
      guint32 len = 0;
      MimpFrameStatus status;

      if (result->failed)
        return;
      status = mimp_frame_reader_next (reader, &id, &body, &len, &error);
      /* A reader that is emptied as bytes come holds the frame being read
       * and what the last piece brought, never more. */
      FUZZ_ASSERT (mimp_frame_reader_capacity (reader) <= bound);
      if (status == MIMP_FRAME_NEED_MORE)
        return;
      if (status == MIMP_FRAME_ERROR)
        {
          FUZZ_ASSERT (error != NULL);
          g_byte_array_append (result->log, (const guint8 *) "\xff", 1);
          g_byte_array_append (result->log, (const guint8 *) &error->code, sizeof error->code);
          result->failed = TRUE;
          /* A failed reader keeps failing. */
          g_clear_error (&error);
          FUZZ_ASSERT (mimp_frame_reader_next (reader, &id, &body, &len, &error) ==
                       MIMP_FRAME_ERROR);
          return;
        }
      FUZZ_ASSERT (status == MIMP_FRAME_READY);
      FUZZ_ASSERT (len <= max_body);
      g_byte_array_append (result->log, (const guint8 *) &id, sizeof id);
      g_byte_array_append (result->log, (const guint8 *) &len, sizeof len);
      if (len > 0)
        {
          /* The body is writable in place (callers decipher it there). */
          body[0] ^= 0x5a;
          body[0] ^= 0x5a;
          g_byte_array_append (result->log, body, len);
        }
    }
}

int LLVMFuzzerTestOneInput (const guint8 *data, size_t size);

int
LLVMFuzzerTestOneInput (const guint8 *data, size_t size)
{
  static const guint32 limits[] = { MIMP_MAX_BODY_SIZE, 0, 1, 16, 300, 4096 };
  g_autoptr (MimpFrameReader) whole = NULL;
  g_autoptr (MimpFrameReader) split = NULL;
  Result a = { g_byte_array_new (), FALSE };
  Result b = { g_byte_array_new (), FALSE };
  guint32 max_body, seed = 2166136261u;
  gsize pos = 0;

  if (size < 1)
    return 0;
  max_body = limits[data[0] % G_N_ELEMENTS (limits)];
  data++;
  size--;
  for (gsize i = 0; i < size; i++)
    seed = (seed ^ data[i]) * 16777619u;

  whole = mimp_frame_reader_new (max_body);
  mimp_frame_reader_push (whole, data, size);
  take_frames (whole, &a, max_body, MAX (size, 256) + MIMP_HEADER_SIZE + max_body);

  split = mimp_frame_reader_new (max_body);
  while (pos < size)
    {
      gsize n;

      seed = seed * 1103515245u + 12345u;
      n = 1 + (seed >> 16) % ((seed & 1) ? 7 : 64);
      n = MIN (n, size - pos);
      if (seed & 2)
        mimp_frame_reader_push (split, data + pos, n);
      else
        {
          gsize avail = 0;
          guint8 *room = mimp_frame_reader_reserve (split, n, &avail);

          FUZZ_ASSERT (avail >= 1);
          n = MIN (n, avail);
          memcpy (room, data + pos, n);
          mimp_frame_reader_commit (split, n);
        }
      pos += n;
      take_frames (split, &b, max_body, SPLIT_BOUND (max_body));
    }
  take_frames (split, &b, max_body, SPLIT_BOUND (max_body));

  FUZZ_ASSERT (a.failed == b.failed);
  FUZZ_ASSERT (a.log->len == b.log->len);
  FUZZ_ASSERT (a.log->len == 0 || memcmp (a.log->data, b.log->data, a.log->len) == 0);
  if (!a.failed)
    FUZZ_ASSERT (mimp_frame_reader_buffered (whole) == mimp_frame_reader_buffered (split));

  g_byte_array_unref (a.log);
  g_byte_array_unref (b.log);
  return 0;
}
