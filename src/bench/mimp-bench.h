/* mimp-bench.h - shared pieces of the benchmark tool
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* A growable byte buffer with a read position. */
typedef struct
{
  guint8 *data;
  gsize len; /* bytes in data */
  gsize pos; /* first unconsumed byte */
  gsize cap;
} BenchBuf;

void bench_buf_reserve (BenchBuf *buf, gsize more);
void bench_buf_append (BenchBuf *buf, const void *data, gsize len);
void bench_buf_consume (BenchBuf *buf, gsize len);
void bench_buf_clear (BenchBuf *buf);
gssize bench_buf_read_fd (BenchBuf *buf, int fd);
gboolean bench_buf_flush (BenchBuf *buf, int fd, gboolean *would_block);

gint64 bench_now_ns (void);
void bench_raise_nofile (void);
int bench_listen (guint16 *port);

/* Echo/relay server, the physical ceiling of this machine (mimp-bench-echo.c). */
int bench_echo_server_run (int reply_size);

/* Codec micro-benchmarks (mimp-bench-codec.c). */
int bench_codec_run (double seconds);

/* Argon2id cost per login, in process (mimp-bench-codec.c). */
int bench_argon2_run (double seconds);

/* mimp-bench-store.c: the server's store alone. */
int bench_store_run (double seconds, guint group, guint text_size, gboolean sync_full);

G_END_DECLS
