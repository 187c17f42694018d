/* miricat-packet.h - framing, parsing and building of Miricat packets
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

#include "miricat-crypto.h"

G_BEGIN_DECLS

/* The longest packet (Yemu) or line (javacat) we accept, in bytes. */
#define MIRICAT_MAX_PACKET (1024 * 1024)
/* The deepest JSON nesting we accept. */
#define MIRICAT_MAX_DEPTH 32
/* Our convention for an image shared in a Yemu room: a text message whose
 * whole text is this prefix and the file name the HTTP side gave us. */
#define MIRICAT_IMAGE_MARKER "miricat-image:"
#define MIRICAT_FILE_NAME_MAX 255

typedef enum
{
  MIRICAT_JSON_COMPLETE,
  MIRICAT_JSON_INCOMPLETE,
  MIRICAT_JSON_INVALID,
} MiricatJsonScan;

MiricatJsonScan miricat_json_scan_object (const char *data, gsize len, gsize *end);

/* Splits the incoming byte stream into packets (JSON text, decrypted). */
typedef struct _MiricatReader MiricatReader;

typedef enum
{
  MIRICAT_READ_NEED_MORE,
  MIRICAT_READ_READY,
  MIRICAT_READ_ERROR,
} MiricatReadStatus;

MiricatReader *miricat_reader_new (MiricatDialect dialect, gsize max_packet);
void miricat_reader_free (MiricatReader *reader);
void miricat_reader_set_key (MiricatReader *reader, const guint8 key[MIRICAT_KEY_SIZE]);
void miricat_reader_push (MiricatReader *reader, const guint8 *data, gsize len);
MiricatReadStatus miricat_reader_next (MiricatReader *reader, char **json, gsize *len,
                                       GError **error);
gsize miricat_reader_buffered (MiricatReader *reader);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MiricatReader, miricat_reader_free)

typedef enum
{
  MIRICAT_PACKET_OTHER,     /* understood, nothing for a client to do */
  MIRICAT_PACKET_HANDSHAKE, /* public_key */
  MIRICAT_PACKET_ACCEPTED,  /* http, token (Yemu); heartbeat_rate, room_id, members (javacat) */
  MIRICAT_PACKET_TOKEN,     /* token */
  MIRICAT_PACKET_MESSAGE,   /* user, text, timestamp (javacat) */
  MIRICAT_PACKET_IMAGE,     /* user, text = the file name, timestamp (javacat) */
  MIRICAT_PACKET_JOINED,    /* user, members; room_id (javacat) */
  MIRICAT_PACKET_LEFT,      /* user; room_id (javacat) */
  MIRICAT_PACKET_ERROR,     /* error (a MiricatError), type_name */
} MiricatPacketKind;

typedef struct
{
  MiricatPacketKind kind;
  char *type_name; /* the type as the server wrote it, for debug logs */
  char *public_key;
  char *http;
  char *token;
  gint64 heartbeat_rate;
  gboolean has_room;
  gint64 room_id;
  char **members;
  char *user;
  char *text;
  gint64 timestamp;
  int error;
} MiricatPacket;

MiricatPacket *miricat_packet_parse (MiricatDialect dialect, const char *json, gsize len,
                                     GError **error);
void miricat_packet_free (MiricatPacket *packet);
gboolean miricat_file_name_is_valid (const char *name);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MiricatPacket, miricat_packet_free)

char *miricat_packet_build_handshake (MiricatDialect dialect, const char *public_hex);
char *miricat_packet_build_login (MiricatDialect dialect, const char *user, const char *password);
char *miricat_packet_build_text (MiricatDialect dialect, gint64 room_id, const char *text);
char *miricat_packet_build_image (MiricatDialect dialect, gint64 room_id, const char *file_name);
char *miricat_packet_build_room (const char *type, gint64 room_id);
char *miricat_packet_build_ping (void);

G_END_DECLS
