/* fuzz-cryptully-frame.c - Cryptully frames and envelopes from a byte stream
 *
 * Input: one byte choosing the frame limit, then the stream. The stream goes
 * into one reader at once and into a second one in pieces whose sizes come
 * from the input; both must hand out the same frames and fail at the same
 * point, and neither may hold more than a frame plus a piece. Each frame
 * is parsed as an envelope; one that parses must come back the same from
 * its own JSON, and its payload goes through the HTML-to-text reader and,
 * with fixed keys, through the message opener.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "cryptully.h"
#include "fuzz-common.h"

static void
check_envelope (GBytes *frame)
{
  static const CryptullyKeys keys = { { 1, 2, 3 }, { 4, 5, 6 } };
  g_autoptr (CryptullyEnvelope) envelope = NULL;
  g_autoptr (CryptullyEnvelope) again = NULL;
  g_autoptr (CryptullyCipher) cipher = NULL;
  g_autoptr (GBytes) opened = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *json = NULL;
  gsize len;
  const char *data = g_bytes_get_data (frame, &len);

  envelope = cryptully_envelope_parse (data, len, &error);
  FUZZ_ASSERT ((envelope == NULL) == (error != NULL));
  if (envelope == NULL)
    {
      FUZZ_ASSERT (error->domain == CRYPTULLY_ERROR && error->code == CRYPTULLY_ERROR_MALFORMED);
      return;
    }
  json = cryptully_envelope_to_json (envelope, &len);
  for (gsize i = 0; i < len; i++)
    FUZZ_ASSERT ((guchar) json[i] < 0x80);
  again = cryptully_envelope_parse (json, len, NULL);
  FUZZ_ASSERT (again != NULL);
  FUZZ_ASSERT (g_strcmp0 (envelope->server_command, again->server_command) == 0);
  FUZZ_ASSERT (g_strcmp0 (envelope->client_command, again->client_command) == 0);
  FUZZ_ASSERT (g_strcmp0 (envelope->source_nick, again->source_nick) == 0);
  FUZZ_ASSERT (g_strcmp0 (envelope->dest_nick, again->dest_nick) == 0);
  FUZZ_ASSERT (g_strcmp0 (envelope->payload, again->payload) == 0);
  FUZZ_ASSERT (g_strcmp0 (envelope->hmac, again->hmac) == 0);
  FUZZ_ASSERT (g_strcmp0 (envelope->error, again->error) == 0);
  FUZZ_ASSERT (g_strcmp0 (envelope->num, again->num) == 0);

  if (envelope->payload)
    g_free (cryptully_text_from_html (envelope->payload, -1));
  cipher = cryptully_cipher_new (&keys);
  opened = cryptully_cipher_open (cipher, envelope->payload, envelope->hmac, envelope->num, NULL);
}

typedef struct
{
  GPtrArray *frames;
  gboolean failed;
} Result;

static void
take_frames (CryptullyFrameReader *reader, Result *result, gsize bound, gboolean parse)
{
  while (!result->failed)
    {
      g_autoptr (GError) error = NULL;
      GBytes *frame = NULL;
      CryptullyFrameStatus status = cryptully_frame_reader_next (reader, &frame, &error);

      FUZZ_ASSERT (cryptully_frame_reader_buffered (reader) <= bound);
      if (status == CRYPTULLY_FRAME_NEED_MORE)
        return;
      if (status == CRYPTULLY_FRAME_ERROR)
        {
          FUZZ_ASSERT (error != NULL && frame == NULL);
          result->failed = TRUE;
          return;
        }
      if (parse)
        check_envelope (frame);
      g_ptr_array_add (result->frames, frame);
    }
}

int LLVMFuzzerTestOneInput (const guint8 *data, size_t size);

int
LLVMFuzzerTestOneInput (const guint8 *data, size_t size)
{
  static const gsize limits[] = { CRYPTULLY_FRAME_MAX, 0, 1, 16, 300, 4096 };
  g_autoptr (CryptullyFrameReader) whole = NULL;
  g_autoptr (CryptullyFrameReader) split = NULL;
  Result a = { g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref), FALSE };
  Result b = { g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref), FALSE };
  gsize max, pos = 0;
  guint32 seed = 2166136261u;

  if (size < 1)
    return 0;
  cryptully_crypto_init ();
  max = limits[data[0] % G_N_ELEMENTS (limits)];
  data++;
  size--;
  for (gsize i = 0; i < size; i++)
    seed = (seed ^ data[i]) * 16777619u;

  whole = cryptully_frame_reader_new (max);
  cryptully_frame_reader_push (whole, data, size);
  take_frames (whole, &a, size, TRUE);

  split = cryptully_frame_reader_new (max);
  while (pos < size)
    {
      gsize n;

      seed = seed * 1103515245u + 12345u;
      n = MIN (1 + (seed >> 16) % 64, size - pos);
      cryptully_frame_reader_push (split, data + pos, n);
      pos += n;
      take_frames (split, &b, CRYPTULLY_FRAME_HEADER + max + 64, FALSE);
    }

  FUZZ_ASSERT (a.failed == b.failed);
  FUZZ_ASSERT (a.frames->len == b.frames->len);
  for (guint i = 0; i < a.frames->len; i++)
    FUZZ_ASSERT (g_bytes_equal (a.frames->pdata[i], b.frames->pdata[i]));
  if (!a.failed)
    FUZZ_ASSERT (cryptully_frame_reader_buffered (whole) ==
                 cryptully_frame_reader_buffered (split));
  g_ptr_array_unref (a.frames);
  g_ptr_array_unref (b.frames);
  return 0;
}
