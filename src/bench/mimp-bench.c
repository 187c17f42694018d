/* mimp-bench.c - a load generator for mimpd, and its baselines
 *
 * One process, one epoll loop, many clients. Each client sends messages to
 * random peers, one at a time (the next when the previous was acknowledged),
 * optionally paced to a total rate, and receives what others send it:
 *
 * - mimp: a client has two connections, one sending SM and one receiving
 *   with GU (long poll with "ack" and "wait", or plain 1.0 polling on a
 *   timer). Both log in with AH after the SCH puzzle.
 * - irc (ngircd): NICK/USER, then PRIVMSG to a random peer followed by a PING
 *   whose PONG acknowledges it; PRIVMSGs from others arrive on the same
 *   connection.
 * - echo: the bench's own relay (mimp-bench-echo.c), same frames as mimp.
 *
 * Each message carries its send time, so the receiver measures end-to-end
 * delivery latency. Only loopback is ever contacted; every run is bounded in
 * time and stops by itself. Figures are printed as one JSON object.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "mimp-bench"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "mimp-bench.h"
#include "mimp.h"

/* --- Options ---------------------------------------------------------------- */

static char *opt_proto = (char *) "mimp";
static int opt_port;
static int opt_clients = 100;
static char *opt_user_prefix = (char *) "bench";
static char *opt_password_file;
static double opt_warmup = 2;
static double opt_duration = 10;
static double opt_rate;
static int opt_text_size = 64;
static char *opt_receive = (char *) "longpoll";
static int opt_poll_interval = 5;
static int opt_idle;
static char *opt_idle_prefix = (char *) "idle";
static int opt_idle_users = 1000;
static int opt_server_pid;
static int opt_login;
static int opt_login_concurrency = 4;
static int opt_max_inflight = 200;
static double opt_setup_timeout = 120;
static gboolean opt_no_client_id;
static gboolean opt_echo_server;
static int opt_echo_reply_size = 45;
static gboolean opt_codec;
static gboolean opt_argon2;
static double opt_codec_seconds = 1.0;
static gboolean opt_store;
static int opt_store_group = 90;
static char *opt_store_sync;

static const GOptionEntry entries[] = {
  { "proto", 0, 0, G_OPTION_ARG_STRING, &opt_proto, "mimp, irc or echo (default mimp)", "P" },
  { "port", 'p', 0, G_OPTION_ARG_INT, &opt_port, "The server's port on 127.0.0.1", "N" },
  { "clients", 'c', 0, G_OPTION_ARG_INT, &opt_clients, "Sending and receiving clients (100)", "N" },
  { "user-prefix", 0, 0, G_OPTION_ARG_STRING, &opt_user_prefix,
    "Client i logs in as PREFIX<i> (bench)", "PREFIX" },
  { "password-file", 0, 0, G_OPTION_ARG_FILENAME, &opt_password_file,
    "mimp: the users' password, first line of FILE", "FILE" },
  { "warmup", 0, 0, G_OPTION_ARG_DOUBLE, &opt_warmup, "Seconds before measuring (2)", "S" },
  { "duration", 'd', 0, G_OPTION_ARG_DOUBLE, &opt_duration, "Seconds measured (10)", "S" },
  { "rate", 'r', 0, G_OPTION_ARG_DOUBLE, &opt_rate,
    "Total messages per second to send; 0: as fast as acknowledged (0)", "R" },
  { "text-size", 0, 0, G_OPTION_ARG_INT, &opt_text_size, "Bytes of message text (64)", "N" },
  { "receive", 0, 0, G_OPTION_ARG_STRING, &opt_receive,
    "mimp: longpoll (GU with ack and wait), push (PUSH on the sending connection, DELIVER "
    "and ACK) or poll (plain 1.0 GU on a timer)",
    "HOW" },
  { "poll-interval", 0, 0, G_OPTION_ARG_INT, &opt_poll_interval,
    "Seconds between plain polls (5, the app's default)", "S" },
  { "idle", 0, 0, G_OPTION_ARG_INT, &opt_idle,
    "Idle authenticated connections to hold open beside the clients (0)", "N" },
  { "idle-prefix", 0, 0, G_OPTION_ARG_STRING, &opt_idle_prefix,
    "Idle connection j logs in as PREFIX<j % idle-users> (idle)", "PREFIX" },
  { "idle-users", 0, 0, G_OPTION_ARG_INT, &opt_idle_users, "Users the idle connections share",
    "N" },
  { "server-pid", 0, 0, G_OPTION_ARG_INT, &opt_server_pid, "Report this process's CPU time and RSS",
    "PID" },
  { "login", 0, 0, G_OPTION_ARG_INT, &opt_login,
    "mimp: measure N logins (connect, SCH, AH, close) instead of messages", "N" },
  { "login-concurrency", 0, 0, G_OPTION_ARG_INT, &opt_login_concurrency,
    "Logins in flight at once (4)", "N" },
  { "max-inflight", 0, 0, G_OPTION_ARG_INT, &opt_max_inflight,
    "Connections logging in at once during setup (200)", "N" },
  { "setup-timeout", 0, 0, G_OPTION_ARG_DOUBLE, &opt_setup_timeout,
    "Give up when setup takes longer (120)", "S" },
  { "no-client-id", 0, 0, G_OPTION_ARG_NONE, &opt_no_client_id,
    "mimp: send SM without the idempotency \"id\" the app sends", NULL },
  { "echo-server", 0, 0, G_OPTION_ARG_NONE, &opt_echo_server,
    "Run the relay baseline server (prints its port)", NULL },
  { "echo-reply-size", 0, 0, G_OPTION_ARG_INT, &opt_echo_reply_size,
    "Body bytes of the relay's SM reply (45, as mimpd's)", "N" },
  { "codec", 0, 0, G_OPTION_ARG_NONE, &opt_codec, "Cipher, framing and JSON micro-benchmarks",
    NULL },
  { "argon2", 0, 0, G_OPTION_ARG_NONE, &opt_argon2,
    "Argon2id hash and verify at the server's real cost, in process", NULL },
  { "store", 0, 0, G_OPTION_ARG_NONE, &opt_store,
    "The server's store alone: messages relayed through SQLite in commit groups", NULL },
  { "store-group", 0, 0, G_OPTION_ARG_INT, &opt_store_group,
    "With --store: sends per commit group (default 90)", "N" },
  { "store-sync", 0, 0, G_OPTION_ARG_STRING, &opt_store_sync,
    "With --store: full (default) or normal", "MODE" },
  { "codec-seconds", 0, 0, G_OPTION_ARG_DOUBLE, &opt_codec_seconds,
    "Seconds per micro-benchmark (1)", "S" },
  { NULL }
};

/* --- Latency histogram: 1 µs buckets below 1024 µs, then 64 per octave ----- */

#define HIST_LINEAR 1024
#define HIST_SIZE (HIST_LINEAR + 64 * 40)

typedef struct
{
  guint64 counts[HIST_SIZE];
  guint64 n;
  gint64 max_ns;
} Hist;

static guint
hist_index (guint64 us)
{
  guint e;

  if (us < HIST_LINEAR)
    return (guint) us;
  e = 63 - (guint) __builtin_clzll (us); /* >= 10 */
  return MIN (HIST_LINEAR + (e - 10) * 64 + (guint) ((us >> (e - 6)) & 63), HIST_SIZE - 1);
}

static double
hist_lower_us (guint i)
{
  guint e, sub;

  if (i < HIST_LINEAR)
    return i;
  e = (i - HIST_LINEAR) / 64 + 10;
  sub = (i - HIST_LINEAR) % 64;
  return (double) (((guint64) 1 << e) + ((guint64) sub << (e - 6)));
}

static void
hist_add (Hist *h, gint64 ns)
{
  if (ns < 0)
    ns = 0;
  h->counts[hist_index ((guint64) ns / 1000)]++;
  h->n++;
  h->max_ns = MAX (h->max_ns, ns);
}

/* The bucket's midpoint (its lower bound in the 1 µs range), in µs, never
 * above the largest value seen (a midpoint can be). */
static double
hist_percentile (const Hist *h, double p)
{
  guint64 want, seen = 0;
  double max_us = h->max_ns / 1000.0;

  if (h->n == 0)
    return 0;
  want = (guint64) ceil (p / 100.0 * (double) h->n);
  want = MAX (want, 1);
  for (guint i = 0; i < HIST_SIZE; i++)
    {
      seen += h->counts[i];
      if (seen >= want)
        {
          if (i < HIST_LINEAR)
            return MIN (i + 0.5, max_us);
          return MIN ((hist_lower_us (i) + hist_lower_us (i + 1)) / 2, max_us);
        }
    }
  return max_us;
}

/* --- Connections ---------------------------------------------------------- */

typedef enum
{
  PROTO_MIMP,
  PROTO_IRC,
  PROTO_ECHO,
} Proto;

typedef enum
{
  ROLE_SEND,  /* mimp: SM; irc/echo: send and receive */
  ROLE_RECV,  /* mimp: GU long poll */
  ROLE_POLL,  /* mimp: plain 1.0 GU on a timer */
  ROLE_IDLE,  /* mimp: a held long poll, renewed; irc: registered */
  ROLE_LOGIN, /* mimp: log in, then close */
} Role;

typedef enum
{
  ST_WAITING, /* not started */
  ST_CONNECTING,
  ST_HANDSHAKE, /* mimp: waiting for the puzzle */
  ST_LOGIN,     /* mimp: AH sent; irc: NICK/USER sent */
  ST_READY,
  ST_DONE,
} State;

typedef struct
{
  int fd;
  int index; /* client or idle index */
  Role role;
  State state;
  char user[48];
  guint8 key[MIMP_KEY_SIZE];
  char token[MIMP_TOKEN_LENGTH + 1];
  BenchBuf in;
  BenchBuf out;
  gboolean pollout;
  gboolean dirty;
  gint64 started_ns;
  guint tries;

  /* sender */
  gboolean outstanding;
  gint64 sent_ns;
  gboolean in_ready_list;

  /* receiver */
  gboolean push;        /* mimp: the sending connection receives by PUSH */
  gboolean ack_pending; /* push: an ACK of c->ack is owed */
  gint64 ack;
  gint64 next_poll_ns;
  gboolean gu_pending;
} Conn;

typedef struct
{
  Proto proto;
  int epfd;
  GPtrArray *conns;   /* every Conn */
  GQueue waiting;     /* Conn not started yet (setup) */
  guint inflight;     /* connecting or logging in */
  guint ready_count;  /* connections that reached ST_READY */
  guint failed;       /* connections that failed */
  guint retries;      /* connections made again during setup */
  GPtrArray *dirty;   /* connections with output to flush */
  GPtrArray *senders; /* ROLE_SEND conns, by client index */
  GQueue ready_senders;
  char *password;
  char *text_pad;
  guint64 rng;

  gboolean measuring;
  gboolean sending;
  gint64 window_start_ns;
  gint64 window_end_ns;
  double tokens;
  gint64 last_tick_ns;

  guint64 sent_total;  /* acknowledged, since sending began */
  guint64 recv_total;  /* delivered, since sending began */
  guint64 sent_window; /* acknowledged inside the window */
  guint64 recv_window; /* delivered inside the window */
  guint64 errors;
  guint64 logins_done;
  Hist sm_lat;
  Hist e2e_lat;
  Hist login_lat;
} Bench;

static Bench bench;
static volatile sig_atomic_t interrupted;

static void
on_signal (int sig)
{
  interrupted = 1;
}

static guint64
rng_next (void)
{
  guint64 x = bench.rng;

  x ^= x << 13;
  x ^= x >> 7;
  x ^= x << 17;
  bench.rng = x;
  return x;
}

static void
mark_dirty (Conn *c)
{
  if (!c->dirty)
    {
      c->dirty = TRUE;
      g_ptr_array_add (bench.dirty, c);
    }
}

static void conn_close (Conn *c, gboolean failed);

static void
flush_all (void)
{
  for (guint i = 0; i < bench.dirty->len; i++)
    {
      Conn *c = g_ptr_array_index (bench.dirty, i);
      gboolean blocked = FALSE;

      c->dirty = FALSE;
      if (c->fd < 0 || c->state == ST_CONNECTING)
        continue;
      if (!bench_buf_flush (&c->out, c->fd, &blocked))
        {
          conn_close (c, TRUE);
          continue;
        }
      if (blocked != c->pollout)
        {
          struct epoll_event ev = { .events = EPOLLIN | (blocked ? EPOLLOUT : 0), .data.ptr = c };

          epoll_ctl (bench.epfd, EPOLL_CTL_MOD, c->fd, &ev);
          c->pollout = blocked;
        }
    }
  g_ptr_array_set_size (bench.dirty, 0);
}

/* Appends a MIMP frame, enciphering the body (not SCH's). */
static void
mimp_send (Conn *c, guint16 id, const char *body, gsize len)
{
  guint8 header[MIMP_HEADER_SIZE];
  gsize at;

  mimp_header_write (header, id, (guint32) len);
  bench_buf_append (&c->out, header, sizeof header);
  at = c->out.len;
  bench_buf_append (&c->out, body, len);
  if (bench.proto == PROTO_MIMP && id != MIMP_PACKET_SCH)
    mimp_xor (c->out.data + at, len, c->key, 0);
  mark_dirty (c);
}

static void
irc_send (Conn *c, const char *line, gsize len)
{
  bench_buf_append (&c->out, line, len);
  mark_dirty (c);
}

static void
conn_close (Conn *c, gboolean failed)
{
  if (c->fd >= 0)
    {
      epoll_ctl (bench.epfd, EPOLL_CTL_DEL, c->fd, NULL);
      close (c->fd);
      c->fd = -1;
    }
  if (c->state != ST_READY && c->state != ST_DONE)
    {
      if (bench.inflight > 0 && c->state != ST_WAITING)
        bench.inflight--;
    }
  /* A connection that failed before it was set up (a full listen backlog
   * resets some) is made again, a few times. */
  if (failed && c->state != ST_READY && c->state != ST_DONE && c->role != ROLE_LOGIN &&
      c->tries < 3)
    {
      c->tries++;
      bench.retries++;
      c->state = ST_WAITING;
      bench_buf_clear (&c->in);
      bench_buf_clear (&c->out);
      memset (c->key, 0, sizeof c->key);
      g_queue_push_tail (&bench.waiting, c);
      return;
    }
  if (failed)
    {
      bench.failed++;
      if (c->state == ST_READY)
        bench.errors++;
    }
  c->state = ST_DONE;
  bench_buf_clear (&c->in);
  bench_buf_clear (&c->out);
}

static void start_next (void);

static void
conn_start (Conn *c)
{
  struct sockaddr_in addr = { 0 };
  struct epoll_event ev = { .events = EPOLLIN | EPOLLOUT, .data.ptr = c };
  int one = 1;

  c->fd = socket (AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (c->fd < 0)
    {
      fprintf (stderr, "mimp-bench: socket: %s\n", g_strerror (errno));
      bench.failed++;
      c->state = ST_DONE;
      return;
    }
  setsockopt (c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
  addr.sin_port = htons ((guint16) opt_port);
  c->state = ST_CONNECTING;
  c->started_ns = bench_now_ns ();
  c->pollout = TRUE;
  bench.inflight++;
  if (connect (c->fd, (struct sockaddr *) &addr, sizeof addr) != 0 && errno != EINPROGRESS)
    {
      fprintf (stderr, "mimp-bench: connect: %s\n", g_strerror (errno));
      conn_close (c, TRUE);
      return;
    }
  epoll_ctl (bench.epfd, EPOLL_CTL_ADD, c->fd, &ev);
}

static void
start_next (void)
{
  Conn *c;

  while (bench.inflight < (guint) opt_max_inflight && (c = g_queue_pop_head (&bench.waiting)))
    conn_start (c);
}

static Conn *
conn_new (Role role, int index, const char *user)
{
  Conn *c = g_new0 (Conn, 1);

  c->fd = -1;
  c->role = role;
  c->index = index;
  c->ack = 0;
  g_strlcpy (c->user, user, sizeof c->user);
  g_ptr_array_add (bench.conns, c);
  g_queue_push_tail (&bench.waiting, c);
  return c;
}

/* --- Sending ---------------------------------------------------------------- */

static void
sender_ready (Conn *c)
{
  if (!c->in_ready_list && c->state == ST_READY)
    {
      c->in_ready_list = TRUE;
      g_queue_push_tail (&bench.ready_senders, c);
    }
}

static void
send_one (Conn *c)
{
  char body[1024 + 256];
  int peer;
  int n;
  gint64 now = bench_now_ns ();

  do
    peer = (int) (rng_next () % (guint64) opt_clients);
  while (peer == c->index && opt_clients > 1);

  c->outstanding = TRUE;
  c->sent_ns = now;
  switch (bench.proto)
    {
    case PROTO_MIMP:
    case PROTO_ECHO:
      if (opt_no_client_id || bench.proto == PROTO_ECHO)
        n = g_snprintf (body, sizeof body,
                        "{\"uf\":\"%s\",\"ut\":\"%s%d\",\"ms\":\"t=%020" G_GINT64_FORMAT
                        " %s\",\"token\":\"%s\"}",
                        c->user, opt_user_prefix, peer, now, bench.text_pad, c->token);
      else
        n = g_snprintf (
            body, sizeof body,
            "{\"uf\":\"%s\",\"ut\":\"%s%d\",\"ms\":\"t=%020" G_GINT64_FORMAT
            " %s\",\"token\":\"%s\",\"id\":\"%08x-%04x-4%03x-8%03x-%012" G_GINT64_MODIFIER "x\"}",
            c->user, opt_user_prefix, peer, now, bench.text_pad, c->token, (guint) rng_next (),
            (guint) rng_next () & 0xffff, (guint) rng_next () & 0xfff, (guint) rng_next () & 0xfff,
            (guint64) rng_next () & G_GUINT64_CONSTANT (0xffffffffffff));
      mimp_send (c, MIMP_PACKET_SM, body, (gsize) n);
      break;
    case PROTO_IRC:
      n = g_snprintf (body, sizeof body, "PRIVMSG b%d :t=%020" G_GINT64_FORMAT " %s\r\nPING :k\r\n",
                      peer, now, bench.text_pad);
      irc_send (c, body, (gsize) n);
      break;
    default:
      g_assert_not_reached ();
    }
}

static void
acknowledged (Conn *c, gint64 now)
{
  if (!c->outstanding)
    return;
  c->outstanding = FALSE;
  bench.sent_total++;
  if (bench.measuring && now >= bench.window_start_ns && now < bench.window_end_ns)
    {
      bench.sent_window++;
      hist_add (&bench.sm_lat, now - c->sent_ns);
    }
  if (!bench.sending)
    return;
  if (opt_rate > 0)
    sender_ready (c);
  else
    send_one (c);
}

/* Paced sending: hand out the tokens accumulated since the last tick. */
static void
pace (gint64 now)
{
  Conn *c;

  if (opt_rate <= 0 || !bench.sending)
    return;
  bench.tokens += (double) (now - bench.last_tick_ns) / 1e9 * opt_rate;
  bench.last_tick_ns = now;
  /* No bursts after a stall beyond what the senders can take. */
  bench.tokens = MIN (bench.tokens, (double) opt_clients);
  while (bench.tokens >= 1 && (c = g_queue_pop_head (&bench.ready_senders)))
    {
      c->in_ready_list = FALSE;
      if (c->state != ST_READY || c->outstanding)
        continue;
      bench.tokens -= 1;
      send_one (c);
    }
}

static void
delivered (const char *t, const char *end, gint64 now)
{
  gint64 sent = 0;

  for (; t < end && g_ascii_isdigit (*t); t++)
    sent = sent * 10 + (*t - '0');
  bench.recv_total++;
  if (bench.measuring && now >= bench.window_start_ns && now < bench.window_end_ns)
    {
      bench.recv_window++;
      hist_add (&bench.e2e_lat, now - sent);
    }
}

/* --- MIMP ------------------------------------------------------------------- */

static void
mimp_get (Conn *c, gboolean ack_mode, int wait)
{
  char body[256];
  int n;

  if (ack_mode)
    n = g_snprintf (body, sizeof body,
                    "{\"uf\":\"%s\",\"token\":\"%s\",\"ack\":%" G_GINT64_FORMAT ",\"wait\":%d}",
                    c->user, c->token, c->ack, wait);
  else
    n = g_snprintf (body, sizeof body, "{\"uf\":\"%s\",\"token\":\"%s\"}", c->user, c->token);
  c->gu_pending = TRUE;
  mimp_send (c, MIMP_PACKET_GU, body, (gsize) n);
}

static void
became_ready (Conn *c, gint64 now)
{
  c->state = ST_READY;
  bench.inflight--;
  bench.ready_count++;
  switch (c->role)
    {
    case ROLE_SEND:
      if (c->push)
        {
          char body[128];
          int n =
              g_snprintf (body, sizeof body, "{\"uf\":\"%s\",\"token\":\"%s\"}", c->user, c->token);

          mimp_send (c, MIMP_PACKET_PUSH, body, (gsize) n);
        }
      if (bench.sending)
        {
          if (opt_rate > 0)
            sender_ready (c);
          else
            send_one (c);
        }
      break;
    case ROLE_RECV:
      mimp_get (c, TRUE, 25);
      break;
    case ROLE_IDLE:
      if (bench.proto == PROTO_MIMP)
        mimp_get (c, TRUE, 60);
      break;
    case ROLE_POLL:
      /* Spread the polls over the interval. */
      c->next_poll_ns = now + (gint64) (rng_next () % ((guint64) opt_poll_interval * 1000000000));
      break;
    case ROLE_LOGIN:
      hist_add (&bench.login_lat, now - c->started_ns);
      bench.logins_done++;
      conn_close (c, FALSE);
      break;
    default:
      break;
    }
}

/* Scans deciphered messages (a GU reply or a DELIVER) for each message's
 * seq and send time. */
static void
mimp_scan_messages (Conn *c, const char *body, gsize len, gint64 now)
{
  const char *p = body;
  const char *end = body + len;

  while ((p = memmem (p, (gsize) (end - p), "\"seq\":", 6)) != NULL)
    {
      gint64 seq = 0;
      const char *t;

      p += 6;
      for (; p < end && g_ascii_isdigit (*p); p++)
        seq = seq * 10 + (*p - '0');
      c->ack = MAX (c->ack, seq);
      t = memmem (p, (gsize) (end - p), "\"ms\":\"t=", 8);
      if (t != NULL)
        delivered (t + 8, end, now);
    }
}

static void
mimp_gu_reply (Conn *c, const char *body, gsize len, gint64 now)
{
  mimp_scan_messages (c, body, len, now);
  c->gu_pending = FALSE;
  if (c->role == ROLE_RECV)
    mimp_get (c, TRUE, 25);
  else if (c->role == ROLE_IDLE)
    mimp_get (c, TRUE, 60);
}

/* Push: one ACK for everything delivered in what was read at once, as a
 * client acknowledges what it stored. It gets no reply. */
static void
mimp_ack_pending (Conn *c)
{
  char body[256];
  int n;

  if (!c->ack_pending || c->state != ST_READY)
    return;
  c->ack_pending = FALSE;
  n = g_snprintf (body, sizeof body,
                  "{\"uf\":\"%s\",\"token\":\"%s\",\"ack\":%" G_GINT64_FORMAT "}", c->user,
                  c->token, c->ack);
  mimp_send (c, MIMP_PACKET_ACK, body, (gsize) n);
}

static void
mimp_poll_reply (Conn *c, const char *body, gsize len, gint64 now)
{
  const char *p = body;
  const char *end = body + len;

  while ((p = memmem (p, (gsize) (end - p), "\"ms\":\"t=", 8)) != NULL)
    {
      p += 8;
      delivered (p, end, now);
    }
  c->gu_pending = FALSE;
  /* "more": poll again at once, as a client does. */
  if (memmem (body, len, "\"more\":true", 11) != NULL)
    mimp_get (c, FALSE, 0);
}

static gboolean
mimp_input_packets (Conn *c, gint64 now)
{
  BenchBuf *in = &c->in;

  for (;;)
    {
      MimpHeader h;
      guint8 *body;

      if (in->len - in->pos < MIMP_HEADER_SIZE)
        return TRUE;
      mimp_header_read (in->data + in->pos, &h);
      if (h.magic != MIMP_MAGIC || h.length > MIMP_MAX_BODY_SIZE)
        return FALSE;
      if (in->len - in->pos < MIMP_HEADER_SIZE + h.length)
        return TRUE;
      body = in->data + in->pos + MIMP_HEADER_SIZE;
      if (bench.proto == PROTO_MIMP && h.id != MIMP_PACKET_SCH && c->state != ST_HANDSHAKE)
        mimp_xor (body, h.length, c->key, 0);

      if (c->state == ST_HANDSHAKE)
        {
          char req[256 + 1100];
          int n;

          if (h.id != MIMP_PACKET_SCH || !mimp_puzzle_solve (body, h.length, c->key, NULL))
            return FALSE;
          n = g_snprintf (req, sizeof req, "{\"uf\":\"%s\",\"up\":\"%s\"}", c->user,
                          bench.password);
          c->state = ST_LOGIN;
          mimp_send (c, MIMP_PACKET_AH, req, (gsize) n);
          mimp_secure_wipe (req, sizeof req);
        }
      else if (c->state == ST_LOGIN)
        {
          if (h.id != MIMP_PACKET_AH || h.length != MIMP_TOKEN_LENGTH)
            {
              if (h.id == MIMP_PACKET_ERROR)
                fprintf (stderr, "mimp-bench: login of %s failed: %.*s\n", c->user, (int) h.length,
                         body);
              return FALSE;
            }
          memcpy (c->token, body, MIMP_TOKEN_LENGTH);
          c->token[MIMP_TOKEN_LENGTH] = '\0';
          became_ready (c, now);
          if (c->state == ST_DONE)
            return TRUE;
        }
      else if (h.id == MIMP_PACKET_ERROR)
        {
          bench.errors++;
          if (bench.errors <= 5)
            fprintf (stderr, "mimp-bench: error from the server: %.*s\n", (int) h.length, body);
          if (c->role == ROLE_SEND)
            acknowledged (c, now);
          else
            c->gu_pending = FALSE;
        }
      else if (h.id == MIMP_PACKET_SM && c->role == ROLE_SEND)
        acknowledged (c, now);
      else if (h.id == MIMP_PACKET_DELIVER && c->push)
        {
          mimp_scan_messages (c, (const char *) body, h.length, now);
          c->ack_pending = TRUE;
        }
      else if (h.id == MIMP_PACKET_GU && c->role == ROLE_POLL)
        mimp_poll_reply (c, (const char *) body, h.length, now);
      else if (h.id == MIMP_PACKET_GU)
        {
          if (bench.proto == PROTO_ECHO)
            {
              const char *t = memmem (body, h.length, "\"ms\":\"t=", 8);

              if (t != NULL)
                delivered (t + 8, (const char *) body + h.length, now);
            }
          else
            mimp_gu_reply (c, (const char *) body, h.length, now);
        }
      bench_buf_consume (in, MIMP_HEADER_SIZE + h.length);
    }
}

static gboolean
mimp_input (Conn *c, gint64 now)
{
  if (!mimp_input_packets (c, now))
    return FALSE;
  mimp_ack_pending (c);
  return TRUE;
}

/* --- IRC ---------------------------------------------------------------------- */

static gboolean
irc_input (Conn *c, gint64 now)
{
  BenchBuf *in = &c->in;

  for (;;)
    {
      char *line = (char *) in->data + in->pos;
      gsize avail = in->len - in->pos;
      char *nl = memchr (line, '\n', avail);
      gsize len;

      if (nl == NULL)
        return TRUE;
      len = (gsize) (nl - line) + 1;
      if (c->state == ST_LOGIN && memmem (line, len, " 001 ", 5) != NULL)
        became_ready (c, now);
      else if (len > 5 && memcmp (line, "PING ", 5) == 0)
        {
          line[1] = 'O';
          irc_send (c, line, len);
        }
      else if (c->state == ST_READY)
        {
          char *cmd = memchr (line, ' ', len);

          if (cmd != NULL && (gsize) (cmd - line) + 9 < len && memcmp (cmd, " PRIVMSG ", 9) == 0)
            {
              char *t = memmem (cmd, len - (gsize) (cmd - line), " :t=", 4);

              if (t != NULL)
                delivered (t + 4, line + len, now);
            }
          else if (cmd != NULL && (gsize) (cmd - line) + 6 < len && memcmp (cmd, " PONG ", 6) == 0)
            acknowledged (c, now);
          else if (cmd != NULL && (gsize) (cmd - line) + 5 < len && cmd[1] == '4' &&
                   g_ascii_isdigit (cmd[2]) && g_ascii_isdigit (cmd[3]) && cmd[4] == ' ')
            {
              bench.errors++;
              if (bench.errors <= 5)
                fprintf (stderr, "mimp-bench: error from the server: %.*s", (int) len, line);
            }
        }
      else if (memmem (line, len, "ERROR", 5) != NULL)
        {
          fprintf (stderr, "mimp-bench: %.*s", (int) len, line);
          return FALSE;
        }
      bench_buf_consume (in, len);
    }
}

/* --- The loop ----------------------------------------------------------------- */

static void
connected (Conn *c)
{
  int err = 0;
  socklen_t len = sizeof err;
  char line[128];
  int n;

  getsockopt (c->fd, SOL_SOCKET, SO_ERROR, &err, &len);
  if (err != 0)
    {
      fprintf (stderr, "mimp-bench: connect: %s\n", g_strerror (err));
      conn_close (c, TRUE);
      return;
    }
  c->pollout = TRUE; /* registered with EPOLLOUT; flush_all adjusts it */
  switch (bench.proto)
    {
    case PROTO_MIMP:
      c->state = ST_HANDSHAKE;
      break;
    case PROTO_IRC:
      c->state = ST_LOGIN;
      n = g_snprintf (line, sizeof line, "NICK %s\r\nUSER %s 0 * :b\r\n", c->user, c->user);
      irc_send (c, line, (gsize) n);
      break;
    case PROTO_ECHO:
      c->state = ST_LOGIN;
      n = g_snprintf (line, sizeof line, "%d",
                      c->role == ROLE_SEND ? c->index : 1000000 + c->index);
      mimp_send (c, MIMP_PACKET_AH, line, (gsize) n);
      break;
    default:
      g_assert_not_reached ();
    }
  mark_dirty (c);
}

static void
handle_event (Conn *c, guint32 events, gint64 now)
{
  gssize r;
  gboolean ok;

  if (c->fd < 0)
    return;
  if (c->state == ST_CONNECTING)
    {
      if (!(events & (EPOLLOUT | EPOLLERR | EPOLLHUP)))
        return;
      connected (c);
      if (c->fd < 0)
        return;
    }
  if (events & EPOLLOUT)
    mark_dirty (c);
  if (!(events & (EPOLLIN | EPOLLHUP | EPOLLERR)))
    return;
  r = bench_buf_read_fd (&c->in, c->fd);
  if (r == -2)
    return;
  if (r <= 0)
    {
      if ((c->state == ST_READY && bench.sending) || c->tries >= 3)
        fprintf (stderr, "mimp-bench: %s: connection closed by the server\n", c->user);
      conn_close (c, TRUE);
      return;
    }
  if (bench.proto == PROTO_IRC)
    ok = irc_input (c, now);
  else if (bench.proto == PROTO_ECHO && c->state == ST_LOGIN)
    {
      /* The relay's AH reply. */
      ok = c->in.len - c->in.pos >= MIMP_HEADER_SIZE + 16;
      if (ok)
        {
          bench_buf_consume (&c->in, MIMP_HEADER_SIZE + 16);
          became_ready (c, now);
          ok = mimp_input (c, now);
        }
      else
        ok = TRUE;
    }
  else
    ok = mimp_input (c, now);
  if (!ok)
    conn_close (c, TRUE);
}

static void
poll_timers (gint64 now)
{
  if (bench.proto != PROTO_MIMP || g_strcmp0 (opt_receive, "poll") != 0)
    return;
  for (guint i = 0; i < bench.conns->len; i++)
    {
      Conn *c = g_ptr_array_index (bench.conns, i);

      if (c->role == ROLE_POLL && c->state == ST_READY && !c->gu_pending && now >= c->next_poll_ns)
        {
          c->next_poll_ns += (gint64) opt_poll_interval * 1000000000;
          mimp_get (c, FALSE, 0);
        }
    }
}

/* Runs the loop until @done says so or @deadline passes; FALSE on timeout. */
static gboolean
run_until (gboolean (*done) (void), gint64 deadline)
{
  while (!interrupted)
    {
      struct epoll_event events[512];
      gint64 now = bench_now_ns ();
      int timeout_ms = opt_rate > 0 || g_strcmp0 (opt_receive, "poll") == 0 ? 1 : 50;
      int n;

      if (done ())
        return TRUE;
      if (now >= deadline)
        return FALSE;
      start_next ();
      flush_all ();
      n = epoll_wait (bench.epfd, events, G_N_ELEMENTS (events), timeout_ms);
      if (n < 0 && errno != EINTR)
        {
          perror ("mimp-bench: epoll_wait");
          return FALSE;
        }
      now = bench_now_ns ();
      for (int i = 0; i < n; i++)
        handle_event (events[i].data.ptr, events[i].events, now);
      if (bench.measuring && !bench.sending)
        ;
      else
        pace (now);
      poll_timers (now);
      flush_all ();
    }
  return FALSE;
}

static guint setup_target;

static gboolean
setup_done (void)
{
  return bench.ready_count + bench.failed >= setup_target || bench.failed > 0;
}

static gboolean
never_done (void)
{
  return FALSE;
}

static gboolean
drained (void)
{
  for (guint i = 0; i < bench.senders->len; i++)
    {
      Conn *c = g_ptr_array_index (bench.senders, i);

      if (c->state == ST_READY && c->outstanding)
        return FALSE;
    }
  return bench.recv_total >= bench.sent_total;
}

static gboolean
logins_done (void)
{
  return bench.logins_done + bench.failed >= (guint64) opt_login;
}

/* --- /proc -------------------------------------------------------------------- */

static gboolean
proc_cpu_s (int pid, double *cpu)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/stat", pid);
  g_autofree char *text = NULL;
  g_auto (GStrv) fields = NULL;
  const char *p;

  if (pid <= 0 || !g_file_get_contents (path, &text, NULL, NULL))
    return FALSE;
  /* The command name may hold spaces: split after its closing parenthesis. */
  p = strrchr (text, ')');
  if (p == NULL)
    return FALSE;
  fields = g_strsplit (p + 2, " ", -1);
  if (g_strv_length (fields) < 13)
    return FALSE;
  /* Fields 14 and 15 of stat (utime, stime) are 11 and 12 after the name. */
  *cpu = (g_ascii_strtod (fields[11], NULL) + g_ascii_strtod (fields[12], NULL)) /
         (double) sysconf (_SC_CLK_TCK);
  return TRUE;
}

/* A field of /proc/PID/status in KiB ("VmRSS:", "VmHWM:" the peak). */
static long
proc_status_kib (int pid, const char *field)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/status", pid);
  g_autofree char *text = NULL;
  const char *p;

  if (pid <= 0 || !g_file_get_contents (path, &text, NULL, NULL))
    return -1;
  p = strstr (text, field);
  return p ? strtol (p + strlen (field), NULL, 10) : -1;
}

static long
proc_rss_kib (int pid)
{
  return proc_status_kib (pid, "VmRSS:");
}

static double
self_cpu_s (void)
{
  struct rusage ru;

  getrusage (RUSAGE_SELF, &ru);
  return ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + ru.ru_stime.tv_sec +
         ru.ru_stime.tv_usec / 1e6;
}

static void
print_hist (const char *name, const Hist *h)
{
  printf ("\"%s_p50_us\": %.1f,\n", name, hist_percentile (h, 50));
  printf ("\"%s_p99_us\": %.1f,\n", name, hist_percentile (h, 99));
  printf ("\"%s_max_us\": %.1f,\n", name, h->max_ns / 1000.0);
}

/* --- main ------------------------------------------------------------------- */

static char *
read_password (void)
{
  g_autofree char *text = NULL;
  g_autoptr (GError) error = NULL;
  char *nl;

  if (opt_password_file == NULL)
    return NULL;
  if (!g_file_get_contents (opt_password_file, &text, NULL, &error))
    {
      fprintf (stderr, "mimp-bench: %s\n", error->message);
      exit (2);
    }
  nl = strchr (text, '\n');
  if (nl != NULL)
    *nl = '\0';
  return g_steal_pointer (&text);
}

static int
run_load (void)
{
  gint64 t0, deadline;
  double cpu0 = 0, cpu1 = 0, self0, self1;
  long rss_start, rss_idle = -1, rss_end;
  double idle_setup_s = 0;
  gboolean poll_mode = g_strcmp0 (opt_receive, "poll") == 0;
  gboolean push_mode = g_strcmp0 (opt_receive, "push") == 0;
  guint clients_ready;

  rss_start = proc_rss_kib (opt_server_pid);

  /* Idle connections first, so the clients run beside them. */
  if (opt_idle > 0)
    {
      t0 = bench_now_ns ();
      for (int j = 0; j < opt_idle; j++)
        {
          char user[48];

          if (bench.proto == PROTO_IRC)
            g_snprintf (user, sizeof user, "i%d", j);
          else
            g_snprintf (user, sizeof user, "%s%d", opt_idle_prefix, j % MAX (opt_idle_users, 1));
          conn_new (ROLE_IDLE, j, user);
        }
      setup_target = (guint) opt_idle;
      if (!run_until (setup_done, t0 + (gint64) (opt_setup_timeout * 1e9)) || bench.failed > 0)
        {
          fprintf (stderr, "mimp-bench: %u of %d idle connections ready, %u failed\n",
                   bench.ready_count, opt_idle, bench.failed);
          return 1;
        }
      idle_setup_s = (bench_now_ns () - t0) / 1e9;
      /* Let the server settle (freed login buffers, etc.) before measuring. */
      run_until (never_done, bench_now_ns () + 1000000000);
      rss_idle = proc_rss_kib (opt_server_pid);
    }

  t0 = bench_now_ns ();
  for (int i = 0; i < opt_clients; i++)
    {
      char user[48];
      Conn *c;

      if (bench.proto == PROTO_IRC)
        g_snprintf (user, sizeof user, "b%d", i);
      else
        g_snprintf (user, sizeof user, "%s%d", opt_user_prefix, i);
      c = conn_new (ROLE_SEND, i, user);
      g_ptr_array_add (bench.senders, c);
      c->push = push_mode;
      if (bench.proto == PROTO_MIMP && !push_mode)
        conn_new (poll_mode ? ROLE_POLL : ROLE_RECV, i, user);
    }
  setup_target = bench.conns->len;
  if (!run_until (setup_done, t0 + (gint64) (opt_setup_timeout * 1e9)) || bench.failed > 0)
    {
      fprintf (stderr, "mimp-bench: %u of %u connections ready, %u failed\n", bench.ready_count,
               setup_target, bench.failed);
      return 1;
    }
  clients_ready = bench.ready_count - (guint) opt_idle;

  /* Send: warm up, then measure a window. */
  bench.sending = TRUE;
  bench.last_tick_ns = bench_now_ns ();
  for (guint i = 0; i < bench.senders->len; i++)
    {
      Conn *c = g_ptr_array_index (bench.senders, i);

      if (opt_rate > 0)
        sender_ready (c);
      else
        send_one (c);
    }
  bench.measuring = TRUE;
  bench.window_start_ns = bench_now_ns () + (gint64) (opt_warmup * 1e9);
  bench.window_end_ns = bench.window_start_ns + (gint64) (opt_duration * 1e9);
  run_until (never_done, bench.window_start_ns);
  proc_cpu_s (opt_server_pid, &cpu0);
  self0 = self_cpu_s ();
  run_until (never_done, bench.window_end_ns);
  proc_cpu_s (opt_server_pid, &cpu1);
  self1 = self_cpu_s ();
  rss_end = proc_rss_kib (opt_server_pid);

  /* Stop sending; let what was acknowledged arrive (a poller needs a full
   * interval). */
  bench.sending = FALSE;
  deadline = bench_now_ns () + (gint64) ((poll_mode ? opt_poll_interval + 2 : 5) * 1e9);
  run_until (drained, deadline);

  printf ("{\n");
  printf ("\"proto\": \"%s\",\n", opt_proto);
  printf ("\"clients\": %d,\n", opt_clients);
  printf ("\"connections\": %u,\n", clients_ready);
  printf ("\"receive\": \"%s\",\n", bench.proto == PROTO_MIMP ? opt_receive : "push");
  printf ("\"rate_target\": %.0f,\n", opt_rate);
  printf ("\"text_size\": %d,\n", opt_text_size);
  printf ("\"duration_s\": %.3f,\n", opt_duration);
  printf ("\"sent\": %" G_GUINT64_FORMAT ",\n", bench.sent_window);
  printf ("\"delivered\": %" G_GUINT64_FORMAT ",\n", bench.recv_window);
  printf ("\"sent_per_s\": %.0f,\n", bench.sent_window / opt_duration);
  printf ("\"delivered_per_s\": %.0f,\n", bench.recv_window / opt_duration);
  printf ("\"sent_total\": %" G_GUINT64_FORMAT ",\n", bench.sent_total);
  printf ("\"delivered_total\": %" G_GUINT64_FORMAT ",\n", bench.recv_total);
  printf ("\"undelivered\": %" G_GINT64_FORMAT ",\n",
          (gint64) bench.sent_total - (gint64) bench.recv_total);
  printf ("\"errors\": %" G_GUINT64_FORMAT ",\n", bench.errors);
  printf ("\"setup_retries\": %u,\n", bench.retries);
  print_hist ("sm", &bench.sm_lat);
  print_hist ("e2e", &bench.e2e_lat);
  printf ("\"bench_cpu_s\": %.3f,\n", self1 - self0);
  if (opt_idle > 0)
    {
      printf ("\"idle\": %d,\n", opt_idle);
      printf ("\"idle_setup_s\": %.2f,\n", idle_setup_s);
      printf ("\"server_rss_idle_kib\": %ld,\n", rss_idle);
      printf ("\"server_bytes_per_idle_conn\": %.0f,\n",
              (rss_idle - rss_start) * 1024.0 / opt_idle);
    }
  printf ("\"server_rss_start_kib\": %ld,\n", rss_start);
  printf ("\"server_rss_end_kib\": %ld,\n", rss_end);
  /* The server's peak over its whole life: over this run for a server
   * started for it. */
  printf ("\"server_rss_peak_kib\": %ld,\n", proc_status_kib (opt_server_pid, "VmHWM:"));
  printf ("\"server_cpu_s\": %.3f,\n", cpu1 - cpu0);
  printf ("\"server_cpu_util\": %.3f,\n", (cpu1 - cpu0) / opt_duration);
  printf ("\"server_cpu_us_per_msg\": %.2f\n",
          bench.sent_window ? (cpu1 - cpu0) * 1e6 / bench.sent_window : 0.0);
  printf ("}\n");
  return 0;
}

static int
run_logins (void)
{
  gint64 t0;
  double cpu0 = 0, cpu1 = 0;
  double elapsed;
  int started = 0;
  long rss_start = proc_rss_kib (opt_server_pid);

  /* Connections are made in waves of the concurrency: max-inflight bounds it. */
  opt_max_inflight = opt_login_concurrency;
  for (started = 0; started < opt_login; started++)
    {
      char user[48];

      g_snprintf (user, sizeof user, "%s%d", opt_user_prefix, started % MAX (opt_clients, 1));
      conn_new (ROLE_LOGIN, started, user);
    }
  proc_cpu_s (opt_server_pid, &cpu0);
  t0 = bench_now_ns ();
  run_until (logins_done, t0 + (gint64) (opt_setup_timeout * 1e9));
  elapsed = (bench_now_ns () - t0) / 1e9;
  proc_cpu_s (opt_server_pid, &cpu1);

  printf ("{\n");
  printf ("\"logins\": %" G_GUINT64_FORMAT ",\n", bench.logins_done);
  printf ("\"login_failed\": %u,\n", bench.failed);
  printf ("\"login_concurrency\": %d,\n", opt_login_concurrency);
  printf ("\"logins_per_s\": %.1f,\n", bench.logins_done / elapsed);
  print_hist ("login", &bench.login_lat);
  /* What the verifications (19 MiB each at the real cost) left behind,
   * and the most they took at once. */
  printf ("\"server_rss_start_kib\": %ld,\n", rss_start);
  printf ("\"server_rss_end_kib\": %ld,\n", proc_rss_kib (opt_server_pid));
  printf ("\"server_rss_peak_kib\": %ld,\n", proc_status_kib (opt_server_pid, "VmHWM:"));
  printf ("\"server_cpu_ms_per_login\": %.2f\n",
          bench.logins_done ? (cpu1 - cpu0) * 1e3 / bench.logins_done : 0.0);
  printf ("}\n");
  return bench.failed > 0 || bench.logins_done == 0 ? 1 : 0;
}

int
main (int argc, char **argv)
{
  g_autoptr (GOptionContext) context = NULL;
  g_autoptr (GError) error = NULL;
  int ret;

  context = g_option_context_new ("- load generator and baselines for mimpd");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      fprintf (stderr, "mimp-bench: %s\n", error->message);
      return 2;
    }
  signal (SIGPIPE, SIG_IGN);
  setvbuf (stdout, NULL, _IOLBF, 0);

  if (opt_echo_server)
    return bench_echo_server_run (opt_echo_reply_size);
  if (opt_codec)
    return bench_codec_run (opt_codec_seconds);
  if (opt_argon2)
    return bench_argon2_run (opt_codec_seconds);
  if (opt_store)
    {
      if (opt_store_group < 1 || opt_store_group > 100000 || opt_text_size < 1 ||
          opt_text_size > 65536 ||
          (opt_store_sync != NULL && strcmp (opt_store_sync, "full") != 0 &&
           strcmp (opt_store_sync, "normal") != 0))
        {
          g_printerr ("mimp-bench: --store needs --store-group 1-100000, --text-size 1-65536, "
                      "--store-sync full or normal\n");
          return 2;
        }
      return bench_store_run (opt_codec_seconds, (guint) opt_store_group, (guint) opt_text_size,
                              g_strcmp0 (opt_store_sync, "normal") != 0);
    }

  /* A load run stops early, cleanly, on SIGINT or SIGTERM. */
  signal (SIGINT, on_signal);
  signal (SIGTERM, on_signal);

  if (g_strcmp0 (opt_proto, "mimp") == 0)
    bench.proto = PROTO_MIMP;
  else if (g_strcmp0 (opt_proto, "irc") == 0)
    bench.proto = PROTO_IRC;
  else if (g_strcmp0 (opt_proto, "echo") == 0)
    bench.proto = PROTO_ECHO;
  else
    {
      fprintf (stderr, "mimp-bench: unknown --proto %s\n", opt_proto);
      return 2;
    }
  if (opt_port <= 0 || opt_port > 65535 || opt_clients < 1 || opt_text_size < 24 ||
      opt_text_size > 1024 || opt_duration <= 0 || opt_poll_interval < 1)
    {
      fprintf (stderr, "mimp-bench: needs --port, and sane --clients, --text-size (24..1024), "
                       "--duration, --poll-interval\n");
      return 2;
    }
  bench.password = read_password ();
  if (bench.proto == PROTO_MIMP && bench.password == NULL)
    {
      fprintf (stderr, "mimp-bench: mimp needs --password-file\n");
      return 2;
    }

  bench_raise_nofile ();
  bench.epfd = epoll_create1 (EPOLL_CLOEXEC);
  bench.conns = g_ptr_array_new ();
  bench.dirty = g_ptr_array_new ();
  bench.senders = g_ptr_array_new ();
  g_queue_init (&bench.waiting);
  g_queue_init (&bench.ready_senders);
  bench.rng = 0x9E3779B97F4A7C15ull ^ (guint64) bench_now_ns ();
  /* "t=" + 20 digits + " " + padding = the text size. */
  bench.text_pad = g_strnfill ((gsize) opt_text_size - 23, 'x');

  if (opt_login > 0)
    ret = run_logins ();
  else
    ret = run_load ();

  for (guint i = 0; i < bench.conns->len; i++)
    {
      Conn *c = g_ptr_array_index (bench.conns, i);

      if (c->fd >= 0)
        close (c->fd);
      bench_buf_clear (&c->in);
      bench_buf_clear (&c->out);
      g_free (c);
    }
  if (bench.password != NULL)
    mimp_secure_free_string (bench.password);
  return interrupted ? 130 : ret;
}
