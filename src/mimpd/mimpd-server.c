/* mimpd-server.c
 *
 * Limits, all bounded so a flood cannot take the server down:
 * - at most max_connections connections (further ones are closed on accept);
 * - at most accept_rate new connections a second from one source (an IPv4
 *   address, an IPv6 /64), after a burst of accept_burst: the others are
 *   accepted and reset at once, so a flood neither fills the listen queue
 *   nor costs a session or a TLS handshake;
 * - at most max_unauthenticated_per_address connections from one address
 *   that have not logged in: a new one evicts the oldest of them;
 * - a connection that has not logged in after login_timeout_s, or that sent
 *   nothing for idle_timeout_s, is closed;
 * - a client that does not read its replies stops being read (its session's
 *   backpressure), so its buffers stay bounded.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "mimpd"

#include "config.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "mimpd-server.h"
#include "mimpd-session.h"
#include "mimpd-throttle.h"

#define LISTEN_BACKLOG 1024
#define READ_SMALL 2048
#define READ_LARGE 16384
#define READS_PER_WAKE 16
#define EPOLL_BATCH 256

typedef struct _Client Client;

struct _MimpdServer
{
  MimpdHub *hub;
  MimpdServerOptions options;
  char *listen_address;
  GTlsCertificate *certificate;

  GSocketService *service;
  GSocketService *tls_service;
  guint16 port;
  guint16 tls_port;

  /* Plain connections are watched with one epoll set, a single GSource: a
   * GSource per connection makes every main loop iteration cost O(number
   * of connections) (prepare, check and poll() over all of them), which
   * stalls the server with thousands of idle clients. TLS connections keep
   * their pollable-stream sources (TLS may buffer data the socket does not
   * show). */
  int epfd;
  GSource *epoll_source;

  /* Output coalescing: a connection whose session produced output during a
   * main loop pass is marked dirty and written once, at the end of the
   * pass (after the group commit of the epoll pass), so all its replies and
   * pushed messages of that pass share one write. */
  GPtrArray *dirty; /* of Client, referenced */
  GSource *flush_source;

  GQueue clients;     /* of Client, through Client.link */
  GHashTable *unauth; /* address -> GQueue of Client, through Client.unauth_link */
  guint sweep_source;
  gboolean stopping;

  /* New connections per source, %NULL for no limit. */
  MimpdAcceptLimit *accept_limit;
};

struct _Client
{
  gatomicrefcount ref_count;
  MimpdServer *server;
  GList link;
  GList unauth_link;
  gboolean in_unauth;

  GSocketConnection *connection;
  GIOStream *stream; /* the connection itself, or its TLS wrapper */
  GPollableInputStream *in;
  GPollableOutputStream *out;
  GSource *in_source;
  GSource *out_source;
  GCancellable *cancellable;

  /* Plain connections: watched through the server's epoll set. */
  gboolean use_epoll;
  int fd;
  guint32 watching; /* events registered with epoll, 0 for none */
  gboolean want_in;
  gboolean want_out;

  MimpdSession *session;
  char *address;
  gint64 accepted;
  gint64 last_input;
  gboolean closed;
  gboolean dirty; /* in server->dirty */
};

static void client_flush (Client *client);

/* Registers what the client waits for with the epoll set. */
static void
client_watch_update (Client *client)
{
  struct epoll_event ev = { 0 };
  guint32 want = 0;
  int op;

  if (!client->use_epoll)
    return;
  if (!client->closed)
    want = (client->want_in ? EPOLLIN : 0) | (client->want_out ? EPOLLOUT : 0);
  if (want == client->watching)
    return;
  ev.events = want;
  ev.data.ptr = client;
  if (want == 0)
    op = EPOLL_CTL_DEL;
  else if (client->watching == 0)
    op = EPOLL_CTL_ADD;
  else
    op = EPOLL_CTL_MOD;
  if (epoll_ctl (client->server->epfd, op, client->fd, &ev) != 0)
    g_warning ("epoll_ctl failed for %s: %s", client->address, g_strerror (errno));
  client->watching = want;
}

static Client *
client_ref (Client *client)
{
  g_atomic_ref_count_inc (&client->ref_count);
  return client;
}

static void
client_unref (Client *client)
{
  if (!g_atomic_ref_count_dec (&client->ref_count))
    return;
  g_clear_object (&client->cancellable);
  g_clear_object (&client->stream);
  g_clear_object (&client->connection);
  g_free (client->address);
  g_free (client);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Client, client_unref)

/* Writes @client's output at the end of this main loop pass. */
static void
client_mark_dirty (Client *client)
{
  if (client->dirty || client->closed)
    return;
  client->dirty = TRUE;
  g_ptr_array_add (client->server->dirty, client_ref (client));
}

/* Writes the output of every dirty connection. Writing one may let its
 * session take requests held back by backpressure, which may mark others:
 * a few rounds, the rest in the next pass. */
static void
server_flush_dirty (MimpdServer *server)
{
  for (guint round = 0; round < 4 && server->dirty->len > 0; round++)
    {
      g_autoptr (GPtrArray) dirty = g_steal_pointer (&server->dirty);

      server->dirty = g_ptr_array_new_with_free_func ((GDestroyNotify) client_unref);
      for (guint i = 0; i < dirty->len; i++)
        {
          Client *client = dirty->pdata[i];

          client->dirty = FALSE;
          if (!client->closed)
            client_flush (client);
        }
    }
}

static void
clear_source (GSource **source)
{
  if (*source != NULL)
    {
      g_source_destroy (*source);
      g_clear_pointer (source, g_source_unref);
    }
}

static void
unauth_remove (Client *client)
{
  GQueue *queue;

  if (!client->in_unauth)
    return;
  client->in_unauth = FALSE;
  queue = g_hash_table_lookup (client->server->unauth, client->address);
  g_queue_unlink (queue, &client->unauth_link);
  if (g_queue_is_empty (queue))
    g_hash_table_remove (client->server->unauth, client->address);
}

static void
close_done_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_io_stream_close_finish (G_IO_STREAM (source), result, NULL);
}

static void
client_close (Client *client)
{
  MimpdServer *server = client->server;

  if (client->closed)
    return;
  client->closed = TRUE;
  clear_source (&client->in_source);
  clear_source (&client->out_source);
  client_watch_update (client);
  g_cancellable_cancel (client->cancellable);
  unauth_remove (client);
  g_queue_unlink (&server->clients, &client->link);
  if (client->session != NULL)
    {
      mimpd_session_close (client->session);
      g_clear_pointer (&client->session, mimpd_session_unref);
    }
  g_io_stream_close_async (client->stream ? client->stream : G_IO_STREAM (client->connection),
                           G_PRIORITY_DEFAULT, NULL, close_done_cb, NULL);
  client_unref (client);
}

static gboolean
in_ready_cb (GObject *stream, gpointer user_data)
{
  g_autoptr (Client) client = client_ref (user_data);

  for (guint i = 0; i < READS_PER_WAKE && !client->closed; i++)
    {
      g_autoptr (GError) error = NULL;
      gsize avail = 0;
      guint8 *buf =
          mimpd_session_reserve (client->session, i == 0 ? READ_SMALL : READ_LARGE, &avail);
      gssize n = g_pollable_input_stream_read_nonblocking (client->in, buf, avail, NULL, &error);

      if (n < 0 && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
        break;
      if (n <= 0)
        {
          if (n < 0)
            g_debug ("Read from %s failed: %s", client->address, error->message);
          client_close (client);
          return G_SOURCE_REMOVE;
        }
      client->last_input = g_get_monotonic_time ();
      mimpd_session_commit_input (client->session, (gsize) n);
      if (!mimpd_session_wants_input (client->session) || (gsize) n < avail)
        break;
    }
  client_mark_dirty (client);
  return G_SOURCE_CONTINUE;
}

static gboolean
out_ready_cb (GObject *stream, gpointer user_data)
{
  g_autoptr (Client) client = client_ref (user_data);

  clear_source (&client->out_source);
  client_flush (client);
  return G_SOURCE_REMOVE;
}

/* Writes what is ready, closes when the session is done, and reads again
 * when the session takes requests again. */
static void
client_flush (Client *client)
{
  const guint8 *data;
  gsize len;

  for (guint round = 0; round < 64 && !client->closed; round++)
    {
      gboolean blocked = FALSE;

      while ((data = mimpd_session_peek_output (client->session, &len)) != NULL && len > 0)
        {
          g_autoptr (GError) error = NULL;
          gssize n =
              g_pollable_output_stream_write_nonblocking (client->out, data, len, NULL, &error);

          if (n < 0 && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
            {
              blocked = TRUE;
              break;
            }
          if (n < 0)
            {
              g_debug ("Write to %s failed: %s", client->address, error->message);
              client_close (client);
              return;
            }
          mimpd_session_consume_output (client->session, (gsize) n);
        }
      if (blocked)
        {
          if (client->use_epoll)
            client->want_out = TRUE;
          else if (client->out_source == NULL)
            {
              client->out_source = g_pollable_output_stream_create_source (client->out, NULL);
              g_source_set_callback (client->out_source, G_SOURCE_FUNC (out_ready_cb), client,
                                     NULL);
              g_source_attach (client->out_source, NULL);
            }
          break;
        }
      if (mimpd_session_should_close (client->session))
        {
          client_close (client);
          return;
        }
      /* Drained: requests held back by backpressure may be waiting. */
      if (!mimpd_session_wants_input (client->session))
        break;
      mimpd_session_resume (client->session);
      if (mimpd_session_peek_output (client->session, &len) == NULL &&
          !mimpd_session_should_close (client->session))
        break;
    }
  if (client->closed)
    return;

  if (client->in_unauth && mimpd_session_is_authenticated (client->session))
    unauth_remove (client);

  if (client->use_epoll)
    {
      client->want_in = mimpd_session_wants_input (client->session);
      client_watch_update (client);
    }
  else if (mimpd_session_wants_input (client->session))
    {
      if (client->in_source == NULL)
        {
          client->in_source = g_pollable_input_stream_create_source (client->in, NULL);
          g_source_set_callback (client->in_source, G_SOURCE_FUNC (in_ready_cb), client, NULL);
          g_source_attach (client->in_source, NULL);
        }
    }
  else
    clear_source (&client->in_source);
}

static void
session_notify_cb (MimpdSession *session, gpointer user_data)
{
  client_mark_dirty (user_data);
}

static void
client_start_session (Client *client)
{
  client->in = G_POLLABLE_INPUT_STREAM (g_io_stream_get_input_stream (client->stream));
  client->out = G_POLLABLE_OUTPUT_STREAM (g_io_stream_get_output_stream (client->stream));
  client->session =
      mimpd_session_new (client->server->hub, client->address, session_notify_cb, client);
  client_flush (client);
}

static void
handshake_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (Client) client = user_data;
  g_autoptr (GError) error = NULL;

  if (!g_tls_connection_handshake_finish (G_TLS_CONNECTION (source), result, &error))
    {
      if (!client->closed)
        {
          g_debug ("TLS handshake with %s failed: %s", client->address, error->message);
          client_close (client);
        }
      return;
    }
  if (!mimp_tls_version_acceptable (G_TLS_CONNECTION (source)))
    {
      g_debug ("Closing %s: outdated TLS version", client->address);
      client_close (client);
      return;
    }
  if (!client->closed)
    client_start_session (client);
}

static char *
peer_address (GSocketConnection *connection)
{
  g_autoptr (GSocketAddress) addr = g_socket_connection_get_remote_address (connection, NULL);

  if (G_IS_INET_SOCKET_ADDRESS (addr))
    return g_inet_address_to_string (
        g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (addr)));
  return g_strdup ("unknown");
}

/* Whether the connection's source is within its rate of new connections. */
static gboolean
accept_allowed (MimpdServer *server, GSocketConnection *connection)
{
  g_autoptr (GSocketAddress) addr = NULL;
  struct linger linger = { 1, 0 };

  if (server->accept_limit == NULL)
    return TRUE;
  addr = g_socket_connection_get_remote_address (connection, NULL);
  if (!G_IS_INET_SOCKET_ADDRESS (addr) ||
      mimpd_accept_limit_take (server->accept_limit,
                               g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (addr)),
                               g_get_monotonic_time ()))
    return TRUE;
  /* Reset rather than a graceful close: no TIME_WAIT kept here for it. */
  setsockopt (g_socket_get_fd (g_socket_connection_get_socket (connection)), SOL_SOCKET, SO_LINGER,
              &linger, sizeof linger);
  return FALSE;
}

static void
accept_connection (MimpdServer *server, GSocketConnection *connection, gboolean tls)
{
  Client *client;
  GQueue *queue;

  if (server->stopping || server->clients.length >= server->options.max_connections)
    {
      g_debug ("Refusing a connection: %u connections open", server->clients.length);
      g_io_stream_close (G_IO_STREAM (connection), NULL, NULL);
      return;
    }
  if (!accept_allowed (server, connection))
    {
      g_debug ("Refusing a connection: its source opens connections too fast");
      g_io_stream_close (G_IO_STREAM (connection), NULL, NULL);
      return;
    }

  g_socket_set_option (g_socket_connection_get_socket (connection), IPPROTO_TCP, TCP_NODELAY, 1,
                       NULL);

  client = g_new0 (Client, 1);
  g_atomic_ref_count_init (&client->ref_count);
  client->server = server;
  client->link.data = client;
  client->unauth_link.data = client;
  client->connection = g_object_ref (connection);
  client->address = peer_address (connection);
  client->accepted = client->last_input = g_get_monotonic_time ();
  client->cancellable = g_cancellable_new ();
  g_queue_push_tail_link (&server->clients, &client->link);

  queue = g_hash_table_lookup (server->unauth, client->address);
  if (queue == NULL)
    {
      queue = g_queue_new ();
      g_hash_table_insert (server->unauth, g_strdup (client->address), queue);
    }
  if (queue->length >= server->options.max_unauthenticated_per_address)
    {
      Client *oldest = queue->head->data;

      g_debug ("Too many connections from %s without login: closing the oldest", client->address);
      client_close (oldest);
      /* The queue may have been freed with its last member. */
      queue = g_hash_table_lookup (server->unauth, client->address);
      if (queue == NULL)
        {
          queue = g_queue_new ();
          g_hash_table_insert (server->unauth, g_strdup (client->address), queue);
        }
    }
  g_queue_push_tail_link (queue, &client->unauth_link);
  client->in_unauth = TRUE;

  if (!tls)
    {
      client->stream = G_IO_STREAM (g_object_ref (connection));
      if (server->epfd >= 0)
        {
          client->use_epoll = TRUE;
          client->fd = g_socket_get_fd (g_socket_connection_get_socket (connection));
        }
      client_start_session (client);
      return;
    }
  {
    g_autoptr (GError) error = NULL;
    GIOStream *tls_stream =
        g_tls_server_connection_new (G_IO_STREAM (connection), server->certificate, &error);

    if (tls_stream == NULL)
      {
        g_warning ("Cannot start TLS: %s", error->message);
        client_close (client);
        return;
      }
    client->stream = tls_stream;
    g_tls_connection_handshake_async (G_TLS_CONNECTION (tls_stream), G_PRIORITY_DEFAULT,
                                      client->cancellable, handshake_cb, client_ref (client));
  }
}

static gboolean
incoming_cb (GSocketService *service, GSocketConnection *connection, GObject *source_object,
             gpointer user_data)
{
  accept_connection (user_data, connection, FALSE);
  return TRUE;
}

static gboolean
incoming_tls_cb (GSocketService *service, GSocketConnection *connection, GObject *source_object,
                 gpointer user_data)
{
  accept_connection (user_data, connection, TRUE);
  return TRUE;
}

/* The epoll set is readable: handle the clients that are ready. Each is
 * held by a reference while the batch is handled, since handling one may
 * close another. */
static gboolean
epoll_dispatch (GSource *source, GSourceFunc callback, gpointer user_data)
{
  MimpdServer *server = user_data;
  struct epoll_event events[EPOLL_BATCH];
  int n = epoll_wait (server->epfd, events, EPOLL_BATCH, 0);

  for (int i = 0; i < n; i++)
    client_ref (events[i].data.ptr);
  for (int i = 0; i < n; i++)
    {
      Client *client = events[i].data.ptr;

      if (client->closed)
        continue;
      if (events[i].events & EPOLLOUT)
        {
          client->want_out = FALSE;
          client_flush (client);
        }
      if (!client->closed && (events[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR)) &&
          client->want_in)
        in_ready_cb (NULL, client);
    }
  for (int i = 0; i < n; i++)
    client_unref (events[i].data.ptr);
  /* Every request that was readable has been handled: commit the group
   * now. Under steady load some connection is always readable, so the
   * idle-priority commit would wait for its deadline (20 ms) and every
   * reply with it. */
  if (n < EPOLL_BATCH)
    mimpd_hub_flush (server->hub);
  /* Then one write per connection for everything this pass produced. */
  server_flush_dirty (server);
  return G_SOURCE_CONTINUE;
}

static GSourceFuncs epoll_source_funcs = {
  NULL, /* prepare: ready when the epoll fd is */
  NULL, epoll_dispatch, NULL, NULL, NULL,
};

/* Output produced outside the epoll pass (a commit by timer, a login, a
 * long poll's timeout, TLS connections): written in the next iteration. */
static gboolean
flush_prepare (GSource *source, gint *timeout)
{
  MimpdServer **server = (MimpdServer **) (source + 1);

  *timeout = -1;
  return (*server)->dirty->len > 0;
}

static gboolean
flush_check (GSource *source)
{
  gint timeout;

  return flush_prepare (source, &timeout);
}

static gboolean
flush_dispatch (GSource *source, GSourceFunc callback, gpointer user_data)
{
  server_flush_dirty (user_data);
  return G_SOURCE_CONTINUE;
}

static GSourceFuncs flush_source_funcs = {
  flush_prepare, flush_check, flush_dispatch, NULL, NULL, NULL,
};

static gboolean
sweep_cb (gpointer data)
{
  MimpdServer *server = data;
  gint64 now = g_get_monotonic_time ();
  gint64 idle = (gint64) server->options.idle_timeout_s * G_USEC_PER_SEC;
  gint64 login = (gint64) server->options.login_timeout_s * G_USEC_PER_SEC;
  GList *l = server->clients.head;

  while (l != NULL)
    {
      Client *client = l->data;

      l = l->next;
      if (now - client->last_input > idle)
        {
          g_debug ("Closing %s: nothing received for %u s", client->address,
                   server->options.idle_timeout_s);
          client_close (client);
        }
      else if (client->in_unauth && now - client->accepted > login)
        {
          g_debug ("Closing %s: no login after %u s", client->address,
                   server->options.login_timeout_s);
          client_close (client);
        }
    }
  return G_SOURCE_CONTINUE;
}

MimpdServer *
mimpd_server_new (MimpdHub *hub, const MimpdServerOptions *options)
{
  MimpdServer *server = g_new0 (MimpdServer, 1);

  server->hub = hub;
  server->options = *options;
  server->listen_address = g_strdup (options->listen_address);
  server->options.listen_address = server->listen_address;
  if (options->certificate != NULL)
    server->certificate = g_object_ref (options->certificate);
  g_queue_init (&server->clients);
  server->dirty = g_ptr_array_new_with_free_func ((GDestroyNotify) client_unref);
  server->flush_source = g_source_new (&flush_source_funcs, sizeof (GSource) + sizeof server);
  *(MimpdServer **) (server->flush_source + 1) = server;
  g_source_set_name (server->flush_source, "mimpd output");
  g_source_set_callback (server->flush_source, NULL, server, NULL);
  g_source_attach (server->flush_source, NULL);
  server->epfd = epoll_create1 (EPOLL_CLOEXEC);
  if (server->epfd < 0)
    g_warning ("epoll_create1 failed, watching each connection on its own: %s", g_strerror (errno));
  else
    {
      server->epoll_source = g_source_new (&epoll_source_funcs, sizeof (GSource));
      g_source_set_name (server->epoll_source, "mimpd connections");
      g_source_add_unix_fd (server->epoll_source, server->epfd, G_IO_IN);
      g_source_set_callback (server->epoll_source, NULL, server, NULL);
      g_source_attach (server->epoll_source, NULL);
    }
  server->unauth =
      g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) g_queue_free);
  if (options->accept_rate > 0)
    server->accept_limit =
        mimpd_accept_limit_new (options->accept_rate, MAX (options->accept_burst, 1));
  return server;
}

static GSocketService *
listen_on (MimpdServer *server, GInetAddress *address, guint16 port, guint16 *effective_port,
           GError **error)
{
  g_autoptr (GSocketService) service = g_socket_service_new ();
  g_autoptr (GSocketAddress) addr = g_inet_socket_address_new (address, port);
  g_autoptr (GSocketAddress) effective = NULL;

  g_socket_listener_set_backlog (G_SOCKET_LISTENER (service), LISTEN_BACKLOG);
  if (!g_socket_listener_add_address (G_SOCKET_LISTENER (service), addr, G_SOCKET_TYPE_STREAM,
                                      G_SOCKET_PROTOCOL_TCP, NULL, &effective, error))
    return NULL;
  *effective_port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (effective));
  return g_steal_pointer (&service);
}

gboolean
mimpd_server_start (MimpdServer *server, GError **error)
{
  g_autoptr (GInetAddress) address = g_inet_address_new_from_string (server->listen_address);

  if (address == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "%s is not an IP address",
                   server->listen_address);
      return FALSE;
    }
  server->service = listen_on (server, address, server->options.port, &server->port, error);
  if (server->service == NULL)
    return FALSE;
  g_signal_connect (server->service, "incoming", G_CALLBACK (incoming_cb), server);

  if (server->certificate != NULL)
    {
      server->tls_service =
          listen_on (server, address, server->options.tls_port, &server->tls_port, error);
      if (server->tls_service == NULL)
        return FALSE;
      g_signal_connect (server->tls_service, "incoming", G_CALLBACK (incoming_tls_cb), server);
      g_socket_service_start (server->tls_service);
    }
  g_socket_service_start (server->service);
  server->sweep_source = g_timeout_add_seconds (1, sweep_cb, server);
  return TRUE;
}

guint16
mimpd_server_get_port (MimpdServer *server)
{
  return server->port;
}

guint16
mimpd_server_get_tls_port (MimpdServer *server)
{
  return server->tls_port;
}

/**
 * mimpd_server_stop:
 *
 * Stops accepting and asks every session to finish: no new request is taken,
 * replies already owed still go out. See mimpd_server_is_drained().
 */
void
mimpd_server_stop (MimpdServer *server)
{
  server->stopping = TRUE;
  if (server->service != NULL)
    {
      g_socket_service_stop (server->service);
      g_socket_listener_close (G_SOCKET_LISTENER (server->service));
    }
  if (server->tls_service != NULL)
    {
      g_socket_service_stop (server->tls_service);
      g_socket_listener_close (G_SOCKET_LISTENER (server->tls_service));
    }
  for (GList *l = server->clients.head; l != NULL;)
    {
      g_autoptr (Client) client = client_ref (l->data);

      l = l->next;
      if (client->session == NULL)
        client_close (client);
      else
        {
          mimpd_session_shutdown (client->session);
          client_flush (client);
        }
    }
}

gboolean
mimpd_server_is_drained (MimpdServer *server)
{
  return g_queue_is_empty (&server->clients);
}

void
mimpd_server_free (MimpdServer *server)
{
  if (server == NULL)
    return;
  while (!g_queue_is_empty (&server->clients))
    client_close (server->clients.head->data);
  g_clear_handle_id (&server->sweep_source, g_source_remove);
  g_source_destroy (server->flush_source);
  g_clear_pointer (&server->flush_source, g_source_unref);
  g_ptr_array_unref (server->dirty);
  if (server->epoll_source != NULL)
    {
      g_source_destroy (server->epoll_source);
      g_clear_pointer (&server->epoll_source, g_source_unref);
    }
  if (server->epfd >= 0)
    close (server->epfd);
  g_clear_object (&server->service);
  g_clear_object (&server->tls_service);
  g_clear_object (&server->certificate);
  g_hash_table_unref (server->unauth);
  mimpd_accept_limit_free (server->accept_limit);
  g_free (server->listen_address);
  g_free (server);
}
