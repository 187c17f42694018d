/* mimp-bench-codec.c - in-process micro-benchmarks: cipher, framing, JSON,
 * Argon2id
 *
 * Each figure is the median of several timed rounds, next to memcpy of the
 * same buffer measured in the same run.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "mimp-bench"

#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mimp-bench.h"
#include "mimp.h"
#include "mimpd-password.h"

static volatile guint8 sink;

static int
cmp_double (const void *a, const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return x < y ? -1 : x > y;
}

typedef void (*Op) (gpointer data, gsize iterations);

/* Nanoseconds per iteration: the median of 7 rounds of about @seconds/7 each. */
static double
measure (Op op, gpointer data, double seconds)
{
  double rounds[7];
  gsize iterations = 1;
  gint64 t0, t1;

  /* Calibrate to about 10 ms. */
  for (;;)
    {
      t0 = bench_now_ns ();
      op (data, iterations);
      t1 = bench_now_ns ();
      if (t1 - t0 > 10000000 || iterations > ((gsize) 1 << 40))
        break;
      iterations *= 2;
    }
  iterations = MAX (1, (gsize) ((double) iterations * (seconds / 7) / ((t1 - t0) / 1e9)));
  for (int r = 0; r < 7; r++)
    {
      t0 = bench_now_ns ();
      op (data, iterations);
      t1 = bench_now_ns ();
      rounds[r] = (double) (t1 - t0) / (double) iterations;
    }
  qsort (rounds, 7, sizeof rounds[0], cmp_double);
  return rounds[3];
}

typedef struct
{
  guint8 *src;
  guint8 *dst;
  gsize len;
  guint8 key[MIMP_KEY_SIZE];
  MimpFrameReader *reader;
  guint8 *frame; /* header + enciphered body */
  GString *out;
} CodecData;

static void
op_memcpy (gpointer data, gsize iterations)
{
  CodecData *d = data;

  for (gsize i = 0; i < iterations; i++)
    {
      memcpy (d->dst, d->src, d->len);
      __asm__ __volatile__("" : : "r"(d->dst) : "memory");
    }
  sink = d->dst[0];
}

static void
op_xor (gpointer data, gsize iterations)
{
  CodecData *d = data;

  for (gsize i = 0; i < iterations; i++)
    {
      mimp_xor (d->dst, d->len, d->key, 0);
      __asm__ __volatile__("" : : "r"(d->dst) : "memory");
    }
  sink = d->dst[0];
}

/* Encode as the server does: header, body appended, body enciphered. */
static void
op_encode (gpointer data, gsize iterations)
{
  CodecData *d = data;

  for (gsize i = 0; i < iterations; i++)
    {
      guint8 header[MIMP_HEADER_SIZE];
      gsize at;

      g_string_truncate (d->out, 0);
      mimp_header_write (header, MIMP_PACKET_GU, (guint32) d->len);
      g_string_append_len (d->out, (const char *) header, sizeof header);
      at = d->out->len;
      g_string_append_len (d->out, (const char *) d->src, (gssize) d->len);
      mimp_xor ((guint8 *) d->out->str + at, d->len, d->key, 0);
    }
  sink = (guint8) d->out->str[0];
}

/* Decode as the server does: into the reader, next frame, decipher. */
static void
op_decode (gpointer data, gsize iterations)
{
  CodecData *d = data;

  for (gsize i = 0; i < iterations; i++)
    {
      guint16 id;
      guint8 *body;
      guint32 length;

      mimp_frame_reader_push (d->reader, d->frame, MIMP_HEADER_SIZE + d->len);
      if (mimp_frame_reader_next (d->reader, &id, &body, &length, NULL) != MIMP_FRAME_READY)
        g_error ("decode failed");
      mimp_xor (body, length, d->key, 0);
      sink = body[0];
    }
}

typedef struct
{
  GBytes *sm;
} JsonData;

static void
op_parse_sm (gpointer data, gsize iterations)
{
  JsonData *d = data;
  gsize len;
  const guint8 *body = g_bytes_get_data (d->sm, &len);

  for (gsize i = 0; i < iterations; i++)
    {
      MimpSendRequest request = { 0 };

      if (!mimp_body_parse_send_request (body, len, &request, NULL))
        g_error ("parse failed");
      sink = (guint8) request.text[0];
      mimp_send_request_clear (&request);
    }
}

static void
op_build_reply (gpointer data, gsize iterations)
{
  GString *out = g_string_sized_new (64);

  for (gsize i = 0; i < iterations; i++)
    {
      g_string_truncate (out, 0);
      mimp_body_append_send_reply (out, "ABCDEFGHIJKLMNOPQRSTUV", 1763769600000 + (gint64) i);
    }
  sink = (guint8) out->str[0];
  g_string_free (out, TRUE);
}

static void
codec_size (const char *label, gsize len, double seconds)
{
  CodecData d = { 0 };
  double t_memcpy, t_xor, t_enc, t_dec;

  d.len = len;
  d.src = g_malloc (len);
  d.dst = g_malloc (len);
  for (gsize i = 0; i < len; i++)
    d.src[i] = (guint8) (i * 131 + 7);
  memcpy (d.dst, d.src, len);
  for (int i = 0; i < MIMP_KEY_SIZE; i++)
    d.key[i] = (guint8) (i * 37 + 11);
  d.reader = mimp_frame_reader_new (MIMP_MAX_BODY_SIZE);
  d.frame = g_malloc (MIMP_HEADER_SIZE + len);
  mimp_header_write (d.frame, MIMP_PACKET_SM, (guint32) len);
  memcpy (d.frame + MIMP_HEADER_SIZE, d.src, len);
  d.out = g_string_sized_new (len + MIMP_HEADER_SIZE);

  t_memcpy = measure (op_memcpy, &d, seconds);
  t_xor = measure (op_xor, &d, seconds);
  t_enc = measure (op_encode, &d, seconds);
  t_dec = measure (op_decode, &d, seconds);

  printf ("\"codec_%s_bytes\": %" G_GSIZE_FORMAT ",\n", label, len);
  printf ("\"codec_%s_memcpy_ns\": %.1f,\n", label, t_memcpy);
  printf ("\"codec_%s_memcpy_mb_s\": %.0f,\n", label, len / t_memcpy * 1e3);
  printf ("\"codec_%s_xor_ns\": %.1f,\n", label, t_xor);
  printf ("\"codec_%s_xor_mb_s\": %.0f,\n", label, len / t_xor * 1e3);
  printf ("\"codec_%s_encode_ns\": %.1f,\n", label, t_enc);
  printf ("\"codec_%s_encode_mb_s\": %.0f,\n", label, len / t_enc * 1e3);
  printf ("\"codec_%s_decode_ns\": %.1f,\n", label, t_dec);
  printf ("\"codec_%s_decode_mb_s\": %.0f,\n", label, len / t_dec * 1e3);
  printf ("\"codec_%s_xor_vs_memcpy\": %.3f,\n", label, t_memcpy / t_xor);

  g_free (d.src);
  g_free (d.dst);
  g_free (d.frame);
  g_string_free (d.out, TRUE);
  mimp_frame_reader_free (d.reader);
}

/**
 * bench_codec_run:
 *
 * Prints JSON members (without the enclosing braces' closing member).
 */
int
bench_codec_run (double seconds)
{
  JsonData j = { 0 };
  g_autofree char *text = g_strnfill (64, 'x');
  double t;

  printf ("{\n");
  codec_size ("1mib", MIMP_MAX_BODY_SIZE, seconds);
  codec_size ("small", 128, seconds);

  j.sm = mimp_body_build_send_request ("bench17", "bench42", text, "ABCDEFGHIJKLMNOP",
                                       "0f8e2a9c-6a8e-4c11-9f0e-2b6f4f9c1d2e");
  t = measure (op_parse_sm, &j, seconds);
  printf ("\"json_parse_sm_ns\": %.1f,\n", t);
  t = measure (op_build_reply, NULL, seconds);
  printf ("\"json_build_sm_reply_ns\": %.1f\n", t);
  printf ("}\n");
  g_bytes_unref (j.sm);
  return 0;
}

/**
 * bench_argon2_run:
 *
 * Hashes once and verifies for about @seconds at the server's real cost
 * (MIMPD_ARGON2_TEST_COST must not be set), one thread.
 */
int
bench_argon2_run (double seconds)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *password = g_strnfill (20, 'p');
  g_autofree char *hash = NULL;
  gint64 t0, t_hash, end;
  guint n = 0;

  if (g_getenv ("MIMPD_ARGON2_TEST_COST") != NULL)
    {
      fprintf (stderr, "mimp-bench: unset MIMPD_ARGON2_TEST_COST to measure the real cost\n");
      return 1;
    }
  if (!mimpd_password_init (&error))
    {
      fprintf (stderr, "mimp-bench: %s\n", error->message);
      return 1;
    }
  t0 = bench_now_ns ();
  hash = mimpd_password_hash (password, &error);
  t_hash = bench_now_ns () - t0;
  if (hash == NULL)
    {
      fprintf (stderr, "mimp-bench: %s\n", error->message);
      return 1;
    }
  t0 = bench_now_ns ();
  end = t0 + (gint64) (seconds * 1e9);
  do
    {
      if (!mimpd_password_verify (password, hash))
        g_error ("verify failed");
      n++;
    }
  while (bench_now_ns () < end);
  /* The parameters, as the hash string records them: "$argon2id$v=19$m=..,t=..,p=..$" */
  {
    g_auto (GStrv) parts = g_strsplit (hash, "$", -1);

    printf ("{\n\"argon2_params\": \"%s\",\n", g_strv_length (parts) > 3 ? parts[3] : "?");
  }
  printf ("\"argon2_hash_ms\": %.2f,\n", t_hash / 1e6);
  printf ("\"argon2_verify_ms\": %.2f,\n", (bench_now_ns () - t0) / 1e6 / n);
  printf ("\"argon2_verifies\": %u\n}\n", n);
  return 0;
}
