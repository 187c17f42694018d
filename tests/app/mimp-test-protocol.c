/* mimp-test-protocol.c
 *
 * Three objects, as a real protocol has them: the account type
 * (MimpTestProtocol, registered once as "test"), the server
 * (MimpTestNetwork, found by the account's host name) and one session per
 * account (MimpTestSession, a MimpProtocolSession).
 *
 * The network keeps a mailbox per user: every message posted to a user
 * gets the next position in that mailbox (1, 2, ...) and a remote id
 * unique on the network. The user's cursor is the highest position
 * acknowledged; a session that connects is handed everything after the
 * cursor, at most MAILBOX_BATCH messages per `messages-received`, and is
 * handed nothing more until the account acknowledges that batch. So what
 * was delivered but not acknowledged comes again after a reconnect, as
 * from mimpd: the account must drop it as a duplicate. Unlike libmimp, the
 * session does not filter such redeliveries itself.
 *
 * Sends are final: a message to a user the network does not know fails
 * with NO_SUCH_USER (as mimpd answers), and a test may make the next send
 * of a user fail with an error of its choice. A session that is not
 * online keeps its sends and sends them once it is.
 *
 * A WAITING session does not retry on a timer: it connects again when the
 * test puts its user back online, or on reconnect_now().
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "mimp-test-protocol"

#include "config.h"

#include <string.h>

#include "mimp-test-protocol.h"

#define MAILBOX_BATCH 50

/* An image goes as a message whose text is its reference, marked. */
#define ATTACHMENT_MARK "\x01image:"

G_DEFINE_QUARK (mimp_test_protocol_error_quark, mimp_test_protocol_error)

typedef struct
{
  char *local_id;
  char *peer;
  char *text;
} OutboxItem;

struct _MimpTestSession
{
  GObject parent_instance;

  char *host;
  char *user;
  char *password;
  MimpProtocolSessionState state;
  GError *error;

  MimpTestNetwork *network; /* while connected or waiting there */
  GQueue outbox;            /* OutboxItem, oldest first */
  gint64 delivered;         /* the highest position handed on over this connection */
  gint64 awaiting;          /* the highest position of the batch not acknowledged, or -1 */

  guint connect_id;
  guint deliver_id;
  guint send_id;
};

/* The session is below; the network hands it messages. */
#define MIMP_TYPE_TEST_SESSION (mimp_test_session_get_type ())
G_DECLARE_FINAL_TYPE (MimpTestSession, mimp_test_session, MIMP, TEST_SESSION, GObject)

/* ------------------------------------------------------------------ */
/* The network                                                        */
/* ------------------------------------------------------------------ */

typedef struct
{
  char *name;
  char *password;     /* nullable: any password, or none, will do */
  GPtrArray *mailbox; /* of MimpIncoming, position i + 1 at index i */
  gint64 cursor;      /* the highest position acknowledged */
  guint n_delivered;  /* messages handed to its sessions, redeliveries too */
  gboolean offline;
  GError *fail_next; /* the next send's result */
} User;

struct _MimpTestNetwork
{
  GObject parent_instance;

  char *host;
  GHashTable *users;   /* name -> User */
  GPtrArray *sessions; /* MimpTestSession connected or waiting here (not owned) */
  guint64 next_id;
  gboolean holding;
  gboolean losing_acks;
  GHashTable *rooms;       /* room -> GPtrArray of member names */
  GHashTable *typing;      /* "from/to" -> MimpTypingState last said */
  GHashTable *attachments; /* reference -> GBytes */
  GHashTable *avatars;     /* user -> GBytes */
  guint verifications;     /* verification runs started or answered (never the answers) */
};

G_DEFINE_FINAL_TYPE (MimpTestNetwork, mimp_test_network, G_TYPE_OBJECT)

static GHashTable *networks; /* host -> MimpTestNetwork (not owned) */

static void session_deliver_soon (MimpTestSession *self);
static void session_lose_connection (MimpTestSession *self, GError *error);
static void session_connect_soon (MimpTestSession *self);

static void
user_free (User *user)
{
  g_free (user->name);
  g_free (user->password);
  g_ptr_array_unref (user->mailbox);
  g_clear_error (&user->fail_next);
  g_free (user);
}

static User *
lookup_user (MimpTestNetwork *self, const char *name)
{
  User *user = g_hash_table_lookup (self->users, name);

  if (user == NULL)
    g_error ("The test network %s has no user %s", self->host, name);
  return user;
}

static void
mimp_test_network_finalize (GObject *object)
{
  MimpTestNetwork *self = MIMP_TEST_NETWORK (object);

  /* A session keeps a reference while it is here. */
  g_assert (self->sessions->len == 0);
  g_hash_table_remove (networks, self->host);
  g_free (self->host);
  g_hash_table_unref (self->users);
  g_ptr_array_unref (self->sessions);
  g_hash_table_unref (self->rooms);
  g_hash_table_unref (self->typing);
  g_hash_table_unref (self->attachments);
  g_hash_table_unref (self->avatars);
  G_OBJECT_CLASS (mimp_test_network_parent_class)->finalize (object);
}

static void
mimp_test_network_class_init (MimpTestNetworkClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = mimp_test_network_finalize;
}

static void
mimp_test_network_init (MimpTestNetwork *self)
{
  self->users = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify) user_free);
  self->sessions = g_ptr_array_new ();
  self->rooms =
      g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) g_ptr_array_unref);
  self->typing = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->attachments =
      g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) g_bytes_unref);
  self->avatars =
      g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) g_bytes_unref);
}

/**
 * mimp_test_network_new:
 *
 * Returns: a new network with no users, reachable by accounts of the test
 *   protocol whose host is mimp_test_network_get_host()
 */
MimpTestNetwork *
mimp_test_network_new (void)
{
  static guint counter;
  MimpTestNetwork *self = g_object_new (MIMP_TYPE_TEST_NETWORK, NULL);

  if (networks == NULL)
    networks = g_hash_table_new (g_str_hash, g_str_equal);
  self->host = g_strdup_printf ("network%u.test", ++counter);
  g_hash_table_insert (networks, self->host, self);
  return self;
}

const char *
mimp_test_network_get_host (MimpTestNetwork *self)
{
  g_return_val_if_fail (MIMP_IS_TEST_NETWORK (self), NULL);
  return self->host;
}

/**
 * mimp_test_network_add_user:
 * @password: (nullable): the password the user must sign in with, or
 *   %NULL to take any
 */
void
mimp_test_network_add_user (MimpTestNetwork *self, const char *name, const char *password)
{
  User *user;

  g_return_if_fail (MIMP_IS_TEST_NETWORK (self));
  g_return_if_fail (name != NULL);
  g_return_if_fail (!g_hash_table_contains (self->users, name));

  user = g_new0 (User, 1);
  user->name = g_strdup (name);
  user->password = g_strdup (password);
  user->mailbox = g_ptr_array_new_with_free_func ((GDestroyNotify) mimp_incoming_unref);
  g_hash_table_insert (self->users, user->name, user);
}

/**
 * mimp_test_network_new_account:
 *
 * Returns: (transfer full): a new account of the test protocol for @user
 *   on this network, not started
 */
MimpAccount *
mimp_test_network_new_account (MimpTestNetwork *self, const char *user)
{
  g_return_val_if_fail (MIMP_IS_TEST_NETWORK (self), NULL);
  return mimp_account_new (mimp_test_protocol_get (), NULL, self->host, MIMP_TEST_PROTOCOL_PORT,
                           user, FALSE);
}

/* Puts a copy of @like in @to's mailbox, with its own remote id and
 * position, and hands it to @to's sessions. */
static MimpIncoming *
post_like (MimpTestNetwork *self, const char *to, const MimpIncoming *like)
{
  User *user = lookup_user (self, to);
  g_autofree char *remote_id =
      g_strdup_printf ("%s-%" G_GUINT64_FORMAT, self->host, ++self->next_id);
  MimpIncoming *message = mimp_incoming_new (like->peer, to, remote_id, like->text, like->timestamp,
                                             (gint64) user->mailbox->len + 1);

  message->sender = g_strdup (like->sender);
  message->kind = like->kind;
  mimp_incoming_set_attachment (message, like->attachment);

  g_ptr_array_add (user->mailbox, mimp_incoming_ref (message));
  for (guint i = 0; i < self->sessions->len; i++)
    if (g_str_equal (((MimpTestSession *) self->sessions->pdata[i])->user, to))
      session_deliver_soon (self->sessions->pdata[i]);
  return message;
}

static MimpIncoming *
post (MimpTestNetwork *self, const char *from, const char *to, const char *text, gint64 timestamp)
{
  g_autoptr (MimpIncoming) like = NULL;

  if (g_str_has_prefix (text, ATTACHMENT_MARK))
    {
      like = mimp_incoming_new (from, to, NULL, "", timestamp, -1);
      mimp_incoming_set_attachment (like, text + strlen (ATTACHMENT_MARK));
    }
  else
    like = mimp_incoming_new (from, to, NULL, text, timestamp, -1);
  return post_like (self, to, like);
}

/* Calls @func on each session of @user connected here. */
static void
foreach_session_of (MimpTestNetwork *self, const char *user,
                    void (*func) (MimpProtocolSession *session, gpointer data), gpointer data)
{
  for (guint i = 0; i < self->sessions->len; i++)
    {
      MimpTestSession *session = self->sessions->pdata[i];

      if (g_str_equal (session->user, user) && session->state == MIMP_PROTOCOL_SESSION_STATE_ONLINE)
        func (MIMP_PROTOCOL_SESSION (session), data);
    }
}

/**
 * mimp_test_network_inject_in_room:
 * @attachment: (nullable): a reference from mimp_test_network_add_attachment()
 *
 * @sender says @text in @room, and the message arrives for @to (a member).
 */
void
mimp_test_network_inject_in_room (MimpTestNetwork *self, const char *room, const char *sender,
                                  const char *to, const char *text, const char *attachment,
                                  gint64 timestamp)
{
  g_autoptr (MimpIncoming) like = NULL;
  g_autoptr (MimpIncoming) message = NULL;

  g_return_if_fail (MIMP_IS_TEST_NETWORK (self));
  like = mimp_incoming_new_in_room (room, sender, NULL, text, timestamp, -1);
  mimp_incoming_set_attachment (like, attachment);
  message = post_like (self, to, like);
}

typedef struct
{
  const char *room;
  const char *name;
  gboolean joined;
} MemberChange;

static void
emit_member_change (MimpProtocolSession *session, gpointer data)
{
  MemberChange *change = data;

  mimp_protocol_session_emit_members_changed (session, change->room, change->name, change->joined);
}

/**
 * mimp_test_network_set_member:
 *
 * @name comes into @room or leaves it: @to's sessions hear of it at once
 * (`members-changed`), and a line of the room's chat arrives for @to.
 */
void
mimp_test_network_set_member (MimpTestNetwork *self, const char *room, const char *name,
                              gboolean joined, const char *to, gint64 timestamp)
{
  GPtrArray *members;
  g_autoptr (MimpIncoming) like = NULL;
  g_autoptr (MimpIncoming) message = NULL;
  MemberChange change = { room, name, joined };
  guint index;

  g_return_if_fail (MIMP_IS_TEST_NETWORK (self));
  members = g_hash_table_lookup (self->rooms, room);
  if (members == NULL)
    {
      members = g_ptr_array_new_with_free_func (g_free);
      g_hash_table_insert (self->rooms, g_strdup (room), members);
    }
  if (g_ptr_array_find_with_equal_func (members, name, g_str_equal, &index))
    g_ptr_array_remove_index (members, index);
  if (joined)
    g_ptr_array_add (members, g_strdup (name));
  like = mimp_incoming_new_event (
      room, name, joined ? MIMP_MESSAGE_KIND_JOINED : MIMP_MESSAGE_KIND_LEFT, timestamp);
  message = post_like (self, to, like);
  foreach_session_of (self, to, emit_member_change, &change);
}

typedef struct
{
  const char *from;
  MimpTypingState state;
} TypingChange;

static void
emit_typing (MimpProtocolSession *session, gpointer data)
{
  TypingChange *change = data;

  mimp_protocol_session_emit_typing_changed (session, change->from, change->state);
}

/**
 * mimp_test_network_set_typing:
 *
 * @from tells @to whether they are typing.
 */
void
mimp_test_network_set_typing (MimpTestNetwork *self, const char *from, const char *to,
                              MimpTypingState state)
{
  TypingChange change = { from, state };

  g_return_if_fail (MIMP_IS_TEST_NETWORK (self));
  foreach_session_of (self, to, emit_typing, &change);
}

/**
 * mimp_test_network_get_typing:
 *
 * Returns: what @from's sessions last told @to about typing
 */
MimpTypingState
mimp_test_network_get_typing (MimpTestNetwork *self, const char *from, const char *to)
{
  g_autofree char *key = g_strdup_printf ("%s/%s", from, to);

  g_return_val_if_fail (MIMP_IS_TEST_NETWORK (self), MIMP_TYPING_STOPPED);
  return GPOINTER_TO_INT (g_hash_table_lookup (self->typing, key));
}

/**
 * mimp_test_network_get_n_verifications:
 *
 * Returns: how many verification runs the sessions here started or
 *   answered
 */
guint
mimp_test_network_get_n_verifications (MimpTestNetwork *self)
{
  g_return_val_if_fail (MIMP_IS_TEST_NETWORK (self), 0);
  return self->verifications;
}

/**
 * mimp_test_network_add_attachment:
 *
 * Returns: (transfer full): the reference a message uses for @data
 */
char *
mimp_test_network_add_attachment (MimpTestNetwork *self, GBytes *data)
{
  char *reference;

  g_return_val_if_fail (MIMP_IS_TEST_NETWORK (self), NULL);
  reference = g_strdup_printf ("image-%" G_GUINT64_FORMAT, ++self->next_id);
  g_hash_table_insert (self->attachments, g_strdup (reference), g_bytes_ref (data));
  return reference;
}

/**
 * mimp_test_network_set_avatar:
 * @data: (nullable): the image, or %NULL for none
 */
void
mimp_test_network_set_avatar (MimpTestNetwork *self, const char *user, GBytes *data)
{
  g_return_if_fail (MIMP_IS_TEST_NETWORK (self));
  if (data == NULL)
    g_hash_table_remove (self->avatars, user);
  else
    g_hash_table_insert (self->avatars, g_strdup (user), g_bytes_ref (data));
}

/**
 * mimp_test_network_inject:
 * @from: any name: the sender need not be a user of the network
 * @timestamp: the message's time, in milliseconds since the epoch
 *
 * A message "from" @from arrives for @to, as if another client had sent it.
 *
 * Returns: (transfer full): its remote id
 */
char *
mimp_test_network_inject (MimpTestNetwork *self, const char *from, const char *to, const char *text,
                          gint64 timestamp)
{
  g_autoptr (MimpIncoming) message = NULL;

  g_return_val_if_fail (MIMP_IS_TEST_NETWORK (self), NULL);
  g_return_val_if_fail (from != NULL && to != NULL && text != NULL, NULL);

  message = post (self, from, to, text, timestamp);
  return g_strdup (message->remote_id);
}

/**
 * mimp_test_network_set_online:
 * @user: (nullable): a user, or %NULL for every user
 *
 * Cuts @user off the network, or lets them back. Cut off, their sessions
 * lose the connection and wait (WAITING, "connection lost"), and new
 * attempts fail (unreachable); back, the waiting sessions connect again.
 */
void
mimp_test_network_set_online (MimpTestNetwork *self, const char *user, gboolean online)
{
  g_autoptr (GPtrArray) sessions = NULL;

  g_return_if_fail (MIMP_IS_TEST_NETWORK (self));

  if (user == NULL)
    {
      GHashTableIter iter;
      User *each;

      g_hash_table_iter_init (&iter, self->users);
      while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &each))
        each->offline = !online;
    }
  else
    lookup_user (self, user)->offline = !online;

  /* Handlers may stop sessions (which leave the list) meanwhile. */
  sessions = g_ptr_array_new_full (self->sessions->len, g_object_unref);
  for (guint i = 0; i < self->sessions->len; i++)
    if (user == NULL || g_str_equal (((MimpTestSession *) self->sessions->pdata[i])->user, user))
      g_ptr_array_add (sessions, g_object_ref (self->sessions->pdata[i]));
  for (guint i = 0; i < sessions->len; i++)
    {
      if (!online)
        session_lose_connection (sessions->pdata[i],
                                 g_error_new_literal (MIMP_TEST_PROTOCOL_ERROR,
                                                      MIMP_TEST_PROTOCOL_ERROR_CLOSED,
                                                      "Cut off the test network"));
      else if (((MimpTestSession *) sessions->pdata[i])->state ==
               MIMP_PROTOCOL_SESSION_STATE_WAITING)
        session_connect_soon (sessions->pdata[i]);
    }
}

/**
 * mimp_test_network_set_holding:
 *
 * While holding, the network delivers nothing (sends still succeed):
 * messages wait in the mailboxes, and come in batches of up to
 * MAILBOX_BATCH when the hold ends.
 */
void
mimp_test_network_set_holding (MimpTestNetwork *self, gboolean holding)
{
  g_return_if_fail (MIMP_IS_TEST_NETWORK (self));

  self->holding = !!holding;
  if (!holding)
    for (guint i = 0; i < self->sessions->len; i++)
      session_deliver_soon (self->sessions->pdata[i]);
}

/**
 * mimp_test_network_set_losing_acks:
 *
 * While set, acknowledgements never reach the network (as with a server
 * that crashed before it committed them): sessions go on receiving, but
 * what they were handed comes again after their next reconnect.
 */
void
mimp_test_network_set_losing_acks (MimpTestNetwork *self, gboolean losing)
{
  g_return_if_fail (MIMP_IS_TEST_NETWORK (self));
  self->losing_acks = !!losing;
}

/**
 * mimp_test_network_fail_next_send:
 *
 * The next message a session of @user sends fails with @error, which is
 * final for that message (`send-finished` with @error).
 */
void
mimp_test_network_fail_next_send (MimpTestNetwork *self, const char *user, const GError *error)
{
  User *u;

  g_return_if_fail (MIMP_IS_TEST_NETWORK (self));
  g_return_if_fail (error != NULL);

  u = lookup_user (self, user);
  g_clear_error (&u->fail_next);
  u->fail_next = g_error_copy (error);
}

/**
 * mimp_test_network_dup_mailbox:
 *
 * Returns: (transfer container) (element-type MimpIncoming): everything
 *   ever posted to @user, in order (positions 1, 2, ...)
 */
GPtrArray *
mimp_test_network_dup_mailbox (MimpTestNetwork *self, const char *user)
{
  GPtrArray *mailbox;
  User *u;

  g_return_val_if_fail (MIMP_IS_TEST_NETWORK (self), NULL);

  u = lookup_user (self, user);
  mailbox = g_ptr_array_new_full (u->mailbox->len, (GDestroyNotify) mimp_incoming_unref);
  for (guint i = 0; i < u->mailbox->len; i++)
    g_ptr_array_add (mailbox, mimp_incoming_ref (u->mailbox->pdata[i]));
  return mailbox;
}

/**
 * mimp_test_network_assert_mailbox:
 * @texts: (array zero-terminated=1): what @user's mailbox must hold
 *
 * Asserts that the network holds for @user, in order, exactly @texts.
 */
void
mimp_test_network_assert_mailbox (MimpTestNetwork *self, const char *user, const char *const *texts)
{
  g_autoptr (GPtrArray) mailbox = mimp_test_network_dup_mailbox (self, user);

  g_assert_cmpuint (mailbox->len, ==, g_strv_length ((char **) texts));
  for (guint i = 0; i < mailbox->len; i++)
    g_assert_cmpstr (((MimpIncoming *) mailbox->pdata[i])->text, ==, texts[i]);
}

/**
 * mimp_test_network_get_n_delivered:
 *
 * Returns: how many messages were handed to sessions of @user, counting
 *   each redelivery
 */
guint
mimp_test_network_get_n_delivered (MimpTestNetwork *self, const char *user)
{
  g_return_val_if_fail (MIMP_IS_TEST_NETWORK (self), 0);
  return lookup_user (self, user)->n_delivered;
}

/**
 * mimp_test_network_get_acknowledged:
 *
 * Returns: the highest position in @user's mailbox the network was told is
 *   stored, or 0
 */
gint64
mimp_test_network_get_acknowledged (MimpTestNetwork *self, const char *user)
{
  g_return_val_if_fail (MIMP_IS_TEST_NETWORK (self), 0);
  return lookup_user (self, user)->cursor;
}

/* ------------------------------------------------------------------ */
/* The session                                                        */
/* ------------------------------------------------------------------ */

static void mimp_test_session_iface_init (MimpProtocolSessionInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (MimpTestSession, mimp_test_session, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (MIMP_TYPE_PROTOCOL_SESSION,
                                                      mimp_test_session_iface_init))

static void
outbox_item_free (OutboxItem *item)
{
  g_free (item->local_id);
  g_free (item->peer);
  g_free (item->text);
  g_free (item);
}

/* Takes @error. */
static void
set_state (MimpTestSession *self, MimpProtocolSessionState state, GError *error)
{
  gboolean changed = self->state != state || self->error != NULL || error != NULL;

  g_clear_error (&self->error);
  self->error = error;
  self->state = state;
  if (changed)
    g_object_notify (G_OBJECT (self), "state");
}

static void
leave_network (MimpTestSession *self)
{
  if (self->network == NULL)
    return;
  g_ptr_array_remove (self->network->sessions, self);
  g_clear_object (&self->network);
}

static void
join_network (MimpTestSession *self, MimpTestNetwork *network)
{
  if (self->network == network)
    return;
  leave_network (self);
  self->network = g_object_ref (network);
  g_ptr_array_add (network->sessions, self);
}

/* The connection is gone: nothing is awaited on it any more, and the next
 * one starts from what the network knows is acknowledged. */
static void
drop_connection (MimpTestSession *self)
{
  g_clear_handle_id (&self->connect_id, g_source_remove);
  g_clear_handle_id (&self->deliver_id, g_source_remove);
  g_clear_handle_id (&self->send_id, g_source_remove);
  self->delivered = 0;
  self->awaiting = -1;
}

static void
session_lose_connection (MimpTestSession *self, GError *error)
{
  if (self->state != MIMP_PROTOCOL_SESSION_STATE_ONLINE &&
      self->state != MIMP_PROTOCOL_SESSION_STATE_CONNECTING)
    {
      g_error_free (error);
      return;
    }
  drop_connection (self);
  set_state (self, MIMP_PROTOCOL_SESSION_STATE_WAITING, error);
}

static gboolean
deliver (gpointer data)
{
  MimpTestSession *self = data;
  g_autoptr (GPtrArray) batch = NULL;
  User *user;
  gint64 from;

  self->deliver_id = 0;
  if (self->state != MIMP_PROTOCOL_SESSION_STATE_ONLINE || self->network->holding ||
      self->awaiting >= 0)
    return G_SOURCE_REMOVE;

  user = lookup_user (self->network, self->user);
  from = MAX (self->delivered, user->cursor);
  if (from >= (gint64) user->mailbox->len)
    return G_SOURCE_REMOVE;

  batch = g_ptr_array_new_with_free_func ((GDestroyNotify) mimp_incoming_unref);
  for (gint64 i = from; i < (gint64) user->mailbox->len && batch->len < MAILBOX_BATCH; i++)
    g_ptr_array_add (batch, mimp_incoming_ref (user->mailbox->pdata[i]));
  self->delivered = from + batch->len;
  self->awaiting = self->delivered;
  user->n_delivered += batch->len;

  g_object_ref (self);
  mimp_protocol_session_emit_messages_received (MIMP_PROTOCOL_SESSION (self), batch);
  g_object_unref (self);
  return G_SOURCE_REMOVE;
}

static void
session_deliver_soon (MimpTestSession *self)
{
  if (self->state == MIMP_PROTOCOL_SESSION_STATE_ONLINE && self->deliver_id == 0)
    self->deliver_id = g_idle_add (deliver, self);
}

static GError *
check_send (MimpTestSession *self, User *from, OutboxItem *item)
{
  if (from->fail_next != NULL)
    return g_steal_pointer (&from->fail_next);
  if (strlen (item->text) > MIMP_TEST_PROTOCOL_MAX_TEXT)
    return g_error_new_literal (MIMP_TEST_PROTOCOL_ERROR, MIMP_TEST_PROTOCOL_ERROR_TOO_LARGE,
                                "Too large for the test network");
  if (!g_hash_table_contains (self->network->users, item->peer))
    return g_error_new (MIMP_TEST_PROTOCOL_ERROR, MIMP_TEST_PROTOCOL_ERROR_NO_SUCH_USER,
                        "No user %s on the test network", item->peer);
  return NULL;
}

/* Sends the whole outbox, each message with its own `send-finished`. */
static gboolean
send_outbox (gpointer data)
{
  MimpTestSession *self = g_object_ref (data);

  self->send_id = 0;
  while (self->state == MIMP_PROTOCOL_SESSION_STATE_ONLINE && !g_queue_is_empty (&self->outbox))
    {
      OutboxItem *item = g_queue_pop_head (&self->outbox);
      g_autoptr (GError) error = check_send (self, lookup_user (self->network, self->user), item);
      g_autoptr (MimpIncoming) posted = NULL;

      if (error == NULL)
        posted =
            post (self->network, self->user, item->peer, item->text, g_get_real_time () / 1000);
      mimp_protocol_session_emit_send_finished (MIMP_PROTOCOL_SESSION (self), item->local_id,
                                                posted ? posted->remote_id : NULL,
                                                posted ? posted->timestamp : 0, error);
      outbox_item_free (item);
    }
  g_object_unref (self);
  return G_SOURCE_REMOVE;
}

static void
send_soon (MimpTestSession *self)
{
  if (self->state == MIMP_PROTOCOL_SESSION_STATE_ONLINE && self->send_id == 0 &&
      !g_queue_is_empty (&self->outbox))
    self->send_id = g_idle_add (send_outbox, self);
}

static gboolean
connect_now (gpointer data)
{
  MimpTestSession *self = data;
  MimpTestNetwork *network = networks ? g_hash_table_lookup (networks, self->host) : NULL;
  User *user;

  self->connect_id = 0;
  if (network == NULL)
    {
      leave_network (self);
      set_state (self, MIMP_PROTOCOL_SESSION_STATE_WAITING,
                 g_error_new (MIMP_TEST_PROTOCOL_ERROR, MIMP_TEST_PROTOCOL_ERROR_UNREACHABLE,
                              "No test network at %s", self->host));
      return G_SOURCE_REMOVE;
    }
  join_network (self, network);
  user = g_hash_table_lookup (network->users, self->user);
  if (user != NULL && user->offline)
    {
      set_state (self, MIMP_PROTOCOL_SESSION_STATE_WAITING,
                 g_error_new_literal (MIMP_TEST_PROTOCOL_ERROR,
                                      MIMP_TEST_PROTOCOL_ERROR_UNREACHABLE,
                                      "Cut off the test network"));
      return G_SOURCE_REMOVE;
    }
  if (user == NULL || (user->password != NULL && g_strcmp0 (user->password, self->password) != 0))
    {
      leave_network (self);
      set_state (self, MIMP_PROTOCOL_SESSION_STATE_NEEDS_PASSWORD,
                 g_error_new_literal (MIMP_TEST_PROTOCOL_ERROR,
                                      MIMP_TEST_PROTOCOL_ERROR_WRONG_PASSWORD,
                                      "Wrong user or password"));
      return G_SOURCE_REMOVE;
    }

  self->delivered = user->cursor;
  self->awaiting = -1;
  set_state (self, MIMP_PROTOCOL_SESSION_STATE_ONLINE, NULL);
  send_soon (self);
  session_deliver_soon (self);
  return G_SOURCE_REMOVE;
}

static void
session_connect_soon (MimpTestSession *self)
{
  drop_connection (self);
  set_state (self, MIMP_PROTOCOL_SESSION_STATE_CONNECTING, NULL);
  self->connect_id = g_idle_add (connect_now, self);
}

/* ------------------------------------------------------------------ */

static MimpProtocolSessionState
get_state (MimpProtocolSession *session)
{
  return MIMP_TEST_SESSION (session)->state;
}

static const GError *
get_error (MimpProtocolSession *session)
{
  return MIMP_TEST_SESSION (session)->error;
}

/* It does not retry on a timer (see the top of the file). */
static gint64
get_retry_time (MimpProtocolSession *session)
{
  return 0;
}

static void
set_password (MimpProtocolSession *session, const char *password)
{
  MimpTestSession *self = MIMP_TEST_SESSION (session);

  g_free (self->password);
  self->password = g_strdup (password);
}

static void
reconnect_now (MimpProtocolSession *session)
{
  session_connect_soon (MIMP_TEST_SESSION (session));
}

/* The outbox stays, as libmimp keeps it: sent after the next start. */
static void
stop (MimpProtocolSession *session)
{
  MimpTestSession *self = MIMP_TEST_SESSION (session);

  drop_connection (self);
  leave_network (self);
  set_state (self, MIMP_PROTOCOL_SESSION_STATE_OFFLINE, NULL);
}

static void
send (MimpProtocolSession *session, const char *local_id, const char *peer, const char *text)
{
  MimpTestSession *self = MIMP_TEST_SESSION (session);
  OutboxItem *item;

  for (GList *l = self->outbox.head; l != NULL; l = l->next)
    if (g_str_equal (((OutboxItem *) l->data)->local_id, local_id))
      return;
  item = g_new0 (OutboxItem, 1);
  item->local_id = g_strdup (local_id);
  item->peer = g_strdup (peer);
  item->text = g_strdup (text);
  g_queue_push_tail (&self->outbox, item);
  send_soon (self);
}

/* The network is told at once (unless it is losing acknowledgements); the
 * session asks for more once the batch it handed on is acknowledged. */
static void
acknowledge (MimpProtocolSession *session, GPtrArray *stored)
{
  MimpTestSession *self = MIMP_TEST_SESSION (session);
  gint64 highest = -1;

  for (guint i = 0; i < stored->len; i++)
    highest = MAX (highest, ((MimpIncoming *) stored->pdata[i])->position);
  if (highest < 0 || self->network == NULL)
    return;
  if (!self->network->losing_acks)
    {
      User *user = lookup_user (self->network, self->user);

      user->cursor = MAX (user->cursor, MIN (highest, (gint64) user->mailbox->len));
    }
  if (self->awaiting >= 0 && highest >= self->awaiting)
    {
      self->awaiting = -1;
      session_deliver_soon (self);
    }
}

static void
send_typing (MimpProtocolSession *session, const char *peer, MimpTypingState state)
{
  MimpTestSession *self = MIMP_TEST_SESSION (session);

  if (self->network != NULL)
    g_hash_table_insert (self->network->typing, g_strdup_printf ("%s/%s", self->user, peer),
                         GINT_TO_POINTER (state));
}

/* Verification goes nowhere here; the network counts the calls. */
static void
start_verification (MimpProtocolSession *session, const char *peer, const char *question,
                    const char *answer)
{
  MimpTestSession *self = MIMP_TEST_SESSION (session);

  if (self->network != NULL)
    self->network->verifications++;
}

static void
answer_verification (MimpProtocolSession *session, const char *peer, const char *answer)
{
  start_verification (session, peer, NULL, answer);
}

static GStrv
list_members (MimpProtocolSession *session, const char *room)
{
  MimpTestSession *self = MIMP_TEST_SESSION (session);
  GPtrArray *members;
  GStrvBuilder *builder;

  if (self->network == NULL || (members = g_hash_table_lookup (self->network->rooms, room)) == NULL)
    return NULL;
  builder = g_strv_builder_new ();
  for (guint i = 0; i < members->len; i++)
    g_strv_builder_add (builder, members->pdata[i]);
  {
    GStrv list = g_strv_builder_end (builder);

    g_strv_builder_unref (builder);
    return list;
  }
}

/* Answers @task with the bytes @table keeps under @key: %NULL for none. */
static void
return_bytes (MimpTestSession *self, GTask *task, GHashTable *table, const char *key,
              gboolean none_is_error)
{
  GBytes *bytes = self->network ? g_hash_table_lookup (table, key) : NULL;

  if (self->network == NULL)
    g_task_return_new_error (task, MIMP_TEST_PROTOCOL_ERROR, MIMP_TEST_PROTOCOL_ERROR_UNREACHABLE,
                             "Not connected");
  else if (bytes == NULL && none_is_error)
    g_task_return_new_error (task, MIMP_TEST_PROTOCOL_ERROR, MIMP_TEST_PROTOCOL_ERROR_FAILED,
                             "No such image");
  else
    g_task_return_pointer (task, bytes ? g_bytes_ref (bytes) : NULL,
                           (GDestroyNotify) g_bytes_unref);
}

static void
upload_attachment_async (MimpProtocolSession *session, GBytes *data, const char *content_type,
                         GCancellable *cancellable, GAsyncReadyCallback callback,
                         gpointer user_data)
{
  MimpTestSession *self = MIMP_TEST_SESSION (session);
  g_autoptr (GTask) task = g_task_new (self, cancellable, callback, user_data);

  if (self->network == NULL)
    g_task_return_new_error (task, MIMP_TEST_PROTOCOL_ERROR, MIMP_TEST_PROTOCOL_ERROR_UNREACHABLE,
                             "Not connected");
  else
    g_task_return_pointer (task, mimp_test_network_add_attachment (self->network, data), g_free);
}

static char *
upload_attachment_finish (MimpProtocolSession *session, GAsyncResult *result, GError **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
send_attachment (MimpProtocolSession *session, const char *local_id, const char *peer,
                 const char *attachment)
{
  g_autofree char *text = g_strconcat (ATTACHMENT_MARK, attachment, NULL);

  send (session, local_id, peer, text);
}

static void
load_attachment_async (MimpProtocolSession *session, const char *attachment,
                       GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data)
{
  MimpTestSession *self = MIMP_TEST_SESSION (session);
  g_autoptr (GTask) task = g_task_new (self, cancellable, callback, user_data);

  return_bytes (self, task, self->network ? self->network->attachments : NULL, attachment, TRUE);
}

static GBytes *
load_bytes_finish (MimpProtocolSession *session, GAsyncResult *result, GError **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
load_avatar_async (MimpProtocolSession *session, const char *user, GCancellable *cancellable,
                   GAsyncReadyCallback callback, gpointer user_data)
{
  MimpTestSession *self = MIMP_TEST_SESSION (session);
  g_autoptr (GTask) task = g_task_new (self, cancellable, callback, user_data);

  return_bytes (self, task, self->network ? self->network->avatars : NULL, user, FALSE);
}

static void
mimp_test_session_iface_init (MimpProtocolSessionInterface *iface)
{
  iface->send_typing = send_typing;
  iface->list_members = list_members;
  iface->start_verification = start_verification;
  iface->answer_verification = answer_verification;
  iface->upload_attachment_async = upload_attachment_async;
  iface->upload_attachment_finish = upload_attachment_finish;
  iface->send_attachment = send_attachment;
  iface->load_attachment_async = load_attachment_async;
  iface->load_attachment_finish = load_bytes_finish;
  iface->load_avatar_async = load_avatar_async;
  iface->load_avatar_finish = load_bytes_finish;
  iface->get_state = get_state;
  iface->get_error = get_error;
  iface->get_retry_time = get_retry_time;
  iface->set_password = set_password;
  iface->reconnect_now = reconnect_now;
  iface->stop = stop;
  iface->send = send;
  iface->acknowledge = acknowledge;
}

static void
mimp_test_session_dispose (GObject *object)
{
  MimpTestSession *self = MIMP_TEST_SESSION (object);

  drop_connection (self);
  leave_network (self);
  g_queue_clear_full (&self->outbox, (GDestroyNotify) outbox_item_free);
  G_OBJECT_CLASS (mimp_test_session_parent_class)->dispose (object);
}

static void
mimp_test_session_finalize (GObject *object)
{
  MimpTestSession *self = MIMP_TEST_SESSION (object);

  g_free (self->host);
  g_free (self->user);
  g_free (self->password);
  g_clear_error (&self->error);
  G_OBJECT_CLASS (mimp_test_session_parent_class)->finalize (object);
}

static void
mimp_test_session_class_init (MimpTestSessionClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = mimp_test_session_dispose;
  object_class->finalize = mimp_test_session_finalize;
  mimp_protocol_session_implement_properties (object_class);
}

static void
mimp_test_session_init (MimpTestSession *self)
{
  self->state = MIMP_PROTOCOL_SESSION_STATE_OFFLINE;
  self->awaiting = -1;
}

/* ------------------------------------------------------------------ */
/* The account type                                                   */
/* ------------------------------------------------------------------ */

struct _MimpTestProtocol
{
  MimpProtocol parent_instance;
};

G_DEFINE_FINAL_TYPE (MimpTestProtocol, mimp_test_protocol, MIMP_TYPE_PROTOCOL)

static guint16
test_default_port (MimpProtocol *protocol, gboolean use_tls)
{
  return MIMP_TEST_PROTOCOL_PORT;
}

/* Names are ASCII letters, digits, '.', '_' and '-', compared in lower case. */
static gboolean
test_normalize_peer (MimpProtocol *protocol, const char *name, char **normalized, GError **error)
{
  gsize length = strlen (name);

  for (gsize i = 0; i < length; i++)
    if (!g_ascii_isalnum (name[i]) && strchr ("._-", name[i]) == NULL)
      length = 0;
  if (length == 0 || length > 32)
    {
      g_set_error (error, MIMP_TEST_PROTOCOL_ERROR, MIMP_TEST_PROTOCOL_ERROR_INVALID_NAME,
                   "Not a test user name: %s", name);
      return FALSE;
    }
  *normalized = g_ascii_strdown (name, -1);
  return TRUE;
}

static char *
test_describe_error (MimpProtocol *protocol, const GError *error)
{
  switch ((MimpTestProtocolError) error->code)
    {
    case MIMP_TEST_PROTOCOL_ERROR_UNREACHABLE:
      return g_strdup ("The test network cannot be reached.");
    case MIMP_TEST_PROTOCOL_ERROR_CLOSED:
      return g_strdup ("The connection to the test network was lost.");
    case MIMP_TEST_PROTOCOL_ERROR_WRONG_PASSWORD:
      return g_strdup ("The test network refused the user name or password.");
    case MIMP_TEST_PROTOCOL_ERROR_NO_SUCH_USER:
      return g_strdup ("Nobody has that name on the test network.");
    case MIMP_TEST_PROTOCOL_ERROR_REFUSED:
      return g_strdup ("The test network refused the message.");
    case MIMP_TEST_PROTOCOL_ERROR_TOO_LARGE:
      return g_strdup ("The message is too long for the test network.");
    case MIMP_TEST_PROTOCOL_ERROR_INVALID_NAME:
      return g_strdup ("That is not a name on the test network.");
    case MIMP_TEST_PROTOCOL_ERROR_FAILED:
    default:
      return g_strdup (error->message);
    }
}

static MimpSecurityLevel
test_get_security (MimpProtocol *protocol, gboolean use_tls)
{
  return MIMP_SECURITY_ANYONE;
}

static char *
test_describe_security (MimpProtocol *protocol, gboolean use_tls, gboolean brief)
{
  return g_strdup (brief ? "not encrypted" : "Not encrypted: a test network in memory.");
}

static MimpTestCodecFactory codec_factory;

static MimpMessageCodec *
test_create_codec (MimpProtocol *protocol, MimpAccount *account)
{
  return codec_factory ? codec_factory (account) : mimp_plain_codec_new ();
}

/**
 * mimp_test_protocol_set_codec_factory:
 * @factory: (nullable): makes the codec of each new account, or %NULL for
 *   the plain codec
 */
void
mimp_test_protocol_set_codec_factory (MimpTestCodecFactory factory)
{
  codec_factory = factory;
}

static MimpProtocolSession *
test_create_session (MimpProtocol *protocol, MimpAccount *account)
{
  MimpTestSession *self = g_object_new (MIMP_TYPE_TEST_SESSION, NULL);

  self->host = g_strdup (mimp_account_get_host (account));
  self->user = g_strdup (mimp_account_get_user (account));
  return MIMP_PROTOCOL_SESSION (self);
}

static void
mimp_test_protocol_class_init (MimpTestProtocolClass *klass)
{
  MimpProtocolClass *protocol_class = MIMP_PROTOCOL_CLASS (klass);

  protocol_class->id = "test";
  protocol_class->display_name = "Test";
  protocol_class->capabilities = MIMP_PROTOCOL_STORE_AND_FORWARD;
  protocol_class->max_text = MIMP_TEST_PROTOCOL_MAX_TEXT;
  protocol_class->error_domain = MIMP_TEST_PROTOCOL_ERROR;
  protocol_class->default_port = test_default_port;
  protocol_class->normalize_peer = test_normalize_peer;
  protocol_class->describe_error = test_describe_error;
  protocol_class->get_security = test_get_security;
  protocol_class->describe_security = test_describe_security;
  protocol_class->create_session = test_create_session;
  protocol_class->create_codec = test_create_codec;
}

static void
mimp_test_protocol_init (MimpTestProtocol *self)
{
}

/**
 * mimp_test_protocol_get:
 *
 * Registers the test protocol the first time.
 *
 * Returns: (transfer none): the registered test protocol
 */
MimpProtocol *
mimp_test_protocol_get (void)
{
  if (mimp_protocol_find ("test") == NULL)
    mimp_protocol_register (MIMP_TYPE_TEST_PROTOCOL);
  return mimp_protocol_find ("test");
}

/**
 * mimp_test_protocol_set_capabilities:
 *
 * What the test protocol offers from now on, for every account of it (the
 * capabilities are the class's, as for every protocol). With
 * %MIMP_PROTOCOL_PASSWORD its accounts look their password up, and a
 * user added with a password must give it.
 */
void
mimp_test_protocol_set_capabilities (MimpProtocolCapabilities capabilities)
{
  MimpProtocolClass *klass = MIMP_PROTOCOL_GET_CLASS (mimp_test_protocol_get ());

  klass->capabilities = capabilities;
}
