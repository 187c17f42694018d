/* test-packet.c - the 10-byte header and the streaming frame reader
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "mimp.h"

/* A reader that has refused a frame, or is idle, holds at most this much. */
#define SMALL_CAPACITY 4096

typedef struct
{
  guint16 id;
  guint32 length;
  guint8 *body;
} Frame;

static void
frame_free (gpointer data)
{
  Frame *frame = data;

  g_free (frame->body);
  g_free (frame);
}

static void
append_frame (GByteArray *stream, guint16 id, const guint8 *body, guint32 length)
{
  guint8 header[MIMP_HEADER_SIZE];

  mimp_header_write (header, id, length);
  g_byte_array_append (stream, header, sizeof header);
  if (length > 0)
    g_byte_array_append (stream, body, length);
}

static void
append_raw_header (GByteArray *stream, guint16 magic, guint16 version, guint16 id, guint32 length)
{
  guint8 h[MIMP_HEADER_SIZE] = {
    magic & 0xff, magic >> 8,    version & 0xff,       version >> 8,          id & 0xff,
    id >> 8,      length & 0xff, (length >> 8) & 0xff, (length >> 16) & 0xff, (length >> 24) & 0xff,
  };

  g_byte_array_append (stream, h, sizeof h);
}

/* Takes every ready frame out of @reader into @frames; returns the last status. */
static MimpFrameStatus
drain (MimpFrameReader *reader, GPtrArray *frames, GError **error)
{
  for (;;)
    {
      guint16 id = 0;
      guint8 *body = NULL;
      guint32 length = 0;
      MimpFrameStatus status = mimp_frame_reader_next (reader, &id, &body, &length, error);
      Frame *frame;

      if (status != MIMP_FRAME_READY)
        return status;
      frame = g_new0 (Frame, 1);
      frame->id = id;
      frame->length = length;
      frame->body = g_memdup2 (body, length);
      g_ptr_array_add (frames, frame);
    }
}

/* The test stream: known and unknown ids, empty and larger bodies. */
typedef struct
{
  guint16 id;
  guint32 length;
} FrameSpec;

static const FrameSpec stream_frames[] = {
  { MIMP_PACKET_SCH, 256 }, { MIMP_PACKET_AH, 0 },     { MIMP_PACKET_SM, 1 }, { 0x1234, 37 },
  { MIMP_PACKET_GU, 9 },    { MIMP_PACKET_ERROR, 10 }, { 0xFFFF, 0 },         { 0x0000, 11 },
  { MIMP_PACKET_SM, 700 },  { MIMP_PACKET_GU, 0 },
};

static guint8
body_byte (guint frame, guint32 i)
{
  return (guint8) (frame * 31 + i * 7 + 3);
}

static GByteArray *
make_stream (void)
{
  GByteArray *stream = g_byte_array_new ();

  for (guint f = 0; f < G_N_ELEMENTS (stream_frames); f++)
    {
      g_autofree guint8 *body = g_malloc (stream_frames[f].length + 1);

      for (guint32 i = 0; i < stream_frames[f].length; i++)
        body[i] = body_byte (f, i);
      append_frame (stream, stream_frames[f].id, body, stream_frames[f].length);
    }
  return stream;
}

static void
assert_stream_frames (GPtrArray *frames)
{
  g_assert_cmpuint (frames->len, ==, G_N_ELEMENTS (stream_frames));
  for (guint f = 0; f < frames->len; f++)
    {
      Frame *frame = g_ptr_array_index (frames, f);

      g_assert_cmphex (frame->id, ==, stream_frames[f].id);
      g_assert_cmpuint (frame->length, ==, stream_frames[f].length);
      for (guint32 i = 0; i < frame->length; i++)
        if (frame->body[i] != body_byte (f, i))
          g_error ("frame %u byte %u: 0x%02x, expected 0x%02x", f, i, frame->body[i],
                   body_byte (f, i));
    }
}

static void
test_header_write (void)
{
  guint8 out[MIMP_HEADER_SIZE];
  static const guint8 sm[] = { 0x0B, 0xB0, 0x01, 0x00, 0xAF, 0x00, 0x2A, 0x00, 0x00, 0x00 };
  static const guint8 ah[] = { 0x0B, 0xB0, 0x01, 0x00, 0x0F, 0xA0, 0x04, 0x03, 0x02, 0x01 };
  static const guint8 err[] = { 0x0B, 0xB0, 0x01, 0x00, 0xEF, 0xBE, 0xFF, 0xFF, 0xFF, 0xFF };
  static const guint8 sch[] = { 0x0B, 0xB0, 0x01, 0x00, 0xA0, 0x0A, 0x00, 0x01, 0x00, 0x00 };
  static const guint8 gu[] = { 0x0B, 0xB0, 0x01, 0x00, 0xCF, 0x0C, 0x00, 0x00, 0x10, 0x00 };

  mimp_header_write (out, MIMP_PACKET_SM, 42);
  g_assert_cmpmem (out, sizeof out, sm, sizeof sm);
  mimp_header_write (out, MIMP_PACKET_AH, 0x01020304);
  g_assert_cmpmem (out, sizeof out, ah, sizeof ah);
  mimp_header_write (out, MIMP_PACKET_ERROR, 0xFFFFFFFF);
  g_assert_cmpmem (out, sizeof out, err, sizeof err);
  mimp_header_write (out, MIMP_PACKET_SCH, 256);
  g_assert_cmpmem (out, sizeof out, sch, sizeof sch);
  mimp_header_write (out, MIMP_PACKET_GU, MIMP_MAX_BODY_SIZE);
  g_assert_cmpmem (out, sizeof out, gu, sizeof gu);
}

static void
test_header_read (void)
{
  static const guint8 in[] = { 0x0B, 0xB0, 0x01, 0x00, 0xCF, 0x0C, 0x78, 0x56, 0x34, 0x12 };
  static const guint8 odd[] = { 0x34, 0x12, 0x02, 0x00, 0xFE, 0xCA, 0xFF, 0xFF, 0xFF, 0xFF };
  MimpHeader header;

  mimp_header_read (in, &header);
  g_assert_cmphex (header.magic, ==, 0xB00B);
  g_assert_cmphex (header.version, ==, 1);
  g_assert_cmphex (header.id, ==, MIMP_PACKET_GU);
  g_assert_cmphex (header.length, ==, 0x12345678);

  mimp_header_read (odd, &header);
  g_assert_cmphex (header.magic, ==, 0x1234);
  g_assert_cmphex (header.version, ==, 2);
  g_assert_cmphex (header.id, ==, 0xCAFE);
  g_assert_cmphex (header.length, ==, 0xFFFFFFFF);
}

static void
test_header_round_trip (void)
{
  static const guint16 ids[] = { 0, 1, 0x00AF, 0x0AA0, 0x0CCF, 0xA00F, 0xBEEF, 0x8000, 0xFFFF };
  static const guint32 lengths[] = {
    0, 1, 255, 256, 65535, 65536, 0xFFFFFF, 0x1000000, 0xFFFFFFFF
  };

  for (guint i = 0; i < G_N_ELEMENTS (ids); i++)
    for (guint j = 0; j < G_N_ELEMENTS (lengths); j++)
      {
        guint8 out[MIMP_HEADER_SIZE];
        MimpHeader header;

        mimp_header_write (out, ids[i], lengths[j]);
        mimp_header_read (out, &header);
        g_assert_cmphex (header.magic, ==, MIMP_MAGIC);
        g_assert_cmphex (header.version, ==, MIMP_PROTOCOL_VERSION);
        g_assert_cmphex (header.id, ==, ids[i]);
        g_assert_cmphex (header.length, ==, lengths[j]);
        g_assert_true (mimp_header_check (&header, G_MAXUINT32, NULL));
      }
}

static void
test_header_check (void)
{
  MimpHeader header = { MIMP_MAGIC, MIMP_PROTOCOL_VERSION, MIMP_PACKET_SM, 0 };
  g_autoptr (GError) error = NULL;

  g_assert_true (mimp_header_check (&header, MIMP_MAX_BODY_SIZE, &error));
  g_assert_no_error (error);

  header.length = MIMP_MAX_BODY_SIZE;
  g_assert_true (mimp_header_check (&header, MIMP_MAX_BODY_SIZE, &error));
  g_assert_no_error (error);

  header.length = MIMP_MAX_BODY_SIZE + 1;
  g_assert_false (mimp_header_check (&header, MIMP_MAX_BODY_SIZE, &error));
  g_assert_error (error, MIMP_ERROR, MIMP_ERROR_TOO_LARGE);
  g_clear_error (&error);

  header.length = 0xFFFFFFFF;
  g_assert_false (mimp_header_check (&header, MIMP_MAX_BODY_SIZE, &error));
  g_assert_error (error, MIMP_ERROR, MIMP_ERROR_TOO_LARGE);
  g_clear_error (&error);

  /* A lower configured limit. */
  header.length = 100;
  g_assert_true (mimp_header_check (&header, 100, NULL));
  header.length = 101;
  g_assert_false (mimp_header_check (&header, 100, &error));
  g_assert_error (error, MIMP_ERROR, MIMP_ERROR_TOO_LARGE);
  g_clear_error (&error);

  header.length = 0;
  header.magic = 0x0BB0; /* byte-swapped magic */
  g_assert_false (mimp_header_check (&header, MIMP_MAX_BODY_SIZE, &error));
  g_assert_error (error, MIMP_ERROR, MIMP_ERROR_NOT_MIMP);
  g_clear_error (&error);

  header.magic = MIMP_MAGIC;
  header.version = 0;
  g_assert_false (mimp_header_check (&header, MIMP_MAX_BODY_SIZE, &error));
  g_assert_error (error, MIMP_ERROR, MIMP_ERROR_NOT_MIMP);
  g_clear_error (&error);

  header.version = 2;
  g_assert_false (mimp_header_check (&header, MIMP_MAX_BODY_SIZE, &error));
  g_assert_error (error, MIMP_ERROR, MIMP_ERROR_NOT_MIMP);
  g_clear_error (&error);

  header.version = 0x0100; /* version written big-endian */
  g_assert_false (mimp_header_check (&header, MIMP_MAX_BODY_SIZE, &error));
  g_assert_error (error, MIMP_ERROR, MIMP_ERROR_NOT_MIMP);
  g_clear_error (&error);

  /* Unknown packet ids are not the frame layer's business. */
  header.version = MIMP_PROTOCOL_VERSION;
  for (guint id = 0; id <= 0xFFFF; id += 0x0101)
    {
      header.id = (guint16) id;
      g_assert_true (mimp_header_check (&header, MIMP_MAX_BODY_SIZE, NULL));
    }
}

static void
test_packet_id_names (void)
{
  g_assert_cmpstr (mimp_packet_id_name (0x0AA0), ==, "SCH");
  g_assert_cmpstr (mimp_packet_id_name (0xA00F), ==, "AH");
  g_assert_cmpstr (mimp_packet_id_name (0x00AF), ==, "SM");
  g_assert_cmpstr (mimp_packet_id_name (0x0CCF), ==, "GU");
  g_assert_cmpstr (mimp_packet_id_name (0xBEEF), ==, "Error");
  g_assert_null (mimp_packet_id_name (0x0000));
  g_assert_null (mimp_packet_id_name (0xAF00));
  g_assert_null (mimp_packet_id_name (0xFFFF));

  g_assert_true (mimp_packet_id_is_known (MIMP_PACKET_GU));
  g_assert_false (mimp_packet_id_is_known (0x1234));
  g_assert_false (mimp_packet_id_is_known (0xEFBE));
}

static void
test_reader_single (void)
{
  g_autoptr (MimpFrameReader) reader = mimp_frame_reader_new (MIMP_MAX_BODY_SIZE);
  g_autoptr (GByteArray) stream = g_byte_array_new ();
  g_autoptr (GError) error = NULL;
  guint16 id = 0;
  guint8 *body = NULL;
  guint32 length = 99;

  g_assert_cmpuint (mimp_frame_reader_buffered (reader), ==, 0);
  g_assert_cmpint (mimp_frame_reader_next (reader, &id, &body, &length, &error), ==,
                   MIMP_FRAME_NEED_MORE);
  g_assert_no_error (error);

  append_frame (stream, MIMP_PACKET_SM, (const guint8 *) "hello", 5);
  mimp_frame_reader_push (reader, stream->data, stream->len);
  g_assert_cmpuint (mimp_frame_reader_buffered (reader), ==, 15);
  g_assert_cmpint (mimp_frame_reader_next (reader, &id, &body, &length, &error), ==,
                   MIMP_FRAME_READY);
  g_assert_no_error (error);
  g_assert_cmphex (id, ==, MIMP_PACKET_SM);
  g_assert_cmpuint (length, ==, 5);
  g_assert_cmpmem (body, length, "hello", 5);
  /* The body is writable in place, to decipher it. */
  body[0] = 'j';
  g_assert_cmpmem (body, length, "jello", 5);
  g_assert_cmpuint (mimp_frame_reader_buffered (reader), ==, 0);

  g_assert_cmpint (mimp_frame_reader_next (reader, &id, &body, &length, &error), ==,
                   MIMP_FRAME_NEED_MORE);
  g_assert_no_error (error);
}

static void
test_reader_empty_body (void)
{
  g_autoptr (MimpFrameReader) reader = mimp_frame_reader_new (MIMP_MAX_BODY_SIZE);
  g_autoptr (GByteArray) stream = g_byte_array_new ();
  guint16 id = 0;
  guint8 *body = NULL;
  guint32 length = 99;

  append_frame (stream, MIMP_PACKET_SCH, NULL, 0);
  /* Nine bytes are not a header yet. */
  mimp_frame_reader_push (reader, stream->data, 9);
  g_assert_cmpint (mimp_frame_reader_next (reader, &id, &body, &length, NULL), ==,
                   MIMP_FRAME_NEED_MORE);
  g_assert_cmpuint (mimp_frame_reader_buffered (reader), ==, 9);
  mimp_frame_reader_push (reader, stream->data + 9, 1);
  g_assert_cmpint (mimp_frame_reader_next (reader, &id, &body, &length, NULL), ==,
                   MIMP_FRAME_READY);
  g_assert_cmphex (id, ==, MIMP_PACKET_SCH);
  g_assert_cmpuint (length, ==, 0);
  g_assert_cmpuint (mimp_frame_reader_buffered (reader), ==, 0);
}

static void
test_reader_unknown_ids (void)
{
  static const guint16 ids[] = { 0x0000, 0x0001, 0x1234, 0xAF00, 0xEFBE, 0xFFFF };
  g_autoptr (MimpFrameReader) reader = mimp_frame_reader_new (MIMP_MAX_BODY_SIZE);
  g_autoptr (GByteArray) stream = g_byte_array_new ();
  g_autoptr (GPtrArray) frames = g_ptr_array_new_with_free_func (frame_free);
  g_autoptr (GError) error = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (ids); i++)
    append_frame (stream, ids[i], (const guint8 *) "xyz", i % 4);
  mimp_frame_reader_push (reader, stream->data, stream->len);
  g_assert_cmpint (drain (reader, frames, &error), ==, MIMP_FRAME_NEED_MORE);
  g_assert_no_error (error);
  g_assert_cmpuint (frames->len, ==, G_N_ELEMENTS (ids));
  for (guint i = 0; i < G_N_ELEMENTS (ids); i++)
    {
      Frame *frame = g_ptr_array_index (frames, i);

      g_assert_cmphex (frame->id, ==, ids[i]);
      g_assert_cmpmem (frame->body, frame->length, "xyz", i % 4);
    }
}

static void
test_reader_whole_stream (void)
{
  g_autoptr (GByteArray) stream = make_stream ();
  g_autoptr (MimpFrameReader) reader = mimp_frame_reader_new (MIMP_MAX_BODY_SIZE);
  g_autoptr (GPtrArray) frames = g_ptr_array_new_with_free_func (frame_free);
  g_autoptr (GError) error = NULL;

  mimp_frame_reader_push (reader, stream->data, stream->len);
  g_assert_cmpuint (mimp_frame_reader_buffered (reader), ==, stream->len);
  g_assert_cmpint (drain (reader, frames, &error), ==, MIMP_FRAME_NEED_MORE);
  g_assert_no_error (error);
  assert_stream_frames (frames);
  g_assert_cmpuint (mimp_frame_reader_buffered (reader), ==, 0);
}

/* The stream in two pushes, split at every possible point, draining after each. */
static void
test_reader_split_everywhere (void)
{
  g_autoptr (GByteArray) stream = make_stream ();

  for (guint split = 0; split <= stream->len; split++)
    {
      g_autoptr (MimpFrameReader) reader = mimp_frame_reader_new (MIMP_MAX_BODY_SIZE);
      g_autoptr (GPtrArray) frames = g_ptr_array_new_with_free_func (frame_free);
      g_autoptr (GError) error = NULL;

      mimp_frame_reader_push (reader, stream->data, split);
      g_assert_cmpint (drain (reader, frames, &error), ==, MIMP_FRAME_NEED_MORE);
      mimp_frame_reader_push (reader, stream->data + split, stream->len - split);
      g_assert_cmpint (drain (reader, frames, &error), ==, MIMP_FRAME_NEED_MORE);
      g_assert_no_error (error);
      assert_stream_frames (frames);
      g_assert_cmpuint (mimp_frame_reader_buffered (reader), ==, 0);
    }
}

/* One byte at a time: every split point at once. */
static void
test_reader_byte_by_byte (void)
{
  g_autoptr (GByteArray) stream = make_stream ();
  g_autoptr (MimpFrameReader) reader = mimp_frame_reader_new (MIMP_MAX_BODY_SIZE);
  g_autoptr (GPtrArray) frames = g_ptr_array_new_with_free_func (frame_free);
  g_autoptr (GError) error = NULL;

  for (guint i = 0; i < stream->len; i++)
    {
      mimp_frame_reader_push (reader, stream->data + i, 1);
      g_assert_cmpint (drain (reader, frames, &error), ==, MIMP_FRAME_NEED_MORE);
      g_assert_no_error (error);
    }
  assert_stream_frames (frames);
}

/* Random chunk sizes, from the test seed; sometimes not draining in between. */
static void
test_reader_split_random (void)
{
  g_autoptr (GByteArray) stream = make_stream ();

  for (guint round = 0; round < 500; round++)
    {
      g_autoptr (MimpFrameReader) reader = mimp_frame_reader_new (MIMP_MAX_BODY_SIZE);
      g_autoptr (GPtrArray) frames = g_ptr_array_new_with_free_func (frame_free);
      g_autoptr (GError) error = NULL;
      guint max_chunk = (guint) g_test_rand_int_range (1, (gint32) stream->len + 1);
      guint pos = 0;

      while (pos < stream->len)
        {
          /* MIN evaluates its arguments twice: draw the number first. */
          guint n = (guint) g_test_rand_int_range (0, (gint32) max_chunk + 1);

          n = MIN (n, stream->len - pos);

          mimp_frame_reader_push (reader, stream->data + pos, n);
          pos += n;
          if (g_test_rand_bit ())
            g_assert_cmpint (drain (reader, frames, &error), ==, MIMP_FRAME_NEED_MORE);
        }
      g_assert_cmpint (drain (reader, frames, &error), ==, MIMP_FRAME_NEED_MORE);
      g_assert_no_error (error);
      assert_stream_frames (frames);
    }
}

/* The zero-copy path: read straight into the reader's buffer. */
static void
test_reader_reserve_commit (void)
{
  g_autoptr (GByteArray) stream = make_stream ();

  for (guint round = 0; round < 200; round++)
    {
      g_autoptr (MimpFrameReader) reader = mimp_frame_reader_new (MIMP_MAX_BODY_SIZE);
      g_autoptr (GPtrArray) frames = g_ptr_array_new_with_free_func (frame_free);
      g_autoptr (GError) error = NULL;
      guint pos = 0;

      while (pos < stream->len)
        {
          gsize want = (gsize) g_test_rand_int_range (0, 2000);
          gsize available = 0;
          guint8 *room = mimp_frame_reader_reserve (reader, want, &available);
          gsize n;

          g_assert_nonnull (room);
          g_assert_cmpuint (available, >=, MAX (want, 1));
          /* A short read: the socket gave less than was room for. */
          n = (gsize) g_test_rand_int_range (0, (gint32) want + 1);
          n = MIN (available, n);
          n = MIN (n, stream->len - pos);
          memcpy (room, stream->data + pos, n);
          mimp_frame_reader_commit (reader, n);
          pos += n;
          g_assert_cmpint (drain (reader, frames, &error), ==, MIMP_FRAME_NEED_MORE);
          g_assert_no_error (error);
        }
      assert_stream_frames (frames);
      g_assert_cmpuint (mimp_frame_reader_buffered (reader), ==, 0);
    }
}

static void
test_reader_reserve_bounds (void)
{
  g_autoptr (MimpFrameReader) reader = mimp_frame_reader_new (MIMP_MAX_BODY_SIZE);
  g_autoptr (MimpFrameReader) small = mimp_frame_reader_new (100);
  gsize available = 0;
  guint8 *room;

  g_assert_cmpuint (mimp_frame_reader_capacity (reader), ==, 0);

  /* Asking for nothing still offers room for one byte. */
  room = mimp_frame_reader_reserve (reader, 0, &available);
  g_assert_nonnull (room);
  g_assert_cmpuint (available, >=, 1);
  g_assert_cmpuint (mimp_frame_reader_capacity (reader), <=, SMALL_CAPACITY);

  /* Asking for a gigabyte offers no more than one header and a largest body. */
  room = mimp_frame_reader_reserve (reader, (gsize) 1 << 30, &available);
  g_assert_nonnull (room);
  g_assert_cmpuint (available, >=, MIMP_HEADER_SIZE + MIMP_MAX_BODY_SIZE);
  g_assert_cmpuint (available, <=, MIMP_HEADER_SIZE + MIMP_MAX_BODY_SIZE);
  g_assert_cmpuint (mimp_frame_reader_capacity (reader), ==, MIMP_HEADER_SIZE + MIMP_MAX_BODY_SIZE);

  room = mimp_frame_reader_reserve (small, G_MAXSIZE, &available);
  g_assert_nonnull (room);
  g_assert_cmpuint (available, >=, MIMP_HEADER_SIZE + 100);
  g_assert_cmpuint (mimp_frame_reader_capacity (small), <=, SMALL_CAPACITY);

  /* Committing nothing is allowed and changes nothing. */
  mimp_frame_reader_commit (small, 0);
  g_assert_cmpuint (mimp_frame_reader_buffered (small), ==, 0);
}

static void
assert_refused (const guint8 *header, guint32 max_body, int code)
{
  g_autoptr (MimpFrameReader) reader = mimp_frame_reader_new (max_body);
  g_autoptr (GError) error = NULL;
  guint16 id = 0;
  guint8 *body = NULL;
  guint32 length = 0;

  mimp_frame_reader_push (reader, header, MIMP_HEADER_SIZE);
  g_assert_cmpint (mimp_frame_reader_next (reader, &id, &body, &length, &error), ==,
                   MIMP_FRAME_ERROR);
  g_assert_error (error, MIMP_ERROR, code);
  /* The announced length was never allocated. */
  g_assert_cmpuint (mimp_frame_reader_capacity (reader), <=, SMALL_CAPACITY);
}

static void
test_reader_lengths (void)
{
  guint8 header[MIMP_HEADER_SIZE];
  g_autoptr (MimpFrameReader) reader = mimp_frame_reader_new (MIMP_MAX_BODY_SIZE);
  g_autofree guint8 *big = g_malloc (MIMP_MAX_BODY_SIZE);
  g_autoptr (GError) error = NULL;
  guint16 id = 0;
  guint8 *body = NULL;
  guint32 length = 0;

  mimp_header_write (header, MIMP_PACKET_SM, 0xFFFFFFFF);
  assert_refused (header, MIMP_MAX_BODY_SIZE, MIMP_ERROR_TOO_LARGE);
  mimp_header_write (header, MIMP_PACKET_SM, MIMP_MAX_BODY_SIZE + 1);
  assert_refused (header, MIMP_MAX_BODY_SIZE, MIMP_ERROR_TOO_LARGE);
  mimp_header_write (header, 0xBEEF, 0x80000000);
  assert_refused (header, MIMP_MAX_BODY_SIZE, MIMP_ERROR_TOO_LARGE);
  /* A reader cannot be configured over the protocol's limit. */
  mimp_header_write (header, MIMP_PACKET_SM, MIMP_MAX_BODY_SIZE + 1);
  assert_refused (header, G_MAXUINT32, MIMP_ERROR_TOO_LARGE);
  /* ... but below it. */
  mimp_header_write (header, MIMP_PACKET_SM, 101);
  assert_refused (header, 100, MIMP_ERROR_TOO_LARGE);

  /* Exactly 1 MiB is allowed, and is not allocated before it arrives. */
  mimp_header_write (header, MIMP_PACKET_GU, MIMP_MAX_BODY_SIZE);
  mimp_frame_reader_push (reader, header, sizeof header);
  g_assert_cmpint (mimp_frame_reader_next (reader, &id, &body, &length, &error), ==,
                   MIMP_FRAME_NEED_MORE);
  g_assert_no_error (error);
  g_assert_cmpuint (mimp_frame_reader_capacity (reader), <=, SMALL_CAPACITY);

  for (gsize i = 0; i < MIMP_MAX_BODY_SIZE; i++)
    big[i] = (guint8) (i ^ (i >> 8));
  mimp_frame_reader_push (reader, big, MIMP_MAX_BODY_SIZE - 1);
  g_assert_cmpint (mimp_frame_reader_next (reader, &id, &body, &length, &error), ==,
                   MIMP_FRAME_NEED_MORE);
  mimp_frame_reader_push (reader, big + MIMP_MAX_BODY_SIZE - 1, 1);
  g_assert_cmpint (mimp_frame_reader_next (reader, &id, &body, &length, &error), ==,
                   MIMP_FRAME_READY);
  g_assert_no_error (error);
  g_assert_cmphex (id, ==, MIMP_PACKET_GU);
  g_assert_cmpuint (length, ==, MIMP_MAX_BODY_SIZE);
  g_assert_true (memcmp (body, big, MIMP_MAX_BODY_SIZE) == 0);
}

static void
test_reader_bad_headers (void)
{
  g_autoptr (GByteArray) bad = g_byte_array_new ();

  append_raw_header (bad, 0x0BB0, 1, MIMP_PACKET_SM, 0);
  assert_refused (bad->data, MIMP_MAX_BODY_SIZE, MIMP_ERROR_NOT_MIMP);
  g_byte_array_set_size (bad, 0);
  append_raw_header (bad, 0xB00B, 2, MIMP_PACKET_SM, 0);
  assert_refused (bad->data, MIMP_MAX_BODY_SIZE, MIMP_ERROR_NOT_MIMP);
  g_byte_array_set_size (bad, 0);
  append_raw_header (bad, 0xB00B, 0, MIMP_PACKET_SM, 0);
  assert_refused (bad->data, MIMP_MAX_BODY_SIZE, MIMP_ERROR_NOT_MIMP);
  g_byte_array_set_size (bad, 0);
  /* Something that is not MIMP at all. */
  g_byte_array_append (bad, (const guint8 *) "GET / HTTP", 10);
  assert_refused (bad->data, MIMP_MAX_BODY_SIZE, MIMP_ERROR_NOT_MIMP);
}

static void
test_reader_error_sticky (void)
{
  g_autoptr (MimpFrameReader) reader = mimp_frame_reader_new (MIMP_MAX_BODY_SIZE);
  g_autoptr (GByteArray) stream = g_byte_array_new ();
  g_autoptr (GByteArray) good = make_stream ();
  g_autoptr (GError) error = NULL;
  guint16 id = 0;
  guint8 *body = NULL;
  guint32 length = 0;

  /* A good frame, then a bad one: the good one comes out first. */
  append_frame (stream, MIMP_PACKET_SM, (const guint8 *) "ok", 2);
  append_raw_header (stream, 0xDEAD, 1, MIMP_PACKET_SM, 0);
  mimp_frame_reader_push (reader, stream->data, stream->len);
  g_assert_cmpint (mimp_frame_reader_next (reader, &id, &body, &length, &error), ==,
                   MIMP_FRAME_READY);
  g_assert_cmpmem (body, length, "ok", 2);
  g_assert_cmpint (mimp_frame_reader_next (reader, &id, &body, &length, &error), ==,
                   MIMP_FRAME_ERROR);
  g_assert_error (error, MIMP_ERROR, MIMP_ERROR_NOT_MIMP);
  g_clear_error (&error);

  /* Once failed, good bytes do not bring it back. */
  for (guint i = 0; i < 3; i++)
    {
      mimp_frame_reader_push (reader, good->data, good->len);
      g_assert_cmpint (mimp_frame_reader_next (reader, &id, &body, &length, &error), ==,
                       MIMP_FRAME_ERROR);
      g_assert_error (error, MIMP_ERROR, MIMP_ERROR_PROTOCOL);
      g_clear_error (&error);
    }
  /* A NULL error is fine too. */
  g_assert_cmpint (mimp_frame_reader_next (reader, &id, &body, &length, NULL), ==,
                   MIMP_FRAME_ERROR);
}

/* A large frame does not leave a large buffer behind once handled. */
static void
test_reader_release (void)
{
  g_autoptr (MimpFrameReader) reader = mimp_frame_reader_new (MIMP_MAX_BODY_SIZE);
  g_autoptr (GByteArray) stream = g_byte_array_new ();
  g_autofree guint8 *big = g_malloc0 (MIMP_MAX_BODY_SIZE);
  g_autoptr (GError) error = NULL;
  guint16 id = 0;
  guint8 *body = NULL;
  guint32 length = 0;

  append_frame (stream, MIMP_PACKET_GU, big, MIMP_MAX_BODY_SIZE);
  append_frame (stream, MIMP_PACKET_SM, (const guint8 *) "tail", 4);
  mimp_frame_reader_push (reader, stream->data, stream->len);
  g_assert_cmpuint (mimp_frame_reader_capacity (reader), >=, stream->len);

  g_assert_cmpint (mimp_frame_reader_next (reader, &id, &body, &length, &error), ==,
                   MIMP_FRAME_READY);
  g_assert_cmpuint (length, ==, MIMP_MAX_BODY_SIZE);
  g_assert_cmpint (mimp_frame_reader_next (reader, &id, &body, &length, &error), ==,
                   MIMP_FRAME_READY);
  g_assert_cmpmem (body, length, "tail", 4);
  g_assert_cmpuint (mimp_frame_reader_buffered (reader), ==, 0);

  /* Drained: an idle reader costs a few bytes. */
  g_assert_cmpint (mimp_frame_reader_next (reader, &id, &body, &length, &error), ==,
                   MIMP_FRAME_NEED_MORE);
  g_assert_no_error (error);
  g_assert_cmpuint (mimp_frame_reader_capacity (reader), <=, SMALL_CAPACITY);

  /* And it keeps working afterwards. */
  g_byte_array_set_size (stream, 0);
  append_frame (stream, MIMP_PACKET_AH, (const guint8 *) "again", 5);
  mimp_frame_reader_push (reader, stream->data, stream->len);
  g_assert_cmpint (mimp_frame_reader_next (reader, &id, &body, &length, &error), ==,
                   MIMP_FRAME_READY);
  g_assert_cmphex (id, ==, MIMP_PACKET_AH);
  g_assert_cmpmem (body, length, "again", 5);
  g_assert_cmpuint (mimp_frame_reader_capacity (reader), <=, SMALL_CAPACITY);
}

/* A partial frame left behind a consumed one keeps its bytes. */
static void
test_reader_partial_after_frame (void)
{
  g_autoptr (MimpFrameReader) reader = mimp_frame_reader_new (MIMP_MAX_BODY_SIZE);
  g_autoptr (GByteArray) stream = g_byte_array_new ();
  g_autoptr (GError) error = NULL;
  g_autofree guint8 *big = g_malloc (10000);
  guint16 id = 0;
  guint8 *body = NULL;
  guint32 length = 0;

  for (guint i = 0; i < 10000; i++)
    big[i] = (guint8) (i * 13);
  append_frame (stream, MIMP_PACKET_SM, big, 10000);
  append_frame (stream, MIMP_PACKET_GU, big, 10000);
  mimp_frame_reader_push (reader, stream->data, 10010 + 5000);
  g_assert_cmpint (mimp_frame_reader_next (reader, &id, &body, &length, &error), ==,
                   MIMP_FRAME_READY);
  g_assert_true (memcmp (body, big, 10000) == 0);
  g_assert_cmpint (mimp_frame_reader_next (reader, &id, &body, &length, &error), ==,
                   MIMP_FRAME_NEED_MORE);
  g_assert_cmpuint (mimp_frame_reader_buffered (reader), ==, 5000);
  mimp_frame_reader_push (reader, stream->data + 15010, stream->len - 15010);
  g_assert_cmpint (mimp_frame_reader_next (reader, &id, &body, &length, &error), ==,
                   MIMP_FRAME_READY);
  g_assert_no_error (error);
  g_assert_cmphex (id, ==, MIMP_PACKET_GU);
  g_assert_cmpuint (length, ==, 10000);
  g_assert_true (memcmp (body, big, 10000) == 0);
}

/* A peer that announces a megabyte and then trickles: memory follows what came. */
static void
test_reader_trickle (void)
{
  g_autoptr (MimpFrameReader) reader = mimp_frame_reader_new (MIMP_MAX_BODY_SIZE);
  guint8 header[MIMP_HEADER_SIZE];
  guint8 chunk[100] = { 0 };
  guint16 id = 0;
  guint8 *body = NULL;
  guint32 length = 0;

  mimp_header_write (header, MIMP_PACKET_SM, MIMP_MAX_BODY_SIZE);
  mimp_frame_reader_push (reader, header, sizeof header);
  for (guint i = 0; i < 100; i++)
    {
      mimp_frame_reader_push (reader, chunk, sizeof chunk);
      g_assert_cmpint (mimp_frame_reader_next (reader, &id, &body, &length, NULL), ==,
                       MIMP_FRAME_NEED_MORE);
    }
  g_assert_cmpuint (mimp_frame_reader_buffered (reader), ==, 10 + 100 * sizeof chunk);
  g_assert_cmpuint (mimp_frame_reader_capacity (reader), <=, 2 * (10 + 100 * sizeof chunk));
}

static void
test_reader_free_null (void)
{
  mimp_frame_reader_free (NULL);
}

/* trim releases an empty reader's buffer, and never drops buffered bytes. */
static void
test_reader_trim (void)
{
  g_autoptr (MimpFrameReader) reader = mimp_frame_reader_new (MIMP_MAX_BODY_SIZE);
  guint8 frame[MIMP_HEADER_SIZE + 3] = { 0 };
  guint16 id = 0;
  guint8 *body = NULL;
  guint32 length = 0;

  mimp_header_write (frame, MIMP_PACKET_SM, 3);
  memcpy (frame + MIMP_HEADER_SIZE, "abc", 3);

  /* A frame and a half: trim keeps the half. */
  mimp_frame_reader_push (reader, frame, sizeof frame);
  mimp_frame_reader_push (reader, frame, 5);
  g_assert_cmpint (mimp_frame_reader_next (reader, &id, &body, &length, NULL), ==,
                   MIMP_FRAME_READY);
  mimp_frame_reader_trim (reader);
  g_assert_cmpuint (mimp_frame_reader_buffered (reader), ==, 5);
  g_assert_cmpuint (mimp_frame_reader_capacity (reader), >, 0);
  mimp_frame_reader_push (reader, frame + 5, sizeof frame - 5);
  g_assert_cmpint (mimp_frame_reader_next (reader, &id, &body, &length, NULL), ==,
                   MIMP_FRAME_READY);
  g_assert_cmpuint (id, ==, MIMP_PACKET_SM);
  g_assert_cmpmem (body, length, "abc", 3);

  /* Drained: nothing is kept. */
  mimp_frame_reader_trim (reader);
  g_assert_cmpuint (mimp_frame_reader_buffered (reader), ==, 0);
  g_assert_cmpuint (mimp_frame_reader_capacity (reader), ==, 0);
  mimp_frame_reader_push (reader, frame, sizeof frame);
  g_assert_cmpint (mimp_frame_reader_next (reader, &id, &body, &length, NULL), ==,
                   MIMP_FRAME_READY);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/packet/header/write", test_header_write);
  g_test_add_func ("/packet/header/read", test_header_read);
  g_test_add_func ("/packet/header/round-trip", test_header_round_trip);
  g_test_add_func ("/packet/header/check", test_header_check);
  g_test_add_func ("/packet/id-names", test_packet_id_names);
  g_test_add_func ("/packet/reader/single", test_reader_single);
  g_test_add_func ("/packet/reader/empty-body", test_reader_empty_body);
  g_test_add_func ("/packet/reader/unknown-ids", test_reader_unknown_ids);
  g_test_add_func ("/packet/reader/whole-stream", test_reader_whole_stream);
  g_test_add_func ("/packet/reader/split-everywhere", test_reader_split_everywhere);
  g_test_add_func ("/packet/reader/byte-by-byte", test_reader_byte_by_byte);
  g_test_add_func ("/packet/reader/split-random", test_reader_split_random);
  g_test_add_func ("/packet/reader/reserve-commit", test_reader_reserve_commit);
  g_test_add_func ("/packet/reader/reserve-bounds", test_reader_reserve_bounds);
  g_test_add_func ("/packet/reader/lengths", test_reader_lengths);
  g_test_add_func ("/packet/reader/bad-headers", test_reader_bad_headers);
  g_test_add_func ("/packet/reader/error-sticky", test_reader_error_sticky);
  g_test_add_func ("/packet/reader/release", test_reader_release);
  g_test_add_func ("/packet/reader/partial-after-frame", test_reader_partial_after_frame);
  g_test_add_func ("/packet/reader/trickle", test_reader_trickle);
  g_test_add_func ("/packet/reader/free-null", test_reader_free_null);
  g_test_add_func ("/packet/reader/trim", test_reader_trim);

  return g_test_run ();
}
