/* fuzz-miricat-packet.c - libmiricat's reader (the Yemu splitter, javacat's
 * lines) and packet parser fed a byte stream split anywhere
 *
 * Input: one byte choosing the dialect and the packet limit, then the
 * stream. The stream goes into one reader at once and into a second one in
 * pieces whose sizes come from a generator seeded by the input. Both must
 * hand out the same packets and fail at the same point; no packet is over
 * the limit; no reader holds more than the limit and one piece; every
 * packet goes through the parser of its dialect.
 *
 * Both readers know a fixed key, so that encrypted packets are reached.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "fuzz-common.h"
#include "miricat.h"

#define PIECE_MAX 64

static const guint8 key[MIRICAT_KEY_SIZE] = "0123456789abcdef0123456789abcdef";

typedef struct
{
  GByteArray *log; /* length and text of each packet; 0xFF then the error */
  gboolean failed;
} Result;

static void
take_packets (MiricatDialect dialect, MiricatReader *reader, Result *result, gsize max, gsize bound)
{
  while (!result->failed)
    {
      g_autoptr (GError) error = NULL;
      g_autofree char *json = NULL;
      gsize len = 0;
      MiricatReadStatus status = miricat_reader_next (reader, &json, &len, &error);

      if (status == MIRICAT_READ_NEED_MORE)
        {
          FUZZ_ASSERT (miricat_reader_buffered (reader) <= bound);
          return;
        }
      if (status == MIRICAT_READ_ERROR)
        {
          FUZZ_ASSERT (error != NULL && error->domain == MIRICAT_ERROR);
          g_byte_array_append (result->log, (const guint8 *) "\xff", 1);
          g_byte_array_append (result->log, (const guint8 *) &error->code, sizeof error->code);
          result->failed = TRUE;
          return;
        }
      FUZZ_ASSERT (status == MIRICAT_READ_READY);
      FUZZ_ASSERT (json != NULL && strlen (json) == len);
      FUZZ_ASSERT (len <= max);
      g_byte_array_append (result->log, (const guint8 *) &len, sizeof len);
      g_byte_array_append (result->log, (const guint8 *) json, (guint) len);
      {
        g_autoptr (GError) parse_error = NULL;
        g_autoptr (MiricatPacket) packet = miricat_packet_parse (dialect, json, len, &parse_error);

        FUZZ_ASSERT ((packet == NULL) == (parse_error != NULL));
        if (packet && packet->kind == MIRICAT_PACKET_IMAGE)
          FUZZ_ASSERT (miricat_file_name_is_valid (packet->text));
      }
    }
}

int LLVMFuzzerTestOneInput (const guint8 *data, size_t size);

int
LLVMFuzzerTestOneInput (const guint8 *data, size_t size)
{
  static const gsize limits[] = { MIRICAT_MAX_PACKET, 0, 1, 16, 100, 4096 };
  g_autoptr (MiricatReader) whole = NULL;
  g_autoptr (MiricatReader) split = NULL;
  Result a = { g_byte_array_new (), FALSE };
  Result b = { g_byte_array_new (), FALSE };
  MiricatDialect dialect;
  guint32 seed = 2166136261u;
  gsize max, pos = 0;

  if (size < 1)
    return 0;
  dialect = (data[0] & 1) ? MIRICAT_DIALECT_JAVACAT : MIRICAT_DIALECT_YEMU;
  max = limits[(data[0] >> 1) % G_N_ELEMENTS (limits)];
  data++;
  size--;
  for (gsize i = 0; i < size; i++)
    seed = (seed ^ data[i]) * 16777619u;

  whole = miricat_reader_new (dialect, max);
  miricat_reader_set_key (whole, key);
  miricat_reader_push (whole, data, size);
  take_packets (dialect, whole, &a, max, MAX (size, max + PIECE_MAX));

  split = miricat_reader_new (dialect, max);
  miricat_reader_set_key (split, key);
  while (pos < size)
    {
      gsize n;

      seed = seed * 1103515245u + 12345u;
      n = 1 + (seed >> 16) % ((seed & 1) ? 7 : PIECE_MAX);
      n = MIN (n, size - pos);
      miricat_reader_push (split, data + pos, n);
      pos += n;
      /* A reader emptied as bytes come holds at most the limit (plus the
       * framing of one packet) and the last piece. */
      take_packets (dialect, split, &b, max, (max / 3 + 2) * 4 + 2 + PIECE_MAX);
    }

  FUZZ_ASSERT (a.failed == b.failed);
  FUZZ_ASSERT (a.log->len == b.log->len);
  FUZZ_ASSERT (a.log->len == 0 || memcmp (a.log->data, b.log->data, a.log->len) == 0);

  g_byte_array_unref (a.log);
  g_byte_array_unref (b.log);
  return 0;
}
