/* mimp-bench-echo.c - buffers, sockets, and a trivial relay server
 *
 * The relay is the physical ceiling of a server on this machine for the
 * benchmark's workload: the same framing and the same bytes as MIMP, no
 * cipher, no JSON parser, no storage. A client announces its index with an
 * AH frame whose body is the index in decimal; for each SM frame it gets an
 * SM reply of the size mimpd's reply has, and the SM body is forwarded as a
 * GU frame to the recipient named by the body's "ut" field.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "mimp-bench"

#include "config.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "mimp-bench.h"
#include "mimp.h"

void
bench_buf_reserve (BenchBuf *buf, gsize more)
{
  if (buf->pos > 0 && buf->len + more > buf->cap)
    {
      memmove (buf->data, buf->data + buf->pos, buf->len - buf->pos);
      buf->len -= buf->pos;
      buf->pos = 0;
    }
  if (buf->len + more > buf->cap)
    {
      gsize cap = MAX (buf->cap, 256);

      while (cap < buf->len + more)
        cap *= 2;
      buf->data = g_realloc (buf->data, cap);
      buf->cap = cap;
    }
}

void
bench_buf_append (BenchBuf *buf, const void *data, gsize len)
{
  bench_buf_reserve (buf, len);
  memcpy (buf->data + buf->len, data, len);
  buf->len += len;
}

void
bench_buf_consume (BenchBuf *buf, gsize len)
{
  buf->pos += len;
  if (buf->pos == buf->len)
    buf->pos = buf->len = 0;
}

void
bench_buf_clear (BenchBuf *buf)
{
  g_free (buf->data);
  memset (buf, 0, sizeof *buf);
}

/* Reads what the socket has; returns bytes read, 0 at EOF, -1 on error,
 * -2 when nothing was there. */
gssize
bench_buf_read_fd (BenchBuf *buf, int fd)
{
  gssize total = 0;

  for (;;)
    {
      gssize n;

      bench_buf_reserve (buf, 16384);
      n = read (fd, buf->data + buf->len, buf->cap - buf->len);
      if (n > 0)
        {
          buf->len += (gsize) n;
          total += n;
          if ((gsize) n < 16384)
            return total;
          continue;
        }
      if (n == 0)
        return total > 0 ? total : 0;
      if (errno == EINTR)
        continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK)
        return total > 0 ? total : -2;
      return -1;
    }
}

gboolean
bench_buf_flush (BenchBuf *buf, int fd, gboolean *would_block)
{
  *would_block = FALSE;
  while (buf->pos < buf->len)
    {
      gssize n = write (fd, buf->data + buf->pos, buf->len - buf->pos);

      if (n > 0)
        {
          bench_buf_consume (buf, (gsize) n);
          continue;
        }
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
        {
          *would_block = TRUE;
          return TRUE;
        }
      return FALSE;
    }
  return TRUE;
}

gint64
bench_now_ns (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (gint64) ts.tv_sec * 1000000000 + ts.tv_nsec;
}

void
bench_raise_nofile (void)
{
  struct rlimit rl;

  if (getrlimit (RLIMIT_NOFILE, &rl) != 0)
    return;
  rl.rlim_cur = rl.rlim_max;
  if (rl.rlim_max < 65536)
    {
      struct rlimit want = { 65536, 65536 };

      /* Root may raise the hard limit too. */
      if (setrlimit (RLIMIT_NOFILE, &want) == 0)
        return;
    }
  setrlimit (RLIMIT_NOFILE, &rl);
}

int
bench_listen (guint16 *port)
{
  struct sockaddr_in addr = { 0 };
  socklen_t len = sizeof addr;
  int one = 1;
  int fd = socket (AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

  if (fd < 0)
    return -1;
  setsockopt (fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
  addr.sin_port = htons (*port);
  if (bind (fd, (struct sockaddr *) &addr, sizeof addr) != 0 || listen (fd, 4096) != 0 ||
      getsockname (fd, (struct sockaddr *) &addr, &len) != 0)
    {
      close (fd);
      return -1;
    }
  *port = ntohs (addr.sin_port);
  return fd;
}

/* --- The relay ------------------------------------------------------------ */

typedef struct
{
  int fd;
  int index; /* -1 until announced */
  BenchBuf in;
  BenchBuf out;
  gboolean dirty;   /* in the flush list */
  gboolean pollout; /* EPOLLOUT registered */
} EchoConn;

typedef struct
{
  int epfd;
  GPtrArray *by_index; /* client index -> EchoConn */
  GPtrArray *dirty;
  guint8 *reply;
  int reply_size;
} Echo;

static void
echo_mark_dirty (Echo *echo, EchoConn *c)
{
  if (!c->dirty)
    {
      c->dirty = TRUE;
      g_ptr_array_add (echo->dirty, c);
    }
}

static void
echo_frame (Echo *echo, BenchBuf *out, guint16 id, const guint8 *body, gsize len)
{
  guint8 header[MIMP_HEADER_SIZE];

  mimp_header_write (header, id, (guint32) len);
  bench_buf_append (out, header, sizeof header);
  bench_buf_append (out, body, len);
}

static void
echo_close (Echo *echo, EchoConn *c)
{
  epoll_ctl (echo->epfd, EPOLL_CTL_DEL, c->fd, NULL);
  close (c->fd);
  c->fd = -1;
  if (c->index >= 0 && (guint) c->index < echo->by_index->len &&
      g_ptr_array_index (echo->by_index, c->index) == c)
    g_ptr_array_index (echo->by_index, c->index) = NULL;
  bench_buf_clear (&c->in);
  bench_buf_clear (&c->out);
  if (!c->dirty)
    g_free (c);
  /* else freed by the flush loop, which sees fd == -1 */
}

static int
parse_recipient (const guint8 *body, gsize len)
{
  static const char field[] = "\"ut\":\"";
  const guint8 *p = memmem (body, len, field, sizeof field - 1);
  const guint8 *end = body + len;
  int n = 0;

  if (p == NULL)
    return -1;
  p += sizeof field - 1;
  while (p < end && !g_ascii_isdigit (*p) && *p != '"')
    p++;
  if (p == end || *p == '"')
    return -1;
  while (p < end && g_ascii_isdigit (*p))
    n = n * 10 + (*p++ - '0');
  return n;
}

static gboolean
echo_input (Echo *echo, EchoConn *c)
{
  BenchBuf *in = &c->in;

  for (;;)
    {
      MimpHeader h;
      const guint8 *body;

      if (in->len - in->pos < MIMP_HEADER_SIZE)
        break;
      mimp_header_read (in->data + in->pos, &h);
      if (h.magic != MIMP_MAGIC || h.length > MIMP_MAX_BODY_SIZE)
        return FALSE;
      if (in->len - in->pos < MIMP_HEADER_SIZE + h.length)
        break;
      body = in->data + in->pos + MIMP_HEADER_SIZE;
      if (h.id == MIMP_PACKET_AH)
        {
          char num[16] = { 0 };

          memcpy (num, body, MIN (h.length, sizeof num - 1));
          c->index = atoi (num);
          if ((guint) c->index >= echo->by_index->len)
            g_ptr_array_set_size (echo->by_index, c->index + 1);
          g_ptr_array_index (echo->by_index, c->index) = c;
          echo_frame (echo, &c->out, MIMP_PACKET_AH, (const guint8 *) "0123456789abcdef", 16);
        }
      else if (h.id == MIMP_PACKET_SM)
        {
          int to = parse_recipient (body, h.length);
          EchoConn *peer = NULL;

          if (to >= 0 && (guint) to < echo->by_index->len)
            peer = g_ptr_array_index (echo->by_index, to);
          if (peer != NULL)
            {
              echo_frame (echo, &peer->out, MIMP_PACKET_GU, body, h.length);
              echo_mark_dirty (echo, peer);
            }
          echo_frame (echo, &c->out, MIMP_PACKET_SM, echo->reply, (gsize) echo->reply_size);
        }
      else
        echo_frame (echo, &c->out, h.id, body, h.length);
      bench_buf_consume (in, MIMP_HEADER_SIZE + h.length);
    }
  echo_mark_dirty (echo, c);
  return TRUE;
}

static void
echo_flush (Echo *echo)
{
  for (guint i = 0; i < echo->dirty->len; i++)
    {
      EchoConn *c = g_ptr_array_index (echo->dirty, i);
      gboolean blocked = FALSE;

      c->dirty = FALSE;
      if (c->fd < 0)
        {
          g_free (c);
          continue;
        }
      if (!bench_buf_flush (&c->out, c->fd, &blocked))
        {
          echo_close (echo, c);
          continue;
        }
      if (blocked != c->pollout)
        {
          struct epoll_event ev = { .events = EPOLLIN | (blocked ? EPOLLOUT : 0), .data.ptr = c };

          epoll_ctl (echo->epfd, EPOLL_CTL_MOD, c->fd, &ev);
          c->pollout = blocked;
        }
    }
  g_ptr_array_set_size (echo->dirty, 0);
}

/**
 * bench_echo_server_run:
 *
 * Serves on a free loopback port until killed; prints
 * "mimp-bench: listening on 127.0.0.1:PORT" once ready.
 */
int
bench_echo_server_run (int reply_size)
{
  Echo echo = { 0 };
  guint16 port = 0;
  int lfd;
  struct epoll_event ev = { .events = EPOLLIN, .data.ptr = NULL };

  bench_raise_nofile ();
  lfd = bench_listen (&port);
  if (lfd < 0)
    {
      perror ("mimp-bench: listen");
      return 1;
    }
  echo.epfd = epoll_create1 (EPOLL_CLOEXEC);
  echo.by_index = g_ptr_array_new ();
  echo.dirty = g_ptr_array_new ();
  echo.reply_size = reply_size;
  echo.reply = g_malloc (reply_size);
  memset (echo.reply, 'r', reply_size);
  epoll_ctl (echo.epfd, EPOLL_CTL_ADD, lfd, &ev);
  printf ("mimp-bench: listening on 127.0.0.1:%u\n", port);
  fflush (stdout);

  for (;;)
    {
      struct epoll_event events[256];
      int n = epoll_wait (echo.epfd, events, G_N_ELEMENTS (events), -1);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        return 1;
      for (int i = 0; i < n; i++)
        {
          EchoConn *c = events[i].data.ptr;

          if (c == NULL)
            {
              int fd;

              while ((fd = accept4 (lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0)
                {
                  int one = 1;
                  EchoConn *nc = g_new0 (EchoConn, 1);
                  struct epoll_event cev = { .events = EPOLLIN, .data.ptr = nc };

                  setsockopt (fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
                  nc->fd = fd;
                  nc->index = -1;
                  epoll_ctl (echo.epfd, EPOLL_CTL_ADD, fd, &cev);
                }
              continue;
            }
          if (c->fd < 0)
            continue;
          if (events[i].events & EPOLLOUT)
            echo_mark_dirty (&echo, c);
          if (events[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR))
            {
              gssize r = bench_buf_read_fd (&c->in, c->fd);

              if (r == 0 || r == -1 || (r > 0 && !echo_input (&echo, c)))
                echo_close (&echo, c);
            }
        }
      echo_flush (&echo);
    }
  return 0;
}
